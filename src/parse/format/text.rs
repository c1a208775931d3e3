//! Lines of no known shape: the text as the message, and the time when one is found near
//! the start of the line (see [`crate::parse::stamp`]: ISO, epoch columns,
//! `20171223-22:15:29:606`, `[10.30 16:49:06]`, ctime, log4j, ...). Other formats use
//! [`text_event`] for the lines of their files that they do not recognize.

use super::{Example, Format, Line, OpenFile, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::Reason;
use crate::parse::stamp::{self, FileTimes};
use crate::time::{self, Zone};
use std::any::Any;
use std::borrow::Cow;

/// The dataset of lines no format recognized.
pub const DATASET: &str = "logward.text";

/// The tag of a line kept as plain text inside a file of another format (a line that is not
/// syslog in a syslog file).
pub const NOT_PARSED: &str = "not_parsed";

/// The fallback format.
pub struct Text;

impl Format for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn about(&self) -> &'static str {
        "Unknown text: message, plus the time when one is found near the start of the line"
    }

    /// Plain text continues a message with indented lines; in a file whose lines start
    /// with a time, a line without one (a Java stack trace's) continues the one before.
    fn starts_message(&self, file: Option<&(dyn Any + Send + Sync)>, raw: &[u8]) -> bool {
        match file.and_then(|f| f.downcast_ref::<FileTimes>()) {
            Some(t) => t.starts(&String::from_utf8_lossy(raw)),
            None => indented_continues(raw),
        }
    }

    /// Where the file's lines keep their time, from its first lines.
    fn open(&self, file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        let head: Vec<&str> = file
            .head
            .iter()
            .map(|l| l.as_str())
            .filter(|l| !l.trim().is_empty() && indented_continues(l.as_bytes()))
            .take(32)
            .collect();
        stamp::learn(&head, &file.opts.tz).map(|t| Box::new(t) as Box<dyn Any + Send + Sync>)
    }

    fn describe(&self, file: Option<&(dyn Any + Send + Sync)>) -> Option<String> {
        file.and_then(|f| f.downcast_ref::<FileTimes>()).map(|t| t.describe())
    }

    fn needs_year(&self, file: Option<&(dyn Any + Send + Sync)>, _head: &[String]) -> bool {
        file.and_then(|f| f.downcast_ref::<FileTimes>()).is_some_and(|t| t.layout.yearless())
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        Ok(Parsed::Event(text_event(line, ev, DATASET)))
    }

    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                before: &[],
                line: "2023-03-01 10:00:00,123 worker started with 4 threads",
                args: &[],
                fields: &[
                    ("@timestamp", "2023-03-01T10:00:00.123Z"),
                    ("message", "2023-03-01 10:00:00,123 worker started with 4 threads"),
                    ("event.dataset", "logward.text"),
                ],
            },
            Example {
                before: &[],
                line: "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
                args: &[],
                fields: &[("@timestamp", "2017-12-23T22:15:29.606Z"), ("event.dataset", "logward.text")],
            },
            Example {
                before: &[],
                line: "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server",
                args: &[],
                fields: &[("@timestamp", "2017-05-16T00:00:00.008Z")],
            },
            Example {
                before: &[],
                line: "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
                args: &["--year", "2016"],
                fields: &[("@timestamp", "2016-10-30T16:49:06Z")],
            },
        ]
    }
}

/// `starts_message` for formats whose continuation lines are indented (syslog, plain text).
pub fn indented_continues(raw: &[u8]) -> bool {
    raw.first().is_some_and(|&b| b != b' ' && b != b'\t')
}

/// A line of no known shape: its text as the message, and the time found near its start
/// (in the layout the file's first lines use, when the format learned one). A line that
/// continues the message before it (see [`Format::starts_message`]) gets that line's time
/// and the tag `continuation`.
pub fn text_event<'a>(line: &Line<'a, '_>, ev: &mut FlatEvent<'a>, dataset: &'static str) -> &'static str {
    let text = line.text;
    let (zone, year) = (line.zone(), line.seq.year);
    let learned = line.file::<FileTimes>();
    let continues = !line.format.starts_message(line.file, text.as_bytes());
    let trimmed = text.trim_start_matches(['[', ' ', '\t']);
    if let Some(ts) = line_time(text, learned, zone, year) {
        ev.set("@timestamp", Val::Time(ts));
    } else if time::iso_shape(trimmed.as_bytes()).is_some() || time::parse_bsd(trimmed.as_bytes()).is_some() {
        // Laid out as a time, but no real instant (Feb 30, +99:99, a year past 9999).
        ev.push_unique("tags", Cow::Borrowed(time::INVALID_TIMESTAMP));
    } else if continues && !line.seq.head.is_empty() {
        let head = String::from_utf8_lossy(&line.seq.head);
        let head = match head.strip_prefix('<') {
            Some(pri) => pri.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches('>'),
            None => &head,
        };
        if let Some(ts) = line_time(head, learned, zone, year) {
            ev.set("@timestamp", Val::Time(ts));
        }
        ev.push_unique("tags", Cow::Borrowed("continuation"));
    }
    ev.set("message", text.trim_start_matches([' ', '\t']));
    dataset
}

/// The time of a line: where the file's first lines keep theirs, else a leading one, else
/// any found near the start.
fn line_time(s: &str, learned: Option<&FileTimes>, zone: &Zone, year: i32) -> Option<time::Timestamp> {
    if let Some(t) = learned {
        return t.find(s, zone, year).map(|f| f.ts);
    }
    stamp::find(s, zone, year).map(|f| f.ts)
}
