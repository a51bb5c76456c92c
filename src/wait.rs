//! Waiting for a snapshot or a DB to become `available`: when to look next,
//! and what to say on a timeout.
//!
//! [`next_look`] is a pure function of what was seen, so the schedule is
//! unit-tested without sleeping; the loop in [`until_available`] only
//! sleeps and asks. What a look means (available, still going, or failed
//! for good) is the resource's own answer ([`Observed::verdict`]): the
//! failure states live with the resource types, in [`crate::db`].

use std::future::Future;
use std::time::Duration;

use tracing::info;

use crate::github::shown;
use crate::model::Kind;
use crate::rds::RdsError;

/// What a look at the resource showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status: String,
    /// `PercentProgress`, where RDS reports one (snapshots do).
    pub percent: Option<i32>,
}

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
pub fn verdict<T: Observed>(found: Option<&T>, just_created: bool) -> Verdict {
    match found {
        Some(found) => found.verdict(),
        None if just_created => Verdict::Pending,
        None => Verdict::Failed("it no longer exists (it was deleted)".to_owned()),
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
    crate::model::env_duration(MIN_POLL_ENV, value, MIN_PAUSE)
}

/// What is being waited for, as far as the schedule cares: the operation
/// decides how long the wait usually takes ([`Profile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// CreateDBSnapshot or CopyDBSnapshot: reports `PercentProgress`.
    Snapshot,
    /// A new DB instance or cluster from a snapshot or to a point in time.
    Restore(Kind),
    /// ModifyDBInstance or ModifyDBCluster with `ApplyImmediately`.
    Modify(Kind),
    /// BacktrackDBCluster: its request goes `pending`, `applying`,
    /// `completed` (or `failed`).
    Backtrack,
}

impl Operation {
    /// How long the operation usually takes on AWS, for the schedule.
    pub fn profile(self) -> Profile {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        match self {
            // Users report manual snapshots taking from about a minute (a
            // small, incremental one) to half an hour; the first snapshot of
            // a large instance takes longer (AWS Database Blog, "Amazon RDS:
            // Snapshot, restore, and recovery demystified": the first
            // snapshot holds all the data, later ones only changed blocks).
            Operation::Snapshot => Profile {
                usual: (minutes(1), minutes(30)),
                longest: 8,
            },
            // Restores take 10-45 minutes as users report them; AWS names
            // crash recovery on the new instance and, for PITR, replaying
            // transaction logs uploaded every five minutes as what makes one
            // longer (AWS Knowledge Center, "Why is it taking so long to
            // restore a snapshot of my Amazon RDS for MySQL DB instance?" and
            // "Why is the point-in-time restore of my Amazon RDS DB instance
            // taking a long time?").
            Operation::Restore(_) => Profile {
                usual: (minutes(10), minutes(45)),
                longest: 6,
            },
            // A modify applied at once that needs no storage change: RDS
            // reboots or reconfigures the instance, a few minutes.
            Operation::Modify(_) => Profile {
                usual: (minutes(1), minutes(15)),
                longest: 6,
            },
            // "Backtracking ... rewinds the DB cluster in minutes" (Aurora
            // user guide, "Backtracking an Aurora DB cluster").
            Operation::Backtrack => Profile {
                usual: (minutes(1), minutes(15)),
                longest: 6,
            },
        }
    }
}

/// How long an operation usually takes on AWS, at the default shortest
/// pause ([`MIN_PAUSE`]); with a shorter pause (a faster emulator) it
/// shrinks in proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Most operations of this kind end within this range.
    pub usual: (Duration, Duration),
    /// The longest pause once in that range, in floors (30 s at the default
    /// 5 s floor is the AWS CLI waiter's delay). A snapshot that sits at 0%
    /// will usually report progress soon, which the prediction then uses,
    /// so its pauses may be a little longer.
    pub longest: u32,
}

