//! Many databases in one step, on the strict emulator: `snapshot` starts a
//! snapshot of each DB named and waits for all of them with one describe
//! call a round; one DB that fails does not stop the others; `wait` waits
//! late for what a `wait: false` step started early; `list` and `prune`
//! take several DBs too.

use crate::common::{FaultProxy, Moto, Step, create_cluster};

/// The IDs (keys) and statuses of the `snapshots-by-db` output.
fn by_db(ran: &crate::common::Ran) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(ran.output("snapshots-by-db"))
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn count(proxy: &FaultProxy, action: &str) -> usize {
    proxy
        .requests()
        .iter()
        .filter(|(called, _)| called == action)
        .count()
}

/// The rounds of waiting a step logged: each pause, and the last look.
fn rounds(ran: &crate::common::Ran) -> usize {
    ran.stderr
        .lines()
        .filter(|l| l.contains("next look in"))
        .count()
        + 1
}

#[tokio::test]
async fn several_dbs_are_snapshotted_together_with_one_describe_a_round() {
    let moto = Moto::start();
    let dbs = ["shop", "billing", "search", "auth"];
    for db in dbs {
        moto.create_db(db).await;
    }
    create_cluster(&moto, "ledger", "aurora-postgresql", &["--readers", "0"]);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let ran = Step::new(&moto, "snapshot", "300")
        .via(&proxy.endpoint)
        .with("db-instance-identifier", &dbs.join(", "))
        .with("db-cluster-identifier", "ledger")
        .with("deploy-version", "v5")
        .run();
    ran.assert_ok();
    let map = by_db(&ran);
    assert_eq!(map.len(), 5, "{ran}");
    for (db, entry) in &map {
        assert_eq!(entry["status"], "available", "{db}: {ran}");
        assert_eq!(
            entry["snapshot-identifier"],
            format!("{db}-v5-r300"),
            "{ran}"
        );
        assert!(entry["error"].is_null(), "{ran}");
    }
    assert_eq!(map["ledger"]["kind"], "cluster");
    // One DB's single-value outputs would be ambiguous with five.
    assert!(!ran.outputs.contains_key("snapshot-identifier"), "{ran}");
    assert_eq!(ran.output("status"), "available");
    // No look-up before the wait (a first attempt has nothing to adopt),
    // then one DescribeDBSnapshots a round for all four instances, not four.
    let waits = rounds(&ran);
    let describes = count(&proxy, "DescribeDBSnapshots");
    assert!(waits >= 2, "the snapshots were never waited for:\n{ran}");
    assert!(
        describes <= waits,
        "{describes} DescribeDBSnapshots for {waits} rounds:\n{ran}"
    );
    assert_eq!(count(&proxy, "CreateDBSnapshot"), 4);
    assert_eq!(count(&proxy, "CreateDBClusterSnapshot"), 1);
    assert!(
        ran.summary.contains("Snapshots of 5 DBs"),
        "{}",
        ran.summary
    );

    // A re-run adopts all five and creates nothing.
    proxy.clear();
    let again = Step::new(&moto, "snapshot", "300")
        .via(&proxy.endpoint)
        .with("db-instance-identifier", &dbs.join(", "))
        .with("db-cluster-identifier", "ledger")
        .with("deploy-version", "v5")
        .run();
    again.assert_ok();
    // It does not look for them before: each create is tried, and RDS
    // refuses it because the snapshot exists, which changes nothing.
    let changed: Vec<(String, Option<String>)> = proxy
        .answers()
        .into_iter()
        .filter(|(action, _)| crate::common::is_mutating(action))
        .collect();
    assert_eq!(changed.len(), 5, "{again}");
    for (action, code) in &changed {
        assert!(
            action.starts_with("Create")
                && code.as_deref().is_some_and(|c| c.contains("AlreadyExists")),
            "{action} answered {code:?}:\n{again}"
        );
    }
    assert_eq!(count(&proxy, "CreateDBSnapshot"), 4);
    assert!(
        again.summary.contains("Snapshots of 5 DBs"),
        "{}",
        again.summary
    );
}

#[tokio::test]
async fn one_db_that_fails_does_not_stop_the_others() {
    let moto = Moto::start();
    for db in ["web", "jobs"] {
        moto.create_db(db).await;
    }
    let ran = Step::new(&moto, "snapshot", "310")
        .with("db-instance-identifier", "web\nghost\njobs")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("1 of 3 DBs was not snapshotted") && error.contains("`ghost`"),
        "{ran}"
    );
    let map = by_db(&ran);
    assert_eq!(map["web"]["status"], "available", "{ran}");
    assert_eq!(map["jobs"]["status"], "available", "{ran}");
    assert!(
        map["ghost"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("does not exist")),
        "{ran}"
    );
    assert!(ran.summary.contains("| ghost |"), "{}", ran.summary);
}

