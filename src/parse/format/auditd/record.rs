//! One audit record (`type=SYSCALL msg=audit(1581371984.206:579398): arch=c000003e ...`),
//! parsed into owned, decoded key/value pairs on a worker thread; [`super::group`] merges
//! the records of one event in the ordered pass.
//!
//! The body is read the way Filebeat's auditd pipeline reads it: words before the first
//! `key=value` are skipped (`user pid=...`, `tty pid=...`) except SELinux's
//! `avc:  denied  { read } for`; an unquoted value runs on over following words that hold
//! no `=` (`op=adding group to /etc/group id=1004`); `msg='...'` holds more pairs; the
//! part after a GS byte (0x1d) holds the names auditd's enriched format adds (`UID="root"`);
//! `old auid=` / `new auid=` (older LOGIN records) become `old_auid` / `new_auid`. Values
//! `?`, `(null)` and empty ones are dropped, and values the kernel hex-encoded (unquoted
//! hex whose bytes include a space, a control character, a quote or a non-ASCII byte) are
//! decoded.

use super::tables;

/// Where a key or value is in [`Record::text`].
pub type Span = (u32, u32);

/// A parsed record.
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// The input line, whole (a syslog header included).
    pub original: String,
    pub line: u64,
    pub lossy: bool,
    /// The record type (`SYSCALL`; numbers of kernel printk lines are named).
    pub kind: String,
    /// `audit(SECS.MILLIS:SERIAL)`: the event's identity and time.
    pub id: Option<AuditId>,
    /// `node=` before the type.
    pub node: Option<String>,
    /// Keys (with the `auditd.log.` prefix) and decoded values.
    pub text: String,
    pub fields: Vec<(Span, Span)>,
    /// `avc:  denied  { read write } for`: the action and the permissions.
    pub avc: Option<(String, String)>,
    /// Header fields of the syslog line the record came in (forwarded through syslog).
    pub syslog: Option<SyslogHeader>,
}

/// What the syslog header of a forwarded record said.
#[derive(Debug, Default, Clone)]
pub struct SyslogHeader {
    pub ts: Option<crate::time::Timestamp>,
    pub host: Option<String>,
    pub program: Option<String>,
    pub pid: Option<i64>,
}

/// The identity of the event a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditId {
    pub secs: i64,
    pub millis: u32,
    pub serial: u64,
}

/// The prefix of every key kept in [`Record::text`].
pub const PREFIX: &str = "auditd.log.";

impl Record {
    /// The key (without the prefix) and value of each field, in record order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|&(k, v)| (&self.text[k.0 as usize + PREFIX.len()..k.1 as usize], self.span(v)))
    }

    /// The prefixed key and value of each field.
    pub fn prefixed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|&(k, v)| (self.span(k), self.span(v)))
    }

    pub fn span(&self, s: Span) -> &str {
        &self.text[s.0 as usize..s.1 as usize]
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn push(&mut self, key: &str, value: &[u8], quoted: bool) {
        if value.is_empty() || value == b"?" || value == b"(null)" {
            return;
        }
        let k0 = self.text.len() as u32;
        self.text.push_str(PREFIX);
        self.text.push_str(key);
        let k1 = self.text.len() as u32;
        let v0 = k1;
        if !quoted && hex_key(key, &self.kind) {
            if let Some(decoded) = decode_hex(value) {
                push_decoded(&mut self.text, &decoded, key);
                self.fields.push(((k0, k1), (v0, self.text.len() as u32)));
                return;
            }
        }
        self.text.push_str(&String::from_utf8_lossy(value));
        self.fields.push(((k0, k1), (v0, self.text.len() as u32)));
    }
}

