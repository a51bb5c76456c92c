"""The strict RDS emulator's own tests (tests/support/emulator): time and
states, renames, refusals. Restore defaults, windows, quotas, Backtrack and
faults are in test_emulator_settings.py.

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


# --- 1. Time and states ------------------------------------------------------


def test_db_snapshot_creating_with_rising_progress_then_available(rds, ready_db, name):
    """DBSnapshot.Status / PercentProgress (API reference: "Specifies the status
    of this DB snapshot", "The percentage of the estimated data that has been
    transferred"): `creating` with rising progress, then `available` at 100."""
    snap = name("snap")
    rds.create_db_snapshot(DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=snap)
    seen = watch(
        lambda: (lambda s: (s["Status"], s.get("PercentProgress")))(snapshot(rds, snap)),
        lambda v: v[0] == "available",
    )
    assert collapse([s for s, _ in seen]) == ["creating", "available"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress), progress
    assert len({p for s, p in seen if s == "creating" and p < 100}) >= 2, progress
    assert all(p < 100 for s, p in seen if s == "creating")
    assert seen[-1] == ("available", 100)


def test_instance_creating_backing_up_available_without_endpoint_while_creating(rds, name):
    """Viewing DB instance status (RDS user guide): a new instance goes
    `creating`, `backing-up` ("The DB instance is currently being backed up"),
    then `available`; it has no Endpoint while `creating`."""
    db = name("db")
    answer = create_instance(rds, db)
    assert answer["DBInstanceStatus"] == "creating"
    seen = watch(
        lambda: (lambda d: (d["DBInstanceStatus"], "Endpoint" in d))(instance(rds, db)),
        lambda v: v[0] == "available",
    )
    assert collapse([s for s, _ in seen]) == ["creating", "backing-up", "available"]
    assert not any(has for s, has in seen if s == "creating")
    assert seen[-1] == ("available", True)
    assert db in instance(rds, db)["Endpoint"]["Address"]


def test_restore_from_snapshot_goes_creating_backing_up_available(rds, ready_snapshot, name):
    """Viewing DB instance status (RDS user guide) and USER_RestoreFromSnapshot
    (the restored instance shows `creating` right after the call): a restored
    instance goes `creating` -> `backing-up` -> `available`, no Endpoint while
    creating."""
    db = name("restored")
    answer = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier=db, DBSnapshotIdentifier=ready_snapshot
    )["DBInstance"]
    assert answer["DBInstanceStatus"] == "creating"
    seen = watch(
        lambda: (lambda d: (d["DBInstanceStatus"], "Endpoint" in d))(instance(rds, db)),
        lambda v: v[0] == "available",
    )
    assert collapse([s for s, _ in seen]) == ["creating", "backing-up", "available"]
    assert not any(has for s, has in seen if s == "creating")


def test_point_in_time_restore_goes_creating_backing_up_available(rds, ready_db, name):
    """Viewing DB instance status (RDS user guide): a point-in-time-restored
    instance goes `creating` -> `backing-up` -> `available`, no Endpoint while
    creating."""
    db = name("pitr")
    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=ready_db,
        TargetDBInstanceIdentifier=db,
        UseLatestRestorableTime=True,
    )
    seen = watch(
        lambda: (lambda d: (d["DBInstanceStatus"], "Endpoint" in d))(instance(rds, db)),
        lambda v: v[0] == "available",
    )
    assert collapse([s for s, _ in seen]) == ["creating", "backing-up", "available"]
    assert not any(has for s, has in seen if s == "creating")


