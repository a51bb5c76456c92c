//! Injection payloads in every input, in tag values that come back from
//! AWS, and in AWS's own error texts, each run checked the way the runner
//! reads what the step printed (stdout and stderr) and the way GitHub
//! renders its job summary.

use super::world;
use crate::common::{self, FaultProxy, Moto, Step};

/// Payloads for every place a value from outside reaches what we print:
/// outputs, `::` commands at a line's start, the legacy `##[` form anywhere
/// in a line (both are read on stdout and stderr), line breaks the runner's
/// reader splits on (LF, CR), control characters (ESC, BEL, NEL), Unicode
/// line separators and bidi overrides, and markdown, HTML and bare URLs
/// for the job summary.
const PAYLOADS: &[&str] = &[
    "x\ninjected-output=pwned",
    "x\n::set-output name=injected::pwned",
    "x\n::add-mask::everything",
    "::stop-commands::pwned-token",
    "x\r\n::warning::injected",
    "x\r::error::after-a-bare-cr",
    "ghadelimiter_00000000-0000-0000-0000-000000000000\ninjected=1",
    "x%0A::error::injected",
    "<img src=x onerror=alert(1)> | [click](javascript:alert(1)) **bold**",
    "v1 ##[set-output name=endpoint;]https://evil.example",
    "##[add-mask]everything",
    "x ##[stop-commands]pwned-token",
    "x\n##[error]injected",
    "x\u{1b}[2J\u{1b}]0;title\u{7}::error::esc",
    "x\u{85}::error::after-nel",
    "x\u{2028}::error::after-ls\u{2029}::warning::after-ps",
    "x\u{202e}txt.exe",
    "`code|cell` https://evil.example/x www.evil.example a@evil.example",
];

/// Payloads made only of what AWS admits in a tag value: letters, numbers,
/// white space (\p{Z}, which takes in U+2028 and U+2029) and `_ . : / = + -
/// @` (RDS API reference, Tag: "The string can only contain the set of
/// Unicode letters, digits, white-space, '_', '.', ':', '/', '=', '+', '-',
/// '@'"). The strict emulator refuses the rest, as AWS does; those reach
/// us through AWS's error texts instead (see
/// `payloads_in_aws_error_texts_stay_inert`).
pub(crate) const TAG_PAYLOADS: &[&str] = &[
    "::set-output name=x::y",
    "::add-mask::v",
    "::stop-commands::t",
    "::error file=a.rs::b",
    "\u{a0}::warning::after-nbsp",
    "x\u{2028}::error::after-ls",
    "x\u{2029}::add-mask::after-ps",
    "https://evil.example/a",
    "www.evil.example",
    "a@evil.example",
    "__strong__ _em_ :warning: =x= +y+",
    "v1 ghadelimiter_00000000-0000-0000-0000-000000000000",
];

/// The lines the runner reads from a stream: its process reader (.NET's
/// `StreamReader.ReadLine`) ends a line at LF, CR or CRLF.
fn runner_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\r'])
}

/// Markdown with its code spans taken out (CommonMark, "Code spans": a run
/// of n backticks opens one, the next run of exactly n closes it; a
/// backslash-escaped backtick opens nothing). What is left is what GitHub
/// reads as markup.
fn outside_code_spans(markdown: &str) -> String {
    let chars: Vec<char> = markdown.chars().collect();
    let run_at = |at: usize| chars[at..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '\\' if at + 1 < chars.len() => {
                out.push(chars[at]);
                out.push(chars[at + 1]);
                at += 2;
            }
            '`' => {
                let n = run_at(at);
                let mut close = at + n;
                let found = loop {
                    if close >= chars.len() {
                        break None;
                    }
                    if chars[close] == '`' {
                        let m = run_at(close);
                        if m == n {
                            break Some(close);
                        }
                        close += m;
                    } else {
                        close += 1;
                    }
                };
                match found {
                    Some(close) => {
                        out.push_str("CODE");
                        at = close + n;
                    }
                    None => {
                        out.push_str(&"`".repeat(n));
                        at += n;
                    }
                }
            }
            c => {
                out.push(c);
                at += 1;
            }
        }
    }
    out
}

/// The `|` that end a table cell: GitHub splits cells on every pipe not
/// escaped with a backslash, inside code spans too (GFM spec, "Tables").
fn cell_pipes(line: &str) -> usize {
    let mut pipes = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '|' if !escaped => pipes += 1,
            _ => {}
        }
        escaped = c == '\\' && !escaped;
    }
    pipes
}

