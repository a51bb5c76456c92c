//! The provenance contract, case by case: the stamps equal what the plan
//! has always put on what it creates, and each predicate's reasons and texts.

use super::*;
use crate::config::{self, Action};
use crate::inputs::RawInputs;
use crate::rds::Instance;

fn ctx() -> RunContext {
    RunContext {
        github_actions: Some("true".into()),
        github_run_id: Some("777".into()),
        github_repository: Some("acme/shop".into()),
        github_sha: Some("abc123".into()),
        ..RunContext::default()
    }
}

fn at(time: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(time).unwrap().to_utc()
}

fn plan(raw: RawInputs, ctx: &RunContext) -> config::Plan {
    config::plan(&raw, ctx, at("2026-11-22T12:00:00Z")).unwrap()
}

fn user_tags() -> Vec<Tag> {
    vec![tag("team", "db")]
}

/// The stamps are what the plan has always put on what it creates,
/// after the user's tags, for every mode that creates something; and a
/// value RDS would refuse, or an empty one, is left out the same way.
#[test]
fn stamps_are_what_the_plan_puts_on_what_it_creates() {
    let odd = RunContext {
        github_repository: Some("acme/shop#1".into()),
        github_sha: Some("  ".into()),
        ..ctx()
    };
    for ctx in [ctx(), odd, RunContext::default()] {
        let run = ctx.github_run_id.as_deref();
        let snapshot = plan(
            RawInputs::default()
                .with("mode", "snapshot")
                .with("db-instance-identifier", "prod")
                .with("deploy-version", "v2.4.1")
                .with("snapshot-identifier", "prod-before")
                .with("tags", "team=db"),
            &ctx,
        );
        let Action::Snapshot(snapshots) = snapshot.action else {
            panic!("not a snapshot plan")
        };
        let mut expected = user_tags();
        expected.extend(stamps(Some("prod"), &ctx, run));
        expected.extend(snapshot_stamps("prod-before", Some("v2.4.1")));
        assert_eq!(snapshots[0].tags, expected);

        let restore = plan(
            RawInputs::default()
                .with("mode", "restore")
                .with("snapshot-identifier", "prod-before")
                .with("target-db-instance-identifier", "prod-rollback")
                .with("tags", "team=db"),
            &ctx,
        );
        let Action::Restore(restore) = restore.action else {
            panic!("not a restore plan")
        };
        let mut expected = user_tags();
        expected.extend(stamps(None, &ctx, run));
        assert_eq!(restore.target.tags, expected);

        let pitr = plan(
            RawInputs::default()
                .with("mode", "pitr")
                .with("db-instance-identifier", "prod")
                .with("restore-time", "latest")
                .with("target-db-instance-identifier", "prod-rollback")
                .with("tags", "team=db"),
            &ctx,
        );
        let Action::Pitr(pitr) = pitr.action else {
            panic!("not a pitr plan")
        };
        let mut expected = user_tags();
        expected.extend(stamps(Some("prod"), &ctx, run));
        expected.push(tag(key::RESTORE_TIME, "latest"));
        assert_eq!(pitr.target.tags, expected);
    }
}

#[test]
fn stamps_leave_out_what_rds_would_refuse() {
    let ctx = RunContext {
        github_repository: Some("acme/shop#1".into()),
        github_sha: Some("  abc  ".into()),
        ..ctx()
    };
    assert_eq!(
        stamps(Some(""), &ctx, Some("777")),
        [
            tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
            tag(key::COMMIT, "abc"),
            tag(key::RUN_ID, "777"),
        ]
    );
}

fn snap(id: &str, of: &str, tags: &[(&str, &str)]) -> Snapshot {
    Snapshot {
        id: id.to_owned(),
        arn: format!("arn:aws:rds:us-east-1:123456789012:snapshot:{id}"),
        status: "available".to_owned(),
        source_db: of.to_owned(),
        created: Some(at("2026-11-20T10:00:00Z")),
        percent: None,
        tags: tags.iter().map(|(k, v)| tag(k, v)).collect(),
        encrypted: false,
        kms_key_id: None,
        size_gib: None,
        vpc_id: None,
        kind: "manual".to_owned(),
        of: Kind::Instance,
        engine: None,
        engine_version: None,
        option_group: None,
        copied_from: None,
    }
}

