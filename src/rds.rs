//! The only module that speaks `aws-sdk-rds`. It turns SDK shapes into the
//! few facts the modes need, and SDK errors into [`RdsError`], whose variants
//! are the cases a caller branches on.

use aws_sdk_rds::Client;
use aws_sdk_rds::config::http::HttpResponse;
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_rds::types;
use chrono::{DateTime, Utc};

use crate::model::{Kind, RestoreTime, Tag};
use crate::retry::{self, ConnectFailures, RetryLog};
use crate::settings::{self, Settings, Value};

/// How the SDK retries throttling, 5xx answers and dropped connections
/// unless `AWS_RETRY_MODE` or `AWS_MAX_ATTEMPTS` say otherwise.
pub fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(10)
}

/// An RDS failure, classified by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum RdsError {
    #[error("{what} `{id}` does not exist in region {region}")]
    NotFound {
        what: &'static str,
        id: String,
        region: String,
    },
    #[error("{op}: it already exists ({message})")]
    AlreadyExists { op: &'static str, message: String },
    #[error("{op}: {} ({message}); {}", quota_problem(op), quota_fix(op))]
    QuotaExceeded { op: &'static str, message: String },
    #[error("{op}: {message}")]
    InvalidState { op: &'static str, message: String },
    #[error(
        "{op} was denied: {message}; allow `{}` in the IAM policy of the role this step runs as (the README lists the permissions each mode needs)",
        permission(op)
    )]
    AccessDenied { op: &'static str, message: String },
    #[error(
        "{op} could not reach the RDS endpoint {endpoint}: {reason}; check that the address is right and reachable from this runner{fix}"
    )]
    Unreachable {
        op: &'static str,
        /// Where the address came from and the address, e.g. "`http://x` (AWS_ENDPOINT_URL)".
        endpoint: String,
        reason: String,
        /// What to change, depending on where the address came from.
        fix: &'static str,
    },
    #[error("{op} failed: {code}: {message}")]
    Aws {
        op: &'static str,
        code: String,
        message: String,
    },
}

impl RdsError {
    fn from_sdk<E>(op: &'static str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        // The SDK's `Debug` form is a kilobyte of internals: kept for
        // `RDS_SNAPSHOT_ACTION_LOG=debug`, never shown otherwise.
        tracing::debug!("{op} failed: {error:?}");
        if error.code().is_none()
            && let SdkError::ServiceError(failure) = &error
            && failure.raw().status().as_u16() == 403
        {
            // An answer RDS's error parser could not read, with the status
            // AWS gives a denied call (some emulators and proxies word the
            // body differently); its <Message> still says who and what.
            let body = failure.raw().body().bytes().unwrap_or_default();
            let body = String::from_utf8_lossy(body);
            let message = body
                .split_once("<Message>")
                .and_then(|(_, rest)| rest.split_once("</Message>"))
                .map_or_else(|| "HTTP 403".to_owned(), |(message, _)| message.to_owned());
            return RdsError::AccessDenied { op, message };
        }
        let Some(code) = error.code().map(str::to_owned) else {
            // Not an RDS error answer: no connection, a timeout, or a body
            // that is not RDS's (a proxy's error page, say). The SDK has
            // already retried what it could.
            let message = match &error {
                SdkError::ServiceError(failure) => format!(
                    "HTTP {} from the endpoint, without an RDS error in the body",
                    failure.raw().status().as_u16()
                ),
                SdkError::ResponseError(failure) => format!(
                    "HTTP {} from the endpoint, and the response could not be read",
                    failure.raw().status().as_u16()
                ),
                SdkError::TimeoutError(_) => "the request timed out".to_owned(),
                SdkError::DispatchFailure(failure) => {
                    let connector = failure.as_connector_error();
                    if let Some(failure) = connector.and_then(|c| retry::connect_failure(c)) {
                        let (endpoint, fix) = endpoint_in_use();
                        return RdsError::Unreachable {
                            op,
                            endpoint,
                            reason: failure.reason().to_owned(),
                            fix,
                        };
                    }
                    connector.map_or_else(
                        || "the request could not be sent".to_owned(),
                        |c| retry::one_line(c),
                    )
                }
                other => retry::one_line(other),
            };
            return RdsError::Aws {
                op,
                code: "request failed".to_owned(),
                message,
            };
        };
        let message = error.message().unwrap_or("no message").to_owned();
        if code.contains("AlreadyExists") {
            RdsError::AlreadyExists { op, message }
        } else if code.starts_with("SnapshotQuotaExceeded") {
            RdsError::QuotaExceeded { op, message }
        } else if code.starts_with("InvalidDBInstanceState")
            || code.starts_with("InvalidDBSnapshotState")
            || code.starts_with("InvalidDBClusterState")
            || code.starts_with("InvalidDBClusterSnapshotState")
        {
            RdsError::InvalidState { op, message }
        } else if code.starts_with("AccessDenied") || code == "UnauthorizedOperation" {
            RdsError::AccessDenied { op, message }
        } else {
            RdsError::Aws { op, code, message }
        }
    }

    /// Whether another try may succeed: throttling, a 5xx answer, or no
    /// answer at all (a reset, a timeout). The SDK retries these itself;
    /// this is for the one call sent without its retries
    /// ([`Rds::backtrack`]).
    pub fn is_transient(&self) -> bool {
        match self {
            RdsError::Aws { code, .. } => {
                code == "request failed"
                    || code.starts_with("Throttling")
                    || matches!(
                        code.as_str(),
                        "RequestLimitExceeded"
                            | "InternalFailure"
                            | "InternalError"
                            | "ServiceUnavailable"
                    )
            }
            _ => false,
        }
    }

    fn is_not_found(&self) -> bool {
        matches!(self, RdsError::Aws { code, .. } if code.contains("NotFound"))
    }
}

/// The IAM action that allows an API operation.
fn permission(op: &str) -> String {
    match op {
        "DescribeKey" => "kms:DescribeKey".to_owned(),
        op => format!("rds:{op}"),
    }
}

/// A DB instance, as far as this action cares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub endpoint: Option<String>,
    pub port: Option<i32>,
    pub created: Option<DateTime<Utc>>,
    pub latest_restorable: Option<DateTime<Utc>>,
    pub backup_retention_days: i32,
    pub tags: Vec<Tag>,
    /// The settings a rollback copy carries over (see [`crate::settings`]).
    pub settings: Settings,
    /// The VPC of its DB subnet group.
    pub vpc_id: Option<String>,
    pub engine: String,
    /// The Aurora cluster it belongs to, if it is a cluster member.
    pub cluster_id: Option<String>,
    /// The new name of a rename RDS has accepted but not finished
    /// (`PendingModifiedValues.DBInstanceIdentifier`).
    pub renaming_to: Option<String>,
    /// Its read replicas, and the DB it is a read replica of.
    pub replicas: Vec<String>,
    pub replica_of: Option<String>,
}

