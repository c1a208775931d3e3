//! `--risk-report`: what was found and replaced, which fields were read and how sensitive
//! they are, whether any original survived in its event's output, and how many events are
//! still unique on a quasi-identifier set.

use super::policy::Category;
use super::shift::TimeShift;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What one event contributes (built on a worker, folded in input order).
#[derive(Default)]
pub struct EventRisk {
    pub found: Vec<(Category, String)>,
    /// Originals (of 3 characters or more) still present in the event's output.
    pub leaks: Vec<Category>,
    pub fields: Vec<(String, Category)>,
    /// Hash of the event's quasi-identifier values after anonymization, if it has any.
    pub quasi: Option<u64>,
    /// The kind of each secret removed and identifier format replaced.
    pub kinds: Vec<&'static str>,
    /// Tokens no rule knows that look like secrets: path, offset, length, entropy.
    pub suspicious: Vec<(String, u32, u32, f32)>,
}

#[derive(Default)]
pub struct RiskState {
    events: u64,
    replaced: BTreeMap<Category, u64>,
    distinct: BTreeMap<Category, HashSet<u64>>,
    leaks: BTreeMap<Category, u64>,
    fields: BTreeMap<String, (Category, u64)>,
    quasi: HashMap<u64, u64>,
    events_with_quasi: u64,
    /// Distinct originals of 3 characters or more, for the whole-output check.
    originals: HashMap<String, Category>,
    originals_overflow: bool,
    whole_output: Option<WholeOutput>,
    kinds: BTreeMap<&'static str, u64>,
    suspicious_total: u64,
    suspicious_fields: BTreeMap<String, u64>,
    /// The first `MAX_POSITIONS`: event number (from 1), field, offset, length, entropy.
    suspicious: Vec<(u64, String, u32, u32, f32)>,
}

const MAX_POSITIONS: usize = 1000;

/// The replaced originals searched for in the whole output file.
pub struct WholeOutput {
    pub occurrences: BTreeMap<Category, u64>,
    pub distinct: usize,
    pub examples: usize,
}

const MAX_ORIGINALS: usize = 2_000_000;

fn hash(s: &str) -> u64 {
    crate::fasthash::hash64(s.as_bytes())
}

impl RiskState {
    pub fn add(&mut self, e: EventRisk) {
        self.events += 1;
        for kind in e.kinds {
            *self.kinds.entry(kind).or_default() += 1;
        }
        for (path, offset, len, entropy) in e.suspicious {
            self.suspicious_total += 1;
            *self.suspicious_fields.entry(path.clone()).or_default() += 1;
            if self.suspicious.len() < MAX_POSITIONS {
                self.suspicious.push((self.events, path, offset, len, entropy));
            }
        }
        for (cat, original) in e.found {
            *self.replaced.entry(cat).or_default() += 1;
            self.distinct.entry(cat).or_default().insert(hash(&original));
            if original.len() >= 3 && !self.originals.contains_key(&original) {
                if self.originals.len() < MAX_ORIGINALS {
                    self.originals.insert(original, cat);
                } else {
                    self.originals_overflow = true;
                }
            }
        }
        for cat in e.leaks {
            *self.leaks.entry(cat).or_default() += 1;
        }
        for (path, cat) in e.fields {
            self.fields.entry(path).or_insert((cat, 0)).1 += 1;
        }
        if let Some(q) = e.quasi {
            self.events_with_quasi += 1;
            *self.quasi.entry(q).or_default() += 1;
        }
    }

    pub fn leak_count(&self) -> u64 {
        self.leaks.values().sum::<u64>() + self.whole_output.as_ref().map_or(0, |w| w.occurrences.values().sum())
    }

