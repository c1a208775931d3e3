//! `logward enrich`: ATT&CK technique and tactic names for tagged events (alerts from
//! `detect`, or any ECS event with `tags` such as `attack.t1110.001`), a threat type for
//! alerts, and tags for addresses on local IP lists.

pub mod attack;
pub mod geoip;
pub mod iplist;
pub mod llm;
pub mod threat;

use crate::event;
use crate::jsonscan;
use crate::io::stage::Output;
use crate::io::{LineRef, Outcome, Source, Stage};
use attack::{Table, Tag};
use iplist::IpList;
use memchr::memmem;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
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

impl Enricher {
    pub fn new(opts: EnrichOptions) -> Enricher {
        Enricher { opts, resolved: AtomicU64::new(0), unknown: Mutex::new(BTreeMap::new()) }
    }

    /// Whether nothing would change the event: no `tags`, not an alert, and no address an IP
    /// list or GeoIP database would look up. Keys and the value "alert" appear raw (with
    /// unescaped quotes) only as themselves, so a byte search decides, erring towards the
    /// long way. Such events (most of a log) are checked to be JSON objects and pass
    /// through byte for byte, without building a tree.
    fn untouched(&self, line: &str) -> Result<bool, String> {
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
        jsonscan::validate(line)?;
        Ok(true)
    }

    /// Adds what is known about the event's tags and addresses.
    pub fn enrich(&self, ev: &mut Value) {
        self.attack(ev);
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
            let Some(ip) = event::get_str(ev, &format!("{side}.ip")).and_then(|s| s.parse::<std::net::IpAddr>().ok()) else { continue };
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

    fn attack(&self, ev: &mut Value) {
        let tags: Vec<String> = match event::get(ev, "tags") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => return,
        };
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
                    self.resolved.fetch_add(1, Ordering::Relaxed);
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
                    self.resolved.fetch_add(1, Ordering::Relaxed);
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
            let mut counts = self.unknown.lock().expect("unknown tag counts");
            for u in &unknown {
                *counts.entry(u.to_ascii_lowercase()).or_default() += 1;
            }
            event::set(ev, "logward.attack.unknown_tags", strings(&unknown));
        }
        if event::get_str(ev, "event.kind") == Some("alert") {
            let mut tactic_names: Vec<String> = chosen.clone();
            // Unknown tactic tags (ATT&CK v19's stealth, defense-impairment) still say something.
            tactic_names.extend(unknown.iter().filter_map(|u| u.to_ascii_lowercase().strip_prefix("attack.").map(|s| s.replace('_', "-"))));
            let ids: Vec<String> = techniques.ids.iter().chain(&subtechniques.ids).cloned().collect();
            let kind = threat::threat_type(&ids, &tactic_names, event::get_str(ev, "rule.name"));
            event::set(ev, "logward.threat_type", Value::String(kind.to_string()));
        }
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

impl Stage for Enricher {
    type File = ();
    type Seq = ();
    type Pending = ();
    type Ordered = ();

    fn open_file(&self, _source: &Source, _head: &[String]) -> ((), ()) {
        ((), ())
    }

    fn ordered(&self) -> anyhow::Result<()> {
        Ok(())
    }

    fn process(&self, _file: &(), _seq: &(), _source: &Source, line: &LineRef<'_>, out: &mut Output<()>) -> Outcome {
        match self.untouched(line.text) {
            Ok(true) => {
                out.bytes.extend_from_slice(line.text.trim_end().as_bytes());
                out.bytes.push(b'\n');
                return Outcome::Emitted;
            }
            Ok(false) => {}
            Err(reason) => return Outcome::Rejected(reason),
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
            eprintln!(
                "logward enrich: LLM: {} requests, {} answered from cache, {} alerts without an answer (the events passed through)",
                llm.calls.load(Ordering::Relaxed),
                llm.cached.load(Ordering::Relaxed),
                llm.failures.load(Ordering::Relaxed)
            );
        }
        Ok(())
    }
}
