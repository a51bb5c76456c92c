//! RDS identifier rules, the snapshot IDs this action derives from a deploy,
//! and the tags by which it later recognises what it made.

use std::fmt;
use std::sync::OnceLock;

/// RDS's limit for a DB instance identifier.
pub const MAX_INSTANCE_ID: usize = 63;
pub use crate::model::{MAX_CLUSTER_SNAPSHOT_ID, MAX_SNAPSHOT_ID};
/// RDS's limit for a tag value.
pub const MAX_TAG_VALUE: usize = 256;

/// Tag keys this action puts on what it creates. What they mean, which go
/// on what, and whether a run may adopt or delete what carries them is
/// [`crate::provenance`]'s: ask it rather than comparing these directly.
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
    /// On a snapshot: its own identifier. A copy made outside this action
    /// with CopyTags carries every other tag of ours, but not a matching
    /// one of these, so it is never taken for ours (and never deleted).
    pub const SNAPSHOT_ID: &str = "rds-snapshot-action:snapshot-id";
    /// An in-place rollback's intent, put on both DBs before the first
    /// rename so that a re-run finds the same names: the identifier the
    /// application uses, the run, each DB's role (`original` or
    /// `restored`), the temporary and the replaced name, and when the swap
    /// was first decided.
    pub const SWAP_OF: &str = "rds-snapshot-action:swap-of";
    pub const SWAP_RUN: &str = "rds-snapshot-action:swap-run";
    pub const SWAP_ROLE: &str = "rds-snapshot-action:swap-role";
    pub const SWAP_TEMPORARY: &str = "rds-snapshot-action:swap-temporary";
    pub const SWAP_REPLACED: &str = "rds-snapshot-action:swap-replaced";
    pub const SWAP_STARTED: &str = "rds-snapshot-action:swap-started";
    /// On a DB an in-place rollback replaced, once the swap is complete:
    /// when, and by which run. `prune` with `replaced-older-than` deletes
    /// only DBs that carry these and whose name is their `swap-replaced`.
    pub const REPLACED_AT: &str = "rds-snapshot-action:replaced-at";
    pub const REPLACED_BY_RUN: &str = "rds-snapshot-action:replaced-by-run";
    /// With `provenance-key`: the KMS HMAC (base64) over the resource's
    /// ARN, creation time and every other tag of ours, which only a
    /// holder of `kms:GenerateMac` on the key can make.
    pub const MAC: &str = "rds-snapshot-action:mac";
    /// On a drill's scratch DB: the DB whose backup it tests, and when it
    /// may be deleted by `prune` (RFC 3339): `keep-for` after the drill
    /// started, or, without `keep-for`, once the step that made it can no
    /// longer be running (a killed step's copy).
    pub const DRILL_OF: &str = "rds-snapshot-action:drill-of";
    pub const DRILL_EXPIRES: &str = "rds-snapshot-action:drill-expires";
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
/// long versions that share a prefix still get different IDs; a long run ID
/// is capped the same way by [`run_label`]. The result is checked against
/// RDS's rules again, so no input yields an ID RDS would refuse: an `Err`
/// says which rule `db` breaks.
/// `max` is the limit of the snapshot's kind (255 for a DB snapshot, 63 for
/// a DB cluster snapshot); where even the DB's name and the run do not fit
/// in it, the front is cut and hashed the same way.
pub fn snapshot_id(
    db: &str,
    version: Option<&str>,
    run: &RunStamp,
    max: usize,
) -> Result<String, IdRule> {
    check_identifier(db, MAX_INSTANCE_ID)?;
    let db = db.to_ascii_lowercase();
    let suffix = match run {
        RunStamp::RunId(id) => match sanitise(&run_label(id)) {
            run if run.is_empty() => format!("r{:08x}", fnv1a(id.as_bytes()) as u32),
            run => format!("r{run}"),
        },
        RunStamp::Time(time) => time.format("%Y%m%d%H%M%S").to_string(),
    };
    let version = version.map(sanitise).unwrap_or_default();
    let id = if version.is_empty() {
        format!("{db}-{suffix}")
    } else {
        // db <= 63 and suffix <= 51 characters, so there is room for a
        // version of at least 139: the hash always fits.
        let room = max.saturating_sub(db.len() + suffix.len() + 2);
        if version.len() <= room {
            format!("{db}-{version}-{suffix}")
        } else if room >= 12 {
            let hash = format!("{:08x}", fnv1a(version.as_bytes()) as u32);
            let keep = room.saturating_sub(hash.len() + 1);
            let head = version[..keep.min(version.len())].trim_end_matches('-');
            format!("{db}-{head}-{hash}-{suffix}")
        } else {
            format!("{db}-{version}-{suffix}")
        }
    };
    let id = if id.len() > max {
        let front = id[..id.len() - suffix.len() - 1].to_owned();
        shorten(&front, &suffix, max)
    } else {
        id
    };
    check_identifier(&id, max)?;
    Ok(id)
}

