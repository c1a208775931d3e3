//! Optional LLM explanations of alerts through an OpenAI-compatible chat completions API
//! (llama.cpp, Ollama, vLLM and hosted services share it).
//!
//! Only structured fields leave the machine: the event without `event.original`, `message`
//! and `log.*`. Calls are bounded in number at once, retried with backoff on 429 and 5xx,
//! limited by a timeout each and by a deadline for the whole run, and cached by a
//! fingerprint of what is sent, so identical alerts cost one call. A failing LLM never
//! stops the pipeline: the event passes through and the failure is counted; after
//! `breaker` failed requests in a row (or once the deadline has passed) no more are made,
//! the rest of the events pass through at once, and stderr says so.

use anyhow::{bail, Result};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub struct LlmOptions {
    /// Base URL (`http://localhost:8080/v1`) or the full `/chat/completions` endpoint.
    pub url: String,
    pub model: String,
    /// API key, from the environment variable the user names.
    pub key: Option<String>,
    pub timeout: Duration,
    /// No request starts after this long from the start of the run.
    pub deadline: Duration,
    /// Failed requests in a row after which no more are made (0: never give up).
    pub breaker: u32,
    pub concurrency: usize,
    pub retries: u32,
    /// Explain every event, not only alerts.
    pub all_events: bool,
    /// Say nothing on stderr when giving up.
    pub quiet: bool,
}

/// The fields an answer adds to an event.
type Explanation = Map<String, Value>;

pub struct Llm {
    opts: LlmOptions,
    endpoint: String,
    agent: ureq::Agent,
    slots: (Mutex<usize>, Condvar),
    cache: Mutex<HashMap<[u8; 32], Option<Explanation>>>,
    pub calls: AtomicU64,
    pub failures: AtomicU64,
    pub cached: AtomicU64,
    /// Events passed through without asking, once the LLM was given up on.
    pub skipped: AtomicU64,
    started: Instant,
    /// Failed requests since the last answer.
    failing: AtomicU32,
    /// Set once no more requests are made.
    stopped: AtomicBool,
    /// Why (for the summary line), with the count of failures seen.
    why: Mutex<Option<String>>,
}

/// The longest wait a `Retry-After` answer is given (a longer one is not waited for).
const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

const SYSTEM_PROMPT: &str = "You are a security analyst. You get one security alert as JSON \
(structured fields only). Answer with one JSON object and nothing else: \
{\"severity\": one of \"low\", \"medium\", \"high\", \"critical\", \
\"threat_type\": a short snake_case label such as brute_force, scanning, injection, \
unauthorized_access, privilege_escalation, persistence, benign or unknown, \
\"explanation\": one or two sentences saying what happened and why it matters}.";

/// Checks `--llm URL` before the run: an http:// or https:// URL with a host.
pub fn check_url(url: &str) -> Result<()> {
    let hint = "give the server's base URL, e.g. --llm http://localhost:8080/v1";
    let Ok(uri) = url.trim().parse::<ureq::http::Uri>() else { bail!("--llm '{url}' is not a URL: {hint}") };
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {}
        Some(s) => bail!("--llm '{url}': the scheme '{s}' is not supported (http or https only): {hint}"),
        None => bail!("--llm '{url}' is not a URL (no http:// or https://): {hint}"),
    }
    if uri.host().is_none_or(str::is_empty) {
        bail!("--llm '{url}' names no host: {hint}");
    }
    Ok(())
}

impl Llm {
    /// The client; the URL and the time limits are checked here, before any event is read.
    pub fn new(opts: LlmOptions) -> Result<Llm> {
        check_url(&opts.url)?;
        for (flag, d) in [("--llm-timeout", opts.timeout), ("--llm-deadline", opts.deadline)] {
            if d.is_zero() {
                bail!("{flag} must be more than 0 seconds");
            }
        }
        let url = opts.url.trim();
        let endpoint = if url.trim_end_matches('/').ends_with("/chat/completions") {
            url.to_string()
        } else {
            format!("{}/chat/completions", url.trim_end_matches('/'))
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .timeout_connect(Some(opts.timeout.min(Duration::from_secs(10))))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Llm {
            endpoint,
            agent,
            slots: (Mutex::new(opts.concurrency.max(1)), Condvar::new()),
            cache: Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            cached: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            started: Instant::now(),
            failing: AtomicU32::new(0),
            stopped: AtomicBool::new(false),
            why: Mutex::new(None),
            opts,
        })
    }

