//! `in-place: true` on `restore` and `pitr`: the driver of the swap whose
//! decisions are [`crate::swap::next`]'s. It checks everything that could
//! stop the swap before any mutating call, then looks at the three names,
//! asks for the next step, carries it out, and looks again. On a failure it
//! turns round and renames back until the original DB has `<id>` again;
//! nothing is ever deleted.

use std::future::Future;

use anyhow::{anyhow, bail};
use chrono::{DateTime, Utc};
use tracing::info;

use super::summary;
use crate::config::{InPlace, Wait};
use crate::db::{self, Db};
use crate::github::Report;
use crate::model::{self, DbRef, Kind, Tag, rfc3339};
use crate::naming;
use crate::provenance::{self, key};
use crate::rds::{Rds, RdsError};
use crate::seal;
use crate::settings::{DELETION_PROTECTION, Value};
use crate::swap::{self, Goal, Name, Role, Seen, Step, World};
use crate::timeline::{Phase, table as timeline_table};
use crate::wait;

/// The names of one swap.
struct Names {
    kind: Kind,
    app: String,
    temporary: String,
    /// Known once the intent is recorded (or chosen by the pre-flight).
    replaced: Option<String>,
    run: String,
}

impl Names {
    fn of(&self, name: Name) -> Option<&str> {
        match name {
            Name::App => Some(&self.app),
            Name::Temporary => Some(&self.temporary),
            Name::Replaced => self.replaced.as_deref(),
        }
    }

    fn db(&self, id: &str) -> DbRef {
        DbRef {
            kind: self.kind,
            id: id.to_owned(),
        }
    }

    /// Whether a DB carries this run's swap tags for this `<id>`.
    fn role(&self, db: &Db) -> Option<Role> {
        provenance::swap_role(db.tags(), &self.app, &self.run)
    }
}

/// The swap's intent tags on a DB of `names` in `role`, with placeholder
/// names and time: for counting keys, which are what take room.
fn intent_tags(names: &Names, role: Role) -> Vec<Tag> {
    provenance::swap_stamps(&names.app, &names.run, &names.temporary, "-", "-", role)
}

/// How many tags a swap records on the app DB (and, later, on the DB
/// restored for it, once that is the app DB of the next rollback): RDS
/// allows 50 tags on a resource ([`model::MAX_TAGS`]), so the restore
/// leaves this much room on the DB it makes.
pub(super) const SWAP_TAGS: usize = 9;

/// The swap's tags must fit on the app DB (and on each instance of an app
/// cluster, which gets the intent too) next to the user's own. Those are
/// not ours to remove and ours are what make a re-run finish the swap, so
/// a DB without the room is refused before anything changes.
/// What it found, for the plan's checks.
fn check_tag_room(names: &Names, db: &str, arn: &str, has: &[Tag]) -> anyhow::Result<String> {
    let now = Utc::now();
    let mut adding = intent_tags(names, Role::Original);
    adding.extend(provenance::replaced_stamps(now, &names.run));
    // The MAC of `provenance-key` (counted whether or not it is set: one
    // tag of room is cheap, and a later step may set it).
    adding.push(model::tag(key::MAC, "-"));
    let new = model::new_keys(has, &adding);
    if has.len() + new > model::MAX_TAGS {
        let over = has.len() + new - model::MAX_TAGS;
        bail!(
            "`{db}` has {} tags, and the in-place rollback records {new} more on it (the `{}*` tags that let a re-run finish the swap and `prune` find the replaced DB); RDS allows {} tags on a resource. Nothing was changed. Remove {over} of its tags (`aws rds remove-tags-from-resource --resource-name {arn} --tag-keys <key> ...`) and re-run this step, or restore without `in-place: true`",
            has.len(),
            key::PREFIX,
            model::MAX_TAGS
        );
    }
    Ok(format!(
        "{} tags, and the swap records {new} more; RDS allows {}",
        has.len(),
        model::MAX_TAGS
    ))
}

