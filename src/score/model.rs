//! A trained model: its metadata (`<name>.json`), its ONNX graph (`<name>.onnx`) run by
//! ONNX Runtime through `ort`, and the severity scale its thresholds define.

use super::features::{token_ids, CONTENT_DIMS, END, FEATURE_VERSION, FIRST_TEMPLATE, PAD, UNKNOWN};
use crate::fasthash::FastMap;
use anyhow::{bail, Context, Result};
use ort::session::Session;
use ort::value::{Tensor, ValueType};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Models compiled into the binary: (name, metadata, ONNX graph).
const SHIPPED: [(&str, &str, &[u8]); 2] = [
    ("hdfs", include_str!("../../models/hdfs.json"), include_bytes!("../../models/hdfs.onnx")),
    ("linux-auth", include_str!("../../models/linux-auth.json"), include_bytes!("../../models/linux-auth.onnx")),
];

/// Names of the shipped models, for `--help` and errors.
pub fn shipped_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(n, _, _)| *n).collect()
}

/// Severity levels, lowest first; an event reaches a level when its score is at or above
/// the level's threshold (the 85th, 95th, 99th and 99.9th percentiles of training error).
pub const SEVERITIES: [&str; 5] = ["none", "low", "medium", "high", "critical"];

/// The metadata `models/train.py` writes beside each ONNX file.
#[derive(Debug, Deserialize)]
pub struct Meta {
    pub name: String,
    pub feature_version: u32,
    pub window: usize,
    pub content_dims: usize,
    /// Tokens (meanings and template ids); token `FIRST_TEMPLATE + i` is `vocabulary[i]`.
    pub vocabulary: Vec<String>,
    /// What each token reads as for an analyst (a template's pattern), where known.
    #[serde(default)]
    pub labels: Vec<String>,
    pub idf: Vec<f32>,
    pub session_field: String,
    pub thresholds: Thresholds,
}

#[derive(Debug, Deserialize)]
pub struct Thresholds {
    pub sequence: Levels,
    /// `None` when the training events had no content to learn from (HDFS key sequences).
    pub single: Option<Levels>,
    /// The single-event model's scores on normal events whose token it never saw in training
    /// (held out while a probe model trained): the scale of events outside the vocabulary.
    /// `None` in models without a content model, whose unknown tokens are scored by the
    /// sequence model as the most surprising token.
    #[serde(default)]
    pub unknown: Option<Levels>,
}

/// Thresholds for one model output: per scored unit (window or event) and per session
/// (the maximum over its units).
#[derive(Debug, Deserialize, Clone, Copy)]
pub struct Levels {
    pub unit: Scale,
    pub session: Scale,
}

/// The four percentiles `[p85, p95, p99, p99.9]` of training error.
#[derive(Debug, Deserialize, Clone, Copy)]
pub struct Scale(pub [f32; 4]);

impl Scale {
    /// Index into [`SEVERITIES`].
    pub fn severity(&self, score: f32) -> usize {
        self.0.iter().take_while(|&&t| score >= t).count()
    }

    /// The score in units of the `high` threshold, so two models' scores can be compared.
    pub fn relative(&self, score: f32) -> f32 {
        score / self.0[2].max(f32::MIN_POSITIVE)
    }

    /// A score of this scale carried onto `to` by its percentiles: piecewise linear between
    /// the four thresholds (and from 0 to the first), so a score at this scale's 99th
    /// percentile lands on `to`'s, and linear beyond the last at the ratio of the last
    /// thresholds. Monotonic, so ranks within this scale are kept.
    pub fn carry(&self, score: f32, to: &Scale) -> f32 {
        let (a, b) = (&self.0, &to.0);
        if !score.is_finite() {
            return score;
        }
        if score <= a[0] {
            return if a[0] > 0.0 { score.max(0.0) / a[0] * b[0] } else { b[0] };
        }
        for i in 0..3 {
            if score <= a[i + 1] {
                let span = (a[i + 1] - a[i]).max(f32::MIN_POSITIVE);
                return b[i] + (score - a[i]) / span * (b[i + 1] - b[i]);
            }
        }
        b[3] + (score - a[3]) * (b[3] / a[3].max(f32::MIN_POSITIVE))
    }
}

/// A loaded model, ready to score batches.
pub struct Model {
    pub meta: Meta,
    vocab: FastMap<String, i64>,
    /// The datasets of the meaning tokens in the vocabulary (`system.auth` of
    /// `system.auth//ssh_login/success`): the domains the model knows.
    datasets: FastMap<String, ()>,
    session: Session,
    /// The graph also gives per-position losses and per-feature errors (explanations, and
    /// sequence scores that leave unknown positions out).
    pub has_token_loss: bool,
    pub has_content_error: bool,
    /// Keeps ONNX Runtime's environment alive as long as the session.
    _env: ort::environment::Environment,
}

/// Scores of one batch: the sequence model's per window, the single-event model's per event;
/// and, from graphs that have them, each window position's loss (`n × window`) and each
/// content feature's squared error (`n × CONTENT_DIMS`).
pub struct Scores {
    pub sequence: Vec<f32>,
    pub single: Vec<f32>,
    pub token_loss: Option<Vec<f32>>,
    pub content_error: Option<Vec<f32>>,
}

