//! The command line: one clap definition, shared flags declared once in [`CommonArgs`].

use crate::io::RunOptions;
use crate::report::ReportFormat;
use crate::score::{Emit, Mode};
use crate::tree::TreeFormat;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "logward",
    version,
    about = "Pipeable toolkit for security logs: raw logs in, ECS NDJSON events out",
    long_about = "logward reads security logs and writes one ECS event per line (NDJSON), so its \
                  subcommands chain in shell pipelines, cron jobs and data pipelines.",
    after_help = "Examples:\n  logward parse /var/log/auth.log* access.log.gz > events.ndjson\n  \
                  tail -F /var/log/auth.log | logward parse\n  \
                  logward parse --format csv processes.csv network.csv | logward tree --pid 15150\n  \
                  logward parse auth.log | logward detect --alerts-only\n  \
                  logward enrich --geoip GeoLite2-City.mmdb alerts.ndjson > enriched.ndjson\n\n\
                  Exit status: 0 success, 1 input rejected under --strict, 2 usage or fatal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)
    #[command(after_help = PARSE_EXAMPLES)]
    Parse(ParseArgs),
    /// Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)
    #[command(after_help = ANONYMIZE_EXAMPLES)]
    Anonymize(AnonymizeArgs),
    /// Run Sigma detection and correlation rules (built-in pack and your own) over ECS events
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
    /// Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)
    #[command(after_help = SCORE_EXAMPLES)]
    Score(ScoreArgs),
    /// Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations
    #[command(after_help = ENRICH_EXAMPLES)]
    Enrich(EnrichArgs),
    /// Build process trees from process events, with each process's network, file, registry and DNS activity
    #[command(after_help = TREE_EXAMPLES)]
    Tree(TreeArgs),
    /// Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
}

const REPORT_EXAMPLES: &str = "\
Reads the NDJSON of any stage (events, alerts, anomaly scores, tree nodes) in one streaming
pass and writes a summary, findings first: alerts by level, the rules that fired with their
ATT&CK ids, the hosts, sources and users involved, the time range. Then, when their data is
present: alerts (every one listed, up to --max-alerts), authentication (failures and successes
by source and user, over time, success after failures, newest sources, Windows logons by logon
type), anomalies (histogram, most anomalous with explanations; records outside the model's
vocabulary apart), IP lists and GeoIP, hosts, timeline, event types, top talkers, processes,
inputs, data quality (rejected lines by kind, missing or out-of-order timestamps, duplicates,
unknown formats). The HTML page sorts its tables and filters the alert list with an inline
script; everything is readable without it.

Memory is bounded. Exact: record counts, datasets, time range, timeline, outcomes, levels,
score range, data-quality counts. Bounded (Space-Saving, 4096 counters per field, exact until a
field has more distinct values, then every frequent value is kept and its count is at most
the printed error too high): source/destination IPs, users, processes, URLs, rules,
techniques, files, reasons. Duplicates are checked against the first 4,194,304 distinct
events; the score histogram samples a million scores uniformly beyond that many.

Formats: md (default, stdout), html (one self-contained file: inline SVG charts, CSS and
script, light and dark, no network), csv (events flattened to dotted columns: --fields, or every field seen, spooled to
a temporary file), json (the aggregates, for dashboards).

Examples:
  logward report events.ndjson                              Markdown to the terminal
  logward parse --errors rej.ndjson auth.log | logward detect | logward report \\
      --rejects rej.ndjson --format html -o report.html     with parse's rejected lines
  logward report --format json --top 20 alerts.ndjson       aggregates for a dashboard
  logward report --png-dir charts/ events.ndjson            Markdown, and each chart as a PNG
  logward report --format csv --fields @timestamp,source.ip,user.name,event.outcome events.ndjson
  logward report --partial -o part-1.json day-1.ndjson       a partial summary of one part
  logward report --merge --format html -o report.html part-*.json
                                                            the report of all parts together

Partial summaries (--partial, then --merge) give the report of the whole input: the same
numbers as one pass wherever one pass is exact (counts, time range, timeline, outcomes,
levels, score range, rejected lines), for any split; top-N lists merge with the error bound
of Space-Saving, the score histogram from a proportional sample, duplicates and timestamp
order across parts as documented in the README. Give --rejects to the merge, not the parts.";

