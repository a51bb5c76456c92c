"""The emulator's Aurora paths (aurora.py, and the cluster parts of states,
windows, quotas, refusals and backtrack), each test naming the AWS source the
module cites. Run: `.venv/bin/python -m pytest tests/emulator -q`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import emulator
from conftest import client_kwargs
from helpers import (
    cluster,
    cluster_snapshot,
    code,
    collapse,
    create_cluster,
    instance,
    message,
    now,
    quotas,
    snapshot,
    status,
    take_snapshot,
    create_instance,
    wait_cluster,
    wait_instance,
    watch,
)

MYSQL_VERSION = "8.0.mysql_aurora.3.05.2"


@pytest.fixture(scope="module", autouse=True)
def faster_clock() -> Any:
    """Clusters, restores and members take minutes on AWS; here twice as fast
    as the rest of the suite, which every state still shows at."""
    before = emulator.CLOCK.scale
    emulator.CLOCK.scale = 0.001
    yield
    emulator.CLOCK.scale = before


def add_instance(rds: Any, name: str, cluster_name: str, engine: str = "aurora-postgresql", **extra: Any) -> dict[str, Any]:
    return rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.r6g.large",
        Engine=engine,
        DBClusterIdentifier=cluster_name,
        **extra,
    )["DBInstance"]


def cluster_status(rds: Any, name: str) -> str | None:
    return (cluster(rds, name) or {}).get("Status")


@pytest.fixture(scope="module")
def source(rds: Any) -> dict[str, Any]:
    """An available aurora-postgresql cluster with a writer, and an available
    manual snapshot of it."""
    name = "aur-source"
    create_cluster(rds, name, Tags=[{"Key": "team", "Value": "db"}])
    wait_cluster(rds, name)
    add_instance(rds, "aur-source-1", name)
    snap = "aur-source-snap"
    rds.create_db_cluster_snapshot(DBClusterIdentifier=name, DBClusterSnapshotIdentifier=snap)
    watch(lambda: cluster_snapshot(rds, snap)["Status"], lambda s: s == "available")
    return {"cluster": name, "writer": "aur-source-1", "snapshot": snap}


# --- 1. Restores restore only the cluster, and take time --------------------


def test_restore_from_snapshot_is_only_the_cluster_and_instances_wait_for_available(rds, source, name):
    """API_RestoreDBClusterFromSnapshot: "This operation only restores the DB
    cluster, not the DB instances ... You can create DB instances only after
    the RestoreDBClusterFromSnapshot operation has completed and the DB
    cluster is available"; before that CreateDBInstance is
    InvalidDBClusterStateFault (CreateDBInstance, Errors)."""
    target = name("restored")
    answer = rds.restore_db_cluster_from_snapshot(
        DBClusterIdentifier=target, SnapshotIdentifier=source["snapshot"], Engine="aurora-postgresql"
    )["DBCluster"]
    assert answer["Status"] == "creating"
    assert answer["DBClusterMembers"] == []
    with pytest.raises(ClientError) as excinfo:
        add_instance(rds, name("too-early"), target)
    assert code(excinfo) == "InvalidDBClusterStateFault"
    assert rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [target]}])["DBInstances"] == []
    seen = watch(lambda: cluster_status(rds, target), lambda s: s == "available")
    assert collapse(seen) == ["creating", "available"]
    assert cluster(rds, target)["DBClusterMembers"] == []
    writer = name("writer")
    add_instance(rds, writer, target)
    assert status(rds, writer) == "creating"
    # The cluster stays available while its instance is still being made.
    assert cluster_status(rds, target) == "available"


def test_point_in_time_restore_is_only_the_cluster(rds, source, name):
    """API_RestoreDBClusterToPointInTime: "For Aurora, this operation only
    restores the DB cluster, not the DB instances for that DB cluster"."""
    target = name("pitr")
    answer = rds.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier=target, SourceDBClusterIdentifier=source["cluster"], UseLatestRestorableTime=True
    )["DBCluster"]
    assert answer["Status"] == "creating"
    assert answer["DBClusterMembers"] == []
    wait_cluster(rds, target)
    assert cluster(rds, target)["DBClusterMembers"] == []


