#!/usr/bin/env python3
"""Evaluation and throughput of `logward score`, always through the real binary.

1. HDFS, session level (DeepLog's files in ../shared/data/deeplog-hdfs): the `hdfs` model was
   trained on the first 80% of hdfs_train; the test set is the last 20% of hdfs_train (normal)
   plus all of hdfs_test_abnormal. Each session becomes NDJSON events (models/deeplog_events.py)
   and `logward score --emit sessions` scores them; a session is flagged at the model's default
   severity (high: the 99th percentile of training sessions' scores).
2. Hosts the default model never saw: Loghub's Linux and OpenSSH samples (2,000 real lines
   each), parsed as the README says (the model's template state, frozen), scored with the
   default `linux-auth` model: the share of events per severity; on Linux, the share of the
   routine events (all but the authentication failures, event.outcome failure) at high or
   above and the ROC AUC of the score, failures against routine. Then the same with a model
   fitted (`make fit`'s steps: export features, models/train.py) on the first half of the same
   file, scored on its second half. Needs models/.venv with PyTorch for the fitted models.
3. BGL_2k, line level (Loghub's 2k sample; its first column is the alert label): the label
   column is cut off, `logward parse` mines templates, a model is fitted on the normal lines
   of the first 80%, and each line of the last 20% is flagged at severity high.
4. linux-auth: false alarms on a held-out synthetic week (another seed of the baseline
   generator), and the lines of the crafted attack log testdata/parse/auth.log it flags.
5. Throughput on one core (taskset, --threads 1): the sequence model on HDFS events and the
   default model on parsed auth events, per-batch latency, and `jq -c .` on the same files.

Usage: bench/score.py [--write-evaluation] [--no-speed]   (--write-evaluation: the results into models/*.json)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from common import ROOT, BIN, DATA, timed

BIN = os.environ.get("LOGWARD_BIN", BIN)  # another build to evaluate (throughput needs the release one)

MODELS = os.path.join(ROOT, "models")
VENV_PY = os.path.join(MODELS, ".venv/bin/python")
LEVELS = ["none", "low", "medium", "high", "critical"]
PUBLISHED = [("DeepLog", 0.96), ("LogAnomaly", 0.96), ("Invariant Mining", 0.915), ("PCA", 0.77)]
# BGL, published F1 as reported by the LogBERT paper (Guo, Yuan, Wu, IJCNN 2021, Table 2: the
# full BGL log, windows of log keys, trained on normal windows); a 2k sample and line level differ.
PUBLISHED_BGL = [("DeepLog", 0.8612), ("LogAnomaly", 0.7312), ("LogBERT", 0.9083)]
SEVERITY_ORDER = LEVELS


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
    model = fit(train, "bgl", work, session="event.dataset")
    out = run([BIN, "score", "-q", "--model", model, "--mode", "both",
               "--session-field", "event.dataset", test]).stdout.decode().splitlines()
    scored = [json.loads(l)["logward"]["anomaly"]["severity"] for l in out]
    truth = labels[cut:]
    result = {level: prf([(t, flagged(s, level)) for t, s in zip(truth, scored)]) for level in LEVELS[1:]}
    print(f"\nBGL_2k line level: trained on the {cut - sum(labels[:cut])} normal lines of the first 80%, "
          f"tested on the last {len(truth)} lines ({sum(truth)} alerts), --mode both, one stream")
    for level in LEVELS[1:]:
        r = result[level]
        print(f"{'severity >= ' + level:<22}{r['precision']:>10.4f}{r['recall']:>9.4f}{r['f1']:>8.4f}{r['fp']:>7}{r['fn']:>7}")
    for name, f1 in PUBLISHED_BGL:
        print(f"{name + ' (published, full BGL, windows)':<44}{f1:>6.3f}")
    return {"test_set": "BGL_2k last 20% of lines, line level; trained on normal lines of the first 80%",
            "at_default": result["high"], "by_threshold": result}


def frozen_state(work):
    state = os.path.join(work, "templates.json")
    with open(os.path.join(MODELS, "linux-auth.templates.json"), "rb") as src, open(state, "wb") as dst:
        dst.write(src.read())
    return state


def roc_auc(positive, negative):
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positive or not negative:
        return float("nan")
    ranked = sorted([(x, 1) for x in positive] + [(x, 0) for x in negative])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # average 1-based rank of the tie group
        rank_sum += mid * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def fit(events_path, name, work, session="host.name,process.pid"):
    """What `make fit` runs: export the features, train with models/train.py."""
    npz = os.path.join(work, f"{name}.npz")
    run([BIN, "score", "-q", "--export-features", npz, "--session-field", session, events_path])
    run([VENV_PY, os.path.join(MODELS, "train.py"), npz, "--name", name, "--out", work, "--description", "bench"])
    return os.path.join(work, f"{name}.onnx")


def shares(anomalies):
    n = max(len(anomalies), 1)
    return {level: round(sum(1 for a in anomalies if a["severity"] == level) / n, 4) for level in LEVELS}


def host_report(label, events, anomalies):
    """Severity shares; with failures present, routine events at >= high and the ROC AUC."""
    out = {"events": len(anomalies), "by_severity": shares(anomalies),
           "unknown": round(sum(1 for a in anomalies if a.get("unknown")) / max(len(anomalies), 1), 4)}
    failure = [e.get("event", {}).get("outcome") == "failure" for e in events]
    fail_scores = [a["score"] for a, f in zip(anomalies, failure) if f]
    routine = [a for a, f in zip(anomalies, failure) if not f]
    if fail_scores and routine:
        out["failures"] = len(fail_scores)
        out["routine_at_high"] = round(sum(flagged(a["severity"]) for a in routine) / len(routine), 4)
        out["auc_failures_vs_routine"] = round(roc_auc(fail_scores, [a["score"] for a in routine]), 4)
    sev = "  ".join(f"{k} {v * 100:5.1f}%" for k, v in out["by_severity"].items())
    print(f"  {label:<44} {sev}   unknown {out['unknown'] * 100:5.1f}%")
    if "failures" in out:
        print(f"  {'':<44} {out['failures']} failures; routine events at >= high: {out['routine_at_high'] * 100:.1f}%; "
              f"ROC AUC failures vs routine: {out['auc_failures_vs_routine']:.3f}")
    return out


def score_events(events_lines, model):
    out = run([BIN, "score", "-q", "--model", model], input=("\n".join(events_lines) + "\n").encode()).stdout
    return [json.loads(l)["logward"]["anomaly"] for l in out.decode().splitlines()]


def unseen_hosts(work):
    """Loghub's Linux and OpenSSH samples: the default model, then one fitted on the first half."""
    results = {}
    print("\nHosts the default model never saw (share of events per severity):")
    for name in ["Linux", "OpenSSH"]:
        log = os.path.join(DATA, f"loghub-2k/{name}/{name}_2k.log")
        lines = run([BIN, "parse", "-q", "--year", "2005", "--templates", frozen_state(work), "--templates-frozen", log]
                    ).stdout.decode().splitlines()
        events = [json.loads(l) for l in lines]
        r = {"default": host_report(f"{name}: linux-auth (all {len(lines)})", events,
                                    score_events(lines, os.path.join(MODELS, "linux-auth.onnx")))}
        half = len(lines) // 2
        r["default_second_half"] = host_report(f"{name}: linux-auth (second half)", events[half:],
                                               score_events(lines[half:], os.path.join(MODELS, "linux-auth.onnx")))
        if os.path.exists(VENV_PY):
            # Fitted the way a user would: parse the first half mining its own templates, fit,
            # then parse the second half with that state, frozen.
            state = os.path.join(work, f"{name}-state.json")
            first = os.path.join(work, f"{name}-first.log")
            second = os.path.join(work, f"{name}-second.log")
            raw = open(log, errors="replace").read().splitlines()
            with open(first, "w") as f:
                f.write("\n".join(raw[:half]) + "\n")
            with open(second, "w") as f:
                f.write("\n".join(raw[half:]) + "\n")
            run([BIN, "parse", "-q", "--year", "2005", "--templates", state, first])
            train = os.path.join(work, f"{name}-first.ndjson")
            with open(train, "wb") as f:
                f.write(run([BIN, "parse", "-q", "--year", "2005", "--templates", state, "--templates-frozen", first]).stdout)
            model = fit(train, f"{name.lower()}-fitted", work)
            test = run([BIN, "parse", "-q", "--year", "2005", "--templates", state, "--templates-frozen", second]
                       ).stdout.decode().splitlines()
            r["fitted_first_half"] = host_report(f"{name}: fitted on first half (second half)", events[half:],
                                                 score_events(test, model))
        results[name] = r
    return results