/// Keys whose unquoted values may be hex (Filebeat's list, and EXECVE's arguments).
fn hex_key(key: &str, kind: &str) -> bool {
    const KEYS: &[&str] = &[
        "exe",
        "cmd",
        "data",
        "path",
        "comm",
        "file",
        "name",
        "watch",
        "cwd",
        "acct",
        "dir",
        "vm",
        "old-chardev",
        "new-chardev",
        "old-disk",
        "new-disk",
        "old-fs",
        "new-fs",
        "old-net",
        "new-net",
        "device",
        "cgroup",
        "apparmor",
        "operation",
        "denied_mask",
        "info",
        "profile",
        "requested_mask",
        "old-rng",
        "new-rng",
        "ocomm",
        "grp",
        "new_group",
        "invalid_context",
        "sw",
        "root_dir",
        "proctitle",
    ];
    KEYS.contains(&key) || (kind == "EXECVE" && is_arg_key(key))
}

/// `a0`, `a12`, `a3[1]` (an argument or a piece of a long one).
pub fn is_arg_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix('a') else { return false };
    let digits = rest.split('[').next().unwrap_or("");
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (rest.len() == digits.len() || rest.ends_with(']'))
}

/// The bytes of an even-length hex string, when the kernel would have hex-encoded them
/// (they hold a byte below `!`, a `"`, or one above `~`).
pub fn decode_hex(v: &[u8]) -> Option<Vec<u8>> {
    if v.is_empty() || !v.len().is_multiple_of(2) || !v.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let nib = |c: u8| (c as char).to_digit(16).expect("hex digit") as u8;
    let bytes: Vec<u8> = v.chunks(2).map(|p| nib(p[0]) << 4 | nib(p[1])).collect();
    bytes.iter().any(|&b| b < 0x21 || b == b'"' || b > 0x7e).then_some(bytes)
}

