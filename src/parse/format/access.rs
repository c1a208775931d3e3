//! Web access logs: nginx/Apache common and combined formats, with an optional leading
//! virtual host and extra trailing fields; Apache's SSL request log.

use super::{Detect, Example, Format, Line, OpenFile, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::{Reason, RejectKind};
use crate::time::{self, Zone};
use std::any::Any;
use std::borrow::Cow;
use std::net::IpAddr;

/// nginx/Apache access logs.
pub struct Access;

/// The dataset of a file's access lines: `nginx.access` when its path says nginx.
struct Dataset(&'static str);

impl Format for Access {
    fn name(&self) -> &'static str {
        "access"
    }

    fn about(&self) -> &'static str {
        "nginx/Apache access logs: combined, common, with vhost or extra fields"
    }

    fn detect(&self) -> Detect {
        Detect::Lines
    }

    fn sniff(&self, line: &str) -> bool {
        parse(line, &Zone::Utc, &mut FlatEvent::new())
    }

    fn open(&self, file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        let nginx = file.path.is_some_and(|p| p.to_ascii_lowercase().contains("nginx"));
        Some(Box::new(Dataset(if nginx { "nginx.access" } else { "apache.access" })))
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        if parse(line.text, line.zone(), ev) {
            Ok(Parsed::Event(line.file::<Dataset>().map_or("apache.access", |d| d.0)))
        } else {
            Err(Reason::new(
                RejectKind::FormatMismatch,
                "not an access-log line (expected: client ident user [time] \"request\" status bytes ...)",
            ))
        }
    }

    fn free_text(&self) -> bool {
        false
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: "203.0.113.9 - alice [10/Oct/2023:13:55:36 -0700] \"GET /wp-login.php?x=1 HTTP/1.1\" 404 209 \"-\" \"curl/8.4.0\"",
            args: &[],
            fields: &[
                ("@timestamp", "2023-10-10T20:55:36Z"),
                ("source.ip", "203.0.113.9"),
                ("user.name", "alice"),
                ("http.request.method", "GET"),
                ("url.path", "/wp-login.php"),
                ("url.query", "x=1"),
                ("http.response.status_code", "404"),
                ("http.response.body.bytes", "209"),
                ("user_agent.original", "curl/8.4.0"),
                ("event.outcome", "failure"),
                ("event.dataset", "apache.access"),
            ],
        }]
    }
}

/// Parses one access line into `ev`. Returns false when the line is not an access line.
pub fn parse<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> bool {
    if line.starts_with('[') {
        return ssl_request(line, zone, ev).is_some();
    }
    combined(line, zone, ev).is_some()
}

fn combined<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> Option<()> {
    // memchr-based searches: this runs on every access line.
    let b = line.as_bytes();
    let open = memchr::memchr(b'[', b)?.checked_sub(1).filter(|&i| b[i] == b' ')?;
    let close = open + memchr::memchr(b']', &b[open..])?;
    if b.get(close + 1) != Some(&b' ') {
        return None;
    }
    let ts = time::parse_clf(&line.as_bytes()[open + 2..close], zone)?;
    let head = &line[..open];
    // head = [vhost] ["x-forwarded-for list"] client ident user
    let (head, user) = head.rsplit_once(' ')?;
    let (head, _ident) = head.rsplit_once(' ')?;
    let (vhost, addresses) = split_head(head)?;
    let rest = line[close + 2..].strip_prefix('"')?;
    let req_end = closing_quote(rest)?;
    let request = &rest[..req_end];
    let mut fields = rest[req_end + 1..].trim_start().splitn(3, ' ');
    let status: i64 = fields.next()?.parse().ok()?;
    if !(100..=999).contains(&status) {
        return None;
    }
    let bytes = fields.next().unwrap_or("-");
    let tail = fields.next().unwrap_or("");

    ev.set("@timestamp", Val::Time(ts));
    set_addresses(&addresses, ev);
    if let Some(v) = vhost {
        set_vhost(v, ev);
    }
    if user != "-" && !user.is_empty() {
        ev.set("user.name", user);
        ev.push_unique("related.user", Cow::Borrowed(user));
    }
    set_request(request, ev);
    set_status(status, ev);
    if let Ok(n) = bytes.parse::<i64>() {
        ev.set("http.response.body.bytes", n);
    }
    // "referer" "user agent" and anything after them.
    let mut t = tail.trim_start();
    // Real logs hold lines cut short inside the user agent: an unclosed quote runs to the end.
    if let Some(r) = t.strip_prefix('"') {
        let end = closing_quote(r).unwrap_or(r.len());
        let referrer = &r[..end];
        if referrer != "-" && !referrer.is_empty() {
            ev.set("http.request.referrer", referrer);
        }
        t = r.get(end + 1..).unwrap_or("").trim_start();
        if let Some(u) = t.strip_prefix('"') {
            let end = closing_quote(u).unwrap_or(u.len());
            let ua = &u[..end];
            if ua != "-" && !ua.is_empty() {
                ev.set("user_agent.original", ua);
            }
            t = u.get(end + 1..).unwrap_or("").trim_start();
        }
    }
    if !t.is_empty() {
        let extra: Vec<Cow<'a, str>> = t
            .split(' ')
            .map(|s| s.trim_matches('"'))
            .filter(|s| !s.is_empty() && *s != "-")
            .map(Cow::Borrowed)
            .collect();
        if !extra.is_empty() {
            ev.set("logward.access.extra", Val::Strs(extra));
        }
    }
    Some(())
}

