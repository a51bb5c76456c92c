//! Level 3 on PostgreSQL engines (RDS for PostgreSQL, Aurora PostgreSQL),
//! through tokio-postgres with TLS through rustls. The login is SCRAM,
//! which never puts the password on the wire, even where the certificate
//! is not checked.

use std::sync::Arc;

use super::{CONNECT_TIMEOUT, Cause, QUERY_TIMEOUT, Row, Target, connect_error, query_error};
use crate::config::CaBundle;

/// Logs in to the DB's database and runs `query`; its first row. That is
/// the one named by `DBName` (an Aurora cluster's `DatabaseName`), where the
/// application's tables are, else `postgres`, which RDS creates when no
/// name is given (API_CreateDBInstance, DBName) and every PostgreSQL
/// server has.
pub(super) async fn first_row(target: &Target<'_>, query: &str) -> Result<Option<Row>, String> {
    use tokio_postgres::config::SslMode;
    let mut config = tokio_postgres::Config::new();
    config
        .host(target.host)
        .port(target.port)
        .user(target.user)
        .password(target.password)
        .dbname(target.database.unwrap_or("postgres"))
        .application_name("rds-snapshot-action drill")
        .connect_timeout(CONNECT_TIMEOUT)
        .ssl_mode(if target.ca.is_some() {
            SslMode::Require
        } else {
            SslMode::Prefer
        });
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(target.ca)?);
    let (client, connection) = config
        .connect(tls)
        .await
        .map_err(|error| connect_error(target, cause(&error)))?;
    let connection = tokio::spawn(connection);
    let run = tokio::time::timeout(QUERY_TIMEOUT, client.simple_query(query)).await;
    drop(client);
    connection.abort();
    let messages = run.map_err(|_| super::query_timeout())?.map_err(|error| {
        let why = error.as_db_error().map_or_else(
            || error.to_string(),
            |db| format!("{} ({})", db.message(), db.code().code()),
        );
        query_error(target, &why)
    })?;
    let row = messages.into_iter().find_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
        _ => None,
    });
    Ok(row.map(|row| {
        Row(row
            .columns()
            .iter()
            .enumerate()
            .map(|(i, column)| (column.name().to_owned(), row.get(i).map(str::to_owned)))
            .collect())
    }))
}

fn cause(error: &tokio_postgres::Error) -> Cause {
    if let Some(db) = error.as_db_error() {
        let code = db.code().code();
        let why = format!("{}, {code}", db.message());
        // 28P01 invalid_password, 28000 invalid_authorization_specification
        // (PostgreSQL errcodes, class 28).
        return if code.starts_with("28") {
            Cause::Login(why)
        } else {
            Cause::Refused(format!("{} ({code})", db.message()))
        };
    }
    let source = std::error::Error::source(error)
        .map(ToString::to_string)
        .unwrap_or_default();
    Cause::from_text(format!("{error:#}: {source}"))
}

/// TLS as `sslmode=require`: encrypted, the server's certificate not
/// checked against a CA (see the module's header); with `probe-ca-bundle`
/// as `sslmode=verify-full`: the certificate must chain to one of its CAs
/// and name the host.
fn tls_config(ca: Option<&CaBundle>) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions");
    let Some(ca) = ca else {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth());
    };
    Ok(builder
        .with_root_certificates(super::roots(ca)?)
        .with_no_client_auth())
}

/// Checks the handshake's signatures (so the session is really keyed to
/// the certificate presented) but not who signed the certificate.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
