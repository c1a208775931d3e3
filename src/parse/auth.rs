//! Linux authentication messages inside syslog: sshd, PAM, sudo, su, login, user and group
//! management, cron and systemd-logind sessions → ECS `event.*`, `user.*`, `source.*`.

use crate::event::{FlatEvent, Val};
use std::borrow::Cow;
use std::net::IpAddr;

/// Programs whose lines belong to `system.auth` even when the message is not one we map.
const AUTH_PROGRAMS: &[&str] = &[
    "sshd",
    "sudo",
    "su",
    "login",
    "useradd",
    "usermod",
    "userdel",
    "groupadd",
    "groupmod",
    "groupdel",
    "passwd",
    "chpasswd",
    "chage",
    "chfn",
    "chsh",
    "gpasswd",
    "newusers",
    "systemd-logind",
    "cron",
    "CRON",
    "crond",
    "polkitd",
    "pam",
    "unix_chkpwd",
    "gdm-password",
    "sshd-session",
    "doas",
    "pkexec",
    "dbus-daemon-launch-helper",
];

pub fn is_auth_program(program: &str) -> bool {
    // "sshd(pam_unix)" is the older PAM tag style.
    let base = program.split('(').next().unwrap_or(program);
    AUTH_PROGRAMS.contains(&base) || program.contains("(pam_")
}

/// A small cursor for matching fixed message shapes without regex.
struct Cur<'a>(&'a str);

impl<'a> Cur<'a> {
    fn lit(&mut self, p: &str) -> Option<()> {
        self.0 = self.0.strip_prefix(p)?;
        Some(())
    }
    /// Up to the next space (not empty).
    fn word(&mut self) -> Option<&'a str> {
        let end = self.0.find(' ').unwrap_or(self.0.len());
        let w = &self.0[..end];
        self.0 = self.0[end..].strip_prefix(' ').unwrap_or(&self.0[end..]);
        (!w.is_empty()).then_some(w)
    }
    /// Up to `delim` (may be empty), consuming the delimiter.
    fn until(&mut self, delim: &str) -> Option<&'a str> {
        let i = self.0.find(delim)?;
        let w = &self.0[..i];
        self.0 = &self.0[i + delim.len()..];
        Some(w)
    }
    fn rest(&self) -> &'a str {
        self.0
    }
}

struct Auth<'e, 'a> {
    ev: &'e mut FlatEvent<'a>,
}

impl<'a> Auth<'_, 'a> {
    fn kind(
        &mut self,
        action: &'static str,
        category: &'static [&'static str],
        typ: &'static [&'static str],
        outcome: Option<&'static str>,
    ) {
        self.ev.set("event.action", action);
        self.ev.set("event.category", Val::Keywords(category));
        self.ev.set("event.type", Val::Keywords(typ));
        if let Some(o) = outcome {
            self.ev.set("event.outcome", o);
        }
    }
    fn user(&mut self, path: &'static str, name: &'a str) {
        if name.is_empty() {
            return;
        }
        self.ev.set(path, name);
        self.ev.push_unique("related.user", Cow::Borrowed(name));
    }
    /// A remote address that may be an IP (→ `source.ip`) or a host name (→ `source.domain`).
    fn source(&mut self, addr: &'a str) {
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        if addr.is_empty() {
            return;
        }
        if addr.parse::<IpAddr>().is_ok() {
            self.ev.set("source.ip", addr);
            self.ev.push_unique("related.ip", Cow::Borrowed(addr));
        } else if !matches!(addr, "(null)" | "UNKNOWN" | "unknown") {
            self.ev.set("source.domain", addr);
        }
    }
    /// `22`, or `5556:11:` as in "port 5556:11: Bye Bye".
    fn port(&mut self, p: &str) {
        let digits = p.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("");
        if let Ok(n) = digits.parse::<i64>() {
            self.ev.set("source.port", n);
        }
    }
}

