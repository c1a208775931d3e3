//! `logward anonymize`: keyed, deterministic, format-preserving pseudonymization of ECS
//! events. Every line is rewritten in place: sensitive values change, every other byte
//! (field order, numbers, spacing, non-sensitive strings) is copied as it was.

pub mod cmdline;
pub mod command;
pub mod fpe;
pub mod ids;
pub mod ip;
pub mod key;
pub mod layers;
pub mod names;
pub mod pfx;
pub mod policy;
pub mod risk;
pub mod secrets;
pub mod shift;
pub mod text;
pub mod values;

use crate::event::edit::Splicer;
use crate::event::scan::{self as json, KeySpan, Scalar, TopObject};
use crate::fasthash::FastMap;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Reason, Records, RejectKind};
use fpe::Dir;
use policy::{secret_type, Category, SECRET_TYPES};
use risk::{EventRisk, RiskState};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use values::{Ctx, Pseudonymizer};

pub struct AnonymizeOptions {
    pub pseudonymizer: Pseudonymizer,
    pub dir: Dir,
    pub risk_report: Option<PathBuf>,
    pub domain: String,
    pub quiet: bool,
    /// The key's fingerprint (`Key::fingerprint`), written into every event and checked
    /// by `--reveal`.
    pub fingerprint: String,
}

pub struct Anonymizer {
    opts: AnonymizeOptions,
    /// `--reveal`: events pseudonymized with another key (refused), and events that carry
    /// no fingerprint (revealed unchecked: alerts `detect` added, say).
    pub wrong_key: AtomicU64,
    pub unchecked: AtomicU64,
    /// The first other fingerprint seen, for the error message.
    pub other_fingerprint: std::sync::Mutex<Option<String>>,
}

/// A text field being rewritten: its scalar's index, its text, its cached scan and the
/// pattern edits found in it.
type TextField = (usize, String, Option<Rc<values::Scanned>>, Vec<text::Edit>);

/// Where the key fingerprint lives in each event: `logward.anonymize.key`.
pub const FINGERPRINT_PATH: &str = "logward.anonymize.key";

/// What the policy says of a field path, worked out once per path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FieldClass {
    /// A field of this category.
    Of(Category),
    /// Free text that rarely repeats (a whole line or message): not worth caching.
    UniqueText,
    /// A secret of type `SECRET_TYPES[i]`.
    Secret(u8),
    /// The key fingerprint.
    Fingerprint,
}

impl FieldClass {
    fn category(self) -> Category {
        match self {
            FieldClass::Of(c) => c,
            FieldClass::UniqueText => Category::Text,
            FieldClass::Secret(_) => Category::Secret,
            FieldClass::Fingerprint => Category::Keep,
        }
    }
}

const UNIQUE_TEXT_FIELDS: [&str; 4] = ["message", "event.original", "error.message", "error.stack_trace"];

/// Per worker: the scalars of the current line, and each field path's class (paths repeat
/// on every line; classifying one walks the policy's maps and prefixes).
pub struct Scratch {
    scalars: Vec<Scalar<FieldClass>>,
    keys: Vec<KeySpan>,
    objects: Vec<TopObject>,
    /// The new text of each scalar, if it changes.
    new: Vec<Option<String>>,
    classes: FastMap<Box<str>, FieldClass>,
    /// Recent paths and their classes, one per slot of a cheap hash of the path: an
    /// event's few dozen paths are found here without hashing every byte or allocating,
    /// whatever order and mix of shapes the lines come in.
    recent: Vec<(String, FieldClass)>,
    /// The pattern edits of each event shape's member names (most events have the names
    /// of an earlier one), by the names joined.
    key_shapes: FastMap<Box<[u8]>, Rc<Vec<Vec<text::Edit>>>>,
    key_buf: Vec<u8>,
    /// The event's context, kept between events for its memory.
    ctx: Ctx,
}

const RECENT_SLOTS: usize = 256;
const KEY_SHAPES_MAX: usize = 20_000;

/// One change to the line, in line order.
enum Splice {
    String(std::ops::Range<usize>, String),
    Raw(std::ops::Range<usize>, Vec<u8>),
    Insert(usize, Vec<u8>),
}

impl Splice {
    fn at(&self) -> usize {
        match self {
            Splice::String(r, _) | Splice::Raw(r, _) => r.start,
            Splice::Insert(at, _) => *at,
        }
    }
}

impl Anonymizer {
    pub fn new(opts: AnonymizeOptions) -> Anonymizer {
        Anonymizer {
            opts,
            wrong_key: AtomicU64::new(0),
            unchecked: AtomicU64::new(0),
            other_fingerprint: std::sync::Mutex::new(None),
        }
    }

