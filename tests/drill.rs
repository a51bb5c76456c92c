//! `mode: drill`, through the action's binary on the emulator with a real
//! PostgreSQL server behind every PostgreSQL DB, and a MariaDB server
//! behind every MySQL-family one (`RDS_EMULATOR_REAL_DB=1`):
//! the probe reads the snapshot's rows from the scratch DB (not the
//! source's later ones), the scratch DB is gone when the step ends whether
//! the drill passed or failed, a missed `rto-target` fails the step after
//! the cleanup, and bad inputs stop the step before any AWS call.

use std::collections::BTreeSet;

use crate::common::{self, FaultProxy, Moto, Ran, Step, mysql, pg};

/// DB instance `id` with rows 1..=`rows` in `deploys`; its endpoint.
async fn app_db(moto: &Moto, id: &str, rows: i32) -> (String, i32) {
    moto.create_db(id).await;
    let db = moto.instance(id).await;
    let endpoint = db.endpoint().expect("an endpoint");
    let (host, port) = (
        endpoint.address().expect("an address").to_owned(),
        endpoint.port().expect("a port"),
    );
    pg::write(&host, port, &(1..=rows).collect::<Vec<_>>()).await;
    (host, port)
}

/// A drill step of DB instance `db` in run `run`, its report written under
/// `temp`.
fn drill(moto: &Moto, db: &str, run: &str, temp: &std::path::Path) -> Step {
    Step::new(moto, "drill", run)
        .with("db-instance-identifier", db)
        .env("RUNNER_TEMP", &temp.display().to_string())
        .env("GITHUB_ACTOR", "octocat")
        .env("GITHUB_SERVER_URL", "https://github.com")
}

/// The DB instances and clusters whose name says they are drills.
async fn drill_dbs(moto: &Moto) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = moto.instance_ids().await.into_iter().collect();
    ids.extend(moto.cluster_ids().await);
    ids.into_iter()
        .filter(|id| id.contains("-drill-"))
        .collect()
}

fn report(ran: &Ran) -> serde_json::Value {
    serde_json::from_str(ran.output("drill-report")).expect("drill-report is JSON")
}

#[tokio::test]
async fn a_drill_reads_the_snapshots_42_rows_not_the_43rd_and_leaves_no_scratch_db() {
    let moto = Moto::start_real_db();
    let (host, port) = app_db(&moto, "shop", 42).await;
    let snapshot = common::snapshot(&moto, "shop", "v1", "201");
    pg::write(&host, port, &[43]).await;
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "shop", "202", temp.path())
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", pg::USER)
        .with("probe-password", pg::PASSWORD)
        .with("rto-target", "1h")
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "42", "{ran}");
    assert_eq!(ran.output("proof-level"), "3", "{ran}");
    assert_eq!(ran.output("met-target"), "true", "{ran}");
    assert_eq!(ran.output("snapshot-identifier"), snapshot);
    assert_eq!(ran.output("drill-db-identifier"), "shop-drill-r202");
    assert!(ran.output("rto-seconds").parse::<u64>().is_ok(), "{ran}");
    // Gone when the step ends; the source untouched.
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    assert_eq!(pg::rows(&host, port).await, (1..=43).collect::<Vec<_>>());
    assert_eq!(
        moto.instance("shop").await.db_instance_status(),
        Some("available")
    );
    // The password is only ever in the mask command.
    let everywhere = format!(
        "{}{}{}{:?}",
        ran.stdout, ran.stderr, ran.summary, ran.outputs
    );
    let masks = ran.commands("add-mask");
    assert_eq!(masks, [format!("::add-mask::{}", pg::PASSWORD)], "{ran}");
    assert_eq!(everywhere.matches(pg::PASSWORD).count(), 1, "{ran}");
    // The evidence, as output and as a file for upload-artifact.
    let report = report(&ran);
    assert_eq!(report["source"]["id"], "shop");
    assert_eq!(report["snapshot"]["id"], snapshot.as_str());
    assert_eq!(report["proof"]["probe"], "42");
    assert_eq!(report["run"]["actor"], "octocat");
    assert_eq!(
        report["run"]["url"],
        "https://github.com/acme/shop/actions/runs/202"
    );
    assert_eq!(report["result"], "passed");
    let phases: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|phase| phase["phase"].as_str().unwrap())
        .collect();
    for phase in [
        "started",
        "restore accepted",
        "creating",
        "available",
        "settings applied",
        "serving",
    ] {
        assert!(phases.contains(&phase), "{phase} missing from {phases:?}");
    }
    let path = ran.output("drill-report-path");
    assert!(
        path.starts_with(&temp.path().display().to_string()),
        "{path}"
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(file, report);
    assert!(ran.summary.contains("```mermaid"), "{ran}");
    assert!(ran.summary.contains("Drill: timeline"), "{ran}");
}

