//! `logward report`: numbers checked against counts computed here from the input, sections
//! present exactly when their data is, well-formed HTML with the expected charts, CSV that
//! round-trips, and the Markdown of the sample checked against its expected file.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

const EVENTS: &str = "testdata/report/events.ndjson";
const REJECTS: &str = "testdata/report/rejects.ndjson";

fn report(args: &[&str], stdin: Option<&str>) -> (Vec<u8>, String) {
    let mut cmd = logward();
    cmd.current_dir(root()).arg("report").args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_string());
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (out.stdout, stderr)
}

fn json_report(args: &[&str], stdin: Option<&str>) -> Value {
    let mut all = vec!["-q", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_slice(&report(&all, stdin).0).unwrap()
}

/// The input's events (valid JSON lines), with dotted keys nested, as a plain reader sees them.
fn input_events() -> Vec<Value> {
    let text = std::fs::read_to_string(root().join(EVENTS)).unwrap();
    text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).map(nest).collect()
}

fn nest(v: Value) -> Value {
    let Value::Object(map) = v else { return v };
    let mut out = serde_json::Map::new();
    for (k, v) in map {
        let mut parts: Vec<&str> = k.split('.').collect();
        let last = parts.pop().unwrap();
        let mut at = &mut out;
        for p in parts {
            at = at.entry(p).or_insert_with(|| Value::Object(Default::default())).as_object_mut().unwrap();
        }
        at.insert(last.to_string(), nest(v));
    }
    Value::Object(out)
}

fn field<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn count_by(events: &[&Value], path: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for e in events {
        if let Some(v) = field(e, path).and_then(Value::as_str) {
            *m.entry(v.to_string()).or_default() += 1;
        }
    }
    m
}

