//! The in-place rollback (`in-place: true`) as a state machine.
//!
//! Three names matter: `<id>`, the one the application connects to; the
//! temporary name the restore goes to; and `<id>-replaced-<UTC time>`, the
//! name the original DB is given. [`next`] is a pure function from what one
//! look at those names shows (which exist, their status, a rename RDS has
//! accepted but not finished, and the swap tags of this run) to the one
//! step to take next. The driver ([`crate::mode::in_place`]) only looks,
//! asks, acts and looks again, so a re-run after a kill at any point asks
//! the same question of what it finds, and converges: it completes the swap
//! (or, within a run that failed, undoes it), never renames twice, and never
//! waits on a name that will not come back.
//!
//! A rename on RDS is a trap for a poller (USER_RenameInstance; boto3 #609
//! and #2613): right after the call the old name still reads `available`,
//! then `renaming`; then for a while neither name answers; then the new name
//! answers `rebooting`, then `available`. So a DB with a rename pending is
//! never settled, and a name that does not answer while the other DB's tags
//! say it should is a rename in flight, waited for rather than acted on.

use crate::db::state;
use crate::model::Kind;
use crate::wait::Verdict;

/// The part a DB plays in this run's swap, from its `swap-role` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The DB the application used: renamed away, then kept.
    Original,
    /// The restored copy: renamed to `<id>`.
    Restored,
}

impl Role {
    pub fn tag(self) -> &'static str {
        match self {
            Role::Original => "original",
            Role::Restored => "restored",
        }
    }

    pub fn from_tag(value: &str) -> Option<Role> {
        match value {
            "original" => Some(Role::Original),
            "restored" => Some(Role::Restored),
            _ => None,
        }
    }
}

/// One DB as a look at one name showed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Seen {
    pub status: String,
    /// Its ARN, to name it in a fix the user can paste.
    pub arn: String,
    /// A rename RDS accepted and has not finished.
    pub renaming: bool,
    /// Its role in this run's swap; `None` without this run's swap tags.
    pub role: Option<Role>,
    pub protected: bool,
    /// It carries the `replaced-at` tag.
    pub marked_replaced: bool,
}

impl Seen {
    fn settled(&self) -> bool {
        self.status == "available" && !self.renaming
    }
}

/// What one look at the three names showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub kind: Kind,
    /// `<id>`, the application's name.
    pub app: Option<Seen>,
    pub temporary: Option<Seen>,
    /// `None` also while the replaced name is not yet known.
    pub replaced: Option<Seen>,
    /// This invocation has run the restore into the temporary name to its
    /// end (the restore adopts what an earlier attempt made, so it is always
    /// run once before the renames, for its outputs and its checks).
    pub restored: bool,
}

/// Which way the driver is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Finish the swap: the restored DB at `<id>`, the original replaced.
    Swap,
    /// After a failure in this invocation: the original back at `<id>`,
    /// the restored copy at the temporary name.
    Undo,
}

/// One of the three names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    App,
    Temporary,
    Replaced,
}

/// The next thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Restore into the temporary name (or adopt this run's restore there)
    /// and wait for it.
    Restore,
    /// Record the swap's names and each DB's role in tags on both DBs.
    TagIntent,
    Rename {
        from: Name,
        to: Name,
    },
    /// Deletion protection on both, and the `replaced-at` tags.
    Protect,
    /// Something is moving (a rename, a reboot, a modify): look again.
    Wait(String),
    Done,
    /// Nothing this action may do gets further; the text says why.
    Stuck(String),
}

fn failed(kind: Kind, seen: &Option<Seen>) -> Option<String> {
    let seen = seen.as_ref()?;
    match state::verdict(kind, &seen.status, &seen.arn) {
        Verdict::Failed(reason) => Some(reason),
        _ => None,
    }
}

fn role(seen: &Option<Seen>) -> Option<Role> {
    seen.as_ref().and_then(|seen| seen.role)
}

fn settled(seen: &Option<Seen>) -> bool {
    seen.as_ref().is_some_and(Seen::settled)
}

fn wait_for(what: &str) -> Step {
    Step::Wait(what.to_owned())
}

