"""What the in-place rollback relies on, pinned on the emulator: a rename
pending right after the call is shown in PendingModifiedValues for instances
and clusters (ModifyDBInstance / ModifyDBCluster: "PendingModifiedValues ...
changes to the DB instance that are pending"), a Blue/Green deployment is
listed with its source (DescribeBlueGreenDeployments), deletion protection
refuses a delete (DeleteDBInstance, Errors: InvalidParameterCombination when
DeletionProtection is on), and a delete with a final snapshot leaves it.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from helpers import (
    cluster,
    create_cluster,
    create_instance,
    instance,
    wait_cluster,
    wait_instance,
)


def test_a_pending_instance_rename_is_shown_while_the_old_name_reads_available(
    rds, name, clock_scale
):
    old, new = name("swap-old"), name("swap-new")
    create_instance(rds, old)
    wait_instance(rds, old)
    with clock_scale(0.05):
        rds.modify_db_instance(
            DBInstanceIdentifier=old, NewDBInstanceIdentifier=new, ApplyImmediately=True
        )
        seen = instance(rds, old)
    assert seen["DBInstanceStatus"] == "available"
    assert seen["PendingModifiedValues"]["DBInstanceIdentifier"] == new
    wait_instance(rds, new)
    assert not instance(rds, new).get("PendingModifiedValues", {}).get("DBInstanceIdentifier")


def test_a_pending_cluster_rename_is_shown_while_the_old_name_reads_available(
    rds, name, clock_scale
):
    old, new = name("swap-cold"), name("swap-cnew")
    create_cluster(rds, old)
    wait_cluster(rds, old)
    with clock_scale(0.05):
        rds.modify_db_cluster(
            DBClusterIdentifier=old, NewDBClusterIdentifier=new, ApplyImmediately=True
        )
        seen = cluster(rds, old)
    assert seen["Status"] == "available"
    assert seen["PendingModifiedValues"]["DBClusterIdentifier"] == new
    wait_cluster(rds, new)
    assert cluster(rds, old) is None


def test_a_blue_green_deployment_is_listed_with_its_source(rds, name):
    db = name("swap-blue")
    create_instance(rds, db)
    wait_instance(rds, db)
    arn = instance(rds, db)["DBInstanceArn"]
    rds.create_blue_green_deployment(
        BlueGreenDeploymentName=name("bg"), Source=arn
    )
    listed = rds.describe_blue_green_deployments()["BlueGreenDeployments"]
    assert any(bg["Source"] == arn for bg in listed)


def test_deletion_protection_refuses_a_delete_until_turned_off(rds, name):
    db = name("swap-protected")
    create_instance(rds, db, DeletionProtection=True)
    wait_instance(rds, db)
    with pytest.raises(ClientError):
        rds.delete_db_instance(DBInstanceIdentifier=db, SkipFinalSnapshot=True)
    rds.modify_db_instance(
        DBInstanceIdentifier=db, DeletionProtection=False, ApplyImmediately=True
    )
    wait_instance(rds, db)
    rds.delete_db_instance(DBInstanceIdentifier=db, FinalDBSnapshotIdentifier=f"{db}-final")
    assert rds.describe_db_snapshots(DBSnapshotIdentifier=f"{db}-final")["DBSnapshots"]


def test_each_instance_has_its_own_resource_id_which_a_rename_keeps(rds, name):
    one, two, renamed = name("rid-one"), name("rid-two"), name("rid-renamed")
    create_instance(rds, one)
    create_instance(rds, two)
    wait_instance(rds, one)
    wait_instance(rds, two)
    first = instance(rds, one)["DbiResourceId"]
    assert first != instance(rds, two)["DbiResourceId"]
    rds.modify_db_instance(
        DBInstanceIdentifier=one, NewDBInstanceIdentifier=renamed, ApplyImmediately=True
    )
    wait_instance(rds, renamed)
    assert instance(rds, renamed)["DbiResourceId"] == first


def test_a_renamed_cluster_takes_the_endpoint_of_its_new_name(rds, name):
    """Cluster endpoints carry an account-and-Region identifier, not a
    per-cluster one (Aurora.Overview.Endpoints), so a cluster renamed to a
    name answers at that name's endpoint."""
    one, two = name("ep-one"), name("ep-two")
    create_cluster(rds, one)
    create_cluster(rds, two)
    wait_cluster(rds, one)
    wait_cluster(rds, two)
    assert cluster(rds, two)["Endpoint"] == cluster(rds, one)["Endpoint"].replace(one, two)
