//! Which SDK setter carries each setting, in each call that takes it: one
//! table, [`SETTERS`]. Which setting goes into which call is decided in
//! [`crate::settings`] (from botocore's RDS model); this table only says how
//! each call spells it. A setting the plan can put into a call must have a
//! setter here: the tests check that against `settings`' own tables, so a
//! new carried setting cannot be dropped without a word.

use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder;
use aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use aws_sdk_rds::operation::restore_db_cluster_from_snapshot::builders::RestoreDBClusterFromSnapshotFluentBuilder;
use aws_sdk_rds::operation::restore_db_cluster_to_point_in_time::builders::RestoreDBClusterToPointInTimeFluentBuilder;
use aws_sdk_rds::operation::restore_db_instance_from_db_snapshot::builders::RestoreDBInstanceFromDBSnapshotFluentBuilder;
use aws_sdk_rds::operation::restore_db_instance_to_point_in_time::builders::RestoreDBInstanceToPointInTimeFluentBuilder;
use aws_sdk_rds::types::DatabaseInsightsMode;

use super::convert::serverless_v2;
use crate::settings::{self, Settings, Value};

/// Sets one setting on a request.
type Set<R> = fn(R, &Value) -> R;

/// A carried setting and its setter in each call that takes it (`None`:
/// the call does not take it).
pub(super) struct Setter {
    name: &'static str,
    restore_from_snapshot: Option<Set<RestoreDBInstanceFromDBSnapshotFluentBuilder>>,
    restore_to_time: Option<Set<RestoreDBInstanceToPointInTimeFluentBuilder>>,
    modify_instance: Option<Set<ModifyDBInstanceFluentBuilder>>,
    restore_cluster_from_snapshot: Option<Set<RestoreDBClusterFromSnapshotFluentBuilder>>,
    restore_cluster_to_time: Option<Set<RestoreDBClusterToPointInTimeFluentBuilder>>,
    create_cluster_instance: Option<Set<CreateDBInstanceFluentBuilder>>,
    modify_cluster: Option<Set<ModifyDBClusterFluentBuilder>>,
}

impl Setter {
    const fn none(name: &'static str) -> Setter {
        Setter {
            name,
            restore_from_snapshot: None,
            restore_to_time: None,
            modify_instance: None,
            restore_cluster_from_snapshot: None,
            restore_cluster_to_time: None,
            create_cluster_instance: None,
            modify_cluster: None,
        }
    }
}

/// One row of [`SETTERS`]: the setting, the calls that take it, and how,
/// from the request and the value (of the kind [`super::convert`] reads it
/// as; another kind leaves the request as it was).
macro_rules! setter {
    ($name:expr, [$($call:ident),+ $(,)?], |$request:ident, $value:pat_param| $set:expr) => {
        Setter {
            $($call: Some(|$request, value| match value {
                $value => $set,
                _ => $request,
            }),)+
            ..Setter::none($name)
        }
    };
}

