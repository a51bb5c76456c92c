"""What a restored DB instance gets when the call does not say.

moto builds a restored instance as a copy of the source, settings and all.
AWS does not, and a rollback that trusts the copy lands somewhere the app
cannot reach. botocore's RDS model (RestoreDBInstanceFromDBSnapshotMessage,
RestoreDBInstanceToPointInTimeMessage) and the user guide say:

- DBSubnetGroupName: the default VPC's default DB subnet group
  (USER_RestoreFromSnapshot, "the default virtual private cloud (VPC), DB
  subnet group, and VPC security group are associated with the restored
  instance, unless you choose different ones").
- VpcSecurityGroupIds: "The default EC2 VPC security group for the DB subnet
  group's VPC".
- DBParameterGroupName: "RDS uses the default DBParameterGroup for the
  specified DB engine".
- OptionGroupName: the default option group (USER_PIT: "automatically
  associated with the default DB parameter and option groups").
- MultiAZ: Single-AZ. EnableIAMDatabaseAuthentication: off. No CloudWatch
  log exports. CopyTagsToSnapshot: off. DeletionProtection: off.
- MaxAllocatedStorage: storage autoscaling off (RestoreDBInstanceFromDBSnapshot
  does not even take it).
- PubliclyAccessible: as CreateDBInstance documents it, true in the default
  subnet group and false in any other.
- PreferredBackupWindow / PreferredMaintenanceWindow: chosen by AWS, not the
  source's.
- CACertificateIdentifier: the region's default CA.
- Tags: the given ones; without any, the source instance's (the snapshot's
  record of it for a snapshot restore, USER_Tagging; its latest tags for
  PITR, USER_PIT).
- Enhanced Monitoring, Performance Insights and Database Insights cannot be
  set by either restore call (no such members in the model), so a restored
  instance never has them until ModifyDBInstance turns them on.

What stays the source's: engine and version, class, storage, port, backup
retention ("Default: Uses existing setting"), encryption.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models import ec2_backends
from moto.rds.models import DBInstance

from .core import around, param, result_object

DEFAULT_CA = "rds-ca-rsa2048-g1"
# A window from the region's 8-hour block, and a maintenance window apart
# from it, as AWS picks them for an instance that names none.
AWS_BACKUP_WINDOW = "07:31-08:01"
AWS_MAINTENANCE_WINDOW = "sun:09:12-sun:09:42"

# Settings only ModifyDBInstance (or CreateDBInstance) can set: the request
# member, the attribute moto's serializer reads, and the value without it.
AFTER_RESTORE = {
    "MonitoringInterval": ("monitoring_interval", 0),
    "MonitoringRoleArn": ("monitoring_role_arn", None),
    "EnablePerformanceInsights": ("performance_insights_enabled", False),
    "PerformanceInsightsKMSKeyId": ("performance_insights_kms_key_id", None),
    "PerformanceInsightsRetentionPeriod": ("performance_insights_retention_period", None),
    "DatabaseInsightsMode": ("database_insights_mode", "standard"),
}


def default_subnet_group(backend: Any) -> str:
    """The default VPC's `default` DB subnet group, made on first use."""
    if "default" not in backend.subnet_groups:
        ec2 = ec2_backends[backend.account_id][backend.region_name]
        vpc = ec2.default_vpc
        subnets = [s for s in ec2.describe_subnets() if s.vpc_id == vpc.id]
        backend.create_subnet_group("default", "default", subnets, [])
    return "default"


def default_security_group(backend: Any, subnet_group: str) -> str:
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    vpc_id = backend.subnet_groups[subnet_group].vpc_id
    return ec2.get_default_security_group(vpc_id).id