/// An Aurora DB cluster, as far as this action cares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cluster {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub engine: String,
    /// The writer endpoint.
    pub endpoint: Option<String>,
    pub reader_endpoint: Option<String>,
    pub port: Option<i32>,
    pub created: Option<DateTime<Utc>>,
    pub earliest_restorable: Option<DateTime<Utc>>,
    pub latest_restorable: Option<DateTime<Utc>>,
    pub backup_retention_days: i32,
    pub tags: Vec<Tag>,
    /// The settings a rollback copy carries over (see [`crate::settings`]).
    pub settings: Settings,
    pub subnet_group: Option<String>,
    /// The VPC of its DB subnet group; DescribeDBClusters does not report
    /// it, so [`crate::db::describe`] fills it in.
    pub vpc_id: Option<String>,
    /// Its DB instances, the writer first.
    pub members: Vec<Member>,
    /// `BacktrackWindow` in seconds; 0 or `None`: Backtrack is off.
    pub backtrack_window: Option<i64>,
    pub earliest_backtrack: Option<DateTime<Utc>>,
    /// Binary log replication it takes part in: the cluster it replicates
    /// from, and the replicas that replicate from it.
    pub replication: Vec<String>,
    /// The new name of a rename RDS has accepted but not finished
    /// (`PendingModifiedValues.DBClusterIdentifier`).
    pub renaming_to: Option<String>,
}

/// A DB instance of a cluster, as the cluster lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub writer: bool,
}

impl Cluster {
    /// The writer's identifier, if the cluster has one.
    pub fn writer(&self) -> Option<&str> {
        self.members
            .iter()
            .find(|member| member.writer)
            .map(|member| member.id.as_str())
    }
}

/// What a restore asks for: the new instance's name, its settings, and
/// every tag it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDb<'a> {
    pub id: &'a str,
    pub settings: &'a Settings,
    pub tags: &'a [Tag],
}

/// A manual DB snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub source_db: String,
    /// When its data was taken: `OriginalSnapshotCreateTime` where RDS
    /// gives one (a copy keeps its source's), else `SnapshotCreateTime`
    /// (which, for a copy, is when the copy was made). Ordering by it keeps
    /// a same-region copy from becoming `latest`.
    pub created: Option<DateTime<Utc>>,
    pub percent: Option<i32>,
    pub tags: Vec<Tag>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// Allocated storage, in GiB.
    pub size_gib: Option<i32>,
    /// The VPC the snapshot's instance was in, as the snapshot records it.
    pub vpc_id: Option<String>,
    /// `SnapshotType`: `manual`, `automated`, `shared`, `public`, ...
    pub kind: String,
    /// A snapshot of a DB instance, or of an Aurora DB cluster.
    pub of: Kind,
    /// The engine of the DB it was taken of (a cluster restore needs it).
    pub engine: Option<String>,
    /// `SourceDBSnapshotIdentifier`: the ARN this snapshot was copied from.
    /// AWS fills it only for a cross-Region or cross-account copy
    /// (DBSnapshot in the API reference), so a same-Region copy's source is
    /// known only from our `copied-from` tag.
    pub copied_from: Option<String>,
}

/// What `SnapshotQuotaExceeded` means for an operation. From CopyDBSnapshot
/// it has two causes, and the answer does not say which: the manual
/// snapshot quota is full, or too many copies are in flight ("You can have
/// up to 20 snapshot copy requests in progress to a single destination
/// Region per account", USER_CopySnapshot, Limitations).
fn quota_problem(op: &str) -> &'static str {
    if op == "CopyDBSnapshot" {
        "RDS refused the copy for a quota: either 20 snapshot copies to this region are already in progress (AWS's limit per account), or the account's quota of manual DB snapshots in this region is used up"
    } else {
        "the account's quota of manual DB snapshots in this region is used up"
    }
}

fn quota_fix(op: &str) -> &'static str {
    if op == "CopyDBSnapshot" {
        "if copies are running (see the snapshots in `copying` or `pending` in the console), re-run this step when some have finished; otherwise delete old snapshots in the target region with `mode: prune`, or ask AWS Support for a higher `Manual DB instance snapshots` quota"
    } else {
        "delete old snapshots with `mode: prune` (or `prune-keep-last` on the snapshot step), or ask AWS Support for a higher `Manual DB instance snapshots` quota"
    }
}

/// The RDS API of one region, and KMS beside it to tell AWS-managed keys
/// (which cannot be shared) from customer-managed ones.
#[derive(Debug, Clone)]
pub struct Rds {
    client: Client,
    kms: Option<aws_sdk_kms::Client>,
    region: String,
}

/// Applies a new instance's settings and tags to either restore request;
/// the two SDK builders share these setters but no trait. Which setting
/// goes into which call is decided in [`crate::settings`]; a setting a call
/// does not take never reaches here.
macro_rules! with_settings {
    ($request:expr, $new:expr) => {{
        let mut request = $request.set_tags(Some(sdk_tags($new.tags)));
        for (name, value) in $new.settings {
            request = match (*name, value) {
                (settings::DB_INSTANCE_CLASS, Value::Text(v)) => request.db_instance_class(v),
                (settings::DB_SUBNET_GROUP, Value::Text(v)) => request.db_subnet_group_name(v),
                (settings::VPC_SECURITY_GROUPS, Value::List(v)) => {
                    request.set_vpc_security_group_ids(Some(v.clone()))
                }
                (settings::DB_PARAMETER_GROUP, Value::Text(v)) => {
                    request.db_parameter_group_name(v)
                }
                (settings::OPTION_GROUP, Value::Text(v)) => request.option_group_name(v),
                (settings::MULTI_AZ, Value::Flag(v)) => request.multi_az(*v),
                (settings::PUBLICLY_ACCESSIBLE, Value::Flag(v)) => request.publicly_accessible(*v),
                (settings::IAM_AUTH, Value::Flag(v)) => {
                    request.enable_iam_database_authentication(*v)
                }
                (settings::LOG_EXPORTS, Value::List(v)) => {
                    request.set_enable_cloudwatch_logs_exports(Some(v.clone()))
                }
                (settings::COPY_TAGS, Value::Flag(v)) => request.copy_tags_to_snapshot(*v),
                (settings::CA_CERTIFICATE, Value::Text(v)) => request.ca_certificate_identifier(v),
                (settings::BACKUP_RETENTION, Value::Number(v)) => {
                    request.backup_retention_period(*v)
                }
                (settings::BACKUP_WINDOW, Value::Text(v)) => request.preferred_backup_window(v),
                (settings::DELETION_PROTECTION, Value::Flag(v)) => request.deletion_protection(*v),
                _ => request,
            };
        }
        request
    }};
}

