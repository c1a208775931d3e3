//! The event layer's scanner against serde_json: on random JSON and on random damage to it,
//! both accept and refuse the same lines, and what the scanner reads (each leaf's path and
//! value, the tree it builds) is what serde_json reads.
//!
//! The one definition of a valid event (issue 26, `event::scan`) is serde_json's JSON with
//! one addition: an object may not repeat a key (serde keeps the last value and loses the
//! other silently), which the serde side of the comparison checks on its own. Raw control
//! characters in strings and escapes of lone UTF-16 surrogates are refused by both; numbers
//! of any size are accepted by both and keep the text they were written with (serde_json
//! is built with `arbitrary_precision`); nesting stops at the same depth.
//!
//! A view holds leaves, so an empty object (`{"a":{}}`) is not in its tree, and events whose
//! paths collide (`{"a":1,"a.b":2}`) are compared leaf by leaf instead: a path given twice
//! reads as its last value. Keys with an empty dotted segment (`""`, `".a"`, `"a."`,
//! `"a..b"`) have no unambiguous dotted path, and their events are left out of the value
//! comparison (accept and reject are still compared).
//!
//! `PROPTEST_CASES=100000 cargo test --release --test event_scan_differential` runs a long
//! search (bench/README.md).

use logward::event::scan;
use logward::event::tree::number_as_written;
use logward::event::View;
use logward::io::RejectKind;
use proptest::prelude::*;
use serde_json::Value;

/// JSON values of bounded depth, with strings that need escaping and keys with dots.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        // Numbers no f64 holds, exponents, a negative zero: kept as written.
        prop::sample::select(&["1e400", "-1E-400", "18446744073709551616", "-0", "1.50", "1E3", "2e+5", "0.0e0"][..])
            .prop_map(|n| Value::Number(number_as_written(n))),
        "[a-z .\"\\\\\u{e9}\u{1F600}\t\n/\u{1}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,3}(\\.[a-z]{1,3})?", inner), 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = String> {
    prop::collection::vec(("[a-z@]{1,4}(\\.[a-z]{1,3})?", json_value()), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()).to_string())
}

/// A line with one edit: a byte range removed, or bytes typical of JSON put in.
fn damaged() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just(""),
        Just("\""),
        Just("\\"),
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just(" "),
        Just("-"),
        Just("0"),
        Just("1.5e3"),
        Just("\\u00"),
        Just("\\x"),
        Just("tru"),
        Just("null"),
        Just("\u{1}"),
        Just("\t"),
        Just("\\ud800"),
        Just("\\udc00"),
        Just("\\ud83d\\ude00"),
        Just("1e400"),
        Just("\u{feff}"),
    ];
    (json_object(), any::<prop::sample::Index>(), 0usize..4, pieces).prop_map(|(line, at, cut, piece)| {
        let b = line.as_bytes();
        let mut i = at.index(b.len() + 1);
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        let mut j = (i + cut).min(b.len());
        while !line.is_char_boundary(j) {
            j += 1;
        }
        format!("{}{}{}", &line[..i], piece, &line[j..])
    })
}

/// serde_json's reading with one check of its own: no object repeats a key (serde keeps
/// the last value of a repeated key; an event may not have one).
struct NoRepeatedKeys;

impl<'de> serde::Deserialize<'de> for NoRepeatedKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = NoRepeatedKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<NoRepeatedKeys, E> {
                Ok(NoRepeatedKeys)
            }
            fn visit_i64<E>(self, _: i64) -> Result<NoRepeatedKeys, E> {
                Ok(NoRepeatedKeys)
            }
            fn visit_u64<E>(self, _: u64) -> Result<NoRepeatedKeys, E> {
                Ok(NoRepeatedKeys)
            }
            fn visit_f64<E>(self, _: f64) -> Result<NoRepeatedKeys, E> {
                Ok(NoRepeatedKeys)
            }
            fn visit_str<E>(self, _: &str) -> Result<NoRepeatedKeys, E> {
                Ok(NoRepeatedKeys)
            }
            fn visit_unit<E>(self) -> Result<NoRepeatedKeys, E> {
                Ok(NoRepeatedKeys)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<NoRepeatedKeys, A::Error> {
                while a.next_element::<NoRepeatedKeys>()?.is_some() {}
                Ok(NoRepeatedKeys)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<NoRepeatedKeys, A::Error> {
                let mut seen = std::collections::HashSet::new();
                while let Some(k) = a.next_key::<String>()? {
                    if !seen.insert(k) {
                        return Err(serde::de::Error::custom("repeated key"));
                    }
                    a.next_value::<NoRepeatedKeys>()?;
                }
                Ok(NoRepeatedKeys)
            }
        }
        d.deserialize_any(V)
    }
}

/// The value without empty objects: a view holds leaves, and an empty object has none.
fn without_empty_objects(v: &Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            let kept: serde_json::Map<String, Value> =
                m.iter().filter_map(|(k, v)| without_empty_objects(v).map(|v| (k.clone(), v))).collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        other => Some(other.clone()),
    }
}

/// Whether two leaves' dotted paths collide (the same path, or one a prefix of the other:
/// `{"a":1,"a.b":2}`): a view of leaves cannot tell how such an event was nested.
fn paths_collide(v: &Value) -> bool {
    fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    leaves(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
                }
            }
            _ => out.push(path),
        }
    }
    let mut out = Vec::new();
    leaves(v, String::new(), &mut out);
    out.sort();
    out.windows(2).any(|w| w[0] == w[1] || w[1].starts_with(&format!("{}.", w[0])))
}

/// Whether a key has an empty dotted segment (no unambiguous dotted path).
fn odd_keys(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.is_empty() || k.starts_with('.') || k.ends_with('.') || k.contains("..") || odd_keys(v)),
        Value::Array(a) => a.iter().any(odd_keys),
        _ => false,
    }
}

