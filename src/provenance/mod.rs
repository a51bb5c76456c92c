//! Provenance: the tags that say who made a resource, in which run, and from
//! what, and the one question asked of them: may this run adopt (or delete)
//! it, and if not, why.
//!
//! Re-runs are safe and deletions certain only because every reader of
//! these tags asks the same question the same way. So the modes never
//! compare tag strings: they ask here. For each kind of resource this
//! action makes there are its stamps (the tags to put on it) and one
//! predicate returning `Ok` or a [`Refusal`], whose [`NotOurs`] is the
//! reason for code and whose text is the message for the user.
//!
//! | resource                 | stamps                                      | predicate    |
//! |--------------------------|---------------------------------------------|--------------|
//! | our snapshot             | [`stamps`], [`snapshot_stamps`]             | [`snapshot`] |
//! | a restored DB (a target) | [`stamps`], [`restored_stamps`] or [`restored_to_stamps`] | [`target`] |
//! | a swap's replaced DB     | [`swap_stamps`], [`replaced_stamps`]        | [`replaced`] |
//! | a copy of a snapshot     | [`copy_stamps`]                             | [`copy`]     |
//! | a drill's scratch DB     | [`stamps`], [`drill_stamps`]                | [`drill`], [`expired_drill`] |
//!
//! With `provenance-key`, a delete, an unprotect or a selection for
//! pruning also asks [`sealed`]: the tags above can be put on anything by
//! whoever may tag, but the MAC over a resource's ARN, creation time and
//! tags ([`mac_message`]) only by a holder of the KMS key. The KMS calls
//! are the client's; [`sealed`] judges their answer ([`Verified`]).
//!
//! Everything here is pure: it reads what RDS described, and calls nothing.

pub mod recorded;

use std::fmt;

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::github::{RunContext, shown};
use crate::model::{self, Kind, RestoreTime, Tag, rfc3339, tag, tag_value};
use crate::naming;
pub use crate::naming::tag as key;
use crate::rds::Snapshot;
use crate::swap::Role;

/// Why a resource is not this run's to adopt or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotOurs {
    /// It lacks the ownership tag: this action did not make it.
    Unmarked,
    /// It carries this action's tags, but its `snapshot-id` tag names
    /// another snapshot (or is missing): a copy someone else made with
    /// CopyTags.
    CopiedTags { names: Option<String> },
    /// This action made it, but of (or from) something else: another DB, or
    /// another snapshot. `of` is what it names instead, where known.
    OtherSource { of: Option<String> },
    /// This action made it, for another run (or without a run ID).
    OtherRun { by: Option<String> },
    /// A swap's replaced DB whose swap has not been recorded as finished.
    Unfinished,
    /// It carries our tags, but `provenance-key` is set and its MAC is
    /// missing or does not verify: the tags may have been put on by hand.
    Unverified,
}

/// A "no" from one of the predicates: the reason, and the message a user
/// reads (the error texts the modes have always given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub why: NotOurs,
    message: String,
}

