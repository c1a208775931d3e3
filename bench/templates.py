#!/usr/bin/env python3
"""Template-mining accuracy of `logward parse` on the loghub-2k samples.

For each dataset in ../shared/data/loghub-2k, runs the real binary with the dataset's
header format (formats.tsv) and compares the template of every line with the corrected
ground truth (*_structured_corrected.csv):

  GA (grouping accuracy): a line is correct when the set of lines sharing its predicted
     template id equals the set of lines sharing its true template.
  PA (parsing accuracy): the predicted pattern equals the true template, after collapsing
     runs of <*> and whitespace.

Two passes per dataset, default parameters everywhere (no per-dataset tuning):
  online  one streaming pass, ids as emitted at each line;
  frozen  a second pass over the same file with the learned set (--templates-frozen),
          i.e. the final template of each line.

Usage: bench/templates.py [--bin target/release/logward] [--data ../shared/data/loghub-2k]
"""
import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

from common import ROOT


def normalize(template):
    t = re.sub(r"\s+", " ", template.strip())
    t = re.sub(r"(<\*>)(\s*<\*>)+", "<*>", t)
    return t


def truth(path):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.DictReader(f))
    return [(r["EventId"], r["EventTemplate"]) for r in rows]


def run(binary, fmt, log, state, frozen):
    cmd = [binary, "parse", "-q", "--line-format", fmt, "--dataset", "loghub", "--year", "2005",
           "--templates", state, "--errors", os.devnull]
    if frozen:
        cmd.append("--templates-frozen")
    out = subprocess.run(cmd + [log], check=True, capture_output=True).stdout
    events = [json.loads(l) for l in out.splitlines() if l]
    by_original = {}
    for e in events:
        t = e.get("logward", {}).get("template")
        if t:
            by_original.setdefault(e["event"]["original"], []).append((t["id"], t["pattern"]))
    preds = []
    with open(log, encoding="utf-8", errors="replace", newline="") as f:
        for n, line in enumerate(f):
            line = line.rstrip("\n").rstrip("\r")
            got = by_original.get(line)
            # Lines that were rejected or had no message count as wrong, each alone.
            preds.append(got.pop(0) if got else (f"missing-{n}", ""))
    return preds


def accuracy(preds, gold):
    n = min(len(preds), len(gold))
    preds, gold = preds[:n], gold[:n]
    pred_groups = collections.defaultdict(list)
    gold_size = collections.Counter(g[0] for g in gold)
    for i, (pid, _) in enumerate(preds):
        pred_groups[pid].append(i)
    correct = 0
    for members in pred_groups.values():
        labels = {gold[i][0] for i in members}
        if len(labels) == 1 and gold_size[labels.pop()] == len(members):
            correct += len(members)
    pa = sum(1 for (_, p), (_, g) in zip(preds, gold) if normalize(p) == normalize(g))
    return correct / n, pa / n, len(pred_groups), len(gold_size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/logward"))
    ap.add_argument("--data", default=os.path.join(ROOT, "../shared/data/loghub-2k"))
    args = ap.parse_args()
    formats = {}
    with open(os.path.join(args.data, "formats.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            formats[row["dataset"]] = row["line_format"]
    print(f"{'dataset':<10} {'GA online':>9} {'GA frozen':>9} {'PA online':>9} {'PA frozen':>9} {'templates':>9} {'truth':>6}")
    sums = collections.Counter()
    names = sorted(formats)
    for name in names:
        log = os.path.join(args.data, name, f"{name}_2k.log")
        gold = truth(os.path.join(args.data, name, f"{name}_2k.log_structured_corrected.csv"))
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state.json")
            online = run(args.bin, formats[name], log, state, False)
            frozen = run(args.bin, formats[name], log, state, True)
        ga_on, pa_on, _, n_gold = accuracy(online, gold)
        ga_fr, pa_fr, n_pred, _ = accuracy(frozen, gold)
        sums.update({"ga_on": ga_on, "ga_fr": ga_fr, "pa_on": pa_on, "pa_fr": pa_fr})
        print(f"{name:<10} {ga_on:9.3f} {ga_fr:9.3f} {pa_on:9.3f} {pa_fr:9.3f} {n_pred:9d} {n_gold:6d}")
    k = len(names)
    print(f"{'average':<10} {sums['ga_on']/k:9.3f} {sums['ga_fr']/k:9.3f} {sums['pa_on']/k:9.3f} {sums['pa_fr']/k:9.3f}")


if __name__ == "__main__":
    sys.exit(main())
