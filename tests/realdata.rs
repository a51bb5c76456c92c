//! The rows a rollback brings back, through the action's binary as the
//! runner runs it, on the emulator with a real PostgreSQL server behind
//! every PostgreSQL DB (`RDS_EMULATOR_REAL_DB=1`): a restore holds exactly
//! the snapshot's rows, a point-in-time restore exactly the commits up to
//! its time, an in-place rollback leaves the app's endpoint serving the
//! pre-deploy rows, and an Aurora PostgreSQL restore serves the snapshot's
//! rows on its writer and reader endpoints. Metadata alone (statuses, tags)
//! would pass with the wrong snapshot restored.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};

use crate::common::{self, Moto, Ran, Step, pg};

/// The endpoint of DB instance `id`, as described.
async fn instance_endpoint(moto: &Moto, id: &str) -> (String, i32) {
    let db = moto.instance(id).await;
    let endpoint = db.endpoint().expect("an endpoint");
    (
        endpoint.address().expect("an address").to_owned(),
        endpoint.port().expect("a port"),
    )
}

/// A DB instance `id` with rows 1, 2 and 3.
async fn app_db(moto: &Moto, id: &str) -> (String, i32) {
    moto.create_db(id).await;
    let (host, port) = instance_endpoint(moto, id).await;
    pg::write(&host, port, &[1, 2, 3]).await;
    (host, port)
}

/// The restored DB's endpoint, from the step's outputs.
fn endpoint_of(ran: &Ran) -> (String, i32) {
    (
        ran.output("endpoint").to_owned(),
        ran.output("port").parse().expect("a port"),
    )
}

#[tokio::test]
async fn a_restore_holds_exactly_the_rows_from_before_the_snapshot() {
    let moto = Moto::start_real_db();
    let (host, port) = app_db(&moto, "shop").await;
    let snapshot = common::snapshot(&moto, "shop", "v1", "101");
    pg::write(&host, port, &[4]).await;
    let ran = Step::new(&moto, "restore", "102")
        .with("db-instance-identifier", "shop")
        .with("snapshot-identifier", &snapshot)
        .with("target-db-instance-identifier", "shop-rollback")
        .run();
    ran.assert_ok();
    let (restored, restored_port) = endpoint_of(&ran);
    assert_ne!(restored, host, "{ran}");
    assert_eq!(pg::rows(&restored, restored_port).await, [1, 2, 3]);
    assert_eq!(pg::rows(&host, port).await, [1, 2, 3, 4]);
}

#[tokio::test]
async fn a_pitr_between_two_commits_holds_the_first_and_not_the_second() {
    let moto = Moto::start_real_db();
    let (host, port) = app_db(&moto, "ledger").await;
    pg::write(&host, port, &[10]).await;
    // The restore calls take whole seconds (the action cuts the fraction):
    // the second after commit 10, and commit 11 after it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let between = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    pg::write(&host, port, &[11]).await;
    // As on AWS, a time is restorable once the source's
    // LatestRestorableTime has passed it; the action refuses it before.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let latest = moto
            .client()
            .describe_db_instances()
            .db_instance_identifier("ledger")
            .send()
            .await
            .expect("describe the source")
            .db_instances()[0]
            .latest_restorable_time()
            .map(|time| time.secs());
        let wanted = chrono::DateTime::parse_from_rfc3339(&between)
            .unwrap()
            .timestamp();
        if latest.is_some_and(|latest| latest >= wanted) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "LatestRestorableTime {latest:?} did not reach {between}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ran = Step::new(&moto, "pitr", "111")
        .with("db-instance-identifier", "ledger")
        .with("restore-time", &between)
        .with("target-db-instance-identifier", "ledger-pitr")
        .run();
    ran.assert_ok();
    let (restored, restored_port) = endpoint_of(&ran);
    assert_eq!(
        pg::rows(&restored, restored_port).await,
        [1, 2, 3, 10],
        "restored to {between}:\n{ran}"
    );
}

#[tokio::test]
async fn an_in_place_rollback_leaves_the_apps_endpoint_serving_the_pre_deploy_rows() {
    let moto = Moto::start_real_db();
    let (host, port) = app_db(&moto, "cart").await;
    let snapshot = common::snapshot(&moto, "cart", "v1", "121");
    // The deploy's migration.
    pg::write(&host, port, &[4, 5]).await;
    let ran = Step::new(&moto, "restore", "122")
        .with("db-instance-identifier", "cart")
        .with("snapshot-identifier", &snapshot)
        .with("in-place", "true")
        .run();
    ran.assert_ok();
    // The app's endpoint is unchanged, and serves the restored rows.
    assert_eq!(endpoint_of(&ran), (host.clone(), port), "{ran}");
    assert_eq!(instance_endpoint(&moto, "cart").await, (host.clone(), port));
    assert_eq!(pg::rows(&host, port).await, [1, 2, 3]);
    // The replaced DB keeps the deploy's rows, for inspection.
    let replaced = ran.output("replaced-db-instance-identifier");
    let (old, old_port) = instance_endpoint(&moto, replaced).await;
    assert_eq!(pg::rows(&old, old_port).await, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_aurora_postgresql_restore_serves_the_snapshots_rows_on_writer_and_reader() {
    let moto = Moto::start_real_db();
    common::create_cluster(&moto, "orders", "aurora-postgresql", &[]);
    let cluster = moto
        .client()
        .describe_db_clusters()
        .db_cluster_identifier("orders")
        .send()
        .await
        .expect("describe the cluster")
        .db_clusters()[0]
        .clone();
    let (writer, port) = (
        cluster.endpoint().expect("a writer endpoint").to_owned(),
        cluster.port().expect("a port"),
    );
    pg::write(&writer, port, &[1, 2]).await;
    let snapshot = common::snapshot_cluster(&moto, "orders", "v1", "131");
    pg::write(&writer, port, &[3]).await;
    let ran = Step::new(&moto, "restore", "132")
        .with("db-cluster-identifier", "orders")
        .with("snapshot-identifier", &snapshot)
        .with("target-db-cluster-identifier", "orders-rollback")
        .run();
    ran.assert_ok();
    let (restored, restored_port) = endpoint_of(&ran);
    let reader = ran.output("reader-endpoint").to_owned();
    assert_ne!(restored, writer, "{ran}");
    assert!(!reader.is_empty(), "{ran}");
    for host in [&restored, &reader] {
        assert_eq!(
            pg::rows(host, restored_port).await,
            [1, 2],
            "at {host}:\n{ran}"
        );
    }
    assert_eq!(pg::rows(&writer, port).await, [1, 2, 3]);
}
