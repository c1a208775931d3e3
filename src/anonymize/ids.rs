//! Identifiers with a structure that can be checked: IBANs (ISO 13616, mod 97), phone
//! numbers in international form (E.164: `+`, country code, up to 15 digits), national
//! identity numbers with a check digit or letter, and Windows security identifiers (SIDs).
//!
//! Each is found only when it is valid, and replaced by a valid one of the same format:
//! the free digits (and letters) go through FF1 (or the small-domain permutation), what
//! identifies no one stays (IBAN country, phone country code, SID authority, well-known
//! RIDs), and check digits are recomputed. So the pseudonym is found again by the same test
//! and `--reveal` gives the original back.

use super::fpe::{Dir, Fpe};

/// The digit positions of `v` and their values.
fn digit_positions(v: &str) -> Vec<usize> {
    v.bytes().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect()
}

fn write_digits(out: &mut [u8], positions: &[usize], digits: &[u16]) {
    for (&i, &d) in positions.iter().zip(digits) {
        out[i] = b'0' + d as u8;
    }
}

fn read_digits(v: &[u8], positions: &[usize]) -> Vec<u16> {
    positions.iter().map(|&i| (v[i] - b'0') as u16).collect()
}

/// Permutes the digits at `positions` of `v`, walking (applying again) until `valid` holds
/// for the result: a permutation of the valid strings, since the original is valid too.
fn permute(fpe: &Fpe, dir: Dir, tweak: &[u8], v: &str, positions: &[usize], valid: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut out = v.as_bytes().to_vec();
    let mut digits = read_digits(&out, positions);
    for _ in 0..10_000 {
        fpe.apply(dir, 10, tweak, &mut digits);
        write_digits(&mut out, positions, &digits);
        if valid(&out) {
            return out;
        }
    }
    v.as_bytes().to_vec()
}

// ---------------------------------------------------------------- IBAN

/// IBAN lengths by country (SWIFT's IBAN registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// The IBAN's characters without spaces, if it has a known country, that country's length
/// and a valid check (mod 97 = 1).
fn iban_compact(v: &str) -> Option<Vec<u8>> {
    let c: Vec<u8> = v.bytes().filter(|b| *b != b' ').collect();
    let country = c.get(..2)?;
    let want = IBAN_LENGTHS.iter().find(|(cc, _)| cc.as_bytes() == country).map(|(_, n)| *n)?;
    (c.len() == want && c.iter().all(u8::is_ascii_alphanumeric) && iban_mod97(&c) == 1).then_some(c)
}

/// The IBAN mod-97 remainder: the first four characters moved to the end, letters as 10-35.
fn iban_mod97(c: &[u8]) -> u32 {
    let mut r = 0u32;
    for &b in c[4..].iter().chain(&c[..4]) {
        let v = if b.is_ascii_digit() { (b - b'0') as u32 } else { (b.to_ascii_uppercase() - b'A') as u32 + 10 };
        r = if v >= 10 { (r * 100 + v) % 97 } else { (r * 10 + v) % 97 };
    }
    r
}

pub fn is_iban(v: &str) -> bool {
    iban_compact(v).is_some()
}

/// The BBAN (after the country and check digits) permuted, letters as letters and digits as
/// digits, and the check digits recomputed.
pub fn iban(fpe: &Fpe, dir: Dir, v: &str) -> Option<String> {
    iban_compact(v)?;
    let b = v.as_bytes();
    let mut seen = 0;
    let mut bban_digits = Vec::new();
    let mut bban_letters = Vec::new();
    let mut check_at = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if c == b' ' {
            continue;
        }
        if seen >= 4 {
            if c.is_ascii_digit() {
                bban_digits.push(i);
            } else {
                bban_letters.push(i);
            }
        } else if seen >= 2 {
            check_at.push(i);
        }
        seen += 1;
    }
    let mut out = b.to_vec();
    let mut tweak = b"iban".to_vec();
    tweak.extend_from_slice(&b[..2]);
    let mut digits = read_digits(&out, &bban_digits);
    fpe.apply(dir, 10, &tweak, &mut digits);
    write_digits(&mut out, &bban_digits, &digits);
    let mut letters: Vec<u16> = bban_letters.iter().map(|&i| (b[i].to_ascii_uppercase() - b'A') as u16).collect();
    tweak.push(b'a');
    fpe.apply(dir, 26, &tweak, &mut letters);
    for (&i, &l) in bban_letters.iter().zip(&letters) {
        let base = if b[i].is_ascii_lowercase() { b'a' } else { b'A' };
        out[i] = base + l as u8;
    }
    out[check_at[0]] = b'0';
    out[check_at[1]] = b'0';
    let compact: Vec<u8> = out.iter().copied().filter(|c| *c != b' ').collect();
    let check = 98 - iban_mod97(&compact);
    out[check_at[0]] = b'0' + (check / 10) as u8;
    out[check_at[1]] = b'0' + (check % 10) as u8;
    String::from_utf8(out).ok()
}

