//! `logward enrich`: ATT&CK technique and tactic names for tagged events (alerts from
//! `detect`, or any ECS event with `tags` such as `attack.t1110.001`), a threat type for
//! alerts, and tags for addresses on local IP lists.

pub mod attack;
pub mod command;
pub mod geoip;
pub mod iplist;
pub mod llm;
pub mod threat;

use crate::event;
use crate::event::edit::Splicer;
use crate::event::scan::{self, Scalar};
use crate::fasthash::FastMap;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Reason, Records, RejectKind};
use attack::{Table, Tag};
use iplist::IpList;
use memchr::memmem;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

pub struct EnrichOptions {
    pub attack: Table,
    pub ip_lists: Vec<IpList>,
    pub geoip: Vec<geoip::GeoDb>,
    pub llm: Option<llm::Llm>,
    pub quiet: bool,
}

pub struct Enricher {
    opts: EnrichOptions,
    resolved: AtomicU64,
    unknown: Mutex<BTreeMap<String, u64>>,
}

/// Per worker: what [`Enricher::attack_in_place`] adds for each (tags, kind, rule name):
/// alerts of one rule repeat the same few, and building them is most of the work.
#[derive(Default)]
pub struct AdditionsCache(FastMap<String, Rc<Additions>>);

/// The ATT&CK fields added to an event, as JSON text, and the tag counts they bring.
pub struct Additions {
    /// `"threat":{..}`, or empty.
    threat: Vec<u8>,
    /// The new members of `logward` without braces (`"attack":{..},"threat_type":".."`).
    logward: Vec<u8>,
    counts: TagCounts,
}

/// Tags resolved and unknown tags of one event, for the summary line.
#[derive(Clone, Default)]
struct TagCounts {
    resolved: u64,
    unknown: Vec<String>,
}

/// Distinct (tags, kind, rule) entries kept before the cache starts over.
const ADDITIONS_CAP: usize = 4096;

/// What the in-place path reads: the fields [`Enricher::attack`] reads, and those it would
/// have to merge with (`Taken`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Other,
    Tags,
    Kind,
    Rule,
    Taken,
}

impl Enricher {
    pub fn new(opts: EnrichOptions) -> Enricher {
        Enricher { opts, resolved: AtomicU64::new(0), unknown: Mutex::new(BTreeMap::new()) }
    }

    fn count(&self, c: &TagCounts) {
        self.resolved.fetch_add(c.resolved, Ordering::Relaxed);
        if !c.unknown.is_empty() {
            let mut counts = self.unknown.lock().expect("unknown tag counts");
            for u in &c.unknown {
                *counts.entry(u.to_ascii_lowercase()).or_default() += 1;
            }
        }
    }

