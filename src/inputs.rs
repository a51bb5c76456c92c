//! Raw inputs: the names this action declares, read either from the `INPUT_*`
//! variables the GitHub runner sets for a container action or from command-line
//! flags spelled the same way. Nothing here is validated beyond trimming; an
//! empty value means "not given" (the runner passes `''` for an unset input).

use std::collections::BTreeMap;

use crate::model::Mode;

/// One input as `action.yml` declares it, and the modes that read it.
/// `action.yml` is rendered from this table (see `render_action_yml`), and
/// each mode's flags, `--help` and unused-input warning derive from it (see
/// [`Mode::reads`]), so none of them can drift apart.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// The default `action.yml` declares; `""` for none.
    pub default: &'static str,
    pub required: bool,
    /// The modes that read it: each takes it as a flag, lists it in its
    /// `--help`, and does not report it as unused.
    pub modes: &'static [Mode],
    /// Checked in every mode, whichever read it (a bad value fails any
    /// step), so never reported as unused, even where it has no effect
    /// (`wait: false` on `list`).
    pub common: bool,
}

impl InputSpec {
    /// Whether `mode` reads this input.
    pub fn read_by(&self, mode: Mode) -> bool {
        self.modes.contains(&mode)
    }
}

/// Every mode.
const ALL: &[Mode] = &Mode::ALL;
/// The modes that restore a new DB: from a snapshot, or to a point in time.
const RESTORES: &[Mode] = &[Mode::Restore, Mode::Pitr];
/// The modes that wait for what they start (`wait`, `wait-timeout`).
const WAITING: &[Mode] = &[
    Mode::Snapshot,
    Mode::Restore,
    Mode::Pitr,
    Mode::Copy,
    Mode::Backtrack,
    Mode::Wait,
];

/// The modes whose waits `wait-timeout` bounds: those that wait, and
/// `drill`, which always waits.
const TIMED: &[Mode] = &[
    Mode::Snapshot,
    Mode::Restore,
    Mode::Pitr,
    Mode::Copy,
    Mode::Backtrack,
    Mode::Wait,
    Mode::Drill,
];
/// `drill` alone.
const DRILL: &[Mode] = &[Mode::Drill];

const fn input(name: &'static str, modes: &'static [Mode], description: &'static str) -> InputSpec {
    InputSpec {
        name,
        description,
        default: "",
        required: false,
        modes,
        common: false,
    }
}

const fn with_default(
    name: &'static str,
    default: &'static str,
    modes: &'static [Mode],
    description: &'static str,
) -> InputSpec {
    InputSpec {
        default,
        ..input(name, modes, description)
    }
}

const fn common(spec: InputSpec) -> InputSpec {
    InputSpec {
        common: true,
        ..spec
    }
}

