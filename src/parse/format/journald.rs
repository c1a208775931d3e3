//! journald entries as `journalctl -o json` writes them, one JSON object per line:
//! `__REALTIME_TIMESTAMP` → `@timestamp`, `_HOSTNAME` → `host.name`, `SYSLOG_IDENTIFIER`
//! (else `_COMM`) → `process.name`, `_PID`, `_UID` → `process.user.id`, `PRIORITY`, `_SYSTEMD_UNIT`, ..., and
//! `MESSAGE` (a string, or an array of bytes when it is not UTF-8) read like a syslog
//! message, so an sshd or sudo entry gives the same fields as its auth.log line. Entries of
//! the audit transport (`_TRANSPORT=audit`) are audit records, merged into their events as
//! in audit.log. Fields without an ECS name are kept under `journald.custom.*` (lower case).

use super::auditd::{self, record};
use super::{syslog, Detect, Example, Format, GroupFile, Grouper, Line, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::{Reason, RejectKind};
use crate::time::{self, Timestamp};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// `journalctl -o json`.
pub struct Journald;

impl Format for Journald {
    fn name(&self) -> &'static str {
        "journald"
    }

    fn about(&self) -> &'static str {
        "journald entries (journalctl -o json): MESSAGE read as syslog, the entry's fields as ECS"
    }

    fn detect(&self) -> Detect {
        Detect::FirstLine
    }

    fn sniff(&self, line: &str) -> bool {
        let l = line.trim_start();
        l.starts_with('{')
            && (l.contains("\"__REALTIME_TIMESTAMP\"")
                || l.contains("\"__CURSOR\"")
                || (l.contains("\"MESSAGE\"") && (l.contains("\"_HOSTNAME\"") || l.contains("\"SYSLOG_IDENTIFIER\""))))
    }

    fn grouper(&self, file: &GroupFile<'_>) -> Option<Box<dyn Grouper>> {
        Some(Box::new(auditd::group::Groups::new(file.path, file.opts.dataset.as_deref())))
    }

    fn needs_year(&self, _file: Option<&(dyn std::any::Any + Send + Sync)>, _head: &[String]) -> bool {
        false
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        let entry: Map<String, Value> = serde_json::from_str(line.text)
            .map_err(|e| Reason::new(RejectKind::InvalidJson, format!("invalid JSON: {e}")))?;
        let text = |k: &str| entry.get(k).and_then(text_of);
        let message = text("MESSAGE").unwrap_or_default();
        let written = text("__REALTIME_TIMESTAMP").or_else(|| text("_SOURCE_REALTIME_TIMESTAMP"));
        let ts = written.as_deref().and_then(micros);
        if text("_TRANSPORT").as_deref() == Some("audit") {
            if let Some(rec) = audit_entry(&entry, &message, ts, line) {
                return Ok(Parsed::Part(Box::new(rec)));
            }
        }
        let mut tmp = FlatEvent::new();
        match ts {
            Some(ts) => tmp.set("@timestamp", Val::Time(ts)),
            None if written.is_some() => tmp.push_unique("tags", Cow::Borrowed(time::INVALID_TIMESTAMP)),
            None => {}
        }
        let program = text("SYSLOG_IDENTIFIER").or_else(|| text("_COMM")).unwrap_or_default();
        let mut used: Vec<&str> = vec!["MESSAGE", "__REALTIME_TIMESTAMP"];
        for (key, path) in [
            ("_HOSTNAME", "host.name"),
            ("_MACHINE_ID", "host.id"),
            ("_BOOT_ID", "host.boot.id"),
            ("_EXE", "process.executable"),
            ("_CMDLINE", "process.command_line"),
            // The logging process's ids, not the user a message is about (sshd runs as root).
            ("_UID", "process.user.id"),
            ("_GID", "process.group.id"),
            ("_SYSTEMD_UNIT", "systemd.unit"),
            ("_SYSTEMD_SLICE", "systemd.slice"),
            ("_SYSTEMD_CGROUP", "systemd.cgroup"),
            ("_SYSTEMD_USER_UNIT", "systemd.user_unit"),
            ("_TRANSPORT", "systemd.transport"),
            ("SYSLOG_IDENTIFIER", "log.syslog.appname"),
        ] {
            if let Some(v) = text(key) {
                tmp.set(path, v);
                used.push(key);
            }
        }
        if !program.is_empty() {
            tmp.set("process.name", program.clone());
            used.push("_COMM");
        }
        if let Some(pid) = text("_PID").or_else(|| text("SYSLOG_PID")).and_then(|p| p.parse::<i64>().ok()) {
            tmp.set("process.pid", pid);
            used.extend(["_PID", "SYSLOG_PID"]);
        }
        if let Some(p) = text("PRIORITY").and_then(|p| p.parse::<i64>().ok()).filter(|p| (0..8).contains(p)) {
            tmp.set("log.syslog.severity.code", p);
            tmp.set("log.level", LEVELS[p as usize]);
            used.push("PRIORITY");
        }
        if let Some(f) = text("SYSLOG_FACILITY").and_then(|f| f.parse::<i64>().ok()) {
            tmp.set("log.syslog.facility.code", f);
            used.push("SYSLOG_FACILITY");
        }
        for (k, v) in &entry {
            if used.contains(&k.as_str())
                || k.starts_with("__")
                || matches!(k.as_str(), "_COMM" | "_PID" | "SYSLOG_PID")
            {
                continue;
            }
            if let Some(t) = text_of(v) {
                tmp.set(format!("journald.custom.{}", k.trim_start_matches('_').to_ascii_lowercase()), t);
            }
        }
        let dataset = syslog::message(&program, &message, &mut tmp);
        *ev = tmp.into_owned();
        Ok(Parsed::Event(dataset))
    }

    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: r#"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1700000000123456","_HOSTNAME":"bastion","SYSLOG_IDENTIFIER":"sshd","_PID":"4242","_UID":"0","PRIORITY":"6","_SYSTEMD_UNIT":"ssh.service","_TRANSPORT":"syslog","MESSAGE":"Failed password for invalid user admin from 203.0.113.7 port 52413 ssh2"}"#,
            args: &[],
            fields: &[
                ("@timestamp", "2023-11-14T22:13:20.123456Z"),
                ("host.name", "bastion"),
                ("process.name", "sshd"),
                ("process.pid", "4242"),
                ("event.dataset", "system.auth"),
                ("event.action", "ssh_login"),
                ("event.outcome", "failure"),
                ("user.name", "admin"),
                ("process.user.id", "0"),
                ("source.ip", "203.0.113.7"),
                ("systemd.unit", "ssh.service"),
                ("log.level", "info"),
            ],
        }]
    }
}