impl Model {
    /// Loads a shipped model by name, or `<path>.json` + `<path>.onnx` from a path given with
    /// or without either extension.
    pub fn load(spec: &str, threads: usize) -> Result<Model> {
        let (meta_text, onnx) = match SHIPPED.iter().find(|(n, _, _)| *n == spec) {
            Some((_, meta, onnx)) => (meta.to_string(), onnx.to_vec()),
            None => read_pair(spec)?,
        };
        let meta: Meta =
            serde_json::from_str(&meta_text).with_context(|| format!("model '{spec}': metadata is not valid"))?;
        check_meta(&meta, spec)?;
        let env = ort_environment()?;
        let session = Session::builder(&env)
            .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
            .and_then(|mut b| b.commit_from_memory(&onnx))
            .with_context(|| format!("model '{spec}': ONNX Runtime cannot load the graph"))?;
        let vocab = token_ids(&meta.vocabulary);
        let datasets =
            meta.vocabulary.iter().filter_map(|t| t.split_once('/').map(|(d, _)| (d.to_string(), ()))).collect();
        let has = |name: &str| session.outputs().iter().any(|o| o.name() == name);
        let (has_token_loss, has_content_error) = (has("token_loss"), has("content_error"));
        let model = Model { meta, vocab, datasets, session, has_token_loss, has_content_error, _env: env };
        model.check_graph(spec)?;
        Ok(model)
    }

    /// A model's metadata alone (no ONNX Runtime needed), checked as `load` checks it.
    pub fn load_meta(spec: &str) -> Result<Meta> {
        let meta_text = match SHIPPED.iter().find(|(n, _, _)| *n == spec) {
            Some((_, meta, _)) => meta.to_string(),
            None => read_pair(spec)?.0,
        };
        let meta: Meta =
            serde_json::from_str(&meta_text).with_context(|| format!("model '{spec}': metadata is not valid"))?;
        check_meta(&meta, spec)?;
        Ok(meta)
    }

    /// The token of a template id (unknown templates share one token).
    pub fn token(&self, template: &str) -> i64 {
        self.vocab.get(template).copied().unwrap_or(UNKNOWN)
    }

    /// Whether a meaning token's dataset is one the model learned (an unseen action there is
    /// an unseen kind of event; a dataset it never saw is outside its domain).
    pub fn knows_dataset(&self, token: &str) -> bool {
        token.split_once('/').is_some_and(|(d, _)| self.datasets.contains_key(d))
    }

    pub fn vocabulary_size(&self) -> usize {
        self.meta.vocabulary.len()
    }

    /// What a token reads as: its label (a template's pattern) or its vocabulary entry.
    pub fn token_text(&self, token: i64) -> &str {
        match token {
            PAD => "(padding)",
            UNKNOWN => "(an event outside the model)",
            END => "(end of session)",
            t => {
                let i = (t - FIRST_TEMPLATE) as usize;
                self.meta.labels.get(i).filter(|l| !l.is_empty()).or(self.meta.vocabulary.get(i)).map_or("?", |s| s)
            }
        }
    }

    /// Runs one batch: `tokens` is `n × window`, `content` is `n × CONTENT_DIMS`.
    pub fn score(&mut self, tokens: Vec<i64>, content: Vec<f32>) -> Result<Scores> {
        let n = tokens.len() / self.meta.window;
        let tokens = Tensor::from_array(([n, self.meta.window], tokens))?;
        let content = Tensor::from_array(([n, CONTENT_DIMS], content))?;
        let out = self.session.run(ort::inputs!["tokens" => tokens, "content" => content])?;
        let sequence = out["sequence_score"].try_extract_tensor::<f32>()?.1.to_vec();
        let single = out["single_score"].try_extract_tensor::<f32>()?.1.to_vec();
        let optional = |name: &str| -> Result<Option<Vec<f32>>> {
            match out.get(name) {
                Some(v) => Ok(Some(v.try_extract_tensor::<f32>()?.1.to_vec())),
                None => Ok(None),
            }
        };
        let token_loss = if self.has_token_loss { optional("token_loss")? } else { None };
        let content_error = if self.has_content_error { optional("content_error")? } else { None };
        Ok(Scores { sequence, single, token_loss, content_error })
    }

