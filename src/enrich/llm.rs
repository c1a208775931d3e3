//! Optional LLM explanations of alerts through an OpenAI-compatible chat completions API
//! (llama.cpp, Ollama, vLLM and hosted services share it).
//!
//! Only structured fields leave the machine: the event without `event.original`, `message`
//! and `log.*`. Calls are bounded in number at once, retried with backoff on 429 and 5xx,
//! limited by a timeout, and cached by a fingerprint of what is sent, so identical alerts
//! cost one call. A failing LLM never stops the pipeline: the event passes through and the
//! failure is counted.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

pub struct LlmOptions {
    /// Base URL (`http://localhost:8080/v1`) or the full `/chat/completions` endpoint.
    pub url: String,
    pub model: String,
    /// API key, from the environment variable the user names.
    pub key: Option<String>,
    pub timeout: Duration,
    pub concurrency: usize,
    pub retries: u32,
    /// Explain every event, not only alerts.
    pub all_events: bool,
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
}

const SYSTEM_PROMPT: &str = "You are a security analyst. You get one security alert as JSON \
(structured fields only). Answer with one JSON object and nothing else: \
{\"severity\": one of \"low\", \"medium\", \"high\", \"critical\", \
\"threat_type\": a short snake_case label such as brute_force, scanning, injection, \
unauthorized_access, privilege_escalation, persistence, benign or unknown, \
\"explanation\": one or two sentences saying what happened and why it matters}.";

impl Llm {
    pub fn new(opts: LlmOptions) -> Llm {
        let endpoint = if opts.url.trim_end_matches('/').ends_with("/chat/completions") {
            opts.url.clone()
        } else {
            format!("{}/chat/completions", opts.url.trim_end_matches('/'))
        };
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(opts.timeout)).http_status_as_error(false).build().into();
        Llm {
            endpoint,
            agent,
            slots: (Mutex::new(opts.concurrency.max(1)), Condvar::new()),
            cache: Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            cached: AtomicU64::new(0),
            opts,
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
            None => {
                let a = self.ask(&text);
                if a.is_none() {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                }
                self.cache.lock().expect("llm cache").insert(key, a.clone());
                a
            }
        };
        if let Some(fields) = answer {
            crate::event::set(ev, "logward.llm", Value::Object(fields));
        }
    }

    /// One question, with a bounded number in flight and retries on 429/5xx and errors.
    fn ask(&self, alert_json: &str) -> Option<Map<String, Value>> {
        let _slot = Slot::take(&self.slots);
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
            self.calls.fetch_add(1, Ordering::Relaxed);
            let mut req = self.agent.post(&self.endpoint).header("Content-Type", "application/json");
            if let Some(k) = &self.opts.key {
                req = req.header("Authorization", &format!("Bearer {k}"));
            }
            match req.send(&body) {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 429 || status >= 500 {
                        let wait = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(|s| Duration::from_secs(s.min(30)))
                            .unwrap_or(delay);
                        if attempt < self.opts.retries {
                            std::thread::sleep(wait);
                            delay *= 2;
                        }
                        continue;
                    }
                    if status != 200 {
                        return None;
                    }
                    let text = resp.into_body().read_to_string().ok()?;
                    return parse_answer(&text);
                }
                // Timeouts and connection errors: retried like 5xx.
                Err(_) => {
                    if attempt < self.opts.retries {
                        std::thread::sleep(delay);
                        delay *= 2;
                    }
                }
            }
        }
        None
    }
}

/// A concurrency slot, given back when dropped.
struct Slot<'a>(&'a (Mutex<usize>, Condvar));

impl<'a> Slot<'a> {
    fn take(slots: &'a (Mutex<usize>, Condvar)) -> Slot<'a> {
        let mut free = slots.0.lock().expect("llm slots");
        while *free == 0 {
            free = slots.1.wait(free).expect("llm slots");
        }
        *free -= 1;
        Slot(slots)
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
