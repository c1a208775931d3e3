#!/usr/bin/env python3
"""Alerts per rule on benign real logs: the shared Apache 10k access log, OpenSSH 2k and Linux 2k
samples, parsed by `logward parse`, run through `logward detect` with a folder of Sigma rules
(SigmaHQ's `rules/`, fetched separately; this project does not ship it) and the built-in pack.
Benign logs should raise few alerts, and none from rules written for another product (a
Windows, Zeek or Cisco rule firing on Linux syslog is a logsource defect).

Prints each rule that fired with its count and logsource, the total, and detect's own summary
of the rules that did not run (stderr). Exits 1 when a rule fired on events of a product other
than its own.

Usage: bench/detect_benign.py SIGMA_RULES_DIR [extra detect args, e.g. --all-logsources]
Env:   LOGWARD_BIN (default target/release/logward)
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

from common import BIN, DATA

SAMPLES = ["access/apache_combined_10k.log", "loghub-2k/OpenSSH/OpenSSH_2k.log", "loghub-2k/Linux/Linux_2k.log"]
# The product each sample's events come from, for the cross-product check.
PRODUCTS = {"access": {"apache", None}, "OpenSSH": {"linux", None}, "Linux": {"linux", None}}


def logsources(rules_dir):
    """Rule title -> (product, service, category), read with PyYAML when it is installed."""
    try:
        import yaml
    except ImportError:
        return {}
    out = {}
    for base, _, files in os.walk(rules_dir):
        for f in files:
            if not f.endswith((".yml", ".yaml")):
                continue
            try:
                docs = list(yaml.safe_load_all(open(os.path.join(base, f), encoding="utf-8")))
            except yaml.YAMLError:
                continue
            for d in docs:
                if isinstance(d, dict) and isinstance(d.get("logsource"), dict):
                    ls = d["logsource"]
                    out[d.get("title")] = (ls.get("product"), ls.get("service"), ls.get("category"))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rules = sys.argv[1]
    extra = sys.argv[2:]
    binary = os.environ.get("LOGWARD_BIN", BIN)
    sources = logsources(rules)
    total = 0
    wrong = 0
    with tempfile.TemporaryDirectory() as tmp:
        for sample in SAMPLES:
            path = os.path.join(DATA, sample)
            events = os.path.join(tmp, os.path.basename(sample) + ".ndjson")
            with open(events, "wb") as f:
                subprocess.run([binary, "parse", "-q", path], check=True, stdout=f)
            n = sum(1 for _ in open(events, "rb"))
            p = subprocess.run([binary, "detect", "--alerts-only", "--rules", rules, *extra, events],
                               check=True, capture_output=True, text=True)
            fired = collections.Counter()
            for line in p.stdout.splitlines():
                a = json.loads(line)
                fired[a["rule"]["name"]] += 1
            key = sample.split("/")[1] if sample.startswith("loghub") else "access"
            print(f"== {sample}: {n} events, {sum(fired.values())} alerts")
            for name, count in fired.most_common():
                ls = sources.get(name)
                other = ls is not None and ls[0] not in PRODUCTS[key]
                wrong += count if other else 0
                where = "" if ls is None else " (" + ", ".join(f"{k}: {v}" for k, v in zip(
                    ("product", "service", "category"), ls) if v) + ")"
                print(f"  {count:6d}  {name}{where}{'  <- another product' if other else ''}")
            for line in p.stderr.splitlines():
                if "rules" in line and ("not run" in line or "waited" in line or "events seen" in line):
                    print("  stderr:", line)
            total += sum(fired.values())
    print(f"total: {total} alerts on benign logs, {wrong} from rules of another product")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
