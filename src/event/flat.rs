//! Building events: [`FlatEvent`] holds dotted ECS paths with values borrowed from the input
//! line where possible, and [`FlatWriter`] serializes it straight to nested JSON without
//! building a tree. This is the hot path of `parse`.

use serde_json::Value;
use std::borrow::Cow;

/// A field value in a [`FlatEvent`].
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// A string, borrowed from the line where it can be.
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// An array of strings.
    Strs(Vec<Cow<'a, str>>),
    /// A constant array (ECS categories and types): no allocation per event.
    Keywords(&'static [&'static str]),
    /// Any JSON value (a parsed structured-data block, a copied alert field).
    Json(Value),
    /// Written as RFC 3339 UTC without an intermediate string.
    Time(crate::time::Timestamp),
    /// Written as nothing: `write_ndjson` returns where it is, for the ordered pass to fill.
    Mark,
    /// JSON text written as it is: a value the parser has serialized itself (a whole object
    /// of values copied from the input, such as a Windows event's EventData). It must be
    /// valid JSON, and the event sets no other field under its path.
    Raw(Cow<'a, str>),
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

/// An event as a list of (dotted path, value). Setting appends; writing sorts once and keeps
/// the last value of a path set twice.
#[derive(Debug, Default, Clone)]
pub struct FlatEvent<'a> {
    fields: Vec<Field<'a>>,
}

#[derive(Debug, Clone)]
struct Field<'a> {
    /// The key's first 16 bytes, big-endian: orders almost all keys without a byte compare.
    order: u128,
    key: Cow<'a, str>,
    val: Val<'a>,
}

fn order_of(key: &str) -> u128 {
    let b = key.as_bytes();
    let mut buf = [0u8; 16];
    let n = b.len().min(16);
    buf[..n].copy_from_slice(&b[..n]);
    u128::from_be_bytes(buf)
}

impl<'a> FlatEvent<'a> {
    /// An event with no fields yet.
    pub fn new() -> Self {
        FlatEvent { fields: Vec::with_capacity(32) }
    }

    fn position(&self, path: &str) -> Option<usize> {
        let order = order_of(path);
        self.fields.iter().rposition(|f| f.order == order && f.key == path)
    }

    /// Sets a field; setting a path again replaces its value.
    pub fn set(&mut self, path: impl Into<Cow<'a, str>>, val: impl Into<Val<'a>>) {
        let key = path.into();
        self.fields.push(Field { order: order_of(&key), key, val: val.into() });
    }

    /// The value last set at `path`.
    pub fn get(&self, path: &str) -> Option<&Val<'a>> {
        self.position(path).map(|i| &self.fields[i].val)
    }

    /// The string last set at `path`.
    pub fn get_str(&self, path: &str) -> Option<&str> {
        match self.get(path) {
            Some(Val::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Appends to a string array field, skipping values already present.
    pub fn push_unique(&mut self, path: &'static str, item: Cow<'a, str>) {
        match self.position(path) {
            Some(i) => match &mut self.fields[i].val {
                Val::Strs(v) => {
                    if !v.contains(&item) {
                        v.push(item)
                    }
                }
                other => *other = Val::Strs(vec![item]),
            },
            None => self.set(path, Val::Strs(vec![item])),
        }
    }

    /// The same event owning all its keys and values, so it outlives the line it was
    /// parsed from (a repeated syslog message, parsed from an earlier line).
    pub fn into_owned(self) -> FlatEvent<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        let fields = self
            .fields
            .into_iter()
            .map(|f| Field {
                order: f.order,
                key: own(f.key),
                val: match f.val {
                    Val::Str(s) => Val::Str(own(s)),
                    Val::Strs(v) => Val::Strs(v.into_iter().map(own).collect()),
                    Val::Int(n) => Val::Int(n),
                    Val::Bool(b) => Val::Bool(b),
                    Val::Keywords(k) => Val::Keywords(k),
                    Val::Json(j) => Val::Json(j),
                    Val::Raw(r) => Val::Raw(own(r)),
                    Val::Time(t) => Val::Time(t),
                    Val::Mark => Val::Mark,
                },
            })
            .collect();
        FlatEvent { fields }
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Indices of the fields in key order, keeping only the last value set for each key.
    /// Sorting small (prefix, index) pairs is much cheaper than moving the fields.
    fn sorted_index(&self) -> Vec<(u128, u16)> {
        let mut keys: Vec<(u128, u16)> = self.fields.iter().enumerate().map(|(i, f)| (f.order, i as u16)).collect();
        keys.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                let (fa, fb) = (&self.fields[a.1 as usize], &self.fields[b.1 as usize]);
                fa.key.as_bytes().cmp(fb.key.as_bytes()).then(a.1.cmp(&b.1))
            })
        });
        // Equal keys are adjacent, last set last: keep that one.
        let mut n = 0;
        while n + 1 < keys.len() {
            let (o, i) = keys[n];
            let (o2, j) = keys[n + 1];
            if o == o2 && self.fields[i as usize].key == self.fields[j as usize].key {
                keys.remove(n);
            } else {
                n += 1;
            }
        }
        keys
    }

    /// Serializes as one nested JSON object followed by a newline, with a writer of its own:
    /// for events written now and then (alerts, tests). Stages writing an event per line keep
    /// a [`FlatWriter`].
    pub fn write_ndjson(&self, out: &mut Vec<u8>) -> Option<usize> {
        FlatWriter::new().write(self, out)
    }

    /// Converts to a nested `serde_json::Value` (tests and stages that need a tree).
    pub fn to_value(&self) -> Value {
        let mut buf = Vec::new();
        self.write_ndjson(&mut buf);
        serde_json::from_slice(&buf).expect("FlatEvent writes valid JSON")
    }
}

