//! Ownership that a principal able to tag, but not to create, cannot forge
//! (issue 24): the two forgeries the security review made, a hand-made
//! snapshot with our three ownership tags deleted by `mode: delete`, and a
//! DB `billing-db` with five swap tags unprotected and deleted by `prune
//! replaced-older-than`.
//!
//! Without `provenance-key` the tags decide, as documented: the IAM
//! policies keep roles that delete from adding our tags (checked statically
//! in `tests/policies/`), but anyone else allowed to tag can still forge
//! them. With `provenance-key` the action refuses what carries no MAC that
//! KMS verifies, and a MAC copied from a genuine resource fails, since it was
//! made over that resource's ARN.

use std::collections::BTreeMap;

use aws_sdk_rds::types::Tag;

use crate::common::{Moto, Step, create_db};

const MANAGED_BY: &str = "rds-snapshot-action:managed-by";
const SOURCE_DB: &str = "rds-snapshot-action:source-db";
const SNAPSHOT_ID: &str = "rds-snapshot-action:snapshot-id";
const MAC: &str = "rds-snapshot-action:mac";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// A snapshot of `db` made by hand, then given tags as a tagger would.
async fn forged_snapshot(moto: &Moto, db: &str, id: &str, tags: Vec<Tag>) {
    let client = moto.client();
    let made = client
        .create_db_snapshot()
        .db_instance_identifier(db)
        .db_snapshot_identifier(id)
        .send()
        .await
        .expect("a hand-made snapshot");
    crate::common::wait_for_snapshot(&client, id).await;
    let arn = made
        .db_snapshot()
        .unwrap()
        .db_snapshot_arn()
        .unwrap()
        .to_owned();
    client
        .add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .expect("tag it as ours");
}

/// The three tags the review put on its hand-made snapshot.
fn crafted(db: &str, id: &str) -> Vec<Tag> {
    vec![
        tag(MANAGED_BY, "rds-snapshot-action"),
        tag(SOURCE_DB, db),
        tag(SNAPSHOT_ID, id),
    ]
}

fn delete(moto: &Moto, id: &str, key: Option<&str>) -> Step {
    let step = Step::new(moto, "delete", "2401").with("snapshot-identifier", id);
    match key {
        Some(key) => step.with("provenance-key", key),
        None => step,
    }
}

async fn exists(moto: &Moto, id: &str) -> bool {
    moto.client()
        .describe_db_snapshots()
        .db_snapshot_identifier(id)
        .send()
        .await
        .is_ok_and(|found| {
            found
                .db_snapshots()
                .iter()
                .any(|s| s.status() != Some("deleted"))
        })
}

#[tokio::test]
async fn a_forged_snapshot_goes_by_its_tags_alone_without_the_key_and_stays_with_it() {
    let moto = Moto::start();
    create_db(&moto.client(), "prod").await;
    forged_snapshot(&moto, "prod", "hand-made-a", crafted("prod", "hand-made-a")).await;
    forged_snapshot(&moto, "prod", "hand-made-b", crafted("prod", "hand-made-b")).await;
    // The documented path without the key: the tags decide (the policies
    // keep the tagging roles and the deleting ones apart).
    delete(&moto, "hand-made-a", None).run().assert_ok();
    assert!(!exists(&moto, "hand-made-a").await);
    // With the key, the same forgery is refused, and says why and what to do.
    let key = moto.hmac_key().await;
    let ran = delete(&moto, "hand-made-b", Some(&key)).run();
    ran.assert_failed();
    let error = ran.error();
    assert!(
        error.contains("snapshot `hand-made-b` carries this action's tags but has no `rds-snapshot-action:mac` tag"),
        "{ran}"
    );
    assert!(error.contains("input `provenance-key`"), "{ran}");
    assert!(error.contains("delete it by hand"), "{ran}");
    assert!(exists(&moto, "hand-made-b").await);
}

