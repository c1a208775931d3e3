//! Masking of obvious variables before template mining: each whitespace token of a message
//! is kept, or has its variable part replaced by `<*>`, keeping what reads as structure:
//! surrounding punctuation, `key=` and `key:` prefixes, the `:` of `host:port`
//! (`(uid=0)` → `(uid=<*>)`, `/10.0.0.1:50010` → `/<*>:<*>`, `memory:1024,` → `memory:<*>,`,
//! `core.2275` → `core.<*>`).
//!
//! A token that mixes letters and digits is masked when its digits read as an identifier
//! (two digit runs or one of three digits or more: `job_1445_0001`, `rdd_2_0`, `user1234`);
//! a short name with a digit (`ssh2`, `eth0`, `SOCKS5`, `L3`) is kept, and the miner treats it
//! as a value that may vary rather than as a word that must match. Units after a number
//! (`16 KB`, `12 ms`) are kept as written; the miner reads them as part of the number's
//! variable.

use anyhow::{bail, Result};

/// Which kinds of values are masked (`--mask`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskSet {
    /// IPv4/IPv6 addresses, with a port; `host:port` pairs.
    pub ip: bool,
    pub number: bool,
    pub hex: bool,
    pub path: bool,
    pub uuid: bool,
    pub blockid: bool,
    /// `scheme://...`
    pub url: bool,
    /// Tokens whose digits read as an identifier (job_1445_0001, rdd_2_0, R02-M1-N0).
    pub digits: bool,
    /// Month and weekday names (dates spelled out in messages).
    pub date: bool,
    /// Host names under a generic top-level domain (`.com`, `.net`, `.org`, `.edu`, ...) or
    /// under a country code's `co`/`ac`/`edu`/... (`cse.cuhk.edu.hk`).
    pub domain: bool,
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
            domain: true,
        }
    }
}

pub const MASK_CLASSES: &str = "ip,number,hex,path,uuid,blockid,url,digits,date,domain";

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
            set = MaskSet::none();
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
                "domain" => &mut set.domain,
                other => bail!("--mask: unknown class '{other}' (classes: {MASK_CLASSES}, or all, none)"),
            };
            *slot = on;
        }
        Ok(set)
    }

    fn none() -> MaskSet {
        MaskSet {
            ip: false,
            number: false,
            hex: false,
            path: false,
            uuid: false,
            blockid: false,
            url: false,
            digits: false,
            date: false,
            domain: false,
        }
    }
}

/// Appends the masked tokens of `message`, separated by single spaces.
pub fn mask_into(message: &str, set: &MaskSet, out: &mut String) {
    for (n, token) in message.split_ascii_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        mask_token(token, set, out);
    }
}