    /// Whether nothing would change the event: no `tags`, not an alert, and no address an IP
    /// list or GeoIP database would look up. Keys and the value "alert" appear raw (with
    /// unescaped quotes) only as themselves, so a byte search decides, erring towards the
    /// long way. Such events (most of a log) are checked to be JSON objects and pass
    /// through byte for byte, without building a tree.
    fn untouched(&self, line: &str) -> Result<bool, Reason> {
        // Built once: building a searcher costs about as much as one search of a line.
        static NEEDLES: LazyLock<[memmem::Finder<'static>; 4]> =
            LazyLock::new(|| [&b"\"tags\""[..], b"\"alert\"", b"\"ip\"", b".ip\""].map(memmem::Finder::new));
        let [tags, alert, ip, dotted_ip] = &*NEEDLES;
        let has = |needle: &memmem::Finder| needle.find(line.as_bytes()).is_some();
        let looks_up = !self.opts.ip_lists.is_empty() || !self.opts.geoip.is_empty();
        let all = self.opts.llm.as_ref().is_some_and(|l| l.all_events());
        if all || has(tags) || has(alert) || (looks_up && (has(ip) || has(dotted_ip))) {
            return Ok(false);
        }
        scan::validate(line)?;
        Ok(true)
    }

    /// ATT&CK fields without rebuilding the event: [`Self::attack`] runs on a small event
    /// holding only what it reads (`tags`, `event.kind`, `rule.name`), and what it adds is
    /// spliced in where the tree path would put it (`threat` and a new `logward` at the end
    /// of the event, new members at the end of an existing `logward` object); every other
    /// byte of the line stays as it was. Appends the line to `out` and returns true, or
    /// returns false when the event already has fields this would have to merge with.
    fn attack_in_place(&self, cache: &mut AdditionsCache, line: &str, out: &mut Vec<u8>) -> Result<bool, Reason> {
        let mut classify = |p: &str| match p {
            "tags" => Read::Tags,
            "event.kind" => Read::Kind,
            "rule.name" => Read::Rule,
            "threat" | "logward" | "logward.threat_type" => Read::Taken,
            p if p.starts_with("threat.") || p.starts_with("logward.attack") => Read::Taken,
            _ => Read::Other,
        };
        let (mut scalars, mut objects) = (Vec::with_capacity(32), Vec::new());
        scan::scan_with_objects(line, &mut classify, &mut scalars, Some(&mut objects))?;
        let logward = objects.iter().find(|o| o.name == "logward");
        let merges = |o: &scan::TopObject| {
            let inner = &line.as_bytes()[o.inside..o.end];
            memmem::find(inner, b"\"attack\"").is_some() || memmem::find(inner, b"\"threat_type\"").is_some()
        };
        if scalars.iter().any(|s| s.class == Read::Taken)
            || objects.iter().any(|o| o.name == "threat")
            || logward.is_some_and(merges)
        {
            return Ok(false);
        }
        if !scalars.iter().any(|s| s.class == Read::Tags && s.string) {
            // No tags, or an empty or odd `tags` value: rare, and left to the tree path.
            return Ok(false);
        }
        let mut key = String::new();
        for class in [Read::Tags, Read::Kind, Read::Rule] {
            for s in scalars.iter().filter(|s| s.class == class && s.string) {
                let text = s
                    .text(line)
                    .ok_or_else(|| Reason::new(RejectKind::InvalidJson, "invalid escape in a JSON string"))?;
                key.push_str(&text);
                key.push('\0');
            }
            key.push('\x01');
        }
        let add = match cache.0.get(&key) {
            Some(add) => add.clone(),
            None => {
                let add = Rc::new(self.additions_for(line, &scalars));
                if cache.0.len() >= ADDITIONS_CAP {
                    cache.0.clear();
                }
                cache.0.insert(key, add.clone());
                add
            }
        };
        self.count(&add.counts);
        let close = line.len() - 1;
        let mut splice = Splicer::new(line, out);
        if let (Some(o), false) = (logward, add.logward.is_empty()) {
            splice.append_members(o.inside, o.end, &add.logward);
        }
        // The line holds `tags`, so its object is not empty: each addition follows a comma.
        if !add.threat.is_empty() {
            splice.insert(close, b",");
            splice.insert(close, &add.threat);
        }
        if logward.is_none() && !add.logward.is_empty() {
            splice.insert(close, b",\"logward\":{");
            splice.insert(close, &add.logward);
            splice.insert(close, b"}");
        }
        splice.finish();
        Ok(true)
    }

    /// Runs [`Self::attack`] on a small event holding only the fields it reads, and keeps
    /// what it added as JSON text.
    fn additions_for(&self, line: &str, scalars: &[Scalar<Read>]) -> Additions {
        let mut mini = Map::new();
        let mut tags = Vec::new();
        for s in scalars.iter().filter(|s| s.class != Read::Other && s.string) {
            let text = Value::String(s.text(line).unwrap_or_default().into_owned());
            match s.class {
                Read::Tags => tags.push(text),
                Read::Kind => drop(mini.insert("event".into(), json!({ "kind": text }))),
                _ => drop(mini.insert("rule".into(), json!({ "name": text }))),
            }
        }
        mini.insert("tags".into(), Value::Array(tags));
        let mut mini = Value::Object(mini);
        let counts = self.attack(&mut mini);
        let member = |out: &mut Vec<u8>, k: &str, v: &Value| {
            if !out.is_empty() {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, k).expect("a key serializes");
            out.push(b':');
            serde_json::to_writer(&mut *out, v).expect("a Value always serializes");
        };
        let mut threat = Vec::new();
        if let Some(v) = mini.get("threat") {
            member(&mut threat, "threat", v);
        }
        let mut logward = Vec::new();
        for (k, v) in mini.get("logward").and_then(Value::as_object).into_iter().flatten() {
            member(&mut logward, k, v);
        }
        Additions { threat, logward, counts }
    }

    /// Adds what is known about the event's tags and addresses.
    pub fn enrich(&self, ev: &mut Value) {
        let counts = self.attack(ev);
        self.count(&counts);
        self.ip_lists(ev);
        self.geoip(ev);
        // Last, so the model sees the ATT&CK names, threat type and geography.
        if let Some(llm) = &self.opts.llm {
            llm.explain(ev);
        }
    }

    /// `source.geo`/`source.as` and `destination.geo`/`destination.as` from the databases;
    /// the first database that knows a field wins.
    fn geoip(&self, ev: &mut Value) {
        if self.opts.geoip.is_empty() {
            return;
        }
        for side in ["source", "destination"] {
            let Some(ip) = event::get_str(ev, &format!("{side}.ip")).and_then(|s| s.parse::<std::net::IpAddr>().ok())
            else {
                continue;
            };
            let mut geo = Map::new();
            let mut asn = Map::new();
            for db in &self.opts.geoip {
                let (g, a) = db.lookup(ip);
                for (k, v) in g.into_iter().flatten() {
                    geo.entry(k).or_insert(v);
                }
                for (k, v) in a.into_iter().flatten() {
                    asn.entry(k).or_insert(v);
                }
            }
            let obj = object_at(ev, side);
            if !geo.is_empty() {
                obj.insert("geo".into(), Value::Object(geo));
            }
            if !asn.is_empty() {
                obj.insert("as".into(), Value::Object(asn));
            }
        }
    }

    /// Adds the ATT&CK fields and the threat type; returns the tag counts (not yet counted).
    fn attack(&self, ev: &mut Value) -> TagCounts {
        let tags: Vec<String> = match event::get(ev, "tags") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => return TagCounts::default(),
        };
        let mut resolved = 0;
        let table = &self.opts.attack;
        let mut techniques = Fields::default();
        let mut subtechniques = Fields::default();
        let mut tactics = Fields::default();
        let mut implied_tactics: Vec<String> = Vec::new();
        let mut explicit_tactics: Vec<String> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        let mut replaced: Vec<String> = Vec::new();
        for tag in tags.iter().filter(|t| t.to_ascii_lowercase().starts_with("attack.")) {
            match table.lookup(tag) {
                Tag::Technique(t) => {
                    let mut t = t;
                    // Follow revoked-by to the current technique (bounded, in case of a loop).
                    for _ in 0..4 {
                        match t.revoked_by.as_deref().and_then(|id| table.technique(id)) {
                            Some(next) => {
                                replaced.push(t.id.clone());
                                t = next;
                            }
                            None => break,
                        }
                    }
                    resolved += 1;
                    implied_tactics.extend(t.tactics.iter().cloned());
                    match t.id.split_once('.') {
                        Some((parent, _)) => {
                            subtechniques.push(&t.id, &t.name, &t.reference);
                            if let Some(p) = table.technique(parent) {
                                techniques.push(&p.id, &p.name, &p.reference);
                            }
                        }
                        None => techniques.push(&t.id, &t.name, &t.reference),
                    }
                }
                Tag::Tactic(t) => {
                    resolved += 1;
                    explicit_tactics.push(t.shortname.clone());
                }
                Tag::Other => {}
                Tag::Unknown => unknown.push(tag.clone()),
            }
        }
        // Tactics named by the tags; else those of the techniques.
        let chosen = if explicit_tactics.is_empty() { &implied_tactics } else { &explicit_tactics };
        for short in chosen {
            if let Some(t) = table.tactic_by_shortname(short) {
                tactics.push(&t.id, &t.name, &t.reference);
            }
        }
        if !techniques.is_empty() || !tactics.is_empty() {
            let threat = object_at(ev, "threat");
            threat.insert("framework".into(), Value::String("MITRE ATT&CK".into()));
            if !techniques.is_empty() {
                let tech = object_in(threat, "technique");
                techniques.insert_into(tech);
                if !subtechniques.is_empty() {
                    subtechniques.insert_into(object_in(tech, "subtechnique"));
                }
            }
            if !tactics.is_empty() {
                tactics.insert_into(object_in(threat, "tactic"));
            }
        }
        if !replaced.is_empty() {
            event::set(ev, "logward.attack.replaced", strings(&replaced));
        }
        if !unknown.is_empty() {
            event::set(ev, "logward.attack.unknown_tags", strings(&unknown));
        }
        if event::get_str(ev, "event.kind") == Some("alert") {
            let mut tactic_names: Vec<String> = chosen.clone();
            // Unknown tactic tags (ATT&CK v19's stealth, defense-impairment) still say something.
            tactic_names.extend(
                unknown
                    .iter()
                    .filter_map(|u| u.to_ascii_lowercase().strip_prefix("attack.").map(|s| s.replace('_', "-"))),
            );
            let ids: Vec<String> = techniques.ids.iter().chain(&subtechniques.ids).cloned().collect();
            let kind = threat::threat_type(&ids, &tactic_names, event::get_str(ev, "rule.name"));
            event::set(ev, "logward.threat_type", Value::String(kind.to_string()));
        }
        TagCounts { resolved, unknown }
    }

