//! Running one logsource's compiled rules on an event, remembering the outcome for
//! events that agree on every field those rules read.
//!
//! Logs repeat themselves: the fields a rule pack tests (action, outcome, status, method,
//! path, user agent, user) take far fewer combinations than there are events, and the
//! Sigma engine costs more per event than everything else `detect` does. A rule's outcome
//! is a function of the values it reads, so events with the same values get the same
//! matches; each worker keeps a bounded table of recent outcomes, and stops consulting it
//! while it rarely helps (logs where those values are mostly unique).

use super::mapping::Gate;
use super::rules::INDEX_ATTR;
use super::view::View;
use rsigma_eval::{CompiledDetection, CompiledMatcher, CompiledRule, Engine, Event, EventValue};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Outcomes kept per engine and worker before the table starts over.
const MEMO_ENTRIES: usize = 8192;
/// Events whose values take more than this many bytes are not remembered (Windows events'
/// command lines and hashes take a few hundred).
const MEMO_KEY_MAX: usize = 4096;
/// The key bytes a table holds before it starts over, which bounds its memory (about 4 MB).
const MEMO_BYTES: usize = 4 << 20;
/// Lookups per judgement of whether the table pays, and the share of hits it needs.
const MEMO_WINDOW: u32 = 4096;
const MEMO_MIN_HITS: u32 = MEMO_WINDOW / 4;
/// Windows to go without the table after one where it did not pay.
const MEMO_REST: u32 = 8;

/// One matching rule: its index in the rule set and the fields it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub rule: usize,
    pub matched: Vec<(String, Value)>,
}

/// What the rules of one engine read from an event.
#[derive(Debug, PartialEq)]
struct Reads {
    fields: Vec<String>,
    /// Keyword detections search the event's text.
    keywords: bool,
}

pub struct RuleEngine {
    pub gate: Option<Gate>,
    engine: Engine,
    /// What `engine`'s rules read; `None`: its outcomes are never reused.
    reads: Option<Reads>,
    /// Rules that read the event in a way not listed (field references, placeholders, array
    /// scopes), kept apart so the others' outcomes can still be reused; always evaluated.
    rest: Option<Engine>,
    /// Whether an event passed the gate (for the summary of rules that never ran).
    pub seen: AtomicBool,
}

impl RuleEngine {
    pub fn new(gate: Option<Gate>, engine: Engine) -> RuleEngine {
        let (own, other): (Vec<&CompiledRule>, Vec<&CompiledRule>) =
            engine.rules().iter().partition(|r| reads_of(std::slice::from_ref(*r)).is_some());
        let (engine, reads, rest) = if other.is_empty() {
            let reads = reads_of(engine.rules());
            (engine, reads, None)
        } else if own.is_empty() {
            (engine, None, None)
        } else {
            let split = |rules: Vec<&CompiledRule>| {
                let mut e = Engine::new();
                e.extend_compiled_rules(rules.into_iter().cloned());
                e
            };
            let own = split(own);
            let reads = reads_of(own.rules());
            (own, reads, Some(split(other)))
        };
        RuleEngine { gate, engine, reads, rest, seen: AtomicBool::new(false) }
    }

    /// Notes that an event passed the gate (a read, and a write only the first time).
    pub fn mark_seen(&self) {
        if !self.seen.load(Ordering::Relaxed) {
            self.seen.store(true, Ordering::Relaxed);
        }
    }

    /// How many fields the outcome table is keyed by (`None`: outcomes are never reused).
    pub fn memo_fields(&self) -> Option<usize> {
        self.reads.as_ref().map(|r| r.fields.len() + r.keywords as usize)
    }

    pub fn rule_count(&self) -> usize {
        self.engine.rule_count() + self.rest.as_ref().map_or(0, |e| e.rule_count())
    }

