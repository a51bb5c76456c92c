//! A rollback DB the app can reach: `restore` and `pitr` build the new
//! instance like its production source, on the strict emulator, where a
//! restore that names nothing gets AWS's defaults (the default subnet group,
//! security group, parameter and option groups, no monitoring).

use std::collections::BTreeMap;

use crate::common::{FaultProxy, Moto, Step, mutating, production, snapshot, tags};

/// What a rollback copy must share with its source, as the API describes
/// the instance (read here independently of the action).
async fn carried(moto: &Moto, id: &str) -> BTreeMap<&'static str, String> {
    let db = moto.instance(id).await;
    let mut groups: Vec<_> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    groups.sort();
    let mut logs = db.enabled_cloudwatch_logs_exports().to_vec();
    logs.sort();
    let subnet = db.db_subnet_group();
    BTreeMap::from([
        ("class", format!("{:?}", db.db_instance_class())),
        (
            "subnet group",
            format!("{:?}", subnet.and_then(|g| g.db_subnet_group_name())),
        ),
        ("vpc", format!("{:?}", subnet.and_then(|g| g.vpc_id()))),
        ("security groups", format!("{groups:?}")),
        (
            "parameter group",
            format!(
                "{:?}",
                db.db_parameter_groups()
                    .first()
                    .and_then(|g| g.db_parameter_group_name())
            ),
        ),
        (
            "option group",
            format!(
                "{:?}",
                db.option_group_memberships()
                    .first()
                    .and_then(|g| g.option_group_name())
            ),
        ),
        ("multi-az", format!("{:?}", db.multi_az())),
        ("public", format!("{:?}", db.publicly_accessible())),
        (
            "iam auth",
            format!("{:?}", db.iam_database_authentication_enabled()),
        ),
        ("log exports", format!("{logs:?}")),
        ("copy tags", format!("{:?}", db.copy_tags_to_snapshot())),
        ("max storage", format!("{:?}", db.max_allocated_storage())),
        ("ca", format!("{:?}", db.ca_certificate_identifier())),
        ("retention", format!("{:?}", db.backup_retention_period())),
        (
            "backup window",
            format!("{:?}", db.preferred_backup_window()),
        ),
        (
            "maintenance window",
            format!("{:?}", db.preferred_maintenance_window()),
        ),
        (
            "deletion protection",
            format!("{:?}", db.deletion_protection()),
        ),
        ("monitoring", format!("{:?}", db.monitoring_interval())),
        ("monitoring role", format!("{:?}", db.monitoring_role_arn())),
        (
            "performance insights",
            format!("{:?}", db.performance_insights_enabled()),
        ),
        (
            "pi retention",
            format!("{:?}", db.performance_insights_retention_period()),
        ),
    ])
}

fn modifies(proxy: &FaultProxy) -> usize {
    proxy
        .requests()
        .iter()
        .filter(|(action, _)| action == "ModifyDBInstance")
        .count()
}

fn settings_output(ran: &crate::common::Ran) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(ran.output("settings"))
        .expect("settings is JSON")
        .as_array()
        .expect("settings is an array")
        .clone()
}

