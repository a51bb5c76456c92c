//! `mode: copy`: a snapshot to another region or KMS key, or shared with
//! other accounts.

use super::choice::snapshot_choice;
use super::parse::{is_region, kms_key, list, user_tags};
use super::{InputError, Mode, SnapshotChoice, bad};
use crate::inputs::RawInputs;
use crate::model::{DbRef, Tag};
use crate::naming::{self, MAX_SNAPSHOT_ID};

#[derive(Debug, Clone, PartialEq)]
pub struct CopyPlan {
    /// Required for `latest` and deploy-version choices.
    pub source_db: Option<DbRef>,
    pub choice: SnapshotChoice,
    /// `None`: the source's region.
    pub target_region: Option<String>,
    /// `None`: derived from the source's ID.
    pub target_id: Option<String>,
    pub kms_key_id: Option<String>,
    pub share_with: Vec<String>,
    /// The user's tags, added to the source's.
    pub tags: Vec<Tag>,
}

/// The snapshot to copy and what the copy is for: another region, another
/// KMS key, another name, or sharing with other accounts (at least one).
pub(super) fn copy_plan(raw: &RawInputs) -> Result<CopyPlan, InputError> {
    let (choice, source_db) = snapshot_choice(raw, Mode::Copy)?;
    let target_region = raw.get("target-region").map(str::to_owned);
    if let Some(region) = &target_region
        && !is_region(region)
    {
        return Err(bad(
            "target-region",
            format!("must be an AWS region such as `us-west-2`; got `{region}`"),
        ));
    }
    let target_id = match raw.get("target-snapshot-identifier") {
        None => None,
        Some(id) => Some(
            naming::check_identifier(id, MAX_SNAPSHOT_ID)
                .map(|()| id.to_ascii_lowercase())
                .map_err(|rule| {
                    bad(
                        "target-snapshot-identifier",
                        format!("must {rule} to be a DB snapshot identifier; got `{id}`"),
                    )
                })?,
        ),
    };
    let share_with = raw
        .get("share-with-account-ids")
        .map(list)
        .unwrap_or_default();
    for account in &share_with {
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(
                "share-with-account-ids",
                format!("must list 12-digit AWS account IDs; got `{account}`"),
            ));
        }
    }
    let kms_key_id = raw
        .get("kms-key-id")
        .map(|key| kms_key("kms-key-id", key))
        .transpose()?;
    if target_region.is_none()
        && target_id.is_none()
        && kms_key_id.is_none()
        && share_with.is_empty()
        && !matches!(choice, SnapshotChoice::Arn(_))
    {
        return Err(bad(
            "target-region",
            "is required in mode `copy` unless `share-with-account-ids`, `kms-key-id` or `target-snapshot-identifier` says what the copy is for; set `target-region: us-west-2` (your disaster-recovery region)",
        ));
    }
    Ok(CopyPlan {
        source_db,
        choice,
        target_region,
        target_id,
        kms_key_id,
        share_with,
        tags: user_tags(raw)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse::kms_key;

    // Issue 24: `kms-key-id` reached CopyDBSnapshot unchecked.
    #[test]
    fn kms_key_ids_arns_and_aliases_are_taken_and_nothing_else() {
        for good in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/dr-key",
            "alias/team/rds_copies-2",
            "arn:aws:kms:us-west-2:123456789012:alias/dr-key",
        ] {
            assert_eq!(kms_key("kms-key-id", good).unwrap(), good);
        }
        for bad in [
            "my-key",
            "alias/",
            "alias/a b",
            "1234abcd-12ab-34cd-56ef-1234567890",
            "arn:aws:kms:us-west-2:123:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:s3:::bucket",
            "alias/x\n::error::y",
        ] {
            let error = kms_key("kms-key-id", bad).unwrap_err();
            assert_eq!(error.input, "kms-key-id", "{bad}");
            assert!(error.problem.contains(bad), "{bad}: {error}");
        }
    }
}
