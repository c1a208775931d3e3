//! `logward anonymize` end to end: planted values of every category gone, everything else
//! byte for byte, the same pseudonyms across files, threads and runs, exact reversal, keys,
//! bad input, the risk report, and detection still working on the output.

mod common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const INPUTS: [&str; 3] = ["auth.ndjson", "access.ndjson", "events.ndjson"];

fn data(name: &str) -> PathBuf {
    root().join("testdata/anonymize").join(name)
}

fn anonymize(args: &[&str]) -> std::process::Output {
    logward().env("LOGWARD_KEY", KEY).arg("anonymize").args(args).output().unwrap()
}

fn inputs() -> Vec<String> {
    INPUTS.iter().map(|f| data(f).display().to_string()).collect()
}

fn run_ok(args: &[&str]) -> Vec<u8> {
    let out = anonymize(args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Whether `needle` occurs with no letter, digit or `_` on either side.
fn has_token(hay: &str, needle: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    hay.match_indices(needle)
        .any(|(at, _)| !word(hay[..at].chars().last()) && !word(hay[at + needle.len()..].chars().next()))
}

fn planted() -> Vec<String> {
    std::fs::read_to_string(data("planted.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Every (path, JSON type) of an event, in order.
fn shape(v: &Value, path: &str, out: &mut Vec<(String, &'static str)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                shape(x, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| shape(x, path, out)),
        Value::String(_) => out.push((path.into(), "string")),
        Value::Number(_) => out.push((path.into(), "number")),
        Value::Bool(_) => out.push((path.into(), "bool")),
        Value::Null => out.push((path.into(), "null")),
    }
}

#[test]
fn no_planted_value_survives_and_every_category_is_replaced() {
    let args: Vec<String> = ["-q".to_string()].into_iter().chain(inputs()).collect();
    let out = String::from_utf8(run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    let left: Vec<String> = planted().into_iter().filter(|v| has_token(&out, v)).collect();
    assert!(left.is_empty(), "originals left in the output: {left:?}");
    for marker in [
        "[REDACTED:password]",
        "[REDACTED:token]",
        "[REDACTED:authorization]",
        "[REDACTED:aws-access-key]",
        "[REDACTED:session]",
    ] {
        assert!(out.contains(marker), "{marker} missing");
    }
    // Kept by the policy: system accounts, loopback, non-personal values.
    for kept in ["\"root\"", "127.0.0.1", "powershell.exe", "CHG-1042", "sqlmap/1.7", "UNION%20SELECT"] {
        assert!(out.contains(kept), "{kept} should stay");
    }
}

#[test]
fn output_matches_the_expected_file() {
    let args: Vec<String> = ["-q".to_string()].into_iter().chain(inputs()).collect();
    let out = run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_matches_file(&out, &data("expected.ndjson"));
}

#[test]
fn events_fields_types_order_and_non_sensitive_values_stay() {
    for file in inputs() {
        let input = std::fs::read(&file).unwrap();
        let output = run_ok(&["-q", &file]);
        let (a, b) = (ndjson(&input), ndjson(&output));
        assert_eq!(a.len(), b.len(), "{file}: event count");
        for (x, y) in a.iter().zip(&b) {
            let (mut sx, mut sy) = (Vec::new(), Vec::new());
            shape(x, "", &mut sx);
            shape(y, "", &mut sy);
            // The one field anonymize adds: the key's fingerprint.
            assert_eq!(y["logward"]["anonymize"]["key"].as_str().map(str::len), Some(12), "{file}: no fingerprint");
            sy.retain(|(path, _)| path != "logward.anonymize.key");
            assert_eq!(sx, sy, "{file}: fields, order or types changed");
            let without_text = |v: &Value| {
                let mut v = v.clone();
                v["event"].as_object_mut().map(|m| m.remove("original"));
                v
            };
            assert_eq!(without_text(x)["event"], without_text(y)["event"], "{file}: event.* changed");
            assert_eq!(x["http"]["request"]["method"], y["http"]["request"]["method"]);
            assert_eq!(x["http"]["response"], y["http"]["response"], "{file}: http.response changed");
            assert_eq!(x["process"]["pid"], y["process"]["pid"]);
            assert_eq!(x["process"]["name"], y["process"]["name"]);
            assert_eq!(x["@timestamp"], y["@timestamp"], "time moved without --shift-time");
            assert_eq!(x["source"]["port"], y["source"]["port"]);
        }
    }
}

#[test]
fn same_value_same_pseudonym_across_files_threads_and_runs() {
    let one = run_ok(&["-q", "--threads", "1", &data("auth.ndjson").display().to_string()]);
    let two = run_ok(&["-q", "--threads", "2", &data("auth.ndjson").display().to_string()]);
    assert_eq!(one, two, "thread count changed the output");
    // alice appears in auth.ndjson (user.name) and access.ndjson (user.name, from another
    // parser): one pseudonym in both, and in the free text of each.
    let users = |bytes: &[u8]| -> Vec<String> {
        ndjson(bytes).iter().filter_map(|e| e["user"]["name"].as_str().map(str::to_string)).collect()
    };
    let auth = run_ok(&["-q", &data("auth.ndjson").display().to_string()]);
    let access = run_ok(&["-q", &data("access.ndjson").display().to_string()]);
    let auth_input = ndjson(&std::fs::read(data("auth.ndjson")).unwrap());
    let alice_at = auth_input.iter().position(|e| e["user"]["name"] == "alice").unwrap();
    let alice = users(&auth)[alice_at].clone();
    assert_ne!(alice, "alice");
    assert!(users(&access).contains(&alice), "{alice} not in access output");
    let auth_text = String::from_utf8(auth).unwrap();
    assert!(auth_text.lines().nth(alice_at).unwrap().contains(&format!("Accepted password for {alice} from")));
    // A second key domain gives unrelated pseudonyms.
    let other = run_ok(&["-q", "--domain", "partner-b", &data("auth.ndjson").display().to_string()]);
    assert!(!String::from_utf8(other).unwrap().contains(&format!("\"{alice}\"")));
}

#[test]
fn reveal_restores_the_input_byte_for_byte() {
    // auth and access hold no secrets, so everything in them is reversible, dates included.
    for file in ["auth.ndjson", "access.ndjson"] {
        let input = std::fs::read(data(file)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let anon = dir.path().join("anon.ndjson");
        run_ok(&["-q", "--shift-time", "-o", anon.to_str().unwrap(), data(file).to_str().unwrap()]);
        let shifted = std::fs::read(&anon).unwrap();
        assert_ne!(shifted, input);
        let first = ndjson(&shifted)[0]["@timestamp"].as_str().unwrap().to_string();
        assert_ne!(first[..10], ndjson(&input)[0]["@timestamp"].as_str().unwrap()[..10], "--shift-time moved no date");
        let back = run_ok(&["-q", "--reveal", "--shift-time", anon.to_str().unwrap()]);
        assert_matches_exactly(&back, &input, file);
    }
    // events.ndjson: everything but the secrets comes back.
    let input = std::fs::read(data("events.ndjson")).unwrap();
    let anon = run_ok(&["-q", data("events.ndjson").to_str().unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anon.ndjson");
    std::fs::write(&path, &anon).unwrap();
    let back = String::from_utf8(run_ok(&["-q", "--reveal", path.to_str().unwrap()])).unwrap();
    for value in [
        "jane.doe@contoso-mail.com",
        "ws-jane01.corp.contoso.net",
        "00:1A:2B:3C:4D:5E",
        "4539148803436467",
        "/users/mkowalski/profile",
        "DESKTOP-7F3K2L",
        "fe80::1c2:3ff:fe44:5566%eth0",
        "C:\\\\Users\\\\jdoe\\\\Desktop",
    ] {
        assert!(back.contains(value), "{value} not restored");
    }
    assert!(back.contains("--password=[REDACTED:password]") && !back.contains("Winter2024!"), "secrets are one-way");
    let a = ndjson(&input);
    let b = ndjson(back.as_bytes());
    assert_eq!(a[0], b[0], "an event without secrets comes back whole");
    assert_eq!(a[4], b[4]);
}

fn assert_matches_exactly(actual: &[u8], expected: &[u8], what: &str) {
    for (n, (x, y)) in
        String::from_utf8_lossy(actual).lines().zip(String::from_utf8_lossy(expected).lines()).enumerate()
    {
        assert_eq!(x, y, "{what}: line {} differs after --reveal", n + 1);
    }
    assert_eq!(actual, expected, "{what}");
}

#[test]
fn bad_lines_are_rejected_without_showing_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.ndjson");
    let errors = dir.path().join("errors.ndjson");
    std::fs::write(
        &input,
        "{\"user\":{\"name\":\"alice\"}}\nFailed password for secretuser from 1.2.3.4\n{\"user\":\"trunc\n",
    )
    .unwrap();
    let out = anonymize(&["--errors", errors.to_str().unwrap(), input.to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors_text = std::fs::read_to_string(&errors).unwrap();
    for secret in ["secretuser", "1.2.3.4", "trunc", "alice"] {
        assert!(!stderr.contains(secret) && !errors_text.contains(secret), "{secret} echoed: {stderr} {errors_text}");
    }
    assert!(stderr.contains("mixed.ndjson:2") && stderr.contains("not a JSON object"), "{stderr}");
    assert_accounted(&out.stderr, 3);
    assert_eq!(ndjson(&out.stdout).len(), 1);
    let strict = anonymize(&["--strict", input.to_str().unwrap()]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn keys_are_required_checked_and_never_shown() {
    let input = data("auth.ndjson");
    let no_key = logward().env_remove("LOGWARD_KEY").args(["anonymize", input.to_str().unwrap()]).output().unwrap();
    assert_eq!(no_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("no key"), "{}", String::from_utf8_lossy(&no_key.stderr));
    assert!(no_key.stdout.is_empty());

    let short =
        logward().env("LOGWARD_KEY", "abcdef0123").args(["anonymize", input.to_str().unwrap()]).output().unwrap();
    let msg = String::from_utf8_lossy(&short.stderr);
    assert_eq!(short.status.code(), Some(2));
    assert!(msg.contains("10 digits") && !msg.contains("abcdef0123"), "{msg}");

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("team.key");
    let created = logward().args(["anonymize", "--new-key", key.to_str().unwrap()]).output().unwrap();
    assert!(created.status.success());
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = logward().args(["anonymize", "--new-key", key.to_str().unwrap()]).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing key must not be overwritten");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), text);

    let with_file = logward()
        .env_remove("LOGWARD_KEY")
        .args(["anonymize", "-q", "--key-file", key.to_str().unwrap(), input.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(with_file.status.success());
    let stderr = String::from_utf8_lossy(&with_file.stderr);
    assert!(!stderr.contains("readable by others") && !stderr.contains(text.trim()), "{stderr}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let shared = logward()
            .env_remove("LOGWARD_KEY")
            .args(["anonymize", "-q", "--key-file", key.to_str().unwrap(), input.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(shared.status.success());
        assert!(String::from_utf8_lossy(&shared.stderr).contains("readable by others"));
    }
    let missing =
        logward().args(["anonymize", "--key-file", "/nonexistent/k", input.to_str().unwrap()]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read key file"));
    // Different keys, different pseudonyms.
    let a = run_ok(&["-q", input.to_str().unwrap()]);
    assert_ne!(a, with_file.stdout);
}

#[test]
fn risk_report_counts_what_the_output_shows() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("risk.json");
    let args: Vec<String> =
        ["--risk-report".to_string(), report.display().to_string()].into_iter().chain(inputs()).collect();
    let out = anonymize(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("residual leaks: 0") && stderr.contains("still personal data"), "{stderr}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let events = ndjson(&out.stdout);
    assert_eq!(r["events"], events.len());
    assert_eq!(r["residual_leaks"]["total"], 0);
    assert_eq!(r["gdpr"]["status"], "pseudonymized");
    assert_eq!(r["categories"]["secret"]["reversible"], false);
    for cat in ["ip", "mac", "email", "domain", "host", "user", "person", "url", "numeric_id", "card", "secret"] {
        assert!(r["categories"][cat]["replaced"].as_u64().unwrap() > 0, "no {cat} replaced");
    }
    assert_eq!(r["fields"]["source.ip"]["class"], "quasi-identifier");
    assert_eq!(r["fields"]["user.email"]["class"], "direct identifier");
    assert_eq!(r["fields"]["event.dataset"]["class"], "not personal");
    assert_eq!(r["fields"]["message"]["class"], "free text (scanned)");
    // Singling out, recomputed here from the output: source.ip/24 + user agent + hour.
    let mut classes: HashMap<(String, String, String), u64> = HashMap::new();
    for e in &events {
        let ip = e["source"]["ip"].as_str().map(|s| match s.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(a)) => format!("{}/24", std::net::Ipv4Addr::from(u32::from(a) & !0xff)),
            Ok(std::net::IpAddr::V6(a)) => {
                format!("{}/48", std::net::Ipv6Addr::from(u128::from(a) & !((1u128 << 80) - 1)))
            }
            Err(_) => s.to_string(),
        });
        let ua = e["user_agent"]["original"].as_str().map(str::to_string);
        let hour = e["@timestamp"].as_str().map(|t| t[11..13].to_string());
        if ip.is_none() && ua.is_none() && hour.is_none() {
            continue;
        }
        let key = (ip.unwrap_or_default(), ua.unwrap_or_default(), hour.unwrap_or_default());
        *classes.entry(key).or_default() += 1;
    }
    let unique = classes.values().filter(|n| **n == 1).count();
    let s = &r["singling_out"];
    assert_eq!(s["equivalence_classes"], classes.len());
    assert_eq!(s["unique_events"], unique);
    assert_eq!(s["smallest_k"], *classes.values().min().unwrap());
    let replaced: BTreeMap<String, u64> = r["categories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["replaced"].as_u64().unwrap()))
        .collect();
    assert!(stderr.contains(&format!("{:>9} replaced", replaced["ip"])), "{stderr}");
}

#[test]
fn a_custom_policy_changes_what_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yml");
    std::fs::write(
        &policy,
        "fields:\n  user: [user.name]\nnot_personal: [message]\nscan_other_strings: false\nkeep:\n  users: [jdoe]\n",
    )
    .unwrap();
    let out = String::from_utf8(run_ok(&[
        "-q",
        "--policy",
        policy.to_str().unwrap(),
        data("events.ndjson").to_str().unwrap(),
    ]))
    .unwrap();
    assert!(out.contains("\"name\":\"jdoe\""), "kept by the custom allowlist");
    assert!(out.contains("81.2.69.142"), "IPs are not in this policy");
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "fields:\n  ipaddr: [x]\n").unwrap();
    let e = anonymize(&["--policy", bad.to_str().unwrap(), data("events.ndjson").to_str().unwrap()]);
    assert_eq!(e.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&e.stderr).contains("unknown category 'ipaddr'"));
}

#[test]
fn detection_still_works_on_anonymized_events() {
    let anon = run_ok(&["-q", data("auth.ndjson").to_str().unwrap(), data("access.ndjson").to_str().unwrap()]);
    let plain_input =
        [std::fs::read(data("auth.ndjson")).unwrap(), std::fs::read(data("access.ndjson")).unwrap()].concat();
    let rules = |input: Vec<u8>| -> Vec<String> {
        let out = logward().args(["detect", "-q", "--alerts-only"]).write_stdin(input).output().unwrap();
        let mut r: Vec<String> =
            ndjson(&out.stdout).iter().map(|e| e["rule"]["name"].as_str().unwrap().to_string()).collect();
        r.sort();
        r
    };
    let before = rules(plain_input);
    assert!(!before.is_empty());
    assert_eq!(rules(anon), before, "the same rules fire on the pseudonymized events");
}

#[test]
fn jitter_moves_times_a_little_and_keeps_their_order() {
    let input = ndjson(&std::fs::read(data("auth.ndjson")).unwrap());
    let out = ndjson(&run_ok(&["-q", "--jitter", "20", data("auth.ndjson").to_str().unwrap()]));
    let time = |e: &Value| chrono::DateTime::parse_from_rfc3339(e["@timestamp"].as_str().unwrap()).unwrap();
    let mut moved = 0;
    for (a, b) in input.iter().zip(&out) {
        let delta = (time(b) - time(a)).num_milliseconds();
        assert!((0..20_000).contains(&delta), "moved by {delta} ms");
        moved += (delta != 0) as usize;
        // The raw line's clock moved with it (same wall time, same keyed offset).
        let clock = |e: &Value| e["event"]["original"].as_str().unwrap()[7..15].to_string();
        assert_eq!(clock(b), time(b).format("%H:%M:%S").to_string(), "{}", b["event"]["original"]);
    }
    assert!(moved > input.len() / 2);
    let times: Vec<_> = out.iter().map(time).collect();
    let sorted_in: Vec<_> = input.iter().map(time).collect();
    for i in 1..times.len() {
        if sorted_in[i - 1] <= sorted_in[i] {
            assert!(times[i - 1] <= times[i], "order changed at event {i}");
        }
    }
    let bad = anonymize(&["--jitter", "-5", data("auth.ndjson").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_whole_output_is_searched_for_leaks_when_it_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("risk.json");
    let out = dir.path().join("out.ndjson");
    let run = |input: &std::path::Path| {
        let o = anonymize(&[
            "--risk-report",
            report.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            serde_json::from_str::<Value>(&std::fs::read_to_string(&report).unwrap()).unwrap(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (clean, stderr) = run(&data("events.ndjson"));
    assert_eq!(clean["residual_leaks"]["total"], 0);
    assert!(clean["residual_leaks"]["in_whole_output"]["originals_searched"].as_u64().unwrap() > 20);
    assert!(stderr.contains("residual leaks: 0 (searched in each event and in the whole output file)"), "{stderr}");
    // zorro77 is a user in the first event; the second only mentions it in words no
    // pattern knows, so it survives there, and the whole-output search says so.
    let input = dir.path().join("leaky.ndjson");
    std::fs::write(&input, "{\"user\":{\"name\":\"zorro77\"}}\n{\"note\":\"call zorro77 back\"}\n").unwrap();
    let (leaky, stderr) = run(&input);
    assert_eq!(leaky["residual_leaks"]["in_own_event"], 0);
    assert_eq!(leaky["residual_leaks"]["in_whole_output"]["occurrences"], 1);
    assert_eq!(leaky["categories"]["user"]["residual_leaks"], 1);
    assert!(stderr.contains("residual leaks: 1"), "{stderr}");
}

const OTHER_KEY: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn anonymize_with(key: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    logward().env("LOGWARD_KEY", key).arg("anonymize").args(args).write_stdin(stdin.to_vec()).output().unwrap()
}

fn planted_in(file: &str) -> Vec<String> {
    std::fs::read_to_string(data(file))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn windows_events_lose_every_identity_and_keep_what_detection_needs() {
    let file = data("windows.ndjson");
    let input = std::fs::read(&file).unwrap();
    let out = String::from_utf8(run_ok(&["-q", file.to_str().unwrap()])).unwrap();
    let left: Vec<String> = planted_in("windows-planted.txt").into_iter().filter(|v| has_token(&out, v)).collect();
    assert!(left.is_empty(), "left in the output: {left:?}");
    let events = ndjson(out.as_bytes());
    let data = |i: usize, k: &str| events[i]["winlog"]["event_data"][k].as_str().unwrap().to_string();
    // Well-known SIDs, RIDs, accounts, groups and authorities stay; so do hashes, logon
    // types and program paths.
    assert_eq!(data(0, "SubjectUserSid"), "S-1-5-18");
    assert_eq!(data(6, "TargetSid"), "S-1-5-32-544");
    assert_eq!(data(6, "TargetUserName"), "Administrators");
    assert_eq!(data(6, "TargetDomainName"), "Builtin");
    assert_eq!(data(1, "TargetUserName"), "Administrator");
    assert_eq!(data(0, "LogonType"), "10");
    assert_eq!(data(3, "Image"), "C:\\Windows\\System32\\cmd.exe");
    let input_events = ndjson(&input);
    assert_eq!(events[3]["winlog"]["event_data"]["Hashes"], input_events[3]["winlog"]["event_data"]["Hashes"]);
    // One pseudonym per value, whatever its shape: the SID's domain part in every SID of
    // the domain (the RID class kept), DOMAIN\user and the user's own fields, the NetBIOS
    // domain and the DNS domain, the machine account and the computer.
    let sid = data(0, "TargetUserSid");
    let domain_part = &sid[..sid.rfind('-').unwrap()];
    assert!(sid.starts_with("S-1-5-21-") && !sid.contains("3623811015"), "{sid}");
    assert!(data(5, "TargetSid").starts_with(domain_part) && data(6, "MemberSid") == data(5, "TargetSid"));
    assert!(sid.rsplit('-').next().unwrap().parse::<u32>().unwrap() >= 1000);
    let user = data(0, "TargetUserName");
    let dom = data(0, "TargetDomainName");
    assert_eq!(data(3, "User"), format!("{dom}\\{user}"));
    assert!(events[0]["message"].as_str().unwrap().contains(&format!("Account Name:\t\t{user}")));
    assert_eq!(data(0, "SubjectUserName"), format!("{}$", data(0, "WorkstationName")));
    let computer = events[0]["winlog"]["computer_name"].as_str().unwrap();
    assert!(computer.to_ascii_lowercase().contains(&format!(".{}.", dom.to_ascii_lowercase())), "{computer} {dom}");
    assert!(data(5, "UserPrincipalName").ends_with(&format!("@{}.com", dom.to_ascii_lowercase())));
    assert!(events[2]["process"]["command_line"].as_str().unwrap().contains(&format!("/user:{dom}\\{user}")));
    assert!(data(9, "ScriptBlockText").contains("[REDACTED:password]"));
    // Everything but the secrets comes back byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let anon = dir.path().join("anon.ndjson");
    std::fs::write(&anon, &out).unwrap();
    let back = run_ok(&["-q", "--reveal", anon.to_str().unwrap()]);
    for (n, (a, b)) in String::from_utf8_lossy(&input).lines().zip(String::from_utf8_lossy(&back).lines()).enumerate() {
        if [2, 3, 9].contains(&n) {
            continue; // passwords removed
        }
        assert_eq!(a, b, "event {} after --reveal", n + 1);
    }
}

#[test]
fn no_string_escapes_the_scan() {
    // A lone surrogate escape used to make the whole string skip the scan.
    let input = concat!(
        r#"{"message":"mail bob.jones@corp-mail.com \ud800 password=Lone1Pass from 91.24.138.208"}"#,
        "\n",
        r#"{"stats":{"91.24.138.208":3,"jkowalski":1},"user":{"name":"jkowalski"},"message":"Jkowalski and jkowalski_old logged in"}"#,
        "\n",
    );
    let out = anonymize_with(KEY, &[], input.as_bytes());
    let text = String::from_utf8(out.stdout).unwrap();
    for gone in ["bob.jones", "corp-mail", "Lone1Pass", "91.24.138.208", "jkowalski", "Jkowalski"] {
        assert!(!text.contains(gone), "{gone} survived: {text}");
    }
    // The scan rejects it (no text), by its position only.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("\\ud800") && text.lines().count() == 1, "the lone surrogate line is rejected: {text}");
    assert!(stderr.contains("lone UTF-16 surrogate") && !stderr.contains("Lone1Pass"), "{stderr}");
    let events = ndjson(text.as_bytes());
    let user = events[0]["user"]["name"].as_str().unwrap();
    let stats = events[0]["stats"].as_object().unwrap();
    assert!(stats.contains_key(user), "the member name gets the user's pseudonym: {stats:?}");
    let upper = format!("{}{}", user[..1].to_ascii_uppercase(), &user[1..]);
    assert!(events[0]["message"].as_str().unwrap().contains(&format!("{upper} and {user}_old")), "{text}");
}

#[test]
fn one_value_gets_one_pseudonym_wherever_it_appears() {
    let input = concat!(
        r#"{"user":{"name":"msmith"},"url":{"original":"https://shop.example.com/a?user=msmith&q=1","query":"user=msmith&q=1"},"#,
        r#""message":"login user=msmith from app; mysql -u msmith -pX1y2z3; GET /profile?login=ms%6Dith"}"#,
        "\n"
    );
    let out = anonymize_with(KEY, &["-q"], input.as_bytes());
    let e = &ndjson(&out.stdout)[0];
    let user = e["user"]["name"].as_str().unwrap();
    assert_ne!(user, "msmith");
    let url = e["url"]["original"].as_str().unwrap();
    assert!(url.contains(&format!("user={user}&q=1")), "{url}");
    assert_eq!(e["url"]["query"], format!("user={user}&q=1"));
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(&format!("user={user} ")) && message.contains(&format!("-u {user} ")), "{message}");
    assert!(!message.contains("msmith") && !message.contains("ms%6Dith"), "{message}");
}

#[test]
fn reveal_refuses_another_key_and_restores_text_forms() {
    let input = concat!(
        r#"{"source":{"ip":"2001:0db8:aa91:0c17:0000:0000:0000:0042"},"message":"from 2A02:C7F:7E2C::42, 2a02:aa91:0c17::42 and fe80:0:0:0:1c2:3ff:fe44:5566 user=alice"}"#,
        "\n",
        r#"{"event":{"kind":"alert"},"logward":{"detect":{"rule":"x"}},"user":{"name":"bob"}}"#,
        "\n"
    );
    let anon = anonymize_with(KEY, &["-q"], input.as_bytes());
    assert!(anon.status.success());
    let wrong = anonymize_with(OTHER_KEY, &["--reveal"], &anon.stdout);
    assert_eq!(wrong.status.code(), Some(2), "another key must be refused");
    let msg = String::from_utf8_lossy(&wrong.stderr);
    assert!(msg.contains("another key or --domain") && msg.contains("fingerprint"), "{msg}");
    assert!(wrong.stdout.is_empty(), "nothing revealed with the wrong key");
    let other_domain = anonymize_with(KEY, &["--reveal", "--domain", "partner-x"], &anon.stdout);
    assert_eq!(other_domain.status.code(), Some(2));
    let back = anonymize_with(KEY, &["-q", "--reveal"], &anon.stdout);
    assert!(back.status.success());
    assert_eq!(String::from_utf8(back.stdout).unwrap(), input, "byte for byte, address forms included");
    // Anonymized twice (two keys): revealed in the reverse order.
    let twice = anonymize_with(OTHER_KEY, &["-q"], &anon.stdout);
    let once = anonymize_with(OTHER_KEY, &["-q", "--reveal"], &twice.stdout);
    assert_eq!(once.stdout, anon.stdout);
}

#[test]
fn template_patterns_are_scanned_with_the_event_names() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let lines: String = (0..4)
        .map(|i| {
            format!(
                "Mar  1 10:00:0{i} web01 sudo:  deploy : TTY=pts/0 ; PWD=/srv ; USER=root ; COMMAND=/usr/bin/mysql -u jkowalski -pS3cr3t{i} shop\n"
            )
        })
        .collect();
    std::fs::write(&log, lines).unwrap();
    let parsed = logward().args(["parse", "-q", "--year", "2024", log.to_str().unwrap()]).output().unwrap();
    assert!(String::from_utf8_lossy(&parsed.stdout).contains("-u jkowalski"), "the pattern keeps the name");
    let out = anonymize_with(KEY, &["-q"], &parsed.stdout);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("jkowalski") && !text.contains("S3cr3t") && !text.contains("deploy"), "{text}");
    for e in ndjson(text.as_bytes()) {
        assert!(e["logward"]["template"]["pattern"].as_str().is_some());
    }
}

#[test]
fn risk_report_counts_by_kind_and_points_at_unknown_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("risk.json");
    let input = concat!(
        r#"{"message":"key AKIAIOSFODNN7EXAMPLE, ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8, password=hunter2 iban DE89370400440532013000"}"#,
        "\n",
        r#"{"note":"blob Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0LmNbVcXz done"}"#,
        "\n",
        // The blob anonymize writes back (pseudonymized user, password removed) is no
        // text that remained.
        r#"{"message":"Authorization: Basic amFuZTpIdW50ZXIyMiE="}"#,
        "\n"
    );
    let out = anonymize_with(KEY, &["--risk-report", report.to_str().unwrap()], input.as_bytes());
    assert!(out.status.success());
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["by_kind"]["aws-access-key"], 1);
    assert_eq!(r["by_kind"]["github-token"], 1);
    assert_eq!(r["by_kind"]["password"], 2, "password= and the one in the Basic credentials");
    assert_eq!(r["categories"]["iban"]["replaced"], 1);
    let unknown = &r["unknown_high_entropy"];
    assert_eq!(unknown["total"], 1, "{unknown}");
    assert_eq!(unknown["positions"][0]["field"], "note");
    assert_eq!(unknown["positions"][0]["event"], 2);
    assert_eq!(unknown["positions"][0]["offset"], 5);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains("Zx9Qw3") && !text.contains("hunter2"), "the report never shows values");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("by kind:") && stderr.contains("unknown high-entropy tokens left: 1"), "{stderr}");
}

#[test]
fn ordinary_log_tokens_are_left_alone() {
    let input = concat!(
        r#"{"message":"Accepted publickey for root from 127.0.0.1 port 22 ssh2: RSA SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"}"#,
        "\n",
        r#"{"message":"nginx/1.24.0 GET /static/app.min.js HTTP/1.1 200 304 404 503 in 12 ms, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}"#,
        "\n",
        r#"{"user_agent":{"original":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},"message":"version 2.4.58-1ubuntu8 kernel 6.1.0-18-amd64 pid 4242 uid=0 status=200 token_type=bearer key_id=42 session_count=3"}"#,
        "\n",
        r#"{"message":"uuid 123e4567-e89b-12d3-a456-426614174000 commit 4f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f at 2024-05-06T09:15:00Z, PWD=/srv/app, exit 0"}"#,
        "\n"
    );
    let out = anonymize_with(KEY, &["-q"], input.as_bytes());
    let stripped: Vec<Value> = ndjson(&out.stdout)
        .into_iter()
        .map(|mut e| {
            e.as_object_mut().unwrap().remove("logward");
            e
        })
        .collect();
    assert_eq!(stripped, ndjson(input.as_bytes()), "ordinary tokens must not change");
}

/// The planted values of the leak corpus: (line, kind, restored by --reveal, value).
fn leak_corpus() -> (String, Vec<(usize, String, bool, String)>) {
    let corpus = std::fs::read_to_string(data("leaks/corpus.ndjson")).unwrap();
    let planted = std::fs::read_to_string(data("leaks/planted.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            (f[0].parse().unwrap(), f[1].to_string(), f[2] == "yes", f[3].to_string())
        })
        .collect();
    (corpus, planted)
}

fn percent_encoded(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn base64(v: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(v).trim_end_matches('=').to_string()
}

/// The leak corpus (testdata/anonymize/leaks): no planted value survives, as is, in lower
/// case, percent-encoded or in base64; `--reveal` restores every pseudonymized one.
/// (`bench/anonymize_leaks.py` runs the same check on generated values too.)
#[test]
fn no_planted_value_of_the_leak_corpus_survives_in_any_encoding() {
    let (corpus, planted) = leak_corpus();
    let dir = tempfile::tempdir().unwrap();
    let errors = dir.path().join("errors.ndjson");
    let out = anonymize_with(KEY, &["-q", "--errors", errors.to_str().unwrap()], corpus.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Lines the scan rejects (a lone surrogate escape is no text) are written nowhere: their
    // values cannot leak, nor come back.
    let rejected: Vec<usize> =
        ndjson(&std::fs::read(&errors).unwrap()).iter().map(|e| e["line"].as_u64().unwrap() as usize).collect();
    for e in ndjson(&std::fs::read(&errors).unwrap()) {
        assert!(!e.to_string().contains("Surr0gate"), "rejects never show the line");
    }
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let lower = text.to_lowercase();
    let mut leaks = Vec::new();
    for (line, kind, _, v) in &planted {
        let json = serde_json::to_string(v).unwrap();
        let inner = &json[1..json.len() - 1];
        let mut forms = vec![percent_encoded(v), base64(v.as_bytes())];
        forms.retain(|f| f != v && f.len() >= 8);
        if has_token(&text, inner)
            || has_token(&lower, &inner.to_lowercase())
            || forms.iter().any(|f| text.contains(f.as_str()))
        {
            leaks.push(format!("line {line} {kind}: {v}"));
        }
    }
    assert!(leaks.is_empty(), "{} of {} planted values leaked: {leaks:#?}", leaks.len(), planted.len());
    // Every pseudonymized value comes back, in the line it was planted in.
    let back = anonymize_with(KEY, &["-q", "--reveal"], &out.stdout);
    let back = String::from_utf8(back.stdout).unwrap();
    let corpus_lines: Vec<&str> = corpus.lines().collect();
    let mut written = back.lines();
    let back_lines: Vec<&str> =
        (1..=corpus_lines.len()).map(|n| if rejected.contains(&n) { "" } else { written.next().unwrap() }).collect();
    let mut missing = Vec::new();
    for (line, _, restored, v) in planted.iter().filter(|p| p.2 && !rejected.contains(&p.0)) {
        let json = serde_json::to_string(v).unwrap();
        let l = back_lines[line - 1];
        let original = corpus_lines[line - 1];
        let found = l.contains(&json[1..json.len() - 1])
            || (original.contains(&percent_encoded(v)) && l.contains(&percent_encoded(v)));
        if *restored
            && !found
            && !original.contains("Basic ")
            && !original.contains("-enc ")
            && !original.contains("echo ")
        {
            missing.push(format!("line {line}: {v}"));
        }
    }
    assert!(missing.is_empty(), "not restored: {missing:#?}");
    // Lines without secrets come back byte for byte.
    let with_secrets: std::collections::HashSet<usize> = planted.iter().filter(|p| !p.2).map(|p| p.0).collect();
    for (n, (a, b)) in corpus_lines.iter().zip(&back_lines).enumerate() {
        if !with_secrets.contains(&(n + 1)) && !rejected.contains(&(n + 1)) {
            assert_eq!(a, b, "line {} after --reveal", n + 1);
        }
    }
}
