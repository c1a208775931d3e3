//! The one streaming pass: every event is counted here, in input order, in bounded memory.
//! Low-cardinality counts (datasets, levels, rules, buckets) are exact; high-cardinality
//! fields (addresses, users, URLs, processes) go through Space-Saving counters that are
//! exact until they overflow and then keep every frequent value with an error bound.

use super::obs::{Field, Obs};
use super::summary::*;
use super::topk::TopK;
use crate::fasthash::{FastMap, FastSet};
use crate::io::RejectKind;
use crate::time::{parse_iso, Timestamp, Zone};

/// Counters per high-cardinality field.
const FIELD_CAP: usize = 4096;
/// Exact-duplicate detection remembers this many distinct events.
const DEDUP_CAP: usize = 1 << 22;
/// Distinct processes remembered.
const PROCESS_CAP: usize = 1 << 20;
/// Score samples kept for the histogram (a uniform reservoir beyond this).
const SCORE_SAMPLE: usize = 1 << 20;
/// Files whose last timestamp is remembered for the order check.
const ORDER_FILES: usize = 10_000;
/// Internal timeline buckets; past this the bucket width grows.
const MAX_BUCKETS: usize = 4096;
/// Bucket widths in seconds; each divides the next, so buckets merge exactly.
const WIDTHS: &[i64] =
    &[1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800, 2_419_200, 31_449_600];

/// The talker fields, in report order.
pub const TALKERS: &[(Field, &str, &str)] = &[
    (Field::SourceIp, "source.ip", "Source IPs"),
    (Field::DestIp, "destination.ip", "Destination IPs"),
    (Field::User, "user.name", "Users"),
    (Field::Process, "process.name", "Processes"),
    (Field::Url, "url.original", "URLs"),
];

#[derive(Default)]
struct Login {
    failures: u64,
    successes: u64,
}

#[derive(Default)]
struct Rule {
    name: String,
    level: String,
    first: Option<i64>,
    last: Option<i64>,
    reason: String,
}

/// The first line rejected for a kind: where, and the reason given for it.
#[derive(Default)]
struct RejectExample(String, String);

#[derive(Default, Clone, Copy)]
struct Counts3 {
    events: u64,
    alerts: u64,
    anomalies: u64,
}

pub struct Tally {
    top: usize,
    /// Input file names by id, for events without `log.file.path`.
    pub inputs: Vec<String>,
    records: u64,
    alerts: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    datasets: TopK<()>,
    files: TopK<()>,
    types: TopK<()>,
    width: i64,
    buckets: FastMap<i64, Counts3>,
    talkers: Vec<TopK<()>>,
    logins: TopK<Login>,
    login_failures: u64,
    login_successes: u64,
    rules: TopK<Rule>,
    levels: TopK<()>,
    techniques: TopK<()>,
    tactics: TopK<()>,
    threat_types: TopK<()>,
    scored: u64,
    severities: TopK<()>,
    score_min: f64,
    score_max: f64,
    scores: Vec<f64>,
    rng: u64,
    worst: Vec<Anomalous>,
    process_events: u64,
    processes: FastSet<u64>,
    processes_full: bool,
    names: TopK<()>,
    parent_child: TopK<()>,
    tree_nodes: u64,
    tree_roots: u64,
    tree_depth: u64,
    tree_flags: TopK<()>,
    rejects: TopK<RejectExample>,
    no_timestamp: u64,
    bad_timestamp: u64,
    out_of_order: u64,
    max_back: i64,
    last_by_file: FastMap<Box<str>, i64>,
    seen: FastSet<u64>,
    seen_full: bool,
    duplicates: u64,
    unknown_format: u64,
    /// Reused for composed keys.
    scratch: String,
}

