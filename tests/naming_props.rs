//! No input makes the binary panic (with `panic = "abort"`, a panic prints
//! no `::error::` and writes no outputs): property tests over the naming
//! functions and the whole input-to-plan stage. Every input gives a valid ID
//! or tag value, or a clear error naming the input.

use proptest::prelude::*;
use rds_snapshot_action::config::{self, Action};
use rds_snapshot_action::github::RunContext;
use rds_snapshot_action::inputs::RawInputs;
use rds_snapshot_action::naming::{self, MAX_SNAPSHOT_ID, RunStamp};

/// Any text, weighted towards what breaks naming: long runs, hyphens,
/// colons, non-ASCII letters, combining marks, control characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "[a-zA-Z0-9:/#()!\\- \t\n_.]{0,300}",
        "(rds:|aws:|arn:)?[a-z0-9-]{0,300}",
        "\\PC{0,40}\u{0301}\u{093E}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_derived_snapshot_id_is_valid_or_an_error(
        db in text(), version in proptest::option::of(text()), run in text()
    ) {
        for stamp in [RunStamp::RunId(run.clone()), RunStamp::Time(chrono::Utc::now())] {
            for max in [MAX_SNAPSHOT_ID, naming::MAX_CLUSTER_SNAPSHOT_ID] {
                if let Ok(id) = naming::snapshot_id(&db, version.as_deref(), &stamp, max) {
                    prop_assert!(naming::check_identifier(&id, max).is_ok(), "{id}");
                    prop_assert_eq!(id.clone(), id.to_ascii_lowercase());
                } else {
                    prop_assert!(naming::check_identifier(&db, naming::MAX_INSTANCE_ID).is_err());
                }
            }
        }
    }

    #[test]
    fn a_cleaned_tag_value_is_always_accepted(value in text()) {
        let cleaned = naming::clean_tag_value(&value);
        prop_assert!(naming::check_tag_value(&cleaned).is_ok(), "{cleaned:?}");
        if naming::check_tag_value(&value).is_ok() {
            prop_assert_eq!(cleaned, value);
        }
    }

    #[test]
    fn a_run_label_is_short_valid_and_stable(run in text()) {
        let label = naming::run_label(&run);
        prop_assert!(label.chars().count() <= naming::MAX_RUN_LABEL, "{label}");
        prop_assert!(naming::check_tag_value(&label).is_ok(), "{label:?}");
        prop_assert_eq!(naming::run_label(&label), label.clone());
        prop_assert_eq!(naming::run_label(&run), label);
    }

    #[test]
    fn a_copy_id_is_valid_when_there_is_one(source in text(), same_region: bool) {
        let _ = naming::check_snapshot_id(&source);
        if let Some(id) = naming::copy_id(&source, same_region) {
            prop_assert!(naming::check_identifier(&id, MAX_SNAPSHOT_ID).is_ok(), "{id}");
        }
    }

    #[test]
    fn any_inputs_give_a_plan_or_an_input_error(
        mode in prop_oneof![
            Just("snapshot"), Just("restore"), Just("pitr"), Just("list"),
            Just("prune"), Just("delete"), Just("copy"), Just("x"),
        ],
        values in proptest::collection::vec(text(), 12),
        attempt in text(),
    ) {
        let names = [
            "db-instance-identifier", "deploy-version", "snapshot-identifier",
            "target-db-instance-identifier", "restore-time", "tags", "run-id",
            "wait-timeout", "target-snapshot-identifier", "keep-last",
            "older-than", "share-with-account-ids",
        ];
        let mut raw = RawInputs::default().with("mode", mode);
        for (name, value) in names.iter().zip(&values) {
            raw = raw.with(name, value);
        }
        let ctx = RunContext {
            github_actions: Some("true".into()),
            github_run_id: Some("1".into()),
            github_run_attempt: Some(attempt),
            ..RunContext::default()
        };
        match config::plan(&raw, &ctx, chrono::Utc::now()) {
            Ok(plan) => {
                if let Action::Snapshot(snapshots) = &plan.action {
                    for snapshot in snapshots {
                        prop_assert!(
                            naming::check_identifier(&snapshot.snapshot_id, MAX_SNAPSHOT_ID).is_ok()
                        );
                        for tag in &snapshot.tags {
                            prop_assert!(naming::check_tag_value(&tag.value).is_ok(), "{tag:?}");
                        }
                    }
                }
            }
            Err(error) => {
                let message = error.to_string();
                let prefix = format!("input `{}`", error.input);
                prop_assert!(message.starts_with(&prefix), "{}", message);
            }
        }
    }
}
