//! CSV with a header row: columns map to ECS through one alias table (plus `--map`), the
//! rest is kept under `logward.csv.<column>`, and the event is categorized from what it holds
//! (process, network, file, registry or authentication).

use super::{Detect, Example, Format, Line, OpenFile, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::{Reason, RejectKind};
use crate::time::{self, Zone};
use std::any::Any;
use std::borrow::Cow;
use std::net::IpAddr;

/// How a column's value is stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ColumnType {
    Str,
    Int,
    Ip,
    Time,
    Outcome,
    /// `user_id`: `user.id`, and `user.name` too when no column names the user.
    UserId,
}

/// The built-in alias table: normalized column name → (ECS field, kind).
const ALIASES: &[(&[&str], &str, ColumnType)] = &[
    (
        &[
            "timestamp",
            "time",
            "datetime",
            "date_time",
            "event_time",
            "eventtime",
            "ts",
            "utctime",
            "time_created",
            "created_at",
        ],
        "@timestamp",
        ColumnType::Time,
    ),
    (&["process_id", "pid", "processid"], "process.pid", ColumnType::Int),
    (&["parent_process_id", "ppid", "parent_pid", "parentprocessid"], "process.parent.pid", ColumnType::Int),
    (&["process_name", "process", "proc_name", "name_of_process"], "process.name", ColumnType::Str),
    (&["image", "executable", "process_path", "image_path", "exe"], "process.executable", ColumnType::Str),
    (&["command_line", "cmdline", "commandline", "cmd", "command"], "process.command_line", ColumnType::Str),
    (&["parent_process_name", "parent_name", "parent_process"], "process.parent.name", ColumnType::Str),
    (&["parent_image", "parent_executable", "parentimage"], "process.parent.executable", ColumnType::Str),
    (&["parent_command_line", "parentcommandline", "parent_cmdline"], "process.parent.command_line", ColumnType::Str),
    (&["entity_id", "process_guid", "processguid", "process_entity_id"], "process.entity_id", ColumnType::Str),
    (&["parent_entity_id", "parent_process_guid", "parentprocessguid"], "process.parent.entity_id", ColumnType::Str),
    (&["user", "user_name", "username", "account", "account_name", "login"], "user.name", ColumnType::Str),
    (&["user_id", "userid", "uid"], "user.id", ColumnType::UserId),
    (
        &["src_ip", "source_ip", "source_address", "client_ip", "srcip", "src_addr", "c_ip", "ip", "ip_address"],
        "source.ip",
        ColumnType::Ip,
    ),
    (
        &["dst_ip", "destination_ip", "dest_ip", "dstip", "dst_addr", "remote_ip", "destination_address"],
        "destination.ip",
        ColumnType::Ip,
    ),
    (&["src_port", "source_port", "sport", "srcport", "client_port"], "source.port", ColumnType::Int),
    (
        &["dst_port", "destination_port", "dest_port", "dport", "dstport", "remote_port"],
        "destination.port",
        ColumnType::Int,
    ),
    (&["protocol", "proto", "transport"], "network.transport", ColumnType::Str),
    (&["direction"], "network.direction", ColumnType::Str),
    (&["action", "event_action", "activity"], "event.action", ColumnType::Str),
    (
        &["success", "succeeded", "successful", "outcome", "result", "login_successful"],
        "event.outcome",
        ColumnType::Outcome,
    ),
    (&["file_path", "filepath", "target_filename", "path", "file"], "file.path", ColumnType::Str),
    (&["file_name", "filename"], "file.name", ColumnType::Str),
    (&["sha256", "file_hash", "hash_sha256"], "file.hash.sha256", ColumnType::Str),
    (
        &["registry_key", "registry_path", "reg_key", "key_path", "targetobject", "target_object"],
        "registry.path",
        ColumnType::Str,
    ),
    (&["registry_value", "value_name", "reg_value"], "registry.value", ColumnType::Str),
    (&["registry_data", "value_data", "details"], "registry.data.strings", ColumnType::Str),
    (&["event_type", "eventtype", "type", "category"], "logward.csv.event_type", ColumnType::Str),
    (
        &["host", "hostname", "host_name", "computer", "computer_name", "device", "machine"],
        "host.name",
        ColumnType::Str,
    ),
    (&["url"], "url.original", ColumnType::Str),
    (&["user_agent", "useragent"], "user_agent.original", ColumnType::Str),
    (&["status_code", "http_status", "response_code"], "http.response.status_code", ColumnType::Int),
    (&["method", "http_method"], "http.request.method", ColumnType::Str),
    (&["message", "msg", "description"], "message", ColumnType::Str),
    (&["severity", "level", "log_level"], "log.level", ColumnType::Str),
    (&["query", "query_name", "dns_query"], "dns.question.name", ColumnType::Str),
];

