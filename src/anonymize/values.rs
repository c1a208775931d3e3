//! One value of a known category in, its pseudonym out: the keyed permutations (IP, FF1,
//! same-shape names), URLs taken apart, secrets removed, dates shifted by whole weeks.
//! Results of the atomic categories are cached per thread (logs repeat the same addresses
//! and users); the cache is an optimization, the key alone decides every pseudonym.

use super::fpe::{Dir, Fpe};
use super::ids;
use super::ip::IpCipher;
use super::key::Key;
use super::names::{Names, Role};
use super::policy::{secret_type, Category, Policy};
use super::shift::TimeShift;
use super::text;
use crate::fasthash::FastMap;
use std::net::IpAddr;
use std::rc::Rc;

pub struct Pseudonymizer {
    ip: IpCipher,
    fpe: Fpe,
    pub policy: Policy,
    pub(super) patterns: text::Patterns,
    /// `--shift-time` and `--jitter`.
    pub time: TimeShift,
}

/// What one event's values taught the scan of its free text, and what the risk report
/// needs to know about it.
#[derive(Default)]
pub struct Ctx {
    /// Names from structured fields, with their pseudonyms, looked for in free text.
    known: Vec<(Small, Small)>,
    /// The text being scanned is a whole line or message, unlikely to repeat: not cached.
    pub unique_text: bool,
    /// With `track`: each original that was replaced, by category.
    pub found: Vec<(Category, String)>,
    /// With `track`: the kind of each secret removed and identifier format replaced
    /// (`aws-access-key`, `es-dni`), for the risk report.
    pub kinds: Vec<&'static str>,
    pub track: bool,
    /// The event's year (from its time fields), for year-less syslog dates in text.
    pub year: Option<i32>,
    /// The pattern matches of the event's last whole-line text (see `text::Earlier`).
    pub(super) earlier: Option<text::Earlier>,
    /// What this worker computed before, kept across events.
    cache: Cache,
}

impl Ctx {
    fn learn(&mut self, from: &str, to: &str) {
        if from.len() >= 3 && from != to && !self.known.iter().any(|(f, _)| f.bytes() == from.as_bytes()) {
            self.known.push((Small::new(from), Small::new(to)));
        }
    }

    fn relearn(&mut self, from: &Small, to: &Small) {
        if !self.known.iter().any(|(f, _)| f == from) {
            self.known.push((from.clone(), to.clone()));
        }
    }

    /// Empties the context for the next event, keeping its memory.
    pub fn reset(&mut self, track: bool) {
        self.known.clear();
        self.unique_text = false;
        self.found.clear();
        self.kinds.clear();
        self.track = track;
        self.year = None;
        self.earlier = None;
    }

    fn record(&mut self, cat: Category, original: &str) {
        if self.track {
            self.found.push((cat, original.to_string()));
        }
    }

    fn record_kind(&mut self, kind: &'static str) {
        if self.track {
            self.kinds.push(kind);
        }
    }
}

const CACHE_LIMIT: usize = 200_000;

/// What a cached scan covers.
#[derive(Clone, Copy)]
pub enum Scan {
    Text = 0,
    Url = 1,
}

/// URLs this long or shorter are cached (paths and referrers repeat).
const CACHED_URL_MAX: usize = 512;

/// What scanning one text did: its edits, and what it taught the event's context.
pub struct Scanned {
    pub edits: Vec<text::Edit>,
    found: Vec<(Category, String)>,
    kinds: Vec<&'static str>,
    known: Vec<(Small, Small)>,
}

/// Values and scans already computed, per worker: pseudonyms are keyed functions of the
/// value, so a cache is never wrong, only full.
#[derive(Default)]
pub(super) struct Cache {
    /// Per category and direction; empty until first used.
    values: Vec<FastMap<Small, Option<Small>>>,
    /// Texts and URLs, per direction: see `CachedKind`.
    scans: [FastMap<Box<str>, Rc<Scanned>>; 4],
}

impl Cache {
    fn values(&mut self, slot: usize) -> &mut FastMap<Small, Option<Small>> {
        if self.values.is_empty() {
            self.values = (0..Category::ALL.len() * 2).map(|_| FastMap::default()).collect();
        }
        &mut self.values[slot]
    }
}