    /// Searches every replaced original (as a whole token) in the finished output file.
    pub fn check_output(&mut self, path: &std::path::Path) -> anyhow::Result<()> {
        if self.originals_overflow {
            return Ok(());
        }
        let (patterns, cats): (Vec<&String>, Vec<Category>) = self.originals.iter().map(|(o, c)| (o, *c)).unzip();
        let mut w = WholeOutput { occurrences: BTreeMap::new(), distinct: 0, examples: 0 };
        if !patterns.is_empty() {
            let ac = aho_corasick::AhoCorasick::new(&patterns)?;
            let text = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("cannot read '{}' back for the leak check: {e}", path.display()))?;
            let mut seen = std::collections::HashSet::new();
            for m in ac.find_overlapping_iter(&text) {
                if super::text::is_token(&text, m.start(), m.end()) {
                    *w.occurrences.entry(cats[m.pattern().as_usize()]).or_default() += 1;
                    seen.insert(m.pattern());
                }
            }
            w.distinct = seen.len();
            w.examples = patterns.len();
        }
        self.whole_output = Some(w);
        Ok(())
    }

    /// The JSON report. `quasi_identifiers` names the set used for singling out.
    pub fn report(&self, quasi_identifiers: &[String], domain: &str, time: &TimeShift) -> Value {
        let categories: BTreeMap<&str, Value> = Category::ALL
            .iter()
            .filter(|c| !matches!(c, Category::Text | Category::Keep))
            .map(|c| {
                (
                    c.name(),
                    json!({
                        "replaced": self.replaced.get(c).copied().unwrap_or(0),
                        "distinct_values": self.distinct.get(c).map_or(0, |s| s.len()),
                        "residual_leaks": self.leaks.get(c).copied().unwrap_or(0)
                            + self.whole_output.as_ref().and_then(|w| w.occurrences.get(c).copied()).unwrap_or(0),
                        "reversible": c.reversible(),
                        "method": method(*c),
                    }),
                )
            })
            .collect();
        let fields: BTreeMap<&str, Value> = self
            .fields
            .iter()
            .map(|(path, (cat, n))| {
                let class = if quasi_identifiers.iter().any(|q| q.split('/').next() == Some(path.as_str()))
                    && *cat == Category::Keep
                {
                    "quasi-identifier"
                } else {
                    cat.sensitivity()
                };
                (path.as_str(), json!({"category": cat.name(), "class": class, "events": n}))
            })
            .collect();
        let unique = self.quasi.values().filter(|n| **n == 1).count() as u64;
        let smallest_k = self.quasi.values().min().copied();
        json!({
            "events": self.events,
            "categories": categories,
            "fields": fields,
            "residual_leaks": {
                "total": self.leak_count(),
                "in_own_event": self.leaks.values().sum::<u64>(),
                "in_whole_output": self.whole_output.as_ref().map(|w| json!({
                    "occurrences": w.occurrences.values().sum::<u64>(),
                    "distinct_originals_found": w.distinct,
                    "originals_searched": w.examples,
                })),
                "scope": match (&self.whole_output, self.originals_overflow) {
                    (Some(_), _) => "every replaced value of 3 characters or more, as a whole token, in its own event and in the whole output file",
                    (None, true) => "each event's replaced values in its own output line (more than 2,000,000 distinct values: the whole-output search was skipped)",
                    (None, false) => "each event's replaced values in its own output line (the whole output is searched only when it goes to a file, -o FILE)",
                },
            },
            "by_kind": self.kinds,
            "unknown_high_entropy": {
                "explanation": "tokens no rule recognized that look like secrets (20+ characters of a token alphabet, upper and lower case and digits, 3.7-4 bits of entropy per character or more); positions only, never the text: check these fields",
                "total": self.suspicious_total,
                "by_field": self.suspicious_fields,
                "positions": self.suspicious.iter().map(|(event, field, offset, len, entropy)| json!({
                    "event": event, "field": field, "offset": offset, "length": len,
                    "entropy": (*entropy as f64 * 100.0).round() / 100.0,
                })).collect::<Vec<_>>(),
                "positions_listed": self.suspicious.len(),
            },
            "singling_out": {
                "quasi_identifiers": quasi_identifiers,
                "events_with_quasi_identifiers": self.events_with_quasi,
                "equivalence_classes": self.quasi.len(),
                "unique_events": unique,
                "unique_share": if self.events_with_quasi == 0 { 0.0 } else { unique as f64 / self.events_with_quasi as f64 },
                "smallest_k": smallest_k,
            },
            "gdpr": {
                "status": "pseudonymized",
                "explanation": gdpr_text(),
                "key_domain": if domain.is_empty() { Value::Null } else { json!(domain) },
                "time_shifted_weeks": time.weeks,
                "time_jitter_seconds": time.jitter_ms as f64 / 1000.0,
            },
            "one_way": if time.jitter_ms > 0 { json!(["secret", "time (jitter)"]) } else { json!(["secret"]) },
        })
    }

    /// A few lines for stderr.
    pub fn summary(&self, quasi_identifiers: &[String]) -> String {
        let mut s = format!("logward anonymize: risk report: {} events\n", self.events);
        for (cat, n) in &self.replaced {
            s.push_str(&format!(
                "  {:<11} {:>9} replaced, {:>7} distinct\n",
                cat.name(),
                n,
                self.distinct.get(cat).map_or(0, |d| d.len())
            ));
        }
        if !self.kinds.is_empty() {
            let kinds: Vec<String> = self.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            s.push_str(&format!("  by kind: {}\n", kinds.join(", ")));
        }
        if self.suspicious_total > 0 {
            s.push_str(&format!(
                "  unknown high-entropy tokens left: {} in {} field(s) (positions in the report)\n",
                self.suspicious_total,
                self.suspicious_fields.len()
            ));
        }
        let scope = if self.whole_output.is_some() {
            "searched in each event and in the whole output file"
        } else {
            "searched in each event; in the whole output too with -o FILE"
        };
        s.push_str(&format!("  residual leaks: {} ({scope})\n", self.leak_count()));
        if self.events_with_quasi > 0 {
            let unique = self.quasi.values().filter(|n| **n == 1).count();
            s.push_str(&format!(
                "  singling out on {}: {} of {} events unique ({:.1}%), smallest k = {}\n",
                quasi_identifiers.join(" + "),
                unique,
                self.events_with_quasi,
                100.0 * unique as f64 / self.events_with_quasi as f64,
                self.quasi.values().min().copied().unwrap_or(0)
            ));
        }
        s.push_str("  status: pseudonymized data, still personal data under the GDPR (see the report)\n");
        s
    }
}

