//! An event read straight from its NDJSON line: each leaf's dotted path and where its value
//! lies in the line, found by path through a small table. A JSON tree is built only when
//! something asks for one, so most events never allocate one.

use super::scan::{self, Scalar};
use crate::fasthash::path_hash;
use crate::io::{Reason, RejectKind};
use crate::time::Timestamp;
use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::ops::Range;

/// A scalar value of an event, as written in its line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'v> {
    /// A string, escapes decoded.
    Str(&'v str),
    /// A number, as written (`1e3`, `-0` and integers beyond 64 bits included).
    Number(&'v str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// What a path holds.
#[derive(Debug, Clone, Copy)]
pub enum FieldRef<'v> {
    /// One scalar.
    One(ValueRef<'v>),
    /// An array of scalars.
    Array(Elements<'v>),
    /// An array holding objects or arrays, parsed whole.
    Nested(&'v Value),
}

/// The elements of an array of scalars.
#[derive(Debug, Clone, Copy)]
pub struct Elements<'v> {
    view: &'v View<'v>,
    /// Positions in `View::elems`.
    from: usize,
    to: usize,
}

impl<'v> Elements<'v> {
    /// The elements, in order.
    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'v>> + 'v {
        let view = self.view;
        view.elems[self.from..self.to].iter().map(move |s| view.value(s))
    }

    /// How many elements there are.
    pub fn len(&self) -> usize {
        self.to - self.from
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.to == self.from
    }
}

#[derive(Debug, Clone, Copy)]
enum LeafKind {
    Str,
    /// A string with escapes, decoded into `View::decoded[i]`.
    Decoded(usize),
    Number,
    True,
    False,
    Null,
}

#[derive(Debug, Clone)]
struct Leaf {
    /// In the line: inside the quotes for a string, the literal otherwise.
    span: Range<usize>,
    kind: LeafKind,
}

#[derive(Debug)]
enum Content {
    One(Leaf),
    /// An array of scalars: its elements, in `View::elems`.
    Array(Range<usize>),
    /// An array holding objects or arrays, parsed whole into `View::nested`.
    Nested(usize),
}

#[derive(Debug)]
struct Field {
    hash: u64,
    path: Range<usize>,
    content: Content,
}

/// A leaf of one view, found once and read many times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldId(usize);

/// Slots in a view's path table; events with more leaves than half of it are searched
/// one field at a time.
const SLOTS: usize = 64;

/// One event line, readable by path.
#[derive(Debug)]
pub struct View<'a> {
    line: &'a str,
    /// Every leaf's dotted path, back to back.
    paths: String,
    fields: Vec<Field>,
    /// Open addressing by path hash: index + 1 into `fields`, 0 for empty.
    slots: [u8; SLOTS],
    elems: Vec<Leaf>,
    decoded: Vec<String>,
    nested: Vec<Value>,
    /// Hashes of every object path (each leaf path up to one of its dots), sorted; built on
    /// the first question about a path the event has no leaf at, so that missing fields,
    /// which rules ask for all the time, are answered without scanning every path.
    objects: OnceCell<Vec<u64>>,
    tree: OnceCell<Value>,
}

impl<'a> View<'a> {
    /// Reads one event line; the error names a byte position, never the content.
    pub fn parse(line: &'a str) -> Result<View<'a>, Reason> {
        let mut paths = String::with_capacity(256);
        let mut spans: Vec<Range<usize>> = Vec::with_capacity(32);
        let mut scalars: Vec<Scalar> = Vec::with_capacity(32);
        scan::scan_leaves(
            line,
            &mut |p| {
                let start = paths.len();
                paths.push_str(p);
                spans.push(start..paths.len());
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
            objects: OnceCell::new(),
            tree: OnceCell::new(),
        };
        // The scanner asks for a leaf's path just before it records the leaf.
        for (s, path) in scalars.iter().zip(spans) {
            let content = if s.string {
                Content::One(v.string(s.span.clone(), s.escaped)?)
            } else {
                match line.as_bytes()[s.span.start] {
                    b'[' => v.array(s.span.clone())?,
                    first => Content::One(Leaf { span: s.span.clone(), kind: literal_kind(first) }),
                }
            };
            let hash = path_hash(v.paths[path.clone()].as_bytes());
            v.fields.push(Field { hash, path, content });
        }
        if v.fields.len() <= SLOTS / 2 {
            for i in 0..v.fields.len() {
                let at = v.slot(i);
                // A repeated path takes the earlier one's slot: the last value wins.
                v.slots[at] = i as u8 + 1;
            }
        }
        Ok(v)
    }

    /// The line the view reads.
    pub fn line(&self) -> &'a str {
        self.line
    }

    fn string(&mut self, span: Range<usize>, escaped: bool) -> Result<Leaf, Reason> {
        if !escaped {
            return Ok(Leaf { span, kind: LeafKind::Str });
        }
        let text = scan::decode(&self.line.as_bytes()[span.clone()]).ok_or_else(|| {
            let detail =
                format!("invalid JSON: a string at byte {} holds an escape that is not a character", span.start);
            Reason::new(RejectKind::InvalidJson, detail)
        })?;
        self.decoded.push(text);
        Ok(Leaf { span, kind: LeafKind::Decoded(self.decoded.len() - 1) })
    }

    /// Splits an array the scanner has validated; arrays holding objects or arrays are
    /// parsed whole instead.
    fn array(&mut self, span: Range<usize>) -> Result<Content, Reason> {
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
                    // Valid by now (the scanner read it); numbers keep their text.
                    let wrapped = format!("{{\"v\":{}}}", &self.line[span]);
                    let whole = super::tree::parse_value(&wrapped)
                        .ok()
                        .and_then(|mut v| v.get_mut("v").map(Value::take))
                        .map(super::normalize)
                        .unwrap_or(Value::Null);
                    self.nested.push(whole);
                    return Ok(Content::Nested(self.nested.len() - 1));
                }
                first => {
                    let start = i;
                    while i < end && !matches!(b[i], b',' | b' ' | b'\t' | b'\r' | b'\n') {
                        i += 1;
                    }
                    self.elems.push(Leaf { span: start..i, kind: literal_kind(first) });
                }
            }
            skip_ws(&mut i);
            if i < end && b[i] == b',' {
                i += 1;
            }
        }
        Ok(Content::Array(from..self.elems.len()))
    }

    #[inline]
    fn path_of(&self, f: &Field) -> &str {
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
                    if other.hash == f.hash && self.path_of(other) == self.path_of(f) {
                        return at;
                    }
                }
            }
            at = (at + 1) % SLOTS;
        }
    }

    /// The leaf at `path`; the last one when a path repeats (as a JSON parser keeps it).
    #[inline]
    fn find(&self, path: &str) -> Option<&Field> {
        self.index_of(path).map(|i| &self.fields[i])
    }

    fn index_of(&self, path: &str) -> Option<usize> {
        let hash = path_hash(path.as_bytes());
        if self.fields.len() > SLOTS / 2 {
            return self.fields.iter().rposition(|f| f.hash == hash && self.path_of(f) == path);
        }
        let mut at = (hash >> 58) as usize;
        loop {
            let i = self.slots[at].checked_sub(1)? as usize;
            let f = &self.fields[i];
            if f.hash == hash && self.path_of(f) == path {
                return Some(i);
            }
            at = (at + 1) % SLOTS;
        }
    }

    #[inline]
    fn value(&self, s: &Leaf) -> ValueRef<'_> {
        match s.kind {
            LeafKind::Str => ValueRef::Str(&self.line[s.span.clone()]),
            LeafKind::Decoded(i) => ValueRef::Str(&self.decoded[i]),
            LeafKind::Number => ValueRef::Number(&self.line[s.span.clone()]),
            LeafKind::True => ValueRef::Bool(true),
            LeafKind::False => ValueRef::Bool(false),
            LeafKind::Null => ValueRef::Null,
        }
    }

    #[inline]
    fn content<'v>(&'v self, c: &Content) -> FieldRef<'v> {
        match c {
            Content::One(s) => FieldRef::One(self.value(s)),
            Content::Array(r) => FieldRef::Array(Elements { view: self, from: r.start, to: r.end }),
            Content::Nested(i) => FieldRef::Nested(&self.nested[*i]),
        }
    }

    /// What `path` holds, when it names a leaf (a scalar or an array); see [`Self::is_object`]
    /// for paths that name objects.
    #[inline]
    pub fn field(&self, path: &str) -> Option<FieldRef<'_>> {
        self.find(path).map(|f| self.content(&f.content))
    }

    /// Where the leaf at `path` is, to read it again without a lookup ([`Self::at`]).
    pub fn locate(&self, path: &str) -> Option<FieldId> {
        self.index_of(path).map(FieldId)
    }

    /// The leaf [`Self::locate`] found.
    #[inline]
    pub fn at(&self, id: FieldId) -> FieldRef<'_> {
        self.content(&self.fields[id.0].content)
    }

    /// A string field's text (`None` for other types).
    #[inline]
    pub fn get_str(&self, path: &str) -> Option<&str> {
        match self.field(path)? {
            FieldRef::One(ValueRef::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The event's time: its `@timestamp`, read by [`super::timestamp`].
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.get_str("@timestamp").and_then(super::timestamp)
    }

    /// Whether `path` names an object (a prefix of some leaf's path).
    pub fn is_object(&self, path: &str) -> bool {
        let objects = self.objects.get_or_init(|| {
            let mut hashes = Vec::with_capacity(self.fields.len() * 2);
            for f in &self.fields {
                let p = self.path_of(f).as_bytes();
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
            let p = self.path_of(f);
            p.len() > path.len() && p.as_bytes()[path.len()] == b'.' && p.starts_with(path)
        })
    }

    /// Every leaf with its path, in the order of the line.
    pub fn fields(&self) -> impl Iterator<Item = (&str, FieldRef<'_>)> {
        self.fields.iter().map(|f| (self.path_of(f), self.content(&f.content)))
    }

    /// The event as a JSON tree, dotted keys nested (as `event::read_event` gives it).
    pub fn tree(&self) -> &Value {
        self.tree.get_or_init(|| {
            let mut tree = Value::Object(Map::new());
            for f in &self.fields {
                super::tree::set_beside(&mut tree, self.path_of(f), json_of(self.content(&f.content)));
            }
            tree
        })
    }

    /// The tree, taken from the view.
    pub fn into_tree(self) -> Value {
        self.tree();
        self.tree.into_inner().expect("just built")
    }
}

/// A scalar as a JSON value.
pub fn value_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Str(s) => Value::String(s.to_string()),
        // As written (the scanner validated it): `1e400`, `-0` and big integers included.
        ValueRef::Number(n) => Value::Number(super::tree::number_as_written(n)),
        ValueRef::Bool(b) => Value::Bool(b),
        ValueRef::Null => Value::Null,
    }
}

