#!/usr/bin/env bash
# Throughput of `logward parse` on >= 1M real auth and access lines, against jq re-serializing
# logward's own output (jq -c . only parses and prints JSON: a floor for any JSON tool), in one
# run on the same input; and peak memory when the input grows 4x.
#
# Usage: bench/parse.sh [LINES]   (default 1000000; reads ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
DATA=../shared/data
OUT=bench/out
BIN=target/release/logward
mkdir -p "$OUT"
cargo build --release --quiet
command -v jq >/dev/null || { echo "jq is needed for the comparison: apt-get install jq" >&2; exit 2; }
# One core, as the targets are stated per core (taskset when available).
PIN=""; command -v taskset >/dev/null && PIN="taskset -c 0"

# Repeat the real samples to LINES lines (and 4x LINES for the memory check).
build() { # src... -> stdout, $N lines
  local n=$1; shift
  cat "$@" | awk -v n="$n" '{ l[NR] = $0 } END { for (i = 0; i < n; i++) print l[i % NR + 1] }'
}
build "$LINES" "$DATA/loghub-2k/OpenSSH/OpenSSH_2k.log" "$DATA/filebeat/system/auth/secure-rhel7.log" \
  "$DATA/filebeat/system/auth/auth-ubuntu1204.log" "$DATA/loghub-2k/Linux/Linux_2k.log" > "$OUT/auth.log"
build "$LINES" "$DATA/access/apache_combined_10k.log" > "$OUT/access.log"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

printf '%-8s %10s %12s %14s %12s %14s %8s\n' input lines "parse s" "parse lines/s" "jq -c . s" "jq events/s" "jq/parse"
for kind in auth access; do
  in="$OUT/$kind.log"
  # Timed into /dev/null: every event is fully serialized, but disk speed stays out of it.
  "$BIN" parse -q "$in" > "$OUT/$kind.ndjson"
  t0=$(now); $PIN "$BIN" parse --threads 1 -q "$in" > /dev/null; t1=$(now)
  $PIN jq -c . "$OUT/$kind.ndjson" > /dev/null; t2=$(now)
  p=$(secs "$t0" "$t1"); j=$(secs "$t1" "$t2")
  printf '%-8s %10d %12.2f %14s %12.2f %14s %7.1fx\n' "$kind" "$LINES" "$p" "$(rate "$LINES" "$p")" "$j" "$(rate "$LINES" "$j")" "$(awk -v j="$j" -v p="$p" 'BEGIN { print j / p }')"
done

t0=$(now); "$BIN" parse -q "$OUT/auth.log" "$OUT/access.log" > /dev/null; t1=$(now)
echo "all cores ($(nproc)), auth+access: $(rate $((2 * LINES)) "$(secs "$t0" "$t1")") lines/s"

# Peak memory must stay flat when the input grows: stream, never slurp.
mem() { /usr/bin/time -f '%M' "$BIN" parse -q "$@" 2>&1 >/dev/null | tail -1; }
build $((4 * LINES)) "$OUT/auth.log" > "$OUT/auth4.log"
echo "peak RSS, 1x input: $(mem "$OUT/auth.log") KiB; 4x input: $(mem "$OUT/auth4.log") KiB"
rm -f "$OUT/auth4.log"
