//! Time: `--shift-time` moves timestamps by a keyed whole number of weeks, so the weekday and
//! the time of day (which after-hours rules read) stay; `--jitter` adds a keyed offset of
//! less than J seconds that never reorders events. Each timestamp is rewritten in its own
//! format (separator, fraction digits, offset, syslog padding), the offset kept as written.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use regex::Regex;
use std::sync::OnceLock;

use super::fpe::Dir;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

pub struct TimeShift {
    /// Whole weeks added (negative: into the past); 0 = no shift.
    pub weeks: i64,
    /// The jitter bound in milliseconds; 0 = none.
    pub jitter_ms: i64,
    key: [u8; 32],
}

impl TimeShift {
    pub fn new(weeks: i64, jitter_seconds: f64, key: [u8; 32]) -> TimeShift {
        TimeShift { weeks, jitter_ms: (jitter_seconds * 1000.0).round().max(0.0) as i64, key }
    }

    pub fn is_off(&self) -> bool {
        self.weeks == 0 && self.jitter_ms == 0
    }

    /// The wall-clock time moved: weeks both ways, jitter only forward (it is one-way).
    fn moved(&self, dir: Dir, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let weeks = if dir == Dir::Encrypt { self.weeks } else { -self.weeks };
        let t = t.checked_add_signed(Duration::weeks(weeks))?;
        if self.jitter_ms == 0 || dir == Dir::Decrypt {
            return Some(t);
        }
        let ms = t.and_utc().timestamp_millis();
        let jittered = self.jitter(ms);
        t.checked_add_signed(Duration::milliseconds(jittered - ms))
    }

