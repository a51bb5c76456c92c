//! Which settings fit the engine version a restore brings back.
//!
//! A snapshot restores the engine version it was taken at, and RDS refuses
//! a restore whose settings belong to another one with
//! InvalidParameterCombination: a DB parameter group (or DB cluster
//! parameter group) of another family, an option group of another major
//! version, an instance class the version is not offered on
//! (API_RestoreDBInstanceFromDBSnapshot, DBParameterGroupName: "must be
//! compatible with the engine of the DB instance"; OptionGroupName;
//! DescribeOrderableDBInstanceOptions). After a deploy that upgraded the
//! engine, the source's settings of today are exactly those.
//!
//! [`choose`] decides, from what RDS says of each candidate ([`Facts`]),
//! which value each of those settings gets: the one at the snapshot where
//! it still fits, else the source's current one where that fits, else the
//! engine's default (the setting left out of the call). [`since`] says
//! what changed since the snapshot, for the summary. Both are pure; the
//! calls that gather the facts live in `rds/`.

use std::collections::{BTreeMap, BTreeSet};

use crate::settings::{self, Settings, Value};

/// The settings whose fit depends on the engine version.
pub const CHECKED: &[&str] = &[
    settings::DB_PARAMETER_GROUP,
    settings::DB_CLUSTER_PARAMETER_GROUP,
    settings::OPTION_GROUP,
    settings::DB_INSTANCE_CLASS,
];

/// The engine version being restored, and what RDS says of each group and
/// class that might be used with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub engine: String,
    pub version: String,
    /// The version's DBParameterGroupFamily (DescribeDBEngineVersions);
    /// `None` when RDS did not say, and parameter groups are then not judged.
    pub family: Option<String>,
    /// Each DB parameter group looked up: its family, or `None` if it does
    /// not exist.
    pub parameter_groups: BTreeMap<String, Option<String>>,
    /// The same for DB cluster parameter groups.
    pub cluster_parameter_groups: BTreeMap<String, Option<String>>,
    /// Each option group looked up: its engine and MajorEngineVersion, or
    /// `None` if it does not exist.
    pub option_groups: BTreeMap<String, Option<(String, String)>>,
    /// Each class looked up: whether the version is offered on it.
    pub classes: BTreeMap<String, bool>,
}

/// The major version option groups are made for: one number from
/// PostgreSQL 10 on (`15.4` is `15`), two otherwise (`8.0.36` is `8.0`),
/// as CreateOptionGroup's MajorEngineVersion takes them.
pub fn major_version(engine: &str, version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let one = engine.contains("postgres") && parts[0].parse::<u32>().is_ok_and(|major| major >= 10);
    if one || parts.len() < 2 {
        parts[0].to_owned()
    } else {
        parts[..2].join(".")
    }
}

/// The names to look up before [`choose`]: every candidate of each checked
/// setting, in `first` and `then`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    pub parameter_groups: BTreeSet<String>,
    pub cluster_parameter_groups: BTreeSet<String>,
    pub option_groups: BTreeSet<String>,
    pub classes: BTreeSet<String>,
}

pub fn wanted(candidates: &[Option<&Settings>]) -> Wanted {
    let mut out = Wanted::default();
    for settings in candidates.iter().flatten() {
        for name in CHECKED {
            if let Some(Value::Text(value)) = settings.get(name) {
                let set = match *name {
                    settings::DB_PARAMETER_GROUP => &mut out.parameter_groups,
                    settings::DB_CLUSTER_PARAMETER_GROUP => &mut out.cluster_parameter_groups,
                    settings::OPTION_GROUP => &mut out.option_groups,
                    _ => &mut out.classes,
                };
                set.insert(value.clone());
            }
        }
    }
    out
}

