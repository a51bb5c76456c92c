//! The carry-over: a rollback DB built like the one it replaces.
//!
//! RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime give a
//! new instance the default subnet group, the default VPC security group and
//! the default parameter and option groups unless the call names others, and
//! never Enhanced Monitoring or Performance Insights (botocore's RDS model,
//! RestoreDBInstanceFromDBSnapshotMessage and
//! RestoreDBInstanceToPointInTimeMessage; USER_RestoreFromSnapshot). So a
//! restore that names nothing lands where the app cannot reach it.
//!
//! Everything here is pure: [`plan`] turns the source's settings and the
//! inputs into the restore call's settings and the ones only
//! ModifyDBInstance can set; [`difference`] is the diff-only reconcile (no
//! difference, no call); [`drift`] is the table a person reads at 3 a.m.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::Kind;

/// A setting's value, as RDS reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Text(String),
    Flag(bool),
    Number(i32),
    /// Order does not matter (security groups, log types): kept sorted.
    List(Vec<String>),
}

impl Value {
    pub fn list(mut items: Vec<String>) -> Value {
        items.sort();
        items.dedup();
        Value::List(items)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(text) => f.write_str(text),
            Value::Flag(flag) => write!(f, "{flag}"),
            Value::Number(number) => write!(f, "{number}"),
            Value::List(items) if items.is_empty() => f.write_str("(none)"),
            Value::List(items) => f.write_str(&items.join(", ")),
        }
    }
}

/// Where a setting can be given when the new instance is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Both restore calls take it.
    Restore,
    /// Only RestoreDBInstanceToPointInTime takes it (MaxAllocatedStorage);
    /// after a snapshot restore it goes into the modify.
    PitrOnly,
    /// Neither restore call takes it: ModifyDBInstance once `available`.
    Modify,
}

/// A setting the carry-over knows: its name in the RDS API (and so in the
/// drift table), the input that overrides it, and where it can be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub input: Option<&'static str>,
    pub via: Via,
}

const fn field(name: &'static str, input: Option<&'static str>, via: Via) -> Field {
    Field { name, input, via }
}

pub const DB_INSTANCE_CLASS: &str = "DBInstanceClass";
pub const DB_SUBNET_GROUP: &str = "DBSubnetGroupName";
pub const VPC_SECURITY_GROUPS: &str = "VpcSecurityGroupIds";
pub const DB_PARAMETER_GROUP: &str = "DBParameterGroupName";
pub const OPTION_GROUP: &str = "OptionGroupName";
pub const MULTI_AZ: &str = "MultiAZ";
pub const PUBLICLY_ACCESSIBLE: &str = "PubliclyAccessible";
pub const IAM_AUTH: &str = "EnableIAMDatabaseAuthentication";
pub const LOG_EXPORTS: &str = "EnableCloudwatchLogsExports";
pub const COPY_TAGS: &str = "CopyTagsToSnapshot";
pub const MAX_ALLOCATED_STORAGE: &str = "MaxAllocatedStorage";
pub const CA_CERTIFICATE: &str = "CACertificateIdentifier";
pub const BACKUP_RETENTION: &str = "BackupRetentionPeriod";
pub const BACKUP_WINDOW: &str = "PreferredBackupWindow";
pub const MAINTENANCE_WINDOW: &str = "PreferredMaintenanceWindow";
pub const DELETION_PROTECTION: &str = "DeletionProtection";
pub const MONITORING_INTERVAL: &str = "MonitoringInterval";
pub const MONITORING_ROLE: &str = "MonitoringRoleArn";
pub const PERFORMANCE_INSIGHTS: &str = "EnablePerformanceInsights";
pub const PI_KMS_KEY: &str = "PerformanceInsightsKMSKeyId";
pub const PI_RETENTION: &str = "PerformanceInsightsRetentionPeriod";
pub const DATABASE_INSIGHTS: &str = "DatabaseInsightsMode";
pub const DB_CLUSTER_PARAMETER_GROUP: &str = "DBClusterParameterGroupName";
pub const BACKTRACK_WINDOW: &str = "BacktrackWindow";
pub const PORT: &str = "Port";
/// Aurora Serverless v2 capacity, as `<min>..<max>` ACUs.
pub const SERVERLESS_V2: &str = "ServerlessV2ScalingConfiguration";
pub const PROMOTION_TIER: &str = "PromotionTier";

