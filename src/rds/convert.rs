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
        cluster_id: db.db_cluster_identifier().map(str::to_owned),
        renaming_to: db
            .pending_modified_values()
            .and_then(|pending| pending.db_instance_identifier())
            .map(str::to_ascii_lowercase),
        replicas: db.read_replica_db_instance_identifiers().to_vec(),
        replica_of: db
            .read_replica_source_db_instance_identifier()
            .map(str::to_owned),
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
