//! `--format evtx`: Windows event log records as the `evtx` crate renders them as JSON.
//!
//! That is every record of an `.evtx` file (the I/O layer recognizes the file by its first
//! bytes and gives the format one rendered record per line, see `io::evtx`), and the output
//! of `evtx_dump -o jsonl` (one record a line) or `-o json` (pretty-printed records, each
//! after a `Record N` line; also one pretty-printed record a file, as SigmaHQ's regression
//! data holds them). Both spellings of attributes are read: `"#attributes": {...}` and, with
//! `--separate-json-attributes`, `"Name_attributes": {...}`.

use super::json::{self, Leaf, Sink, Txt};
use super::{ecs, guid, Data, Text, WinEvent};
use crate::event::FlatEvent;
use crate::io::{Reason, RejectKind};
use crate::parse::format::{Detect, Example, Format, Line, OpenFile, Parsed, Seq};
use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

/// EVTX records as JSON.
pub struct Evtx;

/// The path for `log.file.path` of records that span lines (written as trees).
struct FilePath(Option<String>);

/// A record being read over several lines (pretty-printed JSON).
#[derive(Clone, Default)]
struct Pending {
    /// Open braces and brackets of the record so far (0: between records).
    depth: u32,
    in_string: bool,
    escape: bool,
    /// The record's lines so far.
    text: String,
    /// The whole record, when this line ended it.
    done: Option<Arc<str>>,
}

impl Format for Evtx {
    fn name(&self) -> &'static str {
        "evtx"
    }

    fn about(&self) -> &'static str {
        "Windows event logs: .evtx files (recognized by their first bytes) and evtx_dump -o json/jsonl output"
    }

    fn detect(&self) -> Detect {
        Detect::FirstLine
    }

    fn sniff(&self, line: &str) -> bool {
        let t = line.trim_start();
        let key = |r: &str| r.starts_with("\"Event\"") || r.starts_with("\"Event_attributes\"");
        t.strip_prefix('{').is_some_and(|r| key(r.trim_start()))
    }

    fn sniff_head(&self, lines: &[&str]) -> bool {
        // evtx_dump -o json writes `Record N` before each record.
        let lines = match lines {
            [first, rest @ ..] if banner(first.trim()) => rest,
            _ => lines,
        };
        match lines {
            [] => false,
            [first, rest @ ..] => {
                self.sniff(first)
                    || (first.trim() == "{" && rest.first().is_some_and(|l| l.trim_start().starts_with("\"Event")))
            }
        }
    }

    fn open(&self, file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(FilePath(file.path.map(str::to_string))))
    }

    fn advance(&self, seq: &mut Seq, raw: &[u8]) {
        let busy = seq
            .state
            .as_deref()
            .and_then(|s| s.downcast_ref::<Pending>())
            .is_some_and(|p| p.depth > 0 || p.done.is_some());
        if !busy && raw.trim_ascii() != b"{" {
            return;
        }
        let p = pending_mut(seq);
        p.done = None;
        if p.depth == 0 {
            p.text.clear();
            p.in_string = false;
            p.escape = false;
        }
        let line = String::from_utf8_lossy(raw);
        for (i, c) in line.bytes().enumerate() {
            if p.in_string {
                match c {
                    _ if p.escape => p.escape = false,
                    b'\\' => p.escape = true,
                    b'"' => p.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => p.in_string = true,
                b'{' | b'[' => p.depth += 1,
                b'}' | b']' if p.depth > 0 => {
                    p.depth -= 1;
                    if p.depth == 0 {
                        p.text.push_str(&line[..=i]);
                        p.done = Some(Arc::from(std::mem::take(&mut p.text)));
                        return;
                    }
                }
                _ => {}
            }
        }
        p.text.push_str(&line);
        p.text.push('\n');
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        if let Some(p) = line.state::<Pending>() {
            if let Some(done) = &p.done {
                let w = read(done)?;
                let mut tree_ev = FlatEvent::new();
                let dataset = ecs::map(&w, &mut tree_ev);
                let path = line.file::<FilePath>().and_then(|p| p.0.as_deref());
                return Ok(Parsed::Tree(super::tree(tree_ev, dataset, path)));
            }
            if p.depth > 0 {
                return Ok(Parsed::Skip);
            }
        }
        let t = line.text.trim();
        if t.starts_with('{') {
            let w = read(line.text)?;
            return Ok(Parsed::Event(ecs::map(&w, ev)));
        }
        if banner(t) || matches!(t, "[" | "]" | ",") {
            return Ok(Parsed::Skip);
        }
        Err(Reason::new(
            RejectKind::FormatMismatch,
            "not a Windows event record as JSON (evtx_dump -o json or -o jsonl output)",
        ))
    }

    fn original(&self) -> bool {
        false
    }

    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"54849625-5478-4994-A5BA-3E3B0328C30D"}},"EventID":4625,"Version":0,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8010000000000000","TimeCreated":{"#attributes":{"SystemTime":"2024-03-01T08:15:02.123456Z"}},"EventRecordID":5501,"Correlation":null,"Execution":{"#attributes":{"ProcessID":636,"ThreadID":712}},"Channel":"Security","Computer":"DC01.corp.example","Security":null},"EventData":{"SubjectUserSid":"S-1-0-0","SubjectUserName":"-","TargetUserName":"alice@corp.example","TargetDomainName":"CORP","Status":"0xc000006d","SubStatus":"0xc000006a","LogonType":3,"WorkstationName":"KALI","IpAddress":"::ffff:203.0.113.7","IpPort":"51234","ProcessId":"0x0","ProcessName":"-"}}}"##,
            args: &[],
            fields: &[
                ("@timestamp", "2024-03-01T08:15:02.123456Z"),
                ("event.code", "4625"),
                ("event.action", "logon-failed"),
                ("event.outcome", "failure"),
                ("event.dataset", "system.security"),
                ("host.name", "DC01.corp.example"),
                ("winlog.channel", "Security"),
                ("winlog.event_id", "4625"),
                ("winlog.record_id", "5501"),
                ("winlog.provider_guid", "{54849625-5478-4994-a5ba-3e3b0328c30d}"),
                ("winlog.logon.type", "Network"),
                ("winlog.event_data.LogonType", "3"),
                ("winlog.event_data.IpAddress", "::ffff:203.0.113.7"),
                ("user.name", "alice"),
                ("user.domain", "CORP"),
                ("source.ip", "203.0.113.7"),
                ("source.port", "51234"),
                ("source.domain", "KALI"),
            ],
        }]
    }
}

