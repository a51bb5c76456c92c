"""Snapshots named by ARN, as AWS resolves them.

An RDS ARN is `arn:<partition>:rds:<region>:<account>:<type>:<name>`, and the
name is everything after the sixth colon: an automated snapshot's name has a
colon of its own (`rds:prod-2026-11-20-03-10`). moto keeps only the text
after the last colon, so an automated snapshot named by ARN is not found,
and it looks cluster snapshots up by name only. AWS:

- CopyDBSnapshot, SourceDBSnapshotIdentifier: "If the source snapshot is in
  the same Amazon Web Services Region as the copy, specify a valid DB
  snapshot identifier ... or a valid DB snapshot ARN"; an automated snapshot
  can be copied (USER_CopySnapshot: "you can copy ... automated or manual
  DB snapshots"), by ARN as well.
- RestoreDBClusterFromSnapshot, SnapshotIdentifier: "You can use either the
  name or the Amazon Resource Name (ARN) to specify a DB cluster snapshot";
  a shared snapshot is restored by its ARN (USER_ShareSnapshot).
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import RDSBackend

from .core import around, param


def name_in_arn(arn: str) -> tuple[str, str]:
    """(region, resource name) of an RDS ARN."""
    parts = arn.split(":", 6)
    return parts[3], parts[6] if len(parts) == 7 else arn


def _get_snapshot(self: RDSBackend, identifier: str, resource_type: Any, not_found_exception: Any) -> Any:
    region = self.region_name
    if identifier.startswith("arn:"):
        region, identifier = name_in_arn(identifier)
    backend = self.get_backend("rds", region=region)
    snapshots = backend.resource_map[resource_type]
    if identifier not in snapshots:
        raise not_found_exception(identifier)
    return snapshots[identifier]


RDSBackend.get_snapshot = _get_snapshot  # type: ignore[method-assign,assignment]


def _name_from_arn(self: RDSBackend, snapshot_arn: str) -> str:
    return name_in_arn(snapshot_arn)[1]


RDSBackend.extract_snapshot_name_from_arn = _name_from_arn  # type: ignore[method-assign]


@around("RestoreDBClusterFromSnapshot")
def restore_cluster_from_snapshot(request: Any, call: Any) -> Any:
    given = param(request, "SnapshotIdentifier")
    if given and given.startswith("arn:"):
        # DBClusterSnapshotNotFoundFault when nothing is behind the ARN.
        snapshot = request.backend.get_db_cluster_snapshot(given)
        request.params["SnapshotIdentifier"] = snapshot.db_cluster_snapshot_identifier
    return call()