/// One look at the three names: the DBs, and what the machine needs of them.
struct Look {
    app: Option<Db>,
    temporary: Option<Db>,
    replaced: Option<Db>,
    /// When this run's intent was recorded, from the tags.
    started: Option<String>,
}

impl Look {
    fn world(&self, names: &Names, restored: bool) -> World {
        let seen = |db: &Option<Db>| {
            db.as_ref().map(|db| Seen {
                status: db.status().to_owned(),
                arn: db.arn().to_owned(),
                renaming: db.renaming_to().is_some(),
                role: names.role(db),
                protected: db.settings().get(DELETION_PROTECTION) == Some(&Value::Flag(true)),
                marked_replaced: provenance::marked_replaced(db.tags(), &names.run),
            })
        };
        World {
            kind: names.kind,
            app: seen(&self.app),
            temporary: seen(&self.temporary),
            replaced: seen(&self.replaced),
            restored,
        }
    }

    fn get(&self, name: Name) -> Option<&Db> {
        match name {
            Name::App => self.app.as_ref(),
            Name::Temporary => self.temporary.as_ref(),
            Name::Replaced => self.replaced.as_ref(),
        }
    }
}

/// Looks at the three names. The replaced name comes from this run's
/// intent tags on either DB; while both renames leave a name unanswered,
/// it is found by listing the DBs of the kind and reading their tags.
async fn look(rds: &Rds, names: &mut Names) -> Result<Look, RdsError> {
    let app = db::describe(rds, &names.db(&names.app)).await?;
    let temporary = db::describe(rds, &names.db(&names.temporary)).await?;
    let mut started = None;
    for db in app.iter().chain(&temporary) {
        if names.role(db).is_some() {
            if let Some(replaced) = provenance::swap_replaced(db.tags()) {
                names.replaced = Some(replaced.to_owned());
            }
            started = provenance::swap_started(db.tags()).map(str::to_owned);
        }
    }
    if started.is_none() && app.is_none() {
        for db in db::all(rds, names.kind).await? {
            if names.role(&db) == Some(Role::Original) {
                names.replaced = Some(db.id().to_owned());
                started = provenance::swap_started(db.tags()).map(str::to_owned);
            }
        }
    }
    let replaced = match &names.replaced {
        Some(id) => db::describe(rds, &names.db(id))
            .await?
            .filter(|db| names.role(db).is_some()),
        None => None,
    };
    Ok(Look {
        app,
        temporary,
        replaced,
        started,
    })
}

