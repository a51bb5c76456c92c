//! `plan: true` of an in-place rollback (`in-place: true`), on the strict
//! emulator behind the fault proxy: the plan makes the swap's checks and no
//! mutating call, and lists the restore, the swap's tags, both renames and
//! the deletion protection; the same step without `plan` then makes exactly
//! those calls, in that order. A plan of a swap that would be refused fails
//! with the run's own error and changes nothing.

use serde_json::Value;

use crate::common::{
    FaultProxy, Moto, Step, create_cluster, mutating_calls, production, snapshot_cluster,
};
use crate::plan::{fails_alike, plan_of, plan_then_run, planned_actions};

/// The parameters that name what a call acts on, as the fault proxy
/// records them.
const NAMES: [&str; 6] = [
    "DBInstanceIdentifier",
    "TargetDBInstanceIdentifier",
    "DBClusterIdentifier",
    "NewDBInstanceIdentifier",
    "NewDBClusterIdentifier",
    "ResourceName",
];

/// The planned calls as [`mutating_calls`] shows the run's.
fn planned_calls(plan: &Value) -> Vec<String> {
    plan["calls"]
        .as_array()
        .expect("plan.calls is an array")
        .iter()
        .map(|call| {
            let mut text = call["action"].as_str().expect("an action").to_owned();
            for name in NAMES {
                if let Some(value) = call["parameters"][name].as_str() {
                    text.push_str(&format!(" {name}={value}"));
                }
            }
            text
        })
        .collect()
}

/// Calls with what differs between a plan and its run by design left out:
/// the replaced DB's time stamp (the plan's time, the run's). The account
/// in a planned ARN is the one the plan's reads showed, so ARNs match.
fn alike(calls: Vec<String>) -> Vec<String> {
    let stamp = regex::Regex::new(r"-replaced-[0-9]{14}").expect("a valid pattern");
    calls
        .iter()
        .map(|call| stamp.replace_all(call, "-replaced-<time>").into_owned())
        .collect()
}

/// After [`plan_then_run`]: the run's calls acted on the DBs its plan
/// named, in the same order (the actions alone do not tell the swap's two
/// tag calls apart, or its two renames).
fn assert_same_targets(plan: &Value, proxy: &FaultProxy) {
    assert_eq!(
        alike(mutating_calls(proxy)),
        alike(planned_calls(plan)),
        "{plan}"
    );
}

/// The planned calls with `action`, by their parameters.
fn calls<'a>(plan: &'a Value, action: &str) -> Vec<&'a Value> {
    plan["calls"]
        .as_array()
        .expect("plan.calls is an array")
        .iter()
        .filter(|call| call["action"] == action)
        .map(|call| &call["parameters"])
        .collect()
}

/// The planned renames, as (from, to), of a DB of this kind
/// (`Instance` or `Cluster`, as the API's parameters name it).
fn renames(plan: &Value, kind: &str) -> Vec<(String, String)> {
    calls(plan, &format!("ModifyDB{kind}"))
        .into_iter()
        .filter_map(|call| {
            let to = call[format!("NewDB{kind}Identifier")].as_str()?;
            let from = call[format!("DB{kind}Identifier")].as_str()?;
            Some((from.to_owned(), to.to_owned()))
        })
        .collect()
}

/// The checks of a plan, as one text.
fn checks(plan: &Value) -> String {
    plan["checks"].to_string()
}

/// An in-place restore of `db`'s snapshot `snapshot`, through the proxy.
fn in_place(moto: &Moto, proxy: &FaultProxy, db: &str, snapshot: &str, run: &str) -> Step {
    Step::new(moto, "restore", run)
        .via(&proxy.endpoint)
        .with("db-instance-identifier", db)
        .with("snapshot-identifier", snapshot)
        .with("in-place", "true")
}

