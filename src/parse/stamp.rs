//! Times in the common forms application logs write, found near the start of a line:
//! what `parse` uses for lines of no known format (and for the prefix before an embedded
//! syslog line), without a format option.
//!
//! A time is looked for at the start of the line and after each separator (space, tab,
//! `[`, `(`, `|`, `,`, `;`, `=`) in the first [`LIMIT`] bytes. Epoch numbers are only taken
//! where a file's first lines agree on the column that holds them ([`Layout::EpochSecs`]),
//! since any 10-digit number would otherwise pass for one.

use crate::time::{self, Timestamp, Zone};

/// How far into a line a time is looked for.
pub const LIMIT: usize = 96;

/// A way of writing times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `2017-05-16 00:00:00.008`, `2024-02-21T21:54:44+01:00` (also log4j's ISO8601).
    Iso,
    /// `2016/10/25 14:49:34`, `17/06/09 20:10:40`.
    Slashed,
    /// `Mon Dec 26 16:15:55.103522 2016`.
    Ctime,
    /// `Feb  9 21:19:40` (no year).
    Bsd,
    /// `2005-06-03-15.42.50.363779` (BGL).
    Dashed,
    /// `20171223-22:15:29:606`.
    Compact,
    /// `081109 203615` (HDFS).
    Short,
    /// `10.30 16:49:06` and `03-17 16:13:38.811` (month and day, no year).
    MonthDay,
    /// `23 Feb 2024 10:15:30,123` (log4j's DATE).
    DayMonth,
    /// `Jan 5, 2024 10:15:30 AM` (java.util.logging).
    JavaUtil,
    /// `10/Oct/2000:13:55:36 -0700`.
    Clf,
    /// Seconds since 1970 (10 digits, optionally `.fraction`).
    EpochSecs,
    /// Milliseconds since 1970 (13 digits).
    EpochMillis,
}

impl Layout {
    /// Whether times of this layout lack a year (taken from the file's year).
    pub fn yearless(self) -> bool {
        matches!(self, Layout::Bsd | Layout::MonthDay)
    }

    /// The layouts [`find`] tries, most specific first.
    const SCANNED: [Layout; 11] = [
        Layout::Dashed,
        Layout::Iso,
        Layout::Compact,
        Layout::Ctime,
        Layout::JavaUtil,
        Layout::Bsd,
        Layout::DayMonth,
        Layout::Slashed,
        Layout::Clf,
        Layout::Short,
        Layout::MonthDay,
    ];
}

/// A time found in a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub ts: Timestamp,
    /// Where it starts and how many bytes it takes.
    pub at: usize,
    pub len: usize,
    pub layout: Layout,
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// `.123` or `,123` or `:123` (as `sep` allows) at `at`: (nanos, digits kept, bytes used).
pub fn fraction(b: &[u8], at: usize, seps: &[u8]) -> (u32, u8, usize) {
    if !b.get(at).is_some_and(|c| seps.contains(c)) {
        return (0, 0, 0);
    }
    let mut n = 0u32;
    let mut count = 0usize;
    while let Some(&c) = b.get(at + 1 + count) {
        if !c.is_ascii_digit() {
            break;
        }
        if count < 9 {
            n = n * 10 + (c - b'0') as u32;
        }
        count += 1;
    }
    if count == 0 {
        return (0, 0, 0);
    }
    let kept = count.min(9);
    (n * 10u32.pow((9 - kept) as u32), kept as u8, count + 1)
}

/// `HH:MM:SS` at `at` with `sep` between the parts.
fn hms(b: &[u8], at: usize, sep: u8) -> Option<(u32, u32, u32)> {
    if b.get(at + 2) != Some(&sep) || b.get(at + 5) != Some(&sep) {
        return None;
    }
    let t = (digits(b, at, 2)?, digits(b, at + 3, 2)?, digits(b, at + 6, 2)?);
    (t.0 < 24 && t.1 < 60 && t.2 <= 60).then_some(t)
}

/// `H:M:S` with one or two digits each (some loggers do not pad): the time and where it ends.
fn loose_hms(b: &[u8], at: usize) -> Option<((u32, u32, u32), usize)> {
    let mut parts = [0u32; 3];
    let mut i = at;
    for (k, part) in parts.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
        }
        let (v, used) = match (digits(b, i, 2), digits(b, i, 1)) {
            (Some(v), _) => (v, 2),
            (None, Some(v)) => (v, 1),
            _ => return None,
        };
        *part = v;
        i += used;
    }
    let t = (parts[0], parts[1], parts[2]);
    (t.0 < 24 && t.1 < 60 && t.2 <= 60).then_some((t, i))
}

