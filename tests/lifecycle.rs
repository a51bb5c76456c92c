//! list, prune, delete, copy and the quota guard, run as the GitHub runner
//! runs the action, against the strict emulator.

use crate::common::{Moto, Step, wait_for_instance};

/// Snapshots `db` through the action in run `run` for `version`.
fn snapshot(moto: &Moto, db: &str, version: &str, run: &str) -> String {
    let id = crate::common::snapshot(moto, db, version, run);
    // Creation times order snapshots; moto keeps them to the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    id
}

/// A manual snapshot made outside this action (no ownership tag).
async fn foreign_snapshot(moto: &Moto, db: &str, id: &str) {
    moto.client()
        .create_db_snapshot()
        .db_instance_identifier(db)
        .db_snapshot_identifier(id)
        .send()
        .await
        .expect("create a foreign snapshot");
}

fn json_ids(text: &str) -> Vec<String> {
    serde_json::from_str(text).expect("a JSON array of IDs")
}

#[tokio::test]
async fn list_shows_only_this_actions_snapshots_of_the_db_newest_first() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    moto.create_db("staging").await;
    let old = snapshot(&moto, "prod", "v1", "1");
    let new = snapshot(&moto, "prod", "v2", "2");
    snapshot(&moto, "staging", "v2", "3");
    foreign_snapshot(&moto, "prod", "hand-made").await;
    let ran = Step::new(&moto, "list", "4")
        .with("db-instance-identifier", "prod")
        .run();
    ran.assert_ok();
    let listed: serde_json::Value = serde_json::from_str(ran.output("snapshots")).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [new.as_str(), old.as_str()]);
    assert_eq!(listed[0]["deploy-version"], "v2");
    assert_eq!(listed[0]["status"], "available");
    assert_eq!(listed[0]["size-gib"], 20);
    assert!(listed[0]["created"].as_str().unwrap().ends_with('Z'));
    assert!(
        ran.summary
            .contains("| snapshot | status | created | deploy version | size (GiB) |"),
        "{ran}"
    );
    assert!(
        ran.summary.contains(&format!("| {new} | available |")),
        "{ran}"
    );
}

#[tokio::test]
async fn prune_dry_run_then_for_real_and_never_what_it_does_not_own() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    moto.create_db("staging").await;
    let oldest = snapshot(&moto, "prod", "v1", "1");
    let middle = snapshot(&moto, "prod", "v2", "2");
    let newest = snapshot(&moto, "prod", "v3", "3");
    let other_db = snapshot(&moto, "staging", "v1", "4");
    foreign_snapshot(&moto, "prod", "hand-made").await;
    let prune = |dry_run: &str| {
        Step::new(&moto, "prune", "5")
            .with("db-instance-identifier", "prod")
            .with("keep-last", "1")
            .with("dry-run", dry_run)
            .run()
    };
    let dry = prune("true");
    dry.assert_ok();
    assert_eq!(
        json_ids(dry.output("prune-candidates")),
        [middle.clone(), oldest.clone()]
    );
    assert!(json_ids(dry.output("deleted")).is_empty());
    assert_eq!(dry.output("status"), "dry-run");
    assert_eq!(moto.snapshot_ids("prod").await.len(), 4);
    // The summary shows a table, not the outputs' JSON arrays.
    assert!(!dry.summary.contains("[\""), "{}", dry.summary);
    assert!(
        dry.summary
            .contains("| snapshot | created | deploy version | result |"),
        "{}",
        dry.summary
    );
    assert!(
        dry.summary.contains(&format!("| {oldest} |"))
            && dry.summary.contains("| v1 | would be deleted (dry run) |"),
        "{}",
        dry.summary
    );

    let real = prune("false");
    real.assert_ok();
    assert_eq!(json_ids(real.output("deleted")), [middle, oldest]);
    assert_eq!(
        moto.snapshot_ids("prod").await,
        ["hand-made", newest.as_str()]
    );
    assert_eq!(moto.snapshot_ids("staging").await, [other_db]);

    // A re-run converges: nothing more goes.
    let again = prune("false");
    again.assert_ok();
    assert!(json_ids(again.output("deleted")).is_empty());
}

