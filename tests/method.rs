//! `method: auto` on the strict emulator behind the fault proxy: which way
//! back it takes for each kind of source, why it did not take each faster
//! one, and the calls it makes, planned and then for real (the same ones).
//! The bad values and contradictions of `method` are in the hostile
//! table (`hostile/cases.rs`).

use crate::common::{FaultProxy, Moto, Ran, Step, create_cluster, mutating, snapshot_cluster};
use crate::plan::{plan_of, plan_then_run, planned_actions};

/// A time one second ago, after waiting two, so that it lies inside the
/// backtrack window of a cluster made before the call (whole seconds).
async fn a_moment_ago() -> String {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    (chrono::Utc::now() - chrono::TimeDelta::seconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The log lines in which `auto` says what it did with each way.
fn said(ran: &Ran, way: &str) -> String {
    let prefix = format!("{way}: ");
    ran.stderr
        .lines()
        .find(|line| line.contains(&prefix) && line.contains("about "))
        .unwrap_or_else(|| panic!("no line for `{way}`:\n{ran}"))
        .to_owned()
}

/// The plan's check for one way considered.
fn checked(plan: &serde_json::Value, way: &str) -> String {
    plan["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["check"] == format!("method `{way}`"))
        .unwrap_or_else(|| panic!("no check of `{way}`: {plan}"))["result"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn auto_on_aurora_mysql_in_place_inside_the_window_backtracks_and_plans_it() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    let at = a_moment_ago().await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "81")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "pay")
            .with("restore-time", &at)
            .with("in-place", "true")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    // One call: the Backtrack, as `mode: backtrack` makes it; no new cluster.
    assert_eq!(planned_actions(&plan), ["BacktrackDBCluster"], "{plan}");
    assert_eq!(plan["calls"][0]["parameters"]["DBClusterIdentifier"], "pay");
    assert!(checked(&plan, "backtrack").starts_with("chosen; about 1m 0s to 15m 0s"));
    assert_eq!(ran.output("method"), "backtrack");
    assert_eq!(ran.output("status"), "completed");
    assert_eq!(moto.backtracks("pay").await, 1);
    assert_eq!(moto.cluster_ids().await, ["pay"], "no cluster was made");
    assert!(said(&ran, "backtrack").contains("chosen"), "{ran}");
    assert!(
        ran.summary.contains("Ways back considered"),
        "{}",
        ran.summary
    );
    // A re-run chooses the same, finds its Backtrack, and rewinds nothing.
    proxy.clear();
    let again = step().run();
    again.assert_ok();
    assert_eq!(again.output("method"), "backtrack");
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{again}");
    assert_eq!(moto.backtracks("pay").await, 1);
}

#[tokio::test]
async fn a_pinned_backtrack_is_mode_backtracks_call_and_force_accepts_a_binary_log() {
    let moto = Moto::start();
    create_cluster(&moto, "binlog", "aurora-mysql", &["--binlog"]);
    let at = a_moment_ago().await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "91")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "binlog")
            .with("restore-time", &at)
            .with("in-place", "true")
            .with("method", "backtrack")
    };
    // Refused as `mode: backtrack` refuses it, planned or run.
    proxy.clear();
    let refused = step().run();
    refused.assert_failed();
    assert!(refused.error().contains("writes a binary log"), "{refused}");
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{refused}");
    // `auto` says why it did not rewind, and plans a restore and the
    // in-place swap instead.
    proxy.clear();
    let auto = step().with("method", "auto").with("plan", "true").run();
    auto.assert_ok();
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{auto}");
    let auto_plan = plan_of(&auto);
    assert!(
        checked(&auto_plan, "backtrack").contains("`binlog_format` is `ROW`"),
        "{auto}"
    );
    assert_eq!(auto.output("method"), "point-in-time");
    assert_eq!(
        planned_actions(&auto_plan).first().map(String::as_str),
        Some("RestoreDBClusterToPointInTime"),
        "{auto}"
    );
    let (plan, ran) = plan_then_run(&proxy, || step().with("force", "true"));
    assert_eq!(planned_actions(&plan), ["BacktrackDBCluster"], "{plan}");
    assert_eq!(plan["calls"][0]["parameters"]["Force"], true, "{plan}");
    assert_eq!(ran.output("method"), "backtrack");
    assert_eq!(moto.backtracks("binlog").await, 1);
}

#[tokio::test]
async fn auto_on_a_mysql_snapshot_restore_in_place_backtracks_to_the_snapshot() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    let id = snapshot_cluster(&moto, "pay", "v9", "80");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "restore", "82")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "pay")
            .with("deploy-version", "v9")
            .with("in-place", "true")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    assert_eq!(planned_actions(&plan), ["BacktrackDBCluster"], "{plan}");
    assert_eq!(ran.output("method"), "backtrack");
    // To when the snapshot was taken.
    let taken = moto
        .client()
        .describe_db_cluster_snapshots()
        .db_cluster_snapshot_identifier(&id)
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots()[0]
        .snapshot_create_time()
        .unwrap()
        .secs();
    let asked = chrono::DateTime::parse_from_rfc3339(ran.output("restore-time")).unwrap();
    assert_eq!(asked.timestamp(), taken, "{ran}");
    assert_eq!(moto.backtracks("pay").await, 1);
}

