//! Bounded counting of high-cardinality values: the Space-Saving algorithm (Metwally,
//! Agrawal and El Abbadi, 2005). It keeps `cap` counters; a new value that finds them all
//! taken replaces the smallest and inherits its count as an error bound. While no value has
//! been evicted every count is exact; after that, every value seen more than total/cap
//! times is still listed, and each count is at most `error` too high.

use crate::fasthash::FastMap;

pub struct TopK<P> {
    cap: usize,
    index: FastMap<Box<str>, u32>,
    entries: Vec<Entry<P>>,
    /// Entry ids as a binary min-heap on count.
    heap: Vec<u32>,
    /// Entry id → position in `heap`.
    pos: Vec<u32>,
    total: u64,
    evicted: bool,
}

pub struct Entry<P> {
    pub key: Box<str>,
    pub count: u64,
    /// How much of `count` may belong to values this entry replaced.
    pub error: u64,
    pub data: P,
}

impl<P: Default> TopK<P> {
    pub fn new(cap: usize) -> Self {
        TopK {
            cap: cap.max(1),
            index: FastMap::default(),
            entries: Vec::new(),
            heap: Vec::new(),
            pos: Vec::new(),
            total: 0,
            evicted: false,
        }
    }

    /// Counts `key` `n` more times and returns its payload. A payload starts as
    /// `P::default()`, also when its counter is taken over from an evicted value.
    pub fn add(&mut self, key: &str, n: u64) -> &mut P {
        self.total += n;
        let id = match self.index.get(key) {
            Some(&id) => {
                self.entries[id as usize].count += n;
                id
            }
            None if self.entries.len() < self.cap => {
                let id = self.entries.len() as u32;
                self.entries.push(Entry { key: key.into(), count: n, error: 0, data: P::default() });
                self.pos.push(self.heap.len() as u32);
                self.heap.push(id);
                self.index.insert(key.into(), id);
                self.sift_up(self.heap.len() - 1);
                id
            }
            None => {
                self.evicted = true;
                let id = self.heap[0];
                let e = &mut self.entries[id as usize];
                self.index.remove(&e.key);
                e.key = key.into();
                e.error = e.count;
                e.count += n;
                e.data = P::default();
                self.index.insert(key.into(), id);
                id
            }
        };
        self.sift_down(self.pos[id as usize] as usize);
        &mut self.entries[id as usize].data
    }

    /// Every count is exact (no value was ever evicted).
    pub fn exact(&self) -> bool {
        !self.evicted
    }

    /// The sum of all counts added.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of distinct values kept (all distinct values while `exact`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Entries by count (highest first), ties by key, so output never depends on hashing.
    pub fn sorted(&self) -> Vec<&Entry<P>> {
        let mut v: Vec<&Entry<P>> = self.entries.iter().collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        v
    }

    pub fn get(&self, key: &str) -> Option<&Entry<P>> {
        self.index.get(key).map(|&id| &self.entries[id as usize])
    }

    fn count_at(&self, heap_pos: usize) -> u64 {
        self.entries[self.heap[heap_pos] as usize].count
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a] as usize] = a as u32;
        self.pos[self.heap[b] as usize] = b as u32;
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.count_at(parent) <= self.count_at(i) {
                break;
            }
            self.swap(parent, i);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut least = i;
            if l < self.heap.len() && self.count_at(l) < self.count_at(least) {
                least = l;
            }
            if r < self.heap.len() && self.count_at(r) < self.count_at(least) {
                least = r;
            }
            if least == i {
                return;
            }
            self.swap(i, least);
            i = least;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_under_capacity() {
        let mut t: TopK<()> = TopK::new(10);
        for (k, n) in [("a", 3), ("b", 1), ("a", 2), ("c", 5)] {
            t.add(k, n);
        }
        let got: Vec<(&str, u64)> = t.sorted().iter().map(|e| (&*e.key, e.count)).collect();
        assert_eq!(got, [("a", 5), ("c", 5), ("b", 1)]);
        assert!(t.exact());
        assert_eq!(t.total(), 11);
    }

    #[test]
    fn heavy_hitters_survive_eviction_with_bounded_error() {
        // Each heavy value is 1/12 of the stream, above the 1/16 that 16 counters guarantee.
        let mut t: TopK<()> = TopK::new(16);
        let mut truth: std::collections::HashMap<String, u64> = Default::default();
        let mut x = 12345u64;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Three heavy values among a long tail of rare ones.
            let key = if i % 4 == 0 { format!("heavy{}", i % 3) } else { format!("rare{}", x % 5000) };
            t.add(&key, 1);
            *truth.entry(key).or_default() += 1;
        }
        assert!(!t.exact());
        let top: Vec<&Entry<()>> = t.sorted();
        for h in ["heavy0", "heavy1", "heavy2"] {
            let e = t.get(h).expect("heavy hitter kept");
            assert!(
                e.count >= truth[h] && e.count - e.error <= truth[h],
                "{h}: {} ± {} vs {}",
                e.count,
                e.error,
                truth[h]
            );
        }
        assert!(top[..3].iter().all(|e| e.key.starts_with("heavy")));
    }

    #[test]
    fn payload_resets_when_a_counter_changes_hands() {
        let mut t: TopK<u32> = TopK::new(1);
        *t.add("a", 1) += 7;
        assert_eq!(*t.add("b", 1), 0);
        assert_eq!(t.get("b").map(|e| (e.count, e.error)), Some((2, 1)));
    }
}
