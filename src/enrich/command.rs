//! `logward enrich`: the ATT&CK table, IP lists, GeoIP databases and LLM client set up from
//! the options, and the stage run.

use super::attack::Table;
use super::geoip::GeoDb;
use super::iplist::IpList;
use super::llm::{Llm, LlmOptions};
use super::{EnrichOptions, Enricher};
use crate::cli::{key_value, EnrichArgs};
use crate::io;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// Runs `logward enrich`.
pub fn run(args: EnrichArgs) -> Result<ExitCode> {
    let attack = match &args.attack_bundle {
        Some(p) => {
            let bytes =
                crate::io::files::read_limited(p, "ATT&CK bundle", args.side_file_limit, Some("--side-file-limit"))?;
            Table::from_stix(&bytes).with_context(|| format!("--attack-bundle '{}'", p.display()))?
        }
        None => Table::builtin(),
    };
    let ip_lists = args
        .ip_lists
        .iter()
        .map(|spec| {
            let (name, file) = key_value(spec, "--ip-list", "NAME=FILE", "tor=tor-exits.txt")?;
            IpList::load(&name, std::path::Path::new(&file), args.side_file_limit)
        })
        .collect::<Result<Vec<_>>>()?;
    let geoip = args.geoip.iter().map(|p| GeoDb::open(p, args.side_file_limit)).collect::<Result<Vec<_>>>()?;
    let seconds = |flag: &str, s: f64| {
        std::time::Duration::try_from_secs_f64(s)
            .ok()
            .filter(|d| !d.is_zero())
            .with_context(|| format!("{flag} {s}: give a number of seconds above 0"))
    };
    let llm = match &args.llm {
        Some(url) => Some(Llm::new(LlmOptions {
            url: url.clone(),
            model: args.llm_model.clone(),
            key: std::env::var(&args.llm_key_env).ok().filter(|k| !k.is_empty()),
            timeout: seconds("--llm-timeout", args.llm_timeout)?,
            deadline: seconds("--llm-deadline", args.llm_deadline)?,
            breaker: args.llm_breaker,
            concurrency: args.llm_concurrency,
            retries: args.llm_retries,
            all_events: args.llm_all_events,
            quiet: args.common.quiet,
        })?),
        None => None,
    };
    let stage = Enricher::new(EnrichOptions { attack, ip_lists, geoip, llm, quiet: args.common.quiet });
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let mut opts = args.common.run_options();
    if let Some(p) = &args.attack_bundle {
        opts.side.read("--attack-bundle", p);
    }
    for spec in &args.ip_lists {
        if let Some((_, file)) = spec.split_once('=') {
            opts.side.read("--ip-list", std::path::Path::new(file.trim()));
        }
    }
    for p in &args.geoip {
        opts.side.read("--geoip", p);
    }
    let (summary, ()) = io::run_events(&stage, (), "enrich", sources, &opts)?;
    Ok(io::exit_code(summary))
}
