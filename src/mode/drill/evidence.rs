//! A drill's evidence: the outputs, the job summary (the timeline as a
//! table and a Mermaid chart, the snapshot and its age, the proof, the RTO
//! against the target) and the `drill-report` JSON, also written under
//! `RUNNER_TEMP` for `actions/upload-artifact`, for an auditor to file.

use chrono::{TimeDelta, Utc};
use serde_json::json;

use super::Outcome;
use crate::config::DrillPlan;
use crate::github::{Report, age, markdown, markdown_code};
use crate::model::rfc3339;
use crate::timeline::{self, Phase};

/// Sets the outputs, adds the summary and writes the report file.
pub(super) fn write(
    plan: &DrillPlan,
    region: &str,
    outcome: &Outcome,
    rto: Option<f64>,
    met: Option<bool>,
    out: &mut Report,
) -> anyhow::Result<()> {
    let ended = Utc::now();
    let phases = timeline::phases(&outcome.marks, ended);
    out.set("proof-level", outcome.level.to_string());
    if let Some(row) = &outcome.probe {
        out.set("probe", row.clone());
    }
    if let Some(rto) = rto {
        out.set("rto-seconds", format!("{rto:.0}"));
    }
    if let Some(met) = met {
        out.set("met-target", met.to_string());
    }
    let snapshot_age = outcome
        .snapshot_created
        .map(|created| plan.started - created);
    let report = json!({
        "source": {
            "kind": plan.source_db.kind.noun(),
            "id": plan.source_db.id,
            "region": region,
        },
        "scratch-db": outcome.db,
        "snapshot": outcome.snapshot.as_ref().map(|id| json!({
            "id": id,
            "created": outcome.snapshot_created.map(rfc3339),
            "age-seconds": snapshot_age.map(|age| age.num_seconds()),
        })),
        "restore-time": outcome.restore_time,
        "started": rfc3339(plan.started),
        "ended": rfc3339(ended),
        "timeline": phases.iter().map(|phase| json!({
            "phase": phase.label,
            "at": phase.start.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })).collect::<Vec<_>>(),
        "proof": {
            "level": outcome.level,
            "steps": outcome.proof,
            "probe": outcome.probe,
        },
        "rto-seconds": rto.map(|rto| (rto * 10.0).round() / 10.0),
        "rto-target-seconds": plan.rto_target.map(|t| t.as_secs()),
        "met-target": met,
        "cleanup": outcome.cleanup,
        "kept-until": plan.keep_for.map(|_| rfc3339(plan.expires)),
        "result": if outcome.errors.is_empty() && met != Some(false) { "passed" } else { "failed" },
        "errors": outcome.errors,
        "run": {
            "id": plan.run_id,
            "actor": plan.actor,
            "repository": plan.repository,
            "url": plan.run_url,
        },
    });
    out.set_json("drill-report", report.clone());
    if let Some(dir) = &plan.report_dir {
        let path = dir.join(format!(
            "rds-drill-{}.json",
            outcome.db.as_deref().unwrap_or("db")
        ));
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(&path, text + "\n").map_err(|error| {
            anyhow::anyhow!("writing the drill report to {}: {error}", path.display())
        })?;
        out.set("drill-report-path", path.display().to_string());
    }
    out.sections
        .push(section(plan, outcome, &phases, rto, met, snapshot_age));
    out.tables.push(timeline::table("Drill: timeline", &phases));
    Ok(())
}

/// The summary's drill section, with the chart.
fn section(
    plan: &DrillPlan,
    outcome: &Outcome,
    phases: &[Phase],
    rto: Option<f64>,
    met: Option<bool>,
    snapshot_age: Option<TimeDelta>,
) -> String {
    let mut text = format!(
        "#### Restore drill of {}\n\n",
        markdown_code(&plan.source_db.id)
    );
    match (&outcome.snapshot, &outcome.restore_time) {
        (Some(snapshot), _) => text.push_str(&format!(
            "- Snapshot: {}{}\n",
            markdown_code(snapshot),
            snapshot_age
                .map(|age_of| format!(", taken {} before the drill", age(age_of)))
                .unwrap_or_default()
        )),
        (None, Some(time)) => text.push_str(&format!("- Point in time: {}\n", markdown_code(time))),
        (None, None) => {}
    }
    text.push_str(&format!(
        "- Proof level reached: **{}** of 3 ({})\n",
        outcome.level,
        match outcome.level {
            3 => "SQL: `probe-query` ran",
            2 => "TCP and the engine's handshake from this runner",
            1 => "the engine's log shows it accepting connections",
            _ => "not proven to serve",
        }
    ));
    for step in &outcome.proof {
        text.push_str(&format!("  - {}\n", markdown(step, false)));
    }
    if let Some(row) = &outcome.probe {
        text.push_str(&format!("- `probe`: {}\n", markdown_code(row)));
    }
    text.push_str(&match (rto, plan.rto_target) {
        (Some(rto), Some(target)) => format!(
            "- RTO: {rto:.0} s against a target of {} s: **{}**\n",
            target.as_secs(),
            if met == Some(true) { "met" } else { "MISSED" }
        ),
        (Some(rto), None) => format!("- RTO: {rto:.0} s (no `rto-target` given)\n"),
        (None, _) => "- RTO: not measured (the scratch DB was not proven to serve)\n".to_owned(),
    });
    text.push_str(&format!(
        "- Scratch DB {}: {}\n",
        markdown_code(outcome.db.as_deref().unwrap_or("")),
        markdown(&outcome.cleanup, false)
    ));
    if let Some(url) = &plan.run_url {
        text.push_str(&format!(
            "- Run: {} by {}\n",
            markdown_code(url),
            markdown_code(plan.actor.as_deref().unwrap_or("unknown"))
        ));
    }
    text.push('\n');
    text.push_str(&gantt(&plan.source_db.id, phases));
    text
}

/// The timeline as a Mermaid Gantt chart.
fn gantt(db: &str, phases: &[Phase]) -> String {
    // Mermaid takes a task's name up to the colon; keep names plain.
    let plain = |text: &str| {
        text.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '_'))
            .collect::<String>()
    };
    let mut out = format!(
        "```mermaid\ngantt\n    title Restore drill of {}\n    dateFormat x\n    axisFormat %H:%M:%S\n    section Drill\n",
        plain(db)
    );
    for phase in phases {
        let Some(end) = phase.end else { continue };
        let end = end.max(phase.start + TimeDelta::milliseconds(1));
        out.push_str(&format!(
            "    {} :{}, {}\n",
            plain(&phase.label),
            phase.start.timestamp_millis(),
            end.timestamp_millis()
        ));
    }
    out.push_str("```\n\n");
    out
}
