
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'logward' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'logward'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'logward' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('parse', 'parse', [CompletionResultType]::ParameterValue, 'Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)')
            [CompletionResult]::new('anonymize', 'anonymize', [CompletionResultType]::ParameterValue, 'Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)')
            [CompletionResult]::new('detect', 'detect', [CompletionResultType]::ParameterValue, 'Run Sigma detection and correlation rules (built-in pack and your own) over ECS events')
            [CompletionResult]::new('score', 'score', [CompletionResultType]::ParameterValue, 'Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)')
            [CompletionResult]::new('enrich', 'enrich', [CompletionResultType]::ParameterValue, 'Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Build process trees from process events, with each process''s network, file, registry and DNS activity')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'logward;parse' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Input format for every file (default: detected per file)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Input format for every file (default: detected per file)')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'Year of the first year-less syslog line in each file (default: from the file''s modification time; December→January rolls over to the next year)')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'Time zone of timestamps written without one: UTC, +02:00 or an IANA name')
            [CompletionResult]::new('--line-format', '--line-format', [CompletionResultType]::ParameterName, 'Layout of custom lines, loghub style: ''<Date> <Time> <Level> <Content>''')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'Map a CSV column to an ECS field (repeatable), e.g. --map proc=process.name')
            [CompletionResult]::new('--dataset', '--dataset', [CompletionResultType]::ParameterName, 'Set event.dataset to NAME instead of the detected one')
            [CompletionResult]::new('--templates', '--templates', [CompletionResultType]::ParameterName, 'Load learned templates from FILE at start and save them there at the end')
            [CompletionResult]::new('--templates-out', '--templates-out', [CompletionResultType]::ParameterName, 'Write the template table (NDJSON: id, pattern, count, first_seen, last_seen, example, aliases)')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Variables masked before mining: a comma list of ip,number,hex,path,uuid,blockid,url,digits, date,domain, or `-class` to drop one from the default (all)')
            [CompletionResult]::new('--template-similarity', '--template-similarity', [CompletionResultType]::ParameterName, 'Share of a message''s tokens that must equal a template''s constants to join it')
            [CompletionResult]::new('--template-max-enum', '--template-max-enum', [CompletionResultType]::ParameterName, 'A position holding at most N distinct words stays part of the template (0 or 1: none)')
            [CompletionResult]::new('--max-templates', '--max-templates', [CompletionResultType]::ParameterName, 'Most template clusters kept in memory; beyond it the least recently used is evicted')
            [CompletionResult]::new('--side-file-limit', '--side-file-limit', [CompletionResultType]::ParameterName, 'Largest --templates state file read (e.g. 512M, 2G)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('--no-templates', '--no-templates', [CompletionResultType]::ParameterName, 'Do not mine templates (no logward.template fields)')
            [CompletionResult]::new('--templates-frozen', '--templates-frozen', [CompletionResultType]::ParameterName, 'Use the templates loaded with --templates without learning new ones')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'logward;anonymize' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Key file (64 hex digits; should be mode 0600). Without it, LOGWARD_KEY is read')
            [CompletionResult]::new('--new-key', '--new-key', [CompletionResultType]::ParameterName, 'Create a new random key in FILE (mode 0600) and exit; an existing file is never overwritten')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Derive an independent key for NAME (one per recipient, so their copies cannot be linked)')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy file mapping fields to categories (default: the built-in rules/anonymize/policy.yml)')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Add a keyed offset of less than SECONDS to every timestamp, never reordering events (one-way: --reveal cannot remove it)')
            [CompletionResult]::new('--risk-report', '--risk-report', [CompletionResultType]::ParameterName, 'Write a JSON risk report to FILE (and a summary to stderr): values replaced per category, fields and their sensitivity, residual leaks, singling-out risk, GDPR status')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('--reveal', '--reveal', [CompletionResultType]::ParameterName, 'Restore the original values (every category except secrets)')
            [CompletionResult]::new('--shift-time', '--shift-time', [CompletionResultType]::ParameterName, 'Move dates back by a keyed whole number of weeks (1 to 520), keeping weekday and hour (with --reveal: move them forward again)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'logward;detect' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Sigma rule file or folder (searched recursively for .yml/.yaml); repeatable. Broken rules are reported and skipped (with --strict they stop the run)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Change a correlation''s threshold or window without editing its file; repeatable')
            [CompletionResult]::new('--work-hours', '--work-hours', [CompletionResultType]::ParameterName, 'Working hours for logward.after_hours (rules about logins and writes outside them)')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'Time zone for working hours: UTC, an offset like +02:00, or an IANA name')
            [CompletionResult]::new('--mapping', '--mapping', [CompletionResultType]::ParameterName, 'Field mapping from Sigma logsources to ECS, replacing the built-in one')
            [CompletionResult]::new('--max-groups', '--max-groups', [CompletionResultType]::ParameterName, 'Correlation groups kept at most (the least recently active are dropped beyond it)')
            [CompletionResult]::new('--partition-family', '--partition-family', [CompletionResultType]::ParameterName, 'Run only the correlations of key family K (from --print-partition-key; 0: none)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('--no-builtin', '--no-builtin', [CompletionResultType]::ParameterName, 'Leave out the built-in rule pack')
            [CompletionResult]::new('--alerts-only', '--alerts-only', [CompletionResultType]::ParameterName, 'Write only the alerts, not the input events')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'Print the loaded rules (name, level, kind, threshold, logsource) and exit')
            [CompletionResult]::new('--all-logsources', '--all-logsources', [CompletionResultType]::ParameterName, 'Also run rules whose logsource the mapping cannot place, on every event (by default they do not run, and stderr says how many wait, by logsource)')
            [CompletionResult]::new('--print-partition-key', '--print-partition-key', [CompletionResultType]::ParameterName, 'Print the key families of the correlations (NDJSON: family, key fields, correlations) and exit: events must be partitioned by a family''s key to run it on many machines')
            [CompletionResult]::new('--correlations-only', '--correlations-only', [CompletionResultType]::ParameterName, 'Write no alerts of single detection rules, only those of correlations (for the passes after the first in a partitioned run)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'logward;score' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'A built-in model (hdfs, linux-auth) or a trained model''s .onnx/.json path [default: linux-auth]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'A built-in model (hdfs, linux-auth) or a trained model''s .onnx/.json path [default: linux-auth]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Which model scores: the sequence one, the single-event one, or both fused')
            [CompletionResult]::new('--emit', '--emit', [CompletionResultType]::ParameterName, 'Write every event with its score, or one record per session at the end')
            [CompletionResult]::new('--session-field', '--session-field', [CompletionResultType]::ParameterName, 'Fields whose values key a session (comma-separated); default: the model''s')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Events per window (the model''s; with --export-features and no --model: default 8)')
            [CompletionResult]::new('--stride', '--stride', [CompletionResultType]::ParameterName, 'Score every Nth window of a session; events between carry the last window''s score')
            [CompletionResult]::new('--export-features', '--export-features', [CompletionResultType]::ParameterName, 'Write the feature tensors (NumPy .npz) for training instead of scores')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Add logward.anomaly.explanation: the window''s token with the highest loss and the content''s rare words')
            [CompletionResult]::new('--print-session-field', '--print-session-field', [CompletionResultType]::ParameterName, 'Print the session fields in effect (the model''s, or --session-field) and exit: the key to partition events by when scoring on many machines (needs no ONNX Runtime)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'logward;enrich' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('--attack-bundle', '--attack-bundle', [CompletionResultType]::ParameterName, 'Use this ATT&CK STIX bundle (enterprise-attack.json from MITRE) instead of the built-in v18.1 table')
            [CompletionResult]::new('--geoip', '--geoip', [CompletionResultType]::ParameterName, 'MaxMind DB file (GeoIP2/GeoLite2 City, Country or ASN, or DB-IP) for source.geo/as and destination.geo/as; repeatable (a City and an ASN database, say)')
            [CompletionResult]::new('--ip-list', '--ip-list', [CompletionResultType]::ParameterName, 'Tag events whose source.ip or destination.ip is in FILE (one IP or CIDR a line) with `ip_list:NAME`; repeatable')
            [CompletionResult]::new('--side-file-limit', '--side-file-limit', [CompletionResultType]::ParameterName, 'Largest IP list, GeoIP database or ATT&CK bundle read (e.g. 512M, 2G); a larger file stops the run with a message naming it')
            [CompletionResult]::new('--llm', '--llm', [CompletionResultType]::ParameterName, 'Explain alerts with an OpenAI-compatible chat completions API at URL (e.g. http://localhost:8080/v1); only structured fields are sent, never event.original or message')
            [CompletionResult]::new('--llm-model', '--llm-model', [CompletionResultType]::ParameterName, 'Model name sent to the LLM server')
            [CompletionResult]::new('--llm-key-env', '--llm-key-env', [CompletionResultType]::ParameterName, 'Environment variable holding the API key (sent as a Bearer token when set)')
            [CompletionResult]::new('--llm-timeout', '--llm-timeout', [CompletionResultType]::ParameterName, 'Seconds one request may take')
            [CompletionResult]::new('--llm-concurrency', '--llm-concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at most (calls are made from the worker threads: --threads bounds it too)')
            [CompletionResult]::new('--llm-retries', '--llm-retries', [CompletionResultType]::ParameterName, 'Retries on 429, 5xx, timeouts and connection errors, with exponential backoff (a Retry-After is honoured up to 30 s)')
            [CompletionResult]::new('--llm-deadline', '--llm-deadline', [CompletionResultType]::ParameterName, 'Seconds from the start after which no more requests are made (the rest of the events pass through without logward.llm)')
            [CompletionResult]::new('--llm-breaker', '--llm-breaker', [CompletionResultType]::ParameterName, 'Failed requests in a row after which the LLM is given up on for the rest of the run (0: never)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('--llm-all-events', '--llm-all-events', [CompletionResultType]::ParameterName, 'Explain every event, not only alerts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'logward;tree' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Start from the process(es) with this pid (every instance if the pid was reused)')
            [CompletionResult]::new('--entity-id', '--entity-id', [CompletionResultType]::ParameterName, 'Start from the process with this process.entity_id')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Start from processes with this name (any case)')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Levels of descendants to show (0: the starting processes only)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'logward;report' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write output to FILE instead of stdout')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (0 = one per core); output is identical for every value')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Lines longer than this many bytes are rejected instead of read into memory')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Rows in each top list (talkers, users, rules, most anomalous)')
            [CompletionResult]::new('--fields', '--fields', [CompletionResultType]::ParameterName, 'CSV columns (dotted ECS names, comma-separated; repeatable); default: every field seen')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Rejected-lines file written by an earlier stage''s --errors, counted under data quality; repeatable')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'Title of the Markdown and HTML report')
            [CompletionResult]::new('--png-dir', '--png-dir', [CompletionResultType]::ParameterName, 'Also write each chart as a PNG file in DIR (md, html or json; a built-in font, no browser)')
            [CompletionResult]::new('--max-alerts', '--max-alerts', [CompletionResultType]::ParameterName, 'Alerts listed one by one in the report (the most severe, then the earliest, when there are more)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with exit status 1 at the first rejected line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line, no rejected-line messages, no progress bar on stderr')
            [CompletionResult]::new('--rotated', '--rotated', [CompletionResultType]::ParameterName, 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log')
            [CompletionResult]::new('--partial', '--partial', [CompletionResultType]::ParameterName, 'Write a partial summary (versioned JSON, one line) to merge later with --merge, instead of a report')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'The inputs are partial summaries (from --partial): write the report of their union')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'logward;help' {
            [CompletionResult]::new('parse', 'parse', [CompletionResultType]::ParameterValue, 'Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)')
            [CompletionResult]::new('anonymize', 'anonymize', [CompletionResultType]::ParameterValue, 'Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)')
            [CompletionResult]::new('detect', 'detect', [CompletionResultType]::ParameterValue, 'Run Sigma detection and correlation rules (built-in pack and your own) over ECS events')
            [CompletionResult]::new('score', 'score', [CompletionResultType]::ParameterValue, 'Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)')
            [CompletionResult]::new('enrich', 'enrich', [CompletionResultType]::ParameterValue, 'Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Build process trees from process events, with each process''s network, file, registry and DNS activity')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'logward;help;parse' {
            break
        }
        'logward;help;anonymize' {
            break
        }
        'logward;help;detect' {
            break
        }
        'logward;help;score' {
            break
        }
        'logward;help;enrich' {
            break
        }
        'logward;help;tree' {
            break
        }
        'logward;help;report' {
            break
        }
        'logward;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
