//! Each mode run as the GitHub runner runs the action, against the strict emulator.

use crate::common::{Moto, Step};

#[tokio::test]
async fn snapshot_is_named_and_tagged_after_the_deploy() {
    let moto = Moto::start();
    moto.create_db("prod-postgres").await;
    let ran = Step::new(&moto, "snapshot", "1001")
        .with("db-instance-identifier", "prod-postgres")
        .with("deploy-version", "release/2026.11")
        .with("tags", "team=payments")
        .run();
    ran.assert_ok();
    let id = "prod-postgres-release-2026-11-r1001";
    assert_eq!(ran.output("snapshot-identifier"), id);
    assert_eq!(ran.output("db-instance-identifier"), "prod-postgres");
    assert_eq!(ran.output("status"), "available");
    assert!(
        ran.output("snapshot-arn")
            .ends_with(&format!(":snapshot:{id}")),
        "{ran}"
    );
    assert_eq!(moto.snapshot_ids("prod-postgres").await, vec![id]);
    let tags = moto.snapshot_tags(id).await;
    assert_eq!(
        tags["rds-snapshot-action:managed-by"],
        "rds-snapshot-action"
    );
    assert_eq!(
        tags["rds-snapshot-action:deploy-version"],
        "release/2026.11"
    );
    assert_eq!(tags["rds-snapshot-action:source-db"], "prod-postgres");
    assert_eq!(tags["rds-snapshot-action:repository"], "acme/shop");
    assert_eq!(
        tags["rds-snapshot-action:commit"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(tags["rds-snapshot-action:run-id"], "1001");
    assert_eq!(tags["team"], "payments");
    assert!(ran.summary.contains("snapshot succeeded"), "{ran}");
    assert!(ran.summary.contains(id), "{ran}");
    // Where to look, and how long it took.
    assert!(
        ran.summary.contains(&format!(
            "<https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#db-snapshot:id={id}>"
        )),
        "{ran}"
    );
    assert!(ran.summary.contains("| took | "), "{ran}");
    // Defaults the runner passes for other modes' inputs are not "unused".
    assert!(
        !ran.commands("warning")
            .iter()
            .any(|w| w.contains("is not used by mode")),
        "{ran}"
    );
}

#[tokio::test]
async fn rerunning_a_snapshot_job_adopts_instead_of_duplicating() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let step = Step::new(&moto, "snapshot", "2002")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v2.4.1");
    let first = step.run();
    first.assert_ok();
    // The runner's "re-run job" keeps GITHUB_RUN_ID and bumps the attempt.
    let second = Step::new(&moto, "snapshot", "2002")
        .env("GITHUB_RUN_ATTEMPT", "2")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v2.4.1")
        .run();
    second.assert_ok();
    assert_eq!(first.outputs, second.outputs);
    assert!(second.stderr.contains("adopting"), "{second}");
    assert_eq!(moto.snapshot_ids("prod").await, vec!["prod-v2-4-1-r2002"]);
}

#[tokio::test]
async fn a_foreign_snapshot_with_the_same_id_is_refused_and_untouched() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    moto.client()
        .create_db_snapshot()
        .db_instance_identifier("prod")
        .db_snapshot_identifier("prod-v1-r3003")
        .send()
        .await
        .unwrap();
    let ran = Step::new(&moto, "snapshot", "3003")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v1")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("`prod-v1-r3003` already exists"), "{error}");
    assert!(error.contains("did not make"), "{error}");
    assert!(error.contains("snapshot-identifier"), "{error}");
    assert_eq!(moto.snapshot_ids("prod").await, vec!["prod-v1-r3003"]);
    assert!(moto.snapshot_tags("prod-v1-r3003").await.is_empty());
}

#[tokio::test]
async fn snapshot_of_a_missing_instance_names_it() {
    let moto = Moto::start();
    let ran = Step::new(&moto, "snapshot", "1")
        .with("db-instance-identifier", "nope")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("DB instance `nope` does not exist in region us-east-1"),
        "{error}"
    );
    assert!(error.contains("db-instance-identifier"), "{error}");
}

