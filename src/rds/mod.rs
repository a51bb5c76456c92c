//! The only module that speaks `aws-sdk-rds`. It turns SDK shapes into the
//! few facts the modes need, and SDK errors into [`RdsError`], whose variants
//! are the cases a caller branches on.
//!
//! - this file: the client, [`Rds`]: connecting, the region, the
//!   credentials check;
//! - [`error`]: [`RdsError`] and how an SDK error is classified;
//! - [`resources`]: our shapes ([`Instance`], [`Cluster`], [`Snapshot`], ...);
//! - [`convert`]: SDK shapes to ours and back;
//! - [`setters`]: the one table of which SDK setter carries each setting in
//!   each call;
//! - the calls, by family: [`instances`], [`clusters`] (with Backtrack),
//!   [`snapshots`] (of both), and [`account`] (groups, tags, Blue/Green);
//! - [`plan`]: `plan: true`, the record of the mutating calls a step would
//!   make, taken instead of making them;
//! - [`kms`]: the MACs of verified provenance (`provenance-key`);
//! - [`retry`]: how the SDK's retries are judged (unreachable endpoints fail
//!   fast) and logged.
//!
//! Every call names its API operation once, in `.for_op("...")`, which
//! classifies its error; listings read every page through the SDK's own
//! `into_paginator().items()`.

mod account;
mod clusters;
mod convert;
mod error;
#[cfg(test)]
mod fixtures;
mod instances;
mod kms;
mod plan;
mod resources;
pub mod retry;
mod setters;
mod snapshots;

use aws_sdk_rds::Client;

pub use error::RdsError;
pub use plan::{Call, Check, Planned};
pub use resources::{Backtrack, BlueGreen, Cluster, Instance, Member, NewDb, Snapshot};

use retry::{ConnectFailures, RetryLog};

/// How the SDK retries throttling, 5xx answers and dropped connections
/// unless `AWS_RETRY_MODE` or `AWS_MAX_ATTEMPTS` say otherwise.
pub fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(10)
}

/// How long one attempt of a call may go unanswered before it is given up
/// and retried like any transient failure, unless
/// [`ATTEMPT_TIMEOUT_ENV`] says otherwise. RDS answers its API calls in
/// seconds; without a bound, a connection that stalls would hold the step
/// until the job's own timeout. botocore's read timeout is 60 s too.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The environment variable that sets [`ATTEMPT_TIMEOUT`], in `ms` or `s`.
pub const ATTEMPT_TIMEOUT_ENV: &str = "RDS_SNAPSHOT_ACTION_ATTEMPT_TIMEOUT";

