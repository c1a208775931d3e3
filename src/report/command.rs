//! `logward report`: the format and its options checked, and the report (or the CSV
//! export) run.

use super::csv::CsvExport;
use super::{ReportFormat, ReportOptions, Reporter};
use crate::cli::ReportArgs;
use crate::io;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `logward report`.
pub fn run(args: ReportArgs) -> Result<ExitCode> {
    if !args.fields.is_empty() && args.format != ReportFormat::Csv {
        anyhow::bail!("--fields chooses CSV columns: use it with --format csv");
    }
    if args.png_dir.is_some() && args.format == ReportFormat::Csv {
        anyhow::bail!("--png-dir writes the report's charts: use it with --format md, html or json");
    }
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let mut opts = args.common.run_options();
    for p in &args.rejects {
        opts.side.read("--rejects", p);
    }
    if args.format == ReportFormat::Csv {
        let fields = args.fields.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        let stage = CsvExport::new(fields);
        let (summary, ()) = io::run_events(&stage, stage.state()?, "report", sources, &opts)?;
        return Ok(io::exit_code(summary));
    }
    let stage = Reporter::new(ReportOptions {
        format: args.format,
        top: args.top,
        rejects: args.rejects,
        title: args.title,
        png_dir: args.png_dir,
        quiet: args.common.quiet,
    });
    let (summary, ()) = io::run_events(&stage, stage.tally()?, "report", sources, &opts)?;
    Ok(io::exit_code(summary))
}
