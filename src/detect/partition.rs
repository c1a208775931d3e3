//! Running `detect` on many machines: which key each event must be partitioned by.
//!
//! A correlation needs every event of a group in one partition, in time order. Events of
//! one group agree on all the correlation's group-by fields, so any subset of them is a
//! partition key that keeps groups whole. Correlations are put into *key families*: each
//! family has one key (fields every member groups by, at the same ECS path in every step;
//! chained correlations always share a family), and one partitioned pass per family runs
//! only that family's correlations (`--partition-family K`). A family whose members share
//! no field has an empty key: its pass needs all events in one partition.
//!
//! `--print-partition-key` prints the families; `--correlations-only` silences the
//! detection rules' own alerts, for the passes after the first.

use super::rules::RuleSet;
use anyhow::{bail, Result};
use serde_json::json;

/// Correlations that can share one partitioning, and the fields it is keyed by.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// ECS fields, in the order the first member's group-by names them; empty: one partition.
    pub key: Vec<String>,
    /// Indices into `RuleSet::corrs`, ascending.
    pub corrs: Vec<usize>,
}

/// The fields a correlation groups by at the same ECS path in every one of its steps.
fn common_fields(set: &RuleSet, corr: usize) -> Vec<String> {
    let c = &set.corrs[corr];
    let Some(first) = c.fields.first() else { return Vec::new() };
    let mut out: Vec<String> = Vec::new();
    for (i, f) in first.group.iter().enumerate() {
        if c.fields.iter().all(|s| s.group.get(i) == Some(f)) && !out.contains(f) {
            out.push(f.clone());
        }
    }
    out
}

fn intersect(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|f| b.contains(f)).cloned().collect()
}

/// The key families of a rule set, in the order of their first correlation.
pub fn families(set: &RuleSet) -> Vec<Family> {
    let n = set.corrs.len();
    // Chained correlations (one counting another's firings) must run in the same pass.
    let mut root: Vec<usize> = (0..n).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    for (j, c) in set.corrs.iter().enumerate() {
        for f in &c.feeds {
            let (a, b) = (find(&mut root, j), find(&mut root, f.corr));
            root[a.max(b)] = a.min(b);
        }
    }
    let mut chains: Vec<Family> = Vec::new();
    let mut chain_of: Vec<Option<usize>> = vec![None; n];
    for j in 0..n {
        let r = find(&mut root, j);
        let fields = common_fields(set, j);
        match chain_of[r] {
            Some(k) => {
                chains[k].key = intersect(&chains[k].key, &fields);
                chains[k].corrs.push(j);
            }
            None => {
                chain_of[r] = Some(chains.len());
                chains.push(Family { key: fields, corrs: vec![j] });
            }
        }
    }
    // Fewer passes: a chain joins the first family it shares a key field with (the key
    // becomes the shared fields); chains that share nothing with any family start one.
    // Chains with no key at all need one partition, so they all go to one family.
    let mut out: Vec<Family> = Vec::new();
    for chain in chains {
        let target = out.iter().position(|f| {
            if chain.key.is_empty() {
                f.key.is_empty()
            } else {
                !intersect(&f.key, &chain.key).is_empty()
            }
        });
        match target {
            Some(k) => {
                out[k].key = intersect(&out[k].key, &chain.key);
                out[k].corrs.extend(chain.corrs);
                out[k].corrs.sort_unstable();
            }
            None => out.push(chain),
        }
    }
    out
}

/// One NDJSON line per family: `{"family":1,"key":["source.ip"],"correlations":[...]}`.
pub fn describe(set: &RuleSet) -> String {
    let mut out = String::new();
    for (k, f) in families(set).iter().enumerate() {
        let names: Vec<&str> = f.corrs.iter().map(|&c| set.corrs[c].meta.handle()).collect();
        out.push_str(&json!({"family": k + 1, "key": f.key, "correlations": names}).to_string());
        out.push('\n');
    }
    out
}

/// Keeps only the correlations of family `k` (1-based; 0: none): the others get no hits and
/// never fire. Which rules alert on their own is unchanged.
pub fn restrict(set: &mut RuleSet, k: usize) -> Result<()> {
    let fams = families(set);
    if k > fams.len() {
        let n = fams.len();
        bail!(
            "--partition-family {k}: the rules have {n} key {} (see --print-partition-key; 0 runs no correlations)",
            if n == 1 { "family" } else { "families" }
        );
    }
    let keep: Vec<bool> = (0..set.corrs.len()).map(|c| k > 0 && fams[k - 1].corrs.contains(&c)).collect();
    for r in &mut set.rules {
        r.feeds.retain(|f| keep[f.corr]);
    }
    for c in &mut set.corrs {
        c.feeds.retain(|f| keep[f.corr]);
    }
    Ok(())
}

