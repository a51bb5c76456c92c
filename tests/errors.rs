//! Errors a person can act on, fast: missing credentials, an endpoint that
//! does not answer, retries that explain a slow step, and no SDK `Debug`
//! dump anywhere unless asked for with `RDS_SNAPSHOT_ACTION_LOG=debug`.

use std::time::{Duration, Instant};

use crate::common::{FaultProxy, Moto, Ran, Step, free_port};

/// Text that only the SDK's `Debug` forms print.
const DEBUG_MARKERS: &[&str] = &[
    "DispatchFailure",
    "ConnectorError",
    "ProviderChain",
    "CredentialsNotLoaded",
    "source: ",
    " { ",
];

fn assert_no_debug_dump(ran: &Ran) {
    for marker in DEBUG_MARKERS {
        for (place, text) in [
            ("log", format!("{}{}", ran.stdout, ran.stderr)),
            ("summary", ran.summary.clone()),
        ] {
            assert!(
                !text.contains(marker),
                "the {place} shows SDK internals ({marker}):\n{ran}"
            );
        }
    }
}

fn list(moto: &Moto) -> Step {
    Step::new(moto, "list", "1").with("db-instance-identifier", "prod")
}

#[tokio::test]
async fn no_credentials_is_one_line_naming_configure_aws_credentials() {
    let moto = Moto::start();
    let ran = list(&moto)
        .without_env("AWS_ACCESS_KEY_ID")
        .without_env("AWS_SECRET_ACCESS_KEY")
        .without_env("AWS_SESSION_TOKEN")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("no AWS credentials were found"), "{ran}");
    assert!(
        error.contains("aws-actions/configure-aws-credentials"),
        "{ran}"
    );
    assert!(error.contains("id-token: write"), "{ran}");
    assert!(error.len() < 400, "{} chars:\n{ran}", error.len());
    assert_no_debug_dump(&ran);
}

// Issue 24: a credential_process's stderr was copied into `::error::`.
#[tokio::test]
async fn a_failed_credential_process_is_named_without_its_output() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile ci]\ncredential_process = sh -c 'echo \"##[add-mask]x ::error::hunter2-token\" >&2; exit 3'\n",
    )
    .unwrap();
    let ran = list(&moto)
        .without_env("AWS_ACCESS_KEY_ID")
        .without_env("AWS_SECRET_ACCESS_KEY")
        .without_env("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", &config.display().to_string())
        .env("AWS_PROFILE", "ci")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("`credential_process` of AWS profile `ci`"),
        "{ran}"
    );
    assert!(error.contains("exit status: 3"), "{ran}");
    assert!(error.contains("run that command by hand"), "{ran}");
    for (place, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        assert!(
            !text.contains("hunter2"),
            "the process's stderr is in {place}:\n{ran}"
        );
    }
    assert_no_debug_dump(&ran);
}

#[tokio::test]
async fn an_endpoint_where_nothing_listens_fails_within_seconds_naming_it() {
    let moto = Moto::start();
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let ran = list(&moto).via(&nowhere).run();
    let took = started.elapsed();
    ran.assert_failed();
    // It took 52-64 s before: ten attempts with back-off.
    assert!(took < Duration::from_secs(15), "took {took:?}:\n{ran}");
    let error = ran.error();
    assert!(error.contains("AWS_ENDPOINT_URL"), "{ran}");
    assert!(error.contains(&nowhere), "{ran}");
    assert!(error.contains("connection refused"), "{ran}");
    assert_no_debug_dump(&ran);
}

// Issue 24: a password in AWS_ENDPOINT_URL was printed in this error.
#[tokio::test]
async fn an_endpoint_s_password_is_not_printed() {
    let moto = Moto::start();
    let port = free_port();
    let ran = list(&moto)
        .via(&format!("http://user:s3cret-pw@127.0.0.1:{port}"))
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains(&format!("http://***@127.0.0.1:{port}")),
        "{ran}"
    );
    for (place, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        assert!(
            !text.contains("s3cret-pw"),
            "the password is in {place}:\n{ran}"
        );
    }
}