/// `Record 12` (evtx_dump's line before each record in its `json` and `xml` output).
pub fn banner(t: &str) -> bool {
    t.strip_prefix("Record ").is_some_and(|n| {
        let n = n.strip_suffix(" (recovered)").unwrap_or(n);
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

fn pending_mut(seq: &mut Seq) -> &mut Pending {
    let shared = seq.state.as_mut().is_none_or(|s| Arc::get_mut(s).and_then(|a| a.downcast_mut::<Pending>()).is_none());
    if shared {
        let copy = seq.state.as_deref().and_then(|s| s.downcast_ref::<Pending>()).cloned().unwrap_or_default();
        seq.state = Some(Arc::new(copy));
    }
    let state = seq.state.as_mut().expect("set above");
    Arc::get_mut(state).and_then(|a| a.downcast_mut::<Pending>()).expect("not shared")
}

/// Reads one record's JSON.
pub fn read(text: &str) -> Result<WinEvent<'_>, Reason> {
    let mut b = Builder { w: WinEvent::default(), params: 0, event: false };
    json::walk(text, &mut b).map_err(|e| Reason::new(RejectKind::InvalidJson, e))?;
    if !b.event {
        return Err(Reason::new(
            RejectKind::FormatMismatch,
            "JSON without an \"Event\" object: not a Windows event record",
        ));
    }
    Ok(b.w)
}

struct Builder<'a> {
    w: WinEvent<'a>,
    /// Unnamed Data values so far.
    params: usize,
    event: bool,
}

/// The text of a scalar: numbers and booleans as written, `null` (an empty element) as "".
/// Line ends are `\n`, as in the XML Windows renders (where XML parsing turns `\r\n` into
/// `\n`), so values read from EVTX and from XML exports are the same.
fn text(v: Leaf<'_>) -> Option<Text<'_>> {
    match v {
        Leaf::Str(t) if !t.escaped && guid(t.raw).is_some() => guid(t.raw).map(Text::Guid),
        Leaf::Str(t) if t.escaped && t.raw.contains("\\r") => Some(Text::Plain(Cow::Owned(lf(&t.text())))),
        Leaf::Str(t) => Some(Text::Json(t)),
        Leaf::Lit(l) => Some(Text::Lit(l)),
        Leaf::Null | Leaf::Empty => Some(Text::Plain(Cow::Borrowed(""))),
    }
}

/// `\r\n` and lone `\r` as `\n`.
fn lf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn cow<'a>(v: Leaf<'a>) -> Option<Cow<'a, str>> {
    match v {
        Leaf::Str(t) if t.escaped && t.raw.contains("\\r") => Some(Cow::Owned(lf(&t.text()))),
        Leaf::Str(t) if !t.escaped && guid(t.raw).is_some() => guid(t.raw).map(|g| Text::Guid(g).get()),
        Leaf::Str(t) => Some(t.text()),
        Leaf::Lit(l) => Some(Cow::Borrowed(l)),
        Leaf::Null | Leaf::Empty => None,
    }
}