/// `<front>-<suffix>` cut to `max`: the front keeps its start and gains a
/// hash of the whole, so two long fronts that share a start stay apart; a
/// suffix longer than half of `max` is replaced by its hash too.
fn shorten(front: &str, suffix: &str, max: usize) -> String {
    let hash = format!("{:08x}", fnv1a(front.as_bytes()) as u32);
    let suffix = if suffix.len() > max / 2 {
        format!("r{:08x}", fnv1a(suffix.as_bytes()) as u32)
    } else {
        suffix.to_owned()
    };
    let room = max.saturating_sub(suffix.len() + hash.len() + 2);
    let head = front[..room.min(front.len())].trim_end_matches('-');
    format!("{head}-{hash}-{suffix}")
}

/// The identifier of the `n`th DB instance (from 1) of a restored cluster:
/// `<cluster>-instance-<n>`, as the AWS console names them, cut and hashed
/// to fit 63 characters.
pub fn member_id(cluster: &str, n: usize) -> String {
    fitted(cluster, &format!("instance-{n}"))
}

/// The temporary name an in-place rollback restores into:
/// `<db>-rollback-r<run>`, the same on every attempt of the run, cut and
/// hashed to fit 63 characters.
pub fn temporary_id(db: &str, run: &str) -> String {
    let label = match sanitise(run) {
        label if label.is_empty() => format!("{:08x}", fnv1a(run.as_bytes()) as u32),
        label => label,
    };
    fitted(db, &format!("rollback-r{label}"))
}

/// A drill's scratch DB: `<db>-drill-r<run>`, the same on every attempt of
/// the run (a re-run adopts or finishes it), cut and hashed to fit 63
/// characters.
pub fn drill_id(db: &str, run: &str) -> String {
    let label = match sanitise(run) {
        label if label.is_empty() => format!("{:08x}", fnv1a(run.as_bytes()) as u32),
        label => label,
    };
    fitted(db, &format!("drill-r{label}"))
}

/// The name an in-place rollback gives the DB it replaces:
/// `<db>-replaced-<UTC time>`, cut and hashed to fit 63 characters.
pub fn replaced_id(db: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    fitted(db, &format!("replaced-{}", at.format("%Y%m%d%H%M%S")))
}

/// The name of the final snapshot taken when a replaced DB is deleted.
pub fn final_snapshot_id(db: &str) -> String {
    fitted(db, "final")
}

/// `<front>-<suffix>`, shortened with a hash where it passes 63 characters.
fn fitted(front: &str, suffix: &str) -> String {
    let id = format!("{front}-{suffix}");
    if id.len() <= MAX_INSTANCE_ID {
        id
    } else {
        shorten(front, suffix, MAX_INSTANCE_ID)
    }
}

/// The longest run ID kept as given, in the run-id tag and in IDs.
pub const MAX_RUN_LABEL: usize = 40;

