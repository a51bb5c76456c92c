//! The job summary a person reads at 3 a.m. after a rollback: what was
//! restored (which DB, which snapshot, how old, which deploy it preceded),
//! where the new instance is, and the exact next steps.

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::Db;
use crate::db::console_url;
use crate::db::state::USABLE_STATES;
use crate::github::{Report, age, markdown_cell, markdown_code};
use crate::model::rfc3339;
use crate::naming;
use crate::provenance;
use crate::timeline::Phase;

/// Adds the rollback section for a DB made by `restore` or `pitr`. What was
/// restored is read from the DB's own tags, so an adopted one (a re-run) is
/// described the same as a new one.
pub(crate) fn rollback(region: &str, db: &Db, out: &mut Report) {
    out.sections.push(rollback_markdown(region, db, Utc::now()));
}

fn rollback_markdown(region: &str, db: &Db, now: DateTime<Utc>) -> String {
    let tags = db.tags();
    let kind = db.kind();
    let text = markdown_code;
    let when = |time: &str| match DateTime::parse_from_rfc3339(time) {
        Ok(time) => format!(
            "{} ({} ago)",
            rfc3339(time.to_utc()),
            age(now - time.to_utc())
        ),
        Err(_) => markdown_cell(time),
    };
    let mut out = String::from("#### What was restored\n\n");
    let source = provenance::source_db(tags);
    if let Some(source) = source {
        out.push_str(&format!(
            "- Source {}: {} (untouched) <{}>\n",
            kind.noun(),
            text(source),
            console_url(region, "database", source)
        ));
    }
    // The ARN keeps an automated snapshot's exact ID (the name tag is cleaned).
    let snapshot = provenance::restored_snapshot_id(tags);
    if let Some(snapshot) = snapshot {
        out.push_str(&format!("- Snapshot: {}", text(snapshot)));
        if let Some(created) = provenance::restored_from_created(tags) {
            out.push_str(&format!(", taken {}", when(created)));
        }
        match provenance::deploy_version(tags) {
            Some(version) => out.push_str(&format!(", before deploying {}", text(version))),
            None => out.push_str(", not tied to a deploy version"),
        }
        out.push('\n');
    }
    if let Some(time) = provenance::restored_to(tags) {
        out.push_str(&format!("- Point in time restored to: {}\n", when(time)));
    }
    let id = db.id();
    out.push_str(&format!(
        "- New {}: {} <{}>\n",
        kind.noun(),
        text(id),
        console_url(region, "database", id)
    ));
    match (db.endpoint(), db.port()) {
        (Some(host), Some(port)) => {
            out.push_str(&format!(
                "- {}: {} port {port}\n",
                kind.endpoint_label(),
                text(host)
            ));
        }
        _ => out.push_str(&format!(
            "- Endpoint: not known yet (`wait: false`); run `aws rds describe-{0}s --region {region} --{0}-identifier {id}` once it is available\n",
            kind.cli()
        )),
    }
    if let Some(cluster) = db.as_cluster() {
        if let Some(reader) = &cluster.reader_endpoint {
            out.push_str(&format!("- Reader endpoint: {}\n", text(reader)));
        }
        let members: Vec<String> = cluster.members.iter().map(|m| text(&m.id)).collect();
        if !members.is_empty() {
            out.push_str(&format!("- Instances: {}\n", members.join(", ")));
        }
    }
    out.push_str("\n#### Next steps\n\n");
    out.push_str(&format!(
        "1. Point the application at the new endpoint: set its database host (for example the `DATABASE_URL` secret or the `DB_HOST` variable) to the endpoint above, keep the same database name, user and password (they came with the {}), then redeploy or restart the application. {} keeps running until you remove it.\n",
        if snapshot.is_some() { "snapshot" } else { "backup" },
        source.map_or_else(|| "The source".to_owned(), text)
    ));
    let protected = db.settings().get(crate::settings::DELETION_PROTECTION)
        == Some(&crate::settings::Value::Flag(true));
    // A rollback from a snapshot can be made again from that snapshot; a
    // point-in-time restore cannot once the window moves on, so keep a copy.
    let (cli, flag) = (kind.cli(), format!("--{}-identifier", kind.cli()));
    let mut commands = String::new();
    // With `wait: false` the DB may still be `creating`, and RDS refuses to
    // modify or delete it until it is available (InvalidDBInstanceState,
    // InvalidDBClusterStateFault in API_ModifyDBInstance, API_DeleteDBInstance
    // and their cluster calls): wait for it first.
    if !available(db.status()) {
        commands.push_str(&format!(
            "aws rds wait {cli}-available --region {region} {flag} {id}\n"
        ));
    }
    if protected {
        commands.push_str(&format!(
            "aws rds modify-{cli} --region {region} {flag} {id} --no-deletion-protection --apply-immediately\naws rds wait {cli}-available --region {region} {flag} {id}\n"
        ));
    }
    // A cluster is deleted once its instances are gone (DeleteDBCluster).
    if let Some(cluster) = db.as_cluster() {
        for member in &cluster.members {
            commands.push_str(&format!(
                "aws rds delete-db-instance --region {region} --db-instance-identifier {}\n",
                member.id
            ));
        }
        for member in &cluster.members {
            commands.push_str(&format!(
                "aws rds wait db-instance-deleted --region {region} --db-instance-identifier {}\n",
                member.id
            ));
        }
    }
    let final_snapshot = if snapshot.is_some() {
        "--skip-final-snapshot".to_owned()
    } else {
        // Fitted to the identifier rules (a cluster snapshot's ID is at
        // most 63 characters, so `<63-character id>-final` is refused).
        format!(
            "--final-db-snapshot-identifier {}",
            naming::final_snapshot_id(id)
        )
    };
    commands.push_str(&format!(
        "aws rds delete-{cli} --region {region} {flag} {id} {final_snapshot}\n"
    ));
    out.push_str(&format!(
        "2. When you no longer need {}, remove it{}:\n\n```sh\n{commands}```\n",
        text(id),
        if protected {
            " (deletion protection is on, so turn it off first)"
        } else {
            ""
        },
    ));
    out.push('\n');
    out
}

