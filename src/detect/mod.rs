//! `logward detect`: Sigma detection and correlation rules over ECS events.
//!
//! Detection rules are compiled and matched by `rsigma-eval` in the worker threads; the
//! correlation windows run in the ordered pass (input order, on event time), so the
//! output is the same for every `--threads`. Every input event passes through unchanged;
//! each alert follows the event that completed it.

pub mod alert;
pub mod command;
pub mod correlate;
pub mod dispatch;
pub mod engine;
pub mod mapping;
pub mod partition;
pub mod rules;
pub mod view;

use crate::event::FlatWriter;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Records};
use crate::time::Zone;
use correlate::{Correlator, Hit, Ref};
use rules::{Feed, RuleSet};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use view::View;

pub struct DetectOptions {
    pub rules: RuleSet,
    pub tz: Zone,
    /// Working hours as minutes after midnight, `[start, end)`; wraps past midnight when
    /// start > end.
    pub work_hours: (u32, u32),
    pub alerts_only: bool,
    pub max_groups: usize,
    pub quiet: bool,
}

/// Parses `06:00-22:00` (or `6-22`) into minutes after midnight.
pub fn parse_work_hours(s: &str) -> anyhow::Result<(u32, u32)> {
    let bad = || anyhow::anyhow!("--work-hours '{s}': write it as HH:MM-HH:MM, e.g. 06:00-22:00");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let minutes = |t: &str| -> Option<u32> {
        let t = t.trim();
        let (h, m) = t.split_once(':').unwrap_or((t, "0"));
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    };
    let (a, b) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
    if a == b {
        anyhow::bail!("--work-hours '{s}': start and end are the same");
    }
    Ok((a, b))
}

/// A repeated syslog message (`message repeated 5 times: [...]`, as `logward parse` reads
/// it) counts this many times in event_count correlations.
pub const REPEAT_COUNT: &str = "logward.repeat.count";
/// The most one event can count for.
const MAX_REPEAT: u64 = 1_000_000;

pub struct Detector {
    opts: DetectOptions,
    /// Alerts per detection rule and per correlation.
    rule_alerts: Vec<AtomicU64>,
    corr_alerts: Vec<AtomicU64>,
    /// Events a correlation could not use: no parseable @timestamp, or a group-by field missing.
    untimed: AtomicU64,
    ungrouped: AtomicU64,
}

/// What the ordered pass needs from one event: its time, where it is, and its hits.
pub struct Pending {
    ts: i64,
    /// How many events this one stands for in event_count (`logward.repeat.count`).
    weight: u64,
    r: Ref,
    /// Hits, each with the correlation that must fire on this event first (chained rules).
    hits: Vec<(Option<usize>, Hit)>,
    /// The event's line, read again only if a correlation fires on it (its alert's
    /// timestamp and reason come from the event).
    line: Box<str>,
}

impl Detector {
    pub fn new(opts: DetectOptions) -> Detector {
        let rule_alerts = opts.rules.rules.iter().map(|_| AtomicU64::new(0)).collect();
        let corr_alerts = opts.rules.corrs.iter().map(|_| AtomicU64::new(0)).collect();
        Detector { opts, rule_alerts, corr_alerts, untimed: AtomicU64::new(0), ungrouped: AtomicU64::new(0) }
    }

    fn after_hours(&self, minute: u32) -> bool {
        let (start, end) = self.opts.work_hours;
        let inside = if start < end { minute >= start && minute < end } else { minute >= start || minute < end };
        !inside
    }

