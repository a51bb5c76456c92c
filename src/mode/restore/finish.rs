//! Finishing a new DB, the one tail of every restore: wait for it, bring
//! the settings no restore call takes in line with its source, and set the
//! outputs and the drift report, for an instance and a cluster alike.
//!
//! The one step only a cluster has: an Aurora restore makes a cluster
//! without DB instances (API_RestoreDBClusterFromSnapshot,
//! API_RestoreDBClusterToPointInTime: "This action only restores the DB
//! cluster, not the DB instances"), which no application can connect to.
//! So a cluster is finished by creating its writer and readers, mirroring
//! the source's, and waiting for all of them ([`members`]).

use anyhow::{Context as _, bail};
use serde_json::json;
use tracing::info;

use super::build::Build;
use crate::config::Wait;
use crate::db::{self, Db, state};
use crate::github::{Report, Table, shown};
use crate::model::{DbRef, Kind};
use crate::rds::{Cluster, Instance, NewDb, Rds, RdsError};
use crate::settings::{self, Carry, Field, Value};
use crate::wait::{self, Observed, Operation, Seen, Verdict, WaitError};

/// Waits for a new DB (unless `wait: false`), brings the settings no
/// restore call takes in line with its source, creates a cluster's
/// instances, and sets the outputs and the drift report.
pub(super) async fn finish(
    rds: &Rds,
    db: Db,
    build: &Build,
    wait: Wait,
    out: &mut Report,
) -> anyhow::Result<Db> {
    let kind = db.kind();
    out.set(kind.input(), db.id().to_owned());
    out.set("status", db.status().to_owned());
    let (db, instances) = if wait.enabled {
        // The restore's answer (or the adopted DB as just described) is
        // the wait's first look.
        let available = until_available(
            rds,
            &db.reference(),
            Operation::Restore(kind),
            wait,
            Some(db.clone()),
        )
        .await?;
        let reconciled = reconcile(rds, available, build, wait, out).await?;
        let (db, instances) = members(rds, reconciled, build, wait).await?;
        (db::with_vpc(rds, db).await?, instances)
    } else {
        info!(
            "not waiting (`wait: false`); status is {}",
            shown(db.status())
        );
        if let Some(cluster) = db.as_cluster() {
            out.warn(format!(
                "with `wait: false` the DB instances of cluster `{}` were not created (they can be added only once the cluster is available), so it cannot serve connections yet; re-run this step with `wait: true`, which adopts the cluster and creates them",
                cluster.id
            ));
            out.set_json("db-instance-identifiers", json!([]));
            return Ok(db);
        }
        if !build.carry.after.is_empty() {
            out.warn(format!(
                "with `wait: false` the settings a restore call cannot take were not applied ({}); re-run this step with `wait: true`, which adopts the instance and applies them",
                build.carry.after.keys().copied().collect::<Vec<_>>().join(", ")
            ));
        }
        (db, Vec::new())
    };
    out.set("status", db.status().to_owned());
    usable_note(db.status(), out);
    out.set("endpoint", db.endpoint().unwrap_or_default().to_owned());
    if let Some(cluster) = db.as_cluster() {
        out.set(
            "reader-endpoint",
            cluster.reader_endpoint.clone().unwrap_or_default(),
        );
    }
    out.set("port", port(db.port()));
    if let Some(cluster) = db.as_cluster() {
        let ids: Vec<&str> = cluster.members.iter().map(|m| m.id.as_str()).collect();
        out.set_json("db-instance-identifiers", json!(ids));
    }
    let source = build.source.as_ref().filter(|source| source.kind() == kind);
    let mut rows = Vec::new();
    settings_table(
        &mut rows,
        SettingsOf {
            id: db.id(),
            fields: settings::fields(kind),
            source: source.map(Db::settings),
            restored: db.settings(),
            carry: &build.carry,
        },
        network(source.and_then(Db::vpc_id), db.vpc_id()),
        out,
    );
    if let Some(cluster) = db.as_cluster() {
        member_tables(&mut rows, cluster, &instances, build, out);
    }
    out.set_json("settings", serde_json::Value::Array(rows));
    Ok(db)
}