    /// A keyed, non-decreasing map adding less than J ms: keyed offsets in [0, J) at anchors
    /// every 2J ms, joined by straight lines whose slope stays between 1/2 and 3/2.
    fn jitter(&self, ms: i64) -> i64 {
        let j = self.jitter_ms;
        let width = 2 * j;
        let k = ms.div_euclid(width);
        let offset = |k: i64| {
            let h = blake3::keyed_hash(&self.key, &k.to_le_bytes());
            (u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes")) % j as u64) as i64
        };
        let (a, b) = (offset(k), offset(k + 1));
        let into = ms - k * width;
        ms + a + ((into as i128 * (b - a) as i128).div_euclid(width as i128)) as i64
    }

    /// A value starting with an ISO 8601 date or date-time (`2014-08-03`,
    /// `2014-08-03T06:47:52.123+02:00`, `2014-08-03 06:47:52,123`); the rest is kept.
    pub fn iso(&self, dir: Dir, v: &str) -> Option<String> {
        let date = NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok()?;
        let b = v.as_bytes();
        let has_time = b.len() >= 19 && matches!(b[10], b'T' | b' ') && b[13] == b':' && b[16] == b':';
        if !has_time {
            let t = self.moved(dir, date.and_hms_opt(0, 0, 0)?)?;
            return Some(format!("{}{}", t.format("%Y-%m-%d"), &v[10..]));
        }
        let hms: Vec<u32> =
            [&v[11..13], &v[14..16], &v[17..19]].iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let digits = if matches!(b.get(19), Some(b'.' | b',')) {
            b[20..].iter().take_while(|c| c.is_ascii_digit()).count().min(9)
        } else {
            0
        };
        let nanos = if digits > 0 { format!("{:0<9}", &v[20..20 + digits]).parse().ok()? } else { 0 };
        let t = self.moved(dir, date.and_hms_nano_opt(hms[0], hms[1], hms[2], nanos)?)?;
        let end = if digits > 0 { 20 + digits } else { 19 };
        let mut out = format!("{}{}{}", t.format("%Y-%m-%d"), b[10] as char, t.format("%H:%M:%S"));
        if digits > 0 {
            out.push(b[19] as char);
            out.push_str(&format!("{:09}", t.nanosecond() % 1_000_000_000)[..digits]);
        }
        out.push_str(&v[end..]);
        Some(out)
    }

    /// ISO 8601, Apache (`10/Oct/2000:13:55:36`) and syslog (`Oct 10 13:55:36`, in `year`)
    /// timestamps inside free text; `None` when there are none.
    pub fn text(&self, dir: Dir, v: &str, year: Option<i32>) -> Option<String> {
        static RE: OnceLock<Regex> = OnceLock::new();
        let re = RE.get_or_init(|| {
            Regex::new(
                r"(?-u)\b(?:(?P<iso>[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?)|(?P<clf>[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2})|(?P<bsd>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}))",
            )
            .expect("date patterns compile")
        });
        let mut out = String::new();
        let mut at = 0;
        for caps in re.captures_iter(v) {
            let (m, new) = if let Some(m) = caps.name("iso") {
                (m, self.iso(dir, m.as_str()))
            } else if let Some(m) = caps.name("clf") {
                (m, self.clf(dir, m.as_str()))
            } else {
                let m = caps.name("bsd").expect("one of three");
                (m, self.bsd(dir, m.as_str(), year.unwrap_or_else(|| chrono::Utc::now().year())))
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

    fn clf(&self, dir: Dir, v: &str) -> Option<String> {
        let t = NaiveDateTime::parse_from_str(v, "%d/%b/%Y:%H:%M:%S").ok()?;
        Some(self.moved(dir, t)?.format("%d/%b/%Y:%H:%M:%S").to_string())
    }

    fn bsd(&self, dir: Dir, v: &str, year: i32) -> Option<String> {
        let month = MONTHS.iter().position(|m| v.starts_with(m))? as u32 + 1;
        let day: u32 = v[4..6].trim().parse().ok()?;
        let hms: Vec<u32> = [&v[7..9], &v[10..12], &v[13..15]].iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let t = self.moved(dir, NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hms[0], hms[1], hms[2])?)?;
        let name = MONTHS[t.month0() as usize];
        // syslog pads the day with a space; keep zero padding only where the input shows it.
        let day = if v.as_bytes()[4] == b'0' { format!("{:02}", t.day()) } else { format!("{:>2}", t.day()) };
        Some(format!("{name} {day} {}", t.format("%H:%M:%S")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_text_move_and_formats_stay() {
        let s = TimeShift::new(-2, 0.0, [1; 32]);
        let line = r#"Aug  3 06:47:52 host sshd[1]: at 2014-08-03T06:47:52Z; 1.2.3.4 - - [03/Aug/2014:06:47:52 +0000] "GET /""#;
        let out = s.text(Dir::Encrypt, line, Some(2014)).unwrap();
        assert_eq!(
            out,
            r#"Jul 20 06:47:52 host sshd[1]: at 2014-07-20T06:47:52Z; 1.2.3.4 - - [20/Jul/2014:06:47:52 +0000] "GET /""#
        );
        assert_eq!(s.text(Dir::Decrypt, &out, Some(2014)).unwrap(), line);
        assert_eq!(s.text(Dir::Encrypt, "no dates here 12:00", None), None);
        assert_eq!(
            s.iso(Dir::Encrypt, "2014-08-03T06:47:52.123456+02:00").unwrap(),
            "2014-07-20T06:47:52.123456+02:00"
        );
        assert_eq!(s.iso(Dir::Encrypt, "2014-08-03").unwrap(), "2014-07-20");
    }

    #[test]
    fn jitter_is_bounded_keyed_and_keeps_order() {
        let s = TimeShift::new(0, 30.0, [7; 32]);
        let start =
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis();
        let mut last = i64::MIN;
        let mut moved = 0;
        for i in 0..200_000 {
            let t = start + i * 997;
            let j = s.jitter(t);
            assert!(j >= t && j < t + 30_000, "{t} -> {j}");
            assert!(j >= last, "order broken at {t}");
            moved += (j != t) as u32;
            last = j;
        }
        assert!(moved > 190_000);
        assert_ne!(TimeShift::new(0, 30.0, [8; 32]).jitter(start), s.jitter(start));
        let a = s.iso(Dir::Encrypt, "2024-03-01T10:00:00.000Z").unwrap();
        let b = s.iso(Dir::Encrypt, "2024-03-01T10:00:00.001Z").unwrap();
        assert!(a <= b && a.len() == 24 && a.ends_with('Z'), "{a} {b}");
        let line = s.text(Dir::Encrypt, "Mar  1 10:00:00 host x: y", Some(2024)).unwrap();
        assert!(line.starts_with("Mar  1 10:00:") && line.ends_with(" host x: y"), "{line}");
    }
}
