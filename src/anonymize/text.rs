//! Finds sensitive values in free text (`message`, `event.original`, command lines, paths,
//! templates) in one pass of a multi-pattern automaton, and replaces each with the same
//! pseudonym its structured field would get. Pseudonyms keep the shape the patterns look
//! for, so the same scan finds them again for `--reveal`.
//!
//! Text under an encoding is decoded and scanned too (percent-escapes, escaped strings
//! inside strings, base64 after `Basic`, `-EncodedCommand`, `base64,` and padded blobs),
//! and each replacement is written back in that encoding ([`super::layers`]). Tool
//! arguments are read by [`super::cmdline`] where the scan finds a tool's name.
//!
//! Leftmost match wins; at one position, the first pattern in [`PATTERNS`]. When a match
//! turns out to hold nothing (`PWD=/home/alice` is no password), the patterns after it are
//! tried at the same place and the scan goes on inside it, so it hides nothing it covers.

use super::cmdline;
use super::fpe::Dir;
use super::ids;
use super::layers::Layer;
use super::policy::Category;
use super::secrets::{self, SecretName};
use super::values::{Ctx, Pseudonymizer, Scan};
use base64::Engine;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, PatternID};
use std::net::IpAddr;

#[derive(Clone, Copy, PartialEq, Debug)]
enum TextMatch {
    PrivateKey,
    Jwt,
    Provider,
    Bearer,
    SecureString,
    PassColon,
    NtlmPair,
    KeyValue,
    XmlSecret,
    FlagSecret,
    FlagUser,
    Url,
    Email,
    Mac,
    Ipv6,
    Ipv4,
    Iban,
    Phone,
    NationalId,
    Card,
    Sid,
    Unc,
    UserContext,
    UserBeforeUid,
    CronUser,
    HostContext,
    WinField,
    Dn,
    HomePath,
    DomainUser,
    MachineName,
    CmdTool,
    Base64,
    Domain,
}

impl TextMatch {
    /// Kinds whose match is one value: when it stays, nothing else hides in it.
    fn atomic(self) -> bool {
        matches!(
            self,
            TextMatch::Url
                | TextMatch::Email
                | TextMatch::Mac
                | TextMatch::Ipv4
                | TextMatch::Ipv6
                | TextMatch::Domain
                | TextMatch::Jwt
                | TextMatch::Provider
                | TextMatch::PrivateKey
                | TextMatch::Sid
        )
    }
}

const KEY_VALUE: &str = concat!(
    r#"\b[A-Za-z0-9_.-]*(?i:pass|pwd|pw|secret|token|key|cred|auth|sess|sid|sig|cookie|otp|pin|jwt|bearer|hmac)[A-Za-z0-9_.-]*"#,
    r#"(?:["']\s*:\s*|\s*:\s+|["']?\s*(?:=>|:=|=)\s*)"#,
    r#"(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s&;,"'<>()\[\]{}|]+)"#,
);

const FLAG_SECRET: &str = concat!(
    r#"--(?:[A-Za-z0-9]+-)*(?i:password|passwd|pass|pwd|secret|token|api-?key|apikey|access-key|secret-key|auth-token|client-secret|credentials?|passphrase|storepass|keypass)(?:=(?:"[^"]*"|'[^']*'|[^\s"']+)|[ \t]+(?:"[^"]*"|'[^']*'|[^\s"'-][^\s"']*))"#,
    r#"|\B-(?i:password|passwd|pass|pwd|storepass|keypass|srcstorepass|deststorepass|srckeypass|destkeypass|secret|token|apikey|accountpassword|newpassword|oldpassword|passphrase)(?:[:=](?:"[^"]*"|'[^']*'|[^\s"']+)|[ \t]+(?:"[^"]*"|'[^']*'|[^\s"'($-][^\s"']*))"#,
    r#"|\B/(?i:password|passwd|pass|pwd|p|rp)[:=](?:"[^"]*"|'[^']*'|[^\s"']+)"#,
);

const FLAG_USER: &str = concat!(
    r#"--(?:[A-Za-z0-9]+-)*(?i:user|username|user-name|login|login-name|principal|bind-dn|binddn|host|hostname|server)(?:=(?:"[^"]*"|'[^']*'|[^\s"']+)|[ \t]+(?:"[^"]*"|'[^']*'|[^\s"'-][^\s"']*))"#,
    r#"|\B-(?i:username|user|samaccountname|identity|userprincipalname|runasuser|accountname|computername|hostname|server|cn)(?::|=|[ \t]+)(?:"[^"]*"|'[^']*'|[^\s"'($-][^\s"']*)"#,
    r#"|\B/(?i:user|u|username|ru|runas|domain|d)[:=](?:"[^"]*"|'[^']*'|[^\s"']+)"#,
);

const USER_CONTEXT: &str = concat!(
    r#"(?:\b[Ff]ailed [a-z/-]+ for (?:invalid user )?|\b[Aa]ccepted [a-z/-]+ for |\b[Ii]nvalid user |\b[Ii]llegal user |\b(?:for|by|of) (?:user|account) "#,
    r#"|\b(?:[A-Za-z0-9]+[_.-])*(?i:user|ruser|suser|duser|logname|acct|username|user_name|uname|login|userid|user_id)(?:=|["']\s*:\s*|\s*:\s+)["']?"#,
    r#"|\(to [A-Za-z0-9._-]+\) |\bnew user: name=|\bdelete user '|\bpassword changed for |\bof user |\bsu for [A-Za-z0-9._$-]+ by |\badd ')"#,
    r#"[A-Za-z0-9._$@\\-]*[A-Za-z0-9_$]"#,
);

