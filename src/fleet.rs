//! The fleet wait: the snapshots of several DBs, waited for together with
//! one describe call a round for all of them, and reported as one step.
//! Shared by `mode: snapshot` (which starts them) and `mode: wait` (which
//! finds the ones a run started earlier).

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::config::Wait;
use crate::db;
use crate::github::{Report, Table};
use crate::model::{DbRef, Kind, plural};
use crate::rds::{Rds, Snapshot};
use crate::wait::Operation;

/// One DB's snapshot in a step: the DB (a member stands for its cluster),
/// how its start went (or the snapshot `mode: wait` found), and how its
/// wait ended.
pub struct Row {
    pub db: DbRef,
    pub started: Result<Snapshot, String>,
    pub done: Option<Result<Snapshot, String>>,
}

impl Row {
    pub fn last(&self) -> Option<&Snapshot> {
        match (&self.done, &self.started) {
            (Some(Ok(done)), _) => Some(done),
            (_, Ok(started)) => Some(started),
            _ => None,
        }
    }

    pub fn problem(&self) -> Option<&str> {
        match (&self.started, &self.done) {
            (Err(problem), _) | (_, Some(Err(problem))) => Some(problem),
            _ => None,
        }
    }
}

/// Waits for every snapshot started, asking RDS once a round for all of
/// them (one `DescribeDBSnapshots` and one `DescribeDBClusterSnapshots`
/// with the IDs as a filter), however many there are. The first round is
/// what starting them answered: no describe follows the creates at once.
pub async fn await_all(rows: &mut [Row], wait: Wait, rds: &Rds) -> anyhow::Result<()> {
    let started: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].started.is_ok())
        .collect();
    let refs: Vec<(Kind, String)> = started
        .iter()
        .filter_map(|&i| rows[i].started.as_ref().ok())
        .map(|snapshot| (snapshot.of, snapshot.id.clone()))
        .collect();
    let whats: Vec<String> = started
        .iter()
        .filter_map(|&i| Some((&rows[i].db, rows[i].started.as_ref().ok()?)))
        .map(|(db, snapshot)| format!("snapshot `{}` of `{}`", snapshot.id, db.id))
        .collect();
    if whats.is_empty() {
        return Ok(());
    }
    if rds.is_planning() {
        // A plan waits for nothing: what it would create does not exist,
        // and the run's wait ends with each snapshot `available`, which is
        // what comes after it (the MAC of `provenance-key`) is planned on.
        for (&i, what) in started.iter().zip(&whats) {
            rds.check(
                format!("wait for {what}"),
                format!(
                    "the run waits up to {} (`wait-timeout`) until it is available",
                    crate::wait::human(wait.timeout)
                ),
            );
            rows[i].done = rows[i].started.clone().ok().map(|mut snapshot| {
                snapshot.status = "available".to_owned();
                Ok(snapshot)
            });
        }
        return Ok(());
    }
    // What the create answered (or the look-up that found the snapshot
    // showed) is each one's first look.
    let first: Vec<Option<Snapshot>> = started
        .iter()
        .map(|&i| rows[i].started.as_ref().ok().cloned())
        .collect();
    let refs = &refs;
    let look = |pending: &[usize]| {
        let wanted: Vec<(Kind, String)> = pending.iter().map(|&i| refs[i].clone()).collect();
        async move { db::snapshots_by_ids(rds, &wanted).await }
    };
    let results =
        crate::wait::until_all_available(&whats, Operation::Snapshot, wait.timeout, first, look)
            .await
            .context("waiting for the snapshots")?;
    for (&i, result) in started.iter().zip(results) {
        rows[i].done = Some(result.map_err(|error| format!("{error:#}")));
    }
    Ok(())
}

