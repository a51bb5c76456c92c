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
TRUST = {"trust-policy.json", "trust-policy-cleanup.json", "trust-policy-plan.json"}
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
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and "rds:AddTagsToResource" in _list(s["Action"])
    ]
    assert len(tagging) == 1
    assert tagging[0]["Condition"] == {"Bool": {"rds:TagsFromRequest": "false"}}
    assert all(r.endswith("-final") for r in tagging[0]["Resource"])


# --- Who can add our ownership tags (issue 24) ------------------------------
#
# RDS authorizes tags given in a create, restore or copy call as
# rds:AddTagsToResource on the new resource ("If tags are specified in the
# create action, RDS performs additional authorization on the
# rds:AddTagsToResource action", RDS user guide, "Grant permission to tag
# Amazon RDS resources during creation"). Its condition keys on that action
# are aws:RequestTag/${TagKey}, aws:TagKeys and rds:req-tag/${TagKey}
# (parliament's copy of the service authorization reference), and
# rds:TagsFromRequest, which tells tags given in the request from tags a
# resource inherits. None of them tells a resource being created from one
# that exists: RDS has no key like EC2's ec2:CreateAction. So a role that
# creates with our tags can also put them on an existing resource of the
# same type; the policies keep that to the resource types each role creates,
# keep it out of every role that deletes, and the rest is the action's own
# check with `provenance-key` (README, "Security: who can delete what").

OUR_KEYS = ("rds-snapshot-action:managed-by", "rds-snapshot-action:source-db",
            "rds-snapshot-action:snapshot-id")
# The five a replaced DB carries (src/naming.rs, tag keys).
SWAP_KEYS = ("rds-snapshot-action:swap-role", "rds-snapshot-action:swap-of",
             "rds-snapshot-action:swap-run", "rds-snapshot-action:swap-replaced",
             "rds-snapshot-action:replaced-at")
HAND_MADE_SNAPSHOT = "arn:aws:rds:us-east-1:123456789012:snapshot:hand-made"
BILLING_DB = "arn:aws:rds:us-east-1:123456789012:db:billing-db"
DELETES = {"rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot",
           "rds:DeleteDBInstance", "rds:DeleteDBCluster"}


def _load(name):
    return json.loads((POLICIES / f"{name}.json").read_text())


def _action_matches(pattern, action):
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), action, re.IGNORECASE)


def _like(pattern, value):
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value) is not None


def _condition_holds(condition, context):
    """IAM's condition operators these policies use, on a request context
    (key -> str, bool or list of str)."""
    for operator, pairs in condition.items():
        for key, wanted in pairs.items():
            wanted = _list(wanted)
            present = key in context
            value = context.get(key)
            if operator == "StringEquals":
                if not present or value not in wanted:
                    return False
            elif operator == "StringLike":
                if not present or not any(_like(w, value) for w in wanted):
                    return False
            elif operator == "ForAnyValue:StringLike":
                if not present or not any(_like(w, v) for v in value for w in wanted):
                    return False
            elif operator in ("Bool", "BoolIfExists"):
                if not present:
                    if operator == "Bool":
                        return False
                    continue
                if str(value).lower() not in [str(w).lower() for w in wanted]:
                    return False
            else:
                raise AssertionError(f"operator {operator} is not evaluated here")
    return True


def _decides(policy, action, resource, context):
    """'deny', 'allow' or None (implicit deny) for one request."""
    allowed = False
    for statement in policy["Statement"]:
        if not any(_action_matches(a, action) for a in _list(statement["Action"])):
            continue
        if not any(_like(r, resource) for r in _list(statement.get("Resource", []))):
            continue
        if not _condition_holds(statement.get("Condition", {}), context):
            continue
        if statement["Effect"] == "Deny":
            return "deny"
        allowed = True
    return "allow" if allowed else None


def _tagging(resource, keys, from_request=True):
    context = {"aws:TagKeys": list(keys), "rds:TagsFromRequest": from_request}
    context.update({f"aws:RequestTag/{k}": "x" for k in keys})
    return ("rds:AddTagsToResource", resource, context)


def _may(policy, request):
    return _decides(policy, *request) == "allow"


def _deletes(policy):
    return any(
        statement["Effect"] == "Allow"
        and any(_action_matches(a, d) for a in _list(statement["Action"]) for d in DELETES)
        for statement in policy["Statement"]
    )


FORGED_SNAPSHOT = _tagging(HAND_MADE_SNAPSHOT, OUR_KEYS)
FORGED_BILLING_DB = _tagging(BILLING_DB, SWAP_KEYS)
MODES = sorted(p.stem for p in IDENTITY_POLICIES if p.stem != "provenance-key")