#[tokio::test]
async fn an_in_place_restore_of_an_instance_is_planned_then_made_with_the_planned_calls() {
    let moto = Moto::start();
    production(&moto, "shop");
    let snapshot = crate::common::snapshot(&moto, "shop", "v1", "40");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || in_place(&moto, &proxy, "shop", &snapshot, "41");

    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_ok();
    // The plan restored nothing and renamed nothing.
    assert_eq!(moto.find_instance("shop-rollback-r41").await, None);
    assert_eq!(moto.instances().await.len(), 1, "{planned}");
    let plan = plan_of(&planned);
    let checks = checks(&plan);
    for check in [
        "DB instance `shop` (in place)",
        "room for the swap's tags on `shop`",
        "Blue/Green deployments",
        "the replaced DB's name `shop-replaced-",
        "DB instance `shop-rollback-r41`",
    ] {
        assert!(checks.contains(check), "{check}: {checks}");
    }
    assert!(
        planned.summary.contains("NewDBInstanceIdentifier: shop"),
        "{}",
        planned.summary
    );

    let (plan, ran) = plan_then_run(&proxy, step);
    assert_same_targets(&plan, &proxy);
    assert_eq!(
        planned_actions(&plan),
        [
            "RestoreDBInstanceFromDBSnapshot",
            // Enhanced Monitoring, which no restore call takes.
            "ModifyDBInstance",
            // The swap's intent on the restored DB, then on the app's.
            "AddTagsToResource",
            "AddTagsToResource",
            // `shop` aside, the restored DB in.
            "ModifyDBInstance",
            "ModifyDBInstance",
            // The replaced DB's stamps. Both DBs are protected already:
            // the original was, and the restore carried it.
            "AddTagsToResource",
        ],
        "{plan}"
    );
    assert_eq!(plan["calls"][0]["parameters"]["DeletionProtection"], true);
    let renamed = renames(&plan, "Instance");
    assert_eq!(renamed.len(), 2, "{plan}");
    assert_eq!(renamed[0].0, "shop");
    assert!(renamed[0].1.starts_with("shop-replaced-2"), "{plan}");
    assert_eq!(renamed[1], ("shop-rollback-r41".into(), "shop".into()));
    // The stamps go on the original under its new name.
    let stamped = &plan["calls"][6]["parameters"]["ResourceName"];
    assert!(
        stamped
            .as_str()
            .unwrap()
            .ends_with(&format!(":db:{}", renamed[0].1)),
        "{plan}"
    );
    // The run swapped as planned.
    assert_eq!(ran.output("db-instance-identifier"), "shop");
    let replaced = ran.output("replaced-db-instance-identifier");
    assert!(moto.find_instance(replaced).await.is_some(), "{ran}");
}

#[tokio::test]
async fn an_in_place_point_in_time_restore_of_an_instance_is_planned_then_made_alike() {
    let moto = Moto::start();
    moto.create_db("ledger").await;
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "pitr", "42")
            .via(&proxy.endpoint)
            .with("db-instance-identifier", "ledger")
            .with("restore-time", "latest")
            .with("in-place", "true")
    };
    let (plan, ran) = plan_then_run(&proxy, step);
    assert_same_targets(&plan, &proxy);
    assert_eq!(
        planned_actions(&plan),
        [
            "RestoreDBInstanceToPointInTime",
            // The maintenance window, which no restore call takes.
            "ModifyDBInstance",
            "AddTagsToResource",
            "AddTagsToResource",
            "ModifyDBInstance",
            "ModifyDBInstance",
            // The original was not protected: it is now, under its new
            // name (the restore asked for it on the copy), then it gets
            // its stamps.
            "ModifyDBInstance",
            "AddTagsToResource",
        ],
        "{plan}"
    );
    let restore = &plan["calls"][0]["parameters"];
    assert_eq!(restore["SourceDBInstanceIdentifier"], "ledger");
    assert_eq!(restore["UseLatestRestorableTime"], true);
    let renamed = renames(&plan, "Instance");
    assert_eq!(renamed.len(), 2, "{plan}");
    assert_eq!(renamed[0].0, "ledger");
    assert_eq!(renamed[1].1, "ledger");
    let protected: Vec<&str> = calls(&plan, "ModifyDBInstance")
        .into_iter()
        .filter(|call| call["DeletionProtection"] == true)
        .filter_map(|call| call["DBInstanceIdentifier"].as_str())
        .collect();
    assert_eq!(protected, [renamed[0].1.as_str()], "{plan}");
    assert_eq!(restore["DeletionProtection"], true, "{plan}");
    assert!(
        checks(&plan).contains("room for the swap's tags on `ledger`"),
        "{plan}"
    );
    assert_eq!(ran.output("db-instance-identifier"), "ledger");
}

