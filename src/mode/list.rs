//! `mode: list`: the snapshots this action made of each DB named, newest
//! first, as a JSON output for later steps and a table per DB in the job
//! summary.

use serde_json::json;
use tracing::info;

use super::{as_cluster_if_member, owned_snapshots};
use crate::github::{Report, Table, shown};
use crate::model::{DbRef, plural, rfc3339};
use crate::provenance::deploy_version;
use crate::rds::Rds;
use crate::retention::newest_first;

pub async fn run(sources: &[DbRef], rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    let mut entries = Vec::new();
    for source in sources {
        let source = as_cluster_if_member(rds, source, out).await?;
        if sources.len() == 1 {
            out.set(source.kind.input(), source.id.clone());
        }
        entries.extend(list_one(&source, rds, out).await?);
    }
    out.set_json("snapshots", serde_json::Value::Array(entries));
    Ok(())
}

/// One DB's snapshots: its table, and its entries of the `snapshots`
/// output.
async fn list_one(
    source: &DbRef,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let snapshots = newest_first(owned_snapshots(rds, source).await?);
    let db = &source.id;
    info!(
        "{} {} of `{db}` made by this action in {}",
        snapshots.len(),
        plural(snapshots.len(), "snapshot", "snapshots"),
        rds.region()
    );
    let entries: Vec<serde_json::Value> = snapshots
        .iter()
        .map(|snapshot| {
            json!({
                "db": db,
                "id": snapshot.id,
                "arn": snapshot.arn,
                "status": snapshot.status,
                "created": snapshot.created.map(rfc3339),
                "deploy-version": deploy_version(&snapshot.tags),
                "size-gib": snapshot.size_gib,
            })
        })
        .collect();
    for snapshot in &snapshots {
        info!(
            "  {} {} {}",
            snapshot.id,
            shown(&snapshot.status),
            snapshot.created.map(rfc3339).unwrap_or_default()
        );
    }
    out.tables.push(Table {
        title: format!("Snapshots of {db} made by rds-snapshot-action"),
        headers: vec![
            "snapshot",
            "status",
            "created",
            "deploy version",
            "size (GiB)",
        ],
        rows: snapshots
            .iter()
            .map(|snapshot| {
                vec![
                    snapshot.id.clone(),
                    snapshot.status.clone(),
                    snapshot.created.map(rfc3339).unwrap_or_default(),
                    deploy_version(&snapshot.tags)
                        .unwrap_or_default()
                        .to_owned(),
                    snapshot
                        .size_gib
                        .map(|size| size.to_string())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    });
    Ok(entries)
}