/// Maps a recognized auth message into the event. Returns whether it recognized it.
pub fn classify<'a>(program: &str, msg: &'a str, ev: &mut FlatEvent<'a>) -> bool {
    let base = program.split(['(', '[']).next().unwrap_or(program);
    let mut a = Auth { ev };

    match base {
        "sshd" | "sshd-session" => sshd(msg, &mut a).is_some() || pam(msg, &mut a).is_some(),
        "sudo" => sudo(msg, &mut a).is_some() || pam(msg, &mut a).is_some(),
        "su" => su(msg, &mut a).is_some() || pam(msg, &mut a).is_some(),
        "useradd" | "usermod" | "userdel" | "groupadd" | "groupmod" | "groupdel" | "gpasswd" | "newusers" | "chfn"
        | "chsh" => accounts(msg, &mut a).is_some(),
        "passwd" | "chpasswd" | "chage" => passwd(msg, &mut a).is_some() || pam(msg, &mut a).is_some(),
        "systemd-logind" => logind(msg, &mut a).is_some(),
        "cron" | "CRON" | "crond" => cron(msg, &mut a).is_some() || pam(msg, &mut a).is_some(),
        "login" => login(msg, &mut a).is_some() || pam(msg, &mut a).is_some(),
        _ => pam(msg, &mut a).is_some(),
    }
}

/// The common tail of sshd messages: `[invalid user ]USER from ADDR[ port N]`.
fn user_from<'a>(c: &mut Cur<'a>, a: &mut Auth<'_, 'a>) -> Option<()> {
    let invalid = c.lit("invalid user ").is_some();
    let user = c.until(" from ")?;
    let addr = c.word()?;
    if invalid {
        a.ev.set("logward.auth.invalid_user", true);
    }
    a.user("user.name", user);
    a.source(addr);
    if c.lit("port ").is_some() {
        a.port(c.word()?);
    }
    Some(())
}

