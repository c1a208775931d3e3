//! Which engines an event may reach, found with a table lookup instead of trying every
//! engine's gate: each gate is filed under one of its conditions whose patterns are plain
//! values (no `*`), on the field whose values tell kinds of event apart best (the Windows
//! event id before the channel), and an event looks up its values of those few fields.
//! The gates of the engines found are then checked in full, in engine order, so results
//! are the same as trying every gate.

use super::mapping::Gate;
use super::view::View;
use std::collections::{BTreeSet, HashMap};

/// Lower-case value -> engines filed under it.
type Table = HashMap<Box<str>, Vec<usize>>;

#[derive(Default)]
pub struct Dispatch {
    /// Per indexed field, its table.
    keyed: Vec<(String, Table)>,
    /// Engines with no plain-valued condition (or no gate): tried on every event.
    always: Vec<usize>,
}

impl Dispatch {
    pub fn new(gates: &[Option<&Gate>]) -> Dispatch {
        // How many distinct plain values each field has across all gates.
        let mut values: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        let plain = |patterns: &[String]| patterns.iter().all(|p| !p.contains('*'));
        for g in gates.iter().flatten() {
            for (field, patterns) in g.conditions() {
                if plain(patterns) {
                    values.entry(field).or_default().extend(patterns.iter().map(String::as_str));
                }
            }
        }
        let mut d = Dispatch::default();
        for (i, g) in gates.iter().enumerate() {
            let best = g.and_then(|g| {
                g.conditions()
                    .iter()
                    .filter(|(_, p)| plain(p))
                    .max_by_key(|(f, _)| (values[f.as_str()].len(), std::cmp::Reverse(f.clone())))
            });
            let Some((field, patterns)) = best else {
                d.always.push(i);
                continue;
            };
            let k = match d.keyed.iter().position(|(f, _)| f == field) {
                Some(k) => k,
                None => {
                    d.keyed.push((field.clone(), HashMap::new()));
                    d.keyed.len() - 1
                }
            };
            for p in patterns {
                d.keyed[k].1.entry(p.as_str().into()).or_default().push(i);
            }
        }
        d
    }

    /// The engines whose gate `ev` may pass, ascending; `scratch` is reused between calls.
    pub fn candidates(&self, ev: &View<'_>, out: &mut Vec<usize>, scratch: &mut String) {
        out.clear();
        out.extend_from_slice(&self.always);
        for (field, table) in &self.keyed {
            ev.any_text(field, |text| {
                scratch.clear();
                if text.is_ascii() {
                    scratch.push_str(text);
                    scratch.make_ascii_lowercase();
                } else {
                    scratch.push_str(&text.to_lowercase());
                }
                if let Some(engines) = table.get(scratch.as_str()) {
                    out.extend_from_slice(engines);
                }
                false
            });
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::mapping::Mapping;
    use rsigma_parser::LogSource;

    /// For every event, the engines found are exactly those whose gate it passes.
    #[test]
    fn lookups_find_the_same_engines_as_trying_every_gate() {
        let m = Mapping::builtin();
        let mut gates = Vec::new();
        for (product, service, category) in [
            ("windows", None, Some("process_creation")),
            ("windows", Some("security"), None),
            ("windows", Some("sysmon"), None),
            ("windows", None, None),
            ("windows", None, Some("registry_event")),
            ("windows", Some("powershell"), None),
            ("linux", Some("sshd"), None),
            ("linux", None, Some("process_creation")),
        ] {
            let ls = LogSource {
                product: Some(product.into()),
                service: service.map(String::from),
                category: category.map(String::from),
                ..Default::default()
            };
            gates.extend(m.place(&ls).into_iter().map(|p| p.gate));
        }
        let refs: Vec<Option<&Gate>> = gates.iter().map(Some).chain([None]).collect();
        let d = Dispatch::new(&refs);
        let events = [
            r#"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1"}}"#,
            r#"{"winlog":{"channel":"microsoft-windows-sysmon/operational","event_id":13}}"#,
            r#"{"winlog":{"channel":"Security","event_id":"4688"}}"#,
            r#"{"winlog":{"channel":"Security","event_id":"4625"}}"#,
            r#"{"winlog":{"channel":"PowerShellCore/Operational","event_id":"4104"}}"#,
            r#"{"winlog":{"channel":"Application","event_id":"1"}}"#,
            r#"{"event":{"dataset":"system.auth"},"process":{"name":"sshd"}}"#,
            r#"{"event":{"category":["process","file"],"type":"start"}}"#,
            r#"{"message":"x"}"#,
        ];
        let (mut out, mut scratch) = (Vec::new(), String::new());
        for line in events {
            let ev = View::parse(line).unwrap();
            d.candidates(&ev, &mut out, &mut scratch);
            let found: Vec<usize> = out.iter().copied().filter(|&i| refs[i].is_none_or(|g| g.matches(&ev))).collect();
            let all: Vec<usize> = (0..refs.len()).filter(|&i| refs[i].is_none_or(|g| g.matches(&ev))).collect();
            assert_eq!(found, all, "{line}");
            assert!(out.len() < refs.len(), "{line}: the table narrowed nothing down");
        }
    }
}