def default_option_group(engine: str, version: str) -> str:
    """The engine's default option group, named after its major version.

    From PostgreSQL 10 on the major version is one number, so 13.7 gets
    `default:postgres-13` (as real DescribeDBSnapshots output for 13.7 shows;
    the two-number form is only for 9.x); other engines use two numbers, such
    as `default:mysql-8-0`.
    """
    parts = version.split(".")
    one_number = "postgres" in engine and parts[0].isdigit() and int(parts[0]) >= 10
    major = parts[:1] if one_number or len(parts) == 1 else parts[:2]
    return f"default:{engine}-{'-'.join(major)}"


def apply_after_restore_settings(db: Any, request: Any) -> None:
    """Stores what CreateDBInstance / ModifyDBInstance set that moto ignores."""
    for member, (attribute, _) in AFTER_RESTORE.items():
        value = param(request, member)
        if value is not None:
            if member == "EnablePerformanceInsights":
                value = str(value).lower() == "true"
            setattr(db, attribute, value)


def restored(request: Any, db: DBInstance, source_tags: list[dict[str, str]]) -> None:
    backend = request.backend
    given = lambda member: param(request, member) is not None  # noqa: E731
    if not given("DBSubnetGroupName"):
        db.db_subnet_group_name = default_subnet_group(backend)
    group = db.db_subnet_group.name
    if not given("VpcSecurityGroupIds"):
        db.vpc_security_group_ids = [default_security_group(backend, group)]
    if not given("DBParameterGroupName"):
        db.db_parameter_group_name = None
    if not given("OptionGroupName"):
        db.option_group_supplied = False
        db.option_group_name = default_option_group(db.engine, db.engine_version)
    if not given("MultiAZ"):
        db.multi_az = False
    if not given("PubliclyAccessible"):
        db.publicly_accessible = group == "default"
    if not given("EnableIAMDatabaseAuthentication"):
        db.enable_iam_database_authentication = False
    if not given("EnableCloudwatchLogsExports"):
        db.enabled_cloudwatch_logs_exports = []
    if not given("CopyTagsToSnapshot"):
        db.copy_tags_to_snapshot = False
    if not given("DeletionProtection"):
        db.deletion_protection = False
    if not given("MaxAllocatedStorage"):
        db.max_allocated_storage = db.allocated_storage
    if not given("CACertificateIdentifier"):
        db.ca_certificate_identifier = DEFAULT_CA
    if not given("PreferredBackupWindow"):
        db.preferred_backup_window = AWS_BACKUP_WINDOW
    db.preferred_maintenance_window = AWS_MAINTENANCE_WINDOW
    for attribute, value in AFTER_RESTORE.values():
        setattr(db, attribute, value)
    if not given("Tags"):
        db.tags = [dict(tag) for tag in source_tags]


def default_option_group_named(request: Any, call: Any) -> Any:
    """Lets a restore name an engine's default option group.

    AWS has a `default:<engine>-<version>` option group in every region, and
    a restore may name it; moto keeps none, and refuses the name. It is
    taken out of the request for moto and set on the new instance after.
    """
    name = param(request, "OptionGroupName")
    if name is None or not name.startswith("default:"):
        return call()
    del request.params["OptionGroupName"]
    result = call()
    db = result_object(result, "DBInstance")
    db.option_group_supplied = True
    db.option_group_name = name
    return result


around("RestoreDBInstanceFromDBSnapshot")(default_option_group_named)
around("RestoreDBInstanceToPointInTime")(default_option_group_named)