/// Writes [`FlatEvent`]s as NDJSON, remembering how the last few event shapes are written
/// (auth logs mix a dozen): one per worker.
pub struct FlatWriter {
    plans: PlanCache,
}

impl Default for FlatWriter {
    fn default() -> Self {
        FlatWriter::new()
    }
}

impl FlatWriter {
    /// A writer that knows no shapes yet.
    pub const fn new() -> FlatWriter {
        FlatWriter { plans: PlanCache::new() }
    }

    /// Writes `ev` as one nested JSON object followed by a newline. Keys come out sorted,
    /// so the output does not depend on the order in which a parser set them. Returns the
    /// offset of a `Val::Mark` value, if the event has one.
    pub fn write(&mut self, ev: &FlatEvent<'_>, out: &mut Vec<u8>) -> Option<usize> {
        let mark = self.plans.plan_for(ev).write(&ev.fields, out);
        out.push(b'\n');
        mark
    }
}

/// The plans of the last few event shapes seen by one writer.
struct PlanCache {
    plans: Vec<Plan>,
    last_hit: usize,
    next_victim: usize,
}

impl PlanCache {
    const SIZE: usize = 16;

    const fn new() -> Self {
        PlanCache { plans: Vec::new(), last_hit: 0, next_victim: 0 }
    }

    fn plan_for(&mut self, ev: &FlatEvent<'_>) -> &Plan {
        let n = self.plans.len();
        let hit = (0..n).map(|k| (self.last_hit + k) % n).find(|&i| self.plans[i].fits(&ev.fields));
        let i = match hit {
            Some(i) => i,
            None if n < Self::SIZE => {
                self.plans.push(Plan::empty());
                n
            }
            None => {
                self.next_victim = (self.next_victim + 1) % Self::SIZE;
                self.next_victim
            }
        };
        if hit.is_none() {
            self.plans[i].build(ev);
        }
        self.last_hit = i;
        &self.plans[i]
    }
}

/// How an event with a given sequence of keys is written: the structural bytes (braces,
/// commas, escaped keys) between values, pre-rendered. Consecutive events of one log mostly
/// set the same keys in the same order, so the last plan is kept per thread and reused when
/// the keys match exactly; writing is then copying plus the values.
struct Plan {
    /// The keys it was built for: (length, 16-byte prefix); `key_bytes` holds them whole.
    keys: Vec<(usize, u128)>,
    key_bytes: Vec<u8>,
    /// Field index of each value, in output order.
    order: Vec<u16>,
    /// `bytes[offs[i]..offs[i + 1]]` goes before value i; the last segment closes the object.
    bytes: Vec<u8>,
    offs: Vec<usize>,
}

impl Plan {
    const fn empty() -> Plan {
        Plan { keys: Vec::new(), key_bytes: Vec::new(), order: Vec::new(), bytes: Vec::new(), offs: Vec::new() }
    }

