//! The I/O layer seen from the command line: inputs, bad data, accounting, errors, threads,
//! pipes. Inputs are generated in temporary folders.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command as StdCommand, Stdio};

const AUTH: &str = "Dec 31 23:58:03 bastion sshd[1003]: Failed password for root from 203.0.113.9 port 41234 ssh2\n";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn compression_is_detected_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let plain = AUTH.repeat(3);
    std::fs::write(dir.path().join("a.log"), gzip(plain.as_bytes())).unwrap();
    std::fs::write(dir.path().join("b.gz"), zstd::encode_all(plain.as_bytes(), 3).unwrap()).unwrap();
    std::fs::write(dir.path().join("c.zst"), &plain).unwrap();
    for name in ["a.log", "b.gz", "c.zst"] {
        let out = logward().args(["parse", "--year", "2023"]).arg(dir.path().join(name)).output().unwrap();
        assert!(out.status.success(), "{name}");
        let evs = ndjson(&out.stdout);
        assert_eq!(evs.len(), 3, "{name}");
        assert_eq!(evs[0]["source"]["ip"], "203.0.113.9");
    }
}

#[test]
fn stdin_dash_globs_and_several_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x1.log"), AUTH).unwrap();
    std::fs::write(dir.path().join("x2.log"), AUTH.repeat(2)).unwrap();
    let pattern = format!("{}/x*.log", dir.path().display());
    let out = logward().args(["parse", "-", &pattern]).write_stdin(AUTH).output().unwrap();
    assert!(out.status.success());
    let evs = ndjson(&out.stdout);
    assert_eq!(evs.len(), 4);
    assert!(evs[0]["log"].get("file").is_none(), "stdin has no file path");
    assert!(evs[1]["log"]["file"]["path"].as_str().unwrap().ends_with("x1.log"));
    assert!(evs[3]["log"]["file"]["path"].as_str().unwrap().ends_with("x2.log"));
    assert_accounted(&out.stderr, 4);
}