impl Refusal {
    fn new(why: NotOurs, message: String) -> Self {
        Refusal { why, message }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

// ---------------------------------------------------------------- stamps

/// This action's own stamps on what it creates from `db`: the ownership
/// tag, the source DB, the repository, the commit and the run. A value RDS
/// would refuse (or an empty one) is left out rather than failing the step.
pub fn stamps(db: Option<&str>, ctx: &RunContext, run_id: Option<&str>) -> Vec<Tag> {
    let mut tags = vec![tag(key::MANAGED_BY, key::MANAGED_BY_VALUE)];
    let context = [
        (key::SOURCE_DB, db),
        (key::REPOSITORY, ctx.github_repository.as_deref()),
        (key::COMMIT, ctx.github_sha.as_deref()),
        (key::RUN_ID, run_id),
    ];
    for (key, value) in context {
        if let Some(value) = value.map(str::trim).filter(|value| !value.is_empty())
            && naming::check_tag_value(value).is_ok()
        {
            tags.push(tag(key, value));
        }
    }
    tags
}

/// A new snapshot's stamps beyond [`stamps`]: its own ID (so a copy made
/// with CopyTags is never taken for it) and the deploy version.
pub fn snapshot_stamps(snapshot_id: &str, deploy_version: Option<&str>) -> Vec<Tag> {
    let mut tags = vec![tag(key::SNAPSHOT_ID, snapshot_id)];
    if let Some(version) = deploy_version {
        tags.push(tag(key::DEPLOY_VERSION, version));
    }
    tags
}

/// A DB restored from `snapshot`: its name (cleaned of an automated
/// snapshot's `rds:`, reserved in tag values), ARN and creation time, so a
/// snapshot deleted and made again under the same name is not mistaken for
/// it; its source DB; and its deploy version.
pub fn restored_stamps(snapshot: &Snapshot) -> Vec<Tag> {
    let mut tags = vec![
        tag(key::RESTORED_FROM, &naming::clean_tag_value(&snapshot.id)),
        tag(key::RESTORED_FROM_ARN, &snapshot.arn),
    ];
    if let Some(created) = snapshot.created {
        tags.push(tag(key::RESTORED_FROM_CREATED, &rfc3339(created)));
    }
    if !snapshot.source_db.is_empty() {
        tags.push(tag(key::SOURCE_DB, &snapshot.source_db));
    }
    if let Some(version) = deploy_version(&snapshot.tags) {
        tags.push(tag(key::DEPLOY_VERSION, version));
    }
    tags
}

/// A swap's intent, put on both DBs before the first rename: the
/// application's name, the run, the temporary and the replaced name, when
/// the swap was first decided, and the DB's role.
pub fn swap_stamps(
    app: &str,
    run: &str,
    temporary: &str,
    replaced: &str,
    started: &str,
    role: Role,
) -> Vec<Tag> {
    vec![
        tag(key::SWAP_OF, app),
        tag(key::SWAP_RUN, run),
        tag(key::SWAP_TEMPORARY, temporary),
        tag(key::SWAP_REPLACED, replaced),
        tag(key::SWAP_STARTED, started),
        tag(key::SWAP_ROLE, role.tag()),
    ]
}

/// On the DB a finished swap replaced: when, and by which run.
pub fn replaced_stamps(at: DateTime<Utc>, run: &str) -> Vec<Tag> {
    vec![
        tag(key::REPLACED_AT, &rfc3339(at)),
        tag(key::REPLACED_BY_RUN, run),
    ]
}

/// A copy's tags: the source's (less AWS's own) and the user's, this
/// action's ownership where the source lacks it, and the copy's own
/// `copied-from` and `snapshot-id`, so the copy can be listed and pruned
/// where it lands. Within AWS's 50 ([`model::merge_tags`]): this action's
/// tags and the user's are kept, and the source's other tags fill the room
/// left, the last ones dropped first; the keys left out are returned.
pub fn copy_stamps(user: &[Tag], source: &Snapshot, target_id: &str) -> (Vec<Tag>, Vec<String>) {
    let mut tags: Vec<Tag> = source
        .tags
        .iter()
        .filter(|t| !t.key.starts_with("aws:"))
        .filter(|t| user.iter().all(|user| user.key != t.key))
        .cloned()
        .collect();
    tags.extend(user.iter().cloned());
    tags.retain(|t| t.key != key::COPIED_FROM && t.key != key::SNAPSHOT_ID && t.key != key::MAC);
    if !owned(&tags) {
        tags.retain(|t| t.key != key::MANAGED_BY && t.key != key::SOURCE_DB);
        tags.push(tag(key::MANAGED_BY, key::MANAGED_BY_VALUE));
        tags.push(tag(key::SOURCE_DB, &source.source_db));
    }
    tags.push(tag(key::COPIED_FROM, &source.arn));
    tags.push(tag(key::SNAPSHOT_ID, target_id));
    let (kept, theirs): (Vec<Tag>, Vec<Tag>) = tags
        .into_iter()
        .partition(|t| is_ours(t) || user.iter().any(|user| user.key == t.key));
    model::merge_tags(&kept, &theirs)
}

/// Whether a tag is this action's bookkeeping, which is never copied from
/// a source onto what is made from it.
pub fn is_ours(tag: &Tag) -> bool {
    tag.key.starts_with(key::PREFIX)
}

// ------------------------------------------------------------ what it says

/// Whether this action made the resource: it carries the ownership tag.
pub fn owned(tags: &[Tag]) -> bool {
    tag_value(tags, key::MANAGED_BY) == Some(key::MANAGED_BY_VALUE)
}

/// Whether the resource was made by this same workflow run (an earlier
/// attempt of it, or an earlier look of this one). Without a run ID,
/// nothing is.
pub fn same_run(tags: &[Tag], run_id: Option<&str>) -> bool {
    run_id.is_some() && run_id_of(tags) == run_id
}

/// The run that made it, as its tag says.
pub fn run_id_of(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::RUN_ID)
}

/// The deploy version it was made before, as its tag says.
pub fn deploy_version(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::DEPLOY_VERSION)
}