/// Everything that could stop the swap, before any mutating call: the DB
/// exists and is available, no Blue/Green deployment holds it, and the
/// names the swap will use are free. Read replicas are warned about.
async fn preflight(
    rds: &Rds,
    names: &mut Names,
    look: &Look,
    out: &mut Report,
) -> anyhow::Result<()> {
    let input = names.kind.input();
    let Some(app) = &look.app else {
        bail!(
            "{} `{}` does not exist in region {}, and no in-place rollback of this run explains it; check input `{input}`",
            names.kind.noun(),
            names.app,
            rds.region()
        );
    };
    if let Some(cluster) = app.as_instance().and_then(|i| i.cluster_id.as_ref()) {
        bail!(
            "input `db-instance-identifier` `{}` is an instance of Aurora DB cluster `{cluster}`; an Aurora rollback swaps the whole cluster: set `db-cluster-identifier: {cluster}`",
            names.app
        );
    }
    if app.status() != "available" {
        bail!(
            "{} `{}` is `{}`, and `in-place: true` renames it only when it is `available`; nothing was changed. Wait until it is available and re-run this step",
            names.kind.noun(),
            names.app,
            app.status()
        );
    }
    rds.check(
        format!("{} `{}` (in place)", names.kind.noun(), names.app),
        "exists and is available: it will be renamed aside and kept",
    );
    let room = check_tag_room(names, &names.app, app.arn(), app.tags())?;
    rds.check(format!("room for the swap's tags on `{}`", names.app), room);
    if let Some(cluster) = app.as_cluster() {
        for member in &cluster.members {
            if let Some(instance) = db::describe(rds, &DbRef::instance(&member.id)).await? {
                let room = check_tag_room(names, &member.id, instance.arn(), instance.tags())?;
                rds.check(format!("room for the swap's tags on `{}`", member.id), room);
            }
        }
    }
    // A Blue/Green switchover renames the blue and green DBs itself
    // (blue-green-deployments-switching: the blue DBs get `-old1` names, the
    // green ones the blue names), so a rename of ours beside one would break
    // it, or it ours. Deleting the deployment keeps the green DBs unless
    // `--delete-target` says otherwise (API_DeleteBlueGreenDeployment,
    // DeleteTarget; not allowed once SWITCHOVER_COMPLETED, which is not
    // refused here).
    let arn = app.arn().to_owned();
    for deployment in rds.blue_green_deployments().await? {
        if (deployment.source == arn || deployment.target == arn)
            && !matches!(
                deployment.status.as_str(),
                "SWITCHOVER_COMPLETED" | "DELETING"
            )
        {
            bail!(
                "{} `{}` is part of Blue/Green deployment `{}` ({}, status `{}`), whose switchover renames DBs itself; nothing was changed. Switch it over, or delete it and its green DBs (`aws rds delete-blue-green-deployment --region {} --blue-green-deployment-identifier {} --delete-target`; without `--delete-target` the green DBs keep running as standalone DBs, and with it their deletion protection must be off), then re-run",
                names.kind.noun(),
                names.app,
                deployment.name,
                deployment.id,
                deployment.status,
                rds.region(),
                deployment.id
            );
        }
    }
    rds.check(
        "Blue/Green deployments",
        format!("none holds `{}`", names.app),
    );
    if let Some(instance) = app.as_instance() {
        // USER_RenameInstance: "All read replicas associated with a DB
        // instance remain associated with that instance after it is renamed."
        if !instance.replicas.is_empty() {
            out.warn(format!(
                "DB instance `{}` has read replicas ({}); they stay attached to it under its new name `{}` and keep replicating from the replaced data, not from the restored DB. Create new read replicas of `{}` after the swap, and point readers at them",
                names.app,
                instance.replicas.join(", "),
                names.replaced.as_deref().unwrap_or("<id>-replaced-<time>"),
                names.app
            ));
        }
        if let Some(source) = &instance.replica_of {
            out.warn(format!(
                "DB instance `{}` is a read replica of `{source}`; the restored DB takes its name but is a standalone DB, not a replica",
                names.app
            ));
        }
    }
    if let Some(cluster) = app.as_cluster()
        && !cluster.replication.is_empty()
    {
        out.warn(format!(
            "DB cluster `{}` takes part in replication ({}); that replication stays with the replaced cluster, not the restored one",
            names.app,
            cluster.replication.join(", ")
        ));
    }
    let replaced = names
        .replaced
        .get_or_insert_with(|| naming::replaced_id(&names.app, Utc::now()))
        .clone();
    if db::describe(rds, &names.db(&replaced)).await?.is_some() {
        bail!(
            "the name the replaced DB would get, `{replaced}`, is taken; nothing was changed. Re-run this step in a second, for a new time stamp"
        );
    }
    rds.check(
        format!("the replaced DB's name `{replaced}`"),
        "is free (the run's name has the run's own time stamp)",
    );
    Ok(())
}

/// The ARNs of a cluster's instances (none for an instance). A replaced
/// cluster is removed instance by instance first, so a policy that lets
/// `prune` delete only what a swap replaced (by its tags) must match its
/// instances too; their replaced name is the cluster's, so they are never
/// taken for replaced instances.
fn member_arns(db: &Db) -> Vec<String> {
    let Some(cluster) = db.as_cluster() else {
        return Vec::new();
    };
    let Some((prefix, _)) = cluster.arn.rsplit_once(":cluster:") else {
        return Vec::new();
    };
    cluster
        .members
        .iter()
        .map(|member| format!("{prefix}:db:{}", member.id))
        .collect()
}

/// The restore into the temporary name, as `restore` or `pitr` does it; it
/// reports into a report of its own, which is returned whatever the result.
pub(crate) type Restored = (anyhow::Result<Db>, Report);

