//! The typed, validated plan for one step, built from the raw inputs before
//! any AWS call. Every mistake a user can make in `with:` is caught here, so
//! a bad input never reaches a mutating call.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::github::RunContext;
use crate::inputs::RawInputs;
pub use crate::model::Mode;
use crate::model::{DbRef, Kind, RestoreTime, Tag, rfc3339, tag};
use crate::naming::{self, MAX_INSTANCE_ID, MAX_SNAPSHOT_ID, RunStamp};
use crate::settings::{self, Settings, Value};

/// A bad input: which one, what it was, and what to do instead. Its text is
/// the whole `::error::` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input `{input}` {problem}")]
pub struct InputError {
    pub input: &'static str,
    pub problem: String,
}

fn bad(input: &'static str, problem: impl Into<String>) -> InputError {
    InputError {
        input,
        problem: problem.into(),
    }
}

/// The validated plan for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub action: Action,
    pub wait: Wait,
    /// `None`: the SDK's default chain (`AWS_REGION`, `AWS_DEFAULT_REGION`,
    /// the profile).
    pub region: Option<String>,
    /// Inputs that were given but that this mode does not read.
    pub unused: Vec<&'static str>,
    /// Inputs this mode reads that have no effect on what it acts on (an
    /// option group for an Aurora cluster, say), and why.
    pub ignored: Vec<String>,
}

impl Plan {
    pub fn mode(&self) -> Mode {
        match self.action {
            Action::Snapshot(_) => Mode::Snapshot,
            Action::Restore(_) => Mode::Restore,
            Action::Pitr(_) => Mode::Pitr,
            Action::List { .. } => Mode::List,
            Action::Prune(_) => Mode::Prune,
            Action::Delete { .. } => Mode::Delete,
            Action::Copy(_) => Mode::Copy,
            Action::Backtrack(_) => Mode::Backtrack,
            Action::Wait(_) => Mode::Wait,
        }
    }
}

/// What the step does, with what that mode needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// One snapshot per DB named, taken together.
    Snapshot(Vec<SnapshotPlan>),
    Restore(RestorePlan),
    Pitr(PitrPlan),
    List {
        dbs: Vec<DbRef>,
    },
    Prune(PrunePlan),
    /// `db`, when given, must be the snapshot's source. `rerun`: a later
    /// attempt of the run (`GITHUB_RUN_ATTEMPT` > 1), which may find the
    /// snapshot already deleted by an earlier one.
    Delete {
        snapshot_id: String,
        db: Option<DbRef>,
        rerun: bool,
    },
    Copy(CopyPlan),
    Backtrack(BacktrackPlan),
    Wait(WaitPlan),
}

/// `mode: wait`: the snapshots to wait for, by ID, or else those this
/// action made in this run (its run-id tag), of these DBs if any are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitPlan {
    pub snapshot_ids: Vec<String>,
    pub dbs: Vec<DbRef>,
    pub run_id: Option<String>,
}

