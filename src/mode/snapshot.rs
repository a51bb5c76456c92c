//! `mode: snapshot`: a manual snapshot of a DB instance before a deploy,
//! named after the deploy and the run, so that a re-run adopts it.

use anyhow::{Context as _, bail};
use tracing::info;

use super::{console_url, owned};
use crate::config::{SnapshotPlan, Wait};
use crate::github::{Outputs, shown};
use crate::rds::{Rds, RdsError, Snapshot};
use crate::wait::{self, Kind, Verdict};

pub async fn run(
    plan: &SnapshotPlan,
    wait: Wait,
    rds: &Rds,
    out: &mut Outputs,
) -> anyhow::Result<()> {
    out.set("snapshot-identifier", plan.snapshot_id.clone());
    out.set("db-instance-identifier", plan.db.clone());
    let snapshot = match rds.snapshot(&plan.snapshot_id).await? {
        Some(existing) => adopt(existing, plan)?,
        None => create(plan, rds).await?,
    };
    out.set("snapshot-arn", snapshot.arn.clone());
    out.set("status", snapshot.status.clone());
    info!(
        "console: {}",
        console_url(rds.region(), "db-snapshot", &snapshot.id)
    );
    if !wait.enabled {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(&snapshot.status)
        );
        return Ok(());
    }
    let what = format!("snapshot `{}`", snapshot.id);
    let done = wait::until_available(&what, Kind::Snapshot, wait.timeout, || {
        rds.snapshot(&plan.snapshot_id)
    })
    .await
    .with_context(|| {
        format!(
            "waiting for snapshot `{}` of `{}`",
            plan.snapshot_id, plan.db
        )
    })?;
    out.set("status", done.status);
    Ok(())
}

async fn create(plan: &SnapshotPlan, rds: &Rds) -> anyhow::Result<Snapshot> {
    let db = rds
        .existing_instance(&plan.db)
        .await
        .map_err(|error| match error {
            RdsError::NotFound { .. } => anyhow::anyhow!(
                "{error}; check input `db-instance-identifier` and the region (input `aws-region`)"
            ),
            error => error.into(),
        })?;
    if let Verdict::Failed(reason) = wait::verdict(Kind::Instance, Some(&wait::Observed::seen(&db)))
    {
        bail!(
            "DB instance `{}` cannot be snapshotted: {reason}; fix the instance in the RDS console and re-run",
            db.id
        );
    }
    info!(
        "creating snapshot `{}` of DB instance `{}` ({})",
        plan.snapshot_id,
        plan.db,
        shown(&db.status)
    );
    match rds
        .create_snapshot(&plan.db, &plan.snapshot_id, &plan.tags)
        .await
    {
        Ok(snapshot) => Ok(snapshot),
        // Another attempt of the same run got there first.
        Err(RdsError::AlreadyExists { .. }) => {
            adopt(rds.existing_snapshot(&plan.snapshot_id).await?, plan)
        }
        Err(RdsError::InvalidState { message, .. }) => bail!(
            "DB instance `{}` cannot be snapshotted while it is `{}` ({message}); wait until it is `available` and re-run",
            plan.db,
            db.status
        ),
        Err(error) => Err(error)
            .with_context(|| format!("creating snapshot `{}` of `{}`", plan.snapshot_id, plan.db)),
    }
}

/// Takes over a snapshot that already has this step's ID, if this action
/// made it of the same DB: a re-run of the job, or a retried step.
fn adopt(existing: Snapshot, plan: &SnapshotPlan) -> anyhow::Result<Snapshot> {
    if !owned(&existing.tags) || existing.source_db != plan.db {
        bail!(
            "snapshot `{}` already exists, but it is a snapshot of {} {}; nothing was changed. Set input `snapshot-identifier` to a new ID",
            existing.id,
            shown(&existing.source_db),
            if owned(&existing.tags) {
                "made by this action"
            } else {
                "that this action did not make"
            }
        );
    }
    info!(
        "snapshot `{}` already exists from an earlier attempt of this run ({}); adopting it",
        existing.id,
        shown(&existing.status)
    );
    Ok(existing)
}
