//! Windows event log files (`.evtx`): binary, not lines, so they enter the pipeline as
//! records.
//!
//! An EVTX file is a 4 KiB header and then chunks of 64 KiB, each holding the records of a
//! range of record ids and the templates they use. The reader thread ([`EvtxFile`]) reads
//! whole chunks, in record order (a log that has wrapped around starts at the chunk that
//! holds its oldest records, as Windows and the `evtx` crate read it), and hands them to the
//! workers like chunks of lines ([`super::lines::Item::Records`]); a worker renders each
//! record of a chunk as JSON (the `evtx` crate's rendering, the one `evtx_dump -o jsonl`
//! writes) and gives it to the stage as one "line" ([`records`]), whose number is the
//! record's id (`EventRecordID`). So chunks render in parallel, output is the same for
//! every `--threads`, and every record is counted: a record or chunk that cannot be read is
//! a rejected line (its record id and why), and every other record is kept.
//!
//! Inputs are recognized by their first bytes (`ElfFile\0`), whatever they are called; an
//! EVTX file read from standard input or from inside gzip/zstd is first copied to a
//! temporary file, since finding the oldest chunk needs to read the chunk headers first.

use super::lines::Item;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, OnceLock};

/// The first bytes of an EVTX file.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";
/// The file header block.
const HEADER_SIZE: u64 = 4096;
/// Every chunk's size.
pub const CHUNK_SIZE: usize = 65536;
/// Chunks handed to a worker at once (512 KiB, like a chunk of lines).
const CHUNKS_PER_BATCH: usize = 8;

/// An EVTX file being read, on the reader thread.
pub struct EvtxFile {
    file: File,
    /// The file header block, which every batch of chunks is rendered with.
    header: Vec<u8>,
    /// The chunks to read, by number, in record order.
    order: std::vec::IntoIter<u64>,
    /// The record id that should come next, for naming a chunk that cannot be read.
    next_id: u64,
    /// Bytes after the last whole chunk (a file cut short), reported once at the end.
    trailing: u64,
    chunks: u64,
}

impl EvtxFile {
    /// Reads the header and the chunk headers of `file` (which starts with [`MAGIC`]).
    pub fn open(mut file: File) -> Result<EvtxFile> {
        let len = file.metadata().context("cannot read the EVTX file's size")?.len();
        let mut header = vec![0u8; HEADER_SIZE as usize];
        file.read_exact(&mut header).context("cannot read the EVTX file header (the file is shorter than 4 KiB)")?;
        let chunks = len.saturating_sub(HEADER_SIZE) / CHUNK_SIZE as u64;
        let trailing = len.saturating_sub(HEADER_SIZE) % CHUNK_SIZE as u64;
        // The oldest records sit in the chunk whose header names the lowest first record id
        // (a full log overwrites its oldest chunk, so after wrapping around that chunk can be
        // anywhere). The file header names it too, but is behind after an unclean shutdown.
        let mut oldest: Option<(u64, u64)> = None;
        let mut chunk_header = [0u8; 512];
        for n in 0..chunks {
            file.seek(SeekFrom::Start(HEADER_SIZE + n * CHUNK_SIZE as u64))?;
            file.read_exact(&mut chunk_header)?;
            if let Ok(h) = evtx::EvtxChunkHeader::from_bytes(&chunk_header) {
                if h.first_event_record_id <= h.last_event_record_id
                    && oldest.is_none_or(|(id, _)| h.first_event_record_id < id)
                {
                    oldest = Some((h.first_event_record_id, n));
                }
            }
        }
        let start = oldest.map_or(0, |(_, n)| n);
        let order: Vec<u64> = (start..chunks).chain(0..start).collect();
        let next_id = oldest.map_or(1, |(id, _)| id);
        Ok(EvtxFile { file, header, order: order.into_iter(), next_id, trailing, chunks })
    }

    /// Reads up to a batch of chunks into `buf` as one [`Item::Records`]: the file header,
    /// then the chunks in record order (chunks of zeros, never written, are passed over).
    /// Returns false once the file is done.
    pub fn read_batch(&mut self, buf: &mut Vec<u8>, items: &mut Vec<Item>) -> Result<bool> {
        let start = buf.len();
        buf.extend_from_slice(&self.header);
        let mut chunks = Vec::new();
        let mut more = true;
        while chunks.len() < CHUNKS_PER_BATCH {
            let Some(n) = self.order.next() else {
                more = false;
                break;
            };
            let at = buf.len();
            buf.resize(at + CHUNK_SIZE, 0);
            self.file.seek(SeekFrom::Start(HEADER_SIZE + n * CHUNK_SIZE as u64))?;
            if let Err(e) = self.file.read_exact(&mut buf[at..]) {
                buf.truncate(at);
                self.flush(buf, start, &mut chunks, items);
                items.push(Item::Broken {
                    number: self.next_id,
                    reason: format!("read error: {e}"),
                    partial: Vec::new(),
                });
                return Ok(false);
            }
            if buf[at..].iter().all(|&b| b == 0) {
                buf.truncate(at);
                continue;
            }
            chunks.push((n, self.next_id));
            if let Ok(h) = evtx::EvtxChunkHeader::from_bytes(&buf[at..at + 512]) {
                if h.first_event_record_id <= h.last_event_record_id {
                    self.next_id = h.last_event_record_id + 1;
                }
            }
        }
        self.flush(buf, start, &mut chunks, items);
        if !more && self.trailing > 0 {
            let reason = format!(
                "the file ends {} bytes into a chunk of {CHUNK_SIZE} (truncated copy?): records written there are not read",
                self.trailing
            );
            items.push(Item::Broken { number: self.next_id, reason, partial: Vec::new() });
            self.trailing = 0;
        }
        Ok(more)
    }

