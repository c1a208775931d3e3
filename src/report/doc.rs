//! The report as a list of blocks (headings, text, cards, tables, charts, panels), built once
//! from the summary, so Markdown and HTML say the same things in the same order. Findings
//! come first (what fired, where, who, when), then a section for each kind of data.

use super::charts::{thousands, NARROW, WIDE};
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
    /// Small print under a table or chart.
    Note(String),
    Table(Table),
    Chart(Chart),
    /// Key numbers as tiles, each linking to its section.
    Cards(Vec<Card>),
    /// Panels side by side (HTML) or one after the other (Markdown).
    Grid(Vec<Vec<Block>>),
    /// The filter controls of the table with this id (made by the page's script).
    Controls {
        table: &'static str,
        noun: &'static str,
        placeholder: &'static str,
    },
}

pub struct Card {
    pub label: &'static str,
    pub value: String,
    pub detail: String,
    pub href: &'static str,
    /// `crit`, `high` or `warn` for a coloured edge.
    pub tone: Option<&'static str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Right-aligned, never wrapped.
    Num,
    /// Names, addresses, ids: never wrapped.
    Short,
    /// Text from the logs (reasons, templates, URLs): wrapped, inside long words too.
    Long,
    /// Names of a few words (rules): wrapped between words only.
    Words,
    /// A timestamp, shown as `2024-03-05 10:00:00Z`.
    Time,
    /// A Sigma level, shown as a badge and sorted by rank.
    Level,
}

pub struct Col {
    pub title: &'static str,
    pub kind: Kind,
}

#[derive(Default)]
pub struct Cell {
    pub text: String,
    /// The value to sort by when it is not the text.
    pub sort: Option<String>,
    /// Small tags after the text (IP lists, countries).
    pub tags: Vec<String>,
    /// A tooltip (technique names for their ids).
    pub title: Option<String>,
    /// A link to the alert list filtered on `q`.
    pub filter: Option<String>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, ..Cell::default() }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell { text: text.to_string(), ..Cell::default() }
    }
}

pub struct Row {
    pub cells: Vec<Cell>,
    /// The "(N more)" row of a top list.
    pub rest: bool,
    /// The alert's level, for the level filter.
    pub level: Option<String>,
}

impl Row {
    fn new(cells: Vec<Cell>) -> Row {
        Row { cells, rest: false, level: None }
    }
}

pub struct Table {
    pub id: Option<&'static str>,
    pub head: Vec<Col>,
    pub rows: Vec<Row>,
    /// Spans the page.
    pub wide: bool,
}

