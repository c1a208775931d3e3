#!/usr/bin/env bash
# The cases of issue 26's adversarial run, one line each: what a build does with them.
#   bench/adversarial.sh BIN            e.g. target/release/logward, or a build of 5f7774b
# Run it on two builds and compare the lines (the issue's before/after table). Needs
# python3 (a stalling HTTP server) and coreutils `timeout`; every case runs under a time
# and memory limit, so a build that hangs or reads without end shows it without harm.
set -u
BIN=$(readlink -f "${1:?usage: bench/adversarial.sh BIN}")
W=$(mktemp -d)
trap 'rm -rf "$W"; kill $(jobs -p) 2>/dev/null' EXIT
cd "$W"
AUTH='Feb  9 21:19:40 h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2'
EV='{"@timestamp":"2024-03-01T10:00:00Z","event":{"kind":"event"},"message":"hello","source":{"ip":"203.0.113.9"}}'
export LOGWARD_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
row() { printf '%-46s | %s\n' "$1" "$2"; }
# run LIMIT_SECONDS CMD...: exit status (137: killed at the limit), memory capped at 4 GiB
run() { local t=$1; shift; bash -c 'ulimit -v 4194304; exec timeout -s KILL "$0" "$@"' "$t" "$@"; }
# timed LIMIT_SECONDS CMD...: as run, and sets RSS_MIB (peak memory) and SECS (wall time)
timed() {
  local t=$1 start rc; shift; start=$(date +%s.%N)
  /usr/bin/time -f %M -o rss.txt bash -c 'ulimit -v 4194304; exec timeout -s KILL "$0" "$@"' "$t" "$@"; rc=$?
  RSS_MIB=$(( $(grep -E '^[0-9]+$' rss.txt | tail -1 || echo 0) / 1024 ))
  SECS=$(python3 -c "import sys; print(round($(date +%s.%N) - $start, 1))"); return $rc
}

# 1. outputs that are inputs
for st in parse anonymize detect enrich tree report score; do
  echo "$EV" > in.ndjson; extra=(); [ $st = score ] && extra=(--export-features f.npz)
  run 20 "$BIN" $st -q "${extra[@]}" in.ndjson -o in.ndjson 2>/dev/null; rc=$?
  row "1 $st -o INPUT" "exit $rc, input now $(wc -l < in.ndjson) lines"
done
echo "$AUTH" > x.log; ln -sf x.log link.log; run 20 "$BIN" parse -q x.log -o link.log 2>/dev/null
row "1 parse -o SYMLINK-TO-INPUT" "exit $?, input now $(wc -l < x.log) lines"
echo "$AUTH" > x.log; ln -f x.log hard.log; run 20 "$BIN" parse -q x.log --errors hard.log 2>/dev/null
row "1 parse --errors HARDLINK-TO-INPUT" "exit $?, input now $(wc -l < x.log) lines"
printf '%s\nnot json\n' "$EV" > two.ndjson; rm -f both; run 20 "$BIN" detect -q two.ndjson -o both --errors both 2>/dev/null
row "1 detect -o F --errors F" "exit $?, F: $([ -e both ] && echo "$(wc -l < both) lines" || echo "not created")"
echo "$AUTH" > x.log; run 20 "$BIN" parse -q --templates-out x.log x.log >/dev/null 2>&1
row "1 parse --templates-out INPUT" "exit $?, input now $(wc -l < x.log) lines"
echo "$EV" > in.ndjson; run 20 "$BIN" anonymize -q --risk-report in.ndjson in.ndjson >/dev/null 2>&1
row "1 anonymize --risk-report INPUT" "exit $?, input now: $(head -c 24 in.ndjson | tr "\n" " ")"

# 9. interrupted output
(printf '%s\n' "$AUTH"; sleep 5) | "$BIN" parse -o int.ndjson 2>/dev/null & sleep 2; kill -TERM $(pgrep -n -f "parse -o int.ndjson") 2>/dev/null; wait 2>/dev/null
row "9 SIGTERM during parse -o F" "F: $([ -e int.ndjson ] && echo "present, $(wc -l < int.ndjson) lines" || echo absent); F.partial: $([ -e int.ndjson.partial ] && echo "$(wc -l < int.ndjson.partial) lines" || echo absent)"

# 2. tree on a 50,000-deep chain
python3 -c '
for i in range(1, 50001):
    print("{\"@timestamp\":\"2024-03-01T10:00:00Z\",\"event\":{\"category\":[\"process\"]},\"process\":{\"pid\":%d,\"parent\":{\"pid\":%d},\"name\":\"p%d\"}}" % (i + 1, i, i))' > chain.ndjson
for f in text ndjson; do
  timed 120 "$BIN" tree -q --format $f chain.ndjson > tree.out 2>/dev/null; rc=$?
  row "2 tree --format $f, 50k-deep chain ($(du -h chain.ndjson | cut -f1))" "exit $rc, $(du -h tree.out | cut -f1) out, peak $RSS_MIB MiB, ${SECS} s"
done

# 3. enrich --llm against servers that do not help
python3 - > port.txt <<'EOF' &
import socket, threading, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True); sys.stdout.close()
def hang(c): time.sleep(3600)
while True:
    c, _ = s.accept(); threading.Thread(target=hang, args=(c,), daemon=True).start()
