//! The LLM client of `logward enrich` against a small HTTP server on 127.0.0.1 started by
//! the test: retries on 429, the cache, what is sent, and a timeout that never stops the
//! pipeline. Each server handles a bounded number of connections and then ends.

mod common;
use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Serves up to `max` requests; `respond(n, body)` gives (status, extra headers, body) or
/// `None` to stall for `stall` without answering.
fn serve(
    max: usize,
    stall: Duration,
    respond: impl Fn(usize) -> Option<(u16, &'static str, String)> + Send + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().take(max).enumerate() {
            let Ok(mut stream) = conn else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            log.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
            match respond(n) {
                Some((status, headers, body)) => {
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes());
                }
                None => std::thread::sleep(stall),
            }
        }
    });
    (url, seen)
}

fn answer() -> String {
    let content =
        r#"{"severity":"high","threat_type":"brute_force","explanation":"Many failed logins from one address."}"#;
    serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content}}]}).to_string()
}

const ALERT_A: &str = r#"{"event":{"kind":"alert","original":"RAWLINE-A"},"message":"RAWMESSAGE","rule":{"name":"SSH brute force"},"source":{"ip":"203.0.113.9"}}"#;
const ALERT_B: &str = r#"{"event":{"kind":"alert"},"rule":{"name":"Scanner"},"source":{"ip":"198.51.100.1"}}"#;
const PLAIN: &str = r#"{"event":{"kind":"event"},"message":"not an alert"}"#;

#[test]
fn retries_caches_and_sends_structured_fields_only() {
    let (url, seen) = serve(10, Duration::ZERO, |n| {
        if n == 0 {
            Some((429, "Retry-After: 0\r\n", "{}".into()))
        } else {
            Some((200, "", answer()))
        }
    });
    let input = format!("{ALERT_A}\n{ALERT_A}\n{ALERT_B}\n{PLAIN}\n");
    let out = logward()
        .args(["enrich", "--threads", "1", "--llm", &url, "--llm-model", "test-model"])
        .env("LOGWARD_LLM_KEY", "secret-key")
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events: Vec<Value> = ndjson(&out.stdout);
    for e in &events[..3] {
        assert_eq!(e["logward"]["llm"]["severity"], "high");
        assert_eq!(e["logward"]["llm"]["explanation"], "Many failed logins from one address.");
    }
    assert!(events[3].get("logward").is_none(), "non-alerts are not sent by default");
    let bodies = seen.lock().unwrap().clone();
    // 429 then answer for A; A again from the cache; B once.
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    for b in &bodies {
        assert!(!b.contains("RAWLINE") && !b.contains("RAWMESSAGE"), "raw text was sent: {b}");
        assert!(b.contains("test-model"));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 requests, 1 answered from cache, 0 alerts without an answer"), "{err}");
    assert!(!err.contains("secret-key"));
}

#[test]
fn a_slow_llm_times_out_and_the_events_pass_through() {
    let (url, seen) = serve(4, Duration::from_secs(3), |_| None);
    let start = Instant::now();
    let out = logward()
        .args(["enrich", "--threads", "1", "--llm", &url, "--llm-timeout", "0.3", "--llm-retries", "1"])
        .write_stdin(format!("{ALERT_B}\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(start.elapsed() < Duration::from_secs(20), "the timeout did not apply");
    let e: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(e["logward"].get("llm").is_none());
    assert_eq!(e["rule"]["name"], "Scanner");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 alerts without an answer"));
    assert!(!seen.lock().unwrap().is_empty());
}
