//! A validating scan of one JSON object that finds every scalar and its dotted field path
//! (`{"source":{"ip":..}}` and `{"source.ip":..}` both give `source.ip`; array elements
//! take their array's path), so a stage can read the fields it wants, or rewrite values in
//! place and copy every other byte of the line as it was.
//!
//! Each value's path is given to a `classify` function as it is found; what it returns (a
//! stage's own type: which report field, which anonymization category) is kept with the
//! value, so a stage never looks a path up twice.
//!
//! **What a valid event is**, for every stage (all of them read events through this scan,
//! and the stages that build JSON trees check lines here first): one JSON object per line
//! as RFC 8259 defines it and `serde_json` reads it — no raw control characters inside
//! strings, no escape of a lone UTF-16 surrogate (`\ud800`), at most 127 nested objects and
//! arrays — whose objects never repeat a key (`{"a":1,"a":2}`: a JSON tree would keep only
//! one of the two values). Numbers of any size or precision are valid and are kept as
//! written (`1e400`, `18446744073709551616`, `-0`). Keys whose dotted reading collides
//! (`{"a":1,"a.b":2}`, `{"user.name":"x","user":{"name":"y"}}`) are valid: every value is
//! kept where it was written, and a reader asking for a path given twice gets the last
//! value in the line.

use crate::bytescan::first_json_special;
use crate::io::{Reason, RejectKind};
use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::ops::Range;

/// One value found in the line.
#[derive(Debug, Clone)]
pub struct Scalar<C = ()> {
    /// The value's bytes: inside the quotes for a string, the literal for a number (and,
    /// in [`scan_leaves`], for `true`, `false`, `null` and whole arrays).
    pub span: Range<usize>,
    /// The value is a string.
    pub string: bool,
    /// The string holds backslash escapes (must be decoded before reading).
    pub escaped: bool,
    /// What `classify` said about the path.
    pub class: C,
}

impl<C> Scalar<C> {
    /// [`Self::text`], or the reason to reject the line when an escape is not a character.
    pub fn text_or_reject<'a>(&self, line: &'a str) -> Result<Cow<'a, str>, Reason> {
        self.text(line).ok_or_else(|| Reason::new(RejectKind::InvalidJson, "invalid escape in a JSON string"))
    }

    /// [`Self::text`] with escapes of lone surrogates read as U+FFFD ([`decode_lossy`]).
    pub fn text_lossy<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let raw = &line[self.span.clone()];
        if self.escaped {
            Cow::Owned(decode_lossy(raw.as_bytes()))
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// The value's text in `line`: borrowed, or decoded when it holds escapes (`None`: a
    /// bad escape).
    pub fn text<'a>(&self, line: &'a str) -> Option<Cow<'a, str>> {
        let raw = &line[self.span.clone()];
        if self.escaped {
            decode(raw.as_bytes()).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }
}
/// Objects and arrays nested at most this deep (the top-level object counts), as serde_json.
const MAX_DEPTH: usize = 127;

/// Scans `line`, which must hold exactly one JSON object; `classify` maps each scalar's
/// path to a class. Errors name a byte position, never the content.
pub fn scan<C>(line: &str, classify: &mut dyn FnMut(&str) -> C, out: &mut Vec<Scalar<C>>) -> Result<(), Reason> {
    Scanner::<C, true>::new(line, 0, classify, out).whole_object()
}

/// A top-level field whose value is an object: its name, the byte offset just after the
/// object's `{` and that of its closing `}`, where a stage can insert a member without
/// rewriting the line.
pub struct TopObject {
    /// The field's name.
    pub name: String,
    /// The offset just after the object's `{`.
    pub inside: usize,
    /// The offset of the object's `}`.
    pub end: usize,
}

/// [`scan`], also listing the top-level fields whose values are objects.
pub fn scan_with_objects<C>(
    line: &str,
    classify: &mut dyn FnMut(&str) -> C,
    out: &mut Vec<Scalar<C>>,
    objects: Option<&mut Vec<TopObject>>,
) -> Result<(), Reason> {
    let mut s = Scanner::<C, true>::new(line, 0, classify, out);
    s.objects = objects;
    s.whole_object()
}

