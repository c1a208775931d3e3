//! Events as `serde_json::Value` trees, for the few places that need one (alerts, events
//! rebuilt by `enrich`): dotted paths read and set on nested or dotted keys alike.

use crate::io::{Reason, RejectKind};
use serde_json::{Map, Value};

/// Looks up a dotted path in a nested event. A key that itself contains dots (as Filebeat
/// writes them) is found too, so `get(ev, "source.ip")` works on both shapes; nested
/// objects, the common case, are tried first.
pub fn get<'v>(event: &'v Value, path: &str) -> Option<&'v Value> {
    let obj = event.as_object()?;
    let Some((head, rest)) = path.split_once('.') else { return obj.get(path) };
    if let Some(found) = obj.get(head).and_then(|child| get(child, rest)) {
        return Some(found);
    }
    // Dotted keys: "a.b" as one key, then "a.b.c", and so on.
    let mut end = head.len();
    while let Some(i) = path[end + 1..].find('.') {
        let next = end + 1 + i;
        if let Some(found) = obj.get(&path[..next]).and_then(|child| get(child, &path[next + 1..])) {
            return Some(found);
        }
        end = next;
    }
    obj.get(path)
}

/// [`get`] for a string value.
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

/// [`set`] that keeps a value in the way: when a scalar sits where an object would go,
/// the rest of the path is set beside it as one dotted key (as [`normalize`] keeps
/// `{"a":1,"a.b":2}`).
pub fn set_beside(event: &mut Value, path: &str, val: Value) {
    let mut cur = event;
    let mut rest = path;
    loop {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let obj = cur.as_object_mut().expect("object");
        let Some((head, tail)) = rest.split_once('.') else {
            obj.insert(rest.to_string(), val);
            return;
        };
        if obj.get(head).is_some_and(|v| !v.is_object()) {
            obj.insert(rest.to_string(), val);
            return;
        }
        cur = obj.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
        rest = tail;
    }
}

/// Reads one NDJSON event line for a stage that takes events (`stage` names it in the
/// rejection), with dotted keys nested.
pub fn read_event(line: &str, stage: &str) -> Result<Value, Reason> {
    match serde_json::from_str(line) {
        Ok(v @ Value::Object(_)) => Ok(normalize(v)),
        Ok(_) => Err(Reason::new(RejectKind::NotAnObject, format!("not a JSON object ({stage} reads NDJSON events)"))),
        Err(e) => Err(Reason::new(RejectKind::InvalidJson, format!("invalid JSON: {e}"))),
    }
}

/// Rewrites dotted keys (`{"source.ip": ..}`) into nested objects, keeping the first
/// appearance order of each key. Nested objects under dotted keys are merged. Events that
/// are nested already (the common case) are returned as they are, without a rebuild.
pub fn normalize(value: Value) -> Value {
    if !has_dotted_key(&value) {
        return value;
    }
    rebuild(value)
}

fn has_dotted_key(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('.') || has_dotted_key(v)),
        Value::Array(a) => a.iter().any(has_dotted_key),
        _ => false,
    }
}

fn rebuild(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Value::Object(Map::new());
            for (k, v) in map {
                let v = rebuild(v);
                if k.contains('.') && !k.starts_with('.') && !k.ends_with('.') && !k.contains("..") {
                    merge_at(&mut out, &k, v);
                } else {
                    merge_at_key(out.as_object_mut().expect("object"), k, v);
                }
            }
            out
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rebuild).collect()),
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
