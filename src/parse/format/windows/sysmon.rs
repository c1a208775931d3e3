//! Sysmon (`Microsoft-Windows-Sysmon/Operational`): processes with their entity ids
//! (`ProcessGuid` → `process.entity_id`, `ParentProcessGuid` → `process.parent.entity_id`),
//! network connections, files, registry, DNS, pipes and WMI, under the field names of
//! Winlogbeat's sysmon module (elastic/beats, `x-pack/winlogbeat/module/sysmon`).
//!
//! `@timestamp` stays TimeCreated (Winlogbeat takes Sysmon's own `UtcTime`, which is in
//! `winlog.event_data`), and `user.id` is not the Sysmon service's SID.

use super::ecs::{Hashes, Mapper, User};
use super::WinEvent;
use std::borrow::Cow;

type Kind = (&'static [&'static str], &'static [&'static str], &'static str);

/// `event.category`, `event.type` and `event.action` of a Sysmon event id.
pub fn kind(id: u32) -> Option<Kind> {
    const PROCESS: &[&str] = &["process"];
    const FILE: &[&str] = &["file"];
    const NETWORK: &[&str] = &["network"];
    const REGISTRY: &[&str] = &["configuration", "registry"];
    Some(match id {
        1 => (PROCESS, &["start"], "Process Create"),
        2 => (FILE, &["change"], "File creation time changed"),
        3 => (NETWORK, &["connection", "start", "protocol"], "Network connection detected"),
        4 => (PROCESS, &["change"], "Sysmon service state changed"),
        5 => (PROCESS, &["end"], "Process terminated"),
        6 => (&["driver"], &["start"], "Driver loaded"),
        7 => (PROCESS, &["change"], "Image loaded"),
        8 => (PROCESS, &["change"], "CreateRemoteThread detected"),
        9 => (PROCESS, &["access"], "RawAccessRead detected"),
        10 => (PROCESS, &["access"], "Process accessed"),
        11 => (FILE, &["creation"], "File created"),
        12 => (REGISTRY, &["change"], "Registry object added or deleted"),
        13 => (REGISTRY, &["change"], "Registry value set"),
        14 => (REGISTRY, &["change"], "Registry object renamed"),
        15 => (FILE, &["access"], "File stream created"),
        16 => (&["configuration"], &["change"], "Sysmon config state changed"),
        17 => (FILE, &["creation"], "Pipe Created"),
        18 => (FILE, &["access"], "Pipe Connected"),
        19 => (&[], &[], "WmiEventFilter activity detected"),
        20 => (&[], &[], "WmiEventConsumer activity detected"),
        21 => (&[], &[], "WmiEventConsumerToFilter activity detected"),
        22 => (NETWORK, &["connection", "protocol", "info"], "Dns query"),
        23 => (FILE, &["deletion"], "File Delete archived"),
        24 => (&[], &["change"], "Clipboard changed"),
        25 => (PROCESS, &["change"], "Process Tampering"),
        26 => (FILE, &["deletion"], "File Delete logged"),
        27 => (FILE, &["creation", "denied"], "File Block Executable"),
        28 => (FILE, &["deletion", "denied"], "File Block Shredding"),
        29 => (FILE, &["creation"], "File Executable Detected"),
        255 => (&[], &["error"], "Error report"),
        _ => return None,
    })
}

