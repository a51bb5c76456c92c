//! `plan: true`, as the user sees it: the `plan` output and the job
//! summary's tables, from what [`crate::rds::Rds::planning`] recorded and
//! what the step reported. The plan itself is taken in [`crate::rds`]; this
//! module only shows it.

use std::time::Duration;

use serde_json::Value;

use crate::config::Wait;
use crate::github::{Report, Table};
use crate::model::{Kind, plural};
use crate::naming::tag as key;
use crate::rds::{Call, Planned};
use crate::wait::{Operation, human};

/// What a planning step reports in place of what its mode reported: the
/// `plan` output and `status`, the planned calls and the checks as tables,
/// a note of how long the run would probably take, and the mode's warnings
/// (they are findings of its checks). The mode's own outputs and tables are
/// left out: they describe outcomes ("deleted") that did not happen.
pub fn report(mut planned: Planned, mode: Report, error: Option<&str>, wait: Wait) -> Report {
    if let Some(error) = error {
        planned.checks.push(crate::rds::Check {
            check: "the step as a whole".to_owned(),
            result: format!("would fail: {error}"),
        });
    }
    let mut out = Report {
        warnings: mode.warnings,
        ..Report::default()
    };
    out.set_json("plan", planned.to_json());
    out.set("status", if error.is_some() { "failed" } else { "planned" });
    // `method: auto`'s choice is a finding of the plan, not an outcome.
    if let Some(method) = mode.outputs.get("method") {
        out.set("method", method.to_owned());
    }
    let counts = [
        ("create", Change::Create),
        ("modify", Change::Modify),
        ("delete", Change::Delete),
    ]
    .map(|(word, change)| {
        let n = planned
            .calls
            .iter()
            .filter(|call| Change::of(call.action) == change)
            .count();
        format!("{n} to {word}")
    });
    out.note(
        "plan",
        if planned.calls.is_empty() {
            "no change".to_owned()
        } else {
            format!(
                "{} {}: {}",
                planned.calls.len(),
                plural(planned.calls.len(), "call", "calls"),
                counts.join(", ")
            )
        },
    );
    out.note("would probably take", duration(&planned.calls, wait));
    out.tables.push(Table {
        title: format!(
            "Planned changes, in order ({})",
            if error.is_some() {
                "up to where the step would fail"
            } else {
                "nothing was changed"
            }
        ),
        headers: vec!["#", "change", "RDS call", "of", "with", "usually takes"],
        rows: planned
            .calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                vec![
                    (i + 1).to_string(),
                    Change::of(call.action).word().to_owned(),
                    call.action.to_owned(),
                    call.target.clone(),
                    settings(&call.parameters, &call.target),
                    typical(call.action, wait)
                        .map(range)
                        .unwrap_or_else(|| "seconds".to_owned()),
                ]
            })
            .collect(),
    });
    out.tables.extend(
        mode.tables
            .into_iter()
            .filter(|table| table.title == crate::method::TABLE),
    );
    out.tables.push(Table {
        title: "Checks".to_owned(),
        headers: vec!["check", "result"],
        rows: planned
            .checks
            .iter()
            .map(|check| vec![check.check.clone(), check.result.clone()])
            .collect(),
    });
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Create,
    Modify,
    Delete,
}

impl Change {
    fn of(action: &str) -> Change {
        if action.starts_with("Delete") {
            Change::Delete
        } else if ["Create", "Copy", "Restore"]
            .iter()
            .any(|verb| action.starts_with(verb))
        {
            Change::Create
        } else {
            Change::Modify
        }
    }

    fn word(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Modify => "modify",
            Change::Delete => "delete",
        }
    }
}

