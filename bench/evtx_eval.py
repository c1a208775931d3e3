#!/usr/bin/env python3
"""Windows input on real recordings, three checks in one run:

1. No record lost: every EVTX file of the attack samples and of the evtx crate's samples goes
   through `logward parse`; its events are counted against the records `evtx_dump -o jsonl`
   writes for the same file, and its rejects listed. Then the crate's samples written as XML
   by `evtx_dump -o xml` are parsed with `--format windows-xml` and compared, event by event,
   with the events of the `.evtx` files (the fields that differ are listed).
2. Per ATT&CK tactic (the attack samples have one folder per tactic): the EVTX files are parsed
   by `logward parse` and all of them go through one `logward detect` with SigmaHQ's rules
   (`rules/`) and the built-in pack; a file counts for its tactic when an alert tagged with that
   tactic (attack.<tactic>; for Defense Evasion also ATT&CK v18's attack.stealth and
   attack.defense-impairment) was raised by its events. Folders that are no tactic
   (AutomatedTestingTools, Other) only count in "any alert".
3. SigmaHQ's regression cases (`regression_data/`: each case's test EVTX and the rule that must
   fire on it): every case's EVTX file goes through `logward parse`, then one `logward detect`
   with all of rules/, rules-emerging-threats/ and rules-threat-hunting/; a case passes when its
   rule raised an alert from its events.

Usage: bench/evtx_eval.py SIGMA_CHECKOUT EVTX_DUMP [--samples DIR] [--detect-bin BIN] [detect args...]
       SIGMA_CHECKOUT: a checkout of github.com/SigmaHQ/sigma (not part of this project)
       --samples: default ../shared/data/windows/evtx-attack-samples
       --detect-bin: the logward that runs `detect` (default: the one that parses)
Env:   LOGWARD_BIN (default target/release/logward)
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

from common import BIN, DATA


# ATT&CK v18 split Defense Evasion into Stealth and Defense Impairment, and SigmaHQ's rules
# (from 2025 on) carry the new tags; older rules write tactics with underscores.
TACTIC_TAGS = {"defense-evasion": {"defense-evasion", "stealth", "defense-impairment"}}


def tactic_tags(folder):
    name = folder.lower().replace(" ", "-")
    return {"attack." + t for t in TACTIC_TAGS.get(name, {name})}


def evtx_files(root):
    out = []
    for base, _, names in os.walk(root):
        out += [os.path.join(base, n) for n in names if n.lower().endswith(".evtx")]
    return sorted(out)


def parse_to(binary, path, out):
    """Parses one file into `out`; returns (events, rejected records)."""
    with tempfile.NamedTemporaryFile(suffix=".ndjson") as errors:
        with open(out, "wb") as f:
            subprocess.run([binary, "parse", "-q", "--errors", errors.name, path], stdout=f, check=True)
        rejected = sum(1 for _ in open(errors.name, "rb"))
    return sum(1 for _ in open(out, "rb")), rejected


def events_by_record(path):
    """The events of an NDJSON file, without log.file.path, in order: (record id, event)."""
    out = []
    for line in open(path, "rb"):
        e = json.loads(line)
        log = e.get("log", {})
        log.pop("file", None)
        if not log:
            e.pop("log", None)
        out.append((e.get("winlog", {}).get("record_id"), e))
    return out


def flat(v, prefix=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from flat(x, prefix + k + ".")
    else:
        yield prefix[:-1], v


def detect(binary, rules, inputs, extra):
    """Alerts of one detect run: for each input file name, the set of tags and rule ids."""
    p = subprocess.run([binary, "detect", "-q", "--alerts-only", *sum((["--rules", r] for r in rules), []), *extra, *inputs],
                       check=True, capture_output=True, text=True)
    tags, rule_ids = collections.defaultdict(set), collections.defaultdict(set)
    for line in p.stdout.splitlines():
        a = json.loads(line)
        for e in a.get("logward", {}).get("detect", {}).get("events", []):
            name = os.path.basename(e["file"])
            tags[name].update(t.lower().replace("_", "-") for t in a.get("tags", []))
            rule_ids[name].add(a.get("rule", {}).get("id"))
    return tags, rule_ids


def main():
    args = sys.argv[1:]
    opts = {}
    for opt in ("--samples", "--detect-bin"):
        if opt in args:
            i = args.index(opt)
            opts[opt] = args[i + 1]
            args = args[:i] + args[i + 2:]
    if len(args) < 2:
        sys.exit(__doc__)
    sigma, dump, extra = args[0], args[1], args[2:]
    binary = os.environ.get("LOGWARD_BIN", BIN)
    detect_bin = opts.get("--detect-bin", binary)
    samples = opts.get("--samples", os.path.join(DATA, "windows", "evtx-attack-samples"))
    crate_samples = os.path.join(DATA, "windows", "evtx-crate-samples")

    with tempfile.TemporaryDirectory() as tmp:
        # 1. No record lost.
        print("== records: logward parse against evtx_dump -o jsonl")
        files = evtx_files(samples) + evtx_files(crate_samples)
        parsed, lost, total, rejected_total = {}, 0, 0, 0
        for k, path in enumerate(files):
            out = os.path.join(tmp, f"f{k:03d}.ndjson")
            events, rejected = parse_to(binary, path, out)
            records = subprocess.run([dump, "-o", "jsonl", "-t", "1", path], capture_output=True).stdout.count(b"\n")
            parsed[path] = out
            total += records
            rejected_total += rejected
            if events != records:
                lost += 1
                print(f"DIFFERENT {path}: {events} events, evtx_dump {records} records")
            if rejected:
                print(f"  {os.path.relpath(path, DATA)}: {events} events, {rejected} rejected (chunks or records that cannot be read)")
        print(f"{len(files)} files, {total} records: {len(files) - lost} files with every record, {rejected_total} rejects\n")

        print("== the evtx crate's samples as XML (evtx_dump -o xml, then --format windows-xml) against the .evtx files")
        same = compared = 0
        for k, path in enumerate(evtx_files(crate_samples)):
            xml = os.path.join(tmp, f"x{k:03d}.xml")
            with open(xml, "wb") as f:
                subprocess.run([dump, "-o", "xml", "-t", "1", path], stdout=f, stderr=subprocess.DEVNULL)
            out = os.path.join(tmp, f"x{k:03d}.ndjson")
            with open(out, "wb") as f:
                subprocess.run([binary, "parse", "-q", "--format", "windows-xml", xml], stdout=f, check=True)
            # By record id: evtx_dump may write a log that wrapped around in another chunk order.
            a, b = events_by_record(parsed[path]), dict(events_by_record(out))
            if len(a) != len(b):
                print(f"  {os.path.basename(path)}: {len(a)} events from the .evtx file, {len(b)} from its XML")
            for rid, x in a:
                y = b.get(rid, {})
                compared += 1
                if x == y:
                    same += 1
                    continue
                fx, fy = dict(flat(x)), dict(flat(y))
                diff = sorted(p for p in set(fx) | set(fy) if fx.get(p) != fy.get(p))
                print(f"  {os.path.basename(path)} record {rid}: " + ", ".join(f"{p}: {fx.get(p)!r} / {fy.get(p)!r}" for p in diff[:4]))
        print(f"{same} of {compared} events the same\n")

        # 2. Per tactic.
        print(f"== attack samples: logward detect with {os.path.join(sigma, 'rules')} and the built-in pack")
        attack = evtx_files(samples)
        tags, _ = detect(detect_bin, [os.path.join(sigma, "rules")], [parsed[p] for p in attack], extra)
        by = collections.defaultdict(lambda: [0, 0, 0])
        for path in attack:
            rel = os.path.relpath(path, samples)
            folder = rel.split(os.sep)[0] if os.sep in rel else "(top level)"
            t = tags.get(os.path.basename(parsed[path]), set())
            row = by[folder]
            row[0] += 1
            row[1] += bool(tactic_tags(folder) & t)
            row[2] += bool(t)
        print(f"{'tactic folder':24s} {'files':>5s} {'alert of its tactic':>20s} {'any alert':>12s}")
        tot = [0, 0, 0]
        for folder in sorted(by):
            f, hit, anyhit = by[folder]
            tot = [a + b for a, b in zip(tot, by[folder])]
            print(f"{folder:24s} {f:5d} {hit:9d} ({hit / f:4.0%})    {anyhit:5d} ({anyhit / f:4.0%})")
        print(f"{'all':24s} {tot[0]:5d} {tot[1]:9d} ({tot[1] / tot[0]:4.0%})    {tot[2]:5d} ({tot[2] / tot[0]:4.0%})\n")

        # 3. SigmaHQ's regression cases.
        cases = []
        for base, _, names in os.walk(os.path.join(sigma, "regression_data")):
            if "info.yml" not in names:
                continue
            info = open(os.path.join(base, "info.yml"), encoding="utf-8").read()
            rule = re.search(r"rule_metadata:\s*\n\s*-\s*id:\s*([0-9a-f-]+)", info)
            evtx = [n for n in names if n.endswith(".evtx")]
            if rule and evtx:
                cases.append((os.path.relpath(base, sigma), rule.group(1), os.path.join(base, evtx[0])))
        print(f"== SigmaHQ regression cases: {len(cases)} with an EVTX file")
        inputs = []
        for k, (_, _, path) in enumerate(sorted(cases)):
            out = os.path.join(tmp, f"r{k:03d}.ndjson")
            parse_to(binary, path, out)
            inputs.append(out)
        rule_dirs = [os.path.join(sigma, d) for d in ("rules", "rules-emerging-threats", "rules-threat-hunting")]
        _, fired = detect(detect_bin, [d for d in rule_dirs if os.path.isdir(d)], inputs, extra)
        passed = 0
        for (name, rule, _), out in zip(sorted(cases), inputs):
            if rule in fired.get(os.path.basename(out), set()):
                passed += 1
            else:
                print(f"  not fired: {name} (rule {rule})")
        print(f"{passed} of {len(cases)} cases fire their rule")


if __name__ == "__main__":
    main()
