//! Linux audit, journald and firewall logs and repeated messages across stages: SigmaHQ's
//! Linux rules on parsed audit events, repeated messages counted N times by `detect` and
//! `report`, and `parse` output that does not depend on `--threads` on mixed files whose
//! multi-line events cross chunk boundaries, with every line accounted for.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn parse(args: &[&str], input: &std::path::Path) -> std::process::Output {
    let out = logward().arg("parse").args(args).arg(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn sigma_linux() -> Option<std::path::PathBuf> {
    let p = root().join("../shared/data/sigma/rules/linux");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("LOGWARD_SKIP_SHARED").is_some(),
        "../shared/data is missing (set LOGWARD_SKIP_SHARED=1 to skip)"
    );
    None
}

#[test]
fn sigmahq_linux_rules_fire_on_parsed_audit_events() {
    let Some(rules) = sigma_linux() else { return };
    let parsed = parse(&["-q"], &root().join("testdata/detect/linux/audit.log"));
    let out = logward()
        .args(["detect", "--no-builtin", "--alerts-only", "--rules"])
        .arg(&rules)
        .write_stdin(parsed.stdout.clone())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let alerts = ndjson(&out.stdout);
    let fired: BTreeSet<String> = alerts.iter().map(|a| a["rule"]["name"].as_str().unwrap().to_string()).collect();
    for title in [
        // auditd rules: EXECVE arguments (a0, a1, ...), a SYSCALL named from its number
        // (personality = 135 and syslog = 103 on x86_64), SYSCALL exe/key/euid, PATH names,
        // ADD_USER and SERVICE_STOP records.
        "Suspicious Commands Linux",
        "Linux Capabilities Discovery",
        "System Owner or User Discovery - Linux",
        "ASLR Disabled Via Sysctl or Direct Syscall - Linux",
        "Clear or Disable Kernel Ring Buffer Logs via Syslog Syscall",
        "Webshell Remote Command Execution",
        "Linux Network Service Scanning - Auditd",
        "Modification of ld.so.preload",
        "Creation Of An User Account",
        "Disable System Firewall",
        // process_creation rules: Image and CommandLine from the exec, ParentImage from the
        // parent's earlier exec.
        "Decode Base64 Encoded Text",
        "Potentially Suspicious Execution From Tmp Folder",
        "Shell Execution Of Process Located In Tmp Directory",
        "Linux Webshell Indicators",
        // file_event rules: file.path from the PATH record that CREATEs, Image from the
        // SYSCALL; network_connection: SOCKADDR's address and port, Image.
        "Wget Creating Files in Tmp Directory",
        "New Cron File Created",
        "Linux Reverse Shell Indicator",
    ] {
        assert!(fired.contains(title), "{title} did not fire; fired: {fired:?}");
    }
    // The benign exec at the end (ls -l /var/log) raises nothing.
    let events = ndjson(&parsed.stdout);
    let last = events.len() as u64;
    assert_eq!(events.last().unwrap()["process"]["command_line"], "ls -l /var/log");
    for a in &alerts {
        let lines: Vec<u64> =
            a["logward"]["detect"]["events"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
        assert!(!lines.contains(&last), "{} fired on the benign exec", a["rule"]["name"]);
    }
}

#[test]
fn repeated_messages_count_n_times_in_detect_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    std::fs::write(
        &log,
        "Dec 10 07:13:50 gate sshd[1]: Failed password for root from 203.0.113.76 port 1 ssh2\n\
         Dec 10 07:13:56 gate sshd[1]: message repeated 6 times: [ Failed password for root from 203.0.113.76 port 1 ssh2]\n\
         Dec 10 07:14:01 gate sshd[2]: Failed password for admin from 203.0.113.76 port 2 ssh2\n",
    )
    .unwrap();
    let parsed = parse(&["-q", "--year", "2023"], &log).stdout;
    // Three lines, eight failed logins: the brute-force threshold (8) is reached.
    let out = logward().args(["detect", "--alerts-only"]).write_stdin(parsed.clone()).output().unwrap();
    let alerts = ndjson(&out.stdout);
    let brute = alerts.iter().find(|a| a["logward"]["detect"]["rule"] == "ssh_brute_force").expect("ssh_brute_force");
    assert_eq!(brute["logward"]["detect"]["count"], 8);
    assert_eq!(brute["logward"]["detect"]["reason"], "8 failed logins for 2 users from 203.0.113.76 in 11s");
    // One repeat fewer and it does not.
    let fewer = String::from_utf8(parsed.clone()).unwrap().replace("\"count\":6", "\"count\":5");
    let out = logward().args(["detect", "--alerts-only"]).write_stdin(fewer).output().unwrap();
    assert!(!ndjson(&out.stdout).iter().any(|a| a["logward"]["detect"]["rule"] == "ssh_brute_force"));
    // The report counts the repeated message six times.
    let out = logward().args(["report", "-q", "--format", "json"]).write_stdin(parsed).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["authentication"]["failures"], 8);
    assert_eq!(report["authentication"]["by_user"][0]["key"], "root");
    assert_eq!(report["authentication"]["by_user"][0]["failures"], 7);
    assert_eq!(report["event_types"]["rows"][0]["count"], 8);
    assert_eq!(report["overview"]["records"], 3, "records are still lines");
}

