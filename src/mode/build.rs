//! A new DB built like the one it replaces, shared by `restore` and `pitr`
//! for instances and Aurora clusters alike: plan its settings from the
//! source and the inputs and check them before any mutating call
//! ([`build`]), create it or adopt this run's earlier attempt
//! ([`create`]), then wait, reconcile what no restore call takes, and
//! report the drift ([`finish`]).
//!
//! An Aurora restore makes a cluster without DB instances
//! (API_RestoreDBClusterFromSnapshot, API_RestoreDBClusterToPointInTime:
//! "This action only restores the DB cluster, not the DB instances"), which
//! no application can connect to. So a cluster is finished by creating its
//! writer and readers, mirroring the source's, and waiting for all of them.

use anyhow::{Context as _, bail};
use serde_json::json;
use tracing::info;

use super::{console_url, foreign_target};
use crate::config::{Target, Wait};
use crate::db::{self, Db};
use crate::github::{Report, Table, shown};
use crate::model::{DbRef, Kind, Tag};
use crate::naming;
use crate::rds::{Cluster, Instance, NewDb, Rds, RdsError};
use crate::settings::{self, Carry, Field, How, Restore, Value};
use crate::wait::{self, Observed, Operation, Seen};

/// A new DB built like its source: where its settings come from, the
/// instances a cluster gets, and every tag.
pub(crate) struct Build {
    pub kind: Kind,
    /// The new DB's identifier.
    pub id: String,
    /// The source DB, if it still exists.
    pub source: Option<Db>,
    pub carry: Carry,
    /// A cluster's DB instances, the writer first; empty for an instance.
    pub members: Vec<MemberBuild>,
    pub tags: Vec<Tag>,
}

/// One DB instance of a new cluster.
pub(crate) struct MemberBuild {
    pub id: String,
    /// The source instance it mirrors: the source's writer for the new
    /// writer, a reader for each reader.
    pub source: Option<Instance>,
    pub carry: Carry,
}