fn table(head: &[(&'static str, Kind)], rows: Vec<Row>) -> Block {
    Block::Table(Table {
        id: None,
        head: head.iter().map(|&(title, kind)| Col { title, kind }).collect(),
        rows,
        wide: false,
    })
}

pub enum Chart {
    /// Horizontal bars, one per label; several series are stacked.
    Bars { title: String, labels: Vec<String>, series: Vec<(&'static str, Vec<u64>)>, width: u32 },
    /// Vertical bars over ordered bins; with `edges`, `labels` are the n+1 bin edges.
    Histogram {
        title: String,
        x_label: String,
        y_label: &'static str,
        labels: Vec<String>,
        edges: bool,
        counts: Vec<u64>,
    },
    /// Counts per time bucket: the first series as bars, the others as lines (on a right
    /// axis of their own when it is named).
    Timeline {
        title: String,
        starts: Vec<String>,
        bucket_seconds: i64,
        series: Vec<(&'static str, Vec<u64>)>,
        right_axis: Option<String>,
    },
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Bars { title, .. } | Chart::Histogram { title, .. } | Chart::Timeline { title, .. } => title,
        }
    }
}

const LEVELS: [&str; 5] = ["critical", "high", "medium", "low", "informational"];
/// Rules listed in the findings (the JSON has them all).
const RULES_SHOWN: usize = 50;

pub fn build(s: &Summary) -> Vec<Block> {
    let mut d = Vec::new();
    findings(s, &mut d);
    if let Some(a) = &s.alerts {
        alerts(a, &mut d);
    }
    if let Some(a) = &s.authentication {
        authentication(a, s.timeline.as_ref(), &mut d);
    }
    if let Some(a) = &s.anomalies {
        anomalies(a, &mut d);
    }
    if let Some(i) = &s.source_intel {
        source_intel(i, &mut d);
    }
    if let Some(h) = &s.hosts {
        hosts(h, &mut d);
    }
    if let Some(t) = &s.timeline {
        timeline(t, &mut d);
    }
    if let Some(t) = &s.event_types {
        event_types(t, &mut d);
    }
    if let Some(talkers) = &s.top_talkers {
        let panels: Vec<Vec<Block>> = talkers
            .iter()
            // The process section has its own table of names.
            .filter(|t| !(t.field == "process.name" && s.processes.is_some()))
            .map(|t| vec![Block::Sub(format!("{} ({})", t.title, t.field)), counted_table(t.field, &t.counts)])
            .collect();
        // Process names alone, listed under Processes: no empty section.
        if !panels.is_empty() {
            d.push(Block::Section { id: "top-talkers", title: "Top talkers".into() });
            d.push(Block::Grid(panels));
        }
    }
    if let Some(p) = &s.processes {
        processes(p, &mut d);
    }
    inputs(&s.overview, &mut d);
    if let Some(q) = &s.data_quality {
        quality(q, &mut d);
    }
    d
}

/// `2024-03-05 10:00:00Z` for `2024-03-05T10:00:00Z`.
fn when(s: &str) -> String {
    s.replacen('T', " ", 1)
}

fn time_cell(t: &Option<String>) -> Cell {
    match t {
        Some(t) => Cell { text: when(t), sort: Some(t.clone()), ..Cell::default() },
        None => Cell::default(),
    }
}

fn num(n: u64) -> Cell {
    Cell { text: thousands(n), sort: Some(n.to_string()), ..Cell::default() }
}

fn level_cell(level: &str) -> Cell {
    Cell { text: level.to_string(), sort: Some(level_rank(level).to_string()), ..Cell::default() }
}

/// A source address with its country and IP lists as tags.
fn source_cell(ip: &str, country: &Option<String>, lists: &[String]) -> Cell {
    let mut tags: Vec<String> = country.iter().cloned().collect();
    tags.extend(lists.iter().cloned());
    Cell { text: ip.to_string(), tags, ..Cell::default() }
}

/// `3 high, 9 medium`: level counts in severity order.
fn by_level(levels: &Counted) -> String {
    let mut rows: Vec<&super::summary::Row> = levels.rows.iter().collect();
    rows.sort_by_key(|r| -level_rank(&r.value));
    rows.iter().map(|r| format!("{} {}", thousands(r.count), r.value)).collect::<Vec<_>>().join(" · ")
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn findings(s: &Summary, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "findings", title: "Findings".into() });
    let o = &s.overview;
    let mut cards = Vec::new();
    let range = match (&o.first, &o.last) {
        (Some(f), Some(l)) => Some((f, l, parse_time(f).zip(parse_time(l)).map(|(a, b)| duration(b.secs - a.secs)))),
        _ => None,
    };
    match &s.alerts {
        Some(a) => {
            let top = LEVELS.iter().find(|l| a.levels.rows.iter().any(|r| r.value == **l && r.count > 0));
            cards.push(Card {
                label: "Alerts",
                value: thousands(a.total),
                detail: by_level(&a.levels),
                href: "#alerts",
                tone: match top {
                    Some(&"critical") => Some("crit"),
                    Some(&"high") => Some("high"),
                    Some(&"medium") => Some("warn"),
                    _ => None,
                },
            });
            let what =
                |c: &Counted| if c.exact { thousands(c.distinct) } else { format!("≥ {}", thousands(c.distinct)) };
            if a.hosts.distinct > 0 {
                cards.push(Card {
                    label: "Hosts in alerts",
                    value: what(&a.hosts),
                    detail: s
                        .hosts
                        .as_ref()
                        .map_or(String::new(), |h| format!("of {} hosts seen", thousands(h.distinct))),
                    href: if s.hosts.is_some() { "#hosts" } else { "#alerts" },
                    tone: None,
                });
            }
            for (label, c) in [("Sources in alerts", &a.sources), ("Users in alerts", &a.users)] {
                if c.distinct > 0 {
                    cards.push(Card {
                        label,
                        value: what(c),
                        detail: c.rows.first().map_or(String::new(), |r| format!("most: {} ({})", r.value, r.count)),
                        href: "#alerts",
                        tone: None,
                    });
                }
            }
        }
        None => cards.push(Card {
            label: "Alerts",
            value: "0".into(),
            detail: "none in the input: logward detect raises them".into(),
            href: "#inputs",
            tone: None,
        }),
    }
    if let Some((f, l, span)) = &range {
        cards.push(Card {
            label: "Time range",
            value: span.clone().unwrap_or_default(),
            detail: match (f.get(..10), l.get(..10)) {
                (Some(a), Some(b)) if a == b => {
                    format!("{a} {} → {}", f.get(11..16).unwrap_or(""), l.get(11..16).unwrap_or(""))
                }
                (Some(a), Some(b)) => format!("{a} → {b}"),
                _ => String::new(),
            },
            href: if s.timeline.is_some() { "#timeline" } else { "#inputs" },
            tone: None,
        });
    }
    if let Some(a) = &s.authentication {
        cards.push(Card {
            label: "Failed logins",
            value: thousands(a.failures),
            detail: format!(
                "{} succeeded · {} after failing",
                thousands(a.successes),
                plural(a.success_after_failures.len() as u64, "source", "sources")
            ),
            href: "#authentication",
            tone: (!a.success_after_failures.is_empty()).then_some("warn"),
        });
    }
    if let Some(a) = &s.anomalies {
        cards.push(Card {
            label: "Anomalies",
            value: thousands(a.anomalous),
            detail: format!(
                "of {} scored · {} outside the model",
                thousands(a.scored),
                thousands(a.outside_vocabulary)
            ),
            href: "#anomalies",
            tone: None,
        });
    }
    if let Some(lists) = s.source_intel.as_ref().and_then(|i| i.ip_lists.as_ref()) {
        cards.push(Card {
            label: "IP-list hits",
            value: thousands(lists.total),
            detail: lists.rows.iter().map(|r| format!("{} {}", r.value, r.count)).collect::<Vec<_>>().join(" · "),
            href: "#source-intel",
            tone: Some("warn"),
        });
    }
    cards.push(Card {
        label: "Records",
        value: thousands(o.records),
        detail: format!("{} events · {} rejected lines", thousands(o.events), thousands(o.rejected_lines)),
        href: if s.data_quality.is_some() { "#data-quality" } else { "#inputs" },
        tone: None,
    });
    let mut text = String::new();
    if let Some(a) = &s.alerts {
        text.push_str(&format!(
            "{} from {} ({})",
            plural(a.total, "alert", "alerts"),
            plural(a.rules.len() as u64, "rule", "rules"),
            by_level(&a.levels)
        ));
        if let (Some(f), Some(l)) = (
            a.rules.iter().filter_map(|r| r.first.as_deref()).min(),
            a.rules.iter().filter_map(|r| r.last.as_deref()).max(),
        ) {
            text.push_str(&format!(", first at {}, last at {}", when(f), when(l)));
        }
        let named: Vec<String> = [
            (a.hosts.distinct, "host", "hosts"),
            (a.sources.distinct, "source address", "source addresses"),
            (a.users.distinct, "user", "users"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| plural(n, one, many))
        .collect();
        match named.as_slice() {
            [] => text.push('.'),
            [one] => text.push_str(&format!("; they name {one}.")),
            [init @ .., last] => text.push_str(&format!("; they name {} and {last}.", init.join(", "))),
        }
    } else {
        text.push_str("No alerts: run `logward detect` on the events to raise them.");
    }
    if let Some((f, l, _)) = &range {
        text.push_str(&format!(" The data runs from {} to {} (UTC).", when(f), when(l)));
    }
    d.push(Block::Text(text));
    d.push(Block::Cards(cards));
    let Some(a) = &s.alerts else { return };
    d.push(Block::Sub("Rules that fired".into()));
    // The most severe first, then the most frequent; at most RULES_SHOWN rows.
    let mut rules: Vec<&RuleRow> = a.rules.iter().collect();
    rules.sort_by(|x, y| {
        level_rank(&y.level).cmp(&level_rank(&x.level)).then(y.count.cmp(&x.count)).then(x.name.cmp(&y.name))
    });
    let more = rules.len().saturating_sub(RULES_SHOWN);
    rules.truncate(RULES_SHOWN);
    let mut rows: Vec<Row> = rules
        .iter()
        .map(|r| {
            Row::new(vec![
                Cell { text: r.name.clone(), filter: Some(r.name.clone()), ..Cell::default() },
                level_cell(&r.level),
                num(r.count),
                r.techniques.join(" ").into(),
                time_cell(&r.first),
                time_cell(&r.last),
                r.example_reason.as_str().into(),
            ])
        })
        .collect();
    if more > 0 {
        let shown: u64 = rules.iter().map(|r| r.count).sum();
        let mut rest =
            Row::new(vec![format!("({more} more rules)").into(), Cell::default(), num(a.total.saturating_sub(shown))]);
        rest.rest = true;
        rows.push(rest);
    }
    let mut t = table(
        &[
            ("Rule", Kind::Words),
            ("Level", Kind::Level),
            ("Alerts", Kind::Num),
            ("ATT&CK", Kind::Short),
            ("First seen", Kind::Time),
            ("Last seen", Kind::Time),
            ("Example reason", Kind::Long),
        ],
        rows,
    );
    if let Block::Table(t) = &mut t {
        t.wide = true;
    }
    d.push(t);
    if !a.rules_exact {
        d.push(Block::Note("More rules fired than the counters hold: counts are upper bounds.".into()));
    }
    let panels = [
        ("Sources in alerts", "source.ip", &a.sources),
        ("Users in alerts", "user.name", &a.users),
        ("Hosts in alerts", "host.name", &a.hosts),
    ]
    .into_iter()
    .filter(|(_, _, c)| !c.rows.is_empty())
    .map(|(title, field, c)| vec![Block::Sub(title.into()), counted_table(field, c)])
    .collect::<Vec<_>>();
    if !panels.is_empty() {
        d.push(Block::Grid(panels));
    }
}

fn alerts(a: &Alerts, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "alerts", title: "Alerts".into() });
    let listed = if a.list.is_empty() {
        "none listed one by one (--max-alerts 0)".to_string()
    } else if a.list_complete {
        format!("all {} listed below, in time order", thousands(a.total))
    } else {
        format!(
            "the {} most severe (then earliest) of {} listed below, in time order (--max-alerts N lists more); the rules table above counts them all",
            thousands(a.list.len() as u64),
            thousands(a.total)
        )
    };
    d.push(Block::Text(format!(
        "{} from {}: {listed}.",
        plural(a.total, "alert", "alerts"),
        plural(a.rules.len() as u64, "rule", "rules")
    )));
    let mut levels: Vec<&super::summary::Row> = a.levels.rows.iter().collect();
    levels.sort_by_key(|r| -level_rank(&r.value));
    let names: Vec<&'static str> =
        levels.iter().map(|r| LEVELS.iter().copied().find(|l| *l == r.value).unwrap_or("other")).collect();
    d.push(Block::Chart(Chart::Bars {
        title: "Alerts by level".into(),
        labels: levels.iter().map(|r| r.value.clone()).collect(),
        series: names
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, (0..levels.len()).map(|j| if i == j { levels[j].count } else { 0 }).collect()))
            .collect(),
        width: NARROW,
    }));
    if !a.list.is_empty() {
        d.push(Block::Controls {
            table: "alert-list",
            noun: "alerts",
            placeholder: "rule, host, user, source, T1110, words of the reason",
        });
        let rows = a
            .list
            .iter()
            .map(|r| {
                let mut row = Row::new(vec![
                    time_cell(&r.time),
                    level_cell(&r.level),
                    r.rule.as_str().into(),
                    r.host.as_deref().unwrap_or("").into(),
                    r.user.as_deref().unwrap_or("").into(),
                    source_cell(r.source.as_deref().unwrap_or(""), &r.country, &r.lists),
                    Cell {
                        text: r.attack.join(" "),
                        title: (!r.attack_names.is_empty()).then(|| r.attack_names.join(", ")),
                        ..Cell::default()
                    },
                    r.reason.as_str().into(),
                ]);
                row.level = Some(r.level.clone());
                row
            })
            .collect();
        d.push(Block::Table(Table {
            id: Some("alert-list"),
            head: [
                ("Time", Kind::Time),
                ("Level", Kind::Level),
                ("Rule", Kind::Words),
                ("Host", Kind::Short),
                ("User", Kind::Short),
                ("Source", Kind::Short),
                ("ATT&CK", Kind::Short),
                ("Reason", Kind::Long),
            ]
            .iter()
            .map(|&(title, kind)| Col { title, kind })
            .collect(),
            rows,
            wide: true,
        }));
    }
    let panels: Vec<Vec<Block>> = [
        ("Techniques", "ATT&CK technique", &a.techniques),
        ("Tactics", "ATT&CK tactic", &a.tactics),
        ("Threat types", "logward.threat_type", &a.threat_types),
    ]
    .into_iter()
    .filter_map(|(title, what, c)| c.as_ref().map(|c| vec![Block::Sub(title.into()), counted_table(what, c)]))
    .collect();
    if !panels.is_empty() {
        d.push(Block::Grid(panels));
    }
}