/// Every carried setting and its setter in each call that takes it.
pub(super) static SETTERS: &[Setter] = &[
    setter!(
        settings::DB_INSTANCE_CLASS,
        [
            restore_from_snapshot,
            restore_to_time,
            create_cluster_instance
        ],
        |request, Value::Text(v)| request.db_instance_class(v)
    ),
    setter!(
        settings::DB_SUBNET_GROUP,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::Text(v)| request.db_subnet_group_name(v)
    ),
    setter!(
        settings::VPC_SECURITY_GROUPS,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::List(v)| request.set_vpc_security_group_ids(Some(v.clone()))
    ),
    setter!(
        settings::DB_PARAMETER_GROUP,
        [
            restore_from_snapshot,
            restore_to_time,
            create_cluster_instance
        ],
        |request, Value::Text(v)| request.db_parameter_group_name(v)
    ),
    setter!(
        settings::OPTION_GROUP,
        [restore_from_snapshot, restore_to_time],
        |request, Value::Text(v)| request.option_group_name(v)
    ),
    setter!(
        settings::MULTI_AZ,
        [restore_from_snapshot, restore_to_time],
        |request, Value::Flag(v)| request.multi_az(*v)
    ),
    setter!(
        settings::PUBLICLY_ACCESSIBLE,
        [
            restore_from_snapshot,
            restore_to_time,
            create_cluster_instance
        ],
        |request, Value::Flag(v)| request.publicly_accessible(*v)
    ),
    setter!(
        settings::IAM_AUTH,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::Flag(v)| request.enable_iam_database_authentication(*v)
    ),
    setter!(
        settings::LOG_EXPORTS,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::List(v)| request.set_enable_cloudwatch_logs_exports(Some(v.clone()))
    ),
    setter!(
        settings::COPY_TAGS,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::Flag(v)| request.copy_tags_to_snapshot(*v)
    ),
    // Only the point-in-time restore takes the storage autoscaling limit;
    // after a snapshot restore it goes into the modify.
    setter!(
        settings::MAX_ALLOCATED_STORAGE,
        [restore_to_time, modify_instance],
        |request, Value::Number(v)| request.max_allocated_storage(*v)
    ),
    setter!(
        settings::CA_CERTIFICATE,
        [
            restore_from_snapshot,
            restore_to_time,
            create_cluster_instance
        ],
        |request, Value::Text(v)| request.ca_certificate_identifier(v)
    ),
    setter!(
        settings::BACKUP_RETENTION,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::Number(v)| request.backup_retention_period(*v)
    ),
    setter!(
        settings::BACKUP_WINDOW,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::Text(v)| request.preferred_backup_window(v)
    ),
    setter!(
        settings::MAINTENANCE_WINDOW,
        [modify_instance, create_cluster_instance, modify_cluster],
        |request, Value::Text(v)| request.preferred_maintenance_window(v)
    ),
    setter!(
        settings::DELETION_PROTECTION,
        [
            restore_from_snapshot,
            restore_to_time,
            restore_cluster_from_snapshot,
            restore_cluster_to_time
        ],
        |request, Value::Flag(v)| request.deletion_protection(*v)
    ),
    setter!(
        settings::MONITORING_INTERVAL,
        [modify_instance, create_cluster_instance],
        |request, Value::Number(v)| request.monitoring_interval(*v)
    ),
    setter!(
        settings::MONITORING_ROLE,
        [modify_instance, create_cluster_instance],
        |request, Value::Text(v)| request.monitoring_role_arn(v)
    ),
    setter!(
        settings::PERFORMANCE_INSIGHTS,
        [modify_instance, create_cluster_instance],
        |request, Value::Flag(v)| request.enable_performance_insights(*v)
    ),
    setter!(
        settings::PI_KMS_KEY,
        [modify_instance, create_cluster_instance],
        |request, Value::Text(v)| request.performance_insights_kms_key_id(v)
    ),
    setter!(
        settings::PI_RETENTION,
        [modify_instance, create_cluster_instance],
        |request, Value::Number(v)| request.performance_insights_retention_period(*v)
    ),
    setter!(
        settings::DATABASE_INSIGHTS,
        [modify_instance],
        |request, Value::Text(v)| request
            .database_insights_mode(DatabaseInsightsMode::from(v.as_str()))
    ),
    setter!(
        settings::DB_CLUSTER_PARAMETER_GROUP,
        [restore_cluster_from_snapshot, restore_cluster_to_time],
        |request, Value::Text(v)| request.db_cluster_parameter_group_name(v)
    ),
    setter!(
        settings::PORT,
        [restore_cluster_from_snapshot, restore_cluster_to_time],
        |request, Value::Number(v)| request.port(*v)
    ),
    setter!(
        settings::BACKTRACK_WINDOW,
        [restore_cluster_from_snapshot, restore_cluster_to_time],
        |request, Value::Number(v)| request.backtrack_window(i64::from(*v))
    ),
    setter!(
        settings::SERVERLESS_V2,
        [restore_cluster_from_snapshot, restore_cluster_to_time],
        |request, Value::Text(v)| match serverless_v2(v) {
            Some(scaling) => request.serverless_v2_scaling_configuration(scaling),
            None => request,
        }
    ),
    setter!(
        settings::PROMOTION_TIER,
        [create_cluster_instance],
        |request, Value::Number(v)| request.promotion_tier(*v)
    ),
];