#[test]
fn openssh_sample_failed_logins_all_carry_user_source_and_outcome() {
    let data = root().join("../shared/data/loghub-2k/OpenSSH/OpenSSH_2k.log");
    if !data.exists() {
        assert!(std::env::var_os("LOGWARD_SKIP_SHARED").is_some());
        return;
    }
    let evs = ndjson(&parse(&["-q", "--no-templates"], &data).stdout);
    let failed: Vec<&Value> =
        evs.iter().filter(|e| e["event"]["action"] == "ssh_login" && e["event"]["outcome"] == "failure").collect();
    let raw = std::fs::read_to_string(&data).unwrap();
    let lines = raw.lines().filter(|l| l.contains(": Failed ") || l.contains("[ Failed ")).count();
    assert_eq!(failed.len(), lines);
    assert!(failed.iter().all(|e| e["user"]["name"].is_string() && e["source"]["ip"].is_string()));
    let repeated: Vec<&&Value> = failed.iter().filter(|e| e["logward"]["repeat"]["count"].is_number()).collect();
    assert_eq!(repeated.len(), 2);
    let weighted: u64 = failed.iter().map(|e| e["logward"]["repeat"]["count"].as_u64().unwrap_or(1)).sum();
    assert_eq!(weighted, lines as u64 + 2 * 4, "each 'repeated 5 times' line counts 5");
}

