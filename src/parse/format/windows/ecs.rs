//! A [`WinEvent`] as ECS: what every Windows event gets (`@timestamp`, `event.code`,
//! `host.name`, `log.level`, `winlog.*` as Winlogbeat 8 names it), then the fields of the
//! Security, Sysmon and PowerShell events that have a mapping.
//!
//! Unlike Winlogbeat, every EventData value stays in `winlog.event_data` under its own name
//! and as Windows wrote it (Winlogbeat moves some to ECS fields, drops empty ones, splits
//! lists), so Sigma rules that name EventData fields see all of them.

use super::{powershell, security, sysmon, Data, Text, WinEvent};
use crate::event::{FlatEvent, Val};
use crate::time::{self, Timestamp, Zone};
use std::borrow::Cow;

/// Sets the event's fields in `ev`; returns its `event.dataset`.
pub fn map<'s>(w: &WinEvent<'s>, ev: &mut FlatEvent<'s>) -> &'static str {
    let mut m = Mapper { ev, extra_data: Vec::new() };
    m.common(w);
    let channel = w.channel();
    match (channel, w.id()) {
        ("Security", Some(id)) => security::map(w, id, &mut m),
        ("Microsoft-Windows-Sysmon/Operational", Some(id)) => sysmon::map(w, id, &mut m),
        (
            "Microsoft-Windows-PowerShell/Operational" | "PowerShellCore/Operational" | "Windows PowerShell",
            Some(id),
        ) => powershell::map(w, id, &mut m),
        _ => {}
    }
    m.event_data(w);
    super::dataset(channel)
}

/// Writes ECS fields for one event.
pub struct Mapper<'s, 'e> {
    pub ev: &'e mut FlatEvent<'s>,
    /// Values worked out of EventData (PowerShell's `key=value` text), added to
    /// `winlog.event_data` beside the event's own.
    pub extra_data: Vec<(Cow<'s, str>, Cow<'s, str>)>,
}