fn auth_rows(rows: &[AuthRow], source: bool) -> Vec<Row> {
    rows.iter()
        .map(|r| {
            let key = if source { source_cell(&r.key, &r.country, &r.lists) } else { r.key.as_str().into() };
            let distinct = if r.distinct as usize >= super::payload::FEW {
                format!("{}+", r.distinct)
            } else {
                r.distinct.to_string()
            };
            Row::new(vec![
                key,
                num(r.attempts),
                num(r.failures),
                num(r.successes),
                Cell { text: distinct, sort: Some(r.distinct.to_string()), ..Cell::default() },
                time_cell(&r.last),
            ])
        })
        .collect()
}

fn authentication(a: &Authentication, t: Option<&Timeline>, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "authentication", title: "Authentication".into() });
    let mut text = format!(
        "{} ({} failed, {} succeeded) by {} from {}",
        plural(a.attempts, "attempt", "attempts"),
        thousands(a.failures),
        thousands(a.successes),
        plural(a.users, "user", "users"),
        plural(a.sources, "source address", "source addresses"),
    );
    if let Some(w) = &a.windows {
        text.push_str(&format!(
            ", {} of them Windows logons (Security 4624/4625: {} failed)",
            thousands(w.events),
            thousands(w.failures)
        ));
    }
    text.push_str(". Attempts are events of category authentication with an outcome, and Windows logons.");
    if !a.exact {
        text.push_str(" More users or sources than counters: their rows are approximate (upper bounds).");
    }
    d.push(Block::Text(text));
    if let Some(t) = t.filter(|t| t.buckets.iter().any(|b| b.failures + b.successes > 0)) {
        d.push(Block::Chart(Chart::Timeline {
            title: format!("Failed logins per {}", duration(t.bucket_seconds)),
            starts: t.buckets.iter().map(|b| b.start.clone()).collect(),
            bucket_seconds: t.bucket_seconds,
            series: vec![
                ("failures", t.buckets.iter().map(|b| b.failures).collect()),
                ("successes", t.buckets.iter().map(|b| b.successes).collect()),
            ],
            right_axis: None,
        }));
    }
    let head_source = [
        ("Source", Kind::Short),
        ("Attempts", Kind::Num),
        ("Failures", Kind::Num),
        ("Successes", Kind::Num),
        ("Users", Kind::Num),
        ("Last attempt", Kind::Time),
    ];
    let head_user = [
        ("User", Kind::Short),
        ("Attempts", Kind::Num),
        ("Failures", Kind::Num),
        ("Successes", Kind::Num),
        ("Sources", Kind::Num),
        ("Last attempt", Kind::Time),
    ];
    let mut panels = Vec::new();
    if !a.by_source.is_empty() {
        panels.push(vec![Block::Sub("By source".into()), table(&head_source, auth_rows(&a.by_source, true))]);
    }
    panels.push(vec![Block::Sub("By user".into()), table(&head_user, auth_rows(&a.by_user, false))]);
    d.push(Block::Grid(panels));

    let mut panels = Vec::new();
    let after = if a.success_after_failures.is_empty() {
        vec![
            Block::Sub("Success after failures".into()),
            Block::Note("No source succeeded at or after a failed attempt.".into()),
        ]
    } else {
        vec![
            Block::Sub("Success after failures".into()),
            table(
                &[
                    ("Source", Kind::Short),
                    ("Failures", Kind::Num),
                    ("Successes", Kind::Num),
                    ("First failure", Kind::Time),
                    ("Last success", Kind::Time),
                ],
                a.success_after_failures
                    .iter()
                    .map(|r| {
                        Row::new(vec![
                            source_cell(&r.key, &r.country, &r.lists),
                            num(r.failures),
                            num(r.successes),
                            time_cell(&r.first_failure),
                            time_cell(&r.last_success),
                        ])
                    })
                    .collect(),
            ),
            Block::Note("Sources with a failed attempt and a successful one at or after their first failure.".into()),
        ]
    };
    panels.push(after);
    if !a.newest_sources.is_empty() {
        let mut panel = vec![
            Block::Sub("Newest sources".into()),
            table(
                &[
                    ("Source", Kind::Short),
                    ("First attempt", Kind::Time),
                    ("Attempts", Kind::Num),
                    ("Failures", Kind::Num),
                ],
                a.newest_sources
                    .iter()
                    .map(|r| {
                        Row::new(vec![
                            source_cell(&r.key, &r.country, &r.lists),
                            time_cell(&r.first),
                            num(r.attempts),
                            num(r.failures),
                        ])
                    })
                    .collect(),
            ),
        ];
        if let Some(n) = &a.new_sources {
            panel.push(Block::Note(format!(
                "{} first seen in the last day of the data (since {}).",
                plural(n.count, "source", "sources"),
                when(&n.since)
            )));
        }
        panels.push(panel);
    }
    if let Some(w) = &a.windows {
        panels.push(vec![
            Block::Sub("Windows logons by logon type".into()),
            table(
                &[("Logon type", Kind::Short), ("Failures", Kind::Num), ("Successes", Kind::Num)],
                w.by_logon_type
                    .iter()
                    .map(|r| Row::new(vec![r.logon_type.as_str().into(), num(r.failures), num(r.successes)]))
                    .collect(),
            ),
        ]);
    }
    d.push(Block::Grid(panels));
    d.push(Block::Grid(vec![
        vec![Block::Chart(Chart::Bars {
            title: "Attempts of the top users".into(),
            labels: a.by_user.iter().map(|u| u.key.clone()).collect(),
            series: vec![
                ("failures", a.by_user.iter().map(|u| u.failures).collect()),
                ("successes", a.by_user.iter().map(|u| u.successes).collect()),
            ],
            width: NARROW,
        })],
        vec![Block::Chart(Chart::Histogram {
            title: "Users by number of attempts".into(),
            x_label: "attempts per user".into(),
            y_label: "users",
            labels: a.attempts_per_user.iter().map(|b| b.label.clone()).collect(),
            edges: false,
            counts: a.attempts_per_user.iter().map(|b| b.count).collect(),
        })],
    ]));
}