/// The parameters other than the resource's own name, short: a list by
/// its length, tags by their keys.
fn settings(parameters: &Value, target: &str) -> String {
    let Some(map) = parameters.as_object() else {
        return String::new();
    };
    map.iter()
        .filter(|(_, value)| !value.is_null() && value.as_str() != Some(target))
        .map(|(name, value)| match value {
            Value::Array(items) if name == "Tags" => {
                // Ours are many and alike; the user's are named.
                let keys: Vec<&str> = items.iter().filter_map(|tag| tag["Key"].as_str()).collect();
                let ours = keys
                    .iter()
                    .filter(|key| key.starts_with(key::PREFIX))
                    .count();
                let mut shown: Vec<String> = keys
                    .iter()
                    .filter(|key| !key.starts_with(key::PREFIX))
                    .map(|key| (*key).to_owned())
                    .collect();
                if ours > 0 {
                    shown.push(format!("{ours} of this action's"));
                }
                format!("Tags: {}", shown.join(", "))
            }
            Value::Array(items) => format!(
                "{name}: {}",
                items
                    .iter()
                    .map(|item| item
                        .as_str()
                        .map_or_else(|| item.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::String(text) => format!("{name}: {text}"),
            other => format!("{name}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How long the run waits after a call, as AWS's operations usually take
/// ([`Operation::profile`]); `None` for a call that is done in seconds or
/// that the run does not wait for.
fn typical(action: &str, wait: Wait) -> Option<(Duration, Duration)> {
    let operation = match action {
        "CreateDBSnapshot"
        | "CreateDBClusterSnapshot"
        | "CopyDBSnapshot"
        | "CopyDBClusterSnapshot"
            if wait.enabled =>
        {
            Operation::Snapshot
        }
        "RestoreDBInstanceFromDBSnapshot"
        | "RestoreDBInstanceToPointInTime"
        | "CreateDBInstance"
            if wait.enabled =>
        {
            Operation::Restore(Kind::Instance)
        }
        "RestoreDBClusterFromSnapshot" | "RestoreDBClusterToPointInTime" if wait.enabled => {
            Operation::Restore(Kind::Cluster)
        }
        "ModifyDBInstance" => Operation::Modify(Kind::Instance),
        "ModifyDBCluster" | "StartDBCluster" => Operation::Modify(Kind::Cluster),
        _ => return None,
    };
    Some(operation.profile().usual)
}

/// Calls whose waits run side by side: the snapshots of several DBs, and
/// a new cluster's instances.
fn together(action: &str) -> Option<&'static str> {
    match action {
        "CreateDBSnapshot"
        | "CreateDBClusterSnapshot"
        | "CopyDBSnapshot"
        | "CopyDBClusterSnapshot" => Some("snapshots"),
        "CreateDBInstance" => Some("instances"),
        _ => None,
    }
}

fn range((low, high): (Duration, Duration)) -> String {
    format!("{} to {}", human(low), human(high))
}

/// The run's probable length: what runs side by side ([`together`])
/// counts once; the other waits follow each other.
fn duration(calls: &[Call], wait: Wait) -> String {
    let mut total = (Duration::ZERO, Duration::ZERO);
    let mut counted = Vec::new();
    for call in calls {
        let Some((low, high)) = typical(call.action, wait) else {
            continue;
        };
        if let Some(group) = together(call.action) {
            if counted.contains(&group) {
                continue;
            }
            counted.push(group);
        }
        total = (total.0 + low, total.1 + high);
    }
    if total.1.is_zero() {
        return "under a minute".to_owned();
    }
    format!(
        "{} (a rough range from AWS's usual durations, not a promise)",
        range(total)
    )
}

#[cfg(test)]
fn calls_of(plan: &Value) -> Vec<String> {
    plan["calls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|call| call["action"].as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(action: &'static str, target: &str, parameters: Value) -> Call {
        Call {
            action,
            target: target.to_owned(),
            parameters,
        }
    }

    const WAIT: Wait = Wait {
        enabled: true,
        timeout: Duration::from_secs(3600),
    };

    #[test]
    fn the_plan_output_lists_the_calls_in_order_then_the_checks_and_the_failure() {
        let planned = Planned {
            calls: vec![
                call(
                    "DeleteDBSnapshot",
                    "old",
                    json!({"DBSnapshotIdentifier": "old"}),
                ),
                call(
                    "CreateDBSnapshot",
                    "new",
                    json!({"DBInstanceIdentifier": "prod", "DBSnapshotIdentifier": "new"}),
                ),
            ],
            checks: vec![crate::rds::Check {
                check: "quota".to_owned(),
                result: "3 of 100".to_owned(),
            }],
            ..Planned::default()
        };
        let out = report(planned.clone(), Report::default(), None, WAIT);
        let plan: Value = serde_json::from_str(out.outputs.get("plan").unwrap()).unwrap();
        assert_eq!(calls_of(&plan), ["DeleteDBSnapshot", "CreateDBSnapshot"]);
        assert_eq!(
            plan["calls"][1]["parameters"]["DBSnapshotIdentifier"],
            "new"
        );
        assert_eq!(out.outputs.get("status"), Some("planned"));
        assert_eq!(out.tables[0].rows[0][1], "delete");
        assert_eq!(out.tables[0].rows[1][1], "create");
        assert!(
            out.notes[1].1.starts_with("1m 0s to 30m 0s"),
            "{:?}",
            out.notes
        );

        let failed = report(planned, Report::default(), Some("no such DB"), WAIT);
        let plan: Value = serde_json::from_str(failed.outputs.get("plan").unwrap()).unwrap();
        assert_eq!(failed.outputs.get("status"), Some("failed"));
        let last = plan["checks"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["result"], "would fail: no such DB");
    }

    #[test]
    fn what_runs_side_by_side_counts_once_in_the_duration_and_nothing_without_waiting() {
        let calls = vec![
            call("CreateDBSnapshot", "a", json!({})),
            call("CreateDBClusterSnapshot", "b", json!({})),
        ];
        assert!(duration(&calls, WAIT).starts_with("1m 0s to 30m 0s"));
        let no_wait = Wait {
            enabled: false,
            ..WAIT
        };
        assert_eq!(duration(&calls, no_wait), "under a minute");
        // A cluster restore, its modify, and its instances made together.
        let restore = vec![
            call("RestoreDBClusterFromSnapshot", "c", json!({})),
            call("ModifyDBCluster", "c", json!({})),
            call("CreateDBInstance", "c-1", json!({})),
            call("CreateDBInstance", "c-2", json!({})),
        ];
        assert!(
            duration(&restore, WAIT).starts_with("21m 0s to 1h 45m"),
            "{}",
            duration(&restore, WAIT)
        );
    }

    #[test]
    fn the_settings_column_names_tags_by_key_and_leaves_the_name_out() {
        let text = settings(
            &json!({
                "DBSnapshotIdentifier": "x",
                "DBInstanceIdentifier": "prod",
                "Tags": [
                {"Key": "a", "Value": "1"},
                {"Key": "rds-snapshot-action:run-id", "Value": "7"},
                {"Key": "b", "Value": "2"},
            ],
                "KmsKeyId": null,
            }),
            "x",
        );
        assert_eq!(
            text,
            "DBInstanceIdentifier: prod; Tags: a, b, 1 of this action's"
        );
    }
}
