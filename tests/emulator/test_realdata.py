"""Real data behind PostgreSQL endpoints (emulator/realdata.py, pgserver.py).

These tests run the emulator as `scripts/emulator` does, in its own process
with RDS_EMULATOR_REAL_DB=1 (the in-process emulator of the other tests
stays metadata-only), and read the rows back with a PostgreSQL client. Each
test names the AWS source realdata.py cites for what it checks.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import boto3
import psycopg
import pytest

from conftest import REPO, SCALE, client_kwargs, free_port
from helpers import wait_cluster, wait_instance, wait_snapshot, watch

PASSWORD = "real-data-password"


def start_emulator(scratch: Path, **extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "RDS_EMULATOR_REAL_DB": "1",
        "RDS_EMULATOR_TIME_SCALE": str(SCALE),
        # The servers' scratch directory: where a leftover would show.
        "RDS_EMULATOR_PG_DIR": str(scratch),
        **extra,
    }
    log = scratch / "emulator.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", str(port)],
            cwd=REPO / "tests" / "support",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while "RDS emulator on" not in log.read_text(errors="replace"):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


def servers_under(scratch: Path, program: str = "postgres") -> list[int]:
    """PIDs of `program` servers whose data lies under `scratch`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if program in command and str(scratch) in command:
            found.append(int(entry.name))
    return found


def gone(scratch: Path, timeout: float = 10, program: str = "postgres") -> bool:
    deadline = time.monotonic() + timeout
    while servers_under(scratch, program):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def open_directory() -> Path:
    """A scratch directory the servers can reach when they run as another
    user (pytest's own tmp_path sits under a directory only root may enter)."""
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="rds-emulator-test-", dir=shm))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    path = open_directory()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def real(scratch: Path) -> Iterator[Any]:
    process, url = start_emulator(scratch)
    rds = boto3.client("rds", **client_kwargs(url))
    try:
        yield rds
    finally:
        # An open keep-alive connection would hold up the server's stop.
        rds.close()
        process.send_signal(signal.SIGTERM)
        process.wait(120)
        # What the emulator said goes into the report of a failed test.
        print((scratch / "emulator.log").read_text(errors="replace")[-6000:])
    # An ordinary stop (SIGTERM, as scripts/emulator gets it) leaves no
    # server and no data behind, however many DBs there were.
    assert gone(scratch), servers_under(scratch)
    assert not [p for p in scratch.iterdir() if p.name.startswith("rds-emulator-pg-")]


def connect(endpoint: dict[str, Any], dbname: str = "app", user: str = "appadmin") -> Any:
    return psycopg.connect(
        host=endpoint["Address"],
        port=endpoint["Port"],
        user=user,
        password=PASSWORD,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


def rows(endpoint: dict[str, Any], dbname: str = "app") -> list[int]:
    with connect(endpoint, dbname) as conn:
        return [r[0] for r in conn.execute("SELECT n FROM deploys ORDER BY n").fetchall()]


def write(endpoint: dict[str, Any], *values: int, dbname: str = "app") -> None:
    with connect(endpoint, dbname) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS deploys (n int)")
        for value in values:
            conn.execute("INSERT INTO deploys VALUES (%s)", (value,))


def describe(rds: Any, name: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def new_instance(rds: Any, name: str, **extra: Any) -> dict[str, Any]:
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="appadmin",
        MasterUserPassword=PASSWORD,
        DBName="app",
        BackupRetentionPeriod=1,
        **extra,
    )
    wait_instance(rds, name)
    return describe(rds, name)["Endpoint"]


@pytest.fixture(scope="module")
def prod(real: Any) -> dict[str, Any]:
    """`prod` with rows 1, 2 before the snapshot `pre-deploy`, 3 after it."""
    endpoint = new_instance(real, "prod")
    write(endpoint, 1, 2)
    real.create_db_snapshot(DBInstanceIdentifier="prod", DBSnapshotIdentifier="pre-deploy")
    write(endpoint, 3)
    wait_snapshot(real, "pre-deploy")
    return endpoint


def test_endpoint_is_own_loopback_address_and_master_user_logs_in(real, prod):
    """API CreateDBInstance (MasterUsername, MasterUserPassword, DBName) and
    USER_Endpoints: the endpoint serves the engine's protocol, on an address
    of its own; a wrong password is refused; DBName defaults to `postgres`."""
    assert prod["Address"].startswith("127.") and prod["Address"] != "127.0.0.1"
    assert prod["Port"] == 5432
    assert rows(prod) == [1, 2, 3]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=prod["Address"], port=5432, user="appadmin", password="wrong", dbname="app")
    real.create_db_instance(
        DBInstanceIdentifier="no-dbname", Engine="postgres", DBInstanceClass="db.t3.micro",
        AllocatedStorage=20, MasterUsername="appadmin", MasterUserPassword=PASSWORD,
    )  # fmt: skip
    wait_instance(real, "no-dbname")
    with connect(describe(real, "no-dbname")["Endpoint"], dbname="postgres") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("postgres",)
    real.delete_db_instance(DBInstanceIdentifier="no-dbname", SkipFinalSnapshot=True)