    fn fits(&self, fields: &[Field<'_>]) -> bool {
        if self.keys.len() != fields.len() || self.offs.is_empty() {
            return false;
        }
        let mut at = 0;
        for ((len, order), f) in self.keys.iter().zip(fields) {
            let k = f.key.as_bytes();
            if *order != f.order || *len != k.len() {
                return false;
            }
            // The prefix already matched; compare the rest by content (a pointer match is no
            // proof: a freed key's address can be reused by a different key).
            if *len > 16 && self.key_bytes[at + 16..at + len] != k[16..] {
                return false;
            }
            at += len;
        }
        true
    }

    fn build(&mut self, ev: &FlatEvent<'_>) {
        self.keys.clear();
        self.key_bytes.clear();
        for f in &ev.fields {
            let k = f.key.as_bytes();
            self.keys.push((k.len(), f.order));
            self.key_bytes.extend_from_slice(k);
        }
        let idx = ev.sorted_index();
        self.order = idx.iter().map(|&(_, i)| i).collect();
        self.bytes.clear();
        self.offs.clear();
        self.offs.push(0);
        let mut offs = std::mem::take(&mut self.offs);
        write_object(&ev.fields, &idx, &mut self.bytes, |_, out| offs.push(out.len()));
        offs.push(self.bytes.len());
        self.offs = offs;
    }

    fn write(&self, fields: &[Field<'_>], out: &mut Vec<u8>) -> Option<usize> {
        let mut mark = None;
        for (n, &i) in self.order.iter().enumerate() {
            out.extend_from_slice(&self.bytes[self.offs[n]..self.offs[n + 1]]);
            let val = &fields[i as usize].val;
            if matches!(val, Val::Mark) {
                mark = Some(out.len());
            }
            write_val(val, out);
        }
        let n = self.order.len();
        out.extend_from_slice(&self.bytes[self.offs[n]..self.offs[n + 1]]);
        mark
    }
}

/// Writes the fields (`idx`: key order, one per key) as nested objects in one pass: a field
/// closes the objects its key does not share with the previous key and opens the new ones.
fn write_object<'f, 'a>(
    all: &'f [Field<'a>],
    idx: &[(u128, u16)],
    out: &mut Vec<u8>,
    mut value: impl FnMut(&'f Field<'a>, &mut Vec<u8>),
) {
    const MAX_DEPTH: usize = 16;
    // Open object path as byte ranges of `open_key`; bit d of `written`: something was
    // written at depth d; `leaves`: (depth, name) of leaves in the open objects, consulted
    // only when an object would reuse a leaf's name ("a" and "a.b").
    let mut open: [(usize, usize); MAX_DEPTH] = [(0, 0); MAX_DEPTH];
    let mut nopen = 0;
    let mut open_key: &[u8] = b"";
    let mut written: u32 = 0;
    let mut leaves: Vec<(usize, &[u8])> = Vec::with_capacity(idx.len());
    out.push(b'{');
    for &(_, i) in idx {
        let field = &all[i as usize];
        let key = field.key.as_bytes();
        let mut segs: [(usize, usize); MAX_DEPTH] = [(0, 0); MAX_DEPTH];
        let mut nseg = 0;
        let mut start = 0;
        // Keys are short: a plain loop beats a vectorized search's setup cost.
        let mut j = 0;
        while j < key.len() && nseg < MAX_DEPTH - 1 {
            if key[j] == b'.' {
                segs[nseg] = (start, j);
                nseg += 1;
                start = j + 1;
            }
            j += 1;
        }
        let mut common = 0;
        while common < nopen && common < nseg {
            let (a0, a1) = open[common];
            let (b0, b1) = segs[common];
            if open_key[a0..a1] != key[b0..b1] {
                break;
            }
            common += 1;
        }
        while nopen > common {
            written &= !(1 << nopen);
            nopen -= 1;
            out.push(b'}');
        }
        while leaves.last().is_some_and(|(d, _)| *d > nopen) {
            leaves.pop();
        }
        let mut leaf_start = start;
        while nopen < nseg {
            let (s0, s1) = segs[nopen];
            let name = &key[s0..s1];
            if leaves.iter().rev().take_while(|(d, _)| *d == nopen).any(|(_, l)| *l == name) {
                // "a" is a value here already: keep "a.b..." as one dotted key beside it.
                leaf_start = s0;
                break;
            }
            comma(&mut written, nopen, out);
            write_str(&field.key[s0..s1], out);
            out.extend_from_slice(b":{");
            open[nopen] = (s0, s1);
            nopen += 1;
        }
        open_key = key;
        comma(&mut written, nopen, out);
        write_str(&field.key[leaf_start..], out);
        out.push(b':');
        value(field, out);
        leaves.push((nopen, &key[leaf_start..]));
    }
    for _ in 0..nopen {
        out.push(b'}');
    }
    out.push(b'}');
}

#[inline]
fn comma(written: &mut u32, depth: usize, out: &mut Vec<u8>) {
    if *written & (1 << depth) != 0 {
        out.push(b',');
    }
    *written |= 1 << depth;
}

fn write_val(v: &Val<'_>, out: &mut Vec<u8>) {
    match v {
        Val::Str(s) => write_str(s, out),
        Val::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::Strs(items) => write_array(items.iter().map(|s| s.as_ref()), out),
        Val::Keywords(items) => write_array(items.iter().copied(), out),
        Val::Json(j) => serde_json::to_writer(&mut *out, j).expect("write to Vec"),
        Val::Time(t) => {
            out.push(b'"');
            t.write_rfc3339(out);
            out.push(b'"');
        }
        Val::Mark => {}
        Val::Raw(json) => out.extend_from_slice(json.as_bytes()),
    }
}

fn write_array<'s>(items: impl Iterator<Item = &'s str>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (n, s) in items.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_str(s, out);
    }
    out.push(b']');
}

