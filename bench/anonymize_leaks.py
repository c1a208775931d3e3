#!/usr/bin/env python3
"""Leak evaluation of `logward anonymize`: planted values must not survive in any form.

Two corpora, each of events with planted values recorded (kind, and whether --reveal must
restore the value):
  hand      testdata/anonymize/leaks/corpus.ndjson with planted.tsv: hand-written events
            in many shapes and encodings (auth, access, ECS, command lines of many tools,
            tokens, JSON and escaped strings in messages, percent-encoded and base64 text,
            Windows events, identifiers, adversarial shapes);
  generated events built here from templates with values nobody picked: random names and
            passwords, random tokens in each provider's published format (gitleaks' and
            trufflehog's rule sets), random IBANs with valid check digits, phone numbers,
            national ids, SIDs, addresses. `--seed N` repeats a run; the default seed is new
            each run and is printed.

For every planted value the output is searched for the value itself, in lower case, percent-
encoded and in base64 (whole tokens for the first two, substrings of 8 characters or more for
the encodings); a hit is a leak in every output event whose input held the value (a hit in an
event that never held it is a pseudonym that spells a short value by chance). Printed: leaked/planted per corpus (and which, with --show); the share of the
input's other tokens left untouched in their event (what anonymize must not destroy); and,
after `anonymize --reveal`, restored/reversible for the pseudonymized values (secrets are
removed by design) and the events that come back byte for byte.

Usage: bench/anonymize_leaks.py [--events N] [--seed N] [--show] [--bin PATH]
Exit status 1 when anything leaked.
"""
import argparse
import base64
import json
import os
import random
import re
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse

from common import BIN, ROOT

LEAKS = os.path.join(ROOT, "testdata", "anonymize", "leaks")
KEY = os.path.join(ROOT, "testdata", "anonymize", "test.key")


# ------------------------------------------------------------------ random values