fn sshd<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    let m = msg.strip_prefix("error: ").unwrap_or(msg);
    let mut c = Cur(m);
    if c.lit("Accepted ").is_some() {
        let method = c.word()?;
        c.lit("for ")?;
        let user = c.until(" from ")?;
        let ip = c.word()?;
        c.lit("port ")?;
        let port = c.word()?;
        a.kind("ssh_login", &["authentication", "session"], &["start"], Some("success"));
        a.ev.set("logward.auth.method", method);
        a.user("user.name", user);
        a.source(ip);
        a.port(port);
        if let Some(sig) = c.rest().split_once(": ").map(|(_, s)| s) {
            a.ev.set("logward.auth.signature", sig);
        }
        return Some(());
    }
    let mut c = Cur(m);
    if c.lit("Failed ").is_some() {
        let method = c.word()?;
        c.lit("for ")?;
        a.kind("ssh_login", &["authentication"], &["info"], Some("failure"));
        a.ev.set("logward.auth.method", method);
        return user_from(&mut c, a);
    }
    let mut c = Cur(m);
    if c.lit("Invalid user ").is_some() {
        a.kind("invalid_user", &["authentication"], &["info"], Some("failure"));
        a.ev.set("logward.auth.invalid_user", true);
        return user_from(&mut c, a);
    }
    let mut c = Cur(m);
    if c.lit("input_userauth_request: invalid user ").is_some() {
        let user = c.rest().trim_end_matches(" [preauth]");
        a.kind("invalid_user", &["authentication"], &["info"], Some("failure"));
        a.ev.set("logward.auth.invalid_user", true);
        a.user("user.name", user);
        return Some(());
    }
    let mut c = Cur(m);
    if c.lit("maximum authentication attempts exceeded for ").is_some() {
        a.kind("max_auth_attempts_exceeded", &["authentication"], &["info"], Some("failure"));
        return user_from(&mut c, a);
    }
    let mut c = Cur(m);
    if c.lit("Did not receive identification string from ").is_some() {
        let ip = c.word()?;
        a.kind("ssh_no_identification", &["network"], &["connection"], Some("failure"));
        a.source(ip);
        if c.lit("port ").is_some() {
            a.port(c.word()?);
        }
        return Some(());
    }
    if m.ends_with("POSSIBLE BREAK-IN ATTEMPT!") {
        // "reverse mapping checking getaddrinfo for HOST [IP] failed - POSSIBLE BREAK-IN ATTEMPT!"
        // "Address IP maps to HOST, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!"
        a.kind("possible_break_in_attempt", &["network", "intrusion_detection"], &["info"], None);
        let mut c = Cur(m);
        if c.lit("reverse mapping checking getaddrinfo for ").is_some() {
            let host = c.word()?;
            a.ev.set("source.domain", host);
            a.source(c.word()?);
        } else {
            let mut c = Cur(m);
            c.lit("Address ")?;
            a.source(c.word()?);
            c.lit("maps to ")?;
            a.ev.set("source.domain", c.until(",")?);
        }
        return Some(());
    }
    // Disconnects before authentication finished, in their several spellings.
    for (prefix, action) in [
        ("Connection closed by ", "ssh_connection_closed"),
        ("Disconnected from ", "ssh_disconnected"),
        ("Received disconnect from ", "ssh_disconnected"),
        ("Connection reset by ", "ssh_connection_closed"),
        ("Timeout before authentication for ", "ssh_connection_closed"),
    ] {
        let mut c = Cur(m);
        if c.lit(prefix).is_some() {
            let preauth = m.ends_with("[preauth]");
            a.kind(action, &["network"], &["end"], preauth.then_some("failure"));
            let invalid = c.lit("invalid user ").is_some();
            let authenticating = c.lit("authenticating user ").is_some();
            let named = invalid || authenticating || c.lit("user ").is_some();
            if named {
                let user = c.word()?;
                a.user("user.name", user);
            }
            if invalid {
                a.ev.set("logward.auth.invalid_user", true);
            }
            a.source(c.word()?.trim_end_matches(':'));
            if c.lit("port ").is_some() {
                a.port(c.word()?);
            }
            return Some(());
        }
    }
    let mut c = Cur(m);
    if c.lit("Disconnecting").is_some() && m.contains("Too many authentication failures") {
        a.kind("max_auth_attempts_exceeded", &["authentication"], &["info"], Some("failure"));
        if let Some(rest) = m.split_once(" for ").map(|(_, r)| r) {
            let mut c = Cur(rest);
            let invalid = c.lit("invalid user ").is_some();
            if let Some(user) = c.word() {
                if user != "[preauth]" {
                    a.user("user.name", user);
                }
            }
            if invalid {
                a.ev.set("logward.auth.invalid_user", true);
            }
        }
        return Some(());
    }
    let mut c = Cur(m);
    if c.lit("subsystem request for ").is_some() {
        let sub = c.word()?;
        a.kind("ssh_subsystem_request", &["session"], &["info"], None);
        a.ev.set("logward.ssh.subsystem", sub);
        if c.lit("by user ").is_some() {
            a.user("user.name", c.word()?);
        }
        return Some(());
    }
    None
}

