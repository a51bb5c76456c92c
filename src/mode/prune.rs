//! `mode: prune`: deletes this action's old snapshots of each DB named by
//! retention rules. It only ever considers snapshots that carry the ownership tag and
//! name the DB as their source, never deletes one that is not `available`
//! (a snapshot still being created, say), never deletes the source of a copy
//! still running (that would cancel the copy), and always keeps the newest
//! available one, whatever the rules say.

use anyhow::bail;
use chrono::{DateTime, Utc};
use tracing::info;

use super::list::newest_first;
use super::{as_cluster_if_member, owned_snapshot_of};
use crate::config::{PrunePlan, Retention, Wait};
use crate::db;
use crate::github::{Report, Table};
use crate::model::{DbRef, rfc3339, tag_value};
use crate::naming::tag as key;
use crate::rds::{Rds, Snapshot};

pub async fn run(plan: &PrunePlan, wait: Wait, rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    out.set("status", if plan.dry_run { "dry-run" } else { "pruned" });
    let mut all = Pruned::default();
    let mut failures = Vec::new();
    for db in &plan.dbs {
        let db = as_cluster_if_member(rds, db, out).await?;
        if plan.dbs.len() == 1 {
            out.set(db.kind.input(), db.id.clone());
        }
        if let Some(retention) = plan.retention {
            let pruned = prune(rds, &db, retention, plan.dry_run, Utc::now()).await?;
            out.tables.push(pruned.table(&db.id));
            all.candidates.extend(pruned.candidates);
            all.deleted.extend(pruned.deleted);
            all.held.extend(pruned.held);
            all.failed.extend(pruned.failed);
        }
        if let Some(age) = plan.replaced_older_than {
            let failed =
                replaced::prune(rds, &db, age, plan.dry_run, wait, Utc::now(), out).await?;
            if !failed.is_empty() {
                failures.push(format!(
                    "{} replaced DB(s) of `{}` could not be deleted: {}",
                    failed.len(),
                    db.id,
                    failed.join("; ")
                ));
            }
        }
    }
    if plan.retention.is_some() {
        out.set_json("prune-candidates", json_ids(&all.candidates));
        out.set_json("deleted", json_ids(&all.deleted));
        for held in &all.held {
            out.warn(held.clone());
        }
        if !all.failed.is_empty() {
            failures.insert(
                0,
                format!(
                    "{} of {} snapshot(s) could not be deleted: {}; the others were",
                    all.failed.len(),
                    all.candidates.len(),
                    all.failed.join("; ")
                ),
            );
        }
    }
    if !failures.is_empty() {
        out.set("status", "failed");
        bail!("{}. Re-run this step to try again", failures.join("; "));
    }
    Ok(())
}

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
    let snapshots: Vec<Snapshot> = all
        .iter()
        .filter(|snapshot| owned_snapshot_of(snapshot, db))
        .cloned()
        .collect();
    let total = snapshots.len();
    let mut pruned = Pruned::default();
    let mut selected = Vec::new();
    for snapshot in select(snapshots, retention, now) {
        let row = |result: &str| {
            vec![
                snapshot.id.clone(),
                snapshot.created.map(rfc3339).unwrap_or_default(),
                tag_value(&snapshot.tags, key::DEPLOY_VERSION)
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
        "{} of {total} snapshot(s) of `{db}` made by this action are past the retention rules",
        pruned.candidates.len()
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
        .map(|copy| RunningCopy {
            id: &copy.id,
            source_arn: copy
                .copied_from
                .as_deref()
                .or_else(|| tag_value(&copy.tags, key::COPIED_FROM)),
            source_id: tag_value(&copy.tags, key::SNAPSHOT_ID)
                .filter(|id| !id.eq_ignore_ascii_case(&copy.id)),
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

/// The DBs an in-place rollback replaced: selected by this action's tags
/// alone, emptied of deletion protection by this step, and deleted with a
/// final snapshot each.
mod replaced {
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use tracing::info;

    use crate::config::Wait;
    use crate::db::{self, Db};
    use crate::github::{Report, Table};
    use crate::model::{DbRef, rfc3339, tag_value};
    use crate::naming::{self, tag as key};
    use crate::rds::Rds;
    use crate::settings::{DELETION_PROTECTION, Value};
    use crate::swap::Role;
    use crate::wait::Operation;

    /// When this action replaced `db` as `of`'s DB, if it did: it carries the
    /// swap tags naming it the original DB of a swap of `of`, the replaced
    /// name in them is its own name (a copy or a DB renamed since is not
    /// taken), and the `replaced-at` tag the finished swap put on it.
    pub fn replaced_at(db: &Db, of: &str) -> Option<DateTime<Utc>> {
        let tags = db.tags();
        let ours = tag_value(tags, key::SWAP_ROLE) == Some(Role::Original.tag())
            && tag_value(tags, key::SWAP_OF) == Some(of)
            && tag_value(tags, key::SWAP_REPLACED)
                .is_some_and(|name| name.eq_ignore_ascii_case(db.id()))
            && tag_value(tags, key::REPLACED_BY_RUN).is_some();
        if !ours {
            return None;
        }
        let at = tag_value(tags, key::REPLACED_AT)?;
        DateTime::parse_from_rfc3339(at).ok().map(|at| at.to_utc())
    }

    /// Deletes the replaced DBs of `of` older than `age`; returns the
    /// failures, each naming its DB.
    pub async fn prune(
        rds: &Rds,
        of: &DbRef,
        age: Duration,
        dry_run: bool,
        wait: Wait,
        now: DateTime<Utc>,
        out: &mut Report,
    ) -> anyhow::Result<Vec<String>> {
        let cutoff = now - chrono::TimeDelta::from_std(age).unwrap_or(chrono::TimeDelta::MAX);
        let mut rows = Vec::new();
        let mut deleted = Vec::new();
        let mut failed = Vec::new();
        for db in db::all(rds, of.kind).await? {
            let Some(at) = replaced_at(&db, &of.id) else {
                continue;
            };
            let mut row = vec![db.id().to_owned(), rfc3339(at), String::new()];
            if at >= cutoff {
                row[2] = "kept: replaced too recently".to_owned();
                rows.push(row);
                continue;
            }
            let final_snapshot = naming::final_snapshot_id(db.id());
            row[2] = if db.status() == "deleting" {
                "already being deleted".to_owned()
            } else if dry_run {
                format!("would be deleted, after final snapshot `{final_snapshot}` (dry run)")
            } else {
                match remove(rds, &db, &final_snapshot, wait).await {
                    Ok(()) => {
                        deleted.push(db.id().to_owned());
                        format!("deleting, after final snapshot `{final_snapshot}`")
                    }
                    Err(error) => {
                        failed.push(format!("`{}`: {error:#}", db.id()));
                        format!("NOT deleted: {error:#}")
                    }
                }
            };
            rows.push(row);
        }
        info!(
            "{} replaced {}(s) of `{}` found; {} deleted",
            rows.len(),
            of.kind.noun(),
            of.id,
            deleted.len()
        );
        out.set_json("deleted-replaced", serde_json::Value::from(deleted.clone()));
        out.tables.push(Table {
            title: format!(
                "DBs replaced by in-place rollbacks of {}: {} deleted",
                of.id,
                deleted.len()
            ),
            headers: vec!["DB", "replaced at", "result"],
            rows,
        });
        Ok(failed)
    }

    /// Deletion protection off (and waited for), then the delete with a
    /// final snapshot; a cluster's instances go first, as DeleteDBCluster
    /// requires.
    async fn remove(rds: &Rds, db: &Db, final_snapshot: &str, wait: Wait) -> anyhow::Result<()> {
        let reference = db.reference();
        if db.settings().get(DELETION_PROTECTION) == Some(&Value::Flag(true)) {
            info!(
                "turning off deletion protection of `{}` to delete it",
                db.id()
            );
            db::protect(rds, &reference, false).await?;
            let (operation, timeout) = unprotect_wait(&reference, wait);
            db::until_available(rds, &reference, operation, timeout).await?;
        }
        info!(
            "deleting `{}` after a final snapshot `{final_snapshot}`",
            db.id()
        );
        // A cluster's instances, by its own list of them, go first: they
        // carry the swap's tags too (see `in_place`).
        db::delete(rds, db, final_snapshot).await?;
        Ok(())
    }

    /// The wait after turning deletion protection off: that is a modify,
    /// so on a modify's schedule, and within the step's `wait-timeout`.
    fn unprotect_wait(db: &DbRef, wait: Wait) -> (Operation, Duration) {
        (Operation::Modify(db.kind), wait.timeout)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        // Regression: the wait after turning deletion protection off went
        // on a restore's schedule with a fixed 30 minutes, whatever
        // `wait-timeout` said.
        #[test]
        fn unprotect_wait_is_a_modify_within_wait_timeout_not_a_30_minute_restore() {
            let wait = Wait {
                enabled: true,
                timeout: Duration::from_secs(7 * 60),
            };
            for db in [DbRef::instance("old"), DbRef::cluster("old")] {
                let (operation, timeout) = unprotect_wait(&db, wait);
                assert_eq!(operation, Operation::Modify(db.kind));
                assert_ne!(operation, Operation::Restore(db.kind));
                assert_eq!(timeout, Duration::from_secs(7 * 60));
            }
        }
    }
}

/// IDs as a JSON array.
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
