//! The least-privilege IAM policy of each mode, `docs/iam/<mode>.json`,
//! proven under moto's IAM enforcement: the step succeeds with exactly that
//! policy, and fails, naming the permission, when any one action is taken
//! out of it.

use std::path::Path;

use crate::common::{
    Moto, REGION, Step, block_on, call_limits, create_cluster_as, create_db, create_tuned_db,
    in_parallel, own_cluster_snapshot, own_snapshot, wait_for_cluster,
};
use aws_sdk_rds::config::Credentials;
use rds_snapshot_action::model::Kind;

/// Actions moto cannot show to be needed: it authorises only the API action
/// called, while AWS also requires `rds:AddTagsToResource` for tags given in
/// a create, restore or copy call, and `iam:PassRole` (in its own statement,
/// scoped to the monitoring role) for a ModifyDBInstance that turns Enhanced
/// Monitoring on.
const NOT_ENFORCED_BY_MOTO: &[&str] = &["rds:AddTagsToResource", "iam:PassRole"];

/// Actions a mode's policy holds that AWS requires but moto does not
/// check, per mode: since August 2024 a final snapshot taken by
/// DeleteDBInstance or DeleteDBCluster needs `rds:CreateDBSnapshot` or
/// `rds:CreateDBClusterSnapshot` (AWS's notice of the change, as users
/// quote it: convox #856, instance-scheduler-on-aws #572), which moto's
/// delete calls do not ask for.
const REQUIRED_BY_AWS_ONLY: &[(&str, &str)] = &[
    ("prune", "rds:CreateDBSnapshot"),
    ("prune", "rds:CreateDBClusterSnapshot"),
];

/// Actions the emulator never makes a step call: a restored cluster gets a
/// maintenance window of AWS's, so the ModifyDBCluster that carries the
/// source's over is made; but `rds:RemoveTagsFromResource` is called only
/// when a failed in-place swap is undone, which these successful steps
/// never do (the swap suite's injected refusals call it).
const NOT_CALLED_IN_THE_EMULATOR: &[&str] = &["rds:RemoveTagsFromResource"];

/// Actions a mode's policy holds for a variant of the mode these runs do
/// not take, per mode, and where they are shown to work: a drill here
/// proves level 1 (its endpoint is private), so it does not read the
/// probe's secret (the `drill` suite's Secrets Manager test does).
const OTHER_VARIANT: &[(&str, &str)] = &[("drill", "secretsmanager:GetSecretValue")];

/// Requests moto serves before it enforces IAM: the three that create the
/// admin user who sets up everything else.
const BOOTSTRAP_REQUESTS: &str = "3";

