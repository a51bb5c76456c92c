//! `mode: backtrack`: rewinds an Aurora MySQL cluster in place to an
//! earlier time. No new cluster, no new endpoint: the application's
//! address stays the same, and the cluster is back in minutes rather than
//! the hours of a restore (Aurora user guide, "Backtracking an Aurora DB
//! cluster"). Everything that could refuse it is checked before the call.

use anyhow::{Context as _, bail};
use chrono::{DateTime, TimeDelta, Utc};
use tracing::info;

use super::{as_cluster_if_member, owned_snapshots, source_db};
use crate::config::{BacktrackPlan, BacktrackTo, Wait};
use crate::db;
use crate::github::{Report, markdown_code, shown};
use crate::model::{DbRef, Kind, plural, rfc3339};
use crate::provenance;
use crate::rds::{Backtrack, Cluster, Rds, RdsError};
use crate::settings::{self, Value};
use crate::wait::{self, Observed, Operation, Seen, Verdict};

/// How close a Backtrack found on a re-run must have landed to the time
/// asked for to count as this step's: Aurora rewinds to the nearest
/// consistent time it can, not to the exact second.
const SAME_TARGET: TimeDelta = TimeDelta::minutes(5);

/// How recent such a Backtrack must be to be taken for an earlier attempt
/// of this step rather than an old one.
const RECENT: TimeDelta = TimeDelta::hours(24);

pub async fn run(
    plan: &BacktrackPlan,
    wait: Wait,
    rds: &Rds,
    out: &mut Report,
) -> anyhow::Result<()> {
    let db = as_cluster_if_member(rds, &plan.db, out).await?;
    if db.kind != Kind::Cluster {
        if rds.instance(&db.id).await?.is_none() {
            bail!(
                "{db} does not exist in region {}; Backtrack rewinds an Aurora MySQL cluster: set `db-cluster-identifier` to its name",
                rds.region()
            );
        }
        bail!(
            "`{}` (input `db-instance-identifier`) is an RDS DB instance, and Backtrack exists only for Aurora MySQL clusters; to go back in time, use `mode: pitr` (a new instance at that time) or `mode: restore` (a new instance from the pre-deploy snapshot)",
            db.id
        );
    }
    out.set("db-cluster-identifier", db.id.clone());
    let Some(cluster) = source_db(rds, &db).await?.into_cluster() else {
        unreachable!("a cluster reference describes a cluster");
    };
    // What the describe just made already says is checked before any other
    // call: listing an Aurora PostgreSQL cluster's Backtracks is an error
    // (DescribeDBClusterBacktracks is for Aurora MySQL only).
    supported(&cluster)?;
    let to = match &plan.to {
        BacktrackTo::Time(time) => *time,
        BacktrackTo::DeployVersion(version) => before_deploy(rds, &db, version).await?,
    };
    out.set("restore-time", rfc3339(to));
    in_window(&cluster, to, Utc::now())?;

    // A re-run: the Backtrack an earlier attempt started is waited for, and
    // one that finished is reported, never repeated: a second rewind to the
    // same time would throw away what was written since the first.
    let earlier = rds
        .backtracks(&cluster.id)
        .await?
        .into_iter()
        .find(|backtrack| same_request(backtrack, to, Utc::now()));
    let backtrack = match earlier {
        Some(backtrack) => {
            info!(
                "DB cluster `{}` was already backtracked to {} by request `{}` ({}); not rewinding again",
                cluster.id,
                backtrack.to.map(rfc3339).unwrap_or_default(),
                backtrack.id,
                shown(&backtrack.status)
            );
            out.warn(format!(
                "DB cluster `{}` already has a Backtrack to this time (`{}`, {}), from an earlier attempt of this step; it was not started again, since that would discard what was written since",
                cluster.id, backtrack.id, backtrack.status
            ));
            backtrack
        }
        None => {
            check(&cluster, plan.force, rds).await?;
            rds.check(
                format!("DB cluster `{}` can be backtracked to {}", cluster.id, rfc3339(to)),
                format!(
                    "yes: Aurora MySQL, the time is inside its Backtrack window, and no Backtrack to it was started before{}",
                    if plan.force {
                        "; `force: true` accepts its binary log"
                    } else {
                        ""
                    }
                ),
            );
            info!(
                "backtracking DB cluster `{}` to {}{}",
                cluster.id,
                rfc3339(to),
                if plan.force { " (forced)" } else { "" }
            );
            start(rds, &cluster.id, to, plan.force)
                .await
                .with_context(|| format!("backtracking DB cluster `{}`", cluster.id))?
        }
    };
    out.set("backtrack-identifier", backtrack.id.clone());
    out.set("status", backtrack.status.clone());
    let done = if wait.enabled {
        until_done(rds, &cluster.id, &backtrack.id, wait).await?
    } else {
        info!(
            "not waiting (`wait: false`); the Backtrack is {}",
            shown(&backtrack.status)
        );
        backtrack
    };
    let landed = done.to.unwrap_or(to);
    out.set("status", done.status.clone());
    out.set("backtracked-to", rfc3339(landed));
    out.set("endpoint", cluster.endpoint.clone().unwrap_or_default());
    out.set(
        "port",
        cluster
            .port
            .map(|port| port.to_string())
            .unwrap_or_default(),
    );
    out.sections.push(summary(&cluster, to, &done));
    Ok(())
}

