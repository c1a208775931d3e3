//! Web server error logs: Apache 2.2/2.4 (`[Mon Dec 26 16:15:55.103522 2016] [core:error]
//! [pid 1:tid 2] [client 1.2.3.4:5] msg`) and nginx (`2016/10/25 14:49:34 [error] 54053#0: *1 msg`).

use super::text::text_event;
use super::{Detect, Example, Format, Line, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::Reason;
use crate::time::{self, Zone};

/// Apache 2.2/2.4 error logs.
pub struct ApacheError;

impl Format for ApacheError {
    fn name(&self) -> &'static str {
        "apache-error"
    }

    fn about(&self) -> &'static str {
        "Apache error log"
    }

    fn detect(&self) -> Detect {
        Detect::Lines
    }

    fn sniff(&self, line: &str) -> bool {
        apache(line, &Zone::Utc, &mut FlatEvent::new())
    }

    /// A line that does not open with the log's `[` timestamp continues the one before.
    fn starts_message(&self, _file: Option<&(dyn std::any::Any + Send + Sync)>, raw: &[u8]) -> bool {
        raw.first() == Some(&b'[')
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        if apache(line.text, line.zone(), ev) {
            ev.set("event.category", Val::Keywords(&["web"]));
            Ok(Parsed::Event("apache.error"))
        } else {
            Ok(Parsed::Event(text_event(line, ev, "apache.error")))
        }
    }

    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 3570:tid 4] [client 192.168.33.1:50000] File does not exist: /var/www/favicon.ico",
            args: &[],
            fields: &[
                ("@timestamp", "2000-10-11T14:32:52.123456Z"),
                ("log.level", "error"),
                ("process.pid", "3570"),
                ("source.ip", "192.168.33.1"),
                ("event.dataset", "apache.error"),
            ],
        }]
    }
}

/// nginx error logs.
pub struct NginxError;

impl Format for NginxError {
    fn name(&self) -> &'static str {
        "nginx-error"
    }

    fn about(&self) -> &'static str {
        "nginx error log"
    }

    fn detect(&self) -> Detect {
        Detect::Lines
    }

    fn sniff(&self, line: &str) -> bool {
        nginx(line, &Zone::Utc, &mut FlatEvent::new())
    }

    /// A line that does not open with the log's timestamp continues the one before.
    fn starts_message(&self, _file: Option<&(dyn std::any::Any + Send + Sync)>, raw: &[u8]) -> bool {
        raw.first().is_some_and(u8::is_ascii_digit)
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        if nginx(line.text, line.zone(), ev) {
            ev.set("event.category", Val::Keywords(&["web"]));
            Ok(Parsed::Event("nginx.error"))
        } else {
            Ok(Parsed::Event(text_event(line, ev, "nginx.error")))
        }
    }

    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: "2016/10/25 14:49:34 [error] 54053#0: *1 open() \"/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico\" failed (2: No such file or directory), client: 127.0.0.1, server: localhost",
            args: &[],
            fields: &[
                ("@timestamp", "2016-10-25T14:49:34Z"),
                ("log.level", "error"),
                ("process.pid", "54053"),
                ("source.ip", "127.0.0.1"),
                ("event.dataset", "nginx.error"),
            ],
        }]
    }
}

/// Parses an Apache error line into `ev`; false when it is not one.
pub fn apache<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> bool {
    apache_inner(line, zone, ev).is_some()
}

fn apache_inner<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> Option<()> {
    let body = line.strip_prefix('[')?;
    let (ts, used) = time::parse_ctime(body.as_bytes(), zone)?;
    let mut rest = body[used..].strip_prefix("] ")?;
    ev.set("@timestamp", Val::Time(ts));
    while let Some(r) = rest.strip_prefix('[') {
        let end = r.find(']')?;
        let tag = &r[..end];
        rest = r[end + 1..].trim_start();
        if let Some(pid) = tag.strip_prefix("pid ") {
            let (p, tid) = match pid.split_once(":tid ") {
                Some((p, t)) => (p, Some(t)),
                None => (pid, None),
            };
            if let Ok(n) = p.parse::<i64>() {
                ev.set("process.pid", n);
            }
            if let Some(Ok(t)) = tid.map(str::parse::<i64>) {
                ev.set("process.thread.id", t);
            }
        } else if let Some(client) = tag.strip_prefix("client ") {
            set_client(client, ev);
        } else if let Some((module, level)) = tag.split_once(':') {
            ev.set("logward.apache.module", module);
            ev.set("log.level", level);
        } else {
            ev.set("log.level", tag);
        }
    }
    ev.set("message", rest);
    Some(())
}

fn set_client<'a>(client: &'a str, ev: &mut FlatEvent<'a>) {
    super::access::set_endpoint(client, ["source.ip", "source.address", "source.port"], ev);
}

/// Parses an nginx error line into `ev`; false when it is not one.
pub fn nginx<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> bool {
    nginx_inner(line, zone, ev).is_some()
}

fn nginx_inner<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> Option<()> {
    if line.as_bytes().get(4) != Some(&b'/') {
        return None;
    }
    let (ts, used) = time::parse_slashed(line.as_bytes(), zone)?;
    let rest = line[used..].strip_prefix(" [")?;
    let end = rest.find("] ")?;
    let level = &rest[..end];
    let rest = &rest[end + 2..];
    ev.set("@timestamp", Val::Time(ts));
    ev.set("log.level", level);
    let (pidtid, msg) = rest.split_once(": ").unwrap_or(("", rest));
    if let Some((pid, tid)) = pidtid.split_once('#') {
        if let (Ok(p), Ok(t)) = (pid.parse::<i64>(), tid.parse::<i64>()) {
            ev.set("process.pid", p);
            ev.set("process.thread.id", t);
        }
    }
    let msg = match msg.strip_prefix('*').and_then(|m| m.split_once(' ')) {
        Some((conn, m)) if conn.bytes().all(|b| b.is_ascii_digit()) => {
            if let Ok(c) = conn.parse::<i64>() {
                ev.set("logward.nginx.connection_id", c);
            }
            m
        }
        _ => msg,
    };
    if let Some(client) = msg.split(", client: ").nth(1).map(|c| c.split(',').next().unwrap_or(c)) {
        set_client(client, ev);
    }
    ev.set("message", msg);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_24_and_22() {
        let mut ev = FlatEvent::new();
        assert!(apache("[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:50386] File does not exist: /x", &Zone::Utc, &mut ev));
        let v = ev.to_value();
        assert_eq!(v["@timestamp"], "2000-10-11T14:32:52.123456Z");
        assert_eq!(v["source"]["port"], 50386);
        assert_eq!(v["log"]["level"], "error");
        assert_eq!(v["process"]["thread"]["id"], 4328636416i64);
        let mut ev = FlatEvent::new();
        assert!(apache(
            "[Mon Dec 26 16:22:00 2016] [error] [client 192.168.33.1] File does not exist",
            &Zone::Utc,
            &mut ev
        ));
        assert_eq!(ev.to_value()["source"]["ip"], "192.168.33.1");
    }

    #[test]
    fn nginx_error() {
        let mut ev = FlatEvent::new();
        assert!(nginx("2016/10/25 14:49:34 [error] 54053#0: *1 open() \"/x\" failed (2: No such file), client: 127.0.0.1, server: localhost", &Zone::Utc, &mut ev));
        let v = ev.to_value();
        assert_eq!(v["process"]["pid"], 54053);
        assert_eq!(v["logward"]["nginx"]["connection_id"], 1);
        assert_eq!(v["source"]["ip"], "127.0.0.1");
    }
}