fn documented(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/iam/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A mode's documented policy as moto can evaluate it. moto (5.x,
/// `moto/iam/access_control.py`) checks every action against the resource
/// `*` and has no `aws:ResourceTag/...` or `aws:TagKeys` context values, so
/// a statement scoped to ARNs (tagged snapshots, or the DBs the tagging
/// statements are limited to) would match nothing there: every statement
/// gets `*` and loses its condition. The scopes and conditions themselves
/// are checked by
/// `delete_snapshot_is_allowed_only_on_snapshots_with_our_ownership_tag` and
/// by `tests/policies/` (the two forgeries of issue 24). The deleting
/// roles' Deny of our tag keys becomes a Deny of every AddTagsToResource,
/// which those steps never call. A drill's statement scoped by name to
/// its scratch DBs' log files is widened to `*` the same way.
fn policy(mode: &str) -> serde_json::Value {
    let mut policy = documented(mode);
    for statement in policy["Statement"].as_array_mut().unwrap() {
        if let Some(statement) = statement.as_object_mut() {
            statement.remove("Condition");
            statement.insert("Resource".into(), "*".into());
        }
    }
    policy
}

/// Every action the policy allows, across its Allow statements.
fn actions(policy: &serde_json::Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|statement| statement["Effect"] == "Allow")
        .flat_map(|statement| match &statement["Action"] {
            serde_json::Value::Array(list) => list.clone(),
            one => vec![one.clone()],
        })
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn without(policy: &serde_json::Value, action: &str) -> serde_json::Value {
    let mut policy = policy.clone();
    for statement in policy["Statement"].as_array_mut().unwrap() {
        if statement["Action"] == action {
            statement["Action"] = "sts:GetCallerIdentity".into();
        }
        let Some(list) = statement["Action"].as_array_mut() else {
            continue;
        };
        list.retain(|a| a != action);
        if list.is_empty() {
            // IAM refuses a statement without actions; this one grants no RDS.
            list.push("sts:GetCallerIdentity".into());
        }
    }
    policy
}

#[test]
fn delete_snapshot_is_allowed_only_on_snapshots_with_our_ownership_tag() {
    // Each delete action in a statement of its own, on its own snapshot
    // kind's ARNs (`snapshot:` and `cluster-snapshot:`), only where our tag is.
    let deletes = [
        ("rds:DeleteDBSnapshot", "arn:aws:rds:*:*:snapshot:*"),
        (
            "rds:DeleteDBClusterSnapshot",
            "arn:aws:rds:*:*:cluster-snapshot:*",
        ),
    ];
    for mode in ["prune", "delete"] {
        let policy = documented(mode);
        let statements = policy["Statement"].as_array().unwrap();
        for (action, resource) in deletes {
            let deleting: Vec<&serde_json::Value> = statements
                .iter()
                .filter(|s| {
                    actions(&serde_json::json!({"Statement": [s]}))
                        .iter()
                        .any(|a| a == action || a == "rds:*")
                })
                .collect();
            assert_eq!(deleting.len(), 1, "{mode} {action}: {policy:#}");
            let statement = deleting[0];
            assert_eq!(statement["Action"], serde_json::json!([action]), "{mode}");
            assert_eq!(statement["Resource"], resource, "{mode} {action}");
            assert_eq!(
                statement["Condition"],
                serde_json::json!({"StringEquals": {
                    "aws:ResourceTag/rds-snapshot-action:managed-by": "rds-snapshot-action"
                }}),
                "{mode} {action}"
            );
        }
    }
    for mode in [
        "snapshot",
        "restore",
        "pitr",
        "list",
        "copy",
        "backtrack",
        "wait",
    ] {
        for (action, _) in deletes {
            assert!(
                !actions(&documented(mode)).iter().any(|a| a == action),
                "{mode} must not be allowed to {action}"
            );
        }
    }
}

#[test]
fn the_trust_policies_admit_the_subjects_the_example_workflows_present() {
    // GitHub's OIDC `sub`: `repo:ORG/REPO:environment:NAME` for a job with
    // an environment, else `repo:ORG/REPO:ref:REF` (GitHub's "About security
    // hardening with OpenID Connect", example subject claims).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let subjects = |name: &str| -> Vec<String> {
        let sub = &documented(name)["Statement"][0]["Condition"];
        let value = sub["StringEquals"]["token.actions.githubusercontent.com:sub"]
            .clone()
            .as_str()
            .map(|one| serde_json::json!([one]))
            .unwrap_or_else(|| {
                sub["StringLike"]["token.actions.githubusercontent.com:sub"].clone()
            });
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    // deploy.yml's snapshot job and rollback.yml run in `environment: production`.
    for workflow in [
        "examples/workflows/deploy.yml",
        "examples/workflows/rollback.yml",
    ] {
        assert!(
            read(workflow).contains("environment: production"),
            "{workflow}"
        );
    }
    assert_eq!(
        subjects("trust-policy"),
        ["repo:your-org/your-repo:environment:production"]
    );
    // cleanup.yml has no environment: it runs on main (schedule, by hand)
    // and as deploy.yml's reusable workflow, on its `v*` tag.
    let cleanup = read("examples/workflows/cleanup.yml");
    assert!(!cleanup.contains("environment:"), "{cleanup}");
    assert!(read("examples/workflows/deploy.yml").contains("tags: ['v*']"));
    assert_eq!(
        subjects("trust-policy-cleanup"),
        [
            "repo:your-org/your-repo:ref:refs/heads/main",
            "repo:your-org/your-repo:ref:refs/tags/v*"
        ]
    );
    // rollback.yml's plan job has no environment: dispatched on main, it
    // presents `ref:refs/heads/main`, and its role can only read.
    let rollback = workflow("rollback.yml");
    let jobs = &rollback["jobs"];
    assert!(jobs["plan"]["environment"].is_badvalue(), "{jobs:?}");
    assert_eq!(jobs["apply"]["environment"].as_str(), Some("production"));
    assert_eq!(
        subjects("trust-policy-plan"),
        ["repo:your-org/your-repo:ref:refs/heads/main"]
    );
}

/// An example workflow, parsed.
fn workflow(name: &str) -> yaml_rust2::Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/workflows")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap()
        .remove(0)
}

