//! Web access logs: nginx/Apache common and combined formats, with an optional leading
//! virtual host and extra trailing fields; Apache's SSL request log.

use crate::event::{FlatEvent, Val};
use crate::time::{self, Zone};
use std::borrow::Cow;
use std::net::IpAddr;

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
    let ts = time::parse_clf(line[open + 2..close].as_bytes(), zone)?;
    let head = &line[..open];
    // head = [vhost] client ident user; the client may be an X-Forwarded-For list "a, b, c".
    let (head, user) = head.rsplit_once(' ')?;
    let (head, _ident) = head.rsplit_once(' ')?;
    let (vhost, client) = if head.contains(", ") || !head.contains(' ') {
        (None, head)
    } else {
        let (v, c) = head.split_once(' ')?;
        if c.contains(' ') && !c.contains(", ") {
            return None;
        }
        (Some(v), c)
    };
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
    set_client(client, ev);
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
        let extra: Vec<Cow<'a, str>> = t.split(' ').map(|s| s.trim_matches('"')).filter(|s| !s.is_empty() && *s != "-").map(Cow::Borrowed).collect();
        if !extra.is_empty() {
            ev.set("logward.access.extra", Val::Strs(extra));
        }
    }
    Some(())
}

/// Apache `ssl_request_log`: `[time] client TLSv1.2 CIPHER "request" bytes`.
fn ssl_request<'a>(line: &'a str, zone: &Zone, ev: &mut FlatEvent<'a>) -> Option<()> {
    let close = line.find("] ")?;
    let ts = time::parse_clf(line[1..close].as_bytes(), zone)?;
    let mut c = line[close + 2..].splitn(4, ' ');
    let client = c.next()?;
    let proto = c.next()?;
    let cipher = c.next()?;
    let rest = c.next()?.strip_prefix('"')?;
    let end = closing_quote(rest)?;
    if !proto.starts_with("TLS") && !proto.starts_with("SSL") {
        return None;
    }
    ev.set("@timestamp", Val::Time(ts));
    set_client(client, ev);
    if let Some((name, ver)) = proto.split_once('v') {
        ev.set("tls.version_protocol", name.to_ascii_lowercase());
        ev.set("tls.version", ver);
    }
    ev.set("tls.cipher", cipher);
    set_request(&rest[..end], ev);
    if let Ok(n) = rest[end + 1..].trim().parse::<i64>() {
        ev.set("http.response.body.bytes", n);
    }
    ev.set("event.category", Val::Strs(vec!["web".into()]));
    ev.set("event.type", Val::Strs(vec!["access".into()]));
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

fn set_client<'a>(client: &'a str, ev: &mut FlatEvent<'a>) {
    let client = client.trim_matches('"');
    if client == "-" || client.is_empty() {
        return;
    }
    let first = client.split(", ").next().unwrap_or(client);
    if client.contains(", ") {
        let list: Vec<Cow<'a, str>> = client.split(", ").map(Cow::Borrowed).collect();
        ev.set("logward.access.remote_ip_list", Val::Strs(list));
    }
    ev.set("source.address", first);
    if first.parse::<IpAddr>().is_ok() {
        ev.set("source.ip", first);
        ev.push_unique("related.ip", Cow::Borrowed(first));
    } else if !first.starts_with("unix:") {
        ev.set("source.domain", first);
    }
}

fn set_vhost<'a>(vhost: &'a str, ev: &mut FlatEvent<'a>) {
    let (host, port) = match vhost.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => (h, p.parse::<i64>().ok()),
        _ => (vhost, None),
    };
    if host.parse::<IpAddr>().is_ok() {
        ev.set("destination.ip", host);
        ev.push_unique("related.ip", Cow::Borrowed(host));
    } else {
        ev.set("destination.domain", host);
    }
    if let Some(p) = port {
        ev.set("destination.port", p);
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
    ev.set("event.category", Val::Strs(vec!["web".into()]));
    ev.set("event.type", Val::Strs(vec!["access".into()]));
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
        let v = run(r#"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a/b.png?x=1 HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (X11)""#);
        assert_eq!(v["@timestamp"], "2015-05-17T10:05:03Z");
        assert_eq!(v["url"], json!({"original": "/a/b.png?x=1", "path": "/a/b.png", "query": "x=1"}));
        assert_eq!(v["http"]["response"], json!({"status_code": 200, "body": {"bytes": 203023}}));
        assert_eq!(v["http"]["request"], json!({"method": "GET", "referrer": "http://semicomplete.com/"}));
        assert_eq!(v["user_agent"]["original"], "Mozilla/5.0 (X11)");
        assert_eq!(v["event"]["outcome"], "success");
    }

    #[test]
    fn vhost_list_extra_and_common() {
        let v = run(r#"example.com:80 10.0.0.2 - bob [10/Oct/2000:13:55:36 -0700] "POST /login HTTP/1.0" 401 - "-" "curl/8" 0.012 0.010"#);
        assert_eq!(v["destination"], json!({"domain": "example.com", "port": 80}));
        assert_eq!(v["source"]["ip"], "10.0.0.2");
        assert_eq!(v["user"]["name"], "bob");
        assert_eq!(v["event"]["outcome"], "failure");
        assert_eq!(v["logward"]["access"]["extra"], json!(["0.012", "0.010"]));
        let v = run(r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 12"#);
        assert_eq!(v["source"]["ip"], "10.0.0.2");
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
