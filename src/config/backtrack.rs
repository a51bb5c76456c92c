//! `mode: backtrack`: rewind an Aurora MySQL cluster in place, to a time
//! or to just before a deploy's snapshot.

use chrono::{DateTime, Utc};

use super::parse::{boolean, deploy_version, optional_source, past_time};
use super::{InputError, bad};
use crate::inputs::RawInputs;
use crate::model::DbRef;

/// Where a Backtrack rewinds an Aurora MySQL cluster to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BacktrackTo {
    Time(DateTime<Utc>),
    /// The creation time of this action's newest snapshot of the cluster
    /// for that deploy version: the moment before that deploy.
    DeployVersion(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktrackPlan {
    /// The cluster (or, until resolved, a member named as an instance).
    pub db: DbRef,
    pub to: BacktrackTo,
    /// `force`: backtrack even with binary log replication.
    pub force: bool,
}

/// The cluster to rewind (`db-cluster-identifier`, or a member named in
/// `db-instance-identifier`) and where to: `restore-time` or `deploy-version`.
pub(super) fn backtrack_plan(
    raw: &RawInputs,
    now: DateTime<Utc>,
) -> Result<BacktrackPlan, InputError> {
    let db = optional_source(raw)?.ok_or_else(|| {
        bad(
            "db-cluster-identifier",
            "is required in mode `backtrack`: give the Aurora MySQL cluster to rewind",
        )
    })?;
    let to = match (raw.get("restore-time"), deploy_version(raw)?) {
        (Some(time), Some(version)) => {
            return Err(bad(
                "restore-time",
                format!(
                    "`{time}` conflicts with input `deploy-version` `{version}`: both say where to rewind to; give only one"
                ),
            ));
        }
        (Some(time), None) if time.eq_ignore_ascii_case("latest") => {
            return Err(bad(
                "restore-time",
                "cannot be `latest` in mode `backtrack`, which rewinds to an earlier time: give an RFC 3339 time such as `2026-11-20T14:29:59Z`, or set `deploy-version` to rewind to just before that deploy's snapshot",
            ));
        }
        (Some(time), None) => {
            BacktrackTo::Time(past_time(time, now, "or set `deploy-version` instead")?)
        }
        (None, Some(version)) => BacktrackTo::DeployVersion(version),
        (None, None) => {
            return Err(bad(
                "restore-time",
                "is required in mode `backtrack`: give the RFC 3339 time to rewind to, such as `2026-11-20T14:29:59Z`, or set `deploy-version` to rewind to when that deploy's snapshot was taken",
            ));
        }
    };
    Ok(BacktrackPlan {
        db,
        to,
        force: boolean(raw, "force")?.unwrap_or(false),
    })
}
