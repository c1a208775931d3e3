//! Splits inputs into chunks of numbered lines, with bounded memory per line.
//!
//! A chunk is the unit of parallel work: a buffer of complete lines from one file plus a
//! snapshot of that file's sequential state at the chunk's first line (see [`LineStage`]), so any
//! thread can process it and get the same bytes as a sequential run.
//!
//! Line endings are found per file: LF (a CR before it is dropped), or CR alone when the
//! file's first line ending is a CR not followed by LF (classic Mac OS, some network
//! devices). A UTF-8 byte-order mark at the start of a file is an encoding marker, not
//! text, and is dropped.

use super::input::{self, Source};
use super::stage::LineStage;
use anyhow::{Context, Result};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// How much of an over-long line is kept for the rejected-line record.
pub const REJECT_PREFIX_BYTES: usize = 4096;
const READ_SIZE: usize = 256 * 1024;
const CHUNK_BYTES: usize = 512 * 1024;
const CHUNK_LINES: usize = 4096;

/// One numbered line of a chunk (numbers count from 1 in each file).
#[derive(Debug)]
pub enum Item {
    /// A complete line at `buf[start..end]` (newline excluded).
    #[allow(missing_docs)]
    Line { number: u64, start: usize, end: usize },
    /// A line longer than the limit: its length and its first bytes.
    #[allow(missing_docs)]
    TooLong { number: u64, len: u64, prefix: Vec<u8> },
    /// The input ended in a read or decompression error; `partial` is what was read of the line.
    #[allow(missing_docs)]
    Broken { number: u64, reason: String, partial: Vec<u8> },
    /// Chunks of an EVTX file at `buf[start..end]` (its header, then the chunks): the worker
    /// renders their records, each a line numbered by its record id (see [`super::evtx`]).
    /// `chunks`: each chunk's number in the file and the record id that names it when it
    /// cannot be read.
    #[allow(missing_docs)]
    Records { start: usize, end: usize, chunks: Vec<(u64, u64)> },
}

/// Lines of one file, processed together on one worker.
pub struct Chunk<S: LineStage> {
    /// The file they come from.
    pub source: Arc<Source>,
    /// What the stage learned about the file from its first lines.
    pub file: Arc<S::File>,
    /// The chunk holds the first lines of its file.
    pub first: bool,
    /// The file's sequential state before the chunk's first line.
    pub state: S::Seq,
    /// The bytes of the lines.
    pub buf: Vec<u8>,
    /// The lines, as positions in `buf`.
    pub items: Vec<Item>,
    /// Input paused after this chunk: write and flush its output now.
    pub flush: bool,
    /// The file ends with this chunk (it may hold no lines when the file ended right after
    /// the previous one).
    pub last: bool,
}

/// The bytes of a line without its trailing `\r` (CRLF input).
pub fn line_bytes(buf: &[u8], start: usize, end: usize) -> &[u8] {
    let b = &buf[start..end];
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Buffers of chunks already written, handed back for the next ones: memory already
/// mapped costs no page faults, and a buffer of the right size is never regrown.
pub struct BufferPool {
    spare: Mutex<Vec<Vec<u8>>>,
    /// At most this many are kept (about as many as a run has in flight at once).
    limit: usize,
}

/// Buffers larger than this (after an unusually long line) go back to the allocator.
const POOLED_MAX_BYTES: usize = 16 << 20;

impl BufferPool {
    /// A pool keeping at most `limit` buffers.
    pub fn new(limit: usize) -> BufferPool {
        BufferPool { spare: Mutex::new(Vec::new()), limit }
    }

    /// An empty buffer with room for at least `capacity` bytes.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        let mut buf = self.spare.lock().expect("buffer pool").pop().unwrap_or_default();
        buf.clear();
        buf.reserve(capacity);
        buf
    }

    /// Hands a used buffer back.
    pub fn give(&self, buf: Vec<u8>) {
        let mut spare = self.spare.lock().expect("buffer pool");
        if spare.len() < self.limit && buf.capacity() <= POOLED_MAX_BYTES {
            spare.push(buf);
        }
    }
}

/// Room for a chunk's lines, the read that completes it, and a partial line.
const CHUNK_CAPACITY: usize = CHUNK_BYTES + READ_SIZE * 2;

