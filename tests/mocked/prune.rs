//! Prune, mocked: what it must never delete while a copy is running, a
//! prune before a snapshot, which checks the source first, and the wait
//! after it turns deletion protection off.

use super::*;

fn delete_ok() -> aws_sdk_rds::operation::delete_db_snapshot::DeleteDbSnapshotOutput {
    aws_sdk_rds::operation::delete_db_snapshot::DeleteDbSnapshotOutput::builder().build()
}

/// `prod`'s snapshots as the prune listing sees them: two old ones of ours,
/// a newer one, and whatever `extra` adds (copies in flight).
fn listing(extra: Vec<DbSnapshot>) -> Rule {
    mock!(Client::describe_db_snapshots)
        .match_requests(|req| req.db_snapshot_identifier().is_none())
        .then_output(move || {
            DescribeDbSnapshotsOutput::builder()
                .set_db_snapshots(Some(
                    [
                        vec![
                            owned_snapshot("prod-d1", 1),
                            owned_snapshot("prod-d40", 40),
                            owned_snapshot("prod-d60", 60),
                        ],
                        extra.clone(),
                    ]
                    .concat(),
                ))
                .build()
        })
}

/// A copy of `source` in flight, as RDS lists it among `prod`'s snapshots.
fn running_copy(id: &str, tags: Vec<Tag>) -> DbSnapshot {
    let mut copy = snapshot(id, "copying", Some(40), chrono::Utc::now().timestamp());
    copy.tag_list = Some(tags);
    copy
}

fn prune_step() -> RawInputs {
    RawInputs::default()
        .with("mode", "prune")
        .with("db-instance-identifier", "prod")
        .with("keep-last", "1")
}

#[tokio::test(start_paused = true)]
async fn prune_never_deletes_the_source_of_a_copy_still_running() {
    // DeleteDBSnapshot on a copy's source cancels the copy (API_DeleteDBSnapshot).
    // Our copy names its source in `copied-from`; someone else's CopyTags
    // copy carries its source's `snapshot-id` tag.
    let ours = running_copy(
        "prod-d40-dr",
        vec![
            Tag::builder()
                .key("rds-snapshot-action:copied-from")
                .value("arn:aws:rds:us-east-1:123456789012:snapshot:prod-d40")
                .build(),
            Tag::builder()
                .key("rds-snapshot-action:snapshot-id")
                .value("prod-d40-dr")
                .build(),
        ],
    );
    let theirs = running_copy("compliance-d60", owned_tags("prod", "prod-d60"));
    let list = listing(vec![ours, theirs]);
    let delete = mock!(Client::delete_db_snapshot).then_output(delete_ok);
    let (result, report) = execute_report(&[&list, &delete], prune_step()).await;
    result.expect("prune succeeds");
    assert_eq!(delete.num_calls(), 0);
    assert_eq!(report.outputs.get("deleted"), Some("[]"));
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("`prod-d40` was kept"),
        "{:?}",
        report.warnings
    );
    assert!(
        report.warnings[0].contains("`prod-d40-dr`"),
        "{:?}",
        report.warnings
    );
    assert!(
        report.warnings[1].contains("`compliance-d60`"),
        "{:?}",
        report.warnings
    );
}

#[tokio::test(start_paused = true)]
async fn prune_holds_everything_while_a_copy_of_unknown_source_runs() {
    // A same-region copy made outside the action without tags: RDS records
    // no source for it (SourceDBSnapshotIdentifier is only set for
    // cross-Region and cross-account copies), so it may read any of them.
    let list = listing(vec![running_copy("hand-copy", Vec::new())]);
    let delete = mock!(Client::delete_db_snapshot).then_output(delete_ok);
    let (result, report) = execute_report(&[&list, &delete], prune_step()).await;
    result.expect("prune succeeds");
    assert_eq!(delete.num_calls(), 0);
    assert!(
        report.warnings.iter().all(|w| w.contains("`hand-copy`")),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.warnings.len(), 2);
}

fn snapshot_with_prune() -> RawInputs {
    snapshot_step().with("prune-keep-last", "1")
}

#[tokio::test(start_paused = true)]
async fn prune_before_a_snapshot_checks_the_source_first() {
    // Regression: a typo in `db-instance-identifier` (or a stopped source)
    // pruned the old snapshots, then failed to take the new one.
    for source in [
        mock!(Client::describe_db_instances)
            .then_http_response(|| aws_error(404, "DBInstanceNotFound")),
        mock!(Client::describe_db_instances).then_output(|| {
            DescribeDbInstancesOutput::builder()
                .db_instances(instance("prod", "stopped"))
                .build()
        }),
    ] {
        let missing = mock!(Client::describe_db_snapshots)
            .match_requests(|req| req.db_snapshot_identifier().is_some())
            .then_http_response(|| aws_error(404, "DBSnapshotNotFound"));
        let list = listing(Vec::new());
        let delete = mock!(Client::delete_db_snapshot).then_output(delete_ok);
        let (result, _) = execute(
            &[&missing, &list, &source, &delete, &quota(5, 100)],
            snapshot_with_prune(),
        )
        .await;
        let error = format!("{:#}", result.expect_err("no source"));
        assert!(error.contains("`prod`"), "{error}");
        assert_eq!((list.num_calls(), delete.num_calls()), (0, 0), "{error}");
    }
}