impl<'s> Mapper<'s, '_> {
    /// Sets `path` to the text (when there is one).
    pub fn set(&mut self, path: &'static str, v: Option<Cow<'s, str>>) {
        if let Some(v) = v {
            self.ev.set(path, Val::Str(v));
        }
    }

    /// Sets `path` to the number written in `v` (decimal or `0x` hex, as Windows writes
    /// process ids).
    pub fn set_int(&mut self, path: &'static str, v: Option<&str>) {
        if let Some(n) = v.and_then(int) {
            self.ev.set(path, Val::Int(n));
        }
    }

    /// ECS `event.category`, `event.type` and `event.action`.
    pub fn kind(&mut self, category: &'static [&'static str], types: &'static [&'static str], action: &'static str) {
        if !category.is_empty() {
            self.ev.set("event.category", Val::Keywords(category));
        }
        if !types.is_empty() {
            self.ev.set("event.type", Val::Keywords(types));
        }
        if !action.is_empty() {
            self.ev.set("event.action", action);
        }
    }

    /// Adds to `related.user` (not `-`, not empty).
    pub fn related_user(&mut self, name: Option<&Cow<'s, str>>) {
        if let Some(n) = name.filter(|n| !n.is_empty() && *n != "-") {
            self.ev.push_unique("related.user", n.clone());
        }
    }

    /// A user as `name` and `domain` (and `id`) under `prefix` (`user`, `user.target`, ...);
    /// a `user@domain` name keeps only its user part in `name`, as Winlogbeat does.
    pub fn user(
        &mut self,
        prefix: User,
        name: Option<Cow<'s, str>>,
        domain: Option<Cow<'s, str>>,
        id: Option<Cow<'s, str>>,
    ) {
        let (n, d, i) = prefix.paths();
        let name = name.map(|n| match n.split_once('@') {
            Some((user, _)) if !user.is_empty() => Cow::Owned(user.to_string()),
            _ => n,
        });
        self.related_user(name.as_ref());
        self.set(n, name);
        self.set(d, domain);
        self.set(i, id);
    }

    /// A `DOMAIN\user` value as `user.domain` and `user.name` under `prefix`.
    pub fn domain_user(&mut self, prefix: User, v: Option<Cow<'s, str>>) {
        let Some(v) = v else { return };
        match v.split_once('\\') {
            Some((d, n)) => {
                let (d, n) = (d.to_string(), n.to_string());
                self.user(prefix, Some(Cow::Owned(n)), Some(Cow::Owned(d)), None)
            }
            None => self.user(prefix, Some(v), None, None),
        }
    }

    /// An address for `source.ip` or `destination.ip` (an IPv4-mapped IPv6 address as the
    /// IPv4 address); anything else is left out.
    pub fn ip(&mut self, path: &'static str, v: Option<Cow<'s, str>>) {
        let Some(v) = v else { return };
        let v = match v.strip_prefix("::ffff:") {
            Some(v4) if v4.parse::<std::net::Ipv4Addr>().is_ok() => Cow::Owned(v4.to_string()),
            _ => v,
        };
        if v.parse::<std::net::IpAddr>().is_ok() {
            self.ev.push_unique("related.ip", v.clone());
            self.ev.set(path, Val::Str(v));
        }
    }

    /// A port (a number from 0 to 65535).
    pub fn port(&mut self, path: &'static str, v: Option<&str>) {
        if let Some(p) = v.and_then(|p| p.trim().parse::<u16>().ok()) {
            self.ev.set(path, Val::Int(p as i64));
        }
    }

    /// An executable's path and, from it, its name.
    pub fn executable(&mut self, exe: &'static str, name: &'static str, v: Option<Cow<'s, str>>) {
        let Some(v) = v else { return };
        let base = basename(&v).to_string();
        self.ev.set(exe, Val::Str(v));
        self.ev.set(name, Val::Str(Cow::Owned(base)));
    }

    /// A command line and its arguments (split as Windows programs split theirs).
    pub fn command_line(&mut self, line: &'static str, args: &'static str, v: Option<Cow<'s, str>>) {
        let Some(v) = v else { return };
        let split = super::cmdline::split(&v);
        if !split.is_empty() {
            self.ev.set(args, Val::Strs(split.into_iter().map(Cow::Owned).collect()));
        }
        self.ev.set(line, Val::Str(v));
    }

    /// `file.path` and the name, directory and extension it holds.
    pub fn file(&mut self, v: Option<Cow<'s, str>>) {
        let Some(v) = v else { return };
        let cut = v.rfind(['\\', '/']);
        let name = cut.map_or(v.as_ref(), |i| &v[i + 1..]).to_string();
        if let Some(i) = cut {
            self.ev.set("file.directory", Val::Str(Cow::Owned(v[..i].to_string())));
        }
        if let Some((_, ext)) = name.rsplit_once('.').filter(|(stem, ext)| !stem.is_empty() && !ext.is_empty()) {
            self.ev.set("file.extension", Val::Str(Cow::Owned(ext.to_string())));
        }
        self.ev.set("file.name", Val::Str(Cow::Owned(name)));
        self.ev.set("file.path", Val::Str(v));
    }

    /// Sysmon's `Hashes` (`SHA1=..,MD5=..,IMPHASH=..`) as `<ns>.hash.*` and `<ns>.pe.imphash`,
    /// lower case, and in `related.hash`.
    pub fn hashes(&mut self, ns: Hashes, v: Option<Cow<'s, str>>) {
        let Some(v) = v else { return };
        for part in v.split(',') {
            let Some((algo, value)) = part.split_once('=') else { continue };
            let value = value.trim().to_ascii_lowercase();
            if value.is_empty() || value.bytes().all(|b| b == b'0') {
                continue;
            }
            let Some(path) = ns.path(&algo.trim().to_ascii_lowercase()) else { continue };
            self.ev.push_unique("related.hash", Cow::Owned(value.clone()));
            self.ev.set(path, Val::Str(Cow::Owned(value)));
        }
    }

    /// What every Windows event gets.
    fn common(&mut self, w: &WinEvent<'s>) {
        if let Some(t) = w.time.as_deref().and_then(timestamp) {
            self.ev.set("@timestamp", Val::Time(t));
        }
        self.set("event.code", w.event_id.clone());
        self.set("event.provider", w.provider.clone());
        self.set("host.name", w.computer.clone());
        self.set("message", w.rendering.message.clone());
        let level = w.rendering.level.as_ref().map(|l| Cow::Owned(l.to_lowercase())).or_else(|| {
            w.level
                .and_then(|l| match l {
                    0 | 4 => Some("information"),
                    1 => Some("critical"),
                    2 => Some("error"),
                    3 => Some("warning"),
                    5 => Some("verbose"),
                    _ => None,
                })
                .map(Cow::Borrowed)
        });
        self.set("log.level", level);
        self.set("winlog.channel", w.channel.clone());
        self.set("winlog.computer_name", w.computer.clone());
        self.set("winlog.provider_name", w.provider.clone());
        self.set("winlog.provider_guid", w.provider_guid.clone());
        self.set("winlog.event_id", w.event_id.clone());
        self.set("winlog.record_id", w.record_id.clone());
        self.set("winlog.activity_id", w.activity_id.clone());
        self.set("winlog.related_activity_id", w.related_activity_id.clone());
        self.set("winlog.user.identifier", w.user_sid.clone());
        self.set("winlog.task", w.rendering.task.clone());
        if let Some(v) = w.version {
            self.ev.set("winlog.version", Val::Int(v));
        }
        if let Some(p) = w.pid {
            self.ev.set("winlog.process.pid", Val::Int(p));
        }
        if let Some(t) = w.tid {
            self.ev.set("winlog.process.thread.id", Val::Int(t));
        }
        let opcode = w.rendering.opcode.clone().or_else(|| {
            w.opcode.and_then(|o| match o {
                0 => Some(Cow::Borrowed("Info")),
                1 => Some(Cow::Borrowed("Start")),
                2 => Some(Cow::Borrowed("Stop")),
                _ => None,
            })
        });
        self.set("winlog.opcode", opcode);
        // The two keywords of the Security log that say how an audit ended.
        let bits = w.keywords.as_deref().and_then(|k| u64::from_str_radix(k.trim_start_matches("0x"), 16).ok());
        let mut keywords = w.rendering.keywords.clone();
        if keywords.is_empty() {
            if bits.is_some_and(|b| b & AUDIT_SUCCESS != 0) {
                keywords.push(Cow::Borrowed("Audit Success"));
            }
            if bits.is_some_and(|b| b & AUDIT_FAILURE != 0) {
                keywords.push(Cow::Borrowed("Audit Failure"));
            }
        }
        if keywords.iter().any(|k| k == "Audit Success") {
            self.ev.set("event.outcome", "success");
        } else if keywords.iter().any(|k| k == "Audit Failure") {
            self.ev.set("event.outcome", "failure");
        }
        if !keywords.is_empty() {
            self.ev.set("winlog.keywords", Val::Strs(keywords));
        }
        if let Some(q) = &w.qualifiers {
            self.ev.set("logward.winlog.qualifiers", Val::Str(q.clone()));
        }
        if let Some(k) = &w.keywords {
            self.ev.set("logward.winlog.keywords", Val::Str(k.clone()));
        }
        if !w.user_data.is_empty() || w.user_data_name.is_some() {
            self.ev.set("winlog.user_data", Val::Json(user_data(w)));
        }
        for (path, v) in &w.other {
            let key = format!("logward.winlog.{path}");
            match v {
                Data::One(t) => self.ev.set(key, Val::Str(t.get())),
                Data::List(items) => self.ev.set(key, Val::Strs(items.iter().map(Text::get).collect())),
            }
        }
    }

    /// `winlog.event_data`: every EventData value under its own name, sorted by name, and
    /// the values worked out of them.
    fn event_data(&mut self, w: &WinEvent<'s>) {
        if w.data.is_empty() && self.extra_data.is_empty() {
            return;
        }
        let extra: Vec<Data<'s>> = self.extra_data.iter().map(|(_, v)| Data::One(Text::Plain(v.clone()))).collect();
        let mut all: Vec<(Text<'s>, &Data<'s>)> = w.data.iter().map(|(k, v)| (k.clone(), v)).collect();
        for ((k, _), v) in self.extra_data.iter().zip(&extra) {
            if !all.iter().any(|(n, _)| n.is(k)) {
                all.push((Text::Plain(k.clone()), v));
            }
        }
        let mut out = Vec::with_capacity(64 + w.data.len() * 48);
        write_object(&mut all, &mut out);
        self.ev.set("winlog.event_data", Val::Raw(Cow::Owned(String::from_utf8(out).expect("JSON is UTF-8"))));
    }
}