    fn class_of(&self, path: &str) -> FieldClass {
        if path == FINGERPRINT_PATH {
            return FieldClass::Fingerprint;
        }
        match self.opts.pseudonymizer.policy.classify(path) {
            Category::Secret => {
                let last = path.rsplit('.').next().unwrap_or(path);
                FieldClass::Secret(SECRET_TYPES.iter().position(|t| *t == secret_type(last)).expect("known type") as u8)
            }
            Category::Text if UNIQUE_TEXT_FIELDS.contains(&path) => FieldClass::UniqueText,
            c => FieldClass::Of(c),
        }
    }

    /// Rewrites one event into `out`; the error says why the line is not a JSON object
    /// (or, with `--reveal`, that another key wrote it).
    fn rewrite(
        &self,
        scratch: &mut Scratch,
        line: &str,
        out: &mut Vec<u8>,
        risk: Option<&mut EventRisk>,
    ) -> Result<(), Reason> {
        let Scratch { scalars, keys, objects, new, classes, recent, key_shapes, key_buf, ctx } = scratch;
        scalars.clear();
        keys.clear();
        objects.clear();
        let mut paths: Vec<String> = Vec::new();
        let track = risk.is_some();
        let mut classify = |path: &str| {
            if track {
                paths.push(path.to_string());
            }
            let slot = &mut recent[(crate::fasthash::path_hash(path.as_bytes()) >> 56) as usize];
            if slot.0 == path && !path.is_empty() {
                return slot.1;
            }
            let class = match classes.get(path) {
                Some(c) => *c,
                None => {
                    let c = self.class_of(path);
                    if classes.len() < 100_000 {
                        classes.insert(path.into(), c);
                    }
                    c
                }
            };
            slot.0.clear();
            slot.0.push_str(path);
            slot.1 = class;
            class
        };
        json::scan_with_keys(line, &mut classify, scalars, Some(objects), keys)?;
        let p = &self.opts.pseudonymizer;
        let dir = self.opts.dir;
        ctx.reset(track);
        new.clear();
        new.resize(scalars.len(), None);
        let mut splices: Vec<Splice> = Vec::new();

        // --reveal: the key must be the one that wrote the event.
        let fingerprint_at = scalars.iter().position(|s| s.class == FieldClass::Fingerprint);
        if dir == Dir::Decrypt {
            match fingerprint_at {
                Some(i) => {
                    let written = scalars[i].text_lossy(line);
                    let first = written.split(',').next().unwrap_or("").trim();
                    if first != self.opts.fingerprint {
                        self.wrong_key.fetch_add(1, Ordering::Relaxed);
                        let mut other = self.other_fingerprint.lock().expect("not poisoned");
                        other.get_or_insert_with(|| first.to_string());
                        return Err(Reason::new(
                            RejectKind::InvalidField,
                            format!(
                                "pseudonymized with another key or --domain (its key fingerprint is {first}, this key's is {})",
                                self.opts.fingerprint
                            ),
                        ));
                    }
                    splices.extend(remove_fingerprint(line, &scalars[i], &written));
                }
                None => {
                    self.unchecked.fetch_add(1, Ordering::Relaxed);
                }
            }
        }

        // Structured values first, so free text knows the event's user and host names;
        // then URLs and the pattern edits of every text (which learn more names); then
        // each text with the names of the whole event.
        let mut texts: Vec<TextField> = Vec::new();
        let mut lossy: Vec<(usize, String)> = Vec::new();
        for phase in 0..3 {
            for (i, s) in scalars.iter().enumerate() {
                let cat = s.class.category();
                let this_phase = match (s.class, cat) {
                    (_, Category::Keep) => {
                        if phase == 0 && s.escaped && s.text(line).is_none() {
                            lossy.push((i, s.text_lossy(line).into_owned()));
                        }
                        continue;
                    }
                    (FieldClass::UniqueText, _) | (_, Category::Url) => 1,
                    (_, Category::Text) => 2,
                    _ => 0,
                };
                if this_phase != phase || (!s.string && cat != Category::NumericId) {
                    continue;
                }
                // An escape that is no character (a lone surrogate) reads as U+FFFD, and
                // the string is written again with it.
                let value = s.text_lossy(line);
                if s.escaped && s.text(line).is_none() {
                    lossy.push((i, value.to_string()));
                }
                ctx.unique_text = s.class == FieldClass::UniqueText;
                if cat == Category::Text {
                    let mut own = Vec::new();
                    let cached = text::cached_patterns(p, dir, &value, ctx, &mut own);
                    texts.push((i, value.into_owned(), cached, own));
                    continue;
                }
                new[i] = match s.class {
                    FieldClass::Secret(k) => p.secret(dir, &value, SECRET_TYPES[k as usize], ctx),
                    _ => p.field(dir, cat, &value, ctx),
                };
            }
        }
        for (i, value, cached, own) in &texts {
            let edits = cached.as_deref().map_or(own.as_slice(), |c| c.edits.as_slice());
            ctx.unique_text = scalars[*i].class == FieldClass::UniqueText;
            let scanned = text::apply(p, value, edits, ctx);
            new[*i] = p.finish_text(dir, value, scanned, ctx);
        }
        for (i, value) in lossy {
            if new[i].is_none() {
                new[i] = Some(value);
            }
        }

        // Member names are scanned like values.
        let key_changes = self.key_edits(line, keys, key_shapes, key_buf, ctx);
        for (k, text) in &key_changes {
            splices.push(Splice::String(keys[*k].span.clone(), text.clone()));
        }

        // Every event says which key wrote it.
        if dir == Dir::Encrypt {
            splices.push(self.fingerprint_splice(line, objects, scalars, fingerprint_at));
        }

        for (s, replacement) in scalars.iter().zip(new.iter()) {
            if let Some(r) = replacement {
                if s.class == FieldClass::Fingerprint {
                    continue;
                }
                if s.string {
                    splices.push(Splice::String(s.span.clone(), r.clone()));
                } else {
                    splices.push(Splice::Raw(s.span.clone(), r.as_bytes().to_vec()));
                }
            }
        }
        splices.sort_by_key(Splice::at);
        let start = out.len();
        let mut splice = Splicer::new(line, out);
        for change in &splices {
            match change {
                Splice::String(r, t) => splice.replace_string(r.clone(), t),
                Splice::Raw(r, b) => splice.replace_raw(r.clone(), b),
                Splice::Insert(at, b) => splice.insert(*at, b),
            }
        }
        splice.finish();
        if let Some(risk) = risk {
            let written = &out[start..];
            risk.leaks = ctx
                .found
                .iter()
                .filter(|(_, original)| original.len() >= 3 && contains_token(written, original.as_bytes()))
                .map(|(cat, _)| *cat)
                .collect();
            // Paths as written: a member name that was replaced is not shown.
            for (k, text) in &key_changes {
                let old = keys[*k].span.clone();
                let old = json::decode_lossy(line[old].as_bytes());
                for path in paths.iter_mut() {
                    if path.contains(old.as_str()) {
                        *path = path.replace(old.as_str(), text);
                    }
                }
            }
            risk.quasi = self.quasi_key(line, scalars, new, &paths);
            risk.suspicious = suspicious(line, scalars, new, &paths);
            risk.fields = paths.into_iter().zip(scalars.iter()).map(|(path, s)| (path, s.class.category())).collect();
            risk.found = std::mem::take(&mut ctx.found);
            risk.kinds = std::mem::take(&mut ctx.kinds);
        }
        out.push(b'\n');
        Ok(())
    }

