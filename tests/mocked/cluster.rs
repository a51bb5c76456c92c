//! Aurora clusters, mocked: what the emulator cannot show for a cluster
//! either. A cluster snapshot's progress to `available`, every terminal
//! cluster state ending a restore's wait at once, and `latest` and prune
//! reading every page of cluster snapshots.

use aws_sdk_rds::operation::create_db_cluster_snapshot::CreateDbClusterSnapshotOutput;
use aws_sdk_rds::operation::create_db_instance::CreateDbInstanceOutput;
use aws_sdk_rds::operation::delete_db_cluster_snapshot::DeleteDbClusterSnapshotOutput;
use aws_sdk_rds::operation::describe_db_cluster_snapshots::DescribeDbClusterSnapshotsOutput;
use aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput;
use aws_sdk_rds::operation::restore_db_cluster_from_snapshot::RestoreDbClusterFromSnapshotOutput;
use aws_sdk_rds::types::{DbCluster, DbClusterSnapshot};

use super::*;

/// A cluster snapshot of `aurora` this action made.
fn cluster_snapshot(
    id: &str,
    status: &str,
    percent: Option<i32>,
    created: i64,
) -> DbClusterSnapshot {
    DbClusterSnapshot::builder()
        .db_cluster_snapshot_identifier(id)
        .db_cluster_snapshot_arn(format!(
            "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:{id}"
        ))
        .db_cluster_identifier("aurora")
        .engine("aurora-postgresql")
        .status(status)
        .set_percent_progress(percent)
        .snapshot_create_time(DateTime::from_secs(created))
        .set_tag_list(Some(owned_tags("aurora", id)))
        .build()
}

/// A cluster snapshot of ours made `days` days before now.
fn owned_cluster_snapshot(id: &str, days: i64) -> DbClusterSnapshot {
    let created = chrono::Utc::now().timestamp() - days * 86_400;
    cluster_snapshot(id, "available", None, created)
}

fn cluster(id: &str, status: &str) -> DbCluster {
    DbCluster::builder()
        .db_cluster_identifier(id)
        .db_cluster_arn(format!("arn:aws:rds:us-east-1:123456789012:cluster:{id}"))
        .engine("aurora-postgresql")
        .status(status)
        .endpoint(format!("{id}.cluster.example"))
        .reader_endpoint(format!("{id}.cluster-ro.example"))
        .port(5432)
        .build()
}

fn clusters_answer(cluster: DbCluster) -> DescribeDbClustersOutput {
    DescribeDbClustersOutput::builder()
        .db_clusters(cluster)
        .build()
}

/// DescribeAccountAttributes with the manual cluster snapshot quota.
fn cluster_quota(used: i64, max: i64) -> Rule {
    mock!(Client::describe_account_attributes).then_output(move || {
        DescribeAccountAttributesOutput::builder()
            .account_quotas(
                AccountQuota::builder()
                    .account_quota_name("ManualClusterSnapshots")
                    .used(used)
                    .max(max)
                    .build(),
            )
            .build()
    })
}

#[tokio::test(start_paused = true)]
async fn a_cluster_snapshot_waits_through_creating_with_progress_to_available() {
    let at = |percent: i32, status: &'static str| {
        move || {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(cluster_snapshot("aurora-v1-r9", status, Some(percent), 0))
                .build()
        }
    };
    let describe = mock!(Client::describe_db_cluster_snapshots)
        .sequence()
        .output(at(10, "creating"))
        .output(at(60, "creating"))
        .output(at(100, "available"))
        .build();
    let source = mock!(Client::describe_db_clusters)
        .then_output(|| clusters_answer(cluster("aurora", "available")));
    let create = mock!(Client::create_db_cluster_snapshot)
        .match_requests(|req| req.db_cluster_identifier() == Some("aurora"))
        .then_output(|| {
            CreateDbClusterSnapshotOutput::builder()
                .db_cluster_snapshot(cluster_snapshot("aurora-v1-r9", "creating", Some(0), 0))
                .build()
        });
    let started = tokio::time::Instant::now();
    let (result, outputs) = execute(
        &[&describe, &source, &create, &cluster_quota(5, 100)],
        RawInputs::default()
            .with("mode", "snapshot")
            .with("db-cluster-identifier", "aurora")
            .with("deploy-version", "v1"),
    )
    .await;
    result.expect("cluster snapshot succeeds");
    assert_eq!(outputs.get("status"), Some("available"));
    assert_eq!(outputs.get("snapshot-identifier"), Some("aurora-v1-r9"));
    assert_eq!(describe.num_calls(), 3);
    assert_eq!(create.num_calls(), 1);
    // Three pauses: half-way to the usual range's start (the create's
    // answer read 0%, so no quick looks), as long again while only one
    // reading is above 0, then one predicted from progress: under the 90 s
    // that three looks 30 s apart (the AWS CLI waiter's delay) take.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
}

