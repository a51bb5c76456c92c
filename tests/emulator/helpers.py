"""What the emulator's own tests share: reading and waiting for RDS
resources, and the module-wide resources the tests only read."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import emulator

PASSWORD = "emulator-password"
POLL = 0.01


# --- helpers ---------------------------------------------------------------


def code(excinfo: Any) -> str:
    return excinfo.value.response["Error"]["Code"]


def message(excinfo: Any) -> str:
    return excinfo.value.response["Error"]["Message"]


def instance(rds: Any, name: str) -> dict[str, Any] | None:
    """The DB instance under `name`, or None when the name does not answer."""
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] == "DBInstanceNotFound":
            return None
        raise


def status(rds: Any, name: str) -> str | None:
    db = instance(rds, name)
    return db["DBInstanceStatus"] if db else None


def cluster(rds: Any, name: str) -> dict[str, Any] | None:
    try:
        return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] == "DBClusterNotFoundFault":
            return None
        raise


def snapshot(rds: Any, name: str) -> dict[str, Any]:
    return rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]


def cluster_snapshot(rds: Any, name: str) -> dict[str, Any]:
    return rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name)[
        "DBClusterSnapshots"
    ][0]


def watch(look: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 15) -> list[Any]:
    """Every value `look` gave, polling, up to and including the first `until`."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        value = look()
        seen.append(value)
        if until(value):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; saw {collapse(seen)}")
        time.sleep(POLL)


def collapse(values: list[Any]) -> list[Any]:
    """The values without consecutive repeats: the sequence of states seen."""
    out: list[Any] = []
    for value in values:
        if not out or out[-1] != value:
            out.append(value)
    return out


def wait_instance(rds: Any, name: str, want: str | None = "available", timeout: float = 15) -> None:
    watch(lambda: status(rds, name), lambda s: s == want, timeout)


def wait_cluster(rds: Any, name: str, want: str = "available", timeout: float = 15) -> None:
    watch(lambda: (cluster(rds, name) or {}).get("Status"), lambda s: s == want, timeout)


def wait_snapshot(rds: Any, name: str, timeout: float = 15) -> None:
    watch(lambda: snapshot(rds, name)["Status"], lambda s: s == "available", timeout)


def create_instance(rds: Any, name: str, **extra: Any) -> dict[str, Any]:
    params = {
        "DBInstanceIdentifier": name,
        "Engine": "postgres",
        "DBInstanceClass": "db.t3.micro",
        "AllocatedStorage": 20,
        "MasterUsername": "admin1",
        "MasterUserPassword": PASSWORD,
        **extra,
    }
    return rds.create_db_instance(**params)["DBInstance"]


def create_cluster(rds: Any, name: str, engine: str = "aurora-postgresql", **extra: Any) -> dict[str, Any]:
    return rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine=engine,
        MasterUsername="admin1",
        MasterUserPassword=PASSWORD,
        **extra,
    )["DBCluster"]


def take_snapshot(rds: Any, db: str, name: str) -> None:
    rds.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=name)
    wait_snapshot(rds, name)


def now() -> datetime:
    return datetime.now(timezone.utc)


def quotas(rds: Any) -> dict[str, dict[str, int]]:
    return {
        q["AccountQuotaName"]: q for q in rds.describe_account_attributes()["AccountQuotas"]
    }


# --- shared resources (made once a session: the tests only read them) ------


@pytest.fixture(scope="session")
def ready_db(rds: Any) -> str:
    """An available postgres instance with backups (retention 1)."""
    db = "shared-ready-db"
    create_instance(rds, db, BackupRetentionPeriod=1)
    wait_instance(rds, db)
    return db


@pytest.fixture(scope="session")
def ready_snapshot(rds: Any, ready_db: str) -> str:
    snap = "shared-ready-snap"
    take_snapshot(rds, ready_db, snap)
    return snap


@pytest.fixture(scope="session")
def aurora(rds: Any) -> str:
    """An aurora-postgresql cluster with one member instance."""
    name = "shared-aurora-pg"
    create_cluster(rds, name)
    wait_cluster(rds, name)
    rds.create_db_instance(
        DBInstanceIdentifier="shared-aurora-pg-1",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBClusterIdentifier=name,
    )
    return name
