//! The one featurizer: what `score` feeds a model and what `--export-features` writes for
//! training are computed here and nowhere else, so training and inference cannot drift.
//!
//! Each event becomes a token and a content vector. The token says what the event means
//! where `parse` knows it, so it carries across hosts and template miners: `event.dataset`,
//! `event.code` (Windows event ids), `event.action` and `event.outcome`
//! (`system.auth//ssh_login/failure`); for events without an action,
//! the HTTP method and status class, or `event.category`/`event.type`; only messages nothing
//! else describes fall back to their template id (`logward.template.id`). The content vector
//! is the message's masked words (whitespace tokens holding a digit are variables, as in the
//! template miner; `key=value` keeps its key) hashed and weighted by TF-IDF, then a few
//! numeric fields. Changing anything here changes what models see: bump [`FEATURE_VERSION`].

use crate::event::scan;
use crate::fasthash::{hash64, FastMap};
use crate::io::Reason;
use crate::time::{parse_iso, Zone};
use std::borrow::Cow;

/// Version of the feature layout; a model trained on another version is refused.
pub const FEATURE_VERSION: u32 = 2;

/// Buckets for hashed message words.
pub const HASH_DIMS: usize = 64;

/// The numeric features after the hashed words, in order.
pub const NUMERIC: [&str; 13] = [
    "event.outcome=success",
    "event.outcome=failure",
    "http.response.status_code=1xx",
    "http.response.status_code=2xx",
    "http.response.status_code=3xx",
    "http.response.status_code=4xx",
    "http.response.status_code=5xx",
    "log1p(http.response.body.bytes)/16",
    "sin(hour of @timestamp)",
    "cos(hour of @timestamp)",
    "user.name present",
    "source.ip present",
    "log1p(message length)/8",
];

/// Length of the content vector.
pub const CONTENT_DIMS: usize = HASH_DIMS + NUMERIC.len();

/// Reserved token ids; the vocabulary's tokens start after them.
pub const PAD: i64 = 0;
pub const UNKNOWN: i64 = 1;
pub const END: i64 = 2;
pub const FIRST_TEMPLATE: i64 = 3;

/// Token ids of a vocabulary's tokens.
pub fn token_ids(vocabulary: &[String]) -> FastMap<String, i64> {
    vocabulary.iter().enumerate().map(|(i, t)| (t.clone(), FIRST_TEMPLATE + i as i64)).collect()
}

/// Where the template id is read from.
pub const TEMPLATE_FIELD: &str = "logward.template.id";

/// What one event contributes, before the IDF weights are applied.
pub struct Features {
    /// The sequence token: the event's meaning, else its template id.
    pub token: Option<String>,
    /// The token is the event's meaning (not a template id).
    pub meaning: bool,
    /// The template id, when the event has one (for explanations).
    pub template: Option<String>,
    /// The template's pattern, read only with the words (a readable label for training).
    pub pattern: Option<String>,
    pub session: Option<String>,
    /// Raw word counts in the hashed buckets, then the numeric features.
    pub content: Box<[f32; CONTENT_DIMS]>,
    /// The masked words themselves, kept only when asked (`--explain`).
    pub words: Vec<String>,
}

/// An event's features and where its line can take `logward.anomaly`.
pub struct Scanned {
    pub features: Features,
    /// Byte offset just inside the top-level `logward` object, if the event has one.
    pub logward_at: Option<usize>,
    /// The event already has `logward.anomaly` (scored before).
    pub scored: bool,
}

// Classes of the fields the featurizer reads; session fields follow SESSION.
const MESSAGE: u16 = 1;
const ORIGINAL: u16 = 2;
const OUTCOME: u16 = 3;
const STATUS: u16 = 4;
const BYTES: u16 = 5;
const TIMESTAMP: u16 = 6;
const USER: u16 = 7;
const SOURCE_IP: u16 = 8;
const TEMPLATE: u16 = 9;
const ANOMALY: u16 = 10;
const DATASET: u16 = 11;
const ACTION: u16 = 12;
const CODE: u16 = 13;
const CATEGORY: u16 = 14;
const TYPE: u16 = 15;
const METHOD: u16 = 17;
const PATTERN: u16 = 18;
const SESSION: u16 = 19;