/// A snapshot this action made of `prod` in run 777.
fn ours(id: &str) -> Snapshot {
    snap(
        id,
        "prod",
        &[
            (key::MANAGED_BY, key::MANAGED_BY_VALUE),
            (key::SOURCE_DB, "prod"),
            (key::RUN_ID, "777"),
            (key::SNAPSHOT_ID, id),
        ],
    )
}

fn without(mut snapshot: Snapshot, key: &str) -> Snapshot {
    snapshot.tags.retain(|t| t.key != key);
    snapshot
}

fn with(mut snapshot: Snapshot, key: &str, value: &str) -> Snapshot {
    snapshot.tags.retain(|t| t.key != key);
    snapshot.tags.push(tag(key, value));
    snapshot
}

fn why(result: Result<(), Refusal>) -> Option<NotOurs> {
    result.err().map(|refusal| refusal.why)
}

#[test]
fn a_snapshot_is_adopted_only_from_this_run_and_db() {
    let adopt = SnapshotClaim::Adopt {
        db: "prod",
        run: Some("777"),
    };
    assert_eq!(snapshot(&ours("s"), adopt), Ok(()));
    // The ID was looked up, so its own tag is not asked for.
    assert_eq!(
        snapshot(&without(ours("s"), key::SNAPSHOT_ID), adopt),
        Ok(())
    );

    let refusal = snapshot(&without(ours("s"), key::MANAGED_BY), adopt).unwrap_err();
    assert_eq!(refusal.why, NotOurs::Unmarked);
    assert_eq!(
        refusal.to_string(),
        "snapshot `s` already exists, but it is a snapshot of \"prod\" that this action did not make; nothing was changed. Set input `snapshot-identifier` to a new ID"
    );
    let mut other = ours("s");
    other.source_db = "stage".to_owned();
    let refusal = snapshot(&other, adopt).unwrap_err();
    assert_eq!(
        refusal.why,
        NotOurs::OtherSource {
            of: Some("stage".to_owned())
        }
    );
    assert_eq!(
        refusal.to_string(),
        "snapshot `s` already exists, but it is a snapshot of \"stage\" made by this action; nothing was changed. Set input `snapshot-identifier` to a new ID"
    );

    let refusal = snapshot(&with(ours("s"), key::RUN_ID, "700"), adopt).unwrap_err();
    assert_eq!(
        refusal.why,
        NotOurs::OtherRun {
            by: Some("700".to_owned())
        }
    );
    assert_eq!(
        refusal.to_string(),
        "snapshot `s` of `prod` already exists: it was made by run \"700\" on 2026-11-20T10:00:00Z, not by this run (\"777\"), so it holds another deploy's data; nothing was changed. Leave `snapshot-identifier` empty to derive a new ID from this run, or set it to a new ID"
    );
    // Without a run ID nothing is adopted, not even a snapshot without one.
    let no_run = SnapshotClaim::Adopt {
        db: "prod",
        run: None,
    };
    let mut anonymous = without(ours("s"), key::RUN_ID);
    anonymous.created = None;
    let refusal = snapshot(&anonymous, no_run).unwrap_err();
    assert_eq!(refusal.why, NotOurs::OtherRun { by: None });
    assert_eq!(
        refusal.to_string(),
        "snapshot `s` of `prod` already exists: it was made without a run ID, not by this run (no `run-id` is set, so nothing is adopted), so it holds another deploy's data; nothing was changed. Leave `snapshot-identifier` empty to derive a new ID from this run, or set it to a new ID"
    );
}