fn number(v: Leaf<'_>) -> Option<i64> {
    match v {
        Leaf::Lit(l) => l.parse().ok(),
        Leaf::Str(t) => t.raw.trim().parse().ok(),
        _ => None,
    }
}

/// An element's name and, for an attribute, the attribute's: `["Provider", "#attributes",
/// "Name"]`, `["Provider_attributes", "Name"]`, `["EventID", "#text"]`, `["EventID"]`.
fn element<'a>(path: &[Txt<'a>]) -> Option<(&'a str, Option<&'a str>)> {
    match path {
        [e] => Some(match e.raw.strip_suffix("_attributes") {
            Some(_) => return None,
            None => (e.raw, None),
        }),
        [e, t] if t.raw == "#text" => Some((e.raw, None)),
        [e, a] => e.raw.strip_suffix("_attributes").map(|e| (e, Some(a.raw))),
        [e, h, a] if h.raw == "#attributes" => Some((e.raw, Some(a.raw))),
        _ => None,
    }
}

impl<'a> Sink<'a> for Builder<'a> {
    fn leaf(&mut self, path: &[Txt<'a>], in_array: bool, v: Leaf<'a>) {
        let Some((top, rest)) = path.split_first() else { return };
        if !top.is("Event") {
            return;
        }
        self.event = true;
        let Some((section, rest)) = rest.split_first() else { return };
        match section.raw {
            "System" => self.system(rest, v),
            "EventData" => self.event_data(rest, in_array, v),
            "UserData" => self.user_data(rest, in_array, v),
            "RenderingInfo" => self.rendering(rest, v),
            "#attributes"
            | "Event_attributes"
            | "System_attributes"
            | "EventData_attributes"
            | "UserData_attributes" => {}
            other => {
                let mut key = other.to_string();
                for p in rest.iter().filter(|p| p.raw != "#attributes" && p.raw != "#text") {
                    key.push('.');
                    key.push_str(&p.text());
                }
                if let Some(t) = text(v) {
                    self.w.other.push((key, Data::One(t)));
                }
            }
        }
    }
}