def test_no_role_that_deletes_may_add_our_tags_anywhere():
    """The two forgeries of issue 24, as far as a policy can show them: a role
    that can delete (prune, delete) can put none of our tags on a snapshot or
    a DB, and its explicit Deny goes with its statements into any role they
    are merged into."""
    deleting = [m for m in MODES if _deletes(_load(m))]
    assert deleting == ["delete", "drill", "prune"]
    # drill tags and deletes its own scratch DBs, by name: see
    # test_a_drill_tags_and_deletes_only_what_is_named_as_its_scratch_db.
    for mode in ("delete", "prune"):
        policy = _load(mode)
        for request in (FORGED_SNAPSHOT, FORGED_BILLING_DB,
                        _tagging(HAND_MADE_SNAPSHOT, ["rds-snapshot-action:managed-by"])):
            assert _decides(policy, *request) == "deny", (mode, request)
        for other in MODES:
            merged = {"Statement": _load(other)["Statement"] + policy["Statement"]}
            assert not _may(merged, FORGED_SNAPSHOT), (mode, other)
            assert not _may(merged, FORGED_BILLING_DB), (mode, other)
    # The tags a replaced DB's final snapshot inherits are not refused.
    inherited = _tagging("arn:aws:rds:us-east-1:123456789012:snapshot:old-prod-final",
                         SWAP_KEYS, from_request=False)
    assert _may(_load("prune"), inherited)


def test_who_may_still_tag_as_ours_and_that_none_of_them_deletes():
    """What IAM cannot refuse, named: the roles that create snapshots may tag
    a hand-made snapshot as ours, the roles that restore may put swap tags on
    a DB (the in-place rollback does so on the live DB). None of them may
    delete, and each may tag only the resource type it creates."""
    assert [m for m in MODES if _may(_load(m), FORGED_SNAPSHOT)] == ["copy", "snapshot"]
    assert [m for m in MODES if _may(_load(m), FORGED_BILLING_DB)] == ["pitr", "restore"]
    for mode in ("copy", "snapshot", "pitr", "restore"):
        assert not _deletes(_load(mode)), mode
    other_kind = {
        "copy": BILLING_DB, "snapshot": BILLING_DB,
        "pitr": HAND_MADE_SNAPSHOT, "restore": HAND_MADE_SNAPSHOT,
    }
    for mode, resource in other_kind.items():
        assert not _may(_load(mode), _tagging(resource, ["team"])), mode


def test_the_evaluator_sees_an_unconditioned_tagging_statement():
    """The check can fail: the policies as issue 24 found them (one statement
    with AddTagsToResource on `*`, and the README's DeleteDBSnapshot statement
    added beside it) let one role forge and delete."""
    found_then = {
        "Statement": [
            {"Effect": "Allow", "Action": ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
             "Resource": "*"},
            _load("prune")["Statement"][1],
        ]
    }
    assert _deletes(found_then)
    assert _may(found_then, FORGED_SNAPSHOT)
    assert _may(found_then, FORGED_BILLING_DB)


def test_the_provenance_key_statements_name_one_key_and_only_creators_make_macs():
    """The roles that create make and check MACs; the roles that delete
    only check them, so a cleanup role cannot make a MAC for a forgery."""
    creating, deleting = _load("provenance-key")["Statement"]
    assert sorted(creating["Action"]) == ["kms:GenerateMac", "kms:VerifyMac"]
    assert deleting["Action"] == ["kms:VerifyMac"]
    for statement in (creating, deleting):
        assert ":key/" in statement["Resource"] and "*" not in statement["Resource"]


def test_a_drill_tags_and_deletes_only_what_is_named_as_its_scratch_db():
    """A drill must tag the scratch DB it restores and delete it after, so
    its role both tags and deletes. Both are confined to DBs named
    `<db>-drill-r<run>`: a name an existing DB cannot be given without
    modifying that DB, which the role may not. So it can neither forge our
    tags onto another DB or snapshot, nor delete one that a tagger forged.
    prune deletes expired drill DBs under the same names, and the code
    checks the name too (provenance::expired_drill)."""
    drill = _load("drill")
    scratch = "arn:aws:rds:us-east-1:123456789012:db:shop-drill-r777"
    drill_keys = ["rds-snapshot-action:managed-by", "rds-snapshot-action:drill-of",
                  "rds-snapshot-action:drill-expires"]
    assert _may(drill, _tagging(scratch, drill_keys))
    assert _may(drill, ("rds:DeleteDBInstance", scratch,
                        {"aws:ResourceTag/rds-snapshot-action:drill-of": "shop"}))
    for forged in (FORGED_SNAPSHOT, FORGED_BILLING_DB, _tagging(BILLING_DB, drill_keys)):
        assert not _may(drill, forged), forged
    tagged_billing = {"aws:ResourceTag/rds-snapshot-action:drill-of": "shop",
                      "aws:ResourceTag/rds-snapshot-action:managed-by": "rds-snapshot-action"}
    for policy in ("drill", "prune"):
        for action in ("rds:DeleteDBInstance", "rds:ModifyDBInstance"):
            assert not _may(_load(policy), (action, BILLING_DB, tagged_billing)), (policy, action)
    assert _may(_load("prune"), ("rds:DeleteDBInstance", scratch, tagged_billing))