    /// Hits for the correlations fed by a match, and for those fed by them in turn, at any
    /// depth (without recursion: chains of correlations are acyclic, checked at load).
    fn collect_hits(&self, feeds: &[Feed], ev: &View<'_>, hits: &mut Vec<(Option<usize>, Hit)>) {
        let corrs = &self.opts.rules.corrs;
        let text = |f: &str| ev.text(f).map(|t| Box::<str>::from(t.as_ref()));
        // (feeds, the next one to visit, the correlation that must fire first): preorder.
        let mut stack: Vec<(&[Feed], usize, Option<usize>)> = vec![(feeds, 0, None)];
        while let Some(top) = stack.last_mut() {
            let (feeds, i, via) = *top;
            let Some(feed) = feeds.get(i) else {
                stack.pop();
                continue;
            };
            top.1 += 1;
            let c = &corrs[feed.corr];
            let fields = &c.fields[feed.step];
            let key: Option<Box<[Box<str>]>> = fields.group.iter().map(|f| text(f)).collect();
            let Some(key) = key else {
                self.ungrouped.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let value = fields.value.as_deref().and_then(text);
            let distinct = fields.distinct.iter().map(|f| text(f)).collect();
            hits.push((via, Hit { corr: feed.corr, step: feed.step, key, value, distinct }));
            if !c.feeds.is_empty() {
                stack.push((&c.feeds, 0, Some(feed.corr)));
            }
        }
    }

    fn event_ref(file: &Arc<str>, line: u64, ev: &View<'_>) -> Ref {
        Ref { file: file.clone(), line, id: ev.text("event.id").map(|t| Box::from(t.as_ref())) }
    }
}

/// What one worker keeps between events.
pub struct Worker {
    /// Per engine, the outcomes this worker remembers.
    memo: Vec<engine::Outcomes>,
    /// The engines the current event may reach.
    candidates: Vec<usize>,
    /// Room to lower-case a value for the dispatch table.
    lowered: String,
    /// Writes its alerts.
    writer: FlatWriter,
}

/// The ordered pass: the correlation windows, and a writer for their alerts.
pub struct Ordered {
    correlator: Correlator,
    writer: FlatWriter,
}

impl Detector {
    /// The state of the ordered pass for a run.
    pub fn ordered(&self) -> Ordered {
        Ordered { correlator: Correlator::new(self.opts.max_groups), writer: FlatWriter::new() }
    }
}

impl EventStage for Detector {
    type Worker = Worker;
    type Pending = Pending;
    type Ordered = Ordered;
    type Summary = ();

    fn worker(&self) -> Worker {
        Worker {
            memo: self.opts.rules.engines.iter().map(|_| engine::Outcomes::default()).collect(),
            candidates: Vec::new(),
            lowered: String::new(),
            writer: FlatWriter::new(),
        }
    }