#[tokio::test]
async fn wait_false_returns_the_ids_at_once() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ran = Step::new(&moto, "snapshot", "44")
        .with("db-instance-identifier", "prod")
        .with("wait", "false")
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("snapshot-identifier"), "prod-r44");
    assert!(ran.stderr.contains("not waiting"), "{ran}");
}

/// Takes two snapshots in two runs; returns their IDs, older first.
async fn two_snapshots(moto: &Moto, db: &str) -> (String, String) {
    moto.create_db(db).await;
    let old = Step::new(moto, "snapshot", "100")
        .with("db-instance-identifier", db)
        .with("deploy-version", "v1.0.0")
        .run();
    old.assert_ok();
    // RDS orders snapshots by creation time, which moto keeps to the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let new = Step::new(moto, "snapshot", "101")
        .with("db-instance-identifier", db)
        .with("deploy-version", "v1.1.0")
        .run();
    new.assert_ok();
    (
        old.output("snapshot-identifier").to_owned(),
        new.output("snapshot-identifier").to_owned(),
    )
}

#[tokio::test]
async fn restore_latest_makes_a_new_instance_and_leaves_the_source_alone() {
    let moto = Moto::start();
    let (_, newest) = two_snapshots(&moto, "prod").await;
    let source_before = moto.instance("prod").await;
    let ran = Step::new(&moto, "restore", "200")
        .with("snapshot-identifier", "latest")
        .with("db-instance-identifier", "prod")
        .with("target-db-instance-identifier", "prod-rollback")
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("snapshot-identifier"), newest);
    assert_eq!(ran.output("db-instance-identifier"), "prod-rollback");
    assert_eq!(ran.output("status"), "available");
    assert!(!ran.output("endpoint").is_empty(), "{ran}");
    assert_eq!(ran.output("port"), "5432");
    let target = moto.instance("prod-rollback").await;
    // No class was given, so RDS keeps the source's.
    assert_eq!(target.db_instance_class(), Some("db.t3.micro"));
    assert_eq!(target.deletion_protection(), Some(true));
    let tags = crate::common::tags(target.tag_list());
    assert_eq!(tags["rds-snapshot-action:restored-from"], newest);
    assert_eq!(tags["rds-snapshot-action:source-db"], "prod");
    assert_eq!(moto.instance("prod").await, source_before);
    assert!(ran.summary.contains("restore succeeded"), "{ran}");
    // The 3 a.m. summary: what was restored, from when, and the way out.
    let endpoint = ran.output("endpoint");
    for part in [
        "- Source DB instance: `prod` (untouched)".to_owned(),
        format!("- Snapshot: `{newest}`, taken "),
        " ago), before deploying `v1.1.0`".to_owned(),
        format!("- Endpoint: `{endpoint}` port 5432"),
        "#database:id=prod-rollback>".to_owned(),
        "Point the application at the new endpoint".to_owned(),
        "aws rds modify-db-instance --region us-east-1 --db-instance-identifier prod-rollback --no-deletion-protection --apply-immediately".to_owned(),
        "aws rds delete-db-instance --region us-east-1 --db-instance-identifier prod-rollback --skip-final-snapshot".to_owned(),
    ] {
        assert!(ran.summary.contains(&part), "{part}\n{}", ran.summary);
    }
}

#[tokio::test]
async fn restore_by_deploy_version_picks_that_versions_snapshot() {
    let moto = Moto::start();
    let (older, _) = two_snapshots(&moto, "prod").await;
    let ran = Step::new(&moto, "restore", "201")
        .with("deploy-version", "v1.0.0")
        .with("db-instance-identifier", "prod")
        .with("target-db-instance-identifier", "prod-v1")
        .with("db-instance-class", "db.t3.small")
        .with("deletion-protection", "false")
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("snapshot-identifier"), older);
    let target = moto.instance("prod-v1").await;
    assert_eq!(target.db_instance_class(), Some("db.t3.small"));
    assert_eq!(target.deletion_protection(), Some(false));
}

