//! `plan: true`: the record of what a step would change. While an [`Rds`]
//! plans, each of its mutating calls is recorded here, with its parameters
//! as the API names them, instead of being sent, and answers what the call
//! would have answered (the resource in its first state); reads still go to
//! AWS, so every check the run makes is made against the real account.
//! Because the plan is taken in this one layer, the modes run the same code
//! path whether they plan or not, and the planned calls are the run's calls.
//!
//! What a planned call changes shows in the plan's later looks: a DB it
//! makes is read from here, and so is one that exists once a planned call
//! renames it, tags it or protects it (an in-place rollback looks at its
//! names after each step to decide the next).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::{Backtrack, Cluster, Instance, Member, NewDb, Rds, RdsError, Snapshot};
use crate::model::{Kind, RestoreTime, Tag, rfc3339};
use crate::settings::{Settings, Value as Setting};

/// One mutating call the run would make.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The RDS API action, e.g. `CreateDBSnapshot`.
    pub action: &'static str,
    /// The identifier (or ARN) of what it creates, changes or deletes.
    pub target: String,
    /// Its parameters as the API reference names them.
    pub parameters: Value,
}

/// One check the run makes, and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub check: String,
    pub result: String,
}

/// What a planning step recorded so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Planned {
    pub calls: Vec<Call>,
    pub checks: Vec<Check>,
    /// The identifiers of what the planned calls create or delete, so that a
    /// wait for one of them does not look for it in AWS.
    pub touched: BTreeSet<String>,
    /// The DB instances and clusters the planned calls make or change, as
    /// a look at them would show them once the run's wait for them ends: a
    /// planning step reads them from here, since AWS has never heard of
    /// them, or knows them only as they were before the change. A DB that
    /// exists is copied in at its first planned change (its tags, its
    /// deletion protection, its name).
    pub instances: BTreeMap<String, Instance>,
    pub clusters: BTreeMap<String, Cluster>,
    /// The names a planned rename took away from a DB that exists: a look
    /// at one finds nothing, as it would after the run's rename.
    pub gone: BTreeSet<(Kind, String)>,
    /// The Backtracks planned, by cluster, as completed.
    pub backtracks: BTreeMap<String, Vec<Backtrack>>,
    /// The account, as the ARNs read so far name it, for the ARNs of what
    /// the plan makes: an ARN's fifth field (ARN format, "Amazon Resource
    /// Names (ARNs)" in the IAM user guide).
    pub account: Option<String>,
}

impl Planned {
    /// The `plan` output: the calls in order, then the checks.
    pub fn to_json(&self) -> Value {
        let calls: Vec<Value> = self
            .calls
            .iter()
            .map(|call| json!({"action": call.action, "parameters": call.parameters}))
            .collect();
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|check| json!({"check": check.check, "result": check.result}))
            .collect();
        json!({"calls": calls, "checks": checks})
    }
}

/// Shared by an [`Rds`] and its copies in other regions, so one step's
/// calls land in one record, in the order they were made.
#[derive(Debug, Default)]
pub(super) struct Recorder(Mutex<Planned>);

impl Recorder {
    fn with<T>(&self, f: impl FnOnce(&mut Planned) -> T) -> T {
        // A panic while recording leaves a record that is still well formed.
        let mut planned = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut planned)
    }
}

pub(super) type Shared = Option<Arc<Recorder>>;

impl Rds {
    /// This client, planning: its mutating calls are recorded, not sent.
    pub fn planning(mut self) -> Self {
        self.plan = Some(Arc::default());
        self
    }

    /// Whether this client plans (`plan: true`).
    pub fn is_planning(&self) -> bool {
        self.plan.is_some()
    }

    /// What was planned so far; `None` when not planning.
    pub fn planned(&self) -> Option<Planned> {
        self.plan.as_ref().map(|plan| plan.with(|p| p.clone()))
    }

