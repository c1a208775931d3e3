#!/usr/bin/env python3
"""EVTX -> NDJSON on one core: `logward parse --threads 1` (ECS events) against the `evtx` crate's
own `evtx_dump -o jsonl -t 1` (its JSON rendering of the records, no mapping), both pinned to the
same core, on the same files, in one run.

Each file is read by one process of each tool (evtx_dump takes one file at a time), in turns, and
the wall times are summed; then logward reads all the files in one process, as it would an
evidence folder. `--repeat N` (default 3) takes the best total of N runs of each. Both outputs go to
/dev/null; the record counts are checked to be the same.

Usage: bench/evtx_speed.py EVTX_DUMP [FILE_OR_DIR ...] [--repeat N]
       (default inputs: the EVTX files of ../shared/data/windows of 500 KB or more)
Env:   LOGWARD_BIN (default target/release/logward)
"""
import os
import subprocess
import sys
import time

from common import BIN, DATA

PIN = ["taskset", "-c", "0"] if subprocess.run(["which", "taskset"], capture_output=True).returncode == 0 else []


def evtx_files(args):
    out = []
    for a in args:
        if os.path.isdir(a):
            for base, _, names in os.walk(a):
                out += [os.path.join(base, n) for n in names if n.lower().endswith(".evtx")]
        else:
            out.append(a)
    return sorted(out)


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def count(cmd):
    p = subprocess.run(cmd, check=True, capture_output=True)
    return p.stdout.count(b"\n")


def main():
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        args = args[:i] + args[i + 2:]
    if not args:
        sys.exit(__doc__)
    dump, inputs = args[0], args[1:]
    binary = os.environ.get("LOGWARD_BIN", BIN)
    if inputs:
        files = evtx_files(inputs)
    else:
        files = [f for f in evtx_files([os.path.join(DATA, "windows")]) if os.path.getsize(f) >= 500_000]
    ours = [binary, "parse", "-q", "--threads", "1"]
    theirs = [dump, "-o", "jsonl", "-t", "1"]
    records = 0
    for f in files:
        a, b = count(ours + [f]), count(theirs + [f])
        if a != b:
            sys.exit(f"{f}: logward wrote {a} events, evtx_dump {b} records")
        records += a
    size = sum(os.path.getsize(f) for f in files)
    best = {"logward": float("inf"), "evtx_dump": float("inf"), "logward, one process": float("inf")}
    for _ in range(repeat):
        t_ours = t_theirs = 0.0
        for f in files:
            t_theirs += wall(PIN + theirs + [f])
            t_ours += wall(PIN + ours + [f])
        best["logward"] = min(best["logward"], t_ours)
        best["evtx_dump"] = min(best["evtx_dump"], t_theirs)
        best["logward, one process"] = min(best["logward, one process"], wall(PIN + ours + files))
    print(f"{len(files)} files, {size / 1e6:.1f} MB, {records} records; pinned: {bool(PIN)}; best of {repeat}")
    base = best["evtx_dump"]
    for name, t in best.items():
        print(f"{name:22s} {t:7.3f} s  {records / t:10,.0f} records/s  {t / base:5.2f}x evtx_dump's time")


if __name__ == "__main__":
    main()