/// What a wait has seen so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// Time since the wait began, now.
    pub elapsed: Duration,
    /// Looks taken so far.
    pub looks: u32,
    /// Each `PercentProgress` seen below 100, and when (since the wait
    /// began) the look that saw it was sent, oldest first.
    pub readings: Vec<(Duration, i32)>,
}

impl Progress {
    /// The latest `PercentProgress` seen.
    pub fn percent(&self) -> Option<i32> {
        self.readings.last().map(|&(_, percent)| percent)
    }
}

/// When the work can end, in seconds since the wait began, as the readings
/// allow under steady progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The earliest and the latest end the readings allow.
    pub end: (f64, f64),
    /// The seconds one percent takes, at least and at most.
    pub step: (f64, f64),
}

/// Where steady progress, reported in whole percents that RDS rounds down,
/// would end. The model: progress may sit at 0 for any time (AWS often
/// reports 0 for a while), then rises by one percent every `s` seconds
/// until the work ends at `E`. A reading of `p` at `t` says that percent
/// `p` was reached by `t` and `p + 1` was not, so for each `s`, `E` lies
/// in `(t + (99 - p) s, t + (100 - p) s]`. Every pair of readings bounds
/// `s`, and the bounds on `s` bound `E`. Readings that no steady rate
/// explains (progress that sped up or slowed down) are dropped, oldest
/// first. `None` until two readings a few percent apart bound the rate.
pub fn estimate(readings: &[(Duration, i32)]) -> Option<Estimate> {
    let readings: Vec<(f64, f64)> = readings
        .iter()
        .filter(|&&(_, percent)| (0..100).contains(&percent))
        .map(|&(at, percent)| (at.as_secs_f64(), f64::from(percent)))
        .collect();
    (0..readings.len()).find_map(|oldest| fit(&readings[oldest..]))
}

fn fit(readings: &[(f64, f64)]) -> Option<Estimate> {
    let (mut s_lo, mut s_hi) = (0.0_f64, f64::INFINITY);
    for &(t_i, p_i) in readings {
        // `j` reached p_j by t_j, which bounds every `i`; a reading of 0
        // says nothing about when the work began.
        for &(t_j, p_j) in readings.iter().filter(|&&(_, p)| p >= 1.0) {
            let gap = p_j - p_i - 1.0;
            if gap > 0.0 {
                s_hi = s_hi.min((t_j - t_i) / gap);
            } else if gap < 0.0 {
                s_lo = s_lo.max((t_i - t_j) / -gap);
            } else if t_j <= t_i {
                return None;
            }
        }
    }
    if !(s_hi.is_finite() && s_lo < s_hi) {
        return None;
    }
    let earliest = readings
        .iter()
        .map(|&(t, p)| t + (99.0 - p) * s_lo)
        .fold(f64::MIN, f64::max);
    let latest = readings
        .iter()
        .filter(|&&(_, p)| p >= 1.0)
        .map(|&(t, p)| t + (100.0 - p) * s_hi)
        .fold(f64::MAX, f64::min);
    Some(Estimate {
        end: (earliest, latest),
        step: (s_lo, s_hi),
    })
}

/// Tuning of the schedule, in multiples of the shortest pause (`floor`),
/// so a shorter floor speeds the whole schedule up. Tuned with the
/// simulation (`cargo run --example schedule`, in `scripts/bench`).
mod tune {
    /// An estimate this narrow (in floors) is good enough: look just after
    /// its latest end.
    pub const NARROW: f64 = 0.5;
    /// How far past the latest predicted end the last look goes, so that
    /// the work has surely ended when RDS is asked.
    pub const PAST: f64 = 0.06;
    /// While still far from the end, go this far towards its earliest
    /// predicted time in one pause.
    pub const TOWARDS: f64 = 0.9;
    /// Without progress: the first looks come this soon (a failure at once,
    /// an adopted resource that is nearly done), unless every look so far
    /// read 0%: a snapshot or copy that has just started, whose start its
    /// create call already showed, and which is no nearer its end for a
    /// look five seconds later...
    pub const QUICK: [f64; 2] = [1.0, 2.0];
    /// ...then pauses grow to reach the usual range's start, and inside it
    /// come at this share of the time waited so far...
    pub const SHARE: f64 = 0.25;
    /// Before the usual range, when hardly anything ends, pauses may be
    /// twice as long.
    pub const LONGEST_BEFORE: f64 = 12.0;
}

