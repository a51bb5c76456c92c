//! Which snapshot a restore or copy uses: an ID, an ARN, `latest`, or the
//! newest of a deploy version.

use std::fmt;

use super::parse::{deploy_version, optional_source, snapshot_arn, snapshot_ref, source};
use super::{InputError, Mode, bad};
use crate::inputs::RawInputs;
use crate::model::DbRef;

/// Which snapshot a restore uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotChoice {
    Id(String),
    /// A snapshot by ARN: one shared from another account, or in another
    /// region.
    Arn(String),
    /// The newest available snapshot this action made of the source DB.
    Latest,
    /// The newest available snapshot this action made of the source DB for
    /// this deploy version.
    DeployVersion(String),
}

impl fmt::Display for SnapshotChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotChoice::Id(id) | SnapshotChoice::Arn(id) => write!(f, "snapshot `{id}`"),
            SnapshotChoice::Latest => f.write_str("the latest snapshot"),
            SnapshotChoice::DeployVersion(version) => {
                write!(f, "the snapshot of deploy version `{version}`")
            }
        }
    }
}

/// Which snapshot a restore or copy uses, and the source DB that `latest`
/// and `deploy-version` choose among.
pub(super) fn snapshot_choice(
    raw: &RawInputs,
    mode: Mode,
) -> Result<(SnapshotChoice, Option<DbRef>), InputError> {
    let version = deploy_version(raw)?;
    let choice = match (raw.get("snapshot-identifier"), version) {
        (Some(id), Some(version)) => {
            return Err(bad(
                "snapshot-identifier",
                format!(
                    "`{id}` conflicts with input `deploy-version` `{version}`: both choose the snapshot; give only one"
                ),
            ));
        }
        // RDS identifiers are not case-sensitive, so neither is the keyword.
        (Some(id), None) if id.eq_ignore_ascii_case("latest") => SnapshotChoice::Latest,
        (Some(arn), None) if arn.starts_with("arn:") => SnapshotChoice::Arn(snapshot_arn(arn)?),
        (Some(id), None) => SnapshotChoice::Id(snapshot_ref(id)?),
        (None, Some(version)) => SnapshotChoice::DeployVersion(version),
        (None, None) => {
            return Err(bad(
                "snapshot-identifier",
                format!(
                    "is required in mode `{mode}`: give a snapshot ID, or `latest`, or set `deploy-version` instead"
                ),
            ));
        }
    };
    let source_db = match &choice {
        SnapshotChoice::Id(_) | SnapshotChoice::Arn(_) => optional_source(raw)?,
        _ => Some(source(
            raw,
            "the DB instance whose snapshots to choose from",
        )?),
    };
    Ok((choice, source_db))
}
