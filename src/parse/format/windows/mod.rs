//! Windows event logs: the same event, whichever way it was exported, becomes the same ECS
//! event, with the field names Winlogbeat 8 and Elastic Agent write.
//!
//! - [`evtx::Evtx`] (`--format evtx`): the records of `.evtx` files (the I/O layer renders
//!   each as JSON, see `io::evtx`) and `evtx_dump -o json` / `-o jsonl` output, which is the
//!   same JSON.
//! - [`xml::WindowsXml`] (`--format windows-xml`): `<Event>` XML as `wevtutil qe /f:xml`,
//!   `Get-WinEvent | ForEach-Object { $_.ToXml() }` and Event Viewer write it.
//! - Winlogbeat and Elastic Agent NDJSON is already ECS and passes through `--format json`.
//!
//! Both readers fill one [`WinEvent`] (the System values, EventData, UserData and
//! RenderingInfo of the `<Event>`), and [`ecs::map`] turns it into ECS: `winlog.*` as
//! Winlogbeat names it (every EventData value under its own name in
//! `winlog.event_data`), and the mapped ECS fields of the Security, Sysmon and PowerShell
//! events analysts use (see [`security`], [`sysmon`], [`powershell`]).

pub mod cmdline;
pub mod ecs;
pub mod evtx;
pub mod json;
pub mod powershell;
pub mod security;
pub mod sysmon;
pub mod xml;

use json::Txt;
use std::borrow::Cow;

/// A text value of EventData or UserData, as the reader found it: copied to the output as
/// it is written, decoded only when an ECS field needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Text<'s> {
    /// A JSON string's body (`evtx` records), escapes kept.
    Json(Txt<'s>),
    /// A JSON number or `true`/`false`: Windows renders these as their text.
    Lit(&'s str),
    /// A GUID (`8-4-4-4-12` hex digits, without its braces): written `{in lower case}`, the
    /// way the `evtx` crate renders GUID values, whatever case or braces the export used.
    Guid(&'s str),
    /// Decoded text (XML).
    Plain(Cow<'s, str>),
}

impl<'s> Text<'s> {
    /// The text, decoded.
    pub fn get(&self) -> Cow<'s, str> {
        match self {
            Text::Json(t) => t.text(),
            Text::Lit(l) => Cow::Borrowed(l),
            Text::Guid(g) => Cow::Owned(format!("{{{}}}", g.to_ascii_lowercase())),
            Text::Plain(p) => p.clone(),
        }
    }

    /// Whether the decoded text is `s`.
    pub fn is(&self, s: &str) -> bool {
        match self {
            Text::Json(t) => t.is(s),
            Text::Lit(l) => *l == s,
            Text::Guid(g) => guid(s).is_some_and(|x| x.eq_ignore_ascii_case(g)),
            Text::Plain(p) => p == s,
        }
    }

    /// Writes the text as a JSON string.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Text::Json(t) => {
                out.push(b'"');
                out.extend_from_slice(t.raw.as_bytes());
                out.push(b'"');
            }
            Text::Lit(l) => {
                out.push(b'"');
                out.extend_from_slice(l.as_bytes());
                out.push(b'"');
            }
            Text::Guid(g) => {
                out.extend_from_slice(b"\"{");
                out.extend(g.bytes().map(|b| b.to_ascii_lowercase()));
                out.extend_from_slice(b"}\"");
            }
            Text::Plain(p) => crate::event::write_str(p, out),
        }
    }
}

/// A value of EventData or UserData: text, or a list (a multi-string value).
#[derive(Debug, Clone, PartialEq)]
pub enum Data<'s> {
    /// One value, as Windows renders it (numbers as decimal text).
    One(Text<'s>),
    /// Several values.
    List(Vec<Text<'s>>),
}

impl<'s> Data<'s> {
    /// Writes the value as JSON: a string, or an array of strings.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Data::One(t) => t.write_json(out),
            Data::List(items) => {
                out.push(b'[');
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    t.write_json(out);
                }
                out.push(b']');
            }
        }
    }
}

/// What RenderingInfo holds (events forwarded or exported with their messages).
#[derive(Debug, Default, Clone)]
pub struct Rendering<'s> {
    pub message: Option<Cow<'s, str>>,
    pub level: Option<Cow<'s, str>>,
    pub task: Option<Cow<'s, str>>,
    pub opcode: Option<Cow<'s, str>>,
    pub keywords: Vec<Cow<'s, str>>,
}

