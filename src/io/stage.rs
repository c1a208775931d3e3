//! The contract between the I/O layer and a line-oriented stage.

use super::input::Source;

/// What happened to one input line.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// One or more records were written to the output.
    Emitted,
    /// The line carries no event by design (a blank line, a CSV header, a W3C directive).
    Skipped,
    /// The line could not be turned into an event; the reason is shown to the user.
    Rejected(String),
}

/// One decoded input line.
pub struct LineRef<'a> {
    pub text: &'a str,
    pub number: u64,
    /// The line was not valid UTF-8 and was decoded lossily (U+FFFD replacements).
    pub lossy: bool,
}

/// A stage that turns input lines into NDJSON records.
///
/// `File` is what the stage learns about a file from its first lines (e.g. its format);
/// `Seq` is the small state that depends on every earlier line of the same file (e.g. the
/// year of year-less syslog lines, the current W3C `#Fields:` header). The reader advances
/// `Seq` over every line so that each chunk can start from a snapshot on any thread.
pub trait Stage: Sync {
    type File: Send + Sync;
    type Seq: Clone + Send;

    /// Called once per file with up to its first 64 lines.
    fn open_file(&self, source: &Source, head: &[String]) -> (Self::File, Self::Seq);

    /// Updates the sequential state for one line (raw bytes, `\r` stripped). Must be cheap.
    fn advance(&self, _file: &Self::File, _seq: &mut Self::Seq, _line: &[u8]) {}

    /// Turns one line into output records appended to `out`. `seq` has already been
    /// advanced over this line.
    fn process(
        &self,
        file: &Self::File,
        seq: &Self::Seq,
        source: &Source,
        line: &LineRef<'_>,
        out: &mut Vec<u8>,
    ) -> Outcome;

    /// Whether rejected lines may be echoed in errors (false once data must stay hidden).
    fn echo_rejected(&self) -> bool {
        true
    }
}
