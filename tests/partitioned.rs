//! Partitioned runs (the Spark job, or any engine): `detect --print-partition-key`, one
//! `--partition-family` pass per key family over events split by its key give the alerts of
//! one run over all events; `score --print-session-field` names the session key.

mod common;
use common::*;
use logward::time::{parse_iso, Zone};
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

const BY_USER: &str = "testdata/spark/by-user.yml";
const CUSTOM: &str = "testdata/detect/rules/custom.yml";

fn run(args: &[&str], stdin: Option<Vec<u8>>) -> std::process::Output {
    let mut cmd = logward();
    cmd.current_dir(root()).args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    cmd.output().unwrap()
}

fn families(rules: &[&str]) -> Vec<Value> {
    let mut args = vec!["detect", "--print-partition-key"];
    for r in rules {
        args.extend(["--rules", r]);
    }
    let out = run(&args, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ndjson(&out.stdout)
}

/// Every detect case and sample, in time order (ties in file order).
fn events_in_time_order() -> Vec<String> {
    let mut files: Vec<_> =
        std::fs::read_dir(root().join("testdata/detect/cases")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.push(root().join("testdata/detect/archive-2014.ndjson"));
    files.push(root().join("testdata/detect/processes.ndjson"));
    let mut events: Vec<(i64, String)> = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(f).unwrap().lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap();
            let ts = v["@timestamp"].as_str().and_then(|t| parse_iso(t.as_bytes(), &Zone::Utc)).map_or(0, |t| t.0.secs);
            events.push((ts, line.to_string()));
        }
    }
    events.sort_by_key(|e| e.0);
    events.into_iter().map(|e| e.1).collect()
}

fn text(v: &Value, path: &str) -> Option<String> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Alerts without their event references (which name each run's own input lines).
fn alerts(out: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = ndjson(out)
        .into_iter()
        .filter(|e| e["event"]["kind"] == "alert")
        .map(|mut e| {
            e["logward"]["detect"].as_object_mut().unwrap().remove("events");
            e.to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_partition_key_of_the_builtin_pack_and_of_rules_with_other_group_by_fields() {
    let names = |f: &Value| -> Vec<String> {
        f["correlations"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect()
    };
    let builtin = families(&[]);
    assert_eq!(builtin[0]["family"], 1);
    // The built-in packs (Linux, firewall, Windows) key their correlations by a few fields; the
    // SSH ones, the chained one with the one it counts, by source.ip.
    let ssh = builtin.iter().find(|f| names(f).contains(&"ssh_failures_burst".to_string())).unwrap();
    assert_eq!(ssh["key"], serde_json::json!(["source.ip"]));
    assert!(names(ssh).contains(&"ssh_success_after_failures".to_string()), "{ssh}");
    let keys: Vec<Value> = families(&[BY_USER, CUSTOM]).iter().map(|f| f["key"].clone()).collect();
    for k in [serde_json::json!(["source.ip"]), serde_json::json!(["user.name"]), serde_json::json!(["host.name"])] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert_eq!(keys.len(), builtin.len() + 2, "{keys:?}");
}

#[test]
fn one_pass_per_key_family_over_split_events_gives_the_alerts_of_one_run() {
    let events = events_in_time_order();
    let all = events.join("\n") + "\n";
    let rules = ["--rules", BY_USER, "--rules", CUSTOM];
    let whole = run(&[&["detect", "--alerts-only"][..], &rules].concat(), Some(all.into_bytes()));
    assert!(whole.status.success());
    let want = alerts(&whole.stdout);
    assert!(want.len() > 20, "{}", want.len());
    let fams = families(&[BY_USER, CUSTOM]);
    let mut got = Vec::new();
    for (k, fam) in fams.iter().enumerate() {
        let key: Vec<String> = fam["key"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
        // Three partitions by the family's key (events without it anywhere), each in time order.
        let mut parts = vec![String::new(); 3];
        for (n, line) in events.iter().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            let vals: Option<Vec<String>> = key.iter().map(|f| text(&v, f)).collect();
            let mut h = DefaultHasher::new();
            match vals {
                Some(vals) => vals.hash(&mut h),
                None => n.hash(&mut h),
            }
            let p = (h.finish() % 3) as usize;
            parts[p].push_str(line);
            parts[p].push('\n');
        }
        let family = (k + 1).to_string();
        for part in parts {
            let mut args = vec!["detect", "--alerts-only", "--partition-family", &family];
            if k > 0 {
                args.push("--correlations-only");
            }
            args.extend(rules);
            let out = run(&args, Some(part.into_bytes()));
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            got.extend(alerts(&out.stdout));
        }
    }
    got.sort();
    assert_eq!(got, want);
    // Without --correlations-only the later passes would repeat the single rules' alerts.
    let twice = run(
        &[&["detect", "--alerts-only", "--partition-family", "2"][..], &rules].concat(),
        Some(events.join("\n").into_bytes()),
    );
    assert!(alerts(&twice.stdout).iter().any(|a| !a.contains("\"correlation\"")));
}

#[test]
fn partition_family_zero_runs_no_correlation_and_a_missing_family_is_an_error() {
    let events = events_in_time_order().join("\n");
    let out = run(&["detect", "--alerts-only", "--partition-family", "0"], Some(events.clone().into_bytes()));
    assert!(out.status.success());
    let a = alerts(&out.stdout);
    assert!(!a.is_empty() && a.iter().all(|l| !l.contains("\"correlation\"")), "{a:?}");
    let n = families(&[]).len();
    let beyond = (n + 1).to_string();
    let out = run(&["detect", "--partition-family", &beyond], Some(events.into_bytes()));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("--partition-family {beyond}: the rules have {n} key famil");
    assert!(err.contains(&want), "{err}");
}

#[test]
fn score_prints_its_session_field_without_onnx_runtime() {
    let field = |args: &[&str]| {
        let out = logward().args(args).env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(field(&["score", "--print-session-field"]), "host.name,process.pid\n");
    assert_eq!(field(&["score", "--model", "hdfs", "--print-session-field"]), "logward.session.id\n");
    assert_eq!(
        field(&["score", "--session-field", "user.name,host.name", "--print-session-field"]),
        "user.name,host.name\n"
    );
    let out = logward().args(["score", "--model", "nope", "--print-session-field"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
