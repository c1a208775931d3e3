//! Masking of obvious variables before template mining: each whitespace token of a message
//! is kept, or has its variable core replaced by `<*>` (keeping surrounding punctuation and
//! `key=` prefixes, so `(uid=0)` becomes `(uid=<*>)`).

use anyhow::{bail, Result};

/// Which kinds of values are masked (`--mask`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskSet {
    pub ip: bool,
    pub number: bool,
    pub hex: bool,
    pub path: bool,
    pub uuid: bool,
    pub blockid: bool,
    pub url: bool,
    /// Any token that still contains a digit (user1, 12ms, job_1445_0001, ...).
    pub digits: bool,
    /// Month and weekday names (dates spelled out in messages).
    pub date: bool,
}

impl Default for MaskSet {
    fn default() -> Self {
        MaskSet {
            ip: true,
            number: true,
            hex: true,
            path: true,
            uuid: true,
            blockid: true,
            url: true,
            digits: true,
            date: true,
        }
    }
}

pub const MASK_CLASSES: &str = "ip,number,hex,path,uuid,blockid,url,digits,date";

impl MaskSet {
    /// `all`, `none`, or a comma list of classes; `-class` removes one from the default set.
    pub fn parse(spec: &str) -> Result<MaskSet> {
        let mut set = MaskSet::default();
        let spec = spec.trim();
        if spec == "all" || spec.is_empty() {
            return Ok(set);
        }
        let only_removals = spec.split(',').all(|c| c.trim().starts_with('-'));
        if !only_removals {
            set = MaskSet {
                ip: false,
                number: false,
                hex: false,
                path: false,
                uuid: false,
                blockid: false,
                url: false,
                digits: false,
                date: false,
            };
        }
        if spec == "none" {
            return Ok(set);
        }
        for class in spec.split(',').map(str::trim) {
            let (on, name) = match class.strip_prefix('-') {
                Some(n) => (false, n),
                None => (true, class),
            };
            let slot = match name {
                "ip" => &mut set.ip,
                "number" => &mut set.number,
                "hex" => &mut set.hex,
                "path" => &mut set.path,
                "uuid" => &mut set.uuid,
                "blockid" => &mut set.blockid,
                "url" => &mut set.url,
                "digits" => &mut set.digits,
                "date" => &mut set.date,
                other => bail!("--mask: unknown class '{other}' (classes: {MASK_CLASSES}, or all, none)"),
            };
            *slot = on;
        }
        Ok(set)
    }
}

/// Appends the masked tokens of `message`, separated by single spaces.
pub fn mask_into(message: &str, set: &MaskSet, out: &mut String) {
    let mut after_number = false;
    for (n, token) in message.split_ascii_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        // A unit after a masked quantity is part of it: "<*> KB", "<*> ms".
        if after_number && set.number && is_unit(token.trim_end_matches([',', ';', ')', '.'])) {
            let core_len = token.trim_end_matches([',', ';', ')', '.']).len();
            out.push_str("<*>");
            out.push_str(&token[core_len..]);
            after_number = false;
            continue;
        }
        let start = out.len();
        mask_token(token, set, out);
        after_number = out[start..].ends_with("<*>") && token.bytes().last().is_some_and(|b| b.is_ascii_digit());
    }
}

fn is_unit(t: &str) -> bool {
    matches!(
        t,
        "B" | "KB"
            | "MB"
            | "GB"
            | "TB"
            | "KiB"
            | "MiB"
            | "GiB"
            | "TiB"
            | "bytes"
            | "ms"
            | "us"
            | "ns"
            | "s"
            | "sec"
            | "secs"
            | "seconds"
            | "%"
    )
}

#[inline]
fn is_edge(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b'"' | b'\'' | b',' | b';' | b'.' | b':' | b'!' | b'?'
    )
}

fn mask_token(token: &str, set: &MaskSet, out: &mut String) {
    let b = token.as_bytes();
    // Most tokens are plain lowercase words: nothing to mask.
    if b.iter().all(u8::is_ascii_lowercase) {
        out.push_str(token);
        return;
    }
    // key=value: mask the value on its own (the key holds no '/' or ':').
    if let Some(eq) = b.iter().position(|&c| c == b'=' || c == b'/' || c == b':').filter(|&i| b[i] == b'=') {
        if eq > 0 && eq + 1 < b.len() {
            out.push_str(&token[..=eq]);
            return mask_token(&token[eq + 1..], set, out);
        }
    }
    // Edge punctuation is ASCII, so these byte offsets are char boundaries.
    let core_start = b.iter().position(|&c| !is_edge(c)).unwrap_or(b.len());
    let core_end = b.iter().rposition(|&c| !is_edge(c)).map_or(core_start, |i| i + 1);
    if core_start >= core_end {
        // Empty brackets or quotes hold an empty value: `()` is `(<*>)`.
        match token {
            "()" | "[]" | "{}" | "''" | "\"\"" | "<>" => {
                out.push_str(&token[..1]);
                out.push_str("<*>");
                out.push_str(&token[1..]);
            }
            _ => out.push_str(token),
        }
        return;
    }
    let core = &token[core_start..core_end];
    if is_variable(core, set) {
        out.push_str(&token[..core_start]);
        out.push_str("<*>");
        out.push_str(&token[core_end..]);
    } else {
        out.push_str(token);
    }
}