#[tokio::test]
async fn restore_by_id_and_rerun_adopts() {
    let moto = Moto::start();
    let (older, _) = two_snapshots(&moto, "prod").await;
    let step = || {
        Step::new(&moto, "restore", "202")
            .with("snapshot-identifier", &older)
            .with("target-db-instance-identifier", "prod-restored")
    };
    let first = step().run();
    first.assert_ok();
    let second = step().run();
    second.assert_ok();
    assert_eq!(first.outputs, second.outputs);
    assert!(second.stderr.contains("adopting"), "{second}");
    assert_eq!(moto.instance_ids().await, vec!["prod", "prod-restored"]);
    // A later run that wants another snapshot in the same target is refused.
    let (_, newest) = (older.clone(), "prod-v1-1-0-r101");
    let other = Step::new(&moto, "restore", "203")
        .with("snapshot-identifier", newest)
        .with("target-db-instance-identifier", "prod-restored")
        .run();
    other.assert_failed();
    let error = other.error();
    assert!(error.contains("already exists"), "{error}");
    assert!(error.contains(&older), "{error}");
    assert!(error.contains("nothing was changed"), "{error}");
}

// Issue 24: a restore by snapshot ID ignored a `db-instance-identifier`
// that did not exist or named another DB.
#[tokio::test]
async fn restore_by_id_checks_the_db_named_beside_it() {
    let moto = Moto::start();
    let (older, _) = two_snapshots(&moto, "prod").await;
    moto.create_db("staging").await;
    let restore = |db: &str| {
        Step::new(&moto, "restore", "205")
            .with("snapshot-identifier", &older)
            .with("db-instance-identifier", db)
            .with("target-db-instance-identifier", "prod-check")
            .run()
    };
    let missing = restore("prdo");
    missing.assert_failed();
    let error = missing.error();
    assert!(error.contains("`prdo` does not exist"), "{missing}");
    assert!(
        error.contains("input `db-instance-identifier`"),
        "{missing}"
    );
    let other = restore("staging");
    other.assert_failed();
    let error = other.error();
    assert!(
        error.contains(&format!(
            "`{older}` was taken of `prod`, not of DB instance `staging`"
        )),
        "{other}"
    );
    assert!(error.contains("nothing was changed"), "{other}");
    assert_eq!(moto.instance_ids().await, vec!["prod", "staging"]);
    restore("prod").assert_ok();
    assert_eq!(
        moto.instance_ids().await,
        vec!["prod", "prod-check", "staging"]
    );
}

#[tokio::test]
async fn restore_into_an_instance_that_came_from_elsewhere_is_refused() {
    let moto = Moto::start();
    let (_, newest) = two_snapshots(&moto, "prod").await;
    moto.create_db("staging").await;
    let before = moto.instance("staging").await;
    let ran = Step::new(&moto, "restore", "204")
        .with("snapshot-identifier", &newest)
        .with("target-db-instance-identifier", "staging")
        .run();
    ran.assert_failed();
    assert!(
        ran.error().contains("it was not created by this action"),
        "{ran}"
    );
    assert_eq!(moto.instance("staging").await, before);
}

#[tokio::test]
async fn restore_latest_without_any_snapshot_says_how_to_make_one() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ran = Step::new(&moto, "restore", "205")
        .with("snapshot-identifier", "latest")
        .with("db-instance-identifier", "prod")
        .with("target-db-instance-identifier", "prod-rollback")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("found no available snapshot made by this action"),
        "{error}"
    );
    assert!(error.contains("mode: snapshot"), "{error}");
    assert_eq!(moto.instance_ids().await, vec!["prod"]);
}

