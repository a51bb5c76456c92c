//! Test support: the project's strict RDS emulator (moto underneath, made to
//! behave as AWS documents: `tests/support/emulator`) on a free loopback
//! port, and a step runner that starts the built binary with the environment
//! the GitHub runner gives a container action (every input `action.yml`
//! declares, its defaults, fresh `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`
//! files).

#![allow(dead_code)]

pub mod aurora;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_rds::Client;

pub const REGION: &str = "us-east-1";
/// The secret access key every step runs with; no log, summary or output
/// may ever show it.
pub const SECRET: &str = "wJalrXUtnFEMI-test-secret-never-logged";
/// The session token every step runs with; likewise never shown.
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEBY-session-token-never-logged";

/// The emulator's time scale in the tests: a snapshot takes about half a
/// second, a restore about two, a rename a fifth of one; every state AWS
/// shows is still shown, in order.
pub const TIME_SCALE: &str = "0.002";

/// The action's shortest pause between looks in the tests, in step with
/// [`TIME_SCALE`] (`RDS_SNAPSHOT_ACTION_MIN_POLL`, which users can set too).
pub const MIN_POLL: &str = "100ms";

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

    /// Creates a source DB instance with automated backups on.
    pub async fn create_db(&self, id: &str) {
        create_db(&self.client(), id).await;
    }

    /// A snapshot tagged the way this action tags its own.
    pub async fn own_snapshot(&self, db: &str, id: &str, version: Option<&str>) {
        own_snapshot(&self.client(), db, id, version).await;
    }

    /// The IDs of a DB's manual snapshots, across all result pages.
    pub async fn snapshot_ids(&self, db: &str) -> Vec<String> {
        let mut pages = self
            .client()
            .describe_db_snapshots()
            .db_instance_identifier(db)
            .snapshot_type("manual")
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            ids.extend(
                page.expect("describe snapshots")
                    .db_snapshots()
                    .iter()
                    .filter_map(|s| s.db_snapshot_identifier().map(str::to_owned)),
            );
        }
        ids.sort();
        ids
    }

    /// Every DB instance's ID, across all result pages.
    pub async fn instance_ids(&self) -> Vec<String> {
        let mut pages = self
            .client()
            .describe_db_instances()
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            ids.extend(
                page.expect("describe instances")
                    .db_instances()
                    .iter()
                    .filter_map(|d| d.db_instance_identifier().map(str::to_owned)),
            );
        }
        ids.sort();
        ids
    }

    /// A DB instance as described, without `LatestRestorableTime`, which
    /// moto moves forward on every look.
    pub async fn instance(&self, id: &str) -> aws_sdk_rds::types::DbInstance {
        let mut instance = self.describe_instance(id).await;
        instance.latest_restorable_time = None;
        instance
    }

    async fn describe_instance(&self, id: &str) -> aws_sdk_rds::types::DbInstance {
        self.client()
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .expect("describe instance")
            .db_instances()[0]
            .clone()
    }

    pub async fn snapshot_tags(&self, id: &str) -> BTreeMap<String, String> {
        let output = self
            .client()
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .send()
            .await
            .expect("describe snapshot");
        tags(output.db_snapshots()[0].tag_list())
    }
}

/// Creates a DB instance with automated backups on.
/// Creates a DB instance with automated backups on, and waits until it is
/// `available` (the emulator takes the time AWS takes, scaled).
pub async fn create_db(client: &Client, id: &str) {
    create_db_no_wait(client, id).await;
    wait_for_instance(client, id, "available").await;
}

/// Starts creating a DB instance with automated backups on, without waiting.
pub async fn create_db_no_wait(client: &Client, id: &str) {
    client
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password")
        .backup_retention_period(7)
        .send()
        .await
        .expect("create a DB instance");
}

/// Snapshots `db` through the action in run `run` for `version`; returns
/// the snapshot's ID.
pub fn snapshot(moto: &Moto, db: &str, version: &str, run: &str) -> String {
    let ran = Step::new(moto, "snapshot", run)
        .with("db-instance-identifier", db)
        .with("deploy-version", version)
        .run();
    ran.assert_ok();
    ran.output("snapshot-identifier").to_owned()
}

