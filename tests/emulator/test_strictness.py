"""Where AWS is stricter than moto on deletes, tags, ARNs, copies and backups
(deletes.py, tagging.py, arns.py, states.py, windows.py, defaults.py,
refusals.py, aurora.py, catalog.py). One test a rule; each names its source.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import SCALE
from helpers import (
    code,
    collapse,
    create_cluster,
    create_instance,
    instance,
    snapshot,
    status,
    take_snapshot,
    wait_cluster,
    wait_instance,
    wait_snapshot,
    watch,
)


@pytest.fixture
def db(rds: Any, name: Any) -> str:
    """An available postgres instance of this test's own."""
    found = name("db")
    create_instance(rds, found, BackupRetentionPeriod=1)
    wait_instance(rds, found)
    return found


def arn_of(rds: Any, db_name: str) -> str:
    return rds.describe_db_instances(DBInstanceIdentifier=db_name)["DBInstances"][0]["DBInstanceArn"]


# --- deletes.py ----------------------------------------------------------------


def test_delete_instance_without_final_snapshot_choice_is_refused(rds, db):
    """API DeleteDBInstance, SkipFinalSnapshot: "If you don't enable this
    parameter, you must specify the FinalDBSnapshotIdentifier parameter"."""
    with pytest.raises(ClientError) as error:
        rds.delete_db_instance(DBInstanceIdentifier=db)
    assert code(error) == "InvalidParameterCombination"
    assert status(rds, db) == "available"


@pytest.mark.parametrize("kind", ["instance", "cluster"])
def test_skip_final_snapshot_with_a_final_snapshot_name_is_refused(rds, name, kind):
    """API DeleteDBInstance / DeleteDBCluster, FinalDBSnapshotIdentifier:
    with SkipFinalSnapshot it "results in an error"; no snapshot is made."""
    if kind == "instance":
        target = name("db")
        create_instance(rds, target)
        wait_instance(rds, target)
        call = lambda **kw: rds.delete_db_instance(DBInstanceIdentifier=target, **kw)  # noqa: E731
    else:
        target = name("cl")
        create_cluster(rds, target)
        wait_cluster(rds, target)
        call = lambda **kw: rds.delete_db_cluster(DBClusterIdentifier=target, **kw)  # noqa: E731
    with pytest.raises(ClientError) as error:
        call(SkipFinalSnapshot=True, FinalDBSnapshotIdentifier=name("final"))
    assert code(error) == "InvalidParameterCombination"
    with pytest.raises(ClientError):
        if kind == "instance":
            rds.describe_db_snapshots(DBSnapshotIdentifier=name("final"))
        else:
            rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name("final"))


def test_delete_cluster_without_final_snapshot_choice_is_refused(rds, name):
    """API DeleteDBCluster: "You must specify this parameter
    [FinalDBSnapshotIdentifier] if SkipFinalSnapshot is disabled"."""
    target = name("cl")
    create_cluster(rds, target)
    wait_cluster(rds, target)
    with pytest.raises(ClientError) as error:
        rds.delete_db_cluster(DBClusterIdentifier=target)
    assert code(error) == "InvalidParameterCombination"


@pytest.mark.parametrize("kind", ["instance", "cluster"])
def test_invalid_final_snapshot_identifier_is_refused(rds, name, kind):
    """API DeleteDBInstance / DeleteDBCluster, FinalDBSnapshotIdentifier:
    the identifier rules (first a letter, no two hyphens in a row, none at
    the end)."""
    if kind == "instance":
        target = name("db")
        create_instance(rds, target)
        wait_instance(rds, target)
        with pytest.raises(ClientError) as error:
            rds.delete_db_instance(DBInstanceIdentifier=target, FinalDBSnapshotIdentifier="bad--id-")
    else:
        target = name("cl")
        create_cluster(rds, target)
        wait_cluster(rds, target)
        with pytest.raises(ClientError) as error:
            rds.delete_db_cluster(DBClusterIdentifier=target, FinalDBSnapshotIdentifier="bad--id-")
    assert code(error) == "InvalidParameterValue"


