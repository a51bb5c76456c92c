"""The manual snapshot quotas, reported and enforced as AWS does.

moto answers DescribeAccountAttributes with a 500 and counts automated
snapshots against its own limit. AWS (AccountAttributesMessage;
describe-account-attributes in the AWS CLI examples; CHAP_Limits):

- AccountQuotas lists `ManualSnapshots` and `ManualClusterSnapshots`, each
  with `Used` and `Max` (100 unless AWS Support raised it), beside the other
  quotas (`DBInstances` 40, `DBClusters` 40, ...).
- Only manual snapshots count; a copy is a manual snapshot.
- CreateDBSnapshot / CopyDBSnapshot and CreateDBClusterSnapshot /
  CopyDBClusterSnapshot at the quota fail with SnapshotQuotaExceeded,
  "Cannot create more than 100 manual snapshots" (as AWS words it).

- `DBClusters` (40) bounds every new cluster, restores and clones included:
  at the quota CreateDBCluster, RestoreDBClusterFromSnapshot and
  RestoreDBClusterToPointInTime fail with DBClusterQuotaExceededFault (each
  operation's Errors: "The user attempted to create a new DB cluster and the
  user has already reached the maximum allowed DB cluster quota"). It is also
  the only limit on clones ("as many clones as you want, up to the maximum
  number of DB clusters allowed in the AWS Region", Aurora.Managing.Clone).

A test sets the limits with RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA,
RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA and RDS_EMULATOR_DB_CLUSTER_QUOTA.
"""

from __future__ import annotations

import os
from typing import Any

from moto.core.responses import ActionResult

from .core import AwsError, around

# moto's own limit counts automated snapshots too; ours replaces it.
os.environ["MOTO_RDS_SNAPSHOT_LIMIT"] = str(10**9)


def limit(name: str, default: int = 100) -> int:
    return int(os.environ.get(name, str(default)))


def cluster_limit() -> int:
    return limit("RDS_EMULATOR_DB_CLUSTER_QUOTA", 40)


def manual(snapshots: Any) -> int:
    return sum(1 for s in snapshots.values() if s.snapshot_type == "manual")


def _guard(store: Any, quota: str) -> None:
    most = limit(quota)
    if manual(store) >= most:
        raise AwsError(
            "SnapshotQuotaExceededFault", f"Cannot create more than {most} manual snapshots"
        )


def _db(request: Any, call: Any) -> Any:
    _guard(request.backend.database_snapshots, "RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA")
    return call()


def _cluster(request: Any, call: Any) -> Any:
    _guard(request.backend.cluster_snapshots, "RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA")
    return call()


around("CreateDBSnapshot")(_db)
around("CopyDBSnapshot")(_db)
around("CreateDBClusterSnapshot")(_cluster)
around("CopyDBClusterSnapshot")(_cluster)


def _new_cluster(request: Any, call: Any) -> Any:
    most = cluster_limit()
    if len(request.backend.clusters) >= most:
        raise AwsError(
            "DBClusterQuotaExceededFault",
            f"Cannot create more than {most} DB clusters in this region; delete one or "
            "ask AWS Support to raise the DBClusters quota.",
        )
    return call()


for _action in ("CreateDBCluster", "RestoreDBClusterFromSnapshot", "RestoreDBClusterToPointInTime"):
    around(_action)(_new_cluster)


@around("DescribeAccountAttributes")
def describe_account_attributes(request: Any, call: Any) -> Any:
    backend = request.backend

    def quota(name: str, used: int, most: int) -> dict[str, Any]:
        return {"AccountQuotaName": name, "Used": used, "Max": most}

    return ActionResult(
        {
            "AccountQuotas": [
                quota("DBInstances", len(backend.databases), 40),
                quota("DBClusters", len(backend.clusters), cluster_limit()),
                quota(
                    "ManualSnapshots",
                    manual(backend.database_snapshots),
                    limit("RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA"),
                ),
                quota(
                    "ManualClusterSnapshots",
                    manual(backend.cluster_snapshots),
                    limit("RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA"),
                ),
            ]
        }
    )
