//! DB instances: describe, restore (from a snapshot or to a point in time),
//! modify, rename, deletion protection, delete, and the restore window.

use chrono::{DateTime, Utc};

use serde_json::json;

use super::convert::{aws_time, chrono_time, instance, sdk_tags};
use super::error::{ForOp, found};
use super::plan::{modify_json, new_db_json, time_json};
use super::setters;
use super::{Instance, NewDb, Rds, RdsError};
use crate::model::{Kind, RestoreTime};
use crate::settings::Settings;

impl Rds {
    /// The DB instance, or `None` if there is none by that name.
    pub async fn instance(&self, id: &str) -> Result<Option<Instance>, RdsError> {
        if let Some(planned) = self.planned_instance_state(id) {
            return Ok(planned);
        }
        let result = self
            .client
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .for_op("DescribeDBInstances");
        let found = found(result)?.and_then(|output| output.db_instances().first().map(instance));
        if let Some(found) = &found {
            self.seen_arn(&found.arn);
        }
        Ok(found)
    }

    /// The DB instance, or [`RdsError::NotFound`].
    pub async fn existing_instance(&self, id: &str) -> Result<Instance, RdsError> {
        self.instance(id)
            .await?
            .ok_or_else(|| self.not_found("DB instance", id))
    }

    /// The DB instances with these IDs, across all result pages: one
    /// DescribeDBInstances with a `db-instance-id` filter ("Accepts DB
    /// instance identifiers and DB instance ARNs", API_DescribeDBInstances),
    /// in filters of at most [`Rds::FILTER_VALUES`] values.
    pub async fn instances_with_ids(&self, ids: &[String]) -> Result<Vec<Instance>, RdsError> {
        let mut instances = Vec::new();
        for chunk in ids.chunks(Self::FILTER_VALUES) {
            let found = self
                .client
                .describe_db_instances()
                .filters(
                    aws_sdk_rds::types::Filter::builder()
                        .name("db-instance-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .for_op("DescribeDBInstances")?;
            instances.extend(found.iter().map(instance));
        }
        Ok(instances)
    }

    /// Every DB instance in the region, across all result pages.
    pub async fn all_instances(&self) -> Result<Vec<Instance>, RdsError> {
        let all = self
            .client
            .describe_db_instances()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .for_op("DescribeDBInstances")?;
        Ok(self.planned_instances(all.iter().map(instance).collect()))
    }

    pub async fn restore_from_snapshot(
        &self,
        snapshot_id: &str,
        new: &NewDb<'_>,
    ) -> Result<Instance, RdsError> {
        if self.plans(
            "RestoreDBInstanceFromDBSnapshot",
            new.id,
            new_db_json(
                json!({"DBSnapshotIdentifier": snapshot_id, "DBInstanceIdentifier": new.id}),
                new,
            ),
        ) {
            return Ok(self.planned_new_instance(new, None));
        }
        let request = self
            .client
            .restore_db_instance_from_db_snapshot()
            .db_snapshot_identifier(snapshot_id)
            .db_instance_identifier(new.id)
            .set_tags(Some(sdk_tags(new.tags)));
        let output = setters::apply(request, new.settings)
            .send()
            .await
            .for_op("RestoreDBInstanceFromDBSnapshot")?;
        output
            .db_instance()
            .map(instance)
            .ok_or_else(|| self.not_found("DB instance", new.id))
    }

    pub async fn restore_to_time(
        &self,
        source: &str,
        time: RestoreTime,
        new: &NewDb<'_>,
    ) -> Result<Instance, RdsError> {
        let mut own = json!({
            "SourceDBInstanceIdentifier": source,
            "TargetDBInstanceIdentifier": new.id,
        });
        time_json(time, &mut own);
        if self.plans(
            "RestoreDBInstanceToPointInTime",
            new.id,
            new_db_json(own, new),
        ) {
            return Ok(self.planned_new_instance(new, None));
        }
        let request = self
            .client
            .restore_db_instance_to_point_in_time()
            .source_db_instance_identifier(source)
            .target_db_instance_identifier(new.id)
            .set_tags(Some(sdk_tags(new.tags)));
        let request = match time {
            RestoreTime::Latest => request.use_latest_restorable_time(true),
            RestoreTime::At(time) => request.restore_time(aws_time(time)),
        };
        let output = setters::apply(request, new.settings)
            .send()
            .await
            .for_op("RestoreDBInstanceToPointInTime")?;
        output
            .db_instance()
            .map(instance)
            .ok_or_else(|| self.not_found("DB instance", new.id))
    }

    /// One ModifyDBInstance, applied at once, with the settings no restore
    /// call takes (Enhanced Monitoring, Performance Insights, Database
    /// Insights, the maintenance window, a snapshot restore's storage
    /// autoscaling limit).
    pub async fn modify_instance(
        &self,
        id: &str,
        changes: &Settings,
    ) -> Result<Instance, RdsError> {
        if self.plans(
            "ModifyDBInstance",
            id,
            modify_json("DBInstanceIdentifier", id, changes),
        ) {
            self.planned_modify(Kind::Instance, id, changes);
            return Ok(Instance {
                id: id.to_owned(),
                settings: changes.clone(),
                ..Instance::default()
            });
        }
        let request = self
            .client
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(true);
        let output = setters::apply(request, changes)
            .send()
            .await
            .for_op("ModifyDBInstance")?;
        output
            .db_instance()
            .map(instance)
            .ok_or_else(|| self.not_found("DB instance", id))
    }

    /// The automated backups' restore window of a DB instance, if RDS
    /// reports one.
    pub async fn restore_window(
        &self,
        db: &str,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, RdsError> {
        let result = self
            .client
            .describe_db_instance_automated_backups()
            .db_instance_identifier(db)
            .send()
            .await
            .for_op("DescribeDBInstanceAutomatedBackups");
        let Some(output) = found(result)? else {
            return Ok(None);
        };
        Ok(output
            .db_instance_automated_backups()
            .iter()
            .filter(|backup| backup.status() == Some("active"))
            .filter_map(|backup| backup.restore_window())
            .find_map(|window| {
                Some((
                    chrono_time(window.earliest_time()?)?,
                    chrono_time(window.latest_time()?)?,
                ))
            }))
    }

    /// Renames a DB instance at once (ModifyDBInstance with
    /// NewDBInstanceIdentifier and ApplyImmediately; without it RDS waits for
    /// the maintenance window).
    pub async fn rename_instance(&self, id: &str, new: &str) -> Result<(), RdsError> {
        if self.plans(
            "ModifyDBInstance",
            id,
            json!({"DBInstanceIdentifier": id, "NewDBInstanceIdentifier": new, "ApplyImmediately": true}),
        ) {
            return self.planned_rename(Kind::Instance, id, new).await;
        }
        self.client
            .modify_db_instance()
            .db_instance_identifier(id)
            .new_db_instance_identifier(new)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .for_op("ModifyDBInstance")
    }

    pub async fn protect_instance(&self, id: &str, on: bool) -> Result<(), RdsError> {
        if self.plans(
            "ModifyDBInstance",
            id,
            json!({"DBInstanceIdentifier": id, "DeletionProtection": on, "ApplyImmediately": true}),
        ) {
            return self.planned_protect(Kind::Instance, id, on).await;
        }
        self.client
            .modify_db_instance()
            .db_instance_identifier(id)
            .deletion_protection(on)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .for_op("ModifyDBInstance")
    }

    /// Deletes a DB instance: with a final snapshot of that name, or without
    /// one (an Aurora cluster member, whose data is the cluster's).
    pub async fn delete_instance(
        &self,
        id: &str,
        final_snapshot: Option<&str>,
    ) -> Result<(), RdsError> {
        if self.plans(
            "DeleteDBInstance",
            id,
            json!({
                "DBInstanceIdentifier": id,
                "FinalDBSnapshotIdentifier": final_snapshot,
                "SkipFinalSnapshot": final_snapshot.is_none(),
            }),
        ) {
            return Ok(());
        }
        self.client
            .delete_db_instance()
            .db_instance_identifier(id)
            .set_final_db_snapshot_identifier(final_snapshot.map(str::to_owned))
            .skip_final_snapshot(final_snapshot.is_none())
            .send()
            .await
            .map(drop)
            .for_op("DeleteDBInstance")
    }

    /// A DB instance's log files, each with when it was last written (ms
    /// since the epoch).
    pub async fn log_files(&self, id: &str) -> Result<Vec<(String, i64)>, RdsError> {
        let answer = self
            .client
            .describe_db_log_files()
            .db_instance_identifier(id)
            .send()
            .await
            .for_op("DescribeDBLogFiles")?;
        Ok(answer
            .describe_db_log_files()
            .iter()
            .filter_map(|file| {
                file.log_file_name()
                    .map(|name| (name.to_owned(), file.last_written().unwrap_or_default()))
            })
            .collect())
    }

    /// One portion of a log file from `marker` (the start without one):
    /// its text, the marker of what follows, and whether more is there.
    pub async fn log_portion(
        &self,
        id: &str,
        file: &str,
        marker: Option<&str>,
    ) -> Result<(String, Option<String>, bool), RdsError> {
        let answer = self
            .client
            .download_db_log_file_portion()
            .db_instance_identifier(id)
            .log_file_name(file)
            .set_marker(Some(marker.unwrap_or("0").to_owned()))
            .send()
            .await
            .for_op("DownloadDBLogFilePortion")?;
        Ok((
            answer.log_file_data().unwrap_or_default().to_owned(),
            answer.marker().map(str::to_owned),
            answer.additional_data_pending().unwrap_or(false),
        ))
    }
}
