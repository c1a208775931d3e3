//! The Security log: `event.category/type/action` as Winlogbeat's security module names
//! them, the account (`user.*`: the logged-on account for logons, the acting account for
//! changes, whose object is in `user.target.*` or `group.*`), `source.*`, `process.*`,
//! `winlog.logon.*` (type, id, failure reason and status), `service.*`.
//!
//! The event ids, actions and value tables follow Winlogbeat's security module
//! (elastic/beats, `x-pack/winlogbeat/module/security`) and Microsoft's audit event
//! documentation, where its status codes and logon types are described.

use super::ecs::{int, Mapper, User};
use super::WinEvent;
use std::borrow::Cow;

type Kind = (&'static [&'static str], &'static [&'static str], &'static str);

/// `event.category`, `event.type` and `event.action` of a Security event id.
pub fn kind(id: u32) -> Option<Kind> {
    const AUTH: &[&str] = &["authentication"];
    const IAM: &[&str] = &["iam"];
    const PROCESS: &[&str] = &["process"];
    Some(match id {
        1100 => (PROCESS, &["end"], "logging-service-shutdown"),
        1102 => (IAM, &["admin", "change"], "audit-log-cleared"),
        1104 => (IAM, &["admin"], "logging-full"),
        1105 => (IAM, &["admin"], "auditlog-archieved"),
        1108 => (IAM, &["admin"], "logging-processing-error"),
        4624 => (AUTH, &["start"], "logged-in"),
        4625 => (AUTH, &["start"], "logon-failed"),
        4634 | 4647 => (AUTH, &["end"], "logged-out"),
        4648 => (AUTH, &["start"], "logged-in-explicit"),
        4672 => (IAM, &["admin"], "logged-in-special"),
        4673 => (IAM, &["admin"], "privileged-service-called"),
        4674 => (IAM, &["admin"], "privileged-operation"),
        4688 => (PROCESS, &["start"], "created-process"),
        4689 => (PROCESS, &["end"], "exited-process"),
        4697 => (IAM, &["admin", "change"], "service-installed"),
        4698 => (IAM, &["admin", "creation"], "scheduled-task-created"),
        4699 => (IAM, &["admin", "deletion"], "scheduled-task-deleted"),
        4700 => (IAM, &["admin", "change"], "scheduled-task-enabled"),
        4701 => (IAM, &["admin", "change"], "scheduled-task-disabled"),
        4702 => (IAM, &["admin", "change"], "scheduled-task-updated"),
        4719 => (IAM, &["admin", "change"], "changed-audit-config"),
        4720 => (IAM, &["user", "creation"], "added-user-account"),
        4722 => (IAM, &["user", "creation"], "enabled-user-account"),
        4723 => (IAM, &["user", "change"], "changed-password"),
        4724 => (IAM, &["user", "change"], "reset-password"),
        4725 => (IAM, &["user", "deletion"], "disabled-user-account"),
        4726 => (IAM, &["user", "deletion"], "deleted-user-account"),
        4727 | 4731 | 4754 => (IAM, &["group", "creation"], "added-group-account"),
        4728 | 4732 | 4756 => (IAM, &["group", "change"], "added-member-to-group"),
        4729 | 4733 | 4757 => (IAM, &["group", "change"], "removed-member-from-group"),
        4730 | 4734 | 4758 => (IAM, &["group", "deletion"], "deleted-group-account"),
        4735 | 4737 | 4755 => (IAM, &["group", "change"], "modified-group-account"),
        4738 => (IAM, &["user", "change"], "modified-user-account"),
        4740 => (IAM, &["user", "change"], "locked-out-user-account"),
        4741 => (IAM, &["admin", "creation"], "added-computer-account"),
        4742 => (IAM, &["admin", "change"], "changed-computer-account"),
        4743 => (IAM, &["admin", "deletion"], "deleted-computer-account"),
        4744 | 4749 | 4759 => (IAM, &["group", "creation"], "added-distribution-group-account"),
        4745 | 4750 | 4760 => (IAM, &["group", "change"], "changed-distribution-group-account"),
        4746 | 4751 | 4761 => (IAM, &["group", "change"], "added-member-to-distribution-group"),
        4747 | 4752 | 4762 => (IAM, &["group", "change"], "removed-member-from-distribution-group"),
        4748 | 4753 | 4763 => (IAM, &["group", "deletion"], "deleted-distribution-group-account"),
        4764 => (IAM, &["group", "change"], "type-changed-group-account"),
        4767 => (IAM, &["user", "change"], "unlocked-user-account"),
        4768 => (AUTH, &["start"], "kerberos-authentication-ticket-requested"),
        4769 => (AUTH, &["start"], "kerberos-service-ticket-requested"),
        4770 => (AUTH, &["start"], "kerberos-service-ticket-renewed"),
        4771 => (AUTH, &["start"], "kerberos-preauth-failed"),
        4776 => (AUTH, &["start"], "credential-validated"),
        4778 => (AUTH, &["start"], "session-reconnected"),
        4779 => (AUTH, &["end"], "session-disconnected"),
        4781 => (IAM, &["user", "change"], "renamed-user-account"),
        4798 => (IAM, &["user", "info"], "group-membership-enumerated"),
        4799 => (IAM, &["group", "info"], "user-member-enumerated"),
        4964 => (IAM, &["group", "admin"], "logged-in-special"),
        _ => return None,
    })
}

