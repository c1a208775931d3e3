//! Markdown: GitHub-style tables, charts drawn as text (bars and a sparkline) in code blocks,
//! so the report reads in a terminal as well as rendered.

use super::doc::{self, Block, Chart, Kind, Table};
use super::summary::Summary;
use std::fmt::Write as _;

const BAR_WIDTH: u64 = 40;

pub fn render(s: &Summary, title: &str) -> String {
    let mut out = format!("# {}\n", cell(title));
    for block in doc::build(s) {
        render_block(&block, &mut out);
    }
    out
}

fn render_block(block: &Block, out: &mut String) {
    match block {
        Block::Controls { .. } => return,
        Block::Grid(panels) => {
            for p in panels {
                for b in p {
                    render_block(b, out);
                }
            }
            return;
        }
        _ => {}
    }
    out.push('\n');
    match block {
        Block::Section { title, .. } => writeln!(out, "## {title}").unwrap(),
        Block::Sub(t) => writeln!(out, "### {}", cell(t)).unwrap(),
        Block::Text(t) => writeln!(out, "{t}").unwrap(),
        Block::Note(t) => writeln!(out, "_{}_", t.trim_end_matches('.')).unwrap(),
        Block::Table(t) => table(t, out),
        Block::Chart(c) => chart(c, out),
        Block::Cards(cards) => {
            for c in cards {
                let detail = if c.detail.is_empty() { String::new() } else { format!(" ({})", c.detail) };
                writeln!(out, "- **{}**: {}{}", c.label, cell(&c.value), cell(&detail)).unwrap();
            }
        }
        Block::Grid(_) | Block::Controls { .. } => {}
    }
}

fn table(t: &Table, out: &mut String) {
    if t.rows.is_empty() {
        out.push_str("(none)\n");
        return;
    }
    let line = |cells: &mut dyn Iterator<Item = String>| format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "));
    out.push_str(&line(&mut t.head.iter().map(|h| cell(h.title))));
    out.push_str(&line(&mut t.head.iter().map(|h| {
        if h.kind == Kind::Num {
            "---:".to_string()
        } else {
            "---".to_string()
        }
    })));
    for r in &t.rows {
        out.push_str(&line(&mut r.cells.iter().map(|c| {
            let mut text = c.text.clone();
            for tag in &c.tags {
                text.push_str(&format!(" [{tag}]"));
            }
            cell(&text)
        })));
    }
}

/// A table cell: pipes escaped, line breaks flattened (values come from logs).
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn chart(c: &Chart, out: &mut String) {
    out.push_str("```text\n");
    match c {
        Chart::Bars { title, labels, series, .. } => {
            let own = series.iter().zip(labels).all(|(s, l)| s.0 == l);
            writeln!(out, "{title}{}", if own { String::new() } else { legend(series) }).unwrap();
            let totals: Vec<u64> = (0..labels.len()).map(|i| series.iter().map(|s| s.1[i]).sum()).collect();
            bars(labels, &totals, out);
        }
        Chart::Histogram { title, x_label, labels, edges, counts, .. } => {
            writeln!(out, "{title} ({x_label})").unwrap();
            let bins: Vec<String> = if *edges {
                labels.windows(2).map(|w| format!("{}–{}", w[0], w[1])).collect()
            } else {
                labels.clone()
            };
            bars(&bins, counts, out);
        }
        Chart::Timeline { title, starts, series, .. } => {
            writeln!(out, "{title}, {} to {}", starts.first().map_or("", |s| s), starts.last().map_or("", |s| s))
                .unwrap();
            let width = series.iter().map(|s| s.0.len()).max().unwrap_or(0);
            for (name, values) in series {
                writeln!(out, "{name:>width$} {}", sparkline(values)).unwrap();
            }
        }
    }
    out.push_str("```\n");
}

fn legend(series: &[(&str, Vec<u64>)]) -> String {
    if series.len() < 2 {
        return String::new();
    }
    format!(" ({})", series.iter().map(|s| s.0).collect::<Vec<_>>().join(" + "))
}

fn bars(labels: &[String], values: &[u64], out: &mut String) {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let width = labels.iter().map(|l| l.chars().count().min(32)).max().unwrap_or(0);
    for (label, &v) in labels.iter().zip(values) {
        let label: String = label.chars().take(32).collect();
        let n = (v * BAR_WIDTH).div_ceil(max) as usize;
        writeln!(out, "{label:<width$} {} {v}", "█".repeat(n)).unwrap();
    }
}

/// One character per bucket, eight heights; an empty bucket is a space, so gaps show.
fn sparkline(values: &[u64]) -> String {
    const TICKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values.iter().map(|&v| if v == 0 { ' ' } else { TICKS[((v - 1) * 8 / max) as usize] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_maximum() {
        assert_eq!(sparkline(&[0, 1, 8, 4]), " ▁█▄");
    }

    #[test]
    fn cells_cannot_break_a_table() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
