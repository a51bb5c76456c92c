//! A small MySQL client for the real-data tests: writes numbered rows into
//! `app.deploys` and reads them back, through the endpoint of a
//! MySQL-family DB of the emulator started with
//! [`super::Moto::start_real_db`], where a MariaDB server stands behind
//! it. Loopback only, so no TLS.

use std::path::Path;

use aws_sdk_rds::Client;
use mysql_async::prelude::Queryable as _;
use mysql_async::{Conn, OptsBuilder};

/// The master user and password [`create`] and `tests/support/aurora.py`
/// create DBs with, as [`super::pg`]'s.
pub const USER: &str = super::pg::USER;
pub const PASSWORD: &str = super::pg::PASSWORD;
/// The database [`create`] names (`DBName`), where [`write`] makes
/// `deploys`.
pub const DATABASE: &str = "app";

/// Whether the emulator can put MariaDB behind MySQL-family DBs
/// (`scripts/install-tools` installs it with apt-get). Where it cannot, the
/// caller skips, except under CI=true, where this fails the test.
pub fn available() -> bool {
    let found = [
        "mariadbd",
        "mariadb-install-db",
        "mariadb-backup",
        "mariadb",
    ]
    .iter()
    .all(|program| {
        std::env::var("PATH")
            .unwrap_or_default()
            .split(':')
            .chain(["/usr/sbin", "/usr/bin"])
            .any(|dir| Path::new(dir).join(program).exists())
    });
    if !found {
        let why = "MariaDB (mariadbd, mariadb-install-db, mariadb-backup, mariadb) is not installed: run scripts/install-tools as root";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must run the MySQL real-data tests, but {why}"
        );
        eprintln!("skipped: {why}");
    }
    found
}

/// Creates DB instance `id` of `engine` (`mysql`, `mariadb`) with
/// [`DATABASE`], and waits until it is `available`.
pub async fn create(client: &Client, id: &str, engine: &str) {
    let mut create = client
        .create_db_instance()
        .db_instance_identifier(id)
        .engine(engine)
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username(USER)
        .master_user_password(PASSWORD)
        .db_name(DATABASE)
        .backup_retention_period(7);
    if engine == "mariadb" {
        // moto knows no default version of mariadb.
        create = create.engine_version("10.11.10");
    }
    create
        .send()
        .await
        .expect("create a MySQL-family DB instance");
    super::wait_for_instance(client, id, "available").await;
}

/// Connects to `host:port` with no default database (retrying for a few
/// seconds while a server that was just restored comes up).
pub async fn connect(host: &str, port: i32) -> Conn {
    let opts = OptsBuilder::default()
        .ip_or_hostname(host)
        .tcp_port(u16::try_from(port).expect("a port"))
        .user(Some(USER))
        .pass(Some(PASSWORD))
        .prefer_socket(false);
    super::pg::until_connected(host, port, || Conn::new(opts.clone())).await
}

/// Inserts `values` into `app.deploys` (made if missing, the database
/// too), each its own commit.
pub async fn write(host: &str, port: i32, values: &[i32]) {
    let mut conn = connect(host, port).await;
    conn.query_drop(format!(
        "CREATE DATABASE IF NOT EXISTS {DATABASE}; CREATE TABLE IF NOT EXISTS {DATABASE}.deploys (n int)"
    ))
    .await
    .expect("create table deploys");
    for value in values {
        conn.exec_drop(
            format!("INSERT INTO {DATABASE}.deploys VALUES (?)"),
            (value,),
        )
        .await
        .expect("insert a row");
    }
}

/// The rows of `app.deploys`, in order.
pub async fn rows(host: &str, port: i32) -> Vec<i32> {
    connect(host, port)
        .await
        .query(format!("SELECT n FROM {DATABASE}.deploys ORDER BY n"))
        .await
        .unwrap_or_else(|error| panic!("read deploys at {host}:{port}: {error}"))
}
