//! `in-place: true` on the strict emulator, where a rename shows the old
//! name `available`, then `renaming`, then neither name, then the new one
//! `rebooting` and `available`: the full swap of an instance and of an
//! Aurora cluster, a refusal injected at each step and the undo, kills at
//! random points followed by a re-run, the cleanup of replaced DBs, and the
//! pre-flight refusals before any mutating call.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::{FaultProxy, Moto, Step, create_cluster, mutating, production, tags};
use aws_sdk_rds::types::DbInstance;
use serde_json::Value;

const ROLE: &str = "rds-snapshot-action:swap-role";

fn role(db: &DbInstance) -> Option<String> {
    tags(db.tag_list()).get(ROLE).cloned()
}

/// The keys of the swap tags in a DB's tag list.
fn swap_tags(list: &[aws_sdk_rds::types::Tag]) -> Vec<String> {
    tags(list)
        .into_keys()
        .filter(|key| key.starts_with("rds-snapshot-action:swap-"))
        .collect()
}

/// A restore of `db`'s snapshot `snapshot` in place, in run `run`.
fn in_place(moto: &Moto, db: &str, snapshot: &str, run: &str) -> Step {
    Step::new(moto, "restore", run)
        .with("db-instance-identifier", db)
        .with("snapshot-identifier", snapshot)
        .with("in-place", "true")
}

#[tokio::test]
async fn an_instance_is_rolled_back_in_place_and_keeps_its_endpoint() {
    let moto = Moto::start();
    let made = production(&moto, "shop");
    let before = moto.find_instance("shop").await.unwrap();
    let snapshot = crate::common::snapshot(&moto, "shop", "v1", "70");
    let ran = in_place(&moto, "shop", &snapshot, "71").run();
    ran.assert_ok();
    let replaced = ran.output("replaced-db-instance-identifier").to_owned();
    assert!(
        replaced.starts_with("shop-replaced-2") && replaced.len() == "shop-replaced-".len() + 14,
        "{replaced}"
    );
    assert_eq!(ran.output("db-instance-identifier"), "shop");
    let endpoint = before.endpoint().unwrap().address().unwrap();
    assert_eq!(ran.output("endpoint"), endpoint, "the app's address");

    // `shop` is the restored copy; the original is kept under its new name.
    let now = moto.find_instance("shop").await.unwrap();
    let old = moto
        .find_instance(&replaced)
        .await
        .expect("the replaced DB is kept");
    assert_ne!(now.dbi_resource_id(), before.dbi_resource_id());
    assert_eq!(old.dbi_resource_id(), before.dbi_resource_id());
    assert_eq!(role(&now).as_deref(), Some("restored"));
    assert_eq!(role(&old).as_deref(), Some("original"));
    assert_eq!(now.deletion_protection(), Some(true));
    assert_eq!(old.deletion_protection(), Some(true));
    let old_tags = tags(old.tag_list());
    assert_eq!(old_tags["rds-snapshot-action:replaced-by-run"], "71");
    assert!(old_tags.contains_key("rds-snapshot-action:replaced-at"));
    assert_eq!(
        old_tags["team"], "payments",
        "the original keeps its own tags"
    );
    // Built like the original: network, groups, monitoring.
    assert_eq!(
        now.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        Some(made["subnet_group"].as_str().unwrap())
    );
    let groups: Vec<_> = now
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    assert_eq!(groups, [made["security_group"].as_str().unwrap()]);
    assert_eq!(
        now.db_parameter_groups()[0].db_parameter_group_name(),
        Some(made["parameter_group"].as_str().unwrap())
    );
    assert_eq!(now.monitoring_interval(), Some(60));
    assert_eq!(
        moto.instances().await.len(),
        2,
        "nothing else is left behind"
    );

    // The downtime window and the summary a person reads.
    let seconds: f64 = ran.output("downtime-seconds").parse().unwrap();
    println!(
        "downtime on the emulator (time scale {}): {seconds} s, {} .. {}",
        crate::common::TIME_SCALE,
        ran.output("downtime-start"),
        ran.output("downtime-end")
    );
    assert!(seconds > 0.0, "{seconds}");
    for part in [
        "```mermaid",
        "gantt",
        "about 10 minutes",
        "replaced-older-than",
        &format!("--final-db-snapshot-identifier {replaced}-final"),
        "In-place rollback: timeline",
        &format!("rename shop to {replaced} :"),
        "rename shop-rollback-r71 to shop :",
    ] {
        assert!(ran.summary.contains(part), "{part}:\n{}", ran.summary);
    }

    // A re-run of the run changes nothing and reports the same swap.
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let again = in_place(&moto, "shop", &snapshot, "71")
        .via(&proxy.endpoint)
        .run();
    again.assert_ok();
    assert_eq!(again.output("replaced-db-instance-identifier"), replaced);
    assert_eq!(mutating(&proxy), Vec::<String>::new(), "a no-op re-run");
    let after = moto.find_instance("shop").await.unwrap();
    assert_eq!(
        after.dbi_resource_id(),
        now.dbi_resource_id(),
        "swapped once"
    );
}

