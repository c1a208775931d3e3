//! W3C extended log format (IIS and others): `#Fields:` directives name the columns of the
//! space-separated lines that follow; a later `#Fields:` line replaces the columns.

use super::access::{set_status, set_url};
use super::{Detect, Example, Format, Line, Parsed, Seq};
use crate::event::{FlatEvent, Val};
use crate::io::{Reason, RejectKind};
use crate::time::{self, Zone};
use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

/// W3C extended / IIS logs.
pub struct W3c;

impl Format for W3c {
    fn name(&self) -> &'static str {
        "w3c"
    }

    fn about(&self) -> &'static str {
        "W3C extended / IIS logs with a #Fields: header"
    }

    fn detect(&self) -> Detect {
        Detect::FirstLine
    }

    /// A file that opens with one of the format's directives.
    fn sniff(&self, line: &str) -> bool {
        ["#Software:", "#Version:", "#Fields:", "#Date:"].iter().any(|d| line.starts_with(d))
    }

    /// A `#Fields:` directive names the columns of the lines after it.
    fn advance(&self, seq: &mut Seq, raw: &[u8]) {
        if let Some(f) = fields_directive(raw) {
            seq.state = Some(f);
        }
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        if line.text.starts_with('#') {
            return Ok(Parsed::Skip);
        }
        let fields = line
            .state::<Vec<String>>()
            .ok_or_else(|| Reason::new(RejectKind::MissingHeader, "W3C data line before any #Fields: directive"))?;
        parse(line.text, fields, ev)?;
        Ok(Parsed::Event("iis.access"))
    }

    fn free_text(&self) -> bool {
        false
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &["#Software: Microsoft Internet Information Services 10.0", "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken"],
            line: "2023-11-02 08:00:01 10.0.0.5 GET /owa/auth/logon.aspx replaceCurrent=1 443 - 203.0.113.50 Mozilla/5.0+(Windows+NT+10.0) 200 31",
            args: &[],
            fields: &[
                ("@timestamp", "2023-11-02T08:00:01Z"),
                ("source.ip", "203.0.113.50"),
                ("destination.ip", "10.0.0.5"),
                ("http.request.method", "GET"),
                ("url.path", "/owa/auth/logon.aspx"),
                ("http.response.status_code", "200"),
                ("event.dataset", "iis.access"),
            ],
        }]
    }
}

/// The column names of the current `#Fields:` directive.
pub type Fields = Arc<Vec<String>>;

/// The column names of a `#Fields:` directive line.
pub fn fields_directive(raw: &[u8]) -> Option<Fields> {
    let rest = raw.strip_prefix(b"#Fields:")?;
    let s = String::from_utf8_lossy(rest);
    Some(Arc::new(s.split_whitespace().map(str::to_string).collect()))
}

/// Parses a data line with the current columns. W3C times are UTC by definition.
pub fn parse<'a>(line: &'a str, fields: &[String], ev: &mut FlatEvent<'a>) -> Result<(), Reason> {
    let values: Vec<&'a str> = line.split(' ').filter(|s| !s.is_empty()).collect();
    if values.len() != fields.len() {
        let detail = format!("W3C line has {} fields, #Fields: names {}", values.len(), fields.len());
        return Err(Reason::new(RejectKind::FormatMismatch, detail));
    }
    let (mut date, mut tod) = (None, None);
    let mut uri_stem = None;
    let mut uri_query = None;
    for (name, &v) in fields.iter().zip(&values) {
        if v == "-" {
            continue;
        }
        match name.as_str() {
            "date" => date = Some(v),
            "time" => tod = Some(v),
            "c-ip" => {
                if v.parse::<IpAddr>().is_ok() {
                    ev.set("source.ip", v);
                    ev.push_unique("related.ip", Cow::Borrowed(v));
                } else {
                    ev.set("source.address", v);
                }
            }
            "s-ip" => {
                ev.set("destination.ip", v);
                ev.push_unique("related.ip", Cow::Borrowed(v));
            }
            "s-port" => set_int(ev, "destination.port", v),
            "c-port" => set_int(ev, "source.port", v),
            "cs-method" => ev.set("http.request.method", v),
            "cs-uri-stem" => uri_stem = Some(v),
            "cs-uri-query" => uri_query = Some(v),
            "cs-uri" => set_url(v, ev),
            "cs-username" => {
                ev.set("user.name", v);
                ev.push_unique("related.user", Cow::Borrowed(v));
            }
            "cs(User-Agent)" => ev.set("user_agent.original", v.replace('+', " ")),
            "cs(Referer)" => ev.set("http.request.referrer", v),
            "cs-host" | "cs(Host)" => ev.set("url.domain", v),
            "sc-status" => match v.parse::<i64>() {
                Ok(n) => set_status(n, ev),
                Err(_) => ev.set("logward.w3c.sc-status", v),
            },
            "sc-bytes" => set_int(ev, "http.response.body.bytes", v),
            "cs-bytes" => set_int(ev, "http.request.body.bytes", v),
            "cs-version" => ev.set("http.version", v.trim_start_matches("HTTP/")),
            "time-taken" => match v.parse::<i64>() {
                // IIS writes milliseconds; ECS event.duration is nanoseconds.
                Ok(ms) => ev.set("event.duration", ms * 1_000_000),
                Err(_) => ev.set("logward.w3c.time-taken", v),
            },
            "s-computername" => ev.set("host.name", v),
            other => ev.set(format!("logward.w3c.{other}"), v),
        }
    }
    if let Some(stem) = uri_stem {
        ev.set("url.path", stem);
        match uri_query {
            Some(q) => {
                ev.set("url.query", q);
                ev.set("url.original", format!("{stem}?{q}"));
            }
            None => ev.set("url.original", stem),
        }
    }
    if let (Some(d), Some(t)) = (date, tod) {
        match time::parse_iso(format!("{d}T{t}Z").as_bytes(), &Zone::Utc) {
            Some((ts, _)) => ev.set("@timestamp", Val::Time(ts)),
            None => return Err(Reason::new(RejectKind::InvalidField, format!("bad W3C date/time '{d} {t}'"))),
        }
    }
    Ok(())
}

fn set_int<'a>(ev: &mut FlatEvent<'a>, path: &'static str, v: &'a str) {
    match v.parse::<i64>() {
        Ok(n) => ev.set(path, n),
        Err(_) => ev.set(path, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iis_line() {
        let f = fields_directive(b"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken").unwrap();
        let mut ev = FlatEvent::new();
        parse(
            "2024-03-01 10:00:01 10.0.0.5 GET /admin/login.aspx a=1 443 - 203.0.113.7 Mozilla/5.0+(Windows) 403 15",
            &f,
            &mut ev,
        )
        .unwrap();
        let v = ev.to_value();
        assert_eq!(v["@timestamp"], "2024-03-01T10:00:01Z");
        assert_eq!(v["url"]["original"], "/admin/login.aspx?a=1");
        assert_eq!(v["user_agent"]["original"], "Mozilla/5.0 (Windows)");
        assert_eq!(v["event"]["duration"], 15_000_000);
        assert_eq!(v["event"]["outcome"], "failure");
        let mut ev = FlatEvent::new();
        assert!(parse("2024-03-01 10:00:01 only three", &f, &mut ev).is_err());
    }
}
