//! The report as a list of blocks (headings, text, tables, charts), built once from the
//! summary, so Markdown and HTML say the same things in the same order.

use super::summary::*;
use super::tally::{duration, parse_time};

pub enum Block {
    /// A section heading (`id` for HTML anchors).
    Section {
        id: &'static str,
        title: String,
    },
    Sub(String),
    Text(String),
    Table {
        head: Vec<&'static str>,
        rows: Vec<Vec<String>>,
        numeric: Vec<bool>,
    },
    Chart(Chart),
}

pub enum Chart {
    /// Horizontal bars, one per label; several series are stacked.
    Bars { title: String, labels: Vec<String>, series: Vec<(&'static str, Vec<u64>)> },
    /// Vertical bars over ordered bins.
    Histogram { title: String, x_label: &'static str, labels: Vec<String>, counts: Vec<u64> },
    /// Counts per time bucket; the first series on the left axis, the others on the right.
    Timeline { title: String, starts: Vec<String>, series: Vec<(&'static str, Vec<u64>)> },
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Bars { title, .. } | Chart::Histogram { title, .. } | Chart::Timeline { title, .. } => title,
        }
    }
}

pub fn build(s: &Summary) -> Vec<Block> {
    let mut d = Vec::new();
    overview(&s.overview, &mut d);
    if let Some(t) = &s.event_types {
        d.push(Block::Section { id: "event-types", title: "Event types".into() });
        d.push(Block::Text(format!(
            "What the {} events are (event.action, else event.category/event.type); alerts are counted under Alerts.",
            t.total
        )));
        d.push(Block::Chart(Chart::Bars {
            title: "Events by type".into(),
            labels: t.rows.iter().map(|r| r.value.clone()).collect(),
            series: vec![("events", t.rows.iter().map(|r| r.count).collect())],
        }));
        d.push(counted_table("Event type", t));
    }
    if let Some(t) = &s.timeline {
        timeline(t, &mut d);
    }
    if let Some(talkers) = &s.top_talkers {
        d.push(Block::Section { id: "top-talkers", title: "Top talkers".into() });
        for t in talkers {
            d.push(Block::Sub(format!("{} ({})", t.title, t.field)));
            d.push(counted_table(t.field, &t.counts));
        }
    }
    if let Some(l) = &s.logins {
        logins(l, &mut d);
    }
    if let Some(a) = &s.alerts {
        alerts(a, &mut d);
    }
    if let Some(a) = &s.anomalies {
        anomalies(a, &mut d);
    }
    if let Some(p) = &s.processes {
        processes(p, &mut d);
    }
    if let Some(q) = &s.data_quality {
        quality(q, &mut d);
    }
    d
}

fn overview(o: &Overview, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "overview", title: "Overview".into() });
    let mut rows = vec![
        vec!["Records".into(), o.records.to_string()],
        vec!["Events".into(), o.events.to_string()],
        vec!["Alerts".into(), o.alerts.to_string()],
    ];
    if let (Some(f), Some(l)) = (&o.first, &o.last) {
        rows.push(vec!["First event".into(), f.clone()]);
        rows.push(vec!["Last event".into(), l.clone()]);
        if let (Some(a), Some(b)) = (parse_time(f), parse_time(l)) {
            rows.push(vec!["Time span".into(), duration(b.secs - a.secs)]);
        }
    }
    rows.push(vec!["Rejected lines".into(), o.rejected_lines.to_string()]);
    d.push(Block::Table { head: vec!["", "Value"], rows, numeric: vec![false, true] });
    d.push(Block::Sub("By dataset".into()));
    d.push(counted_table("event.dataset", &o.datasets));
    d.push(Block::Sub("By source file".into()));
    d.push(counted_table("log.file.path (else the input file)", &o.files));
}

fn timeline(t: &Timeline, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "timeline", title: "Timeline".into() });
    let (events, alerts, anomalies): (u64, u64, u64) =
        t.buckets.iter().fold((0, 0, 0), |a, b| (a.0 + b.events, a.1 + b.alerts, a.2 + b.anomalies));
    d.push(Block::Text(format!(
        "{} buckets of {} from {} (UTC): {events} events, {alerts} alerts, {anomalies} anomalies with a timestamp.",
        t.buckets.len(),
        duration(t.bucket_seconds),
        t.buckets.first().map_or("", |b| b.start.as_str())
    )));
    let mut series = vec![("events", t.buckets.iter().map(|b| b.events).collect())];
    if alerts > 0 {
        series.push(("alerts", t.buckets.iter().map(|b| b.alerts).collect()));
    }
    if anomalies > 0 {
        series.push(("anomalies", t.buckets.iter().map(|b| b.anomalies).collect()));
    }
    d.push(Block::Chart(Chart::Timeline {
        title: format!("Events per {}", duration(t.bucket_seconds)),
        starts: t.buckets.iter().map(|b| b.start.clone()).collect(),
        series,
    }));
    let mut busiest: Vec<&Bucket> = t.buckets.iter().filter(|b| b.events + b.alerts + b.anomalies > 0).collect();
    busiest.sort_by(|a, b| (b.events + b.alerts).cmp(&(a.events + a.alerts)).then(a.start.cmp(&b.start)));
    busiest.truncate(10);
    busiest.sort_by(|a, b| a.start.cmp(&b.start));
    d.push(Block::Sub("Busiest buckets".into()));
    d.push(Block::Table {
        head: vec!["Bucket start", "Events", "Alerts", "Anomalies"],
        rows: busiest
            .iter()
            .map(|b| vec![b.start.clone(), b.events.to_string(), b.alerts.to_string(), b.anomalies.to_string()])
            .collect(),
        numeric: vec![false, true, true, true],
    });
}