/// Reads sources one after another and yields chunks.
pub struct ChunkReader<'s, S: LineStage> {
    stage: &'s S,
    buffers: &'s BufferPool,
    sources: std::vec::IntoIter<Source>,
    max_line: usize,
    cur: Option<Open<S>>,
}

struct Open<S: LineStage> {
    source: Arc<Source>,
    reader: Box<dyn Read + Send>,
    live: bool,
    file: Option<(Arc<S::File>, S::Seq)>,
    buf: Vec<u8>,
    /// Start of the line being assembled in `buf`.
    line_start: usize,
    /// How far `buf` has been searched for newlines.
    scanned: usize,
    items: Vec<Item>,
    next_number: u64,
    /// The chunk marked `last` has been cut.
    ended: bool,
    /// Set while skipping the rest of an over-long line.
    skipping: Option<(u64, u64, Vec<u8>)>,
    done: bool,
    /// A chunk of records has been handed out (EVTX inputs, whose file state comes first).
    started: bool,
    /// The input is an EVTX file, read by chunks of records instead of lines.
    evtx: Option<super::evtx::EvtxFile>,
    /// Whether a byte-order mark at the start was looked for.
    bom_checked: bool,
    /// The byte that ends lines in this file, once known (`\n` until then).
    sep: Option<u8>,
}

impl<'s, S: LineStage> ChunkReader<'s, S> {
    /// Chunk buffers come from `buffers`; give them back there once processed.
    pub fn new(stage: &'s S, sources: Vec<Source>, max_line: usize, buffers: &'s BufferPool) -> Self {
        ChunkReader { stage, buffers, sources: sources.into_iter(), max_line: max_line.max(1), cur: None }
    }

    /// The next chunk, or `None` when every source is exhausted. Errors are fatal (a file
    /// that cannot be opened); errors while reading become [`Item::Broken`].
    pub fn next_chunk(&mut self) -> Result<Option<Chunk<S>>> {
        loop {
            if self.cur.is_none() {
                let Some(src) = self.sources.next() else { return Ok(None) };
                let (reader, live, evtx) = match input::open_input(&src)? {
                    input::Input::Text(reader, live) => (reader, live, None),
                    input::Input::Evtx(file) => {
                        let evtx = super::evtx::EvtxFile::open(file)
                            .with_context(|| format!("cannot read '{}' as an EVTX file", src.display()))?;
                        let Some(opened) = self.stage.open_records(&src) else {
                            anyhow::bail!(
                                "'{}' is a Windows event log (EVTX): `logward parse` reads it; the other commands read the NDJSON events it writes",
                                src.display()
                            );
                        };
                        (Box::new(io::empty()) as Box<dyn Read + Send>, false, Some((evtx, opened)))
                    }
                };
                let (evtx, file) = match evtx {
                    Some((e, (file, seq))) => (Some(e), Some((Arc::new(file), seq))),
                    None => (None, None),
                };
                self.cur = Some(Open {
                    source: Arc::new(src),
                    reader,
                    live,
                    file,
                    buf: self.buffers.take(CHUNK_CAPACITY),
                    line_start: 0,
                    scanned: 0,
                    items: Vec::new(),
                    next_number: 1,
                    ended: false,
                    skipping: None,
                    done: false,
                    started: false,
                    evtx,
                    bom_checked: false,
                    sep: None,
                });
            }
            if self.cur.as_ref().is_some_and(|c| c.evtx.is_some()) {
                let chunk = self.cut_records()?;
                if self.cur.as_ref().is_some_and(|c| c.done) {
                    self.cur = None;
                }
                match chunk {
                    Some(chunk) => return Ok(Some(chunk)),
                    None => continue,
                }
            }
            let paused = !self.cur.as_ref().expect("open source").done && self.fill()?;
            let cur = self.cur.as_mut().expect("open source");
            let full = cur.items.len() >= CHUNK_LINES || cur.line_start >= CHUNK_BYTES;
            if cur.done || full || (paused && !cur.items.is_empty()) {
                let chunk = self.cut(paused);
                let finished = self.cur.as_ref().map(|c| c.done).unwrap_or(true);
                if finished {
                    self.cur = None;
                }
                if let Some(chunk) = chunk {
                    return Ok(Some(chunk));
                }
            }
        }
    }