/// `winlog.logon.type`: the names Microsoft gives the LogonType numbers.
pub fn logon_type(n: &str) -> Option<&'static str> {
    Some(match n.trim() {
        "0" => "System",
        "2" => "Interactive",
        "3" => "Network",
        "4" => "Batch",
        "5" => "Service",
        "7" => "Unlock",
        "8" => "NetworkCleartext",
        "9" => "NewCredentials",
        "10" => "RemoteInteractive",
        "11" => "CachedInteractive",
        "12" => "CachedRemoteInteractive",
        "13" => "CachedUnlock",
        _ => return None,
    })
}

/// What a logon failure's Status / SubStatus code means (Microsoft's 4625 documentation).
fn failure_status(code: &str) -> Option<&'static str> {
    Some(match code.trim().to_ascii_lowercase().as_str() {
        "0x0" => "Status OK.",
        "0xc000005e" => "There are currently no logon servers available to service the logon request.",
        "0xc0000064" => "User logon with misspelled or bad user account",
        "0xc000006a" => "User logon with misspelled or bad password",
        "0xc000006d" => "This is either due to a bad username or authentication information",
        "0xc000006e" => "Unknown user name or bad password.",
        "0xc000006f" => "User logon outside authorized hours",
        "0xc0000070" => "User logon from unauthorized workstation",
        "0xc0000071" => "User logon with expired password",
        "0xc0000072" => "User logon to account disabled by administrator",
        "0xc00000dc" => "Indicates the Sam Server was in the wrong state to perform the desired operation.",
        "0xc0000133" => "Clocks between DC and other computer too far out of sync",
        "0xc000015b" => "The user has not been granted the requested logon type (aka logon right) at this machine",
        "0xc000018c" => "The logon request failed because the trust relationship between the primary domain and the trusted domain failed.",
        "0xc0000192" => "An attempt was made to logon, but the Netlogon service was not started.",
        "0xc0000193" => "User logon with expired account",
        "0xc0000224" => "User is required to change password at next logon",
        "0xc0000225" => "Evidently a bug in Windows and not a risk",
        "0xc0000234" => "User logon with account locked",
        "0xc00002ee" => "Failure Reason: An Error occurred during Logon",
        "0xc0000413" => "Logon Failure: The machine you are logging onto is protected by an authentication firewall. The specified account is not allowed to authenticate to the machine.",
        _ => return None,
    })
}