/// CSV with a header row.
pub struct Csv;

impl Format for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn about(&self) -> &'static str {
        "CSV with a header row"
    }

    fn detect(&self) -> Detect {
        Detect::Header
    }

    fn sniff(&self, line: &str) -> bool {
        looks_like_header(line)
    }

    /// The file's header row: its first non-blank line.
    fn open(&self, file: &OpenFile<'_>) -> Option<Box<dyn Any + Send + Sync>> {
        let first = file.head.iter().find(|l| !l.trim().is_empty())?;
        Header::new(first, &file.opts.maps).map(|h| Box::new(h) as Box<dyn Any + Send + Sync>)
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        let header = line
            .file::<Header>()
            .ok_or_else(|| Reason::new(RejectKind::MissingHeader, "CSV file without a header row"))?;
        if line.text == header.raw {
            return Ok(Parsed::Skip);
        }
        parse(line.text, header, line.zone(), line.seq.year, ev)?;
        Ok(Parsed::Event("logward.csv"))
    }

    fn free_text(&self) -> bool {
        false
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &["timestamp,process_id,parent_process_id,process_name,command_line,user"],
            line: "2024-02-01T09:15:00Z,15160,15150,cmd.exe,cmd.exe /c whoami /all,alice",
            args: &[],
            fields: &[
                ("@timestamp", "2024-02-01T09:15:00Z"),
                ("process.pid", "15160"),
                ("process.parent.pid", "15150"),
                ("process.name", "cmd.exe"),
                ("process.command_line", "cmd.exe /c whoami /all"),
                ("user.name", "alice"),
                ("event.dataset", "logward.csv"),
            ],
        }]
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    name: String,
    target: String,
    kind: ColumnType,
}

#[derive(Debug, Clone)]
pub struct Header {
    /// The header line as it appears in the file (repeated headers are skipped too).
    pub raw: String,
    columns: Vec<Column>,
    has_user_name: bool,
}

/// Lowercase with every run of non-alphanumerics as one `_`: "Process ID" → "process_id".
pub fn normalize_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Does this line look like a CSV header (several names, none of them numbers)?
pub fn looks_like_header(line: &str) -> bool {
    let Some(cols) = split(line) else { return false };
    cols.len() >= 2
        && cols.iter().all(|c| {
            let c = c.trim();
            !c.is_empty()
                && c.len() <= 64
                && c.chars().next().is_some_and(|ch| ch.is_alphabetic() || ch == '_' || ch == '@')
                && c.chars().all(|ch| ch.is_alphanumeric() || " _-.@()/".contains(ch))
        })
}