def test_clone_is_available_before_a_full_copy_restore(rds, source, name, clock_scale):
    """Aurora.Managing.Clone: a clone is "faster ... than physically copying
    the data using other techniques, such as restoring a snapshot"; clock.py
    gives `clone-creating` well under `cluster-restore-creating`."""
    full, clone = name("full"), name("clone")
    with clock_scale(0.001):
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=full, SourceDBClusterIdentifier=source["cluster"], UseLatestRestorableTime=True
        )
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=clone,
            SourceDBClusterIdentifier=source["cluster"],
            RestoreType="copy-on-write",
            UseLatestRestorableTime=True,
        )
    seen = watch(lambda: (cluster_status(rds, clone), cluster_status(rds, full)), lambda v: v[1] == "available")
    assert ("available", "creating") in seen
    assert collapse([c for c, _ in seen])[0] == "creating"


# --- 2. Restore defaults ------------------------------------------------------


@pytest.fixture(scope="module")
def custom_mysql(rds: Any, ec2: Any) -> dict[str, Any]:
    """An Aurora MySQL cluster with every setting a restore must not copy."""
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(DBSubnetGroupName="aur-subnets", DBSubnetGroupDescription="aurora", SubnetIds=subnets)
    sg = ec2.create_security_group(GroupName="aur-sg", Description="aurora", VpcId=vpc)["GroupId"]
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="aur-cluster-params", DBParameterGroupFamily="aurora-mysql8.0", Description="custom"
    )
    name = "aur-custom"
    tags = [{"Key": "env", "Value": "prod"}]
    create_cluster(
        rds,
        name,
        engine="aurora-mysql",
        EngineVersion=MYSQL_VERSION,
        DBSubnetGroupName="aur-subnets",
        VpcSecurityGroupIds=[sg],
        DBClusterParameterGroupName="aur-cluster-params",
        EnableIAMDatabaseAuthentication=True,
        EnableCloudwatchLogsExports=["audit"],
        BacktrackWindow=3600,
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        Tags=tags,
    )
    wait_cluster(rds, name)
    add_instance(rds, "aur-custom-1", name, engine="aurora-mysql")
    snap = "aur-custom-snap"
    rds.create_db_cluster_snapshot(DBClusterIdentifier=name, DBClusterSnapshotIdentifier=snap)
    watch(lambda: cluster_snapshot(rds, snap)["Status"], lambda s: s == "available")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [default_vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    return {"cluster": name, "snapshot": snap, "sg": sg, "tags": tags, "default_sg": default_sg}


def restore_mysql(rds: Any, how: str, custom: dict[str, Any], target: str, **extra: Any) -> dict[str, Any]:
    if how == "snapshot":
        return rds.restore_db_cluster_from_snapshot(
            DBClusterIdentifier=target, SnapshotIdentifier=custom["snapshot"], Engine="aurora-mysql", **extra
        )["DBCluster"]
    return rds.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier=target, SourceDBClusterIdentifier=custom["cluster"], UseLatestRestorableTime=True, **extra
    )["DBCluster"]


def test_source_cluster_carries_the_custom_settings(rds, custom_mysql):
    """CreateDBCluster keeps what the restore tests expect a restore to drop."""
    got = cluster(rds, custom_mysql["cluster"])
    assert got["DBSubnetGroup"] == "aur-subnets"
    assert [g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]] == [custom_mysql["sg"]]
    assert got["DBClusterParameterGroup"] == "aur-cluster-params"
    assert got["IAMDatabaseAuthenticationEnabled"] is True
    assert got["EnabledCloudwatchLogsExports"] == ["audit"]
    assert got["BacktrackWindow"] == 3600
    assert got["DeletionProtection"] is True
    assert got["CopyTagsToSnapshot"] is True


@pytest.mark.parametrize("how", ["snapshot", "pitr"])
def test_cluster_restore_gets_aws_defaults(rds, custom_mysql, name, how):
    """RestoreDBClusterFromSnapshotMessage / RestoreDBClusterToPointInTimeMessage:
    the default security group; the default DB cluster parameter group for
    the engine; IAM auth off; BacktrackWindow "Default: 0"; deletion
    protection off; CopyTagsToSnapshot "The default is not to copy them"; no
    log exports; the default subnet group (aurora.py). Tags: the source's."""
    target = name(f"cdef-{how}")
    restore_mysql(rds, how, custom_mysql, target)
    got = cluster(rds, target)
    assert got["DBSubnetGroup"] == "default"
    assert [g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]] == [custom_mysql["default_sg"]]
    assert got["DBClusterParameterGroup"] == "default.aurora-mysql8.0"
    assert got["IAMDatabaseAuthenticationEnabled"] is False
    assert not got.get("EnabledCloudwatchLogsExports")
    assert not got.get("BacktrackWindow")
    assert not got.get("EarliestBacktrackTime")
    assert got["DeletionProtection"] is False
    assert got["CopyTagsToSnapshot"] is False
    assert got["TagList"] == custom_mysql["tags"]
    # No restore call takes a maintenance window: AWS picks one, not the
    # source's (ModifyDBCluster.PreferredMaintenanceWindow, the default).
    assert got["PreferredMaintenanceWindow"] != cluster(rds, custom_mysql["cluster"])["PreferredMaintenanceWindow"]
    assert rds.describe_db_subnet_groups(DBSubnetGroupName="default")["DBSubnetGroups"]
    # What stays the source's.
    assert got["Engine"] == "aurora-mysql"
    assert got["EngineVersion"] == MYSQL_VERSION


