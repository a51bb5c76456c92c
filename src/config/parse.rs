//! The parsers the mode builders share: booleans, durations, lists,
//! counts, regions, DB and snapshot identifiers, the source DBs, the deploy
//! version, user tags and past times. Each names its input in its error.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{InputError, bad};
use crate::inputs::RawInputs;
use crate::model::{DbRef, Kind, Tag, rfc3339, tag};
use crate::naming::{self, MAX_INSTANCE_ID, MAX_SNAPSHOT_ID};

/// A whole number of at least 1, such as `keep-last`.
pub(super) fn count(raw: &RawInputs, input: &'static str) -> Result<Option<u32>, InputError> {
    let Some(value) = raw.get(input) else {
        return Ok(None);
    };
    match value.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(bad(
            input,
            format!("must be a whole number of at least 1; got `{value}`"),
        )),
    }
}

pub(super) fn snapshot_arn(arn: &str) -> Result<String, InputError> {
    // arn:<partition>:rds:<region>:<account>:snapshot:<id>
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let valid = parts.len() == 7
        && parts[2] == "rds"
        && is_region(parts[3])
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && match parts[5] {
            "snapshot" => naming::check_identifier(parts[6], MAX_SNAPSHOT_ID).is_ok(),
            "cluster-snapshot" => {
                naming::check_identifier(parts[6], naming::MAX_CLUSTER_SNAPSHOT_ID).is_ok()
            }
            _ => false,
        };
    if !valid {
        return Err(bad(
            "snapshot-identifier",
            format!(
                "must be a snapshot ID or a DB snapshot ARN such as `arn:aws:rds:us-east-1:123456789012:snapshot:prod-v1` (`:cluster-snapshot:` for an Aurora cluster snapshot); got `{arn}`"
            ),
        ));
    }
    Ok(arn.to_owned())
}

/// A time in the past, in RFC 3339, cut to whole seconds.
pub(super) fn past_time(
    value: &str,
    now: DateTime<Utc>,
    or: &str,
) -> Result<DateTime<Utc>, InputError> {
    let time = DateTime::parse_from_rfc3339(value)
        .map_err(|_| {
            bad(
                "restore-time",
                format!(
                    "must be an RFC 3339 time with a zone, such as `2026-11-20T14:29:59Z`, {or}; got `{value}`"
                ),
            )
        })?
        .to_utc();
    // The restore and Backtrack calls take whole seconds (the SDK sends the
    // time without its fraction), so the time checked against the window
    // must be the one sent: drop the fraction here, once.
    let time = DateTime::from_timestamp(time.timestamp(), 0).unwrap_or(time);
    if time > now {
        return Err(bad(
            "restore-time",
            format!(
                "`{value}` is in the future (it is now {}); pick a past time {or}",
                rfc3339(now)
            ),
        ));
    }
    Ok(time)
}

/// The source DB: `db-instance-identifier` or `db-cluster-identifier`.
pub(super) fn source(raw: &RawInputs, what: &str) -> Result<DbRef, InputError> {
    optional_source(raw)?.ok_or_else(|| {
        bad(
            "db-instance-identifier",
            format!(
                "is required: give {what} (or set `db-cluster-identifier` for an Aurora cluster)"
            ),
        )
    })
}

/// The DBs named for a mode that takes several (`snapshot`, `list`,
/// `prune`, `wait`): `db-instance-identifier` and `db-cluster-identifier`,
/// each one ID or several separated by commas or newlines, in the order
/// given, each once.
pub(super) fn sources(raw: &RawInputs, what: &str) -> Result<Vec<DbRef>, InputError> {
    let dbs = optional_sources(raw)?;
    if dbs.is_empty() {
        return Err(bad(
            "db-instance-identifier",
            format!(
                "is required: give {what} (or set `db-cluster-identifier` for an Aurora cluster)"
            ),
        ));
    }
    Ok(dbs)
}

pub(super) fn optional_sources(raw: &RawInputs) -> Result<Vec<DbRef>, InputError> {
    let mut dbs: Vec<DbRef> = Vec::new();
    for (input, kind) in [
        ("db-instance-identifier", Kind::Instance),
        ("db-cluster-identifier", Kind::Cluster),
    ] {
        for id in raw.get(input).map(list).unwrap_or_default() {
            let id = db_id(input, &id, kind)?;
            let db = DbRef { kind, id };
            if !dbs.contains(&db) {
                dbs.push(db);
            }
        }
    }
    Ok(dbs)
}