fn method(c: Category) -> &'static str {
    match c {
        Category::Ip => "ipcrypt-pfx prefix-preserving encryption, address class kept",
        Category::Mac => "vendor prefix kept, NIC part FF1 (radix 16)",
        Category::Email => "user and domain pseudonyms",
        Category::Domain => "labels same-shape FF1, public suffix kept",
        Category::Host => "labels same-shape FF1",
        Category::User => "same-shape FF1, allowlisted accounts kept",
        Category::Person => "same-shape FF1",
        Category::Url => "userinfo, host, identifying query values and path segments",
        Category::NumericId => "FF1 over the digits, same length",
        Category::Card => "FF1 between issuer prefix and Luhn digit, Luhn recomputed",
        Category::Iban => "country kept, BBAN FF1 (letters and digits), check digits recomputed",
        Category::Phone => "country code kept, the other digits FF1",
        Category::NationalId => "the format kept (SSN, NINO, DNI/NIE, codice fiscale, HETU, personnummer, NIR, RRN), free digits FF1, check recomputed",
        Category::Secret => "removed: [REDACTED:<type>]",
        Category::Time => "shifted by a keyed whole number of weeks; --jitter adds a keyed order-keeping offset",
        Category::Text | Category::Keep => "",
    }
}

fn gdpr_text() -> &'static str {
    "The output is pseudonymized (GDPR Art. 4(5)): whoever holds the key can restore the \
     originals, so it remains personal data (Recital 26) and needs the same lawful basis, \
     security and records as the input. It would become anonymous only if re-identification \
     were no longer reasonably likely: the key destroyed (or never held by the recipient) AND \
     the singling-out, linkability and inference risks addressed (Article 29 WP Opinion \
     05/2014), e.g. by generalizing quasi-identifiers until every equivalence class has k \
     events or more, dropping free text, and coarsening timestamps."
}
