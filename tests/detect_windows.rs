//! `logward detect` on Windows events as Winlogbeat writes them: Sigma's Windows logsources
//! placed on channels and event ids, SigmaHQ-style field names resolving against
//! winlog.event_data, rules of unmapped logsources kept off other products' events, and
//! the built-in Windows pack.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn detect(args: &[&str]) -> std::process::Output {
    logward().current_dir(root().join("testdata/detect")).arg("detect").args(args).output().unwrap()
}

/// (rule title, winlog.record_id or host) of every alert.
fn fired(out: &std::process::Output) -> BTreeSet<(String, String)> {
    ndjson(&out.stdout)
        .iter()
        .filter(|e| e["event"]["kind"] == "alert")
        .map(|a| {
            let at = a["winlog"]["record_id"].as_str().or(a["host"]["name"].as_str()).unwrap_or("-");
            (a["rule"]["name"].as_str().unwrap().to_string(), at.to_string())
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn sigma_windows_fields_and_logsources_resolve_on_winlogbeat_events() {
    let out = detect(&["--no-builtin", "--alerts-only", "--rules", "windows/rules.yml", "windows/events.ndjson"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let want = set(&[
        // Sysmon 1, Security 4688 (NewProcessName, ParentProcessName), and Winlogbeat 7's
        // numeric event id with dotted keys; not the one started by explorer.exe (record
        // 2), nor event id 1 of another channel (15).
        ("Whoami execution", "1"),
        ("Whoami execution", "3"),
        ("Whoami execution", "4"),
        // registry_set is Sysmon 13 only, not 12.
        ("Run key set", "5"),
        ("Mimikatz in a script block", "7"),
        // Data: the unnamed values Winlogbeat writes as param1, param2, ...
        ("Encoded classic PowerShell start", "8"),
        // LogonType 10 in the rule against the string "10" Winlogbeat writes; not type 3.
        ("RDP logon", "9"),
        // UserData values (winlog.user_data) answer EventData names.
        ("Security log cleared by eve", "11"),
        ("Service Control Manager event", "12"),
        ("DNS query for a paste site", "13"),
        // The Linux rule on the Linux event only (host.name web01; not on Sysmon 1).
        ("Whoami on Linux", "web01"),
    ]);
    assert_eq!(fired(&out), want);
    // The Zeek rule (`not selection`) did not run, and stderr says so and what to do.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "2 rules not run: the mapping places no events for their logsource (1 product: windows, category: file_access; 1 product: zeek, service: rdp)"
        ),
        "{err}"
    );
    assert!(err.contains("--all-logsources runs them on every event"), "{err}");
}

#[test]
fn all_logsources_runs_unplaced_rules_on_every_event() {
    let out = detect(&[
        "--no-builtin",
        "--alerts-only",
        "--all-logsources",
        "--rules",
        "windows/rules.yml",
        "windows/events.ndjson",
    ]);
    assert!(out.status.success());
    let zeek: Vec<_> = fired(&out).into_iter().filter(|(r, _)| r == "Public RDP service").collect();
    assert_eq!(zeek.len(), 15, "{zeek:?}");
    let access: Vec<String> =
        fired(&out).into_iter().filter(|(r, _)| r == "Whoami image accessed").map(|(_, at)| at).collect();
    assert_eq!(access, ["1", "15", "2", "4"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not run"));
}

#[test]
fn list_rules_says_where_each_rule_runs_or_why_not() {
    let out = detect(&["--no-builtin", "--rules", "windows/rules.yml", "--list-rules"]);
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout);
    let line =
        |id: &str| list.lines().find(|l| l.starts_with(id)).unwrap_or_else(|| panic!("{id}: {list}")).to_string();
    let whoami = line("0a4c7f3e-0d1e-4a43-9b0e-5d6c1f2e3a01");
    assert!(
        whoami.contains("winlog.channel=microsoft-windows-sysmon/operational winlog.event_id=1 | or | winlog.channel=security winlog.event_id=4688"),
        "{whoami}"
    );
    let zeek = line("0a4c7f3e-0d1e-4a43-9b0e-5d6c1f2e3a09");
    assert!(
        zeek.contains("not run: the mapping has no entry for logsource 'product: zeek, service: rdp' (--all-logsources runs it on every event)"),
        "{zeek}"
    );
}

#[test]
fn rules_waiting_for_a_product_are_counted_when_none_of_its_events_come() {
    let out = detect(&["--no-builtin", "--rules", "windows/rules.yml", "cases/ssh_brute_force.positive.ndjson"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("logward detect: 8 rules for product windows: no Windows events seen"), "{err}");
    assert!(err.contains("logward detect: 1 rules for product linux: no Linux events seen"), "{err}");
    // Windows events for some of the Windows rules: the others are listed by logsource.
    let out =
        detect(&["--no-builtin", "--rules", "windows/rules.yml", "cases/windows_service_installed.positive.ndjson"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("logward detect: 7 rules for product windows: no events of their logsource seen (security 2, dns_query 1, process_creation 1, ps_classic_start 1, ps_script 1, registry_set 1)"),
        "{err}"
    );
}

#[test]
fn rdp_from_a_new_source_alerts_once_per_account_and_address() {
    let line = |day: u32, user: &str, ip: &str| {
        format!(
            r#"{{"@timestamp":"2024-03-{day:02}T10:00:00Z","winlog":{{"channel":"Security","event_id":"4624","record_id":"{day}{user}","event_data":{{"TargetUserName":"{user}","IpAddress":"{ip}","LogonType":"10"}}}}}}"#
        )
    };
    let input = [
        line(1, "alice", "203.0.113.5"),
        line(2, "alice", "203.0.113.5"),  // seen yesterday: quiet
        line(3, "bob", "203.0.113.5"),    // another account: new
        line(4, "alice", "198.51.100.9"), // another address: new
        line(5, "alice", "203.0.113.5"),
    ]
    .join("\n");
    let out = logward().args(["detect", "--alerts-only"]).write_stdin(input.clone()).output().unwrap();
    let alerts = ndjson(&out.stdout);
    let who: Vec<String> = alerts
        .iter()
        .filter(|a| a["logward"]["detect"]["rule"] == "windows_rdp_new_source")
        .map(|a| a["logward"]["detect"]["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        who,
        [
            "RDP logon for alice from 203.0.113.5, an address not seen for this account before",
            "RDP logon for bob from 203.0.113.5, an address not seen for this account before",
            "RDP logon for alice from 198.51.100.9, an address not seen for this account before",
        ]
    );
    // More than 30 days later the address is new again.
    let late = format!(
        "{}\n{}",
        line(1, "alice", "203.0.113.5"),
        line(1, "alice", "203.0.113.5").replace("2024-03-01", "2024-04-15")
    );
    let out = logward().args(["detect", "--alerts-only"]).write_stdin(late).output().unwrap();
    assert_eq!(ndjson(&out.stdout).len(), 2);
}

#[test]
fn windows_alerts_carry_the_event_s_channel_and_a_reason() {
    let out = detect(&["--alerts-only", "cases/windows_brute_force_by_source.positive.ndjson"]);
    let alerts: Vec<Value> = ndjson(&out.stdout)
        .into_iter()
        .filter(|a| a["logward"]["detect"]["rule"] == "windows_brute_force_by_source")
        .collect();
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a["logward"]["detect"]["reason"], "10 failed logons for 3 users from 198.51.100.7 in 1m10s");
    // Built-in rules waiting for their kind of log are not mentioned.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no Linux events seen"));
    assert_eq!(a["winlog"]["event_data"]["IpAddress"], "198.51.100.7");
    assert!(a["tags"].as_array().unwrap().iter().any(|t| t == "attack.t1110.001"));
    let out = detect(&["--alerts-only", "cases/windows_service_installed.positive.ndjson"]);
    let a = &ndjson(&out.stdout)[0];
    assert_eq!(a["winlog"]["channel"], "System");
    assert_eq!(a["winlog"]["event_id"], "7045");
    assert_eq!(a["logward"]["detect"]["reason"], "service PSEXESVC installed on DC01.corp.example");
}

#[test]
fn windows_output_does_not_depend_on_threads() {
    let files = [
        "windows/events.ndjson",
        "cases/windows_brute_force_by_user.positive.ndjson",
        "cases/windows_success_after_failures.positive.ndjson",
    ];
    let mut one = vec!["--threads", "1", "--rules", "windows/rules.yml"];
    one.extend(files);
    let mut four = vec!["--threads", "4", "--rules", "windows/rules.yml"];
    four.extend(files);
    let (a, b) = (detect(&one), detect(&four));
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}
