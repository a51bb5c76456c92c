//! Waiting for a snapshot or DB instance to become `available`: when to look
//! next, what counts as a terminal failure, and what to say on a timeout.
//!
//! [`next_look`] and [`verdict`] are pure functions of what was seen, so the
//! schedule and the failure rules are unit-tested without sleeping; the loop
//! in [`until_available`] only sleeps and asks.

use std::future::Future;
use std::time::Duration;

use tracing::info;

use crate::github::shown;
use crate::rds::RdsError;

/// What a look at the resource showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status: String,
    /// `PercentProgress`, where RDS reports one (snapshots do).
    pub percent: Option<i32>,
}

/// Which kind of resource is awaited; it decides the failure states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Snapshot,
    Instance,
}

/// States from which an instance never becomes `available` by itself. The
/// AWS CLI's waiters know only a few of these and otherwise run out the clock.
const INSTANCE_FAILURES: &[&str] = &[
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "incompatible-option-group",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "restore-error",
    "storage-full",
    "insufficient-capacity",
    "deleting",
    "deleted",
];

const SNAPSHOT_FAILURES: &[&str] = &["failed", "deleted", "deleting", "error"];

/// Where a wait stands after a look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Available,
    Pending,
    /// A terminal state, or the resource is gone: the text says which.
    Failed(String),
}

/// Decides what a look means. `None` is a resource that no longer exists.
pub fn verdict(kind: Kind, seen: Option<&Seen>) -> Verdict {
    let Some(seen) = seen else {
        return Verdict::Failed("it no longer exists (it was deleted)".to_owned());
    };
    let failures = match kind {
        Kind::Snapshot => SNAPSHOT_FAILURES,
        Kind::Instance => INSTANCE_FAILURES,
    };
    if seen.status == "available" {
        Verdict::Available
    } else if failures.contains(&seen.status.as_str()) {
        Verdict::Failed(format!("it is in state `{}`", seen.status))
    } else {
        Verdict::Pending
    }
}

/// The shortest and longest pause between two looks.
const MIN_PAUSE: Duration = Duration::from_secs(5);
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// The progress a wait has seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Time since the wait began.
    pub elapsed: Duration,
    /// Looks taken so far.
    pub looks: u32,
    /// The first `PercentProgress` seen, and when.
    pub first_percent: Option<(Duration, i32)>,
    /// The latest `PercentProgress` seen.
    pub percent: Option<i32>,
}

/// How long to pause before the next look. Where RDS reports progress, the
/// rate since the first report predicts when the work ends, and the next
/// look comes at half that remaining time, so that completion is noticed
/// quickly without asking every few seconds during a long snapshot.
/// Without progress, the pause grows from 5 s to 30 s.
pub fn next_look(progress: &Progress) -> Duration {
    let fallback = match progress.looks {
        0..=2 => MIN_PAUSE,
        3..=5 => Duration::from_secs(10),
        6..=9 => Duration::from_secs(20),
        _ => Duration::from_secs(30),
    };
    let (Some((since, first)), Some(now)) = (progress.first_percent, progress.percent) else {
        return fallback;
    };
    let gained = now - first;
    let took = progress.elapsed.saturating_sub(since);
    if gained <= 0 || took.is_zero() || now >= 100 {
        return fallback;
    }
    let remaining = took.mul_f64(f64::from(100 - now) / f64::from(gained));
    (remaining / 2).clamp(MIN_PAUSE, MAX_PAUSE)
}

/// A wait that did not end in `available`.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("{what} did not become available: {reason}")]
    Failed { what: String, reason: String },
    #[error(
        "timed out after {waited} waiting for {what}; last seen `{status}`{percent}. It is still being worked on in AWS: re-run this step to go on waiting (it adopts what this step started), or raise `wait-timeout`"
    )]
    TimedOut {
        what: String,
        waited: String,
        status: String,
        percent: String,
    },
    #[error(transparent)]
    Rds(#[from] RdsError),
}

/// Something that can be awaited: it shows a status, and maybe progress.
pub trait Observed {
    fn seen(&self) -> Seen;
}

impl Observed for crate::rds::Snapshot {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status.clone(),
            percent: self.percent,
        }
    }
}

impl Observed for crate::rds::Instance {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status.clone(),
            percent: None,
        }
    }
}

