//! The in-place swap's steps as they happened, for the timeline table and
//! the chart in the job summary. Both the driver ([`super::in_place`]) and
//! the summary ([`super::summary`]) use it; neither imports the other's
//! internals.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::github::Table;

/// One step of the swap as it happened, for the timeline.
#[derive(Debug, Clone)]
pub(super) struct Phase {
    pub label: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// A step of the way back after a failure.
    pub undo: bool,
}

/// How long a phase took, for the table.
fn took(phase: &Phase) -> Option<Duration> {
    phase.end.and_then(|end| (end - phase.start).to_std().ok())
}

/// The swap's steps with their times, for the job summary.
pub(super) fn table(phases: &[Phase]) -> Table {
    Table {
        title: "In-place rollback: timeline".to_owned(),
        headers: vec!["step", "started", "ended", "took"],
        rows: phases
            .iter()
            .map(|phase| {
                vec![
                    format!("{}{}", if phase.undo { "undo: " } else { "" }, phase.label),
                    phase
                        .start
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    phase
                        .end
                        .map(|end| end.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                        .unwrap_or_else(|| "not finished".to_owned()),
                    took(phase)
                        .map(|took| format!("{:.1} s", took.as_secs_f64()))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    }
}