def test_final_snapshot_of_a_creating_instance_is_refused(rds, name):
    """USER_DeleteInstance: a final snapshot needs a DB that can be snapshot
    (not `creating`, `backing-up` or `modifying`): InvalidDBInstanceState.
    Skipping it is allowed."""
    target = name("db")
    create_instance(rds, target)
    assert status(rds, target) == "creating"
    with pytest.raises(ClientError) as error:
        rds.delete_db_instance(DBInstanceIdentifier=target, FinalDBSnapshotIdentifier=name("final"))
    assert code(error) == "InvalidDBInstanceState"
    rds.delete_db_instance(DBInstanceIdentifier=target, SkipFinalSnapshot=True)


def test_final_snapshot_takes_its_time_and_instance_stays_deleting(rds, db, name):
    """API DeleteDBInstance: "The status of the DB instance is deleting until
    the DB snapshot is created": the snapshot goes `creating` (not
    restorable), then `available`; the name is gone after that."""
    final = name("final")
    rds.delete_db_instance(DBInstanceIdentifier=db, FinalDBSnapshotIdentifier=final)
    assert snapshot(rds, final)["Status"] == "creating"
    with pytest.raises(ClientError) as error:
        rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=name("r"), DBSnapshotIdentifier=final)
    assert code(error) == "InvalidDBSnapshotState"
    seen = watch(
        lambda: (status(rds, db), snapshot(rds, final)["Status"]),
        lambda v: v[0] is None,
    )
    assert ("deleting", "available") not in seen[:1]
    assert collapse([s for s, _ in seen]) == ["deleting", None]
    # The instance was `deleting` for as long as the snapshot was `creating`.
    assert all(d == "deleting" for d, snap in seen if snap == "creating")


@pytest.mark.parametrize("kind", ["instance", "cluster"])
def test_second_delete_while_deleting_is_refused(rds, name, kind):
    """USER_DeleteInstance: a DB being deleted cannot be deleted again:
    InvalidDBInstanceState / InvalidDBClusterStateFault, "is already being
    deleted"."""
    if kind == "instance":
        target = name("db")
        create_instance(rds, target)
        wait_instance(rds, target)
        rds.delete_db_instance(DBInstanceIdentifier=target, SkipFinalSnapshot=True)
        with pytest.raises(ClientError) as error:
            rds.delete_db_instance(DBInstanceIdentifier=target, SkipFinalSnapshot=True)
        assert code(error) == "InvalidDBInstanceState"
    else:
        target = name("cl")
        create_cluster(rds, target)
        wait_cluster(rds, target)
        rds.delete_db_cluster(DBClusterIdentifier=target, SkipFinalSnapshot=True)
        with pytest.raises(ClientError) as error:
            rds.delete_db_cluster(DBClusterIdentifier=target, SkipFinalSnapshot=True)
        assert code(error) == "InvalidDBClusterStateFault"
    assert "already being deleted" in error.value.response["Error"]["Message"]


def test_cluster_automated_backups_go_with_the_cluster(rds, name):
    """API DeleteDBCluster: the cluster's automated backups are deleted with it."""
    target = name("cl")
    create_cluster(rds, target)
    wait_cluster(rds, target)
    automated = lambda: rds.describe_db_cluster_snapshots(  # noqa: E731
        DBClusterIdentifier=target, SnapshotType="automated"
    )["DBClusterSnapshots"]
    assert automated()
    rds.delete_db_cluster(DBClusterIdentifier=target, SkipFinalSnapshot=True)
    assert not automated()


def test_aurora_member_is_deleted_without_final_snapshot_parameters(rds, name, monkeypatch):
    """API DeleteDBInstance: the final-snapshot settings don't apply to Aurora
    DB instances; a member is deleted with neither."""
    from emulator.clock import AWS_SECONDS

    # `deleting` long enough (3 s here) to be seen on a busy machine, where
    # its usual 0.18 s at this scale can pass before the next request.
    monkeypatch.setitem(AWS_SECONDS, "deleting", 3 / SCALE)
    cluster = name("cl")
    create_cluster(rds, cluster)
    wait_cluster(rds, cluster)
    member = name("m")
    rds.create_db_instance(
        DBInstanceIdentifier=member, Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large", DBClusterIdentifier=cluster,
    )  # fmt: skip
    wait_instance(rds, member)
    rds.delete_db_instance(DBInstanceIdentifier=member)
    assert status(rds, member) == "deleting"


# --- windows.py ------------------------------------------------------------------


