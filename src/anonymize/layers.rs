//! Text under an encoding: percent-escapes (`first.last%40mail.org`, also twice:
//! `%2540`) and backslash escapes of a JSON or C string written inside a string
//! (`{\"password\":\"x\"}`, `\x40`, `\u0040`). A layer is the decoded text with, for each of
//! its bytes, where it came from; the scan reads the decoded text, and each replacement is
//! written back in the encoding the original used at that place, so the line keeps its
//! encoding and `--reveal` finds the pseudonym again and restores the bytes it replaced.

use std::ops::Range;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Percent,
    Backslash,
}

/// A decoded text and, for each of its bytes, the byte range of the encoded text it came
/// from (a byte written as itself has a range of one byte holding the same byte).
pub struct Layer {
    pub kind: Kind,
    pub text: String,
    src: Vec<(u32, u32)>,
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn hex2(b: &[u8]) -> Option<u8> {
    Some(hex(*b.first()?)? << 4 | hex(*b.get(1)?)?)
}

/// Whether `text` holds a `%XX` escape (a cheap test before decoding).
pub fn has_percent(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b'%', b).any(|i| b.len() > i + 2 && hex2(&b[i + 1..]).is_some())
}

/// Whether `text` holds escapes of a string written inside it: `\"`, `\\`, `\/`, `\uXXXX`
/// or `\xXX`. (A Windows path's `\n` in `C:\new` is not one unless the text also has `\"`
/// or `\\`.)
pub fn has_backslash(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b'\\', b).any(|i| match b.get(i + 1) {
        Some(b'"' | b'\\' | b'/') => true,
        Some(b'u') => b.get(i + 2..i + 6).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        Some(b'x') => b.get(i + 2..i + 4).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        _ => false,
    })
}

/// The length of the UTF-8 character a lead byte starts (0: not a lead byte).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

impl Layer {
    /// Percent-decodes `text` (`+` stays `+`); `None` when it has no escape that decodes.
    /// Escapes of bytes that are not part of a whole UTF-8 character stay as they are.
    pub fn percent(text: &str) -> Option<Layer> {
        // Most texts have no escape: find out before allocating the decoded copy and its map.
        if !has_percent(text) {
            return None;
        }
        let b = text.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(b.len());
        let mut src = Vec::with_capacity(b.len());
        let mut i = 0;
        let mut decoded = false;
        while i < b.len() {
            if b[i] == b'%' {
                if let Some(lead) = hex2(&b[i + 1..]) {
                    let n = utf8_len(lead);
                    let mut bytes = [0u8; 4];
                    let ok = n > 0
                        && (0..n).all(|k| {
                            let at = i + 3 * k;
                            match (b.get(at), b.get(at + 1..).and_then(hex2)) {
                                (Some(b'%'), Some(v)) => {
                                    bytes[k] = v;
                                    true
                                }
                                _ => false,
                            }
                        })
                        && std::str::from_utf8(&bytes[..n]).is_ok();
                    if ok {
                        let end = i + 3 * n;
                        for byte in &bytes[..n] {
                            out.push(*byte);
                            src.push((i as u32, end as u32));
                        }
                        i = end;
                        decoded = true;
                        continue;
                    }
                }
            }
            out.push(b[i]);
            src.push((i as u32, i as u32 + 1));
            i += 1;
        }
        let text = String::from_utf8(out).ok()?;
        decoded.then_some(Layer { kind: Kind::Percent, text, src })
    }