const ANONYMIZE_EXAMPLES: &str = "\
Reads ECS NDJSON (logward's or Filebeat's) and writes the same events, byte for byte, except
the sensitive values, which are found in their fields (rules/anonymize/policy.yml) and in
free text (message, event.original, command lines, paths, URLs, template patterns, member
names), also under percent-encoding, escaped strings and base64 (written back encoded).

Categories and methods (the same key and value give the same pseudonym in every file, run,
thread and machine):
  ip          ipcrypt-pfx prefix-preserving encryption; private, loopback, link-local,
              multicast and documentation addresses stay in their range
  mac         vendor prefix (OUI) kept, the rest FF1
  user, host, person, domain, email
              same-shape pseudonyms (letters stay letters, digits digits, case kept);
              domains label by label with the public suffix kept; e-mails from the user
              and domain pseudonyms; system accounts (root, sshd, www-data, ...) kept
  url         userinfo, host, identifying query values and path segments (/home/USER)
  numeric_id  FF1 over the digits, same length; card: FF1 between the issuer prefix and
              the recomputed Luhn digit
  time        with --shift-time: a keyed whole number of weeks back (weekday and hour kept);
              with --jitter S: plus a keyed offset under S seconds that keeps event order
  iban, phone, national_id
              valid ones only (checksums, international phone form): format kept, free
              digits FF1, checks recomputed; Windows SIDs: domain part FF1, RID class kept
  secret      passwords (also tool flags: mysql -p, curl -u user:pass, PGPASSWORD=, ...),
              provider keys and tokens (AWS, GCP, Azure, GitHub, GitLab, Slack, Stripe, ...),
              JWTs, private keys, session cookies: replaced by [REDACTED:<type>]
--reveal restores every category exactly except secrets and --jitter, one-way by design.
Every event carries the key's fingerprint (logward.anonymize.key); --reveal with another key
or --domain refuses.
Strings that change are written with standard JSON escaping; all other bytes are copied.

Key: 64 hex digits in --key-file FILE or LOGWARD_KEY. There is no default key.
--domain NAME derives an independent key, so releases to different parties cannot be linked.

Examples:
  logward anonymize --new-key team.key
  logward parse /var/log/auth.log | logward anonymize --key-file team.key > shared.ndjson
  logward anonymize --key-file team.key --domain partner-a --shift-time events.ndjson
  logward anonymize --key-file team.key --risk-report risk.json -o out.ndjson events.ndjson
  logward anonymize --reveal --key-file team.key shared.ndjson";

const DETECT_EXAMPLES: &str = "\
Every input event is written unchanged; each alert (event.kind: alert) follows the event
that completed it. Alerts carry rule.id/name/description, event.severity and
logward.detect.level, tags (ATT&CK), the group-by values (source.ip, user.name, ...),
event.start/event.end, logward.detect.count, a sentence in logward.detect.reason, and the
triggering events (input file and line, event.id) in logward.detect.events.

Rules are Sigma 2 (detection, filters, and correlations: event_count, value_count, temporal,
temporal_ordered, also chained). Correlation windows use each event's @timestamp, so an
archive replays as it happened; they expect roughly time-ordered input. A rule runs only on
events of its logsource, and Sigma field names are mapped to ECS (rules/detect/ecs-mapping.yml).
Rules whose logsource the mapping cannot place do not run: stderr counts them by logsource,
--list-rules says why, --all-logsources runs them on every event. Windows rules run on
Winlogbeat-shaped events: winlog.channel + winlog.event_id choose the rules, and rule fields
(Image, CommandLine, TargetUserName, ...) are read from winlog.event_data.
Keyword rules search `message` (else event.original). Rules may test two computed fields:
logward.after_hours (true outside --work-hours in --tz) and logward.hour (0-23).

Memory: a correlation window keeps at most the entries its condition needs (value_count: up to
10000), groups idle longer than their timespan are dropped, and --max-groups bounds the rest.

Reason templates (custom attribute logward_reason) may use {count}, {distinct},
{distinct:FIELD}, {duration}, {first}, {last}, {timespan}, {threshold}, {rule}, {hour}, and
any event field such as {source.ip}.

