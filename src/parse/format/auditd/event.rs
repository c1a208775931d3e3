//! One ECS event from the records of one audit event, with the fields Filebeat's auditd
//! module writes (`user.*`, `process.*`, `source.*`, `event.action/category/type/outcome`
//! from go-libaudit's normalization table) and every record key kept under `auditd.log.*`
//! (a key several records or values share becomes an array, in record order), so Sigma's
//! auditd rules (`type`, `a0`, `key`, `exe`, `comm`, `SYSCALL`, ...) match.

use super::record::{is_arg_key, Record, PREFIX};
use super::tables::{self, Meaning};
use crate::event::{FlatEvent, FlatWriter, Val};
use crate::time::Timestamp;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::IpAddr;

/// What the written event needs from its file.
pub struct Context<'a> {
    pub path: Option<&'a str>,
    pub dataset: Option<&'a str>,
}

/// The executable and command line of processes seen executing, by pid, so an event's
/// `ppid` can name its parent (`process.parent.executable`, for Sigma's `ParentImage`).
/// Holds the last [`Parents::CAP`] processes.
#[derive(Default)]
pub struct Parents {
    by_pid: crate::fasthash::FastMap<i64, (String, String, String)>,
    order: VecDeque<i64>,
}

impl Parents {
    const CAP: usize = 8192;

    fn insert(&mut self, pid: i64, exe: &str, cmdline: &str, name: &str) {
        if self.by_pid.insert(pid, (exe.to_string(), cmdline.to_string(), name.to_string())).is_none() {
            self.order.push_back(pid);
            if self.order.len() > Self::CAP {
                if let Some(old) = self.order.pop_front() {
                    self.by_pid.remove(&old);
                }
            }
        }
    }
}

/// The record keys of a group with their values, in record order, deduplicated.
struct Merged<'a> {
    keys: Vec<(&'a str, Vec<&'a str>)>,
    index: crate::fasthash::FastMap<&'a str, usize>,
}

impl<'a> Merged<'a> {
    fn add(&mut self, prefixed: &'a str, value: &'a str) {
        let key = &prefixed[PREFIX.len()..];
        match self.index.get(key) {
            Some(&i) => {
                let vals = &mut self.keys[i].1;
                if !vals.contains(&value) {
                    vals.push(value);
                }
            }
            None => {
                self.index.insert(key, self.keys.len());
                self.keys.push((prefixed, vec![value]));
            }
        }
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.index.get(key).map(|&i| self.keys[i].1[0])
    }
}

/// Keys Filebeat writes as numbers.
const NUMERIC: &[&str] = &["lport", "rport", "entries", "dst_prefixlen", "ksize", "size", "src_prefixlen"];

/// Record types that come with a syscall and describe it (its arguments, paths, socket):
/// the event is about the syscall, not them.
const COMPANIONS: &[&str] = &[
    "SYSCALL",
    "EOE",
    "CWD",
    "PATH",
    "PROCTITLE",
    "EXECVE",
    "SOCKADDR",
    "SOCKETCALL",
    "OBJ_PID",
    "FD_PAIR",
    "MMAP",
    "BPRM_FCAPS",
    "CAPSET",
    "IPC",
    "MQ_OPEN",
    "MQ_SENDRECV",
    "MQ_NOTIFY",
    "MQ_GETSETATTR",
    "NETFILTER_CFG",
    "KERNEL_OTHER",
    "TIME_INJOFFSET",
    "TIME_ADJNTPVAL",
    "URINGOP",
    "OPENAT2",
];

fn meanings(kind: &str) -> &'static [Meaning] {
    match tables::RECORD_TYPES.binary_search_by_key(&kind, |&(k, _)| k) {
        Ok(i) => tables::RECORD_TYPES[i].1,
        Err(_) => &[],
    }
}

fn syscall_meaning(name: &str) -> Meaning {
    let find = |n: &str| tables::SYSCALLS.binary_search_by_key(&n, |&(k, _)| k).ok().map(|i| tables::SYSCALLS[i].1);
    find(name).or_else(|| find("*")).expect("the table has a catch-all")
}

/// `c000003e` → `x86_64`.
fn arch_name(arch: &str) -> &str {
    let code = arch.trim_start_matches("0x").to_ascii_lowercase();
    tables::ARCHES.iter().find(|(c, _)| *c == code).map_or(arch, |(_, n)| n)
}

