//! `logward tree`: the process forest of the input, with each process's network, file,
//! registry and DNS activity.
//!
//! Processes are identified by `process.entity_id` when events carry it, else by host, pid
//! and start time: a pid that starts again is a new process (pid reuse), and activity and
//! children attach to the instance of the pid that was alive at their time. Parents that
//! never appear make their children orphans (roots, flagged); parent links that loop are
//! cut where the loop closes and reported.

pub mod command;
mod render;

use crate::event::view::{FieldRef, ValueRef};
use crate::event::View;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Records};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// How the forest is written (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeFormat {
    /// An indented tree with box-drawing lines
    Text,
    /// Nested Markdown lists
    Md,
    /// One node a line with depth and path, for further piping
    Ndjson,
    /// Graphviz
    Dot,
}

#[derive(Debug, Clone)]
pub struct TreeOptions {
    pub pid: Option<i64>,
    pub entity_id: Option<String>,
    pub name: Option<String>,
    pub depth: Option<usize>,
    pub format: TreeFormat,
    pub quiet: bool,
}

/// A time as an event wrote it, ordered by the instant it names (`+02:00` and `Z` times
/// compare as instants); text that is not a time orders before every time, by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    instant: Option<(i64, u32)>,
    text: String,
}

impl When {
    fn new(text: String) -> When {
        When { instant: crate::event::timestamp(&text).map(|t| (t.secs, t.nanos)), text }
    }

    /// The time as the event wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Ord for When {
    fn cmp(&self, other: &When) -> std::cmp::Ordering {
        (self.instant, &self.text).cmp(&(other.instant, &other.text))
    }
}