#[test]
fn only_a_snapshot_this_action_made_is_deleted() {
    let delete = SnapshotClaim::Delete { db: None };
    assert_eq!(snapshot(&ours("s"), delete), Ok(()));
    // Its own tag may differ in case: RDS IDs do not.
    assert_eq!(
        snapshot(&with(ours("s"), key::SNAPSHOT_ID, "S"), delete),
        Ok(())
    );
    assert_eq!(
        snapshot(&without(ours("s"), key::MANAGED_BY), delete)
            .unwrap_err()
            .to_string(),
        "snapshot `s` does not carry this action's ownership tag `rds-snapshot-action:managed-by=rds-snapshot-action`, so this action did not make it and will not delete it; if it must go, delete it in the RDS console"
    );
    let refusal = snapshot(&with(ours("s-copy"), key::SNAPSHOT_ID, "s"), delete).unwrap_err();
    assert_eq!(
        refusal.why,
        NotOurs::CopiedTags {
            names: Some("s".to_owned())
        }
    );
    assert_eq!(
        refusal.to_string(),
        "snapshot `s-copy` carries this action's tags, but its tag `rds-snapshot-action:snapshot-id` does not name it (\"s\"), so it is a copy someone else made with the tags copied; this action did not make it and will not delete it"
    );
    assert!(
        snapshot(&without(ours("s"), key::SNAPSHOT_ID), delete)
            .unwrap_err()
            .to_string()
            .contains("does not name it (none)")
    );
    let of_stage = SnapshotClaim::Delete { db: Some("stage") };
    let refusal = snapshot(&ours("s"), of_stage).unwrap_err();
    assert_eq!(
        refusal.why,
        NotOurs::OtherSource {
            of: Some("prod".to_owned())
        }
    );
    assert_eq!(
        refusal.to_string(),
        "snapshot `s` is a snapshot of \"prod\", not of `stage` (input `db-instance-identifier`); nothing was deleted. Check which snapshot you meant"
    );
    // Only RDS's record of the source is compared when deleting.
    let retagged = with(ours("s"), key::SOURCE_DB, "stage");
    assert_eq!(
        snapshot(&retagged, SnapshotClaim::Delete { db: Some("prod") }),
        Ok(())
    );
}

#[test]
fn a_dbs_snapshots_are_ours_of_it_in_record_and_tag() {
    let of = SnapshotClaim::Of { db: "prod" };
    assert_eq!(snapshot(&ours("s"), of), Ok(()));
    assert_eq!(
        why(snapshot(&without(ours("s"), key::MANAGED_BY), of)),
        Some(NotOurs::Unmarked)
    );
    assert_eq!(
        why(snapshot(&with(ours("c"), key::SNAPSHOT_ID, "s"), of)),
        Some(NotOurs::CopiedTags {
            names: Some("s".to_owned())
        })
    );
    assert_eq!(
        why(snapshot(&with(ours("s"), key::SOURCE_DB, "stage"), of)),
        Some(NotOurs::OtherSource {
            of: Some("stage".to_owned())
        })
    );
    let mut moved = ours("s");
    moved.source_db = "stage".to_owned();
    assert_eq!(
        why(snapshot(&moved, of)),
        Some(NotOurs::OtherSource {
            of: Some("stage".to_owned())
        })
    );
}

#[test]
fn a_runs_snapshots_carry_its_run_id() {
    let of_run = SnapshotClaim::OfRun { run: "777" };
    assert_eq!(snapshot(&ours("s"), of_run), Ok(()));
    assert_eq!(
        why(snapshot(&ours("s"), SnapshotClaim::OfRun { run: "778" })),
        Some(NotOurs::OtherRun {
            by: Some("777".to_owned())
        })
    );
    assert_eq!(
        why(snapshot(&with(ours("c"), key::SNAPSHOT_ID, "s"), of_run)),
        Some(NotOurs::CopiedTags {
            names: Some("s".to_owned())
        })
    );
    assert_eq!(
        why(snapshot(&without(ours("s"), key::MANAGED_BY), of_run)),
        Some(NotOurs::Unmarked)
    );
    // `mode: wait` without a run ID looks for an empty one, as before.
    assert!(snapshot(&ours("s"), SnapshotClaim::OfRun { run: "" }).is_err());
    assert_eq!(
        snapshot(
            &with(ours("s"), key::RUN_ID, ""),
            SnapshotClaim::OfRun { run: "" }
        ),
        Ok(())
    );
}

fn db(id: &str, tags: &[(&str, &str)]) -> Db {
    Db::Instance(Instance {
        id: id.to_owned(),
        created: Some(at("2026-11-21T08:00:00Z")),
        tags: tags.iter().map(|(k, v)| tag(k, v)).collect(),
        ..Instance::default()
    })
}

