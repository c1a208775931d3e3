//! Regression tests for the findings of the adversarial run (issue 26), one section per
//! finding, most severe first: each case failed on the code before the fix (see
//! bench/adversarial.sh, which runs the same cases on any two builds).
//!
//! The findings: (1) outputs that are inputs, (2) deep process trees, (3) a stalling LLM,
//! (4) unbounded side files, (5) silent field loss, (6) silent gaps in detect, (7) one
//! notion of a valid event, (8) edge input (line endings, offsets, dates, years),
//! (9) interrupted output.

mod common;
use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EVENT: &str =
    r#"{"@timestamp":"2024-03-01T10:00:00Z","event":{"kind":"event"},"message":"hello","source":{"ip":"203.0.113.9"}}"#;
const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    if name.ends_with(".key") {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The seven subcommands, each with what it needs to run on EVENT (a key, a feature file).
fn stages(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let key = write(dir, "team.key", KEY);
    let npz = dir.join("features.npz");
    vec![
        ("parse", vec![]),
        ("anonymize", vec!["--key-file".into(), s(&key).into()]),
        ("detect", vec![]),
        ("score", vec!["--export-features".into(), s(&npz).into()]),
        ("enrich", vec![]),
        ("tree", vec![]),
        ("report", vec![]),
    ]
}

// 1. Inputs destroyed -------------------------------------------------------------------

#[test]
fn no_subcommand_writes_over_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "events.ndjson", &format!("{EVENT}\n"));
    let link = dir.path().join("link.ndjson");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let hard = dir.path().join("hard.ndjson");
    std::fs::hard_link(&input, &hard).unwrap();
    for (stage, extra) in stages(dir.path()) {
        for (flag, target) in [("-o", &input), ("-o", &link), ("-o", &hard), ("--errors", &input), ("--errors", &link)]
        {
            let out = logward().arg(stage).args(&extra).args([flag, s(target), s(&input)]).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{stage} {flag} {}: {}", target.display(), err(&out));
            assert!(err(&out).contains("is the same file as the input"), "{stage}: {}", err(&out));
            assert_eq!(err(&out).lines().count(), 1, "one line: {}", err(&out));
            assert_eq!(std::fs::read_to_string(&input).unwrap(), format!("{EVENT}\n"), "{stage} {flag}: input changed");
        }
    }
}

#[test]
fn two_outputs_that_are_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "events.ndjson", &format!("{EVENT}\nnot json\n"));
    let both = dir.path().join("out.ndjson");
    let other_name = dir.path().join(".").join("out.ndjson");
    let out = logward().args(["detect", "-o", s(&both), "--errors", s(&other_name), s(&input)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("are the same file"), "{}", err(&out));
    assert!(!both.exists(), "nothing was created");
    // Existing, through a link.
    std::fs::write(&both, "").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&both, &link).unwrap();
    let out = logward().args(["parse", "-o", s(&both), "--errors", s(&link), s(&input)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
}

#[test]
fn side_files_are_never_written_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "auth.log",
        "Feb  9 21:19:40 h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n",
    );
    let events = write(dir.path(), "events.ndjson", &format!("{EVENT}\n"));
    let key = write(dir.path(), "team.key", KEY);
    let rule = write(
        dir.path(),
        "rule.yml",
        "title: T\nlogsource: {product: linux}\ndetection:\n  sel: {message: hello}\n  condition: sel\n",
    );
    let cases: Vec<Vec<&str>> = vec![
        vec!["parse", "--templates-out", s(&input), s(&input)],
        vec!["parse", "--templates", s(&input), s(&input)],
        vec!["anonymize", "--key-file", s(&key), "--risk-report", s(&events), s(&events)],
        vec!["anonymize", "--key-file", s(&key), "-o", s(&key), s(&events)],
        vec!["score", "--export-features", s(&events), s(&events)],
        vec!["detect", "--rules", s(&rule), "-o", s(&rule), s(&events)],
    ];
    for args in cases {
        let before: Vec<Vec<u8>> = [&input, &events, &key, &rule].iter().map(|p| std::fs::read(p).unwrap()).collect();
        let out = logward().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
        assert!(err(&out).contains("same file as"), "{args:?}: {}", err(&out));
        let after: Vec<Vec<u8>> = [&input, &events, &key, &rule].iter().map(|p| std::fs::read(p).unwrap()).collect();
        assert_eq!(before, after, "{args:?} changed a file");
    }
}

