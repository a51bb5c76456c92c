//! action.yml is rendered from the input and output tables in the code, so
//! the runner's view of the action and the binary's cannot drift apart; and
//! the README's command-line examples run without the warnings they would
//! teach a reader to ignore.

use std::path::Path;

#[test]
fn action_yml_matches_the_input_tables() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let expected = rds_snapshot_action::inputs::render_action_yml("Dockerfile");
    if std::env::var_os("UPDATE_ACTION_YML").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "action.yml is out of date: run `UPDATE_ACTION_YML=1 cargo test --test action_yml`"
    );
    // The runner reads an action's metadata as a template: an expression
    // in a description or default is refused ("expressions are not allowed
    // here"), and the action does not run at all.
    for (n, line) in actual.lines().enumerate() {
        assert!(
            !line.contains("${{"),
            "action.yml line {}: an expression where the runner allows none: {line}",
            n + 1
        );
    }
}

// Regression: the README's restore example drew the missing-run-ID warning.
#[test]
fn the_readme_command_line_examples_pass_a_run_id() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    // One command a logical line: a trailing backslash continues it.
    let joined = readme.replace("\\\n", " ");
    let commands: Vec<&str> = joined
        .lines()
        .map(str::trim)
        .filter(|line| {
            ["snapshot", "restore", "pitr"]
                .iter()
                .any(|mode| line.starts_with(&format!("rds-snapshot-action {mode} ")))
        })
        .collect();
    assert!(!commands.is_empty(), "no command-line example found");
    for command in commands {
        assert!(command.contains("--run-id"), "{command}");
    }
}
