#!/usr/bin/env python3
"""logward on Apache Spark: the pipeline you would write in a shell, run on executors.

    spark-submit --master yarn --files logward,team.key,auth.templates.json \\
        spark/logward_spark.py --output hdfs:///logs/out/2023 \\
        --pipeline 'parse --year 2023 --templates {auth.templates.json} --templates-frozen
                    | anonymize --key-file {team.key} | detect | score' \\
        'hdfs:///logs/raw/2023/*.gz'

gives the events and alerts of

    logward parse --year 2023 --templates auth.templates.json --templates-frozen 2023/*.gz \\
      | logward anonymize --key-file team.key | logward detect | logward score

The logward binary runs unchanged on the executors (shipped with --files, or on their PATH);
`{NAME}` in the pipeline is a file shipped with --files (or a path the executors can read).
How each stage is distributed:

- `parse` and the stages right after it that need no state (`enrich`, `anonymize`) run
  together in one task per input file: a file keeps its own state (format, year rollover,
  W3C headers) as on one machine, and `log.file.path` is the path as given.
- `enrich` and `anonymize` later in the pipeline run on the partitions as they are.
- `detect`: `logward detect --print-partition-key` names the key families of the rules;
  for each family the events are repartitioned by its key and sorted by @timestamp (ties
  in input order), and `detect --partition-family K` runs on each partition. The first pass
  also writes the single rules' alerts; the others only their correlations' alerts. Alerts
  follow the event that completed them, and their `logward.detect.events` name the events
  as one machine would (the input file and line, or `<stdin>` and the position in the
  stream for a stage after the first).
- `score`: partitioned by the model's session field (`logward score --print-session-field`),
  each session in input order.
- `report` (last): each partition writes a partial summary (`report --partial`), and the
  driver merges them (`report --merge`) into the report.

Run `spark-submit spark/logward_spark.py --help` for the options.
"""

import argparse
import calendar
import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import zlib

MAP_STAGES = ("enrich", "anonymize")
KNOWN_STAGES = ("parse", "enrich", "anonymize", "detect", "score", "report")
# Records are (seq, line): seq orders them as one machine would write them (a tuple of
# ints: input file, index, then one level per stage that adds records); rejected-line
# records carry REJECT as their seq and travel beside the events.
REJECT = (-1,)
# Session records (`score --emit sessions`) come after every event.
LAST = 1 << 62
STDIN = "<stdin>"
# Flags the job owns: it sets them per task, or they would need a merge it does not do.
OWNED_FLAGS = {
    "-o": "the job writes the output: give --output to the job (report: -o is the merged report)",
    "--output": "the job writes the output: give --output to the job (report: -o is the merged report)",
    "--errors": "give --errors to the job: it collects every stage's rejected lines",
    "--templates-out": "each executor would write its own table: write the table from a sample on one machine",
    "--risk-report": "a risk report needs every event in one process: run anonymize --risk-report on one machine",
    "--export-features": "export training features on one machine",
    "--new-key": "create the key on one machine: logward anonymize --new-key FILE",
    "--list-rules": "run it on one machine",
    "--print-partition-key": "the job runs it itself",
    "--print-session-field": "the job runs it itself",
    "--partition-family": "the job sets it per pass",
    "--rotated": "give --rotated to the job: it orders the input files",
}


class JobError(Exception):
    """A mistake in the job's arguments or inputs: one line saying what to do."""


# ----------------------------------------------------------------------------- pipeline


def split_pipeline(text):
    """`parse --year 2023 | detect` -> [["parse", "--year", "2023"], ["detect"]]."""
    lex = shlex.shlex(text, posix=True, punctuation_chars="|")
    lex.whitespace_split = True
    stages, cur = [], []
    for tok in lex:
        if tok == "|":
            stages.append(cur)
            cur = []
        elif tok == "||" or (set(tok) == {"|"}):
            raise JobError(f"--pipeline: '{tok}' is not a pipe between two stages")
        else:
            cur.append(tok)
    stages.append(cur)
    out = []
    for argv in stages:
        if argv and os.path.basename(argv[0]) == "logward":
            argv = argv[1:]
        if not argv:
            raise JobError("--pipeline: an empty stage (two pipes in a row, or a pipe at an end)")
        out.append(argv)
    return out


def flag_value(argv, name):
    """The value of `--name V` or `--name=V` (the last one given), else None."""
    value = None
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif a.startswith(name + "="):
            value = a[len(name) + 1 :]
    return value


def has_flag(argv, *names):
    return any(a in names or any(a.startswith(n + "=") for n in names if n.startswith("--")) for a in argv)


