//! Does it survive? Every mode runs many times through a fault-injecting
//! proxy in front of moto, and is killed (SIGKILL) at random points and run
//! again. Each test prints a table of what it did; the README's
//! "Reliability" section quotes them.
//!
//! Each mode runs on RDS DB instances and on Aurora clusters (a
//! production-like cluster with a writer and a reader, from
//! `tests/support/aurora.py`). `RELIABILITY_RUNS` sets the runs per
//! instance scenario (default 50), `RELIABILITY_CLUSTER_RUNS` per cluster
//! scenario (default 20; see [`Scenario::runs`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{
    FaultProxy, Moto, Step, block_on, cluster_snapshot_ids, create_cluster, in_parallel,
    own_cluster_snapshot,
};
use rds_snapshot_action::config::Mode;
use rds_snapshot_action::model::Kind;
use rds_snapshot_action::naming;

/// One mode on one kind of DB, with the world it needs and the world it
/// must leave. Every mode the action has is a scenario on an RDS DB instance
/// and on an Aurora cluster where it applies: the matches below are
/// exhaustive, so a new mode does not compile until it joins both suites.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    mode: Mode,
    kind: Kind,
}

/// The scenarios to run: all, or those `RELIABILITY_MODES` names
/// (comma-separated, e.g. `restore,cluster-restore`), to re-run one while
/// investigating.
fn scenarios() -> Vec<Scenario> {
    let only = std::env::var("RELIABILITY_MODES").unwrap_or_default();
    [Kind::Instance, Kind::Cluster]
        .into_iter()
        .flat_map(|kind| Mode::ALL.map(|mode| Scenario { mode, kind }))
        .filter(|s| s.applies())
        .filter(|s| only.is_empty() || only.split(',').any(|name| name == s.name()))
        .collect()
}

/// The resources a run is judged by, all named after the run's DB: its
/// snapshots (of its kind) in the step's region and in us-west-2, the DB
/// clusters and DB instances, what is not `available`, and the cluster's
/// Backtracks.
#[derive(Debug, Clone, PartialEq, Eq)]
struct World {
    snapshots: Vec<String>,
    copies: Vec<String>,
    clusters: Vec<String>,
    instances: Vec<String>,
    /// Instances with their source's monitoring, which only the carry-over
    /// gives: Enhanced Monitoring and Performance Insights for a DB
    /// instance (set by the modify after a restore), Performance Insights
    /// for an Aurora reader (set by its CreateDBInstance).
    monitored: Vec<String>,
    /// Clusters and instances that are not `available`, with their status:
    /// a step ends with every DB it made serving.
    unavailable: Vec<String>,
    /// The source cluster's Backtracks: status and where to.
    backtracks: Vec<String>,
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

/// Run `n`'s Aurora engine: both, alternately; Backtrack exists only for
/// Aurora MySQL.
fn engine(mode: Mode, n: usize) -> &'static str {
    if mode == Mode::Backtrack || n % 2 == 1 {
        "aurora-mysql"
    } else {
        "aurora-postgresql"
    }
}

/// Run `n`'s deploy version, whose pre-deploy snapshot a Backtrack rewinds
/// to.
fn version(n: usize) -> String {
    format!("v{n}")
}

impl Scenario {
    /// Backtrack rewinds an Aurora MySQL cluster; on a DB instance it is
    /// refused before any call (tests/hostile.rs).
    fn applies(self) -> bool {
        match (self.mode, self.kind) {
            (Mode::Backtrack, Kind::Instance) => false,
            // A drill connects to its scratch DB's endpoint, which the
            // metadata-only emulator names with an AWS DNS name, off
            // loopback; its kill and re-run is in `drill`, on real data.
            (Mode::Drill, _) => false,
            (_, Kind::Instance | Kind::Cluster) => true,
        }
    }

    fn name(self) -> String {
        match self.kind {
            Kind::Instance => self.mode.name().to_owned(),
            Kind::Cluster => format!("cluster-{}", self.mode.name()),
        }
    }

    /// Runs per suite. Instances: `RELIABILITY_RUNS` (default 50). Clusters:
    /// `RELIABILITY_CLUSTER_RUNS` (default 20): each cluster run builds a
    /// production-like cluster with a writer and a reader (aurora.py, a
    /// Python process, about 2.5 s), and a restore then creates a cluster
    /// and two instances, so a cluster run costs about four times an
    /// instance run. At 50 runs the eight cluster scenarios would take the
    /// suite from ~7.5 to over 20 minutes on CI's 2 cores; at 20 they add
    /// about as much as the instance scenarios take, and 20 faulted runs of
    /// ~30-100 requests each still meet every fault kind many times.
    fn runs(self) -> usize {
        let (var, default) = match self.kind {
            Kind::Instance => ("RELIABILITY_RUNS", 50),
            Kind::Cluster => ("RELIABILITY_CLUSTER_RUNS", 20),
        };
        std::env::var(var)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    }

