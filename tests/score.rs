//! End-to-end tests of `logward score` with the shipped models. They need the ONNX Runtime
//! library, which `make test` installs first (scripts/fetch-onnxruntime.sh).

mod common;

use common::{assert_accounted, logward, ndjson, root};
use serde_json::Value;

fn meta(model: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(format!("models/{model}.json"))).unwrap()).unwrap()
}

fn anomaly(ev: &Value) -> &Value {
    &ev["logward"]["anomaly"]
}

fn hdfs() -> std::path::PathBuf {
    root().join("testdata/score/hdfs.ndjson")
}

#[test]
fn scores_are_deterministic_across_runs_and_threads() {
    let run = |threads: &str| {
        logward().args(["score", "-q", "--model", "hdfs", "--threads", threads]).arg(hdfs()).output().unwrap()
    };
    let one = run("1");
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    assert_eq!(one.stdout, run("1").stdout);
    assert_eq!(one.stdout, run("4").stdout);
    let events = ndjson(&one.stdout);
    assert_eq!(events.len(), 70);
    for ev in &events {
        let a = anomaly(ev);
        assert!(a["score"].as_f64().unwrap() >= 0.0);
        assert_eq!(a["model"], "hdfs");
        assert_eq!(a["session"], ev["logward"]["session"]["id"]);
    }
}

#[test]
fn windows_follow_each_session_in_order() {
    let out = logward().args(["score", "-q", "--model", "hdfs"]).arg(hdfs()).output().unwrap();
    let mut seen = std::collections::HashMap::new();
    for ev in ndjson(&out.stdout) {
        let a = anomaly(&ev);
        let n = seen.entry(a["session"].as_str().unwrap().to_string()).or_insert(0u64);
        *n += 1;
        assert_eq!(a["window"]["last"], *n, "the window ends at the event");
        assert_eq!(a["window"]["first"], n.saturating_sub(7).max(1), "and holds up to 8 events");
    }
    assert_eq!(seen.len(), 5);
}

#[test]
fn a_window_of_unseen_templates_scores_above_the_top_threshold() {
    let top = meta("hdfs")["thresholds"]["sequence"]["unit"][3].as_f64().unwrap();
    let lines: String = (0..8)
        .map(|i| format!("{{\"logward\":{{\"session\":{{\"id\":\"x\"}},\"template\":{{\"id\":\"never-{i}\"}}}}}}\n"))
        .collect();
    let out = logward().args(["score", "--model", "hdfs"]).write_stdin(lines).output().unwrap();
    let last = ndjson(&out.stdout).pop().unwrap();
    assert!(anomaly(&last)["score"].as_f64().unwrap() > top, "{last}");
    assert_eq!(anomaly(&last)["severity"], "critical");
    assert!(String::from_utf8_lossy(&out.stderr).contains("8 events (100.0%) have templates outside the model's 14"));
}

#[test]
fn sessions_that_stop_early_or_hold_unknown_templates_are_flagged() {
    let out = logward().args(["score", "-q", "--model", "hdfs", "--emit", "sessions"]).arg(hdfs()).output().unwrap();
    let sessions = ndjson(&out.stdout);
    let severity: Vec<(&str, &str, u64)> = sessions
        .iter()
        .map(|s| {
            let a = anomaly(s);
            (a["session"].as_str().unwrap(), a["severity"].as_str().unwrap(), a["events"].as_u64().unwrap())
        })
        .collect();
    let high = |s: &str| s == "high" || s == "critical";
    for (key, sev, events) in &severity {
        assert_eq!(key.starts_with("blk-normal"), !high(sev), "{key}: {sev}");
        assert_eq!(
            *events,
            match *key {
                "blk-normal-1" | "blk-normal-3" => 19,
                "blk-normal-2" => 13,
                "blk-short" => 3,
                _ => 16,
            }
        );
    }
    assert_eq!(severity.len(), 5);
    assert!(sessions.iter().all(|s| s["event"]["dataset"] == "logward.session"));
}