#[test]
fn standard_output_onto_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "events.ndjson", &format!("{EVENT}\n"));
    // `logward detect events.ndjson >> events.ndjson` would read its own output forever.
    let append = std::fs::OpenOptions::new().append(true).open(&input).unwrap();
    let out = StdCommand::new(env!("CARGO_BIN_EXE_logward"))
        .args(["detect", s(&input)])
        .stdout(Stdio::from(append))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("standard output is the same file as the input"), "{}", err(&out));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), format!("{EVENT}\n"));
}

#[test]
fn a_failed_run_leaves_no_complete_looking_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "events.ndjson", &format!("{EVENT}\n"));
    let report = write(dir.path(), "report.md", "old report\n");
    let not_a_dir = write(dir.path(), "charts", "a file where the chart folder should be\n");
    let out = logward().args(["report", "-o", s(&report), "--png-dir", s(&not_a_dir), s(&input)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "old report\n", "the old file stays as it was");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "no temporary file left: {names:?}");
    // A run that succeeds replaces it.
    let out = logward().args(["report", "-q", "-o", s(&report), s(&input)]).output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    assert!(std::fs::read_to_string(&report).unwrap().starts_with("# logward report"));
}

// 9. Interrupted output -----------------------------------------------------------------

#[test]
fn an_interrupted_run_keeps_its_output_only_as_partial() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("events.ndjson");
    let errors = dir.path().join("rejected.ndjson");
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_logward"))
        .args(["parse", "-o", s(&out_path), "--errors", s(&errors)])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines: String = (0..50)
        .map(|i| format!("Feb  9 21:19:{i:02} h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n"))
        .collect();
    stdin.write_all(lines.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The input paused: the events so far are flushed to the temporary file.
    let started = Instant::now();
    let tmp_with_data = || {
        std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(".events.ndjson.")
                && std::fs::read_to_string(e.path()).map(|t| t.lines().count() == 50).unwrap_or(false)
        })
    };
    while !tmp_with_data() {
        assert!(started.elapsed() < Duration::from_secs(60), "no output was written");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!out_path.exists(), "not under its name while running");
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    drop(stdin);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM));
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!out_path.exists(), "an interrupted run leaves no complete-looking file");
    let partial = dir.path().join("events.ndjson.partial");
    let kept = std::fs::read_to_string(&partial).unwrap();
    assert_eq!(kept.lines().count(), 50, "every event read so far is kept in the .partial file");
    assert!(stderr.contains("is kept in"), "{stderr}");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

// 2. tree on a deep chain ---------------------------------------------------------------

#[test]
fn a_deep_process_chain_gives_a_tree_of_linear_size() {
    let depth = 50_000usize;
    let mut input = String::with_capacity(depth * 120);
    for i in 1..=depth {
        input.push_str(&format!(
            "{{\"@timestamp\":\"2024-03-01T10:00:00Z\",\"event\":{{\"category\":[\"process\"],\"type\":[\"start\"]}},\"process\":{{\"pid\":{},\"parent\":{{\"pid\":{}}},\"name\":\"p{i}\"}}}}\n",
            i + 1,
            i
        ));
    }
    for (format, per_line) in [("text", 400), ("md", 250), ("ndjson", 700), ("dot", 250)] {
        let out = logward().args(["tree", "-q", "--format", format]).write_stdin(input.clone()).output().unwrap();
        assert!(out.status.success(), "{format}: {}", err(&out));
        assert!(
            out.stdout.len() < depth * per_line,
            "{format}: {} bytes for {depth} processes: output must grow linearly",
            out.stdout.len()
        );
        if format == "ndjson" {
            let last = out.stdout.split(|&b| b == b'\n').rfind(|l| !l.is_empty()).unwrap();
            let node: Value = serde_json::from_slice(last).unwrap();
            assert_eq!(node["logward"]["tree"]["depth"], depth - 1);
            let path = node["logward"]["tree"]["path"].as_array().unwrap();
            assert_eq!(path.len(), 32);
            assert_eq!(path[0], 2, "the start");
            assert_eq!(path[31], depth + 1, "the node itself");
            assert_eq!(node["logward"]["tree"]["path_elided"], depth - 32);
        }
        if format == "text" {
            let text = String::from_utf8_lossy(&out.stdout);
            let deepest = text.lines().last().unwrap();
            assert!(deepest.starts_with(&format!("[depth {}] ", depth - 1)), "{deepest}");
        }
    }
}

// 3. enrich --llm against a server that does not help -------------------------------------

