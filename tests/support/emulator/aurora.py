"""Aurora clusters as AWS builds them: restores, clones and their instances.

moto restores a cluster as a copy of its source, lets instances into a
cluster that is still being created, names every default parameter group
`default.aurora8.0`, and answers cluster-level settings on a member instance
with a 500. AWS (botocore's RDS model and the Aurora user guide):

Restores (RestoreDBClusterFromSnapshot / RestoreDBClusterToPointInTime):
- Only the cluster is restored, with no DB instances; instances are made
  with CreateDBInstance and DBClusterIdentifier, "only after the ... operation
  has completed and the DB cluster is available" (both operations' API
  reference). A CreateDBInstance into a cluster that is not `available` is
  refused with InvalidDBClusterStateFault (CreateDBInstance, Errors: "The
  requested operation can't be performed while the cluster is in this state").
- Unless the call says otherwise: the default VPC's `default` DB subnet group
  and that VPC's default security group ("the new DB cluster is associated
  with the default security group", API_RestoreDBClusterFromSnapshot; "created
  with the default DB security group", API_RestoreDBClusterToPointInTime);
  the engine's default *cluster* parameter group ("If this argument is
  omitted, the default DB cluster parameter group for the specified engine
  is used", DBClusterParameterGroupName in both messages); IAM auth off ("By
  default, mapping isn't enabled"); no log exports; BacktrackWindow 0
  ("Default: 0"); DeletionProtection off ("By default, deletion protection
  isn't enabled"); CopyTagsToSnapshot off ("The default is not to copy them").
  For PITR the reference's overview says "the same configuration as the
  original DB cluster, except ... the default DB security group", but it
  names no default for DBSubnetGroupName: the emulator uses the default
  subnet group, as for a snapshot restore (not documented by AWS).
- Tags: the given ones; without any, the source's (the cluster as the
  snapshot recorded it; the source cluster's current tags for PITR). AWS
  documents this for DB instances (USER_Tagging, USER_PIT); for clusters the
  reference is silent, and the emulator follows the instance rule (not
  documented by AWS for clusters).

Clones (RestoreDBClusterToPointInTime with RestoreType=copy-on-write):
- RestoreType is `full-copy` (the default) or `copy-on-write`; anything else
  is InvalidParameterValue (the reference names no code; not documented).
- RestoreToTime "Can't be specified if the RestoreType parameter is
  copy-on-write", and not together with UseLatestRestorableTime; it "Must be
  specified if UseLatestRestorableTime parameter isn't provided"
  (RestoreDBClusterToPointInTimeMessage): so a clone takes
  UseLatestRestorableTime=true. Broken rules: InvalidParameterCombination.
- "You can't create a clone from an Aurora DB cluster without a DB instance"
  (Aurora.Managing.Clone, Limitations); the reference names no code, the
  emulator answers InvalidDBClusterStateFault (not documented by AWS).
- "You can create as many clones as you want, up to the maximum number of DB
  clusters allowed in the AWS Region" (same page): there is no per-source
  limit any more (an old user guide said 15); the DBClusters quota applies
  (quotas.py). "You can't create a clone in a different AWS Region": a
  source ARN from another region is not found (DBClusterNotFoundFault).
- Source and clone join one clone group (DBCluster.CloneGroupId: "If you
  clone a DB cluster when the ID is null, the operation populates the ID
  value for the source cluster and the clone"; "For PITR, the clone group ID
  is inherited from the source cluster. For snapshot restore operations, the
  clone group ID isn't inherited").
- A clone is available sooner than a full copy (clock.py, `clone-creating`).

Instances in a cluster (CreateDBInstance with DBClusterIdentifier):
- DBInstanceClass is required (CreateDBInstanceMessage, `required`);
  without it AWS's query protocol answers MissingParameter.
- The engine must be the cluster's (moto already answers AWS's
  InvalidParameterCombination, "The engine name requested for your DB
  instance (...) doesn't match the engine name of your DB cluster (...)").
- The first instance is the writer, the rest are readers (DBClusterMember.
  IsClusterWriter; moto does this). The instance's DBParameterGroup is the
  engine family's default DB parameter group unless given
  (CreateDBInstanceMessage.DBParameterGroupName), named `default.<family>`:
  `aurora-mysql5.7`, `aurora-mysql8.0`, `aurora-postgresql<major>` (the
  DBParameterGroupFamily that DescribeDBEngineVersions reports).
- Settings the cluster owns cannot be given for a member: AWS answers
  InvalidParameterCombination, "The requested DB Instance will be a member of
  a DB Cluster. Set <setting> for the DB Cluster." (as users report it: vpc
  security group, backup retention period, backup window, master user name,
  master user password). The model says of each "This setting doesn't apply
  to Amazon Aurora DB instances ... managed by the DB cluster".
- ModifyDBInstance of those settings on a member: InvalidParameterCombination,
  "The specified DB Instance is a member of a cluster. Modify <setting> for
  the DB Cluster using the ModifyDbCluster API" (crossplane provider-aws
  #1799 for security groups, Optum/dce #244 for backup retention,
  provider-aws #1529 for deletion protection, ACK rds-controller #99 for the
  backup window).
"""