/// A string of up to 22 bytes kept in the map's own slot, a longer one on the heap: the
/// caches hold up to hundreds of thousands of addresses and names, and following a pointer
/// per lookup into that much memory is a cache miss each time.
#[derive(Clone)]
enum Small {
    Inline { len: u8, bytes: [u8; 22] },
    Heap(Box<str>),
}

impl Small {
    fn new(s: &str) -> Small {
        match s.len() {
            len @ 0..=22 => {
                let mut bytes = [0; 22];
                bytes[..len].copy_from_slice(s.as_bytes());
                Small::Inline { len: len as u8, bytes }
            }
            _ => Small::Heap(s.into()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Small::Inline { len, bytes } => &bytes[..*len as usize],
            Small::Heap(s) => s.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.bytes()).expect("copied from a str")
    }

    fn to_owned_string(&self) -> String {
        String::from_utf8(self.bytes().to_vec()).expect("copied from a str")
    }
}

// Looked up, hashed and compared as bytes, as `Borrow` requires: comparing keys this way
// needs no UTF-8 check of the stored copy.
impl std::borrow::Borrow<[u8]> for Small {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl std::hash::Hash for Small {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.bytes().hash(h)
    }
}

impl PartialEq for Small {
    fn eq(&self, other: &Small) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for Small {}

impl Pseudonymizer {
    pub fn new(key: &Key, domain: &str, policy: Policy, shift_time: bool, jitter_seconds: f64) -> Pseudonymizer {
        let ff1_key = key.derive(domain, "ff1");
        let weeks = if shift_time {
            let t = key.derive(domain, "time shift");
            // Between 1 and 520 weeks (10 years) back: the weekday and the hour stay.
            -(1 + (u64::from_le_bytes(t[..8].try_into().expect("8 bytes")) % 520) as i64)
        } else {
            0
        };
        Pseudonymizer {
            ip: IpCipher::new(key.derive(domain, "ipcrypt-pfx")),
            fpe: Fpe::new(&ff1_key, key.derive(domain, "small domain")),
            patterns: text::Patterns::new(&policy.user_path_parents),
            policy,
            time: TimeShift::new(weeks, jitter_seconds, key.derive(domain, "time jitter")),
        }
    }

    fn names(&self, dir: Dir) -> Names<'_> {
        Names { fpe: &self.fpe, keep: &self.policy.keep, dir }
    }

    /// A structured field's value: its category's pseudonym, or, when the value does not
    /// have that category's shape (`"1.2.3.4, 5.6.7.8"` in an IP field), a scan as text.
    pub fn field(&self, dir: Dir, cat: Category, v: &str, ctx: &mut Ctx) -> Option<String> {
        let out = self.value(dir, cat, v, ctx);
        if out.is_none()
            && !matches!(cat, Category::User | Category::Person | Category::Text)
            && !self.recognized(cat, v)
        {
            return self.text(dir, v, ctx);
        }
        out
    }

    /// The pseudonym of `v` (or, with `Dir::Decrypt`, its original); `None` when it stays.
    pub fn value(&self, dir: Dir, cat: Category, v: &str, ctx: &mut Ctx) -> Option<String> {
        if v.is_empty() {
            return None;
        }
        let out = match cat {
            Category::Keep => return None,
            Category::Text => return self.text(dir, v, ctx),
            Category::Url => return self.url(dir, v, ctx),
            Category::Secret => return self.secret(dir, v, "secret", ctx),
            Category::Time => return self.time(dir, v, ctx),
            // An address in a host field (`source.address`) shares the address cache.
            Category::Host | Category::Domain if looks_like_ip(v) && parse_ip(v).is_some() => {
                self.cached(dir, Category::Ip, v, ctx, |s| s.atomic(dir, Category::Ip, v))
            }
            _ => self.cached(dir, cat, v, ctx, |s| s.atomic(dir, cat, v)),
        };
        match out {
            Some(new) => {
                if dir == Dir::Encrypt {
                    ctx.record(cat, v);
                    if cat == Category::NationalId && ctx.track {
                        if let Some(kind) = ids::national_id_kind(v) {
                            ctx.record_kind(kind.name());
                        }
                    }
                }
                if matches!(
                    cat,
                    Category::User | Category::Host | Category::Domain | Category::NumericId | Category::Email
                ) {
                    learn_parts(ctx, cat, v, &new);
                }
                Some(new)
            }
            None => None,
        }
    }

