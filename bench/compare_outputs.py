"""Runs every stage of two logward binaries on the same inputs and compares what they write.

    python3 bench/compare_outputs.py OLD_BINARY [NEW_BINARY]     (NEW defaults to target/release/logward)

For a change that must not alter behaviour (a restructuring, a speed-up): each case runs once
with each binary in its own empty folder, on the same inputs, and everything it produces is
compared byte for byte: stdout, stderr, the exit status and every file it writes (errors files,
template tables and states, risk reports, PNG charts, feature exports). The inputs of the later
stages are made once, by the old binary, from testdata/ and ../shared/data, so each stage is
compared on identical input. Prints one line per differing case and a total; exits 1 on any
difference.
"""
import glob
import re
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from common import DATA, ROOT

TESTDATA = os.path.join(ROOT, "testdata")
KEY = os.path.join(TESTDATA, "anonymize", "test.key")


def td(*parts):
    return os.path.join(TESTDATA, *parts)


def shared(pattern):
    return sorted(glob.glob(os.path.join(DATA, pattern), recursive=True))


def run(binary, args, cwd, stdin=None):
    env = dict(os.environ, LOGWARD_KEY="")
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as inp:
        p = subprocess.run([binary] + args, cwd=cwd, stdin=inp, capture_output=True, env=env)
    return p


# Timings a stage prints on stderr differ from run to run.
TIMING = re.compile(rb"[0-9.]+ ms per batch")


def files_of(folder):
    out = {}
    for dirpath, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, folder)] = hashlib.sha256(f.read()).hexdigest()
    return out


def loghub_formats():
    formats = {}
    with open(os.path.join(DATA, "loghub-2k", "formats.tsv")) as f:
        next(f)
        for line in f:
            name, fmt = line.rstrip("\n").split("\t", 1)
            formats[name] = fmt
    return formats


def make_inputs(old, work):
    """Events for the later stages, written by the old binary."""
    inputs = os.path.join(work, "inputs")
    os.makedirs(inputs)

    def parse_to(name, args):
        p = run(old, ["parse", "-q", "--year", "2023"] + args, inputs)
        assert p.returncode == 0, (name, p.stderr.decode())
        path = os.path.join(inputs, name)
        with open(path, "wb") as f:
            f.write(p.stdout)
        return path

    ins = {}
    ins["auth"] = parse_to(
        "auth.ndjson",
        shared("loghub-2k/OpenSSH/*_2k.log") + shared("loghub-2k/Linux/*_2k.log") + shared("filebeat/system/auth/*.log")
        + [td("parse", "auth.log"), td("parse", "syslog.log")],
    )
    ins["access"] = parse_to("access.ndjson", shared("access/*.log") + [td("parse", "access.log")])
    ins["mixed"] = parse_to(
        "mixed.ndjson",
        [td("parse", f) for f in ["auth.log", "syslog.log", "access.log", "iis.log", "events.json", "unknown.txt"]]
        + sorted(glob.glob(td("parse", "*.csv"))),
    )
    ins["tree"] = parse_to("tree.ndjson", ["--format", "csv"] + sorted(glob.glob(td("tree", "*.csv"))))
    ins["filebeat"] = parse_to("filebeat.ndjson", shared("filebeat/**/*-expected.json"))
    # The pipeline of the demo, for the stages that read what the others add.
    p = run(old, ["detect", "-q", ins["mixed"]], inputs)
    with open(os.path.join(inputs, "detected.ndjson"), "wb") as f:
        f.write(p.stdout)
    ins["detected"] = os.path.join(inputs, "detected.ndjson")
    p = run(old, ["score", "-q", ins["detected"]], inputs)
    assert p.returncode == 0, p.stderr.decode()
    with open(os.path.join(inputs, "scored.ndjson"), "wb") as f:
        f.write(p.stdout)
    ins["scored"] = os.path.join(inputs, "scored.ndjson")
    p = run(old, ["anonymize", "-q", "--key-file", KEY, ins["mixed"]], inputs)
    with open(os.path.join(inputs, "anonymized.ndjson"), "wb") as f:
        f.write(p.stdout)
    ins["anonymized"] = os.path.join(inputs, "anonymized.ndjson")
    p = run(old, ["detect", "-q", "--rules", os.path.join(DATA, "sigma", "rules"), ins["auth"]], inputs)
    with open(os.path.join(inputs, "auth-alerts.ndjson"), "wb") as f:
        f.write(p.stdout)
    ins["auth-alerts"] = os.path.join(inputs, "auth-alerts.ndjson")
    return ins


