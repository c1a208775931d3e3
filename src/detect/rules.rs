//! Loading Sigma rules: the built-in pack, user files and folders, field mapping,
//! threshold overrides, and the links between correlations and the rules they count.

use super::dispatch::Dispatch;
use super::engine::RuleEngine;
use super::mapping::{Gate, Mapping, Placement};
use anyhow::{bail, Context, Result};
use rsigma_eval::Engine;
use rsigma_parser::{
    ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType, Level, LogSource, SigmaRule, Timespan,
    WindowMode,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The built-in pack, compiled into the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("builtin:linux-auth.yml", include_str!("../../rules/detect/linux-auth.yml")),
    ("builtin:web.yml", include_str!("../../rules/detect/web.yml")),
    ("builtin:linux-firewall.yml", include_str!("../../rules/detect/linux-firewall.yml")),
    ("builtin:windows.yml", include_str!("../../rules/detect/windows.yml")),
];

/// The custom attribute carrying a rule's index through the engine to its matches.
pub const INDEX_ATTR: &str = "logward_index";
/// The custom attribute holding an alert's reason template.
const REASON_ATTR: &str = "logward_reason";
/// The custom attribute that makes an `event_count` correlation fire on the first event of
/// a group only, then stay quiet while the group recurs within its timespan ("new value").
const FIRST_SEEN_ATTR: &str = "logward_first_seen";

/// What an alert says about the rule that raised it.
#[derive(Debug, Clone)]
pub struct Meta {
    pub id: Option<String>,
    pub name: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub level: Option<Level>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub reason: Option<String>,
    /// The file the rule came from (`builtin:web.yml` for the built-in pack).
    pub file: String,
}

impl Meta {
    /// How users name the rule: its `name`, else its id, else its title.
    pub fn handle(&self) -> &str {
        self.name.as_deref().or(self.id.as_deref()).unwrap_or(&self.title)
    }

    /// How messages name the rule: its `name`, else its title.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.title)
    }

    fn answers_to(&self, reference: &str) -> bool {
        self.name.as_deref() == Some(reference) || self.id.as_deref() == Some(reference)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    Rule(usize),
    Corr(usize),
}

/// A correlation step this rule or correlation feeds.
#[derive(Debug, Clone, Copy)]
pub struct Feed {
    pub corr: usize,
    pub step: usize,
}

pub struct Rule {
    pub meta: Meta,
    pub logsource: LogSource,
    /// The kinds of event the rule runs on (from its logsource); empty when the mapping
    /// cannot place it (see `unplaced`).
    pub gates: Vec<Gate>,
    /// The mapping has no entry for the rule's logsource: the rule runs on every event
    /// with `--all-logsources`, else not at all.
    pub unplaced: bool,
    /// The engines holding the rule (one per kind of event; none when it does not run).
    pub engines: Vec<usize>,
    /// Whether a match is an alert of its own (false for rules only counted by correlations).
    pub alert: bool,
    pub feeds: Vec<Feed>,
}

/// The ECS fields a correlation reads from an event of one of its steps.
#[derive(Debug, Clone, Default)]
pub struct StepFields {
    pub group: Vec<String>,
    /// The counted field of `value_count`.
    pub value: Option<String>,
    /// Fields whose distinct values the reason mentions (`{distinct:user.name}`).
    pub distinct: Vec<String>,
}

pub struct Corr {
    pub meta: Meta,
    pub kind: CorrelationType,
    pub steps: Vec<Target>,
    /// Group-by names as the rule writes them (for messages), and per step the ECS fields.
    pub group_by: Vec<String>,
    pub fields: Vec<StepFields>,
    pub timespan: i64,
    pub timespan_text: String,
    pub predicates: Vec<(ConditionOperator, u64)>,
    pub value_field: Option<String>,
    /// Fire on a group's first event only, then stay quiet while it recurs within the
    /// timespan (`logward_first_seen: true`).
    pub first_seen: bool,
    pub alert: bool,
    pub feeds: Vec<Feed>,
}

impl Corr {
    pub fn threshold_text(&self) -> String {
        if matches!(self.kind, CorrelationType::Temporal | CorrelationType::TemporalOrdered) {
            return "all rules".into();
        }
        let parts: Vec<String> = self.predicates.iter().map(|(op, n)| format!("{}{n}", op_symbol(*op))).collect();
        parts.join(" and ")
    }