/// The source DB it was made of or from, as its tag says.
pub fn source_db(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::SOURCE_DB)
}

/// The name of the snapshot a DB was restored from, as its tag says
/// (cleaned of an automated snapshot's `rds:`; [`restored_snapshot_id`]
/// is its exact ID).
pub fn restored_from(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::RESTORED_FROM)
}

/// The ID of the snapshot a DB was restored from: the last part of its
/// `restored-from-arn` tag, which keeps an automated snapshot's exact ID
/// (the `restored-from` tag is cleaned of its `rds:`), else that tag.
pub fn restored_snapshot_id(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::RESTORED_FROM_ARN)
        .and_then(|arn| {
            arn.split_once(":cluster-snapshot:")
                .or_else(|| arn.split_once(":snapshot:"))
        })
        .map(|(_, id)| id)
        .or_else(|| tag_value(tags, key::RESTORED_FROM))
}

/// When the snapshot a DB was restored from was taken, as its tag says
/// (RFC 3339).
pub fn restored_from_created(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::RESTORED_FROM_CREATED)
}

/// The time a point-in-time restore went back to, as its tag says.
pub fn restored_to(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::RESTORED_TO)
}

/// A point-in-time restore's stamp beyond [`stamps`]: the time it went
/// back to (the requested one, `latest` or a time, is in the plan's).
pub fn restored_to_stamps(time: DateTime<Utc>) -> Vec<Tag> {
    vec![tag(key::RESTORED_TO, &rfc3339(time))]
}

/// A point-in-time plan's stamp beyond [`stamps`]: the time requested,
/// `latest` or a time, as given (what it resolved to is
/// [`restored_to_stamps`]'s).
pub fn restore_time_stamps(requested: RestoreTime) -> Vec<Tag> {
    vec![tag(key::RESTORE_TIME, &requested.to_string())]
}

/// Re-aims stamps made for one DB at another (an Aurora member's cluster,
/// which RDS snapshots and restores instead): the source DB they name and,
/// where given, the snapshot ID they carry.
pub fn retarget(tags: &mut [Tag], db: &str, snapshot_id: Option<&str>) {
    for tag in tags {
        if tag.key == key::SOURCE_DB {
            db.clone_into(&mut tag.value);
        } else if let Some(id) = snapshot_id
            && tag.key == key::SNAPSHOT_ID
        {
            id.clone_into(&mut tag.value);
        }
    }
}

/// The snapshot a copy was made from: RDS's record (cross-region and
/// cross-account copies only), else our `copied-from` tag, as an ARN; and
/// where neither says, the source's ID from a `snapshot-id` tag that names
/// another snapshot (a copy made with CopyTags carries its source's).
pub fn copied_from(copy: &Snapshot) -> (Option<&str>, Option<&str>) {
    let arn = copy
        .copied_from
        .as_deref()
        .or_else(|| tag_value(&copy.tags, key::COPIED_FROM));
    let id =
        tag_value(&copy.tags, key::SNAPSHOT_ID).filter(|id| !id.eq_ignore_ascii_case(&copy.id));
    (arn, id)
}