/// A PostgreSQL DB created with `DBName` keeps the application's tables in
/// that database, which a session in `postgres` cannot read: the probe
/// runs in the DB's own database, as the application does.
#[tokio::test]
async fn on_postgresql_the_probe_runs_in_the_dbs_own_database() {
    let moto = Moto::start_real_db();
    let client = moto.client();
    client
        .create_db_instance()
        .db_instance_identifier("shop")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username(pg::USER)
        .master_user_password(pg::PASSWORD)
        .db_name("shop")
        .backup_retention_period(7)
        .send()
        .await
        .expect("create an instance with its own database");
    common::wait_for_instance(&client, "shop", "available").await;
    let db = moto.instance("shop").await;
    let endpoint = db.endpoint().expect("an endpoint");
    let (host, port) = (
        endpoint.address().expect("an address"),
        endpoint.port().expect("a port"),
    );
    pg::write_in(host, port, "shop", &[1, 2, 3]).await;
    common::snapshot(&moto, "shop", "v1", "291");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "shop", "292", temp.path())
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", pg::USER)
        .with("probe-password", pg::PASSWORD)
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "3", "{ran}");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
}

#[tokio::test]
async fn a_wrong_password_is_one_clear_error_and_the_scratch_db_is_still_removed() {
    let moto = Moto::start_real_db();
    app_db(&moto, "cart", 3).await;
    common::snapshot(&moto, "cart", "v1", "211");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "cart", "212", temp.path())
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", pg::USER)
        .with("probe-password", "wrong-password-1")
        .run();
    refused_and_cleaned_up(&moto, &ran, "wrong-password-1").await;
}

/// A drill whose probe login was refused: it failed with one `::error::`
/// naming the login and the input, never the password `wrong`; the scratch
/// DB is gone, and the report says so. Returns the error.
async fn refused_and_cleaned_up(moto: &Moto, ran: &Ran, wrong: &str) -> String {
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("refused the login of `app`"), "{error}");
    assert!(error.contains("probe-password"), "{error}");
    assert!(!error.contains(wrong), "{error}");
    assert!(drill_dbs(moto).await.is_empty(), "{ran}");
    assert_eq!(report(ran)["result"], "failed");
    assert!(
        report(ran)["cleanup"]
            .as_str()
            .unwrap()
            .starts_with("deleted"),
        "{ran}"
    );
    error
}

#[tokio::test]
async fn a_missed_rto_target_fails_the_step_after_the_cleanup() {
    let moto = Moto::start_real_db();
    app_db(&moto, "ledger", 3).await;
    common::snapshot(&moto, "ledger", "v1", "221");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "ledger", "222", temp.path())
        .with("rto-target", "1s")
        .run();
    ran.assert_failed();
    assert_eq!(ran.output("met-target"), "false", "{ran}");
    assert_eq!(ran.output("proof-level"), "2", "{ran}");
    let error = ran.error();
    assert!(
        error.contains("missed its recovery time objective"),
        "{error}"
    );
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
}

