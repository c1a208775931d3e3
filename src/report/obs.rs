//! What the report reads from one event: the values of a fixed set of fields, copied out of
//! the line by the validating JSON scanner (nested or dotted keys alike), so workers do the
//! parsing and the ordered pass only counts.

use crate::fasthash::{hash64, PathTable};
use crate::jsonscan::{self, Scalar};
use std::sync::OnceLock;

/// The fields the report reads. Array fields give one value per element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    Timestamp,
    Dataset,
    Kind,
    Category,
    Type,
    Action,
    Outcome,
    LogFile,
    SourceIp,
    DestIp,
    User,
    Process,
    Url,
    RuleId,
    RuleName,
    Level,
    Severity,
    Reason,
    Start,
    End,
    TechniqueId,
    TechniqueName,
    TacticName,
    ThreatType,
    Score,
    AnomalySeverity,
    Session,
    TemplateId,
    TemplatePattern,
    Message,
    Pid,
    ParentPid,
    ParentName,
    Entity,
    Host,
    TreeDepth,
    TreeFlags,
    Tags,
    WinChannel,
    WinEventId,
    LogonType,
    CountryIso,
    CountryName,
    AsNumber,
    AsOrg,
    Unknown,
    Explanation,
    SubtechniqueId,
    SubtechniqueName,
}

/// In the order of `F` (a test checks), so `F as usize` is a position here;
/// `url.path` stands in for `url.original` when only it is present.
const FIELDS: &[(&str, F)] = &[
    ("@timestamp", F::Timestamp),
    ("event.dataset", F::Dataset),
    ("event.kind", F::Kind),
    ("event.category", F::Category),
    ("event.type", F::Type),
    ("event.action", F::Action),
    ("event.outcome", F::Outcome),
    ("log.file.path", F::LogFile),
    ("source.ip", F::SourceIp),
    ("destination.ip", F::DestIp),
    ("user.name", F::User),
    ("process.name", F::Process),
    ("url.original", F::Url),
    ("rule.id", F::RuleId),
    ("rule.name", F::RuleName),
    ("logward.detect.level", F::Level),
    ("event.severity", F::Severity),
    ("logward.detect.reason", F::Reason),
    ("event.start", F::Start),
    ("event.end", F::End),
    ("threat.technique.id", F::TechniqueId),
    ("threat.technique.name", F::TechniqueName),
    ("threat.tactic.name", F::TacticName),
    ("logward.threat_type", F::ThreatType),
    ("logward.anomaly.score", F::Score),
    ("logward.anomaly.severity", F::AnomalySeverity),
    ("logward.anomaly.session", F::Session),
    ("logward.template.id", F::TemplateId),
    ("logward.template.pattern", F::TemplatePattern),
    ("message", F::Message),
    ("process.pid", F::Pid),
    ("process.parent.pid", F::ParentPid),
    ("process.parent.name", F::ParentName),
    ("process.entity_id", F::Entity),
    ("host.name", F::Host),
    ("logward.tree.depth", F::TreeDepth),
    ("logward.tree.flags", F::TreeFlags),
    ("tags", F::Tags),
    ("winlog.channel", F::WinChannel),
    ("winlog.event_id", F::WinEventId),
    ("winlog.event_data.LogonType", F::LogonType),
    ("source.geo.country_iso_code", F::CountryIso),
    ("source.geo.country_name", F::CountryName),
    ("source.as.number", F::AsNumber),
    ("source.as.organization.name", F::AsOrg),
    ("logward.anomaly.unknown", F::Unknown),
    ("logward.anomaly.explanation", F::Explanation),
    ("threat.technique.subtechnique.id", F::SubtechniqueId),
    ("threat.technique.subtechnique.name", F::SubtechniqueName),
];

/// `url.path` is read into the `Url` slot only when `url.original` is absent.
const URL_PATH: u16 = 0xfff0;

fn field_index() -> &'static PathTable {
    static INDEX: OnceLock<PathTable> = OnceLock::new();
    // A class is a position in FIELDS, plus one (0 = not read).
    INDEX.get_or_init(|| {
        PathTable::new(
            FIELDS.iter().enumerate().map(|(i, &(name, _))| (name, i as u16 + 1)).chain([("url.path", URL_PATH)]),
        )
    })
}

/// One event's values, in one buffer.
#[derive(Debug)]
pub struct Obs {
    buf: String,
    vals: Vec<(F, u32, u32)>,
    /// Position in `vals` of each field's first value, plus one (0: absent).
    first: [u16; FIELDS.len()],
    /// Hash of the whole line, for exact-duplicate counting.
    pub hash: u64,
    /// Which input file of this run the line came from.
    pub file: u32,
}

