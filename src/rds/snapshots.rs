//! Manual snapshots of DB instances and of Aurora clusters: describe, list,
//! create, copy, share, delete, and the account's snapshot quota.

use aws_sdk_rds::types;

use serde_json::json;

use super::convert::{cluster_snapshot, sdk_tags, snapshot};
use super::error::{ForOp, found};
use super::plan::tags_json;
use super::{Rds, RdsError, Snapshot};
use crate::model::{Kind, Tag};

impl Rds {
    /// The most values this action puts in one filter of a describe call.
    /// AWS documents no limit for the snapshot ID filters; the calls are
    /// split at this many, so 50 DBs still take one call a round.
    pub const FILTER_VALUES: usize = 100;

    /// The DB snapshot, or `None` if there is none by that name. An ARN may
    /// name a snapshot shared from another account.
    pub async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, RdsError> {
        let result = self
            .client
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .set_include_shared(id.starts_with("arn:").then_some(true))
            .send()
            .await
            .for_op("DescribeDBSnapshots");
        let found = found(result)?.and_then(|output| output.db_snapshots().first().map(snapshot));
        self.seen_own(id, found.as_ref());
        Ok(found)
    }

    /// The DB snapshot, or [`RdsError::NotFound`].
    pub async fn existing_snapshot(&self, id: &str) -> Result<Snapshot, RdsError> {
        self.snapshot(id)
            .await?
            .ok_or_else(|| self.not_found("DB snapshot", id))
    }

    /// The DB snapshots with these IDs (a `db-snapshot-id` filter), across
    /// all result pages.
    pub async fn snapshots_with_ids(&self, ids: &[String]) -> Result<Vec<Snapshot>, RdsError> {
        let mut snapshots = Vec::new();
        for chunk in ids.chunks(Self::FILTER_VALUES) {
            let found = self
                .client
                .describe_db_snapshots()
                .filters(
                    types::Filter::builder()
                        .name("db-snapshot-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .for_op("DescribeDBSnapshots")?;
            snapshots.extend(found.iter().map(snapshot));
        }
        Ok(snapshots)
    }

    /// Every manual DB snapshot in the region, across all result pages.
    pub async fn all_manual_snapshots(&self) -> Result<Vec<Snapshot>, RdsError> {
        self.manual_snapshots(None).await
    }

    /// Every manual snapshot of a DB instance, across all result pages.
    pub async fn snapshots_of(&self, db: &str) -> Result<Vec<Snapshot>, RdsError> {
        self.manual_snapshots(Some(db)).await
    }

    /// Manual snapshots of one DB instance, or of all, across all pages.
    async fn manual_snapshots(&self, db: Option<&str>) -> Result<Vec<Snapshot>, RdsError> {
        let all = self
            .client
            .describe_db_snapshots()
            .set_db_instance_identifier(db.map(str::to_owned))
            .snapshot_type("manual")
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .for_op("DescribeDBSnapshots")?;
        Ok(all.iter().map(snapshot).collect())
    }

    pub async fn create_snapshot(
        &self,
        db: &str,
        id: &str,
        tags: &[Tag],
    ) -> Result<Snapshot, RdsError> {
        if self.plans(
            "CreateDBSnapshot",
            id,
            json!({"DBInstanceIdentifier": db, "DBSnapshotIdentifier": id, "Tags": tags_json(tags)}),
        ) {
            return Ok(self.planned_snapshot(Kind::Instance, id, db, "creating", tags));
        }
        let output = self
            .client
            .create_db_snapshot()
            .db_instance_identifier(db)
            .db_snapshot_identifier(id)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .for_op("CreateDBSnapshot")?;
        output
            .db_snapshot()
            .map(snapshot)
            .ok_or_else(|| self.not_found("DB snapshot", id))
    }

    /// Deletes a snapshot; `None` if it was already gone.
    pub async fn delete_snapshot(&self, id: &str) -> Result<Option<Snapshot>, RdsError> {
        if self.plans("DeleteDBSnapshot", id, json!({"DBSnapshotIdentifier": id})) {
            return Ok(Some(self.planned_snapshot(
                Kind::Instance,
                id,
                "",
                "deleted",
                &[],
            )));
        }
        let result = self
            .client
            .delete_db_snapshot()
            .db_snapshot_identifier(id)
            .send()
            .await
            .for_op("DeleteDBSnapshot");
        Ok(found(result)?.and_then(|output| output.db_snapshot().map(snapshot)))
    }

    /// Copies a snapshot into this client's region. `source` is an ID in
    /// this region, or an ARN (another region, or shared from another
    /// account).
    pub async fn copy_snapshot(
        &self,
        source: &str,
        target_id: &str,
        kms_key_id: Option<&str>,
        tags: &[Tag],
    ) -> Result<Snapshot, RdsError> {
        if self.plans(
            "CopyDBSnapshot",
            target_id,
            json!({
                "SourceDBSnapshotIdentifier": source,
                "TargetDBSnapshotIdentifier": target_id,
                "KmsKeyId": kms_key_id,
                "Tags": tags_json(tags),
            }),
        ) {
            return Ok(self.planned_snapshot(Kind::Instance, target_id, "", "pending", tags));
        }
        let output = self
            .client
            .copy_db_snapshot()
            .source_db_snapshot_identifier(source)
            .target_db_snapshot_identifier(target_id)
            .set_kms_key_id(kms_key_id.map(str::to_owned))
            // The tags are given whole (the source's and ours): RDS does not
            // merge CopyTags with explicit tags.
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .for_op("CopyDBSnapshot")?;
        output
            .db_snapshot()
            .map(snapshot)
            .ok_or_else(|| self.not_found("DB snapshot", target_id))
    }

    /// Lets other accounts restore or copy a snapshot.
    pub async fn share_snapshot(&self, id: &str, accounts: &[String]) -> Result<(), RdsError> {
        if self.plans(
            "ModifyDBSnapshotAttribute",
            id,
            json!({"DBSnapshotIdentifier": id, "AttributeName": "restore", "ValuesToAdd": accounts}),
        ) {
            return Ok(());
        }
        self.client
            .modify_db_snapshot_attribute()
            .db_snapshot_identifier(id)
            .attribute_name("restore")
            .set_values_to_add(Some(accounts.to_vec()))
            .send()
            .await
            .for_op("ModifyDBSnapshotAttribute")?;
        Ok(())
    }

    /// The manual DB snapshot quota as `(used, max)`, from
    /// DescribeAccountAttributes. It is advice, not a precondition, so a
    /// failure is tried only twice and returned for the caller to fall back.
    pub async fn manual_snapshot_quota(&self, kind: Kind) -> Result<Option<(i64, i64)>, RdsError> {
        let output = self
            .client
            .describe_account_attributes()
            .customize()
            .config_override(
                aws_sdk_rds::config::Config::builder()
                    .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2)),
            )
            .send()
            .await
            .for_op("DescribeAccountAttributes")?;
        Ok(output
            .account_quotas()
            .iter()
            .find(|quota| quota.account_quota_name() == Some(kind.quota_name()))
            .and_then(|quota| Some((quota.used()?, quota.max()?))))
    }

