#!/usr/bin/env python3
"""Windows detection on recorded attacks: each EVTX file of an attack-sample tree (one folder per
ATT&CK tactic, e.g. ../shared/data/windows/evtx-attack-samples) is read into NDJSON events, and
all of them go through `logward detect` with the built-in pack and a folder of Sigma rules
(SigmaHQ's `rules/`, fetched separately) in one run. Reports, per tactic folder, the share of
files with at least one alert tagged with that tactic (attack.<tactic>), the share with any
alert, and the events read per file (a file that yields no event is listed).

How EVTX becomes events:
  default        `logward parse FILE.evtx` (once parse reads EVTX)
  --evtx-dump B  EVALUATION ONLY: `B -o jsonl FILE.evtx` (the evtx crate's evtx_dump), put in
                 Winlogbeat's shape by bench/windows_events.py
  --ndjson DIR   events already converted: DIR mirrors the tree, FILE.evtx -> FILE.ndjson

Usage: bench/detect_attack_samples.py SAMPLES_DIR SIGMA_RULES_DIR [--evtx-dump BIN | --ndjson DIR] [detect args]
Env:   LOGWARD_BIN (default target/release/logward)
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

from common import BIN, ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import windows_events  # noqa: E402


def tactic_tag(folder):
    return "attack." + folder.lower().replace(" ", "-")


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    samples, rules = args[0], args[1]
    rest = args[2:]
    mode, arg = "parse", None
    for opt in ("--evtx-dump", "--ndjson"):
        if opt in rest:
            i = rest.index(opt)
            mode, arg = opt, rest[i + 1]
            rest = rest[:i] + rest[i + 2:]
    binary = os.environ.get("LOGWARD_BIN", BIN)
    files = []
    for base, _, names in os.walk(samples):
        for n in sorted(names):
            if n.lower().endswith(".evtx"):
                files.append(os.path.join(base, n))
    files.sort()
    with tempfile.TemporaryDirectory() as tmp:
        inputs, counts = [], {}
        for k, path in enumerate(files):
            out = os.path.join(tmp, f"f{k:03d}.ndjson")
            if mode == "--ndjson":
                rel = os.path.relpath(path, samples)
                src = os.path.join(arg, rel[:-5] + ".ndjson")
                data = open(src, "rb").read() if os.path.exists(src) else b""
                open(out, "wb").write(data)
            elif mode == "--evtx-dump":
                p = subprocess.run([arg, "-o", "jsonl", path], capture_output=True, text=True)
                with open(out, "w", encoding="utf-8") as f:
                    for line in p.stdout.splitlines():
                        if line.strip():
                            f.write(json.dumps(windows_events.convert(json.loads(line)), separators=(",", ":")) + "\n")
            else:
                with open(out, "wb") as f:
                    subprocess.run([binary, "parse", "-q", path], stdout=f)
            counts[out] = sum(1 for _ in open(out, "rb"))
            inputs.append(out)
        p = subprocess.run([binary, "detect", "-q", "--alerts-only", "--rules", rules, *rest, *inputs],
                           check=True, capture_output=True, text=True)
        tags = collections.defaultdict(set)
        for line in p.stdout.splitlines():
            a = json.loads(line)
            for e in a["logward"]["detect"]["events"]:
                tags[os.path.basename(e["file"])].update(a.get("tags", []) or ["(untagged)"])
    by = collections.defaultdict(lambda: [0, 0, 0, 0])  # files, with tactic alert, with any alert, events
    for k, path in enumerate(files):
        rel = os.path.relpath(path, samples)
        folder = rel.split(os.sep)[0] if os.sep in rel else "(top level)"
        name = f"f{k:03d}.ndjson"
        t = tags.get(name, set())
        row = by[folder]
        row[0] += 1
        row[1] += tactic_tag(folder) in t
        row[2] += bool(t)
        n = counts[os.path.join(tmp, name)]
        row[3] += n
        if n == 0:
            print(f"NO EVENTS {rel}")
    print(f"{'tactic folder':26s} {'files':>5s} {'tactic alert':>14s} {'any alert':>12s} {'events':>8s}")
    tot = [0, 0, 0, 0]
    for folder in sorted(by):
        f, hit, anyhit, ev = by[folder]
        tot = [a + b for a, b in zip(tot, by[folder])]
        print(f"{folder:26s} {f:5d} {hit:6d} ({hit / f:4.0%}) {anyhit:5d} ({anyhit / f:4.0%}) {ev:8d}")
    print(f"{'all':26s} {tot[0]:5d} {tot[1]:6d} ({tot[1] / tot[0]:4.0%}) {tot[2]:5d} ({tot[2] / tot[0]:4.0%}) {tot[3]:8d}")


if __name__ == "__main__":
    main()