fn restored(run: &str, from: &Snapshot) -> Db {
    let mut tags = vec![
        tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
        tag(key::RUN_ID, run),
    ];
    tags.extend(restored_stamps(from));
    let Db::Instance(mut instance) = db("prod-rollback", &[]) else {
        unreachable!()
    };
    instance.tags = tags;
    Db::Instance(instance)
}

#[test]
fn restored_stamps_name_the_snapshot_exactly() {
    let snapshot = with(ours("rds:prod-2026"), key::DEPLOY_VERSION, "v2");
    assert_eq!(
        restored_stamps(&snapshot),
        [
            tag(key::RESTORED_FROM, "rds-prod-2026"),
            tag(key::RESTORED_FROM_ARN, &snapshot.arn),
            tag(key::RESTORED_FROM_CREATED, "2026-11-20T10:00:00Z"),
            tag(key::SOURCE_DB, "prod"),
            tag(key::DEPLOY_VERSION, "v2"),
        ]
    );
    let mut bare = snap("s", "", &[]);
    bare.created = None;
    assert_eq!(restored_stamps(&bare).len(), 2);
}

#[test]
fn a_restore_adopts_only_this_runs_restore_of_this_snapshot() {
    let from = ours("s");
    let wanted = "snapshot `s`";
    let db = restored("777", &from);
    let exact = TargetClaim::RestoredFrom {
        run: Some("777"),
        snapshot: &from,
    };
    assert_eq!(target(&db, exact, wanted), Ok(()));
    let by_run = TargetClaim::RestoredByRun { run: Some("777") };
    assert_eq!(target(&db, by_run, wanted), Ok(()));

    // The same name made again: another ARN or creation time.
    let mut again = from.clone();
    again.created = Some(at("2026-11-21T00:00:00Z"));
    let claim = TargetClaim::RestoredFrom {
        run: Some("777"),
        snapshot: &again,
    };
    let refusal = target(&db, claim, wanted).unwrap_err();
    assert_eq!(
        refusal.why,
        NotOurs::OtherSource {
            of: Some("s".to_owned())
        }
    );
    assert_eq!(
        refusal.to_string(),
        "target DB instance `prod-rollback` already exists, and it was restored from snapshot \"s\" by run \"777\" on 2026-11-21T08:00:00Z, not snapshot `s` for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that DB instance first if it is no longer needed"
    );

    let other_run = restored("700", &from);
    assert_eq!(
        target(&other_run, by_run, wanted).unwrap_err().why,
        NotOurs::OtherRun {
            by: Some("700".to_owned())
        }
    );
    let no_run = TargetClaim::RestoredByRun { run: None };
    assert!(target(&db, no_run, wanted).is_err());

    let theirs = self::db("prod-rollback", &[("team", "db")]);
    let refusal = target(&theirs, by_run, wanted).unwrap_err();
    assert_eq!(refusal.why, NotOurs::Unmarked);
    // The answer alone, for the probes that build no message, is the same.
    for (db, claim) in [
        (&db, exact),
        (&db, claim),
        (&other_run, by_run),
        (&theirs, by_run),
    ] {
        assert_eq!(
            target_admits(db, claim),
            target(db, claim, wanted).map_err(|refusal| refusal.why)
        );
    }
    assert_eq!(
        refusal.to_string(),
        "target DB instance `prod-rollback` already exists, and it was not created by this action, created 2026-11-21T08:00:00Z, not snapshot `s` for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that DB instance first if it is no longer needed"
    );
    // A point-in-time restore of this run is not a snapshot restore.
    let pitr = self::db(
        "prod-rollback",
        &[
            (key::MANAGED_BY, key::MANAGED_BY_VALUE),
            (key::RUN_ID, "777"),
            (key::SOURCE_DB, "prod"),
            (key::RESTORE_TIME, "latest"),
        ],
    );
    assert_eq!(
        target(&pitr, by_run, wanted).unwrap_err().why,
        NotOurs::OtherSource { of: None }
    );
}

