//! Finds sensitive values in free text (`message`, `event.original`, command lines, paths)
//! in one pass of a multi-pattern automaton, and replaces each with the same pseudonym its
//! structured field would get. Pseudonyms keep the shape the patterns look for, so the
//! same scan finds them again for `--reveal`.

use super::fpe::Dir;
use super::policy::{secret_type, Category};
use super::values::{Ctx, Pseudonymizer, Scan};
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use std::net::IpAddr;

#[derive(Clone, Copy, PartialEq, Debug)]
enum TextMatch {
    Bearer,
    Jwt,
    AwsKey,
    ApiToken,
    KeyValueSecret,
    FlagSecret,
    Url,
    Email,
    Mac,
    Ipv6,
    Ipv4,
    Card,
    UserContext,
    UserBeforeUid,
    HomePath,
    Domain,
}

/// Leftmost match wins; at one position, the first pattern in this list.
const PATTERNS: &[(TextMatch, &str)] = &[
    (TextMatch::Bearer, r"\b(?i:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"),
    (TextMatch::Jwt, r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    (TextMatch::AwsKey, r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (TextMatch::ApiToken, r"\b(?:ghp_|gho_|ghs_|github_pat_|xox[abprs]-|sk_live_|rk_live_|sk-)[A-Za-z0-9_-]{16,}"),
    (
        TextMatch::KeyValueSecret,
        r#"\b(?i:password|passwd|pass|secret|client_secret|token|access_token|refresh_token|auth_token|api_key|apikey|api-key|session|sessionid|session_id|phpsessid|jsessionid|sid)(?:\s*=\s*|\s*:\s+)(?:"[^"]*"|'[^']*'|[^\s&;,"'<>)\]]+)"#,
    ),
    (
        TextMatch::FlagSecret,
        r#"--(?i:password|passwd|pass|token|api-key|apikey|secret|client-secret)(?:=|\s+)[^\s"']+"#,
    ),
    (TextMatch::Url, r#"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s"'<>`]+"#),
    (TextMatch::Email, r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}\b"),
    (TextMatch::Mac, r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b"),
    // IPv6 has "::" or all eight groups (the last two may be an IPv4 address); requiring
    // that keeps clock times (06:47:52) from being candidates on every syslog line.
    (
        TextMatch::Ipv6,
        r"(?:[0-9A-Fa-f:]*::[0-9A-Fa-f:.]*|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){6}(?:[0-9]{1,3}\.){3}[0-9]{1,3})(?:%[A-Za-z0-9_.-]+)?",
    ),
    (TextMatch::Ipv4, r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b"),
    (TextMatch::Card, r"\b[2-6](?:[ -]?[0-9]){12,18}\b"),
    (
        TextMatch::UserContext,
        r"(?:\b[Ff]ailed [a-z/-]+ for (?:invalid user )?|\b[Aa]ccepted [a-z/-]+ for |\b[Ii]nvalid user |\b[Ii]llegal user |\bfor user |\bby user |\b(?:user|ruser|logname|acct|USER|LOGNAME)=|\(to [A-Za-z0-9._-]+\) |\bnew user: name=|\bdelete user '|\bpassword changed for |\bof user |\bsu for [A-Za-z0-9._$-]+ by |\badd ')[A-Za-z0-9._$-]*[A-Za-z0-9_$]",
    ),
    (TextMatch::UserBeforeUid, r"\bby [A-Za-z0-9._$-]+\(uid="),
    (TextMatch::HomePath, "built from the policy by Patterns::new"),
    (TextMatch::Domain, r"\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\b"),
];

/// Last labels that are file extensions more often than domains in log text (some are
/// TLDs too: .so, .pl, .mk, .no, .java): a two-label name ending in one (`libc.so`,
/// `client.java`) is taken for a file wherever it stands, so the decision never depends
/// on the surrounding text.
const NOT_DOMAINS: &[&str] = &[
    "so", "py", "sh", "pl", "md", "rs", "pm", "ps", "cc", "zip", "mov", "sql", "gz", "ko", "service", "java", "mk",
    "no", "cs", "ts", "pdf", "doc", "txt", "bak", "tmp", "lock", "mp", "mp4", "cab", "exe", "dll", "bat", "cmd", "app",
];

/// The compiled patterns; the user-directory pattern comes from the policy's
/// `user_path_parents` (`/home/NAME`, `/users/NAME`, `C:\Users\NAME`, `/~NAME`).
pub struct Patterns {
    pub(super) re: Regex,
}

impl Patterns {
    pub fn new(user_path_parents: &[String]) -> Patterns {
        let parents: Vec<String> = user_path_parents.iter().map(|p| regex::escape(p)).collect();
        let home = format!(
            r"(?:/(?:{})/|/~|[A-Za-z]:\\+[Uu]sers\\+)[A-Za-z0-9._$-]*[A-Za-z0-9_$]",
            if parents.is_empty() { "home".to_string() } else { parents.join("|") }
        );
        let patterns: Vec<&str> =
            PATTERNS.iter().map(|(kind, p)| if *kind == TextMatch::HomePath { home.as_str() } else { *p }).collect();
        // The lazy DFA of 17 patterns outgrows the default 2 MB cache and would rebuild
        // states on every line; 64 MB holds it.
        let re = Regex::builder()
            .configure(Regex::config().hybrid_cache_capacity(64 << 20))
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .build_many(&patterns)
            .expect("the text patterns compile");
        Patterns { re }
    }
}

/// The value part of a user-context match: the name after the last context word.
fn user_value(m: &str) -> (usize, &str) {
    let start = m
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '-')))
        .map(|i| i + 1)
        .unwrap_or(0);
    (start, &m[start..])
}

/// Texts this short are cached with their pattern edits (user agents, URL paths and
/// templates repeat); longer ones (whole raw lines) rarely do.
const CACHED_TEXT_MAX: usize = 256;

/// A replacement: the byte range in the text and the new text.
pub type Edit = (usize, usize, String);

/// Replaces every sensitive value in `text`; `None` when nothing changed.
pub fn scan(p: &Pseudonymizer, dir: Dir, text: &str, ctx: &mut Ctx) -> Option<String> {
    let mut own = Vec::new();
    let cached = if text.len() <= CACHED_TEXT_MAX && !ctx.unique_text {
        Some(p.cached_scan(Scan::Text, dir, text, ctx, |ctx| pattern_edits(p, dir, text, ctx)))
    } else {
        own = pattern_edits(p, dir, text, ctx);
        None
    };
    let patterns = cached.as_deref().map_or(own.as_slice(), |c| c.edits.as_slice());
    let known = p.known_edits(text, patterns, ctx);
    if patterns.is_empty() && known.is_empty() {
        return None;
    }
    let mut edits: Vec<(usize, usize, &str)> =
        patterns.iter().map(|(f, t, n)| (*f, *t, n.as_str())).chain(known).collect();
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (from, to, new) in edits {
        if from < at {
            continue;
        }
        out.push_str(&text[at..from]);
        out.push_str(new);
        at = to;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// A whole-line text of the event already scanned, with where its pattern matches lie and
/// the edits they asked for. An event's `message` is most often the end of its
/// `event.original` after the syslog header: its edits are the original's past that point,
/// when the point follows white space and no match spans it. The matches of a text's end
/// are then the matches of the whole text there (white space ends a word as the start of a
/// text does, and matches that do not reach back past a point are found the same from
/// it), so this saves the second scan and changes nothing.
pub struct Earlier {
    text: String,
    spans: Vec<(usize, usize)>,
    edits: Vec<Edit>,
}

/// Texts shorter than this are scanned, not looked up.
const EARLIER_MIN: usize = 16;

/// The edits of `text` when it ends the earlier text at a point no match spans.
fn from_earlier(ctx: &Ctx, text: &str) -> Option<Vec<Edit>> {
    let e = ctx.earlier.as_ref()?;
    if ctx.track || text.len() < EARLIER_MIN || e.text.len() <= text.len() || !e.text.ends_with(text) {
        return None;
    }
    let at = e.text.len() - text.len();
    if !e.text.as_bytes()[at - 1].is_ascii_whitespace() || e.spans.iter().any(|(s, t)| *s < at && *t > at) {
        return None;
    }
    Some(
        e.edits
            .iter()
            .filter(|(from, _, _)| *from >= at)
            .map(|(from, to, new)| (from - at, to - at, new.clone()))
            .collect(),
    )
}

/// The edits the patterns ask for (they depend on the text and the key alone).
fn pattern_edits(p: &Pseudonymizer, dir: Dir, text: &str, ctx: &mut Ctx) -> Vec<Edit> {
    let mut edits = match from_earlier(ctx, text) {
        Some(edits) => edits,
        None => {
            let (edits, spans) = match_edits(p, dir, text, ctx);
            // Risk tracking counts every value where it is found, so it scans every text.
            if ctx.unique_text && !ctx.track && text.len() >= EARLIER_MIN {
                ctx.earlier = Some(Earlier { text: text.to_string(), spans, edits: edits.clone() });
            }
            edits
        }
    };
    if let Some((at, name)) = sudo_user(text) {
        if let Some(new) = p.value(dir, Category::User, name, ctx) {
            edits.push((at, at + name.len(), new));
        }
    }
    edits
}

/// The regex's matches in `text`: the edits they ask for and their spans.
fn match_edits(p: &Pseudonymizer, dir: Dir, text: &str, ctx: &mut Ctx) -> (Vec<Edit>, Vec<(usize, usize)>) {
    let mut edits: Vec<Edit> = Vec::new();
    let mut spans = Vec::new();
    for m in p.patterns.re.find_iter(text.as_bytes()) {
        spans.push((m.start(), m.end()));
        let (mut start, end) = (m.start(), m.end());
        let kind = PATTERNS[m.pattern().as_usize()].0;
        let b = text.as_bytes();
        if kind == TextMatch::Domain
            && start > 0
            && b[start - 1] == b'%'
            && end > start + 2
            && b[start..start + 2].iter().all(u8::is_ascii_hexdigit)
        {
            start += 2; // %60www.example.com: the escape's digits are not part of the name
        }
        let found = &text[start..end];
        if let Some((from, to, new)) = replace(p, dir, kind, found, ctx) {
            edits.push((start + from, start + to, new));
        }
    }
    (edits, spans)
}

/// The replacement for one match: a byte range inside it and the new text.
fn replace(p: &Pseudonymizer, dir: Dir, kind: TextMatch, m: &str, ctx: &mut Ctx) -> Option<(usize, usize, String)> {
    let whole = |new: Option<String>| new.filter(|n| n != m).map(|n| (0, m.len(), n));
    match kind {
        TextMatch::Bearer => {
            let at = m.find(|c: char| c.is_ascii_whitespace())?;
            let value_at = at + m[at..].find(|c: char| !c.is_ascii_whitespace())?;
            p.secret(dir, &m[value_at..], "bearer-token", ctx).map(|n| (value_at, m.len(), n))
        }
        TextMatch::Jwt => p.secret(dir, m, "jwt", ctx).map(|n| (0, m.len(), n)),
        TextMatch::AwsKey => p.secret(dir, m, "aws-access-key", ctx).map(|n| (0, m.len(), n)),
        TextMatch::ApiToken => p.secret(dir, m, "api-token", ctx).map(|n| (0, m.len(), n)),
        TextMatch::KeyValueSecret | TextMatch::FlagSecret => {
            let sep = m.find(['=', ':', ' ', '\t'])?;
            let key = m[..sep].trim_start_matches('-').trim_end();
            let mut from = sep + 1;
            from += m[from..].len() - m[from..].trim_start_matches([' ', '\t', '=', ':']).len();
            let mut to = m.len();
            if m[from..].starts_with(['"', '\'']) && to > from + 1 {
                from += 1;
                to -= 1;
            }
            if from >= to {
                return None;
            }
            p.secret(dir, &m[from..to], secret_type(key), ctx).map(|n| (from, to, n))
        }
        TextMatch::Url => whole(p.url(dir, m, ctx)),
        TextMatch::Email => whole(p.value(dir, Category::Email, m, ctx)),
        TextMatch::Mac => whole(p.value(dir, Category::Mac, m, ctx)),
        TextMatch::Ipv4 | TextMatch::Ipv6 => {
            let addr = m.split('%').next().unwrap_or(m);
            addr.parse::<IpAddr>().ok()?;
            let new = p.value(dir, Category::Ip, addr, ctx)?;
            Some((0, addr.len(), new))
        }
        TextMatch::Card => whole(p.value(dir, Category::Card, m, ctx)),
        TextMatch::UserBeforeUid => {
            let name = &m[3..m.len() - 5];
            p.value(dir, Category::User, name, ctx).map(|n| (3, m.len() - 5, n))
        }
        TextMatch::UserContext | TextMatch::HomePath => {
            let (at, name) = user_value(m);
            p.value(dir, Category::User, name, ctx).map(|n| (at, m.len(), n))
        }
        TextMatch::Domain => {
            // `site.com.access` is no domain, but `site.com` in it is: drop labels from the
            // end until a public suffix ends the name.
            let mut name = m;
            loop {
                let last = name.rsplit('.').next().unwrap_or(name);
                let file_like =
                    NOT_DOMAINS.contains(&last.to_ascii_lowercase().as_str()) && name.split('.').count() < 3;
                if !file_like && super::names::has_public_suffix(name) {
                    return p.value(dir, Category::Domain, name, ctx).filter(|n| n != name).map(|n| (0, name.len(), n));
                }
                match name.rfind('.') {
                    Some(dot) if name[..dot].contains('.') => name = &name[..dot],
                    _ => return None,
                }
            }
        }
    }
}

/// Whether `hay[start..end]` stands as a whole token: no letter, digit or `_` continues it
/// on a side where it begins or ends with one.
pub fn is_token(hay: &[u8], start: usize, end: usize) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (start == 0 || !word(hay[start - 1]) || !word(hay[start]))
        && (end == hay.len() || !word(hay[end]) || !word(hay[end - 1]))
}

/// sudo writes the invoking user first: "  alice : TTY=pts/0 ; PWD=... ; USER=root ; COMMAND=...",
/// alone in `message` or after "sudo: " in a raw syslog line.
pub fn sudo_user(text: &str) -> Option<(usize, &str)> {
    let b = text.as_bytes();
    if !memchr::memchr_iter(b':', b).any(|i| i > 0 && b[i - 1] == b' ' && b.get(i + 1) == Some(&b' ')) {
        return None;
    }
    let from = text.find("sudo: ").map(|i| i + 6).unwrap_or(0);
    let trimmed = text[from..].trim_start();
    let offset = text.len() - trimmed.len();
    let (name, rest) = trimmed.split_once(" : ")?;
    let follows = ["TTY=", "user NOT in sudoers", "command not allowed", "a password is required"];
    let is_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'$'));
    let attempts = rest
        .split_once(" incorrect password")
        .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    (is_name && (attempts || follows.iter().any(|f| rest.starts_with(f)))).then_some((offset, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_finds_its_kind() {
        let patterns = Patterns::new(&["home".to_string(), "users".to_string()]);
        let cases = [
            ("Authorization: Bearer abcdefghijkl123", TextMatch::Bearer),
            ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", TextMatch::Jwt),
            ("key AKIAIOSFODNN7EXAMPLE here", TextMatch::AwsKey),
            ("password=hunter2", TextMatch::KeyValueSecret),
            ("Cookie: session=0f3a9c; theme=dark", TextMatch::KeyValueSecret),
            ("mysql --password=hunter2", TextMatch::FlagSecret),
            ("see https://example.org/x", TextMatch::Url),
            ("mail bob@example.org now", TextMatch::Email),
            ("hw 00:1a:2b:3c:4d:5e up", TextMatch::Mac),
            ("from fe80::1%eth0 port", TextMatch::Ipv6),
            ("from 2001:0db8:0000:0000:0000:ff00:0042:8329 port", TextMatch::Ipv6),
            ("from ::ffff:192.0.2.1 port", TextMatch::Ipv6),
            ("from 203.0.113.9 port", TextMatch::Ipv4),
            ("card 4111 1111 1111 1111 ok", TextMatch::Card),
            ("Failed password for invalid user bob from", TextMatch::UserContext),
            ("cd /home/alice/x", TextMatch::HomePath),
            ("session opened for user root by alice(uid=1000)", TextMatch::UserBeforeUid),
            ("GET /users/alice/x", TextMatch::HomePath),
            ("GET /~alice/x", TextMatch::HomePath),
            (r"C:\\Users\\alice\\x", TextMatch::HomePath),
            ("resolve mail.example.co.uk", TextMatch::Domain),
        ];
        for (text, kind) in cases {
            let kinds: Vec<TextMatch> =
                patterns.re.find_iter(text.as_bytes()).map(|m| PATTERNS[m.pattern().as_usize()].0).collect();
            assert!(kinds.contains(&kind), "{text}: {kinds:?}");
        }
    }

    /// The context of a whole-line text.
    fn unique_text() -> Ctx {
        let mut ctx = Ctx::default();
        ctx.unique_text = true;
        ctx
    }

    /// A text that ends an earlier one gets, from the earlier scan, exactly the edits a
    /// scan of its own gives, wherever it starts; matches that span its start (a user
    /// name after "Failed password for") make it scan on its own.
    #[test]
    fn the_end_of_an_earlier_text_is_edited_as_if_scanned() {
        use crate::anonymize::{key::Key, policy::Policy};
        let p = Pseudonymizer::new(&Key::from_hex(&"cd".repeat(32)).unwrap(), "", Policy::builtin(), false, 0.0);
        let lines = [
            "Mar  1 00:00:01 bastion sshd[42661]: Failed password for sjones11960 from 145.129.218.243 port 59758 ssh2",
            "Mar  1 00:00:00 bastion sshd[53413]: Invalid user jnguyen3507 from 81.45.42.99 port 56852",
            "Aug  3 06:47:52 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
            "10.0.0.5 - bob [01/Mar/2024:10:00:00 +0000] \"GET /login?user=carol&token=abcdefghijklmnop HTTP/1.1\" 200 512 \"https://ref.example.org/a\" \"curl/8.4.0\"",
            "host app: mysql --password hunter2 -h db.example.com; Authorization: Bearer abcdefgh12345678 mail bob@example.org card 4111 1111 1111 1111",
            "kernel: eth0 hw 00:1a:2b:3c:4d:5e from fe80::1c2:3ff:fe44:5566%eth0 and 2001:db8::42 via 203.0.113.9 by alice(uid=1000) for user root",
        ];
        let mut reused = 0;
        for line in lines {
            for (at, _) in line.match_indices(' ') {
                let tail = &line[at + 1..];
                let fresh = pattern_edits(&p, Dir::Encrypt, tail, &mut unique_text());
                let mut ctx = unique_text();
                pattern_edits(&p, Dir::Encrypt, line, &mut ctx);
                assert!(ctx.earlier.is_some());
                reused += from_earlier(&ctx, tail).is_some() as usize;
                assert_eq!(pattern_edits(&p, Dir::Encrypt, tail, &mut ctx), fresh, "{tail}");
            }
        }
        assert!(reused > 50, "{reused}");
        // "Failed password for" + the name: the name's text scans on its own.
        let line = lines[0];
        let mut ctx = unique_text();
        pattern_edits(&p, Dir::Encrypt, line, &mut ctx);
        assert!(from_earlier(&ctx, &line[line.find("sjones").unwrap()..]).is_none());
    }

    #[test]
    fn clock_times_are_not_address_candidates() {
        let patterns = Patterns::new(&[]);
        let kinds: Vec<TextMatch> = patterns
            .re
            .find_iter(b"Dec 31 23:58:01 host sshd[1]: at 12:00:01.5")
            .map(|m| PATTERNS[m.pattern().as_usize()].0)
            .collect();
        assert!(!kinds.contains(&TextMatch::Ipv6), "{kinds:?}");
    }

    #[test]
    fn sudo_lines_name_their_user() {
        assert_eq!(
            sudo_user("  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"),
            Some((2, "alice"))
        );
        assert_eq!(sudo_user("bob : user NOT in sudoers ; TTY=pts/1"), Some((0, "bob")));
        assert_eq!(sudo_user("carol : 3 incorrect password attempts ; TTY=pts/0"), Some((0, "carol")));
        assert_eq!(sudo_user("Connection closed : by peer"), None);
        let raw = "Aug  3 06:47:52 web01 sudo:    alice : TTY=pts/0 ; USER=root";
        assert_eq!(sudo_user(raw).map(|(at, n)| (&raw[at..at + 5], n)), Some(("alice", "alice")));
    }
}
