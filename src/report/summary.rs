//! The report's numbers, computed once and rendered as Markdown, HTML or JSON (the JSON
//! format is this structure as it is). A section is `None` when its data is absent.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub overview: Overview,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Alerts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomalies: Option<Anomalies>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_intel: Option<SourceIntel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Hosts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_talkers: Option<Vec<Talkers>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processes: Option<Processes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_quality: Option<Quality>,
}

/// Counts of the values of one field: the top rows, and whether they are exact.
#[derive(Debug, Serialize, Default)]
pub struct Counted {
    /// Events that had a value.
    pub total: u64,
    /// Distinct values seen (a lower bound when not exact).
    pub distinct: u64,
    /// False once the field had more distinct values than the counters kept: the rows then
    /// hold every frequent value, each count at most `error` too high.
    pub exact: bool,
    pub rows: Vec<Row>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Row {
    pub value: String,
    pub count: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub error: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Serialize)]
pub struct Overview {
    /// Records read, alerts included.
    pub records: u64,
    pub events: u64,
    pub alerts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    pub datasets: Counted,
    pub files: Counted,
    /// Lines rejected by this report's input reading and by the `--rejects` files.
    pub rejected_lines: u64,
}

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub bucket_seconds: i64,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Serialize, Clone, Default)]
pub struct Bucket {
    pub start: String,
    pub events: u64,
    pub alerts: u64,
    pub anomalies: u64,
    /// Authentication attempts that failed and that succeeded.
    pub failures: u64,
    pub successes: u64,
}

#[derive(Debug, Serialize)]
pub struct Talkers {
    pub field: &'static str,
    pub title: &'static str,
    pub counts: Counted,
}

/// Authentication attempts: events of category `authentication` with an outcome, and
/// Windows logons (Security 4624/4625).
#[derive(Debug, Serialize)]
pub struct Authentication {
    pub attempts: u64,
    pub failures: u64,
    pub successes: u64,
    pub users: u64,
    pub sources: u64,
    /// False once users or sources overflowed their counters (rows then approximate).
    pub exact: bool,
    pub by_user: Vec<AuthRow>,
    pub by_source: Vec<AuthRow>,
    /// How many users made how many attempts (bins double in width).
    pub attempts_per_user: Vec<Bin>,
    /// Sources with a failed attempt and a successful one at or after their first failure.
    pub success_after_failures: Vec<AuthRow>,
    /// Sources by their first attempt, the newest first.
    pub newest_sources: Vec<AuthRow>,
    /// When the data spans more than two days: sources first seen in its last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_sources: Option<NewSources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowsLogons>,
}

#[derive(Debug, Serialize, Clone)]
pub struct AuthRow {
    /// The user name or source address.
    pub key: String,
    pub attempts: u64,
    pub failures: u64,
    pub successes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_success: Option<String>,
    /// Distinct users of a source, or sources of a user (counted up to 16).
    pub distinct: u64,
    /// The source's country (ISO code) and IP lists, when `enrich` found them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NewSources {
    pub since: String,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct WindowsLogons {
    pub events: u64,
    pub failures: u64,
    pub successes: u64,
    pub by_logon_type: Vec<LogonTypeRow>,
}

#[derive(Debug, Serialize)]
pub struct LogonTypeRow {
    /// `3 (Network)`.
    pub logon_type: String,
    pub failures: u64,
    pub successes: u64,
}

/// IP-list tags (`ip_list:NAME` from `enrich --ip-list`) and GeoIP of sources.
#[derive(Debug, Serialize)]
pub struct SourceIntel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_lists: Option<Counted>,
    pub ip_list_hits: Vec<ListHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asns: Option<Counted>,
}

#[derive(Debug, Serialize)]
pub struct ListHit {
    pub list: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub destination: String,
    pub count: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub error: u64,
}

#[derive(Debug, Serialize)]
pub struct Hosts {
    pub distinct: u64,
    pub exact: bool,
    pub rows: Vec<HostRow>,
}

#[derive(Debug, Serialize)]
pub struct HostRow {
    pub host: String,
    pub events: u64,
    pub alerts: u64,
    pub failures: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Bin {
    pub label: String,
    pub from: f64,
    pub to: f64,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct Alerts {
    pub total: u64,
    pub rules: Vec<RuleRow>,
    pub rules_exact: bool,
    pub levels: Counted,
    /// Hosts, sources and users named by alerts.
    pub hosts: Counted,
    pub sources: Counted,
    pub users: Counted,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub techniques: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tactics: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_types: Option<Counted>,
    /// Alerts one by one: all of them up to `--max-alerts`, else the most severe (then the
    /// earliest), in time order.
    pub list: Vec<AlertRow>,
    pub list_complete: bool,
}

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub level: String,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    pub example_reason: String,
    /// ATT&CK technique ids of its alerts.
    pub techniques: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, Clone)]
