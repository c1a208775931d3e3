//! Credentials and user names in the arguments of common tools, after the text scan has
//! found the tool's name (`mysql -pSECRET`, `curl -u user:pass`, `smbclient -U user%pass`,
//! `net user NAME PASS /add`, `htpasswd -b file user pass`, `ssh user@host`, ...). Long
//! flags (`--password=...`, `--user NAME`), `/user:` and `pass:` forms and environment
//! assignments are found by the text patterns for any tool; this module knows the short
//! flags and positions whose meaning depends on the tool.

use std::ops::Range;

/// What an argument (or part of one) holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arg {
    Secret(&'static str),
    User,
    Host,
    Person,
}

/// How a flag's value is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Value {
    Is(Arg),
    /// `user<sep>secret` (curl's `user:pass`, smbclient's `user%pass`, lftp's `user,pass`).
    UserSecret(u8),
    /// A value that holds nothing sensitive, read so it is not taken for a positional.
    Skip,
}

/// What the positional arguments of a tool hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Positional {
    None,
    /// `htpasswd -b[c] FILE USER PASSWORD`, `htpasswd -nb USER PASSWORD`.
    Htpasswd,
    /// `net user NAME PASS`, `net use \\srv\share PASS /user:X`, `net localgroup G NAME`.
    Net,
    /// `su [-] NAME`.
    Su,
    /// The last positional is the user (`useradd NAME`, `passwd NAME`).
    LastUser,
    /// The first positional is `USER[:GROUP]` (`chown`).
    Owner,
    /// `[user@]host[:path]`.
    SshTarget,
    /// `[domain/]user[:password]@target` (impacket).
    Impacket,
    /// `user[/password][@connect]` (sqlplus).
    Sqlplus,
    /// `//server/share`.
    SmbShare,
}

struct Spec {
    names: &'static [&'static str],
    /// Flags whose value is the next argument.
    flags: &'static [(&'static str, Value)],
    /// Flags whose value may follow without a space (`-pSECRET`, `-uroot`).
    attached: &'static [(&'static str, Value)],
    positional: Positional,
    /// The first positional starts another command (sudo, sshpass).
    wrapper: bool,
    /// Credential flags count only after this subcommand (`docker login`).
    subcommand: Option<&'static str>,
}

use Arg::*;
use Value::*;

const PASSWORD: Value = Is(Secret("password"));
const USER: Value = Is(User);
const HOST: Value = Is(Host);

