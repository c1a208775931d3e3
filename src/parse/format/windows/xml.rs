//! `--format windows-xml`: Windows events as XML, the way `wevtutil qe LOG /f:xml` (or
//! `/f:RenderedXml`, with the messages), `Get-WinEvent | ForEach-Object { $_.ToXml() }` and
//! Event Viewer's "Save as XML" write them: `<Event>` elements, one or several on a line or
//! one spread over several lines, optionally inside `<Events>` after an `<?xml ...?>`
//! declaration.

use super::{ecs, Data, Rendering, Text, WinEvent};
use crate::event::FlatEvent;
use crate::io::{Reason, RejectKind};
use crate::parse::format::{Detect, Example, Format, Line, OpenFile, Parsed, Seq};
use roxmltree::{Document, Node, StringStorage};
use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

/// Windows events as XML.
pub struct WindowsXml;

/// The path for `log.file.path` of events written as trees.
struct FilePath(Option<String>);

/// The text of an `<Event>` that has started but not ended, carried from line to line.
#[derive(Clone, Default)]
struct Carry {
    /// What the event held before this line, when this line ends it.
    before: Option<Arc<str>>,
    /// The unfinished event after this line.
    open: String,
}

impl Format for WindowsXml {
    fn name(&self) -> &'static str {
        "windows-xml"
    }

    fn about(&self) -> &'static str {
        "Windows events as XML (wevtutil qe /f:xml, Get-WinEvent ToXml, Event Viewer's Save as XML)"
    }

    fn detect(&self) -> Detect {
        Detect::FirstLine
    }

    fn sniff(&self, line: &str) -> bool {
        let t = line.trim_start();
        let t = t.strip_prefix("<?xml").map_or(t, |r| r.split_once("?>").map_or("", |(_, rest)| rest.trim_start()));
        let t = t.strip_prefix("<Events>").map_or(t, str::trim_start);
        event_start(t.as_bytes(), 0) == Some(0)
    }

    fn sniff_head(&self, lines: &[&str]) -> bool {
        // evtx_dump's XML output writes `Record N` before each event.
        let lines = match lines {
            [first, rest @ ..] if super::evtx::banner(first.trim()) => rest,
            _ => lines,
        };
        let Some(first) = lines.first() else { return false };
        if self.sniff(first) {
            return true;
        }
        let decl = first.trim_start().starts_with("<?xml");
        decl && lines[1..].iter().take(3).any(|l| self.sniff(l) || l.trim() == "<Events>")
    }

    fn open(&self, file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(FilePath(file.path.map(str::to_string))))
    }

    fn advance(&self, seq: &mut Seq, raw: &[u8]) {
        let carrying = seq
            .state
            .as_deref()
            .and_then(|s| s.downcast_ref::<Carry>())
            .is_some_and(|c| !c.open.is_empty() || c.before.is_some());
        let line = String::from_utf8_lossy(raw);
        let (starts, ends) =
            (memchr::memmem::find(raw, b"<Event").is_some(), memchr::memmem::find(raw, b"</Event>").is_some());
        if !carrying && !starts {
            return;
        }
        // A line whose events all end on it carries nothing (the common one-event line).
        if !carrying && ends && unfinished(&line).is_none() {
            return;
        }
        let c = carry_mut(seq);
        c.before = None;
        let text = if c.open.is_empty() { line.into_owned() } else { format!("{}\n{}", c.open, line) };
        if ends && !c.open.is_empty() && complete_events(&text).next().is_some() {
            c.before = Some(Arc::from(std::mem::take(&mut c.open)));
        }
        c.open = unfinished(&text).map(str::to_string).unwrap_or_default();
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        let carry = line.state::<Carry>();
        let path = line.file::<FilePath>().and_then(|p| p.0.as_deref());
        if let Some(before) = carry.and_then(|c| c.before.as_deref()) {
            let text = format!("{before}\n{}", line.text);
            return trees(complete_events(&text), path);
        }
        let mut events = complete_events(line.text);
        match (events.next(), events.next()) {
            (Some(one), None) => {
                // `one` is part of the line, so values that needed no entity decoding borrow it.
                let doc = parse_xml(one)?;
                let w = read(&doc)?;
                Ok(Parsed::Event(ecs::map(&w, ev)))
            }
            (Some(_), Some(_)) => trees(complete_events(line.text), path),
            (None, _) => {
                let t = line.text.trim();
                let open = carry.is_some_and(|c| !c.open.is_empty());
                let banner = super::evtx::banner(t);
                if open
                    || banner
                    || t.is_empty()
                    || t.starts_with("<?xml")
                    || t.starts_with("<Events")
                    || t.starts_with("</Events")
                {
                    Ok(Parsed::Skip)
                } else {
                    Err(Reason::new(RejectKind::FormatMismatch, "not a Windows <Event> element"))
                }
            }
        }
    }

    fn original(&self) -> bool {
        false
    }

    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2024-02-01T09:14:58.123456700Z'/><EventRecordID>42</EventRecordID><Correlation/><Execution ProcessID='2284' ThreadID='5252'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01.corp.example</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data><Data Name='ProcessGuid'>{94F748D5-4A45-5A42-0000-0010D265F20F}</Data><Data Name='ProcessId'>9112</Data><Data Name='Image'>C:\\Windows\\System32\\whoami.exe</Data><Data Name='CommandLine'>whoami /all</Data><Data Name='User'>CORP\\alice</Data><Data Name='ParentProcessGuid'>{94F748D5-D211-597D-0000-00109BD2C107}</Data><Data Name='ParentProcessId'>8392</Data><Data Name='ParentImage'>C:\\Windows\\System32\\cmd.exe</Data></EventData></Event>",
            args: &[],
            fields: &[
                ("@timestamp", "2024-02-01T09:14:58.1234567Z"),
                ("event.code", "1"),
                ("event.category", "[\"process\"]"),
                ("event.dataset", "windows.sysmon_operational"),
                ("winlog.channel", "Microsoft-Windows-Sysmon/Operational"),
                ("winlog.event_id", "1"),
                ("winlog.record_id", "42"),
                ("process.entity_id", "{94f748d5-4a45-5a42-0000-0010d265f20f}"),
                ("process.pid", "9112"),
                ("process.name", "whoami.exe"),
                ("process.parent.entity_id", "{94f748d5-d211-597d-0000-00109bd2c107}"),
                ("process.parent.name", "cmd.exe"),
                ("user.name", "alice"),
                ("user.domain", "CORP"),
                ("winlog.event_data.User", "CORP\\alice"),
            ],
        }]
    }
}

