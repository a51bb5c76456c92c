//! The strict emulator as a child process on a free loopback port, and RDS
//! clients that talk to it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_rds::Client;

use super::{REGION, SECRET, TIME_SCALE};

/// An emulator process, killed when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

/// The project's Python (`.venv`, which `scripts/test` installs), or the one
/// `RDS_EMULATOR_PYTHON` names.
pub fn python_path() -> PathBuf {
    if let Some(path) = std::env::var_os("RDS_EMULATOR_PYTHON") {
        return PathBuf::from(path);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        path.exists(),
        "{} is missing: run ./scripts/test, which installs moto into .venv, or set RDS_EMULATOR_PYTHON",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

impl Moto {
    pub fn start() -> Moto {
        Self::start_with(&[])
    }

    /// Starts the emulator with a real PostgreSQL server behind every
    /// `postgres` instance and `aurora-postgresql` cluster
    /// (`RDS_EMULATOR_REAL_DB=1`), so a test can read the rows a restore
    /// brings back (see [`super::pg`]).
    pub fn start_real_db() -> Moto {
        Self::start_with(&[("RDS_EMULATOR_REAL_DB", "1")])
    }

    /// Starts the emulator with extra environment (IAM enforcement, a
    /// snapshot quota, another time scale).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let child = Command::new(python_path())
            .args(["-m", "emulator", &port.to_string()])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support"))
            .env("RDS_EMULATOR_TIME_SCALE", TIME_SCALE)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the emulator did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// An RDS client for setting up and inspecting the emulator.
    pub fn client(&self) -> Client {
        self.client_in(REGION)
    }

    /// A KMS client of the emulator, in the tests' region.
    pub fn kms(&self) -> aws_sdk_kms::Client {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_kms::config::Credentials::new(
                "AKIAIOSFODNN7EXAMPLE",
                SECRET,
                None,
                None,
                "tests",
            ))
            .build();
        aws_sdk_kms::Client::from_conf(config)
    }

    /// A new KMS HMAC key (`HMAC_256`, `GENERATE_VERIFY_MAC`), by ARN: what
    /// input `provenance-key` takes.
    pub async fn hmac_key(&self) -> String {
        self.kms()
            .create_key()
            .key_spec(aws_sdk_kms::types::KeySpec::Hmac256)
            .key_usage(aws_sdk_kms::types::KeyUsageType::GenerateVerifyMac)
            .send()
            .await
            .expect("create an HMAC key")
            .key_metadata()
            .expect("key metadata")
            .arn()
            .expect("key ARN")
            .to_owned()
    }

    /// An RDS client for another region of the emulator.
    pub fn client_in(&self, region: &str) -> Client {
        let config = aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new(region.to_owned()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_rds::config::Credentials::new(
                "AKIAIOSFODNN7EXAMPLE",
                SECRET,
                None,
                None,
                "tests",
            ))
            .build();
        Client::from_conf(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
