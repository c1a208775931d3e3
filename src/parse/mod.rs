//! `logward parse`: raw log lines → ECS events.
//!
//! The format is detected per file from its first lines (or forced with `--format`), then
//! each line is parsed independently, so files are processed in parallel chunks. What a line
//! needs from earlier lines (the year of year-less syslog timestamps, the current W3C
//! `#Fields:`) is kept in [`Seq`], which the I/O layer carries across chunks.

pub mod access;
pub mod auth;
pub mod csv;
pub mod errorlog;
pub mod json;
pub mod lineformat;
pub mod mask;
pub mod syslog;
pub mod template;
mod template_legacy;
pub mod w3c;

use crate::event::{FlatEvent, Val};
use crate::io::stage::Output;
use crate::io::{LineRef, Outcome, Source, Stage};
use crate::time::{self, Zone};
use chrono::Datelike;
use lineformat::LineFormat;
use std::borrow::Cow;

/// The input formats `parse` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// RFC 3164, RFC 5424 and ISO-timestamped syslog (auth.log, secure, syslog, messages)
    Syslog,
    /// nginx/Apache access logs: combined, common, with vhost or extra fields
    Access,
    /// W3C extended / IIS logs with a #Fields: header
    W3c,
    /// Apache error log
    ApacheError,
    /// nginx error log
    NginxError,
    /// JSON lines (ECS events pass through, normalized)
    Json,
    /// CSV with a header row
    Csv,
    /// A custom layout given with --line-format
    Custom,
    /// Unknown text: message, plus a timestamp when one is recognizable
    Text,
}

#[derive(Debug, Clone)]
pub struct ParseOptions {
    pub format: Option<Format>,
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
    format: Format,
    path: Option<String>,
    /// `nginx.access` when the path says nginx, else `apache.access`.
    access_dataset: &'static str,
    csv: Option<csv::Header>,
    /// A regular file: read in blocks that do not depend on timing, so the template miner
    /// may learn a block before writing it.
    lookahead: bool,
}

/// Per-file state that depends on earlier lines.
#[derive(Clone, Debug)]
pub struct Seq {
    year: i32,
    prev_month: u32,
    w3c: Option<w3c::Fields>,
    /// The last line that was not a continuation (an indented line of a multi-line
    /// message): its timestamp is read only when a continuation needs it.
    head: Vec<u8>,
}

impl Parser {
    pub fn new(opts: ParseOptions) -> Parser {
        Parser { opts }
    }

    /// Picks the format the most head lines parse as (ties go to the more specific format).
    pub fn detect(&self, head: &[String]) -> Format {
        if let Some(f) = self.opts.format {
            return f;
        }
        if self.opts.line_format.is_some() {
            return Format::Custom;
        }
        let lines: Vec<&str> = head.iter().map(|s| s.as_str()).filter(|l| !l.trim().is_empty()).take(32).collect();
        let Some(first) = lines.first() else { return Format::Text };
        if first.starts_with("#Software:")
            || first.starts_with("#Version:")
            || first.starts_with("#Fields:")
            || first.starts_with("#Date:")
        {
            return Format::W3c;
        }
        let candidates = [Format::Json, Format::Access, Format::ApacheError, Format::NginxError, Format::Syslog];
        let mut best = (Format::Text, 0usize);
        for f in candidates {
            let n = lines.iter().filter(|l| self.matches(f, l)).count();
            if n > best.1 {
                best = (f, n);
            }
        }
        if best.1 * 2 >= lines.len() {
            return best.0;
        }
        if csv::looks_like_header(first) {
            return Format::Csv;
        }
        if best.1 > 0 {
            best.0
        } else {
            Format::Text
        }
    }

    fn matches(&self, f: Format, line: &str) -> bool {
        let z = &Zone::Utc;
        let mut ev = FlatEvent::new();
        match f {
            Format::Json => {
                line.trim_start().starts_with('{') && serde_json::from_str::<serde_json::Value>(line).is_ok()
            }
            Format::Access => access::parse(line, z, &mut ev),
            Format::ApacheError => errorlog::apache(line, z, &mut ev),
            Format::NginxError => errorlog::nginx(line, z, &mut ev),
            // A timestamp alone is not enough (many app logs start with one): syslog has a
            // program tag or a priority.
            // program tag, a priority, or an RFC 3339 timestamp (with its `T`).
            Format::Syslog => syslog::parse(line, z, 2000)
                .is_some_and(|s| s.program.is_some() || s.pri.is_some() || line.as_bytes().get(10) == Some(&b'T')),
            _ => false,
        }
    }

