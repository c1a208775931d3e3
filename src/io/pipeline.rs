//! Runs a [`LineStage`] (or an [`EventStage`]) over inputs: a reader thread cuts chunks,
//! N workers process them, and the main thread writes results in input order, so output
//! bytes do not depend on N.

use super::files::{self, SidePaths};
use super::input::Source;
use super::lines::{line_bytes, BufferPool, Chunk, ChunkReader, Item};
use super::output::OutputStream;
use super::reject::{Counts, Reason, Reject, RejectKind, RejectSink};
use super::stage::{EventStage, Events, LineRef, LineStage, Outcome, Records};
use anyhow::Result;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

/// The shared I/O options every stage takes (from `cli::CommonArgs`).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `-o FILE`; stdout when `None` or `-`.
    pub output: Option<PathBuf>,
    /// `--errors FILE`: every rejected line as NDJSON.
    pub errors: Option<PathBuf>,
    /// Stop at the first rejected line (exit status 1).
    pub strict: bool,
    /// 0 = one worker per core.
    pub threads: usize,
    /// Nothing on stderr but fatal errors.
    pub quiet: bool,
    /// Longer lines are rejected without being read into memory.
    pub max_line_bytes: usize,
    /// Side files the command reads and writes besides `output` and `errors`: checked with
    /// them, before anything is created, so no output is the same file as an input.
    pub side: SidePaths,
}

impl RunOptions {
    /// Every file the run writes and reads besides its inputs, `-o` and `--errors` included.
    pub fn paths(&self) -> SidePaths {
        let mut all = SidePaths::default();
        if let Some(o) = &self.output {
            all.write("-o", o);
        }
        if let Some(e) = &self.errors {
            all.write("--errors", e);
        }
        all.reads.extend(self.side.reads.iter().cloned());
        all.writes.extend(self.side.writes.iter().cloned());
        all
    }

    /// Whether events go to standard output (no `-o FILE`).
    pub fn to_stdout(&self) -> bool {
        self.output.as_deref().is_none_or(|p| p == std::path::Path::new("-"))
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    /// Lines read, emitted, skipped and rejected.
    pub counts: Counts,
    /// `--strict` stopped the run at a rejected line.
    pub strict_failed: bool,
}

struct ChunkResult<F, P> {
    /// The chunk's file, when the chunk holds its first lines.
    first_of: Option<Arc<F>>,
    /// The chunk's file, when the file ends with it.
    last_of: Option<Arc<F>>,
    out: Records<P>,
    /// Each rejection with the output length and counts just after it (for `--strict`).
    rejects: Vec<(Reject, usize, Counts)>,
    counts: Counts,
    flush: bool,
}

/// The number of workers for `--threads N` (0: one per core).
pub fn worker_count(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    } else {
        threads
    }
}

/// Runs `stage` over `sources`, writing records to the output and rejections to the sink,
/// and prints the summary line (unless quiet). `ordered` is the state of the ordered pass;
/// the stage's `finish` turns it into the run's result. `command` names the stage in
/// messages.
pub fn run<S: LineStage>(
    stage: &S,
    ordered: S::Ordered,
    command: &str,
    sources: Vec<Source>,
    opts: &RunOptions,
) -> Result<(RunSummary, S::Summary)> {
    files::check_paths(&sources, &opts.paths(), opts.to_stdout())?;
    let mut output = OutputStream::open(opts.output.as_deref())?;
    let mut sink = RejectSink::new(opts.errors.as_deref(), opts.quiet)?;
    let progress = Progress::new(opts.quiet);
    let workers = worker_count(opts.threads);
    // About the chunks in flight at once (see `run_parallel`), each with its output.
    let pools = Pools { input: BufferPool::new(workers * 3 + 2), output: BufferPool::new(workers * 3 + 2) };
    let mut reader = ChunkReader::new(stage, sources, opts.max_line_bytes, &pools.input);
    let mut writer = Writer {
        stage,
        ordered,
        insert: Vec::new(),
        output: &mut output,
        sink: &mut sink,
        strict: opts.strict,
        progress,
        failed: false,
        pool: &pools.output,
        current: None,
        file_lines: 0,
    };

    if workers <= 1 {
        let mut worker = stage.worker();
        while let Some(chunk) = reader.next_chunk()? {
            if !writer.take(process_chunk(stage, &mut worker, chunk, &pools))? {
                break;
            }
        }
    } else {
        run_parallel(stage, reader, workers, &mut writer, &pools)?;
    }
    let failed = writer.failed;
    writer.progress.finish();
    writer.sink.counts.grouped_events = stage.grouped_events(&writer.ordered);
    let ordered = writer.ordered;
    let result = stage.finish(ordered, &mut output)?;
    output.commit()?;
    sink.finish()?;
    if !opts.quiet {
        eprintln!("{}", sink.counts.summary(command));
    }
    Ok((RunSummary { counts: sink.counts, strict_failed: failed }, result))
}

