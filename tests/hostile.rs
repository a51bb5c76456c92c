//! Hostile input: a table of bad inputs that must each fail with one clear
//! `::error::` and no mutating AWS call; injection payloads in every input
//! and in values that come back from AWS; and credentials that must never
//! be shown, even with trace logging on.

mod common;

use common::{FaultProxy, Moto, SECRET, SESSION_TOKEN, Step, aurora, is_mutating};

/// One bad-input case: the step's inputs, and what its single `::error::`
/// line must contain (the input's name, the value, the fix).
struct Case {
    mode: &'static str,
    with: &'static [(&'static str, &'static str)],
    unset_region: bool,
    expect: &'static [&'static str],
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

fn cases() -> Vec<Case> {
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
    ]
}

/// The Aurora clusters the cluster cases refuse: `aurora` (Aurora MySQL
/// with a backtrack window), `aurora-pg` (Aurora PostgreSQL),
/// `aurora-nobt` (Aurora MySQL without Backtrack), `aurora-binlog` (Aurora
/// MySQL writing a binary log), each from `tests/support/aurora.py`.
fn aurora_world(moto: &Moto) {
    // First, so that the time its case asks for is after its creation.
    aurora::create(moto, "aurora-binlog", "aurora-mysql", &["--binlog"], None);
    aurora::create(moto, "aurora", "aurora-mysql", &[], None);
    aurora::create(moto, "aurora-pg", "aurora-postgresql", &[], None);
    aurora::create(
        moto,
        "aurora-nobt",
        "aurora-mysql",
        &["--no-backtrack"],
        None,
    );
}

