//! The shared words of the crate: what a DB is called ([`Kind`], [`DbRef`]),
//! a [`Tag`], a point-in-time restore's [`RestoreTime`], and how times are
//! written. It imports nothing from the crate, so every layer can use it
//! without a cycle.

use std::fmt;

use chrono::{DateTime, Utc};

/// RDS's limit for a DB snapshot identifier (CreateDBSnapshot,
/// DBSnapshotIdentifier: 1 to 255 letters, numbers or hyphens).
pub const MAX_SNAPSHOT_ID: usize = 255;
/// RDS's limit for a DB cluster snapshot identifier (CreateDBClusterSnapshot:
/// 1 to 63 letters, numbers or hyphens).
pub const MAX_CLUSTER_SNAPSHOT_ID: usize = 63;

/// Which kind of database: an RDS DB instance, or an Aurora DB cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Instance,
    Cluster,
}

impl Kind {
    /// The resource, as AWS names it: "DB instance", "DB cluster".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Instance => "DB instance",
            Kind::Cluster => "DB cluster",
        }
    }

    /// Its snapshots, as AWS names them.
    pub fn snapshot_noun(self) -> &'static str {
        match self {
            Kind::Instance => "DB snapshot",
            Kind::Cluster => "DB cluster snapshot",
        }
    }

    /// The input (and output) that names a source of this kind.
    pub fn input(self) -> &'static str {
        match self {
            Kind::Instance => "db-instance-identifier",
            Kind::Cluster => "db-cluster-identifier",
        }
    }

    /// The input that names a restore's new DB of this kind.
    pub fn target_input(self) -> &'static str {
        match self {
            Kind::Instance => "target-db-instance-identifier",
            Kind::Cluster => "target-db-cluster-identifier",
        }
    }

    /// RDS's limit for a snapshot identifier: 255 for a DB snapshot, 63 for
    /// a DB cluster snapshot (CreateDBClusterSnapshot,
    /// DBClusterSnapshotIdentifier: "Must contain from 1 to 63 letters,
    /// numbers, or hyphens").
    pub fn max_snapshot_id(self) -> usize {
        match self {
            Kind::Instance => MAX_SNAPSHOT_ID,
            Kind::Cluster => MAX_CLUSTER_SNAPSHOT_ID,
        }
    }

    /// The account quota that counts its manual snapshots
    /// (DescribeAccountAttributes).
    pub fn quota_name(self) -> &'static str {
        match self {
            Kind::Instance => "ManualSnapshots",
            Kind::Cluster => "ManualClusterSnapshots",
        }
    }

    /// The AWS console's page kind of a DB and of a snapshot of it.
    pub fn console(self) -> (&'static str, &'static str) {
        match self {
            Kind::Instance => ("database", "db-snapshot"),
            Kind::Cluster => ("database", "db-cluster-snapshot"),
        }
    }

    /// The AWS CLI's noun in `describe-db-instances` / `describe-db-clusters`.
    pub fn cli(self) -> &'static str {
        match self {
            Kind::Instance => "db-instance",
            Kind::Cluster => "db-cluster",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// A DB named by the inputs: its kind and identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DbRef {
    pub kind: Kind,
    pub id: String,
}

impl DbRef {
    pub fn instance(id: impl Into<String>) -> Self {
        DbRef {
            kind: Kind::Instance,
            id: id.into(),
        }
    }

    pub fn cluster(id: impl Into<String>) -> Self {
        DbRef {
            kind: Kind::Cluster,
            id: id.into(),
        }
    }
}

impl fmt::Display for DbRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.noun(), self.id)
    }
}

/// A tag to put on what the step creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

pub fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

/// Looks a tag up by key.
pub fn tag_value<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|tag| tag.key == key)
        .map(|tag| tag.value.as_str())
}

/// AWS allows 50 tags on a resource: "A tag set can contain as many as 50
/// tags" (RDS User Guide, USER_Tagging); AddTagsToResource, a create, a
/// restore or a copy with more is refused.
pub const MAX_TAGS: usize = 50;