    /// Why no more requests are made, once that is so (for the summary on stderr).
    pub fn given_up(&self) -> Option<String> {
        self.why.lock().expect("llm state").clone()
    }

    /// Time left before the deadline; `None` once it has passed (and from then on no
    /// request is made).
    fn time_left(&self) -> Option<Duration> {
        if self.stopped.load(Ordering::Relaxed) {
            return None;
        }
        let left = self.opts.deadline.checked_sub(self.started.elapsed()).filter(|d| !d.is_zero());
        if left.is_none() {
            self.stop(format!("the --llm-deadline of {}s passed", self.opts.deadline.as_secs_f64().round()));
        }
        left
    }

    fn stop(&self, why: String) {
        if !self.stopped.swap(true, Ordering::SeqCst) {
            if !self.opts.quiet {
                eprintln!("logward enrich: LLM: {why}; no more requests: the rest of the events pass through without logward.llm");
            }
            *self.why.lock().expect("llm state") = Some(why);
            // Events waiting for a slot go through at once.
            self.slots.1.notify_all();
        }
    }

    /// One request failed: after `breaker` in a row, no more are made.
    fn failed(&self, what: &str) {
        let n = self.failing.fetch_add(1, Ordering::SeqCst) + 1;
        if self.opts.breaker > 0 && n >= self.opts.breaker {
            self.stop(format!("{n} requests in a row failed (the last: {what})"));
        }
    }

    /// Whether every event is sent, not only alerts.
    pub fn all_events(&self) -> bool {
        self.opts.all_events
    }

    /// Adds `logward.llm.*` to an alert (or any event with `all_events`).
    pub fn explain(&self, ev: &mut Value) {
        let is_alert = crate::event::get_str(ev, "event.kind") == Some("alert");
        if !is_alert && !self.opts.all_events {
            return;
        }
        let payload = structured_only(ev);
        let text = payload.to_string();
        let key = *blake3::hash(text.as_bytes()).as_bytes();
        let cached = self.cache.lock().expect("llm cache").get(&key).cloned();
        let answer = match cached {
            Some(a) => {
                self.cached.fetch_add(1, Ordering::Relaxed);
                a
            }
            None => match self.ask(&text) {
                Asked::Answer(a) => {
                    if a.is_none() {
                        self.failures.fetch_add(1, Ordering::Relaxed);
                    }
                    self.cache.lock().expect("llm cache").insert(key, a.clone());
                    a
                }
                Asked::NotAsked => {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                    None
                }
            },
        };
        if let Some(fields) = answer {
            crate::event::set(ev, "logward.llm", Value::Object(fields));
        }
    }

    /// One question, with a bounded number in flight and retries on 429/5xx and errors,
    /// none once the LLM is given up on.
    fn ask(&self, alert_json: &str) -> Asked {
        let Some(_slot) = Slot::take(&self.slots, &self.stopped) else { return Asked::NotAsked };
        if self.time_left().is_none() {
            return Asked::NotAsked;
        }
        let body = json!({
            "model": self.opts.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": alert_json},
            ],
        })
        .to_string();
        let mut delay = Duration::from_millis(200);
        for attempt in 0..=self.opts.retries {
            // Each attempt ends by the deadline; none starts after it or once given up.
            let Some(left) = self.time_left() else { return Asked::NotAsked };
            self.calls.fetch_add(1, Ordering::Relaxed);
            let mut req = self
                .agent
                .post(&self.endpoint)
                .config()
                .timeout_global(Some(self.opts.timeout.min(left)))
                .build()
                .header("Content-Type", "application/json");
            if let Some(k) = &self.opts.key {
                req = req.header("Authorization", &format!("Bearer {k}"));
            }
            let (failure, wait) = match req.send(&body) {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 429 || status >= 500 {
                        let asked = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        // A server that asks for more than the cap will not be back in time
                        // for this event: no retry, and no wait.
                        if asked.is_some_and(|a| a > RETRY_AFTER_CAP) {
                            self.failed(&format!("HTTP {status} with a Retry-After over 30 s"));
                            return Asked::Answer(None);
                        }
                        (format!("HTTP {status}"), asked.unwrap_or(delay))
                    } else if status != 200 {
                        // A client error (401, 404, ...) will not mend with retries.
                        self.failed(&format!("HTTP {status}"));
                        return Asked::Answer(None);
                    } else {
                        self.failing.store(0, Ordering::SeqCst);
                        return Asked::Answer(resp.into_body().read_to_string().ok().and_then(|t| parse_answer(&t)));
                    }
                }
                // Timeouts and connection errors: retried like 5xx.
                Err(e) => (describe(&e), delay),
            };
            self.failed(&failure);
            if attempt < self.opts.retries {
                // Never past the deadline, and not at all once given up.
                match self.time_left() {
                    Some(left) if wait < left => std::thread::sleep(wait),
                    _ => return Asked::Answer(None),
                }
                delay *= 2;
            }
        }
        Asked::Answer(None)
    }
}

