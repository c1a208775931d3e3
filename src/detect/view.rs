//! The event as Sigma rules see it, read straight from its NDJSON line: each leaf's dotted
//! path and where its value lies in the line, plus two computed fields. Keyword searches
//! look at the message only. A JSON tree is built only when something asks for one (an
//! alert, an object-valued field), so most events never allocate one.

use crate::fasthash::path_hash;
use crate::{event, jsonscan};
use rsigma_eval::{Event, EventValue};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::ops::Range;

/// Computed fields a rule may test (documented in `logward detect --help`).
pub const AFTER_HOURS: &str = "logward.after_hours";
pub const HOUR: &str = "logward.hour";
/// The top-level key the computed fields live under.
const COMPUTED_ROOT: &str = "logward";

#[derive(Clone, Copy)]
enum Kind {
    Str,
    /// A string with escapes, decoded into `View::decoded[i]`.
    Decoded(usize),
    Number,
    True,
    False,
    Null,
}

#[derive(Clone)]
struct Scalar {
    /// In the line: inside the quotes for a string, the literal otherwise.
    span: Range<usize>,
    kind: Kind,
}

enum Leaf {
    One(Scalar),
    /// An array of scalars: its elements, in `View::elems`.
    Array(Range<usize>),
    /// An array holding objects or arrays, parsed whole into `View::nested`.
    Nested(usize),
}

struct Field {
    hash: u64,
    path: Range<usize>,
    leaf: Leaf,
}

/// Slots in a view's path table; events with more leaves than half of it are searched
/// one field at a time.
const SLOTS: usize = 64;

pub struct View<'a> {
    line: &'a str,
    /// Every leaf's dotted path, back to back.
    paths: String,
    fields: Vec<Field>,
    /// Open addressing by path hash: index + 1 into `fields`, 0 for empty.
    slots: [u8; SLOTS],
    elems: Vec<Scalar>,
    decoded: Vec<String>,
    nested: Vec<Value>,
    /// What keyword rules search: `message`, else `event.original`; `None`: every string.
    text: Option<Scalar>,
    /// Local hour of `@timestamp` and whether it is outside working hours.
    hour: Option<(u32, bool)>,
    /// Whether the event has `winlog.user_data` values (Windows events whose values are
    /// UserData, not EventData), which lookups of `winlog.event_data.NAME` fall back to.
    user_data: bool,
    tree: OnceCell<Value>,
    /// Hashes of every object path (each leaf path up to one of its dots), sorted; built on
    /// the first lookup of a path the event has no leaf at, so that missing fields, which
    /// rules ask for all the time, are answered without scanning every path.
    objects: OnceCell<Vec<u64>>,
}

/// Where Windows events keep EventData and UserData values.
const EVENT_DATA: &str = "winlog.event_data.";
const USER_DATA: &str = "winlog.user_data.";