/// The one way this action merges tags within AWS's limit: `ours` (this
/// action's bookkeeping and the user's `tags`) all go first and are never
/// dropped; `theirs` (a source's tags, in order) fill the room left,
/// skipping keys already set and `aws:` keys (which nobody may set). What
/// does not fit is left out and returned, so the caller can warn with it:
/// the last of `theirs` go first.
pub fn merge_tags(ours: &[Tag], theirs: &[Tag]) -> (Vec<Tag>, Vec<String>) {
    merge_tags_within(ours, theirs, MAX_TAGS)
}

/// [`merge_tags`] within `limit` tags, for a resource that must keep room
/// for tags added later.
pub fn merge_tags_within(ours: &[Tag], theirs: &[Tag], limit: usize) -> (Vec<Tag>, Vec<String>) {
    let mut merged: Vec<Tag> = ours.to_vec();
    let mut left_out = Vec::new();
    for tag in theirs {
        if tag.key.starts_with("aws:") || merged.iter().any(|mine| mine.key == tag.key) {
            continue;
        }
        if merged.len() < limit {
            merged.push(tag.clone());
        } else {
            left_out.push(tag.key.clone());
        }
    }
    (merged, left_out)
}

/// How many of `adding` would be new keys on a resource that has `has`:
/// AddTagsToResource overwrites a key that is already there.
pub fn new_keys(has: &[Tag], adding: &[Tag]) -> usize {
    adding
        .iter()
        .filter(|tag| has.iter().all(|old| old.key != tag.key))
        .count()
}

/// The time a point-in-time restore goes back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTime {
    Latest,
    At(DateTime<Utc>),
}

impl fmt::Display for RestoreTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreTime::Latest => f.write_str("latest"),
            RestoreTime::At(time) => f.write_str(&rfc3339(*time)),
        }
    }
}

/// How `restore` and `pitr` bring a DB back (input `method`). Each is a
/// way the action already has: a Backtrack is `mode: backtrack`'s, a clone
/// is `restore-type: copy-on-write`'s, the others are the restore
/// pipeline's two sources. `Auto` picks the fastest that can serve
/// (see [`crate::method`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Auto,
    Backtrack,
    Clone,
    Snapshot,
    PointInTime,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Auto,
        Method::Backtrack,
        Method::Clone,
        Method::Snapshot,
        Method::PointInTime,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Backtrack => "backtrack",
            Method::Clone => "clone",
            Method::Snapshot => "snapshot",
            Method::PointInTime => "point-in-time",
        }
    }

    /// The method named so, ignoring case (the other keywords, `latest`
    /// among them, are read the same way).
    pub fn parse(value: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|method| method.name().eq_ignore_ascii_case(value))
    }

    /// What it does, for the log, the summary and the plan.
    pub fn what(self) -> &'static str {
        match self {
            Method::Auto => "the fastest way back that can serve",
            Method::Backtrack => "Backtrack: rewind the Aurora MySQL cluster in place",
            Method::Clone => "clone: a copy-on-write Aurora clone of the cluster as it is now",
            Method::Snapshot => "snapshot restore: a new DB from the snapshot",
            Method::PointInTime => "point-in-time restore: a new DB from the automated backups",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `one` or `many`, whichever agrees with `n`: "1 snapshot", "2 snapshots";
/// "1 differs", "2 differ".
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The region and the resource's name in an RDS ARN
/// (`arn:<partition>:rds:<region>:<account>:db:<id>`, ARNs in the RDS user
/// guide, "Constructing an ARN for Amazon RDS").
pub fn arn_region_and_name(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "rds", region, _, _, name] if !region.is_empty() && !name.is_empty() => {
            Some((region, name))
        }
        _ => None,
    }
}

/// Formats a time the way outputs and tags carry it.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What a step does: the `mode` input, or the subcommand on the command
/// line. Which inputs each mode reads is declared with the inputs
/// (`inputs::INPUTS`), and its plan is built in `config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Snapshot,
    Restore,
    Pitr,
    List,
    Prune,
    Delete,
    Copy,
    Backtrack,
    Wait,
    Drill,
}