fn instant(zone: &Zone, ymd: (i32, u32, u32), t: (u32, u32, u32), frac: (u32, u8)) -> Option<Timestamp> {
    if !(1..=12).contains(&ymd.1) || ymd.2 == 0 || ymd.2 > time::days_in_month(ymd.0, ymd.1) {
        return None;
    }
    let secs = zone.to_epoch(ymd.0, ymd.1, ymd.2, t.0, t.1, t.2)?;
    Some(Timestamp { secs, nanos: frac.0, frac_digits: frac.1 })
}

/// The byte after a time must not continue a number or a word.
fn ends(b: &[u8], at: usize) -> bool {
    b.get(at).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Zone abbreviations written after a time (`2017-07-31 13:36:43 EST`), the common
/// unambiguous ones, as offsets in seconds.
const ABBREVIATIONS: &[(&str, i32)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("EST", -5 * 3600),
    ("EDT", -4 * 3600),
    ("CST", -6 * 3600),
    ("CDT", -5 * 3600),
    ("MST", -7 * 3600),
    ("MDT", -6 * 3600),
    ("PST", -8 * 3600),
    ("PDT", -7 * 3600),
    ("CET", 3600),
    ("CEST", 2 * 3600),
    ("EET", 2 * 3600),
    ("EEST", 3 * 3600),
    ("JST", 9 * 3600),
];

/// ` EST` at the start of `b`: the offset, and the bytes it takes.
fn abbreviation(b: &[u8]) -> Option<(i32, usize)> {
    let rest = b.strip_prefix(b" ")?;
    let end = rest.iter().position(|c| !c.is_ascii_uppercase()).unwrap_or(rest.len());
    let word = std::str::from_utf8(&rest[..end]).ok()?;
    ABBREVIATIONS.iter().find(|(a, _)| *a == word).map(|&(_, off)| (off, end + 1))
}

/// A time of `layout` at the start of `b`: (instant, bytes used). `year` completes
/// year-less layouts; a zone abbreviation after a wall-clock time says its zone.
pub fn parse(b: &[u8], layout: Layout, zone: &Zone, year: i32) -> Option<(Timestamp, usize)> {
    let (ts, used) = parse_in(b, layout, zone, year)?;
    if matches!(layout, Layout::EpochSecs | Layout::EpochMillis | Layout::Clf) {
        return Some((ts, used));
    }
    match abbreviation(&b[used..]) {
        Some((off, len)) => parse_in(b, layout, &Zone::Fixed(off), year).map(|(ts, _)| (ts, used + len)),
        None => Some((ts, used)),
    }
}

fn parse_in(b: &[u8], layout: Layout, zone: &Zone, year: i32) -> Option<(Timestamp, usize)> {
    let (ts, used) = match layout {
        Layout::Iso => time::parse_iso(b, zone)?,
        Layout::Slashed => time::parse_slashed(b, zone)?,
        Layout::Ctime => time::parse_ctime(b, zone)?,
        Layout::Bsd => {
            let (mo, d, t, used) = time::parse_bsd(b)?;
            (instant(zone, (year, mo, d), t, (0, 0))?, used)
        }
        Layout::Dashed => {
            if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'-' || b[13] != b'.' || b[16] != b'.' {
                return None;
            }
            let ymd = (digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?);
            let t = hms(b, 11, b'.')?;
            let (nanos, fd, fl) = fraction(b, 19, b".");
            (instant(zone, ymd, t, (nanos, fd))?, 19 + fl)
        }
        Layout::Compact => {
            // 20171223-22:15:29:606, also unpadded (20171223-22:16:0:119).
            if b.get(8) != Some(&b'-') {
                return None;
            }
            let ymd = (digits(b, 0, 4)? as i32, digits(b, 4, 2)?, digits(b, 6, 2)?);
            let (t, at) = loose_hms(b, 9)?;
            let (nanos, fd, fl) = fraction(b, at, b":.,");
            (instant(zone, ymd, t, (nanos, fd))?, at + fl)
        }
        Layout::Short => {
            if b.get(6) != Some(&b' ') {
                return None;
            }
            let ymd = (2000 + digits(b, 0, 2)? as i32, digits(b, 2, 2)?, digits(b, 4, 2)?);
            let t = (digits(b, 7, 2)?, digits(b, 9, 2)?, digits(b, 11, 2)?);
            if t.0 > 23 || t.1 > 59 || t.2 > 60 {
                return None;
            }
            (instant(zone, ymd, t, (0, 0))?, 13)
        }
        Layout::MonthDay => {
            if !matches!(b.get(2), Some(b'.' | b'-')) || b.get(5) != Some(&b' ') {
                return None;
            }
            let (mo, d) = (digits(b, 0, 2)?, digits(b, 3, 2)?);
            let t = hms(b, 6, b':')?;
            let (nanos, fd, fl) = fraction(b, 14, b".,");
            (instant(zone, (year, mo, d), t, (nanos, fd))?, 14 + fl)
        }
        Layout::DayMonth => {
            // 23 Feb 2024 10:15:30,123
            if b.get(2) != Some(&b' ') || b.get(6) != Some(&b' ') || b.get(11) != Some(&b' ') {
                return None;
            }
            let d = digits(b, 0, 2)?;
            let mo = time::month_from_abbr(&b[3..6])?;
            let y = digits(b, 7, 4)? as i32;
            let t = hms(b, 12, b':')?;
            let (nanos, fd, fl) = fraction(b, 20, b".,");
            (instant(zone, (y, mo, d), t, (nanos, fd))?, 20 + fl)
        }
        Layout::JavaUtil => java_util(b, zone)?,
        Layout::Clf => {
            let ts = time::parse_clf(b, zone)?;
            let end = b.iter().position(|&c| c == b']').unwrap_or(20.min(b.len()));
            (ts, end)
        }
        Layout::EpochSecs => {
            let n = digits(b, 0, 10)? as i64;
            if !(946_684_800..=2_524_608_000).contains(&n) {
                return None;
            }
            let (nanos, fd, fl) = fraction(b, 10, b".");
            (Timestamp { secs: n, nanos, frac_digits: fd }, 10 + fl)
        }
        Layout::EpochMillis => {
            let s = b.get(..13)?;
            if !s.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let ms: i64 = std::str::from_utf8(s).ok()?.parse().ok()?;
            if !(946_684_800_000..=2_524_608_000_000).contains(&ms) {
                return None;
            }
            let ts = Timestamp { secs: ms / 1000, nanos: (ms % 1000) as u32 * 1_000_000, frac_digits: 3 };
            (ts, 13)
        }
    };
    ends(b, used).then_some((ts, used))
}

/// `Jan 5, 2024 10:15:30 AM` or `Jan 05, 2024 3:04:05 PM`.
fn java_util(b: &[u8], zone: &Zone) -> Option<(Timestamp, usize)> {
    let mo = time::month_from_abbr(b.get(..3)?)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let (d, mut at) = match (digits(b, 4, 2), digits(b, 4, 1)) {
        (Some(d), _) => (d, 6),
        (None, Some(d)) => (d, 5),
        _ => return None,
    };
    if b.get(at..at + 2) != Some(b", ") {
        return None;
    }
    let y = digits(b, at + 2, 4)? as i32;
    at += 7;
    let (h, hl) = match (digits(b, at, 2), digits(b, at, 1)) {
        (Some(h), _) => (h, 2),
        (None, Some(h)) => (h, 1),
        _ => return None,
    };
    at += hl;
    if b.get(at) != Some(&b':') || b.get(at + 3) != Some(&b':') {
        return None;
    }
    let (mi, s) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
    at += 6;
    let pm = match b.get(at..at + 3) {
        Some(b" AM") => false,
        Some(b" PM") => true,
        _ => return None,
    };
    if h == 0 || h > 12 || mi > 59 || s > 60 {
        return None;
    }
    let h = h % 12 + if pm { 12 } else { 0 };
    Some((instant(zone, (y, mo, d), (h, mi, s), (0, 0))?, at + 3))
}

fn is_separator(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'[' | b'(' | b'|' | b',' | b';' | b'=' | b'<' | b'{')
}

