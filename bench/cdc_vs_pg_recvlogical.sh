#!/bin/bash
# PostgreSQL CDC throughput, side by side on the same WAL (pair-bench medians):
#   1. streaming: N changes already in a replication slot's WAL -> Kafka through the
#      PostgresConnector (A) vs pg_recvlogical reading the same changes raw with pgoutput (B);
#      every run starts from a copy of the same slot (pg_copy_logical_replication_slot);
#   2. snapshot: a table of N rows -> Kafka through the connector's initial snapshot (A) vs
#      COPY bench TO STDOUT through psql (B);
#   3. task: the connector's task alone, no runtime, converters or Kafka (bench/cdc_task_bench.cc)
#      vs pg_recvlogical on the same slot copies, then vs COPY TO on the same table.
# The snapshot also gets the machine's floor for its output: the events the connector wrote (keys
# and values as they are in Kafka, ~10x the bytes COPY prints) produced again by `kcat -P` from a
# file, through the same broker - against COPY TO, and against the connector.
# Between runs the topics written so far are deleted (bench/delete_topics.py), so that the broker
# does not accumulate gigabytes of page cache and writeback over the series.
# The broker is Ferry's embedded broker in its own process; converters are JsonConverter with
# schemas.enable=${SCHEMAS:-false}. Ferry's times include worker start-up and shutdown.
#
# The snapshot series also prints the rates side by side: rows per second from the connector's
# first to its last record in Kafka (phases noted by bench/cdc_run.py) against COPY's rows per second.
#
# With CDC_TIMES=FILE, every Ferry run appends its phases to FILE (start-up until the first record,
# first to last record, shutdown), to tell the streaming rate from the fixed costs.
#
# usage: bench/cdc_vs_pg_recvlogical.sh [N=500000] [RUNS=5] [stream|snapshot|task|both|all]
#   both = stream + snapshot; all = stream + snapshot + task
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500000}
RUNS=${2:-5}
WHAT=${3:-both}
FERRY=${FERRY:-build/ferry}
TASK_BENCH=${TASK_BENCH:-$(dirname "$FERRY")/bench/cdc_task_bench}
PAIR_BENCH=${PAIR_BENCH:-../shared/tools/pair-bench}
SCHEMAS=${SCHEMAS:-false}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/ferry-cdc-bench-XXXX)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kport=$(free_port); pport=$(free_port)
mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$PG_BIN/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > /dev/null
cat >> "$work/pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pport
unix_socket_directories = '$work/pg'
wal_level = logical
max_wal_senders = 10
max_replication_slots = 20
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_wal_size = 4GB
CONF
as_pg "$PG_BIN/postgres" -D "$work/pg/data" > "$work/pg.log" 2>&1 &
pg=$!
"$FERRY" embedded-kafka --listener 127.0.0.1:$kport --data-dir "$work/kafka" > "$work/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; as_pg "$PG_BIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1; wait $broker $pg 2>/dev/null; rm -rf "$work"' EXIT
for i in $(seq 50); do "$PG_BIN/pg_isready" -h 127.0.0.1 -p $pport -q && break; sleep 0.2; done
PSQL="psql -h 127.0.0.1 -p $pport -U postgres -d postgres -q -At -v ON_ERROR_STOP=1"
$PSQL -c "CREATE TABLE bench (id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(10,2), updated timestamptz)"
$PSQL -c "CREATE PUBLICATION bench_pub FOR TABLE bench"
echo "date: $(date -u)"
echo "PostgreSQL $($PSQL -c 'SHOW server_version'), N=$N, runs=$RUNS, schemas.enable=$SCHEMAS"

stream_on() { [ "$WHAT" = stream ] || [ "$WHAT" = both ] || [ "$WHAT" = all ] || [ "$WHAT" = task ]; }
snapshot_on() { [ "$WHAT" = snapshot ] || [ "$WHAT" = both ] || [ "$WHAT" = all ] || [ "$WHAT" = task ]; }
# pair-bench ignores a failing --setup, so wait here until the previous run's walsender has let go
# of its slot (a slot still active cannot be dropped and the next run would resume it, not copy it).
cat > "$work/reslot.sh" <<S
set -e
for s in run_raw run_ferry; do
  for i in \$(seq 100); do
    [ "\$($PSQL -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '\$s' AND active")" = 0 ] && break
    sleep 0.1
  done
  $PSQL -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '\$s'" > /dev/null
  $PSQL -c "SELECT pg_copy_logical_replication_slot('tmpl', '\$s')" > /dev/null
done
S