#[tokio::test]
async fn restore_and_pitr_come_out_like_production_and_a_rerun_changes_nothing() {
    let moto = Moto::start();
    production(&moto, "prod");
    let source = carried(&moto, "prod").await;
    snapshot(&moto, "prod", "v1", "1");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1, 0);

    for (mode, target) in [("restore", "prod-rollback"), ("pitr", "prod-pitr")] {
        let step = || {
            let step = Step::new(&moto, mode, "7")
                .via(&proxy.endpoint)
                .with("db-instance-identifier", "prod")
                .with("target-db-instance-identifier", target);
            match mode {
                "restore" => step.with("snapshot-identifier", "latest"),
                _ => step.with("restore-time", "latest"),
            }
        };
        proxy.clear();
        let ran = step().run();
        ran.assert_ok();
        assert_eq!(carried(&moto, target).await, source, "{mode}: {ran}");
        // Monitoring and Performance Insights need the one modify.
        assert_eq!(modifies(&proxy), 1, "{mode}");
        let rows = settings_output(&ran);
        assert!(rows.len() >= 20, "{rows:?}");
        let drifted: Vec<_> = rows.iter().filter(|r| r["drifted"] == true).collect();
        assert!(drifted.is_empty(), "{mode}: {drifted:?}");
        let how = |name: &str| {
            rows.iter()
                .find(|r| r["setting"] == name)
                .map(|r| r["how"].as_str().unwrap().to_owned())
        };
        assert_eq!(how("DBSubnetGroupName").as_deref(), Some("restore call"));
        assert_eq!(
            how("MonitoringInterval").as_deref(),
            Some("modify after restore")
        );
        assert!(
            ran.summary.contains("in the source&#39;s VPC")
                || ran.summary.contains("in the source's VPC"),
            "{}",
            ran.summary
        );
        let target_tags = tags(
            moto.client()
                .describe_db_instances()
                .db_instance_identifier(target)
                .send()
                .await
                .unwrap()
                .db_instances()[0]
                .tag_list(),
        );
        assert_eq!(target_tags["cost-center"], "cc-4242");
        assert_eq!(target_tags["rds-snapshot-action:run-id"], "7");

        // The re-run adopts, finds nothing to change, and changes nothing.
        proxy.clear();
        let again = step().run();
        again.assert_ok();
        assert_eq!(mutating(&proxy), Vec::<String>::new(), "{mode}: {again}");
    }
}

#[tokio::test]
async fn an_input_overrides_its_setting_and_carry_off_gives_rds_defaults() {
    let moto = Moto::start();
    let ids = production(&moto, "prod");
    snapshot(&moto, "prod", "v1", "1");
    let other = ids["other_parameter_group"].as_str().unwrap();
    let group = ids["same_vpc_group"].as_str().unwrap();
    let ran = Step::new(&moto, "restore", "8")
        .with("snapshot-identifier", "latest")
        .with("db-instance-identifier", "prod")
        .with("target-db-instance-identifier", "prod-tuned-differently")
        .with("db-parameter-group-name", other)
        .with("vpc-security-group-ids", group)
        .run();
    ran.assert_ok();
    let restored = carried(&moto, "prod-tuned-differently").await;
    assert_eq!(restored["parameter group"], format!("Some({other:?})"));
    assert_eq!(restored["security groups"], format!("[{group:?}]"));
    // Everything else is still production's.
    assert_eq!(
        restored["subnet group"],
        carried(&moto, "prod").await["subnet group"]
    );
    let rows = settings_output(&ran);
    let row = rows
        .iter()
        .find(|r| r["setting"] == "DBParameterGroupName")
        .unwrap();
    assert_eq!(row["how"], "input `db-parameter-group-name`");
    assert_eq!(row["drifted"], true);

    let defaults = Step::new(&moto, "restore", "9")
        .with("snapshot-identifier", "latest")
        .with("db-instance-identifier", "prod")
        .with("target-db-instance-identifier", "prod-defaults")
        .with("carry-settings", "false")
        .with(
            "db-subnet-group-name",
            ids["subnet_group"].as_str().unwrap(),
        )
        .run();
    defaults.assert_ok();
    let restored = carried(&moto, "prod-defaults").await;
    assert!(
        restored["parameter group"].contains("default."),
        "{restored:?}"
    );
    assert_eq!(restored["monitoring"], "Some(0)");
    assert_eq!(restored["iam auth"], "Some(false)");
    assert_ne!(
        restored["security groups"],
        format!("[{:?}]", ids["security_group"].as_str().unwrap())
    );
}

