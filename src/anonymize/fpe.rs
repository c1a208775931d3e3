//! Keyed format-preserving permutations of digit strings: FF1 (NIST SP 800-38G) where the
//! domain is large enough for it (radix^len ≥ 10^6, as Revision 1 asks), and a keyed
//! Feistel network with cycle walking below that (one-letter names, two-digit ids), where
//! FF1 is not defined. Both are exact permutations, so both reverse.
//!
//! FF1 runs here with 128-bit integers when each half of the string fits in 96 bits (names
//! and ids up to about 40 characters), and through the `fpe` crate's big integers beyond:
//! the same permutation (tested against the crate and NIST's sample), several times faster.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use fpe::ff1::{FlexibleNumeralString, FF1};

/// The radixes the anonymizer uses: decimal digits, hex digits, letters.
pub const RADIXES: [u32; 3] = [10, 16, 26];
const FF1_MIN_DOMAIN: u64 = 1_000_000;

pub struct Fpe {
    ff1: [FF1<Aes256>; 3],
    /// FF1's cipher, for the 128-bit path.
    aes: Aes256,
    /// The round function of the small-domain Feistel network.
    small: Aes128,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dir {
    Encrypt,
    Decrypt,
}

impl Fpe {
    pub fn new(ff1_key: &[u8; 32], small_key: [u8; 32]) -> Fpe {
        let ff1 = RADIXES.map(|r| FF1::<Aes256>::new(ff1_key, r).expect("radix in range"));
        Fpe {
            ff1,
            aes: Aes256::new_from_slice(ff1_key).expect("32-byte key"),
            small: Aes128::new_from_slice(&small_key[..16]).expect("16-byte key"),
        }
    }

    /// Permutes `digits` (each < `radix`) in place; `tweak` separates uses (user names vs
    /// host labels) so equal strings in different roles get unrelated pseudonyms.
    pub fn apply(&self, dir: Dir, radix: u32, tweak: &[u8], digits: &mut [u16]) {
        if digits.is_empty() {
            return;
        }
        let domain = (radix as u64).checked_pow(digits.len() as u32).unwrap_or(u64::MAX);
        if domain >= FF1_MIN_DOMAIN {
            if self.ff1_narrow(dir, radix, tweak, digits) {
                return;
            }
            let ff1 = &self.ff1[RADIXES.iter().position(|r| *r == radix).expect("known radix")];
            let input = FlexibleNumeralString::from(digits.to_vec());
            let output = match dir {
                Dir::Encrypt => ff1.encrypt(tweak, &input),
                Dir::Decrypt => ff1.decrypt(tweak, &input),
            }
            .expect("digits are valid for the radix and long enough");
            digits.copy_from_slice(&Vec::<u16>::from(output));
        } else {
            let mut n = digits.iter().fold(0u64, |acc, d| acc * radix as u64 + *d as u64);
            n = self.small_domain(dir, domain, tweak, n);
            for d in digits.iter_mut().rev() {
                *d = (n % radix as u64) as u16;
                n /= radix as u64;
            }
        }
    }