    /// Whether a count satisfies the condition.
    pub fn holds(&self, n: u64) -> bool {
        self.predicates.iter().all(|(op, v)| match op {
            ConditionOperator::Lt => n < *v,
            ConditionOperator::Lte => n <= *v,
            ConditionOperator::Gt => n > *v,
            ConditionOperator::Gte => n >= *v,
            ConditionOperator::Eq => n == *v,
            ConditionOperator::Neq => n != *v,
        })
    }

    /// The most entries a window needs to decide the condition.
    pub fn window_cap(&self) -> usize {
        let top = self.predicates.iter().map(|(_, v)| *v).max().unwrap_or(0);
        (top as usize).saturating_add(1).clamp(2, MAX_WINDOW)
    }
}

/// The most entries one group keeps (a bound on memory per group).
pub const MAX_WINDOW: usize = 10_000;

fn op_symbol(op: ConditionOperator) -> &'static str {
    match op {
        ConditionOperator::Lt => "<",
        ConditionOperator::Lte => "≤",
        ConditionOperator::Gt => ">",
        ConditionOperator::Gte => "≥",
        ConditionOperator::Eq => "=",
        ConditionOperator::Neq => "≠",
    }
}

/// A `--set RULE.KEY=VALUE` override.
#[derive(Debug, Clone)]
pub struct Override {
    pub rule: String,
    pub key: String,
    pub value: String,
}

impl Override {
    pub fn parse(spec: &str) -> Result<Override> {
        let (lhs, value) = spec
            .split_once('=')
            .with_context(|| format!("--set '{spec}': write it as RULE.KEY=VALUE, e.g. ssh_brute_force.count=12"))?;
        let (rule, key) = lhs
            .rsplit_once('.')
            .with_context(|| format!("--set '{spec}': write it as RULE.KEY=VALUE, e.g. ssh_brute_force.count=12"))?;
        if !matches!(key, "count" | "timespan") {
            bail!("--set '{spec}': unknown setting '{key}' (settable: count, timespan)");
        }
        Ok(Override { rule: rule.trim().into(), key: key.into(), value: value.trim().into() })
    }
}

/// Everything `detect` runs: the compiled detection rules and the correlations.
pub struct RuleSet {
    /// Compiled detection rules, one engine per kind of event.
    pub engines: Vec<RuleEngine>,
    /// Finds the engines an event may reach.
    pub dispatch: Dispatch,
    pub rules: Vec<Rule>,
    pub corrs: Vec<Corr>,
    /// Problems with individual files or rules (`FILE: rule 'TITLE': problem`); those rules
    /// were skipped.
    pub problems: Vec<String>,
    /// What the Sigma parser noted about rules that still loaded.
    pub warnings: Vec<String>,
}

