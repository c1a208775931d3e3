#!/usr/bin/env python3
"""Throughput of `logward report` (md, json, html, csv) on 1M events made by `logward parse`
from the 10k real Apache lines and the Loghub Linux sample in ../shared/data (repeated, with
alerts and anomaly scores mixed in), in one run with two peers on the same file: `jq -c .`
as a floor, and a plain-Python aggregation of the same counts (json.loads + Counter), which
is what a notebook would do.

Usage: bench/report.py [EVENTS]   (default 1000000)
"""
import collections
import json
import os
import subprocess
import sys
import time

from common import ROOT, BIN, DATA, timed


def python_peer(path):
    """The same aggregates the report's md/json output holds, in plain Python."""
    t0 = time.perf_counter()
    c = collections.defaultdict(collections.Counter)
    first = last = None
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            ts = e.get("@timestamp")
            if ts:
                first = ts if first is None or ts < first else first
                last = ts if last is None or ts > last else last
                c["minute"][ts[:16]] += 1
            ev = e.get("event", {})
            c["dataset"][ev.get("dataset")] += 1
            c["action"][ev.get("action")] += 1
            for k in ("source", "destination"):
                ip = e.get(k, {}).get("ip")
                if ip:
                    c[k][ip] += 1
            user = e.get("user", {}).get("name")
            if user:
                c["user"][user] += 1
            url = e.get("url", {}).get("original")
            if url:
                c["url"][url] += 1
            if ev.get("kind") == "alert":
                c["rule"][e.get("rule", {}).get("id")] += 1
            if "authentication" in ev.get("category", []):
                c["login"][(user, ev.get("outcome"))] += 1
    for k in c:
        c[k].most_common(10)
    return time.perf_counter() - t0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = os.path.join(ROOT, "bench/out")
    os.makedirs(out, exist_ok=True)
    parsed = subprocess.run(
        [BIN, "parse", "-q", "--year", "2024", os.path.join(DATA, "access/apache_combined_10k.log"),
         os.path.join(DATA, "loghub-2k/Linux/Linux_2k.log")],
        check=True, capture_output=True).stdout.decode().splitlines()
    alert = json.dumps({"@timestamp": "2024-01-01T00:00:00Z", "event": {"kind": "alert", "dataset": "logward.detect",
                        "severity": 73}, "rule": {"id": "r1", "name": "SSH brute force"},
                        "logward": {"detect": {"level": "high", "reason": "9 failed logins"}}, "source": {"ip": "203.0.113.9"}})
    path = os.path.join(out, "report-input.ndjson")
    with open(path, "w") as f:
        for i in range(n):
            if i % 100 == 99:
                f.write(alert + "\n")
            elif i % 10 == 5:
                e = json.loads(parsed[i % len(parsed)])
                e.setdefault("logward", {})["anomaly"] = {"score": (i % 997) / 997, "severity": "low", "session": f"s{i % 5000}"}
                f.write(json.dumps(e, separators=(",", ":")) + "\n")
            else:
                f.write(parsed[i % len(parsed)] + "\n")
    pin = ["taskset", "-c", "0"]
    peer = python_peer(path)
    rows = [
        ("report md, 1 thread", timed(pin + [BIN, "report", "-q", "--threads", "1", path])),
        ("report json, 1 thread", timed(pin + [BIN, "report", "-q", "--threads", "1", "-f", "json", path])),
        ("report html, 1 thread", timed(pin + [BIN, "report", "-q", "--threads", "1", "-f", "html", path])),
        ("report md, all cores", timed([BIN, "report", "-q", path])),
        ("report csv, all cores", timed([BIN, "report", "-q", "-f", "csv", path])),
        ("jq -c . (floor)", timed(pin + ["jq", "-c", ".", path])),
        ("python json+Counter", peer),
    ]
    for name, t in rows:
        print(f"{name:<24} {n} events in {t:6.2f}s = {n / t:>10,.0f} events/s  ({peer / t:5.1f}x python)")


if __name__ == "__main__":
    main()
