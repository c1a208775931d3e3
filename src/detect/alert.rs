//! Alert events: what a rule or correlation says when it fires, as ECS.

use super::correlate::{Fired, Ref};
use super::rules::{placeholders, Corr, Meta, Target};
use crate::event::{self, FlatEvent, FlatWriter, Val};
use crate::time::Timestamp;
use rsigma_parser::{CorrelationType, Level};
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// Fields copied from the matching event into a single-event alert, so it can be acted
/// on without the event.
const ENTITY_FIELDS: &[&str] = &[
    "host.name",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "user.name",
    "process.name",
    "process.pid",
    "process.command_line",
    "http.request.method",
    "http.response.status_code",
    "url.original",
    "user_agent.original",
    "file.path",
    "winlog.channel",
    "winlog.event_id",
    "winlog.record_id",
    "winlog.computer_name",
];

/// ECS `event.severity` for a Sigma level (the risk-score steps Elastic uses).
pub fn severity(level: Option<Level>) -> u64 {
    match level {
        Some(Level::Critical) => 99,
        Some(Level::High) => 73,
        Some(Level::Medium) => 47,
        Some(Level::Low) => 21,
        Some(Level::Informational) | None => 1,
    }
}

/// `4m12s`, `1h02m`, `3d4h`, `0s`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}d{h}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{sec:02}s")
    } else {
        format!("{sec}s")
    }
}

fn rfc3339(secs: i64) -> String {
    Timestamp { secs, nanos: 0, frac_digits: 0 }.to_rfc3339()
}

/// A field's value as text for messages and group keys (arrays joined by commas).
pub fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(text_of).collect();
            (!parts.is_empty()).then(|| parts.join(","))
        }
        _ => None,
    }
}

/// Values a reason template may use beyond the event's own fields.
#[derive(Default)]
struct Vars<'a> {
    count: Option<u64>,
    distinct: Option<u64>,
    extra: Vec<(&'a str, u64)>,
    group: Vec<(&'a str, &'a str)>,
    span: Option<(i64, i64)>,
    corr: Option<&'a Corr>,
    hour: Option<u32>,
}

fn fill(template: &str, meta: &Meta, ev: &Value, vars: &Vars<'_>) -> String {
    let mut out = template.to_string();
    for p in placeholders(template) {
        let value: Option<String> = match p {
            "count" => vars.count.map(|n| n.to_string()),
            "distinct" => vars.distinct.map(|n| n.to_string()),
            "duration" => vars.span.map(|(a, b)| duration(b - a)),
            "first" => vars.span.map(|(a, _)| rfc3339(a)),
            "last" => vars.span.map(|(_, b)| rfc3339(b)),
            "timespan" => vars.corr.map(|c| c.timespan_text.clone()),
            "threshold" => vars.corr.map(Corr::threshold_text),
            "rule" => Some(meta.title.clone()),
            "hour" => vars.hour.map(|m| format!("{:02}:{:02}", m / 60, m % 60)),
            _ => {
                if let Some(field) = p.strip_prefix("distinct:") {
                    vars.extra.iter().find(|(f, _)| *f == field).map(|(_, n)| n.to_string())
                } else if let Some((_, v)) = vars.group.iter().find(|(f, _)| *f == p) {
                    Some(v.to_string())
                } else {
                    event::get(ev, p).and_then(text_of)
                }
            }
        };
        out = out.replacen(&format!("{{{p}}}"), value.as_deref().unwrap_or("-"), 1);
    }
    out
}

/// The fields every alert starts with.
fn head<'a>(meta: &'a Meta, timestamp: Option<&Value>) -> FlatEvent<'a> {
    let mut a = FlatEvent::new();
    if let Some(t) = timestamp {
        a.set("@timestamp", Val::Json(t.clone()));
    }
    a.set("event.kind", "alert");
    a.set("event.dataset", "logward.detect");
    a.set("event.severity", severity(meta.level) as i64);
    if let Some(id) = &meta.id {
        a.set("rule.id", id.as_str());
    }
    a.set("rule.name", meta.title.as_str());
    if let Some(d) = &meta.description {
        a.set("rule.description", d.as_str());
    }
    a.set("rule.ruleset", if meta.file.starts_with("builtin:") { "logward" } else { "sigma" });
    if !meta.tags.is_empty() {
        a.set("tags", Val::Strs(meta.tags.iter().map(|t| Cow::Borrowed(t.as_str())).collect()));
    }
    a.set("logward.detect.rule", meta.handle());
    a.set("logward.detect.level", meta.level.map_or("informational", |l| l.as_str()));
    a
}

