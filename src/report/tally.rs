//! The one streaming pass: every event is counted here, in input order, in bounded memory.
//! Low-cardinality counts (datasets, levels, rules, buckets) are exact; high-cardinality
//! fields (addresses, users, URLs, processes) go through Space-Saving counters that are
//! exact until they overflow and then keep every frequent value with an error bound.

use super::obs::{Obs, F};
use super::partial::{bottom_k, finite, sorted_map, timestamp};
use super::summary::*;
use super::topk::{Merge, TopK};
use crate::fasthash::{FastMap, FastSet};
use crate::time::{parse_iso, Timestamp, Zone};
use serde::{Deserialize, Serialize};

/// Counters per high-cardinality field.
const FIELD_CAP: usize = 4096;
/// Exact-duplicate detection remembers this many distinct events.
pub(super) const DEDUP_CAP: usize = 1 << 22;
/// Distinct processes remembered.
pub(super) const PROCESS_CAP: usize = 1 << 20;
/// Score samples kept for the histogram (a uniform reservoir beyond this).
const SCORE_SAMPLE: usize = 1 << 20;
/// Files whose last timestamp is remembered for the order check.
const ORDER_FILES: usize = 10_000;
/// Internal timeline buckets; past this the bucket width grows.
pub(super) const MAX_BUCKETS: usize = 4096;
/// Bucket widths in seconds; each divides the next, so buckets merge exactly.
const WIDTHS: &[i64] =
    &[1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800, 2_419_200, 31_449_600];

/// The talker fields, in report order.
pub const TALKERS: &[(F, &str, &str)] = &[
    (F::SourceIp, "source.ip", "Source IPs"),
    (F::DestIp, "destination.ip", "Destination IPs"),
    (F::User, "user.name", "Users"),
    (F::Process, "process.name", "Processes"),
    (F::Url, "url.original", "URLs"),
];

#[derive(Default, Serialize, Deserialize)]
pub(super) struct Login {
    failures: u64,
    successes: u64,
}

impl Merge for Login {
    fn merge(&mut self, o: Login) {
        self.failures += o.failures;
        self.successes += o.successes;
    }
}

#[derive(Default, Serialize, Deserialize)]
pub(super) struct Rule {
    name: String,
    level: String,
    first: Option<i64>,
    last: Option<i64>,
    /// The example: the alert of this rule that started first (then the least reason), so
    /// which one is shown does not depend on the order alerts arrive in.
    example_at: Option<i64>,
    reason: String,
}

impl Rule {
    /// Takes `name`, `level` and `reason` as the example when its alert started before the
    /// current example (alerts without a time come last; ties go to the least text).
    fn offer(&mut self, at: Option<i64>, name: &str, level: &str, reason: &str) {
        let key = |at: Option<i64>| at.unwrap_or(i64::MAX);
        let better = self.name.is_empty()
            || (key(at), reason, name, level) < (key(self.example_at), &*self.reason, &*self.name, &*self.level);
        if better {
            self.example_at = at;
            self.name = name.to_string();
            self.level = level.to_string();
            self.reason = reason.to_string();
        }
    }
}

