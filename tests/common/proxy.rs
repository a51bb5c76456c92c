//! The fault-injecting proxy (`tests/support/fault_proxy.py`) and what it
//! saw.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{python_path, served_endpoint};

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
    /// comma-separated; `#*` for every one) refuse the Nth matching request once each, with an
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

    /// A proxy that never answers the requests `rules` match, as a
    /// connection that stalls.
    pub fn stalling(upstream: &str, rules: &str) -> FaultProxy {
        Self::spawn(upstream, 0.0, 0, 0, rules, &[("FAULT_PROXY_STALL", "1")])
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
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let python = python_path();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fault_proxy.py");
        let mut child = Command::new(python)
            .arg(script)
            .args([
                "0".to_owned(),
                upstream.to_owned(),
                rate.to_string(),
                seed.to_string(),
                log.display().to_string(),
                delay_ms.to_string(),
                rules.to_owned(),
            ])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the fault proxy starts");
        let endpoint = served_endpoint(&mut child, "fault proxy", Duration::from_secs(30));
        FaultProxy {
            child,
            endpoint,
            log,
            _dir: dir,
        }
    }

    /// Every request seen so far: its API action and the fault injected
    /// (`None` when it was passed through untouched).
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        self.entries()
            .into_iter()
            .filter_map(|entry| {
                Some((
                    entry.get("action")?.as_str().unwrap_or_default().to_owned(),
                    entry["fault"].as_str().map(str::to_owned),
                ))
            })
            .collect()
    }

    /// Every answer the proxy passed on from upstream: the API action, and
    /// RDS's error code where it refused the request (`None` for success).
    pub fn answers(&self) -> Vec<(String, Option<String>)> {
        self.entries()
            .into_iter()
            .filter_map(|entry| {
                Some((
                    entry.get("answer")?.as_str().unwrap_or_default().to_owned(),
                    entry["code"].as_str().map(str::to_owned),
                ))
            })
            .collect()
    }

    fn entries(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a log line"))
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

/// Whether an RDS or KMS API action changes anything. KMS's JSON protocol
/// names the action with its service prefix (`TrentService.DescribeKey`);
/// `GenerateMac` and `VerifyMac` compute and change nothing, and
/// `DownloadDBLogFilePortion` (a drill's proof from the engine's log) reads.
pub fn is_mutating(action: &str) -> bool {
    let action = action.strip_prefix("TrentService.").unwrap_or(action);
    !(action.starts_with("Describe")
        || action.starts_with("List")
        || action.starts_with("Download")
        || matches!(action, "GenerateMac" | "VerifyMac")
        || action.is_empty())
}
