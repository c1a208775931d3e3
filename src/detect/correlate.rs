//! Correlation state on event time: sliding windows per (correlation, group) that count
//! events, distinct values, or rules seen (in any order or in order).
//!
//! Time is the events' `@timestamp`, never the wall clock, so an archive replays as it
//! happened. Memory is bounded: a window keeps no more entries than its condition needs
//! (at most `MAX_WINDOW`), groups idle longer than their timespan are swept, and past
//! `max_groups` the least recently active groups are dropped (and counted).

use super::rules::{Corr, MAX_WINDOW};
use rsigma_parser::CorrelationType;
use std::collections::hash_map;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Where a triggering event is: input file and line, and `event.id` when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub file: Arc<str>,
    pub line: u64,
    pub id: Option<Box<str>>,
}

/// One event's contribution to one correlation step.
#[derive(Debug, Clone)]
pub struct Hit {
    pub corr: usize,
    pub step: usize,
    pub key: Box<[Box<str>]>,
    pub value: Option<Box<str>>,
    pub distinct: Box<[Option<Box<str>>]>,
}

/// A correlation whose condition became true.
#[derive(Debug)]
pub struct Fired {
    pub corr: usize,
    pub key: Box<[Box<str>]>,
    pub first: i64,
    pub last: i64,
    /// Events in the window.
    pub count: u64,
    /// Distinct values of the counted field (`value_count`).
    pub distinct: Option<u64>,
    /// Distinct values of each field the reason asks for.
    pub extra_distinct: Vec<u64>,
    /// The first and last few triggering events.
    pub refs: Vec<Ref>,
    pub refs_omitted: u64,
}

impl Fired {
    fn one(corr: usize, key: Box<[Box<str>]>, ts: i64, r: &Ref) -> Fired {
        Fired {
            corr,
            key,
            first: ts,
            last: ts,
            count: 1,
            distinct: None,
            extra_distinct: Vec::new(),
            refs: vec![r.clone()],
            refs_omitted: 0,
        }
    }
}

struct Entry {
    ts: i64,
    /// How many events it stands for (`logward.repeat.count` of a repeated message).
    weight: u64,
    r: Ref,
    value: Option<Box<str>>,
    distinct: Box<[Option<Box<str>>]>,
}

enum State {
    /// event_count and value_count: the window's entries (and value counts).
    Window { entries: VecDeque<Entry>, values: HashMap<Box<str>, u32>, total: u64 },
    /// temporal: the latest hit of each step.
    Temporal { last: Vec<Option<(i64, Ref)>> },
    /// temporal_ordered: for each step, the chain of hits completing steps 0..=step.
    Ordered { chains: Vec<Option<Vec<(i64, Ref)>>> },
}

struct Group {
    state: State,
    last_seen: i64,
}

/// A correlation (by index) and the values of its group-by fields.
type GroupKey = (usize, Box<[Box<str>]>);

pub struct Correlator {
    groups: HashMap<GroupKey, Group>,
    /// The latest event time seen (the sweep's notion of "now").
    watermark: i64,
    hits_since_sweep: u64,
    max_groups: usize,
    pub evicted: u64,
}

const REFS_KEPT: usize = 5;
const SWEEP_EVERY: u64 = 16_384;

impl Correlator {
    pub fn new(max_groups: usize) -> Correlator {
        Correlator {
            groups: HashMap::new(),
            watermark: i64::MIN,
            hits_since_sweep: 0,
            max_groups: max_groups.max(1),
            evicted: 0,
        }
    }

