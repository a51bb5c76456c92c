//! The settings a restore will need, recorded on the snapshot this action
//! makes: the DB's parameter and option groups, security groups, subnet
//! group, class, storage and the rest of what [`crate::settings`] carries,
//! with the engine version, as they were when the snapshot was taken. A
//! rollback after a deploy that upgraded the engine (and moved the DB to a
//! parameter group of the new family) restores with these, not with the
//! source's settings of today, which the old engine version cannot take.
//!
//! They travel as tags, so they live within RDS's tag rules (API
//! reference, `Tag`): at most 50 tags on a resource, values of at most 256
//! characters, made only of "Unicode letters, digits, white-space, '_',
//! '.', ':', '/', '=', '+', '-', '@'" and not starting with `aws:` or
//! `rds:`. JSON's braces and quotes are not allowed, so the record is an
//! encoding of its own in that alphabet:
//!
//! - entries `code=Tpayload`, joined by `@`: a two-letter code per setting
//!   ([`CODES`]), a type letter (`t` text, `b` flag as `1`/`0`, `n` number,
//!   `l` list with its items joined by `:`), and the value;
//! - in a payload every character other than ASCII letters, digits and
//!   `_ . / = -` (and `:` outside a list) is written `+HH`, one per UTF-8
//!   byte, so no value can make a separator, whitespace or a reserved
//!   prefix;
//! - the text is cut into tag values under `rds-snapshot-action:settings-K`
//!   (K from 1), each starting with `v1.K.N@` (format 1, part K of N), so
//!   a lost or foreign part makes the whole record unreadable rather than
//!   wrong.
//!
//! Everything here is pure.

use std::fmt;

use crate::model::{Tag, tag};
use crate::settings::{self, Settings, Value};

/// The key of part `k` is this prefix followed by `k`.
pub const PART_PREFIX: &str = "rds-snapshot-action:settings-";
/// The format this code writes and reads.
const FORMAT: &str = "v1";
/// The most parts a record takes: with the provenance stamps and a user's
/// tags, what is left of RDS's 50 goes to the source's copied tags.
pub const MAX_PARTS: usize = 5;
/// RDS's longest tag value.
const MAX_VALUE: usize = 256;
/// The engine version, which is not a carried setting.
const ENGINE_VERSION: &str = "ev";

/// Each recorded setting's code, in the order they are recorded: where
/// room runs out the last ones give way, so what a restore of another
/// engine version cannot do without comes first.
pub const CODES: &[(&str, &str)] = &[
    (settings::DB_PARAMETER_GROUP, "pg"),
    (settings::DB_CLUSTER_PARAMETER_GROUP, "cp"),
    (settings::OPTION_GROUP, "og"),
    (settings::DB_INSTANCE_CLASS, "ic"),
    (settings::DB_SUBNET_GROUP, "sn"),
    (settings::VPC_SECURITY_GROUPS, "sg"),
    (settings::PORT, "po"),
    (settings::MULTI_AZ, "ma"),
    (settings::PUBLICLY_ACCESSIBLE, "pa"),
    (settings::IAM_AUTH, "ia"),
    (settings::DELETION_PROTECTION, "dp"),
    (settings::MAX_ALLOCATED_STORAGE, "ms"),
    (settings::BACKUP_RETENTION, "br"),
    (settings::COPY_TAGS, "ct"),
    (settings::LOG_EXPORTS, "le"),
    (settings::CA_CERTIFICATE, "ca"),
    (settings::BACKUP_WINDOW, "bw"),
    (settings::MAINTENANCE_WINDOW, "mw"),
    (settings::BACKTRACK_WINDOW, "bt"),
    (settings::SERVERLESS_V2, "sv"),
    (settings::PROMOTION_TIER, "pt"),
    (settings::MONITORING_INTERVAL, "mi"),
    (settings::MONITORING_ROLE, "mr"),
    (settings::PERFORMANCE_INSIGHTS, "pi"),
    (settings::PI_RETENTION, "pr"),
    (settings::PI_KMS_KEY, "pk"),
    (settings::DATABASE_INSIGHTS, "di"),
];

/// A DB's settings as a snapshot of it records them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// The engine version the DB ran when the snapshot was taken.
    pub engine_version: Option<String>,
    pub settings: Settings,
    /// For an Aurora cluster, its writer's settings (codes prefixed `m`).
    pub members: Settings,
}

