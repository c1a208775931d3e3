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
pub mod stamp;
pub mod template;
mod template_legacy;

use crate::event::{self, FlatEvent, FlatWriter, Val};
use crate::io::{LineRef, LineStage, Outcome, Records, Source};
use crate::time::{self, Zone};
use chrono::Datelike;
use format::custom::LineFormat;
use format::{Format, GroupFile, Grouper, Line, OpenFile, Parsed, Seq};
use serde_json::Value;
use std::any::Any;
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    /// Nothing on stderr but fatal errors (no notes on detected formats or guessed years).
    pub quiet: bool,
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
    /// The note on a year taken from a file's modification time was printed.
    year_noted: AtomicBool,
}

/// What is known about one file after looking at its first lines.
pub struct FileInfo {
    format: &'static dyn Format,
    path: Option<String>,
    /// The input as named in messages.
    name: String,
    /// What the format found out about the file.
    state: Option<Box<dyn Any + Send + Sync>>,
    /// Lines that fell back to plain text (counted by the workers), for the warning at the
    /// end of the file.
    plain: AtomicU64,
    /// Its format merges lines into events (see [`Format::grouper`]).
    groups: bool,
    /// The format was detected (not named with `--format`).
    detected: bool,
    /// A regular file: read in blocks that do not depend on timing, so the template miner
    /// may learn a block before writing it.
    lookahead: bool,
}

/// What a record needs from the ordered pass: a message's template, or one part of an
/// event that spans lines.
pub enum Pending {
    Template(template::Pending),
    Part(Box<dyn Any + Send>),
    /// A line of a file whose format merges some lines (audit records forwarded through
    /// syslog) that is not such a line: the groups before it are complete.
    Tick,
}

/// A worker's state: its event writer, and whether the chunk it is on had a part of a
/// multi-line event yet.
pub struct Worker {
    writer: FlatWriter,
    parts: bool,
}

/// The state of the ordered pass: the template miner (unless mining is off) and the
/// grouping state of the file being written, for formats whose events span lines.
pub struct Ordered {
    miner: Option<template::Miner>,
    grouper: Option<Box<dyn Grouper>>,
    /// Events written from grouped lines.
    grouped: u64,
}

impl Parser {
    pub fn new(opts: ParseOptions) -> Parser {
        Parser { opts, year_noted: AtomicBool::new(false) }
    }

    /// The state of the ordered pass: the template miner, unless mining is off.
    pub fn ordered(&self) -> anyhow::Result<Ordered> {
        let miner =
            self.opts.templates.as_ref().map(|t| template::Miner::with_mask(t.miner.clone(), t.mask)).transpose()?;
        Ok(Ordered { miner, grouper: None, grouped: 0 })
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

    /// The year of the file's first year-less date, and whether it was guessed from the
    /// file's modification time (or today, for stdin) rather than given with `--year`.
    fn first_year(&self, source: &Source, head: &[String]) -> (i32, bool) {
        if let Some(y) = self.opts.year {
            return (y, false);
        }
        let reference = source.mtime.map(chrono::DateTime::<chrono::Utc>::from).unwrap_or_else(chrono::Utc::now);
        // The file was last written at `reference`; if it starts in a later month than that,
        // it started the year before (a file running from December into January).
        let first_month = head.iter().find_map(|l| format::syslog::bsd_month(l.as_bytes()));
        match first_month {
            Some(m) if m > reference.month() => (reference.year() - 1, true),
            _ => (reference.year(), true),
        }
    }

    /// Says once per run where the year of year-less dates came from.
    fn note_year(&self, source: &Source, year: i32) {
        if self.opts.quiet || self.year_noted.swap(true, Ordering::Relaxed) {
            return;
        }
        let from = if source.mtime.is_some() { "its modification time" } else { "today's date" };
        eprintln!(
            "logward parse: {}: its dates have no year; taking {year} from {from} (later files: theirs); set --year to choose",
            source.display()
        );
    }

    /// Says which format was detected for a file (formats named with `--format` are not
    /// repeated back).
    fn note_format(&self, source: &Source, format: &dyn Format, state: Option<&(dyn Any + Send + Sync)>) {
        if self.opts.quiet {
            return;
        }
        let name = source.display();
        if format.name() == format::fallback().name() {
            let times = format.describe(state).map(|d| format!("; {d}")).unwrap_or_default();
            eprintln!(
                "logward parse: {name}: no known format in its first lines, read as plain text{times}; to name its fields use --line-format, e.g. --line-format '<Date> <Time> <Level> <Content>'"
            );
        } else {
            let how = format.describe(state).map(|d| format!(" ({d})")).unwrap_or_default();
            eprintln!("logward parse: {name}: read as {}{how}", format.name());
        }
    }
}

impl LineStage for Parser {
    type File = FileInfo;
    type Seq = Seq;
    type Worker = Worker;
    type Pending = Pending;
    type Ordered = Ordered;
    type Summary = ();