/// How long to pause before the next look: a pure function of what was
/// seen, the operation's profile, and the shortest pause `floor`.
///
/// With `PercentProgress` ([`estimate`]): far from the end, the pause goes
/// most of the way towards the earliest predicted end, and each look
/// narrows the prediction; once the prediction is narrow, the next look
/// comes just after its latest end; where a percent lasts longer than the
/// prediction may be wide, a look timed at a predicted change of percent
/// halves it. When the work outlasts the prediction, the readings that no
/// longer fit are dropped and the prediction is made again.
///
/// Without progress (instances, or a snapshot still at 0): quick looks at
/// first, then a few sparse ones to the start of the operation's usual
/// range, then looks at a fixed share of the time waited, which places
/// them densest where most operations end and backs off after.
pub fn next_look(progress: &Progress, profile: Profile, floor: Duration) -> Duration {
    let unit = floor.as_secs_f64();
    let now = progress.elapsed.as_secs_f64();
    let at = match estimate(&progress.readings) {
        // Two readings a few percent apart bound how slow the work is, but
        // only two different ones above 0 bound how fast: until then it
        // may have sat at 0 until just before, so the next look comes after
        // as long again as it has been moving (or been watched) so far.
        Some(estimate) if estimate.step.0 == 0.0 => {
            let first = progress.readings.first().map_or(0, |&(_, percent)| percent);
            let since = progress
                .readings
                .iter()
                .rev()
                .find(|&&(_, percent)| percent == first)
                .map_or(0.0, |&(at, _)| at.as_secs_f64());
            now + (now - since).min(tune::TOWARDS * (estimate.end.1 - now))
        }
        Some(estimate) => predicted(estimate, now, unit),
        None => {
            let just_started = !progress.readings.is_empty()
                && progress.readings.iter().all(|&(_, percent)| percent == 0);
            now + without_progress(progress.looks, just_started, now, profile, unit)
        }
    };
    Duration::from_secs_f64((at - now).max(unit))
}

/// When to look next, in seconds since the wait began, from an estimate.
fn predicted(estimate: Estimate, now: f64, unit: f64) -> f64 {
    let (lo, hi) = estimate.end;
    let past = hi + tune::PAST * unit;
    let step = (estimate.step.0 + estimate.step.1) / 2.0;
    if hi - lo <= tune::NARROW * unit || past <= now + unit {
        return past;
    }
    // The prediction is wide because the rate is not known well yet: a
    // look nearer the end tells it better.
    let from_rate = hi - lo - step;
    if from_rate > step && lo - now > 2.0 * unit {
        return now + tune::TOWARDS * (lo - now);
    }
    // Wide because one percent lasts long: a look when the middle of the
    // range would change the percent halves the range. It comes as many
    // percents before the middle as there are halvings still to make (at
    // least a pause apart each), so that they and a last look all fit.
    let middle = (lo + hi) / 2.0;
    let halvings = ((hi - lo) / (tune::NARROW * unit)).log2().ceil().max(1.0);
    let mut percents = halvings * (unit / step).ceil().max(1.0);
    while percents > 1.0 && middle - percents * step < now + unit {
        percents -= 1.0;
    }
    let halving = middle - percents * step;
    if halving >= now + unit { halving } else { past }
}