/// Where a Backtrack rewinds an Aurora MySQL cluster to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BacktrackTo {
    Time(DateTime<Utc>),
    /// The creation time of this action's newest snapshot of the cluster
    /// for that deploy version: the moment before that deploy.
    DeployVersion(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktrackPlan {
    /// The cluster (or, until resolved, a member named as an instance).
    pub db: DbRef,
    pub to: BacktrackTo,
    /// `force`: backtrack even with binary log replication.
    pub force: bool,
}

/// Which of this action's snapshots of a DB a prune deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Keep this many of the newest.
    pub keep_last: Option<u32>,
    /// Delete only those older than this.
    pub older_than: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrunePlan {
    pub dbs: Vec<DbRef>,
    /// `None`: only replaced DBs are pruned (`replaced-older-than` alone).
    pub retention: Option<Retention>,
    /// `replaced-older-than`: delete the DBs an in-place rollback of each
    /// DB replaced longer ago than this.
    pub replaced_older_than: Option<Duration>,
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CopyPlan {
    /// Required for `latest` and deploy-version choices.
    pub source_db: Option<DbRef>,
    pub choice: SnapshotChoice,
    /// `None`: the source's region.
    pub target_region: Option<String>,
    /// `None`: derived from the source's ID.
    pub target_id: Option<String>,
    pub kms_key_id: Option<String>,
    pub share_with: Vec<String>,
    /// The user's tags, added to the source's.
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotPlan {
    pub db: DbRef,
    pub snapshot_id: String,
    /// The version as a tag value RDS accepts (see [`naming::clean_tag_value`]).
    pub deploy_version: Option<String>,
    /// The version as given, where cleaning changed it: for the summary.
    pub deploy_version_given: Option<String>,
    /// Prune to this many newest snapshots before creating one.
    pub prune_keep_last: Option<u32>,
    /// The user's tags followed by this action's own.
    pub tags: Vec<Tag>,
    /// What the ID was derived from (the version as given, and the run),
    /// or `None` when `snapshot-identifier` gave it.
    pub derived_from: Option<(Option<String>, RunStamp)>,
}

impl SnapshotPlan {
    /// The same snapshot, of the Aurora cluster that the DB instance named
    /// in `db-instance-identifier` belongs to: the ID derived again from the
    /// cluster's name, within the 63 characters of a cluster snapshot ID.
    pub fn of_cluster(&self, cluster: &str) -> Result<SnapshotPlan, InputError> {
        let snapshot_id = match &self.derived_from {
            Some((version, stamp)) => naming::snapshot_id(
                cluster,
                version.as_deref(),
                stamp,
                naming::MAX_CLUSTER_SNAPSHOT_ID,
            )
            .map_err(|rule| {
                bad(
                    "db-cluster-identifier",
                    format!("must {rule} to name a snapshot after; got `{cluster}`"),
                )
            })?,
            None => snapshot_id(&self.snapshot_id, Kind::Cluster)?,
        };
        let mut tags = self.tags.clone();
        for tag in &mut tags {
            if tag.key == naming::tag::SOURCE_DB {
                cluster.clone_into(&mut tag.value);
            } else if tag.key == naming::tag::SNAPSHOT_ID {
                tag.value.clone_from(&snapshot_id);
            }
        }
        Ok(SnapshotPlan {
            db: DbRef::cluster(cluster),
            snapshot_id,
            tags,
            ..self.clone()
        })
    }
}

/// Which snapshot a restore uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotChoice {
    Id(String),
    /// A snapshot by ARN: one shared from another account, or in another
    /// region.
    Arn(String),
    /// The newest available snapshot this action made of the source DB.
    Latest,
    /// The newest available snapshot this action made of the source DB for
    /// this deploy version.
    DeployVersion(String),
}

impl fmt::Display for SnapshotChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotChoice::Id(id) | SnapshotChoice::Arn(id) => write!(f, "snapshot `{id}`"),
            SnapshotChoice::Latest => f.write_str("the latest snapshot"),
            SnapshotChoice::DeployVersion(version) => {
                write!(f, "the snapshot of deploy version `{version}`")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RestorePlan {
    /// Required for `latest` and deploy-version choices.
    pub source_db: Option<DbRef>,
    pub choice: SnapshotChoice,
    pub target: Target,
    /// `in-place: true`: the restore goes to a temporary name (`target`),
    /// then takes this DB's name.
    pub in_place: Option<InPlace>,
}

/// An in-place rollback: the DB whose name the restored copy takes, and
/// the run that does it (a re-run of the same run finishes or undoes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InPlace {
    pub db: DbRef,
    pub run: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PitrPlan {
    pub source_db: DbRef,
    pub time: RestoreTime,
    /// `restore-type: copy-on-write`: an Aurora clone.
    pub clone: bool,
    pub target: Target,
    pub in_place: Option<InPlace>,
}

/// The DB a restore creates: its kind and name, the settings the inputs
/// give (they win over the source's), and whether the source's other
/// settings are carried over (see [`crate::settings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub id: String,
    /// `reader-count` for a cluster: `None` mirrors the source's readers.
    pub readers: Option<u32>,
    pub inputs: Settings,
    /// `carry-settings`: build it like its source (the default), or take
    /// RDS's defaults for what the inputs do not set.
    pub carry: bool,
    /// The user's tags followed by this action's own.
    pub tags: Vec<Tag>,
    /// The run that restores it: a re-run of the same run adopts it.
    pub run_id: Option<String>,
}

/// How long to wait for the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub enabled: bool,
    pub timeout: Duration,
}

/// Builds the plan from raw inputs. `now` is the step's start, used for
/// time-stamped IDs and to refuse a restore time in the future.
pub fn plan(raw: &RawInputs, ctx: &RunContext, now: DateTime<Utc>) -> Result<Plan, InputError> {
    let mode = match raw.get("mode") {
        None => {
            return Err(bad(
                "mode",
                format!("is required; set it to one of {}", mode_list()),
            ));
        }
        Some(value) => Mode::parse(value).ok_or_else(|| {
            bad(
                "mode",
                format!("must be one of {}; got `{value}`", mode_list()),
            )
        })?,
    };
    let wait = Wait {
        enabled: boolean(raw, "wait")?.unwrap_or(true),
        timeout: match raw.get("wait-timeout") {
            Some(value) => duration(value).map_err(|problem| {
                bad(
                    "wait-timeout",
                    format!("{problem}; got `{value}`, for example `30m` or `2h`"),
                )
            })?,
            None => default_timeout(mode),
        },
    };
    let region = raw.get("aws-region").map(str::to_owned);
    if let Some(region) = &region
        && !is_region(region)
    {
        return Err(bad(
            "aws-region",
            format!("must be an AWS region such as `us-east-1`; got `{region}`"),
        ));
    }
    let run_id = raw
        .get("run-id")
        .or(ctx
            .github_run_id
            .as_deref()
            .filter(|id| !id.trim().is_empty()))
        .map(|id| id.trim().to_owned());
    if let Some(id) = &run_id
        && naming::sanitise(id).is_empty()
    {
        return Err(bad(
            "run-id",
            format!("must contain letters or digits; got `{id}`"),
        ));
    }
    // A long run ID is capped with a hash: the same on every attempt, and
    // short enough for the run-id tag and the snapshot ID.
    let run_id = run_id.map(|id| naming::run_label(&id));
    let mut ignored = Vec::new();
    let action = match mode {
        Mode::Snapshot => Action::Snapshot(snapshot_plans(raw, ctx, run_id, now)?),
        Mode::Restore => Action::Restore(restore_plan(raw, ctx, run_id, &mut ignored)?),
        Mode::Pitr => Action::Pitr(pitr_plan(raw, ctx, run_id, now, &mut ignored)?),
        Mode::List => Action::List {
            dbs: sources(raw, "the DB instance whose snapshots to list")?,
        },
        Mode::Prune => Action::Prune(prune_plan(raw)?),
        Mode::Delete => Action::Delete {
            snapshot_id: match raw.get("snapshot-identifier") {
                None | Some("latest") => {
                    return Err(bad(
                        "snapshot-identifier",
                        "is required in mode `delete` and must name one snapshot (not `latest`); use `mode: prune` to delete by age or count",
                    ));
                }
                Some(id) => {
                    let id = snapshot_ref(id)?;
                    if naming::is_automated(&id) {
                        return Err(bad(
                            "snapshot-identifier",
                            format!(
                                "`{id}` is an automated snapshot; RDS deletes those itself when the backup retention period passes, and this action never deletes one. Give a manual snapshot this action made"
                            ),
                        ));
                    }
                    id
                }
            },
            db: optional_source(raw)?,
            // A first attempt that finds nothing to delete was given a typo;
            // only a re-run may find its own earlier deletion.
            rerun: ctx
                .github_run_attempt
                .as_deref()
                .and_then(|attempt| attempt.trim().parse::<u32>().ok())
                .is_some_and(|attempt| attempt > 1),
        },
        Mode::Copy => Action::Copy(copy_plan(raw)?),
        Mode::Backtrack => Action::Backtrack(backtrack_plan(raw, now)?),
        Mode::Wait => Action::Wait(wait_plan(raw, run_id)?),
    };
    let in_place = match &action {
        Action::Restore(plan) => plan.in_place.is_some(),
        Action::Pitr(plan) => plan.in_place.is_some(),
        _ => false,
    };
    if in_place && !wait.enabled {
        return Err(bad(
            "wait",
            "must be `true` with `in-place: true`: the swap renames the DBs only once the restored one is available, and it cannot be left half done; remove `wait: false`",
        ));
    }
    let unused = raw.unused(mode);
    Ok(Plan {
        action,
        wait,
        region,
        unused,
        ignored,
    })
}

fn mode_list() -> String {
    Mode::ALL.map(Mode::name).join(", ")
}

/// How long a step waits when `wait-timeout` is not given.
fn default_timeout(mode: Mode) -> Duration {
    match mode {
        Mode::Restore | Mode::Pitr => Duration::from_secs(120 * 60),
        Mode::Copy => Duration::from_secs(180 * 60),
        _ => Duration::from_secs(60 * 60),
    }
}

/// One snapshot plan per DB named: with several, each gets its own derived
/// ID, so `snapshot-identifier` (one ID) is refused.
fn snapshot_plans(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<SnapshotPlan>, InputError> {
    let dbs = sources(raw, "the DB instance to snapshot")?;
    if dbs.len() > 1
        && let Some(id) = raw.get("snapshot-identifier")
    {
        return Err(bad(
            "snapshot-identifier",
            format!(
                "`{id}` names one snapshot, but {} DBs are given; leave it empty, and each DB's snapshot ID is derived from its name, the version and the run",
                dbs.len()
            ),
        ));
    }
    dbs.into_iter()
        .map(|db| snapshot_plan(raw, ctx, run_id.clone(), now, db))
        .collect()
}

fn snapshot_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
    db: DbRef,
) -> Result<SnapshotPlan, InputError> {
    let given_version = raw.get("deploy-version");
    let deploy_version = deploy_version(raw)?;
    let stamp = match &run_id {
        Some(id) => RunStamp::RunId(id.clone()),
        None => RunStamp::Time(now),
    };
    let snapshot_id = match raw.get("snapshot-identifier") {
        Some("latest") => {
            return Err(bad(
                "snapshot-identifier",
                "cannot be `latest` in mode `snapshot`; leave it empty to derive an ID from the deploy, or give a new snapshot ID",
            ));
        }
        Some(id) => snapshot_id(id, db.kind)?,
        None => naming::snapshot_id(&db.id, given_version, &stamp, db.kind.max_snapshot_id())
            .map_err(|rule| {
                bad(
                    db.kind.input(),
                    format!("must {rule} to name a snapshot after; got `{}`", db.id),
                )
            })?,
    };
    let mut tags = user_tags(raw)?;
    tags.extend(own_tags(Some(&db.id), ctx, run_id.as_deref()));
    tags.push(tag(naming::tag::SNAPSHOT_ID, &snapshot_id));
    if let Some(version) = &deploy_version {
        tags.push(tag(naming::tag::DEPLOY_VERSION, version));
    }
    Ok(SnapshotPlan {
        db,
        snapshot_id,
        deploy_version_given: given_version
            .filter(|given| Some(*given) != deploy_version.as_deref())
            .map(str::to_owned),
        deploy_version,
        prune_keep_last: count(raw, "prune-keep-last")?,
        tags,
        derived_from: (!raw.is_given("snapshot-identifier"))
            .then(|| (given_version.map(str::to_owned), stamp)),
    })
}

fn restore_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    ignored: &mut Vec<String>,
) -> Result<RestorePlan, InputError> {
    if raw.is_given("restore-time") {
        return Err(bad(
            "restore-time",
            "is only read by mode `pitr`; remove it, or set `mode: pitr` to restore to a point in time",
        ));
    }
    if let Some(kind) = raw.get("restore-type") {
        return Err(bad(
            "restore-type",
            format!(
                "`{kind}` is only read by mode `pitr` (an Aurora clone is made from the running cluster, not from a snapshot); remove it, or set `mode: pitr` with `restore-time: latest`"
            ),
        ));
    }
    let (choice, source_db) = snapshot_choice(raw, Mode::Restore)?;
    if matches!(choice, SnapshotChoice::Arn(_)) {
        return Err(bad(
            "snapshot-identifier",
            "must be a snapshot ID in this region for mode `restore`; to use a snapshot shared from another account or region, copy it here first with `mode: copy`",
        ));
    }
    let in_place = in_place(raw, source_db.as_ref(), run_id.as_deref())?;
    let mut target = target(raw, run_id.clone(), in_place.as_ref(), ignored)?;
    check_kinds(source_db.as_ref(), &target)?;
    if let Some(db) = &source_db
        && db.id == target.id
        && db.kind == target.kind
    {
        return Err(same_as_source(db));
    }
    // The source-db tag is added once the snapshot, and so its DB, is known.
    target.tags.extend(own_tags(None, ctx, run_id.as_deref()));
    Ok(RestorePlan {
        source_db,
        choice,
        target,
        in_place,
    })
}

