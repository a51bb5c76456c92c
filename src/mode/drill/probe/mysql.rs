//! Level 3 on MySQL-family engines (RDS for MySQL, RDS for MariaDB, Aurora
//! MySQL), through mysql_async with TLS through rustls.
//!
//! - TLS: every RDS for MySQL and MariaDB, and Aurora MySQL, endpoint
//!   offers it, with a certificate an RDS CA signed (UsingWithRDS.SSL,
//!   "Using SSL/TLS with a MySQL DB instance"). The probe asks for TLS and
//!   goes on without it only where the server offers none and no
//!   `probe-ca-bundle` is given, as MySQL's client does with
//!   `--ssl-mode=PREFERRED`; with the bundle, as `VERIFY_IDENTITY`.
//! - The login: `mysql_native_password` (MariaDB, MySQL 5.7) is a
//!   challenge and response, which never sends the password;
//!   `caching_sha2_password` (MySQL 8.0's default, 8.4's only) sends it
//!   inside TLS, or RSA-encrypted with the server's key without TLS. Where
//!   the certificate is not checked, set `probe-ca-bundle` to keep it from
//!   a server that is not the DB. The cleartext plugin stays off.
//! - The database: the DB's `DBName`, or none; MySQL needs none to run a
//!   query, and `probe-query` can name one (`SELECT count(*) FROM
//!   shop.orders`). "If this parameter isn't specified, no database is
//!   created in the DB instance" (API CreateDBInstance, DBName, MySQL).

use mysql_async::prelude::Queryable as _;
use mysql_async::{Conn, DriverError, Error, IoError, OptsBuilder, SslOpts, Value};

use super::{CONNECT_TIMEOUT, Cause, QUERY_TIMEOUT, Row, Target, connect_error, query_error};

/// Logs in and runs `query` over the text protocol; its first row.
pub(super) async fn first_row(target: &Target<'_>, query: &str) -> Result<Option<Row>, String> {
    let mut conn = match connect(target, true).await {
        // No TLS offered: without `probe-ca-bundle`, on without it.
        Err(Error::Driver(DriverError::NoClientSslFlagFromServer)) if target.ca.is_none() => {
            connect(target, false).await
        }
        other => other,
    }
    .map_err(|error| connect_error(target, cause(error)))?;
    let run = async {
        let mut result = conn.query_iter(query).await?;
        let row = result.next().await?;
        // The rest of the answer is not read: the connection is dropped.
        Ok::<_, Error>(row)
    };
    let row = tokio::time::timeout(QUERY_TIMEOUT, run)
        .await
        .map_err(|_| super::query_timeout())?
        .map_err(|error| query_error(target, &server_words(&error)))?;
    drop(conn);
    Ok(row.map(|row| {
        Row(row
            .columns_ref()
            .iter()
            .enumerate()
            .map(|(i, column)| (column.name_str().into_owned(), row.as_ref(i).and_then(text)))
            .collect())
    }))
}

async fn connect(target: &Target<'_>, tls: bool) -> Result<Conn, Error> {
    let opts = OptsBuilder::default()
        .ip_or_hostname(target.host)
        .tcp_port(target.port)
        .user(Some(target.user))
        .pass(Some(target.password))
        .db_name(target.database)
        // mysql_async would move a connection to a loopback host onto the
        // server's Unix socket, past TLS.
        .prefer_socket(false)
        .stmt_cache_size(0)
        .ssl_opts(tls.then(|| ssl_opts(target)));
    match tokio::time::timeout(CONNECT_TIMEOUT, Conn::new(opts)).await {
        Ok(connected) => connected,
        Err(_) => Err(Error::Io(IoError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
        )))),
    }
}

/// With `probe-ca-bundle`: its CAs only (not the built-in public roots),
/// and the certificate must name the host. Without: encrypted, any
/// certificate (the handshake's signatures are still checked).
fn ssl_opts(target: &Target<'_>) -> SslOpts {
    // mysql_async builds its rustls config on the process's provider:
    // aws-lc-rs, as the rest of the binary. Already set is as good.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match target.ca {
        Some(ca) => SslOpts::default()
            .with_root_certs(
                ca.certificates
                    .iter()
                    .map(|der| der.clone().into())
                    .collect(),
            )
            .with_disable_built_in_roots(true),
        None => SslOpts::default().with_danger_accept_invalid_certs(true),
    }
}

/// A value of the text protocol as text; `None` for `NULL`.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        other => Some(other.as_sql(true)),
    }
}

/// The server's message and codes, or the driver's words.
fn server_words(error: &Error) -> String {
    match error {
        Error::Server(server) => format!(
            "{} ({}, SQLSTATE {})",
            server.message, server.code, server.state
        ),
        other => other.to_string(),
    }
}

fn cause(error: Error) -> Cause {
    match error {
        // 1045 ER_ACCESS_DENIED_ERROR, 1044 ER_DBACCESS_DENIED_ERROR,
        // SQLSTATE class 28 (invalid authorization), MySQL's error reference.
        Error::Server(ref server)
            if matches!(server.code, 1044 | 1045) || server.state.starts_with("28") =>
        {
            Cause::Login(server_words(&error))
        }
        Error::Server(_) => Cause::Refused(server_words(&error)),
        Error::Driver(DriverError::NoClientSslFlagFromServer) => {
            Cause::Tls("the server offers no TLS, and `probe-ca-bundle` requires it".to_owned())
        }
        Error::Io(IoError::Tls(tls)) => Cause::Tls(tls.to_string()),
        // tokio-rustls reports a failed handshake as an I/O error that
        // carries rustls's.
        Error::Io(IoError::Io(io))
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            Cause::Tls(io.to_string())
        }
        Error::Io(IoError::Io(io)) => Cause::Network(io.to_string()),
        other => Cause::from_text(other.to_string()),
    }
}