/// The tags that record `record` in at most `max_parts` tags, and the
/// settings left out for want of room (none when it all fits).
pub fn encode(record: &Record, max_parts: usize) -> (Vec<Tag>, Vec<&'static str>) {
    let max_parts = max_parts.min(MAX_PARTS);
    let mut entries: Vec<(Option<&'static str>, String)> = Vec::new();
    if let Some(version) = &record.engine_version {
        entries.push((
            None,
            format!("{ENGINE_VERSION}=t{}", escape(version, false)),
        ));
    }
    for (name, code) in CODES {
        if let Some(value) = record.settings.get(name) {
            entries.push((Some(*name), format!("{code}={}", encode_value(value))));
        }
    }
    for (name, code) in CODES {
        if let Some(value) = record.members.get(name) {
            entries.push((Some(*name), format!("m{code}={}", encode_value(value))));
        }
    }
    let mut left_out = Vec::new();
    loop {
        let text: Vec<&str> = entries.iter().map(|(_, entry)| entry.as_str()).collect();
        let parts = split(&text.join("@"), max_parts);
        match parts {
            Some(parts) => return (parts, left_out),
            None => match entries.pop() {
                Some((Some(name), _)) => left_out.insert(0, name),
                // Not even the engine version fits: record nothing.
                Some((None, _)) | None => {
                    left_out.extend(record.settings.keys().copied());
                    return (Vec::new(), dedup(left_out));
                }
            },
        }
    }
}

fn dedup(mut names: Vec<&'static str>) -> Vec<&'static str> {
    names.sort_unstable();
    names.dedup();
    names
}

/// The text cut into parts, or `None` if it needs more than `max_parts`.
fn split(text: &str, max_parts: usize) -> Option<Vec<Tag>> {
    if max_parts == 0 {
        return None;
    }
    // The header is `v1.K.N@`; K and N have one digit (MAX_PARTS < 10).
    let room = MAX_VALUE - (FORMAT.len() + 5);
    let count = text.len().div_ceil(room).max(1);
    if count > max_parts {
        return None;
    }
    // The text is ASCII (everything else is escaped), so bytes are chars.
    let chunks: Vec<&str> = (0..count)
        .map(|k| &text[k * room..((k + 1) * room).min(text.len())])
        .collect();
    Some(
        chunks
            .iter()
            .enumerate()
            .map(|(k, chunk)| {
                tag(
                    &format!("{PART_PREFIX}{}", k + 1),
                    &format!("{FORMAT}.{}.{count}@{chunk}", k + 1),
                )
            })
            .collect(),
    )
}

fn encode_value(value: &Value) -> String {
    match value {
        Value::Text(text) => format!("t{}", escape(text, false)),
        Value::Flag(flag) => format!("b{}", if *flag { 1 } else { 0 }),
        Value::Number(number) => format!("n{number}"),
        Value::List(items) => format!(
            "l{}",
            items
                .iter()
                .map(|item| escape(item, true))
                .collect::<Vec<_>>()
                .join(":")
        ),
    }
}

fn escape(text: &str, in_list: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let plain = c.is_ascii_alphanumeric()
            || matches!(c, '_' | '.' | '/' | '=' | '-')
            || (c == ':' && !in_list);
        if plain {
            out.push(c);
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("+{byte:02X}"));
            }
        }
    }
    out
}

/// Why recorded tags could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Written by a later version of this action.
    Format(String),
    /// A part is missing, repeated or malformed.
    Parts,
    /// An entry is malformed.
    Entry(String),
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreadable::Format(format) => write!(
                f,
                "they are in format `{format}`, which this version of the action does not read"
            ),
            Unreadable::Parts => f.write_str("a part is missing or malformed"),
            Unreadable::Entry(entry) => write!(f, "the entry `{entry}` is malformed"),
        }
    }
}

