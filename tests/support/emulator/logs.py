"""The engine's log files (DescribeDBLogFiles, DownloadDBLogFilePortion),
and DBs whose endpoint does not answer the caller (a private VPC).

What AWS documents, and how it is served here:

- DescribeDBLogFiles "Returns a list of DB log files for the DB instance"
  with LogFileName, LastWritten ("in POSIX timestamp format", milliseconds)
  and Size (API DescribeDBLogFiles, DescribeDBLogFilesDetails). An Aurora
  cluster's logs are its instances' (USER_LogAccess: logs are per DB
  instance). PostgreSQL's file is named `error/postgresql.log.<UTC date and
  hour>` (USER_LogAccess.Concepts.PostgreSQL); MySQL's and MariaDB's error
  log `error/mysql-error.log` ("RDS for MySQL writes errors in the
  mysql-error.log file", USER_LogAccess.MySQL.LogFileSize).
- DownloadDBLogFilePortion "Downloads all or a portion of the specified log
  file, up to 1 MB in size", from Marker ("0" for the start), and answers
  LogFileData, Marker (where to go on from) and AdditionalDataPending (API
  DownloadDBLogFilePortion). An unknown DB is DBInstanceNotFoundFault, an
  unknown file DBLogFileNotFoundFault (its errors in the API reference).
- With RDS_EMULATOR_REAL_DB=1 the file holds what the DB's server wrote
  (pgserver.py, mysqlserver.py), so the log shows "database system is ready
  to accept connections" (PostgreSQL) or "ready for connections" (MariaDB)
  once it serves, as RDS's does. Without a server,
  moto's list of files stands and a file's portion is empty.
- RDS_EMULATOR_PRIVATE_ENDPOINTS=1 (with real data): the servers listen on
  no TCP address, so a DB's endpoint refuses the caller's connections, as a
  DB in a private VPC does for a runner outside it; its log still shows it
  serving (pgserver.py and mysqlserver.py read the variable).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.models import DBInstanceClustered

from . import realdata
from .core import AwsError, around, param

# "up to 1 MB in size" (API DownloadDBLogFilePortion).
PORTION = 1024 * 1024


def _instance(request: Any) -> Any:
    name = (param(request, "DBInstanceIdentifier") or "").lower()
    db = request.backend.databases.get(name)
    if db is None:
        raise AwsError("DBInstanceNotFoundFault", f"DBInstance {name} not found.")
    return db


def _log_of(db: Any) -> Path | None:
    """The log file of the server behind DB instance `db`, if any."""
    resource = db
    if isinstance(db, DBInstanceClustered):
        resource = db.backend.clusters.get(db.db_cluster_identifier)
    found = realdata.server(resource) if resource is not None else None
    if found is None:
        return None
    return found.log if found.log.exists() else None


def _name(db: Any, path: Path) -> str:
    if "postgres" not in db.engine:
        return "error/mysql-error.log"
    hour = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    return f"error/postgresql.log.{hour:%Y-%m-%d-%H}"


@around("DescribeDBLogFiles")
def describe_db_log_files(request: Any, call: Any) -> Any:
    db = _instance(request)
    path = _log_of(db)
    if path is None:
        return call()
    stat = path.stat()
    return ActionResult(
        {
            "DescribeDBLogFiles": [
                {
                    "LogFileName": _name(db, path),
                    "LastWritten": int(stat.st_mtime * 1000),
                    "Size": stat.st_size,
                }
            ]
        }
    )


@around("DownloadDBLogFilePortion")
def download_db_log_file_portion(request: Any, call: Any) -> Any:
    db = _instance(request)
    name = param(request, "LogFileName") or ""
    path = _log_of(db)
    if path is None:
        names = [f.log_file_name for f in db.log_file_manager.files]
        if name not in names:
            raise AwsError("DBLogFileNotFoundFault", f"DBLog File: {name}, is not found on the DB instance")
        return ActionResult({"LogFileData": "", "Marker": "0", "AdditionalDataPending": False})
    if name != _name(db, path):
        raise AwsError("DBLogFileNotFoundFault", f"DBLog File: {name}, is not found on the DB instance")
    marker = param(request, "Marker") or "0"
    if not str(marker).isdigit():
        raise AwsError("InvalidParameterValue", f"Invalid marker: {marker}")
    data = path.read_bytes()
    start = min(int(marker), len(data))
    chunk = data[start : start + PORTION]
    end = start + len(chunk)
    return ActionResult(
        {
            "LogFileData": chunk.decode("utf-8", errors="replace"),
            "Marker": str(end),
            "AdditionalDataPending": end < len(data),
        }
    )