#[test]
fn the_anomaly_object_is_added_and_every_other_byte_kept() {
    let input = std::fs::read_to_string(root().join("testdata/score/mixed.ndjson")).unwrap();
    let out =
        logward().args(["score", "--model", "hdfs"]).arg(root().join("testdata/score/mixed.ndjson")).output().unwrap();
    assert!(out.status.success());
    assert_accounted(&out.stderr, 7);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "the line that is not JSON is rejected");
    let strip = |l: &str| {
        let start = l.find("\"anomaly\":{").unwrap();
        let end = start + l[start..].find("}").unwrap() + 1;
        let end = if l[start..end].contains("\"window\"") { end + l[end..].find('}').unwrap() + 1 } else { end };
        format!("{}{}", &l[..start], &l[end..])
    };
    let inputs: Vec<&str> = input.lines().collect();
    assert_eq!(strip(lines[0]).replace("{,", "{"), inputs[0]);
    // No logward object: one is added at the end, after every byte of the input.
    assert!(lines[1].starts_with(&inputs[1][..inputs[1].len() - 1]));
    assert!(lines[1][inputs[1].len() - 1..].starts_with(",\"logward\":{\"anomaly\":{\"score\":"), "{}", lines[1]);
    assert_eq!(lines[2], inputs[2], "no template: passes through unscored");
    assert_eq!(lines[3], inputs[3]);
    let rescored: Value = serde_json::from_str(lines[4]).unwrap();
    assert_ne!(anomaly(&rescored)["score"], 99, "an earlier score is replaced");
    assert_eq!(rescored["logward"]["template"]["id"], "11");
    let tail: Value = serde_json::from_str(lines[5]).unwrap();
    assert_eq!(tail["tail"], serde_json::json!([1, 2, {"x": "}"}]));
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v.is_object());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 events had no logward.template.id (passed through unscored"), "{err}");
}

#[test]
fn the_default_auth_model_flags_attacks_and_not_routine_logins() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("templates.json");
    std::fs::copy(root().join("models/linux-auth.templates.json"), &state).unwrap();
    let parsed = logward()
        .args(["parse", "-q", "--templates-frozen", "--templates"])
        .arg(&state)
        .arg(root().join("testdata/parse/auth.log"))
        .output()
        .unwrap();
    let out = logward().args(["score", "-q"]).write_stdin(parsed.stdout).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let by_message = |needle: &str| -> String {
        let ev = ndjson(&out.stdout)
            .into_iter()
            .find(|e| e["message"].as_str().is_some_and(|m| m.contains(needle)))
            .unwrap();
        anomaly(&ev)["severity"].as_str().unwrap().to_string()
    };
    assert_eq!(by_message("Invalid user admin"), "critical");
    assert_eq!(by_message("new user: name=backdoor"), "critical");
    let routine = by_message("Accepted publickey for deploy");
    assert!(["none", "low", "medium"].contains(&routine.as_str()), "{routine}");
}

