//! The container, run the way the GitHub runner runs a Docker action: the
//! image's final stage as the Dockerfile writes it, around a static binary
//! built on this machine (no registry can be reached here to pull the build
//! stage's base), started with `docker run` and the runner's mounts and
//! environment, talking to the strict emulator on the host over loopback.
//!
//! `scripts/test` builds the static binary first. Without a Docker engine it
//! sets `RDS_SNAPSHOT_ACTION_SKIP_CONTAINER` after printing why, and only
//! outside CI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Moto, REGION, declared_inputs, input_env, parse_file_commands};

const IMAGE: &str = "rds-snapshot-action:container-test";
/// The Dockerfile's final stage copies the build stage's `/out/` to `/`.
const COPY_FROM_BUILD: &str = "COPY --from=build /out/ /";

fn skipped() -> bool {
    std::env::var_os("RDS_SNAPSHOT_ACTION_SKIP_CONTAINER").is_some()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The lines of the Dockerfile's last stage, from its `FROM` on.
fn final_stage() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let lines: Vec<String> = text
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let start = lines
        .iter()
        .rposition(|line| line.starts_with("FROM "))
        .expect("a FROM line");
    lines[start..].to_vec()
}

#[test]
fn final_stage_follows_the_runners_rules_for_docker_actions() {
    let stage = final_stage();
    assert_eq!(stage[0], "FROM scratch", "no shell, no package manager");
    assert!(stage.contains(&COPY_FROM_BUILD.to_owned()), "{stage:?}");
    assert_eq!(
        stage.last().unwrap(),
        r#"ENTRYPOINT ["/rds-snapshot-action"]"#
    );
    for line in &stage {
        assert!(
            !line.starts_with("WORKDIR") && !line.starts_with("USER"),
            "the runner sets the workdir and user: {line}"
        );
    }
}

/// Builds the test image: the Dockerfile's final stage, word for word, with
/// the build stage's output replaced by the same files made on this host.
fn build_image() -> u64 {
    let binary = root().join("target/static/rds-snapshot-action");
    assert!(
        binary.exists(),
        "{} is missing: run scripts/build-static (scripts/test does)",
        binary.display()
    );
    let context = tempfile::tempdir().unwrap();
    let out = context.path().join("out");
    std::fs::create_dir_all(out.join("etc/ssl/certs")).unwrap();
    std::fs::copy(&binary, out.join("rds-snapshot-action")).unwrap();
    std::fs::copy(
        "/etc/ssl/certs/ca-certificates.crt",
        out.join("etc/ssl/certs/ca-certificates.crt"),
    )
    .expect("the host's CA bundle");
    let dockerfile: Vec<String> = final_stage()
        .into_iter()
        .map(|line| {
            if line == COPY_FROM_BUILD {
                "COPY out/ /".to_owned()
            } else {
                line
            }
        })
        .collect();
    std::fs::write(
        context.path().join("Dockerfile"),
        dockerfile.join("\n") + "\n",
    )
    .unwrap();
    let status = Command::new("docker")
        .args(["build", "--quiet", "-t", IMAGE])
        .arg(context.path())
        .status()
        .expect("docker build");
    assert!(status.success(), "docker build failed");
    let size = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Size}}", IMAGE])
        .output()
        .expect("docker image inspect");
    String::from_utf8_lossy(&size.stdout)
        .trim()
        .parse()
        .expect("image size")
}