/// A request that takes carried settings: its column of [`SETTERS`].
pub(super) trait Takes: Sized {
    fn setter(row: &Setter) -> Option<Set<Self>>;

    /// What the request will send, for the tests to compare.
    #[cfg(test)]
    fn input(&self) -> String;
}

macro_rules! takes {
    ($($request:ty => $call:ident),+ $(,)?) => {
        $(impl Takes for $request {
            fn setter(row: &Setter) -> Option<Set<Self>> {
                row.$call
            }

            #[cfg(test)]
            fn input(&self) -> String {
                format!("{:?}", self.as_input())
            }
        })+
    };
}

takes! {
    RestoreDBInstanceFromDBSnapshotFluentBuilder => restore_from_snapshot,
    RestoreDBInstanceToPointInTimeFluentBuilder => restore_to_time,
    ModifyDBInstanceFluentBuilder => modify_instance,
    RestoreDBClusterFromSnapshotFluentBuilder => restore_cluster_from_snapshot,
    RestoreDBClusterToPointInTimeFluentBuilder => restore_cluster_to_time,
    CreateDBInstanceFluentBuilder => create_cluster_instance,
    ModifyDBClusterFluentBuilder => modify_cluster,
}

/// The setter of a setting in this request, if the request takes it.
fn setter<R: Takes>(name: &str) -> Option<Set<R>> {
    SETTERS
        .iter()
        .find(|row| row.name == name)
        .and_then(R::setter)
}