/// The source DB if one is named; naming both kinds, or several DBs, is
/// refused: the mode works on one.
pub(super) fn optional_source(raw: &RawInputs) -> Result<Option<DbRef>, InputError> {
    for input in ["db-instance-identifier", "db-cluster-identifier"] {
        if let Some(value) = raw.get(input)
            && list(value).len() > 1
        {
            return Err(bad(
                input,
                format!(
                    "names {} DBs (`{}`), but this mode works on one; give one ID (`snapshot`, `list`, `prune` and `wait` take several)",
                    list(value).len(),
                    list(value).join("`, `")
                ),
            ));
        }
    }
    let instance = optional_db_id(raw, "db-instance-identifier", Kind::Instance)?;
    let cluster = optional_db_id(raw, "db-cluster-identifier", Kind::Cluster)?;
    match (instance, cluster) {
        (Some(instance), Some(cluster)) => Err(bad(
            "db-cluster-identifier",
            format!(
                "`{cluster}` and input `db-instance-identifier` `{instance}` both name the source; give only one (`db-cluster-identifier` for an Aurora cluster, `db-instance-identifier` for an RDS instance)"
            ),
        )),
        (Some(id), None) => Ok(Some(DbRef::instance(id))),
        (None, Some(id)) => Ok(Some(DbRef::cluster(id))),
        (None, None) => Ok(None),
    }
}

pub(super) fn optional_db_id(
    raw: &RawInputs,
    input: &'static str,
    kind: Kind,
) -> Result<Option<String>, InputError> {
    raw.get(input).map(|id| db_id(input, id, kind)).transpose()
}

pub(super) fn db_id(input: &'static str, id: &str, kind: Kind) -> Result<String, InputError> {
    naming::check_identifier(id, MAX_INSTANCE_ID).map_err(|rule| {
        bad(
            input,
            format!("must {rule} to be a {} identifier; got `{id}`", kind.noun()),
        )
    })?;
    // RDS stores instance and cluster identifiers in lower case.
    Ok(id.to_ascii_lowercase())
}

pub(super) fn snapshot_id(id: &str, kind: Kind) -> Result<String, InputError> {
    naming::check_identifier(id, kind.max_snapshot_id()).map_err(|rule| {
        bad(
            "snapshot-identifier",
            format!(
                "must {rule} to be a {} identifier; got `{id}`",
                kind.snapshot_noun()
            ),
        )
    })?;
    Ok(id.to_ascii_lowercase())
}

/// A snapshot to read from (restore, copy, delete): a manual snapshot's ID,
/// or an automated one's (`rds:...`).
pub(super) fn snapshot_ref(id: &str) -> Result<String, InputError> {
    naming::check_snapshot_id(id).map_err(|rule| {
        bad(
            "snapshot-identifier",
            format!(
                "must {rule} to be a DB snapshot identifier (or `rds:` and one, for an automated snapshot); got `{id}`"
            ),
        )
    })?;
    Ok(id.to_ascii_lowercase())
}

/// The deploy version as its tag stores it: cleaned to what RDS accepts in
/// a tag value (a branch name such as `feature/JIRA-12#fix (hotfix)!` has
/// characters it refuses), so snapshot and restore agree on it.
pub(super) fn deploy_version(raw: &RawInputs) -> Result<Option<String>, InputError> {
    let Some(version) = raw.get("deploy-version") else {
        return Ok(None);
    };
    if naming::sanitise(version).is_empty() {
        return Err(bad(
            "deploy-version",
            format!(
                "must contain a letter or digit to name a snapshot after, such as `v2.4.1`; got `{version}`"
            ),
        ));
    }
    Ok(Some(naming::clean_tag_value(version)))
}