#[tokio::test]
async fn an_aurora_cluster_is_rolled_back_in_place_with_its_instances() {
    let moto = Moto::start();
    create_cluster(&moto, "orders", "aurora-postgresql", &[]);
    let snapshot = crate::common::snapshot_cluster(&moto, "orders", "v1", "80");
    let before = moto.find_cluster("orders").await.unwrap();
    let ran = Step::new(&moto, "restore", "81")
        .with("db-cluster-identifier", "orders")
        .with("snapshot-identifier", &snapshot)
        .with("in-place", "true")
        .run();
    ran.assert_ok();
    let replaced = ran.output("replaced-db-cluster-identifier").to_owned();
    assert_eq!(ran.output("db-cluster-identifier"), "orders");
    assert_eq!(ran.output("endpoint"), before.endpoint().unwrap());
    let now = moto.find_cluster("orders").await.unwrap();
    // Regression: the reader endpoint, the settings rows and the heading
    // named the temporary cluster, which the swap renamed away.
    assert_eq!(
        ran.output("reader-endpoint"),
        now.reader_endpoint().unwrap()
    );
    assert!(!ran.output("reader-endpoint").contains("rollback"), "{ran}");
    assert!(
        ran.summary.contains(&format!(
            "Reader endpoint: `{}`",
            now.reader_endpoint().unwrap()
        )),
        "{}",
        ran.summary
    );
    // The heading's code span, however the summary escapes it.
    let heading = |id: &str| {
        [
            format!("Settings of `{id}` ("),
            format!("Settings of &#96;{id}&#96; ("),
        ]
        .iter()
        .any(|heading| ran.summary.contains(heading))
    };
    assert!(heading("orders"), "{}", ran.summary);
    assert!(!heading("orders-rollback-r81"), "{}", ran.summary);
    let rows: serde_json::Value = serde_json::from_str(ran.output("settings")).unwrap();
    let named: std::collections::BTreeSet<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["db"].as_str())
        .filter(|db| !db.contains("-instance-"))
        .collect();
    assert_eq!(named, ["orders"].into(), "{rows}");
    let old = moto
        .find_cluster(&replaced)
        .await
        .expect("the replaced cluster is kept");
    assert_eq!(
        old.db_cluster_resource_id(),
        before.db_cluster_resource_id()
    );
    assert_eq!(now.deletion_protection(), Some(true));
    assert_eq!(old.deletion_protection(), Some(true));
    assert_eq!(now.status(), Some("available"));
    // The restored cluster serves: a writer and the source's reader, created
    // under the temporary name and kept through the rename.
    let members: Vec<_> = now
        .db_cluster_members()
        .iter()
        .filter_map(|m| m.db_instance_identifier())
        .collect();
    assert_eq!(
        members.len(),
        before.db_cluster_members().len(),
        "{members:?}"
    );
    assert!(
        members
            .iter()
            .all(|m| m.starts_with("orders-rollback-r81-instance-"))
    );
    assert_eq!(
        old.db_cluster_members().len(),
        before.db_cluster_members().len()
    );
    println!(
        "cluster downtime on the emulator: {} s",
        ran.output("downtime-seconds")
    );
}

