//! Time of the shared event scanner (`event::scan`) on an NDJSON file, next to serde_json
//! reading the same lines into a tree and skipping them (`IgnoredAny`): the floor every
//! stage's reading stands on. One thread; min of three passes.
//!
//! Usage: cargo run --release --example scan_speed -- FILE.ndjson

use logward::event::scan;
use logward::fasthash::PathTable;
use std::time::Instant;

fn best(lines: &[&str], f: &mut dyn FnMut(&str)) -> f64 {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            for l in lines {
                f(l);
            }
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: scan_speed FILE.ndjson");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len() as f64;
    // A report-sized set of wanted paths: a dozen fields of most events.
    let table = PathTable::new(
        [
            "@timestamp",
            "event.dataset",
            "event.kind",
            "event.category",
            "event.action",
            "event.outcome",
            "source.ip",
            "user.name",
            "process.name",
            "url.original",
            "host.name",
            "message",
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i as u16 + 1)),
    );
    let mut out = Vec::new();
    let rows: Vec<(&str, f64)> = vec![
        (
            "scan::validate",
            best(&lines, &mut |l| {
                scan::validate(l).expect("valid");
            }),
        ),
        (
            "scan::scan (12 paths)",
            best(&lines, &mut |l| {
                out.clear();
                scan::scan(l, &mut |p| table.get(p), &mut out).expect("valid");
            }),
        ),
        (
            "serde_json IgnoredAny",
            best(&lines, &mut |l| {
                serde_json::from_str::<serde::de::IgnoredAny>(l).expect("valid");
            }),
        ),
        (
            "serde_json Value",
            best(&lines, &mut |l| {
                serde_json::from_str::<serde_json::Value>(l).expect("valid");
            }),
        ),
    ];
    let mb = text.len() as f64 / 1e6;
    let value = rows[3].1;
    for (name, t) in rows {
        println!(
            "{name:<24} {:>7.0} ns/event {:>9.0} events/s {:>6.0} MB/s  ({:.2}x serde_json Value's time)",
            t / n * 1e9,
            n / t,
            mb / t,
            t / value
        );
    }
}