const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

/// A field's text: a string, a number, or an array of bytes (journald's form for values
/// that are not UTF-8), decoded lossily.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => {
            let bytes: Option<Vec<u8>> = a.iter().map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect();
            bytes.map(|b| String::from_utf8_lossy(&b).into_owned())
        }
        _ => None,
    }
}

/// Microseconds since 1970 as text; `None` outside the years RFC 3339 can write.
fn micros(s: &str) -> Option<Timestamp> {
    let us: i64 = s.parse().ok()?;
    let secs = us.div_euclid(1_000_000);
    time::in_range(secs).then(|| Timestamp { secs, nanos: (us.rem_euclid(1_000_000) * 1000) as u32, frac_digits: 6 })
}

/// An entry of the audit transport: `MESSAGE=USER_START pid=... msg='...'`, with its serial
/// in `_AUDIT_ID`.
fn audit_entry(
    entry: &Map<String, Value>,
    message: &str,
    ts: Option<Timestamp>,
    line: &Line<'_, '_>,
) -> Option<record::Record> {
    let text = |k: &str| entry.get(k).and_then(text_of);
    if record::looks_like(message) {
        let mut rec = record::parse(message, line.number, line.lossy, line.text)?;
        rec.node = rec.node.or_else(|| text("_HOSTNAME"));
        return Some(rec);
    }
    let (kind, body) = message.split_once(' ')?;
    let kind = text("_AUDIT_TYPE_NAME").unwrap_or_else(|| kind.to_string());
    let mut rec = record::parse_untimed(&kind, body, line.number, line.lossy, line.text);
    if let (Some(serial), Some(ts)) = (text("_AUDIT_ID").and_then(|s| s.parse().ok()), ts) {
        rec.id = Some(record::AuditId { secs: ts.secs, millis: ts.nanos / 1_000_000, serial });
    }
    rec.syslog = Some(record::SyslogHeader {
        ts,
        host: text("_HOSTNAME"),
        program: None,
        pid: text("_PID").and_then(|p| p.parse().ok()),
    });
    Some(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_outside_rfc3339_years_are_no_times() {
        assert_eq!(micros("1700000000123456").map(|t| (t.secs, t.nanos)), Some((1_700_000_000, 123_456_000)));
        // Year 65347 (found by property_parsers): tagged invalid_timestamp, not written.
        assert!(micros("1999990000000123456").is_none());
        assert!(micros("-99999999999999999").is_none());
    }
}
