//! PowerShell: script blocks (4104) keep their text (`winlog.event_data.ScriptBlockText`
//! and `powershell.file.script_block_text`), module logging (4103) and the classic
//! `Windows PowerShell` log (400, 403, 600, 800) have their `key=value` context split into
//! fields, under the names of Winlogbeat's powershell module (elastic/beats,
//! `x-pack/winlogbeat/module/powershell`).
//!
//! The values worked out of the context text are added to `winlog.event_data` beside the
//! text itself (which stays, so Sigma rules that search it still find what they look for).

use super::ecs::{Mapper, User};
use super::WinEvent;
use std::borrow::Cow;

/// The PowerShell event `id`'s fields.
pub fn map<'s>(w: &WinEvent<'s>, id: u32, m: &mut Mapper<'s, '_>) {
    let (types, classic): (&'static [&'static str], bool) = match (w.channel(), id) {
        ("Windows PowerShell", 400) => (&["start"], true),
        ("Windows PowerShell", 403) => (&["end"], true),
        ("Windows PowerShell", 600 | 800) => (&["info"], true),
        (_, 4103 | 4104) => (&["info"], false),
        (_, 4105) => (&["start"], false),
        (_, 4106) => (&["end"], false),
        _ => return,
    };
    m.kind(&["process"], types, "");
    if classic {
        // Classic events hold their details as the text of an unnamed value:
        // `\tHostName=ConsoleHost\n\tHostVersion=5.1...`; 800's is the second one.
        let text = if id == 800 { w.data("param2") } else { w.data("param3") };
        let pairs = text.map(|t| pairs(&t, "=")).unwrap_or_default();
        let get =
            |k: &str| pairs.iter().find(|(n, _)| n == k && !v_empty(&pairs, k)).map(|(_, v)| Cow::Owned(v.clone()));
        context(m, &get, false);
        m.set_int("event.sequence", get("SequenceNumber").as_deref());
        m.set("powershell.engine.new_state", get("NewEngineState"));
        m.set("powershell.engine.previous_state", get("PreviousEngineState"));
        m.set("powershell.provider.new_state", get("NewProviderState"));
        m.set("powershell.provider.name", get("ProviderName"));
        if id == 800 {
            m.domain_user(User::Actor, get("UserId"));
            m.set_int("powershell.total", w.value("DetailTotal").as_deref());
            m.set_int("powershell.sequence", w.value("DetailSequence").as_deref());
            invocation_details(m, w.data("param3"));
        }
        for (k, v) in pairs {
            m.extra_data.push((Cow::Owned(k), Cow::Owned(v)));
        }
        return;
    }
    match id {
        4103 => {
            // ContextInfo: `        Severity = Informational\r\n        Host Name = ConsoleHost ...`
            let pairs = w.data("ContextInfo").map(|t| pairs(&t, " = ")).unwrap_or_default();
            let get =
                |k: &str| pairs.iter().find(|(n, _)| n == k && !v_empty(&pairs, k)).map(|(_, v)| Cow::Owned(v.clone()));
            context(m, &get, true);
            m.set_int("event.sequence", get("Sequence Number").as_deref());
            m.set("powershell.id", get("Shell ID"));
            m.domain_user(User::Actor, get("User"));
            if let Some(connected) = get("Connected User") {
                if let Some((d, n)) = connected.split_once('\\') {
                    let (d, n) = (d.to_string(), n.to_string());
                    m.related_user(Some(&Cow::Owned(n.clone())));
                    m.set("powershell.connected_user.domain", Some(Cow::Owned(d)));
                    m.set("powershell.connected_user.name", Some(Cow::Owned(n)));
                }
            }
            invocation_details(m, w.data("Payload"));
            for (k, v) in pairs {
                m.extra_data.push((Cow::Owned(k), Cow::Owned(v)));
            }
        }
        4104 => {
            m.set_int("powershell.sequence", w.value("MessageNumber").as_deref());
            m.set_int("powershell.total", w.value("MessageTotal").as_deref());
            m.set("powershell.file.script_block_id", w.value("ScriptBlockId"));
            m.set("powershell.file.script_block_text", w.data("ScriptBlockText").filter(|t| !t.is_empty()));
            m.file(w.value("Path"));
        }
        _ => {
            m.set("powershell.runspace_id", w.value("RunspaceId"));
            m.set("powershell.file.script_block_id", w.value("ScriptBlockId"));
        }
    }
}

