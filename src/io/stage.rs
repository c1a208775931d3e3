//! The contract between the I/O layer and a line-oriented stage.

use super::input::Source;
use super::sink::Reject;

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
///
/// Work that must see records in input order (learning templates, say) goes through the
/// ordered pass: `process` leaves a mark (an output offset and a `Pending` value) and the
/// writer thread later calls `complete` with it, in input order, inserting its bytes at the
/// mark. Stages without such work use `()` and never mark.
pub trait Stage: Sync {
    type File: Send + Sync;
    type Seq: Clone + Send;
    type Pending: Send;
    type Ordered;

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
        out: &mut Output<Self::Pending>,
    ) -> Outcome;

    /// The state of the ordered pass, created once per run.
    fn ordered(&self) -> anyhow::Result<Self::Ordered>;

    /// Sees every mark of one chunk, in input order, before any of them is completed, so a
    /// stage can do its ordered work in batches (one model call per chunk, say).
    fn prepare(&self, _state: &mut Self::Ordered, _pending: Vec<&mut Self::Pending>) {}

    /// Completes one mark, in input order, writing the bytes that belong at it.
    fn complete(&self, _state: &mut Self::Ordered, _pending: Self::Pending, _out: &mut Vec<u8>) {}

    /// Called once after the last record (save learned state, write side reports); what it
    /// writes to `out` comes after every record (whole-input stages write here).
    fn finish(&self, _state: Self::Ordered, _out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        Ok(())
    }

    /// Sees each rejected line, in input order (stages that report on their input count them).
    fn rejected(&self, _state: &mut Self::Ordered, _reject: &Reject) {}

    /// Whether rejected lines may be echoed in errors (false once data must stay hidden).
    fn echo_rejected(&self) -> bool {
        true
    }
}

/// Where `process` writes: the records, and marks for the ordered pass.
pub struct Output<P> {
    pub bytes: Vec<u8>,
    pub marks: Vec<(usize, P)>,
}

impl<P> Output<P> {
    /// Asks the ordered pass to insert bytes at the current end of the output.
    pub fn mark(&mut self, pending: P) {
        self.marks.push((self.bytes.len(), pending));
    }
}