from __future__ import annotations

import hashlib

import uuid
from typing import Any

from moto.rds.models import DBCluster, DBInstanceClustered

from .clock import CLOCK, SCHEDULER, Job, Phase
from .core import AwsError, around, flag, param, result_object
from .defaults import AWS_MAINTENANCE_WINDOW, default_security_group, default_subnet_group
from .states import job_name


def aurora_family(engine: str, version: str) -> str:
    """The DB parameter group family of an Aurora engine version.

    Aurora MySQL names its family after the MySQL version it is compatible
    with (`5.7.mysql_aurora.2.11.2` -> `aurora-mysql5.7`, `8.0.mysql_aurora.
    3.05.2` -> `aurora-mysql8.0`); Aurora PostgreSQL from 10 on after its
    major version (`15.4` -> `aurora-postgresql15`), before that after two
    numbers (`9.6.22` -> `aurora-postgresql9.6`).
    """
    parts = version.split(".")
    if engine == "aurora-postgresql" and parts[0].isdigit() and int(parts[0]) >= 10:
        return f"{engine}{parts[0]}"
    return f"{engine}{'.'.join(parts[:2])}"


def default_cluster_parameter_group(cluster: DBCluster) -> str:
    return f"default.{aurora_family(cluster.engine, cluster.engine_version)}"


def _member_parameter_group(self: DBInstanceClustered) -> tuple[str, str]:
    family = aurora_family(self.engine, self.engine_version)
    return family, f"default.{family}"


DBInstanceClustered.default_db_parameter_group_details = _member_parameter_group  # type: ignore[method-assign]


# --- Restores and clones -----------------------------------------------------


def _given(request: Any, member: str) -> bool:
    return param(request, member) is not None


def restored_cluster(request: Any, cluster: DBCluster, source_tags: list[dict[str, str]]) -> None:
    backend = request.backend
    if not _given(request, "DBSubnetGroupName"):
        cluster.db_subnet_group_name = default_subnet_group(backend)
    if not _given(request, "VpcSecurityGroupIds"):
        cluster.vpc_security_group_ids = [
            default_security_group(backend, cluster.db_subnet_group_name)
        ]
    if not _given(request, "DBClusterParameterGroupName"):
        cluster.parameter_group = default_cluster_parameter_group(cluster)
    if not _given(request, "EnableIAMDatabaseAuthentication"):
        cluster.iam_auth = False
    if not _given(request, "EnableCloudwatchLogsExports"):
        cluster.enabled_cloudwatch_logs_exports = []
    if not _given(request, "BacktrackWindow"):
        cluster.backtrack_window = 0
    if not _given(request, "DeletionProtection"):
        cluster.deletion_protection = False
    if not _given(request, "CopyTagsToSnapshot"):
        cluster.copy_tags_to_snapshot = False
    if not _given(request, "Tags"):
        cluster.tags = [dict(tag) for tag in source_tags]
    # Neither cluster restore call takes a maintenance window; AWS picks one
    # as for any new cluster (ModifyDBCluster, PreferredMaintenanceWindow:
    # "a 30-minute window selected at random from an 8-hour block of time
    # for each Amazon Web Services Region"), not the source's.
    cluster.preferred_maintenance_window = AWS_MAINTENANCE_WINDOW
    # Nothing of the source's replication carries over to a new cluster.
    cluster.replication_source_identifier = None
    cluster.read_replica_identifiers = []