/// `winlog.user_data`: UserData's values as nested objects, and the name of the element that
/// holds them as `xml_name` (as Winlogbeat writes it). An element with both text and
/// attributes keeps its text as `#text`.
fn user_data(w: &WinEvent<'_>) -> serde_json::Value {
    use serde_json::{Map, Value};
    fn value(d: &Data<'_>) -> Value {
        match d {
            Data::One(t) => Value::String(t.get().into_owned()),
            Data::List(items) => Value::Array(items.iter().map(|t| Value::String(t.get().into_owned())).collect()),
        }
    }
    let mut root = Map::new();
    for (path, d) in &w.user_data {
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().unwrap_or("");
        let mut obj = &mut root;
        for p in parts {
            let slot = obj.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                let text = std::mem::replace(slot, Value::Object(Map::new()));
                if text.as_str().is_some_and(|t| !t.is_empty()) {
                    slot.as_object_mut().expect("just made").insert("#text".into(), text);
                }
            }
            obj = slot.as_object_mut().expect("an object");
        }
        match obj.get_mut(last) {
            Some(Value::Object(o)) => {
                if !matches!(value(d), Value::String(ref s) if s.is_empty()) {
                    o.insert("#text".into(), value(d));
                }
            }
            _ => {
                obj.insert(last.to_string(), value(d));
            }
        }
    }
    if let Some(name) = &w.user_data_name {
        root.insert("xml_name".into(), Value::String(name.to_string()));
    }
    fn sorted(v: Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut members: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                members.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(members.into_iter().collect())
            }
            other => other,
        }
    }
    sorted(Value::Object(root))
}

