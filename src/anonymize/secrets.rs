//! Secrets in free text: provider keys and tokens, values assigned to secret-looking names,
//! and the entropy test the risk report uses for what no rule knows.
//!
//! The token formats follow the catalogue secret scanners keep: gitleaks' rule set
//! (github.com/gitleaks/gitleaks, `cmd/generate/config/rules/*.go`, read at b58d3f10) is the
//! reference, with trufflehog's detectors (github.com/trufflesecurity/trufflehog,
//! `pkg/detectors`, read at 3ab759fe) for Azure storage keys, SAS tokens and Twilio. The
//! patterns here are written from the documented formats (prefix, alphabet, length), not
//! copied: a little broader where a format allows it, since a token missed is a leak and a
//! lookalike removed is only a lost value.

/// Provider tokens, each identified by its prefix (see [`provider_kind`]).
pub const PROVIDER: &str = concat!(
    r"\b(?:",
    r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
    r"|AIza[0-9A-Za-z_-]{35}",
    r"|ya29\.[0-9A-Za-z_-]{20,}",
    r"|(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36}\b",
    r"|github_pat_[0-9A-Za-z_]{22,}",
    r"|glpat-[0-9A-Za-z_.-]{20,}",
    r"|gl(?:dt|ft|rt|soat|cbt|ffct|imt|oas|agent|ptt)-[0-9A-Za-z_-]{20,}",
    r"|GR1348941[0-9A-Za-z_-]{20,}",
    r"|xox[abeoprs]-[0-9A-Za-z-]{10,}",
    r"|xapp-[0-9]-[0-9A-Za-z-]{10,}",
    r"|(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,}",
    r"|whsec_[0-9A-Za-z]{20,}",
    r"|SK[0-9a-fA-F]{32}\b",
    r"|AC[0-9a-f]{32}\b",
    r"|SG\.[0-9A-Za-z_-]{16,32}\.[0-9A-Za-z_-]{30,64}",
    r"|npm_[0-9A-Za-z]{36}\b",
    r"|pypi-AgEIcHlwaS5vcmc[0-9A-Za-z_-]{40,}",
    r"|sk-[0-9A-Za-z_-]{20,}",
    r"|hf_[A-Za-z]{34}\b",
    r"|do[por]_v1_[0-9a-f]{64}\b",
    r"|shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b",
    r"|hv[sbr]\.[0-9A-Za-z_-]{24,}",
    r"|dapi[0-9a-f]{32}(?:-[0-9])?\b",
    r"|key-[0-9a-f]{32}\b",
    r"|[0-9a-f]{32}-us[0-9]{1,2}\b",
    r"|[0-9]{8,10}:AA[0-9A-Za-z_-]{33}",
    r"|glsa_[0-9A-Za-z]{32}_[0-9A-Fa-f]{8}\b",
    r"|glc_[0-9A-Za-z+/]{32,}={0,2}",
    r"|NRAK-[0-9A-Z]{27}\b",
    r"|PMAK-[0-9a-f]{24}-[0-9a-f]{34}\b",
    r"|lin_api_[0-9A-Za-z]{40}\b",
    r"|dp\.pt\.[0-9A-Za-z]{40,}",
    r"|pul-[0-9a-f]{40}\b",
    r"|sq0(?:atp|csp)-[0-9A-Za-z_-]{22,}",
    r"|ATATT3[0-9A-Za-z_=-]{50,}",
    r"|AGE-SECRET-KEY-1[0-9A-Z]{58}",
    // Azure AD client secrets: three characters, a digit, `Q~`, then 31 to 34.
    r"|[0-9A-Za-z_~.]{3}[0-9]Q~[0-9A-Za-z_~.-]{31,34}",
    r")",
    // Webhook URLs keep their secret in the path (found when a URL's path is scanned).
    r"|/services/T[0-9A-Z]{8,}/B[0-9A-Z]{8,}/[0-9A-Za-z]{20,}",
    r"|/api/webhooks/[0-9]{15,20}/[0-9A-Za-z_-]{50,}",
);