    /// One read. Returns true when a live input returned less than asked (it has paused).
    fn fill(&mut self) -> Result<bool> {
        let max_line = self.max_line;
        let cur = self.cur.as_mut().expect("open source");
        let old_len = cur.buf.len();
        cur.buf.resize(old_len + READ_SIZE, 0);
        let n = loop {
            match cur.reader.read(&mut cur.buf[old_len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    cur.buf.truncate(old_len);
                    cur.break_off(describe_read_error(&e));
                    return Ok(false);
                }
            }
        };
        cur.buf.truncate(old_len + n);
        cur.check_start(n == 0);
        if n == 0 {
            cur.finish_last_line();
            cur.done = true;
            return Ok(false);
        }
        cur.scan(max_line);
        Ok(cur.live && n < READ_SIZE)
    }

    /// Reads a batch of EVTX chunks into a chunk of [`Item::Records`].
    fn cut_records(&mut self) -> Result<Option<Chunk<S>>> {
        let cur = self.cur.as_mut().expect("open source");
        let evtx = cur.evtx.as_mut().expect("an EVTX input");
        if !evtx.read_batch(&mut cur.buf, &mut cur.items)? {
            cur.done = true;
        }
        // As for lines: a file whose records ended with the previous batch still gets an
        // empty last chunk, so its end is seen in the ordered pass.
        if cur.items.is_empty() && !(cur.done && cur.started && !cur.ended) {
            return Ok(None);
        }
        cur.ended = cur.done;
        let (file, seq) = cur.file.as_ref().expect("opened with the input");
        let first = !cur.started;
        cur.started = true;
        let buf = std::mem::replace(&mut cur.buf, self.buffers.take(CHUNK_CAPACITY));
        let items = std::mem::take(&mut cur.items);
        Ok(Some(Chunk {
            source: cur.source.clone(),
            file: file.clone(),
            first,
            state: seq.clone(),
            buf,
            items,
            flush: cur.done,
            last: cur.done,
        }))
    }

    /// Moves the complete lines found so far into a chunk.
    fn cut(&mut self, paused: bool) -> Option<Chunk<S>> {
        let stage = self.stage;
        let cur = self.cur.as_mut().expect("open source");
        // A file that ended right after a chunk still gets an empty last one, so its end is
        // seen in the ordered pass; an empty file gets none.
        if cur.items.is_empty() && !(cur.done && cur.file.is_some() && !cur.ended) {
            return None;
        }
        let cut = cur.line_start;
        let rest = cur.buf[cut..].to_vec();
        cur.buf.truncate(cut);
        let buf = std::mem::replace(&mut cur.buf, self.buffers.take(CHUNK_CAPACITY));
        cur.buf.extend_from_slice(&rest);
        cur.scanned -= cut;
        cur.line_start = 0;
        let items = std::mem::take(&mut cur.items);
        let first = cur.file.is_none();
        if first {
            let head: Vec<String> = items
                .iter()
                .filter_map(|it| match it {
                    Item::Line { start, end, .. } => {
                        Some(String::from_utf8_lossy(line_bytes(&buf, *start, *end)).into_owned())
                    }
                    _ => None,
                })
                .take(64)
                .collect();
            let (file, seq) = stage.open_file(&cur.source, &head);
            cur.file = Some((Arc::new(file), seq));
        }
        cur.ended = cur.done;
        let (file, seq) = cur.file.as_mut().expect("file context");
        let state = seq.clone();
        for it in &items {
            if let Item::Line { start, end, .. } = it {
                stage.advance(file, seq, line_bytes(&buf, *start, *end));
            }
        }
        Some(Chunk {
            source: cur.source.clone(),
            file: file.clone(),
            first,
            state,
            buf,
            items,
            flush: paused || cur.done,
            last: cur.done,
        })
    }
}

