//! Online template mining: every free-text message gets a template (`<*>` for variables)
//! and a stable id derived from the template text.
//!
//! The method (Drain family, with Brain's view of constants): messages are masked (see
//! `mask`), then grouped by token count and first token. Within a group a message joins the
//! most similar cluster if at least `similarity` of the positions both know as constants are
//! equal; otherwise it starts a cluster of its own. Where members of a cluster differ, the
//! position becomes variable, except that a position holding at most `max_enum` distinct
//! plain words (`password`/`none`, `startup`/`shutdown`) stays part of the template: each
//! value gives its own template. A position crosses to `<*>` when a further value appears.
//! An exact-match cache of masked messages makes repeated shapes cost one hash lookup.
//! Memory is bounded by `max_templates` clusters: beyond it the least recently used one is
//! evicted.
//!
//! The miner runs in the I/O layer's ordered pass, so results do not depend on `--threads`.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

pub const WILDCARD: &str = "<*>";

#[derive(Debug, Clone)]
pub struct MinerOptions {
    /// Share of the compared constant positions that must be equal to join a cluster.
    pub similarity: f64,
    /// Distinct words a position may hold and still be part of the template.
    pub max_enum: usize,
    pub max_templates: usize,
    /// Load at start and save at the end.
    pub state: Option<PathBuf>,
    /// Use the loaded templates without learning.
    pub frozen: bool,
    /// Write the template table (NDJSON) here at the end.
    pub table: Option<PathBuf>,
    /// The largest state file read (`--side-file-limit`).
    pub state_limit: u64,
}

impl Default for MinerOptions {
    fn default() -> Self {
        MinerOptions {
            similarity: 0.5,
            max_enum: 3,
            max_templates: 50_000,
            state: None,
            frozen: false,
            table: None,
            state_limit: crate::io::files::limits::LARGE_DEFAULT,
        }
    }
}

/// What a worker hands to the ordered pass for one message: the masked message followed by
/// the message itself in one buffer (one allocation), and the event time.
pub struct Pending {
    buf: String,
    masked_len: usize,
    time: Option<i64>,
}

impl Pending {
    pub fn new(buf: String, masked_len: usize, time: Option<i64>) -> Pending {
        Pending { buf, masked_len, time }
    }

    pub fn masked(&self) -> &str {
        &self.buf[..self.masked_len]
    }

    fn example(&self) -> &str {
        &self.buf[self.masked_len..]
    }
}

/// One row of the template table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TemplateRecord {
    pub id: String,
    pub pattern: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    pub example: String,
}

