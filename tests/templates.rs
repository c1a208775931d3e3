//! Template mining seen from the command line: exact patterns on our own testdata, ids that
//! do not depend on the run or the thread count and stay when templates generalize, the
//! lookahead of regular files against the line-by-line stream of stdin, the state file
//! (format 1 files still matching as before), frozen mode.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

const SSHD: &str = "testdata/templates/sshd.log";
const VARYING: &str = "testdata/templates/varying.log";

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

/// The same input through stdin: no lookahead, each line written with what is known then.
fn parse_stdin(args: &[&str], input: &Path) -> std::process::Output {
    let out = logward()
        .current_dir(root())
        .args(["parse", "--year", "2024"])
        .args(args)
        .arg("-")
        .write_stdin(std::fs::read(root().join(input)).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn table_rows(path: &Path) -> Vec<Value> {
    ndjson(&std::fs::read(path).unwrap())
}

#[test]
fn template_table_has_the_expected_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.ndjson");
    let out = parse(&["--templates-out", table.to_str().unwrap()], Path::new(SSHD));
    assert_matches_file(&std::fs::read(&table).unwrap(), &root().join("testdata/templates/expected-table.ndjson"));
    let patterns: Vec<String> = table_rows(&table).iter().map(|r| r["pattern"].as_str().unwrap().to_string()).collect();
    for want in [
        "Failed password for <*> from <*> port <*> ssh2",
        "Invalid user <*> from <*>",
        "cupsd startup succeeded",
        "cupsd shutdown succeeded",
        "Failed none for invalid user ftp from <*> port <*> ssh2",
        // Sizes with different units are one value.
        "Block <*> stored as values in memory (estimated size <*>, free <*> MB)",
    ] {
        assert!(patterns.contains(&want.to_string()), "{want} not in {patterns:?}");
    }
    // A file that fits in one block is learned before it is written: every event carries the
    // final template, whose id is the hash of its pattern.
    for e in ndjson(&out.stdout) {
        let (id, pattern) = template(&e);
        assert_eq!(id.len(), 16);
        assert_eq!(id, logward::parse::template::template_id(pattern));
        assert!(patterns.contains(&pattern.to_string()));
    }
}

#[test]
fn variables_of_varying_length_and_other_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.ndjson");
    parse(&["--templates-out", table.to_str().unwrap()], Path::new(VARYING));
    let rows: Vec<(String, u64)> = table_rows(&table)
        .iter()
        .map(|r| (r["pattern"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
        .collect();
    let want: Vec<(String, u64)> = [
        // A quoted string with spaces is one value, and the variable keeps its key and quotes.
        ("acquire lock tag=\"<*>\", uid=<*>", 5),
        // `1190 bytes (1.16 KB)`, `403 bytes`, `1.2 MB (1234567 bytes)`; `00:01`, `<1 sec`.
        ("<*>:<*> close, <*> sent, <*> received, lifetime <*>", 3),
        ("<*>:<*> open through proxy <*>:<*> HTTPS", 2),
        ("Node card check: <*> node in slot <*> do not match", 2),
        ("pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*>", 2),
        ("<*>:<*> open through proxy <*>:<*> SOCKS5", 1),
        // An empty value is another message.
        ("pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=", 1),
    ]
    .iter()
    .map(|(p, n)| (p.to_string(), *n))
    .collect();
    assert_eq!(rows, want);
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
    // Through stdin (no lookahead) too.
    let a = parse_stdin(&["--threads", "1"], &big);
    let b = parse_stdin(&["--threads", "3"], &big);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn stdin_writes_early_lines_with_what_is_known_and_ids_stay() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.ndjson");
    let out = parse_stdin(&["--templates-out", table.to_str().unwrap()], Path::new(SSHD));
    let evs = ndjson(&out.stdout);
    // The first line is written before other users were seen...
    let (first_id, first) = template(&evs[0]);
    assert_eq!(first, "Failed password for root from <*> port <*> ssh2");
    // ...and its id stays with the template as it generalizes (the id names the group).
    for e in &evs[3..5] {
        assert_eq!(template(e).0, first_id);
    }
    assert_eq!(template(&evs[4]).1, "Failed password for <*> from <*> port <*> ssh2");
    // The users enumerated in between had their own ids: the merged template lists them.
    let rows = table_rows(&table);
    let row = rows.iter().find(|r| r["id"] == first_id).unwrap();
    assert_eq!(row["pattern"], "Failed password for <*> from <*> port <*> ssh2");
    assert_eq!(row["count"], 5);
    let aliases: Vec<&str> = row["aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(aliases, [template(&evs[1]).0, template(&evs[2]).0]);
}

#[test]
fn state_file_round_trip_and_frozen_mode() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let s = state.to_str().unwrap();
    let online = parse(&["--templates", s], Path::new(SSHD));
    assert!(state.exists());
    // Frozen: every line gets the final template of what was learned; for a file learned
    // whole before it was written, that is what the first pass wrote.
    let frozen = parse(&["--templates", s, "--templates-frozen"], Path::new(SSHD));
    let on: Vec<Value> = ndjson(&online.stdout).iter().map(|e| e["logward"]["template"].clone()).collect();
    let fr: Vec<Value> = ndjson(&frozen.stdout).iter().map(|e| e["logward"]["template"].clone()).collect();
    assert_eq!(on, fr);
    assert_eq!(template(&ndjson(&frozen.stdout)[0]).1, "Failed password for <*> from <*> port <*> ssh2");
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
    // A state file of an unknown format says so.
    std::fs::write(&state, "{\"logward_templates\": 7, \"clusters\": []}").unwrap();
    let out = logward().args(["parse", "--templates", s]).arg(root().join(SSHD)).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer"));
}

#[test]
fn day_two_keeps_the_ids_of_day_one() {
    // A nightly cron extending one template set: the second night sees the templates of the
    // first with their ids, and the patterns and counts a single pass would give.
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
    let t0 = dir.path().join("t0.ndjson");
    parse(&["--templates", s, "--templates-out", t0.to_str().unwrap()], &pa);
    let t1 = dir.path().join("t1.ndjson");
    let night2 = parse(&["--templates", s, "--templates-out", t1.to_str().unwrap()], &pb);
    let t2 = dir.path().join("t2.ndjson");
    parse(&["--templates-out", t2.to_str().unwrap()], Path::new(SSHD));
    let shape = |p: &Path| {
        let mut v: Vec<(String, u64)> = table_rows(p)
            .iter()
            .map(|r| (r["pattern"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(shape(&t1), shape(&t2));
    // Every id written on night one still names its template on night two (or is an alias
    // of the template it merged into).
    let night2_rows = table_rows(&t1);
    for r in table_rows(&t0) {
        let id = r["id"].as_str().unwrap();
        assert!(
            night2_rows.iter().any(|n| n["id"] == id || n["aliases"].as_array().is_some_and(|a| a.contains(&r["id"]))),
            "{id} lost"
        );
    }
    // `Invalid user` had two users by the end of night one, so it was written then with an
    // enumerated user; night two's events carry that id.
    let inv = ndjson(&night2.stdout).into_iter().find(|e| template(e).1 == "Invalid user <*> from <*>").unwrap();
    let inv_id = template(&inv).0.to_string();
    assert!(table_rows(&t0).iter().any(|r| r["id"] == inv_id.as_str()), "{inv_id}");
}

#[test]
fn format_one_state_files_match_as_before() {
    // testdata/templates/state-v1.json was written by logward before format 2 (from sshd.log);
    // expected-v1-frozen.ndjson is what that logward gave every line, frozen.
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1.json");
    std::fs::copy(root().join("testdata/templates/state-v1.json"), &v1).unwrap();
    let s = v1.to_str().unwrap();
    let line_templates = |out: &std::process::Output| -> Vec<u8> {
        let mut text = Vec::new();
        for e in ndjson(&out.stdout) {
            serde_json::to_writer(&mut text, &e["logward"]["template"]).unwrap();
            text.push(b'\n');
        }
        text
    };
    let want = std::fs::read(root().join("testdata/templates/expected-v1-frozen.ndjson")).unwrap();
    let frozen = parse(&["--templates", s, "--templates-frozen"], Path::new(SSHD));
    assert_eq!(String::from_utf8_lossy(&line_templates(&frozen)), String::from_utf8_lossy(&want));
    // Learning on top of it rewrites the file in the current format, old clusters kept.
    parse(&["--templates", s], Path::new(VARYING));
    let text = std::fs::read_to_string(&v1).unwrap();
    assert!(text.contains("\"logward_templates\": 2") && text.contains("\"legacy\": true"));
    let again = parse(&["--templates", s, "--templates-frozen"], Path::new(SSHD));
    assert_eq!(line_templates(&again), want);
}

#[test]
fn mining_options() {
    let out = parse(&["--no-templates"], Path::new(SSHD));
    assert!(ndjson(&out.stdout).iter().all(|e| e["logward"].get("template").is_none()));
    let out = parse(&["--mask", "none"], Path::new(VARYING));
    assert_eq!(template(&ndjson(&out.stdout)[14]).1, "Node card check: <*> node in slot <*> do not match");
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.log");
    std::fs::write(&one, "Mar  2 10:00:00 gw app: connect to host.example.com failed\n").unwrap();
    assert_eq!(template(&ndjson(&parse(&[], &one).stdout)[0]).1, "connect to <*> failed");
    let out = parse(&["--mask", "-domain"], &one);
    assert_eq!(template(&ndjson(&out.stdout)[0]).1, "connect to host.example.com failed");
    let out = logward().args(["parse", "--mask", "bogus"]).arg(root().join(SSHD)).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Structured formats have no free-text message and get no template.
    let out = parse(&[], &root().join("testdata/parse/access.log"));
    assert!(ndjson(&out.stdout).iter().all(|e| e.get("logward").and_then(|l| l.get("template")).is_none()));
}

#[test]
fn json_events_with_a_message_are_mined_too() {
    // Our own output read back as JSON: same messages, same templates.
    let dir = tempfile::tempdir().unwrap();
    let first = parse(&[], Path::new(SSHD));
    let events = dir.path().join("events.ndjson");
    std::fs::write(&events, &first.stdout).unwrap();
    let again = parse(&["--format", "json"], &events);
    let (a, b) = (ndjson(&first.stdout), ndjson(&again.stdout));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["logward"]["template"], y["logward"]["template"]);
        assert_eq!(x["message"], y["message"]);
    }
}
