//! Aurora clusters in every mode, on the strict emulator, where a cluster
//! restore makes no DB instance, instances can be added only to an
//! available cluster, and everything takes time: snapshot, restore and PITR
//! of a cluster that serves when the step ends, a re-run that creates only
//! what is missing, a clone, Backtrack with every refusal, the lifecycle
//! modes on cluster snapshots, and a member named as an instance.

use std::collections::BTreeMap;

use crate::common::{FaultProxy, Moto, Step, create_cluster, mutating, tags};
use aws_sdk_rds::types::DbCluster;

/// What a rollback cluster must share with its source, read back from the
/// API independently of the action.
fn network_and_groups(db: &DbCluster) -> BTreeMap<&'static str, String> {
    let mut groups: Vec<_> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    groups.sort();
    let mut logs = db.enabled_cloudwatch_logs_exports().to_vec();
    logs.sort();
    BTreeMap::from([
        ("subnet group", format!("{:?}", db.db_subnet_group())),
        ("security groups", format!("{groups:?}")),
        (
            "cluster parameter group",
            format!("{:?}", db.db_cluster_parameter_group()),
        ),
        (
            "iam auth",
            format!("{:?}", db.iam_database_authentication_enabled()),
        ),
        ("log exports", format!("{logs:?}")),
        ("backtrack window", format!("{:?}", db.backtrack_window())),
        ("port", format!("{:?}", db.port())),
        ("engine", format!("{:?}", db.engine())),
    ])
}

#[tokio::test]
async fn a_restored_aurora_postgresql_cluster_serves_like_its_source() {
    let moto = Moto::start();
    let made = create_cluster(&moto, "shop", "aurora-postgresql", &[]);
    let snap = Step::new(&moto, "snapshot", "41")
        .with("db-cluster-identifier", "shop")
        .with("deploy-version", "v1.0.0")
        .run();
    snap.assert_ok();
    assert_eq!(snap.output("db-cluster-identifier"), "shop");
    let id = snap.output("snapshot-identifier").to_owned();
    assert_eq!(id, "shop-v1-0-0-r41");
    let stored = moto
        .client()
        .describe_db_cluster_snapshots()
        .db_cluster_snapshot_identifier(&id)
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots()[0]
        .clone();
    assert_eq!(stored.status(), Some("available"));
    let snap_tags = tags(stored.tag_list());
    assert_eq!(snap_tags["rds-snapshot-action:source-db"], "shop");
    // The cluster has CopyTagsToSnapshot on: its cost tags come along.
    assert_eq!(snap_tags["cost-center"], "cc-42");

    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let restore = || {
        Step::new(&moto, "restore", "42")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "shop")
            .with("snapshot-identifier", "latest")
            .with("target-db-cluster-identifier", "shop-rollback")
            .run()
    };
    let ran = restore();
    ran.assert_ok();
    // A ModifyDBCluster only where the maintenance window came out
    // different (no restore call takes it).
    let created: Vec<String> = mutating(&proxy)
        .into_iter()
        .filter(|action| action != "ModifyDBCluster")
        .collect();
    assert_eq!(
        created,
        [
            "RestoreDBClusterFromSnapshot",
            "CreateDBInstance",
            "CreateDBInstance"
        ],
        "{ran}"
    );

    let source = moto.cluster("shop").await;
    let restored = moto.cluster("shop-rollback").await;
    assert_eq!(restored.status(), Some("available"));
    assert_eq!(
        network_and_groups(&restored),
        network_and_groups(&source),
        "the rollback cluster is not built like its source"
    );
    assert_eq!(
        restored.db_subnet_group(),
        made["subnet_group"].as_str(),
        "{ran}"
    );
    assert_eq!(
        restored.preferred_maintenance_window(),
        source.preferred_maintenance_window()
    );
    assert_eq!(tags(restored.tag_list())["team"], "payments");
    assert_eq!(restored.deletion_protection(), Some(true));

    // The cluster serves: a writer like the source's, a reader like its.
    let new = moto.members("shop-rollback").await;
    assert_eq!(
        new.keys().collect::<Vec<_>>(),
        ["shop-rollback-instance-1", "shop-rollback-instance-2"]
    );
    let writer = restored
        .db_cluster_members()
        .iter()
        .find(|m| m.is_cluster_writer() == Some(true))
        .and_then(|m| m.db_instance_identifier());
    assert_eq!(writer, Some("shop-rollback-instance-1"));
    for (id, class, pi) in [
        ("shop-rollback-instance-1", "db.r6g.large", false),
        ("shop-rollback-instance-2", "db.r6g.xlarge", true),
    ] {
        let instance = &new[id];
        assert_eq!(instance.db_instance_status(), Some("available"), "{id}");
        assert_eq!(instance.db_instance_class(), Some(class), "{id}");
        assert_eq!(
            instance.db_parameter_groups()[0].db_parameter_group_name(),
            made["parameter_group"].as_str(),
            "{id}"
        );
        assert_eq!(
            instance.performance_insights_enabled().unwrap_or(false),
            pi,
            "{id}"
        );
    }
    assert_eq!(ran.output("endpoint"), restored.endpoint().unwrap());
    assert_eq!(
        ran.output("reader-endpoint"),
        restored.reader_endpoint().unwrap()
    );
    assert_eq!(ran.output("port"), "5432");
    assert_eq!(
        ran.output("db-instance-identifiers"),
        r#"["shop-rollback-instance-1","shop-rollback-instance-2"]"#
    );
    let settings: serde_json::Value = serde_json::from_str(ran.output("settings")).unwrap();
    let drifted: Vec<String> = settings
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["drifted"] == true)
        .map(|row| format!("{} {}", row["db"], row["setting"]))
        .collect();
    // Deletion protection is on for a rollback DB unless the step says not.
    assert_eq!(
        drifted,
        [r#""shop-rollback" "DeletionProtection""#],
        "{ran}"
    );
    assert!(ran.summary.contains("Reader endpoint"), "{}", ran.summary);
    assert!(
        ran.summary.contains("aws rds delete-db-cluster"),
        "{}",
        ran.summary
    );

    // A re-run of the same run changes nothing.
    proxy.clear();
    let again = restore();
    again.assert_ok();
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "{again}");
    assert_eq!(again.output("endpoint"), ran.output("endpoint"));
    assert_eq!(
        moto.cluster_ids().await.len(),
        2,
        "a re-run made another cluster"
    );
}