#[test]
fn a_point_in_time_restore_adopts_only_this_runs_restore_of_its_source() {
    let pitr = db(
        "prod-rollback",
        &[
            (key::MANAGED_BY, key::MANAGED_BY_VALUE),
            (key::RUN_ID, "777"),
            (key::SOURCE_DB, "prod"),
            (key::RESTORE_TIME, "latest"),
        ],
    );
    let wanted = "`prod` at time `latest`";
    let claim = |run, source| TargetClaim::PointInTime { run, source };
    assert_eq!(target(&pitr, claim(Some("777"), "prod"), wanted), Ok(()));
    let refusal = target(&pitr, claim(Some("777"), "stage"), wanted).unwrap_err();
    assert_eq!(
        refusal.why,
        NotOurs::OtherSource {
            of: Some("prod".to_owned())
        }
    );
    assert_eq!(
        refusal.to_string(),
        "target DB instance `prod-rollback` already exists, and it was restored from \"prod\" to time \"latest\" by run \"777\" on 2026-11-21T08:00:00Z, not `prod` at time `latest` for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that DB instance first if it is no longer needed"
    );
    assert_eq!(
        target(&pitr, claim(Some("778"), "prod"), wanted)
            .unwrap_err()
            .why,
        NotOurs::OtherRun {
            by: Some("777".to_owned())
        }
    );
    assert!(target(&pitr, claim(None, "prod"), wanted).is_err());
    let odd = db("x", &[(key::MANAGED_BY, key::MANAGED_BY_VALUE)]);
    assert!(foreign_target(&odd, wanted).contains(
        "and it was created by this action for something else, created 2026-11-21T08:00:00Z, not"
    ));
}

fn replaced_db(id: &str, extra: &[(&str, &str)]) -> Db {
    let mut tags = swap_stamps(
        "prod",
        "777",
        "prod-restoring",
        "prod-replaced",
        "2026-11-21T08:00:00Z",
        Role::Original,
    );
    tags.extend(replaced_stamps(at("2026-11-21T09:00:00Z"), "777"));
    let Db::Instance(mut instance) = db(id, &[]) else {
        unreachable!()
    };
    instance.tags = tags;
    for (k, v) in extra {
        instance.tags.retain(|t| t.key != *k);
        instance.tags.push(tag(k, v));
    }
    Db::Instance(instance)
}

#[test]
fn a_replaced_db_is_pruned_only_under_its_own_name_once_the_swap_finished() {
    let db = replaced_db("prod-replaced", &[]);
    assert_eq!(replaced(&db, "prod"), Ok(at("2026-11-21T09:00:00Z")));
    assert_eq!(
        replaced(&replaced_db("PROD-REPLACED", &[]), "prod"),
        Ok(at("2026-11-21T09:00:00Z"))
    );
    assert_eq!(replaced(&db, "stage").unwrap_err().why, NotOurs::Unmarked);
    let restored = replaced_db("prod-replaced", &[(key::SWAP_ROLE, "restored")]);
    assert_eq!(
        replaced(&restored, "prod").unwrap_err().why,
        NotOurs::Unmarked
    );
    // A copy, or a DB renamed since, is not taken.
    assert_eq!(
        replaced(&replaced_db("prod-copy", &[]), "prod")
            .unwrap_err()
            .why,
        NotOurs::OtherSource {
            of: Some("prod-replaced".to_owned())
        }
    );
    let mut unfinished = replaced_db("prod-replaced", &[]);
    if let Db::Instance(instance) = &mut unfinished {
        instance.tags.retain(|t| t.key != key::REPLACED_BY_RUN);
    }
    assert_eq!(
        replaced(&unfinished, "prod").unwrap_err().why,
        NotOurs::Unfinished
    );
    let garbled = replaced_db("prod-replaced", &[(key::REPLACED_AT, "yesterday")]);
    assert_eq!(
        replaced(&garbled, "prod").unwrap_err().why,
        NotOurs::Unfinished
    );
}

#[test]
fn a_swaps_tags_say_each_dbs_role_in_this_run() {
    let db = replaced_db("prod-replaced", &[]);
    assert_eq!(swap_role(db.tags(), "prod", "777"), Some(Role::Original));
    assert_eq!(swap_role(db.tags(), "prod", "778"), None);
    assert_eq!(swap_role(db.tags(), "stage", "777"), None);
    assert!(marked_replaced(db.tags(), "777"));
    assert!(!marked_replaced(db.tags(), "778"));
    let garbled = replaced_db("prod-replaced", &[(key::SWAP_ROLE, "other")]);
    assert_eq!(swap_role(garbled.tags(), "prod", "777"), None);
}