/// prod (with one snapshot of ours, one foreign), a stopped DB, and an
/// instance `taken` this action did not make.
async fn world(moto: &Moto) {
    for db in ["prod", "stopped", "taken"] {
        moto.create_db(db).await;
    }
    moto.client()
        .stop_db_instance()
        .db_instance_identifier("stopped")
        .send()
        .await
        .unwrap();
    moto.own_snapshot("prod", "prod-s0", Some("v1")).await;
    moto.client()
        .create_db_snapshot()
        .db_instance_identifier("prod")
        .db_snapshot_identifier("hand-made")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn every_bad_input_fails_with_one_clear_error_and_no_mutating_call() {
    let moto = Moto::start();
    world(&moto).await;
    aurora_world(&moto);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        proxy.clear();
        let mut step = Step::new(&moto, case.mode, "9001").via(&proxy.endpoint);
        for (name, value) in case.with {
            step = step.with(name, value);
        }
        if case.unset_region {
            step = step.without_env("AWS_REGION");
        }
        let ran = step.run();
        let errors = ran.commands("error");
        let mutating: Vec<String> = proxy
            .requests()
            .into_iter()
            .map(|(action, _)| action)
            .filter(|action| is_mutating(action))
            .collect();
        let missing: Vec<&&str> = case
            .expect
            .iter()
            .filter(|text| !errors.first().is_some_and(|error| error.contains(**text)))
            .collect();
        if ran.code == 0 || errors.len() != 1 || !missing.is_empty() || !mutating.is_empty() {
            failures.push(format!(
                "case {index} ({} {:?}): missing {missing:?}, mutating calls {mutating:?}\n{ran}",
                case.mode, case.with
            ));
        }
    }
    println!("{} bad-input cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Payloads for every place a value from outside reaches what we print:
/// outputs, `::` commands at a line's start, the legacy `##[` form anywhere
/// in a line (both are read on stdout and stderr), line breaks the runner's
/// reader splits on (LF, CR), control characters (ESC, BEL, NEL), Unicode
/// line separators and bidi overrides, and markdown, HTML and bare URLs
/// for the job summary.
const PAYLOADS: &[&str] = &[
    "x\ninjected-output=pwned",
    "x\n::set-output name=injected::pwned",
    "x\n::add-mask::everything",
    "::stop-commands::pwned-token",
    "x\r\n::warning::injected",
    "x\r::error::after-a-bare-cr",
    "ghadelimiter_00000000-0000-0000-0000-000000000000\ninjected=1",
    "x%0A::error::injected",
    "<img src=x onerror=alert(1)> | [click](javascript:alert(1)) **bold**",
    "v1 ##[set-output name=endpoint;]https://evil.example",
    "##[add-mask]everything",
    "x ##[stop-commands]pwned-token",
    "x\n##[error]injected",
    "x\u{1b}[2J\u{1b}]0;title\u{7}::error::esc",
    "x\u{85}::error::after-nel",
    "x\u{2028}::error::after-ls\u{2029}::warning::after-ps",
    "x\u{202e}txt.exe",
    "`code|cell` https://evil.example/x www.evil.example a@evil.example",
];

/// Payloads made only of what AWS admits in a tag value: letters, numbers,
/// white space (\p{Z}, which takes in U+2028 and U+2029) and `_ . : / = + -
/// @` (RDS API reference, Tag: "The string can only contain the set of
/// Unicode letters, digits, white-space, '_', '.', ':', '/', '=', '+', '-',
/// '@'"). The strict emulator refuses the rest, as AWS does; those reach
/// us through AWS's error texts instead (see
/// `payloads_in_aws_error_texts_stay_inert`).
const TAG_PAYLOADS: &[&str] = &[
    "::set-output name=x::y",
    "::add-mask::v",
    "::stop-commands::t",
    "::error file=a.rs::b",
    "\u{a0}::warning::after-nbsp",
    "x\u{2028}::error::after-ls",
    "x\u{2029}::add-mask::after-ps",
    "https://evil.example/a",
    "www.evil.example",
    "a@evil.example",
    "__strong__ _em_ :warning: =x= +y+",
    "v1 ghadelimiter_00000000-0000-0000-0000-000000000000",
];

/// The lines the runner reads from a stream: its process reader (.NET's
/// `StreamReader.ReadLine`) ends a line at LF, CR or CRLF.
fn runner_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\r'])
}

/// Markdown with its code spans taken out (CommonMark, "Code spans": a run
/// of n backticks opens one, the next run of exactly n closes it; a
/// backslash-escaped backtick opens nothing). What is left is what GitHub
/// reads as markup.
fn outside_code_spans(markdown: &str) -> String {
    let chars: Vec<char> = markdown.chars().collect();
    let run_at = |at: usize| chars[at..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '\\' if at + 1 < chars.len() => {
                out.push(chars[at]);
                out.push(chars[at + 1]);
                at += 2;
            }
            '`' => {
                let n = run_at(at);
                let mut close = at + n;
                let found = loop {
                    if close >= chars.len() {
                        break None;
                    }
                    if chars[close] == '`' {
                        let m = run_at(close);
                        if m == n {
                            break Some(close);
                        }
                        close += m;
                    } else {
                        close += 1;
                    }
                };
                match found {
                    Some(close) => {
                        out.push_str("CODE");
                        at = close + n;
                    }
                    None => {
                        out.push_str(&"`".repeat(n));
                        at += n;
                    }
                }
            }
            c => {
                out.push(c);
                at += 1;
            }
        }
    }
    out
}

/// The `|` that end a table cell: GitHub splits cells on every pipe not
/// escaped with a backslash, inside code spans too (GFM spec, "Tables").
fn cell_pipes(line: &str) -> usize {
    let mut pipes = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '|' if !escaped => pipes += 1,
            _ => {}
        }
        escaped = c == '\\' && !escaped;
    }
    pipes
}

