#!/usr/bin/env python3
"""Template-mining throughput: `logward parse` (whole parse with mining, one thread, output
written) against Drain3 (the Python reference, with the masking of its examples/drain3.ini
from ../shared/data/peers) on the same messages, in one run.

Drain3 gets the message part of each syslog line (what logward mines), so its time
excludes reading and header parsing that logward's includes.

On a busy machine the wall clock of each side includes waiting for a core; the CPU time
(user + system) of each is printed too, and the ratio of rates per CPU second.

Usage: bench/templates_speed.py [LINES]   (default 1000000 for logward, 200000 for Drain3)
Needs drain3: `make bench-setup` installs it into .venv.
"""
import os
import re
import resource
import subprocess
import sys
import time

from common import ROOT, BIN, DATA


def main():
    lines_n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    drain_n = min(lines_n, 200_000)
    sources = ["loghub-2k/OpenSSH/OpenSSH_2k.log", "filebeat/system/auth/secure-rhel7.log",
               "filebeat/system/auth/auth-ubuntu1204.log", "loghub-2k/Linux/Linux_2k.log"]
    base = []
    for s in sources:
        with open(os.path.join(DATA, s), encoding="utf-8", errors="replace") as f:
            base.extend(l.rstrip("\r\n") for l in f if l.strip())
    os.makedirs(os.path.join(ROOT, "bench/out"), exist_ok=True)
    path = os.path.join(ROOT, "bench/out/auth-templates.log")
    with open(path, "w") as f:
        for i in range(lines_n):
            f.write(base[i % len(base)] + "\n")

    pin = ["taskset", "-c", "0"] if subprocess.run(["which", "taskset"], capture_output=True).returncode == 0 else []

    def child_cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    c0, t0 = child_cpu(), time.perf_counter()
    subprocess.run(pin + [BIN, "parse", "-q", "--threads", "1", path], check=True, stdout=subprocess.DEVNULL)
    lw, lw_cpu = time.perf_counter() - t0, child_cpu() - c0
    t0 = time.perf_counter()
    subprocess.run([BIN, "parse", "-q", path], check=True, stdout=subprocess.DEVNULL)
    lw_all = time.perf_counter() - t0

    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig
    cfg = TemplateMinerConfig()
    cfg.load(os.path.join(DATA, "peers/drain3.ini"))
    cfg.profiling_enabled = False
    miner = TemplateMiner(config=cfg)
    tag = re.compile(r"^\S+\s+\d+\s+\S+\s+\S+\s+[^:]+:\s?")
    messages = [tag.sub("", base[i % len(base)], count=1) for i in range(drain_n)]
    c0, t0 = time.process_time(), time.perf_counter()
    for m in messages:
        miner.add_log_message(m)
    dr, dr_cpu = time.perf_counter() - t0, time.process_time() - c0

    lw_rate, lw_all_rate, dr_rate = lines_n / lw, lines_n / lw_all, drain_n / dr
    cores = os.cpu_count()
    print(f"logward parse, mining on, 1 thread:     {lines_n} lines in {lw:.2f}s = {lw_rate:,.0f} lines/s"
          f"  (CPU {lw_cpu:.2f}s = {lines_n / lw_cpu:,.0f} lines per CPU second)")
    print(f"logward parse, mining on, {cores} cores:     {lines_n} lines in {lw_all:.2f}s = {lw_all_rate:,.0f} lines/s")
    print(f"Drain3 add_log_message (1 thread):      {drain_n} messages in {dr:.2f}s = {dr_rate:,.0f} messages/s"
          f"  (CPU {dr_cpu:.2f}s = {drain_n / dr_cpu:,.0f} per CPU second)")
    print(f"ratio: {lw_rate / dr_rate:.1f}x on one thread, {lw_all_rate / dr_rate:.1f}x on {cores} cores"
          f" (wall clock); {(lines_n / lw_cpu) / (drain_n / dr_cpu):.1f}x per CPU second"
          f"   (Drain3 clusters: {len(miner.drain.clusters)})")


if __name__ == "__main__":
    main()