#[tokio::test]
async fn an_in_place_restore_of_an_aurora_cluster_is_planned_then_made_alike() {
    let moto = Moto::start();
    let made = create_cluster(&moto, "orders", "aurora-postgresql", &[]);
    let snapshot = snapshot_cluster(&moto, "orders", "v1", "43");
    let mut members = vec![made["writer"].as_str().expect("a writer").to_owned()];
    members.extend(
        made["readers"]
            .as_array()
            .expect("readers")
            .iter()
            .map(|reader| reader.as_str().expect("a reader").to_owned()),
    );
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let step = || {
        Step::new(&moto, "restore", "44")
            .via(&proxy.endpoint)
            .with("db-cluster-identifier", "orders")
            .with("snapshot-identifier", &snapshot)
            .with("in-place", "true")
    };
    proxy.clear();
    let planned = step().with("plan", "true").run();
    planned.assert_ok();
    assert_eq!(moto.find_cluster("orders-rollback-r44").await, None);
    let plan = plan_of(&planned);
    let checks = checks(&plan);
    assert!(
        checks.contains("DB cluster `orders` (in place)"),
        "{checks}"
    );
    for member in &members {
        assert!(
            checks.contains(&format!("room for the swap's tags on `{member}`")),
            "{member}: {checks}"
        );
    }

    let (plan, ran) = plan_then_run(&proxy, step);
    assert_same_targets(&plan, &proxy);
    let actions = planned_actions(&plan);
    assert_eq!(actions[0], "RestoreDBClusterFromSnapshot", "{plan}");
    let renamed = renames(&plan, "Cluster");
    assert_eq!(renamed.len(), 2, "{plan}");
    assert_eq!(renamed[0].0, "orders");
    assert!(renamed[0].1.starts_with("orders-replaced-2"), "{plan}");
    assert_eq!(renamed[1], ("orders-rollback-r44".into(), "orders".into()));
    // The intent goes on both clusters and on each of the original's
    // instances, before the first rename.
    let all = plan["calls"].as_array().unwrap();
    let first_rename = all
        .iter()
        .position(|call| call["parameters"]["NewDBClusterIdentifier"].is_string())
        .unwrap();
    let tagged: Vec<&str> = all[..first_rename]
        .iter()
        .filter(|call| call["action"] == "AddTagsToResource")
        .filter_map(|call| call["parameters"]["ResourceName"].as_str())
        .collect();
    assert_eq!(tagged.len(), 2 + members.len(), "{plan}");
    assert!(
        tagged[0].ends_with(":cluster:orders-rollback-r44"),
        "{plan}"
    );
    assert!(tagged[1].ends_with(":cluster:orders"), "{plan}");
    for member in &members {
        assert!(
            tagged
                .iter()
                .any(|arn| arn.ends_with(&format!(":db:{member}"))),
            "{member}: {plan}"
        );
    }
    let old = ran.output("replaced-db-cluster-identifier");
    assert!(moto.find_cluster(old).await.is_some(), "{ran}");
}

#[tokio::test]
async fn a_plan_of_an_in_place_restore_that_would_be_refused_fails_alike_and_changes_nothing() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);

    // The application's DB does not exist.
    moto.create_db("shop").await;
    moto.own_snapshot("shop", "shop-snap", None).await;
    let missing = fails_alike(&proxy, || {
        in_place(&moto, &proxy, "shpo", "shop-snap", "45")
    });
    assert!(missing.error().contains("shpo"), "{missing}");

    // No room for the swap's tags.
    moto.create_db("crowded").await;
    moto.own_snapshot("crowded", "crowded-snap", None).await;
    let db = moto.instance("crowded").await;
    let mut add = moto
        .client()
        .add_tags_to_resource()
        .resource_name(db.db_instance_arn().unwrap());
    for n in 0..(50 - db.tag_list().len()) {
        add = add.tags(
            aws_sdk_rds::types::Tag::builder()
                .key(format!("cost-{n}"))
                .value("1")
                .build(),
        );
    }
    add.send().await.expect("tag the DB up to 50");
    let crowded = fails_alike(&proxy, || {
        in_place(&moto, &proxy, "crowded", "crowded-snap", "46")
    });
    assert!(crowded.error().contains("has 50 tags"), "{crowded}");

    // A Blue/Green deployment holds it.
    moto.create_db("blue").await;
    moto.own_snapshot("blue", "blue-snap", None).await;
    moto.blue_green("blue").await;
    let held = fails_alike(&proxy, || {
        in_place(&moto, &proxy, "blue", "blue-snap", "47")
    });
    assert!(
        held.error().contains("Blue/Green deployment `upgrade`"),
        "{held}"
    );
    let restored: Vec<String> = moto
        .instances()
        .await
        .into_keys()
        .filter(|id| id.contains("-rollback-") || id.contains("-replaced-"))
        .collect();
    assert_eq!(restored, Vec::<String>::new());
}