impl Tally {
    pub fn new(top: usize) -> Self {
        fn topk<P: Default>(top: usize) -> TopK<P> {
            TopK::new(FIELD_CAP.max(top * 4))
        }
        Tally {
            top,
            inputs: Vec::new(),
            records: 0,
            alerts: 0,
            first: None,
            last: None,
            datasets: topk(top),
            files: topk(top),
            types: topk(top),
            width: 1,
            buckets: FastMap::default(),
            talkers: TALKERS.iter().map(|_| topk(top)).collect(),
            logins: topk(top),
            login_failures: 0,
            login_successes: 0,
            rules: topk(top),
            levels: topk(top),
            techniques: topk(top),
            tactics: topk(top),
            threat_types: topk(top),
            scored: 0,
            severities: topk(top),
            score_min: f64::INFINITY,
            score_max: f64::NEG_INFINITY,
            scores: Vec::new(),
            rng: 0x9e37_79b9_7f4a_7c15,
            worst: Vec::new(),
            process_events: 0,
            processes: FastSet::default(),
            processes_full: false,
            names: topk(top),
            parent_child: topk(top),
            tree_nodes: 0,
            tree_roots: 0,
            tree_depth: 0,
            tree_flags: topk(top),
            rejects: topk(top),
            no_timestamp: 0,
            bad_timestamp: 0,
            out_of_order: 0,
            max_back: 0,
            last_by_file: FastMap::default(),
            seen: FastSet::default(),
            seen_full: false,
            duplicates: 0,
            unknown_format: 0,
            scratch: String::new(),
        }
    }

    /// A line rejected before it became an event (here or, through `--rejects`, upstream),
    /// counted by its kind; records written before kinds existed are grouped by their
    /// reason with the numbers in it written as `N`.
    pub fn reject(&mut self, file: &str, line: u64, reason: &str, kind: Option<RejectKind>) {
        let key = match kind {
            Some(k) => k.as_str().to_string(),
            None => numbers_as_n(reason),
        };
        let example = self.rejects.add(&key, 1);
        if example.0.is_empty() {
            example.0 = format!("{file}:{line}");
            example.1 = reason.to_string();
        }
    }

