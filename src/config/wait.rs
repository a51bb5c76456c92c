//! `mode: wait`: the snapshots a run started with `wait: false`, by ID or
//! by the run.

use super::parse::{list, optional_sources, snapshot_ref};
use super::{InputError, bad};
use crate::inputs::RawInputs;
use crate::model::DbRef;

/// `mode: wait`: the snapshots to wait for, by ID, or else those this
/// action made in this run (its run-id tag), of these DBs if any are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitPlan {
    pub snapshot_ids: Vec<String>,
    pub dbs: Vec<DbRef>,
    pub run_id: Option<String>,
}

/// `mode: wait`: the snapshots by ID (several allowed), or this run's.
pub(super) fn wait_plan(raw: &RawInputs, run_id: Option<String>) -> Result<WaitPlan, InputError> {
    let snapshot_ids = raw
        .get("snapshot-identifier")
        .map(list)
        .unwrap_or_default()
        .iter()
        .map(|id| snapshot_ref(id))
        .collect::<Result<Vec<_>, _>>()?;
    if snapshot_ids.is_empty() && run_id.is_none() {
        return Err(bad(
            "snapshot-identifier",
            "is required in mode `wait` outside GitHub Actions without `run-id`: give the snapshot IDs to wait for, or the `run-id` of the `snapshot` step that started them",
        ));
    }
    if raw.get("wait") == Some("false") {
        return Err(bad(
            "wait",
            "cannot be `false` in mode `wait`, whose whole job is to wait; remove it",
        ));
    }
    Ok(WaitPlan {
        snapshot_ids,
        dbs: optional_sources(raw)?,
        run_id,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{ctx, now};
    use crate::config::{Action, plan};
    use crate::github::RunContext;
    use crate::inputs::RawInputs;

    #[test]
    fn wait_needs_ids_or_a_run_and_cannot_be_told_not_to_wait() {
        let raw = RawInputs::default().with("mode", "wait");
        let Action::Wait(wait) = plan(&raw, &ctx(), now()).unwrap().action else {
            panic!("not a wait plan")
        };
        assert_eq!(wait.run_id.as_deref(), Some("777"));
        let error = plan(&raw, &RunContext::default(), now()).unwrap_err();
        assert_eq!(error.input, "snapshot-identifier");
        let error = plan(&raw.with("wait", "false"), &ctx(), now()).unwrap_err();
        assert_eq!(error.input, "wait");
    }
}
