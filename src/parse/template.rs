//! Online template mining: every free-text message gets a template (`<*>` for variables)
//! and an id that keeps naming the same group of messages.
//!
//! The method (Drain family, with Brain's view of constants):
//! - Messages are masked (see `mask`) and cut into items: tokens, and *runs*: consecutive
//!   tokens that are nothing but masked values and punctuation (`<*> <*>`, `(<*>)`,
//!   `<*>:<*>`), with a unit after a value (`12 ms`, `1.2 KB`) counted in. A run is one item
//!   however many tokens it spans, so `lifetime 00:01`, `lifetime <1 sec` and
//!   `1.2 KB (1234 bytes) sent` / `1234 bytes sent` keep one shape.
//! - Messages are grouped by item count and first word. Within a group a message joins the
//!   most similar cluster if at least `similarity` of the positions both know as constants
//!   are equal (a short name with a digit, `ssh2`, `U11`, counts as neither equal nor
//!   different); otherwise it starts a cluster of its own.
//! - Where members differ, the position becomes variable, except that a position holding at
//!   most `max_enum` distinct words stays part of the template (`password`/`none`,
//!   `HTTPS`/`SOCKS5`): each value gives its own template. A further value turns it into a
//!   variable and the templates that now read the same merge. A masked value against a
//!   word is a variable at once, and so is the same name with another number (`U01`/`U11`).
//!   An empty `key=` against `key=value` stays apart (`rhost=` and `rhost=<*>`).
//! - A variable keeps the punctuation and `key=` prefix its values share (`tag="<*>"`).
//!
//! Ids: a template's id is the first 64 bits of the BLAKE3 hash of its pattern when it is
//! first written (emitted, or saved in a state file), and it stays when the template later
//! generalizes: an id names one group of events for good. When two templates merge, the
//! merged one keeps the id of the larger and lists the other under `aliases`.
//!
//! Lookahead: messages of a regular file are learned a block (the I/O layer's chunk: 4096
//! lines or 512 KiB) before any of them is written, so the ids written are those of
//! templates that have seen the block's variety. Live input (a pipe, a terminal)
//! is written line by line with what is known at that line. Either way the result does not
//! depend on `--threads`.
//!
//! An exact-match cache of masked messages makes repeated shapes cost one hash lookup.
//! Memory is bounded by `max_templates` clusters: beyond it the least recently used tenth
//! is evicted.
//!
//! State files of format 1 (written before this miner) still load: their clusters are
//! matched with the masking they were learned with (`template_legacy`) and keep their ids
//! and patterns, and they no longer learn; new shapes are learned the new way.

use super::mask::{self, MaskSet};
use super::template_legacy;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

pub const WILDCARD: &str = "<*>";

/// The state file format written now.
const STATE_FORMAT: u32 = 2;

#[derive(Debug, Clone)]
pub struct MinerOptions {
    /// Share of the compared constant positions that must be equal to join a cluster.
    pub similarity: f64,
    /// Distinct words a position may hold and still be part of the template.
    pub max_enum: usize,
    pub max_templates: usize,
    /// Learn the messages of a regular file a block (4096 lines) before writing them.
    pub lookahead: bool,
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
            lookahead: true,
            state: None,
            frozen: false,
            table: None,
            state_limit: crate::io::files::limits::LARGE_DEFAULT,
        }
    }
}

/// What a worker hands to the ordered pass for one message: the masked message followed by
/// the message itself in one buffer (one allocation), the event time, and the hash of the
/// masked message (computed by the worker, off the ordered pass).
pub struct Pending {
    buf: String,
    masked_len: usize,
    time: Option<i64>,
    hash: u64,
    lookahead: bool,
    /// Set when the message was learned ahead: its cluster and that cluster's generation.
    learned: Option<(usize, u32)>,
}

impl Pending {
    pub fn new(buf: String, masked_len: usize, time: Option<i64>) -> Pending {
        let hash = hash64(&buf[..masked_len]);
        Pending { buf, masked_len, time, hash, lookahead: false, learned: None }
    }

    /// Lets the miner learn this message before it is written (the input is a regular file,
    /// read in blocks that do not depend on timing).
    pub fn with_lookahead(mut self, on: bool) -> Pending {
        self.lookahead = on;
        self
    }

    pub fn masked(&self) -> &str {
        &self.buf[..self.masked_len]
    }