/// A big audit.log (several 512 KiB chunks) whose events' records interleave and cross
/// chunk boundaries, a syslog file with forwarded audit records and firewall lines, and a
/// journal: the output is the same bytes with 1 and 3 threads, and every line is
/// accounted for.
#[test]
fn output_does_not_depend_on_threads_and_every_line_is_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let mut text = String::new();
    let mut lines = 0u64;
    for i in 0..6000u64 {
        let t = 1_700_000_000 + i / 10;
        let (a, b) = (2 * i + 1, 2 * i + 2);
        // Two events whose records interleave, one of them without EOE.
        text.push_str(&format!("type=SYSCALL msg=audit({t}.{:03}:{a}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=1 ppid={} pid={} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"sh\" exe=\"/bin/sh\" key=\"exec\"\n", i % 1000, 1000 + i % 50, 2000 + i));
        text.push_str(&format!("type=SYSCALL msg=audit({t}.{:03}:{b}): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid={} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=1 comm=\"cat\" exe=\"/bin/cat\" key=(null)\n", i % 1000, 5000 + i));
        text.push_str(&format!(
            "type=EXECVE msg=audit({t}.{:03}:{a}): argc=3 a0=\"sh\" a1=\"-c\" a2=\"echo {i}\"\n",
            i % 1000
        ));
        text.push_str(&format!("type=PATH msg=audit({t}.{:03}:{b}): item=0 name=\"/etc/shadow\" inode=5 dev=fd:00 mode=0100000 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n", i % 1000));
        text.push_str(&format!("type=EOE msg=audit({t}.{:03}:{a}): \n", i % 1000));
        lines += 5;
        if i % 97 == 0 {
            text.push_str(&format!("type=USER_AUTH msg=audit({t}.{:03}:{}): pid=9 uid=0 auid=0 ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"/bin/su\" hostname=? addr=? terminal=pts/0 res=failed'\n", i % 1000, 900_000 + i));
            lines += 1;
        }
    }
    std::fs::write(&audit, &text).unwrap();
    assert!(text.len() > 2 << 20, "{} bytes: several chunks", text.len());
    let syslog = dir.path().join("messages");
    let mut s = String::new();
    for i in 0..3000u64 {
        let (m, sec) = (i / 60 % 60, i % 60);
        s.push_str(&format!(
            "Mar  5 10:{m:02}:{sec:02} h1 sshd[{i}]: Failed password for root from 192.0.2.{} port {i} ssh2\n",
            i % 250
        ));
        s.push_str(&format!("Mar  5 10:{m:02}:{sec:02} h1 audispd: node=h1 type=SYSCALL msg=audit(1709632800.{:03}:{}): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid={i} auid=0 uid=0 comm=\"id\" exe=\"/usr/bin/id\"\n", i % 1000, 70_000 + i));
        s.push_str(&format!("Mar  5 10:{m:02}:{sec:02} h1 audispd: node=h1 type=EXECVE msg=audit(1709632800.{:03}:{}): argc=1 a0=\"id\"\n", i % 1000, 70_000 + i));
        s.push_str(&format!("Mar  5 10:{m:02}:{sec:02} h1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.{} DST=10.0.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=1 DPT={} WINDOW=1 RES=0x00 SYN URGP=0\n", i % 200, i % 1024));
        s.push_str(&format!("Mar  5 10:{m:02}:{sec:02} h1 sshd[{i}]: message repeated 2 times: [ Failed password for root from 192.0.2.{} port {i} ssh2]\n", i % 250));
    }
    std::fs::write(&syslog, &s).unwrap();
    let journal = root().join("testdata/parse/journal.json");
    let run = |threads: &str| {
        let out = logward()
            .args(["parse", "--year", "2024", "--threads", threads])
            .args([&audit, &syslog, &journal])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out
    };
    let one = run("1");
    let three = run("3");
    assert!(one.stdout == three.stdout, "output differs between --threads 1 and 3");
    let journal_lines = std::fs::read_to_string(&journal).unwrap().lines().count() as u64;
    let total = lines + 15_000 + journal_lines;
    let (read, emitted, rejected, _) = assert_accounted(&one.stderr, total);
    assert_eq!((read, rejected), (total, 0));
    // Every audit event: 6000 execs, 6000 opens, 62 logins in audit.log; 3000 forwarded
    // execs; one from the journal.
    let evs = ndjson(&one.stdout);
    assert_eq!(emitted, evs.len() as u64);
    let audit_events = evs.iter().filter(|e| e["event"]["dataset"] == "auditd.log").count();
    assert_eq!(audit_events, 6000 + 6000 + 62 + 3000 + 1);
    let execs: Vec<&Value> =
        evs.iter().filter(|e| e["event"]["action"] == "executed" && e["process"]["name"] == "sh").collect();
    assert_eq!(execs.len(), 6000);
    assert!(execs.iter().all(|e| e["logward"]["lines"].as_array().unwrap().len() == 3), "SYSCALL + EXECVE + EOE");
    assert!(execs.iter().all(|e| e["process"]["args"].as_array().unwrap().len() == 3));
    let forwarded = evs
        .iter()
        .filter(|e| {
            e["log"]["file"]["path"].as_str().is_some_and(|p| p.ends_with("messages"))
                && e["event"]["dataset"] == "auditd.log"
        })
        .count();
    assert_eq!(forwarded, 3000);
    assert!(String::from_utf8_lossy(&one.stderr).contains("merged into"));
}
