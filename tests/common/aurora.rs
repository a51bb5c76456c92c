//! Aurora test support shared by the reliability, IAM and hostile-input
//! suites: a production-like cluster made by `tests/support/aurora.py`, and
//! cluster snapshots tagged the way this action tags its own.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_rds::Client;
use aws_sdk_rds::types::Tag;

use super::{Moto, python_path};

/// Makes a production-like Aurora cluster `id` (`aurora.py ENDPOINT ID
/// ENGINE FLAGS...`) and returns what the script printed. `keys` are the
/// credentials it runs with (an emulator that enforces IAM needs real ones).
pub fn create(
    moto: &Moto,
    id: &str,
    engine: &str,
    flags: &[&str],
    keys: Option<(&str, &str)>,
) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/aurora.py");
    let mut command = Command::new(python_path());
    command
        .arg(script)
        .args([moto.endpoint.as_str(), id, engine])
        .args(flags);
    if let Some((key, secret)) = keys {
        command
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    let out = command.output().expect("run aurora.py");
    assert!(
        out.status.success(),
        "aurora.py {id} {engine} {flags:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("aurora.py prints JSON")
}

/// A DB cluster snapshot tagged the way this action tags its own; waits
/// until it is available.
pub async fn own_snapshot(client: &Client, cluster: &str, id: &str, version: Option<&str>) {
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
    let mut request = client
        .create_db_cluster_snapshot()
        .db_cluster_identifier(cluster)
        .db_cluster_snapshot_identifier(id)
        .tags(tag("rds-snapshot-action:managed-by", "rds-snapshot-action"))
        .tags(tag("rds-snapshot-action:source-db", cluster))
        .tags(tag("rds-snapshot-action:snapshot-id", id));
    if let Some(version) = version {
        request = request.tags(tag("rds-snapshot-action:deploy-version", version));
    }
    request.send().await.expect("create a cluster snapshot");
    wait_for_snapshot(client, id).await;
}

/// Waits (at most a minute) until the DB cluster snapshot is `available`.
pub async fn wait_for_snapshot(client: &Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = client
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|out| out.db_cluster_snapshots().first().cloned())
            .and_then(|snap| snap.status().map(str::to_owned));
        if seen.as_deref() == Some("available") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "DB cluster snapshot {id} is {seen:?}, not available, after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The IDs of a DB cluster's manual snapshots, across all result pages.
pub async fn snapshot_ids(client: &Client, cluster: &str) -> Vec<String> {
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

/// Waits (at most a minute) until the DB cluster is `available`.
pub async fn wait_for_cluster(client: &Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = client
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|out| out.db_clusters().first().cloned())
            .and_then(|cluster| cluster.status().map(str::to_owned));
        if seen.as_deref() == Some("available") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "DB cluster {id} is {seen:?}, not available, after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