def test_restore_and_copy_carry_the_snapshots_rows(real, prod):
    """USER_RestoreFromSnapshot, USER_CopySnapshot: a restore of a snapshot,
    or of its copy, holds the data as it was at the snapshot."""
    real.copy_db_snapshot(
        SourceDBSnapshotIdentifier="pre-deploy", TargetDBSnapshotIdentifier="pre-deploy-copy"
    )
    wait_snapshot(real, "pre-deploy-copy", timeout=30)
    for snap, target in (("pre-deploy", "from-snap"), ("pre-deploy-copy", "from-copy")):
        real.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=target, DBSnapshotIdentifier=snap, DBInstanceClass="db.t3.micro"
        )
    for target in ("from-snap", "from-copy"):
        wait_instance(real, target, timeout=30)
        endpoint = describe(real, target)["Endpoint"]
        assert endpoint["Address"] != prod["Address"]
        assert rows(endpoint) == [1, 2]


def test_point_in_time_restore_holds_exactly_the_commits_up_to_the_time(real, prod):
    """USER_PIT: the automated backup, then the transaction logs up to the
    time given; a restore to a time between two commits has the first only."""
    write(prod, 10)
    time.sleep(0.05)
    between = datetime.now(timezone.utc)
    time.sleep(0.05)
    write(prod, 11)
    watch(
        lambda: describe(real, "prod")["LatestRestorableTime"],
        lambda latest: latest >= between,
    )
    real.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="prod", TargetDBInstanceIdentifier="prod-pitr", RestoreTime=between
    )
    wait_instance(real, "prod-pitr", timeout=30)
    assert rows(describe(real, "prod-pitr")["Endpoint"]) == [1, 2, 3, 10]


def test_in_place_swap_leaves_the_apps_endpoint_serving_the_restored_rows(real):
    """USER_RenameInstance: an endpoint belongs to the name; after the old DB
    is renamed away and the restored one renamed onto the name, the name's
    endpoint (unchanged) serves the restored data."""
    app = new_instance(real, "shop")
    write(app, 1)
    real.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-pre")
    wait_snapshot(real, "shop-pre")
    write(app, 2)
    real.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="shop-rollback", DBSnapshotIdentifier="shop-pre"
    )
    wait_instance(real, "shop-rollback", timeout=30)
    real.modify_db_instance(DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-replaced", ApplyImmediately=True)
    wait_instance(real, "shop-replaced", timeout=30)
    real.modify_db_instance(DBInstanceIdentifier="shop-rollback", NewDBInstanceIdentifier="shop", ApplyImmediately=True)
    wait_instance(real, "shop", timeout=30)
    assert describe(real, "shop")["Endpoint"] == app
    assert rows(app) == [1]
    assert rows(describe(real, "shop-replaced")["Endpoint"]) == [1, 2]


def test_aurora_postgresql_cluster_restore_and_clone(real):
    """Aurora.Overview.Endpoints: writer and reader endpoints reach the one
    cluster volume; a cluster snapshot's restore holds its data; a clone
    (Aurora.Managing.Clone) the source's data at the time of the clone."""
    real.create_db_cluster(
        DBClusterIdentifier="orders", Engine="aurora-postgresql", MasterUsername="appadmin",
        MasterUserPassword=PASSWORD, DatabaseName="app",
    )  # fmt: skip
    wait_cluster(real, "orders")
    real.create_db_instance(
        DBInstanceIdentifier="orders-1", Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large", DBClusterIdentifier="orders",
    )  # fmt: skip
    wait_instance(real, "orders-1")
    found = real.describe_db_clusters(DBClusterIdentifier="orders")["DBClusters"][0]
    writer = {"Address": found["Endpoint"], "Port": found["Port"]}
    write(writer, 1)
    real.create_db_cluster_snapshot(DBClusterIdentifier="orders", DBClusterSnapshotIdentifier="orders-pre")
    write(writer, 2)
    real.restore_db_cluster_to_point_in_time(
        SourceDBClusterIdentifier="orders", DBClusterIdentifier="orders-clone",
        RestoreType="copy-on-write", UseLatestRestorableTime=True,
    )  # fmt: skip
    write(writer, 3)
    watch(
        lambda: real.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="orders-pre")[
            "DBClusterSnapshots"
        ][0]["Status"],
        lambda s: s == "available",
    )
    real.restore_db_cluster_from_snapshot(
        DBClusterIdentifier="orders-back", SnapshotIdentifier="orders-pre", Engine="aurora-postgresql"
    )
    for name in ("orders-back", "orders-clone"):
        wait_cluster(real, name, timeout=30)
    back = real.describe_db_clusters(DBClusterIdentifier="orders-back")["DBClusters"][0]
    for address in (back["Endpoint"], back["ReaderEndpoint"]):
        assert rows({"Address": address, "Port": back["Port"]}) == [1]
    clone = real.describe_db_clusters(DBClusterIdentifier="orders-clone")["DBClusters"][0]
    assert rows({"Address": clone["Endpoint"], "Port": clone["Port"]}) == [1, 2]
    member = describe(real, "orders-1")["Endpoint"]
    assert member["Address"] == writer["Address"]