class Gen:
    """Random values of each kind, from a seeded generator."""

    SYL = ["ka", "ri", "mo", "sel", "dan", "tor", "vi", "len", "bra", "ghe", "lu", "nor", "pe", "sta", "qui",
           "zan", "fel", "ix", "or", "ul", "mar", "ten", "sob", "ric", "hal", "jen", "wo", "yar", "dre", "cos"]

    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self, n=None):
        n = n or self.r.randint(2, 3)
        return "".join(self.r.choice(self.SYL) for _ in range(n))

    def first(self):
        return self.word(2).capitalize()

    def last(self):
        return self.word(3).capitalize()

    def user(self):
        style = self.r.randrange(5)
        f, l = self.word(2), self.word(3)
        return [f[0] + l, f"{f}.{l}", f"{l}{self.r.randint(1, 99)}", f"svc_{l}", f"{f}_{l[:4]}"][style]

    def password(self):
        n = self.r.randint(9, 16)
        chars = string.ascii_letters + string.digits + "!#%*-_.+@"
        while True:
            p = "".join(self.r.choice(chars) for _ in range(n))
            if any(c.isdigit() for c in p) and any(c.isalpha() for c in p):
                return p

    def host(self):
        return self.r.choice(["srv", "ws", "db", "app", "fs", "lt", "web"]) + "-" + self.word(2) + str(self.r.randint(1, 99))

    def domain(self):
        return self.word(2) + self.r.choice(["-corp", "-mail", "-net", "", "tech"]) + self.r.choice([".com", ".de", ".co.uk", ".io", ".fr", ".nl"])

    def ipv4(self):
        while True:
            a = self.r.randint(1, 223)
            if a not in (10, 127, 100, 169, 172, 192, 198, 203):
                return f"{a}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def ipv6(self):
        groups = [f"{self.r.randint(0x2001, 0x2c0f):x}"] + [f"{self.r.randint(1, 0xffff):x}" for _ in range(3)]
        return ":".join(groups) + "::" + f"{self.r.randint(1, 0xffff):x}"

    def pick(self, alphabet, n):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    # Provider formats (gitleaks rules / trufflehog detectors)
    def token(self):
        A, U, H, D = string.ascii_letters + string.digits, string.ascii_uppercase + "234567", "0123456789abcdef", string.digits
        kinds = [
            lambda: "AKIA" + self.pick(U, 16),
            lambda: "ASIA" + self.pick(U, 16),
            lambda: "AIza" + self.pick(A + "_-", 35),
            lambda: self.r.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + self.pick(A, 36),
            lambda: "github_pat_" + self.pick(A, 22) + "_" + self.pick(A, 59),
            lambda: "glpat-" + self.pick(A + "_-", 20),
            lambda: "xoxb-" + self.pick(D, 12) + "-" + self.pick(D, 13) + "-" + self.pick(A, 24),
            lambda: "xoxp-" + self.pick(D, 11) + "-" + self.pick(D, 11) + "-" + self.pick(D, 12) + "-" + self.pick(H, 32),
            lambda: self.r.choice(["sk_live_", "sk_test_", "rk_live_"]) + self.pick(A, 24),
            lambda: "SK" + self.pick(H, 32),
            lambda: "SG." + self.pick(A + "_-", 22) + "." + self.pick(A + "_-", 43),
            lambda: "npm_" + self.pick(A, 36),
            lambda: "pypi-AgEIcHlwaS5vcmc" + self.pick(A + "_-", 60),
            lambda: "sk-proj-" + self.pick(A, 58) + "T3BlbkFJ" + self.pick(A, 58),
            lambda: "hf_" + self.pick(string.ascii_letters, 34),
            lambda: "dop_v1_" + self.pick(H, 64),
            lambda: "shpat_" + self.pick(H, 32),
            lambda: "hvs." + self.pick(A + "_-", 90),
            lambda: self.pick(A, 3) + str(self.r.randint(0, 9)) + "Q~" + self.pick(A + "_~.-", 34),
            lambda: self.pick(D, 10) + ":AA" + self.pick(A + "_-", 33),
        ]
        return self.r.choice(kinds)()

    def secret(self):
        return self.pick(string.ascii_letters + string.digits + "/+", 40)

    def iban(self):
        country, length = self.r.choice([("DE", 22), ("FR", 27), ("NL", 18), ("ES", 24), ("IT", 27), ("GB", 22), ("BE", 16), ("AT", 20), ("PL", 28)])
        bban = self.pick(string.digits, length - 4)
        if country == "GB":
            bban = self.pick(string.ascii_uppercase, 4) + bban[4:]
        if country == "NL":
            bban = self.pick(string.ascii_uppercase, 4) + bban[4:]
        num = "".join(str(int(c, 36)) for c in bban + country + "00")
        check = 98 - int(num) % 97
        return f"{country}{check:02d}{bban}"

    def phone(self):
        cc = self.r.choice(["+1", "+44", "+49", "+33", "+34", "+39", "+31", "+48", "+358", "+353"])
        digits = self.pick(string.digits, self.r.randint(8, 10))
        digits = str(self.r.randint(2, 9)) + digits[1:]
        sep = self.r.choice([" ", "-", ""])
        return f"{cc} {digits[:3]}{sep}{digits[3:6]}{sep}{digits[6:]}"

    def ssn(self):
        while True:
            a = self.r.randint(1, 899)
            if a != 666:
                return f"{a:03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"

    def dni(self):
        n = self.r.randint(10_000_000, 99_999_999)
        return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"

    def sid_domain(self):
        return "-".join(str(self.r.randint(100_000_000, 4_000_000_000)) for _ in range(3))

    def mac(self):
        return ":".join(f"{self.r.randint(0, 255):02x}" for _ in range(6))


# ------------------------------------------------------------------ generated corpus

