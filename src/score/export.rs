//! `logward score --export-features FILE`: the featurizer's output as NumPy arrays, the
//! training set of `models/train.py`. With `--model`, the model's vocabulary and IDF
//! weights are used (features to evaluate that model); without, both come from the data.

use super::features::{self, Features, CONTENT_DIMS, FEATURE_VERSION, FIRST_TEMPLATE, HASH_DIMS, UNKNOWN};
use super::npz::{Data, NpzWriter};
use super::sessions::Sessions;
use crate::fasthash::FastMap;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Records};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct FeatureExport {
    path: PathBuf,
    window: usize,
    stride: usize,
    session_fields: Vec<String>,
    /// A model's vocabulary and IDF weights, fixed; `None`: learned from the data.
    fixed: Option<(Vec<String>, Vec<f32>)>,
    quiet: bool,
    no_template: AtomicU64,
}

pub struct ExportOptions {
    pub path: PathBuf,
    pub window: usize,
    pub stride: usize,
    pub session_fields: Vec<String>,
    pub fixed: Option<(Vec<String>, Vec<f32>)>,
    pub quiet: bool,
}

/// The growing training set: one row per window.
pub struct Rows {
    sessions: Sessions,
    vocab: FastMap<String, i64>,
    vocabulary: Vec<String>,
    /// A readable label per token: a template's pattern, or the token itself.
    labels: Vec<String>,
    tokens: Vec<i64>,
    /// Raw counts until the end, when the IDF weights are known.
    content: Vec<f32>,
    session: Vec<i64>,
    end: Vec<i64>,
    /// Events with a word in each bucket, for the IDF weights.
    df: [u64; HASH_DIMS],
    events: u64,
}

impl FeatureExport {
    pub fn new(opts: ExportOptions) -> Self {
        FeatureExport {
            path: opts.path,
            window: opts.window,
            stride: opts.stride,
            session_fields: opts.session_fields,
            fixed: opts.fixed,
            quiet: opts.quiet,
            no_template: AtomicU64::new(0),
        }
    }
}

impl FeatureExport {
    /// The state of the ordered pass: the training set so far.
    pub fn rows(&self) -> Rows {
        let vocabulary = self.fixed.as_ref().map(|(v, _)| v.clone()).unwrap_or_default();
        let vocab = features::token_ids(&vocabulary);
        let labels = vocabulary.clone();
        Rows {
            sessions: Sessions::new(self.window, self.stride),
            vocab,
            vocabulary,
            labels,
            tokens: Vec::new(),
            content: Vec::new(),
            session: Vec::new(),
            end: Vec::new(),
            df: [0; HASH_DIMS],
            events: 0,
        }
    }
}

impl EventStage for FeatureExport {
    type Worker = ();
    type Pending = Features;
    type Ordered = Rows;
    type Summary = ();

    fn worker(&self) {}

    fn process(&self, _: &mut (), _file: &InputFile, line: &LineRef<'_>, out: &mut Records<Features>) -> Outcome {
        let mut f = match features::extract(line.text, &self.session_fields, true) {
            Ok(s) => s.features,
            Err(reason) => return Outcome::Rejected(reason),
        };
        f.words = Vec::new();
        if f.token.is_none() {
            self.no_template.fetch_add(1, Ordering::Relaxed);
            return Outcome::Skipped;
        }
        out.mark(f);
        Outcome::Emitted
    }

    fn complete(&self, rows: &mut Rows, f: Features, _out: &mut Vec<u8>) {
        let key = f.token.expect("only events with a token are marked");
        let next = FIRST_TEMPLATE + rows.vocabulary.len() as i64;
        let token = match rows.vocab.get(&key) {
            Some(&t) => t,
            None if self.fixed.is_some() => UNKNOWN,
            None => {
                let label = match (&f.template, f.pattern) {
                    (Some(t), Some(p)) if *t == key => p,
                    _ => key.clone(),
                };
                rows.vocab.insert(key.clone(), next);
                rows.vocabulary.push(key);
                rows.labels.push(label);
                next
            }
        };
        rows.events += 1;
        for (d, x) in rows.df.iter_mut().zip(&f.content[..HASH_DIMS]) {
            *d += (*x > 0.0) as u64;
        }
        let session = rows.sessions.enter(f.session.as_deref().unwrap_or(""));
        if rows.sessions.push(session, token, &mut rows.tokens) {
            rows.content.extend_from_slice(&f.content[..]);
            rows.session.push(session as i64);
            rows.end.push(0);
        }
    }

    fn finish(&self, mut rows: Rows, _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        for i in 0..rows.sessions.list.len() {
            rows.sessions.end_window(i, &mut rows.tokens);
            rows.content.extend_from_slice(&[0.0; CONTENT_DIMS]);
            rows.session.push(i as i64);
            rows.end.push(1);
        }
        let idf = match &self.fixed {
            Some((_, idf)) => idf.clone(),
            None => features::idf(&rows.df, rows.events),
        };
        for row in rows.content.chunks_exact_mut(CONTENT_DIMS) {
            features::weigh(row, &idf);
        }
        let n = rows.session.len();
        let mut npz = NpzWriter::create(&self.path)?;
        npz.add("tokens", &[n, self.window], Data::I64(&rows.tokens))?;
        npz.add("content", &[n, CONTENT_DIMS], Data::F32(&rows.content))?;
        npz.add("session", &[n], Data::I64(&rows.session))?;
        npz.add("end", &[n], Data::I64(&rows.end))?;
        npz.add("vocabulary", &[rows.vocabulary.len()], Data::Text(&rows.vocabulary))?;
        npz.add("labels", &[rows.labels.len()], Data::Text(&rows.labels))?;
        npz.add("idf", &[HASH_DIMS], Data::F32(&idf))?;
        npz.add("window", &[1], Data::I64(&[self.window as i64]))?;
        npz.add("feature_version", &[1], Data::I64(&[FEATURE_VERSION as i64]))?;
        let fields = [self.session_fields.join(",")];
        npz.add("session_field", &[1], Data::Text(&fields))?;
        npz.finish()?;
        if !self.quiet {
            eprintln!(
                "logward score: wrote {} windows ({} events, {} sessions, {} tokens, window {}) to {}",
                n,
                rows.events,
                rows.sessions.list.len(),
                rows.vocabulary.len(),
                self.window,
                self.path.display()
            );
            let skipped = self.no_template.load(Ordering::Relaxed);
            if skipped > 0 {
                eprintln!("logward score: {skipped} events had neither an event.action (or code, category, HTTP request) nor a logward.template.id and were left out (run logward parse first)");
            }
        }
        Ok(())
    }
}