/// The time just before a deploy: when this action's newest snapshot of
/// the cluster for that deploy version was taken.
async fn before_deploy(rds: &Rds, db: &DbRef, version: &str) -> anyhow::Result<DateTime<Utc>> {
    let snapshots: Vec<_> = owned_snapshots(rds, db)
        .await?
        .into_iter()
        .filter(|snapshot| provenance::deploy_version(&snapshot.tags) == Some(version))
        .collect();
    super::newest(snapshots)
        .and_then(|snapshot| snapshot.created)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "found no snapshot made by this action of DB cluster `{}` for deploy version `{version}` in region {}, so there is no pre-deploy time to rewind to; give input `restore-time` instead",
                db.id,
                rds.region()
            )
        })
}

/// Whether a listed Backtrack is this step's request made earlier.
fn same_request(backtrack: &Backtrack, to: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    backtrack.status != "failed"
        && backtrack
            .to
            .is_some_and(|landed| (landed - to).abs() <= SAME_TARGET)
        && backtrack
            .requested
            .is_none_or(|requested| now - requested <= RECENT)
}

/// How many times BacktrackDBCluster is sent at most, while each try fails
/// in a way that may pass and did not go through.
const TRIES: u32 = 5;

/// Starts the Backtrack exactly once. The call goes without the SDK's
/// retries (see [`Rds::backtrack`]): after a failed try, the cluster's
/// Backtracks say whether it went through anyway (a connection reset after
/// RDS acted); only if it did not, and the failure may pass, is it sent
/// again. A second rewind to the same time would throw away everything
/// written since the first.
async fn start(
    rds: &Rds,
    cluster: &str,
    to: DateTime<Utc>,
    force: bool,
) -> Result<Backtrack, RdsError> {
    let mut tries = 1;
    loop {
        let error = match rds.backtrack(cluster, to, force).await {
            Ok(started) => return Ok(started),
            Err(error) => error,
        };
        let started = rds
            .backtracks(cluster)
            .await?
            .into_iter()
            .find(|backtrack| same_request(backtrack, to, Utc::now()));
        if let Some(started) = started {
            info!(
                "BacktrackDBCluster answered with an error ({error}), but it went through: Backtrack `{}` is {}; not sending it again",
                started.id,
                shown(&started.status)
            );
            return Ok(started);
        }
        if !error.is_transient() || tries >= TRIES {
            return Err(error);
        }
        // The SDK's standard back-off, without its jitter: 1, 2, 4, 8 s.
        let pause = std::time::Duration::from_secs(1 << (tries - 1));
        info!(
            "BacktrackDBCluster failed ({error}) and did not go through; sending it again in {} s (try {} of {TRIES})",
            pause.as_secs(),
            tries + 1
        );
        tokio::time::sleep(pause).await;
        tries += 1;
    }
}

/// Whether the cluster can be backtracked at all: Aurora MySQL with a
/// backtrack window (API_BacktrackDBCluster; Aurora user guide,
/// "Backtracking": "Limitations"). Pure: from the describe already made.
fn supported(cluster: &Cluster) -> anyhow::Result<()> {
    // `aurora` is Aurora MySQL 5.6's engine name.
    if !matches!(cluster.engine.as_str(), "aurora-mysql" | "aurora") {
        bail!(
            "DB cluster `{}` runs `{}`, and Backtrack exists only for Aurora MySQL; to go back in time use `mode: pitr` with `db-cluster-identifier` (a new cluster at that time) or `mode: restore` (a new cluster from the pre-deploy snapshot)",
            cluster.id,
            cluster.engine
        );
    }
    if cluster.backtrack_window.unwrap_or(0) <= 0 {
        bail!(
            "DB cluster `{}` has Backtrack turned off (its backtrack window is 0; AWS lets it be turned on only for a cluster created or restored with one); use `mode: pitr` or `mode: restore` instead, and set a backtrack window on the cluster for next time",
            cluster.id
        );
    }
    Ok(())
}