/// Every input, in the order `action.yml` and `--help` list them.
pub const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "mode",
        description: "What to do: `snapshot` (before a deploy), `restore` (a new DB instance or Aurora cluster from a snapshot), `pitr` (a new one restored to a point in time, or an Aurora clone), `list` (this action's snapshots of a DB), `prune` (delete this action's old snapshots by retention rules), `delete` (one snapshot this action made), `copy` (a snapshot to another region, or shared with another account), `backtrack` (rewind an Aurora MySQL cluster in place) `wait` (wait for the snapshots this run started with `wait: false`) or `drill` (restore the newest backup to a scratch DB, prove it serves, time it, delete it). Required.",
        default: "",
        required: true,
        // The subcommand itself on the command line, not a flag of one.
        modes: &[],
        common: true,
    },
    input(
        "db-instance-identifier",
        ALL,
        "The source DB instance. `snapshot`, `list`, `prune` and `wait` take several, separated by commas or newlines. Required for `snapshot`, `pitr`, `list` and `prune`; for `restore` and `copy` it selects whose snapshots `latest` and `deploy-version` pick from; for `delete` it makes sure the snapshot is this DB's. It is never modified.",
    ),
    input(
        "db-cluster-identifier",
        ALL,
        "The source Aurora DB cluster, in place of `db-instance-identifier`: every mode works on the cluster and its cluster snapshots. `snapshot`, `list`, `prune` and `wait` take several clusters (commas or newlines), and both inputs together. `backtrack` rewinds it. A `db-instance-identifier` that names a cluster member is taken as its cluster where that is unambiguous, with a warning. Default: none.",
    ),
    input(
        "deploy-version",
        &[Mode::Snapshot, Mode::Restore, Mode::Copy, Mode::Backtrack],
        "The version being deployed, as given (for example `v2.4.1` or `release/2026.11`). `snapshot` puts it in the snapshot ID and in a tag; `restore` and `copy` without `snapshot-identifier` pick that version's newest snapshot. Default: none.",
    ),
    input(
        "snapshot-identifier",
        &[
            Mode::Snapshot,
            Mode::Restore,
            Mode::Delete,
            Mode::Copy,
            Mode::Wait,
            Mode::Drill,
        ],
        "`snapshot`: the ID to give the new snapshot (Default: derived from the DB, the version and the workflow run, so a re-run adopts the same snapshot). `restore` and `copy`: the snapshot to use, or `latest` for the newest available snapshot this action made of `db-instance-identifier`; `copy` also takes the ARN of a snapshot shared from another account. `delete`: the snapshot to delete. `wait`: the snapshots to wait for, separated by commas or newlines (Default: those this run started). `drill`: the snapshot to drill (Default: the newest available snapshot this action made of the DB).",
    ),
    input(
        "target-db-instance-identifier",
        RESTORES,
        "`restore` and `pitr`: the identifier of the new DB instance. Required for those modes. If it already exists and was restored by this action from the same source, it is adopted instead of created again.",
    ),
    input(
        "target-db-cluster-identifier",
        RESTORES,
        "`restore` and `pitr`: the identifier of the new Aurora DB cluster, in place of `target-db-instance-identifier`. Its DB instances are created too (`<id>-instance-1` is the writer), so it serves when the step ends. Adopted on a re-run of the same run. Required (instead of `target-db-instance-identifier`) to restore a cluster.",
    ),
    with_default(
        "in-place",
        "false",
        RESTORES,
        "`restore` and `pitr`: `true` to roll back in place: restore into a temporary name, then rename `db-instance-identifier` (or `db-cluster-identifier`) to `<id>-replaced-<UTC time>` and the restored DB to `<id>`, so the application keeps its endpoint. The replaced DB is kept, with deletion protection; any failure renames everything back. `target-db-*-identifier`, if given, is the temporary name (default `<id>-rollback-r<run>`). Needs a run ID and `wait: true`. Default: `false`.",
    ),
    input(
        "reader-count",
        RESTORES,
        "`restore` and `pitr` of an Aurora cluster: how many reader instances to create besides the writer, from 0 (writer only) to 15. Default: as many as the source cluster has, each like one of its readers.",
    ),
    input(
        "restore-type",
        &[Mode::Pitr],
        "`pitr` of an Aurora cluster: `full-copy` (a full restore) or `copy-on-write` (an Aurora clone: fast whatever the size, same region, `restore-time: latest` only). Default: `full-copy`.",
    ),
    input(
        "method",
        RESTORES,
        "`restore` and `pitr`: how to bring the DB back. `auto` picks the fastest way that can serve and says why each faster one was not used: `backtrack` (Aurora MySQL, in place only, the time inside its backtrack window, no binary log unless `force: true`), then `clone` (`pitr` of an Aurora cluster to `latest`), then `snapshot` (`restore`) or `point-in-time` (`pitr`). Any of these pins that way; `backtrack` needs `in-place: true`. `plan: true` shows each way with a time estimate. Default: `snapshot` for `restore`, `point-in-time` for `pitr` (`clone` with `restore-type: copy-on-write`).",
    ),
    input(
        "restore-time",
        &[Mode::Pitr, Mode::Backtrack, Mode::Drill],
        "`pitr`: the time to restore to, in RFC 3339 (`2026-11-20T14:29:59Z`), or `latest` for the latest restorable time; it is checked against the source's restorable window before anything is restored. `backtrack`: the time to rewind to (or give `deploy-version` to rewind to when that deploy's snapshot was taken). `drill`: drill a point-in-time restore to this time (or `latest`) instead of a snapshot. Required for `pitr` and `backtrack`.",
    ),
    with_default(
        "carry-settings",
        "true",
        RESTORES,
        "`restore` and `pitr`: `true` to build the new DB instance like its source (network, security groups, parameter and option groups, Multi-AZ, IAM authentication, log exports, monitoring, Performance Insights, windows, tags; the README lists them), `false` to take RDS's defaults for whatever the inputs below do not set. Default: `true`.",
    ),
    input(
        "db-instance-class",
        RESTORES,
        "`restore` and `pitr`: the instance class of the new DB instance, for example `db.t3.micro`. Default: the source's.",
    ),
    input(
        "db-subnet-group-name",
        RESTORES,
        "`restore` and `pitr`: the DB subnet group of the new DB instance. Default: the source's (with `carry-settings: false`, RDS's default subnet group).",
    ),
    input(
        "vpc-security-group-ids",
        RESTORES,
        "`restore` and `pitr`: VPC security group IDs for the new DB instance, separated by commas or newlines. Default: the source's (with `carry-settings: false`, the VPC's default security group).",
    ),
    input(
        "multi-az",
        RESTORES,
        "`restore` and `pitr`: `true` or `false`, whether the new DB instance is Multi-AZ. Default: the source's (with `carry-settings: false`, single-AZ).",
    ),
    with_default(
        "deletion-protection",
        "true",
        RESTORES,
        "`restore` and `pitr`: `true` or `false`, whether the new DB instance has deletion protection. Default: `true`.",
    ),
    input(
        "db-parameter-group-name",
        RESTORES,
        "`restore` and `pitr`: the DB parameter group of the new DB instance. Default: the source's (with `carry-settings: false`, the engine's default group).",
    ),
    input(
        "db-cluster-parameter-group-name",
        RESTORES,
        "`restore` and `pitr` of an Aurora cluster: the DB cluster parameter group of the new cluster. Default: the source's (with `carry-settings: false`, the engine's default group).",
    ),
    input(
        "option-group-name",
        RESTORES,
        "`restore` and `pitr`: the option group of the new DB instance. Default: the source's (with `carry-settings: false`, the engine's default group).",
    ),
    input(
        "tags",
        &[
            Mode::Snapshot,
            Mode::Restore,
            Mode::Pitr,
            Mode::Copy,
            Mode::Drill,
        ],
        "Extra tags for what this step creates (the snapshot, or the new DB instance), as `key=value` pairs separated by commas or newlines. Default: none; this action's own tags are always added.",
    ),
    input(
        "keep-last",
        &[Mode::Prune],
        "`prune`: keep this many of the newest snapshots and delete older ones, for example `10`. Default: none; give `keep-last`, `older-than` or both (then a snapshot goes only if both rules select it).",
    ),
    input(
        "older-than",
        &[Mode::Prune],
        "`prune`: delete snapshots older than this, a number with its unit, for example `30d` (units `s`, `m`, `h`, `d`; a bare number is refused). Default: none.",
    ),
    input(
        "replaced-older-than",
        &[Mode::Prune],
        "`prune`: also delete the DBs that an in-place rollback of `db-instance-identifier` (or `db-cluster-identifier`) replaced longer ago than this, a number with its unit, for example `7d` (units `s`, `m`, `h`, `d`; a bare number is refused): only those this action renamed and tagged as replaced, each with a final snapshot, its deletion protection turned off by this step. Default: none (replaced DBs are kept).",
    ),
    with_default(
        "dry-run",
        "false",
        &[Mode::Prune],
        "`prune`: `true` to report what would be deleted and delete nothing. Default: `false`. An empty value (an expression that evaluated to nothing) is refused, as for every input that defaults to `true` or `false`.",
    ),
    common(with_default(
        "plan",
        "false",
        ALL,
        "`true` to make every check the step would make (inputs, the DBs and snapshots it reads, ownership, the quota, the groups, VPC and settings of a restore, the restorable window, prune's selection, the copy's KMS key and region) and not one change: output `plan` lists, in order, each call that would change something, with its parameters, then each check and its result, and the job summary shows it as a table. A plan of a step that would fail fails with the same error. Without `plan`, the same step with the same inputs makes the planned calls, unless the DBs or snapshots changed in between. Every mode plans, `in-place: true` too: its plan lists the restore, the swap's tags, both renames and the deletion protection, after the swap's own checks (Blue/Green deployments, room for its tags, the names it uses); the replaced DB's name in it has the plan's time stamp, the run's has its own. A drill's plan proves nothing (its scratch DB does not exist) and writes no drill report. Default: `false`. An empty value is refused.",
    )),
    input(
        "prune-keep-last",
        &[Mode::Snapshot],
        "`snapshot`: before creating the snapshot, prune this action's snapshots of the DB down to this many newest ones (the new one comes on top). Default: no pruning.",
    ),
    input(
        "target-region",
        &[Mode::Copy],
        "`copy`: the region to copy the snapshot to, for example `us-west-2`. Default: the snapshot's own region (a copy there re-encrypts it with `kms-key-id`, or takes in a snapshot shared from another account).",
    ),
    input(
        "target-snapshot-identifier",
        &[Mode::Copy],
        "`copy`: the ID of the copy. Default: the source's ID in another region; `<source ID>-copy` in the same region.",
    ),
    input(
        "kms-key-id",
        &[Mode::Copy],
        "`copy`: the KMS key (ID, ARN or alias) to encrypt the copy with, in the target region. Required to copy an encrypted snapshot to another region, and to share a snapshot encrypted with the default `aws/rds` key, which cannot be shared. Default: the source's key in the same region.",
    ),
    input(
        "provenance-key",
        &[
            Mode::Snapshot,
            Mode::Copy,
            Mode::Restore,
            Mode::Pitr,
            Mode::Prune,
            Mode::Delete,
            Mode::Drill,
        ],
        "Verified provenance: a KMS HMAC key (key spec `HMAC_256`, key usage `GENERATE_VERIFY_MAC`; its ID, ARN or alias, in the step's region). What this action makes gets a MAC of its ARN, creation time and tags (`kms:GenerateMac`), a drill's scratch DB included, and `delete`, `prune`, `prune-keep-last` and a drill's cleanup delete, unprotect or prune only what carries a MAC that verifies (`kms:VerifyMac`): our tags can be copied by anyone allowed to tag, the MAC only by a holder of the key. Give the same key to every step. Default: none (ownership is read from the tags, and the IAM policies keep tagging roles and deleting roles apart).",
    ),
    input(
        "share-with-account-ids",
        &[Mode::Copy],
        "`copy`: AWS account IDs (12 digits, separated by commas or newlines) to share the snapshot (or its copy) with, so they can restore or copy it. Default: none.",
    ),
    common(with_default(
        "wait",
        "true",
        WAITING,
        "`true` or `false`: wait until the snapshot or DB instance is `available`. With `false` the step returns as soon as the request is accepted. Default: `true`.",
    )),
    common(input(
        "wait-timeout",
        TIMED,
        "How long to wait, as a number with a unit (`45s`, `30m`, `2h`; a bare number means minutes). Default: `60m` for `snapshot`, `120m` for `restore` and `pitr`, `180m` for `copy`, `120m` for `drill` (each wait: the restore, and the delete).",
    )),
    with_default(
        "force",
        "false",
        &[Mode::Restore, Mode::Pitr, Mode::Backtrack],
        "`backtrack`, and `restore` or `pitr` with `method: backtrack` or `auto`: `true` to rewind a cluster that writes a binary log (binlog replication, or `binlog_format` set), which AWS refuses otherwise: the binlog replicas are not rewound and must be re-seeded. Default: `false`.",
    ),
    input(
        "run-id",
        &[
            Mode::Snapshot,
            Mode::Restore,
            Mode::Pitr,
            Mode::Wait,
            Mode::Drill,
        ],
        "The ID that makes a re-run adopt what the first attempt created instead of duplicating it. Default: `GITHUB_RUN_ID`; outside GitHub Actions set it to your CI's build ID (without one, each run makes a new snapshot ID from the current time).",
    ),
    input(
        "probe-query",
        DRILL,
        "`drill`: one SQL statement to run on the scratch DB, for example `SELECT count(*) FROM orders`; its first row becomes the `probe` output (proof level 3). Needs `probe-username` and `probe-password`, or `probe-secret-arn`, and a network path from the runner to the DB (a self-hosted runner in its VPC). PostgreSQL engines (in database `postgres`) and MySQL-family engines: MySQL, MariaDB, Aurora MySQL (in the DB's `DBName`, or none). Default: none (proof by handshake, level 2, or by the engine's log, level 1).",
    ),
    input(
        "probe-username",
        DRILL,
        "`drill`: the user `probe-query` logs in as (the scratch DB has the source's users). Default: none.",
    ),
    input(
        "probe-password",
        DRILL,
        "`drill`: the password of `probe-username`; pass it from a secret (the `secrets` context, for example `secrets.DB_PASSWORD`). It is masked in the log and never printed. Default: none.",
    ),
    input(
        "probe-secret-arn",
        DRILL,
        "`drill`: instead of `probe-username` and `probe-password`, the ARN of a Secrets Manager secret in RDS's form (`{\"username\": ..., \"password\": ...}`), read with `secretsmanager:GetSecretValue`. Default: none.",
    ),
    input(
        "probe-ca-bundle",
        DRILL,
        "`drill`: the path of a PEM file of CA certificates, such as RDS's bundle (`https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem`, downloaded by an earlier step into the workspace). With it, `probe-query` connects only over TLS, and only to a scratch DB whose certificate one of them signed for its endpoint, as `sslmode=verify-full` does. Default: none (TLS where the DB offers it, its certificate not checked, as `sslmode=require` does).",
    ),
    input(
        "rto-target",
        DRILL,
        "`drill`: the recovery time objective, a number with its unit such as `45m` (units `s`, `m`, `h`, `d`; a bare number is refused). A drill slower than this (from the step's start until the scratch DB serves) fails the step after the cleanup, and `met-target` is `false`. Default: none (measured, not judged).",
    ),
    input(
        "keep-for",
        DRILL,
        "`drill`: keep the scratch DB this long for manual checks instead of deleting it at the end, a number with its unit such as `4h` (a bare number is refused); it is tagged with its expiry and `prune` deletes it once expired. Default: none (deleted when the step ends).",
    ),
    common(input(
        "aws-region",
        ALL,
        "The AWS region. Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`, as set by aws-actions/configure-aws-credentials.",
    )),
];