    /// Whether `id` is something a planned call creates or deletes: a wait
    /// for it would never see it change.
    pub fn is_planned(&self, id: &str) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|plan| plan.with(|p| p.touched.contains(id)))
    }

    /// Records a check the run makes and its result, for the plan. Does
    /// nothing when not planning: a run logs its findings as it goes.
    pub fn check(&self, check: impl Into<String>, result: impl Into<String>) {
        if let Some(plan) = &self.plan {
            let check = Check {
                check: check.into(),
                result: result.into(),
            };
            tracing::info!("plan: {}: {}", check.check, check.result);
            plan.with(|p| p.checks.push(check));
        }
    }

    /// When planning, records the call and returns `true`: the caller then
    /// answers for AWS instead of calling it.
    pub(super) fn plans(&self, action: &'static str, touched: &str, parameters: Value) -> bool {
        let Some(plan) = &self.plan else {
            return false;
        };
        tracing::info!("plan: would call {action} on `{touched}`");
        plan.with(|p| {
            p.calls.push(Call {
                action,
                target: touched.to_owned(),
                parameters,
            });
            p.touched.insert(touched.to_owned());
        });
        true
    }

    /// The ARN a resource created in this region would get, in the account
    /// the ARNs read so far name (every plan reads its source first); a
    /// placeholder if none was read.
    pub(super) fn planned_arn(&self, resource: &str, id: &str) -> String {
        let account = self
            .plan
            .as_ref()
            .and_then(|plan| plan.with(|p| p.account.clone()))
            .unwrap_or_else(|| "ACCOUNT".to_owned());
        format!("arn:aws:rds:{}:{account}:{resource}:{id}", self.region)
    }

    /// Notes the account of an ARN AWS answered with, while planning.
    pub(super) fn seen_arn(&self, arn: &str) {
        let Some(plan) = &self.plan else { return };
        let account = arn
            .split(':')
            .nth(4)
            .filter(|account| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
        if let Some(account) = account {
            plan.with(|p| {
                p.account.get_or_insert_with(|| account.to_owned());
            });
        }
    }

    /// What a look at DB instance `id` shows after the planned calls:
    /// `Some(None)` for a name a planned rename took away, `None` where
    /// the plan changed nothing of that name (AWS answers).
    pub(super) fn planned_instance_state(&self, id: &str) -> Option<Option<Instance>> {
        let plan = self.plan.as_ref()?;
        plan.with(|p| match p.instances.get(id) {
            Some(instance) => Some(Some(instance.clone())),
            None => p
                .gone
                .contains(&(Kind::Instance, id.to_owned()))
                .then_some(None),
        })
    }

    /// What a look at DB cluster `id` shows after the planned calls (see
    /// [`Rds::planned_instance_state`]).
    pub(super) fn planned_cluster_state(&self, id: &str) -> Option<Option<Cluster>> {
        let plan = self.plan.as_ref()?;
        plan.with(|p| match p.clusters.get(id) {
            Some(cluster) => Some(Some(cluster.clone())),
            None => p
                .gone
                .contains(&(Kind::Cluster, id.to_owned()))
                .then_some(None),
        })
    }

    /// A listing of every DB instance as it reads after the planned calls:
    /// what they renamed away is left out, what they made or changed is
    /// shown as the plan holds it.
    pub(super) fn planned_instances(&self, listed: Vec<Instance>) -> Vec<Instance> {
        self.planned_listing(
            listed,
            Kind::Instance,
            |i| (&i.id, &i.arn),
            |p| &p.instances,
        )
    }

    /// A listing of every DB cluster as it reads after the planned calls
    /// (see [`Rds::planned_instances`]).
    pub(super) fn planned_clusters(&self, listed: Vec<Cluster>) -> Vec<Cluster> {
        self.planned_listing(listed, Kind::Cluster, |c| (&c.id, &c.arn), |p| &p.clusters)
    }

    /// A listing of one kind of DB after the planned calls; its first ARN
    /// tells the plan the account.
    fn planned_listing<T: Clone>(
        &self,
        listed: Vec<T>,
        kind: Kind,
        names: impl Fn(&T) -> (&String, &String),
        held: impl Fn(&Planned) -> &BTreeMap<String, T>,
    ) -> Vec<T> {
        let Some(plan) = &self.plan else {
            return listed;
        };
        if let Some(first) = listed.first() {
            self.seen_arn(names(first).1);
        }
        plan.with(|p| {
            overlay(
                listed,
                |db| names(db).0,
                held(p),
                |id| p.gone.contains(&(kind, id.to_owned())),
            )
        })
    }

    /// Makes the plan hold the DB named `id`, so that a planned change to
    /// it shows in later looks: a DB the plan made is held already; one
    /// that exists is read from AWS as it is now (a cluster with its DB
    /// instances, which follow its rename). `false` when there is no such
    /// DB: the change is recorded, and the looks stay AWS's.
    async fn hold(&self, kind: Kind, id: &str) -> Result<bool, RdsError> {
        let Some(plan) = &self.plan else {
            return Ok(false);
        };
        match kind {
            Kind::Instance => self.hold_instance(id).await,
            Kind::Cluster => {
                if let Some(known) = self.planned_cluster_state(id) {
                    return Ok(known.is_some());
                }
                let Some(cluster) = self.cluster(id).await? else {
                    return Ok(false);
                };
                for member in &cluster.members {
                    self.hold_instance(&member.id).await?;
                }
                plan.with(|p| p.clusters.insert(id.to_owned(), cluster));
                Ok(true)
            }
        }
    }

    /// [`Rds::hold`] of a DB instance.
    async fn hold_instance(&self, id: &str) -> Result<bool, RdsError> {
        let Some(plan) = &self.plan else {
            return Ok(false);
        };
        if let Some(known) = self.planned_instance_state(id) {
            return Ok(known.is_some());
        }
        let Some(instance) = self.instance(id).await? else {
            return Ok(false);
        };
        plan.with(|p| p.instances.insert(id.to_owned(), instance));
        Ok(true)
    }

    /// A planned rename (ModifyDB... with NewDB...Identifier and
    /// ApplyImmediately): the DB answers to its new name at once, with the
    /// ARN that name gives it, and its old name to nothing. The run's
    /// rename takes a minute or two, which its looks wait out; a plan
    /// shows where they end.
    pub(super) async fn planned_rename(
        &self,
        kind: Kind,
        id: &str,
        new: &str,
    ) -> Result<(), RdsError> {
        if !self.hold(kind, id).await? {
            return Ok(());
        }
        let Some(plan) = &self.plan else {
            return Ok(());
        };
        let renamed = |arn: &str| match arn.rsplit_once(':') {
            Some((prefix, _)) => format!("{prefix}:{new}"),
            None => arn.to_owned(),
        };
        plan.with(|p| {
            match kind {
                Kind::Instance => {
                    if let Some(mut instance) = p.instances.remove(id) {
                        instance.id = new.to_owned();
                        instance.arn = renamed(&instance.arn);
                        p.instances.insert(new.to_owned(), instance);
                    }
                }
                Kind::Cluster => {
                    if let Some(mut cluster) = p.clusters.remove(id) {
                        cluster.id = new.to_owned();
                        cluster.arn = renamed(&cluster.arn);
                        p.clusters.insert(new.to_owned(), cluster);
                    }
                    // Its instances keep their names and follow the cluster.
                    for instance in p.instances.values_mut() {
                        if instance.cluster_id.as_deref() == Some(id) {
                            instance.cluster_id = Some(new.to_owned());
                        }
                    }
                }
            }
            p.gone.insert((kind, id.to_owned()));
            p.gone.remove(&(kind, new.to_owned()));
        });
        Ok(())
    }

    /// Planned deletion protection, on or off, on a DB the plan holds.
    pub(super) async fn planned_protect(
        &self,
        kind: Kind,
        id: &str,
        on: bool,
    ) -> Result<(), RdsError> {
        if !self.hold(kind, id).await? {
            return Ok(());
        }
        let Some(plan) = &self.plan else {
            return Ok(());
        };
        plan.with(|p| {
            let settings = match kind {
                Kind::Instance => p.instances.get_mut(id).map(|i| &mut i.settings),
                Kind::Cluster => p.clusters.get_mut(id).map(|c| &mut c.settings),
            };
            if let Some(settings) = settings {
                settings.insert(crate::settings::DELETION_PROTECTION, Setting::Flag(on));
            }
        });
        Ok(())
    }

    /// Planned tags added and removed on the DB instance or cluster with
    /// this ARN (in this region); other resources' tags are not read back
    /// from a plan.
    pub(super) async fn planned_tags(
        &self,
        arn: &str,
        add: &[Tag],
        remove: &[&str],
    ) -> Result<(), RdsError> {
        let Some(plan) = &self.plan else {
            return Ok(());
        };
        let held = plan.with(|p| {
            p.instances
                .values()
                .find(|i| i.arn == arn)
                .map(|i| (Kind::Instance, i.id.clone()))
                .or_else(|| {
                    p.clusters
                        .values()
                        .find(|c| c.arn == arn)
                        .map(|c| (Kind::Cluster, c.id.clone()))
                })
        });
        let Some((kind, id)) = held.or_else(|| self.db_of_arn(arn)) else {
            return Ok(());
        };
        if !self.hold(kind, &id).await? {
            return Ok(());
        }
        let change = |tags: &mut Vec<Tag>| {
            tags.retain(|tag| !remove.contains(&tag.key.as_str()));
            for tag in add {
                match tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(had) => had.value.clone_from(&tag.value),
                    None => tags.push(tag.clone()),
                }
            }
        };
        plan.with(|p| match kind {
            Kind::Instance => p.instances.get_mut(&id).map(|i| change(&mut i.tags)),
            Kind::Cluster => p.clusters.get_mut(&id).map(|c| change(&mut c.tags)),
        });
        Ok(())
    }

    /// The DB instance or cluster an ARN of this region names
    /// (`arn:<partition>:rds:<region>:<account>:db:<id>`, `...:cluster:<id>`).
    fn db_of_arn(&self, arn: &str) -> Option<(Kind, String)> {
        let parts: Vec<&str> = arn.splitn(7, ':').collect();
        let [_, _, "rds", region, _, resource, id] = parts.as_slice() else {
            return None;
        };
        if *region != self.region {
            return None;
        }
        let kind = match *resource {
            "db" => Kind::Instance,
            "cluster" => Kind::Cluster,
            _ => return None,
        };
        Some((kind, (*id).to_owned()))
    }

    /// The planned DB instances of a planned cluster; `None` for a cluster
    /// that exists.
    pub(super) fn planned_members(&self, cluster: &str) -> Option<Vec<Instance>> {
        let plan = self.plan.as_ref()?;
        plan.with(|p| {
            p.clusters.contains_key(cluster).then(|| {
                p.instances
                    .values()
                    .filter(|i| i.cluster_id.as_deref() == Some(cluster))
                    .cloned()
                    .collect()
            })
        })
    }

    /// A new DB instance as its restore (or create) call answers: `creating`,
    /// with the settings and tags asked for. It is kept `available`, for
    /// what a later look would see.
    pub(super) fn planned_new_instance(&self, new: &NewDb<'_>, cluster: Option<&str>) -> Instance {
        let instance = Instance {
            id: new.id.to_owned(),
            arn: self.planned_arn("db", new.id),
            status: "creating".to_owned(),
            tags: new.tags.to_vec(),
            settings: new.settings.clone(),
            cluster_id: cluster.map(str::to_owned),
            ..Instance::default()
        };
        if let Some(plan) = &self.plan {
            plan.with(|p| {
                if let Some(cluster) = cluster.and_then(|id| p.clusters.get_mut(id)) {
                    let writer = cluster.members.is_empty();
                    cluster.members.push(Member {
                        id: new.id.to_owned(),
                        writer,
                    });
                }
                let mut kept = instance.clone();
                kept.status = "available".to_owned();
                p.instances.insert(new.id.to_owned(), kept);
            });
        }
        instance
    }

    /// A new DB cluster as its restore call answers (see
    /// [`Rds::planned_new_instance`]).
    pub(super) fn planned_new_cluster(&self, new: &NewDb<'_>, engine: &str) -> Cluster {
        let cluster = Cluster {
            id: new.id.to_owned(),
            arn: self.planned_arn("cluster", new.id),
            status: "creating".to_owned(),
            engine: engine.to_owned(),
            tags: new.tags.to_vec(),
            settings: new.settings.clone(),
            subnet_group: match new.settings.get(crate::settings::DB_SUBNET_GROUP) {
                Some(Setting::Text(name)) => Some(name.clone()),
                _ => None,
            },
            ..Cluster::default()
        };
        if let Some(plan) = &self.plan {
            let mut kept = cluster.clone();
            kept.status = "available".to_owned();
            plan.with(|p| p.clusters.insert(new.id.to_owned(), kept));
        }
        cluster
    }

    /// A planned modify: a DB this plan makes takes the changes at once;
    /// one that exists is answered as it is (a modify's answer shows the
    /// DB as it was).
    pub(super) fn planned_modify(&self, kind: Kind, id: &str, changes: &Settings) {
        if let Some(plan) = &self.plan {
            plan.with(|p| {
                let settings = match kind {
                    Kind::Instance => p.instances.get_mut(id).map(|i| &mut i.settings),
                    Kind::Cluster => p.clusters.get_mut(id).map(|c| &mut c.settings),
                };
                if let Some(settings) = settings {
                    settings.extend(changes.iter().map(|(k, v)| (*k, v.clone())));
                }
            });
        }
    }

    /// A planned Backtrack as BacktrackDBCluster answers it (`pending`);
    /// it is kept `completed`, as the run's wait would leave it.
    pub(super) fn planned_backtrack(
        &self,
        cluster: &str,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Backtrack {
        let backtrack = Backtrack {
            id: "(given by AWS)".to_owned(),
            status: "pending".to_owned(),
            to: Some(to),
            from: None,
            requested: Some(chrono::Utc::now()),
        };
        if let Some(plan) = &self.plan {
            let mut kept = backtrack.clone();
            kept.status = "completed".to_owned();
            plan.with(|p| {
                p.backtracks
                    .entry(cluster.to_owned())
                    .or_default()
                    .push(kept)
            });
        }
        backtrack
    }

    /// The Backtracks this plan holds for a cluster, newest first.
    pub(super) fn planned_backtracks(&self, cluster: &str) -> Vec<Backtrack> {
        self.plan.as_ref().map_or_else(Vec::new, |plan| {
            plan.with(|p| {
                let mut list = p.backtracks.get(cluster).cloned().unwrap_or_default();
                list.reverse();
                list
            })
        })
    }

    /// A snapshot as a planned call would answer it.
    pub(super) fn planned_snapshot(
        &self,
        of: Kind,
        id: &str,
        source_db: &str,
        status: &str,
        tags: &[Tag],
    ) -> Snapshot {
        let resource = match of {
            Kind::Instance => "snapshot",
            Kind::Cluster => "cluster-snapshot",
        };
        Snapshot {
            id: id.to_owned(),
            arn: if id.starts_with("arn:") {
                id.to_owned()
            } else {
                self.planned_arn(resource, id)
            },
            status: status.to_owned(),
            source_db: source_db.to_owned(),
            created: None,
            percent: Some(0),
            tags: tags.to_vec(),
            encrypted: false,
            kms_key_id: None,
            size_gib: None,
            vpc_id: None,
            kind: "manual".to_owned(),
            of,
            engine: None,
            engine_version: None,
            option_group: None,
            copied_from: None,
        }
    }
}

