//! `mode: delete`: deletes one snapshot, only if this action made it.

use anyhow::bail;
use tracing::info;

use crate::db;
use crate::github::{Report, Table, shown};
use crate::model::{DbRef, rfc3339};
use crate::provenance::{self, SnapshotClaim};
use crate::rds::Rds;
use crate::retention::json_ids;
use crate::seal;

pub async fn run(
    id: &str,
    source: Option<&DbRef>,
    rerun: bool,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<()> {
    out.set("snapshot-identifier", id.to_owned());
    let resolved = match source {
        Some(source) => Some(super::as_cluster_if_member(rds, source, out).await?),
        None => None,
    };
    let source = resolved.as_ref();
    let db = source.map(|source| source.id.as_str());
    let Some(snapshot) = db::any_snapshot(rds, source.map(|source| source.kind), id).await? else {
        if !rerun {
            // On a run's first attempt, a missing snapshot is a typo, and
            // reporting `deleted` would hide it.
            bail!(
                "snapshot `{id}` (input `snapshot-identifier`) does not exist in region {}; nothing was deleted. Check the ID (`mode: list` shows this action's snapshots) and the region",
                rds.region()
            );
        }
        // A re-run after the deletion went through lands here: the snapshot
        // is gone, which is what was asked.
        out.warn(format!(
            "snapshot `{id}` does not exist in region {}; nothing to delete (if this is a re-run, the first attempt deleted it)",
            rds.region()
        ));
        out.set_json("deleted", json_ids(&[]));
        out.set("status", "deleted");
        out.tables.push(table(
            id,
            vec![
                String::new(),
                String::new(),
                String::new(),
                "already gone (deleted by the first attempt of this run)".to_owned(),
            ],
        ));
        return Ok(());
    };
    provenance::snapshot(&snapshot, SnapshotClaim::Delete { db })?;
    provenance::sealed(id, "snapshot", seal::check_snapshot(rds, &snapshot).await?)?;
    if !matches!(snapshot.status.as_str(), "available" | "failed") {
        bail!(
            "snapshot `{id}` is `{}`; wait until it is `available`, then delete it",
            snapshot.status
        );
    }
    rds.check(
        format!("snapshot `{id}` can be deleted"),
        format!(
            "yes: this action made it of `{}`, and it is `{}`",
            snapshot.source_db, snapshot.status
        ),
    );
    info!(
        "deleting snapshot `{id}` of {} ({})",
        shown(&snapshot.source_db),
        shown(&snapshot.status)
    );
    db::delete_snapshot(rds, snapshot.of, id).await?;
    out.set_json("deleted", json_ids(&[id.to_owned()]));
    out.set("status", "deleted");
    out.tables.push(table(
        id,
        vec![
            snapshot.source_db.clone(),
            snapshot.created.map(rfc3339).unwrap_or_default(),
            provenance::deploy_version(&snapshot.tags)
                .unwrap_or_default()
                .to_owned(),
            "deleted".to_owned(),
        ],
    ));
    Ok(())
}

/// The job summary's table: the one snapshot, and what became of it.
fn table(id: &str, rest: Vec<String>) -> Table {
    let mut row = vec![id.to_owned()];
    row.extend(rest);
    Table {
        title: "Deleted snapshot".to_owned(),
        headers: vec!["snapshot", "of DB", "created", "deploy version", "result"],
        rows: vec![row],
    }
}