/// What a logon failure's FailureReason (`%%2313`, a message of msobjs.dll) says.
fn failure_reason(code: &str) -> Option<&'static str> {
    Some(match code.trim() {
        "%%2304" => "An Error occured during Logon.",
        "%%2305" => "The specified user account has expired.",
        "%%2306" => "The NetLogon component is not active.",
        "%%2307" => "Account locked out.",
        "%%2308" => "The user has not been granted the requested logon type at this machine.",
        "%%2309" => "The specified account's password has expired.",
        "%%2310" => "Account currently disabled.",
        "%%2311" => "Account logon time restriction violation.",
        "%%2312" => "User not allowed to logon at this computer.",
        "%%2313" => "Unknown user name or bad password.",
        "%%2314" => "Domain sid inconsistent.",
        "%%2315" => "Smartcard logon is required and was not used.",
        _ => return None,
    })
}

/// A service's type (4697's ServiceType).
fn service_type(code: &str) -> Option<&'static str> {
    Some(match code.trim().to_ascii_lowercase().as_str() {
        "0x1" => "Kernel Driver",
        "0x2" => "File System Driver",
        "0x8" => "Recognizer Driver",
        "0x10" => "Win32 Own Process",
        "0x20" => "Win32 Share Process",
        "0x110" => "Interactive Own Process",
        "0x120" => "Interactive Share Process",
        _ => return None,
    })
}

