//! Local IP/CIDR lists (blocklists, Tor exits, internal ranges) for `--ip-list NAME=FILE`:
//! one address or CIDR per line, `#` comments. Kept as sorted, merged ranges.

use anyhow::{bail, Context, Result};
use std::net::IpAddr;
use std::path::Path;

pub struct IpList {
    pub name: String,
    /// Sorted, non-overlapping inclusive ranges over IPv6 space (IPv4 as mapped addresses).
    ranges: Vec<(u128, u128)>,
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl IpList {
    /// Reads a list one line at a time: at most `limit` bytes in all (`--side-file-limit`)
    /// and 64 KiB a line, so a huge or endless file stops with a message, not a full memory.
    pub fn load(name: &str, path: &Path, limit: u64) -> Result<IpList> {
        use crate::io::files::{limits, LimitedLines};
        let mut lines = LimitedLines::open(path, "IP list", limits::LIST_LINE, limit, Some("--side-file-limit"))?;
        let mut ranges = Vec::new();
        while let Some((n, line)) = lines.next_line()? {
            add_entry(&mut ranges, n, &line).with_context(|| format!("IP list '{}'", path.display()))?;
        }
        IpList::from_ranges(name, ranges).with_context(|| format!("IP list '{}'", path.display()))
    }

    pub fn parse(name: &str, text: &str) -> Result<IpList> {
        let mut ranges = Vec::new();
        for (n, line) in text.lines().enumerate() {
            add_entry(&mut ranges, n as u64 + 1, line)?;
        }
        IpList::from_ranges(name, ranges)
    }

    fn from_ranges(name: &str, mut ranges: Vec<(u128, u128)>) -> Result<IpList> {
        if ranges.is_empty() {
            bail!("no addresses in the list");
        }
        ranges.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Ok(IpList { name: name.to_string(), ranges: merged })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let x = to_u128(ip);
        let i = self.ranges.partition_point(|r| r.0 <= x);
        i > 0 && self.ranges[i - 1].1 >= x
    }
}

/// Adds line `n` of a list (an address or CIDR, `#` comments) to `ranges`.
fn add_entry(ranges: &mut Vec<(u128, u128)>, n: u64, line: &str) -> Result<()> {
    let entry = line.split('#').next().unwrap_or("").trim();
    if entry.is_empty() {
        return Ok(());
    }
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (entry, None),
    };
    let shown: String = entry.chars().take(60).collect();
    let ip: IpAddr = addr.parse().with_context(|| format!("line {n}: '{shown}' is not an IP address or CIDR"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix: u32 = match bits {
        Some(b) => {
            b.parse().ok().filter(|p| *p <= max).with_context(|| format!("line {n}: bad prefix length in '{shown}'"))?
        }
        None => max,
    };
    let prefix = prefix + if ip.is_ipv4() { 96 } else { 0 };
    let host_bits = 128 - prefix;
    let mask: u128 = if host_bits == 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
    let start = to_u128(ip) & !mask;
    ranges.push((start, start | mask));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_addresses() {
        let l = IpList::parse(
            "t",
            "# tor exits\n192.0.2.0/24\n198.51.100.7\n2001:db8::/32 # docs\n10.0.0.0/8\n10.1.0.0/16\n",
        )
        .unwrap();
        for ip in ["192.0.2.1", "192.0.2.255", "198.51.100.7", "2001:db8::1", "10.200.1.1"] {
            assert!(l.contains(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["192.0.3.1", "198.51.100.8", "2001:db9::1", "11.0.0.1", "::ffff:c000:201"] {
            let expect = ip == "::ffff:c000:201"; // the IPv4-mapped form of 192.0.2.1
            assert_eq!(l.contains(ip.parse().unwrap()), expect, "{ip}");
        }
        assert!(IpList::parse("t", "not-an-ip\n").is_err());
        assert!(IpList::parse("t", "10.0.0.0/33\n").is_err());
    }
}