    /// How many of this action's snapshots of the DB the world starts with.
    fn snapshots(self) -> usize {
        match self.mode {
            Mode::Restore
            | Mode::List
            | Mode::Delete
            | Mode::Copy
            | Mode::Backtrack
            | Mode::Drill => 1,
            Mode::Prune => 3,
            // `wait` finds the snapshot this run started in setup.
            Mode::Snapshot | Mode::Pitr | Mode::Wait => 0,
        }
    }

    /// The new DB a restore makes, if the mode makes one.
    fn target(self, n: usize) -> Option<String> {
        match self.mode {
            Mode::Restore => Some(format!("{}-rb", db(n))),
            Mode::Pitr => Some(format!("{}-pitr", db(n))),
            Mode::Snapshot
            | Mode::List
            | Mode::Prune
            | Mode::Delete
            | Mode::Copy
            | Mode::Backtrack
            | Mode::Wait
            | Mode::Drill => None,
        }
    }

    /// Prepares run `n`'s world, straight against the emulator; returns
    /// the world a correct run leaves.
    async fn setup(self, moto: &Moto, n: usize) -> World {
        let db = db(n);
        let tuned = matches!(self.mode, Mode::Restore | Mode::Pitr);
        // A Backtrack goes back to just before deploy `v<n>`: the
        // snapshot's tag says which deploy it preceded.
        let tag = (self.mode == Mode::Backtrack).then(|| version(n));
        match self.kind {
            Kind::Instance if tuned => crate::common::create_tuned_db(&moto.client(), &db).await,
            Kind::Instance => moto.create_db(&db).await,
            Kind::Cluster => {
                let engine = engine(self.mode, n);
                create_cluster(moto, &db, engine, &[]);
            }
        }
        for k in 0..self.snapshots() {
            match self.kind {
                Kind::Instance => moto.own_snapshot(&db, &snap(n, k), tag.as_deref()).await,
                Kind::Cluster => {
                    own_cluster_snapshot(&moto.client(), &db, &snap(n, k), tag.as_deref()).await
                }
            }
        }
        if self.mode == Mode::Wait {
            // Start early: this run's snapshot, not waited for.
            Step::new(moto, "snapshot", &run_id(n))
                .with(self.kind.input(), &db)
                .with("deploy-version", &version(n))
                .with("wait", "false")
                .run()
                .assert_ok();
        }
        let existing = snapshot_ids(moto, self.kind, &db).await;
        let (snapshots, copies) = match self.mode {
            Mode::Snapshot | Mode::Wait => (vec![format!("{db}-v{n}-r{}", run_id(n))], vec![]),
            Mode::Restore | Mode::Pitr | Mode::List | Mode::Backtrack | Mode::Drill => {
                (existing, vec![])
            }
            Mode::Prune => (vec![newest(moto, self.kind, &db).await], vec![]),
            Mode::Delete => (vec![], vec![]),
            Mode::Copy => (existing.clone(), existing),
        };
        let target = self.target(n);
        let (clusters, mut instances, monitored) = match self.kind {
            Kind::Instance => {
                let mut instances = vec![db.clone()];
                instances.extend(target.clone());
                let monitored = if tuned { instances.clone() } else { vec![] };
                (vec![], instances, monitored)
            }
            Kind::Cluster => {
                // aurora.py's writer and reader (the reader with
                // Performance Insights), and a restore's writer and reader
                // mirroring them.
                let mut clusters = vec![db.clone()];
                let mut instances = vec![format!("{db}-a"), format!("{db}-r1")];
                let mut monitored = vec![format!("{db}-r1")];
                if let Some(target) = &target {
                    clusters.push(target.clone());
                    instances.push(naming::member_id(target, 1));
                    instances.push(naming::member_id(target, 2));
                    monitored.push(naming::member_id(target, 2));
                }
                (clusters, instances, monitored)
            }
        };
        instances.sort();
        World {
            snapshots,
            copies,
            clusters: sorted(clusters),
            instances,
            monitored: sorted(monitored),
            unavailable: vec![],
            backtracks: if self.mode == Mode::Backtrack {
                vec![format!("completed, to before {}", version(n))]
            } else {
                vec![]
            },
        }
    }