// ---------------------------------------------------------------- phone numbers

/// E.164 country codes of one and two digits; every other code has three.
fn country_code_len(d: &[u16]) -> usize {
    const TWO: &[u16] = &[
        20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61,
        62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
    ];
    match d.first() {
        Some(1) | Some(7) => 1,
        _ if d.len() >= 2 && TWO.contains(&(d[0] * 10 + d[1])) => 2,
        _ => 3,
    }
}

/// A phone number in international form: `+`, a country code, 8 to 15 digits in all, with
/// spaces, dots, dashes, slashes or one pair of parentheses between them.
pub fn is_phone(v: &str) -> bool {
    let b = v.as_bytes();
    if b.first() != Some(&b'+') || !b.get(1).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        return false;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let separators_ok =
        b[1..].iter().all(|c| c.is_ascii_digit() || matches!(c, b' ' | b'.' | b'-' | b'/' | b'(' | b')'));
    let opens = b.iter().filter(|c| **c == b'(').count();
    let closes = b.iter().filter(|c| **c == b')').count();
    let doubled = b.windows(2).any(|w| !w[0].is_ascii_digit() && !w[1].is_ascii_digit() && w[0] == w[1]);
    (8..=15).contains(&digits) && separators_ok && opens == closes && opens <= 1 && !doubled
}

/// The country code stays; the other digits go through FF1 (separators stay in place).
pub fn phone(fpe: &Fpe, dir: Dir, v: &str) -> Option<String> {
    if !is_phone(v) {
        return None;
    }
    let positions = digit_positions(v);
    let all = read_digits(v.as_bytes(), &positions);
    let cc = country_code_len(&all);
    let mut tweak = b"phone".to_vec();
    tweak.extend(all[..cc].iter().map(|d| b'0' + *d as u8));
    let out = permute(fpe, dir, &tweak, v, &positions[cc..], |_| true);
    String::from_utf8(out).ok()
}

// ---------------------------------------------------------------- national identity numbers

/// The national identity number formats recognized: each checked by its check digit or
/// letter (or, for the US SSN and UK NINO, which have none, by the numbers never issued).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NationalId {
    /// US Social Security number, `123-45-6789`.
    UsSsn,
    /// UK National Insurance number, `AB 12 34 56 C`.
    UkNino,
    /// Spanish DNI (`12345678Z`) and NIE (`X1234567L`): a check letter, mod 23.
    EsDni,
    /// Italian codice fiscale: 16 characters, a check letter.
    ItCodiceFiscale,
    /// Finnish henkilötunnus `131052-308T`: a check character, mod 31.
    FiHetu,
    /// Swedish personnummer `811218-9876`: a Luhn check digit.
    SePersonnummer,
    /// French NIR (numéro de sécurité sociale): 13 digits and a key, 97 - n mod 97.
    FrNir,
    /// Belgian national register number `85.07.30-033.28`: 97 - n mod 97.
    BeRrn,
}

impl NationalId {
    pub fn name(self) -> &'static str {
        match self {
            NationalId::UsSsn => "us-ssn",
            NationalId::UkNino => "uk-nino",
            NationalId::EsDni => "es-dni",
            NationalId::ItCodiceFiscale => "it-codice-fiscale",
            NationalId::FiHetu => "fi-hetu",
            NationalId::SePersonnummer => "se-personnummer",
            NationalId::FrNir => "fr-nir",
            NationalId::BeRrn => "be-rrn",
        }
    }
}

/// The text patterns of the formats (one alternative each; [`national_id_kind`] tells
/// which and checks it).
pub const NATIONAL_ID: &str = concat!(
    r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b",
    r"|\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b",
    r"|\b[XYZ]?[0-9]{7,8}-?[A-Z]\b",
    r"|\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
    r"|\b[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y]\b",
    r"|\b(?:[0-9]{2})?[0-9]{6}[-+][0-9]{4}\b",
    r"|\b[12] ?[0-9]{2} ?[0-9]{2} ?[0-9AB]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}\b",
    r"|\b[0-9]{2}\.[0-9]{2}\.[0-9]{2}-[0-9]{3}\.[0-9]{2}\b",
);

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
const HETU_CHECKS: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

