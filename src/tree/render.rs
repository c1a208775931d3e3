//! Writing the forest: an indented text tree, Markdown, NDJSON (one node a line) or DOT.
//!
//! Traversal is iterative (a chain of any depth needs no stack), and every line has a
//! bounded size: below [`DRAWN_LEVELS`] levels the text and Markdown indentation stops
//! growing (the line says its depth instead) and the NDJSON `path` keeps the start and the
//! nearest ancestors, so output stays linear in the number of processes.

use super::{Forest, Node, TreeFormat, TreeOptions};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// Levels of indentation drawn (text, Markdown) and pids kept in an NDJSON `path`.
pub const DRAWN_LEVELS: usize = 32;

pub fn render(forest: &Forest, starts: &[usize], o: &TreeOptions, out: &mut Vec<u8>) {
    let mut s = String::new();
    match o.format {
        TreeFormat::Dot => dot(forest, starts, o, &mut s),
        _ => {
            for &root in starts {
                walk(forest, root, o, &mut s);
            }
        }
    }
    out.extend_from_slice(s.as_bytes());
}

/// Depth-first from `root`, children in start order, without recursion. `last` holds, per
/// level, whether that ancestor was its parent's last child (for the text tree's lines);
/// `path` the pids from the start.
fn walk(f: &Forest, root: usize, o: &TreeOptions, s: &mut String) {
    let mut last: Vec<bool> = Vec::new();
    let mut path: Vec<Option<i64>> = vec![f.nodes[root].pid];
    line(f, root, &last, &path, o, s);
    // (node, its next child to visit)
    let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
    while let Some(top) = stack.last_mut() {
        let depth = path.len() - 1;
        let n = &f.nodes[top.0];
        if o.depth.is_none_or(|d| depth < d) && top.1 < n.children.len() {
            let c = n.children[top.1];
            top.1 += 1;
            last.push(top.1 == n.children.len());
            path.push(f.nodes[c].pid);
            line(f, c, &last, &path, o, s);
            stack.push((c, 0));
        } else {
            stack.pop();
            path.pop();
            last.pop();
        }
    }
}

fn line(f: &Forest, i: usize, last: &[bool], path: &[Option<i64>], o: &TreeOptions, s: &mut String) {
    let n = &f.nodes[i];
    let depth = path.len() - 1;
    match o.format {
        TreeFormat::Text => text_line(n, last, s),
        TreeFormat::Md => md_line(n, depth, s),
        TreeFormat::Ndjson => ndjson_line(n, depth, path, s),
        TreeFormat::Dot => {}
    }
}

/// `[depth N] ` before the lines of nodes deeper than the levels drawn.
fn depth_mark(depth: usize) -> String {
    if depth > DRAWN_LEVELS {
        format!("[depth {depth}] ")
    } else {
        String::new()
    }
}

fn title(n: &Node) -> String {
    let mut t = String::new();
    t.push_str(n.name.as_deref().or(n.executable.as_deref()).unwrap_or("?"));
    if let Some(pid) = n.pid {
        let _ = write!(t, " [{pid}]");
    }
    if let Some(u) = &n.user {
        let _ = write!(t, " user={u}");
    }
    if let Some(st) = &n.start {
        let _ = write!(t, " start={st}");
    }
    if let Some(e) = &n.end {
        let _ = write!(t, " end={e}");
    }
    for (flag, on) in [
        ("orphan: parent not seen", n.orphan),
        ("pid reused", n.pid_reused),
        ("parent loop cut here", n.cycle),
        ("seen only in activity", n.implicit),
    ] {
        if on {
            let _ = write!(t, " ({flag})");
        }
    }
    t
}

/// Activity lines: "connect 198.51.100.7:80 ×2", "file creation /tmp/x", ...
fn activity(n: &Node) -> Vec<String> {
    let mut v = Vec::new();
    let times = |c: u64| if c > 1 { format!(" ×{c}") } else { String::new() };
    for (d, c) in &n.connections {
        v.push(format!("connect {d}{}", times(*c)));
    }
    for (d, c) in &n.files {
        v.push(format!("file {d}{}", times(*c)));
    }
    for (d, c) in &n.registry {
        v.push(format!("registry {d}{}", times(*c)));
    }
    for (d, c) in &n.dns {
        v.push(format!("dns {d}{}", times(*c)));
    }
    v
}

fn text_line(n: &Node, last: &[bool], s: &mut String) {
    let mut prefix = depth_mark(last.len());
    let last = &last[last.len().saturating_sub(DRAWN_LEVELS)..];
    for (k, &l) in last.iter().enumerate() {
        if k + 1 == last.len() {
            prefix.push_str(if l { "└── " } else { "├── " });
        } else {
            prefix.push_str(if l { "    " } else { "│   " });
        }
    }
    let _ = writeln!(s, "{prefix}{}", title(n));
    let body: String = " ".repeat(prefix.chars().count().saturating_sub(4 * last.len()))
        + &last.iter().map(|&l| if l { "    " } else { "│   " }).collect::<String>();
    if let Some(cmd) = &n.command_line {
        let _ = writeln!(s, "{body}    $ {cmd}");
    }
    for a in activity(n) {
        let _ = writeln!(s, "{body}    · {a}");
    }
}