/// Which snapshot a restore or copy uses, and the source DB that `latest`
/// and `deploy-version` choose among.
fn snapshot_choice(
    raw: &RawInputs,
    mode: Mode,
) -> Result<(SnapshotChoice, Option<DbRef>), InputError> {
    let version = deploy_version(raw)?;
    let choice = match (raw.get("snapshot-identifier"), version) {
        (Some(id), Some(version)) => {
            return Err(bad(
                "snapshot-identifier",
                format!(
                    "`{id}` conflicts with input `deploy-version` `{version}`: both choose the snapshot; give only one"
                ),
            ));
        }
        (Some("latest"), None) => SnapshotChoice::Latest,
        (Some(arn), None) if arn.starts_with("arn:") => SnapshotChoice::Arn(snapshot_arn(arn)?),
        (Some(id), None) => SnapshotChoice::Id(snapshot_ref(id)?),
        (None, Some(version)) => SnapshotChoice::DeployVersion(version),
        (None, None) => {
            return Err(bad(
                "snapshot-identifier",
                format!(
                    "is required in mode `{mode}`: give a snapshot ID, or `latest`, or set `deploy-version` instead"
                ),
            ));
        }
    };
    let source_db = match &choice {
        SnapshotChoice::Id(_) | SnapshotChoice::Arn(_) => optional_source(raw)?,
        _ => Some(source(
            raw,
            "the DB instance whose snapshots to choose from",
        )?),
    };
    Ok((choice, source_db))
}

fn prune_plan(raw: &RawInputs) -> Result<PrunePlan, InputError> {
    let dbs = sources(raw, "the DB instance whose snapshots to prune")?;
    let older_than = match raw.get("older-than") {
        None => None,
        Some(value) => Some(duration(value).map_err(|problem| {
            bad(
                "older-than",
                format!("{problem}; got `{value}`, for example `30d`"),
            )
        })?),
    };
    let retention = Retention {
        keep_last: count(raw, "keep-last")?,
        older_than,
    };
    let replaced_older_than = match raw.get("replaced-older-than") {
        None => None,
        Some(value) => Some(duration(value).map_err(|problem| {
            bad(
                "replaced-older-than",
                format!("{problem}; got `{value}`, for example `7d`"),
            )
        })?),
    };
    let retention =
        (retention.keep_last.is_some() || retention.older_than.is_some()).then_some(retention);
    if retention.is_none() && replaced_older_than.is_none() {
        return Err(bad(
            "keep-last",
            "or input `older-than` is required in mode `prune`: say which snapshots to keep, for example `keep-last: 10` or `older-than: 30d` (or `replaced-older-than: 7d` to remove the DBs an in-place rollback replaced)",
        ));
    }
    Ok(PrunePlan {
        dbs,
        retention,
        replaced_older_than,
        dry_run: boolean(raw, "dry-run")?.unwrap_or(false),
    })
}

