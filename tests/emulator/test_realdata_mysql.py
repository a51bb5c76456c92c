"""Real data behind MySQL-family endpoints (emulator/realdata.py, mysqlserver.py).

As test_realdata.py does for PostgreSQL: the emulator runs in its own
process with RDS_EMULATOR_REAL_DB=1, and the rows are read back with
MariaDB's own client over each DB's endpoint. Each test names the AWS
source realdata.py cites for what it checks.

MariaDB comes from Debian's packages (scripts/install-tools); without it
these tests skip, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from emulator import mysqlserver

from conftest import client_kwargs
from helpers import wait_cluster, wait_instance, wait_snapshot
from test_realdata import gone, open_directory, servers_under, start_emulator

PASSWORD = "real-data-password"


def needs_mariadb() -> None:
    if mysqlserver.AVAILABLE:
        return
    why = "MariaDB (mariadbd, mariadb-install-db, mariadb-backup, mariadb) is not installed: run scripts/install-tools as root"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the MySQL real-data tests, but {why}")
    pytest.skip(why)


def certificate_authority(directory: Path) -> Path:
    """A CA in `directory` (`ca.pem`, `ca.key`), as RDS_EMULATOR_TLS_CA takes one."""
    config = directory / "ca.cnf"
    config.write_text(
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = test CA\n"
        "[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
        "subjectKeyIdentifier = hash\n"
    )
    subprocess.run(
        ["openssl", "req", "-x509", "-config", config, "-extensions", "ca", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "7",
         "-keyout", directory / "ca.key", "-out", directory / "ca.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    return directory / "ca.pem"


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    path = open_directory()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def cas() -> Iterator[tuple[Path, Path]]:
    """The emulator's CA, and one that signed nothing of it."""
    ours, other = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    yield certificate_authority(ours), certificate_authority(other)
    for path in (ours, other):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def real(scratch: Path, cas: tuple[Path, Path]) -> Iterator[Any]:
    needs_mariadb()
    process, url = start_emulator(scratch, RDS_EMULATOR_TLS_CA=str(cas[0].parent))
    rds = boto3.client("rds", **client_kwargs(url))
    try:
        yield rds
    finally:
        rds.close()
        process.send_signal(signal.SIGTERM)
        process.wait(120)
        print((scratch / "emulator.log").read_text(errors="replace")[-6000:])
    # An ordinary stop leaves no server and no data behind.
    assert gone(scratch, program="mariadbd"), servers_under(scratch, "mariadbd")
    assert not [p for p in scratch.iterdir() if p.name.startswith("rds-emulator-pg-")]


def sql(
    endpoint: dict[str, Any],
    statement: str,
    database: str | None = "app",
    password: str = PASSWORD,
    ca: Path | None = None,
) -> str:
    """Runs `statement` as the master user over the endpoint; with `ca`, over
    TLS only, the server's certificate checked against it and the address."""
    command = [
        mysqlserver.CLIENT, "--no-defaults", "-h", endpoint["Address"], "-P", str(endpoint["Port"]),
        "-u", "appadmin", f"--password={password}", "--batch", "--skip-column-names",
        "--connect-timeout=5",
    ]  # fmt: skip
    if database:
        command.append(f"--database={database}")
    if ca is not None:
        command += ["--ssl", f"--ssl-ca={ca}", "--ssl-verify-server-cert"]
    done = subprocess.run([*command, "-e", statement], capture_output=True, text=True)
    if done.returncode != 0:
        raise ConnectionError(done.stderr.strip())
    return done.stdout.strip()


def rows(endpoint: dict[str, Any]) -> list[int]:
    return [int(n) for n in sql(endpoint, "SELECT n FROM deploys ORDER BY n").split()]


def write(endpoint: dict[str, Any], *values: int) -> None:
    inserts = "".join(f"INSERT INTO deploys VALUES ({value});" for value in values)
    sql(endpoint, f"CREATE TABLE IF NOT EXISTS deploys (n int);{inserts}")