    /// Member names whose text changes (by the patterns, or as a name the event holds):
    /// their index in `keys` and new text.
    fn key_edits(
        &self,
        line: &str,
        keys: &[KeySpan],
        shapes: &mut FastMap<Box<[u8]>, Rc<Vec<Vec<text::Edit>>>>,
        buf: &mut Vec<u8>,
        ctx: &mut Ctx,
    ) -> Vec<(usize, String)> {
        let p = &self.opts.pseudonymizer;
        let dir = self.opts.dir;
        buf.clear();
        let decoded: Vec<std::borrow::Cow<str>> = keys
            .iter()
            .map(|k| {
                let raw = &line[k.span.clone()];
                if k.escaped {
                    std::borrow::Cow::Owned(json::decode_lossy(raw.as_bytes()))
                } else {
                    std::borrow::Cow::Borrowed(raw)
                }
            })
            .collect();
        for d in &decoded {
            buf.extend_from_slice(d.as_bytes());
            buf.push(0);
        }
        ctx.unique_text = false;
        let patterns = match shapes.get(buf.as_slice()).filter(|_| !ctx.track) {
            Some(hit) => hit.clone(),
            None => {
                let mut per_key = Vec::with_capacity(decoded.len());
                for d in &decoded {
                    let mut own = Vec::new();
                    let cached = text::cached_patterns(p, dir, d, ctx, &mut own);
                    per_key.push(cached.map_or(own, |c| c.edits.clone()));
                }
                let per_key = Rc::new(per_key);
                if !ctx.track {
                    if shapes.len() >= KEY_SHAPES_MAX {
                        shapes.clear();
                    }
                    shapes.insert(buf.as_slice().into(), per_key.clone());
                }
                per_key
            }
        };
        let buf_text = std::str::from_utf8(buf).expect("joined from strings");
        let any_pattern = patterns.iter().any(|e| !e.is_empty());
        if !any_pattern && p.known_edits(buf_text, &[], ctx).is_empty() {
            return Vec::new();
        }
        let mut changes = Vec::new();
        for (k, d) in decoded.iter().enumerate() {
            if let Some(new) = text::apply(p, d, &patterns[k], ctx) {
                changes.push((k, new));
            }
        }
        changes
    }

