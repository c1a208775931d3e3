//! The input formats `parse` knows, one file each, behind one trait ([`Format`]), and the
//! registry that lists them in detection order ([`REGISTRY`]).
//!
//! Adding a format: write `format/NAME.rs` with a type implementing [`Format`] (its name for
//! `--format`, how detection recognizes it, how a line becomes an event or a typed reject),
//! add `pub mod NAME;` and one entry to [`REGISTRY`] below. The format's unit tests sit in
//! its file; `tests/parse_formats.rs` runs every registered format's examples.

pub mod access;
pub mod auditd;
pub mod csv;
pub mod custom;
pub mod errorlog;
pub mod journald;
pub mod json;
pub mod netfilter;
pub mod syslog;
pub mod text;
pub mod w3c;
pub mod windows;

use super::ParseOptions;
use crate::event::FlatEvent;
use crate::io::{Reason, Source};
use crate::time::Zone;
use std::any::Any;
use std::sync::Arc;

/// Every format, in detection order: formats recognized by their first line, then those
/// whose head lines are counted (ties go to the earlier, more specific, one), then header
/// rows, then formats only chosen by name; the last one is the fallback.
pub static REGISTRY: &[&dyn Format] = &[
    &w3c::W3c,
    &windows::evtx::Evtx,
    &windows::xml::WindowsXml,
    &auditd::Auditd,
    &journald::Journald,
    &json::Json,
    &access::Access,
    &netfilter::Netfilter,
    &errorlog::ApacheError,
    &errorlog::NginxError,
    &syslog::Syslog,
    &csv::Csv,
    &custom::Custom,
    &text::Text,
];

/// The format named `name` (as `--format` takes it).
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    REGISTRY.iter().copied().find(|f| f.name() == name)
}

/// The format for lines nothing else recognizes.
pub fn fallback() -> &'static dyn Format {
    *REGISTRY.last().expect("the registry is not empty")
}

/// How detection recognizes a format from a file's first non-blank lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detect {
    /// The first line alone decides ([`Format::sniff`] on it).
    FirstLine,
    /// The format that [`Format::sniff`]s the most lines wins, if at least half of them.
    Lines,
    /// Chosen when no format has half of the lines and the first line is its header row.
    Header,
    /// Only when named with `--format` (or `--line-format`), or as the fallback.
    Named,
}

/// One input format.
pub trait Format: Sync {
    /// The name `--format` takes.
    fn name(&self) -> &'static str;

    /// What the format reads, one line for `--help`.
    fn about(&self) -> &'static str;

    /// How detection recognizes the format.
    fn detect(&self) -> Detect {
        Detect::Named
    }

    /// Whether a line looks like the format, for detection (`line` is not blank).
    fn sniff(&self, _line: &str) -> bool {
        false
    }

    /// For [`Detect::FirstLine`] formats: whether a file whose first non-blank lines are
    /// `lines` (at least one) is in the format. By default the first line decides; formats
    /// whose first line alone is ambiguous (a lone `{` of pretty-printed JSON) look further.
    fn sniff_head(&self, lines: &[&str]) -> bool {
        lines.first().is_some_and(|l| self.sniff(l))
    }

    /// What the format needs to know about one file, worked out from its head (a CSV
    /// header, a dataset named by the path); read back in [`Format::parse`] with
    /// [`Line::file`].
    fn open(&self, _file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        None
    }

    /// Whether a raw line starts a message or continues the one before (multi-line
    /// messages: an indented line, by default never).
    fn starts_message(&self, _file: Option<&(dyn Any + Send + Sync)>, raw: &[u8]) -> bool {
        !raw.is_empty()
    }

    /// Updates what later lines need from this one (the year of year-less dates, the
    /// current header), on the reading thread, in input order. Must be cheap.
    fn advance(&self, _seq: &mut Seq, _raw: &[u8]) {}

    /// Turns one line into an event in `ev`, or says why it cannot.
    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason>;

    /// Whether its events carry a free-text `message` to mine templates from (web access,
    /// W3C and CSV lines are all fields).
    fn free_text(&self) -> bool {
        true
    }

    /// Whether its events keep the line as `event.original`. Formats whose events hold
    /// every value of the record in fields of their own (Windows events, in `winlog.*`)
    /// leave it out, as Winlogbeat does.
    fn original(&self) -> bool {
        true
    }

    /// What detection found out about a file, for the note naming its format on stderr
    /// (`times like 20171223-22:15:29:606 in field 1`).
    fn describe(&self, _file: Option<&(dyn Any + Send + Sync)>) -> Option<String> {
        None
    }

    /// Whether the file's dates lack a year (so one is taken from its modification time
    /// unless `--year` is given); by default, when its head has RFC 3164 syslog dates.
    fn needs_year(&self, _file: Option<&(dyn Any + Send + Sync)>, head: &[String]) -> bool {
        head.iter().any(|l| syslog::bsd_month(l.as_bytes()).is_some())
    }

    /// For formats whose events span lines (audit records grouped by their event's serial):
    /// the state that merges one file's [`Parsed::Part`]s, in input order, on the writing
    /// thread. Called when the file's first record is written.
    fn grouper(&self, _file: &GroupFile<'_>) -> Option<Box<dyn Grouper>> {
        None
    }

    /// Lines of the format and fields they must give: its documentation by example, which
    /// the test suite runs for every registered format (and detects, unless
    /// [`Detect::Named`]).
    fn examples(&self) -> &'static [Example];
}

/// A line of a format and some of the fields its event must have.
pub struct Example {
    /// Lines the file holds before it (a header, a directive).
    pub before: &'static [&'static str],
    /// The line.
    pub line: &'static str,
    /// Options `parse` needs for it (`--line-format ...`).
    pub args: &'static [&'static str],
    /// Dotted paths and their values, as text (numbers as written).
    pub fields: &'static [(&'static str, &'static str)],
}

