//! Timestamps: the layouts security logs use, time zones, and RFC 3339 UTC output.
//!
//! Parsing is hand-written (no regex, no allocation) because it runs once per input line.
//!
//! Only real instants come out: a date that does not exist (`Feb 30`), an offset beyond
//! ±23:59 (`+99:99`) or a time outside the years 0000–9999 (which RFC 3339 cannot write) is
//! no timestamp. Parsers that find such a time keep the line and tag the event
//! [`INVALID_TIMESTAMP`] instead of giving it a wrong or missing time silently.

use anyhow::{bail, Result};
use chrono::{LocalResult, NaiveDate, TimeZone};
use std::fmt::Write as _;

/// The tag of an event whose line holds a time that is not a real instant.
pub const INVALID_TIMESTAMP: &str = "invalid_timestamp";

/// The first second RFC 3339 can write (0000-01-01T00:00:00Z).
const MIN_SECS: i64 = -62_167_219_200;
/// The last second RFC 3339 can write (9999-12-31T23:59:59Z).
const MAX_SECS: i64 = 253_402_300_799;

/// Whether an instant can be written in RFC 3339 (years 0000 to 9999).
pub fn in_range(secs: i64) -> bool {
    (MIN_SECS..=MAX_SECS).contains(&secs)
}

/// An instant with the fractional precision it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
    /// Digits of fraction to print (0 = none), so output keeps the input's precision.
    pub frac_digits: u8,
}

impl Timestamp {
    /// RFC 3339 in UTC with a `Z` suffix, e.g. `2024-02-21T21:54:44.101Z`.
    pub fn to_rfc3339(&self) -> String {
        let mut out = Vec::with_capacity(32);
        self.write_rfc3339(&mut out);
        String::from_utf8(out).expect("ASCII")
    }

    /// Appends the RFC 3339 form (hot path of every parser: no formatting machinery).
    pub fn write_rfc3339(&self, out: &mut Vec<u8>) {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        if (0..=9999).contains(&y) {
            let y = y as u32;
            push2(out, y / 100);
            push2(out, y % 100);
        } else {
            let _ = write!(VecWriter(out), "{y:+07}");
        }
        out.push(b'-');
        push2(out, m);
        out.push(b'-');
        push2(out, d);
        out.push(b'T');
        push2(out, sod / 3600);
        out.push(b':');
        push2(out, sod / 60 % 60);
        out.push(b':');
        push2(out, sod % 60);
        if self.frac_digits > 0 {
            out.push(b'.');
            let mut n = self.nanos;
            let mut digits = [b'0'; 9];
            for slot in digits.iter_mut().rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
            out.extend_from_slice(&digits[..self.frac_digits.min(9) as usize]);
        }
        out.push(b'Z');
    }
}

fn push2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10 % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

struct VecWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The zone in which zone-less timestamps are read (`--tz`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Utc,
    Fixed(i32),
    Named(chrono_tz::Tz),
}

impl Zone {
    /// Accepts `UTC`, `Z`, `+02:00`, `-0530`, `+02` or an IANA name like `Europe/Berlin`.
    pub fn parse(s: &str) -> Result<Zone> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return Ok(Zone::Utc);
        }
        if let Some((off, used)) = parse_offset(t.as_bytes()) {
            if used == t.len() {
                return Ok(if off == 0 { Zone::Utc } else { Zone::Fixed(off) });
            }
        }
        match t.parse::<chrono_tz::Tz>() {
            Ok(tz) => Ok(Zone::Named(tz)),
            Err(_) => {
                bail!("unknown time zone '{s}': use UTC, an offset like +02:00, or an IANA name like Europe/Berlin")
            }
        }
    }

    /// Minutes after local midnight at an instant (for hour-of-day rules).
    pub fn minute_of_day(&self, secs: i64) -> u32 {
        let offset = match self {
            Zone::Utc => 0,
            Zone::Fixed(off) => *off as i64,
            Zone::Named(tz) => match tz.timestamp_opt(secs, 0) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    use chrono::Offset;
                    t.offset().fix().local_minus_utc() as i64
                }
                LocalResult::None => 0,
            },
        };
        ((secs + offset).rem_euclid(86_400) / 60) as u32
    }

    /// Seconds since the epoch of a wall-clock time in this zone. In a DST gap or overlap the
    /// earlier valid instant is used.
    pub fn to_epoch(&self, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
        let secs = self.wall_to_epoch(y, mo, d, h, mi, s)?;
        in_range(secs).then_some(secs)
    }

    fn wall_to_epoch(&self, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
        if !(0..=9999).contains(&y)
            || !(1..=12).contains(&mo)
            || d == 0
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || s > 60
        {
            return None;
        }
        let local = days_from_civil(y, mo, d) * 86_400 + (h * 3600 + mi * 60 + s) as i64;
        match self {
            Zone::Utc => Some(local),
            Zone::Fixed(off) => Some(local - *off as i64),
            Zone::Named(tz) => {
                let naive = NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, s.min(59))?;
                match tz.from_local_datetime(&naive) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp()),
                    // Spring-forward gap: the wall time does not exist; shift by an hour.
                    LocalResult::None => tz
                        .from_local_datetime(&(naive + chrono::Duration::hours(1)))
                        .earliest()
                        .map(|t| t.timestamp() - 3600),
                }
            }
        }
    }
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

