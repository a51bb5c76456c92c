//! `plan: true`, on the strict emulator behind the fault proxy: a plan
//! makes no mutating call and lists the calls the run would make; the same
//! step without `plan` then makes exactly those calls, in that order; a
//! plan of a step that would fail fails with the run's own error and
//! changes nothing; and a mode that cannot plan yet refuses before it calls
//! AWS at all.

use serde_json::Value;

use crate::common::{
    FaultProxy, Moto, Ran, Step, create_cluster, create_tuned_db, mutating, snapshot,
    snapshot_cluster,
};

/// The `plan` output of a planning step.
pub(crate) fn plan_of(ran: &Ran) -> Value {
    serde_json::from_str(ran.output("plan")).unwrap_or_else(|e| panic!("plan is JSON: {e}\n{ran}"))
}

/// The actions of the planned calls, in order.
pub(crate) fn planned_actions(plan: &Value) -> Vec<String> {
    plan["calls"]
        .as_array()
        .expect("plan.calls is an array")
        .iter()
        .map(|call| call["action"].as_str().expect("an action").to_owned())
        .collect()
}

/// Runs `step` with `plan: true`, checks it changed nothing and succeeded,
/// then runs it for real and checks the run made the planned calls, in the
/// planned order. Returns the plan and the run.
pub(crate) fn plan_then_run(proxy: &FaultProxy, step: impl Fn() -> Step) -> (Value, Ran) {
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_ok();
    assert_eq!(mutating(proxy), Vec::<String>::new(), "{planned}");
    assert!(
        !proxy.requests().is_empty(),
        "a plan makes the run's checks, so it reads from AWS:\n{planned}"
    );
    assert_eq!(planned.output("status"), "planned", "{planned}");
    assert!(
        planned.summary.contains("Planned changes"),
        "{}",
        planned.summary
    );
    let plan = plan_of(&planned);
    proxy.clear();
    let ran = step().run();
    ran.assert_ok();
    assert_eq!(
        mutating(proxy),
        planned_actions(&plan),
        "the run made other calls than its plan listed:\n{planned}\n{ran}"
    );
    (plan, ran)
}

/// Runs `step` with and without `plan`, each expected to fail: both give
/// the same error, and neither changes anything.
pub(crate) fn fails_alike(proxy: &FaultProxy, step: impl Fn() -> Step) -> Ran {
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_failed();
    assert_eq!(mutating(proxy), Vec::<String>::new(), "{planned}");
    let plan = plan_of(&planned);
    assert_eq!(planned.output("status"), "failed", "{planned}");
    let last = plan["checks"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["result"].as_str().unwrap().starts_with("would fail: "),
        "{plan}"
    );
    proxy.clear();
    let ran = step().run();
    ran.assert_failed();
    assert_eq!(mutating(proxy), Vec::<String>::new(), "{ran}");
    assert_eq!(planned.error(), ran.error(), "{planned}\n{ran}");
    planned
}

fn keys(tags: &Value) -> Vec<String> {
    let mut keys: Vec<String> = tags
        .as_array()
        .expect("tags")
        .iter()
        .map(|tag| tag["Key"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn a_snapshot_of_one_db_is_planned_then_taken_with_the_planned_call() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "snapshot", "61")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("deploy-version", "v2.0.0")
            .with("tags", "team=payments")
    };
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_ok();
    // The plan took no snapshot.
    assert_eq!(moto.snapshot_ids("shop").await, Vec::<String>::new());
    let plan = plan_of(&planned);
    let call = &plan["calls"][0];
    assert_eq!(call["parameters"]["DBInstanceIdentifier"], "shop", "{plan}");
    let checks = plan["checks"].to_string();
    assert!(checks.contains("can be snapshotted"), "{checks}");
    assert!(checks.contains("quota"), "{checks}");

    let (plan, ran) = plan_then_run(&proxy, step);
    let id = ran.output("snapshot-identifier");
    assert_eq!(
        plan["calls"][0]["parameters"]["DBSnapshotIdentifier"], id,
        "{plan}"
    );
    assert_eq!(moto.snapshot_ids("shop").await, [id.to_owned()]);
    let made = moto.snapshot_tags(id).await;
    let mut made: Vec<String> = made.into_keys().collect();
    made.sort();
    assert_eq!(keys(&plan["calls"][0]["parameters"]["Tags"]), made);
}