#[test]
fn the_onnx_graph_and_its_metadata_must_agree() {
    let meta = meta("hdfs");
    assert_eq!(meta["window"], 8);
    assert_eq!(meta["feature_version"], 1);
    assert_eq!(meta["content_dims"], 77);
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut m = meta.clone();
        edit(&mut m);
        std::fs::write(dir.path().join(format!("{name}.json")), serde_json::to_vec(&m).unwrap()).unwrap();
        std::fs::copy(root().join("models/hdfs.onnx"), dir.path().join(format!("{name}.onnx"))).unwrap();
        dir.path().join(format!("{name}.onnx"))
    };
    let same = copy("same", &|_| {});
    let ok = logward().args(["score", "-q", "--model"]).arg(&same).arg(hdfs()).output().unwrap();
    let shipped = logward().args(["score", "-q", "--model", "hdfs"]).arg(hdfs()).output().unwrap();
    let no_model = |b: &[u8]| String::from_utf8_lossy(b).replace("\"model\":\"hdfs\"", "");
    assert_eq!(no_model(&ok.stdout), no_model(&shipped.stdout), "a model loaded by path scores like the built-in one");

    type Edit<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, Edit, &str); 4] = [
        ("vocab", &|m| m["vocabulary"].as_array_mut().unwrap().push("extra".into()), "different training runs"),
        ("window", &|m| m["window"] = 6.into(), "'tokens' input is not [batch, 6]"),
        ("version", &|m| m["feature_version"] = 99.into(), "features version 99"),
        ("broken", &|m| m["thresholds"] = Value::Null, "metadata is not valid"),
    ];
    for (name, edit, message) in cases {
        let path = copy(name, edit);
        let out = logward().args(["score", "--model"]).arg(&path).arg(hdfs()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{name}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn bad_models_and_options_are_clear_errors() {
    let cases: [(&[&str], &str); 4] = [
        (&["--model", "nope"], "no model 'nope': name a shipped model (hdfs, linux-auth)"),
        (&["--model", "hdfs", "--mode", "single"], "has no single-event model"),
        (&["--model", "hdfs", "--window", "5"], "trained on windows of 8 events"),
        (&["--model", "hdfs", "--stride", "0"], "0 is not in 1.."),
    ];
    for (args, message) in cases {
        let out = logward().arg("score").args(args).arg(hdfs()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn a_missing_onnx_runtime_is_one_line_saying_how_to_install_it() {
    let out = logward()
        .args(["score", "--model", "hdfs"])
        .arg(hdfs())
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("needs the ONNX Runtime library") && err.contains("scripts/fetch-onnxruntime.sh"), "{err}");
    // Every other stage works without it.
    let parse = logward()
        .args(["parse", "-q"])
        .arg(root().join("testdata/parse/auth.log"))
        .env("ORT_DYLIB_PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(parse.status.success());
}

#[test]
fn stride_scores_every_nth_window_and_carries_the_last_score() {
    let out = logward().args(["score", "-q", "--model", "hdfs", "--stride", "4"]).arg(hdfs()).output().unwrap();
    let events = ndjson(&out.stdout);
    let mut pos = std::collections::HashMap::new();
    for ev in &events {
        let a = anomaly(ev);
        let n = pos.entry(a["session"].as_str().unwrap().to_string()).or_insert(0u64);
        *n += 1;
        let scored_at = (*n - 1) / 4 * 4 + 1;
        assert_eq!(a["window"]["last"], scored_at, "event {n} carries the window scored at {scored_at}");
    }
}

/// Reads a stored (uncompressed) zip's entries: name → bytes.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut entries = Vec::new();
    let mut at = 0;
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    while u32_at(at) == 0x0403_4b50 {
        assert_eq!(u16_at(at + 8), 0, "stored");
        let size = u32_at(at + 18);
        let (name_len, extra) = (u16_at(at + 26), u16_at(at + 28));
        let name = String::from_utf8(bytes[at + 30..at + 30 + name_len].to_vec()).unwrap();
        let data = at + 30 + name_len + extra;
        entries.push((name, bytes[data..data + size].to_vec()));
        at = data + size;
    }
    assert_eq!(u32_at(at), 0x0201_4b50, "central directory follows the entries");
    entries
}

/// An `.npy` file's header dictionary and data.
fn npy(bytes: &[u8]) -> (String, &[u8]) {
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    (String::from_utf8(bytes[10..10 + len].to_vec()).unwrap(), &bytes[10 + len..])
}

#[test]
fn export_features_writes_numpy_arrays_of_the_windows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npz");
    let input = "{\"logward\":{\"session\":{\"id\":\"a\"},\"template\":{\"id\":\"t1\"}}}\n\
                 {\"logward\":{\"session\":{\"id\":\"b\"},\"template\":{\"id\":\"t2\"}}}\n\
                 {\"logward\":{\"session\":{\"id\":\"a\"},\"template\":{\"id\":\"t2\"}},\"message\":\"hello world\"}\n\
                 {\"message\":\"no template\"}\n";
    let out =
        logward().args(["score", "--window", "3", "--export-features"]).arg(&path).write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wrote 5 windows (3 events, 2 sessions, 2 templates, window 3)")
    );
    let entries = unzip(&std::fs::read(&path).unwrap());
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "tokens.npy",
            "content.npy",
            "session.npy",
            "end.npy",
            "vocabulary.npy",
            "idf.npy",
            "window.npy",
            "feature_version.npy",
            "session_field.npy"
        ]
    );
    let (header, data) = npy(&entries[0].1);
    assert!(header.contains("'descr': '<i8'") && header.contains("'shape': (5, 3)"), "{header}");
    let tokens: Vec<i64> = data.chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
    // PAD 0, END 2, templates from 3 in order of first appearance; end windows last.
    assert_eq!(tokens, [0, 0, 3, 0, 0, 4, 0, 3, 4, 3, 4, 2, 0, 4, 2]);
    let (header, data) = npy(&entries[2].1);
    assert!(header.contains("'shape': (5,)"));
    let session: Vec<i64> = data.chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(session, [0, 1, 0, 0, 1]);
    let (header, _) = npy(&entries[1].1);
    assert!(header.contains("'descr': '<f4'") && header.contains("'shape': (5, 77)"), "{header}");
    let (header, data) = npy(&entries[4].1);
    assert!(header.contains("'<U2'") && header.contains("'shape': (2,)"));
    assert_eq!(data, b"t\0\0\x001\0\0\0t\0\0\x002\0\0\0");
}