#[tokio::test]
async fn pitr_latest_restores_and_reports_the_time() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    // "Latest" lies in the restorable window: after the instance was made
    // (the window opens at its first backup), and trails the clock by up to
    // five minutes on AWS, so a time taken after the create is no bound.
    let created = moto
        .instance("prod")
        .await
        .instance_create_time()
        .expect("a creation time")
        .secs();
    let before = chrono::DateTime::from_timestamp(created, 0).expect("a time");
    let step = || {
        Step::new(&moto, "pitr", "300")
            .with("db-instance-identifier", "prod")
            .with("restore-time", "latest")
            .with("target-db-instance-identifier", "prod-pitr")
    };
    let ran = step().run();
    ran.assert_ok();
    let time = chrono::DateTime::parse_from_rfc3339(ran.output("restore-time")).expect("RFC 3339");
    assert!(time >= before && time <= chrono::Utc::now(), "{ran}");
    assert_eq!(ran.output("db-instance-identifier"), "prod-pitr");
    assert_eq!(ran.output("status"), "available");
    let tags = crate::common::tags(moto.instance("prod-pitr").await.tag_list());
    assert_eq!(tags["rds-snapshot-action:source-db"], "prod");
    assert_eq!(tags["rds-snapshot-action:restore-time"], "latest");
    // A re-run of the job adopts the instance and reports the same time.
    let again = step().run();
    again.assert_ok();
    assert_eq!(again.outputs, ran.outputs);
    assert_eq!(moto.instance_ids().await, vec!["prod", "prod-pitr"]);
}

#[tokio::test]
async fn pitr_to_a_time_inside_the_window() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let time = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let time = time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let ran = Step::new(&moto, "pitr", "301")
        .with("db-instance-identifier", "prod")
        .with("restore-time", &time)
        .with("target-db-instance-identifier", "prod-pitr")
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("restore-time"), time);
}

#[tokio::test]
async fn pitr_outside_the_window_shows_it_and_restores_nothing() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ran = Step::new(&moto, "pitr", "302")
        .with("db-instance-identifier", "prod")
        .with("restore-time", "2001-01-01T00:00:00Z")
        .with("target-db-instance-identifier", "prod-pitr")
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains(
            "input `restore-time` 2001-01-01T00:00:00Z is outside the restorable window of `prod` ("
        ),
        "{error}"
    );
    assert!(
        error.contains("pick a time inside it or use `latest`"),
        "{error}"
    );
    assert_eq!(moto.instance_ids().await, vec!["prod"]);
}

#[tokio::test]
async fn bad_input_fails_before_any_call() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ran = Step::new(&moto, "snapshop", "1")
        .with("db-instance-identifier", "prod")
        .run();
    ran.assert_failed();
    assert_eq!(
        ran.error(),
        "::error::input `mode` must be one of snapshot, restore, pitr, list, prune, delete, copy, backtrack, wait, drill; got `snapshop`"
    );
    assert!(moto.snapshot_ids("prod").await.is_empty());
}

#[tokio::test]
async fn a_missing_region_is_named() {
    let moto = Moto::start();
    let ran = Step::new(&moto, "snapshot", "1")
        .without_env("AWS_REGION")
        .with("db-instance-identifier", "prod")
        .run();
    ran.assert_failed();
    assert!(
        ran.error().contains("input `aws-region` is not set"),
        "{ran}"
    );
}

