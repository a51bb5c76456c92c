//! `mode: drill`: the source DB, where the drill's data comes from (a
//! snapshot, or a point in time), the scratch DB it restores into, the
//! probe, and the targets. The scratch DB is an ordinary restore
//! [`Target`], so the one restore pipeline builds it like a rollback; only
//! its name, its tags and its deletion protection (always off) are the
//! drill's.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::choice::SnapshotChoice;
use super::parse::{duration_with_unit, past_time, snapshot_ref, source, user_tags};
use super::restore::{PitrPlan, RestorePlan, Target};
use super::{InputError, bad};
use crate::github::RunContext;
use crate::inputs::RawInputs;
use crate::model::{DbRef, Method, RestoreTime};
use crate::naming;
use crate::provenance;
use crate::settings::{self, Settings, Value};

/// A drill of one DB's backup.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillPlan {
    pub source_db: DbRef,
    /// The restore into the scratch DB, as a rollback would make it.
    pub restore: DrillRestore,
    pub probe: Probe,
    pub rto_target: Option<Duration>,
    /// `keep-for`: the scratch DB stays, and expires then.
    pub keep_for: Option<Duration>,
    /// When the scratch DB may be deleted by `prune` (see
    /// [`crate::naming::tag::DRILL_EXPIRES`]).
    pub expires: DateTime<Utc>,
    pub started: DateTime<Utc>,
    pub run_id: String,
    /// Who ran it and where, for the report.
    pub actor: Option<String>,
    pub run_url: Option<String>,
    pub repository: Option<String>,
    /// Where the report file goes (`RUNNER_TEMP`).
    pub report_dir: Option<PathBuf>,
    /// Inside GitHub Actions: the password is masked with `::add-mask::`.
    pub in_actions: bool,
}

/// Where the drill's data comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DrillRestore {
    Snapshot(RestorePlan),
    PointInTime(PitrPlan),
}

impl DrillRestore {
    /// The scratch DB.
    pub fn target(&self) -> &Target {
        match self {
            DrillRestore::Snapshot(plan) => &plan.target,
            DrillRestore::PointInTime(plan) => &plan.target,
        }
    }
}

/// Level 3's inputs: the statement, how to log in, and the CAs that may
/// sign the scratch DB's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Probe {
    pub query: Option<String>,
    pub login: Option<Login>,
    pub ca: Option<CaBundle>,
}

/// `probe-ca-bundle`: the certificates of the CAs the probe trusts, read
/// from the file when the step's inputs are read, so that a missing or
/// broken file stops the step before any AWS call.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle {
    pub path: String,
    /// Each certificate, DER-encoded.
    pub certificates: Vec<Vec<u8>>,
}

impl std::fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CaBundle({:?}, {} certificates)",
            self.path,
            self.certificates.len()
        )
    }
}

/// How the probe logs in.
#[derive(Clone, PartialEq, Eq)]
pub enum Login {
    Password {
        user: String,
        password: String,
    },
    /// A Secrets Manager secret in RDS's `{"username","password"}` form.
    Secret(String),
}

impl std::fmt::Debug for Login {
    // Never the password, not even in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Login::Password { user, .. } => write!(f, "Password {{ user: {user:?}, .. }}"),
            Login::Secret(arn) => write!(f, "Secret({arn:?})"),
        }
    }
}

