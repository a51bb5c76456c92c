//! What this action knows of an RDS resource: the few facts the modes need,
//! converted from the SDK's shapes in [`super::convert`].

use chrono::{DateTime, Utc};

use crate::model::{Kind, Tag};
use crate::settings::Settings;

/// A DB instance, as far as this action cares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub endpoint: Option<String>,
    pub port: Option<i32>,
    pub created: Option<DateTime<Utc>>,
    pub latest_restorable: Option<DateTime<Utc>>,
    pub backup_retention_days: i32,
    pub tags: Vec<Tag>,
    /// The settings a rollback copy carries over (see [`crate::settings`]).
    pub settings: Settings,
    /// The VPC of its DB subnet group.
    pub vpc_id: Option<String>,
    pub engine: String,
    pub engine_version: Option<String>,
    /// The Aurora cluster it belongs to, if it is a cluster member.
    pub cluster_id: Option<String>,
    /// The new name of a rename RDS has accepted but not finished
    /// (`PendingModifiedValues.DBInstanceIdentifier`).
    pub renaming_to: Option<String>,
    /// Its read replicas, and the DB it is a read replica of.
    pub replicas: Vec<String>,
    pub replica_of: Option<String>,
    /// Allocated storage, in GiB.
    pub size_gib: Option<i32>,
    /// The database made when it was created (`DBName`), if any.
    pub db_name: Option<String>,
}

/// An Aurora DB cluster, as far as this action cares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cluster {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub engine: String,
    pub engine_version: Option<String>,
    /// The database made when it was created (`DatabaseName`), if any.
    pub db_name: Option<String>,
    /// The writer endpoint.
    pub endpoint: Option<String>,
    pub reader_endpoint: Option<String>,
    pub port: Option<i32>,
    pub created: Option<DateTime<Utc>>,
    pub earliest_restorable: Option<DateTime<Utc>>,
    pub latest_restorable: Option<DateTime<Utc>>,
    pub backup_retention_days: i32,
    pub tags: Vec<Tag>,
    /// The settings a rollback copy carries over (see [`crate::settings`]).
    pub settings: Settings,
    pub subnet_group: Option<String>,
    /// The VPC of its DB subnet group; DescribeDBClusters does not report
    /// it, so [`crate::db::describe`] fills it in.
    pub vpc_id: Option<String>,
    /// Its DB instances, the writer first.
    pub members: Vec<Member>,
    /// `BacktrackWindow` in seconds; 0 or `None`: Backtrack is off.
    pub backtrack_window: Option<i64>,
    pub earliest_backtrack: Option<DateTime<Utc>>,
    /// Binary log replication it takes part in: the cluster it replicates
    /// from, and the replicas that replicate from it.
    pub replication: Vec<String>,
    /// The new name of a rename RDS has accepted but not finished
    /// (`PendingModifiedValues.DBClusterIdentifier`).
    pub renaming_to: Option<String>,
}

/// A DB instance of a cluster, as the cluster lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub writer: bool,
}

impl Cluster {
    /// The writer's identifier, if the cluster has one.
    pub fn writer(&self) -> Option<&str> {
        self.members
            .iter()
            .find(|member| member.writer)
            .map(|member| member.id.as_str())
    }
}

/// What a restore asks for: the new instance's name, its settings, and
/// every tag it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDb<'a> {
    pub id: &'a str,
    pub settings: &'a Settings,
    pub tags: &'a [Tag],
}

/// A manual DB snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub source_db: String,
    /// When its data was taken: `OriginalSnapshotCreateTime` where RDS
    /// gives one (a copy keeps its source's), else `SnapshotCreateTime`
    /// (which, for a copy, is when the copy was made). Ordering by it keeps
    /// a same-region copy from becoming `latest`.
    pub created: Option<DateTime<Utc>>,
    pub percent: Option<i32>,
    pub tags: Vec<Tag>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// Allocated storage, in GiB.
    pub size_gib: Option<i32>,
    /// The VPC the snapshot's instance was in, as the snapshot records it.
    pub vpc_id: Option<String>,
    /// `SnapshotType`: `manual`, `automated`, `shared`, `public`, ...
    pub kind: String,
    /// A snapshot of a DB instance, or of an Aurora DB cluster.
    pub of: Kind,
    /// The engine of the DB it was taken of (a cluster restore needs it).
    pub engine: Option<String>,
    /// The engine version it restores (the DB's when it was taken).
    pub engine_version: Option<String>,
    /// The option group it records (DB snapshots only).
    pub option_group: Option<String>,
    /// `SourceDBSnapshotIdentifier`: the ARN this snapshot was copied from.
    /// AWS fills it only for a cross-Region or cross-account copy
    /// (DBSnapshot in the API reference), so a same-Region copy's source is
    /// known only from our `copied-from` tag.
    pub copied_from: Option<String>,
}

/// A Backtrack of an Aurora MySQL cluster (DBClusterBacktrack).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backtrack {
    pub id: String,
    /// `pending`, `applying`, `completed` or `failed`.
    pub status: String,
    /// The time the cluster was (or is being) rewound to.
    pub to: Option<DateTime<Utc>>,
    /// The time it was rewound from.
    pub from: Option<DateTime<Utc>>,
    pub requested: Option<DateTime<Utc>>,
}

/// A Blue/Green deployment, as far as a rename cares: RDS refuses to rename
/// a DB that takes part in one (USER_BlueGreenDeployments.Considerations:
/// "You can't rename" the blue or green databases while a deployment
/// exists), and a rename would break its switchover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlueGreen {
    pub id: String,
    pub name: String,
    pub status: String,
    /// The ARNs of its blue (source) and green (target) DB.
    pub source: String,
    pub target: String,
}
