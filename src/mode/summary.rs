//! The job summary a person reads at 3 a.m. after a rollback: what was
//! restored (which DB, which snapshot, how old, which deploy it preceded),
//! where the new instance is, and the exact next steps.

use chrono::{DateTime, TimeDelta, Utc};

use super::console_url;
use crate::config::rfc3339;
use crate::db::{Db, Kind};
use crate::github::{Report, markdown_cell};
use crate::naming::tag as key;
use crate::rds::tag_value;

/// Adds the rollback section for a DB made by `restore` or `pitr`. What was
/// restored is read from the DB's own tags, so an adopted one (a re-run) is
/// described the same as a new one.
pub(crate) fn rollback(region: &str, db: &Db, out: &mut Report) {
    out.sections.push(rollback_markdown(region, db, Utc::now()));
}

fn rollback_markdown(region: &str, db: &Db, now: DateTime<Utc>) -> String {
    let tags = db.tags();
    let kind = db.kind();
    let text = |value: &str| format!("`{}`", markdown_cell(value));
    let when = |time: &str| match DateTime::parse_from_rfc3339(time) {
        Ok(time) => format!(
            "{} ({} ago)",
            rfc3339(time.to_utc()),
            age(now - time.to_utc())
        ),
        Err(_) => markdown_cell(time),
    };
    let mut out = String::from("#### What was restored\n\n");
    let source = tag_value(tags, key::SOURCE_DB);
    if let Some(source) = source {
        out.push_str(&format!(
            "- Source {}: {} (untouched) <{}>\n",
            kind.noun(),
            text(source),
            console_url(region, "database", source)
        ));
    }
    // The ARN keeps an automated snapshot's exact ID (the name tag is cleaned).
    let snapshot = tag_value(tags, key::RESTORED_FROM_ARN)
        .and_then(|arn| {
            arn.split_once(":cluster-snapshot:")
                .or_else(|| arn.split_once(":snapshot:"))
        })
        .map(|(_, id)| id)
        .or_else(|| tag_value(tags, key::RESTORED_FROM));
    if let Some(snapshot) = snapshot {
        out.push_str(&format!("- Snapshot: {}", text(snapshot)));
        if let Some(created) = tag_value(tags, key::RESTORED_FROM_CREATED) {
            out.push_str(&format!(", taken {}", when(created)));
        }
        match tag_value(tags, key::DEPLOY_VERSION) {
            Some(version) => out.push_str(&format!(", before deploying {}", text(version))),
            None => out.push_str(", not tied to a deploy version"),
        }
        out.push('\n');
    }
    if let Some(time) = tag_value(tags, key::RESTORED_TO) {
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
                if kind == Kind::Cluster { "Writer endpoint" } else { "Endpoint" },
                text(host)
            ));
        }
        _ => out.push_str(&format!(
            "- Endpoint: not known yet (`wait: false`); run `aws rds describe-{0}s --region {region} --{0}-identifier {id}` once it is available\n",
            kind.cli()
        )),
    }
    if let Db::Cluster(cluster) = db {
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
    if protected {
        commands.push_str(&format!(
            "aws rds modify-{cli} --region {region} {flag} {id} --no-deletion-protection --apply-immediately\naws rds wait {cli}-available --region {region} {flag} {id}\n"
        ));
    }
    // A cluster is deleted once its instances are gone (DeleteDBCluster).
    if let Db::Cluster(cluster) = db {
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
        format!("--final-db-snapshot-identifier {id}-final")
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

/// A duration as a person reads it: the two largest units.
pub(crate) fn age(duration: TimeDelta) -> String {
    let seconds = duration.num_seconds().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min {} s", seconds % 60),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tag;
    use crate::settings::{DELETION_PROTECTION, Value};

    use crate::rds::Instance;

    fn instance(tags: Vec<crate::config::Tag>, protected: bool) -> Db {
        let mut instance = Instance {
            id: "prod-rollback".to_owned(),
            endpoint: Some("prod-rollback.abc.us-east-1.rds.amazonaws.com".to_owned()),
            port: Some(5432),
            tags,
            ..Instance::default()
        };
        instance
            .settings
            .insert(DELETION_PROTECTION, Value::Flag(protected));
        Db::Instance(instance)
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
}
