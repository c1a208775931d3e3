//! One self-contained HTML file: inline CSS and SVG charts, no scripts, no network. It is
//! also well-formed XML (every element closed, every value escaped), which the tests check.

use super::charts;
use super::doc::{self, Block};
use super::summary::Summary;
use anyhow::Result;
use std::fmt::Write as _;

const STYLE: &str = r#"
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --band: #f4f6fa; --accent: #3465a4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 24px 40px 12px; border-bottom: 1px solid var(--line); background: var(--band); }
h1 { margin: 0 0 4px; font-size: 26px; }
.meta { margin: 0; color: var(--muted); }
nav { margin-top: 10px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; }
main { max-width: 1100px; padding: 8px 40px 40px; }
section { margin-top: 28px; break-inside: avoid-page; }
h2 { font-size: 21px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; min-width: 40%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td { max-width: 520px; overflow-wrap: anywhere; }
figure.chart { margin: 10px 0 16px; }
figure.chart svg { max-width: 100%; height: auto; }
@media print {
  header { background: none; }
  nav { display: none; }
  main { max-width: none; padding: 0 12px; }
  section { margin-top: 16px; }
  figure.chart, table { break-inside: avoid; }
}
"#;

pub fn render(s: &Summary, title: &str) -> Result<String> {
    let blocks = doc::build(s);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    writeln!(out, "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>", esc(title))?;
    writeln!(out, "<h1>{}</h1>", esc(title))?;
    let o = &s.overview;
    let range = match (&o.first, &o.last) {
        (Some(f), Some(l)) => format!(", {f} to {l}"),
        _ => String::new(),
    };
    writeln!(
        out,
        "<p class=\"meta\">{} records ({} events, {} alerts){}</p>",
        o.records,
        o.events,
        o.alerts,
        esc(&range)
    )?;
    out.push_str("<nav>");
    for b in &blocks {
        if let Block::Section { id, title } = b {
            write!(out, "<a href=\"#{id}\">{}</a>", esc(title))?;
        }
    }
    out.push_str("</nav>\n</header>\n<main>\n");
    let mut open = false;
    for b in &blocks {
        match b {
            Block::Section { id, title } => {
                if open {
                    out.push_str("</section>\n");
                }
                writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", esc(title))?;
                open = true;
            }
            Block::Sub(t) => writeln!(out, "<h3>{}</h3>", esc(t))?,
            Block::Text(t) => writeln!(out, "<p>{}</p>", esc(t))?,
            Block::Table { head, rows, numeric } => table(head, rows, numeric, &mut out)?,
            Block::Chart(c) => writeln!(out, "<figure class=\"chart\">\n{}\n</figure>", charts::svg(c)?)?,
        }
    }
    if open {
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    Ok(out)
}

fn table(head: &[&str], rows: &[Vec<String>], numeric: &[bool], out: &mut String) -> Result<()> {
    if rows.is_empty() {
        out.push_str("<p>(none)</p>\n");
        return Ok(());
    }
    let class = |i: usize| if numeric.get(i) == Some(&true) { " class=\"num\"" } else { "" };
    out.push_str("<table>\n<thead><tr>");
    for (i, h) in head.iter().enumerate() {
        write!(out, "<th{}>{}</th>", class(i), esc(h))?;
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            write!(out, "<td{}>{}</td>", class(i), esc(c))?;
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    Ok(())
}

/// Escapes text for HTML and XML; drops characters XML cannot hold (log values can be anything).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(esc("<a href=\"x\">&\u{1}"), "&lt;a href=&quot;x&quot;&gt;&amp;\u{fffd}");
    }
}
