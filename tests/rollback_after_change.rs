//! A rollback after a deploy that changed the DB itself: a PostgreSQL 15.4
//! instance on its own parameter group is snapshotted, then upgraded to
//! 16.4 on a group of the new family (and a class only 16.4 is offered on).
//! The rollback restores the 15.4 snapshot with the settings recorded on it,
//! checked against 15.4, where today's would be refused: the strict emulator
//! refuses a parameter group of another family, an option group of another
//! major version and a class the version is not offered on
//! (tests/emulator/test_versions.py shows each refusal).

use aws_sdk_rds::Client;
use chrono::Timelike as _;

use crate::common::{FaultProxy, Moto, Ran, Step, mutating, snapshot, wait_for_instance};

/// `app` on PostgreSQL 15.4 with parameter group `app-pg15`, snapshotted by
/// the action before deploy v3.0.0 (run 1), then upgraded by the deploy to
/// 16.4 on `app-pg16` and class `db.m8g.large`. Returns the snapshot's ID.
async fn upgraded_after_snapshot(moto: &Moto, client: &Client) -> String {
    upgraded_after_snapshot_at(moto, client).await.0
}

/// As [`upgraded_after_snapshot`], with a time (whole seconds) after the
/// snapshot and before the upgrade.
async fn upgraded_after_snapshot_at(
    moto: &Moto,
    client: &Client,
) -> (String, chrono::DateTime<chrono::Utc>) {
    for (name, family) in [("app-pg15", "postgres15"), ("app-pg16", "postgres16")] {
        client
            .create_db_parameter_group()
            .db_parameter_group_name(name)
            .db_parameter_group_family(family)
            .description("app")
            .send()
            .await
            .expect("create a parameter group");
    }
    client
        .create_db_instance()
        .db_instance_identifier("app")
        .engine("postgres")
        .engine_version("15.4")
        .db_instance_class("db.m6g.large")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password")
        .backup_retention_period(7)
        .db_parameter_group_name("app-pg15")
        .send()
        .await
        .expect("create a 15.4 instance");
    wait_for_instance(client, "app", "available").await;
    let id = snapshot(moto, "app", "v3.0.0", "1");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let between = chrono::Utc::now()
        .with_nanosecond(0)
        .expect("a whole second");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    client
        .modify_db_instance()
        .db_instance_identifier("app")
        .engine_version("16.4")
        .allow_major_version_upgrade(true)
        .db_parameter_group_name("app-pg16")
        .db_instance_class("db.m8g.large")
        .apply_immediately(true)
        .send()
        .await
        .expect("the deploy upgrades the instance to 16.4");
    wait_for_instance(client, "app", "available").await;
    (id, between)
}

/// Waits (up to 60 s) until `latest`, a DB's LatestRestorableTime, reaches
/// `at`.
async fn until_restorable(
    at: chrono::DateTime<chrono::Utc>,
    latest: impl AsyncFn() -> Option<aws_sdk_rds::primitives::DateTime>,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let seen = latest()
            .await
            .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0));
        if seen.is_some_and(|seen| seen >= at) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "window: {seen:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn described(client: &Client, id: &str) -> (String, String, String, String) {
    let db = client
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .expect("describe")
        .db_instances()[0]
        .clone();
    (
        db.engine_version().unwrap_or_default().to_owned(),
        db.db_parameter_groups()[0]
            .db_parameter_group_name()
            .unwrap_or_default()
            .to_owned(),
        db.option_group_memberships()[0]
            .option_group_name()
            .unwrap_or_default()
            .to_owned(),
        db.db_instance_class().unwrap_or_default().to_owned(),
    )
}

fn row(ran: &Ran, setting: &str) -> serde_json::Value {
    let rows: serde_json::Value = serde_json::from_str(ran.output("settings")).expect("JSON");
    rows.as_array()
        .expect("an array")
        .iter()
        .find(|row| row["setting"] == setting)
        .unwrap_or_else(|| panic!("no row {setting}:\n{ran}"))
        .clone()
}

fn rollback(moto: &Moto, run: &str) -> Step {
    Step::new(moto, "restore", run)
        .with("db-instance-identifier", "app")
        .with("deploy-version", "v3.0.0")
}