    /// The graph must take the inputs the metadata describes and carry the same vocabulary,
    /// so a `.json` from another training run is caught before it scores anything.
    fn check_graph(&self, spec: &str) -> Result<()> {
        let dims = |name: &str| -> Option<Vec<i64>> {
            let input = self.session.inputs().iter().find(|i| i.name() == name)?;
            match input.dtype() {
                ValueType::Tensor { shape, .. } => Some(shape.iter().copied().collect()),
                _ => None,
            }
        };
        let window = self.meta.window as i64;
        if dims("tokens").as_deref().map(|d| d.get(1) == Some(&window)) != Some(true) {
            bail!("model '{spec}': the ONNX graph's 'tokens' input is not [batch, {window}] as the metadata says");
        }
        if dims("content").as_deref().map(|d| d.get(1) == Some(&(CONTENT_DIMS as i64))) != Some(true) {
            bail!("model '{spec}': the ONNX graph's 'content' input is not [batch, {CONTENT_DIMS}]");
        }
        for out in ["sequence_score", "single_score"] {
            if !self.session.outputs().iter().any(|o| o.name() == out) {
                bail!("model '{spec}': the ONNX graph has no '{out}' output");
            }
        }
        let custom = self.session.metadata()?.custom("logward.vocabulary");
        let graph_vocab: Option<Vec<String>> = custom.as_deref().and_then(|v| serde_json::from_str(v).ok());
        if graph_vocab.as_ref() != Some(&self.meta.vocabulary) {
            bail!("model '{spec}': the ONNX graph and its metadata come from different training runs (vocabularies differ); use the .onnx and .json written together");
        }
        Ok(())
    }
}

fn check_meta(meta: &Meta, spec: &str) -> Result<()> {
    if meta.feature_version != FEATURE_VERSION {
        bail!(
            "model '{spec}' was trained on features version {}, this logward computes version {FEATURE_VERSION}: retrain it (models/train.py)",
            meta.feature_version
        );
    }
    if meta.content_dims != CONTENT_DIMS || meta.idf.len() != super::features::HASH_DIMS {
        bail!(
            "model '{spec}': metadata has {} content features and {} IDF weights, expected {CONTENT_DIMS} and {}",
            meta.content_dims,
            meta.idf.len(),
            super::features::HASH_DIMS
        );
    }
    if meta.window == 0 || meta.window > 256 {
        bail!("model '{spec}': window {} is out of range", meta.window);
    }
    Ok(())
}

/// Reads `<base>.json` and `<base>.onnx`, where `spec` is either file or their shared stem.
fn read_pair(spec: &str) -> Result<(String, Vec<u8>)> {
    let path = Path::new(spec);
    let base = match path.extension().and_then(|e| e.to_str()) {
        Some("json" | "onnx") => path.with_extension(""),
        _ => path.to_path_buf(),
    };
    let (json, onnx) = (base.with_extension("json"), base.with_extension("onnx"));
    if !json.exists() && !onnx.exists() {
        bail!(
            "no model '{spec}': name a shipped model ({}) or a trained model's .onnx/.json path",
            shipped_names().join(", ")
        );
    }
    let limit = crate::io::files::limits::MODEL;
    let meta = crate::io::files::read_text_limited(&json, "model metadata", limit, None)
        .with_context(|| format!("model '{spec}'"))?;
    let graph =
        crate::io::files::read_limited(&onnx, "model graph", limit, None).with_context(|| format!("model '{spec}'"))?;
    Ok((meta, graph))
}

/// Loads the ONNX Runtime library: `ORT_DYLIB_PATH` when set, else the first of the places
/// in [`runtime_candidates`] that holds it, else the system's library path.
fn ort_environment() -> Result<ort::environment::Environment> {
    let path = match std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => {
            runtime_candidates().into_iter().find(|p| p.is_file()).unwrap_or_else(|| PathBuf::from("libonnxruntime.so"))
        }
    };
    let missing = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "logward score needs the ONNX Runtime library (libonnxruntime.so 1.{} or newer): run scripts/fetch-onnxruntime.sh (make setup) or set ORT_DYLIB_PATH to it ({e})",
            ort::MINOR_VERSION
        )
    };
    let builder = ort::init_from(&path).map_err(|e| missing(&e))?;
    builder.with_name("logward").with_telemetry(false).build().map_err(|e| missing(&e))
}

/// Where `scripts/fetch-onnxruntime.sh` installs the library, then beside the executable.
pub fn runtime_candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    if let Some(d) = data {
        paths.push(d.join("logward/onnxruntime/libonnxruntime.so"));
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        paths.push(dir.join("libonnxruntime.so"));
        paths.push(dir.join("../lib/libonnxruntime.so"));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_counts_the_thresholds_reached() {
        let s = Scale([1.0, 2.0, 3.0, 4.0]);
        let got: Vec<&str> = [0.5, 1.0, 2.5, 3.0, 9.0].iter().map(|&x| SEVERITIES[s.severity(x)]).collect();
        assert_eq!(got, ["none", "low", "medium", "high", "critical"]);
        assert_eq!(s.relative(6.0), 2.0);
    }

    #[test]
    fn carrying_a_score_maps_percentile_onto_percentile() {
        let from = Scale([1.0, 2.0, 3.0, 4.0]);
        let to = Scale([10.0, 20.0, 40.0, 80.0]);
        let got: Vec<f32> = [0.0, 0.5, 1.0, 2.5, 3.0, 4.0, 5.0].iter().map(|&x| from.carry(x, &to)).collect();
        assert_eq!(got, [0.0, 5.0, 10.0, 30.0, 40.0, 80.0, 100.0]);
        for x in [0.2f32, 1.7, 3.3, 9.0] {
            assert_eq!(to.severity(from.carry(x, &to)), from.severity(x), "severities agree at {x}");
        }
    }
}