#[tokio::test]
async fn a_vanished_source_warns_and_a_wrong_vpc_fails_before_any_change() {
    let moto = Moto::start();
    let ids = production(&moto, "prod");
    let id = snapshot(&moto, "prod", "v1", "1");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 2, 0);

    // A subnet group in another VPC: refused before any mutating call.
    let elsewhere = Step::new(&moto, "restore", "10")
        .via(&proxy.endpoint)
        .with("snapshot-identifier", &id)
        .with("target-db-instance-identifier", "prod-elsewhere")
        .with(
            "db-subnet-group-name",
            ids["other_subnet_group"].as_str().unwrap(),
        )
        .run();
    elsewhere.assert_failed();
    let error = elsewhere.error();
    assert!(
        error.contains(ids["other_vpc"].as_str().unwrap())
            && error.contains(ids["vpc"].as_str().unwrap())
            && error.contains("`db-subnet-group-name`"),
        "{error}"
    );
    assert_eq!(mutating(&proxy), Vec::<String>::new());

    // The snapshot outlives its source.
    let client = moto.client();
    client
        .modify_db_instance()
        .db_instance_identifier("prod")
        .deletion_protection(false)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    crate::common::wait_for_instance(&client, "prod", "available").await;
    client
        .delete_db_instance()
        .db_instance_identifier("prod")
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    while moto.instance_ids().await.contains(&"prod".to_owned()) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // The snapshot records the settings the source had: the restore needs
    // no source to land where it was.
    let recorded = Step::new(&moto, "restore", "12")
        .with("snapshot-identifier", &id)
        .with("target-db-instance-identifier", "prod-recorded")
        .run();
    recorded.assert_ok();
    let restored = carried(&moto, "prod-recorded").await;
    assert_eq!(
        restored["vpc"],
        format!("Some({:?})", ids["vpc"].as_str().unwrap()),
        "{recorded}"
    );
    assert_eq!(
        restored["subnet group"],
        format!("Some({:?})", ids["subnet_group"].as_str().unwrap())
    );

    // A snapshot from before the action recorded settings: the source's
    // are gone with it.
    let arn = client
        .describe_db_snapshots()
        .db_snapshot_identifier(&id)
        .send()
        .await
        .unwrap()
        .db_snapshots()[0]
        .db_snapshot_arn()
        .unwrap()
        .to_owned();
    client
        .remove_tags_from_resource()
        .resource_name(arn)
        .set_tag_keys(Some(
            (1..=5)
                .map(|k| format!("rds-snapshot-action:settings-{k}"))
                .collect(),
        ))
        .send()
        .await
        .unwrap();

    // Without a subnet group it would land in the default VPC, not the one
    // the snapshot records: refused, nothing changed.
    proxy.clear();
    let default_vpc = Step::new(&moto, "restore", "11")
        .via(&proxy.endpoint)
        .with("snapshot-identifier", &id)
        .with("target-db-instance-identifier", "prod-back")
        .run();
    default_vpc.assert_failed();
    assert!(
        default_vpc.error().contains(ids["vpc"].as_str().unwrap()),
        "{default_vpc}"
    );
    assert_eq!(mutating(&proxy), Vec::<String>::new());

    let back = Step::new(&moto, "restore", "11")
        .with("snapshot-identifier", &id)
        .with("target-db-instance-identifier", "prod-back")
        .with(
            "db-subnet-group-name",
            ids["subnet_group"].as_str().unwrap(),
        )
        .run();
    back.assert_ok();
    let warnings = back.commands("warning");
    let warning = warnings
        .iter()
        .find(|w| w.contains("no longer exists"))
        .unwrap_or_else(|| panic!("no warning: {back}"));
    for input in [
        "vpc-security-group-ids",
        "db-parameter-group-name",
        "option-group-name",
        "multi-az",
    ] {
        assert!(warning.contains(input), "{warning}");
    }
    assert!(!warning.contains("`db-subnet-group-name`"), "{warning}");
    assert!(
        warning.contains("no security group is guessed"),
        "{warning}"
    );
    let restored = carried(&moto, "prod-back").await;
    assert_eq!(
        restored["vpc"],
        format!("Some({:?})", ids["vpc"].as_str().unwrap())
    );
}