#[tokio::test]
async fn prune_by_age_keeps_the_newest_even_when_all_are_old() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let older = snapshot(&moto, "prod", "v1", "1");
    let newest = snapshot(&moto, "prod", "v2", "2");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let ran = Step::new(&moto, "prune", "3")
        .with("db-instance-identifier", "prod")
        .with("older-than", "1s")
        .run();
    ran.assert_ok();
    assert_eq!(json_ids(ran.output("deleted")), [older]);
    assert_eq!(moto.snapshot_ids("prod").await, [newest]);
}

#[tokio::test]
async fn prune_without_rules_is_an_input_error() {
    let moto = Moto::start();
    let ran = Step::new(&moto, "prune", "1")
        .with("db-instance-identifier", "prod")
        .run();
    ran.assert_failed();
    assert!(
        ran.error()
            .contains("input `keep-last` or input `older-than` is required"),
        "{ran}"
    );
}

#[tokio::test]
async fn delete_removes_its_own_and_refuses_anything_else() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ours = snapshot(&moto, "prod", "v1", "1");
    foreign_snapshot(&moto, "prod", "hand-made").await;

    let refused = Step::new(&moto, "delete", "2")
        .with("snapshot-identifier", "hand-made")
        .run();
    refused.assert_failed();
    let error = refused.error();
    assert!(
        error.contains("does not carry this action's ownership tag"),
        "{error}"
    );
    assert!(error.contains("will not delete it"), "{error}");

    let deleted = Step::new(&moto, "delete", "2")
        .with("snapshot-identifier", &ours)
        .run();
    deleted.assert_ok();
    assert_eq!(
        json_ids(deleted.output("deleted")),
        std::slice::from_ref(&ours)
    );
    assert_eq!(moto.snapshot_ids("prod").await, ["hand-made"]);

    // The re-run of the same step (a later attempt) finds it gone and says so.
    let rerun = Step::new(&moto, "delete", "2")
        .with("snapshot-identifier", &ours)
        .env("GITHUB_RUN_ATTEMPT", "2")
        .run();
    rerun.assert_ok();
    assert!(
        rerun.commands("warning")[0].contains("does not exist"),
        "{rerun}"
    );
    assert_eq!(rerun.output("status"), "deleted");
}

#[tokio::test]
async fn delete_of_a_missing_snapshot_on_a_first_attempt_is_a_typo_not_a_success() {
    // Regression: a typo exited 0 with status=deleted.
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ours = snapshot(&moto, "prod", "v1", "1");
    let ran = Step::new(&moto, "delete", "3")
        .with("snapshot-identifier", &format!("{ours}x"))
        .run();
    ran.assert_failed();
    let error = ran.error();
    // The summary says what went wrong in one line, first.
    let mut lines = ran.summary.lines().filter(|line| !line.is_empty());
    assert_eq!(lines.next(), Some("### rds-snapshot-action: delete failed"));
    let headline = lines.next().unwrap_or_default();
    assert!(
        headline.starts_with("**Error:** snapshot") && headline.contains("nothing was deleted"),
        "{}",
        ran.summary
    );
    assert!(error.contains(&format!("`{ours}x`")), "{error}");
    assert!(error.contains("input `snapshot-identifier`"), "{error}");
    assert!(error.contains("nothing was deleted"), "{error}");
    assert_ne!(
        ran.outputs.get("status").map(String::as_str),
        Some("deleted")
    );
    assert_eq!(moto.snapshot_ids("prod").await, [ours]);
}

/// The automated snapshot RDS made of `db` (`rds:<db>-<time>`).
async fn automated_snapshot(moto: &Moto, db: &str) -> String {
    let output = moto
        .client()
        .describe_db_snapshots()
        .db_instance_identifier(db)
        .snapshot_type("automated")
        .send()
        .await
        .expect("describe automated snapshots");
    let id = output.db_snapshots()[0]
        .db_snapshot_identifier()
        .expect("an ID")
        .to_owned();
    assert!(id.starts_with("rds:"), "{id}");
    id
}

