//! `mode: restore` and `mode: pitr`: the new DB (its [`Target`]), where it
//! comes from (a snapshot, or a point in time, or an Aurora clone), and an
//! in-place rollback's swap.

use chrono::{DateTime, Utc};

use super::choice::snapshot_choice;
use super::parse::{boolean, list, optional_db_id, past_time, source, user_tags};
use super::{InputError, Mode, SnapshotChoice, bad};
use crate::github::RunContext;
use crate::inputs::RawInputs;
use crate::model::{DbRef, Kind, Method, RestoreTime, Tag};
use crate::naming;
use crate::provenance;
use crate::settings::{self, Settings, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct RestorePlan {
    /// Required for `latest` and deploy-version choices.
    pub source_db: Option<DbRef>,
    pub choice: SnapshotChoice,
    pub target: Target,
    /// `in-place: true`: the restore goes to a temporary name (`target`),
    /// then takes this DB's name.
    pub in_place: Option<InPlace>,
    /// Input `method`: `Snapshot` (the default), `Auto` or `Backtrack`.
    pub method: Method,
    /// `force`: a Backtrack may rewind a cluster that writes a binary log.
    pub force: bool,
}

/// An in-place rollback: the DB whose name the restored copy takes, and
/// the run that does it (a re-run of the same run finishes or undoes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InPlace {
    pub db: DbRef,
    pub run: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PitrPlan {
    pub source_db: DbRef,
    pub time: RestoreTime,
    /// `restore-type: copy-on-write` or `method: clone`: an Aurora clone.
    pub clone: bool,
    pub target: Target,
    pub in_place: Option<InPlace>,
    /// Input `method`: `PointInTime` (the default), `Clone`, `Auto` or
    /// `Backtrack`. `clone` is set exactly when it is `Clone`.
    pub method: Method,
    /// `force`: a Backtrack may rewind a cluster that writes a binary log.
    pub force: bool,
}

/// The DB a restore creates: its kind and name, the settings the inputs
/// give (they win over the source's), and whether the source's other
/// settings are carried over (see [`crate::settings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub id: String,
    /// `reader-count` for a cluster: `None` mirrors the source's readers.
    pub readers: Option<u32>,
    pub inputs: Settings,
    /// `carry-settings`: build it like its source (the default), or take
    /// RDS's defaults for what the inputs do not set.
    pub carry: bool,
    /// The user's tags followed by this action's own.
    pub tags: Vec<Tag>,
    /// The run that restores it: a re-run of the same run adopts it.
    pub run_id: Option<String>,
}

/// The snapshot to restore and the new DB to restore it into.
pub(super) fn restore_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    ignored: &mut Vec<String>,
) -> Result<RestorePlan, InputError> {
    if raw.is_given("restore-time") {
        return Err(bad(
            "restore-time",
            "is only read by mode `pitr`; remove it, or set `mode: pitr` to restore to a point in time",
        ));
    }
    if let Some(kind) = raw.get("restore-type") {
        return Err(bad(
            "restore-type",
            format!(
                "`{kind}` is only read by mode `pitr` (an Aurora clone is made from the running cluster, not from a snapshot); remove it, or set `mode: pitr` with `restore-time: latest`"
            ),
        ));
    }
    let method = method(raw, Mode::Restore)?;
    let (choice, source_db) = snapshot_choice(raw, Mode::Restore)?;
    if matches!(choice, SnapshotChoice::Arn(_)) {
        return Err(bad(
            "snapshot-identifier",
            "must be a snapshot ID in this region for mode `restore`; to use a snapshot shared from another account or region, copy it here first with `mode: copy`",
        ));
    }
    let in_place = in_place(raw, source_db.as_ref(), run_id.as_deref())?;
    backtrack_in_place(method, in_place.as_ref())?;
    let force = force(raw, method, ignored)?;
    let mut target = target(raw, run_id.clone(), in_place.as_ref(), ignored)?;
    check_kinds(source_db.as_ref(), &target)?;
    if let Some(db) = &source_db
        && db.id == target.id
        && db.kind == target.kind
    {
        return Err(same_as_source(db));
    }
    // The source-db tag is added once the snapshot, and so its DB, is known.
    target
        .tags
        .extend(provenance::stamps(None, ctx, run_id.as_deref()));
    Ok(RestorePlan {
        source_db,
        choice,
        target,
        in_place,
        method,
        force,
    })
}