fn logins(l: &Logins, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "logins", title: "Login attempts".into() });
    d.push(Block::Text(format!(
        "{} attempts ({} failed, {} succeeded) by {} users{}.",
        l.attempts,
        l.failures,
        l.successes,
        l.users,
        if l.exact { "" } else { " (more users than counters: top users and the histogram are approximate)" }
    )));
    d.push(Block::Chart(Chart::Bars {
        title: "Attempts of the top users".into(),
        labels: l.top_users.iter().map(|u| u.user.clone()).collect(),
        series: vec![
            ("failures", l.top_users.iter().map(|u| u.failures).collect()),
            ("successes", l.top_users.iter().map(|u| u.successes).collect()),
        ],
    }));
    d.push(Block::Table {
        head: vec!["User", "Attempts", "Failures", "Successes"],
        rows: l
            .top_users
            .iter()
            .map(|u| vec![u.user.clone(), u.attempts.to_string(), u.failures.to_string(), u.successes.to_string()])
            .collect(),
        numeric: vec![false, true, true, true],
    });
    d.push(Block::Chart(Chart::Histogram {
        title: "Users by number of attempts".into(),
        x_label: "attempts per user",
        labels: l.attempts_per_user.iter().map(|b| b.label.clone()).collect(),
        counts: l.attempts_per_user.iter().map(|b| b.count).collect(),
    }));
}

fn alerts(a: &Alerts, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "alerts", title: "Alerts".into() });
    d.push(Block::Text(format!("{} alerts from {} rules.", a.total, a.rules.len())));
    d.push(Block::Chart(Chart::Bars {
        title: "Alerts by level".into(),
        labels: a.levels.rows.iter().map(|r| r.value.clone()).collect(),
        series: vec![("alerts", a.levels.rows.iter().map(|r| r.count).collect())],
    }));
    d.push(Block::Table {
        head: vec!["Rule", "Level", "Alerts", "First seen", "Last seen", "Example reason"],
        rows: a
            .rules
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.level.clone(),
                    r.count.to_string(),
                    r.first.clone().unwrap_or_default(),
                    r.last.clone().unwrap_or_default(),
                    r.example_reason.clone(),
                ]
            })
            .collect(),
        numeric: vec![false, false, true, false, false, false],
    });
    for (title, c) in [("Techniques", &a.techniques), ("Tactics", &a.tactics), ("Threat types", &a.threat_types)] {
        if let Some(c) = c {
            d.push(Block::Sub(title.into()));
            d.push(counted_table(title.trim_end_matches('s'), c));
        }
    }
}

