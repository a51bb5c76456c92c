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
    /// Who started the run, for a drill's report.
    #[serde(default)]
    pub github_actor: Option<String>,
    /// `https://github.com` or a GitHub Enterprise server, for the run's URL.
    #[serde(default)]
    pub github_server_url: Option<String>,
    /// The runner's temporary directory, where a drill writes its report.
    #[serde(default)]
    pub runner_temp: Option<PathBuf>,
}

impl RunContext {
    /// Reads the context from environment variables.
    pub fn from_env<I>(vars: I) -> anyhow::Result<Self>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let vars = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with("GITHUB_") || name == "RUNNER_TEMP");
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
            .map(|(name, value)| format!("{name}={}\n", inert(&value.replace('\\', "\\\\"))))
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
        json_inert(&serde_json::Value::Object(map).to_string())
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

/// Makes text from anywhere (the user, AWS, our own messages) inert on one
/// runner line. The runner reads every line a container action prints, on
/// stdout and stderr alike, as a possible workflow command: `::name::` at the
/// start of a line (after whitespace) and the legacy `##[name]` anywhere in it
/// (actions/runner `ActionCommand.TryParseV2` and `TryParse`). So line breaks
/// and other control characters are shown as escapes (`\n`, `\u{1b}`), never
/// passed, and `##[` is written `##\[`. This is the one escaping every line we
/// print goes through: [`LogWriter`] for the log, [`escape_data`] for
/// workflow commands.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            '[' if out.ends_with("##") => out.push_str("\\["),
            c => out.push(c),
        }
    }
    out
}

/// Characters a line must not carry as they are: C0 and C1 controls (ESC
/// starts terminal sequences, NEL and CR end lines for some readers), the
/// Unicode line and paragraph separators, and the bidirectional overrides
/// that make shown text read differently from what it is.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// JSON text made [`inert`] without changing what it means: JSON already
/// escapes C0 controls, and the other unsafe characters and the `[` of `##[`
/// (which can only occur inside a string) become `\uXXXX` escapes.
fn json_inert(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_unsafe(c) || (c == '[' && out.ends_with("##")) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes the message of a workflow command the way the runner unescapes
/// it (`%`, CR and LF), so a multi-line message stays one command, and then
/// makes the rest [`inert`].
pub fn escape_data(text: &str) -> String {
    inert(
        &text
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
}

/// An `::error::` line for the runner.
pub fn error_command(message: &str) -> String {
    format!("::error::{}", escape_data(message))
}

/// The `::add-mask::` line that makes the runner hide `secret` wherever it
/// would appear in the log from now on. The value is escaped only as the
/// runner unescapes a command's data (`%`, CR, LF), so the value it masks
/// is exactly `secret`.
pub fn mask_command(secret: &str) -> String {
    format!(
        "::add-mask::{}",
        secret
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    )
}

/// A `::warning::` line for the runner.
pub fn warning_command(message: &str) -> String {
    format!("::warning::{}", escape_data(message))
}

/// Where the log goes: stderr, one [`inert`] line per event. The runner
/// parses stderr for commands as it does stdout, and a log event carries
/// AWS's error texts and the user's values, so a newline or `##[` in them
/// must not reach the runner as it is. Give it to
/// `tracing_subscriber::fmt().with_writer(..)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::new())
    }
}

/// One log event being written; it goes out as one line when dropped.
#[derive(Debug)]
pub struct LogLine(Vec<u8>);

impl std::io::Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        if !text.is_empty() {
            // A log line that cannot be written has nowhere else to go.
            let _ = writeln!(std::io::stderr().lock(), "{}", inert(text));
        }
    }
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

/// Makes text safe for one cell of a markdown table in the job summary (see
/// [`markdown`]); a pipe cannot end the cell, even inside a code span.
pub fn markdown_cell(text: &str) -> String {
    markdown(text, true)
}

/// Makes text from anywhere safe as markdown in the job summary, keeping
/// what our messages mean by it: a `` `code` `` span stays a code span (its
/// content is shown literally, so it needs no escaping but the pipe in a
/// table); elsewhere HTML is escaped, markdown's punctuation is
/// backslash-escaped, and a word GitHub would turn into a link by itself
/// (`https://…`, `www.…`, an address with `@`) is shown as code instead. Line
/// breaks become spaces; other control characters are dropped.
pub fn markdown(text: &str, in_table: bool) -> String {
    let text: String = text
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .filter(|&c| !is_unsafe(c))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let Some(open) = rest.find('`') else {
            plain_markdown(rest, in_table, &mut out);
            break;
        };
        plain_markdown(&rest[..open], in_table, &mut out);
        let after = &rest[open + 1..];
        match after.find('`') {
            Some(close) if !after[..close].trim().is_empty() => {
                code_span(&after[..close], in_table, &mut out);
                rest = &after[close + 1..];
            }
            // A lone or empty pair of backticks is text.
            _ => {
                out.push_str("\\`");
                rest = after;
            }
        }
    }
    out
}