/// Runs the image as the runner runs a container action: `--workdir
/// /github/workspace`, the runner's file-command, workspace and home mounts,
/// and `-e NAME` for every input and variable, values taken from the
/// environment of `docker run`.
fn run_like_the_runner(
    moto: &Moto,
    inputs: &[(&str, &str)],
    run_id: &str,
) -> (i32, String, BTreeMap<String, String>, String) {
    let temp = tempfile::tempdir().unwrap();
    let dirs = [
        "_runner_file_commands",
        "workspace",
        "_github_home",
        "_github_workflow",
    ];
    for dir in dirs {
        std::fs::create_dir_all(temp.path().join(dir)).unwrap();
    }
    let output_name = format!("set_output_{run_id}");
    let summary_name = format!("step_summary_{run_id}");
    let mut env: Vec<(String, String)> = declared_inputs()
        .into_iter()
        .map(|(name, default)| {
            let value = inputs
                .iter()
                .find(|(given, _)| *given == name)
                .map_or(default, |(_, value)| value.to_string());
            (input_env(&name), value)
        })
        .collect();
    for (name, value) in [
        ("HOME", "/github/home".to_owned()),
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("CI", "true".to_owned()),
        ("GITHUB_RUN_ID", run_id.to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("GITHUB_REPOSITORY", "acme/shop".to_owned()),
        (
            "GITHUB_SHA",
            "0123456789abcdef0123456789abcdef01234567".to_owned(),
        ),
        ("GITHUB_WORKSPACE", "/github/workspace".to_owned()),
        (
            "GITHUB_OUTPUT",
            format!("/github/file_commands/{output_name}"),
        ),
        (
            "GITHUB_STEP_SUMMARY",
            format!("/github/file_commands/{summary_name}"),
        ),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "container-test-secret".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ] {
        env.push((name.to_owned(), value));
    }
    let mut command = Command::new("docker");
    command.args([
        "run",
        "--rm",
        "--network",
        "host",
        "--workdir",
        "/github/workspace",
    ]);
    for (name, _) in &env {
        command.arg("-e").arg(name);
    }
    let mount = |dir: &str, at: &str| format!("{}:{at}", temp.path().join(dir).display());
    command
        .arg("-v")
        .arg(mount("_runner_file_commands", "/github/file_commands"))
        .arg("-v")
        .arg(mount("workspace", "/github/workspace"))
        .arg("-v")
        .arg(mount("_github_home", "/github/home"))
        .arg("-v")
        .arg(mount("_github_workflow", "/github/workflow"))
        .arg(IMAGE)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env);
    let output = command.output().expect("docker run");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |name: &str| {
        std::fs::read_to_string(temp.path().join("_runner_file_commands").join(name))
            .unwrap_or_default()
    };
    let outputs = parse_file_commands(&read(&output_name)).expect("outputs parse");
    (
        output.status.code().unwrap_or(-1),
        log,
        outputs,
        read(&summary_name),
    )
}

fn binary_path() -> PathBuf {
    root().join("target/static/rds-snapshot-action")
}

#[tokio::test]
async fn the_image_snapshots_and_restores_as_the_runner_runs_it() {
    if skipped() {
        return;
    }
    let size = build_image();
    eprintln!(
        "image {IMAGE}: {size} bytes ({:.1} MB); binary {} bytes",
        size as f64 / 1e6,
        std::fs::metadata(binary_path()).unwrap().len()
    );
    assert!(
        size <= 20_000_000,
        "the image must stay within 20 MB; it is {size} bytes"
    );

    let moto = Moto::start();
    moto.create_db("prod-postgres").await;
    let (code, log, outputs, summary) = run_like_the_runner(
        &moto,
        &[
            ("mode", "snapshot"),
            ("db-instance-identifier", "prod-postgres"),
            ("deploy-version", "v2.4.1"),
        ],
        "5150",
    );
    eprintln!("--- snapshot step log\n{log}--- outputs\n{outputs:#?}\n--- summary\n{summary}");
    assert_eq!(code, 0, "{log}");
    assert_eq!(outputs["snapshot-identifier"], "prod-postgres-v2-4-1-r5150");
    assert_eq!(outputs["status"], "available");
    assert_eq!(
        moto.snapshot_ids("prod-postgres").await,
        vec!["prod-postgres-v2-4-1-r5150"]
    );
    assert!(summary.contains("snapshot succeeded"), "{summary}");
    assert!(!log.contains("container-test-secret"), "{log}");

    let (code, log, outputs, _) = run_like_the_runner(
        &moto,
        &[
            ("mode", "restore"),
            ("snapshot-identifier", "latest"),
            ("db-instance-identifier", "prod-postgres"),
            ("target-db-instance-identifier", "prod-postgres-rollback"),
        ],
        "5151",
    );
    eprintln!("--- restore step log\n{log}--- outputs\n{outputs:#?}");
    assert_eq!(code, 0, "{log}");
    assert_eq!(outputs["snapshot-identifier"], "prod-postgres-v2-4-1-r5150");
    assert_eq!(outputs["db-instance-identifier"], "prod-postgres-rollback");
    assert!(!outputs["endpoint"].is_empty());
    assert_eq!(
        moto.instance_ids().await,
        vec!["prod-postgres", "prod-postgres-rollback"]
    );

    // Bad input in the container: one ::error:: line, non-zero exit.
    let (code, log, _, _) = run_like_the_runner(&moto, &[("mode", "snapshop")], "5152");
    assert_ne!(code, 0);
    assert_eq!(
        log.lines()
            .filter(|line| line.starts_with("::error::"))
            .count(),
        1,
        "{log}"
    );
}
