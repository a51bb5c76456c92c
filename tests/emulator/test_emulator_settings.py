"""The strict RDS emulator's own tests (tests/support/emulator): restore
defaults, restore windows, quotas, Backtrack, and the fault proxy in front.

Each test names, in its docstring, the AWS source the emulator module cites
for the behaviour it checks. Run: `.venv/bin/python -m pytest tests/emulator -q`.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import REPO, client_kwargs, free_port

import emulator

from helpers import (
    quotas,
    PASSWORD,
    POLL,
    cluster,
    cluster_snapshot,
    code,
    collapse,
    create_cluster,
    create_instance,
    instance,
    message,
    now,
    snapshot,
    status,
    take_snapshot,
    wait_cluster,
    wait_instance,
    wait_snapshot,
    watch,
)


# --- 4. Restore defaults ----------------------------------------------------


@pytest.fixture(scope="module")
def customised(rds: Any, ec2: Any) -> dict[str, Any]:
    """A source instance with every setting a restore must not copy, and an
    available snapshot of it."""
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"us-east-1{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(
        DBSubnetGroupName="custom-subnets",
        DBSubnetGroupDescription="custom",
        SubnetIds=subnets,
    )
    sg = ec2.create_security_group(GroupName="custom-sg", Description="custom", VpcId=vpc)["GroupId"]
    rds.create_db_parameter_group(
        DBParameterGroupName="custom-params",
        DBParameterGroupFamily="postgres13",
        Description="custom",
    )
    rds.create_option_group(
        OptionGroupName="custom-options",
        EngineName="postgres",
        MajorEngineVersion="13",
        OptionGroupDescription="custom",
    )
    source = "custom-source"
    tags = [{"Key": "team", "Value": "db"}, {"Key": "env", "Value": "prod"}]
    create_instance(
        rds,
        source,
        EngineVersion="13.7",
        DBSubnetGroupName="custom-subnets",
        VpcSecurityGroupIds=[sg],
        DBParameterGroupName="custom-params",
        OptionGroupName="custom-options",
        EnableIAMDatabaseAuthentication=True,
        EnableCloudwatchLogsExports=["postgresql"],
        MonitoringInterval=60,
        MonitoringRoleArn="arn:aws:iam::123456789012:role/rds-monitoring",
        EnablePerformanceInsights=True,
        MultiAZ=True,
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        MaxAllocatedStorage=100,
        BackupRetentionPeriod=1,
        Tags=tags,
    )
    wait_instance(rds, source)
    snap = "custom-source-snap"
    take_snapshot(rds, source, snap)
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    default_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [default_vpc]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    return {
        "source": source,
        "snapshot": snap,
        "vpc": vpc,
        "sg": sg,
        "tags": tags,
        "default_vpc": default_vpc,
        "default_sg": default_sg,
    }


def test_source_carries_the_custom_settings(rds, customised):
    """CreateDBInstance stores what the restore tests expect a restore to drop
    (the emulator keeps MonitoringInterval / Performance Insights, which moto
    ignores: defaults.py, AFTER_RESTORE)."""
    db = instance(rds, customised["source"])
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == "custom-subnets"
    assert db["DBSubnetGroup"]["VpcId"] == customised["vpc"]
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [customised["sg"]]
    assert db["DBParameterGroups"][0]["DBParameterGroupName"] == "custom-params"
    assert db["OptionGroupMemberships"][0]["OptionGroupName"] == "custom-options"
    assert db["IAMDatabaseAuthenticationEnabled"] is True
    assert db["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert db["MonitoringInterval"] == 60
    assert db["PerformanceInsightsEnabled"] is True
    assert db["MultiAZ"] is True
    assert db["DeletionProtection"] is True
    assert db["CopyTagsToSnapshot"] is True
    assert db["MaxAllocatedStorage"] == 100


def assert_aws_defaults(db: dict[str, Any], customised: dict[str, Any]) -> None:
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == "default"
    assert db["DBSubnetGroup"]["VpcId"] == customised["default_vpc"]
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [customised["default_sg"]]
    assert db["DBParameterGroups"][0]["DBParameterGroupName"].startswith("default.")
    assert db["DBParameterGroups"][0]["DBParameterGroupName"] == "default.postgres13"
    assert db["OptionGroupMemberships"][0]["OptionGroupName"] == "default:postgres-13"
    assert db["MultiAZ"] is False
    assert db["IAMDatabaseAuthenticationEnabled"] is False
    assert not db.get("EnabledCloudwatchLogsExports")
    assert db.get("MonitoringInterval", 0) == 0
    assert not db.get("MonitoringRoleArn")
    assert db.get("PerformanceInsightsEnabled", False) is False
    assert db["DeletionProtection"] is False
    assert db["CopyTagsToSnapshot"] is False
    assert "MaxAllocatedStorage" not in db or db["MaxAllocatedStorage"] is None
    # What stays the source's.
    assert db["Engine"] == "postgres"
    assert db["EngineVersion"] == "13.7"
    assert db["DBInstanceClass"] == "db.t3.micro"


def test_restore_from_snapshot_gets_aws_defaults(rds, customised, name):
    """RestoreDBInstanceFromDBSnapshotMessage and USER_RestoreFromSnapshot:
    without settings, the default VPC, DB subnet group and VPC security group;
    the engine's default parameter and option groups; Single-AZ; IAM auth,
    log exports, deletion protection off; no Enhanced Monitoring or
    Performance Insights (not restore parameters)."""
    db = name("defaults")
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier=db, DBSnapshotIdentifier=customised["snapshot"]
    )
    assert_aws_defaults(instance(rds, db), customised)
    wait_instance(rds, db)
    assert_aws_defaults(instance(rds, db), customised)


def test_point_in_time_restore_gets_aws_defaults(rds, customised, name):
    """RestoreDBInstanceToPointInTime: "created with most of the original
    configuration, but ... with the default security group, the default
    subnet group, and the default DB parameter group ... single-AZ"; USER_PIT:
    "automatically associated with the default DB parameter and option
    groups"."""
    db = name("pitr-defaults")
    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=customised["source"],
        TargetDBInstanceIdentifier=db,
        UseLatestRestorableTime=True,
    )
    assert_aws_defaults(instance(rds, db), customised)


