"""MariaDB servers for the emulator's real data: start, stop, back up, restore.

The MySQL-family twin of pgserver.py: this module knows MariaDB and nothing
of RDS; `realdata` decides which server backs which DB (RDS for MySQL, RDS
for MariaDB and Aurora MySQL DBs alike: MariaDB speaks MySQL's protocol, so
a MySQL client cannot tell them apart). The binaries are Debian's
`mariadb-server` and `mariadb-backup` (10.11), which scripts/install-tools
installs with apt-get; without them `AVAILABLE` is false and MySQL-family
DBs stay metadata-only.

- One data directory is made with mariadb-install-db per emulator (the
  template) and copied for every new DB; the first start runs an init file
  that makes the master user and database.
- Every server listens on a Unix socket in the emulator's scratch directory
  and on its own loopback address (127.a.b.c) and the DB's port, with TLS
  offered in MySQL's protocol (its own `ssl-cert`), with a certificate for
  that address signed by the emulator's CA (tlsfront.py), as RDS's
  endpoints offer TLS with a certificate an RDS CA signed (UsingWithRDS.SSL).
- The emulator's own access is `rdsadmin` (RDS's administrative user) on
  the socket only (`skip-name-resolve`: a TCP caller is never `localhost`).
- A snapshot is a hot physical backup (mariadb-backup --backup, then
  --prepare): consistent as of the call, taken without stopping the server.
- No point-in-time recovery: no binary log is kept, so a MySQL-family DB
  has no automated backup to replay from (see realdata.py).
- The servers run as pgserver's user, and are started from pgserver's one
  spawning thread with the parent-death signal SIGKILL, so a killed emulator
  leaves none behind; `stop_all()` stops them on an ordinary shutdown.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from . import pgserver, tlsfront
from .pgserver import GID, UID, root, run, scratch

# Servers listen on no TCP address: every endpoint is private (logs.py).
PRIVATE = os.environ.get("RDS_EMULATOR_PRIVATE_ENDPOINTS", "") == "1"


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(path) for path in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if path.exists()), None
    )


MARIADBD = _binary("mariadbd")
INSTALL_DB = _binary("mariadb-install-db")
BACKUP = _binary("mariadb-backup")
CLIENT = _binary("mariadb")
AVAILABLE = None not in (MARIADBD, INSTALL_DB, BACKUP, CLIENT)

ADMIN = "rdsadmin"
# The administrator's password, for this emulator only; it logs in on the
# socket alone.
ADMIN_PASSWORD = secrets.token_hex(16)

# Small servers, as pgserver's: many run at once on a small machine, and
# every data directory and backup is copied whole. Durability settings are
# off (nothing survives the emulator); a backup is consistent regardless.
SETTINGS = {
    "innodb_buffer_pool_size": "8M",
    "innodb_log_file_size": "4M",
    "innodb_data_file_path": "ibdata1:1M:autoextend",
    "innodb_temp_data_file_path": "ibtmp1:1M:autoextend",
    "innodb_autoextend_increment": "1",
    "innodb_undo_tablespaces": "0",
    "innodb_doublewrite": "0",
    "innodb_flush_log_at_trx_commit": "2",
    "innodb_flush_method": "fsync",
    "innodb_use_native_aio": "0",
    "performance_schema": "OFF",
    "key_buffer_size": "1M",
    "max_connections": "20",
    "skip_name_resolve": "ON",
    "skip_log_bin": "",
    "character_set_server": "utf8mb4",
    "collation_server": "utf8mb4_general_ci",
    "default_time_zone": "+00:00",
}

# RDS for MariaDB's master user privileges (UsingWithRDS.MasterAccounts):
# not SUPER, and its GRANT OPTION.
MASTER_PRIVILEGES = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, "
    "SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION CLIENT, "
    "CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, "
    "REPLICATION SLAVE"
)

READY = b"ready for connections"


def _config() -> Path:
    """The option file every MariaDB program here reads (and no other: not
    the system's /etc/mysql)."""
    path = root() / "mariadb.cnf"
    if not path.exists():
        lines = [f"{key} = {value}" if value else key for key, value in SETTINGS.items()]
        path.write_text("[mariadbd]\n" + "\n".join(lines) + "\n")
        path.chmod(0o644)
    return path


_template: Path | None = None
_template_lock = threading.Lock()


def template() -> Path:
    """A mariadb-install-db'd data directory, made once and copied for every
    new DB."""
    global _template
    with _template_lock:
        if _template is None:
            path = root() / "mariadb-template"
            run(
                INSTALL_DB, f"--defaults-file={_config()}", f"--datadir={path}",
                "--skip-test-db", "--skip-name-resolve", "--auth-root-authentication-method=socket",
            )  # fmt: skip
            _template = path
        return _template


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


SERVERS: set["Server"] = set()


class Server:
    """One MariaDB server: its data directory, socket and TLS certificate."""

    def __init__(self, datadir: Path, init: list[str] | None = None) -> None:
        self.datadir = datadir
        # Short: a Unix socket's path has a limit of 108 bytes.
        self.socket_dir = scratch("m")
        self.address: str | None = None
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        # Statements for the first start (the master user and database).
        self.init = init or []
        # No automated backups: no point-in-time restore (module header).
        self.backups: list[tuple[object, Path]] = []

    def __deepcopy__(self, memo: dict[int, object]) -> None:
        # As pgserver's: a copy of a DB's record does not own its server.
        return None

    @property
    def log(self) -> Path:
        """The server's error log (what logs.py serves as the engine's log)."""
        return self.datadir.parent / f"{self.datadir.name}.log"

    @property
    def socket(self) -> Path:
        return self.socket_dir / "mysqld.sock"

    # -- life --------------------------------------------------------------

    def start(self, address: str, port: int, timeout: float = 60) -> None:
        assert self.process is None, "already running"
        cert, key = tlsfront.certificate(address, self.socket_dir, root())
        for path in (cert, key):
            os.chown(path, UID, GID)
        args = [
            str(MARIADBD), f"--defaults-file={_config()}", f"--datadir={self.datadir}",
            f"--socket={self.socket}", f"--pid-file={self.socket_dir / 'mysqld.pid'}",
            f"--log-error={self.log}", f"--port={port}",
            f"--ssl-cert={cert}", f"--ssl-key={key}",
        ]  # fmt: skip
        # A private endpoint (logs.py) answers no caller over TCP.
        args.append("--skip-networking" if PRIVATE else f"--bind-address={address}")
        if self.init:
            init = self.socket_dir / "init.sql"
            init.write_text("".join(f"{statement};\n" for statement in self.init))
            os.chown(init, UID, GID)
            init.chmod(0o600)
            args.append(f"--init-file={init}")
        self.log.touch()
        os.chown(self.log, UID, GID)
        offset = self.log.stat().st_size
        # SIGKILL when the emulator dies: nothing of the server is kept.
        self.process = pgserver.spawn(args, self.log, signal.SIGKILL)
        self.address, self.port = address, port
        SERVERS.add(self)
        self._wait_ready(offset, timeout)
        if self.init:
            (self.socket_dir / "init.sql").unlink(missing_ok=True)
            self.init = []

    def _wait_ready(self, offset: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self.process = None
                SERVERS.discard(self)
                raise RuntimeError(f"MariaDB in {self.datadir} did not start: {self.log_tail()}")
            with open(self.log, "rb") as f:
                f.seek(offset)
                if READY in f.read():
                    return
            time.sleep(0.01)
        raise RuntimeError(f"MariaDB in {self.datadir} not ready after {timeout}s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """A normal shutdown (SIGTERM): clients are cut off, InnoDB flushed."""
        process, self.process = self.process, None
        SERVERS.discard(self)
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def destroy(self) -> None:
        """Stops the server and removes its data, socket directory and log."""
        self.stop()
        for path in (self.datadir, self.socket_dir):
            shutil.rmtree(path, ignore_errors=True)
        self.log.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- as the administrator ------------------------------------------------

    def sql(self, statement: str) -> str:
        return run(
            CLIENT, "--no-defaults", f"--socket={self.socket}", f"--user={ADMIN}",
            f"--password={ADMIN_PASSWORD}", "--batch", "--skip-column-names", "-e", statement,
        ).strip()  # fmt: skip

    def base_backup(self) -> Path:
        """A consistent copy of the running server's data, taken now
        (mariadb-backup copies the files while it follows InnoDB's redo log,
        then holds commits for the end of the copy; --prepare applies the log),
        ready to start as a data directory."""
        target = scratch("backup")
        run(
            BACKUP, f"--defaults-file={_config()}", "--backup", f"--target-dir={target}",
            f"--socket={self.socket}", f"--user={ADMIN}", f"--password={ADMIN_PASSWORD}",
            # Follows the redo log every 10 ms, not every second.
            "--log-copy-interval=10",
        )  # fmt: skip
        run(BACKUP, f"--defaults-file={_config()}", "--prepare", f"--target-dir={target}")
        return target

    def automated_backup(self) -> None:
        """Nothing: no point-in-time restore for MySQL-family DBs."""


def new_database(user: str, password: str, database: str | None) -> Server:
    """A fresh server whose master user and database are as CreateDBInstance
    names them (for MySQL and MariaDB, no DBName: no database, API
    CreateDBInstance)."""
    datadir = pgserver.copy_data(template())
    host = quote_literal("%")
    admin = f"{quote_literal(ADMIN)}@{quote_literal('localhost')}"
    master = f"{quote_literal(user)}@{host}"
    init = [
        f"CREATE USER IF NOT EXISTS {admin} IDENTIFIED BY {quote_literal(ADMIN_PASSWORD)}",
        f"GRANT ALL PRIVILEGES ON *.* TO {admin} WITH GRANT OPTION",
        f"CREATE USER IF NOT EXISTS {master} IDENTIFIED BY {quote_literal(password)}",
        f"GRANT {MASTER_PRIVILEGES} ON *.* TO {master} WITH GRANT OPTION",
    ]
    if database:
        init.append(f"CREATE DATABASE IF NOT EXISTS {quote_ident(database)}")
    return Server(datadir, init)


def from_backup(backup: Path) -> Server:
    """A server whose data is a snapshot's (a prepared backup)."""
    return Server(pgserver.copy_data(backup))


def stop_all() -> None:
    """Stops every server (an emulator shutdown), all at once."""
    global _template
    servers = list(SERVERS)
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        server.stop()
    _template = None


# Registered after pgserver's, so run before it removes the scratch root.
atexit.register(stop_all)
