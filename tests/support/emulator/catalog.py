"""What a region offers: engine versions, instance classes, default groups.

moto answers DescribeDBEngineVersions with a 500, DescribeOrderableDBInstanceOptions
with nothing for most engines, and has none of the engines' default groups.
AWS has, in every region:

- DescribeDBEngineVersions: each engine version with its
  DBParameterGroupFamily (API DBEngineVersion), filterable by Engine,
  EngineVersion, DBParameterGroupFamily and DefaultOnly.
- DescribeOrderableDBInstanceOptions: the instance classes each engine
  version can run on (API OrderableDBInstanceOption); Engine is required.
- The default DB parameter group of each family (`default.postgres15`),
  default DB cluster parameter group (`default.aurora-mysql8.0`) and
  default option group of each engine major version (`default:postgres-15`)
  (USER_WorkingWithParamGroups: "RDS creates a default DB parameter group";
  USER_WorkingWithOptionGroups: "a default option group ... for each engine
  and major version"). Here they appear when first looked up by name.
- DescribeDBParameterGroups of a name no group has: DBParameterGroupNotFound
  ("DBParameterGroupName doesn't refer to an existing DB parameter group",
  API_DescribeDBParameterGroups, Errors); moto answers an empty list.

The catalog is a small, current subset: the engines and versions the
action's tests use, not every version AWS lists.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.models import DBClusterParameterGroup, DBParameterGroup, OptionGroup

from .core import AwsError, around, param
from .refusals import option_group_major, parameter_group_family

VERSIONS = {
    "postgres": ["13.16", "14.13", "15.4", "15.8", "16.4", "17.2"],
    "mysql": ["8.0.36", "8.0.39", "8.4.3"],
    "aurora-postgresql": ["13.12", "14.9", "15.4", "15.8", "16.4"],
    "aurora-mysql": ["5.7.mysql_aurora.2.11.2", "8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.08.0"],
}
DEFAULT_VERSION = {
    "postgres": "16.4",
    "mysql": "8.0.39",
    "aurora-postgresql": "15.8",
    "aurora-mysql": "8.0.mysql_aurora.3.05.2",
}
CLASSES = {
    "postgres": [
        "db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro", "db.m5.large", "db.m6g.large", "db.r6g.large",
        "db.m8g.large",
    ],
    "mysql": ["db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro", "db.m5.large", "db.m6g.large", "db.r6g.large"],
    "aurora-postgresql": ["db.t4g.medium", "db.r6g.large", "db.r6g.xlarge", "db.serverless"],
    "aurora-mysql": ["db.t3.medium", "db.t4g.medium", "db.r6g.large", "db.serverless"],
}

# Classes offered only on some versions of an engine: the Graviton4 classes
# came with newer minor versions (RDS user guide, "Supported DB engines for DB
# instance classes": db.m8g for PostgreSQL 17.1, 16.5, 15.9 and higher), so a
# 15.4 instance cannot be made on one while a 16.4 one can (rounded here to
# the catalog's versions).
ONLY_ON = {("postgres", "db.m8g.large"): {"16.4", "17.2"}}


def offered(engine: str, version: str, cls: str) -> bool:
    """Whether DescribeOrderableDBInstanceOptions lists `cls` for the version."""
    only = ONLY_ON.get((engine, cls))
    return cls in CLASSES.get(engine, []) and (only is None or version in only)


def _family(engine: str, version: str) -> str:
    if engine == "aurora-mysql":
        return "aurora-mysql5.7" if version.startswith("5.7") else "aurora-mysql8.0"
    return parameter_group_family(engine, version)


def _version(engine: str, version: str) -> dict[str, Any]:
    return {
        "Engine": engine,
        "EngineVersion": version,
        "DBParameterGroupFamily": _family(engine, version),
        "DBEngineDescription": engine,
        "DBEngineVersionDescription": f"{engine} {version}",
        "Status": "available",
        "SupportsReadReplica": True,
    }


@around("DescribeDBEngineVersions")
def describe_db_engine_versions(request: Any, call: Any) -> Any:
    engine = param(request, "Engine")
    version = param(request, "EngineVersion")
    family = param(request, "DBParameterGroupFamily")
    default_only = str(param(request, "DefaultOnly")).lower() == "true"
    found = []
    for name, versions in VERSIONS.items():
        if engine and engine != name:
            continue
        for v in versions:
            if version and not (v == version or v.startswith(version + ".")):
                continue
            if default_only and v != DEFAULT_VERSION[name] and not version:
                continue
            entry = _version(name, v)
            if family and entry["DBParameterGroupFamily"] != family:
                continue
            found.append(entry)
    if default_only and version and found:
        found = found[-1:]
    return ActionResult({"DBEngineVersions": found})


@around("DescribeOrderableDBInstanceOptions")
def describe_orderable_db_instance_options(request: Any, call: Any) -> Any:
    engine = param(request, "Engine")
    version = param(request, "EngineVersion")
    wanted_class = param(request, "DBInstanceClass")
    zones = [{"Name": f"{request.backend.region_name}{z}"} for z in "abc"]
    options = []
    for v in VERSIONS.get(engine, []):
        if version and v != version:
            continue
        for cls in CLASSES[engine]:
            if wanted_class and cls != wanted_class or not offered(engine, v, cls):
                continue
            options.append(
                {
                    "Engine": engine,
                    "EngineVersion": v,
                    "DBInstanceClass": cls,
                    "StorageType": "aurora" if engine.startswith("aurora") else "gp3",
                    "AvailabilityZones": zones,
                    "MultiAZCapable": True,
                    "ReadReplicaCapable": True,
                    "Vpc": True,
                    "SupportsStorageAutoscaling": not engine.startswith("aurora"),
                }
            )
    return ActionResult({"OrderableDBInstanceOptions": options})


def _families() -> dict[str, str]:
    """Every family in the catalog -> an engine of it."""
    return {_family(e, v): e for e, versions in VERSIONS.items() for v in versions}


@around("DescribeDBParameterGroups")
def describe_db_parameter_groups(request: Any, call: Any) -> Any:
    name = param(request, "DBParameterGroupName") or ""
    family = name.removeprefix("default.")
    groups = request.backend.db_parameter_groups
    if name.startswith("default.") and name not in groups and family in _families():
        groups[name] = DBParameterGroup(
            request.backend, name, f"Default parameter group for {family}", family
        )
    if name and name not in groups:
        raise AwsError("DBParameterGroupNotFoundFault", f"DB ParameterGroup not found: {name}")
    return call()


@around("DescribeDBClusterParameterGroups")
def describe_db_cluster_parameter_groups(request: Any, call: Any) -> Any:
    name = param(request, "DBClusterParameterGroupName") or ""
    family = name.removeprefix("default.")
    groups = request.backend.db_cluster_parameter_groups
    if name.startswith("default.") and name not in groups and family.startswith("aurora") and family in _families():
        groups[name] = DBClusterParameterGroup(
            request.backend, name, f"Default cluster parameter group for {family}", family
        )
    return call()


@around("DescribeOptionGroups")
def describe_option_groups(request: Any, call: Any) -> Any:
    name = param(request, "OptionGroupName") or ""
    groups = request.backend.option_groups
    if name.startswith("default:") and name not in groups:
        for engine, versions in VERSIONS.items():
            for v in versions:
                major = option_group_major(engine, v)
                if name == f"default:{engine}-{major.replace('.', '-')}":
                    groups[name] = OptionGroup(
                        request.backend, name, engine, major, f"Default option group for {engine} {major}"
                    )
                    return call()
    return call()
