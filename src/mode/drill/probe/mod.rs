//! The proof that a scratch DB serves, from the runner (levels 2 and 3)
//! and from AWS's side (level 1). Each error names the cause and the way
//! out, for the step's `::error::`.
//!
//! - Level 2: TCP to the endpoint and the engine's first words:
//!   PostgreSQL's answer to an SSLRequest (`S` or `N`, protocol docs,
//!   "Message Flow: SSL Session Encryption"), MySQL's server greeting
//!   (protocol version 10, "Connection Phase: Initial Handshake").
//! - Level 3: `probe-query`, through tokio-postgres ([`postgres`]) or
//!   mysql_async ([`mysql`]) behind one [`sql`], over TLS where the server
//!   offers it. As libpq's `sslmode=require` (MySQL's `--ssl-mode=REQUIRED`
//!   where offered), the channel is encrypted but the server's certificate
//!   is not checked against a CA (RDS signs with its own CAs, which no
//!   public root store holds, and the image ships no bundle). With
//!   `probe-ca-bundle`, as `sslmode=verify-full` (`VERIFY_IDENTITY`): TLS
//!   only, and the certificate must chain to one of those CAs and name the
//!   endpoint.
//! - Level 1: the engine's own log, read through RDS
//!   (DescribeDBLogFiles, DownloadDBLogFilePortion), shows it accepting
//!   connections; no network path to the DB is needed.

mod mysql;
mod postgres;

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::config::CaBundle;
use crate::rds::Rds;

/// How long a connection attempt may take before the endpoint counts as
/// unreachable from this runner.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `probe-query` may run.
const QUERY_TIMEOUT: Duration = Duration::from_secs(300);

/// The engine families the probe speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Postgres,
    Mysql,
    Other,
}

impl Family {
    pub fn of(engine: &str) -> Family {
        if engine.contains("postgres") {
            Family::Postgres
        } else if engine.contains("mysql") || engine.contains("mariadb") {
            Family::Mysql
        } else {
            Family::Other
        }
    }

    /// The line the engine logs once it accepts connections.
    fn ready_line(self) -> Option<&'static str> {
        match self {
            // PostgreSQL's postmaster, on start and after recovery.
            Family::Postgres => Some("database system is ready to accept connections"),
            // mysqld: "... ready for connections. Version: ...".
            Family::Mysql => Some("ready for connections"),
            Family::Other => None,
        }
    }
}

/// The hint for a DB the runner cannot reach.
pub const UNREACHABLE_HINT: &str = "a DB in a private VPC can be reached only from inside it: run the drill on a self-hosted runner in the VPC (with a security group that lets it in) for proof levels 2 and 3, or leave out `probe-query` and its login: level 1 (the engine's log, read through the RDS API) needs no network path";

/// Level 2: TCP and the engine's handshake. Returns what the engine said.
pub async fn handshake(host: &str, port: u16, family: Family) -> Result<String, String> {
    let mut stream = connect(host, port).await?;
    match family {
        Family::Postgres => {
            // SSLRequest: length 8, code 80877103.
            let mut request = 8u32.to_be_bytes().to_vec();
            request.extend(80_877_103u32.to_be_bytes());
            let mut answer = [0u8; 1];
            let exchange = async {
                stream.write_all(&request).await?;
                stream.read_exact(&mut answer).await
            };
            tokio::time::timeout(CONNECT_TIMEOUT, exchange)
                .await
                .map_err(|_| format!("{host}:{port} accepted TCP but sent no PostgreSQL answer within {}s", CONNECT_TIMEOUT.as_secs()))?
                .map_err(|error| format!("{host}:{port} closed the connection during the PostgreSQL handshake: {error}"))?;
            match answer[0] {
                b'S' => Ok("PostgreSQL answered the SSLRequest: TLS offered".to_owned()),
                b'N' => Ok("PostgreSQL answered the SSLRequest: no TLS".to_owned()),
                other => Err(format!(
                    "{host}:{port} answered the PostgreSQL SSLRequest with byte {other:#04x}, not `S` or `N`: it is not a PostgreSQL server"
                )),
            }
        }
        Family::Mysql => {
            let mut head = [0u8; 5];
            tokio::time::timeout(CONNECT_TIMEOUT, stream.read_exact(&mut head))
                .await
                .map_err(|_| {
                    format!(
                        "{host}:{port} accepted TCP but sent no MySQL greeting within {}s",
                        CONNECT_TIMEOUT.as_secs()
                    )
                })?
                .map_err(|error| {
                    format!(
                        "{host}:{port} closed the connection before the MySQL greeting: {error}"
                    )
                })?;
            match head[4] {
                10 => Ok("MySQL sent its server greeting (protocol 10)".to_owned()),
                0xff => Err(format!(
                    "{host}:{port} answered with a MySQL error packet instead of its greeting (too many connections, or this host is blocked)"
                )),
                other => Err(format!(
                    "{host}:{port} sent byte {other:#04x} where a MySQL greeting starts with protocol 10"
                )),
            }
        }
        Family::Other => Ok("TCP connection accepted".to_owned()),
    }
}

