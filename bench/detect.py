#!/usr/bin/env python3
"""Throughput of `logward detect` on 1M ECS events (half sshd logins, 30% of them failed; half web access,
2% of it attacks; from 100k distinct source addresses, time-ordered over 12 working hours), with the built-in pack and with
every SigmaHQ rule in ../shared/data/sigma added, and `jq -c .` on the same file as a floor,
in one run. Also reports peak memory (max RSS) of the correlation state, and the built-in pack on
a copy of the events whose user names and URLs never repeat (the worst case for `detect`'s
table of remembered rule outcomes, which then stays out of the way).

Usage: bench/detect.py [EVENTS] [THREADS]   (defaults 1000000, 1)
"""
import os
import random
import sys

from common import ROOT, BIN, timed

SIGMA = os.path.join(ROOT, "../shared/data/sigma/rules")

# Mostly ordinary traffic; about 2% of requests are attacks, as in a busy public site's logs.
PATHS = ["/", "/index.html", "/api/v1/items?id=42", "/static/app.js", "/login", "/images/logo.png", "/cart?id=1"]
ATTACKS = ["/wp-login.php", "/search?q=union+select+1", "/docs/../../etc/passwd", "/.env"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "curl/8.4.0", "Mozilla/5.0 (Macintosh) Safari/605"]
USERS = ["root", "admin", "alice", "bob", "oracle", "test", "deploy", "git"]


def ip(i):
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def make_events(n, path, unique=False):
    """`unique`: every user name and URL differs, so no two events agree on what rules read."""
    rnd = random.Random(7)
    with open(path, "w") as f:
        for i in range(n):
            secs = 8 * 3600 + i * 12 * 3600 // n  # working hours, 08:00-20:00
            ts = f"2024-03-01T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"
            src = ip(rnd.randrange(100_000))
            if i % 2:
                ok = rnd.random() < 0.7
                user = rnd.choice(USERS[2:] if ok else USERS)
                if unique:
                    user = f"{user}{i}"
                f.write('{"@timestamp":"%s","event":{"action":"ssh_login","category":["authentication"],"dataset":"system.auth",'
                        '"kind":"event","outcome":"%s"},"host":{"name":"bastion"},"message":"%s password for %s from %s port 22 ssh2",'
                        '"process":{"name":"sshd","pid":%d},"source":{"ip":"%s"},"user":{"name":"%s"}}\n'
                        % (ts, "success" if ok else "failure", "Accepted" if ok else "Failed", user, src, 1000 + i % 30000, src, user))
            else:
                p = rnd.choice(ATTACKS) if rnd.random() < 0.02 else rnd.choice(PATHS)
                if unique:
                    p += ("&" if "?" in p else "?") + f"req={i}"
                f.write('{"@timestamp":"%s","event":{"category":["web"],"dataset":"apache.access","kind":"event"},'
                        '"http":{"request":{"method":"%s"},"response":{"status_code":%d}},"source":{"ip":"%s"},'
                        '"url":{"original":"%s","path":"%s"},"user_agent":{"original":"%s"}}\n'
                        % (ts, rnd.choice(["GET", "GET", "GET", "POST"]), rnd.choice([200] * 12 + [404, 401, 403]), src,
                           p, p.split("?")[0], "sqlmap/1.7" if rnd.random() < 0.005 else rnd.choice(AGENTS)))


def peak_rss_mib(cmd):
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(cmd[0], cmd)
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_maxrss / 1024


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    threads = sys.argv[2] if len(sys.argv) > 2 else "1"
    out = os.path.join(ROOT, "bench/out")
    os.makedirs(out, exist_ok=True)
    events = os.path.join(out, "detect-events.ndjson")
    make_events(n, events)
    rows = []
    base = [BIN, "detect", "-q", "--threads", threads]
    t = timed(base + [events])
    rows.append(("logward detect (built-in pack)", t))
    if os.path.isdir(SIGMA):
        rows.append(("logward detect (built-in + all SigmaHQ rules)", timed(base + ["--rules", SIGMA, events])))
    try:
        rows.append(("jq -c . (floor: parse + print JSON)", timed(["jq", "-c", ".", events])))
    except FileNotFoundError:
        pass
    print(f"{n} events, {threads} thread(s)")
    for name, secs in rows:
        print(f"  {name:<48} {secs:7.2f} s  {n / secs:>10,.0f} events/s  ({secs / t:.2f}x built-in)")
    distinct = os.path.join(out, "detect-events-distinct.ndjson")
    make_events(n, distinct, unique=True)
    secs = timed(base + [distinct])
    print(f"  {'logward detect (built-in), values never repeat':<48} {secs:7.2f} s  {n / secs:>10,.0f} events/s  ({secs / t:.2f}x built-in)")
    os.remove(distinct)
    rss = peak_rss_mib(base + [events])
    print(f"  peak memory (max RSS), built-in pack, 100k source IPs: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