/// Reads `--rules` paths: files as given, folders recursively (`*.yml`, `*.yaml`, sorted).
pub fn read_rule_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).with_context(|| format!("cannot read rule folder '{}'", p.display()))?;
            found.sort();
            if found.is_empty() {
                bail!("rule folder '{}' holds no .yml or .yaml files", p.display());
            }
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    files
        .into_iter()
        .map(|f| {
            let text = crate::io::files::read_text_limited(&f, "rule file", crate::io::files::limits::CONFIG, None)?;
            Ok((f.display().to_string(), text))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

// rsigma's detection and correlation rules carry these fields but share no type for them.
#[allow(clippy::too_many_arguments)]
fn meta_of(
    file: &str,
    title: &str,
    id: &Option<String>,
    name: &Option<String>,
    description: &Option<String>,
    level: Option<Level>,
    tags: &[String],
    falsepositives: &[String],
    custom: &HashMap<String, yaml_serde::Value>,
) -> Meta {
    Meta {
        id: id.clone(),
        name: name.clone(),
        title: title.to_string(),
        description: description.clone(),
        level,
        tags: tags.to_vec(),
        falsepositives: falsepositives.to_vec(),
        reason: custom.get(REASON_ATTR).and_then(|v| v.as_str()).map(String::from),
        file: file.to_string(),
    }
}

/// Placeholders of a reason template: `{count}`, `{source.ip}`, `{distinct:user.name}`.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

impl RuleSet {
    /// `all_logsources`: rules whose logsource the mapping cannot place run on every event
    /// (by default they do not run).
    pub fn load(
        files: &[(String, String)],
        mapping: &Mapping,
        overrides: &[Override],
        all_logsources: bool,
    ) -> Result<RuleSet> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let mut sigma_rules: Vec<(String, SigmaRule)> = Vec::new();
        let mut sigma_corrs: Vec<(String, CorrelationRule)> = Vec::new();
        let mut filters = Vec::new();
        for (file, text) in files {
            match rsigma_parser::parse_sigma_yaml(text) {
                Ok(c) => {
                    let empty = c.rules.is_empty() && c.correlations.is_empty() && c.filters.is_empty();
                    if !c.errors.is_empty() || empty {
                        let (p, w) = file_problems(file, text, &c.errors);
                        problems.extend(p);
                        warnings.extend(w);
                    }
                    sigma_rules.extend(c.rules.into_iter().map(|r| (file.clone(), r)));
                    sigma_corrs.extend(c.correlations.into_iter().map(|r| (file.clone(), r)));
                    filters.extend(c.filters.into_iter().map(|r| (file.clone(), r)));
                }
                Err(e) => problems.push(format!("{file}: {}", tidy(&e.to_string()))),
            }
        }
        apply_overrides(&mut sigma_corrs, overrides)?;

        // One engine per kind of event (a placement of the mapping, and the entries that
        // shape field names): an event is matched only against the rules that run on it,
        // which is both the semantics and most of the speed. Rules whose logsource the
        // mapping cannot place run on every event only when asked to.
        let placements: Vec<Vec<Placement>> = sigma_rules.iter().map(|(_, r)| mapping.place(&r.logsource)).collect();
        // A partition: the placement (none: every event, for --all-logsources) and the
        // entries that shape its rules' field names.
        type Key = (Option<(usize, usize)>, Vec<usize>);
        let mut partitions: Vec<(Key, Option<Placement>, Vec<usize>)> = Vec::new();
        let mut rule_engines: Vec<Vec<usize>> = vec![Vec::new(); sigma_rules.len()];
        for (i, ps) in placements.iter().enumerate() {
            let ls = &sigma_rules[i].1.logsource;
            let at: Vec<(Key, Option<Placement>)> = if ps.is_empty() {
                if !all_logsources {
                    continue;
                }
                vec![((None, mapping.signature(ls)), None)]
            } else {
                ps.iter().map(|p| ((Some(p.key()), mapping.signature(ls)), Some(p.clone()))).collect()
            };
            for (key, p) in at {
                let k = match partitions.iter().position(|(pk, _, _)| *pk == key) {
                    Some(k) => k,
                    None => {
                        partitions.push((key, p, Vec::new()));
                        partitions.len() - 1
                    }
                };
                partitions[k].2.push(i);
                rule_engines[i].push(k);
            }
        }
        let mut compiled = vec![true; sigma_rules.len()];
        let mut engines = Vec::new();
        for (_, placement, members) in &partitions {
            let mut names: Vec<&str> = Vec::new();
            for &i in members {
                for d in sigma_rules[i].1.detection.named.values() {
                    field_names(d, &mut names);
                }
            }
            names.sort_unstable();
            names.dedup();
            let ls = &sigma_rules[members[0]].1.logsource;
            let pipeline = mapping.pipeline(ls, placement.as_ref(), names)?;
            let mut engine = Engine::new_with_pipeline(pipeline);
            let tagged: Vec<SigmaRule> = members
                .iter()
                .map(|&i| {
                    let mut r = sigma_rules[i].1.clone();
                    r.custom_attributes.insert(INDEX_ATTR.into(), yaml_serde::Value::Number(i.into()));
                    r
                })
                .collect();
            for (k, e) in engine.add_rules(tagged.iter()) {
                let i = members[k];
                if std::mem::replace(&mut compiled[i], false) {
                    let (file, r) = &sigma_rules[i];
                    problems.push(format!("{file}: rule '{}': {}", r.title, tidy(&e.to_string())));
                }
            }
            engines.push((placement.as_ref().map(|p| p.gate.clone()), engine));
        }
        for (file, f) in &filters {
            // The engine finds filter targets by id or title; Sigma also allows the name.
            let mut f = f.clone();
            if let rsigma_parser::FilterRuleTarget::Specific(refs) = &mut f.rules {
                for r in refs.iter_mut() {
                    if let Some(id) = sigma_rules
                        .iter()
                        .find(|(_, rule)| rule.name.as_deref() == Some(r.as_str()))
                        .and_then(|(_, rule)| rule.id.clone())
                    {
                        *r = id;
                    }
                }
            }
            let mut reported = false;
            for ((_, placement, _), (_, engine)) in partitions.iter().zip(engines.iter_mut()) {
                // Filters are compiled as written, so their Sigma field names are mapped
                // here, as each engine's kind of event names them.
                let mut g = f.clone();
                if let Some(ls) = &f.logsource {
                    let at =
                        mapping.place(ls).into_iter().find(|p| placement.as_ref().is_some_and(|q| q.key() == p.key()));
                    let at = at.or_else(|| mapping.place(ls).into_iter().next());
                    for d in g.detection.named.values_mut() {
                        map_detection_fields(d, &|name| mapping.resolve(ls, at.as_ref(), name).swap_remove(0));
                    }
                }
                if let Err(e) = engine.apply_filter(&g) {
                    if !std::mem::replace(&mut reported, true) {
                        problems.push(format!("{file}: filter '{}': {}", f.title, tidy(&e.to_string())));
                    }
                }
            }
        }

        // What each engine's rules read is known once filters are applied.
        let engines: Vec<RuleEngine> =
            engines.into_iter().map(|(gate, engine)| RuleEngine::new(gate, engine)).collect();
        let dispatch = Dispatch::new(&engines.iter().map(|e| e.gate.as_ref()).collect::<Vec<_>>());
        let rules: Vec<Rule> = sigma_rules
            .iter()
            .zip(placements)
            .zip(rule_engines)
            .map(|(((file, r), ps), engines)| Rule {
                meta: meta_of(
                    file,
                    &r.title,
                    &r.id,
                    &r.name,
                    &r.description,
                    r.level,
                    &r.tags,
                    &r.falsepositives,
                    &r.custom_attributes,
                ),
                logsource: r.logsource.clone(),
                unplaced: ps.is_empty(),
                gates: ps.into_iter().map(|p| p.gate).collect(),
                engines,
                alert: true,
                feeds: Vec::new(),
            })
            .collect();
        let mut set = RuleSet { engines, dispatch, rules, corrs: Vec::new(), problems, warnings };
        set.link(&sigma_corrs, &compiled, mapping);
        Ok(set)
    }

    /// Resolves correlation references, maps their fields, and decides which rules alert.
    fn link(&mut self, sigma_corrs: &[(String, CorrelationRule)], compiled: &[bool], mapping: &Mapping) {
        let corr_meta: Vec<Meta> = sigma_corrs
            .iter()
            .map(|(file, c)| {
                meta_of(
                    file,
                    &c.title,
                    &c.id,
                    &c.name,
                    &c.description,
                    c.level,
                    &c.tags,
                    &c.falsepositives,
                    &c.custom_attributes,
                )
            })
            .collect();
        let rules = &self.rules;
        let resolve = |reference: &str| -> Option<Target> {
            if let Some(i) = rules.iter().position(|r| r.meta.answers_to(reference)) {
                return Some(Target::Rule(i));
            }
            corr_meta.iter().position(|m| m.answers_to(reference)).map(Target::Corr)
        };
        let mut problems = Vec::new();
        // Resolve every reference first; a correlation with a bad one is dropped.
        let mut steps: Vec<Option<Vec<Target>>> = Vec::new();
        for ((file, c), meta) in sigma_corrs.iter().zip(&corr_meta) {
            let problem = |p: String| format!("{file}: correlation '{}': {p}", meta.title);
            let mut targets = Vec::new();
            let mut bad = None;
            for reference in &c.rules {
                match resolve(reference) {
                    Some(Target::Rule(i)) if !compiled[i] => bad = Some(format!("rule '{reference}' did not load")),
                    Some(t) => targets.push(t),
                    None => bad = Some(format!("refers to unknown rule '{reference}'")),
                }
            }
            if bad.is_none() {
                bad = check_supported(c);
            }
            match bad {
                Some(p) => {
                    problems.push(problem(p));
                    steps.push(None);
                }
                None => steps.push(Some(targets)),
            }
        }
        self.problems.extend(problems);
        // Drop correlations that depend on dropped ones, or on themselves (cycles).
        loop {
            let mut changed = false;
            for j in 0..steps.len() {
                let Some(targets) = &steps[j] else { continue };
                let broken = targets.iter().any(|t| match t {
                    Target::Corr(k) => steps[*k].is_none() || reaches(&steps, *k, j),
                    Target::Rule(_) => false,
                });
                if broken {
                    let (file, c) = &sigma_corrs[j];
                    self.problems.push(format!(
                        "{file}: correlation '{}': refers to a correlation that did not load or refers back to it",
                        c.title
                    ));
                    steps[j] = None;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Index map from Sigma correlation position to loaded position.
        let mut loaded = vec![usize::MAX; steps.len()];
        let mut n = 0;
        for (j, s) in steps.iter().enumerate() {
            if s.is_some() {
                loaded[j] = n;
                n += 1;
            }
        }
        let mut corr_feeds = Vec::new();
        for (j, ((_, c), meta)) in sigma_corrs.iter().zip(corr_meta).enumerate() {
            let Some(targets) = &steps[j] else { continue };
            let targets: Vec<Target> = targets
                .iter()
                .map(|t| match t {
                    Target::Corr(k) => Target::Corr(loaded[*k]),
                    r => *r,
                })
                .collect();
            let (predicates, value_field) = match &c.condition {
                CorrelationCondition::Threshold { predicates, field, .. } => {
                    (predicates.clone(), field.as_ref().and_then(|f| f.first().cloned()))
                }
                _ => (Vec::new(), None),
            };
            let distinct: Vec<String> = meta
                .reason
                .as_deref()
                .map(placeholders)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.strip_prefix("distinct:").map(String::from))
                .collect();
            let fields = c
                .rules
                .iter()
                .map(|reference| {
                    let ls = self.logsource_of(reference, sigma_corrs);
                    let field = |name: &str| {
                        let aliased = c
                            .aliases
                            .iter()
                            .find(|a| a.alias == name)
                            .and_then(|a| a.mapping.get(reference))
                            .map(String::as_str)
                            .unwrap_or(name);
                        mapping.field(&ls, aliased)
                    };
                    StepFields {
                        group: c.group_by.iter().map(|g| field(g)).collect(),
                        value: value_field.as_deref().map(field),
                        distinct: distinct.iter().map(|d| field(d)).collect(),
                    }
                })
                .collect();
            let corr_index = loaded[j];
            for (step, t) in targets.iter().enumerate() {
                let feed = Feed { corr: corr_index, step };
                match t {
                    Target::Rule(i) => self.rules[*i].feeds.push(feed),
                    Target::Corr(k) => corr_feeds.push((*k, feed)),
                }
            }
            self.corrs.push(Corr {
                meta,
                kind: c.correlation_type,
                steps: targets,
                group_by: c.group_by.clone(),
                fields,
                timespan: c.timespan.seconds as i64,
                timespan_text: c.timespan.original.clone(),
                predicates,
                value_field,
                first_seen: c.custom_attributes.get(FIRST_SEEN_ATTR).and_then(|v| v.as_bool()).unwrap_or(false),
                alert: true,
                feeds: Vec::new(),
            });
        }
        for (k, feed) in corr_feeds {
            self.corrs[k].feeds.push(feed);
        }
        // Sigma: rules a correlation refers to stay silent unless it says `generate: true`.
        let generates: Vec<bool> =
            sigma_corrs.iter().enumerate().filter(|(j, _)| steps[*j].is_some()).map(|(_, (_, c))| c.generate).collect();
        for r in &mut self.rules {
            if !r.feeds.is_empty() {
                r.alert = r.feeds.iter().any(|f| generates[f.corr]);
            }
        }
        for k in 0..self.corrs.len() {
            if !self.corrs[k].feeds.is_empty() {
                let alert = self.corrs[k].feeds.iter().any(|f| generates[f.corr]);
                self.corrs[k].alert = alert;
            }
        }
    }

    /// The logsource whose field mapping applies to a step: a rule's own, or that of the
    /// first rule under a correlation.
    fn logsource_of(&self, reference: &str, sigma_corrs: &[(String, CorrelationRule)]) -> LogSource {
        let mut reference = reference.to_string();
        for _ in 0..16 {
            if let Some(r) = self.rules.iter().find(|r| r.meta.answers_to(&reference)) {
                return r.logsource.clone();
            }
            match sigma_corrs
                .iter()
                .find(|(_, c)| c.name.as_deref() == Some(&reference) || c.id.as_deref() == Some(&reference))
            {
                Some((_, c)) if !c.rules.is_empty() => reference = c.rules[0].clone(),
                _ => break,
            }
        }
        LogSource::default()
    }
}

/// The field names a detection tests (keyword detections have none).
fn field_names<'a>(d: &'a rsigma_parser::Detection, out: &mut Vec<&'a str>) {
    use rsigma_parser::Detection;
    match d {
        Detection::AllOf(items) => out.extend(items.iter().filter_map(|i| i.field.name.as_deref())),
        Detection::AnyOf(ds) | Detection::And(ds) => ds.iter().for_each(|d| field_names(d, out)),
        Detection::ArrayMatch { field, .. } => out.push(field),
        _ => {}
    }
}

fn map_detection_fields(d: &mut rsigma_parser::Detection, map: &dyn Fn(&str) -> String) {
    use rsigma_parser::Detection;
    match d {
        Detection::AllOf(items) => {
            for item in items {
                if let Some(name) = &item.field.name {
                    item.field.name = Some(map(name));
                }
            }
        }
        Detection::AnyOf(subs) => subs.iter_mut().for_each(|s| map_detection_fields(s, map)),
        _ => {}
    }
}

/// The most characters a rule problem takes on stderr.
const PROBLEM_CHARS: usize = 300;

/// A library error as one short line: on one line (regex errors draw a caret over several),
/// each repeated part said once (a deeply nested condition repeats its position for every
/// level), and at most [`PROBLEM_CHARS`] characters.
fn tidy(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut parts: Vec<&str> = Vec::new();
    for part in flat.split(": ") {
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    let line = parts.join(": ");
    match line.char_indices().nth(PROBLEM_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// The problems of one rule file, each naming the file and the rule (by title): every
/// document is parsed again on its own to tell whose the parser's messages are. Messages
/// about rules that still loaded are warnings. A document with no detection, correlation
/// or filter section is not a Sigma rule (a compose file, a CI config) and is said to be.
fn file_problems(file: &str, text: &str, whole: &[String]) -> (Vec<String>, Vec<String>) {
    use serde::Deserialize as _;
    use yaml_serde::Value;
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    let key = |m: &yaml_serde::Mapping, k: &str| m.get(Value::String(k.into())).cloned();
    let mut global: Option<Value> = None;
    let mut attributed = true;
    for (n, doc) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let value = match Value::deserialize(doc) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{file}: not valid YAML: {}", tidy(&e.to_string())));
                break;
            }
        };
        let Some(map) = value.as_mapping() else {
            problems.push(format!("{file}: document {} is not a Sigma rule (not a YAML mapping)", n + 1));
            continue;
        };
        match key(map, "action").as_ref().and_then(Value::as_str) {
            Some("global") => {
                global = Some(value.clone());
                continue;
            }
            Some("reset") => {
                global = None;
                continue;
            }
            Some(_) => {
                // `repeat` and unknown actions: the messages stay those of the whole file.
                attributed = false;
                break;
            }
            None => {}
        }
        let in_either = |k: &str| key(map, k).or_else(|| global.as_ref()?.as_mapping().and_then(|g| key(g, k)));
        let kind = if in_either("correlation").is_some() {
            "correlation"
        } else if in_either("filter").is_some() {
            "filter"
        } else if in_either("detection").is_some() {
            "rule"
        } else {
            problems.push(format!(
                "{file}: document {} is not a Sigma rule (a rule has a detection, correlation or filter section)",
                n + 1
            ));
            continue;
        };
        let name = match in_either("title").as_ref().and_then(Value::as_str) {
            Some(t) => format!("{kind} '{t}'"),
            None => format!("{kind} in document {} (no title)", n + 1),
        };
        let mut alone = String::new();
        if let Some(g) = &global {
            alone.push_str(&yaml_serde::to_string(g).unwrap_or_default());
            alone.push_str("---\n");
        }
        alone.push_str(&yaml_serde::to_string(&value).unwrap_or_default());
        match rsigma_parser::parse_sigma_yaml(&alone) {
            Ok(c) => {
                let loaded = !(c.rules.is_empty() && c.correlations.is_empty() && c.filters.is_empty());
                for e in &c.errors {
                    let m = format!("{file}: {name}: {}", tidy(e));
                    if loaded {
                        warnings.push(m);
                    } else {
                        problems.push(m);
                    }
                }
            }
            Err(e) => problems.push(format!("{file}: {name}: {}", tidy(&e.to_string()))),
        }
    }
    if !attributed || (problems.is_empty() && warnings.is_empty()) {
        problems = whole.iter().map(|e| format!("{file}: {}", tidy(e))).collect();
        warnings.clear();
        if problems.is_empty() {
            problems.push(format!("{file}: no Sigma rule in this file"));
        }
    }
    (problems, warnings)
}

/// Whether `from` (a correlation) depends on `target`, directly or through others.
fn reaches(steps: &[Option<Vec<Target>>], from: usize, target: usize) -> bool {
    let mut stack = vec![from];
    let mut seen = vec![false; steps.len()];
    while let Some(k) = stack.pop() {
        if k == target {
            return true;
        }
        if std::mem::replace(&mut seen[k], true) {
            continue;
        }
        for t in steps[k].iter().flatten() {
            if let Target::Corr(n) = t {
                stack.push(*n);
            }
        }
    }
    false
}

/// What logward's correlation engine does not do, as a problem to report.
fn check_supported(c: &CorrelationRule) -> Option<String> {
    match c.correlation_type {
        CorrelationType::EventCount
        | CorrelationType::ValueCount
        | CorrelationType::Temporal
        | CorrelationType::TemporalOrdered => {}
        other => {
            return Some(format!(
                "correlation type '{}' is not supported (event_count, value_count, temporal, temporal_ordered are)",
                other.as_str()
            ))
        }
    }
    if c.window != WindowMode::Sliding {
        return Some(format!("window '{}' is not supported (sliding windows only)", c.window.as_str()));
    }
    if c.rules.is_empty() {
        return Some("refers to no rules".into());
    }
    if c.timespan.seconds == 0 {
        return Some("timespan must be longer than 0".into());
    }
    if c.custom_attributes.get(FIRST_SEEN_ATTR).is_some_and(|v| v.as_bool() == Some(true))
        && c.correlation_type != CorrelationType::EventCount
    {
        return Some(format!("{FIRST_SEEN_ATTR} applies to event_count correlations only"));
    }
    if let CorrelationCondition::Threshold { predicates, field, .. } = &c.condition {
        if matches!(c.correlation_type, CorrelationType::EventCount | CorrelationType::ValueCount) {
            // A condition with no lower bound ("fewer than 5") can only be judged when the
            // window closes, which a stream processor that emits as it reads does not do.
            let lower = predicates.iter().any(|(op, v)| {
                matches!(op, ConditionOperator::Gt | ConditionOperator::Gte) || (*op == ConditionOperator::Eq && *v > 0)
            });
            if !lower {
                return Some(
                    "a count condition needs a lower bound (gt, gte or eq); 'fewer than' conditions are not supported"
                        .into(),
                );
            }
        }
        if c.correlation_type == CorrelationType::ValueCount && field.as_ref().is_none_or(|f| f.is_empty()) {
            return Some("value_count needs condition.field".into());
        }
    }
    None
}

fn apply_overrides(corrs: &mut [(String, CorrelationRule)], overrides: &[Override]) -> Result<()> {
    for o in overrides {
        let Some((_, c)) =
            corrs.iter_mut().find(|(_, c)| c.name.as_deref() == Some(&o.rule) || c.id.as_deref() == Some(&o.rule))
        else {
            let names: Vec<&str> = corrs.iter().filter_map(|(_, c)| c.name.as_deref()).collect();
            bail!(
                "--set {}.{}: no correlation rule named '{}' (correlations: {})",
                o.rule,
                o.key,
                o.rule,
                names.join(", ")
            );
        };
        match o.key.as_str() {
            "count" => {
                let n: u64 = o
                    .value
                    .parse()
                    .with_context(|| format!("--set {}.count={}: not a whole number", o.rule, o.value))?;
                let CorrelationCondition::Threshold { predicates, .. } = &mut c.condition else {
                    bail!("--set {}.count: the rule has no count condition", o.rule);
                };
                // The lower bound is the threshold users mean.
                match predicates.iter_mut().find(|(op, _)| {
                    matches!(op, ConditionOperator::Gte | ConditionOperator::Gt | ConditionOperator::Eq)
                }) {
                    Some(p) => p.1 = n,
                    None => bail!("--set {}.count: the rule has no lower bound to change", o.rule),
                }
            }
            "timespan" => {
                c.timespan = Timespan::parse(&o.value).map_err(|e| {
                    anyhow::anyhow!("--set {}.timespan={}: {e} (write e.g. 90s, 10m, 2h, 1d)", o.rule, o.value)
                })?;
            }
            _ => unreachable!("checked by Override::parse"),
        }
    }
    Ok(())
}
