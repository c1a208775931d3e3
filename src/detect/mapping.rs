//! Where Sigma's logsource taxonomy meets ECS: which events a rule runs on, and which ECS
//! field each Sigma field name means. Declared once in `rules/detect/ecs-mapping.yml`.

use super::view::View;
use anyhow::{bail, Context, Result};
use rsigma_parser::LogSource;
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;

const BUILTIN: &str = include_str!("../../rules/detect/ecs-mapping.yml");

pub struct Mapping {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    logsources: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    logsource: BTreeMap<String, String>,
    #[serde(default)]
    events: BTreeMap<String, yaml_serde::Value>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    prefix: Option<String>,
}

struct Entry {
    category: Option<String>,
    product: Option<String>,
    service: Option<String>,
    gate: Gate,
    fields: BTreeMap<String, String>,
    prefix: Option<String>,
}

/// The events a rule runs on: every condition must hold; a condition holds when the
/// field (or any element of it) matches one of its patterns.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    conditions: Vec<(String, Vec<String>)>,
}

impl Gate {
    pub fn matches(&self, ev: &View<'_>) -> bool {
        self.conditions
            .iter()
            .all(|(field, patterns)| ev.any_text(field, |text| patterns.iter().any(|p| wildcard_match(p, text))))
    }

    /// `event.category=web` style, for listings.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self.conditions.iter().map(|(f, p)| format!("{f}={}", p.join("|"))).collect();
        parts.join(" ")
    }
}