    fn message(&self) -> &str {
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
    /// Ids of templates that merged into this one (they were written before the merge).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// What the values seen at a position have in common: the longest common prefix and
/// suffix, the shortest length, whether all were the same, whether an empty `key=` was
/// among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
struct Shape {
    #[serde(default)]
    pre: String,
    #[serde(default)]
    suf: String,
    #[serde(default)]
    min: usize,
    #[serde(default)]
    same: bool,
    #[serde(default)]
    empties: bool,
    /// Whether a non-empty value has been seen (`pre`/`suf`/`min` describe those).
    #[serde(default)]
    seen: bool,
}

impl Shape {
    fn of(value: &str) -> Shape {
        let mut s = Shape::default();
        s.add(value);
        s
    }

    /// Adds a value; returns whether the display may have changed.
    fn add(&mut self, v: &str) -> bool {
        if is_empty_value(v) {
            let changed = !self.empties;
            self.empties = true;
            return changed;
        }
        if !self.seen {
            self.seen = true;
            self.same = true;
            self.pre = v.to_string();
            self.suf = v.to_string();
            self.min = v.len();
            return true;
        }
        if self.same && self.pre == v {
            return false;
        }
        let before = (self.same, self.pre.len(), self.suf.len(), self.min);
        self.same = false;
        let p = common_prefix(&self.pre, v);
        self.pre.truncate(p);
        let s = common_suffix(&self.suf, v);
        self.suf.drain(..self.suf.len() - s);
        self.min = self.min.min(v.len());
        before != (self.same, self.pre.len(), self.suf.len(), self.min)
    }

    /// A variable: the shared prefix up to its last delimiter, `<*>`, the shared suffix from
    /// its first delimiter (`tag="<*>",`, `user=<*>`).
    fn var_display(&self, out: &mut String) {
        if !self.seen {
            out.push_str(WILDCARD);
            return;
        }
        // What comes before the first masked part, and after the last one.
        let pre = &self.pre[..self.pre.find(WILDCARD).unwrap_or(self.pre.len())];
        let suf = &self.suf[self.suf.rfind(WILDCARD).map_or(0, |i| i + WILDCARD.len())..];
        let pre = &pre[..pre.bytes().rposition(is_delimiter).map_or(0, |i| i + 1)];
        let suf = &suf[suf.bytes().position(is_delimiter).unwrap_or(suf.len())..];
        let suf = if pre.len() + suf.len() > self.min { "" } else { suf };
        out.push_str(pre);
        out.push_str(WILDCARD);
        out.push_str(suf);
    }

    /// A run of masked values: as written when every member had the same one, else `<*>`
    /// with the opening brackets and closing punctuation they share.
    fn run_display(&self, out: &mut String) {
        if self.same || !self.seen {
            out.push_str(if self.seen { &self.pre } else { WILDCARD });
            return;
        }
        let open = self.pre.bytes().take_while(|b| matches!(b, b'(' | b'[' | b'{' | b'"' | b'\'')).count();
        let close = self.suf.bytes().rev().take_while(|b| b",;:.)]}\"'".contains(b)).count();
        out.push_str(&self.pre[..open]);
        out.push_str(WILDCARD);
        out.push_str(&self.suf[self.suf.len() - close..]);
    }
}

fn is_delimiter(b: u8) -> bool {
    b"=:,;()[]{}\"'/@#|<> ".contains(&b)
}

fn common_prefix(a: &str, b: &str) -> usize {
    let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    (0..=n).rev().find(|&i| a.is_char_boundary(i)).unwrap_or(0)
}

fn common_suffix(a: &str, b: &str) -> usize {
    let n = a.bytes().rev().zip(b.bytes().rev()).take_while(|(x, y)| x == y).count();
    (0..=n).rev().find(|&i| a.is_char_boundary(a.len() - i)).unwrap_or(0)
}

/// A position of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Slot {
    /// Every member has this token.
    Const(String),
    /// Every member has a run of masked values here.
    Run(Shape),
    /// Members hold one of these few words: each is part of its own template.
    Enum(Vec<String>),
    Var(Shape),
}

/// One template of a cluster: its record and the items of its first member (which render
/// it again when the cluster's slots change).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tpl {
    #[serde(flatten)]
    rec: TemplateRecord,
    #[serde(default)]
    values: Vec<String>,
    /// First and last event time, as seconds (written into the record on output).
    #[serde(skip)]
    seen: Option<(i64, i64)>,
}

