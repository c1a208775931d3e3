use anyhow::{Context, Result};
use clap::Parser as _;
use logward::anonymize::{fpe::Dir, key::Key, policy::Policy, values::Pseudonymizer, AnonymizeOptions, Anonymizer};
use logward::cli::{
    AnonymizeArgs, Cli, Command, CommonArgs, DetectArgs, EnrichArgs, ParseArgs, ReportArgs, ScoreArgs, TreeArgs,
};
use logward::detect::{
    mapping::Mapping,
    rules::{self, Override, RuleSet},
    DetectOptions, Detector,
};
use logward::enrich::llm::{Llm, LlmOptions};
use logward::enrich::{attack::Table, geoip::GeoDb, iplist::IpList, EnrichOptions, Enricher};
use logward::io::{self, output::is_pipe_closed, RunSummary, Stage};
use logward::parse::{
    lineformat::LineFormat, mask::MaskSet, template::MinerOptions, ParseOptions, Parser, TemplateOptions,
};
use logward::report::{csv::CsvExport, ReportFormat, ReportOptions, Reporter};
use logward::score::{export::ExportOptions, model::Model, FeatureExport, ScoreOptions, Scorer};
use logward::time::Zone;
use logward::tree::{Tree, TreeOptions};
use std::process::ExitCode;

// Every stage builds and drops small strings and maps per event; glibc's allocator spent
// a third of `detect`'s time consolidating and unlinking chunks.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_pipe_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logward: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Parse(args) => parse(args),
        Command::Anonymize(args) => anonymize(args),
        Command::Detect(args) => detect(args),
        Command::Enrich(args) => enrich(args),
        Command::Tree(args) => tree(args),
        Command::Score(args) => score(args),
        Command::Report(args) => report(args),
    }
}

fn score(args: ScoreArgs) -> Result<ExitCode> {
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
        return run_stage(&stage, "score", &args.common).map(exit_code);
    }
    let threads = if args.common.threads == 0 { num_cpus::get() } else { args.common.threads };
    let model = Model::load(args.model.as_deref().unwrap_or("linux-auth"), threads)?;
    check_window(args.window, model.meta.window)?;
    let session_fields = fields(&model.meta.session_field);
    let stage = Scorer::new(ScoreOptions {
        model,
        mode: args.mode,
        emit: args.emit,
        session_fields,
        stride,
        quiet: args.common.quiet,
    })?;
    run_stage(&stage, "score", &args.common).map(exit_code)
}

/// A `--window` that differs from the model's is a mistake, not a request.
fn check_window(given: Option<usize>, model: usize) -> Result<()> {
    match given {
        Some(0) => anyhow::bail!("--window must be at least 1"),
        Some(w) if w != model => anyhow::bail!("--window {w}: the model was trained on windows of {model} events"),
        _ => Ok(()),
    }
}

fn report(args: ReportArgs) -> Result<ExitCode> {
    if !args.fields.is_empty() && args.format != ReportFormat::Csv {
        anyhow::bail!("--fields chooses CSV columns: use it with --format csv");
    }
    if args.png_dir.is_some() && args.format == ReportFormat::Csv {
        anyhow::bail!("--png-dir writes the report's charts: use it with --format md, html or json");
    }
    if (args.partial || args.merge) && args.format == ReportFormat::Csv {
        anyhow::bail!("--partial and --merge summarize events: use them with --format md, html or json, not csv");
    }
    if args.format == ReportFormat::Csv {
        let fields = args.fields.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        return run_stage(&CsvExport::new(fields), "report", &args.common).map(exit_code);
    }
    let opts = ReportOptions {
        format: args.format,
        top: args.top,
        rejects: args.rejects,
        title: args.title,
        png_dir: args.png_dir,
        quiet: args.common.quiet,
        partial: args.partial,
    };
    if args.merge {
        logward::report::merge(&opts, &args.common.inputs, args.common.output.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    let stage = Reporter::new(opts);
    run_stage(&stage, "report", &args.common).map(exit_code)
}

fn tree(args: TreeArgs) -> Result<ExitCode> {
    let stage = Tree::new(TreeOptions {
        pid: args.pid,
        entity_id: args.entity_id,
        name: args.name,
        depth: args.depth,
        format: args.format,
        quiet: args.common.quiet,
    });
    run_stage(&stage, "tree", &args.common).map(exit_code)
}

fn anonymize(args: AnonymizeArgs) -> Result<ExitCode> {
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
        pseudonymizer: Pseudonymizer::new(&key, &args.domain, policy, args.shift_time, args.jitter),
        dir: if args.reveal { Dir::Decrypt } else { Dir::Encrypt },
        risk_report: args.risk_report.clone(),
        domain: args.domain.clone(),
        quiet: args.common.quiet,
    });
    let summary = run_stage(&stage, "anonymize", &args.common)?;
    stage.write_risk_report(args.common.output.as_deref())?;
    Ok(exit_code(summary))
}

