//! One self-contained HTML file: inline CSS, inline SVG charts and a little inline script
//! (sortable tables, the alert filter); no network, no external file. Without the script
//! every table is still complete and readable. It is also well-formed XML (every element
//! closed, every value escaped), which the tests check.

use super::charts;
use super::doc::{self, Block, Cell, Kind, Table};
use super::summary::Summary;
use anyhow::Result;
use std::fmt::Write as _;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

pub fn render(s: &Summary, title: &str) -> Result<String> {
    let blocks = doc::build(s);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\"/>\n");
    writeln!(out, "<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>", esc(title))?;
    writeln!(out, "<h1>{}</h1>", esc(title))?;
    let o = &s.overview;
    let range = match (&o.first, &o.last) {
        (Some(f), Some(l)) => format!(", {} to {} (UTC)", f.replacen('T', " ", 1), l.replacen('T', " ", 1)),
        _ => String::new(),
    };
    writeln!(
        out,
        "<p class=\"meta\">{} records ({} events, {} alerts){}</p>",
        charts::thousands(o.records),
        charts::thousands(o.events),
        charts::thousands(o.alerts),
        esc(&range)
    )?;
    out.push_str("<nav aria-label=\"Sections\">");
    for b in &blocks {
        if let Block::Section { id, title } = b {
            write!(out, "<a href=\"#{id}\">{}</a>", esc(title))?;
        }
    }
    out.push_str("</nav>\n</header>\n<main>\n");
    let mut open = false;
    for b in &blocks {
        if let Block::Section { id, title } = b {
            if open {
                out.push_str("</section>\n");
            }
            writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", esc(title))?;
            open = true;
        } else {
            block(b, &mut out)?;
        }
    }
    if open {
        out.push_str("</section>\n");
    }
    // The script is plain text in a CDATA section, so the page stays well-formed XML.
    writeln!(out, "</main>\n<script>//<![CDATA[\n{SCRIPT}//]]></script>\n</body>\n</html>")?;
    Ok(out)
}

fn block(b: &Block, out: &mut String) -> Result<()> {
    match b {
        Block::Section { .. } => {}
        Block::Sub(t) => writeln!(out, "<h3>{}</h3>", esc(t))?,
        Block::Text(t) => writeln!(out, "<p>{}</p>", esc(t))?,
        Block::Note(t) => writeln!(out, "<p class=\"note\">{}</p>", esc(t))?,
        Block::Table(t) => table(t, out)?,
        Block::Chart(c) => writeln!(out, "<figure class=\"chart\">{}</figure>", charts::svg(c))?,
        Block::Cards(cards) => {
            out.push_str("<div class=\"cards\">\n");
            for c in cards {
                let tone = c.tone.map_or(String::new(), |t| format!(" tone-{t}"));
                writeln!(
                    out,
                    "<a class=\"card{tone}\" href=\"{}\"><span class=\"k\">{}</span><span class=\"v\">{}</span><span class=\"d\">{}</span></a>",
                    c.href,
                    esc(c.label),
                    esc(&c.value),
                    esc(&c.detail)
                )?;
            }
            out.push_str("</div>\n");
        }
        Block::Grid(panels) => {
            out.push_str("<div class=\"grid\">\n");
            for p in panels {
                out.push_str("<div class=\"panel\">\n");
                for b in p {
                    block(b, out)?;
                }
                out.push_str("</div>\n");
            }
            out.push_str("</div>\n");
        }
        Block::Controls { table, noun, placeholder } => writeln!(
            out,
            "<div class=\"controls\" data-table=\"{table}\" data-noun=\"{}\" data-placeholder=\"{}\"></div>",
            esc(noun),
            esc(placeholder)
        )?,
    }
    Ok(())
}

fn table(t: &Table, out: &mut String) -> Result<()> {
    if t.rows.is_empty() {
        out.push_str("<p class=\"note\">(none)</p>\n");
        return Ok(());
    }
    let id = t.id.map_or(String::new(), |id| format!(" id=\"{id}\""));
    let class = if t.wide { "sortable wide" } else { "sortable" };
    write!(out, "<div class=\"scroll\"><table{id} class=\"{class}\">\n<thead><tr>")?;
    for c in &t.head {
        let class = if c.kind == Kind::Num { " class=\"num\"" } else { "" };
        write!(out, "<th scope=\"col\"{class}>{}</th>", esc(c.title))?;
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        let mut attrs = String::new();
        if r.rest {
            attrs.push_str(" class=\"rest\"");
        }
        if let Some(l) = &r.level {
            write!(attrs, " data-level=\"{}\"", esc(l))?;
        }
        write!(out, "<tr{attrs}>")?;
        for (i, c) in r.cells.iter().enumerate() {
            let kind = t.head.get(i).map_or(Kind::Short, |h| h.kind);
            cell(c, kind, out)?;
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    Ok(())
}

fn cell(c: &Cell, kind: Kind, out: &mut String) -> Result<()> {
    let class = match kind {
        Kind::Num => "num",
        Kind::Short | Kind::Level => "short",
        Kind::Long => "long",
        Kind::Words => "words",
        Kind::Time => "time",
    };
    let class = if c.tags.is_empty() { class.to_string() } else { format!("{class} tagged") };
    write!(out, "<td class=\"{class}\"")?;
    if let Some(v) = &c.sort {
        write!(out, " data-v=\"{}\"", esc(v))?;
    }
    if let Some(t) = &c.title {
        write!(out, " title=\"{}\"", esc(t))?;
    }
    out.push('>');
    let text = esc(&c.text);
    match (&c.filter, kind) {
        (Some(q), _) => write!(out, "<a href=\"#alerts\" data-filter=\"alert-list\" data-q=\"{}\">{text}</a>", esc(q))?,
        (None, Kind::Level) if !c.text.is_empty() => {
            let known = ["critical", "high", "medium", "low", "informational"].contains(&c.text.as_str());
            let class = if known { format!("lv lv-{}", c.text) } else { "lv".into() };
            write!(out, "<span class=\"{class}\">{text}</span>")?
        }
        _ if !c.tags.is_empty() => write!(out, "<span class=\"nw\">{text}</span>")?,
        (None, Kind::Long) => breakable(&text, out),
        _ => out.push_str(&text),
    }
    for tag in &c.tags {
        write!(out, " <span class=\"tag\">{}</span>", esc(tag))?;
    }
    out.push_str("</td>");
    Ok(())
}

/// Escaped log text with a line-break opportunity (`<wbr/>`) after the separators inside
/// addresses, host names and key=value pairs (`:` `.` `=` `,` `|` `@` `_` before a letter or
/// digit), where browsers see none: a long IPv6 address or dotted name then wraps between its
/// parts instead of inside one (`overflow-wrap: anywhere` is left for runs wider than the cell).
fn breakable(escaped: &str, out: &mut String) {
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if matches!(c, ':' | '.' | '=' | ',' | '|' | '@' | '_') && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            out.push_str("<wbr/>");
        }
    }
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

    #[test]
    fn log_text_may_break_between_the_parts_of_an_address() {
        let mut out = String::new();
        breakable(&esc("from 2001:db8::e9a3 at a.b.example, k=v&x <end>"), &mut out);
        assert_eq!(out, "from 2001:<wbr/>db8::<wbr/>e9a3 at a.<wbr/>b.<wbr/>example, k=<wbr/>v&amp;x &lt;end&gt;");
    }

    #[test]
    fn the_script_cannot_end_its_cdata_section_or_element() {
        assert!(!SCRIPT.contains("]]>") && !SCRIPT.contains("</script"));
    }
}