impl<'a> Builder<'a> {
    fn system(&mut self, path: &[Txt<'a>], v: Leaf<'a>) {
        let Some((elem, attr)) = element(path) else { return };
        let w = &mut self.w;
        match (elem, attr) {
            ("Provider", Some("Name")) => w.provider = cow(v),
            ("Provider", Some("Guid")) => w.provider_guid = cow(v),
            ("Provider", Some("EventSourceName")) => w.event_source = cow(v),
            ("EventID", None) => w.event_id = cow(v),
            ("EventID", Some("Qualifiers")) => w.qualifiers = cow(v),
            ("Version", None) => w.version = number(v),
            ("Level", None) => w.level = number(v),
            ("Task", None) => w.task = number(v),
            ("Opcode", None) => w.opcode = number(v),
            ("Keywords", None) => w.keywords = cow(v),
            ("TimeCreated", Some("SystemTime")) => w.time = cow(v),
            ("EventRecordID", None) => w.record_id = cow(v),
            ("Correlation", Some("ActivityID")) => w.activity_id = cow(v),
            ("Correlation", Some("RelatedActivityID")) => w.related_activity_id = cow(v),
            ("Execution", Some("ProcessID")) => w.pid = number(v),
            ("Execution", Some("ThreadID")) => w.tid = number(v),
            ("Channel", None) => w.channel = cow(v),
            ("Computer", None) => w.computer = cow(v),
            ("Security", Some("UserID")) => w.user_sid = cow(v),
            _ => {}
        }
    }

    fn event_data(&mut self, path: &[Txt<'a>], in_array: bool, v: Leaf<'a>) {
        let (name, is_text) = match path {
            [] => return,
            [n] => (n, true),
            [n, t] if t.raw == "#text" => (n, true),
            [_, a, ..] if a.raw == "#attributes" => return,
            [n, ..] => (n, false),
        };
        if name.raw.ends_with("_attributes") || name.raw == "#attributes" || !is_text {
            return;
        }
        let Some(t) = text(v) else { return };
        if name.raw == "Data" {
            // Values without a name: param1, param2, ... as Winlogbeat numbers them.
            self.params += 1;
            let key = Text::Plain(Cow::Owned(format!("param{}", self.params)));
            self.w.data.push((key, Data::One(t)));
            return;
        }
        let key = Text::Json(*name);
        if in_array {
            if let Some((k, Data::List(items))) = self.w.data.last_mut() {
                if *k == key {
                    items.push(t);
                    return;
                }
            }
            self.w.data.push((key, Data::List(vec![t])));
        } else {
            self.w.data.push((key, Data::One(t)));
        }
    }

    /// UserData: the values under its one element, by their paths; attributes of the
    /// elements under it are values too (`Service.name`), namespaces are not.
    fn user_data(&mut self, path: &[Txt<'a>], in_array: bool, v: Leaf<'a>) {
        let mut parts: Vec<Cow<'a, str>> = Vec::with_capacity(path.len());
        let mut attribute = false;
        for seg in path {
            match seg.raw {
                "#text" => {}
                "#attributes" => attribute = true,
                raw => match raw.strip_suffix("_attributes").filter(|_| !attribute) {
                    Some(element) => {
                        parts.push(Cow::Borrowed(element));
                        attribute = true;
                    }
                    None => {
                        if attribute && raw.starts_with("xmlns") {
                            parts.clear();
                            break;
                        }
                        parts.push(seg.text());
                    }
                },
            }
        }
        let Some(wrapper) = path.first() else { return };
        if self.w.user_data_name.is_none() && wrapper.raw != "#attributes" {
            let name = wrapper.raw.strip_suffix("_attributes").unwrap_or(wrapper.raw);
            self.w.user_data_name = Some(Cow::Borrowed(name));
        }
        if parts.len() < 2 {
            return;
        }
        let key: Cow<'a, str> = if parts.len() == 2 { parts[1].clone() } else { Cow::Owned(parts[1..].join(".")) };
        let Some(t) = text(v) else { return };
        if in_array {
            if let Some((k, Data::List(items))) = self.w.user_data.last_mut() {
                if *k == key {
                    items.push(t);
                    return;
                }
            }
            self.w.user_data.push((key, Data::List(vec![t])));
        } else {
            self.w.user_data.push((key, Data::One(t)));
        }
    }

    fn rendering(&mut self, path: &[Txt<'a>], v: Leaf<'a>) {
        let r = &mut self.w.rendering;
        let names: Vec<&str> = path.iter().map(|p| p.raw).filter(|p| *p != "#text").collect();
        match names.as_slice() {
            ["Message"] => r.message = cow(v),
            ["Level"] => r.level = cow(v),
            ["Task"] => r.task = cow(v),
            ["Opcode"] => r.opcode = cow(v),
            ["Keywords", "Keyword"] => r.keywords.extend(cow(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_system_event_data_and_user_data() {
        let w = read(r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"EventLog"}},"EventID":{"#attributes":{"Qualifiers":32768},"#text":6009},"Level":4,"TimeCreated":{"#attributes":{"SystemTime":"2017-07-12T17:16:28.2141616Z"}},"EventRecordID":1,"Channel":"System","Computer":"W","Security":null},"EventData":{"Data":{"#text":["10.00.","15063",""]},"Binary":"E107"}}}"##).unwrap();
        assert_eq!(w.provider.as_deref(), Some("EventLog"));
        assert_eq!(w.event_id.as_deref(), Some("6009"));
        assert_eq!(w.qualifiers.as_deref(), Some("32768"));
        assert_eq!(w.level, Some(4));
        assert_eq!(w.data("param1").as_deref(), Some("10.00."));
        assert_eq!(w.data("param3").as_deref(), Some(""));
        assert_eq!(w.data("Binary").as_deref(), Some("E107"));
        let w = read(r##"{"Event":{"System_attributes":{},"System":{"Provider_attributes":{"Name":"Microsoft-Windows-Eventlog","Guid":"FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148"},"EventID":1102,"Channel":"Security"},"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"x"},"SubjectUserSid":"S-1-5-21-1","SubjectUserName":"admin"}}}}"##).unwrap();
        assert_eq!(w.provider_guid.as_deref(), Some("{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"));
        assert_eq!(w.user_data_name.as_deref(), Some("LogFileCleared"));
        assert_eq!(w.user_value("SubjectUserName").as_deref(), Some("admin"));
        assert!(read(r#"{"a":1}"#).is_err());
    }

    #[test]
    fn banners() {
        assert!(banner("Record 12"));
        assert!(banner("Record 3 (recovered)"));
        assert!(!banner("Record x"));
    }
}
