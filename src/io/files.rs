//! Files beside the event stream, handled one way by every stage:
//!
//! - [`check_paths`]: before anything is created, every output is compared with every input
//!   and with every other output by device and inode (links resolved), so `-o x.log x.log`,
//!   `--errors F -o F` or a key file named as `-o` stop with one clear line instead of
//!   destroying a file.
//! - [`AtomicFile`]: outputs (`-o`, `--errors`, `--templates-out`, `--risk-report`, ...) are
//!   written to a temporary file in the same folder and renamed into place on success, so a
//!   failed run leaves no file that looks complete. When SIGINT, SIGTERM or SIGHUP ends a
//!   run, streamed outputs are kept as `FILE.partial` (nothing read is lost, and nothing
//!   looks finished) and whole-file outputs are removed.
//! - [`read_limited`], [`LimitedLines`]: side files (keys, policies, rules, mappings, IP
//!   lists, GeoIP databases, bundles, template state, rejected-line files) are read with a
//!   size limit, and the message names the file and the limit.

use super::input::Source;
use anyhow::{bail, Context, Result};
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// Where a file lives: what two names of one file (links) have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
fn id_of(m: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    m.is_file().then(|| FileId { dev: m.dev(), ino: m.ino() })
}

#[cfg(not(unix))]
fn id_of(_m: &std::fs::Metadata) -> Option<FileId> {
    None
}

/// The identity of a regular file at `path` (links followed); `None` for anything else.
fn path_id(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().as_ref().and_then(id_of)
}

/// The identity of the file behind a standard stream, when it is a regular file
/// (`< x.log`, `> out.ndjson`).
#[cfg(unix)]
fn stream_id(fd: std::os::fd::BorrowedFd<'_>) -> Option<FileId> {
    let owned = fd.try_clone_to_owned().ok()?;
    File::from(owned).metadata().ok().as_ref().and_then(id_of)
}

/// How an output is named for the checks: its identity when it exists, else the full
/// path it will have.
#[derive(Debug, PartialEq)]
enum Target {
    Existing(FileId),
    New(PathBuf),
    /// Not a regular file (a device such as /dev/null, a pipe): never the same as another.
    Other,
}

fn target_of(label: &str, path: &Path) -> Result<Target> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => bail!("{label} '{}' is a folder: name a file", path.display()),
        Ok(m) => Ok(id_of(&m).map_or(Target::Other, Target::Existing)),
        Err(_) => {
            let name = path.file_name().with_context(|| format!("{label} '{}': name a file", path.display()))?;
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let dir = std::fs::canonicalize(parent).map_err(|_| {
                anyhow::anyhow!(
                    "{label} '{}': the folder '{}' does not exist (create it first)",
                    path.display(),
                    parent.display()
                )
            })?;
            Ok(Target::New(dir.join(name)))
        }
    }
}

/// The files a run reads besides its inputs, and the files it writes: given to
/// [`check_paths`] before any output is created.
#[derive(Debug, Clone, Default)]
pub struct SidePaths {
    /// Files read (a key, a policy, rules, lists), with the flag that names them.
    pub reads: Vec<(String, PathBuf)>,
    /// Files written (`-o`, `--errors`, `--templates-out`, `--risk-report`, ...).
    pub writes: Vec<(String, PathBuf)>,
}

impl SidePaths {
    /// Adds a file that is read.
    pub fn read(&mut self, flag: &str, path: &Path) {
        self.reads.push((flag.to_string(), path.to_path_buf()));
    }

    /// Adds a file that is written (`-` is standard output and is left out).
    pub fn write(&mut self, flag: &str, path: &Path) {
        if path != Path::new("-") {
            self.writes.push((flag.to_string(), path.to_path_buf()));
        }
    }
}

