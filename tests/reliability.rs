//! Does it survive? Every mode runs many times through a fault-injecting
//! proxy in front of moto, and is killed (SIGKILL) at random points and run
//! again. Each test prints a table of what it did; the README's
//! "Reliability" section quotes them.
//!
//! `RELIABILITY_RUNS` sets the runs per mode (default 50).

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{FaultProxy, Moto, Step};
use rds_snapshot_action::config::Mode;

fn runs() -> usize {
    std::env::var("RELIABILITY_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50)
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Runs `job(0..count)` on `workers` threads; results in index order.
fn in_parallel<T: Send>(count: usize, workers: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        break;
                    }
                    let result = job(i);
                    results.lock().unwrap().push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, result)| result).collect()
}

/// One mode, with the world it needs and the world it must leave. Every
/// mode the action has is a scenario: the matches below are exhaustive, so
/// a new mode does not compile until it joins both suites.
#[derive(Debug, Clone, Copy)]
struct Scenario(Mode);

/// The scenarios to run: all, or those `RELIABILITY_MODES` names
/// (comma-separated), to re-run one while investigating.
fn scenarios() -> Vec<Scenario> {
    let only = std::env::var("RELIABILITY_MODES").unwrap_or_default();
    Mode::ALL
        .into_iter()
        .filter(|mode| *mode != Mode::Backtrack)
        .map(Scenario)
        .filter(|s| only.is_empty() || only.split(',').any(|name| name == s.name()))
        .collect()
}

/// The resources a run is judged by: the DB's snapshots in the step's
/// region and in us-west-2, and the DB instances named after the DB.
#[derive(Debug, Clone, PartialEq, Eq)]
struct World {
    snapshots: Vec<String>,
    copies: Vec<String>,
    instances: Vec<String>,
    /// Instances with the source's Enhanced Monitoring and Performance
    /// Insights, which only the modify after a restore carries over.
    monitored: Vec<String>,
}

fn db(n: usize) -> String {
    format!("db-{n}")
}

fn snap(n: usize, k: usize) -> String {
    format!("db-{n}-s{k}")
}

fn run_id(n: usize) -> String {
    (7000 + n).to_string()
}

impl Scenario {
    fn name(self) -> &'static str {
        self.0.name()
    }

    /// Prepares run `n`'s world, straight against moto; returns the world
    /// a correct run leaves.
    async fn setup(self, moto: &Moto, n: usize) -> World {
        let db = db(n);
        let tuned = matches!(self.0, Mode::Restore | Mode::Pitr);
        if tuned {
            common::create_tuned_db(&moto.client(), &db).await;
        } else {
            moto.create_db(&db).await;
        }
        let snapshots = match self.0 {
            Mode::Restore | Mode::List | Mode::Delete | Mode::Copy => 1,
            Mode::Prune => 3,
            Mode::Snapshot | Mode::Pitr => 0,
            Mode::Backtrack => todo!("backtrack scenario"),
        };
        for k in 0..snapshots {
            moto.own_snapshot(&db, &snap(n, k), None).await;
        }
        let existing = moto.snapshot_ids(&db).await;
        let (snapshots, copies, instances) = match self.0 {
            Mode::Snapshot => (
                vec![format!("{db}-v{n}-r{}", run_id(n))],
                vec![],
                vec![db.clone()],
            ),
            Mode::Restore => (existing, vec![], vec![db.clone(), format!("{db}-rb")]),
            Mode::Pitr => (existing, vec![], vec![db.clone(), format!("{db}-pitr")]),
            Mode::List => (existing, vec![], vec![db.clone()]),
            Mode::Prune => (vec![newest(moto, &db).await], vec![], vec![db.clone()]),
            Mode::Delete => (vec![], vec![], vec![db.clone()]),
            Mode::Copy => (existing.clone(), existing, vec![db.clone()]),
            Mode::Backtrack => todo!("backtrack scenario"),
        };
        World {
            monitored: if tuned { instances.clone() } else { vec![] },
            snapshots,
            copies,
            instances,
        }
    }

    fn step(self, moto: &Moto, n: usize) -> Step {
        let db = db(n);
        let step = Step::new(moto, self.name(), &run_id(n));
        match self.0 {
            Mode::Snapshot => step
                .with("db-instance-identifier", &db)
                .with("deploy-version", &format!("v{n}")),
            Mode::Restore => step
                .with("snapshot-identifier", "latest")
                .with("db-instance-identifier", &db)
                .with("target-db-instance-identifier", &format!("{db}-rb")),
            Mode::Pitr => step
                .with("db-instance-identifier", &db)
                .with("restore-time", "latest")
                .with("target-db-instance-identifier", &format!("{db}-pitr")),
            Mode::List => step.with("db-instance-identifier", &db),
            Mode::Prune => step
                .with("db-instance-identifier", &db)
                .with("keep-last", "1"),
            Mode::Delete => step.with("snapshot-identifier", &snap(n, 0)),
            Mode::Copy => step
                .with("snapshot-identifier", &snap(n, 0))
                .with("target-region", "us-west-2"),
            Mode::Backtrack => todo!("backtrack scenario"),
        }
    }

    /// Outputs that a re-run cannot reproduce, and why.
    fn volatile_outputs(self) -> &'static [&'static str] {
        match self.0 {
            // `latest` is read again on the re-run, and has moved on.
            Mode::Pitr => &["restore-time"],
            // A killed prune or delete keeps no record of what it deleted
            // before it died; the re-run reports what it deleted itself.
            Mode::Prune => &["deleted", "prune-candidates"],
            Mode::Delete => &["deleted"],
            _ => &[],
        }
    }
}