/// PAM messages, with or without the `pam_unix(svc:kind): ` prefix.
fn pam<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    let body = match msg.find("): ") {
        Some(i) if msg.starts_with("pam_") => &msg[i + 3..],
        _ => msg,
    };
    if body.starts_with("authentication failure;") || body.contains(" more authentication failure") {
        a.kind("authentication_failure", &["authentication"], &["info"], Some("failure"));
        if let Some(n) = body.strip_prefix("PAM ").and_then(|r| r.split(' ').next()).and_then(|n| n.parse::<i64>().ok())
        {
            a.ev.set("logward.auth.repeated", n);
        }
        for kv in body.split([' ', ';']) {
            match kv.split_once('=') {
                Some(("rhost", v)) => a.source(v),
                Some(("user", v)) => a.user("user.name", v),
                Some(("ruser", v)) if !v.is_empty() => a.ev.set("logward.auth.ruser", v),
                _ => {}
            }
        }
        return Some(());
    }
    let mut c = Cur(body);
    if c.lit("session opened for user ").is_some() {
        let target = c.word()?;
        a.kind("session_opened", &["session"], &["start"], Some("success"));
        // "by alice(uid=1000)": alice opened a session as the target user.
        let by =
            c.lit("by ").and_then(|_| c.word()).map(|b| b.split('(').next().unwrap_or(b)).filter(|b| !b.is_empty());
        match by {
            Some(by) if by != target => {
                a.user("user.name", by);
                a.user("user.effective.name", target);
            }
            _ => a.user("user.name", target),
        }
        return Some(());
    }
    let mut c = Cur(body);
    if c.lit("session closed for user ").is_some() {
        a.kind("session_closed", &["session"], &["end"], Some("success"));
        a.user("user.name", c.word()?);
        return Some(());
    }
    let mut c = Cur(body);
    if c.lit("check pass; user unknown").is_some() {
        a.kind("authentication_failure", &["authentication"], &["info"], Some("failure"));
        a.ev.set("logward.auth.invalid_user", true);
        return Some(());
    }
    let mut c = Cur(body);
    if c.lit("password changed for ").is_some() {
        a.kind("password_changed", &["iam"], &["user", "change"], Some("success"));
        a.user("user.target.name", c.word()?);
        return Some(());
    }
    None
}

/// `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls`, with an optional
/// error between the user and the TTY (`user NOT in sudoers`, `3 incorrect password attempts`).
fn sudo<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    let (user, rest) = msg.split_once(" : ")?;
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return None;
    }
    let mut error = None;
    let mut fields = rest;
    if !rest.starts_with("TTY=") && !rest.starts_with("PWD=") {
        let (e, r) = rest.split_once(" ; ")?;
        error = Some(e);
        fields = r;
    }
    a.user("user.name", user);
    for part in fields.split(" ; ") {
        match part.split_once('=') {
            Some(("TTY", v)) => a.ev.set("logward.sudo.tty", v),
            Some(("PWD", v)) => a.ev.set("logward.sudo.pwd", v),
            Some(("USER", v)) => a.user("user.effective.name", v),
            Some(("COMMAND", v)) => a.ev.set("logward.sudo.command", v),
            _ => {}
        }
    }
    match error {
        None => a.kind("sudo_command", &["process"], &["start"], Some("success")),
        Some(e) => {
            a.ev.set("logward.sudo.error", e);
            if e.contains("NOT in sudoers") {
                a.kind("sudo_not_in_sudoers", &["authentication"], &["denied"], Some("failure"));
            } else if e.contains("incorrect password") {
                a.kind("sudo_failure", &["authentication"], &["info"], Some("failure"));
            } else {
                a.kind("sudo_failure", &["process"], &["denied"], Some("failure"));
            }
        }
    }
    Some(())
}

fn su<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    // "Successful su for root by alice", "FAILED su for root by alice"
    for (prefix, outcome) in [("Successful su for ", "success"), ("FAILED su for ", "failure")] {
        let mut c = Cur(msg);
        if c.lit(prefix).is_some() {
            let target = c.word()?;
            c.lit("by ")?;
            a.kind("su", &["authentication"], if outcome == "success" { &["start"] } else { &["info"] }, Some(outcome));
            a.user("user.name", c.word()?);
            a.user("user.target.name", target);
            return Some(());
        }
    }
    // "+ pts/0 alice:root" (success) and "- pts/0 alice:root" (failure)
    let (sign, rest) = msg.split_at_checked(2)?;
    let outcome = match sign {
        "+ " => "success",
        "- " => "failure",
        _ => return None,
    };
    let mut c = Cur(rest);
    c.word()?;
    let (from, to) = c.word()?.split_once(':')?;
    a.kind("su", &["authentication"], if outcome == "success" { &["start"] } else { &["info"] }, Some(outcome));
    a.user("user.name", from);
    a.user("user.target.name", to);
    Some(())
}