impl<'a> View<'a> {
    /// Reads one event line; the error names a byte position, never the content.
    pub fn parse(line: &'a str) -> Result<View<'a>, String> {
        let mut paths = String::with_capacity(256);
        let mut spans: Vec<Range<usize>> = Vec::with_capacity(32);
        let mut scalars = Vec::with_capacity(32);
        jsonscan::scan_leaves(
            line,
            &mut |p| {
                let start = paths.len();
                paths.push_str(p);
                spans.push(start..paths.len());
                0
            },
            &mut scalars,
        )?;
        let mut v = View {
            line,
            paths,
            fields: Vec::with_capacity(scalars.len()),
            slots: [0; SLOTS],
            elems: Vec::new(),
            decoded: Vec::new(),
            nested: Vec::new(),
            text: None,
            hour: None,
            user_data: false,
            tree: OnceCell::new(),
            objects: OnceCell::new(),
        };
        // The scanner asks for a leaf's path just before it records the leaf.
        for (s, path) in scalars.iter().zip(spans) {
            let leaf = if s.string {
                Leaf::One(v.string(s.span.clone(), s.escaped)?)
            } else {
                match line.as_bytes()[s.span.start] {
                    b'[' => v.array(s.span.clone())?,
                    first => Leaf::One(Scalar { span: s.span.clone(), kind: literal_kind(first) }),
                }
            };
            let p = &v.paths[path.clone()];
            v.user_data |= p.starts_with(USER_DATA);
            let hash = path_hash(p.as_bytes());
            v.fields.push(Field { hash, path, leaf });
        }
        if v.fields.len() <= SLOTS / 2 {
            for i in 0..v.fields.len() {
                let at = v.slot(i);
                // A repeated path takes the earlier one's slot: the last value wins.
                v.slots[at] = i as u8 + 1;
            }
        }
        v.text = v.string_field("message").or_else(|| v.string_field("event.original"));
        Ok(v)
    }

    pub fn set_hour(&mut self, hour: Option<(u32, bool)>) {
        self.hour = hour;
    }

    fn string(&mut self, span: Range<usize>, escaped: bool) -> Result<Scalar, String> {
        if !escaped {
            return Ok(Scalar { span, kind: Kind::Str });
        }
        let text = jsonscan::decode(&self.line.as_bytes()[span.clone()]).ok_or_else(|| {
            format!("invalid JSON: a string at byte {} holds an escape that is not a character", span.start)
        })?;
        self.decoded.push(text);
        Ok(Scalar { span, kind: Kind::Decoded(self.decoded.len() - 1) })
    }

    /// Splits an array the scanner has validated; arrays holding objects or arrays are
    /// parsed whole instead.
    fn array(&mut self, span: Range<usize>) -> Result<Leaf, String> {
        let b = self.line.as_bytes();
        let from = self.elems.len();
        let end = span.end - 1; // the ']'
        let mut i = span.start + 1;
        let skip_ws = |i: &mut usize| {
            while *i < end && matches!(b[*i], b' ' | b'\t' | b'\r' | b'\n') {
                *i += 1;
            }
        };
        loop {
            skip_ws(&mut i);
            if i >= end {
                break;
            }
            match b[i] {
                b'"' => {
                    let start = i + 1;
                    let mut j = start;
                    let mut escaped = false;
                    while let Some(k) = memchr::memchr2(b'"', b'\\', &b[j..end]) {
                        if b[j + k] == b'\\' {
                            escaped = true;
                            j += k + 2;
                        } else {
                            j += k;
                            break;
                        }
                    }
                    let s = self.string(start..j, escaped)?;
                    self.elems.push(s);
                    i = j + 1;
                }
                b'{' | b'[' => {
                    self.elems.truncate(from);
                    // Valid JSON by now, except that raw control characters in strings,
                    // which the scanner lets through, make serde refuse it.
                    let whole = serde_json::from_str(&self.line[span]).unwrap_or(Value::Null);
                    self.nested.push(whole);
                    return Ok(Leaf::Nested(self.nested.len() - 1));
                }
                first => {
                    let start = i;
                    while i < end && !matches!(b[i], b',' | b' ' | b'\t' | b'\r' | b'\n') {
                        i += 1;
                    }
                    self.elems.push(Scalar { span: start..i, kind: literal_kind(first) });
                }
            }
            skip_ws(&mut i);
            if i < end && b[i] == b',' {
                i += 1;
            }
        }
        Ok(Leaf::Array(from..self.elems.len()))
    }

    fn path(&self, f: &Field) -> &str {
        &self.paths[f.path.clone()]
    }

    /// Where field `i` goes in the table: the slot of an earlier field with its path, or
    /// the first empty one.
    fn slot(&self, i: usize) -> usize {
        let f = &self.fields[i];
        let mut at = (f.hash >> 58) as usize;
        loop {
            match self.slots[at] {
                0 => return at,
                k => {
                    let other = &self.fields[k as usize - 1];
                    if other.hash == f.hash && self.path(other) == self.path(f) {
                        return at;
                    }
                }
            }
            at = (at + 1) % SLOTS;
        }
    }

    /// The leaf at `path`; the last one when a path repeats (as a JSON parser keeps it). A
    /// Windows EventData name the event lacks is looked up among its UserData values.
    fn field(&self, path: &str) -> Option<&Field> {
        let found = self.field_at(path);
        if found.is_none() && self.user_data {
            if let Some(name) = path.strip_prefix(EVENT_DATA) {
                return self.field_at(&format!("{USER_DATA}{name}"));
            }
        }
        found
    }

    fn field_at(&self, path: &str) -> Option<&Field> {
        let hash = path_hash(path.as_bytes());
        if self.fields.len() > SLOTS / 2 {
            return self.fields.iter().rev().find(|f| f.hash == hash && self.path(f) == path);
        }
        let mut at = (hash >> 58) as usize;
        loop {
            let f = &self.fields[self.slots[at].checked_sub(1)? as usize];
            if f.hash == hash && self.path(f) == path {
                return Some(f);
            }
            at = (at + 1) % SLOTS;
        }
    }

    /// Whether `path` names an object (a prefix of some leaf's path).
    fn is_object(&self, path: &str) -> bool {
        let objects = self.objects.get_or_init(|| {
            let mut hashes = Vec::with_capacity(self.fields.len() * 2);
            for f in &self.fields {
                let p = self.path(f).as_bytes();
                hashes.extend(memchr::memchr_iter(b'.', p).map(|i| path_hash(&p[..i])));
            }
            hashes.sort_unstable();
            hashes.dedup();
            hashes
        });
        if objects.binary_search(&path_hash(path.as_bytes())).is_err() {
            return false;
        }
        self.fields.iter().any(|f| {
            let p = self.path(f);
            p.len() > path.len() && p.as_bytes()[path.len()] == b'.' && p.starts_with(path)
        })
    }

    fn scalar_text(&self, s: &Scalar) -> &str {
        match s.kind {
            Kind::Decoded(i) => &self.decoded[i],
            _ => &self.line[s.span.clone()],
        }
    }

    fn scalar_value(&self, s: &Scalar) -> EventValue<'_> {
        match s.kind {
            Kind::Str | Kind::Decoded(_) => EventValue::Str(Cow::Borrowed(self.scalar_text(s))),
            Kind::Number => number(self.scalar_text(s)),
            Kind::True => EventValue::Bool(true),
            Kind::False => EventValue::Bool(false),
            Kind::Null => EventValue::Null,
        }
    }

