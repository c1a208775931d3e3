//! The masking of template state format 1 (logward before the issue-22 miner), kept so that
//! a state file written then still matches the messages it was learned from: a frozen
//! format-1 set gives every message the template and id it gave before. New messages are
//! masked by [`super::mask`].
//!
//! This is the old `mask_into` verbatim (the `domain` class did not exist: it is ignored).

use super::mask::MaskSet;

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

    #[test]
    fn masks_as_format_one_did() {
        let m = |s: &str| {
            let mut out = String::new();
            mask_into(s, &MaskSet::default(), &mut out);
            out
        };
        assert_eq!(
            m("Failed password for root from 203.0.113.9 port 41234 ssh2"),
            "Failed password for root from <*> port <*> <*>"
        );
        assert_eq!(m("session opened for user root by (uid=0)"), "session opened for user root by (uid=<*>)");
        assert_eq!(
            m("connection from 1.2.3.4 () at Sun Jul 17 15:09:17 2005"),
            "connection from <*> (<*>) at <*> <*> <*> <*> <*>"
        );
        assert_eq!(m("(estimated size 16.0 KB, free 3 B)"), "(estimated size <*> <*>, free <*> <*>)");
        assert_eq!(m("from ns.example.com port 22"), "from ns.example.com port <*>");
    }
}
