//! JSON lines: ECS events (nested or with dotted keys) pass through, normalized to nested
//! form, with `@timestamp` rewritten to RFC 3339 UTC when it is parseable.

use crate::event;
use crate::time::{self, Zone};
use serde_json::Value;

pub fn parse(line: &str, zone: &Zone, path: Option<&str>, out: &mut Vec<u8>) -> Result<(), String> {
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
    serde_json::to_writer(&mut *out, &ev).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(())
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
