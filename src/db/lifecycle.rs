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
use crate::wait::{self, Operation, WaitError};

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
    match (kind, source) {
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
    }
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

/// Deletes a DB after a final snapshot. A cluster's instances go first, as
/// DeleteDBCluster requires: by the cluster's own list of them, and one
/// already being deleted is no failure.
pub async fn delete(rds: &Rds, db: &Db, final_snapshot: &str) -> Result<(), RdsError> {
    match db {
        Db::Instance(instance) => {
            rds.delete_instance(&instance.id, Some(final_snapshot))
                .await
        }
        Db::Cluster(cluster) => {
            for member in &cluster.members {
                match rds.delete_instance(&member.id, None).await {
                    Ok(()) | Err(RdsError::InvalidState { .. }) => {}
                    Err(error) => return Err(error),
                }
            }
            rds.delete_cluster(&cluster.id, final_snapshot).await
        }
    }
}