fn rows(counted: &Value) -> BTreeMap<String, u64> {
    counted["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["value"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
        .collect()
}

#[test]
fn numbers_equal_counts_computed_from_the_input() {
    let r = json_report(&["--top", "100", "--rejects", REJECTS, EVENTS], None);
    let all = input_events();
    let all: Vec<&Value> = all.iter().collect();
    let is_alert = |e: &&&Value| field(e, "event.kind").and_then(Value::as_str) == Some("alert");
    let alerts: Vec<&Value> = all.iter().filter(is_alert).copied().collect();
    let events: Vec<&Value> = all.iter().filter(|e| !is_alert(e)).copied().collect();

    let o = &r["overview"];
    assert_eq!(o["records"], all.len() as u64);
    assert_eq!(o["alerts"], alerts.len() as u64);
    assert_eq!(o["events"], events.len() as u64);
    // One line of the input is not JSON; the --rejects file holds two more.
    assert_eq!(o["rejected_lines"], 3);
    let mut datasets = count_by(&all, "event.dataset");
    datasets.insert("(none)".into(), all.iter().filter(|e| field(e, "event.dataset").is_none()).count() as u64);
    datasets.retain(|_, n| *n > 0);
    assert_eq!(rows(&o["datasets"]), datasets);
    let stamps: Vec<&str> = all.iter().filter_map(|e| field(e, "@timestamp").and_then(Value::as_str)).collect();
    assert_eq!(o["first"], *stamps.iter().min().unwrap());
    assert_eq!(o["last"], *stamps.iter().max().unwrap());

    let talkers = r["top_talkers"].as_array().unwrap();
    for path in ["source.ip", "user.name", "url.original", "process.name", "destination.ip"] {
        let t = talkers.iter().find(|t| t["field"] == path).unwrap_or_else(|| panic!("{path} listed"));
        assert_eq!(rows(&t["counts"]), count_by(&events, path), "{path}");
    }

    let auth: Vec<&Value> = events
        .iter()
        .filter(|e| {
            field(e, "event.category")
                .and_then(Value::as_array)
                .is_some_and(|c| c.iter().any(|c| c == "authentication"))
        })
        .copied()
        .collect();
    let outcome =
        |o: &str| auth.iter().filter(|e| field(e, "event.outcome").and_then(Value::as_str) == Some(o)).count() as u64;
    let l = &r["logins"];
    assert_eq!((l["failures"].as_u64(), l["successes"].as_u64()), (Some(outcome("failure")), Some(outcome("success"))));
    let root_row = l["top_users"].as_array().unwrap().iter().find(|u| u["user"] == "root").unwrap();
    let root_auth: Vec<&&Value> =
        auth.iter().filter(|e| field(e, "user.name").and_then(Value::as_str) == Some("root")).collect();
    assert_eq!(root_row["attempts"], root_auth.len() as u64);
    let per_user = count_by(&auth, "user.name");
    let ones = per_user.values().filter(|&&n| n == 1).count() as u64;
    assert_eq!(l["attempts_per_user"][0]["label"], "1");
    assert_eq!(l["attempts_per_user"][0]["count"], ones);

    let a = &r["alerts"];
    assert_eq!(a["total"], alerts.len() as u64);
    let by_rule: BTreeMap<String, u64> = a["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(by_rule, count_by(&alerts, "rule.id"));
    assert_eq!(rows(&a["levels"]), count_by(&alerts, "logward.detect.level"));
    assert_eq!(rows(&a["tactics"]).values().sum::<u64>(), 2);

    let scored: Vec<&Value> = all.iter().filter(|e| field(e, "logward.anomaly.score").is_some()).copied().collect();
    let an = &r["anomalies"];
    assert_eq!(an["scored"], scored.len() as u64);
    assert_eq!(
        an["histogram"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum::<u64>(),
        scored.len() as u64
    );
    let max =
        scored.iter().map(|e| field(e, "logward.anomaly.score").unwrap().as_f64().unwrap()).fold(f64::MIN, f64::max);
    assert_eq!(an["most_anomalous"][0]["score"].as_f64(), Some(max));
    assert_eq!(an["most_anomalous"][0]["template"], "Receiving block <*> step 2");

    let p = &r["processes"];
    assert_eq!(
        rows(&p["parent_child"]),
        BTreeMap::from([("explorer.exe → powershell.exe".into(), 1), ("powershell.exe → cmd.exe".into(), 1)])
    );

    let q = &r["data_quality"];
    let finding = |name: &str| {
        q["findings"].as_array().unwrap().iter().find(|f| f["finding"] == name).map(|f| f["count"].as_u64().unwrap())
    };
    assert_eq!(
        finding("events without @timestamp"),
        Some(all.iter().filter(|e| field(e, "@timestamp").is_none()).count() as u64)
    );
    let lines: Vec<&str> = std::fs::read_to_string(root().join(EVENTS)).unwrap().leak().lines().collect();
    let distinct: std::collections::HashSet<&&str> = lines.iter().collect();
    assert_eq!(finding("duplicate events"), Some((lines.len() - distinct.len()) as u64));
    assert_eq!(finding("out-of-order timestamps"), Some(1));
    assert_eq!(finding("lines in no known format"), Some(1));
    let reasons = q["rejected_by_reason"].as_array().unwrap();
    assert_eq!(reasons[0]["reason"], "W3C line has N fields, #Fields: names N");
    assert_eq!(reasons[0]["count"], 2);
    assert_eq!(reasons[0]["example"], "/var/log/odd.log:3");
    assert_eq!(reasons[1]["example"], "testdata/report/events.ndjson:25");

    // Every bucket count adds up to the events and alerts with a timestamp.
    let buckets = r["timeline"]["buckets"].as_array().unwrap();
    let sum = |k: &str| buckets.iter().map(|b| b[k].as_u64().unwrap()).sum::<u64>();
    let stamped = |set: &[&Value]| set.iter().filter(|e| field(e, "@timestamp").is_some()).count() as u64;
    assert_eq!((sum("events"), sum("alerts")), (stamped(&events), stamped(&alerts)));
}

#[test]
fn each_section_appears_only_with_its_data() {
    let base = r#"{"@timestamp":"2024-01-01T00:00:00Z","event":{"dataset":"t","action":"a"}}"#;
    let sections = [
        ("top_talkers", "## Top talkers", r#"{"@timestamp":"2024-01-01T00:00:01Z","source":{"ip":"192.0.2.1"}}"#),
        (
            "logins",
            "## Login attempts",
            r#"{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":["authentication"],"outcome":"failure"}}"#,
        ),
        ("alerts", "## Alerts", r#"{"@timestamp":"2024-01-01T00:00:01Z","event":{"kind":"alert"},"rule":{"id":"x"}}"#),
        (
            "anomalies",
            "## Anomalies",
            r#"{"@timestamp":"2024-01-01T00:00:01Z","logward":{"anomaly":{"score":0.5,"severity":"low"}}}"#,
        ),
        ("processes", "## Processes", r#"{"@timestamp":"2024-01-01T00:00:01Z","process":{"pid":4}}"#),
        ("data_quality", "## Data quality", r#"{"event":{"dataset":"t"}}"#),
    ];
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let plain = format!("{base}\n");
    assert_eq!(keys(&json_report(&[], Some(&plain))), ["overview", "event_types", "timeline"]);
    let md = String::from_utf8(report(&["-q"], Some(&plain)).0).unwrap();
    for (_, heading, _) in &sections {
        assert!(!md.contains(heading), "{heading} without its data");
    }
    for (key, heading, line) in &sections {
        let input = format!("{base}\n{line}\n");
        let r = json_report(&[], Some(&input));
        assert!(r.get(*key).is_some(), "{key} missing for {line}");
        let others: Vec<&str> = sections.iter().map(|s| s.0).filter(|k| k != key && r.get(*k).is_some()).collect();
        assert!(others.is_empty(), "{line} also brought {others:?}");
        let md = String::from_utf8(report(&["-q"], Some(&input)).0).unwrap();
        assert!(md.contains(heading), "{heading} missing");
    }
    // No timestamps at all: no timeline.
    let r = json_report(&[], Some("{\"message\":\"x\"}\n"));
    assert!(r.get("timeline").is_none());
}

#[test]
fn html_is_well_formed_and_holds_one_chart_per_plot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.html");
    report(&["-q", "--format", "html", "-o", path.to_str().unwrap(), "--rejects", REJECTS, EVENTS], None);
    let html = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .expect("the HTML is well-formed XML");
    let named = |n: &str| doc.descendants().filter(|d| d.tag_name().name() == n).count();
    // Event types, timeline, logins (top users, attempts per user), alert levels, score histogram.
    assert_eq!(named("svg"), 6);
    assert_eq!(named("section"), 9);
    for external in ["<script", "<link", "src=\"http", "href=\"http", "@import"] {
        assert!(!html.contains(external), "{external}: the report must stand alone");
    }
    // Text from the logs is escaped, never markup.
    let hostile = "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"user\":{\"name\":\"<b>x</b>&\\u0001\"},\"event\":{\"category\":[\"authentication\"],\"outcome\":\"failure\"}}\n";
    let (out, _) = report(&["-q", "--format", "html"], Some(hostile));
    let html = String::from_utf8(out).unwrap();
    roxmltree::Document::parse_with_options(&html, roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() })
        .unwrap();
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;&amp;"));
}

#[test]
fn png_dir_holds_each_chart_of_the_report_as_a_drawn_png() {
    let dir = tempfile::tempdir().unwrap();
    let pngs = dir.path().join("charts");
    let out = logward()
        .args(["report", "--format", "json", "--png-dir"])
        .arg(&pngs)
        .args(["--rejects", REJECTS, EVENTS])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 6 charts as PNG"));
    let mut names: Vec<String> =
        std::fs::read_dir(&pngs).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "01-events-by-type.png",
            "02-events-per-1m.png",
            "03-attempts-of-the-top-users.png",
            "04-users-by-number-of-attempts.png",
            "05-alerts-by-level.png",
            "06-anomaly-scores.png"
        ]
    );
    for name in &names {
        let img = image::open(pngs.join(name)).unwrap().to_rgb8();
        assert_eq!(img.width(), 860, "{name}");
        let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count();
        let blue = img.pixels().filter(|p| p.0 == [52, 101, 164]).count();
        assert!(dark > 500, "{name}: text and axes are drawn ({dark} dark pixels)");
        assert!(blue > 100 || name.contains("alerts") || name.contains("attempts-of"), "{name}: bars are drawn");
    }
    let csv = logward().args(["report", "--format", "csv", "--png-dir"]).arg(&pngs).arg(EVENTS).output().unwrap();
    assert_eq!(csv.status.code(), Some(2));
}

#[test]
fn output_does_not_depend_on_threads() {
    let one = report(&["-q", "--format", "html", "--threads", "1", EVENTS], None).0;
    let four = report(&["-q", "--format", "html", "--threads", "4", EVENTS], None).0;
    assert!(one == four);
}

#[test]
fn markdown_of_the_sample() {
    let (out, stderr) = report(&["--rejects", REJECTS, EVENTS], None);
    assert_matches_file(&out, &root().join("testdata/report/expected.md"));
    assert_accounted(stderr.as_bytes(), 25);
    assert!(stderr.contains("events.ndjson:25: rejected: not a JSON object"));
}

fn flat(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                flat(c, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        Value::Null => {
            out.insert(path, String::new());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

#[test]
fn csv_round_trips_through_a_csv_reader() {
    let (out, stderr) = report(&["--format", "csv", EVENTS], None);
    assert!(stderr.contains("rejected 1"));
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let got: Vec<BTreeMap<String, String>> = reader
        .records()
        .map(|r| {
            header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).filter(|(_, v)| !v.is_empty()).collect()
        })
        .collect();
    let want: Vec<BTreeMap<String, String>> = input_events()
        .iter()
        .map(|e| {
            let mut m = BTreeMap::new();
            flat(e, String::new(), &mut m);
            m.retain(|_, v| !v.is_empty());
            m
        })
        .collect();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "row {}", i + 1);
    }
    assert_eq!(header[0], "@timestamp");

    // Chosen columns, in the order given, a header even without rows.
    let (out, _) =
        report(&["-q", "--format", "csv", "--fields", "user.name,@timestamp", "--fields", "source.ip", EVENTS], None);
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("user.name,@timestamp,source.ip"));
    assert_eq!(lines.next(), Some("root,2024-03-05T10:00:00Z,203.0.113.9"));
    let (out, _) = report(&["-q", "--format", "csv", "--fields", "a,b"], Some(""));
    assert_eq!(out, b"a,b\n");
}

#[test]
fn bad_usage_is_one_clear_line() {
    let out = logward().current_dir(root()).args(["report", "--fields", "a", EVENTS]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fields chooses CSV columns"));
    let out = logward().current_dir(root()).args(["report", "--rejects", "nope.ndjson", EVENTS]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read --rejects file 'nope.ndjson'"));
    let out = logward().current_dir(root()).args(["report", "--rejects", EVENTS, EVENTS]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a rejected-line record"));
}

/// `report --partial` on each part, then `report --merge`, as a Spark job would.
fn merged(parts: &[String], extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let path = dir.path().join(format!("part-{i}.json"));
        let out = logward()
            .args(["report", "-q", "--partial", "-o"])
            .arg(&path)
            .args(extra)
            .write_stdin(part.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        files.push(path);
    }
    let out =
        logward().args(["report", "-q", "--merge", "--format", "json"]).args(extra).args(&files).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The JSON report of one pass over `input` (from stdin, as the parts are read).
fn one_pass(input: &str, extra: &[&str]) -> Value {
    let mut args = vec!["-q", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_slice(&report(&args, Some(input)).0).unwrap()
}

/// Reject examples name a line of the part, not of the whole input.
fn without_reject_examples(mut v: Value) -> Value {
    if let Some(rows) = v.pointer_mut("/data_quality/rejected_by_reason").and_then(Value::as_array_mut) {
        for r in rows {
            r.as_object_mut().unwrap().remove("example");
        }
    }
    v
}

/// Removes the out-of-order finding (a lower bound after a merge) and returns its count.
fn take_order(v: &mut Value) -> u64 {
    let f = v.pointer_mut("/data_quality/findings").unwrap().as_array_mut().unwrap();
    let n = f.iter().filter(|f| f["finding"] == "out-of-order timestamps").map(|f| f["count"].as_u64().unwrap()).sum();
    f.retain(|f| f["finding"] != "out-of-order timestamps");
    n
}

#[test]
fn merged_partial_summaries_equal_one_pass_for_every_split() {
    let text = std::fs::read_to_string(root().join(EVENTS)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut whole = without_reject_examples(one_pass(&text, &[]));
    let whole_order = take_order(&mut whole);
    assert_eq!(whole_order, 1);
    let join = |ls: &[&str]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();
    let check = |parts: &[String], what: &str| -> Value {
        let mut got = without_reject_examples(merged(parts, &[]));
        let order = take_order(&mut got);
        assert_eq!(got, whole, "{what}");
        assert!(order <= whole_order, "{what}: order is a lower bound");
        got
    };
    // Split in order at every line.
    for at in 1..lines.len() {
        check(&[join(&lines[..at]), join(&lines[at..])], &format!("split at line {at}"));
    }
    // Three parts round robin, as a hash partitioner deals lines.
    let mut parts = vec![String::new(); 3];
    for (i, l) in lines.iter().enumerate() {
        parts[i % 3].push_str(l);
        parts[i % 3].push('\n');
    }
    let got = check(&parts, "round robin");
    // A merge of merges is the same merge (Spark's treeReduce).
    let dir = tempfile::tempdir().unwrap();
    let mut inner = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let path = dir.path().join(format!("{i}.json"));
        logward().args(["report", "-q", "--partial", "-o"]).arg(&path).write_stdin(p.clone()).assert().success();
        inner.push(path);
    }
    let ab = dir.path().join("ab.json");
    logward()
        .args(["report", "-q", "--merge", "--partial", "-o"])
        .arg(&ab)
        .arg(&inner[0])
        .arg(&inner[1])
        .assert()
        .success();
    // Several summaries in one file (NDJSON) are read one after the other.
    let both = dir.path().join("both.ndjson");
    let mut cat = std::fs::read(&ab).unwrap();
    cat.extend(std::fs::read(&inner[2]).unwrap());
    std::fs::write(&both, cat).unwrap();
    let out = logward().args(["report", "-q", "--merge", "--format", "json"]).arg(&both).output().unwrap();
    let mut tree = without_reject_examples(serde_json::from_slice(&out.stdout).unwrap());
    take_order(&mut tree);
    assert_eq!(tree, got);
}

#[test]
fn merged_top_lists_keep_their_error_bounds() {
    // 30,000 events, 9,000 distinct users (more than the 4,096 counters) and three heavy ones.
    let mut truth: BTreeMap<String, u64> = BTreeMap::new();
    let mut parts = vec![String::new(); 3];
    let mut x = 7u64;
    for i in 0..30_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let user = if i % 5 == 0 { format!("heavy{}", i % 3) } else { format!("u{}", x % 9000) };
        *truth.entry(user.clone()).or_default() += 1;
        parts[(i * 3 / 30_000) as usize]
            .push_str(&format!("{{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"user\":{{\"name\":\"{user}\"}}}}\n"));
    }
    let r = merged(&parts, &["--top", "20"]);
    assert_eq!(r["overview"]["records"], 30_000);
    let users = r["top_talkers"].as_array().unwrap().iter().find(|t| t["field"] == "user.name").unwrap();
    assert_eq!(users["counts"]["exact"], false);
    let rows = users["counts"]["rows"].as_array().unwrap();
    assert!(rows[..3].iter().all(|r| r["value"].as_str().unwrap().starts_with("heavy")));
    for row in rows {
        let (count, error) = (row["count"].as_u64().unwrap(), row["error"].as_u64().unwrap_or(0));
        let t = truth[row["value"].as_str().unwrap()];
        assert!(count >= t && count - error <= t, "{row}: true count {t}");
    }
}

#[test]
fn merge_refuses_what_is_not_a_partial_summary() {
    let out = logward().current_dir(root()).args(["report", "--merge", EVENTS]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a partial report summary"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = logward()
        .args(["report", "--merge"])
        .write_stdin("{\"logward_report_partial\":99,\"tally\":{}}\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 99, this logward reads version 1"));
    let out = logward().args(["report", "--merge"]).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hold no partial summary"));
    let out = logward().args(["report", "--partial", "--format", "csv"]).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