    fn scalar_json(&self, s: &Scalar) -> Value {
        match s.kind {
            Kind::Str | Kind::Decoded(_) => Value::String(self.scalar_text(s).to_string()),
            // serde refuses only numbers out of f64's range, which it could not hold anyway.
            Kind::Number => serde_json::from_str(self.scalar_text(s)).unwrap_or(Value::Null),
            Kind::True => Value::Bool(true),
            Kind::False => Value::Bool(false),
            Kind::Null => Value::Null,
        }
    }

    fn leaf_json(&self, leaf: &Leaf) -> Value {
        match leaf {
            Leaf::One(s) => self.scalar_json(s),
            Leaf::Array(r) => Value::Array(self.elems[r.clone()].iter().map(|s| self.scalar_json(s)).collect()),
            Leaf::Nested(i) => self.nested[*i].clone(),
        }
    }

    /// The event as a JSON tree, dotted keys nested (as `event::read_event` gives it).
    pub fn tree(&self) -> &Value {
        self.tree.get_or_init(|| {
            let mut tree = Value::Object(Map::new());
            for f in &self.fields {
                event::set(&mut tree, self.path(f), self.leaf_json(&f.leaf));
            }
            tree
        })
    }

    fn string_field(&self, path: &str) -> Option<Scalar> {
        match &self.field(path)?.leaf {
            Leaf::One(s @ Scalar { kind: Kind::Str | Kind::Decoded(_), .. }) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn into_tree(self) -> Value {
        self.tree();
        self.tree.into_inner().expect("just built")
    }

    /// A string field's text (`None` for other types).
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.string_field(path).map(|s| self.scalar_text(&s))
    }

    /// What keyword detections search (`None`: every string value).
    pub fn keyword_text(&self) -> Option<&str> {
        self.text.as_ref().map(|s| self.scalar_text(s))
    }

    /// A field's value as text, as `alert::text_of` writes it (arrays joined by commas;
    /// `None` for null and objects).
    pub fn text(&self, path: &str) -> Option<Cow<'_, str>> {
        let f = self.field(path)?;
        match &f.leaf {
            Leaf::One(s) => match s.kind {
                Kind::Str | Kind::Decoded(_) => Some(Cow::Borrowed(self.scalar_text(s))),
                Kind::Number if plain_integer(self.scalar_text(s)) => Some(Cow::Borrowed(self.scalar_text(s))),
                Kind::True => Some(Cow::Borrowed("true")),
                Kind::False => Some(Cow::Borrowed("false")),
                Kind::Null => None,
                Kind::Number => super::alert::text_of(&self.scalar_json(s)).map(Cow::Owned),
            },
            leaf => super::alert::text_of(&self.leaf_json(leaf)).map(Cow::Owned),
        }
    }

