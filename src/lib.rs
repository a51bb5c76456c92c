//! rds-snapshot-action: a database safety net for deploy pipelines.
//!
//! - [`model`]: the shared words (kinds, DB references, tags, restore times); imports nothing.
//! - [`inputs`]: raw inputs from `INPUT_*` variables or command-line flags.
//! - [`config`]: the typed, validated plan, built before any AWS call.
//! - [`naming`]: RDS identifier rules, derived snapshot IDs, our tag keys.
//! - [`provenance`]: the tags that say who made what, in which run, from what:
//!   the stamps to put on what this action creates, and whether a run may adopt
//!   or delete what it finds.
//! - [`github`]: outputs, job summary, workflow commands and their escaping.
//! - [`db`]: "instance or cluster": the one layer that knows which (describe,
//!   restore, wait until available, delete, the restorable window, what a
//!   status means, the facts per kind).
//! - [`rds`]: the only module that calls RDS; with `plan: true` it records
//!   the mutating calls instead of making them.
//! - [`planned`]: the plan's output and job summary.
//! - [`settings`]: the carry-over of the source's settings into a restore.
//! - [`fit`]: which settings fit the engine version a restore brings back.
//! - [`method`]: `method: auto`: the fastest way back that can serve, and why
//!   each faster one cannot, from what RDS said of the source (pure).
//! - [`swap`]: the in-place rollback's state machine: the next step from what a look shows.
//! - [`timeline`]: the phases of a swap or a drill as they happened, and a drill's
//!   record of the states a wait saw.
//! - [`wait`]: when to look next while waiting, and the polling loop.
//! - [`seal`]: verified provenance (`provenance-key`): the MAC on what this
//!   action makes, checked before anything is deleted.
//! - [`retention`]: which of this action's snapshots the retention rules let go.
//! - [`fleet`]: the snapshots of several DBs, waited for and reported together.
//! - [`mode`]: one module per mode; no mode imports another.

pub mod config;
pub mod db;
pub mod fit;
pub mod fleet;
pub mod github;
pub mod inputs;
pub mod method;
pub mod mode;
pub mod model;
pub mod naming;
pub mod planned;
pub mod provenance;
pub mod rds;
pub mod retention;
pub mod seal;
pub mod settings;
pub mod swap;
pub mod timeline;
pub mod wait;

use crate::config::{Action, Mode, Plan};
use crate::github::{Report, RunContext};
use crate::inputs::RawInputs;
use crate::rds::Rds;

/// What a step did: its mode (once known) and its report so far. Outputs
/// are kept even when the step fails, so a later step can still find, say,
/// the snapshot a timed-out wait was waiting for.
#[derive(Debug, Default)]
pub struct Step {
    pub mode: Option<Mode>,
    pub report: Report,
    /// `plan: true`: the report is the plan, and nothing was changed.
    pub planned: bool,
}

/// Runs one step: validates every input, connects to RDS, and carries out
/// the mode.
pub async fn run(raw: &RawInputs, ctx: &RunContext, step: &mut Step) -> anyhow::Result<()> {
    let plan = config::plan(raw, ctx, chrono::Utc::now())?;
    step.mode = Some(plan.mode());
    for input in &plan.unused {
        step.report.warn(format!(
            "input `{input}` is not used by mode `{}`; it has no effect",
            plan.mode()
        ));
    }
    for ignored in &plan.ignored {
        step.report.warn(ignored.clone());
    }
    if plan.mode().reads().contains(&"run-id")
        && raw.get("run-id").is_none()
        && ctx
            .github_run_id
            .as_deref()
            .is_none_or(|id| id.trim().is_empty())
    {
        // Adoption matches what an earlier attempt made by its run ID; the
        // IDs derived without one come from the clock and differ each time.
        step.report.warn(format!(
            "no `run-id` is set (`--run-id` on the command line), so a re-run of this step will not adopt what this one makes: it will {} a new one. Pass your CI's build ID as `--run-id`",
            if plan.mode() == Mode::Snapshot {
                "take"
            } else {
                "refuse to reuse the target, or restore"
            }
        ));
    }
    let rds = Rds::connect(plan.region.as_deref()).await?;
    if !plan.plan_only {
        return execute(&plan, &rds, &mut step.report).await;
    }
    // The same execution, on a client that records each mutating call
    // instead of making it: the plan is the run.
    step.planned = true;
    let rds = rds.planning();
    let mut report = std::mem::take(&mut step.report);
    let result = execute(&plan, &rds, &mut report).await;
    let error = result.as_ref().err().map(|error| format!("{error:#}"));
    step.report = planned::report(
        rds.planned().unwrap_or_default(),
        report,
        error.as_deref(),
        plan.wait,
    );
    result
}

