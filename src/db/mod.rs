//! "Instance or cluster": the one layer that knows which, so that a mode is
//! written once for an RDS DB instance and an Aurora DB cluster.
//!
//! RDS has two sets of calls (`DescribeDBInstances` and
//! `DescribeDBClusters`, `CreateDBSnapshot` and `CreateDBClusterSnapshot`,
//! ...) with the same meaning. [`Kind`] says which set a DB belongs to, and
//! the functions here pick the call; the modes branch on it only where the
//! two really differ (Backtrack, a restored cluster's instances, an
//! instance that is a cluster's member).
//!
//! - this file: [`Db`], describing, snapshots of a DB, modify, rename, protect;
//! - [`lifecycle`]: restore, wait until available after an operation, the
//!   restorable window, delete;
//! - [`state`]: what a status means to a wait (the failure states);
//! - [`facts`]: what differs by kind (output names, snapshottable states).

mod facts;
pub mod lifecycle;
pub mod state;

pub use facts::console_url;
pub use lifecycle::{
    Source, delete, ready_to_delete, restore, until_available, until_gone, window, with_vpc,
};

use chrono::{DateTime, Utc};

use crate::model::{DbRef, Kind, Tag};

use crate::rds::{Cluster, Instance, Rds, RdsError, Snapshot};
use crate::settings::Settings;

/// A DB as RDS describes it: an instance or a cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Db {
    Instance(Instance),
    Cluster(Cluster),
}

impl Db {
    pub fn kind(&self) -> Kind {
        match self {
            Db::Instance(_) => Kind::Instance,
            Db::Cluster(_) => Kind::Cluster,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Db::Instance(db) => &db.id,
            Db::Cluster(db) => &db.id,
        }
    }

    pub fn status(&self) -> &str {
        match self {
            Db::Instance(db) => &db.status,
            Db::Cluster(db) => &db.status,
        }
    }

    pub fn tags(&self) -> &[Tag] {
        match self {
            Db::Instance(db) => &db.tags,
            Db::Cluster(db) => &db.tags,
        }
    }

    pub fn created(&self) -> Option<DateTime<Utc>> {
        match self {
            Db::Instance(db) => db.created,
            Db::Cluster(db) => db.created,
        }
    }

    /// The settings a rollback copy carries (see [`crate::settings`]).
    pub fn settings(&self) -> &Settings {
        match self {
            Db::Instance(db) => &db.settings,
            Db::Cluster(db) => &db.settings,
        }
    }

    /// Its engine (`postgres`, `aurora-mysql`, ...).
    pub fn engine(&self) -> &str {
        match self {
            Db::Instance(db) => &db.engine,
            Db::Cluster(db) => &db.engine,
        }
    }

    /// The engine version it runs.
    pub fn engine_version(&self) -> Option<&str> {
        match self {
            Db::Instance(db) => db.engine_version.as_deref(),
            Db::Cluster(db) => db.engine_version.as_deref(),
        }
    }

    /// The VPC of its DB subnet group.
    pub fn vpc_id(&self) -> Option<&str> {
        match self {
            Db::Instance(db) => db.vpc_id.as_deref(),
            Db::Cluster(db) => db.vpc_id.as_deref(),
        }
    }

    /// The address the application connects to: an instance's endpoint, a
    /// cluster's writer endpoint.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Db::Instance(db) => db.endpoint.as_deref(),
            Db::Cluster(db) => db.endpoint.as_deref(),
        }
    }

    pub fn port(&self) -> Option<i32> {
        match self {
            Db::Instance(db) => db.port,
            Db::Cluster(db) => db.port,
        }
    }

    /// The database made with it (`DBName`, `DatabaseName`), if any.
    pub fn db_name(&self) -> Option<&str> {
        match self {
            Db::Instance(db) => db.db_name.as_deref(),
            Db::Cluster(db) => db.db_name.as_deref(),
        }
    }

    pub fn arn(&self) -> &str {
        match self {
            Db::Instance(db) => &db.arn,
            Db::Cluster(db) => &db.arn,
        }
    }

    /// The new name of a rename RDS has accepted and not finished.
    pub fn renaming_to(&self) -> Option<&str> {
        match self {
            Db::Instance(db) => db.renaming_to.as_deref(),
            Db::Cluster(db) => db.renaming_to.as_deref(),
        }
    }

    /// The cluster, where it is one: for what only a cluster has (its
    /// instances, its reader endpoint).
    pub fn as_cluster(&self) -> Option<&Cluster> {
        match self {
            Db::Cluster(cluster) => Some(cluster),
            Db::Instance(_) => None,
        }
    }

    /// The instance, where it is one (its read replicas, the cluster it is
    /// a member of).
    pub fn as_instance(&self) -> Option<&Instance> {
        match self {
            Db::Instance(instance) => Some(instance),
            Db::Cluster(_) => None,
        }
    }

    /// The cluster, owned, where it is one.
    pub fn into_cluster(self) -> Option<Cluster> {
        match self {
            Db::Cluster(cluster) => Some(cluster),
            Db::Instance(_) => None,
        }
    }

    pub fn reference(&self) -> DbRef {
        DbRef {
            kind: self.kind(),
            id: self.id().to_owned(),
        }
    }
}