/// A first attempt that was killed after the cluster was restored and its
/// writer created: the re-run adopts both and creates only the readers.
#[tokio::test]
async fn a_rerun_after_a_kill_creates_only_the_missing_instances() {
    let moto = Moto::start();
    create_cluster(&moto, "orders", "aurora-mysql", &["--readers", "2"]);
    crate::common::snapshot_cluster(&moto, "orders", "v3", "50");
    // The first attempt: it got as far as the restore call (`wait: false`
    // stops there), and then, as a kill would leave it, its writer.
    let step = || {
        Step::new(&moto, "restore", "51")
            .with("db-cluster-identifier", "orders")
            .with("deploy-version", "v3")
            .with("target-db-cluster-identifier", "orders-rb")
    };
    step().with("wait", "false").run().assert_ok();
    crate::common::wait_for_cluster(&moto.client(), "orders-rb").await;
    moto.client()
        .create_db_instance()
        .db_instance_identifier("orders-rb-instance-1")
        .db_cluster_identifier("orders-rb")
        .engine("aurora-mysql")
        .db_instance_class("db.r6g.large")
        .send()
        .await
        .expect("the writer the first attempt created");
    let writer_created = moto.members("orders-rb").await["orders-rb-instance-1"]
        .instance_create_time()
        .cloned();

    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 3, 0);
    let ran = step().via(&proxy.endpoint).run();
    ran.assert_ok();
    let created: Vec<String> = mutating(&proxy)
        .into_iter()
        .filter(|action| action != "ModifyDBCluster")
        .collect();
    assert_eq!(created, ["CreateDBInstance", "CreateDBInstance"], "{ran}");
    let new = moto.members("orders-rb").await;
    assert_eq!(
        new.keys().collect::<Vec<_>>(),
        [
            "orders-rb-instance-1",
            "orders-rb-instance-2",
            "orders-rb-instance-3"
        ]
    );
    assert_eq!(
        new["orders-rb-instance-1"].instance_create_time().cloned(),
        writer_created,
        "the writer was made again"
    );
    assert!(
        new.values()
            .all(|i| i.db_instance_status() == Some("available"))
    );
    assert_eq!(
        ran.output("db-instance-identifiers"),
        r#"["orders-rb-instance-1","orders-rb-instance-2","orders-rb-instance-3"]"#
    );
}