/// The source DB, the time to restore it to (or an Aurora clone), and the
/// new DB to restore into.
pub(super) fn pitr_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
    ignored: &mut Vec<String>,
) -> Result<PitrPlan, InputError> {
    if let Some(id) = raw.get("snapshot-identifier") {
        return Err(bad(
            "snapshot-identifier",
            format!(
                "`{id}` is not read by mode `pitr`, which restores from the source's automated backups to `restore-time`; remove it, or use `mode: restore` to restore a snapshot"
            ),
        ));
    }
    if let Some(version) = raw.get("deploy-version") {
        return Err(bad(
            "deploy-version",
            format!(
                "`{version}` is not read by mode `pitr`; remove it, or use `mode: restore` to restore that version's snapshot"
            ),
        ));
    }
    let method = method(raw, Mode::Pitr)?;
    let source_db = source(raw, "the DB instance to restore from")?;
    let time = match raw.get("restore-time") {
        None => {
            return Err(bad(
                "restore-time",
                "is required in mode `pitr`: give an RFC 3339 time such as `2026-11-20T14:29:59Z`, or `latest`",
            ));
        }
        Some(value) if value.eq_ignore_ascii_case("latest") => RestoreTime::Latest,
        Some(value) => RestoreTime::At(past_time(value, now, "or use `latest`")?),
    };
    let in_place = in_place(raw, Some(&source_db), run_id.as_deref())?;
    backtrack_in_place(method, in_place.as_ref())?;
    if method == Method::Backtrack && time == RestoreTime::Latest {
        return Err(bad(
            "restore-time",
            "cannot be `latest` with `method: backtrack`, which rewinds to an earlier time: give an RFC 3339 time such as `2026-11-20T14:29:59Z`, or use `method: auto` to let the action pick",
        ));
    }
    let force = force(raw, method, ignored)?;
    let mut target = target(raw, run_id.clone(), in_place.as_ref(), ignored)?;
    check_kinds(Some(&source_db), &target)?;
    if source_db.id == target.id && source_db.kind == target.kind {
        return Err(same_as_source(&source_db));
    }
    restore_type_agrees(raw, method)?;
    if method == Method::Clone && target.kind == Kind::Instance {
        return Err(bad(
            "method",
            "`clone` makes an Aurora clone, which needs an Aurora cluster: set `db-cluster-identifier` and `target-db-cluster-identifier`, or use `method: point-in-time` for a DB instance",
        ));
    }
    if method == Method::Clone && time != RestoreTime::Latest {
        return Err(bad(
            "restore-time",
            format!(
                "must be `latest` with `method: clone`: an Aurora clone is a copy of the cluster as it is now; got `{time}`. For an earlier time, use `method: point-in-time` (a full restore to that time) or `method: auto`"
            ),
        ));
    }
    let clone = match raw.get("restore-type") {
        _ if method == Method::Clone => true,
        None | Some("full-copy") => false,
        // A clone is of the cluster as it is now: RestoreDBClusterToPointInTime
        // takes copy-on-write with UseLatestRestorableTime, not RestoreToTime
        // (API_RestoreDBClusterToPointInTime, RestoreType and RestoreToTime).
        Some("copy-on-write") if target.kind == Kind::Cluster && time != RestoreTime::Latest => {
            return Err(bad(
                "restore-time",
                format!(
                    "must be `latest` with `restore-type: copy-on-write`: an Aurora clone is a copy of the cluster as it is now; got `{time}`. For an earlier time, leave `restore-type` empty (a full restore to that time)"
                ),
            ));
        }
        Some("copy-on-write") if target.kind == Kind::Cluster => true,
        Some("copy-on-write") => {
            return Err(bad(
                "restore-type",
                "`copy-on-write` makes an Aurora clone, which needs an Aurora cluster: set `db-cluster-identifier` and `target-db-cluster-identifier`, or leave `restore-type` empty for a full restore of a DB instance",
            ));
        }
        Some(other) => {
            return Err(bad(
                "restore-type",
                format!(
                    "must be `full-copy` (the default) or `copy-on-write` (an Aurora clone); got `{other}`"
                ),
            ));
        }
    };
    target.tags.extend(provenance::stamps(
        Some(&source_db.id),
        ctx,
        run_id.as_deref(),
    ));
    target.tags.extend(provenance::restore_time_stamps(time));
    // `restore-type: copy-on-write` alone pins the clone, as before `method`.
    let method = if clone { Method::Clone } else { method };
    Ok(PitrPlan {
        source_db,
        time,
        clone,
        target,
        in_place,
        method,
        force,
    })
}

