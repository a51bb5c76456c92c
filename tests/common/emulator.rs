//! The strict emulator as a child process on a free loopback port, and RDS
//! clients that talk to it.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use aws_sdk_rds::Client;

use super::{REGION, SECRET, TIME_SCALE};

/// An emulator process, killed when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
    /// What the emulator writes to stderr: Python's tracebacks, and every
    /// thread's stack when it gets SIGUSR1 (`faulthandler`, see
    /// `tests/support/emulator/__main__.py`). Shown when a test fails.
    log: tempfile::NamedTempFile,
    /// Whether real database servers stand behind its DBs
    /// (`RDS_EMULATOR_REAL_DB=1`), whose files it must remove when dropped.
    real_db: bool,
}

/// How long a test's own call to the emulator may take, retries included.
/// The emulator answers in milliseconds (seconds when it starts or copies
/// a real PostgreSQL server); a call that outlives this has met an emulator
/// that stopped answering, and the test fails there, with the emulator's
/// stacks, rather than waiting forever. No limit per attempt: a create
/// that is slow under load must not be sent a second time.
pub const CALL_LIMIT: Duration = Duration::from_secs(300);

/// The timeouts of the tests' own clients (see [`CALL_LIMIT`]).
pub fn call_limits() -> aws_sdk_rds::config::timeout::TimeoutConfig {
    aws_sdk_rds::config::timeout::TimeoutConfig::builder()
        .operation_timeout(CALL_LIMIT)
        .build()
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

/// A loopback port no one listened on when asked. Only for an address
/// that must refuse connections: a server the tests start takes port 0 and
/// says which port it got ([`served_endpoint`]), since a port chosen here can
/// be taken by another process before the server binds it.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// The `http://127.0.0.1:PORT` a server started with port 0 says it serves
/// on, in the first line it prints (`... on http://127.0.0.1:PORT ...`);
/// panics, naming `what`, if it exits or says nothing within `within`. The
/// rest of what it prints is read and dropped, so it never blocks on a full
/// pipe.
pub fn served_endpoint(child: &mut Child, what: &str, within: Duration) -> String {
    let stdout = child.stdout.take().expect("the server's stdout is piped");
    let (said, heard) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout);
        let mut first = String::new();
        let _ = lines.read_line(&mut first);
        let _ = said.send(first);
        let _ = std::io::copy(&mut lines.into_inner().take(u64::MAX), &mut std::io::sink());
    });
    let first = heard
        .recv_timeout(within)
        .unwrap_or_else(|_| panic!("the {what} did not say where it serves within {within:?}"));
    let at = first.find("http://").unwrap_or_else(|| {
        panic!(
            "the {what} did not start: {first:?} (status {:?})",
            child.try_wait()
        )
    });
    first[at..]
        .split_whitespace()
        .next()
        .expect("an address")
        .to_owned()
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
        let log = tempfile::NamedTempFile::new().expect("a file for the emulator's stderr");
        let mut child = Command::new(python_path())
            .args(["-m", "emulator", "0"])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support"))
            .env("RDS_EMULATOR_TIME_SCALE", TIME_SCALE)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("the emulator's stderr file"))
            .spawn()
            .expect("the emulator starts");
        let endpoint = served_endpoint(&mut child, "emulator", Duration::from_secs(60));
        Moto {
            child,
            endpoint,
            log,
            real_db: env.contains(&("RDS_EMULATOR_REAL_DB", "1")),
        }
    }

    /// An RDS client for setting up and inspecting the emulator.
    pub fn client(&self) -> Client {
        self.client_in(REGION)
    }

    /// A Secrets Manager client of the emulator, in the tests' region, as
    /// the principal with access key `key` and secret `secret`.
    pub fn secrets_as(&self, key: &str, secret: &str) -> aws_sdk_secretsmanager::Client {
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                key, secret, None, None, "tests",
            ))
            .timeout_config(call_limits())
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
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
            .timeout_config(call_limits())
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
            .timeout_config(call_limits())
            .build();
        Client::from_conf(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The test failed: show what the emulator was doing. SIGUSR1
            // makes it write every thread's stack to its stderr.
            let _ = Command::new("kill")
                .args(["-USR1", &self.child.id().to_string()])
                .status();
            std::thread::sleep(Duration::from_millis(500));
            let log = std::fs::read_to_string(self.log.path()).unwrap_or_default();
            let start = log.len().saturating_sub(20_000);
            let start = (start..log.len())
                .find(|&i| log.is_char_boundary(i))
                .unwrap_or(log.len());
            eprintln!(
                "--- the emulator at {} ({}), its stderr's last {} bytes:\n{}\n---",
                self.endpoint,
                self.child
                    .try_wait()
                    .ok()
                    .flatten()
                    .map_or_else(|| "running".to_owned(), |status| status.to_string()),
                log.len() - start,
                &log[start..]
            );
        }
        // With real database servers, SIGTERM first: the emulator then
        // stops them and removes their files, which are in memory
        // (/dev/shm) and which a SIGKILL would leave there (the next
        // emulator removes those, see pgserver.remove_abandoned). SIGKILL
        // if it has not ended in time, and at once without them.
        if !self.real_db {
            let _ = self.child.kill();
            let _ = self.child.wait();
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