/// Carries out a validated plan against an RDS client.
pub async fn execute(plan: &Plan, rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    let wait = plan.wait;
    let keyed;
    let rds = match &plan.provenance_key {
        Some(key) => {
            keyed = rds.clone().with_provenance_key(key);
            let makes = !matches!(plan.mode(), Mode::Prune | Mode::Delete);
            seal::probe(&keyed, makes).await?;
            &keyed
        }
        None => rds,
    };
    // Each mode's future is boxed: on the stack, the step's future would be
    // as large as the largest mode's, which overflows a 2 MiB thread stack
    // (a test thread's) in a debug build.
    match &plan.action {
        Action::Snapshot(snapshot) => Box::pin(mode::snapshot::run(snapshot, wait, rds, out)).await,
        // `method` picks among the modes' own code paths: a Backtrack is
        // `mode: backtrack`'s, a clone and both restores the pipeline's.
        Action::Restore(restore) => {
            let way = Box::pin(mode::method::of_restore(restore, rds, out)).await?;
            Box::pin(restore_by(way, wait, rds, out)).await
        }
        Action::Pitr(pitr) => {
            let way = Box::pin(mode::method::of_pitr(pitr, rds, out)).await?;
            Box::pin(restore_by(way, wait, rds, out)).await
        }
        Action::List { dbs } => Box::pin(mode::list::run(dbs, rds, out)).await,
        Action::Wait(plan) => Box::pin(mode::wait::run(plan, wait, rds, out)).await,
        Action::Backtrack(backtrack) => {
            Box::pin(mode::backtrack::run(backtrack, wait, rds, out)).await
        }
        Action::Prune(prune) => Box::pin(mode::prune::run(prune, wait, rds, out)).await,
        Action::Delete {
            snapshot_id,
            db,
            rerun,
        } => {
            Box::pin(mode::delete::run(
                snapshot_id,
                db.as_ref(),
                *rerun,
                rds,
                out,
            ))
            .await
        }
        Action::Copy(copy) => Box::pin(mode::copy::run(copy, wait, rds, out)).await,
        // The drill's scratch DB comes from the one restore pipeline,
        // handed in here so that no mode imports another.
        Action::Drill(drill) => {
            let request = match &drill.restore {
                config::DrillRestore::Snapshot(plan) => mode::restore::Request::Snapshot(plan),
                config::DrillRestore::PointInTime(plan) => {
                    mode::restore::Request::PointInTime(plan)
                }
            };
            Box::pin(mode::drill::run(drill, wait, rds, out, async |report| {
                Box::pin(mode::restore::restore_db(request, wait, rds, report)).await
            }))
            .await
        }
    }
}

/// Runs a `restore` or `pitr` step the way `method` chose.
async fn restore_by(
    way: mode::method::Way,
    wait: config::Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<()> {
    use mode::method::Way;
    use mode::restore::Request;
    match &way {
        Way::Snapshot(plan) => mode::restore::run(Request::Snapshot(plan), wait, rds, out).await,
        Way::PointInTime(plan) => {
            mode::restore::run(Request::PointInTime(plan), wait, rds, out).await
        }
        Way::Backtrack(plan) => mode::backtrack::run(plan, wait, rds, out).await,
    }
}