@pytest.mark.parametrize("how", ["snapshot", "pitr"])
def test_cluster_restore_keeps_the_settings_it_is_given(rds, custom_mysql, name, how):
    """The same messages: given settings are what the restored cluster gets."""
    target = name(f"ckeep-{how}")
    restore_mysql(
        rds,
        how,
        custom_mysql,
        target,
        DBSubnetGroupName="aur-subnets",
        VpcSecurityGroupIds=[custom_mysql["sg"]],
        DBClusterParameterGroupName="aur-cluster-params",
        EnableIAMDatabaseAuthentication=True,
        BacktrackWindow=600,
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        Tags=[{"Key": "owner", "Value": "restore"}],
    )
    got = cluster(rds, target)
    assert got["DBSubnetGroup"] == "aur-subnets"
    assert [g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]] == [custom_mysql["sg"]]
    assert got["DBClusterParameterGroup"] == "aur-cluster-params"
    assert got["IAMDatabaseAuthenticationEnabled"] is True
    assert got["BacktrackWindow"] == 600
    assert got["DeletionProtection"] is True
    assert got["CopyTagsToSnapshot"] is True
    assert got["TagList"] == [{"Key": "owner", "Value": "restore"}]


# --- 3. Instances in a cluster ---------------------------------------------------


def test_writer_then_reader_with_endpoints_and_default_parameter_group(rds, name):
    """DBClusterMember.IsClusterWriter: the first instance is the writer, the
    next a reader; the cluster reports Endpoint and ReaderEndpoint; each
    instance gets the engine family's default DB parameter group
    (CreateDBInstanceMessage.DBParameterGroupName), the cluster the default
    DB cluster parameter group."""
    name_c, writer, reader = name("wr"), name("wr-1"), name("wr-2")
    create_cluster(rds, name_c, EngineVersion="15.4")
    wait_cluster(rds, name_c)
    add_instance(rds, writer, name_c)
    add_instance(rds, reader, name_c)
    got = cluster(rds, name_c)
    assert {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in got["DBClusterMembers"]} == {
        writer: True,
        reader: False,
    }
    assert got["Endpoint"] and got["ReaderEndpoint"] and got["Endpoint"] != got["ReaderEndpoint"]
    assert got["DBClusterParameterGroup"] == "default.aurora-postgresql15"
    wait_instance(rds, reader)
    for member in (writer, reader):
        db = instance(rds, member)
        assert db["DBClusterIdentifier"] == name_c
        assert db["DBParameterGroups"][0]["DBParameterGroupName"] == "default.aurora-postgresql15"


def test_member_instance_goes_creating_then_available(rds, source, name):
    """Viewing DB instance status: an instance added to a cluster goes
    `creating` -> `available`, without the `backing-up` of a standalone
    instance (Aurora's backups are the cluster volume's; states.py)."""
    member = name("member")
    add_instance(rds, member, source["cluster"])
    seen = watch(lambda: status(rds, member), lambda s: s == "available")
    assert collapse(seen) == ["creating", "available"]


def test_instance_engine_must_match_the_cluster(rds, source, name):
    """CreateDBInstance into a cluster of another engine: InvalidParameterCombination,
    "The engine name requested for your DB instance (...) doesn't match the
    engine name of your DB cluster (...)"."""
    with pytest.raises(ClientError) as excinfo:
        add_instance(rds, name("mysql-in-pg"), source["cluster"], engine="aurora-mysql")
    assert code(excinfo) == "InvalidParameterCombination"
    assert "doesn't match the engine name of your DB cluster" in message(excinfo)