/// An object member's name as it stands in the line: the span inside its quotes, whether it
/// holds escapes, and how deep its object is (1: a top-level field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpan {
    /// The name's bytes inside its quotes.
    pub span: Range<usize>,
    /// The name holds backslash escapes.
    pub escaped: bool,
    /// 1 for a member of the top-level object, 2 for one of an object inside it, ...
    pub depth: u16,
}

/// [`scan_with_objects`], also listing every member name of every object, in line order
/// (for a stage that must read or rewrite names as well as values).
pub fn scan_with_keys<C>(
    line: &str,
    classify: &mut dyn FnMut(&str) -> C,
    out: &mut Vec<Scalar<C>>,
    objects: Option<&mut Vec<TopObject>>,
    keys: &mut Vec<KeySpan>,
) -> Result<(), Reason> {
    let mut s = Scanner::<C, true>::new(line, 0, classify, out);
    s.objects = objects;
    s.key_spans = Some(keys);
    s.whole_object()
}

/// [`scan`] for a stage that reads a few known fields: an object whose path `descend`
/// refuses (a path no wanted field lies under) is only validated, with no path built or
/// classified inside it. Objects inside arrays are asked with the array's path.
pub fn scan_pruned<C>(
    line: &str,
    classify: &mut dyn FnMut(&str) -> C,
    descend: &dyn Fn(&str) -> bool,
    out: &mut Vec<Scalar<C>>,
) -> Result<(), Reason> {
    let mut s = Scanner::<C, true>::new(line, 0, classify, out);
    s.descend = Some(descend);
    s.whole_object()
}

/// [`scan`] for flattening an event into columns: every leaf is listed, `true`, `false` and
/// `null` included (as literals, not strings), and an array is one leaf spanning its whole
/// JSON text rather than one scalar per element.
pub fn scan_leaves<C>(line: &str, classify: &mut dyn FnMut(&str) -> C, out: &mut Vec<Scalar<C>>) -> Result<(), Reason> {
    let mut s = Scanner::<C, true>::new(line, 0, classify, out);
    s.leaves = true;
    s.whole_object()
}

/// Checks that `line` is exactly one JSON object, escapes included, collecting nothing
/// (no paths are built): for stages that pass most lines through as they are.
pub fn validate(line: &str) -> Result<(), Reason> {
    Scanner::<(), false>::new(line, 0, &mut |_| (), &mut Vec::new()).whole_object()
}

/// The reason given for a line that is not one JSON object.
pub const NOT_AN_OBJECT: &str = "not a JSON object (an event is one JSON object per line)";

/// A step of the scan failed; why is in [`Scanner::failure`]. Kept out of the return values
/// so that every step returns in a register and the error text is built only on failure.
struct Fail;

type Step<T = ()> = Result<T, Fail>;

/// `COLLECT`: build paths and collect scalars; else only validate (a separate copy of the
/// code, without the work or the tests for it).
struct Scanner<'a, 'c, C, const COLLECT: bool> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    path: String,
    classify: &'c mut dyn FnMut(&str) -> C,
    out: &'c mut Vec<Scalar<C>>,
    objects: Option<&'c mut Vec<TopObject>>,
    /// Collect literals too, and arrays whole ([`scan_leaves`]).
    leaves: bool,
    /// The keys of the objects being read, to find a repeated one.
    keys: KeyStack,
    /// Member names, when asked for ([`scan_with_keys`]).
    key_spans: Option<&'c mut Vec<KeySpan>>,
    /// Which objects to read into ([`scan_pruned`]); every one when `None`.
    descend: Option<&'c dyn Fn(&str) -> bool>,
    /// Why the scan stopped, once a step returned [`Fail`].
    failure: Option<Reason>,
}

impl<'a, 'c, C, const COLLECT: bool> Scanner<'a, 'c, C, COLLECT> {
    fn new(
        line: &'a str,
        i: usize,
        classify: &'c mut dyn FnMut(&str) -> C,
        out: &'c mut Vec<Scalar<C>>,
    ) -> Scanner<'a, 'c, C, COLLECT> {
        Scanner {
            text: line,
            b: line.as_bytes(),
            i,
            path: if COLLECT { String::with_capacity(128) } else { String::new() },
            classify,
            out,
            objects: None,
            leaves: false,
            keys: KeyStack::new(),
            key_spans: None,
            descend: None,
            failure: None,
        }
    }