/// Detection rules no longer alert on their own; they still feed their correlations.
pub fn correlations_only(set: &mut RuleSet) {
    for r in &mut set.rules {
        r.alert = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::mapping::Mapping;
    use crate::detect::rules::BUILTIN;

    fn load(extra: &str) -> RuleSet {
        let mut files: Vec<(String, String)> = BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        if !extra.is_empty() {
            files.push(("extra.yml".into(), extra.into()));
        }
        let set = RuleSet::load(&files, &Mapping::builtin(), &[], false).unwrap();
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        set
    }

    const BY_HOST: &str = "
title: Two sudo failures on a host
name: sudo_twice_on_host
correlation:
  type: event_count
  rules: [sudo_auth_failure]
  group-by: [host.name]
  timespan: 1h
  condition: {gte: 2}
---
title: Spray by source and user
name: spray_by_source_user
correlation:
  type: event_count
  rules: [ssh_failed_login]
  group-by: [user.name, source.ip]
  timespan: 1h
  condition: {gte: 50}
";

    fn names(set: &RuleSet, fam: &Family) -> Vec<String> {
        fam.corrs.iter().map(|&c| set.corrs[c].meta.handle().to_string()).collect()
    }

    /// The family holding the correlation named `name`.
    fn family_of<'a>(set: &RuleSet, fams: &'a [Family], name: &str) -> &'a Family {
        fams.iter().find(|f| names(set, f).iter().any(|n| n == name)).unwrap_or_else(|| panic!("{name}: {fams:?}"))
    }

    #[test]
    fn every_builtin_correlation_is_in_one_family_and_ssh_ones_are_keyed_by_source_ip() {
        let set = load("");
        let f = families(&set);
        let mut all: Vec<usize> = f.iter().flat_map(|f| f.corrs.iter().copied()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..set.corrs.len()).collect::<Vec<_>>(), "{f:?}");
        assert_eq!(family_of(&set, &f, "ssh_brute_force").key, ["source.ip"]);
        let first: serde_json::Value = serde_json::from_str(describe(&set).lines().next().unwrap()).unwrap();
        assert_eq!(first["family"], 1);
        assert_eq!(first["key"], json!(f[0].key));
    }

    #[test]
    fn different_group_by_fields_make_families_and_a_shared_field_joins_one() {
        let set = load(BY_HOST);
        let f = families(&set);
        assert_eq!(family_of(&set, &f, "sudo_twice_on_host").key, ["host.name"], "{f:?}");
        assert_eq!(names(&set, family_of(&set, &f, "sudo_twice_on_host")), ["sudo_twice_on_host"]);
        // (user.name, source.ip) shares source.ip with the built-in correlations.
        assert_eq!(family_of(&set, &f, "spray_by_source_user").key, ["source.ip"]);
        assert_eq!(f.len(), families(&load("")).len() + 1);
    }

    #[test]
    fn restricting_keeps_one_familys_feeds_and_the_rules_alert_flags() {
        let mut set = load(BY_HOST);
        let alerts: Vec<bool> = set.rules.iter().map(|r| r.alert).collect();
        let fams = families(&set);
        let k = fams.iter().position(|f| f.key == ["host.name"]).unwrap();
        restrict(&mut set, k + 1).unwrap();
        let fed: Vec<usize> = set.rules.iter().flat_map(|r| r.feeds.iter().map(|f| f.corr)).collect();
        assert!(!fed.is_empty() && fed.iter().all(|c| fams[k].corrs.contains(c)));
        assert_eq!(set.rules.iter().map(|r| r.alert).collect::<Vec<_>>(), alerts);
        assert!(restrict(&mut set, fams.len() + 1).is_err());
        restrict(&mut set, 0).unwrap();
        assert!(set.rules.iter().all(|r| r.feeds.is_empty()) && set.corrs.iter().all(|c| c.feeds.is_empty()));
        correlations_only(&mut set);
        assert!(set.rules.iter().all(|r| !r.alert));
    }
}