const BASE64: &str = concat!(
    r#"\B-(?i:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)[ \t]+[A-Za-z0-9+/]{16,}={0,2}"#,
    r#"|(?i:frombase64string)\(\s*['"][A-Za-z0-9+/]{8,}={0,2}"#,
    r#"|;base64,[A-Za-z0-9+/]{8,}={0,2}"#,
    r#"|\b(?i:echo)[ \t]+(?:-n[ \t]+)?['"]?[A-Za-z0-9+/]{12,}={0,2}"#,
    r#"|\b[A-Za-z0-9+/]{12,}={1,2}"#,
);

/// Leftmost match wins; at one position, the first pattern in this list. Two are built
/// by [`Patterns::new`]: user directories (from the policy) and tool names (from
/// [`cmdline`]).
const PATTERNS: &[(TextMatch, &str)] = &[
    (
        TextMatch::PrivateKey,
        r"-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\r\n\t ]|\\[nrt]|Proc-Type:[^\r\n\\]*|DEK-Info:[^\r\n\\]*)*(?:-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----)?",
    ),
    (TextMatch::Jwt, r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    (TextMatch::Provider, secrets::PROVIDER),
    (
        TextMatch::Bearer,
        r"\b(?i:bearer|basic|token|negotiate|ntlm|aws4-hmac-sha256|sharedaccesssignature|sharedkey|apikey|api-key)[ \t]+[A-Za-z0-9._~+/=:,&%-]{8,}",
    ),
    (
        TextMatch::SecureString,
        r#"(?i:convertto-securestring)(?:[ \t]+-(?i:string|asplaintext|force)\b)*[ \t]+(?:"[^"]*"|'[^']*'|[^\s()|;"'-][^\s()|;]*)"#,
    ),
    (TextMatch::PassColon, r#"\bpass:[^\s"'<>]+"#),
    (TextMatch::NtlmPair, r"\b[0-9a-fA-F]{32}:[0-9a-fA-F]{32}\b"),
    (TextMatch::KeyValue, KEY_VALUE),
    (
        TextMatch::XmlSecret,
        r"<[A-Za-z0-9_:.-]*(?i:pass|pwd|secret|token|key|cred|auth|sess|sig|otp|pin)[A-Za-z0-9_:.-]*>[^<]{1,512}</",
    ),
    (TextMatch::FlagSecret, FLAG_SECRET),
    (TextMatch::FlagUser, FLAG_USER),
    (TextMatch::Url, r#"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s"'<>`]+"#),
    (TextMatch::Email, r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}\b"),
    (
        TextMatch::Mac,
        r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b",
    ),
    // IPv6 has "::" or all eight groups (the last two may be an IPv4 address); requiring
    // that keeps clock times (06:47:52) from being candidates on every syslog line.
    (
        TextMatch::Ipv6,
        r"(?:[0-9A-Fa-f:]*::[0-9A-Fa-f:.]*|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){6}(?:[0-9]{1,3}\.){3}[0-9]{1,3})(?:%[A-Za-z0-9_.-]+)?",
    ),
    (TextMatch::Ipv4, r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b"),
    (TextMatch::Iban, r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
    (TextMatch::Phone, r"\+[1-9][0-9 ().\-/]{6,22}[0-9]"),
    (TextMatch::NationalId, ids::NATIONAL_ID),
    (TextMatch::Card, r"\b[2-6](?:[ -]?[0-9]){12,18}\b"),
    (TextMatch::Sid, r"\bS-1-[0-9]{1,10}(?:-[0-9]{1,10}){1,14}\b"),
    (TextMatch::Unc, r"\\\\(?:[A-Za-z0-9_-]+\.)*[A-Za-z0-9_$-]*[A-Za-z0-9_$](?:@SSL)?(?:@[0-9]+)?"),
    (TextMatch::UserContext, USER_CONTEXT),
    (TextMatch::UserBeforeUid, r"\bby [A-Za-z0-9._$-]+\(uid="),
    // cron: `CRON[42]: (alice) CMD (...)`
    (
        TextMatch::CronUser,
        r"\([A-Za-z0-9._$-]+\) (?:CMD|MAIL|RELOAD|BEGIN EDIT|END EDIT|REPLACE|LIST|DELETE|ERROR|WRONG)\b",
    ),
    (
        TextMatch::HostContext,
        r#"\b(?i:rhost|shost|dhost|host|hostname|server|srv|computer|computername|workstation|src_host|dst_host|dvchost)=["']?[A-Za-z0-9][A-Za-z0-9._:-]*"#,
    ),
    (
        TextMatch::WinField,
        r"\b(?:Account Name|User Name|Target User Name|Caller User Name|Logon Account|Client Name|Workstation Name|Source Workstation|Workstation|Computer Name|Account Domain|Supplied Realm Name|Client Account|Security ID|New Account Name|Old Account Name|Target Account Name|Member Name|Account For Which Logon Failed):[ \t]+[^\s,;]+",
    ),
    (TextMatch::Dn, r#"\b(?i:cn|uid|dc)=(?:[A-Za-z][^,+;"\\/<>=\r\n]*,|[A-Za-z][A-Za-z0-9._$-]*)"#),
    (TextMatch::HomePath, "built from the policy by Patterns::new"),
    (TextMatch::DomainUser, r"\b[A-Za-z0-9][A-Za-z0-9_-]{0,14}\\{1,2}[A-Za-z0-9][A-Za-z0-9._$-]*"),
    (TextMatch::MachineName, r"\b(?:DESKTOP|LAPTOP|WIN|PC|WS)-[A-Z0-9]{5,15}\b"),
    (TextMatch::CmdTool, "built from cmdline::tool_pattern by Patterns::new"),
    (TextMatch::Base64, BASE64),
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

/// File extensions: `CORP\report.txt` is a path, not an account.
const FILE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "sys", "log", "txt", "ini", "dat", "bat", "cmd", "ps1", "psm1", "vbs", "js", "tmp", "xml", "json",
    "csv", "cfg", "conf", "lnk", "msi", "zip", "evtx", "etl", "db", "docx", "xlsx", "pdf", "png", "jpg", "config",
    "inf", "cat", "mui", "drv", "ocx", "cpl", "scr", "hta", "reg", "pf", "sdb", "manifest",
];

/// Well-known NetBIOS authorities and groups (`NT AUTHORITY\SYSTEM`, `BUILTIN\Users`): kept.
const WELL_KNOWN_DOMAINS: &[&str] = &[
    "AUTHORITY",
    "BUILTIN",
    "SERVICE",
    "APPPOOL",
    "MACHINE",
    "WORKGROUP",
    "NT",
    "LOCAL",
    "GLOBAL",
    "HKLM",
    "HKCU",
    "HKU",
    "HKCR",
    "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER",
    "HKEY_USERS",
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
            r"(?:/(?:{})/|/~|\\+(?:[Uu]sers|USERS|Documents and Settings|[Pp]rofiles|home)\\+)(?:(?:[A-Za-z0-9._$-]+ )+[A-Za-z0-9._$-]*[A-Za-z0-9_$]\\|[A-Za-z0-9._$-]*[A-Za-z0-9_$])",
            if parents.is_empty() { "home".to_string() } else { parents.join("|") }
        );
        let tools = cmdline::tool_pattern();
        let patterns: Vec<&str> = PATTERNS
            .iter()
            .map(|(kind, p)| match kind {
                TextMatch::HomePath => home.as_str(),
                TextMatch::CmdTool => tools.as_str(),
                _ => *p,
            })
            .collect();
        // The lazy DFA of these patterns outgrows the default 2 MB cache and would rebuild
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
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '-' | '@' | '\\')))
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
    let cached = cached_patterns(p, dir, text, ctx, &mut own);
    let patterns = cached.as_deref().map_or(own.as_slice(), |c| c.edits.as_slice());
    apply(p, text, patterns, ctx)
}

/// The pattern edits of `text`: from the per-worker cache for short texts (`Some`), else
/// computed into `own`.
pub fn cached_patterns(
    p: &Pseudonymizer,
    dir: Dir,
    text: &str,
    ctx: &mut Ctx,
    own: &mut Vec<Edit>,
) -> Option<std::rc::Rc<super::values::Scanned>> {
    if text.len() <= CACHED_TEXT_MAX && !ctx.unique_text {
        Some(p.cached_scan(Scan::Text, dir, text, ctx, |ctx| pattern_edits(p, dir, text, ctx)))
    } else {
        *own = pattern_edits(p, dir, text, ctx);
        None
    }
}

/// `text` with its pattern edits and the event's known names applied; `None` when nothing
/// changed.
pub fn apply(p: &Pseudonymizer, text: &str, patterns: &[Edit], ctx: &Ctx) -> Option<String> {
    let known = p.known_edits(text, patterns, ctx);
    if patterns.is_empty() && known.is_empty() {
        return None;
    }
    let mut edits: Vec<(usize, usize, &str)> = patterns
        .iter()
        .map(|(f, t, n)| (*f, *t, n.as_str()))
        .chain(known.iter().map(|(f, t, n)| (*f, *t, n.as_str())))
        .collect();
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
    (out != text).then_some(out)
}

/// A whole-line text of the event already scanned, with where its pattern matches lie and
/// the edits they asked for. An event's `message` is most often the end of its
/// `event.original` after the syslog header: its edits are the original's past that point,
/// when the point follows white space and no match spans it. The matches of a text's end
/// are then the matches of the whole text there (white space ends a word as the start of a
/// text does, and matches that do not reach back past a point are found the same from
/// it), so this saves the second scan and changes nothing. Texts with escapes (decoded and
/// scanned again as a whole) and commands (read from their tool's name on) are scanned on
/// their own.
pub struct Earlier {
    text: String,
    spans: Vec<(usize, usize)>,
    edits: Vec<Edit>,
    /// The scan used nothing but matches inside their spans (no layers, no commands).
    local: bool,
}

/// Texts shorter than this are scanned, not looked up.
const EARLIER_MIN: usize = 16;

/// The edits of `text` when it ends the earlier text at a point no match spans.
fn from_earlier(ctx: &Ctx, text: &str) -> Option<Vec<Edit>> {
    let e = ctx.earlier.as_ref()?;
    if !e.local || ctx.track || text.len() < EARLIER_MIN || e.text.len() <= text.len() || !e.text.ends_with(text) {
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
pub(super) fn pattern_edits(p: &Pseudonymizer, dir: Dir, text: &str, ctx: &mut Ctx) -> Vec<Edit> {
    match from_earlier(ctx, text) {
        Some(edits) => edits,
        None => {
            let mut scan = Scanning { spans: Vec::new(), local: true };
            let edits = all_edits(p, dir, text, ctx, 0, &mut scan);
            // Risk tracking counts every value where it is found, so it scans every text.
            if ctx.unique_text && !ctx.track && text.len() >= EARLIER_MIN {
                ctx.earlier = Some(Earlier {
                    text: text.to_string(),
                    spans: scan.spans,
                    edits: edits.clone(),
                    local: scan.local,
                });
            }
            edits
        }
    }
}

/// What a scan records about itself for [`Earlier`].
struct Scanning {
    spans: Vec<(usize, usize)>,
    local: bool,
}

/// How deep decoding goes: a layer inside a layer inside a layer (`%2540` in an escaped
/// string), base64 inside those.
const MAX_DEPTH: u8 = 3;

/// The edits of `text` and of every encoding layer under it, mapped back to `text`.
fn all_edits(p: &Pseudonymizer, dir: Dir, text: &str, ctx: &mut Ctx, depth: u8, scan: &mut Scanning) -> Vec<Edit> {
    let mut edits = match_edits(p, dir, text, ctx, depth, scan);
    if let Some((at, name)) = sudo_user(text) {
        if let Some(new) = p.value(dir, Category::User, name, ctx) {
            merge(&mut edits, (at, at + name.len(), new));
        }
    }
    if depth < MAX_DEPTH {
        for layer in [Layer::percent(text), Layer::backslash(text)].into_iter().flatten() {
            scan.local = false;
            let mut inner_scan = Scanning { spans: Vec::new(), local: false };
            for (from, to, new) in all_edits(p, dir, &layer.text, ctx, depth + 1, &mut inner_scan) {
                let (range, encoded) = layer.encode(text, from, to, &new);
                merge(&mut edits, (range.start, range.end, encoded));
            }
        }
    }
    edits.sort_by_key(|e| e.0);
    edits
}

/// Adds `new` to `edits` unless an edit at least as long overlaps it; edits it outgrows go.
fn merge(edits: &mut Vec<Edit>, new: Edit) {
    let overlaps = |e: &Edit| e.0 < new.1 && new.0 < e.1;
    if edits.iter().any(|e| overlaps(e) && e.1 - e.0 >= new.1 - new.0) {
        return;
    }
    edits.retain(|e| !overlaps(e));
    edits.push(new);
}

/// Edits found by tool-argument rules: they win over pattern edits they overlap (the
/// rules know a password from a host name).
struct Found {
    edits: Vec<Edit>,
    strong: Vec<Edit>,
    /// Where wrapped commands start (`sudo -u x CMD`): command positions for their tools.
    command_starts: Vec<usize>,
}

/// The regex's matches in `text` and the edits they ask for.
fn match_edits(p: &Pseudonymizer, dir: Dir, text: &str, ctx: &mut Ctx, depth: u8, scan: &mut Scanning) -> Vec<Edit> {
    let b = text.as_bytes();
    let re = &p.patterns.re;
    let mut found = Found { edits: Vec::new(), strong: Vec::new(), command_starts: Vec::new() };
    let mut at = 0;
    while at < b.len() {
        let Some(mut m) = re.search(&Input::new(b).range(at..)) else { break };
        loop {
            scan.spans.push((m.start(), m.end()));
            let kind = PATTERNS[m.pattern().as_usize()].0;
            if kind == TextMatch::CmdTool {
                scan.local = false;
            }
            if handle(p, dir, kind, text, m.start(), m.end(), ctx, depth, &mut found) || kind.atomic() {
                at = m.end();
                break;
            }
            // Nothing here after all: the patterns after this one at the same place, then
            // the text inside.
            let next = (m.pattern().as_usize() + 1..PATTERNS.len()).find_map(|k| {
                let input = Input::new(b).range(m.start()..).anchored(Anchored::Pattern(PatternID::must(k)));
                re.search(&input)
            });
            match next {
                Some(n) => m = n,
                None => {
                    at = m.start() + 1;
                    break;
                }
            }
        }
    }
    let Found { mut edits, strong, .. } = found;
    if !strong.is_empty() {
        edits.retain(|e| !strong.iter().any(|s| s.0 < e.1 && e.0 < s.1));
        for s in strong {
            if !edits.iter().any(|e| e.0 < s.1 && s.0 < e.1) {
                edits.push(s);
            }
        }
        edits.sort_by_key(|e| e.0);
    }
    edits
}

/// The span of a value without the quotes around it.
fn unquoted(text: &str, from: usize, to: usize) -> (usize, usize) {
    let b = text.as_bytes();
    if to >= from + 2 && matches!(b[from], b'"' | b'\'') && b[to - 1] == b[from] {
        (from + 1, to - 1)
    } else {
        (from, to)
    }
}

/// Handles one match: pushes its edits and says whether the match was one (false: it holds
/// nothing, look further).
#[allow(clippy::too_many_arguments)]
fn handle(
    p: &Pseudonymizer,
    dir: Dir,
    kind: TextMatch,
    text: &str,
    s: usize,
    e: usize,
    ctx: &mut Ctx,
    depth: u8,
    f: &mut Found,
) -> bool {
    let m = &text[s..e];
    let b = text.as_bytes();
    let push = |f: &mut Found, from: usize, to: usize, new: Option<String>| {
        if let Some(n) = new.filter(|n| n.as_str() != &text[from..to]) {
            f.edits.push((from, to, n));
        }
    };
    let secret = |f: &mut Found, ctx: &mut Ctx, from: usize, to: usize, kind: &'static str| {
        if let Some(n) = p.secret(dir, &text[from..to], kind, ctx) {
            f.edits.push((from, to, n));
        }
    };
    match kind {
        TextMatch::PrivateKey => {
            // The key between its BEGIN and END lines.
            let body = m[10..].find("-----").map_or(m.len(), |i| 10 + i + 5);
            let end = m.rfind("-----END").filter(|i| *i >= body).unwrap_or(m.len());
            if end > body {
                secret(f, ctx, s + body, s + end, "private-key");
            }
        }
        TextMatch::Jwt => secret(f, ctx, s, e, "jwt"),
        TextMatch::Provider => {
            let kind = secrets::provider_kind(m);
            // A webhook's secret is its last path segment.
            let from = if kind.ends_with("webhook") { s + m.rfind('/').map_or(0, |i| i + 1) } else { s };
            secret(f, ctx, from, e, kind);
        }
        TextMatch::Bearer => {
            let Some(sp) = m.find([' ', '\t']) else { return false };
            let scheme = m[..sp].to_ascii_lowercase();
            let vs = s + sp + (m[sp..].len() - m[sp..].trim_start().len());
            let v = &text[vs..e];
            if scheme == "basic" {
                if let Some(new) = basic(p, dir, v, ctx) {
                    push(f, vs, e, Some(new));
                    return true;
                }
            }
            if dir == Dir::Decrypt && v.starts_with("[REDACTED") {
                return true;
            }
            // `token_type=bearer key_id=42`: a value, not a scheme; a token has `=` only as
            // padding (the signature schemes carry `name=value` lists).
            let listed = matches!(scheme.as_str(), "aws4-hmac-sha256" | "sharedaccesssignature" | "sharedkey");
            if (s > 0 && matches!(b[s - 1], b'=' | b':')) || (!listed && v.trim_end_matches('=').contains('=')) {
                return false;
            }
            let token_ok = scheme != "token" || v.bytes().any(|c| c.is_ascii_digit()) || v.len() >= 20;
            if !token_ok || !secrets::secret_value(SecretName::Token("token"), v) {
                return false;
            }
            // A provider's token after the scheme (`token ghp_...`) is named by its kind.
            let provider = PATTERNS.iter().position(|(k, _)| *k == TextMatch::Provider).expect("listed");
            let input = Input::new(b).range(vs..e).anchored(Anchored::Pattern(PatternID::must(provider)));
            let kind = match p.patterns.re.search(&input) {
                Some(pm) => secrets::provider_kind(&text[pm.start()..pm.end()]),
                None if scheme == "bearer" => "bearer-token",
                None => "authorization",
            };
            secret(f, ctx, vs, e, kind);
        }
        TextMatch::SecureString => {
            let value_at = m.rfind([' ', '\t']).map_or(0, |i| i + 1);
            let (from, to) = unquoted(text, s + value_at, e);
            if from >= to {
                return false;
            }
            secret(f, ctx, from, to, "password");
        }
        TextMatch::PassColon => secret(f, ctx, s + 5, e, "password"),
        TextMatch::NtlmPair => secret(f, ctx, s, e, "ntlm-hash"),
        TextMatch::KeyValue | TextMatch::XmlSecret => return key_value(p, dir, kind, text, s, e, ctx, f),
        TextMatch::FlagSecret => {
            let (name, from, to) = flag_parts(text, s, e);
            let v = &text[from..to];
            // openssl's `-pass pass:X` (its own pattern), `env:VAR`, `file:PATH`, `stdin`.
            if ["pass:", "env:", "file:", "fd:"].iter().any(|p| v.starts_with(p)) || v == "stdin" {
                return false;
            }
            let class = secrets::secret_name(name).unwrap_or(SecretName::Password);
            if !secrets::secret_value(SecretName::Password, v) {
                return false;
            }
            let marker = match class {
                SecretName::Password => "password",
                SecretName::Token(k) => k,
            };
            secret(f, ctx, from, to, marker);
        }
        TextMatch::FlagUser => {
            let (name, from, to) = flag_parts(text, s, e);
            let v = &text[from..to];
            if v.is_empty() || v == "<*>" {
                return false;
            }
            let lname = name.to_ascii_lowercase();
            if matches!(lname.as_str(), "d" | "domain") {
                push(f, from, to, p.value(dir, Category::Domain, v, ctx));
                return true;
            }
            if lname.ends_with("host")
                || lname.ends_with("hostname")
                || lname.ends_with("server")
                || lname == "computername"
                || lname == "cn"
            {
                push(f, from, to, p.value(dir, Category::Host, v, ctx));
                return true;
            }
            // curl's and wget's `--user name:password`
            match v.split_once(':').filter(|(u, _)| !u.contains('\\') && lname.ends_with("user")) {
                Some((user, pass)) if !pass.is_empty() => {
                    push(f, from, from + user.len(), p.value(dir, Category::User, user, ctx));
                    secret(f, ctx, from + user.len() + 1, to, "password");
                }
                _ => push(f, from, to, p.value(dir, Category::User, v, ctx)),
            }
        }
        TextMatch::Url => push(f, s, e, p.url(dir, m, ctx)),
        TextMatch::Email => push(f, s, e, p.value(dir, Category::Email, m, ctx)),
        TextMatch::Mac => push(f, s, e, p.value(dir, Category::Mac, m, ctx)),
        TextMatch::Ipv4 | TextMatch::Ipv6 => {
            // `Chrome/120.0.0.0`: a product's version (user agents freeze the last parts).
            if kind == TextMatch::Ipv4
                && s >= 2
                && b[s - 1] == b'/'
                && b[s - 2].is_ascii_alphabetic()
                && m.ends_with(".0.0")
            {
                return true;
            }
            let addr = m.split('%').next().unwrap_or(m);
            if addr.parse::<IpAddr>().is_err() {
                return false;
            }
            push(f, s, s + addr.len(), p.value(dir, Category::Ip, addr, ctx));
        }
        TextMatch::Iban => {
            if !ids::is_iban(m) {
                return false;
            }
            push(f, s, e, p.value(dir, Category::Iban, m, ctx));
        }
        TextMatch::Phone => {
            if s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'+') || !ids::is_phone(m) {
                return false;
            }
            push(f, s, e, p.value(dir, Category::Phone, m, ctx));
        }
        TextMatch::NationalId => {
            let Some(new) = p.value(dir, Category::NationalId, m, ctx) else { return false };
            push(f, s, e, Some(new));
        }
        TextMatch::Card => {
            let Some(new) = p.value(dir, Category::Card, m, ctx) else { return false };
            push(f, s, e, Some(new));
        }
        TextMatch::Sid => push(f, s, e, p.value(dir, Category::NumericId, m, ctx)),
        TextMatch::Unc => {
            let server = &m[2..];
            let end = server.find('@').unwrap_or(server.len());
            if end == 0 || server[..end].eq_ignore_ascii_case("localhost") {
                return true;
            }
            push(f, s + 2, s + 2 + end, p.value(dir, Category::Host, &server[..end], ctx));
        }
        TextMatch::UserBeforeUid => {
            let name = &m[3..m.len() - 5];
            push(f, s + 3, e - 5, p.value(dir, Category::User, name, ctx));
        }
        TextMatch::CronUser => {
            let close = m.find(')').unwrap_or(1);
            push(f, s + 1, s + close, p.value(dir, Category::User, &m[1..close], ctx));
        }
        TextMatch::UserContext => {
            let (at, name) = user_value(m);
            if name.is_empty() || name == "-" {
                return false;
            }
            push(f, s + at, e, p.value(dir, Category::User, name, ctx));
        }
        TextMatch::HomePath => {
            let m = m.strip_suffix('\\').unwrap_or(m);
            let at = m.rfind(['/', '\\', '~']).map_or(0, |i| i + 1);
            let name = &m[at..];
            push(f, s + at, s + m.len(), p.value(dir, Category::User, name, ctx));
        }
        TextMatch::HostContext => {
            let eq = m.find('=').unwrap_or(0) + 1;
            let from = s + eq + (b[s + eq] == b'"' || b[s + eq] == b'\'') as usize;
            let v = text[from..e].trim_end_matches([':', '.']);
            if v.is_empty() || v == "-" {
                return false;
            }
            push(f, from, from + v.len(), p.value(dir, Category::Host, v, ctx));
        }
        TextMatch::WinField => {
            let colon = m.find(':').unwrap_or(0);
            let label = &m[..colon];
            let from = s + colon + 1 + (m[colon + 1..].len() - m[colon + 1..].trim_start().len());
            let v = &text[from..e];
            if v == "-" || v.is_empty() {
                return true;
            }
            let cat = match label {
                "Workstation Name" | "Source Workstation" | "Workstation" | "Computer Name" | "Client Name" => {
                    Category::Host
                }
                "Account Domain" | "Supplied Realm Name" => Category::Domain,
                "Security ID" => Category::NumericId,
                _ => Category::User,
            };
            push(f, from, e, p.value(dir, cat, v, ctx));
        }
        TextMatch::Dn => {
            let eq = m.find('=').unwrap_or(0);
            let attr = m[..eq].to_ascii_lowercase();
            let v = m[eq + 1..].trim_end_matches(',').trim_end();
            let from = s + eq + 1;
            let to = from + v.len();
            if attr == "dc" {
                // The last DC is the top-level domain; the others name the organization
                // (unless the name they spell is kept, as example.com is).
                let rest = text[to..].to_ascii_lowercase();
                let last = !rest.trim_start_matches(',').starts_with("dc=");
                let spelled: String = std::iter::once(v.to_ascii_lowercase())
                    .chain(rest.split(',').filter_map(|c| c.trim().strip_prefix("dc=").map(str::to_string)))
                    .collect::<Vec<_>>()
                    .join(".");
                if last || p.policy.keep.domains.contains(&spelled) {
                    return true;
                }
                push(f, from, to, p.value(dir, Category::Host, v, ctx));
                return true;
            }
            let cat = if v.contains(' ') {
                Category::Person
            } else if v.contains('.') && super::names::has_public_suffix(v) {
                Category::Domain
            } else {
                Category::User
            };
            push(f, from, to, p.value(dir, cat, v, ctx));
        }
        TextMatch::DomainUser => return domain_user(p, dir, text, s, e, ctx, f),
        TextMatch::MachineName => push(f, s, e, p.value(dir, Category::Host, m, ctx)),
        TextMatch::CmdTool => {
            let word_end = s + m.trim_end().len();
            let at_command = f.command_starts.contains(&s) || cmdline::command_position(text, s);
            let parsed = cmdline::parse(text, s..word_end, e, at_command);
            f.command_starts.extend(parsed.wrapped);
            for (r, arg) in parsed.args {
                let v = &text[r.clone()];
                if v.is_empty() || v.contains("<*>") {
                    continue;
                }
                let new = match arg {
                    cmdline::Arg::Secret(k) => {
                        if !secrets::secret_value(SecretName::Password, v) {
                            continue;
                        }
                        p.secret(dir, v, k, ctx)
                    }
                    cmdline::Arg::User => p.value(dir, Category::User, v, ctx),
                    cmdline::Arg::Host => p.value(dir, Category::Host, v, ctx),
                    cmdline::Arg::Person => p.value(dir, Category::Person, v, ctx),
                };
                if let Some(n) = new.filter(|n| n != v) {
                    f.strong.push((r.start, r.end, n));
                }
            }
        }
        TextMatch::Base64 => return base64_blob(p, dir, text, s, e, ctx, depth, f),
        TextMatch::Domain => {
            // `site.com.access` is no domain, but `site.com` in it is: drop labels from the
            // end until a public suffix ends the name. (`%60www.example.com`: the escape's
            // digits are not part of the name.)
            let start = if s > 0 && b[s - 1] == b'%' && e > s + 2 && b[s..s + 2].iter().all(u8::is_ascii_hexdigit) {
                s + 2
            } else {
                s
            };
            let mut name = &text[start..e];
            loop {
                let last = name.rsplit('.').next().unwrap_or(name);
                let file_like =
                    NOT_DOMAINS.contains(&last.to_ascii_lowercase().as_str()) && name.split('.').count() < 3;
                if !file_like && super::names::has_public_suffix(name) {
                    push(f, start, start + name.len(), p.value(dir, Category::Domain, name, ctx));
                    break;
                }
                match name.rfind('.') {
                    Some(dot) if name[..dot].contains('.') => name = &name[..dot],
                    _ => break,
                }
            }
        }
    }
    true
}

/// A flag match's name (without dashes or slash) and its value's span (without quotes).
fn flag_parts(text: &str, s: usize, e: usize) -> (&str, usize, usize) {
    let m = &text[s..e];
    let name_start = m.find(|c: char| c != '-' && c != '/').unwrap_or(0);
    let name_len = m[name_start..].find(['=', ':', ' ', '\t']).unwrap_or(m.len() - name_start);
    let name = &m[name_start..name_start + name_len];
    let mut from = s + name_start + name_len;
    let b = text.as_bytes();
    while from < e && matches!(b[from], b'=' | b':' | b' ' | b'\t') {
        from += 1;
    }
    let (from, to) = unquoted(text, from, e);
    (name, from, to)
}

/// `name=value`, `"name": "value"`, `name: value`, `<name>value</`: the value is removed when
/// the name is a secret's and the value looks like one.
#[allow(clippy::too_many_arguments)]
fn key_value(
    p: &Pseudonymizer,
    dir: Dir,
    kind: TextMatch,
    text: &str,
    s: usize,
    e: usize,
    ctx: &mut Ctx,
    f: &mut Found,
) -> bool {
    let m = &text[s..e];
    let (name, from, to) = if kind == TextMatch::XmlSecret {
        let close = m.find('>').unwrap_or(0);
        (&m[1..close], s + close + 1, e - 2)
    } else {
        let name_len =
            m.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))).unwrap_or(m.len());
        let b = text.as_bytes();
        let mut from = s + name_len;
        // The name's closing quote, then the separator and white space around it.
        if from < e && matches!(b[from], b'"' | b'\'') {
            from += 1;
        }
        while from < e && matches!(b[from], b' ' | b'\t' | b':' | b'=' | b'>') {
            from += 1;
        }
        let (from, to) = unquoted(text, from, e);
        (&m[..name_len], from, to)
    };
    let Some(class) = secrets::secret_name(name) else { return false };
    let v = &text[from..to];
    if dir == Dir::Decrypt && v.starts_with("[REDACTED") {
        return true;
    }
    // `$pw = ConvertTo-SecureString 'x' ...`: the value is a command, whose own pattern
    // reads the secret.
    if is_cmdlet(v) {
        return false;
    }
    let marker = match class {
        SecretName::Password => "password",
        SecretName::Token(k) => k,
    };
    if marker == "authorization" {
        // `Authorization: Bearer x`: the scheme's pattern reads the credentials.
        let scheme = v.to_ascii_lowercase();
        if ["bearer", "basic", "token", "negotiate", "ntlm", "digest", "aws4-hmac-sha256", "sharedkey"]
            .contains(&scheme.as_str())
        {
            return false;
        }
    }
    // A cookie header: every cookie in it.
    let b = text.as_bytes();
    let to = if marker == "session"
        && name.to_ascii_lowercase().contains("cookie")
        && b.get(s + name.len()) == Some(&b':')
    {
        text[from..].find(['\r', '\n', '"']).map_or(text.len(), |i| from + i)
    } else {
        to
    };
    let v = &text[from..to];
    if !secrets::secret_value(class, v) {
        return false;
    }
    if let Some(n) = p.secret(dir, v, marker, ctx) {
        f.edits.push((from, to, n));
    }
    true
}