    fn cached(
        &self,
        dir: Dir,
        cat: Category,
        v: &str,
        ctx: &mut Ctx,
        compute: impl FnOnce(&Self) -> Option<String>,
    ) -> Option<String> {
        let slot = cat as usize * 2 + (dir == Dir::Decrypt) as usize;
        let map = ctx.cache.values(slot);
        if let Some(hit) = map.get(v.as_bytes()).map(|o| o.as_ref().map(Small::to_owned_string)) {
            return hit;
        }
        let out = compute(self);
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(Small::new(v), out.as_deref().map(Small::new));
        out
    }

    /// The edits of a short text or URL, computed once per thread and replayed into `ctx`
    /// (names for later texts, originals for the risk report).
    pub fn cached_scan(
        &self,
        kind: Scan,
        dir: Dir,
        t: &str,
        ctx: &mut Ctx,
        compute: impl FnOnce(&mut Ctx) -> Vec<text::Edit>,
    ) -> Rc<Scanned> {
        let slot = kind as usize * 2 + (dir == Dir::Decrypt) as usize;
        let scanned = match ctx.cache.scans[slot].get(t).cloned() {
            Some(hit) => hit,
            None => {
                let cache = std::mem::take(&mut ctx.cache);
                let mut fresh = Ctx { track: ctx.track, year: ctx.year, cache, ..Ctx::default() };
                let edits = compute(&mut fresh);
                ctx.cache = std::mem::take(&mut fresh.cache);
                let scanned = Rc::new(Scanned { edits, found: fresh.found, kinds: fresh.kinds, known: fresh.known });
                let map = &mut ctx.cache.scans[slot];
                if map.len() >= CACHE_LIMIT {
                    map.clear();
                }
                map.insert(t.into(), scanned.clone());
                scanned
            }
        };
        if ctx.track {
            ctx.found.extend(scanned.found.iter().cloned());
            ctx.kinds.extend(scanned.kinds.iter().copied());
        }
        for (from, to) in &scanned.known {
            ctx.relearn(from, to);
        }
        scanned
    }

    /// Whether `v` has the shape its category expects (else it is scanned as text).
    fn recognized(&self, cat: Category, v: &str) -> bool {
        match cat {
            Category::Ip => parse_ip(v).is_some(),
            Category::Mac => mac_digits(v).is_some(),
            Category::Email => v.contains('@'),
            Category::Card => card_digits(v).is_some(),
            Category::Iban => ids::is_iban(v),
            Category::Phone => ids::is_phone(v),
            Category::NationalId => ids::national_id_kind(v).is_some(),
            Category::Domain | Category::Host => parse_ip(v).is_some() || is_host_name(v),
            _ => true,
        }
    }

    /// Categories whose pseudonym depends on the value alone (cacheable).
    fn atomic(&self, dir: Dir, cat: Category, v: &str) -> Option<String> {
        let names = self.names(dir);
        let out = match cat {
            Category::Ip => {
                let (addr, zone) = parse_ip(v)?;
                let bare = &v[..v.len() - zone.len()];
                let bracketed = bare.starts_with('[');
                let text = bare.trim_start_matches('[').trim_end_matches(']');
                let new = self.ip.apply_text(dir, addr, text);
                if bracketed {
                    format!("[{new}]{zone}")
                } else {
                    format!("{new}{zone}")
                }
            }
            Category::User if v.contains('\\') => self.domain_user(dir, v),
            Category::User if v.rsplit_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.')) => {
                names.email(v)
            }
            Category::NumericId if ids::is_sid(v) => ids::sid(&self.fpe, dir, v)?,
            Category::Iban => ids::iban(&self.fpe, dir, v)?,
            Category::Phone => ids::phone(&self.fpe, dir, v)?,
            Category::NationalId => ids::national_id(&self.fpe, dir, v)?.1,
            Category::Mac => self.mac(dir, v)?,
            Category::Email if v.contains('@') => names.email(v),
            Category::Email => return None,
            Category::Domain | Category::Host if parse_ip(v).is_some() => return self.atomic(dir, Category::Ip, v),
            Category::Domain | Category::Host if !is_host_name(v) => return None,
            Category::Domain => names.domain(v),
            Category::Host => names.host(v),
            Category::User => names.user(v),
            Category::Person => names.person(v),
            Category::NumericId if v.parse::<u64>().is_ok_and(|n| n < self.policy.keep.numeric_ids_below) => {
                return None
            }
            Category::NumericId => self.numeric_id(dir, v),
            Category::Card => self.card(dir, v)?,
            _ => return None,
        };
        (out != v).then_some(out)
    }