impl From<Instance> for Db {
    fn from(instance: Instance) -> Db {
        Db::Instance(instance)
    }
}

impl From<Cluster> for Db {
    fn from(cluster: Cluster) -> Db {
        Db::Cluster(cluster)
    }
}

/// The DB, or `None` if there is none of that kind by that name. A
/// cluster's VPC is read from its DB subnet group (DescribeDBClusters gives
/// only the group's name).
pub async fn describe(rds: &Rds, db: &DbRef) -> Result<Option<Db>, RdsError> {
    Ok(match db.kind {
        Kind::Instance => rds.instance(&db.id).await?.map(Db::Instance),
        Kind::Cluster => match rds.cluster(&db.id).await? {
            Some(mut cluster) => {
                if let Some(group) = &cluster.subnet_group {
                    cluster.vpc_id = rds.subnet_group_vpc(group).await?;
                }
                Some(Db::Cluster(cluster))
            }
            None => None,
        },
    })
}

/// The DBs named, each of its kind, in the order asked (`None` for one RDS
/// does not list): one `DescribeDBInstances` and one `DescribeDBClusters`
/// with the IDs as a filter, whatever their number; one of a kind is
/// looked up by its identifier. Unlike [`describe`], a cluster's VPC is not
/// read (no caller of this needs it).
pub async fn describe_many(rds: &Rds, wanted: &[DbRef]) -> Result<Vec<Option<Db>>, RdsError> {
    let mut found: Vec<Db> = Vec::new();
    for kind in [Kind::Instance, Kind::Cluster] {
        let ids: Vec<String> = wanted
            .iter()
            .filter(|db| db.kind == kind)
            .map(|db| db.id.clone())
            .collect();
        match (kind, ids.as_slice()) {
            (_, []) => {}
            (Kind::Instance, [one]) => found.extend(rds.instance(one).await?.map(Db::Instance)),
            (Kind::Cluster, [one]) => found.extend(rds.cluster(one).await?.map(Db::Cluster)),
            (Kind::Instance, _) => found.extend(
                rds.instances_with_ids(&ids)
                    .await?
                    .into_iter()
                    .map(Db::Instance),
            ),
            (Kind::Cluster, _) => found.extend(
                rds.clusters_with_ids(&ids)
                    .await?
                    .into_iter()
                    .map(Db::Cluster),
            ),
        }
    }
    Ok(wanted
        .iter()
        .map(|db| {
            found
                .iter()
                .find(|d| d.kind() == db.kind && d.id().eq_ignore_ascii_case(&db.id))
                .cloned()
        })
        .collect())
}

/// A snapshot of a DB of this kind, or `None`.
pub async fn snapshot(rds: &Rds, kind: Kind, id: &str) -> Result<Option<Snapshot>, RdsError> {
    match kind {
        Kind::Instance => rds.snapshot(id).await,
        Kind::Cluster => rds.cluster_snapshot(id).await,
    }
}

/// A snapshot by ID when the inputs do not say which kind it is: a DB
/// snapshot, else a DB cluster snapshot of that name.
pub async fn any_snapshot(
    rds: &Rds,
    kind: Option<Kind>,
    id: &str,
) -> Result<Option<Snapshot>, RdsError> {
    if let Some(kind) = kind {
        return snapshot(rds, kind, id).await;
    }
    match rds.snapshot(id).await? {
        Some(found) => Ok(Some(found)),
        None => rds.cluster_snapshot(id).await,
    }
}