impl<S: LineStage> Open<S> {
    /// At the start of a file: drops a byte-order mark, and finds which byte ends its lines
    /// (decided at the first line ending: a CR not followed by LF means CR-only endings).
    fn check_start(&mut self, eof: bool) {
        const BOM: &[u8] = b"\xef\xbb\xbf";
        if !self.bom_checked && self.next_number == 1 && self.line_start == 0 && self.items.is_empty() {
            if self.buf.len() >= BOM.len() || eof {
                if self.buf.starts_with(BOM) {
                    self.buf.drain(..BOM.len());
                    self.scanned = self.scanned.saturating_sub(BOM.len());
                }
                self.bom_checked = true;
            } else if !BOM.starts_with(&self.buf) {
                self.bom_checked = true;
            }
        }
        if self.sep.is_none() {
            // Until the ending is known, bytes were scanned for LF: a CR at the end of an
            // earlier read may have been passed over, so scanning starts again at the line.
            self.scanned = self.line_start;
            let from = self.line_start;
            self.sep = match memchr::memchr2(b'\n', b'\r', &self.buf[from..]).map(|i| from + i) {
                Some(i) if self.buf[i] == b'\n' => Some(b'\n'),
                Some(i) => match self.buf.get(i + 1) {
                    Some(b'\n') => Some(b'\n'),
                    Some(_) => Some(b'\r'),
                    None if eof => Some(b'\r'),
                    None => None,
                },
                None if eof => Some(b'\n'),
                None => None,
            };
        }
    }

    /// Finds line ends in the unscanned part of `buf`, recording lines and over-long lines.
    fn scan(&mut self, max_line: usize) {
        let sep = self.sep.unwrap_or(b'\n');
        loop {
            let from = self.scanned;
            match memchr::memchr(sep, &self.buf[from..]) {
                Some(i) => {
                    let nl = from + i;
                    if let Some((number, len, prefix)) = self.skipping.take() {
                        let len = len + (nl - self.line_start) as u64;
                        self.items.push(Item::TooLong { number, len, prefix });
                    } else if nl - self.line_start > max_line {
                        let prefix =
                            self.buf[self.line_start..self.line_start + REJECT_PREFIX_BYTES.min(max_line)].to_vec();
                        let len = (nl - self.line_start) as u64;
                        self.items.push(Item::TooLong { number: self.next_number, len, prefix });
                    } else {
                        self.items.push(Item::Line { number: self.next_number, start: self.line_start, end: nl });
                    }
                    self.next_number += 1;
                    self.line_start = nl + 1;
                    self.scanned = nl + 1;
                }
                None => {
                    self.scanned = self.buf.len();
                    let pending = self.buf.len() - self.line_start;
                    if let Some((_, len, _)) = self.skipping.as_mut() {
                        *len += pending as u64;
                        self.drop_pending();
                    } else if pending > max_line {
                        let prefix =
                            self.buf[self.line_start..self.line_start + REJECT_PREFIX_BYTES.min(pending)].to_vec();
                        self.skipping = Some((self.next_number, pending as u64, prefix));
                        self.drop_pending();
                    }
                    return;
                }
            }
        }
    }

    /// Forgets the bytes of the line being skipped so memory stays bounded.
    fn drop_pending(&mut self) {
        self.buf.truncate(self.line_start);
        self.scanned = self.line_start;
    }

    /// At end of input: a last line without a newline is still a line.
    fn finish_last_line(&mut self) {
        if let Some((number, len, prefix)) = self.skipping.take() {
            self.items.push(Item::TooLong { number, len, prefix });
            self.next_number += 1;
        } else if self.buf.len() > self.line_start {
            self.items.push(Item::Line { number: self.next_number, start: self.line_start, end: self.buf.len() });
            self.next_number += 1;
            self.line_start = self.buf.len();
            self.scanned = self.buf.len();
        }
    }

    /// The input broke off (corrupt or truncated compressed data, I/O error): what was read
    /// of the current line is rejected with the reason, and the file ends there.
    fn break_off(&mut self, reason: String) {
        let partial = match self.skipping.take() {
            Some((_, _, prefix)) => prefix,
            None => self.buf[self.line_start..].to_vec(),
        };
        self.buf.truncate(self.line_start);
        self.scanned = self.line_start;
        self.items.push(Item::Broken { number: self.next_number, reason, partial });
        self.next_number += 1;
        self.done = true;
    }
}

fn describe_read_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "input ends inside compressed data (truncated file)".to_string(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => format!("corrupt compressed data: {e}"),
        _ => format!("read error: {e}"),
    }
}
