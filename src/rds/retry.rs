//! How the SDK's own retries are judged and reported. The SDK retries
//! throttling, 5xx answers and dropped connections (`standard` mode); this
//! module adds two things it lacks for a step someone watches at 3 a.m.:
//!
//! - [`ConnectFailures`]: an endpoint that cannot be reached fails fast. An
//!   unsupported scheme (`htp://`) or a host name that does not resolve can
//!   never succeed on retry, so it is not retried; a connection refused or a
//!   connect timeout is tried [`MAX_CONNECT_ATTEMPTS`] times in a row, not
//!   the 10 attempts (about a minute of silence) that throttling gets.
//! - [`RetryLog`]: every retry is logged at info level as it happens, with
//!   what failed, so a slow step explains itself.

use std::error::Error as StdError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::orchestrator::{Metadata, OrchestratorError};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::retry::RetryConfig;
use tracing::info;

/// Attempts in a row that may fail to connect before a call gives up:
/// with a 3.1 s connect timeout and the standard back-off (up to 1 s, then
/// 2 s), an endpoint that drops packets fails in about 12 s, one that
/// refuses connections in about 3 s.
pub const MAX_CONNECT_ATTEMPTS: u32 = 3;

/// Why an attempt could not reach the endpoint at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Retrying cannot help: a bad scheme, a host that does not exist.
    Permanent(String),
    /// Nothing answered this time: refused, or the connect timed out.
    Transient(String),
}

impl ConnectFailure {
    pub fn reason(&self) -> &str {
        match self {
            ConnectFailure::Permanent(reason) | ConnectFailure::Transient(reason) => reason,
        }
    }
}

/// Classifies an error from the HTTP connector: `None` when the connection
/// was made (a reset mid-request, say), which the SDK's rules handle.
///
/// hyper's errors are matched by their text, since the SDK keeps their
/// types private; the texts are hyper-util's own ("client error (Connect)",
/// "dns error", "unsupported scheme").
pub fn connect_failure(error: &(dyn StdError + 'static)) -> Option<ConnectFailure> {
    let texts = chain(error);
    let all = texts.join(": ");
    let connect = all.contains("(Connect)") || all.contains("connect timeout");
    if all.contains("unsupported scheme") || all.contains("invalid URI") {
        return Some(ConnectFailure::Permanent(last_words(&texts)));
    }
    if !connect {
        return None;
    }
    // NXDOMAIN: "Name or service not known" (glibc), "nodename nor servname
    // provided, or not known" (macOS), "No such host is known" (Windows).
    // A temporary resolver failure ("Temporary failure in name resolution")
    // may pass, so it is retried like a refused connection.
    let unknown_host = ["not known", "No such host", "No address associated"]
        .iter()
        .any(|text| all.contains(text));
    if all.contains("dns error") && unknown_host {
        return Some(ConnectFailure::Permanent(
            "the host name does not resolve".to_owned(),
        ));
    }
    Some(ConnectFailure::Transient(if all.contains("refused") {
        "connection refused".to_owned()
    } else if all.contains("timeout") || all.contains("timed out") {
        "the connection timed out".to_owned()
    } else {
        last_words(&texts)
    }))
}

/// The Display texts of an error and its sources, without repeats. Never
/// `Debug`: that dumps the SDK's internals into the log.
pub fn chain(error: &(dyn StdError + 'static)) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        if !text.is_empty() && !texts.iter().any(|seen| seen.contains(&text)) {
            texts.push(text);
        }
        next = error.source();
    }
    texts
}

