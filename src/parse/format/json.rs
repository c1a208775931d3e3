//! JSON lines: ECS events (nested or with dotted keys) pass through, normalized to nested
//! form, with `@timestamp` rewritten to RFC 3339 UTC when it is parseable.

use super::{Detect, Example, Format, Line, OpenFile, Parsed};
use crate::event::{self, FlatEvent};
use crate::io::{Reason, RejectKind};
use crate::time::{self, Zone};
use serde_json::Value;
use std::any::Any;

/// JSON lines.
pub struct Json;

/// The path for `log.file.path` of events without one.
struct FilePath(Option<String>);

impl Format for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn about(&self) -> &'static str {
        "JSON lines (ECS events pass through, normalized)"
    }

    fn detect(&self) -> Detect {
        Detect::Lines
    }

    fn sniff(&self, line: &str) -> bool {
        line.trim_start().starts_with('{') && serde_json::from_str::<Value>(line).is_ok()
    }

    fn open(&self, file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(FilePath(file.path.map(str::to_string))))
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, _ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        let path = line.file::<FilePath>().and_then(|p| p.0.as_deref());
        parse(line.text, line.zone(), path).map(Parsed::Tree)
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: r#"{"@timestamp":"2023-05-01T12:00:00+02:00","event.dataset":"system.auth","source.ip":"203.0.113.5","user":{"name":"root"}}"#,
            args: &[],
            fields: &[
                ("@timestamp", "2023-05-01T10:00:00Z"),
                ("event.dataset", "system.auth"),
                ("source.ip", "203.0.113.5"),
                ("user.name", "root"),
            ],
        }]
    }
}

/// Parses and normalizes one JSON line (not yet written).
pub fn parse(line: &str, zone: &Zone, path: Option<&str>) -> Result<Value, Reason> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| Reason::new(RejectKind::InvalidJson, format!("invalid JSON: {e}")))?;
    if !value.is_object() {
        let detail = format!("JSON value is {}, not an object", kind(&value));
        return Err(Reason::new(RejectKind::NotAnObject, detail));
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