// ------------------------------------------------------------- snapshots

/// What a step wants of a snapshot it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotClaim<'a> {
    /// `mode: snapshot` found its ID taken: it takes the snapshot over only
    /// if this action made it of `db` in this run (`run` is this run's ID).
    /// The `snapshot-id` tag is not asked for: the ID was looked up.
    Adopt { db: &'a str, run: Option<&'a str> },
    /// `mode: delete`: only a snapshot this action made, named by its own
    /// `snapshot-id` tag, and of `db` (in RDS's record) where one is named.
    Delete { db: Option<&'a str> },
    /// `list`, `prune`, `latest`, Backtrack's deploy time: this action's
    /// snapshots of `db`, in RDS's record and in the tag.
    Of { db: &'a str },
    /// `mode: wait`: this action's snapshots made in run `run`.
    OfRun { run: &'a str },
}

/// May this step take (adopt, delete, list, wait for) `snapshot` as the
/// claim says, and if not, why.
pub fn snapshot(snapshot: &Snapshot, claim: SnapshotClaim<'_>) -> Result<(), Refusal> {
    let id = &snapshot.id;
    let tags = &snapshot.tags;
    let named = tag_value(tags, key::SNAPSHOT_ID);
    let names_itself = named.is_some_and(|named| named.eq_ignore_ascii_case(id));
    let copied_tags = || NotOurs::CopiedTags {
        names: named.map(str::to_owned),
    };
    match claim {
        SnapshotClaim::Adopt { db, run } => {
            if !owned(tags) || snapshot.source_db != db {
                let (why, maker) = if owned(tags) {
                    (
                        NotOurs::OtherSource {
                            of: Some(snapshot.source_db.clone()),
                        },
                        "made by this action",
                    )
                } else {
                    (NotOurs::Unmarked, "that this action did not make")
                };
                return Err(Refusal::new(
                    why,
                    format!(
                        "snapshot `{id}` already exists, but it is a snapshot of {} {maker}; nothing was changed. Set input `snapshot-identifier` to a new ID",
                        shown(&snapshot.source_db),
                    ),
                ));
            }
            if !same_run(tags, run) {
                let by = run_id_of(tags);
                let made = snapshot
                    .created
                    .map(|created| format!(" on {}", rfc3339(created)))
                    .unwrap_or_default();
                return Err(Refusal::new(
                    NotOurs::OtherRun {
                        by: by.map(str::to_owned),
                    },
                    format!(
                        "snapshot `{id}` of `{db}` already exists: it was made {}{made}, not by this run{}, so it holds another deploy's data; nothing was changed. Leave `snapshot-identifier` empty to derive a new ID from this run, or set it to a new ID",
                        by.map_or_else(
                            || "without a run ID".to_owned(),
                            |run| format!("by run {}", shown(run))
                        ),
                        run.map(|run| format!(" ({})", shown(run)))
                            .unwrap_or_else(
                                || " (no `run-id` is set, so nothing is adopted)".to_owned()
                            )
                    ),
                ));
            }
        }
        SnapshotClaim::Delete { db } => {
            if !owned(tags) {
                return Err(Refusal::new(
                    NotOurs::Unmarked,
                    format!(
                        "snapshot `{id}` does not carry this action's ownership tag `{}={}`, so this action did not make it and will not delete it; if it must go, delete it in the RDS console",
                        key::MANAGED_BY,
                        key::MANAGED_BY_VALUE
                    ),
                ));
            }
            if !names_itself {
                return Err(Refusal::new(
                    copied_tags(),
                    format!(
                        "snapshot `{id}` carries this action's tags, but its tag `{}` does not name it ({}), so it is a copy someone else made with the tags copied; this action did not make it and will not delete it",
                        key::SNAPSHOT_ID,
                        named.map_or_else(|| "none".to_owned(), shown)
                    ),
                ));
            }
            if let Some(db) = db
                && snapshot.source_db != db
            {
                return Err(Refusal::new(
                    NotOurs::OtherSource {
                        of: Some(snapshot.source_db.clone()),
                    },
                    format!(
                        "snapshot `{id}` is a snapshot of {}, not of `{db}` (input `{}`); nothing was deleted. Check which snapshot you meant",
                        shown(&snapshot.source_db),
                        snapshot.of.input()
                    ),
                ));
            }
        }
        SnapshotClaim::Of { db } => {
            if !owned(tags) {
                return Err(Refusal::new(
                    NotOurs::Unmarked,
                    format!("snapshot `{id}` was not made by this action"),
                ));
            }
            if !names_itself {
                return Err(Refusal::new(
                    copied_tags(),
                    format!("snapshot `{id}` is a copy of another snapshot with its tags"),
                ));
            }
            let tagged = source_db(tags);
            if snapshot.source_db != db || tagged != Some(db) {
                let of = if snapshot.source_db == db {
                    tagged.map(str::to_owned)
                } else {
                    Some(snapshot.source_db.clone())
                };
                return Err(Refusal::new(
                    NotOurs::OtherSource { of },
                    format!("snapshot `{id}` is not a snapshot of `{db}`"),
                ));
            }
        }
        SnapshotClaim::OfRun { run } => {
            if !owned(tags) {
                return Err(Refusal::new(
                    NotOurs::Unmarked,
                    format!("snapshot `{id}` was not made by this action"),
                ));
            }
            if !names_itself {
                return Err(Refusal::new(
                    copied_tags(),
                    format!("snapshot `{id}` is a copy of another snapshot with its tags"),
                ));
            }
            let by = run_id_of(tags);
            if by != Some(run) {
                return Err(Refusal::new(
                    NotOurs::OtherRun {
                        by: by.map(str::to_owned),
                    },
                    format!("snapshot `{id}` was not made in run `{run}`"),
                ));
            }
        }
    }
    Ok(())
}

// ----------------------------------------------------------- restored DBs

/// What a restore step wants of the DB it found under its target's name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TargetClaim<'a> {
    /// A restore from a snapshot by this run, from whichever snapshot its
    /// tags name (a re-run finishes what the first attempt chose).
    RestoredByRun { run: Option<&'a str> },
    /// A restore by this run from this very snapshot: its name, ARN and
    /// creation time, not a later snapshot made again under the name.
    RestoredFrom {
        run: Option<&'a str>,
        snapshot: &'a Snapshot,
    },
    /// A point-in-time restore (or clone) of DB `source` by this run.
    PointInTime {
        run: Option<&'a str>,
        source: &'a str,
    },
}

/// May this step adopt `db`, found under its target's name, as the claim
/// says; and if not, why. The refusal's text names what the DB is instead
/// and `wanted` (what this step would have made there); a caller that only
/// needs the answer asks [`target_admits`], which builds no text.
pub fn target(db: &Db, claim: TargetClaim<'_>, wanted: &str) -> Result<(), Refusal> {
    target_admits(db, claim).map_err(|why| Refusal::new(why, foreign_target(db, wanted)))
}

/// [`target`]'s answer without its message: `Ok`, or the reason.
pub fn target_admits(db: &Db, claim: TargetClaim<'_>) -> Result<(), NotOurs> {
    let tags = db.tags();
    let restored = tag_value(tags, key::RESTORED_FROM);
    // Whether it came from what the claim names, and what it names instead.
    let (run, from_it, names) = match claim {
        TargetClaim::RestoredByRun { run } => (run, restored.is_some(), None),
        TargetClaim::RestoredFrom { run, snapshot } => {
            (run, names_snapshot(tags, snapshot), restored)
        }
        TargetClaim::PointInTime { run, source } => {
            (run, source_db(tags) == Some(source), source_db(tags))
        }
    };
    let why = if !owned(tags) {
        NotOurs::Unmarked
    } else if !same_run(tags, run) {
        NotOurs::OtherRun {
            by: run_id_of(tags).map(str::to_owned),
        }
    } else if !from_it {
        NotOurs::OtherSource {
            of: names.map(str::to_owned),
        }
    } else {
        return Ok(());
    };
    Err(why)
}

/// Whether tags name `snapshot` as the one restored: the same name, ARN
/// and creation time.
fn names_snapshot(tags: &[Tag], snapshot: &Snapshot) -> bool {
    tag_value(tags, key::RESTORED_FROM) == Some(naming::clean_tag_value(&snapshot.id).as_str())
        && tag_value(tags, key::RESTORED_FROM_ARN) == Some(snapshot.arn.as_str())
        && tag_value(tags, key::RESTORED_FROM_CREATED).map(str::to_owned)
            == snapshot.created.map(rfc3339)
}

/// The error text for a target DB that exists but is not the one this step
/// would have made (`wanted`): what it is, by which run, and the way out.
pub fn foreign_target(existing: &Db, wanted: &str) -> String {
    let tags = existing.tags();
    let origin = if !owned(tags) {
        "it was not created by this action".to_owned()
    } else if let Some(from) = tag_value(tags, key::RESTORED_FROM) {
        format!("it was restored from snapshot {}", shown(from))
    } else {
        match (source_db(tags), tag_value(tags, key::RESTORE_TIME)) {
            (Some(db), Some(time)) => {
                format!("it was restored from {} to time {}", shown(db), shown(time))
            }
            _ => "it was created by this action for something else".to_owned(),
        }
    };
    let when = match (
        owned(tags).then(|| run_id_of(tags)).flatten(),
        existing.created(),
    ) {
        (Some(run), Some(created)) => {
            format!(" by run {} on {}", shown(run), rfc3339(created))
        }
        (Some(run), None) => format!(" by run {}", shown(run)),
        (None, Some(created)) => format!(", created {}", rfc3339(created)),
        (None, None) => String::new(),
    };
    let kind: Kind = existing.kind();
    format!(
        "target {} `{}` already exists, and {origin}{when}, not {wanted} for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `{}`, or delete that {} first if it is no longer needed",
        kind.noun(),
        existing.id(),
        kind.target_input(),
        kind.noun(),
    )
}

// ------------------------------------------------------- a swap's DBs

/// A DB's role in run `run`'s swap of `app`, from its swap tags; `None`
/// without that swap's tags.
pub fn swap_role(tags: &[Tag], app: &str, run: &str) -> Option<Role> {
    (tag_value(tags, key::SWAP_OF) == Some(app) && tag_value(tags, key::SWAP_RUN) == Some(run))
        .then(|| tag_value(tags, key::SWAP_ROLE).and_then(Role::from_tag))
        .flatten()
}

/// The name a swap's tags give the DB it replaces (or will).
pub fn swap_replaced(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::SWAP_REPLACED)
}

/// When a swap was first decided, as its tags say (RFC 3339).
pub fn swap_started(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::SWAP_STARTED)
}

