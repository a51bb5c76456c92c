//! `mode: drill`: proves that a DB's backup restores and serves, measures
//! how long that takes, cleans up, and leaves evidence.
//!
//! 1. The scratch DB (`<db>-drill-r<run>`) is made by the one restore
//!    pipeline, which `lib` hands in as `restore`: built like a rollback
//!    (same VPC, subnets, security groups), tagged as this run's drill,
//!    never protected; a re-run adopts this run's earlier attempt.
//! 2. [`probe`] proves it serves, at the highest level it can reach.
//! 3. The scratch DB is deleted without a final snapshot (its data is
//!    still in the snapshot), on success and on failure alike, and only if
//!    [`provenance::drill`] says it is this run's (with `provenance-key`,
//!    only if the MAC it got once restored verifies too); with `keep-for`
//!    it stays, and `prune` deletes it once expired.
//! 4. [`evidence`]: the outputs, the job summary and the report file.
//!
//! A failure is reported after the cleanup, in order: the restore, the
//! proof, the cleanup, then a missed `rto-target`.

mod evidence;
mod probe;

use chrono::{DateTime, Utc};
use tracing::info;

use crate::config::{DrillPlan, DrillRestore, Login, SnapshotChoice, Wait};
use crate::db::{self, Db};
use crate::github::{self, Report, shown};
use crate::model::DbRef;
use crate::provenance;
use crate::rds::Rds;
use crate::seal;
use crate::timeline::{self, Mark};

use probe::Family;

/// What the drill found and did, for the evidence.
#[derive(Debug, Default)]
struct Outcome {
    db: Option<String>,
    snapshot: Option<String>,
    snapshot_created: Option<DateTime<Utc>>,
    restore_time: Option<String>,
    marks: Vec<Mark>,
    level: u8,
    proof: Vec<String>,
    probe: Option<String>,
    serving: Option<DateTime<Utc>>,
    cleanup: String,
    errors: Vec<String>,
}