impl Obs {
    /// Reads one NDJSON line; errors name a byte position, never the content.
    pub fn read(line: &str, file: u32, scratch: &mut Vec<Scalar>) -> Result<Obs, String> {
        let index = field_index();
        scratch.clear();
        jsonscan::scan(line, &mut |path| index.get(path), scratch)?;
        let url_class = F::Url as u16 + 1;
        let (mut has_url, mut bytes, mut count) = (false, 0, 0);
        for s in scratch.iter().filter(|s| s.class != 0) {
            has_url |= s.class == url_class;
            bytes += s.span.len();
            count += 1;
        }
        let mut obs = Obs {
            buf: String::with_capacity(bytes),
            vals: Vec::with_capacity(count),
            first: [0; FIELDS.len()],
            hash: hash64(line.trim().as_bytes()),
            file,
        };
        for s in scratch.iter().filter(|s| s.class != 0) {
            let f = match s.class {
                URL_PATH if has_url => continue,
                URL_PATH => F::Url,
                c => FIELDS[c as usize - 1].1,
            };
            let start = obs.buf.len() as u32;
            obs.buf.push_str(&s.text(line).ok_or("invalid escape in a JSON string")?);
            if obs.first[f as usize] == 0 && obs.vals.len() < u16::MAX as usize {
                obs.first[f as usize] = obs.vals.len() as u16 + 1;
            }
            obs.vals.push((f, start, obs.buf.len() as u32));
        }
        // The scan lists no `true`/`false`; `logward.anomaly.unknown` is one, so a scored line
        // that mentions it is read again for its literals (rare: those lines only).
        if obs.has(F::Score) && !obs.has(F::Unknown) && memchr::memmem::find(line.as_bytes(), b"unknown").is_some() {
            let mut found = false;
            scratch.clear();
            jsonscan::scan_leaves(line, &mut |path| u16::from(path == "logward.anomaly.unknown"), scratch)?;
            for s in scratch.iter().filter(|s| s.class == 1 && !s.string) {
                found |= &line[s.span.clone()] == "true";
            }
            if found {
                let start = obs.buf.len() as u32;
                obs.buf.push_str("true");
                obs.first[F::Unknown as usize] = obs.vals.len() as u16 + 1;
                obs.vals.push((F::Unknown, start, obs.buf.len() as u32));
            }
        }
        Ok(obs)
    }

    /// The first value of `f`.
    pub fn get(&self, f: F) -> Option<&str> {
        match self.first[f as usize] {
            0 => None,
            i => self.vals.get(i as usize - 1).map(|&(_, a, b)| &self.buf[a as usize..b as usize]),
        }
    }

    /// Every value of `f` (array elements in order).
    pub fn all(&self, f: F) -> impl Iterator<Item = &str> {
        self.vals.iter().filter(move |v| v.0 == f).map(|&(_, a, b)| &self.buf[a as usize..b as usize])
    }

    pub fn has(&self, f: F) -> bool {
        self.first[f as usize] != 0
    }

    pub fn num(&self, f: F) -> Option<f64> {
        self.get(f).and_then(|v| v.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_dotted_and_array_fields() {
        let line = r#"{"@timestamp":"2024-01-01T00:00:00Z","event":{"category":["authentication","session"],"outcome":"failure"},"source.ip":"203.0.113.9","user":{"name":"al\"ice"},"url":{"path":"/x"},"other":1}"#;
        let o = Obs::read(line, 3, &mut Vec::new()).unwrap();
        assert_eq!(o.all(F::Category).collect::<Vec<_>>(), ["authentication", "session"]);
        assert_eq!(o.get(F::SourceIp), Some("203.0.113.9"));
        assert_eq!(o.get(F::User), Some("al\"ice"));
        assert_eq!(o.get(F::Url), Some("/x"));
        assert_eq!(o.file, 3);
        assert!(!o.has(F::Dataset));
    }

    #[test]
    fn reads_the_unknown_flag_as_a_literal_or_a_string() {
        for line in [
            r#"{"logward":{"anomaly":{"score":3.5,"unknown":true}}}"#,
            r#"{"logward.anomaly.score":3.5,"logward.anomaly.unknown":"true"}"#,
        ] {
            assert_eq!(Obs::read(line, 0, &mut Vec::new()).unwrap().get(F::Unknown), Some("true"), "{line}");
        }
        for line in [
            r#"{"logward":{"anomaly":{"score":3.5,"unknown":false}}}"#,
            r#"{"logward":{"anomaly":{"score":3.5}},"x":{"unknown":true}}"#,
        ] {
            assert_eq!(Obs::read(line, 0, &mut Vec::new()).unwrap().get(F::Unknown), None, "{line}");
        }
    }

    #[test]
    fn fields_follow_the_order_of_f() {
        assert!(FIELDS.iter().enumerate().all(|(i, &(_, f))| f as usize == i));
    }

    #[test]
    fn url_original_wins_over_url_path() {
        let o = Obs::read(r#"{"url":{"path":"/a","original":"/a?q=1"}}"#, 0, &mut Vec::new()).unwrap();
        assert_eq!(o.all(F::Url).collect::<Vec<_>>(), ["/a?q=1"]);
    }

    #[test]
    fn rejects_what_is_not_an_object() {
        assert!(Obs::read("[1,2]", 0, &mut Vec::new()).is_err());
        assert!(Obs::read(r#"{"a":}"#, 0, &mut Vec::new()).is_err());
    }
}