/// An error's chain as one line.
pub fn one_line(error: &(dyn StdError + 'static)) -> String {
    chain(error).join(": ")
}

fn last_words(texts: &[String]) -> String {
    texts
        .last()
        .cloned()
        .unwrap_or_else(|| "no answer".to_owned())
}

/// The retry classifier that makes unreachable endpoints fail fast. It runs
/// after the SDK's own classifiers and only ever forbids a retry.
#[derive(Debug, Default, Clone)]
pub struct ConnectFailures {
    /// Connect failures in a row, across the calls of this client.
    in_a_row: Arc<AtomicU32>,
}

impl ClassifyRetry for ConnectFailures {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let failure = ctx
            .output_or_error()
            .and_then(|result| result.err())
            .and_then(OrchestratorError::as_connector_error)
            .and_then(|error| connect_failure(error));
        match failure {
            None => {
                self.in_a_row.store(0, Ordering::Relaxed);
                RetryAction::NoActionIndicated
            }
            Some(ConnectFailure::Permanent(_)) => RetryAction::RetryForbidden,
            Some(ConnectFailure::Transient(_)) => {
                let seen = self.in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                if seen >= MAX_CONNECT_ATTEMPTS {
                    RetryAction::RetryForbidden
                } else {
                    RetryAction::NoActionIndicated
                }
            }
        }
    }

    fn name(&self) -> &'static str {
        "rds-snapshot-action: unreachable endpoints fail fast"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// What the last attempt of a call failed with, kept for the retry's log
/// line.
#[derive(Debug, Clone)]
struct LastFailure(String);

impl Storable for LastFailure {
    type Storer = StoreReplace<Self>;
}

/// Logs each retry at info level, as it starts.
#[derive(Debug, Default, Clone)]
pub struct RetryLog;

impl Intercept for RetryLog {
    fn name(&self) -> &'static str {
        "rds-snapshot-action: retry log"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Err(error)) = context.output_or_error() else {
            return Ok(());
        };
        let what = match (context.response(), error.as_connector_error()) {
            (_, Some(connector)) => connect_failure(connector)
                .map(|failure| failure.reason().to_owned())
                .unwrap_or_else(|| one_line(connector)),
            (Some(response), None) => {
                let status = response.status().as_u16();
                let body = response
                    .body()
                    .bytes()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                match body
                    .split_once("<Code>")
                    .and_then(|(_, rest)| rest.split_once("</Code>"))
                {
                    Some((code, _)) => format!("HTTP {status} {code}"),
                    None => format!("HTTP {status}"),
                }
            }
            (None, None) => {
                if error.is_timeout_error() {
                    "the request timed out".to_owned()
                } else {
                    "the request failed".to_owned()
                }
            }
        };
        cfg.interceptor_state().store_put(LastFailure(what));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        if attempt <= 1 {
            return Ok(());
        }
        let op = cfg.load::<Metadata>().map_or("the call", |m| m.name());
        let max = cfg
            .load::<RetryConfig>()
            .map(|config| format!(" of {}", config.max_attempts()))
            .unwrap_or_default();
        let after = cfg
            .load::<LastFailure>()
            .map(|last| format!(" after {}", last.0))
            .unwrap_or_default();
        info!("retrying {op} (attempt {attempt}{max}){after}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error chain as hyper-util's connector builds it: the client's
    /// error, then its source, and so on.
    #[derive(Debug)]
    struct Link(&'static str, Option<Box<Link>>);

    impl std::fmt::Display for Link {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Link {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1
                .as_deref()
                .map(|link| link as &(dyn StdError + 'static))
        }
    }

    fn connect(texts: &[&'static str]) -> Option<ConnectFailure> {
        let chain = texts
            .iter()
            .rev()
            .fold(None, |source, text| Some(Box::new(Link(text, source))));
        connect_failure(chain.as_deref().expect("one text at least"))
    }

    // The integration tests reach only loopback, so a name that does not
    // resolve is shown here, by the texts glibc's resolver gives, rather
    // than by asking a DNS server.
    #[test]
    fn a_name_that_does_not_resolve_is_permanent_but_a_resolver_that_fails_is_not() {
        let nxdomain = connect(&[
            "client error (Connect)",
            "dns error",
            "failed to lookup address information: Name or service not known",
        ]);
        assert!(
            matches!(&nxdomain, Some(ConnectFailure::Permanent(why)) if why == "the host name does not resolve"),
            "{nxdomain:?}"
        );
        let resolver_down = connect(&[
            "client error (Connect)",
            "dns error",
            "failed to lookup address information: Temporary failure in name resolution",
        ]);
        assert!(
            matches!(&resolver_down, Some(ConnectFailure::Transient(_))),
            "{resolver_down:?}"
        );
        let refused = connect(&[
            "client error (Connect)",
            "tcp connect error",
            "Connection refused (os error 111)",
        ]);
        assert!(
            matches!(&refused, Some(ConnectFailure::Transient(why)) if why == "connection refused"),
            "{refused:?}"
        );
        // A reset after the connection was made is the SDK's to retry.
        assert!(connect(&["connection reset by peer"]).is_none());
    }
}
