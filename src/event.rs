//! The event model shared by every stage.
//!
//! Two representations, one output shape (nested JSON objects, keys in a fixed order):
//! - [`FlatEvent`]: what parsers build. Fields are dotted ECS paths with values borrowed from the
//!   input line where possible, serialized straight to nested JSON without building a tree.
//!   This is the hot path of `parse`.
//! - `serde_json::Value` with the dotted-path helpers below, for stages that read NDJSON events
//!   (which may come from Filebeat with dotted keys) and must keep their field order.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// A field value in a [`FlatEvent`].
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Strs(Vec<Cow<'a, str>>),
    Json(Value),
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Self {
        Val::Str(Cow::Borrowed(s))
    }
}
impl From<String> for Val<'_> {
    fn from(s: String) -> Self {
        Val::Str(Cow::Owned(s))
    }
}
impl<'a> From<Cow<'a, str>> for Val<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Val::Str(s)
    }
}
impl From<i64> for Val<'_> {
    fn from(n: i64) -> Self {
        Val::Int(n)
    }
}
impl From<bool> for Val<'_> {
    fn from(b: bool) -> Self {
        Val::Bool(b)
    }
}

/// An event as a list of (dotted path, value). Setting a path twice keeps the last value.
#[derive(Debug, Default, Clone)]
pub struct FlatEvent<'a> {
    fields: Vec<(Cow<'a, str>, Val<'a>)>,
}

impl<'a> FlatEvent<'a> {
    pub fn new() -> Self {
        FlatEvent { fields: Vec::with_capacity(24) }
    }

    pub fn set(&mut self, path: impl Into<Cow<'a, str>>, val: impl Into<Val<'a>>) {
        let path = path.into();
        let val = val.into();
        if let Some(slot) = self.fields.iter_mut().find(|(k, _)| *k == path) {
            slot.1 = val;
        } else {
            self.fields.push((path, val));
        }
    }

    /// Sets the path only when it is not set yet.
    pub fn set_default(&mut self, path: &'static str, val: impl Into<Val<'a>>) {
        if self.get(path).is_none() {
            self.fields.push((Cow::Borrowed(path), val.into()));
        }
    }

    pub fn get(&self, path: &str) -> Option<&Val<'a>> {
        self.fields.iter().find(|(k, _)| k == path).map(|(_, v)| v)
    }

    pub fn get_str(&self, path: &str) -> Option<&str> {
        match self.get(path) {
            Some(Val::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn remove(&mut self, path: &str) -> Option<Val<'a>> {
        let i = self.fields.iter().position(|(k, _)| k == path)?;
        Some(self.fields.remove(i).1)
    }

    /// Appends to a string array field, skipping values already present.
    pub fn push_unique(&mut self, path: &'static str, item: Cow<'a, str>) {
        match self.fields.iter_mut().find(|(k, _)| k == path) {
            Some((_, Val::Strs(v))) => {
                if !v.contains(&item) {
                    v.push(item)
                }
            }
            Some(slot) => slot.1 = Val::Strs(vec![item]),
            None => self.fields.push((Cow::Borrowed(path), Val::Strs(vec![item]))),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = (&str, &Val<'a>)> {
        self.fields.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Serializes as one nested JSON object followed by a newline. Keys are sorted, so the
    /// output does not depend on the order in which a parser set them.
    pub fn write_ndjson(&mut self, out: &mut Vec<u8>) {
        self.fields.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        write_object(&self.fields, 0, out);
        out.push(b'\n');
    }

    /// Converts to a nested `serde_json::Value` (tests and stages that need a tree).
    pub fn to_value(&mut self) -> Value {
        let mut buf = Vec::new();
        self.write_ndjson(&mut buf);
        serde_json::from_slice(&buf).expect("FlatEvent writes valid JSON")
    }
}

/// Writes `fields` (sorted, all sharing the first `skip` bytes of their key) as one object.
fn write_object(fields: &[(Cow<'_, str>, Val<'_>)], skip: usize, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut i = 0;
    let mut first = true;
    while i < fields.len() {
        let rest = &fields[i].0[skip..];
        if !first {
            out.push(b',');
        }
        first = false;
        match rest.find('.') {
            // A leaf whose name is also an object prefix ("a" and "a.b") keeps its children
            // as dotted keys beside it rather than losing either.
            Some(dot) if !has_leaf(fields, i, &rest[..dot], skip) => {
                let seg = &rest[..dot];
                let prefix_len = skip + dot + 1;
                let mut j = i + 1;
                while j < fields.len() {
                    let r = &fields[j].0[skip..];
                    if r.len() > dot && r.as_bytes()[dot] == b'.' && &r[..dot] == seg {
                        j += 1;
                    } else {
                        break;
                    }
                }
                write_str(seg, out);
                out.push(b':');
                write_object(&fields[i..j], prefix_len, out);
                i = j;
            }
            _ => {
                write_str(rest, out);
                out.push(b':');
                write_val(&fields[i].1, out);
                i += 1;
            }
        }
    }
    out.push(b'}');
}

fn has_leaf(fields: &[(Cow<'_, str>, Val<'_>)], from: usize, seg: &str, skip: usize) -> bool {
    // Sorted order puts "a" before "a.b"; only keys starting with "a" lie between them.
    fields[..from]
        .iter()
        .rev()
        .take_while(|(k, _)| k[skip..].starts_with(seg))
        .any(|(k, _)| &k[skip..] == seg)
}

fn write_val(v: &Val<'_>, out: &mut Vec<u8>) {
    match v {
        Val::Str(s) => write_str(s, out),
        Val::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
        Val::Float(f) => {
            if f.is_finite() {
                serde_json::to_writer(&mut *out, f).expect("write to Vec");
            } else {
                out.extend_from_slice(b"null");
            }
        }
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::Strs(items) => {
            out.push(b'[');
            for (n, s) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_str(s, out);
            }
            out.push(b']');
        }
        Val::Json(j) => serde_json::to_writer(&mut *out, j).expect("write to Vec"),
    }
}

/// Writes a JSON string literal. Fast path for the common case of nothing to escape.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("\\u{:04x}", b).as_bytes());
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Looks up a dotted path in a nested event. A key that itself contains dots (as Filebeat
/// writes them) is found too, so `get(ev, "source.ip")` works on both shapes.
pub fn get<'v>(event: &'v Value, path: &str) -> Option<&'v Value> {
    let obj = event.as_object()?;
    if let Some(v) = obj.get(path) {
        return Some(v);
    }
    let mut split = path.len();
    // Try the longest existing key prefix first: "a.b" then "a".
    while let Some(dot) = path[..split].rfind('.') {
        if let Some(child) = obj.get(&path[..dot]) {
            if let Some(found) = get(child, &path[dot + 1..]) {
                return Some(found);
            }
        }
        split = dot;
    }
    None
}

pub fn get_str<'v>(event: &'v Value, path: &str) -> Option<&'v str> {
    get(event, path).and_then(Value::as_str)
}

