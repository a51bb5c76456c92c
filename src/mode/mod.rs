//! One module per mode. Each is a function from its typed plan and the RDS
//! adapter to the step's outputs; what they share (ownership checks, waiting
//! for a new instance) lives here.

pub mod copy;
pub mod delete;
pub mod list;
pub mod pitr;
pub mod prune;
pub mod restore;
pub mod snapshot;

use anyhow::Context as _;
use tracing::info;

use crate::config::{NewInstance, SnapshotChoice, Tag, Wait};
use crate::github::{Report, shown};
use crate::naming::tag;
use crate::rds::{Instance, Rds, RdsError, Snapshot, tag_value};
use crate::wait::{self, Kind};

/// Whether this action made the resource: it carries the ownership tag.
pub fn owned(tags: &[Tag]) -> bool {
    tag_value(tags, tag::MANAGED_BY) == Some(tag::MANAGED_BY_VALUE)
}

/// Whether this action made this very snapshot: the ownership tag, and the
/// snapshot-id tag naming it. A copy someone else made with CopyTags (a
/// compliance team's, say) carries our other tags but names its source.
pub fn owned_snapshot(snapshot: &Snapshot) -> bool {
    owned(&snapshot.tags)
        && tag_value(&snapshot.tags, tag::SNAPSHOT_ID)
            .is_some_and(|id| id.eq_ignore_ascii_case(&snapshot.id))
}

/// Whether the resource was made by this same workflow run (an earlier
/// attempt of it, or an earlier look of this one).
fn same_run(tags: &[Tag], run_id: Option<&str>) -> bool {
    run_id.is_some() && tag_value(tags, tag::RUN_ID) == run_id
}

/// The error for a target instance that exists but is not the one this
/// step would have made. Nothing is touched.
fn foreign_target(existing: &Instance, wanted: &str) -> anyhow::Error {
    let origin = if !owned(&existing.tags) {
        "it was not created by this action".to_owned()
    } else if let Some(from) = tag_value(&existing.tags, tag::RESTORED_FROM) {
        format!("it was restored from snapshot {}", shown(from))
    } else {
        match (
            tag_value(&existing.tags, tag::SOURCE_DB),
            tag_value(&existing.tags, tag::RESTORE_TIME),
        ) {
            (Some(db), Some(time)) => {
                format!("it was restored from {} to time {}", shown(db), shown(time))
            }
            _ => "it was created by this action for something else".to_owned(),
        }
    };
    anyhow::anyhow!(
        "target DB instance `{}` already exists, and {origin}, not {wanted}; nothing was changed. Pick another `target-db-instance-identifier`, or delete that instance first if it is no longer needed",
        existing.id
    )
}

/// Creates the target instance with `create`, or, where an attempt running
/// at the same time created it first, adopts it if `adoptable` says so. Then
/// waits for it and sets the instance outputs.
async fn create_instance<F>(
    rds: &Rds,
    target: &NewInstance,
    wait: Wait,
    out: &mut Report,
    wanted: &str,
    adoptable: impl Fn(&Instance) -> bool,
    create: F,
) -> anyhow::Result<()>
where
    F: Future<Output = Result<Instance, RdsError>>,
{
    let created = match create.await {
        Ok(created) => created,
        Err(RdsError::AlreadyExists { .. }) => {
            let existing = rds.existing_instance(&target.id).await?;
            if !adoptable(&existing) {
                return Err(foreign_target(&existing, wanted));
            }
            info!(
                "DB instance `{}` was created by another attempt of this step; adopting it",
                existing.id
            );
            existing
        }
        Err(error) => return Err(error.into()),
    };
    info!(
        "restoring DB instance `{}`; console: {}",
        created.id,
        console_url(rds.region(), "database", &created.id)
    );
    finish_instance(rds, created, wait, out).await
}

