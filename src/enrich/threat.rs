//! `logward.threat_type`: one word for what an alert is about, from a small vocabulary,
//! derived from its ATT&CK techniques, then tactics, then the rule's name.
//!
//! Vocabulary: brute_force, credential_stuffing, password_spraying, scanning, injection,
//! unauthorized_access, privilege_escalation, persistence, execution, defense_evasion,
//! credential_access, discovery, lateral_movement, collection, command_and_control,
//! exfiltration, impact, benign, unknown.

/// Techniques that decide the type on their own (most specific first).
const BY_TECHNIQUE: &[(&str, &str)] = &[
    ("T1110.003", "password_spraying"),
    ("T1110.004", "credential_stuffing"),
    ("T1110", "brute_force"),
    ("T1595", "scanning"),
    ("T1046", "scanning"),
    ("T1190", "injection"),
    ("T1059", "execution"),
    ("T1078", "unauthorized_access"),
    ("T1548", "privilege_escalation"),
    ("T1068", "privilege_escalation"),
    ("T1136", "persistence"),
    ("T1098", "persistence"),
    ("T1053", "persistence"),
    ("T1505", "persistence"),
];

/// Tactics in the order they decide when no technique does.
const BY_TACTIC: &[(&str, &str)] = &[
    ("impact", "impact"),
    ("exfiltration", "exfiltration"),
    ("command-and-control", "command_and_control"),
    ("lateral-movement", "lateral_movement"),
    ("privilege-escalation", "privilege_escalation"),
    ("persistence", "persistence"),
    ("credential-access", "credential_access"),
    ("initial-access", "unauthorized_access"),
    ("execution", "execution"),
    ("defense-evasion", "defense_evasion"),
    ("stealth", "defense_evasion"),
    ("defense-impairment", "defense_evasion"),
    ("collection", "collection"),
    ("discovery", "discovery"),
    ("reconnaissance", "scanning"),
];

/// Rule-name words for alerts without usable ATT&CK tags.
const BY_NAME: &[(&str, &str)] = &[
    ("spray", "password_spraying"),
    ("stuffing", "credential_stuffing"),
    ("brute", "brute_force"),
    ("scan", "scanning"),
    ("sql", "injection"),
    ("injection", "injection"),
    ("xss", "injection"),
    ("traversal", "injection"),
    ("sudo", "privilege_escalation"),
    ("root login", "unauthorized_access"),
    ("new user", "persistence"),
    ("user creat", "persistence"),
    ("group creat", "persistence"),
];

/// The type of an alert with these technique ids (T-numbers, subtechniques included),
/// tactic short names and rule name.
pub fn threat_type(techniques: &[String], tactics: &[String], rule_name: Option<&str>) -> &'static str {
    for (id, kind) in BY_TECHNIQUE {
        if techniques.iter().any(|t| t == id || (!id.contains('.') && t.split('.').next() == Some(*id))) {
            return kind;
        }
    }
    for (tactic, kind) in BY_TACTIC {
        if tactics.iter().any(|t| t == tactic) {
            return kind;
        }
    }
    if let Some(name) = rule_name.map(str::to_ascii_lowercase) {
        for (word, kind) in BY_NAME {
            if name.contains(word) {
                return kind;
            }
        }
    }
    "unknown"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn most_specific_evidence_wins() {
        assert_eq!(threat_type(&s(&["T1110.003"]), &s(&["credential-access"]), None), "password_spraying");
        assert_eq!(threat_type(&s(&["T1110.001"]), &[], None), "brute_force");
        assert_eq!(threat_type(&[], &s(&["persistence", "discovery"]), None), "persistence");
        assert_eq!(threat_type(&[], &[], Some("SQL Injection In URL")), "injection");
        assert_eq!(threat_type(&[], &s(&["stealth"]), None), "defense_evasion");
        assert_eq!(threat_type(&[], &[], Some("something else")), "unknown");
    }
}