def test_aurora_cluster_and_member_become_available_on_their_own_schedules(rds, name):
    """Aurora user guide, "Viewing DB cluster status": a cluster goes
    `creating` -> `available`; its instances follow on their own schedule."""
    name_c = name("apg")
    member = name("apg-1")
    assert create_cluster(rds, name_c)["Status"] == "creating"
    wait_cluster(rds, name_c)
    rds.create_db_instance(
        DBInstanceIdentifier=member,
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier=name_c,
    )
    seen = watch(
        lambda: ((cluster(rds, name_c) or {}).get("Status"), status(rds, member)),
        lambda v: v[1] == "available",
    )
    assert collapse([c for c, _ in seen]) == ["available"]
    assert collapse([m for _, m in seen]) == ["creating", "available"]
    # The cluster was available while its member was still being created.
    assert ("available", "creating") in seen
    assert instance(rds, member)["DBClusterIdentifier"] == name_c


def test_modify_with_apply_immediately_goes_modifying_then_available(rds, name):
    """ModifyDBInstance with ApplyImmediately (API reference): the change is
    applied at once and the instance shows `modifying`, then `available`."""
    db = name("mod")
    create_instance(rds, db)
    wait_instance(rds, db)
    answer = rds.modify_db_instance(
        DBInstanceIdentifier=db, BackupRetentionPeriod=3, ApplyImmediately=True
    )
    seen = watch(lambda: status(rds, db), lambda s: s == "available")
    assert collapse(seen) == ["modifying", "available"]
    assert answer["DBInstance"]["DBInstanceIdentifier"] == db
    assert instance(rds, db)["BackupRetentionPeriod"] == 3


def test_delete_goes_deleting_then_not_found(rds, name):
    """DeleteDBInstance: the instance shows `deleting`, then its name is gone
    (Viewing DB instance status, RDS user guide)."""
    db = name("del")
    create_instance(rds, db)
    wait_instance(rds, db)
    rds.delete_db_instance(DBInstanceIdentifier=db, SkipFinalSnapshot=True)
    seen = watch(lambda: status(rds, db), lambda s: s is None)
    assert collapse(seen) == ["deleting", None]
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instances(DBInstanceIdentifier=db)
    assert code(excinfo) == "DBInstanceNotFound"


def test_copy_target_goes_pending_copying_available(rds, ready_snapshot, name):
    """CopyDBSnapshot: the target shows `pending` (queued, USER_CopySnapshot),
    then `copying` with progress, then `available`."""
    copy = name("copy")
    rds.copy_db_snapshot(
        SourceDBSnapshotIdentifier=ready_snapshot, TargetDBSnapshotIdentifier=copy
    )
    seen = watch(
        lambda: (lambda s: (s["Status"], s.get("PercentProgress")))(snapshot(rds, copy)),
        lambda v: v[0] == "available",
    )
    assert collapse([s for s, _ in seen]) == ["pending", "copying", "available"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress), progress
    assert seen[-1] == ("available", 100)
    assert snapshot(rds, copy)["SnapshotType"] == "manual"


def test_cluster_snapshot_creating_with_progress_then_available(rds, aurora, name):
    """DBClusterSnapshot.Status ("Valid statuses are the following: available,
    copying, creating") and PercentProgress: `creating` with rising progress,
    then `available` at 100."""
    snap = name("csnap")
    rds.create_db_cluster_snapshot(DBClusterIdentifier=aurora, DBClusterSnapshotIdentifier=snap)
    seen = watch(
        lambda: (lambda s: (s["Status"], s.get("PercentProgress")))(cluster_snapshot(rds, snap)),
        lambda v: v[0] == "available",
    )
    assert collapse([s for s, _ in seen]) == ["creating", "available"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress), progress
    assert len({p for s, p in seen if s == "creating" and p < 100}) >= 2, progress
    assert seen[-1] == ("available", 100)


