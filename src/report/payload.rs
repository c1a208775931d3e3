//! What the streaming pass keeps beside a count: the payloads of the Space-Saving counters
//! (per rule, user, source, host, address) and of the timeline's buckets. Each merges with
//! the payload of the same key from another part of the input (`report --merge`) without
//! depending on which part came first, except where noted.

use super::topk::Merge;
use serde::{Deserialize, Serialize};

/// Distinct values remembered per key (users of a source, sources of a user, techniques of
/// a rule, lists of an address): counted exactly up to this many.
pub const FEW: usize = 16;

pub fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Adds `v` to a short sorted set of at most [`FEW`] values.
pub fn add_few<T: Ord + Clone>(set: &mut Vec<T>, v: &T) {
    if let Err(at) = set.binary_search(v) {
        if set.len() < FEW {
            set.insert(at, v.clone());
        }
    }
}

fn union_few<T: Ord + Clone>(set: &mut Vec<T>, other: Vec<T>) {
    for v in &other {
        add_few(set, v);
    }
}

#[derive(Default, Serialize, Deserialize)]
pub struct Login {
    pub failures: u64,
    pub successes: u64,
}

impl Merge for Login {
    fn merge(&mut self, o: Login) {
        self.failures += o.failures;
        self.successes += o.successes;
    }
}

/// Authentication attempts of one user or one source.
#[derive(Default, Serialize, Deserialize)]
pub struct AuthStat {
    pub failures: u64,
    pub successes: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub first_failure: Option<i64>,
    pub last_success: Option<i64>,
    /// Hashes of the other side: users of a source, sources of a user.
    pub others: Vec<u64>,
}

impl AuthStat {
    #[cfg(test)]
    pub fn record(&mut self, failure: bool, at: Option<i64>, other: Option<u64>) {
        self.record_n(failure, at, other, 1);
    }

    /// [`Self::record`] for `n` attempts at once (a repeated syslog message).
    pub fn record_n(&mut self, failure: bool, at: Option<i64>, other: Option<u64>, n: u64) {
        if failure {
            self.failures += n;
            self.first_failure = min_opt(self.first_failure, at);
        } else {
            self.successes += n;
            self.last_success = self.last_success.max(at);
        }
        self.first = min_opt(self.first, at);
        self.last = self.last.max(at);
        if let Some(h) = other {
            add_few(&mut self.others, &h);
        }
    }

    /// A success at or after the first failure.
    pub fn success_after_failure(&self) -> bool {
        matches!((self.first_failure, self.last_success), (Some(f), Some(s)) if s >= f)
    }
}

impl Merge for AuthStat {
    fn merge(&mut self, o: AuthStat) {
        self.failures += o.failures;
        self.successes += o.successes;
        self.first = min_opt(self.first, o.first);
        self.last = self.last.max(o.last);
        self.first_failure = min_opt(self.first_failure, o.first_failure);
        self.last_success = self.last_success.max(o.last_success);
        union_few(&mut self.others, o.others);
    }
}

#[derive(Default, Serialize, Deserialize)]
pub struct HostStat {
    pub alerts: u64,
    pub failures: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Merge for HostStat {
    fn merge(&mut self, o: HostStat) {
        self.alerts += o.alerts;
        self.failures += o.failures;
        self.first = min_opt(self.first, o.first);
        self.last = self.last.max(o.last);
    }
}

/// What `enrich` said about a source address: its country and the IP lists it is on.
#[derive(Default, Serialize, Deserialize)]
pub struct SourceInfo {
    pub country: String,
    pub lists: Vec<String>,
}

impl Merge for SourceInfo {
    fn merge(&mut self, o: SourceInfo) {
        if !o.country.is_empty() && (o.country < self.country || self.country.is_empty()) {
            self.country = o.country;
        }
        union_few(&mut self.lists, o.lists);
    }
}

#[derive(Default, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub level: String,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// The example: the alert of this rule that started first (then the least reason), so
    /// which one is shown does not depend on the order alerts arrive in.
    pub example_at: Option<i64>,
    pub reason: String,
    /// ATT&CK technique ids of its alerts.
    #[serde(default)]
    pub techniques: Vec<String>,
}

impl Rule {
    /// Takes `name`, `level` and `reason` as the example when its alert started before the
    /// current example (alerts without a time come last; ties go to the least text).
    pub fn offer(&mut self, at: Option<i64>, name: &str, level: &str, reason: &str) {
        let key = |at: Option<i64>| at.unwrap_or(i64::MAX);
        let better = self.name.is_empty()
            || (key(at), reason, name, level) < (key(self.example_at), &*self.reason, &*self.name, &*self.level);
        if better {
            self.example_at = at;
            self.name = name.to_string();
            self.level = level.to_string();
            self.reason = reason.to_string();
        }
    }
}

impl Merge for Rule {
    fn merge(&mut self, o: Rule) {
        self.first = min_opt(self.first, o.first);
        self.last = self.last.max(o.last);
        if !o.name.is_empty() {
            self.offer(o.example_at, &o.name, &o.level, &o.reason);
        }
        union_few(&mut self.techniques, o.techniques);
    }
}

/// The first line rejected for a kind: where (`file:line`), and the reason given for it.
#[derive(Default, Serialize, Deserialize)]
pub struct RejectExample(pub String, pub String);

impl Merge for RejectExample {
    /// The first part's example stays: for a file split in order, the first line.
    fn merge(&mut self, o: RejectExample) {
        if self.0.is_empty() {
            self.0 = o.0;
            self.1 = o.1;
        }
    }
}

/// One timeline bucket.
#[derive(Default, Clone, Copy, Serialize, Deserialize)]
pub struct Counts {
    pub events: u64,
    pub alerts: u64,
    pub anomalies: u64,
    #[serde(default)]
    pub failures: u64,
    #[serde(default)]
    pub successes: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.events += o.events;
        self.alerts += o.alerts;
        self.anomalies += o.anomalies;
        self.failures += o.failures;
        self.successes += o.successes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_merge_in_any_order() {
        let a = || {
            let mut s = AuthStat::default();
            s.record(true, Some(10), Some(1));
            s.record(false, Some(30), Some(2));
            s
        };
        let b = || {
            let mut s = AuthStat::default();
            s.record(true, Some(5), Some(3));
            s
        };
        let (mut ab, mut ba) = (a(), b());
        ab.merge(b());
        ba.merge(a());
        assert_eq!(serde_json::to_string(&ab).unwrap(), serde_json::to_string(&ba).unwrap());
        assert_eq!(
            (ab.failures, ab.successes, ab.first, ab.last, ab.first_failure),
            (2, 1, Some(5), Some(30), Some(5))
        );
        assert!(ab.success_after_failure());
        let mut r = Rule::default();
        r.offer(Some(20), "brute", "high", "9 failures");
        r.offer(Some(10), "brute", "high", "8 failures");
        r.offer(None, "brute", "high", "0 failures");
        assert_eq!((r.reason.as_str(), r.example_at), ("8 failures", Some(10)));
        let mut set = Vec::new();
        for i in (0..40u64).rev() {
            add_few(&mut set, &i);
        }
        assert_eq!(set.len(), FEW);
    }
}