/// Puts the settings into the request. A setting the call does not take
/// never reaches here: [`crate::settings::plan`] keeps it out.
pub(super) fn apply<R: Takes>(request: R, settings: &Settings) -> R {
    settings
        .iter()
        .fold(request, |request, (name, value)| match setter::<R>(name) {
            Some(set) => set(request, value),
            None => request,
        })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use aws_sdk_rds::Client;
    use aws_sdk_rds::config::{BehaviorVersion, Region};

    use super::super::convert::{cluster, instance};
    use super::super::fixtures::{full_cluster, full_instance};
    use super::*;
    use crate::settings::{Field, Restore};

    /// The settings a plan can put into a restore call and into the modify
    /// after it, whichever way each is decided: from the source (which has
    /// every setting) or from an input (every one there is).
    fn planned(
        fields: &[Field],
        restore: Restore,
    ) -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
        let source: Settings = fields
            .iter()
            .map(|field| (field.name, Value::Text("x".to_owned())))
            .collect();
        let inputs: Settings = fields
            .iter()
            .filter(|field| field.input.is_some())
            .map(|field| (field.name, Value::Text("x".to_owned())))
            .collect();
        let (mut call, mut after) = (BTreeSet::new(), BTreeSet::new());
        for carry in [
            settings::plan(fields, Some(&source), &Settings::new(), true, restore),
            settings::plan(fields, None, &inputs, true, restore),
        ] {
            call.extend(carry.call.keys());
            after.extend(carry.after.keys());
        }
        (call, after)
    }

    /// The settings among `names` that request `R` has no setter for.
    fn unset<R: Takes>(names: &BTreeSet<&'static str>) -> Vec<String> {
        names
            .iter()
            .filter(|name| setter::<R>(name).is_none())
            .map(|name| format!("{name} in {}", std::any::type_name::<R>()))
            .collect()
    }

    #[test]
    fn every_setting_the_plan_puts_into_a_call_has_a_setter_there() {
        let mut missing = BTreeSet::new();
        for restore in [Restore::FromSnapshot, Restore::ToPointInTime] {
            // A DB instance: the restore call, then ModifyDBInstance.
            let (call, after) = planned(settings::FIELDS, restore);
            missing.extend(match restore {
                Restore::FromSnapshot => {
                    unset::<RestoreDBInstanceFromDBSnapshotFluentBuilder>(&call)
                }
                Restore::ToPointInTime => {
                    unset::<RestoreDBInstanceToPointInTimeFluentBuilder>(&call)
                }
            });
            missing.extend(unset::<ModifyDBInstanceFluentBuilder>(&after));
            // An Aurora cluster: the cluster restore call, then ModifyDBCluster.
            let (call, after) = planned(settings::CLUSTER_FIELDS, restore);
            missing.extend(match restore {
                Restore::FromSnapshot => unset::<RestoreDBClusterFromSnapshotFluentBuilder>(&call),
                Restore::ToPointInTime => {
                    unset::<RestoreDBClusterToPointInTimeFluentBuilder>(&call)
                }
            });
            missing.extend(unset::<ModifyDBClusterFluentBuilder>(&after));
            // Its DB instances: CreateDBInstance, then ModifyDBInstance.
            let (call, after) = planned(settings::MEMBER_FIELDS, restore);
            missing.extend(unset::<CreateDBInstanceFluentBuilder>(&call));
            missing.extend(unset::<ModifyDBInstanceFluentBuilder>(&after));
        }
        assert!(
            missing.is_empty(),
            "carried settings that would be dropped without a word:\n{}",
            Vec::from_iter(missing).join("\n")
        );
    }

    #[test]
    fn every_setter_is_for_a_carried_setting_and_listed_once() {
        let carried: BTreeSet<&str> = settings::FIELDS
            .iter()
            .chain(settings::CLUSTER_FIELDS)
            .chain(settings::MEMBER_FIELDS)
            .map(|field| field.name)
            .collect();
        let mut seen = BTreeSet::new();
        for row in SETTERS {
            assert!(carried.contains(row.name), "{} is not carried", row.name);
            assert!(seen.insert(row.name), "{} is listed twice", row.name);
        }
    }

    fn client() -> Client {
        Client::from_conf(
            aws_sdk_rds::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("eu-west-1"))
                .build(),
        )
    }

    /// Each setter of request `R` changes what `R` sends, given the value
    /// as RDS reports it (so the kinds of value agree with `convert`).
    fn each_setter_sets<R: Takes>(request: impl Fn() -> R, reported: &Settings) -> Vec<String> {
        let mut wrong = Vec::new();
        for row in SETTERS {
            let Some(set) = R::setter(row) else {
                continue;
            };
            let what = format!("{} in {}", row.name, std::any::type_name::<R>());
            match reported.get(row.name) {
                None => wrong.push(format!("{what}: no reported value to try")),
                Some(value) if set(request(), value).input() == request().input() => {
                    wrong.push(format!("{what}: {value:?} changes nothing"))
                }
                Some(_) => {}
            }
        }
        wrong
    }

    #[test]
    fn every_setter_sets_the_value_rds_reports() {
        let client = client();
        let of_instance = instance(&full_instance()).settings;
        let of_cluster = cluster(&full_cluster()).settings;
        let mut wrong = Vec::new();
        wrong.extend(each_setter_sets(
            || client.restore_db_instance_from_db_snapshot(),
            &of_instance,
        ));
        wrong.extend(each_setter_sets(
            || client.restore_db_instance_to_point_in_time(),
            &of_instance,
        ));
        wrong.extend(each_setter_sets(
            || client.modify_db_instance(),
            &of_instance,
        ));
        wrong.extend(each_setter_sets(
            || client.create_db_instance(),
            &of_instance,
        ));
        wrong.extend(each_setter_sets(
            || client.restore_db_cluster_from_snapshot(),
            &of_cluster,
        ));
        wrong.extend(each_setter_sets(
            || client.restore_db_cluster_to_point_in_time(),
            &of_cluster,
        ));
        wrong.extend(each_setter_sets(|| client.modify_db_cluster(), &of_cluster));
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn apply_sets_only_what_the_call_takes() {
        let client = client();
        let changes = Settings::from([
            (
                settings::MAINTENANCE_WINDOW,
                Value::Text("sun:05:00-sun:06:00".to_owned()),
            ),
            (settings::PORT, Value::Number(3306)),
        ]);
        let applied = apply(client.modify_db_cluster(), &changes);
        assert_eq!(
            applied.get_preferred_maintenance_window().as_deref(),
            Some("sun:05:00-sun:06:00")
        );
        assert_eq!(
            applied.get_port(),
            &None,
            "no port setter for ModifyDBCluster"
        );
    }
}