/// Runs the in-place rollback: restore (with `restore`), swap, protect.
pub(crate) async fn run<F, Fut>(
    plan: &InPlace,
    temporary: &str,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
    mut restore: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Restored>,
{
    let mut names = Names {
        kind: plan.db.kind,
        app: plan.db.id.clone(),
        temporary: temporary.to_owned(),
        replaced: None,
        run: plan.run.clone(),
    };
    let first = look(rds, &mut names).await?;
    let world = first.world(&names, false);
    let started_here = world.app.as_ref().is_some_and(|app| app.role.is_none())
        && world.temporary.as_ref().is_none_or(|t| t.role.is_none())
        && world.replaced.is_none();
    if started_here {
        preflight(rds, &mut names, &first, out).await?;
    } else {
        info!(
            "found this run's in-place rollback of `{}` under way (replaced name `{}`); finishing it",
            names.app,
            names.replaced.as_deref().unwrap_or("not known yet")
        );
        rds.check(
            format!("the in-place rollback of `{}`", names.app),
            format!(
                "under way, begun by an earlier attempt of this run (replaced name `{}`): finished from where it is",
                names.replaced.as_deref().unwrap_or("not known yet")
            ),
        );
    }
    let mut driver = Driver {
        rds,
        names,
        wait,
        phases: Vec::new(),
        open: None,
        restored: false,
        started: first.started.clone(),
    };
    let swapped = driver.go(Goal::Swap, &mut restore, out).await;
    let failure = match swapped {
        Ok(look) => return driver.report(&look, out),
        Err(failure) => failure,
    };
    out.warn(format!(
        "the in-place rollback of `{}` failed: {failure:#}; renaming back",
        driver.names.app
    ));
    let undone = driver.go(Goal::Undo, &mut restore, out).await;
    if let Ok(look) = &undone
        && let Err(error) = driver.untag(look).await
    {
        out.warn(format!(
            "the swap tags (`{}`, `{}`, ...) could not be removed from `{}` and `{}`: {error}; a cleanup policy conditioned on them would cover the live DB, so remove them (`aws rds remove-tags-from-resource`) before the next cleanup",
            key::SWAP_ROLE,
            key::SWAP_OF,
            driver.names.app,
            driver.names.temporary
        ));
    }
    driver.timeline(out);
    // The restore's outputs named the temporary DB; the step's DB is `<id>`.
    out.set(driver.names.kind.input(), driver.names.app.clone());
    out.set("status", "failed");
    match &undone {
        Ok(look) => {
            let endpoint = look.app.as_ref().and_then(Db::endpoint).unwrap_or_default();
            out.set("endpoint", endpoint.to_owned());
        }
        Err(_) => out.set("endpoint", ""),
    }
    match undone {
        Ok(_) => Err(failure.context(format!(
            "the in-place rollback of `{}` failed and was undone: `{}` is the original DB again, nothing was deleted, and the restored copy is kept as `{}` for inspection. Fix the cause and re-run this step, which finishes the swap from here",
            driver.names.app, driver.names.app, driver.names.temporary
        ))),
        Err(undo) => Err(anyhow!(
            "the in-place rollback of `{app}` failed ({failure:#}), and renaming back failed too ({undo:#}); nothing was deleted. Re-run this step to finish the swap, or rename by hand: the original DB is tagged `{}=original`, the restored one `{}=restored` (`aws rds describe-{}s --region {}`)",
            key::SWAP_ROLE,
            key::SWAP_ROLE,
            driver.names.kind.cli(),
            rds.region(),
            app = driver.names.app,
        )),
    }
}

struct Driver<'a> {
    rds: &'a Rds,
    names: Names,
    wait: Wait,
    phases: Vec<Phase>,
    /// The phase still running (a rename until it lands, say).
    open: Option<usize>,
    restored: bool,
    /// When this run's intent was first recorded.
    started: Option<String>,
}