/// A listing with the plan's view laid over it: the names `gone` left
/// out, the DBs `held` shown as held (and listed if AWS does not list them).
fn overlay<T: Clone>(
    listed: Vec<T>,
    id: impl Fn(&T) -> &String,
    held: &BTreeMap<String, T>,
    gone: impl Fn(&str) -> bool,
) -> Vec<T> {
    let mut all: Vec<T> = listed
        .into_iter()
        .filter(|db| !gone(id(db)) && !held.contains_key(id(db)))
        .collect();
    all.extend(held.values().cloned());
    all
}

/// Settings as the API names them, for a call's parameters.
fn settings_json(settings: &Settings, into: &mut serde_json::Map<String, Value>) {
    for (name, value) in settings {
        let value = match value {
            Setting::Text(text) => json!(text),
            Setting::Flag(flag) => json!(flag),
            Setting::Number(n) => json!(n),
            Setting::List(items) => json!(items),
        };
        into.insert((*name).to_owned(), value);
    }
}

/// The parameters of a modify applied at once: the DB, then the changes.
pub(super) fn modify_json(id_name: &str, id: &str, changes: &Settings) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(id_name.to_owned(), json!(id));
    settings_json(changes, &mut map);
    map.insert("ApplyImmediately".to_owned(), json!(true));
    Value::Object(map)
}

