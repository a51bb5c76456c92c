//! SDK shapes with everything this action reads set, for the tests of
//! [`super::convert`] and [`super::setters`].

use aws_sdk_rds::primitives::DateTime;
use aws_sdk_rds::types;

pub(super) fn at(secs: i64) -> DateTime {
    DateTime::from_secs(secs)
}

pub(super) fn sdk_tag(key: &str, value: &str) -> types::Tag {
    types::Tag::builder().key(key).value(value).build()
}

fn group(id: &str) -> types::VpcSecurityGroupMembership {
    types::VpcSecurityGroupMembership::builder()
        .vpc_security_group_id(id)
        .status("active")
        .build()
}

/// A DB instance with everything this action reads set.
pub(super) fn full_instance() -> types::DbInstance {
    types::DbInstance::builder()
        .db_instance_identifier("prod")
        .db_instance_arn("arn:aws:rds:eu-west-1:123456789012:db:prod")
        .db_instance_status("available")
        .endpoint(
            types::Endpoint::builder()
                .address("prod.abc.eu-west-1.rds.amazonaws.com")
                .port(5432)
                .build(),
        )
        .instance_create_time(at(1_700_000_000))
        .latest_restorable_time(at(1_700_003_600))
        .backup_retention_period(7)
        .tag_list(sdk_tag("team", "payments"))
        .tag_list(sdk_tag("env", "prod"))
        .db_instance_class("db.r6g.large")
        .db_subnet_group(
            types::DbSubnetGroup::builder()
                .db_subnet_group_name("private")
                .vpc_id("vpc-1")
                .build(),
        )
        .db_parameter_groups(
            types::DbParameterGroupStatus::builder()
                .db_parameter_group_name("pg16-tuned")
                .build(),
        )
        .option_group_memberships(
            types::OptionGroupMembership::builder()
                .option_group_name("default:postgres-16")
                .build(),
        )
        .ca_certificate_identifier("rds-ca-rsa2048-g1")
        .preferred_backup_window("03:00-04:00")
        .preferred_maintenance_window("sun:05:00-sun:06:00")
        .monitoring_role_arn("arn:aws:iam::123456789012:role/rds-monitoring")
        .performance_insights_kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/pi")
        .database_insights_mode(types::DatabaseInsightsMode::Advanced)
        .multi_az(true)
        .publicly_accessible(false)
        .iam_database_authentication_enabled(true)
        .copy_tags_to_snapshot(true)
        .deletion_protection(true)
        .performance_insights_enabled(true)
        .monitoring_interval(60)
        .promotion_tier(1)
        .performance_insights_retention_period(465)
        .allocated_storage(100)
        .max_allocated_storage(500)
        .vpc_security_groups(group("sg-2"))
        .vpc_security_groups(group("sg-1"))
        .enabled_cloudwatch_logs_exports("postgresql")
        .enabled_cloudwatch_logs_exports("upgrade")
        .engine("postgres")
        .pending_modified_values(
            types::PendingModifiedValues::builder()
                .db_instance_identifier("Prod-Old")
                .build(),
        )
        .read_replica_db_instance_identifiers("prod-replica")
        .read_replica_source_db_instance_identifier("upstream")
        .build()
}

/// An Aurora cluster with everything this action reads set.
pub(super) fn full_cluster() -> types::DbCluster {
    let member = |id: &str, writer: bool| {
        types::DbClusterMember::builder()
            .db_instance_identifier(id)
            .is_cluster_writer(writer)
            .build()
    };
    types::DbCluster::builder()
        .db_cluster_identifier("orders")
        .db_cluster_arn("arn:aws:rds:eu-west-1:123456789012:cluster:orders")
        .status("available")
        .engine("aurora-mysql")
        .endpoint("orders.cluster-abc.eu-west-1.rds.amazonaws.com")
        .reader_endpoint("orders.cluster-ro-abc.eu-west-1.rds.amazonaws.com")
        .port(3306)
        .cluster_create_time(at(1_700_000_000))
        .earliest_restorable_time(at(1_700_000_600))
        .latest_restorable_time(at(1_700_003_600))
        .backup_retention_period(14)
        .tag_list(sdk_tag("env", "prod"))
        .db_subnet_group("private")
        .db_cluster_parameter_group("aurora-mysql8-tuned")
        .preferred_backup_window("03:00-04:00")
        .preferred_maintenance_window("sun:05:00-sun:06:00")
        .iam_database_authentication_enabled(true)
        .copy_tags_to_snapshot(true)
        .deletion_protection(true)
        .backtrack_window(86_400)
        .earliest_backtrack_time(at(1_699_990_000))
        .serverless_v2_scaling_configuration(
            types::ServerlessV2ScalingConfigurationInfo::builder()
                .min_capacity(0.5)
                .max_capacity(16.0)
                .build(),
        )
        .vpc_security_groups(group("sg-9"))
        .enabled_cloudwatch_logs_exports("slowquery")
        .enabled_cloudwatch_logs_exports("error")
        .db_cluster_members(member("orders-b", false))
        .db_cluster_members(member("orders-c", true))
        .db_cluster_members(member("orders-a", false))
        .read_replica_identifiers("orders-replica")
        .replication_source_identifier("arn:aws:rds:us-east-1:123456789012:cluster:upstream")
        .pending_modified_values(
            types::ClusterPendingModifiedValues::builder()
                .db_cluster_identifier("Orders-Old")
                .build(),
        )
        .build()
}