impl Rds {
    /// Connects with the standard AWS configuration: region from `region`
    /// or else `AWS_REGION` / `AWS_DEFAULT_REGION` / the profile; credentials
    /// from the default chain; `AWS_ENDPOINT_URL` for an emulator. Throttling
    /// and 5xx answers are retried by the SDK: `AWS_RETRY_MODE` and
    /// `AWS_MAX_ATTEMPTS` tune it, and without them this action uses the
    /// standard mode with 10 attempts, since a deploy would rather wait out
    /// throttling than fail.
    pub async fn connect(region: Option<&str>) -> anyhow::Result<Self> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region.to_owned()));
        }
        let env_sets_retries = ["AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"]
            .iter()
            .any(|name| std::env::var_os(name).is_some());
        if !env_sets_retries {
            loader = loader
                .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(10));
        }
        let config = loader.load().await;
        if config.region().is_none() {
            anyhow::bail!(
                "input `aws-region` is not set and neither is AWS_REGION or AWS_DEFAULT_REGION; set `aws-region: us-east-1` (your region), or configure credentials with aws-actions/configure-aws-credentials, which sets AWS_REGION"
            );
        }
        check_credentials(&config).await?;
        let classifier = ConnectFailures::default();
        let rds = aws_sdk_rds::config::Builder::from(&config)
            .retry_classifier(classifier.clone())
            .interceptor(RetryLog)
            .build();
        let kms = aws_sdk_kms::config::Builder::from(&config)
            .retry_classifier(classifier)
            .interceptor(RetryLog)
            .build();
        Ok(Self::new(Client::from_conf(rds)).with_kms(aws_sdk_kms::Client::from_conf(kms)))
    }

    pub fn new(client: Client) -> Self {
        let region = client
            .config()
            .region()
            .map(ToString::to_string)
            .unwrap_or_default();
        Rds {
            client,
            kms: None,
            region,
        }
    }

    pub fn with_kms(mut self, kms: aws_sdk_kms::Client) -> Self {
        self.kms = Some(kms);
        self
    }

    /// The same account and configuration in another region.
    pub fn in_region(&self, region: &str) -> Rds {
        let region = aws_config::Region::new(region.to_owned());
        let client = Client::from_conf(
            self.client
                .config()
                .to_builder()
                .region(region.clone())
                .build(),
        );
        let kms = self.kms.as_ref().map(|kms| {
            aws_sdk_kms::Client::from_conf(kms.config().to_builder().region(region).build())
        });
        Rds {
            kms,
            ..Rds::new(client)
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    fn not_found(&self, what: &'static str, id: &str) -> RdsError {
        RdsError::NotFound {
            what,
            id: id.to_owned(),
            region: self.region.clone(),
        }
    }

    /// The DB instance, or `None` if there is none by that name.
    pub async fn instance(&self, id: &str) -> Result<Option<Instance>, RdsError> {
        let result = self
            .client
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeDBInstances", error));
        Ok(found(result)?.and_then(|output| output.db_instances().first().map(instance)))
    }

    /// The DB instance, or [`RdsError::NotFound`].
    pub async fn existing_instance(&self, id: &str) -> Result<Instance, RdsError> {
        self.instance(id)
            .await?
            .ok_or_else(|| self.not_found("DB instance", id))
    }

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
            .map_err(|error| RdsError::from_sdk("DescribeDBSnapshots", error));
        Ok(found(result)?.and_then(|output| output.db_snapshots().first().map(snapshot)))
    }

    /// The DB snapshot, or [`RdsError::NotFound`].
    pub async fn existing_snapshot(&self, id: &str) -> Result<Snapshot, RdsError> {
        self.snapshot(id)
            .await?
            .ok_or_else(|| self.not_found("DB snapshot", id))
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
            .map_err(|error| RdsError::from_sdk("DescribeAccountAttributes", error))?;
        Ok(output
            .account_quotas()
            .iter()
            .find(|quota| quota.account_quota_name() == Some(kind.quota_name()))
            .and_then(|quota| Some((quota.used()?, quota.max()?))))
    }

    /// Deletes a snapshot; `None` if it was already gone.
    pub async fn delete_snapshot(&self, id: &str) -> Result<Option<Snapshot>, RdsError> {
        let result = self
            .client
            .delete_db_snapshot()
            .db_snapshot_identifier(id)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DeleteDBSnapshot", error));
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
            .map_err(|error| RdsError::from_sdk("CopyDBSnapshot", error))?;
        output
            .db_snapshot()
            .map(snapshot)
            .ok_or_else(|| self.not_found("DB snapshot", target_id))
    }

    /// Lets other accounts restore or copy a snapshot.
    pub async fn share_snapshot(&self, id: &str, accounts: &[String]) -> Result<(), RdsError> {
        self.client
            .modify_db_snapshot_attribute()
            .db_snapshot_identifier(id)
            .attribute_name("restore")
            .set_values_to_add(Some(accounts.to_vec()))
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("ModifyDBSnapshotAttribute", error))?;
        Ok(())
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
            .map_err(|error| RdsError::from_sdk("DescribeKey", error))?;
        Ok(output
            .key_metadata()
            .and_then(|key| key.key_manager())
            .map(|manager| *manager == aws_sdk_kms::types::KeyManagerType::Aws))
    }

    /// The most values this action puts in one filter of a describe call.
    /// AWS documents no limit for the snapshot ID filters; the calls are
    /// split at this many, so 50 DBs still take one call a round.
    pub const FILTER_VALUES: usize = 100;

    /// The DB snapshots with these IDs (a `db-snapshot-id` filter), across
    /// all result pages.
    pub async fn snapshots_with_ids(&self, ids: &[String]) -> Result<Vec<Snapshot>, RdsError> {
        let mut snapshots = Vec::new();
        for chunk in ids.chunks(Self::FILTER_VALUES) {
            let mut pages = self
                .client
                .describe_db_snapshots()
                .filters(
                    types::Filter::builder()
                        .name("db-snapshot-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|error| RdsError::from_sdk("DescribeDBSnapshots", error))?;
                snapshots.extend(page.db_snapshots().iter().map(snapshot));
            }
        }
        Ok(snapshots)
    }

    /// Every manual DB snapshot in the region, across all result pages.
    pub async fn all_manual_snapshots(&self) -> Result<Vec<Snapshot>, RdsError> {
        self.manual_snapshots(None).await
    }

    /// Every manual DB cluster snapshot in the region.
    pub async fn all_manual_cluster_snapshots(&self) -> Result<Vec<Snapshot>, RdsError> {
        let mut pages = self
            .client
            .describe_db_cluster_snapshots()
            .snapshot_type("manual")
            .into_paginator()
            .send();
        let mut snapshots = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|error| RdsError::from_sdk("DescribeDBClusterSnapshots", error))?;
            snapshots.extend(page.db_cluster_snapshots().iter().map(cluster_snapshot));
        }
        Ok(snapshots)
    }

    /// Every manual snapshot of a DB instance, across all result pages.
    pub async fn snapshots_of(&self, db: &str) -> Result<Vec<Snapshot>, RdsError> {
        self.manual_snapshots(Some(db)).await
    }

    /// Manual snapshots of one DB instance, or of all, across all pages.
    async fn manual_snapshots(&self, db: Option<&str>) -> Result<Vec<Snapshot>, RdsError> {
        let mut pages = self
            .client
            .describe_db_snapshots()
            .set_db_instance_identifier(db.map(str::to_owned))
            .snapshot_type("manual")
            .into_paginator()
            .send();
        let mut snapshots = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| RdsError::from_sdk("DescribeDBSnapshots", error))?;
            snapshots.extend(page.db_snapshots().iter().map(snapshot));
        }
        Ok(snapshots)
    }

    pub async fn create_snapshot(
        &self,
        db: &str,
        id: &str,
        tags: &[Tag],
    ) -> Result<Snapshot, RdsError> {
        let output = self
            .client
            .create_db_snapshot()
            .db_instance_identifier(db)
            .db_snapshot_identifier(id)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("CreateDBSnapshot", error))?;
        output
            .db_snapshot()
            .map(snapshot)
            .ok_or_else(|| self.not_found("DB snapshot", id))
    }

    pub async fn restore_from_snapshot(
        &self,
        snapshot_id: &str,
        new: &NewDb<'_>,
    ) -> Result<Instance, RdsError> {
        let request = self
            .client
            .restore_db_instance_from_db_snapshot()
            .db_snapshot_identifier(snapshot_id)
            .db_instance_identifier(new.id);
        let output = with_settings!(request, new)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("RestoreDBInstanceFromDBSnapshot", error))?;
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
        let request = self
            .client
            .restore_db_instance_to_point_in_time()
            .source_db_instance_identifier(source)
            .target_db_instance_identifier(new.id);
        let request = match time {
            RestoreTime::Latest => request.use_latest_restorable_time(true),
            RestoreTime::At(time) => request.restore_time(aws_time(time)),
        };
        // Only the point-in-time restore takes the storage autoscaling limit.
        let request = match new.settings.get(settings::MAX_ALLOCATED_STORAGE) {
            Some(Value::Number(most)) => request.max_allocated_storage(*most),
            _ => request,
        };
        let output = with_settings!(request, new)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("RestoreDBInstanceToPointInTime", error))?;
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
        let mut request = self
            .client
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(true);
        for (name, value) in changes {
            request = match (*name, value) {
                (settings::MAINTENANCE_WINDOW, Value::Text(v)) => {
                    request.preferred_maintenance_window(v)
                }
                (settings::MAX_ALLOCATED_STORAGE, Value::Number(v)) => {
                    request.max_allocated_storage(*v)
                }
                (settings::MONITORING_INTERVAL, Value::Number(v)) => {
                    request.monitoring_interval(*v)
                }
                (settings::MONITORING_ROLE, Value::Text(v)) => request.monitoring_role_arn(v),
                (settings::PERFORMANCE_INSIGHTS, Value::Flag(v)) => {
                    request.enable_performance_insights(*v)
                }
                (settings::PI_KMS_KEY, Value::Text(v)) => {
                    request.performance_insights_kms_key_id(v)
                }
                (settings::PI_RETENTION, Value::Number(v)) => {
                    request.performance_insights_retention_period(*v)
                }
                (settings::DATABASE_INSIGHTS, Value::Text(v)) => {
                    request.database_insights_mode(types::DatabaseInsightsMode::from(v.as_str()))
                }
                _ => request,
            };
        }
        let output = request
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("ModifyDBInstance", error))?;
        output
            .db_instance()
            .map(instance)
            .ok_or_else(|| self.not_found("DB instance", id))
    }

    /// Whether a DB parameter group exists.
    pub async fn parameter_group_exists(&self, name: &str) -> Result<bool, RdsError> {
        let result = self
            .client
            .describe_db_parameter_groups()
            .db_parameter_group_name(name)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeDBParameterGroups", error));
        Ok(found(result)?.is_some())
    }

    /// Whether an option group exists.
    pub async fn option_group_exists(&self, name: &str) -> Result<bool, RdsError> {
        let result = self
            .client
            .describe_option_groups()
            .option_group_name(name)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeOptionGroups", error));
        Ok(found(result)?.is_some_and(|output| !output.option_groups_list().is_empty()))
    }

    /// The VPC of a DB subnet group; `None` if there is no such group.
    pub async fn subnet_group_vpc(&self, name: &str) -> Result<Option<String>, RdsError> {
        let result = self
            .client
            .describe_db_subnet_groups()
            .db_subnet_group_name(name)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeDBSubnetGroups", error));
        Ok(found(result)?.and_then(|output| {
            output
                .db_subnet_groups()
                .first()
                .and_then(|group| group.vpc_id().map(str::to_owned))
        }))
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
            .map_err(|error| RdsError::from_sdk("DescribeDBInstanceAutomatedBackups", error));
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
}

