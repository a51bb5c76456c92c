//! `mode: pitr`: a new DB instance restored from the source's automated
//! backups to a point in time, checked against the restorable window first.

use anyhow::{Context as _, bail};
use chrono::{DateTime, TimeDelta, Utc};
use tracing::info;

use super::{
    build, create_instance, finish_instance, foreign_target, owned, same_run, source_instance,
    summary,
};
use crate::config::{PitrPlan, RestoreTime, Wait, rfc3339, tag};
use crate::github::{Report, shown};
use crate::naming::tag as key;
use crate::rds::{Instance, NewDb, Rds, tag_value};
use crate::settings::Restore;

pub async fn run(plan: &PitrPlan, wait: Wait, rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    let target = &plan.target;
    let requested = plan.time.to_string();
    // Only this run's own restore is adopted (a re-run, or the button pressed
    // twice in the run): a target from another run holds other data, however
    // alike its request (`latest` weeks ago is not `latest` now). The output
    // says which time the adopted instance holds.
    let is_ours = |instance: &Instance| {
        owned(&instance.tags)
            && tag_value(&instance.tags, key::SOURCE_DB) == Some(plan.source_db.as_str())
            && same_run(&instance.tags, target.run_id.as_deref())
    };
    let wanted = format!("`{}` at time `{requested}`", plan.source_db);
    if let Some(existing) = rds.instance(&target.id).await? {
        if !is_ours(&existing) {
            return Err(foreign_target(&existing, &wanted));
        }
        let time = tag_value(&existing.tags, key::RESTORED_TO).unwrap_or(&requested);
        info!(
            "DB instance `{}` was restored from `{}` to {} by an earlier attempt of this run; adopting it",
            existing.id,
            plan.source_db,
            shown(time)
        );
        out.set("restore-time", time.to_owned());
        let source = rds.instance(&plan.source_db).await?;
        let build = build(rds, target, source, Restore::ToPointInTime, None, out).await?;
        let restored = finish_instance(rds, existing, &build, wait, out).await?;
        summary::rollback(rds.region(), &restored, out);
        return Ok(());
    }

    let source = source_instance(rds, &plan.source_db).await?;
    let (earliest, latest) = window(rds, &source).await?;
    let time = match plan.time {
        RestoreTime::Latest => latest,
        RestoreTime::At(time) if time < earliest || time > latest => bail!(
            "input `restore-time` {} is outside the restorable window of `{}` ({} .. {}); pick a time inside it or use `latest`",
            rfc3339(time),
            source.id,
            rfc3339(earliest),
            rfc3339(latest)
        ),
        RestoreTime::At(time) => time,
    };
    out.set("restore-time", rfc3339(time));

    let mut target = target.clone();
    target.tags.push(tag(key::RESTORED_TO, &rfc3339(time)));
    let source_id = source.id.clone();
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
        "restoring `{source_id}` to {} ({}) as new DB instance `{}`",
        rfc3339(time),
        shown(&requested),
        target.id
    );
    let new = NewDb {
        id: &target.id,
        settings: &build.carry.call,
        tags: &build.tags,
    };
    let create = rds.restore_to_time(&source_id, plan.time, &new);
    let restored = create_instance(rds, &build, wait, out, &wanted, is_ours, create)
        .await
        .with_context(|| {
            format!(
                "restoring `{source_id}` to a point in time as `{}`",
                target.id
            )
        })?;
    summary::rollback(rds.region(), &restored, out);
    Ok(())
}

/// The source's restorable window: from the automated backups' restore
/// window where RDS reports one, else from what the retention period and
/// the instance's creation time allow, up to `LatestRestorableTime`.
async fn window(rds: &Rds, source: &Instance) -> anyhow::Result<(DateTime<Utc>, DateTime<Utc>)> {
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