async fn connect(host: &str, port: u16) -> Result<TcpStream, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(format!(
            "this runner cannot reach {host}:{port} ({error}); {UNREACHABLE_HINT}"
        )),
        Err(_) => Err(format!(
            "this runner got no answer from {host}:{port} within {}s; {UNREACHABLE_HINT}",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Where and as whom level 3 logs in.
pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    /// The database to connect to: the DB's `DBName`; without one, none
    /// on MySQL-family engines, and `postgres` on PostgreSQL.
    pub database: Option<&'a str>,
    /// With `probe-ca-bundle`: TLS only, verified against these CAs.
    pub ca: Option<&'a CaBundle>,
}

/// Level 3: logs in and runs `query`; returns its first row (one column
/// as its text, several as a JSON object; `NULL` as JSON null), or `None`
/// for no row. One flow for both families; only the driver differs.
pub async fn sql(
    family: Family,
    target: &Target<'_>,
    query: &str,
) -> Result<Option<String>, String> {
    let row = match family {
        Family::Postgres => postgres::first_row(target, query).await?,
        Family::Mysql => mysql::first_row(target, query).await?,
        Family::Other => {
            return Err("`probe-query` runs on PostgreSQL and MySQL-family engines".to_owned());
        }
    };
    Ok(row.map(Row::shown))
}

/// The first row of a query's answer: each column's name and text, `None`
/// for `NULL`.
struct Row(Vec<(String, Option<String>)>);

impl Row {
    /// One column as its text (`NULL` for null), several as a JSON object.
    fn shown(self) -> String {
        if let [(_, value)] = self.0.as_slice() {
            return value.clone().unwrap_or_else(|| "NULL".to_owned());
        }
        let object: serde_json::Map<String, serde_json::Value> = self
            .0
            .into_iter()
            .map(|(name, value)| (name, value.map_or(serde_json::Value::Null, Into::into)))
            .collect();
        serde_json::Value::Object(object).to_string()
    }
}

/// Why a connection failed, as a driver tells it; [`connect_error`]
/// phrases it for the user.
enum Cause {
    /// The server refused the login: its message, with its code.
    Login(String),
    /// The server refused the connection for another reason.
    Refused(String),
    /// The TLS handshake failed, or TLS was required and not offered.
    Tls(String),
    /// No network path: refused, reset, timed out, unreachable.
    Network(String),
    Other(String),
}

impl Cause {
    /// A driver's error text, sorted by the words it uses (neither driver
    /// types every TLS or network failure apart).
    fn from_text(text: String) -> Cause {
        let lower = text.to_lowercase();
        if ["tls", "ssl", "certificate", "handshake"]
            .iter()
            .any(|word| lower.contains(word))
        {
            Cause::Tls(text)
        } else if ["timed out", "refused", "unreachable", "connect", "reset"]
            .iter()
            .any(|word| lower.contains(word))
        {
            Cause::Network(text)
        } else {
            Cause::Other(text)
        }
    }
}

/// What went wrong connecting, by cause: the network, TLS, or the login.
fn connect_error(target: &Target<'_>, cause: Cause) -> String {
    let Target {
        host, port, user, ..
    } = target;
    match cause {
        Cause::Login(why) => format!(
            "the scratch DB refused the login of `{user}` ({why}); check `probe-username` and `probe-password` (or the secret in `probe-secret-arn`): the scratch DB has the source's users and passwords as they were when the backup was taken"
        ),
        Cause::Refused(why) => format!("the scratch DB refused the probe's connection: {why}"),
        Cause::Tls(why) => match target.ca {
            Some(ca) => format!(
                "the TLS handshake with {host}:{port} failed ({why}); with `probe-ca-bundle` the scratch DB must offer TLS with a certificate signed by a CA in `{}` for {host}: check that the file is the bundle of the DB's region or RDS's global one, and the DB's CA (`ca-certificate-identifier`)",
                ca.path
            ),
            None => format!(
                "the TLS handshake with {host}:{port} failed ({why}); the probe encrypts where the server offers TLS, without checking its certificate (set `probe-ca-bundle` to check it)"
            ),
        },
        Cause::Network(why) => format!(
            "this runner cannot reach {host}:{port} for the probe ({why}); {UNREACHABLE_HINT}"
        ),
        Cause::Other(why) => format!("the probe could not connect to {host}:{port}: {why}"),
    }
}

/// A failed `probe-query`: the server's words, and what to fix.
fn query_error(target: &Target<'_>, why: &str) -> String {
    format!(
        "`probe-query` failed on the scratch DB: {why}; fix the statement (it runs on a copy of the source's data, logged in as `{}`)",
        target.user
    )
}

fn query_timeout() -> String {
    format!(
        "`probe-query` did not finish within {}s",
        QUERY_TIMEOUT.as_secs()
    )
}

/// The CAs of `probe-ca-bundle`, as rustls takes them; an error if none
/// can be used.
fn roots(ca: &CaBundle) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(
        ca.certificates
            .iter()
            .map(|der| rustls::pki_types::CertificateDer::from(der.clone())),
    );
    if added == 0 {
        return Err(format!(
            "`probe-ca-bundle` (`{}`) holds no CA certificate the probe can use ({ignored} could not be parsed)",
            ca.path
        ));
    }
    Ok(roots)
}

