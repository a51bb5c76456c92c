//! What a DB is built from and tagged with, around the DB itself: DB
//! parameter, option and subnet groups, KMS keys, tags, and Blue/Green
//! deployments.

use serde_json::json;

use super::convert::{blue_green, sdk_tags};
use super::error::{ForOp, found};
use super::plan::tags_json;
use super::{BlueGreen, Rds, RdsError};
use crate::model::Tag;

impl Rds {
    /// Whether a DB parameter group exists.
    pub async fn parameter_group_exists(&self, name: &str) -> Result<bool, RdsError> {
        // One look serves both questions: the group exists when it has
        // a family entry (`None`: no such group; AWS answers an unknown name with DBParameterGroupNotFound, and an empty list is taken the same way).
        Ok(self.parameter_group_family(name).await?.is_some())
    }

    /// A DB parameter group's family; `None` if there is no such group
    /// (an empty family where RDS does not report one).
    pub async fn parameter_group_family(&self, name: &str) -> Result<Option<String>, RdsError> {
        let result = self
            .client
            .describe_db_parameter_groups()
            .db_parameter_group_name(name)
            .send()
            .await
            .for_op("DescribeDBParameterGroups");
        Ok(found(result)?.and_then(|output| {
            output.db_parameter_groups().first().map(|group| {
                group
                    .db_parameter_group_family()
                    .unwrap_or_default()
                    .to_owned()
            })
        }))
    }

    /// A DB cluster parameter group's family; `None` if there is no such
    /// group.
    pub async fn cluster_parameter_group_family(
        &self,
        name: &str,
    ) -> Result<Option<String>, RdsError> {
        let result = self
            .client
            .describe_db_cluster_parameter_groups()
            .db_cluster_parameter_group_name(name)
            .send()
            .await
            .for_op("DescribeDBClusterParameterGroups");
        Ok(found(result)?.and_then(|output| {
            output.db_cluster_parameter_groups().first().map(|group| {
                group
                    .db_parameter_group_family()
                    .unwrap_or_default()
                    .to_owned()
            })
        }))
    }

    /// An option group's engine and major engine version; `None` if there
    /// is no such group.
    pub async fn option_group_version(
        &self,
        name: &str,
    ) -> Result<Option<(String, String)>, RdsError> {
        let result = self
            .client
            .describe_option_groups()
            .option_group_name(name)
            .send()
            .await
            .for_op("DescribeOptionGroups");
        Ok(found(result)?.and_then(|output| {
            output.option_groups_list().first().map(|group| {
                (
                    group.engine_name().unwrap_or_default().to_owned(),
                    group.major_engine_version().unwrap_or_default().to_owned(),
                )
            })
        }))
    }

    /// The DBParameterGroupFamily of an engine version, as
    /// DescribeDBEngineVersions reports it; `None` if RDS lists no such
    /// version.
    pub async fn engine_family(
        &self,
        engine: &str,
        version: &str,
    ) -> Result<Option<String>, RdsError> {
        let result = self
            .client
            .describe_db_engine_versions()
            .engine(engine)
            .engine_version(version)
            .send()
            .await
            .for_op("DescribeDBEngineVersions");
        Ok(found(result)?.and_then(|output| {
            output
                .db_engine_versions()
                .iter()
                .find(|found| found.engine_version() == Some(version))
                .or(output.db_engine_versions().first())
                .and_then(|found| found.db_parameter_group_family())
                .map(str::to_owned)
        }))
    }

    /// Whether an engine version can run on an instance class
    /// (DescribeOrderableDBInstanceOptions with all three as filters: any
    /// option listed means it is offered). `None` when RDS lists no class
    /// at all for the version, which then cannot be judged.
    pub async fn class_offered(
        &self,
        engine: &str,
        version: &str,
        class: &str,
    ) -> Result<Option<bool>, RdsError> {
        let ask = |class: Option<&str>| {
            self.client
                .describe_orderable_db_instance_options()
                .engine(engine)
                .engine_version(version)
                .set_db_instance_class(class.map(str::to_owned))
                .max_records(20)
                .send()
        };
        let output = ask(Some(class))
            .await
            .for_op("DescribeOrderableDBInstanceOptions")?;
        if !output.orderable_db_instance_options().is_empty() {
            return Ok(Some(true));
        }
        let any = ask(None)
            .await
            .for_op("DescribeOrderableDBInstanceOptions")?;
        Ok((!any.orderable_db_instance_options().is_empty()).then_some(false))
    }

