//! `mode: delete`: one snapshot this action made, never an automated one.

use super::parse::{optional_source, snapshot_ref};
use super::{Action, InputError, bad};
use crate::github::RunContext;
use crate::inputs::RawInputs;
use crate::naming;

/// The snapshot to delete; `db`, when named, must be its source.
pub(super) fn delete_action(raw: &RawInputs, ctx: &RunContext) -> Result<Action, InputError> {
    Ok(Action::Delete {
        snapshot_id: match raw.get("snapshot-identifier") {
            None => {
                return Err(bad(
                    "snapshot-identifier",
                    "is required in mode `delete` and must name one snapshot (not `latest`); use `mode: prune` to delete by age or count",
                ));
            }
            Some(id) if id.eq_ignore_ascii_case("latest") => {
                return Err(bad(
                    "snapshot-identifier",
                    "is required in mode `delete` and must name one snapshot (not `latest`); use `mode: prune` to delete by age or count",
                ));
            }
            Some(id) => {
                let id = snapshot_ref(id)?;
                if naming::is_automated(&id) {
                    return Err(bad(
                        "snapshot-identifier",
                        format!(
                            "`{id}` is an automated snapshot; RDS deletes those itself when the backup retention period passes, and this action never deletes one. Give a manual snapshot this action made"
                        ),
                    ));
                }
                id
            }
        },
        db: optional_source(raw)?,
        // A first attempt that finds nothing to delete was given a typo;
        // only a re-run may find its own earlier deletion.
        rerun: ctx
            .github_run_attempt
            .as_deref()
            .and_then(|attempt| attempt.trim().parse::<u32>().ok())
            .is_some_and(|attempt| attempt > 1),
    })
}
