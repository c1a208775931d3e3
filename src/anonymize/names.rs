//! Readable pseudonyms of the same shape: letters stay letters (case kept), digits stay
//! digits, everything else stays where it was. `svc_backup01` becomes something like
//! `qem_xzrwlod47`; domains change label by label and keep their public suffix; e-mail
//! addresses reuse the user and domain pseudonyms. All of it reverses with the key.

use super::fpe::{Dir, Fpe};
use std::collections::HashSet;

/// What a name is; each role permutes with its own tweak.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    User,
    Label,
    Person,
    Query,
    Id,
}

impl Role {
    fn tweak(self) -> &'static [u8] {
        match self {
            Role::User => b"user",
            Role::Label => b"label",
            Role::Person => b"person",
            Role::Query => b"query",
            Role::Id => b"id",
        }
    }
}

/// Values that are not personal data and stay as they are (system accounts, localhost).
#[derive(Default)]
pub struct Keep {
    pub users: HashSet<String>,
    pub hosts: HashSet<String>,
    pub domains: HashSet<String>,
    pub numeric_ids_below: u64,
}

pub struct Names<'a> {
    pub fpe: &'a Fpe,
    pub keep: &'a Keep,
    pub dir: Dir,
}

impl Names<'_> {
    /// A user name (also the local part of an e-mail address).
    pub fn user(&self, name: &str) -> String {
        if self.keep.users.contains(&name.to_ascii_lowercase()) {
            return name.to_string();
        }
        // A Windows machine account (`WS-JANE01$`) is its computer's name.
        if let Some(host) = name.strip_suffix('$').filter(|h| !h.is_empty() && !h.contains('$')) {
            return format!("{}$", self.host(host));
        }
        // Cycle walking: a pseudonym never lands on a kept name, so it reverses unambiguously.
        let mut out = self.shape(Role::User, name);
        while self.keep.users.contains(&out.to_ascii_lowercase()) {
            out = self.shape(Role::User, &out);
        }
        out
    }

    /// A host name: one label, or a dotted name handled as a domain.
    pub fn host(&self, name: &str) -> String {
        if name.contains('.') {
            return self.domain(name);
        }
        if self.keep.hosts.contains(&name.to_ascii_lowercase()) {
            return name.to_string();
        }
        self.shape(Role::Label, name)
    }

    /// A domain name, label by label; the public suffix (`co.uk`) is kept, or the last label
    /// when the suffix is not a public one (`corp.internal`).
    pub fn domain(&self, name: &str) -> String {
        let trimmed = name.strip_suffix('.').unwrap_or(name);
        let lower = trimmed.to_ascii_lowercase();
        if self.keep.domains.contains(&lower) || self.keep.hosts.contains(&lower) {
            return name.to_string();
        }
        let suffix_len = public_suffix_len(trimmed);
        if suffix_len >= trimmed.len() {
            return name.to_string();
        }
        let (head, suffix) = trimmed.split_at(trimmed.len() - suffix_len);
        let mut out = String::with_capacity(name.len());
        for (i, label) in head.split('.').enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(&self.shape(Role::Label, label));
        }
        out.push_str(suffix);
        if trimmed.len() < name.len() {
            out.push('.');
        }
        out
    }

    /// `local@domain`, with the user and domain pseudonyms.
    pub fn email(&self, address: &str) -> String {
        match address.rsplit_once('@') {
            Some((local, domain)) => format!("{}@{}", self.user(local), self.domain(domain)),
            None => self.user(address),
        }
    }

    /// Personal or organization names: each word keeps its shape.
    pub fn person(&self, name: &str) -> String {
        self.shape(Role::Person, name)
    }

    pub fn query_value(&self, value: &str) -> String {
        self.shape(Role::Query, value)
    }

    /// Permutes the ASCII letters (as one string over 26 letters, case kept by position)
    /// and the digits (over 10), leaving every other character in place. The two after a
    /// `%` stay, so percent-escapes survive.
    pub fn shape(&self, role: Role, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut letters: Vec<u16> = Vec::with_capacity(bytes.len());
        let mut digits: Vec<u16> = Vec::new();
        let fixed = escape_positions(bytes);
        for (i, b) in bytes.iter().enumerate() {
            if fixed(i) {
                continue;
            }
            if b.is_ascii_alphabetic() {
                letters.push((b.to_ascii_lowercase() - b'a') as u16);
            } else if b.is_ascii_digit() {
                digits.push((b - b'0') as u16);
            }
        }
        let mut tweak = role.tweak().to_vec();
        tweak.push(b'a');
        self.fpe.apply(self.dir, 26, &tweak, &mut letters);
        *tweak.last_mut().expect("pushed") = b'0';
        self.fpe.apply(self.dir, 10, &tweak, &mut digits);
        let (mut l, mut d) = (letters.into_iter(), digits.into_iter());
        let mut out = Vec::with_capacity(bytes.len());
        for (i, b) in bytes.iter().enumerate() {
            out.push(if fixed(i) {
                *b
            } else if b.is_ascii_lowercase() {
                b'a' + l.next().expect("one per letter") as u8
            } else if b.is_ascii_uppercase() {
                b'A' + l.next().expect("one per letter") as u8
            } else if b.is_ascii_digit() {
                b'0' + d.next().expect("one per digit") as u8
            } else {
                *b
            });
        }
        String::from_utf8(out).expect("only ASCII bytes were replaced by ASCII bytes")
    }
}