/// Checks that nothing a step printed or wrote can act as an output, a
/// workflow command, or markup of its own.
pub(crate) fn assert_contained(ran: &common::Ran, declared: &[String]) {
    for key in ran.outputs.keys() {
        assert!(declared.contains(key), "injected output `{key}`:\n{ran}");
    }
    for line in runner_lines(&ran.stdout).chain(runner_lines(&ran.stderr)) {
        // ActionCommand.TryParseV2: `::` at the start after TrimStart.
        let start = line.trim_start();
        if start.starts_with("::") {
            assert!(
                start.starts_with("::error::") || start.starts_with("::warning::"),
                "a workflow command took effect: {line:?}\n{ran}"
            );
        }
        // ActionCommand.TryParse: the legacy `##[` anywhere in the line.
        assert!(
            !line.contains("##["),
            "a legacy workflow command in {line:?}\n{ran}"
        );
        // Control characters are shown as escapes, never passed.
        let passed = |c: char| {
            c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        };
        assert!(
            !line.chars().any(passed),
            "a control character passed in {line:?}\n{ran}"
        );
    }
    let markup = outside_code_spans(&ran.summary);
    assert!(
        !markup.contains("<img") && !markup.contains("<script"),
        "raw HTML in the summary:\n{}",
        ran.summary
    );
    let unescaped_link = markup
        .match_indices("](")
        .any(|(at, _)| !markup[..at].ends_with('\\'));
    assert!(!unescaped_link, "a link in the summary:\n{}", ran.summary);
    // GFM's autolink extension links these bare, outside code.
    assert!(
        !markup.contains("evil.example"),
        "a bare URL or address as markup in the summary:\n{}",
        ran.summary
    );
    // Every row of a table has as many cells as its header.
    let mut header = None;
    for line in ran.summary.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let pipes = cell_pipes(line);
        assert_eq!(
            *header.get_or_insert(pipes),
            pipes,
            "a row broke its table: {line}\n{}",
            ran.summary
        );
    }
}

pub(crate) fn declared_outputs() -> Vec<String> {
    rds_snapshot_action::inputs::OUTPUTS
        .iter()
        .map(|spec| spec.name.to_owned())
        .collect()
}

#[tokio::test]
async fn injection_payloads_in_any_input_stay_inert() {
    let moto = Moto::start();
    world(&moto).await;
    let declared = declared_outputs();
    let mut runs = 0;
    let payloads: Vec<&str> = PAYLOADS.iter().chain(TAG_PAYLOADS).copied().collect();
    let modes = ["snapshot", "restore", "pitr", "copy"];
    // Every payload in every input, once each, in a mode that turns with
    // both, so that each input also meets each mode and each payload each
    // mode (a Latin square): all of them in all four modes would be four
    // times the runs for pairs already covered.
    for (input, spec) in rds_snapshot_action::inputs::INPUTS.iter().enumerate() {
        for (n, payload) in payloads.iter().enumerate() {
            let mode = modes[(input + n) % modes.len()];
            let mut step = Step::new(&moto, mode, "9002")
                .limit(std::time::Duration::from_secs(120))
                .with("db-instance-identifier", "prod")
                .with("target-db-instance-identifier", "prod-inj")
                .with("snapshot-identifier", "prod-s0");
            if mode == "snapshot" || mode == "pitr" {
                step = step.with("snapshot-identifier", "");
            }
            let ran = step.with(spec.name, payload).run();
            runs += 1;
            // A run that could not reach the emulator printed nothing of
            // the payload's path, and proves nothing.
            assert!(
                !ran.stdout.contains("could not reach the RDS endpoint"),
                "the emulator stopped answering after {runs} runs:\n{ran}"
            );
            assert_contained(&ran, &declared);
        }
    }
    // Nothing was created under an injected name.
    assert!(
        moto.instance_ids()
            .await
            .iter()
            .all(|id| !id.contains("pwned"))
    );
    println!(
        "{runs} runs with {} payloads in each of {} inputs; no output or command was injected",
        payloads.len(),
        rds_snapshot_action::inputs::INPUTS.len()
    );
}