/// Applies a new cluster's settings and tags to either cluster restore
/// request (see [`with_settings`]).
macro_rules! with_cluster_settings {
    ($request:expr, $new:expr) => {{
        let mut request = $request.set_tags(Some(sdk_tags($new.tags)));
        for (name, value) in $new.settings {
            request = match (*name, value) {
                (settings::DB_SUBNET_GROUP, Value::Text(v)) => request.db_subnet_group_name(v),
                (settings::VPC_SECURITY_GROUPS, Value::List(v)) => {
                    request.set_vpc_security_group_ids(Some(v.clone()))
                }
                (settings::DB_CLUSTER_PARAMETER_GROUP, Value::Text(v)) => {
                    request.db_cluster_parameter_group_name(v)
                }
                (settings::PORT, Value::Number(v)) => request.port(*v),
                (settings::IAM_AUTH, Value::Flag(v)) => {
                    request.enable_iam_database_authentication(*v)
                }
                (settings::LOG_EXPORTS, Value::List(v)) => {
                    request.set_enable_cloudwatch_logs_exports(Some(v.clone()))
                }
                (settings::BACKTRACK_WINDOW, Value::Number(v)) => {
                    request.backtrack_window(i64::from(*v))
                }
                (settings::COPY_TAGS, Value::Flag(v)) => request.copy_tags_to_snapshot(*v),
                (settings::SERVERLESS_V2, Value::Text(v)) => match serverless_v2(v) {
                    Some(scaling) => request.serverless_v2_scaling_configuration(scaling),
                    None => request,
                },
                (settings::BACKUP_RETENTION, Value::Number(v)) => {
                    request.backup_retention_period(*v)
                }
                (settings::BACKUP_WINDOW, Value::Text(v)) => request.preferred_backup_window(v),
                (settings::DELETION_PROTECTION, Value::Flag(v)) => request.deletion_protection(*v),
                _ => request,
            };
        }
        request
    }};
}

/// The Aurora side of the API: clusters, their snapshots, their instances
/// and Backtrack.
impl Rds {
    /// The DB cluster, or `None` if there is none by that name.
    pub async fn cluster(&self, id: &str) -> Result<Option<Cluster>, RdsError> {
        let result = self
            .client
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeDBClusters", error));
        Ok(found(result)?.and_then(|output| output.db_clusters().first().map(cluster)))
    }