/// Snapshots Aurora cluster `db` through the action in run `run` for
/// `version`; returns the snapshot's ID.
pub fn snapshot_cluster(moto: &Moto, db: &str, version: &str, run: &str) -> String {
    let ran = Step::new(moto, "snapshot", run)
        .with("db-cluster-identifier", db)
        .with("deploy-version", version)
        .run();
    ran.assert_ok();
    ran.output("snapshot-identifier").to_owned()
}

/// Creates a DB instance with its own parameter and option groups, Enhanced
/// Monitoring and Performance Insights, and waits until it is `available`.
pub async fn create_tuned_db(client: &Client, id: &str) {
    client
        .create_db_parameter_group()
        .db_parameter_group_name(format!("{id}-params"))
        .db_parameter_group_family("postgres13")
        .description("tuned")
        .send()
        .await
        .expect("create a parameter group");
    client
        .create_option_group()
        .option_group_name(format!("{id}-options"))
        .engine_name("postgres")
        .major_engine_version("13")
        .option_group_description("options")
        .send()
        .await
        .expect("create an option group");
    client
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .engine_version("13.7")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password")
        .backup_retention_period(7)
        .db_parameter_group_name(format!("{id}-params"))
        .option_group_name(format!("{id}-options"))
        .monitoring_interval(60)
        .monitoring_role_arn("arn:aws:iam::123456789012:role/rds-monitoring-role")
        .enable_performance_insights(true)
        .send()
        .await
        .expect("create a tuned DB instance");
    wait_for_instance(client, id, "available").await;
}