/// The cluster-only step: its planned instances created (or adopted) and
/// waited for with it. An instance is returned as it is.
async fn members(
    rds: &Rds,
    db: Db,
    build: &Build,
    wait: Wait,
) -> anyhow::Result<(Db, Vec<Instance>)> {
    let Some(available) = db.as_cluster() else {
        return Ok((db, Vec::new()));
    };
    create_members(rds, available, build).await?;
    let serving = until_serving(rds, &available.id, build, wait).await?;
    let mut cluster = serving.cluster;
    cluster.vpc_id.clone_from(&available.vpc_id);
    Ok((cluster.into(), serving.instances))
}

/// One drift table for each of a new cluster's instances, next to the
/// source instance it mirrors.
fn member_tables(
    rows: &mut Vec<serde_json::Value>,
    cluster: &Cluster,
    instances: &[Instance],
    build: &Build,
    out: &mut Report,
) {
    for member in &build.members {
        let Some(instance) = instances.iter().find(|i| i.id == member.id) else {
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
            rows,
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
}

/// Waits for a new DB after `operation` (a restore, or a modify), from
/// `first` if its answer shows the state.
async fn until_available(
    rds: &Rds,
    reference: &DbRef,
    operation: Operation,
    wait: Wait,
    first: Option<Db>,
) -> anyhow::Result<Db> {
    db::until_available(rds, reference, operation, wait.timeout, first)
        .await
        .with_context(|| format!("waiting for {reference}"))
}

fn port(port: Option<i32>) -> String {
    port.map(|port| port.to_string()).unwrap_or_default()
}

fn usable_note(status: &str, out: &mut Report) {
    if state::USABLE_STATES.contains(&status) {
        out.note(
            "status",
            format!(
                "`{status}`: usable now; RDS is finishing storage work in the background, and the DB serves connections meanwhile"
            ),
        );
    }
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
    // A modify's answer still shows the DB as it was: the first look is a
    // describe.
    let refreshed = until_available(
        rds,
        &db.reference(),
        Operation::Modify(db.kind()),
        wait,
        None,
    )
    .await?;
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
    /// Each of the cluster and its planned instances with its state and
    /// what that state means; an instance not listed yet shows as
    /// `not listed`, and is still to come.
    fn states(&self) -> Vec<(Verdict, String, String)> {
        let mut states = vec![(
            self.cluster.verdict(),
            format!("DB cluster `{}`", self.cluster.id),
            self.cluster.status.clone(),
        )];
        for id in &self.expected {
            let (verdict, status) = match self.instances.iter().find(|i| &i.id == id) {
                Some(instance) => (instance.verdict(), instance.status.clone()),
                None => (Verdict::Pending, "not listed".to_owned()),
            };
            states.push((verdict, format!("DB instance `{id}`"), status));
        }
        states
    }

    /// The first of them in a state it never leaves by itself.
    fn failed(&self) -> Option<String> {
        self.states()
            .into_iter()
            .find_map(|(verdict, what, _)| match verdict {
                Verdict::Failed(reason) => Some(format!("{what}: {reason}")),
                _ => None,
            })
    }
}

impl Observed for Serving {
    fn seen(&self) -> Seen {
        let waiting: Vec<String> = self
            .states()
            .into_iter()
            .filter(|(verdict, _, _)| *verdict != Verdict::Available)
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

    fn verdict(&self) -> Verdict {
        match self.failed() {
            Some(reason) => Verdict::Failed(reason),
            None if self.seen().status == "available" => Verdict::Available,
            None => Verdict::Pending,
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
    let operation = Operation::Restore(Kind::Instance);
    match wait::until_available(&what, operation, wait.timeout, None, look).await {
        Ok(serving) => Ok(serving),
        Err(WaitError::Failed { .. }) => {
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