fn number(b: &[u8], positions: &[usize]) -> u64 {
    positions.iter().fold(0u64, |n, &i| n * 10 + (b[i] - b'0') as u64)
}

fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = (d - b'0') as u32;
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The check value of each format, recomputed from its other characters.
fn check_char(kind: NationalId, b: &[u8]) -> Option<Vec<(usize, u8)>> {
    let d = digit_positions(std::str::from_utf8(b).ok()?);
    Some(match kind {
        NationalId::EsDni => {
            let last = b.len() - 1;
            let prefix = match b[0] {
                b'X' => 0,
                b'Y' => 1,
                b'Z' => 2,
                _ => 10,
            };
            let digits: Vec<usize> = d.iter().copied().filter(|&i| i < last).collect();
            let mut n = number(b, &digits);
            if prefix < 10 {
                n += prefix * 10u64.pow(digits.len() as u32);
            }
            vec![(last, DNI_LETTERS[(n % 23) as usize])]
        }
        NationalId::FiHetu => {
            let digits: Vec<usize> = d.iter().copied().filter(|&i| i < 10).collect();
            if digits.len() != 9 {
                return None;
            }
            vec![(10, HETU_CHECKS[(number(b, &digits) % 31) as usize])]
        }
        NationalId::SePersonnummer => {
            // Luhn over the last 10 digits (YYMMDDNNNC).
            let ten = &d[d.len() - 10..];
            let mut body: Vec<u8> = ten[..9].iter().map(|&i| b[i]).collect();
            let check_at = ten[9];
            let digit = (0..10u8).find(|c| {
                body.push(b'0' + c);
                let ok = luhn_ok(&body);
                body.pop();
                ok
            })?;
            vec![(check_at, b'0' + digit)]
        }
        NationalId::FrNir => {
            let n = number(b, &d[..13]);
            let key = 97 - n % 97;
            vec![(d[13], b'0' + (key / 10) as u8), (d[14], b'0' + (key % 10) as u8)]
        }
        NationalId::BeRrn => {
            let key = 97 - number(b, &d[..9]) % 97;
            vec![(d[9], b'0' + (key / 10) as u8), (d[10], b'0' + (key % 10) as u8)]
        }
        NationalId::ItCodiceFiscale => {
            const ODD: [u8; 26] =
                [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
            let sum: u32 = b[..15]
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    let v = if c.is_ascii_digit() { c - b'0' } else { c - b'A' } as usize;
                    if i % 2 == 0 {
                        ODD[v] as u32
                    } else {
                        v as u32
                    }
                })
                .sum();
            vec![(15, b'A' + (sum % 26) as u8)]
        }
        NationalId::UsSsn | NationalId::UkNino => Vec::new(),
    })
}