/// The keys of [`swap_stamps`]: what an undone swap takes off its DBs, so
/// a policy that lets cleanup delete a swap's replaced DB by these tags
/// never covers the DB that is live again.
pub const SWAP_KEYS: [&str; 6] = [
    key::SWAP_OF,
    key::SWAP_RUN,
    key::SWAP_TEMPORARY,
    key::SWAP_REPLACED,
    key::SWAP_STARTED,
    key::SWAP_ROLE,
];

/// When a finished swap marked the DB as replaced, as its tag says, by
/// whichever run.
pub fn replaced_at(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::REPLACED_AT)
}

/// Whether run `run`'s finished swap marked the DB as replaced.
pub fn marked_replaced(tags: &[Tag], run: &str) -> bool {
    replaced_at(tags).is_some() && tag_value(tags, key::REPLACED_BY_RUN) == Some(run)
}

/// May `prune` delete `db` as a DB an in-place rollback of `of` replaced,
/// and when was it replaced; if not, why. It must carry the swap tags
/// naming it the original DB of a swap of `of`, the replaced name in them
/// must be its own (a copy, or a DB renamed since, is not taken), and the
/// finished swap must have marked it (`replaced-at`, `replaced-by-run`).
pub fn replaced(db: &Db, of: &str) -> Result<DateTime<Utc>, Refusal> {
    let tags = db.tags();
    let id = db.id();
    if tag_value(tags, key::SWAP_ROLE) != Some(Role::Original.tag())
        || tag_value(tags, key::SWAP_OF) != Some(of)
    {
        return Err(Refusal::new(
            NotOurs::Unmarked,
            format!("`{id}` was not replaced by an in-place rollback of `{of}`"),
        ));
    }
    let name = tag_value(tags, key::SWAP_REPLACED);
    if !name.is_some_and(|name| name.eq_ignore_ascii_case(id)) {
        return Err(Refusal::new(
            NotOurs::OtherSource {
                of: name.map(str::to_owned),
            },
            format!("`{id}` is not the DB its swap tags name as replaced"),
        ));
    }
    let at = tag_value(tags, key::REPLACED_AT)
        .filter(|_| tag_value(tags, key::REPLACED_BY_RUN).is_some())
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok());
    at.map(|at| at.to_utc()).ok_or_else(|| {
        Refusal::new(
            NotOurs::Unfinished,
            format!("the swap that replaced `{id}` has not finished"),
        )
    })
}

