//! `mode: restore`: a new DB instance from a snapshot, chosen by ID, by
//! deploy version, or as the latest this action made. The source DB
//! instance is never touched.

use anyhow::{Context as _, bail};
use tracing::info;

use super::{choose, create_instance, finish_instance, foreign_target, owned, same_run};
use crate::config::{RestorePlan, Wait, tag};
use crate::github::{Report, shown};
use crate::naming::{self, tag as key};
use crate::rds::{Instance, Rds, tag_value};

pub async fn run(
    plan: &RestorePlan,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<()> {
    let target = &plan.target;
    let existing = rds.instance(&target.id).await?;
    if let Some(existing) = &existing
        && owned(&existing.tags)
        && same_run(&existing.tags, target.run_id.as_deref())
        && let Some(from) = tag_value(&existing.tags, key::RESTORED_FROM)
    {
        info!(
            "DB instance `{}` was restored from {} by an earlier attempt of this run; adopting it",
            existing.id,
            shown(from)
        );
        set_snapshot_outputs(rds, from, out).await?;
        return finish_instance(rds, existing.clone(), wait, out).await;
    }

    let snapshot = choose(&plan.choice, plan.source_db.as_deref(), rds).await?;
    let wanted = format!("snapshot `{}`", snapshot.id);
    // An automated snapshot's `rds:` prefix is reserved in tag values.
    let from_tag = naming::clean_tag_value(&snapshot.id);
    let restored_from_it = |instance: &Instance| {
        owned(&instance.tags)
            && tag_value(&instance.tags, key::RESTORED_FROM) == Some(from_tag.as_str())
    };
    out.set("snapshot-identifier", snapshot.id.clone());
    out.set("snapshot-arn", snapshot.arn.clone());
    if let Some(existing) = existing {
        if !restored_from_it(&existing) {
            return Err(foreign_target(&existing, &wanted));
        }
        info!(
            "DB instance `{}` was already restored from `{}` by this action; adopting it",
            existing.id, snapshot.id
        );
        return finish_instance(rds, existing, wait, out).await;
    }
    if snapshot.status != "available" {
        bail!(
            "snapshot `{}` is `{}`, and only an available snapshot can be restored; wait for it, or choose another",
            snapshot.id,
            snapshot.status
        );
    }

    let mut target = target.clone();
    target.tags.push(tag(key::RESTORED_FROM, &from_tag));
    if !snapshot.source_db.is_empty() {
        target.tags.push(tag(key::SOURCE_DB, &snapshot.source_db));
    }
    if let Some(version) = tag_value(&snapshot.tags, key::DEPLOY_VERSION) {
        target.tags.push(tag(key::DEPLOY_VERSION, version));
    }
    info!(
        "restoring snapshot `{}` to new DB instance `{}`",
        snapshot.id, target.id
    );
    let create = rds.restore_from_snapshot(&snapshot.id, &target);
    create_instance(rds, &target, wait, out, &wanted, restored_from_it, create)
        .await
        .with_context(|| format!("restoring snapshot `{}` to `{}`", snapshot.id, target.id))
}

async fn set_snapshot_outputs(rds: &Rds, id: &str, out: &mut Report) -> anyhow::Result<()> {
    out.set("snapshot-identifier", id.to_owned());
    // The snapshot may have been deleted since; the restore stands without it.
    if let Some(snapshot) = rds.snapshot(id).await? {
        out.set("snapshot-arn", snapshot.arn);
    }
    Ok(())
}
