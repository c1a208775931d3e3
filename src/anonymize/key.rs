//! The anonymization key: 32 random bytes written as 64 hex digits, from a file or
//! `LOGWARD_KEY`. Every pseudonym comes from sub-keys derived from it (and from `--domain`),
//! so workers agree without sharing a table. The key never appears in output or messages.

use anyhow::{bail, Context, Result};
use std::path::Path;

pub const KEY_BYTES: usize = 32;

pub struct Key([u8; KEY_BYTES]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(hidden)")
    }
}

impl Key {
    /// Reads the key from `file`, else from the `env` value; refuses to run without one.
    pub fn load(file: Option<&Path>, env: Option<String>) -> Result<Key> {
        match (file, env) {
            (Some(path), _) => {
                warn_if_shared(path);
                let limit = crate::io::files::limits::KEY;
                let text = crate::io::files::read_text_limited(path, "key file", limit, None)?;
                Key::from_hex(&text).with_context(|| format!("key file '{}'", path.display()))
            }
            (None, Some(hex)) => Key::from_hex(&hex).context("LOGWARD_KEY"),
            (None, None) => bail!(
                "no key: pass --key-file FILE or set LOGWARD_KEY (create a key with `logward anonymize --new-key FILE`)"
            ),
        }
    }

    /// Parses 64 hex digits (surrounding whitespace allowed). The message never shows the text.
    pub fn from_hex(text: &str) -> Result<Key> {
        let text = text.trim();
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("a key is 64 hex digits (0-9, a-f); this one holds other characters");
        }
        if text.len() != KEY_BYTES * 2 {
            bail!("a key is 64 hex digits ({KEY_BYTES} bytes); this one has {} digits", text.len());
        }
        let mut key = [0u8; KEY_BYTES];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("checked hex");
        }
        Ok(Key(key))
    }

    /// Writes a new random key to `path` (which must not exist), readable by its owner only.
    pub fn create(path: &Path) -> Result<()> {
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("cannot get random bytes for a key: {e}"))?;
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).with_context(|| {
            format!("cannot create key file '{}' (an existing key is never overwritten)", path.display())
        })?;
        std::io::Write::write_all(&mut file, format!("{hex}\n").as_bytes())
            .with_context(|| format!("cannot write key file '{}'", path.display()))
    }

    /// A 32-byte sub-key for one purpose, independent for every `domain`.
    pub fn derive(&self, domain: &str, purpose: &str) -> [u8; 32] {
        let mut material = Vec::with_capacity(KEY_BYTES + domain.len());
        material.extend_from_slice(&self.0);
        material.extend_from_slice(domain.as_bytes());
        blake3::derive_key(&format!("logward anonymize v1 {purpose}"), &material)
    }
}

impl Key {
    /// A short public check value of the key and `domain` (12 hex digits): written into
    /// every anonymized event, so `--reveal` can tell another key from this one. It tells
    /// nothing about the key (a keyed hash of its own purpose).
    pub fn fingerprint(&self, domain: &str) -> String {
        self.derive(domain, "key fingerprint")[..6].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A key readable by group or others is still used, with a warning (refusing would break
/// keys on shared volumes that ignore modes).
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                eprintln!(
                    "logward anonymize: warning: key file '{}' is readable by others (mode {:o}); run: chmod 600 '{}'",
                    path.display(),
                    mode & 0o777,
                    path.display()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_are_checked_without_echoing_them() {
        let good = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        assert!(Key::from_hex(good).is_ok());
        assert!(Key::from_hex(&format!(" {good}\n")).is_ok());
        let short = Key::from_hex("deadbeef").unwrap_err().to_string();
        assert!(short.contains("8 digits") && !short.contains("deadbeef"), "{short}");
        let odd = Key::from_hex("secret-words").unwrap_err().to_string();
        assert!(!odd.contains("secret"), "{odd}");
    }

    #[test]
    fn domains_and_purposes_give_independent_sub_keys() {
        let key = Key([7; 32]);
        assert_ne!(key.derive("", "ip"), key.derive("", "fpe"));
        assert_ne!(key.derive("", "ip"), key.derive("partner-a", "ip"));
        assert_eq!(key.derive("partner-a", "ip"), key.derive("partner-a", "ip"));
        assert_eq!(format!("{key:?}"), "Key(hidden)");
    }
}
