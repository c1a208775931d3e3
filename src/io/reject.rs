//! Rejected lines: why a line was rejected ([`Reason`]), the record written for it
//! ([`Reject`]), and where rejections go ([`RejectSink`]): counted, shown on stderr with
//! file:line, written in full to `--errors FILE`, and turned into a failure under `--strict`.

use super::files::{AtomicFile, OnSignal};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::Path;

/// How many rejections are shown on stderr before the rest are only counted.
const STDERR_SHOWN: u64 = 10;

/// What kind of problem a rejected line has: a stable name for counting and filtering
/// (`kind` in `--errors` records, the report's data-quality section), beside the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectKind {
    /// Not a text line: NUL bytes, mostly control characters or invalid UTF-8.
    Binary,
    /// Longer than `--max-line-bytes`.
    TooLong,
    /// The input broke off here: truncated or corrupt compressed data, a read error.
    InputError,
    /// Not valid JSON (syntax, an escape that is no character, nesting too deep).
    InvalidJson,
    /// Valid JSON, but not one object (an event is one JSON object per line).
    NotAnObject,
    /// The line does not have the shape of the file's format.
    FormatMismatch,
    /// A data line before the header its format needs (`#Fields:`, a CSV header row).
    MissingHeader,
    /// A field of the line holds a value its format does not allow.
    InvalidField,
    /// A record of a binary log (an EVTX record or chunk) that cannot be read.
    CorruptRecord,
    /// A JSON object of the line repeats a key (`{"a":1,"a":2}`): which value is meant?
    DuplicateKey,
}

impl RejectKind {
    /// The name written in `--errors` records.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectKind::Binary => "binary",
            RejectKind::TooLong => "too_long",
            RejectKind::InputError => "input_error",
            RejectKind::InvalidJson => "invalid_json",
            RejectKind::NotAnObject => "not_an_object",
            RejectKind::FormatMismatch => "format_mismatch",
            RejectKind::MissingHeader => "missing_header",
            RejectKind::InvalidField => "invalid_field",
            RejectKind::CorruptRecord => "corrupt_record",
            RejectKind::DuplicateKey => "duplicate_key",
        }
    }
}

/// Why a line was rejected: its kind and a one-line detail for people. The detail names
/// positions (byte offsets, columns), never the line's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What kind of problem it is.
    pub kind: RejectKind,
    /// What exactly, for the person reading the message.
    pub detail: String,
}

impl Reason {
    /// A reason of `kind` with its detail.
    pub fn new(kind: RejectKind, detail: impl Into<String>) -> Reason {
        Reason { kind, detail: detail.into() }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// A rejected input line, as written to `--errors FILE`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reject {
    /// The input, as named in messages.
    pub file: String,
    /// The line number in that input, from 1.
    pub line: u64,
    /// What was wrong with the line.
    pub reason: String,
    /// The kind of problem; absent in records written before kinds existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RejectKind>,
    /// The line (lossily decoded); absent when the stage must not echo input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Length of the line in bytes.
    #[serde(default)]
    pub bytes: u64,
    /// `text` holds only the first bytes of a longer line.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Counts for the end-of-run summary. Invariant: `read == emitted + skipped + rejected +
/// grouped`; the events written are `emitted + grouped_events`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Lines read.
    pub read: u64,
    /// Lines that gave records.
    pub emitted: u64,
    /// Lines that carry no event by design (blank lines, headers).
    pub skipped: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Lines merged with others into one event (the records of one audit event).
    pub grouped: u64,
    /// The events made of grouped lines.
    pub grouped_events: u64,
}

impl Counts {
    /// Adds another run's (or chunk's) counts.
    pub fn add(&mut self, o: &Counts) {
        self.read += o.read;
        self.emitted += o.emitted;
        self.skipped += o.skipped;
        self.rejected += o.rejected;
        self.grouped += o.grouped;
        self.grouped_events += o.grouped_events;
    }

    /// The end-of-run line on stderr.
    pub fn summary(&self, command: &str) -> String {
        let mut s = format!(
            "logward {command}: read {} lines, emitted {} events",
            self.read,
            self.emitted + self.grouped_events
        );
        // Lines merged with others into one event (an audit event's records) are said so,
        // so that every line is still accounted for: read = emitted - N + M + rejected +
        // skipped for "(M lines merged into N)".
        if self.grouped != self.grouped_events {
            s.push_str(&format!(" ({} lines merged into {})", self.grouped, self.grouped_events));
        }
        s.push_str(&format!(", rejected {}", self.rejected));
        if self.skipped > 0 {
            s.push_str(&format!(", skipped {} (blank lines, headers)", self.skipped));
        }
        s
    }
}

/// Where rejections go during a run.
pub struct RejectSink {
    file: Option<BufWriter<AtomicFile>>,
    errors_path: Option<String>,
    shown: u64,
    quiet: bool,
    /// The counts of the run so far.
    pub counts: Counts,
}

impl RejectSink {
    /// Rejections go to stderr (the first few, unless `quiet`) and to `errors` when given.
    pub fn new(errors: Option<&Path>, quiet: bool) -> Result<Self> {
        let file = match errors {
            Some(p) => Some(BufWriter::new(AtomicFile::create(p, "errors file", OnSignal::KeepPartial)?)),
            None => None,
        };
        Ok(RejectSink {
            file,
            errors_path: errors.map(|p| p.display().to_string()),
            shown: 0,
            quiet,
            counts: Counts::default(),
        })
    }

    /// Records one rejection.
    pub fn reject(&mut self, r: &Reject) -> Result<()> {
        if let Some(f) = self.file.as_mut() {
            serde_json::to_writer(&mut *f, r)?;
            f.write_all(b"\n")?;
        }
        if !self.quiet {
            if self.shown < STDERR_SHOWN {
                eprintln!("logward: {}:{}: rejected: {}", r.file, r.line, r.reason);
            } else if self.shown == STDERR_SHOWN {
                let hint = match &self.errors_path {
                    Some(p) => format!("all are in '{p}'"),
                    None => "use --errors FILE to keep them".to_string(),
                };
                eprintln!("logward: more rejected lines are counted but not shown ({hint})");
            }
        }
        self.shown += 1;
        Ok(())
    }

    /// Flushes the errors file and renames it into place.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(f) = self.file.take() {
            let f = f.into_inner().map_err(|e| e.into_error()).context("cannot write errors file")?;
            f.commit()?;
        }
        Ok(())
    }
}
