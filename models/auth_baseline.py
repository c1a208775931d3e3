#!/usr/bin/env python3
"""Writes a synthetic baseline of routine Linux auth/syslog activity (classic syslog lines),
the training data of the shipped `linux-auth` model. Seeded: the same output every run.

What "routine" means here, and so what the model learns as normal (see models/linux-auth.md):
  * administrators log in over SSH with keys (sometimes a password, sometimes after one
    mistyped password), mostly in working hours, from internal addresses, open a PAM
    session, run a few sudo commands (now and then `su` to root), and disconnect;
  * cron runs jobs every hour and at night; systemd starts and stops user sessions and timers;
  * nothing else: no invalid users, no scans, no brute force, no new accounts.

    auth_baseline.py [--days 21] [--hosts 6] [--seed 7] > baseline.log
"""
import argparse
import datetime as dt
import random

ADMINS = ["alice", "bob", "carol", "dave", "erin", "frank"]
COMMANDS = ["/usr/bin/apt update", "/usr/bin/apt upgrade -y", "/usr/bin/systemctl restart nginx",
            "/usr/bin/journalctl -u nginx", "/usr/bin/tail -n 100 /var/log/syslog", "/usr/bin/docker ps",
            "/usr/bin/systemctl status postgresql", "/bin/cat /etc/nginx/nginx.conf"]
CRON_JOBS = ["(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
             "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))",
             "(www-data) CMD (php /var/www/app/artisan schedule:run)"]
KEYS = ["RSA SHA256:{}", "ED25519 SHA256:{}"]


class Host:
    def __init__(self, name, rng):
        self.name, self.rng, self.pid, self.session = name, rng, rng.randint(1000, 5000), rng.randint(1, 50)
        self.logind = rng.randint(400, 900)

    def next_pid(self):
        self.pid += self.rng.randint(1, 40)
        return self.pid


def line(t, host, proc, msg):
    return (t, f"{t.strftime('%b')} {t.day:2d} {t.strftime('%H:%M:%S')} {host.name} {proc}: {msg}")


def fingerprint(rng):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(43))


def ssh_visit(host, t, user, rng):
    """One SSH session: login, PAM and logind, some sudo, logout."""
    out = []
    pid = host.next_pid()
    ip = f"10.0.{rng.randint(0, 3)}.{rng.randint(2, 250)}"
    port = rng.randint(32768, 60999)
    sshd = f"sshd[{pid}]"
    method = rng.random()
    if method < 0.08:
        out.append(line(t, host, sshd, f"Failed password for {user} from {ip} port {port} ssh2"))
        t += dt.timedelta(seconds=rng.randint(2, 9))
    if method < 0.25:
        out.append(line(t, host, sshd, f"Accepted password for {user} from {ip} port {port} ssh2"))
    else:
        key = rng.choice(KEYS).format(fingerprint(rng))
        out.append(line(t, host, sshd, f"Accepted publickey for {user} from {ip} port {port} ssh2: {key}"))
    uid = 1000 + ADMINS.index(user)
    out.append(line(t, host, sshd, f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)"))
    host.session += 1
    out.append(line(t, host, f"systemd-logind[{host.logind}]", f"New session {host.session} of user {user}."))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        t += dt.timedelta(seconds=rng.randint(20, 900))
        sudo = f"sudo[{host.next_pid()}]"
        out.append(line(t, host, sudo, f"{user} : TTY=pts/{rng.randint(0, 3)} ; PWD=/home/{user} ; USER=root ; COMMAND={rng.choice(COMMANDS)}"))
        out.append(line(t, host, sudo, f"pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid={uid})"))
        t += dt.timedelta(seconds=rng.randint(1, 60))
        out.append(line(t, host, sudo, "pam_unix(sudo:session): session closed for user root"))
    if rng.random() < 0.1:
        t += dt.timedelta(seconds=rng.randint(20, 600))
        su = f"su[{host.next_pid()}]"
        out.append(line(t, host, su, f"Successful su for root by {user}"))
        out.append(line(t, host, su, f"pam_unix(su:session): session opened for user root by {user}(uid={uid})"))
        t += dt.timedelta(seconds=rng.randint(10, 900))
        out.append(line(t, host, su, "pam_unix(su:session): session closed for user root"))
    t += dt.timedelta(seconds=rng.randint(60, 3600))
    out.append(line(t, host, sshd, f"Received disconnect from {ip} port {port}:11: disconnected by user"))
    out.append(line(t, host, sshd, f"Disconnected from user {user} {ip} port {port}"))
    out.append(line(t, host, sshd, f"pam_unix(sshd:session): session closed for user {user}"))
    out.append(line(t, host, f"systemd-logind[{host.logind}]", f"Session {host.session} logged out. Waiting for processes to exit."))
    out.append(line(t, host, f"systemd-logind[{host.logind}]", f"Removed session {host.session}."))
    return out


def cron_run(host, t, rng):
    pid = host.next_pid()
    host.pid += 1
    job = rng.choice(CRON_JOBS)
    user = "www-data" if "www-data" in job else "root"
    uid = 33 if user == "www-data" else 0
    return [line(t, host, f"CRON[{pid}]", f"pam_unix(cron:session): session opened for user {user}(uid={uid}) by (uid=0)"),
            line(t, host, f"CRON[{pid + 1}]", job),  # the job runs in a child process
            line(t + dt.timedelta(seconds=rng.randint(0, 50)), host, f"CRON[{pid}]", f"pam_unix(cron:session): session closed for user {user}")]


def timers(host, t, rng):
    unit = rng.choice([("apt-daily.service", "Daily apt download activities"),
                       ("logrotate.service", "Rotate log files"),
                       ("man-db.service", "Daily man-db regeneration"),
                       ("systemd-tmpfiles-clean.service", "Cleanup of Temporary Directories")])
    return [line(t, host, "systemd[1]", f"Starting {unit[1]}..."),
            line(t + dt.timedelta(seconds=rng.randint(1, 40)), host, "systemd[1]", f"{unit[0]}: Deactivated successfully."),
            line(t + dt.timedelta(seconds=rng.randint(40, 60)), host, "systemd[1]", f"Finished {unit[1]}.")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=21)
    ap.add_argument("--hosts", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    start = dt.datetime(2025, 3, 3)
    events = []
    for h in range(a.hosts):
        host = Host(f"srv{h + 1:02d}", rng)
        admins = rng.sample(ADMINS, 3)
        for day in range(a.days):
            date = start + dt.timedelta(days=day)
            weekday = date.weekday() < 5
            for hour in range(24):
                t = date + dt.timedelta(hours=hour, minutes=rng.randint(0, 2), seconds=rng.randint(0, 59))
                events += cron_run(host, t, rng)
                if rng.random() < 0.15:
                    events += timers(host, t + dt.timedelta(minutes=rng.randint(5, 50)), rng)
                working = weekday and 8 <= hour < 19
                if rng.random() < (0.35 if working else 0.02):
                    visit = t + dt.timedelta(minutes=rng.randint(3, 55))
                    events += ssh_visit(host, visit, rng.choice(admins), rng)
    events.sort(key=lambda e: e[0])
    print("\n".join(text for _, text in events))


if __name__ == "__main__":
    main()
