//! `logward enrich` end to end: ATT&CK fields checked against the STIX-derived table, a newer
//! bundle overriding it, revoked techniques, unknown tags, threat types and IP lists.

mod common;
use common::*;
use serde_json::{json, Value};

#[test]
fn alerts_get_attack_names_threat_types_and_ip_list_tags() {
    let out = logward()
        .current_dir(root())
        .args([
            "enrich",
            "--ip-list",
            "tor=testdata/enrich/tor.txt",
            "--errors",
            "/dev/null",
            "testdata/enrich/alerts.ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_matches_file(&out.stdout, &root().join("testdata/enrich/expected.ndjson"));
    let (read, emitted, rejected, _) = summary(&out.stderr);
    assert_eq!((read, emitted, rejected), (7, 6, 1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 unknown") && err.contains("attack.stealth ×1"), "{err}");
    let e = ndjson(&out.stdout);
    assert_eq!(e[0]["threat"]["framework"], "MITRE ATT&CK");
    assert_eq!(e[0]["threat"]["technique"]["subtechnique"]["name"], json!(["Password Guessing"]));
    assert_eq!(e[0]["threat"]["technique"]["name"], json!(["Brute Force"]));
    assert_eq!(e[0]["threat"]["tactic"]["id"], json!(["TA0006"]));
    assert_eq!(e[0]["logward"]["threat_type"], "brute_force");
    // Tactics implied by the technique when no tactic tag is given.
    assert_eq!(e[1]["threat"]["tactic"]["name"], json!(["Credential Access"]));
    assert_eq!(e[1]["logward"]["threat_type"], "password_spraying");
    assert!(e[1]["tags"].as_array().unwrap().contains(&json!("ip_list:tor")));
    // Unknown (ATT&CK v19) tactic tags are kept and reported, and still type the alert.
    assert_eq!(e[2]["tags"], json!(["attack.stealth", "attack.defense-impairment", "attack.t1070.002"]));
    assert_eq!(e[2]["logward"]["attack"]["unknown_tags"], json!(["attack.stealth", "attack.defense-impairment"]));
    assert_eq!(e[2]["logward"]["threat_type"], "defense_evasion");
    assert_eq!(e[3]["logward"]["threat_type"], "injection");
    // Plain events get ATT&CK fields but no threat type; untagged events pass unchanged.
    assert_eq!(e[4]["threat"]["technique"]["subtechnique"]["id"], json!(["T1136.001"]));
    assert!(e[4]["logward"].get("threat_type").is_none());
    assert_eq!(e[5], json!({"message": "no tags at all", "source": {"ip": "192.0.2.10"}}));
}

fn technique(stix_id: &str, id: &str, name: &str, revoked: bool) -> Value {
    let url = format!("https://attack.mitre.org/techniques/{}", id.replace('.', "/"));
    json!({"type": "attack-pattern", "id": stix_id, "name": name, "revoked": revoked,
           "external_references": [{"source_name": "mitre-attack", "external_id": id, "url": url}],
           "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "credential-access"}]})
}

#[test]
fn a_newer_bundle_overrides_the_builtin_table_and_resolves_revocations() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = json!({"type": "bundle", "objects": [
        {"type": "x-mitre-collection", "x_mitre_version": "19.0"},
        {"type": "x-mitre-tactic", "name": "Credential Access", "x_mitre_shortname": "credential-access",
         "external_references": [{"source_name": "mitre-attack", "external_id": "TA0006", "url": "https://attack.mitre.org/tactics/TA0006"}]},
        technique("attack-pattern--1", "T1110", "Brute Force", false),
        technique("attack-pattern--2", "T1110.001", "Password Guessing (renamed)", false),
        technique("attack-pattern--3", "T1999", "Old Guessing", true),
        {"type": "relationship", "relationship_type": "revoked-by", "source_ref": "attack-pattern--3", "target_ref": "attack-pattern--2"}
    ]});
    let path = dir.path().join("enterprise-attack.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    let input = "{\"event\":{\"kind\":\"alert\"},\"tags\":[\"attack.t1110.001\"]}\n{\"event\":{\"kind\":\"alert\"},\"tags\":[\"attack.t1999\"]}\n";
    let out = logward().args(["enrich", "--attack-bundle"]).arg(&path).write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e = ndjson(&out.stdout);
    assert_eq!(e[0]["threat"]["technique"]["subtechnique"]["name"], json!(["Password Guessing (renamed)"]));
    assert_eq!(e[1]["threat"]["technique"]["subtechnique"]["id"], json!(["T1110.001"]));
    assert_eq!(e[1]["logward"]["attack"]["replaced"], json!(["T1999"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ATT&CK 19.0"));
    // A file that is not a STIX bundle is one clear error.
    std::fs::write(&path, "{\"not\": \"stix\"}").unwrap();
    let out = logward().args(["enrich", "--attack-bundle"]).arg(&path).write_stdin("{}\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a STIX bundle"));
}

#[test]
fn bad_ip_list_arguments_are_usage_errors() {
    let out = logward().args(["enrich", "--ip-list", "nofile"]).write_stdin("{}\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = logward().args(["enrich", "--ip-list", "x=/nonexistent"]).write_stdin("{}\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn geoip_adds_geo_and_as_from_maxmind_databases() {
    // MaxMind's public test databases (testdata/geoip/README.md).
    let input = "{\"source\":{\"ip\":\"81.2.69.142\"},\"destination\":{\"ip\":\"89.160.20.112\"}}\n{\"source\":{\"ip\":\"10.0.0.1\"}}\n";
    let out = logward()
        .current_dir(root())
        .args([
            "enrich",
            "--geoip",
            "testdata/geoip/GeoIP2-City-Test.mmdb",
            "--geoip",
            "testdata/geoip/GeoLite2-ASN-Test.mmdb",
        ])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e = ndjson(&out.stdout);
    let g = &e[0]["source"]["geo"];
    assert_eq!(g["city_name"], "London");
    assert_eq!(g["country_iso_code"], "GB");
    assert_eq!(g["region_iso_code"], "GB-ENG");
    assert_eq!(g["location"], json!({"lat": 51.5142, "lon": -0.0931}));
    assert_eq!(e[0]["destination"]["geo"]["city_name"], "Linköping");
    assert_eq!(e[0]["destination"]["as"], json!({"number": 29518, "organization": {"name": "Bredband2 AB"}}));
    // Addresses a database does not know are left as they were.
    assert_eq!(e[1], json!({"source": {"ip": "10.0.0.1"}}));
    let out = logward().args(["enrich", "--geoip", "/nonexistent.mmdb"]).write_stdin("{}\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open GeoIP database"));
}

#[test]
fn events_nothing_applies_to_pass_through_byte_for_byte() {
    let untouched = "{\"source.ip\" : \"203.0.113.9\", \"message\":\"caf\\u00e9\",\"n\":1.50}\n";
    let alert = "{\"event\":{\"kind\":\"alert\"},\"tags\":[\"attack.t1110\"]}\n";
    let empty_tags = "{\"event\":{\"kind\":\"alert\"},\"tags\":[]}\n";
    let input = format!("{untouched}{alert}{empty_tags}not json\n");
    let out = logward().args(["enrich", "-q"]).write_stdin(input.clone()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "the line that is not JSON is rejected");
    assert_eq!(lines[0], untouched.trim_end(), "no tags, not an alert: the bytes as they came");
    assert!(lines[1].contains("\"threat\":{"), "{}", lines[1]);
    assert!(
        lines[2].contains("\"threat_type\":\"unknown\""),
        "an alert with an empty tag list still gets a threat type: {}",
        lines[2]
    );
    // With an IP list, the address is looked up and the event rewritten when it matches.
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("l.txt");
    std::fs::write(&list, "203.0.113.0/24\n").unwrap();
    let out = logward()
        .args(["enrich", "-q", "--ip-list"])
        .arg(format!("bad={}", list.display()))
        .write_stdin(untouched)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tags"], json!(["ip_list:bad"]));
}
