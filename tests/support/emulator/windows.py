"""Restorable windows that start at the first backup and move with time.

moto reports `LatestRestorableTime` as "now", no `RestoreWindow` on automated
backups, and restores to any time. AWS:

- LatestRestorableTime "is typically within the last five minutes" (RDS user
  guide, "Restoring a DB instance to a specified time"), so it trails the
  clock by `restorable-lag`.
- The window starts when the first automated backup is done (the end of
  `backing-up`), and not earlier than the backup retention period allows
  (DBInstanceAutomatedBackup.RestoreWindow: EarliestTime, LatestTime).
- An instance with BackupRetentionPeriod 0 has no automated backups and no
  restorable time.
- RestoreTime "Must be before the latest restorable time", and no earlier
  than the retention period allows (RestoreDBInstanceToPointInTimeMessage).
  The reference names no error code for a time outside the window; this
  emulator answers InvalidParameterValue, AWS's common error for a value out
  of range. A source without automated backups gives PointInTimeRestoreNotEnabled
  (API_RestoreDBInstanceToPointInTime, Errors: "BackupRetentionPeriod equal
  to 0").
- DBCluster.EarliestRestorableTime / LatestRestorableTime follow the same
  rules (API_DBCluster), and so does RestoreDBClusterToPointInTime.
- RestoreTime "Can't be specified if the UseLatestRestorableTime parameter
  is enabled" (RestoreDBInstanceToPointInTime): both together are
  InvalidParameterCombination (the code AWS gives a pair of parameters that
  exclude each other; the reference names none here).
- An instance has no automated snapshot before its first automated backup
  is done (USER_WorkingWithAutomatedBackups: "Automated backups occur daily
  during the preferred backup window"; the first is the `backing-up` a new
  instance goes through, states.py). moto makes one with the instance; here
  it appears when `backing-up` ends, and until then nothing can be restored
  or copied from it (DBSnapshotNotFound).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from moto.rds.models import DBCluster, DBInstance, DBInstanceAutomatedBackup

from .clock import CLOCK
from . import states
from .core import AwsError, around, flag, param, result_object


def _window(resource: Any) -> tuple[datetime, datetime] | None:
    since = getattr(resource, "emu_backups_since", None)
    retention = resource.backup_retention_period or 0
    if since is None or retention <= 0:
        return None
    now = datetime.now(timezone.utc)
    latest = max(since, now - timedelta(seconds=CLOCK.real("restorable-lag")))
    earliest = max(since, now - timedelta(days=retention))
    return earliest, latest


def _latest(self: Any) -> datetime | None:
    window = _window(self)
    return window[1] if window else None


def _earliest(self: Any) -> datetime | None:
    window = _window(self)
    return window[0] if window else None


DBInstance.latest_restorable_time = property(_latest)  # type: ignore[assignment]
DBCluster.latest_restorable_time = property(_latest)  # type: ignore[assignment]
DBCluster.earliest_restorable_time = property(  # type: ignore[attr-defined]
    _earliest, lambda self, value: None
)


def _restore_window(self: DBInstanceAutomatedBackup) -> dict[str, datetime] | None:
    db = self.backend.databases.get(self.db_instance_identifier)
    window = _window(db) if db is not None else None
    if window is None:
        return None
    return {"EarliestTime": window[0], "LatestTime": window[1]}


DBInstanceAutomatedBackup.restore_window = property(_restore_window)  # type: ignore[attr-defined]


def _backup_arn(self: DBInstanceAutomatedBackup) -> str | None:
    db = self.backend.databases.get(self.db_instance_identifier)
    return db.db_instance_arn if db is not None else None


DBInstanceAutomatedBackup.db_instance_arn = property(_backup_arn)  # type: ignore[attr-defined]


def _requested_time(
    request: Any, members: tuple[str, ...] = ("RestoreTime", "RestoreToTime")
) -> datetime | None:
    value = next((param(request, m) for m in members if param(request, m)), None)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _check_time(request: Any, source: Any, what: str, latest_flag: str) -> None:
    window = _window(source)
    if window is None:
        raise AwsError(
            "PointInTimeRestoreNotEnabledFault",
            f"{what} has no automated backups (backup retention 0, or no backup done yet); point-in-time restore is not available.",
        )
    time = _requested_time(request)
    if flag(request, latest_flag):
        if time is not None:
            raise AwsError(
                "InvalidParameterCombination",
                f"RestoreTime can't be specified together with {latest_flag}.",
            )
        return
    if time is None:
        raise AwsError(
            "InvalidParameterCombination",
            f"You must specify RestoreTime or {latest_flag}.",
        )
    earliest, latest = window
    if not earliest <= time <= latest:
        raise AwsError(
            "InvalidParameterValue",
            f"Restore time {time.isoformat()} is outside the restorable window of {what}: "
            f"{earliest.isoformat()} to {latest.isoformat()}.",
        )


@around("RestoreDBInstanceToPointInTime")
def restore_to_time(request: Any, call: Any) -> Any:
    source = param(request, "SourceDBInstanceIdentifier")
    db = request.backend.describe_db_instances(source)[0]
    _check_time(request, db, f"DB instance {source}", "UseLatestRestorableTime")
    return call()


@around("RestoreDBClusterToPointInTime")
def restore_cluster_to_time(request: Any, call: Any) -> Any:
    source = param(request, "SourceDBClusterIdentifier")
    cluster = request.backend.describe_db_clusters(source)[0]
    _check_time(request, cluster, f"DB cluster {source}", "UseLatestRestorableTime")
    return call()


# --- The first automated backup --------------------------------------------------


@around("CreateDBInstance")
def create_db_instance(request: Any, call: Any) -> Any:
    result = call()
    db = result_object(result, "DBInstance")
    store = request.backend.database_snapshots
    held = {
        key: snap
        for key, snap in store.items()
        # The snapshot keeps a copy of its instance: matched by name.
        if snap.snapshot_type == "automated"
        and snap.database.db_instance_identifier == db.db_instance_identifier
    }
    for key in held:
        del store[key]
    db.emu_first_backup = held
    return result


_backups_start = states.backups_start


def _first_backup_done(db: Any) -> None:
    _backups_start(db)
    held = getattr(db, "emu_first_backup", None) or {}
    db.emu_first_backup = {}
    store = db.backend.database_snapshots if hasattr(db, "backend") else None
    if store is not None:
        store.update(held)


states.backups_start = _first_backup_done
