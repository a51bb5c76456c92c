//! The integration tests: one binary, one module per topic (each module's
//! header says what it covers), and one fixture helper, `common`.
//!
//! The tiers `scripts/test` runs select by module path:
//! - quick (`scripts/test quick`): the in-process modules, no emulator:
//!   `mocked`, `naming_props`;
//! - full (`scripts/test`): everything, the figure-printing suites
//!   (`container::the_image_`, `reliability::every_mode_`,
//!   `iam::each_modes_`) shown with `--nocapture`, reliability at reduced
//!   run counts;
//! - soak (`scripts/soak`): `reliability` at its full run counts.
//!
//! No test mutates the process environment, so all share one process.
//! `tests/action_yml.rs` is a binary of its own: `action.yml` tells whoever
//! edits it to run `cargo test --test action_yml`.

mod common;

mod aurora;
mod carry;
mod container;
mod drill;
mod errors;
mod fleet;
mod hostile;
mod iam;
mod lifecycle;
mod method;
mod mocked;
mod modes;
mod naming_props;
mod ownership;
mod plan;
mod plan_in_place;
mod realdata;
mod reliability;
mod rollback_after_change;
mod swap;

/// `Cargo.toml` turns off test auto-discovery so that these files are
/// modules of this one binary: a new `tests/*.rs` that is neither declared
/// above nor a `[[test]]` of its own would never run, so it fails here.
#[test]
fn every_file_in_tests_is_a_module_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = std::fs::read_to_string(dir.join("lib.rs")).expect("tests/lib.rs");
    let manifest = std::fs::read_to_string(dir.join("../Cargo.toml")).expect("Cargo.toml");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let path = entry.expect("an entry of tests/").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs")
            && stem != "lib"
            && !this.contains(&format!("\nmod {stem};\n"))
            && !manifest.contains(&format!("path = \"tests/{stem}.rs\""))
        {
            missing.push(stem.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{{{}}}.rs: add `mod NAME;` to tests/lib.rs",
        missing.join(",")
    );
}