    /// Secrets are removed, never encrypted; `--reveal` leaves the marker.
    pub fn secret(&self, dir: Dir, v: &str, kind: &'static str, ctx: &mut Ctx) -> Option<String> {
        if dir == Dir::Decrypt || v.starts_with("[REDACTED:") {
            return None;
        }
        ctx.record(Category::Secret, v);
        ctx.record_kind(kind);
        Some(format!("[REDACTED:{kind}]"))
    }

    /// `DOMAIN\user` (Windows accounts): the domain as a host label (the same pseudonym as
    /// in `user@domain.tld` and in host names), the account as a user; well-known
    /// authorities (`NT AUTHORITY`, `BUILTIN`) stay, as do kept accounts.
    fn domain_user(&self, dir: Dir, v: &str) -> String {
        let names = self.names(dir);
        let first = v.find('\\').expect("has a backslash");
        let last = v.rfind('\\').expect("has a backslash");
        let (domain, user) = (&v[..first], &v[last + 1..]);
        let domain_new = if domain.is_empty() { String::new() } else { names.domain(domain) };
        format!("{domain_new}{}{}", &v[first..last + 1], names.user(user))
    }

    fn text(&self, dir: Dir, v: &str, ctx: &mut Ctx) -> Option<String> {
        let scanned = text::scan(self, dir, v, ctx);
        self.finish_text(dir, v, scanned, ctx)
    }

    /// A text's new value from its scanned form: with `--shift-time`, its dates moved too.
    pub fn finish_text(&self, dir: Dir, v: &str, scanned: Option<String>, ctx: &Ctx) -> Option<String> {
        if self.time.is_off() {
            return scanned;
        }
        let base = scanned.as_deref().unwrap_or(v);
        self.time.text(dir, base, ctx.year).or(scanned)
    }

    fn time(&self, dir: Dir, v: &str, ctx: &mut Ctx) -> Option<String> {
        if ctx.year.is_none() {
            ctx.year = v.get(..4).and_then(|y| y.parse().ok());
        }
        if self.time.is_off() {
            return None;
        }
        let out = self.time.iso(dir, v).filter(|o| o != v);
        if out.is_some() && dir == Dir::Encrypt {
            ctx.record(Category::Time, v);
        }
        out
    }

    /// The OUI (first three bytes) stays; the other six hex digits go through FF1.
    fn mac(&self, dir: Dir, v: &str) -> Option<String> {
        let positions = mac_digits(v)?;
        let upper = v.bytes().any(|b| b.is_ascii_uppercase());
        let mut digits: Vec<u16> = positions[6..].iter().map(|&i| hex_value(v.as_bytes()[i])).collect();
        self.fpe.apply(dir, 16, b"mac", &mut digits);
        let mut out = v.as_bytes().to_vec();
        for (&i, d) in positions[6..].iter().zip(digits) {
            let c = b"0123456789abcdef"[d as usize];
            out[i] = if upper { c.to_ascii_uppercase() } else { c };
        }
        String::from_utf8(out).ok()
    }

    /// Digits through FF1 (letters, as in `S-1-5-21-...`, keep their shape too).
    fn numeric_id(&self, dir: Dir, v: &str) -> String {
        let names = self.names(dir);
        let mut out = names.shape(Role::Id, v);
        // A JSON number must not start with 0: walk until it does not (a permutation of
        // the numbers without a leading zero, so it reverses).
        while out.len() > 1 && out.starts_with('0') && !v.starts_with('0') {
            out = names.shape(Role::Id, &out);
        }
        out
    }

