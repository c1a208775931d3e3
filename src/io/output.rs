//! The NDJSON output: buffered, flushed on demand, and quiet about a closed pipe.

use anyhow::{Context, Result};
use std::fs::File;
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

/// Where records go: a file (`-o FILE`) or stdout, buffered.
pub struct OutputStream {
    w: BufWriter<Box<dyn Write + Send>>,
    name: String,
}

impl OutputStream {
    /// `-o FILE`, or stdout when `None` or `-`.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        let (w, name): (Box<dyn Write + Send>, String) = match path {
            Some(p) if p != Path::new("-") => (
                Box::new(File::create(p).with_context(|| format!("cannot create output file '{}'", p.display()))?),
                p.display().to_string(),
            ),
            _ => (Box::new(io::stdout()), "stdout".to_string()),
        };
        Ok(OutputStream { w: BufWriter::with_capacity(1 << 17, w), name })
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