    /// The rules of this engine that match `ev`, in rule order.
    /// `table` is this engine's table of remembered outcomes in the calling worker.
    pub fn matches(&self, ev: &View<'_>, table: &mut Outcomes) -> Arc<[Match]> {
        let own = self.own_matches(ev, table);
        let Some(rest) = &self.rest else { return own };
        let other = evaluate(rest, ev);
        if other.is_empty() {
            return own;
        }
        let mut all: Vec<Match> = own.iter().cloned().chain(other.iter().cloned()).collect();
        all.sort_by_key(|m| m.rule);
        all.into()
    }

    fn own_matches(&self, ev: &View<'_>, table: &mut Outcomes) -> Arc<[Match]> {
        let Some(reads) = &self.reads else { return self.evaluate(ev) };
        {
            if table.resting > 0 {
                table.count_rest();
                return self.evaluate(ev);
            }
            let mut key = std::mem::take(&mut table.key);
            key.clear();
            if !outcome_key(reads, ev, &mut key) || key.len() > MEMO_KEY_MAX {
                table.key = key;
                return self.evaluate(ev);
            }
            table.lookups += 1;
            let found = table.outcomes.get(key.as_slice()).cloned();
            let result = match found {
                Some(r) => {
                    table.hits += 1;
                    table.key = key;
                    r
                }
                None => {
                    let r = self.evaluate(ev);
                    if table.outcomes.len() >= MEMO_ENTRIES || table.bytes + key.len() > MEMO_BYTES {
                        table.outcomes.clear();
                        table.bytes = 0;
                    }
                    table.bytes += key.len();
                    table.outcomes.insert(key.into_boxed_slice(), r.clone());
                    r
                }
            };
            table.judge();
            result
        }
    }

    fn evaluate(&self, ev: &View<'_>) -> Arc<[Match]> {
        evaluate(&self.engine, ev)
    }
}

fn evaluate(engine: &Engine, ev: &View<'_>) -> Arc<[Match]> {
    engine
        .evaluate(ev)
        .iter()
        .filter_map(|res| {
            let rule = res.header.custom_attributes.get(INDEX_ATTR).and_then(Value::as_u64)? as usize;
            let matched = res
                .as_detection()
                .map(|d| d.matched_fields.iter().map(|m| (m.field.clone(), m.value.clone())).collect())
                .unwrap_or_default();
            Some(Match { rule, matched })
        })
        .collect()
}

/// One worker's remembered outcomes of one engine.
#[derive(Default)]
pub struct Outcomes {
    /// Keyed by event values, so seeded (an attacker writes the logs), not FxHash.
    outcomes: HashMap<Box<[u8]>, Arc<[Match]>, foldhash::fast::RandomState>,
    /// Bytes of the keys in `outcomes`.
    bytes: usize,
    /// Scratch for building keys.
    key: Vec<u8>,
    lookups: u32,
    hits: u32,
    /// Events left to evaluate without the table.
    resting: u32,
}

impl Outcomes {
    fn judge(&mut self) {
        if self.lookups < MEMO_WINDOW {
            return;
        }
        if self.hits < MEMO_MIN_HITS {
            self.resting = MEMO_WINDOW * MEMO_REST;
            self.outcomes = HashMap::default();
            self.bytes = 0;
        }
        self.lookups = 0;
        self.hits = 0;
    }

    fn count_rest(&mut self) {
        self.resting -= 1;
    }
}

/// Writes the values `reads` names into `key`, each tagged with its type and length so
/// that different values never give the same key. False when the event cannot be keyed
/// (an object-valued field, or keyword rules with no message to search).
fn outcome_key(reads: &Reads, ev: &View<'_>, key: &mut Vec<u8>) -> bool {
    for f in &reads.fields {
        if !push_value(ev.get_field(f).as_ref(), key) {
            return false;
        }
    }
    if reads.keywords {
        match ev.keyword_text() {
            Some(t) => push_str(t, key),
            None => return false,
        }
    }
    true
}

fn push_str(s: &str, key: &mut Vec<u8>) {
    key.push(1);
    key.extend_from_slice(&(s.len() as u64).to_le_bytes());
    key.extend_from_slice(s.as_bytes());
}

