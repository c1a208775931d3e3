#!/usr/bin/env python3
"""How `logward parse` reads logs nobody described: loghub's 16 system logs (2,000 lines
each, with loghub's structured CSVs as the ground truth for each line's time), parsed with no
option at all, as a new user would.

For each file: the format detected (stderr's note), the share of lines that got an
@timestamp, the share whose time of day agrees with the ground truth's (loghub's Time
column: HH:MM:SS, HHMMSS, epoch seconds, ...), host and program shares, events classified
(event.action), and alerts from the built-in Sigma pack.

The logs are not part of this project: fetch them first (https://github.com/logpai/loghub,
`<Name>/<Name>_2k.log` and `<Name>_2k.log_structured.csv`), e.g.

    git clone --depth 1 https://github.com/logpai/loghub /tmp/loghub-repo
    python3 bench/parse_unknown.py /tmp/loghub-repo
"""
import csv
import datetime
import json
import os
import re
import subprocess
import sys

from common import BIN as RELEASE

BIN = os.environ.get("LOGWARD_BIN", RELEASE)

NAMES = ["Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux", "Mac", "OpenSSH",
         "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper"]


def truth_time(row):
    """The time of day loghub's parse of the line says, as HH:MM:SS (None if it has none)."""
    t = row.get("Time") or ""
    if re.fullmatch(r"\d{9,10}", t):  # HPC: epoch seconds
        return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime("%H:%M:%S")
    m = re.search(r"(?<!\d)(\d{1,2})[:.](\d{1,2})[:.](\d{1,2})(?!\d)", t)
    if m:
        return ":".join(f"{int(g):02d}" for g in m.groups())
    if re.fullmatch(r"\d{6}", t):  # HDFS: HHMMSS
        return f"{t[:2]}:{t[2:4]}:{t[4:]}"
    return None


def find(root, name, suffix):
    for p in (os.path.join(root, name, f"{name}_2k{suffix}"), os.path.join(root, f"{name}_2k{suffix}")):
        if os.path.exists(p):
            return p
    return None


def main(root):
    print("| log | read as | with @timestamp | time of day right | host | program | classified | alerts |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in NAMES:
        log, truth = find(root, name, ".log"), find(root, name, ".log_structured.csv") or find(root, name, ".csv")
        if not log:
            continue
        out = subprocess.run([BIN, "parse", log], capture_output=True, text=True, check=True)
        m = re.search(r": (?:read as (\S+)|no known format)", out.stderr)
        fmt = (m.group(1) or "text") if m else "?"
        evs = [json.loads(l) for l in out.stdout.splitlines()]
        rows = list(csv.DictReader(open(truth, newline="", encoding="utf-8", errors="replace"))) if truth else []
        n = len(evs)
        timed = sum(1 for e in evs if "@timestamp" in e)
        right = checked = 0
        for e, row in zip(evs, rows):
            want = truth_time(row)
            if want is None:
                continue
            checked += 1
            got = e.get("@timestamp", "")[11:19]
            right += got == want
        host = sum(1 for e in evs if e.get("host", {}).get("name"))
        prog = sum(1 for e in evs if e.get("process", {}).get("name"))
        classified = sum(1 for e in evs if e.get("event", {}).get("action"))
        det = subprocess.run([BIN, "detect", "-q", "--alerts-only"], input=out.stdout, capture_output=True, text=True, check=True)
        alerts = len(det.stdout.splitlines())
        pct = lambda k, of: f"{100 * k / of:.1f}%" if of else "-"
        print(f"| {name} | {fmt} | {pct(timed, n)} | {pct(right, checked)} | {pct(host, n)} | {pct(prog, n)} | {classified} | {alerts} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/loghub")
