//! The MITRE ATT&CK table: techniques and tactics by id and tag, loaded from a STIX bundle
//! (`enterprise-attack.json` as MITRE publishes it) or from the compact table built into
//! the binary (`rules/attack/`, generated from ATT&CK v18.1 by `tests/attack_table.rs`).

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const BUILTIN: &str = include_str!("../../rules/attack/enterprise-attack-v18.1.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Technique {
    pub id: String,
    pub name: String,
    pub reference: String,
    /// Tactic short names (`credential-access`) from the kill chain phases.
    pub tactics: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// The technique that replaces a revoked one, when the bundle says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tactic {
    pub id: String,
    pub name: String,
    pub shortname: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub version: String,
    pub techniques: BTreeMap<String, Technique>,
    pub tactics: BTreeMap<String, Tactic>,
}

/// What an `attack.*` tag names.
#[derive(Debug, PartialEq)]
pub enum Tag<'t> {
    Technique(&'t Technique),
    Tactic(&'t Tactic),
    /// Groups (`attack.g0016`), software (`attack.s0002`), campaigns: not techniques.
    Other,
    Unknown,
}

impl Table {
    pub fn builtin() -> Table {
        serde_json::from_str(BUILTIN).expect("the built-in ATT&CK table is valid")
    }

    /// Reads a STIX 2.x bundle: `attack-pattern`, `x-mitre-tactic` and, when present,
    /// `revoked-by` relationships.
    pub fn from_stix(bundle: &[u8]) -> Result<Table> {
        let v: Value = serde_json::from_slice(bundle).context("not a JSON document")?;
        let objects = v.get("objects").and_then(Value::as_array).context("no \"objects\" array: not a STIX bundle")?;
        let mut by_stix_id: BTreeMap<&str, String> = BTreeMap::new();
        let mut t = Table { version: String::new(), techniques: BTreeMap::new(), tactics: BTreeMap::new() };
        for o in objects {
            let kind = o.get("type").and_then(Value::as_str).unwrap_or("");
            let Some((id, url)) = mitre_ref(o) else { continue };
            let name = o.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            match kind {
                "attack-pattern" => {
                    let tactics = o
                        .get("kill_chain_phases")
                        .and_then(Value::as_array)
                        .map(|phases| {
                            phases
                                .iter()
                                .filter(|p| p.get("kill_chain_name").and_then(Value::as_str) == Some("mitre-attack"))
                                .filter_map(|p| p.get("phase_name").and_then(Value::as_str).map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    if let Some(sid) = o.get("id").and_then(Value::as_str) {
                        by_stix_id.insert(sid, id.clone());
                    }
                    let tech = Technique {
                        id: id.clone(),
                        name,
                        reference: url,
                        tactics,
                        revoked: o.get("revoked").and_then(Value::as_bool).unwrap_or(false),
                        deprecated: o.get("x_mitre_deprecated").and_then(Value::as_bool).unwrap_or(false),
                        revoked_by: None,
                    };
                    // Several objects may share an id (a revoked one and its successor):
                    // the current one wins.
                    let keep_existing = t.techniques.get(&id).is_some_and(|old| !old.revoked && tech.revoked);
                    if !keep_existing {
                        t.techniques.insert(id, tech);
                    }
                }
                "x-mitre-tactic" => {
                    let shortname = o.get("x_mitre_shortname").and_then(Value::as_str).unwrap_or("").to_string();
                    t.tactics.insert(id.clone(), Tactic { id, name, shortname, reference: url });
                }

                _ => {}
            }
        }
        // The release (18.1) is in the collection object of MITRE's full bundles.
        t.version = objects
            .iter()
            .find(|o| o.get("type").and_then(Value::as_str) == Some("x-mitre-collection"))
            .and_then(|o| o.get("x_mitre_version").and_then(Value::as_str))
            .unwrap_or("unknown")
            .to_string();
        for o in objects {
            if o.get("type").and_then(Value::as_str) == Some("relationship")
                && o.get("relationship_type").and_then(Value::as_str) == Some("revoked-by")
            {
                let from = o.get("source_ref").and_then(Value::as_str).and_then(|s| by_stix_id.get(s));
                let to = o.get("target_ref").and_then(Value::as_str).and_then(|s| by_stix_id.get(s));
                if let (Some(from), Some(to)) = (from.cloned(), to.cloned()) {
                    if let Some(tech) = t.techniques.get_mut(&from) {
                        tech.revoked_by = Some(to);
                    }
                }
            }
        }
        anyhow::ensure!(!t.techniques.is_empty(), "the bundle holds no ATT&CK techniques (attack-pattern objects)");
        Ok(t)
    }

    /// Resolves a Sigma-style tag (`attack.t1110.001`, `attack.credential-access`,
    /// `attack.credential_access`); case does not matter.
    pub fn lookup(&self, tag: &str) -> Tag<'_> {
        if tag.len() < 8 || !tag[..7].eq_ignore_ascii_case("attack.") {
            return Tag::Unknown;
        }
        let name = &tag[7..];
        let b = name.as_bytes();
        if b.len() >= 2 && b[0].eq_ignore_ascii_case(&b't') && b[1].is_ascii_digit() {
            // Ids are short: upper-case into a stack buffer rather than a new String.
            let mut buf = [0u8; 16];
            if b.len() > buf.len() {
                return Tag::Unknown;
            }
            for (d, s) in buf.iter_mut().zip(b) {
                *d = s.to_ascii_uppercase();
            }
            let id = std::str::from_utf8(&buf[..b.len()]).unwrap_or("");
            return match self.techniques.get(id) {
                Some(t) => Tag::Technique(t),
                None => Tag::Unknown,
            };
        }
        if b.len() >= 2
            && matches!(b[0].to_ascii_lowercase(), b'g' | b's' | b'c')
            && b[1..].iter().all(u8::is_ascii_digit)
        {
            return Tag::Other;
        }
        let same = |short: &str| {
            short.len() == b.len()
                && short.bytes().zip(b).all(|(x, y)| x == y.to_ascii_lowercase() || (x == b'-' && *y == b'_'))
        };
        match self.tactics.values().find(|t| same(&t.shortname)) {
            Some(t) => Tag::Tactic(t),
            None => Tag::Unknown,
        }
    }

    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques.get(id)
    }

    pub fn tactic_by_shortname(&self, short: &str) -> Option<&Tactic> {
        self.tactics.values().find(|t| t.shortname == short)
    }
}

/// The ATT&CK id and URL of a STIX object.
fn mitre_ref(o: &Value) -> Option<(String, String)> {
    o.get("external_references")?.as_array()?.iter().find_map(|r| {
        if r.get("source_name").and_then(Value::as_str) != Some("mitre-attack") {
            return None;
        }
        let id = r.get("external_id")?.as_str()?.to_string();
        let url = r.get("url").and_then(Value::as_str).unwrap_or("").to_string();
        Some((id, url))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_resolves_tags() {
        let t = Table::builtin();
        assert_eq!(t.version, "18.1");
        match t.lookup("attack.t1110.001") {
            Tag::Technique(x) => {
                assert_eq!(x.name, "Password Guessing");
                assert_eq!(x.tactics, ["credential-access"]);
                assert_eq!(x.reference, "https://attack.mitre.org/techniques/T1110/001");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(t.lookup("attack.credential_access"), Tag::Tactic(x) if x.id == "TA0006"));
        assert!(matches!(t.lookup("attack.Credential-Access"), Tag::Tactic(x) if x.name == "Credential Access"));
        assert_eq!(t.lookup("attack.g0016"), Tag::Other);
        assert_eq!(t.lookup("attack.stealth"), Tag::Unknown);
        assert_eq!(t.lookup("attack.t9999"), Tag::Unknown);
        assert_eq!(t.lookup("cve.2021-44228"), Tag::Unknown);
    }
}
