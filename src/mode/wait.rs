//! `mode: wait`: start early, wait late. A deploy pipeline starts its
//! pre-deploy snapshots with `mode: snapshot` and `wait: false` at its
//! beginning, builds meanwhile, and waits just before the migrations with
//! this mode, for the snapshots this run started (found by the run-id tag)
//! or for those named. It waits the way `snapshot` does: one describe call
//! a round for all of them.

use anyhow::bail;
use tracing::info;

use crate::config::{Wait, WaitPlan};
use crate::db;
use crate::fleet::{Row, await_all, report};
use crate::github::Report;
use crate::model::{DbRef, plural};
use crate::provenance::{self, SnapshotClaim};
use crate::rds::{Rds, Snapshot};

pub async fn run(plan: &WaitPlan, wait: Wait, rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    let found = if plan.snapshot_ids.is_empty() {
        this_run(plan, rds).await?
    } else {
        by_id(plan, rds).await?
    };
    info!(
        "waiting for {} {}: {}",
        found.len(),
        plural(found.len(), "snapshot", "snapshots"),
        found
            .iter()
            .map(|s| format!("`{}`", s.id))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let many = found.len() > 1;
    let mut rows: Vec<Row> = found
        .into_iter()
        .map(|snapshot| Row {
            db: DbRef {
                kind: snapshot.of,
                id: snapshot.source_db.clone(),
            },
            started: Ok(snapshot),
            done: None,
        })
        .collect();
    if let [row] = rows.as_slice()
        && let Ok(snapshot) = &row.started
    {
        out.set("snapshot-identifier", snapshot.id.clone());
        out.set(row.db.kind.input(), row.db.id.clone());
    }
    await_all(&mut rows, wait, rds).await?;
    report(&rows, rds.region(), out, many)
}

/// The snapshots named in `snapshot-identifier`: each must exist.
async fn by_id(plan: &WaitPlan, rds: &Rds) -> anyhow::Result<Vec<Snapshot>> {
    let kind = match plan.dbs.as_slice() {
        [db] => Some(db.kind),
        _ => None,
    };
    let mut found = Vec::new();
    for id in &plan.snapshot_ids {
        match db::any_snapshot(rds, kind, id).await? {
            Some(snapshot) => found.push(snapshot),
            None => bail!(
                "snapshot `{id}` (input `snapshot-identifier`) does not exist in region {}; check the ID, or leave `snapshot-identifier` empty to wait for the snapshots this run started",
                rds.region()
            ),
        }
    }
    Ok(found)
}

/// The snapshots this action made in this run (its run-id tag), of the DBs
/// named if any are.
async fn this_run(plan: &WaitPlan, rds: &Rds) -> anyhow::Result<Vec<Snapshot>> {
    let run = plan.run_id.as_deref().unwrap_or_default();
    let candidates = if plan.dbs.is_empty() {
        let mut all = rds.all_manual_snapshots().await?;
        all.extend(rds.all_manual_cluster_snapshots().await?);
        all
    } else {
        let mut all = Vec::new();
        for db in &plan.dbs {
            all.extend(db::snapshots_of(rds, db).await?);
        }
        all
    };
    let found: Vec<Snapshot> = candidates
        .into_iter()
        .filter(|snapshot| provenance::snapshot(snapshot, SnapshotClaim::OfRun { run }).is_ok())
        .collect();
    if found.is_empty() {
        bail!(
            "found no snapshot made by this action in run `{run}`{} in region {}; start them earlier in this run with `mode: snapshot` and `wait: false`, or name them in `snapshot-identifier`",
            match plan.dbs.as_slice() {
                [] => String::new(),
                dbs => format!(
                    " of {}",
                    dbs.iter()
                        .map(|db| format!("`{}`", db.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            rds.region()
        );
    }
    Ok(found)
}
