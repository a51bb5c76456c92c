//! Retention: which of this action's snapshots of a DB the rules let go,
//! and the deletion that follows. Shared by `mode: prune` and by
//! `mode: snapshot`'s `prune-keep-last`.
//!
//! The choice is pure ([`select`], [`newest_first`], [`newest`]) and the
//! driver ([`prune`]) only lists, asks, and deletes. It only ever considers
//! snapshots that carry the ownership tag and name the DB as their source
//! ([`provenance::snapshot`]), never deletes one that is not `available` (a
//! snapshot still being created, say), never deletes the source of a copy
//! still running (that would cancel the copy), and always keeps the newest
//! available one, whatever the rules say.

use chrono::{DateTime, Utc};
use tracing::info;

use crate::config::Retention;
use crate::db;
use crate::github::Table;
use crate::model::{DbRef, plural, rfc3339};
use crate::provenance::{self, SnapshotClaim};
use crate::rds::{Rds, Snapshot};
use crate::seal;

/// What a prune selected and what it deleted.
#[derive(Debug, Default)]
pub struct Pruned {
    /// What the rules select, less what a running copy still reads from.
    pub candidates: Vec<String>,
    pub deleted: Vec<String>,
    /// Why snapshots the rules select were kept: copies of them are running.
    pub held: Vec<String>,
    /// The deletions that failed, each naming its snapshot and the error.
    pub failed: Vec<String>,
    /// Every snapshot the rules selected, with what became of it, for the
    /// job summary: snapshot, created, deploy version, result.
    pub outcomes: Vec<Vec<String>>,
}

impl Pruned {
    /// The job summary's table of what the rules selected and what was done.
    pub fn table(&self, db: &str) -> Table {
        Table {
            title: format!(
                "Snapshots of {db} past the retention rules: {} deleted",
                self.deleted.len()
            ),
            headers: vec!["snapshot", "created", "deploy version", "result"],
            rows: self.outcomes.clone(),
        }
    }
}

/// Deletes (or, with `dry_run`, only selects) the snapshots of `db` that
/// `retention` lets go, except the sources of copies still running. A
/// failed deletion does not stop the others; it is listed in
/// [`Pruned::failed`] for the caller to judge.
pub async fn prune(
    rds: &Rds,
    source: &DbRef,
    retention: Retention,
    dry_run: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Pruned> {
    let db = source.id.as_str();
    let all = db::snapshots_of(rds, source).await?;
    let copying = running_copies(&all);
    let owned: Vec<Snapshot> = all
        .iter()
        .filter(|snapshot| provenance::snapshot(snapshot, SnapshotClaim::Of { db }).is_ok())
        .cloned()
        .collect();
    let mut pruned = Pruned::default();
    // With `provenance-key`, a snapshot whose MAC does not verify is not
    // ours: it neither goes nor counts among the newest kept, so forged
    // snapshots can push no real one out.
    let mut snapshots = Vec::with_capacity(owned.len());
    for snapshot in owned {
        match provenance::sealed(
            &snapshot.id,
            "snapshot",
            seal::check_snapshot(rds, &snapshot).await?,
        ) {
            Ok(()) => snapshots.push(snapshot),
            Err(refusal) => pruned.held.push(refusal.to_string()),
        }
    }
    let total = snapshots.len();
    let mut selected = Vec::new();
    for snapshot in select(snapshots, retention, now) {
        let row = |result: &str| {
            vec![
                snapshot.id.clone(),
                snapshot.created.map(rfc3339).unwrap_or_default(),
                provenance::deploy_version(&snapshot.tags)
                    .unwrap_or_default()
                    .to_owned(),
                result.to_owned(),
            ]
        };
        let copies: Vec<&str> = copying
            .iter()
            .filter(|copy| copy.reads(&snapshot) != Some(false))
            .map(|copy| copy.id)
            .collect();
        if copies.is_empty() {
            selected.push(row(""));
            pruned.candidates.push(snapshot.id);
            continue;
        }
        pruned.outcomes.push(row(&format!(
            "kept: a copy of it is running ({})",
            copies.join(", ")
        )));
        // DeleteDBSnapshot on the source of a running copy ends the copy:
        // "If the snapshot is being copied, the copy operation is
        // terminated" (API_DeleteDBSnapshot). A copy whose source cannot be
        // told may be reading any of them.
        let unknown = copying.iter().any(|copy| copy.reads(&snapshot).is_none());
        pruned.held.push(format!(
            "snapshot `{}` was kept although the retention rules select it: {} still running{}; prune again when {} available",
            snapshot.id,
            copies
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if unknown {
                " and may be copying it (RDS does not say from which snapshot a same-region copy made outside this action reads)"
            } else {
                " copies it, and deleting a copy's source cancels the copy"
            },
            if copies.len() == 1 { "it is" } else { "they are" }
        ));
    }
    info!(
        "{} of {total} {} of `{db}` made by this action {} past the retention rules",
        pruned.candidates.len(),
        plural(total, "snapshot", "snapshots"),
        plural(pruned.candidates.len(), "is", "are")
    );
    rds.check(
        format!("this action's snapshots of `{db}` past the retention rules"),
        format!(
            "{} of {total} selected{}{}",
            pruned.candidates.len(),
            if pruned.candidates.is_empty() {
                String::new()
            } else {
                format!(": {}", pruned.candidates.join(", "))
            },
            if pruned.held.is_empty() {
                String::new()
            } else {
                format!("; {} kept (see the warnings)", pruned.held.len())
            }
        ),
    );
    for (id, mut row) in pruned.candidates.iter().zip(selected) {
        let result = if dry_run {
            info!("would delete snapshot `{id}` (dry run)");
            "would be deleted (dry run)".to_owned()
        } else {
            match db::delete_snapshot(rds, source.kind, id).await {
                Ok(found) => {
                    let result = if found.is_some() {
                        "deleted"
                    } else {
                        "deleted (already gone)"
                    };
                    info!("snapshot `{id}`: {result}");
                    pruned.deleted.push(id.clone());
                    result.to_owned()
                }
                Err(error) => {
                    pruned.failed.push(format!("`{id}`: {error}"));
                    format!("NOT deleted: {error}")
                }
            }
        };
        row[3] = result;
        pruned.outcomes.push(row);
    }
    Ok(pruned)
}

/// A copy in progress in this region, and what it says about its source.
struct RunningCopy<'a> {
    id: &'a str,
    /// The source's ARN (RDS's record, or our `copied-from` tag).
    source_arn: Option<&'a str>,
    /// The source's ID: a copy made with CopyTags carries its source's
    /// `snapshot-id` tag, which names the source, not the copy.
    source_id: Option<&'a str>,
}

