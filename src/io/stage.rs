//! The two contracts between the I/O layer and a stage.
//!
//! - A [`LineStage`] reads raw lines with state per file (`parse`: a file's format, the year
//!   of year-less syslog lines, the current W3C header).
//! - An [`EventStage`] reads NDJSON events, one per line, with no state per file (every
//!   other stage). It is run through [`Events`], which makes it a line stage.
//!
//! Both run the same way (see [`super::pipeline`]): chunks of lines go to N worker threads,
//! each with its own [`LineStage::Worker`] state, and one thread writes their records in
//! input order. Work that must see records in input order (learning templates, correlation
//! windows, sessions, totals) goes through the *ordered pass*: [`Records::mark`] leaves a
//! pending value at an output offset, and the writing thread later calls `complete` with it,
//! in input order, inserting its bytes at the mark. Its state ([`LineStage::Ordered`]) is
//! given to the run by the caller and handed to `finish`, whose value the run returns.

use super::input::Source;
use super::reject::{Reason, Reject};
use std::sync::Arc;

/// What happened to one input line.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// One or more records were written to the output.
    Emitted,
    /// The line carries no event by design (a blank line, a CSV header, a W3C directive).
    Skipped,
    /// The line could not be turned into an event; the reason is shown to the user.
    Rejected(Reason),
    /// The line is one part of an event that spans lines (an audit record of a multi-record
    /// event): it left a mark, and the ordered pass writes the event once its group is
    /// complete (see [`LineStage::file_ended`] and [`LineStage::grouped_events`]).
    Grouped,
}

/// One decoded input line.
pub struct LineRef<'a> {
    /// The line without its line ending, lossily decoded when it was not valid UTF-8.
    pub text: &'a str,
    /// 1 for the first line of a file.
    pub number: u64,
    /// The line was not valid UTF-8 and was decoded lossily (U+FFFD replacements).
    pub lossy: bool,
}

/// Where a worker writes: the records, and marks for the ordered pass.
pub struct Records<P> {
    /// NDJSON records, each ending in a newline.
    pub bytes: Vec<u8>,
    /// Output offsets at which the ordered pass inserts bytes, with what it needs to do so.
    pub marks: Vec<(usize, P)>,
}

impl<P> Records<P> {
    /// Asks the ordered pass to insert bytes at the current end of the output.
    pub fn mark(&mut self, pending: P) {
        self.marks.push((self.bytes.len(), pending));
    }
}

/// A stage that turns raw input lines into NDJSON records, with state per file.
///
/// `File` is what the stage learns about a file from its first lines (its format, say);
/// `Seq` is the small state that depends on every earlier line of the same file (the year
/// of year-less syslog lines, the current W3C `#Fields:` header). The reader advances `Seq`
/// over every line, so that each chunk can start from a snapshot on any thread.
pub trait LineStage: Sync {
    /// What is known about one file after its first lines.
    type File: Send + Sync;
    /// State that depends on the earlier lines of the same file.
    type Seq: Clone + Send;
    /// Scratch state of one worker thread (caches, buffers), created once per worker.
    type Worker;
    /// What a record needs from the ordered pass.
    type Pending: Send;
    /// The state of the ordered pass.
    type Ordered;
    /// What `finish` returns to the command.
    type Summary;

    /// Called once per file (in input order, on the reading thread) with up to its first
    /// 64 lines.
    fn open_file(&self, source: &Source, head: &[String]) -> (Self::File, Self::Seq);

    /// Called instead of [`LineStage::open_file`] for an input that holds records rather than
    /// lines (an EVTX file, see [`super::evtx`]): each record comes to
    /// [`LineStage::process`] as one line, its JSON, numbered by its record id, and
    /// [`LineStage::advance`] is not called for records. `None` (the default): the stage does
    /// not read such inputs, and the run stops with an error that says what does.
    fn open_records(&self, _source: &Source) -> Option<(Self::File, Self::Seq)> {
        None
    }

    /// Updates the sequential state for one line (raw bytes, `\r` stripped), on the reading
    /// thread, in input order. Must be cheap.
    fn advance(&self, _file: &Self::File, _seq: &mut Self::Seq, _line: &[u8]) {}

    /// A new worker's state; called once on each worker thread before its first line.
    fn worker(&self) -> Self::Worker;

    /// Turns one line into records appended to `out`. `seq` has already been advanced
    /// over this line. Called on any worker thread, lines of one chunk in order.
    fn process(
        &self,
        worker: &mut Self::Worker,
        file: &Self::File,
        seq: &Self::Seq,
        line: &LineRef<'_>,
        out: &mut Records<Self::Pending>,
    ) -> Outcome;

    /// In the ordered pass, before the first record of each file (that has a line).
    fn file_started(&self, _state: &mut Self::Ordered, _file: &Self::File) {}

    /// Sees every mark of one chunk, in input order, before any of them is completed, so a
    /// stage can do its ordered work in batches (one model call per chunk, say).
    fn prepare(&self, _state: &mut Self::Ordered, _pending: Vec<&mut Self::Pending>) {}

    /// Completes one mark, in input order, writing the bytes that belong at it.
    fn complete(&self, _state: &mut Self::Ordered, _pending: Self::Pending, _out: &mut Vec<u8>) {}