/// A run ID as this action records it: as given when it is short and a
/// valid tag value (GitHub's run IDs are), else cut to its first letters
/// and digits plus a hash of the whole, so that every attempt of the run
/// derives the same label and two long IDs stay apart.
pub fn run_label(id: &str) -> String {
    if id.chars().count() <= MAX_RUN_LABEL && check_tag_value(id).is_ok() {
        return id.to_owned();
    }
    let hash = format!("{:08x}", fnv1a(id.as_bytes()) as u32);
    let head: String = sanitise(id).chars().take(MAX_RUN_LABEL - 9).collect();
    let head = head.trim_end_matches('-');
    if head.is_empty() {
        hash
    } else {
        format!("{head}-{hash}")
    }
}

/// An automated snapshot's ID: `rds:<db>-YYYY-MM-DD-HH-MM` (CopyDBSnapshot,
/// SourceDBSnapshotIdentifier: "rds:mydb-2012-04-02-00-01"). RDS makes and
/// deletes these itself; they can be restored and copied, never deleted.
pub fn is_automated(id: &str) -> bool {
    id.get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("rds:"))
}

/// Checks a snapshot ID given as input: a manual one by RDS's identifier
/// rules, or an automated one (`rds:` and such an identifier).
pub fn check_snapshot_id(id: &str) -> Result<(), IdRule> {
    match id.get(4..) {
        Some(rest) if is_automated(id) => check_identifier(rest, MAX_SNAPSHOT_ID - 4),
        _ => check_identifier(id, MAX_SNAPSHOT_ID),
    }
}

/// The default ID of a copy of `source`: the last segment of an ARN (a
/// snapshot shared from another account is described by its ARN), without
/// an automated snapshot's `rds:`, and with `-copy` where the copy lands in
/// the same region. `None` when that is not a valid snapshot ID.
pub fn copy_id(source: &str, same_region: bool) -> Option<String> {
    let id = if source.starts_with("arn:") {
        source.rsplit(':').next().unwrap_or_default()
    } else {
        source
    };
    let id = if is_automated(id) { &id[4..] } else { id };
    let id = if same_region {
        format!("{id}-copy")
    } else {
        id.to_owned()
    };
    check_identifier(&id, MAX_SNAPSHOT_ID).ok()?;
    Some(id.to_ascii_lowercase())
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

/// AWS's pattern for RDS tag keys and values, as the API reference gives it
/// (API_Tag: Java regex `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`). Rust's
/// `char::is_alphanumeric` and `is_whitespace` are wider: combining marks
/// are alphabetic but not `\p{L}`, and tabs and newlines are white space
/// but not `\p{Z}`, so the pattern is used as AWS writes it.
fn tag_pattern() -> &'static regex::Regex {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        regex::Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").expect("AWS's tag pattern compiles")
    })
}

fn is_tag_char(c: char) -> bool {
    let mut buffer = [0; 4];
    tag_pattern().is_match(c.encode_utf8(&mut buffer))
}

/// Whether the text starts with a prefix AWS reserves for its own tags
/// (API_Tag: keys and values "can't be prefixed with aws: or rds:").
fn reserved_prefix(text: &str) -> bool {
    text.get(..4).is_some_and(|prefix| {
        prefix.eq_ignore_ascii_case("aws:") || prefix.eq_ignore_ascii_case("rds:")
    })
}

/// Whether RDS accepts `value` as a tag value: at most 256 Unicode letters,
/// digits, spaces and `_ . : / = + - @`, not starting with `aws:` or `rds:`.
pub fn check_tag_value(value: &str) -> Result<(), &'static str> {
    if value.chars().count() > MAX_TAG_VALUE {
        return Err("be at most 256 characters long");
    }
    if !tag_pattern().is_match(value) {
        return Err("contain only letters, digits, spaces and `_ . : / = + - @`");
    }
    if reserved_prefix(value) {
        return Err("not start with `aws:` or `rds:`, which AWS reserves");
    }
    Ok(())
}

/// `text` made into a tag value RDS accepts: each run of characters the
/// rule does not allow becomes one `-` (none at the end), a reserved
/// `aws:` / `rds:` prefix loses its colon, and it is cut to 256
/// characters. A valid value comes back unchanged.
/// `feature/JIRA-12#fix (hotfix)!` becomes `feature/JIRA-12-fix -hotfix`.
pub fn clean_tag_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut replaced = false;
    for c in text.chars() {
        if is_tag_char(c) {
            out.push(c);
            replaced = false;
        } else if !replaced {
            out.push('-');
            replaced = true;
        }
    }
    if replaced {
        out.pop();
    }
    if reserved_prefix(&out) {
        out.replace_range(3..4, "-");
    }
    out.chars().take(MAX_TAG_VALUE).collect()
}

