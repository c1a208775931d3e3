//! Syslog lines: RFC 3164 (`Feb  9 21:19:40 host prog[pid]: msg`), RFC 5424
//! (`<34>1 2003-10-11T22:14:15.003Z host app procid msgid [sd] msg`) and rsyslog's
//! high-precision ISO timestamps (`2018-08-14T14:30:02.203151+02:00 host prog: msg`).

use super::text::{indented_continues, text_event};
use super::{auditd, netfilter, Detect, Example, Format, GroupFile, Grouper, Line, Parsed, Seq};
use crate::event::{FlatEvent, Val};
use crate::io::{Reason, RejectKind};
use crate::parse::auth;
use crate::time::{self, Timestamp, Zone};
use memchr::memmem;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::LazyLock;

/// The syslog format: auth.log, secure, syslog, messages.
pub struct Syslog;

impl Format for Syslog {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn about(&self) -> &'static str {
        "RFC 3164, RFC 5424 and ISO-timestamped syslog (auth.log, secure, syslog, messages)"
    }

    fn detect(&self) -> Detect {
        Detect::Lines
    }

    /// A timestamp alone is not enough (many application logs start with one): syslog has
    /// a program tag, a priority, or an RFC 3339 timestamp (with its `T`); or it is a
    /// syslog line with a program behind a prefix (`- 1131566461 2005.11.09 dn228 Nov  9
    /// 12:01:01 dn228/dn228 crond[2915]: ...`).
    fn sniff(&self, line: &str) -> bool {
        parse(line, &Zone::Utc, 2000)
            .is_some_and(|s| s.program.is_some() || s.pri.is_some() || line.as_bytes().get(10) == Some(&b'T'))
            || embedded(line, &Zone::Utc, 2000).is_some()
    }

    fn starts_message(&self, _file: Option<&(dyn std::any::Any + Send + Sync)>, raw: &[u8]) -> bool {
        indented_continues(raw)
    }

    /// Dec → Jan is a new year; small steps back are clock jitter, not a year. Keeps the
    /// last line that is not a `last message repeated N times` for the one that is.
    fn advance(&self, seq: &mut Seq, raw: &[u8]) {
        if let Some(m) = bsd_month(raw) {
            if seq.prev_month >= m + 6 {
                seq.year += 1;
            }
            seq.prev_month = m;
        }
        // One finder for every line: building one per call cost 6% of a parse.
        static REPEATED: LazyLock<memmem::Finder<'static>> =
            LazyLock::new(|| memmem::Finder::new("last message repeated"));
        if REPEATED.find(raw).is_none() && indented_continues(raw) {
            seq.prev.clear();
            seq.prev.extend_from_slice(&raw[..raw.len().min(PREV_MAX)]);
        }
    }

    /// Audit records forwarded through syslog are merged into their events as in audit.log.
    fn grouper(&self, file: &GroupFile<'_>) -> Option<Box<dyn Grouper>> {
        Some(Box::new(auditd::group::Groups::new(file.path, file.opts.dataset.as_deref())))
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        let (sys, prefix) = match parse(line.text, line.zone(), line.seq.year) {
            Some(sys) => (sys, None),
            None => match embedded(line.text, line.zone(), line.seq.year) {
                Some((at, sys)) => (sys, Some(line.text[..at].trim_end())),
                None => return foreign(line, ev),
            },
        };
        if let Some(p) = prefix.filter(|p| !p.is_empty()) {
            ev.set("logward.syslog.prefix", p);
        }
        let program = sys.program.unwrap_or("");
        if let Some(rec) = audit_record(&sys, line) {
            return Ok(Parsed::Part(Box::new(rec)));
        }
        if let Some(count) = last_repeated(sys.msg) {
            return Ok(Parsed::Event(repeat_last(line, &sys, count, ev)));
        }
        fill(&sys, ev);
        Ok(Parsed::Event(message(program, sys.msg, ev)))
    }

    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                before: &[],
                line: "Feb  9 21:19:40 bastion sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52413 ssh2",
                args: &["--year", "2024"],
                fields: &[
                    ("@timestamp", "2024-02-09T21:19:40Z"),
                    ("host.name", "bastion"),
                    ("process.name", "sshd"),
                    ("process.pid", "4242"),
                    ("event.dataset", "system.auth"),
                    ("event.action", "ssh_login"),
                    ("event.outcome", "failure"),
                    ("user.name", "admin"),
                    ("source.ip", "203.0.113.7"),
                    ("source.port", "52413"),
                ],
            },
            Example {
                before: &[],
                line: "<34>1 2023-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed on /dev/pts/8",
                args: &[],
                fields: &[
                    ("@timestamp", "2023-10-11T22:14:15.003Z"),
                    ("log.syslog.priority", "34"),
                    ("log.syslog.msgid", "ID47"),
                    ("process.name", "su"),
                ],
            },
        ]
    }
}

