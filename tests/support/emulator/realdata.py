"""Real data behind PostgreSQL and MySQL-family endpoints (RDS_EMULATOR_REAL_DB=1).

Without the variable this module changes nothing. With it, every DB
instance of engine `postgres` and every `aurora-postgresql` cluster is a
real PostgreSQL server (pgserver.py), and every `mysql` or `mariadb` DB
instance and every `aurora-mysql` cluster a real MariaDB server
(mysqlserver.py; where MariaDB is not installed they stay metadata-only), so
a test can check the rows a restore brings back, not only its metadata.
Other engines stay metadata-only.

What AWS documents, and how it is served here:

- Endpoint.Address / Endpoint.Port: "Specifies the connection endpoint"
  (API DBInstance, Endpoint). An endpoint's DNS name is made of the DB's
  identifier (USER_Endpoints), so it belongs to the name: each name gets its
  own loopback address (127.a.b.c), and the DB known by that name listens
  there on its port. A cluster's writer and reader endpoints and its
  instances' endpoints all reach the cluster's one server (Aurora's
  instances share one cluster volume, Aurora.Overview.Endpoints).
- MasterUsername, MasterUserPassword and DBName (CreateDBInstance: for
  PostgreSQL, "If this parameter isn't specified, a database named postgres
  is created"; for MySQL and MariaDB, "If this parameter isn't specified, no
  database is created"; CreateDBCluster's DatabaseName likewise) log in as
  created. On PostgreSQL the master user owns the database and may create
  roles and databases, as RDS's master user (rds_superuser) may; it is not a
  PostgreSQL superuser. On MariaDB it has RDS's master user privileges
  (UsingWithRDS.MasterAccounts), not SUPER.
- CreateDBSnapshot: "creates a point-in-time snapshot" (API
  CreateDBSnapshot): a base backup (PostgreSQL) or a hot physical backup
  (MariaDB, mariadb-backup) taken at the call. Restores and copies
  carry the snapshot's data (USER_RestoreFromSnapshot, USER_CopySnapshot);
  a final snapshot on delete holds the data at the delete (API
  DeleteDBInstance / DeleteDBCluster).
- Point-in-time restore: RDS "restores from the automated backup, then
  applies transaction logs up to the time you specify" (USER_PIT). Here: the
  base backup taken when the DB was created, the archived WAL, and
  recovery_target_time, inclusive: exactly the commits at or before the time.
  PostgreSQL only: a point-in-time restore of a MySQL-family DB is
  metadata-only (its endpoint answers nothing), as is its automated
  snapshot's restore, since no binary log or automated backup is kept; a
  manual snapshot, a copy and a clone carry the data.
- Copy-on-write clone: the source's data at the time of the clone
  (Aurora.Managing.Clone).
- A rename moves the endpoint with the name (USER_RenameInstance: the old
  endpoint stops answering, the new name's endpoint reaches the DB): the
  renamed DB's server restarts on the new name's address when the rename
  lands (the `rebooting` phase in states.py), so after an in-place swap the
  app's endpoint serves the restored data.
- Stop / start stop and start the server. Deleting a DB stops its server
  and removes its files; stopping the emulator stops every server.
- The engine's log (logs.py) is the server's own: PostgreSQL's "database
  system is ready to accept connections", MariaDB's "ready for connections".
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

from moto.rds.models import DBCluster, DBInstance, DBInstanceClustered

ENABLED = os.environ.get("RDS_EMULATOR_REAL_DB", "") == "1"

INSTANCE_ENGINES = {"postgres", "mysql", "mariadb"}
CLUSTER_ENGINES = {"aurora-postgresql", "aurora-mysql"}

# Each name's address, for the life of the emulator: (region, name) -> address.
ADDRESSES: dict[tuple[str, str], str] = {}


def address_of(region: str, name: str, port: int) -> str:
    from . import pgserver

    key = (region, name.lower())
    if key not in ADDRESSES:
        ADDRESSES[key] = pgserver.free_address(port)
    return ADDRESSES[key]


def servers(engine: str) -> Any:
    """The module that runs `engine`'s servers, or None (metadata only)."""
    from . import mysqlserver, pgserver

    if "postgres" in engine:
        return pgserver
    if ("mysql" in engine or "mariadb" in engine) and mysqlserver.AVAILABLE:
        return mysqlserver
    return None


def server(resource: Any) -> Any:
    return getattr(resource, "emu_server", None)