/// Accepts connections on 127.0.0.1 and answers each with `respond` in a thread of its
/// own (`None`: never answer); counts the requests.
fn server(respond: impl Fn() -> Option<String> + Send + Sync + 'static) -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(0usize));
    let count = seen.clone();
    let respond = Arc::new(respond);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut stream) = conn else { continue };
            *count.lock().unwrap() += 1;
            let respond = respond.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let mut len = 0usize;
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                match respond() {
                    Some(reply) => {
                        let _ = stream.write_all(reply.as_bytes());
                    }
                    None => std::thread::sleep(Duration::from_secs(120)),
                }
            });
        }
    });
    (url, seen)
}

fn alerts(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"event\":{{\"kind\":\"alert\"}},\"rule\":{{\"name\":\"r{i}\"}},\"source\":{{\"ip\":\"198.51.100.{}\"}}}}\n", i % 250))
        .collect()
}

fn enrich_llm(url: &str, input: String, extra: &[&str]) -> Output {
    logward().args(["enrich", "--threads", "1", "--llm", url]).args(extra).write_stdin(input).output().unwrap()
}

#[test]
fn a_hanging_llm_is_given_up_on_and_the_events_pass_through() {
    let (url, seen) = server(|| None);
    let out = enrich_llm(&url, alerts(100), &["--llm-timeout", "1", "--llm-breaker", "3"]);
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ndjson(&out.stdout).len(), 100, "every event passes through");
    let e = err(&out);
    assert!(e.contains("3 requests in a row failed") && e.contains("no more requests"), "{e}");
    assert!(e.contains("3 requests,") && e.contains("more passed through without asking"), "{e}");
    assert!(*seen.lock().unwrap() <= 3, "no request after the breaker opened");
}

#[test]
fn a_far_off_retry_after_is_not_waited_for() {
    let reply = "HTTP/1.1 429 Too Many\r\nRetry-After: 100000\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let (url, seen) = server(move || Some(reply.to_string()));
    let out = enrich_llm(&url, alerts(20), &["--llm-breaker", "0"]);
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ndjson(&out.stdout).len(), 20);
    let e = err(&out);
    assert!(e.contains("LLM: 20 requests, 0 answered from cache, 20 alerts without an answer"), "{e}");
    assert_eq!(*seen.lock().unwrap(), 20, "one request an alert: no retry after a Retry-After over the cap");
}

#[test]
fn no_request_starts_after_the_deadline() {
    let (url, seen) = server(|| None);
    let out = enrich_llm(&url, alerts(30), &["--llm-timeout", "20", "--llm-deadline", "2", "--llm-breaker", "0"]);
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ndjson(&out.stdout).len(), 30);
    let e = err(&out);
    assert!(e.contains("the --llm-deadline of 2s passed"), "{e}");
    assert!(e.contains("more passed through without asking"), "{e}");
    assert_eq!(*seen.lock().unwrap(), 1, "the one request in flight was cut at the deadline");
}

#[test]
fn a_closed_port_opens_the_breaker() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = enrich_llm(&format!("http://127.0.0.1:{port}/v1"), alerts(40), &[]);
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ndjson(&out.stdout).len(), 40);
    let e = err(&out);
    assert!(e.contains("5 requests in a row failed"), "{e}");
    assert!(e.contains("LLM: 5 requests"), "the default breaker stops at 5 requests: {e}");
}