    /// A Luhn-valid card number: the issuer prefix (first six digits) stays, the digits up
    /// to the check digit go through FF1, and the check digit is recomputed.
    fn card(&self, dir: Dir, v: &str) -> Option<String> {
        let positions = card_digits(v)?;
        let bytes = v.as_bytes();
        let inner = &positions[6..positions.len() - 1];
        let mut digits: Vec<u16> = inner.iter().map(|&i| (bytes[i] - b'0') as u16).collect();
        self.fpe.apply(dir, 10, b"card", &mut digits);
        let mut out = bytes.to_vec();
        for (&i, d) in inner.iter().zip(digits) {
            out[i] = b'0' + d as u8;
        }
        let body: Vec<u8> = positions[..positions.len() - 1].iter().map(|&i| out[i] - b'0').collect();
        out[*positions.last().expect("13+ digits")] = b'0' + luhn_check_digit(&body);
        String::from_utf8(out).ok()
    }

    /// URLs: userinfo (user pseudonym, password removed), host, identifying path segments
    /// and query values; attack patterns in other query values stay for `detect`.
    pub fn url(&self, dir: Dir, u: &str, ctx: &mut Ctx) -> Option<String> {
        let parts = |ctx: &mut Ctx| {
            let new = self.url_parts(dir, u, ctx);
            if new.is_some() && dir == Dir::Encrypt {
                ctx.record(Category::Url, u);
            }
            new
        };
        if u.len() > CACHED_URL_MAX {
            return parts(ctx);
        }
        let scanned = self.cached_scan(Scan::Url, dir, u, ctx, |ctx| {
            parts(ctx).map(|new| vec![(0, u.len(), new)]).unwrap_or_default()
        });
        scanned.edits.first().map(|(_, _, new)| new.clone())
    }