/// Where a time may start: the start of the line and after each separator, within
/// [`LIMIT`] bytes, at a digit or an upper-case letter (a month or weekday name).
fn starts(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let end = b.len().min(LIMIT);
    (0..end)
        .filter(move |&i| (i == 0 || is_separator(b[i - 1])) && (b[i].is_ascii_digit() || b[i].is_ascii_uppercase()))
}

/// The first time in one of the scanned layouts near the start of `s` (epoch numbers are
/// not scanned for: see [`epoch_at_field`]).
pub fn find(s: &str, zone: &Zone, year: i32) -> Option<Found> {
    let b = s.as_bytes();
    for at in starts(b) {
        let rest = &b[at..];
        for layout in Layout::SCANNED {
            if let Some((ts, len)) = parse(rest, layout, zone, year) {
                return Some(Found { ts, at, len, layout });
            }
        }
    }
    None
}

/// The first time written in `layout` near the start of `s`.
pub fn find_layout(s: &str, layout: Layout, zone: &Zone, year: i32) -> Option<Found> {
    let b = s.as_bytes();
    starts(b).find_map(|at| parse(&b[at..], layout, zone, year).map(|(ts, len)| Found { ts, at, len, layout }))
}

/// An epoch time (seconds or milliseconds) as the whole `field`-th whitespace-separated
/// field of `s`, counting from 0.
pub fn epoch_at_field(s: &str, field: usize) -> Option<Found> {
    let mut at = 0;
    for (i, tok) in s.split(' ').enumerate() {
        if i == field {
            let layout = match tok.len() {
                10 => Layout::EpochSecs,
                13 => Layout::EpochMillis,
                n if n > 11 && tok.as_bytes()[10] == b'.' => Layout::EpochSecs,
                _ => return None,
            };
            let (ts, len) = parse(tok.as_bytes(), layout, &Zone::Utc, 0)?;
            return (len == tok.len()).then_some(Found { ts, at, len, layout });
        }
        at += tok.len() + 1;
        if at > LIMIT {
            return None;
        }
    }
    None
}