#[tokio::test]
async fn automated_snapshots_are_restored_and_copied_but_never_deleted() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let auto = automated_snapshot(&moto, "prod").await;

    let restored = Step::new(&moto, "restore", "4")
        .with("snapshot-identifier", &auto)
        .with("target-db-instance-identifier", "prod-from-auto")
        .run();
    restored.assert_ok();
    assert_eq!(restored.output("snapshot-identifier"), auto);
    assert_eq!(restored.output("status"), "available");

    // In the same region: the emulator (moto) reads an automated
    // snapshot's ARN, which has a `:` in its last segment, wrongly, so a
    // cross-region copy by ARN cannot be shown here.
    let copied = Step::new(&moto, "copy", "4")
        .with("snapshot-identifier", &auto)
        .with("target-region", "us-east-1")
        .run();
    copied.assert_ok();
    let plain = format!("{}-copy", auto.trim_start_matches("rds:"));
    assert_eq!(copied.output("snapshot-identifier"), plain);
    assert_eq!(copied.output("status"), "available");

    let refused = Step::new(&moto, "delete", "4")
        .with("snapshot-identifier", &auto)
        .run();
    refused.assert_failed();
    let error = refused.error();
    assert!(error.contains("input `snapshot-identifier`"), "{error}");
    assert!(error.contains("automated snapshot"), "{error}");
    assert_eq!(automated_snapshot(&moto, "prod").await, auto);
}

#[tokio::test]
async fn copy_to_another_region_carries_the_tags_and_rerun_adopts() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let id = snapshot(&moto, "prod", "v1.2.3", "1");
    let step = || {
        Step::new(&moto, "copy", "2")
            .with("snapshot-identifier", "latest")
            .with("db-instance-identifier", "prod")
            .with("target-region", "us-west-2")
            .with("tags", "purpose=dr")
            .run()
    };
    let ran = step();
    ran.assert_ok();
    assert_eq!(ran.output("snapshot-identifier"), id);
    assert!(
        ran.output("snapshot-arn")
            .starts_with("arn:aws:rds:us-west-2:"),
        "{ran}"
    );
    assert_eq!(ran.output("status"), "available");
    let west = moto.client_in("us-west-2");
    let copy = west
        .describe_db_snapshots()
        .db_snapshot_identifier(&id)
        .send()
        .await
        .unwrap()
        .db_snapshots()[0]
        .clone();
    let tags = crate::common::tags(copy.tag_list());
    assert_eq!(tags["rds-snapshot-action:deploy-version"], "v1.2.3");
    assert_eq!(
        tags["rds-snapshot-action:managed-by"],
        "rds-snapshot-action"
    );
    assert!(tags["rds-snapshot-action:copied-from"].starts_with("arn:aws:rds:us-east-1:"));
    assert_eq!(tags["purpose"], "dr");
    let again = step();
    again.assert_ok();
    assert_eq!(again.outputs, ran.outputs);
    assert!(again.stderr.contains("adopting"), "{again}");
}

#[tokio::test]
async fn copy_and_share_with_another_account() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let id = snapshot(&moto, "prod", "v1", "1");
    let ran = Step::new(&moto, "copy", "2")
        .with("snapshot-identifier", &id)
        .with("share-with-account-ids", "210987654321")
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("snapshot-identifier"), id);
    let attributes = moto
        .client()
        .describe_db_snapshot_attributes()
        .db_snapshot_identifier(&id)
        .send()
        .await
        .unwrap();
    let restore: Vec<String> = attributes
        .db_snapshot_attributes_result()
        .unwrap()
        .db_snapshot_attributes()
        .iter()
        .filter(|a| a.attribute_name() == Some("restore"))
        .flat_map(|a| a.attribute_values().to_vec())
        .collect();
    assert_eq!(restore, ["210987654321"]);
}