    fn url_parts(&self, dir: Dir, u: &str, ctx: &mut Ctx) -> Option<String> {
        let mut out = String::with_capacity(u.len() + 8);
        let rest = match u.find("://") {
            Some(i) if u[..i].bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')) => {
                out.push_str(&u[..i + 3]);
                let rest = &u[i + 3..];
                let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                self.authority(dir, &rest[..end], ctx, &mut out);
                &rest[end..]
            }
            _ => u,
        };
        let (before_fragment, fragment) = match rest.find('#') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (path, query) = match before_fragment.find('?') {
            Some(i) => (&before_fragment[..i], Some(&before_fragment[i + 1..])),
            None => (before_fragment, None),
        };
        // The path as free text: user directories (/home/NAME, /~NAME), e-mails, addresses.
        out.push_str(text::scan(self, dir, path, ctx).as_deref().unwrap_or(path));
        if let Some(query) = query {
            out.push('?');
            self.url_query(dir, query, ctx, &mut out);
        }
        out.push_str(fragment);
        (out != u).then_some(out)
    }

    fn authority(&self, dir: Dir, authority: &str, ctx: &mut Ctx, out: &mut String) {
        let host_port = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => {
                let (user, password) = match userinfo.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (userinfo, None),
                };
                out.push_str(&self.value(dir, Category::User, user, ctx).unwrap_or_else(|| user.to_string()));
                if let Some(p) = password {
                    out.push(':');
                    out.push_str(&self.secret(dir, p, "password", ctx).unwrap_or_else(|| p.to_string()));
                }
                out.push('@');
                host_port
            }
            None => authority,
        };
        let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
            match inner.split_once(']') {
                Some((h, rest)) => {
                    out.push('[');
                    (h, format!("]{rest}"))
                }
                None => (host_port, String::new()),
            }
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, format!(":{p}")),
                _ => (host_port, String::new()),
            }
        };
        // A host behind percent-escapes (`http://%60www.example.com`): the escapes stay.
        let mut escapes = 0;
        while host.len() > escapes + 3
            && host.as_bytes()[escapes] == b'%'
            && host.as_bytes()[escapes + 1..escapes + 3].iter().all(u8::is_ascii_hexdigit)
        {
            escapes += 3;
        }
        let (escaped, host) = host.split_at(escapes);
        out.push_str(escaped);
        out.push_str(&self.value(dir, Category::Host, host, ctx).unwrap_or_else(|| host.to_string()));
        out.push_str(&port);
    }

    fn url_query(&self, dir: Dir, query: &str, ctx: &mut Ctx, out: &mut String) {
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let Some((k, v)) = pair.split_once('=') else {
                out.push_str(text::scan(self, dir, pair, ctx).as_deref().unwrap_or(pair));
                continue;
            };
            let key = k.to_ascii_lowercase();
            let new = if v.is_empty() {
                None
            } else if self.policy.secret_params.contains(&key) {
                self.secret(dir, v, secret_type(&key), ctx)
            } else if self.policy.identifying_params.contains(&key) {
                // Decoded, so `first%2Elast` gets the pseudonym `first.last` gets in
                // `user.name`, then encoded as it was.
                super::layers::through_percent(v, |d| self.identifying_value(dir, &key, d, ctx))
            } else {
                text::scan(self, dir, v, ctx)
            };
            out.push_str(k);
            out.push('=');
            out.push_str(new.as_deref().unwrap_or(v));
        }
    }

    /// The value of an identifying query parameter, in the category its name says: the
    /// same pseudonym the value gets in its field (`user=` as `user.name`).
    fn identifying_value(&self, dir: Dir, key: &str, v: &str, ctx: &mut Ctx) -> Option<String> {
        let cat = match key {
            "user" | "username" | "user_name" | "uname" | "login" | "account" | "acct" | "u" | "userid" | "user_id"
            | "uid" | "owner" => {
                if v.bytes().all(|b| b.is_ascii_digit()) {
                    Category::NumericId
                } else {
                    Category::User
                }
            }
            "email" | "mail" | "e-mail" | "email_address" | "emailaddress" if v.contains('@') => Category::Email,
            "email" | "mail" | "e-mail" | "email_address" | "emailaddress" => Category::User,
            "name" | "first_name" | "last_name" | "fullname" | "full_name" | "firstname" | "lastname"
            | "display_name" => Category::Person,
            "phone" | "mobile" | "tel" | "msisdn" | "phone_number" if ids::is_phone(v) => Category::Phone,
            "iban" if ids::is_iban(v) => Category::Iban,
            _ => {
                let new = self.names(dir).query_value(v);
                if new != v && dir == Dir::Encrypt {
                    ctx.record(Category::Url, v);
                }
                return (new != v).then_some(new);
            }
        };
        self.value(dir, cat, v, ctx)
    }

    /// Names the event's structured fields held (user, host, ids), replaced where they
    /// stand as whole words in free text that the patterns (`taken`) did not already cover.
    pub fn known_edits(&self, text: &str, taken: &[text::Edit], ctx: &Ctx) -> Vec<(usize, usize, String)> {
        let bytes = text.as_bytes();
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        for (from, to) in &ctx.known {
            let needle = from.bytes();
            let first = needle[0];
            let (a, b) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
            for at in memchr::memchr2_iter(a, b, bytes) {
                let end = at + needle.len();
                if end > bytes.len() || !bytes[at..end].eq_ignore_ascii_case(needle) || !name_stands(bytes, at, end) {
                    continue;
                }
                let overlaps = |s: usize, e: usize| at < e && end > s;
                if taken.iter().any(|(s, e, _)| overlaps(*s, *e)) || edits.iter().any(|(s, e, _)| overlaps(*s, *e)) {
                    continue;
                }
                // The same letters in the case this occurrence has (`Jkowalski`): the
                // pseudonyms keep each letter's case by position, so this is the pseudonym
                // of the occurrence itself.
                let found = &bytes[at..end];
                let new = if found == needle { to.as_str().to_string() } else { with_case_of(found, to.as_str()) };
                edits.push((at, end, new));
            }
        }
        edits
    }
}

/// Whether a known name found at `hay[start..end]` stands as a name: no letter continues
/// it (`bob` in `bobby` is none), no digit where it begins or ends with a digit; `_`, `-`,
/// `.` and digits after a letter may follow (`jkowalski_old`, `jkowalski2`).
fn name_stands(hay: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| hay[i]);
    let after = hay.get(end).copied();
    let (first, last) = (hay[start], hay[end - 1]);
    let clash = |edge: u8, next: Option<u8>| match next {
        None => false,
        Some(c) if c.is_ascii_alphabetic() => edge.is_ascii_alphanumeric(),
        Some(c) if c.is_ascii_digit() => edge.is_ascii_digit(),
        Some(_) => false,
    };
    !clash(first, before) && !clash(last, after)
}