/// Writes the members as one JSON object, keys in sorted order; of members with the same
/// key, the last one.
fn write_object(members: &mut [(Text<'_>, &Data<'_>)], out: &mut Vec<u8>) {
    let keys: Vec<Cow<'_, str>> = members.iter().map(|(k, _)| k.get()).collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| keys[a].as_bytes().cmp(keys[b].as_bytes()).then(a.cmp(&b)));
    out.push(b'{');
    let mut first = true;
    for (n, &i) in order.iter().enumerate() {
        if order.get(n + 1).is_some_and(|&j| keys[j] == keys[i]) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        members[i].0.write_json(out);
        out.push(b':');
        members[i].1.write_json(out);
    }
    out.push(b'}');
}

const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

/// Where a user goes.
#[derive(Clone, Copy)]
pub enum User {
    /// `user.*`
    Actor,
    /// `user.target.*`
    Target,
}

impl User {
    fn paths(self) -> (&'static str, &'static str, &'static str) {
        match self {
            User::Actor => ("user.name", "user.domain", "user.id"),
            User::Target => ("user.target.name", "user.target.domain", "user.target.id"),
        }
    }
}

/// Whose hashes.
#[derive(Clone, Copy)]
pub enum Hashes {
    Process,
    File,
}

impl Hashes {
    fn path(self, algo: &str) -> Option<&'static str> {
        Some(match (self, algo) {
            (Hashes::Process, "md5") => "process.hash.md5",
            (Hashes::Process, "sha1") => "process.hash.sha1",
            (Hashes::Process, "sha256") => "process.hash.sha256",
            (Hashes::Process, "imphash") => "process.pe.imphash",
            (Hashes::File, "md5") => "file.hash.md5",
            (Hashes::File, "sha1") => "file.hash.sha1",
            (Hashes::File, "sha256") => "file.hash.sha256",
            (Hashes::File, "imphash") => "file.pe.imphash",
            _ => return None,
        })
    }
}

/// A number written in decimal or as `0x` hex.
pub fn int(s: &str) -> Option<i64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The last component of a Windows (or `/`) path.
pub fn basename(path: &str) -> &str {
    path.rfind(['\\', '/']).map_or(path, |i| &path[i + 1..])
}

/// TimeCreated's SystemTime as an instant, written with as many fraction digits as it
/// needs (trailing zeros dropped, as Winlogbeat writes it), so the `evtx` crate's 7 digits
/// and Windows XML's 9 give the same `@timestamp`.
pub fn timestamp(s: &str) -> Option<Timestamp> {
    let (mut t, _) = time::parse_iso(s.trim().as_bytes(), &Zone::Utc)?;
    let mut digits = 9u8;
    let mut n = t.nanos;
    if n == 0 {
        digits = 0;
    } else {
        while n % 10 == 0 {
            n /= 10;
            digits -= 1;
        }
    }
    t.frac_digits = digits;
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(int("0x1fc"), Some(508));
        assert_eq!(int("508"), Some(508));
        assert_eq!(int("-"), None);
        assert_eq!(basename(r"C:\Windows\System32\cmd.exe"), "cmd.exe");
        assert_eq!(timestamp("2019-03-29T21:10:39.786832100Z").unwrap().to_rfc3339(), "2019-03-29T21:10:39.7868321Z");
        assert_eq!(timestamp("2019-03-29T21:10:39.7868321Z").unwrap().to_rfc3339(), "2019-03-29T21:10:39.7868321Z");
        assert_eq!(timestamp("2019-03-29T21:10:39.000Z").unwrap().to_rfc3339(), "2019-03-29T21:10:39Z");
    }

    #[test]
    fn objects_are_sorted_and_keep_the_last_duplicate() {
        let a = Data::One(Text::Plain("1".into()));
        let b = Data::One(Text::Lit("2"));
        let c = Data::One(Text::Guid("0197231E-61EF-693A-C812-000000000800"));
        let mut m = vec![(Text::Plain("b".into()), &a), (Text::Plain("a".into()), &b), (Text::Plain("b".into()), &c)];
        let mut out = Vec::new();
        write_object(&mut m, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":"2","b":"{0197231e-61ef-693a-c812-000000000800}"}"#);
    }
}
