"""Tags as AWS limits them, and tagging calls on resources that exist.

moto stores any number of tags with any keys and values, and tags an ARN
whether or not anything is behind it. AWS:

- "Each resource can have up to 50 tags" (USER_Tagging, "Tagging Amazon
  RDS resources"), counting the ones it has and the ones added (a key given
  again replaces its value and does not count twice).
- A key is 1 to 128 Unicode characters and "can't be prefixed with aws: or
  rds:"; a value is 0 to 256 characters; both "can contain only the set of
  Unicode letters, digits, white-space, '_', '.', ':', '/', '=', '+', '-',
  '@'" (USER_Tagging; API Tag: Key, Value, and the pattern
  `^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`).
- The same limits hold for the Tags of a create, copy or restore call.
- AddTagsToResource, ListTagsForResource and RemoveTagsFromResource on an
  ARN with nothing behind it fail with the resource's NotFound fault
  (DBInstanceNotFound, DBSnapshotNotFound, DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault: the operations' Errors).

The reference names no code for a broken tag rule; AWS answers
InvalidParameterValue (as users quote it, e.g. "Cannot add more than 50
tags" and "Tag keys can't start with aws:"), and so does the emulator.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .core import AwsError, around, param

MAX_TAGS = 50
KEY_LENGTH = 128
VALUE_LENGTH = 256
RESERVED_PREFIXES = ("aws:", "rds:")
ALLOWED_PUNCTUATION = set("_.:/=+-@")

# The calls that take Tags for the resource they make.
TAGGED_CALLS = (
    "CreateDBInstance",
    "CreateDBCluster",
    "CreateDBSnapshot",
    "CreateDBClusterSnapshot",
    "CopyDBSnapshot",
    "CopyDBClusterSnapshot",
    "RestoreDBInstanceFromDBSnapshot",
    "RestoreDBInstanceToPointInTime",
    "RestoreDBClusterFromSnapshot",
    "RestoreDBClusterToPointInTime",
)


def _allowed(text: str) -> bool:
    # \p{L} letters, \p{Z} separators (white space), \p{N} numbers.
    return all(
        unicodedata.category(ch)[0] in "LZN" or ch in ALLOWED_PUNCTUATION for ch in text
    )


def tags_of(request: Any) -> list[dict[str, str]]:
    tags = param(request, "Tags") or []
    return [{"Key": t.get("Key", ""), "Value": t.get("Value", "") or ""} for t in tags]


def check_tags(tags: list[dict[str, str]], existing: list[dict[str, str]] | None = None) -> None:
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        if not 1 <= len(key) <= KEY_LENGTH:
            raise AwsError(
                "InvalidParameterValue",
                f"Tag key {key!r} must be 1 to {KEY_LENGTH} characters long.",
            )
        if key.lower().startswith(RESERVED_PREFIXES):
            raise AwsError(
                "InvalidParameterValue",
                f"Tag key {key!r}: tag keys can't start with aws: or rds:.",
            )
        if len(value) > VALUE_LENGTH:
            raise AwsError(
                "InvalidParameterValue",
                f"Tag value for key {key!r} is longer than {VALUE_LENGTH} characters.",
            )
        if not _allowed(key) or not _allowed(value):
            raise AwsError(
                "InvalidParameterValue",
                f"Tag {key!r}={value!r}: keys and values may contain only Unicode letters, "
                "digits, white space and _ . : / = + - @.",
            )
    keys = {t["Key"] for t in existing or []} | {t["Key"] for t in tags}
    if len(keys) > MAX_TAGS:
        raise AwsError(
            "InvalidParameterValue",
            f"Cannot add more than {MAX_TAGS} tags to a resource; it would have {len(keys)}.",
        )


def _checked_create(request: Any, call: Any) -> Any:
    check_tags(tags_of(request))
    return call()


for _action in TAGGED_CALLS:
    around(_action)(_checked_create)


def _resource(backend: Any, arn: str) -> Any:
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[2] != "rds":
        raise AwsError("InvalidParameterValue", f"Invalid resource name: {arn}")
    kind, name = parts[5], parts[6]
    if parts[3] != backend.region_name or parts[4] != backend.account_id:
        # Another region or account: nothing of this backend's.
        found = None
    elif kind == "db":
        found = backend.databases.get(name)
    elif kind == "cluster":
        found = backend.clusters.get(name)
    elif kind == "snapshot":
        found = backend.database_snapshots.get(name)
    elif kind == "cluster-snapshot":
        found = backend.cluster_snapshots.get(name)
    else:
        return True  # groups and the rest: moto's own checks
    if found is None:
        fault, what = {
            "db": ("DBInstanceNotFoundFault", "DBInstance"),
            "cluster": ("DBClusterNotFoundFault", "DBCluster"),
            "snapshot": ("DBSnapshotNotFoundFault", "DBSnapshot"),
            "cluster-snapshot": ("DBClusterSnapshotNotFoundFault", "DBClusterSnapshot"),
        }[kind]
        raise AwsError(fault, f"{what} {name} not found.")
    return found


def _existing_tags(resource: Any) -> list[dict[str, str]]:
    return list(getattr(resource, "tags", None) or [])


@around("AddTagsToResource")
def add_tags_to_resource(request: Any, call: Any) -> Any:
    resource = _resource(request.backend, param(request, "ResourceName") or "")
    existing = _existing_tags(resource) if resource is not True else []
    check_tags(tags_of(request), existing)
    return call()


@around("ListTagsForResource")
def list_tags_for_resource(request: Any, call: Any) -> Any:
    _resource(request.backend, param(request, "ResourceName") or "")
    return call()


@around("RemoveTagsFromResource")
def remove_tags_from_resource(request: Any, call: Any) -> Any:
    _resource(request.backend, param(request, "ResourceName") or "")
    return call()