def generated(n, seed):
    """(events, planted) from templates; planted: (line, kind, reversible, value)."""
    g = Gen(seed)
    events, planted = [], []

    def add(event, *values, encoded=False):
        text = json.dumps(event, separators=(",", ":"))
        events.append(text)
        for kind, rev, v in values:
            # Only what the event holds (a template may use some of its values), unless the
            # values are there only encoded.
            if encoded or any(f in text for f in json_forms(v) | forms(v)):
                planted.append((len(events), kind, rev, v))

    templates = []

    def t(f):
        templates.append(f)
        return f

    @t
    def ssh():
        u, ip = g.user(), g.ipv4()
        add({"message": f"Failed password for invalid user {u} from {ip} port {g.r.randint(1024, 65535)} ssh2"}, ("user", True, u), ("ip", True, ip))

    @t
    def access():
        u, d = g.user(), g.domain()
        local = u.replace("_", ".")
        add({"url": {"original": f"/account?email={urllib.parse.quote(local + '@' + d, safe='')}&ref=nav", "path": "/account"}},
            ("user", True, local), ("domain", True, d.split(".")[0]))

    @t
    def double_encoded():
        u, d, tok = g.user(), g.domain(), g.pick(string.ascii_letters + string.digits, 20)
        q = urllib.parse.quote(urllib.parse.quote(f"{u}@{d}", safe=""), safe="")
        add({"message": f"GET /unsubscribe?addr={q}&sig={tok} HTTP/1.1"}, ("user", True, u), ("domain", True, d.split(".")[0]), ("secret", False, tok))

    @t
    def mysql():
        u, p, h = g.user(), g.password(), g.host()
        add({"process": {"command_line": f"mysql -h {h} -u {u} -p{p} app"}}, ("user", True, u), ("secret", False, p), ("host", True, h))

    @t
    def curl():
        u, p, d = g.user(), g.password(), g.domain()
        add({"process": {"command_line": f"curl -fsS -u {u}:{p} https://api.{d}/v1/ping"}}, ("user", True, u), ("secret", False, p), ("domain", True, d.split(".")[0]))

    @t
    def env():
        name = g.r.choice(["DB_PASSWORD", "API_TOKEN", "STRIPE_SECRET", "SERVICE_KEY", "PGPASSWORD", "REDIS_PASS"])
        p = g.password()
        add({"message": f"export {name}={p} && ./start.sh"}, ("secret", False, p))

    @t
    def tools():
        u, p, h, d = g.user(), g.password(), g.host(), g.word(2).upper()
        cmd = g.r.choice([
            f"sshpass -p {p} ssh {u}@{h} id",
            f"smbclient //{h}/share -U {d}\\{u}%{p}",
            f"redis-cli -h {h} -a {p} ping",
            f"docker login -u {u} -p {p} registry.{g.domain()}",
            f"htpasswd -b /etc/htpasswd {u} {p}",
            f"net user {u} {p} /add",
            f"mongo --host {h} -u {u} -p {p}",
            f"ldapsearch -x -h {h} -D cn={u},dc=example,dc=com -w {p}",
            f"psexec \\\\{h} -u {u} -p {p} cmd",
            f"openssl enc -aes-256-cbc -pass pass:{p} -in x",
            f"app --username {u} --password={p} --host {h}",
        ])
        add({"process": {"command_line": cmd}}, ("user", True, u), ("secret", False, p), ("host", True, h), ("host", True, d))

    @t
    def tokens():
        tok = g.token()
        ctx = g.r.choice(["found {t} in build log", "token={t}", "Authorization: Bearer {t}", "{{\"apiKey\": \"{t}\"}}", "using key {t}"])
        add({"message": ctx.format(t=tok)}, ("token", False, tok))

    @t
    def aws_secret():
        s = g.secret()
        add({"message": f"aws_secret_access_key = {s}"}, ("secret", False, s))

    @t
    def json_in_message():
        u, p = g.user(), g.password()
        add({"message": json.dumps({"event": "login", "user": u, "password": p})}, ("user", True, u), ("secret", False, p))

    @t
    def basic():
        u, p = g.user(), g.password()
        b = base64.b64encode(f"{u}:{p}".encode()).decode()
        add({"http": {"request": {"headers": {"x-original": f"Authorization: Basic {b}"}}}}, ("user", True, u), ("secret", False, p), encoded=True)

    @t
    def identifiers():
        kind, v = g.r.choice([("iban", g.iban()), ("phone", g.phone()), ("national_id", g.ssn()), ("national_id", g.dni())])
        add({"message": f"customer record {v} updated"}, (kind, True, v))

    @t
    def windows():
        u, h, d, ip = g.user(), g.host().upper(), g.word(2).upper(), g.ipv4()
        sid = g.sid_domain()
        add({"winlog": {"event_data": {"TargetUserName": u, "TargetDomainName": d, "TargetUserSid": f"S-1-5-21-{sid}-{g.r.randint(1000, 9999)}",
                                       "WorkstationName": h, "IpAddress": ip}},
             "message": f"An account was successfully logged on. Account Name: {u} Account Domain: {d} Workstation Name: {h}"},
            ("user", True, u), ("host", True, h), ("host", True, d), ("sid", True, sid.split("-")[0]), ("ip", True, ip))

    @t
    def domain_user_text():
        u, d, h = g.user(), g.word(2).upper(), g.host()
        add({"message": f"access denied for {d}\\{u} on \\\\{h}\\data"}, ("user", True, u), ("host", True, d), ("host", True, h))

    @t
    def profile():
        f, l = g.first(), g.last()
        add({"file": {"path": f"C:\\Users\\{f} {l}\\AppData\\Local\\Temp\\x.tmp"}}, ("name", True, f"{f} {l}"))

    @t
    def keys():
        ip, u = g.ipv4(), g.user()
        add({"counters": {ip: g.r.randint(1, 9), u: 1}, "user": {"name": u}}, ("ip", True, ip), ("user", True, u))

    @t
    def case_variants():
        u = g.user().replace(".", "")
        add({"user": {"name": u}, "message": f"{u.capitalize()} logged in; {u.upper()} left; {u}_old removed"}, ("user", True, u))

    @t
    def ipv6():
        ip = g.ipv6()
        add({"source": {"ip": ip}, "message": f"connection from {ip}"}, ("ip", True, ip))

    @t
    def mac():
        m = g.mac()
        add({"message": f"dhcp offer to {m}"}, ("mac", True, m[9:]))

    for _ in range(n):
        g.r.choice(templates)()
    return events, planted


