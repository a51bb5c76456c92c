//! action.yml is rendered from the input and output tables in the code, so
//! the runner's view of the action and the binary's cannot drift apart.

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
}
