"""versions.py: engine upgrades as ModifyDBInstance allows them, and the
restores and creates AWS refuses for an engine version (a parameter group of
another family, an option group of another major version, a class the
version is not offered on): InvalidParameterCombination, as AWS answers."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from helpers import (
    cluster,
    code,
    create_cluster,
    create_instance,
    instance,
    now,
    take_snapshot,
    wait_cluster,
    wait_instance,
    watch,
)


def _groups(rds: Any, name: Any) -> tuple[str, str]:
    old, new = name("pg15"), name("pg16")
    rds.create_db_parameter_group(DBParameterGroupName=old, DBParameterGroupFamily="postgres15", Description="x")
    rds.create_db_parameter_group(DBParameterGroupName=new, DBParameterGroupFamily="postgres16", Description="x")
    return old, new


def _upgraded(rds: Any, name: Any) -> tuple[str, str, str, str]:
    """A 15.4 instance on its own group, snapshotted, then upgraded to 16.4."""
    old, new = _groups(rds, name)
    db = name("app")
    create_instance(rds, db, EngineVersion="15.4", DBParameterGroupName=old)
    wait_instance(rds, db)
    snap = name("before")
    take_snapshot(rds, db, snap)
    rds.modify_db_instance(
        DBInstanceIdentifier=db, EngineVersion="16.4", AllowMajorVersionUpgrade=True,
        DBParameterGroupName=new, ApplyImmediately=True,
    )  # fmt: skip
    wait_instance(rds, db)
    return db, snap, old, new


def test_a_new_instance_gets_the_default_option_group_of_its_major_version(rds, name):
    db = name("db")
    create_instance(rds, db, EngineVersion="15.4")
    assert instance(rds, db)["OptionGroupMemberships"][0]["OptionGroupName"] == "default:postgres-15"


def test_a_new_instance_without_a_version_gets_the_engines_default_and_its_groups(rds, name):
    db = name("db")
    create_instance(rds, db)
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"][0]
    made = instance(rds, db)
    assert made["EngineVersion"] == default["EngineVersion"]
    major = default["EngineVersion"].split(".")[0]
    option_group = made["OptionGroupMemberships"][0]["OptionGroupName"]
    assert option_group == f"default:postgres-{major}"
    assert rds.describe_option_groups(OptionGroupName=option_group)["OptionGroupsList"]
    parameter_group = made["DBParameterGroups"][0]["DBParameterGroupName"]
    family = rds.describe_db_parameter_groups(DBParameterGroupName=parameter_group)["DBParameterGroups"][0]
    assert family["DBParameterGroupFamily"] == default["DBParameterGroupFamily"]


def test_a_major_upgrade_needs_the_flag_and_a_parameter_group_of_the_new_family(rds, name):
    old, new = _groups(rds, name)
    db = name("app")
    create_instance(rds, db, EngineVersion="15.4", DBParameterGroupName=old)
    wait_instance(rds, db)
    for extra in ({}, {"AllowMajorVersionUpgrade": True}, {"DBParameterGroupName": new}):
        with pytest.raises(ClientError) as error:
            rds.modify_db_instance(DBInstanceIdentifier=db, EngineVersion="16.4", ApplyImmediately=True, **extra)
        assert code(error) == "InvalidParameterCombination", extra
    with pytest.raises(ClientError) as error:
        rds.modify_db_instance(DBInstanceIdentifier=db, EngineVersion="14.13", ApplyImmediately=True)
    assert code(error) == "InvalidParameterCombination"
    assert instance(rds, db)["EngineVersion"] == "15.4"
    rds.modify_db_instance(
        DBInstanceIdentifier=db, EngineVersion="16.4", AllowMajorVersionUpgrade=True,
        DBParameterGroupName=new, ApplyImmediately=True,
    )  # fmt: skip
    wait_instance(rds, db)
    upgraded = instance(rds, db)
    assert upgraded["EngineVersion"] == "16.4"
    assert upgraded["DBParameterGroups"][0]["DBParameterGroupName"] == new
    assert upgraded["OptionGroupMemberships"][0]["OptionGroupName"] == "default:postgres-16"


def test_restoring_the_old_snapshot_with_todays_groups_is_refused_and_with_its_own_accepted(rds, name):
    """The rollback bug: the restore of a 15.4 snapshot handed the upgraded
    instance's parameter group, option group or class."""
    db, snap, old, new = _upgraded(rds, name)
    assert rds.describe_db_snapshots(DBSnapshotIdentifier=snap)["DBSnapshots"][0]["EngineVersion"] == "15.4"
    for extra in (
        {"DBParameterGroupName": new},
        {"OptionGroupName": "default:postgres-16"},
        {"DBInstanceClass": "db.m8g.large"},
    ):
        with pytest.raises(ClientError) as error:
            rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=name("r"), DBSnapshotIdentifier=snap, **extra)
        assert code(error) == "InvalidParameterCombination", extra
    back = name("back")
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier=back, DBSnapshotIdentifier=snap, DBParameterGroupName=old,
        OptionGroupName="default:postgres-15", DBInstanceClass="db.m6g.large",
    )  # fmt: skip
    restored = instance(rds, back)
    assert restored["EngineVersion"] == "15.4"


