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
    Cluster,
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
    // Someone stopped it (an adopted rollback instance, say): RDS never
    // starts it again by itself, so waiting would only run out the clock.
    "stopping",
    "stopped",
];

/// Instance states in which it serves connections although it is not
/// `available`: RDS is optimising storage after a storage change, which
/// "can take several hours" (RDS user guide, modifying storage), and AWS
/// lets the instance be used, snapshotted (CreateDBSnapshot accepts
/// `storage-optimization`) and modified meanwhile. Terraform's waiters
/// accept it as a target state too.
pub const USABLE_STATES: &[&str] = &["storage-optimization"];

const SNAPSHOT_FAILURES: &[&str] = &["failed", "deleted", "deleting", "error"];

/// States from which an Aurora cluster never becomes `available` by itself
/// (the Aurora user guide's "Viewing DB cluster status" table).
const CLUSTER_FAILURES: &[&str] = &[
    "cloning-failed",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "migration-failed",
    "deleting",
    "stopping",
    "stopped",
];

/// Where a wait stands after a look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Available,
    Pending,
    /// A terminal state, or the resource is gone: the text says which.
    Failed(String),
}

/// Decides what a look means. `None` is a resource that no longer exists,
/// unless `just_created`: RDS's reads are eventually consistent, and a
/// resource created a moment ago may not be listed yet.
pub fn verdict(kind: Kind, seen: Option<&Seen>, just_created: bool) -> Verdict {
    let Some(seen) = seen else {
        if just_created {
            return Verdict::Pending;
        }
        return Verdict::Failed("it no longer exists (it was deleted)".to_owned());
    };
    let failures = match kind {
        Kind::Snapshot => SNAPSHOT_FAILURES,
        Kind::Instance => INSTANCE_FAILURES,
        Kind::Cluster => CLUSTER_FAILURES,
    };
    if seen.status == "available"
        || (kind != Kind::Snapshot && USABLE_STATES.contains(&seen.status.as_str()))
    {
        Verdict::Available
    } else if matches!(seen.status.as_str(), "stopped" | "stopping") {
        Verdict::Failed(format!(
            "it is in state `{}`: someone stopped it, and RDS does not start it again by itself; start it (`aws rds {}`) and re-run this step",
            seen.status,
            if kind == Kind::Cluster {
                "start-db-cluster"
            } else {
                "start-db-instance"
            }
        ))
    } else if failures.contains(&seen.status.as_str()) {
        Verdict::Failed(format!("it is in state `{}`", seen.status))
    } else {
        Verdict::Pending
    }
}

/// The shortest pause between two looks unless `RDS_SNAPSHOT_ACTION_MIN_POLL`
/// says otherwise; every other pause of the schedule is a multiple of it.
pub const MIN_PAUSE: Duration = Duration::from_secs(5);

/// The environment variable that sets the shortest pause, in `ms` or `s`
/// (`200ms`, `2s`). Against AWS the default suits; against a local emulator
/// running faster than AWS, a shorter pause keeps the wait in step with it.
pub const MIN_POLL_ENV: &str = "RDS_SNAPSHOT_ACTION_MIN_POLL";