#[tokio::test]
async fn start_early_and_wait_late() {
    let moto = Moto::start();
    for db in ["api", "worker"] {
        moto.create_db(db).await;
    }
    let early = Step::new(&moto, "snapshot", "320")
        .with("db-instance-identifier", "api,worker")
        .with("deploy-version", "v9")
        .with("wait", "false")
        .run();
    early.assert_ok();
    let started = by_db(&early);
    assert!(
        started.values().all(|entry| entry["status"] != "available"),
        "started snapshots are not done at once on the strict emulator: {early}"
    );
    let late = Step::new(&moto, "wait", "320").run();
    late.assert_ok();
    let done = by_db(&late);
    assert_eq!(done.len(), 2, "{late}");
    for db in ["api", "worker"] {
        assert_eq!(done[db]["status"], "available", "{late}");
        assert_eq!(done[db]["snapshot-identifier"], format!("{db}-v9-r320"));
    }
    // Another run started nothing: nothing to wait for is an error that
    // says how to start them.
    let other = Step::new(&moto, "wait", "321").run();
    other.assert_failed();
    assert!(
        other.error().contains("run `321`") && other.error().contains("`wait: false`"),
        "{other}"
    );
    // By ID, one snapshot: its single-value outputs too.
    let by_id = Step::new(&moto, "wait", "322")
        .with("snapshot-identifier", "api-v9-r320")
        .run();
    by_id.assert_ok();
    assert_eq!(by_id.output("snapshot-identifier"), "api-v9-r320");
    assert_eq!(by_id.output("status"), "available");
}

#[tokio::test]
async fn list_and_prune_take_several_dbs() {
    let moto = Moto::start();
    for db in ["a", "b"] {
        moto.create_db(db).await;
        for n in 1..=2 {
            moto.own_snapshot(db, &format!("{db}-s{n}"), None).await;
        }
    }
    let list = Step::new(&moto, "list", "330")
        .with("db-instance-identifier", "a,b")
        .run();
    list.assert_ok();
    let listed: Vec<(String, String)> =
        serde_json::from_str::<serde_json::Value>(list.output("snapshots"))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["db"].as_str().unwrap().to_owned(),
                    s["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
    assert_eq!(listed.len(), 4, "{list}");
    assert!(listed.contains(&("b".to_owned(), "b-s1".to_owned())));
    let prune = Step::new(&moto, "prune", "331")
        .with("db-instance-identifier", "a,b")
        .with("keep-last", "1")
        .run();
    prune.assert_ok();
    let deleted: Vec<String> = serde_json::from_str(prune.output("deleted")).unwrap();
    assert_eq!(deleted.len(), 2, "{prune}");
    assert_eq!(moto.snapshot_ids("a").await.len(), 1);
    assert_eq!(moto.snapshot_ids("b").await.len(), 1);
}

/// Issue 25: the calls of a fleet of 10, counted through the proxy, against
/// one DB's: the DBs and their snapshots are looked up in one call each
/// before the start (the quota check's look-up is the adoption check too),
/// no look follows a create at once (its answer is the first state), and
/// every round of waiting is one DescribeDBSnapshots whatever the number.
#[tokio::test]
async fn a_fleet_of_10_costs_the_calls_of_one_db_plus_its_creates() {
    let moto = Moto::start();
    let fleet: Vec<String> = (0..10).map(|i| format!("fleet{i}")).collect();
    for db in fleet.iter().chain([&"solo".to_owned()]) {
        moto.create_db(db).await;
    }
    let calls = |ids: &str, run: &str| {
        let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
        let ran = Step::new(&moto, "snapshot", run)
            .via(&proxy.endpoint)
            .with("db-instance-identifier", ids)
            .with("deploy-version", "v25")
            .run();
        ran.assert_ok();
        // Each pause is followed by one look: the pauses are the looks.
        let looks = ran.stderr.matches("next look in").count();
        (proxy.requests(), looks, ran)
    };
    let (ten, ten_looks, ran) = calls(&fleet.join(","), "2501");
    let kinds = |requests: &[(String, Option<String>)], action: &str| {
        requests
            .iter()
            .filter(|(called, _)| called == action)
            .count()
    };
    assert_eq!(kinds(&ten, "CreateDBSnapshot"), 10, "{ran}");
    assert_eq!(kinds(&ten, "DescribeDBInstances"), 1, "{ran}");
    // One call a round, and no look-up before the start: on a first
    // attempt there is nothing to adopt, and on a re-run the creates'
    // `DBSnapshotAlreadyExists` says what is.
    assert!(
        ten_looks >= 1,
        "the snapshots were never waited for:\n{ran}"
    );
    assert_eq!(
        kinds(&ten, "DescribeDBSnapshots"),
        ten_looks,
        "{ten_looks} looks:\n{ran}"
    );
    let (one, one_looks, ran) = calls("solo", "2502");
    assert_eq!(kinds(&one, "DescribeDBInstances"), 1, "{ran}");
    assert_eq!(
        kinds(&one, "DescribeDBSnapshots"),
        one_looks,
        "{one_looks} looks:\n{ran}"
    );
    // Beyond the creates, 10 DBs cost what one does, give or take the
    // rounds (the snapshots end at slightly different times).
    let describes = |requests: &[(String, Option<String>)]| {
        requests
            .iter()
            .filter(|(called, _)| called.starts_with("Describe"))
            .count()
    };
    assert!(
        describes(&ten) * 2 <= describes(&one) * 3,
        "10 DBs: {ten:?}\none DB: {one:?}"
    );
}