def _attach() -> None:
    from . import pgserver, states
    from .core import around, flag, param, result_object
    from .windows import _requested_time, _window

    # -- endpoints ------------------------------------------------------------

    original_address = DBInstance.address

    def address(self: DBInstance) -> str:
        if isinstance(self, DBInstanceClustered):
            cluster = _cluster_of(self)
            if cluster is not None and server(cluster) is not None:
                return server(cluster).address
        elif server(self) is not None and server(self).address:
            return server(self).address
        return original_address.fget(self)  # type: ignore[attr-defined]

    DBInstance.address = property(address)  # type: ignore[assignment]

    original_endpoint = DBCluster.endpoint
    original_reader = DBCluster.reader_endpoint

    def cluster_endpoint(original: Any) -> Any:
        def get(self: DBCluster) -> str:
            found = server(self)
            if found is not None and found.address:
                return found.address
            return original.fget(self)

        return property(get)

    DBCluster.endpoint = cluster_endpoint(original_endpoint)  # type: ignore[assignment]
    DBCluster.reader_endpoint = cluster_endpoint(original_reader)  # type: ignore[assignment]

    def _cluster_of(db: Any) -> Any:
        try:
            return db.backend.clusters.get(db.db_cluster_identifier)
        except AttributeError:
            return getattr(db, "cluster", None)

    def start(resource: Any, found: Any, name: str) -> None:
        port = int(resource.port)
        found.start(address_of(resource.region, name, port), port)

    # -- new DBs ------------------------------------------------------------------

    def real_instance(db: Any) -> bool:
        return (
            not isinstance(db, DBInstanceClustered)
            and db.engine in INSTANCE_ENGINES
            and servers(db.engine) is not None
        )

    def real_cluster(cluster: Any) -> bool:
        return cluster.engine in CLUSTER_ENGINES and servers(cluster.engine) is not None

    def default_database(engine: str) -> str | None:
        # CreateDBInstance DBName: PostgreSQL creates `postgres`; MySQL and
        # MariaDB create none (CreateDBCluster DatabaseName likewise).
        return "postgres" if "postgres" in engine else None

    def forget(resource: Any) -> None:
        # moto builds a restored DB from its source's record, server and all.
        resource.emu_server = None

    def serve(resource: Any, found: Any, name: str) -> None:
        resource.emu_server = found
        start(resource, found, name)
        # A DB without automated backups (BackupRetentionPeriod 0) has no
        # point in time to restore to (windows.py): no base backup to keep.
        if getattr(resource, "backup_retention_period", 1):
            found.automated_backup()

    @around("CreateDBInstance")
    def create_db_instance(request: Any, call: Any) -> Any:
        result = call()
        db = result_object(result, "DBInstance")
        if real_instance(db):
            found = servers(db.engine).new_database(
                db.master_username,
                param(request, "MasterUserPassword") or "",
                param(request, "DBName") or default_database(db.engine),
            )
            serve(db, found, db.db_instance_identifier)
        return result

    @around("CreateDBCluster")
    def create_db_cluster(request: Any, call: Any) -> Any:
        result = call()
        cluster = request.backend.clusters[param(request, "DBClusterIdentifier")]
        if real_cluster(cluster):
            found = servers(cluster.engine).new_database(
                cluster.master_username,
                param(request, "MasterUserPassword") or "",
                param(request, "DatabaseName") or default_database(cluster.engine),
            )
            serve(cluster, found, cluster.db_cluster_identifier)
        return result

    # -- snapshots ----------------------------------------------------------------

    def snapshot_data(snapshot: Any, owner: Any) -> Any:
        """The data a snapshot restores: its own base backup; for an automated
        snapshot, its DB's automated backup."""
        data = getattr(snapshot, "emu_data", None)
        if data is not None:
            return data
        found = server(owner) if owner is not None else None
        if found is not None and found.backups:
            return found.backups[0][1]
        return None

    def keep_backup(snapshot: Any, source: Any) -> None:
        found = server(source)
        if found is not None and found.running:
            snapshot.emu_data = found.base_backup()

    @around("CreateDBSnapshot")
    def create_db_snapshot(request: Any, call: Any) -> Any:
        result = call()
        snapshot = result_object(result, "DBSnapshot")
        keep_backup(snapshot, snapshot.database)
        return result

    @around("CreateDBClusterSnapshot")
    def create_cluster_snapshot(request: Any, call: Any) -> Any:
        result = call()
        snapshot = result_object(result, "DBClusterSnapshot")
        keep_backup(snapshot, snapshot.cluster)
        return result

    def copied(result: Any, key: str, source: Any, owner: Any) -> None:
        data = snapshot_data(source, owner)
        if data is not None:
            result_object(result, key).emu_data = pgserver.copy_data(data)

    @around("CopyDBSnapshot")
    def copy_db_snapshot(request: Any, call: Any) -> Any:
        source = request.backend.get_db_snapshot(param(request, "SourceDBSnapshotIdentifier"))
        result = call()
        copied(result, "DBSnapshot", source, source.database)
        return result

    @around("CopyDBClusterSnapshot")
    def copy_cluster_snapshot(request: Any, call: Any) -> Any:
        source = request.backend.get_db_cluster_snapshot(
            param(request, "SourceDBClusterSnapshotIdentifier")
        )
        result = call()
        copied(result, "DBClusterSnapshot", source, source.cluster)
        return result

    # -- restores -----------------------------------------------------------------

    def restored(resource: Any, data: Any, name: str) -> None:
        forget(resource)
        if data is None:
            return
        serve(resource, servers(resource.engine).from_backup(data), name)

    @around("RestoreDBInstanceFromDBSnapshot")
    def restore_from_snapshot(request: Any, call: Any) -> Any:
        snapshot = request.backend.get_db_snapshot(param(request, "DBSnapshotIdentifier"))
        result = call()
        db = result_object(result, "DBInstance")
        if real_instance(db):
            restored(db, snapshot_data(snapshot, snapshot.database), db.db_instance_identifier)
        return result

    @around("RestoreDBClusterFromSnapshot")
    def restore_cluster_from_snapshot(request: Any, call: Any) -> Any:
        snapshot = request.backend.get_db_cluster_snapshot(param(request, "SnapshotIdentifier"))
        result = call()
        cluster = request.backend.clusters[param(request, "DBClusterIdentifier")]
        if real_cluster(cluster):
            restored(cluster, snapshot_data(snapshot, snapshot.cluster), cluster.db_cluster_identifier)
        return result

    def restore_time(request: Any, source: Any, members: tuple[str, ...]) -> datetime:
        if flag(request, "UseLatestRestorableTime"):
            window = _window(source)
            return window[1] if window else datetime.now(timezone.utc)
        at = _requested_time(request, members)
        return at or datetime.now(timezone.utc)

    @around("RestoreDBInstanceToPointInTime")
    def restore_to_time(request: Any, call: Any) -> Any:
        source = request.backend.describe_db_instances(param(request, "SourceDBInstanceIdentifier"))[0]
        at = restore_time(request, source, ("RestoreTime",))
        result = call()
        db = result_object(result, "DBInstance")
        forget(db)
        # PostgreSQL only: a MySQL-family DB keeps no log to replay (module header).
        if real_instance(db) and servers(db.engine) is pgserver and server(source) is not None:
            serve(db, pgserver.to_point_in_time(server(source), at), db.db_instance_identifier)
        return result

    @around("RestoreDBClusterToPointInTime")
    def restore_cluster_to_time(request: Any, call: Any) -> Any:
        source = request.backend.describe_db_clusters(param(request, "SourceDBClusterIdentifier"))[0]
        at = restore_time(request, source, ("RestoreToTime",))
        result = call()
        cluster = request.backend.clusters[param(request, "DBClusterIdentifier")]
        forget(cluster)
        found = server(source)
        if real_cluster(cluster) and found is not None:
            module = servers(cluster.engine)
            if param(request, "RestoreType") == "copy-on-write":
                # A clone: the source's data as it is now.
                serve(cluster, module.from_backup(found.base_backup()), cluster.db_cluster_identifier)
            elif module is pgserver:
                serve(cluster, pgserver.to_point_in_time(found, at), cluster.db_cluster_identifier)
        return result

    # -- deletes, stops, renames -------------------------------------------------

    def final_snapshot(store: Any, name: str | None, source: Any) -> None:
        if name and name in store:
            keep_backup(store[name], source)

    @around("DeleteDBInstance")
    def delete_db_instance(request: Any, call: Any) -> Any:
        db = request.backend.databases.get(param(request, "DBInstanceIdentifier") or "")
        found = server(db) if db is not None else None
        if found is not None and found.running and param(request, "FinalDBSnapshotIdentifier"):
            # The final snapshot is the data at the delete.
            backup = found.base_backup()
        else:
            backup = None
        result = call()
        if found is not None:
            name = param(request, "FinalDBSnapshotIdentifier")
            if backup is not None and name in request.backend.database_snapshots:
                request.backend.database_snapshots[name].emu_data = backup
            found.destroy()
            db.emu_server = None
        return result

    @around("DeleteDBCluster")
    def delete_db_cluster(request: Any, call: Any) -> Any:
        cluster = request.backend.clusters.get(param(request, "DBClusterIdentifier") or "")
        found = server(cluster) if cluster is not None else None
        name = param(request, "FinalDBSnapshotIdentifier")
        backup = found.base_backup() if found is not None and found.running and name else None
        result = call()
        if found is not None:
            if backup is not None and name in request.backend.cluster_snapshots:
                request.backend.cluster_snapshots[name].emu_data = backup
            found.destroy()
            cluster.emu_server = None
        return result

    @around("StopDBInstance")
    def stop_db_instance(request: Any, call: Any) -> Any:
        result = call()
        found = server(result_object(result, "DBInstance"))
        if found is not None:
            found.stop()
        return result

    @around("StartDBInstance")
    def start_db_instance(request: Any, call: Any) -> Any:
        result = call()
        db = result_object(result, "DBInstance")
        found = server(db)
        if found is not None and not found.running:
            start(db, found, db.db_instance_identifier)
        return result

    def follows_rename(kind: Any) -> None:
        rename = kind.rename

        def renamed(resource: Any, name: str) -> None:
            rename(resource, name)
            found = server(resource)
            if found is not None and found.running:
                # The endpoint is the name's: the server moves to the new
                # name's address as the renamed DB reboots.
                found.stop()
                start(resource, found, name)

        object.__setattr__(kind, "rename", renamed)

    follows_rename(states.INSTANCE)
    follows_rename(states.CLUSTER)


if ENABLED:
    _attach()


def stop_all() -> None:
    if ENABLED:
        from . import mysqlserver, pgserver

        # MariaDB's first: pgserver's removes the scratch root they share.
        mysqlserver.stop_all()
        pgserver.stop_all()