/// The settings recorded on a snapshot: `Ok(None)` where there are none
/// (a snapshot this action did not make, or made before it recorded them).
/// Codes this version does not know are skipped.
pub fn decode(tags: &[Tag]) -> Result<Option<Record>, Unreadable> {
    let mut parts: Vec<(usize, usize, &str)> = Vec::new();
    for tag in tags {
        let Some(k) = tag.key.strip_prefix(PART_PREFIX) else {
            continue;
        };
        let (header, chunk) = tag.value.split_once('@').ok_or(Unreadable::Parts)?;
        let mut fields = header.split('.');
        let (Some(format), Some(index), Some(count), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(Unreadable::Parts);
        };
        if format != FORMAT {
            return Err(Unreadable::Format(format.to_owned()));
        }
        let (Ok(index), Ok(count)) = (index.parse::<usize>(), count.parse::<usize>()) else {
            return Err(Unreadable::Parts);
        };
        if k != index.to_string() {
            return Err(Unreadable::Parts);
        }
        parts.push((index, count, chunk));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    parts.sort_by_key(|(index, _, _)| *index);
    let count = parts[0].1;
    let whole = count <= MAX_PARTS
        && parts.len() == count
        && parts
            .iter()
            .enumerate()
            .all(|(n, (index, of, _))| *index == n + 1 && *of == count);
    if !whole {
        return Err(Unreadable::Parts);
    }
    let text: String = parts.iter().map(|(_, _, chunk)| *chunk).collect();
    let mut record = Record::default();
    for entry in text.split('@').filter(|entry| !entry.is_empty()) {
        let bad = || Unreadable::Entry(entry.chars().take(40).collect());
        let (code, value) = entry.split_once('=').ok_or_else(bad)?;
        let mut chars = value.chars();
        let kind = chars.next().ok_or_else(bad)?;
        let payload = chars.as_str();
        if code == ENGINE_VERSION {
            record.engine_version = Some(unescape(payload).ok_or_else(bad)?);
            continue;
        }
        let (member, code) = match code.strip_prefix('m') {
            Some(short) if code.len() == 3 => (true, short),
            _ => (false, code),
        };
        let Some((name, _)) = CODES.iter().find(|(_, known)| *known == code) else {
            continue;
        };
        let value = match kind {
            't' => Value::Text(unescape(payload).ok_or_else(bad)?),
            'b' => match payload {
                "1" => Value::Flag(true),
                "0" => Value::Flag(false),
                _ => return Err(bad()),
            },
            'n' => Value::Number(payload.parse().map_err(|_| bad())?),
            'l' if payload.is_empty() => Value::List(Vec::new()),
            'l' => Value::list(
                payload
                    .split(':')
                    .map(unescape)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(bad)?,
            ),
            _ => return Err(bad()),
        };
        if member {
            record.members.insert(name, value);
        } else {
            record.settings.insert(name, value);
        }
    }
    Ok(Some(record))
}

fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'+' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Whether a tag is a part of a record (so it is never copied as a user's).
pub fn is_part(tag: &Tag) -> bool {
    tag.key.starts_with(PART_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::check_tag_value;
    use crate::naming::tag as key;

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    fn production() -> Record {
        Record {
            engine_version: Some("15.4".to_owned()),
            settings: Settings::from([
                (settings::DB_PARAMETER_GROUP, text("app-pg15")),
                (settings::OPTION_GROUP, text("default:postgres-15")),
                (settings::DB_INSTANCE_CLASS, text("db.m6g.large")),
                (settings::DB_SUBNET_GROUP, text("prod subnets.v2")),
                (
                    settings::VPC_SECURITY_GROUPS,
                    Value::list(vec!["sg-0a1".to_owned(), "sg-0b2".to_owned()]),
                ),
                (settings::MULTI_AZ, Value::Flag(true)),
                (settings::MAX_ALLOCATED_STORAGE, Value::Number(1000)),
                (settings::LOG_EXPORTS, Value::List(Vec::new())),
                (
                    settings::MONITORING_ROLE,
                    text("arn:aws:iam::123456789012:role/rds-monitoring+ops@team"),
                ),
                (settings::MAINTENANCE_WINDOW, text("sun:03:00-sun:03:30")),
            ]),
            members: Settings::new(),
        }
    }

    fn valid(tags: &[Tag]) {
        for tag in tags {
            assert!(tag.key.starts_with(key::PREFIX), "{tag:?}");
            check_tag_value(&tag.value).unwrap_or_else(|why| panic!("{tag:?} must {why}"));
        }
    }

    #[test]
    fn a_record_round_trips_through_valid_tags() {
        let mut record = production();
        record.members = Settings::from([
            (settings::DB_PARAMETER_GROUP, text("app-aurora-pg15")),
            (settings::DB_INSTANCE_CLASS, text("db.r6g.large")),
        ]);
        let (tags, left_out) = encode(&record, MAX_PARTS);
        assert!(left_out.is_empty(), "{left_out:?}");
        assert_eq!(tags.len(), 1, "{tags:?}");
        assert!(tags[0].value.starts_with("v1.1.1@ev=t15.4@pg=tapp-pg15@"));
        valid(&tags);
        assert_eq!(decode(&tags), Ok(Some(record)));
    }

    #[test]
    fn a_long_record_is_split_into_parts_each_within_256_characters() {
        let mut record = production();
        record.settings.insert(
            settings::PI_KMS_KEY,
            text(&format!(
                "arn:aws:kms:eu-west-1:123456789012:key/{}",
                "0123456789abcdef".repeat(8)
            )),
        );
        record.settings.insert(
            settings::LOG_EXPORTS,
            Value::list((0..20).map(|n| format!("log-type-{n}")).collect()),
        );
        let (tags, left_out) = encode(&record, MAX_PARTS);
        assert!(left_out.is_empty());
        assert!(tags.len() > 1, "{tags:?}");
        assert!(tags.iter().all(|tag| tag.value.chars().count() <= 256));
        valid(&tags);
        // Any order of tags on the snapshot reads the same.
        let mut shuffled = tags.clone();
        shuffled.reverse();
        assert_eq!(decode(&shuffled), Ok(Some(record)));
    }

    #[test]
    fn without_room_the_last_settings_give_way_and_the_groups_stay() {
        let mut record = production();
        record
            .settings
            .insert(settings::PI_KMS_KEY, text(&"k".repeat(240)));
        let (tags, left_out) = encode(&record, 1);
        assert_eq!(tags.len(), 1);
        assert_eq!(left_out, [settings::PI_KMS_KEY]);
        let read = decode(&tags).unwrap().unwrap();
        assert_eq!(
            read.settings[settings::DB_PARAMETER_GROUP],
            text("app-pg15")
        );
        let (none, all) = encode(&record, 0);
        assert!(none.is_empty());
        assert!(all.contains(&settings::DB_PARAMETER_GROUP));
    }

    #[test]
    fn hostile_values_stay_inside_their_entry_and_the_tag_alphabet() {
        let record = Record {
            engine_version: Some("16.1@pg=tevil".to_owned()),
            settings: Settings::from([
                (
                    settings::DB_PARAMETER_GROUP,
                    text("x@og=tdefault:mysql-8-0+41 \n{\"a\":1}"),
                ),
                (settings::DB_SUBNET_GROUP, text("rds:reserved")),
                (
                    settings::VPC_SECURITY_GROUPS,
                    Value::list(vec!["a:b".to_owned(), "ü€😀".to_owned(), String::new()]),
                ),
                (settings::CA_CERTIFICATE, text("   ")),
            ]),
            members: Settings::from([(settings::DB_INSTANCE_CLASS, text("db.x@y"))]),
        };
        let (tags, _) = encode(&record, MAX_PARTS);
        valid(&tags);
        assert_eq!(decode(&tags), Ok(Some(record)));
    }

    #[test]
    fn a_snapshot_without_a_record_has_none_and_a_broken_one_is_unreadable() {
        assert_eq!(decode(&[tag(key::SOURCE_DB, "prod")]), Ok(None));
        let mut record = production();
        record.settings.insert(
            settings::PI_KMS_KEY,
            text(&"arn:aws:kms:eu-west-1:1:key/".repeat(12)),
        );
        let (tags, _) = encode(&record, MAX_PARTS);
        assert!(tags.len() >= 2);
        assert_eq!(decode(&tags[1..]), Err(Unreadable::Parts));
        let mut twice = tags.clone();
        twice.push(tags[0].clone());
        assert_eq!(decode(&twice), Err(Unreadable::Parts));
        let later = [tag(&format!("{PART_PREFIX}1"), "v2.1.1@pg=tx")];
        assert_eq!(decode(&later), Err(Unreadable::Format("v2".to_owned())));
        for value in [
            "v1.1.1@pg",
            "v1.1.1@pg=q1",
            "v1.1.1@pg=t+4",
            "v1.1.1@ma=b2",
            "nope",
        ] {
            let broken = [tag(&format!("{PART_PREFIX}1"), value)];
            assert!(decode(&broken).is_err(), "{value}");
        }
        // A code from a later version is skipped, not an error.
        let newer = [tag(&format!("{PART_PREFIX}1"), "v1.1.1@zz=tnew@pg=tapp")];
        let read = decode(&newer).unwrap().unwrap();
        assert_eq!(read.settings.len(), 1);
    }

    #[test]
    fn every_carried_setting_has_one_code() {
        let mut codes: Vec<&str> = CODES.iter().map(|(_, code)| *code).collect();
        codes.push(ENGINE_VERSION);
        let count = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), count, "codes are unique");
        for field in settings::FIELDS
            .iter()
            .chain(settings::CLUSTER_FIELDS)
            .chain(settings::MEMBER_FIELDS)
        {
            assert!(
                CODES.iter().any(|(name, _)| *name == field.name),
                "{} has no code",
                field.name
            );
        }
    }
}
