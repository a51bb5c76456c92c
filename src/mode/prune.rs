//! `mode: prune`: deletes this action's old snapshots of each DB named by
//! retention rules (see [`crate::retention`] for which ones go, and which
//! always stay), the DBs in-place rollbacks replaced, once they are old
//! enough (`replaced-older-than`), and the drills' scratch DBs of each DB
//! once expired (`keep-for` passed, or a killed drill's step over).

use anyhow::bail;
use chrono::Utc;

use super::as_cluster_if_member;
use crate::config::{PrunePlan, Wait};
use crate::github::Report;
use crate::model::plural;
use crate::rds::Rds;
use crate::retention::{Pruned, json_ids, prune};

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
        let failed = drills::prune(rds, &db, plan.dry_run, wait, Utc::now(), out).await?;
        if !failed.is_empty() {
            failures.push(format!(
                "{} drill DB(s) of `{}` could not be deleted: {}",
                failed.len(),
                db.id,
                failed.join("; ")
            ));
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
                    "{} of {} {} could not be deleted: {}; the others were",
                    all.failed.len(),
                    all.candidates.len(),
                    plural(all.candidates.len(), "snapshot", "snapshots"),
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

/// A pruned DB's row when its MAC does not verify.
const UNSEALED: &str = "kept: its MAC does not verify (see the warning)";

/// Whether `db` may be pruned as far as `provenance-key` goes (always,
/// without the key); if not, warns why.
async fn sealed(rds: &Rds, db: &crate::db::Db, out: &mut Report) -> anyhow::Result<bool> {
    let verified = crate::seal::check_db(rds, db).await?;
    match crate::provenance::sealed(db.id(), db.kind().noun(), verified) {
        Ok(()) => Ok(true),
        Err(refusal) => {
            out.warn(refusal.to_string());
            Ok(false)
        }
    }
}

/// The scratch DBs drills of a DB left: kept with `keep-for`, or left by a
/// step that was killed. Selected by [`provenance::expired_drill`] (and,
/// with `provenance-key`, their MAC), and deleted without a final
/// snapshot: they are copies of a snapshot.
mod drills {
    use chrono::{DateTime, Utc};
    use tracing::info;

    use crate::config::Wait;
    use crate::db;
    use crate::github::{Report, Table};
    use crate::model::{DbRef, rfc3339};
    use crate::provenance;
    use crate::rds::Rds;

    /// Deletes the expired drill DBs of `of`; returns the failures, each
    /// naming its DB. Says nothing where there are none.
    pub async fn prune(
        rds: &Rds,
        of: &DbRef,
        dry_run: bool,
        wait: Wait,
        now: DateTime<Utc>,
        out: &mut Report,
    ) -> anyhow::Result<Vec<String>> {
        let mut rows = Vec::new();
        let mut deleted = Vec::new();
        let mut failed = Vec::new();
        for db in db::all(rds, of.kind).await? {
            if provenance::drill_of(db.tags()) != Some(of.id.as_str()) {
                continue;
            }
            let expired = match provenance::expired_drill(&db, &of.id, now) {
                Ok(at) => at,
                Err(refusal) => {
                    rows.push(vec![
                        db.id().to_owned(),
                        String::new(),
                        format!("kept: {refusal}"),
                    ]);
                    continue;
                }
            };
            let mut row = vec![db.id().to_owned(), rfc3339(expired), String::new()];
            // With `provenance-key`, drill tags and a drill's name are not
            // enough: the MAC the drill put on must verify.
            if !super::sealed(rds, &db, out).await? {
                row[2] = super::UNSEALED.to_owned();
                rows.push(row);
                continue;
            }
            row[2] = if db.status() == "deleting" {
                "already being deleted".to_owned()
            } else if dry_run {
                "would be deleted, without a final snapshot (dry run)".to_owned()
            } else {
                match db::delete(rds, &db, None, wait.timeout).await {
                    Ok(()) => {
                        deleted.push(db.id().to_owned());
                        "deleting, without a final snapshot".to_owned()
                    }
                    Err(error) => {
                        failed.push(format!("`{}`: {error:#}", db.id()));
                        format!("NOT deleted: {error:#}")
                    }
                }
            };
            rows.push(row);
        }
        if rows.is_empty() {
            return Ok(failed);
        }
        rds.check(
            format!("drill DBs of `{}`", of.id),
            rows.iter()
                .map(|row| format!("`{}`: {}", row[0], row[2]))
                .collect::<Vec<_>>()
                .join("; "),
        );
        info!(
            "{} drill DB(s) of `{}` found; {} deleted",
            rows.len(),
            of.id,
            deleted.len()
        );
        out.set_json("deleted-drills", serde_json::Value::from(deleted.clone()));
        out.tables.push(Table {
            title: format!("Drill DBs of {}: {} deleted", of.id, deleted.len()),
            headers: vec!["DB", "expired at", "result"],
            rows,
        });
        Ok(failed)
    }
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
    use crate::model::{DbRef, rfc3339};
    use crate::naming;
    use crate::provenance;
    use crate::rds::Rds;
    use crate::settings::{DELETION_PROTECTION, Value};
    use crate::wait::Operation;

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
            // Only what a finished swap of `of` replaced, under its own name.
            let Ok(at) = provenance::replaced(&db, &of.id) else {
                continue;
            };
            let mut row = vec![db.id().to_owned(), rfc3339(at), String::new()];
            // With `provenance-key`, the swap tags alone do not make it a
            // DB a swap replaced: its MAC must verify before it is
            // unprotected or deleted.
            if !super::sealed(rds, &db, out).await? {
                row[2] = super::UNSEALED.to_owned();
                rows.push(row);
                continue;
            }
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
        rds.check(
            format!("DBs replaced by in-place rollbacks of `{}`", of.id),
            if rows.is_empty() {
                "none".to_owned()
            } else {
                rows.iter()
                    .map(|row| format!("`{}`: {}", row[0], row[2]))
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        );
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
        // A stopped cluster cannot be modified or emptied, and a busy DB
        // cannot give a final snapshot: first make it fit (started, or
        // waited for), then turn protection off.
        let db = &db::ready_to_delete(rds, db, wait.timeout).await?;
        if db.settings().get(DELETION_PROTECTION) == Some(&Value::Flag(true)) {
            info!(
                "turning off deletion protection of `{}` to delete it",
                db.id()
            );
            db::protect(rds, &reference, false).await?;
            let (operation, timeout) = unprotect_wait(&reference, wait);
            db::until_available(rds, &reference, operation, timeout, None).await?;
        }
        info!(
            "deleting `{}` after a final snapshot `{final_snapshot}`",
            db.id()
        );
        // A cluster's instances, by its own list of them, go first: they
        // carry the swap's tags too (see `in_place`).
        db::delete(rds, db, Some(final_snapshot), wait.timeout).await?;
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
