#!/usr/bin/env python3
"""Throughput of `logward report` (md, json, html, csv) on 1M events made by `logward parse`
from the 10k real Apache lines and the Loghub Linux sample in ../shared/data (repeated, with
alerts and anomaly scores mixed in), in one run with two peers on the same file: `jq -c .`
as a floor, and a plain-Python aggregation of the same counts (json.loads + Counter), which
is what a notebook would do.

Usage: bench/report.py [EVENTS]   (default 1000000)
       bench/report.py --scale EVENTS   (peak memory and output size on synthetic events whose
                                          addresses, users and hosts keep changing: bounded memory)
"""
import collections
import json
import os
import subprocess
import sys
import time

from common import ROOT, BIN, DATA, timed


def python_peer(path):
    """The same aggregates the report's md/json output holds, in plain Python."""
    t0 = time.perf_counter()
    c = collections.defaultdict(collections.Counter)
    first = last = None
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            ts = e.get("@timestamp")
            if ts:
                first = ts if first is None or ts < first else first
                last = ts if last is None or ts > last else last
                c["minute"][ts[:16]] += 1
            ev = e.get("event", {})
            c["dataset"][ev.get("dataset")] += 1
            c["action"][ev.get("action")] += 1
            for k in ("source", "destination"):
                ip = e.get(k, {}).get("ip")
                if ip:
                    c[k][ip] += 1
            user = e.get("user", {}).get("name")
            if user:
                c["user"][user] += 1
            url = e.get("url", {}).get("original")
            if url:
                c["url"][url] += 1
            if ev.get("kind") == "alert":
                c["rule"][e.get("rule", {}).get("id")] += 1
            if "authentication" in ev.get("category", []):
                c["login"][(user, ev.get("outcome"))] += 1
    for k in c:
        c[k].most_common(10)
    return time.perf_counter() - t0


def synthetic(n, out):
    """`n` events with 16M possible source addresses, a million users, 10,000 hosts, 1% alerts
    of 200 rules, 10% scored, written to `out` (a pipe)."""
    import random
    rnd = random.Random(7)
    levels = ["low", "medium", "high", "critical"]
    batch = []
    for i in range(n):
        t = f"2024-01-{1 + (i * 28) // n:02d}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"
        ip = f"10.{rnd.getrandbits(8)}.{rnd.getrandbits(8)}.{rnd.getrandbits(8)}"
        user, host = f"u{rnd.getrandbits(20)}", f"h{rnd.randrange(10000)}"
        if i % 100 == 99:
            r = rnd.randrange(200)
            line = (f'{{"@timestamp":"{t}","event":{{"kind":"alert","dataset":"logward.detect"}},"rule":{{"id":"r{r}","name":"rule {r}"}},'
                    f'"logward":{{"detect":{{"level":"{levels[r % 4]}","reason":"{ip} did thing {i}"}}}},"source":{{"ip":"{ip}"}},'
                    f'"user":{{"name":"{user}"}},"host":{{"name":"{host}"}},"tags":["attack.t1110"]}}')
        else:
            outcome = "failure" if i % 3 else "success"
            extra = f',"logward":{{"anomaly":{{"score":{rnd.random() * 10:.4f},"severity":"low","session":"s{i % 50000}"}}}}' if i % 10 == 5 else ""
            line = (f'{{"@timestamp":"{t}","event":{{"dataset":"system.auth","action":"ssh_login","category":["authentication"],'
                    f'"outcome":"{outcome}"}},"source":{{"ip":"{ip}"}},"user":{{"name":"{user}"}},"host":{{"name":"{host}"}},'
                    f'"process":{{"name":"sshd","pid":{i % 30000}}},"message":"Failed password for {user} from {ip} port {i % 65536} ssh2"{extra}}}')
        batch.append(line)
        if len(batch) == 10000:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    out.write("".join(l + "\n" for l in batch))


def scale(n):
    """Peak resident memory (GNU time's %M) and output size of `report` on `n` synthetic events."""
    for fmt in ("md", "html"):
        cmd = ["/usr/bin/time", "-f", "%M %e", BIN, "report", "-q", "--threads", "1", "-f", fmt]
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        import threading
        size = [0]
        reader = threading.Thread(target=lambda: size.__setitem__(0, len(p.stdout.read().encode())))
        reader.start()
        synthetic(n, p.stdin)
        p.stdin.close()
        reader.join()
        err = p.stderr.read()
        p.wait()
        rss_kb, secs = err.split()[-2:]
        print(f"report {fmt:<4} {n:>11,} synthetic events: peak memory {int(rss_kb) / 1024:7.1f} MiB, "
              f"output {size[0] / 1024:8.1f} KiB, {time.perf_counter() - t0:6.1f}s (with the generator)")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--scale":
        return scale(int(sys.argv[2]))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = os.path.join(ROOT, "bench/out")
    os.makedirs(out, exist_ok=True)
    parsed = subprocess.run(
        [BIN, "parse", "-q", "--year", "2024", os.path.join(DATA, "access/apache_combined_10k.log"),
         os.path.join(DATA, "loghub-2k/Linux/Linux_2k.log")],
        check=True, capture_output=True).stdout.decode().splitlines()
    alert = json.dumps({"@timestamp": "2024-01-01T00:00:00Z", "event": {"kind": "alert", "dataset": "logward.detect",
                        "severity": 73}, "rule": {"id": "r1", "name": "SSH brute force"},
                        "logward": {"detect": {"level": "high", "reason": "9 failed logins"}}, "source": {"ip": "203.0.113.9"}})
    path = os.path.join(out, "report-input.ndjson")
    with open(path, "w") as f:
        for i in range(n):
            if i % 100 == 99:
                f.write(alert + "\n")
            elif i % 10 == 5:
                e = json.loads(parsed[i % len(parsed)])
                e.setdefault("logward", {})["anomaly"] = {"score": (i % 997) / 997, "severity": "low", "session": f"s{i % 5000}"}
                f.write(json.dumps(e, separators=(",", ":")) + "\n")
            else:
                f.write(parsed[i % len(parsed)] + "\n")
    pin = ["taskset", "-c", "0"]
    peer = python_peer(path)
    rows = [
        ("report md, 1 thread", timed(pin + [BIN, "report", "-q", "--threads", "1", path])),
        ("report json, 1 thread", timed(pin + [BIN, "report", "-q", "--threads", "1", "-f", "json", path])),
        ("report html, 1 thread", timed(pin + [BIN, "report", "-q", "--threads", "1", "-f", "html", path])),
        ("report md, all cores", timed([BIN, "report", "-q", path])),
        ("report csv, all cores", timed([BIN, "report", "-q", "-f", "csv", path])),
        ("jq -c . (floor)", timed(pin + ["jq", "-c", ".", path])),
        ("python json+Counter", peer),
    ]
    for name, t in rows:
        print(f"{name:<24} {n} events in {t:6.2f}s = {n / t:>10,.0f} events/s  ({peer / t:5.1f}x python)")


if __name__ == "__main__":
    main()