/// Every carried setting, in the order the drift table lists them. Which
/// call takes which follows botocore's RDS model (the restore messages'
/// members); checked there, not guessed.
pub const FIELDS: &[Field] = &[
    field(DB_INSTANCE_CLASS, Some("db-instance-class"), Via::Restore),
    field(DB_SUBNET_GROUP, Some("db-subnet-group-name"), Via::Restore),
    field(
        VPC_SECURITY_GROUPS,
        Some("vpc-security-group-ids"),
        Via::Restore,
    ),
    field(
        DB_PARAMETER_GROUP,
        Some("db-parameter-group-name"),
        Via::Restore,
    ),
    field(OPTION_GROUP, Some("option-group-name"), Via::Restore),
    field(MULTI_AZ, Some("multi-az"), Via::Restore),
    field(PUBLICLY_ACCESSIBLE, None, Via::Restore),
    field(IAM_AUTH, None, Via::Restore),
    field(LOG_EXPORTS, None, Via::Restore),
    field(COPY_TAGS, None, Via::Restore),
    field(MAX_ALLOCATED_STORAGE, None, Via::PitrOnly),
    field(CA_CERTIFICATE, None, Via::Restore),
    field(BACKUP_RETENTION, None, Via::Restore),
    field(BACKUP_WINDOW, None, Via::Restore),
    field(MAINTENANCE_WINDOW, None, Via::Modify),
    field(
        DELETION_PROTECTION,
        Some("deletion-protection"),
        Via::Restore,
    ),
    field(MONITORING_INTERVAL, None, Via::Modify),
    field(MONITORING_ROLE, None, Via::Modify),
    field(PERFORMANCE_INSIGHTS, None, Via::Modify),
    field(PI_KMS_KEY, None, Via::Modify),
    field(PI_RETENTION, None, Via::Modify),
    field(DATABASE_INSIGHTS, None, Via::Modify),
];

/// An Aurora cluster's carried settings. Both cluster restore calls take
/// all but the maintenance window, which ModifyDBCluster sets (botocore's
/// RestoreDBClusterFromSnapshotMessage and
/// RestoreDBClusterToPointInTimeMessage; ModifyDBClusterMessage). Without
/// them a restored cluster gets the default subnet group, the VPC's default
/// security group and the default cluster parameter group, with Backtrack,
/// IAM authentication and log exports off.
pub const CLUSTER_FIELDS: &[Field] = &[
    field(DB_SUBNET_GROUP, Some("db-subnet-group-name"), Via::Restore),
    field(
        VPC_SECURITY_GROUPS,
        Some("vpc-security-group-ids"),
        Via::Restore,
    ),
    field(
        DB_CLUSTER_PARAMETER_GROUP,
        Some("db-cluster-parameter-group-name"),
        Via::Restore,
    ),
    field(PORT, None, Via::Restore),
    field(IAM_AUTH, None, Via::Restore),
    field(LOG_EXPORTS, None, Via::Restore),
    field(BACKTRACK_WINDOW, None, Via::Restore),
    field(COPY_TAGS, None, Via::Restore),
    field(SERVERLESS_V2, None, Via::Restore),
    field(BACKUP_RETENTION, None, Via::Restore),
    field(BACKUP_WINDOW, None, Via::Restore),
    field(MAINTENANCE_WINDOW, None, Via::Modify),
    field(
        DELETION_PROTECTION,
        Some("deletion-protection"),
        Via::Restore,
    ),
];

