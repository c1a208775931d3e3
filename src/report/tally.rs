//! The one streaming pass: every event is counted here, in input order, in bounded memory.
//! Low-cardinality counts (datasets, levels, rules, buckets) are exact; high-cardinality
//! fields (addresses, users, hosts, URLs, processes) go through Space-Saving counters that
//! are exact until they overflow and then keep every frequent value with an error bound.

use super::obs::{Field, Obs};
use super::partial::{bottom_k, finite, sorted_map, timestamp};
use super::payload::*;
use super::summary::*;
use super::topk::TopK;
use crate::fasthash::{hash64, FastMap, FastSet};
use crate::io::RejectKind;
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
/// Alerts listed one by one unless `--max-alerts` says otherwise.
pub const DEFAULT_MAX_ALERTS: usize = 1000;
/// Separates the parts of a composed key (list, source, destination).
const SEP: char = '\u{1f}';

/// The talker fields, in report order.
pub const TALKERS: &[(Field, &str, &str)] = &[
    (Field::SourceIp, "source.ip", "Source IPs"),
    (Field::DestIp, "destination.ip", "Destination IPs"),
    (Field::User, "user.name", "Users"),
    (Field::Process, "process.name", "Processes"),
    (Field::Url, "url.original", "URLs"),
];

/// Everything counted so far. Serialized, it is the partial summary of `report --partial`
/// (see `partial.rs`), so every field is either mergeable or skipped.
#[derive(Serialize, Deserialize)]
pub struct Tally {
    pub(super) top: usize,
    #[serde(default = "default_max_alerts")]
    pub(super) max_alerts: usize,
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
    buckets: FastMap<i64, Counts>,
    talkers: Vec<TopK<()>>,
    hosts: TopK<HostStat>,
    auth_users: TopK<AuthStat>,
    auth_sources: TopK<AuthStat>,
    login_failures: u64,
    login_successes: u64,
    windows_logons: u64,
    logon_types: TopK<Login>,
    rules: TopK<Rule>,
    levels: TopK<()>,
    techniques: TopK<()>,
    tactics: TopK<()>,
    threat_types: TopK<()>,
    alert_hosts: TopK<()>,
    alert_sources: TopK<()>,
    alert_users: TopK<()>,
    /// The alerts listed one by one, in [`AlertRow::priority`] order, at most `max_alerts`.
    alert_list: Vec<AlertRow>,
    ip_lists: TopK<()>,
    ip_hits: TopK<()>,
    countries: TopK<()>,
    asns: TopK<()>,
    source_info: TopK<SourceInfo>,
    scored: u64,
    outside_vocabulary: u64,
    anomalous: u64,
    severities: TopK<()>,
    #[serde(with = "finite")]
    score_min: f64,
    #[serde(with = "finite")]
    score_max: f64,
    scores: Vec<f64>,
    rng: u64,
    worst: Vec<Anomalous>,
    worst_unknown: Vec<Anomalous>,
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

fn default_max_alerts() -> usize {
    DEFAULT_MAX_ALERTS
}

/// A Windows logon (Security log, event 4624 or 4625), with its outcome.
fn windows_logon(o: &Obs) -> Option<bool> {
    if o.get(Field::WinChannel).is_some_and(|c| c.eq_ignore_ascii_case("security")) {
        match o.get(Field::WinEventId) {
            Some("4624") => return Some(false),
            Some("4625") => return Some(true),
            _ => {}
        }
    }
    None
}

/// `3 (Network)`: a Windows logon type with its name (Microsoft's "Audit logon events").
fn logon_type_label(t: &str) -> String {
    let name = match t.trim() {
        "0" => "System",
        "2" => "Interactive",
        "3" => "Network",
        "4" => "Batch",
        "5" => "Service",
        "7" => "Unlock",
        "8" => "NetworkCleartext",
        "9" => "NewCredentials",
        "10" => "RemoteInteractive",
        "11" => "CachedInteractive",
        "12" => "CachedRemoteInteractive",
        "13" => "CachedUnlock",
        _ => return t.to_string(),
    };
    format!("{} ({name})", t.trim())
}

impl Tally {
    pub fn new(top: usize, max_alerts: usize) -> Self {
        fn topk<P: Default>(top: usize) -> TopK<P> {
            TopK::new(FIELD_CAP.max(top * 4))
        }
        Tally {
            top,
            max_alerts,
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
            hosts: topk(top),
            auth_users: topk(top),
            auth_sources: topk(top),
            login_failures: 0,
            login_successes: 0,
            windows_logons: 0,
            logon_types: topk(top),
            rules: topk(top),
            levels: topk(top),
            techniques: topk(top),
            tactics: topk(top),
            threat_types: topk(top),
            alert_hosts: topk(top),
            alert_sources: topk(top),
            alert_users: topk(top),
            alert_list: Vec::new(),
            ip_lists: topk(top),
            ip_hits: topk(top),
            countries: topk(top),
            asns: topk(top),
            source_info: topk(top),
            scored: 0,
            outside_vocabulary: 0,
            anomalous: 0,
            severities: topk(top),
            score_min: f64::INFINITY,
            score_max: f64::NEG_INFINITY,
            scores: Vec::new(),
            rng: 0x9e37_79b9_7f4a_7c15,
            worst: Vec::new(),
            worst_unknown: Vec::new(),
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

    /// The alerts listed after a merge: the smallest `--max-alerts` of the parts.
    pub fn max_alerts(&self) -> usize {
        self.max_alerts
    }

    /// The rows to show in each top list (after a merge); the ranked list of anomalies keeps
    /// what it has, as rows beyond the parts' own `--top` would not be exact.
    pub fn set_top(&mut self, top: usize) {
        self.top = top;
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
        let secs = ts.map(|t| t.secs);
        self.datasets.add(o.get(Field::Dataset).unwrap_or("(none)"), 1);
        let inputs = std::mem::take(&mut self.inputs);
        let file = match o.get(Field::LogFile) {
            Some(f) => f,
            None => inputs.get(o.file as usize).map_or("(stdin)", |s| s.as_str()),
        };
        self.files.add(file, 1);
        let mut failure = None;
        if alert {
            self.alerts += 1;
            self.alert(o, ts);
        } else {
            failure = self.event(o, ts, file, weight);
        }
        self.inputs = inputs;
        if let Some(h) = o.get(Field::Host) {
            let s = self.hosts.add(h, 1);
            s.alerts += u64::from(alert);
            s.failures += u64::from(failure == Some(true));
            s.first = min_opt(s.first, secs);
            s.last = s.last.max(secs);
        }
        if o.has(Field::Tags) || o.has(Field::CountryIso) || o.has(Field::AsNumber) {
            self.source_intel(o);
        }
        let anomalous = self.anomaly(o, ts);
        if let Some(t) = secs {
            let c = self.bucket(t);
            if alert {
                c.alerts += 1;
            } else {
                c.events += weight;
            }
            c.anomalies += u64::from(anomalous);
            match failure {
                Some(true) => c.failures += 1,
                Some(false) => c.successes += 1,
                None => {}
            }
        }
    }

    /// Counts an event (not an alert); returns whether it was a failed (true) or successful
    /// (false) authentication attempt.
    fn event(&mut self, o: &Obs, ts: Option<Timestamp>, file: &str, weight: u64) -> Option<bool> {
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
                // Say what these are instead of "(unspecified)": their dataset.
                let mut kind = std::mem::take(&mut self.scratch);
                kind.clear();
                kind.push('(');
                kind.push_str(o.get(Field::Dataset).unwrap_or("no dataset"));
                kind.push_str(": no action or category)");
                self.types.add(&kind, weight);
                self.scratch = kind;
            }
        }
        for (i, &(f, _, _)) in TALKERS.iter().enumerate() {
            for v in o.all(f) {
                self.talkers[i].add(v, weight);
            }
        }
        let windows = windows_logon(o);
        let failure = match (o.get(Field::Outcome), windows) {
            (Some("failure"), _) => Some(true),
            (Some("success"), _) => Some(false),
            (_, Some(w)) => Some(w),
            _ => None,
        }
        .filter(|_| windows.is_some() || o.all(Field::Category).any(|c| c == "authentication"));
        if let Some(failed) = failure {
            self.authentication(o, failed, ts.map(|t| t.secs), windows.is_some(), weight);
        }
        if o.has(Field::Entity) || o.has(Field::TreeDepth) || o.all(Field::Category).any(|c| c == "process") {
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
        failure
    }

    fn authentication(&mut self, o: &Obs, failed: bool, at: Option<i64>, windows: bool, n: u64) {
        let user = o.get(Field::User).unwrap_or("(no user)");
        let source = o.get(Field::SourceIp);
        self.auth_users.add(user, n).record_n(failed, at, source.map(|s| hash64(s.as_bytes())), n);
        if let Some(src) = source {
            self.auth_sources.add(src, n).record_n(failed, at, Some(hash64(user.as_bytes())), n);
        }
        if failed {
            self.login_failures += n;
        } else {
            self.login_successes += n;
        }
        if windows {
            self.windows_logons += 1;
            let l = self.logon_types.add(&logon_type_label(o.get(Field::LogonType).unwrap_or("(none)")), 1);
            if failed {
                l.failures += 1;
            } else {
                l.successes += 1;
            }
        }
    }

    /// IP-list tags and GeoIP of the source.
    fn source_intel(&mut self, o: &Obs) {
        let src = o.get(Field::SourceIp).unwrap_or("");
        let dst = o.get(Field::DestIp).unwrap_or("");
        let mut lists: Vec<&str> = o.all(Field::Tags).filter_map(|t| t.strip_prefix("ip_list:")).collect();
        lists.sort_unstable();
        lists.dedup();
        for l in &lists {
            self.ip_lists.add(l, 1);
            let key = format!("{l}{SEP}{src}{SEP}{dst}");
            self.ip_hits.add(&key, 1);
        }
        let country = o.get(Field::CountryIso);
        if let Some(cc) = country {
            let key = format!("{cc}{SEP}{}", o.get(Field::CountryName).unwrap_or(""));
            self.countries.add(&key, 1);
        }
        if let Some(asn) = o.get(Field::AsNumber) {
            let key = format!("{asn}{SEP}{}", o.get(Field::AsOrg).unwrap_or(""));
            self.asns.add(&key, 1);
        }
        if !src.is_empty() && (country.is_some() || !lists.is_empty()) {
            let info = self.source_info.add(src, 1);
            if let Some(cc) = country {
                if info.country.is_empty() || *cc < *info.country {
                    info.country = cc.to_string();
                }
            }
            for l in lists {
                add_few(&mut info.lists, &l.to_string());
            }
        }
    }

    fn alert(&mut self, o: &Obs, ts: Option<Timestamp>) {
        let id = o.get(Field::RuleId).or(o.get(Field::RuleName)).unwrap_or("(no rule id)");
        let name = o.get(Field::RuleName).unwrap_or(id);
        let level = o
            .get(Field::Level)
            .map(str::to_string)
            .or_else(|| o.num(Field::Severity).map(level_of))
            .unwrap_or_default();
        let first = o.get(Field::Start).and_then(parse_time).or(ts).map(|t| t.secs);
        let last = o.get(Field::End).and_then(parse_time).or(ts).map(|t| t.secs);
        // ATT&CK: sub-techniques where named, else techniques, else detect's `attack.tNNNN` tags.
        let (mut attack, mut attack_names): (Vec<String>, Vec<String>) = if o.has(Field::SubtechniqueId) {
            (
                o.all(Field::SubtechniqueId).map(str::to_string).collect(),
                o.all(Field::SubtechniqueName).map(str::to_string).collect(),
            )
        } else {
            (
                o.all(Field::TechniqueId).map(str::to_string).collect(),
                o.all(Field::TechniqueName).map(str::to_string).collect(),
            )
        };
        if attack.is_empty() {
            attack = o
                .all(Field::Tags)
                .filter_map(|t| t.strip_prefix("attack.t"))
                .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
                .map(|t| format!("T{}", t.to_ascii_uppercase()))
                .collect();
            attack_names.clear();
        }
        if attack_names.len() != attack.len() {
            attack_names.clear();
        }
        let r = self.rules.add(id, 1);
        r.offer(first, name, &level, o.get(Field::Reason).unwrap_or(""));
        r.first = min_opt(r.first, first);
        r.last = r.last.max(last);
        for a in &attack {
            add_few(&mut r.techniques, a);
        }
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
        let (host, user, source) = (o.get(Field::Host), o.get(Field::User), o.get(Field::SourceIp));
        if let Some(h) = host {
            self.alert_hosts.add(h, 1);
        }
        if let Some(s) = source {
            self.alert_sources.add(s, 1);
        }
        if let Some(u) = user {
            self.alert_users.add(u, 1);
        }
        if self.max_alerts == 0 {
            return;
        }
        let time = ts.or_else(|| o.get(Field::Start).and_then(parse_time)).map(|t| t.to_rfc3339());
        let level = if level.is_empty() { "(none)".into() } else { level };
        // A full list: build the row only when it may rank above the last one kept.
        if let Some(last) = self.alert_list.last().filter(|_| self.alert_list.len() >= self.max_alerts) {
            let (mine, theirs) = (level_rank(&level), level_rank(&last.level));
            let later = match (&time, &last.time) {
                (Some(a), Some(b)) => a > b,
                (None, Some(_)) => true,
                _ => false,
            };
            if mine < theirs || (mine == theirs && later) {
                return;
            }
        }
        let row = AlertRow {
            time,
            level,
            rule: name.to_string(),
            rule_id: id.to_string(),
            host: host.map(str::to_string),
            user: user.map(str::to_string),
            source: source.map(str::to_string),
            country: None,
            lists: Vec::new(),
            attack,
            attack_names,
            reason: o.get(Field::Reason).map(|r| super::clip(r, 300)).unwrap_or_default(),
        };
        insert_ranked(&mut self.alert_list, row, self.max_alerts, AlertRow::priority);
    }

    /// Counts a scored record; true when it is anomalous (a severity above none, inside the
    /// model's vocabulary).
    fn anomaly(&mut self, o: &Obs, ts: Option<Timestamp>) -> bool {
        let Some(score) = o.num(Field::Score).filter(|s| s.is_finite()) else {
            return false;
        };
        self.scored += 1;
        let unknown = o.get(Field::Unknown) == Some("true");
        let severity = o.get(Field::AnomalySeverity).unwrap_or("(none)");
        let (list, top) = if unknown {
            self.outside_vocabulary += 1;
            (&mut self.worst_unknown, self.top)
        } else {
            self.severities.add(severity, 1);
            self.score_min = self.score_min.min(score);
            self.score_max = self.score_max.max(score);
            let n = self.scored - self.outside_vocabulary;
            if self.scores.len() < SCORE_SAMPLE {
                self.scores.push(score);
            } else {
                // Reservoir sampling (Algorithm R) with a fixed-seed xorshift: deterministic.
                let j = (self.next_random() % n) as usize;
                if j < SCORE_SAMPLE {
                    self.scores[j] = score;
                }
            }
            (&mut self.worst, self.top)
        };
        if list.len() < top || list.last().is_some_and(|w| score >= w.score) {
            let candidate = Anomalous {
                score,
                severity: severity.to_string(),
                session: o.get(Field::Session).map(str::to_string),
                timestamp: ts.map(|t| t.to_rfc3339()),
                template: o.get(Field::TemplatePattern).or(o.get(Field::TemplateId)).map(str::to_string),
                message: o.get(Field::Message).map(|m| super::clip(m, 200)),
                explanation: o.get(Field::Explanation).map(|m| super::clip(m, 300)),
            };
            insert_ranked(list, candidate, top, Anomalous::rank);
        }
        let anomalous = !unknown && !matches!(severity, "none" | "(none)");
        self.anomalous += u64::from(anomalous);
        anomalous
    }

    fn process(&mut self, o: &Obs) {
        self.process_events += 1;
        let key = match o.get(Field::Entity) {
            Some(e) => format!("e\u{0}{e}"),
            None => format!("p\u{0}{}\u{0}{}", o.get(Field::Host).unwrap_or(""), o.get(Field::Pid).unwrap_or("")),
        };
        let h = hash64(key.as_bytes());
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

    fn bucket(&mut self, secs: i64) -> &mut Counts {
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
            let mut merged: FastMap<i64, Counts> = FastMap::default();
            for (k, c) in self.buckets.drain() {
                merged.entry(k.div_euclid(factor)).or_default().add(&c);
            }
            self.buckets = merged;
            self.width = next;
        }
    }

    /// Adds the tally of another part of the input (`report --merge`); `other` is taken to
    /// come after `self` where order matters (reject examples).
    pub fn merge(&mut self, o: Tally) {
        self.top = self.top.min(o.top);
        self.max_alerts = self.max_alerts.min(o.max_alerts);
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
        let rebucket = |buckets: FastMap<i64, Counts>, from: i64, into: &mut FastMap<i64, Counts>| {
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
        self.hosts.merge(o.hosts);
        self.auth_users.merge(o.auth_users);
        self.auth_sources.merge(o.auth_sources);
        self.login_failures += o.login_failures;
        self.login_successes += o.login_successes;
        self.windows_logons += o.windows_logons;
        self.logon_types.merge(o.logon_types);
        self.rules.merge(o.rules);
        self.levels.merge(o.levels);
        self.techniques.merge(o.techniques);
        self.tactics.merge(o.tactics);
        self.threat_types.merge(o.threat_types);
        self.alert_hosts.merge(o.alert_hosts);
        self.alert_sources.merge(o.alert_sources);
        self.alert_users.merge(o.alert_users);
        self.alert_list.extend(o.alert_list);
        self.alert_list.sort_by(AlertRow::priority);
        self.alert_list.truncate(self.max_alerts);
        self.ip_lists.merge(o.ip_lists);
        self.ip_hits.merge(o.ip_hits);
        self.countries.merge(o.countries);
        self.asns.merge(o.asns);
        self.source_info.merge(o.source_info);
        let in_vocabulary = o.scored - o.outside_vocabulary;
        self.merge_scores(in_vocabulary, o.scores, o.rng);
        self.scored += o.scored;
        self.outside_vocabulary += o.outside_vocabulary;
        self.anomalous += o.anomalous;
        self.severities.merge(o.severities);
        self.score_min = self.score_min.min(o.score_min);
        self.score_max = self.score_max.max(o.score_max);
        for (mine, theirs) in [(&mut self.worst, o.worst), (&mut self.worst_unknown, o.worst_unknown)] {
            mine.extend(theirs);
            mine.sort_by(Anomalous::rank);
            mine.truncate(self.top);
        }
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

    /// Merges the other part's score sample (of `n2` in-vocabulary scores): kept whole while
    /// both are whole and fit, else each part gives a share of the sample in proportion to
    /// its count of scores.
    fn merge_scores(&mut self, n2: u64, mut scores: Vec<f64>, rng: u64) {
        let n1 = self.scored - self.outside_vocabulary;
        if self.scores.len() + scores.len() <= SCORE_SAMPLE {
            self.scores.append(&mut scores);
            return;
        }
        self.rng ^= rng.rotate_left(29);
        let take = (SCORE_SAMPLE as f64 * n1 as f64 / (n1 + n2).max(1) as f64).round() as usize;
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
        let authentication = (!self.auth_users.is_empty()).then(|| self.authentication_section(top));
        let alerts = (self.alerts > 0).then(|| self.alerts_section(top));
        let anomalies = (self.scored > 0).then(|| self.anomalies_section());
        let nonempty = |t: &TopK<()>| (!t.is_empty()).then(|| counted(t, top));
        let source_intel =
            (!self.ip_lists.is_empty() || !self.countries.is_empty() || !self.asns.is_empty()).then(|| SourceIntel {
                ip_lists: nonempty(&self.ip_lists),
                ip_list_hits: self
                    .ip_hits
                    .sorted()
                    .iter()
                    .take(top)
                    .map(|e| {
                        let mut parts = e.key.splitn(3, SEP);
                        let mut next = || parts.next().unwrap_or("").to_string();
                        ListHit { list: next(), source: next(), destination: next(), count: e.count, error: e.error }
                    })
                    .collect(),
                countries: nonempty(&self.countries).map(|mut c| {
                    for r in &mut c.rows {
                        r.value = match r.value.split_once(SEP) {
                            Some((cc, "")) => cc.to_string(),
                            Some((cc, name)) => format!("{cc} {name}"),
                            None => r.value.clone(),
                        };
                    }
                    c
                }),
                asns: nonempty(&self.asns).map(|mut c| {
                    for r in &mut c.rows {
                        r.value = match r.value.split_once(SEP) {
                            Some((n, "")) => format!("AS{n}"),
                            Some((n, org)) => format!("AS{n} {org}"),
                            None => r.value.clone(),
                        };
                    }
                    c
                }),
            });
        let hosts = (!self.hosts.is_empty()).then(|| Hosts {
            distinct: self.hosts.len() as u64,
            exact: self.hosts.exact(),
            rows: self
                .hosts
                .sorted()
                .iter()
                .take(top)
                .map(|e| HostRow {
                    host: e.key.to_string(),
                    events: e.count.saturating_sub(e.data.alerts),
                    alerts: e.data.alerts,
                    failures: e.data.failures,
                    first: e.data.first.map(rfc3339),
                    last: e.data.last.map(rfc3339),
                })
                .collect(),
        });
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
            alerts,
            authentication,
            anomalies,
            source_intel,
            hosts,
            timeline,
            event_types,
            top_talkers: (!talkers.is_empty()).then_some(talkers),
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
            b.failures += c.failures;
            b.successes += c.successes;
        }
        Timeline { bucket_seconds: width, buckets: out }
    }

    /// The country and lists `enrich` gave a source address.
    fn source_tags(&self, ip: &str) -> (Option<String>, Vec<String>) {
        match self.source_info.get(ip) {
            Some(e) => ((!e.data.country.is_empty()).then(|| e.data.country.clone()), e.data.lists.clone()),
            None => (None, Vec::new()),
        }
    }

    fn auth_row(&self, key: &str, count: u64, s: &AuthStat, source: bool) -> AuthRow {
        let (country, lists) = if source { self.source_tags(key) } else { (None, Vec::new()) };
        AuthRow {
            key: key.to_string(),
            attempts: count,
            failures: s.failures,
            successes: s.successes,
            first: s.first.map(rfc3339),
            last: s.last.map(rfc3339),
            first_failure: s.first_failure.map(rfc3339),
            last_success: s.last_success.map(rfc3339),
            distinct: s.others.len() as u64,
            country,
            lists,
        }
    }

    fn authentication_section(&self, top: usize) -> Authentication {
        let users = self.auth_users.sorted();
        let sources = self.auth_sources.sorted();
        let mut bins: Vec<Bin> = Vec::new();
        for e in &users {
            let k = 64 - (e.count.max(1)).leading_zeros() as usize; // bin k holds 2^(k-1) ..= 2^k - 1
            while bins.len() < k {
                let (from, to) = (1u64 << bins.len(), (1u64 << (bins.len() + 1)) - 1);
                let label = if from == to { from.to_string() } else { format!("{from}–{to}") };
                bins.push(Bin { label, from: from as f64, to: to as f64, count: 0 });
            }
            bins[k - 1].count += 1;
        }
        let mut after: Vec<_> = sources.iter().filter(|e| e.data.success_after_failure()).collect();
        after.sort_by(|a, b| b.data.failures.cmp(&a.data.failures).then_with(|| a.key.cmp(&b.key)));
        let mut newest: Vec<_> = sources.iter().filter(|e| e.data.first.is_some()).collect();
        newest.sort_by(|a, b| b.data.first.cmp(&a.data.first).then_with(|| a.key.cmp(&b.key)));
        let (lo, hi) = (self.first.map(|t| t.secs), self.last.map(|t| t.secs));
        let new_sources = match (lo, hi) {
            (Some(lo), Some(hi)) if hi - lo > 2 * 86_400 && !sources.is_empty() => {
                let since = hi - 86_400;
                Some(NewSources {
                    since: rfc3339(since),
                    count: sources.iter().filter(|e| e.data.first.is_some_and(|f| f >= since)).count() as u64,
                })
            }
            _ => None,
        };
        Authentication {
            attempts: self.auth_users.total(),
            failures: self.login_failures,
            successes: self.login_successes,
            users: self.auth_users.len() as u64,
            sources: self.auth_sources.len() as u64,
            exact: self.auth_users.exact() && self.auth_sources.exact(),
            by_user: users.iter().take(top).map(|e| self.auth_row(&e.key, e.count, &e.data, false)).collect(),
            by_source: sources.iter().take(top).map(|e| self.auth_row(&e.key, e.count, &e.data, true)).collect(),
            attempts_per_user: bins,
            success_after_failures: after
                .iter()
                .take(top)
                .map(|e| self.auth_row(&e.key, e.count, &e.data, true))
                .collect(),
            newest_sources: newest.iter().take(top).map(|e| self.auth_row(&e.key, e.count, &e.data, true)).collect(),
            new_sources,
            windows: (self.windows_logons > 0).then(|| {
                let rows = self.logon_types.sorted();
                WindowsLogons {
                    events: self.windows_logons,
                    failures: rows.iter().map(|e| e.data.failures).sum(),
                    successes: rows.iter().map(|e| e.data.successes).sum(),
                    by_logon_type: rows
                        .iter()
                        .map(|e| LogonTypeRow {
                            logon_type: e.key.to_string(),
                            failures: e.data.failures,
                            successes: e.data.successes,
                        })
                        .collect(),
                }
            }),
        }
    }

    fn alerts_section(&self, top: usize) -> Alerts {
        let time = |s: Option<i64>| s.map(rfc3339);
        let nonempty = |t: &TopK<()>| (!t.is_empty()).then(|| counted(t, top));
        let mut list = self.alert_list.clone();
        for row in &mut list {
            if let Some(src) = &row.source {
                (row.country, row.lists) = self.source_tags(src);
            }
        }
        // Shown in time order (the kept set is chosen by priority).
        list.sort_by(|a, b| {
            let key = |r: &AlertRow| (r.time.is_none(), r.time.clone());
            key(a).cmp(&key(b)).then_with(|| a.priority(b))
        });
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
                    techniques: e.data.techniques.clone(),
                })
                .collect(),
            rules_exact: self.rules.exact(),
            levels: counted(&self.levels, usize::MAX),
            hosts: counted(&self.alert_hosts, top),
            sources: counted(&self.alert_sources, top),
            users: counted(&self.alert_users, top),
            techniques: nonempty(&self.techniques),
            tactics: nonempty(&self.tactics),
            threat_types: nonempty(&self.threat_types),
            list_complete: list.len() as u64 == self.alerts,
            list,
        }
    }