    fn step(self, moto: &Moto, n: usize) -> Step {
        let db = db(n);
        let source = self.kind.input();
        let target = self.kind.target_input();
        let step = Step::new(moto, self.mode.name(), &run_id(n));
        match self.mode {
            Mode::Snapshot => step.with(source, &db).with("deploy-version", &version(n)),
            Mode::Restore => step
                .with("snapshot-identifier", "latest")
                .with(source, &db)
                .with(target, &self.target(n).unwrap()),
            Mode::Pitr => {
                let step = step
                    .with(source, &db)
                    .with("restore-time", "latest")
                    .with(target, &self.target(n).unwrap());
                // Every third cluster run is a clone (copy-on-write), of
                // either engine.
                if self.kind == Kind::Cluster && n.is_multiple_of(3) {
                    step.with("restore-type", "copy-on-write")
                } else {
                    step
                }
            }
            Mode::List => step.with(source, &db),
            Mode::Prune => step.with(source, &db).with("keep-last", "1"),
            Mode::Delete => step.with("snapshot-identifier", &snap(n, 0)),
            Mode::Copy => step
                .with("snapshot-identifier", &snap(n, 0))
                .with("target-region", "us-west-2"),
            Mode::Backtrack => step.with(source, &db).with("deploy-version", &version(n)),
            // Wait late: finds it by this run's tag.
            Mode::Wait | Mode::Drill => step.with(source, &db),
        }
    }

    /// Outputs that a re-run cannot reproduce, or that differ between two
    /// worlds, and why.
    fn volatile_outputs(self) -> Vec<&'static str> {
        let mut volatile = match self.mode {
            // `latest` is read again on the re-run, and has moved on.
            Mode::Pitr => vec!["restore-time"],
            // A killed prune or delete keeps no record of what it deleted
            // before it died; the re-run reports what it deleted itself.
            Mode::Prune => vec!["deleted", "prune-candidates"],
            Mode::Delete => vec!["deleted"],
            // Each world rewinds to its own pre-deploy snapshot's time
            // (`backtracks` in the world checks it is that time), under a
            // request ID RDS makes up.
            Mode::Backtrack => vec!["restore-time", "backtracked-to", "backtrack-identifier"],
            Mode::Drill => vec!["rto-seconds", "drill-report", "drill-report-path"],
            Mode::Snapshot | Mode::Restore | Mode::List | Mode::Copy | Mode::Wait => vec![],
        };
        if self.kind == Kind::Cluster {
            // A cluster endpoint holds a random part RDS picks per cluster.
            volatile.extend(["endpoint", "reader-endpoint"]);
        }
        volatile
    }
}

fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// The DB's manual snapshots of its kind.
async fn snapshot_ids(moto: &Moto, kind: Kind, db: &str) -> Vec<String> {
    match kind {
        Kind::Instance => moto.snapshot_ids(db).await,
        Kind::Cluster => cluster_snapshot_ids(&moto.client(), db).await,
    }
}

/// The newest snapshot of `db`, by the same rule prune uses.
async fn newest(moto: &Moto, kind: Kind, db: &str) -> String {
    let client = moto.client();
    let mut snapshots: Vec<(Option<i128>, String)> = match kind {
        Kind::Instance => client
            .describe_db_snapshots()
            .db_instance_identifier(db)
            .send()
            .await
            .unwrap()
            .db_snapshots()
            .iter()
            .map(|s| {
                (
                    s.snapshot_create_time().map(|t| t.as_nanos()),
                    s.db_snapshot_identifier().unwrap_or("").to_owned(),
                )
            })
            .collect(),
        Kind::Cluster => client
            .describe_db_cluster_snapshots()
            .db_cluster_identifier(db)
            .send()
            .await
            .unwrap()
            .db_cluster_snapshots()
            .iter()
            .map(|s| {
                (
                    s.snapshot_create_time().map(|t| t.as_nanos()),
                    s.db_cluster_snapshot_identifier().unwrap_or("").to_owned(),
                )
            })
            .collect(),
    };
    snapshots.sort();
    snapshots.pop().unwrap().1
}

