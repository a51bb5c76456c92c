//! The waiting schedule ([`next_look`]) against thousands of simulated RDS
//! operations, next to a poller that looks every 30 s (the AWS CLI's and
//! boto3's waiters' default delay). No real time passes: it runs in
//! milliseconds. `scripts/bench` prints it; `cargo run --example schedule`
//! alone does too.
//!
//! The operations, in AWS seconds: snapshots of 1-30 minutes and restores
//! of 10-45 minutes (drawn evenly on a log scale), with `PercentProgress`
//! rising steadily, sitting at 0 for 10-50% of the time before rising, or
//! jumping from 0 to done (and restores, which report no progress at all).
//!
//! The action's first look is the answer of the call that started the
//! operation (CreateDBSnapshot, a restore), which costs no describe; a
//! waiter describes at once after it.

use std::time::Duration;

use rds_snapshot_action::model::Kind;
use rds_snapshot_action::wait::{MIN_PAUSE, Operation, Progress, next_look};

/// How many operations each curve gets.
const RUNS: usize = 4000;
/// A describe call's round trip to RDS.
const ROUND_TRIP: f64 = 0.08;
/// The delay of the AWS CLI's and boto3's RDS waiters.
const WAITER_DELAY: f64 = 30.0;
/// Operations this long or longer are held to the calls goal.
const LONG: f64 = 300.0;

/// SplitMix64: a seeded, well-known generator small enough to write out,
/// so the figures are the same on every run and need no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }

    /// Evenly on a log scale: as many 1-2 minute snapshots as 10-20 minute ones.
    fn log_between(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.next()).exp()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Curve {
    Steady,
    /// At 0 until this share of the duration, then steady.
    StuckAtZero(f64),
    /// 0 until done: no usable progress.
    Jump,
    /// No `PercentProgress` at all (instances).
    None,
}

/// One simulated operation: it ends `duration` seconds after it began,
/// which was `head_start` seconds before the wait's first look.
struct Op {
    operation: Operation,
    curve: Curve,
    duration: f64,
    head_start: f64,
}

impl Op {
    /// What a look at `t` (since the wait began) sees: done, or the percent.
    fn at(&self, t: f64) -> Result<Option<i32>, ()> {
        let since = t + self.head_start;
        if since >= self.duration {
            return Err(());
        }
        let rising_from = match self.curve {
            Curve::Steady => 0.0,
            Curve::StuckAtZero(share) => share * self.duration,
            Curve::Jump => return Ok(Some(0)),
            Curve::None => return Ok(None),
        };
        let share = ((since - rising_from) / (self.duration - rising_from)).max(0.0);
        Ok(Some(((share * 100.0).floor() as i32).min(99)))
    }

    fn end(&self) -> f64 {
        self.duration - self.head_start
    }
}

/// How a poller did on one operation: seconds from the end to the answer
/// that showed it, and describe calls.
#[derive(Clone, Copy)]
struct Run {
    late: f64,
    calls: u32,
}

fn ours(op: &Op, floor: Duration) -> Run {
    let profile = op.operation.profile();
    let mut progress = Progress::default();
    let mut t = 0.0;
    loop {
        // RDS answers from its state halfway through the round trip.
        let seen = op.at(t + ROUND_TRIP / 2.0);
        progress.looks += 1;
        let answered = t + ROUND_TRIP;
        match seen {
            Err(()) => {
                return Run {
                    late: answered - op.end(),
                    // The first look is the create's own answer, no call.
                    calls: progress.looks - 1,
                };
            }
            Ok(percent) => {
                if let Some(percent) = percent {
                    progress
                        .readings
                        .push((Duration::from_secs_f64(t), percent));
                }
            }
        }
        progress.elapsed = Duration::from_secs_f64(answered);
        t = answered + next_look(&progress, profile, floor).as_secs_f64();
    }
}

