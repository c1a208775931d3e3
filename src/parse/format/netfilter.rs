//! Kernel firewall lines: what netfilter's LOG target writes for iptables, nftables, UFW and
//! firewalld (`[UFW BLOCK] IN=eth0 OUT= MAC=... SRC=203.0.113.9 DST=10.0.0.5 LEN=60 ...
//! PROTO=TCP SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0`), IPv4 and IPv6.
//!
//! [`classify`] reads the message wherever it comes from (a syslog `kernel:` line, a
//! journald entry); the [`Netfilter`] format reads such lines without a syslog header
//! (`dmesg` output). Field names follow Filebeat's iptables module (`iptables.*`,
//! `source.*`, `destination.*`, `network.transport`, `observer.ingress/egress`), and the log
//! prefix (`[UFW BLOCK]`, an iptables `--log-prefix`) gives `event.action`: `block` (BLOCK,
//! DROP, REJECT, DENY), `allow` (ALLOW, ACCEPT, PASS) or `audit` (anything else).

use super::syslog::Syslog;
use super::text::{indented_continues, text_event};
use super::{Detect, Example, Format, Line, Parsed};
use crate::event::{FlatEvent, Val};
use crate::io::Reason;
use memchr::memmem;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The dataset of firewall lines (Filebeat's name).
pub const DATASET: &str = "iptables.log";

/// Kernel firewall lines without a syslog header (`dmesg`, `journalctl -k -o cat`).
pub struct Netfilter;

impl Format for Netfilter {
    fn name(&self) -> &'static str {
        "netfilter"
    }

    fn about(&self) -> &'static str {
        "Kernel firewall (netfilter LOG: iptables, nftables, UFW, firewalld) lines, as dmesg writes them"
    }

    fn detect(&self) -> Detect {
        Detect::Lines
    }

    /// Firewall lines without a syslog header (files of syslog lines are syslog files).
    fn sniff(&self, line: &str) -> bool {
        find(line).is_some() && super::syslog::parse(line, &crate::time::Zone::Utc, 2000).is_none()
    }

    fn starts_message(&self, _file: Option<&(dyn std::any::Any + Send + Sync)>, raw: &[u8]) -> bool {
        indented_continues(raw)
    }

    /// Syslog lines among them are read as syslog, with its state.
    fn advance(&self, seq: &mut super::Seq, raw: &[u8]) {
        Syslog.advance(seq, raw);
    }

    fn grouper(&self, file: &super::GroupFile<'_>) -> Option<Box<dyn super::Grouper>> {
        Syslog.grouper(file)
    }

    fn parse<'a>(&self, line: &Line<'a, '_>, ev: &mut FlatEvent<'a>) -> Result<Parsed, Reason> {
        // A line with a syslog header is read as syslog, which reads its firewall message.
        if super::syslog::parse(line.text, line.zone(), line.seq.year).is_some() {
            return Syslog.parse(line, ev);
        }
        let time = crate::parse::stamp::find(line.text, line.zone(), line.seq.year);
        if classify(line.text, ev) {
            if let Some(t) = time.filter(|t| t.at < find(line.text).unwrap_or(0)) {
                ev.set("@timestamp", Val::Time(t.ts));
            }
            ev.set("message", line.text);
            return Ok(Parsed::Event(DATASET));
        }
        Ok(Parsed::Event(text_event(line, ev, super::text::DATASET)))
    }

    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                before: &[],
                line: "[Tue Mar  5 10:00:00 2024] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=203.0.113.9 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=12345 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0",
                args: &[],
                fields: &[
                    ("@timestamp", "2024-03-05T10:00:00Z"),
                    ("event.dataset", "iptables.log"),
                    ("event.action", "block"),
                    ("event.type", "[\"connection\",\"denied\"]"),
                    ("source.ip", "203.0.113.9"),
                    ("source.port", "51234"),
                    ("source.mac", "52-54-00-AB-CD-EF"),
                    ("destination.ip", "10.0.0.5"),
                    ("destination.port", "22"),
                    ("destination.mac", "52-54-00-12-34-56"),
                    ("network.transport", "tcp"),
                    ("network.type", "ipv4"),
                    ("network.direction", "ingress"),
                    ("observer.ingress.interface.name", "eth0"),
                    ("iptables.tcp.flags", "[\"SYN\"]"),
                    ("iptables.fragment_flags", "[\"DF\"]"),
                    ("iptables.ttl", "49"),
                    ("logward.netfilter.prefix", "UFW BLOCK"),
                ],
            },
            Example {
                before: &[],
                line: "[ 5123.456789] IN= OUT=eth0 SRC=2001:db8::5 DST=2001:db8::1:2 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=123 PROTO=ICMPv6 TYPE=128 CODE=0 ID=7 SEQ=1",
                args: &[],
                fields: &[
                    ("event.action", "audit"),
                    ("network.transport", "ipv6-icmp"),
                    ("network.type", "ipv6"),
                    ("network.direction", "egress"),
                    ("observer.egress.interface.name", "eth0"),
                    ("iptables.icmp.type", "128"),
                    ("iptables.flow_label", "123"),
                    ("destination.ip", "2001:db8::1:2"),
                ],
            },
        ]
    }
}