/// Whether RDS accepts `key` as a tag key: 1 to 128 of the same characters
/// as a value, not starting with `aws:` or `rds:`.
pub fn check_tag_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err("be 1 to 128 characters long");
    }
    if !tag_pattern().is_match(key) {
        return Err("contain only letters, digits, spaces and `_ . : / = + - @`");
    }
    if reserved_prefix(key) {
        return Err("not start with `aws:` or `rds:`, which AWS reserves");
    }
    if key.to_lowercase().starts_with("rds-snapshot-action:") {
        return Err("not start with `rds-snapshot-action:`, which this action reserves");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_names_fit_63_characters_and_stay_apart() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T03:04:05Z")
            .unwrap()
            .to_utc();
        assert_eq!(temporary_id("prod", "77"), "prod-rollback-r77");
        assert_eq!(replaced_id("prod", at), "prod-replaced-20261123030405");
        let long = "a".repeat(63);
        let other = format!("{}b", "a".repeat(62));
        for id in [
            temporary_id(&long, "1234567890"),
            replaced_id(&long, at),
            final_snapshot_id(&long),
        ] {
            assert!(id.len() <= MAX_INSTANCE_ID, "{id}");
            check_identifier(&id, MAX_INSTANCE_ID).unwrap();
        }
        assert_ne!(replaced_id(&long, at), replaced_id(&other, at));
        assert!(replaced_id(&long, at).ends_with("-replaced-20261123030405"));
    }

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
        let id = snapshot_id("Prod-Postgres", Some("v2.4.1"), &run, MAX_SNAPSHOT_ID).unwrap();
        assert_eq!(id, "prod-postgres-v2-4-1-r9876543210");
        assert_eq!(
            id,
            snapshot_id("Prod-Postgres", Some("v2.4.1"), &run, MAX_SNAPSHOT_ID).unwrap()
        );
        assert_eq!(
            snapshot_id("db", None, &run, MAX_SNAPSHOT_ID).unwrap(),
            "db-r9876543210"
        );
        for version in ["release/2026.11", "1.0", "--x--", "a/b/c.d-e_f"] {
            let id = snapshot_id("db", Some(version), &run, MAX_SNAPSHOT_ID).unwrap();
            check_identifier(&id, MAX_SNAPSHOT_ID).unwrap();
        }
    }

    #[test]
    fn long_versions_are_cut_with_a_hash_that_keeps_them_apart() {
        let run = RunStamp::RunId("1".into());
        let db = "d".repeat(63);
        let a = snapshot_id(
            &db,
            Some(&format!("{}a", "v".repeat(400))),
            &run,
            MAX_SNAPSHOT_ID,
        )
        .unwrap();
        let b = snapshot_id(
            &db,
            Some(&format!("{}b", "v".repeat(400))),
            &run,
            MAX_SNAPSHOT_ID,
        )
        .unwrap();
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
            snapshot_id("db", Some("v1"), &RunStamp::Time(time), MAX_SNAPSHOT_ID).unwrap(),
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

    #[test]
    fn tag_values_follow_aws_pattern_exactly() {
        // \p{Z} is not white space: tabs and newlines are refused.
        assert!(check_tag_value("a b\u{00a0}c\u{3000}d").is_ok());
        assert!(check_tag_value("a\tb").is_err());
        assert!(check_tag_value("a\nb").is_err());
        // A combining mark is alphabetic to Rust but not \p{L}.
        // (U+093E DEVANAGARI VOWEL SIGN AA is Mc, and Other_Alphabetic.)
        assert!('\u{093E}'.is_alphabetic());
        assert!(check_tag_value("\u{0915}\u{093E}").is_err());
        assert!(check_tag_value("e\u{0301}").is_err());
        assert!(check_tag_value("café-日本-١٢").is_ok());
        assert!(check_tag_value("rds:x").is_err());
        assert!(check_tag_value("AWS:x").is_err());
        assert!(check_tag_value("x-rds:").is_ok());
    }

    #[test]
    fn branch_names_become_tag_values() {
        assert_eq!(
            clean_tag_value("feature/JIRA-12#fix (hotfix)!"),
            "feature/JIRA-12-fix -hotfix"
        );
        assert_eq!(clean_tag_value("release/2026.11"), "release/2026.11");
        assert_eq!(clean_tag_value("rds:main"), "rds-main");
        assert_eq!(clean_tag_value("a\tb\u{0301}"), "a-b");
        assert_eq!(clean_tag_value(&"x".repeat(300)).chars().count(), 256);
        for text in ["feature/JIRA-12#fix (hotfix)!", "rds:main", "(x)"] {
            check_tag_value(&clean_tag_value(text)).unwrap();
        }
    }

    #[test]
    fn long_run_ids_are_capped_with_a_hash() {
        assert_eq!(run_label("9876543210"), "9876543210");
        let long = "build-".repeat(100);
        let label = run_label(&long);
        assert!(label.len() <= MAX_RUN_LABEL, "{label}");
        assert_ne!(label, run_label(&format!("{long}x")));
        check_tag_value(&label).unwrap();
        let id = snapshot_id("db", Some("v1"), &RunStamp::RunId(long), MAX_SNAPSHOT_ID).unwrap();
        check_identifier(&id, MAX_SNAPSHOT_ID).unwrap();
        // A run ID with no letter or digit still gives a valid ID.
        let id = snapshot_id("db", None, &RunStamp::RunId("###".into()), MAX_SNAPSHOT_ID).unwrap();
        check_identifier(&id, MAX_SNAPSHOT_ID).unwrap();
    }

    #[test]
    fn automated_snapshots_are_recognised_and_copied_under_a_plain_id() {
        assert!(check_snapshot_id("rds:prod-db-2026-11-23-08-50").is_ok());
        assert!(check_snapshot_id("rds:").is_err());
        assert!(check_snapshot_id("xyz:prod").is_err());
        assert_eq!(
            copy_id("rds:prod-db-2026-11-23-08-50", true).as_deref(),
            Some("prod-db-2026-11-23-08-50-copy")
        );
        assert_eq!(
            copy_id(
                "arn:aws:rds:us-east-1:123456789012:snapshot:shared-one",
                false
            )
            .as_deref(),
            Some("shared-one")
        );
        assert_eq!(copy_id(&"a".repeat(255), true), None);
    }

    #[test]
    fn a_cluster_snapshot_id_fits_63_even_for_a_long_name_and_version() {
        let db = format!("aurora-{}", "x".repeat(56));
        let run = RunStamp::RunId("9876543210".into());
        let a = snapshot_id(
            &db,
            Some("release/2026.11-hotfix"),
            &run,
            MAX_CLUSTER_SNAPSHOT_ID,
        )
        .unwrap();
        let b = snapshot_id(
            &db,
            Some("release/2026.12-hotfix"),
            &run,
            MAX_CLUSTER_SNAPSHOT_ID,
        )
        .unwrap();
        for id in [&a, &b] {
            assert!(id.len() <= 63, "{id}");
            assert!(id.starts_with("aurora-x"), "{id}");
            assert!(id.ends_with("-r9876543210"), "{id}");
        }
        assert_ne!(a, b);
        // Short enough: the same ID as an instance's.
        assert_eq!(
            snapshot_id("prod", Some("v1"), &run, MAX_CLUSTER_SNAPSHOT_ID).unwrap(),
            "prod-v1-r9876543210"
        );
    }

    #[test]
    fn member_ids_fit_63() {
        assert_eq!(member_id("prod-rollback", 2), "prod-rollback-instance-2");
        let long = member_id(&"c".repeat(63), 1);
        assert!(long.len() <= 63 && long.ends_with("-instance-1"), "{long}");
        assert_ne!(long, member_id(&format!("{}d", "c".repeat(62)), 1));
    }
}
