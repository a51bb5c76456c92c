//! The typed, validated plan for one step, built from the raw inputs before
//! any AWS call. Every mistake a user can make in `with:` is caught here, so
//! a bad input never reaches a mutating call.
//!
//! [`plan`] reads what every mode shares (`mode`, `wait`, `wait-timeout`,
//! `aws-region`, `run-id`) and hands the rest to the mode's builder, which
//! sits beside its plan type: `snapshot`, `restore` (restore and pitr, and
//! the new DB they make), `prune`, `copy`, `backtrack`, `wait` and `delete`.
//! `choice` is which snapshot a restore or copy uses; `parse` holds the
//! parsers they share. Which modes read which input is declared once, in
//! [`crate::inputs::INPUTS`].

mod backtrack;
mod choice;
mod copy;
mod delete;
mod drill;
mod parse;
mod prune;
mod restore;
mod snapshot;
mod wait;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::github::RunContext;
use crate::inputs::RawInputs;
use crate::model::DbRef;
use crate::naming;

pub use self::backtrack::{BacktrackPlan, BacktrackTo};
pub use self::choice::SnapshotChoice;
pub use self::copy::CopyPlan;
pub use self::drill::{CaBundle, DrillPlan, DrillRestore, Login, Probe};
pub use self::parse::duration;
pub use self::prune::{PrunePlan, Retention};
pub use self::restore::{InPlace, PitrPlan, RestorePlan, Target};
pub use self::snapshot::SnapshotPlan;
pub use self::wait::WaitPlan;
pub use crate::model::{Method, Mode};

use self::backtrack::backtrack_plan;
use self::copy::copy_plan;
use self::delete::delete_action;
use self::drill::drill_plan;
use self::parse::{boolean, is_region, sources};
use self::prune::prune_plan;
use self::restore::{pitr_plan, restore_plan};
use self::snapshot::snapshot_plans;
use self::wait::wait_plan;

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
    /// Input `provenance-key`: the KMS HMAC key whose MAC on a resource
    /// proves this action made it (see [`crate::seal`]).
    pub provenance_key: Option<String>,
    /// Input `plan`: make every check and no change, and report the calls
    /// the step would make (see [`crate::rds::Planned`]).
    pub plan_only: bool,
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
            Action::Drill(_) => Mode::Drill,
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
    Drill(Box<DrillPlan>),
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
    let plan_only = boolean(raw, "plan")?.unwrap_or(false);
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
        Mode::Delete => delete_action(raw, ctx)?,
        Mode::Copy => Action::Copy(copy_plan(raw)?),
        Mode::Backtrack => Action::Backtrack(backtrack_plan(raw, now)?),
        Mode::Wait => Action::Wait(wait_plan(raw, run_id)?),
        Mode::Drill => Action::Drill(Box::new(drill_plan(raw, ctx, run_id, now, wait.timeout)?)),
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
    let provenance_key = match raw.get("provenance-key") {
        Some(key) if mode.reads().contains(&"provenance-key") => {
            Some(parse::kms_key("provenance-key", key)?)
        }
        _ => None,
    };
    Ok(Plan {
        action,
        wait,
        region,
        provenance_key,
        plan_only,
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
        Mode::Restore | Mode::Pitr | Mode::Drill => Duration::from_secs(120 * 60),
        Mode::Copy => Duration::from_secs(180 * 60),
        _ => Duration::from_secs(60 * 60),
    }
}

/// What the builders' tests share: a step's start, a GitHub run, and plans
/// built from inputs.
#[cfg(test)]
mod testing {
    use chrono::{DateTime, Utc};

    use super::{InputError, Plan, plan};
    use crate::github::RunContext;
    use crate::inputs::RawInputs;

    pub(super) fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    pub(super) fn ctx() -> RunContext {
        RunContext {
            github_actions: Some("true".into()),
            github_run_id: Some("777".into()),
            github_repository: Some("acme/shop".into()),
            github_sha: Some("abc123".into()),
            ..RunContext::default()
        }
    }

