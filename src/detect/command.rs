//! `logward detect`: the rule packs loaded and compiled against the mapping, and the stage
//! run (or the rules listed).

use super::mapping::Mapping;
use super::rules::{self, Override, RuleSet};
use super::{DetectOptions, Detector};
use crate::cli::DetectArgs;
use crate::io;
use crate::time::Zone;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// Runs `logward detect`.
pub fn run(args: DetectArgs) -> Result<ExitCode> {
    let mapping = match &args.mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::builtin(),
    };
    let overrides = args.set.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>>>()?;
    let mut files: Vec<(String, String)> = Vec::new();
    if !args.no_builtin {
        files.extend(rules::BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())));
    }
    let user_files = rules::read_rule_files(&args.rules)?;
    let mut opts = args.common.run_options();
    for (name, _) in &user_files {
        opts.side.read("--rules", std::path::Path::new(name));
    }
    if let Some(p) = &args.mapping {
        opts.side.read("--mapping", p);
    }
    files.extend(user_files);
    if files.is_empty() {
        anyhow::bail!("no rules: --no-builtin needs --rules PATH");
    }
    let mut set = RuleSet::load(&files, &mapping, &overrides, args.all_logsources)?;
    if !args.common.quiet {
        for w in &set.warnings {
            eprintln!("logward detect: warning: {w}");
        }
    }
    for p in &set.problems {
        eprintln!("logward detect: {p}{}", if args.common.strict { "" } else { " (skipped)" });
    }
    if args.common.strict && !set.problems.is_empty() {
        anyhow::bail!("{} rule problems (--strict)", set.problems.len());
    }
    if set.rules.is_empty() && set.corrs.is_empty() {
        anyhow::bail!(
            "no rules loaded ({} problems above): nothing to detect; give Sigma rule files with --rules PATH",
            set.problems.len()
        );
    }
    if args.list_rules {
        print!("{}", super::list_rules(&set));
        return Ok(ExitCode::SUCCESS);
    }
    if args.print_partition_key {
        print!("{}", super::partition::describe(&set));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(k) = args.partition_family {
        super::partition::restrict(&mut set, k)?;
    }
    if args.correlations_only {
        super::partition::correlations_only(&mut set);
    }
    let stage = Detector::new(DetectOptions {
        rules: set,
        tz: Zone::parse(&args.tz).context("--tz")?,
        work_hours: super::parse_work_hours(&args.work_hours)?,
        alerts_only: args.alerts_only,
        max_groups: args.max_groups,
        quiet: args.common.quiet,
    });
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let (summary, ()) = io::run_events(&stage, stage.ordered(), "detect", sources, &opts)?;
    Ok(io::exit_code(summary))
}
