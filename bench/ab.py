"""Throughput of two logward binaries, stage by stage, on the same inputs in one run.

    python3 bench/ab.py OLD_BINARY [NEW_BINARY] [--events N] [--runs R] [--callgrind]

For a change that must not slow anything down (a restructuring, say). Inputs are built from
../shared/data (repeated to N lines, default 200,000) and parsed once by the old binary; each
stage then runs on one thread, pinned to one core when `taskset` exists, alternating old and
new R times (default 5), and the best time of each is kept. With --callgrind, each stage runs
once per binary under valgrind's callgrind on N/10 lines and the instruction counts are
compared instead: exact and repeatable on a machine too busy for timings.

Prints one row per stage: events/s of each binary and new/old (time or instructions; below
1 is faster).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from common import DATA, ROOT

KEY = os.path.join(ROOT, "testdata", "anonymize", "test.key")


def repeat(paths, n, out):
    lines = []
    for p in paths:
        with open(p, "rb") as f:
            lines.extend(line for line in f.read().splitlines() if line.strip())
    with open(out, "wb") as f:
        for i in range(n):
            f.write(lines[i % len(lines)] + b"\n")


def inputs(old, n, work):
    auth_src = [os.path.join(DATA, p) for p in ["loghub-2k/OpenSSH/OpenSSH_2k.log", "loghub-2k/Linux/Linux_2k.log",
                                                 "filebeat/system/auth/secure-rhel7.log",
                                                 "filebeat/system/auth/auth-ubuntu1204.log"]]
    access_src = [os.path.join(DATA, "access/apache_combined_10k.log")]
    files = {"auth.log": auth_src, "access.log": access_src}
    for name, src in files.items():
        repeat(src, n, os.path.join(work, name))
    tree_src = [os.path.join(ROOT, "testdata", "tree", f) for f in
                ["process_events.csv", "network_events.csv", "file_events.csv", "registry_events.csv"]]
    events = {}
    for name in ["auth", "access"]:
        out = os.path.join(work, f"{name}.ndjson")
        with open(out, "wb") as f:
            subprocess.run([old, "parse", "-q", "--year", "2023", os.path.join(work, f"{name}.log")], stdout=f, check=True)
        events[name] = out
    mixed = os.path.join(work, "mixed.ndjson")
    with open(mixed, "wb") as f:
        for name in ["auth", "access"]:
            with open(events[name], "rb") as g:
                f.write(g.read())
    events["mixed"] = mixed
    tree = os.path.join(work, "tree.ndjson")
    rows = subprocess.run([old, "parse", "-q", "--format", "csv"] + tree_src, capture_output=True, check=True).stdout
    rows = [r for r in rows.splitlines() if r]
    with open(tree, "wb") as f:
        for i in range(n):
            f.write(rows[i % len(rows)] + b"\n")
    events["tree"] = tree
    alerts = os.path.join(work, "detected.ndjson")
    with open(alerts, "wb") as f:
        subprocess.run([old, "detect", "-q", events["mixed"]], stdout=f, check=True)
    events["detected"] = alerts
    return {name: os.path.join(work, name) for name in files}, events


def stages(raw, events):
    sigma = os.path.join(DATA, "sigma", "rules")
    return [
        ("parse auth (templates)", ["parse", "--year", "2023", raw["auth.log"]]),
        ("parse auth --no-templates", ["parse", "--year", "2023", "--no-templates", raw["auth.log"]]),
        ("parse access", ["parse", raw["access.log"]]),
        ("anonymize", ["anonymize", "--key-file", KEY, events["mixed"]]),
        ("detect", ["detect", events["mixed"]]),
        ("detect + SigmaHQ 255", ["detect", "--rules", sigma, events["mixed"]]),
        ("score", ["score", events["auth"]]),
        ("enrich", ["enrich", events["detected"]]),
        ("tree", ["tree", events["tree"]]),
        ("report md", ["report", events["detected"]]),
        ("report json", ["report", "--format", "json", events["detected"]]),
        ("report csv", ["report", "--format", "csv", events["detected"]]),
    ]


def lines_of(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def timed(binary, args, pin):
    t0 = time.perf_counter()
    subprocess.run(pin + [binary] + args + ["-q", "--threads", "1"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def instructions(binary, args, work):
    out = os.path.join(work, "callgrind.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary] + args
                       + ["-q", "--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    m = re.search(rb"Collected : (\d+)", p.stderr)
    os.remove(out)
    return int(m.group(1))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    old = os.path.abspath(args[0])
    new = os.path.abspath(args[1] if len(args) > 1 else os.path.join(ROOT, "target", "release", "logward"))
    n = int(flags[flags.index("--events") + 1]) if "--events" in flags else 200_000
    runs = int(flags[flags.index("--runs") + 1]) if "--runs" in flags else 5
    callgrind = "--callgrind" in flags
    if callgrind:
        n //= 10
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    work = tempfile.mkdtemp(prefix="logward-ab-")
    raw, events = inputs(old, n, work)
    what = "instructions" if callgrind else f"best of {runs}, one thread"
    print(f"{n} lines per input, {what}; old = {old}, new = {new}")
    unit = "instr/event" if callgrind else "events/s"
    print(f"{'stage':<28} {'old ' + unit:>14} {'new ' + unit:>14} {'new/old':>8}")
    for name, cmd in stages(raw, events):
        count = lines_of(cmd[-1])
        if callgrind:
            a, b = instructions(old, cmd, work), instructions(new, cmd, work)
            print(f"{name:<28} {a / count:>14,.0f} {b / count:>14,.0f} {b / a:>8.3f}")
            continue
        best = {old: float("inf"), new: float("inf")}
        for _ in range(runs):
            for binary in (old, new):
                best[binary] = min(best[binary], timed(binary, cmd, pin))
        print(f"{name:<28} {count / best[old]:>14,.0f} {count / best[new]:>14,.0f} {best[new] / best[old]:>8.3f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