#[tokio::test]
async fn a_rollback_after_an_engine_upgrade_restores_with_the_settings_at_the_snapshot() {
    let moto = Moto::start();
    let client = moto.client();
    let id = upgraded_after_snapshot(&moto, &client).await;
    let tags = moto.snapshot_tags(&id).await;
    assert!(
        tags["rds-snapshot-action:settings-1"].contains("pg=tapp-pg15"),
        "{tags:?}"
    );
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let ran = rollback(&moto, "2")
        .via(&proxy.endpoint)
        .with("target-db-instance-identifier", "app-rollback")
        .run();
    ran.assert_ok();
    assert_eq!(
        described(&client, "app-rollback").await,
        (
            "15.4".to_owned(),
            "app-pg15".to_owned(),
            "default:postgres-15".to_owned(),
            "db.m6g.large".to_owned()
        ),
        "{ran}"
    );
    assert_eq!(
        row(&ran, "DBParameterGroupName")["how"],
        "restore call, as at the snapshot"
    );
    assert_eq!(row(&ran, "DBParameterGroupName")["source"], "app-pg16");
    assert!(
        ran.summary
            .contains("engine 15.4 → 16.4 since this snapshot")
            && ran
                .summary
                .contains("parameter group `app-pg15` → `app-pg16`"),
        "{}",
        ran.summary
    );
    assert!(ran.commands("warning").is_empty(), "{ran}");
    // The checks were made before the restore, with describes.
    let asked: Vec<String> = proxy.requests().into_iter().map(|(a, _)| a).collect();
    let first_mutating = asked
        .iter()
        .position(|a| crate::common::is_mutating(a))
        .unwrap();
    for check in [
        "DescribeDBEngineVersions",
        "DescribeDBParameterGroups",
        "DescribeOrderableDBInstanceOptions",
    ] {
        let at = asked.iter().position(|a| a == check);
        assert!(
            at.is_some_and(|at| at < first_mutating),
            "{check}: {asked:?}"
        );
    }
    // Each group is described once: `app-pg15` (at the snapshot) and
    // `app-pg16` (the source's now), and the one chosen is not asked again
    // whether it exists.
    let count = |action: &str| asked.iter().filter(|a| *a == action).count();
    assert_eq!(count("DescribeDBParameterGroups"), 2, "{asked:?}");
}

#[tokio::test]
async fn in_place_the_rollback_warns_that_the_application_goes_back_to_the_old_engine() {
    let moto = Moto::start();
    let client = moto.client();
    upgraded_after_snapshot(&moto, &client).await;
    let ran = rollback(&moto, "3").with("in-place", "true").run();
    ran.assert_ok();
    let (version, group, _, class) = described(&client, "app").await;
    assert_eq!(
        (version.as_str(), group.as_str(), class.as_str()),
        ("15.4", "app-pg15", "db.m6g.large")
    );
    let warnings = ran.commands("warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("goes back to engine 15.4") && w.contains("16.4")),
        "{ran}"
    );
}

#[tokio::test]
async fn a_recorded_group_since_deleted_and_a_snapshot_without_a_record_fall_back() {
    let moto = Moto::start();
    let client = moto.client();
    upgraded_after_snapshot(&moto, &client).await;
    client
        .delete_db_parameter_group()
        .db_parameter_group_name("app-pg15")
        .send()
        .await
        .expect("delete the old group");
    let ran = rollback(&moto, "4")
        .with("target-db-instance-identifier", "app-deleted-group")
        .run();
    ran.assert_ok();
    let (version, group, _, class) = described(&client, "app-deleted-group").await;
    // Today's `app-pg16` does not fit 15.4 either: the engine's default.
    assert_eq!(
        (version.as_str(), group.as_str(), class.as_str()),
        ("15.4", "default.postgres15", "db.m6g.large")
    );
    let how = row(&ran, "DBParameterGroupName")["how"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        how.starts_with("fallback: DB parameter group `app-pg15` no longer exists"),
        "{how}"
    );
    let warnings = ran.commands("warning");
    let named: Vec<&String> = warnings
        .iter()
        .filter(|w| w.contains("`app-pg15`") && w.contains("app-pg16"))
        .collect();
    assert_eq!(named.len(), 1, "{ran}");

    // A snapshot this action did not make: judged by its own fields, and
    // today's settings of 16.4 are not carried into it.
    client
        .create_db_parameter_group()
        .db_parameter_group_name("app-pg15")
        .db_parameter_group_family("postgres15")
        .description("again")
        .send()
        .await
        .unwrap();
    client
        .create_db_snapshot()
        .db_instance_identifier("app")
        .db_snapshot_identifier("someone-elses")
        .send()
        .await
        .unwrap();
    crate::common::wait_for_snapshot(&client, "someone-elses").await;
    // Taken of the 16.4 instance: today's settings fit it.
    let ran = Step::new(&moto, "restore", "5")
        .with("db-instance-identifier", "app")
        .with("snapshot-identifier", "someone-elses")
        .with("target-db-instance-identifier", "app-foreign")
        .run();
    ran.assert_ok();
    let (version, group, option, class) = described(&client, "app-foreign").await;
    assert_eq!(
        (
            version.as_str(),
            group.as_str(),
            option.as_str(),
            class.as_str()
        ),
        ("16.4", "app-pg16", "default:postgres-16", "db.m8g.large")
    );
}

