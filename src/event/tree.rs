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
/// rejection), with dotted keys nested. What is a valid event is decided by the scanner
/// ([`super::scan`]), as for every stage; numbers keep the text they were written with.
pub fn read_event(line: &str, stage: &str) -> Result<Value, Reason> {
    match parse_value(line) {
        Ok(v @ Value::Object(_)) => Ok(normalize(v)),
        Ok(_) => Err(Reason::new(RejectKind::NotAnObject, format!("not a JSON object ({stage} reads NDJSON events)"))),
        Err(e) => Err(e),
    }
}

/// An event line as a JSON tree, as written: checked by the scanner first (the one
/// definition of a valid event), then parsed, with every number keeping the text it was
/// written with (serde_json's `arbitrary_precision` keeps digits, `-0` and big integers, but
/// writes exponents its own way, `1E3` as `1e+3`; those get their text back here).
pub fn parse_value(line: &str) -> Result<Value, Reason> {
    super::scan::validate(line)?;
    let mut v: Value =
        serde_json::from_str(line).map_err(|e| Reason::new(RejectKind::InvalidJson, format!("invalid JSON: {e}")))?;
    let mut numbers: Vec<super::scan::Scalar> = Vec::new();
    if line.bytes().any(|b| b == b'e' || b == b'E') {
        super::scan::scan(line, &mut |_| (), &mut numbers)?;
        numbers.retain(|s| !s.string);
        if numbers.iter().any(|s| exponent_rewritten(&line[s.span.clone()])) {
            let mut written = numbers.iter().map(|s| &line[s.span.clone()]);
            restore_numbers(&mut v, &mut written);
        }
    }
    Ok(v)
}

/// Whether serde_json writes this number differently (an `E`, or an exponent without sign).
fn exponent_rewritten(n: &str) -> bool {
    match n.find(['e', 'E']) {
        Some(i) => n.as_bytes()[i] == b'E' || !matches!(n.as_bytes().get(i + 1), Some(b'+' | b'-')),
        None => false,
    }
}

/// Gives the numbers of `v`, in document order, the texts of `written` (the same numbers,
/// in the same order, as the line holds them).
fn restore_numbers<'a>(v: &mut Value, written: &mut impl Iterator<Item = &'a str>) {
    match v {
        Value::Number(n) => {
            if let Some(text) = written.next() {
                if exponent_rewritten(text) {
                    *n = number_as_written(text);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| restore_numbers(i, written)),
        Value::Object(m) => m.values_mut().for_each(|i| restore_numbers(i, written)),
        _ => {}
    }
}

/// A JSON number holding exactly `text` (a number the scanner validated). serde_json has no
/// public constructor for this; its hidden one is pinned by the test below.
pub fn number_as_written(text: &str) -> serde_json::Number {
    serde_json::Number::from_string_unchecked(text.to_string())
}

/// Rewrites dotted keys (`{"source.ip": ..}`) into nested objects, keeping the first
/// appearance order of each key. Nested objects under dotted keys are merged. Events that
/// are nested already (the common case) are returned as they are, without a rebuild.
///
/// No value is ever lost: a key whose dotted reading collides with another member's
/// (`{"a":1,"a.b":2}`, `{"a.b":2,"a":1}`, `{"user.name":"x","user":{"name":"y"}}`: the same
/// path twice, or a value where another member needs an object) stays as it was written,
/// beside the other.
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

fn nestable(k: &str) -> bool {
    k.contains('.') && !k.starts_with('.') && !k.ends_with('.') && !k.contains("..")
}

fn rebuild(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let members: Vec<(String, Value)> = map.into_iter().map(|(k, v)| (k, rebuild(v))).collect();
            let kept = colliding(&members);
            let mut out = Value::Object(Map::new());
            for (i, (k, v)) in members.into_iter().enumerate() {
                match (nestable(&k), kept[i]) {
                    (true, false) => merge_at(&mut out, &k, v),
                    // A colliding dotted key stays a dotted key, as written.
                    (true, true) => drop(out.as_object_mut().expect("object").insert(k, v)),
                    (false, _) => merge_at_key(out.as_object_mut().expect("object"), k, v),
                }
            }
            out
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rebuild).collect()),
        other => other,
    }
}

/// Which members of one object must stay as written: those with a leaf path (dotted keys
/// read as nesting) equal to another member's, or leading through another member's leaf.
fn colliding(members: &[(String, Value)]) -> Vec<bool> {
    let mut kept = vec![false; members.len()];
    if !members.iter().any(|(k, _)| nestable(k)) {
        return kept;
    }
    fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    leaves(v, format!("{path}.{k}"), out);
                }
            }
            Value::Object(_) => {}
            _ => out.push(path),
        }
    }
    let mut owner: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut paths: Vec<(String, usize)> = Vec::new();
    for (i, (k, v)) in members.iter().enumerate() {
        let mut out = Vec::new();
        leaves(v, k.clone(), &mut out);
        for p in out {
            match owner.get(&p) {
                Some(&j) if j != i => {
                    kept[i] = true;
                    kept[j] = true;
                }
                _ => {
                    owner.insert(p.clone(), i);
                }
            }
            paths.push((p, i));
        }
    }
    for (p, i) in &paths {
        for (at, _) in p.match_indices('.') {
            if let Some(&j) = owner.get(&p[..at]) {
                if j != *i {
                    kept[*i] = true;
                    kept[j] = true;
                }
            }
        }
    }
    kept
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
    fn numbers_keep_their_text() {
        let line = r#"{"a":1e400,"b":[1E3,2.50,-0,18446744073709551616,1e-450,1.5e+3],"c":{"d":7E-2},"e":"1e5"}"#;
        let v = parse_value(line).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), line);
        assert_eq!(v["b"][0].as_f64(), Some(1000.0));
        assert!(parse_value(r#"{"a":1,"a":2}"#).is_err(), "the one definition applies");
    }

    #[test]
    fn colliding_keys_keep_every_value() {
        let cases = [
            (r#"{"a.b":2,"a":1}"#, r#"{"a.b":2,"a":1}"#),
            (r#"{"a":1,"a.b":2}"#, r#"{"a":1,"a.b":2}"#),
            (r#"{"user.name":"alice","user":{"name":"bob"}}"#, r#"{"user.name":"alice","user":{"name":"bob"}}"#),
            (
                r#"{"user.name":"alice","user":{"name":"bob"},"user.id":7,"x.y":1}"#,
                r#"{"user.name":"alice","user":{"name":"bob","id":7},"x":{"y":1}}"#,
            ),
            (r#"{"k":{"app":"w","app.kubernetes.io/name":"w"}}"#, r#"{"k":{"app":"w","app.kubernetes.io/name":"w"}}"#),
            (r#"{"a.b":1,"a":{"c":2}}"#, r#"{"a":{"b":1,"c":2}}"#),
            (r#"{"a.c":1,"a":{"b":2},"a.b":3}"#, r#"{"a":{"c":1,"b":2},"a.b":3}"#),
        ];
        for (input, want) in cases {
            let v: Value = serde_json::from_str(input).unwrap();
            assert_eq!(serde_json::to_string(&normalize(v)).unwrap(), want, "{input}");
        }
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