/// A field's value as JSON.
pub fn json_of(f: FieldRef<'_>) -> Value {
    match f {
        FieldRef::One(v) => value_json(v),
        FieldRef::Array(items) => Value::Array(items.iter().map(value_json).collect()),
        FieldRef::Nested(v) => v.clone(),
    }
}

/// `true`, `false`, `null` or a number, by its first byte.
fn literal_kind(first: u8) -> LeafKind {
    match first {
        b't' => LeafKind::True,
        b'f' => LeafKind::False,
        b'n' => LeafKind::Null,
        _ => LeafKind::Number,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every field reads as it does from the JSON tree `event::read_event` builds.
    #[test]
    fn fields_read_as_from_the_json_tree() {
        let line = r#"{"@timestamp":"2024-03-01T10:00:00Z","source.ip":"10.0.0.1","event":{"category":["web","network"],"code":4625,"ratio":0.5,"ok":true,"gone":null},"message":"say \"hi\"\u00e9","threat":[{"technique":{"id":"T1110"}}],"user":{"name":"a"},"user.id":"7","n":-0,"e":1e3,"mixed":[1,"x",null,false,2.5]}"#;
        let tree = super::super::read_event(line, "test").unwrap();
        let v = View::parse(line).unwrap();
        for (p, _) in v.fields() {
            let got = json_of(v.field(p).unwrap());
            assert_eq!(Some(&got), super::super::get(&tree, p), "{p}");
        }
        assert!(v.is_object("event") && !v.is_object("threat") && v.field("event").is_none());
        assert_eq!(v.get_str("message"), Some("say \"hi\"\u{e9}"));
        assert_eq!(v.get_str("event.code"), None);
        assert_eq!(v.timestamp().map(|t| t.secs), Some(1709287200));
        assert_eq!(v.tree(), &tree);
    }

    #[test]
    fn repeated_paths_keep_the_last_value() {
        let line = r#"{"a":{"b":1},"a.b":2}"#;
        let v = View::parse(line).unwrap();
        assert!(matches!(v.field("a.b"), Some(FieldRef::One(ValueRef::Number("2")))));
        assert_eq!(v.tree(), &json!({"a": {"b": 2}}));
        // Wide events are searched without the table, with the same answers.
        for n in [10, 31, 32, 33, 200] {
            let mut members: Vec<String> = (0..n).map(|i| format!(r#""f{i}.x":{i}"#)).collect();
            members.push(r#""f3":{"x":"again"}"#.into());
            let line = format!("{{{}}}", members.join(","));
            let v = View::parse(&line).unwrap();
            assert_eq!(v.get_str("f3.x"), Some("again"), "{n} fields");
            let last = format!("f{}.x", n - 1);
            assert!(matches!(v.field(&last), Some(FieldRef::One(ValueRef::Number(_)))), "{n} fields");
            assert!(v.field(&format!("f{n}.x")).is_none(), "{n} fields");
        }
    }

    #[test]
    fn bad_lines_are_refused_without_their_content() {
        for bad in [r#"{"a":"secret""#, "[1]", r#"{"a":"\ud800"}"#] {
            let err = View::parse(bad).expect_err(bad);
            assert!(!err.detail.contains("secret"), "{err}");
        }
        assert_eq!(View::parse("[1]").err().map(|r| r.kind), Some(RejectKind::NotAnObject));
    }
}