    fn anomalies_section(&mut self) -> Anomalies {
        let in_vocabulary = self.scored - self.outside_vocabulary;
        let (lo, hi) = (self.score_min, self.score_max);
        let mut histogram = Vec::new();
        if in_vocabulary > 0 && lo.is_finite() && hi.is_finite() {
            let (start, step, n) = nice_bins(lo, hi, 20);
            let digits = decimals(step);
            histogram = (0..n)
                .map(|i| {
                    let (from, to) = (start + step * i as f64, start + step * (i + 1) as f64);
                    Bin { label: format!("{from:.digits$}–{to:.digits$}"), from, to, count: 0 }
                })
                .collect();
            for &s in &self.scores {
                let i = (((s - start) / step).floor().max(0.0) as usize).min(n - 1);
                histogram[i].count += 1;
            }
        }
        Anomalies {
            scored: self.scored,
            outside_vocabulary: self.outside_vocabulary,
            anomalous: self.anomalous,
            severities: counted(&self.severities, usize::MAX),
            score_min: lo.is_finite().then_some(lo),
            score_max: hi.is_finite().then_some(hi),
            histogram,
            sampled: in_vocabulary > self.scores.len() as u64,
            most_anomalous: std::mem::take(&mut self.worst),
            outside_vocabulary_top: std::mem::take(&mut self.worst_unknown),
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

/// Inserts `item` into `list` (sorted by `order`) when it belongs among the first `cap`.
fn insert_ranked<T>(list: &mut Vec<T>, item: T, cap: usize, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    let at = list.partition_point(|x| order(x, &item).is_le());
    if at < cap {
        list.insert(at, item);
        list.truncate(cap);
    }
}

/// Histogram bins over [lo, hi]: `(start, step, n)` with a round step (1, 2, 2.5 or 5 times
/// a power of ten) giving about `target` bins, the first edge a multiple of the step.
pub(super) fn nice_bins(lo: f64, hi: f64, target: usize) -> (f64, f64, usize) {
    let span = hi - lo;
    let raw = if span > 0.0 { span / target as f64 } else { (lo.abs() / 10.0).max(1e-9) };
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * p).find(|&s| s >= raw * 0.999_999).unwrap_or(10.0 * p);
    let start = (lo / step).floor() * step;
    let n = (((hi - start) / step).floor() as usize + 1).max(1);
    // A maximum exactly on the last edge belongs in the bin below it.
    let n = if n > 1 && (start + step * (n - 1) as f64 - hi).abs() < step * 1e-9 { n - 1 } else { n };
    (start, step, n)
}

/// Decimals that show a bin step exactly (0.25 → 2, 2 → 0).
pub(super) fn decimals(step: f64) -> usize {
    (0..8).find(|&d| ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6).unwrap_or(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(line: &str) -> Obs {
        Obs::read(line, 0, &mut Vec::new()).unwrap()
    }

    #[test]
    fn timeline_widens_and_keeps_every_count() {
        let mut t = Tally::new(10, DEFAULT_MAX_ALERTS);
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
        let mut t = Tally::new(10, DEFAULT_MAX_ALERTS);
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
    fn score_bins_have_round_edges_covering_the_range() {
        // The demo's scores, 2.1932 to 13.5941: at most 20 bins of a round width, from 2.
        let (start, step, n) = nice_bins(2.1932, 13.5941, 20);
        assert_eq!((start, step, n), (2.0, 1.0, 12));
        assert_eq!(decimals(step), 0);
        assert!(start <= 2.1932 && start + step * n as f64 > 13.5941);
        let (start, step, n) = nice_bins(0.01, 0.9, 20);
        assert_eq!((start, step, decimals(step)), (0.0, 0.05, 2));
        assert!(start + step * n as f64 >= 0.9 && n <= 20);
        // A maximum on an edge falls in the last bin, not one of its own.
        assert_eq!(nice_bins(0.0, 10.0, 10), (0.0, 1.0, 10));
        assert_eq!(nice_bins(5.0, 5.0, 20).2, 1);
    }

    #[test]
    fn reasons_group_by_shape() {
        assert_eq!(numbers_as_n("invalid JSON at byte 17: expected 2"), "invalid JSON at byte N: expected N");
        assert_eq!(numbers_as_n("W3C line has 4 fields, é 12"), "W3C line has N fields, é N");
        assert_eq!(duration(252), "4m12s");
        assert_eq!(duration(90_061), "1d1h");
    }
}