EOF
sleep 1; PORT=$(cat port.txt)
python3 -c 'for i in range(100): print("{\"event\":{\"kind\":\"alert\"},\"rule\":{\"name\":\"r%d\"}}" % i)' > alerts.ndjson
timed 120 "$BIN" enrich -q --threads 1 --llm "http://127.0.0.1:$PORT/v1" --llm-timeout 5 alerts.ndjson > llm.out 2>/dev/null; rc=$?
row "3 enrich --llm --llm-timeout 5, server hangs, 100 alerts" "exit $rc after ${SECS} s (limit 120), $(wc -l < llm.out) events out"
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
head -40 alerts.ndjson > a40.ndjson
timed 120 "$BIN" enrich -q --threads 1 --llm "http://127.0.0.1:$CLOSED/v1" a40.ndjson > llm.out 2>/dev/null
row "3 enrich --llm, closed port, 40 alerts" "exit $? after ${SECS} s"
for u in notaurl ftp://example.com/v1; do
  timed 20 "$BIN" enrich -q --llm "$u" a40.ndjson > /dev/null 2>&1; row "3 enrich --llm $u, 40 alerts" "exit $? after ${SECS} s (limit 20)"
done

# 4. unbounded side files (4 GiB memory cap, 20 s)
for c in "anonymize --key-file /dev/zero" "enrich --ip-list t=/dev/zero" "detect --rules /dev/zero" "report --rejects /dev/zero"; do
  timed 20 "$BIN" $c in.ndjson > /dev/null 2>&1; rc=$?
  row "4 $c" "exit $rc after ${SECS} s, peak $RSS_MIB MiB (limit 20 s, 4 GiB)"
done

# 5. silent field loss
printf '%s\n' '{"a.b":2,"a":1}' '{"user.name":"alice","user":{"name":"bob"}}' '{"n":18446744073709551616,"m":1e-450,"z":-0}' > loss.ndjson
"$BIN" parse -q --no-templates --format json loss.ndjson 2>/dev/null | sed 's/,"log":{"file":{"path":"loss.ndjson"}}//' > loss.out
n=0; while read -r l; do n=$((n + 1)); row "5 parse: $(sed -n "${n}p" loss.ndjson)" "$l"; done < loss.out

# 6. detect
{ echo 'title: Base'; echo 'name: l0'; echo 'logsource: {product: adversarial}'; echo 'detection: {sel: {message: hello}, condition: sel}'
  for k in $(seq 1 12); do printf -- '---\ntitle: L%d\nname: l%d\ncorrelation: {type: event_count, rules: [l%d], group-by: [source.ip], timespan: 1h, condition: {gte: 1}}\n' $k $k $((k - 1)); done; } > chain.yml
# A made-up logsource waits in builds that place rules by logsource unless asked to run it.
ALL=$("$BIN" detect --help 2>/dev/null | grep -q -- --all-logsources && echo --all-logsources)
row "6 detect, correlations chained 12 deep" "$("$BIN" detect -q --no-builtin --alerts-only $ALL --rules chain.yml in.ndjson 2>/dev/null | grep -c '"kind":"alert"') alerts"
printf 'version: "3"\nservices:\n  web:\n    image: nginx\n' > compose.yml
"$BIN" detect --no-builtin --rules compose.yml in.ndjson > /dev/null 2> err.txt
row "6 detect --rules compose.yml (only)" "exit $?: $(head -1 err.txt | cut -c1-90)"
printf 'title: Bad modifier rule\nlogsource: {product: linux}\ndetection:\n  sel:\n    message|foo: x\n  condition: sel\n' > badmod.yml
"$BIN" detect --rules badmod.yml in.ndjson > /dev/null 2> err.txt
row "6 detect, unknown modifier" "$(grep -m1 -o 'badmod.yml: .*' err.txt | cut -c1-90)"
python3 -c 'print("title: Deep\nlogsource: {product: linux}\ndetection:\n  sel: {message: x}\n  condition: " + "("*200 + "sel" + ")"*200)' > deep.yml
"$BIN" detect --rules deep.yml in.ndjson > /dev/null 2> err.txt
row "6 detect, 200 nested parentheses" "message of $(grep -m1 'deep.yml' err.txt | wc -c) bytes"

# 7. one notion of a valid event: stages that accepted (A) or rejected (R) the line
printf '\xef\xbb\xbf{"message":"bom"}\n' > bom.ndjson; printf '{"message":"\\ud800"}\n' > sur.ndjson
printf '{"n":1e400,"message":"x"}\n' > big.ndjson; printf '{"a":1,"a":2}\n' > dup.ndjson
for f in bom sur big dup; do
  v=""; for st in parse anonymize detect enrich tree report; do
    extra=(); [ $st = parse ] && extra=(--format json)
    r=$("$BIN" $st "${extra[@]}" $f.ndjson 2>&1 >/dev/null | grep -o 'rejected [0-9]*' | tail -1)
    [ "$r" = "rejected 0" ] && v="$v A" || v="$v R"
  done; row "7 $f (parse anonymize detect enrich tree report)" "$v"
done

# 8. edge input
printf '%s\r%s\r' "$AUTH" "$AUTH" > cr.log
row "8 CR-only file of 2 lines" "$("$BIN" parse -q cr.log 2>/dev/null | wc -l) events"
echo '{"@timestamp":"2024-03-01T10:00:00+99:99","message":"x"}' > off.ndjson
row "8 JSON @timestamp ...+99:99" "$("$BIN" parse -q off.ndjson | grep -o '"@timestamp":"[^"]*"\|invalid_timestamp' | tr '\n' ' ')"
echo 'Feb 30 10:00:00 host sshd[1]: Accepted password for root from 203.0.113.9 port 22 ssh2' > feb.log
row "8 syslog Feb 30" "$("$BIN" parse -q --year 2024 feb.log | grep -o '"@timestamp":"[^"]*"\|invalid_timestamp' | tr '\n' ' ')"
echo "$AUTH" > y.log; out=$("$BIN" parse -q --year 99999 y.log 2>&1); rc=$?
row "8 parse --year 99999" "exit $rc $(echo "$out" | grep -o '"@timestamp":"[^"]*"' | head -1)"