/// The plan is only worth approving if it is of the step that runs:
/// rollback.yml's plan job runs each of the apply job's action steps, under
/// the same condition and with the same inputs, plus `plan: true`; and the
/// apply job waits for it.
#[test]
fn the_rollback_example_plans_exactly_what_it_applies() {
    let rollback = workflow("rollback.yml");
    let jobs = &rollback["jobs"];
    assert_eq!(jobs["apply"]["needs"].as_str(), Some("plan"));
    let action_steps = |job: &str| -> Vec<(String, yaml_rust2::Yaml)> {
        jobs[job]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .filter(|step| {
                step["uses"]
                    .as_str()
                    .is_some_and(|uses| uses.contains("rds-snapshot-action"))
            })
            .map(|step| {
                (
                    step["if"].as_str().unwrap_or_default().to_owned(),
                    step["with"].clone(),
                )
            })
            .collect()
    };
    let planned = action_steps("plan");
    let applied = action_steps("apply");
    assert_eq!(planned.len(), applied.len());
    assert!(!applied.is_empty());
    let plan_key = yaml_rust2::Yaml::String("plan".to_owned());
    for ((plan_if, plan_with), (apply_if, apply_with)) in planned.iter().zip(&applied) {
        assert_eq!(plan_if, apply_if);
        let mut without_plan = plan_with.as_hash().unwrap().clone();
        assert_eq!(
            without_plan.remove(&plan_key),
            Some(yaml_rust2::Yaml::Boolean(true)),
            "{plan_with:?}"
        );
        assert_eq!(&without_plan, apply_with.as_hash().unwrap());
        assert!(!apply_with.as_hash().unwrap().contains_key(&plan_key));
    }
}

/// docs/iam/plan.json, the plan job's role, allows no mutating action, and
/// is enough for `plan: true` of a restore and a point-in-time restore of
/// an instance (in place) and of a cluster under moto's IAM enforcement.
#[test]
fn the_plan_policy_only_reads_and_is_enough_to_plan_a_rollback() {
    let policy = documented("plan");
    for action in actions(&policy) {
        let name = action.trim_start_matches("rds:");
        assert!(
            name.starts_with("Describe") && !crate::common::is_mutating(name),
            "{action} in docs/iam/plan.json"
        );
    }
    block_on(async {
        let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", BOOTSTRAP_REQUESTS)]);
        let account = Account::bootstrap(&moto).await;
        let mut n = 0;
        for mode in ["restore", "pitr"] {
            for kind in [Kind::Instance, Kind::Cluster] {
                let scenario = Scenario {
                    kind,
                    point_in_time: false,
                };
                let inputs = prepare(&account, mode, scenario, n).await;
                let user = format!("plan-{mode}-{}-{n}", kind.cli());
                let (key, secret) = user_with_policy(&account.iam, &user, &policy).await;
                let mut step = Step::new(&moto, mode, &format!("{}", 8500 + n))
                    .env("AWS_ACCESS_KEY_ID", &key)
                    .env("AWS_SECRET_ACCESS_KEY", &secret)
                    .without_env("AWS_SESSION_TOKEN")
                    .with("plan", "true");
                for (name, value) in &inputs {
                    step = step.with(name, value);
                }
                // In place on an instance (see `prepare`): the swap's
                // checks are reads the policy must allow too.
                let ran = step.run();
                assert_eq!(
                    ran.code, 0,
                    "plan of {mode} on a {kind} with docs/iam/plan.json:\n{ran}"
                );
                let plan: serde_json::Value =
                    serde_json::from_str(ran.output("plan")).expect("the plan is JSON");
                assert!(
                    plan["calls"]
                        .as_array()
                        .is_some_and(|calls| !calls.is_empty()),
                    "{plan}"
                );
                n += 1;
            }
        }
    });
}