/// A PowerShell cmdlet name (`Verb-Noun`).
fn is_cmdlet(v: &str) -> bool {
    let Some((verb, noun)) = v.split_once('-') else { return false };
    let cap = |w: &str| {
        w.len() >= 2
            && w.as_bytes()[0].is_ascii_uppercase()
            && w.bytes().all(|b| b.is_ascii_alphabetic())
            && w.bytes().any(|b| b.is_ascii_lowercase())
    };
    cap(verb) && cap(noun)
}

/// `DOMAIN\user` standing alone (not inside a path): an upper-case NetBIOS name (or a
/// dotted domain) and an account that is not a file.
fn domain_user(p: &Pseudonymizer, dir: Dir, text: &str, s: usize, e: usize, ctx: &mut Ctx, f: &mut Found) -> bool {
    let b = text.as_bytes();
    let m = &text[s..e];
    let slash = m.find('\\').unwrap_or(0);
    let domain = &m[..slash];
    let user = m[slash..].trim_start_matches('\\');
    let before_ok = s == 0 || !matches!(b[s - 1], b'\\' | b'/' | b':' | b'.' | b'%' | b'$');
    let after_ok = !matches!(b.get(e), Some(b'\\' | b'/'));
    let upper = domain.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
        && domain.bytes().any(|c| c.is_ascii_uppercase());
    let ext = user.rsplit_once('.').map(|(_, x)| x.to_ascii_lowercase());
    let file = ext.as_deref().is_some_and(|x| FILE_EXTENSIONS.contains(&x));
    if !(before_ok && after_ok && upper) || file || user.is_empty() {
        return false;
    }
    if !WELL_KNOWN_DOMAINS.contains(&domain) {
        if let Some(n) = p.value(dir, Category::Domain, domain, ctx).filter(|n| n != domain) {
            f.edits.push((s, s + slash, n));
        }
    }
    let user_at = e - user.len();
    if let Some(n) = p.value(dir, Category::User, user, ctx).filter(|n| n != user) {
        f.edits.push((user_at, e, n));
    }
    true
}