#[tokio::test]
async fn an_aurora_postgresql_cluster_drill_reads_its_snapshot_and_removes_the_cluster() {
    let moto = Moto::start_real_db();
    common::create_cluster(&moto, "orders", "aurora-postgresql", &[]);
    let cluster = moto.cluster("orders").await;
    let (writer, port) = (
        cluster.endpoint().expect("a writer endpoint").to_owned(),
        cluster.port().expect("a port"),
    );
    pg::write(&writer, port, &[1, 2]).await;
    common::snapshot_cluster(&moto, "orders", "v1", "231");
    pg::write(&writer, port, &[3]).await;
    let temp = tempfile::tempdir().unwrap();
    let ran = Step::new(&moto, "drill", "232")
        .with("db-cluster-identifier", "orders")
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", pg::USER)
        .with("probe-password", pg::PASSWORD)
        .env("RUNNER_TEMP", &temp.path().display().to_string())
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "2", "{ran}");
    assert_eq!(ran.output("drill-db-identifier"), "orders-drill-r232");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    assert_eq!(pg::rows(&writer, port).await, [1, 2, 3]);
}

#[tokio::test]
async fn hostile_drill_inputs_stop_the_step_before_any_aws_call() {
    // Nothing listens here: an AWS call would fail as unreachable, not as
    // an input error.
    let moto = Moto::start();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let temp = tempfile::tempdir().unwrap();
    for (input, value, says) in [
        ("rto-target", "45", "needs a unit"),
        ("keep-for", "4", "needs a unit"),
        ("rto-target", "soon", "with a unit"),
    ] {
        let ran = drill(&moto, "shop", "241", temp.path())
            .with(input, value)
            .via(&dead)
            .run();
        ran.assert_failed();
        let error = ran.error();
        assert!(error.contains(&format!("input `{input}`")), "{error}");
        assert!(error.contains(says), "{error}");
    }
    let ran = drill(&moto, "shop", "241", temp.path())
        .with(
            "probe-query",
            "SELECT count(*) FROM orders; DROP TABLE orders",
        )
        .with("probe-username", "app")
        .with("probe-password", "pw-242")
        .via(&dead)
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("input `probe-query` must be one SQL statement; got 2"),
        "{error}"
    );
}

#[tokio::test]
async fn without_a_network_path_or_credentials_the_engines_log_proves_level_1() {
    // The servers listen on no TCP address: the endpoint refuses this
    // runner, as a DB in a private VPC does a GitHub-hosted one.
    let moto = Moto::start_with(&[
        ("RDS_EMULATOR_REAL_DB", "1"),
        ("RDS_EMULATOR_PRIVATE_ENDPOINTS", "1"),
    ]);
    moto.create_db("vault").await;
    common::snapshot(&moto, "vault", "v1", "251");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "vault", "252", temp.path()).run();
    ran.assert_ok();
    assert_eq!(ran.output("proof-level"), "1", "{ran}");
    let steps = report(&ran)["proof"]["steps"].to_string();
    assert!(steps.contains("level 2 not reached"), "{steps}");
    assert!(steps.contains("self-hosted runner in the VPC"), "{steps}");
    assert!(
        steps.contains("database system is ready to accept connections"),
        "{steps}"
    );
    assert!(
        ran.summary.contains("Proof level reached: **1** of 3"),
        "{ran}"
    );
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    // With a probe-query, the same unreachable endpoint is an error that
    // says what to do.
    let ran = drill(&moto, "vault", "253", temp.path())
        .with("probe-query", "SELECT 1")
        .with("probe-username", pg::USER)
        .with("probe-password", pg::PASSWORD)
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("cannot reach"), "{error}");
    assert!(error.contains("level 1"), "{error}");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
}