struct Account<'a> {
    moto: &'a Moto,
    iam: aws_sdk_iam::Client,
    rds: aws_sdk_rds::Client,
    /// The admin's access key, for setup scripts (aurora.py).
    admin: (String, String),
}

impl<'a> Account<'a> {
    /// Creates the admin user while moto still lets requests through
    /// unauthenticated; everything after runs as that admin.
    async fn bootstrap(moto: &'a Moto) -> Account<'a> {
        let anonymous = iam_client(
            moto,
            Credentials::new("AKIDBOOTSTRAP", "bootstrap", None, None, "t"),
        );
        let (key, secret) = user_with_policy(
            &anonymous,
            "admin",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
            }),
        )
        .await;
        let admin = Credentials::new(key.clone(), secret.clone(), None, None, "admin");
        Account {
            moto,
            iam: iam_client(moto, admin.clone()),
            rds: rds_client(moto, admin),
            admin: (key, secret),
        }
    }
}

fn iam_client(moto: &Moto, credentials: Credentials) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new(REGION))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(credentials)
            .timeout_config(call_limits())
            .build(),
    )
}

fn rds_client(moto: &Moto, credentials: Credentials) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new(REGION))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(credentials)
            .timeout_config(call_limits())
            .build(),
    )
}

/// Creates a user with an inline policy; returns its access key.
async fn user_with_policy(
    iam: &aws_sdk_iam::Client,
    name: &str,
    policy: &serde_json::Value,
) -> (String, String) {
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    iam.put_user_policy()
        .user_name(name)
        .policy_name("rds-snapshot-action")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("put user policy");
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("access key");
    let key = key.access_key().unwrap();
    (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    )
}

/// Prepares attempt `n` of `mode` on a DB of `kind` as the admin; returns
/// the step's inputs.
async fn prepare(
    account: &Account<'_>,
    mode: &str,
    scenario: Scenario,
    n: usize,
) -> Vec<(&'static str, String)> {
    let mut inputs = match scenario.kind {
        Kind::Instance => prepare_instance(account, mode, n).await,
        Kind::Cluster => prepare_cluster(account, mode, n).await,
    };
    if scenario.point_in_time {
        // The DB's latest restorable time instead of its snapshot.
        inputs.push(("restore-time", "latest".into()));
    }
    inputs
}