// Regression: the payloads here held characters AWS refuses in tags, so the
// strict emulator (rightly) refused to make the snapshots at all.
#[tokio::test]
async fn payloads_coming_back_from_aws_stay_inert() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    // The payloads of the full list that AWS would take as tag values too.
    let admitted = |text: &str| {
        text.chars().all(|c| {
            c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
        })
    };
    let payloads: Vec<&str> = PAYLOADS
        .iter()
        .copied()
        .filter(|payload| admitted(payload))
        .chain(TAG_PAYLOADS.iter().copied())
        .collect();
    assert!(
        TAG_PAYLOADS.iter().all(|payload| admitted(payload)),
        "a tag payload AWS would refuse"
    );
    assert!(payloads.len() >= 10, "{payloads:?}");
    for (n, payload) in payloads.iter().enumerate() {
        moto.own_snapshot("prod", &format!("prod-p{n}"), Some(payload))
            .await;
    }
    let declared = declared_outputs();
    let ran = Step::new(&moto, "list", "9003")
        .with("db-instance-identifier", "prod")
        .run();
    ran.assert_ok();
    assert_contained(&ran, &declared);
    // The values arrive whole, as data.
    let listed: serde_json::Value = serde_json::from_str(ran.output("snapshots")).unwrap();
    let mut versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["deploy-version"].as_str().unwrap())
        .collect();
    versions.sort();
    let mut expected = payloads.clone();
    expected.sort();
    assert_eq!(versions, expected);
    // A restore by deploy version logs, tags and summarises each payload
    // version it looks at; a prune logs and reports each it deletes.
    for payload in &payloads {
        let restored = Step::new(&moto, "restore", "9004")
            .with("deploy-version", payload)
            .with("db-instance-identifier", "prod")
            .with("target-db-instance-identifier", "prod-r")
            .run();
        assert_contained(&restored, &declared);
    }
    let pruned = Step::new(&moto, "prune", "9006")
        .with("db-instance-identifier", "prod")
        .with("keep-last", "1")
        .with("dry-run", "true")
        .run();
    pruned.assert_ok();
    assert_contained(&pruned, &declared);
    println!(
        "{} payloads in tag values, {} runs",
        payloads.len(),
        payloads.len() + 2
    );
}

/// The modes, their inputs and the AWS call whose error carries the
/// payload: a failed create (the step fails with AWS's text), a failed
/// listing, a delete that fails for every snapshot a prune lets go, and the
/// same in the prune before a snapshot, where each failure is a warning that
/// is logged too and the snapshot is taken anyway.
type FailingCall = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);
const FAILING_CALLS: &[FailingCall] = &[
    ("snapshot", "CreateDBSnapshot#*", &[]),
    ("list", "DescribeDBSnapshots#*", &[]),
    ("prune", "DeleteDBSnapshot#*", &[("keep-last", "1")]),
    (
        "snapshot",
        "DeleteDBSnapshot#*",
        &[("prune-keep-last", "1")],
    ),
];

// Regression: an AWS error text with a newline and `::error file=…::`
// reached the runner as a command through the log on stderr.
#[tokio::test]
async fn payloads_in_aws_error_texts_stay_inert() {
    let moto = Moto::start();
    moto.create_db("prod").await;
    for n in 0..3 {
        moto.own_snapshot("prod", &format!("prod-e{n}"), Some("v1"))
            .await;
    }
    let declared = declared_outputs();
    let mut runs = 0;
    // RDS answers in XML 1.0, which cannot carry C0 controls but tab, LF
    // and CR (XML 1.0, "Characters"): a payload with ESC or BEL cannot come
    // from AWS, and reaches us only through inputs.
    let carried = |payload: &&&str| {
        !payload
            .chars()
            .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    };
    let payloads: Vec<&str> = PAYLOADS
        .iter()
        .chain(TAG_PAYLOADS)
        .filter(carried)
        .copied()
        .collect();
    for payload in &payloads {
        for (mode, rule, with) in FAILING_CALLS {
            let proxy =
                FaultProxy::answering(&moto.endpoint, rule, "InvalidParameterValue", payload);
            let mut step = Step::new(&moto, mode, &(9100 + runs).to_string())
                .via(&proxy.endpoint)
                .with("db-instance-identifier", "prod");
            for (name, value) in *with {
                step = step.with(name, value);
            }
            let ran = step.run();
            runs += 1;
            assert!(
                ran.stdout.contains("InvalidParameterValue"),
                "the injected error was not reported:\n{ran}"
            );
            assert!(
                proxy.requests().iter().any(|(_, fault)| fault.is_some()),
                "no error was injected:\n{ran}"
            );
            assert_contained(&ran, &declared);
        }
    }
    println!(
        "{runs} runs with {} payloads in AWS error texts",
        payloads.len()
    );
}
