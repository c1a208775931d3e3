#!/usr/bin/env python3
"""EVALUATION ONLY: turns Windows events exported as `evtx_dump -o json` writes them (the form of
SigmaHQ's regression_data/*.json) into NDJSON in the shape Winlogbeat 8 writes (winlog.channel,
winlog.event_id as a string, winlog.event_data.<Name> as strings, unnamed <Data> as paramN, ...),
the contract `logward detect` reads. It exists only until `logward parse file.evtx` reads these
files itself; nothing in logward depends on it.

Usage: bench/windows_events.py FILE.json... > events.ndjson
"""
import json
import sys


def text(v):
    """Winlogbeat writes every event_data value as a string."""
    if isinstance(v, dict):
        v = v.get("#text", "")
    if isinstance(v, list):
        return "\n".join(text(x) for x in v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def attr(node, name):
    return node.get("#attributes", {}).get(name) if isinstance(node, dict) else None


def event_data(node):
    """Named values as they are; unnamed <Data> elements become param1, param2, ..."""
    out = {}
    if not isinstance(node, dict):
        return out
    for k, v in node.items():
        if k == "#attributes":
            continue
        if k == "Data":
            items = v.get("#text", v) if isinstance(v, dict) else v
            items = items if isinstance(items, list) else [items]
            for i, item in enumerate(items, 1):
                out[f"param{i}"] = text(item)
        elif k == "Binary":
            out["Binary"] = text(v)
        else:
            out[k] = text(v)
    return out


def convert(record):
    ev = record["Event"]
    sys_ = ev["System"]
    eid = sys_.get("EventID")
    eid = eid.get("#text") if isinstance(eid, dict) else eid
    out = {
        "@timestamp": attr(sys_.get("TimeCreated"), "SystemTime"),
        "event": {"code": str(eid), "kind": "event", "provider": attr(sys_.get("Provider"), "Name")},
        "host": {"name": sys_.get("Computer")},
        "winlog": {
            "channel": sys_.get("Channel"),
            "computer_name": sys_.get("Computer"),
            "event_id": str(eid),
            "provider_name": attr(sys_.get("Provider"), "Name"),
            "record_id": str(sys_.get("EventRecordID")),
        },
    }
    data = event_data(ev.get("EventData"))
    if data:
        out["winlog"]["event_data"] = data
    user_data = ev.get("UserData")
    if isinstance(user_data, dict):
        # One wrapper element holds the values.
        inner = next(iter(v for k, v in user_data.items() if k != "#attributes"), {})
        if isinstance(inner, dict):
            out["winlog"]["user_data"] = {k: text(v) for k, v in inner.items() if k != "#attributes"}
    user = attr(sys_.get("Security"), "UserID")
    if user:
        out["winlog"]["user"] = {"identifier": user}
    return out


def records(path):
    """The file's JSON values: one object, or several written back to back."""
    t = open(path, encoding="utf-8").read()
    dec = json.JSONDecoder()
    i = 0
    while True:
        while i < len(t) and t[i].isspace():
            i += 1
        if i >= len(t):
            return
        v, i = dec.raw_decode(t, i)
        yield v


def main():
    for path in sys.argv[1:]:
        for r in records(path):
            sys.stdout.write(json.dumps(convert(r), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