#[test]
fn the_llm_url_is_checked_before_the_run() {
    for (url, says) in [
        ("notaurl", "is not a URL"),
        ("ftp://example.com/v1", "the scheme 'ftp' is not supported"),
        ("http://", "is not a URL"),
    ] {
        let out = logward().args(["enrich", "--llm", url]).write_stdin(alerts(1)).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{url}: {}", err(&out));
        assert!(err(&out).contains(says), "{url}: {}", err(&out));
        assert!(out.stdout.is_empty());
    }
    let out = logward().args(["enrich", "--llm", "http://127.0.0.1:9/v1", "--llm-timeout", "inf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
}

// 4. Side files are read with a limit ---------------------------------------------------

#[test]
fn endless_side_files_stop_with_a_message_naming_the_file_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let events = write(dir.path(), "events.ndjson", &format!("{EVENT}\n"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["anonymize", "--key-file", "/dev/zero"], "key file '/dev/zero' is larger than the 4 KiB limit"),
        (
            vec!["anonymize", "--key-file", KEYFILE_PLACEHOLDER, "--policy", "/dev/zero"],
            "policy '/dev/zero' is larger than the 16 MiB limit",
        ),
        (vec!["detect", "--rules", "/dev/zero"], "rule file '/dev/zero' is larger than the 16 MiB limit"),
        (vec!["detect", "--mapping", "/dev/zero"], "mapping '/dev/zero' is larger than the 16 MiB limit"),
        (vec!["enrich", "--ip-list", "t=/dev/zero"], "IP list '/dev/zero' line 1: longer than 64 KiB"),
        (
            vec!["enrich", "--side-file-limit", "1M", "--geoip", "/dev/zero"],
            "GeoIP database '/dev/zero' is larger than the 1 MiB limit",
        ),
        (
            vec!["enrich", "--side-file-limit", "1M", "--attack-bundle", "/dev/zero"],
            "ATT&CK bundle '/dev/zero' is larger than the 1 MiB limit; raise the limit with --side-file-limit",
        ),
        (
            vec!["parse", "--side-file-limit", "1M", "--templates", "/dev/zero"],
            "template state '/dev/zero' is larger than the 1 MiB limit",
        ),
        (vec!["report", "--rejects", "/dev/zero"], "--rejects file '/dev/zero' line 1: longer than 64 MiB"),
    ];
    let key = write(dir.path(), "team.key", KEY);
    for (args, says) in cases {
        let args: Vec<&str> = args.iter().map(|a| if *a == KEYFILE_PLACEHOLDER { s(&key) } else { a }).collect();
        let out = logward().args(&args).arg(s(&events)).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
        assert!(err(&out).contains(says), "{args:?}: {}", err(&out));
    }
    // A real list larger than the limit names the flag that raises it.
    let list = write(dir.path(), "big.txt", &"203.0.113.0/24\n".repeat(1000));
    let out = logward()
        .args(["enrich", "--side-file-limit", "1K", "--ip-list"])
        .arg(format!("t={}", s(&list)))
        .arg(s(&events))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("larger than the 1 KiB limit; raise the limit with --side-file-limit"), "{}", err(&out));
    let out =
        logward().args(["enrich", "-q", "--ip-list"]).arg(format!("t={}", s(&list))).arg(s(&events)).output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ndjson(&out.stdout)[0]["tags"][0], "ip_list:t");
}

const KEYFILE_PLACEHOLDER: &str = "<key>";

// 5. No field is lost, no number rewritten ------------------------------------------------