/// `new` with the letter case of `found` at each position (same length, letters where
/// letters are).
fn with_case_of(found: &[u8], new: &str) -> String {
    new.bytes()
        .zip(found)
        .map(|(n, f)| {
            if f.is_ascii_uppercase() {
                n.to_ascii_uppercase() as char
            } else if f.is_ascii_lowercase() {
                n.to_ascii_lowercase() as char
            } else {
                n as char
            }
        })
        .collect()
}

/// Learns a replaced value for the event's text, and its parts that stand alone there:
/// the account of `DOMAIN\user`, the local part of an e-mail, the first label of a host's
/// FQDN. Pseudonyms keep the separators in place, so each part's pseudonym is the part of
/// the pseudonym at the same place.
fn learn_parts(ctx: &mut Ctx, cat: Category, v: &str, new: &str) {
    if cat != Category::Email && cat != Category::Domain {
        ctx.learn(v, new);
    }
    if v.len() != new.len() {
        return;
    }
    let cut = match cat {
        Category::User if v.contains('\\') => {
            let at = v.rfind('\\').expect("has one");
            ctx.learn(&v[at + 1..], &new[at + 1..]);
            let first = v.find('\\').expect("has one");
            Some(first)
        }
        Category::User | Category::Email => {
            let local_end = v.rfind('@').unwrap_or(v.len());
            learn_name_words(ctx, &v[..local_end], &new[..local_end]);
            v.rfind('@')
        }
        Category::Host if !v.bytes().next().is_some_and(|b| b.is_ascii_digit()) => v.find('.'),
        _ => None,
    };
    if let Some(at) = cut.filter(|at| *at > 0) {
        if new.is_char_boundary(at) {
            ctx.learn(&v[..at], &new[..at]);
        }
    }
}

/// `first.last` (a user name or an e-mail's local part made of a person's names): each
/// name is learned too, so `Olga Nowak` in the event's text goes with `olga.nowak`.
fn learn_name_words(ctx: &mut Ctx, v: &str, new: &str) {
    // Only `.`: `svc_backup` and `app_billing` are accounts named after what they do.
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() != 2 || !parts.iter().all(|w| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_alphabetic())) {
        return;
    }
    let mut at = 0;
    for w in parts {
        ctx.learn(w, &new[at..at + w.len()]);
        at += w.len() + 1;
    }
}

/// Letters, digits, dots, dashes and underscores: the shape of a host or domain name.
fn is_host_name(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Whether `v` might be an address (worth a parse): it starts with a digit or holds `:`.
fn looks_like_ip(v: &str) -> bool {
    v.as_bytes().first().is_some_and(u8::is_ascii_digit) || v.contains(':')
}

/// An address with an optional `%zone`, or `[v6]`.
fn parse_ip(v: &str) -> Option<(IpAddr, &str)> {
    let v = v.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(v);
    let (addr, zone) = match v.find('%') {
        Some(i) => v.split_at(i),
        None => (v, ""),
    };
    addr.parse().ok().map(|a| (a, zone))
}

/// Byte positions of the 12 hex digits of a MAC address (`:`/`-`/`.` separated or bare).
fn mac_digits(v: &str) -> Option<Vec<usize>> {
    let positions: Vec<usize> = v.bytes().enumerate().filter(|(_, b)| b.is_ascii_hexdigit()).map(|(i, _)| i).collect();
    let separators_ok = v.bytes().all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'-' | b'.'));
    (positions.len() == 12 && separators_ok && v.len() <= 17).then_some(positions)
}

fn hex_value(b: u8) -> u16 {
    (b as char).to_digit(16).expect("hex digit") as u16
}