# ------------------------------------------------------------------ evaluation

def token_re(v, flags=0):
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(v) + r"(?![A-Za-z0-9_])", flags)


def forms(v):
    """The planted value's encodings searched as substrings (those that differ from it)."""
    out = set()
    for s in [urllib.parse.quote(v, safe=""), urllib.parse.quote(urllib.parse.quote(v, safe=""), safe=""),
              base64.b64encode(v.encode()).decode().rstrip("="), base64.b64encode(v.encode("utf-16-le")).decode().rstrip("=")]:
        if s != v and len(s) >= 8:
            out.add(s)
    return out


def json_forms(v):
    """How the value looks inside a JSON string (escaped backslashes and quotes)."""
    return {json.dumps(v)[1:-1]}


def found(value, text, lower):
    """How `value` shows in `text` (`lower` is its lower case), or None."""
    for f in json_forms(value):
        if token_re(f).search(text):
            return "as is"
        if token_re(f.lower()).search(lower):
            return "lower case"
    for f in forms(value):
        if f in text:
            return "encoded"
    return None


def leaked(value, out_text, out_lower, in_lines, out_lines):
    """How `value` leaked, or None. The whole output is searched; a hit counts in an output
    line whose input line holds the value (in any case or encoding): text that was not in an
    event's input can only be a pseudonym anonymize wrote, which may spell a short planted
    value of another event by chance (a 4-letter domain `WOUL` inside the user pseudonym
    `woul.awsgjfcz`) and is not a leak."""
    if found(value, out_text, out_lower) is None:
        return None
    v = value.lower()
    for inp, out in zip(in_lines, out_lines):
        low = inp.lower()
        if v not in low and not any(f.lower() in low for f in json_forms(value) | forms(value)) \
                and not any(v in t.lower() for t in decoded_blobs(inp)):
            continue
        how = found(value, out, out.lower())
        if how:
            return how
    return "collision"


def decoded_blobs(text):
    """The text of base64 blobs in `text` (Basic credentials, -EncodedCommand, echo | base64 -d)."""
    out = []
    for blob in re.findall(r"[A-Za-z0-9+/]{12,}={0,2}", text):
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4))
        except ValueError:
            continue
        for enc in ("utf-8", "utf-16-le"):
            try:
                out.append(raw.decode(enc))
            except UnicodeDecodeError:
                pass
    return out


def present(v, line):
    """Whether the revealed line holds `v` as it was written: as is, encoded, or in base64."""
    if any(f in line for f in json_forms(v) | forms(v)):
        return True
    return any(v in t for t in decoded_blobs(line))


def words(v):
    return set(re.findall(r"[A-Za-z0-9_.-]+", v))


def strings(x):
    if isinstance(x, dict):
        for k, v in x.items():
            yield k
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)
    elif isinstance(x, str):
        yield x


def untouched(inp_lines, out_lines, planted):
    """Tokens of each input event that belong to no planted value (the planted values, and
    base64 blobs holding them, taken out first): the share of them found unchanged in the
    same event's output."""
    by_line = {}
    for line, _, _, v in planted:
        by_line.setdefault(line, []).append(v)
    kept = total = 0
    for n, (a, b) in enumerate(zip(inp_lines, out_lines), 1):
        values = sorted(by_line.get(n, []), key=len, reverse=True)
        out_words = set().union(*(words(s) for s in strings(json.loads(b))))
        for s in strings(json.loads(a)):
            for v in values:
                s = re.sub(re.escape(v), " ", s, flags=re.I)
            for w in words(s):
                if len(w) < 3 or any(v.lower() in t.lower() for t in decoded_blobs(w) for v in values):
                    continue
                total += 1
                kept += w in out_words
    return kept, total


