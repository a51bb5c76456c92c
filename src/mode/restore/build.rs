//! A new DB built like the one it replaces, for instances and Aurora
//! clusters alike: its settings planned from the source and the inputs,
//! and checked before any mutating call ([`build`]); a cluster's instances
//! planned like the source's ([`members`]).

use std::collections::BTreeMap;

use anyhow::bail;
use chrono::{DateTime, Utc};
use tracing::info;

use crate::config::Target;
use crate::db::{self, Db};
use crate::fit::{self, Facts};
use crate::github::Report;
use crate::model::{self, Kind, Tag};
use crate::naming;
use crate::provenance::{self, SnapshotClaim, recorded};
use crate::rds::{Cluster, Instance, Rds, RdsError, Snapshot};
use crate::settings::{self, Carry, How, Restore, Settings, Value};

/// The DB as a snapshot holds it: the engine version a restore brings
/// back, and the settings it had then.
#[derive(Debug, Clone)]
pub(crate) struct AtSnapshot {
    pub engine: String,
    pub version: String,
    /// The settings recorded on the snapshot; for one this action did not
    /// make, what the snapshot itself says (its option group).
    pub settings: Option<Settings>,
    /// Whether `settings` were recorded by this action's `snapshot`.
    pub recorded: bool,
    /// For a cluster, its writer's settings as recorded.
    pub members: Option<Settings>,
}

impl AtSnapshot {
    /// What `snapshot` says of its DB; `None` if it does not say its engine
    /// version, which nothing can be checked against.
    pub fn of(snapshot: &Snapshot, out: &mut Report) -> Option<AtSnapshot> {
        let engine = snapshot.engine.clone()?;
        let version = snapshot.engine_version.clone()?;
        let mut members = None;
        let (settings, recorded) = match recorded::decode(&snapshot.tags) {
            Ok(Some(record)) => {
                members = (!record.members.is_empty()).then_some(record.members);
                (Some(record.settings), true)
            }
            unread => {
                if let Err(why) = unread {
                    out.warn(format!(
                        "the settings recorded on snapshot `{}` cannot be read ({why}); the rollback is judged by the snapshot's own fields and the source's settings instead",
                        snapshot.id
                    ));
                }
                let own: Settings = snapshot
                    .option_group
                    .iter()
                    .map(|group| (settings::OPTION_GROUP, Value::Text(group.clone())))
                    .collect();
                ((!own.is_empty()).then_some(own), false)
            }
        };
        Some(AtSnapshot {
            engine,
            version,
            settings,
            recorded,
            members,
        })
    }

