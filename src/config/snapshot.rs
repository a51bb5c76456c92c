//! `mode: snapshot`: one snapshot per DB named, its ID derived from the DB,
//! the deploy version and the run unless `snapshot-identifier` gives it.

use chrono::{DateTime, Utc};

use super::parse::{count, deploy_version, snapshot_id, sources, user_tags};
use super::{InputError, bad};
use crate::github::RunContext;
use crate::inputs::RawInputs;
use crate::model::{DbRef, Kind, Tag};
use crate::naming::{self, RunStamp};
use crate::provenance;

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotPlan {
    pub db: DbRef,
    pub snapshot_id: String,
    /// The version as a tag value RDS accepts (see [`naming::clean_tag_value`]).
    pub deploy_version: Option<String>,
    /// The version as given, where cleaning changed it: for the summary.
    pub deploy_version_given: Option<String>,
    /// Prune to this many newest snapshots before creating one.
    pub prune_keep_last: Option<u32>,
    /// The user's tags followed by this action's own.
    pub tags: Vec<Tag>,
    /// What the ID was derived from (the version as given, and the run),
    /// or `None` when `snapshot-identifier` gave it.
    pub derived_from: Option<(Option<String>, RunStamp)>,
}

impl SnapshotPlan {
    /// The same snapshot, of the Aurora cluster that the DB instance named
    /// in `db-instance-identifier` belongs to: the ID derived again from the
    /// cluster's name, within the 63 characters of a cluster snapshot ID.
    pub fn of_cluster(&self, cluster: &str) -> Result<SnapshotPlan, InputError> {
        let snapshot_id = match &self.derived_from {
            Some((version, stamp)) => naming::snapshot_id(
                cluster,
                version.as_deref(),
                stamp,
                naming::MAX_CLUSTER_SNAPSHOT_ID,
            )
            .map_err(|rule| {
                bad(
                    "db-cluster-identifier",
                    format!("must {rule} to name a snapshot after; got `{cluster}`"),
                )
            })?,
            None => snapshot_id(&self.snapshot_id, Kind::Cluster)?,
        };
        let mut tags = self.tags.clone();
        provenance::retarget(&mut tags, cluster, Some(&snapshot_id));
        Ok(SnapshotPlan {
            db: DbRef::cluster(cluster),
            snapshot_id,
            tags,
            ..self.clone()
        })
    }
}

