//! `mode: restore` and `mode: pitr`: one pipeline with two sources of data,
//! a snapshot ([`snapshot`]) and the source's backups at a point in time
//! ([`point_in_time`], which for Aurora may also make a copy-on-write
//! clone). The flow is the same for both:
//!
//! 1. in place or not: `in-place: true` runs the rest into a temporary name
//!    and then swaps names ([`in_place`], deciding with [`crate::swap`]);
//! 2. the source looks at the target: this run's earlier attempt is adopted
//!    (finished, not made again), another DB there is refused;
//! 3. the source picks its data (the snapshot, the time in the window) and
//!    tags the new DB with where it came from;
//! 4. [`build`]: its settings planned from the source DB and checked before
//!    any mutating call; the restore call, or adopting a concurrent
//!    attempt's DB ([`build::create`]);
//! 5. [`finish`]: wait, reconcile, a cluster's instances, outputs, drift;
//! 6. [`summary`]: what was restored and the next steps.

mod build;
mod finish;
mod in_place;
mod point_in_time;
mod snapshot;
mod summary;

use anyhow::Context as _;
use tracing::info;

use crate::config::{InPlace, PitrPlan, RestorePlan, Target, Wait};
use crate::db::console_url;
use crate::db::{self, Db};
use crate::github::Report;
use crate::model::{DbRef, Kind};
use crate::provenance::{self, TargetClaim};
use crate::rds::{NewDb, Rds, RdsError, Snapshot};
use crate::settings::Restore;

use build::{AtSnapshot, Build, build};
use finish::finish;

/// What the step restores from.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// `mode: restore`: a snapshot.
    Snapshot(&'a RestorePlan),
    /// `mode: pitr`: a point in time, or a clone.
    PointInTime(&'a PitrPlan),
}

impl Request<'_> {
    fn target(&self) -> &Target {
        match self {
            Request::Snapshot(plan) => &plan.target,
            Request::PointInTime(plan) => &plan.target,
        }
    }

    fn in_place(&self) -> Option<&InPlace> {
        match self {
            Request::Snapshot(plan) => plan.in_place.as_ref(),
            Request::PointInTime(plan) => plan.in_place.as_ref(),
        }
    }
}

/// Runs `mode: restore` or `mode: pitr`.
pub async fn run(
    request: Request<'_>,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<()> {
    if let Some(swap) = request.in_place() {
        return in_place::run(swap, &request.target().id, wait, rds, out, || async {
            let mut report = Report::default();
            (restore(request, wait, rds, &mut report).await, report)
        })
        .await;
    }
    let restored = restore(request, wait, rds, out).await?;
    summary::rollback(rds.region(), &restored, out);
    Ok(())
}

/// The pipeline without a rollback's summary: restores into the target (or
/// adopts this run's earlier restore there), waits, carries the settings,
/// and returns the new DB. A drill's scratch DB is made with it (`lib`
/// hands it to `mode::drill`, which imports no other mode).
pub async fn restore_db(
    request: Request<'_>,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Db> {
    restore(request, wait, rds, out).await
}

/// What a source found at the target and chose, for the rest of the flow.
enum Prepared {
    /// This run's earlier attempt made the target: finish it.
    Adopt(Box<Adopted>),
    /// A new DB to restore.
    New(Box<New>),
}

/// This run's earlier restore, to finish like a new one.
struct Adopted {
    existing: Db,
    target: Target,
    source: Option<Db>,
    restore: Restore,
    /// The VPC a snapshot records, for a source that is gone.
    recorded_vpc: Option<String>,
    /// The DB as the snapshot holds it.
    at: Option<AtSnapshot>,
}

/// A restore to start: the target with its provenance tags, the source DB
/// to build it like, and the call.
struct New {
    target: Target,
    source: Option<Db>,
    recorded_vpc: Option<String>,
    at: Option<AtSnapshot>,
    call: db::Source,
    /// What the target was meant to be, for the error when another DB
    /// holds its name.
    wanted: String,
    /// Which DB an attempt running at the same time may have made instead.
    claim: Claim,
    /// A refusal that is only said once the build is checked.
    refuse: Option<String>,
    /// The log line as the restore starts, and the error's context.
    announce: String,
    context: String,
}

/// Which existing DB at the target is this run's own restore: the claim
/// [`provenance::target`] decides, held for the time the restore runs.
enum Claim {
    /// Restored by this run from this very snapshot.
    RestoredFrom {
        run: Option<String>,
        snapshot: Box<Snapshot>,
    },
    /// Restored by this run from this source DB to a point in time.
    PointInTime { run: Option<String>, source: String },
}

impl Claim {
    fn as_target(&self) -> TargetClaim<'_> {
        match self {
            Claim::RestoredFrom { run, snapshot } => TargetClaim::RestoredFrom {
                run: run.as_deref(),
                snapshot,
            },
            Claim::PointInTime { run, source } => TargetClaim::PointInTime {
                run: run.as_deref(),
                source,
            },
        }
    }
}

/// How a restore call carries settings, by where its data comes from.
fn carried(call: &db::Source) -> Restore {
    match call {
        db::Source::Snapshot { .. } => Restore::FromSnapshot,
        db::Source::PointInTime { .. } => Restore::ToPointInTime,
    }
}

