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

use crate::io::{Reason, RejectKind};
use std::borrow::Cow;
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
    scan_with_objects(line, classify, out, None)
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
    let mut s = Scanner::<C, true> {
        text: line,
        b: line.as_bytes(),
        i: 0,
        path: String::with_capacity(128),
        classify,
        out,
        objects,
        leaves: false,
        keys: KeyStack::new(),
        key_spans: None,
    };
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
    let mut s = Scanner::<C, true> {
        text: line,
        b: line.as_bytes(),
        i: 0,
        path: String::with_capacity(128),
        classify,
        out,
        objects,
        leaves: false,
        keys: KeyStack::new(),
        key_spans: Some(keys),
    };
    s.whole_object()
}

/// [`scan`] for flattening an event into columns: every leaf is listed, `true`, `false` and
/// `null` included (as literals, not strings), and an array is one leaf spanning its whole
/// JSON text rather than one scalar per element.
pub fn scan_leaves<C>(line: &str, classify: &mut dyn FnMut(&str) -> C, out: &mut Vec<Scalar<C>>) -> Result<(), Reason> {
    let mut s = Scanner::<C, true> {
        text: line,
        b: line.as_bytes(),
        i: 0,
        path: String::with_capacity(128),
        classify,
        out,
        objects: None,
        leaves: true,
        keys: KeyStack::new(),
        key_spans: None,
    };
    s.whole_object()
}

/// Checks that `line` is exactly one JSON object, escapes included, collecting nothing
/// (no paths are built): for stages that pass most lines through as they are.
pub fn validate(line: &str) -> Result<(), Reason> {
    let mut none = Vec::new();
    let mut s = Scanner::<(), false> {
        text: line,
        b: line.as_bytes(),
        i: 0,
        path: String::new(),
        classify: &mut |_| (),
        out: &mut none,
        objects: None,
        leaves: false,
        keys: KeyStack::new(),
        key_spans: None,
    };
    s.whole_object()
}

/// The reason given for a line that is not one JSON object.
pub const NOT_AN_OBJECT: &str = "not a JSON object (an event is one JSON object per line)";

/// The reason given for an object that repeats a key.
const DUPLICATE_KEY: &str = "the same key appears twice in one object";

impl<C, const COLLECT: bool> Scanner<'_, '_, C, COLLECT> {
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
        if let Err(e) = self.object(0) {
            let kind = if e.starts_with(DUPLICATE_KEY) { RejectKind::DuplicateKey } else { RejectKind::InvalidJson };
            return Err(Reason::new(kind, e));
        }
        self.ws();
        if self.i != self.b.len() {
            let detail = format!("unexpected text after the JSON object at byte {}", self.i + 1);
            return Err(Reason::new(RejectKind::InvalidJson, detail));
        }
        Ok(())
    }
}

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
}

/// Runs `f` on a validating scanner of `line` from byte `i`; returns where it stopped.
fn validating(
    line: &str,
    i: usize,
    f: impl FnOnce(&mut Scanner<'_, '_, (), false>) -> Result<(), String>,
) -> Result<usize, String> {
    let mut none = Vec::new();
    let mut s = Scanner {
        text: line,
        b: line.as_bytes(),
        i,
        path: String::new(),
        classify: &mut |_| (),
        out: &mut none,
        objects: None,
        leaves: false,
        keys: KeyStack::new(),
        key_spans: None,
    };
    f(&mut s)?;
    Ok(s.i)
}

impl<C, const COLLECT: bool> Scanner<'_, '_, C, COLLECT> {
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