/// The outputs, the job summary and the step's verdict: one DB's outcome
/// as its own outputs and error; several as a map and a table, failing
/// the step (after the others finished) if any failed.
pub fn report(rows: &[Row], region: &str, out: &mut Report, many: bool) -> anyhow::Result<()> {
    let map: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|row| {
            let last = row.last();
            (
                row.db.id.clone(),
                json!({
                    "kind": match row.db.kind {
                        Kind::Instance => "instance",
                        Kind::Cluster => "cluster",
                    },
                    "snapshot-identifier": last.map(|s| s.id.clone()),
                    "snapshot-arn": last.map(|s| s.arn.clone()),
                    "status": last.map(|s| s.status.clone()),
                    "error": row.problem(),
                }),
            )
        })
        .collect();
    out.set_json("snapshots-by-db", serde_json::Value::Object(map));
    if let [row] = rows {
        if let Some(last) = row.last() {
            out.set("snapshot-arn", last.arn.clone());
            out.set("status", last.status.clone());
            // The snapshot's ID is validated (letters, digits, hyphens), so
            // the address is safe as an autolink.
            out.sections.push(format!(
                "Console: <{}>\n\n",
                db::console_url(region, last.of.console().1, &last.id)
            ));
        }
        return match row.problem() {
            Some(problem) => Err(anyhow::anyhow!("{problem}")),
            None => Ok(()),
        };
    }
    let failed: Vec<&Row> = rows.iter().filter(|row| row.problem().is_some()).collect();
    out.set(
        "status",
        if failed.is_empty() {
            rows.iter()
                .filter_map(Row::last)
                .map(|s| s.status.as_str())
                .find(|status| *status != "available")
                .unwrap_or("available")
        } else {
            "failed"
        },
    );
    out.tables.push(Table {
        title: format!("Snapshots of {} DBs", rows.len()),
        headers: vec!["DB", "snapshot", "status", "result"],
        rows: rows
            .iter()
            .map(|row| {
                let last = row.last();
                vec![
                    row.db.id.clone(),
                    last.map(|s| s.id.clone()).unwrap_or_default(),
                    last.map(|s| s.status.clone()).unwrap_or_default(),
                    row.problem().map_or_else(|| "ok".to_owned(), str::to_owned),
                ]
            })
            .collect(),
    });
    if !failed.is_empty() && many {
        bail!(
            "{} of {} DBs {} not snapshotted: {}. The others were (see the table in the job summary); re-run this step to try the failed ones again (it adopts the snapshots already made)",
            failed.len(),
            rows.len(),
            plural(failed.len(), "was", "were"),
            failed
                .iter()
                .map(|row| format!("`{}`: {}", row.db.id, row.problem().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(id: &str, status: &str) -> Snapshot {
        Snapshot {
            id: id.to_owned(),
            arn: format!("arn:aws:rds:us-east-1:123456789012:snapshot:{id}"),
            status: status.to_owned(),
            source_db: String::new(),
            created: None,
            percent: None,
            tags: Vec::new(),
            encrypted: false,
            kms_key_id: None,
            size_gib: None,
            vpc_id: None,
            kind: "manual".to_owned(),
            of: Kind::Instance,
            engine: None,
            engine_version: None,
            option_group: None,
            copied_from: None,
        }
    }

    fn row(db: &str, started: Result<&str, &str>, done: Option<Result<&str, &str>>) -> Row {
        Row {
            db: DbRef::instance(db),
            started: started
                .map(|id| snapshot(id, "creating"))
                .map_err(str::to_owned),
            done: done.map(|done| {
                done.map(|id| snapshot(id, "available"))
                    .map_err(str::to_owned)
            }),
        }
    }

    #[test]
    fn a_row_shows_its_last_look_and_its_problem() {
        let waited = row("a", Ok("a-1"), Some(Ok("a-1")));
        assert_eq!(waited.last().map(|s| s.status.as_str()), Some("available"));
        assert_eq!(waited.problem(), None);
        let not_waited = row("a", Ok("a-1"), None);
        assert_eq!(
            not_waited.last().map(|s| s.status.as_str()),
            Some("creating")
        );
        // A wait that failed still shows the snapshot as it started.
        let timed_out = row("a", Ok("a-1"), Some(Err("timed out")));
        assert_eq!(timed_out.last().map(|s| s.id.as_str()), Some("a-1"));
        assert_eq!(timed_out.problem(), Some("timed out"));
        let refused = row("a", Err("refused"), None);
        assert!(refused.last().is_none());
        assert_eq!(refused.problem(), Some("refused"));
    }

    #[test]
    fn one_db_reports_its_own_outputs_and_error() {
        let mut out = Report::default();
        report(
            &[row("prod", Ok("s"), Some(Ok("s")))],
            "eu-west-1",
            &mut out,
            false,
        )
        .unwrap();
        assert_eq!(out.outputs.get("status"), Some("available"));
        assert_eq!(
            out.outputs.get("snapshot-arn"),
            Some("arn:aws:rds:us-east-1:123456789012:snapshot:s")
        );
        assert!(out.sections[0].contains("https://eu-west-1.console.aws.amazon.com/"));
        assert!(out.tables.is_empty());

        let mut out = Report::default();
        let error = report(
            &[row("prod", Err("refused"), None)],
            "eu-west-1",
            &mut out,
            false,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "refused");
    }

    #[test]
    fn several_dbs_report_a_map_a_table_and_which_failed() {
        let rows = [
            row("a", Ok("a-1"), Some(Ok("a-1"))),
            row("b", Err("refused"), None),
        ];
        let mut out = Report::default();
        let error = report(&rows, "eu-west-1", &mut out, true).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1 of 2 DBs was not snapshotted: `b`: refused. The others were (see the table in the job summary); re-run this step to try the failed ones again (it adopts the snapshots already made)"
        );
        assert_eq!(out.outputs.get("status"), Some("failed"));
        let map: serde_json::Value =
            serde_json::from_str(out.outputs.get("snapshots-by-db").unwrap()).unwrap();
        assert_eq!(map["a"]["snapshot-identifier"], "a-1");
        assert_eq!(map["b"]["error"], "refused");
        assert_eq!(out.tables[0].rows[1], ["b", "", "", "refused"]);

        // Not waited for: the first status that is not `available`.
        let rows = [row("a", Ok("a-1"), None), row("b", Ok("b-1"), None)];
        let mut out = Report::default();
        report(&rows, "eu-west-1", &mut out, true).unwrap();
        assert_eq!(out.outputs.get("status"), Some("creating"));
    }
}
