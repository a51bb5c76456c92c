//! `mode: copy`: copies a snapshot to another region (disaster recovery),
//! re-encrypts it with another KMS key, takes in a snapshot shared from
//! another account, and shares a snapshot (or its copy) with other accounts.

use anyhow::{Context as _, bail};
use tracing::info;

use super::{choose, finish_snapshot};
use crate::config::{CopyPlan, SnapshotChoice, Wait};
use crate::db;
use crate::github::Report;
use crate::model::{self, Kind};
use crate::naming;
use crate::provenance;
use crate::rds::{Rds, RdsError, Snapshot};
use crate::seal;

pub async fn run(plan: &CopyPlan, wait: Wait, rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    let source_region = match &plan.choice {
        SnapshotChoice::Arn(arn) => arn_part(arn, 3).to_owned(),
        _ => rds.region().to_owned(),
    };
    let source_rds = if source_region == rds.region() {
        rds.clone()
    } else {
        rds.in_region(&source_region)
    };
    let source_db = match &plan.source_db {
        Some(db) => Some(super::as_cluster_if_member(&source_rds, db, out).await?),
        None => None,
    };
    let source = choose(&plan.choice, source_db.as_ref(), None, &source_rds).await?;
    if source.status != "available" {
        bail!(
            "snapshot `{}` is `{}`; only an available snapshot can be copied or shared; wait for it",
            source.id,
            source.status
        );
    }
    rds.check(
        format!("snapshot `{}` can be copied or shared", source.id),
        format!(
            "yes: it is `available`{}",
            if source.encrypted {
                ", encrypted"
            } else {
                ", not encrypted"
            }
        ),
    );
    let target_region = plan.target_region.as_deref().unwrap_or(rds.region());
    let cross_region = target_region != source_region;
    let from_elsewhere = matches!(plan.choice, SnapshotChoice::Arn(_));
    // An automated snapshot is copied even within its region: the copy is a
    // manual snapshot, which RDS keeps past the backup retention period.
    let needs_copy = cross_region
        || from_elsewhere
        || plan.target_id.is_some()
        || plan.kms_key_id.is_some()
        || naming::is_automated(&source.id);

    // A snapshot shared from another account and encrypted: CopyDBSnapshot
    // requires KmsKeyId ("If you copy an encrypted DB snapshot that is
    // shared from another Amazon Web Services account, then you must
    // specify a value for this parameter", API_CopyDBSnapshot), and the
    // copy is made in the snapshot's own region: the key must be usable by
    // this account there, and AWS's sharing guide copies a shared encrypted
    // snapshot in its region first (share-encrypted-snapshot, "Copy the
    // shared snapshot in the target account"). Checked here, before any
    // call that changes anything.
    if source.kind == "shared" && source.encrypted {
        if plan.kms_key_id.is_none() {
            bail!(
                "snapshot `{}` is shared from another account and encrypted, so AWS requires a key of this account to encrypt the copy with: set input `kms-key-id` to a KMS key in {source_region} that this account may use (the other account must also allow this account to use the snapshot's own key)",
                source.arn
            );
        }
        if cross_region {
            bail!(
                "snapshot `{}` is shared from another account and encrypted, and such a snapshot can only be copied within its own region {source_region}; set input `target-region` to {source_region} (or leave it empty), then copy that copy to {target_region} in a second `copy` step",
                source.arn
            );
        }
    }
    // CopyDBClusterSnapshot takes a key only to re-encrypt an encrypted
    // snapshot ("If you copy an unencrypted DB cluster snapshot and specify
    // a value for the KmsKeyId parameter, an error is returned",
    // API_CopyDBClusterSnapshot); an unencrypted Aurora snapshot is
    // encrypted by restoring it into an encrypted cluster instead.
    if source.of == Kind::Cluster && !source.encrypted && plan.kms_key_id.is_some() {
        bail!(
            "DB cluster snapshot `{}` is not encrypted, and AWS copies an unencrypted cluster snapshot only unencrypted; remove input `kms-key-id` (to get an encrypted copy, restore it into a cluster with a KMS key and snapshot that)",
            source.id
        );
    }
    if cross_region && source.encrypted && plan.kms_key_id.is_none() {
        bail!(
            "snapshot `{}` is encrypted, and a KMS key belongs to one region: set input `kms-key-id` to a KMS key in {target_region} to encrypt the copy with",
            source.id
        );
    }
    // CopyDBSnapshot would refuse an unknown key only once the step has
    // started; DescribeKey takes the same forms (ID, ARN, alias).
    if let Some(key) = &plan.kms_key_id {
        let exists = rds.in_region(target_region).kms_key_exists(key).await?;
        if exists == Some(false) {
            bail!(
                "input `kms-key-id` `{key}` names no KMS key in {target_region} that this account can see; nothing was changed. A KMS key belongs to one region: give the ID, ARN or alias of a key in {target_region}"
            );
        }
        rds.check(
            format!("KMS key `{key}` in {target_region}"),
            if exists == Some(true) {
                "exists"
            } else {
                "not looked up (no KMS client); RDS checks it on the copy"
            },
        );
    }
    if !plan.share_with.is_empty() {
        // The key the shared snapshot ends up encrypted with.
        let (key, key_rds) = match (&plan.kms_key_id, source.encrypted) {
            (Some(key), _) => (Some(key.clone()), rds.in_region(target_region)),
            (None, true) => (source.kms_key_id.clone(), source_rds.clone()),
            (None, false) => (None, source_rds.clone()),
        };
        if let Some(key) = key
            && key_rds.is_aws_managed_key(&key).await? == Some(true)
        {
            bail!(
                "snapshot `{}` would be shared encrypted with an AWS managed KMS key ({key}, such as the default `aws/rds` key), and AWS does not let other accounts use those keys; set input `kms-key-id` to a customer managed key: the action copies the snapshot re-encrypted with it and shares the copy. Also allow the other accounts to use that key (kms:Decrypt, kms:DescribeKey, kms:CreateGrant) in its key policy",
                source.id
            );
        }
    }

    let target_rds = if target_region == rds.region() {
        rds.clone()
    } else {
        rds.in_region(target_region)
    };
    let result = if needs_copy {
        copy(
            plan,
            wait,
            &source,
            cross_region || from_elsewhere,
            &target_rds,
            out,
        )
        .await?
    } else {
        source
    };
    out.set("snapshot-identifier", result.id.clone());
    out.set("snapshot-arn", result.arn.clone());
    out.set("status", result.status.clone());

    if !plan.share_with.is_empty() {
        if result.status != "available" {
            bail!(
                "snapshot `{}` is `{}`, and only an available snapshot can be shared; leave `wait: true` when sharing, or share it in a later step",
                result.id,
                result.status
            );
        }
        db::share_snapshot(&target_rds, result.of, &result.id, &plan.share_with)
            .await
            .with_context(|| format!("sharing snapshot `{}`", result.id))?;
        info!(
            "shared snapshot `{}` with account(s) {}",
            result.id,
            plan.share_with.join(", ")
        );
    }
    Ok(())
}