/// What a file's first lines say about where their times are: the layout most of them
/// share (a scanned one if any, else an epoch column), with an example.
#[derive(Debug, Clone, PartialEq)]
pub struct FileTimes {
    pub layout: Layout,
    /// For epoch layouts, the whitespace-separated field that holds it.
    pub field: Option<usize>,
    /// The time as the first line wrote it.
    pub example: String,
}

/// Learns [`FileTimes`] from a file's first lines: the layout found in at least half of
/// them, else an epoch column shared by at least half of them.
pub fn learn(head: &[&str], zone: &Zone) -> Option<FileTimes> {
    if head.is_empty() {
        return None;
    }
    let half = head.len().div_ceil(2);
    let mut counts: Vec<(Layout, usize, String)> = Vec::new();
    for line in head {
        if let Some(f) = find(line, zone, 2000) {
            match counts.iter_mut().find(|(l, _, _)| *l == f.layout) {
                Some(c) => c.1 += 1,
                None => counts.push((f.layout, 1, line[f.at..f.at + f.len].to_string())),
            }
        }
    }
    if let Some((layout, _, example)) = counts.iter().filter(|c| c.1 >= half).max_by_key(|c| c.1) {
        return Some(FileTimes { layout: *layout, field: None, example: example.clone() });
    }
    for field in 0..8 {
        let found: Vec<Found> = head.iter().filter_map(|l| epoch_at_field(l, field)).collect();
        if found.len() >= half {
            let line = head.iter().find_map(|l| epoch_at_field(l, field).map(|f| (l, f)))?;
            let example = line.0[line.1.at..line.1.at + line.1.len].to_string();
            return Some(FileTimes { layout: found[0].layout, field: Some(field), example });
        }
    }
    None
}

impl FileTimes {
    /// The time of one line of the file, as its first lines write it (else any scanned
    /// layout).
    pub fn find(&self, s: &str, zone: &Zone, year: i32) -> Option<Found> {
        match self.field {
            Some(field) => epoch_at_field(s, field),
            None => find_layout(s, self.layout, zone, year).or_else(|| find(s, zone, year)),
        }
    }

    /// Whether a line has the file's time where its first lines have theirs (a line that
    /// does not continues the message before it).
    pub fn starts(&self, s: &str) -> bool {
        match self.field {
            Some(field) => epoch_at_field(s, field).is_some(),
            None => find_layout(s, self.layout, &Zone::Utc, 2000).is_some(),
        }
    }

    /// For the note on stderr.
    pub fn describe(&self) -> String {
        match self.field {
            Some(f) => format!("times as epoch {} in field {} (like {})", self.unit(), f + 1, self.example),
            None => format!("times like {}", self.example),
        }
    }

