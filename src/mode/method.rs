//! Input `method` of `restore` and `pitr`: which of the action's ways back
//! the step takes. Not given, or pinned to the mode's own way, the plan
//! goes to the restore pipeline as it is, without a call. `backtrack`
//! becomes `mode: backtrack`'s plan; `auto` reads the source (only reads)
//! and asks [`crate::method::choose`], then says what it chose and why
//! each faster way was not used: in the log, the job summary, the `method`
//! output, and a plan's checks. `lib::execute` runs the way returned, so
//! neither mode imports the other.

use anyhow::bail;
use tracing::info;

use super::{as_cluster_if_member, choose};
use crate::config::{BacktrackPlan, BacktrackTo, Method, PitrPlan, RestorePlan};
use crate::db::{self, Db};
use crate::github::Report;
use crate::method::{self, Facts};
use crate::model::{DbRef, Kind, RestoreTime};
use crate::rds::Rds;
use crate::settings::{self, Value};

/// The way a `restore` or `pitr` step goes, with the plan of the code path
/// that does it.
#[derive(Debug, Clone)]
pub enum Way {
    /// The restore pipeline from a snapshot.
    Snapshot(RestorePlan),
    /// The restore pipeline to a point in time, or an Aurora clone.
    PointInTime(PitrPlan),
    /// `mode: backtrack`, in place.
    Backtrack(BacktrackPlan),
}

/// The way of a `mode: restore` step.
pub async fn of_restore(plan: &RestorePlan, rds: &Rds, out: &mut Report) -> anyhow::Result<Way> {
    let pipeline = Way::Snapshot(plan.clone());
    let backtrack = |db: &DbRef, to| {
        Way::Backtrack(BacktrackPlan {
            db: db.clone(),
            to: BacktrackTo::Time(to),
            force: plan.force,
        })
    };
    match plan.method {
        Method::Auto => {}
        Method::Backtrack => {
            let db = plan.source_db.as_ref().expect("in place names the source");
            let snapshot = choose(&plan.choice, Some(db), None, rds).await?;
            let Some(to) = snapshot.created else {
                bail!(
                    "RDS gives no creation time for snapshot `{}`, so there is no time to backtrack to; use `method: snapshot` to restore it",
                    snapshot.id
                );
            };
            out.set("method", Method::Backtrack.name());
            info!(
                "method: backtrack (pinned), to when snapshot `{}` was taken",
                snapshot.id
            );
            return Ok(backtrack(db, to));
        }
        _ => {
            out.set("method", Method::Snapshot.name());
            return Ok(pipeline);
        }
    }
    // The snapshot says the time and the size. If it cannot be read, the
    // restore is left to say why in its own words, or to adopt what an
    // earlier attempt of this run restored from it (it may be gone since).
    let kind = Some(plan.target.kind);
    let snapshot = match choose(&plan.choice, plan.source_db.as_ref(), kind, rds).await {
        Ok(snapshot) => snapshot,
        Err(error) => {
            info!("method: auto could not read the snapshot ({error:#}); restoring as asked");
            out.set("method", Method::Snapshot.name());
            return Ok(pipeline);
        }
    };
    let source = match &plan.source_db {
        Some(db) => describe(rds, db).await?,
        None => None,
    };
    let mut facts = facts(
        Method::Snapshot,
        source.as_ref(),
        snapshot.created.map(RestoreTime::At),
        plan.in_place.is_some(),
        plan.force,
    );
    if source.is_none() {
        facts.kind = snapshot.of;
        facts.engine = snapshot.engine.clone().unwrap_or_default();
    }
    facts.size_gib = snapshot.size_gib;
    let choice = decide(facts, rds, source.as_ref(), out).await?;
    Ok(match (choice, &source, snapshot.created) {
        (Method::Backtrack, Some(db), Some(to)) => backtrack(&db.reference(), to),
        _ => pipeline,
    })
}

