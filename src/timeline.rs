//! Phases as they happened, for the timeline table and the chart in the
//! job summary: an in-place swap's steps (`mode::restore`), and a drill's
//! phases (`mode::drill`), which no mode imports from another.
//!
//! A drill also wants the moments inside the restore pipeline (the restore
//! call accepted, each state a wait saw) without that pipeline knowing of
//! drills: [`recording`] runs a future with a recorder in scope, and
//! [`mark`] (called by `db::restore` and the wait loop) notes the first
//! time each label is seen. Outside [`recording`], [`mark`] does nothing.

use std::cell::RefCell;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::github::Table;

/// One step as it happened, for the timeline.
#[derive(Debug, Clone)]
pub struct Phase {
    pub label: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// A step of the way back after a failure.
    pub undo: bool,
}

/// A moment the recorder noted: a label, first seen at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub label: String,
    pub at: DateTime<Utc>,
}

tokio::task_local! {
    static RECORDER: RefCell<Vec<Mark>>;
}

/// Runs `future` with a recorder in scope; returns its output and the
/// marks noted while it ran, in order.
pub async fn recording<F: Future>(future: F) -> (F::Output, Vec<Mark>) {
    RECORDER
        .scope(RefCell::new(Vec::new()), async {
            let output = future.await;
            let marks = RECORDER.with(|marks| marks.borrow().clone());
            (output, marks)
        })
        .await
}

/// Notes `label` now, the first time it is seen, when a recorder is in
/// scope (see [`recording`]).
pub fn mark(label: &str) {
    let _ = RECORDER.try_with(|marks| {
        let mut marks = marks.borrow_mut();
        if marks.iter().all(|mark| mark.label != label) {
            marks.push(Mark {
                label: label.to_owned(),
                at: Utc::now(),
            });
        }
    });
}

/// Phases from moments: each runs from its moment to the next one's, the
/// last to `end`.
pub fn phases(marks: &[Mark], end: DateTime<Utc>) -> Vec<Phase> {
    marks
        .iter()
        .enumerate()
        .map(|(i, mark)| Phase {
            label: mark.label.clone(),
            start: mark.at,
            end: Some(marks.get(i + 1).map_or(end, |next| next.at).max(mark.at)),
            undo: false,
        })
        .collect()
}

/// How long a phase took, for the table.
fn took(phase: &Phase) -> Option<Duration> {
    phase.end.and_then(|end| (end - phase.start).to_std().ok())
}

/// The steps with their times, for the job summary.
pub fn table(title: &str, phases: &[Phase]) -> Table {
    Table {
        title: title.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn marks_are_kept_once_each_and_only_while_recording() {
        mark("outside");
        let ((), marks) = recording(async {
            mark("creating");
            mark("available");
            mark("creating");
        })
        .await;
        let labels: Vec<&str> = marks.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["creating", "available"]);
        let phases = phases(&marks, marks[1].at);
        assert_eq!(phases.len(), 2);
        assert_eq!(phases[0].end, Some(marks[1].at));
    }
}