/// A unit that, after a number, belongs to the number's value (`16 KB`, `12 ms`, `3 bytes`).
pub fn is_unit(t: &str) -> bool {
    matches!(
        t.trim_end_matches([',', ';', ')', '.']),
        "B" | "KB"
            | "MB"
            | "GB"
            | "TB"
            | "kB"
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
    // Most tokens are words, maybe with closing punctuation (`Failed`, `failure;`): only a
    // spelled-out date or a long run of hex letters is a value among them.
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters > 0 && b[letters..].iter().all(|&c| is_edge(c)) {
        let word = &token[..letters];
        if (set.date && is_date_word(word)) || (set.hex && letters >= 16 && word.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            out.push_str("<*>");
            out.push_str(&token[letters..]);
        } else {
            out.push_str(token);
        }
        return;
    }
    // key=value: mask the value on its own (the key holds no '/' or ':').
    if let Some(eq) = b.iter().position(|&c| c == b'=' || c == b'/' || c == b':').filter(|&i| b[i] == b'=') {
        if eq > 0 && eq + 1 < b.len() {
            out.push_str(&token[..=eq]);
            return mask_token(&token[eq + 1..], set, out);
        }
    }
    // `[IPv6]:port`, whose brackets are not edge punctuation.
    if set.ip && b[0] == b'[' {
        let end = token.trim_end_matches([',', ';', ')', '.']).len();
        if host_port(&token[..end]).is_some() {
            out.push_str("<*>:<*>");
            out.push_str(&token[end..]);
            return;
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
    let (before, core, after) = (&token[..core_start], &token[core_start..core_end], &token[core_end..]);
    out.push_str(before);
    mask_core(core, set, out);
    out.push_str(after);
}

/// What one pass over a token's bytes tells the classes, so that most of them are ruled out
/// without looking again.
#[derive(Default)]
struct Scan {
    digits: usize,
    dots: usize,
    colons: usize,
    /// Digits, dots and commas (a number is made of these, after a sign).
    numeric: usize,
    /// Runs of digits, and the longest.
    runs: usize,
    longest: usize,
    hex: usize,
    /// Bytes that are neither alphanumeric nor `.`, `-`.
    other: usize,
}

const DIGIT: u8 = 1;
const HEX: u8 = 2;
const ALPHA: u8 = 4;
const DOT: u8 = 8;
const COMMA: u8 = 16;
const COLON: u8 = 32;
const DASH: u8 = 64;

/// Byte classes for [`Scan`].
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_digit() {
            DIGIT | HEX
        } else if c.is_ascii_hexdigit() {
            ALPHA | HEX
        } else if c.is_ascii_alphabetic() {
            ALPHA
        } else if c == b'.' {
            DOT
        } else if c == b',' {
            COMMA
        } else if c == b':' {
            COLON
        } else if c == b'-' {
            DASH
        } else {
            0
        };
        i += 1;
    }
    t
};

impl Scan {
    fn of(b: &[u8]) -> Scan {
        let mut s = Scan::default();
        let mut run = 0;
        for &c in b {
            let k = CLASS[c as usize];
            if k & DIGIT != 0 {
                s.digits += 1;
                s.runs += (run == 0) as usize;
                run += 1;
                s.longest = s.longest.max(run);
            } else {
                run = 0;
                s.dots += (k & DOT != 0) as usize;
                s.colons += (k & COLON != 0) as usize;
                s.numeric += (k & (DOT | COMMA) != 0) as usize;
                s.other += (k & (ALPHA | DOT | DASH) == 0) as usize;
            }
            s.hex += (k & HEX != 0) as usize;
        }
        s.numeric += s.digits;
        s
    }

    fn id_like(&self) -> bool {
        self.runs >= 2 || self.longest >= 3
    }

    /// `-12`, `3.5`, `1,024`: digits, dots and commas after an optional sign.
    fn number(&self, b: &[u8]) -> bool {
        self.digits > 0 && (self.numeric == b.len() || (self.numeric + 1 == b.len() && matches!(b[0], b'-' | b'+')))
    }
}

/// Masks a token without its edge punctuation.
fn mask_core(core: &str, set: &MaskSet, out: &mut String) {
    let b = core.as_bytes();
    let scan = Scan::of(b);
    let has_digit = scan.digits > 0;
    if set.ip && has_digit && scan.colons > 0 {
        if let Some(slash) = host_port(core) {
            out.push_str(if slash { "/<*>:<*>" } else { "<*>:<*>" });
            return;
        }
    }
    if is_variable(core, &scan, set) {
        out.push_str("<*>");
        return;
    }
    if has_digit {
        // `key:value`, `name@value`, `call(value`: the prefix is structure, the value is masked.
        if scan.other > 0 {
            if let Some(i) = b.iter().position(|c| matches!(c, b':' | b'@' | b'=' | b'(')) {
                let (prefix, value) = (&core[..i], &core[i + 1..]);
                if !value.is_empty()
                    && prefix.as_bytes().last().is_some_and(u8::is_ascii_alphabetic)
                    && !id_like(prefix)
                {
                    out.push_str(&core[..=i]);
                    return mask_token(value, set, out);
                }
            }
        }
        // `core.2275`, `instruction......0`: a name, dots, a number.
        if set.number && scan.dots > 0 && b[b.len() - 1].is_ascii_digit() {
            let digits_from = b.iter().rposition(|c| !c.is_ascii_digit()).map_or(0, |i| i + 1);
            let dots_from = b[..digits_from].iter().rposition(|&c| c != b'.').map_or(0, |i| i + 1);
            if dots_from < digits_from && dots_from > 0 {
                let name = &core[..dots_from];
                if name.as_bytes().last().is_some_and(u8::is_ascii_alphabetic) && !id_like(name) {
                    out.push_str(&core[..digits_from]);
                    out.push_str("<*>");
                    return;
                }
            }
        }
        if set.digits && scan.id_like() {
            out.push_str("<*>");
            return;
        }
    }
    out.push_str(core);
}

/// A whole value of one of the classes: number, address, hex, UUID, block id, path, URL,
/// host name, spelled-out date. The scan rules out most classes before they are tried.
fn is_variable(core: &str, scan: &Scan, set: &MaskSet) -> bool {
    let b = core.as_bytes();
    let maybe_url = scan.colons > 0 && set.url;
    let maybe_path = set.path && (b[0] == b'/' || (b.len() > 3 && b[1] == b':'));
    let maybe_domain = set.domain && scan.dots > 0 && scan.other == 0;
    if scan.digits > 0 {
        let maybe_ip = set.ip && ((scan.dots == 3 && scan.hex == scan.digits) || scan.colons >= 2);
        return (set.number && scan.number(b))
            || (maybe_ip && looks_like_ip(core))
            || (set.hex
                && (b.starts_with(b"0x") || b.starts_with(b"0X") || scan.hex == b.len())
                && looks_like_hex(core))
            || (set.uuid && looks_like_uuid(core))
            || (set.blockid && core.starts_with("blk_"))
            || (maybe_path && looks_like_path(core))
            || (maybe_url && looks_like_url(core))
            || (maybe_domain && looks_like_domain(core));
    }
    (maybe_url && looks_like_url(core))
        || (maybe_path && looks_like_path(core))
        || (set.date && is_date_word(core))
        || (maybe_domain && looks_like_domain(core))
        || (set.hex && b.len() >= 16 && scan.hex == b.len())
}

/// Digits that read as an identifier: two runs of digits, or one of three or more.
pub fn id_like(s: &str) -> bool {
    let (mut runs, mut run, mut longest) = (0, 0, 0);
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            if run == 0 {
                runs += 1;
            }
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    runs >= 2 || longest >= 3
}

/// `host:port` with an IP address, a bracketed IPv6 address or a host name holding a dot
/// or a digit, optionally after a `/` (Hadoop's `/10.0.0.1:50010`). Returns whether the
/// slash was there.
fn host_port(core: &str) -> Option<bool> {
    let (slash, s) = match core.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, core),
    };
    let (host, port) = s.rsplit_once(':')?;
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|c| c.is_ascii_digit()) || host.is_empty() {
        return None;
    }
    let ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        v6.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        let hb = host.as_bytes();
        hb[0].is_ascii_alphanumeric()
            && hb.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
            && hb.iter().any(|&c| c == b'.' || c.is_ascii_digit())
    };
    ok.then_some(slash)
}

