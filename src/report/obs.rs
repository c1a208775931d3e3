//! What the report reads from one event: the values of a fixed set of fields, copied out of
//! the line by the validating JSON scanner (nested or dotted keys alike), so workers do the
//! parsing and the ordered pass only counts.

use crate::event::scan::{self, Scalar};
use crate::fasthash::{hash64, PathTable};
use crate::io::Reason;
use std::sync::OnceLock;

/// The fields the report reads. Array fields give one value per element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
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
    Repeat,
}

/// In the order of `Field` (a test checks), so `Field as usize` is a position here;
/// `url.path` stands in for `url.original` when only it is present.
const FIELDS: &[(&str, Field)] = &[
    ("@timestamp", Field::Timestamp),
    ("event.dataset", Field::Dataset),
    ("event.kind", Field::Kind),
    ("event.category", Field::Category),
    ("event.type", Field::Type),
    ("event.action", Field::Action),
    ("event.outcome", Field::Outcome),
    ("log.file.path", Field::LogFile),
    ("source.ip", Field::SourceIp),
    ("destination.ip", Field::DestIp),
    ("user.name", Field::User),
    ("process.name", Field::Process),
    ("url.original", Field::Url),
    ("rule.id", Field::RuleId),
    ("rule.name", Field::RuleName),
    ("logward.detect.level", Field::Level),
    ("event.severity", Field::Severity),
    ("logward.detect.reason", Field::Reason),
    ("event.start", Field::Start),
    ("event.end", Field::End),
    ("threat.technique.id", Field::TechniqueId),
    ("threat.technique.name", Field::TechniqueName),
    ("threat.tactic.name", Field::TacticName),
    ("logward.threat_type", Field::ThreatType),
    ("logward.anomaly.score", Field::Score),
    ("logward.anomaly.severity", Field::AnomalySeverity),
    ("logward.anomaly.session", Field::Session),
    ("logward.template.id", Field::TemplateId),
    ("logward.template.pattern", Field::TemplatePattern),
    ("message", Field::Message),
    ("process.pid", Field::Pid),
    ("process.parent.pid", Field::ParentPid),
    ("process.parent.name", Field::ParentName),
    ("process.entity_id", Field::Entity),
    ("host.name", Field::Host),
    ("logward.tree.depth", Field::TreeDepth),
    ("logward.tree.flags", Field::TreeFlags),
    ("tags", Field::Tags),
    ("winlog.channel", Field::WinChannel),
    ("winlog.event_id", Field::WinEventId),
    ("winlog.event_data.LogonType", Field::LogonType),
    ("source.geo.country_iso_code", Field::CountryIso),
    ("source.geo.country_name", Field::CountryName),
    ("source.as.number", Field::AsNumber),
    ("source.as.organization.name", Field::AsOrg),
    ("logward.anomaly.unknown", Field::Unknown),
    ("logward.anomaly.explanation", Field::Explanation),
    ("threat.technique.subtechnique.id", Field::SubtechniqueId),
    ("threat.technique.subtechnique.name", Field::SubtechniqueName),
    ("logward.repeat.count", Field::Repeat),
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

/// The paths that hold a field of FIELDS further down (`source`, `source.geo`, ...): the
/// scan reads no other object's members.
fn field_parents() -> &'static PathTable {
    static PARENTS: OnceLock<PathTable> = OnceLock::new();
    PARENTS.get_or_init(|| {
        let names = FIELDS.iter().map(|&(name, _)| name).chain(["url.path"]);
        let mut parents: Vec<&str> = names.flat_map(|n| n.match_indices('.').map(move |(i, _)| &n[..i])).collect();
        parents.sort_unstable();
        parents.dedup();
        PathTable::new(parents.into_iter().map(|p| (p, 1)))
    })
}

/// One event's values, in one buffer.
#[derive(Debug)]
pub struct Obs {
    buf: String,
    vals: Vec<(Field, u32, u32)>,
    /// Position in `vals` of each field's first value, plus one (0: absent).
    first: [u16; FIELDS.len()],
    /// Hash of the whole line, for exact-duplicate counting.
    pub hash: u64,
    /// Which input file of this run the line came from.
    pub file: u32,
}

