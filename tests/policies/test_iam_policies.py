"""The IAM policies in docs/iam, checked against the service authorization
reference as parliament's data holds it (`iam_definition.json`), offline.

1. Every action a policy allows has each resource type the reference marks
   required (``db*``, ``cluster-snapshot*``, ...) covered by the Resource of
   some Allow statement for that action. IAM authorizes each resource of a
   request on its own (DeleteDBCluster with a final snapshot is checked on the
   cluster and, separately, on the new cluster snapshot), so one statement may
   cover the cluster under a tag condition and another the final snapshot,
   for which no tag condition can hold yet.
2. parliament's own findings, with the few that are known and explained
   below left out.
"""

import json
import pathlib
import re

import pytest
from parliament import analyze_policy_string, iam_definition, is_arn_match

POLICIES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "iam"
TRUST = {"trust-policy.json", "trust-policy-cleanup.json"}
IDENTITY_POLICIES = sorted(p for p in POLICIES.glob("*.json") if p.name not in TRUST)

# parliament's findings that are not faults here, and why.
KNOWN = {
    # Describe*/List calls and the create and restore calls name resources by
    # the identifiers the user passes in; the modes read any DB the inputs
    # name, so `*` is the point of those statements.
    "RESOURCE_STAR",
    # parliament judges each statement alone; IAM does not (see check 1, which
    # replaces this one).
    "RESOURCE_MISMATCH",
}
# Condition keys newer than parliament's data (refreshed 2025-02-27). The
# service authorization reference for Amazon RDS lists rds:TagsFromRequest on
# rds:AddTagsToResource since early 2026: "true when tags are provided in
# these parameters ... false when tags are implicitly inherited from source
# resources".
NEWER_CONDITION_KEYS = {("rds:AddTagsToResource", "rds:TagsFromRequest")}


def _service(prefix):
    return next(s for s in iam_definition if s["prefix"] == prefix)


def _required_types(action):
    prefix, name = action.split(":", 1)
    service = _service(prefix)
    privilege = next(
        (p for p in service["privileges"] if p["privilege"].lower() == name.lower()),
        None,
    )
    assert privilege is not None, f"{action} is not an action the reference knows"
    required = [
        r["resource_type"][:-1]
        for r in privilege["resource_types"]
        if r["resource_type"].endswith("*")
    ]
    # The reference writes ARNs with ${Variables}; parliament matches globs.
    formats = {
        r["resource"]: re.sub(r"\$\{[^}]*\}", "*", r["arn"]) for r in service["resources"]
    }
    return [(kind, formats[kind]) for kind in required]


def _list(value):
    return value if isinstance(value, list) else [value]


def _allows(policy):
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        for action in _list(statement["Action"]):
            yield action, _list(statement.get("Resource", []))


def _uncovered(policy):
    """(action, resource type) pairs no Allow statement's Resource covers."""
    resources = {}
    for action, patterns in _allows(policy):
        resources.setdefault(action, []).extend(patterns)
    missing = []
    for action, patterns in resources.items():
        for kind, arn_format in _required_types(action):
            if not any(is_arn_match(kind, arn_format, p) for p in patterns):
                missing.append((action, kind))
    return missing


@pytest.mark.parametrize("path", IDENTITY_POLICIES, ids=lambda p: p.name)
def test_every_required_resource_is_covered(path):
    assert _uncovered(json.loads(path.read_text())) == []


@pytest.mark.parametrize("path", IDENTITY_POLICIES, ids=lambda p: p.name)
def test_parliament_finds_nothing_unexplained(path):
    policy = analyze_policy_string(path.read_text(), include_community_auditors=False)
    findings = []
    for finding in policy.findings:
        if finding.issue in KNOWN:
            continue
        if finding.issue == "UNKNOWN_CONDITION_FOR_ACTION" and any(
            f"condition {key} for action {action}" in str(finding.detail)
            for action, key in NEWER_CONDITION_KEYS
        ):
            continue
        findings.append((finding.issue, finding.detail))
    assert findings == []


def test_the_check_sees_a_final_snapshot_left_out():
    """Regression: prune.json once allowed DeleteDBCluster on the cluster only,
    so on AWS the final snapshot of a replaced cluster was refused."""
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["rds:DeleteDBCluster", "rds:CreateDBSnapshot"],
                "Resource": ["arn:aws:rds:*:*:cluster:*", "arn:aws:rds:*:*:snapshot:*"],
            }
        ]
    }
    assert _uncovered(policy) == [
        ("rds:DeleteDBCluster", "cluster-snapshot"),
        ("rds:CreateDBSnapshot", "db"),
    ]


def test_the_final_snapshot_may_only_inherit_tags():
    """The cleanup role may tag nothing itself: its one AddTagsToResource is
    for the tags a final snapshot inherits, on final snapshots only."""
    policy = json.loads((POLICIES / "prune.json").read_text())
    tagging = [
        s for s in policy["Statement"] if "rds:AddTagsToResource" in _list(s["Action"])
    ]
    assert len(tagging) == 1
    assert tagging[0]["Condition"] == {"Bool": {"rds:TagsFromRequest": "false"}}
    assert all(r.endswith("-final") for r in tagging[0]["Resource"])