fn refs_json(refs: &[Ref]) -> Value {
    Value::Array(
        refs.iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("file".into(), json!(&*r.file));
                m.insert("line".into(), json!(r.line));
                if let Some(id) = &r.id {
                    m.insert("id".into(), json!(&**id));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// An alert for one event matching a detection rule.
pub fn single(
    meta: &Meta,
    ev: &Value,
    matched: &[(String, Value)],
    r: &Ref,
    minute_of_day: Option<u32>,
    writer: &mut FlatWriter,
    out: &mut Vec<u8>,
) {
    let ts = event::get(ev, "@timestamp");
    let mut a = head(meta, ts);
    if let Some(t) = ts {
        a.set("event.start", Val::Json(t.clone()));
        a.set("event.end", Val::Json(t.clone()));
    }
    for f in ENTITY_FIELDS {
        if let Some(v) = event::get(ev, f) {
            a.set(*f, Val::Json(v.clone()));
        }
    }
    let reason = match &meta.reason {
        Some(t) => fill(t, meta, ev, &Vars { hour: minute_of_day, ..Vars::default() }),
        None => {
            let shown: Vec<String> =
                matched.iter().take(4).map(|(f, v)| format!("{f}={}", text_of(v).unwrap_or_default())).collect();
            if shown.is_empty() {
                format!("matched '{}'", meta.title)
            } else {
                format!("matched '{}': {}", meta.title, shown.join(", "))
            }
        }
    };
    a.set("logward.detect.reason", reason);
    a.set("logward.detect.count", 1i64);
    if !matched.is_empty() {
        // Dotted names kept as keys: these are the fields as the rule matched them.
        let m: Map<String, Value> = matched.iter().map(|(f, v)| (f.clone(), v.clone())).collect();
        a.set("logward.detect.matched", Val::Json(Value::Object(m)));
    }
    a.set("logward.detect.events", Val::Json(refs_json(std::slice::from_ref(r))));
    writer.write(&a, out);
}

/// An alert for a correlation that fired on the event `ev` (the one that completed it).
pub fn correlated(
    corr: &Corr,
    step_names: &[String],
    fired: &Fired,
    ev: &Value,
    writer: &mut FlatWriter,
    out: &mut Vec<u8>,
) {
    let meta = &corr.meta;
    let mut a = head(meta, event::get(ev, "@timestamp"));
    a.set("event.start", rfc3339(fired.first));
    a.set("event.end", rfc3339(fired.last));
    // Group values at their ECS paths (as the first step's events name them).
    let ecs = &corr.fields[0];
    let mut group: Vec<(&str, &str)> = Vec::new();
    for (i, v) in fired.key.iter().enumerate() {
        a.set(ecs.group[i].as_str(), &**v);
        group.push((&ecs.group[i], v));
        group.push((&corr.group_by[i], v));
    }
    // Distinct counts by their ECS path and by the name the reason template writes.
    let written: Vec<&str> = meta
        .reason
        .as_deref()
        .map(placeholders)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.strip_prefix("distinct:"))
        .collect();
    let mut extra: Vec<(&str, u64)> =
        ecs.distinct.iter().map(String::as_str).zip(fired.extra_distinct.iter().copied()).collect();
    extra.extend(written.iter().copied().zip(fired.extra_distinct.iter().copied()));
    let vars = Vars {
        count: Some(fired.count),
        distinct: fired.distinct,
        extra,
        group: group.clone(),
        span: Some((fired.first, fired.last)),
        corr: Some(corr),
        hour: None,
    };
    let reason = match &meta.reason {
        Some(t) => fill(t, meta, ev, &vars),
        None => default_reason(corr, step_names, fired, &group),
    };
    a.set("logward.detect.reason", reason);
    a.set("logward.detect.correlation", corr.kind.as_str());
    a.set("logward.detect.timespan", corr.timespan_text.as_str());
    a.set("logward.detect.count", fired.count as i64);
    if let Some(n) = fired.distinct {
        a.set("logward.detect.distinct", n as i64);
    }
    a.set("logward.detect.events", Val::Json(refs_json(&fired.refs)));
    if fired.refs_omitted > 0 {
        a.set("logward.detect.events_omitted", fired.refs_omitted as i64);
    }
    writer.write(&a, out);
}

fn default_reason(corr: &Corr, step_names: &[String], fired: &Fired, group: &[(&str, &str)]) -> String {
    // Group values by the names the rule wrote (every second entry).
    let who: Vec<String> = group.iter().skip(1).step_by(2).map(|(f, v)| format!("{f}={v}")).collect();
    let who = if who.is_empty() { String::new() } else { format!(" for {}", who.join(", ")) };
    let took = duration(fired.last - fired.first);
    match corr.kind {
        CorrelationType::ValueCount => format!(
            "{} distinct {} in {} events of '{}'{who} in {took} (condition {} within {})",
            fired.distinct.unwrap_or(0),
            corr.value_field.as_deref().unwrap_or("values"),
            fired.count,
            step_names.join("', '"),
            corr.threshold_text(),
            corr.timespan_text
        ),
        CorrelationType::Temporal => format!("all of '{}'{who} within {took}", step_names.join("', '")),
        CorrelationType::TemporalOrdered => {
            format!("'{}' in that order{who} within {took}", step_names.join("' then '"))
        }
        _ => format!(
            "{} events of '{}'{who} in {took} (condition {} within {})",
            fired.count,
            step_names.join("', '"),
            corr.threshold_text(),
            corr.timespan_text
        ),
    }
}

/// The titles of a correlation's steps, for default reasons.
pub fn step_names(corr: &Corr, rules: &[super::rules::Rule], corrs: &[Corr]) -> Vec<String> {
    corr.steps
        .iter()
        .map(|t| match t {
            Target::Rule(i) => rules[*i].meta.title.clone(),
            Target::Corr(k) => corrs[*k].meta.title.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(252), "4m12s");
        assert_eq!(duration(3720), "1h02m");
        assert_eq!(duration(90_000), "1d1h");
    }

    #[test]
    fn templates_fill_and_mark_missing_values() {
        let meta = Meta {
            id: None,
            name: Some("x".into()),
            title: "X".into(),
            description: None,
            level: None,
            tags: vec![],
            falsepositives: vec![],
            reason: None,
            file: "builtin:x.yml".into(),
        };
        let ev = json!({"source": {"ip": "203.0.113.9"}, "user": {"name": ["a", "b"]}});
        let vars = Vars { count: Some(9), span: Some((0, 252)), ..Vars::default() };
        assert_eq!(
            fill("{count} for {user.name} from {source.ip} in {duration}; {url.original}", &meta, &ev, &vars),
            "9 for a,b from 203.0.113.9 in 4m12s; -"
        );
    }
}