fn trees<'t>(events: impl Iterator<Item = &'t str>, path: Option<&str>) -> Result<Parsed, Reason> {
    let mut out = Vec::new();
    for e in events {
        let doc = parse_xml(e)?;
        let w = read(&doc)?;
        let mut ev = FlatEvent::new();
        let dataset = ecs::map(&w, &mut ev);
        out.push(super::tree(ev, dataset, path));
    }
    Ok(match out.len() {
        0 => Parsed::Skip,
        1 => Parsed::Tree(out.pop().expect("one")),
        _ => Parsed::Trees(out),
    })
}

fn parse_xml(text: &str) -> Result<Document<'_>, Reason> {
    Document::parse(text).map_err(|e| Reason::new(RejectKind::FormatMismatch, format!("invalid XML: {e}")))
}

/// The offset of the next `<Event` start tag (not `<EventData`, `<EventID`) at or after `from`.
fn event_start(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memchr::memmem::find(&b[at..], b"<Event") {
        let pos = at + i;
        match b.get(pos + 6) {
            Some(b' ' | b'>' | b'/' | b'\t' | b'\r' | b'\n') | None => return Some(pos),
            _ => at = pos + 6,
        }
    }
    None
}

/// The complete `<Event>...</Event>` elements of `text`.
fn complete_events(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = event_start(b, at)?;
        let end = memchr::memmem::find(&b[start..], b"</Event>")? + start + "</Event>".len();
        at = end;
        Some(&text[start..end])
    })
}

