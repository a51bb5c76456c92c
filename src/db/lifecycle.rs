//! A DB's life as the restore and prune paths see it, for either kind:
//! restore one (from a snapshot, to a point in time, or as a clone), wait
//! until it is available after an operation (on that operation's schedule
//! and the user's `wait-timeout`), the restorable window a point in time
//! must fall in, and delete one.

use std::time::Duration;

use anyhow::bail;
use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{DbRef, Kind, RestoreTime};
use crate::rds::{NewDb, Rds, RdsError};
use crate::wait::{self, Operation, Verdict, WaitError};

use super::Db;

/// Where a restore's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A DB snapshot, or a DB cluster snapshot with the engine it records
    /// (RestoreDBClusterFromSnapshot requires it).
    Snapshot { id: String, engine: String },
    /// The source DB's backups at a time; for Aurora, `clone` restores
    /// copy-on-write (a clone) instead of a full copy.
    PointInTime {
        db: String,
        time: RestoreTime,
        clone: bool,
    },
}

/// Starts a restore into a new DB of `kind`, as `new` says.
pub async fn restore(
    rds: &Rds,
    kind: Kind,
    source: &Source,
    new: &NewDb<'_>,
) -> Result<Db, RdsError> {
    let accepted = match (kind, source) {
        (Kind::Instance, Source::Snapshot { id, .. }) => {
            rds.restore_from_snapshot(id, new).await.map(Db::Instance)
        }
        (Kind::Cluster, Source::Snapshot { id, engine }) => rds
            .restore_cluster_from_snapshot(id, engine, new)
            .await
            .map(Db::Cluster),
        (Kind::Instance, Source::PointInTime { db, time, .. }) => {
            rds.restore_to_time(db, *time, new).await.map(Db::Instance)
        }
        (Kind::Cluster, Source::PointInTime { db, time, clone }) => rds
            .restore_cluster_to_time(db, *time, *clone, new)
            .await
            .map(Db::Cluster),
    };
    if accepted.is_ok() {
        crate::timeline::mark("restore accepted");
    }
    accepted
}

/// Looks at a DB until it is available after `operation`, fails, or
/// `timeout` (the user's `wait-timeout`) passes; the operation sets the
/// schedule of the looks, and `first` is the answer of the call that
/// started it where that answer shows its state (a restore's does; a
/// modify's still shows the DB as it was). A cluster's VPC is not looked
/// up on each look (see [`with_vpc`]).
pub async fn until_available(
    rds: &Rds,
    db: &DbRef,
    operation: Operation,
    timeout: Duration,
    first: Option<Db>,
) -> Result<Db, WaitError> {
    let what = db.to_string();
    if rds.is_planning() {
        // A plan does not wait: it notes the wait, and goes on with the DB
        // as it is now (a planned change does not show in AWS).
        rds.check(
            format!("wait for {what}"),
            format!(
                "the run waits up to {} until it is available",
                wait::human(timeout)
            ),
        );
        // What this plan makes reads as the run's wait would leave it.
        if rds.is_planned(&db.id)
            && let Some(planned) = look(rds, db).await?
        {
            return Ok(planned);
        }
        if let Some(first) = first {
            return Ok(first);
        }
        if let Some(now) = look(rds, db).await? {
            return Ok(now);
        }
    }
    wait::until_available(&what, operation, timeout, first, || look(rds, db)).await
}

async fn look(rds: &Rds, db: &DbRef) -> Result<Option<Db>, RdsError> {
    Ok(match db.kind {
        Kind::Instance => rds.instance(&db.id).await?.map(Db::Instance),
        Kind::Cluster => rds.cluster(&db.id).await?.map(Db::Cluster),
    })
}

/// The DB with its VPC: DescribeDBClusters gives only a cluster's DB
/// subnet group, whose VPC is read once here rather than on every look.
pub async fn with_vpc(rds: &Rds, mut db: Db) -> Result<Db, RdsError> {
    if let Db::Cluster(cluster) = &mut db
        && cluster.vpc_id.is_none()
        && let Some(group) = &cluster.subnet_group
    {
        cluster.vpc_id = rds.subnet_group_vpc(group).await?;
    }
    Ok(db)
}