/// Decoded bytes as text: a TTY's keystrokes in caret notation (`^M`) as Filebeat writes
/// them, NULs between the words of a process title as spaces, invalid UTF-8 lossily.
fn push_decoded(out: &mut String, bytes: &[u8], key: &str) {
    match key {
        "data" => {
            for &b in bytes {
                if b < 0x20 || b == 0x7f {
                    out.push('^');
                    out.push((b ^ 0x40) as char);
                } else {
                    out.push_str(&String::from_utf8_lossy(&[b]));
                }
            }
        }
        "proctitle" => {
            let s = String::from_utf8_lossy(bytes);
            out.push_str(s.trim_end_matches('\0').replace('\0', " ").as_str());
        }
        _ => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// Whether a line (or a syslog message) is an audit record.
pub fn looks_like(s: &str) -> bool {
    let s = s.strip_prefix("audit: ").unwrap_or(s);
    let s = match s.strip_prefix("node=") {
        Some(rest) => rest.split_once(' ').map_or("", |(_, r)| r),
        None => s,
    };
    s.starts_with("type=") && (s.contains(" msg=audit(") || s.contains(" audit("))
}

/// Whether `s` is a record as `ausearch -i` prints it (interpreted: `msg=audit(03/05/2024
/// 10:00:00.123:501) : uid=alice syscall=execve ...`, a local date and names for numbers),
/// which logward does not read.
pub fn interpreted(s: &str) -> bool {
    s.starts_with("type=")
        && s.split_once("msg=audit(")
            .and_then(|(_, r)| r.split_once(')'))
            .is_some_and(|(id, rest)| id.contains(' ') && rest.starts_with(" :"))
}

/// Parses a record from `s` (`[node=N ]type=T msg=audit(E:S): body`, or the kernel's
/// `audit: type=1400 audit(E:S): body`). `None` when it is not one.
pub fn parse(s: &str, line: u64, lossy: bool, original: &str) -> Option<Record> {
    let mut rest = s.strip_prefix("audit: ").unwrap_or(s);
    let mut rec = Record {
        original: original.to_string(),
        line,
        lossy,
        text: String::with_capacity(s.len() + 24 * 12),
        ..Default::default()
    };
    if let Some(after) = rest.strip_prefix("node=") {
        let (node, r) = after.split_once(' ')?;
        rec.node = Some(node.to_string());
        rest = r;
    }
    let after = rest.strip_prefix("type=")?;
    let (kind, r) = after.split_once(' ')?;
    rec.kind = match kind.parse::<u16>() {
        Ok(n) => match tables::MESSAGE_TYPES.binary_search_by_key(&n, |&(k, _)| k) {
            Ok(i) => tables::MESSAGE_TYPES[i].1.to_string(),
            Err(_) => format!("UNKNOWN[{n}]"),
        },
        Err(_) => kind.to_string(),
    };
    let r = r.strip_prefix("msg=").unwrap_or(r);
    let r = r.strip_prefix("audit(")?;
    let close = r.find("):")?;
    rec.id = Some(audit_id(&r[..close])?);
    body(&mut rec, &r.as_bytes()[close + 2..], false);
    Some(rec)
}

/// A record whose type is the first word of a syslog message and that has no
/// `audit(...)` (journald's audit transport: `USER_END pid=1 uid=0 msg='...'`).
pub fn parse_untimed(kind: &str, body_text: &str, line: u64, lossy: bool, original: &str) -> Record {
    let mut rec = Record {
        original: original.to_string(),
        line,
        lossy,
        kind: kind.to_string(),
        text: String::with_capacity(body_text.len() + 256),
        ..Default::default()
    };
    body(&mut rec, body_text.as_bytes(), false);
    rec
}

/// `1581371984.206:579398`.
fn audit_id(s: &str) -> Option<AuditId> {
    let (time, serial) = s.split_once(':')?;
    let (secs, frac) = time.split_once('.').unwrap_or((time, "0"));
    let secs: i64 = secs.parse().ok()?;
    let frac3: String = frac.chars().chain(std::iter::repeat('0')).take(3).collect();
    Some(AuditId { secs, millis: frac3.parse().ok()?, serial: serial.parse().ok()? })
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Whether the word at `b[i..]` is a `key=value` pair (a key of word characters, then `=`).
fn is_pair(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j < b.len() && !is_space(b[j]) && b[j] != 0x1d {
        match b[j] {
            b'=' => return j > i,
            c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'[' | b']') => j += 1,
            _ => return false,
        }
    }
    false
}

/// Reads `key=value` pairs from `b` into the record.
fn body(rec: &mut Record, b: &[u8], nested: bool) {
    let mut i = 0;
    let mut seen_pair = false;
    let mut prefix: Option<&'static str> = None;
    while i < b.len() {
        while i < b.len() && (is_space(b[i]) || b[i] == 0x1d) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if !is_pair(b, i) {
            let end = word_end(b, i);
            match &b[i..end] {
                b"avc:" if !seen_pair => {
                    i = avc(rec, b, end);
                    continue;
                }
                b"old" => prefix = Some("old_"),
                b"new" => prefix = Some("new_"),
                _ => {}
            }
            i = end;
            continue;
        }
        let eq = i + b[i..].iter().position(|&c| c == b'=').expect("a pair has =");
        let key = String::from_utf8_lossy(&b[i..eq]).into_owned();
        let key = match prefix.take() {
            Some(p) => format!("{p}{key}"),
            None => key,
        };
        let v = eq + 1;
        seen_pair = true;
        match b.get(v) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = b[v + 1..].iter().position(|&c| c == q).map_or(b.len(), |p| v + 1 + p);
                let inner = &b[v + 1..end];
                if q == b'\'' && key == "msg" && !nested {
                    body(rec, inner, true);
                } else {
                    rec.push(&key, inner, true);
                }
                i = (end + 1).min(b.len());
            }
            Some(b'{') => {
                // Enriched SADDR={ fam=inet laddr=10.0.0.1 lport=443 }.
                let end = b[v..].iter().position(|&c| c == b'}').map_or(b.len(), |p| v + p);
                body(rec, &b[v + 1..end], true);
                i = (end + 1).min(b.len());
            }
            _ => {
                // An unquoted value runs over following words without `=`.
                let mut end = word_end(b, v);
                loop {
                    let mut j = end;
                    while j < b.len() && is_space(b[j]) {
                        j += 1;
                    }
                    if j >= b.len() || b[j] == 0x1d || is_pair(b, j) {
                        break;
                    }
                    let w = word_end(b, j);
                    if matches!(&b[j..w], b"old" | b"new") && is_pair(b, w + 1) {
                        break;
                    }
                    end = w;
                }
                rec.push(&key, &b[v..end], false);
                i = end;
            }
        }
    }
}