/// Regression (issue 24): after an undone swap of a cluster, neither the
/// live cluster nor its instances (tagged with it, for the cleanup policy)
/// keep the swap tags that policy is conditioned on.
#[tokio::test]
async fn an_undone_cluster_swap_leaves_no_swap_tags_on_the_cluster_or_its_instances() {
    let moto = Moto::start();
    create_cluster(&moto, "books", "aurora-postgresql", &[]);
    let snapshot = crate::common::snapshot_cluster(&moto, "books", "v1", "60");
    let before = moto.find_cluster("books").await.unwrap();
    let proxy = FaultProxy::start_with_rules(
        &moto.endpoint,
        0.0,
        1,
        0,
        "ModifyDBCluster+NewDBClusterIdentifier#2",
    );
    let failed = Step::new(&moto, "restore", "61")
        .with("db-cluster-identifier", "books")
        .with("snapshot-identifier", &snapshot)
        .with("in-place", "true")
        .via(&proxy.endpoint)
        .run();
    failed.assert_failed();
    assert!(failed.error().contains("was undone"), "{failed}");
    let live = moto.find_cluster("books").await.expect("`books` answers");
    assert_eq!(
        live.db_cluster_resource_id(),
        before.db_cluster_resource_id()
    );
    assert_eq!(swap_tags(live.tag_list()), Vec::<String>::new(), "cluster");
    assert!(!live.db_cluster_members().is_empty());
    for member in live.db_cluster_members() {
        let id = member.db_instance_identifier().unwrap();
        let db = moto.find_instance(id).await.expect("the member answers");
        assert_eq!(swap_tags(db.tag_list()), Vec::<String>::new(), "{id}");
    }
}

/// The DB the app would reach at `shop` and where the original went, after
/// a step: every instance, by resource ID, must still exist.
async fn assert_nothing_lost(
    moto: &Moto,
    original: &str,
    prefix: &str,
) -> BTreeMap<String, DbInstance> {
    let all: BTreeMap<String, DbInstance> = moto
        .instances()
        .await
        .into_iter()
        .filter(|(id, _)| id.starts_with(prefix))
        .collect();
    assert!(
        all.values()
            .any(|db| db.dbi_resource_id() == Some(original)),
        "the original DB is gone: {:?}",
        all.keys().collect::<Vec<_>>()
    );
    all
}

#[tokio::test]
async fn a_refusal_at_each_step_is_undone_and_a_re_run_finishes_the_swap() {
    let cases = [
        ("RestoreDBInstanceFromDBSnapshot#1", false),
        ("AddTagsToResource#1", true),
        ("AddTagsToResource#2", true),
        ("ModifyDBInstance+NewDBInstanceIdentifier#1", true),
        ("ModifyDBInstance+NewDBInstanceIdentifier#2", true),
        ("ModifyDBInstance+DeletionProtection#1", true),
        ("AddTagsToResource#3", true),
    ];
    let moto = Moto::start();
    for (n, (rule, restored)) in cases.iter().enumerate() {
        let db = format!("shop{n}");
        moto.create_db(&db).await;
        let original = moto.find_instance(&db).await.unwrap();
        let original_id = original.dbi_resource_id().unwrap().to_owned();
        moto.own_snapshot(&db, &format!("{db}-snap"), None).await;
        let proxy = FaultProxy::start_with_rules(&moto.endpoint, 0.0, 1, 0, rule);
        let run = format!("9{n}");
        let failed = in_place(&moto, &db, &format!("{db}-snap"), &run)
            .via(&proxy.endpoint)
            .run();
        failed.assert_failed();
        let error = failed.error();
        assert!(error.contains("injected refusal"), "{rule}: {error}");
        let Some(at_id) = moto.find_instance(&db).await else {
            panic!("{rule}: `<id>` does not answer after the undo:\n{failed}");
        };
        assert_eq!(
            at_id.dbi_resource_id(),
            Some(original_id.as_str()),
            "{rule}: the original is back"
        );
        assert_eq!(at_id.db_instance_status(), Some("available"));
        // Regression (issue 24): the live DB kept `swap-role: original`, so
        // a cleanup policy conditioned on the swap tags covered production.
        assert_eq!(
            swap_tags(at_id.tag_list()),
            Vec::<String>::new(),
            "{rule}: live DB"
        );
        let temporary = format!("{db}-rollback-r{run}");
        let kept = moto.find_instance(&temporary).await;
        assert_eq!(kept.is_some(), *restored, "{rule}");
        if let Some(kept) = &kept {
            assert_eq!(
                swap_tags(kept.tag_list()),
                Vec::<String>::new(),
                "{rule}: restored copy"
            );
        }
        if *restored {
            assert!(error.contains("was undone"), "{rule}: {error}");
            assert!(error.contains(&temporary), "{rule}: {error}");
        }
        assert!(
            !mutating(&proxy)
                .iter()
                .any(|call| call.starts_with("Delete")),
            "{rule}: nothing is deleted"
        );
        println!(
            "{rule}: failed and undone; mutating calls {:?}",
            mutating(&proxy)
        );
        // The same run again, without the refusal, finishes the swap.
        let again = in_place(&moto, &db, &format!("{db}-snap"), &run).run();
        again.assert_ok();
        let replaced = again.output("replaced-db-instance-identifier");
        let old = moto.find_instance(replaced).await.unwrap();
        assert_eq!(old.dbi_resource_id(), Some(original_id.as_str()), "{rule}");
        assert_nothing_lost(&moto, &original_id, &db).await;
    }
}