/// Runs the drill. `restore` is the restore pipeline for
/// `plan.restore` (see `lib::execute`).
pub async fn run<R>(
    plan: &DrillPlan,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
    restore: R,
) -> anyhow::Result<()>
where
    R: AsyncFnOnce(&mut Report) -> anyhow::Result<Db>,
{
    let login = login(plan, rds).await?;
    let target = plan.restore.target();
    let scratch = DbRef {
        kind: target.kind,
        id: target.id.clone(),
    };
    let mut outcome = Outcome {
        db: Some(scratch.id.clone()),
        ..Outcome::default()
    };
    out.set("drill-db-identifier", scratch.id.clone());
    info!(
        "drill of {}: restoring into scratch {} `{}`",
        plan.source_db,
        scratch.kind.noun(),
        scratch.id
    );

    // The newest snapshot and a point in time are the source's: it must
    // exist (a named snapshot may outlive its DB).
    let named_snapshot = matches!(
        &plan.restore,
        DrillRestore::Snapshot(restore) if matches!(restore.choice, SnapshotChoice::Id(_))
    );
    if !named_snapshot && db::describe(rds, &plan.source_db).await?.is_none() {
        return Err(super::no_such_db(&plan.source_db, rds.region()));
    }

    // An earlier attempt of this run may have got as far as deleting it.
    if let Some(existing) = db::describe(rds, &scratch).await?
        && existing.status() == "deleting"
        && provenance::drill(&existing, &plan.source_db.id, Some(&plan.run_id)).is_ok()
    {
        info!(
            "`{}` is being deleted by an earlier attempt of this run; waiting for it, then drilling again",
            scratch.id
        );
        db::until_gone(rds, &scratch, wait.timeout).await?;
    }

    let mut restored_report = Report::default();
    let (restored, marks) = timeline::recording(restore(&mut restored_report)).await;
    outcome.marks.push(Mark {
        label: "started".to_owned(),
        at: plan.started,
    });
    outcome.marks.extend(marks);
    for name in [
        "snapshot-identifier",
        "snapshot-arn",
        "restore-time",
        "endpoint",
        "reader-endpoint",
        "port",
    ] {
        if let Some(value) = restored_report.outputs.get(name).map(str::to_owned) {
            out.set(name, value);
        }
    }
    outcome.snapshot = restored_report
        .outputs
        .get("snapshot-identifier")
        .map(str::to_owned);
    outcome.restore_time = restored_report
        .outputs
        .get("restore-time")
        .map(str::to_owned);
    out.absorb(restored_report, false);

    match restored {
        Ok(db) => {
            mark(&mut outcome, "settings applied");
            // With `provenance-key`, the scratch DB gets its MAC now, so the
            // cleanup below, a re-run's, or `prune`'s can tell it from a DB
            // that only carries drill tags.
            if let Err(error) = seal::seal_db(rds, &db).await {
                outcome.errors.push(format!("{error:#}"));
            }
            outcome.snapshot_created = provenance::restored_from_created(db.tags())
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                .map(|at| at.to_utc());
            if rds.is_planned(db.id()) {
                // Proof needs the DB to exist: a plan says what the run
                // will try, and proves nothing.
                rds.check(
                    format!("proof that `{}` serves", db.id()),
                    "the run connects to it (the engine's handshake, then `probe-query` if set) or reads its log; not in a plan, where it does not exist",
                );
            } else {
                prove(plan, login.as_ref(), rds, &db, &mut outcome).await;
            }
            if let Some(at) = outcome.serving {
                outcome.marks.push(Mark {
                    label: "serving".to_owned(),
                    at,
                });
            }
        }
        Err(error) => outcome.errors.push(format!("{error:#}")),
    }

    // The cleanup, whatever happened above.
    outcome.cleanup = match cleanup(plan, wait, rds, &scratch).await {
        Ok(done) => done,
        Err(error) => {
            let message = format!("{error:#}");
            outcome.errors.push(format!(
                "the scratch DB `{}` was not deleted: {message}; re-run this step, or run `mode: prune` for `{}` to delete it",
                scratch.id, plan.source_db.id
            ));
            format!("NOT deleted: {message}")
        }
    };

    let rto = outcome
        .serving
        .map(|at| (at - plan.started).num_milliseconds().max(0) as f64 / 1000.0);
    let met = match (plan.rto_target, rto) {
        (Some(target), Some(rto)) => Some(rto <= target.as_secs_f64()),
        (Some(_), None) => Some(false),
        (None, _) => None,
    };
    // A plan has no evidence to leave and no time to judge: what it found
    // is in its own report, and the drill report is the run's.
    let planning = rds.is_planning();
    if !planning {
        evidence::write(plan, rds.region(), &outcome, rto, met, out)?;
    }

    if let Some(first) = outcome.errors.first() {
        let more = outcome.errors.len() - 1;
        if more > 0 {
            for other in &outcome.errors[1..] {
                out.warn(other.clone());
            }
        }
        anyhow::bail!("drill of {} failed: {first}", plan.source_db);
    }
    if met == Some(false) && !planning {
        anyhow::bail!(
            "drill of {} missed its recovery time objective: it served after {:.0}s, and `rto-target` is {}s; the restore, the proof and the cleanup worked, but a real restore would take this long",
            plan.source_db,
            rto.unwrap_or_default(),
            plan.rto_target.map(|t| t.as_secs()).unwrap_or_default()
        );
    }
    Ok(())
}

fn mark(outcome: &mut Outcome, label: &str) {
    outcome.marks.push(Mark {
        label: label.to_owned(),
        at: Utc::now(),
    });
}

/// The probe's user and password, masked in the log, read before anything
/// is restored: a secret the role may not read, or one not in RDS's form,
/// fails the step with no scratch DB made. A plan does not read the
/// secret (it holds a password, and the plan role need not see it); it
/// says the run will.
async fn login(plan: &DrillPlan, rds: &Rds) -> anyhow::Result<Option<(String, String)>> {
    if plan.probe.query.is_none() {
        return Ok(None);
    }
    let login = match &plan.probe.login {
        None => return Ok(None),
        Some(Login::Password { user, password }) => (user.clone(), password.clone()),
        Some(Login::Secret(arn)) if rds.is_planning() => {
            rds.check(
                format!("the probe's login, secret `{arn}`"),
                "read by the run before it restores (GetSecretValue); not in a plan, which does not read passwords",
            );
            return Ok(None);
        }
        Some(Login::Secret(arn)) => rds.secret_login(arn).await?,
    };
    if plan.in_actions {
        println!("{}", github::mask_command(&login.1));
    }
    Ok(Some(login))
}

