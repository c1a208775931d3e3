//! The NDJSON output: buffered, flushed on demand, and quiet about a closed pipe. A file
//! (`-o FILE`) is written through a temporary file and renamed into place when the run
//! succeeds ([`super::files::AtomicFile`]).

use super::files::{AtomicFile, OnSignal};
use anyhow::Result;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Raised (inside an `anyhow::Error`) when the reader of stdout went away (`| head`).
#[derive(Debug)]
pub struct PipeClosed;

impl std::fmt::Display for PipeClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("output pipe closed")
    }
}
impl std::error::Error for PipeClosed {}

/// Where the records of a stream go.
enum Sink {
    Stdout(io::Stdout),
    File(AtomicFile),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

/// Where records go: a file (`-o FILE`) or stdout, buffered.
pub struct OutputStream {
    w: BufWriter<Sink>,
    name: String,
}

impl OutputStream {
    /// `-o FILE`, or stdout when `None` or `-`. The file appears under its name only when
    /// [`Self::commit`] is called.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        let (w, name) = match path {
            Some(p) if p != Path::new("-") => {
                (Sink::File(AtomicFile::create(p, "output file", OnSignal::KeepPartial)?), p.display().to_string())
            }
            _ => (Sink::Stdout(io::stdout()), "stdout".to_string()),
        };
        Ok(OutputStream { w: BufWriter::with_capacity(1 << 17, w), name })
    }

    /// Flushes and, for a file, renames it into place: the run succeeded.
    pub fn commit(self) -> Result<()> {
        let name = self.name;
        let sink = self.w.into_inner().map_err(|e| {
            let e = e.into_error();
            if e.kind() == io::ErrorKind::BrokenPipe {
                anyhow::Error::new(PipeClosed)
            } else {
                anyhow::Error::new(e).context(format!("cannot write to {name}"))
            }
        })?;
        match sink {
            Sink::File(f) => f.commit(),
            Sink::Stdout(mut w) => w.flush().map_err(|e| {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    anyhow::Error::new(PipeClosed)
                } else {
                    anyhow::Error::new(e).context("cannot write to stdout")
                }
            }),
        }
    }

    /// Writes all of `bytes`; a closed pipe becomes [`PipeClosed`].
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.write_all(bytes).map_err(|e| self.error(e))
    }

    /// Flushes the buffer to the file or pipe.
    pub fn flush(&mut self) -> Result<()> {
        self.w.flush().map_err(|e| self.error(e))
    }

    fn error(&self, e: io::Error) -> anyhow::Error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            anyhow::Error::new(PipeClosed)
        } else {
            anyhow::Error::new(e).context(format!("cannot write to {}", self.name))
        }
    }
}

/// For whole-input stages that write their result at the end (`LineStage::finish`).
impl Write for OutputStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// True when the error (or its cause) is a closed output pipe.
pub fn is_pipe_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<PipeClosed>() || c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