/// Where a killed swap stood, from what the names show: for the figures.
async fn stage(moto: &Moto, db: &str, run: &str) -> &'static str {
    let all = moto.instances().await;
    let temporary = format!("{db}-rollback-r{run}");
    let at_id = all.get(db);
    let replaced = all
        .iter()
        .any(|(id, _)| id.starts_with(&format!("{db}-replaced-")));
    match (
        at_id.and_then(role).as_deref(),
        all.contains_key(&temporary),
        replaced,
    ) {
        (_, false, false) if at_id.is_some() => "before or during the restore",
        (Some("restored"), false, true) => "renames done",
        (Some("original"), true, false) => "intent recorded, before the first rename",
        (None, true, false) if at_id.is_some() => "restored, before the intent",
        (None, _, _) if at_id.is_none() => "between the renames (no `<id>`)",
        _ => "during a rename",
    }
}

/// A step killed at a random moment, then run again: 50 times, each on its
/// own DB, five at a time. Every run must end with `<id>` serving and both
/// DBs kept (the original by its resource ID).
#[tokio::test]
async fn a_swap_killed_anywhere_is_finished_by_a_re_run() {
    const KILLS: usize = 50;
    const WORKERS: usize = 5;
    let started = Instant::now();
    // A full swap's length, to spread the kills over it.
    let moto = Moto::start();
    moto.create_db("warm").await;
    moto.own_snapshot("warm", "warm-snap", None).await;
    let timed = Instant::now();
    in_place(&moto, "warm", "warm-snap", "1").run().assert_ok();
    let full = timed.elapsed();
    drop(moto);
    let seed: u64 = std::env::var("SWAP_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe);
    println!("a whole in-place step takes {full:?} here; kill seed {seed:#x}");
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        workers.push(tokio::spawn(async move {
            let moto = Moto::start();
            let ids: Vec<String> = (0..KILLS / WORKERS)
                .map(|n| format!("k{worker}x{n}"))
                .collect();
            let client = moto.client();
            for id in &ids {
                crate::common::create_db_no_wait(&client, id).await;
            }
            for id in &ids {
                crate::common::wait_for_instance(&client, id, "available").await;
                moto.own_snapshot(id, &format!("{id}-snap"), None).await;
            }
            let mut rng = seed ^ (worker as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut results = Vec::new();
            for (n, id) in ids.iter().enumerate() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                // Anywhere from the restore's start to just past the end.
                let at = full.mul_f64(0.1 + (rng % 1000) as f64 / 1000.0);
                let original = moto.find_instance(id).await.unwrap();
                let original_id = original.dbi_resource_id().unwrap().to_owned();
                let run = format!("{}", 500 + worker * 100 + n);
                let step = in_place(&moto, id, &format!("{id}-snap"), &run);
                let mut child = step
                    .command()
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("start the step");
                tokio::time::sleep(at).await;
                let _ = child.kill();
                let _ = child.wait();
                let stood = stage(&moto, id, &run).await;
                let again = in_place(&moto, id, &format!("{id}-snap"), &run).run();
                again.assert_ok();
                let at_id = moto.find_instance(id).await.expect("`<id>` serves");
                assert_eq!(at_id.db_instance_status(), Some("available"), "{id}");
                assert_eq!(role(&at_id).as_deref(), Some("restored"), "{id}: swapped");
                let replaced = again.output("replaced-db-instance-identifier");
                let old = moto
                    .find_instance(replaced)
                    .await
                    .expect("the original is kept");
                assert_eq!(old.dbi_resource_id(), Some(original_id.as_str()), "{id}");
                let left = assert_nothing_lost(&moto, &original_id, id).await;
                assert_eq!(
                    left.len(),
                    2,
                    "{id}: exactly the original and the restored DB: {:?}",
                    left.keys()
                );
                results.push((at, stood));
            }
            results
        }));
    }
    let mut stages: BTreeMap<&str, usize> = BTreeMap::new();
    let mut converged = 0;
    for worker in workers {
        for (_, stood) in worker.await.expect("a worker") {
            *stages.entry(stood).or_default() += 1;
            converged += 1;
        }
    }
    println!(
        "{converged} of {KILLS} killed swaps converged after a re-run, in {:?}; killed at: {stages:?}",
        started.elapsed()
    );
    assert_eq!(converged, KILLS);
}