@around("RestoreDBClusterFromSnapshot")
def restore_cluster_from_snapshot(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_cluster_snapshot(param(request, "SnapshotIdentifier"))
    source_tags = list(snapshot.cluster.tags or [])
    result = call()
    cluster = result_object(result, "DBCluster")
    restored_cluster(request, cluster, source_tags)
    cluster.emu_clone_group = None
    return result


def restore_type(request: Any) -> str:
    value = param(request, "RestoreType") or "full-copy"
    if value not in ("full-copy", "copy-on-write"):
        raise AwsError(
            "InvalidParameterValue",
            f"RestoreType {value} is not valid; use full-copy or copy-on-write.",
        )
    return value


@around("RestoreDBClusterToPointInTime")
def restore_cluster_to_time(request: Any, call: Any) -> Any:
    kind = restore_type(request)
    latest = flag(request, "UseLatestRestorableTime")
    at = param(request, "RestoreToTime")
    if at is not None and latest:
        raise AwsError(
            "InvalidParameterCombination",
            "RestoreToTime can't be given together with UseLatestRestorableTime.",
        )
    if kind == "copy-on-write" and at is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "RestoreToTime can't be given with RestoreType copy-on-write; a clone "
            "is made from the source's current data (UseLatestRestorableTime).",
        )
    source = request.backend.describe_db_clusters(param(request, "SourceDBClusterIdentifier"))[0]
    if kind == "copy-on-write" and not source._members:
        raise AwsError(
            "InvalidDBClusterStateFault",
            f"DB cluster {source.db_cluster_identifier} has no DB instances; only a "
            "cluster with at least one DB instance can be cloned.",
        )
    source_tags = list(source.tags or [])
    result = call()
    cluster = result_object(result, "DBCluster")
    restored_cluster(request, cluster, source_tags)
    if kind == "copy-on-write":
        if getattr(source, "emu_clone_group", None) is None:
            source.emu_clone_group = str(uuid.uuid4())
        cluster.emu_clone_group = source.emu_clone_group
    else:
        cluster.emu_clone_group = getattr(source, "emu_clone_group", None)
    return result


DBCluster.clone_group_id = property(  # type: ignore[attr-defined]
    lambda self: getattr(self, "emu_clone_group", None)
)


# --- Instances in a cluster ----------------------------------------------------

# The request member, and the setting's name as AWS words it in its refusal.
CLUSTER_OWNED_ON_CREATE = {
    "VpcSecurityGroupIds": "vpc security group",
    "BackupRetentionPeriod": "backup retention period",
    "PreferredBackupWindow": "backup window",
    "MasterUsername": "master user name",
    "MasterUserPassword": "master user password",
}
CLUSTER_OWNED_ON_MODIFY = {
    "VpcSecurityGroupIds": "vpc security group",
    "BackupRetentionPeriod": "backup retention",
    "PreferredBackupWindow": "backup window",
    "DeletionProtection": "deletion protection",
}


@around("CreateDBInstance")
def create_db_instance(request: Any, call: Any) -> Any:
    if not param(request, "DBInstanceClass"):
        raise AwsError(
            "MissingParameter", "The request must contain the parameter DBInstanceClass"
        )
    name = param(request, "DBClusterIdentifier")
    if name is None:
        return call()
    # DBClusterNotFoundFault for an unknown cluster, as moto answers it.
    cluster = request.backend.describe_db_clusters(name)[0]
    for member, setting in CLUSTER_OWNED_ON_CREATE.items():
        if _given(request, member):
            raise AwsError(
                "InvalidParameterCombination",
                f"The requested DB Instance will be a member of a DB Cluster. Set {setting} for the DB Cluster.",
            )
    if cluster.status != "available":
        raise AwsError(
            "InvalidDBClusterStateFault",
            f"DB cluster {cluster.db_cluster_identifier} is {cluster.status}; DB instances "
            "can be created in it only once it is available.",
        )
    return call()


@around("ModifyDBInstance")
def modify_db_instance(request: Any, call: Any) -> Any:
    found = request.backend.databases.get(param(request, "DBInstanceIdentifier"))
    if isinstance(found, DBInstanceClustered):
        for member, setting in CLUSTER_OWNED_ON_MODIFY.items():
            if _given(request, member):
                raise AwsError(
                    "InvalidParameterCombination",
                    f"The specified DB Instance is a member of a cluster. Modify {setting} "
                    "for the DB Cluster using the ModifyDbCluster API",
                )
    return call()


@around("CreateDBCluster")
def create_db_cluster(request: Any, call: Any) -> Any:
    result = call()
    cluster = result_object(result, "DBCluster")
    if not _given(request, "DBClusterParameterGroupName"):
        cluster.parameter_group = default_cluster_parameter_group(cluster)
    return result


# A cluster's endpoints are `<cluster>.cluster-<id>.<region>.rds.amazonaws.com`,
# where `<id>` belongs to the account and Region, not to the cluster: the
# Aurora user guide's endpoint examples (Aurora.Overview.Endpoints) show the
# same one in every cluster and instance endpoint of an account, so a cluster
# renamed to a name gets that name's old endpoint. moto draws one per cluster.
def _url_identifier(self: DBCluster) -> str:
    account = getattr(self, "account_id", "123456789012")
    digest = hashlib.sha256(f"{account}:{self.region}".encode()).hexdigest()
    return digest[:12]