#[tokio::test]
async fn pitr_and_a_clone_of_an_aurora_mysql_cluster() {
    let moto = Moto::start();
    create_cluster(&moto, "ledger", "aurora-mysql", &[]);
    // The cluster's own window is checked, before anything is restored.
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 4, 0);
    let early = Step::new(&moto, "pitr", "60")
        .via(&proxy.endpoint)
        .with("db-cluster-identifier", "ledger")
        .with("restore-time", "2020-01-01T00:00:00Z")
        .with("target-db-cluster-identifier", "ledger-pitr")
        .run();
    early.assert_failed();
    assert!(
        early
            .error()
            .contains("outside the restorable window of `ledger`"),
        "{early}"
    );
    assert_eq!(mutating(&proxy), Vec::<String>::new());

    let ran = Step::new(&moto, "pitr", "61")
        .with("db-cluster-identifier", "ledger")
        .with("restore-time", "latest")
        .with("target-db-cluster-identifier", "ledger-pitr")
        .with("reader-count", "0")
        .run();
    ran.assert_ok();
    let restored = moto.cluster("ledger-pitr").await;
    assert_eq!(restored.status(), Some("available"));
    assert_eq!(
        network_and_groups(&restored),
        network_and_groups(&moto.cluster("ledger").await)
    );
    assert_eq!(
        moto.members("ledger-pitr").await.keys().collect::<Vec<_>>(),
        ["ledger-pitr-instance-1"]
    );
    assert!(!ran.output("restore-time").is_empty());

    let clone = Step::new(&moto, "pitr", "62")
        .with("db-cluster-identifier", "ledger")
        .with("restore-time", "latest")
        .with("restore-type", "copy-on-write")
        .with("target-db-cluster-identifier", "ledger-drill")
        .run();
    clone.assert_ok();
    let cloned = moto.cluster("ledger-drill").await;
    assert_eq!(cloned.status(), Some("available"));
    // A clone shares its source's clone group.
    assert!(cloned.clone_group_id().is_some(), "{cloned:?}");
    assert_eq!(
        cloned.clone_group_id(),
        moto.cluster("ledger").await.clone_group_id()
    );
    assert_eq!(moto.members("ledger-drill").await.len(), 2);
}

