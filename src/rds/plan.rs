//! `plan: true`: the record of what a step would change. While an [`Rds`]
//! plans, each of its mutating calls is recorded here, with its parameters
//! as the API names them, instead of being sent, and answers what the call
//! would have answered (the resource in its first state); reads still go to
//! AWS, so every check the run makes is made against the real account.
//! Because the plan is taken in this one layer, the modes run the same code
//! path whether they plan or not, and the planned calls are the run's calls.
//!
//! A mutating call that cannot be planned yet is refused (an error, never
//! sent), so a mode that reaches one by mistake fails rather than changes
//! anything.

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
    /// The DB instances and clusters the planned calls make, as a look at
    /// them would show them once the run's wait for them ends: a planning
    /// step reads them from here, since AWS has never heard of them.
    pub instances: BTreeMap<String, Instance>,
    pub clusters: BTreeMap<String, Cluster>,
    /// The Backtracks planned, by cluster, as completed.
    pub backtracks: BTreeMap<String, Vec<Backtrack>>,
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

    /// When planning, refuses a mutating call that cannot be planned yet.
    pub(super) fn unplannable(&self, action: &'static str) -> Result<(), RdsError> {
        if self.plan.is_none() {
            return Ok(());
        }
        Err(RdsError::Aws {
            op: action,
            code: "NotPlanned".to_owned(),
            message: "`plan: true` cannot plan this call yet, so it was not made; nothing was changed. Run the step without `plan`, or plan a mode that supports it".to_owned(),
        })
    }

    /// The ARN a resource created in this region would get; the account is
    /// not known without a call, so it is left as a placeholder.
    pub(super) fn planned_arn(&self, resource: &str, id: &str) -> String {
        format!("arn:aws:rds:{}:ACCOUNT:{resource}:{id}", self.region)
    }

    /// A planned DB instance, as a look would show it after the run's wait.
    pub(super) fn planned_instance_state(&self, id: &str) -> Option<Instance> {
        let plan = self.plan.as_ref()?;
        plan.with(|p| p.instances.get(id).cloned())
    }

    /// A planned DB cluster, as a look would show it after the run's wait.
    pub(super) fn planned_cluster_state(&self, id: &str) -> Option<Cluster> {
        let plan = self.plan.as_ref()?;
        plan.with(|p| p.clusters.get(id).cloned())
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
    /// function that names a mutating operation records it or refuses it.
    #[test]
    fn every_mutating_call_of_this_layer_is_planned_or_refused() {
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
                    if !function.contains("self.plans(") && !function.contains("self.unplannable(")
                    {
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

    #[test]
    fn a_client_that_does_not_plan_records_nothing_and_refuses_nothing() {
        let rds = rds();
        assert!(!rds.plans("DeleteDBSnapshot", "old", json!({})));
        rds.check("source", "available");
        assert_eq!(rds.planned(), None);
        assert!(rds.unplannable("RestoreDBInstanceFromDBSnapshot").is_ok());
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
        assert!(rds.unplannable("ModifyDBInstance").is_err());
    }
}