def without_flags(argv, with_value=(), plain=()):
    """argv without the given flags (and the values of those that take one)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in with_value:
            skip = True
            continue
        if any(a.startswith(f + "=") for f in with_value) or a in plain:
            continue
        out.append(a)
    return out


def check_stages(stages, learn_templates):
    names = [s[0] for s in stages]
    for i, (name, argv) in enumerate(zip(names, stages)):
        if name == "tree":
            raise JobError(
                "--pipeline: tree holds its whole input in one process: run it on one host's or one case's "
                "events after the job (e.g. logward tree --pid N part-*)"
            )
        if name not in KNOWN_STAGES:
            raise JobError(f"--pipeline: unknown stage '{name}' (stages: {', '.join(KNOWN_STAGES)})")
        if name == "parse" and i > 0:
            raise JobError("--pipeline: parse reads raw logs, so it can only be the first stage")
        if name == "report" and i < len(stages) - 1:
            raise JobError("--pipeline: report writes a summary, so it can only be the last stage")
        for flag, why in OWNED_FLAGS.items():
            if name == "report" and flag in ("-o", "--output"):
                continue
            if has_flag(argv[1:], flag):
                raise JobError(f"--pipeline: {name} {flag}: {why}")
        if name == "parse" and not has_flag(argv, "--no-templates") and not learn_templates:
            if not (has_flag(argv, "--templates") and has_flag(argv, "--templates-frozen")):
                raise JobError(
                    "--pipeline: parse learns templates as it reads, so executors would give the same message "
                    "different ids: give a frozen state (parse --templates {state.json} --templates-frozen, the "
                    "state shipped with --files), let the job learn one (--learn-templates SAMPLE), or "
                    "--no-templates"
                )
        if name == "report" and has_flag(argv, "--format") and flag_value(argv, "--format") == "csv":
            raise JobError("--pipeline: report --format csv is one row per event: write the events with --output")


# ---------------------------------------------------------------------------- executors


def spark_file(name):
    """A file shipped with --files / SparkContext.addFile, else a path as given."""
    try:
        from pyspark import SparkFiles

        p = SparkFiles.get(name)
        if os.path.exists(p):
            return p
    except Exception:  # outside a Spark task, or no SparkContext yet
        pass
    if os.path.exists(name):
        return os.path.abspath(name)
    return None


_PLACEHOLDER = re.compile(r"\{([\w.+-][\w.+/-]*)\}")


def resolve_args(argv):
    """Replaces `{NAME}` with the path of the shipped file NAME."""

    def sub(m):
        p = spark_file(m.group(1))
        if p is None:
            raise JobError(f"'{m.group(1)}' is not on this machine: ship it with spark-submit --files (or sc.addFile)")
        return p

    out = [_PLACEHOLDER.sub(sub, a) for a in argv]
    # A shipped key file arrives with the mode Spark gives every file (readable by all):
    # this copy is the task's own, so it is made private before logward reads it.
    for i, a in enumerate(argv[:-1]):
        if a == "--key-file" and out[i + 1] != argv[i + 1]:
            try:
                os.chmod(out[i + 1], 0o600)
            except OSError:
                pass
    return out


_BINARY_CACHE = {}


def logward_binary(spec):
    """The logward executable: a shipped file, a path, or a name on PATH; made executable."""
    if spec in _BINARY_CACHE:
        return _BINARY_CACHE[spec]
    path = spark_file(spec) or shutil.which(spec)
    if path is None:
        raise JobError(
            f"no logward binary '{spec}' here: ship it (spark-submit --files target/release/logward) "
            "or install it on every executor's PATH"
        )
    if not os.access(path, os.X_OK):
        try:
            os.chmod(path, 0o755)
        except OSError:
            copy = os.path.join(tempfile.mkdtemp(prefix="logward-bin-"), "logward")
            shutil.copy(path, copy)
            os.chmod(copy, 0o755)
            path = copy
    _BINARY_CACHE[spec] = path
    return path


def file_entry(files, uri):
    """The job's entry for a path as binaryFiles names it (file:/x and file:///x alike)."""
    if uri in files:
        return files[uri]
    norm = lambda u: re.sub(r"^([A-Za-z][\w+.-]*):/+", r"\1:///", u)
    for k, v in files.items():
        if norm(k) == norm(uri):
            return v
    raise RuntimeError(f"logward-spark: {uri} is not one of the job's inputs")


def task_tmpdir():
    roots = [d for d in os.environ.get("SPARK_LOCAL_DIRS", "").split(",") if d and os.path.isdir(d)]
    return tempfile.mkdtemp(prefix="logward-", dir=roots[0] if roots else None)


