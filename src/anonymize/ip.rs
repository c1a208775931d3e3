//! IP addresses: prefix-preserving encryption (ipcrypt-pfx, IETF draft-denis-ipcrypt, in
//! `pfx.rs`), with address classes kept. An address in a special range
//! (private, loopback, link-local, multicast, documentation, ...) keeps that range's prefix
//! and only its host bits change; a public address is encrypted whole and, if it lands in a
//! special range, encrypted again until it does not (cycle walking), so "internal vs
//! external" logic reads the output as it read the input. Both directions are exact.

use super::fpe::Dir;
use super::pfx::{ip_bits, ip_from_bits, Pfx};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub struct IpCipher {
    pfx: Pfx,
}

/// Ranges whose prefix is kept (bits counted in the address's own width). A full-width
/// entry keeps the address as is.
const V4_CLASSES: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 32),
    ([127, 0, 0, 1], 32),
    ([255, 255, 255, 255], 32),
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

const V6_CLASSES: &[(u128, u32)] = &[
    (0, 128),                // ::
    (1, 128),                // ::1
    (0x0064_ff9b << 96, 96), // NAT64
    (0x2001_0db8 << 96, 32), // documentation
    (0xfc00 << 112, 7),      // unique local
    (0xfe80 << 112, 10),     // link-local
    (0xfe80 << 112, 64),     // link-local as used (fe80::/64): interface ids change
    (0xff00 << 112, 8),      // multicast
];

impl IpCipher {
    /// `key`: 32 bytes whose halves differ (ipcrypt-pfx's two AES-128 keys).
    pub fn new(mut key: [u8; 32]) -> IpCipher {
        if key[..16] == key[16..] {
            key[31] ^= 1;
        }
        IpCipher { pfx: Pfx::new(&key) }
    }

    pub fn apply(&self, dir: Dir, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => match self.apply(dir, IpAddr::V4(v4)) {
                    IpAddr::V4(out) => IpAddr::V6(out.to_ipv6_mapped()),
                    other => other,
                },
                None => self.with_class(dir, ip, v6_class(v6)),
            },
            IpAddr::V4(v4) => self.with_class(dir, ip, v4_class(v4)),
        }
    }

    /// [`Self::apply`] for an address written as `text`, the pseudonym written in the same
    /// style: an IPv6 address's letter case, zero padding (`0c17`) and compression (`::`
    /// or none) are kept, walking to the next pseudonym while one would not show the
    /// style (no letter to be upper case, no group to show padding), so that `--reveal`
    /// reads the style off the pseudonym and writes the original byte for byte. (An
    /// address written without `::` although it has zeros to compress comes back
    /// compressed, unless its pseudonym has such zeros too: link-local addresses do.)
    pub fn apply_text(&self, dir: Dir, ip: IpAddr, text: &str) -> String {
        let IpAddr::V6(v6) = ip else { return self.apply(dir, ip).to_string() };
        if v6.to_ipv4_mapped().is_some() || text.contains('.') {
            return self.apply(dir, ip).to_string();
        }
        let style = V6Style::of(text, v6);
        let mut out = self.apply(dir, ip);
        if out == ip {
            return text.to_string();
        }
        for _ in 0..style.walk_limit() {
            let IpAddr::V6(o) = out else { break };
            if style.shows(o) {
                break;
            }
            out = self.apply(dir, out);
        }
        match out {
            IpAddr::V6(o) => style.render(o),
            other => other.to_string(),
        }
    }

    fn with_class(&self, dir: Dir, ip: IpAddr, class_bits: Option<u32>) -> IpAddr {
        let width = if ip.is_ipv4() { 32 } else { 128 };
        match class_bits {
            Some(bits) if bits >= width => ip,
            Some(bits) => self.keep_prefix(dir, ip, bits),
            None => {
                // Public stays public: walk until outside every special range.
                let mut out = self.raw(dir, ip);
                while class_of(out).is_some() {
                    out = self.raw(dir, out);
                }
                out
            }
        }
    }

    fn raw(&self, dir: Dir, ip: IpAddr) -> IpAddr {
        match dir {
            Dir::Encrypt => self.pfx.encrypt(ip),
            Dir::Decrypt => self.pfx.decrypt(ip),
        }
    }

    /// The first `bits` stay; the rest are the rest of the prefix-preserving ciphertext.
    /// Decryption rebuilds the full ciphertext: its first `bits` depend only on the
    /// plaintext's first `bits`, which the output kept.
    fn keep_prefix(&self, dir: Dir, ip: IpAddr, bits: u32) -> IpAddr {
        let offset = if ip.is_ipv4() { 96 } else { 0 };
        let input = ip_bits(ip);
        let prefix_mask = !0u128 << (128 - offset - bits);
        let out = match dir {
            Dir::Encrypt => {
                let e = ip_bits(self.pfx.encrypt(ip));
                (input & prefix_mask) | (e & !prefix_mask)
            }
            Dir::Decrypt => {
                let prefix_only = ip_from_bits(input & prefix_mask);
                let e = ip_bits(self.pfx.encrypt(prefix_only));
                let ciphertext = (e & prefix_mask) | (input & !prefix_mask);
                ip_bits(self.pfx.decrypt(ip_from_bits(ciphertext)))
            }
        };
        ip_from_bits(out)
    }
}