    /// The DB instances of a cluster, in one call (a `db-cluster-id` filter).
    pub async fn cluster_instances(&self, cluster: &str) -> Result<Vec<Instance>, RdsError> {
        let mut pages = self
            .client
            .describe_db_instances()
            .filters(
                types::Filter::builder()
                    .name("db-cluster-id")
                    .values(cluster)
                    .build(),
            )
            .into_paginator()
            .send();
        let mut instances = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| RdsError::from_sdk("DescribeDBInstances", error))?;
            instances.extend(page.db_instances().iter().map(instance));
        }
        Ok(instances)
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
            .map_err(|error| RdsError::from_sdk("DescribeDBClusterSnapshots", error));
        Ok(found(result)?
            .and_then(|output| output.db_cluster_snapshots().first().map(cluster_snapshot)))
    }

    /// The DB cluster snapshots with these IDs (a `db-cluster-snapshot-id`
    /// filter), across all result pages.
    pub async fn cluster_snapshots_with_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<Snapshot>, RdsError> {
        let mut snapshots = Vec::new();
        for chunk in ids.chunks(Self::FILTER_VALUES) {
            let mut pages = self
                .client
                .describe_db_cluster_snapshots()
                .filters(
                    types::Filter::builder()
                        .name("db-cluster-snapshot-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|error| RdsError::from_sdk("DescribeDBClusterSnapshots", error))?;
                snapshots.extend(page.db_cluster_snapshots().iter().map(cluster_snapshot));
            }
        }
        Ok(snapshots)
    }

    /// Every manual snapshot of a DB cluster, across all result pages.
    pub async fn cluster_snapshots_of(&self, db: &str) -> Result<Vec<Snapshot>, RdsError> {
        let mut pages = self
            .client
            .describe_db_cluster_snapshots()
            .db_cluster_identifier(db)
            .snapshot_type("manual")
            .into_paginator()
            .send();
        let mut snapshots = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|error| RdsError::from_sdk("DescribeDBClusterSnapshots", error))?;
            snapshots.extend(page.db_cluster_snapshots().iter().map(cluster_snapshot));
        }
        Ok(snapshots)
    }

    pub async fn create_cluster_snapshot(
        &self,
        db: &str,
        id: &str,
        tags: &[Tag],
    ) -> Result<Snapshot, RdsError> {
        let output = self
            .client
            .create_db_cluster_snapshot()
            .db_cluster_identifier(db)
            .db_cluster_snapshot_identifier(id)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("CreateDBClusterSnapshot", error))?;
        output
            .db_cluster_snapshot()
            .map(cluster_snapshot)
            .ok_or_else(|| self.not_found("DB cluster snapshot", id))
    }

    /// Deletes a cluster snapshot; `None` if it was already gone.
    pub async fn delete_cluster_snapshot(&self, id: &str) -> Result<Option<Snapshot>, RdsError> {
        let result = self
            .client
            .delete_db_cluster_snapshot()
            .db_cluster_snapshot_identifier(id)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DeleteDBClusterSnapshot", error));
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
        let output = self
            .client
            .copy_db_cluster_snapshot()
            .source_db_cluster_snapshot_identifier(source)
            .target_db_cluster_snapshot_identifier(target_id)
            .set_kms_key_id(kms_key_id.map(str::to_owned))
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("CopyDBClusterSnapshot", error))?;
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
        self.client
            .modify_db_cluster_snapshot_attribute()
            .db_cluster_snapshot_identifier(id)
            .attribute_name("restore")
            .set_values_to_add(Some(accounts.to_vec()))
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("ModifyDBClusterSnapshotAttribute", error))?;
        Ok(())
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
        let request = self
            .client
            .restore_db_cluster_from_snapshot()
            .snapshot_identifier(snapshot_id)
            .engine(engine)
            .db_cluster_identifier(new.id);
        let output = with_cluster_settings!(request, new)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("RestoreDBClusterFromSnapshot", error))?;
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
        let request = self
            .client
            .restore_db_cluster_to_point_in_time()
            .source_db_cluster_identifier(source)
            .db_cluster_identifier(new.id)
            .restore_type(if clone { "copy-on-write" } else { "full-copy" });
        let request = match time {
            RestoreTime::Latest => request.use_latest_restorable_time(true),
            RestoreTime::At(time) => request.restore_to_time(aws_time(time)),
        };
        let output = with_cluster_settings!(request, new)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("RestoreDBClusterToPointInTime", error))?;
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
        let mut request = self
            .client
            .create_db_instance()
            .db_cluster_identifier(cluster)
            .engine(engine)
            .db_instance_identifier(new.id)
            .set_tags(Some(sdk_tags(new.tags)));
        for (name, value) in new.settings {
            request = match (*name, value) {
                (settings::DB_INSTANCE_CLASS, Value::Text(v)) => request.db_instance_class(v),
                (settings::DB_PARAMETER_GROUP, Value::Text(v)) => {
                    request.db_parameter_group_name(v)
                }
                (settings::PUBLICLY_ACCESSIBLE, Value::Flag(v)) => request.publicly_accessible(*v),
                (settings::CA_CERTIFICATE, Value::Text(v)) => request.ca_certificate_identifier(v),
                (settings::PROMOTION_TIER, Value::Number(v)) => request.promotion_tier(*v),
                (settings::MAINTENANCE_WINDOW, Value::Text(v)) => {
                    request.preferred_maintenance_window(v)
                }
                (settings::MONITORING_INTERVAL, Value::Number(v)) => {
                    request.monitoring_interval(*v)
                }
                (settings::MONITORING_ROLE, Value::Text(v)) => request.monitoring_role_arn(v),
                (settings::PERFORMANCE_INSIGHTS, Value::Flag(v)) => {
                    request.enable_performance_insights(*v)
                }
                (settings::PI_KMS_KEY, Value::Text(v)) => {
                    request.performance_insights_kms_key_id(v)
                }
                (settings::PI_RETENTION, Value::Number(v)) => {
                    request.performance_insights_retention_period(*v)
                }
                _ => request,
            };
        }
        let output = request
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("CreateDBInstance", error))?;
        output
            .db_instance()
            .map(instance)
            .ok_or_else(|| self.not_found("DB instance", new.id))
    }

    /// One ModifyDBCluster, applied at once, with what no cluster restore
    /// call takes (the maintenance window).
    pub async fn modify_cluster(&self, id: &str, changes: &Settings) -> Result<Cluster, RdsError> {
        let mut request = self
            .client
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .apply_immediately(true);
        for (name, value) in changes {
            request = match (*name, value) {
                (settings::MAINTENANCE_WINDOW, Value::Text(v)) => {
                    request.preferred_maintenance_window(v)
                }
                _ => request,
            };
        }
        let output = request
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("ModifyDBCluster", error))?;
        output
            .db_cluster()
            .map(cluster)
            .ok_or_else(|| self.not_found("DB cluster", id))
    }

    /// Whether a DB cluster parameter group exists.
    pub async fn cluster_parameter_group_exists(&self, name: &str) -> Result<bool, RdsError> {
        let result = self
            .client
            .describe_db_cluster_parameter_groups()
            .db_cluster_parameter_group_name(name)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeDBClusterParameterGroups", error));
        Ok(found(result)?.is_some_and(|output| !output.db_cluster_parameter_groups().is_empty()))
    }

    /// A parameter's value in a DB cluster parameter group, as RDS reports
    /// it; `None` when the group does not list it or has no value.
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
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|error| RdsError::from_sdk("DescribeDBClusterParameters", error))?;
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
            .map_err(|error| RdsError::from_sdk("BacktrackDBCluster", error))?;
        Ok(Backtrack {
            id: output.backtrack_identifier().unwrap_or_default().to_owned(),
            status: output.status().unwrap_or("pending").to_owned(),
            to: output.backtrack_to().and_then(chrono_time),
            from: output.backtracked_from().and_then(chrono_time),
            requested: output
                .backtrack_request_creation_time()
                .and_then(chrono_time),
        })
    }

    /// The cluster's Backtracks, newest first as RDS lists them.
    pub async fn backtracks(&self, cluster: &str) -> Result<Vec<Backtrack>, RdsError> {
        let output = self
            .client
            .describe_db_cluster_backtracks()
            .db_cluster_identifier(cluster)
            .send()
            .await
            .map_err(|error| RdsError::from_sdk("DescribeDBClusterBacktracks", error))?;
        Ok(output
            .db_cluster_backtracks()
            .iter()
            .map(|backtrack| Backtrack {
                id: backtrack
                    .backtrack_identifier()
                    .unwrap_or_default()
                    .to_owned(),
                status: backtrack.status().unwrap_or("unknown").to_owned(),
                to: backtrack.backtrack_to().and_then(chrono_time),
                from: backtrack.backtracked_from().and_then(chrono_time),
                requested: backtrack
                    .backtrack_request_creation_time()
                    .and_then(chrono_time),
            })
            .collect())
    }
}