impl Mode {
    /// The inputs the mode reads besides `mode`, in the order `action.yml`
    /// lists them: its flags, as `rds-snapshot-action <MODE> --help` shows
    /// them.
    pub fn inputs(self) -> impl Iterator<Item = &'static InputSpec> {
        INPUTS.iter().filter(move |spec| spec.read_by(self))
    }

    /// The names of [`Mode::inputs`].
    pub fn reads(self) -> Vec<&'static str> {
        self.inputs().map(|spec| spec.name).collect()
    }
}

/// One output as `action.yml` declares it.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    pub name: &'static str,
    pub description: &'static str,
}

/// Every output, in the order `action.yml` lists them.
pub const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "snapshot-identifier",
        description: "The snapshot created (`snapshot`), restored from (`restore`), deleted (`delete`), or the copy (`copy`).",
    },
    OutputSpec {
        name: "snapshots-by-db",
        description: "`snapshot` and `wait`: a JSON object from each DB to its `snapshot-identifier`, `snapshot-arn`, `status`, `kind` (`instance` or `cluster`) and `error` (null when it went well). With one DB, the single-value outputs are set too.",
    },
    OutputSpec {
        name: "snapshot-arn",
        description: "The ARN of that snapshot.",
    },
    OutputSpec {
        name: "db-instance-identifier",
        description: "The DB instance snapshotted (`snapshot`) or created (`restore`, `pitr`).",
    },
    OutputSpec {
        name: "db-cluster-identifier",
        description: "The Aurora DB cluster snapshotted (`snapshot`), created (`restore`, `pitr`) or rewound (`backtrack`).",
    },
    OutputSpec {
        name: "replaced-db-instance-identifier",
        description: "`restore` and `pitr` with `in-place: true`: the name the replaced DB instance now has (`<id>-replaced-<UTC time>`); it is kept, with deletion protection.",
    },
    OutputSpec {
        name: "replaced-db-cluster-identifier",
        description: "`restore` and `pitr` with `in-place: true` of an Aurora cluster: the name the replaced cluster now has.",
    },
    OutputSpec {
        name: "downtime-seconds",
        description: "`restore` and `pitr` with `in-place: true`: how long `<id>` did not answer as an available DB, from the first rename's start to the second rename landing, in seconds.",
    },
    OutputSpec {
        name: "downtime-start",
        description: "`restore` and `pitr` with `in-place: true`: when the first rename started, in RFC 3339.",
    },
    OutputSpec {
        name: "downtime-end",
        description: "`restore` and `pitr` with `in-place: true`: when `<id>` answered as the restored DB, available, in RFC 3339.",
    },
    OutputSpec {
        name: "db-instance-identifiers",
        description: "`restore` and `pitr` of an Aurora cluster: the new cluster's DB instances as a JSON array, the writer first.",
    },
    OutputSpec {
        name: "endpoint",
        description: "`restore` and `pitr`: the address of the new DB instance, or the writer endpoint of the new cluster (empty with `wait: false`). `backtrack`: the cluster's unchanged writer endpoint.",
    },
    OutputSpec {
        name: "reader-endpoint",
        description: "`restore` and `pitr` of an Aurora cluster: the new cluster's reader endpoint.",
    },
    OutputSpec {
        name: "port",
        description: "`restore` and `pitr`: the port of the new DB (empty with `wait: false`).",
    },
    OutputSpec {
        name: "restore-time",
        description: "`pitr`: the time actually restored to, in RFC 3339. `backtrack`: the time asked for.",
    },
    OutputSpec {
        name: "method",
        description: "`restore` and `pitr`: the way the DB was brought back: `backtrack`, `clone`, `snapshot` or `point-in-time` (with `method: auto`, the one it chose; the job summary and the plan say why each faster one was not used).",
    },
    OutputSpec {
        name: "backtracked-to",
        description: "`backtrack`: the time the cluster was actually rewound to (Aurora picks the nearest consistent time), in RFC 3339.",
    },
    OutputSpec {
        name: "backtrack-identifier",
        description: "`backtrack`: the ID of the Backtrack request.",
    },
    OutputSpec {
        name: "settings",
        description: "`restore` and `pitr`: the new DB's settings next to its source's, as a JSON array of objects with `db` (the instance or cluster, and for a cluster each of its instances), `setting` (the RDS API name), `source`, `restored`, `how` (restore call, modify after restore (pending when `wait: false` returned first), an input, or not carried and why) and `drifted`.",
    },
    OutputSpec {
        name: "snapshots",
        description: "`list`: this action's snapshots of the DB, newest first, as a JSON array of objects with `id`, `arn`, `status`, `created`, `deploy-version` and `size-gib`.",
    },
    OutputSpec {
        name: "deleted",
        description: "`prune` and `delete`: the IDs of the snapshots deleted, as a JSON array (`[]` with `dry-run: true`).",
    },
    OutputSpec {
        name: "deleted-replaced",
        description: "`prune` with `replaced-older-than`: the replaced DBs deleted (each after a final snapshot), as a JSON array (`[]` with `dry-run: true`).",
    },
    OutputSpec {
        name: "deleted-drills",
        description: "`prune`: the expired scratch DBs of drills deleted (without a final snapshot), as a JSON array; set only when the DB has drill DBs.",
    },
    OutputSpec {
        name: "prune-candidates",
        description: "`prune`: the IDs the retention rules select, as a JSON array; with `dry-run: true`, what would be deleted.",
    },
    OutputSpec {
        name: "drill-db-identifier",
        description: "`drill`: the scratch DB instance or Aurora cluster the backup was restored into (`<db>-drill-r<run>`), deleted when the step ends unless `keep-for` is set.",
    },
    OutputSpec {
        name: "proof-level",
        description: "`drill`: the highest proof that the scratch DB serves: `3` (the `probe-query` ran), `2` (TCP and the engine's handshake from the runner), `1` (the engine's log shows it accepting connections), `0` (none).",
    },
    OutputSpec {
        name: "probe",
        description: "`drill`: the first row of `probe-query` (one column as its value, several as a JSON object).",
    },
    OutputSpec {
        name: "rto-seconds",
        description: "`drill`: seconds from the step's start until the scratch DB served (was proven at the highest level reached).",
    },
    OutputSpec {
        name: "met-target",
        description: "`drill`: `true` or `false`, whether `rto-seconds` is within `rto-target` (empty without `rto-target`).",
    },
    OutputSpec {
        name: "drill-report",
        description: "`drill`: the evidence as JSON: source, snapshot and its age, the timeline, the proof level and probe result, the RTO against the target, the cleanup, who ran it and the run's URL.",
    },
    OutputSpec {
        name: "drill-report-path",
        description: "`drill`: the file under `RUNNER_TEMP` holding `drill-report`, for `actions/upload-artifact`.",
    },
    OutputSpec {
        name: "status",
        description: "The status of the snapshot or DB instance when the step ended, for example `available`; `planned` for a step with `plan: true` whose plan holds.",
    },
    OutputSpec {
        name: "plan",
        description: "With `plan: true`: a JSON object with `calls`, every call that would change something, in the order the step would make them, each as `{\"action\": \"<RDS API action>\", \"parameters\": {...}}` (parameters as the API names them), and `checks`, every check the step made, each as `{\"check\": ..., \"result\": ...}`. Set also when the plan finds the step would fail. The step sets no other output but `status` while planning.",
    },
];