fn every(op: &Op, delay: f64) -> Run {
    let mut t = 0.0;
    let mut calls = 0;
    loop {
        calls += 1;
        if op.at(t + ROUND_TRIP / 2.0).is_err() {
            return Run {
                late: t + ROUND_TRIP - op.end(),
                calls,
            };
        }
        t += ROUND_TRIP + delay;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Figures {
    median: f64,
    p95: f64,
    max: f64,
    calls: f64,
    total_calls: u64,
}

fn figures(runs: &[Run]) -> Figures {
    let mut late: Vec<f64> = runs.iter().map(|run| run.late).collect();
    late.sort_by(f64::total_cmp);
    let total_calls: u64 = runs.iter().map(|run| u64::from(run.calls)).sum();
    Figures {
        median: percentile(&late, 0.5),
        p95: percentile(&late, 0.95),
        max: late[late.len() - 1],
        calls: total_calls as f64 / runs.len() as f64,
        total_calls,
    }
}

fn main() {
    let floor = std::env::var("RDS_SNAPSHOT_ACTION_MIN_POLL")
        .ok()
        .map(|value| rds_snapshot_action::wait::min_pause(Some(&value)).expect("a valid floor"))
        .unwrap_or(MIN_PAUSE);
    let started = std::time::Instant::now();
    let mut rng = Rng(14);
    let groups: [(&str, Operation, (f64, f64)); 4] = [
        (
            "snapshot, steady progress",
            Operation::Snapshot,
            (60.0, 1800.0),
        ),
        (
            "snapshot, at 0% for a while",
            Operation::Snapshot,
            (60.0, 1800.0),
        ),
        (
            "snapshot, 0% then done",
            Operation::Snapshot,
            (60.0, 1800.0),
        ),
        (
            "restore, no progress",
            Operation::Restore(Kind::Instance),
            (600.0, 2700.0),
        ),
    ];
    println!(
        "Schedule simulation: {RUNS} operations per curve, shortest pause {floor:?}, seeded; seconds late (median / p95 / max) and describe calls per operation"
    );
    println!(
        "{:<30} {:<10} {:>25} {:>7} | {:>25} {:>7} | {:>6}",
        "operations", "length", "action: late", "calls", "30 s poller: late", "calls", "calls%"
    );
    let mut predicted = (Vec::new(), 0u64, 0u64);
    let mut rest = (Vec::new(), 0u64, 0u64);
    for (index, (name, operation, (lo, hi))) in groups.into_iter().enumerate() {
        let ops: Vec<Op> = (0..RUNS)
            .map(|_| Op {
                operation,
                curve: match index {
                    0 => Curve::Steady,
                    1 => Curve::StuckAtZero(rng.between(0.1, 0.5)),
                    2 => Curve::Jump,
                    _ => Curve::None,
                },
                duration: rng.log_between(lo, hi),
                head_start: rng.between(0.0, 0.5),
            })
            .collect();
        for (label, long) in [("< 5 min", false), (">= 5 min", true)] {
            let chosen: Vec<&Op> = ops
                .iter()
                .filter(|op| (op.duration >= LONG) == long)
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let a: Vec<Run> = chosen.iter().map(|op| ours(op, floor)).collect();
            let b: Vec<Run> = chosen.iter().map(|op| every(op, WAITER_DELAY)).collect();
            let (fa, fb) = (figures(&a), figures(&b));
            println!(
                "{:<30} {:<10} {:>7.1} / {:>6.1} / {:>6.1} {:>7.1} | {:>7.1} / {:>6.1} / {:>6.1} {:>7.1} | {:>5.0}%",
                name,
                label,
                fa.median,
                fa.p95,
                fa.max,
                fa.calls,
                fb.median,
                fb.p95,
                fb.max,
                fb.calls,
                100.0 * fa.total_calls as f64 / fb.total_calls as f64
            );
            if index < 2 {
                predicted.0.extend(a.iter().map(|run| run.late));
                if long {
                    predicted.1 += fa.total_calls;
                    predicted.2 += fb.total_calls;
                }
            } else {
                rest.0.extend(a.iter().map(|run| run.late));
                if long {
                    rest.1 += fa.total_calls;
                    rest.2 += fb.total_calls;
                }
            }
        }
    }
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let mut late = predicted.0;
    late.sort_by(f64::total_cmp);
    let (median, p95) = (percentile(&late, 0.5), percentile(&late, 0.95));
    let share = predicted.1 as f64 / predicted.2 as f64;
    println!("Goals, on operations that report progress (steady, or at 0% for a while):");
    println!(
        "  median late <= 2 s: {median:.1} s, {}",
        verdict(median <= 2.0)
    );
    println!("  p95 late <= 5 s: {p95:.1} s, {}", verdict(p95 <= 5.0));
    println!(
        "  calls on operations >= 5 min <= half a 30 s poller's: {:.0}%, {}",
        share * 100.0,
        verdict(share <= 0.5)
    );
    let mut late = rest.0;
    late.sort_by(f64::total_cmp);
    println!(
        "Without usable progress (0% then done, restores) nothing predicts the end: median {:.1} s, p95 {:.1} s late, {:.0}% of a 30 s poller's calls on operations >= 5 min; the latency goals cannot be met there within the calls goal",
        percentile(&late, 0.5),
        percentile(&late, 0.95),
        100.0 * rest.1 as f64 / rest.2 as f64
    );
    println!("(simulated in {:?})", started.elapsed());
}
