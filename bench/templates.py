#!/usr/bin/env python3
"""Template-mining accuracy of `logward parse` on labelled loghub samples.

For each dataset, runs the real binary with the dataset's header format and compares the
template of every line with the ground truth (`<DS>_2k.log_structured_corrected.csv`: one
row per line with `EventTemplate`, the loghub-2.0 corrected templates).

Metrics, as published (and as computed by loghub-2.0's evaluation code,
github.com/logpai/loghub-2.0, benchmark/evaluation/utils and benchmark/logparser/utils):
  GA   grouping accuracy (Zhu et al., "Tools and Benchmarks for Automated Log Parsing",
       ICSE-SEIP 2019): the share of lines whose predicted group is exactly the set of lines
       of their true group.
  FGA  F1 of group accuracy (Jiang et al., "A Large-scale Evaluation for Log Parsing
       Techniques: How Far are We?", ISSTA 2024, loghub-2.0): PGA = correct groups / predicted
       groups, RGA = correct groups / true groups, FGA = 2 PGA RGA / (PGA + RGA); a group is
       correct as for GA.
  PA   parsing accuracy (Dai et al., "Logram", TSE 2020; loghub-2.0's
       calculate_parsing_accuracy): the share of lines whose template equals the true
       template exactly (as strings; runs of spaces count as one).
  FTA  F1 of template accuracy (Khan et al., "Guidelines for Assessing the Accuracy of Log
       Message Template Identification Techniques", ICSE 2022; loghub-2.0's
       evaluate_template_level): a predicted template is correct when all its lines have
       one true template and its text equals that template; PTA = correct / predicted,
       RTA = correct / true templates, FTA = their harmonic mean.
Groups are logward's template ids (what a user groups by); loghub-2.0's code groups by the
template text, which is the same wherever two groups do not print the same text.

Three views of the one-pass miner, default parameters, no per-dataset tuning:
  emitted  one pass over the file, ids as written at each line (a regular file is learned a
           block of 4096 lines ahead of writing it, so a 2k sample is learned whole first);
  final    a second pass with the learned state (--templates-frozen): each line's final
           template; PA, FGA and FTA are of these;
  stream   the file piped through stdin: no lookahead, each line written with what was
           known at it (what `tail -F` gets).

Leave-one-out over the shared datasets: for each one, the parameters (similarity, max enum)
that give the best average final GA on the other seven are chosen from a grid and that
dataset is scored with them; the average of those scores is printed beside the defaults'.

Held-out datasets (--heldout DIR, e.g. a checkout of logpai/loghub-2.0's 2k_dataset, or
LogPPT's logs folder of it for Android and Windows) are scored with the defaults and
reported apart: they were never used to choose anything. Their header formats come from
DIR/formats.tsv when present, else from loghub's published benchmark settings (below).

--drain3 scores Drain3 (with its example masking, ../shared/data/peers/drain3.ini) on the
same messages, for comparison (needs `make bench-setup`; run with .venv/bin/python).

Usage: bench/templates.py [--bin target/release/logward] [--data ../shared/data/loghub-2k]
                          [--heldout DIR]... [--no-loo] [--drain3]
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

# Header formats of loghub's datasets, from logpai/loghub-2.0's published benchmark settings
# (benchmark/old_benchmark/Drain_benchmark.py), used when a data folder has no formats.tsv.
LOGHUB_FORMATS = {
    "HDFS": r"<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "Hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "Spark": r"<Date> <Time> <Level> <Component>: <Content>",
    "Zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    "BGL": r"<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
    "HPC": r"<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
    "Thunderbird": r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>",
    "Windows": r"<Date> <Time>, <Level>                  <Component>    <Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "Android": r"<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
    "HealthApp": r"<Time>\|<Component>\|<Pid>\|<Content>",
    "Apache": r"\[<Time>\] \[<Level>\] <Content>",
    "Proxifier": r"\[<Time>\] <Program> - <Content>",
    "OpenSSH": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
    "OpenStack": r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
    "Mac": r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
}

# The leave-one-out grid: --template-similarity x --template-max-enum.
GRID_SIMILARITY = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
GRID_MAX_ENUM = [0, 2, 3, 4, 6]
DEFAULTS = (0.5, 3)


def space(t):
    return re.sub(r"\s+", " ", t.strip())


def truth(path):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.DictReader(f))
    return [space(r["EventTemplate"]) for r in rows], [r.get("Content", "") for r in rows]


def datasets(folder, formats_default):
    formats = dict(formats_default)
    tsv = os.path.join(folder, "formats.tsv")
    if os.path.exists(tsv):
        with open(tsv) as f:
            formats.update({r["dataset"]: r["line_format"] for r in csv.DictReader(f, delimiter="\t")})
    out = []
    for name in sorted(os.listdir(folder)):
        log = os.path.join(folder, name, f"{name}_2k.log")
        gold = log + "_structured_corrected.csv"
        if os.path.exists(log) and os.path.exists(gold) and name in formats:
            out.append((name, log, gold, formats[name]))
    return out


def run(binary, fmt, log, extra, state=None, frozen=False, stdin=False):
    cmd = [binary, "parse", "-q", "--line-format", fmt, "--dataset", "loghub", "--year", "2005",
           "--errors", os.devnull] + extra
    if state:
        cmd += ["--templates", state]
    if frozen:
        cmd.append("--templates-frozen")
    if stdin:
        with open(log, "rb") as f:
            out = subprocess.run(cmd + ["-"], stdin=f, check=True, capture_output=True).stdout
    else:
        out = subprocess.run(cmd + [log], check=True, capture_output=True).stdout
    by_original = collections.defaultdict(collections.deque)
    for line in out.splitlines():
        if not line:
            continue
        e = json.loads(line)
        t = e.get("logward", {}).get("template")
        if t:
            by_original[e["event"]["original"]].append((t["id"], t["pattern"]))
    preds = []
    with open(log, encoding="utf-8", errors="replace", newline="") as f:
        for n, line in enumerate(f):
            line = line.rstrip("\n").rstrip("\r")
            got = by_original.get(line)
            # Lines that were rejected or had no message count as wrong, each alone.
            preds.append(got.popleft() if got else (f"missing-{n}", ""))
    return preds


def metrics(preds, gold):
    """GA, FGA, PA, FTA of predictions [(group id, template text)] against true templates."""
    n = min(len(preds), len(gold))
    preds, gold = preds[:n], gold[:n]
    gold_size = collections.Counter(gold)
    groups = collections.defaultdict(list)
    for i, (pid, _) in enumerate(preds):
        groups[pid].append(i)
    lines_ok = groups_ok = templates_ok = 0
    for members in groups.values():
        labels = {gold[i] for i in members}
        if len(labels) != 1:
            continue
        label = labels.pop()
        if gold_size[label] == len(members):
            lines_ok += len(members)
            groups_ok += 1
        if space(preds[members[0]][1]) == label:
            templates_ok += 1
    f1 = lambda p, r: 0.0 if p + r == 0 else 2 * p * r / (p + r)
    ga = lines_ok / n
    fga = f1(groups_ok / len(groups), groups_ok / len(gold_size))
    pa = sum(1 for (_, p), g in zip(preds, gold) if space(p) == g) / n
    fta = f1(templates_ok / len(groups), templates_ok / len(gold_size))
    return {"ga": ga, "fga": fga, "pa": pa, "fta": fta, "groups": len(groups), "truth": len(gold_size)}


def score(binary, ds, extra=(), stream=True):
    name, log, gold_path, fmt = ds
    gold, _ = truth(gold_path)
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state.json")
        emitted = run(binary, fmt, log, list(extra), state=state)
        final = run(binary, fmt, log, list(extra), state=state, frozen=True)
    r = metrics(final, gold)
    r["ga_emitted"] = metrics(emitted, gold)["ga"]
    if stream:
        r["ga_stream"] = metrics(run(binary, fmt, log, list(extra), stdin=True), gold)["ga"]
    return r


def drain3_score(ds):
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig
    cfg = TemplateMinerConfig()
    cfg.load(os.path.join(ROOT, "../shared/data/peers/drain3.ini"))
    cfg.profiling_enabled = False
    miner = TemplateMiner(config=cfg)
    gold, contents = truth(ds[2])
    ids = [miner.add_log_message(c)["cluster_id"] for c in contents]
    final = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    mask = re.compile(r"<:[A-Z]+:>")
    preds = [(i, mask.sub("<*>", final[i])) for i in ids]
    return metrics(preds, gold)


HEADER = (f"{'dataset':<12} {'GA emit':>7} {'GA final':>8} {'GA strm':>7} {'PA':>6} {'FGA':>6} {'FTA':>6}"
          f" {'groups':>6} {'truth':>5}")


def row(name, r):
    return (f"{name:<12} {r['ga_emitted']:7.3f} {r['ga']:8.3f} {r.get('ga_stream', float('nan')):7.3f}"
            f" {r['pa']:6.3f} {r['fga']:6.3f} {r['fta']:6.3f} {r['groups']:6d} {r['truth']:5d}")


def table(title, binary, sets, drain3):
    print(f"\n{title}\n{HEADER}" + ("   Drain3 GA/PA/FGA/FTA" if drain3 else ""))
    results = {}
    for ds in sets:
        r = score(binary, ds)
        results[ds[0]] = r
        extra = ""
        if drain3:
            d = drain3_score(ds)
            r["drain3"] = d
            extra = f"   {d['ga']:.3f} {d['pa']:.3f} {d['fga']:.3f} {d['fta']:.3f}"
        print(row(ds[0], r) + extra)
    k = len(results)
    avg = {m: sum(r[m] for r in results.values()) / k for m in ("ga_emitted", "ga", "ga_stream", "pa", "fga", "fta")}
    avg.update(groups=0, truth=0)
    extra = ""
    if drain3:
        extra = "   " + " ".join(f"{sum(r['drain3'][m] for r in results.values()) / k:.3f}"
                                 for m in ("ga", "pa", "fga", "fta"))
    print(row("average", avg)[:-13] + extra)
    return results


def leave_one_out(binary, sets):
    grid = [(s, e) for s in GRID_SIMILARITY for e in GRID_MAX_ENUM]
    scores = {}
    for s, e in grid:
        extra = ["--template-similarity", str(s), "--template-max-enum", str(e)]
        scores[(s, e)] = {ds[0]: score(binary, ds, extra, stream=False) for ds in sets}
    names = [ds[0] for ds in sets]
    print(f"\nleave-one-out over {len(names)} datasets: parameters (similarity, max enum) chosen on the others"
          f" from a {len(GRID_SIMILARITY)}x{len(GRID_MAX_ENUM)} grid")
    print(f"{'dataset':<12} {'chosen':>10} {'GA emit':>7} {'GA final':>8}")
    total_e = total_f = 0.0
    for held in names:
        others = [n for n in names if n != held]
        # Best average final GA on the others; ties go to the defaults, then the grid order.
        best = max(grid, key=lambda p: (round(sum(scores[p][n]["ga"] for n in others), 9), p == DEFAULTS))
        r = scores[best][held]
        total_e += r["ga_emitted"]
        total_f += r["ga"]
        print(f"{held:<12} {str(best):>10} {r['ga_emitted']:7.3f} {r['ga']:8.3f}")
    print(f"{'average':<12} {'':>10} {total_e / len(names):7.3f} {total_f / len(names):8.3f}")
    best_all = max(grid, key=lambda p: (round(sum(scores[p][n]["ga"] for n in names), 9), p == DEFAULTS))
    print(f"(best on all {len(names)}: {best_all}, average final GA"
          f" {sum(scores[best_all][n]['ga'] for n in names) / len(names):.3f}; defaults {DEFAULTS}:"
          f" {sum(scores[DEFAULTS][n]['ga'] for n in names) / len(names):.3f})")


def mixed(binary, sets):
    """The shared samples' messages interleaved line by line into one file of several blocks
    of 4096 lines: each template's variety arrives over several blocks, so the emitted ids
    are tested beyond the first block's lookahead."""
    lines, gold = [], []
    per = [(ds[0],) + truth(ds[2]) for ds in sets]
    for i in range(max(len(g) for _, g, _ in per)):
        for name, g, contents in per:
            if i < len(g) and contents[i].strip() and "\n" not in contents[i]:
                lines.append(contents[i])
                gold.append(f"{name}: {g[i]}")
    os.makedirs(os.path.join(ROOT, "bench/out"), exist_ok=True)
    log = os.path.join(ROOT, "bench/out/templates-mixed.log")
    with open(log, "w", encoding="utf-8") as f:
        f.writelines(l + "\n" for l in lines)
    fmt = "<Content>"
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state.json")
        emitted = metrics(run(binary, fmt, log, [], state=state), gold)
        final = metrics(run(binary, fmt, log, [], state=state, frozen=True), gold)
    stream = metrics(run(binary, fmt, log, [], stdin=True), gold)
    print(f"\nall shared messages interleaved ({len(lines)} lines, {(len(lines) + 4095) // 4096} blocks of lookahead)")
    print(f"{'':<12} {'GA emit':>7} {'GA final':>8} {'GA strm':>7} {'FGA':>6}")
    print(f"{'mixed':<12} {emitted['ga']:7.3f} {final['ga']:8.3f} {stream['ga']:7.3f} {final['fga']:6.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/logward"))
    ap.add_argument("--data", default=os.path.join(ROOT, "../shared/data/loghub-2k"))
    ap.add_argument("--heldout", action="append", default=[],
                    help="folder of more labelled loghub samples, scored apart with the defaults")
    ap.add_argument("--no-loo", action="store_true", help="skip the leave-one-out grid")
    ap.add_argument("--drain3", action="store_true", help="score Drain3 on the same messages")
    args = ap.parse_args()
    shared = datasets(args.data, LOGHUB_FORMATS)
    if not shared:
        sys.exit(f"no labelled datasets in {args.data}")
    table(f"shared datasets ({args.data}), default parameters", args.bin, shared, args.drain3)
    mixed(args.bin, shared)
    if not args.no_loo:
        leave_one_out(args.bin, shared)
    seen = {ds[0] for ds in shared}
    for folder in args.heldout:
        held = [ds for ds in datasets(folder, LOGHUB_FORMATS) if ds[0] not in seen]
        seen.update(ds[0] for ds in held)
        if held:
            table(f"held out ({folder}), default parameters", args.bin, held, args.drain3)


if __name__ == "__main__":
    sys.exit(main())
