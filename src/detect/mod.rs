//! `logward detect`: Sigma detection and correlation rules over ECS events.
//!
//! Detection rules are compiled and matched by `rsigma-eval` in the worker threads; the
//! correlation windows run in the ordered pass (input order, on event time), so the
//! output is the same for every `--threads`. Every input event passes through unchanged;
//! each alert follows the event that completed it.

pub mod alert;
pub mod correlate;
pub mod engine;
pub mod mapping;
pub mod partition;
pub mod rules;
pub mod view;

use crate::io::stage::Output;
use crate::io::{LineRef, Outcome, Source, Stage};
use crate::time::{self, Zone};
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

    /// Hits for the correlations fed by a match, and for those fed by them in turn.
    fn collect_hits(
        &self,
        feeds: &[Feed],
        via: Option<usize>,
        ev: &View<'_>,
        hits: &mut Vec<(Option<usize>, Hit)>,
        depth: usize,
    ) {
        let corrs = &self.opts.rules.corrs;
        let text = |f: &str| ev.text(f).map(|t| Box::<str>::from(t.as_ref()));
        for feed in feeds {
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
            if depth < 8 {
                self.collect_hits(&c.feeds, Some(feed.corr), ev, hits, depth + 1);
            }
        }
    }

    fn event_ref(file: &Arc<str>, line: u64, ev: &View<'_>) -> Ref {
        Ref { file: file.clone(), line, id: ev.text("event.id").map(|t| Box::from(t.as_ref())) }
    }
}

impl Stage for Detector {
    /// The input's name, for references to triggering events.
    type File = Arc<str>;
    type Seq = ();
    type Pending = Pending;
    type Ordered = Correlator;

    fn open_file(&self, source: &Source, _head: &[String]) -> (Arc<str>, ()) {
        (Arc::from(source.display().as_str()), ())
    }

    fn ordered(&self) -> anyhow::Result<Correlator> {
        Ok(Correlator::new(self.opts.max_groups))
    }

    fn process(
        &self,
        file: &Arc<str>,
        _seq: &(),
        _source: &Source,
        line: &LineRef<'_>,
        out: &mut Output<Pending>,
    ) -> Outcome {
        let mut ev = match View::parse(line.text) {
            Ok(v) => v,
            Err(reason) => return Outcome::Rejected(reason),
        };
        let ts = ev.get_str("@timestamp").and_then(|t| time::parse_iso(t.as_bytes(), &Zone::Utc)).map(|(t, _)| t.secs);
        let minute = ts.map(|t| self.opts.tz.minute_of_day(t));
        ev.set_hour(minute.map(|m| (m / 60, self.after_hours(m))));
        let mut results = Vec::new();
        for engine in &self.opts.rules.engines {
            if engine.gate.as_ref().is_none_or(|g| g.matches(&ev)) {
                results.push(engine.matches(&ev));
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
            let r = r.get_or_insert_with(|| Detector::event_ref(file, line.number, &ev));
            if rule.alert {
                self.rule_alerts[m.rule].fetch_add(1, Ordering::Relaxed);
                alert::single(&rule.meta, ev.tree(), &m.matched, r, minute, &mut out.bytes);
            }
            self.collect_hits(&rule.feeds, None, &ev, &mut hits, 0);
        }
        if !hits.is_empty() {
            match ts {
                Some(ts) => {
                    let r = r.expect("a rule matched");
                    out.mark(Pending { ts, r, hits, line: line.text.into() });
                }
                None => {
                    self.untimed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Outcome::Emitted
    }

    fn complete(&self, state: &mut Correlator, p: Pending, out: &mut Vec<u8>) {
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
                if let Some(f) = state.add(&set.corrs, hit, p.ts, &p.r) {
                    fired_here.push(f.corr);
                    let corr = &set.corrs[f.corr];
                    if corr.alert {
                        self.corr_alerts[f.corr].fetch_add(1, Ordering::Relaxed);
                        let names = alert::step_names(corr, &set.rules, &set.corrs);
                        let ev =
                            event.get_or_insert_with(|| View::parse(&p.line).map(View::into_tree).unwrap_or_default());
                        alert::correlated(corr, &names, &f, ev, out);
                    }
                }
            }
            if waiting.len() == before {
                break;
            }
        }
    }

    fn finish(&self, state: Correlator, _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
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
        let untimed = self.untimed.load(Ordering::Relaxed);
        let ungrouped = self.ungrouped.load(Ordering::Relaxed);
        if untimed + ungrouped + state.evicted > 0 {
            eprintln!(
                "logward detect: not correlated: {untimed} matching events without a readable @timestamp, {ungrouped} without a group-by field; {} idle groups dropped at the --max-groups limit",
                state.evicted
            );
        }
        Ok(())
    }
}

/// A table of the loaded rules for `--list-rules`.
pub fn list_rules(set: &RuleSet) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{:<30} {:<13} {:<6} {:<26} RUNS ON / SOURCE", "RULE", "LEVEL", "ALERTS", "KIND");
    for r in &set.rules {
        let on = r.gate.as_ref().map_or("all events".to_string(), |g| g.describe());
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
