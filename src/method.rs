//! `method: auto`: which way back is fastest and can serve, decided from
//! what RDS said of the source ([`Facts`]) without calling it (pure, like
//! [`crate::wait::next_look`] and [`crate::swap::next`]). The ways are the
//! action's own: a Backtrack (`mode: backtrack`'s), an Aurora clone
//! (`restore-type: copy-on-write`'s), and the restore pipeline's snapshot
//! and point-in-time sources. [`choose`] tries them fastest first and keeps
//! why each faster one could not serve; [`estimate`] gives each a rough
//! duration, as a range.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::github::Table;
use crate::model::{Kind, Method, RestoreTime, rfc3339};
use crate::wait::{Operation, human};

/// What the choice is made from: the source as RDS described it, the time
/// to go back to, and the step's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The way of the step's mode when nothing faster serves: `Snapshot`
    /// (`mode: restore`) or `PointInTime` (`mode: pitr`).
    pub fallback: Method,
    pub kind: Kind,
    pub engine: String,
    /// The cluster's status (a Backtrack needs it `available`).
    pub status: String,
    /// `BacktrackWindow` in seconds; 0 or `None`: off.
    pub backtrack_window: Option<i64>,
    pub earliest_backtrack: Option<DateTime<Utc>>,
    /// The cluster parameter group's `binlog_format`, when it is not
    /// `OFF` (read only where a Backtrack is otherwise possible).
    pub binlog: Option<String>,
    /// Binary log replication the cluster takes part in.
    pub replication: Vec<String>,
    /// Where to go back to: `pitr`'s `restore-time`, or for `restore` the
    /// time the snapshot was taken (`None`: RDS did not say).
    pub to: Option<RestoreTime>,
    pub in_place: bool,
    pub force: bool,
    /// The data's size in GiB, where RDS reports it (an instance's or a
    /// snapshot's allocated storage; not an Aurora cluster's volume).
    pub size_gib: Option<i32>,
    pub now: DateTime<Utc>,
}

/// One way back, and whether it can serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub method: Method,
    /// How long it would probably take, low and high.
    pub estimate: (Duration, Duration),
    /// Why it cannot serve; `None`: it can.
    pub refused: Option<String>,
}

/// The ways considered, fastest first, and the one chosen: the first that
/// can serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub chosen: Method,
    pub candidates: Vec<Candidate>,
}

/// Picks the fastest way back that can serve. The fallback (a snapshot or
/// point-in-time restore into a new DB) always can, as far as these facts
/// go: what else could refuse it is checked by the restore itself.
pub fn choose(facts: &Facts) -> Choice {
    let ways = [Method::Backtrack, Method::Clone, facts.fallback];
    let candidates: Vec<Candidate> = ways
        .into_iter()
        .map(|method| Candidate {
            method,
            estimate: estimate(method, facts.kind, facts.size_gib),
            refused: match method {
                Method::Backtrack => backtrack_refused(facts),
                Method::Clone => clone_refused(facts),
                _ => None,
            },
        })
        .collect();
    let chosen = candidates
        .iter()
        .find(|candidate| candidate.refused.is_none())
        .map_or(facts.fallback, |candidate| candidate.method);
    Choice { chosen, candidates }
}

