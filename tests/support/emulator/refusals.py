"""Calls AWS refuses and moto accepts, refused with AWS's error codes.

- CreateDBSnapshot of an Aurora cluster member: InvalidParameterValue, "The
  specified instance is a member of a cluster and a snapshot cannot be
  created directly. Please use the CreateDBClusterSnapshot API instead." (as
  AWS answers it; user reports in cloud-custodian #313 and pacu #259).
- CreateDBSnapshot of an instance that is not `available`:
  InvalidDBInstanceState (API_CreateDBSnapshot, Errors).
- DeleteDBSnapshot of an automated snapshot: InvalidDBSnapshotState,
  "automated snapshots cannot be deleted." (terraform-provider-aws #13800);
  of a snapshot that is not `available`: the same code ("The DB snapshot must
  be in the available state to be deleted", API_DeleteDBSnapshot).
- RestoreDBInstanceFromDBSnapshot and CopyDBSnapshot of a snapshot that is not
  `available`: InvalidDBSnapshotState (both operations' Errors).
- Cluster and cluster-snapshot identifiers outside AWS's rules:
  InvalidParameterValue (CreateDBClusterMessage, CreateDBClusterSnapshotMessage).
- A restore onto a name that is taken, or that a rename in flight will take:
  DBInstanceAlreadyExists / DBClusterAlreadyExistsFault (the restore
  operations' Errors).
- CreateDBClusterSnapshot of a cluster that is not `available`:
  InvalidDBClusterStateFault (API_CreateDBClusterSnapshot, Errors).
- CopyDBClusterSnapshot of a source that is not `available`
  (SourceDBClusterSnapshotIdentifier: "Must specify a valid source snapshot in
  the 'available' state"): InvalidDBClusterSnapshotStateFault. With KmsKeyId
  from an unencrypted source: "If you copy an unencrypted DB cluster snapshot
  and specify a value for the KmsKeyId parameter, an error is returned"
  (CopyDBClusterSnapshotMessage.KmsKeyId); the model names no code, the
  emulator answers InvalidParameterCombination (not documented by AWS).
- DeleteDBClusterSnapshot of a snapshot that is not `available`
  (DBClusterSnapshotIdentifier: "Must be the name of an existing DB cluster
  snapshot in the available state"): InvalidDBClusterSnapshotStateFault; a
  copy in flight may be deleted, which cancels it (CopyDBClusterSnapshot: "To
  cancel the copy operation once it is in progress, delete the target DB
  cluster snapshot ... while that DB cluster snapshot is in 'copying'
  status").
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.rds.models import DBInstanceClustered

from .core import AwsError, around, check_identifier, param
from .states import CLUSTER, INSTANCE, Kind, name_taken


def _instance(request: Any, member: str) -> Any:
    return request.backend.describe_db_instances(param(request, member))[0]


def _snapshot_available(snapshot: Any, operation: str) -> None:
    if snapshot.status != "available":
        raise AwsError(
            "InvalidDBSnapshotStateFault",
            f"Snapshot {snapshot.db_snapshot_identifier} is {snapshot.status}; {operation} needs an available snapshot.",
        )


@around("CreateDBSnapshot")
def create_db_snapshot(request: Any, call: Any) -> Any:
    db = _instance(request, "DBInstanceIdentifier")
    if isinstance(db, DBInstanceClustered):
        raise AwsError(
            "InvalidParameterValue",
            "The specified instance is a member of a cluster and a snapshot cannot be "
            "created directly. Please use the CreateDBClusterSnapshot API instead.",
        )
    # CreateDBSnapshot: "This operation is available only when the DB instance
    # is in the available or storage-optimization state."
    if db.status not in ("available", "storage-optimization"):
        raise AwsError(
            "InvalidDBInstanceStateFault",
            f"Cannot create a snapshot because the database instance {db.db_instance_identifier} is not currently in the available state.",
        )
    check_identifier(param(request, "DBSnapshotIdentifier"), "DBSnapshotIdentifier", 255)
    return call()


@around("DeleteDBSnapshot")
def delete_db_snapshot(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_snapshot(param(request, "DBSnapshotIdentifier"))
    if snapshot.snapshot_type == "automated":
        raise AwsError("InvalidDBSnapshotStateFault", "automated snapshots cannot be deleted.")
    if snapshot.status not in ("available", "copying", "pending"):
        # A copy in flight may be deleted: that cancels it (USER_CopySnapshot).
        _snapshot_available(snapshot, "DeleteDBSnapshot")
    return call()


@around("RestoreDBInstanceFromDBSnapshot")
def restore_from_snapshot(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_snapshot(param(request, "DBSnapshotIdentifier"))
    _snapshot_available(snapshot, "RestoreDBInstanceFromDBSnapshot")
    _target_free(request, "DBInstanceIdentifier")
    return call()


@around("RestoreDBInstanceToPointInTime")
def restore_to_time(request: Any, call: Any) -> Any:
    _instance(request, "SourceDBInstanceIdentifier")
    _target_free(request, "TargetDBInstanceIdentifier")
    return call()


def _target_free(request: Any, member: str, kind: Kind = INSTANCE) -> None:
    name = param(request, member)
    check_identifier(name, member)
    if name_taken(request.backend, kind.store(request.backend), name):
        raise AwsError(kind.exists_fault, kind.exists_message)


@around("CopyDBSnapshot")
def copy_db_snapshot(request: Any, call: Any) -> Any:
    source = param(request, "SourceDBSnapshotIdentifier")
    snapshot = request.backend.get_db_snapshot(source)
    _snapshot_available(snapshot, "CopyDBSnapshot")
    return call()


@around("CreateDBCluster")
def create_db_cluster(request: Any, call: Any) -> Any:
    _target_free(request, "DBClusterIdentifier", CLUSTER)
    return call()


@around("RestoreDBClusterFromSnapshot")
def restore_cluster_from_snapshot(request: Any, call: Any) -> Any:
    _target_free(request, "DBClusterIdentifier", CLUSTER)
    snapshot = request.backend.get_db_cluster_snapshot(param(request, "SnapshotIdentifier"))
    if snapshot.status != "available":
        raise AwsError(
            "InvalidDBClusterSnapshotStateFault",
            f"Cluster snapshot {snapshot.db_cluster_snapshot_identifier} is {snapshot.status}, not available.",
        )
    return call()


@around("RestoreDBClusterToPointInTime")
def restore_cluster_to_time(request: Any, call: Any) -> Any:
    _target_free(request, "DBClusterIdentifier", CLUSTER)
    return call()


@around("CreateDBClusterSnapshot")
def create_cluster_snapshot(request: Any, call: Any) -> Any:
    check_identifier(param(request, "DBClusterSnapshotIdentifier"), "DBClusterSnapshotIdentifier")
    cluster = request.backend.describe_db_clusters(param(request, "DBClusterIdentifier"))[0]
    if cluster.status != "available":
        raise AwsError(
            "InvalidDBClusterStateFault",
            f"DbCluster {cluster.db_cluster_identifier} is not in available state.",
        )
    return call()


def _cluster_snapshot_available(snapshot: Any, operation: str) -> None:
    if snapshot.status != "available":
        raise AwsError(
            "InvalidDBClusterSnapshotStateFault",
            f"Cluster snapshot {snapshot.db_cluster_snapshot_identifier} is {snapshot.status}; "
            f"{operation} needs an available snapshot.",
        )


@around("CopyDBClusterSnapshot")
def copy_cluster_snapshot(request: Any, call: Any) -> Any:
    check_identifier(
        param(request, "TargetDBClusterSnapshotIdentifier"), "TargetDBClusterSnapshotIdentifier"
    )
    source = request.backend.get_db_cluster_snapshot(
        param(request, "SourceDBClusterSnapshotIdentifier")
    )
    _cluster_snapshot_available(source, "CopyDBClusterSnapshot")
    if param(request, "KmsKeyId") is not None and not source.storage_encrypted:
        raise AwsError(
            "InvalidParameterCombination",
            f"Cluster snapshot {source.db_cluster_snapshot_identifier} is not encrypted; "
            "KmsKeyId can be given only when copying an encrypted cluster snapshot.",
        )
    return call()


@around("DeleteDBClusterSnapshot")
def delete_cluster_snapshot(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_cluster_snapshot(param(request, "DBClusterSnapshotIdentifier"))
    if snapshot.snapshot_type == "automated":
        # As AWS answers it (aws-nuke #511).
        raise AwsError("InvalidDBClusterSnapshotStateFault", "Only manual snapshots may be deleted.")
    if snapshot.status not in ("available", "copying", "pending"):
        _cluster_snapshot_available(snapshot, "DeleteDBClusterSnapshot")
    return call()


# --- Groups that do not fit the engine version ---------------------------------


def parameter_group_family(engine: str, version: str) -> str:
    """The DBParameterGroupFamily of an engine version, as
    DescribeDBEngineVersions reports it: `postgres15` for 15.4 (one number
    from PostgreSQL 10 on), `mysql8.0`, `aurora-postgresql15`,
    `aurora-mysql8.0` (3.x versions are MySQL 8.0)."""
    parts = str(version).split(".")
    if engine in ("postgres", "aurora-postgresql") and parts[0].isdigit() and int(parts[0]) >= 10:
        return f"{engine}{parts[0]}"
    if engine == "aurora-mysql":
        return "aurora-mysql8.0" if version.startswith(("3.", "8.0")) else "aurora-mysql5.7"
    return f"{engine}{'.'.join(parts[:2])}"


def option_group_major(engine: str, version: str) -> str:
    parts = str(version).split(".")
    if "postgres" in engine and parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])


def check_groups(request: Any, engine: str, version: str) -> None:
    """A restore (or create) names a DB parameter group of the engine
    version's family, and an option group of its engine and major version.
    AWS refuses others with InvalidParameterCombination (as users quote it:
    "The parameter group ... with DBParameterGroupFamily postgres16 can't be
    used for this instance. Use a parameter group with DBParameterGroupFamily
    postgres15", and for option groups "... is for a different major engine
    version"); RestoreDBInstanceFromDBSnapshot, DBParameterGroupName: "If you
    do not specify a value ... the default DBParameterGroup for the specified
    DB engine is used" and the group must fit that engine."""
    backend = request.backend
    family = parameter_group_family(engine, version)
    name = param(request, "DBParameterGroupName")
    group = backend.db_parameter_groups.get(name) if name else None
    if group is not None and group.family and group.family != family:
        raise AwsError(
            "InvalidParameterCombination",
            f"The parameter group {name} with DBParameterGroupFamily {group.family} can't be "
            f"used for this instance. Use a parameter group with DBParameterGroupFamily {family}.",
        )
    option = param(request, "OptionGroupName")
    if not option:
        return
    major = option_group_major(engine, version)
    if option.startswith("default:"):
        wanted = f"default:{engine}-{major.replace('.', '-')}"
        if option != wanted:
            raise AwsError(
                "InvalidParameterCombination",
                f"The option group {option} is for a different engine or major engine "
                f"version than {engine} {version}; use {wanted} or one made for {major}.",
            )
        return
    found = backend.option_groups.get(option)
    if found is not None and (found.engine_name != engine or str(found.major_engine_version) != major):
        raise AwsError(
            "InvalidParameterCombination",
            f"The option group {option} is for {found.engine_name} {found.major_engine_version}, "
            f"not {engine} {major}.",
        )


@around("RestoreDBInstanceFromDBSnapshot")
def restore_groups_fit(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_snapshot(param(request, "DBSnapshotIdentifier"))
    version = param(request, "EngineVersion") or snapshot.engine_version
    check_groups(request, snapshot.engine, version)
    return call()


def version_at(request: Any, db: Any, member: str = "RestoreTime") -> str:
    """The engine version `db` ran at the time a point-in-time restore
    asks for (`member`: RestoreTime for an instance, RestoreToTime for a
    cluster): a restore brings back the data and engine of that time, so one
    from before a major upgrade is of the old version (versions.py keeps
    each upgrade's time and the version before it in `emu_versions`)."""
    history = getattr(db, "emu_versions", [])
    raw = param(request, member)
    if raw is None or not history:
        return str(db.engine_version)
    wanted = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    if wanted.tzinfo is None:
        wanted = wanted.replace(tzinfo=timezone.utc)
    for upgraded, before in history:
        if wanted < upgraded:
            return before
    return str(db.engine_version)


@around("RestoreDBInstanceToPointInTime")
def pitr_groups_fit(request: Any, call: Any) -> Any:
    source = _instance(request, "SourceDBInstanceIdentifier")
    check_groups(request, source.engine, version_at(request, source))
    return call()