fn copy_plan(raw: &RawInputs) -> Result<CopyPlan, InputError> {
    let (choice, source_db) = snapshot_choice(raw, Mode::Copy)?;
    let target_region = raw.get("target-region").map(str::to_owned);
    if let Some(region) = &target_region
        && !is_region(region)
    {
        return Err(bad(
            "target-region",
            format!("must be an AWS region such as `us-west-2`; got `{region}`"),
        ));
    }
    let target_id = match raw.get("target-snapshot-identifier") {
        None => None,
        Some(id) => Some(
            naming::check_identifier(id, MAX_SNAPSHOT_ID)
                .map(|()| id.to_ascii_lowercase())
                .map_err(|rule| {
                    bad(
                        "target-snapshot-identifier",
                        format!("must {rule} to be a DB snapshot identifier; got `{id}`"),
                    )
                })?,
        ),
    };
    let share_with = raw
        .get("share-with-account-ids")
        .map(list)
        .unwrap_or_default();
    for account in &share_with {
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(
                "share-with-account-ids",
                format!("must list 12-digit AWS account IDs; got `{account}`"),
            ));
        }
    }
    let kms_key_id = raw.get("kms-key-id").map(str::to_owned);
    if target_region.is_none()
        && target_id.is_none()
        && kms_key_id.is_none()
        && share_with.is_empty()
        && !matches!(choice, SnapshotChoice::Arn(_))
    {
        return Err(bad(
            "target-region",
            "is required in mode `copy` unless `share-with-account-ids`, `kms-key-id` or `target-snapshot-identifier` says what the copy is for; set `target-region: us-west-2` (your disaster-recovery region)",
        ));
    }
    Ok(CopyPlan {
        source_db,
        choice,
        target_region,
        target_id,
        kms_key_id,
        share_with,
        tags: user_tags(raw)?,
    })
}

/// A whole number of at least 1, such as `keep-last`.
fn count(raw: &RawInputs, input: &'static str) -> Result<Option<u32>, InputError> {
    let Some(value) = raw.get(input) else {
        return Ok(None);
    };
    match value.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(bad(
            input,
            format!("must be a whole number of at least 1; got `{value}`"),
        )),
    }
}

fn snapshot_arn(arn: &str) -> Result<String, InputError> {
    // arn:<partition>:rds:<region>:<account>:snapshot:<id>
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let valid = parts.len() == 7
        && parts[2] == "rds"
        && is_region(parts[3])
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && match parts[5] {
            "snapshot" => naming::check_identifier(parts[6], MAX_SNAPSHOT_ID).is_ok(),
            "cluster-snapshot" => {
                naming::check_identifier(parts[6], naming::MAX_CLUSTER_SNAPSHOT_ID).is_ok()
            }
            _ => false,
        };
    if !valid {
        return Err(bad(
            "snapshot-identifier",
            format!(
                "must be a snapshot ID or a DB snapshot ARN such as `arn:aws:rds:us-east-1:123456789012:snapshot:prod-v1` (`:cluster-snapshot:` for an Aurora cluster snapshot); got `{arn}`"
            ),
        ));
    }
    Ok(arn.to_owned())
}

fn pitr_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
    ignored: &mut Vec<String>,
) -> Result<PitrPlan, InputError> {
    if let Some(id) = raw.get("snapshot-identifier") {
        return Err(bad(
            "snapshot-identifier",
            format!(
                "`{id}` is not read by mode `pitr`, which restores from the source's automated backups to `restore-time`; remove it, or use `mode: restore` to restore a snapshot"
            ),
        ));
    }
    if let Some(version) = raw.get("deploy-version") {
        return Err(bad(
            "deploy-version",
            format!(
                "`{version}` is not read by mode `pitr`; remove it, or use `mode: restore` to restore that version's snapshot"
            ),
        ));
    }
    let source_db = source(raw, "the DB instance to restore from")?;
    let time = match raw.get("restore-time") {
        None => {
            return Err(bad(
                "restore-time",
                "is required in mode `pitr`: give an RFC 3339 time such as `2026-11-20T14:29:59Z`, or `latest`",
            ));
        }
        Some("latest") => RestoreTime::Latest,
        Some(value) => RestoreTime::At(past_time(value, now, "or use `latest`")?),
    };
    let in_place = in_place(raw, Some(&source_db), run_id.as_deref())?;
    let mut target = target(raw, run_id.clone(), in_place.as_ref(), ignored)?;
    check_kinds(Some(&source_db), &target)?;
    if source_db.id == target.id && source_db.kind == target.kind {
        return Err(same_as_source(&source_db));
    }
    let clone = match raw.get("restore-type") {
        None | Some("full-copy") => false,
        // A clone is of the cluster as it is now: RestoreDBClusterToPointInTime
        // takes copy-on-write with UseLatestRestorableTime, not RestoreToTime
        // (API_RestoreDBClusterToPointInTime, RestoreType and RestoreToTime).
        Some("copy-on-write") if target.kind == Kind::Cluster && time != RestoreTime::Latest => {
            return Err(bad(
                "restore-time",
                format!(
                    "must be `latest` with `restore-type: copy-on-write`: an Aurora clone is a copy of the cluster as it is now; got `{time}`. For an earlier time, leave `restore-type` empty (a full restore to that time)"
                ),
            ));
        }
        Some("copy-on-write") if target.kind == Kind::Cluster => true,
        Some("copy-on-write") => {
            return Err(bad(
                "restore-type",
                "`copy-on-write` makes an Aurora clone, which needs an Aurora cluster: set `db-cluster-identifier` and `target-db-cluster-identifier`, or leave `restore-type` empty for a full restore of a DB instance",
            ));
        }
        Some(other) => {
            return Err(bad(
                "restore-type",
                format!(
                    "must be `full-copy` (the default) or `copy-on-write` (an Aurora clone); got `{other}`"
                ),
            ));
        }
    };
    target
        .tags
        .extend(own_tags(Some(&source_db.id), ctx, run_id.as_deref()));
    target
        .tags
        .push(tag(naming::tag::RESTORE_TIME, &time.to_string()));
    Ok(PitrPlan {
        source_db,
        time,
        clone,
        target,
        in_place,
    })
}

/// A time in the past, in RFC 3339, cut to whole seconds.
fn past_time(value: &str, now: DateTime<Utc>, or: &str) -> Result<DateTime<Utc>, InputError> {
    let time = DateTime::parse_from_rfc3339(value)
        .map_err(|_| {
            bad(
                "restore-time",
                format!(
                    "must be an RFC 3339 time with a zone, such as `2026-11-20T14:29:59Z`, {or}; got `{value}`"
                ),
            )
        })?
        .to_utc();
    // The restore and Backtrack calls take whole seconds (the SDK sends the
    // time without its fraction), so the time checked against the window
    // must be the one sent: drop the fraction here, once.
    let time = DateTime::from_timestamp(time.timestamp(), 0).unwrap_or(time);
    if time > now {
        return Err(bad(
            "restore-time",
            format!(
                "`{value}` is in the future (it is now {}); pick a past time {or}",
                rfc3339(now)
            ),
        ));
    }
    Ok(time)
}

