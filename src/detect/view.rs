//! The event as Sigma rules see it: the event layer's [`event::View`] of its line, plus two
//! computed fields and the text keyword rules search (the message only).

use crate::event::view::{self as ev, FieldId, FieldRef, ValueRef};
use crate::event::{self};
use crate::io::Reason;
use rsigma_eval::{Event, EventValue};
use serde_json::Value;
use std::borrow::Cow;

/// Computed fields a rule may test (documented in `logward detect --help`).
pub const AFTER_HOURS: &str = "logward.after_hours";
pub const HOUR: &str = "logward.hour";
/// The top-level key the computed fields live under.
const COMPUTED_ROOT: &str = "logward";
/// Where Windows events keep EventData and UserData values.
const EVENT_DATA: &str = "winlog.event_data.";
const USER_DATA: &str = "winlog.user_data.";

pub struct View<'a> {
    ev: event::View<'a>,
    /// What keyword rules search: `message`, else `event.original`; `None`: every string.
    text: Option<FieldId>,
    /// Local hour of `@timestamp` and whether it is outside working hours.
    hour: Option<(u32, bool)>,
}

impl<'a> View<'a> {
    /// Reads one event line; the error names a byte position, never the content.
    pub fn parse(line: &'a str) -> Result<View<'a>, Reason> {
        let ev = event::View::parse(line)?;
        let is_str = |id: &FieldId| matches!(ev.at(*id), FieldRef::One(ValueRef::Str(_)));
        let text = ev.locate("message").filter(is_str).or_else(|| ev.locate("event.original").filter(is_str));
        Ok(View { ev, text, hour: None })
    }

    /// The event layer's view of the line.
    pub fn event(&self) -> &event::View<'a> {
        &self.ev
    }

    pub fn set_hour(&mut self, hour: Option<(u32, bool)>) {
        self.hour = hour;
    }

    /// The event as a JSON tree, dotted keys nested (as `event::read_event` gives it).
    pub fn tree(&self) -> &Value {
        self.ev.tree()
    }

    pub fn into_tree(self) -> Value {
        self.ev.into_tree()
    }