/// The drill's plan from its inputs. `timeout` is the step's
/// `wait-timeout`, which bounds how long a killed step's scratch DB can
/// have been its own.
pub(super) fn drill_plan(
    raw: &RawInputs,
    ctx: &RunContext,
    run_id: Option<String>,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<DrillPlan, InputError> {
    let source_db = source(raw, "the DB whose backup to drill")?;
    let Some(run_id) = run_id else {
        return Err(bad(
            "run-id",
            "is required in mode `drill`: the scratch DB is named after the run, so that a re-run finishes (and cleans up) what this one started; GitHub Actions sets `GITHUB_RUN_ID`, elsewhere pass your CI's build ID as `--run-id`",
        ));
    };
    if raw.get("wait") == Some("false") {
        return Err(bad(
            "wait",
            "must be `true` in mode `drill`: a drill waits for the scratch DB to serve, and deletes it; remove `wait: false`",
        ));
    }
    let rto_target = unit_duration(raw, "rto-target", "45m")?;
    let keep_for = unit_duration(raw, "keep-for", "4h")?;
    let probe = probe(raw)?;
    let since = |d: Duration| now + TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
    // Without `keep-for`, the step deletes it; a killed step's copy is
    // prunable once the step could no longer be waiting (restore, then
    // delete, each within `wait-timeout`).
    let expires = match keep_for {
        Some(keep) => since(keep),
        None => since(timeout.saturating_mul(2)),
    };
    let mut inputs = Settings::new();
    // A scratch copy is deleted by this very step: never protected.
    inputs.insert(settings::DELETION_PROTECTION, Value::Flag(false));
    let mut tags = user_tags(raw)?;
    tags.extend(provenance::drill_stamps(&source_db.id, expires));
    let target = Target {
        kind: source_db.kind,
        id: naming::drill_id(&source_db.id, &run_id),
        readers: None,
        inputs,
        carry: true,
        tags,
        run_id: Some(run_id.clone()),
    };
    let restore = match raw.get("restore-time") {
        Some(time) => {
            if let Some(id) = raw.get("snapshot-identifier") {
                return Err(bad(
                    "snapshot-identifier",
                    format!(
                        "`{id}` conflicts with input `restore-time`: a drill tests either a snapshot or a point-in-time restore; give only one"
                    ),
                ));
            }
            let time = match time {
                "latest" => RestoreTime::Latest,
                value => RestoreTime::At(past_time(value, now, "or use `latest`")?),
            };
            let mut target = target;
            target
                .tags
                .extend(provenance::stamps(Some(&source_db.id), ctx, Some(&run_id)));
            target.tags.extend(provenance::restore_time_stamps(time));
            DrillRestore::PointInTime(PitrPlan {
                source_db: source_db.clone(),
                time,
                clone: false,
                target,
                in_place: None,
                method: Method::PointInTime,
                force: false,
            })
        }
        None => {
            let choice = match raw.get("snapshot-identifier") {
                None | Some("latest") => SnapshotChoice::Latest,
                Some(arn) if arn.starts_with("arn:") => {
                    return Err(bad(
                        "snapshot-identifier",
                        "must be a snapshot ID in this region for mode `drill`; to drill a snapshot shared from another account or region, copy it here first with `mode: copy`",
                    ));
                }
                Some(id) => SnapshotChoice::Id(snapshot_ref(id)?),
            };
            let mut target = target;
            // The source-db tag comes with the snapshot (as in a restore).
            target
                .tags
                .extend(provenance::stamps(None, ctx, Some(&run_id)));
            DrillRestore::Snapshot(RestorePlan {
                source_db: Some(source_db.clone()),
                choice,
                target,
                in_place: None,
                method: Method::Snapshot,
                force: false,
            })
        }
    };
    Ok(DrillPlan {
        source_db,
        restore,
        probe,
        rto_target,
        keep_for,
        expires,
        started: now,
        run_id,
        actor: ctx.github_actor.clone().filter(|a| !a.is_empty()),
        run_url: match (
            &ctx.github_server_url,
            &ctx.github_repository,
            &ctx.github_run_id,
        ) {
            (Some(server), Some(repo), Some(run)) if !run.is_empty() => Some(format!(
                "{}/{repo}/actions/runs/{run}",
                server.trim_end_matches('/')
            )),
            _ => None,
        },
        repository: ctx.github_repository.clone(),
        report_dir: ctx.runner_temp.clone(),
        in_actions: ctx.in_actions(),
    })
}

/// A duration input that must carry its unit.
fn unit_duration(
    raw: &RawInputs,
    input: &'static str,
    example: &str,
) -> Result<Option<Duration>, InputError> {
    raw.get(input)
        .map(|value| {
            duration_with_unit(value).map_err(|problem| {
                bad(
                    input,
                    format!("{problem}; got `{value}`, for example `{example}`"),
                )
            })
        })
        .transpose()
}

/// Level 3's inputs, checked together.
fn probe(raw: &RawInputs) -> Result<Probe, InputError> {
    let query = raw.get("probe-query").map(str::to_owned);
    let user = raw.get("probe-username");
    let password = raw.get("probe-password");
    let secret = raw.get("probe-secret-arn");
    let login = match (user, password, secret) {
        (None, None, None) => None,
        (Some(_), _, Some(arn)) | (_, Some(_), Some(arn)) => {
            return Err(bad(
                "probe-secret-arn",
                format!(
                    "`{arn}` and inputs `probe-username` / `probe-password` both say how to log in; give the secret or the user and password"
                ),
            ));
        }
        (None, None, Some(arn)) => {
            if !is_secret_arn(arn) {
                return Err(bad(
                    "probe-secret-arn",
                    format!(
                        "must be a Secrets Manager secret ARN such as `arn:aws:secretsmanager:us-east-1:123456789012:secret:db-login-AbCdEf`; got `{arn}`"
                    ),
                ));
            }
            Some(Login::Secret(arn.to_owned()))
        }
        (Some(user), Some(password), None) => Some(Login::Password {
            user: user.to_owned(),
            password: password.to_owned(),
        }),
        (Some(_), None, None) => {
            return Err(bad(
                "probe-password",
                "is required with `probe-username`; pass it from a secret, or use `probe-secret-arn`",
            ));
        }
        (None, Some(_), None) => {
            return Err(bad(
                "probe-username",
                "is required with `probe-password`: give the user the probe logs in as",
            ));
        }
    };
    match (&query, &login) {
        (Some(query), _) => check_one_statement(query)?,
        (None, Some(_)) => {
            return Err(bad(
                "probe-query",
                "is required with probe credentials: give one SQL statement to run, for example `SELECT count(*) FROM orders`",
            ));
        }
        (None, None) => {}
    }
    if query.is_some() && login.is_none() {
        return Err(bad(
            "probe-username",
            "and input `probe-password` (or `probe-secret-arn`) are required with `probe-query`: the probe logs in to run it",
        ));
    }
    let ca = match raw.get("probe-ca-bundle") {
        None => None,
        Some(_) if query.is_none() => {
            return Err(bad(
                "probe-ca-bundle",
                "is read only with `probe-query`: level 3 is where the probe logs in over TLS; add `probe-query` and its login, or remove `probe-ca-bundle`",
            ));
        }
        Some(path) => Some(ca_bundle(path)?),
    };
    Ok(Probe { query, login, ca })
}

/// Where RDS publishes the bundle of all its CAs (RDS user guide, "Using
/// SSL/TLS to encrypt a connection to a DB instance or cluster").
const RDS_BUNDLE: &str = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

fn ca_bundle(path: &str) -> Result<CaBundle, InputError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let text = std::fs::read(path).map_err(|error| {
        bad(
            "probe-ca-bundle",
            format!(
                "cannot read `{path}` ({error}); give the path of a PEM file of CA certificates, such as RDS's bundle ({RDS_BUNDLE}) downloaded by an earlier step into the workspace"
            ),
        )
    })?;
    let certificates: Result<Vec<Vec<u8>>, _> = CertificateDer::pem_slice_iter(&text)
        .map(|certificate| certificate.map(|c| c.as_ref().to_vec()))
        .collect();
    match certificates {
        Ok(certificates) if !certificates.is_empty() => Ok(CaBundle {
            path: path.to_owned(),
            certificates,
        }),
        Ok(_) | Err(_) => Err(bad(
            "probe-ca-bundle",
            format!(
                "`{path}` holds no PEM certificate (`-----BEGIN CERTIFICATE-----`); give a PEM file of CA certificates, such as RDS's bundle ({RDS_BUNDLE})"
            ),
        )),
    }
}