def linux_auth(work):
    state = frozen_state(work)
    parse = [BIN, "parse", "-q", "--year", "2025", "--templates", state, "--templates-frozen"]
    week = os.path.join(work, "auth-week.log")
    with open(week, "w") as f:
        subprocess.run([sys.executable, os.path.join(MODELS, "auth_baseline.py"), "--seed", "8", "--days", "7"],
                       check=True, stdout=f)
    results = {}
    crafted = os.path.join(ROOT, "testdata/parse/auth.log")
    for name, path in [("held-out synthetic week (seed 8), every line normal", week),
                       ("testdata/parse/auth.log, crafted attacks", crafted)]:
        events = run(parse + [path]).stdout
        out = run([BIN, "score", "-q", "--model", os.path.join(MODELS, "linux-auth.onnx")], input=events).stdout
        sev = [json.loads(l)["logward"]["anomaly"]["severity"] for l in out.decode().splitlines()]
        share = sum(flagged(s) for s in sev) / max(len(sev), 1)
        results[name] = {"events": len(sev), "flagged_at_high": round(share, 4)}
        if path == crafted:
            attack = [i for i, l in enumerate(open(path).read().splitlines()) if is_crafted_attack(l)]
            hit = sum(flagged(sev[i]) for i in attack)
            results[name]["attack_lines"] = len(attack)
            results[name]["attack_lines_flagged_at_high"] = round(hit / max(len(attack), 1), 4)
    print("\nlinux-auth, events flagged at severity >= high:")
    for name, r in results.items():
        extra = ""
        if "attack_lines" in r:
            extra = f" (attack lines: {r['attack_lines_flagged_at_high'] * 100:.1f}% of {r['attack_lines']})"
        print(f"  {name}: {r['flagged_at_high'] * 100:.1f}% of {r['events']}{extra}")
    return results