/// The kind of a [`PROVIDER`] match, for its `[REDACTED:kind]` marker and the risk report.
pub fn provider_kind(m: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("AKIA", "aws-access-key"),
        ("ASIA", "aws-access-key"),
        ("ABIA", "aws-access-key"),
        ("ACCA", "aws-access-key"),
        ("A3T", "aws-access-key"),
        ("AIza", "gcp-api-key"),
        ("ya29.", "gcp-oauth-token"),
        ("gh", "github-token"),
        ("github_pat_", "github-token"),
        ("gl", "gitlab-token"),
        ("GR1348941", "gitlab-token"),
        ("xox", "slack-token"),
        ("xapp-", "slack-token"),
        ("/services/T", "slack-webhook"),
        ("/api/webhooks/", "discord-webhook"),
        ("sk_", "stripe-key"),
        ("rk_", "stripe-key"),
        ("whsec_", "stripe-key"),
        ("SK", "twilio-key"),
        ("AC", "twilio-account"),
        ("SG.", "sendgrid-key"),
        ("npm_", "npm-token"),
        ("pypi-", "pypi-token"),
        ("sk-", "openai-key"),
        ("hf_", "huggingface-token"),
        ("do", "digitalocean-token"),
        ("shp", "shopify-token"),
        ("hv", "vault-token"),
        ("dapi", "databricks-token"),
        ("key-", "mailgun-key"),
        ("NRAK-", "newrelic-key"),
        ("PMAK-", "postman-key"),
        ("lin_api_", "linear-key"),
        ("dp.pt.", "doppler-token"),
        ("pul-", "pulumi-token"),
        ("sq0", "square-token"),
        ("ATATT3", "atlassian-token"),
        ("AGE-SECRET-KEY-", "age-key"),
    ];
    if m.contains("Q~") {
        return "azure-client-secret";
    }
    if m.contains(":AA") && m.as_bytes()[0].is_ascii_digit() {
        return "telegram-bot-token";
    }
    if m.len() > 33 && m.as_bytes()[32] == b'-' && m[33..].starts_with("us") {
        return "mailchimp-key";
    }
    PREFIXES.iter().find(|(p, _)| m.starts_with(p)).map_or("api-token", |(_, k)| k)
}

/// What a name that a value is assigned to says about the value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SecretName {
    /// A password or other secret: any value but a placeholder is removed.
    Password,
    /// A token, key, signature, credential or session: values that look like one are removed.
    Token(&'static str),
}

/// The words of a name: split at `_`, `-`, `.`, `:` and lower-to-upper case changes, lower-cased.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.' | ':' | ' ') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Last words that make a secret-looking name describe something else (`password_changed`,
/// `token_type`, `key_file`, `session_count`).
const METADATA_WORDS: &[&str] = &[
    "changed",
    "change",
    "expires",
    "expiry",
    "expiration",
    "expired",
    "age",
    "len",
    "length",
    "size",
    "count",
    "type",
    "types",
    "policy",
    "required",
    "reset",
    "last",
    "set",
    "file",
    "path",
    "dir",
    "name",
    "format",
    "version",
    "alg",
    "algorithm",
    "id",
    "ids",
    "fingerprint",
    "prompt",
    "mode",
    "method",
    "status",
    "enabled",
    "disabled",
    "strength",
    "history",
    "min",
    "max",
    "ttl",
    "timeout",
    "lifetime",
    "scope",
    "scopes",
    "usage",
    "url",
    "uri",
    "endpoint",
    "header",
    "provider",
    "store",
    "manager",
    "field",
    "label",
    "hint",
    "rotation",
    "created",
    "updated",
    "level",
    "index",
    "idx",
    "server",
    "host",
    "port",
    "user",
    "username",
    "stdin",
    "env",
    "source",
    "kind",
    "class",
    "bits",
];

