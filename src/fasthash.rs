//! Fast non-cryptographic hashing: the maps of in-memory caches (rustc-hash's Fx hasher), a
//! stable hash of bytes ([`hash64`]: duplicate detection, the feature buckets of `score`'s
//! models, which depend on it), and a table of a fixed set of field paths ([`PathTable`]).
//! Ids and anything an attacker could steer into collisions use BLAKE3 instead.

use std::collections::{HashMap, HashSet};

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

/// A field path's hash for small tables, from its length and its first and last eight
/// bytes: one multiplication, since stages look up every path of every event. Paths that share those
/// bytes share a hash, which costs a comparison, never a wrong answer.
pub fn path_hash(p: &[u8]) -> u64 {
    let n = p.len();
    let (a, b) = if n >= 8 {
        (
            u64::from_le_bytes(p[..8].try_into().expect("8 bytes")),
            u64::from_le_bytes(p[n - 8..].try_into().expect("8 bytes")),
        )
    } else if n >= 4 {
        (
            u32::from_le_bytes(p[..4].try_into().expect("4 bytes")) as u64,
            u32::from_le_bytes(p[n - 4..].try_into().expect("4 bytes")) as u64,
        )
    } else {
        (p.iter().fold(0u64, |x, &c| x << 8 | c as u64), 0)
    };
    // Tables take the top bits, which the multiplication mixes best.
    (a ^ b.rotate_left(29) ^ (n as u64) << 56).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A hash map for in-memory caches and counters.
pub type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;
/// A hash set for the same.
pub type FastSet<K> = HashSet<K, rustc_hash::FxBuildHasher>;

/// A fixed set of field paths, each with a class, looked up by a hash of the length and
/// three sampled bytes instead of every byte: callers classify each scalar of every event,
/// millions a second, and most paths differ in length or in those bytes. A slot may hold
/// several paths (then each is compared), so no set of paths can make it wrong.
pub struct PathTable {
    /// `entries[starts[s]..starts[s + 1]]` hash to slot `s`.
    starts: Vec<u32>,
    entries: Vec<(Box<[u8]>, u16)>,
    multiplier: u32,
    shift: u32,
}

impl PathTable {
    pub fn new<'a>(paths: impl IntoIterator<Item = (&'a str, u16)>) -> PathTable {
        let paths: Vec<(&str, u16)> = paths.into_iter().collect();
        let bits = (paths.len() * 4).next_power_of_two().trailing_zeros().max(4);
        let shift = 32 - bits;
        // Of a few odd multipliers, the one leaving the fewest paths sharing a slot.
        let crowding = |m: u32| {
            let mut used = vec![false; 1 << bits];
            paths.iter().filter(|(p, _)| std::mem::replace(&mut used[slot(p.as_bytes(), m, shift)], true)).count()
        };
        let multiplier = (0..64u32)
            .map(|i| 0x9e37_79b1u32.wrapping_add(i.wrapping_mul(0x5851_f42e)) | 1)
            .min_by_key(|&m| crowding(m))
            .expect("candidates");
        let mut entries: Vec<(usize, Box<[u8]>, u16)> =
            paths.iter().map(|&(p, c)| (slot(p.as_bytes(), multiplier, shift), p.as_bytes().into(), c)).collect();
        entries.sort_by_key(|e| e.0);
        let mut starts = vec![0u32; (1 << bits) + 1];
        for e in &entries {
            starts[e.0 + 1] += 1;
        }
        for s in 1..starts.len() {
            starts[s] += starts[s - 1];
        }
        PathTable { starts, entries: entries.into_iter().map(|(_, p, c)| (p, c)).collect(), multiplier, shift }
    }

    /// The class of `path`, or 0 when it is not in the table.
    #[inline]
    pub fn get(&self, path: &str) -> u16 {
        let b = path.as_bytes();
        let s = slot(b, self.multiplier, self.shift);
        let range = self.starts[s] as usize..self.starts[s + 1] as usize;
        self.entries[range].iter().find(|e| &*e.0 == b).map_or(0, |e| e.1)
    }
}

#[inline]
fn slot(b: &[u8], multiplier: u32, shift: u32) -> usize {
    let Some(&last) = b.last() else { return 0 };
    let x = b.len() as u32 | (last as u32) << 8 | (b[b.len() / 2] as u32) << 16 | (b[b.len() / 3] as u32) << 24;
    (x.wrapping_mul(multiplier) >> shift) as usize
}

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

    #[test]
    fn path_table_finds_its_paths_and_nothing_else() {
        let names: Vec<String> = (0..200)
            .map(|i| format!("field.{i}"))
            .chain(["", "a", "source.ip", "source.iq"].map(String::from))
            .collect();
        let t = PathTable::new(names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u16 + 1)));
        for (i, n) in names.iter().enumerate() {
            assert_eq!(t.get(n), i as u16 + 1, "{n}");
        }
        for absent in ["field.200", "b", "source.id", "source.ip.x"] {
            assert_eq!(t.get(absent), 0, "{absent}");
        }
    }
}