async fn prepare_instance(
    account: &Account<'_>,
    mode: &str,
    n: usize,
) -> Vec<(&'static str, String)> {
    let db = format!("{mode}-{n}");
    if matches!(mode, "restore" | "pitr" | "drill") {
        // Its own parameter and option groups, Enhanced Monitoring and
        // Performance Insights: every call the carry-over makes is needed.
        create_tuned_db(&account.rds, &db).await;
    } else {
        create_db(&account.rds, &db).await;
    }
    let snap = format!("{db}-s");
    match mode {
        "snapshot" => vec![
            ("db-instance-identifier", db),
            ("deploy-version", "v1".into()),
        ],
        // On an instance, restore and pitr roll back in place: the same
        // calls as a plain restore, and the swap's (the pre-flight's
        // Blue/Green look-up, the renames); the cluster runs are plain.
        "restore" => {
            own_snapshot(&account.rds, &db, &snap, None).await;
            vec![
                ("snapshot-identifier", "latest".into()),
                ("db-instance-identifier", db.clone()),
                ("target-db-instance-identifier", format!("{db}-rb")),
                ("in-place", "true".into()),
            ]
        }
        "pitr" => vec![
            ("db-instance-identifier", db.clone()),
            ("restore-time", "latest".into()),
            ("target-db-instance-identifier", format!("{db}-pitr")),
            ("in-place", "true".into()),
        ],
        "list" => vec![("db-instance-identifier", db)],
        // The latest snapshot, proven at level 1: the endpoint is private.
        "drill" => {
            own_snapshot(&account.rds, &db, &snap, None).await;
            vec![("db-instance-identifier", db)]
        }
        "prune" => {
            own_snapshot(&account.rds, &db, &format!("{snap}1"), None).await;
            own_snapshot(&account.rds, &db, &format!("{snap}2"), None).await;
            roll_back_in_place(account, Kind::Instance, &db, &format!("{snap}2"), n);
            vec![
                ("db-instance-identifier", db),
                ("keep-last", "1".into()),
                ("replaced-older-than", "1s".into()),
            ]
        }
        "delete" => {
            own_snapshot(&account.rds, &db, &snap, None).await;
            vec![("snapshot-identifier", snap)]
        }
        "copy" => {
            own_snapshot(&account.rds, &db, &snap, None).await;
            vec![
                ("snapshot-identifier", snap),
                ("target-region", "us-west-2".into()),
                ("share-with-account-ids", "210987654321".into()),
            ]
        }
        // Started earlier in the run, not waited for: found by the run tag.
        "wait" => {
            account
                .rds
                .create_db_snapshot()
                .db_instance_identifier(&db)
                .db_snapshot_identifier(&snap)
                .set_tags(Some(started_by_this_run(&db, &snap, n)))
                .send()
                .await
                .expect("start a snapshot");
            vec![("db-instance-identifier", db)]
        }
        other => panic!("no IAM scenario for mode {other} on a DB instance"),
    }
}

/// The same on a production-like Aurora MySQL cluster (aurora.py: its own
/// subnet group, cluster and instance parameter groups, a writer and a
/// reader, a backtrack window), so every check the cluster paths make is
/// made.
async fn prepare_cluster(
    account: &Account<'_>,
    mode: &str,
    n: usize,
) -> Vec<(&'static str, String)> {
    let db = format!("{mode}-c{n}");
    let (key, secret) = &account.admin;
    create_cluster_as(
        account.moto,
        Some((key.as_str(), secret.as_str())),
        &db,
        // A drill's scratch cluster serves its engine's log: PostgreSQL's.
        if mode == "drill" {
            "aurora-postgresql"
        } else {
            "aurora-mysql"
        },
        &[],
    );
    if matches!(mode, "restore" | "pitr" | "drill") {
        // A maintenance window of its own, which no cluster restore call
        // takes: the new cluster gets RDS's, and only the ModifyDBCluster
        // after the restore carries it over.
        account
            .rds
            .modify_db_cluster()
            .db_cluster_identifier(&db)
            .preferred_maintenance_window("sun:05:00-sun:05:30")
            .apply_immediately(true)
            .send()
            .await
            .expect("set the cluster's maintenance window");
        wait_for_cluster(&account.rds, &db).await;
    }
    let snap = format!("{db}-s");
    let own = |id: String, version: Option<&'static str>| {
        let (rds, db) = (account.rds.clone(), db.clone());
        async move { own_cluster_snapshot(&rds, &db, &id, version).await }
    };
    match mode {
        "snapshot" => vec![
            ("db-cluster-identifier", db),
            ("deploy-version", "v1".into()),
        ],
        "restore" => {
            own(snap, None).await;
            vec![
                ("snapshot-identifier", "latest".into()),
                ("db-cluster-identifier", db.clone()),
                ("target-db-cluster-identifier", format!("{db}-rb")),
            ]
        }
        "pitr" => vec![
            ("db-cluster-identifier", db.clone()),
            ("restore-time", "latest".into()),
            ("target-db-cluster-identifier", format!("{db}-pitr")),
        ],
        "list" => vec![("db-cluster-identifier", db)],
        "drill" => {
            own(snap, None).await;
            vec![("db-cluster-identifier", db)]
        }
        "prune" => {
            own(format!("{snap}1"), None).await;
            own(format!("{snap}2"), None).await;
            roll_back_in_place(account, Kind::Cluster, &db, &format!("{snap}2"), n);
            vec![
                ("db-cluster-identifier", db),
                ("keep-last", "1".into()),
                ("replaced-older-than", "1s".into()),
            ]
        }
        "delete" => {
            own(snap.clone(), None).await;
            vec![("snapshot-identifier", snap)]
        }
        "copy" => {
            own(snap.clone(), None).await;
            vec![
                ("snapshot-identifier", snap),
                ("target-region", "us-west-2".into()),
                ("share-with-account-ids", "210987654321".into()),
            ]
        }
        // Back to just before deploy v1: found by its snapshot.
        "backtrack" => {
            own(snap, Some("v1")).await;
            vec![
                ("db-cluster-identifier", db),
                ("deploy-version", "v1".into()),
            ]
        }
        "wait" => {
            account
                .rds
                .create_db_cluster_snapshot()
                .db_cluster_identifier(&db)
                .db_cluster_snapshot_identifier(&snap)
                .set_tags(Some(started_by_this_run(&db, &snap, n)))
                .send()
                .await
                .expect("start a cluster snapshot");
            vec![("db-cluster-identifier", db)]
        }
        other => panic!("no IAM scenario for mode {other} on an Aurora cluster"),
    }
}

