//! Property tests of every parser format in `parse::format::REGISTRY` (issue 26): random
//! lines and damaged versions of each format's own examples go through the parse stage
//! (the format forced, and detected), and whatever comes out must be a valid event by the
//! event layer's one definition, that serde_json reads the same way, with a real RFC 3339
//! `@timestamp` when it has one; a line is never lost (emitted, skipped or rejected with a
//! reason). A second property runs whole random files (LF, CRLF, CR-only endings, a BOM,
//! blank and binary lines) through `io::run` and checks the line accounting.
//!
//! `PROPTEST_CASES=20000 cargo test --release --test property_parsers` runs a long search
//! (bench/README.md).

use logward::event::scan;
use logward::io::{self, LineRef, LineStage, Outcome, Records, RunOptions, Source};
use logward::parse::format::{custom::LineFormat, Format, REGISTRY};
use logward::parse::{mask::MaskSet, template::MinerOptions, ParseOptions, Parser, Pending, TemplateOptions};
use logward::time::Zone;
use proptest::prelude::*;
use serde_json::Value;

const LINE_FORMAT: &str = "<Date> <Time> <Pid> <Level> <Component>: <Content>";

fn options(format: Option<&'static dyn Format>, templates: bool) -> ParseOptions {
    let custom = format.is_some_and(|f| f.name() == "custom");
    ParseOptions {
        format,
        year: Some(2024),
        tz: Zone::Utc,
        line_format: custom.then(|| LineFormat::compile(LINE_FORMAT).unwrap()),
        maps: Vec::new(),
        dataset: None,
        templates: templates
            .then(|| TemplateOptions { mask: MaskSet::parse("all").unwrap(), miner: MinerOptions::default() }),
        quiet: true,
    }
}

/// Checks one output record (a line of NDJSON as `parse` wrote it).
fn check_record(rec: &str, input: &str) -> Result<(), TestCaseError> {
    prop_assert!(scan::validate(rec).is_ok(), "not a valid event: {rec} (from {input:?})");
    let v: Value = serde_json::from_str(rec).map_err(|e| TestCaseError::fail(format!("{e}: {rec}")))?;
    prop_assert!(v.is_object());
    if let Some(ts) = v.get("@timestamp") {
        let text = ts.as_str().unwrap_or_default();
        let tagged = v["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == "invalid_timestamp"));
        // A time logward wrote is RFC 3339 UTC in 0000-9999; one it could not read is kept
        // as written and the event tagged.
        prop_assert!(
            tagged || logward::event::timestamp(text).is_some_and(|_| text.len() >= 20 && text.ends_with('Z')),
            "bad @timestamp {text:?} in {rec}"
        );
    }
    Ok(())
}

/// Runs `lines` through the parse stage with `format` forced (or detected from them) and
/// checks every outcome.
fn parse_lines(format: Option<&'static dyn Format>, head: &[String], lines: &[String]) -> Result<(), TestCaseError> {
    let parser = Parser::new(options(format, false));
    let source = Source::stdin();
    let (file, mut seq) = parser.open_file(&source, head);
    let mut worker = parser.worker();
    for (n, text) in head.iter().chain(lines).enumerate() {
        if text.contains(['\n', '\r']) {
            continue;
        }
        parser.advance(&file, &mut seq, text.as_bytes());
        let mut out = Records { bytes: Vec::new(), marks: Vec::new() };
        let line = LineRef { text, number: n as u64 + 1, lossy: false };
        match parser.process(&mut worker, &file, &seq, &line, &mut out) {
            Outcome::Emitted => {
                // (A file whose format groups lines may mark where open groups end.)
                prop_assert!(
                    out.marks.iter().all(|(_, p)| !matches!(p, Pending::Template(_))),
                    "no template marks without mining"
                );
                let written = String::from_utf8(out.bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(written.ends_with('\n'), "{written:?}");
                for rec in written.lines() {
                    check_record(rec, text)?;
                }
            }
            Outcome::Skipped => prop_assert!(out.bytes.is_empty()),
            // One record of an event that spans lines: handed to the ordered pass, no output yet.
            Outcome::Grouped => {
                prop_assert!(out.bytes.is_empty(), "a grouped line wrote output");
                prop_assert!(out.marks.iter().any(|(_, p)| matches!(p, Pending::Part(_))));
            }
            Outcome::Rejected(reason) => {
                prop_assert!(out.bytes.is_empty(), "a rejected line wrote output");
                prop_assert!(!reason.detail.is_empty());
            }
        }
    }
    Ok(())
}

/// Every format's example lines, with what the file holds before them.
fn examples() -> Vec<(&'static dyn Format, Vec<String>, String)> {
    REGISTRY
        .iter()
        .flat_map(|f| {
            f.examples().iter().map(move |e| (*f, e.before.iter().map(|s| s.to_string()).collect(), e.line.to_string()))
        })
        .collect()
}

/// One edit of a line: bytes cut, or a piece typical of log lines put in (kept UTF-8).
fn mutate(line: &str, at: usize, cut: usize, piece: &str) -> String {
    let mut i = at % (line.len() + 1);
    while !line.is_char_boundary(i) {
        i -= 1;
    }
    let mut j = (i + cut).min(line.len());
    while !line.is_char_boundary(j) {
        j += 1;
    }
    format!("{}{}{}", &line[..i], piece, &line[j..])
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just(" ".to_string()),
        Just("-".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(":".to_string()),
        Just("=".to_string()),
        Just("\t".to_string()),
        Just("\u{1}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{e9}\u{1f600}".to_string()),
        Just("+99:99".to_string()),
        Just("Feb 30 ".to_string()),
        Just("99999".to_string()),
        Just("\\ud800".to_string()),
        Just("1e400".to_string()),
        Just("18446744073709551616".to_string()),
        Just("2024-02-30T25:61:61Z".to_string()),
        Just("<13>1 ".to_string()),
        Just("#Fields: date time c-ip".to_string()),
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Damaged examples of every format, with the format forced and detected.
    #[test]
    fn every_format_survives_damaged_examples(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), 0usize..6, piece()), 1..4),
    ) {
        let all = examples();
        let (format, before, line) = &all[which.index(all.len())];
        let mut damaged = line.clone();
        for (at, cut, p) in &edits {
            damaged = mutate(&damaged, *at, *cut, p);
        }
        let lines = vec![line.clone(), damaged];
        parse_lines(Some(*format), before, &lines)?;
        if format.name() != "custom" {
            parse_lines(None, before, &lines)?;
        }
    }

    /// Random text (printable, control characters, non-ASCII) through every format.
    #[test]
    fn every_format_survives_random_lines(
        lines in prop::collection::vec("[ -~\u{1}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{e9}\u{fffd}\u{1f600}\u{feff}]{0,80}", 1..6),
    ) {
        for format in REGISTRY {
            parse_lines(Some(*format), &[], &lines)?;
        }
        parse_lines(None, &[], &lines)?;
    }
}