/// The Sysmon event `id`'s fields.
pub fn map<'s>(w: &WinEvent<'s>, id: u32, m: &mut Mapper<'s, '_>) {
    if let Some((category, types, action)) = kind(id) {
        m.kind(category, types, action);
    }
    m.set("rule.name", w.value("RuleName"));
    // The process an event is about: the one that started, or that did what it reports.
    let process = |m: &mut Mapper<'s, '_>, guid: &str, pid: &str, image: &str| {
        m.set("process.entity_id", w.value(guid));
        m.set_int("process.pid", w.value(pid).as_deref());
        m.executable("process.executable", "process.name", w.value(image));
    };
    let user = |m: &mut Mapper<'s, '_>| m.domain_user(User::Actor, w.value("User"));
    match id {
        1 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            m.command_line("process.command_line", "process.args", w.value("CommandLine"));
            m.set("process.working_directory", w.value("CurrentDirectory"));
            m.set("process.parent.entity_id", w.value("ParentProcessGuid"));
            m.set_int("process.parent.pid", w.value("ParentProcessId").as_deref());
            m.executable("process.parent.executable", "process.parent.name", w.value("ParentImage"));
            m.command_line("process.parent.command_line", "process.parent.args", w.value("ParentCommandLine"));
            m.set("process.pe.original_file_name", w.value("OriginalFileName"));
            m.set("process.pe.company", w.value("Company"));
            m.set("process.pe.description", w.value("Description"));
            m.set("process.pe.file_version", w.value("FileVersion"));
            m.set("process.pe.product", w.value("Product"));
            m.hashes(Hashes::Process, w.value("Hashes"));
            user(m);
        }
        2 | 11 | 15 | 23 | 26..=29 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            m.file(w.value("TargetFilename"));
            m.hashes(Hashes::File, w.value("Hash").or_else(|| w.value("Hashes")));
            user(m);
        }
        3 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            m.set("network.transport", w.value("Protocol"));
            m.set("network.protocol", w.value("DestinationPortName"));
            m.ip("source.ip", w.value("SourceIp"));
            m.set("source.domain", w.value("SourceHostname"));
            m.port("source.port", w.value("SourcePort").as_deref());
            m.ip("destination.ip", w.value("DestinationIp"));
            m.set("destination.domain", w.value("DestinationHostname"));
            m.port("destination.port", w.value("DestinationPort").as_deref());
            let direction = match w.value("Initiated").as_deref() {
                Some("true") => Some("egress"),
                Some("false") => Some("ingress"),
                _ => None,
            };
            m.set("network.direction", direction.map(Cow::Borrowed));
            let family = match w.value("SourceIsIpv6").as_deref() {
                Some("true") => Some("ipv6"),
                Some("false") => Some("ipv4"),
                _ => None,
            };
            m.set("network.type", family.map(Cow::Borrowed));
            user(m);
        }
        5 | 9 | 4 | 16 | 24 | 25 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            if id == 9 {
                m.file(w.value("Device"));
            }
            if id == 24 || id == 25 {
                user(m);
            }
        }
        6 | 7 => {
            if id == 7 {
                process(m, "ProcessGuid", "ProcessId", "Image");
                m.set("file.pe.original_file_name", w.value("OriginalFileName"));
                m.set("file.pe.company", w.value("Company"));
                m.set("file.pe.description", w.value("Description"));
                m.set("file.pe.file_version", w.value("FileVersion"));
                m.set("file.pe.product", w.value("Product"));
                user(m);
            }
            m.file(w.value("ImageLoaded"));
            m.set("file.code_signature.subject_name", w.value("Signature"));
            m.set("file.code_signature.status", w.value("SignatureStatus"));
            if let Some(signed) = w.value("Signed") {
                m.ev.set("file.code_signature.signed", signed.eq_ignore_ascii_case("true"));
                let valid = w.value("SignatureStatus").is_some_and(|s| s == "Valid");
                m.ev.set("file.code_signature.valid", valid);
            }
            m.hashes(Hashes::File, w.value("Hashes"));
        }
        8 | 10 => {
            let (guid, pid, image) = if id == 8 {
                ("SourceProcessGuid", "SourceProcessId", "SourceImage")
            } else {
                ("SourceProcessGUID", "SourceProcessId", "SourceImage")
            };
            process(m, guid, pid, image);
            if id == 10 {
                m.set_int("process.thread.id", w.value("SourceThreadId").as_deref());
            }
            m.domain_user(User::Actor, w.value("SourceUser"));
            m.domain_user(User::Target, w.value("TargetUser"));
        }
        12..=14 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            registry(w, m);
            user(m);
        }
        17 | 18 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            m.set("file.name", w.value("PipeName"));
            user(m);
        }
        19..=21 => {
            if id == 20 {
                m.executable("process.executable", "process.name", w.value("Destination"));
            }
            user(m);
        }
        22 => {
            process(m, "ProcessGuid", "ProcessId", "Image");
            m.set("network.protocol", Some(Cow::Borrowed("dns")));
            if let Some(q) = w.value("QueryName") {
                question(&q, m);
                m.set("dns.question.name", Some(q));
            }
            m.set("sysmon.dns.status", w.value("QueryStatus").map(|s| dns_status(&s)));
            answers(w.value("QueryResults"), m);
            user(m);
        }
        255 => m.set("error.code", w.value("ID")),
        _ => {}
    }
}