/// Whether byte `i` is one of the two hex digits of a `%XX` escape.
fn escape_positions(bytes: &[u8]) -> impl Fn(usize) -> bool + '_ {
    move |i| {
        let escaped = |p: usize| {
            bytes[p] == b'%'
                && bytes.len() > p + 2
                && bytes[p + 1].is_ascii_hexdigit()
                && bytes[p + 2].is_ascii_hexdigit()
        };
        (i >= 1 && escaped(i - 1)) || (i >= 2 && escaped(i - 2))
    }
}

/// Length in bytes of the part kept as suffix, with its leading dot: the public suffix when
/// the list knows it, else the last label; 0 for a single label.
pub fn public_suffix_len(name: &str) -> usize {
    let Some(dot) = name.rfind('.') else { return 0 };
    let known = psl::suffix(name.as_bytes()).filter(|s| s.is_known()).map(|s| s.as_bytes().len());
    match known {
        Some(n) if n < name.len() => n + 1,
        Some(_) => name.len(),
        None => name.len() - dot,
    }
}

/// Whether `name` ends in a suffix the public suffix list knows (for finding domains in text).
pub fn has_public_suffix(name: &str) -> bool {
    psl::suffix(name.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes().len() < name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<T>(dir: Dir, f: impl FnOnce(&Names) -> T) -> T {
        let fpe = Fpe::new(&[1; 32], [2; 32]);
        let mut keep = Keep::default();
        keep.users.insert("root".into());
        keep.hosts.insert("localhost".into());
        f(&Names { fpe: &fpe, keep: &keep, dir })
    }

    #[test]
    fn shapes_are_kept_and_reverse() {
        for name in ["svc_backup01", "Alice.Smith", "j", "bob-2", "José", "a%2Fb"] {
            let p = with(Dir::Encrypt, |n| n.user(name));
            assert_eq!(p.len(), name.len());
            for (a, b) in p.chars().zip(name.chars()) {
                assert_eq!(a.is_ascii_lowercase(), b.is_ascii_lowercase(), "{name} -> {p}");
                assert_eq!(a.is_ascii_digit(), b.is_ascii_digit(), "{name} -> {p}");
                if !a.is_ascii_alphanumeric() {
                    assert_eq!(a, b);
                }
            }
            assert_eq!(with(Dir::Decrypt, |n| n.user(&p)), name);
        }
        assert!(with(Dir::Encrypt, |n| n.user("a%2Fb")).contains("%2F"));
    }

    #[test]
    fn kept_names_stay_and_others_never_become_them() {
        assert_eq!(with(Dir::Encrypt, |n| n.user("root")), "root");
        assert_eq!(with(Dir::Encrypt, |n| n.host("localhost")), "localhost");
        for name in ["abcd", "rooo", "toor", "qqqq", "zzzz", "aaaa", "roos"] {
            assert_ne!(with(Dir::Encrypt, |n| n.user(name)), "root");
        }
    }

    #[test]
    fn domains_keep_public_suffix_and_match_host_labels() {
        let d = with(Dir::Encrypt, |n| n.domain("mail.example.co.uk"));
        assert!(d.ends_with(".co.uk") && d.len() == "mail.example.co.uk".len(), "{d}");
        let host = with(Dir::Encrypt, |n| n.host("web01"));
        let fqdn = with(Dir::Encrypt, |n| n.host("web01.corp.internal"));
        assert!(fqdn.starts_with(&format!("{host}.")) && fqdn.ends_with(".internal"), "{host} {fqdn}");
        assert_eq!(with(Dir::Decrypt, |n| n.domain(&d)), "mail.example.co.uk");
    }

    #[test]
    fn emails_reuse_user_and_domain_pseudonyms() {
        let (user, domain, email) =
            with(Dir::Encrypt, |n| (n.user("alice"), n.domain("example.org"), n.email("alice@example.org")));
        assert_eq!(email, format!("{user}@{domain}"));
        assert_eq!(with(Dir::Decrypt, |n| n.email(&email)), "alice@example.org");
    }
}