#[test]
fn a_copy_is_adopted_only_if_this_action_copied_it_from_this_source() {
    let source = ours("s");
    let stamped = snap("s-copy", "prod", &[]);
    let (tags, _) = copy_stamps(&[tag("team", "db")], &source, "s-copy");
    let copy_of = |tags: Vec<Tag>| Snapshot {
        tags,
        ..stamped.clone()
    };
    assert_eq!(copy(&copy_of(tags.clone()), &source.arn), Ok(()));
    assert_eq!(
        copy(&copy_of(tags.clone()), "arn:other").unwrap_err().why,
        NotOurs::OtherSource {
            of: Some(source.arn.clone())
        }
    );
    assert_eq!(
        copy(&copy_of(Vec::new()), &source.arn).unwrap_err().why,
        NotOurs::Unmarked
    );
    // The copy names itself and its source, and is listed as the DB's.
    let copy = copy_of(tags);
    assert_eq!(snapshot(&copy, SnapshotClaim::Of { db: "prod" }), Ok(()));
    assert_eq!(copied_from(&copy), (Some(source.arn.as_str()), None));
}

#[test]
fn copy_stamps_claim_a_foreign_source_for_this_action() {
    let source = snap(
        "theirs",
        "prod",
        &[
            ("aws:backup", "x"),
            ("team", "old"),
            (key::SOURCE_DB, "elsewhere"),
            (key::SNAPSHOT_ID, "theirs"),
        ],
    );
    assert_eq!(
        copy_stamps(&[tag("team", "db")], &source, "mine").0,
        [
            tag("team", "db"),
            tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
            tag(key::SOURCE_DB, "prod"),
            tag(key::COPIED_FROM, &source.arn),
            tag(key::SNAPSHOT_ID, "mine"),
        ]
    );
    // A source of ours keeps its source-db tag (and its place).
    let ours = ours("s");
    let (stamped, _) = copy_stamps(&[], &ours, "t");
    assert_eq!(stamped[0], tag(key::MANAGED_BY, key::MANAGED_BY_VALUE));
    assert_eq!(stamped[1], tag(key::SOURCE_DB, "prod"));
}

// Regression: a source snapshot at 50 tags plus `copied-from` made 51,
// and AWS refused the copy.
#[test]
fn copy_stamps_of_a_full_source_stay_within_fifty_dropping_its_last_tags_first() {
    let mut full: Vec<(String, String)> = (0..47)
        .map(|n| (format!("cost-{n}"), "1".to_owned()))
        .collect();
    full.push((key::MANAGED_BY.to_owned(), key::MANAGED_BY_VALUE.to_owned()));
    full.push((key::SOURCE_DB.to_owned(), "prod".to_owned()));
    full.push((key::SNAPSHOT_ID.to_owned(), "s".to_owned()));
    let pairs: Vec<(&str, &str)> = full.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let source = snap("s", "prod", &pairs);
    assert_eq!(source.tags.len(), crate::model::MAX_TAGS);
    let (stamped, left_out) = copy_stamps(&[tag("team", "db")], &source, "s-copy");
    assert_eq!(stamped.len(), crate::model::MAX_TAGS);
    // The user's tag and this action's are all there.
    for key in [
        "team",
        key::MANAGED_BY,
        key::SOURCE_DB,
        key::COPIED_FROM,
        key::SNAPSHOT_ID,
    ] {
        assert!(stamped.iter().any(|t| t.key == key), "{key} was dropped");
    }
    assert_eq!(left_out, ["cost-45", "cost-46"]);
}

#[test]
fn a_running_copy_names_its_source_by_record_tag_or_copied_tags() {
    let mut copy = snap("c", "prod", &[(key::SNAPSHOT_ID, "s")]);
    assert_eq!(copied_from(&copy), (None, Some("s")));
    copy.tags.push(tag(key::COPIED_FROM, "arn:tag"));
    assert_eq!(copied_from(&copy), (Some("arn:tag"), Some("s")));
    copy.copied_from = Some("arn:record".to_owned());
    assert_eq!(copied_from(&copy).0, Some("arn:record"));
    let itself = snap("c", "prod", &[(key::SNAPSHOT_ID, "C")]);
    assert_eq!(copied_from(&itself), (None, None));
}

