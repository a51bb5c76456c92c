"""Engine versions: upgrades, and what each version can be created with.

moto takes any EngineVersion in ModifyDBInstance, and any instance class in a
restore or create. AWS does not:

- ModifyDBInstance, EngineVersion: a version RDS does not offer for the
  engine is InvalidParameterCombination ("Cannot find upgrade path from X to
  Y"); an older one too (RDS does not downgrade). AllowMajorVersionUpgrade:
  "This parameter must be set to true when specifying a value for the
  EngineVersion parameter that is a different major version than the DB
  instance's current version", else InvalidParameterCombination ("The
  AllowMajorVersionUpgrade flag must be present when upgrading to a new major
  version."). A major upgrade needs a DB parameter group of the new family:
  one given must be of it (the same InvalidParameterCombination as a
  restore, see refusals.check_groups), and without one, an instance on a
  default group moves to the new version's default, while a custom group of
  the old family is refused (USER_UpgradeDBInstance.PostgreSQL.MajorVersion:
  "If you use a custom DB parameter group ... specify a default DB parameter
  group for the new DB engine version or create your own custom DB parameter
  group"). The default option group follows to the new major version's
  (USER_UpgradeDBInstance.Upgrading: option groups are per major version).
- CreateDBInstance without EngineVersion: the engine's default version
  (API_CreateDBInstance, EngineVersion: "The version number of the database
  engine to use"; DescribeDBEngineVersions with DefaultOnly names it), not
  moto's fixed 9.3.3 for PostgreSQL, which RDS no longer offers and whose
  default option group the catalog has none of.
- CreateDBInstance without OptionGroupName: the default option group of the
  engine's major version, `default:postgres-15` for 15.4, and
  `default:aurora-postgresql-15` for a member of an Aurora PostgreSQL 15.4
  cluster, following the cluster's version (moto names it after the whole
  version it was made at).
- RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime and
  CreateDBInstance with a class the engine version is not offered on
  (DescribeOrderableDBInstanceOptions lists none): InvalidParameterCombination,
  "RDS does not support creating a DB instance with the following
  combination: DBInstanceClass=..., Engine=..., EngineVersion=...,
  LicenseModel=...", as AWS answers it. Only versions in the catalog are
  judged, so older tests' versions are not refused for being unknown.
- RestoreDBInstanceToPointInTime to a time before a major upgrade restores
  the version of that time, and is judged against it (refusals.version_at).
  The API reference does not say which version such a restore gets; the data
  of that time is the old version's, which only that version can read.
- Aurora: RestoreDBClusterToPointInTime to a time before a major upgrade
  restores the version of that time, as for an instance.
- Aurora: RestoreDBClusterFromSnapshot / ToPointInTime with a DB cluster
  parameter group of another family, and CreateDBInstance into a cluster
  with a DB parameter group of another family than the cluster's version:
  InvalidParameterCombination. ModifyDBCluster to a new major version needs
  AllowMajorVersionUpgrade and moves the instances to
  DBInstanceParameterGroupName (API_ModifyDBCluster).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.rds.models import DBInstanceClustered

from .aurora import aurora_family
from .catalog import DEFAULT_VERSION, VERSIONS, offered
from .core import AwsError, around, flag, param, result_object
from .defaults import default_option_group
from .refusals import option_group_major, parameter_group_family, version_at


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in str(version).split("."))


def check_class(engine: str, version: str, cls: str | None) -> None:
    if not cls or str(version) not in VERSIONS.get(engine, []):
        return
    if not offered(engine, str(version), cls):
        license_model = "postgresql-license" if "postgres" in engine else "general-public-license"
        raise AwsError(
            "InvalidParameterCombination",
            "RDS does not support creating a DB instance with the following combination: "
            f"DBInstanceClass={cls}, Engine={engine}, EngineVersion={version}, "
            f"LicenseModel={license_model}. For supported combinations of instance class "
            "and database engine version, see the documentation.",
        )


@around("RestoreDBInstanceFromDBSnapshot")
def restore_class_offered(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_snapshot(param(request, "DBSnapshotIdentifier"))
    cls = param(request, "DBInstanceClass") or snapshot.database.db_instance_class
    check_class(snapshot.engine, param(request, "EngineVersion") or snapshot.engine_version, cls)
    return call()


@around("RestoreDBInstanceToPointInTime")
def pitr_of_its_time(request: Any, call: Any) -> Any:
    """A point-in-time restore brings back the engine version of that time
    (refusals.version_at), with that version's default groups where the
    call names none."""
    source = request.backend.describe_db_instances(param(request, "SourceDBInstanceIdentifier"))[0]
    version = version_at(request, source)
    cls = param(request, "DBInstanceClass") or source.db_instance_class
    check_class(source.engine, version, cls)
    result = call()
    if version != str(source.engine_version):
        db = result_object(result, "DBInstance")
        db.engine_version = version
        if param(request, "OptionGroupName") is None:
            db.option_group_name = default_option_group(db.engine, version)
    return result


@around("CreateDBInstance")
def create_class_offered(request: Any, call: Any) -> Any:
    engine = param(request, "Engine")
    version = param(request, "EngineVersion")
    cluster_id = param(request, "DBClusterIdentifier")
    if cluster_id:
        cluster = request.backend.describe_db_clusters(cluster_id)[0]
        version = cluster.engine_version
    elif engine in DEFAULT_VERSION and not version:
        version = request.params["EngineVersion"] = DEFAULT_VERSION[engine]
    if engine and version:
        check_class(engine, version, param(request, "DBInstanceClass"))
    result = call()
    db = result_object(result, "DBInstance")
    if param(request, "OptionGroupName") is None and not isinstance(db, DBInstanceClustered):
        db.option_group_name = default_option_group(db.engine, db.engine_version)
        db.option_group_supplied = False
    return result


@around("ModifyDBInstance")
def modify_engine_version(request: Any, call: Any) -> Any:
    wanted = param(request, "EngineVersion")
    db = request.backend.databases.get(param(request, "DBInstanceIdentifier"))
    if not wanted or db is None or isinstance(db, DBInstanceClustered) or str(wanted) == str(db.engine_version):
        return call()
    engine, current = db.engine, str(db.engine_version)
    if str(wanted) not in VERSIONS.get(engine, []) or _key(wanted) < _key(current):
        raise AwsError(
            "InvalidParameterCombination",
            f"Cannot find upgrade path from {current} to {wanted}.",
        )
    major = parameter_group_family(engine, wanted) != parameter_group_family(engine, current)
    if major and not flag(request, "AllowMajorVersionUpgrade"):
        raise AwsError(
            "InvalidParameterCombination",
            "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.",
        )
    family = parameter_group_family(engine, wanted)
    given = param(request, "DBParameterGroupName")
    name = given or db.db_parameter_group_name
    group = request.backend.db_parameter_groups.get(name) if name else None
    custom = name and not str(name).startswith("default.")
    if custom and group is not None and group.family and group.family != family:
        raise AwsError(
            "InvalidParameterCombination",
            f"The parameter group {name} with DBParameterGroupFamily {group.family} can't be used "
            f"for this instance. Use a parameter group with DBParameterGroupFamily {family}.",
        )
    option = param(request, "OptionGroupName")
    new_major = option_group_major(engine, wanted)
    if option and not str(option).startswith("default:"):
        found = request.backend.option_groups.get(option)
        if found is not None and str(found.major_engine_version) != new_major:
            raise AwsError(
                "InvalidParameterCombination",
                f"The option group {option} is for {found.engine_name} {found.major_engine_version}, not {engine} {new_major}.",
            )
    moves_default_option = not option and str(db.option_group_name or "").startswith("default:")
    if given is None and not custom:
        # The default group of the new family: moto derives it from the
        # version once no name is stored.
        db.db_parameter_group_name = None
    db.emu_versions = [*getattr(db, "emu_versions", []), (datetime.now(timezone.utc), current)]
    result = call()
    if moves_default_option:
        db.option_group_name = default_option_group(engine, str(wanted))
        result_object(result, "DBInstance").option_group_name = db.option_group_name
    return result


# --- Aurora: a cluster restore, and its instances, of the snapshot's version -----


def _refuse_family(name: str, found: str | None, engine: str, version: str) -> None:
    """As check_class, only versions in the catalog are judged (moto's own
    default versions, which older tests' clusters run, are not)."""
    if str(version) not in VERSIONS.get(engine, []):
        return
    wanted = aurora_family(engine, str(version))
    if found and found != wanted:
        raise AwsError(
            "InvalidParameterCombination",
            f"The parameter group {name} with DBParameterGroupFamily {found} can't be used for "
            f"this instance. Use a parameter group with DBParameterGroupFamily {wanted}.",
        )


def _cluster_group_fits(request: Any, engine: str, version: str) -> None:
    """RestoreDBClusterFromSnapshot / RestoreDBClusterToPointInTime,
    DBClusterParameterGroupName: a group of the restored version's family
    (the same InvalidParameterCombination as an instance restore)."""
    name = param(request, "DBClusterParameterGroupName")
    group = request.backend.db_cluster_parameter_groups.get(name) if name else None
    if group is not None:
        _refuse_family(name, group.db_parameter_group_family, engine, str(version))


@around("RestoreDBClusterFromSnapshot")
def cluster_restore_groups_fit(request: Any, call: Any) -> Any:
    snapshot = request.backend.get_db_cluster_snapshot(param(request, "SnapshotIdentifier"))
    version = param(request, "EngineVersion") or snapshot.cluster.engine_version
    _cluster_group_fits(request, snapshot.cluster.engine, version)
    return call()


@around("RestoreDBClusterToPointInTime")
def cluster_pitr_groups_fit(request: Any, call: Any) -> Any:
    """As for an instance (pitr_of_its_time): the engine version of the time
    restored to, with that version's default DB cluster parameter group
    where the call names none, and the groups judged against it."""
    source = request.backend.describe_db_clusters(param(request, "SourceDBClusterIdentifier"))[0]
    version = version_at(request, source, "RestoreToTime")
    _cluster_group_fits(request, source.engine, version)
    result = call()
    if version != str(source.engine_version):
        cluster = result_object(result, "DBCluster")
        cluster.engine_version = version
        cluster.emu_versions = []
        if param(request, "DBClusterParameterGroupName") is None:
            cluster.parameter_group = f"default.{aurora_family(source.engine, version)}"
    return result


@around("CreateDBInstance")
def member_groups_fit(request: Any, call: Any) -> Any:
    """An instance of a cluster takes a DB parameter group of the cluster's
    version's family (CreateDBInstance, DBParameterGroupName)."""
    cluster_id = param(request, "DBClusterIdentifier")
    name = param(request, "DBParameterGroupName")
    if cluster_id and name:
        cluster = request.backend.describe_db_clusters(cluster_id)[0]
        group = request.backend.db_parameter_groups.get(name)
        if group is not None:
            _refuse_family(name, group.family, cluster.engine, str(cluster.engine_version))
    return call()


@around("ModifyDBCluster")
def modify_cluster_engine_version(request: Any, call: Any) -> Any:
    """ModifyDBCluster, AllowMajorVersionUpgrade: needed for a new major
    version, with a DB cluster parameter group of its family where a custom
    one is named (API_ModifyDBCluster; the instances' groups go in
    DBInstanceParameterGroupName)."""
    wanted = param(request, "EngineVersion")
    cluster = request.backend.clusters.get(param(request, "DBClusterIdentifier"))
    if not wanted or cluster is None or str(wanted) == str(cluster.engine_version):
        return call()
    major = aurora_family(cluster.engine, str(wanted)) != aurora_family(cluster.engine, str(cluster.engine_version))
    if major and not flag(request, "AllowMajorVersionUpgrade"):
        raise AwsError(
            "InvalidParameterCombination",
            "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.",
        )
    _cluster_group_fits(request, cluster.engine, str(wanted))
    members = param(request, "DBInstanceParameterGroupName")
    current = str(cluster.engine_version)
    cluster.emu_versions = [*getattr(cluster, "emu_versions", []), (datetime.now(timezone.utc), current)]
    result = call()
    for db in request.backend.databases.values():
        if getattr(db, "db_cluster_identifier", None) == cluster.db_cluster_identifier:
            if members:
                db.db_parameter_group_name = members
    return result


def _member_option_group(db: DBInstanceClustered) -> str:
    """A cluster member's option group: its cluster's, and where that is
    the default, the one of the cluster's engine major version as AWS names
    it (`default:aurora-postgresql-15` for 15.4, `default:aurora-mysql-8-0`),
    which follows the cluster through an upgrade or a restore of another
    version. moto names it after the version the cluster was made at."""
    name = db.cluster.option_group_name
    if str(name or "").startswith("default:"):
        return default_option_group(db.cluster.engine, str(db.cluster.engine_version))
    return name


DBInstanceClustered.option_group_name = property(  # type: ignore[assignment]
    _member_option_group, DBInstanceClustered.option_group_name.fset
)