#[tokio::test]
async fn a_genuine_snapshot_made_with_the_key_is_deleted_and_its_mac_on_a_forgery_is_refused() {
    let moto = Moto::start();
    create_db(&moto.client(), "prod").await;
    let key = moto.hmac_key().await;
    let made = Step::new(&moto, "snapshot", "2402")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v1")
        .with("provenance-key", &key)
        .run();
    made.assert_ok();
    let genuine = made.output("snapshot-identifier").to_owned();
    let tags = moto.snapshot_tags(&genuine).await;
    let mac = tags
        .get(MAC)
        .unwrap_or_else(|| panic!("no MAC on {genuine}: {tags:?}"));
    // Every tag of the genuine one, MAC included, on a hand-made snapshot
    // (with its own snapshot-id, as the predicate asks).
    let copied: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| tag(k, if k == SNAPSHOT_ID { "hand-made" } else { v }))
        .collect();
    forged_snapshot(&moto, "prod", "hand-made", copied).await;
    assert_eq!(&moto.snapshot_tags("hand-made").await[MAC], mac);
    let ran = delete(&moto, "hand-made", Some(&key)).run();
    ran.assert_failed();
    assert!(
        ran.error()
            .contains("has a `rds-snapshot-action:mac` tag that KMS does not verify for it"),
        "{ran}"
    );
    assert!(exists(&moto, "hand-made").await);
    // Another key does not verify the genuine one either.
    let other = moto.hmac_key().await;
    delete(&moto, &genuine, Some(&other)).run().assert_failed();
    assert!(exists(&moto, &genuine).await);
    // With its own key, the genuine snapshot goes.
    delete(&moto, &genuine, Some(&key)).run().assert_ok();
    assert!(!exists(&moto, &genuine).await);
}

