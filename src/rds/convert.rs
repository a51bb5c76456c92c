//! SDK shapes to ours and back: what RDS reports becomes an [`Instance`],
//! [`Cluster`], [`Snapshot`], [`Backtrack`] or [`BlueGreen`], with the
//! settings a rollback copy carries; tags and times go both ways.

use aws_sdk_rds::operation::backtrack_db_cluster::BacktrackDbClusterOutput;
use aws_sdk_rds::types;
use chrono::{DateTime, Utc};

use super::resources::{Backtrack, BlueGreen, Cluster, Instance, Member, Snapshot};
use crate::model::{Kind, Tag};
use crate::settings::{self, Settings, Value};

pub(super) fn instance(db: &types::DbInstance) -> Instance {
    Instance {
        id: db.db_instance_identifier().unwrap_or_default().to_owned(),
        arn: db.db_instance_arn().unwrap_or_default().to_owned(),
        status: db.db_instance_status().unwrap_or("unknown").to_owned(),
        endpoint: db
            .endpoint()
            .and_then(|endpoint| endpoint.address())
            .map(str::to_owned),
        port: db.endpoint().and_then(|endpoint| endpoint.port()),
        created: db.instance_create_time().and_then(chrono_time),
        latest_restorable: db.latest_restorable_time().and_then(chrono_time),
        backup_retention_days: db.backup_retention_period().unwrap_or(0),
        tags: our_tags(db.tag_list()),
        settings: instance_settings(db),
        vpc_id: db
            .db_subnet_group()
            .and_then(|group| group.vpc_id())
            .map(str::to_owned),
        engine: db.engine().unwrap_or_default().to_owned(),
        engine_version: db.engine_version().map(str::to_owned),
        cluster_id: db.db_cluster_identifier().map(str::to_owned),
        renaming_to: db
            .pending_modified_values()
            .and_then(|pending| pending.db_instance_identifier())
            .map(str::to_ascii_lowercase),
        replicas: db.read_replica_db_instance_identifiers().to_vec(),
        replica_of: db
            .read_replica_source_db_instance_identifier()
            .map(str::to_owned),
        size_gib: db.allocated_storage(),
        db_name: db.db_name().map(str::to_owned),
    }
}

/// The settings of an instance that a rollback copy carries, as RDS reports
/// them; what it does not report is left out.
fn instance_settings(db: &types::DbInstance) -> Settings {
    let mut out = Settings::new();
    let mut text = |name, value: Option<&str>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            out.insert(name, Value::Text(value.to_owned()));
        }
    };
    text(settings::DB_INSTANCE_CLASS, db.db_instance_class());
    text(
        settings::DB_SUBNET_GROUP,
        db.db_subnet_group()
            .and_then(|group| group.db_subnet_group_name()),
    );
    text(
        settings::DB_PARAMETER_GROUP,
        db.db_parameter_groups()
            .first()
            .and_then(|group| group.db_parameter_group_name()),
    );
    text(
        settings::OPTION_GROUP,
        db.option_group_memberships()
            .first()
            .and_then(|group| group.option_group_name()),
    );
    text(settings::CA_CERTIFICATE, db.ca_certificate_identifier());
    text(settings::BACKUP_WINDOW, db.preferred_backup_window());
    text(
        settings::MAINTENANCE_WINDOW,
        db.preferred_maintenance_window(),
    );
    text(settings::MONITORING_ROLE, db.monitoring_role_arn());
    text(settings::PI_KMS_KEY, db.performance_insights_kms_key_id());
    text(
        settings::DATABASE_INSIGHTS,
        db.database_insights_mode().map(|mode| mode.as_str()),
    );
    let flags = [
        (settings::MULTI_AZ, db.multi_az()),
        (settings::PUBLICLY_ACCESSIBLE, db.publicly_accessible()),
        (settings::IAM_AUTH, db.iam_database_authentication_enabled()),
        (settings::COPY_TAGS, db.copy_tags_to_snapshot()),
        (settings::DELETION_PROTECTION, db.deletion_protection()),
        (
            settings::PERFORMANCE_INSIGHTS,
            db.performance_insights_enabled(),
        ),
    ];
    for (name, flag) in flags {
        if let Some(flag) = flag {
            out.insert(name, Value::Flag(flag));
        }
    }
    let numbers = [
        (settings::BACKUP_RETENTION, db.backup_retention_period()),
        (settings::MONITORING_INTERVAL, db.monitoring_interval()),
        (settings::PROMOTION_TIER, db.promotion_tier()),
        (
            settings::PI_RETENTION,
            db.performance_insights_retention_period(),
        ),
        // Storage autoscaling is on only when the limit is above the
        // allocated storage; RDS (and moto) may report it equal otherwise.
        (
            settings::MAX_ALLOCATED_STORAGE,
            db.max_allocated_storage()
                .filter(|most| Some(*most) > db.allocated_storage()),
        ),
    ];
    for (name, number) in numbers {
        if let Some(number) = number {
            out.insert(name, Value::Number(number));
        }
    }
    let groups: Vec<String> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|group| group.vpc_security_group_id().map(str::to_owned))
        .collect();
    if !groups.is_empty() {
        out.insert(settings::VPC_SECURITY_GROUPS, Value::list(groups));
    }
    out.insert(
        settings::LOG_EXPORTS,
        Value::list(db.enabled_cloudwatch_logs_exports().to_vec()),
    );
    out
}