pub(super) fn user_tags(raw: &RawInputs) -> Result<Vec<Tag>, InputError> {
    let Some(text) = raw.get("tags") else {
        return Ok(Vec::new());
    };
    let mut tags: Vec<Tag> = Vec::new();
    for pair in list(text) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(bad(
                "tags",
                format!(
                    "must be `key=value` pairs separated by commas or newlines; `{pair}` has no `=`"
                ),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        naming::check_tag_key(key)
            .map_err(|rule| bad("tags", format!("key `{key}` must {rule}")))?;
        naming::check_tag_value(value)
            .map_err(|rule| bad("tags", format!("value `{value}` of `{key}` must {rule}")))?;
        if tags.iter().any(|tag| tag.key == key) {
            return Err(bad("tags", format!("sets key `{key}` twice; keep one")));
        }
        tags.push(tag(key, value));
    }
    Ok(tags)
}

/// Splits a list input on commas and newlines, dropping empty items.
pub(super) fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads a boolean input: only `true` and `false`, as the runner's own
/// inputs are spelled. `None` when not given and without a default.
///
/// A blank value for an input with a default is refused rather than read as
/// the default: it comes from an expression that evaluated to nothing, and
/// for `dry-run` the default is the side that deletes.
pub(super) fn boolean(raw: &RawInputs, input: &'static str) -> Result<Option<bool>, InputError> {
    if raw.is_blank(input) {
        return Err(bad(
            input,
            "is empty; an empty value comes from an expression that evaluated to nothing (the default applies only when the input is left out): set `true` or `false`",
        ));
    }
    match raw.get(input) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(value) => Err(bad(
            input,
            format!("must be `true` or `false`; got `{value}`"),
        )),
    }
}

/// Parses `45s`, `30m`, `2h`, `7d`, or a bare number of minutes.
pub fn duration(text: &str) -> Result<Duration, &'static str> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "m"),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| "must be a whole number with a unit `s`, `m`, `h` or `d`")?;
    let seconds = match unit.trim() {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        _ => return Err("must be a whole number with a unit `s`, `m`, `h` or `d`"),
    };
    if seconds == 0 {
        return Err("must be longer than zero");
    }
    Ok(Duration::from_secs(seconds))
}

/// As [`duration`], but a bare number is refused. On an input that selects
/// what to delete, `30` read as 30 minutes would delete far more than a user
/// who meant days expects.
pub fn duration_with_unit(text: &str) -> Result<Duration, &'static str> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "needs a unit: `s` (seconds), `m` (minutes), `h` (hours) or `d` (days); a bare number is refused",
        );
    }
    duration(text)
}

pub(super) fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|last| last.chars().all(|c| c.is_ascii_digit()))
}

/// A KMS key as CopyDBSnapshot and KMS's own calls take it: a key ID (a UUID, or `mrk-` and 32
/// hex digits for a multi-Region key), a key ARN, an alias name
/// (`alias/...`) or an alias ARN (API_CopyDBSnapshot, KmsKeyId; KMS's
/// KeyId and AliasName patterns: `alias/` then `[a-zA-Z0-9/_-]+`).
pub(super) fn kms_key(input: &'static str, value: &str) -> Result<String, InputError> {
    let alias = |name: &str| {
        name.strip_prefix("alias/").is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 250
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
        })
    };
    let key = |id: &str| {
        let hex = |part: &str| part.chars().all(|c| c.is_ascii_hexdigit());
        let uuid = id.len() == 36
            && id.split('-').map(str::len).eq([8, 4, 4, 4, 12])
            && hex(&id.replace('-', ""));
        let multi_region = id
            .strip_prefix("mrk-")
            .is_some_and(|rest| rest.len() == 32 && hex(rest));
        uuid || multi_region
    };
    let arn = |arn: &str| {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "kms"
            && !parts[3].is_empty()
            && parts[4].len() == 12
            && parts[4].chars().all(|c| c.is_ascii_digit())
            && (parts[5].strip_prefix("key/").is_some_and(key) || alias(parts[5]))
    };
    if key(value) || alias(value) || arn(value) {
        return Ok(value.to_owned());
    }
    Err(bad(
        input,
        format!(
            "must be a KMS key ID (`1234abcd-12ab-34cd-56ef-1234567890ab`), a key ARN (`arn:aws:kms:us-west-2:123456789012:key/...`), or an alias (`alias/my-key`, or its ARN); got `{value}`"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(duration("30"), Ok(Duration::from_secs(1800)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert!(duration("0m").is_err());
        assert!(duration("1.5h").is_err());
        assert!(duration("soon").is_err());
    }

    // Regression: `older-than: 30` selected snapshots older than 30 minutes.
    #[test]
    fn destructive_durations_need_a_unit() {
        assert_eq!(
            duration_with_unit("30d"),
            Ok(Duration::from_secs(30 * 86_400))
        );
        let refused = duration_with_unit("30").unwrap_err();
        assert!(
            refused.contains("`s`") && refused.contains("`d` (days)"),
            "{refused}"
        );
        assert!(duration_with_unit("0d").is_err());
    }

    #[test]
    fn regions() {
        assert!(is_region("us-east-1"));
        assert!(is_region("ap-southeast-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-EAST-1"));
    }
}