/// The next step from what a look showed. Pure: the driver's only judgement.
pub fn next(world: &World, goal: Goal) -> Step {
    for (name, seen) in [
        ("the application's DB", &world.app),
        ("the restored DB", &world.temporary),
        ("the replaced DB", &world.replaced),
    ] {
        if let Some(reason) = failed(world.kind, seen) {
            return Step::Stuck(format!("{name}: {reason}"));
        }
    }
    let (app, temporary, replaced) = (
        role(&world.app),
        role(&world.temporary),
        role(&world.replaced),
    );
    // One look asks for each name in turn, so a rename that lands between
    // two of them shows the same DB under both names: look again.
    let roles = [app, temporary, replaced];
    for (n, one) in roles.iter().enumerate() {
        if one.is_some() && roles[n + 1..].contains(one) {
            return wait_for("a rename that landed while the names were being looked at");
        }
    }
    let has = |seen: &Option<Seen>| seen.is_some();
    match goal {
        Goal::Swap => {
            // The swap has landed: only protection and tags may be left.
            if app == Some(Role::Restored) && replaced == Some(Role::Original) {
                if !settled(&world.app) || !settled(&world.replaced) {
                    return wait_for("the renamed DBs to be available");
                }
                let (app, old) = (world.app.as_ref(), world.replaced.as_ref());
                let protected = app.is_some_and(|s| s.protected)
                    && old.is_some_and(|s| s.protected && s.marked_replaced);
                return if protected { Step::Done } else { Step::Protect };
            }
            if app == Some(Role::Restored) {
                return Step::Stuck(
                    "the restored DB has the application's name, but the replaced DB is not found under its name".to_owned(),
                );
            }
            match (has(&world.app), has(&world.temporary), has(&world.replaced)) {
                // Before any rename: restore, record the intent, rename away.
                (true, _, false) => {
                    if !world.restored {
                        return Step::Restore;
                    }
                    if !has(&world.temporary) {
                        return Step::Stuck(
                            "the restored DB is no longer at its temporary name".to_owned(),
                        );
                    }
                    if app != Some(Role::Original) || temporary != Some(Role::Restored) {
                        return Step::TagIntent;
                    }
                    if !settled(&world.app) || !settled(&world.temporary) {
                        return wait_for("both DBs to be available before the first rename");
                    }
                    Step::Rename {
                        from: Name::App,
                        to: Name::Replaced,
                    }
                }
                // The original is away: bring the restored DB in.
                (false, true, true)
                    if temporary == Some(Role::Restored) && replaced == Some(Role::Original) =>
                {
                    if !settled(&world.replaced) || !settled(&world.temporary) {
                        return wait_for("the first rename to land");
                    }
                    Step::Rename {
                        from: Name::Temporary,
                        to: Name::App,
                    }
                }
                (false, true, false) if temporary == Some(Role::Restored) => {
                    wait_for("the original DB's rename: neither its old nor its new name answers yet")
                }
                (false, false, true) if replaced == Some(Role::Original) => {
                    wait_for("the restored DB's rename to the application's name: neither name answers yet")
                }
                (true, _, true) => Step::Stuck(
                    "both the application's name and the replaced name are taken, and not by this run's swap".to_owned(),
                ),
                _ => Step::Stuck(
                    "the application's DB does not exist, and no swap of this run explains it".to_owned(),
                ),
            }
        }
        Goal::Undo => {
            if has(&world.app) && app != Some(Role::Restored) {
                return if settled(&world.app) {
                    Step::Done
                } else {
                    wait_for("the original DB to be available again")
                };
            }
            match (app, temporary, replaced) {
                (Some(Role::Restored), _, Some(Role::Original)) => {
                    if has(&world.temporary) {
                        return Step::Stuck(
                            "the temporary name is taken, so the restored DB cannot be renamed back to it".to_owned(),
                        );
                    }
                    if !settled(&world.app) || !settled(&world.replaced) {
                        return wait_for("the renamed DBs to settle before renaming them back");
                    }
                    Step::Rename {
                        from: Name::App,
                        to: Name::Temporary,
                    }
                }
                (None, Some(Role::Restored), Some(Role::Original)) if !has(&world.app) => {
                    if !settled(&world.replaced) || !settled(&world.temporary) {
                        return wait_for("the renamed DBs to settle before renaming them back");
                    }
                    Step::Rename {
                        from: Name::Replaced,
                        to: Name::App,
                    }
                }
                (None, None, Some(Role::Original)) if !has(&world.app) => {
                    wait_for("the restored DB's rename back to its temporary name")
                }
                (None, Some(Role::Restored), None) if !has(&world.app) => {
                    wait_for("the original DB's rename back to the application's name")
                }
                _ => Step::Stuck(
                    "the original DB cannot be found to give it back the application's name"
                        .to_owned(),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESTORED: Option<Role> = Some(Role::Restored);
    const ORIGINAL: Option<Role> = Some(Role::Original);

    fn at(status: &str, role: Option<Role>) -> Option<Seen> {
        Some(Seen {
            status: status.to_owned(),
            role,
            ..Seen::default()
        })
    }

    fn ok(role: Option<Role>) -> Option<Seen> {
        at("available", role)
    }

    fn renaming(role: Option<Role>) -> Option<Seen> {
        Some(Seen {
            renaming: true,
            ..ok(role).unwrap()
        })
    }

    fn done(role: Option<Role>) -> Option<Seen> {
        Some(Seen {
            protected: true,
            marked_replaced: role == ORIGINAL,
            ..ok(role).unwrap()
        })
    }

    fn world(app: Option<Seen>, temporary: Option<Seen>, replaced: Option<Seen>) -> World {
        World {
            kind: Kind::Instance,
            app,
            temporary,
            replaced,
            restored: true,
        }
    }

    fn rename(from: Name, to: Name) -> Step {
        Step::Rename { from, to }
    }

    fn is_wait(step: &Step) -> bool {
        matches!(step, Step::Wait(_))
    }

    fn is_stuck(step: &Step) -> bool {
        matches!(step, Step::Stuck(_))
    }

    /// Every state the swap passes through, in order, with the step each
    /// one leads to.
    #[test]
    fn the_swap_goes_forward_one_step_at_a_time() {
        let first = World {
            restored: false,
            ..world(ok(None), None, None)
        };
        assert_eq!(next(&first, Goal::Swap), Step::Restore);
        // A re-run finds this run's restore under way: the restore adopts it.
        let creating = World {
            restored: false,
            ..world(ok(None), at("creating", None), None)
        };
        assert_eq!(next(&creating, Goal::Swap), Step::Restore);
        let steps: Vec<(World, Step)> = vec![
            (world(ok(None), ok(None), None), Step::TagIntent),
            // Killed between the two tag calls.
            (world(ok(ORIGINAL), ok(None), None), Step::TagIntent),
            (world(ok(None), ok(RESTORED), None), Step::TagIntent),
            (
                world(ok(ORIGINAL), ok(RESTORED), None),
                rename(Name::App, Name::Replaced),
            ),
            // The first rename landed between the looks at `<id>` and at the
            // replaced name: the same DB under both.
            (
                world(ok(ORIGINAL), ok(RESTORED), ok(ORIGINAL)),
                Step::Wait(String::new()),
            ),
            (
                world(ok(None), ok(RESTORED), ok(None)),
                Step::Stuck(String::new()),
            ),
            (
                world(None, ok(RESTORED), ok(ORIGINAL)),
                rename(Name::Temporary, Name::App),
            ),
            (world(ok(RESTORED), None, ok(ORIGINAL)), Step::Protect),
            (world(done(RESTORED), None, ok(ORIGINAL)), Step::Protect),
            (world(done(RESTORED), None, done(ORIGINAL)), Step::Done),
        ];
        for (world, want) in steps {
            let got = next(&world, Goal::Swap);
            match want {
                Step::Stuck(_) => assert!(is_stuck(&got), "{world:?}: {got:?}"),
                Step::Wait(_) => assert!(is_wait(&got), "{world:?}: {got:?}"),
                want => assert_eq!(got, want, "{world:?}"),
            }
        }
    }

    /// The rename trap: right after the call the old name still reads
    /// `available` (with the rename pending), then `renaming`, then neither
    /// name answers, then the new one reads `rebooting`. None of those is
    /// acted on; each is waited out.
    #[test]
    fn every_phase_of_a_rename_is_waited_out_never_renamed_again() {
        let first_rename = [
            world(renaming(ORIGINAL), ok(RESTORED), None),
            world(at("renaming", ORIGINAL), ok(RESTORED), None),
            world(None, ok(RESTORED), None),
            world(None, ok(RESTORED), at("rebooting", ORIGINAL)),
        ];
        let second_rename = [
            world(None, renaming(RESTORED), ok(ORIGINAL)),
            world(None, at("renaming", RESTORED), ok(ORIGINAL)),
            world(None, None, ok(ORIGINAL)),
            world(at("rebooting", RESTORED), None, ok(ORIGINAL)),
            // The protect call's modify.
            world(at("modifying", RESTORED), None, done(ORIGINAL)),
        ];
        for world in first_rename.iter().chain(&second_rename) {
            let step = next(world, Goal::Swap);
            assert!(is_wait(&step), "{world:?}: {step:?}");
        }
    }

    #[test]
    fn an_undo_renames_back_in_the_reverse_order() {
        let steps = [
            // Nothing renamed yet: the original serves; done at once.
            (world(ok(ORIGINAL), ok(RESTORED), None), Step::Done),
            (world(ok(None), ok(None), None), Step::Done),
            // The first rename was accepted when the failure came.
            (
                world(renaming(ORIGINAL), ok(RESTORED), None),
                Step::Wait(String::new()),
            ),
            (world(None, ok(RESTORED), None), Step::Wait(String::new())),
            (
                world(None, ok(RESTORED), at("rebooting", ORIGINAL)),
                Step::Wait(String::new()),
            ),
            (
                world(None, ok(RESTORED), ok(ORIGINAL)),
                rename(Name::Replaced, Name::App),
            ),
            // Both renames landed: the restored one leaves first.
            (
                world(ok(RESTORED), None, ok(ORIGINAL)),
                rename(Name::App, Name::Temporary),
            ),
            (world(None, None, ok(ORIGINAL)), Step::Wait(String::new())),
            (
                world(at("rebooting", ORIGINAL), ok(RESTORED), None),
                Step::Wait(String::new()),
            ),
            (world(ok(ORIGINAL), ok(RESTORED), None), Step::Done),
        ];
        for (world, want) in steps {
            let got = next(&world, Goal::Undo);
            match want {
                Step::Wait(_) => assert!(is_wait(&got), "{world:?}: {got:?}"),
                want => assert_eq!(got, want, "{world:?}"),
            }
        }
    }

    /// Whatever the state, a swap never renames the application's DB away
    /// while the other is not ready to take its place, and never renames
    /// onto a name that answers.
    #[test]
    fn no_state_leads_to_a_rename_onto_a_taken_name_or_a_second_swap() {
        let options = || {
            let mut all = vec![None];
            for status in ["available", "renaming", "rebooting", "creating"] {
                for role in [None, ORIGINAL, RESTORED] {
                    for renaming in [false, true] {
                        all.push(Some(Seen {
                            status: status.to_owned(),
                            renaming,
                            role,
                            ..Seen::default()
                        }));
                    }
                }
            }
            all
        };
        for app in options() {
            for temporary in options() {
                for replaced in options() {
                    for goal in [Goal::Swap, Goal::Undo] {
                        let world = world(app.clone(), temporary.clone(), replaced.clone());
                        if let Step::Rename { from, to } = next(&world, goal) {
                            let seen = |name| match name {
                                Name::App => &world.app,
                                Name::Temporary => &world.temporary,
                                Name::Replaced => &world.replaced,
                            };
                            assert!(seen(to).is_none(), "{world:?} {goal:?}");
                            assert!(settled(seen(from)), "{world:?} {goal:?}");
                            if goal == Goal::Swap && from == Name::App {
                                assert!(settled(&world.temporary), "{world:?}");
                                assert_eq!(role(&world.temporary), RESTORED);
                            }
                            // After a completed swap nothing is renamed again.
                            assert!(
                                !(role(&world.app) == RESTORED
                                    && role(&world.replaced) == ORIGINAL
                                    && goal == Goal::Swap),
                                "{world:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_failed_db_stops_the_machine_with_its_state() {
        let world = world(ok(ORIGINAL), at("incompatible-restore", RESTORED), None);
        let Step::Stuck(why) = next(&world, Goal::Swap) else {
            panic!("a failed DB must stop the swap");
        };
        assert!(why.contains("incompatible-restore"), "{why}");
    }

    #[test]
    fn a_vanished_db_is_stuck_not_waited_for() {
        assert!(is_stuck(&next(&world(None, None, None), Goal::Swap)));
        assert!(is_stuck(&next(&world(None, None, None), Goal::Undo)));
        assert!(is_stuck(&next(
            &world(ok(RESTORED), None, None),
            Goal::Swap
        )));
        assert!(is_stuck(&next(&world(ok(None), None, None), Goal::Swap)));
    }
}