Examples:
  logward parse /var/log/auth.log | logward detect
  logward detect --alerts-only --rules ./sigma/rules/linux events.ndjson
  logward detect --set ssh_brute_force.count=20 --set ssh_brute_force.timespan=5m
  logward detect --work-hours 08:00-18:00 --tz Europe/Berlin events.ndjson
  logward detect --rules ./sigma/rules winlogbeat-security.ndjson
  logward detect --list-rules";

const TREE_EXAMPLES: &str = "\
Reads ECS events: process events (process.pid, process.parent.pid, process.entity_id and
process.parent.entity_id when present, name, executable, command line, user, @timestamp) and
activity events naming a process (destination.ip/port, file.path, registry.path,
dns.question.name). A pid that starts again is a new process; activity and children attach to
the instance alive at their time. Missing parents make orphans (roots); parent loops are cut
and reported. The whole input is held in memory (one small record per event).

Examples:
  logward parse --format csv process_events.csv network_events.csv file_events.csv \\
      registry_events.csv | logward tree --pid 15150
  logward tree --name powershell.exe --depth 2 events.ndjson
  logward tree --format dot events.ndjson | dot -Tsvg > tree.svg
  logward tree --format ndjson events.ndjson | jq -c 'select(.logward.tree.depth > 3)'";

#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Key file (64 hex digits; should be mode 0600). Without it, LOGWARD_KEY is read
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Create a new random key in FILE (mode 0600) and exit; an existing file is never overwritten
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key_file", "reveal"])]
    pub new_key: Option<PathBuf>,

    /// Derive an independent key for NAME (one per recipient, so their copies cannot be linked)
    #[arg(long, value_name = "NAME", default_value = "")]
    pub domain: String,

    /// Restore the original values (every category except secrets)
    #[arg(long)]
    pub reveal: bool,

    /// Policy file mapping fields to categories (default: the built-in rules/anonymize/policy.yml)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Move dates back by a keyed whole number of weeks (1 to 520), keeping weekday and hour
    /// (with --reveal: move them forward again)
    #[arg(long)]
    pub shift_time: bool,

    /// Add a keyed offset of less than SECONDS to every timestamp, never reordering events
    /// (one-way: --reveal cannot remove it)
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub jitter: f64,

    /// Write a JSON risk report to FILE (and a summary to stderr): values replaced per
    /// category, fields and their sensitivity, residual leaks, singling-out risk, GDPR status
    #[arg(long, value_name = "FILE", conflicts_with = "reveal")]
    pub risk_report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Sigma rule file or folder (searched recursively for .yml/.yaml); repeatable. Broken
    /// rules are reported and skipped (with --strict they stop the run)
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Leave out the built-in rule pack
    #[arg(long)]
    pub no_builtin: bool,

    /// Write only the alerts, not the input events
    #[arg(long)]
    pub alerts_only: bool,

    /// Change a correlation's threshold or window without editing its file; repeatable
    #[arg(
        long = "set",
        value_name = "RULE.KEY=VALUE",
        long_help = "Change a correlation's threshold or window without editing its file, \
        e.g. ssh_brute_force.count=20 or web_auth_denied_burst.timespan=10m (RULE is the rule's name or id; KEY is count or timespan); repeatable"
    )]
    pub set: Vec<String>,

    /// Working hours for logward.after_hours (rules about logins and writes outside them)
    #[arg(long, value_name = "HH:MM-HH:MM", default_value = "06:00-22:00")]
    pub work_hours: String,

    /// Time zone for working hours: UTC, an offset like +02:00, or an IANA name
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,

    /// Field mapping from Sigma logsources to ECS, replacing the built-in one
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Correlation groups kept at most (the least recently active are dropped beyond it)
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_groups: usize,

    /// Print the loaded rules (name, level, kind, threshold, logsource) and exit
    #[arg(long)]
    pub list_rules: bool,

    /// Also run rules whose logsource the mapping cannot place, on every event (by default
    /// they do not run, and stderr says how many wait, by logsource)
    #[arg(long)]
    pub all_logsources: bool,

    /// Print the key families of the correlations (NDJSON: family, key fields, correlations)
    /// and exit: events must be partitioned by a family's key to run it on many machines
    #[arg(long, help_heading = "Partitioned runs (Spark, many machines)")]
    pub print_partition_key: bool,

    /// Run only the correlations of key family K (from --print-partition-key; 0: none)
    #[arg(long, value_name = "K", help_heading = "Partitioned runs (Spark, many machines)")]
    pub partition_family: Option<usize>,

    /// Write no alerts of single detection rules, only those of correlations (for the
    /// passes after the first in a partitioned run)
    #[arg(long, help_heading = "Partitioned runs (Spark, many machines)")]
    pub correlations_only: bool,
}