    fn ip_lists(&self, ev: &mut Value) {
        if self.opts.ip_lists.is_empty() {
            return;
        }
        let addrs: Vec<std::net::IpAddr> = ["source.ip", "destination.ip"]
            .iter()
            .filter_map(|p| event::get_str(ev, p))
            .filter_map(|s| s.parse().ok())
            .collect();
        let hits: Vec<String> = self
            .opts
            .ip_lists
            .iter()
            .filter(|l| addrs.iter().any(|a| l.contains(*a)))
            .map(|l| format!("ip_list:{}", l.name))
            .collect();
        if hits.is_empty() {
            return;
        }
        let mut tags: Vec<Value> = match event::get(ev, "tags") {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::String(s)) => vec![json!(s)],
            _ => Vec::new(),
        };
        for h in hits {
            if !tags.iter().any(|t| t.as_str() == Some(h.as_str())) {
                tags.push(json!(h));
            }
        }
        event::set(ev, "tags", Value::Array(tags));
    }
}

fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().map(|s| Value::String(s.clone())).collect())
}

/// The object at a top-level key, created (or replacing a non-object) as needed.
fn object_at<'v>(ev: &'v mut Value, key: &str) -> &'v mut Map<String, Value> {
    let root = ev.as_object_mut().expect("events are objects");
    object_in(root, key)
}