fn backtrack_plan(raw: &RawInputs, now: DateTime<Utc>) -> Result<BacktrackPlan, InputError> {
    let db = optional_source(raw)?.ok_or_else(|| {
        bad(
            "db-cluster-identifier",
            "is required in mode `backtrack`: give the Aurora MySQL cluster to rewind",
        )
    })?;
    let to = match (raw.get("restore-time"), deploy_version(raw)?) {
        (Some(time), Some(version)) => {
            return Err(bad(
                "restore-time",
                format!(
                    "`{time}` conflicts with input `deploy-version` `{version}`: both say where to rewind to; give only one"
                ),
            ));
        }
        (Some("latest"), None) => {
            return Err(bad(
                "restore-time",
                "cannot be `latest` in mode `backtrack`, which rewinds to an earlier time: give an RFC 3339 time such as `2026-11-20T14:29:59Z`, or set `deploy-version` to rewind to just before that deploy's snapshot",
            ));
        }
        (Some(time), None) => {
            BacktrackTo::Time(past_time(time, now, "or set `deploy-version` instead")?)
        }
        (None, Some(version)) => BacktrackTo::DeployVersion(version),
        (None, None) => {
            return Err(bad(
                "restore-time",
                "is required in mode `backtrack`: give the RFC 3339 time to rewind to, such as `2026-11-20T14:29:59Z`, or set `deploy-version` to rewind to when that deploy's snapshot was taken",
            ));
        }
    };
    Ok(BacktrackPlan {
        db,
        to,
        force: boolean(raw, "force")?.unwrap_or(false),
    })
}

fn same_as_source(db: &DbRef) -> InputError {
    bad(
        db.kind.target_input(),
        format!(
            "`{0}` is the source {1}; a restore creates a new one, so give it a new name such as `{0}-rollback`",
            db.id,
            db.kind.noun()
        ),
    )
}

/// A cluster's snapshot or point in time restores to a cluster; an
/// instance's to an instance. (A DB instance named as the source may be an
/// Aurora cluster member: that is resolved once RDS is asked.)
fn check_kinds(source: Option<&DbRef>, target: &Target) -> Result<(), InputError> {
    if let Some(source) = source
        && source.kind == Kind::Cluster
        && target.kind == Kind::Instance
    {
        return Err(bad(
            "target-db-instance-identifier",
            format!(
                "names a new DB instance, but the source `{}` is an Aurora DB cluster, which restores to a new cluster; set `target-db-cluster-identifier` instead (its instances are created for you)",
                source.id
            ),
        ));
    }
    Ok(())
}

/// `in-place: true`: the DB to replace (the source input) and the run,
/// which a re-run needs to find the swap it started.
fn in_place(
    raw: &RawInputs,
    source: Option<&DbRef>,
    run_id: Option<&str>,
) -> Result<Option<InPlace>, InputError> {
    if boolean(raw, "in-place")? != Some(true) {
        return Ok(None);
    }
    let Some(db) = source else {
        return Err(bad(
            "db-instance-identifier",
            "is required with `in-place: true`: give the DB the application uses, whose name the restored copy takes (or `db-cluster-identifier` for an Aurora cluster)",
        ));
    };
    let Some(run) = run_id else {
        return Err(bad(
            "run-id",
            "is required with `in-place: true`, so that a re-run finds the swap this run started and finishes or undoes it; GitHub Actions sets `GITHUB_RUN_ID`, elsewhere pass your CI's build ID as `--run-id`",
        ));
    };
    Ok(Some(InPlace {
        db: db.clone(),
        run: run.to_owned(),
    }))
}

fn target(
    raw: &RawInputs,
    run_id: Option<String>,
    in_place: Option<&InPlace>,
    ignored: &mut Vec<String>,
) -> Result<Target, InputError> {
    let instance = optional_db_id(raw, "target-db-instance-identifier", Kind::Instance)?;
    let cluster = optional_db_id(raw, "target-db-cluster-identifier", Kind::Cluster)?;
    let (kind, id) = match (instance, cluster) {
        (Some(instance), Some(cluster)) => {
            return Err(bad(
                "target-db-cluster-identifier",
                format!(
                    "`{cluster}` and input `target-db-instance-identifier` `{instance}` both name the new DB; give only one (`target-db-cluster-identifier` to restore an Aurora cluster)"
                ),
            ));
        }
        (Some(id), None) => (Kind::Instance, id),
        (None, Some(id)) => (Kind::Cluster, id),
        (None, None) if in_place.is_some() => {
            let swap = in_place.expect("checked");
            (swap.db.kind, naming::temporary_id(&swap.db.id, &swap.run))
        }
        (None, None) => {
            return Err(bad(
                "target-db-instance-identifier",
                "is required: give the name of the DB instance to create (or set `target-db-cluster-identifier` to restore an Aurora cluster)",
            ));
        }
    };
    let readers = match raw.get("reader-count") {
        None => None,
        Some(_) if kind == Kind::Instance => {
            return Err(bad(
                "reader-count",
                "is for Aurora cluster restores (`target-db-cluster-identifier`); remove it, since a DB instance has no readers",
            ));
        }
        Some(value) => Some(value.parse::<u32>().ok().filter(|n| *n <= 15).ok_or_else(|| {
            bad(
                "reader-count",
                format!(
                    "must be a whole number from 0 (writer only) to 15 (Aurora's limit of readers); got `{value}`"
                ),
            )
        })?),
    };
    let not_for = |input: &'static str, why: &str| {
        raw.is_given(input)
            .then(|| format!("input `{input}` has no effect on {why}"))
    };
    ignored.extend(match kind {
        Kind::Cluster => [
            not_for(
                "option-group-name",
                "an Aurora cluster: Aurora has no option groups; the cluster's settings are in `db-cluster-parameter-group-name`",
            ),
            not_for(
                "multi-az",
                "an Aurora cluster: its availability comes from its readers (`reader-count`)",
            ),
        ],
        Kind::Instance => [
            not_for(
                "db-cluster-parameter-group-name",
                "a DB instance; it is for Aurora cluster restores (`target-db-cluster-identifier`)",
            ),
            None,
        ],
    }
    .into_iter()
    .flatten());
    let security_groups = raw
        .get("vpc-security-group-ids")
        .map(list)
        .unwrap_or_default();
    for group in &security_groups {
        if !group.starts_with("sg-") || !group[3..].chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(
                "vpc-security-group-ids",
                format!(
                    "must list security group IDs such as `sg-0123456789abcdef0`; got `{group}`"
                ),
            ));
        }
    }
    let class = raw.get("db-instance-class").map(str::to_owned);
    if let Some(class) = &class
        && !class.starts_with("db.")
    {
        return Err(bad(
            "db-instance-class",
            format!("must be an RDS instance class such as `db.t3.micro`; got `{class}`"),
        ));
    }
    let mut inputs = Settings::new();
    let text = |input| raw.get(input).map(|value| Value::Text(value.to_owned()));
    let given = [
        (settings::DB_INSTANCE_CLASS, class.map(Value::Text)),
        (settings::DB_SUBNET_GROUP, text("db-subnet-group-name")),
        (
            settings::VPC_SECURITY_GROUPS,
            (!security_groups.is_empty()).then(|| Value::list(security_groups)),
        ),
        (
            settings::MULTI_AZ,
            boolean(raw, "multi-az")?.map(Value::Flag),
        ),
        // On unless the step says otherwise: a rollback DB is production.
        (
            settings::DELETION_PROTECTION,
            Some(Value::Flag(
                boolean(raw, "deletion-protection")?.unwrap_or(true),
            )),
        ),
        (
            settings::DB_PARAMETER_GROUP,
            text("db-parameter-group-name"),
        ),
        (settings::OPTION_GROUP, text("option-group-name")),
        (
            settings::DB_CLUSTER_PARAMETER_GROUP,
            text("db-cluster-parameter-group-name"),
        ),
    ];
    for (name, value) in given {
        if let Some(value) = value {
            inputs.insert(name, value);
        }
    }
    Ok(Target {
        kind,
        id,
        readers,
        inputs,
        carry: boolean(raw, "carry-settings")?.unwrap_or(true),
        tags: user_tags(raw)?,
        run_id,
    })
}