def test_stop_goes_stopping_then_stopped(rds, name):
    """StopDBInstance: `stopping` -> `stopped` (Viewing DB instance status,
    RDS user guide)."""
    db = name("stop")
    create_instance(rds, db)
    wait_instance(rds, db)
    # The call's own answer is the first look (API_StopDBInstance returns
    # the DBInstance, `stopping`): the `stopping` window is 0.18 s at the
    # tests' time scale, which a slow first call on a cold machine can
    # outlast before the first describe is sent.
    answered = rds.stop_db_instance(DBInstanceIdentifier=db)["DBInstance"]["DBInstanceStatus"]
    seen = watch(lambda: status(rds, db), lambda s: s == "stopped")
    assert collapse([answered, *seen]) == ["stopping", "stopped"]


# --- 2. Renames -------------------------------------------------------------


def test_rename_leaves_old_name_before_new_one_answers(rds, name, clock_scale):
    """Rename with ApplyImmediately, as users see it on AWS: the old name still
    reads `available` right after the call (boto3 #609), then `renaming`; then
    neither name answers (boto3 #2613); then the new name shows `rebooting`
    and `available`, with the endpoint under the new name."""
    old, new = name("old"), name("new")
    create_instance(rds, old)
    wait_instance(rds, old)
    with clock_scale(0.01):
        rds.modify_db_instance(
            DBInstanceIdentifier=old, NewDBInstanceIdentifier=new, ApplyImmediately=True
        )
    seen = watch(lambda: (status(rds, old), status(rds, new)), lambda v: v == (None, "available"))
    assert collapse(seen) == [
        ("available", None),
        ("renaming", None),
        (None, None),
        (None, "rebooting"),
        (None, "available"),
    ]
    renamed = instance(rds, new)
    assert renamed["DBInstanceIdentifier"] == new
    assert new in renamed["Endpoint"]["Address"]
    assert old not in renamed["Endpoint"]["Address"]


def test_rename_onto_existing_name_is_refused(rds, name):
    """ModifyDBInstance, Errors: DBInstanceAlreadyExists ("The user already
    has a DB instance with the given identifier"); the other instance is
    untouched."""
    one, two = name("one"), name("two")
    create_instance(rds, one)
    create_instance(rds, two)
    wait_instance(rds, one)
    wait_instance(rds, two)
    before = instance(rds, two)
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(
            DBInstanceIdentifier=one, NewDBInstanceIdentifier=two, ApplyImmediately=True
        )
    assert code(excinfo) == "DBInstanceAlreadyExists"
    time.sleep(0.2)
    after = instance(rds, two)
    assert after["DBInstanceStatus"] == "available"
    assert after["DbiResourceId"] == before["DbiResourceId"]
    assert after["DBInstanceArn"] == before["DBInstanceArn"]
    assert status(rds, one) == "available"


def test_rename_without_apply_immediately_waits_for_maintenance_window(rds, name):
    """ModifyDBInstance, ApplyImmediately: without it the rename waits for the
    next maintenance window (PendingModifiedValues.DBInstanceIdentifier shows
    the new name); nothing is renamed now."""
    old, new = name("later"), name("later-new")
    create_instance(rds, old)
    wait_instance(rds, old)
    rds.modify_db_instance(DBInstanceIdentifier=old, NewDBInstanceIdentifier=new)
    time.sleep(0.3)  # longer than a whole rename at this scale
    db = instance(rds, old)
    assert db["DBInstanceStatus"] == "available"
    assert db["PendingModifiedValues"].get("DBInstanceIdentifier") == new
    assert instance(rds, new) is None


def test_cluster_rename_carries_members(rds, name):
    """ModifyDBCluster NewDBClusterIdentifier with ApplyImmediately: the
    cluster moves to the new name (same rename course as an instance) and its
    members' DBClusterIdentifier follow it."""
    old, new, member = name("cl-old"), name("cl-new"), name("cl-m")
    create_cluster(rds, old)
    wait_cluster(rds, old)
    rds.create_db_instance(
        DBInstanceIdentifier=member,
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier=old,
    )
    wait_cluster(rds, old)
    wait_instance(rds, member)
    rds.modify_db_cluster(DBClusterIdentifier=old, NewDBClusterIdentifier=new, ApplyImmediately=True)
    wait_cluster(rds, new)
    assert cluster(rds, old) is None
    renamed = cluster(rds, new)
    assert [m["DBInstanceIdentifier"] for m in renamed["DBClusterMembers"]] == [member]
    assert instance(rds, member)["DBClusterIdentifier"] == new