/// How much of the last message a file keeps for `last message repeated N times`.
const PREV_MAX: usize = 8 << 10;

/// A line without a syslog header in a syslog file: a continuation or foreign line, kept as
/// text (tagged `not_parsed` unless it continues the message before it). With `--format
/// syslog` a foreign line is rejected instead, since the user said every line is syslog.
fn foreign<'a>(line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
    let continues = !line.format.starts_message(line.file, line.text.as_bytes());
    if !continues {
        if line.opts.format.is_some_and(|f| f.name() == Syslog.name()) {
            return Err(Reason::new(
                RejectKind::FormatMismatch,
                "not a syslog line (no timestamp and host/program at its start); without --format the format is detected",
            ));
        }
        ev.push_unique("tags", Cow::Borrowed(super::text::NOT_PARSED));
    }
    Ok(Parsed::Event(text_event(line, ev, "system.syslog")))
}

/// The fields of a syslog message from `program`: firewall lines, authentication messages,
/// rsyslog's `message repeated N times: [ MSG ]` (MSG's fields and `logward.repeat.count`).
/// Sets `message` and returns the dataset. Also used for journald entries.
pub fn message<'a>(program: &str, msg: &'a str, ev: &mut FlatEvent<'a>) -> &'static str {
    let (msg, count) = repeated(msg).map_or((msg, None), |(m, n)| (m, Some(n)));
    ev.set("message", msg);
    if let Some(n) = count {
        ev.set("logward.repeat.count", n);
    }
    if netfilter::classify(msg, ev) {
        return netfilter::DATASET;
    }
    let recognized = !program.is_empty() && auth::classify(program, msg, ev);
    if recognized || auth::is_auth_program(program) {
        "system.auth"
    } else {
        "system.syslog"
    }
}

/// rsyslog's `message repeated 5 times: [ Failed password for root from ...]`: the
/// repeated message and the count.
pub fn repeated(msg: &str) -> Option<(&str, i64)> {
    let rest = msg.strip_prefix("message repeated ")?;
    let (n, rest) = rest.split_once(' ')?;
    let n: i64 = n.parse().ok()?;
    let inner = rest.strip_prefix("times: [").or_else(|| rest.strip_prefix("time: ["))?;
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    Some((inner.trim(), n))
}

/// sysklogd's and syslog-ng's `last message repeated 3 times` (also `--- last message
/// repeated 1 time ---`): the count.
fn last_repeated(msg: &str) -> Option<i64> {
    // strip_prefix/strip_suffix, not trim_*_matches: those build a substring searcher on
    // every call, and this runs for every syslog line.
    let mut m = msg.trim();
    while let Some(r) = m.strip_prefix("---") {
        m = r;
    }
    while let Some(r) = m.strip_suffix("---") {
        m = r;
    }
    let rest = m.trim().strip_prefix("last message repeated ")?;
    let (n, unit) = rest.split_once(' ')?;
    matches!(unit, "times" | "time").then(|| n.parse().ok())?
}