impl RunningCopy<'_> {
    /// Whether this copy reads from `snapshot`; `None` when it cannot be told.
    fn reads(&self, snapshot: &Snapshot) -> Option<bool> {
        match (self.source_arn, self.source_id) {
            (Some(arn), _) => Some(arn == snapshot.arn),
            (None, Some(id)) => Some(id.eq_ignore_ascii_case(&snapshot.id)),
            (None, None) => None,
        }
    }
}

/// The copies in progress among one DB's snapshots. A copy in the same
/// region keeps its source's DBInstanceIdentifier, so it is listed with it;
/// it is `pending`, then `copying` (USER_CopySnapshot). A copy from here
/// into another region runs there and is not seen by this listing.
fn running_copies(snapshots: &[Snapshot]) -> Vec<RunningCopy<'_>> {
    snapshots
        .iter()
        .filter(|snapshot| matches!(snapshot.status.as_str(), "pending" | "copying"))
        .map(|copy| {
            let (source_arn, source_id) = provenance::copied_from(copy);
            RunningCopy {
                id: &copy.id,
                source_arn,
                source_id,
            }
        })
        .collect()
}

/// Chooses which of one DB's snapshots (all made by this action) the rules
/// delete. `keep-last` ranks them newest first; `older-than` compares their
/// creation time with `now`; with both, a snapshot goes only if both select
/// it. Snapshots that are not `available`, or whose creation time is
/// unknown, and the newest available one, always stay.
pub fn select(snapshots: Vec<Snapshot>, retention: Retention, now: DateTime<Utc>) -> Vec<Snapshot> {
    let snapshots = newest_first(snapshots);
    let newest_available = snapshots
        .iter()
        .position(|snapshot| snapshot.status == "available");
    snapshots
        .into_iter()
        .enumerate()
        .filter(|(rank, snapshot)| {
            let Some(created) = snapshot.created else {
                return false;
            };
            let past_count = retention.keep_last.map(|keep| *rank >= keep as usize);
            let past_age = retention
                .older_than
                .map(|age| chrono::TimeDelta::from_std(age).is_ok_and(|age| created < now - age));
            snapshot.status == "available"
                && Some(*rank) != newest_available
                && (past_count.is_some() || past_age.is_some())
                && past_count.unwrap_or(true)
                && past_age.unwrap_or(true)
        })
        .map(|(_, snapshot)| snapshot)
        .collect()
}

/// Newest first; ties by ID, so the order never depends on RDS's.
pub fn newest_first(mut snapshots: Vec<Snapshot>) -> Vec<Snapshot> {
    snapshots.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    snapshots
}

