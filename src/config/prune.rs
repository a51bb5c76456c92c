//! `mode: prune`: which of this action's snapshots (and replaced DBs) to
//! delete.

use std::time::Duration;

use super::parse::{boolean, count, duration_with_unit, sources};
use super::{InputError, bad};
use crate::inputs::RawInputs;
use crate::model::DbRef;

/// Which of this action's snapshots of a DB a prune deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Keep this many of the newest.
    pub keep_last: Option<u32>,
    /// Delete only those older than this.
    pub older_than: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrunePlan {
    pub dbs: Vec<DbRef>,
    /// `None`: only replaced DBs are pruned (`replaced-older-than` alone).
    pub retention: Option<Retention>,
    /// `replaced-older-than`: delete the DBs an in-place rollback of each
    /// DB replaced longer ago than this.
    pub replaced_older_than: Option<Duration>,
    pub dry_run: bool,
}

/// The DBs to prune and the rules: `keep-last` and `older-than` for
/// snapshots, `replaced-older-than` for replaced DBs (at least one).
pub(super) fn prune_plan(raw: &RawInputs) -> Result<PrunePlan, InputError> {
    let dbs = sources(raw, "the DB instance whose snapshots to prune")?;
    let older_than = match raw.get("older-than") {
        None => None,
        Some(value) => Some(duration_with_unit(value).map_err(|problem| {
            bad(
                "older-than",
                format!("{problem}; got `{value}`, for example `30d`"),
            )
        })?),
    };
    let retention = Retention {
        keep_last: count(raw, "keep-last")?,
        older_than,
    };
    let replaced_older_than = match raw.get("replaced-older-than") {
        None => None,
        Some(value) => Some(duration_with_unit(value).map_err(|problem| {
            bad(
                "replaced-older-than",
                format!("{problem}; got `{value}`, for example `7d`"),
            )
        })?),
    };
    let retention =
        (retention.keep_last.is_some() || retention.older_than.is_some()).then_some(retention);
    if retention.is_none() && replaced_older_than.is_none() {
        return Err(bad(
            "keep-last",
            "or input `older-than` is required in mode `prune`: say which snapshots to keep, for example `keep-last: 10` or `older-than: 30d` (or `replaced-older-than: 7d` to remove the DBs an in-place rollback replaced)",
        ));
    }
    Ok(PrunePlan {
        dbs,
        retention,
        replaced_older_than,
        dry_run: boolean(raw, "dry-run")?.unwrap_or(false),
    })
}