/// Byte positions of a card number's digits: 13 to 19 digits (spaces or dashes between),
/// a major network's prefix, and a valid Luhn check digit.
fn card_digits(v: &str) -> Option<Vec<usize>> {
    let positions: Vec<usize> = v.bytes().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect();
    if !(13..=19).contains(&positions.len()) || !v.bytes().all(|b| b.is_ascii_digit() || b == b' ' || b == b'-') {
        return None;
    }
    let digits: Vec<u8> = positions.iter().map(|&i| v.as_bytes()[i] - b'0').collect();
    let prefix2 = digits[0] * 10 + digits[1];
    let network = digits[0] == 4
        || (51..=55).contains(&prefix2)
        || (22..=27).contains(&prefix2)
        || matches!(prefix2, 34 | 35 | 36 | 37 | 38 | 60 | 62 | 64 | 65);
    (network && luhn_check_digit(&digits[..digits.len() - 1]) == digits[digits.len() - 1]).then_some(positions)
}

fn luhn_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = d as u32;
            if i % 2 == 0 {
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
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymizer {
        Pseudonymizer::new(&Key::from_hex(&"ab".repeat(32)).unwrap(), "", Policy::builtin(), true, 0.0)
    }

    fn round_trip(cat: Category, v: &str) -> String {
        let p = p();
        let out = p.value(Dir::Encrypt, cat, v, &mut Ctx::default()).unwrap_or_else(|| v.to_string());
        let back = p.value(Dir::Decrypt, cat, &out, &mut Ctx::default()).unwrap_or_else(|| out.clone());
        assert_eq!(back, v, "{cat:?} {v} -> {out}");
        out
    }

    #[test]
    fn cards_keep_issuer_length_and_luhn() {
        let out = round_trip(Category::Card, "4111-1111-1111-1111");
        assert!(out.starts_with("4111-11") && out.len() == 19 && out != "4111-1111-1111-1111", "{out}");
        assert!(card_digits(&out).is_some());
        assert!(card_digits("4111111111111112").is_none());
    }

    #[test]
    fn macs_keep_their_vendor_prefix() {
        let out = round_trip(Category::Mac, "00:1A:2B:3C:4D:5E");
        assert!(out.starts_with("00:1A:2B:") && out != "00:1A:2B:3C:4D:5E", "{out}");
    }

    #[test]
    fn urls_lose_passwords_and_keep_attack_text() {
        let p = p();
        let mut ctx = Ctx::default();
        let u = "https://alice:hunter2@shop.example.co.uk:8443/home/alice/cart?email=alice%40mail.org&q=1%27%20UNION%20SELECT&token=abc";
        let out = p.url(Dir::Encrypt, u, &mut ctx).unwrap();
        assert!(!out.contains("alice") && !out.contains("hunter2") && !out.contains("token=abc"), "{out}");
        assert!(
            out.contains("[REDACTED:password]@")
                && out.contains(".co.uk:8443/home/")
                && out.contains("q=1%27%20UNION%20SELECT"),
            "{out}"
        );
        let back = p.url(Dir::Decrypt, &out, &mut Ctx::default()).unwrap();
        assert_eq!(back, u.replace("hunter2", "[REDACTED:password]").replace("token=abc", "token=[REDACTED:token]"));
    }

    #[test]
    fn reversible_categories_round_trip() {
        round_trip(Category::Ip, "81.2.69.142");
        round_trip(Category::Ip, "fe80::1c2:3ff:fe44:5566%eth0");
        round_trip(Category::NumericId, "1000");
        round_trip(Category::NumericId, "S-1-5-21-3623811015-3361044348-30300820-1013");
        round_trip(Category::Host, "web01.corp.example.net");
        round_trip(Category::Time, "2014-08-03T06:47:52.000Z");
        assert_eq!(round_trip(Category::User, "root"), "root");
    }

    #[test]
    fn time_shift_keeps_weekday_and_clock() {
        let p = p();
        let out = p.value(Dir::Encrypt, Category::Time, "2014-08-03T06:47:52.123+02:00", &mut Ctx::default()).unwrap();
        assert!(out.ends_with("T06:47:52.123+02:00"), "{out}");
        let day = |s: &str| chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").unwrap();
        assert_eq!(chrono::Datelike::weekday(&day(&out)), chrono::Datelike::weekday(&day("2014-08-03")));
        assert!(day(&out) < day("2014-08-03"));
    }
}
