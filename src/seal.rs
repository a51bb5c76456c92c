//! Verified provenance (input `provenance-key`): the MAC put on what this
//! action makes, and the check of it before anything is deleted, unprotected
//! or pruned. The message and the verdict are [`crate::provenance`]'s (pure);
//! the KMS calls are the client's ([`crate::rds::Rds::generate_mac`],
//! [`crate::rds::Rds::verify_mac`]); this module only joins the two.
//! Without the key every function here answers at once, with no call.

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::model::{Tag, tag};
use crate::provenance::{self, Verified, key};
use crate::rds::{Rds, Snapshot};

/// What KMS says of the MAC of a resource with this ARN, creation time and
/// tags; [`Verified::NotChecked`] without `provenance-key`.
pub async fn check(
    rds: &Rds,
    arn: &str,
    created: Option<DateTime<Utc>>,
    tags: &[Tag],
) -> anyhow::Result<Verified> {
    let Some(key) = rds.provenance_key() else {
        return Ok(Verified::NotChecked);
    };
    let Some(mac) = provenance::mac_of(tags) else {
        return Ok(Verified::Missing);
    };
    let message = provenance::mac_message(arn, created, tags);
    let valid = rds.verify_mac(&message, mac).await.with_context(|| {
        format!(
            "checking the MAC of `{arn}` with input `provenance-key` `{key}`; nothing was deleted"
        )
    })?;
    Ok(if valid {
        Verified::Yes
    } else {
        Verified::Invalid
    })
}

/// [`check`] of a snapshot.
pub async fn check_snapshot(rds: &Rds, snapshot: &Snapshot) -> anyhow::Result<Verified> {
    check(rds, &snapshot.arn, snapshot.created, &snapshot.tags).await
}

/// [`check`] of a DB.
pub async fn check_db(rds: &Rds, db: &Db) -> anyhow::Result<Verified> {
    check(rds, db.arn(), db.created(), db.tags()).await
}

/// The MAC tag for a resource that will carry `tags` (its tags of ours
/// once `adding` is put on too); `None` without `provenance-key`.
pub async fn mac_tag(
    rds: &Rds,
    arn: &str,
    created: Option<DateTime<Utc>>,
    has: &[Tag],
    adding: &[Tag],
) -> anyhow::Result<Option<Tag>> {
    let Some(key) = rds.provenance_key() else {
        return Ok(None);
    };
    let mut tags: Vec<Tag> = has
        .iter()
        .filter(|old| adding.iter().all(|new| new.key != old.key))
        .cloned()
        .collect();
    tags.extend(adding.iter().cloned());
    let message = provenance::mac_message(arn, created, &tags);
    let mac = rds.generate_mac(&message).await.with_context(|| {
        format!("making the MAC of `{arn}` with input `provenance-key` `{key}`")
    })?;
    Ok(Some(tag(key::MAC, &mac)))
}

/// Puts the MAC on a snapshot this action made, once it is available (its
/// creation time is known then); returns it with the tag. Without
/// `provenance-key`, returns it as it is.
pub async fn seal_snapshot(rds: &Rds, mut snapshot: Snapshot) -> anyhow::Result<Snapshot> {
    let Some(mac) = mac_tag(rds, &snapshot.arn, snapshot.created, &snapshot.tags, &[]).await?
    else {
        return Ok(snapshot);
    };
    if provenance::mac_of(&snapshot.tags) != Some(mac.value.as_str()) {
        rds.add_tags(&snapshot.arn, std::slice::from_ref(&mac))
            .await
            .with_context(|| format!("tagging snapshot `{}` with its MAC", snapshot.id))?;
        snapshot.tags.retain(|t| t.key != key::MAC);
        snapshot.tags.push(mac);
    }
    Ok(snapshot)
}

/// Puts the MAC on a DB this action made to delete later (a drill's
/// scratch DB), once it exists: its creation time is part of what the MAC
/// covers. Without `provenance-key`, does nothing.
pub async fn seal_db(rds: &Rds, db: &Db) -> anyhow::Result<()> {
    let Some(mac) = mac_tag(rds, db.arn(), db.created(), db.tags(), &[]).await? else {
        return Ok(());
    };
    if provenance::mac_of(db.tags()) != Some(mac.value.as_str()) {
        rds.add_tags(db.arn(), std::slice::from_ref(&mac))
            .await
            .with_context(|| format!("tagging {} `{}` with its MAC", db.kind().noun(), db.id()))?;
    }
    Ok(())
}

/// Asks KMS once, before anything is changed, whether `provenance-key` can
/// be used as this step will use it: to make MACs (`makes`: the modes that
/// create) or only to check them (the modes that delete, which need no
/// `kms:GenerateMac`). A key that does not exist, is not an enabled HMAC
/// key, or is not allowed fails the step here, naming the input.
pub async fn probe(rds: &Rds, makes: bool) -> anyhow::Result<()> {
    let Some(key) = rds.provenance_key() else {
        return Ok(());
    };
    const MESSAGE: &str = "rds-snapshot-action provenance-key check";
    let (action, result) = if makes {
        ("kms:GenerateMac", rds.generate_mac(MESSAGE).await.map(drop))
    } else {
        // Any MAC: one that does not verify is an answer, not an error.
        (
            "kms:VerifyMac",
            rds.verify_mac(MESSAGE, "AA==").await.map(drop),
        )
    };
    result.map_err(|error| {
        anyhow!(
            "input `provenance-key` `{key}` cannot be used in {}: {error}; nothing was changed. Give the ID, ARN or alias of a KMS key in that region with key spec HMAC_256 and key usage GENERATE_VERIFY_MAC, enabled, and allow this role `{action}` on it (docs/iam/provenance-key.json)",
            rds.region()
        )
    })
}