/// The text of an `<Event>` that starts in `text` but does not end there.
fn unfinished(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut at = 0;
    loop {
        let start = event_start(b, at)?;
        match memchr::memmem::find(&b[start..], b"</Event>") {
            Some(end) => at = start + end + "</Event>".len(),
            None => return Some(&text[start..]),
        }
    }
}

fn carry_mut(seq: &mut Seq) -> &mut Carry {
    let shared = seq.state.as_mut().is_none_or(|s| Arc::get_mut(s).and_then(|a| a.downcast_mut::<Carry>()).is_none());
    if shared {
        let copy = seq.state.as_deref().and_then(|s| s.downcast_ref::<Carry>()).cloned().unwrap_or_default();
        seq.state = Some(Arc::new(copy));
    }
    let state = seq.state.as_mut().expect("set above");
    Arc::get_mut(state).and_then(|a| a.downcast_mut::<Carry>()).expect("not shared")
}

fn storage<'i>(s: &StringStorage<'i>) -> Cow<'i, str> {
    match s {
        StringStorage::Borrowed(b) => Cow::Borrowed(b),
        StringStorage::Owned(o) => Cow::Owned(o.to_string()),
    }
}

/// An element's text (all of it, entities decoded): borrowed when it is one run of text.
fn text_of<'i>(n: Node<'_, 'i>) -> Cow<'i, str> {
    let mut texts = n.children().filter(|c| c.is_text());
    match (texts.next(), texts.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(t), None) => t.text_storage().map(storage).unwrap_or(Cow::Borrowed("")),
        (Some(t), Some(u)) => {
            let mut s = t.text().unwrap_or("").to_string();
            s.push_str(u.text().unwrap_or(""));
            for more in texts {
                s.push_str(more.text().unwrap_or(""));
            }
            Cow::Owned(s)
        }
    }
}

fn attr<'i>(n: Node<'_, 'i>, name: &str) -> Option<Cow<'i, str>> {
    n.attributes().find(|a| a.name() == name).map(|a| storage(a.value_storage()))
}