pub(super) fn snapshot(snap: &types::DbSnapshot) -> Snapshot {
    Snapshot {
        id: snap.db_snapshot_identifier().unwrap_or_default().to_owned(),
        arn: snap.db_snapshot_arn().unwrap_or_default().to_owned(),
        status: snap.status().unwrap_or("unknown").to_owned(),
        source_db: snap.db_instance_identifier().unwrap_or_default().to_owned(),
        created: snap
            .original_snapshot_create_time()
            .or(snap.snapshot_create_time())
            .and_then(chrono_time),
        percent: snap.percent_progress(),
        tags: our_tags(snap.tag_list()),
        encrypted: snap.encrypted().unwrap_or(false),
        kms_key_id: snap.kms_key_id().map(str::to_owned),
        size_gib: snap.allocated_storage(),
        vpc_id: snap.vpc_id().map(str::to_owned),
        kind: snap.snapshot_type().unwrap_or_default().to_owned(),
        of: Kind::Instance,
        engine: snap.engine().map(str::to_owned),
        engine_version: snap.engine_version().map(str::to_owned),
        option_group: snap.option_group_name().map(str::to_owned),
        copied_from: snap
            .source_db_snapshot_identifier()
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned),
    }
}

pub(super) fn cluster(db: &types::DbCluster) -> Cluster {
    let mut members: Vec<Member> = db
        .db_cluster_members()
        .iter()
        .map(|member| Member {
            id: member
                .db_instance_identifier()
                .unwrap_or_default()
                .to_owned(),
            writer: member.is_cluster_writer().unwrap_or(false),
        })
        .collect();
    members.sort_by(|a, b| b.writer.cmp(&a.writer).then_with(|| a.id.cmp(&b.id)));
    let mut replication: Vec<String> = db.read_replica_identifiers().to_vec();
    if let Some(source) = db.replication_source_identifier() {
        replication.push(source.to_owned());
    }
    Cluster {
        id: db.db_cluster_identifier().unwrap_or_default().to_owned(),
        arn: db.db_cluster_arn().unwrap_or_default().to_owned(),
        status: db.status().unwrap_or("unknown").to_owned(),
        engine: db.engine().unwrap_or_default().to_owned(),
        engine_version: db.engine_version().map(str::to_owned),
        db_name: db.database_name().map(str::to_owned),
        endpoint: db.endpoint().map(str::to_owned),
        reader_endpoint: db.reader_endpoint().map(str::to_owned),
        port: db.port(),
        created: db.cluster_create_time().and_then(chrono_time),
        earliest_restorable: db.earliest_restorable_time().and_then(chrono_time),
        latest_restorable: db.latest_restorable_time().and_then(chrono_time),
        backup_retention_days: db.backup_retention_period().unwrap_or(0),
        tags: our_tags(db.tag_list()),
        settings: cluster_settings(db),
        subnet_group: db.db_subnet_group().map(str::to_owned),
        vpc_id: None,
        members,
        backtrack_window: db.backtrack_window(),
        earliest_backtrack: db.earliest_backtrack_time().and_then(chrono_time),
        replication,
        renaming_to: db
            .pending_modified_values()
            .and_then(|pending| pending.db_cluster_identifier())
            .map(str::to_ascii_lowercase),
    }
}