/// A Backtrack of an Aurora MySQL cluster (DBClusterBacktrack).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backtrack {
    pub id: String,
    /// `pending`, `applying`, `completed` or `failed`.
    pub status: String,
    /// The time the cluster was (or is being) rewound to.
    pub to: Option<DateTime<Utc>>,
    /// The time it was rewound from.
    pub from: Option<DateTime<Utc>>,
    pub requested: Option<DateTime<Utc>>,
}

/// A Blue/Green deployment, as far as a rename cares: RDS refuses to rename
/// a DB that takes part in one (USER_BlueGreenDeployments.Considerations:
/// "You can't rename" the blue or green databases while a deployment
/// exists), and a rename would break its switchover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlueGreen {
    pub id: String,
    pub name: String,
    pub status: String,
    /// The ARNs of its blue (source) and green (target) DB.
    pub source: String,
    pub target: String,
}

/// What the in-place rollback and the cleanup of replaced DBs call: renames,
/// deletion protection, tags, listing every DB, and deletion.
impl Rds {
    /// Renames a DB instance at once (ModifyDBInstance with
    /// NewDBInstanceIdentifier and ApplyImmediately; without it RDS waits for
    /// the maintenance window).
    pub async fn rename_instance(&self, id: &str, new: &str) -> Result<(), RdsError> {
        self.client
            .modify_db_instance()
            .db_instance_identifier(id)
            .new_db_instance_identifier(new)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("ModifyDBInstance", error))
    }

    /// Renames a DB cluster at once; its DB instances keep their names.
    pub async fn rename_cluster(&self, id: &str, new: &str) -> Result<(), RdsError> {
        self.client
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .new_db_cluster_identifier(new)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("ModifyDBCluster", error))
    }

    pub async fn protect_instance(&self, id: &str, on: bool) -> Result<(), RdsError> {
        self.client
            .modify_db_instance()
            .db_instance_identifier(id)
            .deletion_protection(on)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("ModifyDBInstance", error))
    }

    pub async fn protect_cluster(&self, id: &str, on: bool) -> Result<(), RdsError> {
        self.client
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .deletion_protection(on)
            .apply_immediately(true)
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("ModifyDBCluster", error))
    }

    /// Adds (or overwrites) tags on a resource by ARN.
    pub async fn add_tags(&self, arn: &str, tags: &[Tag]) -> Result<(), RdsError> {
        self.client
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("AddTagsToResource", error))
    }

    /// Every DB instance in the region, across all result pages.
    pub async fn all_instances(&self) -> Result<Vec<Instance>, RdsError> {
        let mut pages = self.client.describe_db_instances().into_paginator().send();
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| RdsError::from_sdk("DescribeDBInstances", error))?;
            all.extend(page.db_instances().iter().map(instance));
        }
        Ok(all)
    }

    /// Every DB cluster in the region, across all result pages.
    pub async fn all_clusters(&self) -> Result<Vec<Cluster>, RdsError> {
        let mut pages = self.client.describe_db_clusters().into_paginator().send();
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| RdsError::from_sdk("DescribeDBClusters", error))?;
            all.extend(page.db_clusters().iter().map(cluster));
        }
        Ok(all)
    }

    /// Every Blue/Green deployment in the region.
    pub async fn blue_green_deployments(&self) -> Result<Vec<BlueGreen>, RdsError> {
        let mut pages = self
            .client
            .describe_blue_green_deployments()
            .into_paginator()
            .send();
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|error| RdsError::from_sdk("DescribeBlueGreenDeployments", error))?;
            all.extend(page.blue_green_deployments().iter().map(|bg| {
                BlueGreen {
                    id: bg
                        .blue_green_deployment_identifier()
                        .unwrap_or_default()
                        .to_owned(),
                    name: bg
                        .blue_green_deployment_name()
                        .unwrap_or_default()
                        .to_owned(),
                    status: bg.status().unwrap_or_default().to_owned(),
                    source: bg.source().unwrap_or_default().to_owned(),
                    target: bg.target().unwrap_or_default().to_owned(),
                }
            }));
        }
        Ok(all)
    }

    /// Deletes a DB instance: with a final snapshot of that name, or without
    /// one (an Aurora cluster member, whose data is the cluster's).
    pub async fn delete_instance(
        &self,
        id: &str,
        final_snapshot: Option<&str>,
    ) -> Result<(), RdsError> {
        self.client
            .delete_db_instance()
            .db_instance_identifier(id)
            .set_final_db_snapshot_identifier(final_snapshot.map(str::to_owned))
            .skip_final_snapshot(final_snapshot.is_none())
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("DeleteDBInstance", error))
    }

    /// Deletes a DB cluster (its instances must be gone or going), with a
    /// final cluster snapshot of that name.
    pub async fn delete_cluster(&self, id: &str, final_snapshot: &str) -> Result<(), RdsError> {
        self.client
            .delete_db_cluster()
            .db_cluster_identifier(id)
            .final_db_snapshot_identifier(final_snapshot)
            .skip_final_snapshot(false)
            .send()
            .await
            .map(drop)
            .map_err(|error| RdsError::from_sdk("DeleteDBCluster", error))
    }
}