/// The event of `last message repeated N times`: the fields of the message before it (kept
/// by [`Syslog::advance`]), this line's time and host, and the count.
fn repeat_last<'a>(line: &Line<'a, '_>, sys: &SyslogLine<'a>, count: i64, ev: &mut FlatEvent<'a>) -> &'static str {
    let prev = String::from_utf8_lossy(&line.seq.prev);
    let earlier = parse(&prev, line.zone(), line.seq.year).filter(|p| last_repeated(p.msg).is_none());
    let Some(earlier) = earlier else {
        fill(sys, ev);
        ev.set("message", sys.msg);
        ev.set("logward.repeat.count", count);
        return "system.syslog";
    };
    let mut copy = FlatEvent::new();
    fill(&earlier, &mut copy);
    let dataset = message(earlier.program.unwrap_or(""), earlier.msg, &mut copy);
    *ev = copy.into_owned();
    if let Some(ts) = sys.ts {
        ev.set("@timestamp", Val::Time(ts));
    }
    if let Some(h) = sys.host {
        ev.set("host.name", h);
    }
    ev.set("logward.repeat.count", count);
    dataset
}

/// An audit record forwarded through syslog (`audispd: node=h type=SYSCALL msg=audit(...)`,
/// the kernel's `audit: type=1400 audit(...)`, journald's `audit[7]: USER_END pid=...`).
fn audit_record(sys: &SyslogLine<'_>, line: &Line<'_, '_>) -> Option<auditd::record::Record> {
    let msg = sys.msg;
    let kernel = msg.trim_start_matches(|c: char| c == '[' || c == ' ' || c == '.' || c.is_ascii_digit());
    let kernel = kernel.strip_prefix("] ").unwrap_or(kernel);
    let mut rec = if auditd::record::looks_like(msg) {
        auditd::record::parse(msg, line.number, line.lossy, line.text)?
    } else if sys.program.is_some_and(|p| p == "kernel") && auditd::record::looks_like(kernel) {
        auditd::record::parse(kernel, line.number, line.lossy, line.text)?
    } else if sys.program.is_some_and(|p| p == "audit") {
        let (kind, body) = msg.split_once(' ')?;
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') || !body.contains('=') {
            return None;
        }
        auditd::record::parse_untimed(kind, body, line.number, line.lossy, line.text)
    } else {
        return None;
    };
    rec.syslog = Some(auditd::record::SyslogHeader {
        ts: sys.ts,
        host: sys.host.map(str::to_string),
        program: sys.program.map(str::to_string),
        pid: sys.pid.and_then(|p| p.parse().ok()),
    });
    Some(rec)
}

/// A syslog line behind a prefix (`- 1131566461 2005.11.09 dn228 Nov  9 12:01:01
/// dn228/dn228 crond(pam_unix)[2915]: session closed for user root`): where it starts,
/// and the line, which must name a program. A date in the prefix (`2005.11.09`,
/// `2005-11-09`) gives the year of a year-less timestamp.
pub fn embedded<'a>(line: &'a str, zone: &Zone, year: i32) -> Option<(usize, SyslogLine<'a>)> {
    let b = line.as_bytes();
    let end = b.len().min(crate::parse::stamp::LIMIT);
    for at in 1..end {
        if b[at - 1] != b' ' || !(b[at].is_ascii_uppercase() || b[at].is_ascii_digit()) {
            continue;
        }
        let rest = &line[at..];
        let bsd = time::parse_bsd(rest.as_bytes()).is_some();
        let iso = !bsd && rest.as_bytes().get(10) == Some(&b'T') && time::parse_iso(rest.as_bytes(), zone).is_some();
        if !bsd && !iso {
            continue;
        }
        let year = if bsd { prefix_year(&line[..at]).unwrap_or(year) } else { year };
        if let Some(sys) = parse(rest, zone, year).filter(|s| s.program.is_some()) {
            return Some((at, sys));
        }
    }
    None
}

/// A `yyyy.MM.dd`, `yyyy-MM-dd` or `yyyy/MM/dd` date in a prefix: its year.
fn prefix_year(prefix: &str) -> Option<i32> {
    prefix.split(' ').find_map(|w| {
        let b = w.as_bytes();
        (b.len() == 10 && matches!(b[4], b'.' | b'-' | b'/') && b[7] == b[4] && b[..4].iter().all(u8::is_ascii_digit))
            .then(|| w[..4].parse().ok())?
    })
}

