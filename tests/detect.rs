//! `logward detect` end to end: every built-in rule on a crafted positive and a near-miss
//! negative, correlations replayed on event time, Filebeat-shaped input, user rule packs
//! (filters, chained and temporal correlations), broken rules, overrides and SigmaHQ's rules.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn detect(args: &[&str]) -> std::process::Output {
    logward().current_dir(root().join("testdata/detect")).arg("detect").args(args).output().unwrap()
}

fn rules_fired(out: &std::process::Output) -> Vec<String> {
    ndjson(&out.stdout)
        .iter()
        .filter(|e| e["event"]["kind"] == "alert")
        .map(|e| e["logward"]["detect"]["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_builtin_rule_fires_on_its_positive_and_not_on_its_near_miss() {
    let list = detect(&["--list-rules"]);
    assert!(list.status.success());
    let alerting: BTreeSet<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .skip(1)
        .filter(|l| l.split_whitespace().nth(2) == Some("yes"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert!(alerting.len() >= 17, "{alerting:?}");
    for rule in &alerting {
        let pos = format!("cases/{rule}.positive.ndjson");
        let neg = format!("cases/{rule}.negative.ndjson");
        assert!(root().join("testdata/detect").join(&pos).exists(), "built-in rule {rule} has no test case");
        let fired = rules_fired(&detect(&["--alerts-only", &pos]));
        assert!(fired.contains(rule), "{rule} did not fire on {pos}: {fired:?}");
        let fired = rules_fired(&detect(&["--alerts-only", &neg]));
        assert!(!fired.contains(rule), "{rule} fired on its near miss {neg}");
    }
}

#[test]
fn events_pass_through_unchanged_with_alerts_after_the_completing_event() {
    let out = detect(&["cases/ssh_brute_force.positive.ndjson"]);
    assert!(out.status.success());
    let input = std::fs::read_to_string(root().join("testdata/detect/cases/ssh_brute_force.positive.ndjson")).unwrap();
    let output = String::from_utf8(out.stdout.clone()).unwrap();
    let lines: Vec<&str> = output.lines().collect();
    // The 8 events byte for byte, and the alert right after the 8th (the one completing it).
    let inputs: Vec<&str> = input.lines().collect();
    assert_eq!(&lines[..8], &inputs[..]);
    // One alert: spraying needs 5 users (there is one), and the 3-failure burst that
    // success-after-failures counts never alerts on its own.
    assert_eq!(lines.len(), 9, "{output}");
    let a: Value = serde_json::from_str(lines[8]).unwrap();
    assert_eq!(a["logward"]["detect"]["rule"], "ssh_brute_force");
    assert_eq!(a["@timestamp"], "2019-03-04T10:03:30Z");
}

#[test]
fn correlations_replay_an_old_archive_at_event_time() {
    let out = detect(&["--alerts-only", "archive-2014.ndjson"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_matches_file(&out.stdout, &root().join("testdata/detect/expected-archive-2014.ndjson"));
    let alerts = ndjson(&out.stdout);
    let brute = alerts.iter().find(|a| a["logward"]["detect"]["rule"] == "ssh_brute_force").unwrap();
    // Fired at the 8th failure's time in 2014, not at the time of the run.
    assert_eq!(brute["@timestamp"], "2014-06-15T03:13:35Z");
    assert_eq!(brute["event"]["start"], "2014-06-15T03:10:00Z");
    assert_eq!(brute["logward"]["detect"]["count"], 8);
    assert_eq!(brute["source"]["ip"], "203.0.113.9");
    assert_eq!(brute["logward"]["detect"]["reason"], "8 failed logins for 7 users from 203.0.113.9 in 3m35s");
    assert_eq!(brute["logward"]["detect"]["events"][7]["line"], 8);
    assert_eq!(brute["tags"][1], "attack.t1110.001");
    assert_eq!(brute["event"]["severity"], 73);
    assert_eq!(brute["logward"]["detect"]["level"], "high");
}

#[test]
fn filebeat_shaped_events_trigger_the_same_rules() {
    let out = detect(&["--alerts-only", "filebeat-auth.ndjson"]);
    assert!(out.status.success());
    let fired = rules_fired(&out);
    for rule in ["ssh_brute_force", "ssh_invalid_user_probing", "sudo_not_in_sudoers", "new_user_or_group"] {
        assert!(fired.contains(&rule.to_string()), "{rule} missing in {fired:?}");
    }
    assert_eq!(fired.iter().filter(|r| *r == "new_user_or_group").count(), 2, "useradd and groupadd");
}

#[test]
fn filebeat_expected_output_from_elastic_triggers_rules() {
    if std::env::var_os("LOGWARD_SKIP_SHARED").is_some() {
        return;
    }
    let dir = root().join("../shared/data/filebeat/system/auth");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut events = String::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.to_string_lossy().ends_with("-expected.json") {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            for ev in v.as_array().unwrap() {
                events.push_str(&ev.to_string());
                events.push('\n');
            }
        }
    }
    let out = logward().args(["detect", "--alerts-only"]).write_stdin(events).output().unwrap();
    assert!(out.status.success());
    let fired = rules_fired(&out);
    for rule in ["sudo_not_in_sudoers", "new_user_or_group"] {
        assert!(fired.contains(&rule.to_string()), "{rule} missing in {fired:?}");
    }
    // Elastic's expected files leave out @timestamp (the logs have no year), so the 39 sshd logins
    // (37 failed) cannot be placed in a window: said, not guessed.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not correlated: 39 matching events without a readable @timestamp"), "{err}");
}

#[test]
fn user_rules_with_filters_chains_and_temporal_correlations() {
    let out = detect(&["--alerts-only", "--no-builtin", "--rules", "rules", "processes.ndjson"]);
    assert!(out.status.success());
    assert_matches_file(&out.stdout, &root().join("testdata/detect/expected-custom.ndjson"));
    // The filter (by rule name) keeps the deploy user out; the temporal correlation fires
    // on the crontab event, for the host where both happened.
    assert_eq!(rules_fired(&out), ["curl_pipe_shell", "crontab_edit", "download_then_cron"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rules/broken.yml: rule 'Broken condition': invalid regex pattern") && err.contains("(skipped)"),
        "{err}"
    );
    assert!(!err.contains('\n') || err.lines().all(|l| l.starts_with("logward")), "one line per problem: {err}");
}

#[test]
fn broken_rules_stop_the_run_under_strict() {
    let out = detect(&["--strict", "--no-builtin", "--rules", "rules", "processes.ndjson"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 rule problems (--strict)"));
    let out = detect(&["--no-builtin", "--rules", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read rule file 'no-such-dir'"));
}

#[test]
fn thresholds_and_hours_change_without_editing_rules() {
    // 3 failures are not a brute force at the default threshold of 8, but are at 3.
    let fired = rules_fired(&detect(&["--alerts-only", "cases/ssh_success_after_failures.positive.ndjson"]));
    assert!(!fired.contains(&"ssh_brute_force".to_string()));
    let fired = rules_fired(&detect(&[
        "--alerts-only",
        "--set",
        "ssh_brute_force.count=3",
        "cases/ssh_success_after_failures.positive.ndjson",
    ]));
    assert!(fired.contains(&"ssh_brute_force".to_string()), "{fired:?}");
    // 8 failures over 14 minutes: too slow for 10m, enough for 15m.
    let fired = rules_fired(&detect(&[
        "--alerts-only",
        "--set",
        "ssh_brute_force.timespan=15m",
        "cases/ssh_brute_force.negative.ndjson",
    ]));
    assert!(fired.contains(&"ssh_brute_force".to_string()), "{fired:?}");
    let out = detect(&["--set", "no_such_rule.count=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no correlation rule named 'no_such_rule'"));
    // A login at 21:00 UTC is inside working hours in UTC, outside them in UTC+02:00.
    let neg = "cases/login_after_hours.negative.ndjson";
    assert!(!rules_fired(&detect(&["--alerts-only", neg])).contains(&"login_after_hours".to_string()));
    let fired = rules_fired(&detect(&["--alerts-only", "--tz", "+02:00", neg]));
    assert!(fired.contains(&"login_after_hours".to_string()));
    let fired = rules_fired(&detect(&["--alerts-only", "--work-hours", "08:00-20:00", neg]));
    assert!(fired.contains(&"login_after_hours".to_string()));
}

#[test]
fn events_missing_fields_or_broken_lines_never_crash_a_rule() {
    let input = "{}\n{\"source\":{\"ip\":[\"a\",1]},\"event\":{\"dataset\":\"system.auth\",\"action\":\"ssh_login\",\"outcome\":\"failure\"}}\n\
                 {\"@timestamp\":\"not a time\",\"event\":{\"category\":\"web\"},\"http\":{\"response\":{\"status_code\":\"401\"}}}\n\
                 not json\n[1,2]\n{\"event\":{\"category\":[\"web\"]},\"url\":{\"original\":null},\"user_agent\":{\"original\":{\"x\":1}}}\n";
    let out = logward().args(["detect"]).write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (read, emitted, rejected, _) = assert_accounted(&out.stderr, 6);
    assert_eq!((read, emitted, rejected), (6, 4, 2));
}

#[test]
fn output_does_not_depend_on_threads() {
    let one = detect(&["--threads", "1", "archive-2014.ndjson", "filebeat-auth.ndjson", "processes.ndjson"]);
    let four = detect(&["--threads", "4", "archive-2014.ndjson", "filebeat-auth.ndjson", "processes.ndjson"]);
    assert!(one.status.success());
    assert_eq!(one.stdout, four.stdout);
}

#[test]
fn every_sigmahq_rule_loads_and_runs_on_the_shared_logs() {
    if std::env::var_os("LOGWARD_SKIP_SHARED").is_some() {
        return;
    }
    let sigma = root().join("../shared/data/sigma/rules");
    if !sigma.exists() {
        return;
    }
    let sigma = sigma.to_string_lossy().to_string();
    let list =
        logward().args(["detect", "--strict", "--no-builtin", "--rules", &sigma, "--list-rules"]).output().unwrap();
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let files = walk_yml(&root().join("../shared/data/sigma/rules"));
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count() - 1, files, "one rule per file, none skipped");
    for input in ["../shared/data/access/apache_combined_10k.log", "../shared/data/loghub-2k/OpenSSH/OpenSSH_2k.log"] {
        let parsed = logward().current_dir(root()).args(["parse", "-q", input]).output().unwrap();
        let out =
            logward().args(["detect", "--rules", &sigma, "--alerts-only"]).write_stdin(parsed.stdout).output().unwrap();
        assert!(out.status.success(), "{input}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!rules_fired(&out).is_empty(), "{input}: no alerts at all");
    }
}

fn walk_yml(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_yml(&p)
            } else {
                usize::from(p.extension().is_some_and(|x| x == "yml"))
            }
        })
        .sum()
}