/// Looks at a resource until it is `available`, fails, or `timeout` passes,
/// and returns the last look. `what` names it in log lines ("snapshot `x`").
pub async fn until_available<T, F, Fut>(
    what: &str,
    kind: Kind,
    timeout: Duration,
    mut look: F,
) -> Result<T, WaitError>
where
    T: Observed,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, RdsError>>,
{
    let start = tokio::time::Instant::now();
    let mut progress = Progress::default();
    let mut last = Seen {
        status: "unknown".to_owned(),
        percent: None,
    };
    loop {
        let found = look().await?;
        let seen = found.as_ref().map(Observed::seen);
        progress.looks += 1;
        progress.elapsed = start.elapsed();
        match (verdict(kind, seen.as_ref()), found) {
            (Verdict::Available, Some(found)) => {
                info!("{what} is available after {}", human(progress.elapsed));
                return Ok(found);
            }
            (Verdict::Available, None) => unreachable!("a missing resource is never available"),
            (Verdict::Failed(reason), _) => {
                return Err(WaitError::Failed {
                    what: what.to_owned(),
                    reason,
                });
            }
            (Verdict::Pending, _) => {}
        }
        last = seen.unwrap_or(last);
        if let Some(percent) = last.percent {
            progress
                .first_percent
                .get_or_insert((progress.elapsed, percent));
            progress.percent = Some(percent);
        }
        let pause = next_look(&progress);
        let left = timeout.saturating_sub(progress.elapsed);
        if left.is_zero() {
            return Err(WaitError::TimedOut {
                what: what.to_owned(),
                waited: human(progress.elapsed),
                status: last.status.clone(),
                percent: last
                    .percent
                    .map(|p| format!(" at {p}%"))
                    .unwrap_or_default(),
            });
        }
        info!(
            "waiting for {what}: {}{} after {}; next look in {}",
            shown(&last.status),
            last.percent.map(|p| format!(" {p}%")).unwrap_or_default(),
            human(progress.elapsed),
            human(pause.min(left)),
        );
        tokio::time::sleep(pause.min(left)).await;
    }
}

/// A duration as a person reads it: `45s`, `12m 5s`, `2h 3m`.
pub fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {}s", secs / 60, secs % 60),
        _ => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(status: &str) -> Seen {
        Seen {
            status: status.to_owned(),
            percent: None,
        }
    }

    #[test]
    fn every_terminal_instance_state_fails_fast() {
        for state in INSTANCE_FAILURES {
            assert!(
                matches!(verdict(Kind::Instance, Some(&seen(state))), Verdict::Failed(reason) if reason.contains(state)),
                "{state}"
            );
        }
        for state in ["creating", "backing-up", "modifying", "rebooting"] {
            assert_eq!(
                verdict(Kind::Instance, Some(&seen(state))),
                Verdict::Pending
            );
        }
        assert_eq!(
            verdict(Kind::Snapshot, Some(&seen("available"))),
            Verdict::Available
        );
        assert!(matches!(verdict(Kind::Snapshot, None), Verdict::Failed(_)));
        assert!(matches!(
            verdict(Kind::Snapshot, Some(&seen("failed"))),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn pauses_grow_without_progress() {
        let at = |looks| {
            next_look(&Progress {
                looks,
                ..Progress::default()
            })
        };
        assert_eq!(at(1), Duration::from_secs(5));
        assert_eq!(at(4), Duration::from_secs(10));
        assert_eq!(at(8), Duration::from_secs(20));
        assert_eq!(at(50), Duration::from_secs(30));
    }

    #[test]
    fn progress_predicts_the_next_look() {
        // 10% -> 60% in 100 s: the last 40% takes about 80 s; look in half that.
        let progress = Progress {
            elapsed: Duration::from_secs(110),
            looks: 12,
            first_percent: Some((Duration::from_secs(10), 10)),
            percent: Some(60),
        };
        assert_eq!(next_look(&progress), Duration::from_secs(40));
        // Almost done: look again soon, but not sooner than the floor.
        let nearly = Progress {
            percent: Some(99),
            ..progress
        };
        assert_eq!(next_look(&nearly), MIN_PAUSE);
        // Fast progress after a slow start still caps at the ceiling.
        let slow = Progress {
            elapsed: Duration::from_secs(3000),
            first_percent: Some((Duration::ZERO, 1)),
            percent: Some(2),
            ..progress
        };
        assert_eq!(next_look(&slow), MAX_PAUSE);
    }

    #[test]
    fn humane_durations() {
        assert_eq!(human(Duration::from_secs(45)), "45s");
        assert_eq!(human(Duration::from_secs(725)), "12m 5s");
        assert_eq!(human(Duration::from_secs(7380)), "2h 3m");
    }
}