#[tokio::test]
async fn outside_actions_the_cli_prints_outputs() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let ran = Step::new(&moto, "snapshot", "")
        .cli(&[
            "snapshot",
            "--db-instance-identifier",
            "prod",
            "--deploy-version",
            "v9",
            "--run-id",
            "jenkins-77",
        ])
        .run();
    ran.assert_ok();
    assert!(
        ran.stdout
            .contains("snapshot-identifier=prod-v9-rjenkins-77\n"),
        "{ran}"
    );
    assert!(ran.stdout.contains("status=available\n"), "{ran}");
    let json = Step::new(&moto, "snapshot", "")
        .cli(&[
            "snapshot",
            "--db-instance-identifier",
            "prod",
            "--deploy-version",
            "v9",
            "--run-id",
            "jenkins-77",
            "--json",
        ])
        .run();
    json.assert_ok();
    let value: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("JSON");
    assert_eq!(value["snapshot-identifier"], "prod-v9-rjenkins-77");
    assert_eq!(moto.snapshot_ids("prod").await, vec!["prod-v9-rjenkins-77"]);
    assert!(!json.stderr.contains("no `run-id` is set"), "{json}");

    // Outputs whose value is JSON are nested as JSON, not strings of JSON.
    let cli_json = |args: &[&str]| {
        let ran = Step::new(&moto, "list", "").cli(args).run();
        ran.assert_ok();
        serde_json::from_str::<serde_json::Value>(ran.stdout.trim()).expect("JSON")
    };
    let list = cli_json(&["list", "--db-instance-identifier", "prod", "--json"]);
    assert_eq!(list["snapshots"][0]["id"], "prod-v9-rjenkins-77", "{list}");
    let prune = cli_json(&[
        "--json",
        "prune",
        "--db-instance-identifier",
        "prod",
        "--keep-last",
        "1",
        "--dry-run",
        "true",
    ]);
    assert_eq!(prune["prune-candidates"], serde_json::json!([]), "{prune}");
    assert_eq!(prune["deleted"], serde_json::json!([]), "{prune}");

    // Without a run ID nothing can be adopted on a re-run: say so.
    let bare = Step::new(&moto, "snapshot", "")
        .cli(&["snapshot", "--db-instance-identifier", "prod"])
        .run();
    bare.assert_ok();
    assert!(
        bare.stderr.contains("no `run-id` is set") && bare.stderr.contains("will not adopt"),
        "{bare}"
    );
}

#[test]
fn each_mode_has_its_own_help() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rds-snapshot-action"))
            .args(args)
            .output()
            .expect("run rds-snapshot-action");
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let snapshot = help(&["snapshot", "--help"]);
    assert_eq!(snapshot, help(&["help", "snapshot"]));
    for flag in [
        "--db-instance-identifier",
        "--prune-keep-last",
        "--run-id",
        "--wait-timeout",
    ] {
        assert!(snapshot.contains(flag), "{flag} missing:\n{snapshot}");
    }
    for flag in [
        "--keep-last ",
        "--restore-time",
        "--target-region",
        "--mode",
    ] {
        assert!(!snapshot.contains(flag), "{flag} shown:\n{snapshot}");
    }
    let prune = help(&["prune", "--help"]);
    assert!(
        prune.contains("--keep-last") && prune.contains("--dry-run"),
        "{prune}"
    );
    assert!(
        !prune.contains("--wait") && !prune.contains("--run-id"),
        "{prune}"
    );
    let pitr = help(&["help", "pitr"]);
    assert!(pitr.contains("--restore-time"), "{pitr}");
    assert!(!pitr.contains("--snapshot-identifier"), "{pitr}");
    let top = help(&["--help"]);
    assert!(
        top.contains("copy") && !top.contains("--keep-last"),
        "{top}"
    );
}

#[tokio::test]
async fn pitr_adopts_only_what_this_run_restored() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let pitr = |run: &str, time: &str| {
        Step::new(&moto, "pitr", run)
            .with("db-instance-identifier", "prod")
            .with("restore-time", time)
            .with("target-db-instance-identifier", "prod-pitr")
            .run()
    };
    let first = pitr("400", "latest");
    first.assert_ok();
    // The same run again (a re-run, or the button pressed twice): adopted.
    let again = pitr("400", "latest");
    again.assert_ok();
    assert_eq!(again.output("restore-time"), first.output("restore-time"));
    assert!(again.stderr.contains("adopting"), "{again}");
    // Regression: a later run asking for `latest` used to adopt this target
    // and report success with the older run's data.
    let later = pitr("401", "latest");
    later.assert_failed();
    let error = later.error();
    assert!(error.contains("`prod-pitr` already exists"), "{error}");
    assert!(error.contains("by run \"400\""), "{error}");
    assert!(error.contains("nothing was changed"), "{error}");
    // Another point in time is another restore too.
    let time = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let other = pitr(
        "402",
        &time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    other.assert_failed();
    assert_eq!(moto.instance_ids().await, vec!["prod", "prod-pitr"]);
}