#[test]
fn missing_input_and_unmatched_glob_are_usage_errors() {
    let out = logward().args(["parse", "/nonexistent/auth.log"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read '/nonexistent/auth.log'"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    let out = logward().args(["parse", "/nonexistent/*.log"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = logward().args(["parse", "--tz", "Mars/Base"]).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown time zone"));
}

#[test]
fn rotated_sets_are_read_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let line =
        |d: u32| format!("Jan {d:2} 10:00:00 h sshd[1]: Failed password for root from 203.0.113.{d} port 22 ssh2\n");
    std::fs::write(dir.path().join("auth.log"), line(4)).unwrap();
    std::fs::write(dir.path().join("auth.log.1"), line(3)).unwrap();
    std::fs::write(dir.path().join("auth.log.2.gz"), gzip(line(2).as_bytes())).unwrap();
    std::fs::write(dir.path().join("auth.log.10.gz"), gzip(line(1).as_bytes())).unwrap();
    let out = logward()
        .args(["parse", "--rotated", "--year", "2024"])
        .arg(format!("{}/auth.log*", dir.path().display()))
        .output()
        .unwrap();
    let ips: Vec<String> =
        ndjson(&out.stdout).iter().map(|e| e["source"]["ip"].as_str().unwrap().to_string()).collect();
    assert_eq!(ips, ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]);
}

#[test]
fn year_comes_from_mtime_with_rollover() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("auth.log");
    std::fs::write(&f, "Dec 30 10:00:00 h sshd[1]: Invalid user a from 192.0.2.1\nJan  2 10:00:00 h sshd[1]: Invalid user b from 192.0.2.1\n").unwrap();
    let status = StdCommand::new("touch").args(["-d", "2024-01-05 12:00:00"]).arg(&f).status().unwrap();
    assert!(status.success());
    let out = logward().arg("parse").arg(&f).output().unwrap();
    let evs = ndjson(&out.stdout);
    assert_eq!(evs[0]["@timestamp"], "2023-12-30T10:00:00Z");
    assert_eq!(evs[1]["@timestamp"], "2024-01-02T10:00:00Z");
}

#[test]
fn bad_input_is_rejected_clearly_and_accounted() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Vec::new();
    data.extend_from_slice(AUTH.as_bytes()); // 1 ok
    data.extend_from_slice(b"\x00\x01\x02\x7fELF\x02\x01\x01\x00\x00\x00\n"); // 2 binary
    data.extend_from_slice(
        "Dec 31 23:58:04 bastion sshd[1]: Failed password for jos\u{e9} from 192.0.2.9 port 1 ssh2\n"
            .replace('\u{e9}', "\u{1}")
            .as_bytes(),
    ); // 3 ok (one control char)
    data.extend_from_slice(b"Dec 31 23:58:05 bastion sshd[1]: Invalid user caf\xe9 from 192.0.2.10\r\n"); // 4 invalid UTF-8 + CRLF
    data.extend_from_slice(&vec![b'A'; 10 * 1024 * 1024]); // 5 a 10 MB line
    data.push(b'\n');
    data.extend_from_slice(b"\n"); // 6 blank
    data.extend_from_slice(AUTH.as_bytes()); // 7 ok
    let f = dir.path().join("mixed.log");
    std::fs::write(&f, &data).unwrap();
    let errors = dir.path().join("errors.ndjson");
    let out = logward().args(["parse", "--year", "2023", "--errors"]).arg(&errors).arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, emitted, rejected, skipped) = assert_accounted(&out.stderr, 7);
    assert_eq!((emitted, rejected, skipped), (4, 2, 1));
    let evs = ndjson(&out.stdout);
    assert_eq!(evs[2]["user"]["name"], "caf\u{fffd}");
    assert_eq!(evs[2]["tags"][0], "invalid_utf8");
    assert!(!evs[2]["event"]["original"].as_str().unwrap().ends_with('\r'));
    let recs: Vec<serde_json::Value> =
        std::fs::read_to_string(&errors).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["line"], 2);
    assert!(recs[0]["reason"].as_str().unwrap().contains("binary"));
    assert_eq!(recs[1]["line"], 5);
    assert_eq!(recs[1]["bytes"], 10 * 1024 * 1024);
    assert_eq!(recs[1]["truncated"], true);
    assert!(recs[1]["reason"].as_str().unwrap().contains("--max-line-bytes"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mixed.log:2: rejected"), "{err}");
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let full = gzip(AUTH.repeat(2000).as_bytes());
    let f = dir.path().join("cut.log.gz");
    std::fs::write(&f, &full[..full.len() / 2]).unwrap();
    let errors = dir.path().join("e.ndjson");
    let out = logward().args(["parse", "--year", "2023", "--errors"]).arg(&errors).arg(&f).output().unwrap();
    assert!(out.status.success());
    let (read, emitted, rejected, _) = summary(&out.stderr);
    assert!(emitted > 0 && emitted < 2000, "emitted {emitted}");
    assert_eq!(rejected, 1);
    assert_eq!(read, emitted + rejected);
    let rec = std::fs::read_to_string(&errors).unwrap();
    assert!(rec.contains("truncated") || rec.contains("corrupt"), "{rec}");
    let out = logward().args(["parse", "--strict"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn empty_file_and_json_and_csv_rejections() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let out = logward().arg("parse").arg(&empty).output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert_accounted(&out.stderr, 0);

    let j = dir.path().join("e.json");
    std::fs::write(&j, "{\"a\":1}\n\"str\"\n42\n{\"b\":2}\n").unwrap();
    let errors = dir.path().join("je.ndjson");
    let out = logward().args(["parse", "--errors"]).arg(&errors).arg(&j).output().unwrap();
    assert_eq!(summary(&out.stderr), (4, 2, 2, 0));
    assert!(std::fs::read_to_string(&errors).unwrap().contains("not an object"));

    let c = dir.path().join("c.csv");
    std::fs::write(&c, "timestamp,user,src_ip\n2024-01-01 00:00:00,bob,192.0.2.1\n2024-01-01 00:00:01,bob\n").unwrap();
    let out = logward().arg("parse").arg(&c).output().unwrap();
    assert_eq!(summary(&out.stderr), (3, 1, 1, 1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CSV row has 2 columns, the header has 3"));
}

#[test]
fn strict_stops_at_first_rejection_with_status_1() {
    let input = format!("{AUTH}{{\"not\": \"syslog\"}}\n{AUTH}");
    let out = logward().args(["parse", "--strict", "--format", "access"]).write_stdin(input.clone()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:1") && err.contains("--strict"), "{err}");
    // Lines before the rejection are written.
    let input = "{\"a\":1}\n[]\n{\"b\":2}\n".to_string();
    let out = logward().args(["parse", "--strict", "--threads", "3"]).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ndjson(&out.stdout).len(), 1);
}

#[test]
fn output_is_identical_for_every_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = String::new();
    // December in the first half, January in the second: one rollover, somewhere mid-chunk.
    for i in 0..60_000u32 {
        let (day, hour) = if i < 30_000 { ("Dec 31", 23) } else { ("Jan  1", 0) };
        match i % 4 {
            0 => data.push_str(&format!(
                "{day} {hour:02}:{:02}:{:02} h sshd[{i}]: Failed password for u{i} from 10.0.{}.{} port {i} ssh2\n",
                i / 60 % 60,
                i % 60,
                i / 256 % 256,
                i % 256
            )),
            1 => data.push_str(&format!(
                "{day} {hour:02}:{:02}:{:02} h sudo: u{i} : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id {i}\n",
                i / 60 % 60,
                i % 60
            )),
            2 => data.push_str("\x00garbage\n"),
            _ => data.push_str(&format!("{day} {hour:02}:00:00 h kernel: message number {i}\n")),
        }
    }
    let f = dir.path().join("big.log");
    std::fs::write(&f, &data).unwrap();
    let mut outputs = Vec::new();
    for t in ["1", "2", "4", "7"] {
        let out = logward().args(["parse", "--year", "2023", "--threads", t]).arg(&f).output().unwrap();
        assert!(out.status.success());
        assert_accounted(&out.stderr, 60_000);
        outputs.push(out.stdout);
    }
    assert!(outputs.iter().all(|o| *o == outputs[0]), "outputs differ between thread counts");
    // The year rolls over exactly once, whichever chunk the boundary falls in.
    let text = String::from_utf8_lossy(&outputs[0]);
    assert_eq!(text.matches("\"@timestamp\":\"2024-01-01T00:").count(), 22_500);
    assert_eq!(text.matches("\"@timestamp\":\"2023-12-31T23:").count(), 22_500);
}

#[test]
fn closed_stdout_ends_quietly_with_status_0() {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("logward"))
        .args(["parse", "--year", "2023", "--threads", "2", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..200_000 {
            if stdin.write_all(AUTH.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with('{'));
    drop(stdout); // like `| head -1`
    let status = child.wait().unwrap();
    writer.join().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn live_input_is_flushed_when_it_stalls() {
    // Like `tail -F auth.log | logward parse`: an event must come out while stdin stays open.
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("logward"))
        .args(["parse", "--year", "2023"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(AUTH.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        tx.send(line).unwrap();
    });
    // Generous: this checks liveness, not speed.
    let line = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("no event while input stayed open");
    assert!(line.contains("203.0.113.9"));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn output_file_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("events.ndjson");
    let out = logward()
        .args(["parse", "--quiet", "--year", "2023", "-o"])
        .arg(&out_file)
        .write_stdin(format!("{AUTH}\x00bad\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(written.lines().count(), 1);
    assert!(written.contains("\"source\":{\"ip\":\"203.0.113.9\""));
}