/// Whether RDS accepts a modify or a delete of a DB in `status` now.
fn available(status: &str) -> bool {
    status == "available" || USABLE_STATES.contains(&status)
}

/// What a finished in-place rollback reports.
pub(crate) struct Swapped<'a> {
    pub app: &'a Db,
    pub replaced: &'a Db,
    pub phases: &'a [Phase],
    /// From the first rename's start to the second one landing.
    pub downtime: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Whether this step saw the first rename start (a re-run that finds the
    /// swap under way knows its start only from the intent tag).
    pub measured_here: bool,
}

/// AWS's figure for a renamed endpoint: "The new DNS name for the renamed
/// DB instance becomes effective in about 10 minutes", and the old name "could
/// remain cached for a few minutes" (USER_RenameInstance).
const DNS_NOTE: &str = "The endpoint's name is the same as before, but behind it is a new host. AWS documents that after a rename the old DNS name is deleted at once yet may stay cached for a few minutes, and that the new name becomes effective in about 10 minutes (RDS user guide, Renaming a DB instance). So for up to about 10 minutes, clients that resolve the endpoint may fail to connect or, from a stale cache, reach the replaced DB: restart connection pools after that, and check with `dig` (or `nslookup`) that the endpoint resolves to the new address.";

/// The in-place rollback section: the swap timeline as a chart, what the
/// application saw, the replaced DB, and how to remove it.
pub(crate) fn in_place(region: &str, swapped: &Swapped<'_>) -> String {
    let kind = swapped.app.kind();
    let (app, old) = (swapped.app.id(), swapped.replaced.id());
    let text = markdown_code;
    let mut out = String::from("#### In-place rollback\n\n");
    out.push_str(&format!(
        "- {} {} now serves the restored data; its endpoint is unchanged{}.\n",
        kind.noun(),
        text(app),
        swapped
            .app
            .endpoint()
            .map(|endpoint| format!(": {}", text(endpoint)))
            .unwrap_or_default()
    ));
    if let Some(reader) = swapped
        .app
        .as_cluster()
        .and_then(|c| c.reader_endpoint.as_ref())
    {
        out.push_str(&format!("- Reader endpoint: {}\n", text(reader)));
    }
    out.push_str(&format!(
        "- The DB it replaced is kept as {} <{}>, with deletion protection on.\n",
        text(old),
        console_url(region, "database", old)
    ));
    match swapped.downtime {
        Some((start, end)) => out.push_str(&format!(
            "- Downtime: {} did not answer as an available DB for {} ({} .. {}){}.\n",
            markdown_code(app),
            match (end - start).num_milliseconds() {
                ms if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
                _ => age(end - start),
            },
            rfc3339(start),
            rfc3339(end),
            if swapped.measured_here {
                ""
            } else {
                "; an earlier attempt started the swap, so the start is when it recorded it"
            }
        )),
        None => out
            .push_str("- Downtime: not measured (the swap was finished by an earlier attempt).\n"),
    }
    out.push_str(&format!("\n{DNS_NOTE}\n\n"));
    if swapped.phases.iter().any(|phase| phase.end.is_some()) {
        out.push_str(&gantt(app, swapped.phases, swapped.downtime));
    }
    let (cli, flag) = (kind.cli(), format!("--{}-identifier", kind.cli()));
    let final_snapshot = naming::final_snapshot_id(old);
    out.push_str(&format!(
        "#### Removing the replaced DB\n\nOnce the rollback is confirmed, remove {} with this action: it turns deletion protection off, takes a final snapshot ({}) and deletes it, and it deletes only DBs it replaced:\n\n```yaml\n- uses: your-org/rds-snapshot-action@v1\n  with:\n    mode: prune\n    {}: {app}\n    replaced-older-than: 1s   # or 7d, on a schedule\n```\n\nor by hand:\n\n```sh\n",
        text(old),
        text(&final_snapshot),
        kind.input(),
    ));
    out.push_str(&format!(
        "aws rds modify-{cli} --region {region} {flag} {old} --no-deletion-protection --apply-immediately\naws rds wait {cli}-available --region {region} {flag} {old}\n"
    ));
    if let Some(cluster) = swapped.replaced.as_cluster() {
        for member in &cluster.members {
            out.push_str(&format!(
                "aws rds delete-db-instance --region {region} --db-instance-identifier {}\n",
                member.id
            ));
        }
        out.push_str(&format!(
            "aws rds delete-db-cluster --region {region} --db-cluster-identifier {old} --final-db-snapshot-identifier {final_snapshot}\n"
        ));
    } else {
        out.push_str(&format!(
            "aws rds delete-db-instance --region {region} --db-instance-identifier {old} --final-db-snapshot-identifier {final_snapshot}\n"
        ));
    }
    out.push_str("```\n\n");
    out
}