/// The RDS API of one region, and KMS beside it to tell AWS-managed keys
/// (which cannot be shared) from customer-managed ones.
#[derive(Debug, Clone)]
pub struct Rds {
    client: Client,
    kms: Option<aws_sdk_kms::Client>,
    /// Secrets Manager, for a drill's `probe-secret-arn` only.
    secrets: Option<aws_sdk_secretsmanager::Client>,
    region: String,
    /// `provenance-key`, with KMS in the step's own region: the key is
    /// regional, so a MAC is made and checked there even for a resource in
    /// another region (a copy's).
    provenance: Option<(String, Option<aws_sdk_kms::Client>)>,
    /// `plan: true`: where the mutating calls are recorded instead of sent
    /// (see [`plan`]).
    plan: plan::Shared,
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
            loader = loader.retry_config(retry_config());
        }
        let attempt = crate::model::env_duration(
            ATTEMPT_TIMEOUT_ENV,
            std::env::var(ATTEMPT_TIMEOUT_ENV).ok().as_deref(),
            ATTEMPT_TIMEOUT,
        )
        .map_err(anyhow::Error::msg)?;
        // The SDK's own connect timeout (3.1 s) stays; each attempt is
        // bounded, and the retries (above) try again.
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_millis(3100))
                .operation_attempt_timeout(attempt)
                .build(),
        );
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
        let secrets = aws_sdk_secretsmanager::config::Builder::from(&config)
            .interceptor(RetryLog)
            .build();
        let mut rds =
            Self::new(Client::from_conf(rds)).with_kms(aws_sdk_kms::Client::from_conf(kms));
        rds.secrets = Some(aws_sdk_secretsmanager::Client::from_conf(secrets));
        Ok(rds)
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
            secrets: None,
            region,
            provenance: None,
            plan: None,
        }
    }

    pub fn with_kms(mut self, kms: aws_sdk_kms::Client) -> Self {
        self.kms = Some(kms);
        self
    }

    /// Makes and checks MACs with this KMS key (input `provenance-key`).
    pub fn with_provenance_key(mut self, key: &str) -> Self {
        self.provenance = Some((key.to_owned(), self.kms.clone()));
        self
    }

    /// The key of input `provenance-key`, if set.
    pub fn provenance_key(&self) -> Option<&str> {
        self.provenance.as_ref().map(|(key, _)| key.as_str())
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
            provenance: self.provenance.clone(),
            plan: self.plan.clone(),
            ..Rds::new(client)
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The user name and password in Secrets Manager secret `arn`, in
    /// RDS's form (`{"username": ..., "password": ...}`, the form RDS
    /// itself keeps a managed master password in). The password is never
    /// part of an error.
    pub async fn secret_login(&self, arn: &str) -> anyhow::Result<(String, String)> {
        let Some(secrets) = &self.secrets else {
            anyhow::bail!("no Secrets Manager client to read `{arn}` with");
        };
        let answer = secrets
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|error| {
                use aws_sdk_secretsmanager::error::ProvideErrorMetadata as _;
                // The code from the answer's body; where the body names none,
                // its HTTP status (a denial is 403, AccessDeniedException in
                // API_GetSecretValue's errors).
                let status = error.raw_response().map(|answer| answer.status().as_u16());
                let code = match (error.code(), status) {
                    (Some(code), _) => code.to_owned(),
                    (None, Some(403)) => "access denied (HTTP 403)".to_owned(),
                    (None, Some(status)) => format!("HTTP {status}"),
                    (None, None) => format!("{}", aws_sdk_secretsmanager::error::DisplayErrorContext(&error)),
                };
                anyhow::anyhow!(
                    "reading secret `{arn}` (GetSecretValue) failed: {code}{}; check input `probe-secret-arn` and that the role may call secretsmanager:GetSecretValue on it (and kms:Decrypt on its key)",
                    error.message().map(|m| format!(": {m}")).unwrap_or_default()
                )
            })?;
        #[derive(serde::Deserialize)]
        struct Login {
            username: String,
            password: String,
        }
        let login: Login = answer
            .secret_string()
            .and_then(|text| serde_json::from_str(text).ok())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "secret `{arn}` is not a JSON object with `username` and `password` strings (RDS's form for DB credentials); check input `probe-secret-arn`"
                )
            })?;
        Ok((login.username, login.password))
    }

    fn not_found(&self, what: &'static str, id: &str) -> RdsError {
        RdsError::NotFound {
            what,
            id: id.to_owned(),
            region: self.region.clone(),
        }
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
            let text = retry::one_line(&error);
            if let Some(status) = credential_process_failure(&text) {
                // What the process wrote to stderr is not ours to print: it
                // may hold a secret or a runner command. It stays behind
                // the debug level, as the SDK's own trace keeps it.
                tracing::debug!("credentials: {error:?}");
                let profile = std::env::var("AWS_PROFILE")
                    .ok()
                    .filter(|p| !p.trim().is_empty())
                    .unwrap_or_else(|| "default".to_owned());
                anyhow::bail!(
                    "could not load AWS credentials: the `credential_process` of AWS profile `{profile}` failed ({status}); its error output is not shown, since it can hold secrets; run that command by hand in the same environment to see why, and check the profile's `credential_process` line in the AWS config file (AWS_CONFIG_FILE, or ~/.aws/config)"
                );
            }
            tracing::debug!("credentials: {error:?}");
            anyhow::bail!("could not load AWS credentials: {text}; {HOW}")
        }
    }
}

/// Whether the credentials error is a `credential_process` that failed, and
/// then how it ended, without what it wrote (aws-config puts the process's
/// whole stderr, or its unparsable stdout, into the error's text).
fn credential_process_failure(text: &str) -> Option<String> {
    if let Some((_, rest)) = text.split_once("external process exited with code ") {
        let status = rest
            .split_once(". Stderr:")
            .map_or(rest, |(status, _)| status);
        return Some(format!("it exited with {}", status.trim()));
    }
    if text.contains("from external process, could not parse response") {
        return Some("its output is not valid credentials JSON".to_owned());
    }
    if text.contains("from external process") {
        return Some("it could not be run or its output could not be read".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::credential_process_failure;

    #[test]
    fn a_credential_process_failure_keeps_its_status_and_drops_its_output() {
        let text = "the credential provider was not properly configured: Error retrieving credentials: external process exited with code exit status: 3. Stderr: ::error::token=abc";
        assert_eq!(
            credential_process_failure(text).as_deref(),
            Some("it exited with exit status: 3")
        );
        let text = "Error retrieving credentials from external process, could not parse response: secret-ish";
        let status = credential_process_failure(text).unwrap();
        assert!(!status.contains("secret"), "{status}");
        assert_eq!(
            credential_process_failure("no credentials in the environment"),
            None
        );
    }
}