    /// The DB `source` as of `time`, for a point-in-time restore: the
    /// settings recorded on the newest of this action's snapshots of it
    /// taken at or before that time. Without one, its settings of today,
    /// checked against its engine version of today (so an input that does
    /// not fit is refused before any change).
    pub async fn as_of(
        rds: &Rds,
        source: &Db,
        time: DateTime<Utc>,
    ) -> anyhow::Result<Option<AtSnapshot>> {
        let snapshots = db::snapshots_of(rds, &source.reference()).await?;
        let newest = snapshots
            .iter()
            .filter(|snapshot| {
                provenance::snapshot(snapshot, SnapshotClaim::Of { db: source.id() }).is_ok()
            })
            .filter(|snapshot| snapshot.created.is_some_and(|created| created <= time))
            .filter_map(|snapshot| match recorded::decode(&snapshot.tags) {
                Ok(Some(record)) => Some((snapshot, record)),
                _ => None,
            })
            .max_by_key(|(snapshot, _)| snapshot.created);
        let Some((snapshot, record)) = newest else {
            return Ok(source.engine_version().map(|version| AtSnapshot {
                engine: source.engine().to_owned(),
                version: version.to_owned(),
                settings: None,
                recorded: false,
                members: None,
            }));
        };
        let Some(version) = record
            .engine_version
            .or_else(|| source.engine_version().map(str::to_owned))
        else {
            return Ok(None);
        };
        info!(
            "the settings of `{}` as of {} are those recorded on snapshot `{}` (engine {version})",
            source.id(),
            model::rfc3339(time),
            snapshot.id
        );
        Ok(Some(AtSnapshot {
            engine: source.engine().to_owned(),
            version,
            settings: Some(record.settings),
            recorded: true,
            members: (!record.members.is_empty()).then_some(record.members),
        }))
    }
}

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
    /// What changed since the snapshot, for the summary.
    pub since: Option<String>,
    /// The engine version the restore goes back to, and the source's now,
    /// where they differ.
    pub engine_back: Option<(String, String)>,
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
/// the VPC a snapshot records, for a source that is gone. With `at` (the DB
/// as the snapshot, or the time restored to, holds it) the settings of that
/// time come first, and each group and class is checked against its engine
/// version ([`fit::choose`]), falling back where it does not fit.
pub(crate) async fn build(
    rds: &Rds,
    target: &Target,
    source: Option<Db>,
    restore: Restore,
    recorded_vpc: Option<&str>,
    at: Option<&AtSnapshot>,
    out: &mut Report,
) -> anyhow::Result<Build> {
    let fields = settings::fields(target.kind);
    let current = source.as_ref().map(Db::settings);
    let mut fitted = None;
    let mut since = None;
    let mut engine_back = None;
    let mut looked = None;
    if let Some(at) = at {
        let facts = looked.insert(
            facts(
                rds,
                target.kind,
                at,
                &[at.settings.as_ref(), current, Some(&target.inputs)],
            )
            .await?,
        );
        if let Some(error) = fit::input_misfit(&target.inputs, fields, facts) {
            bail!(error);
        }
        let first = if target.carry {
            at.settings.as_ref()
        } else {
            None
        };
        let (basis, fallbacks) = fit::choose(first, current, facts);
        let label = if at.recorded {
            "as at the snapshot"
        } else {
            "the source's; the snapshot records no settings"
        };
        if target.carry {
            for fallback in &fallbacks {
                if !target.inputs.contains_key(fallback.setting) {
                    out.warn(fallback.warning(label));
                }
            }
        }
        let now_version = source.as_ref().and_then(Db::engine_version);
        if let Some(now) = now_version
            && now != at.version
        {
            engine_back = Some((at.version.clone(), now.to_owned()));
        }
        if let (Some(then), Some(now)) = (at.settings.as_ref(), current) {
            since = fit::since((Some(&at.version), now_version), then, now, &basis);
        } else if let Some(now) = now_version.filter(|now| *now != at.version) {
            since = Some(format!("engine {} → {now} since this snapshot", at.version));
        }
        if at.settings.is_some() || current.is_some() {
            fitted = Some((basis, fallbacks));
        }
    }
    let basis = fitted.as_ref().map(|(basis, _)| basis).or(current);
    let mut carry = settings::plan(fields, basis, &target.inputs, target.carry, restore);
    if let (Some((_, fallbacks)), true) = (&fitted, target.carry) {
        for fallback in fallbacks {
            if target.inputs.contains_key(fallback.setting) {
                continue;
            }
            let used = match &fallback.used {
                Some(used) => format!("the source's current `{used}` is used"),
                None => "the engine's default is used".to_owned(),
            };
            carry.how.insert(
                fallback.setting,
                How::Fallback(format!("{}; {used}", fallback.why)),
            );
        }
        if let Some(at) = at.filter(|at| at.recorded)
            && let Some(then) = &at.settings
        {
            for (name, value) in then {
                if carry.how.get(name) == Some(&How::RestoreCall)
                    && carry.call.get(name) == Some(value)
                    && current.and_then(|now| now.get(name)) != Some(value)
                {
                    carry.how.insert(name, How::AtSnapshot);
                }
            }
        }
    }
    let how = |name: &str| match carry.how.get(name) {
        Some(How::Input(input)) => format!("input `{input}` names"),
        _ => "the source's".to_owned(),
    };
    let text = |name| match carry.call.get(name) {
        Some(Value::Text(value)) => Some(value.as_str()),
        _ => None,
    };
    let looked = looked.as_ref();
    if let Some(group) = text(settings::DB_PARAMETER_GROUP)
        && !exists(
            looked.map(|facts| &facts.parameter_groups),
            group,
            rds.parameter_group_exists(group),
        )
        .await?
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
        && !exists(
            looked.map(|facts| &facts.cluster_parameter_groups),
            group,
            rds.cluster_parameter_group_exists(group),
        )
        .await?
    {
        bail!(
            "{} DB cluster parameter group `{group}`, which does not exist in {}; nothing was changed. Set input `db-cluster-parameter-group-name` to an existing group (or `carry-settings: false` for the engine's default)",
            how(settings::DB_CLUSTER_PARAMETER_GROUP),
            rds.region()
        );
    }
    if let Some(group) = text(settings::OPTION_GROUP)
        && !group.starts_with("default:")
        && !exists(
            looked.map(|facts| &facts.option_groups),
            group,
            rds.option_group_exists(group),
        )
        .await?
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
    let is_cluster = target.kind == Kind::Cluster;
    if source.is_none() && basis.is_none() && target.carry {
        let not_carried: Vec<&str> = fields
            .iter()
            .chain(if is_cluster {
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
            .filter(|tag| !provenance::is_ours(tag))
            .cloned()
            .collect();
        // Room is left for the tags an in-place rollback records on the DB
        // it restores, and on it again once it is the app DB the next
        // rollback replaces: the source's tags are the ones to give way.
        let room = model::MAX_TAGS - super::in_place::SWAP_TAGS;
        let (merged, left_out) = model::merge_tags_within(&tags, &theirs, room);
        if !left_out.is_empty() {
            out.warn(format!(
                "RDS allows {} tags on a {}, and this action keeps {} of them for an in-place rollback's own, so these tags of `{}` were not copied: {}",
                model::MAX_TAGS,
                target.kind.noun(),
                super::in_place::SWAP_TAGS,
                source.id(),
                left_out.join(", ")
            ));
        }
        tags = merged;
    }
    // A cluster restore makes no instances; the build plans them.
    let members = if is_cluster {
        members(
            rds,
            target,
            source.as_ref().and_then(Db::as_cluster),
            at,
            out,
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(Build {
        kind: target.kind,
        id: target.id.clone(),
        source,
        carry,
        members,
        tags,
        since,
        engine_back,
    })
}

/// Whether a group exists: from what [`facts`] already read of it, else
/// asked with `ask` (a describe, sent only when awaited).
async fn exists<T>(
    looked: Option<&BTreeMap<String, Option<T>>>,
    group: &str,
    ask: impl Future<Output = Result<bool, RdsError>>,
) -> Result<bool, RdsError> {
    match looked.and_then(|looked| looked.get(group)) {
        Some(found) => Ok(found.is_some()),
        None => ask.await,
    }
}

/// What RDS says of the engine version `at` restores and of each group and
/// class a restore might use with it: every call a describe, before any
/// mutating one.
async fn facts(
    rds: &Rds,
    kind: Kind,
    at: &AtSnapshot,
    candidates: &[Option<&Settings>],
) -> anyhow::Result<Facts> {
    let wanted = fit::wanted(candidates);
    let mut facts = Facts {
        engine: at.engine.clone(),
        version: at.version.clone(),
        family: rds.engine_family(&at.engine, &at.version).await?,
        ..Facts::default()
    };
    for group in wanted.parameter_groups {
        let family = rds.parameter_group_family(&group).await?;
        facts.parameter_groups.insert(group, family);
    }
    for group in wanted.cluster_parameter_groups {
        let family = rds.cluster_parameter_group_family(&group).await?;
        facts.cluster_parameter_groups.insert(group, family);
    }
    for group in wanted.option_groups {
        let version = rds.option_group_version(&group).await?;
        facts.option_groups.insert(group, version);
    }
    // A cluster's class is its instances'.
    if kind == Kind::Instance {
        for class in wanted.classes {
            if let Some(offered) = rds.class_offered(&at.engine, &at.version, &class).await? {
                facts.classes.insert(class, offered);
            }
        }
    }
    Ok(facts)
}

/// Plans a new cluster's instances: a writer like the source's writer, and
/// readers like its readers (`reader-count` of them, else as many as the
/// source has; beyond the source's, the last one is mirrored again).
async fn members(
    rds: &Rds,
    target: &Target,
    source: Option<&Cluster>,
    at: Option<&AtSnapshot>,
    out: &mut Report,
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
        // Only what an instance of a cluster carries ([`settings::
        // MEMBER_FIELDS`]): its option group, say, is the cluster's, and is
        // neither judged nor reported here.
        let carried: Option<Settings> = mirror.as_ref().map(|instance| {
            instance
                .settings
                .iter()
                .filter(|(name, _)| settings::MEMBER_FIELDS.iter().any(|f| f.name == **name))
                .map(|(name, value)| (*name, value.clone()))
                .collect()
        });
        let current = carried.as_ref();
        // The instances' parameter groups and class are judged against the
        // restored version, as the cluster's are: the writer's at the
        // snapshot first, then the mirrored instance's of today.
        let mut looked = None;
        let fitted = match at {
            Some(at) => {
                // The writer's are recorded: a reader takes its parameter
                // group, and keeps its own class.
                let recorded = at.members.as_ref().filter(|_| target.carry).map(|writer| {
                    let mut first = writer.clone();
                    if n > 0 {
                        first.remove(settings::DB_INSTANCE_CLASS);
                    }
                    first
                });
                let first = recorded.as_ref();
                let facts = looked.insert(
                    facts(
                        rds,
                        Kind::Instance,
                        at,
                        &[first, current, Some(&target.inputs)],
                    )
                    .await?,
                );
                if let Some(error) =
                    fit::input_misfit(&target.inputs, settings::MEMBER_FIELDS, facts)
                {
                    bail!(error);
                }
                let (basis, fallbacks) = fit::choose(first, current, facts);
                if target.carry {
                    for fallback in fallbacks
                        .iter()
                        .filter(|f| !target.inputs.contains_key(f.setting))
                    {
                        out.warn(format!(
                            "the new cluster's instance `{}`: {}",
                            naming::member_id(&target.id, n + 1),
                            fallback.warning(if first.is_some() {
                                "as at the snapshot"
                            } else {
                                "the source instance's"
                            })
                        ));
                    }
                }
                Some((basis, fallbacks))
            }
            None => None,
        };
        let mut carry = settings::plan(
            settings::MEMBER_FIELDS,
            fitted.as_ref().map(|(basis, _)| basis).or(current),
            &target.inputs,
            target.carry,
            Restore::FromSnapshot,
        );
        if let (Some((_, fallbacks)), true) = (&fitted, target.carry) {
            for fallback in fallbacks
                .iter()
                .filter(|f| !target.inputs.contains_key(f.setting))
            {
                let used = match &fallback.used {
                    Some(used) => format!("the source instance's current `{used}` is used"),
                    None => "the engine's default is used".to_owned(),
                };
                carry.how.insert(
                    fallback.setting,
                    How::Fallback(format!("{}; {used}", fallback.why)),
                );
            }
        }
        // CreateDBInstance requires a class, which RDS has no default for:
        // with `carry-settings: false` the mirrored instance's is used, as
        // an instance restore keeps its snapshot's.
        if let Some(How::Fallback(why)) = carry.how.get(settings::DB_INSTANCE_CLASS) {
            bail!(
                "the new cluster `{}` needs DB instances, and no class known for them fits: {why}; nothing was changed. Set input `db-instance-class` to a class the snapshot's engine version is offered on",
                target.id
            );
        }
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
            && !exists(
                looked.as_ref().map(|facts: &Facts| &facts.parameter_groups),
                group,
                rds.parameter_group_exists(group),
            )
            .await?
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