impl Header {
    /// Builds the column mapping; `maps` (`--map COLUMN=FIELD`) win over the alias table.
    pub fn new(raw: &str, maps: &[(String, String)]) -> Option<Header> {
        let names = split(raw)?;
        let mut taken: Vec<String> = Vec::new();
        let mut columns = Vec::new();
        for name in names {
            let norm = normalize_name(&name);
            let user_map = maps.iter().find(|(c, _)| c == &name || normalize_name(c) == norm);
            let (mut target, kind) = match user_map {
                Some((_, field)) => (field.clone(), kind_of(field)),
                None => match ALIASES.iter().find(|(names, _, _)| names.contains(&norm.as_str())) {
                    Some((_, field, kind)) => (field.to_string(), *kind),
                    None => {
                        (format!("logward.csv.{}", if norm.is_empty() { "column" } else { &norm }), ColumnType::Str)
                    }
                },
            };
            // Two columns aliasing one field: the later one is kept under its own name.
            if taken.contains(&target) {
                target = format!("logward.csv.{norm}");
            }
            taken.push(target.clone());
            columns.push(Column { name, target, kind });
        }
        let has_user_name = columns.iter().any(|c| c.target == "user.name");
        Some(Header { raw: raw.to_string(), columns, has_user_name })
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

fn kind_of(field: &str) -> ColumnType {
    match field {
        "@timestamp" => ColumnType::Time,
        "event.outcome" => ColumnType::Outcome,
        f if f.ends_with(".pid") || f.ends_with(".port") || f.ends_with("status_code") || f.ends_with(".bytes") => {
            ColumnType::Int
        }
        f if f.ends_with(".ip") => ColumnType::Ip,
        _ => ColumnType::Str,
    }
}

/// Splits one CSV record (RFC 4180 quoting). `None` for an unterminated quote.
pub fn split(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return None;
    }
    out.push(cur);
    Some(out)
}

/// Parses a data row into `ev`.
pub fn parse(line: &str, header: &Header, zone: &Zone, year: i32, ev: &mut FlatEvent<'_>) -> Result<(), Reason> {
    let values = split(line)
        .ok_or_else(|| Reason::new(RejectKind::FormatMismatch, "CSV row has an unterminated quoted field"))?;
    if values.len() != header.len() {
        let detail = format!("CSV row has {} columns, the header has {}", values.len(), header.len());
        return Err(Reason::new(RejectKind::FormatMismatch, detail));
    }
    for (col, value) in header.columns.iter().zip(values) {
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        let keep_raw =
            |ev: &mut FlatEvent<'_>| ev.set(format!("logward.csv.{}", normalize_name(&col.name)), v.to_string());
        match col.kind {
            ColumnType::Str if col.target == "registry.data.strings" => {
                ev.set(col.target.clone(), Val::Strs(vec![Cow::Owned(v.to_string())]))
            }
            ColumnType::Str => ev.set(col.target.clone(), v.to_string()),
            ColumnType::Int => match v.parse::<i64>() {
                Ok(n) => ev.set(col.target.clone(), n),
                Err(_) => keep_raw(ev),
            },
            ColumnType::Ip => {
                if v.parse::<IpAddr>().is_ok() {
                    ev.set(col.target.clone(), v.to_string());
                    ev.push_unique("related.ip", Cow::Owned(v.to_string()));
                } else {
                    keep_raw(ev)
                }
            }
            ColumnType::Time => match time::parse_loose(v, zone, year) {
                Some(ts) => ev.set(col.target.clone(), Val::Time(ts)),
                None => keep_raw(ev),
            },
            ColumnType::Outcome => match outcome(v) {
                Some(o) => ev.set(col.target.clone(), o),
                None => keep_raw(ev),
            },
            ColumnType::UserId => {
                ev.set(col.target.clone(), v.to_string());
                if !header.has_user_name {
                    ev.set("user.name", v.to_string());
                }
            }
        }
    }
    if let Some(Val::Str(u)) = ev.get("user.name") {
        let u = u.clone().into_owned();
        ev.push_unique("related.user", Cow::Owned(u));
    }
    categorize(ev);
    Ok(())
}

fn outcome(v: &str) -> Option<&'static str> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "success" | "succeeded" | "successful" | "ok" | "allowed" | "allow" => {
            Some("success")
        }
        "false" | "0" | "no" | "n" | "failure" | "failed" | "fail" | "denied" | "deny" | "blocked" => Some("failure"),
        "unknown" => Some("unknown"),
        _ => None,
    }
}

