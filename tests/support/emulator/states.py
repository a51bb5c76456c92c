"""Time and states: work takes time, and shows it.

moto makes every resource `available` at once. AWS does not, and the
action's waiting, adoption and re-run logic exists because of that. Here:

- DB and cluster snapshots stay `creating` with a rising `PercentProgress`,
  then become `available` (DBSnapshot.Status / PercentProgress in the API
  reference: "Specifies the status of this DB snapshot", "The percentage of
  the estimated data that has been transferred").
- A new, restored or point-in-time-restored DB instance goes `creating`, then
  `backing-up`, then `available` (Viewing DB instance status, in the RDS
  user guide: `backing-up` "The DB instance is currently being backed up").
  It has no Endpoint while `creating`: AWS assigns it when the host exists.
- A cluster goes `creating` -> `available`; its instances follow on their own
  schedule (Aurora user guide, "Viewing DB cluster status"). A restored
  cluster takes as long as an instance restore's `creating`, a clone less
  (clock.py). An instance in a cluster goes `creating` -> `available`: the
  cluster, not the instance, holds the backups, so no `backing-up` (not
  documented by AWS as a sequence; Aurora's backups are the cluster
  volume's, Aurora.Managing.Backups).
- ModifyDBInstance / ModifyDBCluster with ApplyImmediately go `modifying`.
- DeleteDBInstance / DeleteDBCluster go `deleting`, then the name is gone.
- CopyDBSnapshot targets go `pending`, then `copying` with progress; at
  most five copies run into one region, a second copy of one source waits
  for the first, and a copy whose source is deleted fails (`copying`).
- StopDBInstance goes `stopping` -> `stopped`; StartDBInstance `starting`.
- A rename (NewDBInstanceIdentifier / NewDBClusterIdentifier with
  ApplyImmediately) follows what users see on AWS: the old name still reads
  `available` right after the call (boto3 #609), then `renaming`; then for a
  while neither name answers (boto3 #2613); then the new name shows
  `rebooting` and `available`, with the endpoint under the new name. Without
  ApplyImmediately it waits for the maintenance window, as AWS documents
  (ModifyDBInstance, ApplyImmediately), which here never comes.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from moto.rds.models import (
    DBCluster,
    DBClusterSnapshot,
    DBInstance,
    DBInstanceClustered,
    DBSnapshot,
)

from .clock import AWS_SECONDS, CLOCK, SCHEDULER, Job, Phase
from .core import AwsError, around, check_identifier, flag, param, result_object


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# moto flips a cluster from `creating` to `available` on the first look; here
# its status is what the jobs set.
DBCluster.status = property(  # type: ignore[assignment]
    lambda self: self._status, lambda self, value: setattr(self, "_status", value)
)


def _endpoint(self: DBInstance) -> dict[str, Any] | None:
    if getattr(self, "emu_no_endpoint", False):
        return None
    return {"Address": self.address, "Port": self.port}


DBInstance.endpoint = property(_endpoint)  # type: ignore[assignment]


def job_name(resource: Any) -> str:
    return f"{type(resource).__name__}:{id(resource)}"


def is_current(store: Any, key_of: Any, resource: Any) -> Any:
    """A job's `alive` check: the resource is still stored under its name."""
    return lambda: store.get(key_of(resource)) is resource


def set_status(resource: Any, status: str) -> Any:
    return lambda: setattr(resource, "status", status)


def set_progress(resource: Any) -> Any:
    # AWS reports whole percents that only rise.
    return lambda fraction: setattr(
        resource, "percent_progress", max(0, min(99, int(fraction * 100)))
    )


def snapshot_job(snapshot: Any, store: Any, key_of: Any, phases: list[Phase]) -> None:
    def done() -> None:
        snapshot.status = "available"
        snapshot.percent_progress = 100

    snapshot.percent_progress = 0
    SCHEDULER.start(
        Job(job_name(snapshot), phases, done, alive=is_current(store, key_of, snapshot))
    )


