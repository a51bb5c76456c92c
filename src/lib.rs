//! rds-snapshot-action: a database safety net for deploy pipelines.
//!
//! - [`inputs`]: raw inputs from `INPUT_*` variables or command-line flags.
//! - [`config`]: the typed, validated plan, built before any AWS call.
//! - [`naming`]: RDS identifier rules, derived snapshot IDs, our tag keys.
//! - [`github`]: outputs, job summary, workflow commands and their escaping.
//! - [`rds`]: the only module that calls RDS.
//! - [`wait`]: when to look next while waiting, and what counts as failure.
//! - [`mode`]: one module per mode.

pub mod config;
pub mod github;
pub mod inputs;
pub mod mode;
pub mod naming;
pub mod rds;
pub mod wait;

use tracing::warn;

use crate::config::{Action, Mode, Plan};
use crate::github::{Outputs, RunContext};
use crate::inputs::RawInputs;
use crate::rds::Rds;

/// What a step did: its mode (once known) and its outputs so far. Outputs
/// are kept even when the step fails, so a later step can still find, say,
/// the snapshot a timed-out wait was waiting for.
#[derive(Debug, Default)]
pub struct Step {
    pub mode: Option<Mode>,
    pub outputs: Outputs,
}

/// Runs one step: validates every input, connects to RDS, and carries out
/// the mode.
pub async fn run(raw: &RawInputs, ctx: &RunContext, step: &mut Step) -> anyhow::Result<()> {
    let plan = config::plan(raw, ctx, chrono::Utc::now())?;
    step.mode = Some(plan.mode());
    for input in &plan.unused {
        warn_user(
            ctx,
            &format!(
                "input `{input}` is not used by mode `{}`; it has no effect",
                plan.mode()
            ),
        );
    }
    let rds = Rds::connect(plan.region.as_deref()).await?;
    execute(&plan, &rds, &mut step.outputs).await
}

/// Carries out a validated plan against an RDS client.
pub async fn execute(plan: &Plan, rds: &Rds, out: &mut Outputs) -> anyhow::Result<()> {
    match &plan.action {
        Action::Snapshot(snapshot) => mode::snapshot::run(snapshot, plan.wait, rds, out).await,
        Action::Restore(restore) => mode::restore::run(restore, plan.wait, rds, out).await,
        Action::Pitr(pitr) => mode::pitr::run(pitr, plan.wait, rds, out).await,
    }
}

/// A warning: a `::warning::` command in Actions, a log line elsewhere.
pub fn warn_user(ctx: &RunContext, message: &str) {
    if ctx.in_actions() {
        println!("{}", github::warning_command(message));
    } else {
        warn!("{}", message);
    }
}
