//! Everything this action says to the GitHub runner, or to a terminal when it
//! runs elsewhere: the `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files,
//! workflow commands, and the escaping that keeps values from AWS or from the
//! user from turning into outputs or commands of their own.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

/// What the environment says about where the step runs. Read with `envy`
/// from the variables the runner sets (`GITHUB_RUN_ID` becomes `github_run_id`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RunContext {
    #[serde(default)]
    pub github_actions: Option<String>,
    #[serde(default)]
    pub github_run_id: Option<String>,
    #[serde(default)]
    pub github_run_attempt: Option<String>,
    #[serde(default)]
    pub github_repository: Option<String>,
    #[serde(default)]
    pub github_sha: Option<String>,
    #[serde(default)]
    pub github_output: Option<PathBuf>,
    #[serde(default)]
    pub github_step_summary: Option<PathBuf>,
}

impl RunContext {
    /// Reads the context from environment variables.
    pub fn from_env<I>(vars: I) -> anyhow::Result<Self>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let vars = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with("GITHUB_"));
        envy::from_iter(vars).context("reading the GITHUB_* environment variables")
    }

    /// Whether the step runs inside GitHub Actions.
    pub fn in_actions(&self) -> bool {
        self.github_actions.as_deref() == Some("true")
    }
}

/// The outputs of a step, in the order they were set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    pairs: Vec<(&'static str, String)>,
    /// The outputs whose value is JSON (set with [`Outputs::set_json`]):
    /// `--json` nests them as values, and the job summary shows them as
    /// tables of their own instead of as text.
    json: Vec<&'static str>,
}

impl Outputs {
    /// Sets an output whose value is JSON. The runner takes outputs as
    /// strings, so it is stored as JSON text, and parsed back only where
    /// the whole report is JSON.
    pub fn set_json(&mut self, name: &'static str, value: serde_json::Value) {
        self.set(name, value.to_string());
        self.json.push(name);
    }

    /// Whether an output's value is JSON.
    pub fn is_json(&self, name: &str) -> bool {
        self.json.contains(&name)
    }

    /// Sets an output; setting it again replaces the value.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.json.retain(|json| *json != name);
        let value = value.into();
        match self.pairs.iter_mut().find(|(key, _)| *key == name) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.pairs.iter().map(|(key, value)| (*key, value.as_str()))
    }

    /// The outputs in the runner's file-command format. Every value uses the
    /// `name<<DELIMITER` form with a fresh random delimiter that does not occur
    /// in the value, so no value can end its own entry and start another.
    pub fn to_file_commands(&self) -> String {
        let mut out = String::new();
        for (name, value) in self.iter() {
            let delimiter = loop {
                let candidate = format!("ghadelimiter_{}", uuid::Uuid::new_v4());
                if !value.contains(&candidate) {
                    break candidate;
                }
            };
            let _ = write!(out, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
        }
        out
    }

    /// The outputs as `key=value` lines for a terminal. Newlines in a value
    /// are shown as `\n` so every output stays on its own line.
    pub fn to_lines(&self) -> String {
        self.iter()
            .map(|(name, value)| {
                format!(
                    "{name}={}\n",
                    value
                        .replace('\\', "\\\\")
                        .replace('\n', "\\n")
                        .replace('\r', "\\r")
                )
            })
            .collect()
    }

    /// The outputs as one JSON object.
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .iter()
            .map(|(name, value)| {
                let value = if self.is_json(name) {
                    serde_json::from_str(value).unwrap_or_else(|_| value.into())
                } else {
                    value.into()
                };
                (name.to_owned(), value)
            })
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

/// What a step reports: its outputs, tables for the job summary, notes
/// for the summary that are not outputs, and warnings for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub outputs: Outputs,
    pub tables: Vec<Table>,
    pub warnings: Vec<String>,
    /// Rows for the job summary's table, after the outputs: `(name, text)`.
    pub notes: Vec<(String, String)>,
    /// Markdown for the job summary, after its table and before the other
    /// tables. Its writer escapes what came from outside (see
    /// [`markdown_cell`]).
    pub sections: Vec<String>,
}

impl Report {
    /// Takes in what another report (one part of a step done beside others)
    /// holds: its tables, warnings, notes and sections, and its outputs
    /// where `outputs` says so (a step about one DB keeps them; with many,
    /// each DB's single values would overwrite each other).
    pub fn absorb(&mut self, other: Report, outputs: bool) {
        if outputs {
            let json = other.outputs.json;
            for (name, value) in other.outputs.pairs {
                self.outputs.set(name, value);
                if json.contains(&name) {
                    self.outputs.json.push(name);
                }
            }
        }
        self.tables.extend(other.tables);
        self.warnings.extend(other.warnings);
        self.notes.extend(other.notes);
        self.sections.extend(other.sections);
    }

