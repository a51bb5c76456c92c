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
mod summary;

use anyhow::{Context as _, bail};
use tracing::info;

use crate::config::{NewInstance, SnapshotChoice, Tag, Wait};
use crate::github::{Report, Table, shown};
use crate::naming::{self, tag};
use crate::rds::{Instance, Rds, RdsError, Snapshot, tag_value};
use crate::settings::{self, Carry, How, Restore, Value};
use crate::wait::{self, Kind, Operation};

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
    let when = match (
        owned(&existing.tags)
            .then(|| tag_value(&existing.tags, tag::RUN_ID))
            .flatten(),
        existing.created,
    ) {
        (Some(run), Some(created)) => {
            format!(
                " by run {} on {}",
                shown(run),
                crate::config::rfc3339(created)
            )
        }
        (Some(run), None) => format!(" by run {}", shown(run)),
        (None, Some(created)) => format!(", created {}", crate::config::rfc3339(created)),
        (None, None) => String::new(),
    };
    anyhow::anyhow!(
        "target DB instance `{}` already exists, and {origin}{when}, not {wanted} for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that instance first if it is no longer needed",
        existing.id
    )
}

/// A new instance built like its source: where its settings come from, and
/// every tag it gets.
pub(crate) struct Build {
    /// The new instance's identifier.
    pub id: String,
    /// The source DB instance, if it still exists.
    pub source: Option<Instance>,
    pub carry: Carry,
    pub tags: Vec<Tag>,
}

/// Plans a new instance's settings from its source and the inputs, and
/// checks, before any mutating call, that RDS can meet them: the carried
/// groups still exist, and the new instance lands in the source's VPC.
/// `recorded_vpc` is the VPC a snapshot records, for a source that is gone.
pub(crate) async fn build(
    rds: &Rds,
    target: &NewInstance,
    source: Option<Instance>,
    restore: Restore,
    recorded_vpc: Option<&str>,
    out: &mut Report,
) -> anyhow::Result<Build> {
    let carry = settings::plan(
        source.as_ref().map(|source| &source.settings),
        &target.inputs,
        target.carry,
        restore,
    );
    let how = |name: &str| match carry.how.get(name) {
        Some(How::Input(input)) => format!("input `{input}` names"),
        _ => "the source's".to_owned(),
    };
    let text = |name| match carry.call.get(name) {
        Some(Value::Text(value)) => Some(value.as_str()),
        _ => None,
    };
    if let Some(group) = text(settings::DB_PARAMETER_GROUP)
        && !rds.parameter_group_exists(group).await?
    {
        bail!(
            "{} DB parameter group `{group}`, which does not exist in {}; nothing was changed. Set input `db-parameter-group-name` to an existing group (or `carry-settings: false` for the engine's default)",
            how(settings::DB_PARAMETER_GROUP),
            rds.region()
        );
    }
    if let Some(group) = text(settings::OPTION_GROUP)
        && !group.starts_with("default:")
        && !rds.option_group_exists(group).await?
    {
        bail!(
            "{} option group `{group}`, which does not exist in {}; nothing was changed. Set input `option-group-name` to an existing group (or `carry-settings: false` for the engine's default)",
            how(settings::OPTION_GROUP),
            rds.region()
        );
    }
    // Without a subnet group the new instance goes to the `default` one
    // (USER_RestoreFromSnapshot, "Security group considerations").
    let group = text(settings::DB_SUBNET_GROUP);
    let landing = rds.subnet_group_vpc(group.unwrap_or("default")).await?;
    if let Some(group) = group
        && landing.is_none()
    {
        bail!(
            "{} DB subnet group `{group}`, which does not exist in {}; nothing was changed. Set input `db-subnet-group-name` to an existing group in the source's VPC",
            how(settings::DB_SUBNET_GROUP),
            rds.region()
        );
    }
    let home = source
        .as_ref()
        .and_then(|source| source.vpc_id.as_deref())
        .or(recorded_vpc);
    if let (Some(home), Some(landing)) = (home, landing.as_deref())
        && home != landing
    {
        bail!(
            "the new DB instance would land in VPC `{landing}` (DB subnet group `{}`), but its source is in VPC `{home}`, where the application reaches it; nothing was changed. Set input `db-subnet-group-name` to a DB subnet group in `{home}`",
            group.unwrap_or("default")
        );
    }
    if source.is_none() && target.carry {
        let not_carried: Vec<&str> = settings::FIELDS
            .iter()
            .filter(|field| !target.inputs.contains_key(field.name))
            .filter_map(|field| field.input)
            .collect();
        out.warn(format!(
            "the source DB instance no longer exists, so its settings cannot be carried over: the new instance gets RDS's defaults (the default DB subnet group and security group{}, the engine's default parameter and option groups, no monitoring or Performance Insights). Set {} to match production{}",
            recorded_vpc.map(|vpc| format!("; the snapshot was taken in VPC `{vpc}`")).unwrap_or_default(),
            not_carried.iter().map(|input| format!("`{input}`")).collect::<Vec<_>>().join(", "),
            if not_carried.contains(&"vpc-security-group-ids") {
                "; no security group is guessed"
            } else {
                ""
            }
        ));
    }
    let mut tags = target.tags.clone();
    if target.carry
        && let Some(source) = &source
    {
        // The source's own tags, but not this action's bookkeeping on it
        // (a rollback of a rollback is a new restore, not the old one).
        let theirs: Vec<Tag> = source
            .tags
            .iter()
            .filter(|tag| !tag.key.starts_with(naming::tag::PREFIX))
            .cloned()
            .collect();
        let (merged, left_out) = settings::merge_tags(&tags, &theirs);
        if !left_out.is_empty() {
            out.warn(format!(
                "RDS allows {} tags on a DB instance, so these tags of `{}` were not copied: {}",
                settings::MAX_TAGS,
                source.id,
                left_out.join(", ")
            ));
        }
        tags = merged;
    }
    Ok(Build {
        id: target.id.clone(),
        source,
        carry,
        tags,
    })
}