#[tokio::test]
async fn auto_before_the_backtrack_window_says_why_and_the_restore_refuses_the_time() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    // Planned and run, each fails on the window, without a change. (The
    // window's end moves with the clock, so the two texts differ there.)
    let step = || {
        Step::new(&moto, "pitr", "83")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "pay")
            .with("restore-time", "2020-01-01T00:00:00Z")
            .with("target-db-cluster-identifier", "pay-pitr")
            .with("method", "auto")
    };
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_failed();
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{planned}");
    let plan = plan_of(&planned);
    let backtrack = checked(&plan, "backtrack");
    // Not in place is one reason; with in-place it is the window (below).
    assert!(
        backtrack.contains("`in-place` is not `true`"),
        "{backtrack}"
    );
    assert!(
        checked(&plan, "clone").contains("`restore-time` is 2020-01-01T00:00:00Z"),
        "{plan}"
    );
    assert!(
        planned
            .error()
            .contains("outside the restorable window of `pay`"),
        "{planned}"
    );
    let ran = step().run();
    ran.assert_failed();
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{ran}");
    assert!(
        ran.error()
            .contains("outside the restorable window of `pay`"),
        "{ran}"
    );

    proxy.clear();
    let in_place = Step::new(&moto, "pitr", "84")
        .via(&proxy.endpoint)
        .with("db-cluster-identifier", "pay")
        .with("restore-time", "2020-01-01T00:00:00Z")
        .with("in-place", "true")
        .with("method", "auto")
        .run();
    in_place.assert_failed();
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{in_place}");
    assert!(
        said(&in_place, "backtrack")
            .contains("is before the earliest time the cluster can be backtracked to"),
        "{in_place}"
    );
    assert_eq!(in_place.output("method"), "point-in-time");
    assert!(
        in_place
            .error()
            .contains("outside the restorable window of `pay`"),
        "{in_place}"
    );
    assert_eq!(moto.backtracks("pay").await, 0);
}

#[tokio::test]
async fn auto_on_aurora_mysql_not_in_place_clones_to_latest_and_plans_it() {
    let moto = Moto::start();
    create_cluster(&moto, "ledger", "aurora-mysql", &[]);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "85")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "ledger")
            .with("restore-time", "latest")
            .with("target-db-cluster-identifier", "ledger-copy")
            .with("reader-count", "0")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    let actions = planned_actions(&plan);
    assert_eq!(actions[0], "RestoreDBClusterToPointInTime", "{plan}");
    assert_eq!(
        plan["calls"][0]["parameters"]["RestoreType"], "copy-on-write",
        "{plan}"
    );
    assert!(
        !actions.contains(&"BacktrackDBCluster".to_owned()),
        "{plan}"
    );
    assert!(
        checked(&plan, "backtrack").contains("`in-place` is not `true`"),
        "{plan}"
    );
    assert!(checked(&plan, "clone").starts_with("chosen; about 5m 0s to 20m 0s"));
    assert_eq!(ran.output("method"), "clone");
    let cloned = moto.cluster("ledger-copy").await;
    assert_eq!(
        cloned.clone_group_id(),
        moto.cluster("ledger").await.clone_group_id()
    );
    assert!(cloned.clone_group_id().is_some());
}

#[tokio::test]
async fn auto_in_place_without_a_backtrack_window_clones_and_swaps_as_planned() {
    let moto = Moto::start();
    create_cluster(&moto, "nobt", "aurora-mysql", &["--no-backtrack"]);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "86")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "nobt")
            .with("restore-time", "latest")
            .with("in-place", "true")
            .with("reader-count", "0")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    assert!(
        checked(&plan, "backtrack").contains("Backtrack turned off"),
        "{plan}"
    );
    assert_eq!(ran.output("method"), "clone");
    let calls = mutating(&proxy);
    assert_eq!(calls[0], "RestoreDBClusterToPointInTime", "{ran}");
    assert!(
        !calls.contains(&"BacktrackDBCluster".to_owned()),
        "{calls:?}"
    );
    // The clone took the application's name; the original was kept.
    assert!(!ran.output("replaced-db-cluster-identifier").is_empty());
    assert_eq!(moto.backtracks("nobt").await, 0);
}

#[tokio::test]
async fn auto_on_aurora_postgresql_clones_and_says_backtrack_is_for_mysql() {
    let moto = Moto::start();
    create_cluster(&moto, "shop", "aurora-postgresql", &[]);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "87")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "shop")
            .with("restore-time", "latest")
            .with("target-db-cluster-identifier", "shop-copy")
            .with("reader-count", "0")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    assert_eq!(planned_actions(&plan)[0], "RestoreDBClusterToPointInTime");
    assert_eq!(
        plan["calls"][0]["parameters"]["RestoreType"],
        "copy-on-write"
    );
    assert!(
        checked(&plan, "backtrack").contains("runs `aurora-postgresql`"),
        "{plan}"
    );
    assert_eq!(ran.output("method"), "clone");
    assert!(said(&ran, "backtrack").contains("Backtrack exists only for Aurora MySQL"));
}