fn anomalies(a: &Anomalies, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "anomalies", title: "Anomalies".into() });
    d.push(Block::Text(format!(
        "{} scored records, scores {:.4} to {:.4}; by severity: {}.{}",
        a.scored,
        a.score_min,
        a.score_max,
        inline(&a.severities),
        if a.sampled { " The histogram is drawn from a uniform sample of a million scores." } else { "" }
    )));
    d.push(Block::Chart(Chart::Histogram {
        title: "Anomaly scores".into(),
        x_label: "logward.anomaly.score",
        labels: a.histogram.iter().map(|b| format!("{:.3}", b.from)).collect(),
        counts: a.histogram.iter().map(|b| b.count).collect(),
    }));
    d.push(Block::Sub("Most anomalous".into()));
    d.push(Block::Table {
        head: vec!["Score", "Severity", "Session", "Time", "Template or message"],
        rows: a
            .most_anomalous
            .iter()
            .map(|w| {
                vec![
                    format!("{:.4}", w.score),
                    w.severity.clone(),
                    w.session.clone().unwrap_or_default(),
                    w.timestamp.clone().unwrap_or_default(),
                    w.template.clone().or_else(|| w.message.clone()).unwrap_or_default(),
                ]
            })
            .collect(),
        numeric: vec![true, false, false, false, false],
    });
}

fn processes(p: &Processes, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "processes", title: "Processes".into() });
    d.push(Block::Text(format!(
        "{} process events from {}{} distinct processes (by process.entity_id, else host and pid).",
        p.events,
        if p.distinct_exact { "" } else { "at least " },
        p.distinct
    )));
    if let Some(t) = &p.tree {
        let flags = inline(&t.flags);
        d.push(Block::Text(format!(
            "Tree nodes from `logward tree`: {} nodes, {} roots, deepest at depth {}{}.",
            t.nodes,
            t.roots,
            t.max_depth,
            if flags.is_empty() { String::new() } else { format!("; flagged: {flags}") }
        )));
    }
    d.push(Block::Sub("Process names".into()));
    d.push(counted_table("process.name", &p.names));
    if !p.parent_child.rows.is_empty() {
        d.push(Block::Sub("Parent → child".into()));
        d.push(counted_table("process.parent.name → process.name", &p.parent_child));
    }
}

fn quality(q: &Quality, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "data-quality", title: "Data quality".into() });
    d.push(Block::Table {
        head: vec!["Finding", "Count", "What was done"],
        rows: q.findings.iter().map(|f| vec![f.finding.to_string(), f.count.to_string(), f.handling.clone()]).collect(),
        numeric: vec![false, true, false],
    });
    if !q.rejected_by_reason.is_empty() {
        d.push(Block::Sub("Rejected lines by kind".into()));
        d.push(Block::Table {
            head: vec!["Kind", "Lines", "First at", "Its reason"],
            rows: q
                .rejected_by_reason
                .iter()
                .map(|r| vec![r.kind.clone(), r.count.to_string(), r.example.clone(), r.reason.clone()])
                .collect(),
            numeric: vec![false, true, false, false],
        });
    }
}

/// A value/count/share table, with a note when the counts are bounded estimates.
fn counted_table(what: &'static str, c: &Counted) -> Block {
    let mut rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            let count = if r.error > 0 { format!("{} (±{})", r.count, r.error) } else { r.count.to_string() };
            vec![r.value.clone(), count, percent(r.count, c.total)]
        })
        .collect();
    let shown: u64 = c.rows.iter().map(|r| r.count).sum();
    if c.distinct as usize > c.rows.len() {
        let more = c.distinct as usize - c.rows.len();
        let rest = c.total.saturating_sub(shown);
        let label = if c.exact { format!("({more} more)") } else { format!("(at least {more} more)") };
        rows.push(vec![label, rest.to_string(), percent(rest, c.total)]);
    }
    Block::Table { head: vec![what, "Count", "Share"], rows, numeric: vec![false, true, true] }
}

/// `3 high, 1 low`: counts in running text.
fn inline(c: &Counted) -> String {
    c.rows.iter().map(|r| format!("{} {}", r.count, r.value)).collect::<Vec<_>>().join(", ")
}

fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        return String::new();
    }
    format!("{:.1}%", n as f64 * 100.0 / total as f64)
}
