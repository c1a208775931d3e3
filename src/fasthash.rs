//! A fast non-cryptographic hash for in-memory maps keyed by strings (caches, field paths).
//! Ids and anything an attacker could steer into collisions use BLAKE3 instead.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x517c_c1b7_2722_0a95;

/// Eight bytes per step, multiply-rotate mixing in the FxHash style, plus the length, then
/// a final avalanche so that nearby keys spread over a map.
pub fn hash64(b: &[u8]) -> u64 {
    let mut h = mix(b.len() as u64, b);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn mix(mut h: u64, b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K)
}

#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        hash64(&self.0.to_le_bytes())
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = mix(self.0 ^ bytes.len() as u64, bytes);
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_near_keys_differ() {
        assert_eq!(hash64(b"source.ip"), hash64(b"source.ip"));
        assert_ne!(hash64(b"source.ip"), hash64(b"source.iq"));
        assert_ne!(hash64(b""), hash64(b"\0"));
        let mut m: FastMap<String, u32> = FastMap::default();
        m.insert("a".into(), 1);
        assert_eq!(m.get("a"), Some(&1));
    }
}

pub type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;