/// The header fields of one syslog line, and its message.
#[derive(Debug, Default, PartialEq)]
pub struct SyslogLine<'a> {
    pub ts: Option<Timestamp>,
    pub pri: Option<u32>,
    pub host: Option<&'a str>,
    pub program: Option<&'a str>,
    pub pid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub structured: Option<Value>,
    pub version: Option<u32>,
    pub msg: &'a str,
    /// The line's time is no real instant (`Feb 30`, `+99:99`, a year past 9999).
    pub invalid_time: bool,
}

/// The month of a year-less (RFC 3164) line, for tracking the year across a file.
pub fn bsd_month(raw: &[u8]) -> Option<u32> {
    let b = skip_pri(raw).1;
    time::parse_bsd(b).map(|(m, ..)| m)
}

fn skip_pri(b: &[u8]) -> (Option<u32>, &[u8]) {
    if b.first() == Some(&b'<') {
        if let Some(end) = b.iter().take(5).position(|&c| c == b'>') {
            if end > 1 && b[1..end].iter().all(u8::is_ascii_digit) {
                let pri = std::str::from_utf8(&b[1..end]).ok().and_then(|s| s.parse().ok());
                if pri.is_some_and(|p: u32| p <= 191) {
                    return (pri, &b[end + 1..]);
                }
            }
        }
    }
    (None, b)
}

/// Parses a syslog line; `year` completes year-less timestamps.
pub fn parse<'a>(line: &'a str, zone: &Zone, year: i32) -> Option<SyslogLine<'a>> {
    let (pri, rest_b) = skip_pri(line.as_bytes());
    let rest = &line[line.len() - rest_b.len()..];
    if pri.is_some() && rest.starts_with("1 ") {
        return parse_5424(pri, &rest[2..], zone);
    }
    let (ts, used) = if let Some((mo, d, t, used)) = time::parse_bsd(rest_b) {
        // `journalctl -o short-precise` adds microseconds: `Mar 05 10:00:00.123456`.
        let (nanos, frac_digits, fl) = crate::parse::stamp::fraction(rest_b, used, b".");
        let ts = zone.to_epoch(year, mo, d, t.0, t.1, t.2).map(|secs| Timestamp { secs, nanos, frac_digits });
        (ts, used + fl)
    } else if let Some(used) = time::iso_shape(rest_b) {
        (time::parse_iso(rest_b, zone).filter(|&(_, n)| n == used).map(|(ts, _)| ts), used)
    } else {
        return None;
    };
    // A date with no instant (Feb 29 in a non-leap year, Feb 30, an offset of +99:99):
    // keep the line, without a timestamp, tagged.
    let body = rest[used..].strip_prefix(' ')?.trim_start_matches(' ');
    let mut out = SyslogLine { ts, pri, invalid_time: ts.is_none(), ..Default::default() };
    let (first, after_first) = split_word(body);
    if let Some((prog, pid)) = tag(first) {
        out.program = Some(prog);
        out.pid = pid;
        out.msg = after_first;
    } else if is_hostname(first) {
        out.host = Some(first);
        let (second, after_second) = split_word(after_first);
        if let Some((prog, pid)) = tag(second) {
            out.program = Some(prog);
            out.pid = pid;
            out.msg = after_second;
        } else if let Some((prog, pid, msg)) = spaced_tag(after_first) {
            out.program = Some(prog);
            out.pid = pid;
            out.msg = msg;
        } else {
            out.msg = after_first;
        }
    } else {
        out.msg = body;
    }
    Some(out)
}

fn split_word(s: &str) -> (&str, &str) {
    match s.find(' ') {
        Some(i) => (&s[..i], s[i + 1..].trim_start_matches(' ')),
        None => (s, ""),
    }
}

/// `prog:`, `prog[123]:`, `sshd(pam_unix)[19939]:` → (program, pid).
fn tag(tok: &str) -> Option<(&str, Option<&str>)> {
    let t = tok.strip_suffix(':')?;
    if t.is_empty() {
        return None;
    }
    if let Some(open) = t.rfind('[') {
        let pid = t[open + 1..].strip_suffix(']')?;
        if open == 0 || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return Some((&t[..open], Some(pid)));
    }
    if t.contains([']', '"', '=', ' ']) {
        return None;
    }
    Some((t, None))
}