    pub fn add(&mut self, o: &Obs) {
        self.records += 1;
        // A repeated syslog message (`message repeated 5 times: [...]`, read by `parse` into
        // `logward.repeat.count`) counts as that many events in the tallies of what happened
        // (types, talkers, logins, timeline); records, datasets and files count lines.
        let weight = o.num(Field::Repeat).filter(|n| *n >= 1.0).map_or(1, |n| n.min(1e6) as u64);
        let alert = o.get(Field::Kind) == Some("alert");
        let ts = match o.get(Field::Timestamp) {
            None => {
                self.no_timestamp += 1;
                None
            }
            Some(t) => match parse_time(t) {
                None => {
                    self.bad_timestamp += 1;
                    None
                }
                some => some,
            },
        };
        if let Some(t) = ts {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.datasets.add(o.get(Field::Dataset).unwrap_or("(none)"), 1);
        let inputs = std::mem::take(&mut self.inputs);
        let file = match o.get(Field::LogFile) {
            Some(f) => f,
            None => inputs.get(o.file as usize).map_or("(stdin)", |s| s.as_str()),
        };
        self.files.add(file, 1);
        if alert {
            self.alerts += 1;
            self.alert(o, ts);
        } else {
            self.event(o, ts, file, weight);
        }
        self.inputs = inputs;
        let anomalous = self.anomaly(o, ts);
        if let Some(t) = ts {
            let c = self.bucket(t.secs);
            if alert {
                c.alerts += 1;
            } else {
                c.events += weight;
            }
            if anomalous {
                c.anomalies += 1;
            }
        }
    }

    fn event(&mut self, o: &Obs, ts: Option<Timestamp>, file: &str, weight: u64) {
        match (o.get(Field::Action), o.get(Field::Category), o.get(Field::Type)) {
            (Some(a), _, _) => {
                self.types.add(a, weight);
            }
            (None, Some(c), Some(t)) => {
                let mut kind = std::mem::take(&mut self.scratch);
                kind.clear();
                kind.push_str(c);
                kind.push('/');
                kind.push_str(t);
                self.types.add(&kind, weight);
                self.scratch = kind;
            }
            (None, Some(c), None) => {
                self.types.add(c, weight);
            }
            (None, None, _) => {
                self.types.add("(unspecified)", weight);
            }
        }
        for (i, &(f, _, _)) in TALKERS.iter().enumerate() {
            for v in o.all(f) {
                self.talkers[i].add(v, weight);
            }
        }
        if o.all(Field::Category).any(|c| c == "authentication") {
            let outcome = o.get(Field::Outcome);
            if matches!(outcome, Some("success" | "failure")) {
                let l = self.logins.add(o.get(Field::User).unwrap_or("(no user)"), weight);
                if outcome == Some("failure") {
                    l.failures += weight;
                    self.login_failures += weight;
                } else {
                    l.successes += weight;
                    self.login_successes += weight;
                }
            }
        }
        if o.has(Field::Pid) || o.has(Field::Entity) || o.has(Field::TreeDepth) {
            self.process(o);
        }
        if o.get(Field::Dataset) == Some("logward.text") {
            self.unknown_format += 1;
        }
        if let Some(t) = ts {
            let ms = t.secs * 1000 + i64::from(t.nanos / 1_000_000);
            if let Some(prev) = self.last_by_file.get_mut(file) {
                if ms < *prev {
                    self.out_of_order += 1;
                    self.max_back = self.max_back.max(*prev - ms);
                } else {
                    *prev = ms;
                }
            } else if self.last_by_file.len() < ORDER_FILES {
                self.last_by_file.insert(file.into(), ms);
            }
        }
        if self.seen.contains(&o.hash) {
            self.duplicates += 1;
        } else if self.seen.len() < DEDUP_CAP {
            self.seen.insert(o.hash);
        } else {
            self.seen_full = true;
        }
    }

    fn alert(&mut self, o: &Obs, ts: Option<Timestamp>) {
        let id = o.get(Field::RuleId).or(o.get(Field::RuleName)).unwrap_or("(no rule id)");
        let level = o
            .get(Field::Level)
            .map(str::to_string)
            .or_else(|| o.num(Field::Severity).map(level_of))
            .unwrap_or_default();
        let first = o.get(Field::Start).and_then(parse_time).or(ts).map(|t| t.secs);
        let last = o.get(Field::End).and_then(parse_time).or(ts).map(|t| t.secs);
        let r = self.rules.add(id, 1);
        if r.name.is_empty() {
            r.name = o.get(Field::RuleName).unwrap_or(id).to_string();
            r.reason = o.get(Field::Reason).unwrap_or("").to_string();
            r.level = level.clone();
        }
        r.first = min_opt(r.first, first);
        r.last = r.last.max(last);
        self.levels.add(if level.is_empty() { "(none)" } else { &level }, 1);
        let names: Vec<&str> = o.all(Field::TechniqueName).collect();
        for (i, id) in o.all(Field::TechniqueId).enumerate() {
            match names.get(i) {
                Some(n) => self.techniques.add(&format!("{id} {n}"), 1),
                None => self.techniques.add(id, 1),
            };
        }
        for t in o.all(Field::TacticName) {
            self.tactics.add(t, 1);
        }
        if let Some(t) = o.get(Field::ThreatType) {
            self.threat_types.add(t, 1);
        }
    }

    /// Counts a scored record; true when its severity says it is anomalous.
    fn anomaly(&mut self, o: &Obs, ts: Option<Timestamp>) -> bool {
        let Some(score) = o.num(Field::Score).filter(|s| s.is_finite()) else {
            return false;
        };
        self.scored += 1;
        let severity = o.get(Field::AnomalySeverity).unwrap_or("(none)");
        self.severities.add(severity, 1);
        self.score_min = self.score_min.min(score);
        self.score_max = self.score_max.max(score);
        if self.scores.len() < SCORE_SAMPLE {
            self.scores.push(score);
        } else {
            // Reservoir sampling (Algorithm R) with a fixed-seed xorshift: deterministic.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            let j = (self.rng % self.scored) as usize;
            if j < SCORE_SAMPLE {
                self.scores[j] = score;
            }
        }
        if self.worst.len() < self.top || self.worst.last().is_some_and(|w| score > w.score) {
            let at = self.worst.partition_point(|w| w.score >= score);
            self.worst.insert(
                at,
                Anomalous {
                    score,
                    severity: severity.to_string(),
                    session: o.get(Field::Session).map(str::to_string),
                    timestamp: ts.map(|t| t.to_rfc3339()),
                    template: o.get(Field::TemplatePattern).or(o.get(Field::TemplateId)).map(str::to_string),
                    message: o.get(Field::Message).map(|m| super::clip(m, 200)),
                },
            );
            self.worst.truncate(self.top);
        }
        !matches!(severity, "none" | "(none)")
    }

    fn process(&mut self, o: &Obs) {
        self.process_events += 1;
        let key = match o.get(Field::Entity) {
            Some(e) => format!("e\u{0}{e}"),
            None => format!("p\u{0}{}\u{0}{}", o.get(Field::Host).unwrap_or(""), o.get(Field::Pid).unwrap_or("")),
        };
        let h = crate::fasthash::hash64(key.as_bytes());
        if self.processes.len() < PROCESS_CAP {
            self.processes.insert(h);
        } else if !self.processes.contains(&h) {
            self.processes_full = true;
        }
        if let Some(n) = o.get(Field::Process) {
            self.names.add(n, 1);
            if let Some(p) = o.get(Field::ParentName) {
                self.parent_child.add(&format!("{p} → {n}"), 1);
            }
        }
        if let Some(d) = o.num(Field::TreeDepth) {
            self.tree_nodes += 1;
            self.tree_roots += u64::from(d == 0.0);
            self.tree_depth = self.tree_depth.max(d as u64);
            for f in o.all(Field::TreeFlags) {
                self.tree_flags.add(f, 1);
            }
        }
    }

    fn bucket(&mut self, secs: i64) -> &mut Counts3 {
        if !self.buckets.contains_key(&secs.div_euclid(self.width)) && self.buckets.len() >= MAX_BUCKETS {
            self.widen();
        }
        self.buckets.entry(secs.div_euclid(self.width)).or_default()
    }

    /// Merges buckets into the next width until they fit.
    fn widen(&mut self) {
        while self.buckets.len() >= MAX_BUCKETS / 2 {
            let next = WIDTHS.iter().copied().find(|&w| w > self.width).unwrap_or(self.width * 2);
            let factor = next / self.width;
            let mut merged: FastMap<i64, Counts3> = FastMap::default();
            for (k, c) in self.buckets.drain() {
                let m = merged.entry(k.div_euclid(factor)).or_default();
                m.events += c.events;
                m.alerts += c.alerts;
                m.anomalies += c.anomalies;
            }
            self.buckets = merged;
            self.width = next;
        }
    }

    pub fn summarize(mut self) -> Summary {
        let top = self.top;
        let events = self.records - self.alerts;
        let overview = Overview {
            records: self.records,
            events,
            alerts: self.alerts,
            first: self.first.map(|t| t.to_rfc3339()),
            last: self.last.map(|t| t.to_rfc3339()),
            datasets: counted(&self.datasets, top),
            files: counted(&self.files, top),
            rejected_lines: self.rejects.total(),
        };
        let event_types = (events > 0).then(|| counted(&self.types, top));
        let timeline = (!self.buckets.is_empty()).then(|| self.timeline());
        let talkers: Vec<Talkers> = TALKERS
            .iter()
            .zip(&self.talkers)
            .filter(|(_, t)| !t.is_empty())
            .map(|(&(_, field, title), t)| Talkers { field, title, counts: counted(t, top) })
            .collect();
        let logins = (!self.logins.is_empty()).then(|| self.logins(top));
        let alerts = (self.alerts > 0).then(|| self.alerts_section(top));
        let anomalies = (self.scored > 0).then(|| self.anomalies_section());
        let processes = (self.process_events > 0).then(|| Processes {
            events: self.process_events,
            distinct: self.processes.len() as u64,
            distinct_exact: !self.processes_full,
            names: counted(&self.names, top),
            parent_child: counted(&self.parent_child, top),
            tree: (self.tree_nodes > 0).then(|| TreeStats {
                nodes: self.tree_nodes,
                roots: self.tree_roots,
                max_depth: self.tree_depth,
                flags: counted(&self.tree_flags, top),
            }),
        });
        let data_quality = self.quality(overview.rejected_lines);
        Summary {
            overview,
            event_types,
            timeline,
            top_talkers: (!talkers.is_empty()).then_some(talkers),
            logins,
            alerts,
            anomalies,
            processes,
            data_quality,
        }
    }

    /// Buckets for display: at most ~60, empty ones included so gaps show.
    fn timeline(&self) -> Timeline {
        let lo = *self.buckets.keys().min().expect("non-empty") * self.width;
        let hi = *self.buckets.keys().max().expect("non-empty") * self.width;
        let span = hi - lo + self.width;
        let width = WIDTHS.iter().copied().find(|&w| w >= self.width && span / w <= 60).unwrap_or(span.max(1));
        let (first, last) = (lo.div_euclid(width), hi.div_euclid(width));
        let mut out = vec![Bucket::default(); (last - first + 1) as usize];
        for (i, b) in out.iter_mut().enumerate() {
            b.start = rfc3339((first + i as i64) * width);
        }
        for (&k, c) in &self.buckets {
            let b = &mut out[((k * self.width).div_euclid(width) - first) as usize];
            b.events += c.events;
            b.alerts += c.alerts;
            b.anomalies += c.anomalies;
        }
        Timeline { bucket_seconds: width, buckets: out }
    }

    fn logins(&self, top: usize) -> Logins {
        let sorted = self.logins.sorted();
        let mut bins: Vec<Bin> = Vec::new();
        for e in &sorted {
            let k = 64 - (e.count.max(1)).leading_zeros() as usize; // bin k holds 2^(k-1) ..= 2^k - 1
            while bins.len() < k {
                let (from, to) = (1u64 << bins.len(), (1u64 << (bins.len() + 1)) - 1);
                let label = if from == to { from.to_string() } else { format!("{from}–{to}") };
                bins.push(Bin { label, from: from as f64, to: to as f64, count: 0 });
            }
            bins[k - 1].count += 1;
        }
        Logins {
            attempts: self.logins.total(),
            failures: self.login_failures,
            successes: self.login_successes,
            users: self.logins.len() as u64,
            exact: self.logins.exact(),
            top_users: sorted
                .iter()
                .take(top)
                .map(|e| LoginRow {
                    user: e.key.to_string(),
                    attempts: e.count,
                    failures: e.data.failures,
                    successes: e.data.successes,
                })
                .collect(),
            attempts_per_user: bins,
        }
    }

    fn alerts_section(&self, top: usize) -> Alerts {
        let time = |s: Option<i64>| s.map(rfc3339);
        let nonempty = |t: &TopK<()>| (!t.is_empty()).then(|| counted(t, top));
        Alerts {
            total: self.alerts,
            rules: self
                .rules
                .sorted()
                .iter()
                .map(|e| RuleRow {
                    id: e.key.to_string(),
                    name: e.data.name.clone(),
                    level: e.data.level.clone(),
                    count: e.count,
                    first: time(e.data.first),
                    last: time(e.data.last),
                    example_reason: e.data.reason.clone(),
                })
                .collect(),
            rules_exact: self.rules.exact(),
            levels: counted(&self.levels, top),
            techniques: nonempty(&self.techniques),
            tactics: nonempty(&self.tactics),
            threat_types: nonempty(&self.threat_types),
        }
    }

    fn anomalies_section(&mut self) -> Anomalies {
        const BINS: usize = 20;
        let (lo, hi) = (self.score_min, self.score_max);
        let step = if hi > lo { (hi - lo) / BINS as f64 } else { 1.0 };
        let mut histogram: Vec<Bin> = (0..if hi > lo { BINS } else { 1 })
            .map(|i| {
                let (from, to) = (lo + step * i as f64, lo + step * (i + 1) as f64);
                Bin { label: format!("{from:.3}–{to:.3}"), from, to, count: 0 }
            })
            .collect();
        let last = histogram.len() - 1;
        for &s in &self.scores {
            let i = (((s - lo) / step) as usize).min(last);
            histogram[i].count += 1;
        }
        Anomalies {
            scored: self.scored,
            severities: counted(&self.severities, usize::MAX),
            score_min: lo,
            score_max: hi,
            histogram,
            sampled: self.scored > self.scores.len() as u64,
            most_anomalous: std::mem::take(&mut self.worst),
        }
    }

    fn quality(&self, rejected: u64) -> Option<Quality> {
        let mut findings = Vec::new();
        let mut note = |finding: &'static str, count: u64, handling: String| {
            if count > 0 {
                findings.push(Finding { finding, count, handling });
            }
        };
        note(
            "rejected lines",
            rejected,
            "not in the events; each is listed with file:line in the --errors file of the stage that rejected it"
                .into(),
        );
        note("events without @timestamp", self.no_timestamp, "counted everywhere except the timeline".into());
        note(
            "unreadable @timestamp",
            self.bad_timestamp,
            "counted everywhere except the timeline (expected RFC 3339)".into(),
        );
        note(
            "out-of-order timestamps",
            self.out_of_order,
            format!(
                "kept in input order; up to {} earlier than an event before them in the same file. Correlation rules in `detect` measure time on @timestamp, so sort first if the gaps matter",
                duration(self.max_back / 1000)
            ),
        );
        let dedup_note = if self.seen_full {
            format!(" (checked against the first {DEDUP_CAP} distinct events)")
        } else {
            String::new()
        };
        note(
            "duplicate events",
            self.duplicates,
            format!("byte-identical lines, kept and counted as often as they occur{dedup_note}"),
        );
        note(
            "lines in no known format",
            self.unknown_format,
            "kept by `parse` as event.dataset logward.text: message and template only, no ECS fields".into(),
        );
        if findings.is_empty() {
            return None;
        }
        let rejected_by_reason = self
            .rejects
            .sorted()
            .iter()
            .map(|e| RejectRow {
                kind: e.key.to_string(),
                count: e.count,
                example: e.data.0.clone(),
                reason: e.data.1.clone(),
            })
            .collect();
        Some(Quality { findings, rejected_by_reason })
    }
}