    /// The fingerprint written into an event: appended to its `logward` object (or a new
    /// one at the end), or put in front of the one already there (the event was
    /// pseudonymized before, with another key).
    fn fingerprint_splice(
        &self,
        line: &str,
        objects: &[TopObject],
        scalars: &[Scalar<FieldClass>],
        existing: Option<usize>,
    ) -> Splice {
        let fp = &self.opts.fingerprint;
        if let Some(i) = existing {
            let old = scalars[i].text_lossy(line);
            return Splice::String(scalars[i].span.clone(), format!("{fp},{old}"));
        }
        if let Some(o) = objects.iter().find(|o| o.name == "logward") {
            let comma = if line[o.inside..o.end].trim().is_empty() { "" } else { "," };
            return Splice::Insert(o.end, format!("{comma}\"anonymize\":{{\"key\":\"{fp}\"}}").into_bytes());
        }
        let close = line.trim_end().len() - 1;
        let comma = if line[..close].trim_end().ends_with('{') { "" } else { "," };
        Splice::Insert(close, format!("{comma}\"logward\":{{\"anonymize\":{{\"key\":\"{fp}\"}}}}").into_bytes())
    }

    /// The event's quasi-identifier values as written (`source.ip/24`: the /24 or /48).
    fn quasi_key(
        &self,
        line: &str,
        scalars: &[Scalar<FieldClass>],
        new: &[Option<String>],
        paths: &[String],
    ) -> Option<u64> {
        let mut key = String::new();
        let mut any = false;
        for q in &self.opts.pseudonymizer.policy.quasi_identifiers {
            let (field, modifier) = q.split_once('/').unwrap_or((q, ""));
            let value = paths
                .iter()
                .position(|p| p == field)
                .map(|i| new[i].clone().unwrap_or_else(|| line[scalars[i].span.clone()].to_string()));
            let v = value.map(|v| generalize(&v, modifier));
            any |= v.is_some();
            key.push_str(v.as_deref().unwrap_or("\u{0}"));
            key.push('\u{1}');
        }
        any.then(|| crate::fasthash::hash64(key.as_bytes()))
    }
}

/// `24`: the IPv4 /24 (IPv6 /48); `hour`: the hour of an ISO timestamp.
fn generalize(v: &str, modifier: &str) -> String {
    match modifier {
        "hour" => v.get(11..13).unwrap_or(v).to_string(),
        "" => v.to_string(),
        bits => match (v.parse::<std::net::IpAddr>(), bits.parse::<u32>()) {
            (Ok(std::net::IpAddr::V4(a)), Ok(n)) => {
                let mask = if n == 0 { 0 } else { !0u32 << (32 - n.min(32)) };
                format!("{}/{n}", std::net::Ipv4Addr::from(u32::from(a) & mask))
            }
            (Ok(std::net::IpAddr::V6(a)), Ok(n)) => {
                let n = (n * 2).min(128);
                let mask = if n == 0 { 0 } else { !0u128 << (128 - n) };
                format!("{}/{n}", std::net::Ipv6Addr::from(u128::from(a) & mask))
            }
            _ => v.to_string(),
        },
    }
}

/// The splice that takes the fingerprint `--reveal` checked out of the line: the first of
/// its list, or the member `anonymize` wrote (and its `logward` object, when that holds
/// nothing else). The line comes back as it was before `anonymize`.
fn remove_fingerprint(line: &str, s: &Scalar<FieldClass>, written: &str) -> Option<Splice> {
    if let Some((_, rest)) = written.split_once(',') {
        return Some(Splice::String(s.span.clone(), rest.to_string()));
    }
    const OPEN: &str = "\"anonymize\":{\"key\":\"";
    const LOGWARD: &str = "\"logward\":{";
    let (start, end) = (s.span.start.checked_sub(OPEN.len())?, s.span.end + 2);
    if !line[..s.span.start].ends_with(OPEN) || line.get(s.span.end..end) != Some("\"}") {
        return None;
    }
    let (mut from, mut to) = (start, end);
    if line[..from].ends_with(LOGWARD) && line[to..].starts_with('}') {
        from -= LOGWARD.len();
        to += 1;
    }
    if line[..from].ends_with(',') {
        from -= 1;
    } else if line[to..].starts_with(',') {
        to += 1;
    }
    Some(Splice::Raw(from..to, Vec::new()))
}