/// One snapshot plan per DB named: with several, each gets its own derived
/// ID, so `snapshot-identifier` (one ID) is refused.
pub(super) fn snapshot_plans(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<SnapshotPlan>, InputError> {
    let dbs = sources(raw, "the DB instance to snapshot")?;
    if dbs.len() > 1
        && let Some(id) = raw.get("snapshot-identifier")
    {
        return Err(bad(
            "snapshot-identifier",
            format!(
                "`{id}` names one snapshot, but {} DBs are given; leave it empty, and each DB's snapshot ID is derived from its name, the version and the run",
                dbs.len()
            ),
        ));
    }
    dbs.into_iter()
        .map(|db| snapshot_plan(raw, ctx, run_id.clone(), now, db))
        .collect()
}

/// The snapshot of one DB: its ID and its tags.
fn snapshot_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
    db: DbRef,
) -> Result<SnapshotPlan, InputError> {
    let given_version = raw.get("deploy-version");
    let deploy_version = deploy_version(raw)?;
    let stamp = match &run_id {
        Some(id) => RunStamp::RunId(id.clone()),
        None => RunStamp::Time(now),
    };
    let snapshot_id = match raw.get("snapshot-identifier") {
        // RDS folds identifiers to lower case, so `LATEST` would make a
        // snapshot named `latest`, which restore and copy read as their
        // keyword for the newest snapshot, never as this ID.
        Some(id) if id.eq_ignore_ascii_case("latest") => {
            return Err(bad(
                "snapshot-identifier",
                format!(
                    "cannot be `{id}` in mode `snapshot`: `latest`, in any case, is the keyword restore and copy use for the newest snapshot, so a snapshot by that name could never be chosen by ID; leave it empty to derive an ID from the deploy, or give another new snapshot ID"
                ),
            ));
        }
        Some(id) => snapshot_id(id, db.kind)?,
        None => naming::snapshot_id(&db.id, given_version, &stamp, db.kind.max_snapshot_id())
            .map_err(|rule| {
                bad(
                    db.kind.input(),
                    format!("must {rule} to name a snapshot after; got `{}`", db.id),
                )
            })?,
    };
    let mut tags = user_tags(raw)?;
    tags.extend(provenance::stamps(Some(&db.id), ctx, run_id.as_deref()));
    tags.extend(provenance::snapshot_stamps(
        &snapshot_id,
        deploy_version.as_deref(),
    ));
    Ok(SnapshotPlan {
        db,
        snapshot_id,
        deploy_version_given: given_version
            .filter(|given| Some(*given) != deploy_version.as_deref())
            .map(str::to_owned),
        deploy_version,
        prune_keep_last: count(raw, "prune-keep-last")?,
        tags,
        derived_from: (!raw.is_given("snapshot-identifier"))
            .then(|| (given_version.map(str::to_owned), stamp)),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::testing::{ctx, err, now, plan_of, snapshot};
    use crate::config::{Action, SnapshotChoice, plan};
    use crate::model::tag;
    use crate::naming::MAX_SNAPSHOT_ID;

    // Issue 24: `LATEST` made a snapshot named `latest`, which restore and
    // copy can never choose by ID.
    #[test]
    fn latest_in_any_case_is_refused_as_a_snapshot_id() {
        for id in ["latest", "LATEST", "Latest"] {
            let error = err(snapshot().with("snapshot-identifier", id));
            assert_eq!(error.input, "snapshot-identifier", "{id}");
            assert!(error.problem.contains(&format!("`{id}`")), "{error}");
            assert!(error.problem.contains("keyword"), "{error}");
        }
    }

    #[test]
    fn snapshot_id_comes_from_db_version_and_run() {
        let plan = plan(&snapshot().with("deploy-version", "v2.4.1"), &ctx(), now()).unwrap();
        let Action::Snapshot(mut snaps) = plan.action else {
            panic!("not a snapshot plan")
        };
        let snap = snaps.remove(0);
        assert_eq!(snap.snapshot_id, "prod-v2-4-1-r777");
        assert!(
            snap.tags
                .contains(&tag(naming::tag::DEPLOY_VERSION, "v2.4.1"))
        );
        assert!(
            snap.tags
                .contains(&tag(naming::tag::MANAGED_BY, "rds-snapshot-action"))
        );
        assert!(snap.tags.contains(&tag(naming::tag::RUN_ID, "777")));
        assert_eq!(plan.wait.timeout, Duration::from_secs(3600));
    }

    #[test]
    fn branch_names_are_stored_cleaned_and_shown_as_given() {
        let plan = plan(
            &snapshot().with("deploy-version", "feature/JIRA-12#fix (hotfix)!"),
            &ctx(),
            now(),
        )
        .unwrap();
        let Action::Snapshot(mut snaps) = plan.action else {
            panic!()
        };
        let snap = snaps.remove(0);
        assert_eq!(snap.snapshot_id, "prod-feature-jira-12-fix-hotfix-r777");
        assert!(snap.tags.contains(&tag(
            naming::tag::DEPLOY_VERSION,
            "feature/JIRA-12-fix -hotfix"
        )));
        assert_eq!(
            snap.deploy_version_given.as_deref(),
            Some("feature/JIRA-12#fix (hotfix)!")
        );
        // restore by that version looks for the same cleaned tag value.
        let restore = plan_of(
            RawInputs::default()
                .with("mode", "restore")
                .with("db-instance-identifier", "prod")
                .with("target-db-instance-identifier", "prod-rb")
                .with("deploy-version", "feature/JIRA-12#fix (hotfix)!"),
        );
        let Action::Restore(restore) = restore.action else {
            panic!()
        };
        assert_eq!(
            restore.choice,
            SnapshotChoice::DeployVersion("feature/JIRA-12-fix -hotfix".into())
        );
    }

    #[test]
    fn a_long_run_id_is_capped_the_same_on_every_attempt() {
        let long = "x".repeat(300);
        let raw = snapshot().with("run-id", &long);
        let first = plan_of(raw.clone());
        assert_eq!(first, plan_of(raw));
        let Action::Snapshot(mut snaps) = first.action else {
            panic!()
        };
        let snap = snaps.remove(0);
        naming::check_identifier(&snap.snapshot_id, MAX_SNAPSHOT_ID).unwrap();
        let run_tag = snap
            .tags
            .iter()
            .find(|t| t.key == naming::tag::RUN_ID)
            .expect("the run-id tag is kept");
        assert!(run_tag.value.len() <= naming::MAX_RUN_LABEL);
    }

    #[test]
    fn user_tags_parse_and_cannot_claim_ownership() {
        let plan = plan(
            &snapshot().with("tags", "team=db, env = prod\ncost=1"),
            &ctx(),
            now(),
        )
        .unwrap();
        let Action::Snapshot(mut snaps) = plan.action else {
            panic!()
        };
        let snap = snaps.remove(0);
        assert_eq!(
            &snap.tags[..3],
            &[tag("team", "db"), tag("env", "prod"), tag("cost", "1")]
        );
        let error =
            err(snapshot().with("tags", "rds-snapshot-action:managed-by=rds-snapshot-action"));
        assert_eq!(error.input, "tags");
    }

    #[test]
    fn several_dbs_get_a_snapshot_each_and_one_id_for_all_is_refused() {
        let raw = snapshot()
            .with("db-instance-identifier", "prod, billing\nprod")
            .with("db-cluster-identifier", "ledger")
            .with("deploy-version", "v7");
        let Action::Snapshot(snaps) = plan(&raw, &ctx(), now()).unwrap().action else {
            panic!("not a snapshot plan")
        };
        let ids: Vec<&str> = snaps.iter().map(|s| s.snapshot_id.as_str()).collect();
        assert_eq!(ids, ["prod-v7-r777", "billing-v7-r777", "ledger-v7-r777"]);
        assert_eq!(snaps[2].db, DbRef::cluster("ledger"));
        let error = plan(&raw.with("snapshot-identifier", "one"), &ctx(), now()).unwrap_err();
        assert_eq!(error.input, "snapshot-identifier");
        assert!(error.problem.contains("3 DBs"), "{error}");
    }
}