    /// The line must be one object and nothing else but white space.
    fn whole_object(&mut self) -> Result<(), Reason> {
        self.ws();
        if self.peek() != Some(b'{') {
            if self.b[self.i..].starts_with("\u{feff}".as_bytes()) {
                let detail = "a byte-order mark (U+FEFF) starts the line, not a JSON object: \
                              only the first line of a file may begin with one";
                return Err(Reason::new(RejectKind::NotAnObject, detail));
            }
            return Err(Reason::new(RejectKind::NotAnObject, NOT_AN_OBJECT));
        }
        if self.object(0).is_err() {
            return Err(self.failure.take().expect("a failed step says why"));
        }
        self.ws();
        if self.i != self.b.len() {
            let detail = format!("unexpected text after the JSON object at byte {}", self.i + 1);
            return Err(Reason::new(RejectKind::InvalidJson, detail));
        }
        Ok(())
    }
}

/// Runs `f` on a validating scanner of `line` from byte `i`; returns where it stopped.
fn validating(line: &str, i: usize, f: impl FnOnce(&mut Scanner<'_, '_, (), false>) -> Step) -> Result<usize, Reason> {
    let (mut classify, mut none) = (|_: &str| (), Vec::new());
    let mut s = Scanner::<(), false>::new(line, i, &mut classify, &mut none);
    match f(&mut s) {
        Ok(()) => Ok(s.i),
        Err(Fail) => Err(s.failure.take().expect("a failed step says why")),
    }
}