/// This action's own tags for what it creates from `db`.
fn own_tags(db: Option<&str>, ctx: &RunContext, run_id: Option<&str>) -> Vec<Tag> {
    let mut tags = vec![tag(naming::tag::MANAGED_BY, naming::tag::MANAGED_BY_VALUE)];
    let context = [
        (naming::tag::SOURCE_DB, db),
        (naming::tag::REPOSITORY, ctx.github_repository.as_deref()),
        (naming::tag::COMMIT, ctx.github_sha.as_deref()),
        (naming::tag::RUN_ID, run_id),
    ];
    for (key, value) in context {
        if let Some(value) = value.map(str::trim).filter(|value| !value.is_empty())
            && naming::check_tag_value(value).is_ok()
        {
            tags.push(tag(key, value));
        }
    }
    tags
}

/// The source DB: `db-instance-identifier` or `db-cluster-identifier`.
fn source(raw: &RawInputs, what: &str) -> Result<DbRef, InputError> {
    optional_source(raw)?.ok_or_else(|| {
        bad(
            "db-instance-identifier",
            format!(
                "is required: give {what} (or set `db-cluster-identifier` for an Aurora cluster)"
            ),
        )
    })
}

/// The DBs named for a mode that takes several (`snapshot`, `list`,
/// `prune`, `wait`): `db-instance-identifier` and `db-cluster-identifier`,
/// each one ID or several separated by commas or newlines, in the order
/// given, each once.
fn sources(raw: &RawInputs, what: &str) -> Result<Vec<DbRef>, InputError> {
    let dbs = optional_sources(raw)?;
    if dbs.is_empty() {
        return Err(bad(
            "db-instance-identifier",
            format!(
                "is required: give {what} (or set `db-cluster-identifier` for an Aurora cluster)"
            ),
        ));
    }
    Ok(dbs)
}

fn optional_sources(raw: &RawInputs) -> Result<Vec<DbRef>, InputError> {
    let mut dbs: Vec<DbRef> = Vec::new();
    for (input, kind) in [
        ("db-instance-identifier", Kind::Instance),
        ("db-cluster-identifier", Kind::Cluster),
    ] {
        for id in raw.get(input).map(list).unwrap_or_default() {
            let id = db_id(input, &id, kind)?;
            let db = DbRef { kind, id };
            if !dbs.contains(&db) {
                dbs.push(db);
            }
        }
    }
    Ok(dbs)
}

/// The source DB if one is named; naming both kinds, or several DBs, is
/// refused: the mode works on one.
fn optional_source(raw: &RawInputs) -> Result<Option<DbRef>, InputError> {
    for input in ["db-instance-identifier", "db-cluster-identifier"] {
        if let Some(value) = raw.get(input)
            && list(value).len() > 1
        {
            return Err(bad(
                input,
                format!(
                    "names {} DBs (`{}`), but this mode works on one; give one ID (`snapshot`, `list`, `prune` and `wait` take several)",
                    list(value).len(),
                    list(value).join("`, `")
                ),
            ));
        }
    }
    let instance = optional_db_id(raw, "db-instance-identifier", Kind::Instance)?;
    let cluster = optional_db_id(raw, "db-cluster-identifier", Kind::Cluster)?;
    match (instance, cluster) {
        (Some(instance), Some(cluster)) => Err(bad(
            "db-cluster-identifier",
            format!(
                "`{cluster}` and input `db-instance-identifier` `{instance}` both name the source; give only one (`db-cluster-identifier` for an Aurora cluster, `db-instance-identifier` for an RDS instance)"
            ),
        )),
        (Some(id), None) => Ok(Some(DbRef::instance(id))),
        (None, Some(id)) => Ok(Some(DbRef::cluster(id))),
        (None, None) => Ok(None),
    }
}

fn optional_db_id(
    raw: &RawInputs,
    input: &'static str,
    kind: Kind,
) -> Result<Option<String>, InputError> {
    raw.get(input).map(|id| db_id(input, id, kind)).transpose()
}

fn db_id(input: &'static str, id: &str, kind: Kind) -> Result<String, InputError> {
    naming::check_identifier(id, MAX_INSTANCE_ID).map_err(|rule| {
        bad(
            input,
            format!("must {rule} to be a {} identifier; got `{id}`", kind.noun()),
        )
    })?;
    // RDS stores instance and cluster identifiers in lower case.
    Ok(id.to_ascii_lowercase())
}

/// `mode: wait`: the snapshots by ID (several allowed), or this run's.
fn wait_plan(raw: &RawInputs, run_id: Option<String>) -> Result<WaitPlan, InputError> {
    let snapshot_ids = raw
        .get("snapshot-identifier")
        .map(list)
        .unwrap_or_default()
        .iter()
        .map(|id| snapshot_ref(id))
        .collect::<Result<Vec<_>, _>>()?;
    if snapshot_ids.is_empty() && run_id.is_none() {
        return Err(bad(
            "snapshot-identifier",
            "is required in mode `wait` outside GitHub Actions without `run-id`: give the snapshot IDs to wait for, or the `run-id` of the `snapshot` step that started them",
        ));
    }
    if raw.get("wait") == Some("false") {
        return Err(bad(
            "wait",
            "cannot be `false` in mode `wait`, whose whole job is to wait; remove it",
        ));
    }
    Ok(WaitPlan {
        snapshot_ids,
        dbs: optional_sources(raw)?,
        run_id,
    })
}

fn snapshot_id(id: &str, kind: Kind) -> Result<String, InputError> {
    naming::check_identifier(id, kind.max_snapshot_id()).map_err(|rule| {
        bad(
            "snapshot-identifier",
            format!(
                "must {rule} to be a {} identifier; got `{id}`",
                kind.snapshot_noun()
            ),
        )
    })?;
    Ok(id.to_ascii_lowercase())
}

/// A snapshot to read from (restore, copy, delete): a manual snapshot's ID,
/// or an automated one's (`rds:...`).
fn snapshot_ref(id: &str) -> Result<String, InputError> {
    naming::check_snapshot_id(id).map_err(|rule| {
        bad(
            "snapshot-identifier",
            format!(
                "must {rule} to be a DB snapshot identifier (or `rds:` and one, for an automated snapshot); got `{id}`"
            ),
        )
    })?;
    Ok(id.to_ascii_lowercase())
}