/// Plans a new DB's settings from its source and the inputs, and checks,
/// before any mutating call, that RDS can meet them: the carried groups
/// still exist, and the new DB lands in the source's VPC. `recorded_vpc` is
/// the VPC a snapshot records, for a source that is gone.
pub(crate) async fn build(
    rds: &Rds,
    target: &Target,
    source: Option<Db>,
    restore: Restore,
    recorded_vpc: Option<&str>,
    out: &mut Report,
) -> anyhow::Result<Build> {
    let fields = settings::fields(target.kind);
    let carry = settings::plan(
        fields,
        source.as_ref().map(Db::settings),
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
    // The engines' `default.*` groups are AWS's own and always there.
    if let Some(group) = text(settings::DB_CLUSTER_PARAMETER_GROUP)
        && !group.starts_with("default.")
        && !rds.cluster_parameter_group_exists(group).await?
    {
        bail!(
            "{} DB cluster parameter group `{group}`, which does not exist in {}; nothing was changed. Set input `db-cluster-parameter-group-name` to an existing group (or `carry-settings: false` for the engine's default)",
            how(settings::DB_CLUSTER_PARAMETER_GROUP),
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
    // Without a subnet group the new DB goes to the `default` one
    // (USER_RestoreFromSnapshot, "Security group considerations"; the same
    // for a cluster restore, API_RestoreDBClusterFromSnapshot).
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
    let home = source.as_ref().and_then(Db::vpc_id).or(recorded_vpc);
    if let (Some(home), Some(landing)) = (home, landing.as_deref())
        && home != landing
    {
        bail!(
            "the new {} would land in VPC `{landing}` (DB subnet group `{}`), but its source is in VPC `{home}`, where the application reaches it; nothing was changed. Set input `db-subnet-group-name` to a DB subnet group in `{home}`",
            target.kind.noun(),
            group.unwrap_or("default")
        );
    }
    if source.is_none() && target.carry {
        let not_carried: Vec<&str> = fields
            .iter()
            .chain(if target.kind == Kind::Cluster {
                settings::MEMBER_FIELDS
            } else {
                &[]
            })
            .filter(|field| !target.inputs.contains_key(field.name))
            .filter_map(|field| field.input)
            .collect();
        out.warn(format!(
            "the source {} no longer exists, so its settings cannot be carried over: the new one gets RDS's defaults (the default DB subnet group and security group{}, the engine's default parameter groups, no monitoring or Performance Insights). Set {} to match production{}",
            target.kind.noun(),
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
            .tags()
            .iter()
            .filter(|tag| !tag.key.starts_with(naming::tag::PREFIX))
            .cloned()
            .collect();
        let (merged, left_out) = settings::merge_tags(&tags, &theirs);
        if !left_out.is_empty() {
            out.warn(format!(
                "RDS allows {} tags on a {}, so these tags of `{}` were not copied: {}",
                settings::MAX_TAGS,
                target.kind.noun(),
                source.id(),
                left_out.join(", ")
            ));
        }
        tags = merged;
    }
    let members = match (target.kind, &source) {
        (Kind::Cluster, Some(Db::Cluster(cluster))) => members(rds, target, Some(cluster)).await?,
        (Kind::Cluster, _) => members(rds, target, None).await?,
        (Kind::Instance, _) => Vec::new(),
    };
    Ok(Build {
        kind: target.kind,
        id: target.id.clone(),
        source,
        carry,
        members,
        tags,
    })
}

/// Plans a new cluster's instances: a writer like the source's writer, and
/// readers like its readers (`reader-count` of them, else as many as the
/// source has; beyond the source's, the last one is mirrored again).
async fn members(
    rds: &Rds,
    target: &Target,
    source: Option<&Cluster>,
) -> anyhow::Result<Vec<MemberBuild>> {
    let instances = match source {
        Some(cluster) => rds.cluster_instances(&cluster.id).await?,
        None => Vec::new(),
    };
    let described = |id: &str| instances.iter().find(|instance| instance.id == id).cloned();
    let writer = source.and_then(Cluster::writer).and_then(&described);
    let readers: Vec<Instance> = source
        .map(|cluster| {
            cluster
                .members
                .iter()
                .filter(|member| !member.writer)
                .filter_map(|member| described(&member.id))
                .collect()
        })
        .unwrap_or_default();
    let count = 1 + target.readers.map_or(readers.len(), |n| n as usize);
    let mut planned = Vec::with_capacity(count);
    for n in 0..count {
        let mirror = if n == 0 {
            writer.clone()
        } else {
            readers
                .get(n - 1)
                .or(readers.last())
                .or(writer.as_ref())
                .cloned()
        };
        let mut carry = settings::plan(
            settings::MEMBER_FIELDS,
            mirror.as_ref().map(|instance| &instance.settings),
            &target.inputs,
            target.carry,
            Restore::FromSnapshot,
        );
        // CreateDBInstance requires a class, which RDS has no default for:
        // with `carry-settings: false` the mirrored instance's is used, as
        // an instance restore keeps its snapshot's.
        if !carry.call.contains_key(settings::DB_INSTANCE_CLASS) {
            match mirror
                .as_ref()
                .and_then(|instance| instance.settings.get(settings::DB_INSTANCE_CLASS))
            {
                Some(class) => {
                    carry
                        .call
                        .insert(settings::DB_INSTANCE_CLASS, class.clone());
                    carry
                        .how
                        .insert(settings::DB_INSTANCE_CLASS, How::RestoreCall);
                }
                None => bail!(
                    "the new cluster `{}` needs DB instances to serve, and there is no source instance to take their class from; nothing was changed. Set input `db-instance-class` (for example `db.r6g.large`, or `db.serverless` for Aurora Serverless v2)",
                    target.id
                ),
            }
        }
        if let Some(Value::Text(group)) = carry.call.get(settings::DB_PARAMETER_GROUP)
            && !group.starts_with("default.")
            && !rds.parameter_group_exists(group).await?
        {
            bail!(
                "the new cluster's instance would get DB parameter group `{group}`, which does not exist in {}; nothing was changed. Set input `db-parameter-group-name` to an existing group",
                rds.region()
            );
        }
        planned.push(MemberBuild {
            id: naming::member_id(&target.id, n + 1),
            source: mirror,
            carry,
        });
    }
    Ok(planned)
}

/// Creates the target DB with `create`, or, where an attempt running at the
/// same time created it first, adopts it if `adoptable` says so. Then
/// finishes it like any new DB.
pub(crate) async fn create<F>(
    rds: &Rds,
    build: &Build,
    wait: Wait,
    out: &mut Report,
    wanted: &str,
    adoptable: impl Fn(&Db) -> bool,
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
            if !adoptable(&existing) {
                return Err(foreign_target(&existing, wanted));
            }
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
    finish(rds, created, build, wait, out).await
}

/// Waits for a new DB (unless `wait: false`), brings the settings no
/// restore call takes in line with its source, creates a cluster's
/// instances, and sets the outputs and the drift report.
pub(crate) async fn finish(
    rds: &Rds,
    db: Db,
    build: &Build,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<Db> {
    match db {
        Db::Instance(instance) => Ok(Db::Instance(
            finish_instance(rds, instance, build, wait, out).await?,
        )),
        Db::Cluster(cluster) => Ok(Db::Cluster(
            finish_cluster(rds, cluster, build, wait, out).await?,
        )),
    }
}

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
        let restore = Operation::Restore(wait::Kind::Instance);
        let available = until_instance_available(rds, &instance.id, restore, wait).await?;
        match reconcile(rds, Db::Instance(available), build, wait, out).await? {
            Db::Instance(instance) => instance,
            Db::Cluster(_) => unreachable!("an instance stays an instance"),
        }
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
    usable_note(&instance.status, out);
    out.set("endpoint", instance.endpoint.clone().unwrap_or_default());
    out.set("port", port(instance.port));
    let source = match &build.source {
        Some(Db::Instance(source)) => Some(&source.settings),
        _ => None,
    };
    let mut rows = Vec::new();
    settings_table(
        &mut rows,
        SettingsOf {
            id: &instance.id,
            fields: settings::FIELDS,
            source,
            restored: &instance.settings,
            carry: &build.carry,
        },
        network(
            build.source.as_ref().and_then(Db::vpc_id),
            instance.vpc_id.as_deref(),
        ),
        out,
    );
    out.set_json("settings", serde_json::Value::Array(rows));
    Ok(instance)
}

async fn finish_cluster(
    rds: &Rds,
    cluster: Cluster,
    build: &Build,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<Cluster> {
    out.set("db-cluster-identifier", cluster.id.clone());
    out.set("status", cluster.status.clone());
    if !wait.enabled {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(&cluster.status)
        );
        out.warn(format!(
            "with `wait: false` the DB instances of cluster `{}` were not created (they can be added only once the cluster is available), so it cannot serve connections yet; re-run this step with `wait: true`, which adopts the cluster and creates them",
            cluster.id
        ));
        out.set_json("db-instance-identifiers", json!([]));
        return Ok(cluster);
    }
    let restore = Operation::Restore(wait::Kind::Cluster);
    let available = until_cluster_available(rds, &cluster.id, restore, wait).await?;
    let Db::Cluster(available) = reconcile(rds, Db::Cluster(available), build, wait, out).await?
    else {
        unreachable!("a cluster stays a cluster");
    };
    create_members(rds, &available, build).await?;
    let serving = until_serving(rds, &available.id, build, wait).await?;
    let mut cluster = serving.cluster;
    cluster.vpc_id = available.vpc_id.clone();
    if cluster.vpc_id.is_none()
        && let Some(group) = &cluster.subnet_group
    {
        cluster.vpc_id = rds.subnet_group_vpc(group).await?;
    }
    out.set("status", cluster.status.clone());
    usable_note(&cluster.status, out);
    out.set("endpoint", cluster.endpoint.clone().unwrap_or_default());
    out.set(
        "reader-endpoint",
        cluster.reader_endpoint.clone().unwrap_or_default(),
    );
    out.set("port", port(cluster.port));
    let ids: Vec<&str> = cluster.members.iter().map(|m| m.id.as_str()).collect();
    out.set_json("db-instance-identifiers", json!(ids));

    let source = match &build.source {
        Some(Db::Cluster(source)) => Some(source),
        _ => None,
    };
    let mut rows = Vec::new();
    settings_table(
        &mut rows,
        SettingsOf {
            id: &cluster.id,
            fields: settings::CLUSTER_FIELDS,
            source: source.map(|source| &source.settings),
            restored: &cluster.settings,
            carry: &build.carry,
        },
        network(
            source.and_then(|s| s.vpc_id.as_deref()),
            cluster.vpc_id.as_deref(),
        ),
        out,
    );
    for member in &build.members {
        let Some(instance) = serving.instances.iter().find(|i| i.id == member.id) else {
            continue;
        };
        let role = if cluster.writer() == Some(instance.id.as_str()) {
            "writer"
        } else {
            "reader"
        };
        let mirrors = member.source.as_ref().map_or_else(
            || "no source instance".to_owned(),
            |source| format!("like `{}`", source.id),
        );
        settings_table(
            &mut rows,
            SettingsOf {
                id: &instance.id,
                fields: settings::MEMBER_FIELDS,
                source: member.source.as_ref().map(|source| &source.settings),
                restored: &instance.settings,
                carry: &member.carry,
            },
            format!("{role}, {mirrors}"),
            out,
        );
    }
    out.set_json("settings", serde_json::Value::Array(rows));
    Ok(cluster)
}

fn port(port: Option<i32>) -> String {
    port.map(|port| port.to_string()).unwrap_or_default()
}

fn usable_note(status: &str, out: &mut Report) {
    if wait::USABLE_STATES.contains(&status) {
        out.note(
            "status",
            format!(
                "`{status}`: usable now; RDS is finishing storage work in the background, and the DB serves connections meanwhile"
            ),
        );
    }
}

/// Waits for an instance after `operation` (a restore, or a modify).
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

/// Waits for a cluster after `operation` (a restore, or a modify).
async fn until_cluster_available(
    rds: &Rds,
    id: &str,
    operation: Operation,
    wait: Wait,
) -> anyhow::Result<Cluster> {
    let what = format!("DB cluster `{id}`");
    wait::until_available(&what, operation, wait.timeout, || rds.cluster(id))
        .await
        .with_context(|| format!("waiting for DB cluster `{id}`"))
}

/// The diff-only reconcile: one ModifyDBInstance (or ModifyDBCluster)
/// with just the settings that differ from what was planned, and none when
/// nothing does, so a re-run changes nothing.
async fn reconcile(
    rds: &Rds,
    db: Db,
    build: &Build,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<Db> {
    let changes = settings::difference(&build.carry.after, db.settings());
    if changes.is_empty() {
        return Ok(db);
    }
    let names = changes.keys().copied().collect::<Vec<_>>().join(", ");
    let what = format!("{} `{}`", db.kind().noun(), db.id());
    info!("applying what no restore call can set to {what}, with one modify call: {names}");
    match db::modify(rds, &db.reference(), &changes).await {
        Ok(()) => {}
        // The SDK retried a call whose first try went through (the answer
        // was lost): it is already `modifying`, with our change.
        Err(RdsError::InvalidState { .. }) => info!(
            "{what} is already being modified (an earlier try of this call went through); waiting for it"
        ),
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "applying {names} to {what} (it is restored and available; re-run this step to try again, or set them by hand)"
                )
            });
        }
    }
    let refreshed = match &db {
        Db::Instance(instance) => {
            let modify = Operation::Modify(wait::Kind::Instance);
            Db::Instance(until_instance_available(rds, &instance.id, modify, wait).await?)
        }
        Db::Cluster(cluster) => {
            let modify = Operation::Modify(wait::Kind::Cluster);
            let mut refreshed = until_cluster_available(rds, &cluster.id, modify, wait).await?;
            refreshed.vpc_id.clone_from(&cluster.vpc_id);
            Db::Cluster(refreshed)
        }
    };
    still_old(
        &build.carry.after,
        refreshed.settings(),
        refreshed.id(),
        out,
    );
    Ok(refreshed)
}

fn still_old(wanted: &settings::Settings, now: &settings::Settings, id: &str, out: &mut Report) {
    let left = settings::difference(wanted, now);
    if !left.is_empty() {
        out.warn(format!(
            "`{id}` still shows the old value of {} after the modify; RDS may still be applying it. Check it in the console, or re-run this step",
            left.keys().copied().collect::<Vec<_>>().join(", ")
        ));
    }
}

/// Adds the planned DB instances the cluster does not have yet, the writer
/// first (the first instance of a cluster is its writer), and adopts those
/// an earlier attempt created.
async fn create_members(rds: &Rds, cluster: &Cluster, build: &Build) -> anyhow::Result<()> {
    let present = rds.cluster_instances(&cluster.id).await?;
    for (n, member) in build.members.iter().enumerate() {
        let role = if n == 0 { "writer" } else { "reader" };
        if present.iter().any(|instance| instance.id == member.id) {
            info!(
                "DB instance `{}` ({role}) is already in cluster `{}` from an earlier attempt of this run; adopting it",
                member.id, cluster.id
            );
            continue;
        }
        let new = NewDb {
            id: &member.id,
            settings: &member.carry.call,
            tags: &build.tags,
        };
        info!(
            "creating DB instance `{}` ({role}{}) in cluster `{}`",
            member.id,
            member
                .source
                .as_ref()
                .map(|source| format!(", like `{}`", source.id))
                .unwrap_or_default(),
            cluster.id
        );
        match rds
            .create_cluster_instance(&cluster.id, &cluster.engine, &new)
            .await
        {
            Ok(_) => {}
            Err(RdsError::AlreadyExists { .. }) => {
                let existing = rds.existing_instance(&member.id).await?;
                if existing.cluster_id.as_deref() != Some(cluster.id.as_str()) {
                    bail!(
                        "DB instance `{}` already exists{}, so cluster `{}` cannot get an instance by that name; nothing of it was changed. Rename or delete that instance, or pick another `target-db-cluster-identifier`",
                        member.id,
                        existing
                            .cluster_id
                            .map(|other| format!(" in cluster `{other}`"))
                            .unwrap_or_default(),
                        cluster.id
                    );
                }
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "creating DB instance `{}` in cluster `{}` (the cluster is restored; re-run this step to create the instances it still lacks)",
                        member.id, cluster.id
                    )
                });
            }
        }
    }
    Ok(())
}