/// The exit status of a run: 1 when `--strict` stopped it at a rejected line.
pub fn exit_code(summary: RunSummary) -> std::process::ExitCode {
    if summary.strict_failed {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// [`run`] for a stage that reads NDJSON events.
pub fn run_events<S: EventStage>(
    stage: &S,
    ordered: S::Ordered,
    command: &str,
    sources: Vec<Source>,
    opts: &RunOptions,
) -> Result<(RunSummary, S::Summary)> {
    run(&Events::new(stage), ordered, command, sources, opts)
}

/// Where chunk buffers (input lines) and their outputs go back once used.
struct Pools {
    input: BufferPool,
    output: BufferPool,
}

fn run_parallel<S: LineStage>(
    stage: &S,
    mut reader: ChunkReader<'_, S>,
    workers: usize,
    writer: &mut Writer<'_, S>,
    pools: &Pools,
) -> Result<()> {
    let stop = AtomicBool::new(false);
    // At most `window` chunks are between the reader and the output at any time (queued,
    // being processed, or waiting to be written in order), so memory stays bounded even
    // when one slow chunk holds back the ones after it.
    let window = (workers * 3) as u64;
    let written = (Mutex::new(0u64), Condvar::new());
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<(u64, Chunk<S>)>(workers * 2);
    let chunk_rx = Mutex::new(chunk_rx);
    std::thread::scope(|scope| -> Result<()> {
        let (res_tx, res_rx) = mpsc::sync_channel::<(u64, ChunkResult<S::File, S::Pending>)>(workers * 2);
        let stop = &stop;
        let written = &written;
        let read_thread = scope.spawn(move || -> Result<()> {
            let mut n = 0u64;
            while let Some(chunk) = reader.next_chunk()? {
                {
                    let (lock, cv) = written;
                    let mut done = lock.lock().expect("window");
                    while n >= *done + window && !stop.load(Ordering::Relaxed) {
                        done = cv.wait(done).expect("window");
                    }
                }
                if stop.load(Ordering::Relaxed) || chunk_tx.send((n, chunk)).is_err() {
                    break;
                }
                n += 1;
            }
            Ok(())
        });
        for _ in 0..workers {
            let res_tx = res_tx.clone();
            let chunk_rx = &chunk_rx;
            scope.spawn(move || {
                let mut worker = stage.worker();
                loop {
                    let next = chunk_rx.lock().expect("chunk queue").recv();
                    let Ok((n, chunk)) = next else { break };
                    if res_tx.send((n, process_chunk(stage, &mut worker, chunk, pools))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        let mut pending: BTreeMap<u64, ChunkResult<S::File, S::Pending>> = BTreeMap::new();
        let mut next = 0u64;
        let mut outcome = Ok(());
        'recv: for (n, res) in res_rx.iter() {
            pending.insert(n, res);
            while let Some(res) = pending.remove(&next) {
                next += 1;
                let taken = writer.take(res);
                {
                    let (lock, cv) = &written;
                    *lock.lock().expect("window") = next;
                    cv.notify_all();
                }
                match taken {
                    Ok(true) => {}
                    Ok(false) => break 'recv,
                    Err(e) => {
                        outcome = Err(e);
                        break 'recv;
                    }
                }
            }
        }
        // Stopping early: tell the reader, and drain the chunk queue so a reader blocked on a
        // full queue can see the flag and end (workers end once their results are refused).
        stop.store(true, Ordering::Relaxed);
        written.1.notify_all();
        drop(res_rx);
        while chunk_rx.lock().expect("chunk queue").recv().is_ok() {}
        let read_result = read_thread.join().expect("reader thread panicked");
        outcome?;
        read_result
    })
}

struct Writer<'a, S: LineStage> {
    stage: &'a S,
    ordered: S::Ordered,
    /// Scratch for the bytes the ordered pass inserts.
    insert: Vec<u8>,
    output: &'a mut OutputStream,
    sink: &'a mut RejectSink,
    strict: bool,
    progress: Progress,
    failed: bool,
    pool: &'a BufferPool,
    /// The file whose records are being written (started, not yet ended), and the lines
    /// read from it so far.
    current: Option<Arc<S::File>>,
    file_lines: u64,
}

impl<S: LineStage> Writer<'_, S> {
    /// Writes one chunk's results. Returns false when the run must stop (`--strict`).
    fn take(&mut self, res: ChunkResult<S::File, S::Pending>) -> Result<bool> {
        if let Some(file) = &res.first_of {
            self.stage.file_started(&mut self.ordered, file);
            self.current = Some(file.clone());
        }
        if self.strict {
            if let Some((first, at, counts)) = res.rejects.first() {
                let (at, first, counts) = (*at, first.clone(), *counts);
                self.write_until(res.out, at)?;
                // What the ordered pass still holds came before the rejected line.
                self.file_lines += counts.read;
                if let Some(file) = self.current.clone() {
                    self.end_file(&file)?;
                }
                self.sink.counts.add(&counts);
                self.sink.reject(&first)?;
                eprintln!(
                    "logward: stopped at the first rejected line ({}:{}) because of --strict",
                    first.file, first.line
                );
                self.failed = true;
                return Ok(false);
            }
        }
        let len = res.out.bytes.len();
        self.write_until(res.out, len)?;
        for (r, _, _) in &res.rejects {
            self.sink.reject(r)?;
            self.stage.rejected(&mut self.ordered, r);
        }
        self.file_lines += res.counts.read;
        if let Some(file) = &res.last_of {
            self.end_file(file)?;
        }
        self.sink.counts.add(&res.counts);
        self.progress.add(res.counts.read);
        if res.flush {
            self.output.flush()?;
        }
        Ok(true)
    }

    /// The ordered pass's end of a file: what the stage still holds for it is written now.
    fn end_file(&mut self, file: &Arc<S::File>) -> Result<()> {
        self.insert.clear();
        self.stage.file_ended(&mut self.ordered, file, self.file_lines, &mut self.insert);
        self.output.write(&self.insert)?;
        self.current = None;
        self.file_lines = 0;
        Ok(())
    }

    /// Writes `out.bytes[..end]`, running the ordered pass at each mark before `end`.
    fn write_until(&mut self, mut out: Records<S::Pending>, end: usize) -> Result<()> {
        if !out.marks.is_empty() {
            self.stage.prepare(&mut self.ordered, out.marks.iter_mut().map(|(_, p)| p).collect());
        }
        let mut from = 0;
        for (at, pending) in out.marks {
            if at > end {
                break;
            }
            self.output.write(&out.bytes[from..at])?;
            self.insert.clear();
            self.stage.complete(&mut self.ordered, pending, &mut self.insert);
            self.output.write(&self.insert)?;
            from = at;
        }
        self.output.write(&out.bytes[from..end])?;
        self.pool.give(out.bytes);
        Ok(())
    }
}

/// Processes every line of a chunk in order.
fn process_chunk<S: LineStage>(
    stage: &S,
    worker: &mut S::Worker,
    chunk: Chunk<S>,
    pools: &Pools,
) -> ChunkResult<S::File, S::Pending> {
    let mut seq = chunk.state;
    let mut out = Records { bytes: pools.output.take(chunk.buf.len() * 3), marks: Vec::new() };
    // Stages that mark every line (whole-input stages) would otherwise regrow this.
    out.marks.reserve(chunk.items.len());
    let mut rejects = Vec::new();
    let mut counts = Counts::default();
    let echo = stage.echo_rejected();
    let file_name = || chunk.source.display();
    for item in &chunk.items {
        // An EVTX chunk is not an input line: each of its records is.
        counts.read += u64::from(!matches!(item, Item::Records { .. }));
        let rejected = match item {
            Item::Line { number, start, end } => {
                let raw = line_bytes(&chunk.buf, *start, *end);
                stage.advance(&chunk.file, &mut seq, raw);
                match decode(raw) {
                    Err(detail) => Some(reject(
                        file_name(),
                        *number,
                        Reason::new(RejectKind::Binary, detail),
                        raw,
                        raw.len() as u64,
                        echo,
                    )),
                    Ok(_) if raw.iter().all(|b| b.is_ascii_whitespace()) => {
                        counts.skipped += 1;
                        None
                    }
                    Ok((text, lossy)) => {
                        let line = LineRef { text: &text, number: *number, lossy };
                        match stage.process(worker, &chunk.file, &seq, &line, &mut out) {
                            Outcome::Emitted => {
                                counts.emitted += 1;
                                None
                            }
                            Outcome::Skipped => {
                                counts.skipped += 1;
                                None
                            }
                            Outcome::Grouped => {
                                counts.grouped += 1;
                                None
                            }
                            Outcome::Rejected(reason) => {
                                Some(reject(file_name(), *number, reason, raw, raw.len() as u64, echo))
                            }
                        }
                    }
                }
            }
            Item::TooLong { number, len, prefix } => Some(reject(
                file_name(),
                *number,
                Reason::new(RejectKind::TooLong, format!("line of {len} bytes is longer than --max-line-bytes")),
                prefix,
                *len,
                echo,
            )),
            Item::Records { start, end, chunks } => {
                super::evtx::records(&chunk.buf[*start..*end], chunks, |record| {
                    counts.read += 1;
                    let rejected = match record {
                        Ok((id, json)) => {
                            let line = LineRef { text: json, number: id, lossy: false };
                            match stage.process(worker, &chunk.file, &seq, &line, &mut out) {
                                Outcome::Emitted => {
                                    counts.emitted += 1;
                                    None
                                }
                                Outcome::Skipped => {
                                    counts.skipped += 1;
                                    None
                                }
                                Outcome::Grouped => {
                                    counts.grouped += 1;
                                    None
                                }
                                Outcome::Rejected(reason) => {
                                    Some(reject(file_name(), id, reason, json.as_bytes(), json.len() as u64, echo))
                                }
                            }
                        }
                        Err((id, detail)) => {
                            Some(reject(file_name(), id, Reason::new(RejectKind::CorruptRecord, detail), b"", 0, echo))
                        }
                    };
                    if let Some(r) = rejected {
                        counts.rejected += 1;
                        rejects.push((r, out.bytes.len(), counts));
                    }
                });
                None
            }
            Item::Broken { number, reason, partial } => Some(reject(
                file_name(),
                *number,
                Reason::new(RejectKind::InputError, reason.clone()),
                partial,
                partial.len() as u64,
                echo,
            )),
        };
        if let Some(r) = rejected {
            counts.rejected += 1;
            rejects.push((r, out.bytes.len(), counts));
        }
    }
    pools.input.give(chunk.buf);
    let last_of = chunk.last.then(|| chunk.file.clone());
    let first_of = chunk.first.then_some(chunk.file);
    ChunkResult { first_of, last_of, out, rejects, counts, flush: chunk.flush }
}

fn reject(file: String, line: u64, reason: Reason, text: &[u8], bytes: u64, echo: bool) -> Reject {
    Reject {
        file,
        line,
        reason: reason.detail,
        kind: Some(reason.kind),
        text: echo.then(|| String::from_utf8_lossy(text).into_owned()),
        bytes,
        truncated: (text.len() as u64) < bytes,
    }
}

/// Decodes a line. Invalid UTF-8 is decoded lossily (U+FFFD) and flagged; lines that are
/// not text at all (NUL bytes, mostly control characters) are rejected as binary.
pub fn decode(raw: &[u8]) -> Result<(Cow<'_, str>, bool), &'static str> {
    // Most lines (every compact JSON line of ASCII text) are settled by one pass.
    if crate::bytescan::plain_ascii(raw) {
        // SAFETY: every byte is below 0x80, and ASCII is UTF-8.
        return Ok((Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(raw) }), false));
    }
    let controls = count_controls(raw);
    // NUL is a control character, so most lines (none) skip this search.
    if controls > 0 && memchr::memchr(0, raw).is_some() {
        return Err("binary data (NUL bytes), not a text line");
    }
    if controls * 10 > raw.len() {
        return Err("binary data (control characters), not a text line");
    }
    match std::str::from_utf8(raw) {
        Ok(s) => Ok((Cow::Borrowed(s), false)),
        Err(_) => {
            let s = String::from_utf8_lossy(raw);
            let bad = s.chars().filter(|&c| c == char::REPLACEMENT_CHARACTER).count();
            if bad * 4 > s.chars().count() {
                return Err("binary data (mostly invalid UTF-8), not a text line");
            }
            Ok((s, true))
        }
    }
}

/// Control characters other than tab and ESC (NUL included). Blocks of 32 bytes with none
/// below 0x20, which is every block of a JSON line, are passed over with a few word
/// operations.
fn count_controls(raw: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = |c: &[u8]| {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        x.wrapping_sub(ONES * 0x20) & !x & HIGH
    };
    let count = |c: &[u8]| c.iter().filter(|&&b| b < 0x20 && b != b'\t' && b != 0x1b).count();
    let mut n = 0;
    let mut blocks = raw.chunks_exact(32);
    for c in &mut blocks {
        if below_space(&c[..8]) | below_space(&c[8..16]) | below_space(&c[16..24]) | below_space(&c[24..]) != 0 {
            n += count(c);
        }
    }
    n + count(blocks.remainder())
}

/// A line counter on stderr, only when stderr is a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {human_pos} lines  {per_sec}  {elapsed}")
                .expect("valid template"),
        );
        Progress(Some(bar))
    }

    fn add(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_classifies_lines() {
        assert_eq!(decode(b"plain").unwrap(), (Cow::Borrowed("plain"), false));
        let (s, lossy) = decode(b"caf\xe9 ok").unwrap();
        assert!(lossy);
        assert_eq!(s, "caf\u{fffd} ok");
        assert!(decode(b"a\0b").is_err());
        assert!(decode(b"\x01\x02\x03\x04abc").is_err());
        assert!(decode(b"\xff\xfe\xfd\xfc").is_err());
        let long = |c: u8| [vec![b'a'; 40], vec![c; 5], vec![b'a'; 10]].concat();
        assert!(decode(&long(0)).is_err(), "NUL inside a 32-byte block");
        assert!(decode(&long(1)).is_ok(), "few controls are text");
        assert!(decode(&[vec![b'a'; 33], vec![0]].concat()).is_err(), "NUL in the tail");
    }
}