    /// Sets an output.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.outputs.set(name, value);
    }

    /// Sets an output whose value is JSON (see [`Outputs::set_json`]).
    pub fn set_json(&mut self, name: &'static str, value: serde_json::Value) {
        self.outputs.set_json(name, value);
    }

    /// Adds a row to the job summary (not an output).
    pub fn note(&mut self, name: impl Into<String>, text: impl Into<String>) {
        self.notes.push((name.into(), text.into()));
    }

    /// Records a warning for the user; it is also logged at once.
    pub fn warn(&mut self, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!("{message}");
        self.warnings.push(message);
    }
}

/// A table for the job summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table in markdown, every cell escaped.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "#### {}

",
            markdown_cell(&self.title)
        );
        let row = |cells: &mut dyn Iterator<Item = String>| {
            format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "))
        };
        out.push_str(&row(&mut self.headers.iter().map(|h| markdown_cell(h))));
        out.push_str(&row(&mut self.headers.iter().map(|_| "---".to_owned())));
        for cells in &self.rows {
            out.push_str(&row(&mut cells.iter().map(|cell| markdown_cell(cell))));
        }
        out.push('\n');
        out
    }
}

/// Appends to a file the runner reads after the step (`GITHUB_OUTPUT`,
/// `GITHUB_STEP_SUMMARY`); earlier steps' content stays.
pub fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("opening {} to write the step's results", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing to {}", path.display()))
}

/// Escapes the message of a workflow command the way the runner unescapes
/// it, so a value cannot end the command line and start another.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// An `::error::` line for the runner.
pub fn error_command(message: &str) -> String {
    format!("::error::{}", escape_data(message))
}

/// A `::warning::` line for the runner.
pub fn warning_command(message: &str) -> String {
    format!("::warning::{}", escape_data(message))
}

/// A duration as a person reads it: the two largest units.
pub fn age(duration: chrono::TimeDelta) -> String {
    let seconds = duration.num_seconds().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min {} s", seconds % 60),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// Shows a value from outside (AWS, the user) in a log line: quoted, with
/// control characters escaped, so it can neither break the line nor start
/// a workflow command at the beginning of the next one.
pub fn shown(value: &str) -> String {
    format!("{value:?}")
}

/// Makes text safe for one cell of a markdown table in the job summary:
/// HTML is escaped, and pipes and line breaks cannot end the cell or row.
pub fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '*' | '_' | '[' | ']' | '\\' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The job summary for a step: a heading, the error (if any) as one line
/// right under it, where a person woken by the failure looks first, and a
/// table of what it did.
pub fn summary(title: &str, error: Option<&str>, rows: &[(&str, String)]) -> String {
    let mut out = format!("### {}\n\n", markdown_cell(title));
    if let Some(error) = error {
        let _ = write!(out, "**Error:** {}\n\n", markdown_cell(error));
    }
    out.push_str("| | |\n|---|---|\n");
    for (name, value) in rows {
        let _ = writeln!(
            out,
            "| {} | {} |",
            markdown_cell(name),
            markdown_cell(value)
        );
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_commands_use_a_delimiter_the_value_cannot_close() {
        let mut outputs = Outputs::default();
        outputs.set("status", "ok\nother=injected");
        let text = outputs.to_file_commands();
        let mut lines = text.lines();
        let first = lines.next().unwrap();
        let delimiter = first.strip_prefix("status<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(lines.next(), Some("ok"));
        assert_eq!(lines.next(), Some("other=injected"));
        assert_eq!(lines.next(), Some(delimiter));
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn set_replaces_an_earlier_value() {
        let mut outputs = Outputs::default();
        outputs.set("status", "creating");
        outputs.set("status", "available");
        assert_eq!(outputs.iter().count(), 1);
        assert_eq!(outputs.get("status"), Some("available"));
    }

    #[test]
    fn workflow_command_data_is_escaped() {
        assert_eq!(
            error_command("bad\n::add-mask::x 100%"),
            "::error::bad%0A::add-mask::x 100%25"
        );
    }

    #[test]
    fn summary_cells_cannot_inject_markup() {
        let cell = markdown_cell("a|b\n<script>x</script> [l](u) `c`");
        assert!(!cell.contains('|'));
        assert!(!cell.contains('<'));
        assert!(!cell.contains('\n'));
        assert!(!cell.contains('`'));
        assert!(cell.contains(r"\[l\](u)"), "{cell}");
    }

    #[test]
    fn context_reads_runner_variables() {
        let ctx = RunContext::from_env([
            ("GITHUB_ACTIONS".to_owned(), "true".to_owned()),
            ("GITHUB_RUN_ID".to_owned(), "42".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ])
        .unwrap();
        assert!(ctx.in_actions());
        assert_eq!(ctx.github_run_id.as_deref(), Some("42"));
    }
}