/// One Windows event, as its `<Event>` element holds it.
#[derive(Debug, Default, Clone)]
pub struct WinEvent<'s> {
    pub provider: Option<Cow<'s, str>>,
    pub provider_guid: Option<Cow<'s, str>>,
    pub event_source: Option<Cow<'s, str>>,
    pub event_id: Option<Cow<'s, str>>,
    pub qualifiers: Option<Cow<'s, str>>,
    pub version: Option<i64>,
    pub level: Option<i64>,
    pub task: Option<i64>,
    pub opcode: Option<i64>,
    pub keywords: Option<Cow<'s, str>>,
    /// TimeCreated's SystemTime, as written.
    pub time: Option<Cow<'s, str>>,
    pub record_id: Option<Cow<'s, str>>,
    pub activity_id: Option<Cow<'s, str>>,
    pub related_activity_id: Option<Cow<'s, str>>,
    pub pid: Option<i64>,
    pub tid: Option<i64>,
    pub channel: Option<Cow<'s, str>>,
    pub computer: Option<Cow<'s, str>>,
    /// Security's UserID.
    pub user_sid: Option<Cow<'s, str>>,
    /// EventData, in order: named values under their names, unnamed ones as `param1`,
    /// `param2`, ... (as Winlogbeat names them), `Binary` as hex.
    pub data: Vec<(Text<'s>, Data<'s>)>,
    /// The element UserData wraps its values in (`LogFileCleared`, ...).
    pub user_data_name: Option<Cow<'s, str>>,
    /// UserData's values, by their paths under that element (`a.b` for nested elements).
    pub user_data: Vec<(Cow<'s, str>, Data<'s>)>,
    pub rendering: Rendering<'s>,
    /// Other children of `<Event>` (ProcessingErrorData, DebugData, ...), by path.
    pub other: Vec<(String, Data<'s>)>,
}

impl<'s> WinEvent<'s> {
    /// The EventData value `name`, as written (possibly empty or `-`).
    pub fn data(&self, name: &str) -> Option<Cow<'s, str>> {
        self.data.iter().rev().find(|(k, _)| k.is(name)).and_then(|(_, v)| match v {
            Data::One(t) => Some(t.get()),
            Data::List(_) => None,
        })
    }

    /// The EventData value `name`, unless it is empty or `-` (Windows' "no value").
    pub fn value(&self, name: &str) -> Option<Cow<'s, str>> {
        self.data(name).filter(|v| !v.is_empty() && v != "-")
    }

    /// The UserData value `name`, unless it is empty or `-`.
    pub fn user_value(&self, name: &str) -> Option<Cow<'s, str>> {
        self.user_data
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| match v {
                Data::One(t) => Some(t.get()),
                Data::List(_) => None,
            })
            .filter(|v| !v.is_empty() && v != "-")
    }

    /// The event id as a number.
    pub fn id(&self) -> Option<u32> {
        self.event_id.as_deref().and_then(|s| s.trim().parse().ok())
    }

    /// The channel, or "".
    pub fn channel(&self) -> &str {
        self.channel.as_deref().unwrap_or("")
    }
}

/// The digits of a GUID value, `{...}` or bare (old `evtx_dump` versions wrote GUID values
/// without braces, in upper case; newer ones and Windows in braces).
pub fn guid(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(s);
    bare_guid(inner).then_some(inner)
}

/// Whether `s` is `8-4-4-4-12` hex digits.
pub fn bare_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `event.dataset` for a channel: Elastic Agent's names for the logs its integrations
/// read, `winlog.winlog` (its custom Windows event log integration) for others.
pub fn dataset(channel: &str) -> &'static str {
    match channel {
        "Security" => "system.security",
        "System" => "system.system",
        "Application" => "system.application",
        "Microsoft-Windows-Sysmon/Operational" => "windows.sysmon_operational",
        "Microsoft-Windows-PowerShell/Operational" | "PowerShellCore/Operational" => "windows.powershell_operational",
        "Windows PowerShell" => "windows.powershell",
        "ForwardedEvents" => "windows.forwarded",
        _ => "winlog.winlog",
    }
}

/// An event built in a [`FlatEvent`](crate::event::FlatEvent) as a whole tree (for records
/// read from several lines, or several from one), with the fields `parse` gives every
/// event.
pub fn tree(mut ev: crate::event::FlatEvent<'_>, dataset: &'static str, path: Option<&str>) -> serde_json::Value {
    ev.set("event.dataset", dataset);
    if let Some((module, _)) = dataset.split_once('.') {
        ev.set("event.module", module);
    }
    ev.set("event.kind", "event");
    if let Some(p) = path {
        ev.set("log.file.path", p.to_string());
    }
    ev.to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_datasets() {
        assert!(bare_guid("0197231E-61EF-693A-C812-000000000800"));
        assert!(!bare_guid("{0197231E-61EF-693A-C812-000000000800}"));
        assert!(!bare_guid("0197231E-61EF-693A-C812-00000000080G"));
        assert_eq!(dataset("Security"), "system.security");
        assert_eq!(dataset("Microsoft-Windows-Sysmon/Operational"), "windows.sysmon_operational");
        assert_eq!(dataset("Microsoft-Windows-TaskScheduler/Operational"), "winlog.winlog");
    }
}