#[tokio::test]
async fn a_snapshot_that_prunes_first_plans_the_deletions_before_the_create() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    for (id, version) in [("shop-old-1", "v1.0.0"), ("shop-old-2", "v1.1.0")] {
        moto.own_snapshot("shop", id, Some(version)).await;
    }
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "snapshot", "62")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("prune-keep-last", "1")
    };
    let (plan, _) = plan_then_run(&proxy, step);
    assert_eq!(
        planned_actions(&plan),
        ["DeleteDBSnapshot", "CreateDBSnapshot"],
        "{plan}"
    );
    assert_eq!(
        plan["calls"][0]["parameters"]["DBSnapshotIdentifier"], "shop-old-1",
        "{plan}"
    );
    let left = moto.snapshot_ids("shop").await;
    assert!(!left.contains(&"shop-old-1".to_owned()), "{left:?}");
    assert!(left.contains(&"shop-old-2".to_owned()), "{left:?}");
}

#[tokio::test]
async fn snapshots_of_several_dbs_are_planned_then_taken_with_the_planned_calls() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    moto.create_db("billing").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "snapshot", "63")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop\nbilling")
    };
    let (plan, _) = plan_then_run(&proxy, step);
    assert_eq!(
        planned_actions(&plan),
        ["CreateDBSnapshot", "CreateDBSnapshot"]
    );
    let mut dbs: Vec<&str> = plan["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["parameters"]["DBInstanceIdentifier"].as_str().unwrap())
        .collect();
    dbs.sort();
    assert_eq!(dbs, ["billing", "shop"]);
    assert_eq!(moto.snapshot_ids("shop").await.len(), 1);
    assert_eq!(moto.snapshot_ids("billing").await.len(), 1);
}

#[tokio::test]
async fn with_provenance_key_the_plan_holds_the_mac_tag_after_the_snapshot() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    let key = moto.hmac_key().await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "snapshot", "64")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("provenance-key", &key)
    };
    let (plan, _) = plan_then_run(&proxy, step);
    assert_eq!(
        planned_actions(&plan),
        ["CreateDBSnapshot", "AddTagsToResource"],
        "{plan}"
    );
}

#[tokio::test]
async fn a_delete_is_planned_then_made_with_the_planned_call() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    moto.own_snapshot("shop", "shop-v1", Some("v1")).await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "delete", "65")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "shop-v1")
    };
    proxy.clear();
    step().with("plan", "true").run().assert_ok();
    assert_eq!(moto.snapshot_ids("shop").await, ["shop-v1"]);
    let (plan, _) = plan_then_run(&proxy, step);
    assert_eq!(planned_actions(&plan), ["DeleteDBSnapshot"]);
    assert_eq!(
        plan["calls"][0]["parameters"]["DBSnapshotIdentifier"],
        "shop-v1"
    );
    assert_eq!(moto.snapshot_ids("shop").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_prune_is_planned_then_made_with_the_planned_calls() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    for id in ["shop-a", "shop-b", "shop-c"] {
        moto.own_snapshot("shop", id, None).await;
    }
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "prune", "66")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("keep-last", "1")
    };
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_ok();
    assert_eq!(moto.snapshot_ids("shop").await.len(), 3, "{planned}");
    let (plan, ran) = plan_then_run(&proxy, step);
    let mut deleted: Vec<&str> = plan["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["parameters"]["DBSnapshotIdentifier"].as_str().unwrap())
        .collect();
    deleted.sort_unstable();
    assert_eq!(deleted, ["shop-a", "shop-b"], "{plan}");
    let mut ran_deleted: Vec<String> = serde_json::from_str(ran.output("deleted")).unwrap();
    ran_deleted.sort();
    assert_eq!(ran_deleted, deleted);
    assert_eq!(moto.snapshot_ids("shop").await, ["shop-c"]);
}

#[tokio::test]
async fn a_copy_shared_with_another_account_is_planned_then_made_with_the_planned_calls() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    moto.own_snapshot("shop", "shop-v1", Some("v1")).await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "copy", "69")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "shop-v1")
            .with("target-snapshot-identifier", "shop-v1-dr")
            .with("share-with-account-ids", "210987654321")
    };
    proxy.clear();
    step().with("plan", "true").run().assert_ok();
    assert_eq!(moto.snapshot_ids("shop").await, ["shop-v1"]);
    let (plan, _) = plan_then_run(&proxy, step);
    assert_eq!(
        planned_actions(&plan),
        ["CopyDBSnapshot", "ModifyDBSnapshotAttribute"],
        "{plan}"
    );
    assert_eq!(
        plan["calls"][1]["parameters"]["ValuesToAdd"],
        serde_json::json!(["210987654321"])
    );
    assert_eq!(moto.snapshot_ids("shop").await, ["shop-v1", "shop-v1-dr"]);
}