fn cluster_restore_step() -> RawInputs {
    RawInputs::default()
        .with("mode", "restore")
        .with("snapshot-identifier", "latest")
        .with("db-cluster-identifier", "aurora")
        .with("target-db-cluster-identifier", "aurora-rollback")
        .with("db-instance-class", "db.r6g.large")
}

/// The source cluster `aurora` is gone and the account has no default DB
/// subnet group: the restore carries nothing and checks no VPC, which
/// keeps these tests about waiting and paging.
fn no_source_cluster_no_network() -> (Rule, Rule) {
    let source = mock!(Client::describe_db_clusters)
        .match_requests(|req| req.db_cluster_identifier() == Some("aurora"))
        .then_http_response(|| aws_error(404, "DBClusterNotFoundFault"));
    let network = mock!(Client::describe_db_subnet_groups)
        .then_http_response(|| aws_error(404, "DBSubnetGroupNotFoundFault"));
    (source, network)
}

fn restore_cluster_ok() -> Rule {
    mock!(Client::restore_db_cluster_from_snapshot).then_output(|| {
        RestoreDbClusterFromSnapshotOutput::builder()
            .db_cluster(cluster("aurora-rollback", "creating"))
            .build()
    })
}

#[tokio::test(start_paused = true)]
async fn every_terminal_cluster_state_fails_the_restore_at_once() {
    // The Aurora user guide's states from which a cluster never becomes
    // available by itself, written out here rather than taken from the
    // code, so that dropping one there makes this test fail.
    let states = [
        "cloning-failed",
        "inaccessible-encryption-credentials",
        "inaccessible-encryption-credentials-recoverable",
        "migration-failed",
        "stopped",
        "stopping",
    ];
    for state in states {
        let snapshots = mock!(Client::describe_db_cluster_snapshots).then_output(|| {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(cluster_snapshot("aurora-a", "available", None, 10))
                .build()
        });
        let target = mock!(Client::describe_db_clusters)
            .match_requests(|req| req.db_cluster_identifier() == Some("aurora-rollback"))
            .sequence()
            .http_response(|| aws_error(404, "DBClusterNotFoundFault"))
            .output(|| clusters_answer(cluster("aurora-rollback", "creating")))
            .output(move || clusters_answer(cluster("aurora-rollback", state)))
            .build();
        let restore = restore_cluster_ok();
        let (source, network) = no_source_cluster_no_network();
        let started = tokio::time::Instant::now();
        let (result, _) = execute(
            &[&snapshots, &target, &source, &network, &restore],
            cluster_restore_step(),
        )
        .await;
        let error = format!("{:#}", result.expect_err(state));
        assert!(
            error.contains(&format!("it is in state `{state}`")),
            "{error}"
        );
        assert!(error.contains("aurora-rollback"), "{error}");
        assert_eq!(restore.num_calls(), 1, "{state}");
        assert_eq!(target.num_calls(), 3, "{state}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{state}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn latest_cluster_snapshot_is_found_past_the_first_page() {
    let first = mock!(Client::describe_db_cluster_snapshots)
        .match_requests(|req| req.marker().is_none())
        .then_output(|| {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(cluster_snapshot("aurora-old", "available", None, 100))
                .db_cluster_snapshots(cluster_snapshot("aurora-older", "available", None, 50))
                .marker("page-2")
                .build()
        });
    let second = mock!(Client::describe_db_cluster_snapshots)
        .match_requests(|req| req.marker() == Some("page-2"))
        .then_output(|| {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(cluster_snapshot("aurora-newest", "available", None, 300))
                .db_cluster_snapshots(cluster_snapshot(
                    "aurora-newer-but-creating",
                    "creating",
                    Some(50),
                    400,
                ))
                .build()
        });
    let target = mock!(Client::describe_db_clusters)
        .match_requests(|req| req.db_cluster_identifier() == Some("aurora-rollback"))
        .sequence()
        .http_response(|| aws_error(404, "DBClusterNotFoundFault"))
        .output(|| clusters_answer(cluster("aurora-rollback", "available")))
        .repeatedly()
        .build();
    let (source, network) = no_source_cluster_no_network();
    let restore = mock!(Client::restore_db_cluster_from_snapshot)
        .match_requests(|req| req.snapshot_identifier() == Some("aurora-newest"))
        .then_output(|| {
            RestoreDbClusterFromSnapshotOutput::builder()
                .db_cluster(cluster("aurora-rollback", "creating"))
                .build()
        });
    // Once the cluster is available, its writer is made and waited for.
    let writer = mock!(Client::create_db_instance)
        .match_requests(|req| req.db_cluster_identifier() == Some("aurora-rollback"))
        .then_output(|| {
            CreateDbInstanceOutput::builder()
                .db_instance(instance("aurora-rollback-instance-1", "creating"))
                .build()
        });
    let members = mock!(Client::describe_db_instances)
        .match_requests(|req| req.db_instance_identifier() != Some("aurora"))
        .sequence()
        .output(|| DescribeDbInstancesOutput::builder().build())
        .output(|| {
            let mut writer = instance("aurora-rollback-instance-1", "available");
            writer.db_cluster_identifier = Some("aurora-rollback".into());
            DescribeDbInstancesOutput::builder()
                .db_instances(writer)
                .build()
        })
        .repeatedly()
        .build();
    let (result, outputs) = execute(
        &[
            &first, &second, &target, &source, &network, &restore, &writer, &members,
        ],
        cluster_restore_step(),
    )
    .await;
    result.expect("cluster restore succeeds");
    assert_eq!(outputs.get("snapshot-identifier"), Some("aurora-newest"));
    assert_eq!(
        outputs.get("endpoint"),
        Some("aurora-rollback.cluster.example")
    );
    assert_eq!(
        (first.num_calls(), second.num_calls(), restore.num_calls()),
        (1, 1, 1)
    );
    assert_eq!(writer.num_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn cluster_prune_sees_every_page_and_keeps_the_newest() {
    let first = mock!(Client::describe_db_cluster_snapshots)
        .match_requests(|req| req.marker().is_none())
        .then_output(|| {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(owned_cluster_snapshot("aurora-d3", 3))
                .db_cluster_snapshots(owned_cluster_snapshot("aurora-d40", 40))
                .marker("page-2")
                .build()
        });
    let second = mock!(Client::describe_db_cluster_snapshots)
        .match_requests(|req| req.marker() == Some("page-2"))
        .then_output(|| {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(owned_cluster_snapshot("aurora-d1", 1))
                .db_cluster_snapshots(owned_cluster_snapshot("aurora-d60", 60))
                .build()
        });
    let source = mock!(Client::describe_db_clusters)
        .then_output(|| clusters_answer(cluster("aurora", "available")));
    let delete = mock!(Client::delete_db_cluster_snapshot)
        .match_requests(|req| {
            matches!(
                req.db_cluster_snapshot_identifier(),
                Some("aurora-d40" | "aurora-d60")
            )
        })
        .then_output(|| DeleteDbClusterSnapshotOutput::builder().build());
    let raw = RawInputs::default()
        .with("mode", "prune")
        .with("db-cluster-identifier", "aurora")
        .with("keep-last", "2");
    let (result, outputs) = execute(&[&first, &second, &source, &delete], raw).await;
    result.expect("cluster prune succeeds");
    assert_eq!(
        outputs.get("deleted"),
        Some(r#"["aurora-d40","aurora-d60"]"#)
    );
    assert_eq!(delete.num_calls(), 2);
}