#[derive(Debug, Args)]
pub struct TreeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Start from the process(es) with this pid (every instance if the pid was reused)
    #[arg(long, value_name = "PID")]
    pub pid: Option<i64>,

    /// Start from the process with this process.entity_id
    #[arg(long, value_name = "ID")]
    pub entity_id: Option<String>,

    /// Start from processes with this name (any case)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Levels of descendants to show (0: the starting processes only)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,

    /// Output format
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: TreeFormat,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output format
    #[arg(short, long, value_enum, default_value = "md")]
    pub format: ReportFormat,

    /// Rows in each top list (talkers, users, rules, most anomalous)
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// CSV columns (dotted ECS names, comma-separated; repeatable); default: every field seen
    #[arg(long, value_name = "FIELD,...", value_delimiter = ',')]
    pub fields: Vec<String>,

    /// Rejected-lines file written by an earlier stage's --errors, counted under data quality; repeatable
    #[arg(long, value_name = "FILE")]
    pub rejects: Vec<PathBuf>,

    /// Title of the Markdown and HTML report
    #[arg(long, value_name = "TEXT", default_value = "logward report")]
    pub title: String,

    /// Also write each chart as a PNG file in DIR (md, html or json; a built-in font, no browser)
    #[arg(long, value_name = "DIR")]
    pub png_dir: Option<PathBuf>,

    /// Alerts listed one by one in the report (the most severe, then the earliest, when there are more)
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_alerts: usize,

    /// Write a partial summary (versioned JSON, one line) to merge later with --merge, instead of a report
    #[arg(long, conflicts_with_all = ["fields", "png_dir"])]
    pub partial: bool,

    /// The inputs are partial summaries (from --partial): write the report of their union
    #[arg(long, conflicts_with = "fields")]
    pub merge: bool,
}

const SCORE_EXAMPLES: &str = "\
Each event is a token (what it means: event.dataset/code/action/outcome, the HTTP method and
status class, or its category; else its template, logward.template.id from parse) and its
content (masked message words weighted by TF-IDF, outcome, HTTP status, size, hour of day).
The sequence model reads the window of the last --window tokens of the event's session, up to
and including its own (left-padded while the session is shorter), so every event is scored as
it arrives and events stream out in input order. The single-event model reads the content
alone. A message outside the model's vocabulary is scored by its content and marked
logward.anomaly.unknown; --explain says what drove each score.

Each event gets logward.anomaly.score, .severity (none, low, medium, high, critical: at
the 85th, 95th, 99th and 99.9th percentiles of the training error), .model, .session and
.window (first and last positions in the session). With --emit sessions, one record per
session comes out at the end instead: its highest score, including a last window closed by
an end-of-session token, so sessions that stop early stand out.

Models: hdfs (HDFS block sessions, logward.session.id) and linux-auth (Linux auth and syslog,
host.name,process.pid), built in; or a model trained with models/train.py, given by path.
Needs the ONNX Runtime library: scripts/fetch-onnxruntime.sh installs it (or set
ORT_DYLIB_PATH). --export-features writes the training tensors (NumPy .npz) instead.

Examples:
  logward parse auth.log | logward score > scored.ndjson
  logward score --model hdfs --emit sessions hdfs-events.ndjson
  logward score --model models/mine.onnx --mode both --session-field user.name events.ndjson
  logward parse auth.log | logward score | logward report --format html -o report.html
  logward parse auth.log | logward score --explain | jq -c '.logward.anomaly'
  logward score --export-features train.npz --session-field host.name normal.ndjson
  make fit EVENTS=normal.ndjson OUT=mymodel   # then: logward score --model mymodel/mymodel.onnx";

