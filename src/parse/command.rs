//! `logward parse`: the command's options turned into a [`Parser`] and run.

use super::format::custom::LineFormat;
use super::format::{self, Format};
use super::mask::MaskSet;
use super::template::MinerOptions;
use super::{ParseOptions, Parser, TemplateOptions};
use crate::cli::{key_value, ParseArgs};
use crate::io;
use crate::time::Zone;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// Runs `logward parse`.
pub fn run(args: ParseArgs) -> Result<ExitCode> {
    let tz = Zone::parse(&args.tz).context("--tz")?;
    let line_format = args.line_format.as_deref().map(LineFormat::compile).transpose()?;
    let forced = args.format.as_deref().map(|name| format::by_name(name).expect("clap checked the name"));
    if forced.is_some_and(|f| f.name() == format::custom::Custom.name()) && line_format.is_none() {
        anyhow::bail!("--format custom needs --line-format to say what a line holds, e.g. --line-format '<Date> <Time> <Level> <Content>'");
    }
    let maps = args
        .maps
        .iter()
        .map(|m| key_value(m, "--map", "COLUMN=FIELD", "proc=process.name"))
        .collect::<Result<Vec<_>>>()?;
    let templates = if args.no_templates {
        None
    } else {
        Some(TemplateOptions {
            mask: MaskSet::parse(&args.mask)?,
            miner: MinerOptions {
                similarity: args.template_similarity,
                max_enum: args.template_max_enum,
                max_templates: args.max_templates.max(1),
                state: args.templates.clone(),
                frozen: args.templates_frozen,
                table: args.templates_out.clone(),
                state_limit: args.side_file_limit,
                ..Default::default()
            },
        })
    };
    let opts = ParseOptions {
        format: forced,
        year: args.year,
        tz,
        line_format,
        maps,
        dataset: args.dataset,
        templates,
        quiet: args.common.quiet,
    };
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let parser = Parser::new(opts);
    let mut opts = args.common.run_options();
    if let Some(p) = &args.templates {
        opts.side.write("--templates", p);
    }
    if let Some(p) = &args.templates_out {
        opts.side.write("--templates-out", p);
    }
    // Before the state is read: a state file that is also an input is a mistake to name.
    io::files::check_paths(&sources, &opts.paths(), opts.to_stdout())?;
    let ordered = parser.ordered()?;
    let (summary, ()) = io::run(&parser, ordered, "parse", sources, &opts)?;
    Ok(io::exit_code(summary))
}