def db_snapshot_seconds(snapshot: DBSnapshot) -> float:
    size = getattr(snapshot, "allocated_storage", None) or 20
    return CLOCK.seconds(
        AWS_SECONDS["db-snapshot-base"] + size * AWS_SECONDS["db-snapshot-per-gib"]
    )


def creating_db_snapshot(backend: Any, snapshot: DBSnapshot) -> None:
    snapshot_job(
        snapshot,
        backend.database_snapshots,
        lambda s: s.db_snapshot_identifier,
        [
            Phase(
                db_snapshot_seconds(snapshot),
                set_status(snapshot, "creating"),
                set_progress(snapshot),
            )
        ],
    )


def creating_cluster_snapshot(backend: Any, snapshot: DBClusterSnapshot) -> None:
    snapshot_job(
        snapshot,
        backend.cluster_snapshots,
        lambda s: s.db_cluster_snapshot_identifier,
        [
            Phase(
                CLOCK.real("cluster-snapshot"),
                set_status(snapshot, "creating"),
                set_progress(snapshot),
            )
        ],
    )


# Copies in progress, by destination region: (snapshot, source, ends at).
COPIES: dict[str, list[tuple[Any, Any, float]]] = {}
# USER_CopySnapshot (the current English guide): "For each AWS account, you
# can copy up to 20 DB snapshots at a time from one AWS Region to another."
# Older translations of the guide still say five.
COPIES_IN_PROGRESS_PER_REGION = 20


def _in_progress(region: str) -> list[tuple[Any, Any, float]]:
    now = CLOCK.now()
    live = [c for c in COPIES.get(region, []) if c[2] > now and c[0].status in ("pending", "copying")]
    COPIES[region] = live
    return live


def copying(snapshot: Any, store: Any, key_of: Any, source: Any = None, source_store: Any = None) -> None:
    """A copy goes `pending`, then `copying` with progress (USER_CopySnapshot).

    - "You can have up to five snapshot copy requests in progress to a
      single destination Region per account" (USER_CopySnapshot); a sixth is
      refused with SnapshotQuotaExceeded (the reference names no code; this
      is the quota fault CopyDBSnapshot lists).
    - "If you copy a source snapshot more than once ... the second copy
      request ... waits until the first copy is done" (USER_CopySnapshot,
      copy requests of one source): its `pending` lasts until then.
    - "If the source snapshot is deleted before the copy ... completes, the
      snapshot copy might fail" (USER_CopySnapshot): here it fails, status
      `failed`.
    """
    region = getattr(snapshot, "region", "") or ""
    busy = _in_progress(region)
    pending = CLOCK.real("copy-pending")
    earlier = [end for _, src, end in busy if source is not None and src is source]
    if earlier:
        pending = max(pending, max(earlier) - CLOCK.now())
    copy_seconds = pending + CLOCK.real("copy-copying")

    def done() -> None:
        if source is not None and source_store is not None and not any(
            s is source for s in source_store.values()
        ):
            snapshot.status = "failed"
            return
        snapshot.status = "available"
        snapshot.percent_progress = 100

    snapshot.percent_progress = 0
    SCHEDULER.start(
        Job(
            job_name(snapshot),
            [
                Phase(pending, set_status(snapshot, "pending")),
                Phase(
                    CLOCK.real("copy-copying"),
                    set_status(snapshot, "copying"),
                    set_progress(snapshot),
                ),
            ],
            done,
            alive=is_current(store, key_of, snapshot),
        )
    )
    COPIES.setdefault(region, []).append((snapshot, source, CLOCK.now() + copy_seconds))


def copy_quota(backend: Any) -> None:
    if len(_in_progress(backend.region_name)) >= COPIES_IN_PROGRESS_PER_REGION:
        raise AwsError(
            "SnapshotQuotaExceededFault",
            f"Cannot have more than {COPIES_IN_PROGRESS_PER_REGION} snapshot copies in progress "
            f"to {backend.region_name}; wait for one to finish.",
        )