    /// Whether an option group exists.
    pub async fn option_group_exists(&self, name: &str) -> Result<bool, RdsError> {
        // One look serves both questions: the group exists when it has
        // an engine entry (`None`: no such group).
        Ok(self.option_group_version(name).await?.is_some())
    }

    /// The VPC of a DB subnet group; `None` if there is no such group.
    pub async fn subnet_group_vpc(&self, name: &str) -> Result<Option<String>, RdsError> {
        let result = self
            .client
            .describe_db_subnet_groups()
            .db_subnet_group_name(name)
            .send()
            .await
            .for_op("DescribeDBSubnetGroups");
        Ok(found(result)?.and_then(|output| {
            output
                .db_subnet_groups()
                .first()
                .and_then(|group| group.vpc_id().map(str::to_owned))
        }))
    }

    /// Whether a KMS key is AWS-managed (such as the default `aws/rds` key),
    /// which AWS does not let anyone share. `None` without a KMS client.
    pub async fn is_aws_managed_key(&self, key_id: &str) -> Result<Option<bool>, RdsError> {
        let Some(kms) = &self.kms else {
            return Ok(None);
        };
        let output = kms
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .for_op("DescribeKey")?;
        Ok(output
            .key_metadata()
            .and_then(|key| key.key_manager())
            .map(|manager| *manager == aws_sdk_kms::types::KeyManagerType::Aws))
    }

    /// Whether KMS knows a key by this ID, ARN or alias in this region.
    /// `None` without a KMS client.
    pub async fn kms_key_exists(&self, key_id: &str) -> Result<Option<bool>, RdsError> {
        let Some(kms) = &self.kms else {
            return Ok(None);
        };
        let result = kms.describe_key().key_id(key_id).send().await;
        match result {
            Ok(_) => Ok(Some(true)),
            // DescribeKey's "the specified entity or resource could not be
            // found" (API_DescribeKey, Errors: NotFoundException).
            Err(error)
                if aws_sdk_kms::error::ProvideErrorMetadata::code(&error)
                    == Some("NotFoundException") =>
            {
                Ok(Some(false))
            }
            Err(error) => Err(Err::<(), _>(error).for_op("DescribeKey").unwrap_err()),
        }
    }

    /// Adds (or overwrites) tags on a resource by ARN.
    pub async fn add_tags(&self, arn: &str, tags: &[Tag]) -> Result<(), RdsError> {
        if self.plans(
            "AddTagsToResource",
            arn,
            json!({"ResourceName": arn, "Tags": tags_json(tags)}),
        ) {
            return self.planned_tags(arn, tags, &[]).await;
        }
        self.client
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map(drop)
            .for_op("AddTagsToResource")
    }

    /// Removes tags from a resource by ARN, by key. A key the resource does
    /// not carry is not an error: the API reference's Errors for
    /// RemoveTagsFromResource are the resource's NotFound and invalid-state
    /// faults only.
    pub async fn remove_tags(&self, arn: &str, keys: &[&str]) -> Result<(), RdsError> {
        if self.plans(
            "RemoveTagsFromResource",
            arn,
            json!({"ResourceName": arn, "TagKeys": keys}),
        ) {
            return self.planned_tags(arn, &[], keys).await;
        }
        self.client
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(keys.iter().map(|key| (*key).to_owned()).collect()))
            .send()
            .await
            .map(drop)
            .for_op("RemoveTagsFromResource")
    }

    /// Every Blue/Green deployment in the region.
    pub async fn blue_green_deployments(&self) -> Result<Vec<BlueGreen>, RdsError> {
        let all = self
            .client
            .describe_blue_green_deployments()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .for_op("DescribeBlueGreenDeployments")?;
        Ok(all.iter().map(blue_green).collect())
    }
}