/// A program name with spaces, as macOS writes them: `Google Chrome[1054]: msg`.
fn spaced_tag(s: &str) -> Option<(&str, Option<&str>, &str)> {
    let colon = s[..s.len().min(96)].find(": ")?;
    let candidate = &s[..colon];
    if !candidate.starts_with(|c: char| c.is_ascii_alphanumeric())
        || candidate.contains(['=', '"', '\''])
        || candidate.contains("  ")
    {
        return None;
    }
    let msg = s[colon + 2..].trim_start_matches(' ');
    match tag(&s[..colon + 1]) {
        Some((prog, pid)) => Some((prog, pid, msg)),
        None => Some((candidate, None, msg)),
    }
}

fn is_hostname(tok: &str) -> bool {
    !tok.is_empty()
        && tok.len() <= 255
        && tok.bytes().any(|b| b.is_ascii_alphanumeric())
        && tok.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'%' | b'/' | b'@'))
}

fn nil(s: &str) -> Option<&str> {
    (s != "-" && !s.is_empty()).then_some(s)
}

fn parse_5424<'a>(pri: Option<u32>, s: &'a str, zone: &Zone) -> Option<SyslogLine<'a>> {
    let (ts_s, rest) = split_word(s);
    let ts = match time::parse_iso(ts_s.as_bytes(), zone) {
        _ if ts_s == "-" => None,
        Some((ts, n)) if n == ts_s.len() => Some(ts),
        _ if time::iso_shape(ts_s.as_bytes()) == Some(ts_s.len()) => None,
        _ => return None,
    };
    let invalid_time = ts.is_none() && ts_s != "-";
    let (host, rest) = split_word(rest);
    let (app, rest) = split_word(rest);
    let (procid, rest) = split_word(rest);
    let (msgid, rest) = split_word(rest);
    let (structured, msg) = if let Some(r) = rest.strip_prefix('-') {
        (None, r)
    } else {
        let (sd, used) = structured_data(rest)?;
        (Some(sd), &rest[used..])
    };
    let msg = msg.strip_prefix(' ').unwrap_or(msg);
    Some(SyslogLine {
        ts,
        pri,
        host: nil(host),
        program: nil(app),
        pid: nil(procid),
        msgid: nil(msgid),
        structured,
        version: Some(1),
        msg: msg.strip_prefix('\u{feff}').unwrap_or(msg),
        invalid_time,
    })
}

/// `[id k="v" k2="v\"2"][id2 ...]` → ({id: {k: v}}, bytes used).
fn structured_data(s: &str) -> Option<(Value, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut all = Map::new();
    while b.get(i) == Some(&b'[') {
        i += 1;
        let id_end = i + s[i..].find([' ', ']'])?;
        let id = &s[i..id_end];
        i = id_end;
        let mut params = Map::new();
        while b.get(i) == Some(&b' ') {
            i += 1;
            let eq = i + s[i..].find('=')?;
            let name = &s[i..eq];
            if b.get(eq + 1) != Some(&b'"') {
                return None;
            }
            let mut j = eq + 2;
            let mut val = String::new();
            loop {
                match b.get(j)? {
                    b'\\' if matches!(b.get(j + 1), Some(b'"' | b'\\' | b']')) => {
                        val.push(b[j + 1] as char);
                        j += 2;
                    }
                    b'"' => break,
                    _ => {
                        let ch = s[j..].chars().next()?;
                        val.push(ch);
                        j += ch.len_utf8();
                    }
                }
            }
            params.insert(name.to_string(), Value::String(val));
            i = j + 1;
        }
        if b.get(i) != Some(&b']') {
            return None;
        }
        i += 1;
        all.insert(id.to_string(), Value::Object(params));
    }
    Some((Value::Object(all), i))
}