/// Why a Backtrack cannot serve: the conditions AWS sets
/// (API_BacktrackDBCluster; Aurora user guide, "Backtracking an Aurora DB
/// cluster", "Backtracking limitations"), which `mode: backtrack` checks
/// again before it calls, and the step's own: it rewinds the live DB, so
/// only in place.
fn backtrack_refused(facts: &Facts) -> Option<String> {
    if facts.kind != Kind::Cluster {
        return Some(
            "the source is an RDS DB instance; Backtrack exists only for Aurora MySQL clusters"
                .to_owned(),
        );
    }
    // `aurora` is Aurora MySQL 5.6's engine name.
    if !matches!(facts.engine.as_str(), "aurora-mysql" | "aurora") {
        return Some(format!(
            "the cluster runs `{}`; Backtrack exists only for Aurora MySQL",
            facts.engine
        ));
    }
    if facts.backtrack_window.unwrap_or(0) <= 0 {
        return Some("the cluster has Backtrack turned off (its backtrack window is 0)".to_owned());
    }
    if !facts.in_place {
        return Some(
            "it rewinds the live DB itself, and the step restores into a new DB (`in-place` is not `true`)"
                .to_owned(),
        );
    }
    let to = match facts.to {
        None => return Some("RDS gives no time the snapshot was taken".to_owned()),
        Some(RestoreTime::Latest) => {
            return Some("`restore-time` is `latest`: there is nothing to rewind".to_owned());
        }
        Some(RestoreTime::At(to)) => to,
    };
    match facts.earliest_backtrack {
        None => return Some("the cluster reports no earliest backtrack time yet".to_owned()),
        Some(earliest) if to < earliest => {
            return Some(format!(
                "{} is before the earliest time the cluster can be backtracked to ({})",
                rfc3339(to),
                rfc3339(earliest)
            ));
        }
        Some(_) if to > facts.now => {
            return Some(format!("{} is in the future", rfc3339(to)));
        }
        Some(_) => {}
    }
    if facts.status != "available" {
        return Some(format!(
            "the cluster is `{}`, and RDS backtracks a cluster only while it is `available`",
            facts.status
        ));
    }
    if !facts.force && (facts.binlog.is_some() || !facts.replication.is_empty()) {
        return Some(format!(
            "the cluster writes a binary log ({}), which a Backtrack does not rewind; `force: true` accepts that",
            match &facts.binlog {
                Some(format) => format!("`binlog_format` is `{format}`"),
                None => format!("binlog replication with {}", facts.replication.join(", ")),
            }
        ));
    }
    None
}

/// Why an Aurora clone cannot serve: it needs an Aurora cluster, and is a
/// copy of it as it is now (API_RestoreDBClusterToPointInTime: RestoreType
/// `copy-on-write` with UseLatestRestorableTime).
fn clone_refused(facts: &Facts) -> Option<String> {
    if facts.fallback == Method::Snapshot {
        return Some(
            "mode `restore` brings back a snapshot's data, and a clone copies the cluster as it is now (mode `pitr` with `restore-time: latest`)"
                .to_owned(),
        );
    }
    if facts.kind != Kind::Cluster {
        return Some("the source is an RDS DB instance; cloning is for Aurora clusters".to_owned());
    }
    match facts.to {
        Some(RestoreTime::Latest) => None,
        Some(RestoreTime::At(to)) => Some(format!(
            "a clone is of the cluster as it is now, and `restore-time` is {}",
            rfc3339(to)
        )),
        None => Some("a clone is of the cluster as it is now".to_owned()),
    }
}

/// How long each way probably takes, low and high: a range from AWS's
/// documented or typically reported durations, not a promise.
///
/// - Backtrack: "rewinds the DB cluster in minutes", whatever its size
///   (Aurora user guide, "Backtracking an Aurora DB cluster"); the range
///   the wait schedules it by ([`Operation::Backtrack`]).
/// - Clone: a copy-on-write clone shares the source's pages, so no data is
///   copied and its size does not matter; "creating a clone is faster ...
///   than physically copying the data using other techniques, such as
///   restoring a snapshot" (Aurora user guide, "Cloning a volume for an
///   Amazon Aurora DB cluster"). Users report it available within minutes
///   whatever the size; what takes the time is the new writer instance, a
///   few minutes to about twenty.
/// - Snapshot and point-in-time restores: 10 to 45 minutes as users report
///   them ([`Operation::Restore`], with its sources), and "can take hours"
///   for a large DB (the Backtrack page above, on restoring a cluster).
///   The high end grows with the size: 10 minutes per 100 GiB, the low end
///   1 minute per 100 GiB. That rate is our rough reading of "hours" for
///   DBs of a few TiB, not an AWS figure; a point-in-time restore also
///   replays the transaction logs since the snapshot before it (AWS
///   Knowledge Center, "Why is the point-in-time restore of my Amazon RDS
///   DB instance taking a long time?").
pub fn estimate(method: Method, kind: Kind, size_gib: Option<i32>) -> (Duration, Duration) {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    match method {
        Method::Backtrack => Operation::Backtrack.profile().usual,
        Method::Clone => (minutes(5), minutes(20)),
        Method::Auto | Method::Snapshot | Method::PointInTime => {
            let (low, high) = Operation::Restore(kind).profile().usual;
            let hundreds = u64::try_from(size_gib.unwrap_or(0)).unwrap_or(0) / 100;
            (low + minutes(hundreds), high + minutes(10 * hundreds))
        }
    }
}