/// A position of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Slot {
    /// Every member has this token.
    Const(String),
    /// Members hold one of these few plain words: each is part of its own template.
    Enum(Vec<String>),
    Var,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cluster {
    slots: Vec<Slot>,
    templates: Vec<TemplateRecord>,
    #[serde(skip)]
    version: u32,
    #[serde(skip)]
    last_used: u64,
    #[serde(skip)]
    generation: u32,
    #[serde(skip)]
    alive: bool,
    /// Each template's JSON as written into events; cleared when templates change.
    #[serde(skip)]
    rendered: Vec<Vec<u8>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StateFile {
    logward_templates: u32,
    clusters: Vec<Cluster>,
}

/// Where a masked message was last found: cluster, its generation and version, template.
#[derive(Clone, Copy)]
struct CacheEntry {
    cluster: usize,
    generation: u32,
    version: u32,
    template: usize,
}

pub struct Miner {
    opts: MinerOptions,
    clusters: Vec<Cluster>,
    free: Vec<usize>,
    live: usize,
    /// (token count, first token) → clusters.
    groups: HashMap<(usize, String), Vec<usize>>,
    /// Hash of a masked message → where it went.
    exact: ExactCache,
    tick: u64,
    /// Times as seconds, parallel to each cluster's templates (kept out of the records).
    times: HashMap<(usize, usize), (i64, i64)>,
    /// The (cluster, template) of the last assignment.
    last: Option<(usize, usize)>,
}

/// A stable id: the first 64 bits of the BLAKE3 hash of the pattern, in hex.
pub fn template_id(pattern: &str) -> String {
    let h = blake3::hash(pattern.as_bytes());
    h.as_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A fast 64-bit hash of a masked message, for the exact-match cache only (ids use BLAKE3).
fn hash64(s: &str) -> u64 {
    crate::fasthash::hash64(s.as_bytes())
}

/// The cache's keys are hashes already: use them as they are.
#[derive(Default, Clone, Copy)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type ExactCache = HashMap<u64, CacheEntry, std::hash::BuildHasherDefault<PassThrough>>;

fn is_plain(token: &str) -> bool {
    !token.contains(WILDCARD)
}

/// Can two differing tokens be values of an enumerated position? Two words can, and so can
/// two tokens that keep letters around a masked part (`(uid=<*>)`, `LOGIN(uid=<*>)`). A
/// masked value against a word (`rhost=<*>`, `rhost=host.example`) is a variable.
fn enumerable(a: &str, b: &str) -> bool {
    let letters = |t: &str| t.replace(WILDCARD, "").bytes().any(|c| c.is_ascii_alphabetic());
    is_plain(a) == is_plain(b) && letters(a) && letters(b)
}

impl Miner {
    pub fn new(opts: MinerOptions) -> Result<Miner> {
        if !(0.0..=1.0).contains(&opts.similarity) {
            bail!("--template-similarity must be between 0 and 1");
        }
        let mut m = Miner {
            opts,
            clusters: Vec::new(),
            free: Vec::new(),
            live: 0,
            groups: HashMap::new(),
            exact: ExactCache::default(),
            tick: 0,
            times: HashMap::new(),
            last: None,
        };
        if let Some(path) = m.opts.state.clone() {
            let limit = m.opts.state_limit;
            let missing =
                !m.opts.frozen && std::fs::metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            match (!missing)
                .then(|| crate::io::files::read_limited(&path, "template state", limit, Some("--side-file-limit")))
            {
                Some(Ok(bytes)) => {
                    let state: StateFile = serde_json::from_slice(&bytes)
                        .with_context(|| format!("'{}' is not a logward template state file", path.display()))?;
                    for mut c in state.clusters {
                        if c.slots.is_empty() {
                            continue;
                        }
                        c.alive = true;
                        let slot = m.add_cluster(c);
                        let n = m.clusters[slot].templates.len();
                        for t in 0..n {
                            let rec = &m.clusters[slot].templates[t];
                            if let (Some(f), Some(l)) = (parse_time(&rec.first_seen), parse_time(&rec.last_seen)) {
                                m.times.insert((slot, t), (f, l));
                            }
                        }
                    }
                }
                None => {}
                Some(Err(e)) => return Err(e),
            }
        }
        Ok(m)
    }

    /// Number of clusters in memory.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Like `assign`, returning the template as the JSON object `{"id":..,"pattern":..}`,
    /// rendered once per template; `None` when frozen and no template matches.
    pub fn assign_json(&mut self, p: &Pending) -> Option<&[u8]> {
        let (id, _) = self.assign(p);
        if id.is_empty() {
            return None;
        }
        let (c, t) = self.last.expect("assign sets the last template");
        let rendered = &mut self.clusters[c].rendered;
        if rendered.len() <= t {
            rendered.resize(t + 1, Vec::new());
        }
        if rendered[t].is_empty() {
            let rec = &self.clusters[c].templates[t];
            let mut out = Vec::with_capacity(rec.pattern.len() + 40);
            out.extend_from_slice(b"{\"id\":");
            crate::event::write_str(&rec.id, &mut out);
            out.extend_from_slice(b",\"pattern\":");
            crate::event::write_str(&rec.pattern, &mut out);
            out.push(b'}');
            self.clusters[c].rendered[t] = out;
        }
        Some(&self.clusters[c].rendered[t])
    }

    /// Assigns a template to one masked message; returns (id, pattern), or empty strings
    /// when frozen and no template matches.
    pub fn assign(&mut self, p: &Pending) -> (&str, &str) {
        self.tick += 1;
        let masked = p.masked();
        let h = hash64(masked);
        let cached = self.exact.get(&h).copied().filter(|e| {
            let c = &self.clusters[e.cluster];
            c.alive && c.generation == e.generation && c.version == e.version
        });
        let found = match cached {
            Some(e) => Some((e.cluster, e.template)),
            None => {
                let tokens: Vec<&str> = masked.split(' ').collect();
                let found = match self.best_match(&tokens) {
                    Some(c) if self.opts.frozen => self.find_template(c, &tokens).map(|t| (c, t)),
                    Some(c) => {
                        self.absorb(c, &tokens);
                        Some((c, self.template_of(c, &tokens, p.example())))
                    }
                    None if self.opts.frozen => None,
                    None => {
                        let c = self.new_cluster(&tokens);
                        Some((c, self.template_of(c, &tokens, p.example())))
                    }
                };
                if let Some((c, t)) = found {
                    if self.exact.len() >= self.opts.max_templates.saturating_mul(20).max(4096) {
                        self.exact.clear();
                    }
                    let cl = &self.clusters[c];
                    self.exact.insert(
                        h,
                        CacheEntry { cluster: c, generation: cl.generation, version: cl.version, template: t },
                    );
                }
                found
            }
        };
        self.last = found;
        let Some((c, t)) = found else { return ("", "") };
        self.clusters[c].last_used = self.tick;
        if !self.opts.frozen {
            self.clusters[c].templates[t].count += 1;
            if let Some(time) = p.time {
                let e = self.times.entry((c, t)).or_insert((time, time));
                e.0 = e.0.min(time);
                e.1 = e.1.max(time);
            }
        }
        let rec = &self.clusters[c].templates[t];
        (&rec.id, &rec.pattern)
    }

    /// The most similar cluster of the message's group: similar enough when learning,
    /// compatible with every constant when frozen.
    fn best_match(&self, tokens: &[&str]) -> Option<usize> {
        let key = (tokens.len(), group_token(tokens).to_string());
        let mut best: Option<(usize, f64, usize)> = None;
        for &c in self.groups.get(&key)? {
            let mut equal = 0usize;
            let mut differ = 0usize;
            for (slot, tok) in self.clusters[c].slots.iter().zip(tokens) {
                match slot {
                    Slot::Const(k) if k == tok => equal += 1,
                    Slot::Const(_) => differ += 1,
                    Slot::Enum(vals) if self.opts.frozen && !vals.iter().any(|v| v == tok) => differ += 1,
                    _ => {}
                }
            }
            if self.opts.frozen && differ > 0 {
                continue;
            }
            let sim = if equal + differ == 0 { 1.0 } else { equal as f64 / (equal + differ) as f64 };
            if best.is_none_or(|(_, bs, be)| sim > bs || (sim == bs && equal > be)) {
                best = Some((c, sim, equal));
            }
        }
        let (c, sim, _) = best?;
        (self.opts.frozen || sim >= self.opts.similarity).then_some(c)
    }

    /// Folds a message into a cluster: constants that differ become enumerations of plain
    /// words, or variables; an enumeration that would exceed `max_enum` becomes a variable.
    fn absorb(&mut self, c: usize, tokens: &[&str]) {
        let max_enum = self.opts.max_enum;
        let cl = &mut self.clusters[c];
        let mut to_var = false;
        for (slot, tok) in cl.slots.iter_mut().zip(tokens) {
            let next = match slot {
                Slot::Const(k) if k == tok => continue,
                Slot::Const(k) if max_enum >= 2 && enumerable(k, tok) => Slot::Enum(vec![k.clone(), tok.to_string()]),
                Slot::Const(_) => Slot::Var,
                Slot::Enum(vals) if vals.iter().any(|v| v == tok) => continue,
                Slot::Enum(vals) if enumerable(&vals[0], tok) && vals.len() < max_enum => {
                    vals.push(tok.to_string());
                    continue;
                }
                Slot::Enum(_) => Slot::Var,
                Slot::Var => continue,
            };
            to_var |= next == Slot::Var;
            *slot = next;
        }
        if to_var {
            self.rebuild_templates(c);
        }
    }

    /// After positions became variables, templates that now read the same are merged.
    fn rebuild_templates(&mut self, c: usize) {
        let cl = &mut self.clusters[c];
        cl.version = cl.version.wrapping_add(1);
        cl.rendered.clear();
        let old = std::mem::take(&mut cl.templates);
        let mut merged: Vec<TemplateRecord> = Vec::new();
        let mut old_to_new = Vec::with_capacity(old.len());
        for rec in old {
            let pattern: Vec<&str> = rec
                .pattern
                .split(' ')
                .zip(&cl.slots)
                .map(|(tok, slot)| if *slot == Slot::Var { WILDCARD } else { tok })
                .collect();
            let pattern = pattern.join(" ");
            match merged.iter_mut().position(|m| m.pattern == pattern) {
                Some(i) => {
                    merged[i].count += rec.count;
                    old_to_new.push(i);
                }
                None => {
                    old_to_new.push(merged.len());
                    merged.push(TemplateRecord { id: template_id(&pattern), pattern, ..rec });
                }
            }
        }
        cl.templates = merged;
        let moved: Vec<((usize, usize), (i64, i64))> =
            self.times.iter().filter(|((cc, _), _)| *cc == c).map(|(k, v)| (*k, *v)).collect();
        for ((_, t), _) in &moved {
            self.times.remove(&(c, *t));
        }
        for ((_, t), (f, l)) in moved {
            let e = self.times.entry((c, old_to_new[t])).or_insert((f, l));
            e.0 = e.0.min(f);
            e.1 = e.1.max(l);
        }
    }

    /// The message's template in cluster `c`: constants, its own word at enumerated
    /// positions, `<*>` at variables. Created on first sight.
    fn template_of(&mut self, c: usize, tokens: &[&str], example: &str) -> usize {
        let pattern = self.pattern_for(c, tokens);
        let cl = &mut self.clusters[c];
        if let Some(i) = cl.templates.iter().position(|t| t.pattern == pattern) {
            return i;
        }
        cl.templates.push(TemplateRecord {
            id: template_id(&pattern),
            pattern,
            count: 0,
            first_seen: None,
            last_seen: None,
            example: example.to_string(),
        });
        cl.templates.len() - 1
    }

    fn find_template(&self, c: usize, tokens: &[&str]) -> Option<usize> {
        let pattern = self.pattern_for(c, tokens);
        self.clusters[c].templates.iter().position(|t| t.pattern == pattern)
    }

    fn pattern_for(&self, c: usize, tokens: &[&str]) -> String {
        let mut pattern = String::with_capacity(tokens.iter().map(|t| t.len() + 1).sum());
        for (n, (slot, tok)) in self.clusters[c].slots.iter().zip(tokens).enumerate() {
            if n > 0 {
                pattern.push(' ');
            }
            match slot {
                Slot::Const(k) => pattern.push_str(k),
                Slot::Enum(_) => pattern.push_str(tok),
                Slot::Var => pattern.push_str(WILDCARD),
            }
        }
        pattern
    }

    fn new_cluster(&mut self, tokens: &[&str]) -> usize {
        let cluster = Cluster {
            slots: tokens.iter().map(|t| Slot::Const(t.to_string())).collect(),
            templates: Vec::new(),
            version: 0,
            last_used: self.tick,
            generation: 0,
            alive: true,
            rendered: Vec::new(),
        };
        self.add_cluster(cluster)
    }

    fn add_cluster(&mut self, mut cluster: Cluster) -> usize {
        if self.live >= self.opts.max_templates {
            self.evict_lru();
        }
        cluster.last_used = self.tick;
        let key = cluster_key(&cluster.slots);
        let c = match self.free.pop() {
            Some(c) => {
                cluster.generation = self.clusters[c].generation.wrapping_add(1);
                self.clusters[c] = cluster;
                c
            }
            None => {
                self.clusters.push(cluster);
                self.clusters.len() - 1
            }
        };
        self.groups.entry(key).or_default().push(c);
        self.live += 1;
        c
    }

    /// Evicts the least recently used tenth of the clusters at once, so that a stream of
    /// never-repeating messages costs a sort per many insertions, not a scan per message.
    fn evict_lru(&mut self) {
        let mut alive: Vec<(u64, usize)> = (0..self.clusters.len())
            .filter(|&c| self.clusters[c].alive)
            .map(|c| (self.clusters[c].last_used, c))
            .collect();
        alive.sort_unstable();
        let n = (alive.len() / 10).max(1);
        for &(_, victim) in &alive[..n] {
            let cl = &mut self.clusters[victim];
            cl.alive = false;
            cl.templates.clear();
            cl.rendered.clear();
            let key = cluster_key(&cl.slots);
            if let Some(g) = self.groups.get_mut(&key) {
                g.retain(|&c| c != victim);
                if g.is_empty() {
                    self.groups.remove(&key);
                }
            }
            self.free.push(victim);
            self.live -= 1;
        }
        let evicted: std::collections::HashSet<usize> = alive[..n].iter().map(|&(_, c)| c).collect();
        self.times.retain(|(c, _), _| !evicted.contains(c));
    }

    /// The template table, most frequent first (ties by pattern, for stable output).
    pub fn table(&self) -> Vec<TemplateRecord> {
        let mut rows: Vec<TemplateRecord> = Vec::new();
        for (c, cl) in self.clusters.iter().enumerate().filter(|(_, cl)| cl.alive) {
            for (t, rec) in cl.templates.iter().enumerate() {
                let mut rec = rec.clone();
                if let Some((f, l)) = self.times.get(&(c, t)) {
                    rec.first_seen = Some(format_time(*f));
                    rec.last_seen = Some(format_time(*l));
                }
                rows.push(rec);
            }
        }
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.pattern.cmp(&b.pattern)));
        rows
    }

    /// Saves the state file (unless frozen) and writes the table, as asked.
    pub fn finish(&self) -> Result<()> {
        if let (Some(path), false) = (&self.opts.state, self.opts.frozen) {
            let mut clusters: Vec<Cluster> = Vec::new();
            for (c, cl) in self.clusters.iter().enumerate().filter(|(_, cl)| cl.alive) {
                let mut cl = cl.clone();
                for (t, rec) in cl.templates.iter_mut().enumerate() {
                    if let Some((f, l)) = self.times.get(&(c, t)) {
                        rec.first_seen = Some(format_time(*f));
                        rec.last_seen = Some(format_time(*l));
                    }
                }
                clusters.push(cl);
            }
            // A stable order, so the same input gives the same file.
            clusters.sort_by(|a, b| {
                cluster_key(&a.slots).cmp(&cluster_key(&b.slots)).then_with(|| pattern_key(a).cmp(&pattern_key(b)))
            });
            let state = StateFile { logward_templates: 1, clusters };
            crate::io::files::write_atomic(path, &serde_json::to_vec_pretty(&state)?, "template state")?;
        }
        if let Some(path) = &self.opts.table {
            let mut out = Vec::new();
            for r in self.table() {
                serde_json::to_writer(&mut out, &r)?;
                out.push(b'\n');
            }
            crate::io::files::write_atomic(path, &out, "template table")?;
        }
        Ok(())
    }
}