impl Mode {
    pub const ALL: [Mode; 10] = [
        Mode::Snapshot,
        Mode::Restore,
        Mode::Pitr,
        Mode::List,
        Mode::Prune,
        Mode::Delete,
        Mode::Copy,
        Mode::Backtrack,
        Mode::Wait,
        Mode::Drill,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Snapshot => "snapshot",
            Mode::Restore => "restore",
            Mode::Pitr => "pitr",
            Mode::List => "list",
            Mode::Prune => "prune",
            Mode::Delete => "delete",
            Mode::Copy => "copy",
            Mode::Backtrack => "backtrack",
            Mode::Wait => "wait",
            Mode::Drill => "drill",
        }
    }

    /// The mode named exactly so, if any.
    pub fn parse(value: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.name() == value)
    }

    /// What the mode does, in one line for `--help`.
    pub fn about(self) -> &'static str {
        match self {
            Mode::Snapshot => {
                "Take a manual snapshot of a DB instance or Aurora cluster before a deploy (a re-run adopts it)"
            }
            Mode::Restore => {
                "Restore a snapshot to a new DB instance or Aurora cluster built like its source"
            }
            Mode::Pitr => {
                "Restore a DB instance or Aurora cluster to a point in time as a new one, or clone an Aurora cluster"
            }
            Mode::List => "List this action's snapshots of a DB, newest first",
            Mode::Prune => "Delete this action's old snapshots of a DB by retention rules",
            Mode::Delete => "Delete one snapshot this action made",
            Mode::Copy => {
                "Copy a snapshot to another region or KMS key, or share it with other accounts"
            }
            Mode::Backtrack => {
                "Rewind an Aurora MySQL cluster in place to an earlier time (Backtrack)"
            }
            Mode::Wait => {
                "Wait for the snapshots this run started with `wait: false` (start early, wait late)"
            }
            Mode::Drill => {
                "Prove the newest backup restores and serves: restore it to a scratch DB, probe it, time it, delete it"
            }
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A duration from the environment variable `name`, whose `value` is a
/// whole number of milliseconds or seconds (`200ms`, `5s`); `default` when
/// it is unset or blank.
pub fn env_duration(
    name: &str,
    value: Option<&str>,
    default: std::time::Duration,
) -> Result<std::time::Duration, String> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(default);
    };
    let parsed = if let Some(ms) = value.strip_suffix("ms") {
        ms.parse().ok().map(std::time::Duration::from_millis)
    } else if let Some(s) = value.strip_suffix('s') {
        s.parse().ok().map(std::time::Duration::from_secs)
    } else {
        None
    };
    match parsed {
        Some(pause) if !pause.is_zero() => Ok(pause),
        _ => Err(format!(
            "{name} must be a whole number of milliseconds or seconds, such as `200ms` or `5s`; got `{value}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_merge_under_ours_within_fifty() {
        let ours = vec![tag("team", "ours"), tag("rds-snapshot-action:run-id", "7")];
        let mut source = vec![tag("team", "theirs"), tag("aws:cloudformation:stack", "x")];
        source.extend((0..60).map(|n| tag(&format!("cost-{n}"), "1")));
        let (merged, left_out) = merge_tags(&ours, &source);
        assert_eq!(merged.len(), MAX_TAGS);
        assert_eq!(merged[0], tag("team", "ours"));
        assert!(!merged.iter().any(|t| t.key.starts_with("aws:")));
        assert_eq!(left_out.len(), 12);
        assert_eq!(left_out[0], "cost-48");
    }

    #[test]
    fn a_smaller_limit_keeps_room_and_ours_are_never_dropped() {
        let ours: Vec<Tag> = (0..5).map(|n| tag(&format!("ours-{n}"), "1")).collect();
        let theirs: Vec<Tag> = (0..10).map(|n| tag(&format!("theirs-{n}"), "1")).collect();
        let (merged, left_out) = merge_tags_within(&ours, &theirs, 8);
        assert_eq!(merged.len(), 8);
        assert_eq!(&merged[..5], &ours[..]);
        assert_eq!(
            left_out,
            [
                "theirs-3", "theirs-4", "theirs-5", "theirs-6", "theirs-7", "theirs-8", "theirs-9"
            ]
        );
        let (merged, left_out) = merge_tags_within(&ours, &theirs, 3);
        assert_eq!(merged, ours);
        assert_eq!(left_out.len(), 10);
    }

    #[test]
    fn only_new_keys_count_against_the_limit() {
        let has = vec![tag("a", "1"), tag("b", "2")];
        assert_eq!(new_keys(&has, &[tag("a", "9"), tag("c", "3")]), 1);
    }
}