impl Driver<'_> {
    fn begin(&mut self, label: String, undo: bool) {
        self.close();
        self.phases.push(Phase {
            label,
            start: Utc::now(),
            end: None,
            undo,
        });
        self.open = Some(self.phases.len() - 1);
    }

    fn close(&mut self) {
        if let Some(open) = self.open.take() {
            self.phases[open].end = Some(Utc::now());
        }
    }

    /// Looks, decides, acts, until the goal is reached; returns the last
    /// look. An error is the first failure on the way.
    async fn go<F, Fut>(
        &mut self,
        goal: Goal,
        restore: &mut F,
        out: &mut Report,
    ) -> anyhow::Result<Look>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Restored>,
    {
        let floor = wait::min_pause(std::env::var(wait::MIN_POLL_ENV).ok().as_deref())
            .map_err(|problem| anyhow!(problem))?;
        let mut waited = wait::Progress::default();
        let mut since = tokio::time::Instant::now();
        let undo = goal == Goal::Undo;
        let mut last = None;
        loop {
            let look = look(self.rds, &mut self.names).await?;
            if look.started.is_some() {
                self.started.clone_from(&look.started);
            }
            let step = swap::next(&look.world(&self.names, self.restored), goal);
            // A planned step lands at once, so the same step asked for
            // twice means the plan did not see it land: going on would
            // record it again, without end. (A run may ask twice: a rename
            // can still read as not begun right after its call.)
            if self.rds.is_planning() && last.as_ref() == Some(&step) {
                bail!(
                    "the plan of the in-place rollback of `{}` asked for the same step twice ({step:?}); nothing was changed. This is a bug in `plan: true`; please report it with this step's log",
                    self.names.app
                );
            }
            last = Some(step.clone());
            if let Step::Wait(why) = &step {
                // A plan's renames land at once and what it makes is
                // available at once, so something moving is a real change
                // under way (an earlier attempt's rename, say): a plan
                // cannot see past it, and looking again would see the same.
                if self.rds.is_planning() {
                    bail!(
                        "the in-place rollback of `{}` would wait here for {why}, and a plan cannot see what follows; nothing was changed. Plan again once it has settled",
                        self.names.app
                    );
                }
                waited.looks += 1;
                waited.elapsed = since.elapsed();
                if waited.elapsed >= self.wait.timeout {
                    bail!(
                        "timed out after {} waiting for {why} (`wait-timeout`)",
                        wait::human(waited.elapsed)
                    );
                }
                // A rename, like a modify, takes a minute or two on AWS.
                let rename = wait::Operation::Modify(self.names.kind).profile();
                let pause = wait::next_look(&waited, rename, floor);
                info!("waiting for {why}; next look in {}", wait::human(pause));
                tokio::time::sleep(pause).await;
                continue;
            }
            self.close();
            waited = wait::Progress::default();
            since = tokio::time::Instant::now();
            match step {
                Step::Wait(_) => unreachable!("handled above"),
                Step::Done => return Ok(look),
                Step::Stuck(why) => bail!("{why}"),
                Step::Restore => {
                    self.begin(format!("restore into `{}`", self.names.temporary), false);
                    let (restored, report) = restore().await;
                    // The restore's own summary section tells the reader to
                    // repoint the app at a new endpoint; in place, nothing is
                    // repointed, and the swap's summary says what happened.
                    let mut report = report;
                    report.sections.clear();
                    out.absorb(report, true);
                    restored?;
                    self.close();
                    self.restored = true;
                }
                Step::TagIntent => self.tag_intent(&look).await?,
                Step::Rename { from, to } => {
                    let (Some(old), Some(new)) = (self.names.of(from), self.names.of(to)) else {
                        bail!("the replaced name of this swap is not known");
                    };
                    let (old, new) = (old.to_owned(), new.to_owned());
                    self.begin(format!("rename `{old}` to `{new}`"), undo);
                    info!("renaming {} `{old}` to `{new}`", self.names.kind.noun());
                    match db::rename(self.rds, &self.names.db(&old), &new).await {
                        Ok(()) => {}
                        // An earlier try of this call went through (the
                        // SDK retried a lost answer): the rename is in
                        // flight, which the next look shows.
                        Err(RdsError::AlreadyExists { .. } | RdsError::InvalidState { .. }) => {
                            info!("the rename of `{old}` is already under way");
                        }
                        Err(error) => {
                            return Err(anyhow::Error::from(error)
                                .context(format!("renaming `{old}` to `{new}`")));
                        }
                    }
                }
                Step::Protect => {
                    self.begin(
                        "deletion protection on both, replaced DB tagged".to_owned(),
                        false,
                    );
                    self.protect(&look).await?;
                }
            }
        }
    }

    /// Records the swap's names and each DB's role on both DBs, before the
    /// first rename, so a re-run finds the same names.
    async fn tag_intent(&mut self, look: &Look) -> anyhow::Result<()> {
        let (Some(app), Some(temporary)) = (&look.app, &look.temporary) else {
            bail!("both DBs must exist to record the swap");
        };
        let replaced = self
            .names
            .replaced
            .get_or_insert_with(|| naming::replaced_id(&self.names.app, Utc::now()))
            .clone();
        let started = self
            .started
            .get_or_insert_with(|| rfc3339(Utc::now()))
            .clone();
        let intent = |role: Role| {
            provenance::swap_stamps(
                &self.names.app,
                &self.names.run,
                &self.names.temporary,
                &replaced,
                &started,
                role,
            )
        };
        info!(
            "recording the swap on both DBs: `{}` becomes `{replaced}`, `{}` becomes `{}`",
            self.names.app, self.names.temporary, self.names.app
        );
        self.rds
            .add_tags(temporary.arn(), &intent(Role::Restored))
            .await?;
        self.rds
            .add_tags(app.arn(), &intent(Role::Original))
            .await?;
        for arn in member_arns(app) {
            self.rds.add_tags(&arn, &intent(Role::Original)).await?;
        }
        Ok(())
    }

    /// Takes this run's swap tags off the DBs of an undone swap (and the
    /// original cluster's instances, which [`Driver::tag_intent`] tagged
    /// too). A policy that lets cleanup delete a swap's replaced DB by
    /// these tags must not cover the DB that is live again; and a re-run
    /// then starts the swap afresh, pre-flight and all, adopting the
    /// restored copy.
    async fn untag(&self, look: &Look) -> Result<(), RdsError> {
        for db in [&look.app, &look.temporary].into_iter().flatten() {
            let Some(role) = self.names.role(db) else {
                continue;
            };
            info!("the swap is undone: removing its tags from `{}`", db.id());
            self.rds
                .remove_tags(db.arn(), &provenance::SWAP_KEYS)
                .await?;
            if role == Role::Original {
                for arn in member_arns(db) {
                    self.rds.remove_tags(&arn, &provenance::SWAP_KEYS).await?;
                }
            }
        }
        Ok(())
    }

    async fn protect(&self, look: &Look) -> anyhow::Result<()> {
        for name in [Name::App, Name::Replaced] {
            let Some(db) = look.get(name) else { continue };
            if db.settings().get(DELETION_PROTECTION) != Some(&Value::Flag(true)) {
                info!("turning on deletion protection of `{}`", db.id());
                match db::protect(self.rds, &db.reference(), true).await {
                    Ok(()) | Err(RdsError::InvalidState { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
            }
        }
        if let Some(replaced) = &look.replaced
            && provenance::replaced_at(replaced.tags()).is_none()
        {
            // With `provenance-key`, the replaced DB's MAC goes on with
            // the stamps, over its name now and all its tags of ours:
            // `prune` unprotects and deletes it only if that verifies.
            let mut stamps = provenance::replaced_stamps(Utc::now(), &self.names.run);
            if let Some(mac) = seal::mac_tag(
                self.rds,
                replaced.arn(),
                replaced.created(),
                replaced.tags(),
                &stamps,
            )
            .await?
            {
                stamps.push(mac);
            }
            self.rds.add_tags(replaced.arn(), &stamps).await?;
        }
        Ok(())
    }

    /// The outputs and the job summary of a finished swap.
    fn report(&mut self, look: &Look, out: &mut Report) -> anyhow::Result<()> {
        let (Some(app), Some(replaced)) = (&look.app, &look.replaced) else {
            bail!("the swap ended without both DBs in place");
        };
        let kind = self.names.kind;
        out.set(kind.input(), app.id().to_owned());
        out.set("endpoint", app.endpoint().unwrap_or_default().to_owned());
        // The restore set the temporary cluster's reader endpoint, a name
        // that the rename took away: read it again, as `endpoint` is.
        if let Some(cluster) = app.as_cluster() {
            out.set(
                "reader-endpoint",
                cluster.reader_endpoint.clone().unwrap_or_default(),
            );
        }
        out.set(
            "port",
            app.port().map(|port| port.to_string()).unwrap_or_default(),
        );
        out.set("status", app.status().to_owned());
        out.set(kind.replaced_output(), replaced.id().to_owned());
        self.close();
        let first = self
            .phases
            .iter()
            .find(|phase| {
                phase
                    .label
                    .starts_with(&format!("rename `{}`", self.names.app))
            })
            .cloned();
        let last = self
            .phases
            .iter()
            .rev()
            .find(|phase| phase.label.ends_with(&format!("to `{}`", self.names.app)))
            .cloned();
        let start = first.as_ref().map(|phase| phase.start).or_else(|| {
            self.started
                .as_deref()
                .and_then(|time| DateTime::parse_from_rfc3339(time).ok())
                .map(|time| time.to_utc())
        });
        let end = last.and_then(|phase| phase.end);
        let window = match (start, end) {
            (Some(start), Some(end)) => {
                let seconds = (end - start).num_milliseconds() as f64 / 1000.0;
                out.set("downtime-seconds", format!("{seconds:.1}"));
                let precise =
                    |time: DateTime<Utc>| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                out.set("downtime-start", precise(start));
                out.set("downtime-end", precise(end));
                Some((start, end))
            }
            _ => None,
        };
        self.timeline(out);
        out.sections.push(summary::in_place(
            self.rds.region(),
            &summary::Swapped {
                app,
                replaced,
                phases: &self.phases,
                downtime: window,
                measured_here: first.is_some(),
            },
        ));
        Ok(())
    }

    /// The timeline as a table, whatever the outcome.
    fn timeline(&mut self, out: &mut Report) {
        self.close();
        out.tables
            .push(timeline_table("In-place rollback: timeline", &self.phases));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            kind: Kind::Instance,
            app: "prod".to_owned(),
            temporary: "prod-rollback".to_owned(),
            replaced: None,
            run: "77".to_owned(),
        }
    }

    #[test]
    fn the_room_kept_is_what_a_swap_records() {
        let intent = intent_tags(&names(), Role::Original);
        assert_eq!(
            // and the MAC of `provenance-key`
            intent.len() + provenance::replaced_stamps(Utc::now(), "77").len() + 1,
            SWAP_TAGS
        );
    }

    // Regression: AddTagsToResource of the swap's tags was refused by AWS
    // on an app DB with more than 42 tags, after the restore had run (41
    // since the MAC of `provenance-key` is counted too).
    #[test]
    fn an_app_db_without_room_for_the_swap_tags_is_refused_up_front() {
        let full = |n: usize| -> Vec<Tag> {
            (0..n)
                .map(|i| model::tag(&format!("cost-{i}"), "1"))
                .collect()
        };
        let arn = "arn:aws:rds:us-east-1:1:db:prod";
        assert!(check_tag_room(&names(), "prod", arn, &full(41)).is_ok());
        let error = check_tag_room(&names(), "prod", arn, &full(42))
            .unwrap_err()
            .to_string();
        assert!(error.contains("has 42 tags"), "{error}");
        assert!(error.contains("Remove 1 of its tags"), "{error}");
        assert!(error.contains(arn), "{error}");
        // A re-run's tags overwrite themselves: only new keys count.
        let mut again = full(41);
        again.extend(intent_tags(&names(), Role::Original));
        assert!(check_tag_room(&names(), "prod", arn, &again).is_ok());
    }
}
