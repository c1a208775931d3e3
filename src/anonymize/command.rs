//! `logward anonymize`: the key, the policy and the pseudonymizer set up from the options,
//! the stage run, and the risk report written once the output is complete.

use super::fpe::Dir;
use super::key::Key;
use super::policy::Policy;
use super::values::Pseudonymizer;
use super::{AnonymizeOptions, Anonymizer};
use crate::cli::AnonymizeArgs;
use crate::io;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `logward anonymize`.
pub fn run(args: AnonymizeArgs) -> Result<ExitCode> {
    if let Some(path) = &args.new_key {
        Key::create(path)?;
        eprintln!(
            "logward anonymize: new key written to '{}' (mode 0600); keep it secret and backed up",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !(0.0..=86_400.0 * 7.0).contains(&args.jitter) {
        anyhow::bail!("--jitter {}: give seconds between 0 and 604800 (a week)", args.jitter);
    }
    let key = Key::load(args.key_file.as_deref(), std::env::var("LOGWARD_KEY").ok().filter(|k| !k.is_empty()))?;
    let policy = match &args.policy {
        Some(p) => Policy::load(p)?,
        None => Policy::builtin(),
    };
    let stage = Anonymizer::new(AnonymizeOptions {
        fingerprint: key.fingerprint(&args.domain),
        pseudonymizer: Pseudonymizer::new(&key, &args.domain, policy, args.shift_time, args.jitter),
        dir: if args.reveal { Dir::Decrypt } else { Dir::Encrypt },
        risk_report: args.risk_report.clone(),
        domain: args.domain.clone(),
        quiet: args.common.quiet,
    });
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let mut opts = args.common.run_options();
    if let Some(p) = &args.key_file {
        opts.side.read("--key-file", p);
    }
    if let Some(p) = &args.policy {
        opts.side.read("--policy", p);
    }
    if let Some(p) = &args.risk_report {
        opts.side.write("--risk-report", p);
    }
    let (summary, risk) = io::run_events(&stage, Default::default(), "anonymize", sources, &opts)?;
    if args.reveal {
        let wrong = stage.wrong_key.load(std::sync::atomic::Ordering::Relaxed);
        if wrong > 0 {
            let other = stage.other_fingerprint.lock().expect("not poisoned").clone().unwrap_or_default();
            anyhow::bail!(
                "--reveal: {wrong} event(s) were pseudonymized with another key or --domain (key fingerprint {other}; \
                 this key and --domain give {}); they were not revealed: give the key and --domain they were anonymized with",
                key.fingerprint(&args.domain)
            );
        }
        let unchecked = stage.unchecked.load(std::sync::atomic::Ordering::Relaxed);
        if unchecked > 0 && !args.common.quiet {
            eprintln!(
                "logward anonymize: warning: {unchecked} event(s) carry no key fingerprint (logward.anonymize.key): \
                 revealed without checking the key (events written by another stage, or before logward wrote fingerprints)"
            );
        }
    }
    stage.write_risk_report(risk, args.common.output.as_deref())?;
    Ok(io::exit_code(summary))
}