/// Creates the target instance with `create`, or, where an attempt running
/// at the same time created it first, adopts it if `adoptable` says so. Then
/// finishes it like any new instance.
async fn create_instance<F>(
    rds: &Rds,
    build: &Build,
    wait: Wait,
    out: &mut Report,
    wanted: &str,
    adoptable: impl Fn(&Instance) -> bool,
    create: F,
) -> anyhow::Result<Instance>
where
    F: Future<Output = Result<Instance, RdsError>>,
{
    let created = match create.await {
        Ok(created) => created,
        Err(RdsError::AlreadyExists { .. }) => {
            let existing = rds.existing_instance(&build.id).await?;
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
    finish_instance(rds, created, build, wait, out).await
}

/// Waits for a new DB instance (unless `wait: false`), brings the settings
/// no restore call takes in line with its source, and sets its outputs and
/// the drift report.
async fn finish_instance(
    rds: &Rds,
    instance: Instance,
    build: &Build,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<Instance> {
    out.set("db-instance-identifier", instance.id.clone());
    out.set("status", instance.status.clone());
    let instance = if wait.enabled {
        let available =
            until_instance_available(rds, &instance.id, Operation::Restore, wait).await?;
        reconcile(rds, available, build, wait, out).await?
    } else {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(&instance.status)
        );
        if !build.carry.after.is_empty() {
            out.warn(format!(
                "with `wait: false` the settings a restore call cannot take were not applied ({}); re-run this step with `wait: true`, which adopts the instance and applies them",
                build.carry.after.keys().copied().collect::<Vec<_>>().join(", ")
            ));
        }
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
    report_settings(build, &instance, out);
    Ok(instance)
}

async fn until_instance_available(
    rds: &Rds,
    id: &str,
    operation: Operation,
    wait: Wait,
) -> anyhow::Result<Instance> {
    let what = format!("DB instance `{id}`");
    wait::until_available(&what, operation, wait.timeout, || rds.instance(id))
        .await
        .with_context(|| format!("waiting for DB instance `{id}`"))
}

/// The diff-only reconcile: one ModifyDBInstance with just the settings
/// that differ from what was planned, and none when nothing does, so a
/// re-run changes nothing.
async fn reconcile(
    rds: &Rds,
    instance: Instance,
    build: &Build,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<Instance> {
    let changes = settings::difference(&build.carry.after, &instance.settings);
    if changes.is_empty() {
        return Ok(instance);
    }
    let names = changes.keys().copied().collect::<Vec<_>>().join(", ");
    info!("applying what no restore call can set, with one ModifyDBInstance: {names}");
    match rds.modify_instance(&instance.id, &changes).await {
        Ok(_) => {}
        // The SDK retried a call whose first try went through (the answer
        // was lost): the instance is already `modifying`, with our change.
        Err(RdsError::InvalidState { .. }) => info!(
            "DB instance `{}` is already being modified (an earlier try of this call went through); waiting for it",
            instance.id
        ),
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "applying {names} to DB instance `{}` (it is restored and available; re-run this step to try again, or set them by hand)",
                    instance.id
                )
            });
        }
    }
    let instance = until_instance_available(rds, &instance.id, Operation::Modify, wait).await?;
    let left = settings::difference(&build.carry.after, &instance.settings);
    if !left.is_empty() {
        out.warn(format!(
            "DB instance `{}` still shows the old value of {} after the modify; RDS may still be applying it. Check it in the console, or re-run this step",
            instance.id,
            left.keys().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(instance)
}

/// The drift report: a table in the job summary, and the `settings` output.
fn report_settings(build: &Build, instance: &Instance, out: &mut Report) {
    let rows = settings::drift(
        build.source.as_ref().map(|source| &source.settings),
        &instance.settings,
        &build.carry,
    );
    out.set_json("settings", settings::drift_json(&rows));
    let network = match (
        build
            .source
            .as_ref()
            .and_then(|source| source.vpc_id.as_deref()),
        instance.vpc_id.as_deref(),
    ) {
        (Some(home), Some(landed)) if home == landed => {
            format!("in the source's VPC `{landed}`")
        }
        (Some(home), Some(landed)) => {
            format!("in VPC `{landed}`, NOT the source's VPC `{home}`")
        }
        (None, Some(landed)) => format!("in VPC `{landed}`"),
        _ => "VPC unknown".to_owned(),
    };
    let drifted = rows.iter().filter(|row| row.drifted()).count();
    out.tables.push(Table {
        title: format!(
            "Settings of `{}` ({network}; {drifted} differ from the source)",
            instance.id
        ),
        headers: vec!["setting", "source", "restored", "how", ""],
        rows: rows
            .iter()
            .map(|row| {
                let shown = |value: &Option<Value>| {
                    value
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), ToString::to_string)
                };
                vec![
                    row.setting.to_owned(),
                    shown(&row.source),
                    shown(&row.restored),
                    row.how.to_string(),
                    if row.drifted() { "differs" } else { "" }.to_owned(),
                ]
            })
            .collect(),
    });
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
        .filter(|snapshot| owned_snapshot_of(snapshot, db))
        .collect())
}

/// Whether this action made `snapshot` of `db` (see [`owned_snapshots`]).
pub(crate) fn owned_snapshot_of(snapshot: &Snapshot, db: &str) -> bool {
    owned_snapshot(snapshot)
        && snapshot.source_db == db
        && tag_value(&snapshot.tags, tag::SOURCE_DB) == Some(db)
}