/// Reads the features of one NDJSON event (nested or dotted keys alike, without building
/// a tree); the values of `session_fields` key its session. `keep_words` keeps the masked
/// words for explanations.
pub fn extract(line: &str, session_fields: &[String], keep_words: bool) -> Result<Scanned, Reason> {
    let mut scalars = Vec::with_capacity(32);
    let mut objects = Vec::new();
    let mut classify = |path: &str| match path {
        "message" => MESSAGE,
        "event.original" => ORIGINAL,
        "event.outcome" => OUTCOME,
        "http.response.status_code" => STATUS,
        "http.response.body.bytes" => BYTES,
        "@timestamp" => TIMESTAMP,
        "user.name" => USER,
        "source.ip" => SOURCE_IP,
        TEMPLATE_FIELD => TEMPLATE,
        "event.dataset" => DATASET,
        "event.action" => ACTION,
        "event.code" => CODE,
        "event.category" => CATEGORY,
        "event.type" => TYPE,
        "http.request.method" => METHOD,
        "logward.template.pattern" if keep_words => PATTERN,
        p if p.starts_with("logward.anomaly") => ANOMALY,
        p => session_fields.iter().position(|f| f == p).map_or(0, |i| SESSION + i as u16),
    };
    scan::scan_with_objects(line, &mut classify, &mut scalars, Some(&mut objects))?;
    let mut values: [Option<Cow<'_, str>>; SESSION as usize] = Default::default();
    let mut sessions: Vec<Option<Cow<'_, str>>> = vec![None; session_fields.len()];
    for sc in &scalars {
        let slot = match sc.class {
            0 => continue,
            c if c >= SESSION => &mut sessions[(c - SESSION) as usize],
            c => &mut values[c as usize],
        };
        if slot.is_none() {
            *slot = Some(sc.text(line).unwrap_or_default());
        }
    }
    let get = |c: u16| values[c as usize].as_deref();
    let mut content = Box::new([0f32; CONTENT_DIMS]);
    let mut kept = Vec::new();
    let message = get(MESSAGE).or(get(ORIGINAL));
    if let Some(m) = message {
        masked_words(m, |word| {
            content[bucket(word)] += 1.0;
            if keep_words {
                kept.push(word.to_string());
            }
        });
    }
    let num = &mut content[HASH_DIMS..];
    match get(OUTCOME) {
        Some("success") => num[0] = 1.0,
        Some("failure") => num[1] = 1.0,
        _ => {}
    }
    let status = get(STATUS).and_then(|s| s.trim().parse::<f64>().ok());
    if let Some(status) = status {
        let class = (status / 100.0).floor() as i64;
        if (1..=5).contains(&class) {
            num[1 + class as usize] = 1.0;
        }
    }
    if let Some(bytes) = get(BYTES).and_then(|s| s.trim().parse::<f64>().ok()) {
        num[7] = (bytes.max(0.0).ln_1p() / 16.0) as f32;
    }
    if let Some(hour) = get(TIMESTAMP).and_then(hour_of_day) {
        let angle = hour / 24.0 * std::f64::consts::TAU;
        num[8] = angle.sin() as f32;
        num[9] = angle.cos() as f32;
    }
    num[10] = get(USER).is_some() as u8 as f32;
    num[11] = get(SOURCE_IP).is_some() as u8 as f32;
    num[12] = message.map_or(0.0, |m| ((m.len() as f64).ln_1p() / 8.0) as f32);
    let session = if sessions.iter().all(Option::is_none) {
        None
    } else {
        Some(sessions.iter().map(|v| v.as_deref().unwrap_or("")).collect::<Vec<_>>().join("|"))
    };
    let template = get(TEMPLATE).filter(|t| !t.is_empty()).map(str::to_string);
    let meant = meaning(&get, status);
    let is_meaning = meant.is_some();
    let token = meant.or_else(|| template.clone());
    let pattern = get(PATTERN).map(str::to_string);
    let features = Features { token, meaning: is_meaning, template, pattern, session, content, words: kept };
    let logward_at = objects.iter().find(|o| o.name == "logward").map(|o| o.inside);
    Ok(Scanned { features, logward_at, scored: get(ANOMALY).is_some() })
}

/// The token of an event whose meaning `parse` (or another ECS producer) wrote down:
/// `dataset/code/action/outcome` when it has an action or an event code (not the program:
/// a session opened by sshd, su or cron is the same event on every host);
/// `dataset/http/method/status class` for web requests; `dataset/category/type/outcome`
/// for categorized events. `None`: nothing but the message describes it.
fn meaning<'a>(get: &dyn Fn(u16) -> Option<&'a str>, status: Option<f64>) -> Option<String> {
    let field = |c: u16| get(c).map(str::trim).unwrap_or("");
    let dataset = field(DATASET);
    let outcome = field(OUTCOME);
    if !field(ACTION).is_empty() || !field(CODE).is_empty() {
        return Some(format!("{dataset}/{}/{}/{outcome}", field(CODE), field(ACTION)));
    }
    if !field(METHOD).is_empty() || status.is_some() {
        let class = status.map_or(String::new(), |s| format!("{}xx", (s / 100.0).floor() as i64));
        return Some(format!("{dataset}/http/{}/{class}", field(METHOD).to_ascii_uppercase()));
    }
    if !field(CATEGORY).is_empty() {
        return Some(format!("{dataset}/{}/{}/{outcome}", field(CATEGORY), field(TYPE)));
    }
    None
}