#[test]
fn a_restore_names_its_snapshot_and_time() {
    let automated = snap("rds:prod-2026", "prod", &[]);
    let tags = restored_stamps(&automated);
    assert_eq!(restored_snapshot_id(&tags), Some("rds:prod-2026"));
    let mut cluster = snap("c", "prod", &[]);
    cluster.arn = "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:c".to_owned();
    assert_eq!(restored_snapshot_id(&restored_stamps(&cluster)), Some("c"));
    let named_only = [tag(key::RESTORED_FROM, "rds-prod-2026")];
    assert_eq!(restored_snapshot_id(&named_only), Some("rds-prod-2026"));
    assert_eq!(restored_snapshot_id(&[]), None);
    let time = at("2026-11-23T02:48:30Z");
    assert_eq!(
        restored_to(&restored_to_stamps(time)),
        Some("2026-11-23T02:48:30Z")
    );
}

#[test]
fn an_undone_swap_takes_off_every_tag_the_swap_put_on_and_the_readers_read_them() {
    let tags = swap_stamps(
        "prod",
        "777",
        "prod-restoring",
        "prod-replaced",
        "2026-11-21T08:00:00Z",
        Role::Original,
    );
    let keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, SWAP_KEYS);
    assert_eq!(swap_replaced(&tags), Some("prod-replaced"));
    assert_eq!(swap_started(&tags), Some("2026-11-21T08:00:00Z"));
    assert_eq!(swap_role(&tags, "prod", "777"), Some(Role::Original));
}

#[test]
fn retarget_names_the_cluster_and_the_snapshot_and_nothing_else() {
    let mut tags = vec![
        tag(key::SOURCE_DB, "member-1"),
        tag(key::SNAPSHOT_ID, "member-1-v1"),
        tag("team", "db"),
    ];
    retarget(&mut tags, "prod", Some("prod-v1"));
    assert_eq!(
        tags,
        vec![
            tag(key::SOURCE_DB, "prod"),
            tag(key::SNAPSHOT_ID, "prod-v1"),
            tag("team", "db"),
        ]
    );
    retarget(&mut tags, "other", None);
    assert_eq!(tags[1], tag(key::SNAPSHOT_ID, "prod-v1"));
}

// ------------------------------------------------- verified provenance

