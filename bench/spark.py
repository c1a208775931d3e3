#!/usr/bin/env python3
"""Throughput of the Spark job (spark/logward_spark.py) in local[1] and local[2], next to the
plain single-machine pipe on the same input in the same run, and Spark's overhead per line.

    make spark-bench        # or: spark/.venv/bin/python bench/spark.py [LINES] [FILES] [map,detect]

Input: LINES raw lines (default 2,000,000) in FILES files (default 8: half auth/syslog lines
from the shared OpenSSH, RHEL, Ubuntu and Linux samples, half Apache access lines), built by
repeating ../shared/data. Two pipelines:
  map      parse (frozen templates) | anonymize          no shuffle: one task per file
  detect   parse (frozen templates) | anonymize | detect  plus the keyed shuffle of detect
Each is timed as `logward a | logward b ...` with --threads 1 and with all cores, and as the
Spark job with local[1] and local[2] (a fresh JVM each; the time of Job.run, and the whole
spark-submit-like process). Output goes to files in both cases.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BIN, DATA, ROOT  # noqa: E402

BIN = os.environ.get("LOGWARD_BIN", BIN)

OUT = os.path.join(ROOT, "bench", "out", "spark")
KEY = os.path.join(ROOT, "testdata", "anonymize", "test.key")
PIPELINES = {
    "map": "parse --templates {state.json} --templates-frozen | anonymize --key-file {test.key}",
    "detect": "parse --templates {state.json} --templates-frozen | anonymize --key-file {test.key} | detect",
}


def build_inputs(lines, files):
    os.makedirs(OUT, exist_ok=True)
    auth = ["loghub-2k/OpenSSH/OpenSSH_2k.log", "filebeat/system/auth/secure-rhel7.log",
            "filebeat/system/auth/auth-ubuntu1204.log", "loghub-2k/Linux/Linux_2k.log"]
    access = ["access/apache_combined_10k.log"]
    pools = []
    for group in (auth, access):
        pool = []
        for p in group:
            with open(os.path.join(DATA, p), encoding="utf-8", errors="replace") as f:
                pool.extend(l.rstrip("\n") for l in f if l.strip())
        pools.append(pool)
    per_file = lines // files
    paths = []
    for k in range(files):
        pool = pools[k % 2]
        name = os.path.join(OUT, f"{'auth' if k % 2 == 0 else 'access'}-{k}.log")
        if not (os.path.exists(name) and sum(1 for _ in open(name, "rb")) == per_file):
            with open(name, "w", encoding="utf-8") as f:
                for i in range(per_file):
                    f.write(pool[(i + k * 7919) % len(pool)])
                    f.write("\n")
        paths.append(name)
    state = os.path.join(OUT, "state.json")
    if os.path.exists(state):
        os.remove(state)
    subprocess.run([BIN, "parse", "-q", "--templates", state, "-o", os.devnull, paths[0]], check=True)
    return paths, state, per_file * files


def pipe_time(pipeline, inputs, files, threads):
    stages = []
    for i, st in enumerate(pipeline.split("|")):
        argv = [re.sub(r"\{([^{}]+)\}", lambda m: files[m.group(1)], a) for a in shlex.split(st.strip())] + ["-q"]
        if threads:
            argv += ["--threads", str(threads)]
        if i == 0:
            argv += inputs
        stages.append(shlex.join([BIN] + argv))
    out = os.path.join(OUT, "pipe.ndjson")
    t0 = time.perf_counter()
    subprocess.run(" | ".join(stages) + f" > {shlex.quote(out)}", shell=True, check=True)
    return time.perf_counter() - t0


def child(master, pipeline, inputs, files_json):
    """One Spark run in this process: prints {"job": seconds}."""
    files = json.loads(files_json)
    sys.path.insert(0, os.path.join(ROOT, "spark"))
    import logward_spark as ls
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName("logward-bench").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "4g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for p in files.values():
        spark.sparkContext.addFile(p)
    out = os.path.join(OUT, "spark-out")
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    summary = ls.Job(spark, pipeline, inputs, logward=BIN, output=out, threads=1).run()
    t = time.perf_counter() - t0
    spark.stop()
    print(json.dumps({"job": t, "records": summary["records"]}))


def spark_time(master, pipeline, inputs, files):
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "--child", master, pipeline, json.dumps(files)] + inputs,
                         env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    total = time.perf_counter() - t0
    r = json.loads(res.stdout.decode().strip().splitlines()[-1])
    return r["job"], total, r["records"]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[3], sys.argv[5:], sys.argv[4])
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    only = sys.argv[3].split(",") if len(sys.argv) > 3 else list(PIPELINES)
    inputs, state, lines = build_inputs(lines, nfiles)
    key = os.path.join(OUT, "test.key")
    shutil.copy(KEY, key)
    os.chmod(key, 0o600)
    files = {"state.json": state, "test.key": key}
    print(f"{lines:,} lines in {nfiles} files, {os.cpu_count()} cores; rates in lines/s")
    print(f"{'pipeline':<8} {'run':<24} {'seconds':>8} {'lines/s':>10} {'vs pipe':>8}")
    for name, pipeline in PIPELINES.items():
        if name not in only:
            continue
        p1 = pipe_time(pipeline, inputs, files, 1)
        p2 = pipe_time(pipeline, inputs, files, 0)
        rows = [("pipe --threads 1", p1, p1), ("pipe, all cores", p2, p2)]
        for master, base in (("local[1]", p1), ("local[2]", p2)):
            job, total, records = spark_time(master, pipeline, inputs, files)
            rows.append((f"spark {master} (job)", job, base))
            rows.append((f"spark {master} (with JVM)", total, base))
            over = (job - base) / lines * 1e6
            rows.append((f"  overhead vs pipe", None, over))
        for label, secs, base in rows:
            if secs is None:
                print(f"{name:<8} {label:<24} {'':>8} {'':>10} {base:7.2f} µs/line")
            else:
                print(f"{name:<8} {label:<24} {secs:8.1f} {lines / secs:10,.0f} {secs / base:7.2f}x")


if __name__ == "__main__":
    main()