@pytest.mark.parametrize("how", ["snapshot", "pitr"])
def test_restore_keeps_the_settings_it_is_given(rds, customised, name, how):
    """RestoreDBInstanceFromDBSnapshotMessage / ToPointInTimeMessage:
    DBSubnetGroupName, VpcSecurityGroupIds and DBParameterGroupName, when
    given, are what the restored instance gets."""
    db = name(f"kept-{how}")
    given = {
        "DBSubnetGroupName": "custom-subnets",
        "VpcSecurityGroupIds": [customised["sg"]],
        "DBParameterGroupName": "custom-params",
        "OptionGroupName": "custom-options",
    }
    if how == "snapshot":
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=db, DBSnapshotIdentifier=customised["snapshot"], **given
        )
    else:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=customised["source"],
            TargetDBInstanceIdentifier=db,
            UseLatestRestorableTime=True,
            **given,
        )
    got = instance(rds, db)
    assert got["DBSubnetGroup"]["DBSubnetGroupName"] == "custom-subnets"
    assert got["DBSubnetGroup"]["VpcId"] == customised["vpc"]
    assert [g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]] == [customised["sg"]]
    assert got["DBParameterGroups"][0]["DBParameterGroupName"] == "custom-params"
    assert got["OptionGroupMemberships"][0]["OptionGroupName"] == "custom-options"


def tags_of(rds: Any, name: str) -> list[dict[str, str]]:
    arn = instance(rds, name)["DBInstanceArn"]
    return sorted(rds.list_tags_for_resource(ResourceName=arn)["TagList"], key=lambda t: t["Key"])


@pytest.mark.parametrize("how", ["snapshot", "pitr"])
def test_restore_tags(rds, customised, name, how):
    """Tags: without any given, the source instance's (USER_Tagging for a
    snapshot restore; USER_PIT: "RDS adds the latest tags"); with Tags, only
    the given ones."""

    def restore(target: str, **extra: Any) -> None:
        if how == "snapshot":
            rds.restore_db_instance_from_db_snapshot(
                DBInstanceIdentifier=target, DBSnapshotIdentifier=customised["snapshot"], **extra
            )
        else:
            rds.restore_db_instance_to_point_in_time(
                SourceDBInstanceIdentifier=customised["source"],
                TargetDBInstanceIdentifier=target,
                UseLatestRestorableTime=True,
                **extra,
            )

    plain, tagged = name(f"tags-{how}"), name(f"tags2-{how}")
    restore(plain)
    restore(tagged, Tags=[{"Key": "owner", "Value": "restore"}])
    assert tags_of(rds, plain) == sorted(customised["tags"], key=lambda t: t["Key"])
    assert tags_of(rds, tagged) == [{"Key": "owner", "Value": "restore"}]


# --- 5. Windows -------------------------------------------------------------