/// The settings of each DB instance of an Aurora cluster, all taken by the
/// CreateDBInstance that adds it to the restored cluster (botocore's
/// CreateDBInstanceMessage). Network, backups and deletion protection are
/// the cluster's.
pub const MEMBER_FIELDS: &[Field] = &[
    field(DB_INSTANCE_CLASS, Some("db-instance-class"), Via::Restore),
    field(
        DB_PARAMETER_GROUP,
        Some("db-parameter-group-name"),
        Via::Restore,
    ),
    field(PUBLICLY_ACCESSIBLE, None, Via::Restore),
    field(CA_CERTIFICATE, None, Via::Restore),
    field(PROMOTION_TIER, None, Via::Restore),
    field(MAINTENANCE_WINDOW, None, Via::Restore),
    field(MONITORING_INTERVAL, None, Via::Restore),
    field(MONITORING_ROLE, None, Via::Restore),
    field(PERFORMANCE_INSIGHTS, None, Via::Restore),
    field(PI_KMS_KEY, None, Via::Restore),
    field(PI_RETENTION, None, Via::Restore),
];

/// The settings carried for a DB of this kind (a cluster's own; its
/// instances' are [`MEMBER_FIELDS`]).
pub fn fields(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Instance => FIELDS,
        Kind::Cluster => CLUSTER_FIELDS,
    }
}

/// Settings by API name. What RDS does not report is absent.
pub type Settings = BTreeMap<&'static str, Value>;

/// Which restore call makes the new instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restore {
    FromSnapshot,
    ToPointInTime,
}

/// How a setting of the new instance came to be what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// Copied from the source into the restore call.
    RestoreCall,
    /// Copied from the source by the ModifyDBInstance after the restore.
    Modify,
    /// To be copied by that modify, which has not happened yet
    /// (`wait: false` returns before the DB can be modified).
    ModifyPending,
    /// Set by an input of this step.
    Input(&'static str),
    /// Left to RDS's default, and why.
    NotCarried(String),
    /// Copied into the restore call as it was when the snapshot was taken
    /// (the source has changed since).
    AtSnapshot,
    /// The value at the snapshot does not fit the restored engine version,
    /// and why; what was used instead.
    Fallback(String),
}

impl fmt::Display for How {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            How::RestoreCall => f.write_str("restore call"),
            How::Modify => f.write_str("modify after restore"),
            How::ModifyPending => {
                f.write_str("modify after restore: pending (`wait: false`; a re-run with `wait: true` applies it)")
            }
            How::Input(input) => write!(f, "input `{input}`"),
            How::NotCarried(why) => write!(f, "not carried: {why}"),
            How::AtSnapshot => f.write_str("restore call, as at the snapshot"),
            How::Fallback(why) => write!(f, "fallback: {why}"),
        }
    }
}

/// What to ask RDS for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Carry {
    /// Settings the restore call carries.
    pub call: Settings,
    /// Settings only ModifyDBInstance can set, to reconcile once `available`.
    pub after: Settings,
    /// How each setting is decided, for the drift table.
    pub how: BTreeMap<&'static str, How>,
}

impl Carry {
    /// The same plan with its modify not made yet, for the drift table of a
    /// step that did not wait (`wait: false`).
    pub fn modify_pending(&self) -> Carry {
        let mut pending = self.clone();
        for how in pending.how.values_mut() {
            if *how == How::Modify {
                *how = How::ModifyPending;
            }
        }
        pending
    }
}

