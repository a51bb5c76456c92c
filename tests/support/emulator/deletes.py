"""Deleting DB instances and clusters: the final snapshot rules AWS enforces.

moto deletes with no final snapshot when none is asked for, makes one when
both SkipFinalSnapshot and a name are given, and lets anything be deleted
twice. AWS:

- DeleteDBInstance, SkipFinalSnapshot: "If you don't enable this parameter,
  you must specify the FinalDBSnapshotIdentifier parameter"; and
  FinalDBSnapshotIdentifier: "Specifying this parameter and also skipping
  the creation of a final DB snapshot with the SkipFinalSnapshot parameter
  results in an error" (API DeleteDBInstance). The same two rules for a
  cluster (API DeleteDBCluster). Neither names the code; AWS answers
  InvalidParameterCombination ("FinalDBSnapshotIdentifier is required unless
  SkipFinalSnapshot is specified", as users quote it, e.g. terraform-provider-aws
  #92), which is what the emulator sends for both.
  Aurora member instances take no final snapshot (the cluster's volume is
  the data; "This setting doesn't apply to Amazon Aurora DB instances",
  DeleteDBInstance): a member is deleted without either parameter, and a
  FinalDBSnapshotIdentifier for it is refused the same way.
- "When a DB instance is in a failure state and has a status of failed,
  incompatible-restore, or incompatible-network, RDS can delete the instance
  only if you enable this parameter" (SkipFinalSnapshot): a final snapshot
  of such an instance is InvalidDBInstanceStateFault.
- FinalDBSnapshotIdentifier must follow the identifier rules: letters,
  digits and hyphens, first a letter, no hyphen at the end or two in a row
  (API DeleteDBInstance / DeleteDBCluster, FinalDBSnapshotIdentifier; the
  lengths as in core.py): InvalidParameterValue.
- A final snapshot cannot be taken of an instance that is `creating`,
  `backing-up` or `modifying` (USER_DeleteInstance: the final snapshot is a
  snapshot, and CreateDBSnapshot needs `available`):
  InvalidDBInstanceStateFault.
- "The status of the DB instance is deleting until the DB snapshot is
  created" (API DeleteDBInstance): the final snapshot goes `creating` with
  progress, as any snapshot (states.py), and the DB stays `deleting` for as
  long plus the deletion itself. The same for a cluster.
- A DB that is already `deleting` cannot be deleted again:
  InvalidDBInstanceStateFault "DB instance ... is already being deleted"
  (as AWS words it), InvalidDBClusterStateFault for a cluster.
- "automated backups are deleted when the DB cluster is deleted" (API
  DeleteDBCluster, description of the operation; Aurora keeps none unless
  asked to retain them): the cluster's automated snapshots go with it.
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import DBInstanceClustered

from .clock import CLOCK, SCHEDULER, Job, Phase
from .core import AwsError, around, check_identifier, flag, param
from .states import (
    creating_cluster_snapshot,
    creating_db_snapshot,
    db_snapshot_seconds,
    is_current,
    job_name,
    set_status,
)

FAILED_STATES = {"failed", "incompatible-restore", "incompatible-network"}
NO_FINAL_SNAPSHOT_WHILE = {"creating", "backing-up", "modifying"}


def _final_snapshot_rules(request: Any, what: str, needs_one: bool) -> str | None:
    skip = bool(flag(request, "SkipFinalSnapshot"))
    final = param(request, "FinalDBSnapshotIdentifier")
    if skip and final is not None:
        raise AwsError(
            "InvalidParameterCombination",
            f"FinalDBSnapshotIdentifier can not be specified when deleting a {what} "
            "with SkipFinalSnapshot set to true.",
        )
    if needs_one and not skip and final is None:
        raise AwsError(
            "InvalidParameterCombination",
            "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
        )
    return final


def _already_deleting(resource: Any, fault: str, what: str, name: str) -> None:
    if getattr(resource, "status", None) == "deleting":
        raise AwsError(fault, f"{what} {name} is already being deleted.")


def _stay_deleting(resource: Any, store: Any, key: Any, snapshot_seconds: float) -> None:
    """Keeps the DB `deleting` while its final snapshot is made, then for the
    deletion itself (states.py started the deletion's job)."""
    job = next((j for j in SCHEDULER.jobs if j.name == job_name(resource)), None)
    if job is None:
        return
    SCHEDULER.cancel(job.name)
    SCHEDULER.start(
        Job(
            job.name,
            [Phase(snapshot_seconds + CLOCK.real("deleting"), set_status(resource, "deleting"))],
            job.done,
            alive=is_current(store, key, resource),
        )
    )


@around("DeleteDBInstance")
def delete_db_instance(request: Any, call: Any) -> Any:
    name = param(request, "DBInstanceIdentifier")
    db = request.backend.databases.get(name)
    if db is None:
        return call()  # moto answers DBInstanceNotFound
    _already_deleting(db, "InvalidDBInstanceStateFault", "DB instance", name)
    member = isinstance(db, DBInstanceClustered)
    if member and param(request, "FinalDBSnapshotIdentifier") is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "FinalDBSnapshotIdentifier can not be specified when deleting a cluster "
            "member instance; take a DB cluster snapshot instead.",
        )
    final = _final_snapshot_rules(request, "DB instance", needs_one=not member)
    if final is None:
        return call()
    check_identifier(final, "FinalDBSnapshotIdentifier", 255)
    if db.status in FAILED_STATES:
        raise AwsError(
            "InvalidDBInstanceStateFault",
            f"DB instance {name} is {db.status}; it can be deleted only with SkipFinalSnapshot.",
        )
    if db.status in NO_FINAL_SNAPSHOT_WHILE:
        raise AwsError(
            "InvalidDBInstanceStateFault",
            f"Cannot create a final snapshot because the DB instance {name} is {db.status}, "
            "not available.",
        )
    result = call()
    snapshot = request.backend.database_snapshots.get(final)
    if snapshot is not None:
        creating_db_snapshot(request.backend, snapshot)
        _stay_deleting(
            db,
            request.backend.databases,
            lambda d: d.db_instance_identifier,
            db_snapshot_seconds(snapshot),
        )
    return result


@around("DeleteDBCluster")
def delete_db_cluster(request: Any, call: Any) -> Any:
    name = param(request, "DBClusterIdentifier")
    backend = request.backend
    cluster = backend.clusters.get(name)
    if cluster is None:
        return call()  # moto answers DBClusterNotFoundFault
    _already_deleting(cluster, "InvalidDBClusterStateFault", "DB cluster", name)
    final = _final_snapshot_rules(request, "DB cluster", needs_one=True)
    if final is not None:
        check_identifier(final, "FinalDBSnapshotIdentifier")
    elif "FinalDBSnapshotIdentifier" in request.params:
        del request.params["FinalDBSnapshotIdentifier"]
    automated = [
        key
        for key, snap in backend.cluster_snapshots.items()
        # The snapshot keeps a copy of its cluster: matched by name.
        if snap.snapshot_type == "automated" and snap.cluster.db_cluster_identifier == name
    ]
    result = call()
    for key in automated:
        backend.cluster_snapshots.pop(key, None)
    if final is not None and final in backend.cluster_snapshots:
        creating_cluster_snapshot(backend, backend.cluster_snapshots[final])
        _stay_deleting(
            cluster,
            backend.clusters,
            lambda c: c.db_cluster_identifier,
            CLOCK.real("cluster-snapshot"),
        )
    return result