const MONTHS: [&[u8; 3]; 12] =
    [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];

/// Month number from a three-letter English abbreviation, any case.
pub fn month_from_abbr(b: &[u8]) -> Option<u32> {
    if b.len() < 3 {
        return None;
    }
    let key = [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase(), b[2].to_ascii_lowercase()];
    MONTHS.iter().position(|m| **m == key).map(|i| i as u32 + 1)
}

fn is_weekday_abbr(b: &[u8]) -> bool {
    b.len() >= 3
        && [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"].iter().any(|d| {
            d[0] == b[0].to_ascii_lowercase() && d[1] == b[1].to_ascii_lowercase() && d[2] == b[2].to_ascii_lowercase()
        })
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

/// `HH:MM:SS` at `at`.
fn hms(b: &[u8], at: usize) -> Option<(u32, u32, u32)> {
    if b.get(at + 2) != Some(&b':') || b.get(at + 5) != Some(&b':') {
        return None;
    }
    Some((digits(b, at, 2)?, digits(b, at + 3, 2)?, digits(b, at + 6, 2)?))
}

/// A fraction `.123456` (or `,123`) at `at`: (nanos, digits, bytes used).
fn fraction(b: &[u8], at: usize) -> (u32, u8, usize) {
    if !matches!(b.get(at), Some(b'.') | Some(b',')) {
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

/// A UTC offset `Z`, `+HH:MM`, `+HHMM` or `+HH`: (seconds east, bytes used).
pub fn parse_offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let h = digits(b, 1, 2)? as i32;
            let (m, used) = if b.get(3) == Some(&b':') {
                (digits(b, 4, 2)? as i32, 6)
            } else if let Some(m) = digits(b, 3, 2) {
                (m as i32, 5)
            } else {
                (0, 3)
            };
            if h > 23 || m > 59 {
                return None;
            }
            let off = (h * 3600 + m * 60) * if *sign == b'-' { -1 } else { 1 };
            Some((off, used))
        }
        _ => None,
    }
}

/// What a parser found: a complete instant, or a wall-clock time still needing a zone.
fn finish(
    zone: &Zone,
    ymd: (i32, u32, u32),
    t: (u32, u32, u32),
    frac: (u32, u8),
    offset: Option<i32>,
) -> Option<Timestamp> {
    let secs = match offset {
        Some(off) => Zone::Fixed(off).to_epoch(ymd.0, ymd.1, ymd.2, t.0, t.1, t.2)?,
        None => zone.to_epoch(ymd.0, ymd.1, ymd.2, t.0, t.1, t.2)?,
    };
    if !in_range(secs) {
        return None;
    }
    Some(Timestamp { secs, nanos: frac.0, frac_digits: frac.1 })
}

/// ISO 8601 / RFC 3339: `2024-02-21T21:54:44.123+01:00`, also with a space instead of `T`,
/// without offset (read in `zone`), with a `,` fraction. Returns the instant and bytes used.
pub fn parse_iso(b: &[u8], zone: &Zone) -> Option<(Timestamp, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ' | b't') {
        return None;
    }
    let y = digits(b, 0, 4)? as i32;
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    let t = hms(b, 11)?;
    let (nanos, fd, fl) = fraction(b, 19);
    let mut used = 19 + fl;
    let offset = match parse_offset(&b[used..]) {
        Some((off, n)) => {
            used += n;
            Some(off)
        }
        // Something written as an offset that is none (`+99:99`, `+2`): not read as local.
        None if offset_like(&b[used..]) > 0 => return None,
        None => None,
    };
    Some((finish(zone, (y, mo, d), t, (nanos, fd), offset)?, used))
}