#[tokio::test]
async fn keep_for_leaves_the_scratch_db_until_prune_finds_it_expired() {
    let moto = Moto::start_real_db();
    app_db(&moto, "books", 2).await;
    common::snapshot(&moto, "books", "v1", "261");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "books", "262", temp.path())
        .with("keep-for", "15s")
        .run();
    ran.assert_ok();
    assert_eq!(
        drill_dbs(&moto).await,
        BTreeSet::from(["books-drill-r262".to_owned()]),
        "{ran}"
    );
    assert!(
        report(&ran)["cleanup"]
            .as_str()
            .unwrap()
            .starts_with("kept until"),
        "{ran}"
    );
    let prune = || {
        Step::new(&moto, "prune", "263")
            .with("db-instance-identifier", "books")
            .with("keep-last", "10")
    };
    // Before it expires, prune keeps it; after, deletes it.
    let early = prune().run();
    early.assert_ok();
    assert_eq!(early.output("deleted-drills"), "[]", "{early}");
    // keep-for counts from the drill's start.
    let until = report(&ran)["kept-until"].as_str().unwrap().to_owned();
    let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap();
    let left = (until.to_utc() - chrono::Utc::now()).num_milliseconds();
    assert!(left > 0, "expired before the first prune: {until}");
    tokio::time::sleep(std::time::Duration::from_millis(left as u64 + 1_000)).await;
    // Planned first: the run deletes what the plan listed, and only that.
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 0, 0);
    let (plan, late) = crate::plan::plan_then_run(&proxy, || prune().via(&proxy.endpoint));
    assert_eq!(
        crate::plan::planned_actions(&plan),
        ["DeleteDBInstance"],
        "{plan}"
    );
    assert_eq!(
        plan["calls"][0]["parameters"]["DBInstanceIdentifier"], "books-drill-r262",
        "{plan}"
    );
    assert_eq!(
        late.output("deleted-drills"),
        r#"["books-drill-r262"]"#,
        "{late}"
    );
    // The source and its snapshot are not drills and stay.
    assert!(moto.instance_ids().await.contains(&"books".to_owned()));
}

#[tokio::test]
async fn a_drill_killed_at_a_random_point_is_finished_by_its_re_run() {
    let moto = Moto::start_real_db();
    app_db(&moto, "crm", 5).await;
    common::snapshot(&moto, "crm", "v1", "271");
    let temp = tempfile::tempdir().unwrap();
    let runs: u64 = std::env::var("DRILL_KILL_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let mut mid_step = 0;
    for n in 0..runs {
        let run = format!("{}", 272 + n);
        let step = || {
            drill(&moto, "crm", &run, temp.path())
                .with("probe-query", "SELECT count(*) FROM deploys")
                .with("probe-username", pg::USER)
                .with("probe-password", pg::PASSWORD)
        };
        // Spread from before the restore call to the cleanup (a whole
        // drill takes a few seconds here), a little off each time.
        let mut child = step()
            .command()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the step");
        let at = 300 + (n * 1_500 + n * n * 137) % 7_000;
        tokio::time::sleep(std::time::Duration::from_millis(at)).await;
        if matches!(child.try_wait(), Ok(None)) {
            mid_step += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let ran = step().run();
        ran.assert_ok();
        assert_eq!(ran.output("probe"), "5", "killed at {at} ms:\n{ran}");
        assert!(
            drill_dbs(&moto).await.is_empty(),
            "killed at {at} ms:\n{ran}"
        );
    }
    // The same line as the reliability suite's table of kills.
    println!("drill | {runs} kills | {mid_step} landed mid-step | {runs} converged");
}

#[tokio::test]
async fn the_probe_logs_in_with_a_secrets_manager_secret_in_rds_form() {
    let moto = Moto::start_real_db();
    app_db(&moto, "hr", 7).await;
    common::snapshot(&moto, "hr", "v1", "281");
    let secrets = moto.secrets_as("AKIAIOSFODNN7EXAMPLE", common::SECRET);
    let secret =
        serde_json::json!({"username": pg::USER, "password": pg::PASSWORD, "engine": "postgres"});
    let arn = secrets
        .create_secret()
        .name("drill-probe-login")
        .secret_string(secret.to_string())
        .send()
        .await
        .expect("create the secret")
        .arn()
        .expect("an ARN")
        .to_owned();
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "hr", "282", temp.path())
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-secret-arn", &arn)
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "7", "{ran}");
    assert_eq!(ran.output("proof-level"), "3", "{ran}");
    assert_eq!(
        ran.commands("add-mask"),
        [format!("::add-mask::{}", pg::PASSWORD)],
        "{ran}"
    );
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    // A secret that is not in RDS's form is an error that says so.
    let other = secrets
        .create_secret()
        .name("not-a-login")
        .secret_string("just a string")
        .send()
        .await
        .expect("create the secret")
        .arn()
        .expect("an ARN")
        .to_owned();
    let ran = drill(&moto, "hr", "283", temp.path())
        .with("probe-query", "SELECT 1")
        .with("probe-secret-arn", &other)
        .run();
    ran.assert_failed();
    let error = ran.error();
    assert!(error.contains("`username` and `password`"), "{error}");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
}

