//! `logward score`: the model loaded and checked against the options, and the scoring (or
//! the feature export) run.

use super::export::ExportOptions;
use super::model::Model;
use super::{FeatureExport, ScoreOptions, Scorer};
use crate::cli::ScoreArgs;
use crate::io;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `logward score`.
pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let stride = args.stride as usize;
    let fields = |default: &str| -> Vec<String> {
        let given: Vec<String> =
            args.session_field.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        if given.is_empty() {
            default.split(',').map(str::to_string).collect()
        } else {
            given
        }
    };
    if args.print_session_field {
        let model = args.model.as_deref().unwrap_or("linux-auth");
        let default = if args.export_features.is_some() && args.model.is_none() {
            "logward.session.id".to_string()
        } else {
            Model::load_meta(model)?.session_field
        };
        println!("{}", fields(&default).join(","));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.export_features {
        // A model's vocabulary and weights when one is named, else learned from the data.
        let model = args.model.as_deref().map(|m| Model::load(m, 1)).transpose()?;
        let window = model.as_ref().map(|m| m.meta.window).or(args.window).unwrap_or(8);
        check_window(args.window, window)?;
        let session_fields = fields(model.as_ref().map_or("logward.session.id", |m| m.meta.session_field.as_str()));
        let fixed = model.map(|m| (m.meta.vocabulary, m.meta.idf));
        let stage = FeatureExport::new(ExportOptions {
            path: path.clone(),
            window,
            stride,
            session_fields,
            fixed,
            quiet: args.common.quiet,
        });
        let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
        let mut opts = args.common.run_options();
        opts.side.write("--export-features", path);
        model_paths(args.model.as_deref(), &mut opts);
        let (summary, ()) = io::run_events(&stage, stage.rows(), "score", sources, &opts)?;
        return Ok(io::exit_code(summary));
    }
    let threads = if args.common.threads == 0 { num_cpus::get() } else { args.common.threads };
    let model = Model::load(args.model.as_deref().unwrap_or("linux-auth"), threads)?;
    check_window(args.window, model.meta.window)?;
    let session_fields = fields(&model.meta.session_field);
    let (stage, state) = Scorer::new(ScoreOptions {
        model,
        mode: args.mode,
        emit: args.emit,
        session_fields,
        stride,
        explain: args.explain,
        quiet: args.common.quiet,
    })?;
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let mut opts = args.common.run_options();
    model_paths(args.model.as_deref(), &mut opts);
    let (summary, ()) = io::run_events(&stage, state, "score", sources, &opts)?;
    Ok(io::exit_code(summary))
}

/// A model given by path is read; no output may be its files.
fn model_paths(model: Option<&str>, opts: &mut io::RunOptions) {
    if let Some(m) = model.filter(|m| m.contains('/') || m.ends_with(".onnx") || m.ends_with(".json")) {
        let base = std::path::Path::new(m).with_extension("");
        opts.side.read("--model", &base.with_extension("json"));
        opts.side.read("--model", &base.with_extension("onnx"));
    }
}

/// A `--window` that differs from the model's is a mistake, not a request.
fn check_window(given: Option<usize>, model: usize) -> Result<()> {
    match given {
        Some(0) => anyhow::bail!("--window must be at least 1"),
        Some(w) if w != model => anyhow::bail!("--window {w}: the model was trained on windows of {model} events"),
        _ => Ok(()),
    }
}