/// The standard base64 alphabet; `padded`: with `=` padding.
fn b64(padded: bool) -> base64::engine::GeneralPurpose {
    let config = base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(padded)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false);
    base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, config)
}

/// Text a base64 blob decodes to: UTF-8, or UTF-16LE (PowerShell's `-EncodedCommand`),
/// mostly printable. The flag says UTF-16.
fn decoded_text(bytes: &[u8]) -> Option<(String, bool)> {
    let printable = |s: &str| {
        let n = s.chars().count().max(1);
        let ok = s.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).count();
        ok * 100 >= n * 90
    };
    if bytes.len() >= 4
        && bytes.len().is_multiple_of(2)
        && bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count() * 10 >= bytes.len() / 2 * 9
    {
        let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        if let Ok(s) = String::from_utf16(&units) {
            if printable(&s) {
                return Some((s, true));
            }
        }
    }
    let s = std::str::from_utf8(bytes).ok()?;
    printable(s).then(|| (s.to_string(), false))
}

fn encode_text(s: &str, utf16: bool, padded: bool) -> String {
    let bytes: Vec<u8> =
        if utf16 { s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect() } else { s.as_bytes().to_vec() };
    b64(padded).encode(bytes)
}

/// A base64 blob after `-EncodedCommand`, `FromBase64String(`, `base64,`, `echo`, or ending
/// in padding: decoded, scanned as text, and encoded again if anything changed.
#[allow(clippy::too_many_arguments)]
fn base64_blob(
    p: &Pseudonymizer,
    dir: Dir,
    text: &str,
    s: usize,
    e: usize,
    ctx: &mut Ctx,
    depth: u8,
    f: &mut Found,
) -> bool {
    let m = &text[s..e];
    // The blob is the match's last run of base64 characters.
    let start =
        m.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=')).map_or(0, |i| i + 1);
    let blob = &m[start..];
    if depth >= MAX_DEPTH || blob.len() < 8 {
        return false;
    }
    let Ok(bytes) = b64(true).decode(blob) else { return false };
    let Some((decoded, utf16)) = decoded_text(&bytes) else { return false };
    let mut inner = Scanning { spans: Vec::new(), local: false };
    let edits = all_edits(p, dir, &decoded, ctx, depth + 1, &mut inner);
    let Some(new) = apply(p, &decoded, &edits, ctx) else { return true };
    let encoded = encode_text(&new, utf16, blob.ends_with('='));
    f.edits.push((s + start, e, encoded));
    true
}