/// The pause without progress, in seconds.
fn without_progress(looks: u32, just_started: bool, now: f64, profile: Profile, unit: f64) -> f64 {
    let scale = unit / MIN_PAUSE.as_secs_f64();
    let first = profile.usual.0.as_secs_f64() * scale;
    if let Some(quick) = tune::QUICK.get(looks.saturating_sub(1) as usize)
        && !just_started
    {
        return quick * unit;
    }
    if now < first {
        // Sparse before the usual range: half the way there at a time,
        // but never shorter than the share of the time waited that sets
        // the pauses inside it, so that the looks do not crowd just
        // before its start (halving 30 s before it gave five looks there).
        ((first - now) / 2.0)
            .max(now * tune::SHARE)
            .clamp(unit, tune::LONGEST_BEFORE * unit)
    } else {
        (now * tune::SHARE).clamp(unit, f64::from(profile.longest) * unit)
    }
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

/// Something that can be awaited: it shows a status, and maybe progress,
/// and says what that status means.
pub trait Observed {
    fn seen(&self) -> Seen;
    /// Whether this look is the end of the wait, and how it ended.
    fn verdict(&self) -> Verdict;
}

/// Looks at a resource until it is `available`, fails, or `timeout` passes,
/// and returns the look that saw it so. `what` names it in log lines
/// ("snapshot `x`"); `operation` decides the schedule; the resource, its
/// failure states; `first` is what the call that started the operation
/// answered, if that answer shows the operation's state (see
/// [`until_all_available`]). It is [`until_all_available`] for one resource.
pub async fn until_available<T, F, Fut>(
    what: &str,
    operation: Operation,
    timeout: Duration,
    first: Option<T>,
    mut look: F,
) -> Result<T, WaitError>
where
    T: Observed,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, RdsError>>,
{
    let whats = [what.to_owned()];
    let results = until_all_available(&whats, operation, timeout, vec![first], |_| {
        let one = look();
        async move { one.await.map(|found| vec![found]) }
    })
    .await?;
    results
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!("one resource, one result"))
}