impl Merge for Rule {
    fn merge(&mut self, o: Rule) {
        self.first = min_opt(self.first, o.first);
        self.last = self.last.max(o.last);
        if !o.name.is_empty() {
            self.offer(o.example_at, &o.name, &o.level, &o.reason);
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
pub(super) struct RejectExample(String);

impl Merge for RejectExample {
    /// The first part's example stays: for a file split in order, the first line.
    fn merge(&mut self, o: RejectExample) {
        if self.0.is_empty() {
            self.0 = o.0;
        }
    }
}

#[derive(Default, Clone, Copy, Serialize, Deserialize)]
pub(super) struct Counts3 {
    events: u64,
    alerts: u64,
    anomalies: u64,
}

impl Counts3 {
    fn add(&mut self, o: &Counts3) {
        self.events += o.events;
        self.alerts += o.alerts;
        self.anomalies += o.anomalies;
    }
}

/// Everything counted so far. Serialized, it is the partial summary of `report --partial`
/// (see `partial.rs`), so every field is either mergeable or skipped.
#[derive(Serialize, Deserialize)]
pub struct Tally {
    pub(super) top: usize,
    /// Input file names by id, for events without `log.file.path`.
    #[serde(skip)]
    pub inputs: Vec<String>,
    records: u64,
    alerts: u64,
    #[serde(with = "timestamp")]
    first: Option<Timestamp>,
    #[serde(with = "timestamp")]
    last: Option<Timestamp>,
    datasets: TopK<()>,
    files: TopK<()>,
    types: TopK<()>,
    width: i64,
    #[serde(with = "sorted_map")]
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
    #[serde(with = "finite")]
    score_min: f64,
    #[serde(with = "finite")]
    score_max: f64,
    scores: Vec<f64>,
    rng: u64,
    worst: Vec<Anomalous>,
    process_events: u64,
    #[serde(with = "bottom_k")]
    processes: FastSet<u64>,
    processes_full: bool,
    /// Distinct processes known to exist beyond `processes` (parts whose set was cut).
    #[serde(default)]
    processes_at_least: u64,
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
    #[serde(with = "sorted_map")]
    last_by_file: FastMap<Box<str>, i64>,
    /// Partial summaries were merged into this one (order was checked within each only).
    #[serde(default)]
    merged_parts: bool,
    #[serde(with = "bottom_k")]
    seen: FastSet<u64>,
    seen_full: bool,
    /// Some partial summary kept only a sample of its distinct events.
    #[serde(default)]
    seen_sampled: bool,
    duplicates: u64,
    unknown_format: u64,
    /// Reused for composed keys.
    #[serde(skip)]
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
            processes_at_least: 0,
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
            merged_parts: false,
            seen: FastSet::default(),
            seen_full: false,
            seen_sampled: false,
            duplicates: 0,
            unknown_format: 0,
            scratch: String::new(),
        }
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    pub fn scored(&self) -> u64 {
        self.scored
    }

    /// Rows of the ranked lists that are exact: the smallest `--top` of the merged parts.
    pub fn ranked_rows(&self) -> usize {
        self.top
    }

    /// The rows to show in each top list (after a merge); the ranked list of anomalies keeps
    /// what it has, as rows beyond the parts' own `--top` would not be exact.
    pub fn set_top(&mut self, top: usize) {
        self.top = top;
    }

    /// A line rejected before it became an event (here or, through `--rejects`, upstream).
    pub fn reject(&mut self, file: &str, line: u64, reason: &str) {
        let example = self.rejects.add(&numbers_as_n(reason), 1);
        if example.0.is_empty() {
            example.0 = format!("{file}:{line}");
        }
    }

    pub fn add(&mut self, o: &Obs) {
        self.records += 1;
        let alert = o.get(F::Kind) == Some("alert");
        let ts = match o.get(F::Timestamp) {
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
        self.datasets.add(o.get(F::Dataset).unwrap_or("(none)"), 1);
        let inputs = std::mem::take(&mut self.inputs);
        let file = match o.get(F::LogFile) {
            Some(f) => f,
            None => inputs.get(o.file as usize).map_or("(stdin)", |s| s.as_str()),
        };
        self.files.add(file, 1);
        if alert {
            self.alerts += 1;
            self.alert(o, ts);
        } else {
            self.event(o, ts, file);
        }
        self.inputs = inputs;
        let anomalous = self.anomaly(o, ts);
        if let Some(t) = ts {
            let c = self.bucket(t.secs);
            if alert {
                c.alerts += 1;
            } else {
                c.events += 1;
            }
            if anomalous {
                c.anomalies += 1;
            }
        }
    }

    fn event(&mut self, o: &Obs, ts: Option<Timestamp>, file: &str) {
        match (o.get(F::Action), o.get(F::Category), o.get(F::Type)) {
            (Some(a), _, _) => {
                self.types.add(a, 1);
            }
            (None, Some(c), Some(t)) => {
                let mut kind = std::mem::take(&mut self.scratch);
                kind.clear();
                kind.push_str(c);
                kind.push('/');
                kind.push_str(t);
                self.types.add(&kind, 1);
                self.scratch = kind;
            }
            (None, Some(c), None) => {
                self.types.add(c, 1);
            }
            (None, None, _) => {
                self.types.add("(unspecified)", 1);
            }
        }
        for (i, &(f, _, _)) in TALKERS.iter().enumerate() {
            for v in o.all(f) {
                self.talkers[i].add(v, 1);
            }
        }
        if o.all(F::Category).any(|c| c == "authentication") {
            let outcome = o.get(F::Outcome);
            if matches!(outcome, Some("success" | "failure")) {
                let l = self.logins.add(o.get(F::User).unwrap_or("(no user)"), 1);
                if outcome == Some("failure") {
                    l.failures += 1;
                    self.login_failures += 1;
                } else {
                    l.successes += 1;
                    self.login_successes += 1;
                }
            }
        }
        if o.has(F::Pid) || o.has(F::Entity) || o.has(F::TreeDepth) {
            self.process(o);
        }
        if o.get(F::Dataset) == Some("logward.text") {
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
        let id = o.get(F::RuleId).or(o.get(F::RuleName)).unwrap_or("(no rule id)");
        let level =
            o.get(F::Level).map(str::to_string).or_else(|| o.num(F::Severity).map(level_of)).unwrap_or_default();
        let first = o.get(F::Start).and_then(parse_time).or(ts).map(|t| t.secs);
        let last = o.get(F::End).and_then(parse_time).or(ts).map(|t| t.secs);
        let r = self.rules.add(id, 1);
        r.offer(first, o.get(F::RuleName).unwrap_or(id), &level, o.get(F::Reason).unwrap_or(""));
        r.first = min_opt(r.first, first);
        r.last = r.last.max(last);
        self.levels.add(if level.is_empty() { "(none)" } else { &level }, 1);
        let names: Vec<&str> = o.all(F::TechniqueName).collect();
        for (i, id) in o.all(F::TechniqueId).enumerate() {
            match names.get(i) {
                Some(n) => self.techniques.add(&format!("{id} {n}"), 1),
                None => self.techniques.add(id, 1),
            };
        }
        for t in o.all(F::TacticName) {
            self.tactics.add(t, 1);
        }
        if let Some(t) = o.get(F::ThreatType) {
            self.threat_types.add(t, 1);
        }
    }

    /// Counts a scored record; true when its severity says it is anomalous.
    fn anomaly(&mut self, o: &Obs, ts: Option<Timestamp>) -> bool {
        let Some(score) = o.num(F::Score).filter(|s| s.is_finite()) else {
            return false;
        };
        self.scored += 1;
        let severity = o.get(F::AnomalySeverity).unwrap_or("(none)");
        self.severities.add(severity, 1);
        self.score_min = self.score_min.min(score);
        self.score_max = self.score_max.max(score);
        if self.scores.len() < SCORE_SAMPLE {
            self.scores.push(score);
        } else {
            // Reservoir sampling (Algorithm R) with a fixed-seed xorshift: deterministic.
            let j = (self.next_random() % self.scored) as usize;
            if j < SCORE_SAMPLE {
                self.scores[j] = score;
            }
        }
        if self.worst.len() < self.top || self.worst.last().is_some_and(|w| score >= w.score) {
            let candidate = Anomalous {
                score,
                severity: severity.to_string(),
                session: o.get(F::Session).map(str::to_string),
                timestamp: ts.map(|t| t.to_rfc3339()),
                template: o.get(F::TemplatePattern).or(o.get(F::TemplateId)).map(str::to_string),
                message: o.get(F::Message).map(|m| super::clip(m, 200)),
            };
            let at = self.worst.partition_point(|w| w.rank(&candidate).is_le());
            if at < self.top {
                self.worst.insert(at, candidate);
                self.worst.truncate(self.top);
            }
        }
        !matches!(severity, "none" | "(none)")
    }

    fn process(&mut self, o: &Obs) {
        self.process_events += 1;
        let key = match o.get(F::Entity) {
            Some(e) => format!("e\u{0}{e}"),
            None => format!("p\u{0}{}\u{0}{}", o.get(F::Host).unwrap_or(""), o.get(F::Pid).unwrap_or("")),
        };
        let h = crate::fasthash::hash64(key.as_bytes());
        if self.processes.len() < PROCESS_CAP {
            self.processes.insert(h);
        } else if !self.processes.contains(&h) {
            self.processes_full = true;
        }
        if let Some(n) = o.get(F::Process) {
            self.names.add(n, 1);
            if let Some(p) = o.get(F::ParentName) {
                self.parent_child.add(&format!("{p} → {n}"), 1);
            }
        }
        if let Some(d) = o.num(F::TreeDepth) {
            self.tree_nodes += 1;
            self.tree_roots += u64::from(d == 0.0);
            self.tree_depth = self.tree_depth.max(d as u64);
            for f in o.all(F::TreeFlags) {
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

    /// Adds the tally of another part of the input (`report --merge`); `other` is taken to
    /// come after `self` where order matters (reject examples, the order check).
    pub fn merge(&mut self, o: Tally) {
        self.top = self.top.min(o.top);
        self.records += o.records;
        self.alerts += o.alerts;
        self.first = [self.first, o.first].into_iter().flatten().min();
        self.last = self.last.max(o.last);
        self.datasets.merge(o.datasets);
        self.files.merge(o.files);
        self.types.merge(o.types);
        // Buckets at the wider of the two widths (each width divides the next), then widened
        // as one pass would.
        let width = self.width.max(o.width);
        let rebucket = |buckets: FastMap<i64, Counts3>, from: i64, into: &mut FastMap<i64, Counts3>| {
            for (k, c) in buckets {
                into.entry((k * from).div_euclid(width)).or_default().add(&c);
            }
        };
        let mut buckets = FastMap::default();
        rebucket(std::mem::take(&mut self.buckets), self.width, &mut buckets);
        rebucket(o.buckets, o.width, &mut buckets);
        self.buckets = buckets;
        self.width = width;
        if self.buckets.len() >= MAX_BUCKETS {
            self.widen();
        }
        for (mine, theirs) in self.talkers.iter_mut().zip(o.talkers) {
            mine.merge(theirs);
        }
        self.logins.merge(o.logins);
        self.login_failures += o.login_failures;
        self.login_successes += o.login_successes;
        self.rules.merge(o.rules);
        self.levels.merge(o.levels);
        self.techniques.merge(o.techniques);
        self.tactics.merge(o.tactics);
        self.threat_types.merge(o.threat_types);
        self.merge_scores(o.scored, o.scores, o.rng);
        self.severities.merge(o.severities);
        self.score_min = self.score_min.min(o.score_min);
        self.score_max = self.score_max.max(o.score_max);
        self.worst.extend(o.worst);
        self.worst.sort_by(Anomalous::rank);
        self.worst.truncate(self.top);
        self.process_events += o.process_events;
        self.processes_at_least = self.processes_at_least.max(o.processes_at_least).max(o.processes.len() as u64);
        for h in o.processes {
            if self.processes.len() < PROCESS_CAP {
                self.processes.insert(h);
            } else if !self.processes.contains(&h) {
                self.processes_full = true;
            }
        }
        self.processes_full |= o.processes_full;
        self.names.merge(o.names);
        self.parent_child.merge(o.parent_child);
        self.tree_nodes += o.tree_nodes;
        self.tree_roots += o.tree_roots;
        self.tree_depth = self.tree_depth.max(o.tree_depth);
        self.tree_flags.merge(o.tree_flags);
        self.rejects.merge(o.rejects);
        self.no_timestamp += o.no_timestamp;
        self.bad_timestamp += o.bad_timestamp;
        self.out_of_order += o.out_of_order;
        self.max_back = self.max_back.max(o.max_back);
        // Order is checked within each part only: whether an event of one part came before
        // one of another is not known (Spark's partitions interleave), so this is a lower bound.
        for (file, last) in o.last_by_file {
            let room = self.last_by_file.len() < ORDER_FILES;
            match self.last_by_file.get_mut(&file) {
                Some(prev) => *prev = (*prev).max(last),
                None if room => {
                    self.last_by_file.insert(file, last);
                }
                None => {}
            }
        }
        self.merged_parts = true;
        self.duplicates += o.duplicates;
        for h in o.seen {
            if self.seen.contains(&h) {
                self.duplicates += 1;
            } else if self.seen.len() < DEDUP_CAP {
                self.seen.insert(h);
            } else {
                self.seen_full = true;
            }
        }
        self.seen_full |= o.seen_full;
        self.seen_sampled |= o.seen_sampled;
        self.unknown_format += o.unknown_format;
    }

    /// Merges the other part's score sample: kept whole while both are whole and fit,
    /// else each part gives a share of the sample in proportion to its count of scores.
    fn merge_scores(&mut self, scored: u64, mut scores: Vec<f64>, rng: u64) {
        let (n1, n2) = (self.scored, scored);
        self.scored += scored;
        if self.scores.len() + scores.len() <= SCORE_SAMPLE {
            self.scores.append(&mut scores);
            return;
        }
        self.rng ^= rng.rotate_left(29);
        let take = (SCORE_SAMPLE as f64 * n1 as f64 / (n1 + n2) as f64).round() as usize;
        let take = take.min(self.scores.len()).max(SCORE_SAMPLE.saturating_sub(scores.len()));
        let mut mine = std::mem::take(&mut self.scores);
        self.sample_into(&mut mine, take);
        self.sample_into(&mut scores, SCORE_SAMPLE - take);
        mine.append(&mut scores);
        self.scores = mine;
    }

    /// Keeps `k` values of `v` chosen uniformly (a partial Fisher-Yates shuffle).
    fn sample_into(&mut self, v: &mut Vec<f64>, k: usize) {
        let k = k.min(v.len());
        for i in 0..k {
            let j = i + (self.next_random() % (v.len() - i) as u64) as usize;
            v.swap(i, j);
        }
        v.truncate(k);
    }

    fn next_random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Cuts the hash sets to their `k` smallest values before the tally is written as a
    /// partial summary, noting what that loses.
    pub(super) fn cut_sets(&mut self, k: usize) {
        fn cut(set: &mut FastSet<u64>, k: usize) -> bool {
            if set.len() <= k {
                return false;
            }
            let mut v: Vec<u64> = set.iter().copied().collect();
            v.sort_unstable();
            *set = v[..k].iter().copied().collect();
            true
        }
        let distinct = self.processes.len() as u64;
        if cut(&mut self.processes, k) {
            self.processes_at_least = self.processes_at_least.max(distinct);
            self.processes_full = true;
        }
        if cut(&mut self.seen, k) {
            self.seen_sampled = true;
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
            distinct: (self.processes.len() as u64).max(self.processes_at_least),
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
        // The range from the first and last timestamps, not from the buckets, so that it does
        // not depend on how wide the buckets grew (a merge of parts may widen differently).
        let lo = self.first.map_or(0, |t| t.secs);
        let hi = self.last.map_or(0, |t| t.secs);
        let span = hi - lo + 1;
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
                "kept in input order; up to {} earlier than an event before them in the same file{}. Correlation rules in `detect` measure time on @timestamp, so sort first if the gaps matter",
                duration(self.max_back / 1000),
                if self.merged_parts { " (at least: counted within each partial summary)" } else { "" }
            ),
        );
        let dedup_note = match (self.seen_full, self.seen_sampled) {
            (_, true) => format!(
                " (at least: across partial summaries, checked on a sample of {} distinct events of each)",
                super::partial::SET_SAMPLE
            ),
            (true, false) => format!(" (checked against the first {DEDUP_CAP} distinct events)"),
            _ => String::new(),
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
            .map(|e| RejectRow { reason: e.key.to_string(), count: e.count, example: e.data.0.clone() })
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
