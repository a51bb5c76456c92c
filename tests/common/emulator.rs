//! The strict emulator as a child process on a free loopback port, and RDS
//! clients that talk to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use aws_sdk_rds::Client;

use super::{REGION, SECRET, TIME_SCALE};

/// An emulator process, killed when dropped.
pub struct Moto {
    process: Process,
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
    /// snapshot quota, another time scale): forked from the [`Zygote`]
    /// where it can be, else as a process of its own.
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let log = tempfile::NamedTempFile::new().expect("a file for the emulator's stderr");
        let mut env: Vec<(&str, &str)> = env.to_vec();
        if !env
            .iter()
            .any(|(name, _)| *name == "RDS_EMULATOR_TIME_SCALE")
        {
            env.insert(0, ("RDS_EMULATOR_TIME_SCALE", TIME_SCALE));
        }
        let (process, endpoint) = match Zygote::fork(&env, log.path()) {
            Some(pid) => {
                let mut process = Process::Forked(pid);
                let endpoint = logged_endpoint(&mut process, log.path(), Duration::from_secs(60));
                (process, endpoint)
            }
            None => {
                let mut child = Command::new(python_path())
                    .args(["-m", "emulator", "0"])
                    .current_dir(support_dir())
                    .envs(env.iter().copied())
                    .stdout(Stdio::piped())
                    .stderr(log.reopen().expect("the emulator's stderr file"))
                    .spawn()
                    .expect("the emulator starts");
                let endpoint = served_endpoint(&mut child, "emulator", Duration::from_secs(60));
                (Process::Spawned(child), endpoint)
            }
        };
        Moto {
            process,
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
        let pid = self.process.id();
        if std::thread::panicking() {
            // The test failed: show what the emulator was doing. SIGUSR1
            // makes it write every thread's stack to its stderr.
            signal(pid, "USR1");
            std::thread::sleep(Duration::from_millis(500));
            let log = std::fs::read_to_string(self.log.path()).unwrap_or_default();
            let start = log.len().saturating_sub(20_000);
            let start = (start..log.len())
                .find(|&i| log.is_char_boundary(i))
                .unwrap_or(log.len());
            eprintln!(
                "--- the emulator at {} ({}), its stderr's last {} bytes:\n{}\n---",
                self.endpoint,
                if self.process.has_ended() {
                    "ended"
                } else {
                    "running"
                },
                log.len() - start,
                &log[start..]
            );
        }
        // With real database servers, SIGTERM first: the emulator then
        // stops them and removes their files, which are in memory
        // (/dev/shm) and which a SIGKILL would leave there (the next
        // emulator removes those, see pgserver.remove_abandoned). SIGKILL
        // if it has not ended in time, and at once without them.
        if self.real_db {
            signal(pid, "TERM");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if self.process.has_ended() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.process.kill();
    }
}

/// The directory `python -m emulator` runs in.
fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support")
}

/// Sends a signal (`TERM`, `USR1`) to a process.
fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status();
}

/// An emulator: a process of the test's own, or a child of the [`Zygote`].
enum Process {
    Spawned(Child),
    /// The zygote's child: the kernel reaps it (the zygote ignores
    /// SIGCHLD), so its `/proc` entry goes when it ends.
    Forked(u32),
}

impl Process {
    fn id(&self) -> u32 {
        match self {
            Process::Spawned(child) => child.id(),
            Process::Forked(pid) => *pid,
        }
    }