fn serde_accepts(line: &str) -> bool {
    serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object())
        && serde_json::from_str::<NoRepeatedKeys>(line).is_ok()
}

/// Each leaf path with its value, in document order (serde's tree keeps it).
fn leaves_in_order(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                leaves_in_order(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::Object(_) => {}
        other => out.push((path, other.clone())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn valid_objects_read_the_same(line in json_object()) {
        prop_assert!(scan::validate(&line).is_ok(), "{}", line);
        let view = View::parse(&line).map_err(|e| TestCaseError::fail(e.detail))?;
        let raw = logward::event::tree::parse_value(&line).map_err(|e| TestCaseError::fail(e.detail))?;
        prop_assert_eq!(serde_json::to_string(&raw).unwrap(), line.clone(), "numbers keep their text");
        if paths_collide(&raw) {
            // Every leaf reads as the last value written at its path.
            let mut leaves = Vec::new();
            leaves_in_order(&raw, String::new(), &mut leaves);
            for (path, _) in &leaves {
                // (arrays of objects read with their dotted keys nested, as every tree does)
                let last = leaves.iter().rev().find(|(p, _)| p == path).map(|(_, v)| logward::event::normalize(v.clone())).unwrap();
                let got = view.field(path).map(logward::event::view::json_of);
                prop_assert_eq!(got, Some(last), "{} in {}", path, line);
            }
        } else {
            let tree = logward::event::read_event(&line, "test").map_err(|e| TestCaseError::fail(e.detail))?;
            let tree = without_empty_objects(&tree).unwrap_or(Value::Object(Default::default()));
            prop_assert_eq!(view.tree(), &tree, "{}", line);
        }
    }

    #[test]
    fn damaged_lines_are_judged_the_same(line in damaged()) {
        let ours = scan::validate(&line).is_ok();
        prop_assert_eq!(ours, serde_accepts(&line), "validate: {}", line);
        prop_assert_eq!(View::parse(&line).is_ok(), serde_accepts(&line), "view: {}", line);
        let mut out: Vec<scan::Scalar> = Vec::new();
        prop_assert_eq!(scan::scan(&line, &mut |_| (), &mut out).is_ok(), ours, "scan: {}", line);
        prop_assert_eq!(scan::scan_leaves(&line, &mut |_| (), &mut out).is_ok(), ours, "scan_leaves: {}", line);
        prop_assert_eq!(logward::event::read_event(&line, "t").is_ok(), ours, "read_event: {}", line);
        let tree: Value = if ours { serde_json::from_str(&line).unwrap() } else { Value::Null };
        if ours && !paths_collide(&tree) && !odd_keys(&tree) {
            let tree = logward::event::read_event(&line, "t").unwrap();
            let tree = without_empty_objects(&tree).unwrap_or(Value::Object(Default::default()));
            let view = View::parse(&line).unwrap();
            prop_assert_eq!(view.tree(), &tree, "values: {}", line);
        }
    }
}

/// Each decision of the module comment, for the scanner, the view and serde alike.
#[test]
fn the_decisions_hold() {
    let refused = |line: &str, kind: RejectKind, says: &str| {
        let e = scan::validate(line).expect_err(line);
        assert_eq!(e.kind, kind, "{line}: {e}");
        assert!(e.detail.contains(says), "{line}: {e}");
        assert_eq!(View::parse(line).map(|_| ()).map_err(|e| e.kind), Err(kind), "{line}");
    };
    for raw_control in ["{\"a\":\"x\u{1}y\"}", "{\"a\":\"tab\there\"}", "{\"k\u{1f}\":1}"] {
        refused(raw_control, RejectKind::InvalidJson, "raw control character");
        assert!(!serde_accepts(raw_control));
    }
    for lone in [r#"{"a":"\ud800"}"#, r#"{"a":"\udc00"}"#, r#"{"a":"\ud800\u0041"}"#, r#"{"a":"\ud800\n"}"#] {
        refused(lone, RejectKind::InvalidJson, "lone UTF-16 surrogate");
        assert!(!serde_accepts(lone), "{lone}");
    }
    assert!(scan::validate(r#"{"a":"\ud83d\ude00"}"#).is_ok());
    for repeated in [r#"{"a":1,"a":2}"#, r#"{"a":1,"b":{"c":1,"c":2}}"#, r#"{"a":1,"\u0061":2}"#] {
        refused(repeated, RejectKind::DuplicateKey, "the same key appears twice");
        assert!(!serde_accepts(repeated), "{repeated}");
    }
    // Numbers of any size are kept as written through every reader.
    let huge = r#"{"a":1e400,"b":-0,"c":18446744073709551616,"d":1E3}"#;
    assert!(scan::validate(huge).is_ok() && serde_accepts(huge));
    let view = View::parse(huge).unwrap();
    assert_eq!(serde_json::to_string(view.tree()).unwrap(), huge);
    assert_eq!(serde_json::to_string(&logward::event::read_event(huge, "t").unwrap()).unwrap(), huge);
    // Nesting: the same limit as serde_json (127 levels, the top object included).
    let nested = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
    for n in [126, 127, 128, 200] {
        let line = nested(n);
        assert_eq!(scan::validate(&line).is_ok(), serde_accepts(&line), "{n} levels");
        assert_eq!(scan::validate(&line).is_ok(), n <= 127, "{n} levels");
    }
    // A byte-order mark is dropped at the start of a file by the line reader; anywhere
    // else it is no JSON, and the reason says so.
    refused("\u{feff}{\"a\":1}", RejectKind::NotAnObject, "byte-order mark");
}