fn pattern_key(c: &Cluster) -> String {
    c.templates.first().map(|t| t.pattern.clone()).unwrap_or_default()
}

/// The group of a cluster: token count and first token (unless that is a variable).
fn cluster_key(slots: &[Slot]) -> (usize, String) {
    let first = match slots.first() {
        Some(Slot::Const(k)) if is_plain(k) => k.clone(),
        _ => WILDCARD.to_string(),
    };
    (slots.len(), first)
}

/// The token that, with the count, picks a message's group: the first token, unless it is
/// a variable.
fn group_token<'t>(tokens: &[&'t str]) -> &'t str {
    match tokens.first() {
        Some(t) if is_plain(t) => t,
        _ => WILDCARD,
    }
}

fn format_time(secs: i64) -> String {
    crate::time::Timestamp { secs, nanos: 0, frac_digits: 0 }.to_rfc3339()
}

fn parse_time(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|t| crate::time::parse_iso(t.as_bytes(), &crate::time::Zone::Utc)).map(|(t, _)| t.secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::mask::{mask_into, MaskSet};

    fn pending(msg: &str) -> Pending {
        let mut s = String::new();
        mask_into(msg, &MaskSet::default(), &mut s);
        let n = s.len();
        s.push_str(msg);
        Pending::new(s, n, None)
    }

    /// A digit-free word for each number, so masking leaves it alone.
    fn word(mut n: usize) -> String {
        let mut w = String::new();
        loop {
            w.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return w;
            }
        }
    }

    fn assign(m: &mut Miner, msg: &str) -> (String, String) {
        let (id, p) = m.assign(&pending(msg));
        (id.to_string(), p.to_string())
    }

    #[test]
    fn few_words_stay_in_the_template_many_become_variables() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        let (_, p1) = assign(&mut m, "cupsd startup succeeded");
        let (_, p2) = assign(&mut m, "cupsd shutdown succeeded");
        assert_eq!((p1.as_str(), p2.as_str()), ("cupsd startup succeeded", "cupsd shutdown succeeded"));
        let mut last = (String::new(), String::new());
        for user in ["root", "admin", "oracle", "test", "guest"] {
            last = assign(&mut m, &format!("Failed password for {user} from 10.0.0.1 port 22 ssh2"));
        }
        assert_eq!(last.1, "Failed password for <*> from <*> port <*> <*>");
        assert_eq!(last.0, template_id(&last.1));
        // Earlier users now map to the same template and id.
        assert_eq!(assign(&mut m, "Failed password for root from 10.9.9.9 port 1 ssh2"), last);
        let (_, other) = assign(&mut m, "Accepted password for bob from 10.0.0.3 port 24 ssh2");
        assert_eq!(other, "Accepted password for bob from <*> port <*> <*>");
        assert_eq!(m.table().iter().find(|r| r.pattern == last.1).unwrap().count, 6);
    }

    #[test]
    fn frozen_matches_without_learning() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        for u in ["a", "b", "c", "d"] {
            assign(&mut m, &format!("Invalid user {u} from 10.0.0.1"));
        }
        m.opts.frozen = true;
        let (_, p) = assign(&mut m, "Invalid user zed from 192.0.2.1");
        assert_eq!(p, "Invalid user <*> from <*>");
        let (id, _) = assign(&mut m, "Something never seen before");
        assert_eq!(id, "");
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn state_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("t.json");
        let opts = MinerOptions { state: Some(state.clone()), ..Default::default() };
        let mut m = Miner::new(opts.clone()).unwrap();
        for u in ["a", "b", "c", "d"] {
            assign(&mut m, &format!("Invalid user {u} from 10.0.0.1"));
        }
        assign(&mut m, "cupsd startup succeeded");
        m.finish().unwrap();
        let before = m.table();
        let mut again = Miner::new(opts.clone()).unwrap();
        assert_eq!(again.table(), before);
        // Learning goes on from the loaded state: an enumerated position keeps its values.
        assign(&mut again, "cupsd shutdown succeeded");
        let (_, p) = assign(&mut again, "Invalid user e from 10.0.0.2");
        assert_eq!(p, "Invalid user <*> from <*>");
        assert_eq!(again.table().len(), 3);
        let frozen = Miner::new(MinerOptions { frozen: true, ..opts }).unwrap();
        assert_eq!(frozen.table(), before);
    }

    #[test]
    fn memory_is_bounded_by_evicting_the_least_recently_used() {
        let mut m = Miner::new(MinerOptions { max_templates: 3, ..Default::default() }).unwrap();
        for w in ["alpha", "beta", "gamma", "delta", "epsilon"] {
            assign(&mut m, &format!("{w} one two three"));
            assign(&mut m, "keep this template alive");
        }
        assert!(m.len() <= 3);
        // A long stream of unique messages stays within the cap, and quickly.
        let mut big = Miner::new(MinerOptions { max_templates: 1000, ..Default::default() }).unwrap();
        for i in 0..50_000 {
            assign(&mut big, &format!("unique{} shape{} here", word(i), word(i * 7)));
        }
        assert!(big.len() <= 1000);
        assert!(big.groups.len() <= 1000);
        let patterns: Vec<String> = m.table().into_iter().map(|r| r.pattern).collect();
        assert!(patterns.contains(&"keep this template alive".to_string()), "{patterns:?}");
    }
}