/// Looks an input up in [`INPUTS`].
pub fn spec(name: &str) -> Option<&'static InputSpec> {
    INPUTS.iter().find(|spec| spec.name == name)
}

/// The environment variable the runner sets for an input: `INPUT_` and the
/// name upper-cased, with spaces turned into `_` and hyphens kept.
pub fn env_name(input: &str) -> String {
    format!("INPUT_{}", input.replace(' ', "_").to_uppercase())
}

/// Inputs as given, trimmed. Defaults from [`INPUTS`] apply where a value is
/// missing or empty, exactly as the runner fills them from `action.yml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawInputs {
    given: BTreeMap<&'static str, String>,
}

impl RawInputs {
    /// Reads `INPUT_*` variables; unknown ones are ignored, as the runner does.
    pub fn from_env<I>(vars: I) -> Self
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let vars: BTreeMap<String, String> = vars.into_iter().collect();
        let mut raw = Self::default();
        for spec in INPUTS {
            if let Some(value) = vars.get(&env_name(spec.name)) {
                raw = raw.with(spec.name, value);
            }
        }
        raw
    }

    /// Sets one input. Panics on a name [`INPUTS`] does not declare, which is
    /// a bug in the caller, not bad user input.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        let spec = spec(name).unwrap_or_else(|| panic!("undeclared input `{name}`"));
        self.given.insert(spec.name, value.trim().to_owned());
        self
    }

    /// The value of an input: as given if not empty, else its default, else
    /// `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let spec = spec(name).unwrap_or_else(|| panic!("undeclared input `{name}`"));
        match self.given.get(spec.name).map(String::as_str) {
            Some(value) if !value.is_empty() => Some(value),
            _ if !spec.default.is_empty() => Some(spec.default),
            _ => None,
        }
    }

    /// Whether the input was given, and given blank, though it has a default.
    /// The runner passes the default for an input left out, so a blank value
    /// can only come from an expression that evaluated to nothing (such as
    /// `${{ inputs.dry-run }}` on a run that has no such input).
    pub fn is_blank(&self, name: &str) -> bool {
        let spec = spec(name).unwrap_or_else(|| panic!("undeclared input `{name}`"));
        !spec.default.is_empty() && self.given.get(spec.name).is_some_and(String::is_empty)
    }

    /// Whether the user set a value other than the default. The runner
    /// passes declared defaults as if given, so a value equal to the default
    /// counts as not given.
    pub fn is_given(&self, name: &str) -> bool {
        let default = spec(name).map_or("", |spec| spec.default);
        self.given
            .get(name)
            .is_some_and(|value| !value.is_empty() && value != default)
    }

    /// The inputs given that `mode` does not read, in table order: each has
    /// no effect, and the step says so.
    pub fn unused(&self, mode: Mode) -> Vec<&'static str> {
        INPUTS
            .iter()
            .filter(|spec| self.is_given(spec.name) && !spec.common && !spec.read_by(mode))
            .map(|spec| spec.name)
            .collect()
    }
}