fn word_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && !is_space(b[j]) && b[j] != 0x1d {
        j += 1;
    }
    j
}

/// `avc:  denied  { read write } for` after the `avc:` word ending at `i`: returns where
/// the pairs start.
fn avc(rec: &mut Record, b: &[u8], mut i: usize) -> usize {
    let next = |i: &mut usize| -> Option<(usize, usize)> {
        while *i < b.len() && is_space(b[*i]) {
            *i += 1;
        }
        let s = *i;
        *i = word_end(b, s);
        (s < *i).then_some((s, *i))
    };
    let Some((a0, a1)) = next(&mut i) else { return i };
    let action = String::from_utf8_lossy(&b[a0..a1]).into_owned();
    let mut request = Vec::new();
    let save = i;
    if next(&mut i).is_some_and(|(s, e)| &b[s..e] == b"{") {
        while let Some((s, e)) = next(&mut i) {
            if &b[s..e] == b"}" {
                break;
            }
            request.push(String::from_utf8_lossy(&b[s..e]).into_owned());
        }
        let save2 = i;
        if next(&mut i).is_none_or(|(s, e)| &b[s..e] != b"for") {
            i = save2;
        }
    } else {
        i = save;
    }
    rec.avc = Some((action, request.join(" ")));
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &str) -> Record {
        parse(s, 1, false, s).unwrap()
    }

    fn pairs(r: &Record) -> Vec<(String, String)> {
        r.pairs().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn syscall_with_hex_and_dropped_values() {
        let r = rec("type=SYSCALL msg=audit(1485893834.891:18877199): arch=c000003e syscall=44 success=yes exit=184 a0=9 tty=(none) comm=\"charon\" exe=2F7573722F6C6962657865632F7374726F6E677377616E2F636861726F6E202864656C6574656429 key=(null)");
        assert_eq!(r.kind, "SYSCALL");
        assert_eq!(r.id, Some(AuditId { secs: 1485893834, millis: 891, serial: 18877199 }));
        assert_eq!(r.get("exe"), Some("/usr/libexec/strongswan/charon (deleted)"));
        assert_eq!(r.get("comm"), Some("charon"));
        assert_eq!(r.get("key"), None);
        assert_eq!(r.get("tty"), Some("(none)"));
        assert_eq!(r.get("a0"), Some("9"));
    }

    #[test]
    fn nested_msg_words_in_values_and_duplicates() {
        let r = rec("type=ADD_GROUP msg=audit(1610903553.686:584): pid=2940 uid=0 auid=1000 ses=14 msg='op=adding group to /etc/group id=1004 exe=\"/usr/sbin/groupadd\" hostname=ubuntu-bionic addr=127.0.0.1 terminal=pts/2 res=success'");
        assert_eq!(r.get("op"), Some("adding group to /etc/group"));
        assert_eq!(r.get("id"), Some("1004"));
        assert_eq!(r.get("res"), Some("success"));
        let r = rec("type=USER_ACCT msg=audit(1610903553.814:593): pid=2948 uid=0 auid=1000 ses=14 msg='pam_tally2 uid=1004 reset=0 exe=\"/sbin/pam_tally2\" hostname=localhost addr=127.0.0.1 terminal=/dev/pts/2 res=success'");
        let uids: Vec<&str> = r.pairs().filter(|(k, _)| *k == "uid").map(|(_, v)| v).collect();
        assert_eq!(uids, ["0", "1004"]);
        let r = rec("type=ADD_GROUP msg=audit(1610903553.710:587): pid=2940 uid=0 msg='op= id=1004 res=success'");
        assert_eq!(r.get("op"), None);
    }

    #[test]
    fn login_old_new_and_leading_words() {
        let r = rec("type=LOGIN msg=audit(1489636960.072:19623791): pid=28281 uid=0 old auid=700 new auid=700 old ses=6793 new ses=12286");
        assert_eq!(
            pairs(&r)[2..].iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            ["old_auid=700", "new_auid=700", "old_ses=6793", "new_ses=12286"]
        );
        let r = rec("type=USER_END msg=audit(1489519230.178:19600327): user pid=4121 uid=0 auid=700 ses=11988 msg='op=PAM:session_close acct=\"root\" exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=? res=success'");
        assert_eq!(r.get("pid"), Some("4121"));
        assert_eq!(r.get("acct"), Some("root"));
        assert_eq!(r.get("addr"), None);
    }

    #[test]
    fn interpreted_records_are_told_apart() {
        assert!(interpreted("type=SYSCALL msg=audit(03/05/2024 10:00:00.123:501) : arch=x86_64 syscall=execve"));
        assert!(!interpreted("type=SYSCALL msg=audit(1700000000.123:501): arch=c000003e syscall=59"));
        assert!(parse("type=SYSCALL msg=audit(03/05/2024 10:00:00.123:501) : arch=x86_64", 1, false, "").is_none());
    }

    #[test]
    fn avc_prefix_enriched_part_and_kernel_printk() {
        let r = rec("type=AVC msg=audit(1226874073.147:96): avc:  denied  { getattr read } for  pid=2465 comm=\"httpd\" path=\"/var/www/html/file1\" tclass=file");
        assert_eq!(r.avc, Some(("denied".into(), "getattr read".into())));
        assert_eq!(r.get("pid"), Some("2465"));
        let r = rec("type=SYSCALL msg=audit(1600000000.000:7): arch=c000003e syscall=59 auid=1000 uid=0\u{1d}ARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"root\"");
        assert_eq!((r.get("SYSCALL"), r.get("AUID"), r.get("uid")), (Some("execve"), Some("alice"), Some("0")));
        let r = rec("audit: type=1400 audit(1600000000.123:456): apparmor=\"DENIED\" operation=\"open\" profile=\"/usr/sbin/cupsd\" name=\"/etc/ssl/x\" pid=1 comm=\"cupsd\"");
        assert_eq!((r.kind.as_str(), r.get("apparmor")), ("AVC", Some("DENIED")));
        assert!(looks_like("audit: type=1400 audit(1600000000.123:456): apparmor=\"DENIED\""));
        assert!(looks_like("node=h type=EOE msg=audit(1.1:2): "));
        assert!(!looks_like("type=mismatch in the message"));
    }

    #[test]
    fn hex_only_when_the_kernel_would_encode() {
        assert_eq!(decode_hex(b"737368643A206275726E205B707269765D").unwrap(), b"sshd: burn [priv]");
        assert_eq!(decode_hex(b"deadbeef").map(|_| ()), Some(()), "high bytes are encoded");
        assert_eq!(decode_hex(b"62617368"), None, "plain 'bash' is never hex-encoded");
        assert_eq!(decode_hex(b"abc"), None);
        let r = rec("type=PROCTITLE msg=audit(1.5:2): proctitle=2F62696E2F7368002D630069640A");
        assert_eq!(r.get("proctitle"), Some("/bin/sh -c id\n"));
        let r = rec("type=EXECVE msg=audit(1669615313.901:5538): argc=3 a0=\"sh\" a1=\"-c\" a2=6563686F205C226172672068657820656E636F6465645C22");
        assert_eq!(r.get("a2"), Some("echo \\\"arg hex encoded\\\""));
        assert!(is_arg_key("a12") && is_arg_key("a3[1]") && !is_arg_key("argc") && !is_arg_key("a3_len"));
    }
}
