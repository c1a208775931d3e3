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
    (0xfe80 << 112, 10),     // link-local: interface ids change
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