/// The source's restorable window. A cluster reports its own
/// `EarliestRestorableTime` and `LatestRestorableTime`; an instance's
/// starts at the automated backups' restore window where RDS reports one,
/// else at what the retention period and its creation time allow, and
/// ends at `LatestRestorableTime`.
pub async fn window(rds: &Rds, source: &Db) -> anyhow::Result<(DateTime<Utc>, DateTime<Utc>)> {
    let source = match source {
        Db::Cluster(cluster) => {
            let (Some(earliest), Some(latest)) =
                (cluster.earliest_restorable, cluster.latest_restorable)
            else {
                bail!(
                    "DB cluster `{}` reports no restorable window yet (RDS has not finished its first backup); use `mode: restore` with a cluster snapshot, or try again later",
                    cluster.id
                );
            };
            return Ok((earliest, latest));
        }
        Db::Instance(instance) => instance,
    };
    if source.backup_retention_days <= 0 {
        bail!(
            "DB instance `{}` has automated backups turned off (backup retention 0 days), so it cannot be restored to a point in time; use `mode: restore` with a snapshot, or turn on backups for the future",
            source.id
        );
    }
    let Some(latest) = source.latest_restorable else {
        bail!(
            "DB instance `{}` has no restorable time yet (RDS has not finished its first automated backup); use `mode: restore` with a snapshot, or try again later",
            source.id
        );
    };
    let earliest = match rds.restore_window(&source.id).await? {
        Some((earliest, _)) => earliest,
        None => {
            let retained = latest - TimeDelta::days(i64::from(source.backup_retention_days));
            source
                .created
                .map_or(retained, |created| created.max(retained))
        }
    };
    Ok((earliest, latest))
}