fn looks_like_url(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(i) = b.iter().position(|&c| c == b':').filter(|&i| b[i + 1..].starts_with(b"//")) else {
        return false;
    };
    let scheme = &b[..i];
    !scheme.is_empty()
        && scheme[0].is_ascii_alphabetic()
        && scheme.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
}

/// A host name: dot-separated labels of letters, digits and inner hyphens, under a generic
/// top-level domain, or under a country code with a generic second level
/// (`mail.example.co.uk`, `cse.cuhk.edu.hk`). Java packages (`org.apache.hadoop`) and file
/// names (`workers2.properties`, `x.sh`) do not end that way.
fn looks_like_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if !s.contains('.') {
        return false;
    }
    let mut labels = 0usize;
    for label in s.split('.') {
        let l = label.as_bytes();
        if l.is_empty()
            || !l.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
            || l[0] == b'-'
            || l[l.len() - 1] == b'-'
        {
            return false;
        }
        labels += 1;
    }
    let mut rev = s.rsplit('.');
    let tld = rev.next().unwrap_or("");
    let second = rev.next().unwrap_or("");
    let generic = |t: &str| {
        ["com", "net", "org", "edu", "gov", "mil", "int", "info", "biz"].iter().any(|g| g.eq_ignore_ascii_case(t))
    };
    if generic(tld) {
        return true;
    }
    labels >= 3
        && tld.len() == 2
        && tld.bytes().all(|c| c.is_ascii_alphabetic())
        && ["co", "ac", "com", "net", "org", "edu", "gov", "ne", "or"].iter().any(|g| g.eq_ignore_ascii_case(second))
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
            "Failed password for root from <*> port <*> ssh2"
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
        // Units are left for the miner, which reads them as part of the number.
        assert_eq!(m("(estimated size 16.0 KB, free 3 B)"), "(estimated size <*> KB, free <*> B)");
    }

    #[test]
    fn keeps_structure_around_values() {
        assert_eq!(m("Receiving from /10.250.19.102:54106"), "Receiving from /<*>:<*>");
        assert_eq!(m("proxy.example.org:5070 open"), "<*>:<*> open");
        assert_eq!(m("[2001:db8::1]:443, [::1]:80"), "<*>:<*>, <*>:<*>");
        assert_eq!(m("headroom=<memory:1024, vCores:1>"), "headroom=<memory:<*>, vCores:<*>>");
        assert_eq!(m("sid:2 tty=:0"), "sid:<*> tty=:<*>");
        assert_eq!(m("generating core.2275"), "generating core.<*>");
        assert_eq!(m("illegal instruction......0"), "illegal instruction......<*>");
        assert_eq!(m("ciod: LOGIN chdir(/p/gb1/stella/2183) failed"), "ciod: LOGIN chdir(<*>) failed");
        assert_eq!(m("Connector@0.0.0.0:8042 started"), "Connector@<*>:<*> started");
        assert_eq!(m("Input split: hdfs://msra-sa-41:9000/pageinput2.txt:0+7"), "Input split: <*>");
    }

    #[test]
    fn identifiers_are_masked_and_short_names_with_digits_kept() {
        assert_eq!(m("rdd_2_0 job_1445_0001 user1234 R02-M1-N0-C:J12-U11"), "<*> <*> <*> <*>");
        assert_eq!(m("ssh2 eth0 SOCKS5 L3 jk2_init() imps2:"), "ssh2 eth0 SOCKS5 L3 jk2_init() imps2:");
    }

    #[test]
    fn host_names_under_known_domains_are_masked() {
        assert_eq!(m("from host8.topspot.net (ns.example.com) at cse.cuhk.edu.hk"), "from <*> (<*>) at <*>");
        // Packages, properties and file names stay.
        assert_eq!(
            m("org.apache.hadoop.Foo mapred.tip.id workers2.properties run.sh"),
            "org.apache.hadoop.Foo mapred.tip.id workers2.properties run.sh"
        );
    }

    #[test]
    fn classes_can_be_switched_off() {
        let set = MaskSet::parse("-digits").unwrap();
        let mut out = String::new();
        mask_into("port 22 ssh2 user1234", &set, &mut out);
        assert_eq!(out, "port <*> ssh2 user1234");
        let set = MaskSet::parse("ip").unwrap();
        let mut out = String::new();
        mask_into("from 10.0.0.1 port 22", &set, &mut out);
        assert_eq!(out, "from <*> port 22");
        let set = MaskSet::parse("-domain").unwrap();
        let mut out = String::new();
        mask_into("from ns.example.com", &set, &mut out);
        assert_eq!(out, "from ns.example.com");
        assert!(MaskSet::parse("bogus").is_err());
        assert_eq!(MaskSet::parse("none").unwrap(), MaskSet::none());
        assert!(is_unit("KB,") && is_unit("ms") && !is_unit("ssh2"));
    }
}