fn object_in<'m>(m: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let slot = m.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

/// Parallel id/name/reference arrays, as ECS writes `threat.*` (no duplicates).
#[derive(Default)]
struct Fields {
    ids: Vec<String>,
    names: Vec<String>,
    refs: Vec<String>,
}

impl Fields {
    fn push(&mut self, id: &str, name: &str, reference: &str) {
        if !self.ids.iter().any(|i| i == id) {
            self.ids.push(id.to_string());
            self.names.push(name.to_string());
            self.refs.push(reference.to_string());
        }
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Inserts `id`, `name`, `reference` arrays into `obj`.
    fn insert_into(&self, obj: &mut Map<String, Value>) {
        if self.is_empty() {
            return;
        }
        let arr = |v: &[String]| Value::Array(v.iter().map(|s| Value::String(s.clone())).collect());
        obj.insert("id".into(), arr(&self.ids));
        obj.insert("name".into(), arr(&self.names));
        obj.insert("reference".into(), arr(&self.refs));
    }
}

impl EventStage for Enricher {
    type Worker = AdditionsCache;
    type Pending = ();
    type Ordered = ();
    type Summary = ();

    fn worker(&self) -> AdditionsCache {
        AdditionsCache::default()
    }

    fn process(
        &self,
        cache: &mut AdditionsCache,
        _file: &InputFile,
        line: &LineRef<'_>,
        out: &mut Records<()>,
    ) -> Outcome {
        match self.untouched(line.text) {
            Ok(true) => {
                out.bytes.extend_from_slice(line.text.trim_end().as_bytes());
                out.bytes.push(b'\n');
                return Outcome::Emitted;
            }
            Ok(false) => {}
            Err(reason) => return Outcome::Rejected(reason),
        }
        if self.opts.ip_lists.is_empty() && self.opts.geoip.is_empty() && self.opts.llm.is_none() {
            match self.attack_in_place(cache, line.text.trim_end(), &mut out.bytes) {
                Ok(true) => {
                    out.bytes.push(b'\n');
                    return Outcome::Emitted;
                }
                Ok(false) => {}
                Err(reason) => return Outcome::Rejected(reason),
            }
        }
        let mut ev = match event::read_event(line.text, "enrich") {
            Ok(v) => v,
            Err(reason) => return Outcome::Rejected(reason),
        };
        self.enrich(&mut ev);
        serde_json::to_writer(&mut out.bytes, &ev).expect("a Value always serializes");
        out.bytes.push(b'\n');
        Outcome::Emitted
    }