#[tokio::test]
async fn prune_removes_only_the_dbs_this_action_replaced_with_a_final_snapshot() {
    let moto = Moto::start();
    moto.create_db("cart").await;
    moto.own_snapshot("cart", "cart-snap", None).await;
    let ran = in_place(&moto, "cart", "cart-snap", "61").run();
    ran.assert_ok();
    let replaced = ran.output("replaced-db-instance-identifier").to_owned();
    // A look-alike name without our tags is never touched.
    crate::common::create_db(&moto.client(), "cart-replaced-20200101000000").await;
    let prune = |dry: &str, age: &str| {
        Step::new(&moto, "prune", "62")
            .with("db-instance-identifier", "cart")
            .with("replaced-older-than", age)
            .with("dry-run", dry)
    };
    let young = prune("false", "7d").run();
    young.assert_ok();
    assert_eq!(young.output("deleted-replaced"), "[]");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let dry = prune("true", "1s").run();
    dry.assert_ok();
    assert_eq!(dry.output("deleted-replaced"), "[]");
    assert!(dry.summary.contains("would be deleted"), "{}", dry.summary);
    assert!(moto.find_instance(&replaced).await.is_some());
    // Planned first: the run makes the planned calls (the final snapshot's
    // wait included), and deletes only the replaced DB.
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let (plan, done) =
        crate::plan::plan_then_run(&proxy, || prune("false", "1s").via(&proxy.endpoint));
    let deleted: Vec<&Value> = plan["calls"]
        .as_array()
        .expect("plan.calls")
        .iter()
        .filter(|call| call["action"] == "DeleteDBInstance")
        .collect();
    assert_eq!(deleted.len(), 1, "{plan}");
    assert_eq!(
        deleted[0]["parameters"]["DBInstanceIdentifier"],
        replaced.as_str(),
        "{plan}"
    );
    assert_eq!(done.output("deleted-replaced"), format!("[\"{replaced}\"]"));
    let final_snapshot = format!("{replaced}-final");
    assert!(
        moto.snapshot_ids(&replaced).await.contains(&final_snapshot),
        "a final snapshot before the deletion"
    );
    assert_eq!(
        moto.find_instance("cart")
            .await
            .unwrap()
            .db_instance_status(),
        Some("available")
    );
    assert!(
        moto.find_instance("cart-replaced-20200101000000")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn refusals_come_before_any_mutating_call() {
    let moto = Moto::start();
    moto.create_db("blue").await;
    moto.own_snapshot("blue", "blue-snap", None).await;
    moto.blue_green("blue").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let ran = in_place(&moto, "blue", "blue-snap", "7")
        .via(&proxy.endpoint)
        .run();
    ran.assert_failed();
    assert!(
        ran.error().contains("Blue/Green deployment `upgrade`"),
        "{ran}"
    );
    // Regression: the printed delete left the green DB running.
    assert!(
        ran.error()
            .contains("--blue-green-deployment-identifier bgd-")
            && ran.error().contains(" --delete-target`"),
        "{ran}"
    );
    assert_eq!(mutating(&proxy), Vec::<String>::new());

    let no_wait = in_place(&moto, "blue", "blue-snap", "7")
        .with("wait", "false")
        .run();
    no_wait.assert_failed();
    assert!(no_wait.error().contains("input `wait`"), "{no_wait}");
    let cli = Step::new(&moto, "restore", "7")
        .cli(&[
            "restore",
            "--db-instance-identifier",
            "blue",
            "--snapshot-identifier",
            "blue-snap",
            "--in-place",
            "true",
        ])
        .run();
    cli.assert_failed();
    assert!(
        cli.stderr.contains("`run-id`") || cli.stdout.contains("`run-id`"),
        "{cli}"
    );
}

// Regression: the members of a stopped replaced cluster could not be
// deleted (InvalidDBClusterStateFault, ignored), so DeleteDBCluster failed
// and prune left a memberless cluster behind.
#[tokio::test]
async fn prune_starts_a_stopped_replaced_cluster_and_deletes_it_with_a_final_snapshot() {
    let moto = Moto::start();
    create_cluster(&moto, "ledger", "aurora-postgresql", &[]);
    let snapshot = crate::common::snapshot_cluster(&moto, "ledger", "v1", "90");
    let ran = Step::new(&moto, "restore", "91")
        .with("db-cluster-identifier", "ledger")
        .with("snapshot-identifier", &snapshot)
        .with("in-place", "true")
        .run();
    ran.assert_ok();
    let replaced = ran.output("replaced-db-cluster-identifier").to_owned();
    moto.client()
        .stop_db_cluster()
        .db_cluster_identifier(&replaced)
        .send()
        .await
        .expect("stop the replaced cluster");
    let deadline = Instant::now() + Duration::from_secs(60);
    while moto.find_cluster(&replaced).await.unwrap().status() != Some("stopped") {
        assert!(Instant::now() < deadline, "the cluster did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let pruned = Step::new(&moto, "prune", "92")
        .with("db-cluster-identifier", "ledger")
        .with("replaced-older-than", "1s")
        .run();
    pruned.assert_ok();
    assert_eq!(
        pruned.output("deleted-replaced"),
        format!("[\"{replaced}\"]"),
        "{pruned}"
    );
    let gone = moto.find_cluster(&replaced).await;
    assert!(
        gone.as_ref().is_none_or(|c| c.status() == Some("deleting")),
        "{gone:?}"
    );
    let final_snapshot = format!("{replaced}-final");
    assert!(
        moto.client()
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(&final_snapshot)
            .send()
            .await
            .is_ok(),
        "a final cluster snapshot `{final_snapshot}`"
    );
}

// Regression: the swap's tags were refused by AWS (more than 50) on an app
// DB with more than 42 tags, after the restore had already run.
#[tokio::test]
async fn an_app_db_without_room_for_the_swap_tags_is_refused_before_any_mutating_call() {
    let moto = Moto::start();
    moto.create_db("crowded").await;
    moto.own_snapshot("crowded", "crowded-snap", None).await;
    let db = moto.instance("crowded").await;
    let arn = db.db_instance_arn().unwrap().to_owned();
    let mut add = moto.client().add_tags_to_resource().resource_name(&arn);
    for n in 0..(50 - db.tag_list().len()) {
        add = add.tags(
            aws_sdk_rds::types::Tag::builder()
                .key(format!("cost-{n}"))
                .value("1")
                .build(),
        );
    }
    add.send().await.expect("tag the DB up to 50");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);
    let ran = in_place(&moto, "crowded", "crowded-snap", "95")
        .via(&proxy.endpoint)
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("has 50 tags"), "{ran}");
    // 6 intent tags, 2 replaced stamps, and the MAC of `provenance-key`.
    assert!(error.contains("Remove 9 of its tags"), "{ran}");
    assert_eq!(mutating(&proxy), Vec::<String>::new());
}