#[tokio::test]
async fn a_branch_name_as_the_version_is_stored_cleaned_and_restorable() {
    // Regression: `#`, `(`, `)` and `!` are not allowed in tag values, so a
    // branch name was refused as a deploy-version.
    let moto = Moto::start();
    moto.create_db("prod").await;
    let branch = "feature/JIRA-12#fix (hotfix)!";
    let ran = Step::new(&moto, "snapshot", "31")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", branch)
        .run();
    ran.assert_ok();
    let id = ran.output("snapshot-identifier");
    assert_eq!(id, "prod-feature-jira-12-fix-hotfix-r31");
    let tags = moto.snapshot_tags(id).await;
    assert_eq!(
        tags["rds-snapshot-action:deploy-version"],
        "feature/JIRA-12-fix -hotfix"
    );
    // The summary keeps the version as given (markdown-escaped).
    assert!(
        ran.summary.contains("feature/JIRA-12\\#fix (hotfix)\\!"),
        "{ran}"
    );
    let restored = Step::new(&moto, "restore", "32")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", branch)
        .with("target-db-instance-identifier", "prod-hotfix")
        .run();
    restored.assert_ok();
    assert_eq!(restored.output("snapshot-identifier"), id);
}

#[tokio::test]
async fn a_very_long_run_id_gives_valid_ids_and_a_rerun_still_adopts() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    let run = "jenkins-build-".repeat(30);
    let step = || {
        Step::new(&moto, "snapshot", "1")
            .with("db-instance-identifier", "prod")
            .with("deploy-version", "v1")
            .with("run-id", &run)
            .run()
    };
    let first = step();
    first.assert_ok();
    let id = first.output("snapshot-identifier").to_owned();
    assert!(id.len() <= 255, "{id}");
    let tags = moto.snapshot_tags(&id).await;
    assert!(tags["rds-snapshot-action:run-id"].len() <= 40, "{tags:?}");
    let again = step();
    again.assert_ok();
    assert_eq!(again.output("snapshot-identifier"), id);
    assert!(again.stderr.contains("adopting"), "{again}");
    assert_eq!(moto.snapshot_ids("prod").await, [id]);
}

// Regression: a snapshot at AWS's 50 tags plus the copy's `copied-from`
// made 51, and the copy was refused.
#[tokio::test]
async fn a_copy_of_a_snapshot_with_fifty_tags_stays_within_fifty_and_says_what_it_left_out() {
    let moto = Moto::start();
    moto.create_db("full").await;
    moto.own_snapshot("full", "full-snap", None).await;
    let snapshot = moto
        .client()
        .describe_db_snapshots()
        .db_snapshot_identifier("full-snap")
        .send()
        .await
        .expect("describe the snapshot")
        .db_snapshots()[0]
        .clone();
    let mut add = moto
        .client()
        .add_tags_to_resource()
        .resource_name(snapshot.db_snapshot_arn().unwrap());
    for n in 0..(50 - snapshot.tag_list().len()) {
        add = add.tags(
            aws_sdk_rds::types::Tag::builder()
                .key(format!("cost-{n:02}"))
                .value("1")
                .build(),
        );
    }
    add.send().await.expect("tag the snapshot up to 50");
    let ran = Step::new(&moto, "copy", "71")
        .with("snapshot-identifier", "full-snap")
        .with("target-snapshot-identifier", "full-snap-copy")
        .run();
    ran.assert_ok();
    let copied = moto.snapshot_tags("full-snap-copy").await;
    assert_eq!(copied.len(), 50, "{copied:?}");
    assert!(copied.contains_key("rds-snapshot-action:copied-from"));
    assert!(
        ran.commands("warning")
            .iter()
            .any(|w| w.contains("were not copied to `full-snap-copy`")),
        "{ran}"
    );
}