#[tokio::test]
async fn a_copy_to_another_region_is_planned_then_made_there_with_the_planned_call() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    moto.own_snapshot("shop", "shop-v1", Some("v1")).await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "copy", "70")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "shop-v1")
            .with("target-region", "us-west-2")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    assert_eq!(planned_actions(&plan), ["CopyDBSnapshot"], "{plan}");
    let source = plan["calls"][0]["parameters"]["SourceDBSnapshotIdentifier"]
        .as_str()
        .unwrap();
    assert!(source.starts_with("arn:aws:rds:us-east-1:"), "{plan}");
    assert_eq!(
        plan["calls"][0]["parameters"]["TargetDBSnapshotIdentifier"],
        ran.output("snapshot-identifier")
    );
}

#[tokio::test]
async fn a_restore_of_a_tuned_db_is_planned_then_made_with_the_planned_calls() {
    let moto = Moto::start();
    create_tuned_db(&moto.client(), "shop").await;
    let id = snapshot(&moto, "shop", "v1", "1");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "restore", "72")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", &id)
            .with("target-db-instance-identifier", "shop-rollback")
    };
    proxy.clear();
    step().with("plan", "true").run().assert_ok();
    assert_eq!(moto.find_instance("shop-rollback").await, None);
    let (plan, _) = plan_then_run(&proxy, step);
    let actions = planned_actions(&plan);
    assert_eq!(actions[0], "RestoreDBInstanceFromDBSnapshot", "{plan}");
    let restore = &plan["calls"][0]["parameters"];
    assert_eq!(restore["DBSnapshotIdentifier"], id.as_str());
    assert_eq!(restore["DBInstanceIdentifier"], "shop-rollback");
    assert_eq!(restore["DBParameterGroupName"], "shop-params", "{plan}");
    // Enhanced Monitoring and Performance Insights no restore call takes:
    // one modify after it.
    assert_eq!(actions[1..], ["ModifyDBInstance"], "{plan}");
    assert_eq!(plan["calls"][1]["parameters"]["MonitoringInterval"], 60);
    assert!(moto.find_instance("shop-rollback").await.is_some());
}

#[tokio::test]
async fn a_point_in_time_restore_is_planned_then_made_with_the_planned_calls() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "73")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("restore-time", "latest")
            .with("target-db-instance-identifier", "shop-pitr")
    };
    let (plan, _) = plan_then_run(&proxy, step);
    assert_eq!(
        planned_actions(&plan)[0],
        "RestoreDBInstanceToPointInTime",
        "{plan}"
    );
    let call = &plan["calls"][0]["parameters"];
    assert_eq!(call["SourceDBInstanceIdentifier"], "shop");
    assert_eq!(call["UseLatestRestorableTime"], true);
}

#[tokio::test]
async fn a_cluster_restore_is_planned_then_made_with_the_planned_calls() {
    let moto = Moto::start();
    create_cluster(&moto, "shop", "aurora-postgresql", &[]);
    let id = snapshot_cluster(&moto, "shop", "v1", "1");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "restore", "74")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", &id)
            .with("target-db-cluster-identifier", "shop-rollback")
    };
    let (plan, _) = plan_then_run(&proxy, step);
    let actions = planned_actions(&plan);
    assert_eq!(actions[0], "RestoreDBClusterFromSnapshot", "{plan}");
    assert!(
        actions.iter().filter(|a| *a == "CreateDBInstance").count() >= 1,
        "{plan}"
    );
}

#[tokio::test]
async fn a_backtrack_is_planned_then_made_with_the_planned_call() {
    let moto = Moto::start();
    create_cluster(&moto, "pay", "aurora-mysql", &[]);
    // A deploy's snapshot marks the time to go back to.
    snapshot_cluster(&moto, "pay", "v9", "70");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "backtrack", "75")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "pay")
            .with("deploy-version", "v9")
    };
    proxy.clear();
    step().with("plan", "true").run().assert_ok();
    let listed = moto
        .client()
        .describe_db_cluster_backtracks()
        .db_cluster_identifier("pay")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.db_cluster_backtracks().len(), 0, "the plan rewound");
    let (plan, ran) = plan_then_run(&proxy, step);
    assert_eq!(planned_actions(&plan), ["BacktrackDBCluster"], "{plan}");
    assert_eq!(
        plan["calls"][0]["parameters"]["BacktrackTo"],
        ran.output("restore-time")
    );
    // A re-run finds the Backtrack made, and so does its plan: nothing.
    proxy.clear();
    let again = step().with("plan", "true").run();
    again.assert_ok();
    assert_eq!(planned_actions(&plan_of(&again)), Vec::<String>::new());

    // A cluster that writes a binary log is refused without `force`, by
    // its plan too.
    create_cluster(&moto, "binlog", "aurora-mysql", &["--binlog"]);
    // Its window begins when it was made: a whole second later is inside.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let at = (chrono::Utc::now() - chrono::TimeDelta::seconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let refused = fails_alike(&proxy, || {
        Step::new(&moto, "backtrack", "76")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "binlog")
            .with("restore-time", &at)
    });
    assert!(refused.error().contains("binary log"), "{refused}");
}