/// Decides the new instance's settings: inputs win; then, with `carry` on,
/// the source's (`None` when the source no longer exists); the rest is left
/// to RDS's defaults.
pub fn plan(
    fields: &[Field],
    source: Option<&Settings>,
    inputs: &Settings,
    carry: bool,
    restore: Restore,
) -> Carry {
    let mut out = Carry::default();
    for field in fields {
        let (value, how) = if let Some(value) = inputs.get(field.name) {
            (
                Some(value.clone()),
                How::Input(field.input.unwrap_or(field.name)),
            )
        } else if !carry {
            (
                None,
                How::NotCarried("`carry-settings` is `false`".to_owned()),
            )
        } else if let Some(source) = source {
            match source.get(field.name) {
                Some(value) => (Some(value.clone()), via(field, restore)),
                None => (
                    None,
                    How::NotCarried("the source does not report it".to_owned()),
                ),
            }
        } else {
            (
                None,
                How::NotCarried(match field.input {
                    Some(input) => format!("the source DB no longer exists; set input `{input}`"),
                    None => "the source DB no longer exists".to_owned(),
                }),
            )
        };
        if let Some(value) = value {
            match how {
                How::Modify => out.after.insert(field.name, value),
                _ => out.call.insert(field.name, value),
            };
        }
        out.how.insert(field.name, how);
    }
    // A role ARN alone, or an interval without its role, is refused by RDS:
    // Enhanced Monitoring travels as a pair or not at all.
    if out.after.get(MONITORING_INTERVAL) == Some(&Value::Number(0)) {
        out.after.remove(MONITORING_ROLE);
    }
    out
}

fn via(field: &Field, restore: Restore) -> How {
    match (field.via, restore) {
        (Via::Restore, _) | (Via::PitrOnly, Restore::ToPointInTime) => How::RestoreCall,
        _ => How::Modify,
    }
}

/// The diff-only reconcile: the settings in `wanted` that `restored` does
/// not have yet. Empty means no ModifyDBInstance call at all.
pub fn difference(wanted: &Settings, restored: &Settings) -> Settings {
    let mut diff: Settings = wanted
        .iter()
        .filter(|(name, value)| restored.get(*name) != Some(*value))
        .map(|(name, value)| (*name, value.clone()))
        .collect();
    // RDS takes the monitoring interval and role together, and Performance
    // Insights' key and retention only with the flag.
    let groups: [&[&'static str]; 2] = [
        &[MONITORING_INTERVAL, MONITORING_ROLE],
        &[PERFORMANCE_INSIGHTS, PI_KMS_KEY, PI_RETENTION],
    ];
    for group in groups {
        if group.iter().any(|name| diff.contains_key(name)) {
            for name in group {
                if let Some(value) = wanted.get(name) {
                    diff.insert(name, value.clone());
                }
            }
        }
    }
    diff
}

/// One row of the drift table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub setting: &'static str,
    pub source: Option<Value>,
    pub restored: Option<Value>,
    pub how: How,
}

impl Row {
    /// Whether the new instance differs from its source here.
    pub fn drifted(&self) -> bool {
        self.source.is_some() && self.source != self.restored
    }
}

/// The drift table: every setting, the source's value, the new instance's,
/// and how it got there.
pub fn drift(
    fields: &[Field],
    source: Option<&Settings>,
    restored: &Settings,
    carry: &Carry,
) -> Vec<Row> {
    fields
        .iter()
        .map(|field| Row {
            setting: field.name,
            source: source.and_then(|source| source.get(field.name).cloned()),
            restored: restored.get(field.name).cloned(),
            how: carry
                .how
                .get(field.name)
                .cloned()
                .unwrap_or_else(|| How::NotCarried("unknown".to_owned())),
        })
        .collect()
}

