//! `mode: list`: the snapshots this action made of each DB named, newest
//! first, as a JSON output for later steps and a table per DB in the job
//! summary.

use serde_json::json;
use tracing::info;

use super::{as_cluster_if_member, owned_snapshots};
use crate::github::{Report, Table, shown};
use crate::model::{DbRef, rfc3339, tag_value};
use crate::naming::tag;
use crate::rds::{Rds, Snapshot};

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
        "{} snapshot(s) of `{db}` made by this action in {}",
        snapshots.len(),
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
                "deploy-version": tag_value(&snapshot.tags, tag::DEPLOY_VERSION),
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
                    tag_value(&snapshot.tags, tag::DEPLOY_VERSION)
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

/// Newest first; ties by ID, so the order never depends on RDS's.
pub fn newest_first(mut snapshots: Vec<Snapshot>) -> Vec<Snapshot> {
    snapshots.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    snapshots
}