    fn process(
        &self,
        worker: &mut Worker,
        file: &InputFile,
        line: &LineRef<'_>,
        out: &mut Records<Pending>,
    ) -> Outcome {
        let mut ev = match View::parse(line.text) {
            Ok(v) => v,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let ts = ev.event().timestamp().map(|t| t.secs);
        let minute = ts.map(|t| self.opts.tz.minute_of_day(t));
        ev.set_hour(minute.map(|m| (m / 60, self.after_hours(m))));
        let mut results = Vec::new();
        let engines = &self.opts.rules.engines;
        let Worker { memo, candidates, lowered, writer } = worker;
        self.opts.rules.dispatch.candidates(&ev, candidates, lowered);
        for &i in candidates.iter() {
            let engine = &engines[i];
            if engine.gate.as_ref().is_none_or(|g| g.matches(&ev)) {
                engine.mark_seen();
                results.push(engine.matches(&ev, &mut memo[i]));
            }
        }
        if !self.opts.alerts_only {
            out.bytes.extend_from_slice(line.text.as_bytes());
            out.bytes.push(b'\n');
        }
        let mut hits = Vec::new();
        let mut r = None;
        for m in results.iter().flat_map(|r| r.iter()) {
            let rule = &self.opts.rules.rules[m.rule];
            let r = r.get_or_insert_with(|| Detector::event_ref(&file.name, line.number, &ev));
            if rule.alert {
                self.rule_alerts[m.rule].fetch_add(1, Ordering::Relaxed);
                alert::single(&rule.meta, ev.tree(), &m.matched, r, minute, writer, &mut out.bytes);
            }
            self.collect_hits(&rule.feeds, &ev, &mut hits);
        }
        if !hits.is_empty() {
            match ts {
                Some(ts) => {
                    let r = r.expect("a rule matched");
                    let weight = ev.text(REPEAT_COUNT).and_then(|n| n.parse::<u64>().ok()).unwrap_or(1);
                    out.mark(Pending { ts, weight: weight.clamp(1, MAX_REPEAT), r, hits, line: line.text.into() });
                }
                None => {
                    self.untimed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Outcome::Emitted
    }

    fn complete(&self, ordered: &mut Ordered, p: Pending, out: &mut Vec<u8>) {
        let Ordered { correlator: state, writer } = ordered;
        let set = &self.opts.rules;
        let mut fired_here: Vec<usize> = Vec::new();
        let mut event: Option<Value> = None;
        let mut waiting = p.hits;
        // Hits that need a correlation to fire first wait until it has (chained rules).
        loop {
            let before = waiting.len();
            let mut k = 0;
            while k < waiting.len() {
                if waiting[k].0.is_some_and(|c| !fired_here.contains(&c)) {
                    k += 1;
                    continue;
                }
                let (_, hit) = waiting.remove(k);
                if let Some(f) = state.add(&set.corrs, hit, p.ts, p.weight, &p.r) {
                    fired_here.push(f.corr);
                    let corr = &set.corrs[f.corr];
                    if corr.alert {
                        self.corr_alerts[f.corr].fetch_add(1, Ordering::Relaxed);
                        let names = alert::step_names(corr, &set.rules, &set.corrs);
                        let ev =
                            event.get_or_insert_with(|| View::parse(&p.line).map(View::into_tree).unwrap_or_default());
                        alert::correlated(corr, &names, &f, ev, writer, out);
                    }
                }
            }
            if waiting.len() == before {
                break;
            }
        }
    }

    fn finish(&self, ordered: Ordered, _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let state = ordered.correlator;
        if self.opts.quiet {
            return Ok(());
        }
        let set = &self.opts.rules;
        let mut fired: Vec<(u64, &str)> = set
            .rules
            .iter()
            .zip(&self.rule_alerts)
            .map(|(r, n)| (n.load(Ordering::Relaxed), r.meta.label()))
            .chain(set.corrs.iter().zip(&self.corr_alerts).map(|(c, n)| (n.load(Ordering::Relaxed), c.meta.label())))
            .filter(|(n, _)| *n > 0)
            .collect();
        fired.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let total: u64 = fired.iter().map(|(n, _)| n).sum();
        let list: Vec<String> = fired.iter().take(12).map(|(n, name)| format!("{name} {n}")).collect();
        let more = if fired.len() > 12 { format!(", and {} more rules", fired.len() - 12) } else { String::new() };
        eprintln!(
            "logward detect: {} rules, {} correlations: {total} alerts{}{}{more}",
            set.rules.len(),
            set.corrs.len(),
            if list.is_empty() { "" } else { " (" },
            if list.is_empty() { String::new() } else { format!("{})", list.join(", ")) }
        );
        for line in waiting_summary(set) {
            eprintln!("logward detect: {line}");
        }
        let untimed = self.untimed.load(Ordering::Relaxed);
        let ungrouped = self.ungrouped.load(Ordering::Relaxed);
        if untimed + ungrouped + state.evicted > 0 {
            eprintln!(
                "logward detect: not correlated: {untimed} matching events without a readable @timestamp, {ungrouped} without a group-by field; {} correlation groups dropped (the least recently active, to stay within --max-groups; raise it to keep more)",
                state.evicted
            );
        }
        Ok(())
    }
}

/// How products are written in messages.
fn product_name(product: &str) -> String {
    match product.to_ascii_lowercase().as_str() {
        "windows" => "Windows".into(),
        "linux" => "Linux".into(),
        "macos" => "macOS".into(),
        "aws" => "AWS".into(),
        "gcp" => "GCP".into(),
        "m365" => "Microsoft 365".into(),
        _ => {
            let mut c = product.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
        }
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Lines saying which rules did not run and why, grouped by logsource: rules the mapping
/// cannot place, and placed rules no event of their kind reached (the built-in pack's
/// rules for other kinds of log are not mentioned).
pub fn waiting_summary(set: &RuleSet) -> Vec<String> {
    use std::collections::BTreeMap;
    let mut unplaced: BTreeMap<String, usize> = BTreeMap::new();
    // Per product: (rules that waited, rules in all, waiting rules per logsource).
    let mut idle: BTreeMap<String, (usize, usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for r in &set.rules {
        let product = r.logsource.product.clone().unwrap_or_default();
        if r.unplaced && r.engines.is_empty() {
            *unplaced.entry(mapping::describe_logsource(&r.logsource)).or_default() += 1;
            continue;
        }
        // Rules on every event (--all-logsources), and the built-in pack, which runs on
        // whatever a user's logs are, are not listed.
        if r.unplaced || r.meta.file.starts_with("builtin:") {
            continue;
        }
        let slot = idle.entry(product).or_default();
        slot.1 += 1;
        if !r.engines.is_empty() && r.engines.iter().all(|&e| !set.engines[e].seen.load(Ordering::Relaxed)) {
            slot.0 += 1;
            let what = [&r.logsource.service, &r.logsource.category]
                .iter()
                .filter_map(|v| v.as_deref())
                .collect::<Vec<_>>()
                .join(" ");
            *slot.2.entry(what).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for (product, (waited, all, by)) in idle {
        if waited == 0 {
            continue;
        }
        let whose = if product.is_empty() { String::new() } else { format!(" for product {product}") };
        if waited == all && !product.is_empty() {
            out.push(format!("{} rules{whose}: no {} events seen", thousands(waited), product_name(&product)));
        } else {
            let mut by: Vec<(String, usize)> = by.into_iter().collect();
            by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let shown: Vec<String> = by.iter().take(6).map(|(k, n)| format!("{k} {n}")).collect();
            let more = if by.len() > 6 { ", ..." } else { "" };
            out.push(format!(
                "{} rules{whose}: no events of their logsource seen ({}{more})",
                thousands(waited),
                shown.join(", ")
            ));
        }
    }
    if !unplaced.is_empty() {
        let total: usize = unplaced.values().sum();
        let mut by: Vec<(String, usize)> = unplaced.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let shown: Vec<String> = by.iter().take(8).map(|(k, n)| format!("{n} {k}")).collect();
        let more = if by.len() > 8 { format!("; {} more logsources", by.len() - 8) } else { String::new() };
        out.push(format!(
            "{} rules not run: the mapping places no events for their logsource ({}{more}); --list-rules says why for each, --all-logsources runs them on every event",
            thousands(total),
            shown.join("; ")
        ));
    }
    out
}

/// A table of the loaded rules for `--list-rules`.
pub fn list_rules(set: &RuleSet) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{:<30} {:<13} {:<6} {:<26} RUNS ON / SOURCE", "RULE", "LEVEL", "ALERTS", "KIND");
    for r in &set.rules {
        let on = if r.unplaced && r.engines.is_empty() {
            format!(
                "not run: the mapping has no entry for logsource '{}' (--all-logsources runs it on every event)",
                mapping::describe_logsource(&r.logsource)
            )
        } else if r.unplaced {
            format!(
                "all events (--all-logsources; logsource '{}' is not in the mapping)",
                mapping::describe_logsource(&r.logsource)
            )
        } else if r.engines.is_empty() {
            "not run: the rule did not load".into()
        } else {
            r.gates.iter().map(|g| g.describe()).collect::<Vec<_>>().join(" | or | ")
        };
        let _ = writeln!(
            out,
            "{:<30} {:<13} {:<6} {:<26} {} ({})",
            r.meta.handle(),
            r.meta.level.map_or("-", |l| l.as_str()),
            if r.alert { "yes" } else { "no" },
            "detection",
            on,
            r.meta.file
        );
    }
    for c in &set.corrs {
        let kind = format!("{} {} in {}", c.kind.as_str(), c.threshold_text(), c.timespan_text);
        let _ = writeln!(
            out,
            "{:<30} {:<13} {:<6} {:<26} by {} ({})",
            c.meta.handle(),
            c.meta.level.map_or("-", |l| l.as_str()),
            if c.alert { "yes" } else { "no" },
            kind,
            c.group_by.join(", "),
            c.meta.file
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_hours() {
        assert_eq!(parse_work_hours("06:00-22:00").unwrap(), (360, 1320));
        assert_eq!(parse_work_hours("6-22").unwrap(), (360, 1320));
        assert_eq!(parse_work_hours("22:00-06:30").unwrap(), (1320, 390));
        assert!(parse_work_hours("6").is_err());
        assert!(parse_work_hours("25:00-06:00").is_err());
        assert!(parse_work_hours("06:00-06:00").is_err());
    }
}
