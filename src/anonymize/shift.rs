//! `--shift-time`: dates move by whole weeks, so the weekday and the time of day (which
//! after-hours rules read) stay. Only the date part of a timestamp changes, so its format,
//! fraction and offset are kept byte for byte.

use chrono::{Datelike, Duration, NaiveDate};
use regex::Regex;
use std::sync::OnceLock;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A value starting with an ISO 8601 date (`2014-08-03`, `2014-08-03T06:47:52Z`, ...).
pub fn iso(v: &str, weeks: i64) -> Option<String> {
    let date = NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok()?;
    let moved = date.checked_add_signed(Duration::weeks(weeks))?;
    Some(format!("{}{}", moved.format("%Y-%m-%d"), &v[10..]))
}

/// Shifts ISO 8601, Apache (`10/Oct/2000:13:55:36`) and syslog (`Oct 10 13:55:36`, in
/// `year`) timestamps inside free text; `None` when there are none.
pub fn text(v: &str, weeks: i64, year: Option<i32>) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?-u)\b(?:(?P<iso>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ][0-9]{2}:|(?P<clf>[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}):[0-9]{2}:|(?P<bsd>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9]) [0-9]{2}:[0-9]{2}:[0-9]{2})",
        )
        .expect("date patterns compile")
    });
    let mut out = String::new();
    let mut at = 0;
    for caps in re.captures_iter(v) {
        let (m, new) = if let Some(m) = caps.name("iso") {
            (m, iso(m.as_str(), weeks))
        } else if let Some(m) = caps.name("clf") {
            (m, clf(m.as_str(), weeks))
        } else {
            let m = caps.name("bsd").expect("one of three");
            (m, bsd(m.as_str(), weeks, year.unwrap_or_else(|| chrono::Utc::now().year())))
        };
        if let Some(new) = new {
            out.push_str(&v[at..m.start()]);
            out.push_str(&new);
            at = m.end();
        }
    }
    if at == 0 {
        return None;
    }
    out.push_str(&v[at..]);
    Some(out)
}

fn clf(v: &str, weeks: i64) -> Option<String> {
    let date = NaiveDate::parse_from_str(v, "%d/%b/%Y").ok()?;
    Some(date.checked_add_signed(Duration::weeks(weeks))?.format("%d/%b/%Y").to_string())
}

fn bsd(v: &str, weeks: i64, year: i32) -> Option<String> {
    let month = MONTHS.iter().position(|m| v.starts_with(m))? as u32 + 1;
    let day: u32 = v[4..].trim().parse().ok()?;
    let moved = NaiveDate::from_ymd_opt(year, month, day)?.checked_add_signed(Duration::weeks(weeks))?;
    let name = MONTHS[moved.month0() as usize];
    // syslog pads the day with a space; keep zero padding only where the input shows it.
    Some(if v.as_bytes()[4] == b'0' {
        format!("{name} {:02}", moved.day())
    } else {
        format!("{name} {:>2}", moved.day())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_text_move_and_formats_stay() {
        let line = r#"Aug  3 06:47:52 host sshd[1]: at 2014-08-03T06:47:52Z; 1.2.3.4 - - [03/Aug/2014:06:47:52 +0000] "GET /""#;
        let out = text(line, -2, Some(2014)).unwrap();
        assert_eq!(out, r#"Jul 20 06:47:52 host sshd[1]: at 2014-07-20T06:47:52Z; 1.2.3.4 - - [20/Jul/2014:06:47:52 +0000] "GET /""#);
        assert_eq!(text(&out, 2, Some(2014)).unwrap(), line);
        assert_eq!(text("no dates here 12:00", 3, None), None);
    }
}