    /// Adds one hit at event time `ts` standing for `weight` events (a repeated syslog
    /// message counts as often as it was repeated in event_count); returns what fired.
    pub fn add(&mut self, corrs: &[Corr], hit: Hit, ts: i64, weight: u64, r: &Ref) -> Option<Fired> {
        self.watermark = self.watermark.max(ts);
        self.hits_since_sweep += 1;
        if self.hits_since_sweep >= SWEEP_EVERY || self.groups.len() >= self.max_groups {
            self.sweep(corrs);
        }
        let c = &corrs[hit.corr];
        if c.first_seen {
            return self.first_seen(c, hit, ts, r);
        }
        let mut entry = match self.groups.entry((hit.corr, hit.key)) {
            hash_map::Entry::Occupied(e) => e,
            hash_map::Entry::Vacant(v) => v.insert_entry(Group { state: State::new(c), last_seen: ts }),
        };
        let group = entry.get_mut();
        group.last_seen = group.last_seen.max(ts);
        let fired = group.state.add(c, hit.step, ts, weight.max(1), r, hit.value, hit.distinct);
        let (first, last, count, distinct, extra_distinct, refs, refs_omitted) = fired?;
        // Fired: start over, so the next alert needs a full new window.
        let ((corr, key), _) = entry.remove_entry();
        Some(Fired { corr, key, first, last, count, distinct, extra_distinct, refs, refs_omitted })
    }

    /// A first-seen correlation fires when its group is new, or has been idle for longer
    /// than the timespan; the group then stays, quiet, while its events keep coming.
    fn first_seen(&mut self, c: &Corr, hit: Hit, ts: i64, r: &Ref) -> Option<Fired> {
        match self.groups.entry((hit.corr, hit.key)) {
            hash_map::Entry::Occupied(mut e) => {
                let g = e.get_mut();
                let fresh = g.last_seen.saturating_add(c.timespan) < ts;
                g.last_seen = g.last_seen.max(ts);
                if !fresh {
                    return None;
                }
                let key = e.key().1.clone();
                Some(Fired::one(hit.corr, key, ts, r))
            }
            hash_map::Entry::Vacant(v) => {
                let key = v.key().1.clone();
                v.insert(Group {
                    state: State::Window { entries: VecDeque::new(), values: HashMap::new(), total: 0 },
                    last_seen: ts,
                });
                Some(Fired::one(hit.corr, key, ts, r))
            }
        }
    }

    /// Drops groups idle for longer than their timespan; past `max_groups`, the least
    /// recently active.
    fn sweep(&mut self, corrs: &[Corr]) {
        self.hits_since_sweep = 0;
        let now = self.watermark;
        self.groups.retain(|(corr, _), g| g.last_seen.saturating_add(corrs[*corr].timespan) >= now);
        if self.groups.len() >= self.max_groups {
            let mut seen: Vec<i64> = self.groups.values().map(|g| g.last_seen).collect();
            let drop = (self.groups.len() - self.max_groups) + self.max_groups / 10 + 1;
            let nth = drop.min(seen.len() - 1);
            let cut = *seen.select_nth_unstable(nth).1;
            let before = self.groups.len();
            self.groups.retain(|_, g| g.last_seen > cut);
            self.evicted += (before - self.groups.len()) as u64;
        }
    }
}

type FiredParts = (i64, i64, u64, Option<u64>, Vec<u64>, Vec<Ref>, u64);