/// Waits for a new DB instance (unless `wait: false`) and sets its outputs.
async fn finish_instance(
    rds: &Rds,
    instance: Instance,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<()> {
    out.set("db-instance-identifier", instance.id.clone());
    out.set("status", instance.status.clone());
    let instance = if wait.enabled {
        let what = format!("DB instance `{}`", instance.id);
        let id = instance.id.clone();
        wait::until_available(&what, Kind::Instance, wait.timeout, || rds.instance(&id))
            .await
            .with_context(|| format!("waiting for DB instance `{}`", instance.id))?
    } else {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(&instance.status)
        );
        instance
    };
    out.set("status", instance.status.clone());
    if wait::USABLE_STATES.contains(&instance.status.as_str()) {
        out.note(
            "status",
            format!(
                "`{}`: usable now; RDS is finishing storage work in the background, and the instance serves connections meanwhile",
                instance.status
            ),
        );
    }
    out.set("endpoint", instance.endpoint.clone().unwrap_or_default());
    out.set(
        "port",
        instance
            .port
            .map(|port| port.to_string())
            .unwrap_or_default(),
    );
    Ok(())
}

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
        console_url(rds.region(), "db-snapshot", &snapshot.id)
    );
    if !wait.enabled {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(&snapshot.status)
        );
        return Ok(snapshot);
    }
    let id = snapshot.id.clone();
    wait::until_available(what, Kind::Snapshot, wait.timeout, || rds.snapshot(&id))
        .await
        .with_context(|| format!("waiting for {what}"))
}

/// The source DB instance of a step, with the fix in the error when it
/// does not exist.
async fn source_instance(rds: &Rds, id: &str) -> anyhow::Result<Instance> {
    rds.existing_instance(id)
        .await
        .map_err(|error| match error {
            RdsError::NotFound { .. } => anyhow::anyhow!(
                "{error}; check input `db-instance-identifier` and the region (input `aws-region`)"
            ),
            error => error.into(),
        })
}

/// The AWS console page of a resource, for log lines a person follows.
pub fn console_url(region: &str, kind: &str, id: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/rds/home?region={region}#{kind}:id={id}")
}

/// Finds the snapshot the plan asks for. Only reads.
pub(crate) async fn choose(
    choice: &SnapshotChoice,
    source_db: Option<&str>,
    rds: &Rds,
) -> anyhow::Result<Snapshot> {
    let db = match (choice, source_db) {
        (SnapshotChoice::Id(id), _) => {
            return rds.existing_snapshot(id).await.map_err(|error| {
                anyhow::anyhow!("{error}; check input `snapshot-identifier`, or use `latest`")
            });
        }
        (SnapshotChoice::Arn(arn), _) => {
            return rds.snapshot(arn).await?.ok_or_else(|| {
                anyhow::anyhow!(
                    "snapshot `{arn}` does not exist or is not shared with this account; check input `snapshot-identifier`"
                )
            });
        }
        (_, Some(db)) => db,
        (_, None) => unreachable!("the plan requires db-instance-identifier for this choice"),
    };
    let candidates: Vec<Snapshot> = owned_snapshots(rds, db)
        .await?
        .into_iter()
        .filter(|snapshot| {
            snapshot.status == "available"
                && match choice {
                    SnapshotChoice::DeployVersion(version) => {
                        tag_value(&snapshot.tags, tag::DEPLOY_VERSION) == Some(version.as_str())
                    }
                    _ => true,
                }
        })
        .collect();
    newest(candidates).ok_or_else(|| {
        anyhow::anyhow!(
            "found no available snapshot made by this action of DB instance `{db}` for {} in region {}; take one with `mode: snapshot`, or set input `snapshot-identifier` to a snapshot ID",
            choice,
            rds.region()
        )
    })
}

/// The most recently created snapshot (by the time its data was taken: see
/// [`Snapshot::created`]); ties go to the larger ID, so the choice does not
/// depend on the order RDS lists them in.
pub fn newest(snapshots: Vec<Snapshot>) -> Option<Snapshot> {
    snapshots
        .into_iter()
        .max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)))
}

/// The snapshots this action made of `db`: they carry the ownership tag and
/// name `db` as their source, in RDS's record and in the tag.
pub(crate) async fn owned_snapshots(rds: &Rds, db: &str) -> anyhow::Result<Vec<Snapshot>> {
    Ok(rds
        .snapshots_of(db)
        .await?
        .into_iter()
        .filter(|snapshot| {
            owned_snapshot(snapshot)
                && snapshot.source_db == db
                && tag_value(&snapshot.tags, tag::SOURCE_DB) == Some(db)
        })
        .collect())
}