/// A value as [`Text`]: a GUID in its canonical form.
fn value(s: Cow<'_, str>) -> Text<'_> {
    match super::guid(&s) {
        Some(g) if s.bytes().any(|b| b.is_ascii_uppercase()) || !s.starts_with('{') => {
            Text::Plain(Cow::Owned(format!("{{{}}}", g.to_ascii_lowercase())))
        }
        _ => Text::Plain(s),
    }
}

/// A System value: a GUID in its canonical form.
fn sys(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    s.map(|s| match value(s) {
        Text::Plain(p) => p,
        other => other.get(),
    })
}

fn opt(s: Cow<'_, str>) -> Option<Cow<'_, str>> {
    Some(s).filter(|s| !s.is_empty())
}

/// Reads one `<Event>` element.
fn read<'i>(doc: &Document<'i>) -> Result<WinEvent<'i>, Reason> {
    let root = doc.root_element();
    if root.tag_name().name() != "Event" {
        return Err(Reason::new(RejectKind::FormatMismatch, "XML that is not a Windows <Event> element"));
    }
    let mut w = WinEvent::default();
    for section in root.children().filter(|c| c.is_element()) {
        match section.tag_name().name() {
            "System" => {
                for e in section.children().filter(|c| c.is_element()) {
                    let number = |s: Cow<'_, str>| s.trim().parse::<i64>().ok();
                    match e.tag_name().name() {
                        "Provider" => {
                            w.provider = attr(e, "Name");
                            w.provider_guid = sys(attr(e, "Guid"));
                            w.event_source = attr(e, "EventSourceName");
                        }
                        "EventID" => {
                            w.event_id = opt(text_of(e));
                            w.qualifiers = attr(e, "Qualifiers").filter(|q| !q.is_empty());
                        }
                        "Version" => w.version = number(text_of(e)),
                        "Level" => w.level = number(text_of(e)),
                        "Task" => w.task = number(text_of(e)),
                        "Opcode" => w.opcode = number(text_of(e)),
                        "Keywords" => w.keywords = opt(text_of(e)),
                        "TimeCreated" => w.time = attr(e, "SystemTime"),
                        "EventRecordID" => w.record_id = opt(text_of(e)),
                        "Correlation" => {
                            w.activity_id = sys(attr(e, "ActivityID"));
                            w.related_activity_id = sys(attr(e, "RelatedActivityID"));
                        }
                        "Execution" => {
                            w.pid = attr(e, "ProcessID").and_then(number);
                            w.tid = attr(e, "ThreadID").and_then(number);
                        }
                        "Channel" => w.channel = opt(text_of(e)),
                        "Computer" => w.computer = opt(text_of(e)),
                        "Security" => w.user_sid = attr(e, "UserID"),
                        _ => {}
                    }
                }
            }
            "EventData" => {
                let mut params = 0;
                for d in section.children().filter(|c| c.is_element()) {
                    let value = Data::One(value(text_of(d)));
                    match (d.tag_name().name(), attr(d, "Name")) {
                        ("Data", Some(name)) if !name.is_empty() => w.data.push((Text::Plain(name), value)),
                        ("Data", _) => {
                            params += 1;
                            w.data.push((Text::Plain(Cow::Owned(format!("param{params}"))), value));
                        }
                        (other, _) => w.data.push((Text::Plain(Cow::Owned(other.to_string())), value)),
                    }
                }
            }
            "UserData" => {
                if let Some(wrapper) = section.children().find(|c| c.is_element()) {
                    w.user_data_name = Some(Cow::Owned(wrapper.tag_name().name().to_string()));
                    attributes(wrapper, "", &mut w.user_data);
                    leaves(wrapper, String::new(), &mut w.user_data);
                }
            }
            "RenderingInfo" => {
                let mut r = Rendering::default();
                for e in section.children().filter(|c| c.is_element()) {
                    match e.tag_name().name() {
                        "Message" => r.message = opt(text_of(e)),
                        "Level" => r.level = opt(text_of(e)),
                        "Task" => r.task = opt(text_of(e)),
                        "Opcode" => r.opcode = opt(text_of(e)),
                        "Keywords" => {
                            r.keywords =
                                e.children().filter(|k| k.is_element()).map(text_of).filter(|k| !k.is_empty()).collect()
                        }
                        _ => {}
                    }
                }
                w.rendering = r;
            }
            other => {
                let mut found = Vec::new();
                leaves(section, String::new(), &mut found);
                for (k, v) in found {
                    let key = if k.is_empty() { other.to_string() } else { format!("{other}.{k}") };
                    w.other.push((key, v));
                }
            }
        }
    }
    Ok(w)
}

/// The text of every element under `n` that holds no element, and the attributes of every
/// element under it, by their paths from `n`.
fn leaves<'i>(n: Node<'_, 'i>, prefix: String, out: &mut Vec<(Cow<'i, str>, Data<'i>)>) {
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        let attrs = attributes(c, &path, out);
        if c.children().any(|g| g.is_element()) {
            leaves(c, path, out);
        } else if attrs == 0 || c.children().any(|t| t.is_text()) {
            out.push((Cow::Owned(path), Data::One(value(text_of(c)))));
        }
    }
}

/// The attributes of `n` (not namespace declarations) as `path.name`; how many.
fn attributes<'i>(n: Node<'_, 'i>, path: &str, out: &mut Vec<(Cow<'i, str>, Data<'i>)>) -> usize {
    let mut count = 0;
    for a in n.attributes().filter(|a| a.namespace().is_none() && !a.name().starts_with("xmlns")) {
        let key = if path.is_empty() { a.name().to_string() } else { format!("{path}.{}", a.name()) };
        out.push((Cow::Owned(key), Data::One(value(storage(a.value_storage())))));
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_events_on_and_across_lines() {
        let line = "<Events><Event a='1'><EventData/></Event><Event><EventID>2</EventID></Event><Event><Sys";
        let all: Vec<&str> = complete_events(line).collect();
        assert_eq!(all, ["<Event a='1'><EventData/></Event>", "<Event><EventID>2</EventID></Event>"]);
        assert_eq!(unfinished(line), Some("<Event><Sys"));
        assert_eq!(event_start(b"<EventData>", 0), None);
    }
}