def test_other_engines_stay_metadata_only(real):
    """README, The strict emulator: engines outside the PostgreSQL and MySQL
    families have no server."""
    real.create_db_instance(
        DBInstanceIdentifier="legacy", Engine="sqlserver-ex", DBInstanceClass="db.t3.micro",
        AllocatedStorage=20, MasterUsername="admin1", MasterUserPassword=PASSWORD,
        LicenseModel="license-included",
    )  # fmt: skip
    wait_instance(real, "legacy")
    assert describe(real, "legacy")["Endpoint"]["Address"].endswith(".rds.amazonaws.com")


def test_delete_stops_the_server_and_removes_its_files(real, scratch):
    """API DeleteDBInstance: the DB is deleted; its server stops and its data
    goes (a final snapshot, when asked for, keeps the data)."""
    endpoint = new_instance(real, "doomed")
    write(endpoint, 7)
    before = set(servers_under(scratch))
    real.delete_db_instance(DBInstanceIdentifier="doomed", FinalDBSnapshotIdentifier="doomed-final")
    with pytest.raises(psycopg.OperationalError):
        connect(endpoint)
    assert set(servers_under(scratch)) < before
    wait_snapshot(real, "doomed-final", timeout=30)
    real.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="revived", DBSnapshotIdentifier="doomed-final")
    wait_instance(real, "revived", timeout=30)
    assert rows(describe(real, "revived")["Endpoint"]) == [7]


def test_no_server_outlives_a_killed_emulator():
    """A killed emulator (SIGKILL: no clean-up runs) leaves no PostgreSQL
    process: each server gets the parent-death signal. The ordinary stop is
    checked when the module's emulator stops (the `real` fixture)."""
    scratch = open_directory()
    try:
        process, url = start_emulator(scratch)
        rds = boto3.client("rds", **client_kwargs(url))
        rds.create_db_instance(
            DBInstanceIdentifier="left", Engine="postgres", DBInstanceClass="db.t3.micro",
            AllocatedStorage=20, MasterUsername="appadmin", MasterUserPassword=PASSWORD,
        )  # fmt: skip
        assert servers_under(scratch)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        assert gone(scratch), servers_under(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)



def test_a_killed_emulators_files_are_removed_by_the_next():
    """A killed emulator cannot remove its servers' files, which /dev/shm
    keeps in memory until the machine restarts; the next emulator to start
    a server there removes them (pgserver.remove_abandoned). It leaves a
    running emulator's files alone, and files that name no emulator."""
    scratch = open_directory()
    try:
        first, url = start_emulator(scratch)
        rds = boto3.client("rds", **client_kwargs(url))
        rds.create_db_instance(
            DBInstanceIdentifier="left", Engine="postgres", DBInstanceClass="db.t3.micro",
            AllocatedStorage=20, MasterUsername="appadmin", MasterUserPassword=PASSWORD,
        )  # fmt: skip
        [abandoned] = scratch.glob("rds-emulator-pg-*")
        # A running emulator's (this process stands in for it), and one
        # from before emulators named themselves.
        running = scratch / "rds-emulator-pg-running"
        running.mkdir()
        (running / "emulator.pid").write_text(str(os.getpid()))
        unnamed = scratch / "rds-emulator-pg-unnamed"
        unnamed.mkdir()
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert abandoned.exists()
        second, url = start_emulator(scratch)
        try:
            rds = boto3.client("rds", **client_kwargs(url))
            rds.create_db_instance(
                DBInstanceIdentifier="next", Engine="postgres", DBInstanceClass="db.t3.micro",
                AllocatedStorage=20, MasterUsername="appadmin", MasterUserPassword=PASSWORD,
            )  # fmt: skip
            assert not abandoned.exists()
            assert running.exists() and unnamed.exists()
        finally:
            second.terminate()
            second.wait(30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
