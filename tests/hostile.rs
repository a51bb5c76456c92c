//! Hostile input: a table of bad inputs that must each fail with one clear
//! `::error::` and no mutating AWS call; injection payloads in every input
//! and in values that come back from AWS; and credentials that must never
//! be shown, even with trace logging on.

use crate::common::{FaultProxy, Moto, SECRET, SESSION_TOKEN, Step, create_cluster, is_mutating};

pub(crate) mod cases;
pub(crate) mod payloads;

use cases::cases;

/// The Aurora clusters the cluster cases refuse: `aurora` (Aurora MySQL
/// with a backtrack window), `aurora-pg` (Aurora PostgreSQL),
/// `aurora-nobt` (Aurora MySQL without Backtrack), `aurora-binlog` (Aurora
/// MySQL writing a binary log), each from `tests/support/aurora.py`.
pub(crate) fn aurora_world(moto: &Moto) {
    // First, so that the time its case asks for is after its creation.
    create_cluster(moto, "aurora-binlog", "aurora-mysql", &["--binlog"]);
    create_cluster(moto, "aurora", "aurora-mysql", &[]);
    create_cluster(moto, "aurora-pg", "aurora-postgresql", &[]);
    create_cluster(moto, "aurora-nobt", "aurora-mysql", &["--no-backtrack"]);
}

/// prod (with one snapshot of ours, one foreign), a stopped DB, and
/// instances `taken` and `prod-drill-r9001` (the name a drill of prod in
/// the cases' run would use) this action did not make.
pub(crate) async fn world(moto: &Moto) {
    for db in ["prod", "stopped", "taken", "prod-drill-r9001"] {
        moto.create_db(db).await;
    }
    moto.client()
        .stop_db_instance()
        .db_instance_identifier("stopped")
        .send()
        .await
        .unwrap();
    moto.own_snapshot("prod", "prod-s0", Some("v1")).await;
    moto.client()
        .create_db_snapshot()
        .db_instance_identifier("prod")
        .db_snapshot_identifier("hand-made")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn every_bad_input_fails_with_one_clear_error_and_no_mutating_call() {
    let moto = Moto::start();
    world(&moto).await;
    aurora_world(&moto);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        proxy.clear();
        let mut step = Step::new(&moto, case.mode, "9001").via(&proxy.endpoint);
        for (name, value) in case.with {
            step = step.with(name, value);
        }
        if case.unset_region {
            step = step.without_env("AWS_REGION");
        }
        let ran = step.run();
        let errors = ran.commands("error");
        let mutating: Vec<String> = proxy
            .requests()
            .into_iter()
            .map(|(action, _)| action)
            .filter(|action| is_mutating(action))
            .collect();
        let missing: Vec<&&str> = case
            .expect
            .iter()
            .filter(|text| !errors.first().is_some_and(|error| error.contains(**text)))
            .collect();
        if ran.code == 0 || errors.len() != 1 || !missing.is_empty() || !mutating.is_empty() {
            failures.push(format!(
                "case {index} ({} {:?}): missing {missing:?}, mutating calls {mutating:?}\n{ran}",
                case.mode, case.with
            ));
        }
    }
    println!("{} bad-input cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn credentials_never_reach_the_log_even_with_trace_logging() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    for mode in ["snapshot", "list", "restore", "pitr"] {
        let ran = Step::new(&moto, mode, "9005")
            .env("RDS_SNAPSHOT_ACTION_LOG", "trace")
            .with("db-instance-identifier", "prod")
            .with(
                "snapshot-identifier",
                if mode == "restore" { "latest" } else { "" },
            )
            .with("restore-time", if mode == "pitr" { "latest" } else { "" })
            .with(
                "target-db-instance-identifier",
                if mode == "restore" || mode == "pitr" {
                    "prod-t"
                } else {
                    ""
                },
            )
            .run();
        ran.assert_ok();
        // Step::run fails on any sight of either credential; this says so.
        assert!(!ran.stderr.contains(SECRET) && !ran.stderr.contains(SESSION_TOKEN));
        assert!(ran.stderr.len() > 1000, "trace logging was on:\n{ran}");
    }
}
