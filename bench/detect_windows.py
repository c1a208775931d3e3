#!/usr/bin/env python3
"""Throughput of `logward detect` with all of SigmaHQ's rules (a checkout's `rules/`, 3,141 rules) on
Windows events: SigmaHQ's own regression events (238 Sysmon, Security, Defender, ... events in the
shape Winlogbeat writes, via bench/windows_events.py) repeated REPEAT times (400: 95,200
events), on THREADS threads (1). Also times a copy whose copies differ in the values rules read
(command line, target file, registry key, script text, query name get a suffix), so no two
events share an outcome `detect` could remember; rule loading alone (no events); `jq -c .` on
the same file as a floor; and, when RSIGMA is set to an rsigma CLI binary (0.23,
`cargo install rsigma --version 0.23.0 --no-default-features`), `rsigma engine eval` with the same
rules on the same events with their fields flattened (EventData, EventID, Channel at the top,
as rsigma's rules read them without a pipeline), all in one run.

Usage: bench/detect_windows.py SIGMA_CHECKOUT [REPEAT] [THREADS]
Env:   LOGWARD_BIN (default target/release/logward), RSIGMA (an rsigma binary)
"""
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import time

from common import BIN, ROOT


def timed(cmd):
    """(wall seconds, CPU seconds: user + system) of one run, output discarded. On a shared,
    busy machine the CPU time is the steadier of the two."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

sys.path.insert(0, os.path.join(ROOT, "bench"))
import windows_events  # noqa: E402

VARIED = ["CommandLine", "TargetFilename", "TargetObject", "ScriptBlockText", "QueryName", "ImageLoaded", "Payload"]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sigma = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    threads = sys.argv[3] if len(sys.argv) > 3 else "1"
    binary = os.environ.get("LOGWARD_BIN", BIN)
    base = []
    for j in sorted(glob.glob(os.path.join(sigma, "regression_data", "**", "*.json"), recursive=True)):
        base.extend(windows_events.convert(r) for r in windows_events.records(j))
    out = os.path.join(ROOT, "bench/out")
    os.makedirs(out, exist_ok=True)
    same = os.path.join(out, "detect-windows-events.ndjson")
    varied = os.path.join(out, "detect-windows-varied.ndjson")
    flat = os.path.join(out, "detect-windows-flat.ndjson")
    with open(same, "w") as f, open(varied, "w") as g, open(flat, "w") as h:
        for k in range(repeat):
            for e in base:
                line = json.dumps(e, separators=(",", ":"))
                f.write(line + "\n")
                # rsigma resolves rule fields at the top level: EventData and System there.
                w = e["winlog"]
                top = {"EventID": int(w["event_id"]), "Channel": w["channel"], "Provider_Name": w["provider_name"],
                       "Computer": w["computer_name"], **w.get("event_data", {}), **w.get("user_data", {})}
                h.write(json.dumps(top, separators=(",", ":")) + "\n")
                data = e["winlog"].get("event_data", {})
                e2 = json.loads(line)
                d2 = e2["winlog"].get("event_data", {})
                for name in VARIED:
                    if name in data:
                        d2[name] = f"{data[name]} #{k}"
                g.write(json.dumps(e2, separators=(",", ":")) + "\n")
    n = repeat * len(base)
    rules = os.path.join(sigma, "rules")
    cmd = [binary, "detect", "-q", "--threads", threads, "--no-builtin", "--rules", rules]
    rows = []
    load = timed(cmd + [os.devnull])
    rows.append(("logward detect: loading the rules only", load, None))
    for name, path in (("logward detect", same), ("logward detect, values varied", varied)):
        t = timed(cmd + [path])
        rows.append((name, t, n))
        rows.append((name + ", less rule loading", (t[0] - load[0], t[1] - load[1]), n))
    rsigma = os.environ.get("RSIGMA")
    if rsigma:
        t = timed([rsigma, "engine", "eval", "-r", rules, "-e", "@" + flat])
        rows.append(("rsigma engine eval (the events flattened)", t, n))
    if shutil.which("jq"):
        t = timed(["jq", "-c", ".", same])
        rows.append(("jq -c . (floor)", t, n))
    print(f"{n} events ({len(base)} distinct, x{repeat}), {threads} thread(s), rules: {rules}")
    print(f"  {'':46s} {'wall s':>8s} {'events/s':>10s} {'CPU s':>8s} {'events/CPU-s':>13s}")
    for name, (wall, cpu), count in rows:
        rate = lambda secs: f"{count / secs / 1000:9.1f}k" if count and secs > 0 else " " * 10
        print(f"  {name:46s} {wall:8.2f} {rate(wall)} {cpu:8.2f} {rate(cpu):>13s}")


if __name__ == "__main__":
    main()
