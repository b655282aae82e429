#!/usr/bin/env bash
# Worker footprint: start-to-REST-ready time (exec of the worker process -> first 200 on GET /) and
# idle resident memory (VmRSS) of
#   1. `ferry standalone` with no connectors,
#   2. `ferry standalone` with one FileStreamSource running (a 1000-line file, read within the settle time),
#   3. `ferry distributed` (one worker) with no connectors,
#   4. `ferry distributed` with 10 FileStreamSource connectors running (created through REST after
#      startup; ready time is that of the empty worker, RSS after the 10 files were read);
#   5. the same worker restarted: ready time and RSS once its 10 connectors came back from the
#      config topic and their tasks are RUNNING again (nothing left to read).
# Each configuration is started RUNS times against one `ferry embedded-kafka` broker started first
# (not counted); the script prints every run and the medians.
#
#   bench/worker_footprint.sh [path/to/ferry] [runs]      (defaults: build/ferry, 5)
#
# RSS is read from /proc/<pid>/status after the worker has been idle for SETTLE seconds (default 3)
# once REST answers (and, with connectors, once their tasks are RUNNING).
set -euo pipefail

FERRY=$(realpath "${1:-build/ferry}")
RUNS=${2:-5}
SETTLE=${SETTLE:-3}
TMP=$(mktemp -d /tmp/ferry-footprint-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do
    if kill -0 "$p" 2>/dev/null; then { kill -9 "$p"; wait "$p"; } 2>/dev/null || true; fi
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

KPORT=$(free_port)
"$FERRY" embedded-kafka --listener "127.0.0.1:$KPORT" --data-dir "$TMP/kafka" >"$TMP/broker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$KPORT") 2>/dev/null && break; sleep 0.1; done

for i in $(seq 10); do printf 'line %d\n' $(seq 1000) >"$TMP/in-$i.txt"; done

# run_one MODE CONNECTORS RUN -> "ready_ms rss_kib"
run_one() {
  local mode=$1 n=$2 run=$3 restart=${4:-} port props dir pid t0 t1
  port=$(free_port)
  dir="$TMP/$mode-$n-$run$restart"
  mkdir -p "$dir"
  props="$dir/worker.properties"
  cat >"$props" <<EOF
bootstrap.servers=127.0.0.1:$KPORT
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
listeners=http://127.0.0.1:$port
rest.advertised.host.name=127.0.0.1
offset.flush.interval.ms=1000
EOF
  if [ "$mode" = standalone ]; then
    echo "offset.storage.file.filename=$dir/connect.offsets" >>"$props"
  else
    cat >>"$props" <<EOF
group.id=footprint-$n-$run$restart
config.storage.topic=footprint-$n-$run$restart-configs
offset.storage.topic=footprint-$n-$run$restart-offsets
status.storage.topic=footprint-$n-$run$restart-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
EOF
  fi
  start_worker() {
    t0=$(now_ns)
    "$FERRY" "$mode" "$props" >>"$dir/worker.log" 2>&1 &
    pid=$!
    PIDS+=($pid)
    until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do
      kill -0 "$pid" 2>/dev/null || { echo "worker exited:" >&2; tail -20 "$dir/worker.log" >&2; exit 1; }
      sleep 0.005
    done
    t1=$(now_ns)
  }
  wait_tasks_running() {
    local ok
    for i in $(seq "$n"); do
      ok=
      for _ in $(seq 600); do
        if curl -sf "http://127.0.0.1:$port/connectors/src-$i/status" | grep -q '"tasks":\[{"id":0,"state":"RUNNING"'; then
          ok=1
          break
        fi
        sleep 0.1
      done
      [ -n "$ok" ] || { echo "src-$i did not reach RUNNING:" >&2; tail -20 "$dir/worker.log" >&2; exit 1; }
    done
  }
  start_worker
  for i in $(seq "$n"); do
    curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$port/connectors" \
      -d "{\"name\":\"src-$i\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$TMP/in-$i.txt\",\"topic\":\"footprint-$i\"}}"
  done
  wait_tasks_running
  if [ -n "$restart" ]; then
    # A restart: the worker reads its N connectors back from the internal topics; ready = REST
    # answers; RSS once its tasks are RUNNING again.
    sleep 2 # let the first offsets flush
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    start_worker
    wait_tasks_running
  fi
  [ -n "${DEBUG:-}" ] && echo "  $mode $n: connectors done at $(( ($(now_ns) - t0) / 1000000 )) ms" >&2
  sleep "$SETTLE"
  echo "$(( (t1 - t0) / 1000000 )) $(rss_kib "$pid")"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  [ -n "${DEBUG:-}" ] && echo "  $mode $n: stopped at $(( ($(now_ns) - t0) / 1000000 )) ms" >&2
  return 0
}

echo "ferry: $FERRY ($(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')), runs: $RUNS, $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-26s %12s %12s   %s\n' configuration ready_ms rss_MiB "runs (ready_ms/rss_KiB)"
for cfg in "standalone 0" "standalone 1" "distributed 0" "distributed 10" "distributed 10 restart"; do
  set -- $cfg
  results=()
  for r in $(seq "$RUNS"); do
    res=$(run_one "$1" "$2" "$r" "${3:-}") || { echo "run $r of '$cfg' failed" >&2; exit 1; }
    results+=("$res")
  done
  ready=$(printf '%s\n' "${results[@]}" | awk '{print $1}' | median)
  rss=$(printf '%s\n' "${results[@]}" | awk '{print $2}' | median)
  printf '%-26s %12s %12.1f   %s\n' "$1, $2 connector(s)${3:+, $3}" "$ready" "$(echo "$rss / 1024" | bc -l)" \
    "$(printf '%s ' "${results[@]/ //}")"
done