#[tokio::test]
async fn a_class_the_old_version_is_not_offered_on_falls_back_and_a_bad_input_is_refused() {
    let moto = Moto::start();
    let client = moto.client();
    upgraded_after_snapshot(&moto, &client).await;
    // The user names today's group: refused before any mutating call.
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let ran = rollback(&moto, "6")
        .via(&proxy.endpoint)
        .with("target-db-instance-identifier", "app-input")
        .with("db-parameter-group-name", "app-pg16")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("input `db-parameter-group-name` `app-pg16`")
            && error.contains("postgres15"),
        "{error}"
    );
    assert_eq!(mutating(&proxy), Vec::<String>::new());
    // The class input wins; one 15.4 is not offered on is refused too.
    let ran = rollback(&moto, "7")
        .with("target-db-instance-identifier", "app-class")
        .with("db-instance-class", "db.m8g.large")
        .run();
    ran.assert_failed();
    assert!(
        ran.error().contains("not offered on class `db.m8g.large`"),
        "{ran}"
    );
}

#[tokio::test]
async fn pitr_to_before_the_upgrade_uses_the_settings_recorded_as_of_that_time() {
    let moto = Moto::start();
    let client = moto.client();
    let (_, between) = upgraded_after_snapshot_at(&moto, &client).await;
    // The restorable window reaches the time once the backups caught up.
    until_restorable(between, async || {
        client
            .describe_db_instances()
            .db_instance_identifier("app")
            .send()
            .await
            .expect("describe")
            .db_instances()[0]
            .latest_restorable_time()
            .copied()
    })
    .await;
    let ran = Step::new(&moto, "pitr", "8")
        .with("db-instance-identifier", "app")
        .with(
            "restore-time",
            &between.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
        .with("target-db-instance-identifier", "app-pitr")
        .run();
    ran.assert_ok();
    assert_eq!(
        described(&client, "app-pitr").await,
        (
            "15.4".to_owned(),
            "app-pg15".to_owned(),
            "default:postgres-15".to_owned(),
            "db.m6g.large".to_owned()
        ),
        "{ran}"
    );
    assert_eq!(
        row(&ran, "DBParameterGroupName")["how"],
        "restore call, as at the snapshot"
    );
}

/// Aurora PostgreSQL cluster `orders` on 15.4 with cluster parameter group
/// `orders-c15` and writer `orders-1` on `orders-i15`, snapshotted by the
/// action before deploy v3.0.0 (run 1), then upgraded by the deploy to 16.4
/// on `orders-c16` and `orders-i16`. Returns a time (whole seconds) after
/// the snapshot and before the upgrade.
async fn aurora_upgraded_after_snapshot(
    moto: &Moto,
    client: &Client,
) -> chrono::DateTime<chrono::Utc> {
    for major in ["15", "16"] {
        client
            .create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(format!("orders-c{major}"))
            .db_parameter_group_family(format!("aurora-postgresql{major}"))
            .description("orders")
            .send()
            .await
            .unwrap();
        client
            .create_db_parameter_group()
            .db_parameter_group_name(format!("orders-i{major}"))
            .db_parameter_group_family(format!("aurora-postgresql{major}"))
            .description("orders")
            .send()
            .await
            .unwrap();
    }
    client
        .create_db_cluster()
        .db_cluster_identifier("orders")
        .engine("aurora-postgresql")
        .engine_version("15.4")
        .master_username("app")
        .master_user_password("not-a-real-password")
        .db_cluster_parameter_group_name("orders-c15")
        .backup_retention_period(7)
        .send()
        .await
        .expect("create a 15.4 cluster");
    crate::common::wait_for_cluster(client, "orders").await;
    client
        .create_db_instance()
        .db_instance_identifier("orders-1")
        .db_cluster_identifier("orders")
        .engine("aurora-postgresql")
        .db_instance_class("db.r6g.large")
        .db_parameter_group_name("orders-i15")
        .send()
        .await
        .expect("its writer");
    wait_for_instance(client, "orders-1", "available").await;
    crate::common::snapshot_cluster(moto, "orders", "v3.0.0", "1");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let between = chrono::Utc::now()
        .with_nanosecond(0)
        .expect("a whole second");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    client
        .modify_db_cluster()
        .db_cluster_identifier("orders")
        .engine_version("16.4")
        .allow_major_version_upgrade(true)
        .db_cluster_parameter_group_name("orders-c16")
        .db_instance_parameter_group_name("orders-i16")
        .apply_immediately(true)
        .send()
        .await
        .expect("the deploy upgrades the cluster to 16.4");
    crate::common::wait_for_cluster(client, "orders").await;
    between
}

/// The cluster's and its instances' settings: engine version, cluster
/// parameter group, and each member's DB parameter group.
async fn cluster_described(moto: &Moto, id: &str) -> (String, String, Vec<String>) {
    let cluster = moto.cluster(id).await;
    let members = moto.members(id).await;
    assert!(!members.is_empty(), "`{id}` has no instances");
    (
        cluster.engine_version().unwrap_or_default().to_owned(),
        cluster
            .db_cluster_parameter_group()
            .unwrap_or_default()
            .to_owned(),
        members
            .values()
            .map(|member| {
                member.db_parameter_groups()[0]
                    .db_parameter_group_name()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect(),
    )
}

#[tokio::test]
async fn an_aurora_postgresql_rollback_after_an_upgrade_uses_the_groups_at_the_snapshot() {
    let moto = Moto::start();
    let client = moto.client();
    aurora_upgraded_after_snapshot(&moto, &client).await;

    let ran = Step::new(&moto, "restore", "2")
        .with("db-cluster-identifier", "orders")
        .with("deploy-version", "v3.0.0")
        .with("target-db-cluster-identifier", "orders-rollback")
        .run();
    ran.assert_ok();
    let cluster = moto.cluster("orders-rollback").await;
    assert_eq!(cluster.engine_version(), Some("15.4"), "{ran}");
    assert_eq!(cluster.db_cluster_parameter_group(), Some("orders-c15"));
    let members = moto.members("orders-rollback").await;
    assert!(!members.is_empty(), "{ran}");
    for member in members.values() {
        assert_eq!(
            member.db_parameter_groups()[0].db_parameter_group_name(),
            Some("orders-i15"),
            "{ran}"
        );
    }
    assert!(
        ran.summary
            .contains("engine 15.4 → 16.4 since this snapshot")
            && ran.summary.contains("`orders-c15` → `orders-c16`"),
        "{}",
        ran.summary
    );
    // The members' default option group is the old version's, which fits.
    assert!(ran.commands("warning").is_empty(), "{ran}");
}

#[tokio::test]
async fn an_aurora_postgresql_pitr_to_before_the_upgrade_uses_the_groups_of_that_time() {
    let moto = Moto::start();
    let client = moto.client();
    let between = aurora_upgraded_after_snapshot(&moto, &client).await;
    // The restorable window reaches the time once the backups caught up.
    until_restorable(between, async || {
        moto.cluster("orders")
            .await
            .latest_restorable_time()
            .copied()
    })
    .await;
    let ran = Step::new(&moto, "pitr", "4")
        .with("db-cluster-identifier", "orders")
        .with(
            "restore-time",
            &between.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
        .with("target-db-cluster-identifier", "orders-pitr")
        .run();
    ran.assert_ok();
    let (version, cluster_group, member_groups) = cluster_described(&moto, "orders-pitr").await;
    assert_eq!(
        (version.as_str(), cluster_group.as_str()),
        ("15.4", "orders-c15"),
        "{ran}"
    );
    assert!(
        member_groups.iter().all(|group| group == "orders-i15"),
        "{member_groups:?}\n{ran}"
    );
    assert_eq!(
        row(&ran, "DBClusterParameterGroupName")["how"],
        "restore call, as at the snapshot",
        "{ran}"
    );
    assert!(ran.commands("warning").is_empty(), "{ran}");
}

#[tokio::test]
async fn an_aurora_postgresql_cluster_rolled_back_in_place_is_on_its_old_engine_and_groups() {
    let moto = Moto::start();
    let client = moto.client();
    aurora_upgraded_after_snapshot(&moto, &client).await;
    let ran = Step::new(&moto, "restore", "5")
        .with("db-cluster-identifier", "orders")
        .with("deploy-version", "v3.0.0")
        .with("in-place", "true")
        .run();
    ran.assert_ok();
    // The application's cluster name now serves the rollback.
    let (version, cluster_group, member_groups) = cluster_described(&moto, "orders").await;
    assert_eq!(
        (version.as_str(), cluster_group.as_str()),
        ("15.4", "orders-c15"),
        "{ran}"
    );
    assert!(
        member_groups.iter().all(|group| group == "orders-i15"),
        "{member_groups:?}\n{ran}"
    );
    let warnings = ran.commands("warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("goes back to engine 15.4") && w.contains("16.4")),
        "{ran}"
    );
    assert!(
        warnings.iter().all(|w| !w.contains("no longer exists")),
        "{ran}"
    );
}