/// The fields of the host and command a PowerShell event describes (`spaced`: 4103's
/// names, `Host Name`; else the classic log's, `HostName`).
fn context<'s>(m: &mut Mapper<'s, '_>, get: &dyn Fn(&str) -> Option<Cow<'s, str>>, spaced: bool) {
    let name = |a: &'static str, b: &'static str| if spaced { a } else { b };
    m.set("process.entity_id", get(name("Host ID", "HostId")));
    m.command_line("process.command_line", "process.args", get(name("Host Application", "HostApplication")));
    if let Some(args) = get(name("Host Application", "HostApplication")).map(|a| super::cmdline::split(&a).len()) {
        if args > 0 {
            m.ev.set("process.args_count", args as i64);
        }
    }
    m.set("process.title", get(name("Host Name", "HostName")));
    m.set("powershell.process.executable_version", get(name("Host Version", "HostVersion")));
    m.set("powershell.engine.version", get(name("Engine Version", "EngineVersion")));
    m.set("powershell.runspace_id", get(name("Runspace ID", "RunspaceId")));
    m.set("powershell.pipeline_id", get(name("Pipeline ID", "PipelineId")));
    m.set("powershell.command.name", get(name("Command Name", "CommandName")));
    m.set("powershell.command.type", get(name("Command Type", "CommandType")));
    m.set("powershell.command.path", get(name("Command Path", "CommandPath")));
    m.set("powershell.command.value", get("CommandLine").map(|c| Cow::Owned(c.trim().to_string())));
    m.file(get(name("Script Name", "ScriptName")));
}

/// Whether the value of `key` is empty (the classic log writes `CommandName=` for none).
fn v_empty(pairs: &[(String, String)], key: &str) -> bool {
    pairs.iter().find(|(k, _)| k == key).is_none_or(|(_, v)| v.is_empty())
}

/// `key<sep>value` lines (values keep inner spaces; lines without the separator are left out).
fn pairs(text: &str, sep: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(sep))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// 4103's Payload and 800's details: `CommandInvocation(Get-Item): "Get-Item"` lines as
/// `powershell.command.invocation_details`.
fn invocation_details(m: &mut Mapper<'_, '_>, text: Option<Cow<'_, str>>) {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else { return };
    let details: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|raw| {
            let raw = raw.trim_end_matches('\r');
            let parsed = raw.split_once("): ").and_then(|(head, value)| {
                let (kind, related) = head.split_once('(')?;
                Some((kind.trim(), related, value))
            });
            match parsed {
                Some(("ParameterBinding", related, value)) => match value.split_once("name=").and_then(|(_, r)| r.split_once("; value=")) {
                    Some((name, v)) => serde_json::json!({"type": "ParameterBinding", "related_command": related, "name": name, "value": v}),
                    None => serde_json::json!({"value": value}),
                },
                Some((kind, related, value)) => serde_json::json!({"type": kind, "related_command": related, "value": value}),
                None => serde_json::json!({"value": raw}),
            }
        })
        .collect();
    if !details.is_empty() {
        m.ev.set("powershell.command.invocation_details", crate::event::Val::Json(serde_json::Value::Array(details)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_pairs() {
        let p = pairs("\tHostName=ConsoleHost\n\tHostApplication=powershell.exe -nop -c a=b\n\tx\n", "=");
        assert_eq!(p[0], ("HostName".into(), "ConsoleHost".into()));
        assert_eq!(p[1], ("HostApplication".into(), "powershell.exe -nop -c a=b".into()));
        assert_eq!(p.len(), 2);
        let p = pairs("        Severity = Informational\r\n        Host Name = ConsoleHost\r\n", " = ");
        assert_eq!(p[1], ("Host Name".into(), "ConsoleHost".into()));
    }
}