/// Checks that nothing a step printed or wrote can act as an output, a
/// workflow command, or markup of its own.
fn assert_contained(ran: &common::Ran, declared: &[String]) {
    for key in ran.outputs.keys() {
        assert!(declared.contains(key), "injected output `{key}`:\n{ran}");
    }
    for line in runner_lines(&ran.stdout).chain(runner_lines(&ran.stderr)) {
        // ActionCommand.TryParseV2: `::` at the start after TrimStart.
        let start = line.trim_start();
        if start.starts_with("::") {
            assert!(
                start.starts_with("::error::") || start.starts_with("::warning::"),
                "a workflow command took effect: {line:?}\n{ran}"
            );
        }
        // ActionCommand.TryParse: the legacy `##[` anywhere in the line.
        assert!(
            !line.contains("##["),
            "a legacy workflow command in {line:?}\n{ran}"
        );
        // Control characters are shown as escapes, never passed.
        let passed = |c: char| {
            c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        };
        assert!(
            !line.chars().any(passed),
            "a control character passed in {line:?}\n{ran}"
        );
    }
    let markup = outside_code_spans(&ran.summary);
    assert!(
        !markup.contains("<img") && !markup.contains("<script"),
        "raw HTML in the summary:\n{}",
        ran.summary
    );
    let unescaped_link = markup
        .match_indices("](")
        .any(|(at, _)| !markup[..at].ends_with('\\'));
    assert!(!unescaped_link, "a link in the summary:\n{}", ran.summary);
    // GFM's autolink extension links these bare, outside code.
    assert!(
        !markup.contains("evil.example"),
        "a bare URL or address as markup in the summary:\n{}",
        ran.summary
    );
    // Every row of a table has as many cells as its header.
    let mut header = None;
    for line in ran.summary.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let pipes = cell_pipes(line);
        assert_eq!(
            *header.get_or_insert(pipes),
            pipes,
            "a row broke its table: {line}\n{}",
            ran.summary
        );
    }
}

fn declared_outputs() -> Vec<String> {
    rds_snapshot_action::inputs::OUTPUTS
        .iter()
        .map(|spec| spec.name.to_owned())
        .collect()
}

#[tokio::test]
async fn injection_payloads_in_any_input_stay_inert() {
    let moto = Moto::start();
    world(&moto).await;
    let declared = declared_outputs();
    let mut runs = 0;
    for spec in rds_snapshot_action::inputs::INPUTS {
        for payload in PAYLOADS.iter().chain(TAG_PAYLOADS) {
            for mode in ["snapshot", "restore", "pitr", "copy"] {
                let mut step = Step::new(&moto, mode, "9002")
                    .with("db-instance-identifier", "prod")
                    .with("target-db-instance-identifier", "prod-inj")
                    .with("snapshot-identifier", "prod-s0");
                if mode == "snapshot" || mode == "pitr" {
                    step = step.with("snapshot-identifier", "");
                }
                let ran = step.with(spec.name, payload).run();
                runs += 1;
                assert_contained(&ran, &declared);
            }
        }
    }
    // Nothing was created under an injected name.
    assert!(
        moto.instance_ids()
            .await
            .iter()
            .all(|id| !id.contains("pwned"))
    );
    println!(
        "{runs} runs with {} payloads in each of {} inputs; no output or command was injected",
        PAYLOADS.len() + TAG_PAYLOADS.len(),
        rds_snapshot_action::inputs::INPUTS.len()
    );
}

// Regression: the payloads here held characters AWS refuses in tags, so the
// strict emulator (rightly) refused to make the snapshots at all.
#[tokio::test]
async fn payloads_coming_back_from_aws_stay_inert() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    // The payloads of the full list that AWS would take as tag values too.
    let admitted = |text: &str| {
        text.chars().all(|c| {
            c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
        })
    };
    let payloads: Vec<&str> = PAYLOADS
        .iter()
        .copied()
        .filter(|payload| admitted(payload))
        .chain(TAG_PAYLOADS.iter().copied())
        .collect();
    assert!(
        TAG_PAYLOADS.iter().all(|payload| admitted(payload)),
        "a tag payload AWS would refuse"
    );
    assert!(payloads.len() >= 10, "{payloads:?}");
    for (n, payload) in payloads.iter().enumerate() {
        moto.own_snapshot("prod", &format!("prod-p{n}"), Some(payload))
            .await;
    }
    let declared = declared_outputs();
    let ran = Step::new(&moto, "list", "9003")
        .with("db-instance-identifier", "prod")
        .run();
    ran.assert_ok();
    assert_contained(&ran, &declared);
    // The values arrive whole, as data.
    let listed: serde_json::Value = serde_json::from_str(ran.output("snapshots")).unwrap();
    let mut versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["deploy-version"].as_str().unwrap())
        .collect();
    versions.sort();
    let mut expected = payloads.clone();
    expected.sort();
    assert_eq!(versions, expected);
    // A restore by deploy version logs, tags and summarises each payload
    // version it looks at; a prune logs and reports each it deletes.
    for payload in &payloads {
        let restored = Step::new(&moto, "restore", "9004")
            .with("deploy-version", payload)
            .with("db-instance-identifier", "prod")
            .with("target-db-instance-identifier", "prod-r")
            .run();
        assert_contained(&restored, &declared);
    }
    let pruned = Step::new(&moto, "prune", "9006")
        .with("db-instance-identifier", "prod")
        .with("keep-last", "1")
        .with("dry-run", "true")
        .run();
    pruned.assert_ok();
    assert_contained(&pruned, &declared);
    println!(
        "{} payloads in tag values, {} runs",
        payloads.len(),
        payloads.len() + 2
    );
}