/// The deploy version as its tag stores it: cleaned to what RDS accepts in
/// a tag value (a branch name such as `feature/JIRA-12#fix (hotfix)!` has
/// characters it refuses), so snapshot and restore agree on it.
fn deploy_version(raw: &RawInputs) -> Result<Option<String>, InputError> {
    let Some(version) = raw.get("deploy-version") else {
        return Ok(None);
    };
    if naming::sanitise(version).is_empty() {
        return Err(bad(
            "deploy-version",
            format!(
                "must contain a letter or digit to name a snapshot after, such as `v2.4.1`; got `{version}`"
            ),
        ));
    }
    Ok(Some(naming::clean_tag_value(version)))
}

fn user_tags(raw: &RawInputs) -> Result<Vec<Tag>, InputError> {
    let Some(text) = raw.get("tags") else {
        return Ok(Vec::new());
    };
    let mut tags: Vec<Tag> = Vec::new();
    for pair in list(text) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(bad(
                "tags",
                format!(
                    "must be `key=value` pairs separated by commas or newlines; `{pair}` has no `=`"
                ),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        naming::check_tag_key(key)
            .map_err(|rule| bad("tags", format!("key `{key}` must {rule}")))?;
        naming::check_tag_value(value)
            .map_err(|rule| bad("tags", format!("value `{value}` of `{key}` must {rule}")))?;
        if tags.iter().any(|tag| tag.key == key) {
            return Err(bad("tags", format!("sets key `{key}` twice; keep one")));
        }
        tags.push(tag(key, value));
    }
    Ok(tags)
}

/// Splits a list input on commas and newlines, dropping empty items.
fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads a boolean input: only `true` and `false`, as the runner's own
/// inputs are spelled. `None` when not given and without a default.
fn boolean(raw: &RawInputs, input: &'static str) -> Result<Option<bool>, InputError> {
    match raw.get(input) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(value) => Err(bad(
            input,
            format!("must be `true` or `false`; got `{value}`"),
        )),
    }
}

/// Parses `45s`, `30m`, `2h`, `7d`, or a bare number of minutes.
pub fn duration(text: &str) -> Result<Duration, &'static str> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "m"),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| "must be a whole number with a unit `s`, `m`, `h` or `d`")?;
    let seconds = match unit.trim() {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        _ => return Err("must be a whole number with a unit `s`, `m`, `h` or `d`"),
    };
    if seconds == 0 {
        return Err("must be longer than zero");
    }
    Ok(Duration::from_secs(seconds))
}

fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|last| last.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn ctx() -> RunContext {
        RunContext {
            github_actions: Some("true".into()),
            github_run_id: Some("777".into()),
            github_repository: Some("acme/shop".into()),
            github_sha: Some("abc123".into()),
            ..RunContext::default()
        }
    }

    fn err(raw: RawInputs) -> InputError {
        plan(&raw, &ctx(), now()).unwrap_err()
    }

    fn snapshot() -> RawInputs {
        RawInputs::default()
            .with("mode", "snapshot")
            .with("db-instance-identifier", "prod")
    }

    #[test]
    fn snapshot_id_comes_from_db_version_and_run() {
        let plan = plan(&snapshot().with("deploy-version", "v2.4.1"), &ctx(), now()).unwrap();
        let Action::Snapshot(mut snaps) = plan.action else {
            panic!("not a snapshot plan")
        };
        let snap = snaps.remove(0);
        assert_eq!(snap.snapshot_id, "prod-v2-4-1-r777");
        assert!(
            snap.tags
                .contains(&tag(naming::tag::DEPLOY_VERSION, "v2.4.1"))
        );
        assert!(
            snap.tags
                .contains(&tag(naming::tag::MANAGED_BY, "rds-snapshot-action"))
        );
        assert!(snap.tags.contains(&tag(naming::tag::RUN_ID, "777")));
        assert_eq!(plan.wait.timeout, Duration::from_secs(3600));
    }

    #[test]
    fn unknown_mode_lists_the_valid_ones() {
        let error = err(RawInputs::default().with("mode", "snapshop"));
        assert_eq!(
            error.to_string(),
            "input `mode` must be one of snapshot, restore, pitr, list, prune, delete, copy, backtrack, wait; got `snapshop`"
        );
    }

    #[test]
    fn booleans_are_strict() {
        let error = err(snapshot().with("wait", "yes"));
        assert_eq!(error.input, "wait");
        assert!(error.to_string().contains("`true` or `false`; got `yes`"));
    }

    #[test]
    fn restore_choices() {
        let restore = || {
            RawInputs::default()
                .with("mode", "restore")
                .with("target-db-instance-identifier", "prod-rollback")
        };
        let choice = |raw: RawInputs| match plan(&raw, &ctx(), now()).unwrap().action {
            Action::Restore(restore) => restore.choice,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            choice(restore().with("snapshot-identifier", "Snap-1")),
            SnapshotChoice::Id("snap-1".into())
        );
        assert_eq!(
            choice(
                restore()
                    .with("snapshot-identifier", "latest")
                    .with("db-instance-identifier", "prod")
            ),
            SnapshotChoice::Latest
        );
        assert_eq!(
            choice(
                restore()
                    .with("deploy-version", "v1")
                    .with("db-instance-identifier", "prod")
            ),
            SnapshotChoice::DeployVersion("v1".into())
        );
        assert_eq!(
            err(restore().with("snapshot-identifier", "latest")).input,
            "db-instance-identifier"
        );
        assert_eq!(
            err(restore()
                .with("snapshot-identifier", "latest")
                .with("deploy-version", "v1")
                .with("db-instance-identifier", "prod"))
            .input,
            "snapshot-identifier"
        );
    }

    #[test]
    fn pitr_times() {
        let pitr = |time: &str| {
            RawInputs::default()
                .with("mode", "pitr")
                .with("db-instance-identifier", "prod")
                .with("target-db-instance-identifier", "prod-pitr")
                .with("restore-time", time)
        };
        let time = |raw: RawInputs| match plan(&raw, &ctx(), now()).unwrap().action {
            Action::Pitr(pitr) => pitr.time,
            other => panic!("{other:?}"),
        };
        assert_eq!(time(pitr("latest")), RestoreTime::Latest);
        assert_eq!(
            time(pitr("2026-11-22T13:00:00+02:00")),
            RestoreTime::At(
                DateTime::parse_from_rfc3339("2026-11-22T11:00:00Z")
                    .unwrap()
                    .to_utc()
            )
        );
        // The fraction is dropped once, here: the time validated against
        // the window is the time sent.
        assert_eq!(
            time(pitr("2026-11-22T10:59:59.999Z")),
            RestoreTime::At(
                DateTime::parse_from_rfc3339("2026-11-22T10:59:59Z")
                    .unwrap()
                    .to_utc()
            )
        );
        assert!(err(pitr("yesterday")).to_string().contains("RFC 3339"));
        assert!(
            err(pitr("2026-11-22T12:00:01Z"))
                .to_string()
                .contains("in the future")
        );
        assert_eq!(
            err(pitr("latest").with("snapshot-identifier", "latest")).input,
            "snapshot-identifier"
        );
    }

    #[test]
    fn branch_names_are_stored_cleaned_and_shown_as_given() {
        let plan = plan(
            &snapshot().with("deploy-version", "feature/JIRA-12#fix (hotfix)!"),
            &ctx(),
            now(),
        )
        .unwrap();
        let Action::Snapshot(mut snaps) = plan.action else {
            panic!()
        };
        let snap = snaps.remove(0);
        assert_eq!(snap.snapshot_id, "prod-feature-jira-12-fix-hotfix-r777");
        assert!(snap.tags.contains(&tag(
            naming::tag::DEPLOY_VERSION,
            "feature/JIRA-12-fix -hotfix"
        )));
        assert_eq!(
            snap.deploy_version_given.as_deref(),
            Some("feature/JIRA-12#fix (hotfix)!")
        );
        // restore by that version looks for the same cleaned tag value.
        let restore = plan_of(
            RawInputs::default()
                .with("mode", "restore")
                .with("db-instance-identifier", "prod")
                .with("target-db-instance-identifier", "prod-rb")
                .with("deploy-version", "feature/JIRA-12#fix (hotfix)!"),
        );
        let Action::Restore(restore) = restore.action else {
            panic!()
        };
        assert_eq!(
            restore.choice,
            SnapshotChoice::DeployVersion("feature/JIRA-12-fix -hotfix".into())
        );
    }

    fn plan_of(raw: RawInputs) -> Plan {
        plan(&raw, &ctx(), now()).unwrap()
    }

    #[test]
    fn automated_snapshots_are_restorable_and_copyable_never_deletable() {
        let restore = plan_of(
            RawInputs::default()
                .with("mode", "restore")
                .with("snapshot-identifier", "rds:prod-db-2026-11-23-08-50")
                .with("target-db-instance-identifier", "prod-rb"),
        );
        let Action::Restore(restore) = restore.action else {
            panic!()
        };
        assert_eq!(
            restore.choice,
            SnapshotChoice::Id("rds:prod-db-2026-11-23-08-50".into())
        );
        let copy = plan_of(
            RawInputs::default()
                .with("mode", "copy")
                .with("snapshot-identifier", "rds:prod-db-2026-11-23-08-50")
                .with("target-region", "us-west-2"),
        );
        assert!(matches!(copy.action, Action::Copy(_)));
        let error = err(RawInputs::default()
            .with("mode", "delete")
            .with("snapshot-identifier", "rds:prod-db-2026-11-23-08-50"));
        assert_eq!(error.input, "snapshot-identifier");
        assert!(error.problem.contains("automated"), "{error}");
        let error = err(snapshot().with("snapshot-identifier", "rds:prod-x"));
        assert_eq!(error.input, "snapshot-identifier");
    }

    #[test]
    fn a_long_run_id_is_capped_the_same_on_every_attempt() {
        let long = "x".repeat(300);
        let raw = snapshot().with("run-id", &long);
        let first = plan_of(raw.clone());
        assert_eq!(first, plan_of(raw));
        let Action::Snapshot(mut snaps) = first.action else {
            panic!()
        };
        let snap = snaps.remove(0);
        naming::check_identifier(&snap.snapshot_id, MAX_SNAPSHOT_ID).unwrap();
        let run_tag = snap
            .tags
            .iter()
            .find(|t| t.key == naming::tag::RUN_ID)
            .expect("the run-id tag is kept");
        assert!(run_tag.value.len() <= naming::MAX_RUN_LABEL);
    }

    #[test]
    fn durations() {
        assert_eq!(duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(duration("30"), Ok(Duration::from_secs(1800)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert!(duration("0m").is_err());
        assert!(duration("1.5h").is_err());
        assert!(duration("soon").is_err());
    }

    #[test]
    fn unused_inputs_are_reported() {
        let plan = plan(
            &snapshot().with("db-instance-class", "db.t3.micro"),
            &ctx(),
            now(),
        )
        .unwrap();
        assert_eq!(plan.unused, vec!["db-instance-class"]);
    }

    #[test]
    fn regions() {
        assert!(is_region("us-east-1"));
        assert!(is_region("ap-southeast-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-EAST-1"));
    }

    #[test]
    fn user_tags_parse_and_cannot_claim_ownership() {
        let plan = plan(
            &snapshot().with("tags", "team=db, env = prod\ncost=1"),
            &ctx(),
            now(),
        )
        .unwrap();
        let Action::Snapshot(mut snaps) = plan.action else {
            panic!()
        };
        let snap = snaps.remove(0);
        assert_eq!(
            &snap.tags[..3],
            &[tag("team", "db"), tag("env", "prod"), tag("cost", "1")]
        );
        let error =
            err(snapshot().with("tags", "rds-snapshot-action:managed-by=rds-snapshot-action"));
        assert_eq!(error.input, "tags");
    }

    #[test]
    fn several_dbs_get_a_snapshot_each_and_one_id_for_all_is_refused() {
        let raw = snapshot()
            .with("db-instance-identifier", "prod, billing\nprod")
            .with("db-cluster-identifier", "ledger")
            .with("deploy-version", "v7");
        let Action::Snapshot(snaps) = plan(&raw, &ctx(), now()).unwrap().action else {
            panic!("not a snapshot plan")
        };
        let ids: Vec<&str> = snaps.iter().map(|s| s.snapshot_id.as_str()).collect();
        assert_eq!(ids, ["prod-v7-r777", "billing-v7-r777", "ledger-v7-r777"]);
        assert_eq!(snaps[2].db, DbRef::cluster("ledger"));
        let error = plan(&raw.with("snapshot-identifier", "one"), &ctx(), now()).unwrap_err();
        assert_eq!(error.input, "snapshot-identifier");
        assert!(error.problem.contains("3 DBs"), "{error}");
    }

    #[test]
    fn a_mode_about_one_db_refuses_several() {
        let raw = RawInputs::default()
            .with("mode", "pitr")
            .with("db-instance-identifier", "prod,billing")
            .with("restore-time", "latest")
            .with("target-db-instance-identifier", "prod-rb");
        let error = plan(&raw, &ctx(), now()).unwrap_err();
        assert_eq!(error.input, "db-instance-identifier");
        assert!(error.problem.contains("names 2 DBs"), "{error}");
    }

    #[test]
    fn wait_needs_ids_or_a_run_and_cannot_be_told_not_to_wait() {
        let raw = RawInputs::default().with("mode", "wait");
        let Action::Wait(wait) = plan(&raw, &ctx(), now()).unwrap().action else {
            panic!("not a wait plan")
        };
        assert_eq!(wait.run_id.as_deref(), Some("777"));
        let error = plan(&raw, &RunContext::default(), now()).unwrap_err();
        assert_eq!(error.input, "snapshot-identifier");
        let error = plan(&raw.with("wait", "false"), &ctx(), now()).unwrap_err();
        assert_eq!(error.input, "wait");
    }
}