def test_restore_window_is_reported_and_moves_forward(rds, ready_db):
    """DBInstanceAutomatedBackup.RestoreWindow (EarliestTime, LatestTime);
    LatestRestorableTime "is typically within the last five minutes" (USER_PIT)
    and so moves with the clock."""

    def window() -> dict[str, datetime]:
        backups = rds.describe_db_instance_automated_backups(DBInstanceIdentifier=ready_db)[
            "DBInstanceAutomatedBackups"
        ]
        assert len(backups) == 1
        return backups[0]["RestoreWindow"]

    # "Within the last five minutes", in emulated time.
    five_minutes = timedelta(seconds=300 * emulator.CLOCK.scale)
    first = window()
    assert first["EarliestTime"] <= first["LatestTime"] <= now()
    time.sleep(five_minutes.total_seconds() + 0.1)
    before = now()
    second = window()
    after = now()
    assert second["EarliestTime"] <= second["LatestTime"] <= after
    assert second["LatestTime"] > first["LatestTime"]
    assert second["EarliestTime"] == first["EarliestTime"]
    # LatestRestorableTime trails the clock, by about five minutes at most.
    assert before - five_minutes - timedelta(seconds=0.5) <= second["LatestTime"]
    assert second["LatestTime"] <= after - five_minutes / 2
    assert instance(rds, ready_db)["LatestRestorableTime"] >= second["LatestTime"]


def test_no_backups_means_no_window_and_no_point_in_time_restore(rds, name):
    """An instance with BackupRetentionPeriod 0 has no automated backups and
    no restorable time; PITR from it is PointInTimeRestoreNotEnabled
    (API_RestoreDBInstanceToPointInTime, Errors)."""
    db = name("nobackup")
    create_instance(rds, db, BackupRetentionPeriod=0)
    wait_instance(rds, db)
    backups = rds.describe_db_instance_automated_backups(DBInstanceIdentifier=db)[
        "DBInstanceAutomatedBackups"
    ]
    assert all("RestoreWindow" not in b for b in backups), backups
    assert "LatestRestorableTime" not in instance(rds, db)
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=db,
            TargetDBInstanceIdentifier=name("nobackup-pitr"),
            UseLatestRestorableTime=True,
        )
    assert code(excinfo) == "PointInTimeRestoreNotEnabled"


def test_aurora_cluster_reports_restorable_times_once_available(rds, name):
    """DBCluster.EarliestRestorableTime / LatestRestorableTime (API_DBCluster);
    they "return NULL until the restore operation is complete"
    (Aurora.Managing.Backups), so they appear once the cluster is available."""
    name_c = name("win")
    created = create_cluster(rds, name_c)
    assert not created.get("EarliestRestorableTime")
    assert not created.get("LatestRestorableTime")
    wait_cluster(rds, name_c)
    got = cluster(rds, name_c)
    assert got["EarliestRestorableTime"] <= got["LatestRestorableTime"] <= now()


# --- 6. Quotas --------------------------------------------------------------


def test_account_attributes_count_only_manual_snapshots(rds, ready_db, ready_snapshot, aurora, name):
    """AccountAttributesMessage (describe-account-attributes CLI example;
    CHAP_Limits): ManualSnapshots and ManualClusterSnapshots, Max 100; only
    manual snapshots count ("After you copy a snapshot, the copy is a manual
    snapshot", USER_CopySnapshot)."""
    got = quotas(rds)
    manual = rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    automated = rds.describe_db_snapshots(SnapshotType="automated")["DBSnapshots"]
    assert automated and manual
    assert got["ManualSnapshots"]["Used"] == len(manual)
    assert got["ManualSnapshots"]["Max"] == 100
    cluster_manual = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    cluster_automated = rds.describe_db_cluster_snapshots(SnapshotType="automated")[
        "DBClusterSnapshots"
    ]
    assert cluster_automated
    assert got["ManualClusterSnapshots"]["Used"] == len(cluster_manual)
    assert got["ManualClusterSnapshots"]["Max"] == 100
    # A new manual snapshot counts; the copy of one too.
    snap = name("counted")
    rds.create_db_snapshot(DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=snap)
    assert quotas(rds)["ManualSnapshots"]["Used"] == len(manual) + 1
    rds.copy_db_snapshot(SourceDBSnapshotIdentifier=ready_snapshot, TargetDBSnapshotIdentifier=name("counted-copy"))
    assert quotas(rds)["ManualSnapshots"]["Used"] == len(manual) + 2
    csnap = name("ccounted")
    rds.create_db_cluster_snapshot(DBClusterIdentifier=aurora, DBClusterSnapshotIdentifier=csnap)
    assert quotas(rds)["ManualClusterSnapshots"]["Used"] == len(cluster_manual) + 1