#[tokio::test]
async fn a_point_in_time_drill_restores_the_rows_up_to_its_time() {
    let moto = Moto::start_real_db();
    let (host, port) = app_db(&moto, "audit", 4).await;
    // The restore calls take whole seconds: the second after commit 4,
    // and commit 5 after it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let written = chrono::Utc::now().timestamp();
    let at = chrono::DateTime::from_timestamp(written, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    pg::write(&host, port, &[5]).await;
    // A time is restorable once the source's LatestRestorableTime has
    // passed it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let latest = async || {
        moto.client()
            .describe_db_instances()
            .db_instance_identifier("audit")
            .send()
            .await
            .expect("describe the source")
            .db_instances()[0]
            .latest_restorable_time()
            .map(|time| time.secs())
    };
    while latest().await.is_none_or(|latest| latest < written) {
        assert!(
            std::time::Instant::now() < deadline,
            "LatestRestorableTime {:?} did not reach {written}",
            latest().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "audit", "291", temp.path())
        .with("restore-time", &at)
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", pg::USER)
        .with("probe-password", pg::PASSWORD)
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "4", "{ran}");
    assert!(report(&ran)["restore-time"].is_string(), "{ran}");
    assert!(ran.summary.contains("Point in time"), "{ran}");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    assert_eq!(pg::rows(&host, port).await, [1, 2, 3, 4, 5]);
}

/// A certificate authority made with openssl in `dir` (`ca.pem`,
/// `ca.key`), as the emulator's TLS front takes one
/// (`RDS_EMULATOR_TLS_CA`).
fn certificate_authority(dir: &std::path::Path) {
    let config = dir.join("ca.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = drill test CA\n\
         [ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n\
         subjectKeyIdentifier = hash\n",
    )
    .unwrap();
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-config"])
        .arg(&config)
        .args(["-extensions", "ca", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "7", "-keyout"])
        .arg(dir.join("ca.key"))
        .arg("-out")
        .arg(dir.join("ca.pem"))
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{made:?}");
}

#[tokio::test]
async fn with_probe_ca_bundle_the_probe_trusts_only_a_certificate_its_cas_signed() {
    let ours = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    certificate_authority(ours.path());
    certificate_authority(other.path());
    let moto = Moto::start_with(&[
        ("RDS_EMULATOR_REAL_DB", "1"),
        ("RDS_EMULATOR_TLS_CA", ours.path().to_str().unwrap()),
    ]);
    app_db(&moto, "ledger", 7).await;
    common::snapshot(&moto, "ledger", "v1", "281");
    let temp = tempfile::tempdir().unwrap();
    let step = |run: &str, ca: &std::path::Path| {
        drill(&moto, "ledger", run, temp.path())
            .with("probe-query", "SELECT count(*) FROM deploys")
            .with("probe-username", pg::USER)
            .with("probe-password", pg::PASSWORD)
            .with("probe-ca-bundle", ca.join("ca.pem").to_str().unwrap())
    };
    // The scratch DB's certificate, for its endpoint's address, is signed
    // by the CA in the bundle: verified, and the rows read.
    let ran = step("282", ours.path()).run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "7", "{ran}");
    let steps = report(&ran)["proof"]["steps"].to_string();
    assert!(steps.contains("certificate verified"), "{steps}");
    // Signed by a CA the bundle does not hold: no login, and the error
    // says TLS and the input.
    let refused = step("283", other.path()).run();
    refused.assert_failed();
    let error = refused.error();
    assert!(error.contains("TLS handshake"), "{error}");
    assert!(error.contains("probe-ca-bundle"), "{error}");
    assert!(drill_dbs(&moto).await.is_empty(), "{refused}");
}

