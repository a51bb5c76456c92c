//! RDS identifier rules, the snapshot IDs this action derives from a deploy,
//! and the tags by which it later recognises what it made.

use std::fmt;

/// RDS's limit for a DB instance identifier.
pub const MAX_INSTANCE_ID: usize = 63;
/// RDS's limit for a DB snapshot identifier.
pub const MAX_SNAPSHOT_ID: usize = 255;
/// RDS's limit for a tag value.
pub const MAX_TAG_VALUE: usize = 256;

/// Tag keys this action puts on what it creates.
pub mod tag {
    /// What every key of this action's own tags starts with.
    pub const PREFIX: &str = "rds-snapshot-action:";
    /// The ownership tag: only resources carrying it are ever adopted (and,
    /// in later modes, pruned or deleted).
    pub const MANAGED_BY: &str = "rds-snapshot-action:managed-by";
    /// The value of [`MANAGED_BY`].
    pub const MANAGED_BY_VALUE: &str = "rds-snapshot-action";
    /// The DB instance a snapshot or restore came from.
    pub const SOURCE_DB: &str = "rds-snapshot-action:source-db";
    pub const DEPLOY_VERSION: &str = "rds-snapshot-action:deploy-version";
    pub const REPOSITORY: &str = "rds-snapshot-action:repository";
    pub const COMMIT: &str = "rds-snapshot-action:commit";
    pub const RUN_ID: &str = "rds-snapshot-action:run-id";
    /// On a restored instance: the snapshot it was restored from.
    pub const RESTORED_FROM: &str = "rds-snapshot-action:restored-from";
    /// On a PITR instance: the time requested (`latest` or RFC 3339).
    pub const RESTORE_TIME: &str = "rds-snapshot-action:restore-time";
    /// On a copy: the ARN of the snapshot it was copied from.
    pub const COPIED_FROM: &str = "rds-snapshot-action:copied-from";
    /// On a PITR instance: the time it was restored to, in RFC 3339.
    pub const RESTORED_TO: &str = "rds-snapshot-action:restored-to";
    /// On a restored instance: the ARN and creation time of the snapshot it
    /// came from, so that a snapshot deleted and made again under the same
    /// name is not mistaken for the one restored.
    pub const RESTORED_FROM_ARN: &str = "rds-snapshot-action:restored-from-arn";
    pub const RESTORED_FROM_CREATED: &str = "rds-snapshot-action:restored-from-created";
}

/// Why an identifier is not one RDS accepts; the text completes
/// "... must ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRule(&'static str);

impl fmt::Display for IdRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Checks RDS's identifier rules: 1 to `max` letters, digits and hyphens,
/// starting with a letter, with no `--` and no trailing hyphen.
pub fn check_identifier(id: &str, max: usize) -> Result<(), IdRule> {
    if id.is_empty() {
        return Err(IdRule("not be empty"));
    }
    if id.len() > max {
        return Err(IdRule(if max == MAX_INSTANCE_ID {
            "be at most 63 characters long"
        } else {
            "be at most 255 characters long"
        }));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(IdRule("start with a letter"));
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(IdRule("contain only ASCII letters, digits and hyphens"));
    }
    if id.contains("--") {
        return Err(IdRule("not contain two consecutive hyphens"));
    }
    if id.ends_with('-') {
        return Err(IdRule("not end with a hyphen"));
    }
    Ok(())
}

/// Turns free text (a deploy version, say) into a run of lower-case letters,
/// digits and single hyphens: `release/2026.11` becomes `release-2026-11`.
/// Empty when the text has no letter or digit at all.
pub fn sanitise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The snapshot ID for a deploy: `<db>-<version>-r<run>`, or with a UTC
/// timestamp in place of the run where there is no run ID. RDS stores
/// snapshot IDs in lower case, so the result is lower case too, which keeps
/// the re-run look-up exact.
///
/// Too long a version is cut and given a short hash of the whole, so two
/// long versions that share a prefix still get different IDs.
pub fn snapshot_id(db: &str, version: Option<&str>, run: &RunStamp) -> String {
    let db = db.to_ascii_lowercase();
    let suffix = match run {
        RunStamp::RunId(id) => format!("r{}", sanitise(id)),
        RunStamp::Time(time) => time.format("%Y%m%d%H%M%S").to_string(),
    };
    let version = version.map(sanitise).unwrap_or_default();
    if version.is_empty() {
        return format!("{db}-{suffix}");
    }
    let room = MAX_SNAPSHOT_ID - db.len() - suffix.len() - 2;
    let version = if version.len() <= room {
        version
    } else {
        let hash = format!("{:08x}", fnv1a(version.as_bytes()) as u32);
        let keep = room - hash.len() - 1;
        let head = version[..keep].trim_end_matches('-');
        format!("{head}-{hash}")
    };
    format!("{db}-{version}-{suffix}")
}