/// Case-insensitive match where `*` stands for any run of characters; `pattern` is
/// lowercase already.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let t: Cow<'_, str> = if text.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    };
    let Some((first, rest)) = pattern.split_once('*') else { return pattern == t };
    let (middle, last) = rest.rsplit_once('*').unwrap_or(("", rest));
    if !t.starts_with(first) || t.len() < first.len() + last.len() || !t.ends_with(last) {
        return false;
    }
    let mut between = &t[first.len()..t.len() - last.len()];
    for mid in middle.split('*').filter(|m| !m.is_empty()) {
        match between.find(mid) {
            Some(i) => between = &between[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn yaml_scalar(v: &yaml_serde::Value) -> Result<String> {
    Ok(match v {
        yaml_serde::Value::String(s) => s.clone(),
        yaml_serde::Value::Number(n) => n.to_string(),
        yaml_serde::Value::Bool(b) => b.to_string(),
        other => bail!("expected a string, number or boolean, found {other:?}"),
    })
}

impl Mapping {
    pub fn builtin() -> Mapping {
        Mapping::parse(BUILTIN).expect("the built-in mapping is valid (tested)")
    }

    pub fn load(path: &std::path::Path) -> Result<Mapping> {
        let text = crate::io::files::read_text_limited(path, "mapping", crate::io::files::limits::CONFIG, None)?;
        Mapping::parse(&text).with_context(|| format!("mapping '{}'", path.display()))
    }

    pub fn parse(text: &str) -> Result<Mapping> {
        let file: File = yaml_serde::from_str(text)?;
        let mut entries = Vec::new();
        for (i, raw) in file.logsources.into_iter().enumerate() {
            let mut ls = raw.logsource;
            let (category, product, service) = (ls.remove("category"), ls.remove("product"), ls.remove("service"));
            if let Some(k) = ls.keys().next() {
                bail!("logsources[{i}]: unknown logsource key '{k}' (use category, product, service)");
            }
            if category.is_none() && product.is_none() && service.is_none() {
                bail!("logsources[{i}]: the logsource names none of category, product, service");
            }
            let mut gate = Gate::default();
            for (field, values) in raw.events {
                let values = match values {
                    yaml_serde::Value::Sequence(vs) => vs.iter().map(yaml_scalar).collect::<Result<_>>(),
                    v => yaml_scalar(&v).map(|s| vec![s]),
                }
                .with_context(|| format!("logsources[{i}].events.{field}"))?;
                let values: Vec<String> = values;
                gate.conditions.push((field, values.iter().map(|v| v.to_lowercase()).collect()));
            }
            entries.push(Entry { category, product, service, gate, fields: raw.fields, prefix: raw.prefix });
        }
        Ok(Mapping { entries })
    }

    /// How many of the entry's keys the rule's logsource has; `None` when one differs.
    fn fit(entry: &Entry, ls: &LogSource) -> Option<usize> {
        let mut n = 0;
        for (want, have) in
            [(&entry.category, &ls.category), (&entry.product, &ls.product), (&entry.service, &ls.service)]
        {
            if let Some(w) = want {
                match have {
                    Some(h) if h.eq_ignore_ascii_case(w) => n += 1,
                    _ => return None,
                }
            }
        }
        Some(n)
    }

    /// The events a rule of this logsource runs on; `None`: every event.
    pub fn gate(&self, ls: &LogSource) -> Option<Gate> {
        let mut best: Option<(usize, &Entry)> = None;
        for e in &self.entries {
            if let Some(n) = Mapping::fit(e, ls) {
                if best.is_none_or(|(b, _)| n > b) {
                    best = Some((n, e));
                }
            }
        }
        best.map(|(_, e)| e.gate.clone())
    }

    /// The ECS name of a Sigma field in rules of this logsource.
    pub fn field(&self, ls: &LogSource, name: &str) -> String {
        let mut out = name.to_string();
        for e in self.entries.iter().filter(|e| Mapping::fit(e, ls).is_some()) {
            if let Some(mapped) = e.fields.get(name) {
                out = mapped.clone();
            } else if let Some(prefix) = &e.prefix {
                out = format!("{prefix}{name}");
            }
        }
        out
    }

    /// The field mapping as a pySigma-style processing pipeline for the rule compiler.
    pub fn pipeline(&self) -> Result<rsigma_eval::Pipeline> {
        let mut items = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let mut cond = serde_json::Map::new();
            cond.insert("type".into(), json!("logsource"));
            for (k, v) in [("category", &e.category), ("product", &e.product), ("service", &e.service)] {
                if let Some(v) = v {
                    cond.insert(k.into(), json!(v));
                }
            }
            if !e.fields.is_empty() {
                items.push(json!({"id": format!("ecs_fields_{i}"), "type": "field_name_mapping", "mapping": e.fields, "rule_conditions": [cond.clone()]}));
            }
            if let Some(prefix) = &e.prefix {
                items.push(json!({"id": format!("ecs_prefix_{i}"), "type": "field_name_prefix", "prefix": prefix, "rule_conditions": [cond]}));
            }
        }
        // JSON is YAML, and the pipeline parser takes YAML.
        let text = json!({"name": "logward ECS mapping", "priority": 10, "transformations": items}).to_string();
        rsigma_eval::parse_pipeline(&text).map_err(|e| anyhow::anyhow!("field mapping: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            category: category.map(String::from),
            product: product.map(String::from),
            service: service.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("apache.*", "apache.access"));
        assert!(wildcard_match("*.access", "Nginx.Access"));
        assert!(wildcard_match("a*c*e", "abcde"));
        assert!(!wildcard_match("a*c*e", "abde"));
        assert!(!wildcard_match("apache.*", "nginx.access"));
        assert!(wildcard_match("sshd", "SSHD"));
    }

    #[test]
    fn most_specific_gate_wins() {
        let m = Mapping::builtin();
        let sshd = m.gate(&ls(None, Some("linux"), Some("sshd"))).unwrap();
        fn event(line: &str) -> View<'_> {
            View::parse(line).unwrap()
        }
        assert!(sshd.matches(&event(r#"{"event":{"dataset":"system.auth"},"process":{"name":"sshd"}}"#)));
        assert!(!sshd.matches(&event(r#"{"event":{"dataset":"system.auth"},"process":{"name":"sudo"}}"#)));
        let linux = m.gate(&ls(None, Some("linux"), None)).unwrap();
        assert!(linux.matches(&event(r#"{"event":{"dataset":"System.Syslog"}}"#)));
        // Process creation on Linux is about the event category, not the dataset.
        let proc = m.gate(&ls(Some("process_creation"), Some("linux"), None)).unwrap();
        assert_eq!(proc.describe(), "event.category=process event.type=start");
        assert!(proc.matches(&event(r#"{"event":{"category":["process"],"type":["start"]}}"#)));
        assert!(!proc.matches(&event(r#"{"event":{"category":["process"],"type":"end"}}"#)));
        assert!(m.gate(&ls(None, Some("windows"), Some("security"))).is_none());
    }

    #[test]
    fn fields_map_by_logsource() {
        let m = Mapping::builtin();
        assert_eq!(m.field(&ls(Some("webserver"), None, None), "c-ip"), "source.ip");
        assert_eq!(m.field(&ls(Some("process_creation"), Some("linux"), None), "Image"), "process.executable");
        assert_eq!(m.field(&ls(None, Some("linux"), Some("auditd")), "a0"), "auditd.log.a0");
        assert_eq!(m.field(&ls(None, Some("linux"), Some("auth")), "source.ip"), "source.ip");
        m.pipeline().unwrap();
    }

    #[test]
    fn bad_mapping_is_explained() {
        let err = Mapping::parse("logsources:\n  - logsource: {produkt: linux}\n").err().unwrap();
        assert!(err.to_string().contains("unknown logsource key 'produkt'"), "{err}");
    }
}