/// The swap's steps as a Mermaid Gantt chart, which GitHub renders in job
/// summaries; the downtime window is a critical bar of its own.
fn gantt(app: &str, phases: &[Phase], downtime: Option<(DateTime<Utc>, DateTime<Utc>)>) -> String {
    // Mermaid takes a task's name up to the colon; keep names plain.
    let plain = |text: &str| {
        text.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '_'))
            .collect::<String>()
    };
    let mut out = format!(
        "```mermaid\ngantt\n    title In-place rollback of {}\n    dateFormat x\n    axisFormat %H:%M:%S\n    section Swap\n",
        plain(app)
    );
    for phase in phases {
        let Some(end) = phase.end else { continue };
        // A bar needs some width to be seen.
        let end = end.max(phase.start + TimeDelta::milliseconds(1));
        out.push_str(&format!(
            "    {}{} :{}{}, {}\n",
            if phase.undo { "undo " } else { "" },
            plain(&phase.label),
            if phase.undo { "crit, " } else { "" },
            phase.start.timestamp_millis(),
            end.timestamp_millis()
        ));
    }
    if let Some((start, end)) = downtime {
        out.push_str(&format!(
            "    section Application\n    {} unavailable :crit, {}, {}\n",
            plain(app),
            start.timestamp_millis(),
            end.timestamp_millis().max(start.timestamp_millis() + 1)
        ));
    }
    out.push_str("```\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tag;
    use crate::provenance::key;
    use crate::settings::{DELETION_PROTECTION, Value};

    use crate::rds::Instance;

    fn instance(tags: Vec<crate::model::Tag>, protected: bool) -> Db {
        let mut instance = Instance {
            id: "prod-rollback".to_owned(),
            endpoint: Some("prod-rollback.abc.us-east-1.rds.amazonaws.com".to_owned()),
            port: Some(5432),
            status: "available".to_owned(),
            tags,
            ..Instance::default()
        };
        instance
            .settings
            .insert(DELETION_PROTECTION, Value::Flag(protected));
        instance.into()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T03:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn a_restore_names_its_snapshot_age_version_and_the_way_out() {
        let tags = vec![
            tag(key::SOURCE_DB, "prod"),
            tag(key::RESTORED_FROM, "prod-v2-4-1-r77"),
            tag(
                key::RESTORED_FROM_ARN,
                "arn:aws:rds:us-east-1:123456789012:snapshot:prod-v2-4-1-r77",
            ),
            tag(key::RESTORED_FROM_CREATED, "2026-11-22T00:55:00Z"),
            tag(key::DEPLOY_VERSION, "v2.4.1"),
        ];
        let text = rollback_markdown("us-east-1", &instance(tags, true), now());
        for part in [
            "Source DB instance: `prod`",
            "Snapshot: `prod-v2-4-1-r77`, taken 2026-11-22T00:55:00Z (1 d 2 h ago), before deploying `v2.4.1`",
            "Endpoint: `prod-rollback.abc.us-east-1.rds.amazonaws.com` port 5432",
            "<https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=prod-rollback>",
            "aws rds modify-db-instance --region us-east-1 --db-instance-identifier prod-rollback --no-deletion-protection --apply-immediately",
            "aws rds delete-db-instance --region us-east-1 --db-instance-identifier prod-rollback --skip-final-snapshot",
        ] {
            assert!(text.contains(part), "{part}\n{text}");
        }
    }

    // Regression: with `wait: false` the removal began with a modify that
    // RDS refuses while the DB is still being created.
    #[test]
    fn a_db_still_being_created_is_waited_for_before_it_is_removed() {
        let mut db = instance(vec![tag(key::SOURCE_DB, "prod")], true);
        if let Db::Instance(instance) = &mut db {
            instance.status = "creating".to_owned();
        }
        let text = rollback_markdown("us-east-1", &db, now());
        let commands = text.split("```sh\n").nth(1).unwrap();
        assert!(
            commands.starts_with(
                "aws rds wait db-instance-available --region us-east-1 --db-instance-identifier prod-rollback\naws rds modify-db-instance "
            ),
            "{text}"
        );
        let available = rollback_markdown(
            "us-east-1",
            &instance(vec![tag(key::SOURCE_DB, "prod")], true),
            now(),
        );
        let commands = available.split("```sh\n").nth(1).unwrap();
        assert!(
            commands.starts_with("aws rds modify-db-instance "),
            "{available}"
        );
    }

    #[test]
    fn a_pitr_names_the_time_and_keeps_a_final_snapshot() {
        let tags = vec![
            tag(key::SOURCE_DB, "prod"),
            tag(key::RESTORED_TO, "2026-11-23T02:48:30Z"),
        ];
        let text = rollback_markdown("eu-west-1", &instance(tags, false), now());
        assert!(
            text.contains("Point in time restored to: 2026-11-23T02:48:30Z (11 min 30 s ago)"),
            "{text}"
        );
        assert!(!text.contains("modify-db-instance"), "{text}");
        assert!(
            text.contains("--final-db-snapshot-identifier prod-rollback-final"),
            "{text}"
        );
    }

    // Regression: the printed final snapshot ID was `<id>-final` whatever
    // its length, which RDS refuses past 63 characters for a cluster.
    #[test]
    fn the_printed_final_snapshot_id_fits_the_identifier_rules() {
        let long = "a".repeat(63);
        let mut db = instance(vec![tag(key::RESTORED_TO, "2026-11-23T02:48:30Z")], false);
        if let Db::Instance(instance) = &mut db {
            instance.id.clone_from(&long);
        }
        let text = rollback_markdown("eu-west-1", &db, now());
        let fitted = naming::final_snapshot_id(&long);
        assert!(fitted.len() <= 63, "{fitted}");
        assert!(
            text.contains(&format!("--final-db-snapshot-identifier {fitted}\n")),
            "{text}"
        );
    }
}