/// The drift table as the `settings` output: a JSON array, one object a
/// setting.
pub fn drift_json(rows: &[Row]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "setting": row.setting,
                "source": row.source.as_ref().map(ToString::to_string),
                "restored": row.restored.as_ref().map(ToString::to_string),
                "how": row.how.to_string(),
                "drifted": row.drifted(),
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    fn production() -> Settings {
        Settings::from([
            (DB_SUBNET_GROUP, text("prod-subnets")),
            (VPC_SECURITY_GROUPS, Value::list(vec!["sg-app".to_owned()])),
            (DB_PARAMETER_GROUP, text("tuned")),
            (MAX_ALLOCATED_STORAGE, Value::Number(200)),
            (MONITORING_INTERVAL, Value::Number(60)),
            (MONITORING_ROLE, text("arn:aws:iam::1:role/mon")),
            (PERFORMANCE_INSIGHTS, Value::Flag(true)),
            (MAINTENANCE_WINDOW, text("sun:03:00-sun:03:30")),
            (DELETION_PROTECTION, Value::Flag(false)),
        ])
    }

    #[test]
    fn the_source_goes_into_the_call_and_the_rest_into_the_modify() {
        let inputs = Settings::from([(DELETION_PROTECTION, Value::Flag(true))]);
        let carry = plan(
            FIELDS,
            Some(&production()),
            &inputs,
            true,
            Restore::FromSnapshot,
        );
        assert_eq!(carry.call[DB_SUBNET_GROUP], text("prod-subnets"));
        assert_eq!(carry.how[DB_SUBNET_GROUP], How::RestoreCall);
        // RestoreDBInstanceFromDBSnapshot has no MaxAllocatedStorage member.
        assert_eq!(carry.after[MAX_ALLOCATED_STORAGE], Value::Number(200));
        assert_eq!(carry.after[MONITORING_INTERVAL], Value::Number(60));
        assert_eq!(carry.how[PERFORMANCE_INSIGHTS], How::Modify);
        // The input wins over the source.
        assert_eq!(carry.call[DELETION_PROTECTION], Value::Flag(true));
        assert_eq!(
            carry.how[DELETION_PROTECTION],
            How::Input("deletion-protection")
        );
        let pitr = plan(
            FIELDS,
            Some(&production()),
            &inputs,
            true,
            Restore::ToPointInTime,
        );
        assert_eq!(pitr.call[MAX_ALLOCATED_STORAGE], Value::Number(200));
    }

    #[test]
    fn carry_off_and_a_missing_source_leave_rds_defaults_and_say_why() {
        let off = plan(
            FIELDS,
            Some(&production()),
            &Settings::new(),
            false,
            Restore::FromSnapshot,
        );
        assert!(off.call.is_empty() && off.after.is_empty());
        assert!(
            matches!(&off.how[DB_SUBNET_GROUP], How::NotCarried(why) if why.contains("carry-settings"))
        );
        let gone = plan(FIELDS, None, &Settings::new(), true, Restore::FromSnapshot);
        assert!(gone.call.is_empty());
        assert!(
            matches!(&gone.how[VPC_SECURITY_GROUPS], How::NotCarried(why) if why.contains("`vpc-security-group-ids`")),
            "{:?}",
            gone.how[VPC_SECURITY_GROUPS]
        );
    }

    #[test]
    fn reconcile_asks_only_for_what_differs_and_keeps_pairs_together() {
        let carry = plan(
            FIELDS,
            Some(&production()),
            &Settings::new(),
            true,
            Restore::FromSnapshot,
        );
        let mut restored = Settings::from([
            (MONITORING_INTERVAL, Value::Number(0)),
            (PERFORMANCE_INSIGHTS, Value::Flag(false)),
            (MAINTENANCE_WINDOW, text("sun:03:00-sun:03:30")),
            (MAX_ALLOCATED_STORAGE, Value::Number(200)),
        ]);
        let diff = difference(&carry.after, &restored);
        assert_eq!(
            diff.keys().copied().collect::<Vec<_>>(),
            [PERFORMANCE_INSIGHTS, MONITORING_INTERVAL, MONITORING_ROLE]
        );
        restored.extend(diff);
        assert!(difference(&carry.after, &restored).is_empty());
    }

    #[test]
    fn drift_marks_what_differs_from_the_source() {
        let carry = plan(
            FIELDS,
            Some(&production()),
            &Settings::new(),
            true,
            Restore::FromSnapshot,
        );
        let mut restored = production();
        restored.insert(DB_PARAMETER_GROUP, text("default.postgres16"));
        let rows = drift(FIELDS, Some(&production()), &restored, &carry);
        let drifted: Vec<_> = rows
            .iter()
            .filter(|r| r.drifted())
            .map(|r| r.setting)
            .collect();
        assert_eq!(drifted, [DB_PARAMETER_GROUP]);
        let json = drift_json(&rows);
        assert_eq!(json[3]["setting"], DB_PARAMETER_GROUP);
        assert_eq!(json[3]["drifted"], true);
    }
}
