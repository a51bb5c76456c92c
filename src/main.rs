//! The `rds-snapshot-action` binary: reads inputs, runs the step, writes its
//! results where the runner (or a terminal) expects them, and turns an error
//! into an `::error::` line and a non-zero exit code.

use std::process::ExitCode;

use rds_snapshot_action::github::{self, RunContext};
use rds_snapshot_action::inputs::{self, Format, RawInputs};
use rds_snapshot_action::{Step, run};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(github::LogWriter)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RDS_SNAPSHOT_ACTION_LOG")
                .unwrap_or_else(|_| "rds_snapshot_action=info".into()),
        )
        .init();

    let ctx = match RunContext::from_env(std::env::vars()) {
        Ok(ctx) => ctx,
        Err(error) => return fail(&RunContext::default(), &format!("{error:#}")),
    };
    let args: Vec<String> = std::env::args().collect();
    let (raw, format) = if args.len() > 1 {
        match inputs::from_args(args) {
            Ok(parsed) => parsed,
            Err(error) => error.exit(),
        }
    } else {
        (RawInputs::from_env(std::env::vars()), Format::Lines)
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a single-threaded tokio runtime builds");
    let mut step = Step::default();
    let result = runtime.block_on(run(&raw, &ctx, &mut step));
    let error = result.err().map(|error| format!("{error:#}"));
    if let Err(report_error) = report(&ctx, &step, error.as_deref(), format) {
        return fail(&ctx, &format!("{report_error:#}"));
    }
    match error {
        Some(message) => fail(&ctx, &message),
        None => ExitCode::SUCCESS,
    }
}

/// Writes outputs and the job summary in Actions, or prints the outputs.
fn report(
    ctx: &RunContext,
    step: &Step,
    error: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let outputs = &step.report.outputs;
    if ctx.in_actions() {
        for warning in &step.report.warnings {
            println!("{}", github::warning_command(warning));
        }
    }
    if let Some(path) = &ctx.github_output {
        github::append(path, &outputs.to_file_commands())?;
    } else if error.is_none() {
        match format {
            Format::Lines => print!("{}", outputs.to_lines()),
            Format::Json => println!("{}", outputs.to_json()),
        }
    }
    if let Some(path) = &ctx.github_step_summary {
        let mode = step.mode.map_or("step", |mode| mode.name());
        let title = match (error, step.planned) {
            (None, false) => format!("rds-snapshot-action: {mode} succeeded"),
            (Some(_), false) => format!("rds-snapshot-action: {mode} failed"),
            (None, true) => format!("rds-snapshot-action: plan of {mode} (nothing was changed)"),
            (Some(_), true) => format!(
                "rds-snapshot-action: plan of {mode}: the step would fail (nothing was changed)"
            ),
        };
        let mut rows: Vec<(&str, String)> = outputs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            // JSON is for the next step; its mode shows it as a table below.
            .filter(|(name, _)| !outputs.is_json(name))
            .map(|(name, value)| (name, value.to_owned()))
            .collect();
        for (name, text) in &step.report.notes {
            rows.push((name, text.clone()));
        }
        for warning in &step.report.warnings {
            rows.push(("warning", warning.clone()));
        }
        let mut summary = github::summary(&title, error, &rows);
        for section in &step.report.sections {
            summary.push_str(section);
        }
        for table in &step.report.tables {
            summary.push_str(&table.to_markdown());
        }
        github::append(path, &summary)?;
    }
    Ok(())
}

fn fail(ctx: &RunContext, message: &str) -> ExitCode {
    if ctx.in_actions() {
        println!("{}", github::error_command(message));
    } else {
        eprintln!("error: {}", github::inert(message));
    }
    ExitCode::FAILURE
}
