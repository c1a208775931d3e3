#!/usr/bin/env python3
"""Turns DeepLog's HDFS key sequences into NDJSON events that `logward score` reads.

Each line of a DeepLog file is one HDFS block's session: the template keys of its log lines
in order. Every key becomes one event with `logward.template.id` (the key) and
`logward.session.id` (`<prefix>-<line number>`), so the real scorer sees what `logward parse`
would give it for HDFS logs mined into the same templates.

    deeplog_events.py FILE PREFIX [--from F] [--to T]   (F, T: fractions of the file's lines)
"""
import argparse
import json
import sys


def sessions(path, start, end):
    with open(path) as f:
        lines = [l.split() for l in f if l.strip()]
    lo, hi = int(len(lines) * start), int(len(lines) * end)
    return list(enumerate(lines))[lo:hi]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("prefix")
    ap.add_argument("--from", dest="start", type=float, default=0.0)
    ap.add_argument("--to", dest="end", type=float, default=1.0)
    a = ap.parse_args()
    out = sys.stdout
    for n, keys in sessions(a.file, a.start, a.end):
        sid = f"{a.prefix}-{n + 1}"
        for k in keys:
            out.write(json.dumps({"event": {"dataset": "hdfs.deeplog"},
                                  "logward": {"session": {"id": sid}, "template": {"id": k}}},
                                 separators=(",", ":")))
            out.write("\n")


if __name__ == "__main__":
    main()