impl PartialOrd for When {
    fn partial_cmp(&self, other: &When) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// One input event, reduced to what the tree needs (fields private to this module).
#[derive(Debug, Clone, Default)]
pub struct Rec {
    /// Input order, so results do not depend on thread scheduling.
    seq: (u64, u64),
    time: Option<When>,
    host: Option<String>,
    pid: Option<i64>,
    ppid: Option<i64>,
    entity: Option<String>,
    parent_entity: Option<String>,
    name: Option<String>,
    executable: Option<String>,
    command_line: Option<String>,
    user: Option<String>,
    kind: Activity,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Activity {
    Start,
    End,
    Network(String),
    File(String, String),
    Registry(String),
    Dns(String),
    #[default]
    Other,
}

/// A process in the forest.
#[derive(Debug, Default)]
pub struct Node {
    pub host: Option<String>,
    pub pid: Option<i64>,
    pub ppid: Option<i64>,
    pub entity: Option<String>,
    pub name: Option<String>,
    pub executable: Option<String>,
    pub command_line: Option<String>,
    pub user: Option<String>,
    pub start: Option<When>,
    pub end: Option<When>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Parent pid or entity named but never seen.
    pub orphan: bool,
    /// Another process had this pid on this host.
    pub pid_reused: bool,
    /// Its parent link closed a loop and was cut.
    pub cycle: bool,
    /// Known only from activity, never from a process event.
    pub implicit: bool,
    pub connections: BTreeMap<String, u64>,
    pub files: BTreeMap<String, u64>,
    pub registry: BTreeMap<String, u64>,
    pub dns: BTreeMap<String, u64>,
}

pub struct Tree {
    opts: TreeOptions,
}

pub struct Forest {
    pub nodes: Vec<Node>,
    pub unattached: u64,
    pub cycles: Vec<Vec<i64>>,
}

impl Tree {
    pub fn new(opts: TreeOptions) -> Tree {
        Tree { opts }
    }
}

/// A string (not empty) or a number, as text.
fn text_at(ev: &View<'_>, path: &str) -> Option<String> {
    match ev.field(path)? {
        FieldRef::One(ValueRef::Str(x)) if !x.is_empty() => Some(x.to_string()),
        FieldRef::One(ValueRef::Number(lit)) => {
            serde_json::from_str::<serde_json::Number>(lit).ok().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// An integer, written as a number or as text.
fn integer_at(ev: &View<'_>, path: &str) -> Option<i64> {
    match ev.field(path)? {
        FieldRef::One(ValueRef::Number(lit)) => serde_json::from_str::<serde_json::Number>(lit).ok()?.as_i64(),
        FieldRef::One(ValueRef::Str(x)) => x.parse().ok(),
        _ => None,
    }
}

/// Whether the field is `word`, or an array holding it.
fn has_word(ev: &View<'_>, path: &str, word: &str) -> bool {
    match ev.field(path) {
        Some(FieldRef::One(ValueRef::Str(x))) => x == word,
        Some(FieldRef::Array(items)) => items.iter().any(|v| v == ValueRef::Str(word)),
        Some(FieldRef::Nested(Value::Array(a))) => a.iter().any(|v| v.as_str() == Some(word)),
        _ => false,
    }
}

/// Whether the event has the field, whatever its value (an object included).
fn present(ev: &View<'_>, path: &str) -> bool {
    ev.field(path).is_some() || ev.is_object(path)
}

fn record(ev: &View<'_>) -> Rec {
    let action = text_at(ev, "event.action").unwrap_or_default().to_ascii_lowercase();
    let ended = has_word(ev, "event.type", "end") || action.contains("terminat") || action.contains("exit");
    // A process event that is neither a start nor an end (Sysmon's image loads, process
    // accesses and remote threads, PowerShell's info events) is activity of its process;
    // a start names the process: its pid, its parent, or its entity id and executable
    // (PowerShell's engine start has only a host id, and is no process of its own).
    let other_type = present(ev, "event.type")
        && !has_word(ev, "event.type", "start")
        && !has_word(ev, "event.type", "end")
        && !has_word(ev, "event.type", "process_start");
    let names_process = present(ev, "process.pid")
        || present(ev, "process.parent.pid")
        || present(ev, "process.parent.entity_id")
        || (present(ev, "process.entity_id") && (present(ev, "process.name") || present(ev, "process.executable")));
    let kind = if (has_word(ev, "event.category", "process") && !other_type && (ended || names_process))
        || (present(ev, "process.parent.pid")
            && !present(ev, "file.path")
            && !present(ev, "destination.ip")
            && !present(ev, "registry.path"))
    {
        if ended {
            Activity::End
        } else {
            Activity::Start
        }
    } else if let Some(q) = text_at(ev, "dns.question.name") {
        Activity::Dns(q)
    } else if let Some(path) = text_at(ev, "registry.path") {
        // ECS's registry.path holds the value's name already (Winlogbeat, Sysmon's
        // TargetObject); CSV exports often give the key and the value apart.
        let value = text_at(ev, "registry.value")
            .filter(|v| !path.ends_with(&format!("\\{v}")))
            .map(|v| format!("\\{v}"))
            .unwrap_or_default();
        Activity::Registry(format!("{path}{value}"))
    } else if let Some(path) = text_at(ev, "file.path") {
        // ECS event.type is an array; some exports write a string.
        let event_type = match ev.field("event.type") {
            Some(FieldRef::Array(items)) => match items.iter().next() {
                Some(ValueRef::Str(first)) => Some(first.to_string()),
                _ => None,
            },
            Some(FieldRef::Nested(Value::Array(a))) => a.first().and_then(Value::as_str).map(str::to_string),
            _ => text_at(ev, "event.type"),
        };
        let what = event_type.unwrap_or_else(|| if action.is_empty() { "access".into() } else { action.clone() });
        Activity::File(what, path)
    } else if let Some(ip) = text_at(ev, "destination.ip").or_else(|| text_at(ev, "destination.domain")) {
        let port = text_at(ev, "destination.port").map(|p| format!(":{p}")).unwrap_or_default();
        Activity::Network(format!("{ip}{port}"))
    } else {
        Activity::Other
    };
    Rec {
        seq: (0, 0),
        time: text_at(ev, "@timestamp").or_else(|| text_at(ev, "process.start")).map(When::new),
        host: text_at(ev, "host.name"),
        pid: integer_at(ev, "process.pid"),
        ppid: integer_at(ev, "process.parent.pid"),
        entity: text_at(ev, "process.entity_id"),
        parent_entity: text_at(ev, "process.parent.entity_id"),
        name: text_at(ev, "process.name"),
        executable: text_at(ev, "process.executable"),
        command_line: text_at(ev, "process.command_line"),
        user: text_at(ev, "user.name"),
        kind,
    }
}

/// Builds the forest from records in input order.
fn build(mut recs: Vec<Rec>) -> Forest {
    recs.sort_by_key(|a| a.seq);
    let mut nodes: Vec<Node> = Vec::new();
    let mut by_entity: HashMap<String, usize> = HashMap::new();
    // (host, pid) → instances in order of start.
    let mut by_pid: HashMap<(Option<String>, i64), Vec<usize>> = HashMap::new();
    let mut any_host: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut unattached = 0u64;

    // The instances of a pid: on the same host; or, when either side names no host (CSV
    // exports often leave it out), on any host. `any` indexes the instances by pid alone.
    fn instances(
        nodes: &[Node],
        by_pid: &HashMap<(Option<String>, i64), Vec<usize>>,
        any: &HashMap<i64, Vec<usize>>,
        host: &Option<String>,
        pid: i64,
    ) -> Vec<usize> {
        if let Some(l) = by_pid.get(&(host.clone(), pid)) {
            return l.clone();
        }
        let mut all: Vec<usize> = any
            .get(&pid)
            .map(|l| l.iter().copied().filter(|&i| host.is_none() || nodes[i].host.is_none()).collect())
            .unwrap_or_default();
        all.sort_by(|&a, &b| nodes[a].start.cmp(&nodes[b].start).then(a.cmp(&b)));
        all
    }

    // The instance of (host, pid) alive at `time`: the last one started at or before it.
    fn alive(nodes: &[Node], list: &[usize], time: &Option<When>) -> Option<usize> {
        match time {
            Some(t) => {
                list.iter().rev().find(|&&i| nodes[i].start.as_ref().is_none_or(|s| s <= t)).or(list.first()).copied()
            }
            None => list.last().copied(),
        }
    }

    for r in &recs {
        if r.kind != Activity::Start {
            continue;
        }
        let existing = match (&r.entity, r.pid) {
            (Some(e), _) => by_entity.get(e).copied(),
            // The same pid started at the same time twice is one process, reported twice.
            (None, Some(pid)) => by_pid
                .get(&(r.host.clone(), pid))
                .and_then(|l| l.iter().copied().find(|&i| nodes[i].start == r.time && nodes[i].entity.is_none())),
            (None, None) => continue,
        };
        let i = match existing {
            Some(i) => i,
            None => {
                nodes.push(Node {
                    host: r.host.clone(),
                    pid: r.pid,
                    entity: r.entity.clone(),
                    start: r.time.clone(),
                    ..Default::default()
                });
                let i = nodes.len() - 1;
                if let Some(e) = &r.entity {
                    by_entity.insert(e.clone(), i);
                }
                if let Some(pid) = r.pid {
                    any_host.entry(pid).or_default().push(i);
                    // Kept in order of start (stable for equal starts): inserted where it goes.
                    let list = by_pid.entry((r.host.clone(), pid)).or_default();
                    let at = list.partition_point(|&j| nodes[j].start <= nodes[i].start);
                    list.insert(at, i);
                }
                i
            }
        };
        let node = &mut nodes[i];
        node.ppid = node.ppid.or(r.ppid);
        node.name = node.name.take().or(r.name.clone());
        node.executable = node.executable.take().or(r.executable.clone());
        node.command_line = node.command_line.take().or(r.command_line.clone());
        node.user = node.user.take().or(r.user.clone());
        if node.entity.is_none() {
            node.entity = r.entity.clone();
        }
    }
    // A pid started more than once on a host (marked once per list, not per insert).
    for list in by_pid.values().filter(|l| l.len() > 1) {
        for &j in list {
            nodes[j].pid_reused = true;
        }
    }
    // Parent entity ids, remembered per node for the linking pass.
    let mut parent_entity: HashMap<usize, String> = HashMap::new();
    for r in &recs {
        if let (Activity::Start, Some(pe)) = (&r.kind, &r.parent_entity) {
            let i = r.entity.as_ref().and_then(|e| by_entity.get(e).copied()).or_else(|| {
                r.pid.and_then(|p| alive(&nodes, &instances(&nodes, &by_pid, &any_host, &r.host, p), &r.time))
            });
            if let Some(i) = i {
                parent_entity.insert(i, pe.clone());
            }
        }
    }
    // Ends and activity attach to the instance alive at their time; activity of a process
    // never seen starting makes an implicit node, so nothing is lost.
    for r in &recs {
        if matches!(r.kind, Activity::Start | Activity::Other) {
            continue;
        }
        let target = match (&r.entity, r.pid) {
            (Some(e), _) if by_entity.contains_key(e) => Some(by_entity[e]),
            (_, Some(pid)) => match Some(instances(&nodes, &by_pid, &any_host, &r.host, pid)).filter(|l| !l.is_empty())
            {
                Some(list) => alive(&nodes, &list, &r.time),
                None => {
                    nodes.push(Node {
                        host: r.host.clone(),
                        pid: Some(pid),
                        ppid: r.ppid,
                        name: r.name.clone(),
                        command_line: r.command_line.clone(),
                        user: r.user.clone(),
                        implicit: true,
                        ..Default::default()
                    });
                    let i = nodes.len() - 1;
                    by_pid.entry((r.host.clone(), pid)).or_default().push(i);
                    any_host.entry(pid).or_default().push(i);
                    Some(i)
                }
            },
            _ => None,
        };
        let Some(i) = target else {
            unattached += 1;
            continue;
        };
        let node = &mut nodes[i];
        match &r.kind {
            Activity::End => node.end = r.time.clone().or(node.end.take()),
            Activity::Network(d) => *node.connections.entry(d.clone()).or_default() += 1,
            Activity::File(what, path) => *node.files.entry(format!("{what} {path}")).or_default() += 1,
            Activity::Registry(k) => *node.registry.entry(k.clone()).or_default() += 1,
            Activity::Dns(q) => *node.dns.entry(q.clone()).or_default() += 1,
            Activity::Start | Activity::Other => {}
        }
    }
    // Parent links.
    for i in 0..nodes.len() {
        let parent = if let Some(pe) = parent_entity.get(&i) {
            by_entity.get(pe).copied()
        } else if let Some(ppid) = nodes[i].ppid.filter(|&p| p > 0) {
            alive(&nodes, &instances(&nodes, &by_pid, &any_host, &nodes[i].host, ppid), &nodes[i].start)
        } else {
            None
        };
        match parent {
            Some(p) if p != i => nodes[i].parent = Some(p),
            _ => nodes[i].orphan = parent_entity.contains_key(&i) || nodes[i].ppid.is_some_and(|p| p > 0),
        }
    }
    // Loops: walk up from each node; a walk that meets itself is cut at the closing link.
    let mut cycles = Vec::new();
    let mut state = vec![0u8; nodes.len()]; // 0 new, 1 on the current walk, 2 done
    for start in 0..nodes.len() {
        let mut path = Vec::new();
        let mut cur = Some(start);
        while let Some(c) = cur {
            match state[c] {
                2 => break,
                1 => {
                    let from = path.iter().position(|&x| x == c).unwrap_or(0);
                    cycles.push(path[from..].iter().filter_map(|&x: &usize| nodes[x].pid).collect());
                    let last = *path.last().expect("a walk that loops has a last node");
                    nodes[last].parent = None;
                    nodes[last].cycle = true;
                    break;
                }
                _ => {
                    state[c] = 1;
                    path.push(c);
                    cur = nodes[c].parent;
                }
            }
        }
        for &p in &path {
            state[p] = 2;
        }
    }
    for i in 0..nodes.len() {
        if let Some(p) = nodes[i].parent {
            nodes[p].children.push(i);
        }
    }
    let keys: Vec<(Option<When>, Option<i64>)> = nodes.iter().map(|n| (n.start.clone(), n.pid)).collect();
    for n in nodes.iter_mut() {
        n.children.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    }
    Forest { nodes, unattached, cycles }
}

impl Forest {
    /// The nodes to print from: those asked for, or every root.
    fn starts(&self, o: &TreeOptions) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                let n = &self.nodes[i];
                match (&o.pid, &o.entity_id, &o.name) {
                    (None, None, None) => n.parent.is_none(),
                    (pid, ent, name) => {
                        pid.is_none_or(|p| n.pid == Some(p))
                            && ent.as_ref().is_none_or(|e| n.entity.as_deref() == Some(e.as_str()))
                            && name
                                .as_ref()
                                .is_none_or(|w| n.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(w)))
                    }
                }
            })
            .collect();
        v.sort_by(|&a, &b| (&self.nodes[a].start, self.nodes[a].pid).cmp(&(&self.nodes[b].start, self.nodes[b].pid)));
        v
    }
}

/// Per-line work: parse the event, keep what the tree needs (in input order).
pub struct Pending(Rec);

impl EventStage for Tree {
    type Worker = ();
    type Pending = Pending;
    type Ordered = Vec<Rec>;
    type Summary = ();