/// Why a value does not fit, or `None` if it does.
pub fn misfit(name: &str, value: &str, facts: &Facts) -> Option<String> {
    let at = format!("{} {}", facts.engine, facts.version);
    let group_family = |found: Option<&Option<String>>, what: &str| match found {
        Some(None) => Some(format!("{what} `{value}` no longer exists")),
        Some(Some(family)) => match &facts.family {
            Some(wanted) if !family.is_empty() && family != wanted => Some(format!(
                "{what} `{value}` is of family `{family}`, and {at} needs `{wanted}`"
            )),
            _ => None,
        },
        None => None,
    };
    match name {
        settings::DB_PARAMETER_GROUP => {
            group_family(facts.parameter_groups.get(value), "DB parameter group")
        }
        settings::DB_CLUSTER_PARAMETER_GROUP => group_family(
            facts.cluster_parameter_groups.get(value),
            "DB cluster parameter group",
        ),
        settings::OPTION_GROUP => match facts.option_groups.get(value) {
            Some(None) => Some(format!("option group `{value}` no longer exists")),
            Some(Some((engine, major))) => {
                let wanted = major_version(&facts.engine, &facts.version);
                (engine != &facts.engine || major != &wanted).then(|| {
                    format!(
                        "option group `{value}` is for {engine} {major}, and {at} needs one for {} {wanted}",
                        facts.engine
                    )
                })
            }
            None => None,
        },
        settings::DB_INSTANCE_CLASS => match facts.classes.get(value) {
            Some(false) => Some(format!("{at} is not offered on class `{value}`")),
            _ => None,
        },
        _ => None,
    }
}

/// A checked setting that could not keep its first value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    pub setting: &'static str,
    /// The value it had first (at the snapshot, or the source's).
    pub first: String,
    /// Whether `first` came from the first settings (at the snapshot); if
    /// not, they held none for it, and it is the source's current value.
    pub from_first: bool,
    /// What the restore uses instead; `None`: the engine's default.
    pub used: Option<String>,
    /// Why the first value (and the source's, where tried) does not fit.
    pub why: String,
}

impl Fallback {
    /// The warning, naming both values; `first` says where a value from
    /// the first settings came from.
    pub fn warning(&self, first: &str) -> String {
        let from = if self.from_first {
            first
        } else {
            "the source's current"
        };
        format!(
            "{} `{}` ({from}) cannot be used: {}; the rollback uses {} instead",
            self.setting,
            self.first,
            self.why,
            match &self.used {
                Some(used) => format!("the source's current `{used}`, which fits"),
                None => "the engine's default".to_owned(),
            }
        )
    }
}

/// The settings the restore is built from: `first` (recorded at the
/// snapshot, or for a snapshot this action did not make, what is known of
/// the DB at the snapshot) over `current` (the source today); each checked
/// setting that does not fit the restored version falls back to the
/// source's current value where that fits, else it is left out so that
/// RDS gives the engine's default.
pub fn choose(
    first: Option<&Settings>,
    current: Option<&Settings>,
    facts: &Facts,
) -> (Settings, Vec<Fallback>) {
    let mut basis: Settings = current.cloned().unwrap_or_default();
    if let Some(first) = first {
        basis.extend(first.iter().map(|(name, value)| (*name, value.clone())));
    }
    let mut fallbacks = Vec::new();
    for name in CHECKED {
        let Some(Value::Text(value)) = basis.get(name).cloned() else {
            continue;
        };
        let Some(why) = misfit(name, &value, facts) else {
            continue;
        };
        let now = match current.and_then(|current| current.get(name)) {
            Some(Value::Text(now)) if *now != value => Some(now.clone()),
            _ => None,
        };
        let (used, why) = match now {
            Some(now) => match misfit(name, &now, facts) {
                None => (Some(now), why),
                Some(also) => (None, format!("{why}; the source's current {also}")),
            },
            None => (None, why),
        };
        match &used {
            Some(used) => basis.insert(name, Value::Text(used.clone())),
            None => basis.remove(name),
        };
        let from_first = first.is_some_and(|first| first.contains_key(name));
        fallbacks.push(Fallback {
            setting: name,
            first: value,
            from_first,
            used,
            why,
        });
    }
    (basis, fallbacks)
}

/// An input that names a group or class the restored version cannot take:
/// the error names the input, the value and why.
pub fn input_misfit(
    inputs: &Settings,
    fields: &[settings::Field],
    facts: &Facts,
) -> Option<String> {
    for field in fields {
        if let (Some(input), Some(Value::Text(value))) = (field.input, inputs.get(field.name))
            && !missing(field.name, value, facts)
            && let Some(why) = misfit(field.name, value, facts)
        {
            return Some(format!(
                "input `{input}` `{value}` cannot be used for the restore: {why}; nothing was changed. Name one that fits {} {}, or leave the input out",
                facts.engine, facts.version
            ));
        }
    }
    None
}