    pub(super) fn err(raw: RawInputs) -> InputError {
        plan(&raw, &ctx(), now()).unwrap_err()
    }

    pub(super) fn snapshot() -> RawInputs {
        RawInputs::default()
            .with("mode", "snapshot")
            .with("db-instance-identifier", "prod")
    }

    pub(super) fn plan_of(raw: RawInputs) -> Plan {
        plan(&raw, &ctx(), now()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{ctx, err, now, plan_of, snapshot};
    use super::*;

    #[test]
    fn unknown_mode_lists_the_valid_ones() {
        let error = err(RawInputs::default().with("mode", "snapshop"));
        assert_eq!(
            error.to_string(),
            "input `mode` must be one of snapshot, restore, pitr, list, prune, delete, copy, backtrack, wait, drill; got `snapshop`"
        );
    }

    #[test]
    fn booleans_are_strict() {
        let error = err(snapshot().with("wait", "yes"));
        assert_eq!(error.input, "wait");
        assert!(error.to_string().contains("`true` or `false`; got `yes`"));
    }

    // Regression: `dry-run: ${{ inputs.dry-run }}` on a scheduled run passes
    // '', which read as the default `false`, and the step deleted for real.
    #[test]
    fn a_blank_boolean_with_a_default_is_refused() {
        let prune = || {
            RawInputs::default()
                .with("mode", "prune")
                .with("db-instance-identifier", "prod")
                .with("keep-last", "3")
        };
        for blank in ["", "  "] {
            let error = err(prune().with("dry-run", blank));
            assert_eq!(error.input, "dry-run");
            assert!(error.to_string().contains("is empty"), "{error}");
        }
        let error = err(snapshot().with("wait", ""));
        assert_eq!(error.input, "wait");
        // Left out, the default applies.
        plan_of(prune());
    }

    // An empty `plan` (an expression that evaluated to nothing) must not
    // mean "go ahead for real".
    #[test]
    fn plan_takes_true_or_false_and_refuses_an_empty_value() {
        assert!(plan_of(snapshot().with("plan", "true")).plan_only);
        assert!(!plan_of(snapshot().with("plan", "false")).plan_only);
        assert!(!plan_of(snapshot()).plan_only);
        for blank in ["", " "] {
            let error = err(snapshot().with("plan", blank));
            assert_eq!(error.input, "plan");
            assert!(error.to_string().contains("is empty"), "{error}");
        }
        let error = err(snapshot().with("plan", "maybe"));
        assert_eq!(
            error.to_string(),
            "input `plan` must be `true` or `false`; got `maybe`"
        );
    }

    #[test]
    fn every_mode_takes_plan_true_in_place_or_not() {
        for mode in Mode::ALL {
            let raw = RawInputs::default()
                .with("mode", mode.name())
                .with("plan", "true");
            if let Err(error) = plan(&raw, &ctx(), now()) {
                assert_ne!(error.input, "plan", "{}: {error}", mode.name());
            }
        }
        let in_place = || {
            RawInputs::default()
                .with("mode", "restore")
                .with("db-instance-identifier", "shop")
                .with("snapshot-identifier", "latest")
                .with("in-place", "true")
        };
        assert!(plan_of(in_place().with("plan", "true")).plan_only);
        assert!(!plan_of(in_place().with("plan", "false")).plan_only);
    }

    // Regression: a bare number meant minutes on inputs that select what to
    // delete.
    #[test]
    fn destructive_durations_refuse_a_bare_number() {
        for input in ["older-than", "replaced-older-than"] {
            let error = err(RawInputs::default()
                .with("mode", "prune")
                .with("db-instance-identifier", "prod")
                .with(input, "30"));
            assert_eq!(error.input, input);
            assert!(error.to_string().contains("needs a unit"), "{error}");
        }
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
    fn unused_inputs_are_reported() {
        let plan = plan(
            &snapshot().with("db-instance-class", "db.t3.micro"),
            &ctx(),
            now(),
        )
        .unwrap();
        assert_eq!(plan.unused, vec!["db-instance-class"]);
    }
}
