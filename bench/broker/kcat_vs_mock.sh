#!/usr/bin/env bash
# Side-by-side macro benchmark: kcat producing and consuming the same 1,000,000 records (63-byte
# lines, 4 partitions) against Ferry's broker (durable, default flush policy) and against
# librdkafka 2.0.2's in-memory mock cluster, alternating A B A B with pair-bench for medians.
#
# usage: bench/broker/kcat_vs_mock.sh [build dir] [runs]
#   PAIR_BENCH  the pair-bench tool (default: pair-bench on PATH)
#   RECORDS     number of records (default 1000000)
# Prints pair-bench's report for produce and consume, the records each broker returned, the
# brokers' peak RSS, and the command and date for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
RUNS=${2:-5}
RECORDS=${RECORDS:-1000000}
PAIR_BENCH=${PAIR_BENCH:-pair-bench}
SERVER=$BUILD/tests/broker/ferry-broker-test-server
[ -x "$SERVER" ] || { echo "missing $SERVER (ninja -C $BUILD ferry-broker-test-server)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/ferry-broker-bench-XXXXXX)
FERRY_PID=""
MOCK_PID=""
cleanup() {
  [ -n "$FERRY_PID" ] && kill "$FERRY_PID" 2>/dev/null && wait "$FERRY_PID" 2>/dev/null || true
  [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

/usr/bin/python3 - "$RECORDS" > "$TMP/lines.txt" <<'EOF'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    s = "record-%09d-" % i
    out.write(s + "x" * (63 - len(s)) + "\n")
EOF

"$SERVER" --override listeners=PLAINTEXT://127.0.0.1:0 --override "log.dirs=$TMP/data" --override num.partitions=4 \
  > "$TMP/ferry.out" 2> "$TMP/ferry.err" &
FERRY_PID=$!
/usr/bin/python3 bench/broker/mock_cluster.py > "$TMP/mock.out" 2> "$TMP/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do
  grep -q 'port=' "$TMP/ferry.out" 2>/dev/null && grep -q 'bootstrap.servers=' "$TMP/mock.out" 2>/dev/null && break
  sleep 0.1
done
FERRY=127.0.0.1:$(grep -o 'port=[0-9]*' "$TMP/ferry.out" | cut -d= -f2)
MOCK=$(grep -o 'bootstrap.servers=.*' "$TMP/mock.out" | cut -d= -f2)
echo "Ferry broker: $FERRY   librdkafka mock: $MOCK"

echo
echo "== produce $RECORDS records (kcat -P, a fresh 4-partition topic per run)"
"$PAIR_BENCH" -n "$RUNS" -- \
  "kcat -b $FERRY -P -t p\$(date +%s%N) -l $TMP/lines.txt" \
  "kcat -b $MOCK -P -t p\$(date +%s%N) -l $TMP/lines.txt"

echo
echo "== consume $RECORDS records (kcat -C -o beginning -e)"
kcat -b "$FERRY" -P -t consume -l "$TMP/lines.txt"
kcat -b "$MOCK" -P -t consume -l "$TMP/lines.txt"
FERRY_READ=$(kcat -b "$FERRY" -C -t consume -o beginning -e -q -f '%s\n' | wc -l)
MOCK_READ=$(kcat -b "$MOCK" -C -t consume -o beginning -e -q -f '%s\n' | wc -l)
"$PAIR_BENCH" -n "$RUNS" -- \
  "kcat -b $FERRY -C -t consume -o beginning -e -q -f '%s\n' > /dev/null" \
  "kcat -b $MOCK -C -t consume -o beginning -e -q -f '%s\n' > /dev/null"
echo "records read back: Ferry $FERRY_READ of $RECORDS, mock $MOCK_READ of $RECORDS"

# librdkafka fetches partitions as they become ready; a Fetch that happens to hold only empty
# partitions long-polls fetch.wait.max.ms (500 ms) on any broker that honours it, and the exit
# at the end waits for the last long poll. This variant takes that fixed cost out.
echo
echo "== consume $RECORDS records with -X fetch.wait.max.ms=10"
"$PAIR_BENCH" -n "$RUNS" -- \
  "kcat -b $FERRY -C -t consume -o beginning -e -q -X fetch.wait.max.ms=10 -f '%s\n' > /dev/null" \
  "kcat -b $MOCK -C -t consume -o beginning -e -q -X fetch.wait.max.ms=10 -f '%s\n' > /dev/null"

rss() { awk '/VmHWM/ {print $2/1024 " MiB"}' "/proc/$1/status"; }
echo "peak RSS: Ferry broker $(rss "$FERRY_PID"), mock cluster process $(rss "$MOCK_PID")"
echo "data on disk (Ferry): $(du -sh "$TMP/data" | cut -f1)"
echo
echo "command: PAIR_BENCH=<pair-bench> bench/broker/kcat_vs_mock.sh $BUILD $RUNS"
echo "date: $(date)"
