//! A streaming JSON reader for the records the `evtx` crate renders: every scalar is given
//! to a [`Sink`] with the keys on its path, and strings are the spans of the line they are
//! written in (escapes and all), so EventData values are copied to the output as they are
//! and only the values mapped to ECS fields are decoded. Nothing is allocated but the path
//! stack.

use crate::event::scan::{self, BadEscape};
use std::borrow::Cow;

/// The text of a JSON string as written in the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Txt<'a> {
    /// Between the quotes.
    pub raw: &'a str,
    /// It holds backslash escapes.
    pub escaped: bool,
}

impl<'a> Txt<'a> {
    /// The decoded text: borrowed when there is no escape.
    pub fn text(&self) -> Cow<'a, str> {
        if self.escaped {
            Cow::Owned(decode(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// Whether the decoded text is `s`.
    pub fn is(&self, s: &str) -> bool {
        if self.escaped {
            decode(self.raw) == s
        } else {
            self.raw == s
        }
    }
}

/// A scalar (or an empty object or array, which has no scalar to stand for it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Leaf<'a> {
    Str(Txt<'a>),
    /// A number, `true` or `false`, as written.
    Lit(&'a str),
    Null,
    /// `{}` or `[]`.
    Empty,
}

/// Where the scalars go.
pub trait Sink<'a> {
    /// One scalar: the keys of the objects it is in (outermost first), and whether it is an
    /// element of an array (the last key names the array).
    fn leaf(&mut self, path: &[Txt<'a>], in_array: bool, value: Leaf<'a>);
}

/// Walks the one JSON value that makes up `s` (white space around it allowed).
pub fn walk<'a>(s: &'a str, sink: &mut impl Sink<'a>) -> Result<(), String> {
    let mut p = P { s, b: s.as_bytes(), i: 0, path: Vec::with_capacity(8) };
    p.ws();
    p.value(sink, false, 0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(format!("unexpected text after the JSON value at byte {}", p.i + 1));
    }
    Ok(())
}

struct P<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    path: Vec<Txt<'a>>,
}

const MAX_DEPTH: usize = 64;

impl<'a> P<'a> {
    #[inline]
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("invalid JSON at byte {}: {what}", self.i + 1))
    }

    fn value(&mut self, sink: &mut impl Sink<'a>, in_array: bool, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return self.err("nested too deep");
        }
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    sink.leaf(&self.path, in_array, Leaf::Empty);
                    return Ok(());
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return self.err("expected a key");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return self.err("expected ':'");
                    }
                    self.i += 1;
                    self.ws();
                    self.path.push(k);
                    self.value(sink, false, depth + 1)?;
                    self.path.pop();
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("expected ',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    sink.leaf(&self.path, in_array, Leaf::Empty);
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.value(sink, true, depth + 1)?;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("expected ',' or ']'"),
                    }
                }
            }
            Some(b'"') => {
                let t = self.string()?;
                sink.leaf(&self.path, in_array, Leaf::Str(t));
                Ok(())
            }
            Some(b't') => self.word("true").map(|w| sink.leaf(&self.path, in_array, Leaf::Lit(w))),
            Some(b'f') => self.word("false").map(|w| sink.leaf(&self.path, in_array, Leaf::Lit(w))),
            Some(b'n') => self.word("null").map(|_| sink.leaf(&self.path, in_array, Leaf::Null)),
            Some(b'-' | b'0'..=b'9') => {
                let n = self.number()?;
                sink.leaf(&self.path, in_array, Leaf::Lit(n));
                Ok(())
            }
            _ => self.err("expected a value"),
        }
    }

    fn word(&mut self, w: &'static str) -> Result<&'a str, String> {
        if self.b[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(&self.s[self.i - w.len()..self.i])
        } else {
            self.err("expected a value")
        }
    }

    fn number(&mut self) -> Result<&'a str, String> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.b.len() && p.b[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - s
        };
        let int = digits(self);
        if int == 0 || (int > 1 && self.b[self.i - int] == b'0') {
            return self.err("bad number");
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return self.err("bad number");
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.err("bad number");
            }
        }
        Ok(&self.s[start..self.i])
    }

    /// A string at `i` (its opening quote), checked: escapes are valid and no control
    /// character is written raw, so its text can be copied into other JSON as it is.
    fn string(&mut self) -> Result<Txt<'a>, String> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            // Quotes, backslashes and control characters end a run of plain text.
            let run = self.b[self.i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            let Some(off) = run.map(|o| o + self.i) else {
                return self.err("unterminated string");
            };
            self.i = off;
            match self.b[off] {
                b'"' => {
                    self.i += 1;
                    return Ok(Txt { raw: &self.s[start..off], escaped });
                }
                b'\\' => {
                    escaped = true;
                    // Strings are copied into the event as written: an escape the event
                    // scanner refuses (a lone surrogate too) would make the event invalid.
                    match scan::escape_len(&self.b[off..]) {
                        Ok(n) => self.i = off + n,
                        Err(BadEscape::LoneSurrogate) => return self.err("escape of a lone UTF-16 surrogate"),
                        Err(_) => return self.err("invalid escape"),
                    }
                }
                _ => return self.err("control character in a string"),
            }
        }
    }
}