/// Whether `to` lies in the cluster's backtrack window. Pure, like
/// [`supported`].
fn in_window(cluster: &Cluster, to: DateTime<Utc>, now: DateTime<Utc>) -> anyhow::Result<()> {
    let window = cluster.backtrack_window.unwrap_or(0);
    match cluster.earliest_backtrack {
        Some(earliest) if to < earliest => bail!(
            "the time to rewind to, {}, is before the earliest time DB cluster `{}` can be backtracked to ({}; its backtrack window is {} {}); nothing was changed. Pick a time from {} to now, or use `mode: pitr` for an older time",
            rfc3339(to),
            cluster.id,
            rfc3339(earliest),
            window / 3600,
            plural(usize::try_from(window / 3600).unwrap_or(0), "hour", "hours"),
            rfc3339(earliest)
        ),
        None => bail!(
            "DB cluster `{}` reports no earliest backtrack time yet, so nothing can be rewound; try again later, or use `mode: pitr`",
            cluster.id
        ),
        _ => {}
    }
    if to > now {
        bail!(
            "the time to rewind to, {}, is in the future; pick a past time",
            rfc3339(to)
        );
    }
    Ok(())
}

/// What else AWS would refuse a new Backtrack for, once no earlier
/// attempt's is found: a cluster that is not `available`, and a binary log
/// without `force`.
async fn check(cluster: &Cluster, force: bool, rds: &Rds) -> anyhow::Result<()> {
    if cluster.status != "available" {
        bail!(
            "DB cluster `{}` is `{}`, and RDS backtracks a cluster only while it is `available`; nothing was changed; wait and re-run",
            cluster.id,
            cluster.status
        );
    }
    let replicas = &cluster.replication;
    // A denied read fails the step, naming the permission: taking it for
    // "no binary log" would skip this check without saying so.
    let binlog = match cluster.settings.get(settings::DB_CLUSTER_PARAMETER_GROUP) {
        Some(Value::Text(group)) => rds
            .cluster_parameter(group, "binlog_format")
            .await?
            .filter(|value| !value.eq_ignore_ascii_case("OFF")),
        _ => None,
    };
    if (!replicas.is_empty() || binlog.is_some()) && !force {
        bail!(
            "DB cluster `{}` writes a binary log ({}), and a Backtrack rewinds the data but not what was already sent to binlog replicas or consumers, which then disagree with it; AWS refuses it unless forced. Set input `force: true` if that is acceptable (re-seed the replicas afterwards), or use `mode: pitr` for a new cluster instead",
            cluster.id,
            match (&binlog, replicas.is_empty()) {
                (Some(format), true) => format!("`binlog_format` is `{format}`"),
                (Some(format), false) => format!(
                    "`binlog_format` is `{format}`; replication with {}",
                    replicas.join(", ")
                ),
                (None, _) => format!("binlog replication with {}", replicas.join(", ")),
            }
        );
    }
    Ok(())
}

/// A Backtrack's progress, as the wait loop sees it.
struct Progress(Option<Backtrack>);

/// The states a Backtrack request never leaves by itself. RDS documents
/// `pending`, `applying`, `completed` and `failed`
/// (API_DescribeDBClusterBacktracks); the other three are a snapshot's
/// failure states, which this wait has always treated as final too.
const BACKTRACK_FAILURES: &[&str] = &["failed", "error", "deleted", "deleting"];

impl Observed for Progress {
    fn seen(&self) -> Seen {
        let status = match self.0.as_ref().map(|b| b.status.as_str()) {
            Some("completed") => "available",
            Some(status) => status,
            None => "not listed",
        };
        Seen {
            status: status.to_owned(),
            percent: None,
        }
    }