    /// Sees each rejected line, in input order (stages that report on their input count them).
    fn rejected(&self, _state: &mut Self::Ordered, _reject: &Reject) {}

    /// In the ordered pass, after the last record of each file (that has a line), with the
    /// number of lines read from it: what it writes to `out` comes right after them (events
    /// still open at the end of the file, for stages that group lines).
    fn file_ended(&self, _state: &mut Self::Ordered, _file: &Self::File, _lines: u64, _out: &mut Vec<u8>) {}

    /// How many records the ordered pass wrote for lines that were [`Outcome::Grouped`]
    /// (asked once, after the last file ended, for the summary).
    fn grouped_events(&self, _state: &Self::Ordered) -> u64 {
        0
    }

    /// Called once after the last record: what it writes to `out` comes after every record
    /// (whole-input stages write here); its value is the run's result.
    fn finish(&self, state: Self::Ordered, out: &mut dyn std::io::Write) -> anyhow::Result<Self::Summary>;

    /// Whether rejected lines may be echoed in errors (false once data must stay hidden).
    fn echo_rejected(&self) -> bool {
        true
    }
}

/// An input file as an event stage sees it.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Position among the inputs that had any line, from 0, in input order.
    pub index: u32,
    /// The name used in messages and rejected-line records (`<stdin>` for standard input).
    pub name: Arc<str>,
}

/// A stage that reads NDJSON events, one per line; see the module documentation.
pub trait EventStage: Sync {
    /// Scratch state of one worker thread (caches, buffers), created once per worker.
    type Worker;
    /// What a record needs from the ordered pass.
    type Pending: Send;
    /// The state of the ordered pass.
    type Ordered;
    /// What `finish` returns to the command.
    type Summary;

    /// A new worker's state; called once on each worker thread before its first event.
    fn worker(&self) -> Self::Worker;

    /// Turns one event line into records appended to `out` (the event itself, changed or
    /// not, alerts after it, or nothing but a mark for whole-input stages).
    fn process(
        &self,
        worker: &mut Self::Worker,
        file: &InputFile,
        line: &LineRef<'_>,
        out: &mut Records<Self::Pending>,
    ) -> Outcome;

    /// The first record of a new input file is about to be completed (in input order).
    fn file_started(&self, _state: &mut Self::Ordered, _file: &InputFile) {}

    /// As [`LineStage::prepare`].
    fn prepare(&self, _state: &mut Self::Ordered, _pending: Vec<&mut Self::Pending>) {}

    /// As [`LineStage::complete`].
    fn complete(&self, _state: &mut Self::Ordered, _pending: Self::Pending, _out: &mut Vec<u8>) {}

    /// As [`LineStage::rejected`].
    fn rejected(&self, _state: &mut Self::Ordered, _reject: &Reject) {}

    /// As [`LineStage::finish`].
    fn finish(&self, state: Self::Ordered, out: &mut dyn std::io::Write) -> anyhow::Result<Self::Summary>;

    /// As [`LineStage::echo_rejected`].
    fn echo_rejected(&self) -> bool {
        true
    }
}

/// Runs an [`EventStage`] as a [`LineStage`], whose file state is the [`InputFile`].
pub struct Events<'s, S> {
    stage: &'s S,
    /// Files opened so far (on the reading thread).
    opened: std::sync::atomic::AtomicU32,
}

impl<'s, S: EventStage> Events<'s, S> {
    /// Wraps `stage`.
    pub fn new(stage: &'s S) -> Self {
        Events { stage, opened: std::sync::atomic::AtomicU32::new(0) }
    }
}

impl<S: EventStage> LineStage for Events<'_, S> {
    type File = InputFile;
    type Seq = ();
    type Worker = S::Worker;
    type Pending = S::Pending;
    type Ordered = S::Ordered;
    type Summary = S::Summary;

    fn open_file(&self, source: &Source, _head: &[String]) -> (InputFile, ()) {
        let index = self.opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (InputFile { index, name: Arc::from(source.display().as_str()) }, ())
    }

    fn worker(&self) -> S::Worker {
        self.stage.worker()
    }

    fn process(
        &self,
        worker: &mut S::Worker,
        file: &InputFile,
        _seq: &(),
        line: &LineRef<'_>,
        out: &mut Records<S::Pending>,
    ) -> Outcome {
        self.stage.process(worker, file, line, out)
    }

    fn file_started(&self, state: &mut S::Ordered, file: &InputFile) {
        self.stage.file_started(state, file);
    }

    fn prepare(&self, state: &mut S::Ordered, pending: Vec<&mut S::Pending>) {
        self.stage.prepare(state, pending);
    }

    fn complete(&self, state: &mut S::Ordered, pending: S::Pending, out: &mut Vec<u8>) {
        self.stage.complete(state, pending, out);
    }

    fn rejected(&self, state: &mut S::Ordered, reject: &Reject) {
        self.stage.rejected(state, reject);
    }

    fn finish(&self, state: S::Ordered, out: &mut dyn std::io::Write) -> anyhow::Result<S::Summary> {
        self.stage.finish(state, out)
    }

    fn echo_rejected(&self) -> bool {
        self.stage.echo_rejected()
    }
}