/// An earlier in-place rollback of `db` (as the admin), so that `prune`
/// with `replaced-older-than` finds a DB it replaced, more than a second
/// old, to delete.
fn roll_back_in_place(account: &Account<'_>, kind: Kind, db: &str, snapshot: &str, n: usize) {
    let (key, secret) = &account.admin;
    Step::new(account.moto, "restore", &format!("{}", 7000 + n))
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .without_env("AWS_SESSION_TOKEN")
        .with(kind.input(), db)
        .with("snapshot-identifier", snapshot)
        .with("in-place", "true")
        .run()
        .assert_ok();
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

/// The tags `mode: snapshot` puts on a snapshot of run `8000 + n` (the run
/// [`run_as`] steps belong to).
fn started_by_this_run(db: &str, snap: &str, n: usize) -> Vec<aws_sdk_rds::types::Tag> {
    let tag = |key: &str, value: &str| {
        aws_sdk_rds::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
    };
    vec![
        tag("rds-snapshot-action:managed-by", "rds-snapshot-action"),
        tag("rds-snapshot-action:source-db", db),
        tag("rds-snapshot-action:snapshot-id", snap),
        tag("rds-snapshot-action:run-id", &format!("{}", 8000 + n)),
    ]
}

async fn run_as(
    account: &Account<'_>,
    mode: &str,
    scenario: Scenario,
    n: usize,
    policy: &serde_json::Value,
) -> crate::common::Ran {
    let inputs = prepare(account, mode, scenario, n).await;
    let user = format!("{mode}-{}-user-{n}", scenario.kind.cli());
    let (key, secret) = user_with_policy(&account.iam, &user, policy).await;
    let mut step = Step::new(account.moto, mode, &format!("{}", 8000 + n))
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .without_env("AWS_SESSION_TOKEN");
    for (name, value) in &inputs {
        step = step.with(name, value);
    }
    step.run()
}

/// One way a mode is run: on a kind of DB, and for a drill, from the
/// latest snapshot or to the latest restorable time.
#[derive(Clone, Copy)]
struct Scenario {
    kind: Kind,
    point_in_time: bool,
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind.noun())?;
        if self.point_in_time {
            f.write_str(" to a point in time")?;
        }
        Ok(())
    }
}