@around("RestoreDBInstanceFromDBSnapshot")
def restore_from_snapshot(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_snapshot(param(request, "DBSnapshotIdentifier"))
    # The snapshot keeps the instance as it was when it was taken.
    source_tags = list(getattr(snapshot.database, "tags", []) or [])
    result = call()
    restored(request, result_object(result, "DBInstance"), source_tags)
    return result


@around("RestoreDBInstanceToPointInTime")
def restore_to_time(request: Any, call: Any) -> Any:
    source = request.backend.describe_db_instances(
        param(request, "SourceDBInstanceIdentifier")
    )[0]
    source_tags = list(source.tags or [])
    result = call()
    restored(request, result_object(result, "DBInstance"), source_tags)
    return result


@around("CreateDBInstance")
def create_db_instance(request: Any, call: Any) -> Any:
    result = call()
    apply_after_restore_settings(result_object(result, "DBInstance"), request)
    return result


@around("ModifyDBInstance")
def modify_db_instance(request: Any, call: Any) -> Any:
    result = call()
    apply_after_restore_settings(result_object(result, "DBInstance"), request)
    return result


@around("DescribeDBSubnetGroups")
def describe_db_subnet_groups(request: Any, call: Any) -> Any:
    # AWS accounts with a default VPC have the `default` DB subnet group that
    # restores without DBSubnetGroupName land in; here it exists as soon as
    # anything asks for it.
    if param(request, "DBSubnetGroupName") == "default":
        default_subnet_group(request.backend)
    return call()


@around("CreateDBSnapshot")
def create_db_snapshot(request: Any, call: Any) -> Any:
    # A DB snapshot records the VPC its instance was in (DBSnapshot.VpcId in
    # the API reference); moto leaves it out.
    result = call()
    snapshot = result_object(result, "DBSnapshot")
    group = getattr(snapshot.database, "db_subnet_group", None)
    snapshot.vpc_id = getattr(group, "vpc_id", None)
    return result


def _vpc_of(backend: Any, subnet_group: Any) -> str:
    """The VPC of a DB's subnet group; without one, the default VPC, where AWS
    puts a DB created without a DB subnet group (USER_VPC.WorkingWithRDSInstanceinaVPC:
    "If you don't specify a DB subnet group ... in the default VPC")."""
    if isinstance(subnet_group, str):
        subnet_group = backend.subnet_groups.get(subnet_group)
    vpc = getattr(subnet_group, "vpc_id", None)
    if vpc:
        return vpc
    return ec2_backends[backend.account_id][backend.region_name].default_vpc.id


@around("CreateDBSnapshot")
def db_snapshot_vpc(request: Any, call: Any) -> Any:
    # DBSnapshot.VpcId: "Provides the VPC ID associated with the DB snapshot",
    # also for an instance with no subnet group of its own (the default VPC).
    result = call()
    snapshot = result_object(result, "DBSnapshot")
    if not snapshot.vpc_id:
        snapshot.vpc_id = _vpc_of(request.backend, None)
    return result


def _cluster_snapshot_vpc(request: Any, snapshot: Any) -> None:
    cluster = snapshot.cluster
    snapshot.vpc_id = _vpc_of(request.backend, getattr(cluster, "db_subnet_group_name", None) or getattr(cluster, "subnet_group", None))


@around("CreateDBClusterSnapshot")
def cluster_snapshot_vpc(request: Any, call: Any) -> Any:
    # DBClusterSnapshot.VpcId: "The VPC ID associated with the DB cluster
    # snapshot" (API DBClusterSnapshot); moto leaves it out.
    result = call()
    _cluster_snapshot_vpc(request, result_object(result, "DBClusterSnapshot"))
    return result


@around("CopyDBClusterSnapshot")
def cluster_snapshot_copy_records_its_source(request: Any, call: Any) -> Any:
    # DBClusterSnapshot.SourceDBClusterSnapshotArn: "If the DB cluster snapshot
    # was copied from a source DB cluster snapshot, the Amazon Resource Name
    # (ARN) for the source DB cluster snapshot" (API DBClusterSnapshot).
    source = request.backend.get_db_cluster_snapshot(
        param(request, "SourceDBClusterSnapshotIdentifier")
    )
    result = call()
    copy = result_object(result, "DBClusterSnapshot")
    copy.source_db_cluster_snapshot_arn = source.db_cluster_snapshot_arn
    if not getattr(copy, "vpc_id", None):
        copy.vpc_id = getattr(source, "vpc_id", None) or _vpc_of(request.backend, None)
    return result