fn md_line(n: &Node, depth: usize, s: &mut String) {
    let indent = "  ".repeat(depth.min(DRAWN_LEVELS));
    let _ = writeln!(s, "{indent}- {}**{}**", depth_mark(depth), title(n).replace('*', "\\*"));
    if let Some(cmd) = &n.command_line {
        let _ = writeln!(s, "{indent}  - command: `{}`", cmd.replace('`', "'"));
    }
    for a in activity(n) {
        let _ = writeln!(s, "{indent}  - {a}");
    }
}

fn ndjson_line(n: &Node, depth: usize, path: &[Option<i64>], s: &mut String) {
    fn text(v: &Option<String>) -> Option<Value> {
        v.as_ref().map(|x| Value::String(x.clone()))
    }
    fn counts(m: &std::collections::BTreeMap<String, u64>) -> Value {
        Value::Object(m.iter().map(|(k, c)| (k.clone(), Value::from(*c))).collect())
    }
    let mut process = Map::new();
    for (k, v) in [
        ("pid", n.pid.map(Value::from)),
        ("name", text(&n.name)),
        ("executable", text(&n.executable)),
        ("command_line", text(&n.command_line)),
        ("entity_id", text(&n.entity)),
        ("start", n.start.as_ref().map(|t| Value::String(t.as_str().to_string()))),
        ("end", n.end.as_ref().map(|t| Value::String(t.as_str().to_string()))),
    ] {
        if let Some(v) = v {
            process.insert(k.to_string(), v);
        }
    }
    if let Some(pp) = n.ppid {
        let mut parent = Map::new();
        parent.insert("pid".into(), Value::from(pp));
        process.insert("parent".into(), Value::Object(parent));
    }
    let flags: Vec<Value> =
        [("orphan", n.orphan), ("pid_reused", n.pid_reused), ("cycle", n.cycle), ("implicit", n.implicit)]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| Value::from(*f))
            .collect();
    let mut tree = Map::new();
    tree.insert("depth".into(), Value::from(depth));
    // The start and the nearest ancestors: at most DRAWN_LEVELS pids a line.
    let pid = |p: &Option<i64>| p.map_or(Value::Null, Value::from);
    let kept: Vec<Value> = if path.len() <= DRAWN_LEVELS {
        path.iter().map(pid).collect()
    } else {
        std::iter::once(&path[0]).chain(&path[path.len() - (DRAWN_LEVELS - 1)..]).map(pid).collect()
    };
    tree.insert("path".into(), Value::Array(kept));
    if path.len() > DRAWN_LEVELS {
        tree.insert("path_elided".into(), Value::from(path.len() - DRAWN_LEVELS));
    }
    tree.insert("children".into(), Value::from(n.children.len()));
    tree.insert("flags".into(), Value::Array(flags));
    let mut acts = Map::new();
    for (k, m) in [("connections", &n.connections), ("files", &n.files), ("registry", &n.registry), ("dns", &n.dns)] {
        if !m.is_empty() {
            acts.insert(k.to_string(), counts(m));
        }
    }
    if !acts.is_empty() {
        tree.insert("activity".into(), Value::Object(acts));
    }
    let mut v = Map::new();
    v.insert("process".into(), Value::Object(process));
    let mut logward = Map::new();
    logward.insert("tree".into(), Value::Object(tree));
    v.insert("logward".into(), Value::Object(logward));
    if let Some(h) = &n.host {
        v.insert("host".into(), json!({"name": h}));
    }
    if let Some(u) = &n.user {
        v.insert("user".into(), json!({"name": u}));
    }
    s.push_str(&Value::Object(v).to_string());
    s.push('\n');
}

fn dot(f: &Forest, starts: &[usize], o: &TreeOptions, s: &mut String) {
    s.push_str("digraph processes {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
    let mut stack: Vec<(usize, usize)> = starts.iter().rev().map(|&i| (i, 0)).collect();
    let mut seen = vec![false; f.nodes.len()];
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let n = &f.nodes[i];
        let mut label = title(n);
        if let Some(cmd) = &n.command_line {
            label.push('\n');
            label.push_str(cmd);
        }
        for a in activity(n) {
            label.push('\n');
            label.push_str(&a);
        }
        let _ = writeln!(s, "  n{i} [label={}];", json!(label));
        if o.depth.is_none_or(|d| depth < d) {
            for &c in &n.children {
                let _ = writeln!(s, "  n{i} -> n{c};");
            }
            stack.extend(n.children.iter().rev().map(|&c| (c, depth + 1)));
        }
    }
    s.push_str("}\n");
}