#[tokio::test]
async fn results_of_other_runs_are_refused_not_adopted() {
    let moto = Moto::start();
    production(&moto, "prod");
    let id = snapshot(&moto, "prod", "v1", "1");
    let restore = |run: &str| {
        Step::new(&moto, "restore", run)
            .with("snapshot-identifier", &id)
            .with("target-db-instance-identifier", "prod-rollback")
            .run()
    };
    restore("20").assert_ok();
    // Regression: another run restoring the same snapshot into the same
    // target used to adopt the first run's instance.
    let later = restore("21");
    later.assert_failed();
    assert!(later.error().contains("by run \"20\""), "{later}");

    // Regression: a fixed snapshot-identifier used again by a later deploy
    // adopted the first deploy's snapshot as if it were new.
    let fixed = |run: &str| {
        Step::new(&moto, "snapshot", run)
            .with("db-instance-identifier", "prod")
            .with("snapshot-identifier", "prod-before-migration")
            .run()
    };
    fixed("30").assert_ok();
    let again = fixed("30");
    again.assert_ok();
    assert!(again.stderr.contains("adopting"), "{again}");
    let reused = fixed("31");
    reused.assert_failed();
    let error = reused.error();
    assert!(error.contains("made by run \"30\""), "{error}");
    assert!(error.contains("nothing was changed"), "{error}");

    // Outside Actions without a run ID, nothing is adopted.
    let cli = Step::new(&moto, "snapshot", "30")
        .cli(&[
            "snapshot",
            "--db-instance-identifier",
            "prod",
            "--snapshot-identifier",
            "prod-before-migration",
        ])
        .run();
    cli.assert_failed();
    assert!(cli.stderr.contains("no `run-id` is set"), "{cli}");

    // Regression: a restore target was adopted after its snapshot had been
    // deleted and made again under the same name.
    let client = moto.client();
    client
        .delete_db_snapshot()
        .db_snapshot_identifier("prod-before-migration")
        .send()
        .await
        .unwrap();
    let remade = fixed("40");
    remade.assert_ok();
    let restore_remade = |run: &str| {
        Step::new(&moto, "restore", run)
            .with("snapshot-identifier", "prod-before-migration")
            .with("target-db-instance-identifier", "prod-remade")
            .run()
    };
    restore_remade("41").assert_ok();
    client
        .delete_db_snapshot()
        .db_snapshot_identifier("prod-before-migration")
        .send()
        .await
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fixed("40").assert_ok();
    let stale = restore_remade("41");
    stale.assert_failed();
    assert!(stale.error().contains("deleted and made again"), "{stale}");
}

#[tokio::test]
async fn our_snapshot_keeps_the_sources_tags_when_it_copies_them() {
    let moto = Moto::start();
    production(&moto, "prod");
    let id = snapshot(&moto, "prod", "v1", "1");
    let tags = moto.snapshot_tags(&id).await;
    // AWS alone would drop these: our CreateDBSnapshot call carries tags.
    assert_eq!(tags["cost-center"], "cc-4242");
    assert_eq!(tags["team"], "payments");
    assert_eq!(tags["rds-snapshot-action:deploy-version"], "v1");
}

// Regression: with `wait: false` the drift table said "modify after restore"
// for a modify that had not happened, and the removal commands began with a
// modify that RDS refuses while the DB is being created.
#[tokio::test]
async fn wait_false_says_the_modify_is_pending_and_waits_before_removal() {
    let moto = Moto::start();
    production(&moto, "prod");
    snapshot(&moto, "prod", "v1", "1");
    let ran = Step::new(&moto, "restore", "8")
        .with("db-instance-identifier", "prod")
        .with("target-db-instance-identifier", "prod-nowait")
        .with("snapshot-identifier", "latest")
        .with("wait", "false")
        .run();
    ran.assert_ok();
    let rows = settings_output(&ran);
    let how = |name: &str| {
        rows.iter()
            .find(|r| r["setting"] == name)
            .map(|r| r["how"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        how("MonitoringInterval").starts_with("modify after restore: pending"),
        "{rows:?}"
    );
    assert_eq!(how("DBSubnetGroupName"), "restore call");
    assert!(ran.summary.contains("pending"), "{}", ran.summary);
    let commands = ran
        .summary
        .split("```sh\n")
        .nth(1)
        .expect("the removal commands");
    assert!(
        commands.starts_with(
            "aws rds wait db-instance-available --region us-east-1 --db-instance-identifier prod-nowait\n"
        ),
        "{}",
        ran.summary
    );
}
