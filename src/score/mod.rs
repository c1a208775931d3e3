//! `logward score`: anomaly scores from autoencoders trained on normal logs (models/train.py),
//! exported to ONNX and run through ONNX Runtime.
//!
//! Workers read each event and compute its features in parallel; the ordered pass puts
//! events into their sessions' windows and scores each chunk's windows in one model call.
//! `--export-features` runs the same featurizer and writes the training tensors instead.

pub mod command;
pub mod export;
pub mod features;
pub mod model;
mod npz;
mod sessions;

pub use export::FeatureExport;

use crate::event;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Records};
use features::{Features, CONTENT_DIMS, PAD, UNKNOWN};
use model::{Levels, Model, SEVERITIES};
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
            return Ok(model::Scores { sequence: Vec::new(), single: Vec::new() });
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
        let scanned = match features::extract(line.text, &self.session_fields) {
            Ok(s) => s,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let mut features = scanned.features;
        features::weigh(&mut features.content[..], &self.idf);
        if features.session.is_none() {
            self.no_session.fetch_add(1, Ordering::Relaxed);
        }
        if features.template.is_none() {
            self.no_template.fetch_add(1, Ordering::Relaxed);
        }
        let scorable = features.template.is_some() || self.uses_single();
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
        let (mut tokens, mut content) = (Vec::new(), Vec::new());
        // For each item: its session, its row in the batch, and whether that row's
        // sequence score is its own window's (else it carries the session's last one).
        let mut plan = Vec::with_capacity(items.len());
        for it in items.iter_mut() {
            let f = &it.features;
            let session = st.sessions.enter(f.session.as_deref().unwrap_or(""));
            st.events += 1;
            let mut fresh = false;
            let rows = tokens.len() / window;
            let mut at = None;
            if let (Some(t), true) = (&f.template, self.uses_sequence()) {
                let token = st.model.token(t);
                st.unknown += (token == UNKNOWN) as u64;
                fresh = st.sessions.push(session, token, &mut tokens);
                at = st.sessions.list[session].last_window;
            }
            let row = if fresh || self.uses_single() {
                if !fresh {
                    tokens.extend(std::iter::repeat_n(PAD, window));
                }
                content.extend_from_slice(&f.content[..]);
                Some(rows)
            } else {
                None
            };
            plan.push((session, row, fresh, at));
        }
        st.windows += plan.iter().filter(|p| p.2).count() as u64;
        let scores = match self.run(st, tokens, content) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("logward score: the model failed on a batch, its events pass through unscored: {e}");
                return;
            }
        };
        for (it, (session, row, fresh, window)) in items.into_iter().zip(plan) {
            let s = &mut st.sessions.list[session];
            if let (Some(r), true) = (row, fresh) {
                s.last_sequence = scores.sequence[r];
                s.max_sequence = s.max_sequence.max(scores.sequence[r]);
            }
            let single = row.filter(|_| self.uses_single()).map(|r| scores.single[r]);
            if let Some(x) = single {
                s.max_single = s.max_single.max(x);
            }
            let sequence = window.map(|_| s.last_sequence);
            let (score, severity) = self.fuse(sequence, single, false);
            st.by_severity[severity] += 1;
            it.result = Some(Scored { score, severity, session, window });
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
                let (score, severity) = self.fuse(sequence, single, true);
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
            let scores = self.run(st, tokens, content)?;
            for (&i, &x) in part.iter().zip(&scores.sequence) {
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
                "logward score: {no_template} events had no logward.template.id ({fate}; run logward parse first)"
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
            eprintln!(
                "logward score: {} events ({share:.1}%) have templates outside the model's {} (scored as unknown, which raises their scores)",
                st.unknown,
                st.model.vocabulary_size()
            );
        }
    }
}
