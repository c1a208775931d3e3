#!/usr/bin/env python3
"""SigmaHQ's regression cases: for each `regression_data/**/info.yml` of a SigmaHQ checkout, the
recorded events of one rule's true-positive test, run through `logward detect` together with
every rule of the checkout's `rules/`, `rules-emerging-threats/` and `rules-threat-hunting/`
folders (one run, each case its own input file); a case passes when its rule alerts on its
own events. Prints the cases that fail and the count that pass.

Events are read as NDJSON in the shape Winlogbeat writes (the contract `detect` reads). Until
`logward parse` reads EVTX, a case's JSON (the form `evtx_dump -o json` writes) is turned into
that shape by bench/windows_events.py (evaluation only); `--parse` reads each case's `.evtx`
with `logward parse` instead, once it can.

Usage: bench/detect_sigma_regression.py SIGMA_CHECKOUT [--parse] [extra detect args]
Env:   LOGWARD_BIN (default target/release/logward)
"""
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile

from common import BIN, ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import windows_events  # noqa: E402


def info(path):
    """(rule id, title) of an info.yml, read without PyYAML (its layout is fixed)."""
    rid = title = None
    inside = False
    for line in open(path, encoding="utf-8"):
        s = line.strip()
        if s.startswith("rule_metadata:"):
            inside = True
        elif inside and s.startswith("- id:"):
            rid = s.split(":", 1)[1].strip()
        elif inside and s.startswith("title:"):
            title = s.split(":", 1)[1].strip()
            break
    return rid, title


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sigma = sys.argv[1]
    use_parse = "--parse" in sys.argv[2:]
    extra = [a for a in sys.argv[2:] if a != "--parse"]
    binary = os.environ.get("LOGWARD_BIN", BIN)
    cases = []
    for inf in sorted(glob.glob(os.path.join(sigma, "regression_data", "**", "info.yml"), recursive=True)):
        rid, title = info(inf)
        d = os.path.dirname(inf)
        cases.append((rid, title, d))
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for k, (rid, title, d) in enumerate(cases):
            out = os.path.join(tmp, f"case{k:03d}.ndjson")
            raw = sorted(glob.glob(os.path.join(d, "*.raw")))
            if raw and not glob.glob(os.path.join(d, "*.json")):
                # A text log (a Cisco CLI line, say): parse reads it as it is.
                with open(out, "wb") as f:
                    subprocess.run([binary, "parse", "-q", *raw], check=True, stdout=f)
            elif use_parse:
                evtx = sorted(glob.glob(os.path.join(d, "*.evtx")))
                with open(out, "wb") as f:
                    subprocess.run([binary, "parse", "-q", *evtx], check=True, stdout=f)
            else:
                with open(out, "w", encoding="utf-8") as f:
                    for j in sorted(glob.glob(os.path.join(d, "*.json"))):
                        for r in windows_events.records(j):
                            f.write(json.dumps(windows_events.convert(r), separators=(",", ":")) + "\n")
            inputs.append(out)
        rules = [a for r in ("rules", "rules-emerging-threats", "rules-threat-hunting")
                 for a in ("--rules", os.path.join(sigma, r)) if os.path.isdir(os.path.join(sigma, r))]
        p = subprocess.run([binary, "detect", "-q", "--no-builtin", "--alerts-only", *rules, *extra, *inputs],
                           check=True, capture_output=True, text=True)
        fired = collections.defaultdict(set)
        for line in p.stdout.splitlines():
            a = json.loads(line)
            for e in a["logward"]["detect"]["events"]:
                fired[os.path.basename(e["file"])].add(a["rule"].get("id"))
        passed = 0
        for k, (rid, title, d) in enumerate(cases):
            got = fired.get(f"case{k:03d}.ndjson", set())
            if rid in got:
                passed += 1
            else:
                print(f"MISS {title} ({os.path.relpath(d, sigma)}); fired: {len(got)} other rules")
        print(f"{passed} of {len(cases)} regression cases fire their rule")


if __name__ == "__main__":
    main()