    fn finish(&self, _: (), _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        if self.opts.quiet {
            return Ok(());
        }
        let unknown = self.unknown.lock().expect("unknown tag counts");
        let total: u64 = unknown.values().sum();
        let mut line = format!(
            "logward enrich: ATT&CK {} ({} techniques, {} tactics): {} tags resolved, {} unknown",
            self.opts.attack.version,
            self.opts.attack.techniques.len(),
            self.opts.attack.tactics.len(),
            self.resolved.load(Ordering::Relaxed),
            total
        );
        if total > 0 {
            let list: Vec<String> = unknown.iter().map(|(t, n)| format!("{t} ×{n}")).collect();
            line.push_str(&format!(" (kept in tags and logward.attack.unknown_tags: {})", list.join(", ")));
        }
        eprintln!("{line}");
        if let Some(llm) = &self.opts.llm {
            let mut line = format!(
                "logward enrich: LLM: {} requests, {} answered from cache, {} alerts without an answer (the events passed through)",
                llm.calls.load(Ordering::Relaxed),
                llm.cached.load(Ordering::Relaxed),
                llm.failures.load(Ordering::Relaxed)
            );
            if let Some(why) = llm.given_up() {
                line.push_str(&format!(
                    "; given up ({why}): {} more passed through without asking",
                    llm.skipped.load(Ordering::Relaxed)
                ));
            }
            eprintln!("{line}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enricher() -> Enricher {
        Enricher::new(EnrichOptions {
            attack: Table::builtin(),
            ip_lists: Vec::new(),
            geoip: Vec::new(),
            llm: None,
            quiet: true,
        })
    }

    /// The line as the tree path writes it.
    fn rebuilt(e: &Enricher, line: &str) -> String {
        let mut ev = event::read_event(line, "enrich").unwrap();
        e.enrich(&mut ev);
        serde_json::to_string(&ev).unwrap()
    }

    #[test]
    fn in_place_gives_the_bytes_of_the_tree_path() {
        let e = enricher();
        for line in [
            r#"{"event":{"kind":"alert"},"rule":{"name":"SSH brute force"},"tags":["attack.credential-access","attack.t1110.001"]}"#,
            r#"{"event":{"kind":"alert"},"tags":["attack.stealth","attack.t1070.002"],"logward":{"detect":{"reason":"x"}},"z":1}"#,
            r#"{"event":{"kind":"alert"},"tags":"attack.t1059","logward":{}}"#,
            r#"{"event":{"kind":"event"},"tags":["attack.t1136.001","attack.g0016","other"],"user":{"name":"b\"q"}}"#,
            r#"{"event":{"kind":"alert"},"rule":{"name":"n"},"tags":["cve.2021-44228"]}"#,
        ] {
            let mut out = Vec::new();
            assert!(e.attack_in_place(&mut AdditionsCache::default(), line, &mut out).unwrap(), "{line}");
            assert_eq!(String::from_utf8(out).unwrap(), rebuilt(&e, line), "{line}");
        }
    }

    #[test]
    fn in_place_keeps_other_bytes_and_leaves_merges_to_the_tree_path() {
        let e = enricher();
        let line = r#"{"event.kind":"alert", "n":1.50,"tags":["attack.t1110"]}"#;
        let mut out = Vec::new();
        assert!(e.attack_in_place(&mut AdditionsCache::default(), line, &mut out).unwrap());
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(r#"{"event.kind":"alert", "n":1.50,"tags":["attack.t1110"],"threat":{"#), "{text}");
        assert_eq!(event::read_event(&text, "t").unwrap(), serde_json::from_str::<Value>(&rebuilt(&e, line)).unwrap());
        for merge in [
            r#"{"tags":["attack.t1110"],"threat":{}}"#,
            r#"{"tags":["attack.t1110"],"threat.framework":"x"}"#,
            r#"{"tags":["attack.t1110"],"logward":{"attack":{}}}"#,
            r#"{"tags":["attack.t1110"],"logward":"x"}"#,
            r#"{"event":{"kind":"alert"},"tags":[]}"#,
        ] {
            assert!(!e.attack_in_place(&mut AdditionsCache::default(), merge, &mut Vec::new()).unwrap(), "{merge}");
        }
        assert!(e.attack_in_place(&mut AdditionsCache::default(), r#"{"tags":["a"],}"#, &mut Vec::new()).is_err());
    }

    #[test]
    fn cached_additions_still_count_their_tags() {
        let e = enricher();
        let line = r#"{"tags":["attack.t1110","attack.stealth"]}"#;
        let mut cache = AdditionsCache::default();
        for _ in 0..3 {
            assert!(e.attack_in_place(&mut cache, line, &mut Vec::new()).unwrap());
        }
        assert_eq!(e.resolved.load(Ordering::Relaxed), 3);
        assert_eq!(e.unknown.lock().unwrap().get("attack.stealth"), Some(&3));
        assert_eq!(cache.0.len(), 1);
    }
}