#[test]
fn colliding_keys_and_exotic_numbers_survive_every_rewrite() {
    // Each with an address, so that enrich with an IP list rebuilds it as a tree.
    let lines = [
        r#"{"a.b":2,"a":1,"source":{"ip":"192.0.2.1"}}"#,
        r#"{"user.name":"alice","user":{"name":"bob"},"source":{"ip":"192.0.2.1"}}"#,
        r#"{"n":18446744073709551616,"m":1e-450,"z":-0,"h":1e400,"e":1E3,"f":1.50,"source":{"ip":"192.0.2.1"}}"#,
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let dir = tempfile::tempdir().unwrap();
    let list = write(dir.path(), "list.txt", "192.0.2.1\n");
    let runs: Vec<Vec<String>> = vec![
        vec!["parse".into(), "--format".into(), "json".into(), "--no-templates".into()],
        vec!["enrich".into()],
        // An IP list makes enrich rebuild every event as a tree.
        vec!["enrich".into(), "--ip-list".into(), format!("l={}", s(&list))],
    ];
    for args in runs {
        let out = logward().args(&args).arg("-q").write_stdin(input.clone()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", err(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        let got: Vec<&str> = text.lines().collect();
        assert_eq!(got.len(), 3, "{args:?}");
        assert!(got[0].contains(r#""a.b":2"#) && got[0].contains(r#""a":1"#), "{args:?}: {}", got[0]);
        assert!(
            got[1].contains(r#""user.name":"alice""#) && got[1].contains(r#""user":{"name":"bob"}"#),
            "{args:?}: {}",
            got[1]
        );
        for n in ["18446744073709551616", "1e-450", r#""z":-0,"#, "1e400", "1E3", "1.50"] {
            assert!(got[2].contains(n), "{args:?}: {n} rewritten in {}", got[2]);
        }
    }
}

// 6. detect says what it does not do ------------------------------------------------------

fn detect_with(rules: &str, events: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "rules.yml", rules);
    let e = write(dir.path(), "events.ndjson", events);
    logward().args(["detect", "--no-builtin", "--rules", s(&r)]).args(extra).arg(s(&e)).output().unwrap()
}

#[test]
fn chained_correlations_of_any_depth_fire() {
    let depth = 12;
    let mut rules = String::from(
        "title: Base\nname: level0\nlogsource: {product: adversarial}\ndetection:\n  sel: {message: hello}\n  condition: sel\n",
    );
    for k in 1..=depth {
        rules.push_str(&format!(
            "---\ntitle: Level {k}\nname: level{k}\ncorrelation:\n  type: event_count\n  rules: [level{}]\n  group-by: [source.ip]\n  timespan: 1h\n  condition: {{gte: 1}}\n",
            k - 1
        ));
    }
    // `product: adversarial` is no logsource the mapping places: run it on every event.
    let out = detect_with(&rules, &format!("{EVENT}\n"), &["--alerts-only", "--all-logsources"]);
    assert!(out.status.success(), "{}", err(&out));
    let alerts = ndjson(&out.stdout);
    let names: Vec<&str> = alerts.iter().filter_map(|a| a["rule"]["name"].as_str()).collect();
    assert_eq!(names, [format!("Level {depth}")], "{}", err(&out));
}

#[test]
fn rule_problems_name_the_file_and_the_rule() {
    let base = "title: Base\nname: base_rule\nlogsource: {product: linux}\ndetection:\n  sel: {message: hello}\n  condition: sel\n";
    let modifier = "---\ntitle: Bad modifier rule\nlogsource: {product: linux}\ndetection:\n  sel:\n    message|foo: x\n  condition: sel\n";
    let span = "---\ntitle: Bad timespan corr\ncorrelation:\n  type: event_count\n  rules: [base_rule]\n  group-by: [source.ip]\n  timespan: 10x\n  condition: {gte: 2}\n";
    let deep = format!(
        "---\ntitle: Deep\nlogsource: {{product: linux}}\ndetection:\n  sel: {{message: x}}\n  condition: {}sel{}\n",
        "(".repeat(200),
        ")".repeat(200)
    );
    let out = detect_with(&format!("{base}{modifier}{span}{deep}"), &format!("{EVENT}\n"), &[]);
    assert!(out.status.success(), "{}", err(&out));
    let e = err(&out);
    assert!(e.contains("rules.yml: rule 'Bad modifier rule': Unknown modifier 'foo' (skipped)"), "{e}");
    assert!(e.contains("rules.yml: correlation 'Bad timespan corr': Invalid timespan '10x' (skipped)"), "{e}");
    let deep_line = e.lines().find(|l| l.contains("rule 'Deep'")).unwrap_or_else(|| panic!("{e}"));
    assert!(deep_line.len() < 400, "one short line, not a repeated message: {deep_line}");
}

#[test]
fn a_file_that_is_not_a_sigma_rule_says_so_and_no_rules_is_an_error() {
    let compose = "version: \"3\"\nservices:\n  web:\n    image: nginx\n";
    let out = detect_with(compose, &format!("{EVENT}\n"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let e = err(&out);
    assert!(e.contains("rules.yml: document 1 is not a Sigma rule"), "{e}");
    assert!(e.contains("no rules loaded"), "{e}");
    assert!(out.stdout.is_empty());
}

#[test]
fn groups_dropped_at_max_groups_are_not_called_idle() {
    let rules = "title: Base\nname: base\nlogsource: {product: adversarial}\ndetection:\n  sel: {message: hello}\n  condition: sel\n---\ntitle: Many\nname: many\ncorrelation:\n  type: event_count\n  rules: [base]\n  group-by: [source.ip]\n  timespan: 1h\n  condition: {gte: 5}\n";
    let events: String = (0..50)
        .map(|i| format!("{{\"@timestamp\":\"2024-03-01T10:00:{i:02}Z\",\"message\":\"hello\",\"source\":{{\"ip\":\"192.0.2.{i}\"}}}}\n"))
        .collect();
    let out = detect_with(rules, &events, &["--max-groups", "4", "--all-logsources"]);
    assert!(out.status.success(), "{}", err(&out));
    let e = err(&out);
    assert!(e.contains("correlation groups dropped (the least recently active, to stay within --max-groups"), "{e}");
    assert!(!e.contains("idle"), "{e}");
}

// 7. One notion of a valid event ----------------------------------------------------------

/// Whether each stage accepted (emitted) or rejected the one line of `input`.
fn verdicts(input: &[u8]) -> Vec<(&'static str, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    std::fs::write(&file, input).unwrap();
    let mut v = Vec::new();
    for (stage, mut extra) in stages(dir.path()) {
        if stage == "parse" {
            extra.extend(["--format".to_string(), "json".to_string()]);
        }
        let out = logward().arg(stage).args(&extra).arg(s(&file)).output().unwrap();
        assert!(out.status.success(), "{stage}: {}", err(&out));
        let (read, _, rejected, _) = assert_accounted(&out.stderr, 1);
        assert_eq!(read, 1);
        v.push((stage, rejected == 0));
    }
    v
}

#[test]
fn every_stage_agrees_on_what_a_valid_event_is() {
    let cases: [(&[u8], bool); 8] = [
        (b"\xef\xbb\xbf{\"message\":\"bom\"}\n", true),
        (br#"{"message":"\ud800"}"#, false),
        (br#"{"message":"\udc00 x"}"#, false),
        (br#"{"message":"\ud83d\ude00"}"#, true),
        (br#"{"n":1e400,"message":"x"}"#, true),
        (b"{\"message\":\"tab\there\"}", false),
        (br#"{"a":1,"a":2}"#, false),
        (br#"{"a":1,"b":{"a":2}}"#, true),
    ];
    for (line, valid) in cases {
        let got = verdicts(line);
        for (stage, accepted) in &got {
            assert_eq!(*accepted, valid, "{stage} on {}: {got:?}", String::from_utf8_lossy(line));
        }
    }
}

// 8. Edge input -------------------------------------------------------------------------------

#[test]
fn cr_only_line_endings_are_lines() {
    let text = "Feb  9 21:19:40 h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\r\
                Feb  9 21:19:41 h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\r\
                Feb  9 21:19:42 h sshd[1]: Accepted password for root from 203.0.113.9 port 22 ssh2\r";
    let out = logward().args(["parse", "--year", "2024"]).write_stdin(text).output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    let evs = ndjson(&out.stdout);
    assert_eq!(evs.len(), 3, "three records, not one merged line");
    assert_eq!(evs[2]["event"]["outcome"], "success");
    assert_accounted(&out.stderr, 3);
    // CRLF files are unchanged by this.
    let out = logward().args(["parse", "--year", "2024"]).write_stdin(text.replace('\r', "\r\n")).output().unwrap();
    assert_eq!(ndjson(&out.stdout).len(), 3);
    // The first CR the 8th byte of a file with a byte-order mark: the first read (8 bytes,
    // to tell an EVTX file) ends on it, before the next byte says CR-only (found by
    // property_parsers).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom-cr.log");
    std::fs::write(&path, b"\xef\xbb\xbf  aA\rbb").unwrap();
    let out = logward().args(["parse"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ndjson(&out.stdout).len(), 2, "{}", err(&out));
    assert_accounted(&out.stderr, 2);
}

#[test]
fn impossible_times_are_tagged_not_guessed() {
    let lines = [
        // An offset of +99:99 is no offset: not read as UTC.
        r#"{"@timestamp":"2024-03-01T10:00:00+99:99","message":"x"}"#,
        "2024-03-01T10:00:00+99:99 host sshd[1]: Accepted password for root from 203.0.113.9 port 22 ssh2",
        "Feb 30 10:00:00 host sshd[1]: Accepted password for root from 203.0.113.9 port 22 ssh2",
        "2024-02-30 10:00:00 job started",
    ];
    for line in lines {
        let out = logward().args(["parse", "-q", "--year", "2024"]).write_stdin(format!("{line}\n")).output().unwrap();
        assert!(out.status.success(), "{line}: {}", err(&out));
        let ev = &ndjson(&out.stdout)[0];
        let tags: Vec<&str> =
            ev["tags"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        assert!(tags.contains(&"invalid_timestamp"), "{line}: {ev}");
        match ev["@timestamp"].as_str() {
            None => {}
            Some(t) => assert_eq!(t, "2024-03-01T10:00:00+99:99", "kept as written, never rewritten: {line}"),
        }
    }
    // A year RFC 3339 cannot write is a usage error.
    let out = logward().args(["parse", "--year", "99999"]).write_stdin("Feb  9 21:19:40 h x: y\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let out =
        logward().args(["parse", "-q", "--year", "9999"]).write_stdin("Feb  9 21:19:40 h x: y\n").output().unwrap();
    assert_eq!(ndjson(&out.stdout)[0]["@timestamp"], "9999-02-09T21:19:40Z");
}