/// How outputs are printed outside GitHub Actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `key=value` lines.
    Lines,
    /// One JSON object.
    Json,
}

/// The command line: `rds-snapshot-action <MODE> [--<input> <VALUE>]...`,
/// one subcommand per mode with only the inputs that mode reads as flags
/// (spelled as in `action.yml`), so `rds-snapshot-action snapshot --help`
/// and `rds-snapshot-action help snapshot` show that mode's flags alone.
pub fn command() -> clap::Command {
    let mut command = clap::Command::new("rds-snapshot-action")
        .about("Snapshot an RDS database before a deploy; restore it, from a snapshot or to a point in time, when the deploy goes wrong.")
        .after_help("Inside GitHub Actions, run without arguments: inputs come from INPUT_* variables and outputs go to GITHUB_OUTPUT. Elsewhere, outputs are printed as key=value lines (or JSON with --json). `rds-snapshot-action help <MODE>` shows a mode's flags.")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .subcommand_value_name("MODE")
        .subcommand_help_heading("Modes")
        .arg(
            clap::Arg::new("json")
                .long("json")
                .global(true)
                .display_order(1000)
                .action(clap::ArgAction::SetTrue)
                .help("Print the outputs as one JSON object instead of key=value lines."),
        );
    for mode in Mode::ALL {
        let mut sub = clap::Command::new(mode.name()).about(mode.about());
        for spec in mode.inputs() {
            sub = sub.arg(
                clap::Arg::new(spec.name)
                    .long(spec.name)
                    .value_name("VALUE")
                    .help(spec.description),
            );
        }
        command = command.subcommand(sub);
    }
    command
}