/// `key=value, key=value` lists in useradd/groupadd messages.
fn kv<'a>(list: &'a str, key: &str) -> Option<&'a str> {
    list.split(", ").find_map(|p| p.trim().strip_prefix(key)?.strip_prefix('='))
}

fn quoted(s: &str) -> Option<&str> {
    let start = s.find('\'')?;
    let end = start + 1 + s[start + 1..].find('\'')?;
    Some(&s[start + 1..end])
}

fn accounts<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    if let Some(list) = msg.strip_prefix("new user: ") {
        a.kind("user_created", &["iam"], &["user", "creation"], Some("success"));
        a.user("user.name", kv(list, "name")?);
        if let Some(uid) = kv(list, "UID") {
            a.ev.set("user.id", uid);
        }
        if let Some(gid) = kv(list, "GID") {
            a.ev.set("group.id", gid);
        }
        if let Some(home) = kv(list, "home") {
            a.ev.set("logward.account.home", home);
        }
        if let Some(shell) = kv(list, "shell") {
            a.ev.set("logward.account.shell", shell);
        }
        return Some(());
    }
    if let Some(list) = msg.strip_prefix("new group: ").or_else(|| msg.strip_prefix("group added to /etc/group: ")) {
        a.kind("group_created", &["iam"], &["group", "creation"], Some("success"));
        a.ev.set("group.name", kv(list, "name")?);
        if let Some(gid) = kv(list, "GID") {
            a.ev.set("group.id", gid);
        }
        return Some(());
    }
    if msg.starts_with("group added to /etc/gshadow") || msg.starts_with("new group added") {
        a.kind("group_created", &["iam"], &["group", "creation"], Some("success"));
        if let Some(name) = kv(msg.split_once(": ")?.1, "name") {
            a.ev.set("group.name", name);
        }
        return Some(());
    }
    if msg.starts_with("add '") && msg.contains(" group '") {
        a.kind("user_added_to_group", &["iam"], &["user", "change", "group"], Some("success"));
        let user = quoted(msg)?;
        a.user("user.name", user);
        let group_part = msg.split_once(" group ")?.1;
        a.ev.set("group.name", quoted(group_part)?);
        return Some(());
    }
    if msg.starts_with("delete user '") {
        a.kind("user_deleted", &["iam"], &["user", "deletion"], Some("success"));
        a.user("user.name", quoted(msg)?);
        return Some(());
    }
    if msg.starts_with("removed group '") || (msg.starts_with("group '") && msg.contains("removed")) {
        a.kind("group_deleted", &["iam"], &["group", "deletion"], Some("success"));
        a.ev.set("group.name", quoted(msg)?);
        return Some(());
    }
    if msg.starts_with("changed user '")
        || msg.starts_with("change user '")
        || msg.starts_with("lock user '")
        || msg.starts_with("unlock user '")
    {
        a.kind("user_modified", &["iam"], &["user", "change"], Some("success"));
        a.user("user.name", quoted(msg)?);
        return Some(());
    }
    None
}

fn passwd<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    let mut c = Cur(msg);
    if c.lit("password for '").is_some() && msg.ends_with("changed by 'root'") || msg.contains("password changed for ")
    {
        a.kind("password_changed", &["iam"], &["user", "change"], Some("success"));
        let user = quoted(msg).or_else(|| msg.split("password changed for ").nth(1))?;
        a.user("user.target.name", user.trim());
        return Some(());
    }
    None
}