#[tokio::test]
async fn a_wait_plans_no_change_and_waits_for_nothing() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    Step::new(&moto, "snapshot", "77")
        .via(&proxy.endpoint)
        .with("db-instance-identifier", "shop")
        .with("wait", "false")
        .run()
        .assert_ok();
    let step = || {
        Step::new(&moto, "wait", "77")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    assert_eq!(planned_actions(&plan), Vec::<String>::new());
    assert!(
        plan["checks"].to_string().contains("wait for snapshot"),
        "{plan}"
    );
    assert_eq!(ran.output("status"), "available");
}

#[tokio::test]
async fn a_drill_is_planned_then_made_with_the_planned_calls() {
    // The engine's log proves the run's scratch DB (level 1): its
    // endpoint refuses this runner.
    let moto = Moto::start_with(&[
        ("RDS_EMULATOR_REAL_DB", "1"),
        ("RDS_EMULATOR_PRIVATE_ENDPOINTS", "1"),
    ]);
    moto.create_db("vault").await;
    snapshot(&moto, "vault", "v1", "78");
    let temp = tempfile::tempdir().unwrap();
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "drill", "79")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "vault")
            .with("rto-target", "1h")
            .env("RUNNER_TEMP", &temp.path().display().to_string())
    };
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_ok();
    // No scratch DB, and no drill report: a plan proves nothing.
    assert_eq!(moto.find_instance("vault-drill-r79").await, None);
    assert!(!planned.outputs.contains_key("drill-report"), "{planned}");
    assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
    let (plan, ran) = plan_then_run(&proxy, step);
    let actions = planned_actions(&plan);
    assert_eq!(actions[0], "RestoreDBInstanceFromDBSnapshot", "{plan}");
    assert_eq!(actions.last().unwrap(), "DeleteDBInstance", "{plan}");
    assert_eq!(
        plan["calls"][0]["parameters"]["DBInstanceIdentifier"],
        "vault-drill-r79"
    );
    assert_eq!(ran.output("proof-level"), "1", "{ran}");
    assert_eq!(moto.find_instance("vault-drill-r79").await, None);
}

#[tokio::test]
async fn a_plan_of_a_step_that_would_fail_fails_with_the_same_error_and_changes_nothing() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    // A typo in the DB's name.
    let planned = fails_alike(&proxy, || {
        Step::new(&moto, "snapshot", "67")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shpo")
    });
    assert!(planned.error().contains("shpo"), "{planned}");
    // A snapshot that does not exist.
    fails_alike(&proxy, || {
        Step::new(&moto, "delete", "67")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "shop-nope")
    });
    // A snapshot this action did not make.
    moto.client()
        .create_db_snapshot()
        .db_instance_identifier("shop")
        .db_snapshot_identifier("someone-elses")
        .send()
        .await
        .unwrap();
    crate::common::wait_for_snapshot(&moto.client(), "someone-elses").await;
    fails_alike(&proxy, || {
        Step::new(&moto, "delete", "67")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "someone-elses")
    });
    // A copy whose target ID is taken by a snapshot that is no copy of it.
    moto.own_snapshot("shop", "shop-v1", Some("v1")).await;
    fails_alike(&proxy, || {
        Step::new(&moto, "copy", "67")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "shop-v1")
            .with("target-snapshot-identifier", "someone-elses")
    });
    assert_eq!(
        moto.snapshot_ids("shop").await,
        ["shop-v1", "someone-elses"]
    );
    // A restore into a name another DB holds.
    moto.create_db("taken").await;
    fails_alike(&proxy, || {
        Step::new(&moto, "restore", "67")
            .via(&proxy.endpoint)
            .with("snapshot-identifier", "shop-v1")
            .with("target-db-instance-identifier", "taken")
    });
}