# --- 3. Refusals ------------------------------------------------------------


def test_snapshot_of_cluster_member_is_refused(rds, aurora):
    """CreateDBSnapshot of an Aurora cluster member: InvalidParameterValue,
    "... Please use the CreateDBClusterSnapshot API instead." (cloud-custodian
    #313, pacu #259)."""
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(
            DBInstanceIdentifier="shared-aurora-pg-1", DBSnapshotIdentifier="never-made"
        )
    assert code(excinfo) == "InvalidParameterValue"
    assert "CreateDBClusterSnapshot" in message(excinfo)


def test_deleting_an_automated_snapshot_is_refused(rds, ready_db):
    """DeleteDBSnapshot of an automated snapshot: InvalidDBSnapshotState,
    "automated snapshots cannot be deleted." (terraform-provider-aws #13800)."""
    automated = rds.describe_db_snapshots(DBInstanceIdentifier=ready_db, SnapshotType="automated")[
        "DBSnapshots"
    ]
    assert automated, "moto makes an automated snapshot with the instance"
    target = automated[0]["DBSnapshotIdentifier"]
    assert target.startswith(f"rds:{ready_db}-")
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_snapshot(DBSnapshotIdentifier=target)
    assert code(excinfo) == "InvalidDBSnapshotState"
    assert snapshot(rds, target)["Status"] == "available"


@pytest.mark.parametrize("bad", ["1bad", "bad--id", "bad-", "bad_id", "a" * 64])
def test_bad_cluster_identifier_is_refused(rds, bad):
    """CreateDBClusterMessage.DBClusterIdentifier: letters, digits, hyphens;
    first a letter; no trailing or double hyphen; 1 to 63 characters.
    Otherwise InvalidParameterValue."""
    with pytest.raises(ClientError) as excinfo:
        create_cluster(rds, bad)
    assert code(excinfo) == "InvalidParameterValue"
    listed = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
    assert bad.lower() not in listed


def test_sixty_three_character_cluster_identifier_is_accepted(rds):
    """CreateDBClusterMessage.DBClusterIdentifier: up to 63 characters is fine."""
    ok = "c" + uuid_hex(62)
    create_cluster(rds, ok)
    assert cluster(rds, ok) is not None


def uuid_hex(length: int) -> str:
    text = ""
    while len(text) < length:
        text += uuid.uuid4().hex
    return text[:length]


def test_cluster_snapshot_identifier_too_long_is_refused(rds, aurora):
    """CreateDBClusterSnapshotMessage.DBClusterSnapshotIdentifier: 1 to 63
    characters; longer is InvalidParameterValue."""
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_cluster_snapshot(
            DBClusterIdentifier=aurora, DBClusterSnapshotIdentifier="s" * 64
        )
    assert code(excinfo) == "InvalidParameterValue"
    assert "63" in message(excinfo)


def test_point_in_time_restore_far_in_the_past_is_refused(rds, ready_db, name):
    """RestoreDBInstanceToPointInTimeMessage.RestoreTime: within the retention
    period and before the latest restorable time. The reference names no
    code; the emulator answers InvalidParameterValue (windows.py)."""
    target = name("past")
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=ready_db,
            TargetDBInstanceIdentifier=target,
            RestoreTime=now() - timedelta(days=30),
        )
    assert code(excinfo) == "InvalidParameterValue"
    assert instance(rds, target) is None