def cases(ins):
    """(name, args, stdin) for every stage; paths in args are absolute except side files."""
    out = []
    parse_files = [td("parse", f) for f in ["auth.log", "syslog.log", "access.log", "iis.log", "events.json", "unknown.txt", "hdfs.log"]]
    parse_files += sorted(glob.glob(td("parse", "*.csv"))) + [td("templates", "sshd.log")]
    for f in parse_files:
        out.append((f"parse {os.path.basename(f)}", ["parse", "--year", "2023", f], None))
    for t in ["1", "2"]:
        out.append((f"parse testdata all, {t} threads", ["parse", "--year", "2023", "--threads", t, "--errors", "rej.ndjson",
                    "--templates-out", "table.ndjson"] + parse_files, None))
    out.append(("parse --no-templates", ["parse", "--year", "2023", "--no-templates"] + parse_files, None))
    out.append(("parse frozen templates", ["parse", "--year", "2023", "--templates",
                os.path.join(ROOT, "models", "linux-auth.templates.json"), "--templates-frozen", td("parse", "auth.log")], None))
    out.append(("parse learn state", ["parse", "--year", "2023", "--templates", "state.json", td("parse", "auth.log")], None))
    out.append(("parse stdin", ["parse", "--year", "2023", "-"], td("parse", "auth.log")))
    out.append(("parse --format csv --map", ["parse", "--format", "csv", "--map", "proc=process.name"] + sorted(glob.glob(td("tree", "*.csv"))), None))
    formats = loghub_formats()
    for f in shared("loghub-2k/*/*_2k.log"):
        name = os.path.basename(os.path.dirname(f))
        out.append((f"parse loghub {name}", ["parse", "--year", "2023", "--threads", "2", f], None))
        if name in formats:
            out.append((f"parse loghub {name} --line-format", ["parse", "--year", "2023", "--line-format", formats[name], f], None))
    out.append(("parse access 10k", ["parse", "--threads", "2"] + shared("access/*.log"), None))
    out.append(("parse filebeat logs", ["parse", "--year", "2023", "--errors", "rej.ndjson"]
                + [f for f in shared("filebeat/**/*") if os.path.isfile(f) and not f.endswith(("-expected.json", ".txt", ".md"))], None))
    out.append(("parse filebeat expected (json)", ["parse"] + shared("filebeat/**/*-expected.json"), None))

    key = ["--key-file", KEY]
    for name in ["auth", "access", "mixed", "filebeat", "scored"]:
        out.append((f"anonymize {name}", ["anonymize"] + key + [ins[name]], None))
        out.append((f"anonymize {name} --risk-report -o", ["anonymize"] + key + ["--risk-report", "risk.json", "-o", "out.ndjson", ins[name]], None))
    for f in sorted(glob.glob(td("anonymize", "*.ndjson"))):
        out.append((f"anonymize {os.path.basename(f)}", ["anonymize"] + key + ["--threads", "2", f], None))
    out.append(("anonymize --shift-time --domain", ["anonymize"] + key + ["--shift-time", "--domain", "partner", ins["mixed"]], None))
    out.append(("anonymize --reveal", ["anonymize"] + key + ["--reveal", ins["anonymized"]], None))
    out.append(("anonymize --jitter", ["anonymize"] + key + ["--shift-time", "--jitter", "30", ins["auth"]], None))

    sigma = ["--rules", os.path.join(DATA, "sigma", "rules")]
    for name in ["auth", "access", "mixed", "filebeat", "anonymized"]:
        out.append((f"detect {name}", ["detect", ins[name]], None))
        out.append((f"detect {name} + sigma", ["detect", "--threads", "2"] + sigma + [ins[name]], None))
    for f in sorted(glob.glob(td("detect", "*.ndjson"))) + sorted(glob.glob(td("detect", "cases", "*.ndjson"))):
        out.append((f"detect {os.path.relpath(f, TESTDATA)}", ["detect", "--alerts-only", f], None))
    out.append(("detect custom rules", ["detect", "--rules", td("detect", "rules")] + sorted(glob.glob(td("detect", "*.ndjson"))), None))
    out.append(("detect --list-rules", ["detect", "--list-rules"] + sigma, None))
    out.append(("detect --work-hours --tz", ["detect", "--work-hours", "08:00-18:00", "--tz", "Europe/Berlin", ins["auth"]], None))

    for f in sorted(glob.glob(td("score", "*.ndjson"))):
        out.append((f"score {os.path.basename(f)}", ["score", f], None))
    out.append(("score hdfs model", ["score", "--model", "hdfs", td("score", "hdfs.ndjson")], None))
    out.append(("score auth", ["score", "--threads", "2", ins["auth"]], None))
    out.append(("score --export-features", ["score", "--export-features", "f.npz", "--session-field", "host.name,process.pid", ins["auth"]], None))

    out.append(("enrich alerts", ["enrich", td("enrich", "alerts.ndjson")], None))
    out.append(("enrich auth-alerts", ["enrich", ins["auth-alerts"]], None))
    geo = ["--geoip", td("geoip", "GeoIP2-City-Test.mmdb"), "--geoip", td("geoip", "GeoLite2-ASN-Test.mmdb"),
           "--ip-list", "tor=" + td("enrich", "tor.txt")]
    for name in ["mixed", "access", "scored"]:
        out.append((f"enrich {name} geoip+iplist", ["enrich"] + geo + [ins[name]], None))

    for fmt in ["text", "md", "ndjson", "dot"]:
        out.append((f"tree --pid 15150 {fmt}", ["tree", "--pid", "15150", "--format", fmt, ins["tree"]], None))
        out.append((f"tree edge cases {fmt}", ["tree", "--format", fmt, td("tree", "edge_cases.ndjson")], None))
    out.append(("tree --name --depth", ["tree", "--name", "powershell.exe", "--depth", "1", ins["tree"]], None))

    rejects = ["--rejects", td("report", "rejects.ndjson")]
    for fmt in ["md", "html", "json", "csv"]:
        out.append((f"report testdata {fmt}", ["report", "--format", fmt] + (rejects if fmt != "csv" else []) + [td("report", "events.ndjson")], None))
        out.append((f"report scored {fmt}", ["report", "--threads", "2", "--format", fmt, ins["scored"], ins["auth-alerts"]], None))
    out.append(("report --png-dir", ["report", "--png-dir", "charts", "--format", "json", ins["scored"]], None))
    out.append(("report csv --fields", ["report", "--format", "csv", "--fields", "@timestamp,source.ip,user.name", ins["auth"]], None))
    out.append(("report tree ndjson", ["report", os.path.join(ins["tree"])], None))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    old = os.path.abspath(sys.argv[1])
    new = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target", "release", "logward"))
    work = tempfile.mkdtemp(prefix="logward-compare-")
    ins = make_inputs(old, work)
    differ = 0
    all_cases = cases(ins)
    for n, (name, args, stdin) in enumerate(all_cases):
        results = []
        for which, binary in [("old", old), ("new", new)]:
            cwd = os.path.join(work, f"case{n}", which)
            os.makedirs(cwd)
            p = run(binary, args, cwd, stdin)
            results.append((p.returncode, p.stdout, TIMING.sub(b"T", p.stderr), files_of(cwd)))
        (rc_a, out_a, err_a, files_a), (rc_b, out_b, err_b, files_b) = results
        problems = []
        if rc_a != rc_b:
            problems.append(f"exit {rc_a} vs {rc_b}")
        if out_a != out_b:
            problems.append(f"stdout differs ({len(out_a)} vs {len(out_b)} bytes)")
        if err_a != err_b:
            problems.append("stderr differs:\n      old: " + err_a.decode(errors="replace")[-300:] + "\n      new: " + err_b.decode(errors="replace")[-300:])
        for f in sorted(set(files_a) | set(files_b)):
            if files_a.get(f) != files_b.get(f):
                problems.append(f"file {f} differs")
        if problems:
            differ += 1
            print(f"DIFF {name}: " + "; ".join(problems))
    print(f"{len(all_cases) - differ} of {len(all_cases)} cases identical (work folder {work})")
    if differ == 0:
        shutil.rmtree(work)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