// ------------------------------------------------------------ drill DBs

/// A drill's scratch DB, beyond [`stamps`] and what its restore stamps:
/// the DB whose backup it tests, and when `prune` may delete it.
pub fn drill_stamps(of: &str, expires: DateTime<Utc>) -> Vec<Tag> {
    vec![
        tag(key::DRILL_OF, of),
        tag(key::DRILL_EXPIRES, &rfc3339(expires)),
    ]
}

/// The DB a drill's scratch DB tests the backup of, as its tag says.
pub fn drill_of(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::DRILL_OF).filter(|_| owned(tags))
}

/// May run `run`'s drill of `of` delete `db` (its scratch DB, found under
/// the scratch name); if not, why. Only a DB this action made as that very
/// drill is ever deleted by it: made by this action, as a drill of `of`,
/// by this run.
pub fn drill(db: &Db, of: &str, run: Option<&str>) -> Result<(), Refusal> {
    let tags = db.tags();
    let id = db.id();
    let why = if !owned(tags) {
        NotOurs::Unmarked
    } else if tag_value(tags, key::DRILL_OF) != Some(of) {
        NotOurs::OtherSource {
            of: tag_value(tags, key::DRILL_OF).map(str::to_owned),
        }
    } else if !same_run(tags, run) {
        NotOurs::OtherRun {
            by: run_id_of(tags).map(str::to_owned),
        }
    } else {
        return Ok(());
    };
    let message = match &why {
        NotOurs::Unmarked => format!("`{id}` was not created by this action"),
        NotOurs::OtherSource { of: None } => {
            format!("`{id}` was created by this action, but not as a drill")
        }
        NotOurs::OtherSource { of: Some(other) } => {
            format!("`{id}` is a drill of {}, not of `{of}`", shown(other))
        }
        _ => format!(
            "`{id}` is a drill of `{of}` by run {}, not by this run",
            shown(run_id_of(tags).unwrap_or("(none)"))
        ),
    };
    Err(Refusal::new(why, message))
}