/// The shortest pause from `RDS_SNAPSHOT_ACTION_MIN_POLL`'s value.
pub fn min_pause(value: Option<&str>) -> Result<Duration, String> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(MIN_PAUSE);
    };
    let parsed = if let Some(ms) = value.strip_suffix("ms") {
        ms.parse().ok().map(Duration::from_millis)
    } else if let Some(s) = value.strip_suffix('s') {
        s.parse().ok().map(Duration::from_secs)
    } else {
        None
    };
    match parsed {
        Some(pause) if !pause.is_zero() => Ok(pause),
        _ => Err(format!(
            "{MIN_POLL_ENV} must be a whole number of milliseconds or seconds, such as `200ms` or `5s`; got `{value}`"
        )),
    }
}

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
/// Without progress, the pause grows from `floor` to six times it (5 s to
/// 30 s by default). Progress-based pauses stay between `floor` and twelve
/// times it.
pub fn next_look(progress: &Progress, floor: Duration) -> Duration {
    let fallback = match progress.looks {
        0..=2 => floor,
        3..=5 => floor * 2,
        6..=9 => floor * 4,
        _ => floor * 6,
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
    (remaining / 2).clamp(floor, floor * 12)
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
    #[error("{problem}")]
    Setting { problem: String },
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

impl Observed for crate::rds::Cluster {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status.clone(),
            percent: None,
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
    let floor = min_pause(std::env::var(MIN_POLL_ENV).ok().as_deref())
        .map_err(|problem| WaitError::Setting { problem })?;
    let start = tokio::time::Instant::now();
    info!(
        "waiting up to {} (`wait-timeout`) for {what} to become available",
        human(timeout)
    );
    // How long a "not found" right after the create counts as RDS not
    // listing the new resource yet, rather than as its deletion.
    let grace = floor * 3;
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
        let just_created = progress.elapsed < grace;
        if seen.is_none() && just_created {
            info!("{what} is not listed yet; RDS may not show a new resource at once");
        }
        match (verdict(kind, seen.as_ref(), just_created), found) {
            (Verdict::Available, Some(found)) => {
                let status = found.seen().status;
                if status == "available" {
                    info!("{what} is available after {}", human(progress.elapsed));
                } else {
                    info!(
                        "{what} is usable after {}: it is `{status}`, which RDS serves connections in (it finishes in the background)",
                        human(progress.elapsed)
                    );
                }
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
        let pause = next_look(&progress, floor);
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
                matches!(verdict(Kind::Instance, Some(&seen(state)), false), Verdict::Failed(reason) if reason.contains(state)),
                "{state}"
            );
        }
        for state in ["creating", "backing-up", "modifying", "rebooting"] {
            assert_eq!(
                verdict(Kind::Instance, Some(&seen(state)), false),
                Verdict::Pending
            );
        }
        assert_eq!(
            verdict(Kind::Snapshot, Some(&seen("available")), false),
            Verdict::Available
        );
        assert!(matches!(
            verdict(Kind::Snapshot, None, false),
            Verdict::Failed(_)
        ));
        assert!(matches!(
            verdict(Kind::Snapshot, Some(&seen("failed")), false),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn a_stopped_instance_fails_fast_and_says_how_to_start_it() {
        for state in ["stopped", "stopping"] {
            let Verdict::Failed(reason) = verdict(Kind::Instance, Some(&seen(state)), false) else {
                panic!("{state} must fail fast");
            };
            assert!(reason.contains("start-db-instance"), "{reason}");
        }
    }

    #[test]
    fn storage_optimization_is_usable_for_an_instance_only() {
        assert_eq!(
            verdict(Kind::Instance, Some(&seen("storage-optimization")), false),
            Verdict::Available
        );
        assert_eq!(
            verdict(Kind::Snapshot, Some(&seen("storage-optimization")), false),
            Verdict::Pending
        );
    }

    #[test]
    fn not_found_right_after_a_create_is_not_yet_a_deletion() {
        assert_eq!(verdict(Kind::Snapshot, None, true), Verdict::Pending);
        assert_eq!(verdict(Kind::Instance, None, true), Verdict::Pending);
        assert!(matches!(
            verdict(Kind::Instance, None, false),
            Verdict::Failed(reason) if reason.contains("no longer exists")
        ));
    }

    #[test]
    fn pauses_grow_without_progress() {
        let at = |looks| {
            next_look(
                &Progress {
                    looks,
                    ..Progress::default()
                },
                MIN_PAUSE,
            )
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
        assert_eq!(next_look(&progress, MIN_PAUSE), Duration::from_secs(40));
        // Almost done: look again soon, but not sooner than the floor.
        let nearly = Progress {
            percent: Some(99),
            ..progress
        };
        assert_eq!(next_look(&nearly, MIN_PAUSE), MIN_PAUSE);
        // Fast progress after a slow start still caps at the ceiling.
        let slow = Progress {
            elapsed: Duration::from_secs(3000),
            first_percent: Some((Duration::ZERO, 1)),
            percent: Some(2),
            ..progress
        };
        assert_eq!(next_look(&slow, MIN_PAUSE), Duration::from_secs(60));
        // A shorter floor scales the whole schedule.
        let floor = Duration::from_millis(100);
        assert_eq!(next_look(&slow, floor), floor * 12);
        assert_eq!(next_look(&Progress::default(), floor), floor);
    }

    #[test]
    fn the_floor_is_read_strictly() {
        assert_eq!(min_pause(None), Ok(MIN_PAUSE));
        assert_eq!(min_pause(Some("")), Ok(MIN_PAUSE));
        assert_eq!(min_pause(Some("200ms")), Ok(Duration::from_millis(200)));
        assert_eq!(min_pause(Some("2s")), Ok(Duration::from_secs(2)));
        for bad in ["0ms", "fast", "1.5s", "10"] {
            let problem = min_pause(Some(bad)).unwrap_err();
            assert!(
                problem.contains(MIN_POLL_ENV) && problem.contains(bad),
                "{problem}"
            );
        }
    }

    #[test]
    fn humane_durations() {
        assert_eq!(human(Duration::from_secs(45)), "45s");
        assert_eq!(human(Duration::from_secs(725)), "12m 5s");
        assert_eq!(human(Duration::from_secs(7380)), "2h 3m");
    }
}