/// The way of a `mode: pitr` step.
pub async fn of_pitr(plan: &PitrPlan, rds: &Rds, out: &mut Report) -> anyhow::Result<Way> {
    match (plan.method, plan.time) {
        (Method::Auto, _) => {}
        (Method::Backtrack, RestoreTime::At(to)) => {
            out.set("method", Method::Backtrack.name());
            info!("method: backtrack (pinned)");
            return Ok(Way::Backtrack(BacktrackPlan {
                db: plan.source_db.clone(),
                to: BacktrackTo::Time(to),
                force: plan.force,
            }));
        }
        (Method::Backtrack, RestoreTime::Latest) => {
            unreachable!("the plan refuses `latest` with `method: backtrack`")
        }
        (method, _) => {
            out.set("method", method.name());
            return Ok(Way::PointInTime(plan.clone()));
        }
    }
    let source = describe(rds, &plan.source_db).await?;
    let mut facts = facts(
        Method::PointInTime,
        source.as_ref(),
        Some(plan.time),
        plan.in_place.is_some(),
        plan.force,
    );
    if let Some(Db::Instance(instance)) = &source {
        facts.size_gib = instance.size_gib;
    }
    // A clone is made into a new cluster: a DB instance target cannot take
    // one, whatever the source.
    if plan.target.kind == Kind::Instance {
        facts.kind = Kind::Instance;
    }
    let choice = decide(facts, rds, source.as_ref(), out).await?;
    Ok(match (choice, &source, plan.time) {
        (Method::Backtrack, Some(db), RestoreTime::At(to)) => Way::Backtrack(BacktrackPlan {
            db: db.reference(),
            to: BacktrackTo::Time(to),
            force: plan.force,
        }),
        (Method::Clone, _, _) => {
            let mut clone = plan.clone();
            clone.clone = true;
            clone.method = Method::Clone;
            Way::PointInTime(clone)
        }
        _ => Way::PointInTime(plan.clone()),
    })
}

/// The source, as the restore would find it (a cluster member named as an
/// instance stands for its cluster); `None` if it does not exist, which
/// the way chosen then reports in its own words.
async fn describe(rds: &Rds, db: &DbRef) -> anyhow::Result<Option<Db>> {
    // The restore warns of a member named as an instance itself.
    let resolved = as_cluster_if_member(rds, db, &mut Report::default()).await?;
    Ok(db::describe(rds, &resolved).await?)
}

/// The facts RDS's describe gives; the binary log is read later, only
/// where it decides.
fn facts(
    fallback: Method,
    source: Option<&Db>,
    to: Option<RestoreTime>,
    in_place: bool,
    force: bool,
) -> Facts {
    let cluster = source.and_then(Db::as_cluster);
    Facts {
        fallback,
        kind: source.map_or(Kind::Instance, Db::kind),
        engine: source.map(Db::engine).unwrap_or_default().to_owned(),
        status: source.map(Db::status).unwrap_or_default().to_owned(),
        backtrack_window: cluster.and_then(|c| c.backtrack_window),
        earliest_backtrack: cluster.and_then(|c| c.earliest_backtrack),
        binlog: None,
        replication: cluster.map(|c| c.replication.clone()).unwrap_or_default(),
        to,
        in_place,
        force,
        size_gib: None,
        now: chrono::Utc::now(),
    }
}

/// Reads the binary log setting where a Backtrack would otherwise serve
/// (as `mode: backtrack` does before it calls), chooses, and says so.
async fn decide(
    mut facts: Facts,
    rds: &Rds,
    source: Option<&Db>,
    out: &mut Report,
) -> anyhow::Result<Method> {
    if method::choose(&facts).chosen == Method::Backtrack
        && !facts.force
        && let Some(Value::Text(group)) = source
            .and_then(Db::as_cluster)
            .and_then(|cluster| cluster.settings.get(settings::DB_CLUSTER_PARAMETER_GROUP))
    {
        facts.binlog = rds
            .cluster_parameter(group, "binlog_format")
            .await?
            .filter(|value| !value.eq_ignore_ascii_case("OFF"));
    }
    let choice = method::choose(&facts);
    info!(
        "method: auto chose {} ({})",
        choice.chosen,
        choice.chosen.what()
    );
    for (way, line) in method::lines(&choice) {
        info!("  {way}: {line}");
        rds.check(format!("method `{way}`"), line);
    }
    out.set("method", choice.chosen.name());
    out.note("method", format!("`auto` chose {}", choice.chosen.what()));
    out.tables.push(method::table(&choice, facts.size_gib));
    Ok(choice.chosen)
}
