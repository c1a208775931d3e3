//! The event layer's scanner against serde_json: on random JSON and on random damage to it,
//! both accept and refuse the same lines, and what the scanner reads (each leaf's path and
//! value, the tree it builds) is what serde_json reads.
//!
//! A view holds leaves, so an empty object (`{"a":{}}`) is not in its tree, and events whose
//! paths collide (`{"a":1,"a.b":2}`) are left out of the tree comparison. Known,
//! deliberate differences, left out of the comparison (issue 26 decides them):
//! raw control characters inside strings (the scanner lets them through, as most readers
//! of logs do), escapes of lone UTF-16 surrogates (accepted by `validate`, refused when a
//! value is decoded), and numbers beyond f64's range (`1e400`: kept as written).
//!
//! `PROPTEST_CASES=100000 cargo test --release --test event_scan_differential` runs a long
//! search (bench/README.md).

use logward::event::scan;
use logward::event::View;
use proptest::prelude::*;
use serde_json::Value;

/// JSON values of bounded depth, with strings that need escaping and keys with dots.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z .\"\\\\\u{e9}\u{1F600}\t\n/]{0,12}".prop_map(Value::String),
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

/// Inputs where the two readers differ by design (see the module comment).
fn outside_the_comparison(line: &str) -> bool {
    line.bytes().any(|b| b < 0x20 && !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        || line.to_ascii_lowercase().contains("\\ud")
        || serde_json::from_str::<Value>(line).is_err_and(|e| e.to_string().contains("number out of range"))
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

fn serde_accepts(line: &str) -> bool {
    serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn valid_objects_read_the_same(line in json_object()) {
        prop_assert!(scan::validate(&line).is_ok(), "{}", line);
        let view = View::parse(&line).map_err(|e| TestCaseError::fail(e.detail))?;
        let raw: Value = serde_json::from_str(&line).unwrap();
        prop_assume!(!paths_collide(&raw));
        let tree = logward::event::read_event(&line, "test").map_err(|e| TestCaseError::fail(e.detail))?;
        let tree = without_empty_objects(&tree).unwrap_or(Value::Object(Default::default()));
        prop_assert_eq!(view.tree(), &tree, "{}", line);
    }

    #[test]
    fn damaged_lines_are_judged_the_same(line in damaged()) {
        prop_assume!(!outside_the_comparison(&line));
        let ours = scan::validate(&line).is_ok();
        prop_assert_eq!(ours, serde_accepts(&line), "validate: {}", line);
        prop_assert_eq!(View::parse(&line).is_ok(), serde_accepts(&line), "view: {}", line);
        let mut out: Vec<scan::Scalar> = Vec::new();
        prop_assert_eq!(scan::scan(&line, &mut |_| (), &mut out).is_ok(), ours, "scan: {}", line);
    }
}

#[test]
fn the_known_differences_are_what_the_comment_says() {
    let raw_control = "{\"a\":\"x\u{1}y\"}";
    assert!(scan::validate(raw_control).is_ok() && !serde_accepts(raw_control));
    let surrogate = r#"{"a":"\ud800"}"#;
    assert!(scan::validate(surrogate).is_ok() && !serde_accepts(surrogate));
    assert!(View::parse(surrogate).is_err());
    let huge = r#"{"a":1e400}"#;
    assert!(scan::validate(huge).is_ok() && !serde_accepts(huge));
}