/// Bytes of what is written as a UTC offset (`Z`, `+HH`, `+HHMM`, `+HH:MM`, valid or not).
fn offset_like(b: &[u8]) -> usize {
    let digits_at = |at: usize, n: usize| b.get(at..at + n).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    match b.first() {
        Some(b'Z' | b'z') => 1,
        Some(b'+' | b'-') if digits_at(1, 2) => {
            if b.get(3) == Some(&b':') && digits_at(4, 2) {
                6
            } else if digits_at(3, 2) {
                5
            } else if b.get(3).is_some_and(u8::is_ascii_digit) {
                4
            } else {
                3
            }
        }
        Some(b'+' | b'-') if b.get(1).is_some_and(u8::is_ascii_digit) => 2,
        _ => 0,
    }
}

/// Bytes of what is laid out as an ISO 8601 time (`YYYY-MM-DD[T ]HH:MM:SS[.f][offset]`),
/// whether or not it names a real instant: parsers tell "no time here" from "an invalid
/// time" with it.
pub fn iso_shape(b: &[u8]) -> Option<usize> {
    let d = |at: usize, n: usize| b.get(at..at + n).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(d(0, 4) && at(4, b"-") && d(5, 2) && at(7, b"-") && d(8, 2) && at(10, b"Tt ")) {
        return None;
    }
    if !(d(11, 2) && at(13, b":") && d(14, 2) && at(16, b":") && d(17, 2)) {
        return None;
    }
    let (_, _, fl) = fraction(b, 19);
    let used = 19 + fl;
    Some(used + offset_like(&b[used..]))
}

/// Hours, minutes and seconds of a time of day.
pub type Hms = (u32, u32, u32);

/// Classic syslog `Feb  9 21:19:40` (no year; also the unpadded `Feb 9 21:19:40` some
/// systems write): (month, day, h, m, s, bytes used).
pub fn parse_bsd(b: &[u8]) -> Option<(u32, u32, Hms, usize)> {
    if b.len() < 14 || b[3] != b' ' {
        return None;
    }
    let month = month_from_abbr(&b[..3])?;
    let (day, at) = if b[4] == b' ' {
        (digits(b, 5, 1)?, 7)
    } else if b[5] == b' ' {
        (digits(b, 4, 1)?, 6)
    } else {
        (digits(b, 4, 2)?, 7)
    };
    if b.get(at - 1) != Some(&b' ') || day == 0 || day > 31 {
        return None;
    }
    let t = hms(b, at)?;
    Some((month, day, t, at + 8))
}

/// Access-log time `10/Oct/2000:13:55:36 -0700` (inside the brackets).
pub fn parse_clf(b: &[u8], zone: &Zone) -> Option<Timestamp> {
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let d = digits(b, 0, 2)?;
    let mo = month_from_abbr(&b[3..6])?;
    let y = digits(b, 7, 4)? as i32;
    let t = hms(b, 12)?;
    let (nanos, fd, fl) = fraction(b, 20);
    let rest = &b[20 + fl..];
    let offset = match rest.first() {
        Some(b' ') => parse_offset(&rest[1..]).map(|(o, _)| o),
        _ => None,
    };
    finish(zone, (y, mo, d), t, (nanos, fd), offset)
}

/// Apache error-log time `Mon Dec 26 16:15:55.103522 2016`; returns bytes used.
pub fn parse_ctime(b: &[u8], zone: &Zone) -> Option<(Timestamp, usize)> {
    if b.len() < 24 || !is_weekday_abbr(b) || b[3] != b' ' {
        return None;
    }
    let (mo, d, t, _) = parse_bsd(&b[4..])?;
    let (nanos, fd, fl) = fraction(b, 19);
    let at = 19 + fl;
    if b.get(at) != Some(&b' ') {
        return None;
    }
    let y = digits(b, at + 1, 4)? as i32;
    Some((finish(zone, (y, mo, d), t, (nanos, fd), None)?, at + 5))
}