#[tokio::test]
async fn an_in_place_restore_and_a_bad_plan_value_fail_before_calling_aws() {
    let moto = Moto::start();
    moto.create_db("shop").await;
    moto.own_snapshot("shop", "shop-v1", Some("v1")).await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    proxy.clear();
    let refused = [(
        Step::new(&moto, "restore", "68")
            .with("db-instance-identifier", "shop")
            .with("snapshot-identifier", "shop-v1")
            .with("in-place", "true"),
        "input `plan` is `true`, but `in-place: true` does not plan yet",
    )];
    for (step, refusal) in refused {
        let ran = step.via(&proxy.endpoint).with("plan", "true").run();
        ran.assert_failed();
        assert_eq!(proxy.requests(), Vec::new(), "{ran}");
        assert!(ran.error().contains(refusal), "{ran}");
    }
    for bad in ["maybe", ""] {
        let ran = Step::new(&moto, "snapshot", "68")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "shop")
            .with("plan", bad)
            .run();
        ran.assert_failed();
        assert!(ran.error().contains("input `plan`"), "{ran}");
        assert_eq!(proxy.requests(), Vec::new(), "{ran}");
    }
    assert_eq!(moto.snapshot_ids("shop").await, ["shop-v1"]);
}

/// Every case of the bad-input table (see `hostile`) in a mode that plans:
/// its plan fails with the run's own error, and neither changes anything.
#[tokio::test]
async fn every_bad_input_fails_its_plan_with_the_runs_own_error() {
    let moto = Moto::start();
    crate::hostile::world(&moto).await;
    crate::hostile::aurora_world(&moto);
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let mut compared = 0;
    let mut failures = Vec::new();
    for case in crate::hostile::cases::cases() {
        // An in-place restore refuses `plan: true` instead.
        if case.with.contains(&("in-place", "true")) {
            continue;
        }
        let step = || {
            let mut step = Step::new(&moto, case.mode, "9001").via(&proxy.endpoint);
            for (name, value) in case.with {
                step = step.with(name, value);
            }
            if case.unset_region {
                step = step.without_env("AWS_REGION");
            }
            step
        };
        proxy.clear();
        let planned = step().with("plan", "true").run();
        let planned_mutating = mutating(&proxy);
        proxy.clear();
        let ran = step().run();
        compared += 1;
        if planned.code == 0
            || untimed(&planned.commands("error")) != untimed(&ran.commands("error"))
            || !planned_mutating.is_empty()
            || !mutating(&proxy).is_empty()
        {
            failures.push(format!(
                "{} {:?}: plan made {planned_mutating:?}\n--- plan\n{planned}\n--- run\n{ran}",
                case.mode, case.with
            ));
        }
    }
    assert!(compared >= 30, "only {compared} cases compared");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A plan shows what the user gave (tag keys in its table, every value in
/// its JSON): payloads there stay as inert as anywhere else.
#[tokio::test]
async fn payloads_in_a_planning_steps_inputs_stay_inert() {
    use crate::hostile::payloads::{TAG_PAYLOADS, assert_contained, declared_outputs};
    let moto = Moto::start();
    moto.create_db("shop").await;
    let declared = declared_outputs();
    let mut planned = 0;
    for payload in TAG_PAYLOADS {
        let key: String = payload.chars().filter(|c| *c != '=').collect();
        let ran = Step::new(&moto, "snapshot", "80")
            .with("db-instance-identifier", "shop")
            .with("deploy-version", payload)
            .with("tags", &format!("{}=v,team={payload}", key.trim()))
            .with("plan", "true")
            .run();
        assert_contained(&ran, &declared);
        if ran.code == 0 {
            planned += 1;
            let plan = plan_of(&ran);
            assert_eq!(planned_actions(&plan), ["CreateDBSnapshot"], "{ran}");
            assert!(ran.summary.contains("Planned changes"), "{ran}");
        }
    }
    // Most are tags AWS accepts: their plans are made and shown.
    assert!(
        planned * 2 >= TAG_PAYLOADS.len(),
        "only {planned} of {} plans were made",
        TAG_PAYLOADS.len()
    );
    assert_eq!(moto.snapshot_ids("shop").await, Vec::<String>::new());
}

/// Error lines with their times of day left out: a restorable window's
/// latest time moves on between the plan and the run.
fn untimed(lines: &[String]) -> Vec<String> {
    let time = regex::Regex::new(r"[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]+)?(Z|[+-][0-9][0-9]:[0-9][0-9])")
        .expect("a valid pattern");
    lines
        .iter()
        .map(|line| time.replace_all(line, "<time>").into_owned())
        .collect()
}