/// What one line became.
#[derive(Debug)]
pub enum Parsed {
    /// The fields are in the event; the stage adds the common ones. The event's dataset.
    Event(&'static str),
    /// A whole event as a JSON tree, written as it is (JSON pass-through).
    Tree(serde_json::Value),
    /// Several whole events from one line, in order (a line of XML holding several
    /// Windows events, say).
    Trees(Vec<serde_json::Value>),
    /// A line that carries no event by design (a header row, a directive).
    Skip,
    /// One line of an event that spans lines (an audit record): handed, in input order, to
    /// the file's [`Grouper`], which writes the event when its group is complete.
    Part(Box<dyn Any + Send>),
}

/// Merges the parts of one file's multi-line events in input order (the parse stage's
/// ordered pass). Memory must stay bounded: a group that grows too large or stays open too
/// long is written as it is.
pub trait Grouper: Send {
    /// Takes one part; writes the events it completes (NDJSON records, each ending in a
    /// newline) to `out` and returns how many.
    fn add(&mut self, part: Box<dyn Any + Send>, out: &mut Vec<u8>) -> u64;
    /// The end of the file: writes the events still open and returns how many.
    fn finish(&mut self, out: &mut Vec<u8>) -> u64;
    /// A line that is no part came next (in a syslog file, after forwarded audit records):
    /// writes the events it completes.
    fn tick(&mut self, out: &mut Vec<u8>) -> u64 {
        self.finish(out)
    }
}

/// What [`Format::grouper`] knows of the file.
pub struct GroupFile<'a> {
    /// Its path for `log.file.path` (`None` for stdin).
    pub path: Option<&'a str>,
    /// What [`Format::open`] found for the file.
    pub state: Option<&'a (dyn Any + Send + Sync)>,
    /// The command's options.
    pub opts: &'a ParseOptions,
}

/// What [`Format::open`] sees of a file.
pub struct OpenFile<'a> {
    /// The input.
    pub source: &'a Source,
    /// Its path for `log.file.path` (`None` for stdin).
    pub path: Option<&'a str>,
    /// Up to its first 64 lines.
    pub head: &'a [String],
    /// The command's options.
    pub opts: &'a ParseOptions,
}

/// The state of a file that depends on its earlier lines, carried from chunk to chunk.
#[derive(Clone, Debug)]
pub struct Seq {
    /// The year of year-less dates (`--year`, else from the file's time), advanced by the
    /// formats that see years roll over.
    pub year: i32,
    /// The month of the last year-less date, to see a year roll over.
    pub prev_month: u32,
    /// The first bytes of the last line that started a message: a continuation line takes
    /// its time from them.
    pub head: Vec<u8>,
    /// The last line a format asked to keep (syslog: the last message, which a later
    /// `last message repeated N times` line repeats).
    pub prev: Vec<u8>,
    /// What else a format carries from line to line (its current header, say).
    pub state: Option<Arc<dyn Any + Send + Sync>>,
}

/// One line as a format parses it, with what it may need around it.
pub struct Line<'a, 'p> {
    /// The line (without its line ending).
    pub text: &'a str,
    /// Its number in the file, from 1.
    pub number: u64,
    /// It was not valid UTF-8 and was decoded lossily.
    pub lossy: bool,
    /// The file's state after this line.
    pub seq: &'p Seq,
    /// What [`Format::open`] found for the file.
    pub file: Option<&'p (dyn Any + Send + Sync)>,
    /// The command's options (`--tz`, `--line-format`, `--map`, ...).
    pub opts: &'p ParseOptions,
    /// The file's format.
    pub format: &'p dyn Format,
}

impl Line<'_, '_> {
    /// The zone of times written without one (`--tz`).
    pub fn zone(&self) -> &Zone {
        &self.opts.tz
    }

    /// The file's state of type `T`, as [`Format::open`] made it.
    pub fn file<T: 'static>(&self) -> Option<&T> {
        self.file.and_then(|f| f.downcast_ref())
    }

    /// The carried state of type `T`, as [`Format::advance`] left it.
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.seq.state.as_deref().and_then(|s| s.downcast_ref())
    }
}

/// Picks the format of a file from its first lines: the first format recognized by its
/// first line, else the one most of the lines look like (ties go to the earlier format),
/// else one whose header row the first line is, else the best match, else the fallback.
pub fn detect(head: &[String]) -> &'static dyn Format {
    let lines: Vec<&str> = head.iter().map(|s| s.as_str()).filter(|l| !l.trim().is_empty()).take(32).collect();
    // ausearch output opens with its event separator; the record after it decides.
    let from = match lines.as_slice() {
        [sep, _, ..] if sep.trim_end() == "----" => &lines[1..],
        _ => &lines[..],
    };
    let Some(first) = from.first() else { return fallback() };
    let with = |how: Detect| REGISTRY.iter().copied().filter(move |f| f.detect() == how);
    if let Some(f) = with(Detect::FirstLine).find(|f| f.sniff_head(from)) {
        return f;
    }
    let mut best: Option<(&'static dyn Format, usize)> = None;
    for f in with(Detect::Lines) {
        let n = lines.iter().filter(|l| f.sniff(l)).count();
        if n > best.map_or(0, |(_, b)| b) {
            best = Some((f, n));
        }
    }
    if let Some((f, n)) = best {
        if n * 2 >= lines.len() {
            return f;
        }
    }
    if let Some(f) = with(Detect::Header).find(|f| f.sniff(first)) {
        return f;
    }
    best.map_or_else(fallback, |(f, _)| f)
}