/// A look at a cluster and its instances together: the cluster serves once
/// it and every planned instance are available.
struct Serving {
    cluster: Cluster,
    instances: Vec<Instance>,
    expected: Vec<String>,
}

impl Serving {
    /// Each of the cluster and its planned instances with its state; an
    /// instance not listed yet shows as `not listed`.
    fn states(&self) -> Vec<(wait::Kind, String, String)> {
        let mut states = vec![(
            wait::Kind::Cluster,
            format!("DB cluster `{}`", self.cluster.id),
            self.cluster.status.clone(),
        )];
        for id in &self.expected {
            let status = self
                .instances
                .iter()
                .find(|instance| &instance.id == id)
                .map_or_else(|| "not listed".to_owned(), |i| i.status.clone());
            states.push((wait::Kind::Instance, format!("DB instance `{id}`"), status));
        }
        states
    }

    /// The first of them in a state it never leaves by itself.
    fn failed(&self) -> Option<String> {
        self.states().into_iter().find_map(|(kind, what, status)| {
            let seen = Seen {
                status,
                percent: None,
            };
            match wait::verdict(kind, Some(&seen), false) {
                wait::Verdict::Failed(reason) => Some(format!("{what}: {reason}")),
                _ => None,
            }
        })
    }
}

impl Observed for Serving {
    fn seen(&self) -> Seen {
        if self.failed().is_some() {
            return Seen {
                status: "failed".to_owned(),
                percent: None,
            };
        }
        let waiting: Vec<String> = self
            .states()
            .into_iter()
            .filter(|(kind, _, status)| {
                wait::verdict(
                    *kind,
                    Some(&Seen {
                        status: status.clone(),
                        percent: None,
                    }),
                    false,
                ) != wait::Verdict::Available
            })
            .map(|(_, what, status)| format!("{what} {status}"))
            .collect();
        Seen {
            status: if waiting.is_empty() {
                "available".to_owned()
            } else {
                waiting.join(", ")
            },
            percent: None,
        }
    }
}

