#!/usr/bin/env bash
# Memory stays bounded whatever the data size: kcat writes GB gigabytes (1 KiB records, 4
# partitions) into Ferry's broker; we report the broker's RSS while holding it, the restart time
# (recovery + producer-state rebuild) and the RSS after a restart and a full read of the tail.
#
# usage: bench/broker/hold_10gb.sh [build dir] [GB]      (needs ~GB+1 of free disk in /tmp)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GB=${2:-10}
SERVER=$BUILD/tests/broker/ferry-broker-test-server
TMP=$(mktemp -d /tmp/ferry-broker-10gb-XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

start() {
  : > "$TMP/out"
  "$SERVER" --override listeners=PLAINTEXT://127.0.0.1:${PORT:-0} --override "log.dirs=$TMP/data" --override num.partitions=4 \
    > "$TMP/out" 2>> "$TMP/err" &
  PID=$!
  for _ in $(seq 600); do grep -q 'port=' "$TMP/out" && break; sleep 0.1; done
  PORT=$(grep -o 'port=[0-9]*' "$TMP/out" | cut -d= -f2)
}
rss() { awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "RSS %.1f MiB (peak %.1f MiB)", r/1024, h/1024}' "/proc/$PID/status"; }

/usr/bin/python3 -c "
import sys
w = sys.stdout.write
for i in range(1048576):
    s = 'r%09d-' % i
    w(s + 'x' * (1023 - len(s)) + '\n')
" > "$TMP/1g.txt"

start
t0=$(date +%s.%N)
for i in $(seq "$GB"); do kcat -b "127.0.0.1:$PORT" -P -t hold -l "$TMP/1g.txt"; done
t1=$(date +%s.%N)
echo "wrote ${GB} GiB ($((GB * 1048576)) records) in $(echo "$t1 - $t0" | bc) s; data on disk $(du -sh "$TMP/data" | cut -f1)"
echo "while holding it: $(rss)"
kill "$PID"; wait "$PID" || true
t0=$(date +%s.%N)
start
t1=$(date +%s.%N)
echo "restart (clean shutdown) took $(echo "$t1 - $t0" | bc) s: $(grep -o 'state loaded in [0-9]* ms' "$TMP/err" | tail -1)"
kcat -b "127.0.0.1:$PORT" -C -t hold -o -100000 -e -q -f '%o\n' | wc -l | xargs echo "read the last 100000 records of each partition:"
echo "after restart and reads: $(rss)"
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
t0=$(date +%s.%N)
start
t1=$(date +%s.%N)
echo "restart after SIGKILL took $(echo "$t1 - $t0" | bc) s: $(grep -o 'state loaded in [0-9]* ms' "$TMP/err" | tail -1); $(rss)"
echo "command: bench/broker/hold_10gb.sh $BUILD $GB"
echo "date: $(date)"