# MissingParameter is a common error of the query protocol, not a shape in the
# RDS model, and moto's serializer says so.
@pytest.mark.filterwarnings("ignore:Exception\\(AwsError\\) with code MissingParameter")
def test_instance_class_is_required(endpoint, source, name):
    """CreateDBInstanceMessage lists DBInstanceClass as required; AWS's query
    protocol answers MissingParameter (a client without validation sends it)."""
    unchecked = boto3.client("rds", config=Config(parameter_validation=False), **client_kwargs(endpoint))
    with pytest.raises(ClientError) as excinfo:
        unchecked.create_db_instance(
            DBInstanceIdentifier=name("classless"), Engine="aurora-postgresql", DBClusterIdentifier=source["cluster"]
        )
    assert code(excinfo) == "MissingParameter"


@pytest.mark.parametrize(
    "member,value",
    [
        ("VpcSecurityGroupIds", ["sg-12345678"]),
        ("BackupRetentionPeriod", 7),
        ("PreferredBackupWindow", "03:00-03:30"),
        ("MasterUsername", "admin2"),
        ("MasterUserPassword", "another-password"),
    ],
)
def test_cluster_owned_setting_on_create_is_refused(rds, source, name, member, value):
    """CreateDBInstanceMessage: "This setting doesn't apply to Amazon Aurora DB
    instances"; AWS answers InvalidParameterCombination, "The requested DB
    Instance will be a member of a DB Cluster. Set ... for the DB Cluster."."""
    target = name("owned")
    with pytest.raises(ClientError) as excinfo:
        add_instance(rds, target, source["cluster"], **{member: value})
    assert code(excinfo) == "InvalidParameterCombination"
    assert "will be a member of a DB Cluster" in message(excinfo)
    assert instance(rds, target) is None


@pytest.mark.parametrize(
    "member,value",
    [
        ("VpcSecurityGroupIds", ["sg-12345678"]),
        ("BackupRetentionPeriod", 7),
        ("PreferredBackupWindow", "03:00-03:30"),
        ("DeletionProtection", True),
    ],
)
def test_cluster_owned_setting_on_modify_is_refused(rds, source, member, value):
    """ModifyDBInstanceMessage ("managed by the DB cluster ... see
    ModifyDBCluster"): InvalidParameterCombination, "The specified DB Instance
    is a member of a cluster. Modify ... for the DB Cluster using the
    ModifyDbCluster API" (provider-aws #1799, Optum/dce #244, provider-aws
    #1529, ACK rds-controller #99)."""
    wait_instance(rds, source["writer"])
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(DBInstanceIdentifier=source["writer"], ApplyImmediately=True, **{member: value})
    assert code(excinfo) == "InvalidParameterCombination"
    assert "ModifyDbCluster" in message(excinfo)
    assert status(rds, source["writer"]) == "available"


# --- 4. Clones ---------------------------------------------------------------------


def test_clone_takes_latest_time_and_joins_a_clone_group(rds, source, name):
    """RestoreDBClusterToPointInTimeMessage: copy-on-write with
    UseLatestRestorableTime; DBCluster.CloneGroupId is set on the source and
    the clone alike."""
    clone = name("cg")
    rds.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier=clone,
        SourceDBClusterIdentifier=source["cluster"],
        RestoreType="copy-on-write",
        UseLatestRestorableTime=True,
    )
    group = cluster(rds, source["cluster"])["CloneGroupId"]
    assert group
    assert cluster(rds, clone)["CloneGroupId"] == group


def test_snapshot_restore_does_not_join_the_clone_group(rds, source, name):
    """DBCluster.CloneGroupId: "For snapshot restore operations, the clone
    group ID isn't inherited from the source cluster"."""
    target = name("nogroup")
    rds.restore_db_cluster_from_snapshot(
        DBClusterIdentifier=target, SnapshotIdentifier=source["snapshot"], Engine="aurora-postgresql"
    )
    assert not cluster(rds, target).get("CloneGroupId")


@pytest.mark.parametrize(
    "extra",
    [
        {"RestoreType": "copy-on-write", "RestoreToTime": "TIME"},
        {"RestoreToTime": "TIME", "UseLatestRestorableTime": True},
    ],
    ids=["clone-with-time", "time-and-latest"],
)
def test_restore_time_combinations_are_refused(rds, source, name, extra):
    """RestoreDBClusterToPointInTimeMessage.RestoreToTime: "Can't be specified
    if the UseLatestRestorableTime parameter is enabled"; "Can't be specified
    if the RestoreType parameter is copy-on-write"."""
    extra = {k: (now() - timedelta(milliseconds=1) if v == "TIME" else v) for k, v in extra.items()}
    target = name("combo")
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=target, SourceDBClusterIdentifier=source["cluster"], **extra
        )
    assert code(excinfo) == "InvalidParameterCombination"
    assert cluster(rds, target) is None