/// Waits until the cluster and every planned instance are available, and
/// fails at once, naming it, when any of them reaches a terminal state.
async fn until_serving(rds: &Rds, id: &str, build: &Build, wait: Wait) -> anyhow::Result<Serving> {
    let expected: Vec<String> = build.members.iter().map(|m| m.id.clone()).collect();
    let planned = &expected;
    let look = move || async move {
        let Some(cluster) = rds.cluster(id).await? else {
            return Ok::<_, RdsError>(None);
        };
        let instances = rds.cluster_instances(id).await?;
        Ok(Some(Serving {
            cluster,
            instances,
            expected: planned.clone(),
        }))
    };
    let what = format!(
        "DB cluster `{id}` and its instances {}",
        expected
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The instances are what is left to wait for once the cluster is up.
    let operation = Operation::Restore(wait::Kind::Instance);
    match wait::until_available(&what, operation, wait.timeout, look).await {
        Ok(serving) => Ok(serving),
        Err(wait::WaitError::Failed { .. }) => {
            let which = match look().await {
                Ok(Some(serving)) => serving.failed(),
                _ => None,
            };
            bail!(
                "{what} did not become available: {}. Nothing was deleted; look at it in the console, fix the cause, and re-run this step, which adopts what exists and creates what is missing",
                which.unwrap_or_else(|| "the cluster no longer exists".to_owned())
            )
        }
        Err(error) => Err(error).with_context(|| format!("waiting for {what}")),
    }
}

/// What one drift table compares.
struct SettingsOf<'a> {
    id: &'a str,
    fields: &'a [Field],
    source: Option<&'a settings::Settings>,
    restored: &'a settings::Settings,
    carry: &'a Carry,
}

