//! Changes spliced into an event's line: values replaced and members added where the
//! scanner found them, every other byte copied as it was (field order, spacing, numbers,
//! escapes). Stages that change a few fields of an event write it this way rather than
//! through a JSON tree.

use super::scan;
use std::ops::Range;

/// Writes a changed copy of one line into a buffer, front to back: each change lies at or
/// after where the previous one ended.
pub struct Splicer<'l, 'o> {
    line: &'l [u8],
    out: &'o mut Vec<u8>,
    /// How much of the line has been copied or replaced.
    at: usize,
}

impl<'l, 'o> Splicer<'l, 'o> {
    /// Starts copying `line` to the end of `out`.
    pub fn new(line: &'l str, out: &'o mut Vec<u8>) -> Self {
        Splicer { line: line.as_bytes(), out, at: 0 }
    }

    /// Copies the line up to `to`.
    pub fn copy_to(&mut self, to: usize) {
        debug_assert!(to >= self.at, "changes must come in order");
        self.out.extend_from_slice(&self.line[self.at..to]);
        self.at = to;
    }

    /// Replaces the bytes of `span` (a string's inside, as the scanner gives it) with `text`,
    /// escaped as a JSON string needs.
    pub fn replace_string(&mut self, span: Range<usize>, text: &str) {
        self.copy_to(span.start);
        scan::encode_into(text, self.out);
        self.at = span.end;
    }

    /// Replaces the bytes of `span` with `bytes` as they are (a number, a literal).
    pub fn replace_raw(&mut self, span: Range<usize>, bytes: &[u8]) {
        self.copy_to(span.start);
        self.out.extend_from_slice(bytes);
        self.at = span.end;
    }

    /// Inserts `bytes` at offset `at` of the line.
    pub fn insert(&mut self, at: usize, bytes: &[u8]) {
        self.copy_to(at);
        self.out.extend_from_slice(bytes);
    }

    /// Adds members (`"k":v,...`, no braces) at the end of the object whose inside starts at
    /// `inside` and whose `}` is at `close`, after a comma when it has members already.
    pub fn append_members(&mut self, inside: usize, close: usize, members: &[u8]) {
        self.copy_to(close);
        if !self.line[inside..close].trim_ascii().is_empty() {
            self.out.push(b',');
        }
        self.out.extend_from_slice(members);
    }

    /// Copies the rest of the line.
    pub fn finish(mut self) {
        self.copy_to(self.line.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_land_in_place_and_the_rest_is_copied() {
        let line = r#"{"a":"x", "n":1,"o":{}, "p":{"q":2}}"#;
        let mut out = b"before ".to_vec();
        let mut s = Splicer::new(line, &mut out);
        s.replace_string(6..7, "y\"z");
        s.replace_raw(14..15, b"22");
        s.append_members(21, 21, br#""new":true"#);
        s.append_members(29, 34, br#""r":3"#);
        s.insert(35, b",\"end\":null");
        s.finish();
        let got = String::from_utf8(out).unwrap();
        assert_eq!(got, r#"before {"a":"y\"z", "n":22,"o":{"new":true}, "p":{"q":2,"r":3},"end":null}"#);
        let v: serde_json::Value = serde_json::from_str(&got["before ".len()..]).unwrap();
        assert_eq!(v["p"]["r"], 3);
    }
}
