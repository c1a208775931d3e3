//! `--line-format '<Date> <Time> <Level> <Component>: <Content>'`: the header-template
//! convention of loghub/logparser. `<Name>` is a field, `<Content>` the message; text between
//! fields is a regular-expression fragment, and a space matches one or more whitespace.

use super::{Example, Format, Line, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::{Reason, RejectKind};
use crate::time::{self, Zone};
use anyhow::{bail, Context, Result};
use regex::Regex;

/// A layout given with `--line-format`.
pub struct Custom;

impl Format for Custom {
    fn name(&self) -> &'static str {
        "custom"
    }

    fn about(&self) -> &'static str {
        "A custom layout given with --line-format"
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        let layout = line.opts.line_format.as_ref().ok_or_else(|| {
            Reason::new(RejectKind::FormatMismatch, "--format custom needs --line-format to say what a line holds")
        })?;
        if layout.parse(line.text, line.zone(), line.seq.year, ev) {
            Ok(Parsed::Event("logward.custom"))
        } else {
            Err(Reason::new(RejectKind::FormatMismatch, "line does not match --line-format"))
        }
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            before: &[],
            line: "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
            args: &["--line-format", "<Date> <Time> <Pid> <Level> <Component>: <Content>"],
            fields: &[
                ("@timestamp", "2008-11-09T20:36:15Z"),
                ("process.pid", "148"),
                ("log.level", "INFO"),
                ("log.logger", "dfs.DataNode$PacketResponder"),
                ("message", "PacketResponder 1 for block blk_38865049064139660 terminating"),
                ("event.dataset", "logward.custom"),
            ],
        }]
    }
}

/// A compiled `--line-format`.
#[derive(Debug, Clone)]
pub struct LineFormat {
    re: Regex,
    names: Vec<String>,
}

/// Field names that hold (parts of) the timestamp, tried joined in header order.
const TIME_FIELDS: &[&str] = &["Month", "Date", "Day", "Time", "Timestamp", "Datetime"];

impl LineFormat {
    pub fn compile(spec: &str) -> Result<LineFormat> {
        let mut pattern = String::from("^");
        let mut names = Vec::new();
        let mut rest = spec;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|c| open + c) else { break };
            let name = &rest[open + 1..close];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                // Not a field (e.g. a literal '<' in the regex): keep it as regex text.
                pattern.push_str(&literal_part(&rest[..close + 1]));
                rest = &rest[close + 1..];
                continue;
            }
            pattern.push_str(&literal_part(&rest[..open]));
            if names.iter().any(|n| n == name) {
                bail!("--line-format names <{name}> twice");
            }
            let group = if name == "Content" { ".*" } else { ".*?" };
            pattern.push_str(&format!("(?P<{name}>{group})"));
            names.push(name.to_string());
            rest = &rest[close + 1..];
        }
        pattern.push_str(&literal_part(rest));
        pattern.push('$');
        if names.is_empty() {
            bail!("--line-format has no <Field>: write it like '<Date> <Time> <Level> <Content>'");
        }
        let re = Regex::new(&pattern).with_context(|| format!("--line-format is not a valid pattern: {spec}"))?;
        Ok(LineFormat { re, names })
    }

    /// Splits a line into fields; `None` when it does not match the format.
    pub fn parse<'a>(&self, line: &'a str, zone: &Zone, year: i32, ev: &mut FlatEvent<'a>) -> bool {
        let Some(caps) = self.re.captures(line) else { return false };
        let mut time_parts: Vec<&str> = Vec::new();
        for name in &self.names {
            let Some(m) = caps.name(name) else { continue };
            let v = m.as_str().trim();
            if TIME_FIELDS.contains(&name.as_str()) {
                time_parts.push(v);
            }
            if v.is_empty() {
                continue;
            }
            match name.as_str() {
                "Content" => ev.set("message", m.as_str()),
                "Level" => ev.set("log.level", v),
                "Pid" | "PID" => match v.parse::<i64>() {
                    Ok(n) => ev.set("process.pid", n),
                    Err(_) => ev.set("logward.line.Pid", v),
                },
                "Component" => ev.set("log.logger", v),
                "Node" | "Host" | "Hostname" => ev.set("host.name", v),
                _ => ev.set(format!("logward.line.{name}"), v),
            }
        }
        let joined = time_parts.join(" ");
        let ts = time::parse_loose(&joined, zone, year)
            .or_else(|| time_parts.iter().rev().find_map(|p| time::parse_loose(p, zone, year)));
        if let Some(ts) = ts {
            ev.set("@timestamp", Val::Time(ts));
        } else if time_parts.iter().any(|p| !p.is_empty()) {
            ev.push_unique("tags", std::borrow::Cow::Borrowed(time::INVALID_TIMESTAMP));
        }
        true
    }
}

/// Text between fields: spaces match one or more whitespace, the rest is regex as written.
fn literal_part(s: &str) -> String {
    let mut out = String::new();
    let mut in_space = false;
    for c in s.chars() {
        if c == ' ' {
            if !in_space {
                out.push_str(r"\s+");
            }
            in_space = true;
        } else {
            in_space = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loghub_formats() {
        let f = LineFormat::compile("<Date> <Time> <Pid> <Level> <Component>: <Content>").unwrap();
        let mut ev = FlatEvent::new();
        assert!(f.parse("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating", &Zone::Utc, 2000, &mut ev));
        let v = ev.to_value();
        assert_eq!(v["@timestamp"], "2008-11-09T20:36:15Z");
        assert_eq!(v["process"]["pid"], 148);
        assert_eq!(v["log"]["logger"], "dfs.DataNode$PacketResponder");
        assert_eq!(v["message"], "PacketResponder 1 for block blk_38865049064139660 terminating");

        let f = LineFormat::compile(r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>").unwrap();
        let mut ev = FlatEvent::new();
        assert!(f.parse(
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
            &Zone::Utc,
            2005,
            &mut ev
        ));
        let v = ev.to_value();
        assert_eq!(v["@timestamp"], "2005-06-14T15:16:01Z");
        assert_eq!(v["log"]["logger"], "sshd(pam_unix)");
        assert_eq!(v["process"]["pid"], 19939);

        let f = LineFormat::compile(r"\[<Time>\] \[<Level>\] <Content>").unwrap();
        let mut ev = FlatEvent::new();
        assert!(f.parse("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok", &Zone::Utc, 2000, &mut ev));
        assert_eq!(ev.to_value()["@timestamp"], "2005-12-04T04:47:44Z");
        assert!(!f.parse("no brackets here", &Zone::Utc, 2000, &mut FlatEvent::new()));
    }

    #[test]
    fn bad_formats() {
        assert!(LineFormat::compile("no fields").is_err());
        assert!(LineFormat::compile("<A> <A>").is_err());
    }
}