/// Refuses a run whose output would be one of its inputs (or a side file it reads), or
/// whose two outputs are one file: compared by device and inode, so links are caught. With
/// no `-o`, standard output counts as an output when it is a regular file (`> x.log`).
pub fn check_paths(inputs: &[Source], side: &SidePaths, events_to_stdout: bool) -> Result<()> {
    let mut reads: Vec<(String, FileId)> = Vec::new();
    for src in inputs {
        match &src.path {
            Some(p) => {
                if let Some(id) = path_id(p) {
                    reads.push((format!("the input '{}'", p.display()), id));
                }
            }
            None =>
            {
                #[cfg(unix)]
                if let Some(id) = stream_id(std::os::fd::AsFd::as_fd(&io::stdin())) {
                    reads.push(("standard input".to_string(), id));
                }
            }
        }
    }
    for (flag, p) in &side.reads {
        if let Some(id) = path_id(p) {
            reads.push((format!("{flag} '{}'", p.display()), id));
        }
    }
    let mut writes: Vec<(String, Target)> = Vec::new();
    for (flag, p) in &side.writes {
        writes.push((format!("{flag} '{}'", p.display()), target_of(flag, p)?));
    }
    #[cfg(unix)]
    if events_to_stdout {
        if let Some(id) = stream_id(std::os::fd::AsFd::as_fd(&io::stdout())) {
            writes.push(("standard output".to_string(), Target::Existing(id)));
        }
    }
    let _ = events_to_stdout;
    for (i, (what, target)) in writes.iter().enumerate() {
        if let Target::Existing(id) = target {
            if let Some((input, _)) = reads.iter().find(|(_, r)| r == id) {
                bail!(
                    "{what} is the same file as {input}: writing it would destroy what is read; \
                     write the output to another file"
                );
            }
        }
        if *target == Target::Other {
            continue;
        }
        if let Some((other, _)) = writes[..i].iter().find(|(_, t)| t == target) {
            bail!("{other} and {what} are the same file: give each output a file of its own");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Outputs written through a temporary file.

/// Temporary files in use, for the signal handler: each slot holds a leaked
/// [`Pending`] (never freed, so the handler can never read freed memory).
const SLOTS: usize = 64;
static LIVE: [AtomicPtr<Pending>; SLOTS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];
static HANDLERS: std::sync::Once = std::sync::Once::new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// What the signal handler does with one temporary file.
struct Pending {
    tmp: CString,
    /// Rename to this (streamed outputs), or remove when `None`.
    partial: Option<CString>,
    /// Said on stderr when the handler keeps the partial file.
    message: CString,
}

#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    // Only async-signal-safe calls: atomic loads, rename, unlink, write, signal, raise.
    for slot in &LIVE {
        let p = slot.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if p.is_null() {
            continue;
        }
        // SAFETY: slots only ever hold pointers leaked from a Box<Pending>, never freed.
        let pending = unsafe { &*p };
        unsafe {
            match &pending.partial {
                Some(partial) => {
                    if libc::rename(pending.tmp.as_ptr(), partial.as_ptr()) == 0 {
                        let m = pending.message.as_bytes();
                        libc::write(2, m.as_ptr().cast(), m.len());
                    }
                }
                None => {
                    libc::unlink(pending.tmp.as_ptr());
                }
            }
        }
    }
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

fn install_handlers() {
    #[cfg(unix)]
    HANDLERS.call_once(|| {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: installs a handler that only makes async-signal-safe calls.
            unsafe {
                libc::signal(sig, handler);
            }
        }
    });
}

fn register(p: Pending) -> Option<usize> {
    install_handlers();
    let ptr = Box::into_raw(Box::new(p));
    for (i, slot) in LIVE.iter().enumerate() {
        if slot.compare_exchange(std::ptr::null_mut(), ptr, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return Some(i);
        }
    }
    None
}

fn unregister(slot: Option<usize>) {
    if let Some(i) = slot {
        // The Pending stays allocated (a few bytes per output file and run).
        LIVE[i].store(std::ptr::null_mut(), Ordering::SeqCst);
    }
}

/// An output file written through a temporary file in the same folder and renamed into
/// place by [`AtomicFile::commit`]; dropped without a commit, the temporary file is
/// removed. A path that exists and is not a regular file (`/dev/null`, a pipe) is written
/// directly.
pub struct AtomicFile {
    file: File,
    /// The temporary file, and the slot the signal handler knows it by.
    tmp: Option<(PathBuf, Option<usize>)>,
    path: PathBuf,
    what: String,
}

/// Whether an interrupted run keeps what was written of an output as `FILE.partial`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSignal {
    /// A stream of records (`-o`, `--errors`): kept as `FILE.partial`.
    KeepPartial,
    /// A file written whole at the end (a report, a state file): removed.
    Remove,
}

impl AtomicFile {
    /// Starts writing `path`; `what` names it in messages ("output file", "risk report").
    pub fn create(path: &Path, what: &str, on_signal: OnSignal) -> Result<AtomicFile> {
        if let Ok(m) = std::fs::metadata(path) {
            if !m.is_file() && !m.is_dir() {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot open {what} '{}'", path.display()))?;
                return Ok(AtomicFile { file, tmp: None, path: path.to_path_buf(), what: what.to_string() });
            }
        }
        let name = path
            .file_name()
            .with_context(|| format!("{what} '{}': name a file", path.display()))?
            .to_string_lossy()
            .into_owned();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.logward-{}-{n}.tmp", std::process::id()));
        let file =
            OpenOptions::new().write(true).create_new(true).open(&tmp).with_context(|| {
                format!("cannot create {what} '{}' (in folder '{}')", path.display(), dir.display())
            })?;
        // An existing file keeps its permissions (a key-like file stays private).
        if let Ok(m) = std::fs::metadata(path) {
            let _ = file.set_permissions(m.permissions());
        }
        let slot = cstring(&tmp).and_then(|tmp_c| {
            let (partial, message) = match on_signal {
                OnSignal::KeepPartial => {
                    let partial = PathBuf::from(format!("{}.partial", path.display()));
                    let message = format!(
                        "logward: interrupted: what was written of {what} '{}' is kept in '{}' (it may end mid-line)\n",
                        path.display(),
                        partial.display()
                    );
                    (cstring(&partial), CString::new(message).ok())
                }
                OnSignal::Remove => (None, None),
            };
            register(Pending { tmp: tmp_c, partial, message: message.unwrap_or_default() })
        });
        Ok(AtomicFile { file, tmp: Some((tmp, slot)), path: path.to_path_buf(), what: what.to_string() })
    }

    /// The file being written.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The path the file will have.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the finished file into place.
    pub fn commit(mut self) -> Result<()> {
        self.file.flush().with_context(|| format!("cannot write {} '{}'", self.what, self.path.display()))?;
        if let Some((tmp, slot)) = self.tmp.take() {
            unregister(slot);
            if let Err(e) = std::fs::rename(&tmp, &self.path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(|| format!("cannot write {} '{}'", self.what, self.path.display()));
            }
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some((tmp, slot)) = self.tmp.take() {
            unregister(slot);
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The zip writer behind `score --export-features` seeks back to fill in entry sizes.
impl io::Seek for AtomicFile {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

fn cstring(p: &Path) -> Option<CString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        CString::new(p.as_os_str().as_bytes()).ok()
    }
    #[cfg(not(unix))]
    {
        CString::new(p.to_string_lossy().as_bytes()).ok()
    }
}

/// Writes a whole file at once through a temporary file (reports, state files, tables).
pub fn write_atomic(path: &Path, bytes: &[u8], what: &str) -> Result<()> {
    let mut f = AtomicFile::create(path, what, OnSignal::Remove)?;
    f.file().write_all(bytes).with_context(|| format!("cannot write {what} '{}'", path.display()))?;
    f.commit()
}

// ---------------------------------------------------------------------------------------
// Side files read with a limit.

/// Size limits of side files that are small by nature (no flag raises them).
pub mod limits {
    /// A key file (`anonymize --key-file`): 64 hex digits.
    pub const KEY: u64 = 4 << 10;
    /// An anonymization policy, a Sigma rule file, a logsource mapping.
    pub const CONFIG: u64 = 16 << 20;
    /// A model's graph or metadata (`score --model PATH`): ONNX's own 2 GiB limit.
    pub const MODEL: u64 = 2 << 30;
    /// One record of a rejected-lines file (`report --rejects`).
    pub const REJECT_RECORD: u64 = 64 << 20;
    /// One line of an IP list.
    pub const LIST_LINE: u64 = 64 << 10;
    /// IP lists, GeoIP databases, ATT&CK bundles unless `--side-file-limit` says otherwise.
    pub const LARGE_DEFAULT: u64 = 1 << 30;
}

/// A size as people write it: `1048576`, `64K`, `512M`, `2G`, `1GiB`, `10MB` (powers of 1024).
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is not a size (write e.g. 512M, 2G or 1048576)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("'{s}': unknown unit (use K, M, G or T)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("'{s}' is too large"))
}

/// A size for people: `4 KiB`, `16 MiB`, `1 GiB`, `1000 bytes`.
pub fn human_size(n: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

fn too_large(what: &str, path: &Path, limit: u64, raise: Option<&str>) -> anyhow::Error {
    let hint = match raise {
        Some(flag) => format!("; raise the limit with {flag} SIZE if it is meant to be this large"),
        None => format!("; is it the right file? a {what} is much smaller"),
    };
    anyhow::anyhow!("{what} '{}' is larger than the {} limit{hint}", path.display(), human_size(limit))
}

/// Reads a whole side file of at most `limit` bytes; `what` names it ("key file", "IP
/// list") and `raise` is the flag that raises the limit, when there is one.
pub fn read_limited(path: &Path, what: &str, limit: u64, raise: Option<&str>) -> Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot read {what} '{}'", path.display()))?;
    if let Ok(m) = file.metadata() {
        if m.is_dir() {
            bail!("{what} '{}' is a folder: name a file", path.display());
        }
        if m.is_file() && m.len() > limit {
            return Err(too_large(what, path, limit, raise));
        }
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} '{}'", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(what, path, limit, raise));
    }
    Ok(bytes)
}

/// [`read_limited`] for a text file (UTF-8).
pub fn read_text_limited(path: &Path, what: &str, limit: u64, raise: Option<&str>) -> Result<String> {
    String::from_utf8(read_limited(path, what, limit, raise)?).map_err(|e| {
        anyhow::anyhow!("{what} '{}' is not UTF-8 text (at byte {})", path.display(), e.utf8_error().valid_up_to())
    })
}

/// The lines of a side file, read one at a time with a limit per line and in all, so a
/// list of any size is read in bounded memory and `/dev/zero` stops at once.
pub struct LimitedLines {
    reader: BufReader<std::io::Take<File>>,
    path: PathBuf,
    what: String,
    line_limit: u64,
    total_limit: u64,
    raise: Option<String>,
    read: u64,
    number: u64,
    buf: Vec<u8>,
}

impl LimitedLines {
    /// Opens `path`; lines longer than `line_limit` or a file longer than `total_limit`
    /// (raised with the flag `raise`) are errors naming the file and the limit.
    pub fn open(path: &Path, what: &str, line_limit: u64, total_limit: u64, raise: Option<&str>) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot read {what} '{}'", path.display()))?;
        if let Ok(m) = file.metadata() {
            if m.is_dir() {
                bail!("{what} '{}' is a folder: name a file", path.display());
            }
            if m.is_file() && m.len() > total_limit {
                return Err(too_large(what, path, total_limit, raise));
            }
        }
        Ok(LimitedLines {
            reader: BufReader::with_capacity(1 << 16, file.take(total_limit.saturating_add(1))),
            path: path.to_path_buf(),
            what: what.to_string(),
            line_limit,
            total_limit,
            raise: raise.map(str::to_string),
            read: 0,
            number: 0,
            buf: Vec::new(),
        })
    }

    /// The next line (without its line ending, lossily decoded) and its number from 1, or
    /// `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, String)>> {
        self.buf.clear();
        loop {
            let chunk = self
                .reader
                .fill_buf()
                .with_context(|| format!("cannot read {} '{}'", self.what, self.path.display()))?;
            if chunk.is_empty() {
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            self.buf.extend_from_slice(&chunk[..take]);
            self.reader.consume(take);
            self.read += take as u64;
            if self.read > self.total_limit {
                return Err(too_large(&self.what, &self.path, self.total_limit, self.raise.as_deref()));
            }
            if self.buf.len() as u64 > self.line_limit.saturating_add(2) {
                bail!(
                    "{} '{}' line {}: longer than {}; is it the right file?",
                    self.what,
                    self.path.display(),
                    self.number + 1,
                    human_size(self.line_limit)
                );
            }
            if done {
                break;
            }
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        self.number += 1;
        let mut line = &self.buf[..];
        line = line.strip_suffix(b"\n").unwrap_or(line);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        Ok(Some((self.number, String::from_utf8_lossy(line).into_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_written() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(human_size(4 << 10), "4 KiB");
        assert_eq!(human_size(1 << 30), "1 GiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn limited_reads_stop_at_the_limit_and_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        std::fs::write(&p, vec![b'a'; 100]).unwrap();
        assert_eq!(read_limited(&p, "key file", 100, None).unwrap().len(), 100);
        let e = read_limited(&p, "key file", 99, None).unwrap_err().to_string();
        assert!(e.contains("key file") && e.contains("'") && e.contains("99 bytes limit"), "{e}");
        let e = read_limited(&p, "IP list", 10, Some("--side-file-limit")).unwrap_err().to_string();
        assert!(e.contains("--side-file-limit"), "{e}");
        // A device that never ends: stopped at the limit.
        #[cfg(unix)]
        {
            let e = read_limited(Path::new("/dev/zero"), "key file", 4096, None).unwrap_err().to_string();
            assert!(e.contains("/dev/zero") && e.contains("4 KiB"), "{e}");
            let mut lines = LimitedLines::open(Path::new("/dev/zero"), "IP list", 1024, 1 << 20, None).unwrap();
            let e = lines.next_line().unwrap_err().to_string();
            assert!(e.contains("line 1") && e.contains("1 KiB"), "{e}");
        }
        std::fs::write(&p, "a\r\nb\n\nc").unwrap();
        let mut lines = LimitedLines::open(&p, "list", 10, 100, None).unwrap();
        let mut got = Vec::new();
        while let Some((n, l)) = lines.next_line().unwrap() {
            got.push((n, l));
        }
        assert_eq!(got, [(1, "a".into()), (2, "b".into()), (3, "".into()), (4, "c".into())]);
    }

    #[test]
    fn atomic_files_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.ndjson");
        std::fs::write(&p, "old\n").unwrap();
        {
            let mut f = AtomicFile::create(&p, "output file", OnSignal::KeepPartial).unwrap();
            f.write_all(b"new\n").unwrap();
            assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n", "not yet in place");
        } // dropped: the temporary file is removed, the old file stays
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        let mut f = AtomicFile::create(&p, "output file", OnSignal::KeepPartial).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Devices are written directly.
        #[cfg(unix)]
        {
            let mut f = AtomicFile::create(Path::new("/dev/null"), "output file", OnSignal::KeepPartial).unwrap();
            f.write_all(b"x").unwrap();
            f.commit().unwrap();
        }
    }

    #[test]
    fn outputs_are_checked_against_inputs_and_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("x.log");
        std::fs::write(&input, "line\n").unwrap();
        let src = |p: &Path| Source { path: Some(p.to_path_buf()), mtime: None };
        let mut side = SidePaths::default();
        side.write("-o", &input);
        let e = check_paths(&[src(&input)], &side, false).unwrap_err().to_string();
        assert!(e.contains("-o") && e.contains("same file as the input"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.log");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            let hard = dir.path().join("hard.log");
            std::fs::hard_link(&input, &hard).unwrap();
            for out in [&link, &hard] {
                let mut side = SidePaths::default();
                side.write("--errors", out);
                assert!(check_paths(&[src(&input)], &side, false).is_err(), "{}", out.display());
            }
        }
        // Two outputs that will be one new file, named two ways.
        let mut side = SidePaths::default();
        side.write("-o", &dir.path().join("new.ndjson"));
        side.write("--errors", &dir.path().join(".").join("new.ndjson"));
        let e = check_paths(&[src(&input)], &side, false).unwrap_err().to_string();
        assert!(e.contains("are the same file"), "{e}");
        // A side file read is protected too; distinct files and devices pass.
        let key = dir.path().join("team.key");
        std::fs::write(&key, "k").unwrap();
        let mut side = SidePaths::default();
        side.read("--key-file", &key);
        side.write("-o", &key);
        assert!(check_paths(&[], &side, false).unwrap_err().to_string().contains("--key-file"));
        let mut side = SidePaths::default();
        side.write("-o", &dir.path().join("a.ndjson"));
        side.write("--errors", Path::new("/dev/null"));
        side.write("--risk-report", Path::new("/dev/null"));
        check_paths(&[src(&input)], &side, false).unwrap();
        let mut side = SidePaths::default();
        side.write("-o", &dir.path().join("missing-folder/a.ndjson"));
        assert!(check_paths(&[], &side, false).unwrap_err().to_string().contains("does not exist"));
    }
}
