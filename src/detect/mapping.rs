//! Where Sigma's logsource taxonomy meets ECS: which events a rule runs on, and which ECS
//! field each Sigma field name means. Declared once in `rules/detect/ecs-mapping.yml`.
//!
//! A logsource is *placed* by the most specific entry that fits it; a rule whose logsource no
//! entry places does not run (unless asked to run on every event). An entry may place its
//! rules on several kinds of event (Sysmon 1 and Security 4688 for process creation), each
//! with field names of its own; such a rule is compiled once per kind.

use super::view::View;
use anyhow::{bail, Context, Result};
use rsigma_parser::LogSource;
use serde::Deserialize;
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

/// A field's ECS name, or several (the rule then matches any of them).
#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
enum Targets {
    One(String),
    Many(Vec<String>),
}

impl Targets {
    fn list(&self) -> Vec<String> {
        match self {
            Targets::One(s) => vec![s.clone()],
            Targets::Many(v) => v.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    logsource: BTreeMap<String, String>,
    #[serde(default)]
    events: Option<BTreeMap<String, yaml_serde::Value>>,
    #[serde(default)]
    unless: BTreeMap<String, yaml_serde::Value>,
    #[serde(default)]
    also: Vec<RawAlso>,
    #[serde(default)]
    fields: BTreeMap<String, Targets>,
    #[serde(default)]
    prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlso {
    events: BTreeMap<String, yaml_serde::Value>,
    #[serde(default)]
    unless: BTreeMap<String, yaml_serde::Value>,
    #[serde(default)]
    fields: BTreeMap<String, Targets>,
}

struct Entry {
    category: Option<String>,
    product: Option<String>,
    service: Option<String>,
    /// The kinds of event the entry places its rules on, each with its own field names.
    kinds: Vec<(Gate, BTreeMap<String, Vec<String>>)>,
    fields: BTreeMap<String, Vec<String>>,
    prefix: Option<String>,
}

/// The events a rule runs on: every condition must hold and no `unless` condition may; a
/// condition holds when the field (or any element of it) matches one of its patterns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gate {
    conditions: Vec<(String, Vec<String>)>,
    unless: Vec<(String, Vec<String>)>,
}

fn holds(ev: &View<'_>, field: &str, patterns: &[String]) -> bool {
    ev.any_text(field, |text| patterns.iter().any(|p| wildcard_match(p, text)))
}

impl Gate {
    pub fn matches(&self, ev: &View<'_>) -> bool {
        self.conditions.iter().all(|(f, p)| holds(ev, f, p)) && !self.unless.iter().any(|(f, p)| holds(ev, f, p))
    }

    /// `event.category=web` style, for listings.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.conditions.iter().map(|(f, p)| format!("{f}={}", p.join("|"))).collect();
        if !self.unless.is_empty() {
            let not: Vec<String> = self.unless.iter().map(|(f, p)| format!("{f}={}", p.join("|"))).collect();
            parts.push(format!("unless {}", not.join(" or ")));
        }
        if parts.is_empty() {
            return "all events".into();
        }
        parts.join(" ")
    }

    /// The (field, lower-case patterns) every matching event has.
    pub fn conditions(&self) -> &[(String, Vec<String>)] {
        &self.conditions
    }

    pub fn has_unless(&self) -> bool {
        !self.unless.is_empty()
    }
}

/// Where one rule runs: a kind of event and the field names that kind has.
#[derive(Clone, Debug)]
pub struct Placement {
    pub gate: Gate,
    entry: usize,
    kind: usize,
}

impl Placement {
    /// The mapping entry and the kind of event within it.
    pub fn key(&self) -> (usize, usize) {
        (self.entry, self.kind)
    }
}

/// Case-insensitive match where `*` stands for any run of characters; `pattern` is
/// lowercase already.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let t: Cow<'_, str> = if text.is_ascii() { Cow::Borrowed(text) } else { Cow::Owned(text.to_lowercase()) };
    let t = t.as_bytes();
    let p = pattern.as_bytes();
    let eq = |a: &[u8], b: &[u8]| a.eq_ignore_ascii_case(b);
    let Some(star) = p.iter().position(|&b| b == b'*') else { return eq(p, t) };
    let (first, rest) = (&p[..star], &p[star + 1..]);
    let (middle, last) = match rest.iter().rposition(|&b| b == b'*') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&[][..], rest),
    };
    if t.len() < first.len() + last.len() || !eq(&t[..first.len()], first) || !eq(&t[t.len() - last.len()..], last) {
        return false;
    }
    let mut between = &t[first.len()..t.len() - last.len()];
    for mid in middle.split(|&b| b == b'*').filter(|m| !m.is_empty()) {
        match between.windows(mid.len()).position(|w| eq(w, mid)) {
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

fn conditions(raw: BTreeMap<String, yaml_serde::Value>, at: &str) -> Result<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (field, values) in raw {
        let values: Vec<String> = match values {
            yaml_serde::Value::Sequence(vs) => vs.iter().map(yaml_scalar).collect::<Result<_>>(),
            v => yaml_scalar(&v).map(|s| vec![s]),
        }
        .with_context(|| format!("{at}.{field}"))?;
        out.push((field, values.iter().map(|v| v.to_lowercase()).collect()));
    }
    Ok(out)
}

fn targets(raw: BTreeMap<String, Targets>) -> BTreeMap<String, Vec<String>> {
    raw.into_iter().map(|(k, v)| (k, v.list())).collect()
}

/// `product: windows, service: security`, as the rule writes its logsource.
pub fn describe_logsource(ls: &LogSource) -> String {
    let parts: Vec<String> = [("product", &ls.product), ("service", &ls.service), ("category", &ls.category)]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
    if parts.is_empty() {
        "no logsource".into()
    } else {
        parts.join(", ")
    }
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
            let at = format!("logsources[{i}]");
            let unless = conditions(raw.unless, &format!("{at}.unless"))?;
            let mut kinds = Vec::new();
            match raw.events {
                Some(events) => kinds.push((
                    Gate { conditions: conditions(events, &format!("{at}.events"))?, unless: unless.clone() },
                    BTreeMap::new(),
                )),
                None if !raw.also.is_empty() => bail!("{at}: 'also' needs 'events' beside it"),
                None => {}
            }
            for (k, also) in raw.also.into_iter().enumerate() {
                let mut gate_unless = conditions(also.unless, &format!("{at}.also[{k}].unless"))?;
                gate_unless.extend(unless.iter().cloned());
                let gate = Gate {
                    conditions: conditions(also.events, &format!("{at}.also[{k}].events"))?,
                    unless: gate_unless,
                };
                kinds.push((gate, targets(also.fields)));
            }
            entries.push(Entry { category, product, service, kinds, fields: targets(raw.fields), prefix: raw.prefix });
        }
        Ok(Mapping { entries })
    }

    /// How many of the entry's keys the rule's logsource has; `None` when one differs, or
    /// when the rule names a product the entry does not (a product's rules run only on
    /// that product's events).
    fn fit(entry: &Entry, ls: &LogSource) -> Option<usize> {
        if entry.product.is_none() && ls.product.is_some() {
            return None;
        }
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

    /// Entries fitting the logsource, most specific first (file order on ties).
    fn fitting(&self, ls: &LogSource) -> Vec<(usize, &Entry)> {
        let mut fits: Vec<(usize, usize, &Entry)> =
            self.entries.iter().enumerate().filter_map(|(i, e)| Mapping::fit(e, ls).map(|n| (n, i, e))).collect();
        fits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        fits.into_iter().map(|(_, i, e)| (i, e)).collect()
    }

    /// Whether the entry names exactly the rule's category, product and service.
    fn names_exactly(entry: &Entry, ls: &LogSource) -> bool {
        [(&entry.category, &ls.category), (&entry.product, &ls.product), (&entry.service, &ls.service)].iter().all(
            |(want, have)| match (want, have) {
                (None, None) => true,
                (Some(w), Some(h)) => w.eq_ignore_ascii_case(h),
                _ => false,
            },
        )
    }

    /// The kinds of event a rule of this logsource runs on: those of the first entry that
    /// names exactly its logsource and places events. Empty: the mapping cannot place it.
    pub fn place(&self, ls: &LogSource) -> Vec<Placement> {
        let Some((i, e)) =
            self.entries.iter().enumerate().find(|(_, e)| !e.kinds.is_empty() && Mapping::names_exactly(e, ls))
        else {
            return Vec::new();
        };
        e.kinds.iter().enumerate().map(|(k, (gate, _))| Placement { gate: gate.clone(), entry: i, kind: k }).collect()
    }

    /// The ECS name(s) of a Sigma field in rules of this logsource, on events of one
    /// placement: the placement's own names first, then the entries that fit the
    /// logsource from the most specific, then the first prefix among them.
    pub fn resolve(&self, ls: &LogSource, at: Option<&Placement>, name: &str) -> Vec<String> {
        if let Some(p) = at {
            if let Some(t) = self.entries[p.entry].kinds[p.kind].1.get(name) {
                return t.clone();
            }
        }
        let fits = self.fitting(ls);
        if let Some(t) = fits.iter().find_map(|(_, e)| e.fields.get(name)) {
            return t.clone();
        }
        match fits.iter().find_map(|(_, e)| e.prefix.as_ref()) {
            Some(prefix) if !name.contains('.') => vec![format!("{prefix}{name}")],
            _ => vec![name.to_string()],
        }
    }

    /// The ECS name of a Sigma field in rules of this logsource, on events of its first
    /// placement (correlation group-by fields and filters use it).
    pub fn field(&self, ls: &LogSource, name: &str) -> String {
        let first = self.place(ls).into_iter().next();
        self.resolve(ls, first.as_ref(), name).swap_remove(0)
    }

    /// Which entries shape the field names of a logsource's rules: rules with the same
    /// signature and placement get the same names.
    pub fn signature(&self, ls: &LogSource) -> Vec<usize> {
        self.fitting(ls).into_iter().map(|(i, _)| i).collect()
    }

    /// The field names of one placement as a pySigma-style processing pipeline: every
    /// name in `names` that the mapping changes, for rules of logsource `ls`.
    pub fn pipeline<'a>(
        &self,
        ls: &LogSource,
        at: Option<&Placement>,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<rsigma_eval::Pipeline> {
        let mut mapping = serde_json::Map::new();
        for name in names {
            let to = self.resolve(ls, at, name);
            if to.len() != 1 || to[0] != name {
                mapping.insert(name.to_string(), serde_json::json!(to));
            }
        }
        let items = if mapping.is_empty() {
            Vec::new()
        } else {
            vec![serde_json::json!({"id": "ecs_fields", "type": "field_name_mapping", "mapping": mapping})]
        };
        // JSON is YAML, and the pipeline parser takes YAML.
        let text =
            serde_json::json!({"name": "logward ECS mapping", "priority": 10, "transformations": items}).to_string();
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

    fn event(line: &str) -> View<'_> {
        View::parse(line).unwrap()
    }

    fn gate(m: &Mapping, l: LogSource) -> Gate {
        let mut p = m.place(&l);
        assert_eq!(p.len(), 1, "{l:?}");
        p.remove(0).gate
    }

    #[test]
    fn rules_run_on_the_events_of_their_exact_logsource() {
        let m = Mapping::builtin();
        let sshd = gate(&m, ls(None, Some("linux"), Some("sshd")));
        assert!(sshd.matches(&event(r#"{"event":{"dataset":"system.auth"},"process":{"name":"sshd"}}"#)));
        assert!(!sshd.matches(&event(r#"{"event":{"dataset":"system.auth"},"process":{"name":"sudo"}}"#)));
        let linux = gate(&m, ls(None, Some("linux"), None));
        assert!(linux.matches(&event(r#"{"event":{"dataset":"System.Syslog"}}"#)));
        // Process creation on Linux is about the event category, not the dataset, and
        // never about Windows or macOS events.
        let proc = gate(&m, ls(Some("process_creation"), Some("linux"), None));
        assert!(proc.describe().starts_with("event.category=process event.type=start unless "), "{}", proc.describe());
        assert!(proc.matches(&event(r#"{"event":{"category":["process"],"type":["start"]}}"#)));
        assert!(!proc.matches(&event(r#"{"event":{"category":["process"],"type":"end"}}"#)));
        assert!(!proc.matches(&event(
            r#"{"event":{"category":["process"],"type":["start"]},"winlog":{"channel":"Security","event_id":"4688"}}"#
        )));
        assert!(
            !proc.matches(&event(r#"{"event":{"category":"process","type":"start"},"host":{"os":{"type":"macos"}}}"#))
        );
        let mac = gate(&m, ls(Some("process_creation"), Some("macos"), None));
        assert!(!mac.matches(&event(r#"{"event":{"category":["process"],"type":["start"]}}"#)));
        assert!(
            mac.matches(&event(r#"{"event":{"category":"process","type":"start"},"host":{"os":{"type":"macos"}}}"#))
        );
        // A logsource naming something no entry names exactly is not placed, even when a
        // less specific entry fits part of it.
        for unplaced in [
            ls(None, Some("zeek"), Some("rdp")),
            ls(Some("file_access"), Some("windows"), None),
            ls(None, Some("windows"), Some("no-such-service")),
            ls(None, Some("linux"), Some("no-such-service")),
            ls(Some("antivirus"), None, None),
        ] {
            assert!(m.place(&unplaced).is_empty(), "{unplaced:?}");
        }
    }

    #[test]
    fn windows_services_and_categories_sit_on_channels_and_event_ids() {
        let m = Mapping::builtin();
        let security = gate(&m, ls(None, Some("windows"), Some("security")));
        // Winlogbeat 8 writes the event id as a string, Winlogbeat 7 as a number; keys may
        // be dotted or nested.
        assert!(security.matches(&event(r#"{"winlog":{"channel":"Security","event_id":"4625"}}"#)));
        assert!(security.matches(&event(r#"{"winlog.channel":"security","winlog.event_id":4625}"#)));
        assert!(!security.matches(&event(r#"{"winlog":{"channel":"System","event_id":"7045"}}"#)));
        let reg = gate(&m, ls(Some("registry_set"), Some("windows"), None));
        assert!(reg.matches(&event(r#"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":13}}"#)));
        assert!(
            !reg.matches(&event(r#"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"12"}}"#))
        );
        let ps = gate(&m, ls(Some("ps_script"), Some("windows"), None));
        assert!(ps.matches(&event(r#"{"winlog":{"channel":"PowerShellCore/Operational","event_id":"4104"}}"#)));
        let pipe = gate(&m, ls(Some("pipe_created"), Some("windows"), None));
        assert!(
            pipe.matches(&event(r#"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"18"}}"#))
        );

        // Process creation: Sysmon 1 and Security 4688, each with its own field names.
        let l = ls(Some("process_creation"), Some("windows"), None);
        let kinds = m.place(&l);
        assert_eq!(kinds.len(), 2);
        let sysmon = event(r#"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1"}}"#);
        let audit = event(r#"{"winlog":{"channel":"Security","event_id":"4688"}}"#);
        assert!(kinds[0].gate.matches(&sysmon) && !kinds[0].gate.matches(&audit));
        assert!(kinds[1].gate.matches(&audit) && !kinds[1].gate.matches(&sysmon));
        assert_eq!(m.resolve(&l, Some(&kinds[0]), "Image"), ["winlog.event_data.Image"]);
        assert_eq!(m.resolve(&l, Some(&kinds[1]), "Image"), ["winlog.event_data.NewProcessName"]);
        assert_eq!(m.resolve(&l, Some(&kinds[1]), "CommandLine"), ["winlog.event_data.CommandLine"]);
        assert_eq!(m.resolve(&l, Some(&kinds[1]), "EventID"), ["winlog.event_id"]);
        assert_eq!(m.resolve(&l, Some(&kinds[0]), "winlog.event_data.Image"), ["winlog.event_data.Image"]);
        assert_eq!(m.field(&ls(None, Some("windows"), Some("system")), "Provider_Name"), "winlog.provider_name");
        assert_eq!(m.resolve(&ls(Some("ps_classic_start"), Some("windows"), None), None, "Data").len(), 7);
    }

    #[test]
    fn fields_map_by_logsource() {
        let m = Mapping::builtin();
        assert_eq!(m.field(&ls(Some("webserver"), None, None), "c-ip"), "source.ip");
        assert_eq!(m.field(&ls(Some("process_creation"), Some("linux"), None), "Image"), "process.executable");
        assert_eq!(m.field(&ls(Some("process_creation"), None, None), "Image"), "process.executable");
        assert_eq!(m.field(&ls(None, Some("linux"), Some("auditd")), "a0"), "auditd.log.a0");
        assert_eq!(m.field(&ls(None, Some("linux"), Some("auth")), "source.ip"), "source.ip");
        let l = ls(Some("webserver"), None, None);
        m.pipeline(&l, m.place(&l).first(), ["c-ip", "cs-method", "other"]).unwrap();
    }

    #[test]
    fn bad_mapping_is_explained() {
        let err = Mapping::parse("logsources:\n  - logsource: {produkt: linux}\n").err().unwrap();
        assert!(err.to_string().contains("unknown logsource key 'produkt'"), "{err}");
    }
}