fn logind<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    let mut c = Cur(msg);
    if c.lit("New session ").is_some() {
        let id = c.word()?;
        c.lit("of user ")?;
        a.kind("session_started", &["session"], &["start"], Some("success"));
        a.ev.set("logward.session.id", id);
        a.user("user.name", c.rest().trim_end_matches('.'));
        return Some(());
    }
    let mut c = Cur(msg);
    if c.lit("Removed session ").is_some() {
        a.kind("session_removed", &["session"], &["end"], Some("success"));
        a.ev.set("logward.session.id", c.rest().trim_end_matches('.'));
        return Some(());
    }
    let mut c = Cur(msg);
    if c.lit("Session ").is_some() {
        let id = c.word()?;
        c.lit("logged out.")?;
        a.kind("session_logged_out", &["session"], &["end"], Some("success"));
        a.ev.set("logward.session.id", id);
        return Some(());
    }
    None
}

fn cron<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    // "(root) CMD (command)"
    let mut c = Cur(msg);
    c.lit("(")?;
    let user = c.until(") ")?;
    if c.lit("CMD (").is_some() {
        a.kind("cron_command", &["process"], &["start"], Some("success"));
        a.user("user.name", user);
        a.ev.set("logward.cron.command", c.rest().strip_suffix(')').unwrap_or(c.rest()));
        return Some(());
    }
    None
}

fn login<'a>(msg: &'a str, a: &mut Auth<'_, 'a>) -> Option<()> {
    // "FAILED LOGIN 1 FROM 10.0.0.5 FOR root, Authentication failure"
    let mut c = Cur(msg);
    if c.lit("FAILED LOGIN ").is_some() {
        c.word()?;
        c.lit("FROM ")?;
        let from = c.word()?;
        c.lit("FOR ")?;
        let user = c.until(",").unwrap_or(c.rest());
        a.kind("login", &["authentication"], &["info"], Some("failure"));
        a.source(from);
        a.user("user.name", user);
        return Some(());
    }
    let mut c = Cur(msg);
    if c.lit("ROOT LOGIN ON ").is_some() {
        a.kind("login", &["authentication", "session"], &["start"], Some("success"));
        a.user("user.name", "root");
        a.ev.set("logward.auth.tty", c.rest());
        return Some(());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(program: &str, msg: &str) -> Value {
        let mut ev = FlatEvent::new();
        assert!(classify(program, msg, &mut ev), "not recognized: {program}: {msg}");
        ev.to_value()
    }

    #[test]
    fn sshd_failed_invalid_user() {
        let v = run("sshd", "Failed password for invalid user admin from 2001:db8::5 port 4242 ssh2");
        assert_eq!(v["event"]["outcome"], "failure");
        assert_eq!(v["user"]["name"], "admin");
        assert_eq!(v["source"], json!({"ip": "2001:db8::5", "port": 4242}));
        assert_eq!(v["logward"]["auth"]["invalid_user"], true);
        assert_eq!(v["related"], json!({"ip": ["2001:db8::5"], "user": ["admin"]}));
    }

    #[test]
    fn sudo_variants() {
        let v =
            run("sudo", "  tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls");
        assert_eq!(v["event"]["action"], "sudo_not_in_sudoers");
        assert_eq!(v["user"], json!({"name": "tsg", "effective": {"name": "root"}}));
        let v = run(
            "sudo",
            "alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
        );
        assert_eq!(v["event"]["action"], "sudo_failure");
        assert_eq!(v["logward"]["sudo"]["command"], "/usr/bin/id");
    }

    #[test]
    fn pam_rhost_and_user() {
        let v = run(
            "sshd(pam_unix)",
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4  user=root",
        );
        assert_eq!(v["source"]["ip"], "218.188.2.4");
        assert_eq!(v["user"]["name"], "root");
        let v = run("sshd", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.com  user=root");
        assert_eq!(v["source"]["domain"], "host.example.com");
        assert_eq!(v["logward"]["auth"]["repeated"], 2);
    }

    #[test]
    fn unknown_message_is_not_classified() {
        let mut ev = FlatEvent::new();
        assert!(!classify("sshd", "Server listening on 0.0.0.0 port 22.", &mut ev));
        assert!(ev.is_empty());
    }
}