    /// Whether `pred` holds for the field's text, or for any element's when it is an array
    /// (elements that are arrays or objects never match).
    pub fn any_text(&self, path: &str, mut pred: impl FnMut(&str) -> bool) -> bool {
        let Some(f) = self.field(path) else { return false };
        let scalar = |s: &Scalar, pred: &mut dyn FnMut(&str) -> bool| match s.kind {
            Kind::Null => false,
            Kind::True => pred("true"),
            Kind::False => pred("false"),
            Kind::Number if !plain_integer(self.scalar_text(s)) => {
                super::alert::text_of(&self.scalar_json(s)).is_some_and(|t| pred(&t))
            }
            _ => pred(self.scalar_text(s)),
        };
        match &f.leaf {
            Leaf::One(s) => scalar(s, &mut pred),
            Leaf::Array(r) => self.elems[r.clone()].iter().any(|s| scalar(s, &mut pred)),
            Leaf::Nested(i) => match &self.nested[*i] {
                Value::Array(items) => {
                    items.iter().filter(|v| !v.is_array()).any(|v| super::alert::text_of(v).is_some_and(|t| pred(&t)))
                }
                _ => false,
            },
        }
    }

    /// Every string value, array elements included.
    fn each_string(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        let is_str = |s: &&Scalar| matches!(s.kind, Kind::Str | Kind::Decoded(_));
        for f in &self.fields {
            let hit = match &f.leaf {
                Leaf::One(s) => is_str(&s) && visit(self.scalar_text(s)),
                Leaf::Array(r) => self.elems[r.clone()].iter().filter(is_str).any(|s| visit(self.scalar_text(s))),
                Leaf::Nested(i) => json_strings(&self.nested[*i], visit),
            };
            if hit {
                return true;
            }
        }
        false
    }
}

/// `true`, `false`, `null` or a number, by its first byte.
fn literal_kind(first: u8) -> Kind {
    match first {
        b't' => Kind::True,
        b'f' => Kind::False,
        b'n' => Kind::Null,
        _ => Kind::Number,
    }
}

/// A number as serde_json would give it to the engine: an integer when it is one that
/// fits, else a float.
fn number(lit: &str) -> EventValue<'static> {
    // serde_json reads `-0` as a float, keeping its sign.
    if lit != "-0" && !lit.contains(['.', 'e', 'E']) {
        if let Ok(i) = lit.parse::<i64>() {
            return EventValue::Int(i);
        }
    }
    EventValue::Float(lit.parse::<f64>().unwrap_or(f64::NAN))
}

/// An integer literal that serde_json would write back exactly as it is.
fn plain_integer(lit: &str) -> bool {
    let digits = lit.strip_prefix('-').unwrap_or(lit);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" && lit == "0" || !digits.starts_with('0'))
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
            Some(f) => Some(match &f.leaf {
                Leaf::One(s) => self.scalar_value(s),
                Leaf::Array(r) => {
                    EventValue::Array(self.elems[r.clone()].iter().map(|s| self.scalar_value(s)).collect())
                }
                Leaf::Nested(i) => EventValue::from(&self.nested[*i]),
            }),
            None if self.is_object(path) => event::get(self.tree(), path).map(EventValue::from),
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
        for f in &self.fields {
            let p = self.path(f);
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
            let mut members: Vec<String> = (0..n).map(|i| format!(r#""f{i}":{i}"#)).collect();
            members.push(r#""f3":"again""#.into());
            let line = format!("{{{}}}", members.join(","));
            let v = View::parse(&line).unwrap();
            assert_eq!(v.get_field("f3"), Some(EventValue::Str("again".into())), "{n} fields");
            assert_eq!(v.get_field(&format!("f{}", n - 1)), Some(EventValue::Int(n as i64 - 1)), "{n} fields");
            assert_eq!(v.get_field(&format!("f{n}")), None, "{n} fields");
        }
    }

    #[test]
    fn array_elements_match_one_by_one() {
        let line = r#"{"event":{"category":["Process","web"],"n":[1,2.50]},"x":[{"a":1},"s"]}"#;
        let v = View::parse(line).unwrap();
        assert!(v.any_text("event.category", |t| t == "web"));
        assert!(!v.any_text("event.category", |t| t == "process"));
        assert!(v.any_text("event.n", |t| t == "2.5"));
        assert!(v.any_text("x", |t| t == "s"));
        assert!(!v.any_text("x", |t| t.contains('a')));
        assert!(!v.any_text("event", |_| true));
    }

    #[test]
    fn bad_lines_are_refused_without_their_content() {
        for bad in [r#"{"a":"secret""#, "[1]", r#"{"a":"\ud800"}"#] {
            let err = View::parse(bad).err().expect(bad);
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