    /// The DB cluster snapshot, or `None`.
    pub async fn cluster_snapshot(&self, id: &str) -> Result<Option<Snapshot>, RdsError> {
        let result = self
            .client
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(id)
            .set_include_shared(id.starts_with("arn:").then_some(true))
            .send()
            .await
            .for_op("DescribeDBClusterSnapshots");
        let found = found(result)?
            .and_then(|output| output.db_cluster_snapshots().first().map(cluster_snapshot));
        self.seen_own(id, found.as_ref());
        Ok(found)
    }

    /// Notes the account of a snapshot read by its name, which is this
    /// account's: one read by ARN may be another's, shared.
    fn seen_own(&self, id: &str, found: Option<&Snapshot>) {
        if let Some(found) = found.filter(|_| !id.starts_with("arn:")) {
            self.seen_arn(&found.arn);
        }
    }

    /// The DB cluster snapshots with these IDs (a `db-cluster-snapshot-id`
    /// filter), across all result pages.
    pub async fn cluster_snapshots_with_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<Snapshot>, RdsError> {
        let mut snapshots = Vec::new();
        for chunk in ids.chunks(Self::FILTER_VALUES) {
            let found = self
                .client
                .describe_db_cluster_snapshots()
                .filters(
                    types::Filter::builder()
                        .name("db-cluster-snapshot-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .for_op("DescribeDBClusterSnapshots")?;
            snapshots.extend(found.iter().map(cluster_snapshot));
        }
        Ok(snapshots)
    }

    /// Every manual DB cluster snapshot in the region.
    pub async fn all_manual_cluster_snapshots(&self) -> Result<Vec<Snapshot>, RdsError> {
        self.manual_cluster_snapshots(None).await
    }

    /// Every manual snapshot of a DB cluster, across all result pages.
    pub async fn cluster_snapshots_of(&self, db: &str) -> Result<Vec<Snapshot>, RdsError> {
        self.manual_cluster_snapshots(Some(db)).await
    }

    /// Manual snapshots of one DB cluster, or of all, across all pages.
    async fn manual_cluster_snapshots(&self, db: Option<&str>) -> Result<Vec<Snapshot>, RdsError> {
        let all = self
            .client
            .describe_db_cluster_snapshots()
            .set_db_cluster_identifier(db.map(str::to_owned))
            .snapshot_type("manual")
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .for_op("DescribeDBClusterSnapshots")?;
        Ok(all.iter().map(cluster_snapshot).collect())
    }

    pub async fn create_cluster_snapshot(
        &self,
        db: &str,
        id: &str,
        tags: &[Tag],
    ) -> Result<Snapshot, RdsError> {
        if self.plans(
            "CreateDBClusterSnapshot",
            id,
            json!({"DBClusterIdentifier": db, "DBClusterSnapshotIdentifier": id, "Tags": tags_json(tags)}),
        ) {
            return Ok(self.planned_snapshot(Kind::Cluster, id, db, "creating", tags));
        }
        let output = self
            .client
            .create_db_cluster_snapshot()
            .db_cluster_identifier(db)
            .db_cluster_snapshot_identifier(id)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .for_op("CreateDBClusterSnapshot")?;
        output
            .db_cluster_snapshot()
            .map(cluster_snapshot)
            .ok_or_else(|| self.not_found("DB cluster snapshot", id))
    }

    /// Deletes a cluster snapshot; `None` if it was already gone.
    pub async fn delete_cluster_snapshot(&self, id: &str) -> Result<Option<Snapshot>, RdsError> {
        if self.plans(
            "DeleteDBClusterSnapshot",
            id,
            json!({"DBClusterSnapshotIdentifier": id}),
        ) {
            return Ok(Some(self.planned_snapshot(
                Kind::Cluster,
                id,
                "",
                "deleted",
                &[],
            )));
        }
        let result = self
            .client
            .delete_db_cluster_snapshot()
            .db_cluster_snapshot_identifier(id)
            .send()
            .await
            .for_op("DeleteDBClusterSnapshot");
        Ok(found(result)?.and_then(|output| output.db_cluster_snapshot().map(cluster_snapshot)))
    }

    /// Copies a cluster snapshot into this client's region (see
    /// [`Rds::copy_snapshot`]).
    pub async fn copy_cluster_snapshot(
        &self,
        source: &str,
        target_id: &str,
        kms_key_id: Option<&str>,
        tags: &[Tag],
    ) -> Result<Snapshot, RdsError> {
        if self.plans(
            "CopyDBClusterSnapshot",
            target_id,
            json!({
                "SourceDBClusterSnapshotIdentifier": source,
                "TargetDBClusterSnapshotIdentifier": target_id,
                "KmsKeyId": kms_key_id,
                "Tags": tags_json(tags),
            }),
        ) {
            return Ok(self.planned_snapshot(Kind::Cluster, target_id, "", "copying", tags));
        }
        let output = self
            .client
            .copy_db_cluster_snapshot()
            .source_db_cluster_snapshot_identifier(source)
            .target_db_cluster_snapshot_identifier(target_id)
            .set_kms_key_id(kms_key_id.map(str::to_owned))
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .for_op("CopyDBClusterSnapshot")?;
        output
            .db_cluster_snapshot()
            .map(cluster_snapshot)
            .ok_or_else(|| self.not_found("DB cluster snapshot", target_id))
    }

    /// Lets other accounts restore or copy a cluster snapshot.
    pub async fn share_cluster_snapshot(
        &self,
        id: &str,
        accounts: &[String],
    ) -> Result<(), RdsError> {
        if self.plans(
            "ModifyDBClusterSnapshotAttribute",
            id,
            json!({"DBClusterSnapshotIdentifier": id, "AttributeName": "restore", "ValuesToAdd": accounts}),
        ) {
            return Ok(());
        }
        self.client
            .modify_db_cluster_snapshot_attribute()
            .db_cluster_snapshot_identifier(id)
            .attribute_name("restore")
            .set_values_to_add(Some(accounts.to_vec()))
            .send()
            .await
            .for_op("ModifyDBClusterSnapshotAttribute")?;
        Ok(())
    }
}