/// Looks at several resources of one operation together until each is
/// `available`, has failed, or `timeout` passes. Each round asks once:
/// `look` gets the indices (into `whats`) still pending and returns what it
/// found for each, in that order, from as few calls as it can (one
/// `DescribeDBSnapshots` with several IDs, say), so the round costs the
/// same whether one or fifty are pending, and a throttled call slows the
/// whole round rather than each resource. The next round comes when the
/// soonest of the pending ones is due by its own schedule ([`next_look`]).
///
/// `first` holds, for each resource, what the call that started its
/// operation answered (CreateDBSnapshot, CopyDBSnapshot, a restore), or
/// what a describe just showed: that answer is the wait's first look, so
/// no describe follows the call at once to learn the same thing, and the
/// schedule starts from it. `None` where no such answer tells the state
/// (a modify's answer still shows the DB as it was before): those are
/// looked at in the first round. Each resource's result is the look that
/// saw it end; nothing is described again after it.
///
/// The outer error is a failed look or a bad setting; each resource's own
/// outcome is in the list, in the order of `whats`.
pub async fn until_all_available<T, F, Fut>(
    whats: &[String],
    operation: Operation,
    timeout: Duration,
    first: Vec<Option<T>>,
    mut look: F,
) -> Result<Vec<Result<T, WaitError>>, WaitError>
where
    T: Observed,
    F: FnMut(&[usize]) -> Fut,
    Fut: Future<Output = Result<Vec<Option<T>>, RdsError>>,
{
    let floor = min_pause(std::env::var(MIN_POLL_ENV).ok().as_deref())
        .map_err(|problem| WaitError::Setting { problem })?;
    let profile = operation.profile();
    let start = tokio::time::Instant::now();
    let all = match whats {
        [one] => one.clone(),
        many => format!("{} resources", many.len()),
    };
    info!(
        "waiting up to {} (`wait-timeout`) for {all} to become available",
        human(timeout)
    );
    // How long a "not found" right after the create counts as RDS not
    // listing the new resource yet, rather than as its deletion.
    let grace = floor * 3;
    let mut progress = vec![Progress::default(); whats.len()];
    let mut last = vec![
        Seen {
            status: "unknown".to_owned(),
            percent: None,
        };
        whats.len()
    ];
    let mut done: Vec<Option<Result<T, WaitError>>> = whats.iter().map(|_| None).collect();
    let mut given = first;
    given.resize_with(whats.len(), || None);
    loop {
        let pending: Vec<usize> = (0..whats.len()).filter(|&i| done[i].is_none()).collect();
        let asked = start.elapsed();
        // The answers already in hand (the first round only), and one look
        // for the rest, if any are left.
        let mut found: Vec<Option<T>> = pending.iter().map(|&i| given[i].take()).collect();
        let unknown: Vec<usize> = pending
            .iter()
            .zip(&found)
            .filter(|(_, found)| found.is_none())
            .map(|(&i, _)| i)
            .collect();
        if !unknown.is_empty() {
            let mut looked = look(&unknown).await?.into_iter();
            for slot in found.iter_mut().filter(|slot| slot.is_none()) {
                *slot = looked.next().flatten();
            }
        }
        let elapsed = start.elapsed();
        let just_created = elapsed < grace;
        for (&i, found) in pending.iter().zip(found) {
            let what = &whats[i];
            let seen = found.as_ref().map(Observed::seen);
            if let Some(seen) = &seen {
                // The first time each state is seen, for a drill's timeline.
                crate::timeline::mark(&seen.status);
            }
            progress[i].looks += 1;
            progress[i].elapsed = elapsed;
            if seen.is_none() && just_created {
                info!("{what} is not listed yet; RDS may not show a new resource at once");
            }
            match (verdict(found.as_ref(), just_created), found) {
                (Verdict::Available, Some(found)) => {
                    let status = found.seen().status;
                    if status == "available" {
                        info!("{what} is available after {}", human(elapsed));
                    } else {
                        info!(
                            "{what} is usable after {}: it is `{status}`, which RDS serves connections in (it finishes in the background)",
                            human(elapsed)
                        );
                    }
                    done[i] = Some(Ok(found));
                }
                (Verdict::Available, None) => {
                    unreachable!("a missing resource is never available")
                }
                (Verdict::Failed(reason), _) => {
                    done[i] = Some(Err(WaitError::Failed {
                        what: what.clone(),
                        reason,
                    }));
                }
                (Verdict::Pending, _) => {
                    if let Some(percent) = seen.as_ref().and_then(|seen| seen.percent) {
                        progress[i].readings.push((asked, percent));
                    }
                    if let Some(seen) = seen {
                        last[i] = seen;
                    }
                }
            }
        }
        let pending: Vec<usize> = (0..whats.len()).filter(|&i| done[i].is_none()).collect();
        if pending.is_empty() {
            return Ok(done.into_iter().flatten().collect());
        }
        let left = timeout.saturating_sub(elapsed);
        if left.is_zero() {
            for &i in &pending {
                done[i] = Some(Err(WaitError::TimedOut {
                    what: whats[i].clone(),
                    waited: human(elapsed),
                    status: last[i].status.clone(),
                    percent: last[i]
                        .percent
                        .map(|p| format!(" at {p}%"))
                        .unwrap_or_default(),
                }));
            }
            return Ok(done.into_iter().flatten().collect());
        }
        let pause = pending
            .iter()
            .map(|&i| next_look(&progress[i], profile, floor))
            .min()
            .unwrap_or(floor)
            .min(left);
        let shown_status = |i: usize| {
            format!(
                "{}{}",
                shown(&last[i].status),
                last[i]
                    .percent
                    .map(|p| format!(" {p}%"))
                    .unwrap_or_default()
            )
        };
        match pending.as_slice() {
            [i] => info!(
                "waiting for {}: {} after {}; next look in {}",
                whats[*i],
                shown_status(*i),
                human(elapsed),
                human(pause),
            ),
            many => info!(
                "waiting for {} of {}: {} after {}; next look in {}",
                many.len(),
                whats.len(),
                many.iter()
                    .map(|&i| format!("{} {}", whats[i], shown_status(i)))
                    .collect::<Vec<_>>()
                    .join(", "),
                human(elapsed),
                human(pause),
            ),
        }
        tokio::time::sleep(pause).await;
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
    fn not_found_right_after_a_create_is_not_yet_a_deletion() {
        assert_eq!(verdict::<Fake>(None, true), Verdict::Pending);
        assert!(matches!(
            verdict::<Fake>(None, false),
            Verdict::Failed(reason) if reason.contains("no longer exists")
        ));
        assert_eq!(
            verdict(Some(&Fake { status: "creating" }), false),
            Verdict::Pending
        );
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// The readings a look every `every` seconds takes of steady progress
    /// that starts at `start` and ends at `end`, up to `until`.
    fn steady(start: f64, end: f64, every: f64, until: f64) -> Vec<(Duration, i32)> {
        let mut readings = Vec::new();
        let mut t = 0.0;
        while t <= until {
            let percent = ((t - start).max(0.0) / (end - start) * 100.0).floor() as i32;
            readings.push((secs(t), percent.min(99)));
            t += every;
        }
        readings
    }

    #[test]
    fn without_progress_quick_then_sparse_then_dense_then_backing_off() {
        let profile = Operation::Restore(Kind::Instance).profile();
        let at = |looks, elapsed| {
            next_look(
                &Progress {
                    elapsed: secs(elapsed),
                    looks,
                    readings: Vec::new(),
                },
                profile,
                MIN_PAUSE,
            )
        };
        // Quick at first: a failure at once is seen at once.
        assert_eq!(at(1, 0.0), secs(5.0));
        assert_eq!(at(2, 5.0), secs(10.0));
        // Sparse before the usual range (10 minutes for a restore)...
        assert_eq!(at(3, 15.0), secs(60.0));
        assert_eq!(at(5, 300.0), secs(60.0));
        // ...not crowding just before its start, where half the way there
        // would be 20 s, then 10, then 5...
        assert_eq!(at(12, 560.0), secs(60.0));
        // ...then a share of the time waited, up to the longest pause.
        assert_eq!(at(6, 120.0 * 1.0), secs(60.0));
        assert_eq!(at(30, 3000.0), secs(30.0));
    }

    #[test]
    fn a_snapshot_just_started_gets_no_quick_looks_but_an_adopted_one_does() {
        let profile = Operation::Snapshot.profile();
        let at = |readings: Vec<(Duration, i32)>| {
            next_look(
                &Progress {
                    elapsed: secs(0.1),
                    looks: 1,
                    readings,
                },
                profile,
                MIN_PAUSE,
            )
        };
        // CreateDBSnapshot answered `creating` at 0%: the next look goes
        // half the way to the usual range's start (a minute), not 5 s on.
        assert_eq!(at(vec![(secs(0.0), 0)]), secs(29.95));
        // An earlier attempt's snapshot, adopted at 95%: it may be done in
        // seconds, so the quick looks stay.
        assert_eq!(at(vec![(secs(0.0), 95)]), secs(5.0));
    }

    #[test]
    fn a_shorter_floor_scales_the_whole_schedule() {
        let floor = Duration::from_millis(100);
        let profile = Operation::Restore(Kind::Instance).profile();
        let at = |looks, elapsed: f64| {
            next_look(
                &Progress {
                    elapsed: secs(elapsed),
                    looks,
                    readings: Vec::new(),
                },
                profile,
                floor,
            )
        };
        assert_eq!(at(1, 0.0), floor);
        assert_eq!(at(3, 0.3), floor * 12);
        assert_eq!(at(30, 60.0), floor * 6);
        // Progress: the prediction is measured, not scaled; only the
        // margins are.
        let readings = steady(0.0, 6.0, 0.5, 5.0);
        let pause = next_look(
            &Progress {
                elapsed: secs(5.0),
                looks: 11,
                readings,
            },
            Operation::Snapshot.profile(),
            floor,
        );
        assert!(pause >= floor && pause < secs(1.1), "{pause:?}");
    }

    #[test]
    fn steady_progress_bounds_the_end() {
        // A 300 s snapshot seen at 0, 30 and 150 s.
        let readings = vec![(secs(0.0), 0), (secs(30.0), 10), (secs(150.0), 50)];
        let Estimate { end: (lo, hi), .. } = estimate(&readings).unwrap();
        assert!(lo <= 300.0 && 300.0 <= hi && hi - lo < 15.0, "{lo}..{hi}");
        // Progress that sat at 0 for two minutes, then took 200 s.
        let readings = steady(120.0, 320.0, 20.0, 300.0);
        let Estimate { end: (lo, hi), .. } = estimate(&readings).unwrap();
        assert!(lo <= 320.0 && 320.0 <= hi && hi - lo < 5.0, "{lo}..{hi}");
        // One reading, or readings a percent apart, do not bound the rate.
        assert_eq!(estimate(&[(secs(10.0), 3)]), None);
        assert_eq!(estimate(&[(secs(0.0), 0), (secs(5.0), 1)]), None);
    }

    #[test]
    fn progress_that_changes_pace_is_estimated_from_what_still_fits() {
        // 1% a second up to 20%, then 1% every 4 s: the old readings are
        // dropped and the end follows the new pace (20% at 20 s, so 100%
        // at 340 s).
        let mut readings = steady(0.0, 100.0, 5.0, 20.0);
        readings.extend([(secs(100.0), 40), (secs(180.0), 60)]);
        let Estimate { end: (lo, hi), .. } = estimate(&readings).unwrap();
        assert!(lo <= 340.0 && 340.0 <= hi, "{lo}..{hi}");
    }

    #[test]
    fn the_next_look_comes_just_after_a_narrow_prediction() {
        // A 100 s snapshot seen every 10 s up to 90 s: it ends within a
        // second of 100 s, so look once, just after.
        let readings = steady(0.0, 100.0, 10.0, 90.0);
        let Estimate { end: (lo, hi), .. } = estimate(&readings).unwrap();
        assert!(lo <= 100.0 && 100.0 <= hi && hi - lo <= 1.5, "{lo}..{hi}");
        let pause = next_look(
            &Progress {
                elapsed: secs(90.0),
                looks: 10,
                readings,
            },
            Operation::Snapshot.profile(),
            MIN_PAUSE,
        );
        let at = 90.0 + pause.as_secs_f64();
        assert!((hi..hi + 1.0).contains(&at), "{at} for {lo}..{hi}");
    }

    #[test]
    fn far_from_the_end_the_pause_goes_most_of_the_way() {
        // 10% after 30 s of a 300 s snapshot: it may have sat at 0 until
        // just before, so look again after as long, 30 s...
        let mut progress = Progress {
            elapsed: secs(30.0),
            looks: 2,
            readings: vec![(secs(0.0), 0), (secs(30.0), 10)],
        };
        let profile = Operation::Snapshot.profile();
        assert_eq!(next_look(&progress, profile, MIN_PAUSE), secs(30.0));
        // ...and at 20% after 60 s the pace is known: go most of the way
        // towards the end, well before 300 s but not every few seconds.
        progress.readings.push((secs(60.0), 20));
        progress.elapsed = secs(60.0);
        let pause = next_look(&progress, profile, MIN_PAUSE);
        assert!(pause > secs(120.0) && pause < secs(240.0), "{pause:?}");
    }

    #[test]
    fn a_modify_is_expected_sooner_than_a_restore() {
        for kind in [Kind::Instance, Kind::Cluster] {
            let (modify, restore) = (
                Operation::Modify(kind).profile(),
                Operation::Restore(kind).profile(),
            );
            assert!(modify.usual.0 < restore.usual.0, "{kind}");
        }
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

    /// A fake resource that is `creating` until `ready` seconds have passed.
    struct Fake {
        status: &'static str,
    }

    impl Observed for Fake {
        fn seen(&self) -> Seen {
            seen(self.status)
        }

        fn verdict(&self) -> Verdict {
            match self.status {
                "available" => Verdict::Available,
                "incompatible-parameters" => {
                    Verdict::Failed(format!("it is in state `{}`", self.status))
                }
                _ => Verdict::Pending,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn several_resources_are_awaited_with_one_look_a_round() {
        let start = tokio::time::Instant::now();
        let ready = [30.0, 90.0, 60.0];
        let whats: Vec<String> = ["a", "b", "c"].map(str::to_owned).to_vec();
        let mut rounds = 0;
        let mut asked_for = Vec::new();
        let results = until_all_available(
            &whats,
            Operation::Restore(Kind::Instance),
            Duration::from_secs(600),
            Vec::new(),
            |pending: &[usize]| {
                rounds += 1;
                asked_for.push(pending.to_vec());
                let now = start.elapsed().as_secs_f64();
                let found: Vec<Option<Fake>> = pending
                    .iter()
                    .map(|&i| {
                        Some(Fake {
                            status: match i {
                                // `c` fails at once: the others go on.
                                2 => "incompatible-parameters",
                                _ if now >= ready[i] => "available",
                                _ => "creating",
                            },
                        })
                    })
                    .collect();
                async move { Ok(found) }
            },
        )
        .await
        .unwrap();
        assert!(results[0].is_ok() && results[1].is_ok());
        assert!(matches!(&results[2], Err(WaitError::Failed { what, .. }) if what == "c"));
        // `c` is asked for only in the first round; `a` until it is seen.
        assert_eq!(asked_for[0], [0, 1, 2]);
        assert!(asked_for[1..].iter().all(|pending| !pending.contains(&2)));
        assert_eq!(asked_for.last().unwrap(), &[1]);
        // One look a round, each answering for all pending: far fewer than
        // three resources polled on their own.
        assert_eq!(rounds, asked_for.len());
        assert!(start.elapsed() >= Duration::from_secs(90));
    }

    /// Issue 25: the create's answer is the first look, so the first
    /// describe comes a pause later, and the look that saw the resource
    /// available is the last call.
    #[tokio::test(start_paused = true)]
    async fn the_create_answer_is_the_first_look_and_nothing_is_looked_at_twice() {
        let start = tokio::time::Instant::now();
        let mut looked_at = Vec::new();
        let done = until_available(
            "snapshot `s`",
            Operation::Snapshot,
            Duration::from_secs(600),
            Some(Fake { status: "creating" }),
            || {
                looked_at.push(start.elapsed());
                let now = start.elapsed().as_secs_f64();
                let status = if now >= 40.0 { "available" } else { "creating" };
                async move { Ok(Some(Fake { status })) }
            },
        )
        .await
        .unwrap();
        assert_eq!(done.status, "available");
        assert_eq!(looked_at.first(), Some(&MIN_PAUSE), "{looked_at:?}");
        assert!(
            looked_at
                .windows(2)
                .all(|pair| pair[1] - pair[0] >= MIN_PAUSE),
            "{looked_at:?}"
        );
        assert!(start.elapsed() >= Duration::from_secs(40));
        // An answer that already shows it available needs no look at all.
        let mut looks = 0;
        until_available(
            "snapshot `s`",
            Operation::Snapshot,
            Duration::from_secs(600),
            Some(Fake {
                status: "available",
            }),
            || {
                looks += 1;
                async { Ok(None::<Fake>) }
            },
        )
        .await
        .unwrap();
        assert_eq!(looks, 0);
    }
}