fn detect(args: DetectArgs) -> Result<ExitCode> {
    let mapping = match &args.mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::builtin(),
    };
    let overrides = args.set.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>>>()?;
    let mut files: Vec<(String, String)> = Vec::new();
    if !args.no_builtin {
        files.extend(rules::BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())));
    }
    files.extend(rules::read_rule_files(&args.rules)?);
    if files.is_empty() {
        anyhow::bail!("no rules: --no-builtin needs --rules PATH");
    }
    let mut set = RuleSet::load(&files, &mapping, &overrides)?;
    for p in &set.problems {
        eprintln!("logward detect: {p}{}", if args.common.strict { "" } else { " (skipped)" });
    }
    if args.common.strict && !set.problems.is_empty() {
        anyhow::bail!("{} rule problems (--strict)", set.problems.len());
    }
    if args.list_rules {
        print!("{}", logward::detect::list_rules(&set));
        return Ok(ExitCode::SUCCESS);
    }
    if args.print_partition_key {
        print!("{}", logward::detect::partition::describe(&set));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(k) = args.partition_family {
        logward::detect::partition::restrict(&mut set, k)?;
    }
    if args.correlations_only {
        logward::detect::partition::correlations_only(&mut set);
    }
    let stage = Detector::new(DetectOptions {
        rules: set,
        tz: Zone::parse(&args.tz).context("--tz")?,
        work_hours: logward::detect::parse_work_hours(&args.work_hours)?,
        alerts_only: args.alerts_only,
        max_groups: args.max_groups,
        quiet: args.common.quiet,
    });
    run_stage(&stage, "detect", &args.common).map(exit_code)
}

fn enrich(args: EnrichArgs) -> Result<ExitCode> {
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
            let (name, file) = pair(spec, "--ip-list", "NAME=FILE", "tor=tor-exits.txt")?;
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
    run_stage(&stage, "enrich", &args.common).map(exit_code)
}

fn parse(args: ParseArgs) -> Result<ExitCode> {
    let tz = Zone::parse(&args.tz).context("--tz")?;
    let line_format = args.line_format.as_deref().map(LineFormat::compile).transpose()?;
    let maps =
        args.maps.iter().map(|m| pair(m, "--map", "COLUMN=FIELD", "proc=process.name")).collect::<Result<Vec<_>>>()?;
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
            },
        })
    };
    let opts =
        ParseOptions { format: args.format, year: args.year, tz, line_format, maps, dataset: args.dataset, templates };
    run_stage(&Parser::new(opts), "parse", &args.common).map(exit_code)
}

/// Runs a stage over the command's inputs with the shared flags.
fn run_stage<S: Stage>(stage: &S, command: &str, common: &CommonArgs) -> Result<RunSummary> {
    let sources = io::expand_inputs(&common.inputs, common.rotated)?;
    io::run(stage, command, sources, &common.run_options())
}

/// 1 when `--strict` stopped the run at a rejected line.
fn exit_code(summary: RunSummary) -> ExitCode {
    if summary.strict_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Splits a `KEY=VALUE` flag value; both sides must be non-empty.
fn pair(spec: &str, flag: &str, shape: &str, example: &str) -> Result<(String, String)> {
    spec.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .with_context(|| format!("{flag} '{spec}': write it as {shape}, e.g. {flag} {example}"))
}