/// Reads inputs from command-line arguments (the first is the program).
pub fn from_args<I, T>(args: I) -> Result<(RawInputs, Format), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    let Some((mode, flags)) = matches.subcommand() else {
        unreachable!("clap requires a subcommand");
    };
    let mut raw = RawInputs::default().with("mode", mode);
    for spec in &INPUTS[1..] {
        if let Ok(Some(value)) = flags.try_get_one::<String>(spec.name) {
            raw = raw.with(spec.name, value);
        }
    }
    let format = if flags.get_flag("json") {
        Format::Json
    } else {
        Format::Lines
    };
    Ok((raw, format))
}

/// `action.yml` as it must read for the tables above and the given `runs`
/// image. The repository's `action.yml` is checked against this by a test.
pub fn render_action_yml(image: &str) -> String {
    let mut out = String::from(
        "# Rendered from src/inputs.rs; edit the tables there and run\n\
         # `UPDATE_ACTION_YML=1 cargo test --test action_yml` to refresh this file.\n\
         name: 'RDS snapshot and rollback'\n\
         description: 'Snapshot an RDS database before a deploy, and restore it (from a snapshot or to a point in time) when a deploy goes wrong.'\n\
         author: 'rds-snapshot-action maintainers'\n\
         branding:\n  icon: 'database'\n  color: 'orange'\n\
         inputs:\n",
    );
    for spec in INPUTS {
        out.push_str(&format!("  {}:\n", spec.name));
        out.push_str(&format!(
            "    description: {}\n",
            yaml_quote(spec.description)
        ));
        out.push_str(&format!("    required: {}\n", spec.required));
        if !spec.default.is_empty() {
            out.push_str(&format!("    default: {}\n", yaml_quote(spec.default)));
        }
    }
    out.push_str("outputs:\n");
    for spec in OUTPUTS {
        out.push_str(&format!("  {}:\n", spec.name));
        out.push_str(&format!(
            "    description: {}\n",
            yaml_quote(spec.description)
        ));
    }
    out.push_str(&format!(
        "runs:\n  using: 'docker'\n  image: {}\n",
        yaml_quote(image)
    ));
    out
}

