//! `mode: pitr`: a new DB instance or Aurora cluster restored from the
//! source's backups to a point in time, checked against the restorable
//! window first; for Aurora, with `restore-type: copy-on-write`, a clone.

use anyhow::{Context as _, bail};
use chrono::{DateTime, TimeDelta, Utc};
use tracing::info;

use super::build::{build, create, finish};
use super::{for_target, foreign_target, owned, same_run, source_db, summary};
use crate::config::{PitrPlan, Wait};
use crate::db::{self, Db};
use crate::github::{Report, shown};
use crate::model::{DbRef, Kind, RestoreTime, rfc3339, tag, tag_value};
use crate::naming::tag as key;
use crate::rds::{NewDb, Rds};
use crate::settings::Restore;

pub async fn run(plan: &PitrPlan, wait: Wait, rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    if let Some(swap) = &plan.in_place {
        return super::in_place::run(swap, &plan.target.id, wait, rds, out, || async {
            let mut report = Report::default();
            (restore(plan, wait, rds, &mut report).await, report)
        })
        .await;
    }
    let restored = restore(plan, wait, rds, out).await?;
    summary::rollback(rds.region(), &restored, out);
    Ok(())
}

/// Restores `plan.source_db` to the point in time into `plan.target` (or
/// adopts this run's restore there) and waits for it.
pub(crate) async fn restore(
    plan: &PitrPlan,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Db> {
    let target = &plan.target;
    let requested = plan.time.to_string();
    let source_ref = for_target(rds, &plan.source_db, target.kind, out).await?;
    // Only this run's own restore is adopted (a re-run, or the button pressed
    // twice in the run): a target from another run holds other data, however
    // alike its request (`latest` weeks ago is not `latest` now). The output
    // says which time the adopted DB holds.
    let is_ours = |db: &Db| {
        owned(db.tags())
            && tag_value(db.tags(), key::SOURCE_DB) == Some(source_ref.id.as_str())
            && same_run(db.tags(), target.run_id.as_deref())
    };
    let what = if plan.clone { "clone" } else { "restore" };
    let wanted = format!("`{}` at time `{requested}`", source_ref.id);
    let target_ref = DbRef {
        kind: target.kind,
        id: target.id.clone(),
    };
    let mut target = target.clone();
    // The source-db tag names the cluster, not the member it was named by.
    for tag in &mut target.tags {
        if tag.key == key::SOURCE_DB {
            tag.value.clone_from(&source_ref.id);
        }
    }
    if let Some(existing) = db::describe(rds, &target_ref).await? {
        if !is_ours(&existing) {
            return Err(foreign_target(&existing, &wanted));
        }
        let time = tag_value(existing.tags(), key::RESTORED_TO).unwrap_or(&requested);
        info!(
            "{} `{}` was restored from `{}` to {} by an earlier attempt of this run; adopting it",
            target.kind.noun(),
            existing.id(),
            source_ref.id,
            shown(time)
        );
        out.set("restore-time", time.to_owned());
        let source = db::describe(rds, &source_ref).await?;
        let build = build(rds, &target, source, Restore::ToPointInTime, None, out).await?;
        return finish(rds, existing, &build, wait, out).await;
    }

    let source = source_db(rds, &source_ref).await?;
    let (earliest, latest) = window(rds, &source).await?;
    let time = match plan.time {
        RestoreTime::Latest => latest,
        RestoreTime::At(time) if time < earliest || time > latest => bail!(
            "input `restore-time` {} is outside the restorable window of `{}` ({} .. {}); pick a time inside it or use `latest`",
            rfc3339(time),
            source.id(),
            rfc3339(earliest),
            rfc3339(latest)
        ),
        RestoreTime::At(time) => time,
    };
    out.set("restore-time", rfc3339(time));

    target.tags.push(tag(key::RESTORED_TO, &rfc3339(time)));
    let source_id = source.id().to_owned();
    let build = build(
        rds,
        &target,
        Some(source),
        Restore::ToPointInTime,
        None,
        out,
    )
    .await?;
    info!(
        "{what}: `{source_id}` at {} ({}) as new {} `{}`",
        rfc3339(time),
        shown(&requested),
        target.kind.noun(),
        target.id
    );
    let new = NewDb {
        id: &target.id,
        settings: &build.carry.call,
        tags: &build.tags,
    };
    let restore = async {
        match target.kind {
            Kind::Instance => rds
                .restore_to_time(&source_id, plan.time, &new)
                .await
                .map(Db::Instance),
            Kind::Cluster => rds
                .restore_cluster_to_time(&source_id, plan.time, plan.clone, &new)
                .await
                .map(Db::Cluster),
        }
    };
    create(rds, &build, wait, out, &wanted, is_ours, restore)
        .await
        .with_context(|| {
            format!(
                "{what} of `{source_id}` to a point in time as `{}`",
                target.id
            )
        })
}

/// The source's restorable window. A cluster reports its own
/// `EarliestRestorableTime` and `LatestRestorableTime`; an instance's
/// starts at the automated backups' restore window where RDS reports one,
/// else at what the retention period and its creation time allow, and
/// ends at `LatestRestorableTime`.
async fn window(rds: &Rds, source: &Db) -> anyhow::Result<(DateTime<Utc>, DateTime<Utc>)> {
    let source = match source {
        Db::Cluster(cluster) => {
            let (Some(earliest), Some(latest)) =
                (cluster.earliest_restorable, cluster.latest_restorable)
            else {
                bail!(
                    "DB cluster `{}` reports no restorable window yet (RDS has not finished its first backup); use `mode: restore` with a cluster snapshot, or try again later",
                    cluster.id
                );
            };
            return Ok((earliest, latest));
        }
        Db::Instance(instance) => instance,
    };
    if source.backup_retention_days <= 0 {
        bail!(
            "DB instance `{}` has automated backups turned off (backup retention 0 days), so it cannot be restored to a point in time; use `mode: restore` with a snapshot, or turn on backups for the future",
            source.id
        );
    }
    let Some(latest) = source.latest_restorable else {
        bail!(
            "DB instance `{}` has no restorable time yet (RDS has not finished its first automated backup); use `mode: restore` with a snapshot, or try again later",
            source.id
        );
    };
    let earliest = match rds.restore_window(&source.id).await? {
        Some((earliest, _)) => earliest,
        None => {
            let retained = latest - TimeDelta::days(i64::from(source.backup_retention_days));
            source
                .created
                .map_or(retained, |created| created.max(retained))
        }
    };
    Ok((earliest, latest))
}
