//! `logward score`: anomaly scores from autoencoders trained on normal logs (models/train.py),
//! exported to ONNX and run through ONNX Runtime.
//!
//! Workers read each event and compute its features in parallel; the ordered pass puts
//! events into their sessions' windows and scores each chunk's windows in one model call.
//! `--export-features` runs the same featurizer and writes the training tensors instead.

pub mod command;
mod explain;
pub mod export;
pub mod features;
pub mod model;
mod npz;
mod sessions;

pub use export::FeatureExport;

use crate::event;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Records};
use features::{Features, CONTENT_DIMS, PAD, UNKNOWN};
use model::{Levels, Model, Scale, SEVERITIES};
use serde_json::Value;
use sessions::Sessions;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Which model scores (`--mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The sequence autoencoder over each event's window of templates
    Sequence,
    /// The single-event autoencoder over each event's content
    Single,
    /// Both, fused: the larger score in units of each model's `high` threshold
    Both,
}

impl Mode {
    /// The name `--mode` takes.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequence => "sequence",
            Mode::Single => "single",
            Mode::Both => "both",
        }
    }
}

/// What comes out (`--emit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// Every event, with logward.anomaly added
    Events,
    /// One record per session at the end of the input
    Sessions,
}

pub struct ScoreOptions {
    pub model: Model,
    pub mode: Mode,
    pub emit: Emit,
    pub session_fields: Vec<String>,
    pub stride: usize,
    /// Write `logward.anomaly.explanation`: what drove each score.
    pub explain: bool,
    pub quiet: bool,
}

pub struct Scorer {
    mode: Mode,
    emit: Emit,
    session_fields: Vec<String>,
    quiet: bool,
    name: String,
    idf: Vec<f32>,
    sequence: Levels,
    single: Levels,
    /// The scale of events outside the vocabulary, scored by content; `None`: the model has
    /// no content model and scores unknown tokens in their windows.
    unknown: Option<Levels>,
    explain: bool,
    no_template: AtomicU64,
    no_session: AtomicU64,
}

/// One event on its way to the ordered pass.
pub struct Item {
    features: Features,
    result: Option<Scored>,
}

struct Scored {
    score: f32,
    severity: usize,
    session: usize,
    window: Option<(u64, u64)>,
    /// The event's token is outside the model's vocabulary.
    unknown: bool,
    explanation: Option<String>,
}

/// What the ordered pass decided for one event of a batch.
struct Plan {
    session: usize,
    /// Its row in the batch, when the model runs on it.
    row: Option<usize>,
    /// The row's window is the event's own (else the session's last score is carried).
    fresh: bool,
    window: Option<(u64, u64)>,
    unknown: bool,
    /// Scored by the content model alone, on the unknown scale.
    by_content: bool,
}

/// The ordered pass: the model, the sessions, and what the summary reports.
pub struct State {
    model: Model,
    sessions: Sessions,
    events: u64,
    unknown: u64,
    windows: u64,
    batches: u64,
    model_time: Duration,
    by_severity: [u64; 5],
}

/// Where the anomaly object goes: the worker writes the event with this placeholder, cuts
/// it out, and the ordered pass writes the object in its place. Its serialized form, with
/// unescaped quotes, cannot come from a string value, whose quotes are escaped.
const PLACEHOLDER: &str = "\u{0}logward-anomaly\u{0}";
const PLACEHOLDER_JSON: &[u8] = br#""anomaly":"\u0000logward-anomaly\u0000""#;

