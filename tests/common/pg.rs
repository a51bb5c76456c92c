//! A small PostgreSQL client for the real-data tests: writes numbered rows
//! into a `deploys` table and reads them back, through a DB's endpoint on
//! the emulator started with [`super::Moto::start_real_db`]. Loopback
//! only, so no TLS.

use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls};

/// The master user and password [`super::create_db`] and
/// `tests/support/aurora.py` create DBs with; the database is the default.
pub const USER: &str = "app";
pub const PASSWORD: &str = "not-a-real-password";

/// Connects to `host:port` (retrying for a few seconds while a server that
/// was just renamed or restored comes up).
pub async fn connect(host: &str, port: i32) -> Client {
    connect_to(host, port, "postgres").await
}

/// [`connect`], to database `database`.
pub async fn connect_to(host: &str, port: i32, database: &str) -> Client {
    let config = format!(
        "host={host} port={port} user={USER} password={PASSWORD} dbname={database} connect_timeout=5"
    );
    let (client, connection) =
        until_connected(host, port, || tokio_postgres::connect(&config, NoTls)).await;
    tokio::spawn(connection);
    client
}

/// Connects with `connect`, retrying for up to 20 s while a server that
/// was just started, renamed or restored comes up; panics after that,
/// naming `host:port`. The MySQL helpers ([`super::mysql`]) connect
/// through it too.
pub async fn until_connected<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    host: &str,
    port: i32,
    connect: impl Fn() -> F,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match connect().await {
            Ok(connected) => return connected,
            Err(error) => {
                assert!(
                    Instant::now() < deadline,
                    "cannot connect to {host}:{port}: {error}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Inserts `values` into `deploys` (made if missing), each its own commit.
pub async fn write(host: &str, port: i32, values: &[i32]) {
    write_in(host, port, "postgres", values).await;
}

/// [`write`], in database `database`.
pub async fn write_in(host: &str, port: i32, database: &str, values: &[i32]) {
    let client = connect_to(host, port, database).await;
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS deploys (n int)")
        .await
        .expect("create table deploys");
    for value in values {
        client
            .execute("INSERT INTO deploys VALUES ($1)", &[value])
            .await
            .expect("insert a row");
    }
}

/// The rows of `deploys`, in order.
pub async fn rows(host: &str, port: i32) -> Vec<i32> {
    connect(host, port)
        .await
        .query("SELECT n FROM deploys ORDER BY n", &[])
        .await
        .unwrap_or_else(|error| {
            let why = error
                .as_db_error()
                .map_or_else(|| error.to_string(), |db| db.message().to_owned());
            panic!("read deploys at {host}:{port}: {why}")
        })
        .iter()
        .map(|row| row.get(0))
        .collect()
}