/// The Security event `id`'s fields.
pub fn map<'s>(w: &WinEvent<'s>, id: u32, m: &mut Mapper<'s, '_>) {
    if let Some((category, types, action)) = kind(id) {
        m.kind(category, types, action);
    }
    let target = |m: &mut Mapper<'s, '_>, to: User| {
        let sid = w.value("TargetUserSid").or_else(|| w.value("TargetSid"));
        m.user(to, w.value("TargetUserName"), w.value("TargetDomainName"), sid)
    };
    let subject = |m: &mut Mapper<'s, '_>| {
        m.user(User::Actor, w.value("SubjectUserName"), w.value("SubjectDomainName"), w.value("SubjectUserSid"))
    };
    let logon_id = |m: &mut Mapper<'s, '_>, name: &str| m.set("winlog.logon.id", w.value(name));
    let logon_kind = |m: &mut Mapper<'s, '_>| {
        m.set("winlog.logon.type", w.value("LogonType").and_then(|t| logon_type(&t)).map(Cow::Borrowed))
    };
    // Where an authentication came from, and the process that asked for it.
    let network = |m: &mut Mapper<'s, '_>| {
        m.ip("source.ip", w.value("IpAddress"));
        m.port("source.port", w.value("IpPort").as_deref());
        m.set("source.domain", w.value("WorkstationName"));
        m.set_int("process.pid", w.value("ProcessId").as_deref());
        m.executable("process.executable", "process.name", w.value("ProcessName"));
    };
    match id {
        4624 => {
            target(m, User::Actor);
            logon_id(m, "TargetLogonId");
            logon_kind(m);
            network(m);
            m.related_user(w.value("SubjectUserName").as_ref());
        }
        4625 => {
            target(m, User::Actor);
            logon_id(m, "SubjectLogonId");
            logon_kind(m);
            network(m);
            m.set(
                "winlog.logon.failure.reason",
                w.value("FailureReason").and_then(|c| failure_reason(&c)).map(Cow::Borrowed),
            );
            m.set("winlog.logon.failure.status", w.value("Status").and_then(|c| failure_status(&c)).map(Cow::Borrowed));
            m.set(
                "winlog.logon.failure.sub_status",
                w.value("SubStatus").and_then(|c| failure_status(&c)).map(Cow::Borrowed),
            );
        }
        4634 | 4647 => {
            target(m, User::Actor);
            logon_id(m, "TargetLogonId");
            logon_kind(m);
        }
        4648 => {
            target(m, User::Actor);
            logon_id(m, "SubjectLogonId");
            network(m);
            m.related_user(w.value("SubjectUserName").as_ref());
        }
        4964 => {
            target(m, User::Actor);
            logon_id(m, "TargetLogonId");
        }
        4672 | 4673 | 4674 | 4698..=4702 | 4719 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            if id >= 4673 {
                m.set_int("process.pid", w.value("ProcessId").as_deref());
                m.executable("process.executable", "process.name", w.value("ProcessName"));
            }
        }
        4688 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            m.set_int("process.pid", w.value("NewProcessId").as_deref());
            m.executable("process.executable", "process.name", w.value("NewProcessName"));
            m.command_line("process.command_line", "process.args", w.value("CommandLine"));
            m.set_int("process.parent.pid", w.value("ProcessId").as_deref());
            m.executable("process.parent.executable", "process.parent.name", w.value("ParentProcessName"));
            m.related_user(w.value("TargetUserName").as_ref());
        }
        4689 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            m.set_int("process.pid", w.value("ProcessId").as_deref());
            m.executable("process.executable", "process.name", w.value("ProcessName"));
        }
        4697 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            m.set("service.name", w.value("ServiceName"));
            m.set("service.type", w.value("ServiceType").and_then(|t| service_type(&t)).map(Cow::Borrowed));
        }
        4720 | 4722..=4726 | 4738 | 4740 | 4767 | 4798 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            target(m, User::Target);
        }
        4781 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            m.related_user(w.value("OldTargetUserName").as_ref());
            m.user(User::Target, w.value("NewTargetUserName"), w.value("TargetDomainName"), w.value("TargetSid"));
        }
        4727..=4735 | 4737 | 4744..=4764 | 4799 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            let (name, domain, sid) = (w.value("TargetUserName"), w.value("TargetDomainName"), w.value("TargetSid"));
            m.set("group.name", name.clone());
            m.set("group.domain", domain.clone());
            m.set("group.id", sid.clone());
            // The member added or removed: its SID, and the first part of its DN.
            let member = w.value("MemberName").map(|dn| member_name(&dn));
            if member.is_some() || w.value("MemberSid").is_some() {
                m.user(User::Target, member, None, w.value("MemberSid"));
                m.set("user.target.group.name", name);
                m.set("user.target.group.domain", domain);
                m.set("user.target.group.id", sid);
            }
        }
        4741..=4743 => {
            subject(m);
            logon_id(m, "SubjectLogonId");
            m.set("winlog.computerObject.name", w.value("TargetUserName"));
            m.set("winlog.computerObject.domain", w.value("TargetDomainName"));
            m.set("winlog.computerObject.id", w.value("TargetSid"));
        }
        1102 => {
            m.user(
                User::Actor,
                w.user_value("SubjectUserName"),
                w.user_value("SubjectDomainName"),
                w.user_value("SubjectUserSid"),
            );
            m.set("winlog.logon.id", w.user_value("SubjectLogonId"));
        }
        4768..=4771 => {
            target(m, User::Actor);
            m.ip("source.ip", w.value("IpAddress"));
            m.port("source.port", w.value("IpPort").as_deref());
            if id == 4769 {
                m.set("service.name", w.value("ServiceName"));
            }
        }
        4776 => {
            m.user(User::Actor, w.value("TargetUserName"), None, None);
            m.set("source.domain", w.value("Workstation"));
            m.set("winlog.logon.failure.status", w.value("Status").and_then(|c| failure_status(&c)).map(Cow::Borrowed));
        }
        4778 | 4779 => {
            m.user(User::Actor, w.value("AccountName"), w.value("AccountDomain"), None);
            m.ip("source.ip", w.value("ClientAddress"));
            m.set("source.domain", w.value("ClientName"));
            logon_id(m, "LogonID");
        }
        _ => {}
    }
    let _ = int;
}

/// `CN=alice,OU=Staff,DC=corp` → `alice`; a name that is not a DN stays as it is.
fn member_name<'s>(dn: &Cow<'s, str>) -> Cow<'s, str> {
    let first = dn.split(',').next().unwrap_or("");
    match first.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("cn=") => Cow::Owned(first[3..].to_string()),
        _ => dn.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(kind(4625).unwrap().2, "logon-failed");
        assert_eq!(logon_type("10"), Some("RemoteInteractive"));
        assert_eq!(failure_status("0xC000006A"), Some("User logon with misspelled or bad password"));
        assert_eq!(failure_reason("%%2313"), Some("Unknown user name or bad password."));
        assert_eq!(member_name(&Cow::Borrowed("CN=Administrator,CN=Users,DC=wlbeat,DC=local")), "Administrator");
        assert_eq!(member_name(&Cow::Borrowed("-x")), "-x");
    }
}
