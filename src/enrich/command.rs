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
            let bytes = std::fs::read(p).with_context(|| format!("cannot read ATT&CK bundle '{}'", p.display()))?;
            Table::from_stix(&bytes).with_context(|| format!("--attack-bundle '{}'", p.display()))?
        }
        None => Table::builtin(),
    };
    let ip_lists = args
        .ip_lists
        .iter()
        .map(|spec| {
            let (name, file) = key_value(spec, "--ip-list", "NAME=FILE", "tor=tor-exits.txt")?;
            IpList::load(&name, std::path::Path::new(&file))
        })
        .collect::<Result<Vec<_>>>()?;
    let geoip = args.geoip.iter().map(|p| GeoDb::open(p)).collect::<Result<Vec<_>>>()?;
    let llm = args.llm.as_ref().map(|url| {
        Llm::new(LlmOptions {
            url: url.clone(),
            model: args.llm_model.clone(),
            key: std::env::var(&args.llm_key_env).ok().filter(|k| !k.is_empty()),
            timeout: std::time::Duration::from_secs_f64(args.llm_timeout.max(0.1)),
            concurrency: args.llm_concurrency,
            retries: args.llm_retries,
            all_events: args.llm_all_events,
        })
    });
    let stage = Enricher::new(EnrichOptions { attack, ip_lists, geoip, llm, quiet: args.common.quiet });
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let (summary, ()) = io::run_events(&stage, (), "enrich", sources, &args.common.run_options())?;
    Ok(io::exit_code(summary))
}