fn anomaly_rows(list: &[Anomalous], explain: bool) -> Vec<Row> {
    list.iter()
        .map(|w| {
            let mut cells = vec![
                Cell { text: format!("{:.4}", w.score), sort: Some(w.score.to_string()), ..Cell::default() },
                w.severity.as_str().into(),
                time_cell(&w.timestamp),
                w.session.as_deref().unwrap_or("").into(),
                w.template.clone().or_else(|| w.message.clone()).unwrap_or_default().into(),
            ];
            if explain {
                cells.push(w.explanation.as_deref().unwrap_or("").into());
            }
            Row::new(cells)
        })
        .collect()
}

fn anomalies(a: &Anomalies, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "anomalies", title: "Anomalies".into() });
    let share = |n: u64| percent(n, a.scored);
    let mut text = format!("{} scored records", thousands(a.scored));
    if let (Some(lo), Some(hi)) = (a.score_min, a.score_max) {
        text.push_str(&format!(" (scores {lo:.4} to {hi:.4})"));
    }
    text.push_str(&format!(
        ": {} anomalous ({}, a severity above none); by severity: {}.",
        thousands(a.anomalous),
        share(a.anomalous),
        inline(&a.severities)
    ));
    if a.outside_vocabulary > 0 {
        text.push_str(&format!(
            " {} ({}) were outside the model's vocabulary (logward.anomaly.unknown): the model has not seen their kind, so their score says \"new\", not \"anomalous\"; they are counted apart and listed at the end.",
            thousands(a.outside_vocabulary),
            share(a.outside_vocabulary)
        ));
    }
    if a.sampled {
        text.push_str(" The histogram is drawn from a uniform sample of a million scores.");
    }
    d.push(Block::Text(text));
    let mut panels = Vec::new();
    if !a.histogram.is_empty() {
        let mut edges: Vec<String> = Vec::new();
        for b in &a.histogram {
            let (from, to) = b.label.split_once('–').unwrap_or((&b.label, ""));
            if edges.is_empty() {
                edges.push(from.to_string());
            }
            edges.push(to.to_string());
        }
        panels.push(vec![Block::Chart(Chart::Histogram {
            title: "Anomaly scores".into(),
            x_label: "logward.anomaly.score".into(),
            y_label: "records",
            labels: edges,
            edges: true,
            counts: a.histogram.iter().map(|b| b.count).collect(),
        })]);
    }
    let mut severities = Counted { rows: Vec::new(), ..a.severities };
    severities.rows = a.severities.rows.to_vec();
    let rank = |s: &str| ["critical", "high", "medium", "low", "none"].iter().position(|l| *l == s).unwrap_or(5);
    severities.rows.sort_by_key(|r| rank(&r.value));
    panels.push(vec![
        Block::Sub("By severity (in the model's vocabulary)".into()),
        counted_table("logward.anomaly.severity", &severities),
    ]);
    d.push(Block::Grid(panels));
    let explain = a.most_anomalous.iter().chain(&a.outside_vocabulary_top).any(|w| w.explanation.is_some());
    let mut head = vec![
        ("Score", Kind::Num),
        ("Severity", Kind::Short),
        ("Time", Kind::Time),
        ("Session", Kind::Short),
        ("Template or message", Kind::Long),
    ];
    if explain {
        head.push(("Explanation", Kind::Long));
    }
    d.push(Block::Sub("Most anomalous".into()));
    d.push(table(&head, anomaly_rows(&a.most_anomalous, explain)));
    if !a.outside_vocabulary_top.is_empty() {
        d.push(Block::Sub("Outside the model's vocabulary, highest scores".into()));
        d.push(table(&head, anomaly_rows(&a.outside_vocabulary_top, explain)));
    }
}

