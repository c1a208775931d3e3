//! The anonymization policy (`rules/anonymize/policy.yml`, or `--policy FILE`): which fields
//! hold which category, what is never personal, which values are kept, and the URL,
//! time and quasi-identifier settings.

use super::names::Keep;
use crate::fasthash::FastMap;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

pub const BUILTIN: &str = include_str!("../../rules/anonymize/policy.yml");

/// What a field holds. `Keep` fields are copied; `Text` fields are scanned for every other
/// category.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Category {
    Ip,
    Mac,
    Email,
    Domain,
    Host,
    User,
    Person,
    Url,
    NumericId,
    Card,
    Iban,
    Phone,
    NationalId,
    Secret,
    Text,
    Time,
    Keep,
}

impl Category {
    pub const ALL: [Category; 17] = [
        Category::Ip,
        Category::Mac,
        Category::Email,
        Category::Domain,
        Category::Host,
        Category::User,
        Category::Person,
        Category::Url,
        Category::NumericId,
        Category::Card,
        Category::Iban,
        Category::Phone,
        Category::NationalId,
        Category::Secret,
        Category::Text,
        Category::Time,
        Category::Keep,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Ip => "ip",
            Category::Mac => "mac",
            Category::Email => "email",
            Category::Domain => "domain",
            Category::Host => "host",
            Category::User => "user",
            Category::Person => "person",
            Category::Url => "url",
            Category::NumericId => "numeric_id",
            Category::Card => "card",
            Category::Iban => "iban",
            Category::Phone => "phone",
            Category::NationalId => "national_id",
            Category::Secret => "secret",
            Category::Text => "text",
            Category::Time => "time",
            Category::Keep => "not_personal",
        }
    }

    fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name && *c != Category::Keep)
    }

    /// The sensitivity class the risk report gives fields of this category.
    pub fn sensitivity(self) -> &'static str {
        match self {
            Category::User
            | Category::Email
            | Category::Person
            | Category::NumericId
            | Category::Card
            | Category::Iban
            | Category::Phone
            | Category::NationalId
            | Category::Mac => "direct identifier",
            Category::Ip | Category::Host | Category::Domain | Category::Url | Category::Time => "quasi-identifier",
            Category::Secret => "sensitive (secret)",
            Category::Text => "free text (scanned)",
            Category::Keep => "not personal",
        }
    }

    /// Whether `--reveal` gives the original back.
    pub fn reversible(self) -> bool {
        !matches!(self, Category::Secret)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    fields: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    not_personal: Vec<String>,
    #[serde(default)]
    scan_other_strings: bool,
    #[serde(default)]
    keep: KeepFile,
    #[serde(default)]
    url: UrlFile,
    #[serde(default)]
    time_fields: Vec<String>,
    #[serde(default)]
    quasi_identifiers: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KeepFile {
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    numeric_ids_below: u64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UrlFile {
    #[serde(default)]
    identifying_params: Vec<String>,
    #[serde(default)]
    secret_params: Vec<String>,
    #[serde(default)]
    user_path_parents: Vec<String>,
}

pub struct Policy {
    exact: FastMap<String, Category>,
    /// Names without dots, matched as the last part of a path.
    last: FastMap<String, Category>,
    not_personal_prefixes: Vec<String>,
    scan_other_strings: bool,
    pub keep: Keep,
    pub identifying_params: HashSet<String>,
    pub secret_params: HashSet<String>,
    pub user_path_parents: Vec<String>,
    pub quasi_identifiers: Vec<String>,
}

impl Policy {
    pub fn builtin() -> Policy {
        Policy::parse(BUILTIN).expect("the built-in policy is valid")
    }

    pub fn load(path: &std::path::Path) -> Result<Policy> {
        let text = crate::io::files::read_text_limited(path, "policy", crate::io::files::limits::CONFIG, None)?;
        Policy::parse(&text).with_context(|| format!("policy '{}'", path.display()))
    }

    pub fn parse(text: &str) -> Result<Policy> {
        let file: PolicyFile = yaml_serde::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut exact = FastMap::default();
        let mut last = FastMap::default();
        let mut add = |name: &str, cat: Category| {
            exact.entry(name.to_string()).or_insert(cat);
            if !name.contains('.') {
                last.entry(name.to_string()).or_insert(cat);
            }
        };
        // Time fields first: a date is never scanned as text.
        for name in &file.time_fields {
            add(name, Category::Time);
        }
        for (cat_name, names) in &file.fields {
            let Some(cat) = Category::parse(cat_name) else {
                bail!(
                    "unknown category '{cat_name}' under fields (known: {})",
                    Category::ALL
                        .iter()
                        .filter(|c| **c != Category::Keep)
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            for name in names {
                add(name, cat);
            }
        }
        let mut not_personal_prefixes = Vec::new();
        for name in &file.not_personal {
            match name.strip_suffix('*') {
                Some(prefix) => not_personal_prefixes.push(prefix.to_string()),
                None => {
                    exact.entry(name.clone()).or_insert(Category::Keep);
                }
            }
        }
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<HashSet<_>>();
        for q in &file.quasi_identifiers {
            let field = q.split('/').next().unwrap_or(q);
            if field.is_empty() {
                bail!("quasi_identifiers: empty field name in '{q}'");
            }
        }
        Ok(Policy {
            exact,
            last,
            not_personal_prefixes,
            scan_other_strings: file.scan_other_strings,
            keep: Keep {
                users: lower(&file.keep.users),
                hosts: lower(&file.keep.hosts),
                domains: lower(&file.keep.domains),
                numeric_ids_below: file.keep.numeric_ids_below,
            },
            identifying_params: lower(&file.url.identifying_params),
            secret_params: lower(&file.url.secret_params),
            user_path_parents: file.url.user_path_parents,
            quasi_identifiers: file.quasi_identifiers,
        })
    }

    /// The category of a field path.
    pub fn classify(&self, path: &str) -> Category {
        if let Some(c) = self.exact.get(path) {
            return *c;
        }
        if let Some(c) = path.rsplit_once('.').and_then(|(_, last)| self.last.get(last)) {
            return *c;
        }
        if self.not_personal_prefixes.iter().any(|p| path.starts_with(p.as_str())) {
            return Category::Keep;
        }
        if self.scan_other_strings {
            Category::Text
        } else {
            Category::Keep
        }
    }
}

/// The types a removed secret is marked with: `[REDACTED:password]`.
pub const SECRET_TYPES: [&str; 6] = ["password", "session", "authorization", "api-key", "token", "secret"];

/// The marker type for a secret named `name` (a field or parameter name).
pub fn secret_type(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    let i = if n.contains("pass") || n == "pwd" {
        0
    } else if n.contains("cookie") || n.contains("sess") || n == "sid" {
        1
    } else if n.contains("authorization") {
        2
    } else if n.contains("key") {
        3
    } else if n.contains("token") || n == "auth" || n == "code" || n == "otp" {
        4
    } else {
        5
    };
    SECRET_TYPES[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_match_by_path_last_part_and_section() {
        let p = Policy::builtin();
        assert_eq!(p.classify("source.ip"), Category::Ip);
        assert_eq!(p.classify("winlog.event_data.TargetUserName"), Category::User);
        assert_eq!(p.classify("src_ip"), Category::Ip);
        assert_eq!(p.classify("event.dataset"), Category::Keep);
        assert_eq!(p.classify("event.original"), Category::Text);
        assert_eq!(p.classify("@timestamp"), Category::Time);
        assert_eq!(p.classify("some.custom.note"), Category::Text);
        assert_eq!(p.classify("logward.template.id"), Category::Keep);
        assert_eq!(p.classify("logward.template.pattern"), Category::Text);
    }

    #[test]
    fn bad_policies_say_what_is_wrong() {
        let e = Policy::parse("fields: {ipaddr: [a]}").err().unwrap().to_string();
        assert!(e.contains("unknown category 'ipaddr'"), "{e}");
        assert!(Policy::parse("fields: {}\nbogus: 1").is_err());
    }
}
