//! One module per mode. Each is a function from its typed plan and the RDS
//! adapter to the step's outputs; what they share (finding the source and
//! its snapshots, waiting for a snapshot) lives here; who made what is
//! asked of [`crate::provenance`].
//! `restore` and `pitr` are one pipeline with two sources, in [`restore`].

pub mod backtrack;
pub mod copy;
pub mod delete;
pub mod drill;
pub mod list;
pub mod method;
pub mod prune;
pub mod restore;
pub mod snapshot;
pub mod wait;

use anyhow::Context as _;
use tracing::info;

use crate::config::{SnapshotChoice, Wait};
use crate::db::{self, Db};
use crate::github::{Report, shown};
use crate::model::{DbRef, Kind};
use crate::provenance;
use crate::rds::{Rds, Snapshot};
use crate::retention;

/// Waits for a snapshot to become available, unless `wait: false`, and
/// returns the last look at it. `what` names it in log lines.
async fn finish_snapshot(
    rds: &Rds,
    snapshot: Snapshot,
    what: &str,
    wait: Wait,
) -> anyhow::Result<Snapshot> {
    info!(
        "console: {}",
        db::console_url(rds.region(), snapshot.of.console().1, &snapshot.id)
    );
    if !wait.enabled {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(&snapshot.status)
        );
        return Ok(snapshot);
    }
    if rds.is_planning() {
        rds.check(
            format!("wait for {what}"),
            format!(
                "the run waits up to {} (`wait-timeout`) until it is available",
                crate::wait::human(wait.timeout)
            ),
        );
        let mut snapshot = snapshot;
        snapshot.status = "available".to_owned();
        return Ok(snapshot);
    }
    let id = snapshot.id.clone();
    let kind = snapshot.of;
    // The create's (or copy's) answer is the first look.
    let first = Some(snapshot);
    crate::wait::until_available(
        what,
        crate::wait::Operation::Snapshot,
        wait.timeout,
        first,
        || db::snapshot(rds, kind, &id),
    )
    .await
    .with_context(|| format!("waiting for {what}"))
}

/// The source DB of a step, with the fix in the error when it does not
/// exist.
async fn source_db(rds: &Rds, db: &DbRef) -> anyhow::Result<Db> {
    db::describe(rds, db)
        .await?
        .ok_or_else(|| no_such_db(db, rds.region()))
}

/// A source DB that does not exist, with the fix.
fn no_such_db(db: &DbRef, region: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{db} does not exist in region {region}; check input `{}` and the region (input `aws-region`){}",
        db.kind.input(),
        if db.kind == Kind::Instance {
            "; for an Aurora cluster, set `db-cluster-identifier`"
        } else {
            ""
        }
    )
}

/// Where `db-instance-identifier` names an Aurora cluster member, the
/// cluster it belongs to: RDS snapshots, restores and rewinds Aurora by
/// cluster, and refuses instance calls on a member ("use
/// CreateDBClusterSnapshot"). The switch is said in a warning; anything
/// else is returned as given.
async fn as_cluster_if_member(rds: &Rds, db: &DbRef, out: &mut Report) -> anyhow::Result<DbRef> {
    if db.kind != Kind::Instance {
        return Ok(db.clone());
    }
    let found = rds.instance(&db.id).await?.map(Db::Instance);
    Ok(cluster_if_member(db, found.as_ref(), out))
}

/// [`as_cluster_if_member`] from a look already made at `db` (`found`).
fn cluster_if_member(db: &DbRef, found: Option<&Db>, out: &mut Report) -> DbRef {
    match found
        .and_then(Db::as_instance)
        .and_then(|instance| instance.cluster_id.as_deref())
    {
        Some(cluster) if db.kind == Kind::Instance => {
            out.warn(format!(
                "input `db-instance-identifier` `{}` is an instance of Aurora DB cluster `{cluster}`, and Aurora is snapshotted and restored by cluster, so this step works on the cluster `{cluster}`; set `db-cluster-identifier: {cluster}` instead to say so",
                db.id
            ));
            DbRef::cluster(cluster)
        }
        _ => db.clone(),
    }
}

/// Finds the snapshot the plan asks for. Only reads.
/// `kind` is the kind of snapshot wanted, where the inputs say; by ID
/// without it, a DB snapshot or else a DB cluster snapshot of that name.
pub(crate) async fn choose(
    choice: &SnapshotChoice,
    source_db: Option<&DbRef>,
    kind: Option<Kind>,
    rds: &Rds,
) -> anyhow::Result<Snapshot> {
    let kind = kind.or(source_db.map(|db| db.kind));
    let db = match (choice, source_db) {
        (SnapshotChoice::Id(id) | SnapshotChoice::Arn(id), _) => {
            return db::any_snapshot(rds, kind, id).await?.ok_or_else(|| {
                let what = kind.map_or("snapshot", Kind::snapshot_noun);
                if id.starts_with("arn:") {
                    anyhow::anyhow!(
                        "{what} `{id}` does not exist or is not shared with this account; check input `snapshot-identifier`"
                    )
                } else {
                    anyhow::anyhow!(
                        "{what} `{id}` does not exist in region {}; check input `snapshot-identifier`, or use `latest`",
                        rds.region()
                    )
                }
            });
        }
        (_, Some(db)) => db,
        (_, None) => unreachable!("the plan requires the source DB for this choice"),
    };
    let candidates: Vec<Snapshot> = owned_snapshots(rds, db)
        .await?
        .into_iter()
        .filter(|snapshot| {
            snapshot.status == "available"
                && match choice {
                    SnapshotChoice::DeployVersion(version) => {
                        provenance::deploy_version(&snapshot.tags) == Some(version.as_str())
                    }
                    _ => true,
                }
        })
        .collect();
    newest(candidates).ok_or_else(|| {
        anyhow::anyhow!(
            "found no available snapshot made by this action of {db} for {} in region {}; take one with `mode: snapshot`, or set input `snapshot-identifier` to a snapshot ID",
            choice,
            rds.region()
        )
    })
}

/// The most recently created snapshot (see [`retention::newest`]).
pub fn newest(snapshots: Vec<Snapshot>) -> Option<Snapshot> {
    retention::newest(snapshots)
}

/// The snapshots this action made of `db`: they carry the ownership tag and
/// name `db` as their source, in RDS's record and in the tag.
pub(crate) async fn owned_snapshots(rds: &Rds, db: &DbRef) -> anyhow::Result<Vec<Snapshot>> {
    Ok(db::snapshots_of(rds, db)
        .await?
        .into_iter()
        .filter(|snapshot| owned_snapshot_of(snapshot, &db.id))
        .collect())
}

/// Whether this action made `snapshot` of `db` (see [`owned_snapshots`]).
pub(crate) fn owned_snapshot_of(snapshot: &Snapshot, db: &str) -> bool {
    provenance::snapshot(snapshot, provenance::SnapshotClaim::Of { db }).is_ok()
}