const ENRICH_EXAMPLES: &str = "\
Events whose tags hold ATT&CK tags (attack.t1110.001, attack.credential-access, as Sigma rules
write them) get threat.framework, threat.technique.id/name/reference,
threat.technique.subtechnique.*, and threat.tactic.* (from the tags, else from the techniques).
Revoked techniques resolve to their replacement when the bundle says so (logward.attack.replaced).
Unknown attack.* tags (ATT&CK v19's stealth, say) are kept, listed in
logward.attack.unknown_tags and counted on stderr.
Alerts (event.kind: alert) get logward.threat_type: brute_force, password_spraying,
credential_stuffing, scanning, injection, unauthorized_access, privilege_escalation,
persistence, execution, defense_evasion, credential_access, discovery, lateral_movement,
collection, command_and_control, exfiltration, impact, or unknown.

Examples:
  logward detect < events.ndjson | logward enrich > alerts.ndjson
  logward enrich --attack-bundle enterprise-attack.json alerts.ndjson
  logward enrich --ip-list tor=tor-exits.txt --ip-list internal=rfc1918.txt events.ndjson
  logward enrich --geoip GeoLite2-City.mmdb --geoip GeoLite2-ASN.mmdb events.ndjson
  LOGWARD_LLM_KEY=... logward enrich --llm http://localhost:8080/v1 --llm-model llama3 alerts.ndjson";

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// A built-in model (hdfs, linux-auth) or a trained model's .onnx/.json path [default: linux-auth]
    #[arg(short, long, value_name = "NAME|PATH")]
    pub model: Option<String>,

    /// Which model scores: the sequence one, the single-event one, or both fused
    #[arg(long, value_enum, default_value = "sequence")]
    pub mode: Mode,

    /// Write every event with its score, or one record per session at the end
    #[arg(long, value_enum, default_value = "events")]
    pub emit: Emit,

    /// Fields whose values key a session (comma-separated); default: the model's
    #[arg(long, value_name = "FIELD,...", value_delimiter = ',')]
    pub session_field: Vec<String>,

    /// Events per window (the model's; with --export-features and no --model: default 8)
    #[arg(long, value_name = "N")]
    pub window: Option<usize>,

    /// Score every Nth window of a session; events between carry the last window's score
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub stride: u64,

    /// Write the feature tensors (NumPy .npz) for training instead of scores
    #[arg(long, value_name = "FILE")]
    pub export_features: Option<PathBuf>,

    /// Add logward.anomaly.explanation: the window's token with the highest loss and the content's rare words
    #[arg(long)]
    pub explain: bool,

    /// Print the session fields in effect (the model's, or --session-field) and exit:
    /// the key to partition events by when scoring on many machines (needs no ONNX Runtime)
    #[arg(long)]
    pub print_session_field: bool,
}

#[derive(Debug, Args)]
pub struct EnrichArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Use this ATT&CK STIX bundle (enterprise-attack.json from MITRE) instead of the built-in v18.1 table
    #[arg(long, value_name = "FILE")]
    pub attack_bundle: Option<PathBuf>,

    /// MaxMind DB file (GeoIP2/GeoLite2 City, Country or ASN, or DB-IP) for source.geo/as and
    /// destination.geo/as; repeatable (a City and an ASN database, say)
    #[arg(long, value_name = "FILE.mmdb")]
    pub geoip: Vec<PathBuf>,

    /// Tag events whose source.ip or destination.ip is in FILE (one IP or CIDR a line) with
    /// `ip_list:NAME`; repeatable
    #[arg(long = "ip-list", value_name = "NAME=FILE")]
    pub ip_lists: Vec<String>,

    /// Largest IP list, GeoIP database or ATT&CK bundle read (e.g. 512M, 2G); a larger file
    /// stops the run with a message naming it
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = crate::io::files::parse_size)]
    pub side_file_limit: u64,

    /// Explain alerts with an OpenAI-compatible chat completions API at URL (e.g.
    /// http://localhost:8080/v1); only structured fields are sent, never event.original or message
    #[arg(long, value_name = "URL", help_heading = "LLM (off by default)")]
    pub llm: Option<String>,

    /// Model name sent to the LLM server
    #[arg(long, value_name = "NAME", default_value = "default", help_heading = "LLM (off by default)")]
    pub llm_model: String,

    /// Environment variable holding the API key (sent as a Bearer token when set)
    #[arg(long, value_name = "VAR", default_value = "LOGWARD_LLM_KEY", help_heading = "LLM (off by default)")]
    pub llm_key_env: String,

    /// Seconds one request may take
    #[arg(long, value_name = "SECS", default_value_t = 30.0, help_heading = "LLM (off by default)")]
    pub llm_timeout: f64,

    /// Requests in flight at most (calls are made from the worker threads: --threads bounds it too)
    #[arg(long, value_name = "N", default_value_t = 4, help_heading = "LLM (off by default)")]
    pub llm_concurrency: usize,

    /// Retries on 429, 5xx, timeouts and connection errors, with exponential backoff
    /// (a Retry-After is honoured up to 30 s)
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "LLM (off by default)")]
    pub llm_retries: u32,

    /// Seconds from the start after which no more requests are made (the rest of the
    /// events pass through without logward.llm)
    #[arg(long, value_name = "SECS", default_value_t = 600.0, help_heading = "LLM (off by default)")]
    pub llm_deadline: f64,

    /// Failed requests in a row after which the LLM is given up on for the rest of the run
    /// (0: never)
    #[arg(long, value_name = "N", default_value_t = 5, help_heading = "LLM (off by default)")]
    pub llm_breaker: u32,

    /// Explain every event, not only alerts
    #[arg(long, requires = "llm", help_heading = "LLM (off by default)")]
    pub llm_all_events: bool,
}

