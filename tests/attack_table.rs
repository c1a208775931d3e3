//! The built-in ATT&CK table is generated from MITRE's STIX data in ../shared/data/attack by
//! the same loader `--attack-bundle` uses. LOGWARD_BLESS=1 regenerates it; otherwise this
//! checks that it is current and that names and ids match the STIX objects.

mod common;
use common::*;
use logward::enrich::attack::Table;
use serde_json::Value;

fn stix() -> Option<Vec<u8>> {
    let p = root().join("../shared/data/attack/enterprise-attack-v18.1-subset.json");
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            assert!(std::env::var_os("LOGWARD_SKIP_SHARED").is_some(), "{} is missing", p.display());
            None
        }
    }
}

#[test]
fn builtin_table_is_generated_from_the_stix_bundle() {
    let Some(bundle) = stix() else { return };
    let mut table = Table::from_stix(&bundle).unwrap();
    // The subset carries no x-mitre-collection object; its README names the release.
    table.version = "18.1".to_string();
    let path = root().join("rules/attack/enterprise-attack-v18.1.json");
    let json = serde_json::to_string_pretty(&table).unwrap() + "\n";
    if std::env::var_os("LOGWARD_BLESS").is_some() {
        std::fs::write(&path, &json).unwrap();
        return;
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        json,
        "stale table: LOGWARD_BLESS=1 cargo test --test attack_table"
    );
    assert_eq!(Table::builtin(), table);
}

#[test]
fn names_and_ids_match_the_stix_objects() {
    let Some(bundle) = stix() else { return };
    let table = Table::builtin();
    let v: Value = serde_json::from_slice(&bundle).unwrap();
    let mut checked = 0;
    for o in v["objects"].as_array().unwrap() {
        if o["revoked"].as_bool() == Some(true) || o["x_mitre_deprecated"].as_bool() == Some(true) {
            continue;
        }
        let Some(r) =
            o["external_references"].as_array().and_then(|a| a.iter().find(|r| r["source_name"] == "mitre-attack"))
        else {
            continue;
        };
        let id = r["external_id"].as_str().unwrap();
        match o["type"].as_str() {
            Some("attack-pattern") => {
                let t = table.technique(id).unwrap_or_else(|| panic!("{id} missing"));
                assert_eq!(t.name, o["name"].as_str().unwrap());
                assert_eq!(t.reference, r["url"].as_str().unwrap());
                checked += 1;
            }
            Some("x-mitre-tactic") => {
                assert_eq!(table.tactics[id].name, o["name"].as_str().unwrap());
                assert_eq!(table.tactics[id].shortname, o["x_mitre_shortname"].as_str().unwrap());
                checked += 1;
            }
            _ => {}
        }
    }
    assert!(checked > 600, "checked {checked}");
    assert_eq!(table.tactics.len(), 14);
}