    fn verdict(&self) -> Verdict {
        let status = self.seen().status;
        if status == "available" {
            Verdict::Available
        } else if BACKTRACK_FAILURES.contains(&status.as_str()) {
            Verdict::Failed(format!("it is in state `{status}`"))
        } else {
            Verdict::Pending
        }
    }
}

/// Waits on DescribeDBClusterBacktracks until the request is `completed`
/// (or `failed`), then until the cluster is `available` again.
async fn until_done(rds: &Rds, cluster: &str, id: &str, wait: Wait) -> anyhow::Result<Backtrack> {
    let what = format!("Backtrack `{id}` of DB cluster `{cluster}`");
    let look = || async {
        let found = rds
            .backtracks(cluster)
            .await?
            .into_iter()
            .find(|backtrack| backtrack.id == id);
        Ok::<_, RdsError>(Some(Progress(found)))
    };
    let Progress(done) =
        wait::until_available(&what, Operation::Backtrack, wait.timeout, None, look)
            .await
            .with_context(|| format!("waiting for {what}"))?;
    let done = done.unwrap_or_else(|| unreachable!("a completed Backtrack is listed"));
    let rewound = DbRef::cluster(cluster);
    db::until_available(
        rds,
        &rewound,
        Operation::Modify(Kind::Cluster),
        wait.timeout,
        None,
    )
    .await
    .with_context(|| format!("waiting for DB cluster `{cluster}` after its Backtrack"))?;
    Ok(done)
}

/// The job summary: where the cluster is now, and what the rewind cost.
fn summary(cluster: &Cluster, asked: DateTime<Utc>, done: &Backtrack) -> String {
    let landed = done.to.map_or_else(|| "unknown".to_owned(), rfc3339);
    // The status and endpoint are AWS's text: shown as code, never as markup.
    let mut text = format!(
        "#### Backtrack of {}\n\n- Asked for: {}\n- Rewound to: {landed} (status {})\n",
        markdown_code(&cluster.id),
        rfc3339(asked),
        markdown_code(&done.status)
    );
    if let Some(from) = done.from {
        text.push_str(&format!("- Rewound from: {}\n", rfc3339(from)));
    }
    if let Some(endpoint) = &cluster.endpoint {
        text.push_str(&format!(
            "- Endpoint (unchanged): {}\n",
            markdown_code(endpoint)
        ));
    }
    text.push_str(
        "\n> [!WARNING]\n> A Backtrack drops every open connection of the cluster, and uncommitted transactions are lost; the application reconnects to the same endpoint. Every change written after the time rewound to is gone from the database.\n\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: AWS's status and endpoint went into the summary as they
    // came, so a backtick in either ended the code span and the rest was
    // markup.
    #[test]
    fn the_summary_shows_aws_status_and_endpoint_as_code() {
        let cluster = Cluster {
            id: "aurora".to_owned(),
            endpoint: Some("x` <img src=y> [l](u) `".to_owned()),
            ..Cluster::default()
        };
        let done = Backtrack {
            id: "b".to_owned(),
            status: "done`**bold**".to_owned(),
            to: None,
            from: None,
            requested: None,
        };
        let text = summary(&cluster, at("2026-11-23T02:00:00Z"), &done);
        assert!(text.contains("(status ``done`**bold**``)"), "{text}");
        assert!(
            text.contains("Endpoint (unchanged): `` x` <img src=y> [l](u) ` ``"),
            "{text}"
        );
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn an_earlier_attempts_backtrack_is_found_and_an_old_or_failed_one_is_not() {
        let to = at("2026-11-23T02:00:00Z");
        let now = at("2026-11-23T03:00:00Z");
        let backtrack = |landed: &str, requested: &str, status: &str| Backtrack {
            id: "b".to_owned(),
            status: status.to_owned(),
            to: Some(at(landed)),
            from: None,
            requested: Some(at(requested)),
        };
        assert!(same_request(
            &backtrack("2026-11-23T02:00:03Z", "2026-11-23T02:55:00Z", "completed"),
            to,
            now
        ));
        assert!(!same_request(
            &backtrack("2026-11-23T01:00:00Z", "2026-11-23T02:55:00Z", "completed"),
            to,
            now
        ));
        assert!(!same_request(
            &backtrack("2026-11-23T02:00:00Z", "2026-11-21T02:55:00Z", "completed"),
            to,
            now
        ));
        assert!(!same_request(
            &backtrack("2026-11-23T02:00:00Z", "2026-11-23T02:55:00Z", "failed"),
            to,
            now
        ));
    }
}