def describe(rds: Any, name: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def new_instance(rds: Any, name: str, engine: str = "mysql", **extra: Any) -> dict[str, Any]:
    rds.create_db_instance(
        DBInstanceIdentifier=name, Engine=engine, DBInstanceClass="db.t3.micro",
        AllocatedStorage=20, MasterUsername="appadmin", MasterUserPassword=PASSWORD,
        BackupRetentionPeriod=1, **extra,
    )  # fmt: skip
    wait_instance(rds, name)
    return describe(rds, name)["Endpoint"]


@pytest.fixture(scope="module")
def prod(real: Any) -> dict[str, Any]:
    """MySQL `prod` with rows 1, 2 before the snapshot `pre-deploy`, 3 after it."""
    endpoint = new_instance(real, "prod", DBName="app")
    write(endpoint, 1, 2)
    real.create_db_snapshot(DBInstanceIdentifier="prod", DBSnapshotIdentifier="pre-deploy")
    write(endpoint, 3)
    wait_snapshot(real, "pre-deploy")
    return endpoint


def test_endpoint_is_own_loopback_address_and_master_user_logs_in(real, prod):
    """API CreateDBInstance (MasterUsername, MasterUserPassword, DBName: for
    MySQL and MariaDB "If this parameter isn't specified, no database is
    created") and USER_Endpoints: the endpoint serves MySQL's protocol on an
    address of its own and the engine's port; a wrong password is refused."""
    assert prod["Address"].startswith("127.") and prod["Address"] != "127.0.0.1"
    assert prod["Port"] == 3306
    assert rows(prod) == [1, 2, 3]
    assert sql(prod, "SELECT current_user()") == "appadmin@%"
    with pytest.raises(ConnectionError, match="Access denied"):
        sql(prod, "SELECT 1", password="wrong")
    # Not a superuser: RDS's master user privileges (UsingWithRDS.MasterAccounts).
    with pytest.raises(ConnectionError, match="SUPER"):
        sql(prod, "SET GLOBAL max_connections = 30")
    # moto knows no default version of mariadb.
    bare = new_instance(real, "no-dbname", engine="mariadb", EngineVersion="10.11.10")
    databases = set(sql(bare, "SHOW DATABASES", database=None).split())
    assert databases == {"information_schema", "mysql", "performance_schema", "sys"}
    real.delete_db_instance(DBInstanceIdentifier="no-dbname", SkipFinalSnapshot=True)


def test_the_endpoint_offers_tls_with_a_certificate_for_its_address_signed_by_the_ca(real, prod, cas):
    """UsingWithRDS.SSL: RDS's MySQL endpoints offer TLS, with a certificate
    an RDS CA signed; here the emulator's CA (RDS_EMULATOR_TLS_CA), for the
    endpoint's address, so a client that verifies both gets in."""
    ours, other = cas
    version = sql(prod, "SHOW STATUS LIKE 'Ssl_version'", ca=ours)
    assert version.split()[-1].startswith("TLSv1."), version
    with pytest.raises(ConnectionError, match="(?i)certificate|SSL|TLS"):
        sql(prod, "SELECT 1", ca=other)


def test_restore_and_copy_carry_the_snapshots_rows(real, prod):
    """USER_RestoreFromSnapshot, USER_CopySnapshot: a restore of a snapshot,
    or of its copy, holds the data as it was at the snapshot."""
    real.copy_db_snapshot(SourceDBSnapshotIdentifier="pre-deploy", TargetDBSnapshotIdentifier="pre-deploy-copy")
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


def test_the_engines_log_shows_it_ready_for_connections(real, prod):
    """USER_LogAccess.MySQL.LogFileSize: the error log, mysql-error.log, read
    through DescribeDBLogFiles and DownloadDBLogFilePortion, holds what the
    server logs as it starts."""
    files = real.describe_db_log_files(DBInstanceIdentifier="prod")["DescribeDBLogFiles"]
    assert [f["LogFileName"] for f in files] == ["error/mysql-error.log"]
    portion = real.download_db_log_file_portion(
        DBInstanceIdentifier="prod", LogFileName="error/mysql-error.log", Marker="0"
    )
    assert "ready for connections" in portion["LogFileData"]


def test_point_in_time_restore_of_mysql_stays_metadata_only(real, prod):
    """USER_PIT on a MySQL-family DB: the restore is made and becomes
    available, without a server (realdata.py: no binary log is kept)."""
    real.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="prod", TargetDBInstanceIdentifier="prod-pitr", UseLatestRestorableTime=True
    )
    wait_instance(real, "prod-pitr", timeout=30)
    assert not describe(real, "prod-pitr")["Endpoint"]["Address"].startswith("127.")