#[tokio::test]
async fn an_encrypted_snapshot_needs_a_key_in_the_target_region() {
    let moto = Moto::start();
    moto.client()
        .create_db_instance()
        .db_instance_identifier("secure")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password")
        .storage_encrypted(true)
        .send()
        .await
        .unwrap();
    wait_for_instance(&moto.client(), "secure", "available").await;
    let id = snapshot(&moto, "secure", "v1", "1");
    let ran = Step::new(&moto, "copy", "2")
        .with("snapshot-identifier", &id)
        .with("target-region", "us-west-2")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("is encrypted"), "{error}");
    assert!(
        error.contains("`kms-key-id` to a KMS key in us-west-2"),
        "{error}"
    );
    let west = moto.client_in("us-west-2");
    let copies = west.describe_db_snapshots().send().await.unwrap();
    assert!(copies.db_snapshots().is_empty());
}

#[tokio::test]
async fn at_the_quota_the_snapshot_step_refuses_and_prune_keep_last_makes_room() {
    // The emulator reports the quota through DescribeAccountAttributes, as
    // AWS does; a quota of 5 stands in for AWS's default of 100.
    let moto = Moto::start_with(&[("RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA", "5")]);
    moto.create_db("prod").await;
    moto.create_db("other").await;
    let mine = [
        snapshot(&moto, "prod", "v1", "1"),
        snapshot(&moto, "prod", "v2", "2"),
    ];
    for n in 0..3 {
        foreign_snapshot(&moto, "other", &format!("hand-made-{n}")).await;
    }
    let refused = Step::new(&moto, "snapshot", "3")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v3")
        .run();
    refused.assert_failed();
    let error = refused.error();
    assert!(
        error.contains("already holds 5 manual DB snapshots, the account's quota of 5"),
        "{error}"
    );
    assert!(error.contains("mode: prune"), "{error}");
    // The quota was read, not assumed.
    assert!(refused.commands("warning").is_empty(), "{refused}");
    assert_eq!(moto.snapshot_ids("prod").await.len(), 2);

    let pruned = Step::new(&moto, "snapshot", "3")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v3")
        .with("prune-keep-last", "1")
        .run();
    pruned.assert_ok();
    assert_eq!(json_ids(pruned.output("deleted")), [mine[0].clone()]);
    assert_eq!(
        moto.snapshot_ids("prod").await,
        [mine[1].as_str(), "prod-v3-r3"]
    );
    assert_eq!(moto.snapshot_ids("other").await.len(), 3);
}

#[tokio::test]
async fn a_copy_made_outside_the_action_with_our_tags_is_never_ours() {
    // Regression: a compliance team's CopyDBSnapshot with CopyTags carried
    // every ownership tag, so delete and prune would have deleted it.
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ours = snapshot(&moto, "prod", "v1", "1");
    let newer = snapshot(&moto, "prod", "v2", "2");
    moto.client()
        .copy_db_snapshot()
        .source_db_snapshot_identifier(&ours)
        .target_db_snapshot_identifier("compliance-copy")
        .copy_tags(true)
        .send()
        .await
        .expect("a copy with the tags copied");
    crate::common::wait_for_snapshot(&moto.client(), "compliance-copy").await;
    let tags = moto.snapshot_tags("compliance-copy").await;
    assert_eq!(
        tags["rds-snapshot-action:managed-by"],
        "rds-snapshot-action"
    );

    let refused = Step::new(&moto, "delete", "3")
        .with("snapshot-identifier", "compliance-copy")
        .run();
    refused.assert_failed();
    assert!(refused.error().contains("will not delete it"), "{refused}");

    let pruned = Step::new(&moto, "prune", "3")
        .with("db-instance-identifier", "prod")
        .with("keep-last", "1")
        .run();
    pruned.assert_ok();
    assert_eq!(json_ids(pruned.output("deleted")), [ours]);
    assert_eq!(
        moto.snapshot_ids("prod").await,
        ["compliance-copy".to_owned(), newer]
    );
}