/// Input `method`, checked against the mode: `snapshot` is `restore`'s own
/// way, `point-in-time` and `clone` are `pitr`'s. Not given: the mode's
/// own way, as before the input existed.
fn method(raw: &RawInputs, mode: Mode) -> Result<Method, InputError> {
    let (own, other, allowed) = match mode {
        Mode::Restore => (
            Method::Snapshot,
            Mode::Pitr,
            [Method::Auto, Method::Backtrack, Method::Snapshot].as_slice(),
        ),
        _ => (
            Method::PointInTime,
            Mode::Restore,
            [
                Method::Auto,
                Method::Backtrack,
                Method::Clone,
                Method::PointInTime,
            ]
            .as_slice(),
        ),
    };
    let Some(value) = raw.get("method") else {
        return Ok(own);
    };
    let names = || {
        allowed
            .iter()
            .map(|method| method.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(method) = Method::parse(value) else {
        return Err(bad(
            "method",
            format!("must be one of {} in mode `{mode}`; got `{value}`", names()),
        ));
    };
    if !allowed.contains(&method) {
        let why = match method {
            Method::Snapshot => "restores a snapshot, which is mode `restore`'s way back",
            Method::PointInTime => {
                "restores to a point in time from the automated backups, which is mode `pitr`'s way back"
            }
            _ => {
                "makes an Aurora clone of the cluster as it is now, not of a snapshot: that is mode `pitr` with `restore-time: latest`"
            }
        };
        return Err(bad(
            "method",
            format!(
                "`{method}` {why}; set `mode: {other}`, or in mode `{mode}` use one of {}",
                names()
            ),
        ));
    }
    Ok(method)
}

/// A Backtrack rewinds the DB the application uses, so it is only done
/// when the step says the rollback is in place.
fn backtrack_in_place(method: Method, in_place: Option<&InPlace>) -> Result<(), InputError> {
    if method == Method::Backtrack && in_place.is_none() {
        return Err(bad(
            "method",
            "`backtrack` rewinds the live DB cluster itself rather than making a new one; set `in-place: true` to say that is meant, or use `method: auto` to restore into a new DB unless in place",
        ));
    }
    Ok(())
}

/// `force` matters only where a Backtrack may be made.
fn force(raw: &RawInputs, method: Method, ignored: &mut Vec<String>) -> Result<bool, InputError> {
    let force = boolean(raw, "force")?.unwrap_or(false);
    if force && !matches!(method, Method::Auto | Method::Backtrack) {
        ignored.push(format!(
            "input `force` has no effect with `method: {method}`: it lets a Backtrack rewind a cluster that writes a binary log (`method: backtrack` or `auto`)"
        ));
        return Ok(false);
    }
    Ok(force)
}

/// `restore-type` and `method` both say whether a `pitr` clones: given
/// together, they must agree.
fn restore_type_agrees(raw: &RawInputs, method: Method) -> Result<(), InputError> {
    let (Some(kind), Some(given)) = (raw.get("restore-type"), raw.get("method")) else {
        return Ok(());
    };
    let agrees = matches!(
        (kind, method),
        ("copy-on-write", Method::Clone) | ("full-copy", Method::PointInTime)
    );
    if agrees || !matches!(kind, "copy-on-write" | "full-copy") {
        return Ok(());
    }
    Err(bad(
        "method",
        format!(
            "`{given}` contradicts input `restore-type` `{kind}`, which already chooses {}; remove `restore-type` and keep `method` (`method: clone` is the same as `restore-type: copy-on-write`)",
            if kind == "copy-on-write" {
                "an Aurora clone"
            } else {
                "a full point-in-time restore"
            }
        ),
    ))
}

fn same_as_source(db: &DbRef) -> InputError {
    bad(
        db.kind.target_input(),
        format!(
            "`{0}` is the source {1}; a restore creates a new one, so give it a new name such as `{0}-rollback`",
            db.id,
            db.kind.noun()
        ),
    )
}

/// A cluster's snapshot or point in time restores to a cluster; an
/// instance's to an instance. (A DB instance named as the source may be an
/// Aurora cluster member: that is resolved once RDS is asked.)
fn check_kinds(source: Option<&DbRef>, target: &Target) -> Result<(), InputError> {
    if let Some(source) = source
        && source.kind == Kind::Cluster
        && target.kind == Kind::Instance
    {
        return Err(bad(
            "target-db-instance-identifier",
            format!(
                "names a new DB instance, but the source `{}` is an Aurora DB cluster, which restores to a new cluster; set `target-db-cluster-identifier` instead (its instances are created for you)",
                source.id
            ),
        ));
    }
    Ok(())
}

/// `in-place: true`: the DB to replace (the source input) and the run,
/// which a re-run needs to find the swap it started.
fn in_place(
    raw: &RawInputs,
    source: Option<&DbRef>,
    run_id: Option<&str>,
) -> Result<Option<InPlace>, InputError> {
    if boolean(raw, "in-place")? != Some(true) {
        return Ok(None);
    }
    let Some(db) = source else {
        return Err(bad(
            "db-instance-identifier",
            "is required with `in-place: true`: give the DB the application uses, whose name the restored copy takes (or `db-cluster-identifier` for an Aurora cluster)",
        ));
    };
    let Some(run) = run_id else {
        return Err(bad(
            "run-id",
            "is required with `in-place: true`, so that a re-run finds the swap this run started and finishes or undoes it; GitHub Actions sets `GITHUB_RUN_ID`, elsewhere pass your CI's build ID as `--run-id`",
        ));
    };
    Ok(Some(InPlace {
        db: db.clone(),
        run: run.to_owned(),
    }))
}

/// The new DB: `target-db-*-identifier` (or, in place, a temporary name)
/// and the settings the inputs give it.
fn target(
    raw: &RawInputs,
    run_id: Option<String>,
    in_place: Option<&InPlace>,
    ignored: &mut Vec<String>,
) -> Result<Target, InputError> {
    let instance = optional_db_id(raw, "target-db-instance-identifier", Kind::Instance)?;
    let cluster = optional_db_id(raw, "target-db-cluster-identifier", Kind::Cluster)?;
    let (kind, id) = match (instance, cluster) {
        (Some(instance), Some(cluster)) => {
            return Err(bad(
                "target-db-cluster-identifier",
                format!(
                    "`{cluster}` and input `target-db-instance-identifier` `{instance}` both name the new DB; give only one (`target-db-cluster-identifier` to restore an Aurora cluster)"
                ),
            ));
        }
        (Some(id), None) => (Kind::Instance, id),
        (None, Some(id)) => (Kind::Cluster, id),
        (None, None) if in_place.is_some() => {
            let swap = in_place.expect("checked");
            (swap.db.kind, naming::temporary_id(&swap.db.id, &swap.run))
        }
        (None, None) => {
            return Err(bad(
                "target-db-instance-identifier",
                "is required: give the name of the DB instance to create (or set `target-db-cluster-identifier` to restore an Aurora cluster)",
            ));
        }
    };
    let readers = match raw.get("reader-count") {
        None => None,
        Some(_) if kind == Kind::Instance => {
            return Err(bad(
                "reader-count",
                "is for Aurora cluster restores (`target-db-cluster-identifier`); remove it, since a DB instance has no readers",
            ));
        }
        Some(value) => Some(value.parse::<u32>().ok().filter(|n| *n <= 15).ok_or_else(|| {
            bad(
                "reader-count",
                format!(
                    "must be a whole number from 0 (writer only) to 15 (Aurora's limit of readers); got `{value}`"
                ),
            )
        })?),
    };
    let not_for = |input: &'static str, why: &str| {
        raw.is_given(input)
            .then(|| format!("input `{input}` has no effect on {why}"))
    };
    ignored.extend(match kind {
        Kind::Cluster => [
            not_for(
                "option-group-name",
                "an Aurora cluster: Aurora has no option groups; the cluster's settings are in `db-cluster-parameter-group-name`",
            ),
            not_for(
                "multi-az",
                "an Aurora cluster: its availability comes from its readers (`reader-count`)",
            ),
        ],
        Kind::Instance => [
            not_for(
                "db-cluster-parameter-group-name",
                "a DB instance; it is for Aurora cluster restores (`target-db-cluster-identifier`)",
            ),
            None,
        ],
    }
    .into_iter()
    .flatten());
    let security_groups = raw
        .get("vpc-security-group-ids")
        .map(list)
        .unwrap_or_default();
    for group in &security_groups {
        if !group.starts_with("sg-") || !group[3..].chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(
                "vpc-security-group-ids",
                format!(
                    "must list security group IDs such as `sg-0123456789abcdef0`; got `{group}`"
                ),
            ));
        }
    }
    let class = raw.get("db-instance-class").map(str::to_owned);
    if let Some(class) = &class
        && !class.starts_with("db.")
    {
        return Err(bad(
            "db-instance-class",
            format!("must be an RDS instance class such as `db.t3.micro`; got `{class}`"),
        ));
    }
    for input in [
        "db-subnet-group-name",
        "db-parameter-group-name",
        "db-cluster-parameter-group-name",
        "option-group-name",
    ] {
        if let Some(name) = raw.get(input) {
            group_name(input, name)?;
        }
    }
    let mut inputs = Settings::new();
    let text = |input| raw.get(input).map(|value| Value::Text(value.to_owned()));
    let given = [
        (settings::DB_INSTANCE_CLASS, class.map(Value::Text)),
        (settings::DB_SUBNET_GROUP, text("db-subnet-group-name")),
        (
            settings::VPC_SECURITY_GROUPS,
            (!security_groups.is_empty()).then(|| Value::list(security_groups)),
        ),
        (
            settings::MULTI_AZ,
            boolean(raw, "multi-az")?.map(Value::Flag),
        ),
        // On unless the step says otherwise: a rollback DB is production.
        (
            settings::DELETION_PROTECTION,
            Some(Value::Flag(
                boolean(raw, "deletion-protection")?.unwrap_or(true),
            )),
        ),
        (
            settings::DB_PARAMETER_GROUP,
            text("db-parameter-group-name"),
        ),
        (settings::OPTION_GROUP, text("option-group-name")),
        (
            settings::DB_CLUSTER_PARAMETER_GROUP,
            text("db-cluster-parameter-group-name"),
        ),
    ];
    for (name, value) in given {
        if let Some(value) = value {
            inputs.insert(name, value);
        }
    }
    Ok(Target {
        kind,
        id,
        readers,
        inputs,
        carry: boolean(raw, "carry-settings")?.unwrap_or(true),
        tags: user_tags(raw)?,
        run_id,
    })
}