/// May `prune` delete `db` as an expired drill DB of `of`, and when did it
/// expire; if not, why. It must be this action's drill of `of`, and its
/// expiry (`keep-for` after the drill, or the end of a killed step) must
/// have passed by `now`.
/// What every drill's scratch DB name holds ([`naming::drill_id`]).
const DRILL_NAME: &str = "-drill-r";

pub fn expired_drill(db: &Db, of: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    let tags = db.tags();
    let id = db.id();
    if !owned(tags) || tag_value(tags, key::DRILL_OF) != Some(of) {
        return Err(Refusal::new(
            NotOurs::Unmarked,
            format!("`{id}` is not this action's drill of `{of}`"),
        ));
    }
    // Tags alone can be forged by whoever may tag a DB (see the README,
    // "Security: who can delete what"); a name cannot be given to a DB
    // without modifying it. The drill and prune policies allow deletion
    // only of DBs named like a drill's scratch DB, and so does this.
    if !id.contains(DRILL_NAME) {
        return Err(Refusal::new(
            NotOurs::Unmarked,
            format!(
                "`{id}` carries drill tags but is not named like a drill's scratch DB (`<db>{DRILL_NAME}<run>`)"
            ),
        ));
    }
    let expires = tag_value(tags, key::DRILL_EXPIRES)
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.to_utc());
    match expires {
        Some(at) if at <= now => Ok(at),
        Some(at) => Err(Refusal::new(
            NotOurs::Unfinished,
            format!("`{id}` is kept until {}", rfc3339(at)),
        )),
        None => Err(Refusal::new(
            NotOurs::Unfinished,
            format!("`{id}` has no expiry tag"),
        )),
    }
}