def test_unknown_restore_type_is_refused(rds, source, name):
    """RestoreType is full-copy or copy-on-write (the message's member docs)."""
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=name("bad-type"),
            SourceDBClusterIdentifier=source["cluster"],
            RestoreType="snapshot",
            UseLatestRestorableTime=True,
        )
    assert code(excinfo) == "InvalidParameterValue"


def test_clone_of_a_cluster_without_instances_is_refused(rds, name):
    """Aurora.Managing.Clone, Limitations: "You can't create a clone from an
    Aurora DB cluster without a DB instance" (InvalidDBClusterStateFault here)."""
    empty = name("empty")
    create_cluster(rds, empty)
    wait_cluster(rds, empty)
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=name("empty-clone"),
            SourceDBClusterIdentifier=empty,
            RestoreType="copy-on-write",
            UseLatestRestorableTime=True,
        )
    assert code(excinfo) == "InvalidDBClusterStateFault"


def test_clone_from_another_region_is_not_found(rds, source, name):
    """Aurora.Managing.Clone, Limitations: "You can't create a clone in a
    different AWS Region than the source Aurora DB cluster"."""
    arn = cluster(rds, source["cluster"])["DBClusterArn"].replace("us-east-1", "us-west-2")
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=name("far-clone"),
            SourceDBClusterIdentifier=arn,
            RestoreType="copy-on-write",
            UseLatestRestorableTime=True,
        )
    assert code(excinfo) == "DBClusterNotFoundFault"


def test_clones_are_bounded_by_the_cluster_quota(rds, source, name, monkeypatch):
    """Aurora.Managing.Clone: "as many clones as you want, up to the maximum
    number of DB clusters allowed in the AWS Region"; at the quota,
    DBClusterQuotaExceededFault (RestoreDBClusterToPointInTime, Errors)."""
    used = quotas(rds)["DBClusters"]["Used"]
    monkeypatch.setenv("RDS_EMULATOR_DB_CLUSTER_QUOTA", str(used))
    assert quotas(rds)["DBClusters"]["Max"] == used
    for restore in (
        lambda: rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=name("over"),
            SourceDBClusterIdentifier=source["cluster"],
            RestoreType="copy-on-write",
            UseLatestRestorableTime=True,
        ),
        lambda: rds.restore_db_cluster_from_snapshot(
            DBClusterIdentifier=name("over2"), SnapshotIdentifier=source["snapshot"], Engine="aurora-postgresql"
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            restore()
        assert code(excinfo) == "DBClusterQuotaExceededFault"


# --- 5. The cluster's restorable window -----------------------------------------------


def test_cluster_point_in_time_restore_outside_the_window_is_refused(rds, source, name):
    """DBCluster.EarliestRestorableTime / LatestRestorableTime bound
    RestoreToTime ("Must be before the latest restorable time"); outside is
    InvalidParameterValue (windows.py); inside is accepted."""
    got = cluster(rds, source["cluster"])
    earliest, latest = got["EarliestRestorableTime"], got["LatestRestorableTime"]
    assert earliest <= latest <= now()
    for bad in (earliest - timedelta(seconds=1), now() + timedelta(hours=1)):
        target = name("outside")
        with pytest.raises(ClientError) as excinfo:
            rds.restore_db_cluster_to_point_in_time(
                DBClusterIdentifier=target, SourceDBClusterIdentifier=source["cluster"], RestoreToTime=bad
            )
        assert code(excinfo) == "InvalidParameterValue"
        assert cluster(rds, target) is None
    inside = name("inside")
    rds.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier=inside, SourceDBClusterIdentifier=source["cluster"], RestoreToTime=latest
    )
    restored = cluster(rds, inside)
    assert restored["Status"] == "creating"
    assert not restored.get("EarliestRestorableTime")


# --- 6. Cluster snapshots ---------------------------------------------------------------