fn source_intel(i: &SourceIntel, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "source-intel", title: "IP lists and GeoIP".into() });
    d.push(Block::Text(
        "What `logward enrich` found for the events' addresses: IP-list tags (ip_list:NAME, from --ip-list; an event is tagged when its source or destination is on the list) and the GeoIP country and network (AS) of sources (--geoip).".into(),
    ));
    let mut panels = Vec::new();
    if let Some(l) = &i.ip_lists {
        panels.push(vec![Block::Sub("IP lists".into()), counted_table("list", l)]);
    }
    if !i.ip_list_hits.is_empty() {
        panels.push(vec![
            Block::Sub("Tagged addresses".into()),
            table(
                &[("List", Kind::Short), ("Source", Kind::Short), ("Destination", Kind::Short), ("Events", Kind::Num)],
                i.ip_list_hits
                    .iter()
                    .map(|h| {
                        let count = if h.error > 0 {
                            format!("{} (±{})", thousands(h.count), h.error)
                        } else {
                            thousands(h.count)
                        };
                        Row::new(vec![
                            h.list.as_str().into(),
                            h.source.as_str().into(),
                            h.destination.as_str().into(),
                            Cell { text: count, sort: Some(h.count.to_string()), ..Cell::default() },
                        ])
                    })
                    .collect(),
            ),
        ]);
    }
    if let Some(c) = &i.countries {
        panels.push(vec![Block::Sub("Source countries".into()), counted_table("source.geo.country", c)]);
    }
    if let Some(c) = &i.asns {
        panels.push(vec![Block::Sub("Source networks".into()), counted_table("source.as", c)]);
    }
    d.push(Block::Grid(panels));
}