    /// FF1 (SP 800-38G Algorithms 7 and 8) with the halves as 128-bit integers. False, with
    /// `digits` untouched, when the longer half's numeral needs more than 96 bits: then
    /// its byte string `NUM(B)` and the PRF output used would not fit.
    fn ff1_narrow(&self, dir: Dir, radix: u32, tweak: &[u8], digits: &mut [u16]) -> bool {
        let n = digits.len();
        let (u, v) = (n / 2, n - n / 2);
        let r = radix as u128;
        let Some(rv) = r.checked_pow(v as u32).filter(|rv| *rv <= 1 << 96) else { return false };
        let ru = r.pow(u as u32);
        // ⌈v·log2(radix)⌉: the bit length of radix^v, less one when that is a power of two.
        let bits = 128 - rv.leading_zeros() - rv.is_power_of_two() as u32;
        let b = bits.div_ceil(8) as usize;
        let d = 4 * b.div_ceil(4) + 4;
        let t = tweak.len();
        let mut p = [0u8; 16];
        p[..3].copy_from_slice(&[1, 2, 1]);
        p[3..6].copy_from_slice(&radix.to_be_bytes()[1..]);
        p[6] = 10;
        p[7] = u as u8;
        p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
        p[12..16].copy_from_slice(&(t as u32).to_be_bytes());
        let mut after_p = aes::Block::from(p);
        self.aes.encrypt_block(&mut after_p);
        let pad = (16 - (t + b + 1) % 16) % 16;
        let mut q = Vec::with_capacity(t + pad + 1 + b);
        // y for round i, with the other half's numeral `x` in Q.
        let mut round_y = |i: u8, x: u128| -> u128 {
            q.clear();
            q.extend_from_slice(tweak);
            q.resize(t + pad, 0);
            q.push(i);
            q.extend_from_slice(&x.to_be_bytes()[16 - b..]);
            let mut r = after_p;
            for chunk in q.chunks_exact(16) {
                for (a, c) in r.iter_mut().zip(chunk) {
                    *a ^= c;
                }
                self.aes.encrypt_block(&mut r);
            }
            // d ≤ 16 here, so S is R's first d bytes.
            r[..d].iter().fold(0u128, |y, byte| y << 8 | *byte as u128)
        };
        let num = |ds: &[u16]| ds.iter().fold(0u128, |x, d| x * r + *d as u128);
        let (mut a, mut bb) = (num(&digits[..u]), num(&digits[u..]));
        let modulus = |i: u8| if i.is_multiple_of(2) { ru } else { rv };
        match dir {
            Dir::Encrypt => {
                for i in 0..10u8 {
                    let m = modulus(i);
                    let c = (a + round_y(i, bb) % m) % m;
                    (a, bb) = (bb, c);
                }
            }
            Dir::Decrypt => {
                for i in (0..10u8).rev() {
                    let m = modulus(i);
                    let c = (bb + m - round_y(i, a) % m) % m;
                    (a, bb) = (c, a);
                }
            }
        }
        let (left, right) = digits.split_at_mut(u);
        for (half, mut x) in [(left, a), (right, bb)] {
            for digit in half.iter_mut().rev() {
                *digit = (x % r) as u16;
                x /= r;
            }
        }
        true
    }

    /// A permutation of `0..domain` (domain < 10^6): a balanced Feistel network over the
    /// smallest even number of bits that holds the domain, walked until the value is back
    /// inside it.
    fn small_domain(&self, dir: Dir, domain: u64, tweak: &[u8], mut x: u64) -> u64 {
        let bits = 64 - (domain - 1).max(1).leading_zeros();
        let half = bits.div_ceil(2).max(1);
        let mask = (1u64 << half) - 1;
        loop {
            let (mut left, mut right) = (x >> half, x & mask);
            for round in 0..8u8 {
                match dir {
                    Dir::Encrypt => {
                        let f = self.round(domain, tweak, round, right) & mask;
                        (left, right) = (right, left ^ f);
                    }
                    Dir::Decrypt => {
                        let f = self.round(domain, tweak, 7 - round, left) & mask;
                        (left, right) = (right ^ f, left);
                    }
                }
            }
            x = (left << half) | right;
            if x < domain {
                return x;
            }
        }
    }