/// Writes the header fields into the event (the message is handled by the caller).
pub fn fill<'a>(sys: &SyslogLine<'a>, ev: &mut FlatEvent<'a>) {
    if let Some(ts) = sys.ts {
        ev.set("@timestamp", Val::Time(ts));
    }
    if sys.invalid_time {
        ev.push_unique("tags", std::borrow::Cow::Borrowed(time::INVALID_TIMESTAMP));
    }
    if let Some(h) = sys.host {
        ev.set("host.name", h);
    }
    if let Some(p) = sys.program {
        ev.set("process.name", p);
    }
    if let Some(pid) = sys.pid {
        match pid.parse::<i64>() {
            Ok(n) => ev.set("process.pid", n),
            Err(_) => ev.set("log.syslog.procid", pid),
        }
    }
    if let Some(pri) = sys.pri {
        ev.set("log.syslog.priority", pri as i64);
        ev.set("log.syslog.facility.code", (pri / 8) as i64);
        ev.set("log.syslog.severity.code", (pri % 8) as i64);
    }
    if let Some(v) = sys.version {
        ev.set("log.syslog.version", v.to_string());
        if let Some(a) = sys.program {
            ev.set("log.syslog.appname", a);
        }
    }
    if let Some(m) = sys.msgid {
        ev.set("log.syslog.msgid", m);
    }
    if let Some(sd) = &sys.structured {
        ev.set("log.syslog.structured_data", Val::Json(sd.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsd_line() {
        let s = parse("Feb  9 21:19:40 precise32 sshd[8317]: subsystem request", &Zone::Utc, 2017).unwrap();
        assert_eq!(s.ts.unwrap().to_rfc3339(), "2017-02-09T21:19:40Z");
        assert_eq!((s.host, s.program, s.pid), (Some("precise32"), Some("sshd"), Some("8317")));
        assert_eq!(s.msg, "subsystem request");
        // journalctl -o short-precise
        let s = parse("Mar 05 10:00:00.123456 bastion sshd[1]: Accepted publickey for a", &Zone::Utc, 2024).unwrap();
        assert_eq!(s.ts.unwrap().to_rfc3339(), "2024-03-05T10:00:00.123456Z");
        assert_eq!((s.host, s.program, s.msg), (Some("bastion"), Some("sshd"), "Accepted publickey for a"));
    }

    #[test]
    fn pam_style_program_and_no_host() {
        let s =
            parse("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;", &Zone::Utc, 2005).unwrap();
        assert_eq!(s.program, Some("sshd(pam_unix)"));
        let s = parse("Dec 13 11:35:28 --- last message repeated 1 time ---", &Zone::Utc, 2016).unwrap();
        assert_eq!((s.host, s.program, s.msg), (None, None, "--- last message repeated 1 time ---"));
    }

    #[test]
    fn program_names_with_spaces() {
        let s = parse("Dec 13 11:35:42 a-mac Google Chrome[85294]: Warning: x", &Zone::Utc, 2016).unwrap();
        assert_eq!((s.program, s.pid, s.msg), (Some("Google Chrome"), Some("85294"), "Warning: x"));
        let s = parse(
            "Dec 13 11:35:42 a-mac com.apple.xpc.launchd[1] (com.apple.quicklook[21498]): Service exited",
            &Zone::Utc,
            2016,
        )
        .unwrap();
        assert_eq!((s.program, s.pid), (Some("com.apple.xpc.launchd[1] (com.apple.quicklook[21498])"), None));
    }

    #[test]
    fn iso_and_5424() {
        let s =
            parse("2018-08-14T14:30:02.203151+02:00 linux-sqrz systemd[4179]: Stopped target", &Zone::Utc, 0).unwrap();
        assert_eq!(s.ts.unwrap().to_rfc3339(), "2018-08-14T12:30:02.203151Z");
        let s = parse(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\"x"] BOMAn application"#,
            &Zone::Utc,
            0,
        )
        .unwrap();
        assert_eq!(
            (s.pri, s.host, s.program, s.pid, s.msgid),
            (Some(165), Some("mymachine.example.com"), Some("evntslog"), None, Some("ID47"))
        );
        assert_eq!(s.structured.unwrap()["exampleSDID@32473"]["eventSource"], "Appl\"x");
        assert_eq!(s.msg, "BOMAn application");
    }

    #[test]
    fn not_syslog() {
        assert!(parse("hello world", &Zone::Utc, 2000).is_none());
        assert!(parse("127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /\"", &Zone::Utc, 2000).is_none());
    }
}