/// The newest snapshot of `db`, by the same rule prune uses.
async fn newest(moto: &Moto, db: &str) -> String {
    let output = moto
        .client()
        .describe_db_snapshots()
        .db_instance_identifier(db)
        .send()
        .await
        .unwrap();
    output
        .db_snapshots()
        .iter()
        .max_by(|a, b| {
            let key = |s: &aws_sdk_rds::types::DbSnapshot| {
                (
                    s.snapshot_create_time().map(|t| t.as_nanos()),
                    s.db_snapshot_identifier().unwrap_or("").to_owned(),
                )
            };
            key(a).cmp(&key(b))
        })
        .and_then(|s| s.db_snapshot_identifier())
        .unwrap()
        .to_owned()
}

async fn world(moto: &Moto, n: usize) -> World {
    let db = db(n);
    let west = moto.client_in("us-west-2");
    let mut copies: Vec<String> = west
        .describe_db_snapshots()
        .db_instance_identifier(&db)
        .send()
        .await
        .unwrap()
        .db_snapshots()
        .iter()
        .filter_map(|s| s.db_snapshot_identifier().map(str::to_owned))
        .collect();
    copies.sort();
    let instances: Vec<String> = moto
        .instance_ids()
        .await
        .into_iter()
        .filter(|id| id == &db || id.starts_with(&format!("{db}-")))
        .collect();
    let mut monitored = Vec::new();
    for id in &instances {
        let instance = moto.instance(id).await;
        if instance.monitoring_interval() == Some(60)
            && instance.performance_insights_enabled() == Some(true)
        {
            monitored.push(id.clone());
        }
    }
    World {
        snapshots: moto.snapshot_ids(&db).await,
        copies,
        instances,
        monitored,
    }
}

#[test]
fn every_mode_succeeds_through_a_20_percent_fault_rate_without_duplicates() {
    let runs = runs();
    let mut table = Vec::new();
    for (seed, scenario) in scenarios().into_iter().enumerate() {
        let moto = Moto::start();
        let proxy = FaultProxy::start(&moto.endpoint, 0.2, seed as u64 + 1, 0);
        let started = Instant::now();
        let failures: Vec<String> = in_parallel(runs, 8, |n| {
            let expected = block_on(scenario.setup(&moto, n));
            let ran = scenario.step(&moto, n).via(&proxy.endpoint).run();
            let found = block_on(world(&moto, n));
            let mut problems = Vec::new();
            if ran.code != 0 {
                problems.push(format!("run {n} failed:\n{ran}"));
            }
            if found != expected {
                problems.push(format!("run {n} left {found:?}, expected {expected:?}"));
            }
            problems
        })
        .into_iter()
        .flatten()
        .collect();
        let requests = proxy.requests();
        let mut faults: BTreeMap<String, usize> = BTreeMap::new();
        for fault in requests.iter().filter_map(|(_, fault)| fault.clone()) {
            *faults.entry(fault).or_default() += 1;
        }
        table.push(format!(
            "| {} | {runs} | {} | {} | {} | {faults:?} | {:.0}s |",
            scenario.name(),
            runs - failures.iter().filter(|p| p.contains("failed")).count(),
            failures.iter().filter(|p| p.contains(" left ")).count(),
            requests.len(),
            started.elapsed().as_secs_f64()
        ));
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            scenario.name(),
            failures.join("\n")
        );
    }
    println!(
        "\n| mode | runs | succeeded | wrong resources | requests | faults injected | time |\n|---|---|---|---|---|---|---|\n{}",
        table.join("\n")
    );
}