#[tokio::test(start_paused = true)]
async fn prune_errors_before_a_snapshot_warn_unless_the_quota_needs_the_space() {
    let id = "prod-v1-r9";
    for (used, fails) in [(5, false), (100, true)] {
        let lookups = mock!(Client::describe_db_snapshots)
            .match_requests(|req| req.db_snapshot_identifier().is_some())
            .sequence()
            .http_response(|| aws_error(404, "DBSnapshotNotFound"))
            .output(move || snapshots_answer(snapshot(id, "available", None, 0)))
            .build();
        let list = listing(Vec::new());
        let delete = mock!(Client::delete_db_snapshot)
            .then_http_response(|| aws_error(400, "InvalidDBSnapshotState"));
        let create = mock!(Client::create_db_snapshot).then_output(move || {
            CreateDbSnapshotOutput::builder()
                .db_snapshot(snapshot(id, "creating", None, 0))
                .build()
        });
        let (result, report) = execute_report(
            &[
                &lookups,
                &list,
                &source_available(),
                &delete,
                &create,
                &quota(used, 100),
            ],
            snapshot_with_prune(),
        )
        .await;
        assert_eq!(delete.num_calls(), 2);
        if fails {
            let error = format!("{:#}", result.expect_err("quota full"));
            assert!(error.contains("pruning first did not free room"), "{error}");
            assert!(error.contains("`prod-d40`"), "{error}");
            assert_eq!(create.num_calls(), 0);
        } else {
            result.expect("the snapshot is taken anyway");
            assert_eq!(create.num_calls(), 1);
            assert!(
                report
                    .warnings
                    .iter()
                    .any(|w| w.contains("pruning before the snapshot did not finish")
                        && w.contains("`prod-d60`")),
                "{:?}",
                report.warnings
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_copy_refused_for_quota_says_copies_in_flight_may_be_why() {
    let source = mock!(Client::describe_db_snapshots)
        .match_requests(|req| req.db_snapshot_identifier() == Some("prod-v1"))
        .then_output(|| snapshots_answer(snapshot("prod-v1", "available", None, 0)));
    let target = mock!(Client::describe_db_snapshots)
        .match_requests(|req| req.db_snapshot_identifier() == Some("prod-v1-keep"))
        .then_http_response(|| aws_error(404, "DBSnapshotNotFound"));
    let copy = mock!(Client::copy_db_snapshot)
        .then_http_response(|| aws_error(400, "SnapshotQuotaExceeded"));
    let raw = RawInputs::default()
        .with("mode", "copy")
        .with("snapshot-identifier", "prod-v1")
        .with("target-snapshot-identifier", "prod-v1-keep");
    let (result, _) = execute(&[&source, &target, &copy], raw).await;
    let error = format!("{:#}", result.expect_err("quota"));
    assert!(error.contains("20 snapshot copies"), "{error}");
    assert!(
        error.contains("re-run this step when some have finished"),
        "{error}"
    );
    assert!(error.contains("mode: prune"), "{error}");
}

// Regression: after turning a replaced DB's deletion protection off,
// `prune` waited on a restore's schedule for a fixed 30 minutes, whatever
// `wait-timeout` said. It waits as for a modify, within `wait-timeout`.
#[tokio::test(start_paused = true)]
async fn prune_waits_for_unprotect_within_wait_timeout_not_a_fixed_30_minutes() {
    use aws_sdk_rds::operation::modify_db_instance::ModifyDbInstanceOutput;

    let replaced = "prod-replaced-20260101t000000z";
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
    let old = move |status: &str| {
        DbInstance::builder()
            .db_instance_identifier(replaced)
            .db_instance_arn(format!("arn:aws:rds:us-east-1:123456789012:db:{replaced}"))
            .db_instance_status(status)
            .deletion_protection(true)
            .set_tag_list(Some(vec![
                tag("rds-snapshot-action:managed-by", "rds-snapshot-action"),
                tag("rds-snapshot-action:swap-of", "prod"),
                tag("rds-snapshot-action:swap-role", "original"),
                tag("rds-snapshot-action:swap-replaced", replaced),
                tag("rds-snapshot-action:replaced-at", "2026-01-01T00:00:00Z"),
                tag("rds-snapshot-action:replaced-by-run", "7"),
            ]))
            .build()
    };
    let listed = mock!(Client::describe_db_instances)
        .match_requests(|req| req.db_instance_identifier().is_none())
        .then_output(move || {
            DescribeDbInstancesOutput::builder()
                .db_instances(instance("prod", "available"))
                .db_instances(old("available"))
                .build()
        });
    // The modify never ends: only the timeout stops the wait.
    let looked = mock!(Client::describe_db_instances)
        .match_requests(move |req| req.db_instance_identifier() == Some(replaced))
        .then_output(move || {
            DescribeDbInstancesOutput::builder()
                .db_instances(old("modifying"))
                .build()
        });
    let modify = mock!(Client::modify_db_instance).then_output(move || {
        ModifyDbInstanceOutput::builder()
            .db_instance(old("modifying"))
            .build()
    });
    let started = tokio::time::Instant::now();
    let (result, _) = execute(
        &[&listed, &looked, &modify],
        RawInputs::default()
            .with("mode", "prune")
            .with("db-instance-identifier", "prod")
            .with("replaced-older-than", "1s")
            .with("wait-timeout", "7m"),
    )
    .await;
    let error = format!("{:#}", result.expect_err("the wait times out"));
    assert!(error.contains("timed out after 7m"), "{error}");
    assert!(error.contains(replaced), "{error}");
    assert_eq!(modify.num_calls(), 1);
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(7 * 60)
            && waited < std::time::Duration::from_secs(8 * 60),
        "{waited:?}"
    );
    // A modify's schedule looks often from its first minute on; a
    // restore's looks only every minute until its tenth.
    assert!(looked.num_calls() >= 14, "{}", looked.num_calls());
}