def test_point_in_time_restore_after_latest_restorable_time_is_refused(rds, ready_db, name):
    """RestoreDBInstanceToPointInTimeMessage.RestoreTime: "Must be before the
    latest restorable time for the DB instance"."""
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=ready_db,
            TargetDBInstanceIdentifier=name("future"),
            RestoreTime=now() + timedelta(hours=1),
        )
    assert code(excinfo) == "InvalidParameterValue"


def test_restore_onto_existing_name_is_refused(rds, ready_db, ready_snapshot):
    """RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime,
    Errors: DBInstanceAlreadyExists ("RDS doesn't allow two DB instances with
    the same name")."""
    before = instance(rds, ready_db)
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=ready_snapshot
        )
    assert code(excinfo) == "DBInstanceAlreadyExists"
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=ready_db,
            TargetDBInstanceIdentifier=ready_db,
            UseLatestRestorableTime=True,
        )
    assert code(excinfo) == "DBInstanceAlreadyExists"
    after = instance(rds, ready_db)
    assert after["DbiResourceId"] == before["DbiResourceId"]
    assert after["DBInstanceStatus"] == "available"


def test_restore_onto_name_a_rename_will_take_is_refused(rds, name, ready_snapshot, clock_scale):
    """A restore onto a name that a rename in flight will take is refused with
    DBInstanceAlreadyExists (refusals.py: the name is reserved from the call)."""
    old, new = name("res-old"), name("res-new")
    create_instance(rds, old)
    wait_instance(rds, old)
    # Slow enough that the gap in which neither name answers (10 AWS seconds,
    # 0.5 s here) is seen even on a busy machine.
    with clock_scale(0.05):
        rds.modify_db_instance(DBInstanceIdentifier=old, NewDBInstanceIdentifier=new, ApplyImmediately=True)
    watch(lambda: (status(rds, old), status(rds, new)), lambda v: v == (None, None))
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=new, DBSnapshotIdentifier=ready_snapshot)
    assert code(excinfo) == "DBInstanceAlreadyExists"
    wait_instance(rds, new)


def test_snapshot_of_stopped_instance_is_refused(rds, name):
    """CreateDBSnapshot: "The source DB instance must be in the available or
    storage-optimization state"; otherwise InvalidDBInstanceState
    (API_CreateDBSnapshot, Errors)."""
    db = name("stopped")
    create_instance(rds, db)
    wait_instance(rds, db)
    rds.stop_db_instance(DBInstanceIdentifier=db)
    wait_instance(rds, db, "stopped")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=name("nope"))
    assert code(excinfo) == "InvalidDBInstanceState"


def test_snapshot_of_creating_instance_is_refused(rds, name):
    """CreateDBSnapshot of an instance still `creating`: InvalidDBInstanceState
    (API_CreateDBSnapshot, Errors)."""
    db = name("young")
    create_instance(rds, db)
    assert status(rds, db) == "creating"
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=name("nope"))
    assert code(excinfo) == "InvalidDBInstanceState"


def test_deleting_a_snapshot_still_creating_is_refused(rds, ready_db, name):
    """DeleteDBSnapshot: "The DB snapshot must be in the available state to be
    deleted" (API_DeleteDBSnapshot); otherwise InvalidDBSnapshotState."""
    snap = name("busy")
    rds.create_db_snapshot(DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=snap)
    assert snapshot(rds, snap)["Status"] == "creating"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap)
    assert code(excinfo) == "InvalidDBSnapshotState"
    wait_snapshot(rds, snap)
    rds.delete_db_snapshot(DBSnapshotIdentifier=snap)


def test_restore_from_snapshot_still_creating_is_refused(rds, ready_db, name):
    """RestoreDBInstanceFromDBSnapshot, Errors: InvalidDBSnapshotState for a
    snapshot that is not `available`."""
    snap = name("unready")
    rds.create_db_snapshot(DBInstanceIdentifier=ready_db, DBSnapshotIdentifier=snap)
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=name("early"), DBSnapshotIdentifier=snap
        )
    assert code(excinfo) == "InvalidDBSnapshotState"