/// The ways a mode's policy covers: both kinds of DB, except Backtrack,
/// which exists only for Aurora MySQL clusters; a drill also to a point in
/// time, whose restore calls are its own.
fn scenarios(mode: &str) -> Vec<Scenario> {
    let kinds: &[Kind] = if mode == "backtrack" {
        &[Kind::Cluster]
    } else {
        &[Kind::Instance, Kind::Cluster]
    };
    let times: &[bool] = if mode == "drill" {
        &[false, true]
    } else {
        &[false]
    };
    times
        .iter()
        .flat_map(|&point_in_time| {
            kinds.iter().map(move |&kind| Scenario {
                kind,
                point_in_time,
            })
        })
        .collect()
}

/// One policy serves a mode on instances and on clusters, so an action is
/// needed when taking it out fails the step on either: the instance run is
/// tried first, and the cluster run when the instance run does not need it
/// (a cluster-only call such as `rds:RestoreDBClusterFromSnapshot`).
#[test]
fn each_modes_documented_policy_is_enough_and_every_action_in_it_is_needed() {
    let modes = [
        "snapshot",
        "restore",
        "pitr",
        "list",
        "prune",
        "delete",
        "copy",
        "backtrack",
        "wait",
        "drill",
    ];
    // `IAM_MODES=drill,prune` checks only those, while investigating.
    let only = std::env::var("IAM_MODES").unwrap_or_default();
    let modes: Vec<&str> = modes
        .into_iter()
        .filter(|mode| only.is_empty() || only.split(',').any(|name| name == *mode))
        .collect();
    // Each mode has an emulator of its own; most of a step is waiting on
    // its clock, so three modes run at once.
    let reports = in_parallel(modes.len(), 3, |i| block_on(check_policy(modes[i])));
    println!("{}", reports.concat().join("\n"));
}

