//! The snapshot source (`mode: restore`): a new DB instance or Aurora
//! cluster from a snapshot, chosen by ID, by deploy version, or as the
//! latest this action made, built like the snapshot's source. The source is
//! never touched.

use anyhow::bail;
use tracing::info;

use super::{Adopted, AtSnapshot, Claim, New, Prepared};
use crate::config::{RestorePlan, SnapshotChoice};
use crate::db::{self, Db};
use crate::github::{Report, shown};
use crate::mode::choose;
use crate::model::{DbRef, Kind};
use crate::provenance::{self, TargetClaim};
use crate::rds::Rds;
use crate::settings::Restore;

/// Looks at the target and picks the snapshot: this run's earlier restore
/// is adopted from the snapshot it chose, even if `latest` would now pick
/// another; a new restore gets the snapshot's provenance tags.
pub(super) async fn prepare(
    plan: &RestorePlan,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Prepared> {
    let target = &plan.target;
    let existing = db::describe(
        rds,
        &DbRef {
            kind: target.kind,
            id: target.id.clone(),
        },
    )
    .await?;
    let run = target.run_id.as_deref();
    if let Some(existing) = &existing
        && provenance::target_admits(existing, TargetClaim::RestoredByRun { run }).is_ok()
        && let Some(from) = provenance::restored_from(existing.tags())
    {
        // A re-run of this run: finish what the first attempt restored, from
        // the snapshot it chose, even if `latest` would now pick another.
        // The ARN's last part is its exact ID (the name tag is cleaned of
        // an automated snapshot's `rds:`).
        let id = provenance::restored_snapshot_id(existing.tags()).unwrap_or(from);
        let snapshot = db::snapshot(rds, target.kind, id).await?;
        if let Some(snapshot) = &snapshot
            && provenance::target_admits(existing, TargetClaim::RestoredFrom { run, snapshot })
                .is_err()
        {
            bail!(
                "{} `{}` was restored by this run from a snapshot named `{from}`, but that snapshot has since been deleted and made again (its ARN or creation time differ); nothing was changed. Delete `{}` if it is no longer needed, or pick another `{}`",
                target.kind.noun(),
                existing.id(),
                existing.id(),
                target.kind.target_input()
            );
        }
        info!(
            "{} `{}` was restored from {} by an earlier attempt of this run; adopting it",
            target.kind.noun(),
            existing.id(),
            shown(from)
        );
        out.set("snapshot-identifier", from.to_owned());
        if let Some(snapshot) = &snapshot {
            out.set("snapshot-arn", snapshot.arn.clone());
        }
        let source_db = provenance::source_db(existing.tags()).unwrap_or_default();
        let at = snapshot.as_ref().and_then(|s| AtSnapshot::of(s, out));
        return Ok(Prepared::Adopt(Box::new(Adopted {
            at,
            source: source_of(rds, target.kind, source_db).await?,
            recorded_vpc: snapshot.and_then(|s| s.vpc_id),
            existing: existing.clone(),
            target: target.clone(),
            restore: Restore::FromSnapshot,
        })));
    }

    let source_db = match &plan.source_db {
        Some(db) => Some(super::for_target(rds, db, target.kind, out).await?),
        None => None,
    };
    let snapshot = choose(&plan.choice, source_db.as_ref(), Some(target.kind), rds).await?;
    if let Some(db) = &source_db
        && matches!(plan.choice, SnapshotChoice::Id(_) | SnapshotChoice::Arn(_))
    {
        check_named_source(rds, db, &snapshot, plan.in_place.is_some()).await?;
    }
    let wanted = format!("snapshot `{}`", snapshot.id);
    out.set("snapshot-identifier", snapshot.id.clone());
    out.set("snapshot-arn", snapshot.arn.clone());
    if let Some(existing) = existing {
        bail!(provenance::foreign_target(&existing, &wanted));
    }
    if snapshot.status != "available" {
        bail!(
            "snapshot `{}` is `{}`, and only an available snapshot can be restored; wait for it, or choose another",
            snapshot.id,
            snapshot.status
        );
    }

    let mut target = target.clone();
    target.tags.extend(provenance::restored_stamps(&snapshot));
    let source = source_of(rds, target.kind, &snapshot.source_db).await?;
    let engine = snapshot.engine.clone().unwrap_or_default();
    // RestoreDBClusterFromSnapshot requires the engine; an instance
    // restore takes the snapshot's.
    let refuse = (target.kind == Kind::Cluster && engine.is_empty()).then(|| {
        format!(
            "DB cluster snapshot `{}` does not say its engine, which RestoreDBClusterFromSnapshot needs; nothing was changed",
            snapshot.id
        )
    });
    let announce = format!(
        "restoring snapshot `{}` to new {} `{}`",
        snapshot.id,
        target.kind.noun(),
        target.id
    );
    let context = format!("restoring snapshot `{}` to `{}`", snapshot.id, target.id);
    Ok(Prepared::New(Box::new(New {
        source,
        recorded_vpc: snapshot.vpc_id.clone(),
        at: AtSnapshot::of(&snapshot, out),
        call: db::Source::Snapshot {
            id: snapshot.id.clone(),
            engine,
        },
        wanted,
        claim: Claim::RestoredFrom {
            run: target.run_id.clone(),
            snapshot: Box::new(snapshot),
        },
        refuse,
        announce,
        context,
        target,
    })))
}

/// A snapshot chosen by ID, where a source DB is named too: the DB must
/// exist and be the snapshot's source. `latest` and `deploy-version` choose
/// among that DB's snapshots; an ID names the snapshot itself, and the DB
/// named beside it is then a promise about the snapshot (in place, it is
/// the DB the restore replaces), so a typo or another DB's snapshot is
/// refused here, before any change, rather than ignored.
async fn check_named_source(
    rds: &Rds,
    db: &DbRef,
    snapshot: &crate::rds::Snapshot,
    in_place: bool,
) -> anyhow::Result<()> {
    crate::mode::source_db(rds, db).await?;
    if snapshot.source_db.eq_ignore_ascii_case(&db.id) {
        return Ok(());
    }
    let input = db.kind.input();
    let (why, other_way) = if in_place {
        (
            format!(
                "an in-place rollback replaces `{}` with the snapshot's data, so the snapshot must be of `{}`",
                db.id, db.id
            ),
            format!(
                "to restore `{}` beside it instead, leave `in-place` and input `{input}` out and set a `target-*-identifier`",
                snapshot.id
            ),
        )
    } else {
        (
            "a snapshot given by ID is restored as it is, and the DB named beside it must be its source".to_owned(),
            format!(
                "or leave input `{input}` empty to restore `{}` with its own source's settings",
                snapshot.id
            ),
        )
    };
    bail!(
        "{} `{}` was taken of `{}`, not of {db} named in input `{input}`: {why}; nothing was changed. Give a snapshot of `{}`, {other_way}",
        snapshot.of.snapshot_noun(),
        snapshot.id,
        snapshot.source_db,
        db.id,
    )
}

/// The snapshot's source DB, if it still exists.
async fn source_of(rds: &Rds, kind: Kind, db: &str) -> anyhow::Result<Option<Db>> {
    if db.is_empty() {
        return Ok(None);
    }
    Ok(db::describe(
        rds,
        &DbRef {
            kind,
            id: db.to_owned(),
        },
    )
    .await?)
}