def run_chain(conf, commands, input_path, tmp, key_env=None):
    """Runs `logward c1 INPUT | logward c2 | ...`, each with --errors; returns the output
    path and each command's rejected-line records."""
    binary = logward_binary(conf["logward"])
    out_path = os.path.join(tmp, "out.ndjson")
    procs, errs, logs = [], [], []
    env = dict(os.environ)
    if key_env is not None:
        env["LOGWARD_KEY"] = key_env
    stdin = None
    for i, argv in enumerate(commands):
        argv = resolve_args(argv)
        err = os.path.join(tmp, f"err{i}.ndjson")
        log = open(os.path.join(tmp, f"log{i}.txt"), "wb")
        extra = ["--errors", err]
        if not has_flag(argv, "--threads"):
            extra += ["--threads", str(conf["threads"])]
        if conf.get("quiet") and not has_flag(argv, "-q", "--quiet"):
            extra.append("-q")
        cmd = [binary] + argv + extra + ([input_path] if i == 0 else ["-"])
        last = i == len(commands) - 1
        stdout = open(out_path, "wb") if last else subprocess.PIPE
        p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=log, env=env)
        if stdin is not None:
            stdin.close()  # the next process holds it now
        if last:
            stdout.close()
        stdin = p.stdout
        procs.append((p, argv))
        errs.append(err)
        logs.append(log)
    failed = None
    for (p, argv), log in zip(procs, logs):
        rc = p.wait()
        log.close()
        text = open(log.name, "rb").read().decode("utf-8", "replace")
        if text:
            sys.stderr.write(text)
        if rc != 0 and failed is None:
            failed = f"logward {argv[0]} exited with status {rc}: {text.strip().splitlines()[-1] if text.strip() else ''}"
    if failed:
        raise RuntimeError(failed)
    rejects = []
    for err in errs:
        rows = []
        if os.path.exists(err):
            with open(err, "rb") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        rejects.append(rows)
    return out_path, rejects


def read_lines(path):
    with open(path, "rb") as f:
        for line in f:
            yield line.rstrip(b"\n")


def write_input(path, lines):
    with open(path, "wb") as f:
        for line in lines:
            f.write(line)
            f.write(b"\n")


def reject_record(row, file_name=None, line=None):
    if file_name is not None:
        row["file"] = file_name
    if line is not None:
        row["line"] = line
    return (REJECT, json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())


def survivors(seqs, rejects):
    """The seqs of the lines a 1:1 stage wrote, given the line numbers it rejected."""
    gone = {int(r["line"]) for r in rejects if "line" in r}
    return [s for k, s in enumerate(seqs, 1) if k not in gone] if gone else seqs


def per_file_task(conf, commands):
    """A task over (uri, bytes) input files: each file through the whole chain."""
    files = conf["files"]

    def run(items):
        for uri, data in items:
            f, display, mtime = file_entry(files, uri)
            tmp = task_tmpdir()
            try:
                # The whole name below the task's folder: what parse reads in a path
                # (nginx in it, say) is there as on one machine.
                parts = [("%2e%2e" if c == ".." else c) for c in display.split("/") if c not in ("", ".")]
                local = os.path.join(tmp, "in", *parts) if parts else os.path.join(tmp, "in", "input")
                os.makedirs(os.path.dirname(local), exist_ok=True)
                with open(local, "wb") as out:
                    out.write(data)
                del data
                if mtime is not None:
                    os.utime(local, (mtime, mtime))
                out_path, rejects = run_chain(conf, commands, local, tmp, conf.get("key"))
                # The first command read the file: its path as the user gave it, in every
                # byte that names it (log.file.path, rejected-line records).
                local_json = json.dumps(local)[1:-1].encode()
                display_json = json.dumps(display, ensure_ascii=False)[1:-1].encode()
                for row in rejects[0]:
                    yield reject_record(row, file_name=display)
                for rows in rejects[1:]:
                    for row in rows:
                        yield reject_record(row, file_name=STDIN)
                n = 0
                for line in read_lines(out_path):
                    if local_json in line:
                        line = line.replace(b'"' + local_json + b'"', b'"' + display_json + b'"')
                    yield ((f, n), line)
                    n += 1
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    return run


def map_task(conf, commands):
    """A task running 1:1 stages over a partition's records (in the order they come)."""

    def run(items):
        tmp = task_tmpdir()
        try:
            seqs, lines = [], []
            for seq, line in items:
                if seq == REJECT:
                    yield (seq, line)
                else:
                    seqs.append(seq)
                    lines.append(line)
            if not seqs:
                return
            inp = os.path.join(tmp, "in.ndjson")
            write_input(inp, lines)
            del lines
            out_path, rejects = run_chain(conf, commands, inp, tmp, conf.get("key"))
            for rows in rejects:
                seqs = survivors(seqs, rows)
                for row in rows:
                    yield reject_record(row, file_name=STDIN)
            for seq, line in zip(seqs, read_lines(out_path)):
                yield (seq, line)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return run


