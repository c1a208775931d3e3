#!/usr/bin/env python3
"""Throughput of `logward enrich` (ATT&CK, no LLM) on 1M tagged alerts (the worst case: every
event is rewritten) and on 1M events as `detect` writes them (parsed Apache access events from
../shared/data with 1% tagged alerts; events without tags pass through untouched), and of
`logward tree` on 1M process and activity events, with `jq -c .` on the same files as a floor,
in one run.

Usage: bench/enrich_tree.py [EVENTS]   (default 1000000)
"""
import json
import os
import sys

import subprocess

from common import ROOT, BIN, DATA, timed


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = os.path.join(ROOT, "bench/out")
    os.makedirs(out, exist_ok=True)
    alerts = os.path.join(out, "alerts.ndjson")
    with open(os.path.join(ROOT, "testdata/enrich/alerts.ndjson")) as f:
        rows = [l for l in f if l.startswith("{")]
    with open(alerts, "w") as f:
        for i in range(n):
            f.write(rows[i % len(rows)])
    events = subprocess.run([BIN, "parse", "-q", os.path.join(DATA, "access/apache_combined_10k.log")],
                            check=True, capture_output=True).stdout.decode().splitlines()
    mixed = os.path.join(out, "detected.ndjson")
    with open(mixed, "w") as f:
        for i in range(n):
            f.write(rows[i % len(rows)] if i % 100 == 99 else events[i % len(events)] + "\n")
    procs = os.path.join(out, "processes.ndjson")
    with open(procs, "w") as f:
        # Process trees of 10 levels; every third event is network activity of a process.
        for i in range(n):
            pid = 1000 + i
            ts = f"2024-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"
            if i % 3 == 2:
                ev = {"@timestamp": ts, "event": {"category": ["network"]}, "process": {"pid": pid - 1},
                      "destination": {"ip": f"10.0.{i % 250}.1", "port": 443}}
            else:
                parent = pid - 1 if i % 10 else 1
                ev = {"@timestamp": ts, "event": {"category": ["process"], "type": ["start"]},
                      "process": {"pid": pid, "parent": {"pid": parent}, "name": f"p{i % 97}",
                                  "command_line": f"/usr/bin/p{i % 97} --run {i}"}, "user": {"name": "svc"}}
            f.write(json.dumps(ev) + "\n")
    pin = ["taskset", "-c", "0"]
    rows = [
        ("enrich, 1 thread", timed(pin + [BIN, "enrich", "-q", "--threads", "1", alerts])),
        ("enrich, all cores", timed([BIN, "enrich", "-q", alerts])),
        ("jq -c . (alerts)", timed(pin + ["jq", "-c", ".", alerts])),
        ("enrich mixed, 1 thread", timed(pin + [BIN, "enrich", "-q", "--threads", "1", mixed])),
        ("enrich mixed, all cores", timed([BIN, "enrich", "-q", mixed])),
        ("jq -c . (mixed)", timed(pin + ["jq", "-c", ".", mixed])),
        ("tree, 1 thread", timed(pin + [BIN, "tree", "-q", "--threads", "1", "--format", "ndjson", procs])),
        ("tree, all cores", timed([BIN, "tree", "-q", "--format", "ndjson", procs])),
        ("jq -c . (processes)", timed(pin + ["jq", "-c", ".", procs])),
    ]
    for name, t in rows:
        print(f"{name:<24} {n} events in {t:6.2f}s = {n / t:>10,.0f} events/s")


if __name__ == "__main__":
    main()