/// A group name as RDS names groups: up to 255 characters, letters,
/// digits and hyphens for the groups one creates (API_CreateDBParameterGroup,
/// API_CreateOptionGroup), with the periods and colons of the engines'
/// defaults (`default.postgres16`, `default:mysql-8-0`), and for a subnet
/// group also underscores and spaces (API_CreateDBSubnetGroup). Whether the
/// group exists is asked of RDS before the restore (`restore/build.rs`).
fn group_name(input: &'static str, name: &str) -> Result<(), InputError> {
    let subnet = input == "db-subnet-group-name";
    let allowed = |c: char| {
        c.is_ascii_alphanumeric() || "-.:".contains(c) || (subnet && (c == '_' || c == ' '))
    };
    if name.len() <= 255 && name.chars().all(allowed) {
        return Ok(());
    }
    Err(bad(
        input,
        format!(
            "must be the name of a group in this region: up to 255 letters, digits, hyphens, periods or colons{}, such as `prod-postgres16`; got `{name}`",
            if subnet {
                ", underscores or spaces"
            } else {
                ""
            }
        ),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::config::testing::{ctx, err, now};
    use crate::config::{Action, plan};

    #[test]
    fn restore_choices() {
        let restore = || {
            RawInputs::default()
                .with("mode", "restore")
                .with("target-db-instance-identifier", "prod-rollback")
        };
        let choice = |raw: RawInputs| match plan(&raw, &ctx(), now()).unwrap().action {
            Action::Restore(restore) => restore.choice,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            choice(restore().with("snapshot-identifier", "Snap-1")),
            SnapshotChoice::Id("snap-1".into())
        );
        assert_eq!(
            choice(
                restore()
                    .with("snapshot-identifier", "latest")
                    .with("db-instance-identifier", "prod")
            ),
            SnapshotChoice::Latest
        );
        // Identifiers are not case-sensitive in RDS, so neither is the keyword.
        assert_eq!(
            choice(
                restore()
                    .with("snapshot-identifier", "LATEST")
                    .with("db-instance-identifier", "prod")
            ),
            SnapshotChoice::Latest
        );
        assert_eq!(
            choice(
                restore()
                    .with("deploy-version", "v1")
                    .with("db-instance-identifier", "prod")
            ),
            SnapshotChoice::DeployVersion("v1".into())
        );
        assert_eq!(
            err(restore().with("snapshot-identifier", "latest")).input,
            "db-instance-identifier"
        );
        assert_eq!(
            err(restore()
                .with("snapshot-identifier", "latest")
                .with("deploy-version", "v1")
                .with("db-instance-identifier", "prod"))
            .input,
            "snapshot-identifier"
        );
    }

    // Issue 24: group names reached the restore call unchecked.
    #[test]
    fn group_names_are_checked_before_any_call() {
        let restore = || {
            RawInputs::default()
                .with("mode", "restore")
                .with("snapshot-identifier", "snap-1")
                .with("target-db-instance-identifier", "prod-rollback")
        };
        for input in [
            "db-subnet-group-name",
            "db-parameter-group-name",
            "option-group-name",
        ] {
            for good in ["prod-pg16", "default.postgres16", "default:mysql-8-0"] {
                assert!(
                    plan(&restore().with(input, good), &ctx(), now()).is_ok(),
                    "{input} {good}"
                );
            }
            for bad in ["a,b", "pg/16", "x\u{1b}[31m", &"a".repeat(256)] {
                let error = err(restore().with(input, bad));
                assert_eq!(error.input, input, "{bad}");
                assert!(error.problem.contains(&format!("`{bad}`")), "{error}");
            }
        }
        assert!(
            plan(
                &restore().with("db-subnet-group-name", "my_subnets 1"),
                &ctx(),
                now()
            )
            .is_ok()
        );
        assert_eq!(
            err(restore().with("db-parameter-group-name", "my_params")).input,
            "db-parameter-group-name"
        );
    }

    #[test]
    fn pitr_times() {
        let pitr = |time: &str| {
            RawInputs::default()
                .with("mode", "pitr")
                .with("db-instance-identifier", "prod")
                .with("target-db-instance-identifier", "prod-pitr")
                .with("restore-time", time)
        };
        let time = |raw: RawInputs| match plan(&raw, &ctx(), now()).unwrap().action {
            Action::Pitr(pitr) => pitr.time,
            other => panic!("{other:?}"),
        };
        assert_eq!(time(pitr("latest")), RestoreTime::Latest);
        assert_eq!(time(pitr("Latest")), RestoreTime::Latest);
        assert_eq!(
            time(pitr("2026-11-22T13:00:00+02:00")),
            RestoreTime::At(
                DateTime::parse_from_rfc3339("2026-11-22T11:00:00Z")
                    .unwrap()
                    .to_utc()
            )
        );
        // The fraction is dropped once, here: the time validated against
        // the window is the time sent.
        assert_eq!(
            time(pitr("2026-11-22T10:59:59.999Z")),
            RestoreTime::At(
                DateTime::parse_from_rfc3339("2026-11-22T10:59:59Z")
                    .unwrap()
                    .to_utc()
            )
        );
        assert!(err(pitr("yesterday")).to_string().contains("RFC 3339"));
        assert!(
            err(pitr("2026-11-22T12:00:01Z"))
                .to_string()
                .contains("in the future")
        );
        assert_eq!(
            err(pitr("latest").with("snapshot-identifier", "latest")).input,
            "snapshot-identifier"
        );
    }

    #[test]
    fn method_defaults_to_the_modes_own_way_and_checks_what_it_is_given() {
        let pitr = |time: &str| {
            RawInputs::default()
                .with("mode", "pitr")
                .with("db-cluster-identifier", "pay")
                .with("target-db-cluster-identifier", "pay-pitr")
                .with("restore-time", time)
        };
        let of = |raw: RawInputs| match plan(&raw, &ctx(), now()).unwrap().action {
            Action::Pitr(pitr) => (pitr.method, pitr.clone, pitr.force),
            other => panic!("{other:?}"),
        };
        // Not given (or empty, as an unset expression gives it): as before
        // `method` existed.
        assert_eq!(of(pitr("latest")), (Method::PointInTime, false, false));
        assert_eq!(
            of(pitr("latest").with("method", "")),
            (Method::PointInTime, false, false)
        );
        assert_eq!(
            of(pitr("latest").with("restore-type", "copy-on-write")),
            (Method::Clone, true, false)
        );
        assert_eq!(
            of(pitr("latest").with("method", "clone")),
            (Method::Clone, true, false)
        );
        assert_eq!(
            of(pitr("latest")
                .with("method", "clone")
                .with("restore-type", "copy-on-write")),
            (Method::Clone, true, false)
        );
        assert_eq!(
            of(pitr("latest").with("method", "AUTO").with("force", "true")),
            (Method::Auto, false, true)
        );
        // `force` without a Backtrack to force is said to have no effect.
        let forced = plan(
            &pitr("latest")
                .with("method", "point-in-time")
                .with("force", "true"),
            &ctx(),
            now(),
        )
        .unwrap();
        assert!(forced.ignored[0].contains("input `force` has no effect"));
        let restore = RawInputs::default()
            .with("mode", "restore")
            .with("snapshot-identifier", "snap-1")
            .with("target-db-instance-identifier", "prod-rb");
        match plan(&restore, &ctx(), now()).unwrap().action {
            Action::Restore(restore) => assert_eq!(restore.method, Method::Snapshot),
            other => panic!("{other:?}"),
        }
        for (raw, input, text) in [
            (
                pitr("latest").with("method", "fast"),
                "method",
                "one of auto, backtrack, clone, point-in-time",
            ),
            (
                pitr("latest").with("method", "snapshot"),
                "method",
                "set `mode: restore`",
            ),
            (
                restore.clone().with("method", "clone"),
                "method",
                "set `mode: pitr`",
            ),
            (
                restore.clone().with("method", "backtrack"),
                "method",
                "set `in-place: true`",
            ),
            (
                pitr("2026-11-22T11:00:00Z").with("method", "backtrack"),
                "method",
                "set `in-place: true`",
            ),
            (
                pitr("2026-11-22T11:00:00Z").with("method", "clone"),
                "restore-time",
                "must be `latest` with `method: clone`",
            ),
            (
                pitr("latest")
                    .with("method", "auto")
                    .with("restore-type", "copy-on-write"),
                "method",
                "contradicts input `restore-type` `copy-on-write`",
            ),
            (
                pitr("latest")
                    .with("method", "clone")
                    .with("restore-type", "full-copy"),
                "method",
                "contradicts input `restore-type` `full-copy`",
            ),
        ] {
            let error = err(raw);
            assert_eq!(error.input, input, "{error}");
            assert!(error.problem.contains(text), "{error}");
        }
        let in_place = |time: &str| {
            RawInputs::default()
                .with("mode", "pitr")
                .with("db-cluster-identifier", "pay")
                .with("restore-time", time)
                .with("in-place", "true")
                .with("method", "backtrack")
        };
        assert_eq!(
            of(in_place("2026-11-22T11:00:00Z")),
            (Method::Backtrack, false, false)
        );
        let error = err(in_place("latest"));
        assert_eq!(error.input, "restore-time");
        assert!(
            error
                .problem
                .contains("cannot be `latest` with `method: backtrack`")
        );
        // A Backtrack plans, and so does the in-place swap.
        for method in ["backtrack", "point-in-time"] {
            assert!(
                plan(
                    &in_place("2026-11-22T11:00:00Z")
                        .with("method", method)
                        .with("plan", "true"),
                    &ctx(),
                    now()
                )
                .unwrap()
                .plan_only,
                "{method}"
            );
        }
    }

    #[test]
    fn a_mode_about_one_db_refuses_several() {
        let raw = RawInputs::default()
            .with("mode", "pitr")
            .with("db-instance-identifier", "prod,billing")
            .with("restore-time", "latest")
            .with("target-db-instance-identifier", "prod-rb");
        let error = plan(&raw, &ctx(), now()).unwrap_err();
        assert_eq!(error.input, "db-instance-identifier");
        assert!(error.problem.contains("names 2 DBs"), "{error}");
    }
}
