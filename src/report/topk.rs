//! Bounded counting of high-cardinality values: the Space-Saving algorithm (Metwally,
//! Agrawal and El Abbadi, 2005). It keeps `cap` counters; a new value that finds them all
//! taken replaces the smallest and inherits its count as an error bound. While no value has
//! been evicted every count is exact; after that, every value seen more than total/cap
//! times is still listed, and each count is at most `error` too high.

use crate::fasthash::FastMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A payload that two summaries of disjoint parts of a stream can combine.
pub trait Merge {
    fn merge(&mut self, other: Self);
}

impl Merge for () {
    fn merge(&mut self, _: ()) {}
}

impl Merge for u64 {
    fn merge(&mut self, other: u64) {
        *self += other;
    }
}

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

impl<P: Default + Merge> TopK<P> {
    /// Adds the summary of another part of the stream (Agarwal et al., "Mergeable
    /// Summaries", 2012): counts of a value in both add up; a value one side lacks gets that
    /// side's smallest count as both count and error when that side ever evicted (else it
    /// truly was absent: 0); then the `cap` largest are kept. While neither side evicted and
    /// the union fits, the result is exactly the summary of the whole stream.
    pub fn merge(&mut self, other: TopK<P>) {
        let cap = self.cap.max(other.cap);
        let floor =
            |t: &TopK<P>| if t.evicted { t.heap.first().map_or(0, |&id| t.entries[id as usize].count) } else { 0 };
        let (mine, theirs) = (floor(self), floor(&other));
        let mut entries: Vec<Entry<P>> = std::mem::take(&mut self.entries);
        let mut index: FastMap<Box<str>, u32> = std::mem::take(&mut self.index);
        let mut matched = vec![false; entries.len()];
        for e in other.entries {
            match index.get(&e.key) {
                Some(&id) => {
                    let m = &mut entries[id as usize];
                    m.count += e.count;
                    m.error += e.error;
                    m.data.merge(e.data);
                    matched[id as usize] = true;
                }
                None => {
                    index.insert(e.key.clone(), entries.len() as u32);
                    entries.push(Entry { count: e.count + mine, error: e.error + mine, ..e });
                }
            }
        }
        for (e, _) in entries.iter_mut().zip(&matched).filter(|(_, &m)| !m) {
            e.count += theirs;
            e.error += theirs;
        }
        self.total += other.total;
        self.evicted |= other.evicted;
        if entries.len() > cap {
            entries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
            entries.truncate(cap);
            self.evicted = true;
        }
        self.cap = cap;
        self.rebuild(entries);
    }

    /// Index and heap for a set of entries.
    fn rebuild(&mut self, entries: Vec<Entry<P>>) {
        self.index = entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i as u32)).collect();
        self.entries = entries;
        self.heap = (0..self.entries.len() as u32).collect();
        self.pos = (0..self.entries.len() as u32).collect();
        for i in (0..self.heap.len() / 2).rev() {
            self.sift_down(i);
        }
    }
}

/// The summary as written in a partial report: its counters by count (ties by key), each
/// as `[value, count, error, payload]`.
#[derive(Serialize, Deserialize)]
struct Saved<P> {
    cap: usize,
    total: u64,
    evicted: bool,
    entries: Vec<(String, u64, u64, P)>,
}

impl<P: Default + Serialize> Serialize for TopK<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a, P> {
            cap: usize,
            total: u64,
            evicted: bool,
            entries: Vec<(&'a str, u64, u64, &'a P)>,
        }
        Out {
            cap: self.cap,
            total: self.total,
            evicted: self.evicted,
            entries: self.sorted().into_iter().map(|e| (&*e.key, e.count, e.error, &e.data)).collect(),
        }
        .serialize(s)
    }
}

impl<'de, P: Default + Merge + DeserializeOwned> Deserialize<'de> for TopK<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let saved = Saved::<P>::deserialize(d)?;
        let mut t = TopK::new(saved.cap.max(saved.entries.len()));
        t.total = saved.total;
        t.evicted = saved.evicted;
        let entries = saved
            .entries
            .into_iter()
            .map(|(key, count, error, data)| Entry { key: key.into(), count, error, data })
            .collect::<Vec<_>>();
        if entries.iter().map(|e| e.key.as_ref()).collect::<std::collections::HashSet<_>>().len() != entries.len() {
            return Err(serde::de::Error::custom("a top-N summary lists a value twice"));
        }
        t.rebuild(entries);
        Ok(t)
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

    fn stream(n: u64, seed: u64) -> Vec<String> {
        let mut x = seed;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 4 == 0 {
                    format!("heavy{}", i % 3)
                } else {
                    format!("rare{}", x % 5000)
                }
            })
            .collect()
    }

    #[test]
    fn merging_parts_under_capacity_is_exact() {
        let keys = stream(3000, 7);
        let mut whole: TopK<u64> = TopK::new(8000);
        let mut parts: Vec<TopK<u64>> = (0..3).map(|_| TopK::new(8000)).collect();
        for (i, k) in keys.iter().enumerate() {
            *whole.add(k, 1) += 1;
            *parts[i % 3].add(k, 1) += 1;
        }
        let mut merged = parts.remove(0);
        for p in parts {
            merged.merge(p);
        }
        assert!(merged.exact());
        let rows = |t: &TopK<u64>| t.sorted().iter().map(|e| (e.key.to_string(), e.count, e.data)).collect::<Vec<_>>();
        assert_eq!(rows(&merged), rows(&whole));
        assert_eq!(merged.total(), whole.total());
    }

    #[test]
    fn merged_summaries_keep_the_space_saving_bounds() {
        let keys = stream(40_000, 99);
        let mut truth: std::collections::HashMap<&str, u64> = Default::default();
        let mut parts: Vec<TopK<()>> = (0..4).map(|_| TopK::new(64)).collect();
        for (i, k) in keys.iter().enumerate() {
            *truth.entry(k).or_default() += 1;
            // Contiguous quarters, as a split file would give.
            parts[i * 4 / keys.len()].add(k, 1);
        }
        let mut merged = parts.remove(0);
        for p in parts {
            merged.merge(p);
        }
        assert!(!merged.exact());
        assert_eq!(merged.total(), 40_000);
        assert_eq!(merged.len(), 64);
        for e in merged.sorted() {
            let t = truth[&*e.key];
            assert!(e.count >= t && e.count - e.error <= t, "{}: {} ± {} vs {t}", e.key, e.count, e.error);
        }
        // Every value above total/cap is listed: the heavy ones.
        let top: Vec<&str> = merged.sorted().iter().take(3).map(|e| &*e.key).collect();
        assert!(top.iter().all(|k| k.starts_with("heavy")), "{top:?}");
    }

    #[test]
    fn a_summary_survives_its_json_form() {
        let mut t: TopK<u64> = TopK::new(3);
        for k in ["a", "b", "a", "c", "d", "a"] {
            *t.add(k, 1) += 1;
        }
        let json = serde_json::to_string(&t).unwrap();
        let back: TopK<u64> = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert!(!back.exact());
        let mut again = back;
        again.add("e", 1);
        assert_eq!(again.len(), 3);
        assert!(serde_json::from_str::<TopK<()>>(
            r#"{"cap":2,"total":2,"evicted":false,"entries":[["a",1,0,null],["a",1,0,null]]}"#
        )
        .is_err());
    }
}