impl<C, const COLLECT: bool> Scanner<'_, '_, C, COLLECT> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Compact NDJSON has no white space: one comparison passes over its absence.
    #[inline(always)]
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|&c| c <= b' ' && matches!(c, b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    /// Stops the scan for `kind`, saying `detail`.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, kind: RejectKind, detail: String) -> Fail {
        self.failure = Some(Reason::new(kind, detail));
        Fail
    }

    /// Stops the scan at the current byte, which is not `what` was expected.
    #[cold]
    #[inline(never)]
    fn err(&mut self, what: &str) -> Fail {
        let detail = match self.peek() {
            None => format!("invalid JSON: line ends early, expected {what}"),
            Some(_) => format!("invalid JSON at byte {}: expected {what}", self.i + 1),
        };
        self.fail(RejectKind::InvalidJson, detail)
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&mut self) -> Fail {
        self.fail(RejectKind::InvalidJson, format!("JSON nested deeper than {MAX_DEPTH} levels"))
    }

    #[inline(always)]
    fn expect(&mut self, c: u8, what: &str) -> Step {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    fn object(&mut self, depth: usize) -> Step {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.i += 1; // '{'
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        // Keys of this object: on the stack from `first`; `seen` a one-word filter of them.
        let first = self.keys.len();
        let mut seen = 0u64;
        let result = loop {
            self.ws();
            if self.peek() != Some(b'"') {
                break Err(self.err("a field name in quotes"));
            }
            match self.member(depth, first, &mut seen) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.keys.truncate(first);
        result
    }

    /// One `"key": value` of an object, and the `,` or `}` after it (false: the object
    /// ended).
    #[inline(always)]
    fn member(&mut self, depth: usize, first: usize, seen: &mut u64) -> Step<bool> {
        let at = self.i;
        let escaped = self.string()?;
        let key = at + 1..self.i - 1;
        self.check_key(key.clone(), escaped, at, first, seen)?;
        if let (true, Some(spans)) = (COLLECT, self.key_spans.as_deref_mut()) {
            spans.push(KeySpan { span: key.clone(), escaped, depth: depth as u16 + 1 });
        }
        let restore = if COLLECT { self.path.len() } else { 0 };
        if COLLECT {
            if !self.path.is_empty() {
                self.path.push('.');
            }
            if escaped {
                let Some(decoded) = decode(&self.b[key]) else {
                    return Err(self.err("a valid escape in a field name"));
                };
                self.path.push_str(&decoded);
            } else {
                // Quotes are ASCII, so the span lies on character boundaries.
                self.path.push_str(&self.text[key]);
            }
        }
        if self.peek() == Some(b':') {
            self.i += 1;
        } else {
            self.expect(b':', "':' after a field name")?;
        }
        self.ws();
        let top_object = COLLECT && depth == 0 && self.objects.is_some() && self.peek() == Some(b'{');
        let inside = self.i + 1;
        // Most values are strings: read here rather than through a call to `value`.
        if self.peek() == Some(b'"') {
            self.string_value()?;
        } else {
            self.value(depth + 1)?;
        }
        if let (true, Some(objects)) = (top_object, self.objects.as_deref_mut()) {
            objects.push(TopObject { name: self.path.clone(), inside, end: self.i - 1 });
        }
        if COLLECT {
            self.path.truncate(restore);
        }
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(b'}') => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(self.err("',' or '}'")),
        }
    }

    /// Refuses a key the object already has (compared as decoded text, so `"a"` and
    /// `"\u0061"` are one key). Most keys pass the one-word filter without a comparison.
    #[inline(always)]
    fn check_key(&mut self, key: Range<usize>, escaped: bool, at: usize, first: usize, seen: &mut u64) -> Step {
        let decoded;
        let text: &[u8] = if escaped {
            match decode(&self.b[key.clone()]) {
                Some(d) => decoded = d,
                None => return Err(self.err("a valid escape in a field name")),
            }
            decoded.as_bytes()
        } else {
            &self.b[key.clone()]
        };
        let h = key_hash(text);
        let bit = 1u64 << (h >> 58);
        if *seen & bit != 0 {
            if let Some(earlier) = self.repeated(text, h, first) {
                let detail = format!(
                    "the same key appears twice in one object (at bytes {earlier} and {}): an event gives each field once",
                    at + 1
                );
                return Err(self.fail(RejectKind::DuplicateKey, detail));
            }
        }
        *seen |= bit;
        self.keys.push((h, (key.start as u32, key.end as u32), escaped));
        Ok(())
    }

    /// Where the object's keys from `first` on already hold `text` (hash `h`), if they do.
    #[inline(never)]
    fn repeated(&self, text: &[u8], h: u64, first: usize) -> Option<u32> {
        (first..self.keys.len()).find_map(|k| {
            let (other_hash, span, other_escaped) = self.keys.get(k);
            if other_hash != h {
                return None;
            }
            let other = &self.b[span.0 as usize..span.1 as usize];
            let same = if other_escaped { decode(other).is_some_and(|o| o.as_bytes() == text) } else { other == text };
            same.then_some(span.0)
        })
    }

    fn array(&mut self, depth: usize) -> Step {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.i += 1; // '['
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.value(depth + 1)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err("',' or ']'")),
            }
        }
    }

    /// A string value, its opening quote at the current byte.
    #[inline(always)]
    fn string_value(&mut self) -> Step {
        let start = self.i + 1;
        let escaped = self.string()?;
        if COLLECT {
            let class = (self.classify)(&self.path);
            self.out.push(Scalar { span: start..self.i - 1, string: true, escaped, class });
        }
        Ok(())
    }

    /// A value of any kind, at the current byte (white space before it passed).
    fn value(&mut self, depth: usize) -> Step {
        match self.peek() {
            Some(b'"') => self.string_value(),
            Some(b'{') if COLLECT && self.descend.is_some_and(|d| !d(&self.path)) => self.skip(|s| s.object(depth)),
            Some(b'{') => self.object(depth),
            Some(b'[') if COLLECT && self.leaves => {
                let start = self.i;
                self.skip(|s| s.array(depth))?;
                self.push_leaf(start);
                Ok(())
            }
            Some(b'[') => self.array(depth),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.number()?;
                if COLLECT {
                    self.push_leaf(start);
                }
                Ok(())
            }
            _ => Err(self.err("a value")),
        }
    }

    /// Passes over the value at the current byte, validating it with `f` and collecting
    /// nothing from it.
    #[inline(never)]
    fn skip(&mut self, f: impl FnOnce(&mut Scanner<'_, '_, (), false>) -> Step) -> Step {
        match validating(self.text, self.i, f) {
            Ok(end) => {
                self.i = end;
                Ok(())
            }
            Err(reason) => {
                self.failure = Some(reason);
                Err(Fail)
            }
        }
    }

    /// Collects the value from `start` to the current position (not a string).
    fn push_leaf(&mut self, start: usize) {
        let class = (self.classify)(&self.path);
        self.out.push(Scalar { span: start..self.i, string: false, escaped: false, class });
    }

    fn literal(&mut self, word: &[u8]) -> Step {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            if COLLECT && self.leaves {
                self.push_leaf(self.i - word.len());
            }
            Ok(())
        } else {
            Err(self.err("true, false or null"))
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> bool {
        let from = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i > from
    }

    fn number(&mut self) -> Step {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let first = self.i;
        if !self.digits() {
            return Err(self.err("a digit"));
        }
        if self.b[first] == b'0' && self.i > first + 1 {
            self.i = first + 1;
            return Err(self.err("no digit after a leading 0"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.digits() {
                return Err(self.err("a digit after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !self.digits() {
                return Err(self.err("an exponent"));
            }
        }
        Ok(())
    }

    /// Passes a string from its opening quote to just after its closing one; returns whether
    /// it holds escapes, each checked to be one JSON allows (`\u` with four hex digits,
    /// surrogates in pairs) as it is passed. A raw control character (below U+0020) is
    /// refused: JSON writes it as an escape.
    #[inline(always)]
    fn string(&mut self) -> Step<bool> {
        self.i += 1; // '"'
        let mut escaped = false;
        loop {
            let Some(n) = first_json_special(&self.b[self.i..]) else {
                self.i = self.b.len();
                return Err(self.err("a closing quote"));
            };
            self.i += n;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Ok(escaped);
                }
                b'\\' => {}
                _ => return Err(self.control()),
            }
            escaped = true;
            match escape_len(&self.b[self.i..]) {
                Ok(n) => self.i += n,
                Err(BadEscape::LoneSurrogate) => return Err(self.lone_surrogate()),
                Err(BadEscape::Invalid) => return Err(self.err("a valid escape")),
                Err(BadEscape::Missing) => {
                    self.i = self.b.len();
                    return Err(self.err("an escape"));
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn control(&mut self) -> Fail {
        let detail = format!(
            "invalid JSON at byte {}: a raw control character (0x{:02x}) inside a string \
             (JSON writes it as an escape such as \\n or \\u0001)",
            self.i + 1,
            self.b[self.i]
        );
        self.fail(RejectKind::InvalidJson, detail)
    }

    #[cold]
    #[inline(never)]
    fn lone_surrogate(&mut self) -> Fail {
        let detail = format!(
            "invalid JSON at byte {}: an escape of a lone UTF-16 surrogate (\\ud800-\\udfff not in a pair) is no character",
            self.i + 1
        );
        self.fail(RejectKind::InvalidJson, detail)
    }
}

/// Why a backslash does not start an escape JSON allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadEscape {
    /// Nothing follows the backslash.
    Missing,
    /// An unknown escape letter, or `\u` without four hex digits.
    Invalid,
    /// `\ud800`-`\udfff` not in a high-low pair: no character.
    LoneSurrogate,
}

/// The length of the escape that `b` starts with (its first byte is the backslash): 2, 6,
/// or 12 for a surrogate pair. Every reader of JSON text in the crate checks escapes with
/// this, so they accept and refuse the same strings.
#[inline(always)]
pub fn escape_len(b: &[u8]) -> Result<usize, BadEscape> {
    match b.get(1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(2),
        Some(b'u') => match hex4(b.get(2..6)) {
            Some(0xd800..=0xdbff) => {
                let low = b.get(6..8).filter(|l| *l == b"\\u");
                match low.and_then(|_| hex4(b.get(8..12))) {
                    Some(0xdc00..=0xdfff) => Ok(12),
                    _ => Err(BadEscape::LoneSurrogate),
                }
            }
            Some(0xdc00..=0xdfff) => Err(BadEscape::LoneSurrogate),
            Some(_) => Ok(6),
            None => Err(BadEscape::Invalid),
        },
        Some(_) => Err(BadEscape::Invalid),
        None => Err(BadEscape::Missing),
    }
}

/// The value of four hex digits.
fn hex4(h: Option<&[u8]>) -> Option<u32> {
    let h = h?;
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// A hash of a key's text, for finding repeated keys.
fn key_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h.rotate_left(5) ^ tail_word(b, rest.len())).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// The last `n` bytes of `b` (1 to 7) as a little-endian word, zero above them, read in at
/// most two loads rather than through a copy (keys are short: this runs for most of them).
#[inline(always)]
fn tail_word(b: &[u8], n: usize) -> u64 {
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")) as u64;
    let len = b.len();
    if len >= 8 {
        word(len - 8) >> (8 * (8 - n))
    } else if n >= 4 {
        // Two overlapping halves; the bytes they share are the same bytes.
        half(len - n) | half(len - 4) << (8 * (n - 4))
    } else {
        b[len - n..].iter().rev().fold(0u64, |x, &c| x << 8 | c as u64)
    }
}

/// A key of an object being scanned: its hash, its span in the line, whether it is escaped.
type Key = (u64, (u32, u32), bool);

/// The keys of the objects being scanned, kept inline for the common event (no allocation
/// per line) and spilled beyond. The inline slots are left uninitialized until pushed:
/// writing all of them for every line cost more than the pushes.
struct KeyStack {
    inline: [MaybeUninit<Key>; KeyStack::INLINE],
    len: usize,
    spill: Vec<Key>,
}

impl KeyStack {
    const INLINE: usize = 48;

    fn new() -> KeyStack {
        KeyStack { inline: [MaybeUninit::uninit(); KeyStack::INLINE], len: 0, spill: Vec::new() }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, i: usize) -> Key {
        assert!(i < self.len, "a key on the stack");
        if i < Self::INLINE {
            // SAFETY: slots below `len` were written by `push`.
            unsafe { self.inline[i].assume_init() }
        } else {
            self.spill[i - Self::INLINE]
        }
    }

    fn push(&mut self, k: Key) {
        if self.len < Self::INLINE {
            self.inline[self.len] = MaybeUninit::new(k);
        } else {
            self.spill.push(k);
        }
        self.len += 1;
    }

    fn truncate(&mut self, len: usize) {
        self.len = len;
        self.spill.truncate(len.saturating_sub(Self::INLINE));
    }
}

/// Decodes the inside of a JSON string; `None` for a bad escape. (Written here rather than
/// through serde_json: escaped strings are common in raw lines and this avoids a copy.)
pub fn decode(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(n) = memchr::memchr(b'\\', &raw[i..]) {
        out.extend_from_slice(&raw[i..i + n]);
        i += n + 1;
        let c = *raw.get(i)?;
        i += 1;
        match c {
            b'"' | b'\\' | b'/' => out.push(c),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let hex = |at: usize| {
                    raw.get(at..at + 4)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                let mut code = hex(i)?;
                i += 4;
                if (0xd800..0xdc00).contains(&code) && raw.get(i..i + 2) == Some(b"\\u") {
                    let low = hex(i + 2)?;
                    if (0xdc00..0xe000).contains(&low) {
                        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                        i += 6;
                    }
                }
                out.extend_from_slice(char::from_u32(code)?.encode_utf8(&mut [0; 4]).as_bytes());
            }
            _ => return None,
        }
    }
    out.extend_from_slice(&raw[i..]);
    String::from_utf8(out).ok()
}

/// [`decode`] for strings the scan let through but that are no text: a `\\u` escape of a lone
/// surrogate (`\\ud800`) becomes U+FFFD, as lossy UTF-8 decoding does, so a stage that must
/// read every string (anonymize) still sees the rest of it.
pub fn decode_lossy(raw: &[u8]) -> String {
    if let Some(s) = decode(raw) {
        return s;
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let from = i;
        match memchr::memchr(b'\\', &raw[i..]) {
            Some(n) => i += n,
            None => i = raw.len(),
        }
        out.push_str(&String::from_utf8_lossy(&raw[from..i]));
        if i >= raw.len() {
            break;
        }
        // One escape (or a surrogate pair) at i.
        let end = if raw.get(i + 1) == Some(&b'u') { i + 6 } else { i + 2 };
        let pair_end = end + 6;
        let one = |r: &[u8]| decode(r);
        if raw.get(i + 1) == Some(&b'u') && raw.get(end..end + 2) == Some(b"\\u") {
            if let Some(s) = raw.get(i..pair_end).and_then(one) {
                out.push_str(&s);
                i = pair_end;
                continue;
            }
        }
        match raw.get(i..end.min(raw.len())).and_then(one) {
            Some(s) => out.push_str(&s),
            None => out.push('\u{fffd}'),
        }
        i = end.min(raw.len());
    }
    out
}

/// Appends `text` as the inside of a JSON string (quotes not included), escaped as
/// serde_json escapes it.
pub fn encode_into(text: &str, out: &mut Vec<u8>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(n) = first_json_special(&b[from..]) {
        let i = from + n;
        out.extend_from_slice(&b[from..i]);
        match b[i] {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
        }
        from = i + 1;
    }
    out.extend_from_slice(&b[from..]);
}

#[cfg(test)]
mod tests {

    #[test]
    fn validate_checks_structure_and_escapes_without_collecting() {
        for ok in [r#"{"a":"x\"y\u00e9\n","b":[1,{"c":null}]}"#, " {} ", r#"{"k\t":1}"#] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        for bad in [r#"{"a":"\x"}"#, r#"{"a":"\u12"}"#, r#"{"\q":1}"#, "[1]", r#"{"a":1} x"#, r#"{"a":}"#, r#"{"a":"\"#]
        {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scan_leaves_lists_literals_and_whole_arrays() {
        let line = r#"{"a":{"b":true,"c":[1,{"d":"x"}]},"e":null,"f":"g","h":[]}"#;
        let mut paths = Vec::new();
        let mut out = Vec::new();
        scan_leaves(
            line,
            &mut |p| {
                paths.push(p.to_string());
                0
            },
            &mut out,
        )
        .unwrap();
        let leaves: Vec<(&str, &str, bool)> =
            paths.iter().zip(&out).map(|(p, s)| (p.as_str(), &line[s.span.clone()], s.string)).collect();
        assert_eq!(
            leaves,
            [
                ("a.b", "true", false),
                ("a.c", r#"[1,{"d":"x"}]"#, false),
                ("e", "null", false),
                ("f", "g", true),
                ("h", "[]", false)
            ]
        );
        assert!(scan_leaves(r#"{"a":[1,}"#, &mut |_| 0, &mut out).is_err());
    }

    use super::*;

    fn paths(line: &str) -> Result<Vec<(String, String)>, Reason> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        let mut classify = |p: &str| {
            seen.push(p.to_string());
            0
        };
        scan(line, &mut classify, &mut out)?;
        Ok(seen.into_iter().zip(out.iter().map(|s| line[s.span.clone()].to_string())).collect())
    }

    #[test]
    fn paths_of_nested_dotted_and_array_values() {
        let got = paths(r#"{"source":{"ip":"1.2.3.4","port":22},"user.name":"al\"ice","related":{"ip":["a","b"]},"x":[{"y":1}],"ok":true,"n":null}"#).unwrap();
        let want: Vec<(String, String)> = [
            ("source.ip", "1.2.3.4"),
            ("source.port", "22"),
            ("user.name", "al\\\"ice"),
            ("related.ip", "a"),
            ("related.ip", "b"),
            ("x.y", "1"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn pruned_objects_are_validated_but_not_read() {
        let line = r#"{"source":{"ip":"1.2.3.4","geo":{"name":"x"}},"event":{"a":{"b":"c"}},"x":[{"source":{"ip":"in array"}}],"source.geo":{"name":"y"}}"#;
        let descend = |p: &str| matches!(p, "source" | "source.geo" | "x" | "x.source");
        let (mut seen, mut out) = (Vec::new(), Vec::new());
        scan_pruned(line, &mut |p: &str| seen.push(p.to_string()), &descend, &mut out).unwrap();
        let values: Vec<&str> = out.iter().map(|s| &line[s.span.clone()]).collect();
        assert_eq!(seen, ["source.ip", "source.geo.name", "x.source.ip", "source.geo.name"]);
        assert_eq!(values, ["1.2.3.4", "x", "in array", "y"]);
        // A skipped object is still checked: bad JSON and repeated keys inside it reject.
        let none = |_: &str| false;
        for bad in [r#"{"event":{"a":1,"a":2}}"#, r#"{"event":{"a":tru}}"#, r#"{"event":{"a":"\ud800"}}"#] {
            let err = scan_pruned(bad, &mut |_: &str| (), &none, &mut Vec::new()).unwrap_err();
            let full = scan(bad, &mut |_: &str| (), &mut Vec::new()).unwrap_err();
            assert_eq!(err.detail, full.detail, "{bad}");
        }
    }

    #[test]
    fn errors_give_positions_not_content() {
        for bad in [
            "secret text",
            r#"{"a":"secret"#,
            r#"{"a":secret}"#,
            r#"{"a":1}{"#,
            "[1,2]",
            r#"{"a":-}"#,
            r#"{"a" "b"}"#,
            r#"{"a":"x\"#,
        ] {
            let e = paths(bad).unwrap_err();
            assert!(!e.detail.contains("secret"), "{e}");
        }
        assert!(paths(" {} ").unwrap().is_empty());
    }

    #[test]
    fn strings_round_trip_through_decode_and_encode() {
        let mut out = Vec::new();
        let text = decode(br#"a\"b\\c\u00e9\n"#).unwrap();
        assert_eq!(decode(br#"\ud83d\ude00 \/ \t"#).unwrap(), "\u{1f600} / \t");
        assert_eq!(decode(br#"bad \x"#), None);
        assert_eq!(decode(br#"cut \u00"#), None);
        assert_eq!(text, "a\"b\\c\u{e9}\n");
        encode_into(&text, &mut out);
        assert_eq!(out, "a\\\"b\\\\c\u{e9}\\n".as_bytes());
        for s in ["plain", "q\"uote", "back\\slash", "ctl\u{1}\u{1f}\u{8}\u{c}\t\r\n", "é ü"] {
            let mut mine = Vec::new();
            encode_into(s, &mut mine);
            let theirs = serde_json::to_string(s).unwrap();
            assert_eq!(String::from_utf8(mine).unwrap(), theirs[1..theirs.len() - 1]);
        }
    }

    #[test]
    fn lone_surrogates_decode_lossily_and_the_rest_stays() {
        assert_eq!(decode(br#"a\ud800b"#), None);
        assert_eq!(decode_lossy(br#"mail bob@x.org \ud800 pw"#), "mail bob@x.org \u{fffd} pw");
        assert_eq!(decode_lossy(br#"\udc00\ud83d\ude00\ud800\u0041\n"#), "\u{fffd}\u{1f600}\u{fffd}A\n");
        assert_eq!(decode_lossy(br#"plain"#), "plain");
    }

    #[test]
    fn tail_words_are_the_zero_padded_last_bytes() {
        let b: Vec<u8> = (1..=20).collect();
        for len in 1..=20 {
            for n in 1..8.min(len + 1) {
                let mut padded = [0u8; 8];
                padded[..n].copy_from_slice(&b[len - n..len]);
                assert_eq!(tail_word(&b[..len], n), u64::from_le_bytes(padded), "len {len} n {n}");
            }
        }
    }

    #[test]
    fn repeated_keys_are_found_beyond_the_inline_slots() {
        let keys = |n: usize| (0..n).map(|i| format!(r#""k{i}":{i}"#)).collect::<Vec<_>>().join(",");
        for n in [1, 47, 48, 49, 120] {
            assert_eq!(validate(&format!("{{{}}}", keys(n))), Ok(()), "{n} keys");
            for again in [0, n - 1] {
                let line = format!(r#"{{{},"k{again}":0}}"#, keys(n));
                let e = validate(&line).unwrap_err();
                assert_eq!(e.kind, RejectKind::DuplicateKey, "{n} keys, k{again} again");
                // The same keys in an object inside: the outer object's keys fill the stack first.
                let nested = format!(r#"{{{},"in":{{"k{again}":1,"x":2,"x":3}}}}"#, keys(n));
                assert_eq!(validate(&nested).unwrap_err().kind, RejectKind::DuplicateKey, "nested after {n}");
                let fine = format!(r#"{{{},"in":{{"k{again}":1,"x":2}}}}"#, keys(n));
                assert_eq!(validate(&fine), Ok(()), "a name the outer object has is new inside");
            }
        }
    }

    #[test]
    fn member_names_are_listed_with_their_depth() {
        let line = r#"{"a":{"b\u0041":1,"c":[{"d":2}]},"e":"x"}"#;
        let mut keys = Vec::new();
        scan_with_keys(line, &mut |_| (), &mut Vec::new(), None, &mut keys).unwrap();
        let got: Vec<(&str, bool, u16)> = keys.iter().map(|k| (&line[k.span.clone()], k.escaped, k.depth)).collect();
        assert_eq!(got, [("a", false, 1), ("b\\u0041", true, 2), ("c", false, 2), ("d", false, 4), ("e", false, 1)]);
    }
}
