//! `mode: snapshot`: a manual snapshot of a DB instance, or of an Aurora
//! cluster, before a deploy, named after the deploy and the run, so that a
//! re-run adopts it.

use anyhow::{Context as _, bail};
use tracing::info;

use futures_util::future::join_all;

use super::{cluster_if_member, no_such_db};
use crate::config::{Retention, SnapshotPlan, Wait};
use crate::db::{self, Db};
use crate::fleet::{Row, await_all, report};
use crate::github::{Report, age, shown};
use crate::model::{self, DbRef, Kind, Tag};
use crate::provenance::{self, SnapshotClaim, recorded};
use crate::rds::{Rds, RdsError, Snapshot};
use crate::retention::{json_ids, prune};
use crate::seal;
use crate::settings::{self, Settings, Value};

pub async fn run(
    plans: &[SnapshotPlan],
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if let Some(plan) = plans.first()
        && let (Some(given), Some(stored)) = (&plan.deploy_version_given, &plan.deploy_version)
    {
        info!(
            "deploy version {} is stored in the tag as {} (RDS tag values cannot hold some of its characters)",
            shown(given),
            shown(stored)
        );
        out.note(
            "deploy version",
            format!("{given} (as given; the tag holds `{stored}`)"),
        );
    }
    // The DBs and their snapshots, looked up once for all of them.
    let found = look_up(plans, rds, out).await?;
    // With several DBs the quota is checked once for all of them, since
    // each would see the same free room.
    let many = plans.len() > 1;
    let mut found = found;
    if many {
        // Counting every snapshot not known to exist as new; if that does
        // not fit, the earlier attempts' snapshots may be what fills it.
        let guarded = guard_fleet_quota(&found, rds, out).await;
        if guarded.is_err()
            && found
                .iter()
                .any(|f| matches!(f.existing, Earlier::NotLooked))
        {
            look_for_earlier(&mut found, rds).await?;
            guard_fleet_quota(&found, rds, out).await?;
        } else {
            guarded?;
        }
    }
    // Every snapshot is started at once; each DB's part of the step keeps
    // its own report until they are all back.
    let starts = join_all(found.into_iter().map(|found| async move {
        let mut report = Report::default();
        let started = start(found, !many, rds, &mut report).await;
        (report, started)
    }))
    .await;
    let mut rows = Vec::new();
    let mut deleted = Vec::new();
    for (plan, (report, started)) in plans.iter().zip(starts) {
        if let Some(ids) = report
            .outputs
            .get("deleted")
            .and_then(|json| serde_json::from_str::<Vec<String>>(json).ok())
        {
            deleted.extend(ids);
        }
        out.absorb(report, !many);
        let (db, started) = match started {
            Ok((resolved, snapshot)) => (resolved.db, Ok(snapshot)),
            Err(error) => (plan.db.clone(), Err(format!("{error:#}"))),
        };
        rows.push(Row {
            db,
            started,
            done: None,
        });
    }
    if !deleted.is_empty() {
        out.set_json("deleted", json_ids(&deleted));
    }
    if wait.enabled {
        await_all(&mut rows, wait, rds).await?;
        seal_all(&mut rows, rds).await;
    } else {
        info!("not waiting (`wait: false`); `mode: wait` waits for these later");
        if rds.provenance_key().is_some() {
            out.warn(
                "input `provenance-key` is set, but with `wait: false` a snapshot is not yet available, so it gets no MAC, and `prune` and `delete` with that key will leave it alone; leave `wait` on for snapshots you want pruned",
            );
        }
    }
    let took = chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default();
    out.note(
        "took",
        if wait.enabled {
            age(took)
        } else {
            format!("{} (not waited for: `wait: false`)", age(took))
        },
    );
    report(&rows, rds.region(), out, many)
}

/// With `provenance-key`, puts the MAC on each snapshot that is now
/// available; a snapshot that could not get it fails its row (the
/// snapshot itself is there, but `prune` and `delete` would refuse it).
async fn seal_all(rows: &mut [Row], rds: &Rds) {
    if rds.provenance_key().is_none() {
        return;
    }
    for row in rows.iter_mut() {
        let Some(Ok(snapshot)) = row.done.take() else {
            continue;
        };
        row.done = Some(if snapshot.status == "available" {
            seal::seal_snapshot(rds, snapshot.clone())
                .await
                .map_err(|error| format!("{error:#}"))
        } else {
            Ok(snapshot)
        });
    }
}