def test_no_automated_snapshot_before_the_first_backup(rds, name):
    """USER_WorkingWithAutomatedBackups: no automated snapshot until the
    first backup (`backing-up`) is done; then one, restorable."""
    target = name("db")
    create_instance(rds, target, BackupRetentionPeriod=1)
    automated = lambda: rds.describe_db_snapshots(  # noqa: E731
        DBInstanceIdentifier=target, SnapshotType="automated"
    )["DBSnapshots"]
    assert status(rds, target) == "creating"
    assert automated() == []
    wait_instance(rds, target)
    assert len(automated()) == 1


def test_pitr_with_both_restore_time_and_latest_is_refused(rds, db, name):
    """RestoreDBInstanceToPointInTime, RestoreTime: "Can't be specified if
    the UseLatestRestorableTime parameter is enabled"."""
    latest = rds.describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["LatestRestorableTime"]
    with pytest.raises(ClientError) as error:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=db, TargetDBInstanceIdentifier=name("p"),
            RestoreTime=latest, UseLatestRestorableTime=True,
        )  # fmt: skip
    assert code(error) == "InvalidParameterCombination"


# --- states.py: copies ----------------------------------------------------------


def test_copy_fails_when_its_source_is_deleted_mid_copy(rds, db, name, clock_scale):
    """USER_CopySnapshot: if the source is deleted before the copy completes,
    the copy might fail; here it does."""
    source = name("src")
    take_snapshot(rds, db, source)
    with clock_scale(0.01):
        rds.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier=name("copy"))
    rds.delete_db_snapshot(DBSnapshotIdentifier=source)
    seen = watch(lambda: snapshot(rds, name("copy"))["Status"], lambda s: s not in ("pending", "copying"), 30)
    assert seen[-1] == "failed"


def test_at_most_twenty_copies_in_progress_and_one_source_waits(rds, db, name, clock_scale):
    """USER_CopySnapshot: up to 20 DB snapshots copied at a time to one
    Region; a second copy of the same source waits for the first."""
    source = name("src")
    take_snapshot(rds, db, source)
    with clock_scale(0.01):
        for n in range(20):
            rds.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier=name(f"c{n}"))
        with pytest.raises(ClientError) as error:
            rds.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier=name("c20"))
    assert code(error) == "SnapshotQuotaExceeded"
    # The second copy is looked at first: while the first is still running
    # after that look, the second must have been pending at it.
    seen = watch(
        lambda: (snapshot(rds, name("c1"))["Status"], snapshot(rds, name("c0"))["Status"]),
        lambda v: v[1] == "available",
        30,
    )
    assert all(second == "pending" for second, first in seen if first != "available")
    for n in range(20):  # leave no copies running for the next tests
        rds.delete_db_snapshot(DBSnapshotIdentifier=name(f"c{n}"))


# --- tagging.py -------------------------------------------------------------------


def test_at_most_fifty_tags(rds, db):
    """USER_Tagging: each resource can have up to 50 tags."""
    arn = arn_of(rds, db)
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(50)])
    with pytest.raises(ClientError) as error:
        rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert code(error) == "InvalidParameterValue"
    # A key given again replaces its value and does not count twice.
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "k0", "Value": "w"}])


@pytest.mark.parametrize(
    "tag",
    [
        {"Key": "aws:owner", "Value": "x"},
        {"Key": "rds:owner", "Value": "x"},
        {"Key": "k" * 129, "Value": "x"},
        {"Key": "long", "Value": "v" * 257},
        {"Key": "semi;colon", "Value": "x"},
    ],
    ids=["aws-prefix", "rds-prefix", "key-129", "value-257", "charset"],
)
def test_tag_keys_and_values_follow_aws_rules(rds, db, tag):
    """API Tag (Key, Value) and USER_Tagging: keys 1-128 characters, not
    starting with aws: or rds:; values up to 256; letters, digits, white
    space and _ . : / = + - @ only. The same on a create call."""
    with pytest.raises(ClientError) as error:
        rds.add_tags_to_resource(ResourceName=arn_of(rds, db), Tags=[tag])
    assert code(error) == "InvalidParameterValue"


def test_tags_on_a_create_call_are_checked(rds, db, name):
    """USER_Tagging: the limits hold for Tags given at creation."""
    with pytest.raises(ClientError) as error:
        rds.create_db_snapshot(
            DBInstanceIdentifier=db, DBSnapshotIdentifier=name("s"),
            Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(51)],
        )  # fmt: skip
    assert code(error) == "InvalidParameterValue"