DBCluster.url_identifier = property(_url_identifier, lambda self, value: None)  # type: ignore[assignment]


@around("DeleteDBCluster")
def delete_db_cluster(request: Any, call: Any) -> Any:
    """A cluster whose instances are all `deleting` can be deleted.

    DeleteDBCluster refuses a cluster that "still contains DB instances in
    non-deleting state" (AWS's InvalidDBClusterStateFault message, as users
    quote it; the user guide's "Deleting Aurora DB clusters": delete the
    instances, then the cluster). moto refuses any instance still listed,
    and the emulator keeps a deleted instance listed as `deleting` for as
    long as AWS does, so those are let go here.
    """
    cluster = request.backend.clusters.get(param(request, "DBClusterIdentifier") or "")
    if cluster is not None and cluster.members:
        if any(getattr(member, "status", None) != "deleting" for member in cluster.members):
            raise AwsError(
                "InvalidDBClusterStateFault",
                "Cluster cannot be deleted, it still contains DB instances in non-deleting state.",
            )
        # moto counts a cluster's instances from the instance store: those
        # being deleted are left out of it for moto's check, and stay
        # listed (`deleting`) until their own deletion ends.
        databases = request.backend.databases
        going = {key: db for key, db in databases.items() if db in cluster.members}
        for key in going:
            del databases[key]
        try:
            return call()
        finally:
            databases.update(going)
    return call()


# --- Stopping and starting a cluster ---------------------------------------------------


def _members_in_order(cluster: Any) -> list[Any]:
    """Readers first, then the writer."""
    members = list(cluster.members)
    writer = getattr(cluster, "writer", None)
    return [m for m in members if m is not writer] + [m for m in members if m is writer]


@around("StopDBCluster")
def stop_db_cluster(request: Any, call: Any) -> Any:
    """StopDBCluster takes minutes and stops the cluster's instances: "Aurora
    stops the replicas first, then the primary" is how the user guide orders
    it (aurora-cluster-stop-start: "the primary instance and any Aurora
    Replicas are stopped"); the cluster reads `stopping` and then `stopped`,
    and so does each instance. moto answers `stopped` at once and leaves the
    instances `available`."""
    result = call()
    cluster = request.backend.clusters[param(request, "DBClusterIdentifier")]
    members = _members_in_order(cluster)
    step = CLOCK.real("stopping") / max(1, len(members))
    cluster.status = "stopping"
    for member in members:
        member.status = "stopping"

    def stopped(member: Any) -> Any:
        return lambda: setattr(member, "status", "stopped")

    phases = [Phase(0.0)] + [Phase(step, stopped(m)) for m in members[:-1]]
    last = members[-1] if members else None

    def done() -> None:
        if last is not None:
            last.status = "stopped"
        cluster.status = "stopped"

    SCHEDULER.cancel(job_name(cluster))
    SCHEDULER.start(Job(job_name(cluster), phases + [Phase(step)], done))
    result_object(result, "DBCluster").status = "stopping"
    return result


@around("StartDBCluster")
def start_db_cluster(request: Any, call: Any) -> Any:
    """StartDBCluster: `starting`, the writer and then the readers, then
    `available` (aurora-cluster-stop-start)."""
    result = call()
    cluster = request.backend.clusters[param(request, "DBClusterIdentifier")]
    cluster.status = "starting"
    for member in cluster.members:
        member.status = "starting"

    def done() -> None:
        for member in cluster.members:
            member.status = "available"
        cluster.status = "available"

    SCHEDULER.cancel(job_name(cluster))
    SCHEDULER.start(Job(job_name(cluster), [Phase(CLOCK.real("starting"))], done))
    result_object(result, "DBCluster").status = "starting"
    return result


@around("DeleteDBInstance")
def delete_member_of_stopped_cluster(request: Any, call: Any) -> Any:
    """While an Aurora cluster is stopped "you also can't add or remove DB
    instances from the cluster" (aurora-cluster-stop-start, "Performing
    operations on a stopped Aurora DB cluster"): InvalidDBClusterStateFault,
    which DeleteDBInstance lists for this."""
    db = request.backend.databases.get(param(request, "DBInstanceIdentifier") or "")
    if isinstance(db, DBInstanceClustered):
        cluster = request.backend.clusters.get(db.db_cluster_identifier)
        if cluster is not None and cluster.status in ("stopping", "stopped", "starting"):
            raise AwsError(
                "InvalidDBClusterStateFault",
                f"DB cluster {cluster.db_cluster_identifier} is {cluster.status}; DB instances "
                "can't be removed from a stopped cluster. Start it first.",
            )
    return call()