/// `registry.path`, `.hive`, `.key`, `.value` and (for numbers) `.data.*` of a registry event.
fn registry<'s>(w: &WinEvent<'s>, m: &mut Mapper<'s, '_>) {
    let Some(path) = w.value("TargetObject") else { return };
    let (first, rest) = path.split_once('\\').unwrap_or((&path, ""));
    let hive = match first.to_ascii_uppercase().as_str() {
        "HKEY_CLASSES_ROOT" | "HKCR" => Some("HKCR"),
        "HKEY_CURRENT_CONFIG" | "HKCC" => Some("HKCC"),
        "HKEY_CURRENT_USER" | "HKCU" => Some("HKCU"),
        "HKEY_DYN_DATA" | "HKDD" => Some("HKDD"),
        "HKEY_LOCAL_MACHINE" | "HKLM" => Some("HKLM"),
        "HKEY_PERFORMANCE_DATA" | "HKPD" => Some("HKPD"),
        "HKEY_USERS" | "HKU" => Some("HKU"),
        _ => None,
    };
    if let Some(h) = hive {
        m.set("registry.hive", Some(Cow::Borrowed(h)));
        if !rest.is_empty() {
            m.set("registry.key", Some(Cow::Owned(rest.to_string())));
        }
    }
    let value = path.rsplit('\\').next().unwrap_or("").to_string();
    if !value.is_empty() {
        m.set("registry.value", Some(Cow::Owned(value)));
    }
    if let Some(details) = w.value("Details") {
        let number = |prefix: &str| {
            details.strip_prefix(prefix).and_then(|r| r.strip_suffix(')')).map(|inner| inner.trim().to_string())
        };
        if let Some(hex) = number("DWORD (") {
            if let Some(n) = super::ecs::int(&hex) {
                m.ev.set("registry.data.type", "SZ_DWORD");
                m.ev.set("registry.data.strings", crate::event::Val::Strs(vec![Cow::Owned(n.to_string())]));
            }
        } else if let Some(pair) = number("QWORD (") {
            // Sysmon writes the high and the low half: `QWORD (0x00000001-0x00000002)`.
            if let Some((hi, lo)) = pair.split_once('-') {
                if let (Some(hi), Some(lo)) = (super::ecs::int(hi), super::ecs::int(lo)) {
                    let n = ((hi as u64) << 32) | (lo as u64 & 0xffff_ffff);
                    m.ev.set("registry.data.type", "SZ_QWORD");
                    m.ev.set("registry.data.strings", crate::event::Val::Strs(vec![Cow::Owned(n.to_string())]));
                }
            }
        }
    }
    m.set("registry.path", Some(path));
}

/// `dns.question.registered_domain`, `.subdomain` and `.top_level_domain` (public suffix
/// list).
fn question(name: &str, m: &mut Mapper<'_, '_>) {
    let name = name.trim_end_matches('.');
    let Some(suffix) = psl::suffix(name.as_bytes()) else { return };
    if !suffix.is_known() {
        return;
    }
    let tld = String::from_utf8_lossy(suffix.as_bytes()).into_owned();
    if let Some(domain) = psl::domain(name.as_bytes()) {
        let registered = String::from_utf8_lossy(domain.as_bytes()).into_owned();
        if let Some(sub) = name.strip_suffix(&registered).and_then(|s| s.strip_suffix('.')).filter(|s| !s.is_empty()) {
            m.ev.set("dns.question.subdomain", crate::event::Val::Str(Cow::Owned(sub.to_string())));
        }
        m.ev.set("dns.question.registered_domain", crate::event::Val::Str(Cow::Owned(registered)));
    }
    m.ev.set("dns.question.top_level_domain", crate::event::Val::Str(Cow::Owned(tld)));
}

/// A DNS query's status code as Windows names it (the common ones; others stay numbers).
fn dns_status(code: &str) -> Cow<'static, str> {
    Cow::Borrowed(match code.trim() {
        "0" => "SUCCESS",
        "5" => "ERROR_ACCESS_DENIED",
        "123" => "ERROR_INVALID_NAME",
        "1460" => "ERROR_TIMEOUT",
        "9002" => "DNS_ERROR_RCODE_SERVER_FAILURE",
        "9003" => "DNS_ERROR_RCODE_NAME_ERROR",
        "9501" => "DNS_INFO_NO_RECORDS",
        "9560" => "DNS_ERROR_INVALID_NAME_CHAR",
        "9701" => "DNS_ERROR_RECORD_DOES_NOT_EXIST",
        other => return Cow::Owned(other.to_string()),
    })
}

/// Sysmon's QueryResults (`type:  5 host.example;::ffff:192.0.2.1;`) as `dns.answers` and
/// `dns.resolved_ip`.
fn answers(results: Option<Cow<'_, str>>, m: &mut Mapper<'_, '_>) {
    let Some(results) = results else { return };
    let mut answers = Vec::new();
    let mut ips: Vec<Cow<'static, str>> = Vec::new();
    for part in results.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(rest) = part.strip_prefix("type:") {
            let mut it = rest.split_whitespace();
            if let (Some(t), Some(data)) = (it.next(), it.next()) {
                answers.push(serde_json::json!({"type": record_type(t), "data": data}));
            }
        } else {
            let ip = part.strip_prefix("::ffff:").unwrap_or(part);
            if let Ok(addr) = ip.parse::<std::net::IpAddr>() {
                let kind = if addr.is_ipv4() { "A" } else { "AAAA" };
                answers.push(serde_json::json!({"type": kind, "data": ip}));
                ips.push(Cow::Owned(ip.to_string()));
            }
        }
    }
    if !answers.is_empty() {
        m.ev.set("dns.answers", crate::event::Val::Json(serde_json::Value::Array(answers)));
    }
    if !ips.is_empty() {
        m.ev.set("dns.resolved_ip", crate::event::Val::Strs(ips));
    }
}

fn record_type(n: &str) -> String {
    match n {
        "1" => "A",
        "2" => "NS",
        "5" => "CNAME",
        "6" => "SOA",
        "12" => "PTR",
        "15" => "MX",
        "16" => "TXT",
        "28" => "AAAA",
        "33" => "SRV",
        "255" => "ANY",
        other => other,
    }
    .to_string()
}