impl Scorer {
    /// The stage, and the state of its ordered pass, which alone runs the model.
    pub fn new(opts: ScoreOptions) -> anyhow::Result<(Scorer, State)> {
        let meta = &opts.model.meta;
        let t = &meta.thresholds;
        let single = match (t.single, opts.mode) {
            (Some(levels), _) => levels,
            (None, Mode::Sequence) => t.sequence,
            (None, mode) => anyhow::bail!(
                "model '{}' has no single-event model (its training events had no content): use --mode sequence, not {}",
                meta.name,
                mode.name()
            ),
        };
        if opts.explain && opts.emit == Emit::Sessions {
            anyhow::bail!("--explain explains events: use it with --emit events (the default), not --emit sessions");
        }
        let sessions = Sessions::new(meta.window, opts.stride);
        let scorer = Scorer {
            mode: opts.mode,
            emit: opts.emit,
            session_fields: opts.session_fields,
            quiet: opts.quiet,
            name: meta.name.clone(),
            idf: meta.idf.clone(),
            sequence: t.sequence,
            single,
            unknown: t.single.and(t.unknown),
            explain: opts.explain,
            no_template: AtomicU64::new(0),
            no_session: AtomicU64::new(0),
        };
        let state = State {
            model: opts.model,
            sessions,
            events: 0,
            unknown: 0,
            windows: 0,
            batches: 0,
            model_time: Duration::ZERO,
            by_severity: [0; 5],
        };
        Ok((scorer, state))
    }

    fn uses_sequence(&self) -> bool {
        self.mode != Mode::Single
    }

    fn uses_single(&self) -> bool {
        self.mode != Mode::Sequence
    }

    /// The reported score and severity from the two models' scores (`None`: not used).
    fn fuse(&self, sequence: Option<f32>, single: Option<f32>, session: bool) -> (f32, usize) {
        let scale = |l: &Levels| if session { l.session } else { l.unit };
        let (seq, one) = (scale(&self.sequence), scale(&self.single));
        match (self.mode, sequence, single) {
            (Mode::Sequence, Some(s), _) => (s, seq.severity(s)),
            (Mode::Single, _, Some(s)) => (s, one.severity(s)),
            (Mode::Both, Some(a), Some(b)) => {
                (seq.relative(a).max(one.relative(b)), seq.severity(a).max(one.severity(b)))
            }
            (Mode::Both, None, Some(b)) => (one.relative(b), one.severity(b)),
            _ => (0.0, 0),
        }
    }

    /// The reported score and severity of an event outside the vocabulary from its content
    /// score: on the unknown scale, carried onto the scale the mode reports.
    fn fuse_unknown(&self, unknown: &Levels, content: f32, session: bool) -> (f32, usize) {
        let pick = |l: &Levels| if session { l.session } else { l.unit };
        let from: Scale = pick(unknown);
        let score = match self.mode {
            Mode::Sequence => from.carry(content, &pick(&self.sequence)),
            Mode::Single => from.carry(content, &pick(&self.single)),
            Mode::Both => from.relative(content),
        };
        (score, from.severity(content))
    }

    /// Writes `{"score":..,"severity":..,...}`.
    fn write_anomaly(&self, out: &mut Vec<u8>, score: f32, severity: usize, session: &str) {
        out.extend_from_slice(b"{\"score\":");
        write_score(out, score);
        out.extend_from_slice(b",\"severity\":\"");
        out.extend_from_slice(SEVERITIES[severity].as_bytes());
        out.extend_from_slice(b"\",\"model\":");
        event::write_str(&self.name, out);
        out.extend_from_slice(b",\"session\":");
        event::write_str(session, out);
    }

    /// Runs the model on one batch, timing it for the summary.
    fn run(&self, st: &mut State, tokens: Vec<i64>, content: Vec<f32>) -> anyhow::Result<model::Scores> {
        if tokens.is_empty() {
            return Ok(model::Scores {
                sequence: Vec::new(),
                single: Vec::new(),
                token_loss: None,
                content_error: None,
            });
        }
        let started = Instant::now();
        let scores = st.model.score(tokens, content)?;
        st.model_time += started.elapsed();
        st.batches += 1;
        Ok(scores)
    }
}

/// Whether the text starts, after white space, with the `}` of an empty object.
fn starts_with_close(text: &str) -> bool {
    text.trim_start().starts_with('}')
}

