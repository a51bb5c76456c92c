"""Aurora Backtrack, which moto answers with a 500 NotImplemented.

API_BacktrackDBCluster and API_DescribeDBClusterBacktracks (botocore shapes
BacktrackDBClusterMessage, DBClusterBacktrack, DBClusterBacktrackMessage):

- Only Aurora MySQL clusters created with a BacktrackWindow (seconds, up to
  72 hours) can be backtracked ("Backtracking an Aurora DB cluster", Aurora
  user guide); another engine is refused with InvalidParameterCombination,
  as AWS answers it ("... does not support Backtrack"). The reference gives no
  code for a cluster without a window or a time outside it; the emulator
  answers InvalidParameterValue, AWS's common error for a value out of range.
- BacktrackTo must lie between the cluster's EarliestBacktrackTime and now;
  UseEarliestTimeOnPointInTimeUnavailable takes the earliest time instead of
  failing.
- The cluster must be `available` (InvalidDBClusterStateFault); it goes
  `backtracking` and back to `available`, and the backtrack's Status goes
  `pending` -> `applying` -> `completed`.
- A cluster with binary logging on is refused unless `Force` is given
  (BacktrackDBClusterMessage.Force: "Otherwise, an error occurs when binary
  logging is enabled"; "Backtracking isn't supported with binary log (binlog)
  replication", AWS knowledge center, aurora-mysql-cluster-backtrack). The
  error is InvalidDBClusterStateFault, the one state error the operation
  lists. Binary logging counts as on when the cluster is a binlog replication
  source or replica (DescribeDBClusters: ReadReplicaIdentifiers,
  ReplicationSourceIdentifier) or its cluster parameter group sets
  `binlog_format` to anything but OFF (Aurora MySQL binary logging is turned
  on with that parameter; which of these AWS checks is not documented).
- DescribeDBClusters reports BacktrackWindow and EarliestBacktrackTime
  (DBCluster); moto reports the window, EarliestBacktrackTime is ours.
- DescribeDBClusterBacktracks lists a cluster's backtracks, newest first, or
  one by BacktrackIdentifier (DBClusterBacktrackNotFoundFault if unknown).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.models import DBCluster

from .clock import CLOCK, SCHEDULER, Job, Phase
from .core import AwsError, around, flag, param
from .states import job_name
from .windows import _requested_time

BACKTRACKS: dict[str, list[dict[str, Any]]] = {}


def _earliest_backtrack(self: DBCluster) -> datetime | None:
    window = getattr(self, "backtrack_window", 0) or 0
    if window <= 0:
        return None
    now = datetime.now(timezone.utc)
    return max(self.cluster_create_time_utc(), now - timedelta(seconds=window))


def _created(self: DBCluster) -> datetime:
    created = self.cluster_create_time
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return created if created.tzinfo else created.replace(tzinfo=timezone.utc)


DBCluster.cluster_create_time_utc = _created  # type: ignore[attr-defined]
DBCluster.earliest_backtrack_time = property(_earliest_backtrack)  # type: ignore[attr-defined]


def binary_logging(backend: Any, cluster: DBCluster) -> bool:
    if cluster.read_replica_identifiers or cluster.replication_source_identifier:
        return True
    group = backend.db_cluster_parameter_groups.get(cluster.parameter_group)
    if group is None:
        return False
    value = group.parameters.get("binlog_format", {}).get("ParameterValue", "OFF")
    return str(value).upper() != "OFF"


@around("BacktrackDBCluster")
def backtrack_db_cluster(request: Any, call: Any) -> Any:
    cluster = request.backend.describe_db_clusters(param(request, "DBClusterIdentifier"))[0]
    name = cluster.db_cluster_identifier
    if cluster.engine != "aurora-mysql":
        raise AwsError(
            "InvalidParameterCombination",
            f"Engine {cluster.engine} does not support Backtrack; only Aurora MySQL clusters can be backtracked.",
        )
    earliest = _earliest_backtrack(cluster)
    if earliest is None:
        raise AwsError(
            "InvalidParameterValue",
            f"Backtrack is not enabled for DB cluster {name}: its BacktrackWindow is 0.",
        )
    if cluster.status != "available":
        raise AwsError(
            "InvalidDBClusterStateFault", f"DbCluster {name} is not in available state."
        )
    if binary_logging(request.backend, cluster) and not flag(request, "Force"):
        raise AwsError(
            "InvalidDBClusterStateFault",
            f"DB cluster {name} has binary logging enabled; backtracking does not write "
            "binlog entries. Pass Force to backtrack anyway.",
        )
    now = datetime.now(timezone.utc)
    to = _requested_time(request, ("BacktrackTo",))
    if to is None:
        raise AwsError("InvalidParameterValue", "BacktrackTo is required.")
    if to < earliest and flag(request, "UseEarliestTimeOnPointInTimeUnavailable"):
        to = earliest
    if not earliest <= to <= now:
        raise AwsError(
            "InvalidParameterValue",
            f"BacktrackTo {to.isoformat()} is outside the backtrack window of DB cluster {name}: "
            f"{earliest.isoformat()} to {now.isoformat()}.",
        )
    record = {
        "DBClusterIdentifier": name,
        "BacktrackIdentifier": str(uuid.uuid4()),
        "BacktrackTo": to,
        "BacktrackedFrom": now,
        "BacktrackRequestCreationTime": now,
        "Status": "pending",
    }
    BACKTRACKS.setdefault(cluster.db_cluster_arn, []).insert(0, record)

    def status(value: str) -> Any:
        return lambda: record.__setitem__("Status", value)

    def done() -> None:
        record["Status"] = "completed"
        cluster.status = "available"

    def start() -> None:
        cluster.status = "backtracking"

    SCHEDULER.start(
        Job(
            job_name(cluster),
            [
                Phase(0.0, start),
                Phase(CLOCK.real("backtracking") * 0.1, status("pending")),
                Phase(CLOCK.real("backtracking") * 0.9, status("applying")),
            ],
            done,
        )
    )
    return ActionResult(dict(record))


@around("DescribeDBClusterBacktracks")
def describe_db_cluster_backtracks(request: Any, call: Any) -> Any:
    cluster = request.backend.describe_db_clusters(param(request, "DBClusterIdentifier"))[0]
    records = BACKTRACKS.get(cluster.db_cluster_arn, [])
    wanted = param(request, "BacktrackIdentifier")
    if wanted is not None:
        records = [r for r in records if r["BacktrackIdentifier"] == wanted]
        if not records:
            raise AwsError(
                "DBClusterBacktrackNotFoundFault", f"Backtrack {wanted} not found."
            )
    return ActionResult({"DBClusterBacktracks": [dict(r) for r in records]})


@around("ModifyDBCluster")
def modify_backtrack_window(request: Any, call: Any) -> Any:
    """ModifyDBCluster, BacktrackWindow: "You can also modify a DB cluster to
    change the backtrack window for a backtrack-enabled cluster. If you turn
    off backtracking entirely for a cluster by setting the backtrack window to
    0, you can't enable backtrack again for that cluster" (Aurora user guide,
    "Configuring backtracking a Aurora MySQL DB cluster"; the knowledge center
    page above: to turn it on, restore a new cluster with it). The window is
    "from 0 to 259,200 (72 hours)" and for Aurora MySQL only
    (API_ModifyDBCluster, BacktrackWindow). moto sets any value on any
    cluster. The reference names no error code: InvalidParameterValue for the
    range, InvalidParameterCombination for a cluster that cannot take one."""
    wanted = param(request, "BacktrackWindow")
    cluster = request.backend.clusters.get(param(request, "DBClusterIdentifier"))
    if wanted is None or cluster is None:
        return call()
    window = int(wanted)
    if not 0 <= window <= 259200:
        raise AwsError(
            "InvalidParameterValue",
            f"The specified value ({window}) is not a valid Backtrack Window; use 0 to 259200 seconds.",
        )
    name = cluster.db_cluster_identifier
    if cluster.engine != "aurora-mysql":
        raise AwsError(
            "InvalidParameterCombination",
            f"Engine {cluster.engine} does not support Backtrack; only Aurora MySQL clusters have a backtrack window.",
        )
    if window > 0 and (getattr(cluster, "backtrack_window", 0) or 0) <= 0:
        raise AwsError(
            "InvalidParameterCombination",
            f"Backtrack is not enabled for DB cluster {name}, and cannot be turned on for an existing cluster; "
            "restore a new cluster with a BacktrackWindow instead.",
        )
    result = call()
    cluster.backtrack_window = window
    return result