const PARSE_EXAMPLES: &str = "\
Formats (detected per file from its first lines unless --format is given):
  syslog        RFC 3164 (auth.log, secure, syslog), RFC 5424, rsyslog ISO timestamps, also
                behind a prefix; sshd, sudo, su, PAM, useradd/groupadd, cron and logind
                messages mapped to ECS; kernel firewall lines; repeated messages counted
  auditd        audit.log: the records of one event (SYSCALL, EXECVE, PATH, ...) in one event
  journald      journalctl -o json: MESSAGE read as syslog
  netfilter     kernel firewall lines without a syslog header (dmesg)
  access        nginx/Apache combined and common, optional vhost prefix and trailing fields
  w3c           W3C extended / IIS with #Fields: headers
  evtx          Windows event logs: .evtx files (by their first bytes), evtx_dump JSON;
                Winlogbeat 8 fields (winlog.*, Security, Sysmon, PowerShell mapped to ECS)
  windows-xml   Windows events as XML (wevtutil qe /f:xml, Get-WinEvent ToXml)
  apache-error, nginx-error
  json          JSON lines: ECS events pass through with dotted keys nested
  csv           header row; columns mapped by the alias table and --map, the rest kept
                under logward.csv.<column>
  custom        --line-format '<Date> <Time> <Level> <Component>: <Content>'
  text          anything else: message, plus the time when one is found near the start