def dumps_compact(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode()


def relink_alert(line, origins):
    """Points an alert's `logward.detect.events` from the task's input lines to the events'
    places as one machine names them. Returns (index of the completing event, line)."""
    alert = json.loads(line)
    refs = alert.get("logward", {}).get("detect", {}).get("events") or []
    nums = [r.get("line") for r in refs if isinstance(r.get("line"), int)]
    if not nums:
        return None, line
    anchor = max(nums) - 1
    new = []
    for r in refs:
        r2 = dict(r)
        if isinstance(r.get("line"), int) and 0 < r["line"] <= len(origins):
            r2["file"], r2["line"] = origins[r["line"] - 1]
        new.append(r2)
    old_b, new_b = dumps_compact(refs), dumps_compact(new)
    if line.count(old_b) != 1:
        raise RuntimeError("logward-spark: cannot find an alert's event references in its line")
    return anchor, line.replace(old_b, new_b)


def detect_task(conf, argv, family, pass_no):
    """A task running one detect pass over a partition sorted by time."""

    def run(items):
        tmp = task_tmpdir()
        try:
            seqs, lines, origins = [], [], []
            for _key, (seq, line, origin) in items:
                seqs.append(seq)
                lines.append(line)
                origins.append(origin)
            if not seqs:
                return
            inp = os.path.join(tmp, "in.ndjson")
            write_input(inp, lines)
            del lines
            cmd = list(argv)
            if not has_flag(cmd, "--alerts-only"):
                cmd.append("--alerts-only")
            if family is not None:
                cmd += ["--partition-family", str(family)]
            if pass_no > 1:
                cmd.append("--correlations-only")
            out_path, rejects = run_chain(conf, [cmd], inp, tmp)
            if pass_no == 1:
                for row in rejects[0]:
                    k = row.get("line")
                    if isinstance(k, int) and 0 < k <= len(origins):
                        yield reject_record(row, *origins[k - 1])
                    else:
                        yield reject_record(row)
            j = 0
            last = None
            for line in read_lines(out_path):
                anchor, line = relink_alert(line, origins)
                if anchor is None:
                    anchor = last if last is not None else 0
                last = anchor
                yield (seqs[anchor] + (pass_no, j), line)
                j += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return run


def sequential_task(conf, argv, emit_sessions):
    """A task running score over a partition: each session's events in input order."""

    def run(index, items):
        tmp = task_tmpdir()
        try:
            recs = []
            for _key, (seq, line, origin) in items:
                recs.append((seq, line, origin))
            if not recs:
                return
            recs.sort(key=lambda r: r[0])
            inp = os.path.join(tmp, "in.ndjson")
            write_input(inp, (r[1] for r in recs))
            out_path, rejects = run_chain(conf, [argv], inp, tmp)
            seqs = [r[0] for r in recs]
            for row in rejects[0]:
                k = row.get("line")
                origin = recs[k - 1][2] if isinstance(k, int) and 0 < k <= len(recs) else (None, None)
                yield reject_record(row, *origin)
            seqs = survivors(seqs, rejects[0])
            if emit_sessions:
                for j, line in enumerate(read_lines(out_path)):
                    yield ((LAST, index, j), line)
            else:
                for seq, line in zip(seqs, read_lines(out_path)):
                    yield (seq, line)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return run


def partial_report_task(conf):
    def run(items):
        tmp = task_tmpdir()
        try:
            recs = sorted(((s, l) for s, l in items if s != REJECT), key=lambda r: r[0])
            inp = os.path.join(tmp, "in.ndjson")
            write_input(inp, (r[1] for r in recs))
            part = os.path.join(tmp, "part.json")
            binary = logward_binary(conf["logward"])
            # On standard input, as the pipe's report reads it: events that name no file of
            # their own (alerts) are counted under <stdin>, not this task's temporary file.
            cmd = [binary, "report", "--partial", "-q", "-o", part, "-"]
            with open(inp, "rb") as stdin:
                res = subprocess.run(cmd, stdin=stdin, stderr=subprocess.PIPE)
            if res.returncode != 0:
                raise RuntimeError(f"logward report --partial exited with status {res.returncode}: {res.stderr.decode()}")
            with open(part, "rb") as f:
                yield f.read()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return run


# -------------------------------------------------------------------- keys and timestamps

_MISSING = object()


def parse_event(line):
    """The event as a dict; {} for a line logward will reject (it still goes to a task,
    which rejects it with its reason)."""
    try:
        ev = json.loads(line)
    except ValueError:
        return {}
    return ev if isinstance(ev, dict) else {}


def lookup(obj, parts):
    """A dotted path in an event with nested or dotted keys (`source.ip` in either form)."""
    if not parts:
        return obj
    if not isinstance(obj, dict):
        return _MISSING
    for i in range(len(parts), 0, -1):
        k = ".".join(parts[:i])
        if k in obj:
            r = lookup(obj[k], parts[i:])
            if r is not _MISSING:
                return r
    return _MISSING


def text_of(v):
    """A field's value as logward compares it (equal values give equal text)."""
    if v is _MISSING or v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


_ISO = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,]\d+)?(Z|z|[+-]\d\d(?::?\d\d)?)?")