/// Makes (or, on a re-run, adopts) the copy, and waits for it.
async fn copy(
    plan: &CopyPlan,
    wait: Wait,
    source: &Snapshot,
    by_arn: bool,
    target_rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Snapshot> {
    let target_id = match &plan.target_id {
        Some(id) => id.clone(),
        // A snapshot shared from another account is described by its ARN,
        // and an automated one's `rds:` is not allowed in a manual ID.
        None => naming::copy_id(&source.id, !by_arn).ok_or_else(|| {
            anyhow::anyhow!(
                "the copy of `{}` needs an ID, and the default one made from it would break RDS's identifier rules (1 to 255 letters, digits and hyphens); set input `target-snapshot-identifier`",
                source.id
            )
        })?,
    };
    naming::check_identifier(&target_id, source.of.max_snapshot_id()).map_err(|rule| {
        anyhow::anyhow!(
            "the copy's ID `{target_id}` must {rule}; set input `target-snapshot-identifier`"
        )
    })?;
    out.set("snapshot-identifier", target_id.clone());
    let copied_from_source = |snapshot: &Snapshot| provenance::copy(snapshot, &source.arn).is_ok();
    let copy = match db::snapshot(target_rds, source.of, &target_id).await? {
        Some(existing) if copied_from_source(&existing) => {
            info!(
                "snapshot `{target_id}` in {} was already copied from `{}` by this action; adopting it",
                target_rds.region(),
                source.id
            );
            target_rds.check(
                format!("snapshot `{target_id}` in {}", target_rds.region()),
                "exists, copied from the source by this action: adopted, not copied again",
            );
            existing
        }
        Some(_) => bail!(
            "snapshot `{target_id}` already exists in {} and is not a copy of `{}` made by this action; nothing was changed. Set input `target-snapshot-identifier` to a new ID",
            target_rds.region(),
            source.arn
        ),
        None => {
            target_rds.check(
                format!("snapshot `{target_id}` in {}", target_rds.region()),
                "does not exist: it will be copied",
            );
            let source_ref = if by_arn { &source.arn } else { &source.id };
            let (mut tags, mut left_out) = provenance::copy_stamps(&plan.tags, source, &target_id);
            // Room for the MAC of `provenance-key`, made once the copy is
            // available: the source's own tags give way, as above.
            if target_rds.provenance_key().is_some()
                && tags.len() >= model::MAX_TAGS
                && let Some(last) = tags.iter().rposition(|t| {
                    !provenance::is_ours(t) && plan.tags.iter().all(|u| u.key != t.key)
                })
            {
                left_out.insert(0, tags.remove(last).key);
            }
            if !left_out.is_empty() {
                out.warn(format!(
                    "RDS allows {} tags on a snapshot, so these tags of `{}` were not copied to `{target_id}`: {}",
                    model::MAX_TAGS,
                    source.id,
                    left_out.join(", ")
                ));
            }
            info!(
                "copying snapshot `{}` to `{target_id}` in {}",
                source.id,
                target_rds.region()
            );
            match db::copy_snapshot(
                target_rds,
                source.of,
                source_ref,
                &target_id,
                plan.kms_key_id.as_deref(),
                &tags,
            )
            .await
            {
                Ok(copy) => copy,
                Err(RdsError::AlreadyExists { .. }) => {
                    let existing = db::snapshot(target_rds, source.of, &target_id).await?;
                    let Some(existing) = existing.filter(|e| copied_from_source(e)) else {
                        bail!(
                            "snapshot `{target_id}` appeared in {} while copying, and it is not a copy of `{}`; nothing was changed",
                            target_rds.region(),
                            source.arn
                        );
                    };
                    existing
                }
                Err(error) => {
                    return Err(error).with_context(|| {
                        format!(
                            "copying `{}` to `{target_id}` in {}",
                            source.id,
                            target_rds.region()
                        )
                    });
                }
            }
        }
    };
    let what = format!("the copy `{}` in {}", copy.id, target_rds.region());
    let copy = finish_snapshot(target_rds, copy, &what, wait).await?;
    if copy.status == "available" {
        seal::seal_snapshot(target_rds, copy).await
    } else {
        if target_rds.provenance_key().is_some() {
            out.warn(format!(
                "input `provenance-key` is set, but the copy `{}` is not available yet (`wait: false`), so it gets no MAC, and `prune` and `delete` with that key will leave it alone",
                copy.id
            ));
        }
        Ok(copy)
    }
}

/// One `:`-separated field of an ARN (already validated by the plan).
fn arn_part(arn: &str, index: usize) -> &str {
    arn.split(':').nth(index).unwrap_or_default()
}
