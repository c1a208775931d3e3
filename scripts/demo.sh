#!/usr/bin/env bash
# The demo pipeline of `make demo`, also run by the browser test (tests/report_browser.rs):
# parse every bundled sample (auth, syslog, web access, IIS, JSON, CSV exports, unknown text,
# and testdata/report/demo: SSH attempts from addresses MaxMind's test databases know, Windows
# logons shaped as Winlogbeat writes them)
# into one NDJSON file with rejected lines and the template table beside it (templates
# matched against the linux-auth model's frozen state); add GeoIP (MaxMind's test databases)
# and IP-list tags while addresses are real; pseudonymize with a demo key (risk report beside
# it); run the built-in Sigma rules; score with the linux-auth model (--explain); add ATT&CK names; draw a
# process tree from CSV exports; end with the report (HTML with PNG charts, JSON, and the
# overview in Markdown on the terminal).
#
#   BIN=target/release/logward scripts/demo.sh [OUT]     (OUT defaults to demo-out)
#   DEMO_QUIET=1 prints only the last lines (where the report is).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/logward}
OUT=${1:-demo-out}
say() { [ -n "${DEMO_QUIET:-}" ] || printf '%s\n' "$*"; }
show() { if [ -n "${DEMO_QUIET:-}" ]; then cat >/dev/null; else cat; fi; }
mkdir -p "$OUT"

cp models/linux-auth.templates.json "$OUT/templates-state.json"
"$BIN" parse -q --year 2023 --errors "$OUT/rejected.ndjson" --templates-out "$OUT/templates.ndjson" \
    --templates "$OUT/templates-state.json" --templates-frozen \
    testdata/parse/auth.log testdata/parse/syslog.log testdata/parse/access.log \
    testdata/parse/iis.log testdata/parse/events.json testdata/parse/*.csv \
    testdata/parse/unknown.txt testdata/report/demo/remote-auth.log testdata/report/demo/windows-security.ndjson \
    > "$OUT/events.ndjson"
"$BIN" enrich -q --geoip testdata/geoip/GeoIP2-City-Test.mmdb --geoip testdata/geoip/GeoLite2-ASN-Test.mmdb \
    --ip-list tor=testdata/enrich/tor.txt "$OUT/events.ndjson" > "$OUT/located.ndjson"
[ -f "$OUT/demo.key" ] || "$BIN" anonymize --new-key "$OUT/demo.key"
"$BIN" anonymize -q --key-file "$OUT/demo.key" --risk-report "$OUT/risk.json" \
    "$OUT/located.ndjson" > "$OUT/anonymized.ndjson" 2>/dev/null
"$BIN" detect -q "$OUT/anonymized.ndjson" > "$OUT/detected.ndjson"
if ! "$BIN" score -q --explain "$OUT/detected.ndjson" > "$OUT/scored.ndjson" 2> "$OUT/score.err"; then
    echo "demo: score skipped ($(head -1 "$OUT/score.err")); the report has no anomalies section" >&2
    cp "$OUT/detected.ndjson" "$OUT/scored.ndjson"
fi
"$BIN" enrich -q "$OUT/scored.ndjson" > "$OUT/enriched.ndjson"

say "--- alerts (rule: reason) in $OUT/enriched.ndjson:"
grep '"kind":"alert"' "$OUT/enriched.ndjson" | grep -o '"reason":"[^"]*"' | head -12 | show
say "--- events tagged ip_list:tor in $OUT/enriched.ndjson: $(grep -c ip_list:tor "$OUT/enriched.ndjson" || true)"
say "--- most anomalous events (score, severity, message) in $OUT/scored.ndjson:"
"$BIN" report -q --format json "$OUT/scored.ndjson" | python3 -c 'import json,sys
for a in json.load(sys.stdin).get("anomalies", {}).get("most_anomalous", [])[:6]:
    print(" ", a.get("score"), a.get("severity"), (a.get("template") or "")[:90])' | show
say "--- events by dataset ($OUT/events.ndjson):"
grep -o '"dataset":"[^"]*"' "$OUT/events.ndjson" | sort | uniq -c | show
say "--- templates: $(grep -c '"template":{"id"' "$OUT/events.ndjson") events have one, $(grep -c '"known":false' "$OUT/events.ndjson" || true) of them outside the linux-auth model's frozen set ($OUT/templates.ndjson)"
say "--- process tree of pid 15150 from the CSV exports in testdata/tree:"
"$BIN" parse -q --format csv testdata/tree/*.csv | "$BIN" tree -q --pid 15150 > "$OUT/tree.txt"
show < "$OUT/tree.txt"
say "--- rejected lines (file:line reason) are in $OUT/rejected.ndjson"
"$BIN" report -q --rejects "$OUT/rejected.ndjson" --format html -o "$OUT/report.html" --png-dir "$OUT/charts" \
    --title "logward demo: bundled samples" "$OUT/enriched.ndjson"
"$BIN" report -q --rejects "$OUT/rejected.ndjson" --format json -o "$OUT/report.json" "$OUT/enriched.ndjson"
say "--- report findings (Markdown; all of it: $OUT/report.html, $OUT/report.json, charts as PNG in $OUT/charts):"
"$BIN" report -q --rejects "$OUT/rejected.ndjson" "$OUT/enriched.ndjson" | sed -n '/^## Findings/,/^## /p' | sed '$d' | head -40 | show

REPORT="$(cd "$OUT" && pwd)/report.html"
echo
echo "The report: $REPORT ($(wc -c < "$REPORT") bytes, one self-contained file)"
echo "Open it in a browser:  xdg-open $REPORT   (macOS: open $REPORT), or file://$REPORT"
echo "A screenshot of it:    make report-png   (headless Chromium, writes $OUT/report.png)"