fn hosts(h: &Hosts, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "hosts", title: "Hosts".into() });
    d.push(Block::Text(format!(
        "{}{} (host.name), busiest first.",
        if h.exact { "" } else { "at least " },
        plural(h.distinct, "host", "hosts")
    )));
    let mut rows: Vec<Row> = h
        .rows
        .iter()
        .map(|r| {
            Row::new(vec![
                r.host.as_str().into(),
                num(r.events),
                num(r.alerts),
                num(r.failures),
                time_cell(&r.first),
                time_cell(&r.last),
            ])
        })
        .collect();
    if h.distinct as usize > h.rows.len() {
        let mut rest = Row::new(vec![format!("({} more)", h.distinct as usize - h.rows.len()).into()]);
        rest.rest = true;
        rows.push(rest);
    }
    d.push(table(
        &[
            ("Host", Kind::Short),
            ("Events", Kind::Num),
            ("Alerts", Kind::Num),
            ("Failed logins", Kind::Num),
            ("First seen", Kind::Time),
            ("Last seen", Kind::Time),
        ],
        rows,
    ));
}

fn timeline(t: &Timeline, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "timeline", title: "Timeline".into() });
    let (events, alerts, anomalies): (u64, u64, u64) =
        t.buckets.iter().fold((0, 0, 0), |a, b| (a.0 + b.events, a.1 + b.alerts, a.2 + b.anomalies));
    d.push(Block::Text(format!(
        "{} buckets of {} from {} (UTC): {} events, {} alerts, {} anomalies with a timestamp.",
        t.buckets.len(),
        duration(t.bucket_seconds),
        t.buckets.first().map_or(String::new(), |b| when(&b.start)),
        thousands(events),
        thousands(alerts),
        thousands(anomalies)
    )));
    let mut series = vec![("events", t.buckets.iter().map(|b| b.events).collect())];
    if alerts > 0 {
        series.push(("alerts", t.buckets.iter().map(|b| b.alerts).collect()));
    }
    if anomalies > 0 {
        series.push(("anomalies", t.buckets.iter().map(|b| b.anomalies).collect()));
    }
    let right = (series.len() > 1).then(|| {
        if anomalies > 0 && alerts > 0 {
            "alerts, anomalies"
        } else if alerts > 0 {
            "alerts"
        } else {
            "anomalies"
        }
        .to_string()
    });
    d.push(Block::Chart(Chart::Timeline {
        title: format!("Events per {}", duration(t.bucket_seconds)),
        starts: t.buckets.iter().map(|b| b.start.clone()).collect(),
        bucket_seconds: t.bucket_seconds,
        series,
        right_axis: right,
    }));
    let mut busiest: Vec<&Bucket> = t.buckets.iter().filter(|b| b.events + b.alerts + b.anomalies > 0).collect();
    busiest.sort_by(|a, b| (b.events + b.alerts).cmp(&(a.events + a.alerts)).then(a.start.cmp(&b.start)));
    busiest.truncate(10);
    busiest.sort_by(|a, b| a.start.cmp(&b.start));
    d.push(Block::Sub("Busiest buckets".into()));
    d.push(table(
        &[
            ("Bucket start", Kind::Time),
            ("Events", Kind::Num),
            ("Alerts", Kind::Num),
            ("Anomalies", Kind::Num),
            ("Failed logins", Kind::Num),
        ],
        busiest
            .iter()
            .map(|b| {
                Row::new(vec![
                    time_cell(&Some(b.start.clone())),
                    num(b.events),
                    num(b.alerts),
                    num(b.anomalies),
                    num(b.failures),
                ])
            })
            .collect(),
    ));
}

