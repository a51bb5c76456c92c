//! One workflow step, run as the GitHub runner runs the container, and
//! what it left behind, read with the runner's rules.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{MIN_POLL, Moto, REGION, SECRET, SESSION_TOKEN};

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
    limit: Duration,
}

/// How long a step may run before the test stops it and fails, showing
/// what it printed so far: a step that hangs fails its own test, at once
/// and with its log, rather than holding the whole suite until CI gives up
/// on it.
pub const STEP_LIMIT: Duration = Duration::from_secs(600);

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
            limit: STEP_LIMIT,
        }
    }

    /// Fails the test if the step runs longer than `limit` (default
    /// [`STEP_LIMIT`]).
    pub fn limit(mut self, limit: Duration) -> Step {
        self.limit = limit;
        self
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
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().expect("run rds-snapshot-action");
        // Each pipe is read to its end on a thread of its own; both end
        // when the step exits. The child is reaped (or killed) here, so its
        // pid cannot have been reused by the time it is killed.
        let (done, ended) = mpsc::channel();
        let drain = |mut pipe: Box<dyn std::io::Read + Send>, stream: usize| {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                let _ = done.send((stream, bytes));
            });
        };
        drain(Box::new(child.stdout.take().expect("stdout")), 0);
        drain(Box::new(child.stderr.take().expect("stderr")), 1);
        let deadline = started + self.limit;
        let mut streams = [Vec::new(), Vec::new()];
        let mut open = 2;
        while open > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match ended.recv_timeout(left) {
                Ok((stream, bytes)) => {
                    streams[stream] = bytes;
                    open -= 1;
                }
                Err(_) => break,
            }
        }
        let status = if open == 0 {
            Some(child.wait().expect("wait for rds-snapshot-action"))
        } else {
            let _ = child.kill();
            let _ = child.wait();
            while open > 0 {
                let Ok((stream, bytes)) = ended.recv_timeout(Duration::from_secs(5)) else {
                    break;
                };
                streams[stream] = bytes;
                open -= 1;
            }
            None
        };
        let [stdout, stderr] = streams;
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        let outputs = parse_file_commands(&read("set_output"))
            .unwrap_or_else(|error| panic!("GITHUB_OUTPUT is malformed: {error}"));
        let ran = Ran {
            code: status.and_then(|status| status.code()).unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            outputs,
            summary: read("step_summary"),
        };
        let shown = format!("{ran}");
        assert!(
            status.is_some(),
            "the step ran for {:?}, past its limit of {:?}, and was stopped; its inputs {:?}\n{ran}",
            started.elapsed(),
            self.limit,
            self.with
        );
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