/// Apache `ssl_request_log`: `[time] client TLSv1.2 CIPHER "request" bytes`.
fn ssl_request<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> Option<()> {
    let close = line.find("] ")?;
    let ts = time::parse_clf(&line.as_bytes()[1..close], zone)?;
    let mut c = line[close + 2..].splitn(4, ' ');
    let client = c.next()?;
    let proto = c.next()?;
    let client = [client];
    let cipher = c.next()?;
    let rest = c.next()?.strip_prefix('"')?;
    let end = closing_quote(rest)?;
    if !proto.starts_with("TLS") && !proto.starts_with("SSL") {
        return None;
    }
    ev.set("@timestamp", Val::Time(ts));
    set_addresses(&client, ev);
    if let Some((name, ver)) = proto.split_once('v') {
        ev.set("tls.version_protocol", name.to_ascii_lowercase());
        ev.set("tls.version", ver);
    }
    ev.set("tls.cipher", cipher);
    set_request(&rest[..end], ev);
    if let Ok(n) = rest[end + 1..].trim().parse::<i64>() {
        ev.set("http.response.body.bytes", n);
    }
    ev.set("event.category", Val::Keywords(&["web"]));
    ev.set("event.type", Val::Keywords(&["access"]));
    Some(())
}

/// Index of the closing `"` of a quoted field, skipping `\"` escapes.
fn closing_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Splits what precedes ident and user into an optional virtual host and the client
/// addresses: `vhost`, a quoted or comma-separated X-Forwarded-For list, the connecting address.
fn split_head(head: &str) -> Option<(Option<&str>, Vec<&str>)> {
    let mut items: Vec<(&str, bool)> = Vec::new(); // (text, is_list)
    let mut rest = head.trim();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"')?;
            items.push((&q[..end], true));
            rest = q[end + 1..].trim_start();
            continue;
        }
        // A word ending in ',' continues an unquoted list.
        let mut end = 0;
        loop {
            let next = rest[end..].find(' ').map(|i| end + i).unwrap_or(rest.len());
            if next < rest.len() && rest[..next].ends_with(',') {
                end = next + 1;
                continue;
            }
            end = next;
            break;
        }
        let word = &rest[..end];
        items.push((word, word.contains(',')));
        rest = rest[end..].trim_start();
    }
    let (last, _) = *items.last()?;
    let mut addresses: Vec<&str> = Vec::new();
    let mut used = 1;
    if let Some(&(list, true)) = items.len().checked_sub(2).and_then(|i| items.get(i)) {
        addresses.extend(list.split(',').map(str::trim).filter(|a| !a.is_empty()));
        used = 2;
    }
    addresses.extend(last.split(',').map(str::trim).filter(|a| !a.is_empty()));
    match items.len() - used {
        0 => Some((None, addresses)),
        1 if !items[0].1 => Some((Some(items[0].0), addresses)),
        _ => None,
    }
}

fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast())
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The client is the first public address of the list (proxies add private hops), else
/// the first one; the whole list is kept when there is more than one.
fn set_addresses<'a>(addresses: &[&'a str], ev: &mut FlatEvent<'a>) {
    let addresses: Vec<&'a str> = addresses.iter().copied().filter(|a| *a != "-").collect();
    if addresses.len() > 1 {
        ev.set("logward.access.remote_ip_list", Val::Strs(addresses.iter().map(|a| Cow::Borrowed(*a)).collect()));
    }
    let parsed: Vec<Option<IpAddr>> = addresses.iter().map(|a| a.parse().ok()).collect();
    let pick = parsed
        .iter()
        .position(|p| p.as_ref().is_some_and(is_public))
        .or_else(|| parsed.iter().position(Option::is_some))
        .or(if addresses.is_empty() { None } else { Some(0) });
    let Some(i) = pick else { return };
    let client = addresses[i];
    ev.set("source.address", client);
    if parsed[i].is_some() {
        ev.set("source.ip", client);
        ev.push_unique("related.ip", Cow::Borrowed(client));
    } else if !client.starts_with("unix:") {
        ev.set("source.domain", client);
    }
}

fn set_vhost<'a>(vhost: &'a str, ev: &mut FlatEvent<'a>) {
    set_endpoint(vhost, ["destination.ip", "destination.domain", "destination.port"], ev);
}