fn event_types(t: &Counted, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "event-types", title: "Event types".into() });
    d.push(Block::Text(format!(
        "What the {} events are: event.action, else event.category/event.type; events with neither are named by their dataset, as (hdfs: no action or category). Alerts are counted under Alerts.",
        thousands(t.total)
    )));
    d.push(Block::Chart(Chart::Bars {
        title: "Events by type".into(),
        labels: t.rows.iter().map(|r| r.value.clone()).collect(),
        series: vec![("events", t.rows.iter().map(|r| r.count).collect())],
        width: WIDE,
    }));
    d.push(counted_table("Event type", t));
}

fn processes(p: &Processes, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "processes", title: "Processes".into() });
    d.push(Block::Text(format!(
        "{} process events (category process, or with process.entity_id) from {}{} distinct processes (by process.entity_id, else host and pid).",
        thousands(p.events),
        if p.distinct_exact { "" } else { "at least " },
        thousands(p.distinct)
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
    let mut panels = vec![vec![Block::Sub("Process names".into()), counted_table("process.name", &p.names)]];
    if !p.parent_child.rows.is_empty() {
        panels.push(vec![
            Block::Sub("Parent → child".into()),
            counted_table("process.parent.name → process.name", &p.parent_child),
        ]);
    }
    d.push(Block::Grid(panels));
}

fn inputs(o: &Overview, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "inputs", title: "Inputs".into() });
    let mut rows = vec![
        Row::new(vec!["Records".into(), num(o.records)]),
        Row::new(vec!["Events".into(), num(o.events)]),
        Row::new(vec!["Alerts".into(), num(o.alerts)]),
    ];
    if let (Some(f), Some(l)) = (&o.first, &o.last) {
        rows.push(Row::new(vec!["First event".into(), time_cell(&Some(f.clone()))]));
        rows.push(Row::new(vec!["Last event".into(), time_cell(&Some(l.clone()))]));
        if let (Some(a), Some(b)) = (parse_time(f), parse_time(l)) {
            rows.push(Row::new(vec!["Time span".into(), duration(b.secs - a.secs).into()]));
        }
    }
    rows.push(Row::new(vec!["Rejected lines".into(), num(o.rejected_lines)]));
    d.push(Block::Grid(vec![
        vec![Block::Sub("Totals".into()), table(&[("", Kind::Short), ("Value", Kind::Num)], rows)],
        vec![Block::Sub("By dataset".into()), counted_table("event.dataset", &o.datasets)],
        vec![Block::Sub("By source file".into()), counted_table("log.file.path (else the input file)", &o.files)],
    ]));
}

