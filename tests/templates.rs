//! Template mining seen from the command line: exact patterns on our own testdata, ids that
//! do not depend on the run or the thread count, the state file, frozen mode.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

const SSHD: &str = "testdata/templates/sshd.log";

fn template(e: &Value) -> (&str, &str) {
    let t = &e["logward"]["template"];
    (t["id"].as_str().unwrap(), t["pattern"].as_str().unwrap())
}

fn parse(args: &[&str], input: &Path) -> std::process::Output {
    let out =
        logward().current_dir(root()).arg("parse").arg("--year").arg("2024").args(args).arg(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn template_table_has_the_expected_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.ndjson");
    let out = parse(&["--templates-out", table.to_str().unwrap()], Path::new(SSHD));
    assert_matches_file(&std::fs::read(&table).unwrap(), &root().join("testdata/templates/expected-table.ndjson"));
    let patterns: Vec<String> = std::fs::read_to_string(&table)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["pattern"].as_str().unwrap().to_string())
        .collect();
    assert!(patterns.contains(&"Failed password for <*> from <*> port <*> <*>".to_string()));
    assert!(patterns.contains(&"Invalid user <*> from <*>".to_string()));
    assert!(
        patterns.contains(&"cupsd startup succeeded".to_string())
            && patterns.contains(&"cupsd shutdown succeeded".to_string())
    );
    assert!(patterns.contains(&"Failed none for invalid user ftp from <*> port <*> <*>".to_string()));
    // Every event carries an id that is the hash of its pattern.
    for e in ndjson(&out.stdout) {
        let (id, pattern) = template(&e);
        assert_eq!(id.len(), 16);
        assert_eq!(id, logward::parse::template::template_id(pattern));
    }
}

#[test]
fn ids_do_not_depend_on_run_or_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    let base = std::fs::read_to_string(root().join(SSHD)).unwrap();
    let mut text = String::new();
    for i in 0..3000 {
        for line in base.lines() {
            text.push_str(&line.replace("203.0.113.", &format!("10.{}.", i % 250)));
            text.push('\n');
        }
    }
    std::fs::write(&big, text).unwrap();
    let mut outputs = Vec::new();
    let mut tables = Vec::new();
    for threads in ["1", "3", "1"] {
        let table = dir.path().join(format!("t{threads}.ndjson"));
        let out = parse(&["--threads", threads, "--templates-out", table.to_str().unwrap()], &big);
        outputs.push(out.stdout);
        tables.push(std::fs::read(&table).unwrap());
    }
    assert!(outputs.iter().all(|o| *o == outputs[0]));
    assert!(tables.iter().all(|t| *t == tables[0]));
}

#[test]
fn state_file_round_trip_and_frozen_mode() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let s = state.to_str().unwrap();
    let online = parse(&["--templates", s], Path::new(SSHD));
    assert!(state.exists());
    // Frozen: every line gets the final template of what was learned.
    let frozen = parse(&["--templates", s, "--templates-frozen"], Path::new(SSHD));
    let first_online = template(&ndjson(&online.stdout)[0]).1.to_string();
    let first_frozen = template(&ndjson(&frozen.stdout)[0]).1.to_string();
    assert_eq!(first_online, "Failed password for root from <*> port <*> <*>");
    assert_eq!(first_frozen, "Failed password for <*> from <*> port <*> <*>");
    // Frozen mode does not learn: the state file is unchanged, and new shapes are unknown.
    let before = std::fs::read(&state).unwrap();
    let other = dir.path().join("other.log");
    std::fs::write(&other, "Mar  2 10:00:00 gw app: a message never seen\n").unwrap();
    let out = parse(&["--templates", s, "--templates-frozen"], &other);
    let e = &ndjson(&out.stdout)[0];
    assert_eq!(e["logward"]["template"]["known"], false);
    assert_eq!(e["logward"]["template"]["pattern"], "a message never seen");
    assert_eq!(std::fs::read(&state).unwrap(), before);
    // Frozen without a state file is an error, not a silent empty set.
    let missing = dir.path().join("missing.json");
    let out = logward()
        .args(["parse", "--templates", missing.to_str().unwrap(), "--templates-frozen"])
        .arg(root().join(SSHD))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn learning_across_runs_equals_one_run() {
    // A nightly cron extending one template set sees what a single pass would.
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = std::fs::read_to_string(root().join(SSHD)).unwrap().lines().map(String::from).collect();
    let (a, b) = lines.split_at(9);
    let part = |name: &str, ls: &[String]| {
        let p = dir.path().join(name);
        std::fs::write(&p, ls.join("\n") + "\n").unwrap();
        p
    };
    let (pa, pb) = (part("a.log", a), part("b.log", b));
    let state = dir.path().join("s.json");
    let s = state.to_str().unwrap();
    parse(&["--templates", s], &pa);
    let t1 = dir.path().join("t1.ndjson");
    parse(&["--templates", s, "--templates-out", t1.to_str().unwrap()], &pb);
    let t2 = dir.path().join("t2.ndjson");
    parse(&["--templates-out", t2.to_str().unwrap()], Path::new(SSHD));
    assert_eq!(std::fs::read_to_string(&t1).unwrap(), std::fs::read_to_string(&t2).unwrap());
}

#[test]
fn mining_options() {
    let out = parse(&["--no-templates"], Path::new(SSHD));
    assert!(ndjson(&out.stdout).iter().all(|e| e["logward"].get("template").is_none()));
    let out = parse(&["--mask", "-digits"], Path::new(SSHD));
    assert_eq!(template(&ndjson(&out.stdout)[0]).1, "Failed password for root from <*> port <*> ssh2");
    let out = logward().args(["parse", "--mask", "bogus"]).arg(root().join(SSHD)).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Structured formats have no free-text message and get no template.
    let out = parse(&[], &root().join("testdata/parse/access.log"));
    assert!(ndjson(&out.stdout).iter().all(|e| e.get("logward").and_then(|l| l.get("template")).is_none()));
}

#[test]
fn json_events_with_a_message_are_mined_too() {
    // Our own output read back as JSON: same messages, same templates.
    let first = parse(&[], Path::new(SSHD));
    let again = logward().args(["parse", "--format", "json", "-"]).write_stdin(first.stdout.clone()).output().unwrap();
    assert!(again.status.success());
    let (a, b) = (ndjson(&first.stdout), ndjson(&again.stdout));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["logward"]["template"], y["logward"]["template"]);
        assert_eq!(x["message"], y["message"]);
    }
}
