//! The bad-input table: each case's inputs, and what its single `::error::`
//! line must contain (the input's name, the value, the fix).

/// One bad-input case: the step's inputs, and what its single `::error::`
/// line must contain (the input's name, the value, the fix).
pub(crate) struct Case {
    pub(crate) mode: &'static str,
    pub(crate) with: &'static [(&'static str, &'static str)],
    pub(crate) unset_region: bool,
    pub(crate) expect: &'static [&'static str],
}

const fn case(
    mode: &'static str,
    with: &'static [(&'static str, &'static str)],
    expect: &'static [&'static str],
) -> Case {
    Case {
        mode,
        with,
        unset_region: false,
        expect,
    }
}

const DB: (&str, &str) = ("db-instance-identifier", "prod");
const TARGET: (&str, &str) = ("target-db-instance-identifier", "prod-rollback");
const CLUSTER: (&str, &str) = ("db-cluster-identifier", "aurora");
const CLUSTER_TARGET: (&str, &str) = ("target-db-cluster-identifier", "aurora-rollback");
const LONG_DB: &str = "a123456789012345678901234567890123456789012345678901234567890123";

pub(crate) fn cases() -> Vec<Case> {
    let long_snapshot: &'static str = Box::leak(format!("s{}", "1".repeat(255)).into_boxed_str());
    let long_snapshot_with: &'static [(&'static str, &'static str)] =
        Box::leak(vec![DB, ("snapshot-identifier", long_snapshot)].into_boxed_slice());
    // A time inside `aurora-binlog`'s backtrack window: it was made before
    // the cases are (see `aurora_world`).
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let binlog_with: &'static [(&'static str, &'static str)] = Box::leak(
        vec![
            ("db-cluster-identifier", "aurora-binlog"),
            ("restore-time", &*Box::leak(now.into_boxed_str())),
        ]
        .into_boxed_slice(),
    );
    vec![
        case(
            "snapshop",
            &[DB],
            &[
                "input `mode`",
                "`snapshop`",
                "one of snapshot, restore, pitr",
            ],
        ),
        case(
            "SNAPSHOT",
            &[DB],
            &["input `mode`", "`SNAPSHOT`", "one of snapshot"],
        ),
        case("", &[DB], &["input `mode` is required", "set it to one of"]),
        case(
            "snapshot",
            &[],
            &[
                "input `db-instance-identifier` is required",
                "give the DB instance",
            ],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", "1prod")],
            &[
                "input `db-instance-identifier`",
                "`1prod`",
                "start with a letter",
            ],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", "prod--db")],
            &[
                "input `db-instance-identifier`",
                "`prod--db`",
                "two consecutive hyphens",
            ],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", "prod-")],
            &[
                "input `db-instance-identifier`",
                "`prod-`",
                "not end with a hyphen",
            ],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", "prod_db")],
            &[
                "input `db-instance-identifier`",
                "`prod_db`",
                "only ASCII letters, digits and hyphens",
            ],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", LONG_DB)],
            &[
                "input `db-instance-identifier`",
                LONG_DB,
                "at most 63 characters",
            ],
        ),
        case(
            "snapshot",
            long_snapshot_with,
            &["input `snapshot-identifier`", "at most 255 characters"],
        ),
        case(
            "snapshot",
            &[DB, ("deploy-version", "!!!")],
            &[
                "input `deploy-version`",
                "`!!!`",
                "must contain a letter or digit",
            ],
        ),
        // A branch name such as `v1 #2` is a valid version now (stored as a
        // cleaned tag value); deleting an automated snapshot never is.
        case(
            "delete",
            &[("snapshot-identifier", "rds:prod-2026-11-23-08-50")],
            &[
                "input `snapshot-identifier`",
                "`rds:prod-2026-11-23-08-50`",
                "automated snapshot",
            ],
        ),
        case(
            "snapshot",
            &[DB, ("snapshot-identifier", "latest")],
            &[
                "input `snapshot-identifier`",
                "cannot be `latest` in mode `snapshot`",
                "leave it empty",
            ],
        ),
        case(
            "snapshot",
            &[DB, ("wait", "yes")],
            &["input `wait`", "`yes`", "`true` or `false`"],
        ),
        case(
            "snapshot",
            &[DB, ("wait", "TRUE")],
            &["input `wait`", "`TRUE`", "`true` or `false`"],
        ),
        case(
            "snapshot",
            &[DB, ("wait-timeout", "soon")],
            &["input `wait-timeout`", "`soon`", "for example `30m`"],
        ),
        case(
            "snapshot",
            &[DB, ("wait-timeout", "0m")],
            &["input `wait-timeout`", "`0m`", "longer than zero"],
        ),
        case(
            "snapshot",
            &[DB, ("aws-region", "mars-1")],
            &["input `aws-region`", "`mars-1`", "such as `us-east-1`"],
        ),
        Case {
            mode: "snapshot",
            with: &[DB],
            unset_region: true,
            expect: &[
                "input `aws-region` is not set",
                "set `aws-region: us-east-1`",
            ],
        },
        case(
            "snapshot",
            &[DB, ("prune-keep-last", "none")],
            &[
                "input `prune-keep-last`",
                "`none`",
                "whole number of at least 1",
            ],
        ),
        case(
            "snapshot",
            &[DB, ("tags", "team")],
            &["input `tags`", "`team`", "`key=value` pairs"],
        ),
        case(
            "snapshot",
            &[DB, ("tags", "aws:owner=me")],
            &["input `tags`", "`aws:owner`", "not start with `aws:`"],
        ),
        case(
            "snapshot",
            &[DB, ("tags", "a=1,a=2")],
            &["input `tags`", "`a` twice", "keep one"],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", "stopped")],
            &["`stopped`", "is `stopped`", "start it if it is stopped"],
        ),
        case(
            "snapshot",
            &[("db-instance-identifier", "missing")],
            &[
                "`missing` does not exist in region us-east-1",
                "check input `db-instance-identifier`",
            ],
        ),
        case(
            "restore",
            &[TARGET],
            &[
                "input `snapshot-identifier` is required in mode `restore`",
                "`latest`",
                "`deploy-version`",
            ],
        ),
        case(
            "restore",
            &[
                DB,
                TARGET,
                ("snapshot-identifier", "latest"),
                ("deploy-version", "v1"),
            ],
            &[
                "input `snapshot-identifier`",
                "`latest` conflicts with input `deploy-version` `v1`",
                "give only one",
            ],
        ),
        case(
            "restore",
            &[TARGET, ("snapshot-identifier", "latest")],
            &[
                "input `db-instance-identifier` is required",
                "whose snapshots to choose from",
            ],
        ),
        case(
            "restore",
            &[("snapshot-identifier", "prod-s0")],
            &[
                "input `target-db-instance-identifier` is required",
                "give the name",
            ],
        ),
        case(
            "restore",
            &[
                DB,
                ("snapshot-identifier", "latest"),
                ("target-db-instance-identifier", "prod"),
            ],
            &[
                "input `target-db-instance-identifier`",
                "`prod` is the source",
                "`prod-rollback`",
            ],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("restore-time", "latest"),
            ],
            &[
                "input `restore-time`",
                "only read by mode `pitr`",
                "set `mode: pitr`",
            ],
        ),
        case(
            "restore",
            &[TARGET, ("snapshot-identifier", "nope-snap")],
            &[
                "`nope-snap` does not exist in region us-east-1",
                "check input `snapshot-identifier`",
            ],
        ),
        case(
            "restore",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("target-db-instance-identifier", "taken"),
            ],
            &[
                "`taken` already exists",
                "not created by this action",
                "Pick another `target-db-instance-identifier`",
            ],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("db-instance-class", "t3.micro"),
            ],
            &[
                "input `db-instance-class`",
                "`t3.micro`",
                "such as `db.t3.micro`",
            ],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("vpc-security-group-ids", "default"),
            ],
            &[
                "input `vpc-security-group-ids`",
                "`default`",
                "such as `sg-0123456789abcdef0`",
            ],
        ),
        // Issue 24: names and keys reached the mutating call unchecked.
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("db-parameter-group-name", "pg,16"),
            ],
            &[
                "input `db-parameter-group-name`",
                "`pg,16`",
                "such as `prod-postgres16`",
            ],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("db-parameter-group-name", "no-such-params"),
            ],
            &[
                "DB parameter group `no-such-params`, which does not exist",
                "Set input `db-parameter-group-name`",
            ],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("option-group-name", "no-such-options"),
            ],
            &[
                "option group `no-such-options`, which does not exist",
                "Set input `option-group-name`",
            ],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("db-subnet-group-name", "no-such-subnets"),
            ],
            &[
                "DB subnet group `no-such-subnets`, which does not exist",
                "Set input `db-subnet-group-name`",
            ],
        ),
        // Issue 24: a restore by ID ignored the DB named beside it.
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("db-instance-identifier", "nope"),
            ],
            &["`nope` does not exist", "input `db-instance-identifier`"],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("db-instance-identifier", "taken"),
            ],
            &[
                "`prod-s0` was taken of `prod`, not of DB instance `taken`",
                "nothing was changed",
            ],
        ),
        // Verified provenance: a key that is not one, or names nothing, is
        // refused before the snapshot is started.
        case(
            "snapshot",
            &[DB, ("provenance-key", "my key")],
            &["input `provenance-key`", "`my key`", "`alias/my-key`"],
        ),
        case(
            "snapshot",
            &[DB, ("provenance-key", "alias/no-such-key")],
            &[
                "input `provenance-key` `alias/no-such-key` cannot be used in us-east-1",
                "HMAC_256",
                "nothing was changed",
            ],
        ),
        case(
            "delete",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("provenance-key", "alias/no-such-key"),
            ],
            &[
                "input `provenance-key` `alias/no-such-key` cannot be used",
                "`kms:VerifyMac`",
            ],
        ),
        case(
            "snapshot",
            &[DB, ("snapshot-identifier", "LATEST")],
            &["input `snapshot-identifier`", "`LATEST`", "keyword"],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("deletion-protection", "1"),
            ],
            &["input `deletion-protection`", "`1`", "`true` or `false`"],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("multi-az", "maybe"),
            ],
            &["input `multi-az`", "`maybe`", "`true` or `false`"],
        ),
        case(
            "pitr",
            &[DB, TARGET],
            &[
                "input `restore-time` is required in mode `pitr`",
                "`latest`",
            ],
        ),
        case(
            "pitr",
            &[DB, TARGET, ("restore-time", "yesterday")],
            &["input `restore-time`", "`yesterday`", "RFC 3339"],
        ),
        case(
            "pitr",
            &[DB, TARGET, ("restore-time", "2026-11-20 14:29:59")],
            &["input `restore-time`", "`2026-11-20 14:29:59`", "RFC 3339"],
        ),
        case(
            "pitr",
            &[DB, TARGET, ("restore-time", "2999-01-01T00:00:00Z")],
            &[
                "input `restore-time`",
                "`2999-01-01T00:00:00Z` is in the future",
                "use `latest`",
            ],
        ),
        case(
            "pitr",
            &[DB, TARGET, ("restore-time", "2001-01-01T00:00:00Z")],
            &[
                "input `restore-time` 2001-01-01T00:00:00Z is outside the restorable window of `prod`",
                "pick a time inside it or use `latest`",
            ],
        ),
        case(
            "pitr",
            &[
                DB,
                TARGET,
                ("restore-time", "latest"),
                ("snapshot-identifier", "latest"),
            ],
            &[
                "input `snapshot-identifier`",
                "`latest` is not read by mode `pitr`",
                "use `mode: restore`",
            ],
        ),
        case(
            "pitr",
            &[
                DB,
                ("restore-time", "latest"),
                ("target-db-instance-identifier", "taken"),
            ],
            &["`taken` already exists", "Pick another"],
        ),
        case(
            "pitr",
            &[
                ("db-instance-identifier", "missing"),
                TARGET,
                ("restore-time", "latest"),
            ],
            &[
                "`missing` does not exist",
                "check input `db-instance-identifier`",
            ],
        ),
        case(
            "prune",
            &[DB],
            &[
                "input `keep-last` or input `older-than` is required",
                "`keep-last: 10`",
            ],
        ),
        case(
            "prune",
            &[DB, ("keep-last", "0")],
            &["input `keep-last`", "`0`", "at least 1"],
        ),
        case(
            "prune",
            &[DB, ("keep-last", "-3")],
            &["input `keep-last`", "`-3`", "at least 1"],
        ),
        case(
            "prune",
            &[DB, ("older-than", "30 days")],
            &["input `older-than`", "`30 days`", "for example `30d`"],
        ),
        case(
            "prune",
            &[DB, ("keep-last", "5"), ("dry-run", "no")],
            &["input `dry-run`", "`no`", "`true` or `false`"],
        ),
        case(
            "delete",
            &[("snapshot-identifier", "latest")],
            &[
                "input `snapshot-identifier`",
                "not `latest`",
                "`mode: prune`",
            ],
        ),
        case(
            "delete",
            &[("snapshot-identifier", "hand-made")],
            &[
                "`hand-made`",
                "did not make it and will not delete it",
                "RDS console",
            ],
        ),
        case(
            "delete",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("db-instance-identifier", "taken"),
            ],
            &[
                "`prod-s0` is a snapshot of \"prod\", not of `taken`",
                "input `db-instance-identifier`",
                "nothing was deleted",
            ],
        ),
        case(
            "copy",
            &[("snapshot-identifier", "prod-s0")],
            &[
                "input `target-region` is required in mode `copy`",
                "`target-region: us-west-2`",
            ],
        ),
        case(
            "copy",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("target-region", "west"),
            ],
            &["input `target-region`", "`west`", "such as `us-west-2`"],
        ),
        case(
            "copy",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("target-region", "us-west-2"),
                ("kms-key-id", "my key"),
            ],
            &["input `kms-key-id`", "`my key`", "`alias/my-key`"],
        ),
        case(
            "copy",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("target-region", "us-west-2"),
                ("kms-key-id", "alias/no-such-key"),
            ],
            &[
                "input `kms-key-id` `alias/no-such-key` names no KMS key in us-west-2",
                "nothing was changed",
            ],
        ),
        case(
            "copy",
            &[
                ("snapshot-identifier", "prod-s0"),
                ("share-with-account-ids", "12345"),
            ],
            &["input `share-with-account-ids`", "`12345`", "12-digit"],
        ),
        case(
            "copy",
            &[
                ("snapshot-identifier", "arn:aws:rds:bad"),
                ("target-region", "us-west-2"),
            ],
            &[
                "input `snapshot-identifier`",
                "`arn:aws:rds:bad`",
                "snapshot ARN such as",
            ],
        ),
        // Aurora: which kind of DB, named by which input.
        // (`snapshot`, `list`, `prune` and `wait` take both, and several.)
        case(
            "pitr",
            &[
                DB,
                CLUSTER,
                ("restore-time", "latest"),
                ("target-db-instance-identifier", "prod-rollback"),
            ],
            &[
                "input `db-cluster-identifier`",
                "`aurora` and input `db-instance-identifier` `prod` both name the source",
                "give only one",
            ],
        ),
        case(
            "restore",
            &[
                ("db-instance-identifier", "prod, billing"),
                ("snapshot-identifier", "latest"),
                ("target-db-instance-identifier", "prod-rollback"),
            ],
            &[
                "input `db-instance-identifier`",
                "names 2 DBs",
                "give one ID",
            ],
        ),
        case(
            "snapshot",
            &[
                ("db-instance-identifier", "prod, billing"),
                ("snapshot-identifier", "one-for-both"),
            ],
            &[
                "input `snapshot-identifier`",
                "2 DBs are given",
                "leave it empty",
            ],
        ),
        case(
            "restore",
            &[
                DB,
                ("snapshot-identifier", "latest"),
                ("target-db-cluster-identifier", "prod-rollback"),
            ],
            &[
                "`prod` names an RDS DB instance, not an Aurora cluster member",
                "set `target-db-instance-identifier` instead",
            ],
        ),
        case(
            "pitr",
            &[CLUSTER, TARGET, ("restore-time", "latest")],
            &[
                "input `target-db-instance-identifier`",
                "the source `aurora` is an Aurora DB cluster",
                "set `target-db-cluster-identifier` instead",
            ],
        ),
        case(
            "restore",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("snapshot-identifier", "latest"),
                ("reader-count", "16"),
            ],
            &["input `reader-count`", "`16`", "from 0 (writer only) to 15"],
        ),
        case(
            "restore",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("snapshot-identifier", "latest"),
                ("reader-count", "two"),
            ],
            &["input `reader-count`", "`two`", "whole number from 0"],
        ),
        case(
            "restore",
            &[
                TARGET,
                ("snapshot-identifier", "prod-s0"),
                ("reader-count", "1"),
            ],
            &[
                "input `reader-count`",
                "is for Aurora cluster restores",
                "a DB instance has no readers",
            ],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("restore-time", "latest"),
                ("restore-type", "clone"),
            ],
            &[
                "input `restore-type`",
                "`full-copy` (the default) or `copy-on-write`",
                "got `clone`",
            ],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("restore-time", "2025-01-01T00:00:00Z"),
                ("restore-type", "copy-on-write"),
            ],
            &[
                "input `restore-time`",
                "must be `latest` with `restore-type: copy-on-write`",
                "got `2025-01-01T00:00:00Z`",
            ],
        ),
        case(
            "pitr",
            &[
                DB,
                TARGET,
                ("restore-time", "latest"),
                ("restore-type", "copy-on-write"),
            ],
            &[
                "input `restore-type`",
                "needs an Aurora cluster",
                "set `db-cluster-identifier`",
            ],
        ),
        // `method`: bad values and contradictions, before any call; a
        // pinned Backtrack refused by `mode: backtrack`'s own checks.
        case(
            "pitr",
            &[
                DB,
                TARGET,
                ("restore-time", "latest"),
                ("method", "fastest"),
            ],
            &[
                "input `method`",
                "one of auto, backtrack, clone, point-in-time in mode `pitr`",
                "got `fastest`",
            ],
        ),
        case(
            "restore",
            &[
                DB,
                TARGET,
                ("snapshot-identifier", "latest"),
                ("method", "auto; rm -rf / $(id) `id`"),
            ],
            &[
                "input `method`",
                "one of auto, backtrack, snapshot in mode `restore`",
                "got `auto; rm -rf / $(id) `id``",
            ],
        ),
        case(
            "pitr",
            &[
                DB,
                TARGET,
                ("restore-time", "latest"),
                ("method", "snapshot"),
            ],
            &[
                "input `method`",
                "`snapshot` restores a snapshot",
                "set `mode: restore`",
            ],
        ),
        case(
            "restore",
            &[
                DB,
                TARGET,
                ("snapshot-identifier", "latest"),
                ("method", "clone"),
            ],
            &[
                "input `method`",
                "`clone` makes an Aurora clone",
                "set `mode: pitr`",
            ],
        ),
        case(
            "restore",
            &[
                DB,
                TARGET,
                ("snapshot-identifier", "latest"),
                ("method", "point-in-time"),
            ],
            &["input `method`", "`point-in-time`", "set `mode: pitr`"],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("restore-time", "2025-01-01T00:00:00Z"),
                ("method", "backtrack"),
            ],
            &[
                "input `method`",
                "`backtrack` rewinds the live DB cluster itself",
                "set `in-place: true`",
            ],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                ("restore-time", "latest"),
                ("method", "backtrack"),
                ("in-place", "true"),
            ],
            &[
                "input `restore-time`",
                "cannot be `latest` with `method: backtrack`",
                "`method: auto`",
            ],
        ),
        case(
            "pitr",
            &[DB, TARGET, ("restore-time", "latest"), ("method", "clone")],
            &[
                "input `method`",
                "`clone` makes an Aurora clone, which needs an Aurora cluster",
                "`method: point-in-time`",
            ],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("restore-time", "2025-01-01T00:00:00Z"),
                ("method", "clone"),
            ],
            &[
                "input `restore-time`",
                "must be `latest` with `method: clone`",
                "got `2025-01-01T00:00:00Z`",
            ],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("restore-time", "latest"),
                ("restore-type", "copy-on-write"),
                ("method", "point-in-time"),
            ],
            &[
                "input `method`",
                "`point-in-time` contradicts input `restore-type` `copy-on-write`",
                "remove `restore-type`",
            ],
        ),
        case(
            "pitr",
            &[
                CLUSTER,
                CLUSTER_TARGET,
                ("restore-time", "latest"),
                ("restore-type", "full-copy"),
                ("method", "auto"),
            ],
            &[
                "input `method`",
                "`auto` contradicts input `restore-type` `full-copy`",
                "remove `restore-type`",
            ],
        ),
        case(
            "pitr",
            &[
                ("db-cluster-identifier", "aurora-pg"),
                ("restore-time", "2025-01-01T00:00:00Z"),
                ("method", "backtrack"),
                ("in-place", "true"),
            ],
            &[
                "runs `aurora-postgresql`",
                "Backtrack exists only for Aurora MySQL",
            ],
        ),
        case(
            "pitr",
            &[
                DB,
                ("restore-time", "2025-01-01T00:00:00Z"),
                ("method", "backtrack"),
                ("in-place", "true"),
            ],
            &[
                "`prod` (input `db-instance-identifier`) is an RDS DB instance",
                "Backtrack exists only for Aurora MySQL clusters",
            ],
        ),
        // Backtrack: every refusal, the later ones after a describe.
        case(
            "backtrack",
            &[CLUSTER],
            &[
                "input `restore-time` is required in mode `backtrack`",
                "`deploy-version`",
            ],
        ),
        case(
            "backtrack",
            &[CLUSTER, ("restore-time", "latest")],
            &[
                "input `restore-time`",
                "cannot be `latest` in mode `backtrack`",
                "set `deploy-version`",
            ],
        ),
        case(
            "backtrack",
            &[
                CLUSTER,
                ("restore-time", "2025-01-01T00:00:00Z"),
                ("deploy-version", "v1"),
            ],
            &[
                "input `restore-time`",
                "conflicts with input `deploy-version` `v1`",
                "give only one",
            ],
        ),
        case(
            "backtrack",
            &[DB, ("restore-time", "2025-01-01T00:00:00Z")],
            &[
                "`prod` (input `db-instance-identifier`) is an RDS DB instance",
                "only for Aurora MySQL clusters",
                "`mode: pitr`",
            ],
        ),
        case(
            "backtrack",
            &[
                ("db-cluster-identifier", "aurora-pg"),
                ("restore-time", "2025-01-01T00:00:00Z"),
            ],
            &[
                "runs `aurora-postgresql`",
                "only for Aurora MySQL",
                "`mode: pitr`",
            ],
        ),
        case(
            "backtrack",
            &[
                ("db-cluster-identifier", "aurora-nobt"),
                ("restore-time", "2025-01-01T00:00:00Z"),
            ],
            &[
                "`aurora-nobt` has Backtrack turned off",
                "backtrack window is 0",
                "`mode: pitr`",
            ],
        ),
        case(
            "backtrack",
            &[CLUSTER, ("restore-time", "2020-01-01T00:00:00Z")],
            &[
                "2020-01-01T00:00:00Z, is before the earliest time DB cluster `aurora` can be backtracked to",
                "Pick a time from",
            ],
        ),
        case(
            "backtrack",
            binlog_with,
            &[
                "`aurora-binlog` writes a binary log",
                "`binlog_format` is `ROW`",
                "`force: true`",
            ],
        ),
        case(
            "backtrack",
            &[
                ("db-cluster-identifier", "missing"),
                ("restore-time", "2025-01-01T00:00:00Z"),
            ],
            &[
                "DB cluster `missing` does not exist in region us-east-1",
                "check input `db-cluster-identifier`",
            ],
        ),
        case(
            "drill",
            &[DB, ("rto-target", "45")],
            &["input `rto-target`", "needs a unit", "`45`", "`45m`"],
        ),
        case(
            "drill",
            &[DB, ("keep-for", "4")],
            &["input `keep-for`", "needs a unit", "`4`", "`4h`"],
        ),
        case(
            "drill",
            &[
                DB,
                (
                    "probe-query",
                    "SELECT count(*) FROM orders; DROP TABLE orders",
                ),
                ("probe-username", "app"),
                ("probe-password", "pw"),
            ],
            &["input `probe-query` must be one SQL statement; got 2"],
        ),
        case(
            "drill",
            &[DB, ("probe-query", "SELECT 1")],
            &["input `probe-username`", "are required with `probe-query`"],
        ),
        case(
            "drill",
            &[DB, ("probe-secret-arn", "db-login")],
            &[
                "input `probe-secret-arn`",
                "Secrets Manager secret ARN",
                "`db-login`",
            ],
        ),
        case(
            "drill",
            &[
                DB,
                ("probe-query", "SELECT 1"),
                ("probe-username", "app"),
                ("probe-password", "pw"),
                ("probe-ca-bundle", "/nonexistent/rds-ca.pem"),
            ],
            &[
                "input `probe-ca-bundle`",
                "cannot read `/nonexistent/rds-ca.pem`",
                "global-bundle.pem",
            ],
        ),
        case(
            "drill",
            &[DB, ("wait", "false")],
            &["input `wait` must be `true` in mode `drill`"],
        ),
        case(
            "drill",
            &[("db-instance-identifier", "missing")],
            &["`missing` does not exist in region us-east-1"],
        ),
        // A DB this action did not make holds the scratch DB's name: it is
        // neither adopted nor deleted.
        case(
            "drill",
            &[DB],
            &[
                "`prod-drill-r9001` already exists",
                "it was not created by this action",
            ],
        ),
    ]
}
