# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_logward_global_optspecs
    string join \n h/help V/version
end

function __fish_logward_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_logward_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_logward_using_subcommand
    set -l cmd (__fish_logward_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c logward -n "__fish_logward_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c logward -n "__fish_logward_needs_command" -s V -l version -d 'Print version'
complete -c logward -n "__fish_logward_needs_command" -f -a "parse" -d 'Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)'
complete -c logward -n "__fish_logward_needs_command" -f -a "anonymize" -d 'Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)'
complete -c logward -n "__fish_logward_needs_command" -f -a "detect" -d 'Run Sigma detection and correlation rules (built-in pack and your own) over ECS events'
complete -c logward -n "__fish_logward_needs_command" -f -a "score" -d 'Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)'
complete -c logward -n "__fish_logward_needs_command" -f -a "enrich" -d 'Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations'
complete -c logward -n "__fish_logward_needs_command" -f -a "tree" -d 'Build process trees from process events, with each process\'s network, file, registry and DNS activity'
complete -c logward -n "__fish_logward_needs_command" -f -a "report" -d 'Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON'
complete -c logward -n "__fish_logward_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c logward -n "__fish_logward_using_subcommand parse" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand parse" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand parse" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -s f -l format -d 'Input format for every file (default: detected per file)' -r -f -a "w3c\t'W3C extended / IIS logs with a #Fields: header'
evtx\t'Windows event logs: .evtx files (recognized by their first bytes) and evtx_dump -o json/jsonl output'
windows-xml\t'Windows events as XML (wevtutil qe /f:xml, Get-WinEvent ToXml, Event Viewer\'s Save as XML)'
auditd\t'Linux audit records (audit.log): the records of one event (SYSCALL, EXECVE, PATH, ...) merged into one'
journald\t'journald entries (journalctl -o json): MESSAGE read as syslog, the entry\'s fields as ECS'
json\t'JSON lines (ECS events pass through, normalized)'
access\t'nginx/Apache access logs: combined, common, with vhost or extra fields'
netfilter\t'Kernel firewall (netfilter LOG: iptables, nftables, UFW, firewalld) lines, as dmesg writes them'
apache-error\t'Apache error log'
nginx-error\t'nginx error log'
syslog\t'RFC 3164, RFC 5424 and ISO-timestamped syslog (auth.log, secure, syslog, messages)'
csv\t'CSV with a header row'
custom\t'A custom layout given with --line-format'
text\t'Unknown text: message, plus the time when one is found near the start of the line'"
complete -c logward -n "__fish_logward_using_subcommand parse" -l year -d 'Year of the first year-less syslog line in each file (default: from the file\'s modification time; December→January rolls over to the next year)' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l tz -d 'Time zone of timestamps written without one: UTC, +02:00 or an IANA name' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l line-format -d 'Layout of custom lines, loghub style: \'<Date> <Time> <Level> <Content>\'' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l map -d 'Map a CSV column to an ECS field (repeatable), e.g. --map proc=process.name' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l dataset -d 'Set event.dataset to NAME instead of the detected one' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l templates -d 'Load learned templates from FILE at start and save them there at the end' -r -F
complete -c logward -n "__fish_logward_using_subcommand parse" -l templates-out -d 'Write the template table (NDJSON: id, pattern, count, first_seen, last_seen, example, aliases)' -r -F
complete -c logward -n "__fish_logward_using_subcommand parse" -l mask -d 'Variables masked before mining: a comma list of ip,number,hex,path,uuid,blockid,url,digits, date,domain, or `-class` to drop one from the default (all)' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l template-similarity -d 'Share of a message\'s tokens that must equal a template\'s constants to join it' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l template-max-enum -d 'A position holding at most N distinct words stays part of the template (0 or 1: none)' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l max-templates -d 'Most template clusters kept in memory; beyond it the least recently used is evicted' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l side-file-limit -d 'Largest --templates state file read (e.g. 512M, 2G)' -r
complete -c logward -n "__fish_logward_using_subcommand parse" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand parse" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand parse" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand parse" -l no-templates -d 'Do not mine templates (no logward.template fields)'
complete -c logward -n "__fish_logward_using_subcommand parse" -l templates-frozen -d 'Use the templates loaded with --templates without learning new ones'
complete -c logward -n "__fish_logward_using_subcommand parse" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c logward -n "__fish_logward_using_subcommand anonymize" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l key-file -d 'Key file (64 hex digits; should be mode 0600). Without it, LOGWARD_KEY is read' -r -F
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l new-key -d 'Create a new random key in FILE (mode 0600) and exit; an existing file is never overwritten' -r -F
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l domain -d 'Derive an independent key for NAME (one per recipient, so their copies cannot be linked)' -r
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l policy -d 'Policy file mapping fields to categories (default: the built-in rules/anonymize/policy.yml)' -r -F
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l jitter -d 'Add a keyed offset of less than SECONDS to every timestamp, never reordering events (one-way: --reveal cannot remove it)' -r
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l risk-report -d 'Write a JSON risk report to FILE (and a summary to stderr): values replaced per category, fields and their sensitivity, residual leaks, singling-out risk, GDPR status' -r -F
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand anonymize" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l reveal -d 'Restore the original values (every category except secrets)'
complete -c logward -n "__fish_logward_using_subcommand anonymize" -l shift-time -d 'Move dates back by a keyed whole number of weeks (1 to 520), keeping weekday and hour (with --reveal: move them forward again)'
complete -c logward -n "__fish_logward_using_subcommand anonymize" -s h -l help -d 'Print help'
complete -c logward -n "__fish_logward_using_subcommand detect" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand detect" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand detect" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l rules -d 'Sigma rule file or folder (searched recursively for .yml/.yaml); repeatable. Broken rules are reported and skipped (with --strict they stop the run)' -r -F
complete -c logward -n "__fish_logward_using_subcommand detect" -l set -d 'Change a correlation\'s threshold or window without editing its file; repeatable' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l work-hours -d 'Working hours for logward.after_hours (rules about logins and writes outside them)' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l tz -d 'Time zone for working hours: UTC, an offset like +02:00, or an IANA name' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l mapping -d 'Field mapping from Sigma logsources to ECS, replacing the built-in one' -r -F
complete -c logward -n "__fish_logward_using_subcommand detect" -l max-groups -d 'Correlation groups kept at most (the least recently active are dropped beyond it)' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l partition-family -d 'Run only the correlations of key family K (from --print-partition-key; 0: none)' -r
complete -c logward -n "__fish_logward_using_subcommand detect" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand detect" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand detect" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand detect" -l no-builtin -d 'Leave out the built-in rule pack'
complete -c logward -n "__fish_logward_using_subcommand detect" -l alerts-only -d 'Write only the alerts, not the input events'
complete -c logward -n "__fish_logward_using_subcommand detect" -l list-rules -d 'Print the loaded rules (name, level, kind, threshold, logsource) and exit'
complete -c logward -n "__fish_logward_using_subcommand detect" -l all-logsources -d 'Also run rules whose logsource the mapping cannot place, on every event (by default they do not run, and stderr says how many wait, by logsource)'
complete -c logward -n "__fish_logward_using_subcommand detect" -l print-partition-key -d 'Print the key families of the correlations (NDJSON: family, key fields, correlations) and exit: events must be partitioned by a family\'s key to run it on many machines'
complete -c logward -n "__fish_logward_using_subcommand detect" -l correlations-only -d 'Write no alerts of single detection rules, only those of correlations (for the passes after the first in a partitioned run)'
complete -c logward -n "__fish_logward_using_subcommand detect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c logward -n "__fish_logward_using_subcommand score" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand score" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand score" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand score" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand score" -s m -l model -d 'A built-in model (hdfs, linux-auth) or a trained model\'s .onnx/.json path [default: linux-auth]' -r
complete -c logward -n "__fish_logward_using_subcommand score" -l mode -d 'Which model scores: the sequence one, the single-event one, or both fused' -r -f -a "sequence\t'The sequence autoencoder over each event\'s window of templates'
single\t'The single-event autoencoder over each event\'s content'
both\t'Both, fused: the larger score in units of each model\'s `high` threshold'"
complete -c logward -n "__fish_logward_using_subcommand score" -l emit -d 'Write every event with its score, or one record per session at the end' -r -f -a "events\t'Every event, with logward.anomaly added'
sessions\t'One record per session at the end of the input'"
complete -c logward -n "__fish_logward_using_subcommand score" -l session-field -d 'Fields whose values key a session (comma-separated); default: the model\'s' -r
complete -c logward -n "__fish_logward_using_subcommand score" -l window -d 'Events per window (the model\'s; with --export-features and no --model: default 8)' -r
complete -c logward -n "__fish_logward_using_subcommand score" -l stride -d 'Score every Nth window of a session; events between carry the last window\'s score' -r
complete -c logward -n "__fish_logward_using_subcommand score" -l export-features -d 'Write the feature tensors (NumPy .npz) for training instead of scores' -r -F
complete -c logward -n "__fish_logward_using_subcommand score" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand score" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand score" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand score" -l explain -d 'Add logward.anomaly.explanation: the window\'s token with the highest loss and the content\'s rare words'
complete -c logward -n "__fish_logward_using_subcommand score" -l print-session-field -d 'Print the session fields in effect (the model\'s, or --session-field) and exit: the key to partition events by when scoring on many machines (needs no ONNX Runtime)'
complete -c logward -n "__fish_logward_using_subcommand score" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c logward -n "__fish_logward_using_subcommand enrich" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand enrich" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand enrich" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l attack-bundle -d 'Use this ATT&CK STIX bundle (enterprise-attack.json from MITRE) instead of the built-in v18.1 table' -r -F
complete -c logward -n "__fish_logward_using_subcommand enrich" -l geoip -d 'MaxMind DB file (GeoIP2/GeoLite2 City, Country or ASN, or DB-IP) for source.geo/as and destination.geo/as; repeatable (a City and an ASN database, say)' -r -F
complete -c logward -n "__fish_logward_using_subcommand enrich" -l ip-list -d 'Tag events whose source.ip or destination.ip is in FILE (one IP or CIDR a line) with `ip_list:NAME`; repeatable' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l side-file-limit -d 'Largest IP list, GeoIP database or ATT&CK bundle read (e.g. 512M, 2G); a larger file stops the run with a message naming it' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm -d 'Explain alerts with an OpenAI-compatible chat completions API at URL (e.g. http://localhost:8080/v1); only structured fields are sent, never event.original or message' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-model -d 'Model name sent to the LLM server' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-key-env -d 'Environment variable holding the API key (sent as a Bearer token when set)' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-timeout -d 'Seconds one request may take' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-concurrency -d 'Requests in flight at most (calls are made from the worker threads: --threads bounds it too)' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-retries -d 'Retries on 429, 5xx, timeouts and connection errors, with exponential backoff (a Retry-After is honoured up to 30 s)' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-deadline -d 'Seconds from the start after which no more requests are made (the rest of the events pass through without logward.llm)' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-breaker -d 'Failed requests in a row after which the LLM is given up on for the rest of the run (0: never)' -r
complete -c logward -n "__fish_logward_using_subcommand enrich" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand enrich" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand enrich" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand enrich" -l llm-all-events -d 'Explain every event, not only alerts'
complete -c logward -n "__fish_logward_using_subcommand enrich" -s h -l help -d 'Print help'
complete -c logward -n "__fish_logward_using_subcommand tree" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand tree" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand tree" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand tree" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand tree" -l pid -d 'Start from the process(es) with this pid (every instance if the pid was reused)' -r
complete -c logward -n "__fish_logward_using_subcommand tree" -l entity-id -d 'Start from the process with this process.entity_id' -r
complete -c logward -n "__fish_logward_using_subcommand tree" -l name -d 'Start from processes with this name (any case)' -r
complete -c logward -n "__fish_logward_using_subcommand tree" -l depth -d 'Levels of descendants to show (0: the starting processes only)' -r
complete -c logward -n "__fish_logward_using_subcommand tree" -s f -l format -d 'Output format' -r -f -a "text\t'An indented tree with box-drawing lines'
md\t'Nested Markdown lists'
ndjson\t'One node a line with depth and path, for further piping'
dot\t'Graphviz'"
complete -c logward -n "__fish_logward_using_subcommand tree" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand tree" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand tree" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand tree" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c logward -n "__fish_logward_using_subcommand report" -s o -l output -d 'Write output to FILE instead of stdout' -r -F
complete -c logward -n "__fish_logward_using_subcommand report" -l errors -d 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)' -r -F
complete -c logward -n "__fish_logward_using_subcommand report" -l threads -d 'Worker threads (0 = one per core); output is identical for every value' -r
complete -c logward -n "__fish_logward_using_subcommand report" -l max-line-bytes -d 'Lines longer than this many bytes are rejected instead of read into memory' -r
complete -c logward -n "__fish_logward_using_subcommand report" -s f -l format -d 'Output format' -r -f -a "md\t'Markdown (tables, a text timeline)'
html\t'One self-contained HTML file with inline SVG charts'
csv\t'Events flattened to one row each'
json\t'The aggregates'"
complete -c logward -n "__fish_logward_using_subcommand report" -l top -d 'Rows in each top list (talkers, users, rules, most anomalous)' -r
complete -c logward -n "__fish_logward_using_subcommand report" -l fields -d 'CSV columns (dotted ECS names, comma-separated; repeatable); default: every field seen' -r
complete -c logward -n "__fish_logward_using_subcommand report" -l rejects -d 'Rejected-lines file written by an earlier stage\'s --errors, counted under data quality; repeatable' -r -F
complete -c logward -n "__fish_logward_using_subcommand report" -l title -d 'Title of the Markdown and HTML report' -r
complete -c logward -n "__fish_logward_using_subcommand report" -l png-dir -d 'Also write each chart as a PNG file in DIR (md, html or json; a built-in font, no browser)' -r -F
complete -c logward -n "__fish_logward_using_subcommand report" -l max-alerts -d 'Alerts listed one by one in the report (the most severe, then the earliest, when there are more)' -r
complete -c logward -n "__fish_logward_using_subcommand report" -l strict -d 'Stop with exit status 1 at the first rejected line'
complete -c logward -n "__fish_logward_using_subcommand report" -s q -l quiet -d 'No summary line, no rejected-line messages, no progress bar on stderr'
complete -c logward -n "__fish_logward_using_subcommand report" -l rotated -d 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
complete -c logward -n "__fish_logward_using_subcommand report" -l partial -d 'Write a partial summary (versioned JSON, one line) to merge later with --merge, instead of a report'
complete -c logward -n "__fish_logward_using_subcommand report" -l merge -d 'The inputs are partial summaries (from --partial): write the report of their union'
complete -c logward -n "__fish_logward_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "parse" -d 'Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "anonymize" -d 'Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "detect" -d 'Run Sigma detection and correlation rules (built-in pack and your own) over ECS events'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "score" -d 'Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "enrich" -d 'Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "tree" -d 'Build process trees from process events, with each process\'s network, file, registry and DNS activity'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "report" -d 'Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON'
complete -c logward -n "__fish_logward_using_subcommand help; and not __fish_seen_subcommand_from parse anonymize detect score enrich tree report help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