/// What makes a snapshot ID unique to one deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStamp {
    /// A CI run ID: every attempt of the run derives the same ID.
    RunId(String),
    /// No run ID: the time the step started.
    Time(chrono::DateTime<chrono::Utc>),
}

/// A 64-bit FNV-1a hash: stable across builds and platforms, unlike std's
/// `DefaultHasher`, which is what an ID derived on a re-run needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether RDS accepts `value` as a tag value: at most 256 Unicode letters,
/// digits, white space and `_ . : / = + - @`.
pub fn check_tag_value(value: &str) -> Result<(), &'static str> {
    if value.chars().count() > MAX_TAG_VALUE {
        return Err("be at most 256 characters long");
    }
    if !value.chars().all(is_tag_char) {
        return Err("contain only letters, digits, spaces and `_ . : / = + - @`");
    }
    Ok(())
}

/// Whether RDS accepts `key` as a tag key: 1 to 128 of the same characters
/// as a value, not starting with `aws:` or `rds:`.
pub fn check_tag_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err("be 1 to 128 characters long");
    }
    if !key.chars().all(is_tag_char) {
        return Err("contain only letters, digits, spaces and `_ . : / = + - @`");
    }
    let lower = key.to_lowercase();
    if lower.starts_with("aws:") || lower.starts_with("rds:") {
        return Err("not start with `aws:` or `rds:`, which AWS reserves");
    }
    if lower.starts_with("rds-snapshot-action:") {
        return Err("not start with `rds-snapshot-action:`, which this action reserves");
    }
    Ok(())
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_rds_rules() {
        assert!(check_identifier("prod-postgres", 63).is_ok());
        assert!(check_identifier("a", 63).is_ok());
        assert!(check_identifier("", 63).is_err());
        assert!(check_identifier("1prod", 63).is_err());
        assert!(check_identifier("prod--db", 63).is_err());
        assert!(check_identifier("prod-", 63).is_err());
        assert!(check_identifier("prod_db", 63).is_err());
        assert!(check_identifier(&"a".repeat(64), 63).is_err());
        assert!(check_identifier(&"a".repeat(255), 255).is_ok());
        assert!(check_identifier(&"a".repeat(256), 255).is_err());
    }

    #[test]
    fn versions_become_valid_id_parts() {
        assert_eq!(sanitise("v2.4.1"), "v2-4-1");
        assert_eq!(sanitise("release/2026.11"), "release-2026-11");
        assert_eq!(sanitise("--Feature__X--"), "feature-x");
        assert_eq!(sanitise("!!!"), "");
        assert_eq!(sanitise("ünïcode-1"), "n-code-1");
    }

    #[test]
    fn derived_ids_are_valid_and_stable_per_run() {
        let run = RunStamp::RunId("9876543210".into());
        let id = snapshot_id("Prod-Postgres", Some("v2.4.1"), &run);
        assert_eq!(id, "prod-postgres-v2-4-1-r9876543210");
        assert_eq!(id, snapshot_id("Prod-Postgres", Some("v2.4.1"), &run));
        assert_eq!(snapshot_id("db", None, &run), "db-r9876543210");
        for version in ["release/2026.11", "1.0", "--x--", "a/b/c.d-e_f"] {
            let id = snapshot_id("db", Some(version), &run);
            check_identifier(&id, MAX_SNAPSHOT_ID).unwrap();
        }
    }

    #[test]
    fn long_versions_are_cut_with_a_hash_that_keeps_them_apart() {
        let run = RunStamp::RunId("1".into());
        let db = "d".repeat(63);
        let a = snapshot_id(&db, Some(&format!("{}a", "v".repeat(400))), &run);
        let b = snapshot_id(&db, Some(&format!("{}b", "v".repeat(400))), &run);
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert!(id.len() <= MAX_SNAPSHOT_ID, "{} chars", id.len());
            check_identifier(id, MAX_SNAPSHOT_ID).unwrap();
        }
    }

    #[test]
    fn time_stamped_ids_when_there_is_no_run() {
        let time = chrono::DateTime::parse_from_rfc3339("2026-11-20T14:29:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            snapshot_id("db", Some("v1"), &RunStamp::Time(time)),
            "db-v1-20261120142959"
        );
    }

    #[test]
    fn tag_rules() {
        assert!(check_tag_value("release/2026.11").is_ok());
        assert!(check_tag_value("v1 #2").is_err());
        assert!(check_tag_value(&"x".repeat(257)).is_err());
        assert!(check_tag_key("team").is_ok());
        assert!(check_tag_key("aws:x").is_err());
        assert!(check_tag_key("rds-snapshot-action:managed-by").is_err());
    }
}