    /// Decodes the backslash escapes of a string written inside `text`; `None` when it has
    /// none ([`has_backslash`]). `\n`, `\t`, `\r` are decoded only when `\"` or `\\` show
    /// the text really is an escaped string.
    pub fn backslash(text: &str) -> Option<Layer> {
        if !has_backslash(text) {
            return None;
        }
        let b = text.as_bytes();
        let quoted = memchr::memmem::find(b, b"\\\"").is_some() || memchr::memmem::find(b, b"\\\\").is_some();
        let mut out: Vec<u8> = Vec::with_capacity(b.len());
        let mut src = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' {
                let simple = match b.get(i + 1) {
                    Some(c @ (b'"' | b'\\' | b'/' | b'\'')) => Some(*c),
                    Some(b'n') if quoted => Some(b'\n'),
                    Some(b't') if quoted => Some(b'\t'),
                    Some(b'r') if quoted => Some(b'\r'),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    src.push((i as u32, i as u32 + 2));
                    i += 2;
                    continue;
                }
                if b.get(i + 1) == Some(&b'x') {
                    if let Some(v) = b.get(i + 2..).and_then(hex2).filter(|v| *v < 0x80) {
                        out.push(v);
                        src.push((i as u32, i as u32 + 4));
                        i += 4;
                        continue;
                    }
                }
                if b.get(i + 1) == Some(&b'u') {
                    if let Some((c, len)) = unicode_escape(&b[i..]) {
                        let mut buf = [0u8; 4];
                        for byte in c.encode_utf8(&mut buf).as_bytes() {
                            out.push(*byte);
                            src.push((i as u32, (i + len) as u32));
                        }
                        i += len;
                        continue;
                    }
                }
            }
            out.push(b[i]);
            src.push((i as u32, i as u32 + 1));
            i += 1;
        }
        let text = String::from_utf8(out).ok()?;
        Some(Layer { kind: Kind::Backslash, text, src })
    }

    /// The encoded range that `self.text[from..to]` came from.
    pub fn source(&self, from: usize, to: usize) -> Range<usize> {
        self.src[from].0 as usize..self.src[to - 1].1 as usize
    }

    /// Writes `new`, which replaces `self.text[from..to]`, in the encoding `encoded` (the
    /// text this layer was decoded from) used there: character by character as the one at
    /// the same place when the two have as many characters, else each character as the same
    /// character was written in the replaced part, else as itself. Returns the encoded range
    /// replaced and its new text.
    pub fn encode(&self, encoded: &str, from: usize, to: usize, new: &str) -> (Range<usize>, String) {
        let range = self.source(from, to);
        let old: Vec<(usize, char)> = self.text[from..to].char_indices().map(|(i, c)| (from + i, c)).collect();
        let same_length = old.len() == new.chars().count();
        let mut out = String::with_capacity(new.len() + 8);
        for (k, c) in new.chars().enumerate() {
            let like = if same_length {
                Some(old[k].0)
            } else {
                old.iter().find(|(at, o)| *o == c && self.escaped(encoded, *at)).map(|(at, _)| *at)
            };
            let form = like.map(|at| {
                let (s, e) = self.src[at];
                &encoded[s as usize..e as usize]
            });
            self.write_like(c, form, &mut out);
        }
        (range, out)
    }

    /// Whether the decoded byte at `at` was written as an escape.
    fn escaped(&self, encoded: &str, at: usize) -> bool {
        let (s, e) = self.src[at];
        e - s > 1 || encoded.as_bytes()[s as usize] != self.text.as_bytes()[at]
    }

    /// Appends `c` written the way `form` (the encoded text of one character) was written.
    fn write_like(&self, c: char, form: Option<&str>, out: &mut String) {
        let f = form.unwrap_or("");
        let plain = f.len() <= 1 || !f.starts_with(['%', '\\']);
        // The case of the escape's hex digits (percent-escapes default to upper case, as
        // RFC 3986 recommends; `\\u` escapes to lower case, as JSON writers do).
        let digits = f.get(if f.starts_with('%') { 1 } else { 2 }..).unwrap_or("");
        let upper = match self.kind {
            Kind::Percent => !digits.bytes().any(|b| b.is_ascii_lowercase()),
            Kind::Backslash => digits.bytes().any(|b| b.is_ascii_uppercase()),
        };
        let mut buf = [0u8; 4];
        match self.kind {
            Kind::Percent if !plain => {
                for byte in c.encode_utf8(&mut buf).bytes() {
                    push_hex(out, "%", byte as u32, 2, upper);
                }
            }
            Kind::Percent => out.push(c),
            Kind::Backslash => {
                let f1 = f.as_bytes().get(1).copied();
                if !plain && f1 == Some(b'u') {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        push_hex(out, "\\u", *unit as u32, 4, upper);
                    }
                } else if !plain && f1 == Some(b'x') && c.is_ascii() {
                    push_hex(out, "\\x", c as u32, 2, upper);
                } else {
                    // A quote or backslash must stay escaped inside the inner string.
                    match c {
                        '"' | '\\' => {
                            out.push('\\');
                            out.push(c);
                        }
                        '/' | '\'' if !plain => {
                            out.push('\\');
                            out.push(c);
                        }
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        '\r' => out.push_str("\\r"),
                        _ => out.push(c),
                    }
                }
            }
        }
    }
}

fn push_hex(out: &mut String, prefix: &str, v: u32, width: usize, upper: bool) {
    out.push_str(prefix);
    if upper {
        out.push_str(&format!("{v:0width$X}"));
    } else {
        out.push_str(&format!("{v:0width$x}"));
    }
}

/// `\uXXXX` (or a surrogate pair `\uD83D\uDE00`) at the start of `b`: the character and the
/// escape's length.
fn unicode_escape(b: &[u8]) -> Option<(char, usize)> {
    let unit = |at: usize| -> Option<u32> {
        if b.get(at..at + 2)? != b"\\u" {
            return None;
        }
        let h = std::str::from_utf8(b.get(at + 2..at + 6)?).ok()?;
        u32::from_str_radix(h, 16).ok()
    };
    let high = unit(0)?;
    if (0xd800..0xdc00).contains(&high) {
        let low = unit(6).filter(|l| (0xdc00..0xe000).contains(l))?;
        return char::from_u32(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)).map(|c| (c, 12));
    }
    char::from_u32(high).map(|c| (c, 6))
}