impl Obs {
    /// Reads one NDJSON line; errors name a byte position, never the content.
    pub fn read(line: &str, file: u32, scratch: &mut Vec<Scalar<u16>>) -> Result<Obs, Reason> {
        let index = field_index();
        scratch.clear();
        let parents = field_parents();
        scan::scan_pruned(line, &mut |path| index.get(path), &|path| parents.get(path) != 0, scratch)?;
        let url_class = Field::Url as u16 + 1;
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
                URL_PATH => Field::Url,
                c => FIELDS[c as usize - 1].1,
            };
            let start = obs.buf.len() as u32;
            obs.buf.push_str(&s.text_or_reject(line)?);
            if obs.first[f as usize] == 0 && obs.vals.len() < u16::MAX as usize {
                obs.first[f as usize] = obs.vals.len() as u16 + 1;
            }
            obs.vals.push((f, start, obs.buf.len() as u32));
        }
        // The scan lists no `true`/`false`; `logward.anomaly.unknown` is one, so a scored line
        // that mentions it is read again for its literals (rare: those lines only).
        if obs.has(Field::Score)
            && !obs.has(Field::Unknown)
            && memchr::memmem::find(line.as_bytes(), b"unknown").is_some()
        {
            let mut found = false;
            scratch.clear();
            scan::scan_leaves(line, &mut |path| u16::from(path == "logward.anomaly.unknown"), scratch)?;
            for s in scratch.iter().filter(|s| s.class == 1 && !s.string) {
                found |= &line[s.span.clone()] == "true";
            }
            if found {
                let start = obs.buf.len() as u32;
                obs.buf.push_str("true");
                obs.first[Field::Unknown as usize] = obs.vals.len() as u16 + 1;
                obs.vals.push((Field::Unknown, start, obs.buf.len() as u32));
            }
        }
        Ok(obs)
    }

    /// The first value of `f`.
    pub fn get(&self, f: Field) -> Option<&str> {
        match self.first[f as usize] {
            0 => None,
            i => self.vals.get(i as usize - 1).map(|&(_, a, b)| &self.buf[a as usize..b as usize]),
        }
    }

    /// Every value of `f` (array elements in order).
    pub fn all(&self, f: Field) -> impl Iterator<Item = &str> {
        self.vals.iter().filter(move |v| v.0 == f).map(|&(_, a, b)| &self.buf[a as usize..b as usize])
    }

    pub fn has(&self, f: Field) -> bool {
        self.first[f as usize] != 0
    }

    pub fn num(&self, f: Field) -> Option<f64> {
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
        assert_eq!(o.all(Field::Category).collect::<Vec<_>>(), ["authentication", "session"]);
        assert_eq!(o.get(Field::SourceIp), Some("203.0.113.9"));
        assert_eq!(o.get(Field::User), Some("al\"ice"));
        assert_eq!(o.get(Field::Url), Some("/x"));
        assert_eq!(o.file, 3);
        assert!(!o.has(Field::Dataset));
    }

    #[test]
    fn reads_the_unknown_flag_as_a_literal_or_a_string() {
        for line in [
            r#"{"logward":{"anomaly":{"score":3.5,"unknown":true}}}"#,
            r#"{"logward.anomaly.score":3.5,"logward.anomaly.unknown":"true"}"#,
        ] {
            assert_eq!(Obs::read(line, 0, &mut Vec::new()).unwrap().get(Field::Unknown), Some("true"), "{line}");
        }
        for line in [
            r#"{"logward":{"anomaly":{"score":3.5,"unknown":false}}}"#,
            r#"{"logward":{"anomaly":{"score":3.5}},"x":{"unknown":true}}"#,
        ] {
            assert_eq!(Obs::read(line, 0, &mut Vec::new()).unwrap().get(Field::Unknown), None, "{line}");
        }
    }

    #[test]
    fn fields_follow_the_order_of_f() {
        assert!(FIELDS.iter().enumerate().all(|(i, &(_, f))| f as usize == i));
    }

    #[test]
    fn url_original_wins_over_url_path() {
        let o = Obs::read(r#"{"url":{"path":"/a","original":"/a?q=1"}}"#, 0, &mut Vec::new()).unwrap();
        assert_eq!(o.all(Field::Url).collect::<Vec<_>>(), ["/a?q=1"]);
    }

    #[test]
    fn rejects_what_is_not_an_object() {
        assert!(Obs::read("[1,2]", 0, &mut Vec::new()).is_err());
        assert!(Obs::read(r#"{"a":}"#, 0, &mut Vec::new()).is_err());
    }
}