/// The settings of a cluster that a rollback copy carries, as RDS reports
/// them.
fn cluster_settings(db: &types::DbCluster) -> Settings {
    let mut out = Settings::new();
    let mut text = |name, value: Option<&str>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            out.insert(name, Value::Text(value.to_owned()));
        }
    };
    text(settings::DB_SUBNET_GROUP, db.db_subnet_group());
    text(
        settings::DB_CLUSTER_PARAMETER_GROUP,
        db.db_cluster_parameter_group(),
    );
    text(settings::BACKUP_WINDOW, db.preferred_backup_window());
    text(
        settings::MAINTENANCE_WINDOW,
        db.preferred_maintenance_window(),
    );
    let flags = [
        (settings::IAM_AUTH, db.iam_database_authentication_enabled()),
        (settings::COPY_TAGS, db.copy_tags_to_snapshot()),
        (settings::DELETION_PROTECTION, db.deletion_protection()),
    ];
    for (name, flag) in flags {
        if let Some(flag) = flag {
            out.insert(name, Value::Flag(flag));
        }
    }
    let numbers = [
        (settings::BACKUP_RETENTION, db.backup_retention_period()),
        (settings::PORT, db.port()),
        (
            settings::BACKTRACK_WINDOW,
            db.backtrack_window()
                .and_then(|window| i32::try_from(window).ok()),
        ),
    ];
    for (name, number) in numbers {
        if let Some(number) = number {
            out.insert(name, Value::Number(number));
        }
    }
    if let Some(scaling) = db.serverless_v2_scaling_configuration()
        && let (Some(min), Some(max)) = (scaling.min_capacity(), scaling.max_capacity())
    {
        out.insert(
            settings::SERVERLESS_V2,
            Value::Text(format!("{min}..{max}")),
        );
    }
    let groups: Vec<String> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|group| group.vpc_security_group_id().map(str::to_owned))
        .collect();
    if !groups.is_empty() {
        out.insert(settings::VPC_SECURITY_GROUPS, Value::list(groups));
    }
    out.insert(
        settings::LOG_EXPORTS,
        Value::list(db.enabled_cloudwatch_logs_exports().to_vec()),
    );
    out
}

pub(super) fn cluster_snapshot(snap: &types::DbClusterSnapshot) -> Snapshot {
    Snapshot {
        id: snap
            .db_cluster_snapshot_identifier()
            .unwrap_or_default()
            .to_owned(),
        arn: snap
            .db_cluster_snapshot_arn()
            .unwrap_or_default()
            .to_owned(),
        status: snap.status().unwrap_or("unknown").to_owned(),
        source_db: snap.db_cluster_identifier().unwrap_or_default().to_owned(),
        created: snap.snapshot_create_time().and_then(chrono_time),
        percent: snap.percent_progress(),
        tags: our_tags(snap.tag_list()),
        encrypted: snap.storage_encrypted().unwrap_or(false),
        kms_key_id: snap.kms_key_id().map(str::to_owned),
        size_gib: snap.allocated_storage(),
        vpc_id: snap.vpc_id().map(str::to_owned),
        kind: snap.snapshot_type().unwrap_or_default().to_owned(),
        of: Kind::Cluster,
        engine: snap.engine().map(str::to_owned),
        engine_version: snap.engine_version().map(str::to_owned),
        option_group: None,
        copied_from: snap
            .source_db_cluster_snapshot_arn()
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned),
    }
}

/// A Backtrack as DescribeDBClusterBacktracks lists it.
pub(super) fn backtrack(backtrack: &types::DbClusterBacktrack) -> Backtrack {
    Backtrack {
        id: backtrack
            .backtrack_identifier()
            .unwrap_or_default()
            .to_owned(),
        status: backtrack.status().unwrap_or("unknown").to_owned(),
        to: backtrack.backtrack_to().and_then(chrono_time),
        from: backtrack.backtracked_from().and_then(chrono_time),
        requested: backtrack
            .backtrack_request_creation_time()
            .and_then(chrono_time),
    }
}