/// MySQL-family DB instance `id` of `engine` with rows 1..=`rows` in
/// `app.deploys` (`app` is its `DBName`); its endpoint.
async fn mysql_db(moto: &Moto, id: &str, engine: &str, rows: i32) -> (String, i32) {
    mysql::create(&moto.client(), id, engine).await;
    let db = moto.instance(id).await;
    let endpoint = db.endpoint().expect("an endpoint");
    let (host, port) = (
        endpoint.address().expect("an address").to_owned(),
        endpoint.port().expect("a port"),
    );
    mysql::write(&host, port, &(1..=rows).collect::<Vec<_>>()).await;
    (host, port)
}

#[tokio::test]
async fn a_mysql_drill_reads_the_snapshots_42_rows_not_the_43rd_and_leaves_no_scratch_db() {
    if !mysql::available() {
        return;
    }
    let moto = Moto::start_real_db();
    let (host, port) = mysql_db(&moto, "store", "mysql", 42).await;
    let snapshot = common::snapshot(&moto, "store", "v1", "301");
    mysql::write(&host, port, &[43]).await;
    let temp = tempfile::tempdir().unwrap();
    // No database named: the probe connects to the DB's `DBName`.
    let ran = drill(&moto, "store", "302", temp.path())
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", mysql::USER)
        .with("probe-password", mysql::PASSWORD)
        .run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), "42", "{ran}");
    assert_eq!(ran.output("proof-level"), "3", "{ran}");
    assert_eq!(ran.output("snapshot-identifier"), snapshot);
    let steps = report(&ran)["proof"]["steps"].to_string();
    assert!(steps.contains("MySQL sent its server greeting"), "{steps}");
    // Gone when the step ends; the source untouched.
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    assert_eq!(mysql::rows(&host, port).await, (1..=43).collect::<Vec<_>>());
    assert_eq!(
        moto.instance("store").await.db_instance_status(),
        Some("available")
    );
    // The password is only ever in the mask command.
    let everywhere = format!(
        "{}{}{}{:?}",
        ran.stdout, ran.stderr, ran.summary, ran.outputs
    );
    assert_eq!(
        ran.commands("add-mask"),
        [format!("::add-mask::{}", mysql::PASSWORD)],
        "{ran}"
    );
    assert_eq!(everywhere.matches(mysql::PASSWORD).count(), 1, "{ran}");
}

#[tokio::test]
async fn a_wrong_mysql_password_is_one_clear_error_and_the_scratch_db_is_still_removed() {
    if !mysql::available() {
        return;
    }
    let moto = Moto::start_real_db();
    mysql_db(&moto, "basket", "mariadb", 3).await;
    common::snapshot(&moto, "basket", "v1", "311");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "basket", "312", temp.path())
        .with("probe-query", "SELECT count(*) FROM deploys")
        .with("probe-username", mysql::USER)
        .with("probe-password", "wrong-password-2")
        .run();
    let error = refused_and_cleaned_up(&moto, &ran, "wrong-password-2").await;
    assert!(error.contains("Access denied"), "{error}");
}

