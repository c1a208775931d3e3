#!/usr/bin/env python3
"""Throughput of `logward parse` on Linux audit logs (audit.log), kernel firewall lines and
journald entries, against `jq -c .` re-serializing logward's own output (a floor for any
JSON tool), in one run on the same input, one core each (taskset when available).

The audit log is generated (records as auditd writes them, enriched with names as
`log_format = ENRICHED` does, plus raw ones): exec events of 7 records (SYSCALL with
EXECVE, CWD, two PATHs, PROCTITLE, EOE), file opens of 5, connects of 4 (with SOCKADDR),
and user-space records (USER_AUTH, USER_START, CRED_ACQ, ...), their records interleaving
as on a busy host.

Usage: python3 bench/parse_audit.py [LINES]   (default 1000000)
"""
import os
import random
import shutil
import subprocess
import sys

from common import BIN as RELEASE, ROOT, timed

# LOGWARD_BIN=target/debug/logward checks the script without a release build (its timings
# then say nothing).
BIN = os.environ.get("LOGWARD_BIN", RELEASE)

LINES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
PIN = ["taskset", "-c", "0"] if shutil.which("taskset") else []
GS = "\x1d"
rng = random.Random(20)


def hexs(s):
    return s.encode().hex().upper()


USERS = ["alice", "bob", "carol", "dave", "root", "www-data", "svc_backup"]
PROGS = [("/usr/bin/curl", ["curl", "-sSL", "https://example.com/x.tar.gz", "-o", "/tmp/x.tar.gz"]),
         ("/usr/bin/tar", ["tar", "xzf", "/tmp/x.tar.gz", "-C", "/opt"]),
         ("/usr/bin/ls", ["ls", "-la", "/var/log"]),
         ("/usr/bin/python3", ["python3", "-c", "import os; print(os.getuid())"]),
         ("/usr/bin/grep", ["grep", "-r", "password", "/etc"]),
         ("/usr/bin/ssh", ["ssh", "-i", "/home/alice/.ssh/id_ed25519", "deploy@10.0.0.7"])]


def ids(uid, enriched, name):
    base = (f"auid={uid} uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid}")
    return base, (f"{GS}AUID=\"{name}\" UID=\"{name}\" GID=\"{name}\" EUID=\"{name}\" SUID=\"{name}\" FSUID=\"{name}\" EGID=\"{name}\" SGID=\"{name}\" FSGID=\"{name}\"" if enriched else "")


def event(serial, t, kind):
    stamp = f"audit({t:.3f}:{serial})"
    uid = rng.randrange(1000, 1010)
    name = rng.choice(USERS)
    enriched = rng.random() < 0.5
    pid, ppid = rng.randrange(2000, 60000), rng.randrange(1000, 2000)
    idpart, names = ids(uid, enriched, name)
    if kind == "exec":
        exe, argv = rng.choice(PROGS)
        argv = list(argv)
        comm = os.path.basename(exe)
        sc = (f"type=SYSCALL msg={stamp}: arch=c000003e syscall=59 success=yes exit=0 a0=55d9c4a0 a1=55d9c4b0 a2=55d9c4c0 a3=0 "
              f"items=2 ppid={ppid} pid={pid} {idpart} tty=pts0 ses=3 comm=\"{comm}\" exe=\"{exe}\" subj=unconfined key=\"exec\"")
        sc += f"{GS}ARCH=x86_64 SYSCALL=execve" + names[1 + names.find(GS):].replace(GS, " ") if enriched else ""
        args = " ".join(f"a{i}={hexs(a)}" if " " in a or ";" in a else f"a{i}=\"{a}\"" for i, a in enumerate(argv))
        return [sc, f"type=EXECVE msg={stamp}: argc={len(argv)} {args}", f"type=CWD msg={stamp}: cwd=\"/home/{name}\"",
                f"type=PATH msg={stamp}: item=0 name=\"{exe}\" inode={rng.randrange(1, 10**6)} dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0",
                f"type=PATH msg={stamp}: item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=401 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0",
                f"type=PROCTITLE msg={stamp}: proctitle={hexs(chr(0).join(argv))}", f"type=EOE msg={stamp}: "]
    if kind == "open":
        path = rng.choice(["/etc/shadow", "/etc/passwd", "/var/log/auth.log", "/home/alice/.bashrc"])
        return [f"type=SYSCALL msg={stamp}: arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid={ppid} pid={pid} {idpart} tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"access\"",
                f"type=CWD msg={stamp}: cwd=\"/tmp\"",
                f"type=PATH msg={stamp}: item=0 name=\"{path}\" inode=5 dev=fd:00 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL",
                f"type=PROCTITLE msg={stamp}: proctitle={hexs('cat' + chr(0) + path)}", f"type=EOE msg={stamp}: "]
    if kind == "connect":
        port = rng.choice([22, 80, 443, 4444])
        return [f"type=SYSCALL msg={stamp}: arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid={ppid} pid={pid} {idpart} tty=(none) ses=3 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"net\"",
                f"type=SOCKADDR msg={stamp}: saddr=0200{port:04X}CB0071{rng.randrange(1, 250):02X}0000000000000000",
                f"type=PROCTITLE msg={stamp}: proctitle=\"curl\"", f"type=EOE msg={stamp}: "]
    rt = rng.choice(["USER_AUTH", "USER_ACCT", "CRED_ACQ", "USER_START", "USER_END", "CRED_DISP", "USER_LOGIN"])
    return [f"type={rt} msg={stamp}: pid={pid} uid=0 auid={uid} ses=3 msg='op=PAM:authentication grantors=pam_unix acct=\"{name}\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.{rng.randrange(1, 250)} addr=203.0.113.{rng.randrange(1, 250)} terminal=ssh res={rng.choice(['success', 'failed'])}'"]