/// One DB of the step, as the look-ups before any start found it.
struct Found {
    /// Its plan; a cluster member stands for its cluster.
    plan: anyhow::Result<SnapshotPlan>,
    /// The DB (the cluster, for a member).
    source: Option<Db>,
    /// The snapshot with the step's ID from an earlier attempt of this run.
    existing: Earlier,
}

/// What is known of an earlier attempt's snapshot. Most steps are first
/// attempts, so it is looked up only where it changes what the step does
/// before it creates (a plan, which must say; `prune-keep-last`, which
/// counts it) or when something stands in the way of the create (the DB
/// is busy with that very snapshot, the quota looks full). Otherwise
/// CreateDBSnapshot's own `DBSnapshotAlreadyExists` tells, and the step
/// adopts then: a describe saved on every first attempt (issue 25).
#[derive(Debug)]
enum Earlier {
    Found(Box<Snapshot>),
    Absent,
    NotLooked,
}

impl Earlier {
    fn is_absent_or_unknown(&self) -> bool {
        !matches!(self, Earlier::Found(_))
    }
}

/// Looks every DB of the step up, and the snapshots they would get, with
/// one call per kind for all of them (one `DescribeDBInstances`, one
/// `DescribeDBSnapshots`, whatever their number): the same answers serve
/// the member check, the source's state, the adoption of an earlier
/// attempt's snapshot and the fleet's quota check. A cluster member named
/// as an instance stands for its cluster: RDS refuses CreateDBSnapshot on
/// it, and a snapshot of its cluster is what a rollback needs (its cluster
/// costs one more call).
async fn look_up(
    plans: &[SnapshotPlan],
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Vec<Found>> {
    let named: Vec<DbRef> = plans.iter().map(|plan| plan.db.clone()).collect();
    let sources = db::describe_many(rds, &named).await?;
    let mut found: Vec<Found> = plans
        .iter()
        .zip(sources)
        .map(|(plan, source)| {
            let db = cluster_if_member(&plan.db, source.as_ref(), out);
            if db == plan.db {
                Found {
                    plan: Ok(plan.clone()),
                    source,
                    existing: Earlier::NotLooked,
                }
            } else {
                Found {
                    plan: plan.of_cluster(&db.id).map_err(anyhow::Error::from),
                    source: None,
                    existing: Earlier::NotLooked,
                }
            }
        })
        .collect();
    let members: Vec<usize> = (0..plans.len())
        .filter(|&i| matches!(&found[i].plan, Ok(plan) if plan.db != plans[i].db))
        .collect();
    let clusters: Vec<DbRef> = members
        .iter()
        .filter_map(|&i| Some(found[i].plan.as_ref().ok()?.db.clone()))
        .collect();
    for (&i, cluster) in members.iter().zip(db::describe_many(rds, &clusters).await?) {
        found[i].source = cluster;
    }
    let eager = rds.is_planning() || plans.iter().any(|plan| plan.prune_keep_last.is_some());
    if eager {
        look_for_earlier(&mut found, rds).await?;
    }
    Ok(found)
}

/// Looks up, in one call per kind, the snapshots of earlier attempts that
/// are not known yet.
async fn look_for_earlier(found: &mut [Found], rds: &Rds) -> Result<(), RdsError> {
    let wanted: Vec<(usize, (Kind, String))> = found
        .iter()
        .enumerate()
        .filter(|(_, found)| matches!(found.existing, Earlier::NotLooked))
        .filter_map(|(i, found)| {
            let plan = found.plan.as_ref().ok()?;
            Some((i, (plan.db.kind, plan.snapshot_id.clone())))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let ids: Vec<(Kind, String)> = wanted.iter().map(|(_, id)| id.clone()).collect();
    for ((i, _), existing) in wanted.iter().zip(db::snapshots_by_ids(rds, &ids).await?) {
        found[*i].existing =
            existing.map_or(Earlier::Absent, |found| Earlier::Found(Box::new(found)));
    }
    Ok(())
}

/// Starts one DB's snapshot, or adopts this run's: checks the source and
/// (`guard`) the quota, prunes first if asked, and creates it.
async fn start(
    found: Found,
    guard: bool,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<(SnapshotPlan, Snapshot)> {
    let plan = found.plan?;
    out.set("snapshot-identifier", plan.snapshot_id.clone());
    out.set(plan.db.kind.input(), plan.db.id.clone());
    let mut existing = found.existing;
    // The source first: a typo in `db-instance-identifier`, or a stopped
    // instance, must not cost any old snapshot. A DB that is busy may be
    // busy with this run's own snapshot, so that is looked for then.
    let source = snapshottable(found.source, &plan, rds.region());
    if source.is_err() && matches!(existing, Earlier::NotLooked) {
        existing = earlier(&plan, rds).await?;
    }
    if let Earlier::Found(snapshot) = existing {
        return adopted(*snapshot, plan, rds);
    }
    rds.check(
        format!("snapshot `{}` exists already", plan.snapshot_id),
        "no: it will be created",
    );
    let db = source?;
    rds.check(
        format!("{} can be snapshotted", plan.db),
        format!("yes: it is `{}`", db.status()),
    );
    let trouble = match plan.prune_keep_last {
        Some(keep) => prune_first(&plan, keep, rds, out).await,
        None => None,
    };
    if guard
        && let Err(full) =
            guard_quota(plan.db.kind, 1, &plan.db.id, rds, out, trouble.as_deref()).await
    {
        // This run's own snapshot may be what fills it.
        if let Earlier::NotLooked = existing
            && let Earlier::Found(snapshot) = earlier(&plan, rds).await?
        {
            return adopted(*snapshot, plan, rds);
        }
        return Err(full);
    }
    if let Some(trouble) = &trouble {
        out.warn(format!(
            "pruning before the snapshot did not finish ({trouble}); the snapshot is taken anyway, since only a full quota needs that space. Prune with `mode: prune` when convenient"
        ));
    }
    // A snapshot of an earlier attempt that was not looked up makes this
    // fail with `DBSnapshotAlreadyExists`, and `create` adopts it then.
    let snapshot = match (create(&plan, &db, rds, out).await, &trouble) {
        // The quota could not be read, and CreateDBSnapshot says it is
        // full: now the pruning mattered.
        (Err(error), Some(trouble)) => {
            return Err(error.context(format!("pruning first did not free room ({trouble})")));
        }
        (created, _) => created?,
    };
    info!(
        "console: {}",
        db::console_url(rds.region(), plan.db.kind.console().1, &snapshot.id)
    );
    Ok((plan, snapshot))
}

/// This run's snapshot from an earlier attempt, looked up by its ID.
async fn earlier(plan: &SnapshotPlan, rds: &Rds) -> Result<Earlier, RdsError> {
    Ok(db::snapshot(rds, plan.db.kind, &plan.snapshot_id)
        .await?
        .map_or(Earlier::Absent, |found| Earlier::Found(Box::new(found))))
}

/// An earlier attempt's snapshot, taken over if this run made it.
fn adopted(
    existing: Snapshot,
    plan: SnapshotPlan,
    rds: &Rds,
) -> anyhow::Result<(SnapshotPlan, Snapshot)> {
    let snapshot = adopt(existing, &plan)?;
    rds.check(
        format!("snapshot `{}` exists already", plan.snapshot_id),
        format!(
            "yes, made of `{}` by an earlier attempt of this run ({}): adopted, not created again",
            plan.db.id, snapshot.status
        ),
    );
    info!(
        "console: {}",
        db::console_url(rds.region(), plan.db.kind.console().1, &snapshot.id)
    );
    Ok((plan, snapshot))
}

/// The source DB, if RDS can snapshot it now: CreateDBSnapshot accepts
/// only `available` and `storage-optimization` (API_CreateDBSnapshot), and
/// CreateDBClusterSnapshot only an `available` cluster
/// (InvalidDBClusterStateFault, API_CreateDBClusterSnapshot).
fn snapshottable(source: Option<Db>, plan: &SnapshotPlan, region: &str) -> anyhow::Result<Db> {
    let db = source.ok_or_else(|| no_such_db(&plan.db, region))?;
    let ready: &[&str] = match plan.db.kind {
        Kind::Instance => &["available", "storage-optimization"],
        Kind::Cluster => &["available"],
    };
    if !ready.contains(&db.status()) {
        bail!(
            "{} `{}` is `{}`, and RDS snapshots it only while it is `available`{}; nothing was changed; wait until it is `available` (start it if it is stopped) and re-run",
            plan.db.kind.noun(),
            db.id(),
            db.status(),
            if plan.db.kind == Kind::Instance {
                " (or `storage-optimization`)"
            } else {
                ""
            }
        );
    }
    Ok(db)
}

/// `prune-keep-last`: makes room before the snapshot. A failure here is
/// returned, not raised: the snapshot is what the deploy needs, and only a
/// full quota makes the pruning necessary for it.
async fn prune_first(
    plan: &SnapshotPlan,
    keep: u32,
    rds: &Rds,
    out: &mut Report,
) -> Option<String> {
    let retention = Retention {
        keep_last: Some(keep),
        older_than: None,
    };
    match prune(rds, &plan.db, retention, false, chrono::Utc::now()).await {
        Ok(pruned) => {
            out.set_json("deleted", json_ids(&pruned.deleted));
            out.tables.push(pruned.table(&plan.db.id));
            for held in pruned.held {
                out.warn(held);
            }
            (!pruned.failed.is_empty())
                .then(|| format!("could not delete {}", pruned.failed.join("; ")))
        }
        Err(error) => Some(format!("{error:#}")),
    }
}

/// The quota check for several DBs at once: per kind, the snapshots that do
/// not exist yet (a re-run adopts the others) must all fit.
async fn guard_fleet_quota(found: &[Found], rds: &Rds, out: &mut Report) -> anyhow::Result<()> {
    for kind in [Kind::Instance, Kind::Cluster] {
        let new: Vec<&str> = found
            .iter()
            .filter(|found| found.existing.is_absent_or_unknown())
            .filter_map(|found| found.plan.as_ref().ok())
            .filter(|plan| plan.db.kind == kind)
            .map(|plan| plan.db.id.as_str())
            .collect();
        if new.is_empty() {
            continue;
        }
        let of = new
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let needed = i64::try_from(new.len()).unwrap_or(i64::MAX);
        guard_quota(kind, needed, &of, rds, out, None).await?;
    }
    Ok(())
}

/// Refuses to start a snapshot the account's quota would refuse, and warns
/// when the quota is close, while pruning is still a choice rather than an
/// emergency.
async fn guard_quota(
    kind: Kind,
    needed: i64,
    of: &str,
    rds: &Rds,
    out: &mut Report,
    prune_trouble: Option<&str>,
) -> anyhow::Result<()> {
    let (used, max) = match rds.manual_snapshot_quota(kind).await {
        Ok(Some(quota)) => quota,
        // A policy without the permission is a setup mistake to fix, not an
        // outage to work around.
        Err(denied @ RdsError::AccessDenied { .. }) => return Err(denied.into()),
        failed => {
            // Without the account's figure there is nothing to compare with:
            // assuming AWS's default of 100 refused accounts whose quota was
            // raised. CreateDBSnapshot's own SnapshotQuotaExceeded decides.
            let why = match failed {
                Err(error) => format!("{error}"),
                _ => format!("no {} quota in the answer", kind.quota_name()),
            };
            out.warn(format!(
                "could not read the manual snapshot quota ({why}); going on without the quota check, and RDS will say if the quota is full"
            ));
            return Ok(());
        }
    };
    info!(
        "manual {}s in {}: {used} of {max}",
        kind.snapshot_noun(),
        rds.region()
    );
    rds.check(
        format!("manual {} quota in {}", kind.snapshot_noun(), rds.region()),
        format!(
            "{used} of {max} used; {needed} more {}",
            if used + needed > max {
                "do not fit"
            } else {
                "fit"
            }
        ),
    );
    if used + needed > max {
        bail!(
            "region {} already holds {used} manual {}s, the account's quota of {max}, so {} of {of} would be refused{}. Delete old ones with `mode: prune` (for example `keep-last: 20`), set `prune-keep-last` on this step, or ask AWS Support for a higher quota",
            rds.region(),
            kind.snapshot_noun(),
            if needed == 1 {
                "a new snapshot".to_owned()
            } else {
                format!("{needed} new snapshots")
            },
            prune_trouble
                .map(|trouble| format!(" (pruning first did not free room: {trouble})"))
                .unwrap_or_default()
        );
    }
    let left = max - used - needed + 1;
    if left <= (max / 10).max(1) {
        out.warn(format!(
            "{used} of {max} manual {}s in {} are used; only {left} left. Prune with `mode: prune` or `prune-keep-last` before deploys start failing",
            kind.snapshot_noun(),
            rds.region()
        ));
    }
    Ok(())
}

/// Our tags, and the instance's too where it has `CopyTagsToSnapshot` on:
/// AWS copies an instance's tags only into a snapshot whose CreateDBSnapshot
/// call carries none (USER_Tagging, "Copying tags to DB instance
/// snapshots"), and ours always carries some, so the cost-allocation and
/// backup-selection tags teams rely on would be lost.
///
/// Ours include the settings a restore will need, as they are now
/// ([`provenance::recorded`]): after a deploy that upgrades the engine, the
/// DB's settings are of the new version, which the snapshot cannot take.
/// For a cluster, its writer's parameter group and class are recorded too.
fn snapshot_tags(
    plan: &SnapshotPlan,
    db: &Db,
    writer: Option<&Settings>,
    out: &mut Report,
) -> Vec<Tag> {
    let members = writer
        .map(|writer| {
            [settings::DB_PARAMETER_GROUP, settings::DB_INSTANCE_CLASS]
                .into_iter()
                .filter_map(|name| Some((name, writer.get(name)?.clone())))
                .collect()
        })
        .unwrap_or_default();
    let record = recorded::Record {
        engine_version: db.engine_version().map(str::to_owned),
        settings: db.settings().clone(),
        members,
    };
    let room = model::MAX_TAGS.saturating_sub(plan.tags.len());
    let (parts, left_out) = recorded::encode(&record, room);
    if !left_out.is_empty() {
        out.warn(format!(
            "RDS allows {} tags on a snapshot, and with the `tags` given there was no room to record {} of `{}` on it; a rollback from it uses the DB's settings of that time instead. Give fewer `tags` to record them",
            model::MAX_TAGS,
            left_out.join(", "),
            db.id()
        ));
    }
    let mut ours = plan.tags.clone();
    ours.extend(parts);
    if db.settings().get(settings::COPY_TAGS) != Some(&Value::Flag(true)) {
        return ours;
    }
    let theirs: Vec<Tag> = db
        .tags()
        .iter()
        .filter(|tag| !provenance::is_ours(tag))
        .cloned()
        .collect();
    let (merged, left_out) = model::merge_tags(&ours, &theirs);
    if !left_out.is_empty() {
        out.warn(format!(
            "RDS allows {} tags on a snapshot, so these tags of `{}` were not copied to it: {}",
            model::MAX_TAGS,
            db.id(),
            left_out.join(", ")
        ));
    }
    merged
}

async fn create(
    plan: &SnapshotPlan,
    db: &Db,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Snapshot> {
    info!(
        "creating snapshot `{}` of {} ({})",
        plan.snapshot_id,
        plan.db,
        shown(db.status())
    );
    let writer = match db.as_cluster() {
        Some(cluster) => {
            let instances = rds.cluster_instances(&cluster.id).await?;
            cluster
                .writer()
                .and_then(|id| instances.into_iter().find(|instance| instance.id == id))
        }
        None => None,
    };
    let tags = snapshot_tags(plan, db, writer.as_ref().map(|w| &w.settings), out);
    match db::create_snapshot(rds, &plan.db, &plan.snapshot_id, &tags).await {
        Ok(snapshot) => Ok(snapshot),
        // Another attempt of the same run got there first.
        Err(RdsError::AlreadyExists { .. }) => {
            match db::snapshot(rds, plan.db.kind, &plan.snapshot_id).await? {
                Some(existing) => adopt(existing, plan),
                None => bail!(
                    "snapshot `{}` was reported to exist, but is not found; re-run this step",
                    plan.snapshot_id
                ),
            }
        }
        Err(RdsError::InvalidState { message, .. }) => bail!(
            "{} cannot be snapshotted while it is `{}` ({message}); wait until it is `available` and re-run",
            plan.db,
            db.status()
        ),
        Err(error) => Err(error).with_context(|| {
            format!(
                "creating snapshot `{}` of `{}`",
                plan.snapshot_id, plan.db.id
            )
        }),
    }
}

/// Takes over a snapshot that already has this step's ID, if this same run
/// made it of the same DB: a re-run of the job, or a retried step. A
/// snapshot of another run (a fixed `snapshot-identifier` used again by a
/// later deploy) holds that deploy's data, so it is refused, not adopted.
fn adopt(existing: Snapshot, plan: &SnapshotPlan) -> anyhow::Result<Snapshot> {
    let claim = SnapshotClaim::Adopt {
        db: &plan.db.id,
        run: provenance::run_id_of(&plan.tags),
    };
    provenance::snapshot(&existing, claim)?;
    info!(
        "snapshot `{}` already exists from an earlier attempt of this run ({}); adopting it",
        existing.id,
        shown(&existing.status)
    );
    Ok(existing)
}