/// Whether `value` names a group the account does not have. An input that
/// does is left to the groups' existence check, which says so in the
/// words of a name that never existed, rather than "no longer exists".
fn missing(name: &str, value: &str, facts: &Facts) -> bool {
    match name {
        settings::DB_PARAMETER_GROUP => matches!(facts.parameter_groups.get(value), Some(None)),
        settings::DB_CLUSTER_PARAMETER_GROUP => {
            matches!(facts.cluster_parameter_groups.get(value), Some(None))
        }
        settings::OPTION_GROUP => matches!(facts.option_groups.get(value), Some(None)),
        _ => false,
    }
}

/// What changed since the snapshot, for the summary: the engine version
/// and each checked setting that differs between `at` (the snapshot) and
/// `now` (the source today), and what the rollback uses. `None` when
/// nothing did.
pub fn since(
    versions: (Option<&str>, Option<&str>),
    at: &Settings,
    now: &Settings,
    used: &Settings,
) -> Option<String> {
    let mut parts = Vec::new();
    if let (Some(then), Some(now)) = versions
        && then != now
    {
        parts.push(format!("engine {then} → {now} since this snapshot"));
    }
    for (name, label) in [
        (settings::DB_PARAMETER_GROUP, "parameter group"),
        (
            settings::DB_CLUSTER_PARAMETER_GROUP,
            "cluster parameter group",
        ),
        (settings::OPTION_GROUP, "option group"),
        (settings::DB_INSTANCE_CLASS, "class"),
    ] {
        let (Some(then), Some(today)) = (at.get(name), now.get(name)) else {
            continue;
        };
        if then == today {
            continue;
        }
        let mut part = format!("{label} `{then}` → `{today}`");
        match used.get(name) {
            Some(value) if value == then => {
                part.push_str(&format!("; the rollback uses `{then}`, as at the snapshot"));
            }
            Some(value) => part.push_str(&format!("; the rollback uses `{value}`")),
            None => part.push_str("; the rollback uses the engine's default"),
        }
        parts.push(part);
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    fn facts() -> Facts {
        Facts {
            engine: "postgres".to_owned(),
            version: "15.4".to_owned(),
            family: Some("postgres15".to_owned()),
            parameter_groups: BTreeMap::from([
                ("app-pg15".to_owned(), Some("postgres15".to_owned())),
                ("app-pg16".to_owned(), Some("postgres16".to_owned())),
                ("gone".to_owned(), None),
            ]),
            cluster_parameter_groups: BTreeMap::new(),
            option_groups: BTreeMap::from([
                (
                    "default:postgres-15".to_owned(),
                    Some(("postgres".to_owned(), "15".to_owned())),
                ),
                (
                    "default:postgres-16".to_owned(),
                    Some(("postgres".to_owned(), "16".to_owned())),
                ),
            ]),
            classes: BTreeMap::from([
                ("db.m6g.large".to_owned(), true),
                ("db.m8g.large".to_owned(), false),
            ]),
        }
    }

    fn at_snapshot() -> Settings {
        Settings::from([
            (settings::DB_PARAMETER_GROUP, text("app-pg15")),
            (settings::OPTION_GROUP, text("default:postgres-15")),
            (settings::DB_INSTANCE_CLASS, text("db.m6g.large")),
            (settings::DB_SUBNET_GROUP, text("prod")),
        ])
    }

    fn after_upgrade() -> Settings {
        Settings::from([
            (settings::DB_PARAMETER_GROUP, text("app-pg16")),
            (settings::OPTION_GROUP, text("default:postgres-16")),
            (settings::DB_INSTANCE_CLASS, text("db.m8g.large")),
            (settings::DB_SUBNET_GROUP, text("prod-new")),
        ])
    }

    #[test]
    fn the_settings_at_the_snapshot_win_over_todays_where_they_fit() {
        let (basis, fallbacks) = choose(Some(&at_snapshot()), Some(&after_upgrade()), &facts());
        assert!(fallbacks.is_empty(), "{fallbacks:?}");
        assert_eq!(basis, at_snapshot());
    }

    #[test]
    fn todays_groups_of_the_new_version_are_refused_without_a_record() {
        let (basis, fallbacks) = choose(None, Some(&after_upgrade()), &facts());
        // Neither is an alternative: the engine's defaults.
        assert_eq!(basis.get(settings::DB_PARAMETER_GROUP), None);
        assert_eq!(basis.get(settings::OPTION_GROUP), None);
        assert_eq!(basis.get(settings::DB_INSTANCE_CLASS), None);
        assert_eq!(basis[settings::DB_SUBNET_GROUP], text("prod-new"));
        // Nothing was recorded: each value is named as the source's.
        assert!(
            fallbacks[0].warning("as at the snapshot").starts_with(
                "DBParameterGroupName `app-pg16` (the source's current) cannot be used"
            ),
            "{fallbacks:?}"
        );
        let why: Vec<&str> = fallbacks.iter().map(|f| f.why.as_str()).collect();
        assert_eq!(
            why,
            [
                "DB parameter group `app-pg16` is of family `postgres16`, and postgres 15.4 needs `postgres15`",
                "option group `default:postgres-16` is for postgres 16, and postgres 15.4 needs one for postgres 15",
                "postgres 15.4 is not offered on class `db.m8g.large`",
            ]
        );
    }

    #[test]
    fn a_recorded_group_since_deleted_falls_back_to_the_current_one_if_it_fits() {
        let mut recorded = at_snapshot();
        recorded.insert(settings::DB_PARAMETER_GROUP, text("gone"));
        let mut current = after_upgrade();
        let (basis, fallbacks) = choose(Some(&recorded), Some(&current), &facts());
        // Today's is of the new family: the default.
        assert_eq!(basis.get(settings::DB_PARAMETER_GROUP), None);
        assert_eq!(fallbacks.len(), 1);
        assert!(fallbacks[0].why.contains("`gone` no longer exists"));
        assert!(
            fallbacks[0]
                .why
                .contains("the source's current DB parameter group `app-pg16` is of family")
        );
        assert!(
            fallbacks[0]
                .warning("as at the snapshot")
                .contains("the engine's default")
        );
        // A source still on a fitting group keeps it.
        current.insert(settings::DB_PARAMETER_GROUP, text("app-pg15"));
        let (basis, fallbacks) = choose(Some(&recorded), Some(&current), &facts());
        assert_eq!(basis[settings::DB_PARAMETER_GROUP], text("app-pg15"));
        let warning = fallbacks[0].warning("as at the snapshot");
        assert!(warning.contains("`gone` (as at the snapshot)"), "{warning}");
        assert!(
            warning.contains("the source's current `app-pg15`"),
            "{warning}"
        );
    }

    #[test]
    fn unknown_facts_do_not_refuse() {
        let none = Facts {
            engine: "postgres".to_owned(),
            version: "15.4".to_owned(),
            ..Facts::default()
        };
        let (basis, fallbacks) = choose(None, Some(&after_upgrade()), &none);
        assert!(fallbacks.is_empty());
        assert_eq!(basis, after_upgrade());
    }

    #[test]
    fn an_input_that_does_not_fit_is_named() {
        let inputs = Settings::from([(settings::DB_PARAMETER_GROUP, text("app-pg16"))]);
        let error = input_misfit(&inputs, settings::FIELDS, &facts()).unwrap();
        assert!(
            error.starts_with("input `db-parameter-group-name` `app-pg16` cannot be used"),
            "{error}"
        );
        let fine = Settings::from([(settings::DB_PARAMETER_GROUP, text("app-pg15"))]);
        assert_eq!(input_misfit(&fine, settings::FIELDS, &facts()), None);
    }

    #[test]
    fn major_versions_are_named_as_option_groups_name_them() {
        assert_eq!(major_version("postgres", "15.4"), "15");
        assert_eq!(major_version("postgres", "9.6.22"), "9.6");
        assert_eq!(major_version("mysql", "8.0.36"), "8.0");
        assert_eq!(major_version("aurora-postgresql", "16.4"), "16");
    }

    #[test]
    fn the_summary_says_what_changed_and_what_the_rollback_uses() {
        let (used, _) = choose(Some(&at_snapshot()), Some(&after_upgrade()), &facts());
        let line = since(
            (Some("15.4"), Some("16.1")),
            &at_snapshot(),
            &after_upgrade(),
            &used,
        )
        .unwrap();
        assert!(
            line.starts_with("engine 15.4 → 16.1 since this snapshot; parameter group `app-pg15` → `app-pg16`; the rollback uses `app-pg15`, as at the snapshot"),
            "{line}"
        );
        assert_eq!(
            since(
                (Some("15.4"), Some("15.4")),
                &at_snapshot(),
                &at_snapshot(),
                &used
            ),
            None
        );
    }

    #[test]
    fn every_candidate_is_looked_up() {
        let wanted = wanted(&[Some(&at_snapshot()), Some(&after_upgrade()), None]);
        assert_eq!(
            wanted.parameter_groups.into_iter().collect::<Vec<_>>(),
            ["app-pg15", "app-pg16"]
        );
        assert_eq!(wanted.classes.len(), 2);
    }
}