#[tokio::test]
async fn backtrack_rewinds_in_place_once_and_refuses_what_aws_refuses() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    // A deploy's snapshot marks the time to go back to.
    crate::common::snapshot_cluster(&moto, "pay", "v9", "70");
    let endpoint = moto.cluster("pay").await.endpoint().unwrap().to_owned();
    let step = || {
        Step::new(&moto, "backtrack", "71")
            .with("db-cluster-identifier", "pay")
            .with("deploy-version", "v9")
    };
    let ran = step().run();
    ran.assert_ok();
    assert_eq!(ran.output("status"), "completed");
    assert!(!ran.output("backtracked-to").is_empty());
    assert_eq!(ran.output("endpoint"), endpoint, "the endpoint stays");
    assert!(
        ran.summary.contains("drops every open connection"),
        "{}",
        ran.summary
    );
    assert_eq!(moto.backtracks("pay").await, 1);
    assert_eq!(moto.cluster("pay").await.status(), Some("available"));
    // The re-run finds its own Backtrack and does not rewind twice.
    let again = step().run();
    again.assert_ok();
    assert_eq!(moto.backtracks("pay").await, 1, "{again}");
    assert!(
        again
            .commands("warning")
            .iter()
            .any(|w| w.contains("not started again")),
        "{again}"
    );

    // Every refusal names the cause and the way out, and calls nothing.
    create_cluster(&moto, "pg", "aurora-postgresql", &[]);
    create_cluster(&moto, "nobt", "aurora-mysql", &["--no-backtrack"]);
    create_cluster(&moto, "binlog", "aurora-mysql", &["--binlog"]);
    // A time inside the new clusters' windows, which begin when each was
    // made: wait until a whole second has passed since the last of them, so
    // the time (cut to whole seconds) is not before its earliest backtrack.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let now = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (db, time, expected) in [
        (
            "pg",
            at.as_str(),
            "runs `aurora-postgresql`, and Backtrack exists only for Aurora MySQL; to go back in time use `mode: pitr`",
        ),
        ("nobt", at.as_str(), "has Backtrack turned off"),
        (
            "pay",
            "2020-01-01T00:00:00Z",
            "is before the earliest time DB cluster `pay` can be backtracked to",
        ),
        (
            "binlog",
            at.as_str(),
            "writes a binary log (`binlog_format` is `ROW`)",
        ),
    ] {
        let proxy = FaultProxy::start(&moto.endpoint, 0.0, 5, 0);
        let refused = Step::new(&moto, "backtrack", "72")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", db)
            .with("restore-time", time)
            .run();
        refused.assert_failed();
        assert!(refused.error().contains(expected), "{db}: {refused}");
        assert_eq!(mutating(&proxy), Vec::<String>::new(), "{db}");
        // Regression: the Backtracks of an Aurora PostgreSQL cluster were
        // listed (an error on plain moto) before its engine was checked.
        // What the cluster's describe says is checked before any other call.
        let calls: Vec<String> = proxy.requests().into_iter().map(|(a, _)| a).collect();
        if db != "binlog" {
            assert_eq!(
                calls,
                ["DescribeDBClusters", "DescribeDBSubnetGroups"],
                "{db}: {refused}"
            );
        }
    }
    // With binary logging, `force` says the user accepts it.
    let forced = Step::new(&moto, "backtrack", "73")
        .with("db-cluster-identifier", "binlog")
        .with("restore-time", &at)
        .with("force", "true")
        .run();
    forced.assert_ok();
    assert_eq!(moto.backtracks("binlog").await, 1);
}

#[tokio::test]
async fn the_lifecycle_modes_work_on_cluster_snapshots() {
    let moto = Moto::start_with(&[("RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA", "4")]);
    create_cluster(&moto, "inv", "aurora-postgresql", &["--readers", "0"]);
    let ids: Vec<String> = (1..=3)
        .map(|n| crate::common::snapshot_cluster(&moto, "inv", &format!("v{n}"), &format!("8{n}")))
        .collect();
    // Someone else's cluster snapshot of the same cluster: never touched.
    moto.client()
        .create_db_cluster_snapshot()
        .db_cluster_identifier("inv")
        .db_cluster_snapshot_identifier("inv-manual")
        .send()
        .await
        .unwrap();

    let list = Step::new(&moto, "list", "90")
        .with("db-cluster-identifier", "inv")
        .run();
    list.assert_ok();
    let listed: Vec<String> = serde_json::from_str::<serde_json::Value>(list.output("snapshots"))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, [ids[2].clone(), ids[1].clone(), ids[0].clone()]);

    // The quota (4) is full: a fourth snapshot of ours is refused before
    // the call, naming the cluster snapshot quota.
    let full = Step::new(&moto, "snapshot", "94")
        .with("db-cluster-identifier", "inv")
        .run();
    full.assert_failed();
    assert!(
        full.error().contains("manual DB cluster snapshots"),
        "{full}"
    );

    let prune = Step::new(&moto, "prune", "91")
        .with("db-cluster-identifier", "inv")
        .with("keep-last", "1")
        .run();
    prune.assert_ok();
    assert_eq!(
        prune.output("deleted"),
        format!(r#"["{}","{}"]"#, ids[1], ids[0])
    );
    let left: Vec<String> = moto
        .client()
        .describe_db_cluster_snapshots()
        .db_cluster_identifier("inv")
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots()
        .iter()
        .map(|s| s.db_cluster_snapshot_identifier().unwrap().to_owned())
        .collect();
    assert!(left.contains(&"inv-manual".to_owned()), "{left:?}");
    assert!(left.contains(&ids[2]), "{left:?}");

    let copy = Step::new(&moto, "copy", "92")
        .with("snapshot-identifier", &ids[2])
        .with("target-region", "us-west-2")
        .run();
    copy.assert_ok();
    let copied = moto
        .client_in("us-west-2")
        .describe_db_cluster_snapshots()
        .db_cluster_snapshot_identifier(&ids[2])
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots()[0]
        .clone();
    assert_eq!(
        tags(copied.tag_list())["rds-snapshot-action:managed-by"],
        "rds-snapshot-action"
    );
    let encrypt = Step::new(&moto, "copy", "95")
        .with("snapshot-identifier", &ids[2])
        .with("kms-key-id", "alias/backups")
        .run();
    encrypt.assert_failed();
    assert!(encrypt.error().contains("not encrypted"), "{encrypt}");

    let refused = Step::new(&moto, "delete", "93")
        .with("snapshot-identifier", "inv-manual")
        .run();
    refused.assert_failed();
    assert!(refused.error().contains("did not make it"), "{refused}");
    let delete = Step::new(&moto, "delete", "93")
        .with("snapshot-identifier", &ids[2])
        .run();
    delete.assert_ok();
    assert_eq!(delete.output("status"), "deleted");
}