    fn has_ended(&mut self) -> bool {
        match self {
            Process::Spawned(child) => !matches!(child.try_wait(), Ok(None)),
            Process::Forked(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
        }
    }

    /// SIGKILL, and waits until it has gone.
    fn kill(&mut self) {
        match self {
            Process::Spawned(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Process::Forked(pid) => {
                let pid = *pid;
                signal(pid, "KILL");
                let deadline = Instant::now() + Duration::from_secs(10);
                while !self.has_ended() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }
}

/// The address a forked emulator names in the first line it writes to
/// `log`; panics with what it wrote if it ends, or says nothing within
/// `within`.
fn logged_endpoint(process: &mut Process, log: &Path, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let written = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = written
            .lines()
            .find(|line| line.starts_with("RDS emulator on http://"))
        {
            let at = line.find("http://").expect("an address");
            return line[at..]
                .split_whitespace()
                .next()
                .expect("an address")
                .to_owned();
        }
        if process.has_ended() || Instant::now() > deadline {
            panic!(
                "the emulator (pid {}) did not say where it serves within {within:?}; it wrote:\n{written}",
                process.id()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A Python process that has imported what every emulator imports, and
/// forks emulators on request (`tests/support/zygote.py`): an emulator
/// then starts in a tenth of a second instead of three, and without the
/// two seconds of CPU its imports take, a few hundred times a test run.
/// One per test process, started by the first emulator; it ends when the
/// test process does (its stdin closes). Not used where `/proc` is
/// missing (it tells when a forked emulator has ended), with
/// `RDS_EMULATOR_NO_ZYGOTE` set, or for settings moto reads when it is
/// imported (anything but `RDS_EMULATOR_*`).
struct Zygote {
    process: Child,
    requests: ChildStdin,
    answers: BufReader<ChildStdout>,
    /// Whether it has ended: then emulators start without it.
    gone: bool,
}

impl Zygote {
    fn get() -> Option<&'static Mutex<Zygote>> {
        static ZYGOTE: OnceLock<Option<Mutex<Zygote>>> = OnceLock::new();
        ZYGOTE
            .get_or_init(|| {
                if std::env::var_os("RDS_EMULATOR_NO_ZYGOTE").is_some()
                    || !Path::new("/proc/self").exists()
                {
                    return None;
                }
                let started = Command::new(python_path())
                    .arg("zygote.py")
                    .current_dir(support_dir())
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn();
                let mut process = started
                    .map_err(|error| eprintln!("the emulators' zygote did not start: {error}"))
                    .ok()?;
                let requests = process.stdin.take()?;
                let mut answers = BufReader::new(process.stdout.take()?);
                let mut ready = String::new();
                let _ = answers.read_line(&mut ready);
                if ready.trim() != "ready" {
                    eprintln!(
                        "the emulators' zygote did not start ({ready:?}, {:?}); starting emulators without it",
                        process.try_wait()
                    );
                    let _ = process.kill();
                    return None;
                }
                Some(Mutex::new(Zygote {
                    process,
                    requests,
                    answers,
                    gone: false,
                }))
            })
            .as_ref()
    }

    /// Forks an emulator with `env`, writing to `log`; its PID, or `None`
    /// where the zygote is not used.
    fn fork(env: &[(&str, &str)], log: &Path) -> Option<u32> {
        if env
            .iter()
            .any(|(name, _)| !name.starts_with("RDS_EMULATOR_"))
        {
            return None;
        }
        let mut zygote = Self::get()?.lock().unwrap_or_else(|e| e.into_inner());
        if zygote.gone {
            return None;
        }
        let env: serde_json::Map<String, serde_json::Value> = env
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).into()))
            .collect();
        let request = serde_json::json!({ "env": env, "log": log });
        let mut answer = String::new();
        let asked = writeln!(zygote.requests, "{request}")
            .and_then(|()| zygote.answers.read_line(&mut answer));
        if !matches!(asked, Ok(read) if read > 0) {
            // It ended (killed, out of memory): every emulator from here on
            // is started as a process of its own.
            eprintln!(
                "the emulators' zygote is gone ({asked:?}, {:?}); starting emulators without it",
                zygote.process.try_wait()
            );
            zygote.gone = true;
            return None;
        }
        let pid = answer
            .trim()
            .strip_prefix("pid ")
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_else(|| panic!("the emulators' zygote answered {answer:?}"));
        Some(pid)
    }
}