    fn worker(&self) {}

    fn process(&self, _: &mut (), file: &InputFile, line: &LineRef<'_>, out: &mut Records<Pending>) -> Outcome {
        let ev = match View::parse(line.text) {
            Ok(v) => v,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let mut r = record(&ev);
        r.seq = (file.index as u64, line.number);
        out.mark(Pending(r));
        Outcome::Emitted
    }

    fn complete(&self, recs: &mut Vec<Rec>, pending: Pending, _out: &mut Vec<u8>) {
        recs.push(pending.0);
    }

    fn finish(&self, recs: Vec<Rec>, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let forest = build(recs);
        let starts = forest.starts(&self.opts);
        let mut text = Vec::new();
        render::render(&forest, &starts, &self.opts, &mut text);
        out.write_all(&text)?;
        if !self.opts.quiet {
            let n = &forest.nodes;
            let mut line = format!(
                "logward tree: {} processes ({} roots, {} orphans, {} with reused pids, {} known only from activity); {} activity events without a process",
                n.len(),
                n.iter().filter(|x| x.parent.is_none()).count(),
                n.iter().filter(|x| x.orphan).count(),
                n.iter().filter(|x| x.pid_reused).count(),
                n.iter().filter(|x| x.implicit).count(),
                forest.unattached
            );
            for c in &forest.cycles {
                line.push_str(&format!("; parent loop cut: pids {c:?}"));
            }
            if starts.is_empty()
                && (self.opts.pid.is_some() || self.opts.entity_id.is_some() || self.opts.name.is_some())
            {
                line.push_str("; no process matches the selection");
            }
            eprintln!("{line}");
        }
        Ok(())
    }
}