/// Whole files: every line read is emitted, skipped or rejected, whatever the endings.
fn run_file(dir: &std::path::Path, bytes: &[u8], threads: usize) -> (io::RunSummary, Vec<u8>) {
    let input = dir.join("in.log");
    std::fs::write(&input, bytes).unwrap();
    let output = dir.join(format!("out-{threads}.ndjson"));
    let opts = RunOptions {
        output: Some(output.clone()),
        errors: None,
        strict: false,
        threads,
        quiet: true,
        max_line_bytes: 200,
        side: Default::default(),
    };
    let parser = Parser::new(options(None, true));
    let ordered = parser.ordered().unwrap();
    let sources = vec![Source { path: Some(input), mtime: None }];
    let (summary, ()) = io::run(&parser, ordered, "parse", sources, &opts).unwrap();
    (summary, std::fs::read(&output).unwrap())
}

/// What the reader counts as lines: split at the file's line ending (CR alone when its
/// first line ending is a CR without LF), a BOM at the start dropped.
fn expected_lines(bytes: &[u8]) -> u64 {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = b.iter().position(|&c| c == b'\n' || c == b'\r');
    let cr_only = first.is_some_and(|i| b[i] == b'\r' && b.get(i + 1).is_some_and(|&c| c != b'\n'))
        || first.is_some_and(|i| b[i] == b'\r' && i + 1 == b.len());
    let sep = if cr_only { b'\r' } else { b'\n' };
    let n = b.iter().filter(|&&c| c == sep).count() as u64;
    n + u64::from(!b.is_empty() && *b.last().unwrap() != sep)
}

fn file_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"Feb  9 21:19:40 bastion sshd[4242]: Failed password for root from 203.0.113.7 port 52413 ssh2".to_vec()),
        Just(br#"{"@timestamp":"2024-03-01T10:00:00Z","message":"m","n":1e400}"#.to_vec()),
        Just(b"203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.0\" 200 2326".to_vec()),
        Just(Vec::new()),
        Just(b"   ".to_vec()),
        Just(vec![0u8, 1, 2, 3, 4]),
        Just(b"\xff\xfe not utf8 \xc3".to_vec()),
        Just(vec![b'x'; 300]),
        "[ -~]{0,60}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn whole_files_account_for_every_line(
        lines in prop::collection::vec(file_line(), 0..12),
        ending in prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b"\r"[..])],
        bom in any::<bool>(),
        last_newline in any::<bool>(),
    ) {
        let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
        for (i, l) in lines.iter().enumerate() {
            bytes.extend_from_slice(l);
            if i + 1 < lines.len() || last_newline {
                bytes.extend_from_slice(ending);
            }
        }
        // A CR-only file is only recognizable by a CR between two lines.
        prop_assume!(ending != b"\r" || lines.len() > 1 || last_newline);
        let dir = tempfile::tempdir().unwrap();
        let (one, out1) = run_file(dir.path(), &bytes, 1);
        let c = one.counts;
        prop_assert_eq!(c.read, c.emitted + c.skipped + c.rejected + c.grouped);
        prop_assert_eq!(c.read, expected_lines(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
        let text = String::from_utf8(out1.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(text.lines().count() as u64, c.emitted + c.grouped_events);
        for rec in text.lines() {
            check_record(rec, "file")?;
        }
        let (two, out2) = run_file(dir.path(), &bytes, 2);
        prop_assert_eq!(two.counts, c);
        prop_assert_eq!(out2, out1, "the same bytes with 2 threads");
    }
}

/// The formats the harness covers: all of the registry (a new format is covered when it
/// registers, through its examples).
#[test]
fn the_harness_covers_every_registered_format() {
    let names: std::collections::BTreeSet<&str> = examples().iter().map(|(f, _, _)| f.name()).collect();
    for f in REGISTRY {
        assert!(names.contains(f.name()), "{} has no examples for the harness to damage", f.name());
    }
}