    /// A string field's text (`None` for other types).
    pub fn get_str(&self, path: &str) -> Option<&str> {
        match self.field(path)? {
            FieldRef::One(ValueRef::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// What `path` holds. A Windows EventData name the event lacks is looked up among its
    /// UserData values (events whose values are UserData, not EventData).
    fn field(&self, path: &str) -> Option<FieldRef<'_>> {
        let found = self.ev.field(path);
        if found.is_none() {
            if let Some(name) = path.strip_prefix(EVENT_DATA) {
                if self.ev.is_object("winlog.user_data") {
                    return self.ev.field(&format!("{USER_DATA}{name}"));
                }
            }
        }
        found
    }

    /// What keyword detections search (`None`: every string value).
    pub fn keyword_text(&self) -> Option<&str> {
        match self.ev.at(self.text?) {
            FieldRef::One(ValueRef::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A field's value as text, as `alert::text_of` writes it (arrays joined by commas;
    /// `None` for null and objects).
    pub fn text(&self, path: &str) -> Option<Cow<'_, str>> {
        match self.field(path)? {
            FieldRef::One(v) => scalar_text(v),
            leaf => super::alert::text_of(&ev::json_of(leaf)).map(Cow::Owned),
        }
    }

    /// Whether `pred` holds for the field's text, or for any element's when it is an array
    /// (elements that are arrays or objects never match).
    pub fn any_text(&self, path: &str, mut pred: impl FnMut(&str) -> bool) -> bool {
        let Some(f) = self.field(path) else { return false };
        let mut scalar = |v: ValueRef<'_>| scalar_text(v).is_some_and(|t| pred(&t));
        match f {
            FieldRef::One(v) => scalar(v),
            FieldRef::Array(items) => items.iter().any(scalar),
            FieldRef::Nested(Value::Array(items)) => {
                items.iter().filter(|v| !v.is_array()).any(|v| super::alert::text_of(v).is_some_and(|t| pred(&t)))
            }
            FieldRef::Nested(_) => false,
        }
    }

    /// Every string value, array elements included.
    fn each_string(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        for (_, f) in self.ev.fields() {
            let hit = match f {
                FieldRef::One(ValueRef::Str(s)) => visit(s),
                FieldRef::One(_) => false,
                FieldRef::Array(items) => items.iter().any(|v| matches!(v, ValueRef::Str(s) if visit(s))),
                FieldRef::Nested(v) => json_strings(v, visit),
            };
            if hit {
                return true;
            }
        }
        false
    }
}

/// A scalar's text as `alert::text_of` writes it (`None` for null).
#[inline]
fn scalar_text(v: ValueRef<'_>) -> Option<Cow<'_, str>> {
    match v {
        ValueRef::Str(s) => Some(Cow::Borrowed(s)),
        // Numbers as written (`2.50`, `1e400`), as alerts write them.
        ValueRef::Number(n) => Some(Cow::Borrowed(n)),
        ValueRef::Bool(true) => Some(Cow::Borrowed("true")),
        ValueRef::Bool(false) => Some(Cow::Borrowed("false")),
        ValueRef::Null => None,
    }
}

/// A scalar as the engine reads it.
#[inline]
fn scalar_value(v: ValueRef<'_>) -> EventValue<'_> {
    match v {
        ValueRef::Str(s) => EventValue::Str(Cow::Borrowed(s)),
        ValueRef::Number(n) => number(n),
        ValueRef::Bool(b) => EventValue::Bool(b),
        ValueRef::Null => EventValue::Null,
    }
}

/// A number as serde_json would give it to the engine: an integer when it is one that
/// fits, else a float.
fn number(lit: &str) -> EventValue<'static> {
    if !lit.contains(['.', 'e', 'E']) {
        if let Ok(i) = lit.parse::<i64>() {
            return EventValue::Int(i);
        }
    }
    EventValue::Float(lit.parse::<f64>().unwrap_or(f64::NAN))
}

fn json_strings(v: &Value, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        Value::String(s) => visit(s),
        Value::Array(items) => items.iter().any(|v| json_strings(v, visit)),
        Value::Object(m) => m.values().any(|v| json_strings(v, visit)),
        _ => false,
    }
}

impl Event for View<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        match path {
            AFTER_HOURS => return self.hour.map(|(_, after)| EventValue::Bool(after)),
            HOUR => return self.hour.map(|(h, _)| EventValue::Int(h as i64)),
            _ => {}
        }
        match self.field(path) {
            Some(f) => Some(match f {
                FieldRef::One(v) => scalar_value(v),
                FieldRef::Array(items) => EventValue::Array(items.iter().map(scalar_value).collect()),
                FieldRef::Nested(v) => EventValue::from(v),
            }),
            None if self.ev.is_object(path) => event::get(self.tree(), path).map(EventValue::from),
            None => None,
        }
    }

    // Sigma keyword rules for Linux logs are written against the log line, so they search
    // the message, not every field (a user name must not trigger a keyword rule).
    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        match self.keyword_text() {
            Some(t) => pred(t),
            None => self.each_string(&mut |s| pred(s)),
        }
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        self.visit_string_values(&mut |s| out.push(Cow::Owned(s.to_string())));
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        match self.keyword_text() {
            Some(t) => visit(t),
            None => {
                self.each_string(&mut |s| {
                    visit(s);
                    false
                });
            }
        }
    }

    fn to_json(&self) -> Value {
        self.tree().clone()
    }

    // The rule index probes only the fields under these keys; the computed fields are
    // under `logward`, which the event itself may lack.
    fn visit_top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        let mut seen: Vec<&str> = Vec::with_capacity(12);
        for (p, _) in self.ev.fields() {
            let root = p.split_once('.').map_or(p, |(r, _)| r);
            if !seen.contains(&root) {
                seen.push(root);
                visit(root);
            }
        }
        if !seen.contains(&COMPUTED_ROOT) {
            visit(COMPUTED_ROOT);
        }
        true
    }

    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        let mut keys = Vec::new();
        self.visit_top_level_keys(&mut |k| keys.push(Cow::Owned(k.to_string())));
        Some(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn computed_fields_and_message_keywords() {
        let line = json!({"message": "Failed password for bob", "user": {"name": "mallory"}}).to_string();
        let mut v = View::parse(&line).unwrap();
        v.set_hour(Some((23, true)));
        assert_eq!(v.get_field(AFTER_HOURS), Some(EventValue::Bool(true)));
        assert_eq!(v.get_field(HOUR), Some(EventValue::Int(23)));
        assert!(v.any_string_value(&|s| s.contains("Failed password")));
        assert!(!v.any_string_value(&|s| s.contains("mallory")));
        let no_time = View::parse(&line).unwrap();
        assert_eq!(no_time.get_field(AFTER_HOURS), None);
        // Without a message every string value is searched, array elements included.
        let bare = r#"{"user":{"name":"mallory"},"related":{"user":["eve","trent"]}}"#;
        assert!(View::parse(bare).unwrap().any_string_value(&|s| s == "mallory"));
        assert!(View::parse(bare).unwrap().any_string_value(&|s| s == "trent"));
    }

    /// Every field reads as it does from the JSON tree `event::read_event` builds.
    #[test]
    fn fields_read_as_from_the_json_tree() {
        let line = r#"{"@timestamp":"2024-03-01T10:00:00Z","source.ip":"10.0.0.1","event":{"category":["web","network"],"code":4625,"ratio":0.5,"big":18446744073709551616,"ok":true,"gone":null},"message":"say \"hi\"\u00e9","threat":[{"technique":{"id":"T1110"}}],"user":{"name":"a"},"user.id":"7","n":-0,"e":1e3,"mixed":[1,"x",null,false,2.5]}"#;
        let tree = event::read_event(line, "detect").unwrap();
        let v = View::parse(line).unwrap();
        let paths = [
            "@timestamp",
            "source.ip",
            "source",
            "event.category",
            "event.code",
            "event.ratio",
            "event.big",
            "event.ok",
            "event.gone",
            "event",
            "message",
            "threat",
            "threat.technique",
            "user",
            "user.name",
            "user.id",
            "n",
            "e",
            "mixed",
            "missing",
            "event.missing",
            "use",
        ];
        for p in paths {
            assert_eq!(v.get_field(p), event::get(&tree, p).map(EventValue::from), "get_field {p}");
            assert_eq!(
                v.text(p).map(Cow::into_owned),
                event::get(&tree, p).and_then(super::super::alert::text_of),
                "text {p}"
            );
            assert_eq!(v.get_str(p), event::get_str(&tree, p), "get_str {p}");
        }
        assert_eq!(v.tree(), &tree);
        assert_eq!(v.to_json(), tree);
        let mut keys = Vec::new();
        v.visit_top_level_keys(&mut |k| keys.push(k.to_string()));
        assert_eq!(keys, ["@timestamp", "source", "event", "message", "threat", "user", "n", "e", "mixed", "logward"]);
    }

    #[test]
    fn repeated_paths_keep_the_last_value() {
        let line = r#"{"a":{"b":1},"a.b":2}"#;
        let v = View::parse(line).unwrap();
        assert_eq!(v.get_field("a.b"), Some(EventValue::Int(2)));
        assert_eq!(v.tree(), &json!({"a": {"b": 2}}));
        // Wide events are searched without the table, with the same answers.
        for n in [10, 31, 32, 33, 200] {
            let mut members: Vec<String> = (0..n).map(|i| format!(r#""f{i}.x":{i}"#)).collect();
            members.push(r#""f3":{"x":"again"}"#.into());
            let line = format!("{{{}}}", members.join(","));
            let v = View::parse(&line).unwrap();
            assert_eq!(v.get_field("f3.x"), Some(EventValue::Str("again".into())), "{n} fields");
            assert_eq!(v.get_field(&format!("f{}.x", n - 1)), Some(EventValue::Int(n as i64 - 1)), "{n} fields");
            assert_eq!(v.get_field(&format!("f{n}.x")), None, "{n} fields");
        }
    }

    #[test]
    fn array_elements_match_one_by_one() {
        let line = r#"{"event":{"category":["Process","web"],"n":[1,2.50]},"x":[{"a":1},"s"]}"#;
        let v = View::parse(line).unwrap();
        assert!(v.any_text("event.category", |t| t == "web"));
        assert!(!v.any_text("event.category", |t| t == "process"));
        assert!(v.any_text("event.n", |t| t == "2.50"), "numbers as written");
        assert!(v.any_text("x", |t| t == "s"));
        assert!(!v.any_text("x", |t| t.contains('a')));
        assert!(!v.any_text("event", |_| true));
    }

    #[test]
    fn bad_lines_are_refused_without_their_content() {
        for bad in [r#"{"a":"secret""#, "[1]", r#"{"a":"\ud800"}"#] {
            let err = View::parse(bad).err().expect(bad);
            assert!(!err.detail.contains("secret"), "{err}");
        }
    }
}
