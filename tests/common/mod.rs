//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn logward() -> Command {
    Command::cargo_bin("logward").expect("binary built")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `actual` with the expected file, or rewrites it when LOGWARD_BLESS=1.
pub fn assert_matches_file(actual: &[u8], expected: &Path) {
    if std::env::var_os("LOGWARD_BLESS").is_some() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read(expected)
        .unwrap_or_else(|e| panic!("{}: {e} (run with LOGWARD_BLESS=1 to create)", expected.display()));
    if actual != want.as_slice() {
        let a = String::from_utf8_lossy(actual);
        let w = String::from_utf8_lossy(&want);
        for (n, (la, lw)) in a.lines().zip(w.lines()).enumerate() {
            assert_eq!(la, lw, "{}: first difference at line {}", expected.display(), n + 1);
        }
        assert_eq!(a.lines().count(), w.lines().count(), "{}: line count differs", expected.display());
        panic!("{}: output differs", expected.display());
    }
}

/// The JSON values of an NDJSON output, one per non-empty line.
pub fn ndjson(bytes: &[u8]) -> Vec<serde_json::Value> {
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

/// Parses the "read N lines, emitted N events, rejected N[, skipped N ...]" summary.
pub fn summary(stderr: &[u8]) -> (u64, u64, u64, u64) {
    let s = String::from_utf8_lossy(stderr);
    let line = s.lines().rev().find(|l| l.contains(": read ")).unwrap_or_else(|| panic!("no summary in stderr: {s}"));
    let read = line.split("read ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    let emitted = line.split("emitted ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    let rejected =
        line.split("rejected ").nth(1).and_then(|r| r.split([' ', ',']).next()).and_then(|n| n.parse().ok()).unwrap();
    let skipped =
        line.split("skipped ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    (read, emitted, rejected, skipped)
}

/// The "(M lines merged into N)" part of the summary: lines merged with others into one
/// event (audit records), and the events they made; (0, 0) when absent.
pub fn merged(stderr: &[u8]) -> (u64, u64) {
    let s = String::from_utf8_lossy(stderr);
    let Some(line) = s.lines().rev().find(|l| l.contains(": read ")) else { return (0, 0) };
    let Some(part) = line.split(" (").nth(1).filter(|p| p.contains(" lines merged into ")) else { return (0, 0) };
    let lines = part.split(' ').next().and_then(|n| n.parse().ok()).unwrap();
    let events =
        part.split("merged into ").nth(1).and_then(|r| r.split(')').next()).and_then(|n| n.parse().ok()).unwrap();
    (lines, events)
}

/// Asserts the line-accounting invariant on a run's stderr and returns the counts.
pub fn assert_accounted(stderr: &[u8], lines_in_input: u64) -> (u64, u64, u64, u64) {
    let (read, emitted, rejected, skipped) = summary(stderr);
    let (merged_lines, merged_events) = merged(stderr);
    assert_eq!(read, lines_in_input, "lines read");
    assert_eq!(
        read,
        emitted - merged_events + merged_lines + rejected + skipped,
        "read = emitted - merged events + merged lines + rejected + skipped"
    );
    (read, emitted, rejected, skipped)
}