def test_snapshot_quota_is_enforced(rds, ready_db, ready_snapshot, name, monkeypatch):
    """SnapshotQuotaExceeded (CreateDBSnapshot and CopyDBSnapshot, Errors):
    "Cannot create more than 100 manual snapshots" (pbudzon/aws-maintenance
    #12), at the quota set with RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA."""
    used = quotas(rds)["ManualSnapshots"]["Used"]
    monkeypatch.setenv("RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA", str(used + 1))
    assert quotas(rds)["ManualSnapshots"]["Max"] == used + 1
    last = name("last")
    rds.create_db_snapshot(DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=last)
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=name("over"))
    assert code(excinfo) == "SnapshotQuotaExceeded"
    assert f"Cannot create more than {used + 1} manual snapshots" in message(excinfo)
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_snapshot(
            SourceDBSnapshotIdentifier=ready_snapshot, TargetDBSnapshotIdentifier=name("over-copy")
        )
    assert code(excinfo) == "SnapshotQuotaExceeded"
    assert quotas(rds)["ManualSnapshots"]["Used"] == used + 1
    # Deleting one frees room again.
    wait_snapshot(rds, last)
    rds.delete_db_snapshot(DBSnapshotIdentifier=last)
    rds.copy_db_snapshot(SourceDBSnapshotIdentifier=ready_snapshot, TargetDBSnapshotIdentifier=name("fits"))


def test_cluster_snapshot_quota_is_enforced(rds, aurora, name, monkeypatch):
    """SnapshotQuotaExceeded (CreateDBClusterSnapshot, Errors), at the quota
    set with RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA."""
    used = quotas(rds)["ManualClusterSnapshots"]["Used"]
    monkeypatch.setenv("RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA", str(used))
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_cluster_snapshot(DBClusterIdentifier=aurora, DBClusterSnapshotIdentifier=name("cover"))
    assert code(excinfo) == "SnapshotQuotaExceeded"


# --- 7. Backtrack -----------------------------------------------------------


@pytest.fixture(scope="module")
def mysql_cluster(rds: Any) -> dict[str, Any]:
    name = "shared-aurora-mysql"
    create_cluster(rds, name, engine="aurora-mysql", BacktrackWindow=3600)
    wait_cluster(rds, name)
    return cluster(rds, name)


def test_backtrack_runs_and_is_listed(rds, mysql_cluster):
    """API_BacktrackDBCluster / API_DescribeDBClusterBacktracks: an Aurora
    MySQL cluster with a BacktrackWindow goes `backtracking` and back to
    `available`; the backtrack's Status goes to `completed`."""
    name = mysql_cluster["DBClusterIdentifier"]
    created = mysql_cluster["ClusterCreateTime"]
    earliest = mysql_cluster["EarliestBacktrackTime"]
    assert created <= earliest <= now()
    to = created + timedelta(milliseconds=100)
    answer = rds.backtrack_db_cluster(DBClusterIdentifier=name, BacktrackTo=to)
    assert answer["DBClusterIdentifier"] == name
    assert answer["BacktrackTo"] == to
    backtrack_id = answer["BacktrackIdentifier"]
    seen = watch(lambda: cluster(rds, name)["Status"], lambda s: s == "available")
    assert collapse(seen) == ["backtracking", "available"]
    listed = rds.describe_db_cluster_backtracks(DBClusterIdentifier=name)["DBClusterBacktracks"]
    assert listed[0]["BacktrackIdentifier"] == backtrack_id
    assert listed[0]["Status"] == "completed"
    one = rds.describe_db_cluster_backtracks(
        DBClusterIdentifier=name, BacktrackIdentifier=backtrack_id
    )["DBClusterBacktracks"]
    assert [b["BacktrackIdentifier"] for b in one] == [backtrack_id]


def test_backtrack_status_moves_to_completed(rds, mysql_cluster, clock_scale):
    """DBClusterBacktrack.Status: `pending` -> `applying` -> `completed`."""
    name = mysql_cluster["DBClusterIdentifier"]
    wait_cluster(rds, name)
    with clock_scale(0.01):
        backtrack_id = rds.backtrack_db_cluster(
            DBClusterIdentifier=name, BacktrackTo=now() - timedelta(milliseconds=50)
        )["BacktrackIdentifier"]
    seen = watch(
        lambda: rds.describe_db_cluster_backtracks(
            DBClusterIdentifier=name, BacktrackIdentifier=backtrack_id
        )["DBClusterBacktracks"][0]["Status"],
        lambda s: s == "completed",
    )
    assert collapse(seen) == ["pending", "applying", "completed"]
    wait_cluster(rds, name)