/// Restores into the target (or adopts this run's restore there) and waits
/// for it: a new DB built like its source.
async fn restore(
    request: Request<'_>,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<Db> {
    // In place, the new DB ends up under the application's name, which is
    // what its settings table and rows name; the temporary name is gone.
    let named = request
        .in_place()
        .map_or(request.target().id.as_str(), |swap| swap.db.id.as_str());
    let prepared = match request {
        Request::Snapshot(plan) => snapshot::prepare(plan, rds, out).await?,
        Request::PointInTime(plan) => point_in_time::prepare(plan, rds, out).await?,
    };
    let new = match prepared {
        Prepared::Adopt(adopted) => {
            let Adopted {
                existing,
                target,
                source,
                restore,
                recorded_vpc,
                at,
            } = *adopted;
            let build = build(
                rds,
                &target,
                source,
                restore,
                recorded_vpc.as_deref(),
                at.as_ref(),
                out,
            )
            .await?;
            told(request, &build, named, out);
            rds.check(
                format!("{} `{}`", build.kind.noun(), existing.id()),
                "exists, restored by an earlier attempt of this run: adopted and finished, not restored again",
            );
            return finish(rds, existing, &build, named, wait, out).await;
        }
        Prepared::New(new) => new,
    };
    let build = build(
        rds,
        &new.target,
        new.source,
        carried(&new.call),
        new.recorded_vpc.as_deref(),
        new.at.as_ref(),
        out,
    )
    .await?;
    told(request, &build, named, out);
    if let Some(refusal) = new.refuse {
        anyhow::bail!(refusal);
    }
    info!("{}", new.announce);
    rds.check(
        format!("{} `{}`", build.kind.noun(), new.target.id),
        "does not exist: it will be restored",
    );
    rds.check("the restore", new.announce.clone());
    rds.check(
        "settings carried from the source",
        format!(
            "{} in the restore call, {} by one modify after it (no restore call takes them; the run skips any that RDS happens to give the same value)",
            build.carry.call.len(),
            build.carry.after.len()
        ),
    );
    let call = NewDb {
        id: &new.target.id,
        settings: &build.carry.call,
        tags: &build.tags,
    };
    let started = db::restore(rds, new.target.kind, &new.call, &call);
    create(
        rds,
        &build,
        named,
        wait,
        out,
        &new.wanted,
        new.claim.as_target(),
        started,
    )
    .await
    .with_context(|| new.context.clone())
}

/// What the summary and the warnings say of a restore that goes back to
/// another engine version: what changed since the snapshot, and for an
/// in-place rollback, that the application goes back to the old version.
fn told(request: Request<'_>, build: &Build, named: &str, out: &mut Report) {
    if let Some(since) = &build.since {
        out.note("since the snapshot", since.clone());
    }
    if let (Some(_), Some((then, now))) = (request.in_place(), &build.engine_back) {
        out.warn(format!(
            "in place, `{named}` goes back to engine {then} (it runs {now} now): the application behind it must work with {then}, and the upgrade to {now} has to be made again once the cause of the rollback is fixed"
        ));
    }
}

/// The source of a restore into a new DB of `target` kind. A DB instance
/// that is an Aurora cluster member stands for its cluster when the target
/// is a cluster; otherwise the kinds must match, and the error names the
/// inputs to use.
async fn for_target(
    rds: &Rds,
    source: &DbRef,
    target: Kind,
    out: &mut Report,
) -> anyhow::Result<DbRef> {
    if source.kind == target {
        if source.kind == Kind::Instance
            && let Some(instance) = rds.instance(&source.id).await?
            && let Some(cluster) = instance.cluster_id
        {
            anyhow::bail!(
                "input `db-instance-identifier` `{}` is an instance of Aurora DB cluster `{cluster}`, and Aurora restores by cluster; set `db-cluster-identifier: {cluster}` and name the new cluster with `target-db-cluster-identifier` (its instances are created for you)",
                source.id
            );
        }
        return Ok(source.clone());
    }
    let resolved = super::as_cluster_if_member(rds, source, out).await?;
    if resolved.kind != target && rds.instance(&source.id).await?.is_none() {
        anyhow::bail!(
            "{source} does not exist in region {}; check input `{}` (for an Aurora cluster, set `db-cluster-identifier`)",
            rds.region(),
            source.kind.input()
        );
    }
    if resolved.kind != target {
        anyhow::bail!(
            "input `{}` `{}` names an RDS DB instance, not an Aurora cluster member, and a DB instance restores to a new DB instance; set `target-db-instance-identifier` instead of `target-db-cluster-identifier`",
            source.kind.input(),
            source.id
        );
    }
    Ok(resolved)
}

/// Creates the target DB with `create`, or, where an attempt running at the
/// same time created it first, adopts it if it meets `claim`. Then
/// finishes it like any new DB.
#[allow(clippy::too_many_arguments)] // each is one fact of this restore
async fn create<F>(
    rds: &Rds,
    build: &Build,
    named: &str,
    wait: Wait,
    out: &mut Report,
    wanted: &str,
    claim: TargetClaim<'_>,
    create: F,
) -> anyhow::Result<Db>
where
    F: Future<Output = Result<Db, RdsError>>,
{
    let created = match create.await {
        Ok(created) => created,
        Err(RdsError::AlreadyExists { .. }) => {
            let target = DbRef {
                kind: build.kind,
                id: build.id.clone(),
            };
            let existing = db::describe(rds, &target).await?.ok_or_else(|| {
                anyhow::anyhow!("{target} was reported to exist, but is not found")
            })?;
            provenance::target(&existing, claim, wanted)?;
            info!(
                "{} `{}` was created by another attempt of this step; adopting it",
                build.kind.noun(),
                existing.id()
            );
            existing
        }
        Err(error) => return Err(error.into()),
    };
    info!(
        "restoring {} `{}`; console: {}",
        build.kind.noun(),
        created.id(),
        console_url(rds.region(), build.kind.console().0, created.id())
    );
    finish(rds, created, build, named, wait, out).await
}