/// One drift table in the job summary, and its rows (each naming its DB)
/// added to the `settings` output.
fn settings_table(
    json_rows: &mut Vec<serde_json::Value>,
    of: SettingsOf<'_>,
    context: String,
    out: &mut Report,
) {
    let rows = settings::drift(of.fields, of.source, of.restored, of.carry);
    if let serde_json::Value::Array(items) = settings::drift_json(&rows) {
        for mut item in items {
            if let Some(object) = item.as_object_mut() {
                object.insert("db".to_owned(), json!(of.id));
            }
            json_rows.push(item);
        }
    }
    let drifted = rows.iter().filter(|row| row.drifted()).count();
    out.tables.push(Table {
        title: format!(
            "Settings of `{}` ({context}; {drifted} differ from the source)",
            of.id
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

/// Where the new DB landed, next to its source, for a drift table's title.
fn network(home: Option<&str>, landed: Option<&str>) -> String {
    match (home, landed) {
        (Some(home), Some(landed)) if home == landed => {
            format!("in the source's VPC `{landed}`")
        }
        (Some(home), Some(landed)) => {
            format!("in VPC `{landed}`, NOT the source's VPC `{home}`")
        }
        (None, Some(landed)) => format!("in VPC `{landed}`"),
        _ => "VPC unknown".to_owned(),
    }
}