def test_a_class_is_offered_only_on_the_versions_the_catalog_lists_it_for(rds, name):
    def classes(version: str) -> set[str]:
        options = rds.describe_orderable_db_instance_options(Engine="postgres", EngineVersion=version)
        return {o["DBInstanceClass"] for o in options["OrderableDBInstanceOptions"]}

    assert "db.m8g.large" not in classes("15.4")
    assert "db.m8g.large" in classes("16.4")
    with pytest.raises(ClientError) as error:
        create_instance(rds, name("db"), EngineVersion="15.4", DBInstanceClass="db.m8g.large")
    assert code(error) == "InvalidParameterCombination"
    create_instance(rds, name("db"), EngineVersion="16.4", DBInstanceClass="db.m8g.large")


def test_a_point_in_time_restore_from_before_an_upgrade_is_of_the_old_version(rds, name):
    """versions.py / refusals.version_at: the version of the time restored
    to, and its groups judged against it."""
    from datetime import datetime, timezone
    import time as clock

    old, new = _groups(rds, name)
    db = name("app")
    create_instance(rds, db, EngineVersion="15.4", DBParameterGroupName=old, BackupRetentionPeriod=7)
    wait_instance(rds, db)
    clock.sleep(0.5)
    before = datetime.now(timezone.utc)
    clock.sleep(0.5)
    rds.modify_db_instance(
        DBInstanceIdentifier=db, EngineVersion="16.4", AllowMajorVersionUpgrade=True,
        DBParameterGroupName=new, ApplyImmediately=True,
    )  # fmt: skip
    wait_instance(rds, db)
    clock.sleep(0.5)
    with pytest.raises(ClientError) as error:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=db, TargetDBInstanceIdentifier=name("r"),
            RestoreTime=before, DBParameterGroupName=new,
        )  # fmt: skip
    assert code(error) == "InvalidParameterCombination"
    back = name("back")
    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=db, TargetDBInstanceIdentifier=back, RestoreTime=before, DBParameterGroupName=old
    )
    restored = instance(rds, back)
    assert restored["EngineVersion"] == "15.4"
    assert restored["OptionGroupMemberships"][0]["OptionGroupName"] == "default:postgres-15"