def test_cluster_snapshot_id_is_stored_lowercase(rds, source, name):
    """CreateDBClusterSnapshotMessage.DBClusterSnapshotIdentifier: "This
    parameter is stored as a lowercase string"."""
    upper = name("MixedCase").upper()
    rds.create_db_cluster_snapshot(DBClusterIdentifier=source["cluster"], DBClusterSnapshotIdentifier=upper)
    assert cluster_snapshot(rds, upper.lower())["DBClusterSnapshotIdentifier"] == upper.lower()


def test_deleting_an_automated_cluster_snapshot_is_refused(rds, source):
    """DeleteDBClusterSnapshot of an automated snapshot:
    InvalidDBClusterSnapshotStateFault (aws-nuke #511)."""
    automated = rds.describe_db_cluster_snapshots(DBClusterIdentifier=source["cluster"], SnapshotType="automated")[
        "DBClusterSnapshots"
    ]
    assert automated
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=automated[0]["DBClusterSnapshotIdentifier"])
    assert code(excinfo) == "InvalidDBClusterSnapshotStateFault"


def test_deleting_or_copying_a_cluster_snapshot_still_creating_is_refused(rds, source, name):
    """DeleteDBClusterSnapshotMessage: "in the available state";
    CopyDBClusterSnapshotMessage.SourceDBClusterSnapshotIdentifier: "a valid
    source snapshot in the 'available' state"."""
    snap = name("busy")
    rds.create_db_cluster_snapshot(DBClusterIdentifier=source["cluster"], DBClusterSnapshotIdentifier=snap)
    assert cluster_snapshot(rds, snap)["Status"] == "creating"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snap)
    assert code(excinfo) == "InvalidDBClusterSnapshotStateFault"
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=snap, TargetDBClusterSnapshotIdentifier=name("cp"))
    assert code(excinfo) == "InvalidDBClusterSnapshotStateFault"
    watch(lambda: cluster_snapshot(rds, snap)["Status"], lambda s: s == "available")
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snap)


def test_cluster_snapshot_filters_take_many_values(rds, source, name):
    """DescribeDBClusterSnapshotsMessage.Filters: db-cluster-snapshot-id and
    db-cluster-id, each with several values, in one call."""
    one, two = name("f1"), name("f2")
    for snap in (one, two):
        rds.create_db_cluster_snapshot(DBClusterIdentifier=source["cluster"], DBClusterSnapshotIdentifier=snap)
    got = rds.describe_db_cluster_snapshots(
        Filters=[{"Name": "db-cluster-snapshot-id", "Values": [one, two, name("missing")]}]
    )["DBClusterSnapshots"]
    assert sorted(s["DBClusterSnapshotIdentifier"] for s in got) == sorted([one, two])
    assert {s["Status"] for s in got} <= {"creating", "available"}
    by_cluster = rds.describe_db_cluster_snapshots(
        Filters=[{"Name": "db-cluster-id", "Values": [source["cluster"], "aur-custom-none"]}]
    )["DBClusterSnapshots"]
    assert {one, two, source["snapshot"]} <= {s["DBClusterSnapshotIdentifier"] for s in by_cluster}
    assert {s["DBClusterIdentifier"] for s in by_cluster} == {source["cluster"]}


def test_db_snapshot_id_filter_takes_many_values(rds, name):
    """DescribeDBSnapshotsMessage.Filters: db-snapshot-id with several values."""
    db = name("fdb")
    create_instance(rds, db)
    wait_instance(rds, db)
    one, two = name("s1"), name("s2")
    take_snapshot(rds, db, one)
    rds.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=two)
    got = rds.describe_db_snapshots(Filters=[{"Name": "db-snapshot-id", "Values": [one, two, name("nope")]}])[
        "DBSnapshots"
    ]
    assert sorted(s["DBSnapshotIdentifier"] for s in got) == sorted([one, two])
    assert snapshot(rds, one)["Status"] == "available"


@pytest.fixture(scope="module")
def encrypted(rds: Any, endpoint: str) -> dict[str, Any]:
    kms = boto3.client("kms", **client_kwargs(endpoint))
    first = kms.create_key()["KeyMetadata"]["Arn"]
    second = kms.create_key()["KeyMetadata"]["Arn"]
    name = "aur-encrypted"
    create_cluster(rds, name, StorageEncrypted=True, KmsKeyId=first)
    wait_cluster(rds, name)
    snap = "aur-encrypted-snap"
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier=name, DBClusterSnapshotIdentifier=snap, Tags=[{"Key": "k", "Value": "v"}]
    )
    watch(lambda: cluster_snapshot(rds, snap)["Status"], lambda s: s == "available")
    return {"snapshot": snap, "second_key": second}


