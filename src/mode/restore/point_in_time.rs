//! The point-in-time source (`mode: pitr`): a new DB instance or Aurora
//! cluster restored from the source's backups to a point in time, checked
//! against the restorable window first; for Aurora, with
//! `restore-type: copy-on-write`, a clone.

use anyhow::bail;
use tracing::info;

use super::{Adopted, AtSnapshot, Claim, New, Prepared, for_target};
use crate::config::PitrPlan;
use crate::db;
use crate::github::{Report, shown};
use crate::mode::source_db;
use crate::model::{DbRef, RestoreTime, rfc3339};
use crate::provenance::{self, TargetClaim};
use crate::rds::Rds;
use crate::settings::Restore;
use chrono::DateTime;

/// Resolves the source, looks at the target, and picks the time inside
/// the source's restorable window. Only this run's own restore is adopted
/// (a re-run, or the button pressed twice in the run): a target from
/// another run holds other data, however alike its request (`latest`
/// weeks ago is not `latest` now). The output says which time the adopted
/// DB holds.
pub(super) async fn prepare(
    plan: &PitrPlan,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Prepared> {
    let target = &plan.target;
    let requested = plan.time.to_string();
    let source_ref = for_target(rds, &plan.source_db, target.kind, out).await?;
    let what = if plan.clone { "clone" } else { "restore" };
    let wanted = format!("`{}` at time `{requested}`", source_ref.id);
    let target_ref = DbRef {
        kind: target.kind,
        id: target.id.clone(),
    };
    let mut target = target.clone();
    // The source-db tag names the cluster, not the member it was named by.
    provenance::retarget(&mut target.tags, &source_ref.id, None);
    if let Some(existing) = db::describe(rds, &target_ref).await? {
        let claim = TargetClaim::PointInTime {
            run: target.run_id.as_deref(),
            source: &source_ref.id,
        };
        provenance::target(&existing, claim, &wanted)?;
        let time = provenance::restored_to(existing.tags()).unwrap_or(&requested);
        info!(
            "{} `{}` was restored from `{}` to {} by an earlier attempt of this run; adopting it",
            target.kind.noun(),
            existing.id(),
            source_ref.id,
            shown(time)
        );
        out.set("restore-time", time.to_owned());
        let source = db::describe(rds, &source_ref).await?;
        let at = match (&source, DateTime::parse_from_rfc3339(time)) {
            (Some(source), Ok(time)) if !plan.clone => {
                AtSnapshot::as_of(rds, source, time.to_utc()).await?
            }
            _ => None,
        };
        return Ok(Prepared::Adopt(Box::new(Adopted {
            source,
            existing,
            target,
            restore: Restore::ToPointInTime,
            recorded_vpc: None,
            at,
        })));
    }

    let source = source_db(rds, &source_ref).await?;
    let (earliest, latest) = db::window(rds, &source).await?;
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

    target.tags.extend(provenance::restored_to_stamps(time));
    // A clone shares the source's storage as it is now.
    let at = if plan.clone {
        None
    } else {
        AtSnapshot::as_of(rds, &source, time).await?
    };
    let source_id = source.id().to_owned();
    let announce = format!(
        "{what}: `{source_id}` at {} ({}) as new {} `{}`",
        rfc3339(time),
        shown(&requested),
        target.kind.noun(),
        target.id
    );
    let context = format!(
        "{what} of `{source_id}` to a point in time as `{}`",
        target.id
    );
    Ok(Prepared::New(Box::new(New {
        source: Some(source),
        recorded_vpc: None,
        at,
        call: db::Source::PointInTime {
            db: source_id,
            time: plan.time,
            clone: plan.clone,
        },
        wanted,
        claim: Claim::PointInTime {
            run: target.run_id.clone(),
            source: source_ref.id.clone(),
        },
        refuse: None,
        announce,
        context,
        target,
    })))
}