    fn first_year(&self, source: &Source, head: &[String]) -> i32 {
        if let Some(y) = self.opts.year {
            return y;
        }
        let reference = source.mtime.map(chrono::DateTime::<chrono::Utc>::from).unwrap_or_else(chrono::Utc::now);
        // The file was last written at `reference`; if it starts in a later month than that,
        // it started the year before (a file running from December into January).
        let first_month = head.iter().find_map(|l| syslog::bsd_month(l.as_bytes()));
        match first_month {
            Some(m) if m > reference.month() => reference.year() - 1,
            _ => reference.year(),
        }
    }

    fn dataset<'a>(&'a self, detected: &'static str) -> &'a str {
        self.opts.dataset.as_deref().unwrap_or(detected)
    }
}

impl Stage for Parser {
    type File = FileInfo;
    type Seq = Seq;
    type Pending = template::Pending;
    type Ordered = Option<template::Miner>;

    fn ordered(&self) -> anyhow::Result<Option<template::Miner>> {
        self.opts.templates.as_ref().map(|t| template::Miner::with_mask(t.miner.clone(), t.mask)).transpose()
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
        let format = self.detect(head);
        let path = source.path_str();
        let access_dataset = match &path {
            Some(p) if p.to_ascii_lowercase().contains("nginx") => "nginx.access",
            _ => "apache.access",
        };
        let csv = if format == Format::Csv {
            head.iter().find(|l| !l.trim().is_empty()).and_then(|h| csv::Header::new(h, &self.opts.maps))
        } else {
            None
        };
        let seq = Seq { year: self.first_year(source, head), prev_month: 0, w3c: None, head: Vec::new() };
        let lookahead = source.path.as_ref().is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()));
        (FileInfo { format, path, access_dataset, csv, lookahead }, seq)
    }

    fn advance(&self, file: &FileInfo, seq: &mut Seq, raw: &[u8]) {
        if starts_message(file.format, raw) {
            seq.head.clear();
            seq.head.extend_from_slice(&raw[..raw.len().min(64)]);
        }
        match file.format {
            Format::Syslog => {
                if let Some(m) = syslog::bsd_month(raw) {
                    // Dec → Jan is a new year; small steps back are clock jitter, not a year.
                    if seq.prev_month >= m + 6 {
                        seq.year += 1;
                    }
                    seq.prev_month = m;
                }
            }
            Format::W3c => {
                if let Some(f) = w3c::fields_directive(raw) {
                    seq.w3c = Some(f);
                }
            }
            _ => {}
        }
    }

    fn process(
        &self,
        file: &FileInfo,
        seq: &Seq,
        _source: &Source,
        line: &LineRef<'_>,
        out: &mut Output<template::Pending>,
    ) -> Outcome {
        let text = line.text;
        if file.format == Format::Json {
            let ev = match json::parse(text, &self.opts.tz, file.path.as_deref()) {
                Ok(ev) => ev,
                Err(e) => return Outcome::Rejected(e),
            };
            let pending = self.json_template_pending(&ev, file.lookahead);
            if let (Some(at), Some(p)) = (json::write(ev, pending.is_some(), &mut out.bytes), pending) {
                out.marks.push((at, p));
            }
            return Outcome::Emitted;
        }
        let mut ev = FlatEvent::new();
        let dataset = match self.fill(file, seq, text, &mut ev) {
            Ok(Some(d)) => d,
            Ok(None) => return Outcome::Skipped,
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
        let mark = ev.write_ndjson(&mut out.bytes);
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
        if matches!(file.format, Format::Access | Format::W3c | Format::Csv) {
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
    fn json_template_pending(&self, ev: &serde_json::Value, lookahead: bool) -> Option<template::Pending> {
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

    /// Fills the event from the line; returns the dataset, `None` for lines that carry no
    /// event (headers, directives), or the reason the line does not fit the file's format.
    fn fill<'a>(
        &self,
        file: &FileInfo,
        seq: &Seq,
        text: &'a str,
        ev: &mut FlatEvent<'a>,
    ) -> Result<Option<&'static str>, String> {
        let zone = &self.opts.tz;
        match file.format {
            Format::Syslog => match syslog::parse(text, zone, seq.year) {
                Some(sys) => {
                    syslog::fill(&sys, ev);
                    ev.set("message", sys.msg);
                    let program = sys.program.unwrap_or("");
                    let recognized = !program.is_empty() && auth::classify(program, sys.msg, ev);
                    Ok(Some(if recognized || auth::is_auth_program(program) { "system.auth" } else { "system.syslog" }))
                }
                // A continuation or foreign line inside a syslog file is kept as text.
                None => Ok(Some(self.text_event(text, seq, ev, "system.syslog", Format::Syslog))),
            },
            Format::Access => {
                if access::parse(text, zone, ev) {
                    Ok(Some(file.access_dataset))
                } else {
                    Err("not an access-log line (expected: client ident user [time] \"request\" status bytes ...)"
                        .into())
                }
            }
            Format::ApacheError => {
                if errorlog::apache(text, zone, ev) {
                    ev.set("event.category", Val::Keywords(&["web"]));
                    Ok(Some("apache.error"))
                } else {
                    Ok(Some(self.text_event(text, seq, ev, "apache.error", Format::ApacheError)))
                }
            }
            Format::NginxError => {
                if errorlog::nginx(text, zone, ev) {
                    ev.set("event.category", Val::Keywords(&["web"]));
                    Ok(Some("nginx.error"))
                } else {
                    Ok(Some(self.text_event(text, seq, ev, "nginx.error", Format::NginxError)))
                }
            }
            Format::W3c => {
                if text.starts_with('#') {
                    return Ok(None);
                }
                let fields = seq.w3c.as_ref().ok_or("W3C data line before any #Fields: directive")?;
                w3c::parse(text, fields, ev)?;
                Ok(Some("iis.access"))
            }
            Format::Csv => {
                let header = file.csv.as_ref().ok_or("CSV file without a header row")?;
                if text == header.raw {
                    return Ok(None);
                }
                csv::parse(text, header, zone, seq.year, ev)?;
                Ok(Some("logward.csv"))
            }
            Format::Custom => {
                let lf = self.opts.line_format.as_ref().expect("custom format has a line format");
                if lf.parse(text, zone, seq.year, ev) {
                    Ok(Some("logward.custom"))
                } else {
                    Err("line does not match --line-format".into())
                }
            }
            Format::Json => unreachable!("JSON lines are written directly"),
            Format::Text => Ok(Some(self.text_event(text, seq, ev, "logward.text", Format::Text))),
        }
    }

    /// A line of no known shape: its text as the message, and a leading timestamp if any.
    /// An indented line continues the message before it and gets that line's time.
    fn text_event<'a>(
        &self,
        text: &'a str,
        seq: &Seq,
        ev: &mut FlatEvent<'a>,
        dataset: &'static str,
        format: Format,
    ) -> &'static str {
        let trimmed = text.trim_start_matches(['[', ' ', '\t']);
        if let Some(ts) = leading_timestamp(trimmed, &self.opts.tz, seq.year) {
            ev.set("@timestamp", Val::Time(ts));
        } else if !starts_message(format, text.as_bytes()) && !seq.head.is_empty() {
            let head = String::from_utf8_lossy(&seq.head);
            let head = match head.strip_prefix('<') {
                Some(pri) => pri.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches('>'),
                None => &head,
            };
            let head = head.trim_start_matches('[');
            if let Some(ts) = leading_timestamp(head, &self.opts.tz, seq.year) {
                ev.set("@timestamp", Val::Time(ts));
            }
            ev.push_unique("tags", Cow::Borrowed("continuation"));
        }
        ev.set("message", text.trim_start_matches([' ', '\t']));
        dataset
    }
}

/// Does this line start a message, or continue the one before (multi-line messages)?
/// Syslog and plain text continue with indented lines; web server error logs with any line
/// that does not open with their timestamp.
fn starts_message(format: Format, raw: &[u8]) -> bool {
    let Some(&first) = raw.first() else { return false };
    match format {
        Format::ApacheError => first == b'[',
        Format::NginxError => first.is_ascii_digit(),
        Format::Syslog | Format::Text => first != b' ' && first != b'\t',
        _ => true,
    }
}

/// A timestamp at the very start of free text (ISO, slashed, ctime, syslog).
fn leading_timestamp(s: &str, zone: &Zone, year: i32) -> Option<time::Timestamp> {
    let b = s.as_bytes();
    if let Some((ts, _)) = time::parse_iso(b, zone) {
        return Some(ts);
    }
    if let Some((ts, _)) = time::parse_slashed(b, zone) {
        return Some(ts);
    }
    if let Some((ts, _)) = time::parse_ctime(b, zone) {
        return Some(ts);
    }
    let (mo, d, t, _) = time::parse_bsd(b)?;
    let secs = zone.to_epoch(year, mo, d, t.0, t.1, t.2)?;
    Some(time::Timestamp { secs, nanos: 0, frac_digits: 0 })
}