def test_copy_cluster_snapshot_with_kms_key_and_tags(rds, encrypted, name, clock_scale):
    """CopyDBClusterSnapshotMessage: KmsKeyId re-encrypts the copy of an
    encrypted snapshot; Tags are the copy's; the copy goes pending -> copying
    -> available and counts as a manual snapshot (quotas.py)."""
    used = quotas(rds)["ManualClusterSnapshots"]["Used"]
    copy = name("kcopy")
    # `pending` lasts 30 AWS seconds: at the suite's scale, long enough to see.
    with clock_scale(0.002):
        rds.copy_db_cluster_snapshot(
            SourceDBClusterSnapshotIdentifier=encrypted["snapshot"],
            TargetDBClusterSnapshotIdentifier=copy,
            KmsKeyId=encrypted["second_key"],
            Tags=[{"Key": "copied", "Value": "yes"}],
        )
    assert quotas(rds)["ManualClusterSnapshots"]["Used"] == used + 1
    seen = watch(lambda: cluster_snapshot(rds, copy)["Status"], lambda s: s == "available")
    assert collapse(seen) == ["pending", "copying", "available"]
    got = cluster_snapshot(rds, copy)
    assert got["StorageEncrypted"] is True
    assert got["KmsKeyId"] == encrypted["second_key"]
    assert got["SnapshotType"] == "manual"
    tags = rds.list_tags_for_resource(ResourceName=got["DBClusterSnapshotArn"])["TagList"]
    assert tags == [{"Key": "copied", "Value": "yes"}]


def test_copy_of_unencrypted_cluster_snapshot_with_kms_key_is_refused(rds, source, encrypted, name):
    """CopyDBClusterSnapshotMessage.KmsKeyId: "If you copy an unencrypted DB
    cluster snapshot and specify a value for the KmsKeyId parameter, an error
    is returned" (InvalidParameterCombination here)."""
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_cluster_snapshot(
            SourceDBClusterSnapshotIdentifier=source["snapshot"],
            TargetDBClusterSnapshotIdentifier=name("nokms"),
            KmsKeyId=encrypted["second_key"],
        )
    assert code(excinfo) == "InvalidParameterCombination"


def test_cluster_snapshot_copy_quota_is_enforced(rds, source, name, monkeypatch):
    """SnapshotQuotaExceeded (CopyDBClusterSnapshot, Errors) at the
    ManualClusterSnapshots quota."""
    used = quotas(rds)["ManualClusterSnapshots"]["Used"]
    monkeypatch.setenv("RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA", str(used))
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_cluster_snapshot(
            SourceDBClusterSnapshotIdentifier=source["snapshot"], TargetDBClusterSnapshotIdentifier=name("over")
        )
    assert code(excinfo) == "SnapshotQuotaExceeded"


# --- 7. Backtrack and binlog replication ------------------------------------------------


@pytest.fixture(scope="module")
def binlog_pair(rds: Any) -> dict[str, str]:
    """An Aurora MySQL cluster with a backtrack window that is the source of
    a binlog replica cluster."""
    src, replica = "aur-binlog-src", "aur-binlog-replica"
    create_cluster(rds, src, engine="aurora-mysql", EngineVersion=MYSQL_VERSION, BacktrackWindow=3600)
    wait_cluster(rds, src)
    create_cluster(
        rds,
        replica,
        engine="aurora-mysql",
        EngineVersion=MYSQL_VERSION,
        ReplicationSourceIdentifier=cluster(rds, src)["DBClusterArn"],
    )
    wait_cluster(rds, replica)
    return {"source": src, "replica": replica}


def test_describe_reports_backtrack_and_binlog_replication(rds, binlog_pair):
    """DBCluster: BacktrackWindow, EarliestBacktrackTime, ReadReplicaIdentifiers
    ("identifiers of the read replicas") and ReplicationSourceIdentifier ("the
    source DB cluster if this DB cluster is a read replica")."""
    src = cluster(rds, binlog_pair["source"])
    replica = cluster(rds, binlog_pair["replica"])
    assert src["BacktrackWindow"] == 3600
    assert src["ClusterCreateTime"] <= src["EarliestBacktrackTime"] <= now()
    assert src["ReadReplicaIdentifiers"] == [replica["DBClusterArn"]]
    assert not src.get("ReplicationSourceIdentifier")
    assert replica["ReplicationSourceIdentifier"] == src["DBClusterArn"]