// ----------------------------------------------------------------- copies

/// May this step adopt `existing`, found under its copy's ID, as its copy
/// of the snapshot `source_arn`; if not, why. The message is the caller's,
/// which knows whether the ID was taken before or during the copy.
pub fn copy(existing: &Snapshot, source_arn: &str) -> Result<(), Refusal> {
    if !owned(&existing.tags) {
        return Err(Refusal::new(
            NotOurs::Unmarked,
            format!("snapshot `{}` was not made by this action", existing.id),
        ));
    }
    let from = tag_value(&existing.tags, key::COPIED_FROM);
    if from != Some(source_arn) {
        return Err(Refusal::new(
            NotOurs::OtherSource {
                of: from.map(str::to_owned),
            },
            format!("snapshot `{}` is not a copy of `{source_arn}`", existing.id),
        ));
    }
    Ok(())
}

// --------------------------------------------------- verified provenance

/// What KMS said of a resource's MAC, as the client found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// `provenance-key` is set and `kms:VerifyMac` accepted the MAC.
    Yes,
    /// `provenance-key` is set, and the resource has no MAC tag.
    Missing,
    /// `provenance-key` is set, and the MAC does not verify: made with
    /// another key, or over another resource's ARN, creation time or tags
    /// (copied from another resource, or tags changed since).
    Invalid,
    /// No `provenance-key`: the tags alone decide.
    NotChecked,
}

/// The message a resource's MAC is made over: the ARN (a MAC copied to
/// another resource fails), the creation time (a resource deleted and made
/// again under the same name fails), and every tag of ours but the MAC,
/// sorted by key. JSON keeps the parts apart whatever they hold.
pub fn mac_message(arn: &str, created: Option<DateTime<Utc>>, tags: &[Tag]) -> String {
    let mut ours: Vec<(&str, &str)> = tags
        .iter()
        .filter(|t| is_ours(t) && t.key != key::MAC)
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    ours.sort_unstable();
    serde_json::json!([
        "rds-snapshot-action provenance 1",
        arn,
        created.map(rfc3339).unwrap_or_default(),
        ours
    ])
    .to_string()
}

/// The MAC a resource carries (base64), if any.
pub fn mac_of(tags: &[Tag]) -> Option<&str> {
    tag_value(tags, key::MAC)
}

/// May this step delete (or unprotect, or prune) the resource `id`, a
/// `what` ("snapshot", "DB instance"), as far as its MAC says; if not, why
/// and what to do.
pub fn sealed(id: &str, what: &str, verified: Verified) -> Result<(), Refusal> {
    let problem = match verified {
        Verified::Yes | Verified::NotChecked => return Ok(()),
        Verified::Missing => format!("has no `{}` tag", key::MAC),
        Verified::Invalid => format!(
            "has a `{}` tag that KMS does not verify for it (made with another key, copied from another resource, or its tags changed since)",
            key::MAC
        ),
    };
    Err(Refusal::new(
        NotOurs::Unverified,
        format!(
            "{what} `{id}` carries this action's tags but {problem}, so with input `provenance-key` set it is not taken as made by this action, and is left alone. Anyone allowed to tag can copy the tags; only a holder of the key can make the MAC. If this action did make it before `provenance-key` was set (or with `wait: false`), check it and delete it by hand, or remove its `{}*` tags",
            key::PREFIX
        ),
    ))
}

#[cfg(test)]
mod tests;