/// Any text as one code span outside a table, shown literally: a fence of
/// more backticks than the text holds in a row (CommonMark, "Code spans"),
/// line breaks as spaces, other control characters dropped.
pub fn markdown_code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .filter(|&c| !is_unsafe(c))
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space keeps a backtick at either end from joining the fence; one is
    // stripped from each side when rendered.
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A code span around text without backticks.
fn code_span(code: &str, in_table: bool, out: &mut String) {
    out.push('`');
    if in_table {
        // GitHub's tables split cells on `|` before reading code spans, and
        // take `\|` as a pipe inside them (GFM spec, "Tables").
        out.push_str(&code.replace('|', "\\|"));
    } else {
        out.push_str(code);
    }
    out.push('`');
}

/// Markdown text outside code spans (it holds no backticks).
fn plain_markdown(text: &str, in_table: bool, out: &mut String) {
    for (n, word) in text.split(' ').enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let lower = word.to_ascii_lowercase();
        // GFM's autolink extension links these without any markup.
        if lower.contains("://") || lower.contains("www.") || word.contains('@') {
            code_span(word, in_table, out);
            continue;
        }
        for c in word.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '|' => out.push_str("\\|"),
                // Parentheses stay as they are: a link needs a `[` or `]`
                // before them, and those are escaped.
                '*' | '_' | '[' | ']' | '\\' | '#' | '!' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
}

/// The job summary for a step: a heading, the error (if any) as one line
/// right under it, where a person woken by the failure looks first, and a
/// table of what it did.
pub fn summary(title: &str, error: Option<&str>, rows: &[(&str, String)]) -> String {
    let mut out = format!("### {}\n\n", markdown_cell(title));
    if let Some(error) = error {
        let _ = write!(out, "**Error:** {}\n\n", markdown(error, false));
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
        let cell = markdown_cell("a|b\n<script>x</script> [l](u) `c|d`");
        assert!(!cell.contains('\n'));
        assert!(!cell.contains('<'));
        assert!(!cell.replace("\\|", "").contains('|'), "{cell}");
        assert!(cell.contains(r"\[l\](u)"), "{cell}");
    }

    // Regression: backticks were written `&#96;`, so our own `input` code
    // spans showed as text with entities in the job summary.
    #[test]
    fn code_spans_stay_code_and_cannot_break_a_table() {
        assert_eq!(
            markdown_cell("input `mode` must be `a|b`"),
            r"input `mode` must be `a\|b`"
        );
        assert_eq!(markdown("got `a|b`", false), "got `a|b`");
        // An unpaired backtick is text, and cannot open a span.
        assert_eq!(markdown_cell("a ` b"), r"a \` b");
        assert_eq!(markdown_cell("``"), r"\`\`");
    }

    #[test]
    fn any_text_can_be_one_code_span() {
        assert_eq!(markdown_code("a_b <c>"), "`a_b <c>`");
        assert_eq!(markdown_code("a`b``"), "``` a`b`` ```");
        assert_eq!(markdown_code("x\ny"), "`x y`");
    }

    // Regression: a tag value `https://evil.example` became a link.
    #[test]
    fn bare_urls_are_shown_as_code_not_links() {
        assert_eq!(
            markdown_cell("v1 https://evil.example/x www.evil.example a@b.example"),
            "v1 `https://evil.example/x` `www.evil.example` `a@b.example`"
        );
    }

    #[test]
    fn inert_text_cannot_start_or_carry_a_runner_command() {
        assert_eq!(
            inert("v1 ##[set-output name=x;]y\n::error::z\u{1b}[31m\u{2028}\u{85}"),
            r"v1 ##\[set-output name=x;]y\n::error::z\u{1b}[31m\u{2028}\u{85}"
        );
        assert_eq!(inert("###[x"), r"###\[x");
        assert_eq!(
            error_command("a\n##[add-mask]b\u{1b}"),
            r"::error::a%0A##\[add-mask]b\u{1b}"
        );
        let json = json_inert("{\"a\":\"##[x]\u{2028}\"}");
        assert_eq!(json, r###"{"a":"##\u005bx]\u2028"}"###);
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