#[derive(Debug, Clone)]
struct Cluster {
    slots: Vec<Slot>,
    templates: Vec<Tpl>,
    /// Learned by format 1: matched with its masking, never changed.
    legacy: bool,
    version: u32,
    last_used: u64,
    generation: u32,
    alive: bool,
    /// Each template's JSON as written into events; cleared when templates change.
    rendered: Vec<Vec<u8>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredCluster {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    legacy: bool,
    slots: Vec<Slot>,
    templates: Vec<Tpl>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StateFile {
    logward_templates: u32,
    clusters: Vec<StoredCluster>,
}

/// Format 1: slots were constants, enumerations and bare variables; no runs.
#[derive(Deserialize)]
struct StateFileV1 {
    clusters: Vec<ClusterV1>,
}

#[derive(Deserialize)]
struct ClusterV1 {
    slots: Vec<SlotV1>,
    templates: Vec<TemplateRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum SlotV1 {
    Const(String),
    Enum(Vec<String>),
    Var,
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
    /// The masking of format-1 clusters.
    mask: MaskSet,
    clusters: Vec<Cluster>,
    free: Vec<usize>,
    live: usize,
    /// (item count, first word) → clusters.
    groups: HashMap<(usize, String), Vec<usize>>,
    /// (token count, first token) → format-1 clusters, keyed as format 1 did.
    legacy_groups: HashMap<(usize, String), Vec<usize>>,
    /// Hash of a masked message → where it went.
    exact: ExactCache,
    tick: u64,
    /// The (cluster, template) of the last assignment.
    last: Option<(usize, usize)>,
    scratch: String,
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

/// One position of a message: a token, or a run of masked values (possibly several tokens).
#[derive(Clone, Copy)]
struct Item<'a> {
    text: &'a str,
    run: bool,
}

/// A token that is only masked values and punctuation (`<*>`, `(<*>)`, `<*>:<*>,`).
fn is_wild(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    let mut any = false;
    while i < b.len() {
        if b[i..].starts_with(b"<*>") {
            any = true;
            i += 3;
        } else if b[i].is_ascii_alphanumeric() || b[i] >= 0x80 {
            return false;
        } else {
            i += 1;
        }
    }
    any
}

/// A name with a digit that is not masked (`ssh2`, `U11`): may be a value.
fn is_soft(t: &str) -> bool {
    t.bytes().any(|c| c.is_ascii_digit()) && !t.contains(WILDCARD)
}

/// A plain word: no masked part, no digit.
fn is_word(t: &str) -> bool {
    !t.contains(WILDCARD) && !t.bytes().any(|c| c.is_ascii_digit())
}

/// `key=` with nothing after it.
fn is_empty_value(t: &str) -> bool {
    t.len() > 1 && t.ends_with('=') && !t[..t.len() - 1].contains('=')
}

/// Tokens a double-quoted string may span and still be one item.
const MAX_QUOTED: usize = 16;

fn quotes(t: &str) -> usize {
    t.bytes().filter(|&b| b == b'"').count()
}

/// Cuts a masked message into items.
fn items(masked: &str) -> Vec<Item<'_>> {
    let base = masked.as_ptr() as usize;
    let mut out: Vec<Item<'_>> = Vec::with_capacity(16);
    let mut toks = masked.split(' ').filter(|t| !t.is_empty()).peekable();
    while let Some(mut tok) = toks.next() {
        // A double-quoted string with spaces (`tag="View Lock",`) is one item when its quote
        // closes within a few tokens.
        if quotes(tok) % 2 == 1 {
            let rest = &masked[tok.as_ptr() as usize - base..];
            let close = rest.split(' ').take(MAX_QUOTED).skip(1).position(|t| quotes(t) % 2 == 1);
            if let Some(n) = close.map(|k| k + 1) {
                let end = rest.split(' ').take(n + 1).map(|t| t.len() + 1).sum::<usize>() - 1;
                tok = &rest[..end];
                for _ in 0..n {
                    toks.next();
                }
            }
        }
        let wild = is_wild(tok);
        let prev_run = out.last().is_some_and(|i| i.run);
        if prev_run && (wild || mask::is_unit(tok)) {
            let last = out.last_mut().expect("a previous run");
            let from = last.text.as_ptr() as usize - base;
            let to = tok.as_ptr() as usize - base + tok.len();
            last.text = &masked[from..to];
            continue;
        }
        out.push(Item { text: tok, run: wild });
    }
    if out.is_empty() {
        out.push(Item { text: "", run: false });
    }
    out
}

/// Can two differing tokens be values of an enumerated position? Two words can, and so can
/// two tokens that keep letters around a masked part (`(uid=<*>)`, `LOGIN(uid=<*>)`), and a
/// word and a name with a digit (`HTTPS`, `SOCKS5`). A masked value against a word
/// (`rhost=<*>`, `rhost=host`) is a variable, and so is one name with two numbers
/// (`U01`, `U11`).
fn enumerable(a: &str, b: &str) -> bool {
    let letters = |t: &str| t.replace(WILDCARD, "").bytes().any(|c| c.is_ascii_alphabetic());
    if (is_soft(a) || is_soft(b)) && skeleton_eq(a, b) {
        return false;
    }
    a.contains(WILDCARD) == b.contains(WILDCARD) && letters(a) && letters(b)
}

/// Equal once every run of digits is read as one digit.
fn skeleton_eq(a: &str, b: &str) -> bool {
    let sk = |t: &str| {
        let mut s = Vec::with_capacity(t.len());
        for c in t.bytes() {
            if !(c.is_ascii_digit() && s.last().is_some_and(|p: &u8| p.is_ascii_digit())) {
                s.push(if c.is_ascii_digit() { b'0' } else { c });
            }
        }
        s
    };
    sk(a) == sk(b)
}

/// Renders one position of a template.
fn render_slot(slot: &Slot, value: &str, out: &mut String) {
    match slot {
        Slot::Const(k) => out.push_str(k),
        Slot::Run(shape) => shape.run_display(out),
        Slot::Enum(_) => out.push_str(value),
        Slot::Var(shape) if shape.empties && is_empty_value(value) => out.push_str(value),
        Slot::Var(shape) => shape.var_display(out),
    }
}

fn render(slots: &[Slot], values: &[&str]) -> String {
    let mut pattern = String::with_capacity(values.iter().map(|t| t.len() + 1).sum());
    for (n, (slot, v)) in slots.iter().zip(values).enumerate() {
        if n > 0 {
            pattern.push(' ');
        }
        render_slot(slot, v, &mut pattern);
    }
    pattern
}

impl Miner {
    pub fn new(opts: MinerOptions) -> Result<Miner> {
        Miner::with_mask(opts, MaskSet::default())
    }

    /// `mask` is the masking of the run, used again for clusters of a format-1 state.
    pub fn with_mask(opts: MinerOptions, mask: MaskSet) -> Result<Miner> {
        if !(0.0..=1.0).contains(&opts.similarity) {
            bail!("--template-similarity must be between 0 and 1");
        }
        let mut m = Miner {
            opts,
            mask,
            clusters: Vec::new(),
            free: Vec::new(),
            live: 0,
            groups: HashMap::new(),
            legacy_groups: HashMap::new(),
            exact: ExactCache::default(),
            tick: 0,
            last: None,
            scratch: String::new(),
        };
        if let Some(path) = m.opts.state.clone() {
            let limit = m.opts.state_limit;
            let missing =
                !m.opts.frozen && std::fs::metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            match (!missing)
                .then(|| crate::io::files::read_limited(&path, "template state", limit, Some("--side-file-limit")))
            {
                Some(Ok(bytes)) => {
                    let stored = read_state(&bytes)
                        .with_context(|| format!("'{}' is not a logward template state file", path.display()))?;
                    for sc in stored {
                        if sc.slots.is_empty() {
                            continue;
                        }
                        let slot = m.add_cluster(Cluster {
                            slots: sc.slots,
                            templates: sc.templates,
                            legacy: sc.legacy,
                            version: 0,
                            last_used: 0,
                            generation: 0,
                            alive: true,
                            rendered: Vec::new(),
                        });
                        for tpl in &mut m.clusters[slot].templates {
                            if let (Some(f), Some(l)) =
                                (parse_time(&tpl.rec.first_seen), parse_time(&tpl.rec.last_seen))
                            {
                                tpl.seen = Some((f, l));
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

    /// Learns the messages of one block that may be learned ahead (see `Pending::with_lookahead`),
    /// in input order, before any of them is completed.
    pub fn prepare(&mut self, pending: Vec<&mut Pending>) {
        if self.opts.frozen || !self.opts.lookahead {
            return;
        }
        for p in pending.into_iter().filter(|p| p.lookahead) {
            if let Some((c, t)) = self.locate(p, true) {
                self.count(c, t, p.time);
                p.learned = Some((c, self.clusters[c].generation));
            }
        }
    }

    /// Like `assign`, returning the template as the JSON object `{"id":..,"pattern":..}`,
    /// rendered once per template; `None` when frozen and no template matches.
    pub fn assign_json(&mut self, p: &Pending) -> Option<&[u8]> {
        let (c, t) = self.assign_at(p)?;
        let cl = &mut self.clusters[c];
        if cl.rendered.len() <= t {
            cl.rendered.resize(t + 1, Vec::new());
        }
        if cl.rendered[t].is_empty() {
            let rec = &cl.templates[t].rec;
            let mut out = Vec::with_capacity(rec.pattern.len() + 40);
            out.extend_from_slice(b"{\"id\":");
            crate::event::write_str(&rec.id, &mut out);
            out.extend_from_slice(b",\"pattern\":");
            crate::event::write_str(&rec.pattern, &mut out);
            out.push(b'}');
            cl.rendered[t] = out;
        }
        Some(&cl.rendered[t])
    }

    /// Assigns a template to one message; returns (id, pattern), or empty strings when
    /// frozen and no template matches.
    pub fn assign(&mut self, p: &Pending) -> (&str, &str) {
        match self.assign_at(p) {
            Some((c, t)) => {
                let rec = &self.clusters[c].templates[t].rec;
                (&rec.id, &rec.pattern)
            }
            None => ("", ""),
        }
    }

    /// The template of a message as it is written: learned ahead (then found again where it
    /// went, however its cluster has changed since), or learned now. Publishes the id.
    fn assign_at(&mut self, p: &Pending) -> Option<(usize, usize)> {
        self.tick += 1;
        let found = match p.learned {
            Some((c, generation)) if self.clusters[c].alive && self.clusters[c].generation == generation => {
                match self.resolve_in(c, p).map(|t| (c, t)).or_else(|| self.locate(p, false)) {
                    Some(found) => Some(found),
                    // Its template read differently once an empty `key=` was seen: learn it
                    // again (it is counted twice, a rare and harmless excess).
                    None => {
                        let found = self.locate(p, true);
                        if let Some((c, t)) = found {
                            self.count(c, t, p.time);
                        }
                        found
                    }
                }
            }
            _ => {
                let found = self.locate(p, true);
                if let Some((c, t)) = found {
                    self.count(c, t, p.time);
                }
                found
            }
        };
        self.last = found;
        let (c, t) = found?;
        self.clusters[c].last_used = self.tick;
        let rec = &mut self.clusters[c].templates[t].rec;
        if rec.id.is_empty() {
            rec.id = template_id(&rec.pattern);
        }
        found
    }

    fn count(&mut self, c: usize, t: usize, time: Option<i64>) {
        if self.opts.frozen {
            return;
        }
        let tpl = &mut self.clusters[c].templates[t];
        tpl.rec.count += 1;
        if let Some(time) = time {
            tpl.seen = Some(match tpl.seen {
                Some((f, l)) => (f.min(time), l.max(time)),
                None => (time, time),
            });
        }
    }

    /// The message's template within cluster `c` (which learned it), now.
    fn resolve_in(&mut self, c: usize, p: &Pending) -> Option<usize> {
        let cl = &self.clusters[c];
        if let Some(e) = self.exact.get(&p.hash) {
            if e.cluster == c && e.generation == cl.generation && e.version == cl.version {
                return Some(e.template);
            }
        }
        let t = if cl.legacy {
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            template_legacy::mask_into(p.message(), &self.mask, &mut scratch);
            let tokens: Vec<&str> = scratch.split(' ').collect();
            let t = self.find_template_tokens(c, &tokens);
            self.scratch = scratch;
            t
        } else {
            let its = items(p.masked());
            if its.len() != cl.slots.len() {
                return None;
            }
            self.find_template(c, &its)
        }?;
        self.remember(p.hash, c, t);
        Some(t)
    }

    /// Finds (and, when `learn`, learns) the template of a message.
    fn locate(&mut self, p: &Pending, learn: bool) -> Option<(usize, usize)> {
        let learn = learn && !self.opts.frozen;
        let cached = self.exact.get(&p.hash).copied().filter(|e| {
            let c = &self.clusters[e.cluster];
            c.alive && c.generation == e.generation && c.version == e.version
        });
        if let Some(e) = cached {
            return Some((e.cluster, e.template));
        }
        let found = match self.legacy_match(p.message()) {
            Some(found) => Some(found),
            None => {
                let its = items(p.masked());
                match self.best_match(&its, learn) {
                    Some(c) if !learn => self.find_template(c, &its).map(|t| (c, t)),
                    Some(c) => {
                        self.absorb(c, &its);
                        Some((c, self.template_of(c, &its, p.message())))
                    }
                    None if !learn => None,
                    None => {
                        let c = self.new_cluster(&its);
                        Some((c, self.template_of(c, &its, p.message())))
                    }
                }
            }
        };
        if let Some((c, t)) = found {
            self.remember(p.hash, c, t);
        }
        found
    }

    fn remember(&mut self, hash: u64, c: usize, t: usize) {
        if self.exact.len() >= self.opts.max_templates.saturating_mul(20).max(4096) {
            self.exact.clear();
        }
        let cl = &self.clusters[c];
        self.exact.insert(hash, CacheEntry { cluster: c, generation: cl.generation, version: cl.version, template: t });
    }

    /// The most similar cluster of the message's group: similar enough when learning,
    /// compatible with every constant otherwise.
    fn best_match(&self, its: &[Item<'_>], learn: bool) -> Option<usize> {
        let key = (its.len(), group_word(its).to_string());
        let mut best: Option<(usize, f64, usize)> = None;
        for &c in self.groups.get(&key)? {
            let mut equal = 0usize;
            let mut differ = 0usize;
            for (slot, it) in self.clusters[c].slots.iter().zip(its) {
                match slot {
                    Slot::Const(k) if !it.run && k == it.text => {
                        if !is_soft(k) {
                            equal += 1
                        }
                    }
                    Slot::Const(k) if !it.run && (is_soft(k) || is_soft(it.text)) && learn => {}
                    Slot::Const(_) => differ += 1,
                    Slot::Run(_) if it.run => equal += 1,
                    Slot::Run(_) => differ += 1,
                    Slot::Enum(vals) if !learn && (it.run || !vals.iter().any(|v| v == it.text)) => differ += 1,
                    Slot::Enum(_) | Slot::Var(_) => {}
                }
            }
            if !learn && differ > 0 {
                continue;
            }
            let sim = if equal + differ == 0 { 1.0 } else { equal as f64 / (equal + differ) as f64 };
            if best.is_none_or(|(_, bs, be)| sim > bs || (sim == bs && equal > be)) {
                best = Some((c, sim, equal));
            }
        }
        let (c, sim, _) = best?;
        (!learn || sim >= self.opts.similarity).then_some(c)
    }

    /// Folds a message into a cluster: constants that differ become enumerations of words,
    /// or variables; an enumeration that would exceed `max_enum` becomes a variable.
    fn absorb(&mut self, c: usize, its: &[Item<'_>]) {
        let max_enum = self.opts.max_enum;
        let cl = &mut self.clusters[c];
        let mut rebuild = false;
        for (slot, it) in cl.slots.iter_mut().zip(its) {
            let tok = it.text;
            let next = match slot {
                Slot::Const(k) if !it.run && k == tok => continue,
                Slot::Const(k) if !it.run && max_enum >= 2 && enumerable(k, tok) => {
                    Slot::Enum(vec![k.clone(), tok.to_string()])
                }
                Slot::Const(k) => {
                    let mut shape = Shape::of(k);
                    shape.add(tok);
                    rebuild = true;
                    Slot::Var(shape)
                }
                Slot::Run(shape) if it.run => {
                    rebuild |= shape.add(tok);
                    continue;
                }
                Slot::Run(shape) => {
                    let mut shape = std::mem::take(shape);
                    shape.same = false;
                    shape.add(tok);
                    rebuild = true;
                    Slot::Var(shape)
                }
                Slot::Enum(vals) if !it.run && vals.iter().any(|v| v == tok) => continue,
                Slot::Enum(vals) if !it.run && enumerable(&vals[0], tok) && vals.len() < max_enum => {
                    vals.push(tok.to_string());
                    continue;
                }
                Slot::Enum(vals) => {
                    let mut shape = Shape::default();
                    for v in vals.iter() {
                        shape.add(v);
                    }
                    shape.add(tok);
                    rebuild = true;
                    Slot::Var(shape)
                }
                Slot::Var(shape) => {
                    rebuild |= shape.add(tok);
                    continue;
                }
            };
            *slot = next;
        }
        if rebuild {
            self.rebuild_templates(c);
        }
    }

    /// After positions changed, every template is rendered again and those that now read
    /// the same merge: the merged template keeps the id of the larger one.
    fn rebuild_templates(&mut self, c: usize) {
        let cl = &mut self.clusters[c];
        cl.version = cl.version.wrapping_add(1);
        cl.rendered.clear();
        let old = std::mem::take(&mut cl.templates);
        let mut merged: Vec<Tpl> = Vec::with_capacity(old.len());
        for mut tpl in old {
            let values: Vec<&str> = tpl.values.iter().map(String::as_str).collect();
            let pattern = render(&cl.slots, &values);
            match merged.iter_mut().position(|m| m.rec.pattern == pattern) {
                Some(i) => {
                    let m = &mut merged[i];
                    m.seen = match (m.seen, tpl.seen) {
                        (Some((f1, l1)), Some((f2, l2))) => Some((f1.min(f2), l1.max(l2))),
                        (a, b) => a.or(b),
                    };
                    merge_into(&mut m.rec, tpl.rec);
                }
                None => {
                    tpl.rec.pattern = pattern;
                    merged.push(tpl);
                }
            }
        }
        cl.templates = merged;
    }

    /// The message's template in cluster `c`: constants, its own word at enumerated
    /// positions, `<*>` at variables. Created on first sight.
    fn template_of(&mut self, c: usize, its: &[Item<'_>], example: &str) -> usize {
        if let Some(t) = self.find_template(c, its) {
            return t;
        }
        let values: Vec<&str> = its.iter().map(|i| i.text).collect();
        let cl = &mut self.clusters[c];
        let pattern = render(&cl.slots, &values);
        cl.templates.push(Tpl {
            rec: TemplateRecord {
                id: String::new(),
                pattern,
                count: 0,
                first_seen: None,
                last_seen: None,
                example: example.to_string(),
                aliases: Vec::new(),
            },
            values: values.iter().map(|v| v.to_string()).collect(),
            seen: None,
        });
        cl.templates.len() - 1
    }

    fn find_template(&self, c: usize, its: &[Item<'_>]) -> Option<usize> {
        let values: Vec<&str> = its.iter().map(|i| i.text).collect();
        self.find_template_tokens(c, &values)
    }

    fn find_template_tokens(&self, c: usize, values: &[&str]) -> Option<usize> {
        let cl = &self.clusters[c];
        let pattern = render(&cl.slots, values);
        cl.templates.iter().position(|t| t.rec.pattern == pattern)
    }

    /// A message matched against the format-1 clusters, masked as format 1 did.
    fn legacy_match(&mut self, message: &str) -> Option<(usize, usize)> {
        if self.legacy_groups.is_empty() {
            return None;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        template_legacy::mask_into(message, &self.mask, &mut scratch);
        let tokens: Vec<&str> = scratch.split(' ').collect();
        let first = match tokens.first() {
            Some(t) if !t.contains(WILDCARD) => t,
            _ => WILDCARD,
        };
        let mut best: Option<(usize, usize)> = None;
        for &c in self.legacy_groups.get(&(tokens.len(), first.to_string())).into_iter().flatten() {
            let mut equal = 0;
            let ok = self.clusters[c].slots.iter().zip(&tokens).all(|(slot, tok)| match slot {
                Slot::Const(k) => {
                    equal += 1;
                    k == tok
                }
                Slot::Enum(vals) => vals.iter().any(|v| v == tok),
                _ => true,
            });
            if ok && best.is_none_or(|(_, be)| equal > be) {
                best = Some((c, equal));
            }
        }
        let found = best.and_then(|(c, _)| self.find_template_tokens(c, &tokens).map(|t| (c, t)));
        self.scratch = scratch;
        found
    }

    fn new_cluster(&mut self, its: &[Item<'_>]) -> usize {
        let cluster = Cluster {
            slots: its
                .iter()
                .map(|i| if i.run { Slot::Run(Shape::of(i.text)) } else { Slot::Const(i.text.to_string()) })
                .collect(),
            templates: Vec::new(),
            legacy: false,
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
        let key = cluster_key(&cluster);
        let legacy = cluster.legacy;
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
        let groups = if legacy { &mut self.legacy_groups } else { &mut self.groups };
        groups.entry(key).or_default().push(c);
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
            let key = cluster_key(&self.clusters[victim]);
            let cl = &mut self.clusters[victim];
            cl.alive = false;
            cl.templates.clear();
            cl.rendered.clear();
            let groups = if cl.legacy { &mut self.legacy_groups } else { &mut self.groups };
            if let Some(g) = groups.get_mut(&key) {
                g.retain(|&c| c != victim);
                if g.is_empty() {
                    groups.remove(&key);
                }
            }
            self.free.push(victim);
            self.live -= 1;
        }
    }

    /// A record as written out: with its times, and an id (a template never written yet gets
    /// the hash of its pattern now).
    fn record_out(&self, c: usize, t: usize) -> TemplateRecord {
        let tpl = &self.clusters[c].templates[t];
        let mut rec = tpl.rec.clone();
        if rec.id.is_empty() {
            rec.id = template_id(&rec.pattern);
        }
        if let Some((f, l)) = tpl.seen {
            rec.first_seen = Some(format_time(f));
            rec.last_seen = Some(format_time(l));
        }
        rec
    }

    /// The template table, most frequent first (ties by pattern, for stable output).
    pub fn table(&self) -> Vec<TemplateRecord> {
        let mut rows: Vec<TemplateRecord> = Vec::new();
        for (c, cl) in self.clusters.iter().enumerate().filter(|(_, cl)| cl.alive) {
            for t in 0..cl.templates.len() {
                rows.push(self.record_out(c, t));
            }
        }
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.pattern.cmp(&b.pattern)));
        rows
    }

    /// Saves the state file (unless frozen) and writes the table, as asked.
    pub fn finish(&self) -> Result<()> {
        if let (Some(path), false) = (&self.opts.state, self.opts.frozen) {
            let mut clusters: Vec<StoredCluster> = Vec::new();
            for (c, cl) in self.clusters.iter().enumerate().filter(|(_, cl)| cl.alive) {
                let templates = (0..cl.templates.len())
                    .map(|t| Tpl { rec: self.record_out(c, t), values: cl.templates[t].values.clone(), seen: None })
                    .collect();
                clusters.push(StoredCluster { legacy: cl.legacy, slots: cl.slots.clone(), templates });
            }
            // A stable order, so the same input gives the same file.
            let key = |c: &StoredCluster| {
                let first = c.templates.first().map(|t| t.rec.pattern.clone()).unwrap_or_default();
                (c.legacy, c.slots.len(), first)
            };
            clusters.sort_by_cached_key(key);
            let state = StateFile { logward_templates: STATE_FORMAT, clusters };
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

/// Folds template `b` into `a` (they now read the same): counts add up; the id of the one
/// with more events stays, the other becomes an alias.
fn merge_into(a: &mut TemplateRecord, b: TemplateRecord) {
    const MAX_ALIASES: usize = 16;
    if a.id.is_empty() {
        a.id = b.id;
    } else if !b.id.is_empty() {
        let mut loser = b.id;
        if b.count > a.count {
            std::mem::swap(&mut a.id, &mut loser);
        }
        a.aliases.push(loser);
    }
    a.aliases.extend(b.aliases);
    if a.aliases.len() > MAX_ALIASES {
        let extra = a.aliases.len() - MAX_ALIASES;
        a.aliases.drain(..extra);
    }
    a.count += b.count;
    a.first_seen = match (a.first_seen.take(), b.first_seen) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    a.last_seen = match (a.last_seen.take(), b.last_seen) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
}

/// Reads a state file of format 1 or 2.
fn read_state(bytes: &[u8]) -> Result<Vec<StoredCluster>> {
    #[derive(Deserialize)]
    struct Version {
        logward_templates: u32,
    }
    let v: Version = serde_json::from_slice(bytes)?;
    match v.logward_templates {
        1 => {
            let old: StateFileV1 = serde_json::from_slice(bytes)?;
            Ok(old
                .clusters
                .into_iter()
                .map(|c| StoredCluster {
                    legacy: true,
                    slots: c
                        .slots
                        .into_iter()
                        .map(|s| match s {
                            SlotV1::Const(k) => Slot::Const(k),
                            SlotV1::Enum(v) => Slot::Enum(v),
                            SlotV1::Var => Slot::Var(Shape::default()),
                        })
                        .collect(),
                    templates: c
                        .templates
                        .into_iter()
                        .map(|rec| Tpl { values: rec.pattern.split(' ').map(String::from).collect(), rec, seen: None })
                        .collect(),
                })
                .collect())
        }
        STATE_FORMAT => Ok(serde_json::from_slice::<StateFile>(bytes)?.clusters),
        n => bail!("template state format {n} is newer than this logward reads (1 and {STATE_FORMAT})"),
    }
}

/// The group of a cluster: item count and first word (unless that is a variable); format-1
/// clusters as format 1 keyed them.
fn cluster_key(c: &Cluster) -> (usize, String) {
    let first = match c.slots.first() {
        Some(Slot::Const(k)) if (c.legacy && !k.contains(WILDCARD)) || (!c.legacy && is_word(k)) => k.clone(),
        _ => WILDCARD.to_string(),
    };
    (c.slots.len(), first)
}

/// The word that, with the count, picks a message's group: the first item, unless it is
/// a variable or may be one.
fn group_word<'t>(its: &[Item<'t>]) -> &'t str {
    match its.first() {
        Some(i) if !i.run && is_word(i.text) => i.text,
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

    fn patterns(m: &Miner) -> Vec<String> {
        m.table().into_iter().map(|r| r.pattern).collect()
    }

    #[test]
    fn few_words_stay_in_the_template_many_become_variables() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        let (_, p1) = assign(&mut m, "cupsd startup succeeded");
        let (_, p2) = assign(&mut m, "cupsd shutdown succeeded");
        assert_eq!((p1.as_str(), p2.as_str()), ("cupsd startup succeeded", "cupsd shutdown succeeded"));
        let mut ids = Vec::new();
        let mut last = (String::new(), String::new());
        for user in ["root", "admin", "oracle", "test", "guest"] {
            last = assign(&mut m, &format!("Failed password for {user} from 10.0.0.1 port 22 ssh2"));
            ids.push(last.0.clone());
        }
        assert_eq!(last.1, "Failed password for <*> from <*> port <*> ssh2");
        // The id is the one `root` was first written with: it names the group for good, and
        // the enumerated users' ids became aliases.
        assert_eq!(last.0, ids[0]);
        assert_eq!(ids[0], template_id("Failed password for root from <*> port <*> ssh2"));
        let row = m.table().into_iter().find(|r| r.pattern == last.1).unwrap();
        assert_eq!((row.count, row.aliases.len()), (5, 2));
        assert_eq!(assign(&mut m, "Failed password for root from 10.9.9.9 port 1 ssh2"), last);
        let (_, other) = assign(&mut m, "Accepted password for bob from 10.0.0.3 port 24 ssh2");
        assert_eq!(other, "Accepted password for bob from <*> port <*> ssh2");
    }

    #[test]
    fn two_variable_words_per_message_make_one_template() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        for (u, h) in [("bob", "gw"), ("eve", "fw"), ("ann", "db"), ("joe", "ns"), ("kim", "mx")] {
            assign(&mut m, &format!("User {u} logged in from {h}"));
        }
        assert_eq!(patterns(&m), ["User <*> logged in from <*>"]);
        // A strict similarity would make each its own.
        let mut m = Miner::new(MinerOptions { similarity: 0.8, ..Default::default() }).unwrap();
        for (u, h) in [("bob", "gw"), ("eve", "fw"), ("ann", "db")] {
            assign(&mut m, &format!("User {u} logged in from {h}"));
        }
        assert_eq!(m.table().len(), 3);
    }

    #[test]
    fn variables_of_varying_length_keep_one_template() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        for msg in [
            "host.example.com:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:01",
            "host.example.com:5070 close, 403 bytes sent, 426 bytes received, lifetime <1 sec",
            "10.0.0.7:443 close, 1.2 MB (1234567 bytes) sent, 20 bytes received, lifetime 01:05:22",
        ] {
            assign(&mut m, msg);
        }
        assert_eq!(patterns(&m), ["<*>:<*> close, <*> sent, <*> received, lifetime <*>"]);
        // A run written the same by every member shows as written.
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        assign(&mut m, "took 12 ms to read 5 bytes");
        assign(&mut m, "took 7 ms to read 90 bytes");
        assert_eq!(patterns(&m), ["took <*> ms to read <*> bytes"]);
    }

    #[test]
    fn names_with_digits_match_as_values_but_show_when_constant() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        assign(&mut m, "Node card check: U01 node in slot 3 do not match");
        assign(&mut m, "Node card check: U11 node in slot 4 do not match");
        assign(&mut m, "open through proxy p.example.com:5070 HTTPS");
        assign(&mut m, "open through proxy p.example.com:5070 HTTPS");
        assign(&mut m, "open through proxy q.example.com:1080 SOCKS5");
        let mut p = patterns(&m);
        p.sort();
        assert_eq!(
            p,
            [
                "Node card check: <*> node in slot <*> do not match",
                "open through proxy <*>:<*> HTTPS",
                "open through proxy <*>:<*> SOCKS5"
            ]
        );
    }

    #[test]
    fn an_empty_value_stays_apart_and_variables_keep_their_key() {
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        for host in ["a.example.com", "10.0.0.1", "bbb", "ccc", "ddd"] {
            assign(&mut m, &format!("authentication failure; tty=ssh rhost={host}"));
        }
        assign(&mut m, "authentication failure; tty=ssh rhost=");
        let mut p = patterns(&m);
        p.sort();
        assert_eq!(p, ["authentication failure; tty=ssh rhost=", "authentication failure; tty=ssh rhost=<*>"]);
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        for v in ["View Lock", "alarm", "x", "y", "z", "w"] {
            assign(&mut m, &format!("acquire lock tag=\"{v}\" done"));
        }
        // A quoted string with spaces is one value.
        assert_eq!(patterns(&m), ["acquire lock tag=\"<*>\" done"]);
    }

    #[test]
    fn lookahead_writes_the_template_the_block_settled_on() {
        let msgs: Vec<String> = ["root", "admin", "oracle", "test", "guest"]
            .iter()
            .map(|u| format!("Failed password for {u} from 10.0.0.1 port 22 ssh2"))
            .collect();
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        let mut ps: Vec<Pending> = msgs.iter().map(|s| pending(s).with_lookahead(true)).collect();
        m.prepare(ps.iter_mut().collect());
        let got: Vec<(String, String)> = ps
            .iter()
            .map(|p| {
                let (id, pat) = m.assign(p);
                (id.to_string(), pat.to_string())
            })
            .collect();
        let want = "Failed password for <*> from <*> port <*> ssh2";
        assert!(got.iter().all(|(id, p)| p == want && *id == template_id(want)), "{got:?}");
        assert_eq!(m.table()[0].count, 5);
        // Without lookahead the first lines are written before the users vary.
        let mut m = Miner::new(MinerOptions::default()).unwrap();
        let first = m.assign(&pending(&msgs[0])).1.to_string();
        assert_eq!(first, "Failed password for root from <*> port <*> ssh2");
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
        assign(&mut m, "sent 12 ms (3 KB) to tag=\"x y\"");
        m.finish().unwrap();
        let before = m.table();
        let mut again = Miner::new(opts.clone()).unwrap();
        assert_eq!(again.table(), before);
        // Learning goes on from the loaded state: an enumerated position keeps its values.
        assign(&mut again, "cupsd shutdown succeeded");
        let (_, p) = assign(&mut again, "Invalid user e from 10.0.0.2");
        assert_eq!(p, "Invalid user <*> from <*>");
        assert_eq!(again.table().len(), 4);
        let frozen = Miner::new(MinerOptions { frozen: true, ..opts }).unwrap();
        assert_eq!(frozen.table(), before);
    }

    #[test]
    fn format_one_states_keep_their_templates_and_ids() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("v1.json");
        let v1 = r#"{"logward_templates": 1, "clusters": [
            {"slots": [{"const": "Failed"}, {"const": "password"}, {"const": "for"}, "var", {"const": "from"},
                       {"const": "<*>"}, {"const": "port"}, {"const": "<*>"}, {"const": "<*>"}],
             "templates": [{"id": "0123456789abcdef", "pattern": "Failed password for <*> from <*> port <*> <*>",
                            "count": 7, "example": "Failed password for root from 1.2.3.4 port 22 ssh2"}]},
            {"slots": [{"const": "cupsd"}, {"enum": ["startup", "shutdown"]}, {"const": "succeeded"}],
             "templates": [{"id": "fedcba9876543210", "pattern": "cupsd startup succeeded", "count": 1,
                            "example": "cupsd startup succeeded"}]}
        ]}"#;
        std::fs::write(&state, v1).unwrap();
        let opts = MinerOptions { state: Some(state.clone()), frozen: true, ..Default::default() };
        let mut m = Miner::new(opts).unwrap();
        assert_eq!(
            assign(&mut m, "Failed password for bob from 10.1.1.1 port 2222 ssh2"),
            ("0123456789abcdef".into(), "Failed password for <*> from <*> port <*> <*>".into())
        );
        assert_eq!(
            assign(&mut m, "cupsd startup succeeded"),
            ("fedcba9876543210".into(), "cupsd startup succeeded".into())
        );
        // The other enumerated value had no template yet: unknown to a frozen set.
        assert_eq!(assign(&mut m, "cupsd shutdown succeeded").0, "");
        assert_eq!(assign(&mut m, "never seen").0, "");
        // Learning on top: old clusters stay as they were, new shapes are learned anew, and
        // the state is written in the current format with the old clusters kept.
        let opts = MinerOptions { state: Some(state.clone()), ..Default::default() };
        let mut m = Miner::new(opts.clone()).unwrap();
        assert_eq!(assign(&mut m, "Failed password for eve from 10.1.1.2 port 1 ssh2").0, "0123456789abcdef");
        assign(&mut m, "brand new message");
        m.finish().unwrap();
        let text = std::fs::read_to_string(&state).unwrap();
        assert!(text.contains("\"logward_templates\": 2") && text.contains("\"legacy\": true"), "{text}");
        let mut m = Miner::new(MinerOptions { frozen: true, ..opts }).unwrap();
        assert_eq!(assign(&mut m, "Failed password for x from 10.1.1.3 port 3 ssh2").0, "0123456789abcdef");
        assert_eq!(assign(&mut m, "brand new message").1, "brand new message");
        std::fs::write(&state, r#"{"logward_templates": 9, "clusters": []}"#).unwrap();
        let err = Miner::new(MinerOptions { state: Some(state), ..Default::default() }).err().unwrap();
        assert!(format!("{err:#}").contains("newer"), "{err:#}");
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
        assert!(patterns(&m).contains(&"keep this template alive".to_string()), "{:?}", patterns(&m));
    }

    #[test]
    fn items_cut_runs_and_units() {
        let texts = |s: &str| {
            let mut masked = String::new();
            mask_into(s, &MaskSet::default(), &mut masked);
            items(&masked).iter().map(|i| (i.text.to_string(), i.run)).collect::<Vec<_>>()
        };
        assert_eq!(
            texts("size 16.0 KB, free 3 B) at Sun Jul 17 15:09:17 2005 ok"),
            [
                ("size".to_string(), false),
                ("<*> KB,".to_string(), true),
                ("free".to_string(), false),
                ("<*> B)".to_string(), true),
                ("at".to_string(), false),
                ("<*> <*> <*> <*> <*>".to_string(), true),
                ("ok".to_string(), false)
            ]
        );
        assert_eq!(texts("").len(), 1);
        assert_eq!(
            texts("a tag=\"View Lock\", b \"unclosed c"),
            [
                ("a".to_string(), false),
                ("tag=\"View Lock\",".to_string(), false),
                ("b".to_string(), false),
                ("\"unclosed".to_string(), false),
                ("c".to_string(), false)
            ]
        );
        assert!(is_wild("(<*>)") && is_wild("<*>:<*>,") && !is_wild("uid=<*>") && !is_wild("x"));
    }
}
