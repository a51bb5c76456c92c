//! Test support, one helper for every suite: the project's strict RDS
//! emulator (moto underneath, made to behave as AWS documents:
//! `tests/support/emulator`) on a free loopback port ([`emulator`]); the
//! fault-injecting proxy in front of it ([`proxy`]); a step runner that
//! starts the built binary with the environment the GitHub runner gives a
//! container action ([`step`]); and the DBs, clusters and snapshots a test
//! starts from, made and read back independently of the action
//! ([`fixture`]); the rows behind a PostgreSQL endpoint of the emulator
//! started with real data ([`pg`]), and behind a MySQL-family one
//! ([`mysql`]); and threads with a runtime each, for the suites that run
//! many steps at once ([`parallel`]).

mod emulator;
mod fixture;
pub mod mysql;
mod parallel;
pub mod pg;
mod proxy;
mod step;

pub use emulator::*;
pub use fixture::*;
pub use parallel::*;
pub use proxy::*;
pub use step::*;

pub const REGION: &str = "us-east-1";
/// The secret access key every step runs with; no log, summary or output
/// may ever show it.
pub const SECRET: &str = "wJalrXUtnFEMI-test-secret-never-logged";
/// The session token every step runs with; likewise never shown.
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEBY-session-token-never-logged";

/// The emulator's time scale in the tests: a snapshot takes about half a
/// second, a restore about two, a rename a fifth of one; every state AWS
/// shows is still shown, in order.
pub const TIME_SCALE: &str = "0.002";

/// The action's shortest pause between looks in the tests, in step with
/// [`TIME_SCALE`] (`RDS_SNAPSHOT_ACTION_MIN_POLL`, which users can set too).
pub const MIN_POLL: &str = "100ms";