@pytest.mark.parametrize(
    "kind, fault",
    [
        ("db", "DBInstanceNotFound"),
        ("snapshot", "DBSnapshotNotFound"),
        ("cluster", "DBClusterNotFoundFault"),
        ("cluster-snapshot", "DBClusterSnapshotNotFoundFault"),
    ],
)
def test_tagging_a_missing_resource_is_not_found(rds, kind, fault):
    """AddTagsToResource / ListTagsForResource, Errors: the resource's
    NotFound fault."""
    arn = f"arn:aws:rds:us-east-1:123456789012:{kind}:nothing-here"
    with pytest.raises(ClientError) as error:
        rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert code(error) == fault
    with pytest.raises(ClientError) as error:
        rds.list_tags_for_resource(ResourceName=arn)
    assert code(error) == fault


# --- arns.py ------------------------------------------------------------------------


def test_copy_of_an_automated_snapshot_by_arn(rds, db, name):
    """USER_CopySnapshot: an automated snapshot can be copied, named by ARN
    (its name, `rds:...`, has a colon of its own)."""
    auto = rds.describe_db_snapshots(DBInstanceIdentifier=db, SnapshotType="automated")["DBSnapshots"][0]
    assert auto["DBSnapshotIdentifier"].startswith("rds:")
    rds.copy_db_snapshot(SourceDBSnapshotIdentifier=auto["DBSnapshotArn"], TargetDBSnapshotIdentifier=name("copy"))
    assert snapshot(rds, name("copy"))["Status"] in ("pending", "copying")


def test_cluster_restore_from_snapshot_by_arn(rds, name):
    """USER_ShareSnapshot, RestoreDBClusterFromSnapshot SnapshotIdentifier:
    "either the name or the Amazon Resource Name (ARN)"."""
    cluster = name("cl")
    create_cluster(rds, cluster)
    wait_cluster(rds, cluster)
    snap = name("cs")
    created = rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=snap)
    watch(
        lambda: rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snap)["DBClusterSnapshots"][0]["Status"],
        lambda s: s == "available",
    )
    arn = created["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier=name("back"), SnapshotIdentifier=arn, Engine="aurora-postgresql")
    with pytest.raises(ClientError) as error:
        rds.restore_db_cluster_from_snapshot(
            DBClusterIdentifier=name("none"), SnapshotIdentifier=arn + "-missing", Engine="aurora-postgresql"
        )
    assert code(error) == "DBClusterSnapshotNotFoundFault"


# --- defaults.py: what snapshots record ----------------------------------------------


def test_snapshots_record_vpc_and_cluster_copies_their_source(rds, db, name, ec2):
    """API DBSnapshot.VpcId, DBClusterSnapshot.VpcId and
    SourceDBClusterSnapshotArn: an instance without a subnet group is in the
    default VPC; a cluster snapshot copy names its source."""
    default_vpc = [v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"]][0]["VpcId"]
    snap = name("s")
    take_snapshot(rds, db, snap)
    assert snapshot(rds, snap)["VpcId"] == default_vpc
    cluster = name("cl")
    create_cluster(rds, cluster)
    wait_cluster(rds, cluster)
    made = rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=name("cs"))
    assert made["DBClusterSnapshot"]["VpcId"] == default_vpc
    watch(
        lambda: rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name("cs"))["DBClusterSnapshots"][0]["Status"],
        lambda s: s == "available",
    )
    copy = rds.copy_db_cluster_snapshot(
        SourceDBClusterSnapshotIdentifier=name("cs"), TargetDBClusterSnapshotIdentifier=name("cc")
    )["DBClusterSnapshot"]
    assert copy["SourceDBClusterSnapshotArn"] == made["DBClusterSnapshot"]["DBClusterSnapshotArn"]


# --- refusals.py: groups that do not fit ------------------------------------------


def test_restore_with_a_parameter_group_of_another_family_is_refused(rds, db, name):
    """RestoreDBInstanceFromDBSnapshot, DBParameterGroupName: the group must
    fit the engine version: a `postgres16` group on a 15.x snapshot is
    InvalidParameterCombination; an option group of another major version too."""
    version = rds.describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["EngineVersion"]
    major = version.split(".")[0]
    other = str(int(major) + 1)
    group = name("pg")
    rds.create_db_parameter_group(
        DBParameterGroupName=group, DBParameterGroupFamily=f"postgres{other}", Description="x"
    )
    snap = name("s")
    take_snapshot(rds, db, snap)
    with pytest.raises(ClientError) as error:
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=name("r"), DBSnapshotIdentifier=snap, DBParameterGroupName=group
        )
    assert code(error) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as error:
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=name("r"), DBSnapshotIdentifier=snap,
            OptionGroupName=f"default:postgres-{other}",
        )  # fmt: skip
    assert code(error) == "InvalidParameterCombination"


