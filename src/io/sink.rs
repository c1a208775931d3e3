//! Where rejected lines go: counted, shown on stderr with file:line, written in full to
//! `--errors FILE`, and turned into a failure under `--strict`.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// How many rejections are shown on stderr before the rest are only counted.
const STDERR_SHOWN: u64 = 10;

/// A rejected input line, as written to `--errors FILE`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub reason: String,
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

/// Counts for the end-of-run summary. Invariant: `read == emitted + skipped + rejected`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub read: u64,
    pub emitted: u64,
    pub skipped: u64,
    pub rejected: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.read += o.read;
        self.emitted += o.emitted;
        self.skipped += o.skipped;
        self.rejected += o.rejected;
    }

    pub fn summary(&self, command: &str) -> String {
        let mut s = format!(
            "logward {command}: read {} lines, emitted {} events, rejected {}",
            self.read, self.emitted, self.rejected
        );
        if self.skipped > 0 {
            s.push_str(&format!(", skipped {} (blank lines, headers)", self.skipped));
        }
        s
    }
}

pub struct RejectSink {
    file: Option<BufWriter<File>>,
    errors_path: Option<String>,
    shown: u64,
    quiet: bool,
    pub counts: Counts,
}

impl RejectSink {
    pub fn new(errors: Option<&Path>, quiet: bool) -> Result<Self> {
        let file = match errors {
            Some(p) => Some(BufWriter::new(
                File::create(p).with_context(|| format!("cannot create errors file '{}'", p.display()))?,
            )),
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

    pub fn finish(&mut self) -> Result<()> {
        if let Some(f) = self.file.as_mut() {
            f.flush().context("cannot write errors file")?;
        }
        Ok(())
    }
}