/// Deletes a DB after a final snapshot (`None`: without one, for a
/// drill's scratch copy of data that is still in its snapshot). It is
/// first made fit for one (see [`ready_to_delete`], within `timeout`, the
/// step's `wait-timeout`). A cluster's instances go first, as
/// DeleteDBCluster requires: by the cluster's own list of them, and one
/// already being deleted is no failure.
pub async fn delete(
    rds: &Rds,
    db: &Db,
    final_snapshot: Option<&str>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let db = ready_to_delete(rds, db, timeout).await?;
    match &db {
        Db::Instance(instance) => {
            rds.delete_instance(&instance.id, final_snapshot).await?;
        }
        Db::Cluster(cluster) => {
            // Aurora instances take no final snapshot of their own: the
            // cluster's is the data ("This setting doesn't apply to Amazon
            // Aurora DB instances", API DeleteDBInstance).
            for member in &cluster.members {
                match rds.delete_instance(&member.id, None).await {
                    Ok(()) | Err(RdsError::InvalidState { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            rds.delete_cluster(&cluster.id, final_snapshot).await?;
        }
    }
    Ok(())
}

/// Looks at a DB being deleted until RDS no longer lists it, or `timeout`
/// passes. Deleting takes minutes; the pause grows with the time waited
/// ([`gone_pause`]).
pub async fn until_gone(rds: &Rds, db: &DbRef, timeout: Duration) -> anyhow::Result<()> {
    let floor = wait::min_pause(std::env::var(wait::MIN_POLL_ENV).ok().as_deref())
        .map_err(|problem| anyhow::anyhow!(problem))?;
    let start = tokio::time::Instant::now();
    if rds.is_planning() {
        rds.check(
            format!("wait for {db} to be deleted"),
            format!("the run waits up to {}", wait::human(timeout)),
        );
        return Ok(());
    }
    tracing::info!("waiting until {db} is deleted");
    loop {
        let Some(found) = look(rds, db).await? else {
            tracing::info!("{db} is deleted");
            return Ok(());
        };
        let elapsed = start.elapsed();
        if elapsed >= timeout {
            bail!(
                "{db} is still `{}` after {}; RDS goes on deleting it: check it in the console, or re-run this step to wait again",
                found.status(),
                wait::human(elapsed)
            );
        }
        tokio::time::sleep(gone_pause(elapsed, floor).min(timeout - elapsed)).await;
    }
}

/// The pause before the next look at a DB being deleted: a tenth of the
/// time waited so far, from the floor up to 30 seconds.
fn gone_pause(elapsed: Duration, floor: Duration) -> Duration {
    (elapsed / 10).clamp(floor, Duration::from_secs(30).max(floor))
}

/// What a delete with a final snapshot must wait for first, from the DB's
/// status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BeforeDelete {
    /// Delete now.
    Nothing,
    /// Busy (`backing-up`, `modifying`, `starting`, ...): AWS refuses a
    /// final snapshot until it is available again (USER_DeleteInstance:
    /// the final snapshot is a snapshot, which needs the DB `available`).
    WaitAvailable,
    /// A stopped Aurora cluster: its instances cannot be removed while it
    /// is stopped ("you also can't add or remove DB instances", Aurora
    /// user guide, aurora-cluster-stop-start), so it is started first.
    Start,
    /// Stopping: it can be neither started nor emptied until it is stopped.
    Refuse,
}

fn before_delete(kind: Kind, status: &str) -> BeforeDelete {
    match (kind, status) {
        (Kind::Cluster, "stopped") => BeforeDelete::Start,
        (Kind::Cluster, "stopping") | (Kind::Instance, "stopping") => BeforeDelete::Refuse,
        // RDS deletes a stopped instance, final snapshot included.
        (Kind::Instance, "stopped") => BeforeDelete::Nothing,
        // Only whether it is pending counts here, so no ARN is needed.
        _ => match super::state::verdict(kind, status, "") {
            Verdict::Pending => BeforeDelete::WaitAvailable,
            // Available, or a state it never leaves: AWS answers the delete.
            Verdict::Available | Verdict::Failed(_) => BeforeDelete::Nothing,
        },
    }
}

/// The DB as it is when a delete with a final snapshot can go ahead: a busy
/// one waited for, a stopped cluster started (and waited for). Deleting a
/// DB this action replaced is cleaning up what it owns, so it does what the
/// user would do by hand rather than fail half way, with its instances
/// gone and the cluster left.
pub async fn ready_to_delete(rds: &Rds, db: &Db, timeout: Duration) -> anyhow::Result<Db> {
    let reference = db.reference();
    let operation = Operation::Modify(reference.kind);
    // The DB as just described is the first look of a wait for a busy one;
    // StartDBCluster's answer is not kept, so that wait looks afresh.
    let mut first = Some(db.clone());
    match before_delete(reference.kind, db.status()) {
        BeforeDelete::Nothing => return Ok(db.clone()),
        BeforeDelete::Refuse => bail!(
            "{reference} is `{}`; it can be deleted once it is stopped: re-run this step then",
            db.status()
        ),
        BeforeDelete::Start => {
            first = None;
            tracing::info!("starting {reference}, which is stopped, to delete it");
            match rds.start_cluster(&reference.id).await {
                // Started by someone (or an earlier try) meanwhile.
                Ok(()) | Err(RdsError::InvalidState { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        BeforeDelete::WaitAvailable => {
            tracing::info!(
                "{reference} is `{}`; waiting until it is available to delete it after a final snapshot",
                db.status()
            );
        }
    }
    // Starting a cluster takes minutes, as a modify does.
    Ok(until_available(rds, &reference, operation, timeout, first).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: members of a stopped cluster could not be deleted
    // (InvalidDBClusterStateFault, ignored), so DeleteDBCluster failed.
    #[test]
    fn the_look_at_a_deleting_db_slows_down_to_30_seconds() {
        let floor = Duration::from_secs(2);
        assert_eq!(gone_pause(Duration::ZERO, floor), floor);
        assert_eq!(
            gone_pause(Duration::from_secs(100), floor),
            Duration::from_secs(10)
        );
        assert_eq!(
            gone_pause(Duration::from_secs(3600), floor),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn a_stopped_cluster_is_started_and_a_busy_db_waited_for_before_its_final_snapshot() {
        assert_eq!(before_delete(Kind::Cluster, "stopped"), BeforeDelete::Start);
        assert_eq!(
            before_delete(Kind::Cluster, "stopping"),
            BeforeDelete::Refuse
        );
        assert_eq!(
            before_delete(Kind::Instance, "stopped"),
            BeforeDelete::Nothing
        );
        for busy in ["backing-up", "modifying", "creating", "starting"] {
            assert_eq!(
                before_delete(Kind::Instance, busy),
                BeforeDelete::WaitAvailable,
                "{busy}"
            );
        }
        assert_eq!(
            before_delete(Kind::Cluster, "backing-up"),
            BeforeDelete::WaitAvailable
        );
        assert_eq!(
            before_delete(Kind::Instance, "available"),
            BeforeDelete::Nothing
        );
        assert_eq!(
            before_delete(Kind::Instance, "failed"),
            BeforeDelete::Nothing
        );
    }
}