/// Sets a dotted path, creating nested objects as needed. A non-object in the way is replaced.
pub fn set(event: &mut Value, path: &str, val: Value) {
    let mut cur = event;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let obj = cur.as_object_mut().expect("object");
        if parts.peek().is_none() {
            obj.insert(part.to_string(), val);
            return;
        }
        cur = obj.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Rewrites dotted keys (`{"source.ip": ..}`) into nested objects, keeping the first
/// appearance order of each key. Nested objects under dotted keys are merged.
pub fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Value::Object(Map::new());
            for (k, v) in map {
                let v = normalize(v);
                if k.contains('.') && !k.starts_with('.') && !k.ends_with('.') && !k.contains("..") {
                    merge_at(&mut out, &k, v);
                } else {
                    merge_at_key(out.as_object_mut().expect("object"), k, v);
                }
            }
            out
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

fn merge_at(root: &mut Value, path: &str, v: Value) {
    let (head, tail) = path.split_once('.').expect("dotted path");
    let obj = root.as_object_mut().expect("object");
    let child = obj.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        // A scalar and an object under the same name: keep both, the dotted form as it came.
        obj.insert(path.to_string(), v);
        return;
    }
    if tail.contains('.') {
        merge_at(child, tail, v);
    } else {
        merge_at_key(child.as_object_mut().expect("object"), tail.to_string(), v);
    }
}

fn merge_at_key(obj: &mut Map<String, Value>, k: String, v: Value) {
    match (obj.get_mut(&k), v) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (nk, nv) in new {
                merge_at_key(existing, nk, nv);
            }
        }
        (_, v) => {
            obj.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_event_writes_nested_sorted_json() {
        let mut ev = FlatEvent::new();
        ev.set("source.port", 22i64);
        ev.set("event.outcome", "failure");
        ev.set("@timestamp", "2024-01-01T00:00:00Z");
        ev.set("source.ip", "10.0.0.1");
        ev.set("event.category", Val::Strs(vec!["authentication".into()]));
        ev.set("message", "a \"quoted\"\n\u{1} line");
        let mut out = Vec::new();
        ev.write_ndjson(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"event\":{\"category\":[\"authentication\"],\
             \"outcome\":\"failure\"},\"message\":\"a \\\"quoted\\\"\\n\\u0001 line\",\
             \"source\":{\"ip\":\"10.0.0.1\",\"port\":22}}\n"
        );
    }

    #[test]
    fn leaf_and_object_with_same_name_both_survive() {
        let mut ev = FlatEvent::new();
        ev.set("a", "leaf");
        ev.set("a.b", 1i64);
        let v = ev.to_value();
        assert_eq!(v, json!({"a": "leaf", "a.b": 1}));
    }

    #[test]
    fn set_replaces_and_push_unique_dedupes() {
        let mut ev = FlatEvent::new();
        ev.set("x", 1i64);
        ev.set("x", 2i64);
        ev.push_unique("related.ip", "1.2.3.4".into());
        ev.push_unique("related.ip", "1.2.3.4".into());
        ev.push_unique("related.ip", "::1".into());
        assert_eq!(ev.to_value(), json!({"x": 2, "related": {"ip": ["1.2.3.4", "::1"]}}));
    }

    #[test]
    fn normalize_merges_dotted_keys_in_order() {
        let v = json!({"source.ip": "1.1.1.1", "event": {"kind": "event"}, "event.action": "x",
                       "source": {"port": 3}});
        let n = normalize(v);
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"source":{"ip":"1.1.1.1","port":3},"event":{"kind":"event","action":"x"}}"#
        );
    }

    #[test]
    fn get_and_set_dotted_paths() {
        let mut v = json!({"source.ip": "1.1.1.1", "user": {"name": "bob"}});
        assert_eq!(get_str(&v, "source.ip"), Some("1.1.1.1"));
        assert_eq!(get_str(&v, "user.name"), Some("bob"));
        assert_eq!(get(&v, "user.id"), None);
        set(&mut v, "user.id", json!("42"));
        set(&mut v, "host.name", json!("h"));
        assert_eq!(get_str(&v, "user.id"), Some("42"));
        assert_eq!(v["host"]["name"], "h");
    }
}