#[test]
fn the_mac_message_binds_the_arn_the_time_and_our_tags_only() {
    let arn = "arn:aws:rds:us-east-1:1:snapshot:prod-v1";
    let created = Some(at("2026-11-22T12:00:00Z"));
    let tags = vec![
        tag(key::SOURCE_DB, "prod"),
        tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
        tag("team", "db"),
    ];
    let message = mac_message(arn, created, &tags);
    assert_eq!(
        message,
        r#"["rds-snapshot-action provenance 1","arn:aws:rds:us-east-1:1:snapshot:prod-v1","2026-11-22T12:00:00Z",[["rds-snapshot-action:managed-by","rds-snapshot-action"],["rds-snapshot-action:source-db","prod"]]]"#
    );
    // The order of the tags, the user's tags and the MAC itself do not count.
    let mut reordered: Vec<Tag> = tags.iter().rev().cloned().collect();
    reordered.push(tag("cost-centre", "42"));
    reordered.push(tag(key::MAC, "bWFj"));
    assert_eq!(mac_message(arn, created, &reordered), message);
    // Another resource, another time, or a tag of ours changed: another message.
    let other_arn = "arn:aws:rds:us-east-1:1:snapshot:hand-made";
    assert_ne!(mac_message(other_arn, created, &tags), message);
    assert_ne!(
        mac_message(arn, Some(at("2026-11-22T12:00:01Z")), &tags),
        message
    );
    assert_ne!(mac_message(arn, None, &tags), message);
    let mut changed = tags.clone();
    changed.push(tag(key::RUN_ID, "9"));
    assert_ne!(mac_message(arn, created, &changed), message);
    // A value cannot pose as a boundary between the parts.
    let sly = vec![tag(key::SOURCE_DB, r#"prod"],["x"#)];
    assert!(mac_message(arn, created, &sly).contains(r#"prod\"],[\"x"#));
}

#[test]
fn sealed_refuses_a_missing_or_invalid_mac_only_when_checked() {
    assert_eq!(sealed("s", "snapshot", Verified::Yes), Ok(()));
    assert_eq!(sealed("s", "snapshot", Verified::NotChecked), Ok(()));
    for fact in [Verified::Missing, Verified::Invalid] {
        let refusal = sealed("hand-made", "snapshot", fact).unwrap_err();
        assert_eq!(refusal.why, NotOurs::Unverified);
        let text = refusal.to_string();
        assert!(
            text.starts_with("snapshot `hand-made` carries this action's tags but "),
            "{text}"
        );
        assert!(text.contains("input `provenance-key`"), "{text}");
        assert!(text.contains("delete it by hand"), "{text}");
    }
    assert!(
        sealed("billing-db", "DB instance", Verified::Missing)
            .unwrap_err()
            .to_string()
            .contains("has no `rds-snapshot-action:mac` tag")
    );
    assert!(
        sealed("billing-db", "DB instance", Verified::Invalid)
            .unwrap_err()
            .to_string()
            .contains("copied from another resource")
    );
}

#[test]
fn a_copy_never_carries_its_source_s_mac() {
    let mut source = ours("s");
    source.tags.push(tag(key::MAC, "c291cmNl"));
    let (tags, _) = copy_stamps(&[], &source, "s-copy");
    assert_eq!(tag_value(&tags, key::MAC), None);
}

/// A drill deletes only its own scratch DB: made by this action, as a
/// drill of this source, by this run; prune only an expired one.
#[test]
fn a_drill_deletes_only_this_runs_drill_of_its_source_and_prune_only_expired_ones() {
    let expires = at("2026-11-22T16:00:00Z");
    let mut tags: Vec<(&str, &str)> = vec![
        (key::MANAGED_BY, key::MANAGED_BY_VALUE),
        (key::RUN_ID, "777"),
    ];
    let stamps = drill_stamps("shop", expires);
    let stamped: Vec<(&str, &str)> = stamps
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    tags.extend(stamped);
    let scratch = db("shop-drill-r777", &tags);
    assert_eq!(drill(&scratch, "shop", Some("777")), Ok(()));
    assert_eq!(drill_of(scratch.tags()), Some("shop"));
    let refused = |db: &Db, of: &str, run: &str| drill(db, of, Some(run)).unwrap_err().why;
    assert!(matches!(
        refused(&scratch, "shop", "778"),
        NotOurs::OtherRun { .. }
    ));
    assert!(matches!(
        refused(&scratch, "billing", "777"),
        NotOurs::OtherSource { .. }
    ));
    // The same name and tags without the ownership tag: not ours.
    let foreign = db("shop-drill-r777", &tags[1..]);
    assert_eq!(refused(&foreign, "shop", "777"), NotOurs::Unmarked);
    assert_eq!(drill_of(foreign.tags()), None);
    // A restore of this run that is not a drill is never deleted as one.
    let rollback = db("shop-drill-r777", &tags[..2]);
    assert!(matches!(
        refused(&rollback, "shop", "777"),
        NotOurs::OtherSource { of: None }
    ));
    // Prune: by expiry, whatever the run.
    assert!(expired_drill(&scratch, "shop", at("2026-11-22T15:59:59Z")).is_err());
    assert_eq!(
        expired_drill(&scratch, "shop", at("2026-11-22T16:00:00Z")),
        Ok(expires)
    );
    assert!(expired_drill(&scratch, "billing", at("2026-11-23T00:00:00Z")).is_err());
    assert!(expired_drill(&foreign, "shop", at("2026-11-23T00:00:00Z")).is_err());
    // Every drill tag forged onto a DB that is not named as a scratch DB.
    let forged = db("billing-db", &tags);
    assert_eq!(
        expired_drill(&forged, "shop", at("2026-11-23T00:00:00Z"))
            .unwrap_err()
            .why,
        NotOurs::Unmarked
    );
}