/// A Backtrack as BacktrackDBCluster answers it: `pending` until RDS says
/// otherwise.
pub(super) fn started_backtrack(output: &BacktrackDbClusterOutput) -> Backtrack {
    Backtrack {
        id: output.backtrack_identifier().unwrap_or_default().to_owned(),
        status: output.status().unwrap_or("pending").to_owned(),
        to: output.backtrack_to().and_then(chrono_time),
        from: output.backtracked_from().and_then(chrono_time),
        requested: output
            .backtrack_request_creation_time()
            .and_then(chrono_time),
    }
}

pub(super) fn blue_green(bg: &types::BlueGreenDeployment) -> BlueGreen {
    BlueGreen {
        id: bg
            .blue_green_deployment_identifier()
            .unwrap_or_default()
            .to_owned(),
        name: bg
            .blue_green_deployment_name()
            .unwrap_or_default()
            .to_owned(),
        status: bg.status().unwrap_or_default().to_owned(),
        source: bg.source().unwrap_or_default().to_owned(),
        target: bg.target().unwrap_or_default().to_owned(),
    }
}

/// `<min>..<max>` ACUs, as [`settings::SERVERLESS_V2`] holds them.
pub(super) fn serverless_v2(text: &str) -> Option<types::ServerlessV2ScalingConfiguration> {
    let (min, max) = text.split_once("..")?;
    Some(
        types::ServerlessV2ScalingConfiguration::builder()
            .min_capacity(min.parse().ok()?)
            .max_capacity(max.parse().ok()?)
            .build(),
    )
}

pub(super) fn our_tags(tags: &[types::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|tag| Tag {
            key: tag.key().unwrap_or_default().to_owned(),
            value: tag.value().unwrap_or_default().to_owned(),
        })
        .collect()
}

pub(super) fn sdk_tags(tags: &[Tag]) -> Vec<types::Tag> {
    tags.iter()
        .map(|tag| {
            types::Tag::builder()
                .key(&tag.key)
                .value(&tag.value)
                .build()
        })
        .collect()
}

