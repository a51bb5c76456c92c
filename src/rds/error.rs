//! RDS failures, classified by what a caller can do about them. Every SDK
//! call turns its error into an [`RdsError`] through [`ForOp::for_op`],
//! which names the API operation in the message and the IAM fix.

use aws_sdk_rds::config::http::HttpResponse;
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};

use crate::retry;

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
    /// ([`super::Rds::backtrack`]).
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

/// Names the API operation an SDK call was: its error becomes an
/// [`RdsError`] that says which operation failed.
pub(super) trait ForOp<T> {
    fn for_op(self, op: &'static str) -> Result<T, RdsError>;
}

impl<T, E> ForOp<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn for_op(self, op: &'static str) -> Result<T, RdsError> {
        self.map_err(|error| RdsError::from_sdk(op, error))
    }
}

/// Turns RDS's "not found" answer into `None`.
pub(super) fn found<T>(result: Result<T, RdsError>) -> Result<Option<T>, RdsError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The IAM action that allows an API operation.
fn permission(op: &str) -> String {
    match op {
        "DescribeKey" => "kms:DescribeKey".to_owned(),
        op => format!("rds:{op}"),
    }
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