fn is_variable(core: &str, set: &MaskSet) -> bool {
    let b = core.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    if has_digit {
        // `digits` covers every class below that needs a digit; check them only without it.
        return set.digits
            || (set.ip && looks_like_ip(core))
            || (set.number && looks_like_number(core))
            || (set.hex && looks_like_hex(core))
            || (set.uuid && looks_like_uuid(core))
            || (set.blockid && core.starts_with("blk_"))
            || (set.path && looks_like_path(core))
            || (set.url && looks_like_url(core));
    }
    (set.url && looks_like_url(core))
        || (set.path && looks_like_path(core))
        || (set.date && is_date_word(core))
        || (set.hex && b.len() >= 16 && b.iter().all(u8::is_ascii_hexdigit))
}

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ftp://")
}

fn is_date_word(s: &str) -> bool {
    // Capitalized three-letter forms (Jul, Sun) and full names (July, Sunday), looked up by
    // length and first letter so that ordinary capitalized words cost one comparison.
    let b = s.as_bytes();
    if b.len() < 3 || b.len() > 9 || !b[0].is_ascii_uppercase() {
        return false;
    }
    let candidates: &[&str] = match (b.len(), b[0].to_ascii_lowercase()) {
        (3, b'j') => &["jan", "jun", "jul"],
        (3, b'f') => &["feb", "fri"],
        (3, b'm') => &["mar", "may", "mon"],
        (3, b'a') => &["apr", "aug"],
        (3, b's') => &["sep", "sat", "sun"],
        (3, b'o') => &["oct"],
        (3, b'n') => &["nov"],
        (3, b'd') => &["dec"],
        (3, b't') => &["tue", "thu"],
        (3, b'w') => &["wed"],
        (4, b'j') => &["june", "july"],
        (5, b'm') => &["march"],
        (5, b'a') => &["april"],
        (6, b'a') => &["august"],
        (6, b'm') => &["monday"],
        (6, b'f') => &["friday"],
        (6, b's') => &["sunday"],
        (7, b'j') => &["january"],
        (7, b'o') => &["october"],
        (7, b't') => &["tuesday"],
        (8, b'f') => &["february"],
        (8, b'n') => &["november"],
        (8, b'd') => &["december"],
        (8, b't') => &["thursday"],
        (8, b's') => &["saturday"],
        (9, b's') => &["september"],
        (9, b'w') => &["wednesday"],
        _ => return false,
    };
    candidates.iter().any(|w| w.eq_ignore_ascii_case(s))
}

fn looks_like_ip(s: &str) -> bool {
    let host = match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|c| c.is_ascii_digit()) => h,
        _ => s,
    };
    host.trim_start_matches('/').parse::<std::net::IpAddr>().is_ok()
}

fn looks_like_number(s: &str) -> bool {
    let t = s.trim_start_matches(['-', '+']);
    !t.is_empty()
        && t.bytes().all(|c| c.is_ascii_digit() || c == b'.' || c == b',')
        && t.bytes().any(|c| c.is_ascii_digit())
}

fn looks_like_hex(s: &str) -> bool {
    let t = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"));
    match t {
        Some(h) => !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()),
        None => s.len() >= 8 && s.bytes().all(|c| c.is_ascii_hexdigit()),
    }
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == b'-' } else { c.is_ascii_hexdigit() })
}

fn looks_like_path(s: &str) -> bool {
    (s.starts_with('/') && s[1..].contains('/') && !s.contains("//"))
        || (s.len() > 3 && s.as_bytes()[1] == b':' && s.as_bytes()[2] == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> String {
        let mut out = String::new();
        mask_into(s, &MaskSet::default(), &mut out);
        out
    }

    #[test]
    fn masks_obvious_variables() {
        assert_eq!(
            m("Failed password for root from 203.0.113.9 port 41234 ssh2"),
            "Failed password for root from <*> port <*> <*>"
        );
        assert_eq!(m("session opened for user root by (uid=0)"), "session opened for user root by (uid=<*>)");
        assert_eq!(
            m("Received block blk_-6952295868487656571 of size 67108864 from /10.251.39.64"),
            "Received block <*> of size <*> from <*>"
        );
        assert_eq!(m("open /var/log/x.log failed: 0x1f"), "open <*> failed: <*>");
        assert_eq!(m("id 123e4567-e89b-12d3-a456-426614174000 done."), "id <*> done.");
        assert_eq!(m("  spaced   out  "), "spaced out");
        assert_eq!(
            m("connection from 1.2.3.4 () at Sun Jul 17 15:09:17 2005"),
            "connection from <*> (<*>) at <*> <*> <*> <*> <*>"
        );
        assert_eq!(m("may be Mayday"), "may be Mayday");
        assert_eq!(m("Thursday September Wed Failed"), "<*> <*> <*> Failed");
        assert_eq!(m("(estimated size 16.0 KB, free 3 B)"), "(estimated size <*> <*>, free <*> <*>)");
        assert_eq!(m("took 12 ms to send 5 bytes"), "took <*> <*> to send <*> <*>");
    }

    #[test]
    fn classes_can_be_switched_off() {
        let set = MaskSet::parse("-digits").unwrap();
        let mut out = String::new();
        mask_into("port 22 ssh2 user1", &set, &mut out);
        assert_eq!(out, "port <*> ssh2 user1");
        let set = MaskSet::parse("ip").unwrap();
        let mut out = String::new();
        mask_into("from 10.0.0.1 port 22", &set, &mut out);
        assert_eq!(out, "from <*> port 22");
        assert!(MaskSet::parse("bogus").is_err());
        assert_eq!(
            MaskSet::parse("none").unwrap(),
            MaskSet::parse("ip")
                .map(|mut s| {
                    s.ip = false;
                    s
                })
                .unwrap()
        );
    }
}