/// The syscall's name: as enriched logs write it, or from its number on its architecture.
fn syscall_name<'a>(m: &Merged<'a>, arch: Option<&str>) -> Option<Cow<'a, str>> {
    if let Some(s) = m.get("SYSCALL") {
        return Some(Cow::Borrowed(s));
    }
    let s = m.get("syscall")?;
    let Ok(n) = s.parse::<u16>() else { return Some(Cow::Borrowed(s)) };
    let arch = arch_name(arch?);
    let table = tables::SYSCALL_NAMES.iter().find(|(a, _)| *a == arch)?.1;
    table.binary_search_by_key(&n, |&(k, _)| k).ok().map(|i| Cow::Borrowed(table[i].1))
}

fn one_or_many<'a>(vals: &[&'a str]) -> Val<'a> {
    if vals.len() == 1 {
        Val::Str(Cow::Borrowed(vals[0]))
    } else {
        Val::Strs(vals.iter().map(|v| Cow::Borrowed(*v)).collect())
    }
}

fn int(s: &str) -> Option<i64> {
    s.parse().ok()
}

/// `saddr` (a `struct sockaddr` in hex): family, address, port, or a socket path.
pub fn sockaddr(hex: &str) -> Option<(&'static str, Option<String>, Option<u16>)> {
    let b: Vec<u8> =
        (0..hex.len() / 2).map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect::<Option<_>>()?;
    let family = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    match family {
        2 if b.len() >= 8 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            Some(("ipv4", Some(std::net::Ipv4Addr::new(b[4], b[5], b[6], b[7]).to_string()), Some(port)))
        }
        10 if b.len() >= 24 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let a: [u8; 16] = b[8..24].try_into().ok()?;
            Some(("ipv6", Some(std::net::Ipv6Addr::from(a).to_string()), Some(port)))
        }
        1 => {
            let path = &b[2..];
            let path = match path.first() {
                // An abstract socket: a NUL, then the name.
                Some(0) => format!("@{}", String::from_utf8_lossy(&path[1..]).trim_end_matches('\0')),
                _ => String::from_utf8_lossy(path.split(|&c| c == 0).next().unwrap_or(&[])).into_owned(),
            };
            Some(("unix", Some(path), None))
        }
        16 => Some(("netlink", None, None)),
        _ => None,
    }
}

const EGRESS: &[&str] = &["connect", "sendto", "sendmsg", "sendmmsg", "send"];
const INGRESS: &[&str] = &["accept", "accept4", "recvfrom", "recvmsg", "recvmmsg", "recv"];

/// Writes the event of one group.
pub fn write(recs: &[Record], ctx: &Context<'_>, parents: &mut Parents, writer: &mut FlatWriter, out: &mut Vec<u8>) {
    let original = recs.iter().map(|r| r.original.as_str()).collect::<Vec<_>>().join("\n");
    let mut ev = FlatEvent::new();
    build(recs, &mut ev, parents);
    let lossy = recs.iter().any(|r| r.lossy);
    crate::parse::common_fields(ctx.dataset, &mut ev, "auditd.log", Some(&original), ctx.path, lossy);
    let lines: Vec<serde_json::Value> = recs.iter().map(|r| r.line.into()).collect();
    ev.set("logward.lines", Val::Json(serde_json::Value::Array(lines)));
    writer.write(&ev, out);
}

/// Sets a field unless an earlier step set it.
fn set_new<'a>(ev: &mut FlatEvent<'a>, path: &'static str, v: impl Into<Val<'a>>) {
    if ev.get(path).is_none() {
        ev.set(path, v);
    }
}

fn ip_or_address<'a>(ev: &mut FlatEvent<'a>, side: &'static str, addr: &'a str) {
    let (address, ip): (&'static str, &'static str) =
        if side == "source" { ("source.address", "source.ip") } else { ("destination.address", "destination.ip") };
    set_new(ev, address, addr);
    if addr.parse::<IpAddr>().is_ok() && ev.get(ip).is_none() {
        ev.set(ip, addr);
        ev.push_unique("related.ip", Cow::Borrowed(addr));
    }
}

