//! JSON lines: ECS events (nested or with dotted keys) pass through, normalized to nested
//! form, with `@timestamp` rewritten to RFC 3339 UTC when it is parseable.

use crate::event;
use crate::time::{self, Zone};
use serde_json::Value;

/// Parses and normalizes one JSON line (not yet written).
pub fn parse(line: &str, zone: &Zone, path: Option<&str>) -> Result<Value, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!("JSON value is {}, not an object", kind(&value)));
    }
    let mut ev = event::normalize(value);
    if let Some(ts) = event::get_str(&ev, "@timestamp") {
        if let Some(t) = time::parse_loose(ts, zone, 1970) {
            event::set(&mut ev, "@timestamp", Value::String(t.to_rfc3339()));
        }
    }
    if let Some(p) = path {
        if event::get(&ev, "log.file.path").is_none() {
            event::set(&mut ev, "log.file.path", Value::String(p.to_string()));
        }
    }
    Ok(ev)
}

/// A value no log holds, put where the template goes and cut out after writing.
const MARK: &str = "\u{1}logward-template\u{1}";
const MARK_JSON: &[u8] = b"\"\\u0001logward-template\\u0001\"";

/// Writes the event; with `mark`, sets `logward.template` to a placeholder and returns the
/// output offset where the template object belongs (the placeholder removed).
pub fn write(mut ev: Value, mark: bool, out: &mut Vec<u8>) -> Option<usize> {
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

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
