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
//! | resource                  | stamps                           | predicate        |
//! |---------------------------|----------------------------------|------------------|
//! | our snapshot              | [`stamps`] + [`snapshot_stamps`] | [`snapshot`]     |
//! | a restored DB (a target)  | [`stamps`] + [`restored_stamps`] | [`target`]       |
//! | a swap's replaced DB      | [`swap_stamps`], [`replaced_stamps`] | [`replaced`] |
//! | a copy of a snapshot      | [`copy_stamps`]                  | [`copy`]         |
//!
//! Everything here is pure: it reads what RDS described, and calls nothing.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::github::{RunContext, shown};
use crate::model::{Kind, Tag, rfc3339, tag, tag_value};
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
/// where it lands.
pub fn copy_stamps(user: &[Tag], source: &Snapshot, target_id: &str) -> Vec<Tag> {
    let mut tags: Vec<Tag> = source
        .tags
        .iter()
        .filter(|t| !t.key.starts_with("aws:"))
        .filter(|t| user.iter().all(|user| user.key != t.key))
        .cloned()
        .collect();
    tags.extend(user.iter().cloned());
    tags.retain(|t| t.key != key::COPIED_FROM && t.key != key::SNAPSHOT_ID);
    if !owned(&tags) {
        tags.retain(|t| t.key != key::MANAGED_BY && t.key != key::SOURCE_DB);
        tags.push(tag(key::MANAGED_BY, key::MANAGED_BY_VALUE));
        tags.push(tag(key::SOURCE_DB, &source.source_db));
    }
    tags.push(tag(key::COPIED_FROM, &source.arn));
    tags.push(tag(key::SNAPSHOT_ID, target_id));
    tags
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

/// Whether this action made this very snapshot: the ownership tag, and the
/// `snapshot-id` tag naming it. A copy someone else made with CopyTags (a
/// compliance team's, say) carries our other tags but names its source.
pub fn owned_snapshot(snapshot: &Snapshot) -> bool {
    owned(&snapshot.tags)
        && tag_value(&snapshot.tags, key::SNAPSHOT_ID)
            .is_some_and(|id| id.eq_ignore_ascii_case(&snapshot.id))
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
/// and `wanted` (what this step would have made there).
pub fn target(db: &Db, claim: TargetClaim<'_>, wanted: &str) -> Result<(), Refusal> {
    let tags = db.tags();
    let restored = tag_value(tags, key::RESTORED_FROM);
    // Whether it came from what the claim names, and what it names instead.
    let (run, from_it, names) = match claim {
        TargetClaim::RestoredByRun { run } => (run, restored.is_some(), None),
        TargetClaim::RestoredFrom { run, snapshot } => {
            (run, restored_from(tags, snapshot), restored)
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
    Err(Refusal::new(why, foreign_target(db, wanted)))
}

/// Whether tags name `snapshot` as the one restored: the same name, ARN
/// and creation time.
fn restored_from(tags: &[Tag], snapshot: &Snapshot) -> bool {
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

/// Whether run `run`'s finished swap marked the DB as replaced.
pub fn marked_replaced(tags: &[Tag], run: &str) -> bool {
    tag_value(tags, key::REPLACED_AT).is_some()
        && tag_value(tags, key::REPLACED_BY_RUN) == Some(run)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Action};
    use crate::inputs::RawInputs;
    use crate::rds::Instance;

    fn ctx() -> RunContext {
        RunContext {
            github_actions: Some("true".into()),
            github_run_id: Some("777".into()),
            github_repository: Some("acme/shop".into()),
            github_sha: Some("abc123".into()),
            ..RunContext::default()
        }
    }

    fn at(time: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(time).unwrap().to_utc()
    }

    fn plan(raw: RawInputs, ctx: &RunContext) -> config::Plan {
        config::plan(&raw, ctx, at("2026-11-22T12:00:00Z")).unwrap()
    }

    fn user_tags() -> Vec<Tag> {
        vec![tag("team", "db")]
    }

    /// The stamps are what the plan has always put on what it creates,
    /// after the user's tags, for every mode that creates something; and a
    /// value RDS would refuse, or an empty one, is left out the same way.
    #[test]
    fn stamps_are_what_the_plan_puts_on_what_it_creates() {
        let odd = RunContext {
            github_repository: Some("acme/shop#1".into()),
            github_sha: Some("  ".into()),
            ..ctx()
        };
        for ctx in [ctx(), odd, RunContext::default()] {
            let run = ctx.github_run_id.as_deref();
            let snapshot = plan(
                RawInputs::default()
                    .with("mode", "snapshot")
                    .with("db-instance-identifier", "prod")
                    .with("deploy-version", "v2.4.1")
                    .with("snapshot-identifier", "prod-before")
                    .with("tags", "team=db"),
                &ctx,
            );
            let Action::Snapshot(snapshots) = snapshot.action else {
                panic!("not a snapshot plan")
            };
            let mut expected = user_tags();
            expected.extend(stamps(Some("prod"), &ctx, run));
            expected.extend(snapshot_stamps("prod-before", Some("v2.4.1")));
            assert_eq!(snapshots[0].tags, expected);

            let restore = plan(
                RawInputs::default()
                    .with("mode", "restore")
                    .with("snapshot-identifier", "prod-before")
                    .with("target-db-instance-identifier", "prod-rollback")
                    .with("tags", "team=db"),
                &ctx,
            );
            let Action::Restore(restore) = restore.action else {
                panic!("not a restore plan")
            };
            let mut expected = user_tags();
            expected.extend(stamps(None, &ctx, run));
            assert_eq!(restore.target.tags, expected);

            let pitr = plan(
                RawInputs::default()
                    .with("mode", "pitr")
                    .with("db-instance-identifier", "prod")
                    .with("restore-time", "latest")
                    .with("target-db-instance-identifier", "prod-rollback")
                    .with("tags", "team=db"),
                &ctx,
            );
            let Action::Pitr(pitr) = pitr.action else {
                panic!("not a pitr plan")
            };
            let mut expected = user_tags();
            expected.extend(stamps(Some("prod"), &ctx, run));
            expected.push(tag(key::RESTORE_TIME, "latest"));
            assert_eq!(pitr.target.tags, expected);
        }
    }

    #[test]
    fn stamps_leave_out_what_rds_would_refuse() {
        let ctx = RunContext {
            github_repository: Some("acme/shop#1".into()),
            github_sha: Some("  abc  ".into()),
            ..ctx()
        };
        assert_eq!(
            stamps(Some(""), &ctx, Some("777")),
            [
                tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
                tag(key::COMMIT, "abc"),
                tag(key::RUN_ID, "777"),
            ]
        );
    }

    fn snap(id: &str, of: &str, tags: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            id: id.to_owned(),
            arn: format!("arn:aws:rds:us-east-1:123456789012:snapshot:{id}"),
            status: "available".to_owned(),
            source_db: of.to_owned(),
            created: Some(at("2026-11-20T10:00:00Z")),
            percent: None,
            tags: tags.iter().map(|(k, v)| tag(k, v)).collect(),
            encrypted: false,
            kms_key_id: None,
            size_gib: None,
            vpc_id: None,
            kind: "manual".to_owned(),
            of: Kind::Instance,
            engine: None,
            copied_from: None,
        }
    }

    /// A snapshot this action made of `prod` in run 777.
    fn ours(id: &str) -> Snapshot {
        snap(
            id,
            "prod",
            &[
                (key::MANAGED_BY, key::MANAGED_BY_VALUE),
                (key::SOURCE_DB, "prod"),
                (key::RUN_ID, "777"),
                (key::SNAPSHOT_ID, id),
            ],
        )
    }

    fn without(mut snapshot: Snapshot, key: &str) -> Snapshot {
        snapshot.tags.retain(|t| t.key != key);
        snapshot
    }

    fn with(mut snapshot: Snapshot, key: &str, value: &str) -> Snapshot {
        snapshot.tags.retain(|t| t.key != key);
        snapshot.tags.push(tag(key, value));
        snapshot
    }

    fn why(result: Result<(), Refusal>) -> Option<NotOurs> {
        result.err().map(|refusal| refusal.why)
    }

    #[test]
    fn a_snapshot_is_adopted_only_from_this_run_and_db() {
        let adopt = SnapshotClaim::Adopt {
            db: "prod",
            run: Some("777"),
        };
        assert_eq!(snapshot(&ours("s"), adopt), Ok(()));
        // The ID was looked up, so its own tag is not asked for.
        assert_eq!(
            snapshot(&without(ours("s"), key::SNAPSHOT_ID), adopt),
            Ok(())
        );

        let refusal = snapshot(&without(ours("s"), key::MANAGED_BY), adopt).unwrap_err();
        assert_eq!(refusal.why, NotOurs::Unmarked);
        assert_eq!(
            refusal.to_string(),
            "snapshot `s` already exists, but it is a snapshot of \"prod\" that this action did not make; nothing was changed. Set input `snapshot-identifier` to a new ID"
        );
        let mut other = ours("s");
        other.source_db = "stage".to_owned();
        let refusal = snapshot(&other, adopt).unwrap_err();
        assert_eq!(
            refusal.why,
            NotOurs::OtherSource {
                of: Some("stage".to_owned())
            }
        );
        assert_eq!(
            refusal.to_string(),
            "snapshot `s` already exists, but it is a snapshot of \"stage\" made by this action; nothing was changed. Set input `snapshot-identifier` to a new ID"
        );

        let refusal = snapshot(&with(ours("s"), key::RUN_ID, "700"), adopt).unwrap_err();
        assert_eq!(
            refusal.why,
            NotOurs::OtherRun {
                by: Some("700".to_owned())
            }
        );
        assert_eq!(
            refusal.to_string(),
            "snapshot `s` of `prod` already exists: it was made by run \"700\" on 2026-11-20T10:00:00Z, not by this run (\"777\"), so it holds another deploy's data; nothing was changed. Leave `snapshot-identifier` empty to derive a new ID from this run, or set it to a new ID"
        );
        // Without a run ID nothing is adopted, not even a snapshot without one.
        let no_run = SnapshotClaim::Adopt {
            db: "prod",
            run: None,
        };
        let mut anonymous = without(ours("s"), key::RUN_ID);
        anonymous.created = None;
        let refusal = snapshot(&anonymous, no_run).unwrap_err();
        assert_eq!(refusal.why, NotOurs::OtherRun { by: None });
        assert_eq!(
            refusal.to_string(),
            "snapshot `s` of `prod` already exists: it was made without a run ID, not by this run (no `run-id` is set, so nothing is adopted), so it holds another deploy's data; nothing was changed. Leave `snapshot-identifier` empty to derive a new ID from this run, or set it to a new ID"
        );
    }

    #[test]
    fn only_a_snapshot_this_action_made_is_deleted() {
        let delete = SnapshotClaim::Delete { db: None };
        assert_eq!(snapshot(&ours("s"), delete), Ok(()));
        // Its own tag may differ in case: RDS IDs do not.
        assert_eq!(
            snapshot(&with(ours("s"), key::SNAPSHOT_ID, "S"), delete),
            Ok(())
        );
        assert_eq!(
            snapshot(&without(ours("s"), key::MANAGED_BY), delete)
                .unwrap_err()
                .to_string(),
            "snapshot `s` does not carry this action's ownership tag `rds-snapshot-action:managed-by=rds-snapshot-action`, so this action did not make it and will not delete it; if it must go, delete it in the RDS console"
        );
        let refusal = snapshot(&with(ours("s-copy"), key::SNAPSHOT_ID, "s"), delete).unwrap_err();
        assert_eq!(
            refusal.why,
            NotOurs::CopiedTags {
                names: Some("s".to_owned())
            }
        );
        assert_eq!(
            refusal.to_string(),
            "snapshot `s-copy` carries this action's tags, but its tag `rds-snapshot-action:snapshot-id` does not name it (\"s\"), so it is a copy someone else made with the tags copied; this action did not make it and will not delete it"
        );
        assert!(
            snapshot(&without(ours("s"), key::SNAPSHOT_ID), delete)
                .unwrap_err()
                .to_string()
                .contains("does not name it (none)")
        );
        let of_stage = SnapshotClaim::Delete { db: Some("stage") };
        let refusal = snapshot(&ours("s"), of_stage).unwrap_err();
        assert_eq!(
            refusal.why,
            NotOurs::OtherSource {
                of: Some("prod".to_owned())
            }
        );
        assert_eq!(
            refusal.to_string(),
            "snapshot `s` is a snapshot of \"prod\", not of `stage` (input `db-instance-identifier`); nothing was deleted. Check which snapshot you meant"
        );
        // Only RDS's record of the source is compared when deleting.
        let retagged = with(ours("s"), key::SOURCE_DB, "stage");
        assert_eq!(
            snapshot(&retagged, SnapshotClaim::Delete { db: Some("prod") }),
            Ok(())
        );
    }

    #[test]
    fn a_dbs_snapshots_are_ours_of_it_in_record_and_tag() {
        let of = SnapshotClaim::Of { db: "prod" };
        assert_eq!(snapshot(&ours("s"), of), Ok(()));
        assert_eq!(
            why(snapshot(&without(ours("s"), key::MANAGED_BY), of)),
            Some(NotOurs::Unmarked)
        );
        assert_eq!(
            why(snapshot(&with(ours("c"), key::SNAPSHOT_ID, "s"), of)),
            Some(NotOurs::CopiedTags {
                names: Some("s".to_owned())
            })
        );
        assert_eq!(
            why(snapshot(&with(ours("s"), key::SOURCE_DB, "stage"), of)),
            Some(NotOurs::OtherSource {
                of: Some("stage".to_owned())
            })
        );
        let mut moved = ours("s");
        moved.source_db = "stage".to_owned();
        assert_eq!(
            why(snapshot(&moved, of)),
            Some(NotOurs::OtherSource {
                of: Some("stage".to_owned())
            })
        );
    }

    #[test]
    fn a_runs_snapshots_carry_its_run_id() {
        let of_run = SnapshotClaim::OfRun { run: "777" };
        assert_eq!(snapshot(&ours("s"), of_run), Ok(()));
        assert_eq!(
            why(snapshot(&ours("s"), SnapshotClaim::OfRun { run: "778" })),
            Some(NotOurs::OtherRun {
                by: Some("777".to_owned())
            })
        );
        assert_eq!(
            why(snapshot(&with(ours("c"), key::SNAPSHOT_ID, "s"), of_run)),
            Some(NotOurs::CopiedTags {
                names: Some("s".to_owned())
            })
        );
        assert_eq!(
            why(snapshot(&without(ours("s"), key::MANAGED_BY), of_run)),
            Some(NotOurs::Unmarked)
        );
        // `mode: wait` without a run ID looks for an empty one, as before.
        assert!(snapshot(&ours("s"), SnapshotClaim::OfRun { run: "" }).is_err());
        assert_eq!(
            snapshot(
                &with(ours("s"), key::RUN_ID, ""),
                SnapshotClaim::OfRun { run: "" }
            ),
            Ok(())
        );
    }

    fn db(id: &str, tags: &[(&str, &str)]) -> Db {
        Db::Instance(Instance {
            id: id.to_owned(),
            created: Some(at("2026-11-21T08:00:00Z")),
            tags: tags.iter().map(|(k, v)| tag(k, v)).collect(),
            ..Instance::default()
        })
    }

    fn restored(run: &str, from: &Snapshot) -> Db {
        let mut tags = vec![
            tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
            tag(key::RUN_ID, run),
        ];
        tags.extend(restored_stamps(from));
        let Db::Instance(mut instance) = db("prod-rollback", &[]) else {
            unreachable!()
        };
        instance.tags = tags;
        Db::Instance(instance)
    }

    #[test]
    fn restored_stamps_name_the_snapshot_exactly() {
        let snapshot = with(ours("rds:prod-2026"), key::DEPLOY_VERSION, "v2");
        assert_eq!(
            restored_stamps(&snapshot),
            [
                tag(key::RESTORED_FROM, "rds-prod-2026"),
                tag(key::RESTORED_FROM_ARN, &snapshot.arn),
                tag(key::RESTORED_FROM_CREATED, "2026-11-20T10:00:00Z"),
                tag(key::SOURCE_DB, "prod"),
                tag(key::DEPLOY_VERSION, "v2"),
            ]
        );
        let mut bare = snap("s", "", &[]);
        bare.created = None;
        assert_eq!(restored_stamps(&bare).len(), 2);
    }

    #[test]
    fn a_restore_adopts_only_this_runs_restore_of_this_snapshot() {
        let from = ours("s");
        let wanted = "snapshot `s`";
        let db = restored("777", &from);
        let exact = TargetClaim::RestoredFrom {
            run: Some("777"),
            snapshot: &from,
        };
        assert_eq!(target(&db, exact, wanted), Ok(()));
        let by_run = TargetClaim::RestoredByRun { run: Some("777") };
        assert_eq!(target(&db, by_run, wanted), Ok(()));

        // The same name made again: another ARN or creation time.
        let mut again = from.clone();
        again.created = Some(at("2026-11-21T00:00:00Z"));
        let claim = TargetClaim::RestoredFrom {
            run: Some("777"),
            snapshot: &again,
        };
        let refusal = target(&db, claim, wanted).unwrap_err();
        assert_eq!(
            refusal.why,
            NotOurs::OtherSource {
                of: Some("s".to_owned())
            }
        );
        assert_eq!(
            refusal.to_string(),
            "target DB instance `prod-rollback` already exists, and it was restored from snapshot \"s\" by run \"777\" on 2026-11-21T08:00:00Z, not snapshot `s` for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that DB instance first if it is no longer needed"
        );

        let other_run = restored("700", &from);
        assert_eq!(
            target(&other_run, by_run, wanted).unwrap_err().why,
            NotOurs::OtherRun {
                by: Some("700".to_owned())
            }
        );
        let no_run = TargetClaim::RestoredByRun { run: None };
        assert!(target(&db, no_run, wanted).is_err());

        let theirs = self::db("prod-rollback", &[("team", "db")]);
        let refusal = target(&theirs, by_run, wanted).unwrap_err();
        assert_eq!(refusal.why, NotOurs::Unmarked);
        assert_eq!(
            refusal.to_string(),
            "target DB instance `prod-rollback` already exists, and it was not created by this action, created 2026-11-21T08:00:00Z, not snapshot `s` for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that DB instance first if it is no longer needed"
        );
        // A point-in-time restore of this run is not a snapshot restore.
        let pitr = self::db(
            "prod-rollback",
            &[
                (key::MANAGED_BY, key::MANAGED_BY_VALUE),
                (key::RUN_ID, "777"),
                (key::SOURCE_DB, "prod"),
                (key::RESTORE_TIME, "latest"),
            ],
        );
        assert_eq!(
            target(&pitr, by_run, wanted).unwrap_err().why,
            NotOurs::OtherSource { of: None }
        );
    }

    #[test]
    fn a_point_in_time_restore_adopts_only_this_runs_restore_of_its_source() {
        let pitr = db(
            "prod-rollback",
            &[
                (key::MANAGED_BY, key::MANAGED_BY_VALUE),
                (key::RUN_ID, "777"),
                (key::SOURCE_DB, "prod"),
                (key::RESTORE_TIME, "latest"),
            ],
        );
        let wanted = "`prod` at time `latest`";
        let claim = |run, source| TargetClaim::PointInTime { run, source };
        assert_eq!(target(&pitr, claim(Some("777"), "prod"), wanted), Ok(()));
        let refusal = target(&pitr, claim(Some("777"), "stage"), wanted).unwrap_err();
        assert_eq!(
            refusal.why,
            NotOurs::OtherSource {
                of: Some("prod".to_owned())
            }
        );
        assert_eq!(
            refusal.to_string(),
            "target DB instance `prod-rollback` already exists, and it was restored from \"prod\" to time \"latest\" by run \"777\" on 2026-11-21T08:00:00Z, not `prod` at time `latest` for this run; nothing was changed, since adopting it would report another run's data as this rollback. Pick another `target-db-instance-identifier`, or delete that DB instance first if it is no longer needed"
        );
        assert_eq!(
            target(&pitr, claim(Some("778"), "prod"), wanted)
                .unwrap_err()
                .why,
            NotOurs::OtherRun {
                by: Some("777".to_owned())
            }
        );
        assert!(target(&pitr, claim(None, "prod"), wanted).is_err());
        let odd = db("x", &[(key::MANAGED_BY, key::MANAGED_BY_VALUE)]);
        assert!(
            foreign_target(&odd, wanted)
                .contains("and it was created by this action for something else, created 2026-11-21T08:00:00Z, not")
        );
    }

    fn replaced_db(id: &str, extra: &[(&str, &str)]) -> Db {
        let mut tags = swap_stamps(
            "prod",
            "777",
            "prod-restoring",
            "prod-replaced",
            "2026-11-21T08:00:00Z",
            Role::Original,
        );
        tags.extend(replaced_stamps(at("2026-11-21T09:00:00Z"), "777"));
        let Db::Instance(mut instance) = db(id, &[]) else {
            unreachable!()
        };
        instance.tags = tags;
        for (k, v) in extra {
            instance.tags.retain(|t| t.key != *k);
            instance.tags.push(tag(k, v));
        }
        Db::Instance(instance)
    }

    #[test]
    fn a_replaced_db_is_pruned_only_under_its_own_name_once_the_swap_finished() {
        let db = replaced_db("prod-replaced", &[]);
        assert_eq!(replaced(&db, "prod"), Ok(at("2026-11-21T09:00:00Z")));
        assert_eq!(
            replaced(&replaced_db("PROD-REPLACED", &[]), "prod"),
            Ok(at("2026-11-21T09:00:00Z"))
        );
        assert_eq!(replaced(&db, "stage").unwrap_err().why, NotOurs::Unmarked);
        let restored = replaced_db("prod-replaced", &[(key::SWAP_ROLE, "restored")]);
        assert_eq!(
            replaced(&restored, "prod").unwrap_err().why,
            NotOurs::Unmarked
        );
        // A copy, or a DB renamed since, is not taken.
        assert_eq!(
            replaced(&replaced_db("prod-copy", &[]), "prod")
                .unwrap_err()
                .why,
            NotOurs::OtherSource {
                of: Some("prod-replaced".to_owned())
            }
        );
        let mut unfinished = replaced_db("prod-replaced", &[]);
        if let Db::Instance(instance) = &mut unfinished {
            instance.tags.retain(|t| t.key != key::REPLACED_BY_RUN);
        }
        assert_eq!(
            replaced(&unfinished, "prod").unwrap_err().why,
            NotOurs::Unfinished
        );
        let garbled = replaced_db("prod-replaced", &[(key::REPLACED_AT, "yesterday")]);
        assert_eq!(
            replaced(&garbled, "prod").unwrap_err().why,
            NotOurs::Unfinished
        );
    }

    #[test]
    fn a_swaps_tags_say_each_dbs_role_in_this_run() {
        let db = replaced_db("prod-replaced", &[]);
        assert_eq!(swap_role(db.tags(), "prod", "777"), Some(Role::Original));
        assert_eq!(swap_role(db.tags(), "prod", "778"), None);
        assert_eq!(swap_role(db.tags(), "stage", "777"), None);
        assert!(marked_replaced(db.tags(), "777"));
        assert!(!marked_replaced(db.tags(), "778"));
        let garbled = replaced_db("prod-replaced", &[(key::SWAP_ROLE, "other")]);
        assert_eq!(swap_role(garbled.tags(), "prod", "777"), None);
    }

    #[test]
    fn a_copy_is_adopted_only_if_this_action_copied_it_from_this_source() {
        let source = ours("s");
        let stamped = snap("s-copy", "prod", &[]);
        let tags = copy_stamps(&[tag("team", "db")], &source, "s-copy");
        let copy_of = |tags: Vec<Tag>| Snapshot {
            tags,
            ..stamped.clone()
        };
        assert_eq!(copy(&copy_of(tags.clone()), &source.arn), Ok(()));
        assert_eq!(
            copy(&copy_of(tags.clone()), "arn:other").unwrap_err().why,
            NotOurs::OtherSource {
                of: Some(source.arn.clone())
            }
        );
        assert_eq!(
            copy(&copy_of(Vec::new()), &source.arn).unwrap_err().why,
            NotOurs::Unmarked
        );
        // The copy names itself and its source, and is listed as the DB's.
        let copy = copy_of(tags);
        assert_eq!(snapshot(&copy, SnapshotClaim::Of { db: "prod" }), Ok(()));
        assert_eq!(copied_from(&copy), (Some(source.arn.as_str()), None));
    }

    #[test]
    fn copy_stamps_claim_a_foreign_source_for_this_action() {
        let source = snap(
            "theirs",
            "prod",
            &[
                ("aws:backup", "x"),
                ("team", "old"),
                (key::SOURCE_DB, "elsewhere"),
                (key::SNAPSHOT_ID, "theirs"),
            ],
        );
        assert_eq!(
            copy_stamps(&[tag("team", "db")], &source, "mine"),
            [
                tag("team", "db"),
                tag(key::MANAGED_BY, key::MANAGED_BY_VALUE),
                tag(key::SOURCE_DB, "prod"),
                tag(key::COPIED_FROM, &source.arn),
                tag(key::SNAPSHOT_ID, "mine"),
            ]
        );
        // A source of ours keeps its source-db tag (and its place).
        let ours = ours("s");
        let stamped = copy_stamps(&[], &ours, "t");
        assert_eq!(stamped[0], tag(key::MANAGED_BY, key::MANAGED_BY_VALUE));
        assert_eq!(stamped[1], tag(key::SOURCE_DB, "prod"));
    }

    #[test]
    fn a_running_copy_names_its_source_by_record_tag_or_copied_tags() {
        let mut copy = snap("c", "prod", &[(key::SNAPSHOT_ID, "s")]);
        assert_eq!(copied_from(&copy), (None, Some("s")));
        copy.tags.push(tag(key::COPIED_FROM, "arn:tag"));
        assert_eq!(copied_from(&copy), (Some("arn:tag"), Some("s")));
        copy.copied_from = Some("arn:record".to_owned());
        assert_eq!(copied_from(&copy).0, Some("arn:record"));
        let itself = snap("c", "prod", &[(key::SNAPSHOT_ID, "C")]);
        assert_eq!(copied_from(&itself), (None, None));
    }
}