# The lines of testdata/parse/auth.log written as attacks (the rest are routine logins,
# sessions, sudo, cron, logind and the kernel): failed and invalid logins, preauth probes,
# break-in warnings, sudo/su failures, and account changes.
CRAFTED_ATTACK = re.compile(r"Failed |Invalid user|invalid user|preauth|identification string|BREAK-IN|"
                            r"authentication failure|authentication failures|incorrect password|NOT in sudoers|"
                            r"FAILED su|new user|new group|to group|delete user|password changed")


def is_crafted_attack(line):
    return bool(CRAFTED_ATTACK.search(line))


def auth_throughput(work):
    log = os.path.join(work, "auth-speed.log")
    with open(log, "w") as f:
        subprocess.run([sys.executable, os.path.join(MODELS, "auth_baseline.py"), "--seed", "9", "--days", "60",
                        "--hosts", "12"], check=True, stdout=f)
    events = os.path.join(work, "auth-speed.ndjson")
    with open(events, "wb") as f:
        f.write(run([BIN, "parse", "-q", "--year", "2025", "--templates", frozen_state(work), "--templates-frozen", log]
                    ).stdout)
    n = sum(1 for _ in open(events))
    pin = ["taskset", "-c", "0"]
    t = timed(pin + [BIN, "score", "--threads", "1", events])
    floor = timed(pin + ["jq", "-c", ".", events])
    size = os.path.getsize(events) / n
    print(f"\nThroughput, one core, default model (linux-auth), {n} parsed auth events ({size:.0f} bytes each):")
    print(f"  logward score      {t:6.2f}s = {n / t:>9,.0f} events/s")
    print(f"  jq -c . (floor)    {floor:6.2f}s = {n / floor:>9,.0f} events/s  (logward is {floor / t:.1f}x jq)")
    return {"auth_events_per_second_one_core": round(n / t), "jq_events_per_second": round(n / floor)}


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
        hosts_eval = unseen_hosts(work)
        bgl_eval = bgl(work)
        auth_eval = linux_auth(work)
        fast = "--no-speed" not in sys.argv[1:]
        speed = throughput(hdfs_path, work) if fast else None
        auth_speed = auth_throughput(work) if fast else None
    if write:
        for name, ev in [("hdfs", dict(hdfs_eval, bgl_2k_fitted=bgl_eval, throughput=speed)),
                         ("linux-auth", dict(auth_eval, unseen_hosts=hosts_eval, throughput=auth_speed))]:
            path = os.path.join(MODELS, f"{name}.json")
            meta = json.load(open(path))
            meta["evaluation"] = ev
            with open(path, "w") as f:
                json.dump(meta, f, indent=1)
                f.write("\n")
        print("\nwrote the evaluations into models/hdfs.json and models/linux-auth.json")


if __name__ == "__main__":
    main()