/// Whether a name (of a field, parameter, variable, flag or header) names a secret.
pub fn secret_name(name: &str) -> Option<SecretName> {
    let w = words(name);
    let joined: String = w.concat();
    let last = w.last().map(String::as_str).unwrap_or("");
    let strong = |s: &str| {
        s.contains("password")
            || s.contains("passwd")
            || s.contains("passphrase")
            || s.contains("secret")
            || matches!(s, "pass" | "pwd" | "pw" | "passw" | "pin" | "pincode" | "pass_word")
    };
    // `PWD` and `OLDPWD` in environments and sudo lines are the working directory.
    if matches!(name, "PWD" | "OLDPWD") {
        return None;
    }
    let described = METADATA_WORDS.contains(&last) && w.len() > 1;
    if w.iter().any(|s| strong(s)) || strong(&joined) {
        return (!described).then_some(SecretName::Password);
    }
    let has = |s: &str| w.iter().any(|x| x == s) || joined == s;
    let session = w.iter().any(|s| s.starts_with("sess") || s == "sid" || s == "phpsessid" || s == "jsessionid")
        || joined.contains("session");
    if session {
        // `session_id`, `sessionid`, `JSESSIONID`: the id is the secret.
        if described && !matches!(last, "id" | "ids") {
            return None;
        }
        return Some(SecretName::Token("session"));
    }
    if described {
        return None;
    }
    if has("cookie") || has("cookies") {
        return Some(SecretName::Token("session"));
    }
    if has("authorization") || joined.ends_with("authorization") {
        return Some(SecretName::Token("authorization"));
    }
    let key = has("key")
        || has("apikey")
        || joined.ends_with("apikey")
        || joined.ends_with("accesskey")
        || joined.ends_with("privatekey")
        || joined.ends_with("accountkey")
        || joined.ends_with("signingkey")
        || joined.ends_with("masterkey")
        || joined.ends_with("secretkey")
        || joined.ends_with("sharedaccesskey")
        || joined.ends_with("licensekey");
    if key {
        return Some(SecretName::Token("api-key"));
    }
    if has("token") || joined.ends_with("token") || has("jwt") || has("bearer") || has("otp") || has("totp") {
        return Some(SecretName::Token("token"));
    }
    if has("sig") || has("signature") || has("hmac") {
        return Some(SecretName::Token("signature"));
    }
    if has("credential") || has("credentials") || has("creds") || has("auth") || joined == "authkey" {
        return Some(SecretName::Token("secret"));
    }
    None
}

/// Whether `value`, assigned to a name of kind `name`, is one to remove: not empty, not a
/// placeholder (`<*>`, `***`, `${VAR}`, `%VAR%`, `[REDACTED:..]`), not a boolean or `null`;
/// for token-like names also not a small number, a path or one lower-case word (`bearer`,
/// `rsa`, `basic`).
pub fn secret_value(name: SecretName, value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.starts_with("[REDACTED") || v == "<*>" || v.contains("<*>") {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "null" | "none" | "nil" | "undefined" | "yes" | "no" | "on" | "off")
    {
        return false;
    }
    let placeholder = v.bytes().all(|b| matches!(b, b'*' | b'x' | b'X' | b'.' | b'#' | b'-'))
        || (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with('$') && v[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2);
    if placeholder {
        return false;
    }
    match name {
        SecretName::Password => true,
        SecretName::Token(_) => {
            let path = v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") || v.get(1..3) == Some(":\\");
            let small_number = v.len() < 8 && v.bytes().all(|b| b.is_ascii_digit());
            let word = v.len() <= 16 && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_');
            !(path || small_number || word)
        }
    }
}

/// Shannon entropy of `s` in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts.iter().filter(|c| **c > 0).map(|&c| -(c as f64 / n) * (c as f64 / n).log2()).sum()
}

