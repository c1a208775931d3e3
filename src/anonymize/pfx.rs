//! ipcrypt-pfx (IETF draft-denis-ipcrypt): prefix-preserving encryption of IP addresses
//! with two AES-128 keys, written here so that encryption can run its AES blocks in one
//! batch. Output bit `i` is input bit `i` XOR the low bit of `AES(K1, p) ^ AES(K2, p)`,
//! where `p` is the input's first `i` bits under a separator bit. Those prefixes come from
//! the input alone, so all 32 (IPv4) or 128 (IPv6) blocks are known up front and the AES
//! backend pipelines them; called one block at a time it set up its round keys 64 times
//! per address. Decryption needs each plaintext bit before the next prefix, so it goes
//! bit by bit. Checked against the draft's published vectors and the `ipcrypt-rs` crate.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Block};
use std::net::{IpAddr, Ipv6Addr};

pub struct Pfx {
    k1: Aes128,
    k2: Aes128,
}

/// An address as 128 bits (IPv4 mapped into IPv6), and where its own bits start.
fn to_bits(ip: IpAddr) -> (u128, u32) {
    match ip {
        IpAddr::V4(v4) => (u128::from(v4.to_ipv6_mapped()), 96),
        IpAddr::V6(v6) => (u128::from(v6), 0),
    }
}

fn from_bits(x: u128) -> IpAddr {
    let v6 = Ipv6Addr::from(x);
    match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    }
}

/// The padded prefix before the first encrypted bit: the separator bit, above the mapped
/// prefix `::ffff` for IPv4.
fn first_prefix(start: u32) -> u128 {
    if start == 96 {
        1 << 96 | 0xffff
    } else {
        1
    }
}

impl Pfx {
    /// `key`: 32 bytes, two AES-128 keys; the draft requires the halves to differ.
    pub fn new(key: &[u8; 32]) -> Pfx {
        debug_assert!(key[..16] != key[16..], "ipcrypt-pfx key halves must differ");
        Pfx {
            k1: Aes128::new_from_slice(&key[..16]).expect("16 bytes"),
            k2: Aes128::new_from_slice(&key[16..]).expect("16 bytes"),
        }
    }

    /// The low bit of the pseudorandom function on one padded prefix.
    fn prf_bit(&self, prefix: u128) -> u128 {
        let mut b1 = Block::from(prefix.to_be_bytes());
        let mut b2 = b1;
        self.k1.encrypt_block(&mut b1);
        self.k2.encrypt_block(&mut b2);
        ((b1[15] ^ b2[15]) & 1) as u128
    }

    pub fn encrypt(&self, ip: IpAddr) -> IpAddr {
        let (x, start) = to_bits(ip);
        let n = (128 - start) as usize;
        let mut b1 = [Block::default(); 128];
        let mut p = first_prefix(start);
        for (i, block) in b1[..n].iter_mut().enumerate() {
            *block = Block::from(p.to_be_bytes());
            p = p << 1 | (x >> (127 - start as usize - i) & 1);
        }
        let mut b2 = b1;
        self.k1.encrypt_blocks(&mut b1[..n]);
        self.k2.encrypt_blocks(&mut b2[..n]);
        let mut out = x;
        for i in 0..n {
            out ^= (((b1[i][15] ^ b2[i][15]) & 1) as u128) << (127 - start as usize - i);
        }
        from_bits(out)
    }

    pub fn decrypt(&self, ip: IpAddr) -> IpAddr {
        let (y, start) = to_bits(ip);
        let mut out = y;
        let mut p = first_prefix(start);
        for i in 0..128 - start {
            let at = 127 - start - i;
            let bit = (y >> at & 1) ^ self.prf_bit(p);
            out = out & !(1 << at) | bit << at;
            p = p << 1 | bit;
        }
        from_bits(out)
    }
}

/// The address's 16 bytes (IPv4 mapped), as the draft's test vectors and `keep_prefix`
/// read them.
pub fn ip_bits(ip: IpAddr) -> u128 {
    to_bits(ip).0
}

pub fn ip_from_bits(x: u128) -> IpAddr {
    from_bits(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipcrypt_rs::IpcryptPfx;
    use std::net::Ipv4Addr;

    fn hex(s: &str) -> [u8; 32] {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        k
    }

    /// The published ipcrypt-pfx vectors (IETF draft-denis-ipcrypt), when ../shared is there.
    #[test]
    fn published_vectors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/vectors/ipcrypt/test_vectors.json");
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipped: {path} not found");
            return;
        };
        let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let mut checked = 0;
        for v in vectors.iter().filter(|v| v["variant"] == "ipcrypt-pfx") {
            let pfx = Pfx::new(&hex(v["key"].as_str().unwrap()));
            let ip: IpAddr = v["ip"].as_str().unwrap().parse().unwrap();
            let want: IpAddr = v["encrypted_ip"].as_str().unwrap().parse().unwrap();
            assert_eq!(pfx.encrypt(ip), want, "{ip}");
            assert_eq!(pfx.decrypt(want), ip);
            checked += 1;
        }
        assert!(checked >= 5, "only {checked} pfx vectors");
    }

    /// The same ciphertexts as the `ipcrypt-rs` crate, IPv4 and IPv6, both ways.
    #[test]
    fn agrees_with_ipcrypt_rs() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let ours = Pfx::new(&key);
        let theirs = IpcryptPfx::new(key);
        let mut x = 0x0123_4567_89ab_cdef_0f1e_2d3c_4b5a_6978u128;
        for _ in 0..300 {
            x = x.wrapping_mul(0x2545_f491_4f6c_dd1d_0000_0001_0000_0001).wrapping_add(0x9e37_79b9);
            for ip in [IpAddr::V6(Ipv6Addr::from(x)), IpAddr::V4(Ipv4Addr::from((x >> 64) as u32))] {
                let e = ours.encrypt(ip);
                assert_eq!(e, theirs.encrypt_ipaddr(ip), "{ip}");
                assert_eq!(ours.decrypt(e), ip);
            }
        }
    }
}