    fn unit(&self) -> &'static str {
        if self.layout == Layout::EpochMillis {
            "milliseconds"
        } else {
            "seconds"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<(String, usize, Layout)> {
        find(s, &Zone::Utc, 2023).map(|f| (f.ts.to_rfc3339(), f.at, f.layout))
    }

    #[test]
    fn common_forms_near_the_start() {
        assert_eq!(
            at("20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579"),
            Some(("2017-12-23T22:15:29.606Z".into(), 0, Layout::Compact))
        );
        assert_eq!(
            at("[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy"),
            Some(("2023-10-30T16:49:06Z".into(), 1, Layout::MonthDay))
        );
        assert_eq!(
            at("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi"),
            Some(("2017-05-16T00:00:00.008Z".into(), 35, Layout::Iso))
        );
        assert_eq!(
            at("03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs"),
            Some(("2023-03-17T16:13:38.811Z".into(), 0, Layout::MonthDay))
        );
        assert_eq!(
            at("- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.363779 R02-M1-N0 RAS KERNEL"),
            Some(("2005-06-03T15:42:50.363779Z".into(), 44, Layout::Dashed))
        );
        assert_eq!(
            at("INFO  23 Feb 2024 10:15:30,123 [main] org.example.App - started"),
            Some(("2024-02-23T10:15:30.123Z".into(), 6, Layout::DayMonth))
        );
        assert_eq!(
            at("Jan 5, 2024 3:04:05 PM org.example.App main"),
            Some(("2024-01-05T15:04:05Z".into(), 0, Layout::JavaUtil))
        );
        assert_eq!(
            at("worker-3 | Tue Mar  5 10:00:00 2024 job done"),
            Some(("2024-03-05T10:00:00Z".into(), 11, Layout::Ctime))
        );
        assert_eq!(
            at("20171223-22:16:0:119|Step_LSC|30002312|processHandleBroadcastAction"),
            Some(("2017-12-23T22:16:00.119Z".into(), 0, Layout::Compact))
        );
        assert_eq!(
            at("2017-07-31 13:36:43 EST [835-1] LOG:  autovacuum launcher started"),
            Some(("2017-07-31T18:36:43Z".into(), 0, Layout::Iso)),
            "a zone abbreviation after the time"
        );
        assert_eq!(at("081109 203615 148 INFO dfs.DataNode$PacketResponder: x").map(|f| f.2), Some(Layout::Short));
        assert_eq!(at("17/06/09 20:10:40 INFO executor.Executor: x").map(|f| f.2), Some(Layout::Slashed));
    }

    #[test]
    fn numbers_are_not_times() {
        assert_eq!(at("worker 1234567890 started, 99 jobs"), None);
        assert_eq!(at("id=20171223-22 status ok"), None);
        assert_eq!(at("version 13.45 12:30:99 build"), None, "seconds out of range");
        assert_eq!(at("a".repeat(200).as_str()), None);
        // A time past the first LIMIT bytes is not looked for.
        assert_eq!(at(&format!("{} 2017-05-16 00:00:00", "x".repeat(LIMIT))), None);
    }

    #[test]
    fn epoch_columns_are_learned_per_file() {
        let head = [
            "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change",
            "134682 node-109 unix.hw state_change.unavailable 1077804743 1 Component State Change",
            "134683 node-32 action start 1077804744 1 clusterAddMember (command 1902)",
        ];
        let t = learn(&head, &Zone::Utc).unwrap();
        assert_eq!((t.layout, t.field), (Layout::EpochSecs, Some(4)));
        assert_eq!(t.find(head[2], &Zone::Utc, 0).unwrap().ts.to_rfc3339(), "2004-02-26T14:12:24Z");
        assert!(t.describe().contains("epoch seconds in field 5"));
        // A scanned layout wins over an epoch column when most lines have one.
        let bgl = ["- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.363779 R02 RAS KERNEL INFO x"];
        assert_eq!(learn(&bgl, &Zone::Utc).unwrap().layout, Layout::Dashed);
        assert_eq!(learn(&["no time here", "nor here"], &Zone::Utc), None);
        let ms = learn(&["1700000000123 GET /"], &Zone::Utc).unwrap();
        assert_eq!(ms.find("1700000000123 GET /", &Zone::Utc, 0).unwrap().ts.to_rfc3339(), "2023-11-14T22:13:20.123Z");
    }
}