/// Sets `event.category`/`event.type` (and `event.action` when absent) from the event type
/// column if it names one, otherwise from which fields the row has.
fn categorize(ev: &mut FlatEvent<'_>) {
    let hint = ev.get_str("logward.csv.event_type").unwrap_or("").to_ascii_lowercase();
    let action = ev.get_str("event.action").unwrap_or("").to_ascii_lowercase();
    let words = format!("{hint} {action}");
    let has = |ev: &FlatEvent<'_>, p: &str| ev.get(p).is_some();
    let category = if hint.contains("registry") || hint.starts_with("reg") {
        "registry"
    } else if hint.contains("file") {
        "file"
    } else if hint.contains("dns") || hint.contains("network") || hint.contains("connection") || hint.contains("conn") {
        "network"
    } else if ["login", "logon", "auth", "ssh", "signin", "sign_in"].iter().any(|w| hint.contains(w)) {
        "authentication"
    } else if hint.contains("process") || hint.contains("exec") {
        "process"
    } else if has(ev, "registry.path") {
        "registry"
    } else if has(ev, "file.path") || has(ev, "file.name") {
        "file"
    } else if has(ev, "destination.ip") || has(ev, "destination.port") || has(ev, "dns.question.name") {
        if ["login", "logon", "auth", "ssh"].iter().any(|w| action.contains(w))
            || (has(ev, "event.outcome") && has(ev, "user.name") && !has(ev, "process.pid"))
        {
            "authentication"
        } else {
            "network"
        }
    } else if ["login", "logon", "auth"].iter().any(|w| words.contains(w))
        || (has(ev, "event.outcome") && has(ev, "user.name"))
    {
        "authentication"
    } else if has(ev, "process.pid") || has(ev, "process.name") || has(ev, "process.command_line") {
        "process"
    } else {
        return;
    };
    let typ: &'static str = match category {
        "process" if ["terminat", "exit", "end", "stop", "kill"].iter().any(|w| words.contains(w)) => "end",
        "process" => "start",
        "network" if has(ev, "dns.question.name") => "protocol",
        "network" => "connection",
        "file" | "registry" if ["delet", "remov"].iter().any(|w| words.contains(w)) => "deletion",
        "file" | "registry" if ["creat", "new"].iter().any(|w| words.contains(w)) => "creation",
        "file" if ["read", "open", "access"].iter().any(|w| words.contains(w)) => "access",
        "file" | "registry" => "change",
        "authentication" if ev.get_str("event.outcome") == Some("success") => "start",
        _ => "info",
    };
    ev.set("event.category", Val::Strs(vec![Cow::Borrowed(category)]));
    ev.set("event.type", Val::Strs(vec![Cow::Borrowed(typ)]));
    if ev.get("event.action").is_none() && !hint.is_empty() {
        let a = ev.get_str("logward.csv.event_type").unwrap_or_default().to_string();
        ev.set("event.action", a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_handles_quotes() {
        assert_eq!(split(r#"a,"b,c","d""e",,"#).unwrap(), vec!["a", "b,c", "d\"e", "", ""]);
        assert!(split(r#"a,"b"#).is_none());
    }

    #[test]
    fn header_detection() {
        assert!(looks_like_header("timestamp,process_id,parent_process_id,process_name"));
        assert!(!looks_like_header("2024-01-01,1,2,bash"));
        assert!(!looks_like_header("just text"));
    }

    #[test]
    fn login_row_becomes_authentication_event() {
        let h = Header::new("timestamp,user_id,src_ip,dst_ip,action,success", &[]).unwrap();
        let mut ev = FlatEvent::new();
        parse("2024-05-01 03:12:00,u123,203.0.113.5,10.0.0.8,ssh_login,false", &h, &Zone::Utc, 2024, &mut ev).unwrap();
        let v = ev.to_value();
        assert_eq!(v["event"]["category"][0], "authentication");
        assert_eq!(v["event"]["outcome"], "failure");
        assert_eq!(v["user"]["id"], "u123");
        assert_eq!(v["user"]["name"], "u123");
        assert_eq!(v["@timestamp"], "2024-05-01T03:12:00Z");
    }

    #[test]
    fn map_and_unmapped_columns() {
        let h = Header::new("pid,Weird Col,proc", &[("proc".into(), "process.name".into())]).unwrap();
        let mut ev = FlatEvent::new();
        parse("42,x,bash", &h, &Zone::Utc, 2024, &mut ev).unwrap();
        let v = ev.to_value();
        assert_eq!(v["process"]["name"], "bash");
        assert_eq!(v["logward"]["csv"]["weird_col"], "x");
        assert_eq!(v["event"]["category"][0], "process");
        let mut ev = FlatEvent::new();
        assert!(parse("1,2", &h, &Zone::Utc, 2024, &mut ev).is_err());
    }
}