pub struct AlertRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub level: String,
    pub rule: String,
    pub rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The source's country and IP lists, from the events `enrich` tagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<String>,
    /// ATT&CK technique ids (sub-techniques where named) and their names where known.
    pub attack: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack_names: Vec<String>,
    pub reason: String,
}

/// The rank of a Sigma level (critical highest); unknown levels below informational.
pub fn level_rank(level: &str) -> i32 {
    match level {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        "informational" => 0,
        _ => -1,
    }
}

impl AlertRow {
    /// The order in which alerts are kept when there are more than `--max-alerts`: the most
    /// severe, then the earliest, then by text (a total order, so merges agree).
    pub fn priority(&self, other: &AlertRow) -> Ordering {
        level_rank(&other.level)
            .cmp(&level_rank(&self.level))
            .then_with(|| match (&self.time, &other.time) {
                (Some(a), Some(b)) => a.cmp(b),
                (a, b) => b.is_some().cmp(&a.is_some()),
            })
            .then_with(|| self.rule.cmp(&other.rule))
            .then_with(|| self.host.cmp(&other.host))
            .then_with(|| self.user.cmp(&other.user))
            .then_with(|| self.source.cmp(&other.source))
            .then_with(|| self.reason.cmp(&other.reason))
            .then_with(|| self.rule_id.cmp(&other.rule_id))
            .then_with(|| self.attack.cmp(&other.attack))
    }
}

#[derive(Debug, Serialize)]
pub struct Anomalies {
    pub scored: u64,
    /// Scored records the model had no vocabulary for (`logward.anomaly.unknown`): their
    /// score says "not seen in training", not "anomalous", so they are counted apart and
    /// left out of the severities, the histogram and the ranked list below.
    pub outside_vocabulary: u64,
    /// In-vocabulary records with a severity above `none`.
    pub anomalous: u64,
    pub severities: Counted,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_max: Option<f64>,
    pub histogram: Vec<Bin>,
    /// The histogram was drawn from a uniform sample of the scores (over a million seen).
    pub sampled: bool,
    pub most_anomalous: Vec<Anomalous>,
    /// The highest-scored records outside the model's vocabulary.
    pub outside_vocabulary_top: Vec<Anomalous>,
}

#[derive(Debug, Serialize, Deserialize, Clone)]
pub struct Anomalous {
    pub score: f64,
    pub severity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why the model scored it so (`logward.anomaly.explanation`, from `score --explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

impl Anomalous {
    /// The order of the ranked list: highest score first, then earliest, then by text, so the
    /// list does not depend on the order records arrive in.
    pub fn rank(&self, other: &Anomalous) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| match (&self.timestamp, &other.timestamp) {
                (Some(a), Some(b)) => a.cmp(b),
                (a, b) => b.is_some().cmp(&a.is_some()),
            })
            .then_with(|| self.session.cmp(&other.session))
            .then_with(|| self.template.cmp(&other.template))
            .then_with(|| self.message.cmp(&other.message))
            .then_with(|| self.severity.cmp(&other.severity))
            .then_with(|| self.explanation.cmp(&other.explanation))
    }
}

#[derive(Debug, Serialize)]
pub struct Processes {
    pub events: u64,
    pub distinct: u64,
    pub distinct_exact: bool,
    pub names: Counted,
    pub parent_child: Counted,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<TreeStats>,
}

#[derive(Debug, Serialize)]
pub struct TreeStats {
    pub nodes: u64,
    pub roots: u64,
    pub max_depth: u64,
    pub flags: Counted,
}

#[derive(Debug, Serialize)]
pub struct Quality {
    pub findings: Vec<Finding>,
    pub rejected_by_reason: Vec<RejectRow>,
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub finding: &'static str,
    pub count: u64,
    /// What the pipeline did about it.
    pub handling: String,
}

#[derive(Debug, Serialize)]
pub struct RejectRow {
    /// The kind of problem (`invalid_json`, `format_mismatch`, ...); for records written
    /// before kinds existed, the reason with numbers written as `N`.
    pub kind: String,
    pub count: u64,
    /// `file:line` of the first line rejected for it.
    pub example: String,
    /// The reason given for that first line.
    pub reason: String,
}
