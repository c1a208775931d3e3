//! `logward report`: one streaming pass over any stage's NDJSON, summarized as Markdown,
//! self-contained HTML with SVG charts, JSON aggregates, or flattened CSV.

mod charts;
pub mod csv;
mod doc;
mod html;
mod markdown;
pub mod obs;
pub mod partial;
pub mod summary;
pub mod tally;
pub mod topk;

use crate::io::stage::Output;
use crate::io::{LineRef, Outcome, Reject, Source, Stage};
use crate::jsonscan::Scalar;
use anyhow::{Context, Result};
use obs::Obs;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tally::Tally;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown (tables, a text timeline)
    Md,
    /// One self-contained HTML file with inline SVG charts
    Html,
    /// Events flattened to one row each
    Csv,
    /// The aggregates
    Json,
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub format: ReportFormat,
    pub top: usize,
    pub rejects: Vec<PathBuf>,
    pub title: String,
    /// Also write each chart as a PNG file here.
    pub png_dir: Option<PathBuf>,
    pub quiet: bool,
    /// Write the partial summary (`--partial`) instead of a report.
    pub partial: bool,
}

pub struct Reporter {
    opts: ReportOptions,
    /// Input file names by id (files are opened in order by the reader).
    inputs: Mutex<Vec<String>>,
}

impl Reporter {
    pub fn new(opts: ReportOptions) -> Self {
        Reporter { opts, inputs: Mutex::new(Vec::new()) }
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<Scalar>> = const { RefCell::new(Vec::new()) };
}

impl Stage for Reporter {
    type File = u32;
    type Seq = ();
    type Pending = Obs;
    type Ordered = Tally;

    fn open_file(&self, source: &Source, _head: &[String]) -> (u32, ()) {
        let mut inputs = self.inputs.lock().expect("inputs lock");
        inputs.push(source.display());
        (inputs.len() as u32 - 1, ())
    }

    fn process(&self, file: &u32, _: &(), _: &Source, line: &LineRef<'_>, out: &mut Output<Obs>) -> Outcome {
        match SCRATCH.with(|s| Obs::read(line.text, *file, &mut s.borrow_mut())) {
            Ok(obs) => {
                out.mark(obs);
                Outcome::Emitted
            }
            Err(reason) => Outcome::Rejected(reason),
        }
    }

    fn ordered(&self) -> Result<Tally> {
        let mut tally = Tally::new(self.opts.top.max(1));
        for path in &self.opts.rejects {
            read_rejects(path, &mut tally)?;
        }
        Ok(tally)
    }

    fn complete(&self, tally: &mut Tally, obs: Obs, _out: &mut Vec<u8>) {
        if obs.file as usize >= tally.inputs.len() {
            tally.inputs = self.inputs.lock().expect("inputs lock").clone();
        }
        tally.add(&obs);
    }

    fn rejected(&self, tally: &mut Tally, r: &Reject) {
        tally.reject(&r.file, r.line, &r.reason);
    }

    fn finish(&self, tally: Tally, out: &mut dyn std::io::Write) -> Result<()> {
        if self.opts.partial {
            return partial::write(tally, out);
        }
        render(tally, &self.opts, out)
    }
}

/// The report of a tally in the chosen format (and its charts as PNG with `--png-dir`).
fn render(tally: Tally, opts: &ReportOptions, out: &mut dyn std::io::Write) -> Result<()> {
    let summary = tally.summarize();
    match opts.format {
        ReportFormat::Md => out.write_all(markdown::render(&summary, &opts.title).as_bytes())?,
        ReportFormat::Html => out.write_all(html::render(&summary, &opts.title)?.as_bytes())?,
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &summary)?;
            out.write_all(b"\n")?;
        }
        ReportFormat::Csv => unreachable!("CSV is written by csv::CsvExport"),
    }
    if let Some(dir) = &opts.png_dir {
        let n = write_pngs(&summary, dir)?;
        if !opts.quiet {
            eprintln!("logward report: wrote {n} charts as PNG to {}", dir.display());
        }
    }
    Ok(())
}

/// `report --merge`: reads the partial summaries in `inputs` (with `--rejects` files counted
/// once, here) and writes the report of their union, or with `opts.partial` their merged
/// partial summary (to merge in stages, as a tree).
pub fn merge(opts: &ReportOptions, inputs: &[String], output: Option<&Path>) -> Result<()> {
    let sources = crate::io::expand_inputs(inputs, false)?;
    let (mut tally, n) = partial::read_all(&sources)?;
    for path in &opts.rejects {
        read_rejects(path, &mut tally)?;
    }
    let kept = tally.ranked_rows();
    if !opts.quiet {
        eprintln!("logward report: merged {n} partial summaries of {} records", tally.records());
        if opts.top > kept && tally.scored() > kept as u64 && !opts.partial {
            eprintln!(
                "logward report: the most anomalous records are the top {kept} (the smallest --top the partial summaries were written with)"
            );
        }
    }
    if !opts.partial {
        tally.set_top(opts.top.max(1));
    }
    let mut out = crate::io::output::Output::open(output)?;
    if opts.partial {
        partial::write(tally, &mut out)?;
    } else {
        render(tally, opts, &mut out)?;
    }
    out.flush()
}

/// Writes every chart of the report as `NN-title.png` in `dir`; returns how many.
fn write_pngs(summary: &summary::Summary, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create --png-dir '{}'", dir.display()))?;
    let mut n = 0;
    for block in doc::build(summary) {
        if let doc::Block::Chart(chart) = block {
            n += 1;
            let slug: String =
                chart.title().to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
            let name =
                format!("{n:02}-{}.png", slug.split('-').filter(|w| !w.is_empty()).collect::<Vec<_>>().join("-"));
            charts::png(&chart, &dir.join(name))?;
        }
    }
    Ok(n)
}

/// At most `max` characters of a value from the logs, with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Counts the lines of an `--errors` file (one JSON object per rejected line).
fn read_rejects(path: &Path, tally: &mut Tally) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read --rejects file '{}'", path.display()))?;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let r: Reject = serde_json::from_str(line).with_context(|| {
            format!(
                "--rejects '{}' line {}: not a rejected-line record (write one with --errors FILE)",
                path.display(),
                i + 1
            )
        })?;
        tally.reject(&r.file, r.line, &r.reason);
    }
    Ok(())
}