/// How an IPv6 address was written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct V6Style {
    upper: bool,
    /// Every group written with four digits, leading zeros included.
    padded: bool,
    /// The longest run of zero groups written as `::` (RFC 5952); false when the text
    /// shows zeros it did not compress, or is padded without `::`.
    compressed: bool,
    /// Text neither canonical nor padded throughout (`2a02:aa91:0c17::42`): for each of
    /// the eight groups, the width it is written with where that shows leading zeros
    /// (0 elsewhere). A pseudonym shows this style when each of those groups is small
    /// enough to need the zeros too, which takes about 16 walks per padded group: up to
    /// [`MIXED_WALKS`] walks; a style that needs more than 16^3 on average is not kept
    /// (the address comes back in the canonical form).
    mixed: [u8; 8],
}

/// The most walks spent on a pseudonym that shows a mixed padding.
const MIXED_WALKS: u32 = 1 << 16;

fn groups(a: Ipv6Addr) -> [u16; 8] {
    a.segments()
}

/// The longest run of two or more zero groups (the first of equal ones): start and length.
fn zero_run(g: &[u16; 8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < 8 {
        if g[i] == 0 {
            let start = i;
            while i < 8 && g[i] == 0 {
                i += 1;
            }
            let len = i - start;
            if len >= 2 && best.is_none_or(|(_, l)| len > l) {
                best = Some((start, len));
            }
        } else {
            i += 1;
        }
    }
    best
}

impl V6Style {
    fn of(text: &str, a: Ipv6Addr) -> V6Style {
        let written: Vec<&str> = text.split(':').filter(|g| !g.is_empty()).collect();
        let upper = text.bytes().any(|b| b.is_ascii_uppercase());
        let padded = written.iter().all(|g| g.len() == 4) && written.iter().any(|g| g.starts_with('0'));
        // Eight groups and no `::`: compression was possible but not used, or not possible;
        // padded text is taken as written out in full (the usual padded form).
        let compressed = text.contains("::") || (!padded && zero_run(&groups(a)).is_none());
        let mut mixed = [0u8; 8];
        if !padded {
            // Each written group at its place among the eight (`::` stands for the rest).
            let (head, tail) = match text.split_once("::") {
                Some((h, t)) => (h, t),
                None => (text, ""),
            };
            let head: Vec<&str> = head.split(':').filter(|g| !g.is_empty()).collect();
            let tail: Vec<&str> = tail.split(':').filter(|g| !g.is_empty()).collect();
            if head.len() + tail.len() <= 8 {
                let at = head.iter().enumerate().chain(tail.iter().enumerate().map(|(i, g)| (8 - tail.len() + i, g)));
                for (i, g) in at {
                    if g.len() > 1 && g.starts_with('0') {
                        mixed[i] = g.len() as u8;
                    }
                }
            }
            // Three padded groups at most (16^3 walks on average), so the walk all but
            // always ends within its limit.
            if mixed_walks(&mixed) > 1 << 12 {
                mixed = [0; 8];
            }
        }
        V6Style { upper, padded, compressed, mixed }
    }

    /// How many pseudonyms to walk through at most for one that shows this style.
    fn walk_limit(self) -> u32 {
        if self.mixed.iter().any(|&w| w > 0) {
            MIXED_WALKS
        } else {
            256
        }
    }

    fn render(self, a: Ipv6Addr) -> String {
        let g = groups(a);
        let run = if self.compressed { zero_run(&g) } else { None };
        let group = |i: usize, x: u16| {
            let s = match (self.padded, self.mixed[i] as usize) {
                (true, _) => format!("{x:04x}"),
                (false, 0) => format!("{x:x}"),
                (false, w) => format!("{x:0w$x}"),
            };
            if self.upper {
                s.to_ascii_uppercase()
            } else {
                s
            }
        };
        let mut out = String::with_capacity(39);
        let mut i = 0;
        while i < 8 {
            if let Some((start, len)) = run.filter(|(s, _)| *s == i) {
                out.push_str(if start == 0 { "::" } else { ":" });
                i = start + len;
                if i == 8 {
                    break;
                }
                continue;
            }
            out.push_str(&group(i, g[i]));
            if i < 7 {
                out.push(':');
            }
            i += 1;
        }
        if out.ends_with(':') && !out.ends_with("::") {
            out.pop();
        }
        out
    }

    /// Whether `a` written in this style reads back as this style.
    fn shows(self, a: Ipv6Addr) -> bool {
        let text = self.render(a);
        // Compression cannot be walked to (zero runs are rare in pseudonyms): only the
        // case and the padding are.
        let got = V6Style::of(&text, a);
        got.upper == self.upper && got.padded == self.padded && got.mixed == self.mixed
    }
}

/// About how many walks a pseudonym needs to show a mixed padding: a group written `w`
/// wide shows its leading zeros when its value is below 16^(w-1).
fn mixed_walks(mixed: &[u8; 8]) -> u64 {
    mixed
        .iter()
        .filter(|&&w| w > 1)
        .fold(1u64, |n, &w| n.saturating_mul(1u64 << (4 * (4 - w.min(4) as u32 + 1).min(4))))
}

/// The prefix length of the special range holding `ip`, longest match first.
pub fn class_of(ip: IpAddr) -> Option<u32> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<u32> {
    let x = u32::from(ip);
    V4_CLASSES
        .iter()
        .filter(|(net, bits)| {
            let mask = if *bits == 0 { 0 } else { !0u32 << (32 - bits) };
            x & mask == u32::from_be_bytes(*net)
        })
        .map(|(_, bits)| *bits)
        .max()
}

fn v6_class(ip: Ipv6Addr) -> Option<u32> {
    let x = u128::from(ip);
    V6_CLASSES.iter().filter(|(net, bits)| x & (!0u128 << (128 - bits)) == *net).map(|(_, bits)| *bits).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_kept_and_everything_reverses() {
        let c = IpCipher::new([9; 32]);
        let cases = [
            "10.1.2.3",
            "192.168.1.20",
            "172.16.5.4",
            "127.0.0.53",
            "169.254.1.1",
            "224.0.0.251",
            "192.0.2.7",
            "203.0.113.9",
            "8.8.8.8",
            "24.5.0.80",
            "fe80::1c2:3ff:fe44:5566",
            "fd00::1",
            "2001:db8::42",
            "2a00:1450:4001::200e",
            "ff02::fb",
            "::ffff:10.0.0.1",
        ];
        for s in cases {
            let ip: IpAddr = s.parse().unwrap();
            let out = c.apply(Dir::Encrypt, ip);
            assert_ne!(out, ip, "{s}");
            assert_eq!(class_of(out), class_of(ip), "{s} -> {out}");
            assert_eq!(ip.is_ipv4(), out.is_ipv4());
            assert_eq!(c.apply(Dir::Decrypt, out), ip, "{s}");
        }
        for kept in ["127.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "::"] {
            let ip: IpAddr = kept.parse().unwrap();
            assert_eq!(c.apply(Dir::Encrypt, ip), ip);
        }
        let a = c.apply(Dir::Encrypt, "10.1.2.3".parse().unwrap()).to_string();
        assert!(a.starts_with("10."));
        let b = c.apply(Dir::Encrypt, "fe80::1c2:3ff:fe44:5566".parse().unwrap()).to_string();
        assert!(b.starts_with("fe8") || b.starts_with("fe9") || b.starts_with("fea") || b.starts_with("feb"), "{b}");
    }

    #[test]
    fn ipv6_text_forms_come_back_byte_for_byte() {
        let c = IpCipher::new([5; 32]);
        for text in [
            "2a02:aa91:c17::42",
            "2a02:aa91:0c17:0000:0000:0000:0000:0042",
            "2A02:AA91:C17::42",
            "2a02:aa91:c17:1:2:3:4:5",
            "fe80:0:0:0:1c2:3ff:fe44:5566",
            "fe80::1c2:3ff:fe44:5566",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
            // Padded in places only (the issue's `aa91:0c17`).
            "2a02:aa91:0c17::42",
            "2001:db8:aa91:0c17::1",
            "2a01:4f8:0c17:0a0b::1",
            "2A02:AA91:0C17::42",
            "::ffff:81.2.69.142",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            let out = c.apply_text(Dir::Encrypt, ip, text);
            assert_ne!(out, text);
            let back = c.apply_text(Dir::Decrypt, out.parse().unwrap(), &out);
            assert_eq!(back, text, "{text} -> {out}");
        }
        // Canonical in, canonical out (RFC 5952), as Display writes it.
        for text in ["2001:db8::1", "2a00:1450:4001::200e"] {
            let ip: IpAddr = text.parse().unwrap();
            let out = c.apply_text(Dir::Encrypt, ip, text);
            assert_eq!(out, out.parse::<IpAddr>().unwrap().to_string());
        }
    }

    #[test]
    fn prefixes_are_preserved_between_public_addresses() {
        let c = IpCipher::new([4; 32]);
        let a = c.apply(Dir::Encrypt, "81.2.69.142".parse().unwrap());
        let b = c.apply(Dir::Encrypt, "81.2.69.160".parse().unwrap());
        let (IpAddr::V4(a), IpAddr::V4(b)) = (a, b) else { panic!() };
        // Unless one of them had to walk out of a special range, they share 24 bits.
        if class_of(c.raw(Dir::Encrypt, "81.2.69.142".parse().unwrap())).is_none()
            && class_of(c.raw(Dir::Encrypt, "81.2.69.160".parse().unwrap())).is_none()
        {
            assert_eq!(a.octets()[..3], b.octets()[..3]);
        }
    }
}
