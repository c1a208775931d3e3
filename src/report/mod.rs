//! `logward report`: one streaming pass over any stage's NDJSON, summarized as Markdown,
//! self-contained HTML with SVG charts, JSON aggregates, or flattened CSV.

mod charts;
pub mod command;
pub mod csv;
mod doc;
mod html;
mod markdown;
pub mod obs;
pub mod summary;
pub mod tally;
pub mod topk;

use crate::event::scan::Scalar;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Records, Reject};
use anyhow::{Context, Result};
use obs::Obs;
use std::path::{Path, PathBuf};
use tally::Tally;

/// What the report is written as (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

pub struct Reporter {
    opts: ReportOptions,
}

impl Reporter {
    pub fn new(opts: ReportOptions) -> Self {
        Reporter { opts }
    }

    /// The state of the ordered pass, with the `--rejects` files of earlier stages counted.
    pub fn tally(&self) -> Result<Tally> {
        let mut tally = Tally::new(self.opts.top.max(1));
        for path in &self.opts.rejects {
            read_rejects(path, &mut tally)?;
        }
        Ok(tally)
    }
}

impl EventStage for Reporter {
    /// The scanner's scratch.
    type Worker = Vec<Scalar<u16>>;
    type Pending = Obs;
    type Ordered = Tally;
    type Summary = ();

    fn worker(&self) -> Vec<Scalar<u16>> {
        Vec::new()
    }

    fn process(
        &self,
        scratch: &mut Vec<Scalar<u16>>,
        file: &InputFile,
        line: &LineRef<'_>,
        out: &mut Records<Obs>,
    ) -> Outcome {
        match Obs::read(line.text, file.index, scratch) {
            Ok(obs) => {
                out.mark(obs);
                Outcome::Emitted
            }
            Err(reason) => Outcome::Rejected(reason),
        }
    }

    fn file_started(&self, tally: &mut Tally, file: &InputFile) {
        tally.inputs.push(file.name.to_string());
    }

    fn complete(&self, tally: &mut Tally, obs: Obs, _out: &mut Vec<u8>) {
        tally.add(&obs);
    }

    fn rejected(&self, tally: &mut Tally, r: &Reject) {
        tally.reject(&r.file, r.line, &r.reason, r.kind);
    }

    fn finish(&self, tally: Tally, out: &mut dyn std::io::Write) -> Result<()> {
        let summary = tally.summarize();
        match self.opts.format {
            ReportFormat::Md => out.write_all(markdown::render(&summary, &self.opts.title).as_bytes())?,
            ReportFormat::Html => out.write_all(html::render(&summary, &self.opts.title)?.as_bytes())?,
            ReportFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &summary)?;
                out.write_all(b"\n")?;
            }
            ReportFormat::Csv => unreachable!("CSV is written by csv::CsvExport"),
        }
        if let Some(dir) = &self.opts.png_dir {
            let n = write_pngs(&summary, dir)?;
            if !self.opts.quiet {
                eprintln!("logward report: wrote {n} charts as PNG to {}", dir.display());
            }
        }
        Ok(())
    }
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

/// Counts the lines of an `--errors` file (one JSON object per rejected line), read one
/// record at a time (at most 64 MiB each), so a file of any size fits in memory.
fn read_rejects(path: &Path, tally: &mut Tally) -> Result<()> {
    use crate::io::files::{limits, LimitedLines};
    let mut lines = LimitedLines::open(path, "--rejects file", limits::REJECT_RECORD, u64::MAX, None)?;
    while let Some((n, line)) = lines.next_line()? {
        if line.trim().is_empty() {
            continue;
        }
        let r: Reject = serde_json::from_str(&line).with_context(|| {
            format!(
                "--rejects '{}' line {n}: not a rejected-line record (write one with --errors FILE)",
                path.display()
            )
        })?;
        tally.reject(&r.file, r.line, &r.reason, r.kind);
    }
    Ok(())
}