/// `2016/10/25 14:49:34` (nginx error log) and `yy/MM/dd HH:mm:ss` (Spark); bytes used.
pub fn parse_slashed(b: &[u8], zone: &Zone) -> Option<(Timestamp, usize)> {
    let (y, rest) = if b.get(4) == Some(&b'/') {
        (digits(b, 0, 4)? as i32, 5)
    } else if b.get(2) == Some(&b'/') {
        (2000 + digits(b, 0, 2)? as i32, 3)
    } else {
        return None;
    };
    let mo = digits(b, rest, 2)?;
    if b.get(rest + 2) != Some(&b'/') {
        return None;
    }
    let d = digits(b, rest + 3, 2)?;
    let at = rest + 5;
    if b.get(at) != Some(&b' ') {
        return None;
    }
    let t = hms(b, at + 1)?;
    let (nanos, fd, fl) = fraction(b, at + 9);
    Some((finish(zone, (y, mo, d), t, (nanos, fd), None)?, at + 9 + fl))
}

/// Finds a timestamp in loosely formatted text (custom line formats, unknown lines): ISO,
/// slashed, ctime, access-log, compact `yyMMdd HHmmss` (HDFS), `yyyy-MM-dd-HH.mm.ss.ffffff`
/// (BGL), epoch seconds, and year-less syslog (resolved with `year`).
pub fn parse_loose(s: &str, zone: &Zone, year: i32) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    if b.is_empty() {
        return None;
    }
    if let Some((ts, _)) = parse_iso(b, zone) {
        return Some(ts);
    }
    if let Some((ts, _)) = parse_slashed(b, zone) {
        return Some(ts);
    }
    if let Some((ts, _)) = parse_ctime(b, zone) {
        return Some(ts);
    }
    if let Some(ts) = parse_clf(b, zone) {
        return Some(ts);
    }
    // BGL: 2005-06-03-15.42.50.675872
    if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'-' && b[13] == b'.' && b[16] == b'.' {
        let ymd = (digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?);
        let t = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
        let (nanos, fd, _) = fraction(b, 19);
        return finish(zone, ymd, t, (nanos, fd), None);
    }
    // HDFS: 081109 203615
    if b.len() >= 13 && b[6] == b' ' && b[..6].iter().all(u8::is_ascii_digit) {
        let ymd = (2000 + digits(b, 0, 2)? as i32, digits(b, 2, 2)?, digits(b, 4, 2)?);
        let t = (digits(b, 7, 2)?, digits(b, 9, 2)?, digits(b, 11, 2)?);
        return finish(zone, ymd, t, (0, 0), None);
    }
    if let Some((mo, d, t, _)) = parse_bsd(b) {
        return finish(zone, (year, mo, d), t, (0, 0), None);
    }
    // Epoch seconds (10 digits: 2001..2286).
    if b.len() == 10 && b.iter().all(u8::is_ascii_digit) {
        let secs: i64 = s.trim().parse().ok()?;
        return in_range(secs).then_some(Timestamp { secs, nanos: 0, frac_digits: 0 });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        parse_iso(s.as_bytes(), &Zone::Utc).unwrap().0.to_rfc3339()
    }

    #[test]
    fn minute_of_day_in_zones() {
        // 2024-07-01T21:30:00Z
        let t = Zone::Utc.to_epoch(2024, 7, 1, 21, 30, 0).unwrap();
        assert_eq!(Zone::Utc.minute_of_day(t), 21 * 60 + 30);
        assert_eq!(Zone::parse("-05:00").unwrap().minute_of_day(t), 16 * 60 + 30);
        // Berlin is UTC+2 in July, so 23:30 local.
        assert_eq!(Zone::parse("Europe/Berlin").unwrap().minute_of_day(t), 23 * 60 + 30);
        assert_eq!(Zone::parse("+03:00").unwrap().minute_of_day(t), 30);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 59, 10_957, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn iso_variants_become_utc() {
        assert_eq!(iso("1986-04-26T01:23:45.101+0400"), "1986-04-25T21:23:45.101Z");
        assert_eq!(iso("1986-04-26T01:23:45.388424+04:00"), "1986-04-25T21:23:45.388424Z");
        assert_eq!(iso("2019-06-14T13:01:15.412+01:30"), "2019-06-14T11:31:15.412Z");
        assert_eq!(iso("2015-10-18 18:01:47,978"), "2015-10-18T18:01:47.978Z");
        assert_eq!(iso("2022-04-21T14:30:00Z"), "2022-04-21T14:30:00Z");
        assert!(parse_iso(b"2022-13-21T14:30:00Z", &Zone::Utc).is_none());
    }

    #[test]
    fn zones() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        // 2024-07-01 12:00 CEST = 10:00 UTC; 2024-01-01 12:00 CET = 11:00 UTC.
        assert_eq!(berlin.to_epoch(2024, 7, 1, 12, 0, 0), Zone::Utc.to_epoch(2024, 7, 1, 10, 0, 0));
        assert_eq!(berlin.to_epoch(2024, 1, 1, 12, 0, 0), Zone::Utc.to_epoch(2024, 1, 1, 11, 0, 0));
        assert_eq!(Zone::parse("-02:00").unwrap(), Zone::Fixed(-7200));
        assert!(Zone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn impossible_times_are_no_times() {
        // An offset beyond ±23:59 is not read as UTC (nor as anything).
        assert!(parse_iso(b"2024-03-01T10:00:00+99:99", &Zone::Utc).is_none());
        assert!(parse_iso(b"2024-03-01T10:00:00-2", &Zone::Utc).is_none());
        assert_eq!(iso_shape(b"2024-03-01T10:00:00+99:99 rest"), Some(25));
        // Dates that do not exist.
        assert!(parse_iso(b"2023-02-29T10:00:00Z", &Zone::Utc).is_none());
        assert!(Zone::Utc.to_epoch(2024, 2, 30, 0, 0, 0).is_none());
        assert!(parse_loose("Feb 30 10:00:00", &Zone::Utc, 2024).is_none());
        // Years RFC 3339 cannot write, also when a zone moves the instant across the edge.
        assert!(Zone::Utc.to_epoch(99_999, 1, 1, 0, 0, 0).is_none());
        assert!(Zone::Utc.to_epoch(-1, 1, 1, 0, 0, 0).is_none());
        assert!(Zone::Fixed(-3600).to_epoch(9999, 12, 31, 23, 30, 0).is_none());
        assert!(parse_iso(b"0000-01-01T00:30:00+01:00", &Zone::Utc).is_none());
        assert_eq!(iso("9999-12-31T23:59:59Z"), "9999-12-31T23:59:59Z");
        assert_eq!(iso("0000-01-01T00:00:00Z"), "0000-01-01T00:00:00Z");
        // Still fine: text after a time that is not an offset.
        assert_eq!(parse_iso(b"2015-10-18 18:01:47,978-thread", &Zone::Utc).map(|(_, n)| n), Some(23));
    }

    #[test]
    fn other_layouts() {
        let z = Zone::Utc;
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 -0700", &z).unwrap().to_rfc3339(), "2000-10-10T20:55:36Z");
        assert_eq!(
            parse_ctime(b"Mon Dec 26 16:15:55.103522 2016", &z).unwrap().0.to_rfc3339(),
            "2016-12-26T16:15:55.103522Z"
        );
        assert_eq!(parse_slashed(b"2016/10/25 14:49:34", &z).unwrap().0.to_rfc3339(), "2016-10-25T14:49:34Z");
        assert_eq!(parse_bsd(b"Feb  9 21:19:40 x"), Some((2, 9, (21, 19, 40), 15)));
        assert_eq!(parse_bsd(b"Apr 4 03:39:57 x"), Some((4, 4, (3, 39, 57), 14)));
        assert_eq!(parse_bsd(b"Feb 19 21:19:40"), Some((2, 19, (21, 19, 40), 15)));
        assert!(parse_bsd(b"Feb 199 21:19:4").is_none());
        assert_eq!(parse_loose("081109 203615", &z, 2000).unwrap().to_rfc3339(), "2008-11-09T20:36:15Z");
        assert_eq!(
            parse_loose("2005-06-03-15.42.50.675872", &z, 2000).unwrap().to_rfc3339(),
            "2005-06-03T15:42:50.675872Z"
        );
        assert_eq!(parse_loose("Jun 14 15:16:01", &z, 2005).unwrap().to_rfc3339(), "2005-06-14T15:16:01Z");
        assert_eq!(parse_loose("17/06/09 20:10:40", &z, 2000).unwrap().to_rfc3339(), "2017-06-09T20:10:40Z");
        assert!(parse_loose("hello world", &z, 2000).is_none());
    }
}