fn build<'a>(recs: &'a [Record], ev: &mut FlatEvent<'a>, parents: &mut Parents) {
    let mut m = Merged { keys: Vec::with_capacity(48), index: Default::default() };
    let mut types: Vec<&str> = Vec::new();
    let mut args: Vec<(u32, u32, &str)> = Vec::new();
    let mut execve = false;
    let mut paths: Vec<&Record> = Vec::new();
    for r in recs {
        if r.kind != "EOE" && !types.contains(&r.kind.as_str()) {
            types.push(&r.kind);
        }
        match r.kind.as_str() {
            "EXECVE" => execve = true,
            "PATH" => paths.push(r),
            _ => {}
        }
        for (k, v) in r.prefixed() {
            let key = &k[PREFIX.len()..];
            if r.kind == "EXECVE" && is_arg_key(key) {
                let (n, piece) = match key[1..].split_once('[') {
                    Some((n, p)) => (n.parse().unwrap_or(0), p.trim_end_matches(']').parse().unwrap_or(0) + 1),
                    None => (key[1..].parse().unwrap_or(0), 0),
                };
                args.push((n, piece, v));
                if piece > 0 {
                    continue;
                }
            } else if r.kind == "EXECVE" && key.ends_with("_len") {
                continue;
            }
            m.add(k, v);
        }
    }
    // Identity and time.
    let id = recs.iter().find_map(|r| r.id);
    let syslog = recs.iter().find_map(|r| r.syslog.as_ref());
    match (id, syslog.and_then(|s| s.ts)) {
        (Some(id), _) => {
            let ts = Timestamp { secs: id.secs, nanos: id.millis * 1_000_000, frac_digits: 3 };
            ev.set("@timestamp", Val::Time(ts));
            ev.set("auditd.log.sequence", id.serial as i64);
        }
        (None, Some(ts)) => ev.set("@timestamp", Val::Time(ts)),
        _ => {}
    }
    if let Some(node) = recs.iter().find_map(|r| r.node.as_deref()) {
        ev.set("auditd.log.node", node);
        ev.set("host.name", node);
    } else if let Some(h) = syslog.and_then(|s| s.host.as_deref()) {
        ev.set("host.name", h);
    }
    if let Some(p) = syslog.and_then(|s| s.program.as_deref()) {
        ev.set("log.syslog.appname", p);
    }
    ev.set("auditd.log.record_type", one_or_many(&types));
    // Sigma's auditd rules name the record type `type`.
    ev.set("auditd.log.type", one_or_many(&types));
    // Arguments: whole ones, and long ones in numbered pieces.
    args.sort_by_key(|a| (a.0, a.1));
    let mut argv: Vec<Cow<'a, str>> = Vec::new();
    for (n, piece, v) in &args {
        match argv.get_mut(*n as usize) {
            Some(slot) if *piece > 1 => slot.to_mut().push_str(v),
            Some(_) => {}
            None => {
                while argv.len() < *n as usize {
                    argv.push(Cow::Borrowed(""));
                }
                argv.push(Cow::Borrowed(v));
            }
        }
    }
    // An argument logged in pieces (`a3[0]`, `a3[1]`) is kept whole as `a3`, beside the
    // SYSCALL record's `a3` when there is one.
    let pieced: Vec<(String, Cow<'a, str>)> = argv
        .iter()
        .enumerate()
        .filter(|(n, _)| args.iter().any(|x| x.0 == *n as u32 && x.1 > 0))
        .map(|(n, a)| (format!("a{n}"), a.clone()))
        .collect();
    for (k, vals) in &m.keys {
        let key = &k[PREFIX.len()..];
        if vals.len() == 1 && NUMERIC.contains(&key) {
            if let Some(n) = int(vals[0]) {
                ev.set(*k, n);
                continue;
            }
        }
        if let Some((_, whole)) = pieced.iter().find(|(a, _)| a == key) {
            let mut all: Vec<Cow<'a, str>> = vals.iter().map(|v| Cow::Borrowed(*v)).collect();
            all.push(whole.clone());
            ev.set(*k, Val::Strs(all));
            continue;
        }
        ev.set(*k, one_or_many(vals));
    }
    for (a, whole) in &pieced {
        if m.get(a).is_none() {
            ev.set(format!("{PREFIX}{a}"), Val::Str(whole.clone()));
        }
    }
    if let Some((action, request)) = recs.iter().find_map(|r| r.avc.as_ref()) {
        ev.set("auditd.log.avc.action", action.as_str());
        if !request.is_empty() {
            ev.set("auditd.log.avc.request", request.as_str());
        }
    }

    // What happened: the first record type with a meaning of its own, else the syscall.
    let arch = m.get("ARCH").or(m.get("arch"));
    let syscall = syscall_name(&m, arch);
    if let Some(s) = &syscall {
        if m.get("SYSCALL").is_none() && m.get("syscall").is_some_and(|v| v != s) {
            ev.set("auditd.log.SYSCALL", Val::Str(s.clone()));
        }
    }
    let primary = types.iter().find(|t| !COMPANIONS.contains(t)).copied();
    let meaning = primary
        .and_then(|t| {
            let ms = meanings(t);
            ms.iter().find(|x| x.4.iter().all(|f| m.get(f).is_some()) && !x.0.is_empty()).or(ms.first())
        })
        .copied()
        .or_else(|| syscall.as_deref().filter(|_| types.contains(&"SYSCALL")).map(syscall_meaning));
    let lead = primary.or(types.first().copied()).unwrap_or("");
    let mut action: Cow<'_, str> = match meaning {
        Some(x) if !x.0.is_empty() => Cow::Borrowed(x.0),
        _ => Cow::Owned(lead.to_ascii_lowercase()),
    };
    if lead == "AVC" && action == "avc" && recs.iter().any(|r| r.avc.is_some()) {
        action = Cow::Borrowed("violated-selinux-policy");
    }
    if execve {
        action = Cow::Borrowed("executed");
    }
    ev.set("event.action", Val::Str(Cow::Owned(action.into_owned())));
    if execve {
        ev.set("event.category", Val::Keywords(&["process"]));
        ev.set("event.type", Val::Keywords(&["start"]));
    } else if let Some(x) = meaning {
        if !x.1.is_empty() {
            ev.set("event.category", Val::Keywords(x.1));
        }
        if !x.2.is_empty() {
            ev.set("event.type", Val::Keywords(x.2));
        }
    }
    // Who: the copies the table names (actor, account acted on, group), then the plain ids.
    if let Some(x) = meaning {
        for (from, to) in x.3 {
            let Some(v) = from.iter().find_map(|f| m.get(f)) else { continue };
            let numeric = v.bytes().all(|b| b.is_ascii_digit());
            let path: &'static str = match (*to, numeric) {
                ("user", true) => "user.id",
                ("user", false) => "user.name",
                ("user.effective", true) => "user.effective.id",
                ("user.effective", false) => "user.effective.name",
                ("user.target", true) => "user.target.id",
                ("user.target", false) => "user.target.name",
                ("user.changes", true) => "user.changes.id",
                ("user.changes", false) => "user.changes.name",
                ("group", true) => "group.id",
                ("group", false) => "group.name",
                _ => continue,
            };
            set_new(ev, path, v);
        }
    }
    if let Some(v) = m.get("acct").or(m.get("user")) {
        set_new(ev, "user.name", v);
    }
    for (key, path) in [
        ("uid", "user.id"),
        ("gid", "user.group.id"),
        ("auid", "user.audit.id"),
        ("agid", "user.audit.group.id"),
        ("euid", "user.effective.id"),
        ("egid", "user.effective.group.id"),
        ("suid", "user.saved.id"),
        ("sgid", "user.saved.group.id"),
        ("fsuid", "user.filesystem.id"),
        ("fsgid", "user.filesystem.group.id"),
        ("UID", "user.name"),
        ("GID", "user.group.name"),
        ("AUID", "user.audit.name"),
        ("EUID", "user.effective.name"),
        ("EGID", "user.effective.group.name"),
        ("SUID", "user.saved.name"),
        ("SGID", "user.saved.group.name"),
        ("FSUID", "user.filesystem.name"),
        ("FSGID", "user.filesystem.group.name"),
        ("terminal", "user.terminal"),
    ] {
        if let Some(v) = m.get(key) {
            set_new(ev, path, v);
        }
    }
    let names: Vec<Cow<'a, str>> = ["user.name", "user.effective.name", "user.target.name", "user.audit.name"]
        .iter()
        .filter_map(|p| ev.get_str(p).map(|s| Cow::Owned(s.to_string())))
        .collect();
    for n in names {
        ev.push_unique("related.user", n);
    }
    // The process.
    let pid = m.get("pid").and_then(int);
    if let Some(p) = pid {
        ev.set("process.pid", p);
    } else if let Some(p) = syslog.and_then(|s| s.pid) {
        ev.set("process.pid", p);
    }
    let ppid = m.get("ppid").and_then(int);
    if let Some(p) = ppid {
        ev.set("process.parent.pid", p);
    }
    let comm = m.get("comm");
    if let Some(c) = comm {
        ev.set("process.name", c);
    }
    let exe = m.get("exe");
    if let Some(e) = exe {
        ev.set("process.executable", e);
    }
    if let Some(x) = m.get("exit").and_then(int) {
        ev.set("process.exit_code", x);
    }
    let cwd = m.get("cwd");
    if let Some(c) = cwd {
        ev.set("process.working_directory", c);
    }
    if let Some(t) = m.get("proctitle") {
        ev.set("process.title", t);
    }
    let mut cmdline: Option<String> = None;
    if execve && !argv.is_empty() {
        let line = argv.join(" ");
        ev.set("process.args_count", m.get("argc").and_then(int).unwrap_or(argv.len() as i64));
        ev.set("process.args", Val::Strs(argv));
        cmdline = Some(line);
    } else if let Some(cmd) = m.get("cmd") {
        let parts: Vec<Cow<'a, str>> = cmd.split_whitespace().map(Cow::Borrowed).collect();
        ev.set("process.args_count", parts.len() as i64);
        ev.set("process.args", Val::Strs(parts));
        cmdline = Some(cmd.to_string());
    }
    if let Some(parent) = ppid.and_then(|p| parents.by_pid.get(&p)) {
        ev.set("process.parent.executable", Val::Str(Cow::Owned(parent.0.clone())));
        if !parent.1.is_empty() {
            ev.set("process.parent.command_line", Val::Str(Cow::Owned(parent.1.clone())));
        }
        if !parent.2.is_empty() {
            ev.set("process.parent.name", Val::Str(Cow::Owned(parent.2.clone())));
        }
    }
    if execve {
        if let (Some(p), Some(e)) = (pid, exe) {
            parents.insert(p, e, cmdline.as_deref().unwrap_or(""), comm.unwrap_or(""));
        }
    }
    if let Some(c) = cmdline {
        ev.set("process.command_line", c);
    }
    // An EXECVE record alone names no executable: its first argument is the best there is
    // (as Filebeat does).
    if exe.is_none() && execve {
        if let Some(Val::Strs(a)) = ev.get("process.args") {
            let first = a[0].clone();
            ev.set("process.executable", Val::Str(first));
        }
    }
    if let Some(a) = arch {
        ev.set("host.architecture", arch_name(a));
    }
    // Outcome.
    let outcome = match (m.get("res"), m.get("success")) {
        (Some("success" | "1" | "yes"), _) => Some("success"),
        (Some("failed" | "0" | "no" | "failure"), _) => Some("failure"),
        (Some(_), _) => Some("unknown"),
        (None, Some("yes")) => Some("success"),
        (None, Some("no")) => Some("failure"),
        _ => None,
    };
    let denied = recs.iter().any(|r| r.avc.as_ref().is_some_and(|a| a.0 == "denied"))
        || m.get("apparmor").is_some_and(|a| a.eq_ignore_ascii_case("denied"));
    if let Some(o) = if denied { Some("failure") } else { outcome } {
        ev.set("event.outcome", o);
    }
    // Addresses.
    if let Some(a) = m.get("addr") {
        ip_or_address(ev, "source", a);
    }
    if let Some(a) = m.get("src") {
        ip_or_address(ev, "source", a);
    }
    if let Some(a) = m.get("dst") {
        ip_or_address(ev, "destination", a);
    }
    let sys = syscall.as_deref().unwrap_or("");
    if types.contains(&"SYSCALL") {
        if EGRESS.contains(&sys) {
            ev.set("network.direction", "egress");
        } else if INGRESS.contains(&sys) {
            ev.set("network.direction", "ingress");
        }
    }
    if let Some((family, addr, port)) = m.get("saddr").and_then(sockaddr) {
        ev.set("auditd.log.socket.family", family);
        let side = if EGRESS.contains(&sys) {
            Some(("destination.ip", "destination.port"))
        } else if INGRESS.contains(&sys) {
            Some(("source.ip", "source.port"))
        } else if sys == "bind" || sys == "listen" {
            Some(("server.ip", "server.port"))
        } else {
            None
        };
        if let Some(a) = addr {
            match family {
                "unix" => ev.set("auditd.log.socket.path", a),
                _ => {
                    if let Some((ip, port_path)) = side {
                        ev.set(ip, a.clone());
                        if let Some(p) = port {
                            ev.set(port_path, p as i64);
                        }
                        ev.push_unique("related.ip", Cow::Owned(a.clone()));
                    }
                    ev.set("auditd.log.socket.addr", a);
                    if let Some(p) = port {
                        ev.set("auditd.log.socket.port", p as i64);
                    }
                }
            }
        }
    }
    // The file: the path created or deleted, else the first that is not a parent directory.
    let chosen = paths
        .iter()
        .find(|r| matches!(r.get("nametype"), Some("CREATE" | "DELETE")))
        .or_else(|| paths.iter().find(|r| r.get("nametype") != Some("PARENT")))
        .or(paths.first());
    if let Some(p) = chosen {
        if let Some(name) = p.get("name") {
            match cwd.filter(|_| !name.starts_with('/')) {
                Some(dir) => ev.set("file.path", format!("{}/{}", dir.trim_end_matches('/'), name)),
                None => ev.set("file.path", name),
            }
            if let Some(base) = name.rsplit('/').next().filter(|b| !b.is_empty()) {
                ev.set("file.name", base);
            }
        }
        if let Some(mode) = p.get("mode") {
            let perm = &mode[mode.len().saturating_sub(4)..];
            ev.set("file.mode", perm);
        }
        for (key, path) in [
            ("inode", "file.inode"),
            ("ouid", "file.uid"),
            ("ogid", "file.gid"),
            ("OUID", "file.owner"),
            ("OGID", "file.group"),
        ] {
            if let Some(v) = p.get(key) {
                ev.set(path, v);
            }
        }
    }
    // Virtual machines (as Filebeat writes them).
    if types.contains(&"VIRT_CONTROL") {
        let t: Option<&'static [&'static str]> = match m.get("op") {
            Some("start") => Some(&["start"]),
            Some("stop") => Some(&["end"]),
            Some("create") => Some(&["creation"]),
            Some("delete") => Some(&["deletion"]),
            _ => None,
        };
        if let Some(t) = t {
            ev.set("event.type", Val::Keywords(t));
        }
    }
    if types.contains(&"VIRT_MACHINE_ID") {
        ev.set("event.type", Val::Keywords(&["creation"]));
        if let Some(vm) = m.get("vm") {
            ev.set("container.name", vm);
        }
        if let Some(v) = m.get("virt") {
            ev.set("container.runtime", v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_addresses() {
        assert_eq!(sockaddr("02000050C0A80001").unwrap(), ("ipv4", Some("192.168.0.1".into()), Some(80)));
        let v6 = "0A0001BB000000002001067C2E8000000000000000000002";
        assert_eq!(sockaddr(&format!("{v6}00000000")).unwrap(), ("ipv6", Some("2001:67c:2e80::2".into()), Some(443)));
        assert_eq!(
            sockaddr("01002F7661722F72756E2F6E7363642F736F636B657400").unwrap().1.unwrap(),
            "/var/run/nscd/socket"
        );
        assert_eq!(sockaddr("100000000000000000000000").unwrap().0, "netlink");
        assert!(sockaddr("zz").is_none());
    }

    #[test]
    fn syscall_names_by_architecture() {
        let rec = super::super::record::parse("type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59", 1, false, "")
            .unwrap();
        let mut m = Merged { keys: Vec::new(), index: Default::default() };
        for (k, v) in rec.prefixed() {
            m.add(k, v);
        }
        assert_eq!(syscall_name(&m, Some("c000003e")).as_deref(), Some("execve"));
        assert_eq!(syscall_name(&m, Some("40000003")).as_deref(), Some("oldolduname"));
        assert_eq!(arch_name("c00000b7"), "aarch64");
    }
}
