//! `logward parse`: raw log lines → ECS events.
//!
//! The format is detected per file from its first lines (or forced with `--format`), then
//! each line is parsed independently, so files are processed in parallel chunks. What a line
//! needs from earlier lines (the year of year-less syslog timestamps, the current W3C
//! `#Fields:`) is kept in [`Seq`], which the I/O layer carries across chunks. Each format is
//! one file in [`format`]; this module adds what every event gets (dataset, kind, original
//! line, file path, template) and runs the template miner in the ordered pass.

pub mod auth;
pub mod command;
pub mod format;
pub mod mask;
pub mod template;
mod template_legacy;

use crate::event::{self, FlatEvent, FlatWriter, Val};
use crate::io::{LineRef, LineStage, Outcome, Records, Source};
use crate::time::{self, Zone};
use chrono::Datelike;
use format::custom::LineFormat;
use format::{Format, Line, OpenFile, Parsed, Seq};
use serde_json::Value;
use std::any::Any;
use std::borrow::Cow;

#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// `--format`: the format of every file; `None`: detected per file.
    pub format: Option<&'static dyn Format>,
    /// Year of the first year-less syslog line of each file (default: from its mtime).
    pub year: Option<i32>,
    pub tz: Zone,
    pub line_format: Option<LineFormat>,
    /// `--map COLUMN=FIELD` for CSV columns.
    pub maps: Vec<(String, String)>,
    /// `--dataset NAME` overrides `event.dataset`.
    pub dataset: Option<String>,
    /// Template mining of free-text messages; `None` with `--no-templates`.
    pub templates: Option<TemplateOptions>,
}

impl std::fmt::Debug for dyn Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone)]
pub struct TemplateOptions {
    pub mask: mask::MaskSet,
    pub miner: template::MinerOptions,
}

pub struct Parser {
    opts: ParseOptions,
}

/// What is known about one file after looking at its first lines.
pub struct FileInfo {
    format: &'static dyn Format,
    path: Option<String>,
    /// What the format found out about the file.
    state: Option<Box<dyn Any + Send + Sync>>,
    /// A regular file: read in blocks that do not depend on timing, so the template miner
    /// may learn a block before writing it.
    lookahead: bool,
}

impl Parser {
    pub fn new(opts: ParseOptions) -> Parser {
        Parser { opts }
    }

    /// The state of the ordered pass: the template miner, unless mining is off.
    pub fn miner(&self) -> anyhow::Result<Option<template::Miner>> {
        self.opts.templates.as_ref().map(|t| template::Miner::with_mask(t.miner.clone(), t.mask)).transpose()
    }

    /// The format of a file with these first lines: the one asked for, else detected.
    pub fn format_of(&self, head: &[String]) -> &'static dyn Format {
        if let Some(f) = self.opts.format {
            return f;
        }
        if self.opts.line_format.is_some() {
            return &format::custom::Custom;
        }
        format::detect(head)
    }

    fn first_year(&self, source: &Source, head: &[String]) -> i32 {
        if let Some(y) = self.opts.year {
            return y;
        }
        let reference = source.mtime.map(chrono::DateTime::<chrono::Utc>::from).unwrap_or_else(chrono::Utc::now);
        // The file was last written at `reference`; if it starts in a later month than that,
        // it started the year before (a file running from December into January).
        let first_month = head.iter().find_map(|l| format::syslog::bsd_month(l.as_bytes()));
        match first_month {
            Some(m) if m > reference.month() => reference.year() - 1,
            _ => reference.year(),
        }
    }

    fn dataset<'a>(&'a self, detected: &'static str) -> &'a str {
        self.opts.dataset.as_deref().unwrap_or(detected)
    }
}

impl LineStage for Parser {
    type File = FileInfo;
    type Seq = Seq;
    type Worker = FlatWriter;
    type Pending = template::Pending;
    type Ordered = Option<template::Miner>;
    type Summary = ();

    fn worker(&self) -> FlatWriter {
        FlatWriter::new()
    }

    /// Lets the miner learn a block of messages before any of them is written.
    fn prepare(&self, miner: &mut Option<template::Miner>, pending: Vec<&mut template::Pending>) {
        if let Some(m) = miner.as_mut() {
            m.prepare(pending);
        }
    }

    /// Writes `{"id":..,"pattern":..}` for the message; a message no frozen template
    /// matches gets its own masked shape and `"known":false`.
    fn complete(&self, miner: &mut Option<template::Miner>, pending: template::Pending, out: &mut Vec<u8>) {
        let Some(miner) = miner.as_mut() else { return };
        match miner.assign_json(&pending) {
            Some(json) => out.extend_from_slice(json),
            None => {
                out.extend_from_slice(b"{\"id\":");
                crate::event::write_str(&template::template_id(pending.masked()), out);
                out.extend_from_slice(b",\"pattern\":");
                crate::event::write_str(pending.masked(), out);
                out.extend_from_slice(b",\"known\":false}");
            }
        }
    }