/// Decodes the escapes of a string body already checked by the reader (a lone surrogate
/// becomes U+FFFD).
pub fn decode(raw: &str) -> String {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let mut from = 0;
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        out.push_str(&raw[from..at]);
        let c = b[at + 1];
        i = at + 2;
        match c {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'u' => {
                let hex = |s: &str| u32::from_str_radix(s, 16).unwrap_or(0xfffd);
                let mut cp = hex(&raw[at + 2..at + 6]);
                i = at + 6;
                if (0xd800..0xdc00).contains(&cp)
                    && b.get(i) == Some(&b'\\')
                    && b.get(i + 1) == Some(&b'u')
                    && b.len() >= i + 6
                {
                    let lo = hex(&raw[i + 2..i + 6]);
                    if (0xdc00..0xe000).contains(&lo) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        i += 6;
                    }
                }
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
            other => out.push(other as char),
        }
        from = i;
    }
    out.push_str(&raw[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(String, bool, String)>);

    impl<'a> Sink<'a> for Collect {
        fn leaf(&mut self, path: &[Txt<'a>], in_array: bool, value: Leaf<'a>) {
            let p: Vec<String> = path.iter().map(|t| t.text().into_owned()).collect();
            let v = match value {
                Leaf::Str(t) => format!("s:{}", t.text()),
                Leaf::Lit(l) => format!("l:{l}"),
                Leaf::Null => "null".into(),
                Leaf::Empty => "empty".into(),
            };
            self.0.push((p.join("."), in_array, v));
        }
    }

    fn leaves(s: &str) -> Vec<(String, bool, String)> {
        let mut c = Collect::default();
        walk(s, &mut c).unwrap();
        c.0
    }

    #[test]
    fn gives_every_scalar_with_its_path() {
        let got = leaves(r#" {"a":"C:\\x","b":[1,-2.5e3,true,null],"c":{"d":"\u00e9\ud83d\ude00","e":{}}} "#);
        let want = [
            ("a", false, r"s:C:\x"),
            ("b", true, "l:1"),
            ("b", true, "l:-2.5e3"),
            ("b", true, "l:true"),
            ("b", true, "null"),
            ("c.d", false, "s:é😀"),
            ("c.e", false, "empty"),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1, g.2.as_str()), w);
        }
    }

    #[test]
    fn rejects_what_could_not_be_copied_as_json() {
        for bad in [r#"{"a":"x\q"}"#, "{\"a\":\"x\u{1}\"}", r#"{"a":01}"#, r#"{"a":1}x"#, r#"{"a""#, r#"{"a":"\u12"}"#]
        {
            assert!(walk(bad, &mut Collect::default()).is_err(), "{bad}");
        }
        for lone in [r#"{"\ud800a":"x"}"#, r#"{"a":"\udc00"}"#, r#"{"a":"\ud800\u0041"}"#] {
            assert!(walk(lone, &mut Collect::default()).is_err(), "{lone}");
        }
        assert_eq!(decode(r"\ud800x"), "\u{fffd}x");
        assert_eq!(decode(r#"a\"b\\c\/d\n"#), "a\"b\\c/d\n");
    }
}
