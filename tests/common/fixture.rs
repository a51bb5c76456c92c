//! What a test starts from, and how it reads the emulator back, made and
//! read independently of the action: DB instances (plain, tuned, or
//! production-like from `tests/support/production.py`), Aurora clusters
//! (production-like, from `tests/support/aurora.py`), snapshots of either
//! tagged the way this action tags its own, and waits until each is ready.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_rds::Client;
use aws_sdk_rds::types::{DbCluster, DbInstance, Filter, Tag};

use super::{Moto, Step, python_path};

/// Runs `tests/support/SCRIPT ENDPOINT ARGS...` (with the credentials
/// `keys` when given: an emulator that enforces IAM needs real ones) and
/// returns the JSON it printed, the IDs of what it made.
fn support_script(
    moto: &Moto,
    script: &str,
    args: &[&str],
    keys: Option<(&str, &str)>,
) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script);
    let mut command = Command::new(python_path());
    command.arg(path).arg(&moto.endpoint).args(args);
    if let Some((key, secret)) = keys {
        command
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    let out = command
        .output()
        .unwrap_or_else(|error| panic!("run {script}: {error}"));
    assert!(
        out.status.success(),
        "{script} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|error| panic!("{script} prints JSON: {error}"))
}

/// Makes a production-like DB instance `id` (`production.py`: its own
/// subnet group, security groups, parameter and option groups, monitoring)
/// and returns the IDs of what it made.
pub fn production(moto: &Moto, id: &str) -> serde_json::Value {
    support_script(moto, "production.py", &[id], None)
}

/// Makes a production-like Aurora cluster `id` with a writer and readers
/// (`aurora.py ENDPOINT ID ENGINE FLAGS...`) and returns the IDs of what it
/// made.
pub fn create_cluster(moto: &Moto, id: &str, engine: &str, flags: &[&str]) -> serde_json::Value {
    create_cluster_as(moto, None, id, engine, flags)
}

/// As [`create_cluster`], with the credentials `keys`.
pub fn create_cluster_as(
    moto: &Moto,
    keys: Option<(&str, &str)>,
    id: &str,
    engine: &str,
    flags: &[&str],
) -> serde_json::Value {
    let args: Vec<&str> = [id, engine]
        .into_iter()
        .chain(flags.iter().copied())
        .collect();
    support_script(moto, "aurora.py", &args, keys)
}

/// Creates a DB instance with automated backups on, and waits until it is
/// `available` (the emulator takes the time AWS takes, scaled).
pub async fn create_db(client: &Client, id: &str) {
    create_db_no_wait(client, id).await;
    wait_for_instance(client, id, "available").await;
}

/// Starts creating a DB instance with automated backups on, without waiting.
pub async fn create_db_no_wait(client: &Client, id: &str) {
    client
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password")
        .backup_retention_period(7)
        .send()
        .await
        .expect("create a DB instance");
}

/// Creates a DB instance with its own parameter and option groups, Enhanced
/// Monitoring and Performance Insights, and waits until it is `available`.
pub async fn create_tuned_db(client: &Client, id: &str) {
    client
        .create_db_parameter_group()
        .db_parameter_group_name(format!("{id}-params"))
        .db_parameter_group_family("postgres13")
        .description("tuned")
        .send()
        .await
        .expect("create a parameter group");
    client
        .create_option_group()
        .option_group_name(format!("{id}-options"))
        .engine_name("postgres")
        .major_engine_version("13")
        .option_group_description("options")
        .send()
        .await
        .expect("create an option group");
    client
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .engine_version("13.7")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password")
        .backup_retention_period(7)
        .db_parameter_group_name(format!("{id}-params"))
        .option_group_name(format!("{id}-options"))
        .monitoring_interval(60)
        .monitoring_role_arn("arn:aws:iam::123456789012:role/rds-monitoring-role")
        .enable_performance_insights(true)
        .send()
        .await
        .expect("create a tuned DB instance");
    wait_for_instance(client, id, "available").await;
}

/// Snapshots DB instance `db` through the action in run `run` for
/// `version`; returns the snapshot's ID.
pub fn snapshot(moto: &Moto, db: &str, version: &str, run: &str) -> String {
    snapshot_through_the_action(moto, "db-instance-identifier", db, version, run)
}

/// Snapshots Aurora cluster `db` through the action in run `run` for
/// `version`; returns the snapshot's ID.
pub fn snapshot_cluster(moto: &Moto, db: &str, version: &str, run: &str) -> String {
    snapshot_through_the_action(moto, "db-cluster-identifier", db, version, run)
}

fn snapshot_through_the_action(
    moto: &Moto,
    input: &str,
    db: &str,
    version: &str,
    run: &str,
) -> String {
    let ran = Step::new(moto, "snapshot", run)
        .with(input, db)
        .with("deploy-version", version)
        .run();
    ran.assert_ok();
    ran.output("snapshot-identifier").to_owned()
}

/// The tags this action puts on a snapshot of its own.
fn ownership_tags(db: &str, id: &str, version: Option<&str>) -> Vec<Tag> {
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
    let mut tags = vec![
        tag("rds-snapshot-action:managed-by", "rds-snapshot-action"),
        tag("rds-snapshot-action:source-db", db),
        tag("rds-snapshot-action:snapshot-id", id),
    ];
    if let Some(version) = version {
        tags.push(tag("rds-snapshot-action:deploy-version", version));
    }
    tags
}

/// A DB snapshot tagged the way this action tags its own; waits until it
/// is available.
pub async fn own_snapshot(client: &Client, db: &str, id: &str, version: Option<&str>) {
    client
        .create_db_snapshot()
        .db_instance_identifier(db)
        .db_snapshot_identifier(id)
        .set_tags(Some(ownership_tags(db, id, version)))
        .send()
        .await
        .expect("create a snapshot");
    wait_for_snapshot(client, id).await;
}

/// A DB cluster snapshot tagged the way this action tags its own; waits
/// until it is available.
pub async fn own_cluster_snapshot(client: &Client, cluster: &str, id: &str, version: Option<&str>) {
    client
        .create_db_cluster_snapshot()
        .db_cluster_identifier(cluster)
        .db_cluster_snapshot_identifier(id)
        .set_tags(Some(ownership_tags(cluster, id, version)))
        .send()
        .await
        .expect("create a cluster snapshot");
    wait_for_cluster_snapshot(client, id).await;
}

/// Looks every 50 ms, for at most a minute, until `look` sees `wanted`.
async fn wait_until<F, Fut>(what: &str, wanted: &str, look: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = look().await;
        if seen.as_deref() == Some(wanted) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} is {seen:?}, not {wanted}, after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most a minute) until the DB instance shows `status`.
