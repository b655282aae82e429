#!/bin/bash
# FileStreamSource vs kcat -P: the same file of N lines into a fresh topic of the same broker
# (Ferry's embedded broker in its own process), timed side by side with pair-bench.
# Both use librdkafka's default batching; Ferry writes values with StringConverter, so the topic
# holds the same bytes kcat writes. Ferry's time includes worker start-up and shutdown.
# With FS_TIMES=FILE, every Ferry run appends its phases (start-up, first to last record, shutdown).
# With WATCHED=1, kcat runs under the same Python watcher as Ferry (bench/file_source_run.py kcat):
# both sides then pay the same interpreter start-up and end-of-run detection.
#
# usage: bench/file_source_vs_kcat.sh [N=1000000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${2:-5}
FERRY=${FERRY:-build/ferry}
PAIR_BENCH=${PAIR_BENCH:-../shared/tools/pair-bench}
work=$(mktemp -d /tmp/ferry-bench-XXXX)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$FERRY" embedded-kafka --listener 127.0.0.1:$port --data-dir "$work/kafka" > "$work/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
# 63-byte lines, as in the broker issue's measurement.
/usr/bin/python3 -c "
import sys
for i in range($N): sys.stdout.write(f'{i:010d} the quick brown fox jumps over the lazy dog 0123456\n')
" > "$work/lines.txt"
echo "file: $(wc -l < "$work/lines.txt") lines, $(stat -c %s "$work/lines.txt") bytes; broker 127.0.0.1:$port"
if [ "${WATCHED:-0}" = 1 ]; then
  kcat_cmd="/usr/bin/python3 bench/file_source_run.py kcat 127.0.0.1:$port $work/lines.txt $N"
else
  kcat_cmd="kcat -P -b 127.0.0.1:$port -t kcat-\$\$-\$(date +%s%N) -l $work/lines.txt"
fi
"$PAIR_BENCH" -n "$RUNS" "$kcat_cmd" \
  "/usr/bin/python3 bench/file_source_run.py $FERRY 127.0.0.1:$port $work/lines.txt $N"
