//! `logward tree`: the CSV-to-tree pipeline on our own testdata (every format checked against
//! expected files), and the hard cases: pid reuse, a parent loop, an orphan, entity ids.

mod common;
use common::*;
use serde_json::{json, Value};

fn csv_events() -> Vec<u8> {
    let out = logward()
        .current_dir(root())
        .args([
            "parse",
            "-q",
            "--format",
            "csv",
            "testdata/tree/process_events.csv",
            "testdata/tree/network_events.csv",
            "testdata/tree/file_events.csv",
            "testdata/tree/registry_events.csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn csv_exports_to_tree_in_every_format() {
    let events = csv_events();
    for (format, file) in [
        ("text", "expected-15150.txt"),
        ("md", "expected-15150.md"),
        ("ndjson", "expected-15150.ndjson"),
        ("dot", "expected-15150.dot"),
    ] {
        let out = logward()
            .args(["tree", "--pid", "15150", "--format", format])
            .write_stdin(events.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_matches_file(&out.stdout, &root().join("testdata/tree").join(file));
    }
    let out =
        logward().args(["tree", "--pid", "15150", "--format", "ndjson"]).write_stdin(events.clone()).output().unwrap();
    let nodes: Vec<Value> = ndjson(&out.stdout);
    let names: Vec<&str> = nodes.iter().map(|n| n["process"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["powershell.exe", "cmd.exe", "whoami.exe", "rundll32.exe"]);
    assert_eq!(nodes[2]["logward"]["tree"]["path"], json!([15150, 15160, 15161]));
    assert_eq!(nodes[0]["logward"]["tree"]["activity"]["connections"], json!({"198.51.100.7:443": 2}));
    assert_eq!(
        nodes[3]["logward"]["tree"]["activity"]["registry"],
        json!({"HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater": 1})
    );
    // --depth and --name
    let out = logward()
        .args(["tree", "--name", "POWERSHELL.EXE", "--depth", "1", "--format", "ndjson"])
        .write_stdin(events)
        .output()
        .unwrap();
    assert_eq!(ndjson(&out.stdout).len(), 3);
}

fn edge_nodes(args: &[&str]) -> (Vec<Value>, String) {
    let out = logward()
        .current_dir(root())
        .args(["tree", "--format", "ndjson"])
        .args(args)
        .arg("testdata/tree/edge_cases.ndjson")
        .output()
        .unwrap();
    assert!(out.status.success());
    let nodes = ndjson(&out.stdout);
    (nodes, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn find<'a>(nodes: &'a [Value], name: &str) -> &'a Value {
    nodes.iter().find(|n| n["process"]["name"] == name).unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn pid_reuse_loops_orphans_and_entity_ids() {
    let (nodes, err) = edge_nodes(&[]);
    // Two processes had pid 200; children and activity went to the one alive at the time.
    let first = find(&nodes, "first");
    let second = find(&nodes, "second");
    assert_eq!(first["logward"]["tree"]["flags"], json!(["orphan", "pid_reused"]));
    assert_eq!(first["logward"]["tree"]["activity"], json!({"connections": {"192.0.2.1:53": 1}}));
    assert_eq!(second["logward"]["tree"]["activity"], json!({"dns": {"evil.example": 1}}));
    assert_eq!(find(&nodes, "child-of-first")["logward"]["tree"]["path"], json!([200, 300]));
    assert_eq!(find(&nodes, "child-of-second")["logward"]["tree"]["path"], json!([200, 301]));
    assert_eq!(first["process"]["end"], "2024-01-01T10:05:00Z");
    // The loop is cut once, and both processes are still shown.
    assert!(err.contains("parent loop cut: pids [10, 11]"), "{err}");
    assert_eq!(find(&nodes, "loop-b")["logward"]["tree"]["flags"], json!(["cycle"]));
    assert_eq!(find(&nodes, "loop-a")["logward"]["tree"]["path"], json!([11, 10]));
    assert_eq!(find(&nodes, "orphan")["logward"]["tree"]["flags"], json!(["orphan"]));
    // Entity ids win over a parent pid that names nobody.
    assert_eq!(find(&nodes, "by-entity-child")["logward"]["tree"]["path"], json!([700, 701]));
    assert_eq!(nodes.len(), 9);
    // --entity-id selects one process; a selection that matches nothing says so.
    let (sel, _) = edge_nodes(&["--entity-id", "{B}"]);
    assert_eq!(sel.len(), 1);
    let (none, err) = edge_nodes(&["--pid", "424242"]);
    assert!(none.is_empty() && err.contains("no process matches"), "{err}");
}

/// Roots and reused pids are ordered by the instant their times name, not by their text:
/// 10:00+02:00 is before 09:00Z, and 09:00:00.5Z after 09:00:00Z.
#[test]
fn times_order_by_instant_whatever_their_offset_or_precision() {
    let events = [
        r#"{"@timestamp":"2024-01-01T09:00:00Z","event":{"category":["process"]},"process":{"pid":1,"name":"utc"}}"#,
        r#"{"@timestamp":"2024-01-01T10:00:00+02:00","event":{"category":["process"]},"process":{"pid":2,"name":"berlin"}}"#,
        r#"{"@timestamp":"2024-01-01T09:00:00.5Z","event":{"category":["process"]},"process":{"pid":3,"name":"later"}}"#,
    ];
    let out = logward().args(["tree", "-q", "--format", "ndjson"]).write_stdin(events.join("\n")).output().unwrap();
    assert!(out.status.success());
    let names: Vec<String> =
        ndjson(&out.stdout).iter().map(|n| n["process"]["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["berlin", "utc", "later"]);
}