pub async fn wait_for_instance(client: &Client, id: &str, status: &str) {
    wait_until(&format!("DB instance {id}"), status, || async {
        let out = client
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .ok()?;
        out.db_instances()
            .first()?
            .db_instance_status()
            .map(str::to_owned)
    })
    .await;
}

/// Waits (at most a minute) until the DB cluster is `available`.
pub async fn wait_for_cluster(client: &Client, id: &str) {
    wait_until(&format!("DB cluster {id}"), "available", || async {
        let out = client
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .ok()?;
        out.db_clusters().first()?.status().map(str::to_owned)
    })
    .await;
}

/// Waits (at most a minute) until the DB snapshot is `available`.
pub async fn wait_for_snapshot(client: &Client, id: &str) {
    wait_until(&format!("DB snapshot {id}"), "available", || async {
        let out = client
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .send()
            .await
            .ok()?;
        out.db_snapshots().first()?.status().map(str::to_owned)
    })
    .await;
}

/// Waits (at most a minute) until the DB cluster snapshot is `available`.
pub async fn wait_for_cluster_snapshot(client: &Client, id: &str) {
    wait_until(
        &format!("DB cluster snapshot {id}"),
        "available",
        || async {
            let out = client
                .describe_db_cluster_snapshots()
                .db_cluster_snapshot_identifier(id)
                .send()
                .await
                .ok()?;
            out.db_cluster_snapshots()
                .first()?
                .status()
                .map(str::to_owned)
        },
    )
    .await;
}

/// The IDs of a DB cluster's manual snapshots, across all result pages.
pub async fn cluster_snapshot_ids(client: &Client, cluster: &str) -> Vec<String> {
    let mut pages = client
        .describe_db_cluster_snapshots()
        .db_cluster_identifier(cluster)
        .snapshot_type("manual")
        .into_paginator()
        .send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        ids.extend(
            page.expect("describe cluster snapshots")
                .db_cluster_snapshots()
                .iter()
                .filter_map(|s| s.db_cluster_snapshot_identifier().map(str::to_owned)),
        );
    }
    ids.sort();
    ids
}

