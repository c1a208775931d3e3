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
        let mut header = [0u8; 128];
        file.read_exact(&mut header).context("cannot read the EVTX file header")?;
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
        Ok(EvtxFile { file, order: order.into_iter(), next_id, trailing, chunks })
    }

    /// Reads up to a batch of chunks into `buf`, one [`Item::Records`] each (chunks of zeros,
    /// never written, are passed over). Returns false once the file is done.
    pub fn read_batch(&mut self, buf: &mut Vec<u8>, items: &mut Vec<Item>) -> Result<bool> {
        while items.len() < CHUNKS_PER_BATCH {
            let Some(n) = self.order.next() else {
                if self.trailing > 0 {
                    let reason = format!(
                        "the file ends {} bytes into a chunk of {CHUNK_SIZE} (truncated copy?): records written there are not read",
                        self.trailing
                    );
                    items.push(Item::Broken { number: self.next_id, reason, partial: Vec::new() });
                    self.trailing = 0;
                }
                return Ok(false);
            };
            let start = buf.len();
            buf.resize(start + CHUNK_SIZE, 0);
            self.file.seek(SeekFrom::Start(HEADER_SIZE + n * CHUNK_SIZE as u64))?;
            if let Err(e) = self.file.read_exact(&mut buf[start..]) {
                buf.truncate(start);
                items.push(Item::Broken {
                    number: self.next_id,
                    reason: format!("read error: {e}"),
                    partial: Vec::new(),
                });
                return Ok(false);
            }
            if buf[start..].iter().all(|&b| b == 0) {
                buf.truncate(start);
                continue;
            }
            let first_id = self.next_id;
            if let Ok(h) = evtx::EvtxChunkHeader::from_bytes(&buf[start..start + 512]) {
                if h.first_event_record_id <= h.last_event_record_id {
                    self.next_id = h.last_event_record_id + 1;
                }
            }
            items.push(Item::Records { chunk: n, start, end: start + CHUNK_SIZE, first_id });
        }
        Ok(self.order.len() > 0 || self.trailing > 0)
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

/// Renders every record of one chunk (`data`, chunk number `chunk` of its file) as JSON, in
/// order, and gives each to `f`. A chunk that cannot be read at all is one error, numbered
/// `first_id` (the record id that should have come first in it).
pub fn records(data: &[u8], chunk: u64, first_id: u64, mut f: impl FnMut(Record<'_>)) {
    let offset = HEADER_SIZE + chunk * CHUNK_SIZE as u64;
    let whole = |e: &dyn std::error::Error| {
        format!("EVTX chunk {chunk} (at byte {offset}) cannot be read, so none of its records are: {}", describe(e))
    };
    let mut chunk_data = match evtx::EvtxChunkData::new(data.to_vec(), false) {
        Ok(c) => c,
        Err(e) => return f(Err((first_id, whole(&e)))),
    };
    let first_id = chunk_data.header.first_event_record_id;
    let mut parsed = match chunk_data.parse(settings()) {
        Ok(p) => p,
        Err(e) => return f(Err((first_id, whole(&e)))),
    };
    let mut last = first_id.saturating_sub(1);
    let mut json = Vec::new();
    for record in parsed.iter() {
        let rendered = record.and_then(|r| {
            let id = r.event_record_id;
            r.into_json_bytes().map(|s| (id, s.data))
        });
        match rendered {
            Ok((id, bytes)) => {
                last = id;
                json = bytes;
                match std::str::from_utf8(&json) {
                    Ok(text) => f(Ok((id, text))),
                    Err(_) => f(Err((id, "the record's rendering is not valid UTF-8".to_string()))),
                }
            }
            Err(e) => {
                let id = match &e {
                    evtx::err::EvtxError::FailedToParseRecord { record_id, .. } => *record_id,
                    _ => last + 1,
                };
                last = id;
                f(Err((id, format!("EVTX record cannot be read: {}", describe(&e)))));
            }
        }
    }
    drop(json);
}
