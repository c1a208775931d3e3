//! Lines of no known shape: the text as the message, and a leading timestamp if any. Other
//! formats use [`text_event`] for the lines of their files that they do not recognize.

use super::{Example, Format, Line, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::Reason;
use crate::time::{self, Zone};
use std::borrow::Cow;

/// The fallback format.
pub struct Text;

impl Format for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn about(&self) -> &'static str {
        "Unknown text: message, plus a timestamp when one is recognizable"
    }

    /// Plain text continues a message with indented lines.
    fn starts_message(&self, raw: &[u8]) -> bool {
        indented_continues(raw)
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        Ok(Parsed::Event(text_event(line, ev, "logward.text")))
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: "2023-03-01 10:00:00,123 worker started with 4 threads",
            args: &[],
            fields: &[
                ("@timestamp", "2023-03-01T10:00:00.123Z"),
                ("message", "2023-03-01 10:00:00,123 worker started with 4 threads"),
                ("event.dataset", "logward.text"),
            ],
        }]
    }
}

/// `starts_message` for formats whose continuation lines are indented (syslog, plain text).
pub fn indented_continues(raw: &[u8]) -> bool {
    raw.first().is_some_and(|&b| b != b' ' && b != b'\t')
}

/// A line of no known shape: its text as the message, and a leading timestamp if any. A
/// line that continues the message before it (see [`Format::starts_message`]) gets that
/// line's time and the tag `continuation`.
pub fn text_event<'a>(line: &Line<'a, '_>, ev: &mut FlatEvent<'a>, dataset: &'static str) -> &'static str {
    let text = line.text;
    let (zone, year) = (line.zone(), line.seq.year);
    let trimmed = text.trim_start_matches(['[', ' ', '\t']);
    if let Some(ts) = leading_timestamp(trimmed, zone, year) {
        ev.set("@timestamp", Val::Time(ts));
    } else if time::iso_shape(trimmed.as_bytes()).is_some() || time::parse_bsd(trimmed.as_bytes()).is_some() {
        // Laid out as a time, but no real instant (Feb 30, +99:99, a year past 9999).
        ev.push_unique("tags", Cow::Borrowed(time::INVALID_TIMESTAMP));
    } else if !line.format.starts_message(text.as_bytes()) && !line.seq.head.is_empty() {
        let head = String::from_utf8_lossy(&line.seq.head);
        let head = match head.strip_prefix('<') {
            Some(pri) => pri.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches('>'),
            None => &head,
        };
        let head = head.trim_start_matches('[');
        if let Some(ts) = leading_timestamp(head, zone, year) {
            ev.set("@timestamp", Val::Time(ts));
        }
        ev.push_unique("tags", Cow::Borrowed("continuation"));
    }
    ev.set("message", text.trim_start_matches([' ', '\t']));
    dataset
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
