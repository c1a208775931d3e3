//! `logward anonymize`: keyed, deterministic, format-preserving pseudonymization of ECS
//! events. Every line is rewritten in place: sensitive values change, every other byte
//! (field order, numbers, spacing, non-sensitive strings) is copied as it was.

pub mod command;
pub mod fpe;
pub mod ip;
pub mod key;
pub mod names;
pub mod pfx;
pub mod policy;
pub mod risk;
pub mod shift;
pub mod text;
pub mod values;

use crate::event::edit::Splicer;
use crate::event::scan::{self as json, Scalar};
use crate::fasthash::FastMap;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Reason, Records};
use fpe::Dir;
use policy::{secret_type, Category, SECRET_TYPES};
use risk::{EventRisk, RiskState};
use std::path::PathBuf;
use values::{Ctx, Pseudonymizer};

pub struct AnonymizeOptions {
    pub pseudonymizer: Pseudonymizer,
    pub dir: Dir,
    pub risk_report: Option<PathBuf>,
    pub domain: String,
    pub quiet: bool,
}

pub struct Anonymizer {
    opts: AnonymizeOptions,
}

/// What the policy says of a field path, worked out once per path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FieldClass {
    /// A field of this category.
    Of(Category),
    /// Free text that rarely repeats (a whole line or message): not worth caching.
    UniqueText,
    /// A secret of type `SECRET_TYPES[i]`.
    Secret(u8),
}

impl FieldClass {
    fn category(self) -> Category {
        match self {
            FieldClass::Of(c) => c,
            FieldClass::UniqueText => Category::Text,
            FieldClass::Secret(_) => Category::Secret,
        }
    }
}

const UNIQUE_TEXT_FIELDS: [&str; 4] = ["message", "event.original", "error.message", "error.stack_trace"];

/// Per worker: the scalars of the current line, and each field path's class (paths repeat
/// on every line; classifying one walks the policy's maps and prefixes).
pub struct Scratch {
    scalars: Vec<Scalar<FieldClass>>,
    /// The new text of each scalar, if it changes.
    new: Vec<Option<String>>,
    classes: FastMap<Box<str>, FieldClass>,
    /// Recent paths and their classes, one per slot of a cheap hash of the path: an
    /// event's few dozen paths are found here without hashing every byte or allocating,
    /// whatever order and mix of shapes the lines come in.
    recent: Vec<(String, FieldClass)>,
    /// The event's context, kept between events for its memory.
    ctx: Ctx,
}

const RECENT_SLOTS: usize = 256;

impl Anonymizer {
    pub fn new(opts: AnonymizeOptions) -> Anonymizer {
        Anonymizer { opts }
    }

    fn class_of(&self, path: &str) -> FieldClass {
        match self.opts.pseudonymizer.policy.classify(path) {
            Category::Secret => {
                let last = path.rsplit('.').next().unwrap_or(path);
                FieldClass::Secret(SECRET_TYPES.iter().position(|t| *t == secret_type(last)).expect("known type") as u8)
            }
            Category::Text if UNIQUE_TEXT_FIELDS.contains(&path) => FieldClass::UniqueText,
            c => FieldClass::Of(c),
        }
    }

    /// Rewrites one event into `out`; the error says why the line is not a JSON object.
    fn rewrite(
        &self,
        scratch: &mut Scratch,
        line: &str,
        out: &mut Vec<u8>,
        risk: Option<&mut EventRisk>,
    ) -> Result<(), Reason> {
        {
            let Scratch { scalars, new, classes, recent, ctx } = scratch;
            scalars.clear();
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
            let scanned = json::scan(line, &mut classify, scalars);
            scanned?;
            let p = &self.opts.pseudonymizer;
            let dir = self.opts.dir;
            ctx.reset(track);
            new.clear();
            new.resize(scalars.len(), None);
            // Structured values first, so free text knows the event's user and host names.
            for pass_text in [false, true] {
                for (i, s) in scalars.iter().enumerate() {
                    let cat = s.class.category();
                    let secret = match s.class {
                        FieldClass::Secret(i) => Some(SECRET_TYPES[i as usize]),
                        _ => None,
                    };
                    ctx.unique_text = s.class == FieldClass::UniqueText;
                    if cat == Category::Keep || (cat == Category::Text) != pass_text {
                        continue;
                    }
                    if !s.string && cat != Category::NumericId {
                        continue;
                    }
                    let value = s.text(line).unwrap_or_default();
                    new[i] = match secret {
                        Some(kind) => p.secret(dir, &value, kind, ctx),
                        None => p.field(dir, cat, &value, ctx),
                    };
                }
            }
            let start = out.len();
            let mut splice = Splicer::new(line, out);
            for (s, replacement) in scalars.iter().zip(new.iter()) {
                if let Some(r) = replacement {
                    if s.string {
                        splice.replace_string(s.span.clone(), r);
                    } else {
                        splice.replace_raw(s.span.clone(), r.as_bytes());
                    }
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
                risk.quasi = self.quasi_key(line, scalars, new, &paths);
                risk.fields =
                    paths.into_iter().zip(scalars.iter()).map(|(path, s)| (path, s.class.category())).collect();
                risk.found = std::mem::take(&mut ctx.found);
            }
            out.push(b'\n');
            Ok(())
        }
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
            new: Vec::new(),
            classes: FastMap::default(),
            recent: vec![(String::new(), FieldClass::Of(Category::Keep)); RECENT_SLOTS],
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