/// A resource's tags as a map.
pub fn tags(list: &[Tag]) -> BTreeMap<String, String> {
    list.iter()
        .map(|t| {
            (
                t.key().unwrap_or("").to_owned(),
                t.value().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

impl Moto {
    /// Creates a source DB instance with automated backups on.
    pub async fn create_db(&self, id: &str) {
        create_db(&self.client(), id).await;
    }

    /// A snapshot tagged the way this action tags its own.
    pub async fn own_snapshot(&self, db: &str, id: &str, version: Option<&str>) {
        own_snapshot(&self.client(), db, id, version).await;
    }

    /// The IDs of a DB's manual snapshots, across all result pages.
    pub async fn snapshot_ids(&self, db: &str) -> Vec<String> {
        let mut pages = self
            .client()
            .describe_db_snapshots()
            .db_instance_identifier(db)
            .snapshot_type("manual")
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            ids.extend(
                page.expect("describe snapshots")
                    .db_snapshots()
                    .iter()
                    .filter_map(|s| s.db_snapshot_identifier().map(str::to_owned)),
            );
        }
        ids.sort();
        ids
    }

    /// Every DB instance's ID, across all result pages.
    pub async fn instance_ids(&self) -> Vec<String> {
        let mut pages = self
            .client()
            .describe_db_instances()
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            ids.extend(
                page.expect("describe instances")
                    .db_instances()
                    .iter()
                    .filter_map(|d| d.db_instance_identifier().map(str::to_owned)),
            );
        }
        ids.sort();
        ids
    }

    /// A DB instance as described, without `LatestRestorableTime`, which
    /// moto moves forward on every look.
    pub async fn instance(&self, id: &str) -> aws_sdk_rds::types::DbInstance {
        let mut instance = self.describe_instance(id).await;
        instance.latest_restorable_time = None;
        instance
    }

    async fn describe_instance(&self, id: &str) -> aws_sdk_rds::types::DbInstance {
        self.client()
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .expect("describe instance")
            .db_instances()[0]
            .clone()
    }

    pub async fn snapshot_tags(&self, id: &str) -> BTreeMap<String, String> {
        let output = self
            .client()
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .send()
            .await
            .expect("describe snapshot");
        tags(output.db_snapshots()[0].tag_list())
    }

    /// A DB instance as described, or `None` when none has that ID.
    pub async fn find_instance(&self, id: &str) -> Option<DbInstance> {
        self.client()
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|out| out.db_instances().first().cloned())
    }

    /// Every DB instance by ID.
    pub async fn instances(&self) -> BTreeMap<String, DbInstance> {
        self.client()
            .describe_db_instances()
            .send()
            .await
            .expect("describe instances")
            .db_instances()
            .iter()
            .map(|db| (db.db_instance_identifier().unwrap().to_owned(), db.clone()))
            .collect()
    }

    /// A DB cluster as described; panics unless it exists.
    pub async fn cluster(&self, id: &str) -> DbCluster {
        self.find_cluster(id)
            .await
            .unwrap_or_else(|| panic!("no DB cluster {id}"))
    }

    /// A DB cluster as described, or `None` when none has that ID.
    pub async fn find_cluster(&self, id: &str) -> Option<DbCluster> {
        self.client()
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|out| out.db_clusters().first().cloned())
    }

    /// Every DB cluster's ID.
    pub async fn cluster_ids(&self) -> Vec<String> {
        let out = self.client().describe_db_clusters().send().await.unwrap();
        out.db_clusters()
            .iter()
            .filter_map(|c| c.db_cluster_identifier().map(str::to_owned))
            .collect()
    }

    /// A Blue/Green deployment named `upgrade` of DB instance `db`, which
    /// an in-place rollback must refuse to swap under.
    pub async fn blue_green(&self, db: &str) {
        let arn = self
            .instance(db)
            .await
            .db_instance_arn()
            .expect("an ARN")
            .to_owned();
        self.client()
            .create_blue_green_deployment()
            .blue_green_deployment_name("upgrade")
            .source(arn)
            .send()
            .await
            .expect("a blue/green deployment");
    }

    /// How many Backtracks the emulator lists for a cluster.
    pub async fn backtracks(&self, cluster: &str) -> usize {
        self.client()
            .describe_db_cluster_backtracks()
            .db_cluster_identifier(cluster)
            .send()
            .await
            .map(|out| out.db_cluster_backtracks().len())
            .unwrap_or(0)
    }

    /// A cluster's DB instances, by ID.
    pub async fn members(&self, cluster: &str) -> BTreeMap<String, DbInstance> {
        let out = self
            .client()
            .describe_db_instances()
            .filters(
                Filter::builder()
                    .name("db-cluster-id")
                    .values(cluster)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        out.db_instances()
            .iter()
            .map(|i| (i.db_instance_identifier().unwrap().to_owned(), i.clone()))
            .collect()
    }
}