/// `<min>..<max>` ACUs, as [`settings::SERVERLESS_V2`] holds them.
fn serverless_v2(text: &str) -> Option<types::ServerlessV2ScalingConfiguration> {
    let (min, max) = text.split_once("..")?;
    Some(
        types::ServerlessV2ScalingConfiguration::builder()
            .min_capacity(min.parse().ok()?)
            .max_capacity(max.parse().ok()?)
            .build(),
    )
}

fn cluster(db: &types::DbCluster) -> Cluster {
    let mut members: Vec<Member> = db
        .db_cluster_members()
        .iter()
        .map(|member| Member {
            id: member
                .db_instance_identifier()
                .unwrap_or_default()
                .to_owned(),
            writer: member.is_cluster_writer().unwrap_or(false),
        })
        .collect();
    members.sort_by(|a, b| b.writer.cmp(&a.writer).then_with(|| a.id.cmp(&b.id)));
    let mut replication: Vec<String> = db.read_replica_identifiers().to_vec();
    if let Some(source) = db.replication_source_identifier() {
        replication.push(source.to_owned());
    }
    Cluster {
        id: db.db_cluster_identifier().unwrap_or_default().to_owned(),
        arn: db.db_cluster_arn().unwrap_or_default().to_owned(),
        status: db.status().unwrap_or("unknown").to_owned(),
        engine: db.engine().unwrap_or_default().to_owned(),
        endpoint: db.endpoint().map(str::to_owned),
        reader_endpoint: db.reader_endpoint().map(str::to_owned),
        port: db.port(),
        created: db.cluster_create_time().and_then(chrono_time),
        earliest_restorable: db.earliest_restorable_time().and_then(chrono_time),
        latest_restorable: db.latest_restorable_time().and_then(chrono_time),
        backup_retention_days: db.backup_retention_period().unwrap_or(0),
        tags: our_tags(db.tag_list()),
        settings: cluster_settings(db),
        subnet_group: db.db_subnet_group().map(str::to_owned),
        vpc_id: None,
        members,
        backtrack_window: db.backtrack_window(),
        earliest_backtrack: db.earliest_backtrack_time().and_then(chrono_time),
        replication,
        renaming_to: db
            .pending_modified_values()
            .and_then(|pending| pending.db_cluster_identifier())
            .map(str::to_ascii_lowercase),
    }
}

/// The settings of a cluster that a rollback copy carries, as RDS reports
/// them.
fn cluster_settings(db: &types::DbCluster) -> Settings {
    let mut out = Settings::new();
    let mut text = |name, value: Option<&str>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            out.insert(name, Value::Text(value.to_owned()));
        }
    };
    text(settings::DB_SUBNET_GROUP, db.db_subnet_group());
    text(
        settings::DB_CLUSTER_PARAMETER_GROUP,
        db.db_cluster_parameter_group(),
    );
    text(settings::BACKUP_WINDOW, db.preferred_backup_window());
    text(
        settings::MAINTENANCE_WINDOW,
        db.preferred_maintenance_window(),
    );
    let flags = [
        (settings::IAM_AUTH, db.iam_database_authentication_enabled()),
        (settings::COPY_TAGS, db.copy_tags_to_snapshot()),
        (settings::DELETION_PROTECTION, db.deletion_protection()),
    ];
    for (name, flag) in flags {
        if let Some(flag) = flag {
            out.insert(name, Value::Flag(flag));
        }
    }
    let numbers = [
        (settings::BACKUP_RETENTION, db.backup_retention_period()),
        (settings::PORT, db.port()),
        (
            settings::BACKTRACK_WINDOW,
            db.backtrack_window()
                .and_then(|window| i32::try_from(window).ok()),
        ),
    ];
    for (name, number) in numbers {
        if let Some(number) = number {
            out.insert(name, Value::Number(number));
        }
    }
    if let Some(scaling) = db.serverless_v2_scaling_configuration()
        && let (Some(min), Some(max)) = (scaling.min_capacity(), scaling.max_capacity())
    {
        out.insert(
            settings::SERVERLESS_V2,
            Value::Text(format!("{min}..{max}")),
        );
    }
    let groups: Vec<String> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|group| group.vpc_security_group_id().map(str::to_owned))
        .collect();
    if !groups.is_empty() {
        out.insert(settings::VPC_SECURITY_GROUPS, Value::list(groups));
    }
    out.insert(
        settings::LOG_EXPORTS,
        Value::list(db.enabled_cloudwatch_logs_exports().to_vec()),
    );
    out
}

fn cluster_snapshot(snap: &types::DbClusterSnapshot) -> Snapshot {
    Snapshot {
        id: snap
            .db_cluster_snapshot_identifier()
            .unwrap_or_default()
            .to_owned(),
        arn: snap
            .db_cluster_snapshot_arn()
            .unwrap_or_default()
            .to_owned(),
        status: snap.status().unwrap_or("unknown").to_owned(),
        source_db: snap.db_cluster_identifier().unwrap_or_default().to_owned(),
        created: snap.snapshot_create_time().and_then(chrono_time),
        percent: snap.percent_progress(),
        tags: our_tags(snap.tag_list()),
        encrypted: snap.storage_encrypted().unwrap_or(false),
        kms_key_id: snap.kms_key_id().map(str::to_owned),
        size_gib: snap.allocated_storage(),
        vpc_id: snap.vpc_id().map(str::to_owned),
        kind: snap.snapshot_type().unwrap_or_default().to_owned(),
        of: Kind::Cluster,
        engine: snap.engine().map(str::to_owned),
        copied_from: snap
            .source_db_cluster_snapshot_arn()
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned),
    }
}

/// Fails at once, in one line, when the default chain finds no
/// credentials; the SDK would otherwise report it per call as a dispatch
/// failure with the chain's whole `Debug` form.
async fn check_credentials(config: &aws_config::SdkConfig) -> anyhow::Result<()> {
    use aws_credential_types::provider::ProvideCredentials as _;
    use aws_credential_types::provider::error::CredentialsError;
    const HOW: &str = "in GitHub Actions, add a step with aws-actions/configure-aws-credentials before this one (with `permissions: id-token: write` on the job for OIDC); elsewhere, set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    let Some(provider) = config.credentials_provider() else {
        anyhow::bail!("no AWS credentials were found; {HOW}");
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(error @ CredentialsError::CredentialsNotLoaded(_)) => {
            tracing::debug!("credentials: {error:?}");
            anyhow::bail!("no AWS credentials were found; {HOW}")
        }
        Err(error) => {
            tracing::debug!("credentials: {error:?}");
            anyhow::bail!(
                "could not load AWS credentials: {}; {HOW}",
                retry::one_line(&error)
            )
        }
    }
}