fn check_ok(kind: NationalId, b: &[u8]) -> bool {
    let ssn_ok = |b: &[u8]| {
        let area = number(b, &[0, 1, 2]);
        area != 0 && area != 666 && area < 900 && &b[4..6] != b"00" && &b[7..11] != b"0000"
    };
    match kind {
        NationalId::UsSsn => ssn_ok(b),
        NationalId::UkNino => !matches!(&b[..2], b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ"),
        NationalId::BeRrn => {
            let d = digit_positions(std::str::from_utf8(b).unwrap_or(""));
            let n = number(b, &d[..9]);
            let have = number(b, &d[9..]);
            have == 97 - n % 97 || have == 97 - (2_000_000_000 + n) % 97
        }
        _ => check_char(kind, b).is_some_and(|c| c.iter().all(|(i, v)| b[*i] == *v)),
    }
}

/// Whether `b` has the exact shape of `kind` (the text pattern's alternatives overlap).
fn shape_ok(kind: NationalId, b: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let omocode = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
    match kind {
        NationalId::UsSsn => {
            b.len() == 11 && b[3] == b'-' && b[6] == b'-' && digits(0..3) && digits(4..6) && digits(7..11)
        }
        NationalId::BeRrn => {
            b.len() == 15
                && b[2] == b'.'
                && b[5] == b'.'
                && b[8] == b'-'
                && b[12] == b'.'
                && [0..2, 3..5, 6..8, 9..12, 13..15].into_iter().all(digits)
        }
        NationalId::ItCodiceFiscale => {
            b.len() == 16
                && b[..6].iter().all(u8::is_ascii_uppercase)
                && [6, 7, 9, 10, 12, 13, 14].iter().all(|&i| omocode(b[i]))
                && b"ABCDEHLMPRST".contains(&b[8])
                && b[11].is_ascii_uppercase()
                && b[15].is_ascii_uppercase()
        }
        NationalId::UkNino => {
            let c: Vec<u8> = b.iter().copied().filter(|c| *c != b' ').collect();
            c.len() == 9
                && c[..2].iter().all(u8::is_ascii_uppercase)
                && c[2..8].iter().all(u8::is_ascii_digit)
                && (b'A'..=b'D').contains(&c[8])
        }
        NationalId::FiHetu => {
            b.len() == 11
                && digits(0..6)
                && matches!(b[6], b'-' | b'+' | b'A'..=b'F' | b'U'..=b'Y')
                && digits(7..10)
                && HETU_CHECKS.contains(&b[10])
        }
        NationalId::SePersonnummer => {
            (b.len() == 11 || b.len() == 13)
                && matches!(b[b.len() - 5], b'-' | b'+')
                && digits(0..b.len() - 5)
                && digits(b.len() - 4..b.len())
        }
        NationalId::EsDni => {
            let body: Vec<u8> = b.iter().copied().filter(|c| *c != b'-').collect();
            body.len() == 9
                && body[8].is_ascii_uppercase()
                && (body[..8].iter().all(u8::is_ascii_digit)
                    || (matches!(body[0], b'X' | b'Y' | b'Z') && body[1..8].iter().all(u8::is_ascii_digit)))
                && (b.len() == 9 || b[b.len() - 2] == b'-')
        }
        NationalId::FrNir => {
            let c: Vec<u8> = b.iter().copied().filter(|c| *c != b' ').collect();
            c.len() == 15 && c.iter().all(u8::is_ascii_digit) && matches!(c[0], b'1' | b'2')
        }
    }
}

/// The formats in the order they are tried: a pseudonym is made valid for its own format
/// and for no format before it, so `--reveal` reads it as the same format.
const ID_ORDER: [NationalId; 8] = [
    NationalId::UsSsn,
    NationalId::BeRrn,
    NationalId::ItCodiceFiscale,
    NationalId::UkNino,
    NationalId::FiHetu,
    NationalId::SePersonnummer,
    NationalId::EsDni,
    NationalId::FrNir,
];

/// Which format a [`NATIONAL_ID`] match is, if it passes that format's check.
pub fn national_id_kind(m: &str) -> Option<NationalId> {
    let b = m.as_bytes();
    ID_ORDER.into_iter().find(|k| shape_ok(*k, b) && check_ok(*k, b))
}

/// One step of a format's permutation: the free characters through FF1, the check
/// recomputed. A bijection of the numbers of that format.
fn id_step(fpe: &Fpe, dir: Dir, kind: NationalId, v: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(v).ok()?;
    let d = digit_positions(s);
    let tweak = kind.name().as_bytes();
    let mut out = v.to_vec();
    match kind {
        NationalId::UsSsn => return Some(permute(fpe, dir, tweak, s, &d, |o| check_ok(kind, o))),
        NationalId::UkNino => return Some(permute(fpe, dir, tweak, s, &d, |_| true)),
        NationalId::ItCodiceFiscale => {
            // Name letters (0-5) and the place letter (11) through FF1 over letters, digits
            // through FF1 over digits; the month letter (8) stays.
            let letters_at = [0usize, 1, 2, 3, 4, 5, 11];
            let mut letters: Vec<u16> = letters_at.iter().map(|&i| (v[i] - b'A') as u16).collect();
            fpe.apply(dir, 26, b"cf-letters", &mut letters);
            for (&i, &l) in letters_at.iter().zip(&letters) {
                out[i] = b'A' + l as u8;
            }
            let digits_at: Vec<usize> = d.iter().copied().filter(|&i| i < 15).collect();
            let mut digits = read_digits(v, &digits_at);
            fpe.apply(dir, 10, b"cf-digits", &mut digits);
            write_digits(&mut out, &digits_at, &digits);
        }
        _ => {
            // Every digit but the check digits, the sex digit of a NIR and the century of a
            // 12-digit personnummer.
            let checks: Vec<usize> = check_char(kind, v)?.iter().map(|(i, _)| *i).collect();
            let skip = match kind {
                NationalId::FrNir => 1,
                NationalId::SePersonnummer if d.len() == 12 => 2,
                _ => 0,
            };
            let free: Vec<usize> = d.iter().copied().filter(|i| !checks.contains(i)).skip(skip).collect();
            let mut digits = read_digits(v, &free);
            fpe.apply(dir, 10, tweak, &mut digits);
            write_digits(&mut out, &free, &digits);
        }
    }
    let be_2000 = kind == NationalId::BeRrn && be_rrn_2000(v);
    for (i, c) in check_char(kind, &out)? {
        out[i] = c;
    }
    if be_2000 {
        let d = digit_positions(std::str::from_utf8(&out).ok()?);
        let key = 97 - (2_000_000_000 + number(&out, &d[..9])) % 97;
        out[d[9]] = b'0' + (key / 10) as u8;
        out[d[10]] = b'0' + (key % 10) as u8;
    }
    Some(out)
}

/// Whether a Belgian number's check uses the formula for births from 2000 on.
fn be_rrn_2000(b: &[u8]) -> bool {
    let d = digit_positions(std::str::from_utf8(b).unwrap_or(""));
    d.len() == 11 && number(b, &d[9..]) == 97 - (2_000_000_000 + number(b, &d[..9])) % 97
}

/// The pseudonym of a valid national identity number: the same format and a valid check,
/// walked until it reads as no other format.
pub fn national_id(fpe: &Fpe, dir: Dir, v: &str) -> Option<(NationalId, String)> {
    let kind = national_id_kind(v)?;
    let mut cur = v.as_bytes().to_vec();
    for _ in 0..1000 {
        cur = id_step(fpe, dir, kind, &cur)?;
        let s = std::str::from_utf8(&cur).ok()?;
        if national_id_kind(s) == Some(kind) {
            return Some((kind, s.to_string()));
        }
    }
    None
}

// ---------------------------------------------------------------- SIDs

/// A SID's parts (`S-1-5-21-a-b-c-rid` gives 1, 5, 21, a, b, c, rid), if it is one.
fn sid_parts(v: &str) -> Option<Vec<&str>> {
    let rest = v.strip_prefix("S-")?;
    let parts: Vec<&str> = rest.split('-').collect();
    let ok = parts.len() >= 2
        && parts.len() <= 16
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(parts)
}

pub fn is_sid(v: &str) -> bool {
    sid_parts(v).is_some_and(|p| p[0] == "1")
}

/// Domain and machine SIDs (`S-1-5-21-a-b-c[-rid]`) and Azure AD ones (`S-1-12-1-a-b-c-d`):
/// the domain part is pseudonymized (the same for every account of the domain), a RID of
/// 1000 or more gets a pseudonym of 1000 or more, well-known RIDs (500 Administrator, 512
/// Domain Admins, ...) stay. Every other SID is well known (`S-1-5-18`, `S-1-5-32-544`)
/// and stays. `None` when nothing changes.
pub fn sid(fpe: &Fpe, dir: Dir, v: &str) -> Option<String> {
    let parts = sid_parts(v)?;
    let (domain_parts, rid) = match parts.as_slice() {
        ["1", "5", "21", a, b, c] => (vec![*a, *b, *c], None),
        ["1", "5", "21", a, b, c, rid] => (vec![*a, *b, *c], Some(*rid)),
        ["1", "12", "1", a, b, c, d] => (vec![*a, *b, *c, *d], None),
        _ => return None,
    };
    let fits = |s: &[u8]| {
        s.split(|b| *b == b'-').all(|p| {
            p.len() < 10
                || std::str::from_utf8(p).ok().and_then(|p| p.parse::<u64>().ok()).is_some_and(|n| n <= u32::MAX as u64)
        })
    };
    let no_new_zero = |orig: &[&str], s: &[u8]| {
        s.split(|b| *b == b'-').zip(orig).all(|(p, o)| !(p.len() > 1 && p[0] == b'0' && !o.starts_with('0')))
    };
    let domain = domain_parts.join("-");
    let positions = digit_positions(&domain);
    let new_domain =
        permute(fpe, dir, b"sid-domain", &domain, &positions, |o| fits(o) && no_new_zero(&domain_parts, o));
    let mut out = format!("S-{}-{}-{}-{}", parts[0], parts[1], parts[2], String::from_utf8(new_domain).ok()?);
    if let Some(rid) = rid {
        out.push('-');
        let n: u64 = rid.parse().ok()?;
        if n >= 1000 {
            let positions = digit_positions(rid);
            let new = permute(fpe, dir, b"sid-rid", rid, &positions, |o| {
                let s = std::str::from_utf8(o).unwrap_or("0");
                !s.starts_with('0') && s.parse::<u64>().is_ok_and(|n| (1000..=u32::MAX as u64).contains(&n))
            });
            out.push_str(std::str::from_utf8(&new).ok()?);
        } else {
            out.push_str(rid);
        }
    }
    (out != v).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fpe() -> Fpe {
        Fpe::new(&[3; 32], [4; 32])
    }

    fn round_trip(f: impl Fn(Dir, &str) -> Option<String>, v: &str) -> String {
        let out = f(Dir::Encrypt, v).unwrap_or_else(|| panic!("{v}: no pseudonym"));
        assert_ne!(out, v);
        assert_eq!(f(Dir::Decrypt, &out).as_deref(), Some(v), "{v} -> {out}");
        out
    }

    #[test]
    fn ibans_are_checked_and_stay_valid() {
        let f = fpe();
        for v in [
            "DE89370400440532013000",
            "GB82 WEST 1234 5698 7654 32",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
        ] {
            assert!(is_iban(v), "{v}");
            let out = round_trip(|d, x| iban(&f, d, x), v);
            assert!(is_iban(&out) && out[..2] == v[..2] && out.len() == v.len(), "{v} -> {out}");
        }
        assert!(
            !is_iban("DE89370400440532013001")
                && !is_iban("XX89370400440532013000")
                && !is_iban("DE8937040044053201300")
        );
    }

    #[test]
    fn phones_keep_their_country_code_and_layout() {
        let f = fpe();
        for v in ["+49 30 1234567", "+1-202-555-0173", "+44 (0)20 7946 0958", "+33612345678", "+358 40 1234567"] {
            assert!(is_phone(v), "{v}");
            let out = round_trip(|d, x| phone(&f, d, x), v);
            let cc = if v.starts_with("+1") {
                2
            } else if v.starts_with("+358") {
                4
            } else {
                3
            };
            assert_eq!(out[..cc], v[..cc]);
            assert!(is_phone(&out));
        }
        for not in ["+0100", "+12", "+1234567", "+49 30 ++ 1234567", "1.2.3.4"] {
            assert!(!is_phone(not), "{not}");
        }
    }

    #[test]
    fn national_ids_are_checked_and_stay_valid() {
        let f = fpe();
        for (v, kind) in [
            ("123-45-6789", NationalId::UsSsn),
            ("AB 12 34 56 C", NationalId::UkNino),
            ("12345678Z", NationalId::EsDni),
            ("X1234567L", NationalId::EsDni),
            ("RSSMRA85T10A562S", NationalId::ItCodiceFiscale),
            ("131052-308T", NationalId::FiHetu),
            ("811218-9876", NationalId::SePersonnummer),
            ("1 84 12 76 451 089 46", NationalId::FrNir),
            ("85.07.30-033.28", NationalId::BeRrn),
        ] {
            assert_eq!(national_id_kind(v), Some(kind), "{v}");
            let out = round_trip(|d, x| national_id(&f, d, x).map(|(_, s)| s), v);
            assert_eq!(national_id_kind(&out), Some(kind), "{v} -> {out}");
            assert_eq!(out.len(), v.len());
        }
        for not in [
            "000-12-3456",
            "666-12-3456",
            "12345678A",
            "131052-308A",
            "811218-9875",
            "RSSMRA85T10A562T",
            "GB 12 34 56 C",
        ] {
            assert_eq!(national_id_kind(not), None, "{not}");
        }
    }

    #[test]
    fn sids_keep_well_known_parts() {
        let f = fpe();
        let user = "S-1-5-21-3623811015-3361044348-30300820-1013";
        let out = round_trip(|d, x| sid(&f, d, x), user);
        let parts: Vec<&str> = out.split('-').collect();
        assert_eq!(parts.len(), 8);
        assert!(out.starts_with("S-1-5-21-") && parts[7].parse::<u32>().unwrap() >= 1000, "{out}");
        // The same domain, another account: the same domain pseudonym; RID 500 stays.
        let admin = sid(&f, Dir::Encrypt, "S-1-5-21-3623811015-3361044348-30300820-500").unwrap();
        assert_eq!(admin, format!("{}-500", parts[..7].join("-")));
        for kept in
            ["S-1-5-18", "S-1-5-32-544", "S-1-1-0", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"]
        {
            assert_eq!(sid(&f, Dir::Encrypt, kept), None, "{kept}");
        }
        round_trip(|d, x| sid(&f, d, x), "S-1-12-1-1234567890-1234567890-1234567890-1234567890");
    }
}
