
use builtin;
use str;

set edit:completion:arg-completer[logward] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'logward'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'logward'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand parse 'Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)'
            cand anonymize 'Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)'
            cand detect 'Run Sigma detection and correlation rules (built-in pack and your own) over ECS events'
            cand score 'Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)'
            cand enrich 'Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations'
            cand tree 'Build process trees from process events, with each process''s network, file, registry and DNS activity'
            cand report 'Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'logward;parse'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand -f 'Input format for every file (default: detected per file)'
            cand --format 'Input format for every file (default: detected per file)'
            cand --year 'Year of the first year-less syslog line in each file (default: from the file''s modification time; December→January rolls over to the next year)'
            cand --tz 'Time zone of timestamps written without one: UTC, +02:00 or an IANA name'
            cand --line-format 'Layout of custom lines, loghub style: ''<Date> <Time> <Level> <Content>'''
            cand --map 'Map a CSV column to an ECS field (repeatable), e.g. --map proc=process.name'
            cand --dataset 'Set event.dataset to NAME instead of the detected one'
            cand --templates 'Load learned templates from FILE at start and save them there at the end'
            cand --templates-out 'Write the template table (NDJSON: id, pattern, count, first_seen, last_seen, example, aliases)'
            cand --mask 'Variables masked before mining: a comma list of ip,number,hex,path,uuid,blockid,url,digits, date,domain, or `-class` to drop one from the default (all)'
            cand --template-similarity 'Share of a message''s tokens that must equal a template''s constants to join it'
            cand --template-max-enum 'A position holding at most N distinct words stays part of the template (0 or 1: none)'
            cand --max-templates 'Most template clusters kept in memory; beyond it the least recently used is evicted'
            cand --side-file-limit 'Largest --templates state file read (e.g. 512M, 2G)'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand --no-templates 'Do not mine templates (no logward.template fields)'
            cand --templates-frozen 'Use the templates loaded with --templates without learning new ones'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'logward;anonymize'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand --key-file 'Key file (64 hex digits; should be mode 0600). Without it, LOGWARD_KEY is read'
            cand --new-key 'Create a new random key in FILE (mode 0600) and exit; an existing file is never overwritten'
            cand --domain 'Derive an independent key for NAME (one per recipient, so their copies cannot be linked)'
            cand --policy 'Policy file mapping fields to categories (default: the built-in rules/anonymize/policy.yml)'
            cand --jitter 'Add a keyed offset of less than SECONDS to every timestamp, never reordering events (one-way: --reveal cannot remove it)'
            cand --risk-report 'Write a JSON risk report to FILE (and a summary to stderr): values replaced per category, fields and their sensitivity, residual leaks, singling-out risk, GDPR status'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand --reveal 'Restore the original values (every category except secrets)'
            cand --shift-time 'Move dates back by a keyed whole number of weeks (1 to 520), keeping weekday and hour (with --reveal: move them forward again)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'logward;detect'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand --rules 'Sigma rule file or folder (searched recursively for .yml/.yaml); repeatable. Broken rules are reported and skipped (with --strict they stop the run)'
            cand --set 'Change a correlation''s threshold or window without editing its file; repeatable'
            cand --work-hours 'Working hours for logward.after_hours (rules about logins and writes outside them)'
            cand --tz 'Time zone for working hours: UTC, an offset like +02:00, or an IANA name'
            cand --mapping 'Field mapping from Sigma logsources to ECS, replacing the built-in one'
            cand --max-groups 'Correlation groups kept at most (the least recently active are dropped beyond it)'
            cand --partition-family 'Run only the correlations of key family K (from --print-partition-key; 0: none)'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand --no-builtin 'Leave out the built-in rule pack'
            cand --alerts-only 'Write only the alerts, not the input events'
            cand --list-rules 'Print the loaded rules (name, level, kind, threshold, logsource) and exit'
            cand --all-logsources 'Also run rules whose logsource the mapping cannot place, on every event (by default they do not run, and stderr says how many wait, by logsource)'
            cand --print-partition-key 'Print the key families of the correlations (NDJSON: family, key fields, correlations) and exit: events must be partitioned by a family''s key to run it on many machines'
            cand --correlations-only 'Write no alerts of single detection rules, only those of correlations (for the passes after the first in a partitioned run)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'logward;score'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand -m 'A built-in model (hdfs, linux-auth) or a trained model''s .onnx/.json path [default: linux-auth]'
            cand --model 'A built-in model (hdfs, linux-auth) or a trained model''s .onnx/.json path [default: linux-auth]'
            cand --mode 'Which model scores: the sequence one, the single-event one, or both fused'
            cand --emit 'Write every event with its score, or one record per session at the end'
            cand --session-field 'Fields whose values key a session (comma-separated); default: the model''s'
            cand --window 'Events per window (the model''s; with --export-features and no --model: default 8)'
            cand --stride 'Score every Nth window of a session; events between carry the last window''s score'
            cand --export-features 'Write the feature tensors (NumPy .npz) for training instead of scores'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand --explain 'Add logward.anomaly.explanation: the window''s token with the highest loss and the content''s rare words'
            cand --print-session-field 'Print the session fields in effect (the model''s, or --session-field) and exit: the key to partition events by when scoring on many machines (needs no ONNX Runtime)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'logward;enrich'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand --attack-bundle 'Use this ATT&CK STIX bundle (enterprise-attack.json from MITRE) instead of the built-in v18.1 table'
            cand --geoip 'MaxMind DB file (GeoIP2/GeoLite2 City, Country or ASN, or DB-IP) for source.geo/as and destination.geo/as; repeatable (a City and an ASN database, say)'
            cand --ip-list 'Tag events whose source.ip or destination.ip is in FILE (one IP or CIDR a line) with `ip_list:NAME`; repeatable'
            cand --side-file-limit 'Largest IP list, GeoIP database or ATT&CK bundle read (e.g. 512M, 2G); a larger file stops the run with a message naming it'
            cand --llm 'Explain alerts with an OpenAI-compatible chat completions API at URL (e.g. http://localhost:8080/v1); only structured fields are sent, never event.original or message'
            cand --llm-model 'Model name sent to the LLM server'
            cand --llm-key-env 'Environment variable holding the API key (sent as a Bearer token when set)'
            cand --llm-timeout 'Seconds one request may take'
            cand --llm-concurrency 'Requests in flight at most (calls are made from the worker threads: --threads bounds it too)'
            cand --llm-retries 'Retries on 429, 5xx, timeouts and connection errors, with exponential backoff (a Retry-After is honoured up to 30 s)'
            cand --llm-deadline 'Seconds from the start after which no more requests are made (the rest of the events pass through without logward.llm)'
            cand --llm-breaker 'Failed requests in a row after which the LLM is given up on for the rest of the run (0: never)'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand --llm-all-events 'Explain every event, not only alerts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'logward;tree'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand --pid 'Start from the process(es) with this pid (every instance if the pid was reused)'
            cand --entity-id 'Start from the process with this process.entity_id'
            cand --name 'Start from processes with this name (any case)'
            cand --depth 'Levels of descendants to show (0: the starting processes only)'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'logward;report'= {
            cand -o 'Write output to FILE instead of stdout'
            cand --output 'Write output to FILE instead of stdout'
            cand --errors 'Write every rejected line in full to FILE (NDJSON: file, line, reason, kind, text)'
            cand --threads 'Worker threads (0 = one per core); output is identical for every value'
            cand --max-line-bytes 'Lines longer than this many bytes are rejected instead of read into memory'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --top 'Rows in each top list (talkers, users, rules, most anomalous)'
            cand --fields 'CSV columns (dotted ECS names, comma-separated; repeatable); default: every field seen'
            cand --rejects 'Rejected-lines file written by an earlier stage''s --errors, counted under data quality; repeatable'
            cand --title 'Title of the Markdown and HTML report'
            cand --png-dir 'Also write each chart as a PNG file in DIR (md, html or json; a built-in font, no browser)'
            cand --max-alerts 'Alerts listed one by one in the report (the most severe, then the earliest, when there are more)'
            cand --strict 'Stop with exit status 1 at the first rejected line'
            cand -q 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --quiet 'No summary line, no rejected-line messages, no progress bar on stderr'
            cand --rotated 'Read rotated sets oldest first: x.log.3.gz x.log.2.gz x.log.1 x.log'
            cand --partial 'Write a partial summary (versioned JSON, one line) to merge later with --merge, instead of a report'
            cand --merge 'The inputs are partial summaries (from --partial): write the report of their union'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'logward;help'= {
            cand parse 'Parse raw log lines into ECS events (syslog/auth, web access, W3C, Windows EVTX/XML, JSON, CSV, custom)'
            cand anonymize 'Replace personal data and secrets with keyed, consistent, format-preserving pseudonyms (and reverse them)'
            cand detect 'Run Sigma detection and correlation rules (built-in pack and your own) over ECS events'
            cand score 'Give events and sessions anomaly scores from autoencoders trained on normal logs (ONNX Runtime)'
            cand enrich 'Add MITRE ATT&CK names and ids, a threat type for alerts, GeoIP, IP-list tags and optional LLM explanations'
            cand tree 'Build process trees from process events, with each process''s network, file, registry and DNS activity'
            cand report 'Summarize events, alerts, scores and trees as Markdown, self-contained HTML with charts, CSV or JSON'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'logward;help;parse'= {
        }
        &'logward;help;anonymize'= {
        }
        &'logward;help;detect'= {
        }
        &'logward;help;score'= {
        }
        &'logward;help;enrich'= {
        }
        &'logward;help;tree'= {
        }
        &'logward;help;report'= {
        }
        &'logward;help;help'= {
        }
    ]
    $completions[$command]
}
