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

    /// A valid event by the event layer's one definition ([`crate::event::scan`]).
    fn sniff(&self, line: &str) -> bool {
        line.trim_start().starts_with('{') && event::scan::validate(line).is_ok()
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

/// Parses and normalizes one JSON line (not yet written): a valid event as every stage
/// defines it ([`crate::event::scan`]), numbers kept as written, no value lost to a
/// collision of dotted and nested keys ([`event::normalize`]). An `@timestamp` that is no
/// time is kept as written and the event tagged `invalid_timestamp`.
pub fn parse(line: &str, zone: &Zone, path: Option<&str>) -> Result<Value, Reason> {
    let value = event::tree::parse_value(line).map_err(|r| match r.kind {
        RejectKind::NotAnObject => {
            let what = serde_json::from_str::<Value>(line).map(|v| kind(&v)).unwrap_or("not JSON");
            Reason::new(RejectKind::NotAnObject, format!("JSON value is {what}, not an object"))
        }
        _ => r,
    })?;
    let mut ev = event::normalize(value);
    let stamp = event::get(&ev, "@timestamp").map(|v| v.as_str().map(|s| time::parse_loose(s, zone, 1970)));
    match stamp {
        Some(Some(Some(t))) => event::set(&mut ev, "@timestamp", Value::String(t.to_rfc3339())),
        Some(_) => add_tag(&mut ev, time::INVALID_TIMESTAMP),
        None => {}
    }
    if let Some(p) = path {
        if event::get(&ev, "log.file.path").is_none() {
            event::set(&mut ev, "log.file.path", Value::String(p.to_string()));
        }
    }
    Ok(ev)
}

/// Adds `tag` to the event's `tags` (a string there becomes the first of a list).
fn add_tag(ev: &mut Value, tag: &str) {
    let mut tags = match event::get(ev, "tags") {
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    if !tags.iter().any(|t| t.as_str() == Some(tag)) {
        tags.push(Value::String(tag.to_string()));
    }
    event::set(ev, "tags", Value::Array(tags));
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