/// The modes, their inputs and the AWS call whose error carries the
/// payload: a failed create (the step fails with AWS's text), a failed
/// listing, a delete that fails for every snapshot a prune lets go, and the
/// same in the prune before a snapshot, where each failure is a warning that
/// is logged too and the snapshot is taken anyway.
type FailingCall = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);
const FAILING_CALLS: &[FailingCall] = &[
    ("snapshot", "CreateDBSnapshot#*", &[]),
    ("list", "DescribeDBSnapshots#*", &[]),
    ("prune", "DeleteDBSnapshot#*", &[("keep-last", "1")]),
    (
        "snapshot",
        "DeleteDBSnapshot#*",
        &[("prune-keep-last", "1")],
    ),
];

// Regression: an AWS error text with a newline and `::error file=…::`
// reached the runner as a command through the log on stderr.
#[tokio::test]
async fn payloads_in_aws_error_texts_stay_inert() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    for n in 0..3 {
        moto.own_snapshot("prod", &format!("prod-e{n}"), Some("v1"))
            .await;
    }
    let declared = declared_outputs();
    let mut runs = 0;
    // RDS answers in XML 1.0, which cannot carry C0 controls but tab, LF
    // and CR (XML 1.0, "Characters"): a payload with ESC or BEL cannot come
    // from AWS, and reaches us only through inputs.
    let carried = |payload: &&&str| {
        !payload
            .chars()
            .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    };
    let payloads: Vec<&str> = PAYLOADS
        .iter()
        .chain(TAG_PAYLOADS)
        .filter(carried)
        .copied()
        .collect();
    for payload in &payloads {
        for (mode, rule, with) in FAILING_CALLS {
            let proxy =
                FaultProxy::answering(&moto.endpoint, rule, "InvalidParameterValue", payload);
            let mut step = Step::new(&moto, mode, &(9100 + runs).to_string())
                .via(&proxy.endpoint)
                .with("db-instance-identifier", "prod");
            for (name, value) in *with {
                step = step.with(name, value);
            }
            let ran = step.run();
            runs += 1;
            assert!(
                ran.stdout.contains("InvalidParameterValue"),
                "the injected error was not reported:\n{ran}"
            );
            assert!(
                proxy.requests().iter().any(|(_, fault)| fault.is_some()),
                "no error was injected:\n{ran}"
            );
            assert_contained(&ran, &declared);
        }
    }
    println!(
        "{runs} runs with {} payloads in AWS error texts",
        payloads.len()
    );
}

#[tokio::test]
async fn credentials_never_reach_the_log_even_with_trace_logging() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    for mode in ["snapshot", "list", "restore", "pitr"] {
        let ran = Step::new(&moto, mode, "9005")
            .env("RDS_SNAPSHOT_ACTION_LOG", "trace")
            .with("db-instance-identifier", "prod")
            .with(
                "snapshot-identifier",
                if mode == "restore" { "latest" } else { "" },
            )
            .with("restore-time", if mode == "pitr" { "latest" } else { "" })
            .with(
                "target-db-instance-identifier",
                if mode == "restore" || mode == "pitr" {
                    "prod-t"
                } else {
                    ""
                },
            )
            .run();
        ran.assert_ok();
        // Step::run fails on any sight of either credential; this says so.
        assert!(!ran.stderr.contains(SECRET) && !ran.stderr.contains(SESSION_TOKEN));
        assert!(ran.stderr.len() > 1000, "trace logging was on:\n{ran}");
    }
}