if stream_on; then
  $PSQL -c "SELECT pg_create_logical_replication_slot('tmpl', 'pgoutput')" > /dev/null
  # N changes in transactions of 1,000 inserts
  $PSQL -c "DO \$\$ BEGIN FOR b IN 0..$((N / 1000 - 1)) LOOP
      INSERT INTO bench SELECT g, 'customer ' || g, g % 100, (g % 10000) / 100.0, '2024-05-01 10:00:00+00'::timestamptz + g * interval '1 second'
        FROM generate_series(b * 1000 + 1, b * 1000 + 1000) g;
      COMMIT; END LOOP; END \$\$"
  end=$($PSQL -c "SELECT pg_current_wal_lsn()")
  echo "streaming: $N inserts in $((N / 1000)) transactions, WAL up to $end"
  recvlogical="$PG_BIN/pg_recvlogical -h 127.0.0.1 -p $pport -U postgres -d postgres --slot run_raw --start --endpos $end -o proto_version=1 -o publication_names=bench_pub -f /dev/null"
  if [ "$WHAT" != task ]; then
    echo "== stream: A = connector -> Kafka, B = pg_recvlogical"
    "$PAIR_BENCH" -n "$RUNS" --setup "bash $work/reslot.sh" \
      "/usr/bin/python3 bench/cdc_run.py $FERRY 127.0.0.1:$kport $pport run_ferry $N stream $SCHEMAS" \
      "$recvlogical"
  fi
  if [ "$WHAT" = task ] || [ "$WHAT" = all ]; then
    echo "== stream, task only: A = cdc_task_bench stream, B = pg_recvlogical"
    "$PAIR_BENCH" -n "$RUNS" --setup "bash $work/reslot.sh" \
      "$TASK_BENCH $pport stream run_ferry $N" "$recvlogical"
  fi
  $PSQL -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots" > /dev/null
fi

if snapshot_on; then
  $PSQL -c "TRUNCATE bench"
  $PSQL -c "INSERT INTO bench SELECT g, 'customer ' || g, g % 100, (g % 10000) / 100.0, '2024-05-01 10:00:00+00'::timestamptz + g * interval '1 second' FROM generate_series(1, $N) g"
  $PSQL -c "VACUUM ANALYZE bench"
  echo "snapshot: $N rows ($($PSQL -c "SELECT pg_size_pretty(pg_total_relation_size('bench'))"))"
  if [ "$WHAT" != task ]; then
    cleanup="/usr/bin/python3 bench/delete_topics.py 127.0.0.1:$kport"
    ferry_snap="/usr/bin/python3 bench/cdc_run.py $FERRY 127.0.0.1:$kport $pport snap_ferry $N snapshot $SCHEMAS"
    echo "== snapshot: A = connector -> Kafka, B = COPY bench TO STDOUT"
    # The connector's runs also note their phases, for the rate without the worker's start-up.
    CDC_TIMES="$work/snap_times" "$PAIR_BENCH" -n "$RUNS" --setup "$cleanup" "$ferry_snap" \
      "$PSQL -c 'COPY bench TO STDOUT' > /dev/null" | tee "$work/snap_pairs"
    # Rows per second side by side, from the same pairs: the connector's first to last record in
    # Kafka (start-up and shutdown left out) against COPY's whole run (psql's start included).
    /usr/bin/python3 - "$work/snap_times" "$work/snap_pairs" "$N" <<'PY'
import re, statistics, sys
times, pairs, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
stream = [float(m.group(1)) for m in re.finditer(r"stream_s=([0-9.]+)", open(times).read())]
walls = re.findall(r"wall s\s+median ([0-9.]+)", open(pairs).read())
copy_s = float(walls[1])
ferry_s = statistics.median(stream)
print(f"snapshot rate: connector {n / ferry_s:,.0f} rows/s (median first to last record of {len(stream)} runs, "
      f"{ferry_s:.3f} s), COPY {n / copy_s:,.0f} rows/s (median wall {copy_s:.3f} s): ratio {copy_s / ferry_s:.2f}")
PY
    # The floor: one run's events, keys and values as the connector wrote them, produced by kcat.
    $cleanup
    $ferry_snap
    topic=$(kcat -b 127.0.0.1:$kport -L | grep -o 'topic "[^"]*\.public\.bench"' | head -1 | cut -d'"' -f2)
    kcat -b 127.0.0.1:$kport -C -t "$topic" -e -q -f '%k\t%s\n' > "$work/events.txt"
    echo "events of one run: $(wc -l < "$work/events.txt") records, $(du -m "$work/events.txt" | cut -f1) MB (keys and values)"
    kcat_floor="kcat -b 127.0.0.1:$kport -P -K '\t' -t floor\$\$ -l $work/events.txt"
    echo "== snapshot floor: A = kcat -P of the connector's events, B = COPY bench TO STDOUT"
    "$PAIR_BENCH" -n "$RUNS" --setup "$cleanup" "$kcat_floor" "$PSQL -c 'COPY bench TO STDOUT' > /dev/null"
    echo "== snapshot against its floor: A = connector -> Kafka, B = kcat -P of the connector's events"
    "$PAIR_BENCH" -n "$RUNS" --setup "$cleanup" "$ferry_snap" "$kcat_floor"
  fi
  if [ "$WHAT" = task ] || [ "$WHAT" = all ]; then
    echo "== snapshot, task only: A = cdc_task_bench snapshot, B = COPY bench TO STDOUT"
    "$PAIR_BENCH" -n "$RUNS" \
      "$TASK_BENCH $pport snapshot snap_task $N" \
      "$PSQL -c 'COPY bench TO STDOUT' > /dev/null"
  fi
fi