impl State {
    fn new(c: &Corr) -> State {
        match c.kind {
            CorrelationType::Temporal => State::Temporal { last: vec![None; c.steps.len()] },
            CorrelationType::TemporalOrdered => State::Ordered { chains: vec![None; c.steps.len()] },
            _ => State::Window { entries: VecDeque::new(), values: HashMap::new(), total: 0 },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        c: &Corr,
        step: usize,
        ts: i64,
        weight: u64,
        r: &Ref,
        value: Option<Box<str>>,
        distinct: Box<[Option<Box<str>>]>,
    ) -> Option<FiredParts> {
        let oldest = ts.saturating_sub(c.timespan);
        match self {
            State::Window { entries, values, total } => {
                let forget = |e: &Entry, values: &mut HashMap<Box<str>, u32>| {
                    if let Some(v) = &e.value {
                        if let Some(n) = values.get_mut(v) {
                            *n -= 1;
                            if *n == 0 {
                                values.remove(v);
                            }
                        }
                    }
                };
                while entries.front().is_some_and(|e| e.ts < oldest) {
                    let e = entries.pop_front().expect("front exists");
                    *total -= e.weight;
                    forget(&e, values);
                }
                let is_values = c.kind == CorrelationType::ValueCount;
                if is_values {
                    let Some(v) = &value else { return None };
                    *values.entry(v.clone()).or_default() += 1;
                }
                entries.push_back(Entry { ts, weight, r: r.clone(), value, distinct });
                *total += weight;
                // event_count needs no more events than its condition looks at (entries
                // whose weights add up to that); value_count keeps up to MAX_WINDOW entries
                // so repeated values do not push distinct ones out.
                let cap = if is_values { MAX_WINDOW } else { c.window_cap() };
                while entries.len() > MAX_WINDOW
                    || entries.front().is_some_and(|e| {
                        if is_values {
                            entries.len() > cap
                        } else {
                            *total - e.weight >= cap as u64
                        }
                    })
                {
                    let e = entries.pop_front().expect("over cap");
                    *total -= e.weight;
                    forget(&e, values);
                }
                let measure = if is_values { values.len() as u64 } else { *total };
                if !c.holds(measure) {
                    return None;
                }
                let first = entries.iter().map(|e| e.ts).min().unwrap_or(ts);
                let last = entries.iter().map(|e| e.ts).max().unwrap_or(ts);
                let n_extra = entries.front().map_or(0, |e| e.distinct.len());
                let extra_distinct = (0..n_extra)
                    .map(|k| {
                        let mut seen: Vec<&str> =
                            entries.iter().filter_map(|e| e.distinct.get(k).and_then(|v| v.as_deref())).collect();
                        seen.sort_unstable();
                        seen.dedup();
                        seen.len() as u64
                    })
                    .collect();
                let (refs, omitted) = sample_refs(entries.iter().map(|e| &e.r), entries.len());
                let count = if is_values { entries.len() as u64 } else { *total };
                Some((first, last, count, is_values.then_some(measure), extra_distinct, refs, omitted))
            }
            State::Temporal { last } => {
                last[step] = Some((ts, r.clone()));
                for slot in last.iter_mut() {
                    if slot.as_ref().is_some_and(|(t, _)| *t < oldest) {
                        *slot = None;
                    }
                }
                if last.iter().any(Option::is_none) {
                    return None;
                }
                let hits: Vec<&(i64, Ref)> = last.iter().flatten().collect();
                let first = hits.iter().map(|h| h.0).min().unwrap_or(ts);
                let end = hits.iter().map(|h| h.0).max().unwrap_or(ts);
                let refs = hits.iter().map(|h| h.1.clone()).collect();
                Some((first, end, hits.len() as u64, None, Vec::new(), refs, 0))
            }
            State::Ordered { chains } => {
                let extended = if step == 0 {
                    Some(vec![(ts, r.clone())])
                } else {
                    chains[step - 1].as_ref().filter(|ch| ch[0].0 >= oldest).map(|ch| {
                        let mut ch = ch.clone();
                        ch.push((ts, r.clone()));
                        ch
                    })
                };
                if let Some(ch) = extended {
                    chains[step] = Some(ch);
                }
                let done = chains.last().and_then(|c| c.as_ref())?;
                if done[0].0 < oldest {
                    return None;
                }
                let first = done[0].0;
                let refs = done.iter().map(|h| h.1.clone()).collect();
                Some((first, ts, done.len() as u64, None, Vec::new(), refs, 0))
            }
        }
    }
}

/// The first and last `REFS_KEPT` of `n` references.
fn sample_refs<'a>(refs: impl Iterator<Item = &'a Ref>, n: usize) -> (Vec<Ref>, u64) {
    if n <= 2 * REFS_KEPT {
        return (refs.cloned().collect(), 0);
    }
    let all: Vec<&Ref> = refs.collect();
    let mut out: Vec<Ref> = all[..REFS_KEPT].iter().map(|r| (*r).clone()).collect();
    out.extend(all[n - REFS_KEPT..].iter().map(|r| (*r).clone()));
    (out, (n - 2 * REFS_KEPT) as u64)
}