def epoch_seconds(ts):
    """@timestamp to whole seconds (UTC when it has no offset), as detect reads it."""
    if not isinstance(ts, str):
        return None
    m = _ISO.match(ts.encode())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        t = calendar.timegm((y, mo, d, h, mi, min(s, 59), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    off = m.group(7)
    if off and off not in (b"Z", b"z"):
        sign = -1 if off[:1] == b"-" else 1
        digits = off[1:].replace(b":", b"")
        t -= sign * (int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0))
    return t


def bucket(text, n):
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % n


# ---------------------------------------------------------------------------------- driver


def expand_inputs(spark, inputs, rotated):
    """Input paths and globs (any Hadoop file system) -> [(uri, display, mtime)], in the
    order logward would read them."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    out = []
    for arg in inputs:
        path = jvm.org.apache.hadoop.fs.Path(arg)
        fs = path.getFileSystem(conf)
        if any(c in arg for c in "*?[") and not fs.exists(path):
            statuses = [s for s in (fs.globStatus(path) or []) if s.isFile()]
            if not statuses:
                raise JobError(f"no file matches '{arg}'")
            found = [(s.getPath().toString(), display_of(arg, s, fs), s.getModificationTime() / 1000.0) for s in statuses]
            found.sort(key=lambda t: t[1].split("/"))
            out.extend(found)
        else:
            try:
                s = fs.getFileStatus(path)
            except Exception:
                raise JobError(f"cannot read '{arg}': no such file")
            if s.isDirectory():
                raise JobError(f"'{arg}' is a directory: name the files in it (e.g. '{arg}/*.log')")
            out.append((s.getPath().toString(), arg, s.getModificationTime() / 1000.0))
    if rotated:
        out = order_rotated(out)
    seen = set()
    for uri, _, _ in out:
        if uri in seen:
            raise JobError(f"'{uri}' is named twice: the job reads each file once")
        seen.add(uri)
    return out


def display_of(pattern, status, fs):
    """A glob match named as logward names it: in the form of the pattern."""
    if re.match(r"^[A-Za-z][\w+.-]*:", pattern):
        return status.getPath().toString()
    p = status.getPath().toUri().getPath()
    if pattern.startswith("/"):
        return p
    wd = fs.getWorkingDirectory().toUri().getPath().rstrip("/") + "/"
    rel = p[len(wd) :] if p.startswith(wd) else p
    return ("./" + rel) if pattern.startswith("./") else rel


def rotation_key(name):
    stem = name
    for ext in (".gz", ".zst", ".zstd"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    base, _, num = stem.rpartition(".")
    if base and num and len(num) <= 4 and num.isdigit():
        return base, int(num)
    return stem, 0


def order_rotated(found):
    families = []
    for _, display, _ in found:
        b = rotation_key(display)[0]
        if b not in families:
            families.append(b)

    def key(t):
        b, n = rotation_key(t[1])
        return (families.index(b), (1 << 32) - n, t[1])

    return sorted(found, key=key)


def run_driver(binary, argv, what):
    res = subprocess.run([binary] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise JobError(f"{what}: logward exited with status {res.returncode}: {res.stderr.decode().strip()}")
    return res.stdout.decode()


class Job:
    def __init__(self, spark, pipeline, inputs, logward="logward", output=None, errors=None, ordered=False,
                 partitions=None, rotated=False, learn_templates=None, threads=None, quiet=False):
        self.spark = spark
        self.sc = spark.sparkContext
        self.stages = split_pipeline(pipeline)
        check_stages(self.stages, learn_templates)
        if not inputs:
            raise JobError("no inputs: name the files or globs to read (any Hadoop file system)")
        self.inputs = inputs
        self.output = output
        self.errors = errors
        self.ordered = ordered
        self.rotated = rotated
        self.learn_templates = learn_templates
        self.partitions = partitions or self.sc.defaultParallelism
        self.logward = logward
        self.quiet = quiet
        here = os.path.abspath(__file__)
        if here not in getattr(self.sc, "_logward_pyfiles", set()):
            self.sc.addPyFile(here)
            self.sc._logward_pyfiles = getattr(self.sc, "_logward_pyfiles", set()) | {here}
        cpus = int(self.sc.getConf().get("spark.task.cpus", "1"))
        self.threads = threads or cpus
        self.binary = logward_binary(logward)
        self.summary = {}

    def conf(self, **extra):
        c = {"logward": self.logward, "threads": self.threads, "quiet": self.quiet}
        c.update(extra)
        return c

    # -- the first stage

    def learn(self, parse_argv):
        """Learns a template state on a sample on the driver; ships it frozen."""
        if has_flag(parse_argv, "--no-templates"):
            raise JobError("--learn-templates: the pipeline's parse has --no-templates, so there is nothing to learn")
        tmp = tempfile.mkdtemp(prefix="logward-templates-")
        state = os.path.join(tmp, "logward-learned.templates.json")
        argv = without_flags(parse_argv, with_value=("--templates",), plain=("--templates-frozen",))
        run_driver(self.binary, argv + ["-q", "--templates", state, "-o", os.devnull] + list(self.learn_templates),
                   "--learn-templates")
        self.sc.addFile(state)
        return argv + ["--templates", "{logward-learned.templates.json}", "--templates-frozen"]

    def read_files(self, files, commands):
        """One task per input file through `commands` (the first reads the file)."""
        conf = self.conf(files={u: (i, d, m) for i, (u, d, m) in enumerate(files)}, key=self.key_for(commands))
        rdd = self.sc.binaryFiles(",".join(u for u, _, _ in files), minPartitions=max(1, len(files)))
        return rdd.mapPartitions(per_file_task(conf, commands))

    def read_ndjson(self, files):
        """NDJSON input lines for a first stage that needs partitioning: seq = (file, line)."""
        index = {u: (i, None, None) for i, (u, _, _) in enumerate(files)}

        def lines(item):
            uri, data = item
            f = file_entry(index, uri)[0]
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            elif data[:4] == b"\x28\xb5\x2f\xfd":
                try:
                    import zstandard
                except ImportError:
                    raise RuntimeError(f"{uri} is zstd-compressed: install the zstandard package or decompress it")
                data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            for n, line in enumerate(data.split(b"\n"), 1):
                line = line.rstrip(b"\r")
                if line.strip():
                    yield ((f, n), line)

        rdd = self.sc.binaryFiles(",".join(u for u, _, _ in files), minPartitions=max(1, len(files)))
        return rdd.flatMap(lines)

    def key_for(self, commands):
        """LOGWARD_KEY from the driver's environment, for anonymize without --key-file (it
        reaches the tasks inside the job's closure, never on a command line or in a log)."""
        if any(c[0] == "anonymize" and not has_flag(c, "--key-file") for c in commands):
            key = os.environ.get("LOGWARD_KEY")
            if not key:
                raise JobError("anonymize needs a key: --key-file {team.key} (shipped with --files) or LOGWARD_KEY set for the driver")
            return key
        return None

    # -- positions

    def origins(self, rdd, mode, displays, contiguous):
        """Each record with its place as one machine's next stage would name it."""
        if mode == "file":
            return rdd.map(lambda r: (r[0], r[1], (displays[r[0][0]], r[0][1])) if r[0] != REJECT else (r[0], r[1], None))
        events = rdd.filter(lambda r: r[0] != REJECT)
        rejects = rdd.filter(lambda r: r[0] == REJECT).map(lambda r: (r[0], r[1], None))
        if contiguous:
            counts = events.map(lambda r: r[0][0]).countByValue()
            offsets, total = {}, 0
            for f in sorted(counts):
                offsets[f] = total
                total += counts[f]
            numbered = events.map(lambda r: (r[0], r[1], (STDIN, offsets[r[0][0]] + r[0][1] + 1)))
        else:
            numbered = (
                events.sortBy(lambda r: r[0], numPartitions=self.partitions)
                .zipWithIndex()
                .map(lambda t: (t[0][0], t[0][1], (STDIN, t[1] + 1)))
            )
        return numbered.union(rejects)

    # -- the stages

    def run(self):
        from pyspark import StorageLevel

        stages = self.stages
        if stages[-1][0] == "report":
            self.check_report()
        files = expand_inputs(self.spark, self.inputs, self.rotated)
        displays = [d for _, d, _ in files]
        i = 0
        if stages[0][0] in ("parse",) + MAP_STAGES:
            chain = [stages[0]]
            i = 1
            while i < len(stages) and stages[i][0] in MAP_STAGES:
                chain.append(stages[i])
                i += 1
            if chain[0][0] == "parse" and self.learn_templates:
                chain[0] = self.learn(chain[0])
            rdd = self.read_files(files, chain)
            mode, contiguous = "stream", True
        else:
            rdd = self.read_ndjson(files)
            mode, contiguous = "file", True
        while i < len(stages):
            argv = stages[i]
            name = argv[0]
            if name in MAP_STAGES:
                chain = [argv]
                while i + 1 < len(stages) and stages[i + 1][0] in MAP_STAGES:
                    i += 1
                    chain.append(stages[i])
                rdd = rdd.mapPartitions(map_task(self.conf(key=self.key_for(chain)), chain))
                mode, contiguous = "stream", False
            elif name == "detect":
                rdd = rdd.persist(StorageLevel.MEMORY_AND_DISK)
                rdd = self.detect(rdd, argv, mode, displays, contiguous)
                mode, contiguous = "stream", False
            elif name == "score":
                rdd = self.score(rdd, argv, mode, displays)
                mode, contiguous = "stream", False
            elif name == "report":
                break
            i += 1
        rdd = rdd.persist(StorageLevel.MEMORY_AND_DISK)
        self.write(rdd)
        if i < len(stages) and stages[i][0] == "report":
            self.report(rdd, stages[i])
        return self.summary

    def detect(self, rdd, argv, mode, displays, contiguous):
        families = [json.loads(l) for l in run_driver(self.binary, resolve_args(argv) + ["--print-partition-key"],
                                                          "detect --print-partition-key").splitlines() if l.strip()]
        self.summary["detect_families"] = families
        keep_events = not has_flag(argv, "--alerts-only")
        n = self.partitions
        fields = [[f.split(".") for f in fam["key"]] for fam in families]

        def prepare(r):
            seq, line, origin = r
            ev = parse_event(line)
            ts = epoch_seconds(lookup(ev, ["@timestamp"]))
            parts = []
            for key in fields:
                vals = [text_of(lookup(ev, k)) for k in key]
                if not key:
                    parts.append(0)
                elif any(v is None for v in vals):
                    parts.append(bucket(repr(seq), n))  # in no group of this family: anywhere
                else:
                    parts.append(bucket("\x1f".join(vals), n))
            return (seq, line, origin, -(1 << 62) if ts is None else ts, parts)

        numbered = self.origins(rdd, mode, displays, contiguous)
        rejects = numbered.filter(lambda r: r[0] == REJECT).map(lambda r: (r[0], r[1]))
        prepared = numbered.filter(lambda r: r[0] != REJECT).map(prepare).persist()
        conf = self.conf()
        outputs = [rejects]
        if keep_events:
            outputs.append(prepared.map(lambda r: (r[0], r[1])))
        if not families:
            # No correlation: any partitioning works (the partitions as they are).
            plain = prepared.map(lambda r: (None, (r[0], r[1], r[2])))
            outputs.append(plain.mapPartitions(detect_task(conf, argv, None, 1)))
        for k, fam in enumerate(families, 1):
            parts = 1 if not fam["key"] else n
            keyed = prepared.map(lambda r, k=k: ((r[4][k - 1], r[3], r[0]), (r[0], r[1], r[2])))
            ordered = keyed.repartitionAndSortWithinPartitions(
                numPartitions=parts, partitionFunc=lambda key: key[0], keyfunc=lambda key: (key[1], key[2])
            )
            outputs.append(ordered.mapPartitions(detect_task(conf, argv, k, k)))
        return self.sc.union(outputs)

    def score(self, rdd, argv, mode, displays):
        fields = run_driver(self.binary, resolve_args(argv) + ["--print-session-field"], "score --print-session-field")
        fields = [f for f in fields.strip().split(",") if f]
        self.summary["score_session_field"] = fields
        paths = [f.split(".") for f in fields]
        n = self.partitions
        emit_sessions = flag_value(argv, "--emit") == "sessions"

        def key(r):
            seq, line = r
            if seq == REJECT:
                return (0, (seq, line, None))
            ev = parse_event(line)
            vals = [text_of(lookup(ev, p)) for p in paths]
            # As score keys sessions: the values joined by |, missing ones empty; an event
            # with none of the fields joins the one session "".
            session = "" if all(v is None for v in vals) else "|".join(v or "" for v in vals)
            origin = (displays[seq[0]], seq[1]) if mode == "file" else (STDIN, None)
            return (bucket(session, n), (seq, line, origin))

        keyed = rdd.map(key).partitionBy(n, lambda b: b)
        rejects = keyed.filter(lambda kv: kv[1][0] == REJECT).map(lambda kv: (kv[1][0], kv[1][1]))
        events = keyed.filter(lambda kv: kv[1][0] != REJECT)
        scored = events.mapPartitionsWithIndex(sequential_task(self.conf(), argv, emit_sessions))
        return self.sc.union([rejects, scored])

    def write(self, rdd):
        events = rdd.filter(lambda r: r[0] != REJECT)
        rejects = rdd.filter(lambda r: r[0] == REJECT)
        if self.errors:
            with open(self.errors, "wb") as f:
                for _, line in rejects.toLocalIterator():
                    f.write(line + b"\n")
        if self.output:
            if self.ordered:
                events = events.sortBy(lambda r: r[0], numPartitions=self.partitions)
            events.map(lambda r: r[1]).saveAsTextFile(self.output)
        self.summary["records"] = events.count()
        self.summary["rejected"] = rejects.count()

    def check_report(self):
        """report --partial and --merge (logward's mergeable summaries) must be there."""
        help_text = run_driver(self.binary, ["report", "--help"], "report --help")
        if "--partial" not in help_text or "--merge" not in help_text:
            raise JobError(
                "this logward binary has no report --partial/--merge (mergeable summaries): use a newer build, "
                "or end the pipeline before report and run logward report on the output"
            )

    def report(self, rdd, argv):
        parts = rdd.mapPartitions(partial_report_task(self.conf())).collect()
        tmp = tempfile.mkdtemp(prefix="logward-report-")
        try:
            paths = []
            for k, data in enumerate(parts):
                p = os.path.join(tmp, f"part-{k:05d}.json")
                with open(p, "wb") as f:
                    f.write(data)
                paths.append(p)
            cmd = [self.binary, "report", "--merge"] + paths + resolve_args(argv[1:])
            res = subprocess.run(cmd)
            if res.returncode != 0:
                raise JobError(f"logward report --merge exited with status {res.returncode}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="logward_spark.py",
        description="Run a logward pipeline on Apache Spark with the results of the same pipeline on one machine.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples:
  spark-submit --master 'local[2]' --files target/release/logward,state.json spark/logward_spark.py \\
      --pipeline 'parse --templates {state.json} --templates-frozen | detect' --output out/ 'logs/*.log'
  spark-submit --master yarn --deploy-mode cluster \\
      --files logward,team.key,state.json spark/logward_spark.py --output hdfs:///out/2023 \\
      --pipeline 'parse --year 2023 --templates {state.json} --templates-frozen | anonymize --key-file {team.key} | detect | score' \\
      'hdfs:///raw/2023/*.gz'
  spark-submit ... spark/logward_spark.py --pipeline 'detect | report --format html -o report.html' events/*.ndjson

{NAME} in the pipeline is a file shipped with --files (or a path every executor can read).
The key: ship a file readable only by the job's user (--files team.key on YARN, a mounted
Secret on Kubernetes) and name it with --key-file {team.key}; or set LOGWARD_KEY for the
driver and leave --key-file out. It never appears on a command line or in a log.""",
    )
    ap.add_argument("inputs", nargs="+", metavar="INPUT", help="files or globs on any Hadoop file system (raw logs for parse, else NDJSON)")
    ap.add_argument("--pipeline", required=True, help="the stages as in a shell pipe, without inputs: 'parse ... | detect | score'")
    ap.add_argument("--output", "-o", metavar="DIR", help="write the events and alerts (NDJSON part files) to DIR")
    ap.add_argument("--errors", metavar="FILE", help="write every stage's rejected lines to FILE (on the driver)")
    ap.add_argument("--ordered", action="store_true", help="write the output in the order one machine writes it (one more sort)")
    ap.add_argument("--partitions", type=int, metavar="N", help="partitions for detect and score (default: spark.default.parallelism)")
    ap.add_argument("--rotated", action="store_true", help="read rotated sets oldest first (x.log.2.gz x.log.1 x.log), as logward --rotated")
    ap.add_argument("--learn-templates", action="append", metavar="SAMPLE", help="learn parse's template state on this file (on the driver; repeatable) and apply it frozen everywhere")
    ap.add_argument("--logward", default="logward", metavar="PATH", help="the logward binary: a file shipped with --files (default 'logward'), a path, or a name on PATH")
    ap.add_argument("--threads", type=int, metavar="N", help="logward --threads per task (default: spark.task.cpus)")
    args = ap.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("logward").getOrCreate()
    try:
        job = Job(
            spark,
            args.pipeline,
            args.inputs,
            logward=args.logward,
            output=args.output,
            errors=args.errors,
            ordered=args.ordered,
            partitions=args.partitions,
            rotated=args.rotated,
            learn_templates=args.learn_templates,
            threads=args.threads,
        )
        summary = job.run()
    except JobError as e:
        print(f"logward-spark: error: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    print(f"logward-spark: {summary.get('records', 0)} records written, {summary.get('rejected', 0)} lines rejected", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
