//! Input sources: paths, globs, stdin, rotated sets, and transparent gzip/zstd decoding.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One input: a file or standard input.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (or as a glob expanded it); `None` for stdin.
    pub path: Option<PathBuf>,
    /// Modification time, used to infer the year of year-less syslog lines.
    pub mtime: Option<SystemTime>,
}

impl Source {
    /// Standard input.
    pub fn stdin() -> Self {
        Source { path: None, mtime: None }
    }

    /// How the source is named in messages and rejected-line records.
    pub fn display(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "<stdin>".to_string(),
        }
    }

    /// The path for `log.file.path`, lossy for non-UTF-8 names.
    pub fn path_str(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.to_string_lossy().into_owned())
    }
}

/// Expands the command line's inputs: `-` or nothing means stdin; patterns with `*?[` are
/// globbed (sorted); every named file must exist. With `rotated`, each rotated family
/// (`x.log.3.gz x.log.2.gz x.log.1 x.log`) is ordered oldest first.
pub fn expand_inputs(args: &[String], rotated: bool) -> Result<Vec<Source>> {
    if args.is_empty() {
        return Ok(vec![Source::stdin()]);
    }
    let mut paths: Vec<Option<PathBuf>> = Vec::new();
    for arg in args {
        if arg == "-" {
            paths.push(None);
        } else if arg.contains(['*', '?', '[']) && !Path::new(arg).exists() {
            let mut matched: Vec<PathBuf> = glob::glob(arg)
                .with_context(|| format!("bad glob pattern '{arg}'"))?
                .filter_map(|r| r.ok())
                .filter(|p| p.is_file())
                .collect();
            if matched.is_empty() {
                bail!("no file matches '{arg}'");
            }
            matched.sort();
            paths.extend(matched.into_iter().map(Some));
        } else {
            let p = PathBuf::from(arg);
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => bail!("'{arg}' is a directory: name the files in it (e.g. '{arg}/*.log')"),
                Ok(_) => paths.push(Some(p)),
                Err(e) => bail!("cannot read '{arg}': {e}"),
            }
        }
    }
    if rotated {
        order_rotated(&mut paths);
    }
    Ok(paths
        .into_iter()
        .map(|path| {
            let mtime = path.as_ref().and_then(|p| std::fs::metadata(p).ok()).and_then(|m| m.modified().ok());
            Source { path, mtime }
        })
        .collect())
}

/// Splits `auth.log.2.gz` into (`auth.log`, 2); a file without a rotation number is 0 (newest).
fn rotation_key(p: &Path) -> (String, u32) {
    let name = p.to_string_lossy();
    let mut stem: &str = &name;
    for ext in [".gz", ".zst", ".zstd"] {
        if let Some(s) = stem.strip_suffix(ext) {
            stem = s;
            break;
        }
    }
    if let Some((base, num)) = stem.rsplit_once('.') {
        if !num.is_empty() && num.len() <= 4 && num.bytes().all(|b| b.is_ascii_digit()) {
            return (base.to_string(), num.parse().unwrap_or(0));
        }
    }
    // A date suffix such as auth.log-20240101 sorts by the date: older dates first.
    (stem.to_string(), 0)
}

/// Orders each rotated family oldest first (highest number first), keeping families in the
/// order they first appear; stdin stays where it was given.
fn order_rotated(paths: &mut [Option<PathBuf>]) {
    let mut families: Vec<String> = Vec::new();
    for p in paths.iter().flatten() {
        let base = rotation_key(p).0;
        if !families.contains(&base) {
            families.push(base);
        }
    }
    paths.sort_by_key(|p| match p {
        None => (usize::MAX, 0, String::new()),
        Some(p) => {
            let (base, n) = rotation_key(p);
            let fam = families.iter().position(|f| *f == base).unwrap_or(0);
            (fam, u32::MAX - n, p.to_string_lossy().into_owned())
        }
    });
}

/// Opens a source for reading, decompressing gzip (single or multi-member) or zstd when the
/// first bytes say so, whatever the file is called. Returns the reader and whether the
/// input is a live stream (stdin, a pipe) whose pauses should flush output.
pub fn open(src: &Source) -> Result<(Box<dyn Read + Send>, bool)> {
    let (raw, live): (Box<dyn Read + Send>, bool) = match &src.path {
        None => (Box::new(io::stdin()), true),
        Some(p) => {
            let f = File::open(p).with_context(|| format!("cannot open '{}'", p.display()))?;
            let live = !f.metadata().map(|m| m.is_file()).unwrap_or(true);
            (Box::new(f), live)
        }
    };
    let mut br = BufReader::with_capacity(1 << 16, raw);
    let magic = peek(&mut br, 4).with_context(|| format!("cannot read '{}'", src.display()))?;
    Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        (Box::new(flate2::bufread::MultiGzDecoder::new(br)), false)
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let dec = zstd::stream::read::Decoder::with_buffer(br)
            .with_context(|| format!("cannot start zstd decoding of '{}'", src.display()))?;
        (Box::new(dec), false)
    } else {
        (Box::new(br), live)
    })
}

/// An opened input: text to be read as lines, or an EVTX file to be read as records.
pub enum Input {
    /// The (decompressed) bytes, and whether the input is live (see [`open`]).
    Text(Box<dyn Read + Send>, bool),
    /// A seekable EVTX file: the file itself, or a temporary copy of standard input or of
    /// decompressed data (see [`super::evtx`]).
    Evtx(File),
}

/// Opens a source as [`open`] does, and recognizes an EVTX file by its first bytes
/// (after decompression), whatever it is called.
pub fn open_input(src: &Source) -> Result<Input> {
    let (mut reader, live) = open(src)?;
    let mut head = [0u8; 8];
    let mut n = 0;
    while n < head.len() {
        match reader.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Read errors surface where the line reader meets them.
            Err(_) => break,
        }
    }
    let rest = io::Cursor::new(head[..n].to_vec()).chain(reader);
    if &head[..n] != super::evtx::MAGIC {
        return Ok(Input::Text(Box::new(rest), live));
    }
    // The file itself when it is a plain EVTX file; otherwise a copy that can be sought in.
    if let Some(p) = &src.path {
        let mut f = File::open(p).with_context(|| format!("cannot open '{}'", p.display()))?;
        let mut first = [0u8; 8];
        if f.read_exact(&mut first).is_ok() && &first == super::evtx::MAGIC && !live {
            f.rewind()?;
            return Ok(Input::Evtx(f));
        }
    }
    Ok(Input::Evtx(super::evtx::spool(rest).with_context(|| format!("cannot read '{}'", src.display()))?))
}

/// Looks at up to `n` leading bytes without consuming them (waits for the first read on a
/// pipe). Magic numbers are at most 4 bytes, so one read is enough in practice.
fn peek<R: Read>(br: &mut BufReader<R>, n: usize) -> io::Result<Vec<u8>> {
    let buf = br.fill_buf()?;
    Ok(buf[..buf.len().min(n)].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_family_oldest_first() {
        let mut v: Vec<Option<PathBuf>> = ["auth.log", "auth.log.1", "syslog", "auth.log.3.gz", "auth.log.2.gz"]
            .iter()
            .map(|s| Some(PathBuf::from(s)))
            .collect();
        order_rotated(&mut v);
        let names: Vec<String> = v.iter().map(|p| p.as_ref().unwrap().display().to_string()).collect();
        assert_eq!(names, ["auth.log.3.gz", "auth.log.2.gz", "auth.log.1", "auth.log", "syslog"]);
    }
}