/// Turns raw counts into the model's input in place: `(1 + ln tf) · idf` over the hashed
/// buckets, scaled to unit length; the numeric features stay as they are.
pub fn weigh(content: &mut [f32], idf: &[f32]) {
    let words = &mut content[..HASH_DIMS];
    let mut norm = 0f32;
    for (x, w) in words.iter_mut().zip(idf) {
        if *x > 0.0 {
            *x = (1.0 + x.ln()) * w;
            norm += *x * *x;
        }
    }
    if norm > 0.0 {
        let inv = norm.sqrt().recip();
        words.iter_mut().for_each(|x| *x *= inv);
    }
}

/// Smoothed inverse document frequency of each bucket over `events` documents, where
/// `df[b]` events had a word in bucket `b`.
pub fn idf(df: &[u64], events: u64) -> Vec<f32> {
    df.iter().map(|&d| (((1 + events) as f64 / (1 + d) as f64).ln() + 1.0) as f32).collect()
}

/// Month and weekday names are variables (the template miner masks them too).
const CALENDAR: [&str; 38] = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The message's words once its variables are masked, lower case: a whitespace-separated
/// token holding a digit (an address, port, id, host name with a number, counter) is a
/// variable and gives no word; in `key=value` the key always counts and the value only when
/// it has no digit; the rest splits into runs of letters (and `_`) of two or more.
fn masked_words(text: &str, mut each: impl FnMut(&str)) {
    let mut word = String::new();
    let mut emit = |part: &str| {
        for w in part.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if w.len() < 2 {
                continue;
            }
            word.clear();
            word.extend(w.chars().flat_map(char::to_lowercase));
            if !CALENDAR.contains(&word.as_str()) {
                each(&word);
            }
        }
    };
    for token in text.split_whitespace() {
        let (key, value) = match token.find('=') {
            Some(at) if at > 0 => (&token[..at], &token[at + 1..]),
            _ => ("", token),
        };
        if !key.bytes().any(|b| b.is_ascii_digit()) {
            emit(key);
        }
        if !value.bytes().any(|b| b.is_ascii_digit()) {
            emit(value);
        }
    }
}

/// The words of `text` that fall in `bucket` (for explanations).
pub fn words_in_bucket<'a>(words: &'a [String], bucket_index: usize) -> impl Iterator<Item = &'a str> + 'a {
    words.iter().filter(move |w| bucket(w) == bucket_index).map(String::as_str)
}

fn bucket(word: &str) -> usize {
    (hash64(word.as_bytes()) % HASH_DIMS as u64) as usize
}