    fn finish(&self, miner: Option<template::Miner>, _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        match miner {
            Some(m) => m.finish(),
            None => Ok(()),
        }
    }

    fn open_file(&self, source: &Source, head: &[String]) -> (FileInfo, Seq) {
        let format = self.format_of(head);
        let path = source.path_str();
        let state = format.open(&OpenFile { source, path: path.as_deref(), head, opts: &self.opts });
        let seq = Seq { year: self.first_year(source, head), prev_month: 0, head: Vec::new(), state: None };
        let lookahead = source.path.as_ref().is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()));
        (FileInfo { format, path, state, lookahead }, seq)
    }

    fn advance(&self, file: &FileInfo, seq: &mut Seq, raw: &[u8]) {
        if file.format.starts_message(raw) {
            seq.head.clear();
            seq.head.extend_from_slice(&raw[..raw.len().min(64)]);
        }
        file.format.advance(seq, raw);
    }

    fn process(
        &self,
        writer: &mut FlatWriter,
        file: &FileInfo,
        seq: &Seq,
        line: &LineRef<'_>,
        out: &mut Records<template::Pending>,
    ) -> Outcome {
        let text = line.text;
        let mut ev = FlatEvent::new();
        let at = Line { text, seq, file: file.state.as_deref(), opts: &self.opts, format: file.format };
        let dataset = match file.format.parse(&at, &mut ev) {
            Ok(Parsed::Event(d)) => d,
            Ok(Parsed::Tree(tree)) => {
                let pending = self.tree_template_pending(&tree, file.lookahead);
                if let (Some(at), Some(p)) = (write_tree(tree, pending.is_some(), &mut out.bytes), pending) {
                    out.marks.push((at, p));
                }
                return Outcome::Emitted;
            }
            Ok(Parsed::Skip) => return Outcome::Skipped,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let dataset = self.dataset(dataset);
        if let Some(module) = dataset.split('.').next().filter(|m| dataset.contains('.') && *m != "logward") {
            ev.set("event.module", module.to_string());
        }
        ev.set("event.dataset", dataset);
        ev.set("event.kind", "event");
        ev.set("event.original", text);
        if let Some(p) = &file.path {
            ev.set("log.file.path", p.as_str());
        }
        if line.lossy {
            ev.push_unique("tags", Cow::Borrowed("invalid_utf8"));
        }
        let pending = self.template_pending(file, &mut ev);
        let mark = writer.write(&ev, &mut out.bytes);
        if let (Some(at), Some(p)) = (mark, pending) {
            out.marks.push((at, p));
        }
        Outcome::Emitted
    }
}

impl Parser {
    /// Masks the event's free-text message for the miner and leaves a placeholder where
    /// `logward.template` goes. Access, W3C and CSV lines have no free-text message.
    fn template_pending(&self, file: &FileInfo, ev: &mut FlatEvent<'_>) -> Option<template::Pending> {
        if !file.format.free_text() {
            return None;
        }
        let time = match ev.get("@timestamp") {
            Some(Val::Time(t)) => Some(t.secs),
            _ => None,
        };
        let pending = self.pending_for(ev.get_str("message")?, time, file.lookahead)?;
        ev.set("logward.template", Val::Mark);
        Some(pending)
    }

    /// JSON events (Filebeat's, say) are mined on their `message` when they have one.
    fn tree_template_pending(&self, ev: &Value, lookahead: bool) -> Option<template::Pending> {
        let message = crate::event::get_str(ev, "message")?;
        let time = crate::event::get_str(ev, "@timestamp")
            .and_then(|t| time::parse_iso(t.as_bytes(), &Zone::Utc))
            .map(|(t, _)| t.secs);
        self.pending_for(message, time, lookahead)
    }

    fn pending_for(&self, message: &str, time: Option<i64>, lookahead: bool) -> Option<template::Pending> {
        let opts = self.opts.templates.as_ref()?;
        let mut buf = String::with_capacity(message.len() * 2 + 8);
        mask::mask_into(message, &opts.mask, &mut buf);
        let masked_len = buf.len();
        buf.push_str(message);
        Some(template::Pending::new(buf, masked_len, time).with_lookahead(lookahead))
    }
}

/// A value no log holds, put where the template goes and cut out after writing.
const MARK: &str = "\u{1}logward-template\u{1}";
const MARK_JSON: &[u8] = b"\"\\u0001logward-template\\u0001\"";

/// Writes the event; with `mark`, sets `logward.template` to a placeholder and returns the
/// output offset where the template object belongs (the placeholder removed).
fn write_tree(mut ev: Value, mark: bool, out: &mut Vec<u8>) -> Option<usize> {
    if mark {
        event::set(&mut ev, "logward.template", Value::String(MARK.to_string()));
    }
    let start = out.len();
    serde_json::to_writer(&mut *out, &ev).expect("a Value always serializes");
    out.push(b'\n');
    if !mark {
        return None;
    }
    let at = start + memchr::memmem::find(&out[start..], MARK_JSON).expect("the placeholder was written");
    out.drain(at..at + MARK_JSON.len());
    Some(at)
}