#[tokio::test]
async fn prune_with_the_key_neither_deletes_nor_counts_a_forged_snapshot() {
    let moto = Moto::start();
    create_db(&moto.client(), "prod").await;
    let key = moto.hmac_key().await;
    let mut genuine = Vec::new();
    for (run, version) in [("2403", "v1"), ("2404", "v2")] {
        let made = Step::new(&moto, "snapshot", run)
            .with("db-instance-identifier", "prod")
            .with("deploy-version", version)
            .with("provenance-key", &key)
            .run();
        made.assert_ok();
        genuine.push(made.output("snapshot-identifier").to_owned());
        // Creation times are kept to the second.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    // The newest of all, forged: counted, it would push v2 out of keep-last 1.
    forged_snapshot(&moto, "prod", "hand-made", crafted("prod", "hand-made")).await;
    let ran = Step::new(&moto, "prune", "2405")
        .with("db-instance-identifier", "prod")
        .with("keep-last", "1")
        .with("provenance-key", &key)
        .run();
    ran.assert_ok();
    assert_eq!(
        ran.output("deleted"),
        format!("[\"{}\"]", genuine[0]),
        "{ran}"
    );
    assert!(exists(&moto, &genuine[1]).await);
    assert!(exists(&moto, "hand-made").await);
    assert!(
        ran.commands("warning")
            .iter()
            .any(|w| w.contains("snapshot `hand-made` carries this action's tags but has no")),
        "{ran}"
    );
}

/// The five swap tags the review put on `billing-db`, naming it the DB an
/// in-place rollback of `shop` replaced, long ago.
fn swap_tags(run: &str) -> Vec<Tag> {
    vec![
        tag("rds-snapshot-action:swap-role", "original"),
        tag("rds-snapshot-action:swap-of", "shop"),
        tag("rds-snapshot-action:swap-replaced", "billing-db"),
        tag("rds-snapshot-action:replaced-at", "2020-01-01T00:00:00Z"),
        tag("rds-snapshot-action:replaced-by-run", run),
    ]
}

async fn protected_db(moto: &Moto, id: &str, tags: Vec<Tag>) -> String {
    let client = moto.client();
    create_db(&client, id).await;
    let db = client
        .modify_db_instance()
        .db_instance_identifier(id)
        .deletion_protection(true)
        .apply_immediately(true)
        .send()
        .await
        .expect("protect it")
        .db_instance()
        .unwrap()
        .clone();
    crate::common::wait_for_instance(&client, id, "available").await;
    let arn = db.db_instance_arn().unwrap().to_owned();
    client
        .add_tags_to_resource()
        .resource_name(&arn)
        .set_tags(Some(tags))
        .send()
        .await
        .expect("tag it");
    arn
}

fn prune_replaced(moto: &Moto, run: &str, key: Option<&str>, dry_run: &str) -> Step {
    let step = Step::new(moto, "prune", run)
        .with("db-instance-identifier", "shop")
        .with("replaced-older-than", "1s")
        .with("dry-run", dry_run);
    match key {
        Some(key) => step.with("provenance-key", key),
        None => step,
    }
}

#[tokio::test]
async fn a_forged_billing_db_is_not_unprotected_or_deleted_with_the_key_and_a_genuine_one_is() {
    let moto = Moto::start();
    let key = moto.hmac_key().await;
    // A genuine replaced DB: an in-place rollback of `shop` with the key.
    create_db(&moto.client(), "shop").await;
    moto.own_snapshot("shop", "shop-snap", None).await;
    let swap = Step::new(&moto, "restore", "2406")
        .with("db-instance-identifier", "shop")
        .with("snapshot-identifier", "shop-snap")
        .with("in-place", "true")
        .with("provenance-key", &key)
        .run();
    swap.assert_ok();
    let replaced = swap.output("replaced-db-instance-identifier").to_owned();
    let replaced_tags: BTreeMap<String, String> =
        crate::common::tags(moto.instance(&replaced).await.tag_list());
    let genuine_mac = replaced_tags
        .get(MAC)
        .unwrap_or_else(|| panic!("no MAC on {replaced}: {replaced_tags:?}"))
        .clone();

    // The forgery, with the genuine MAC copied on too.
    let mut forged = swap_tags("2406");
    forged.push(tag(MAC, &genuine_mac));
    protected_db(&moto, "billing-db", forged).await;
    // Without the key the tags decide: a dry run would delete it, as
    // documented (IAM keeps the cleanup role from forging the tags).
    let dry = prune_replaced(&moto, "2407", None, "true").run();
    dry.assert_ok();
    assert!(dry.summary.contains("billing-db"), "{dry}");

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let ran = prune_replaced(&moto, "2408", Some(&key), "false").run();
    ran.assert_ok();
    assert_eq!(
        ran.output("deleted-replaced"),
        format!("[\"{replaced}\"]"),
        "{ran}"
    );
    let billing = moto.instance("billing-db").await;
    assert_eq!(billing.deletion_protection(), Some(true), "{ran}");
    assert_eq!(billing.db_instance_status(), Some("available"), "{ran}");
    assert!(
        ran.commands("warning").iter().any(|w| w.contains(
            "DB instance `billing-db` carries this action's tags but has a `rds-snapshot-action:mac` tag that KMS does not verify"
        )),
        "{ran}"
    );
    assert!(
        ran.summary.contains("kept: its MAC does not verify"),
        "{ran}"
    );
}

#[tokio::test]
async fn a_copy_made_with_the_key_is_sealed_and_wait_false_says_it_cannot_be() {
    let moto = Moto::start();
    create_db(&moto.client(), "prod").await;
    let key = moto.hmac_key().await;
    let made = Step::new(&moto, "snapshot", "2409")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v1")
        .with("provenance-key", &key)
        .run();
    made.assert_ok();
    let source = made.output("snapshot-identifier").to_owned();
    let copy = Step::new(&moto, "copy", "2409")
        .with("snapshot-identifier", &source)
        .with("target-snapshot-identifier", "prod-v1-copy")
        .with("provenance-key", &key)
        .run();
    copy.assert_ok();
    let (source_mac, copy_mac) = (
        moto.snapshot_tags(&source).await[MAC].clone(),
        moto.snapshot_tags("prod-v1-copy").await[MAC].clone(),
    );
    // Its own MAC, not the source's copied along with the other tags.
    assert_ne!(source_mac, copy_mac);
    delete(&moto, "prod-v1-copy", Some(&key)).run().assert_ok();

    let unwaited = Step::new(&moto, "snapshot", "2410")
        .with("db-instance-identifier", "prod")
        .with("deploy-version", "v2")
        .with("wait", "false")
        .with("provenance-key", &key)
        .run();
    unwaited.assert_ok();
    assert!(
        unwaited
            .commands("warning")
            .iter()
            .any(|w| w
                .contains("with `wait: false` a snapshot is not yet available, so it gets no MAC")),
        "{unwaited}"
    );
    let id = unwaited.output("snapshot-identifier");
    assert!(!moto.snapshot_tags(id).await.contains_key(MAC));
}

#[tokio::test]
async fn an_aurora_cluster_a_rollback_replaced_with_the_key_is_sealed_and_pruned() {
    let moto = Moto::start();
    let key = moto.hmac_key().await;
    crate::common::create_cluster(&moto, "ledger", "aurora-postgresql", &[]);
    let snapshot = Step::new(&moto, "snapshot", "2411")
        .with("db-cluster-identifier", "ledger")
        .with("deploy-version", "v1")
        .with("provenance-key", &key)
        .run();
    snapshot.assert_ok();
    let ran = Step::new(&moto, "restore", "2412")
        .with("db-cluster-identifier", "ledger")
        .with(
            "snapshot-identifier",
            snapshot.output("snapshot-identifier"),
        )
        .with("in-place", "true")
        .with("provenance-key", &key)
        .run();
    ran.assert_ok();
    let replaced = ran.output("replaced-db-cluster-identifier").to_owned();
    let cluster = moto
        .find_cluster(&replaced)
        .await
        .expect("the replaced cluster");
    assert!(
        crate::common::tags(cluster.tag_list()).contains_key(MAC),
        "{replaced}: {:?}",
        cluster.tag_list()
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let pruned = Step::new(&moto, "prune", "2413")
        .with("db-cluster-identifier", "ledger")
        .with("replaced-older-than", "1s")
        .with("provenance-key", &key)
        .run();
    pruned.assert_ok();
    assert_eq!(
        pruned.output("deleted-replaced"),
        format!("[\"{replaced}\"]"),
        "{pruned}"
    );
}

/// A drill's scratch DB made with the key gets its MAC once restored: the
/// drill deletes its own, and `prune` with the key deletes one `keep-for`
/// kept once it has expired, but keeps a DB named like a drill's scratch DB
/// that was given the genuine one's tags, MAC and all, by hand.
#[tokio::test]
async fn a_drill_db_made_with_the_key_is_sealed_and_pruned_and_a_forged_one_is_kept() {
    let moto = Moto::start_real_db();
    let key = moto.hmac_key().await;
    let client = moto.client();
    moto.create_db("orders").await;
    crate::common::snapshot(&moto, "orders", "v1", "2421");
    let drill = |run: &str| {
        Step::new(&moto, "drill", run)
            .with("db-instance-identifier", "orders")
            .with("provenance-key", &key)
    };
    let deleted = drill("2422").run();
    deleted.assert_ok();
    assert!(
        moto.find_instance("orders-drill-r2422").await.is_none(),
        "{deleted}"
    );

    let kept = drill("2423").with("keep-for", "1s").run();
    kept.assert_ok();
    let genuine = kept.output("drill-db-identifier").to_owned();
    let tags = crate::common::tags(moto.instance(&genuine).await.tag_list());
    assert!(tags.contains_key(MAC), "{genuine}: {tags:?}\n{kept}");
    // The forgery: a DB of its own, named as a drill's scratch DB of
    // `orders` is, with every tag of the genuine one copied onto it.
    let forged = "orders-drill-r2499";
    create_db(&client, forged).await;
    let arn = moto
        .instance(forged)
        .await
        .db_instance_arn()
        .expect("an ARN")
        .to_owned();
    client
        .add_tags_to_resource()
        .resource_name(&arn)
        .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        .send()
        .await
        .expect("copy the genuine drill DB's tags onto it");

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let pruned = Step::new(&moto, "prune", "2424")
        .with("db-instance-identifier", "orders")
        .with("keep-last", "10")
        .with("provenance-key", &key)
        .run();
    pruned.assert_ok();
    assert_eq!(
        pruned.output("deleted-drills"),
        format!("[\"{genuine}\"]"),
        "{pruned}"
    );
    let warning = pruned.commands("warning").join("\n");
    assert!(
        warning.contains(forged) && warning.contains("KMS does not verify"),
        "{pruned}"
    );
    assert!(moto.find_instance(forged).await.is_some(), "{pruned}");
}