/// The most recently created snapshot (by the time its data was taken: see
/// [`Snapshot::created`]); ties go to the larger ID, so the choice does not
/// depend on the order RDS lists them in.
pub fn newest(snapshots: Vec<Snapshot>) -> Option<Snapshot> {
    snapshots
        .into_iter()
        .max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)))
}

/// IDs as a JSON array: the `deleted` and `prune-candidates` outputs.
pub fn json_ids(ids: &[String]) -> serde_json::Value {
    serde_json::Value::from(ids.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn snap(id: &str, status: &str, days_old: i64) -> Snapshot {
        let now = now();
        Snapshot {
            id: id.to_owned(),
            arn: String::new(),
            status: status.to_owned(),
            source_db: "prod".to_owned(),
            created: Some(now - chrono::TimeDelta::days(days_old)),
            percent: None,
            tags: Vec::new(),
            encrypted: false,
            kms_key_id: None,
            size_gib: None,
            vpc_id: None,
            kind: "manual".to_owned(),
            of: crate::model::Kind::Instance,
            engine: None,
            engine_version: None,
            option_group: None,
            copied_from: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn ids(selected: Vec<Snapshot>) -> Vec<String> {
        selected.into_iter().map(|s| s.id).collect()
    }

    fn days(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n * 86_400))
    }

    fn set() -> Vec<Snapshot> {
        vec![
            snap("d", "available", 40),
            snap("a", "creating", 0),
            snap("b", "available", 1),
            snap("c", "available", 10),
            snap("e", "available", 50),
        ]
    }

    #[test]
    fn keep_last_counts_newest_first() {
        let keep = |n| Retention {
            keep_last: Some(n),
            older_than: None,
        };
        // Ranked a(creating) b c d e: keep 2 keeps a and b.
        assert_eq!(ids(select(set(), keep(2), now())), ["c", "d", "e"]);
        assert_eq!(ids(select(set(), keep(4), now())), ["e"]);
        assert!(select(set(), keep(9), now()).is_empty());
    }

    #[test]
    fn the_newest_available_and_unfinished_ones_always_stay() {
        // keep-last 1 keeps only the creating one by rank, yet b stays as the
        // newest available: a failed first attempt must not leave no backup.
        let rules = Retention {
            keep_last: Some(1),
            older_than: None,
        };
        assert_eq!(ids(select(set(), rules, now())), ["c", "d", "e"]);
        let everything_old = Retention {
            keep_last: None,
            older_than: days(0),
        };
        let selected = ids(select(set(), everything_old, now()));
        assert!(!selected.contains(&"a".to_owned()) && !selected.contains(&"b".to_owned()));
    }

    #[test]
    fn newest_goes_by_creation_time_then_id() {
        let mut tied = set();
        tied.push(snap("f", "available", 1));
        assert_eq!(
            ids(newest_first(tied.clone())),
            ["a", "f", "b", "c", "d", "e"]
        );
        assert_eq!(newest(tied).map(|s| s.id), Some("a".to_owned()));
        assert!(newest(Vec::new()).is_none());
    }

    #[test]
    fn a_running_copy_holds_the_snapshot_it_reads_or_any_if_unknown() {
        let mut snapshots = set();
        let mut by_arn = snap("copy-1", "copying", 0);
        by_arn.copied_from = Some("arn:d".to_owned());
        let mut by_tags = snap("copy-2", "pending", 0);
        by_tags.tags = vec![crate::model::tag(crate::provenance::key::SNAPSHOT_ID, "C")];
        snapshots.extend([by_arn, by_tags]);
        let mut d = snap("d", "available", 40);
        d.arn = "arn:d".to_owned();
        let copies = running_copies(&snapshots);
        assert_eq!(
            copies.iter().map(|c| c.id).collect::<Vec<_>>(),
            ["copy-1", "copy-2"]
        );
        assert_eq!(copies[0].reads(&d), Some(true));
        assert_eq!(copies[0].reads(&snap("c", "available", 10)), Some(false));
        assert_eq!(copies[1].reads(&snap("c", "available", 10)), Some(true));
        let unknown = snap("copy-3", "copying", 0);
        assert_eq!(
            running_copies(std::slice::from_ref(&unknown))[0].reads(&d),
            None
        );
    }

    #[test]
    fn older_than_and_both_rules() {
        let age = Retention {
            keep_last: None,
            older_than: days(30),
        };
        assert_eq!(ids(select(set(), age, now())), ["d", "e"]);
        let both = Retention {
            keep_last: Some(4),
            older_than: days(30),
        };
        assert_eq!(ids(select(set(), both, now())), ["e"]);
    }
}
