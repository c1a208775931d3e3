//! The records of one audit event (same node and `audit(TIME:SERIAL)`) merged into one ECS
//! event, in the parse stage's ordered pass.
//!
//! A group is complete at its `EOE` record, at once for user-space messages (`USER_*`,
//! `CRED_*`, `ADD_USER`, ...: always one record), when [`IDLE`] records of other events
//! have come since its last one or a record [`LATE_SECS`] seconds later arrives (what
//! auditd's `end_of_event_timeout` does), and at the end of the file. Groups are written
//! in the order of their first record, at most [`MAX_OPEN`] are open, and a group holds at
//! most [`MAX_RECORDS`] records, so memory stays bounded and the output does not depend on
//! `--threads` (this runs on the writing thread, in input order).

use super::event;
use super::record::{AuditId, Record};
use crate::event::FlatWriter;
use crate::parse::format::Grouper;
use std::any::Any;
use std::collections::VecDeque;

/// Records of other events after which an open group is taken as complete.
pub const IDLE: u64 = 32;
/// A record this many seconds after a group's time completes it.
pub const LATE_SECS: i64 = 2;
/// Groups open at once; past this the oldest is written as it is.
pub const MAX_OPEN: usize = 64;
/// Records in one group; past this the group is written and a new one starts.
pub const MAX_RECORDS: usize = 512;

struct Group {
    node: Option<String>,
    id: Option<AuditId>,
    records: Vec<Record>,
    /// The number of the record that last joined.
    last: u64,
    done: bool,
}

/// The grouping state of one file.
pub struct Groups {
    path: Option<String>,
    dataset: Option<String>,
    open: VecDeque<Group>,
    seen: u64,
    writer: FlatWriter,
    parents: event::Parents,
}

impl Groups {
    pub fn new(path: Option<&str>, dataset: Option<&str>) -> Groups {
        Groups {
            path: path.map(str::to_string),
            dataset: dataset.map(str::to_string),
            open: VecDeque::new(),
            seen: 0,
            writer: FlatWriter::new(),
            parents: event::Parents::default(),
        }
    }

    fn write_done(&mut self, out: &mut Vec<u8>, all: bool) -> u64 {
        let mut n = 0;
        while self.open.front().is_some_and(|g| g.done || all) {
            let g = self.open.pop_front().expect("front exists");
            let ctx = event::Context { path: self.path.as_deref(), dataset: self.dataset.as_deref() };
            event::write(&g.records, &ctx, &mut self.parents, &mut self.writer, out);
            n += 1;
        }
        n
    }
}

/// User-space and daemon messages (types 1100-1299 and 2100-2999) are one record each.
fn standalone(kind: &str) -> bool {
    super::type_number(kind).is_some_and(|n| (1100..1300).contains(&n) || (2100..3000).contains(&n))
}

impl Grouper for Groups {
    fn add(&mut self, part: Box<dyn Any + Send>, out: &mut Vec<u8>) -> u64 {
        let rec = *part.downcast::<Record>().expect("auditd parts are records");
        self.seen += 1;
        let seen = self.seen;
        let eoe = rec.kind == "EOE";
        let alone = standalone(&rec.kind) || rec.id.is_none();
        let now = rec.id.map(|i| i.secs);
        let same = |g: &Group| !g.done && g.id.is_some() && g.id == rec.id && g.node == rec.node;
        match self.open.iter().rposition(same) {
            Some(i) if self.open[i].records.len() < MAX_RECORDS && !alone => {
                let g = &mut self.open[i];
                g.records.push(rec);
                g.last = seen;
                g.done |= eoe;
            }
            found => {
                if let Some(i) = found {
                    self.open[i].done = true;
                }
                let (node, id) = (rec.node.clone(), rec.id);
                self.open.push_back(Group { node, id, records: vec![rec], last: seen, done: eoe || alone });
            }
        }
        for g in self.open.iter_mut().filter(|g| !g.done) {
            let late = match (now, g.id) {
                (Some(t), Some(id)) => t > id.secs + LATE_SECS,
                _ => false,
            };
            if seen - g.last > IDLE || late {
                g.done = true;
            }
        }
        if self.open.len() > MAX_OPEN {
            if let Some(g) = self.open.front_mut() {
                g.done = true;
            }
        }
        self.write_done(out, false)
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> u64 {
        self.write_done(out, true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::record;
    use super::*;

    fn feed(lines: &[&str]) -> Vec<serde_json::Value> {
        let mut g = Groups::new(Some("audit.log"), None);
        let mut out = Vec::new();
        let mut n = 0;
        for (i, l) in lines.iter().enumerate() {
            let r = record::parse(l, i as u64 + 1, false, l).unwrap();
            n += g.add(Box::new(r), &mut out);
        }
        n += g.finish(&mut out);
        let evs: Vec<serde_json::Value> =
            out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
        assert_eq!(evs.len() as u64, n);
        evs
    }

    #[test]
    fn records_of_one_event_merge_interleaved_ones_stay_apart() {
        let evs = feed(&[
            "type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 comm=\"ls\" exe=\"/bin/ls\"",
            "type=USER_AUTH msg=audit(1700000000.101:11): pid=9 uid=0 auid=0 ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"/bin/su\" hostname=? addr=? terminal=pts/0 res=success'",
            "type=EXECVE msg=audit(1700000000.100:10): argc=2 a0=\"ls\" a1=\"-l\"",
            "type=EOE msg=audit(1700000000.100:10): ",
            "type=SYSCALL msg=audit(1700000000.200:12): arch=c000003e syscall=2 success=no exit=-13 pid=3 comm=\"cat\" exe=\"/bin/cat\"",
        ]);
        // In the order of first records: the exec (lines 1, 3, 4), the login, the open.
        assert_eq!(evs.len(), 3);
        assert_eq!(evs[0]["logward"]["lines"], serde_json::json!([1, 3, 4]));
        assert_eq!(evs[0]["process"]["command_line"], "ls -l");
        assert_eq!(evs[1]["auditd"]["log"]["record_type"], "USER_AUTH");
        assert_eq!(evs[2]["event"]["outcome"], "failure");
    }

    #[test]
    fn groups_close_when_idle_late_or_too_many() {
        let mut lines = vec!["type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=2 pid=1".to_string()];
        for i in 0..(IDLE + 1) {
            lines.push(format!("type=SYSCALL msg=audit(1700000000.000:{}): arch=c000003e syscall=2 pid=1", i + 100));
        }
        // The first group's PATH record comes too late to join it.
        lines.push("type=PATH msg=audit(1700000000.000:1): item=0 name=\"/etc/shadow\"".to_string());
        let refs: Vec<&str> = lines.iter().map(|s| s.as_str()).collect();
        let evs = feed(&refs);
        assert_eq!(evs.len(), lines.len());
        let late = feed(&[
            "type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=2 pid=1",
            "type=SYSCALL msg=audit(1700000005.000:2): arch=c000003e syscall=2 pid=1",
            "type=PATH msg=audit(1700000000.000:1): item=0 name=\"/etc/shadow\"",
        ]);
        assert_eq!(late.len(), 3);
    }
}