    fn worker(&self) -> Worker {
        Worker { writer: FlatWriter::new(), parts: false }
    }

    /// Lets the miner learn a block of messages before any of them is written.
    fn prepare(&self, state: &mut Ordered, pending: Vec<&mut Pending>) {
        if let Some(m) = state.miner.as_mut() {
            m.prepare(
                pending
                    .into_iter()
                    .filter_map(|p| match p {
                        Pending::Template(t) => Some(t),
                        _ => None,
                    })
                    .collect(),
            );
        }
    }

    /// Writes `{"id":..,"pattern":..}` for the message (a message no frozen template
    /// matches gets its own masked shape and `"known":false`); hands a part of a multi-line
    /// event to its file's grouper.
    fn complete(&self, state: &mut Ordered, pending: Pending, out: &mut Vec<u8>) {
        let pending = match pending {
            Pending::Template(p) => p,
            Pending::Part(part) => {
                if let Some(g) = state.grouper.as_mut() {
                    state.grouped += g.add(part, out);
                }
                return;
            }
            Pending::Tick => {
                if let Some(g) = state.grouper.as_mut() {
                    state.grouped += g.tick(out);
                }
                return;
            }
        };
        let Some(miner) = state.miner.as_mut() else { return };
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

    fn finish(&self, state: Ordered, _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        match state.miner {
            Some(m) => m.finish(),
            None => Ok(()),
        }
    }

    fn file_started(&self, state: &mut Ordered, file: &FileInfo) {
        let at = GroupFile { path: file.path.as_deref(), state: file.state.as_deref(), opts: &self.opts };
        state.grouper = file.format.grouper(&at);
    }

    fn file_ended(&self, state: &mut Ordered, file: &FileInfo, lines: u64, out: &mut Vec<u8>) {
        if let Some(mut g) = state.grouper.take() {
            state.grouped += g.finish(out);
        }
        let plain = file.plain.load(Ordering::Relaxed);
        // A file read as plain text from the start was said so when it was opened.
        if !self.opts.quiet && plain * 2 > lines && file.format.name() != format::fallback().name() {
            eprintln!(
                "logward parse: {}: {plain} of {lines} lines are not {} and were kept as plain text (message only){}; describe them with --line-format, e.g. --line-format '<Date> <Time> <Level> <Content>'",
                file.name,
                file.format.name(),
                if file.detected { "" } else { " (--format)" },
            );
        }
    }

    fn grouped_events(&self, state: &Ordered) -> u64 {
        state.grouped
    }

    fn open_file(&self, source: &Source, head: &[String]) -> (FileInfo, Seq) {
        let format = self.format_of(head);
        let detected = self.opts.format.is_none() && self.opts.line_format.is_none();
        let path = source.path_str();
        let state = format.open(&OpenFile { source, path: path.as_deref(), head, opts: &self.opts });
        let (year, guessed) = self.first_year(source, head);
        if detected && !head.is_empty() {
            self.note_format(source, format, state.as_deref());
        }
        if guessed && format.needs_year(state.as_deref(), head) {
            self.note_year(source, year);
        }
        let seq = Seq { year, prev_month: 0, head: Vec::new(), prev: Vec::new(), state: None };
        let groups = format.grouper(&GroupFile { path: None, state: state.as_deref(), opts: &self.opts }).is_some();
        let lookahead = source.path.as_ref().is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()));
        let info = FileInfo {
            format,
            path,
            name: source.display(),
            state,
            plain: AtomicU64::new(0),
            detected,
            groups,
            lookahead,
        };
        (info, seq)
    }

    /// EVTX files are read by the `evtx` format, whatever `--format` says (like compressed
    /// input, they are recognized by their first bytes).
    fn open_records(&self, source: &Source) -> Option<(FileInfo, Seq)> {
        let format: &'static dyn Format = &format::windows::evtx::Evtx;
        let path = source.path_str();
        let state = format.open(&OpenFile { source, path: path.as_deref(), head: &[], opts: &self.opts });
        let seq = Seq { year: 1970, prev_month: 0, head: Vec::new(), prev: Vec::new(), state: None };
        // Batches of chunks do not depend on timing (stdin is copied to a file first).
        let info = FileInfo {
            format,
            path,
            name: source.display(),
            state,
            plain: AtomicU64::new(0),
            detected: true,
            groups: false,
            lookahead: true,
        };
        Some((info, seq))
    }