fn push_value(v: Option<&EventValue<'_>>, key: &mut Vec<u8>) -> bool {
    match v {
        None => key.push(0),
        Some(EventValue::Str(s)) => push_str(s, key),
        Some(EventValue::Int(i)) => {
            key.push(2);
            key.extend_from_slice(&i.to_le_bytes());
        }
        Some(EventValue::Float(f)) => {
            key.push(3);
            key.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Some(EventValue::Bool(b)) => key.push(4 + *b as u8),
        Some(EventValue::Null) => key.push(6),
        Some(EventValue::Array(items)) => {
            key.push(7);
            key.extend_from_slice(&(items.len() as u64).to_le_bytes());
            return items.iter().all(|v| push_value(Some(v), key));
        }
        Some(EventValue::Map(_)) => return false,
    }
    true
}

/// Every field the rules read, or `None` when some rule reads more than its own fields.
fn reads_of(rules: &[CompiledRule]) -> Option<Reads> {
    let mut reads = Reads { fields: Vec::new(), keywords: false };
    for r in rules {
        for d in r.detections.values() {
            if !detection_reads(d, &mut reads) {
                return None;
            }
        }
    }
    reads.fields.sort();
    reads.fields.dedup();
    Some(reads)
}

fn detection_reads(d: &CompiledDetection, reads: &mut Reads) -> bool {
    match d {
        CompiledDetection::AllOf(items) => items.iter().all(|item| {
            match &item.field {
                Some(f) => reads.fields.push(f.clone()),
                None => reads.keywords = true,
            }
            own_value_only(&item.matcher)
        }),
        CompiledDetection::AnyOf(ds) | CompiledDetection::And(ds) => ds.iter().all(|d| detection_reads(d, reads)),
        CompiledDetection::Keywords(m) => {
            reads.keywords = true;
            own_value_only(m)
        }
        _ => false,
    }
}

/// Whether a matcher looks at nothing but the value it is given.
fn own_value_only(m: &CompiledMatcher) -> bool {
    use CompiledMatcher as M;
    match m {
        M::Not(inner) => own_value_only(inner),
        M::AnyOf(ms) | M::AllOf(ms) => ms.iter().all(own_value_only),
        M::CaseInsensitiveGroup { children, .. } => children.iter().all(own_value_only),
        M::Exact { .. }
        | M::Contains { .. }
        | M::StartsWith { .. }
        | M::EndsWith { .. }
        | M::Regex(_)
        | M::AhoCorasickSet { .. }
        | M::RegexSetMatch { .. }
        | M::Cidr(_)
        | M::NumericEq(_)
        | M::NumericGt(_)
        | M::NumericGte(_)
        | M::NumericLt(_)
        | M::NumericLte(_)
        | M::Exists(_)
        | M::Null
        | M::BoolEq(_)
        | M::TimestampPart { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(yaml: &str) -> RuleEngine {
        let c = rsigma_parser::parse_sigma_yaml(yaml).expect("rules parse");
        let mut e = Engine::new();
        for (i, mut r) in c.rules.into_iter().enumerate() {
            r.custom_attributes.insert(INDEX_ATTR.into(), yaml_serde::Value::Number(i.into()));
            e.add_rule(&r).expect("rule compiles");
        }
        RuleEngine::new(None, e)
    }

    const RULES: &str = r#"
title: failed
logsource: {product: linux}
detection:
  selection:
    event.outcome: failure
    user.name: root
  condition: selection
---
title: status
logsource: {product: linux}
detection:
  selection:
    http.response.status_code: 401
  condition: selection
---
title: keyword
logsource: {product: linux}
detection:
  keywords:
    - 'NOT in sudoers'
  condition: keywords
"#;

    #[test]
    fn reads_are_the_fields_and_text_the_rules_test() {
        let e = engine(RULES);
        let reads = e.reads.as_ref().expect("every rule reads only its own fields");
        assert_eq!(reads.fields, ["event.outcome", "http.response.status_code", "user.name"]);
        assert!(reads.keywords);
        let fieldref = engine("title: r\nlogsource: {product: linux}\ndetection:\n  sel:\n    source.user|fieldref: user.name\n  condition: sel\n");
        assert!(fieldref.reads.is_none(), "a field reference reads another field");
        // Beside other rules, such a rule is kept apart and the others' outcomes reused.
        let mixed = engine(&format!("{RULES}---\ntitle: r\nlogsource: {{product: linux}}\ndetection:\n  sel:\n    source.user|fieldref: user.name\n  condition: sel\n"));
        assert_eq!(mixed.reads.as_ref().unwrap().fields, ["event.outcome", "http.response.status_code", "user.name"]);
        assert_eq!(mixed.rest.as_ref().unwrap().rule_count(), 1);
        let line = r#"{"event":{"outcome":"failure"},"user":{"name":"root"},"source":{"user":"root"},"message":"bob is NOT in sudoers"}"#;
        let mut t = Outcomes::default();
        for _ in 0..3 {
            let rules: Vec<usize> = mixed.matches(&View::parse(line).unwrap(), &mut t).iter().map(|m| m.rule).collect();
            assert_eq!(rules, [0, 2, 3]);
        }
    }

    /// Remembered outcomes are the engine's own, event after event, even for values that
    /// differ only in type (a string "401" against the number 401, null against absent).
    #[test]
    fn remembered_outcomes_equal_fresh_ones() {
        let e = engine(RULES);
        let lines = [
            r#"{"event":{"outcome":"failure"},"user":{"name":"root"},"message":"x"}"#,
            r#"{"event":{"outcome":"failure"},"user":{"name":"ROOT"},"message":"x"}"#,
            r#"{"event":{"outcome":"failure"},"user":{"name":"bob"},"message":"x"}"#,
            r#"{"http":{"response":{"status_code":401}},"message":"x"}"#,
            r#"{"http":{"response":{"status_code":"401"}},"message":"x"}"#,
            r#"{"http":{"response":{"status_code":"401 "}},"message":"x"}"#,
            r#"{"http":{"response":{"status_code":null}},"message":"x"}"#,
            r#"{"message":"x"}"#,
            r#"{"message":"bob is NOT in sudoers"}"#,
            r#"{"message":"bob is in sudoers"}"#,
            r#"{"user":{"name":"root"}}"#,
        ];
        let fresh: Vec<Arc<[Match]>> = lines.iter().map(|l| e.evaluate(&View::parse(l).unwrap())).collect();
        assert_eq!(fresh.iter().filter(|m| !m.is_empty()).count(), 5, "{fresh:?}");
        let mut t = Outcomes::default();
        for round in 0..3 {
            for (l, want) in lines.iter().zip(&fresh) {
                assert_eq!(&e.matches(&View::parse(l).unwrap(), &mut t), want, "round {round}: {l}");
            }
        }
        // Every line but the one without a message (keyword rules would search all of it)
        // is remembered; later rounds find them.
        assert_eq!(t.outcomes.len(), lines.len() - 1);
        assert_eq!(t.hits, 2 * (lines.len() as u32 - 1));
    }

    #[test]
    fn long_values_are_not_remembered() {
        let e = engine(RULES);
        let line = format!(r#"{{"user":{{"name":"{}"}},"message":"m"}}"#, "x".repeat(MEMO_KEY_MAX));
        let mut t = Outcomes::default();
        assert!(e.matches(&View::parse(&line).unwrap(), &mut t).is_empty());
        assert!(t.outcomes.is_empty() && t.lookups == 0);
    }

    #[test]
    fn the_table_rests_when_values_rarely_repeat() {
        let e = engine(RULES);
        let mut t = Outcomes::default();
        for i in 0..MEMO_WINDOW {
            let line = format!(r#"{{"user":{{"name":"u{i}"}},"message":"m"}}"#);
            e.matches(&View::parse(&line).unwrap(), &mut t);
        }
        assert_eq!(t.resting, MEMO_WINDOW * MEMO_REST);
        assert!(t.outcomes.is_empty());
    }
}