/// Hour of the day in UTC, with minutes as a fraction.
fn hour_of_day(ts: &str) -> Option<f64> {
    let (t, _) = parse_iso(ts.as_bytes(), &Zone::Utc)?;
    Some(t.secs.rem_euclid(86_400) as f64 / 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(line: &str, sessions: &[&str]) -> Features {
        let fields: Vec<String> = sessions.iter().map(|s| s.to_string()).collect();
        extract(line, &fields, true).unwrap().features
    }

    #[test]
    fn numeric_features_follow_their_names() {
        let f = features(
            r#"{"@timestamp":"2024-03-01T06:00:00Z","event":{"outcome":"failure"},"http":{"response":{"status_code":404,"body":{"bytes":0}}},"user":{"name":"x"},"logward":{"template":{"id":"abc"}},"session":{"id":7}}"#,
            &["session.id"],
        );
        let n = &f.content[HASH_DIMS..];
        assert_eq!((n[0], n[1]), (0.0, 1.0));
        assert_eq!(&n[2..7], &[0.0, 0.0, 0.0, 1.0, 0.0]);
        assert!((n[8] - 1.0).abs() < 1e-6 && n[9].abs() < 1e-6, "06:00 is a quarter turn");
        assert_eq!((n[10], n[11], n[12]), (1.0, 0.0, 0.0));
        assert_eq!(f.template.as_deref(), Some("abc"));
        assert_eq!(f.token.as_deref(), Some("/http//4xx"), "a status says more than the template");
        assert_eq!(f.session.as_deref(), Some("7"));
    }

    #[test]
    fn tokens_come_from_meaning_and_templates_only_where_nothing_else_describes_the_event() {
        let auth = features(
            r#"{"event":{"dataset":"system.auth","action":"ssh_login","outcome":"failure","category":["authentication"]},"process":{"name":"sshd(pam_unix)"},"logward":{"template":{"id":"t9"}}}"#,
            &[],
        );
        assert_eq!(auth.token.as_deref(), Some("system.auth//ssh_login/failure"));
        assert_eq!(auth.template.as_deref(), Some("t9"));
        let windows = features(
            r#"{"event":{"dataset":"windows.security","code":"4625","action":"logon-failed","outcome":"failure"},"process":{"name":"lsass.exe"}}"#,
            &[],
        );
        assert_eq!(windows.token.as_deref(), Some("windows.security/4625/logon-failed/failure"));
        let web = features(
            r#"{"event":{"dataset":"nginx.access"},"http":{"request":{"method":"get"},"response":{"status_code":302}}}"#,
            &[],
        );
        assert_eq!(web.token.as_deref(), Some("nginx.access/http/GET/3xx"));
        let csv = features(r#"{"event":{"dataset":"logward.csv","category":["process"],"type":["start"]}}"#, &[]);
        assert_eq!(csv.token.as_deref(), Some("logward.csv/process/start/"));
        let text = features(
            r#"{"event":{"dataset":"system.syslog"},"process":{"name":"CRON"},"logward":{"template":{"id":"t1"}}}"#,
            &[],
        );
        assert_eq!(text.token.as_deref(), Some("t1"));
        assert!(features(r#"{"message":"x"}"#, &[]).token.is_none());
    }

    #[test]
    fn variables_are_masked_and_dotted_keys_are_read() {
        let a = features(r#"{"message":"Failed password for root from 10.0.0.1 port 22 ssh2"}"#, &[]);
        let b = features(r#"{"message":"failed PASSWORD for root from 192.168.9.9 port 4000 ssh2"}"#, &[]);
        assert_eq!(a.content[..HASH_DIMS], b.content[..HASH_DIMS]);
        assert_eq!(a.words, ["failed", "password", "for", "root", "from", "port"]);
        let pam = features(
            r#"{"message":"authentication failure; logname= uid=0 tty=NODEVssh rhost=220-135-151-1.hinet-ip.hinet.net user=root at Fri Jun 17"}"#,
            &[],
        );
        assert_eq!(
            pam.words,
            ["authentication", "failure", "logname", "uid", "tty", "nodevssh", "rhost", "user", "root", "at"],
            "a host name holding digits is one variable; month and weekday names are variables"
        );
        let dotted = features(r#"{"logward.template.id":"t1","host.name":"h"}"#, &["host.name", "process.pid"]);
        assert_eq!((dotted.token.as_deref(), dotted.session.as_deref()), (Some("t1"), Some("h|")));
        let escaped = features(r#"{"message":"caf\u00e9 ok"}"#, &[]);
        assert_eq!(escaped.content[bucket("café")], 1.0);
        assert_eq!(words_in_bucket(&escaped.words, bucket("ok")).collect::<Vec<_>>(), ["ok"]);
        let bare = extract(r#"{"message":"hello world"}"#, &[], false).unwrap().features;
        assert!(bare.words.is_empty(), "words are kept only when asked");
    }

    #[test]
    fn finds_the_logward_object_and_an_earlier_score() {
        let line = r#"{"a":1,"logward":{"template":{"id":"t"}}}"#;
        let s = extract(line, &[], false).unwrap();
        assert_eq!(&line[s.logward_at.unwrap()..], r#""template":{"id":"t"}}}"#);
        assert!(!s.scored);
        assert!(extract(r#"{"logward":{"anomaly":{"score":1}}}"#, &[], false).unwrap().scored);
        assert!(extract(r#"{"a":1}"#, &[], false).unwrap().logward_at.is_none());
        assert!(extract("[1]", &[], false).is_err());
    }

    #[test]
    fn weighing_gives_unit_length_words_and_keeps_numbers() {
        let mut f = features(r#"{"message":"alpha beta beta","event":{"outcome":"success"}}"#, &[]);
        let idf = idf(&[1; HASH_DIMS], 4);
        weigh(&mut f.content[..], &idf);
        let norm: f32 = f.content[..HASH_DIMS].iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(f.content[HASH_DIMS], 1.0);
    }

    /// Pins the hashed layout: a change to the word hash silently breaks every shipped model.
    #[test]
    fn word_buckets_are_stable() {
        let f = features(r#"{"message":"session opened for user"}"#, &[]);
        let used: Vec<usize> = (0..HASH_DIMS).filter(|&i| f.content[i] > 0.0).collect();
        assert_eq!(used, [21, 24, 38, 57], "bump FEATURE_VERSION and retrain if this changes");
    }
}