def test_backtrack_refused_for_aurora_postgresql(rds, aurora):
    """"Backtrack is not available for Aurora PostgreSQL" (Aurora user guide);
    AWS answers InvalidParameterCombination ("... does not support
    Backtrack", cloudquery #9351)."""
    with pytest.raises(ClientError) as excinfo:
        rds.backtrack_db_cluster(DBClusterIdentifier=aurora, BacktrackTo=now() - timedelta(seconds=1))
    assert code(excinfo) == "InvalidParameterCombination"


def test_backtrack_refused_without_window(rds, name):
    """"Backtracking is only available for DB clusters that were created with
    the Backtrack feature enabled" (Aurora user guide); the emulator answers
    InvalidParameterValue."""
    plain = name("nowindow")
    create_cluster(rds, plain, engine="aurora-mysql")
    wait_cluster(rds, plain)
    assert not cluster(rds, plain).get("EarliestBacktrackTime")
    with pytest.raises(ClientError) as excinfo:
        rds.backtrack_db_cluster(DBClusterIdentifier=plain, BacktrackTo=now() - timedelta(seconds=1))
    assert code(excinfo) == "InvalidParameterValue"


def test_backtrack_before_earliest_time_is_refused(rds, mysql_cluster):
    """BacktrackDBClusterMessage.UseEarliestTimeOnPointInTimeUnavailable: "When
    this parameter is disabled and BacktrackTo is set to a timestamp earlier
    than the earliest backtrack time, an error occurs" (InvalidParameterValue
    here); with it, the earliest time is taken. A future time is refused
    too ("Can't contain a timestamp set in the future")."""
    name = mysql_cluster["DBClusterIdentifier"]
    wait_cluster(rds, name)
    too_early = mysql_cluster["ClusterCreateTime"] - timedelta(minutes=10)
    with pytest.raises(ClientError) as excinfo:
        rds.backtrack_db_cluster(DBClusterIdentifier=name, BacktrackTo=too_early)
    assert code(excinfo) == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        rds.backtrack_db_cluster(DBClusterIdentifier=name, BacktrackTo=now() + timedelta(hours=1))
    assert code(excinfo) == "InvalidParameterValue"
    answer = rds.backtrack_db_cluster(
        DBClusterIdentifier=name, BacktrackTo=too_early, UseEarliestTimeOnPointInTimeUnavailable=True
    )
    assert answer["BacktrackTo"] >= mysql_cluster["ClusterCreateTime"]
    wait_cluster(rds, name)


# --- 8. Faults --------------------------------------------------------------


def test_retrying_client_gets_through_the_fault_proxy(endpoint, tmp_path, name):
    """Through tests/support/fault_proxy.py at a 30% fault rate (throttling,
    500, 503, connection resets), a boto3 client with standard retries still
    creates an instance and a snapshot, waiting on the emulator's states."""
    port = free_port()
    log = tmp_path / "faults.jsonl"
    proxy = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "support" / "fault_proxy.py"), str(port), endpoint, "0.3", "7", str(log)],
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proxy.poll() is None, "fault proxy exited"
                assert time.monotonic() < deadline, "fault proxy did not listen"
                time.sleep(0.02)
        client = boto3.client(
            "rds",
            config=Config(retries={"max_attempts": 10, "mode": "standard"}),
            **client_kwargs(f"http://127.0.0.1:{port}"),
        )
        db, snap = name("faulty"), name("faulty-snap")

        def once(call: Callable[[], Any], exists: str) -> None:
            # A reset after the call went through makes the retry find it done.
            try:
                call()
            except ClientError as error:
                if error.response["Error"]["Code"] != exists:
                    raise

        once(lambda: create_instance(client, db), "DBInstanceAlreadyExists")
        wait_instance(client, db, timeout=30)
        once(
            lambda: client.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=snap),
            "DBSnapshotAlreadyExists",
        )
        wait_snapshot(client, snap, timeout=30)
        assert snapshot(rds_direct(endpoint), snap)["Status"] == "available"
    finally:
        proxy.kill()
        proxy.wait()
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    entries = [e for e in entries if "action" in e]
    assert any(e["fault"] for e in entries), entries
    assert any(e["action"] == "CreateDBInstance" for e in entries)


def rds_direct(endpoint: str) -> Any:
    return boto3.client("rds", **client_kwargs(endpoint))