def test_aurora_restores_and_instances_take_groups_of_the_snapshots_version_only(rds, name):
    """versions.py, Aurora: the cluster restore's cluster parameter group and
    its instances' parameter groups must be of the restored version's family;
    a major ModifyDBCluster needs AllowMajorVersionUpgrade."""
    from helpers import create_cluster, wait_cluster

    groups = {}
    for major in ("15", "16"):
        groups[major] = (name(f"c{major}"), name(f"i{major}"))
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=groups[major][0], DBParameterGroupFamily=f"aurora-postgresql{major}",
            Description="x",
        )  # fmt: skip
        rds.create_db_parameter_group(
            DBParameterGroupName=groups[major][1], DBParameterGroupFamily=f"aurora-postgresql{major}", Description="x"
        )
    cluster = name("cl")
    create_cluster(rds, cluster, EngineVersion="15.4", DBClusterParameterGroupName=groups["15"][0])
    wait_cluster(rds, cluster)
    snap = name("cs")
    rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=snap)
    from helpers import cluster_snapshot, watch

    watch(lambda: cluster_snapshot(rds, snap)["Status"], lambda s: s == "available")
    with pytest.raises(ClientError) as error:
        rds.modify_db_cluster(DBClusterIdentifier=cluster, EngineVersion="16.4", ApplyImmediately=True)
    assert code(error) == "InvalidParameterCombination"
    rds.modify_db_cluster(
        DBClusterIdentifier=cluster, EngineVersion="16.4", AllowMajorVersionUpgrade=True,
        DBClusterParameterGroupName=groups["16"][0], ApplyImmediately=True,
    )  # fmt: skip
    wait_cluster(rds, cluster)
    with pytest.raises(ClientError) as error:
        rds.restore_db_cluster_from_snapshot(
            DBClusterIdentifier=name("r"), SnapshotIdentifier=snap, Engine="aurora-postgresql",
            DBClusterParameterGroupName=groups["16"][0],
        )  # fmt: skip
    assert code(error) == "InvalidParameterCombination"
    back = name("back")
    rds.restore_db_cluster_from_snapshot(
        DBClusterIdentifier=back, SnapshotIdentifier=snap, Engine="aurora-postgresql",
        DBClusterParameterGroupName=groups["15"][0],
    )  # fmt: skip
    wait_cluster(rds, back)
    with pytest.raises(ClientError) as error:
        rds.create_db_instance(
            DBInstanceIdentifier=name("w"), DBClusterIdentifier=back, Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large", DBParameterGroupName=groups["16"][1],
        )  # fmt: skip
    assert code(error) == "InvalidParameterCombination"
    rds.create_db_instance(
        DBInstanceIdentifier=name("w"), DBClusterIdentifier=back, Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large", DBParameterGroupName=groups["15"][1],
    )  # fmt: skip


def test_an_aurora_pitr_to_before_a_major_upgrade_is_of_that_version_and_its_groups(rds, name):
    """As for an instance: the cluster restored to a time before a major
    upgrade runs the version of that time, on that version's default DB
    cluster parameter group where the call names none, and its instances
    are judged against it and show its default option group."""
    db = name("aur")
    create_cluster(rds, db, EngineVersion="15.4", BackupRetentionPeriod=7)
    wait_cluster(rds, db)
    rds.create_db_instance(
        DBInstanceIdentifier=f"{db}-1", DBClusterIdentifier=db, Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )  # fmt: skip
    wait_instance(rds, f"{db}-1")
    assert instance(rds, f"{db}-1")["OptionGroupMemberships"][0]["OptionGroupName"] == "default:aurora-postgresql-15"
    time.sleep(1.1)
    between = now().replace(microsecond=0)
    time.sleep(1.1)
    rds.modify_db_cluster(
        DBClusterIdentifier=db, EngineVersion="16.4", AllowMajorVersionUpgrade=True, ApplyImmediately=True
    )
    wait_cluster(rds, db)
    assert instance(rds, f"{db}-1")["OptionGroupMemberships"][0]["OptionGroupName"] == "default:aurora-postgresql-16"
    watch(lambda: cluster(rds, db).get("LatestRestorableTime"), lambda latest: latest and latest >= between)
    old = name("old")
    rds.restore_db_cluster_to_point_in_time(DBClusterIdentifier=old, SourceDBClusterIdentifier=db, RestoreToTime=between)
    made = cluster(rds, old)
    assert made["EngineVersion"] == "15.4"
    assert made["DBClusterParameterGroup"] == "default.aurora-postgresql15"
    wait_cluster(rds, old)
    rds.create_db_instance(
        DBInstanceIdentifier=f"{old}-1", DBClusterIdentifier=old, Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )  # fmt: skip
    assert instance(rds, f"{old}-1")["OptionGroupMemberships"][0]["OptionGroupName"] == "default:aurora-postgresql-15"
    # A group of the new family does not fit a restore of the old version.
    group = name("c16")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=group, DBParameterGroupFamily="aurora-postgresql16", Description="x"
    )
    with pytest.raises(ClientError) as error:
        rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=name("bad"), SourceDBClusterIdentifier=db, RestoreToTime=between,
            DBClusterParameterGroupName=group,
        )  # fmt: skip
    assert code(error) == "InvalidParameterCombination"
