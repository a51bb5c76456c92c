//! RDS failures, classified by what a caller can do about them. Every SDK
//! call turns its error into an [`RdsError`] through [`ForOp::for_op`],
//! which names the API operation in the message and the IAM fix.

use aws_sdk_rds::config::http::HttpResponse;
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};

use super::retry;

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
        "DescribeKey" | "GenerateMac" | "VerifyMac" => format!("kms:{op}"),
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
                format!("`{}` (from {name})", without_userinfo(&value)),
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

/// The address with any `user:password@` before the host shown as `***@`:
/// a URL's userinfo is a credential, and this text reaches the log.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{authority}{path}"),
        None => format!("{authority}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_rds::operation::describe_db_instances::DescribeDBInstancesError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    type Failure = SdkError<DescribeDBInstancesError, HttpResponse>;

    fn raw(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(body.to_owned()),
        )
    }

    /// RDS's error answer with this code (and message, if any).
    fn answer(code: &str, message: Option<&str>) -> Failure {
        let mut meta = ErrorMetadata::builder().code(code);
        if let Some(message) = message {
            meta = meta.message(message);
        }
        SdkError::service_error(
            DescribeDBInstancesError::generic(meta.build()),
            raw(400, ""),
        )
    }

    /// An answer RDS's error parser found no code in.
    fn unreadable(status: u16, body: &str) -> Failure {
        SdkError::service_error(
            DescribeDBInstancesError::generic(ErrorMetadata::builder().build()),
            raw(status, body),
        )
    }

    fn classify(op: &'static str, error: Failure) -> RdsError {
        Err::<(), _>(error).for_op(op).unwrap_err()
    }

    fn variant(error: &RdsError) -> &'static str {
        match error {
            RdsError::NotFound { .. } => "NotFound",
            RdsError::AlreadyExists { .. } => "AlreadyExists",
            RdsError::QuotaExceeded { .. } => "QuotaExceeded",
            RdsError::InvalidState { .. } => "InvalidState",
            RdsError::AccessDenied { .. } => "AccessDenied",
            RdsError::Unreachable { .. } => "Unreachable",
            RdsError::Aws { .. } => "Aws",
        }
    }

    #[test]
    fn an_error_code_decides_the_variant() {
        let cases = [
            ("DBInstanceAlreadyExists", "AlreadyExists"),
            ("DBSnapshotAlreadyExists", "AlreadyExists"),
            ("DBClusterAlreadyExistsFault", "AlreadyExists"),
            ("SnapshotQuotaExceeded", "QuotaExceeded"),
            ("SnapshotQuotaExceededFault", "QuotaExceeded"),
            ("InvalidDBInstanceState", "InvalidState"),
            ("InvalidDBInstanceStateFault", "InvalidState"),
            ("InvalidDBSnapshotState", "InvalidState"),
            ("InvalidDBClusterStateFault", "InvalidState"),
            ("InvalidDBClusterSnapshotStateFault", "InvalidState"),
            ("AccessDenied", "AccessDenied"),
            ("AccessDeniedException", "AccessDenied"),
            ("UnauthorizedOperation", "AccessDenied"),
            ("DBInstanceNotFound", "Aws"),
            ("Throttling", "Aws"),
            ("InvalidParameterCombination", "Aws"),
            // Only a code that starts with the quota's name is the quota.
            ("StorageQuotaExceeded", "Aws"),
        ];
        for (code, expected) in cases {
            let error = classify("DescribeDBInstances", answer(code, Some("why")));
            assert_eq!(variant(&error), expected, "{code}: {error}");
        }
    }

    #[test]
    fn the_texts_name_the_operation_and_the_fix() {
        let text = |op, code| classify(op, answer(code, Some("why"))).to_string();
        assert_eq!(
            text("CreateDBSnapshot", "DBSnapshotAlreadyExists"),
            "CreateDBSnapshot: it already exists (why)"
        );
        assert_eq!(
            text("DeleteDBInstance", "InvalidDBInstanceState"),
            "DeleteDBInstance: why"
        );
        assert_eq!(
            text("CreateDBSnapshot", "AccessDenied"),
            "CreateDBSnapshot was denied: why; allow `rds:CreateDBSnapshot` in the IAM policy of the role this step runs as (the README lists the permissions each mode needs)"
        );
        assert_eq!(
            text("DescribeKey", "AccessDeniedException"),
            "DescribeKey was denied: why; allow `kms:DescribeKey` in the IAM policy of the role this step runs as (the README lists the permissions each mode needs)"
        );
        assert_eq!(
            text("CreateDBSnapshot", "SnapshotQuotaExceeded"),
            "CreateDBSnapshot: the account's quota of manual DB snapshots in this region is used up (why); delete old snapshots with `mode: prune` (or `prune-keep-last` on the snapshot step), or ask AWS Support for a higher `Manual DB instance snapshots` quota"
        );
        assert_eq!(
            text("CopyDBSnapshot", "SnapshotQuotaExceeded"),
            "CopyDBSnapshot: RDS refused the copy for a quota: either 20 snapshot copies to this region are already in progress (AWS's limit per account), or the account's quota of manual DB snapshots in this region is used up (why); if copies are running (see the snapshots in `copying` or `pending` in the console), re-run this step when some have finished; otherwise delete old snapshots in the target region with `mode: prune`, or ask AWS Support for a higher `Manual DB instance snapshots` quota"
        );
        assert_eq!(
            text("ModifyDBInstance", "InvalidParameterCombination"),
            "ModifyDBInstance failed: InvalidParameterCombination: why"
        );
        let missing = RdsError::NotFound {
            what: "DB instance",
            id: "prod".to_owned(),
            region: "eu-west-1".to_owned(),
        };
        assert_eq!(
            missing.to_string(),
            "DB instance `prod` does not exist in region eu-west-1"
        );
    }

    #[test]
    fn an_answer_without_a_message_says_so() {
        let error = classify("DescribeDBInstances", answer("Throttling", None));
        assert_eq!(
            error.to_string(),
            "DescribeDBInstances failed: Throttling: no message"
        );
    }

    #[test]
    fn a_403_rds_could_not_parse_is_a_denial_with_its_message() {
        let body = "<ErrorResponse><Error><Message>User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: rds:DescribeDBInstances</Message></Error></ErrorResponse>";
        let error = classify("DescribeDBInstances", unreadable(403, body));
        match &error {
            RdsError::AccessDenied { op, message } => {
                assert_eq!(*op, "DescribeDBInstances");
                assert_eq!(
                    message,
                    "User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: rds:DescribeDBInstances"
                );
            }
            other => panic!("not a denial: {other}"),
        }
        let error = classify("DescribeDBInstances", unreadable(403, "<html>no</html>"));
        assert!(
            matches!(&error, RdsError::AccessDenied { message, .. } if message == "HTTP 403"),
            "{error}"
        );
    }

    #[test]
    fn an_answer_that_is_not_rds_is_a_failed_request() {
        let error = classify(
            "DescribeDBInstances",
            unreadable(502, "<html>bad gateway</html>"),
        );
        assert_eq!(
            error.to_string(),
            "DescribeDBInstances failed: request failed: HTTP 502 from the endpoint, without an RDS error in the body"
        );
        assert!(error.is_transient());

        let unread = SdkError::response_error("truncated", raw(200, "<Describe"));
        let error = classify("DescribeDBInstances", unread);
        assert_eq!(
            error.to_string(),
            "DescribeDBInstances failed: request failed: HTTP 200 from the endpoint, and the response could not be read"
        );

        let error = classify("DescribeDBInstances", SdkError::timeout_error("slow"));
        assert_eq!(
            error.to_string(),
            "DescribeDBInstances failed: request failed: the request timed out"
        );
        assert!(error.is_transient());
    }

    #[test]
    fn an_endpoint_that_refuses_is_unreachable() {
        let refused = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "client error (Connect): tcp connect error: Connection refused (os error 111)",
        );
        let failure = SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
        let error = classify("DescribeDBInstances", failure);
        match &error {
            RdsError::Unreachable { op, reason, .. } => {
                assert_eq!(*op, "DescribeDBInstances");
                assert_eq!(reason, "connection refused");
            }
            other => panic!("not unreachable: {other}"),
        }
        assert!(
            error
                .to_string()
                .starts_with("DescribeDBInstances could not reach the RDS endpoint "),
            "{error}"
        );
        assert!(!error.is_transient());
    }

    #[test]
    fn an_endpoint_s_userinfo_is_not_shown() {
        let cases = [
            (
                "http://user:s3cret@10.0.0.1:4566",
                "http://***@10.0.0.1:4566",
            ),
            (
                "https://s3cret@host/path?q=a@b",
                "https://***@host/path?q=a@b",
            ),
            ("http://a:b@c@host:1/", "http://***@host:1/"),
            ("user:s3cret@host", "***@host"),
            ("http://127.0.0.1:4566", "http://127.0.0.1:4566"),
            ("http://host/p@th", "http://host/p@th"),
        ];
        for (url, shown) in cases {
            assert_eq!(without_userinfo(url), shown, "{url}");
        }
    }

    #[test]
    fn a_connection_lost_after_connecting_is_a_failed_request() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset");
        let failure = SdkError::dispatch_failure(ConnectorError::io(Box::new(reset)));
        let error = classify("DescribeDBInstances", failure);
        assert!(
            matches!(&error, RdsError::Aws { code, message, .. }
                if code == "request failed" && message.contains("connection reset")),
            "{error}"
        );
        assert!(error.is_transient());
    }

    #[test]
    fn only_throttling_5xx_and_no_answer_are_transient() {
        let transient = [
            "Throttling",
            "ThrottlingException",
            "RequestLimitExceeded",
            "InternalFailure",
            "InternalError",
            "ServiceUnavailable",
        ];
        for code in transient {
            let error = classify("BacktrackDBCluster", answer(code, None));
            assert!(error.is_transient(), "{code}");
        }
        let lasting = [
            "InvalidParameterValue",
            "DBClusterNotFoundFault",
            "InvalidDBClusterStateFault",
            "AccessDenied",
            "DBClusterAlreadyExistsFault",
        ];
        for code in lasting {
            let error = classify("BacktrackDBCluster", answer(code, None));
            assert!(!error.is_transient(), "{code}");
        }
    }

    #[test]
    fn found_turns_not_found_into_none_and_keeps_other_errors() {
        let ok: Result<u8, RdsError> = Ok(1);
        assert_eq!(found(ok).unwrap(), Some(1));
        for code in ["DBInstanceNotFound", "DBSnapshotNotFoundFault"] {
            let missing = Err::<u8, _>(answer(code, None)).for_op("DescribeDBInstances");
            assert_eq!(found(missing).unwrap(), None, "{code}");
        }
        let denied = Err::<u8, _>(answer("AccessDenied", None)).for_op("DescribeDBInstances");
        assert!(matches!(found(denied), Err(RdsError::AccessDenied { .. })));
        // A "not found" from our own lookups is an answer, not an absence.
        let ours: Result<u8, RdsError> = Err(RdsError::NotFound {
            what: "DB instance",
            id: "prod".to_owned(),
            region: "eu-west-1".to_owned(),
        });
        assert!(found(ours).is_err());
    }
}