/// Runs `mode` with its documented policy, then without each action in it
/// in turn; returns the report's lines.
async fn check_policy(mode: &str) -> Vec<String> {
    let mut report = Vec::new();
    let mut env = vec![("INITIAL_NO_AUTH_ACTION_COUNT", BOOTSTRAP_REQUESTS)];
    if mode == "drill" {
        // A drill connects to its scratch DB: real servers behind every
        // PostgreSQL endpoint, listening on none, so it proves level 1 from
        // the engine's log, as from a runner outside a private VPC.
        env.extend([
            ("RDS_EMULATOR_REAL_DB", "1"),
            ("RDS_EMULATOR_PRIVATE_ENDPOINTS", "1"),
        ]);
    }
    let moto = Moto::start_with(&env);
    let account = Account::bootstrap(&moto).await;
    let policy = policy(mode);
    let mut n = 0;
    for scenario in scenarios(mode) {
        let ran = run_as(&account, mode, scenario, n, &policy).await;
        assert_eq!(
            ran.code, 0,
            "{mode} on a {scenario} with docs/iam/{mode}.json:\n{ran}"
        );
        n += 1;
    }
    let mut checked = Vec::new();
    for action in actions(&policy) {
        if NOT_ENFORCED_BY_MOTO.contains(&action.as_str()) {
            report.push(format!(
                "{mode}: {action} not checked (moto does not enforce it)"
            ));
            continue;
        }
        if REQUIRED_BY_AWS_ONLY.contains(&(mode, action.as_str())) {
            report.push(format!(
                "{mode}: {action} not checked (AWS requires it for a final snapshot on delete; moto does not)"
            ));
            continue;
        }
        if OTHER_VARIANT.contains(&(mode, action.as_str())) {
            report.push(format!(
                "{mode}: {action} not checked (a variant of the mode these runs do not take)"
            ));
            continue;
        }
        if NOT_CALLED_IN_THE_EMULATOR.contains(&action.as_str()) {
            report.push(format!(
                "{mode}: {action} not checked (the emulator never calls it)"
            ));
            continue;
        }
        let reduced = without(&policy, &action);
        let mut failed = None;
        for scenario in scenarios(mode) {
            let ran = run_as(&account, mode, scenario, n, &reduced).await;
            n += 1;
            if ran.code != 0 {
                failed = Some((scenario, ran));
                break;
            }
        }
        let Some((scenario, ran)) = failed else {
            panic!("{mode} without {action} succeeded in every scenario: it is not needed");
        };
        let error = ran.error();
        assert!(
            error.contains(action.as_str()),
            "{mode} on a {scenario} without {action}: {error}"
        );
        assert!(
            error.contains("IAM policy"),
            "{mode} on a {scenario} without {action}: {error}"
        );
        checked.push(format!("{action} ({scenario})"));
    }
    report.push(format!(
        "{mode}: succeeds with its policy on {}; fails naming each of {checked:?} when it is removed",
        scenarios(mode)
            .iter()
            .map(|scenario| scenario.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report
}

/// The drill policy's one action the scenarios above leave out,
/// `secretsmanager:GetSecretValue`, proven like the others on a drill that
/// logs its probe in with a secret in RDS's form and reaches level 3 (its
/// endpoint is reachable here): with docs/iam/drill.json the step reads the
/// snapshot's data; without the action it fails naming it, and restores
/// nothing, since the secret is read before the restore.
#[test]
fn the_drill_policy_lets_the_probe_read_its_secret_and_needs_that_action() {
    block_on(async {
        let moto = Moto::start_with(&[
            ("INITIAL_NO_AUTH_ACTION_COUNT", BOOTSTRAP_REQUESTS),
            ("RDS_EMULATOR_REAL_DB", "1"),
        ]);
        let account = Account::bootstrap(&moto).await;
        create_tuned_db(&account.rds, "hr").await;
        own_snapshot(&account.rds, "hr", "hr-s", None).await;
        let (key, secret) = &account.admin;
        let secrets = moto.secrets_as(key, secret);
        // The master login create_tuned_db gave the DB, as RDS stores it.
        let login = serde_json::json!({"username": "app", "password": "not-a-real-password"});
        let arn = secrets
            .create_secret()
            .name("drill-probe-login-hr")
            .secret_string(login.to_string())
            .send()
            .await
            .expect("create the secret")
            .arn()
            .expect("an ARN")
            .to_owned();
        let policy = policy("drill");
        let action = "secretsmanager:GetSecretValue";
        for (n, (policy, allowed)) in [(policy.clone(), true), (without(&policy, action), false)]
            .into_iter()
            .enumerate()
        {
            let user = format!("drill-secret-user-{n}");
            let (key, secret) = user_with_policy(&account.iam, &user, &policy).await;
            let step = |run: usize| {
                Step::new(&moto, "drill", &run.to_string())
                    .env("AWS_ACCESS_KEY_ID", &key)
                    .env("AWS_SECRET_ACCESS_KEY", &secret)
                    .without_env("AWS_SESSION_TOKEN")
                    .with("db-instance-identifier", "hr")
                    .with("probe-query", "SELECT 1")
                    .with("probe-secret-arn", &arn)
            };
            let ran = step(8700 + n).run();
            let drills: Vec<String> = account
                .rds
                .describe_db_instances()
                .send()
                .await
                .expect("describe")
                .db_instances()
                .iter()
                .filter_map(|db| db.db_instance_identifier())
                .filter(|id| id.contains("-drill-"))
                .map(str::to_owned)
                .collect();
            if allowed {
                ran.assert_ok();
                assert_eq!(ran.output("proof-level"), "3", "{ran}");
                assert_eq!(ran.output("probe"), "1", "{ran}");
                assert_eq!(drills, Vec::<String>::new(), "{ran}");
            } else {
                ran.assert_failed();
                let error = ran.error();
                assert!(error.contains(action), "{error}");
                assert!(
                    !ran.stderr.contains("restoring snapshot"),
                    "the secret is read before the restore:\n{ran}"
                );
                assert_eq!(drills, Vec::<String>::new(), "{ran}");
                // A plan does not read the secret, so the same role plans
                // the drill, and the plan says the run will read it.
                let planned = step(8710 + n).with("plan", "true").run();
                planned.assert_ok();
                assert!(
                    planned
                        .output("plan")
                        .contains("read by the run before it restores"),
                    "{planned}"
                );
            }
        }
    });
}