#[tokio::test]
async fn a_bad_scheme_is_not_retried() {
    let moto = Moto::start();
    // A host name that does not resolve is classified the same way; that is
    // shown by the resolver's texts in `rds::retry`'s unit tests, since
    // these tests send nothing beyond loopback, not even a DNS query.
    let endpoint = "htp://127.0.0.1:4566";
    let started = Instant::now();
    let ran = list(&moto).via(endpoint).run();
    let took = started.elapsed();
    ran.assert_failed();
    // `htp://` took 74 s before.
    assert!(took < Duration::from_secs(5), "{endpoint}: {took:?}\n{ran}");
    let error = ran.error();
    assert!(error.contains(endpoint), "{ran}");
    assert!(error.contains("unsupported scheme"), "{ran}");
    assert!(!ran.stderr.contains("retrying"), "{ran}");
    assert_no_debug_dump(&ran);
}

#[tokio::test]
async fn the_full_error_chain_is_behind_the_debug_log_level() {
    let moto = Moto::start();
    let ran = list(&moto)
        .via(&format!("http://127.0.0.1:{}", free_port()))
        .env("RDS_SNAPSHOT_ACTION_LOG", "debug")
        .run();
    ran.assert_failed();
    assert!(ran.stderr.contains("DispatchFailure"), "{ran}");
    assert!(!ran.error().contains("DispatchFailure"), "{ran}");
}

#[tokio::test]
async fn each_retry_is_logged_at_info_as_it_happens() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    moto.own_snapshot("prod", "prod-a", None).await;
    // Seed 3 resets the connection three times (after it was made: not an
    // unreachable endpoint), then throttles, then lets the call through.
    let proxy = FaultProxy::start(&moto.endpoint, 0.5, 3, 0);
    let ran = list(&moto).via(&proxy.endpoint).run();
    ran.assert_ok();
    let faults = proxy
        .requests()
        .iter()
        // A slow answer is still an answer: nothing to retry.
        .filter(|(_, fault)| fault.as_deref().is_some_and(|f| f != "slow"))
        .count();
    assert!(
        faults > 0,
        "no failing fault was injected: pick another seed"
    );
    let retries: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|line| line.contains("INFO retrying Describe"))
        .collect();
    assert_eq!(retries.len(), faults, "{ran}");
    assert!(retries[0].contains("(attempt 2 of 10) after "), "{ran}");
    assert!(
        retries
            .iter()
            .any(|line| line.ends_with("after HTTP 400 Throttling")),
        "{ran}"
    );
}

#[tokio::test]
async fn the_effective_wait_timeout_is_echoed_when_the_wait_starts() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ran = Step::new(&moto, "snapshot", "5")
        .with("db-instance-identifier", "prod")
        .with("wait-timeout", "600")
        .run();
    ran.assert_ok();
    // A bare number is minutes: 600 is ten hours, and the log says so.
    assert!(
        ran.stderr
            .contains("waiting up to 10h 0m (`wait-timeout`) for snapshot"),
        "{ran}"
    );
}

/// A call that is never answered (a connection that stalls) is given up
/// after the attempt timeout and tried again, rather than holding the step
/// until the job's own timeout.
#[tokio::test]
async fn a_call_that_is_never_answered_is_tried_again_after_the_attempt_timeout() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let proxy = FaultProxy::stalling(&moto.endpoint, "DescribeDBSnapshots#1");
    let started = Instant::now();
    let ran = Step::new(&moto, "list", "9301")
        .via(&proxy.endpoint)
        .env(rds_snapshot_action::rds::ATTEMPT_TIMEOUT_ENV, "2s")
        .with("db-instance-identifier", "prod")
        .limit(Duration::from_secs(90))
        .run();
    ran.assert_ok();
    let asked: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|(action, _)| action == "DescribeDBSnapshots")
        .map(|(_, fault)| fault.unwrap_or_default())
        .collect();
    // The stalled attempt, then the same call tried again and answered.
    assert_eq!(
        asked.get(..2),
        Some(&["stalled".to_owned(), String::new()][..]),
        "{ran}"
    );
    assert!(started.elapsed() >= Duration::from_secs(2), "{ran}");
    // A bad value is an error that names the variable, before any call.
    let bad = Step::new(&moto, "list", "9302")
        .via(&proxy.endpoint)
        .env(rds_snapshot_action::rds::ATTEMPT_TIMEOUT_ENV, "soon")
        .with("db-instance-identifier", "prod")
        .run();
    assert!(
        bad.error()
            .contains("RDS_SNAPSHOT_ACTION_ATTEMPT_TIMEOUT must be"),
        "{bad}"
    );
}
