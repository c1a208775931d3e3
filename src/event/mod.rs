//! The one way to read and write events, shared by every stage.
//!
//! - [`scan`]: a validating scan of one NDJSON line that finds every value and its dotted
//!   field path (nested and dotted keys alike) without building a tree. Stages that read a
//!   known set of fields classify paths as they are found (anonymize, report, score,
//!   enrich); stages whose fields are open-ended read a [`View`] (detect, tree).
//! - [`View`]: a path → value lookup over one line: text, numbers, time, a tree on demand.
//! - [`timestamp`]: how every stage reads an event's time.
//! - [`edit`]: changes spliced into a line (a value replaced, a member added), every other
//!   byte kept as it was.
//! - [`flat`]: how parsers build events and write them as NDJSON.
//! - [`tree`]: `serde_json::Value` helpers for the few places that need a whole tree.
#![warn(missing_docs)]

pub mod edit;
pub mod flat;
pub mod scan;
pub mod tree;
pub mod view;

pub use flat::{write_str, FlatEvent, FlatWriter, Val};
pub use tree::{get, get_str, normalize, read_event, set};
pub use view::View;

use crate::time::{parse_iso, Timestamp, Zone};

/// An event's time from the text of its `@timestamp` (or another time field): RFC 3339 or
/// ISO 8601 with an offset (UTC when it has none), and nothing after it. `None` when the
/// text is not such a time.
pub fn timestamp(text: &str) -> Option<Timestamp> {
    parse_iso(text.as_bytes(), &Zone::Utc).filter(|&(_, used)| used == text.len()).map(|(t, _)| t)
}