/// The text, decoded by `kind` as many times as it still decodes (at most `max`): each layer
/// with the text it came from (the first from `text`).
pub fn stack(text: &str, kind: Kind, max: usize) -> Vec<Layer> {
    let mut layers: Vec<Layer> = Vec::new();
    while layers.len() < max {
        let from = layers.last().map_or(text, |l| l.text.as_str());
        let next = match kind {
            Kind::Percent => Layer::percent(from),
            Kind::Backslash => Layer::backslash(from),
        };
        match next {
            Some(l) => layers.push(l),
            None => break,
        }
    }
    layers
}

/// Maps a replacement of `layers.last().text[from..to]` back through every layer to `text`.
pub fn encode_through(text: &str, layers: &[Layer], from: usize, to: usize, new: &str) -> (Range<usize>, String) {
    let mut range = from..to;
    let mut new = new.to_string();
    for (i, layer) in layers.iter().enumerate().rev() {
        let encoded = if i == 0 { text } else { layers[i - 1].text.as_str() };
        let (r, n) = layer.encode(encoded, range.start, range.end, &new);
        range = r;
        new = n;
    }
    (range, new)
}

/// Applies `f` to the fully percent-decoded `text` and writes its result back in the
/// original encoding (`None`: `f` changed nothing). For values that are one thing (a query
/// parameter's user name), so that `first%2Elast` and `first.last` get one pseudonym.
pub fn through_percent(text: &str, f: impl FnOnce(&str) -> Option<String>) -> Option<String> {
    let layers = stack(text, Kind::Percent, 3);
    let Some(last) = layers.last() else { return f(text) };
    let new = f(&last.text)?;
    let (range, encoded) = encode_through(text, &layers, 0, last.text.len(), &new);
    Some(format!("{}{encoded}{}", &text[..range.start], &text[range.end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace_all(text: &str, kind: Kind, old: &str, new: &str) -> String {
        let layers = stack(text, kind, 3);
        let last = &layers.last().expect("decodes").text;
        let at = last.find(old).expect("in the decoded text");
        let (range, enc) = encode_through(text, &layers, at, at + old.len(), new);
        format!("{}{enc}{}", &text[..range.start], &text[range.end..])
    }

    #[test]
    fn percent_layers_decode_and_replacements_keep_the_encoding() {
        let l = Layer::percent("email=first.last%40mail.example.org&next=%2F").unwrap();
        assert_eq!(l.text, "email=first.last@mail.example.org&next=/");
        let out =
            replace_all("email=first.last%40mail.example.org", Kind::Percent, "first.last@mail", "qwert.zxcv@abcd");
        assert_eq!(out, "email=qwert.zxcv%40abcd.example.org");
        // Twice encoded: %2540 is %40 is @.
        let out = replace_all("u=a.b%2540x.org", Kind::Percent, "a.b@x.org", "c.d@y.org");
        assert_eq!(out, "u=c.d%2540y.org");
        // Lower-case hex stays lower case; a longer replacement reuses the escapes it can.
        let out = replace_all("q=bob%2eg%40x", Kind::Percent, "bob.g@x", "[REDACTED:password]@x");
        assert_eq!(out, "q=[REDACTED:password]%40x");
        // UTF-8 escapes decode as characters; stray or broken escapes stay as they are.
        assert_eq!(Layer::percent("J%C3%B6rg %ZZ %C3").unwrap().text, "Jörg %ZZ %C3");
        assert!(Layer::percent("100% sure").is_none());
        assert!(has_percent("a%2Fb") && !has_percent("50%"));
    }

    #[test]
    fn backslash_layers_decode_json_inside_strings() {
        let text = r#"body={\"password\":\"hunter2\",\"user\":\"bob\"}"#;
        let l = Layer::backslash(text).unwrap();
        assert_eq!(l.text, r#"body={"password":"hunter2","user":"bob"}"#);
        assert_eq!(
            replace_all(text, Kind::Backslash, "hunter2", "[REDACTED:password]"),
            text.replace("hunter2", "[REDACTED:password]")
        );
        assert_eq!(replace_all(r"mail a\x40b.org", Kind::Backslash, "a@b", "c@d"), r"mail c\x40d.org");
        assert_eq!(replace_all(r"mail a\u0040b.org", Kind::Backslash, "a@b", "c@d"), r"mail c\u0040d.org");
        // A Windows path alone is not an escaped string.
        assert!(Layer::backslash(r"C:\Users\tom\new\file.txt").is_none());
        assert_eq!(Layer::backslash(r"C:\\Users\\tom\\new").unwrap().text, r"C:\Users\tom\new");
        let twice = stack(r#"{\\\"pw\\\":1}"#, Kind::Backslash, 3);
        assert_eq!(twice.last().unwrap().text, r#"{"pw":1}"#);
    }

    #[test]
    fn values_through_percent_get_one_pseudonym() {
        let upper = |s: &str| Some(s.to_ascii_uppercase());
        assert_eq!(through_percent("first%2Elast", upper).unwrap(), "FIRST%2ELAST");
        assert_eq!(through_percent("plain", upper).unwrap(), "PLAIN");
    }
}