def test_rename_moves_the_endpoint_and_delete_stops_the_server(real, scratch):
    """USER_RenameInstance: the endpoint belongs to the name; API
    DeleteDBInstance: the server stops and its files go."""
    endpoint = new_instance(real, "shop", DBName="app")
    write(endpoint, 1)
    real.modify_db_instance(DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-old", ApplyImmediately=True)
    wait_instance(real, "shop-old", timeout=30)
    moved = describe(real, "shop-old")["Endpoint"]
    assert moved["Address"] != endpoint["Address"]
    assert rows(moved) == [1]
    with pytest.raises(ConnectionError):
        sql(endpoint, "SELECT 1")
    before = set(servers_under(scratch, "mariadbd"))
    real.delete_db_instance(DBInstanceIdentifier="shop-old", SkipFinalSnapshot=True)
    assert set(servers_under(scratch, "mariadbd")) < before
    with pytest.raises(ConnectionError):
        sql(moved, "SELECT 1")


def test_aurora_mysql_cluster_snapshot_restore_and_clone(real):
    """Aurora.Overview.Endpoints: the writer and reader endpoints reach the
    one cluster volume; a cluster snapshot's restore holds its data, a clone
    (Aurora.Managing.Clone) the source's at the time of the clone."""
    real.create_db_cluster(
        DBClusterIdentifier="orders", Engine="aurora-mysql", MasterUsername="appadmin",
        MasterUserPassword=PASSWORD, DatabaseName="app",
    )  # fmt: skip
    wait_cluster(real, "orders")
    real.create_db_instance(
        DBInstanceIdentifier="orders-1", Engine="aurora-mysql",
        DBInstanceClass="db.r6g.large", DBClusterIdentifier="orders",
    )  # fmt: skip
    wait_instance(real, "orders-1")
    found = real.describe_db_clusters(DBClusterIdentifier="orders")["DBClusters"][0]
    writer = {"Address": found["Endpoint"], "Port": found["Port"]}
    assert writer["Port"] == 3306
    assert describe(real, "orders-1")["Endpoint"]["Address"] == writer["Address"]
    write(writer, 1)
    real.create_db_cluster_snapshot(DBClusterIdentifier="orders", DBClusterSnapshotIdentifier="orders-pre")
    write(writer, 2)
    real.restore_db_cluster_to_point_in_time(
        SourceDBClusterIdentifier="orders", DBClusterIdentifier="orders-clone",
        RestoreType="copy-on-write", UseLatestRestorableTime=True,
    )  # fmt: skip
    write(writer, 3)
    real.restore_db_cluster_from_snapshot(
        DBClusterIdentifier="orders-back", SnapshotIdentifier="orders-pre", Engine="aurora-mysql"
    )
    for name in ("orders-back", "orders-clone"):
        wait_cluster(real, name, timeout=30)
    back = real.describe_db_clusters(DBClusterIdentifier="orders-back")["DBClusters"][0]
    for address in (back["Endpoint"], back["ReaderEndpoint"]):
        assert rows({"Address": address, "Port": back["Port"]}) == [1]
    clone = real.describe_db_clusters(DBClusterIdentifier="orders-clone")["DBClusters"][0]
    assert rows({"Address": clone["Endpoint"], "Port": clone["Port"]}) == [1, 2]
    assert rows(writer) == [1, 2, 3]


def test_no_mariadb_outlives_a_killed_emulator():
    """A killed emulator (SIGKILL: no clean-up runs) leaves no MariaDB
    process: each server gets the parent-death signal."""
    needs_mariadb()
    scratch = open_directory()
    try:
        process, url = start_emulator(scratch)
        rds = boto3.client("rds", **client_kwargs(url))
        rds.create_db_instance(
            DBInstanceIdentifier="left", Engine="mysql", DBInstanceClass="db.t3.micro",
            AllocatedStorage=20, MasterUsername="appadmin", MasterUserPassword=PASSWORD,
        )  # fmt: skip
        assert servers_under(scratch, "mariadbd")
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        assert gone(scratch, program="mariadbd"), servers_under(scratch, "mariadbd")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