pub(super) fn chrono_time(time: &aws_sdk_rds::primitives::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

pub(super) fn aws_time(time: DateTime<Utc>) -> aws_sdk_rds::primitives::DateTime {
    aws_sdk_rds::primitives::DateTime::from_secs(time.timestamp())
}

#[cfg(test)]
mod tests {
    use aws_sdk_rds::primitives::DateTime as AwsTime;
    use chrono::TimeZone;

    use super::super::fixtures::{at, full_cluster, full_instance, sdk_tag};
    use super::*;
    use crate::model::tag;

    fn utc(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    fn list(items: &[&str]) -> Value {
        Value::list(items.iter().map(|item| (*item).to_owned()).collect())
    }

    #[test]
    fn an_instance_keeps_the_facts_the_modes_need() {
        let got = instance(&full_instance());
        assert_eq!(got.id, "prod");
        assert_eq!(got.arn, "arn:aws:rds:eu-west-1:123456789012:db:prod");
        assert_eq!(got.status, "available");
        assert_eq!(
            got.endpoint.as_deref(),
            Some("prod.abc.eu-west-1.rds.amazonaws.com")
        );
        assert_eq!(got.port, Some(5432));
        assert_eq!(got.created, Some(utc(1_700_000_000)));
        assert_eq!(got.latest_restorable, Some(utc(1_700_003_600)));
        assert_eq!(got.backup_retention_days, 7);
        assert_eq!(got.tags, [tag("team", "payments"), tag("env", "prod")]);
        assert_eq!(got.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(got.engine, "postgres");
        assert_eq!(got.cluster_id, None);
        // RDS reports a pending rename as typed; identifiers are lowercase.
        assert_eq!(got.renaming_to.as_deref(), Some("prod-old"));
        assert_eq!(got.replicas, ["prod-replica"]);
        assert_eq!(got.replica_of.as_deref(), Some("upstream"));
    }

    #[test]
    fn an_instance_reports_its_carried_settings() {
        let expected = Settings::from([
            (settings::DB_INSTANCE_CLASS, text("db.r6g.large")),
            (settings::DB_SUBNET_GROUP, text("private")),
            (settings::VPC_SECURITY_GROUPS, list(&["sg-1", "sg-2"])),
            (settings::DB_PARAMETER_GROUP, text("pg16-tuned")),
            (settings::OPTION_GROUP, text("default:postgres-16")),
            (settings::MULTI_AZ, Value::Flag(true)),
            (settings::PUBLICLY_ACCESSIBLE, Value::Flag(false)),
            (settings::IAM_AUTH, Value::Flag(true)),
            (settings::LOG_EXPORTS, list(&["postgresql", "upgrade"])),
            (settings::COPY_TAGS, Value::Flag(true)),
            (settings::MAX_ALLOCATED_STORAGE, Value::Number(500)),
            (settings::CA_CERTIFICATE, text("rds-ca-rsa2048-g1")),
            (settings::BACKUP_RETENTION, Value::Number(7)),
            (settings::BACKUP_WINDOW, text("03:00-04:00")),
            (settings::MAINTENANCE_WINDOW, text("sun:05:00-sun:06:00")),
            (settings::DELETION_PROTECTION, Value::Flag(true)),
            (settings::MONITORING_INTERVAL, Value::Number(60)),
            (
                settings::MONITORING_ROLE,
                text("arn:aws:iam::123456789012:role/rds-monitoring"),
            ),
            (settings::PERFORMANCE_INSIGHTS, Value::Flag(true)),
            (
                settings::PI_KMS_KEY,
                text("arn:aws:kms:eu-west-1:123456789012:key/pi"),
            ),
            (settings::PI_RETENTION, Value::Number(465)),
            (settings::DATABASE_INSIGHTS, text("advanced")),
            (settings::PROMOTION_TIER, Value::Number(1)),
        ]);
        assert_eq!(instance(&full_instance()).settings, expected);
    }

    #[test]
    fn every_setting_carried_for_an_instance_is_read_from_one() {
        let reported = instance(&full_instance()).settings;
        for field in settings::FIELDS.iter().chain(settings::MEMBER_FIELDS) {
            assert!(
                reported.contains_key(field.name),
                "{} is carried but never read from DescribeDBInstances",
                field.name
            );
        }
    }

    #[test]
    fn every_setting_carried_for_a_cluster_is_read_from_one() {
        let reported = cluster(&full_cluster()).settings;
        for field in settings::CLUSTER_FIELDS {
            assert!(
                reported.contains_key(field.name),
                "{} is carried but never read from DescribeDBClusters",
                field.name
            );
        }
    }

    #[test]
    fn what_rds_leaves_out_or_empty_is_not_a_setting() {
        let bare = types::DbInstance::builder()
            .db_instance_class("")
            .allocated_storage(100)
            .max_allocated_storage(100)
            .build();
        let got = instance(&bare);
        assert_eq!(got.status, "unknown");
        assert_eq!(got.backup_retention_days, 0);
        // Storage autoscaling is off when the limit is not above the
        // allocated storage; the log exports are always known (none).
        assert_eq!(
            got.settings,
            Settings::from([(settings::LOG_EXPORTS, Value::List(Vec::new()))])
        );
        let got = cluster(&types::DbCluster::builder().build());
        assert_eq!(got.status, "unknown");
        assert_eq!(
            got.settings,
            Settings::from([(settings::LOG_EXPORTS, Value::List(Vec::new()))])
        );
    }

    #[test]
    fn a_cluster_keeps_the_facts_the_modes_need() {
        let got = cluster(&full_cluster());
        assert_eq!(got.id, "orders");
        assert_eq!(got.arn, "arn:aws:rds:eu-west-1:123456789012:cluster:orders");
        assert_eq!(got.status, "available");
        assert_eq!(got.engine, "aurora-mysql");
        assert_eq!(
            got.reader_endpoint.as_deref(),
            Some("orders.cluster-ro-abc.eu-west-1.rds.amazonaws.com")
        );
        assert_eq!(got.port, Some(3306));
        assert_eq!(got.created, Some(utc(1_700_000_000)));
        assert_eq!(got.earliest_restorable, Some(utc(1_700_000_600)));
        assert_eq!(got.latest_restorable, Some(utc(1_700_003_600)));
        assert_eq!(got.backup_retention_days, 14);
        assert_eq!(got.subnet_group.as_deref(), Some("private"));
        assert_eq!(got.vpc_id, None, "DescribeDBClusters has no VPC");
        // The writer first, then the readers by name.
        let members: Vec<(&str, bool)> = got
            .members
            .iter()
            .map(|member| (member.id.as_str(), member.writer))
            .collect();
        assert_eq!(
            members,
            [("orders-c", true), ("orders-a", false), ("orders-b", false)]
        );
        assert_eq!(got.writer(), Some("orders-c"));
        assert_eq!(got.backtrack_window, Some(86_400));
        assert_eq!(got.earliest_backtrack, Some(utc(1_699_990_000)));
        assert_eq!(
            got.replication,
            [
                "orders-replica",
                "arn:aws:rds:us-east-1:123456789012:cluster:upstream"
            ]
        );
        assert_eq!(got.renaming_to.as_deref(), Some("orders-old"));
    }

    #[test]
    fn a_cluster_reports_its_carried_settings() {
        let expected = Settings::from([
            (settings::DB_SUBNET_GROUP, text("private")),
            (settings::VPC_SECURITY_GROUPS, list(&["sg-9"])),
            (
                settings::DB_CLUSTER_PARAMETER_GROUP,
                text("aurora-mysql8-tuned"),
            ),
            (settings::PORT, Value::Number(3306)),
            (settings::IAM_AUTH, Value::Flag(true)),
            (settings::LOG_EXPORTS, list(&["error", "slowquery"])),
            (settings::BACKTRACK_WINDOW, Value::Number(86_400)),
            (settings::COPY_TAGS, Value::Flag(true)),
            (settings::SERVERLESS_V2, text("0.5..16")),
            (settings::BACKUP_RETENTION, Value::Number(14)),
            (settings::BACKUP_WINDOW, text("03:00-04:00")),
            (settings::MAINTENANCE_WINDOW, text("sun:05:00-sun:06:00")),
            (settings::DELETION_PROTECTION, Value::Flag(true)),
        ]);
        assert_eq!(cluster(&full_cluster()).settings, expected);
    }

    #[test]
    fn serverless_capacity_reads_back_what_a_cluster_reports() {
        let reported = cluster(&full_cluster()).settings;
        let Some(Value::Text(capacity)) = reported.get(settings::SERVERLESS_V2) else {
            panic!("no capacity in {reported:?}");
        };
        let scaling = serverless_v2(capacity).unwrap();
        assert_eq!(scaling.min_capacity(), Some(0.5));
        assert_eq!(scaling.max_capacity(), Some(16.0));
        for bad in ["", "8", "..", "0.5..", "a..b", "1..2..3"] {
            assert!(serverless_v2(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_snapshot_is_dated_by_its_data_not_by_its_copy() {
        let copy = types::DbSnapshot::builder()
            .db_snapshot_identifier("prod-copy")
            .db_snapshot_arn("arn:aws:rds:eu-west-1:123456789012:snapshot:prod-copy")
            .status("available")
            .db_instance_identifier("prod")
            .snapshot_create_time(at(1_700_009_000))
            .original_snapshot_create_time(at(1_700_000_000))
            .percent_progress(100)
            .tag_list(sdk_tag("env", "prod"))
            .encrypted(true)
            .kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/k")
            .allocated_storage(100)
            .vpc_id("vpc-1")
            .snapshot_type("manual")
            .engine("postgres")
            .source_db_snapshot_identifier("arn:aws:rds:us-east-1:123456789012:snapshot:prod-snap")
            .build();
        let got = snapshot(&copy);
        assert_eq!(
            got,
            Snapshot {
                id: "prod-copy".to_owned(),
                arn: "arn:aws:rds:eu-west-1:123456789012:snapshot:prod-copy".to_owned(),
                status: "available".to_owned(),
                source_db: "prod".to_owned(),
                created: Some(utc(1_700_000_000)),
                percent: Some(100),
                tags: vec![tag("env", "prod")],
                encrypted: true,
                kms_key_id: Some("arn:aws:kms:eu-west-1:123456789012:key/k".to_owned()),
                size_gib: Some(100),
                vpc_id: Some("vpc-1".to_owned()),
                kind: "manual".to_owned(),
                of: Kind::Instance,
                engine: Some("postgres".to_owned()),
                engine_version: None,
                option_group: None,
                copied_from: Some(
                    "arn:aws:rds:us-east-1:123456789012:snapshot:prod-snap".to_owned()
                ),
            }
        );
        let taken = types::DbSnapshot::builder()
            .snapshot_create_time(at(1_700_009_000))
            .source_db_snapshot_identifier("")
            .build();
        let got = snapshot(&taken);
        assert_eq!(got.created, Some(utc(1_700_009_000)));
        assert_eq!(got.copied_from, None);
        assert_eq!(got.status, "unknown");
        assert!(!got.encrypted);
    }

    #[test]
    fn a_cluster_snapshot_is_of_a_cluster() {
        let snap = types::DbClusterSnapshot::builder()
            .db_cluster_snapshot_identifier("orders-snap")
            .db_cluster_snapshot_arn(
                "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:orders-snap",
            )
            .status("creating")
            .db_cluster_identifier("orders")
            .snapshot_create_time(at(1_700_000_000))
            .percent_progress(40)
            .storage_encrypted(true)
            .snapshot_type("manual")
            .engine("aurora-mysql")
            .source_db_cluster_snapshot_arn("")
            .build();
        let got = cluster_snapshot(&snap);
        assert_eq!(got.id, "orders-snap");
        assert_eq!(got.source_db, "orders");
        assert_eq!(got.status, "creating");
        assert_eq!(got.created, Some(utc(1_700_000_000)));
        assert_eq!(got.percent, Some(40));
        assert!(got.encrypted);
        assert_eq!(got.of, Kind::Cluster);
        assert_eq!(got.engine.as_deref(), Some("aurora-mysql"));
        assert_eq!(got.copied_from, None);
    }

    #[test]
    fn a_backtrack_is_pending_until_rds_says_otherwise() {
        let started = BacktrackDbClusterOutput::builder()
            .backtrack_identifier("bt-1")
            .backtrack_to(at(1_700_000_000))
            .backtracked_from(at(1_700_003_600))
            .backtrack_request_creation_time(at(1_700_003_601))
            .build();
        assert_eq!(
            started_backtrack(&started),
            Backtrack {
                id: "bt-1".to_owned(),
                status: "pending".to_owned(),
                to: Some(utc(1_700_000_000)),
                from: Some(utc(1_700_003_600)),
                requested: Some(utc(1_700_003_601)),
            }
        );
        let listed = types::DbClusterBacktrack::builder()
            .backtrack_identifier("bt-1")
            .status("completed")
            .build();
        let got = backtrack(&listed);
        assert_eq!(got.status, "completed");
        assert_eq!(got.to, None);
        let unknown = backtrack(&types::DbClusterBacktrack::builder().build());
        assert_eq!(unknown.status, "unknown");
    }

    #[test]
    fn a_blue_green_deployment_names_both_sides() {
        let bg = types::BlueGreenDeployment::builder()
            .blue_green_deployment_identifier("bgd-1")
            .blue_green_deployment_name("upgrade")
            .status("AVAILABLE")
            .source("arn:aws:rds:eu-west-1:123456789012:db:prod")
            .target("arn:aws:rds:eu-west-1:123456789012:db:prod-green")
            .build();
        assert_eq!(
            blue_green(&bg),
            BlueGreen {
                id: "bgd-1".to_owned(),
                name: "upgrade".to_owned(),
                status: "AVAILABLE".to_owned(),
                source: "arn:aws:rds:eu-west-1:123456789012:db:prod".to_owned(),
                target: "arn:aws:rds:eu-west-1:123456789012:db:prod-green".to_owned(),
            }
        );
    }

    #[test]
    fn tags_and_times_go_both_ways() {
        let ours = vec![tag("env", "prod"), tag("empty", "")];
        assert_eq!(our_tags(&sdk_tags(&ours)), ours);
        let time = utc(1_700_000_000);
        assert_eq!(chrono_time(&aws_time(time)), Some(time));
        // RDS takes whole seconds.
        let precise = Utc.timestamp_opt(1_700_000_000, 900_000_000).unwrap();
        assert_eq!(aws_time(precise), at(1_700_000_000));
        let fraction = AwsTime::from_secs_and_nanos(1_700_000_000, 250_000_000);
        assert_eq!(
            chrono_time(&fraction),
            Some(Utc.timestamp_opt(1_700_000_000, 250_000_000).unwrap())
        );
    }
}