fn counted(t: &TopK<()>, top: usize) -> Counted {
    Counted {
        total: t.total(),
        distinct: t.len() as u64,
        exact: t.exact(),
        rows: t
            .sorted()
            .iter()
            .take(top)
            .map(|e| Row { value: e.key.to_string(), count: e.count, error: e.error })
            .collect(),
    }
}

/// An RFC 3339 timestamp, the whole string.
pub(super) fn parse_time(s: &str) -> Option<Timestamp> {
    parse_iso(s.as_bytes(), &Zone::Utc).filter(|&(_, used)| used == s.len()).map(|(t, _)| t)
}

fn rfc3339(secs: i64) -> String {
    Timestamp { secs, nanos: 0, frac_digits: 0 }.to_rfc3339()
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// The Sigma level for an ECS `event.severity` (0–100) when an alert names no level.
fn level_of(severity: f64) -> String {
    match severity as i64 {
        i64::MIN..=20 => "informational",
        21..=46 => "low",
        47..=72 => "medium",
        73..=98 => "high",
        _ => "critical",
    }
    .to_string()
}

/// Groups reasons that differ only in numbers (`byte 17` and `byte 230`); digits inside
/// words (`W3C`) stay.
fn numbers_as_n(reason: &str) -> String {
    let b = reason.as_bytes();
    let mut out = String::with_capacity(reason.len());
    let mut i = 0;
    while i < b.len() {
        let end = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let in_word = |j: Option<usize>| j.and_then(|j| b.get(j)).is_some_and(|c| c.is_ascii_alphabetic());
        if end > i && !in_word(i.checked_sub(1)) && !in_word(Some(end)) {
            out.push('N');
            i = end;
        } else {
            let len = reason[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&reason[i..i + len]);
            i += len;
        }
    }
    out
}

/// `4m12s`, `2h`, `3d4h`: a short human duration.
pub fn duration(secs: i64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let parts = [(d, "d"), (h, "h"), (m, "m"), (s, "s")];
    let out: String = parts.iter().filter(|(v, _)| *v > 0).take(2).map(|(v, u)| format!("{v}{u}")).collect();
    if out.is_empty() {
        "0s".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(line: &str) -> Obs {
        Obs::read(line, 0, &mut Vec::new()).unwrap()
    }

    #[test]
    fn timeline_widens_and_keeps_every_count() {
        let mut t = Tally::new(10);
        // 10,000 events one minute apart: more than MAX_BUCKETS seconds-wide buckets.
        for i in 0..10_000i64 {
            let ts = rfc3339(1_700_000_000 + i * 60);
            t.add(&obs(&format!(r#"{{"@timestamp":"{ts}","n":{i}}}"#)));
        }
        assert!(t.buckets.len() <= MAX_BUCKETS);
        let s = t.summarize();
        let tl = s.timeline.unwrap();
        assert!(tl.buckets.len() <= 61, "{}", tl.buckets.len());
        assert_eq!(tl.buckets.iter().map(|b| b.events).sum::<u64>(), 10_000);
        assert!(s.data_quality.is_none());
    }

    #[test]
    fn out_of_order_and_duplicates_are_counted_per_file() {
        let mut t = Tally::new(10);
        for line in [
            r#"{"@timestamp":"2024-01-01T00:00:10Z","log":{"file":{"path":"a"}}}"#,
            r#"{"@timestamp":"2024-01-01T00:00:05Z","log":{"file":{"path":"b"}}}"#,
            r#"{"@timestamp":"2024-01-01T00:00:01Z","log":{"file":{"path":"a"}}}"#,
            r#"{"@timestamp":"2024-01-01T00:00:01Z","log":{"file":{"path":"a"}}}"#,
        ] {
            t.add(&obs(line));
        }
        assert_eq!((t.out_of_order, t.max_back, t.duplicates), (2, 9000, 1));
    }

    #[test]
    fn reasons_group_by_shape() {
        assert_eq!(numbers_as_n("invalid JSON at byte 17: expected 2"), "invalid JSON at byte N: expected N");
        assert_eq!(numbers_as_n("W3C line has 4 fields, é 12"), "W3C line has N fields, é N");
        assert_eq!(duration(252), "4m12s");
        assert_eq!(duration(90_061), "1d1h");
    }
}