/// Where the packet fields (`IN=`) start in a message, when it is a firewall line.
pub fn find(msg: &str) -> Option<usize> {
    let at = if msg.starts_with("IN=") {
        0
    } else {
        static IN: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("IN="));
        let i = IN.find(msg.as_bytes())?;
        let before = msg.as_bytes()[i - 1];
        // `[UFW BLOCK] IN=`, `DROP: IN=`, Ubiquiti's `[WAN_IN-4000-D]IN=`.
        if !matches!(before, b' ' | b']' | b':') {
            return None;
        }
        i
    };
    let rest = &msg[at..];
    (rest.contains(" OUT=") && rest.contains(" SRC=") && rest.contains(" DST=")).then_some(at)
}

/// What a log prefix says was done with the packet.
fn action(prefix: &str) -> (&'static str, &'static str) {
    let p = prefix.to_ascii_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| p.contains(w));
    if has(&["BLOCK", "DROP", "REJECT", "DENY", "DENIED"]) {
        ("block", "denied")
    } else if has(&["ALLOW", "ACCEPT", "PASS", "PERMIT"]) {
        ("allow", "allowed")
    } else {
        ("audit", "info")
    }
}

fn hex_or_dec(v: &str) -> Option<i64> {
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => i64::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

/// `52:54:00:12:34:56` → `52-54-00-12-34-56` (ECS writes MACs upper-case, with dashes).
fn mac(bytes: &[&str]) -> String {
    bytes.iter().map(|b| b.to_ascii_uppercase()).collect::<Vec<_>>().join("-")
}

const TCP_FLAGS: &[&str] = &["CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"];

/// Reads a firewall message into `ev`; false (and `ev` untouched) when it is not one.
pub fn classify<'a>(msg: &'a str, ev: &mut FlatEvent<'a>) -> bool {
    let Some(at) = find(msg) else { return false };
    let mut prefix = msg[..at].trim();
    // A kernel timestamp (`[ 5123.456789]`) before the log prefix.
    if let Some(rest) = prefix.strip_prefix('[') {
        if let Some((inside, after)) = rest.split_once(']') {
            let t = inside.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                || crate::time::parse_ctime(t.as_bytes(), &crate::time::Zone::Utc).is_some()
            {
                prefix = after.trim();
            }
        }
    }
    let prefix = prefix.trim_end_matches(':').trim();
    let label = prefix.strip_prefix('[').and_then(|p| p.strip_suffix(']')).unwrap_or(prefix).trim();
    let (act, kind) = action(label);
    ev.set("event.action", act);
    ev.set("event.category", Val::Keywords(&["network"]));
    ev.set(
        "event.type",
        Val::Keywords(match kind {
            "denied" => &["connection", "denied"],
            "allowed" => &["connection", "allowed"],
            _ => &["connection", "info"],
        }),
    );
    if !label.is_empty() {
        ev.set("logward.netfilter.prefix", label);
    }
    let (mut ipv6, mut proto_seen, mut after_res) = (false, false, false);
    let (mut input, mut output) = ("", "");
    let mut tcp_flags: Vec<Cow<'a, str>> = Vec::new();
    let mut frag_flags: Vec<Cow<'a, str>> = Vec::new();
    let mut transport: Option<&str> = None;
    let mut len_seen = false;
    for tok in msg[at..].split(' ').filter(|t| !t.is_empty()) {
        let Some((k, v)) = tok.split_once('=') else {
            if TCP_FLAGS.contains(&tok) && after_res {
                tcp_flags.push(Cow::Borrowed(tok));
            } else if matches!(tok, "DF" | "MF" | "CE") && !proto_seen {
                frag_flags.push(Cow::Borrowed(tok));
            }
            continue;
        };
        let num = |ev: &mut FlatEvent<'a>, path: &'static str| {
            if let Some(n) = hex_or_dec(v) {
                ev.set(path, n);
            }
        };
        match k {
            "IN" => input = v,
            "OUT" => output = v,
            "PHYSIN" => ev.set("iptables.physical_input_device", v),
            "PHYSOUT" => ev.set("iptables.physical_output_device", v),
            "MAC" => {
                let parts: Vec<&str> = v.split(':').collect();
                if parts.len() >= 12 {
                    ev.set("destination.mac", mac(&parts[..6]));
                    ev.set("source.mac", mac(&parts[6..12]));
                }
                if parts.len() >= 14 {
                    if let Ok(t) = i64::from_str_radix(&format!("{}{}", parts[12], parts[13]), 16) {
                        ev.set("iptables.ether_type", t);
                    }
                }
            }
            "SRC" | "DST" => {
                ipv6 |= v.contains(':');
                ev.set(if k == "SRC" { "source.ip" } else { "destination.ip" }, v);
                ev.push_unique("related.ip", Cow::Borrowed(v));
            }
            "LEN" if !len_seen => {
                len_seen = true;
                num(ev, "iptables.length");
            }
            "LEN" if transport == Some("udp") => num(ev, "iptables.udp.length"),
            "TOS" | "TC" => num(ev, "iptables.tos"),
            "PREC" => num(ev, "iptables.precedence_bits"),
            "TTL" | "HOPLIMIT" => num(ev, "iptables.ttl"),
            "ID" if !proto_seen => num(ev, "iptables.id"),
            "FLOWLBL" => num(ev, "iptables.flow_label"),
            "FRAG" => num(ev, "iptables.fragment_offset"),
            "PROTO" => {
                proto_seen = true;
                let t = v.to_ascii_lowercase();
                if t.bytes().all(|b| b.is_ascii_digit()) {
                    num(ev, "network.iana_number");
                } else {
                    let t: &'static str = match t.as_str() {
                        "tcp" => "tcp",
                        "udp" => "udp",
                        "icmp" => "icmp",
                        "icmpv6" => "ipv6-icmp",
                        "sctp" => "sctp",
                        "udplite" => "udplite",
                        "gre" => "gre",
                        "esp" => "esp",
                        "ah" => "ah",
                        _ => "",
                    };
                    if !t.is_empty() {
                        transport = Some(t);
                        ev.set("network.transport", t);
                    } else {
                        ev.set("network.transport", Cow::Owned(v.to_ascii_lowercase()));
                    }
                }
            }
            "SPT" => num(ev, "source.port"),
            "DPT" => num(ev, "destination.port"),
            "WINDOW" => num(ev, "iptables.tcp.window"),
            "RES" => {
                after_res = true;
                num(ev, "iptables.tcp.reserved_bits");
            }
            "SEQ" if transport == Some("tcp") => num(ev, "iptables.tcp.seq"),
            "ACK" if transport == Some("tcp") => num(ev, "iptables.tcp.ack"),
            "TYPE" => num(ev, "iptables.icmp.type"),
            "CODE" => num(ev, "iptables.icmp.code"),
            "ID" => num(ev, "iptables.icmp.id"),
            "SEQ" => num(ev, "iptables.icmp.seq"),
            "UID" => ev.set("user.id", v),
            "GID" => ev.set("group.id", v),
            "MARK" => ev.set("iptables.mark", v),
            _ => {}
        }
    }
    ev.set("network.type", if ipv6 { "ipv6" } else { "ipv4" });
    ev.set("iptables.input_device", input);
    ev.set("iptables.output_device", output);
    if !input.is_empty() {
        ev.set("observer.ingress.interface.name", input);
    }
    if !output.is_empty() {
        ev.set("observer.egress.interface.name", output);
    }
    match (input.is_empty(), output.is_empty()) {
        (false, true) => ev.set("network.direction", "ingress"),
        (true, false) => ev.set("network.direction", "egress"),
        _ => {}
    }
    if !tcp_flags.is_empty() {
        ev.set("iptables.tcp.flags", Val::Strs(tcp_flags));
    }
    if !frag_flags.is_empty() {
        ev.set("iptables.fragment_flags", Val::Strs(frag_flags));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(msg: &str) -> serde_json::Value {
        let mut ev = FlatEvent::new();
        assert!(classify(msg, &mut ev), "{msg}");
        ev.to_value()
    }

    #[test]
    fn prefixes_say_what_was_done() {
        let ufw = read("[UFW ALLOW] IN=eth0 OUT= MAC=00:00:00:00:00:01:00:00:00:00:00:02:08:00 SRC=10.0.0.2 DST=10.0.0.1 LEN=52 TOS=0x10 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=5000 DPT=443 SEQ=1 ACK=2 WINDOW=500 RES=0x00 ACK PSH URGP=0");
        assert_eq!(ufw["event"]["action"], "allow");
        assert_eq!(ufw["iptables"]["tcp"]["flags"], serde_json::json!(["ACK", "PSH"]));
        assert_eq!(ufw["iptables"]["tos"], 16);
        assert_eq!(ufw["iptables"]["ether_type"], 2048);
        let fwd = read("FINAL_REJECT: IN=eth1 OUT=eth0 SRC=198.51.100.7 DST=10.0.0.9 LEN=40 TOS=0x00 PREC=0x00 TTL=240 ID=54321 PROTO=UDP SPT=53 DPT=3389 LEN=20");
        assert_eq!(fwd["event"]["action"], "block");
        assert!(fwd["network"].get("direction").is_none(), "forwarded: both interfaces");
        assert_eq!(fwd["iptables"]["udp"]["length"], 20);
        assert_eq!(fwd["iptables"]["length"], 40);
        let nft = read("nft-log IN=lo OUT= SRC=127.0.0.1 DST=127.0.0.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=9 SEQ=1");
        assert_eq!((nft["event"]["action"].as_str(), nft["iptables"]["icmp"]["id"].as_i64()), (Some("audit"), Some(9)));
        assert_eq!(nft["iptables"]["id"], 0);
    }

    #[test]
    fn not_firewall_lines() {
        let mut ev = FlatEvent::new();
        assert!(!classify("LOGIN=alice OUT=x SRC=1 DST=2", &mut ev));
        assert!(!classify("USB disconnect, device number 2", &mut ev));
        assert!(ev.is_empty());
    }
}