/// Proves the scratch DB serves, at the highest level it can reach, with
/// the probe's `login`. A failed proof goes into `outcome.errors`.
async fn prove(
    plan: &DrillPlan,
    login: Option<&(String, String)>,
    rds: &Rds,
    db: &Db,
    outcome: &mut Outcome,
) {
    let family = Family::of(db.engine());
    let endpoint = db
        .endpoint()
        .zip(db.port().and_then(|port| u16::try_from(port).ok()));
    let mut unreachable = None;
    if let Some((host, port)) = endpoint {
        match probe::handshake(host, port, family).await {
            Ok(said) => {
                info!("level 2: {said}");
                outcome.level = 2;
                outcome.serving = Some(Utc::now());
                outcome.proof.push(format!("level 2: {said}"));
            }
            Err(why) => unreachable = Some(why),
        }
    } else {
        unreachable = Some(format!("`{}` reports no endpoint", db.id()));
    }
    if let Some(query) = &plan.probe.query {
        let Some((host, port)) = endpoint.filter(|_| unreachable.is_none()) else {
            outcome.errors.push(format!(
                "`probe-query` could not run: {}",
                unreachable.unwrap_or_default()
            ));
            return;
        };
        if family == Family::Other {
            outcome.errors.push(format!(
                "`probe-query` runs on PostgreSQL and MySQL-family engines; `{}` is `{}`. Leave it out for proof by handshake (level 2)",
                db.id(),
                db.engine()
            ));
            return;
        }
        let Some((user, password)) = login else {
            outcome
                .errors
                .push("`probe-query` has no login to run with".to_owned());
            return;
        };
        let ca = plan.probe.ca.as_ref();
        let target = probe::Target {
            host,
            port,
            user,
            password,
            database: db.db_name(),
            ca,
        };
        match probe::sql(family, &target, query).await {
            Ok(row) => {
                let shown_row = row.clone().unwrap_or_else(|| "(no row)".to_owned());
                info!("level 3: `probe-query` answered {}", shown(&shown_row));
                outcome.level = 3;
                outcome.serving = Some(Utc::now());
                outcome.proof.push(match ca {
                    Some(ca) => format!(
                        "level 3: `probe-query` ran as `{user}`, over TLS, the DB's certificate verified against `{}`",
                        ca.path
                    ),
                    None => format!("level 3: `probe-query` ran as `{user}`"),
                });
                outcome.probe = Some(row.unwrap_or_default());
            }
            Err(why) => outcome.errors.push(why),
        }
        return;
    }
    if let Some(why) = unreachable {
        info!("level 2 not reached: {why}");
        outcome.proof.push(format!("level 2 not reached: {why}"));
        // Level 1 needs no network path: the engine's log, through RDS.
        let instance = match db {
            Db::Instance(instance) => Some(instance.id.clone()),
            Db::Cluster(cluster) => cluster.writer().map(str::to_owned),
        };
        let found = match instance {
            Some(instance) => probe::log_says_ready(rds, &instance, family).await,
            None => Ok(None),
        };
        match found {
            Ok(Some(line)) => {
                info!("level 1: the engine's log says {}", shown(&line));
                outcome.level = 1;
                outcome.serving = Some(Utc::now());
                outcome.proof.push(format!("level 1: the engine's log says `{line}`"));
            }
            Ok(None) => outcome.errors.push(format!(
                "nothing proved that `{}` serves: {why}; and its log does not (yet) show it accepting connections",
                db.id()
            )),
            Err(log_error) => outcome.errors.push(format!(
                "nothing proved that `{}` serves: {why}; and its log could not be read: {log_error}",
                db.id()
            )),
        }
    }
}

/// Deletes the scratch DB unless `keep-for` keeps it; returns what was
/// done. Only a DB [`provenance::drill`] calls this run's drill is touched.
async fn cleanup(
    plan: &DrillPlan,
    wait: Wait,
    rds: &Rds,
    scratch: &DbRef,
) -> anyhow::Result<String> {
    let Some(db) = db::describe(rds, scratch).await? else {
        return Ok("nothing to delete: it was not created".to_owned());
    };
    if let Err(refusal) = provenance::drill(&db, &plan.source_db.id, Some(&plan.run_id)) {
        return Ok(format!("left alone: {refusal}"));
    }
    if let Some(keep) = plan.keep_for {
        info!(
            "keeping `{}` for {} (`keep-for`); `mode: prune` deletes it after {}",
            scratch.id,
            crate::wait::human(keep),
            crate::model::rfc3339(plan.expires)
        );
        return Ok(format!(
            "kept until {} (`keep-for`), then deleted by `mode: prune`",
            crate::model::rfc3339(plan.expires)
        ));
    }
    if db.status() != "deleting" {
        if let Err(refusal) =
            provenance::sealed(db.id(), db.kind().noun(), seal::check_db(rds, &db).await?)
        {
            return Ok(format!("left alone: {refusal}"));
        }
        info!(
            "deleting scratch {} `{}` (no final snapshot: it is a copy)",
            scratch.kind.noun(),
            scratch.id
        );
        db::delete(rds, &db, None, wait.timeout).await?;
    }
    db::until_gone(rds, scratch, wait.timeout).await?;
    Ok("deleted, without a final snapshot".to_owned())
}