    /// AES of (domain, round, tweak, half): domains are below 10^6 (20 bits) and halves
    /// below 2^10, so they pack into one block with up to 7 tweak bytes, a length byte, and
    /// distinct fields for every input.
    fn round(&self, domain: u64, tweak: &[u8], round: u8, half: u64) -> u64 {
        debug_assert!(tweak.len() <= 7 && domain < 1 << 24 && half < 1 << 24);
        let mut block = [0u8; 16];
        block[..3].copy_from_slice(&domain.to_le_bytes()[..3]);
        block[3] = round;
        block[4..7].copy_from_slice(&half.to_le_bytes()[..3]);
        block[7] = tweak.len() as u8;
        block[8..8 + tweak.len().min(7)].copy_from_slice(&tweak[..tweak.len().min(7)]);
        let mut block = aes::Block::from(block);
        self.small.encrypt_block(&mut block);
        u64::from_le_bytes(block[..8].try_into().expect("8 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fpe() -> Fpe {
        Fpe::new(&[3; 32], [5; 32])
    }

    #[test]
    fn ff1_matches_nist_sample_1() {
        // NIST SP 800-38G FF1 sample 7 (AES-256, radix 10, empty tweak).
        let key: Vec<u8> = (0..32)
            .map(|i| {
                [
                    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
                    0xef, 0x43, 0x59, 0xd8, 0xd5, 0x80, 0xaa, 0x4f, 0x7f, 0x03, 0x6d, 0x6f, 0x04, 0xfc, 0x6a, 0x94,
                ][i]
            })
            .collect();
        let fpe = Fpe::new(&key.try_into().unwrap(), [0; 32]);
        let mut digits: Vec<u16> = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        fpe.apply(Dir::Encrypt, 10, &[], &mut digits);
        assert_eq!(digits, vec![6, 6, 5, 7, 6, 6, 7, 0, 0, 9]);
    }

    #[test]
    fn every_domain_size_is_a_permutation_that_reverses() {
        let fpe = fpe();
        for (radix, len) in [(10, 1), (10, 2), (26, 1), (26, 3), (16, 4), (10, 6), (26, 7)] {
            let domain = (radix as u64).pow(len);
            let mut seen = std::collections::HashSet::new();
            for n in 0..domain.min(2000) {
                let mut digits: Vec<u16> =
                    (0..len).rev().map(|i| ((n / (radix as u64).pow(i)) % radix as u64) as u16).collect();
                let original = digits.clone();
                fpe.apply(Dir::Encrypt, radix, b"t", &mut digits);
                assert!(digits.iter().all(|d| (*d as u32) < radix));
                assert!(seen.insert(digits.clone()), "collision at radix {radix} len {len}");
                fpe.apply(Dir::Decrypt, radix, b"t", &mut digits);
                assert_eq!(digits, original);
            }
        }
    }

    /// The 128-bit path gives the `fpe` crate's permutation, both ways, on every length it
    /// takes and for each radix, with and without tweaks of several lengths.
    #[test]
    fn narrow_ff1_agrees_with_the_crate() {
        let fpe = fpe();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut checked = 0;
        for radix in RADIXES {
            for len in 1..=60usize {
                for tweak in [&b""[..], b"user", b"a fifteen-byte!", b"sixteen bytes!!!", b"a tweak of twenty-two b"] {
                    let digits: Vec<u16> = (0..len)
                        .map(|_| {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            (x % radix as u64) as u16
                        })
                        .collect();
                    if (radix as u64).checked_pow(len as u32).is_some_and(|d| d < FF1_MIN_DOMAIN) {
                        continue;
                    }
                    let ff1 = &fpe.ff1[RADIXES.iter().position(|r| *r == radix).unwrap()];
                    let want: Vec<u16> =
                        ff1.encrypt(tweak, &FlexibleNumeralString::from(digits.clone())).unwrap().into();
                    let mut ours = digits.clone();
                    if !fpe.ff1_narrow(Dir::Encrypt, radix, tweak, &mut ours) {
                        assert_eq!(ours, digits, "left as it was when not taken");
                        continue;
                    }
                    assert_eq!(ours, want, "radix {radix}, length {len}, tweak {tweak:?}");
                    assert!(fpe.ff1_narrow(Dir::Decrypt, radix, tweak, &mut ours));
                    assert_eq!(ours, digits);
                    checked += 1;
                }
            }
        }
        assert!(checked > 400, "{checked}");
    }

    #[test]
    fn tweaks_separate_roles() {
        let fpe = fpe();
        let mut a: Vec<u16> = vec![1, 2, 3, 4, 5, 6, 7];
        let mut b = a.clone();
        fpe.apply(Dir::Encrypt, 26, b"user", &mut a);
        fpe.apply(Dir::Encrypt, 26, b"label", &mut b);
        assert_ne!(a, b);
    }
}