fn quality(q: &Quality, d: &mut Vec<Block>) {
    d.push(Block::Section { id: "data-quality", title: "Data quality".into() });
    d.push(table(
        &[("Finding", Kind::Short), ("Count", Kind::Num), ("What was done", Kind::Long)],
        q.findings.iter().map(|f| Row::new(vec![f.finding.into(), num(f.count), f.handling.as_str().into()])).collect(),
    ));
    if !q.rejected_by_reason.is_empty() {
        d.push(Block::Sub("Rejected lines by kind".into()));
        d.push(table(
            &[("Kind", Kind::Words), ("Lines", Kind::Num), ("First at", Kind::Short), ("Its reason", Kind::Long)],
            q.rejected_by_reason
                .iter()
                .map(|r| {
                    Row::new(vec![
                        r.kind.as_str().into(),
                        num(r.count),
                        r.example.as_str().into(),
                        r.reason.as_str().into(),
                    ])
                })
                .collect(),
        ));
    }
}

/// A value/count/share table, with a note when the counts are bounded estimates.
fn counted_table(what: &'static str, c: &Counted) -> Block {
    let mut rows: Vec<Row> = c
        .rows
        .iter()
        .map(|r| {
            let count =
                if r.error > 0 { format!("{} (±{})", thousands(r.count), r.error) } else { thousands(r.count) };
            Row::new(vec![
                r.value.as_str().into(),
                Cell { text: count, sort: Some(r.count.to_string()), ..Cell::default() },
                percent(r.count, c.total).into(),
            ])
        })
        .collect();
    let shown: u64 = c.rows.iter().map(|r| r.count).sum();
    if c.distinct as usize > c.rows.len() {
        let more = c.distinct as usize - c.rows.len();
        let rest = c.total.saturating_sub(shown);
        let label = if c.exact { format!("({more} more)") } else { format!("(at least {more} more)") };
        let mut row = Row::new(vec![label.into(), num(rest), percent(rest, c.total).into()]);
        row.rest = true;
        rows.push(row);
    }
    let kind = if what.contains("→") || what.starts_with("url") { Kind::Long } else { Kind::Short };
    table(&[(what, kind), ("Count", Kind::Num), ("Share", Kind::Num)], rows)
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