fn yaml_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_spelled_like_inputs() {
        let (raw, format) = from_args([
            "rds-snapshot-action",
            "snapshot",
            "--db-instance-identifier",
            "prod",
            "--deploy-version=v2.4.1",
            "--json",
        ])
        .unwrap();
        assert_eq!(raw.get("mode"), Some("snapshot"));
        assert_eq!(raw.get("db-instance-identifier"), Some("prod"));
        assert_eq!(raw.get("deploy-version"), Some("v2.4.1"));
        assert_eq!(format, Format::Json);
        let (_, format) = from_args(["rds-snapshot-action", "--json", "prune"]).unwrap();
        assert_eq!(format, Format::Json);
        for wrong in [
            [
                "rds-snapshot-action",
                "snapshot",
                "--db-instance-identifer",
                "x",
            ],
            // Another mode's flag is refused, not silently ignored.
            ["rds-snapshot-action", "snapshot", "--keep-last", "3"],
            ["rds-snapshot-action", "snapshop", "--run-id", "3"],
        ] {
            assert!(from_args(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn env_names_keep_hyphens_like_the_runner() {
        assert_eq!(
            env_name("db-instance-identifier"),
            "INPUT_DB-INSTANCE-IDENTIFIER"
        );
        assert_eq!(env_name("a b"), "INPUT_A_B");
    }

    #[test]
    fn empty_and_blank_values_fall_back_to_the_default() {
        let raw = RawInputs::from_env([
            ("INPUT_WAIT".to_owned(), "   ".to_owned()),
            ("INPUT_DELETION-PROTECTION".to_owned(), "true".to_owned()),
            ("INPUT_MODE".to_owned(), "  snapshot\n".to_owned()),
            ("INPUT_TAGS".to_owned(), String::new()),
            ("INPUT_NOT-DECLARED".to_owned(), "x".to_owned()),
        ]);
        assert_eq!(raw.get("wait"), Some("true"));
        assert_eq!(raw.get("mode"), Some("snapshot"));
        assert_eq!(raw.get("tags"), None);
        assert!(!raw.is_given("wait"));
        assert!(!raw.is_given("deletion-protection"));
        assert!(raw.is_given("mode"));
        assert!(raw.is_blank("wait"));
        assert!(!raw.is_blank("tags"));
        assert!(!raw.is_blank("deletion-protection"));
        assert!(!raw.is_blank("dry-run"));
    }

    #[test]
    fn every_default_is_stated_in_its_description() {
        for spec in INPUTS {
            if !spec.default.is_empty() {
                assert!(
                    spec.description
                        .contains(&format!("Default: `{}`", spec.default)),
                    "{} must state its default",
                    spec.name
                );
            } else if !spec.required {
                assert!(
                    spec.description.contains("Default") || spec.description.contains("Required"),
                    "{} must say what happens when it is not given",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn every_input_but_mode_is_read_by_some_mode() {
        for spec in &INPUTS[1..] {
            assert!(!spec.modes.is_empty(), "no mode reads `{}`", spec.name);
        }
    }

    #[test]
    fn a_mode_reads_its_own_inputs_and_the_common_ones() {
        assert_eq!(
            Mode::Prune.reads(),
            [
                "db-instance-identifier",
                "db-cluster-identifier",
                "keep-last",
                "older-than",
                "replaced-older-than",
                "dry-run",
                "plan",
                "provenance-key",
                "aws-region",
            ]
        );
        assert!(Mode::Snapshot.reads().contains(&"wait-timeout"));
        assert!(!Mode::List.reads().contains(&"wait"));
    }

    #[test]
    fn unused_inputs_leave_out_what_every_mode_checks() {
        let raw = RawInputs::default()
            .with("mode", "list")
            .with("db-instance-identifier", "prod")
            .with("wait", "false")
            .with("wait-timeout", "5m")
            .with("aws-region", "us-east-1")
            .with("keep-last", "3")
            .with("tags", "a=b");
        assert_eq!(raw.unused(Mode::List), ["tags", "keep-last"]);
        assert_eq!(raw.unused(Mode::Prune), ["tags"]);
    }
}