def run(binary, args, stdin):
    """The output, and the numbers of the input lines anonymize rejected (written nowhere)."""
    with tempfile.TemporaryDirectory() as tmp:
        errors = os.path.join(tmp, "errors.ndjson")
        p = subprocess.run([binary, "anonymize", "-q", "--key-file", KEY, "--errors", errors] + args,
                           input=stdin, capture_output=True)
        if p.returncode != 0:
            sys.exit(f"logward anonymize failed: {p.stderr.decode()}")
        rejected = set()
        if os.path.exists(errors):
            with open(errors) as f:
                rejected = {json.loads(l)["line"] for l in f if l.strip()}
    return p.stdout, rejected


def realign(lines, rejected, n):
    """`lines` written for `n` input lines, with "" where a line was rejected."""
    it = iter(lines)
    return [("" if k in rejected else next(it)) for k in range(1, n + 1)]


def evaluate(name, lines, planted, binary, show):
    inp = ("\n".join(lines) + "\n").encode()
    out, rejected = run(binary, [], inp)
    out_lines = realign(out.decode().splitlines(), rejected, len(lines))
    out_text = out.decode()
    out_lower = out_text.lower()
    leaks, collisions = [], []
    for line, kind, rev, v in planted:
        how = leaked(v, out_text, out_lower, lines, out_lines)
        if how == "collision":
            collisions.append((line, kind, v))
        elif how:
            leaks.append((line, kind, v, how))
    kept, total = untouched([l for n, l in enumerate(lines, 1) if n not in rejected],
                            [l for n, l in enumerate(out_lines, 1) if n not in rejected],
                            [(line - sum(1 for r in rejected if r < line), k, rev, v)
                             for line, k, rev, v in planted if line not in rejected])
    back, _ = run(binary, ["--reveal"], out)
    back = realign(back.decode().splitlines(), rejected, len(lines))
    # Values of rejected lines are written nowhere: nothing to restore.
    reversible = [(line, v) for line, _, rev, v in planted if rev and line not in rejected]
    restored = sum(1 for line, v in reversible if present(v, back[line - 1]))
    secret_lines = {line for line, _, rev, _ in planted if not rev}
    whole = [n for n in range(1, len(lines) + 1) if n not in secret_lines and n not in rejected]
    identical = sum(1 for n in whole if back[n - 1] == lines[n - 1])
    print(f"{name:<10} {len(lines):>6} events  leaked {len(leaks):>3} / {len(planted):<5} planted   "
          f"untouched {kept}/{total} = {kept / max(total, 1):.3f}   "
          f"--reveal restored {restored}/{len(reversible)}, events byte-identical {identical}/{len(whole)}"
          f"   (pseudonyms spelling a planted value: {len(collisions)}; lines rejected: {len(rejected)})")
    if show or leaks:
        for line, kind, v, how in leaks[:50]:
            print(f"  leak: line {line} {kind} {how}: {v}")
        for line, kind, v in collisions[:50] if show else []:
            print(f"  pseudonym of another event spells: line {line} {kind}: {v}")
        if show:
            for line, v in reversible:
                if not present(v, back[line - 1]):
                    print(f"  not restored: line {line}: {v}")
    return len(leaks), restored == len(reversible)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=2000, help="generated events (default 2000)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--show", action="store_true", help="list what leaked and what --reveal did not restore")
    ap.add_argument("--bin", default=BIN)
    args = ap.parse_args()
    if args.bin == BIN and not os.environ.get("LOGWARD_NO_BUILD"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    seed = args.seed if args.seed is not None else int(time.time())
    with open(os.path.join(LEAKS, "corpus.ndjson")) as f:
        hand_lines = [l.rstrip("\n") for l in f if l.strip()]
    hand_planted = []
    with open(os.path.join(LEAKS, "planted.tsv")) as f:
        for l in f:
            if l.startswith("#") or not l.strip():
                continue
            line, kind, rev, v = l.rstrip("\n").split("\t", 3)
            hand_planted.append((int(line), kind, rev == "yes", v))
    gen_lines, gen_planted = generated(args.events, seed)
    print(f"logward anonymize leak evaluation (generated corpus: seed {seed})")
    total_leaks = 0
    ok = True
    for name, lines, planted in [("hand", hand_lines, hand_planted), ("generated", gen_lines, gen_planted)]:
        n, restored = evaluate(name, lines, planted, args.bin, args.show)
        total_leaks += n
        ok &= restored
    sys.exit(1 if total_leaks or not ok else 0)


if __name__ == "__main__":
    main()