/// The RDS endpoint calls go to, as the user set it (`AWS_ENDPOINT_URL_RDS`
/// or `AWS_ENDPOINT_URL`, which the SDK reads) or the region's own, with
/// what to change to fix it.
fn endpoint_in_use() -> (String, &'static str) {
    for name in ["AWS_ENDPOINT_URL_RDS", "AWS_ENDPOINT_URL"] {
        if let Ok(value) = std::env::var(name)
            && !value.trim().is_empty()
        {
            return (
                format!("`{value}` (from {name})"),
                match name {
                    "AWS_ENDPOINT_URL" => {
                        "; fix AWS_ENDPOINT_URL, or unset it to use AWS's own endpoint"
                    }
                    _ => "; fix AWS_ENDPOINT_URL_RDS, or unset it to use AWS's own endpoint",
                },
            );
        }
    }
    (
        "of the region (`rds.<region>.amazonaws.com`)".to_owned(),
        "; check the runner's network (proxy, DNS, egress rules) and input `aws-region`",
    )
}

/// Turns RDS's "not found" answer into `None`.
fn found<T>(result: Result<T, RdsError>) -> Result<Option<T>, RdsError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

fn instance(db: &types::DbInstance) -> Instance {
    Instance {
        id: db.db_instance_identifier().unwrap_or_default().to_owned(),
        arn: db.db_instance_arn().unwrap_or_default().to_owned(),
        status: db.db_instance_status().unwrap_or("unknown").to_owned(),
        endpoint: db
            .endpoint()
            .and_then(|endpoint| endpoint.address())
            .map(str::to_owned),
        port: db.endpoint().and_then(|endpoint| endpoint.port()),
        created: db.instance_create_time().and_then(chrono_time),
        latest_restorable: db.latest_restorable_time().and_then(chrono_time),
        backup_retention_days: db.backup_retention_period().unwrap_or(0),
        tags: our_tags(db.tag_list()),
        settings: instance_settings(db),
        vpc_id: db
            .db_subnet_group()
            .and_then(|group| group.vpc_id())
            .map(str::to_owned),
        engine: db.engine().unwrap_or_default().to_owned(),
        cluster_id: db.db_cluster_identifier().map(str::to_owned),
        renaming_to: db
            .pending_modified_values()
            .and_then(|pending| pending.db_instance_identifier())
            .map(str::to_ascii_lowercase),
        replicas: db.read_replica_db_instance_identifiers().to_vec(),
        replica_of: db
            .read_replica_source_db_instance_identifier()
            .map(str::to_owned),
    }
}

/// The settings of an instance that a rollback copy carries, as RDS reports
/// them; what it does not report is left out.
fn instance_settings(db: &types::DbInstance) -> Settings {
    let mut out = Settings::new();
    let mut text = |name, value: Option<&str>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            out.insert(name, Value::Text(value.to_owned()));
        }
    };
    text(settings::DB_INSTANCE_CLASS, db.db_instance_class());
    text(
        settings::DB_SUBNET_GROUP,
        db.db_subnet_group()
            .and_then(|group| group.db_subnet_group_name()),
    );
    text(
        settings::DB_PARAMETER_GROUP,
        db.db_parameter_groups()
            .first()
            .and_then(|group| group.db_parameter_group_name()),
    );
    text(
        settings::OPTION_GROUP,
        db.option_group_memberships()
            .first()
            .and_then(|group| group.option_group_name()),
    );
    text(settings::CA_CERTIFICATE, db.ca_certificate_identifier());
    text(settings::BACKUP_WINDOW, db.preferred_backup_window());
    text(
        settings::MAINTENANCE_WINDOW,
        db.preferred_maintenance_window(),
    );
    text(settings::MONITORING_ROLE, db.monitoring_role_arn());
    text(settings::PI_KMS_KEY, db.performance_insights_kms_key_id());
    text(
        settings::DATABASE_INSIGHTS,
        db.database_insights_mode().map(|mode| mode.as_str()),
    );
    let flags = [
        (settings::MULTI_AZ, db.multi_az()),
        (settings::PUBLICLY_ACCESSIBLE, db.publicly_accessible()),
        (settings::IAM_AUTH, db.iam_database_authentication_enabled()),
        (settings::COPY_TAGS, db.copy_tags_to_snapshot()),
        (settings::DELETION_PROTECTION, db.deletion_protection()),
        (
            settings::PERFORMANCE_INSIGHTS,
            db.performance_insights_enabled(),
        ),
    ];
    for (name, flag) in flags {
        if let Some(flag) = flag {
            out.insert(name, Value::Flag(flag));
        }
    }
    let numbers = [
        (settings::BACKUP_RETENTION, db.backup_retention_period()),
        (settings::MONITORING_INTERVAL, db.monitoring_interval()),
        (settings::PROMOTION_TIER, db.promotion_tier()),
        (
            settings::PI_RETENTION,
            db.performance_insights_retention_period(),
        ),
        // Storage autoscaling is on only when the limit is above the
        // allocated storage; RDS (and moto) may report it equal otherwise.
        (
            settings::MAX_ALLOCATED_STORAGE,
            db.max_allocated_storage()
                .filter(|most| Some(*most) > db.allocated_storage()),
        ),
    ];
    for (name, number) in numbers {
        if let Some(number) = number {
            out.insert(name, Value::Number(number));
        }
    }
    let groups: Vec<String> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|group| group.vpc_security_group_id().map(str::to_owned))
        .collect();
    if !groups.is_empty() {
        out.insert(settings::VPC_SECURITY_GROUPS, Value::list(groups));
    }
    out.insert(
        settings::LOG_EXPORTS,
        Value::list(db.enabled_cloudwatch_logs_exports().to_vec()),
    );
    out
}

fn snapshot(snap: &types::DbSnapshot) -> Snapshot {
    Snapshot {
        id: snap.db_snapshot_identifier().unwrap_or_default().to_owned(),
        arn: snap.db_snapshot_arn().unwrap_or_default().to_owned(),
        status: snap.status().unwrap_or("unknown").to_owned(),
        source_db: snap.db_instance_identifier().unwrap_or_default().to_owned(),
        created: snap
            .original_snapshot_create_time()
            .or(snap.snapshot_create_time())
            .and_then(chrono_time),
        percent: snap.percent_progress(),
        tags: our_tags(snap.tag_list()),
        encrypted: snap.encrypted().unwrap_or(false),
        kms_key_id: snap.kms_key_id().map(str::to_owned),
        size_gib: snap.allocated_storage(),
        vpc_id: snap.vpc_id().map(str::to_owned),
        kind: snap.snapshot_type().unwrap_or_default().to_owned(),
        of: Kind::Instance,
        engine: snap.engine().map(str::to_owned),
        copied_from: snap
            .source_db_snapshot_identifier()
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned),
    }
}

fn our_tags(tags: &[types::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|tag| Tag {
            key: tag.key().unwrap_or_default().to_owned(),
            value: tag.value().unwrap_or_default().to_owned(),
        })
        .collect()
}

fn sdk_tags(tags: &[Tag]) -> Vec<types::Tag> {
    tags.iter()
        .map(|tag| {
            types::Tag::builder()
                .key(&tag.key)
                .value(&tag.value)
                .build()
        })
        .collect()
}

fn chrono_time(time: &aws_sdk_rds::primitives::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

fn aws_time(time: DateTime<Utc>) -> aws_sdk_rds::primitives::DateTime {
    aws_sdk_rds::primitives::DateTime::from_secs(time.timestamp())
}