/// `Authorization: Basic base64(user:password)`: the user pseudonymized, the password
/// removed, encoded again.
fn basic(p: &Pseudonymizer, dir: Dir, v: &str, ctx: &mut Ctx) -> Option<String> {
    let blob = v.trim_end_matches([',', ';']);
    let bytes = b64(true).decode(blob).ok()?;
    let decoded = String::from_utf8(bytes).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    let new_user = p.value(dir, Category::User, user, ctx).unwrap_or_else(|| user.to_string());
    let new_pass = p.secret(dir, pass, "password", ctx).unwrap_or_else(|| pass.to_string());
    let out = format!("{new_user}:{new_pass}");
    Some(encode_text(&out, false, blob.ends_with('=')) + &v[blob.len()..])
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
            ("key AKIAIOSFODNN7EXAMPLE here", TextMatch::Provider),
            ("password=hunter2", TextMatch::KeyValue),
            ("Cookie: session=0f3a9c; theme=dark", TextMatch::KeyValue),
            (r#"{"password":"hunter2"}"#, TextMatch::KeyValue),
            ("<Password>x</Password>", TextMatch::XmlSecret),
            ("-passin pass:Secret1", TextMatch::PassColon),
            ("ConvertTo-SecureString 'P@ss' -AsPlainText -Force", TextMatch::SecureString),
            ("curl --user bob:pw", TextMatch::FlagUser),
            ("runas /user:CORP\\bob cmd", TextMatch::FlagUser),
            ("iban DE89370400440532013000 ok", TextMatch::Iban),
            ("call +49 30 1234567 now", TextMatch::Phone),
            ("ssn 123-45-6789", TextMatch::NationalId),
            ("sid S-1-5-21-1-2-3-1001 ok", TextMatch::Sid),
            (r"open \\fs01\share", TextMatch::Unc),
            (r"logon CORP\jdoe ok", TextMatch::DomainUser),
            ("host DESKTOP-7F3K2L9 up", TextMatch::MachineName),
            ("mysql -u bob -pX", TextMatch::CmdTool),
            ("Account Name:\t\tjdoe", TextMatch::WinField),
            ("member CN=John Doe,OU=Staff", TextMatch::Dn),
            ("rhost=bastion user=x", TextMatch::HostContext),
            ("-enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIAA=", TextMatch::Base64),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", TextMatch::PrivateKey),
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
            // Every pattern that matches at some place (the scan tries the others there
            // when one holds nothing).
            let b = text.as_bytes();
            let kinds: Vec<TextMatch> = (0..b.len())
                .flat_map(|at| {
                    let re = &patterns.re;
                    (0..PATTERNS.len()).filter(move |k| {
                        re.search(&Input::new(b).range(at..).anchored(Anchored::Pattern(PatternID::must(*k)))).is_some()
                    })
                })
                .map(|k| PATTERNS[k].0)
                .collect();
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