def instance_key(db: DBInstance) -> str:
    return db.db_instance_identifier


def backups_start(db: DBInstance) -> None:
    """Marks when the first automated backup finished: the restorable window
    starts there (see windows.py)."""
    if db.backup_retention_period and not getattr(db, "emu_backups_since", None):
        db.emu_backups_since = utcnow()


def new_instance(backend: Any, db: DBInstance, creating: str, backing_up: str) -> None:
    """A new instance's way to `available`. Each gets its own DbiResourceId
    ("The Amazon Web Services Region-unique, immutable identifier for the DB
    instance", DBInstance in the API reference), which a rename keeps; moto
    gives every instance the same one."""
    db.dbi_resource_id = "db-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=26))

    def hide_endpoint() -> None:
        db.status = "creating"
        db.emu_no_endpoint = True

    def backing() -> None:
        db.status = "backing-up"
        db.emu_no_endpoint = False

    def done() -> None:
        db.status = "available"
        db.emu_no_endpoint = False
        backups_start(db)

    phases = [Phase(CLOCK.real(creating), hide_endpoint)]
    if backing_up:
        phases.append(Phase(CLOCK.real(backing_up), backing))
    SCHEDULER.start(
        Job(
            job_name(db),
            phases,
            done,
            alive=is_current(backend.databases, instance_key, db),
        )
    )


def new_cluster(backend: Any, cluster: DBCluster, creating: str = "cluster-creating") -> None:
    def done() -> None:
        cluster.status = "available"
        if not getattr(cluster, "emu_backups_since", None):
            cluster.emu_backups_since = utcnow()

    SCHEDULER.start(
        Job(
            job_name(cluster),
            [Phase(CLOCK.real(creating), set_status(cluster, "creating"))],
            done,
            alive=is_current(
                backend.clusters, lambda c: c.db_cluster_identifier, cluster
            ),
        )
    )


def busy_for(resource: Any, status: str, seconds: str, then: str, store: Any, key_of: Any) -> None:
    SCHEDULER.cancel(job_name(resource))
    SCHEDULER.start(
        Job(
            job_name(resource),
            [Phase(CLOCK.real(seconds), set_status(resource, status))],
            set_status(resource, then),
            alive=is_current(store, key_of, resource),
        )
    )


@around("CreateDBInstance")
def create_db_instance(request: Any, call: Any) -> Any:
    result = call()
    db = result_object(result, "DBInstance")
    if isinstance(db, DBInstanceClustered):
        new_instance(request.backend, db, "cluster-instance-creating", "")
    else:
        new_instance(request.backend, db, "instance-creating", "instance-backing-up")
    return result


def restoring(request: Any, call: Any) -> Any:
    result = call()
    new_instance(
        request.backend,
        result_object(result, "DBInstance"),
        "restore-creating",
        "restore-backing-up",
    )
    return result


around("RestoreDBInstanceFromDBSnapshot")(restoring)
around("RestoreDBInstanceToPointInTime")(restoring)


@around("CreateDBSnapshot")
def create_db_snapshot(request: Any, call: Any) -> Any:
    result = call()
    creating_db_snapshot(request.backend, result_object(result, "DBSnapshot"))
    return result


@around("CopyDBSnapshot")
def copy_db_snapshot(request: Any, call: Any) -> Any:
    copy_quota(request.backend)
    source = request.backend.get_db_snapshot(param(request, "SourceDBSnapshotIdentifier"))
    result = call()
    copying(
        result_object(result, "DBSnapshot"),
        request.backend.database_snapshots,
        lambda s: s.db_snapshot_identifier,
        source,
        source.backend.database_snapshots,
    )
    return result


@around("CreateDBClusterSnapshot")
def create_cluster_snapshot(request: Any, call: Any) -> Any:
    result = call()
    creating_cluster_snapshot(request.backend, result_object(result, "DBClusterSnapshot"))
    return result