/// Where text no rule knows still looks like a secret (high entropy): each string's path,
/// the token's offset in it, its length and entropy. Never the token itself.
fn suspicious(
    line: &str,
    scalars: &[Scalar<FieldClass>],
    new: &[Option<String>],
    paths: &[String],
) -> Vec<(String, u32, u32, f32)> {
    let mut out = Vec::new();
    for ((s, n), path) in scalars.iter().zip(new).zip(paths) {
        if !s.string || matches!(s.class, FieldClass::Secret(_) | FieldClass::Fingerprint) {
            continue;
        }
        // The text as written; where it changed, the original too: a token anonymize wrote
        // (a re-encoded `Basic` blob) is not text that remained.
        let (text, original) = match n {
            Some(t) => (std::borrow::Cow::Borrowed(t.as_str()), Some(s.text_lossy(line))),
            None => (s.text_lossy(line), None),
        };
        let b = text.as_bytes();
        let token = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'~');
        let mut i = 0;
        while i < b.len() {
            if !token(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && token(b[i]) {
                i += 1;
            }
            // Inside a marker or after a path separator it is not a value.
            if text[..start].ends_with("[REDACTED:") {
                continue;
            }
            if original.as_deref().is_some_and(|o| !o.contains(&text[start..i])) {
                continue;
            }
            if let Some(e) = secrets::looks_like_secret(&text[start..i]) {
                out.push((path.clone(), start as u32, (i - start) as u32, e as f32));
            }
        }
    }
    out
}

/// Whether `needle` occurs in `hay` as a whole token.
fn contains_token(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find_iter(hay, needle).any(|at| text::is_token(hay, at, at + needle.len()))
}

impl Anonymizer {
    /// Writes `--risk-report` once the output is complete: with an output file, every
    /// replaced value is also searched for in the whole file.
    pub fn write_risk_report(&self, mut state: RiskState, output: Option<&std::path::Path>) -> anyhow::Result<()> {
        let Some(path) = &self.opts.risk_report else { return Ok(()) };
        if let Some(out) = output.filter(|p| *p != std::path::Path::new("-") && p.is_file()) {
            state.check_output(out)?;
        }
        let quasi = &self.opts.pseudonymizer.policy.quasi_identifiers;
        let report = state.report(quasi, &self.opts.domain, &self.opts.pseudonymizer.time);
        let text = serde_json::to_string_pretty(&report)? + "\n";
        crate::io::files::write_atomic(path, text.as_bytes(), "risk report")?;
        if !self.opts.quiet {
            eprint!("{}", state.summary(quasi));
        }
        Ok(())
    }
}

impl EventStage for Anonymizer {
    type Worker = Scratch;
    type Pending = EventRisk;
    type Ordered = RiskState;
    /// The risk state after the last event, for `write_risk_report`.
    type Summary = RiskState;

    fn worker(&self) -> Scratch {
        Scratch {
            scalars: Vec::new(),
            keys: Vec::new(),
            objects: Vec::new(),
            new: Vec::new(),
            classes: FastMap::default(),
            recent: vec![(String::new(), FieldClass::Of(Category::Keep)); RECENT_SLOTS],
            key_shapes: FastMap::default(),
            key_buf: Vec::new(),
            ctx: Ctx::default(),
        }
    }

    fn process(
        &self,
        scratch: &mut Scratch,
        _file: &InputFile,
        line: &LineRef<'_>,
        out: &mut Records<EventRisk>,
    ) -> Outcome {
        let mut risk = self.opts.risk_report.is_some().then(EventRisk::default);
        match self.rewrite(scratch, line.text, &mut out.bytes, risk.as_mut()) {
            Ok(()) => {
                if let Some(risk) = risk {
                    out.mark(risk);
                }
                Outcome::Emitted
            }
            Err(reason) => Outcome::Rejected(reason),
        }
    }

    fn complete(&self, state: &mut RiskState, pending: EventRisk, _out: &mut Vec<u8>) {
        state.add(pending);
    }

    fn finish(&self, state: RiskState, _out: &mut dyn std::io::Write) -> anyhow::Result<RiskState> {
        Ok(state)
    }

    /// A rejected line may hold the very data this stage hides: never echo it.
    fn echo_rejected(&self) -> bool {
        false
    }
}
