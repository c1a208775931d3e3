#!/usr/bin/env python3
"""Throughput of `logward anonymize` (every category on: IPs, users, hosts, domains, e-mails,
URLs, secrets in text, the risk report off) on 1M ECS events from `logward parse`: half sshd
and sudo auth lines, half Apache combined access lines, from 100k distinct addresses and 20k
users, with e-mails, tokens and user directories in some URLs. In the same run, `jq -c .`
re-serializes the same file as the floor the issue compares with.

Usage: bench/anonymize.py [EVENTS] [THREADS]   (defaults 1000000, 1)
LOGWARD_NO_BUILD=1 times target/release/logward as it is (no `cargo build --release` first).
"""
import os
import random
import subprocess
import sys
import tempfile

from common import ROOT, BIN, timed


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.4.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15",
]
SITES = ["www.example-shop.com", "blog.example.co.uk", "news.example.org", "intranet.corp.example.net"]


def address(rnd):
    i = rnd.randrange(100_000)
    if i % 5 == 0:
        return f"10.{(i >> 8) & 255}.{i & 255}.{i % 200 + 1}"
    return f"{23 + i % 180}.{(i >> 8) & 255}.{i & 255}.{i % 250 + 1}"


def auth_line(rnd, ts, user, ip):
    pid = rnd.randrange(1000, 60000)
    kind = rnd.random()
    if kind < 0.45:
        return f"{ts} bastion sshd[{pid}]: Failed password for {user} from {ip} port {rnd.randrange(1024, 65535)} ssh2"
    if kind < 0.7:
        return f"{ts} bastion sshd[{pid}]: Accepted publickey for {user} from {ip} port {rnd.randrange(1024, 65535)} ssh2"
    if kind < 0.85:
        return f"{ts} bastion sshd[{pid}]: Invalid user {user} from {ip} port {rnd.randrange(1024, 65535)}"
    if kind < 0.95:
        return (f"{ts} bastion sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                f"tty=ssh ruser= rhost={ip}  user={user}")
    return f"{ts} bastion sudo:   {user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"


def access_line(rnd, day, secs, user, ip):
    path = rnd.choice(["/", "/index.html", "/static/app.js", "/images/logo.png", "/api/v1/items?id=42",
                       f"/~{user}/notes.html", f"/login?email={user}%40mail.example.org&next=%2F",
                       f"/api/v1/session?token={rnd.randrange(10**12):x}{rnd.randrange(10**12):x}", "/cart?id=7"])
    referrer = f"https://{rnd.choice(SITES)}/{rnd.choice(['', 'search?q=logs', 'page/2'])}" if rnd.random() < 0.6 else "-"
    who = user if rnd.random() < 0.2 else "-"
    return (f'{ip} - {who} [{day:02d}/Mar/2024:{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d} +0000] '
            f'"{rnd.choice(["GET", "GET", "POST"])} {path} HTTP/1.1" {rnd.choice([200, 200, 200, 304, 404, 401])} '
            f'{rnd.randrange(100, 50000)} "{referrer}" "{rnd.choice(AGENTS)}"')


def make_events(n, folder):
    rnd = random.Random(11)
    users = [f"{rnd.choice(['j', 'm', 'a', 'k', 's'])}{rnd.choice(['smith', 'jones', 'lee', 'garcia', 'nguyen'])}{i}" for i in range(20_000)]
    auth_path, access_path = os.path.join(folder, "auth.log"), os.path.join(folder, "access.log")
    with open(auth_path, "w") as auth, open(access_path, "w") as access:
        for i in range(n):
            secs = i * 86400 * 7 // n
            day, secs = 1 + secs // 86400, secs % 86400
            user = rnd.choice(users)
            ip = address(rnd)
            if i % 2:
                ts = f"Mar {day:2d} {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
                auth.write(auth_line(rnd, ts, user, ip) + "\n")
            else:
                access.write(access_line(rnd, day, secs, user, ip) + "\n")
    events = os.path.join(folder, "events.ndjson")
    with open(events, "w") as out:
        subprocess.run([BIN, "parse", "-q", "--year", "2024", auth_path, access_path], check=True, stdout=out)
    return events


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    threads = sys.argv[2] if len(sys.argv) > 2 else "1"
    if not os.environ.get("LOGWARD_NO_BUILD"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        events = make_events(n, tmp)
        key = os.path.join(tmp, "bench.key")
        subprocess.run([BIN, "anonymize", "--new-key", key], check=True, stderr=subprocess.DEVNULL)
        size = os.path.getsize(events)
        ours = min(timed([BIN, "anonymize", "-q", "--key-file", key, "--threads", threads, events]) for _ in range(2))
        jq = timed(["jq", "-c", ".", events])
        print(f"{n} events, {size / n:.0f} bytes each, --threads {threads}")
        print(f"  logward anonymize  {ours:7.2f} s  {n / ours:10,.0f} events/s")
        print(f"  jq -c .            {jq:7.2f} s  {n / jq:10,.0f} events/s")
        print(f"  ratio: logward anonymize is {jq / ours:.1f}x faster than jq")


if __name__ == "__main__":
    main()