#[tokio::test]
async fn auto_on_an_rds_instance_restores_and_says_why_not_faster() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    moto.own_snapshot("shop", "shop-v1", Some("v1")).await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let pitr = || {
        Step::new(&moto, "pitr", "88")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("restore-time", "latest")
            .with("target-db-instance-identifier", "shop-pitr")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, pitr);
    assert_eq!(planned_actions(&plan)[0], "RestoreDBInstanceToPointInTime");
    assert!(
        checked(&plan, "backtrack").contains("the source is an RDS DB instance"),
        "{plan}"
    );
    assert!(
        checked(&plan, "clone").contains("cloning is for Aurora clusters"),
        "{plan}"
    );
    // The size is the instance's: 20 GiB, under the first 100.
    assert!(
        checked(&plan, "point-in-time").starts_with("chosen; about 10m 0s to 45m 0s"),
        "{plan}"
    );
    assert_eq!(ran.output("method"), "point-in-time");

    let restore = || {
        Step::new(&moto, "restore", "89")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("snapshot-identifier", "latest")
            .with("target-db-instance-identifier", "shop-rollback")
            .with("method", "auto")
    };
    let (plan, ran) = plan_then_run(&proxy, restore);
    assert_eq!(planned_actions(&plan)[0], "RestoreDBInstanceFromDBSnapshot");
    assert!(checked(&plan, "clone").contains("mode `restore`"), "{plan}");
    assert!(checked(&plan, "snapshot").starts_with("chosen"), "{plan}");
    assert_eq!(ran.output("method"), "snapshot");
}

// Without `method`, a step does what it did before the input existed: no
// choice is made, and nothing more is read for one.
#[tokio::test]
async fn without_method_a_pitr_of_aurora_mysql_in_window_still_restores_a_new_cluster() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let (plan, ran) = plan_then_run(&proxy, || {
        Step::new(&moto, "pitr", "90")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "pay")
            .with("restore-time", "latest")
            .with("target-db-cluster-identifier", "pay-pitr")
            .with("reader-count", "0")
    });
    assert_eq!(planned_actions(&plan)[0], "RestoreDBClusterToPointInTime");
    assert_eq!(plan["calls"][0]["parameters"]["RestoreType"], "full-copy");
    assert!(
        !plan["checks"].to_string().contains("method `"),
        "no choice was made: {plan}"
    );
    assert_eq!(ran.output("method"), "point-in-time");
    assert!(!ran.summary.contains("Ways back considered"));
}

#[tokio::test]
async fn auto_in_place_to_a_time_the_backtrack_window_has_left_restores_to_it() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    let client = moto.client();
    // A time inside the restorable window, once it has one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let to = loop {
        let cluster = moto.cluster("pay").await;
        let window = cluster
            .earliest_restorable_time()
            .zip(cluster.latest_restorable_time())
            .map(|(earliest, latest)| (earliest.secs() + 1, latest.secs()));
        if let Some((from, until)) = window
            && from <= until
        {
            break chrono::DateTime::from_timestamp(from, 0).unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no window: {cluster:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    // The backtrack window shrinks to a second (a backtrack-enabled
    // cluster's window can be changed: Aurora user guide, "Configuring
    // backtracking"), so that time falls out of it.
    client
        .modify_db_cluster()
        .db_cluster_identifier("pay")
        .backtrack_window(1)
        .apply_immediately(true)
        .send()
        .await
        .expect("a shorter backtrack window");
    crate::common::wait_for_cluster(&client, "pay").await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let at = to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "92")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "pay")
            .with("restore-time", &at)
            .with("in-place", "true")
            .with("reader-count", "0")
            .with("method", "auto")
    };
    // Its plan says the same, and the run makes the planned calls.
    let (plan, ran) = plan_then_run(&proxy, step);
    assert!(
        checked(&plan, "backtrack").contains("is before the earliest time"),
        "{plan}"
    );
    assert_eq!(ran.output("method"), "point-in-time");
    assert!(
        said(&ran, "backtrack")
            .contains("is before the earliest time the cluster can be backtracked to"),
        "{ran}"
    );
    assert!(said(&ran, "clone").contains(&format!("`restore-time` is {at}")));
    let calls = mutating(&proxy);
    assert_eq!(calls[0], "RestoreDBClusterToPointInTime", "{calls:?}");
    assert!(
        !calls.contains(&"BacktrackDBCluster".to_owned()),
        "{calls:?}"
    );
    assert_eq!(ran.output("restore-time"), at);
    assert!(!ran.output("replaced-db-cluster-identifier").is_empty());
    assert_eq!(moto.backtracks("pay").await, 0);
}