/// Whether a token no rule knows looks like a secret: 20 characters or more of a
/// token alphabet, with upper and lower case letters and digits, and at least 4 bits of
/// entropy per character (for 32 and more; a little less for shorter ones). Hex strings
/// (file hashes, ids), UUIDs and words are not.
pub fn looks_like_secret(token: &str) -> Option<f64> {
    if token.len() < 20 || token.len() > 512 {
        return None;
    }
    let b = token.as_bytes();
    let (mut upper, mut lower, mut digit) = (false, false, false);
    for &c in b {
        match c {
            b'A'..=b'Z' => upper = true,
            b'a'..=b'z' => lower = true,
            b'0'..=b'9' => digit = true,
            b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'~' => {}
            _ => return None,
        }
    }
    if !(upper && lower && digit) {
        return None;
    }
    let e = entropy(token);
    let needed = if token.len() >= 32 { 4.0 } else { 3.7 };
    (e >= needed).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token of `len` characters drawn from `alphabet` by a fixed generator (no real key).
    pub fn sample(alphabet: &str, len: usize, seed: u64) -> String {
        let a = alphabet.as_bytes();
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                a[(x % a.len() as u64) as usize] as char
            })
            .collect()
    }

    const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const HEX: &str = "0123456789abcdef";

    /// One example of every provider format, built from the format each publishes.
    pub fn provider_examples() -> Vec<(String, &'static str)> {
        let s = sample;
        vec![
            (format!("AKIA{}", s(UPPER, 16, 1)), "aws-access-key"),
            (format!("ASIA{}", s(UPPER, 16, 2)), "aws-access-key"),
            (format!("AIza{}", s(&format!("{ALNUM}_-"), 35, 3)), "gcp-api-key"),
            (format!("ya29.{}", s(&format!("{ALNUM}_-"), 60, 4)), "gcp-oauth-token"),
            (format!("ghp_{}", s(ALNUM, 36, 5)), "github-token"),
            (format!("gho_{}", s(ALNUM, 36, 6)), "github-token"),
            (format!("ghs_{}", s(ALNUM, 36, 7)), "github-token"),
            (format!("github_pat_{}_{}", s(ALNUM, 22, 8), s(ALNUM, 59, 9)), "github-token"),
            (format!("glpat-{}", s(&format!("{ALNUM}_-"), 20, 10)), "gitlab-token"),
            (format!("glrt-{}", s(ALNUM, 20, 11)), "gitlab-token"),
            (
                format!("xoxb-{}-{}-{}", s("0123456789", 12, 12), s("0123456789", 13, 13), s(ALNUM, 24, 14)),
                "slack-token",
            ),
            (
                format!(
                    "xoxp-{}-{}-{}-{}",
                    s("0123456789", 11, 15),
                    s("0123456789", 12, 16),
                    s("0123456789", 12, 17),
                    s(HEX, 32, 18)
                ),
                "slack-token",
            ),
            (format!("sk_live_{}", s(ALNUM, 24, 19)), "stripe-key"),
            (format!("rk_test_{}", s(ALNUM, 30, 20)), "stripe-key"),
            (format!("SK{}", s(HEX, 32, 21)), "twilio-key"),
            (format!("AC{}", s(HEX, 32, 22)), "twilio-account"),
            (format!("SG.{}.{}", s(&format!("{ALNUM}_-"), 22, 23), s(&format!("{ALNUM}_-"), 43, 24)), "sendgrid-key"),
            (format!("npm_{}", s(ALNUM, 36, 25)), "npm-token"),
            (format!("pypi-AgEIcHlwaS5vcmc{}", s(&format!("{ALNUM}_-"), 64, 26)), "pypi-token"),
            (format!("sk-proj-{}T3BlbkFJ{}", s(ALNUM, 58, 27), s(ALNUM, 58, 28)), "openai-key"),
            (format!("hf_{}", s("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34, 29)), "huggingface-token"),
            (format!("dop_v1_{}", s(HEX, 64, 30)), "digitalocean-token"),
            (format!("shpat_{}", s(HEX, 32, 31)), "shopify-token"),
            (format!("hvs.{}", s(&format!("{ALNUM}_-"), 90, 32)), "vault-token"),
            (format!("{}:AA{}", s("0123456789", 10, 33), s(&format!("{ALNUM}_-"), 33, 34)), "telegram-bot-token"),
            (format!("{}8Q~{}", s(ALNUM, 3, 35), s(&format!("{ALNUM}_~.-"), 34, 36)), "azure-client-secret"),
            (format!("/services/T{}/B{}/{}", s(UPPER, 10, 37), s(UPPER, 10, 38), s(ALNUM, 24, 39)), "slack-webhook"),
        ]
    }

    #[test]
    fn every_provider_format_is_found_with_its_kind() {
        let re = regex::Regex::new(PROVIDER).unwrap();
        for (token, kind) in provider_examples() {
            let text = format!("key: {token} end");
            let m = re.find(&text).unwrap_or_else(|| panic!("{kind}: {token} not found"));
            assert_eq!(m.as_str(), token, "{kind}: the whole token");
            assert_eq!(provider_kind(m.as_str()), kind, "{token}");
        }
    }

    #[test]
    fn ordinary_log_tokens_are_no_provider_token() {
        let re = regex::Regex::new(PROVIDER).unwrap();
        for text in [
            "sshd[2134]: Accepted publickey for root from 10.0.0.1 port 22 ssh2: RSA SHA256:AAAAB3NzaC1yc2EAAAADAQABAAABAQC",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 file.tar.gz",
            "md5 d41d8cd98f00b204e9800998ecf8427e, version 2.4.58-1ubuntu8, HTTP/1.1 200 404 503",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36",
            "task-scheduler-abcdefghijklmnopqrstuvw disk-0123456789abcdefghij GET /static/app.min.js",
            "uuid 123e4567-e89b-12d3-a456-426614174000 commit 4f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f",
        ] {
            assert!(re.find(text).is_none(), "{text}: {:?}", re.find(text));
        }
    }

    #[test]
    fn secret_names_and_values() {
        use SecretName::*;
        for (name, want) in [
            ("password", Some(Password)),
            ("db_password", Some(Password)),
            ("PGPASSWORD", Some(Password)),
            ("MYSQL_PWD", Some(Password)),
            ("pw", Some(Password)),
            ("AWS_SECRET_ACCESS_KEY", Some(Password)),
            ("client_secret", Some(Password)),
            ("dbPassword", Some(Password)),
            ("api_key", Some(Token("api-key"))),
            ("X-Api-Key", Some(Token("api-key"))),
            ("AccountKey", Some(Token("api-key"))),
            ("GITHUB_TOKEN", Some(Token("token"))),
            ("access_token", Some(Token("token"))),
            ("session_id", Some(Token("session"))),
            ("JSESSIONID", Some(Token("session"))),
            ("sig", Some(Token("signature"))),
            ("password_changed", None),
            ("token_type", None),
            ("key_file", None),
            ("bypass", None),
            ("keyboard", None),
            ("author", None),
            ("PWD", None),
            ("monkey", None),
            ("tokens", None),
        ] {
            assert_eq!(secret_name(name), want, "{name}");
        }
        assert!(secret_value(Password, "hunter2") && secret_value(Password, "1234"));
        assert!(
            !secret_value(Password, "********")
                && !secret_value(Password, "${DB_PASS}")
                && !secret_value(Password, "<*>")
        );
        assert!(secret_value(Token("token"), "a8f5f167f44f4964e6c998dee827110c"));
        assert!(!secret_value(Token("token"), "bearer") && !secret_value(Token("api-key"), "/etc/ssl/key.pem"));
        assert!(!secret_value(Token("token"), "42") && !secret_value(Token("token"), "true"));
    }

    #[test]
    fn entropy_flags_random_tokens_not_hashes_or_words() {
        assert!(looks_like_secret(&sample(ALNUM, 40, 99)).is_some());
        assert!(looks_like_secret("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08").is_none());
        assert!(looks_like_secret("123e4567-e89b-12d3-a456-426614174000").is_none());
        assert!(looks_like_secret("InternationalizationFramework2024").is_none());
        assert!(entropy("aaaa") < 0.01 && (entropy("abcd") - 2.0).abs() < 1e-9);
    }
}
