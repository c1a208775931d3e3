//! The report's numbers, computed once and rendered as Markdown, HTML or JSON (the JSON
//! format is this structure as it is). A section is `None` when its data is absent.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub overview: Overview,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_talkers: Option<Vec<Talkers>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logins: Option<Logins>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Alerts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomalies: Option<Anomalies>,
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

#[derive(Debug, Serialize)]
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
}

#[derive(Debug, Serialize)]
pub struct Talkers {
    pub field: &'static str,
    pub title: &'static str,
    pub counts: Counted,
}

#[derive(Debug, Serialize)]
pub struct Logins {
    pub attempts: u64,
    pub failures: u64,
    pub successes: u64,
    pub users: u64,
    pub exact: bool,
    pub top_users: Vec<LoginRow>,
    /// How many users made how many attempts (bins double in width).
    pub attempts_per_user: Vec<Bin>,
}

#[derive(Debug, Serialize)]
pub struct LoginRow {
    pub user: String,
    pub attempts: u64,
    pub failures: u64,
    pub successes: u64,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub techniques: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tactics: Option<Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_types: Option<Counted>,
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
}

#[derive(Debug, Serialize)]
pub struct Anomalies {
    pub scored: u64,
    pub severities: Counted,
    pub score_min: f64,
    pub score_max: f64,
    pub histogram: Vec<Bin>,
    /// The histogram was drawn from a uniform sample of the scores (over a million seen).
    pub sampled: bool,
    pub most_anomalous: Vec<Anomalous>,
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
    /// The reason with numbers written as `N`, so that positions and sizes group together.
    pub reason: String,
    pub count: u64,
    /// `file:line` of the first line rejected for it.
    pub example: String,
}