@around("CopyDBClusterSnapshot")
def copy_cluster_snapshot(request: Any, call: Any) -> Any:
    copy_quota(request.backend)
    source = request.backend.get_db_cluster_snapshot(
        param(request, "SourceDBClusterSnapshotIdentifier")
    )
    result = call()
    copying(
        result_object(result, "DBClusterSnapshot"),
        request.backend.cluster_snapshots,
        lambda s: s.db_cluster_snapshot_identifier,
        source,
        source.backend.cluster_snapshots,
    )
    return result


def cluster_duration(request: Any) -> str:
    """Which of clock.py's durations a new cluster's `creating` takes."""
    if param(request, "SourceDBClusterIdentifier") is not None:
        if param(request, "RestoreType") == "copy-on-write":
            return "clone-creating"
        return "cluster-restore-creating"
    if param(request, "SnapshotIdentifier") is not None:
        return "cluster-restore-creating"
    return "cluster-creating"


def _cluster_created(request: Any, call: Any) -> Any:
    result = call()
    new_cluster(request.backend, result_object(result, "DBCluster"), cluster_duration(request))
    return result


for _action in ("CreateDBCluster", "RestoreDBClusterFromSnapshot", "RestoreDBClusterToPointInTime"):
    around(_action)(_cluster_created)


@dataclass(frozen=True)
class Kind:
    """What differs between DB instances and DB clusters for deleting,
    modifying and renaming; the behaviour itself is the same."""

    result: str  # the result's member: DBInstance / DBCluster
    member: str  # the identifier's request member
    new_member: str  # the rename's request member
    store: Callable[[Any], Any]
    key: Callable[[Any], str]
    rename: Callable[[Any, str], None]
    followers: Callable[[Any], list[Any]]
    # The codes AWS answers with (ModifyDBInstance / ModifyDBCluster, Errors).
    state_fault: str
    exists_fault: str
    exists_message: str


INSTANCE = Kind(
    result="DBInstance",
    member="DBInstanceIdentifier",
    new_member="NewDBInstanceIdentifier",
    store=lambda backend: backend.databases,
    key=instance_key,
    rename=lambda db, name: setattr(db, "db_instance_identifier", name),
    followers=lambda db: [],
    state_fault="InvalidDBInstanceStateFault",
    exists_fault="DBInstanceAlreadyExistsFault",
    exists_message="DB instance already exists",
)
CLUSTER = Kind(
    result="DBCluster",
    member="DBClusterIdentifier",
    new_member="NewDBClusterIdentifier",
    store=lambda backend: backend.clusters,
    key=lambda cluster: cluster.db_cluster_identifier,
    rename=lambda cluster, name: setattr(cluster, "db_cluster_identifier", name),
    # A cluster's instances follow its rename (Aurora user guide, "Renaming
    # an Aurora DB cluster").
    followers=lambda cluster: list(cluster._members),
    state_fault="InvalidDBClusterStateFault",
    exists_fault="DBClusterAlreadyExistsFault",
    exists_message="DB Cluster already exists",
)


def deleting(kind: Kind) -> Callable[[Any, Any], Any]:
    def handler(request: Any, call: Any) -> Any:
        result = call()
        resource = result_object(result, kind.result)
        store = kind.store(request.backend)
        # moto forgets it at once; AWS shows it `deleting` for minutes, and
        # its name stays taken until it is gone.
        store[kind.key(resource)] = resource
        SCHEDULER.cancel(job_name(resource))

        def gone() -> None:
            if store.get(kind.key(resource)) is resource:
                del store[kind.key(resource)]

        SCHEDULER.start(
            Job(
                job_name(resource),
                [Phase(CLOCK.real("deleting"), set_status(resource, "deleting"))],
                gone,
                alive=is_current(store, kind.key, resource),
            )
        )
        return result

    return handler


around("DeleteDBInstance")(deleting(INSTANCE))
around("DeleteDBCluster")(deleting(CLUSTER))