    fn advance(&self, file: &FileInfo, seq: &mut Seq, raw: &[u8]) {
        if file.format.starts_message(file.state.as_deref(), raw) {
            seq.head.clear();
            seq.head.extend_from_slice(&raw[..raw.len().min(64)]);
        }
        file.format.advance(seq, raw);
    }

    fn process(
        &self,
        worker: &mut Worker,
        file: &FileInfo,
        seq: &Seq,
        line: &LineRef<'_>,
        out: &mut Records<Pending>,
    ) -> Outcome {
        let text = line.text;
        // A new chunk: nothing written to it yet.
        let chunk_start = out.bytes.is_empty() && out.marks.is_empty();
        if chunk_start {
            worker.parts = false;
        }
        let mut ev = FlatEvent::new();
        let at = Line {
            text,
            number: line.number,
            lossy: line.lossy,
            seq,
            file: file.state.as_deref(),
            opts: &self.opts,
            format: file.format,
        };
        let dataset = match file.format.parse(&at, &mut ev) {
            Ok(Parsed::Event(d)) => d,
            Ok(Parsed::Tree(tree)) => {
                let pending = self.tree_template_pending(&tree, file.lookahead);
                if let (Some(at), Some(p)) = (write_tree(tree, pending.is_some(), &mut out.bytes), pending) {
                    out.marks.push((at, Pending::Template(p)));
                }
                return Outcome::Emitted;
            }
            Ok(Parsed::Trees(trees)) => {
                for tree in trees {
                    let pending = self.tree_template_pending(&tree, file.lookahead);
                    if let (Some(at), Some(p)) = (write_tree(tree, pending.is_some(), &mut out.bytes), pending) {
                        out.marks.push((at, Pending::Template(p)));
                    }
                }
                return Outcome::Emitted;
            }
            Ok(Parsed::Part(part)) => {
                worker.parts = true;
                out.mark(Pending::Part(part));
                return Outcome::Grouped;
            }
            Ok(Parsed::Skip) => return Outcome::Skipped,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let fallback = std::ptr::eq(file.format, format::fallback());
        if !fallback
            && (dataset == format::text::DATASET
                || ev.get("tags").is_some_and(|t| has_tag(t, format::text::NOT_PARSED)))
        {
            file.plain.fetch_add(1, Ordering::Relaxed);
        }
        // Groups open before this line (from this chunk, or left by the one before) end here.
        if file.groups && (worker.parts || chunk_start) {
            out.mark(Pending::Tick);
        }
        // Formats whose events hold every value in fields of their own leave the line out.
        let original = file.format.original().then_some(text);
        self.common_fields(&mut ev, dataset, original, file.path.as_deref(), line.lossy);
        let pending = self.template_pending(file, &mut ev);
        let mark = worker.writer.write(&ev, &mut out.bytes);
        if let (Some(at), Some(p)) = (mark, pending) {
            out.marks.push((at, Pending::Template(p)));
        }
        Outcome::Emitted
    }
}

fn has_tag(v: &Val<'_>, tag: &str) -> bool {
    match v {
        Val::Strs(v) => v.iter().any(|t| t == tag),
        Val::Keywords(v) => v.contains(&tag),
        _ => false,
    }
}

impl Parser {
    /// What every event gets: `event.dataset` (`--dataset` wins) and the module it names,
    /// `event.kind`, `event.original`, `log.file.path`, and the `invalid_utf8` tag.
    pub fn common_fields<'a>(
        &'a self,
        ev: &mut FlatEvent<'a>,
        dataset: &'static str,
        original: Option<&'a str>,
        path: Option<&'a str>,
        lossy: bool,
    ) {
        common_fields(self.opts.dataset.as_deref(), ev, dataset, original, path, lossy);
    }
}

/// [`Parser::common_fields`] for code that keeps only `--dataset` (a format's grouper).
pub fn common_fields<'a>(
    dataset_override: Option<&'a str>,
    ev: &mut FlatEvent<'a>,
    dataset: &'static str,
    original: Option<&'a str>,
    path: Option<&'a str>,
    lossy: bool,
) {
    let dataset = dataset_override.unwrap_or(dataset);
    if let Some(module) = dataset.split('.').next().filter(|m| dataset.contains('.') && *m != "logward") {
        ev.set("event.module", module.to_string());
    }
    ev.set("event.dataset", dataset);
    ev.set("event.kind", "event");
    if let Some(original) = original {
        ev.set("event.original", original);
    }
    if let Some(p) = path {
        ev.set("log.file.path", p);
    }
    if lossy {
        ev.push_unique("tags", Cow::Borrowed("invalid_utf8"));
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