/// Waits (at most a minute) until the DB instance shows `status`.
pub async fn wait_for_instance(client: &Client, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = client
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|out| out.db_instances().first().cloned())
            .and_then(|db| db.db_instance_status().map(str::to_owned));
        if seen.as_deref() == Some(status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "DB instance {id} is {seen:?}, not {status}, after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most a minute) until the DB snapshot is `available`.
pub async fn wait_for_snapshot(client: &Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = client
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|out| out.db_snapshots().first().cloned())
            .and_then(|snap| snap.status().map(str::to_owned));
        if seen.as_deref() == Some("available") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "DB snapshot {id} is {seen:?}, not available, after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates a snapshot tagged the way this action tags its own.
pub async fn own_snapshot(client: &Client, db: &str, id: &str, version: Option<&str>) {
    let tag = |key: &str, value: &str| {
        aws_sdk_rds::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
    };
    let mut request = client
        .create_db_snapshot()
        .db_instance_identifier(db)
        .db_snapshot_identifier(id)
        .tags(tag("rds-snapshot-action:managed-by", "rds-snapshot-action"))
        .tags(tag("rds-snapshot-action:source-db", db))
        .tags(tag("rds-snapshot-action:snapshot-id", id));
    if let Some(version) = version {
        request = request.tags(tag("rds-snapshot-action:deploy-version", version));
    }
    request.send().await.expect("create a snapshot");
    wait_for_snapshot(client, id).await;
}

pub fn tags(list: &[aws_sdk_rds::types::Tag]) -> BTreeMap<String, String> {
    list.iter()
        .map(|t| {
            (
                t.key().unwrap_or("").to_owned(),
                t.value().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The fault-injecting proxy (`tests/support/fault_proxy.py`) in front of
/// moto, killed when dropped.
pub struct FaultProxy {
    child: Child,
    pub endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl FaultProxy {
    /// Faults at `rate` (0.0 to 1.0), chosen by `seed`; every answer
    /// delayed by `delay_ms`.
    pub fn start(upstream: &str, rate: f64, seed: u64, delay_ms: u64) -> FaultProxy {
        Self::start_with_rules(upstream, rate, seed, delay_ms, "")
    }

    /// As [`FaultProxy::start`], and `rules` (`Action[+Parameter]#N`,
    /// comma-separated) refuse the Nth matching request once each, with an
    /// error the SDK does not retry.
    pub fn start_with_rules(
        upstream: &str,
        rate: f64,
        seed: u64,
        delay_ms: u64,
        rules: &str,
    ) -> FaultProxy {
        Self::spawn(upstream, rate, seed, delay_ms, rules, &[])
    }

    /// A proxy whose `rules` refusals answer with AWS error `code` and
    /// `message` (any text: the hostile tests put payloads in it).
    pub fn answering(upstream: &str, rules: &str, code: &str, message: &str) -> FaultProxy {
        Self::spawn(
            upstream,
            0.0,
            0,
            0,
            rules,
            &[("FAULT_PROXY_CODE", code), ("FAULT_PROXY_MESSAGE", message)],
        )
    }

    fn spawn(
        upstream: &str,
        rate: f64,
        seed: u64,
        delay_ms: u64,
        rules: &str,
        env: &[(&str, &str)],
    ) -> FaultProxy {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let python = python_path();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fault_proxy.py");
        let child = Command::new(python)
            .arg(script)
            .args([
                port.to_string(),
                upstream.to_owned(),
                rate.to_string(),
                seed.to_string(),
                log.display().to_string(),
                delay_ms.to_string(),
                rules.to_owned(),
            ])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the fault proxy starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the fault proxy did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        FaultProxy {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    /// Every request seen so far: its API action and the fault injected
    /// (`None` when it was passed through untouched).
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| {
                let entry: serde_json::Value = serde_json::from_str(line).expect("a log line");
                (
                    entry["action"].as_str().unwrap_or_default().to_owned(),
                    entry["fault"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// Forgets the requests seen so far.
    pub fn clear(&self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The mutating calls the proxy saw, in order.
pub fn mutating(proxy: &FaultProxy) -> Vec<String> {
    proxy
        .requests()
        .into_iter()
        .map(|(action, _)| action)
        .filter(|action| is_mutating(action))
        .collect()
}

/// Whether an RDS or KMS API action changes anything.
pub fn is_mutating(action: &str) -> bool {
    !(action.starts_with("Describe") || action.starts_with("List") || action.is_empty())
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The inputs `action.yml` declares, with their defaults, read the way the
/// runner reads them.
pub fn declared_inputs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("action.yml");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    let inputs = docs[0]["inputs"].as_hash().expect("action.yml has inputs");
    inputs
        .iter()
        .map(|(name, spec)| {
            let default = match &spec["default"] {
                yaml_rust2::Yaml::String(s) => s.clone(),
                yaml_rust2::Yaml::Boolean(b) => b.to_string(),
                yaml_rust2::Yaml::Integer(i) => i.to_string(),
                _ => String::new(),
            };
            (name.as_str().expect("input name").to_owned(), default)
        })
        .collect()
}

/// The environment name the runner gives an input.
pub fn input_env(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// One step of a workflow, run as the runner would run the container.
pub struct Step {
    with: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    args: Vec<String>,
    dir: tempfile::TempDir,
}

/// What a step left behind.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
    pub summary: String,
}

impl Ran {
    /// The lines that are workflow commands of the given kind.
    pub fn commands(&self, kind: &str) -> Vec<String> {
        let prefix = format!("::{kind}");
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .filter(|line| line.trim_start().starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    }

    /// The single `::error::` line; panics unless there is exactly one.
    pub fn error(&self) -> String {
        let errors = self.commands("error");
        assert_eq!(errors.len(), 1, "expected one ::error:: line:\n{self}");
        errors[0].clone()
    }

    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output `{name}`:\n{self}"))
    }

    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "step failed:\n{self}");
        self
    }

    pub fn assert_failed(&self) -> &Self {
        assert_ne!(
            self.code, 0,
            "step succeeded but should have failed:\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}--- outputs\n{:?}\n--- summary\n{}",
            self.code, self.stdout, self.stderr, self.outputs, self.summary
        )
    }
}

impl Step {
    /// A step with `mode` set, pointed at `moto`, inside GitHub Actions with
    /// run ID `run_id`.
    pub fn new(moto: &Moto, mode: &str, run_id: &str) -> Step {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = BTreeMap::new();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        for (key, value) in [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", home.display().to_string()),
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_RUN_ID", run_id.to_owned()),
            ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
            ("GITHUB_REPOSITORY", "acme/shop".to_owned()),
            (
                "GITHUB_SHA",
                "0123456789abcdef0123456789abcdef01234567".to_owned(),
            ),
            (
                "GITHUB_OUTPUT",
                dir.path().join("set_output").display().to_string(),
            ),
            (
                "GITHUB_STEP_SUMMARY",
                dir.path().join("step_summary").display().to_string(),
            ),
            ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.to_owned()),
            ("AWS_SESSION_TOKEN", SESSION_TOKEN.to_owned()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("RDS_SNAPSHOT_ACTION_MIN_POLL", MIN_POLL.to_owned()),
        ] {
            env.insert(key.to_owned(), value);
        }
        Step {
            with: BTreeMap::from([("mode".to_owned(), mode.to_owned())]),
            env,
            args: Vec::new(),
            dir,
        }
    }

    /// Sets an input, as `with:` does.
    pub fn with(mut self, name: &str, value: &str) -> Step {
        self.with.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Sends the step's AWS calls to `endpoint` (a proxy in front of moto).
    pub fn via(self, endpoint: &str) -> Step {
        self.env("AWS_ENDPOINT_URL", endpoint)
    }

    /// Sets an environment variable of the step.
    pub fn env(mut self, name: &str, value: &str) -> Step {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Removes an environment variable of the step.
    pub fn without_env(mut self, name: &str) -> Step {
        self.env.remove(name);
        self
    }

    /// Runs outside GitHub Actions, with these command-line arguments and
    /// no `INPUT_*` or `GITHUB_*` variables.
    pub fn cli(mut self, args: &[&str]) -> Step {
        self.args = args.iter().map(|arg| arg.to_string()).collect();
        self.env.retain(|key, _| !key.starts_with("GITHUB_"));
        self.with.clear();
        self
    }

    /// The command the runner would start for this step.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rds-snapshot-action"));
        command.env_clear().envs(&self.env).args(&self.args);
        if self.args.is_empty() {
            for (name, default) in declared_inputs() {
                let value = self.with.get(&name).cloned().unwrap_or(default);
                command.env(input_env(&name), value);
            }
            for name in self.with.keys() {
                assert!(
                    declared_inputs()
                        .iter()
                        .any(|(declared, _)| declared == name),
                    "input `{name}` is not declared in action.yml"
                );
            }
        }
        command
    }

    pub fn run(&self) -> Ran {
        let mut command = self.command();
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().expect("run rds-snapshot-action");
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        let outputs = parse_file_commands(&read("set_output"))
            .unwrap_or_else(|error| panic!("GITHUB_OUTPUT is malformed: {error}"));
        let ran = Ran {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            outputs,
            summary: read("step_summary"),
        };
        let shown = format!("{ran}");
        assert!(
            !shown.contains(SECRET) && !shown.contains(SESSION_TOKEN),
            "a credential leaked:\n{ran}"
        );
        ran
    }
}

/// Parses a `GITHUB_OUTPUT` file with the runner's rules: `name=value`
/// lines, and `name<<DELIMITER` blocks that end at a line equal to the
/// delimiter. A later value replaces an earlier one.
pub fn parse_file_commands(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let (key, value) = (&line[..e], &line[e + 1..]);
                if key.is_empty() {
                    return Err(format!("empty name in `{line}`"));
                }
                outputs.insert(key.to_owned(), value.to_owned());
            }
            (_, Some(h)) => {
                let (key, delimiter) = (&line[..h], &line[h + 2..]);
                if key.is_empty() || delimiter.is_empty() {
                    return Err(format!("bad heredoc start `{line}`"));
                }
                let mut value = Vec::new();
                loop {
                    match lines.next() {
                        Some(next) if next == delimiter => break,
                        Some(next) => value.push(next),
                        None => return Err(format!("no end to heredoc `{line}`")),
                    }
                }
                outputs.insert(key.to_owned(), value.join("\n"));
            }
            _ => return Err(format!("invalid line `{line}`")),
        }
    }
    Ok(outputs)
}