# --- catalog.py ----------------------------------------------------------------------


def test_a_parameter_group_that_does_not_exist_is_not_found(rds, name):
    """API_DescribeDBParameterGroups, Errors: DBParameterGroupNotFound when the
    name refers to no group (moto answers an empty list)."""
    with pytest.raises(ClientError) as error:
        rds.describe_db_parameter_groups(DBParameterGroupName=name("nope"))
    assert code(error) == "DBParameterGroupNotFound"
    made = name("pg")
    rds.create_db_parameter_group(DBParameterGroupName=made, DBParameterGroupFamily="postgres16", Description="x")
    groups = rds.describe_db_parameter_groups(DBParameterGroupName=made)["DBParameterGroups"]
    assert [g["DBParameterGroupName"] for g in groups] == [made]
    assert rds.describe_db_parameter_groups(DBParameterGroupName="default.postgres16")["DBParameterGroups"]



def test_engine_versions_orderable_classes_and_default_groups_exist(rds):
    """API DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions; the
    default DB parameter, cluster parameter and option groups
    (USER_WorkingWithParamGroups, USER_WorkingWithOptionGroups)."""
    versions = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="15.4")["DBEngineVersions"]
    assert versions[0]["DBParameterGroupFamily"] == "postgres15"
    options = rds.describe_orderable_db_instance_options(Engine="postgres", EngineVersion="15.4")[
        "OrderableDBInstanceOptions"
    ]
    assert "db.t3.micro" in {o["DBInstanceClass"] for o in options}
    group = rds.describe_db_parameter_groups(DBParameterGroupName="default.postgres15")["DBParameterGroups"][0]
    assert group["DBParameterGroupFamily"] == "postgres15"
    assert rds.describe_option_groups(OptionGroupName="default:postgres-15")["OptionGroupsList"]
    cluster_group = rds.describe_db_cluster_parameter_groups(
        DBClusterParameterGroupName="default.aurora-mysql8.0"
    )["DBClusterParameterGroups"][0]
    assert cluster_group["DBParameterGroupFamily"] == "aurora-mysql8.0"


# --- aurora.py: stopping a cluster ------------------------------------------------------


def test_stop_cluster_stops_its_instances_and_they_cannot_be_deleted(rds, name, monkeypatch):
    """aurora-cluster-stop-start: stopping takes time, stops the replicas and
    the primary; while stopped, instances can't be removed from the cluster."""
    from emulator.clock import AWS_SECONDS

    # `stopping` long enough (3 s here) to be seen on a busy machine, where
    # its usual 0.18 s at this scale can pass before the next request.
    monkeypatch.setitem(AWS_SECONDS, "stopping", 3 / SCALE)
    cluster = name("cl")
    create_cluster(rds, cluster)
    wait_cluster(rds, cluster)
    members = [name("w"), name("r")]
    for member in members:
        rds.create_db_instance(
            DBInstanceIdentifier=member, Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large", DBClusterIdentifier=cluster,
        )  # fmt: skip
    for member in members:
        wait_instance(rds, member)
    rds.stop_db_cluster(DBClusterIdentifier=cluster)
    look = lambda: rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["Status"]  # noqa: E731
    assert look() == "stopping"
    assert {status(rds, m) for m in members} <= {"stopping", "stopped"}
    with pytest.raises(ClientError) as error:
        rds.delete_db_instance(DBInstanceIdentifier=members[1])
    assert code(error) == "InvalidDBClusterStateFault"
    watch(look, lambda s: s == "stopped")
    assert {status(rds, m) for m in members} == {"stopped"}


# --- the recorder ------------------------------------------------------------------------


def test_request_recorder_writes_outside_the_checkout(rds):
    """moto's recorder would write `moto_recording` into the working
    directory (the checkout); the emulator sends it to a directory of its own."""
    import os

    from moto.moto_api import recorder

    from conftest import REPO

    assert os.path.isabs(recorder._location)
    assert not os.path.abspath(recorder._location).startswith(str(REPO))