#[tokio::test]
async fn a_member_named_as_an_instance_is_its_cluster_where_that_is_unambiguous() {
    let moto = Moto::start();
    create_cluster(&moto, "crm", "aurora-postgresql", &["--readers", "0"]);
    let snap = Step::new(&moto, "snapshot", "100")
        .with("db-instance-identifier", "crm-a")
        .with("deploy-version", "v1")
        .run();
    snap.assert_ok();
    assert_eq!(snap.output("db-cluster-identifier"), "crm");
    assert_eq!(snap.output("snapshot-identifier"), "crm-v1-r100");
    assert!(
        snap.commands("warning")
            .iter()
            .any(|w| w.contains("instance of Aurora DB cluster `crm`")
                && w.contains("db-cluster-identifier: crm")),
        "{snap}"
    );
    let list = Step::new(&moto, "list", "100")
        .with("db-instance-identifier", "crm-a")
        .run();
    list.assert_ok();
    assert!(list.output("snapshots").contains("crm-v1-r100"), "{list}");
    // A restore that names a new DB instance from a member is ambiguous:
    // the error names the inputs to use, and nothing is called.
    for (mode, extra) in [
        ("restore", ("snapshot-identifier", "latest")),
        ("pitr", ("restore-time", "latest")),
    ] {
        let proxy = FaultProxy::start(&moto.endpoint, 0.0, 6, 0);
        let ran = Step::new(&moto, mode, "101")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "crm-a")
            .with(extra.0, extra.1)
            .with("target-db-instance-identifier", "crm-rb")
            .run();
        ran.assert_failed();
        let error = ran.error();
        assert!(
            error.contains("db-cluster-identifier: crm")
                && error.contains("target-db-cluster-identifier"),
            "{mode}: {ran}"
        );
        assert!(!error.contains("InvalidParameter"), "{mode}: {ran}");
        assert_eq!(mutating(&proxy), Vec::<String>::new(), "{mode}");
    }
    // With a new cluster named, the member stands for its cluster.
    let ran = Step::new(&moto, "pitr", "102")
        .with("db-instance-identifier", "crm-a")
        .with("restore-time", "latest")
        .with("target-db-cluster-identifier", "crm-rb")
        .run();
    ran.assert_ok();
    assert_eq!(
        ran.output("db-instance-identifiers"),
        r#"["crm-rb-instance-1"]"#
    );
}

#[tokio::test]
async fn a_long_cluster_name_and_version_still_give_a_valid_cluster_snapshot_id() {
    let moto = Moto::start();
    let name = format!("analytics-{}", "w".repeat(50));
    create_cluster(&moto, &name, "aurora-postgresql", &["--readers", "0"]);
    let ran = Step::new(&moto, "snapshot", "123456789012")
        .with("db-cluster-identifier", &name)
        .with(
            "deploy-version",
            "release/2026.11-hotfix-for-the-checkout-flow",
        )
        .run();
    ran.assert_ok();
    let id = ran.output("snapshot-identifier");
    assert!(id.len() <= 63, "{id}");
    assert!(id.ends_with("-r123456789012"), "{id}");
}