/// The snapshots with these IDs, each of its kind, in the order asked
/// (`None` for one RDS does not list): one `DescribeDBSnapshots` and one
/// `DescribeDBClusterSnapshots` with the IDs as a filter, whatever their
/// number (in filters of at most [`Rds::FILTER_VALUES`] values).
pub async fn snapshots_by_ids(
    rds: &Rds,
    wanted: &[(Kind, String)],
) -> Result<Vec<Option<Snapshot>>, RdsError> {
    let mut found: Vec<Snapshot> = Vec::new();
    for kind in [Kind::Instance, Kind::Cluster] {
        let ids: Vec<String> = wanted
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        // One is looked up by its identifier, as everywhere else; several
        // by a filter.
        found.extend(match (kind, ids.as_slice()) {
            (kind, [one]) => snapshot(rds, kind, one).await?.into_iter().collect(),
            (Kind::Instance, _) => rds.snapshots_with_ids(&ids).await?,
            (Kind::Cluster, _) => rds.cluster_snapshots_with_ids(&ids).await?,
        });
    }
    Ok(wanted
        .iter()
        .map(|(kind, id)| {
            found
                .iter()
                .find(|s| s.of == *kind && s.id.eq_ignore_ascii_case(id))
                .cloned()
        })
        .collect())
}

/// Every manual snapshot of a DB, across all result pages.
pub async fn snapshots_of(rds: &Rds, db: &DbRef) -> Result<Vec<Snapshot>, RdsError> {
    match db.kind {
        Kind::Instance => rds.snapshots_of(&db.id).await,
        Kind::Cluster => rds.cluster_snapshots_of(&db.id).await,
    }
}

pub async fn create_snapshot(
    rds: &Rds,
    db: &DbRef,
    id: &str,
    tags: &[Tag],
) -> Result<Snapshot, RdsError> {
    match db.kind {
        Kind::Instance => rds.create_snapshot(&db.id, id, tags).await,
        Kind::Cluster => rds.create_cluster_snapshot(&db.id, id, tags).await,
    }
}

/// One modify call, applied at once, with the settings no restore call
/// takes (see [`Rds::modify_instance`], [`Rds::modify_cluster`]).
pub async fn modify(rds: &Rds, db: &DbRef, changes: &Settings) -> Result<(), RdsError> {
    match db.kind {
        Kind::Instance => rds.modify_instance(&db.id, changes).await.map(drop),
        Kind::Cluster => rds.modify_cluster(&db.id, changes).await.map(drop),
    }
}

/// Deletes a snapshot; `None` if it was already gone.
pub async fn delete_snapshot(
    rds: &Rds,
    kind: Kind,
    id: &str,
) -> Result<Option<Snapshot>, RdsError> {
    match kind {
        Kind::Instance => rds.delete_snapshot(id).await,
        Kind::Cluster => rds.delete_cluster_snapshot(id).await,
    }
}

/// Copies a snapshot into `rds`'s region (see [`Rds::copy_snapshot`]).
pub async fn copy_snapshot(
    rds: &Rds,
    kind: Kind,
    source: &str,
    target_id: &str,
    kms_key_id: Option<&str>,
    tags: &[Tag],
) -> Result<Snapshot, RdsError> {
    match kind {
        Kind::Instance => rds.copy_snapshot(source, target_id, kms_key_id, tags).await,
        Kind::Cluster => {
            rds.copy_cluster_snapshot(source, target_id, kms_key_id, tags)
                .await
        }
    }
}

/// Lets other accounts restore or copy a snapshot.
pub async fn share_snapshot(
    rds: &Rds,
    kind: Kind,
    id: &str,
    accounts: &[String],
) -> Result<(), RdsError> {
    match kind {
        Kind::Instance => rds.share_snapshot(id, accounts).await,
        Kind::Cluster => rds.share_cluster_snapshot(id, accounts).await,
    }
}

/// Renames a DB at once (see [`Rds::rename_instance`]).
pub async fn rename(rds: &Rds, db: &DbRef, new: &str) -> Result<(), RdsError> {
    match db.kind {
        Kind::Instance => rds.rename_instance(&db.id, new).await,
        Kind::Cluster => rds.rename_cluster(&db.id, new).await,
    }
}

/// Turns deletion protection on or off, at once.
pub async fn protect(rds: &Rds, db: &DbRef, on: bool) -> Result<(), RdsError> {
    match db.kind {
        Kind::Instance => rds.protect_instance(&db.id, on).await,
        Kind::Cluster => rds.protect_cluster(&db.id, on).await,
    }
}

/// Every DB of this kind in the region (cluster members are instances too).
pub async fn all(rds: &Rds, kind: Kind) -> Result<Vec<Db>, RdsError> {
    Ok(match kind {
        Kind::Instance => rds
            .all_instances()
            .await?
            .into_iter()
            .map(Db::Instance)
            .collect(),
        Kind::Cluster => rds
            .all_clusters()
            .await?
            .into_iter()
            .map(Db::Cluster)
            .collect(),
    })
}