    /// The batch read so far as one item (or nothing, when it holds no chunk).
    fn flush(&self, buf: &mut Vec<u8>, start: usize, chunks: &mut Vec<(u64, u64)>, items: &mut Vec<Item>) {
        if chunks.is_empty() {
            buf.truncate(start);
        } else {
            items.push(Item::Records { start, end: buf.len(), chunks: std::mem::take(chunks) });
        }
    }

    /// How many chunks the file has room for.
    pub fn chunk_count(&self) -> u64 {
        self.chunks
    }
}

/// Copies an EVTX stream (standard input, or one inside gzip/zstd) to a temporary file,
/// which is deleted when closed.
pub fn spool(mut reader: impl Read) -> Result<File> {
    let mut file = tempfile::tempfile().context("cannot create a temporary file for the EVTX input")?;
    io::copy(&mut reader, &mut file).context("cannot copy the EVTX input to a temporary file")?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// One record of a chunk: its id and its JSON, or its id and why it cannot be read.
pub type Record<'a> = std::result::Result<(u64, &'a str), (u64, String)>;

fn settings() -> Arc<evtx::ParserSettings> {
    static SETTINGS: OnceLock<Arc<evtx::ParserSettings>> = OnceLock::new();
    SETTINGS.get_or_init(|| Arc::new(evtx::ParserSettings::new().num_threads(1).indent(false))).clone()
}

/// The error and its causes, on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

/// The chunk that holds the oldest records among `data`'s chunks (after its file header), as
/// the `evtx` crate finds it: the lowest first record id of a readable header.
fn oldest(data: &[u8]) -> usize {
    let mut best: Option<(u64, usize)> = None;
    for (i, c) in data[HEADER_SIZE as usize..].chunks(CHUNK_SIZE).enumerate() {
        if let Ok(h) = evtx::EvtxChunkHeader::from_bytes(&c[..512.min(c.len())]) {
            if h.first_event_record_id <= h.last_event_record_id
                && best.is_none_or(|(id, _)| h.first_event_record_id < id)
            {
                best = Some((h.first_event_record_id, i));
            }
        }
    }
    best.map_or(0, |(_, i)| i)
}

/// Renders every record of a batch of chunks (`data`: a file header and the chunks, each
/// chunk's number in its file and the record id that should come first in it) as JSON, in
/// order, and gives each to `f`. The batch is rendered as one small EVTX file, so templates
/// are compiled once for all its chunks. A chunk that cannot be read at all is one error,
/// named by the record id that should have come first in it.
pub fn records(data: &[u8], chunks: &[(u64, u64)], mut f: impl FnMut(Record<'_>)) {
    let whole = |n: u64, e: &dyn std::error::Error| {
        let offset = HEADER_SIZE + n * CHUNK_SIZE as u64;
        format!("EVTX chunk {n} (at byte {offset}) cannot be read, so none of its records are: {}", describe(e))
    };
    let mut parser = match evtx::EvtxParser::from_read_seek(std::io::Cursor::new(data)) {
        Ok(p) => p.with_configuration((*settings()).clone()),
        Err(e) => {
            for &(n, id) in chunks {
                f(Err((id, whole(n, &e))));
            }
            return;
        }
    };
    // The crate walks the batch from its oldest chunk on and wraps around: the same order as
    // `chunks` unless the first chunk's header is unreadable.
    let first = oldest(data);
    let order: Vec<(u64, u64)> = chunks[first..].iter().chain(&chunks[..first]).copied().collect();
    for (k, rendered) in parser.chunks_json_bytes(false).enumerate() {
        let Some(&(n, first_id)) = order.get(k) else { break };
        let mut start = 0;
        let mut last = first_id.saturating_sub(1);
        for item in &rendered.items {
            match item {
                evtx::RenderedChunkItem::Record { event_record_id, end } => {
                    let bytes = &rendered.data[start..end - 1];
                    start = *end;
                    last = *event_record_id;
                    match std::str::from_utf8(bytes) {
                        Ok(text) => f(Ok((last, text))),
                        Err(_) => f(Err((last, "the record's rendering is not valid UTF-8".to_string()))),
                    }
                }
                evtx::RenderedChunkItem::Failed(e) => match e {
                    evtx::err::EvtxError::FailedToParseChunk { source, .. } => {
                        f(Err((first_id, whole(n, source.as_ref()))))
                    }
                    evtx::err::EvtxError::FailedToParseRecord { record_id, source } => {
                        last = *record_id;
                        f(Err((
                            last,
                            format!(
                                "EVTX record {record_id} in chunk {n} cannot be read: {}",
                                describe(source.as_ref())
                            ),
                        )));
                    }
                    evtx::err::EvtxError::FailedToReadRecordAt { offset, source, .. } => {
                        last += 1;
                        f(Err((
                            last,
                            format!(
                                "the EVTX record at offset {offset:#x} of chunk {n} cannot be read: {}",
                                describe(source.as_ref())
                            ),
                        )));
                    }
                    other => {
                        last += 1;
                        f(Err((last, format!("EVTX chunk {n}: {}", describe(other)))));
                    }
                },
            }
        }
    }
}
