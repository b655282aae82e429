#!/bin/bash
# End-to-end Avro path vs JSON path on the same pipeline: a standalone worker with a datagen source
# (quickstart=orders, N records, max.interval=0) into a fresh topic of Ferry's broker (own process),
# A = AvroConverter (Ferry's registry, `ferry schema-registry`, own process), B = JsonConverter with
# schemas.enable=true (JSON=json-noschemas: schemas.enable=false, bare JSON values). Timed side by
# side with pair-bench; each run includes the worker's start-up and shutdown. A/B wall > 1 means the
# Avro path is slower; the throughput ratio Avro/JSON is B/A.
#
# usage: [JSON=json|json-noschemas] bench/avro_vs_json.sh [N=1000000] [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${2:-7}
JSON=${JSON:-json}
FERRY=${FERRY:-build/ferry}
PAIR_BENCH=${PAIR_BENCH:-../shared/tools/pair-bench}
work=$(mktemp -d /tmp/ferry-bench-XXXX)
freeport() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport); srport=$(freeport)
"$FERRY" embedded-kafka --listener 127.0.0.1:$port --data-dir "$work/kafka" > "$work/broker.log" 2>&1 &
broker=$!
registry=
trap '[ -n "$registry" ] && kill $registry 2>/dev/null; kill $broker 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
printf 'listeners=http://127.0.0.1:%s\nkafkastore.bootstrap.servers=PLAINTEXT://127.0.0.1:%s\n' $srport $port > "$work/registry.properties"
"$FERRY" schema-registry "$work/registry.properties" > "$work/registry.log" 2>&1 &
registry=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$srport/subjects" >/dev/null && break; sleep 0.2; done
echo "N=$N broker 127.0.0.1:$port registry 127.0.0.1:$srport; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PAIR_BENCH" -n "$RUNS" \
  "/usr/bin/python3 bench/avro_vs_json_run.py $FERRY 127.0.0.1:$port $N avro http://127.0.0.1:$srport" \
  "/usr/bin/python3 bench/avro_vs_json_run.py $FERRY 127.0.0.1:$port $N $JSON"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