async fn world(moto: &Moto, kind: Kind, n: usize) -> World {
    let db = db(n);
    let ours = |id: &str| id == db || id.starts_with(&format!("{db}-"));
    let client = moto.client();
    let west = moto.client_in("us-west-2");
    let copies = match kind {
        Kind::Instance => sorted(
            west.describe_db_snapshots()
                .db_instance_identifier(&db)
                .send()
                .await
                .unwrap()
                .db_snapshots()
                .iter()
                .filter_map(|s| s.db_snapshot_identifier().map(str::to_owned))
                .collect(),
        ),
        Kind::Cluster => cluster_snapshot_ids(&west, &db).await,
    };
    let mut unavailable = Vec::new();
    let mut clusters = Vec::new();
    for cluster in client
        .describe_db_clusters()
        .send()
        .await
        .unwrap()
        .db_clusters()
    {
        let id = cluster.db_cluster_identifier().unwrap_or_default();
        if ours(id) {
            clusters.push(id.to_owned());
            if cluster.status() != Some("available") {
                unavailable.push(format!("{id}: {}", cluster.status().unwrap_or("?")));
            }
        }
    }
    let instances: Vec<String> = moto
        .instance_ids()
        .await
        .into_iter()
        .filter(|id| ours(id))
        .collect();
    let mut monitored = Vec::new();
    for id in &instances {
        let instance = moto.instance(id).await;
        let insights = instance.performance_insights_enabled() == Some(true);
        let monitoring = instance.db_cluster_identifier().is_some()
            || instance.monitoring_interval() == Some(60);
        if insights && monitoring {
            monitored.push(id.clone());
        }
        let status = instance.db_instance_status().unwrap_or("?");
        if status != "available" {
            unavailable.push(format!("{id}: {status}"));
        }
    }
    World {
        snapshots: snapshot_ids(moto, kind, &db).await,
        copies,
        clusters: sorted(clusters),
        instances,
        monitored,
        unavailable,
        backtracks: match kind {
            Kind::Cluster => backtracks(moto, n).await,
            Kind::Instance => vec![],
        },
    }
}

/// Run `n`'s cluster's Backtracks, oldest first, each as its status and
/// where it went: to the pre-deploy snapshot's time (to the second, as the
/// call takes it), or elsewhere.
async fn backtracks(moto: &Moto, n: usize) -> Vec<String> {
    let db = db(n);
    let client = moto.client();
    let snapshot = client
        .describe_db_cluster_snapshots()
        .db_cluster_identifier(&db)
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots()
        .iter()
        .find(|s| {
            s.tag_list().iter().any(|t| {
                t.key() == Some("rds-snapshot-action:deploy-version")
                    && t.value() == Some(version(n).as_str())
            })
        })
        .and_then(|s| s.snapshot_create_time().map(|t| t.secs()));
    let listed = client
        .describe_db_cluster_backtracks()
        .db_cluster_identifier(&db)
        .send()
        .await
        .unwrap();
    listed
        .db_cluster_backtracks()
        .iter()
        .rev()
        .map(|backtrack| {
            let to = backtrack.backtrack_to().map(|t| t.secs());
            format!(
                "{}, to {}",
                backtrack.status().unwrap_or("?"),
                if to.is_some() && to == snapshot {
                    format!("before {}", version(n))
                } else {
                    format!("{to:?} (the snapshot of {} is at {snapshot:?})", version(n))
                }
            )
        })
        .collect()
}

#[test]
fn every_mode_succeeds_through_a_20_percent_fault_rate_without_duplicates() {
    let mut table = Vec::new();
    for (seed, scenario) in scenarios().into_iter().enumerate() {
        let runs = scenario.runs();
        let moto = emulator();
        let proxy = FaultProxy::start(&moto.endpoint, 0.2, seed as u64 + 1, 0);
        let started = Instant::now();
        let failures: Vec<String> = in_parallel(runs, 8, |n| {
            let expected = block_on(scenario.setup(&moto, n));
            let ran = scenario.step(&moto, n).via(&proxy.endpoint).run();
            let found = block_on(world(&moto, scenario.kind, n));
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

/// An emulator for one scenario. Every run makes its clusters and cluster
/// snapshots in the same account, so AWS's default quotas (40 DB clusters,
/// 100 manual cluster snapshots) would refuse later runs for what earlier
/// ones left; the suite counts duplicates itself, run by run.
fn emulator() -> Moto {
    Moto::start_with(&[
        ("RDS_EMULATOR_DB_CLUSTER_QUOTA", "100000"),
        ("RDS_EMULATOR_MANUAL_CLUSTER_SNAPSHOT_QUOTA", "100000"),
    ])
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
    let mut table = Vec::new();
    for (salt, scenario) in scenarios().into_iter().enumerate() {
        let runs = scenario.runs();
        // A: killed and re-run, behind a proxy that slows every answer so a
        // kill lands mid-step. B: the same world, run once, uninterrupted.
        let killed_moto = emulator();
        let proxy = FaultProxy::start(&killed_moto.endpoint, 0.0, 0, 25);
        let reference_moto = emulator();
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
                let volatile = scenario.volatile_outputs();
                outputs.retain(|key, _| !volatile.contains(&key.as_str()));
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
                block_on(world(&killed_moto, scenario.kind, n)),
                block_on(world(&reference_moto, scenario.kind, n)),
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