/// What asking gave: an answer (or none after trying), or nothing because the LLM was
/// given up on before this event.
enum Asked {
    Answer(Option<Map<String, Value>>),
    NotAsked,
}

/// A request error in a few words (never the request: it may hold the key).
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Io(io) => io.kind().to_string(),
        _ => "request failed".into(),
    }
}

/// A concurrency slot, given back when dropped.
struct Slot<'a>(&'a (Mutex<usize>, Condvar));

impl<'a> Slot<'a> {
    /// Waits for a free slot; `None` once `stopped` is set (no more requests are made).
    fn take(slots: &'a (Mutex<usize>, Condvar), stopped: &AtomicBool) -> Option<Slot<'a>> {
        let mut free = slots.0.lock().expect("llm slots");
        while *free == 0 {
            if stopped.load(Ordering::SeqCst) {
                return None;
            }
            free = slots.1.wait_timeout(free, Duration::from_millis(200)).expect("llm slots").0;
        }
        if stopped.load(Ordering::SeqCst) {
            return None;
        }
        *free -= 1;
        Some(Slot(slots))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0 .0.lock().expect("llm slots") += 1;
        self.0 .1.notify_one();
    }
}

/// The event without raw text: `event.original`, `message` and `log.*` stay home.
pub fn structured_only(ev: &Value) -> Value {
    let mut v = ev.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("message");
        obj.remove("log");
        if let Some(Value::Object(e)) = obj.get_mut("event") {
            e.remove("original");
        }
    }
    v
}

/// `choices[0].message.content`, read as the JSON object the prompt asks for (a code
/// fence around it is tolerated); free text becomes the explanation.
fn parse_answer(body: &str) -> Option<Map<String, Value>> {
    let v: Value = serde_json::from_str(body).ok()?;
    let content = v.pointer("/choices/0/message/content")?.as_str()?.trim();
    let inner = content.trim_start_matches("```json").trim_start_matches("```").trim_end_matches("```").trim();
    let mut out = Map::new();
    match serde_json::from_str::<Value>(inner) {
        Ok(Value::Object(o)) => {
            for k in ["severity", "threat_type", "explanation"] {
                if let Some(Value::String(s)) = o.get(k) {
                    out.insert(k.to_string(), Value::String(s.chars().take(600).collect()));
                }
            }
        }
        _ => {
            out.insert("explanation".into(), Value::String(content.chars().take(600).collect()));
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_never_leaves() {
        let ev = json!({"message": "raw", "event": {"original": "raw", "kind": "alert"}, "log": {"file": {"path": "/x"}}, "rule": {"name": "r"}});
        assert_eq!(structured_only(&ev), json!({"event": {"kind": "alert"}, "rule": {"name": "r"}}));
    }

    #[test]
    fn answers_are_read_leniently() {
        let body = json!({"choices": [{"message": {"content": "```json\n{\"severity\":\"high\",\"threat_type\":\"brute_force\",\"explanation\":\"Many failures.\"}\n```"}}]});
        let a = parse_answer(&body.to_string()).unwrap();
        assert_eq!(a["severity"], "high");
        assert_eq!(a["explanation"], "Many failures.");
        let body = json!({"choices": [{"message": {"content": "Just prose."}}]});
        assert_eq!(parse_answer(&body.to_string()).unwrap()["explanation"], "Just prose.");
        assert!(parse_answer("not json").is_none());
    }
}