/// Four decimals: enough to rank, and stable across batch sizes.
fn write_score(out: &mut Vec<u8>, score: f32) {
    let rounded = (score as f64 * 1e4).round() / 1e4;
    if rounded.is_finite() {
        out.extend_from_slice(serde_json::to_string(&rounded).expect("a finite number").as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

impl EventStage for Scorer {
    type Worker = ();
    type Pending = Item;
    type Ordered = State;
    type Summary = ();

    fn worker(&self) {}

    fn process(&self, _: &mut (), _file: &InputFile, line: &LineRef<'_>, out: &mut Records<Item>) -> Outcome {
        let scanned = match features::extract(line.text, &self.session_fields, self.explain) {
            Ok(s) => s,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let mut features = scanned.features;
        features::weigh(&mut features.content[..], &self.idf);
        if features.session.is_none() {
            self.no_session.fetch_add(1, Ordering::Relaxed);
        }
        if features.token.is_none() {
            self.no_template.fetch_add(1, Ordering::Relaxed);
        }
        let scorable = features.token.is_some() || self.uses_single();
        let item = Item { features, result: None };
        if self.emit == Emit::Sessions {
            if scorable {
                out.mark(item);
            }
            return Outcome::Emitted;
        }
        let text = line.text.trim_end();
        if !scorable {
            out.bytes.extend_from_slice(text.as_bytes());
        } else if scanned.scored {
            // Scored before: replace the old object, which means rewriting the event.
            let mut ev = match event::read_event(text, "score") {
                Ok(v) => v,
                Err(reason) => return Outcome::Rejected(reason),
            };
            event::set(&mut ev, "logward.anomaly", Value::String(PLACEHOLDER.into()));
            let start = out.bytes.len();
            serde_json::to_writer(&mut out.bytes, &ev).expect("a Value always serializes");
            let at = start
                + memchr::memmem::find(&out.bytes[start..], PLACEHOLDER_JSON)
                    .expect("the placeholder was just written");
            let tail = out.bytes[at + PLACEHOLDER_JSON.len()..].to_vec();
            out.bytes.truncate(at + b"\"anomaly\":".len());
            out.mark(item);
            out.bytes.extend_from_slice(&tail);
        } else {
            // Insert `"anomaly":{..}` as the first member of the `logward` object, or add
            // a `logward` object at the end; every other byte of the line stays as it was.
            let (at, before, after) = match scanned.logward_at {
                Some(at) => (at, "\"anomaly\":", if starts_with_close(&text[at..]) { "" } else { "," }),
                None => {
                    let close = text.len() - 1;
                    let empty = text[..close].trim_end().ends_with('{');
                    (close, if empty { "\"logward\":{\"anomaly\":" } else { ",\"logward\":{\"anomaly\":" }, "}")
                }
            };
            out.bytes.extend_from_slice(&text.as_bytes()[..at]);
            out.bytes.extend_from_slice(before.as_bytes());
            out.mark(item);
            out.bytes.extend_from_slice(after.as_bytes());
            out.bytes.extend_from_slice(&text.as_bytes()[at..]);
        }
        out.bytes.push(b'\n');
        Outcome::Emitted
    }

    fn prepare(&self, st: &mut State, mut items: Vec<&mut Item>) {
        let window = st.model.meta.window;
        let by_content = self.unknown.is_some();
        let (mut tokens, mut content) = (Vec::new(), Vec::new());
        let mut plan = Vec::with_capacity(items.len());
        for it in items.iter_mut() {
            let f = &it.features;
            let session = st.sessions.enter(f.session.as_deref().unwrap_or(""));
            st.events += 1;
            let token = f.token.as_deref().map(|t| st.model.token(t));
            let unknown = token == Some(UNKNOWN);
            // An action the model never saw in a dataset it knows is an unseen kind of event,
            // scored in its window; any other unknown token is scored by its content.
            let unseen_kind = unknown && f.meaning && f.token.as_deref().is_some_and(|t| st.model.knows_dataset(t));
            st.unknown += unknown as u64;
            let (mut fresh, mut at, mut content_only) = (false, None, false);
            if let (Some(t), true) = (token, self.uses_sequence()) {
                if unknown && by_content && !unseen_kind {
                    // A message the model never saw: scored from its content; its window
                    // position stays as context.
                    st.sessions.remember(session, t);
                    content_only = true;
                } else {
                    fresh = st.sessions.push(session, t, &mut tokens);
                    at = st.sessions.list[session].last_window;
                }
            }
            let content_only = content_only || (unknown && by_content && !self.uses_sequence() && !unseen_kind);
            let row = if fresh || self.uses_single() || content_only {
                let r = tokens.len() / window - (fresh as usize);
                if !fresh {
                    tokens.extend(std::iter::repeat_n(PAD, window));
                }
                content.extend_from_slice(&f.content[..]);
                Some(r)
            } else {
                None
            };
            plan.push(Plan { session, row, fresh, window: at, unknown, by_content: content_only });
        }
        st.windows += plan.iter().filter(|p| p.fresh).count() as u64;
        let scores = match self.run(st, tokens.clone(), content) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("logward score: the model failed on a batch, its events pass through unscored: {e}");
                return;
            }
        };
        for (it, p) in items.into_iter().zip(plan) {
            let mut reason = None;
            if let (Some(r), true) = (p.row, p.fresh) {
                let (x, why) = explain::window(&st.model, &scores, &tokens, r, by_content, self.explain);
                let s = &mut st.sessions.list[p.session];
                s.last_sequence = x;
                s.max_sequence = s.max_sequence.max(x);
                s.last_reason = why;
            }
            let s = &mut st.sessions.list[p.session];
            let single = p.row.filter(|_| self.uses_single() || p.by_content).map(|r| scores.single[r]);
            let (score, severity) = match (&self.unknown, single) {
                (Some(u), Some(x)) if p.by_content => {
                    s.max_unknown = s.max_unknown.max(x);
                    self.fuse_unknown(u, x, false)
                }
                _ => {
                    if let (Some(x), true) = (single, self.uses_single()) {
                        s.max_single = s.max_single.max(x);
                    }
                    let sequence = p.window.map(|_| s.last_sequence);
                    if p.window.is_some() && self.explain {
                        reason = s.last_reason.clone();
                    }
                    self.fuse(sequence, single, false)
                }
            };
            if self.explain {
                let words = match (p.row, single.is_some()) {
                    (Some(r), true) => explain::content(&scores, r, &it.features),
                    _ => None,
                };
                reason = explain::join(&st.model, &it.features, p.unknown, p.by_content, single, reason, words);
            }
            st.by_severity[severity] += 1;
            it.result = Some(Scored {
                score,
                severity,
                session: p.session,
                window: p.window,
                unknown: p.unknown,
                explanation: reason,
            });
        }
    }

    fn complete(&self, st: &mut State, item: Item, out: &mut Vec<u8>) {
        if self.emit == Emit::Sessions {
            return;
        }
        let Some(r) = item.result else {
            out.extend_from_slice(b"null");
            return;
        };
        self.write_anomaly(out, r.score, r.severity, &st.sessions.list[r.session].key);
        if let Some((first, last)) = r.window {
            out.extend_from_slice(format!(",\"window\":{{\"first\":{first},\"last\":{last}}}").as_bytes());
        }
        if r.unknown {
            out.extend_from_slice(b",\"unknown\":true");
        }
        if let Some(text) = &r.explanation {
            out.extend_from_slice(b",\"explanation\":");
            event::write_str(text, out);
        }
        out.push(b'}');
    }

    fn finish(&self, mut st: State, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        if self.emit == Emit::Sessions {
            if self.uses_sequence() {
                self.score_session_ends(&mut st)?;
            }
            let mut line = Vec::with_capacity(256);
            let mut counts = [0u64; 5];
            for s in &st.sessions.list {
                let sequence = (s.max_sequence > f32::NEG_INFINITY).then_some(s.max_sequence);
                let single = (s.max_single > f32::NEG_INFINITY).then_some(s.max_single);
                let (mut score, mut severity) = self.fuse(sequence, single, true);
                if let (Some(u), true) = (&self.unknown, s.max_unknown > f32::NEG_INFINITY) {
                    let (x, level) = self.fuse_unknown(u, s.max_unknown, true);
                    if sequence.is_none() && single.is_none() {
                        (score, severity) = (x, level);
                    } else {
                        (score, severity) = (score.max(x), severity.max(level));
                    }
                }
                counts[severity] += 1;
                line.clear();
                line.extend_from_slice(
                    br#"{"event":{"kind":"event","dataset":"logward.session"},"logward":{"anomaly":"#,
                );
                self.write_anomaly(&mut line, score, severity, &s.key);
                line.extend_from_slice(format!(",\"events\":{}}}}}}}\n", s.events).as_bytes());
                out.write_all(&line)?;
            }
            st.by_severity = counts;
        }
        if !self.quiet {
            self.summarize(&st);
        }
        Ok(())
    }
}

impl Scorer {
    /// Scores each session's end window (its last tokens, then the end token).
    fn score_session_ends(&self, st: &mut State) -> anyhow::Result<()> {
        const BATCH: usize = 4096;
        let window = st.model.meta.window;
        let ids: Vec<usize> = (0..st.sessions.list.len()).filter(|&i| st.sessions.list[i].tokens > 0).collect();
        for part in ids.chunks(BATCH) {
            let mut tokens = Vec::with_capacity(part.len() * window);
            for &i in part {
                st.sessions.end_window(i, &mut tokens);
            }
            let content = vec![0f32; part.len() * CONTENT_DIMS];
            st.windows += part.len() as u64;
            let scores = self.run(st, tokens.clone(), content)?;
            for (r, &i) in part.iter().enumerate() {
                let (x, _) = explain::window(&st.model, &scores, &tokens, r, self.unknown.is_some(), false);
                let s = &mut st.sessions.list[i];
                s.max_sequence = s.max_sequence.max(x);
            }
        }
        Ok(())
    }

    fn summarize(&self, st: &State) {
        let what = if self.emit == Emit::Sessions { "sessions" } else { "events" };
        let levels: Vec<String> =
            SEVERITIES.iter().zip(st.by_severity).filter(|(_, n)| *n > 0).map(|(s, n)| format!("{s} {n}")).collect();
        let per_batch = st.model_time.as_secs_f64() * 1e3 / st.batches.max(1) as f64;
        eprintln!(
            "logward score: model {} ({}, window {}): {} events in {} sessions, {} windows in {} batches ({per_batch:.2} ms per batch); {what} by severity: {}",
            self.name,
            self.mode.name(),
            st.model.meta.window,
            st.events,
            st.sessions.list.len(),
            st.windows,
            st.batches,
            if levels.is_empty() { "none".to_string() } else { levels.join(", ") }
        );
        let no_template = self.no_template.load(Ordering::Relaxed);
        if no_template > 0 && self.uses_sequence() {
            let fate = if self.mode == Mode::Both {
                "scored by the single-event model only"
            } else {
                "passed through unscored"
            };
            eprintln!(
                "logward score: {no_template} events had neither an event.action (or code, category, HTTP request) nor a logward.template.id ({fate}; run logward parse first)"
            );
        }
        let no_session = self.no_session.load(Ordering::Relaxed);
        if no_session > 0 {
            eprintln!(
                "logward score: {no_session} events had none of the session fields {} (scored as one shared session)",
                self.session_fields.join(",")
            );
        }
        if st.unknown > 0 {
            let share = st.unknown as f64 / st.events.max(1) as f64 * 100.0;
            let fate = if self.unknown.is_some() {
                "scored by the content model on its scale of unseen normal events, marked logward.anomaly.unknown"
            } else {
                "scored as the unknown token, which raises their scores; marked logward.anomaly.unknown"
            };
            eprintln!(
                "logward score: {} events ({share:.1}%) are outside the model's {} tokens ({fate})",
                st.unknown,
                st.model.vocabulary_size()
            );
        }
    }
}