def test_backtrack_with_binary_logging_needs_force(rds, binlog_pair):
    """BacktrackDBClusterMessage.Force: "Otherwise, an error occurs when binary
    logging is enabled" (InvalidDBClusterStateFault, the operation's state
    error); with Force the backtrack runs."""
    name = binlog_pair["source"]
    to = now() - timedelta(milliseconds=1)
    with pytest.raises(ClientError) as excinfo:
        rds.backtrack_db_cluster(DBClusterIdentifier=name, BacktrackTo=to)
    assert code(excinfo) == "InvalidDBClusterStateFault"
    assert cluster(rds, name)["Status"] == "available"
    rds.backtrack_db_cluster(DBClusterIdentifier=name, BacktrackTo=to, Force=True)
    wait_cluster(rds, name)


def test_backtrack_with_binlog_format_parameter_needs_force(rds, name):
    """Binary logging turned on by `binlog_format` in the cluster parameter
    group counts too (backtrack.py); Force lets the backtrack run."""
    group = name("binlog-params")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=group, DBParameterGroupFamily="aurora-mysql8.0", Description="binlog"
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[{"ParameterName": "binlog_format", "ParameterValue": "ROW", "ApplyMethod": "pending-reboot"}],
    )
    target = name("binlog-on")
    create_cluster(
        rds, target, engine="aurora-mysql", EngineVersion=MYSQL_VERSION, BacktrackWindow=3600,
        DBClusterParameterGroupName=group,
    )
    wait_cluster(rds, target)
    with pytest.raises(ClientError) as excinfo:
        rds.backtrack_db_cluster(DBClusterIdentifier=target, BacktrackTo=now() - timedelta(milliseconds=1))
    assert code(excinfo) == "InvalidDBClusterStateFault"
    rds.backtrack_db_cluster(DBClusterIdentifier=target, BacktrackTo=now() - timedelta(milliseconds=1), Force=True)


def test_a_backtrack_window_changes_only_on_a_backtrack_enabled_aurora_mysql_cluster(rds, source, name):
    """ModifyDBCluster, BacktrackWindow (backtrack.py): a backtrack-enabled
    cluster's window can be changed, and turned off; once off (or never on)
    it cannot be turned on; 0 to 259,200 seconds; Aurora MySQL only."""
    on, off = name("bt-on"), name("bt-off")
    create_cluster(rds, on, engine="aurora-mysql", EngineVersion=MYSQL_VERSION, BacktrackWindow=3600)
    create_cluster(rds, off, engine="aurora-mysql", EngineVersion=MYSQL_VERSION)
    wait_cluster(rds, on)
    wait_cluster(rds, off)
    for target, window, error in [
        (on, 259201, "InvalidParameterValue"),
        (off, 3600, "InvalidParameterCombination"),
        (source["cluster"], 3600, "InvalidParameterCombination"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            rds.modify_db_cluster(DBClusterIdentifier=target, BacktrackWindow=window, ApplyImmediately=True)
        assert code(excinfo) == error, target
    rds.modify_db_cluster(DBClusterIdentifier=on, BacktrackWindow=60, ApplyImmediately=True)
    wait_cluster(rds, on)
    assert cluster(rds, on)["BacktrackWindow"] == 60
    rds.modify_db_cluster(DBClusterIdentifier=on, BacktrackWindow=0, ApplyImmediately=True)
    wait_cluster(rds, on)
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier=on, BacktrackWindow=60, ApplyImmediately=True)
    assert code(excinfo) == "InvalidParameterCombination"


def test_a_cluster_is_deleted_once_its_instances_are_deleting(rds, name):
    """DeleteDBCluster refuses a cluster with instances "in non-deleting
    state", and takes one whose instances are all being deleted."""
    name_c, member = name("del"), name("del-1")
    create_cluster(rds, name_c, EngineVersion="15.4")
    wait_cluster(rds, name_c)
    add_instance(rds, member, name_c)
    wait_instance(rds, member)
    with pytest.raises(ClientError):
        rds.delete_db_cluster(DBClusterIdentifier=name_c, SkipFinalSnapshot=True)
    rds.delete_db_instance(DBInstanceIdentifier=member, SkipFinalSnapshot=True)
    assert rds.describe_db_instances(DBInstanceIdentifier=member)["DBInstances"][0]["DBInstanceStatus"] == "deleting"
    rds.delete_db_cluster(DBClusterIdentifier=name_c, SkipFinalSnapshot=True)