/// The range as the plan and the summary show it.
pub fn range((low, high): (Duration, Duration)) -> String {
    format!("{} to {}", human(low), human(high))
}

/// The title of the table of the ways considered; a plan keeps it.
pub const TABLE: &str = "Ways back considered (`method: auto`), fastest first";

/// One line per way considered, for the log, the checks of a plan, and
/// the summary's table.
pub fn lines(choice: &Choice) -> Vec<(Method, String)> {
    let mut past = false;
    choice
        .candidates
        .iter()
        .filter(|candidate| {
            // The ways slower than the chosen one were not needed.
            let shown = !past;
            past |= candidate.method == choice.chosen;
            shown
        })
        .map(|candidate| {
            let verdict = match &candidate.refused {
                None => "chosen".to_owned(),
                Some(why) => format!("not used: {why}"),
            };
            (
                candidate.method,
                format!(
                    "{verdict}; about {} (a rough range, not a promise)",
                    range(candidate.estimate)
                ),
            )
        })
        .collect()
}

/// The summary's table of the ways considered.
pub fn table(choice: &Choice, size_gib: Option<i32>) -> Table {
    let size = size_gib.map_or_else(|| "size unknown".to_owned(), |gib| format!("{gib} GiB"));
    Table {
        title: TABLE.to_owned(),
        headers: vec!["way back", "result", "probably takes"],
        rows: choice
            .candidates
            .iter()
            .map(|candidate| {
                vec![
                    candidate.method.what().to_owned(),
                    match &candidate.refused {
                        None if candidate.method == choice.chosen => "chosen".to_owned(),
                        None => "possible, not needed".to_owned(),
                        Some(why) => format!("not used: {why}"),
                    },
                    format!("{} ({size})", range(candidate.estimate)),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// An Aurora MySQL cluster with a day's backtrack window, in place,
    /// asked to go back an hour.
    fn mysql() -> Facts {
        Facts {
            fallback: Method::PointInTime,
            kind: Kind::Cluster,
            engine: "aurora-mysql".to_owned(),
            status: "available".to_owned(),
            backtrack_window: Some(86_400),
            earliest_backtrack: Some(at("2026-11-22T00:00:00Z")),
            binlog: None,
            replication: Vec::new(),
            to: Some(RestoreTime::At(at("2026-11-22T11:00:00Z"))),
            in_place: true,
            force: false,
            size_gib: None,
            now: at("2026-11-22T12:00:00Z"),
        }
    }

    fn refusal(choice: &Choice, method: Method) -> Option<String> {
        choice
            .candidates
            .iter()
            .find(|candidate| candidate.method == method)
            .unwrap()
            .refused
            .clone()
    }

    #[test]
    fn an_aurora_mysql_cluster_in_place_inside_its_window_backtracks() {
        let choice = choose(&mysql());
        assert_eq!(choice.chosen, Method::Backtrack);
        assert_eq!(refusal(&choice, Method::Backtrack), None);
        // Slower ways are listed, but the log says only what was weighed.
        assert_eq!(lines(&choice).len(), 1);
    }

    #[test]
    fn each_condition_of_a_backtrack_sends_it_to_the_next_way_with_its_reason() {
        /// A change to the facts, and the reason it must give.
        type Case = (fn(&mut Facts), &'static str);
        let cases: [Case; 9] = [
            (|f| f.in_place = false, "`in-place` is not `true`"),
            (|f| f.kind = Kind::Instance, "RDS DB instance"),
            (
                |f| f.engine = "aurora-postgresql".to_owned(),
                "runs `aurora-postgresql`",
            ),
            (|f| f.backtrack_window = Some(0), "Backtrack turned off"),
            (
                |f| f.to = Some(RestoreTime::At(at("2026-11-21T23:59:59Z"))),
                "before the earliest time",
            ),
            (
                |f| f.earliest_backtrack = None,
                "no earliest backtrack time",
            ),
            (|f| f.status = "modifying".to_owned(), "is `modifying`"),
            (
                |f| f.binlog = Some("ROW".to_owned()),
                "`binlog_format` is `ROW`",
            ),
            (
                |f| f.replication = vec!["replica-1".to_owned()],
                "binlog replication with replica-1",
            ),
        ];
        for (change, reason) in cases {
            let mut facts = mysql();
            change(&mut facts);
            let choice = choose(&facts);
            assert_eq!(choice.chosen, Method::PointInTime, "{reason}");
            let why = refusal(&choice, Method::Backtrack).unwrap();
            assert!(why.contains(reason), "{why}");
            // The clone is refused too (the time is not `latest`), and the
            // lines name both.
            assert!(refusal(&choice, Method::Clone).is_some(), "{reason}");
            assert_eq!(lines(&choice).len(), 3, "{reason}");
        }
        // `force` accepts the binary log.
        let mut forced = mysql();
        forced.binlog = Some("ROW".to_owned());
        forced.force = true;
        assert_eq!(choose(&forced).chosen, Method::Backtrack);
    }

    #[test]
    fn latest_on_aurora_is_a_clone_and_on_an_instance_a_restore() {
        let mut facts = mysql();
        facts.to = Some(RestoreTime::Latest);
        let choice = choose(&facts);
        assert_eq!(choice.chosen, Method::Clone);
        assert!(
            refusal(&choice, Method::Backtrack)
                .unwrap()
                .contains("nothing to rewind")
        );
        facts.kind = Kind::Instance;
        facts.engine = "postgres".to_owned();
        let choice = choose(&facts);
        assert_eq!(choice.chosen, Method::PointInTime);
        assert!(
            refusal(&choice, Method::Clone)
                .unwrap()
                .contains("cloning is for Aurora clusters")
        );
    }

    #[test]
    fn a_snapshot_restore_never_clones_and_backtracks_to_the_snapshot_time() {
        let mut facts = mysql();
        facts.fallback = Method::Snapshot;
        assert_eq!(choose(&facts).chosen, Method::Backtrack);
        facts.in_place = false;
        let choice = choose(&facts);
        assert_eq!(choice.chosen, Method::Snapshot);
        assert!(
            refusal(&choice, Method::Clone)
                .unwrap()
                .contains("mode `restore`")
        );
        facts.in_place = true;
        facts.to = None;
        assert_eq!(choose(&facts).chosen, Method::Snapshot);
    }

    #[test]
    fn estimates_are_ordered_and_grow_with_size_only_for_restores() {
        let backtrack = estimate(Method::Backtrack, Kind::Cluster, Some(5000));
        let clone = estimate(Method::Clone, Kind::Cluster, Some(5000));
        assert_eq!(clone, estimate(Method::Clone, Kind::Cluster, Some(5)));
        assert_eq!(
            backtrack,
            estimate(Method::Backtrack, Kind::Cluster, Some(5))
        );
        let small = estimate(Method::PointInTime, Kind::Instance, Some(20));
        let large = estimate(Method::PointInTime, Kind::Instance, Some(2000));
        assert_eq!(range(small), "10m 0s to 45m 0s");
        assert_eq!(range(large), "30m 0s to 4h 5m");
        assert!(backtrack.1 <= clone.1 && clone.1 <= small.1);
    }

    #[test]
    fn the_table_says_which_was_chosen_and_why_the_others_were_not() {
        let mut facts = mysql();
        facts.in_place = false;
        facts.size_gib = Some(100);
        let table = table(&choose(&facts), facts.size_gib);
        assert_eq!(table.rows.len(), 3);
        assert!(
            table.rows[0][1].starts_with("not used: "),
            "{:?}",
            table.rows
        );
        assert_eq!(table.rows[2][1], "chosen");
        assert_eq!(table.rows[2][2], "11m 0s to 55m 0s (100 GiB)");
    }
}