    fn err(&self, what: &str) -> String {
        match self.peek() {
            None => format!("invalid JSON: line ends early, expected {what}"),
            Some(_) => format!("invalid JSON at byte {}: expected {what}", self.i + 1),
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(format!("JSON nested deeper than {MAX_DEPTH} levels"));
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
    fn member(&mut self, depth: usize, first: usize, seen: &mut u64) -> Result<bool, String> {
        {
            let at = self.i;
            let (key, escaped) = self.string()?;
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
                    let decoded = decode(&self.b[key]).ok_or_else(|| self.err("a valid escape in a field name"))?;
                    self.path.push_str(&decoded);
                } else {
                    // Quotes are ASCII, so the span lies on character boundaries.
                    self.path.push_str(&self.text[key]);
                }
            }
            self.expect(b':', "':' after a field name")?;
            self.ws();
            let top_object = COLLECT && depth == 0 && self.objects.is_some() && self.peek() == Some(b'{');
            let inside = self.i + 1;
            self.value(depth + 1)?;
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
    }

    /// Refuses a key the object already has (compared as decoded text, so `"a"` and
    /// `"\u0061"` are one key). Most keys pass the one-word filter without a comparison.
    fn check_key(
        &mut self,
        key: Range<usize>,
        escaped: bool,
        at: usize,
        first: usize,
        seen: &mut u64,
    ) -> Result<(), String> {
        let decoded;
        let text: &[u8] = if escaped {
            decoded = decode(&self.b[key.clone()]).ok_or_else(|| self.err("a valid escape in a field name"))?;
            decoded.as_bytes()
        } else {
            &self.b[key.clone()]
        };
        let h = key_hash(text);
        let bit = 1u64 << (h >> 58);
        if *seen & bit != 0 {
            for k in first..self.keys.len() {
                let (other_hash, span, other_escaped) = self.keys.get(k);
                if other_hash != h {
                    continue;
                }
                let other = &self.b[span.0 as usize..span.1 as usize];
                let same =
                    if other_escaped { decode(other).is_some_and(|o| o.as_bytes() == text) } else { other == text };
                if same {
                    return Err(format!(
                        "{DUPLICATE_KEY} (at bytes {} and {}): an event gives each field once",
                        span.0,
                        at + 1
                    ));
                }
            }
        }
        *seen |= bit;
        self.keys.push((h, (key.start as u32, key.end as u32), escaped));
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(format!("JSON nested deeper than {MAX_DEPTH} levels"));
        }
        self.i += 1; // '['
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
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

    fn value(&mut self, depth: usize) -> Result<(), String> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') if COLLECT && self.leaves => {
                let start = self.i;
                self.i = validating(self.text, start, |s| s.array(depth))?;
                self.push_leaf(start);
                Ok(())
            }
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let (span, escaped) = self.string()?;
                if COLLECT {
                    let class = (self.classify)(&self.path);
                    self.out.push(Scalar { span, string: true, escaped, class });
                }
                Ok(())
            }
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

    /// Collects the value from `start` to the current position (not a string).
    fn push_leaf(&mut self, start: usize) {
        let class = (self.classify)(&self.path);
        self.out.push(Scalar { span: start..self.i, string: false, escaped: false, class });
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
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

    fn number(&mut self) -> Result<(), String> {
        let digits = |s: &mut Self| {
            let from = s.i;
            while matches!(s.peek(), Some(b'0'..=b'9')) {
                s.i += 1;
            }
            s.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let first = self.i;
        if !digits(self) {
            return Err(self.err("a digit"));
        }
        if self.b[first] == b'0' && self.i > first + 1 {
            self.i = first + 1;
            return Err(self.err("no digit after a leading 0"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return Err(self.err("a digit after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.err("an exponent"));
            }
        }
        Ok(())
    }

    /// Returns the span inside the quotes and whether it holds escapes, each checked to be
    /// one JSON allows (`\u` with four hex digits, surrogates in pairs) as it is passed.
    /// A raw control character (below U+0020) is refused: JSON writes it as an escape.
    #[inline(always)]
    fn string(&mut self) -> Result<(Range<usize>, bool), String> {
        self.i += 1; // '"'
        let start = self.i;
        let mut escaped = false;
        loop {
            let Some(n) = string_special(&self.b[self.i..]) else {
                self.i = self.b.len();
                return Err(self.err("a closing quote"));
            };
            self.i += n;
            match self.b[self.i] {
                b'"' => {
                    let span = start..self.i;
                    self.i += 1;
                    return Ok((span, escaped));
                }
                b'\\' => {}
                c => {
                    return Err(format!(
                        "invalid JSON at byte {}: a raw control character (0x{c:02x}) inside a string \
                         (JSON writes it as an escape such as \\n or \\u0001)",
                        self.i + 1
                    ))
                }
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

    fn lone_surrogate(&self) -> String {
        format!(
            "invalid JSON at byte {}: an escape of a lone UTF-16 surrogate (\\ud800-\\udfff not in a pair) is no character",
            self.i + 1
        )
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
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// The keys of the objects being scanned: (hash, span in the line, escaped), kept inline
/// for the common event (no allocation per line) and spilled beyond.
struct KeyStack {
    inline: [(u64, (u32, u32), bool); KeyStack::INLINE],
    len: usize,
    spill: Vec<(u64, (u32, u32), bool)>,
}

impl KeyStack {
    const INLINE: usize = 48;

    fn new() -> KeyStack {
        KeyStack { inline: [(0, (0, 0), false); KeyStack::INLINE], len: 0, spill: Vec::new() }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, i: usize) -> (u64, (u32, u32), bool) {
        if i < Self::INLINE {
            self.inline[i]
        } else {
            self.spill[i - Self::INLINE]
        }
    }

    fn push(&mut self, k: (u64, (u32, u32), bool)) {
        if self.len < Self::INLINE {
            self.inline[self.len] = k;
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

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` equal to `c` (exact for the lowest such byte).
fn has_byte(x: u64, c: u8) -> u64 {
    let y = x ^ (c as u64 * ONES);
    y.wrapping_sub(ONES) & !y & HIGH
}

/// High bit set in each byte below 0x20 (exact for the lowest such byte).
fn has_control(x: u64) -> u64 {
    x.wrapping_sub(0x20 * ONES) & !x & HIGH
}

/// The first `"`, `\` or raw control character of a string: most keys and values end
/// within 32 bytes, checked eight at a time in place; longer strings go to memchr's vector
/// search for the quote or backslash, and the bytes before it are checked for control
/// characters 32 at a time.
fn string_special(b: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(word) = b.get(at..at + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let m = has_byte(x, b'"') | has_byte(x, b'\\') | has_control(x);
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
        if at == 32 {
            break;
        }
    }
    let end = memchr::memchr2(b'"', b'\\', &b[at..]).map(|n| n + at);
    let stop = end.unwrap_or(b.len());
    first_control(&b[at..stop]).map(|n| n + at).or(end)
}

/// The first byte below 0x20: blocks of 32 bytes with none, the usual case, cost a few
/// word operations.
fn first_control(b: &[u8]) -> Option<usize> {
    let word = |c: &[u8]| {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        has_control(x)
    };
    let mut blocks = b.chunks_exact(32);
    let mut at = 0;
    for c in &mut blocks {
        if word(&c[..8]) | word(&c[8..16]) | word(&c[16..24]) | word(&c[24..]) != 0 {
            return c.iter().position(|&x| x < 0x20).map(|n| n + at);
        }
        at += 32;
    }
    blocks.remainder().iter().position(|&x| x < 0x20).map(|n| n + at)
}

/// The first byte that `hits` flags, eight bytes at a time (SWAR); the tail is padded with
/// `pad`, which must not be flagged.
#[inline(always)]
fn find_byte(b: &[u8], pad: u8, hits: impl Fn(u64) -> u64) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        let x = if i + 8 <= b.len() {
            u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
        } else {
            let mut tail = [pad; 8];
            tail[..b.len() - i].copy_from_slice(&b[i..]);
            u64::from_le_bytes(tail)
        };
        let m = hits(x);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    None
}

/// The first byte a JSON string must escape: `"`, `\`, or a control character.
fn next_special(b: &[u8]) -> Option<usize> {
    find_byte(b, b'a', |x| has_byte(x, b'"') | has_byte(x, b'\\') | has_control(x))
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
    while let Some(n) = next_special(&b[from..]) {
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

    #[test]
    fn the_first_quote_backslash_or_control_is_found_at_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut b = vec![b'x'; len];
                    b[at] = c;
                    if at + 1 < len {
                        b[at + 1] = b'"';
                    }
                    assert_eq!(string_special(&b), Some(at), "len {len} at {at}");
                }
            }
            assert_eq!(string_special(&vec![b'x'; len]), None);
        }
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
    fn special_bytes_are_found_at_every_offset() {
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut v = vec![b'a'; len];
                    v[at] = special;
                    assert_eq!(next_special(&v), Some(at), "{len} {at} {special}");
                }
            }
            assert_eq!(next_special(&vec![0xc3; len]), None);
            assert_eq!(next_special(&vec![b' '; len]), None);
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
    fn member_names_are_listed_with_their_depth() {
        let line = r#"{"a":{"b\u0041":1,"c":[{"d":2}]},"e":"x"}"#;
        let mut keys = Vec::new();
        scan_with_keys(line, &mut |_| (), &mut Vec::new(), None, &mut keys).unwrap();
        let got: Vec<(&str, bool, u16)> = keys.iter().map(|k| (&line[k.span.clone()], k.escaped, k.depth)).collect();
        assert_eq!(got, [("a", false, 1), ("b\\u0041", true, 2), ("c", false, 2), ("d", false, 4), ("e", false, 1)]);
    }
}