/// The parameters of a call that makes a DB: its own, then the settings.
pub(super) fn new_db_json(own: Value, new: &NewDb<'_>) -> Value {
    let mut map = match own {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    map.insert("Tags".to_owned(), tags_json(new.tags));
    settings_json(new.settings, &mut map);
    Value::Object(map)
}

/// A restore time as the API takes it.
pub(super) fn time_json(time: RestoreTime, into: &mut Value) {
    match time {
        RestoreTime::Latest => into["UseLatestRestorableTime"] = json!(true),
        RestoreTime::At(at) => into["RestoreTime"] = json!(rfc3339(at)),
    }
}

/// Tags as the API names them.
pub(super) fn tags_json(tags: &[Tag]) -> Value {
    tags.iter()
        .map(|tag| json!({"Key": tag.key, "Value": tag.value}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rds() -> Rds {
        let config = aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new("eu-west-1"))
            .build();
        Rds::new(aws_sdk_rds::Client::from_conf(config))
    }

    /// Every call that changes something goes through the plan: each
    /// function that names a mutating operation records it.
    #[test]
    fn every_mutating_call_of_this_layer_is_planned() {
        let files = [
            include_str!("account.rs"),
            include_str!("clusters.rs"),
            include_str!("instances.rs"),
            include_str!("snapshots.rs"),
        ];
        let reads = ["Describe", "List", "Download"];
        let mut unguarded = Vec::new();
        let mut seen = 0;
        for file in files {
            for function in file.split("    pub async fn ").skip(1) {
                let name = function.split('(').next().unwrap_or_default();
                for op in function.split(".for_op(\"").skip(1) {
                    let op = op.split('"').next().unwrap_or_default();
                    if reads.iter().any(|read| op.starts_with(read)) {
                        continue;
                    }
                    seen += 1;
                    if !function.contains("self.plans(") {
                        unguarded.push(format!("{name} ({op})"));
                    }
                }
            }
        }
        assert!(
            seen >= 20,
            "only {seen} mutating calls found; is the scan broken?"
        );
        assert!(unguarded.is_empty(), "not planned: {unguarded:?}");
    }

    /// A planned ARN names the account the ARNs AWS answered with name;
    /// a text that is no account is not taken for one.
    #[test]
    fn planned_arns_carry_the_account_the_reads_showed() {
        let rds = rds().planning();
        let new = |rds: &Rds| {
            rds.planned_new_instance(
                &NewDb {
                    id: "shop-rb",
                    settings: &Settings::new(),
                    tags: &[],
                },
                None,
            )
            .arn
        };
        assert_eq!(new(&rds), "arn:aws:rds:eu-west-1:ACCOUNT:db:shop-rb");
        rds.seen_arn("arn:aws:rds:eu-west-1:ACCOUNT:db:shop");
        rds.seen_arn("arn:aws:rds:eu-west-1:12345:db:shop");
        assert_eq!(new(&rds), "arn:aws:rds:eu-west-1:ACCOUNT:db:shop-rb");
        rds.seen_arn("arn:aws:rds:eu-west-1:123456789012:db:shop");
        assert_eq!(new(&rds), "arn:aws:rds:eu-west-1:123456789012:db:shop-rb");
    }

    /// What the in-place swap looks at after each of its planned calls:
    /// a renamed DB answers to its new name only, with the tags and the
    /// protection the plan gave it, and a cluster's instances follow it.
    #[tokio::test]
    async fn planned_renames_tags_and_protection_show_in_later_looks() {
        let rds = rds().planning();
        let settings = Settings::new();
        let new = |id| NewDb {
            id,
            settings: &settings,
            tags: &[],
        };
        let made = rds.planned_new_instance(&new("shop-rb"), None);
        rds.add_tags(&made.arn, &[crate::model::tag("role", "restored")])
            .await
            .unwrap();
        rds.rename_instance("shop-rb", "shop").await.unwrap();
        // The old name answers nothing, without asking AWS.
        assert_eq!(rds.instance("shop-rb").await.unwrap(), None);
        let shop = rds.instance("shop").await.unwrap().unwrap();
        assert_eq!(shop.arn, "arn:aws:rds:eu-west-1:ACCOUNT:db:shop");
        assert_eq!(shop.tags, [crate::model::tag("role", "restored")]);
        rds.protect_instance("shop", true).await.unwrap();
        rds.remove_tags(&shop.arn, &["role"]).await.unwrap();
        let shop = rds.instance("shop").await.unwrap().unwrap();
        assert_eq!(
            shop.settings.get(crate::settings::DELETION_PROTECTION),
            Some(&Setting::Flag(true))
        );
        assert_eq!(shop.tags, []);

        rds.planned_new_cluster(&new("orders-rb"), "aurora-postgresql");
        rds.planned_new_instance(&new("orders-rb-1"), Some("orders-rb"));
        rds.rename_cluster("orders-rb", "orders").await.unwrap();
        assert_eq!(rds.cluster("orders-rb").await.unwrap(), None);
        let members = rds.cluster_instances("orders").await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].cluster_id.as_deref(), Some("orders"));

        let planned = rds.planned().unwrap();
        let actions: Vec<&str> = planned.calls.iter().map(|c| c.action).collect();
        assert_eq!(
            actions,
            [
                "AddTagsToResource",
                "ModifyDBInstance",
                "ModifyDBInstance",
                "RemoveTagsFromResource",
                "ModifyDBCluster"
            ]
        );
        assert_eq!(
            planned.calls[1].parameters,
            json!({"DBInstanceIdentifier": "shop-rb", "NewDBInstanceIdentifier": "shop", "ApplyImmediately": true})
        );
    }

    #[test]
    fn an_arn_names_a_db_of_this_region_or_nothing() {
        let rds = rds();
        assert_eq!(
            rds.db_of_arn("arn:aws:rds:eu-west-1:1:db:shop"),
            Some((Kind::Instance, "shop".to_owned()))
        );
        assert_eq!(
            rds.db_of_arn("arn:aws:rds:eu-west-1:1:cluster:orders"),
            Some((Kind::Cluster, "orders".to_owned()))
        );
        for other in [
            "arn:aws:rds:us-east-1:1:db:shop",
            "arn:aws:rds:eu-west-1:1:snapshot:shop-v1",
            "shop",
        ] {
            assert_eq!(rds.db_of_arn(other), None, "{other}");
        }
    }

    #[test]
    fn a_client_that_does_not_plan_records_nothing() {
        let rds = rds();
        assert!(!rds.plans("DeleteDBSnapshot", "old", json!({})));
        rds.check("source", "available");
        assert_eq!(rds.planned(), None);
    }

    #[test]
    fn a_planning_client_records_calls_in_order_and_shares_them_with_other_regions() {
        let rds = rds().planning();
        assert!(rds.plans(
            "CreateDBSnapshot",
            "a",
            json!({"DBSnapshotIdentifier": "a"})
        ));
        let other = rds.in_region("us-west-2");
        assert!(other.plans("CopyDBSnapshot", "b", json!({})));
        rds.check("quota", "3 of 100");
        let planned = rds.planned().unwrap();
        let actions: Vec<&str> = planned.calls.iter().map(|c| c.action).collect();
        assert_eq!(actions, ["CreateDBSnapshot", "CopyDBSnapshot"]);
        assert!(rds.is_planned("a") && rds.is_planned("b") && !rds.is_planned("c"));
        assert_eq!(
            planned.to_json()["checks"][0],
            json!({"check": "quota", "result": "3 of 100"})
        );
    }
}