#[tokio::test]
async fn with_probe_ca_bundle_a_mysql_probe_trusts_only_a_certificate_its_cas_signed() {
    if !mysql::available() {
        return;
    }
    let ours = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    certificate_authority(ours.path());
    certificate_authority(other.path());
    let moto = Moto::start_with(&[
        ("RDS_EMULATOR_REAL_DB", "1"),
        ("RDS_EMULATOR_TLS_CA", ours.path().to_str().unwrap()),
    ]);
    mysql_db(&moto, "till", "mysql", 7).await;
    common::snapshot(&moto, "till", "v1", "321");
    let temp = tempfile::tempdir().unwrap();
    let step = |run: &str, ca: &std::path::Path| {
        drill(&moto, "till", run, temp.path())
            // The session's cipher shows the probe's connection is TLS.
            .with(
                "probe-query",
                "SELECT count(*) AS n, VARIABLE_VALUE <> '' AS tls FROM deploys, information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'",
            )
            .with("probe-username", mysql::USER)
            .with("probe-password", mysql::PASSWORD)
            .with("probe-ca-bundle", ca.join("ca.pem").to_str().unwrap())
    };
    // The scratch DB's certificate, for its endpoint's address, is signed
    // by the CA in the bundle: verified, and the rows read over TLS.
    let ran = step("322", ours.path()).run();
    ran.assert_ok();
    assert_eq!(ran.output("probe"), r#"{"n":"7","tls":"1"}"#, "{ran}");
    let steps = report(&ran)["proof"]["steps"].to_string();
    assert!(steps.contains("certificate verified"), "{steps}");
    // Signed by a CA the bundle does not hold: no login, and the error
    // says TLS and the input.
    let refused = step("323", other.path()).run();
    refused.assert_failed();
    let error = refused.error();
    assert!(error.contains("TLS handshake"), "{error}");
    assert!(error.contains("probe-ca-bundle"), "{error}");
    assert!(drill_dbs(&moto).await.is_empty(), "{refused}");
}

#[tokio::test]
async fn an_aurora_mysql_cluster_drill_reads_its_snapshot_and_removes_the_cluster() {
    if !mysql::available() {
        return;
    }
    let moto = Moto::start_real_db();
    // No DatabaseName: the probe connects to no database, and the query
    // names one.
    common::create_cluster(&moto, "payments", "aurora-mysql", &[]);
    let cluster = moto.cluster("payments").await;
    let (writer, port) = (
        cluster.endpoint().expect("a writer endpoint").to_owned(),
        cluster.port().expect("a port"),
    );
    mysql::write(&writer, port, &[1, 2]).await;
    common::snapshot_cluster(&moto, "payments", "v1", "331");
    mysql::write(&writer, port, &[3]).await;
    let temp = tempfile::tempdir().unwrap();
    let ran = Step::new(&moto, "drill", "332")
        .with("db-cluster-identifier", "payments")
        .with(
            "probe-query",
            "SELECT count(*) AS n, max(n) AS top, NULL AS none FROM app.deploys",
        )
        .with("probe-username", mysql::USER)
        .with("probe-password", mysql::PASSWORD)
        .env("RUNNER_TEMP", &temp.path().display().to_string())
        .run();
    ran.assert_ok();
    // Several columns: a JSON object, in their order, NULL as null.
    assert_eq!(
        ran.output("probe"),
        r#"{"n":"2","top":"2","none":null}"#,
        "{ran}"
    );
    assert_eq!(ran.output("drill-db-identifier"), "payments-drill-r332");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
    assert_eq!(mysql::rows(&writer, port).await, [1, 2, 3]);
}

#[tokio::test]
async fn without_a_network_path_a_mysql_drill_proves_level_1_from_its_error_log() {
    if !mysql::available() {
        return;
    }
    let moto = Moto::start_with(&[
        ("RDS_EMULATOR_REAL_DB", "1"),
        ("RDS_EMULATOR_PRIVATE_ENDPOINTS", "1"),
    ]);
    mysql::create(&moto.client(), "safe", "mysql").await;
    common::snapshot(&moto, "safe", "v1", "341");
    let temp = tempfile::tempdir().unwrap();
    let ran = drill(&moto, "safe", "342", temp.path()).run();
    ran.assert_ok();
    assert_eq!(ran.output("proof-level"), "1", "{ran}");
    let steps = report(&ran)["proof"]["steps"].to_string();
    assert!(steps.contains("ready for connections"), "{steps}");
    assert!(drill_dbs(&moto).await.is_empty(), "{ran}");
}