const SPECS: &[Spec] = &[
    Spec {
        names: &[
            "mysql",
            "mysqldump",
            "mysqladmin",
            "mysqlimport",
            "mysqlshow",
            "mysqlcheck",
            "mysqlpump",
            "mysqlsh",
            "mariadb",
            "mariadb-dump",
            "mariadb-admin",
        ],
        flags: &[("-u", USER), ("-h", HOST)],
        attached: &[("-u", USER), ("-h", HOST), ("-p", PASSWORD)],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &[
            "psql",
            "pg_dump",
            "pg_dumpall",
            "pg_restore",
            "pg_basebackup",
            "createdb",
            "dropdb",
            "createuser",
            "dropuser",
            "vacuumdb",
            "reindexdb",
            "pg_isready",
        ],
        flags: &[("-U", USER), ("-h", HOST)],
        attached: &[("-U", USER), ("-h", HOST)],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["curl"],
        flags: &[("-u", UserSecret(b':')), ("-U", UserSecret(b':')), ("--oauth2-bearer", Is(Secret("token")))],
        attached: &[("-u", UserSecret(b':')), ("-U", UserSecret(b':'))],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["sshpass"],
        flags: &[("-p", PASSWORD)],
        attached: &[("-p", PASSWORD)],
        positional: Positional::None,
        wrapper: true,
        subcommand: None,
    },
    Spec {
        names: &["smbclient", "rpcclient", "smbget", "smbcacls", "smbtree", "mount.cifs", "smbpasswd", "net.samba"],
        flags: &[("-U", UserSecret(b'%')), ("-W", HOST)],
        attached: &[("-U", UserSecret(b'%'))],
        positional: Positional::SmbShare,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["smbmap"],
        flags: &[("-u", USER), ("-p", PASSWORD), ("-d", HOST), ("-H", HOST)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec { names: &["net"], flags: &[], attached: &[], positional: Positional::Net, wrapper: false, subcommand: None },
    Spec {
        names: &[
            "ldapsearch",
            "ldapmodify",
            "ldapadd",
            "ldapdelete",
            "ldapwhoami",
            "ldappasswd",
            "ldapcompare",
            "ldapmodrdn",
        ],
        flags: &[("-w", PASSWORD), ("-s", Skip), ("-b", Skip), ("-D", Skip), ("-H", Skip), ("-h", HOST)],
        attached: &[("-w", PASSWORD)],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &[
            "mongo",
            "mongosh",
            "mongodump",
            "mongorestore",
            "mongoexport",
            "mongoimport",
            "mongostat",
            "mongotop",
        ],
        flags: &[("-u", USER), ("-p", PASSWORD), ("-h", HOST)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["redis-cli", "keydb-cli"],
        flags: &[("-a", PASSWORD), ("--pass", PASSWORD), ("--user", USER), ("-h", HOST)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["docker", "podman", "nerdctl", "buildah", "skopeo", "helm", "oras", "crane", "az"],
        flags: &[("-u", USER), ("-p", PASSWORD)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: Some("login"),
    },
    Spec {
        names: &["htpasswd"],
        flags: &[],
        attached: &[],
        positional: Positional::Htpasswd,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["openssl"],
        flags: &[("-k", PASSWORD)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["ssh", "scp", "sftp", "rsync", "autossh", "mosh", "ssh-copy-id"],
        flags: &[("-l", USER)],
        attached: &[("-l", USER)],
        positional: Positional::SshTarget,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["sudo", "doas"],
        flags: &[("-u", USER), ("-U", USER), ("-g", Skip), ("-h", Skip), ("-C", Skip), ("-p", Skip)],
        attached: &[("-u", USER)],
        positional: Positional::None,
        wrapper: true,
        subcommand: None,
    },
    Spec {
        names: &["su", "ksu"],
        flags: &[("-c", Skip), ("-s", Skip), ("-g", Skip)],
        attached: &[],
        positional: Positional::Su,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["useradd", "adduser", "usermod", "userdel", "deluser", "passwd", "chage", "chfn", "chsh", "lusermod"],
        flags: &[
            ("-p", Is(Secret("password"))),
            ("-c", Is(Person)),
            ("-l", USER),
            ("-d", Skip),
            ("-s", Skip),
            ("-g", Skip),
            ("-G", Skip),
            ("-u", Skip),
            ("-e", Skip),
            ("-k", Skip),
        ],
        attached: &[],
        positional: Positional::LastUser,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["gpasswd"],
        flags: &[("-a", USER), ("-d", USER), ("-A", USER), ("-M", USER)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["chown"],
        flags: &[],
        attached: &[],
        positional: Positional::Owner,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["crontab"],
        flags: &[("-u", USER)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["psexec", "psexec64", "paexec"],
        flags: &[("-u", USER), ("-p", PASSWORD)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["schtasks"],
        flags: &[("/ru", USER), ("/rp", PASSWORD), ("/u", USER), ("/p", PASSWORD), ("/s", HOST)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["sqlcmd", "osql", "isql", "bcp"],
        flags: &[("-U", USER), ("-P", PASSWORD), ("-S", HOST)],
        attached: &[("-U", USER), ("-P", PASSWORD)],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["sqlplus", "rman", "expdp", "impdp"],
        flags: &[],
        attached: &[],
        positional: Positional::Sqlplus,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["hydra", "medusa", "ncrack", "patator"],
        flags: &[("-l", USER), ("-p", PASSWORD), ("-u", USER)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["rdesktop"],
        flags: &[("-u", USER), ("-p", PASSWORD), ("-d", HOST)],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &["lftp"],
        flags: &[("-u", UserSecret(b','))],
        attached: &[],
        positional: Positional::None,
        wrapper: false,
        subcommand: None,
    },
    Spec {
        names: &[
            "crackmapexec",
            "cme",
            "netexec",
            "nxc",
            "evil-winrm",
            "smbexec",
            "wmiexec",
            "psexec.py",
            "smbexec.py",
            "wmiexec.py",
            "secretsdump",
            "secretsdump.py",
            "atexec",
            "atexec.py",
            "dcomexec",
            "dcomexec.py",
            "getuserspns",
            "getuserspns.py",
            "getnpusers",
            "getnpusers.py",
            "gettgt",
            "gettgt.py",
            "getst",
            "getst.py",
        ],
        flags: &[
            ("-u", USER),
            ("-p", PASSWORD),
            ("-H", Is(Secret("ntlm-hash"))),
            ("-hashes", Is(Secret("ntlm-hash"))),
            ("-d", HOST),
            ("-aesKey", Is(Secret("kerberos-key"))),
        ],
        attached: &[],
        positional: Positional::Impacket,
        wrapper: false,
        subcommand: None,
    },
];

/// Every tool name, for the text pattern that finds them (as a regex alternation).
pub fn tool_pattern() -> String {
    let mut names: Vec<String> = SPECS.iter().flat_map(|s| s.names.iter()).map(|n| regex::escape(n)).collect();
    names.push(r"impacket-[a-z]+".into());
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    format!(r"(?i:\b(?:{})(?:\.exe|\.py)?)[ \t]+", names.join("|"))
}

fn spec(tool: &str) -> Option<&'static Spec> {
    let t = tool.to_ascii_lowercase();
    let t = t.strip_suffix(".exe").unwrap_or(&t);
    if t.starts_with("impacket-") {
        return SPECS.iter().find(|s| s.names.contains(&"secretsdump"));
    }
    SPECS.iter().find(|s| s.names.contains(&t)).or_else(|| {
        let short = t.strip_suffix(".py")?;
        SPECS.iter().find(|s| s.names.contains(&short))
    })
}

/// One argument: where it lies and where its value lies inside any quotes.
#[derive(Clone, Debug)]
struct Token {
    range: Range<usize>,
    /// The argument without surrounding quotes.
    inner: Range<usize>,
}

/// The arguments from `from` to the end of the command (an unquoted `|`, `;`, `&`, a newline,
/// a backtick, a closing parenthesis or a redirection), quotes respected.
fn tokens(text: &str, from: usize) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        if i >= b.len() || matches!(b[i], b'|' | b';' | b'&' | b'\n' | b'\r' | b'`' | b')' | b'<' | b'>') {
            break;
        }
        let start = i;
        let mut quote: Option<u8> = None;
        while i < b.len() {
            let c = b[i];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if matches!(c, b'"' | b'\'') => {
                    // A quote that never closes ends the command (it closes an outer string).
                    if memchr::memchr(c, &b[i + 1..]).is_none() {
                        break;
                    }
                    quote = Some(c);
                }
                None if matches!(c, b' ' | b'\t' | b'|' | b';' | b'&' | b'\n' | b'\r' | b'`' | b')' | b'<' | b'>') => {
                    break
                }
                None => {}
            }
            i += 1;
        }
        if i == start {
            break;
        }
        out.push(Token { range: start..i, inner: unquote(b, start..i) });
        if i < b.len() && matches!(b[i], b'"' | b'\'') {
            break;
        }
    }
    out
}

fn unquote(b: &[u8], r: Range<usize>) -> Range<usize> {
    if r.len() >= 2 && matches!(b[r.start], b'"' | b'\'') && b[r.end - 1] == b[r.start] {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

/// Where a tool's arguments say sensitive values are, and where a wrapped command starts.
pub struct Parsed {
    pub args: Vec<(Range<usize>, Arg)>,
    pub wrapped: Option<usize>,
}

/// Whether the tool word at `start` begins a command: at the start of the text or after a
/// command separator, a quote, `=` (`COMMAND=`), `:`, a path to it, or a word that runs
/// commands (`sudo`, `exec`, `cmd /c`, ...); variable assignments before it are skipped.
pub fn command_position(text: &str, start: usize) -> bool {
    let mut before = &text[..start];
    // A path to the program: /usr/sbin/useradd, C:\Windows\System32\net.exe
    if before.ends_with(['/', '\\']) {
        let cut = before.rfind([' ', '\t', '"', '\'', '=', '(', '`', '|', ';', '&']).map_or(0, |i| i + 1);
        before = &before[..cut];
    }
    loop {
        let trimmed = before.trim_end_matches([' ', '\t']);
        let Some(last) = trimmed.chars().last() else { return true };
        if "|;&(`\"'=:$>{".contains(last) {
            return true;
        }
        let word_start = trimmed.rfind([' ', '\t', '"', '\'', '(', '`', '|', ';', '&']).map_or(0, |i| i + 1);
        let word = &trimmed[word_start..];
        // `VAR=value command`: look past the assignment.
        if let Some((name, _)) = word.split_once('=') {
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                before = &trimmed[..word_start];
                continue;
            }
        }
        const RUNNERS: &[&str] = &[
            "sudo",
            "doas",
            "exec",
            "nohup",
            "time",
            "env",
            "nice",
            "ionice",
            "timeout",
            "xargs",
            "then",
            "do",
            "else",
            "watch",
            "strace",
            "/c",
            "/k",
            "-c",
            "-command",
            "call",
            "start",
            "cmd",
            "cmd.exe",
            "powershell",
            "powershell.exe",
            "pwsh",
            "bash",
            "sh",
            "zsh",
            "runuser",
            "-Command",
            "/C",
            "/K",
            "$",
            "#",
            ">",
        ];
        return RUNNERS.iter().any(|r| word.eq_ignore_ascii_case(r));
    }
}

/// The sensitive arguments of the tool named by `text[tool]`, reading from `args_from`.
/// Positional rules apply only in command position (`at_command`), so prose that merely
/// names a tool (`Successful su for root`) is left alone.
pub fn parse(text: &str, tool: Range<usize>, args_from: usize, at_command: bool) -> Parsed {
    let mut out = Parsed { args: Vec::new(), wrapped: None };
    let Some(spec) = spec(&text[tool]) else { return out };
    let b = text.as_bytes();
    let toks = tokens(text, args_from);
    let mut positionals: Vec<&Token> = Vec::new();
    let mut active = spec.subcommand.is_none();
    let mut i = 0;
    let mut options_done = false;
    let mut htpasswd_batch = false;
    let mut htpasswd_stdout = false;
    while i < toks.len() {
        let t = &toks[i];
        let word = &text[t.range.clone()];
        i += 1;
        if !active {
            if word.eq_ignore_ascii_case(spec.subcommand.unwrap_or("")) {
                active = true;
            }
            continue;
        }
        if word == "--" {
            options_done = true;
            continue;
        }
        // Windows tools take `/flag`s; a `-` starts a value there (`net user x -Pw1 /add`).
        let slash_flags = spec.names.contains(&"schtasks") || spec.names.contains(&"net");
        let is_flag = !options_done && if slash_flags { word.starts_with('/') } else { word.starts_with('-') };
        if is_flag && word.len() > 1 {
            let same = |f: &str| if f.starts_with('/') { f.eq_ignore_ascii_case(word) } else { f == word };
            if let Some((_, v)) = spec.flags.iter().find(|(f, _)| same(f)) {
                if let Some(next) = toks.get(i) {
                    let nv = &text[next.inner.clone()];
                    // A flag followed by another flag has no value (`mongo -p` prompts); a
                    // password may still start with a dash (`-w -2Vcz`), even with the
                    // letters of a flag (`docker login -p -uB+2HA5o`): what is not exactly a
                    // flag is taken as the password (a user name given as `-uNAME` after a
                    // prompting `-p` is then removed, but no password is ever kept).
                    let flag_like = nv.starts_with("--")
                        || (nv.starts_with('-') && nv.len() == 2)
                        || spec.flags.iter().chain(spec.attached).any(|(f, _)| nv == *f);
                    let is_secret = matches!(v, Is(Secret(_)));
                    if !(nv.starts_with('-') && nv.len() > 1) || (is_secret && !flag_like) {
                        value(text, next.inner.clone(), *v, &mut out.args);
                        i += 1;
                    }
                }
                continue;
            }
            if let Some((f, v)) = spec.attached.iter().find(|(f, _)| word.starts_with(f) && word.len() > f.len()) {
                let inner = unquote(b, t.range.start + f.len()..t.range.end);
                if !inner.is_empty() {
                    value(text, inner, *v, &mut out.args);
                }
                continue;
            }
            if spec.positional == Positional::Htpasswd && !word.starts_with("--") {
                htpasswd_batch |= word.contains('b');
                htpasswd_stdout |= word.contains('n');
            }
            continue;
        }
        if spec.wrapper {
            out.wrapped = Some(t.range.start);
            break;
        }
        // htpasswd reads its options before the file, user and password only: a password
        // may start with a dash (`htpasswd -b FILE USER -FZKP1s`).
        if spec.positional == Positional::Htpasswd {
            options_done = true;
        }
        positionals.push(t);
    }
    positional_args(text, spec.positional, &positionals, at_command, htpasswd_batch, htpasswd_stdout, &mut out.args);
    out
}

fn positional_args(
    text: &str,
    kind: Positional,
    p: &[&Token],
    at_command: bool,
    batch: bool,
    to_stdout: bool,
    out: &mut Vec<(Range<usize>, Arg)>,
) {
    let s = |t: &Token| &text[t.inner.clone()];
    match kind {
        Positional::None => {}
        Positional::SshTarget => {
            for t in p {
                ssh_target(text, t.inner.clone(), out);
            }
        }
        Positional::SmbShare => {
            for t in p {
                let v = s(t);
                if let Some(rest) = v.strip_prefix("//") {
                    let end = rest.find('/').unwrap_or(rest.len());
                    out.push((t.inner.start + 2..t.inner.start + 2 + end, Host));
                }
            }
        }
        Positional::Impacket => {
            for t in p {
                impacket_target(text, t.inner.clone(), out);
            }
        }
        Positional::Sqlplus => {
            if let Some(t) = p.first() {
                let r = t.inner.clone();
                let v = s(t);
                if v.starts_with('@') || v.starts_with('-') || v.eq_ignore_ascii_case("/nolog") {
                    return;
                }
                let at = v.find('@').unwrap_or(v.len());
                let (creds, _) = v.split_at(at);
                match creds.split_once('/') {
                    Some((user, pass)) => {
                        out.push((r.start..r.start + user.len(), User));
                        if !pass.is_empty() {
                            out.push((r.start + user.len() + 1..r.start + creds.len(), Secret("password")));
                        }
                    }
                    None if !creds.is_empty() && at < v.len() => out.push((r.start..r.start + creds.len(), User)),
                    None => {}
                }
            }
        }
        _ if !at_command => {}
        Positional::Htpasswd if batch => {
            // htpasswd -b FILE USER PASS; with -n there is no file.
            let args: Vec<&Token> = p.to_vec();
            let (user, pass) = if to_stdout { (args.first(), args.get(1)) } else { (args.get(1), args.get(2)) };
            if let Some(u) = user {
                out.push((u.inner.clone(), User));
            }
            if let Some(pw) = pass {
                out.push((pw.inner.clone(), Secret("password")));
            }
        }
        Positional::Htpasswd => {
            let user = if to_stdout { p.first() } else { p.get(1) };
            if let Some(u) = user {
                out.push((u.inner.clone(), User));
            }
        }
        Positional::Net => {
            let words: Vec<&Token> = p.iter().copied().filter(|t| !s(t).starts_with('/')).collect();
            let Some(sub) = words.first().map(|t| s(t).to_ascii_lowercase()) else { return };
            match sub.as_str() {
                "user" | "users" => {
                    if let Some(name) = words.get(1) {
                        out.push((name.inner.clone(), User));
                    }
                    if let Some(pw) = words.get(2).filter(|t| s(t) != "*") {
                        out.push((pw.inner.clone(), Secret("password")));
                    }
                }
                "use" => {
                    // net use [X:] \\server\share [password | *] /user:...
                    let after_share = words.iter().position(|t| s(t).starts_with("\\\\"));
                    if let Some(pw) = after_share.and_then(|i| words.get(i + 1)).filter(|t| s(t) != "*") {
                        out.push((pw.inner.clone(), Secret("password")));
                    }
                }
                "localgroup" | "group" => {
                    for name in words.iter().skip(2) {
                        out.push((name.inner.clone(), User));
                    }
                }
                _ => {}
            }
        }
        Positional::Su => {
            if let Some(t) = p.iter().find(|t| !s(t).starts_with('-')) {
                out.push((t.inner.clone(), User));
            }
        }
        Positional::LastUser => {
            if let Some(t) = p.last() {
                out.push((t.inner.clone(), User));
            }
        }
        Positional::Owner => {
            if let Some(t) = p.first() {
                let v = s(t);
                let end = v.find([':', '.']).unwrap_or(v.len());
                if end > 0 && !v.starts_with('/') {
                    out.push((t.inner.start..t.inner.start + end, User));
                }
            }
        }
    }
}

/// `[user@]host[:path]`: the user and the host (a path after `:` is left to the text scan).
fn ssh_target(text: &str, r: Range<usize>, out: &mut Vec<(Range<usize>, Arg)>) {
    let v = &text[r.clone()];
    if v.starts_with('/') || v.starts_with('.') || v.starts_with('~') || v.contains("://") {
        return;
    }
    let Some(at) = v.find('@') else {
        // `host:path` (scp, rsync)
        if let Some(colon) = v.find(':') {
            let host = &v[..colon];
            if !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) {
                out.push((r.start..r.start + colon, Host));
            }
        }
        return;
    };
    out.push((r.start..r.start + at, User));
    let rest = &v[at + 1..];
    let end = rest.find(':').unwrap_or(rest.len());
    if end > 0 {
        out.push((r.start + at + 1..r.start + at + 1 + end, Host));
    }
}

/// `[domain/]user[:password]@target`.
fn impacket_target(text: &str, r: Range<usize>, out: &mut Vec<(Range<usize>, Arg)>) {
    let v = &text[r.clone()];
    let Some(at) = v.rfind('@') else { return };
    let creds = &v[..at];
    let (domain_end, user_start) = match creds.find('/') {
        Some(i) => (i, i + 1),
        None => (0, 0),
    };
    if domain_end > 0 {
        out.push((r.start..r.start + domain_end, Host));
    }
    let user_part = &creds[user_start..];
    match user_part.split_once(':') {
        Some((user, pass)) => {
            out.push((r.start + user_start..r.start + user_start + user.len(), User));
            if !pass.is_empty() {
                out.push((r.start + user_start + user.len() + 1..r.start + at, Secret("password")));
            }
        }
        None if !user_part.is_empty() => out.push((r.start + user_start..r.start + at, User)),
        None => {}
    }
    let target = &v[at + 1..];
    if !target.is_empty() {
        out.push((r.start + at + 1..r.end, Host));
    }
}

fn value(text: &str, r: Range<usize>, v: Value, out: &mut Vec<(Range<usize>, Arg)>) {
    if r.is_empty() {
        return;
    }
    match v {
        Skip => {}
        Is(arg) => out.push((r, arg)),
        UserSecret(sep) => {
            let s = &text[r.clone()];
            match s.bytes().position(|b| b == sep) {
                Some(i) => {
                    if i > 0 {
                        out.push((r.start..r.start + i, User));
                    }
                    if i + 1 < s.len() {
                        out.push((r.start + i + 1..r.end, Secret("password")));
                    }
                }
                None => out.push((r, User)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (value, what) for every sensitive argument of `line`, whose tool is its first word.
    fn found(line: &str) -> Vec<(&str, Arg)> {
        let re = regex::Regex::new(&tool_pattern()).unwrap();
        let mut all = Vec::new();
        let mut starts: Vec<usize> = Vec::new();
        for m in re.find_iter(line) {
            let word = line[m.range()].trim_end();
            let at = starts.contains(&m.start()) || command_position(line, m.start());
            let p = parse(line, m.start()..m.start() + word.len(), m.end(), at);
            starts.extend(p.wrapped);
            all.extend(p.args);
        }
        all.sort_by_key(|(r, _)| r.start);
        all.into_iter().map(|(r, a)| (&line[r], a)).collect()
    }

    #[test]
    fn credentials_of_common_tools() {
        let pw = Secret("password");
        let cases: Vec<(&str, Vec<(&str, Arg)>)> = vec![
            ("mysql -u alice -pS3cret! -h db01 shop", vec![("alice", User), ("S3cret!", pw), ("db01", Host)]),
            ("mysql -ualice -p'two words'", vec![("alice", User), ("two words", pw)]),
            ("mysql -p shop", vec![]),
            ("curl -u bob:hunter2 https://x", vec![("bob", User), ("hunter2", pw)]),
            ("sshpass -p 'Pa55' ssh carol@bastion uptime", vec![("Pa55", pw), ("carol", User), ("bastion", Host)]),
            (
                "smbclient //fs01/share -U CORP\\dave%Secret1",
                vec![("fs01", Host), ("CORP\\dave", User), ("Secret1", pw)],
            ),
            ("net user eve P@ssw0rd /add", vec![("eve", User), ("P@ssw0rd", pw)]),
            ("net user eve -Dash3dPw /add", vec![("eve", User), ("-Dash3dPw", pw)]),
            ("net use Z: \\\\fs01\\home Winter24 /user:CORP\\eve", vec![("Winter24", pw)]),
            ("net localgroup administrators mallory /add", vec![("mallory", User)]),
            ("ldapsearch -x -D cn=admin -w LdapPw -H ldap://dc1", vec![("LdapPw", pw)]),
            ("mongo -u frank -p M0ngo admin", vec![("frank", User), ("M0ngo", pw)]),
            ("redis-cli -h cache -a R3dis ping", vec![("cache", Host), ("R3dis", pw)]),
            ("docker login -u grace -p D0cker registry.example.com", vec![("grace", User), ("D0cker", pw)]),
            ("docker run -u 1000 image", vec![]),
            ("htpasswd -bc /etc/nginx/.htpasswd heidi Htpw1", vec![("heidi", User), ("Htpw1", pw)]),
            ("htpasswd -nb ivan Htpw2", vec![("ivan", User), ("Htpw2", pw)]),
            // Passwords that start with a dash (seen in the generated leak corpus).
            ("htpasswd -b /etc/htpasswd ivan -FZKP1sNkh", vec![("ivan", User), ("-FZKP1sNkh", pw)]),
            ("docker login -u grace -p -uB+2HA5oJ registry", vec![("grace", User), ("-uB+2HA5oJ", pw)]),
            ("sshpass -p -fX9q ssh carol@bastion id", vec![("-fX9q", pw), ("carol", User), ("bastion", Host)]),
            ("openssl enc -aes256 -k OpenPw -in f", vec![("OpenPw", pw)]),
            ("sudo -u judy psql -U judy_app -h 10.0.0.5", vec![("judy", User), ("judy_app", User), ("10.0.0.5", Host)]),
            ("useradd -m -c 'Karl Marx' karl", vec![("Karl Marx", Person), ("karl", User)]),
            ("echo x | passwd --stdin leo", vec![("leo", User)]),
            ("su - mallory", vec![("mallory", User)]),
            ("chown nina:staff /srv/x", vec![("nina", User)]),
            ("schtasks /create /tn t /ru CORP\\oscar /rp Sch3d", vec![("CORP\\oscar", User), ("Sch3d", pw)]),
            ("psexec \\\\srv -u peggy -p Ps3x cmd", vec![("peggy", User), ("Ps3x", pw)]),
            ("sqlplus scott/tiger@orcl", vec![("scott", User), ("tiger", pw)]),
            (
                "secretsdump.py corp/quinn:Qu1nn@10.0.0.9",
                vec![("corp", Host), ("quinn", User), ("Qu1nn", pw), ("10.0.0.9", Host)],
            ),
            ("PGPASSWORD=x psql -U rita", vec![("rita", User)]),
            ("scp file sam@web01:/tmp/", vec![("sam", User), ("web01", Host)]),
        ];
        for (line, want) in cases {
            assert_eq!(found(line), want, "{line}");
        }
    }

    #[test]
    fn prose_that_names_a_tool_is_left_alone() {
        for line in [
            "Successful su for root by alice",
            "connection to mysql server lost",
            "pam_unix(su:session): session opened for user root",
            "the net income rose",
        ] {
            assert_eq!(found(line), vec![], "{line}");
        }
        let line = "COMMAND=/usr/sbin/useradd bob";
        assert!(command_position(line, line.find("useradd").unwrap()));
        assert!(command_position("x; su bob", 3));
        assert!(!command_position("Successful su for", 11));
    }
}