@around("StopDBInstance")
def stop_db_instance(request: Any, call: Any) -> Any:
    result = call()
    db = result_object(result, "DBInstance")
    busy_for(db, "stopping", "stopping", "stopped", request.backend.databases, instance_key)
    return result


@around("StartDBInstance")
def start_db_instance(request: Any, call: Any) -> Any:
    result = call()
    db = result_object(result, "DBInstance")
    busy_for(db, "starting", "starting", "available", request.backend.databases, instance_key)
    return result


# --- Renames and modifications -------------------------------------------

# Names that a rename in flight will take: nothing else may take them.
RESERVED: dict[str, object] = {}


def name_taken(backend: Any, store: Any, name: str) -> bool:
    return name in store or (backend.region_name, name.lower()) in RESERVED


# The parameters that do not modify anything by themselves.
NOT_A_CHANGE = {
    "db_instance_identifier",
    "db_cluster_identifier",
    "apply_immediately",
    "new_db_instance_identifier",
    "new_db_cluster_identifier",
}


def rename_job(
    backend: Any,
    resource: Any,
    store: Any,
    new_name: str,
    get_name: Any,
    set_name: Any,
    followers: Any = lambda: [],
) -> None:
    old_name = get_name(resource)
    reservation = (backend.region_name, new_name.lower())
    RESERVED[reservation] = resource
    members = list(followers())

    def leave() -> None:
        if store.get(old_name) is resource:
            del store[old_name]

    def arrive() -> None:
        set_name(resource, new_name)
        store[new_name] = resource
        resource.status = "rebooting"
        for member in members:
            member.db_cluster_identifier = new_name
        RESERVED.pop(reservation, None)

    def done() -> None:
        resource.status = "available"
        resource.pending_modified_values = None

    SCHEDULER.start(
        Job(
            job_name(resource),
            [
                Phase(CLOCK.real("rename-still-available")),
                Phase(CLOCK.real("rename-renaming"), set_status(resource, "renaming")),
                Phase(CLOCK.real("rename-gone"), leave),
                Phase(CLOCK.real("rename-rebooting"), arrive),
            ],
            done,
        )
    )


def modifying(kind: Kind) -> Callable[[Any, Any], Any]:
    def handler(request: Any, call: Any) -> Any:
        backend = request.backend
        store = kind.store(backend)
        name = param(request, kind.member)
        resource = store.get(name)
        if resource is None:
            return call()  # moto answers with the not-found error
        if resource.status != "available":
            raise AwsError(
                kind.state_fault,
                f"{kind.key(resource)} is {resource.status}, not available.",
            )
        new_name = param(request, kind.new_member)
        immediately = bool(flag(request, "ApplyImmediately"))
        renaming = new_name is not None and new_name.lower() != name.lower()
        if new_name is not None:
            check_identifier(new_name, kind.new_member)
            if renaming and name_taken(backend, store, new_name):
                # moto instead drops the resource that had the name.
                raise AwsError(kind.exists_fault, kind.exists_message)
            # The rename is ours to carry out over time, not moto's at once.
            del request.params[kind.new_member]
        changes = [key for key in request.params if key not in NOT_A_CHANGE]
        result = call()
        # moto answers a cluster with a copy; the stored one is what moves on.
        resource = store[kind.key(resource)]
        resource.status = "available"
        if renaming:
            resource.pending_modified_values = {kind.member: new_name.lower()}
            if immediately:
                rename_job(
                    backend,
                    resource,
                    store,
                    new_name.lower(),
                    kind.key,
                    kind.rename,
                    followers=lambda: kind.followers(resource),
                )
        elif changes and immediately:
            busy_for(resource, "modifying", "modifying", "available", store, kind.key)
        result_object(result, kind.result).status = resource.status
        return result

    return handler


around("ModifyDBInstance")(modifying(INSTANCE))
around("ModifyDBCluster")(modifying(CLUSTER))