def build_audit(path, n):
    lines, serial, t = 0, 1000, 1_700_000_000.0
    pending = []
    with open(path, "w") as f:
        while lines < n:
            serial += 1
            t += 0.003
            recs = event(serial, t, rng.choice(["exec", "exec", "open", "connect", "user", "user"]))
            # Interleave: the first record of this event after the rest of the one before.
            for r in pending:
                f.write(r + "\n")
            f.write(recs[0] + "\n")
            pending = recs[1:]
            lines += len(recs)
        for r in pending:
            f.write(r + "\n")
    return sum(1 for _ in open(path))


def build_firewall(path, n):
    with open(path, "w") as f:
        for i in range(n):
            act = "BLOCK" if i % 3 else "ALLOW"
            f.write(f"Mar  5 10:{i // 60 % 60:02d}:{i % 60:02d} fw1 kernel: [{i}.000001] [UFW {act}] IN=eth0 OUT= "
                    f"MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=198.51.{i % 250}.{i % 200} DST=10.0.0.5 LEN=60 TOS=0x00 "
                    f"PREC=0x00 TTL=49 ID={i % 65535} DF PROTO=TCP SPT={1024 + i % 60000} DPT={i % 1024} WINDOW=29200 RES=0x00 SYN URGP=0\n")
    return n


def build_journal(path, n):
    import json
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"__CURSOR": f"s=1;i={i:x}", "__REALTIME_TIMESTAMP": str(1_700_000_000_000_000 + i * 1000),
                                "_HOSTNAME": "bastion", "SYSLOG_IDENTIFIER": "sshd", "_PID": str(2000 + i % 5000),
                                "_UID": "0", "PRIORITY": "6", "_SYSTEMD_UNIT": "ssh.service", "_TRANSPORT": "syslog",
                                "MESSAGE": f"Failed password for {USERS[i % 7]} from 203.0.113.{i % 250} port {1024 + i % 60000} ssh2"},
                               separators=(",", ":")) + "\n")
    return n


def events(path):
    return sum(1 for _ in open(path))


def main():
    if not os.environ.get("LOGWARD_BIN"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not shutil.which("jq"):
        sys.exit("jq is needed for the comparison: apt-get install jq")
    inputs = [("audit", build_audit), ("firewall", build_firewall), ("journald", build_journal)]
    print(f"{'input':<9} {'lines':>9} {'events':>9} {'parse s':>8} {'lines/s':>10} {'events/s':>10} {'jq s':>7} {'jq events/s':>12} {'jq/parse':>9}")
    for name, build in inputs:
        src = os.path.join(OUT, f"{name}.log")
        n = build(src, LINES)
        dst = os.path.join(OUT, f"{name}.ndjson")
        with open(dst, "w") as f:
            subprocess.run([BIN, "parse", "-q", src], stdout=f, check=True)
        ev = events(dst)
        p = timed(PIN + [BIN, "parse", "--threads", "1", "-q", src])
        j = timed(PIN + ["jq", "-c", ".", dst])
        print(f"{name:<9} {n:>9} {ev:>9} {p:>8.2f} {n / p:>10.0f} {ev / p:>10.0f} {j:>7.2f} {ev / j:>12.0f} {j / p:>8.1f}x")
    src = os.path.join(OUT, "audit.log")
    t = timed([BIN, "parse", "-q", src])
    print(f"audit, all cores ({os.cpu_count()}): {LINES / t:.0f} lines/s")


if __name__ == "__main__":
    main()