Examples:
  logward parse /var/log/auth.log > auth.ndjson
  logward parse --rotated /var/log/auth.log* --errors rejected.ndjson
  zcat archive/*.gz | logward parse --year 2023 --tz Europe/Berlin
  logward parse --format csv --map proc_cmd=process.command_line processes.csv
  logward parse --line-format '<Date> <Time> <Pid> <Level> <Component>: <Content>' HDFS.log
  logward parse --errors damaged.ndjson Security.evtx Sysmon.evtx > windows.ndjson
  logward parse /var/log/audit/audit.log | logward detect --rules sigma/rules/linux
  journalctl -o json --since today | logward parse
  tail -F /var/log/auth.log | logward parse | jq -c 'select(.event.outcome==\"failure\")'
  logward parse --templates state.json --templates-out table.ndjson /var/log/auth.log";

/// Flags every stage shares: inputs, output, error handling, threads.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Input files or glob patterns; `-` or none reads stdin. gzip and zstd are detected by content
    #[arg(value_name = "FILE")]
    pub inputs: Vec<String>,

    /// Write output to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,

    /// Stop with exit status 1 at the first rejected line
    #[arg(long)]
    pub strict: bool,

    /// Worker threads (0 = one per core); output is identical for every value
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// No summary line, no rejected-line messages, no progress bar on stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// Lines longer than this many bytes are rejected instead of read into memory
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_line_bytes: usize,

    /// Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log
    #[arg(long)]
    pub rotated: bool,
}

impl CommonArgs {
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            output: self.output.clone(),
            errors: self.errors.clone(),
            strict: self.strict,
            threads: self.threads,
            quiet: self.quiet,
            max_line_bytes: self.max_line_bytes,
            side: Default::default(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Input format for every file (default: detected per file)
    #[arg(short, long, value_parser = parse_formats())]
    pub format: Option<String>,

    /// Year of the first year-less syslog line in each file (default: from the file's
    /// modification time; December→January rolls over to the next year)
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(0..=9999))]
    pub year: Option<i32>,

    /// Time zone of timestamps written without one: UTC, +02:00 or an IANA name
    #[arg(long, value_name = "ZONE", default_value = "UTC", allow_hyphen_values = true)]
    pub tz: String,

    /// Layout of custom lines, loghub style: '<Date> <Time> <Level> <Content>'
    #[arg(long, value_name = "TEMPLATE")]
    pub line_format: Option<String>,

    /// Map a CSV column to an ECS field (repeatable), e.g. --map proc=process.name
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub maps: Vec<String>,

    /// Set event.dataset to NAME instead of the detected one
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,

    /// Do not mine templates (no logward.template fields)
    #[arg(long, help_heading = "Templates")]
    pub no_templates: bool,

    /// Load learned templates from FILE at start and save them there at the end
    #[arg(long, value_name = "FILE", help_heading = "Templates")]
    pub templates: Option<PathBuf>,

    /// Use the templates loaded with --templates without learning new ones
    #[arg(long, requires = "templates", help_heading = "Templates")]
    pub templates_frozen: bool,

    /// Write the template table (NDJSON: id, pattern, count, first_seen, last_seen, example, aliases)
    #[arg(long, value_name = "FILE", help_heading = "Templates")]
    pub templates_out: Option<PathBuf>,

    /// Variables masked before mining: a comma list of ip,number,hex,path,uuid,blockid,url,digits,
    /// date,domain, or `-class` to drop one from the default (all)
    #[arg(long, value_name = "CLASSES", default_value = "all", allow_hyphen_values = true, help_heading = "Templates")]
    pub mask: String,

    /// Share of a message's tokens that must equal a template's constants to join it
    #[arg(long, value_name = "0..1", default_value_t = 0.5, help_heading = "Templates")]
    pub template_similarity: f64,

    /// A position holding at most N distinct words stays part of the template (0 or 1: none)
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "Templates")]
    pub template_max_enum: usize,

    /// Most template clusters kept in memory; beyond it the least recently used is evicted
    #[arg(long, value_name = "N", default_value_t = 50_000, help_heading = "Templates")]
    pub max_templates: usize,

    /// Largest --templates state file read (e.g. 512M, 2G)
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = crate::io::files::parse_size, help_heading = "Templates")]
    pub side_file_limit: u64,
}

/// The clap command, for generating completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// `parse --format`: every registered format, with its description.
fn parse_formats() -> PossibleValuesParser {
    PossibleValuesParser::new(
        crate::parse::format::REGISTRY.iter().map(|f| PossibleValue::new(f.name()).help(f.about())),
    )
}

/// The stages' option types as clap values: their names and help live here, not in stage code.
macro_rules! value_enum {
    ($ty:ident { $($variant:ident => $name:literal, $help:literal;)* }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($ty::$variant),*]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $($ty::$variant => PossibleValue::new($name).help($help),)*
                })
            }
        }
    };
}

value_enum!(TreeFormat {
    Text => "text", "An indented tree with box-drawing lines";
    Md => "md", "Nested Markdown lists";
    Ndjson => "ndjson", "One node a line with depth and path, for further piping";
    Dot => "dot", "Graphviz";
});

value_enum!(ReportFormat {
    Md => "md", "Markdown (tables, a text timeline)";
    Html => "html", "One self-contained HTML file with inline SVG charts";
    Csv => "csv", "Events flattened to one row each";
    Json => "json", "The aggregates";
});

value_enum!(Mode {
    Sequence => "sequence", "The sequence autoencoder over each event's window of templates";
    Single => "single", "The single-event autoencoder over each event's content";
    Both => "both", "Both, fused: the larger score in units of each model's `high` threshold";
});

value_enum!(Emit {
    Events => "events", "Every event, with logward.anomaly added";
    Sessions => "sessions", "One record per session at the end of the input";
});

/// Splits a `KEY=VALUE` flag value; both sides must be non-empty.
pub fn key_value(spec: &str, flag: &str, shape: &str, example: &str) -> anyhow::Result<(String, String)> {
    use anyhow::Context as _;
    spec.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .with_context(|| format!("{flag} '{spec}': write it as {shape}, e.g. {flag} {example}"))
}
