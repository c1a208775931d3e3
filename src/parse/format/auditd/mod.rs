//! Linux audit records (`audit.log`): `type=SYSCALL msg=audit(1581371984.206:579398): ...`.
//! Each line is parsed into a [`record::Record`] on a worker; the records of one event are
//! merged into one ECS event in the ordered pass ([`group`]). Records forwarded through
//! syslog (`audispd: node=... type=...`, the kernel's `audit: type=1400 audit(...)`) take
//! the same way from the syslog format.

pub mod event;
pub mod group;
pub mod record;
#[rustfmt::skip]
pub mod tables;

use super::{Detect, Example, Format, GroupFile, Grouper, Line, Parsed};
use crate::event::FlatEvent;
use crate::io::{Reason, RejectKind};
use std::sync::OnceLock;

/// The audit.log format.
pub struct Auditd;

/// The number of a record type name (`AVC` → 1400).
pub fn type_number(kind: &str) -> Option<u16> {
    static BY_NAME: OnceLock<Vec<(&'static str, u16)>> = OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        let mut v: Vec<(&str, u16)> = tables::MESSAGE_TYPES.iter().map(|&(n, k)| (k, n)).collect();
        v.sort_unstable();
        v
    });
    by_name.binary_search_by_key(&kind, |&(k, _)| k).ok().map(|i| by_name[i].1)
}

impl Format for Auditd {
    fn name(&self) -> &'static str {
        "auditd"
    }

    fn about(&self) -> &'static str {
        "Linux audit records (audit.log): the records of one event (SYSCALL, EXECVE, PATH, ...) merged into one"
    }

    fn detect(&self) -> Detect {
        Detect::FirstLine
    }

    fn sniff(&self, line: &str) -> bool {
        record::looks_like(line)
    }

    fn free_text(&self) -> bool {
        false
    }

    fn needs_year(&self, _file: Option<&(dyn std::any::Any + Send + Sync)>, _head: &[String]) -> bool {
        false
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, _ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        match record::parse(line.text, line.number, line.lossy, line.text) {
            Some(r) => Ok(Parsed::Part(Box::new(r))),
            // ausearch's separator between events.
            None if line.text.trim_end() == "----" => Ok(Parsed::Skip),
            None if record::interpreted(line.text) => Err(Reason::new(
                RejectKind::FormatMismatch,
                "an interpreted record (ausearch -i: local times, names for numbers) is not read; give logward the raw records (ausearch --raw, or audit.log itself)",
            )),
            None => Err(Reason::new(
                RejectKind::FormatMismatch,
                "not an audit record (type=TYPE msg=audit(TIME:SERIAL): ...)",
            )),
        }
    }

    fn grouper(&self, file: &GroupFile<'_>) -> Option<Box<dyn Grouper>> {
        Some(Box::new(group::Groups::new(file.path, file.opts.dataset.as_deref())))
    }

    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                before: &[
                    "type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=1200 pid=1234 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"exec\"",
                    "type=EXECVE msg=audit(1700000000.123:4242): argc=3 a0=\"curl\" a1=\"-sO\" a2=\"http://203.0.113.5/x.sh\"",
                    "type=CWD msg=audit(1700000000.123:4242): cwd=\"/tmp\"",
                    "type=PATH msg=audit(1700000000.123:4242): item=0 name=\"/usr/bin/curl\" inode=1234 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
                ],
                line: "type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=6375726C002D734F00687474703A2F2F3230332E302E3131332E352F782E7368",
                args: &[],
                fields: &[
                    ("@timestamp", "2023-11-14T22:13:20.123Z"),
                    ("event.dataset", "auditd.log"),
                    ("event.action", "executed"),
                    ("event.category", "[\"process\"]"),
                    ("event.type", "[\"start\"]"),
                    ("process.executable", "/usr/bin/curl"),
                    ("process.command_line", "curl -sO http://203.0.113.5/x.sh"),
                    ("process.title", "curl -sO http://203.0.113.5/x.sh"),
                    ("process.working_directory", "/tmp"),
                    ("process.parent.pid", "1200"),
                    ("user.id", "0"),
                    ("user.audit.id", "1000"),
                    ("auditd.log.record_type", "[\"SYSCALL\",\"EXECVE\",\"CWD\",\"PATH\",\"PROCTITLE\"]"),
                    ("auditd.log.SYSCALL", "execve"),
                    ("auditd.log.key", "exec"),
                    ("logward.lines", "[1,2,3,4,5]"),
                ],
            },
            Example {
                before: &[],
                line: "type=USER_AUTH msg=audit(1610903558.178:595): pid=2954 uid=0 auid=1000 ses=14 msg='op=PAM:authentication acct=\"root\" exe=\"/usr/bin/chfn\" hostname=ubuntu-bionic addr=203.0.113.9 terminal=pts/2 res=failed'",
                args: &[],
                fields: &[
                    ("event.action", "authenticated"),
                    ("event.category", "[\"authentication\"]"),
                    ("event.outcome", "failure"),
                    ("user.name", "root"),
                    ("user.id", "1000"),
                    ("source.ip", "203.0.113.9"),
                    ("user.terminal", "pts/2"),
                ],
            },
        ]
    }
}