fn is_secret_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[2] == "secretsmanager"
        && parts[5] == "secret"
        && !parts[6].is_empty()
}

/// `probe-query` must be one SQL statement: a `;` outside quotes and
/// comments, other than one at the end, starts another, which a drill
/// refuses (it reads; it is not a migration runner).
fn check_one_statement(query: &str) -> Result<(), InputError> {
    let statements = statement_count(query);
    if statements == 1 {
        return Ok(());
    }
    Err(bad(
        "probe-query",
        if statements == 0 {
            format!(
                "must be one SQL statement, such as `SELECT count(*) FROM orders`; got `{query}`, which has none"
            )
        } else {
            format!(
                "must be one SQL statement; got {statements} (`{query}`). Keep one, such as `SELECT count(*) FROM orders`"
            )
        },
    ))
}

/// How many non-empty statements `sql` holds, splitting on `;` outside
/// quoted strings (`'...'`, `"..."`, `$tag$...$tag$`) and comments (`--`,
/// `/* */`).
fn statement_count(sql: &str) -> usize {
    let chars: Vec<char> = sql.chars().collect();
    let mut count = 0;
    let mut has_text = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                has_text = true;
                i += 1;
                while i < chars.len() {
                    if chars[i] == c {
                        // A doubled quote is a quote inside.
                        if chars.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 1;
            }
            '$' => {
                has_text = true;
                // `$tag$` ... `$tag$` (tag may be empty); `$1` is a parameter.
                let close = chars[i + 1..].iter().position(|&c| c == '$');
                let tag: Option<String> = close
                    .map(|end| chars[i + 1..i + 1 + end].iter().collect::<String>())
                    .filter(|tag| tag.chars().all(|c| c.is_alphanumeric() || c == '_'))
                    .filter(|tag| !tag.starts_with(|c: char| c.is_ascii_digit()));
                if let Some(tag) = tag {
                    let delimiter: Vec<char> = format!("${tag}$").chars().collect();
                    i += delimiter.len();
                    while i < chars.len() && !chars[i..].starts_with(&delimiter) {
                        i += 1;
                    }
                    i += delimiter.len().saturating_sub(1);
                }
            }
            ';' => {
                if has_text {
                    count += 1;
                }
                has_text = false;
            }
            c if c.is_whitespace() => {}
            _ => has_text = true,
        }
        i += 1;
    }
    count + usize::from(has_text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{ctx, err, now};
    use crate::config::{Action, plan};

    fn drill() -> RawInputs {
        RawInputs::default()
            .with("mode", "drill")
            .with("db-instance-identifier", "shop")
    }

    #[test]
    fn one_statement_only() {
        assert_eq!(statement_count("SELECT 1"), 1);
        assert_eq!(statement_count("SELECT 1;"), 1);
        assert_eq!(statement_count("  SELECT ';' ; "), 1);
        assert_eq!(statement_count("SELECT $$a;b$$"), 1);
        assert_eq!(statement_count("SELECT $x$a;b$x$ -- ;\n"), 1);
        assert_eq!(statement_count("SELECT 1 /* ; */"), 1);
        assert_eq!(statement_count("SELECT 1; DROP TABLE orders"), 2);
        assert_eq!(statement_count("SELECT 'it''s'; DELETE FROM t;"), 2);
        assert_eq!(statement_count(";;"), 0);
        assert_eq!(statement_count("-- nothing"), 0);
    }

    #[test]
    fn the_scratch_db_is_named_after_the_run_unprotected_and_tagged() {
        let plan = plan(&drill(), &ctx(), now()).unwrap();
        let Action::Drill(drill) = plan.action else {
            panic!()
        };
        let target = drill.restore.target();
        assert_eq!(target.id, "shop-drill-r777");
        assert_eq!(
            target.inputs.get(settings::DELETION_PROTECTION),
            Some(&Value::Flag(false))
        );
        assert!(target.carry);
        assert_eq!(provenance::drill_of(&target.tags), Some("shop"));
        assert!(matches!(drill.restore, DrillRestore::Snapshot(_)));
        // Without keep-for, prunable once the step could not be running.
        assert_eq!(drill.expires, now() + TimeDelta::hours(4));
    }

    #[test]
    fn probe_ca_bundle_is_read_with_the_inputs_and_refused_unreadable_or_empty() {
        let dir = tempfile::tempdir().unwrap();
        let with_query = |path: &std::path::Path| {
            drill()
                .with("probe-query", "SELECT 1")
                .with("probe-username", "app")
                .with("probe-password", "pw")
                .with("probe-ca-bundle", path.to_str().unwrap())
        };
        let missing = dir.path().join("missing.pem");
        let error = err(with_query(&missing));
        assert_eq!(error.input, "probe-ca-bundle");
        assert!(error.problem.contains("cannot read"), "{error}");
        assert!(error.problem.contains("global-bundle.pem"), "{error}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = err(with_query(&empty));
        assert!(
            error.problem.contains("holds no PEM certificate"),
            "{error}"
        );
        let bundle = dir.path().join("bundle.pem");
        std::fs::write(
            &bundle,
            "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let Action::Drill(plan) = plan(&with_query(&bundle), &ctx(), now()).unwrap().action else {
            panic!("a drill");
        };
        let ca = plan.probe.ca.expect("the bundle");
        assert_eq!(ca.certificates, [vec![0x30, 0x03, 0x02, 0x01, 0x00]]);
        // Only level 3 logs in over TLS.
        let error = err(drill().with("probe-ca-bundle", bundle.to_str().unwrap()));
        assert_eq!(error.input, "probe-ca-bundle");
        assert!(error.problem.contains("only with `probe-query`"), "{error}");
    }

    #[test]
    fn durations_need_units_and_the_probe_needs_its_parts() {
        for input in ["rto-target", "keep-for"] {
            let error = err(drill().with(input, "45"));
            assert_eq!(error.input, input);
            assert!(error.to_string().contains("needs a unit"), "{error}");
        }
        let error = err(drill()
            .with("probe-query", "SELECT 1; DROP TABLE orders")
            .with("probe-username", "app")
            .with("probe-password", "pw"));
        assert_eq!(error.input, "probe-query");
        assert!(!error.to_string().contains("pw`"), "{error}");
        assert_eq!(
            err(drill().with("probe-query", "SELECT 1")).input,
            "probe-username"
        );
        assert_eq!(
            err(drill().with("probe-username", "app")).input,
            "probe-password"
        );
        assert_eq!(
            err(drill().with("probe-secret-arn", "db-login")).input,
            "probe-secret-arn"
        );
        assert_eq!(err(drill().with("wait", "false")).input, "wait");
        assert_eq!(
            err(drill()
                .with("restore-time", "latest")
                .with("snapshot-identifier", "s1"))
            .input,
            "snapshot-identifier"
        );
    }
}
