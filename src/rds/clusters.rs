//! Aurora DB clusters: describe, restore (from a snapshot, to a point in
//! time, or as a clone), their DB instances, modify, rename, deletion
//! protection, delete, cluster parameter groups, and Backtrack.

use aws_sdk_rds::types;
use chrono::{DateTime, Utc};

use serde_json::json;

use super::convert::{aws_time, backtrack, cluster, instance, sdk_tags, started_backtrack};
use super::error::{ForOp, found};
use super::plan::{modify_json, new_db_json, time_json};
use super::setters;
use super::{Backtrack, Cluster, Instance, NewDb, Rds, RdsError};
use crate::model::{Kind, RestoreTime};
use crate::settings::Settings;

impl Rds {
    /// The DB cluster, or `None` if there is none by that name.
    pub async fn cluster(&self, id: &str) -> Result<Option<Cluster>, RdsError> {
        if let Some(planned) = self.planned_cluster_state(id) {
            return Ok(planned);
        }
        let result = self
            .client
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .for_op("DescribeDBClusters");
        let found = found(result)?.and_then(|output| output.db_clusters().first().map(cluster));
        if let Some(found) = &found {
            self.seen_arn(&found.arn);
        }
        Ok(found)
    }

    /// The DB clusters with these IDs, across all result pages: one
    /// DescribeDBClusters with a `db-cluster-id` filter ("Accepts DB
    /// cluster identifiers and DB cluster ARNs", API_DescribeDBClusters),
    /// in filters of at most [`Rds::FILTER_VALUES`] values.
    pub async fn clusters_with_ids(&self, ids: &[String]) -> Result<Vec<Cluster>, RdsError> {
        let mut clusters = Vec::new();
        for chunk in ids.chunks(Self::FILTER_VALUES) {
            let found = self
                .client
                .describe_db_clusters()
                .filters(
                    types::Filter::builder()
                        .name("db-cluster-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .for_op("DescribeDBClusters")?;
            clusters.extend(found.iter().map(cluster));
        }
        Ok(clusters)
    }

    /// Every DB cluster in the region, across all result pages.
    pub async fn all_clusters(&self) -> Result<Vec<Cluster>, RdsError> {
        let all = self
            .client
            .describe_db_clusters()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .for_op("DescribeDBClusters")?;
        Ok(self.planned_clusters(all.iter().map(cluster).collect()))
    }

    /// The DB instances of a cluster, in one call (a `db-cluster-id` filter).
    pub async fn cluster_instances(&self, cluster: &str) -> Result<Vec<Instance>, RdsError> {
        if let Some(planned) = self.planned_members(cluster) {
            return Ok(planned);
        }
        let all = self
            .client
            .describe_db_instances()
            .filters(
                types::Filter::builder()
                    .name("db-cluster-id")
                    .values(cluster)
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .for_op("DescribeDBInstances")?;
        Ok(all.iter().map(instance).collect())
    }

    /// RestoreDBClusterFromSnapshot: the cluster only. AWS creates no DB
    /// instance; they are added with [`Rds::create_cluster_instance`]
    /// (API_RestoreDBClusterFromSnapshot).
    pub async fn restore_cluster_from_snapshot(
        &self,
        snapshot_id: &str,
        engine: &str,
        new: &NewDb<'_>,
    ) -> Result<Cluster, RdsError> {
        if self.plans(
            "RestoreDBClusterFromSnapshot",
            new.id,
            new_db_json(
                json!({
                    "SnapshotIdentifier": snapshot_id,
                    "Engine": engine,
                    "DBClusterIdentifier": new.id,
                }),
                new,
            ),
        ) {
            return Ok(self.planned_new_cluster(new, engine));
        }
        let request = self
            .client
            .restore_db_cluster_from_snapshot()
            .snapshot_identifier(snapshot_id)
            .engine(engine)
            .db_cluster_identifier(new.id)
            .set_tags(Some(sdk_tags(new.tags)));
        let output = setters::apply(request, new.settings)
            .send()
            .await
            .for_op("RestoreDBClusterFromSnapshot")?;
        output
            .db_cluster()
            .map(cluster)
            .ok_or_else(|| self.not_found("DB cluster", new.id))
    }

    /// RestoreDBClusterToPointInTime, as a full copy or, with `clone`, as a
    /// copy-on-write clone. Like a snapshot restore it makes no instance.
    pub async fn restore_cluster_to_time(
        &self,
        source: &str,
        time: RestoreTime,
        clone: bool,
        new: &NewDb<'_>,
    ) -> Result<Cluster, RdsError> {
        let mut own = json!({
            "SourceDBClusterIdentifier": source,
            "DBClusterIdentifier": new.id,
            "RestoreType": if clone { "copy-on-write" } else { "full-copy" },
        });
        time_json(time, &mut own);
        if self.plans(
            "RestoreDBClusterToPointInTime",
            new.id,
            new_db_json(own, new),
        ) {
            // The clone or copy has its source's engine, as the answer says.
            let engine = self
                .cluster(source)
                .await?
                .map(|c| c.engine)
                .unwrap_or_default();
            return Ok(self.planned_new_cluster(new, &engine));
        }
        let request = self
            .client
            .restore_db_cluster_to_point_in_time()
            .source_db_cluster_identifier(source)
            .db_cluster_identifier(new.id)
            .restore_type(if clone { "copy-on-write" } else { "full-copy" })
            .set_tags(Some(sdk_tags(new.tags)));
        let request = match time {
            RestoreTime::Latest => request.use_latest_restorable_time(true),
            RestoreTime::At(time) => request.restore_to_time(aws_time(time)),
        };
        let output = setters::apply(request, new.settings)
            .send()
            .await
            .for_op("RestoreDBClusterToPointInTime")?;
        output
            .db_cluster()
            .map(cluster)
            .ok_or_else(|| self.not_found("DB cluster", new.id))
    }

    /// Adds a DB instance to a cluster, with its own settings and tags.
    pub async fn create_cluster_instance(
        &self,
        cluster: &str,
        engine: &str,
        new: &NewDb<'_>,
    ) -> Result<Instance, RdsError> {
        if self.plans(
            "CreateDBInstance",
            new.id,
            new_db_json(
                json!({
                    "DBClusterIdentifier": cluster,
                    "Engine": engine,
                    "DBInstanceIdentifier": new.id,
                }),
                new,
            ),
        ) {
            return Ok(self.planned_new_instance(new, Some(cluster)));
        }
        let request = self
            .client
            .create_db_instance()
            .db_cluster_identifier(cluster)
            .engine(engine)
            .db_instance_identifier(new.id)
            .set_tags(Some(sdk_tags(new.tags)));
        let output = setters::apply(request, new.settings)
            .send()
            .await
            .for_op("CreateDBInstance")?;
        output
            .db_instance()
            .map(instance)
            .ok_or_else(|| self.not_found("DB instance", new.id))
    }

    /// One ModifyDBCluster, applied at once, with what no cluster restore
    /// call takes (the maintenance window).
    pub async fn modify_cluster(&self, id: &str, changes: &Settings) -> Result<Cluster, RdsError> {
        if self.plans(
            "ModifyDBCluster",
            id,
            modify_json("DBClusterIdentifier", id, changes),
        ) {
            self.planned_modify(Kind::Cluster, id, changes);
            return Ok(Cluster {
                id: id.to_owned(),
                settings: changes.clone(),
                ..Cluster::default()
            });
        }
        let request = self
            .client
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .apply_immediately(true);
        let output = setters::apply(request, changes)
            .send()
            .await
            .for_op("ModifyDBCluster")?;
        output
            .db_cluster()
            .map(cluster)
            .ok_or_else(|| self.not_found("DB cluster", id))
    }

    /// Renames a DB cluster at once; its DB instances keep their names.
    pub async fn rename_cluster(&self, id: &str, new: &str) -> Result<(), RdsError> {
        if self.plans(
            "ModifyDBCluster",
            id,
            json!({"DBClusterIdentifier": id, "NewDBClusterIdentifier": new, "ApplyImmediately": true}),
        ) {
            return self.planned_rename(Kind::Cluster, id, new).await;
        }
        self.client
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .new_db_cluster_identifier(new)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .for_op("ModifyDBCluster")
    }

    pub async fn protect_cluster(&self, id: &str, on: bool) -> Result<(), RdsError> {
        if self.plans(
            "ModifyDBCluster",
            id,
            json!({"DBClusterIdentifier": id, "DeletionProtection": on, "ApplyImmediately": true}),
        ) {
            return self.planned_protect(Kind::Cluster, id, on).await;
        }
        self.client
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .deletion_protection(on)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .for_op("ModifyDBCluster")
    }

    /// Starts a stopped DB cluster (StartDBCluster); it goes `starting`,
    /// then `available`.
    pub async fn start_cluster(&self, id: &str) -> Result<(), RdsError> {
        if self.plans("StartDBCluster", id, json!({"DBClusterIdentifier": id})) {
            return Ok(());
        }
        self.client
            .start_db_cluster()
            .db_cluster_identifier(id)
            .send()
            .await
            .map(drop)
            .for_op("StartDBCluster")
    }

    /// Deletes a DB cluster (its instances must be gone or going), with a
    /// final cluster snapshot of that name, or without one (`None`: a
    /// drill's scratch copy).
    pub async fn delete_cluster(
        &self,
        id: &str,
        final_snapshot: Option<&str>,
    ) -> Result<(), RdsError> {
        if self.plans(
            "DeleteDBCluster",
            id,
            json!({
                "DBClusterIdentifier": id,
                "FinalDBSnapshotIdentifier": final_snapshot,
                "SkipFinalSnapshot": final_snapshot.is_none(),
            }),
        ) {
            return Ok(());
        }
        self.client
            .delete_db_cluster()
            .db_cluster_identifier(id)
            .set_final_db_snapshot_identifier(final_snapshot.map(str::to_owned))
            .skip_final_snapshot(final_snapshot.is_none())
            .send()
            .await
            .map(drop)
            .for_op("DeleteDBCluster")
    }

    /// Whether a DB cluster parameter group exists.
    pub async fn cluster_parameter_group_exists(&self, name: &str) -> Result<bool, RdsError> {
        // One look serves both questions: the group exists when it has
        // a family entry (`None`: no such group).
        Ok(self.cluster_parameter_group_family(name).await?.is_some())
    }

    /// A parameter's value in a DB cluster parameter group, as RDS reports
    /// it; `None` when the group does not list it or has no value. The pages
    /// are read only until the parameter is found.
    pub async fn cluster_parameter(
        &self,
        group: &str,
        name: &str,
    ) -> Result<Option<String>, RdsError> {
        let mut pages = self
            .client
            .describe_db_cluster_parameters()
            .db_cluster_parameter_group_name(group)
            .into_paginator()
            .send();
        while let Some(page) = pages
            .try_next()
            .await
            .for_op("DescribeDBClusterParameters")?
        {
            if let Some(parameter) = page
                .parameters()
                .iter()
                .find(|parameter| parameter.parameter_name() == Some(name))
            {
                return Ok(parameter.parameter_value().map(str::to_owned));
            }
        }
        Ok(None)
    }

    /// Sends BacktrackDBCluster once, without the SDK's retries: the call
    /// has no name or client token that makes a repeat harmless, so a retry
    /// of a try whose answer was lost would rewind the cluster a second
    /// time. The caller decides, from [`Rds::backtracks`], whether to send
    /// it again (see [`RdsError::is_transient`]).
    pub async fn backtrack(
        &self,
        cluster: &str,
        to: DateTime<Utc>,
        force: bool,
    ) -> Result<Backtrack, RdsError> {
        if self.plans(
            "BacktrackDBCluster",
            cluster,
            json!({
                "DBClusterIdentifier": cluster,
                "BacktrackTo": crate::model::rfc3339(to),
                "Force": force,
            }),
        ) {
            return Ok(self.planned_backtrack(cluster, to));
        }
        let output = self
            .client
            .backtrack_db_cluster()
            .db_cluster_identifier(cluster)
            .backtrack_to(aws_time(to))
            .force(force)
            .customize()
            .config_override(
                aws_sdk_rds::config::Config::builder()
                    .retry_config(aws_config::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .for_op("BacktrackDBCluster")?;
        Ok(started_backtrack(&output))
    }

    /// The cluster's Backtracks, newest first as RDS lists them.
    pub async fn backtracks(&self, cluster: &str) -> Result<Vec<Backtrack>, RdsError> {
        let output = self
            .client
            .describe_db_cluster_backtracks()
            .db_cluster_identifier(cluster)
            .send()
            .await
            .for_op("DescribeDBClusterBacktracks")?;
        let mut all = self.planned_backtracks(cluster);
        all.extend(output.db_cluster_backtracks().iter().map(backtrack));
        Ok(all)
    }
}