#[test]
fn single_and_both_modes_score_content_and_fuse_the_two_models() {
    let events = "{\"@timestamp\":\"2025-03-04T10:00:00Z\",\"message\":\"Accepted publickey for alice from 10.0.0.5 port 50000 ssh2\",\"event\":{\"outcome\":\"success\"},\"host\":{\"name\":\"h\"},\"process\":{\"pid\":7},\"user\":{\"name\":\"alice\"},\"source\":{\"ip\":\"10.0.0.5\"},\"logward\":{\"template\":{\"id\":\"590cdb6383941d69\"}}}\n\
                  {\"@timestamp\":\"2025-03-04T03:00:00Z\",\"message\":\"kernel panic weird unheard words zebra quantum\",\"host\":{\"name\":\"h\"}}\n";
    let run = |mode: &str| {
        let out = logward().args(["score", "-q", "--mode", mode]).write_stdin(events).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        ndjson(&out.stdout)
    };
    let single = run("single");
    assert_eq!(single.len(), 2, "the single-event model needs no template");
    let s: Vec<f64> = single.iter().map(|e| anomaly(e)["score"].as_f64().unwrap()).collect();
    assert!(s[1] > s[0], "strange content scores higher: {s:?}");
    assert!(anomaly(&single[0]).get("window").is_none());
    let both = run("both");
    let meta = meta("linux-auth");
    let high = |model: &str| meta["thresholds"][model]["unit"][2].as_f64().unwrap();
    let b0 = anomaly(&both[0])["score"].as_f64().unwrap();
    let sequence = run("sequence");
    let q0 = anomaly(&sequence[0])["score"].as_f64().unwrap();
    let expected = (q0 / high("sequence")).max(s[0] / high("single"));
    assert!(
        (b0 - expected).abs() < 2e-3,
        "both = the larger score in units of each model's high threshold: {b0} vs {expected}"
    );
    assert!(
        anomaly(&both[1])["score"].as_f64().is_some(),
        "an event without a template is scored by the single-event model"
    );
    assert!(anomaly(&sequence[1]).is_null(), "and passes through unscored in sequence mode");
}