/// A deterministic pseudo-random number in `0..bound` for run `n`.
fn pick(n: usize, salt: u64, bound: u64) -> u64 {
    let mut x = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    x % bound
}

#[test]
fn every_mode_converges_after_a_kill_at_a_random_point() {
    let runs = runs();
    let mut table = Vec::new();
    for (salt, scenario) in scenarios().into_iter().enumerate() {
        // A: killed and re-run, behind a proxy that slows every answer so a
        // kill lands mid-step. B: the same world, run once, uninterrupted.
        let killed_moto = Moto::start();
        let proxy = FaultProxy::start(&killed_moto.endpoint, 0.0, 0, 25);
        let reference_moto = Moto::start();
        // How long an uninterrupted step takes here: kills land across it.
        block_on(scenario.setup(&killed_moto, runs));
        let timer = Instant::now();
        let calibration = scenario.step(&killed_moto, runs).via(&proxy.endpoint).run();
        calibration.assert_ok();
        let span = (timer.elapsed().as_millis() as u64).max(1);
        let interrupted = AtomicUsize::new(0);
        let problems: Vec<String> = in_parallel(runs, 6, |n| {
            block_on(scenario.setup(&killed_moto, n));
            block_on(scenario.setup(&reference_moto, n));
            let reference = scenario.step(&reference_moto, n).run();
            let mut child = scenario
                .step(&killed_moto, n)
                .via(&proxy.endpoint)
                .command()
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(pick(n, salt as u64, span)));
            if child.try_wait().unwrap().is_none() {
                interrupted.fetch_add(1, Ordering::SeqCst);
            }
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            // A re-run is a later attempt of the same run, as GitHub numbers it.
            let rerun = scenario
                .step(&killed_moto, n)
                .via(&proxy.endpoint)
                .env("GITHUB_RUN_ATTEMPT", "2")
                .run();
            let mut problems = Vec::new();
            if reference.code != 0 || rerun.code != 0 {
                problems.push(format!("run {n}: reference\n{reference}\nre-run\n{rerun}"));
            }
            let strip = |outputs: &BTreeMap<String, String>| {
                let mut outputs = outputs.clone();
                outputs.retain(|key, _| !scenario.volatile_outputs().contains(&key.as_str()));
                // The two worlds' default security groups have different
                // IDs; what was carried, how, and what drifted must match.
                if let Some(rows) = outputs.get_mut("settings") {
                    let mut value: serde_json::Value = serde_json::from_str(rows).unwrap();
                    for row in value.as_array_mut().unwrap() {
                        let row = row.as_object_mut().unwrap();
                        row.remove("source");
                        row.remove("restored");
                    }
                    *rows = value.to_string();
                }
                // The two worlds' snapshots were made at different moments.
                if let Some(list) = outputs.get_mut("snapshots") {
                    let mut value: serde_json::Value = serde_json::from_str(list).unwrap();
                    for entry in value.as_array_mut().unwrap() {
                        entry.as_object_mut().unwrap().remove("created");
                    }
                    *list = value.to_string();
                }
                outputs
            };
            if strip(&rerun.outputs) != strip(&reference.outputs) {
                problems.push(format!(
                    "run {n}: outputs differ\nre-run    {:?}\nreference {:?}",
                    rerun.outputs, reference.outputs
                ));
            }
            let (killed, clean) = (
                block_on(world(&killed_moto, n)),
                block_on(world(&reference_moto, n)),
            );
            if killed != clean {
                problems.push(format!(
                    "run {n}: left {killed:?}, uninterrupted left {clean:?}\nre-run:\n{rerun}"
                ));
            }
            problems
        })
        .into_iter()
        .flatten()
        .collect();
        let interrupted = interrupted.load(Ordering::SeqCst);
        table.push(format!(
            "| {} | {runs} | {interrupted} | {} | {span} ms |",
            scenario.name(),
            runs - problems.len().min(runs),
        ));
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            scenario.name(),
            problems.join("\n")
        );
    }
    println!(
        "\n| mode | kills | landed mid-step | converged | uninterrupted step |\n|---|---|---|---|---|\n{}",
        table.join("\n")
    );
}