/// Bytes that need escaping inside a JSON string: 0 = none, else the escape letter
/// (`u` = `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// True when any of the 8 bytes is a control character, `"` or `\\` (SWAR test).
#[inline]
fn needs_escape8(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (below_space | has_zero(x ^ (ONES * b'"' as u64)) | has_zero(x ^ (ONES * b'\\' as u64))) != 0
}

fn has_controls(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut any = 0u64;
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        any |= x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    }
    any != 0 || chunks.remainder().iter().any(|&b| b < 0x20)
}

/// Whether any byte needs escaping; no early exit, so short strings run branch-free.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    if bytes.len() < 16 {
        let mut acc = 0u8;
        for &b in bytes {
            acc |= ESCAPE[b as usize];
        }
        return acc != 0;
    }
    let mut chunks = bytes.chunks_exact(8);
    let mut any = false;
    for c in &mut chunks {
        any |= needs_escape8(u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let mut tail = 0u8;
    for &b in chunks.remainder() {
        tail |= ESCAPE[b as usize];
    }
    any || tail != 0
}

/// Writes a JSON string literal. Almost no log text needs escaping, so the string is checked
/// first and copied whole; only strings with quotes, backslashes or controls take the slow path.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    if !has_controls(bytes) {
        // Only quotes and backslashes (access-log lines are full of quotes): jump between them.
        for pos in memchr::memchr2_iter(b'"', b'\\', bytes) {
            out.extend_from_slice(&bytes[start..pos]);
            out.push(b'\\');
            out.push(bytes[pos]);
            start = pos + 1;
        }
        out.extend_from_slice(&bytes[start..]);
        out.push(b'"');
        return;
    }
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[b as usize];
        if esc != 0 {
            out.extend_from_slice(&bytes[start..i]);
            out.push(b'\\');
            out.push(esc);
            if esc == b'u' {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
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
        ev.set("a-b", 2i64);
        ev.set("a.b", 1i64);
        let v = ev.to_value();
        assert_eq!(v, json!({"a": "leaf", "a-b": 2, "a.b": 1}));
    }

    #[test]
    fn escapes_match_serde_json() {
        for s in [
            "",
            "plain ascii text that is long enough",
            "tab\there",
            "quote\"back\\slash",
            "ctl\u{1}\u{1f}\u{8}\u{c}",
            "unicode é ü 日本 \u{7f}",
            "12345678\"12345678\n",
        ] {
            let mut out = Vec::new();
            write_str(s, &mut out);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn shape_cache_never_reuses_a_wrong_order() {
        // Same shape twice (cache hit), then keys that tie on their 16-byte prefix (never
        // cached), then the first shape again.
        for _ in 0..2 {
            let mut ev = FlatEvent::new();
            ev.set("b", 1i64);
            ev.set("a", 2i64);
            assert_eq!(ev.to_value().to_string(), r#"{"a":2,"b":1}"#);
        }
        let mut ev = FlatEvent::new();
        ev.set("logward.csv.same_prefix_z", 1i64);
        ev.set("logward.csv.same_prefix_a", 2i64);
        assert_eq!(ev.to_value().to_string(), r#"{"logward":{"csv":{"same_prefix_a":2,"same_prefix_z":1}}}"#);
        let mut ev = FlatEvent::new();
        ev.set("logward.csv.same_prefix_a", 1i64);
        ev.set("logward.csv.same_prefix_z", 2i64);
        assert_eq!(ev.to_value().to_string(), r#"{"logward":{"csv":{"same_prefix_a":1,"same_prefix_z":2}}}"#);
        let mut ev = FlatEvent::new();
        ev.set("b", 3i64);
        ev.set("a", 4i64);
        ev.set("a", 5i64);
        assert_eq!(ev.to_value().to_string(), r#"{"a":5,"b":3}"#);
    }

    #[test]
    fn plan_cache_tells_apart_keys_that_differ_after_16_bytes() {
        // Same length, same 16-byte prefix, different ends: each must get its own plan.
        let write = |k: &str| {
            let mut ev = FlatEvent::new();
            ev.set(k.to_string(), 1i64);
            ev.set("logward.csv.colour_m".to_string(), 2i64);
            ev.to_value().to_string()
        };
        for _ in 0..2 {
            assert_eq!(write("logward.csv.colour_a"), r#"{"logward":{"csv":{"colour_a":1,"colour_m":2}}}"#);
            assert_eq!(write("logward.csv.colour_z"), r#"{"logward":{"csv":{"colour_m":2,"colour_z":1}}}"#);
        }
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
}
