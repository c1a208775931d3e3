#!/usr/bin/env python3
"""Evaluation and throughput of `logward score`, always through the real binary.

1. HDFS, session level (DeepLog's files in ../shared/data/deeplog-hdfs): the `hdfs` model was
   trained on the first 80% of hdfs_train; the test set is the last 20% of hdfs_train (normal)
   plus all of hdfs_test_abnormal. Each session becomes NDJSON events (models/deeplog_events.py)
   and `logward score --emit sessions` scores them; a session is flagged at the model's default
   severity (high: the 99th percentile of training sessions' scores).
2. BGL_2k, line level (Loghub's 2k sample; its first column is the alert label): harder, no
   sessions. The label column is cut off, `logward parse` mines templates, a model is trained
   on the normal lines of the first 80% (needs models/.venv with PyTorch, `make models`), and
   each line of the last 20% is flagged at severity high.
3. linux-auth: false alarms on a held-out synthetic week (another seed of the baseline
   generator), and how many lines of the crafted attack log testdata/parse/auth.log it flags.
4. Throughput on one core (taskset, --threads 1) with the sequence model, per-batch latency,
   and `jq -c .` on the same file as a floor.

Usage: bench/score.py [--write-evaluation]   (writes the results into models/*.json)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from common import ROOT, BIN, DATA, timed

MODELS = os.path.join(ROOT, "models")
VENV_PY = os.path.join(MODELS, ".venv/bin/python")
LEVELS = ["none", "low", "medium", "high", "critical"]
PUBLISHED = [("DeepLog", 0.96), ("LogAnomaly", 0.96), ("Invariant Mining", 0.915), ("PCA", 0.77)]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def prf(pairs):
    """Precision, recall, F1 of (is_anomaly, flagged) pairs."""
    tp = sum(1 for a, f in pairs if a and f)
    fp = sum(1 for a, f in pairs if not a and f)
    fn = sum(1 for a, f in pairs if a and not f)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "tp": tp, "fp": fp, "fn": fn}


def flagged(severity, at="high"):
    return LEVELS.index(severity) >= LEVELS.index(at)


def deeplog_events(path, prefix, out, start=0.0, end=1.0):
    subprocess.run([sys.executable, os.path.join(MODELS, "deeplog_events.py"), path, prefix,
                    "--from", str(start), "--to", str(end)], check=True, stdout=out)


def hdfs(work):
    path = os.path.join(work, "hdfs-test.ndjson")
    with open(path, "w") as f:
        deeplog_events(os.path.join(DATA, "deeplog-hdfs/hdfs_train"), "normal", f, start=0.8)
        deeplog_events(os.path.join(DATA, "deeplog-hdfs/hdfs_test_abnormal"), "abnormal", f)
    out = run([BIN, "score", "-q", "--model", os.path.join(MODELS, "hdfs.onnx"), "--emit", "sessions", path]).stdout
    sessions = [json.loads(l)["logward"]["anomaly"] for l in out.decode().splitlines()]
    truth = [s["session"].startswith("abnormal") for s in sessions]
    result = {level: prf([(t, flagged(s["severity"], level)) for t, s in zip(truth, sessions)]) for level in LEVELS[1:]}
    normal = sum(1 for t in truth if not t)
    print(f"\nHDFS session level: {normal} normal + {len(truth) - normal} abnormal sessions "
          f"(last 20% of hdfs_train + hdfs_test_abnormal), model hdfs")
    print(f"{'flagged at':<22}{'precision':>10}{'recall':>9}{'F1':>8}{'FP':>7}{'FN':>7}")
    for level in LEVELS[1:]:
        r = result[level]
        mark = "  <- default" if level == "high" else ""
        print(f"{'severity >= ' + level:<22}{r['precision']:>10.4f}{r['recall']:>9.4f}{r['f1']:>8.4f}{r['fp']:>7}{r['fn']:>7}{mark}")
    for name, f1 in PUBLISHED:
        print(f"{name + ' (published)':<28}{f1:>13.3f}")
    return path, {"test_set": "last 20% of hdfs_train (normal) + all of hdfs_test_abnormal, session level",
                  "sessions": {"normal": normal, "abnormal": len(truth) - normal},
                  "default_threshold": "high", "at_default": result["high"], "by_threshold": result}


def bgl(work):
    if not os.path.exists(VENV_PY):
        print("\nBGL_2k: skipped (no models/.venv with PyTorch; run make models)")
        return None
    lines = open(os.path.join(DATA, "loghub-2k/BGL/BGL_2k.log"), errors="replace").read().splitlines()
    labels = [l.split(" ", 1)[0] != "-" for l in lines]
    cut = int(len(lines) * 0.8)
    log = os.path.join(work, "bgl.log")
    with open(log, "w") as f:
        f.write("\n".join(l.split(" ", 1)[1] for l in lines) + "\n")
    events = run([BIN, "parse", "-q", log]).stdout.decode().splitlines()
    train = os.path.join(work, "bgl-train.ndjson")
    with open(train, "w") as f:
        f.write("\n".join(e for e, bad in zip(events[:cut], labels[:cut]) if not bad) + "\n")
    test = os.path.join(work, "bgl-test.ndjson")
    with open(test, "w") as f:
        f.write("\n".join(events[cut:]) + "\n")
    npz = os.path.join(work, "bgl-train.npz")
    run([BIN, "score", "-q", "--export-features", npz, "--session-field", "event.dataset", train])
    run([VENV_PY, os.path.join(MODELS, "train.py"), npz, "--name", "bgl", "--out", work, "--description", "bench"])
    out = run([BIN, "score", "-q", "--model", os.path.join(work, "bgl.onnx"), "--mode", "both",
               "--session-field", "event.dataset", test]).stdout.decode().splitlines()
    scored = [json.loads(l)["logward"]["anomaly"]["severity"] for l in out]
    truth = labels[cut:]
    result = {level: prf([(t, flagged(s, level)) for t, s in zip(truth, scored)]) for level in LEVELS[1:]}
    print(f"\nBGL_2k line level: trained on the {cut - sum(labels[:cut])} normal lines of the first 80%, "
          f"tested on the last {len(truth)} lines ({sum(truth)} alerts), --mode both, one stream")
    for level in LEVELS[1:]:
        r = result[level]
        print(f"{'severity >= ' + level:<22}{r['precision']:>10.4f}{r['recall']:>9.4f}{r['f1']:>8.4f}{r['fp']:>7}{r['fn']:>7}")
    return {"test_set": "BGL_2k last 20% of lines, line level; trained on normal lines of the first 80%",
            "at_default": result["high"], "by_threshold": result}


def linux_auth(work):
    state = os.path.join(work, "templates.json")
    with open(os.path.join(MODELS, "linux-auth.templates.json"), "rb") as src, open(state, "wb") as dst:
        dst.write(src.read())
    parse = [BIN, "parse", "-q", "--year", "2025", "--templates", state, "--templates-frozen"]
    week = os.path.join(work, "auth-week.log")
    with open(week, "w") as f:
        subprocess.run([sys.executable, os.path.join(MODELS, "auth_baseline.py"), "--seed", "8", "--days", "7"],
                       check=True, stdout=f)
    results = {}
    for name, path in [("held-out synthetic week (seed 8), every line normal", week),
                       ("testdata/parse/auth.log, crafted attacks", os.path.join(ROOT, "testdata/parse/auth.log"))]:
        events = run(parse + [path]).stdout
        out = run([BIN, "score", "-q", "--model", os.path.join(MODELS, "linux-auth.onnx")], input=events).stdout
        sev = [json.loads(l)["logward"]["anomaly"]["severity"] for l in out.decode().splitlines()]
        share = sum(flagged(s) for s in sev) / max(len(sev), 1)
        results[name] = {"events": len(sev), "flagged_at_high": round(share, 4)}
    print("\nlinux-auth, events flagged at severity >= high:")
    for name, r in results.items():
        print(f"  {name}: {r['flagged_at_high'] * 100:.1f}% of {r['events']}")
    return results


def throughput(hdfs_path, work):
    n = sum(1 for _ in open(hdfs_path))
    pin = ["taskset", "-c", "0"]
    cmd = pin + [BIN, "score", "--threads", "1", "--model", "hdfs", hdfs_path]
    t = timed(cmd)
    stderr = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, capture_output=False,
                            stderr=subprocess.PIPE).stderr.decode()
    batch = re.search(r"(\d+) windows in (\d+) batches \(([\d.]+) ms per batch\)", stderr)
    floor = timed(pin + ["jq", "-c", ".", hdfs_path])
    print(f"\nThroughput, one core, sequence model (hdfs), {n} events:")
    print(f"  logward score      {t:6.2f}s = {n / t:>9,.0f} events/s")
    if batch:
        windows, batches, ms = int(batch.group(1)), int(batch.group(2)), float(batch.group(3))
        print(f"  model batches      {batches} of ~{windows // max(batches, 1)} windows, {ms:.1f} ms each "
              f"({ms * 1000 / max(windows // max(batches, 1), 1):.1f} us per window)")
    print(f"  jq -c . (floor)    {floor:6.2f}s = {n / floor:>9,.0f} events/s  (logward is {floor / t:.1f}x jq)")
    return {"events_per_second_one_core": round(n / t)}


def main():
    write = "--write-evaluation" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as work:
        hdfs_path, hdfs_eval = hdfs(work)
        bgl_eval = bgl(work)
        auth_eval = linux_auth(work)
        speed = throughput(hdfs_path, work)
    if write:
        for name, ev in [("hdfs", dict(hdfs_eval, bgl_2k_same_architecture=bgl_eval, throughput=speed)),
                         ("linux-auth", auth_eval)]:
            path = os.path.join(MODELS, f"{name}.json")
            meta = json.load(open(path))
            meta["evaluation"] = ev
            with open(path, "w") as f:
                json.dump(meta, f, indent=1)
                f.write("\n")
        print("\nwrote the evaluations into models/hdfs.json and models/linux-auth.json")


if __name__ == "__main__":
    main()