/// `host`, `host:port`, `1.2.3.4:80` or `[::1]:80` into ECS `<side>.ip` or a name field, and
/// `<side>.port`; `fields` = [ip, name, port] paths.
pub fn set_endpoint<'a>(s: &'a str, fields: [&'static str; 3], ev: &mut FlatEvent<'a>) {
    let s = s.trim();
    let (host, port) = match s.rsplit_once(':') {
        // One colon only (or a bracketed IPv6): a bare IPv6 address has no port.
        Some((h, p))
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (!h.contains(':') || h.ends_with(']')) =>
        {
            (h.trim_start_matches('[').trim_end_matches(']'), p.parse::<i64>().ok())
        }
        _ => (s, None),
    };
    if host.parse::<IpAddr>().is_ok() {
        ev.set(fields[0], host);
        ev.push_unique("related.ip", Cow::Borrowed(host));
    } else if !host.is_empty() {
        ev.set(fields[1], host);
    }
    if let Some(p) = port {
        ev.set(fields[2], p);
    }
}

/// `GET /path?q=1 HTTP/1.1` → method, url.original/path/query, http.version.
pub fn set_request<'a>(request: &'a str, ev: &mut FlatEvent<'a>) {
    if request.is_empty() || request == "-" {
        return;
    }
    let mut parts = request.splitn(3, ' ');
    let method = parts.next().unwrap_or("");
    let Some(url) = parts.next() else {
        ev.set("logward.access.request", request);
        return;
    };
    if !method.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_') {
        ev.set("logward.access.request", request);
        return;
    }
    ev.set("http.request.method", method);
    set_url(url, ev);
    if let Some(proto) = parts.next() {
        match proto.strip_prefix("HTTP/") {
            Some(v) => ev.set("http.version", v),
            None => ev.set("logward.access.protocol", proto),
        }
    }
}

pub fn set_url<'a>(url: &'a str, ev: &mut FlatEvent<'a>) {
    ev.set("url.original", url);
    // Absolute-form requests (proxies) carry scheme and host: keep the path part.
    let path_and_query = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            match after.find('/') {
                Some(j) => {
                    ev.set("url.domain", &after[..j]);
                    &after[j..]
                }
                None => "/",
            }
        }
        None => url,
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let path = path.split('#').next().unwrap_or(path);
    if !path.is_empty() {
        ev.set("url.path", path);
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        ev.set("url.query", q);
    }
}

pub fn set_status(status: i64, ev: &mut FlatEvent<'_>) {
    ev.set("http.response.status_code", status);
    ev.set("event.outcome", if status >= 400 { "failure" } else { "success" });
    ev.set("event.category", Val::Keywords(&["web"]));
    ev.set("event.type", Val::Keywords(&["access"]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(line: &str) -> serde_json::Value {
        let mut ev = FlatEvent::new();
        assert!(parse(line, &Zone::Utc, &mut ev), "not parsed: {line}");
        ev.to_value()
    }

    #[test]
    fn combined_line() {
        let v = run(
            r#"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a/b.png?x=1 HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (X11)""#,
        );
        assert_eq!(v["@timestamp"], "2015-05-17T10:05:03Z");
        assert_eq!(v["url"], json!({"original": "/a/b.png?x=1", "path": "/a/b.png", "query": "x=1"}));
        assert_eq!(v["http"]["response"], json!({"status_code": 200, "body": {"bytes": 203023}}));
        assert_eq!(v["http"]["request"], json!({"method": "GET", "referrer": "http://semicomplete.com/"}));
        assert_eq!(v["user_agent"]["original"], "Mozilla/5.0 (X11)");
        assert_eq!(v["event"]["outcome"], "success");
    }

    #[test]
    fn vhost_list_extra_and_common() {
        let v = run(
            r#"example.com:80 10.0.0.2 - bob [10/Oct/2000:13:55:36 -0700] "POST /login HTTP/1.0" 401 - "-" "curl/8" 0.012 0.010"#,
        );
        assert_eq!(v["destination"], json!({"domain": "example.com", "port": 80}));
        assert_eq!(v["source"]["ip"], "10.0.0.2");
        assert_eq!(v["user"]["name"], "bob");
        assert_eq!(v["event"]["outcome"], "failure");
        assert_eq!(v["logward"]["access"]["extra"], json!(["0.012", "0.010"]));
        let v = run(r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 12"#);
        assert_eq!(v["source"]["ip"], "10.0.0.2");
        let v = run(r#"example.com 10.0.0.2, 81.2.69.143 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 12"#);
        assert_eq!(v["source"]["ip"], "81.2.69.143");
        assert_eq!(v["destination"]["domain"], "example.com");
        let v = run(
            r#"example.com:80 "10.5.102.222, 199.96.1.1" 10.2.1.185 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 12"#,
        );
        assert_eq!(v["source"]["ip"], "199.96.1.1");
        assert_eq!(v["logward"]["access"]["remote_ip_list"], json!(["10.5.102.222", "199.96.1.1", "10.2.1.185"]));
        let v = run(r#"::1 - - [26/Dec/2016:16:16:28 +0200] "-" 408 -"#);
        assert_eq!(v["source"]["ip"], "::1");
        assert!(v.get("url").is_none());
    }

    #[test]
    fn not_access() {
        let mut ev = FlatEvent::new();
        assert!(!parse("Feb  9 21:19:40 precise32 sshd[8317]: x", &Zone::Utc, &mut ev));
        assert!(!parse("just some [text] here", &Zone::Utc, &mut ev));
    }
}