/// Level 1: whether the engine's log on DB instance `instance` shows it
/// accepting connections; returns the line found.
pub async fn log_says_ready(
    rds: &Rds,
    instance: &str,
    family: Family,
) -> Result<Option<String>, String> {
    let Some(ready) = family.ready_line() else {
        return Ok(None);
    };
    let mut files = rds
        .log_files(instance)
        .await
        .map_err(|error| format!("reading the log files of `{instance}`: {error}"))?;
    // The newest first: the scratch DB's start is in its latest logs.
    files.sort_by_key(|(_, written)| std::cmp::Reverse(*written));
    for (file, _) in files.iter().take(3) {
        let mut marker = None;
        // A portion is at most 1 MB; a new DB's log is short.
        for _ in 0..20 {
            let (data, next, more) = rds
                .log_portion(instance, file, marker.as_deref())
                .await
                .map_err(|error| format!("reading log file `{file}` of `{instance}`: {error}"))?;
            if let Some(line) = data.lines().find(|line| line.contains(ready)) {
                return Ok(Some(line.trim().to_owned()));
            }
            if !more || next.is_none() {
                break;
            }
            marker = next;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A one-connection server on loopback that reads `read` bytes and
    /// answers `answer`.
    async fn server(read: usize, answer: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut got = vec![0u8; read];
            socket.read_exact(&mut got).await.unwrap();
            if read == 8 {
                // SSLRequest: length 8, code 80877103.
                assert_eq!(got, [0, 0, 0, 8, 4, 210, 22, 47]);
            }
            socket.write_all(answer).await.unwrap();
        });
        port
    }

    #[tokio::test]
    async fn postgresql_is_known_by_its_answer_to_the_ssl_request() {
        let port = server(8, b"S").await;
        let said = handshake("127.0.0.1", port, Family::Postgres).await;
        assert_eq!(
            said.unwrap(),
            "PostgreSQL answered the SSLRequest: TLS offered"
        );
        let port = server(8, b"N").await;
        assert!(
            handshake("127.0.0.1", port, Family::Postgres)
                .await
                .unwrap()
                .contains("no TLS")
        );
        let port = server(8, b"HTTP/1.1 400").await;
        let error = handshake("127.0.0.1", port, Family::Postgres)
            .await
            .unwrap_err();
        assert!(error.contains("not a PostgreSQL server"), "{error}");
    }

    #[tokio::test]
    async fn mysql_is_known_by_its_greeting() {
        // Length 0x4a, sequence 0, protocol 10, "8.0.35\0".
        let port = server(0, b"\x4a\x00\x00\x00\x0a8.0.35\x00").await;
        assert!(
            handshake("127.0.0.1", port, Family::Mysql)
                .await
                .unwrap()
                .contains("protocol 10")
        );
        let port = server(0, b"\x17\x00\x00\x00\xff\x69\x04Host blocked").await;
        let error = handshake("127.0.0.1", port, Family::Mysql)
            .await
            .unwrap_err();
        assert!(error.contains("error packet"), "{error}");
    }

    #[tokio::test]
    async fn a_closed_port_says_how_to_get_a_network_path_or_use_level_1() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let error = handshake("127.0.0.1", port, Family::Postgres)
            .await
            .unwrap_err();
        assert!(error.contains("cannot reach 127.0.0.1"), "{error}");
        assert!(error.contains("self-hosted runner in the VPC"), "{error}");
        assert!(error.contains("level 1"), "{error}");
    }

    #[test]
    fn engines_by_family() {
        assert_eq!(Family::of("postgres"), Family::Postgres);
        assert_eq!(Family::of("aurora-postgresql"), Family::Postgres);
        assert_eq!(Family::of("aurora-mysql"), Family::Mysql);
        assert_eq!(Family::of("mariadb"), Family::Mysql);
        assert_eq!(Family::of("sqlserver-ex"), Family::Other);
    }
}
