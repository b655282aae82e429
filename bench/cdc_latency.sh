#!/bin/bash
# End-to-end latency of the PostgreSQL connector at a steady change rate: pgbench commits
# RATE_TPS transactions/s of ROWS inserts each (default 100 x 100 = 10,000 changes/s) for SECONDS;
# a confluent-kafka consumer measures receive time - commit time for every change
# (bench/cdc_latency.py). PostgreSQL with synchronous_commit=on (fsync=off), Ferry's broker and a
# standalone worker (JsonConverter, schemas.enable=false), all on this machine.
#
# usage: bench/cdc_latency.sh [SECONDS=30] [RATE_TPS=100] [ROWS=100]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-30}
TPS=${2:-100}
ROWS=${3:-100}
FERRY=${FERRY:-build/ferry}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/ferry-cdc-lat-XXXX)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kport=$(free_port); pport=$(free_port); rport=$(free_port)
mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$PG_BIN/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > /dev/null
cat >> "$work/pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pport
unix_socket_directories = '$work/pg'
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
fsync = off
synchronous_commit = on
shared_buffers = 256MB
CONF
as_pg "$PG_BIN/postgres" -D "$work/pg/data" > "$work/pg.log" 2>&1 &
pg=$!
"$FERRY" embedded-kafka --listener 127.0.0.1:$kport --data-dir "$work/kafka" > "$work/broker.log" 2>&1 &
broker=$!
worker=
trap 'kill $broker $worker 2>/dev/null; as_pg "$PG_BIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1; wait 2>/dev/null; rm -rf "$work"' EXIT
for i in $(seq 50); do "$PG_BIN/pg_isready" -h 127.0.0.1 -p $pport -q && break; sleep 0.2; done
PSQL="psql -h 127.0.0.1 -p $pport -U postgres -d postgres -q -At -v ON_ERROR_STOP=1"
$PSQL -c "CREATE TABLE lat (id bigserial PRIMARY KEY, customer text NOT NULL, qty int, price numeric(10,2), updated timestamptz DEFAULT now())"
conv=org.apache.kafka.connect.json.JsonConverter
cat > "$work/worker.properties" <<P
bootstrap.servers=127.0.0.1:$kport
key.converter=$conv
value.converter=$conv
key.converter.schemas.enable=false
value.converter.schemas.enable=false
offset.storage.file.filename=$work/offsets
listeners=http://127.0.0.1:$rport
P
cat > "$work/pg.properties" <<P
name=lat
connector.class=io.debezium.connector.postgresql.PostgresConnector
database.hostname=127.0.0.1
database.port=$pport
database.user=postgres
database.dbname=postgres
topic.prefix=lat
plugin.name=pgoutput
table.include.list=public.lat
P
"$FERRY" standalone "$work/worker.properties" "$work/pg.properties" > "$work/worker.log" 2>&1 &
worker=$!
for i in $(seq 100); do
  [ "$($PSQL -c "SELECT count(*) FROM pg_replication_slots WHERE active")" = 1 ] && break; sleep 0.1
done
echo "insert into lat (customer, qty, price) select 'customer ' || g, g, g / 100.0 from generate_series(1, $ROWS) g;" > "$work/tx.sql"
echo "date: $(date -u)"
echo "workload: pgbench -R $TPS transactions/s x $ROWS inserts = $((TPS * ROWS)) changes/s for $SECONDS_RUN s"
/usr/bin/python3 bench/cdc_latency.py 127.0.0.1:$kport lat.public.lat $SECONDS_RUN 5 &
consumer=$!
"$PG_BIN/pgbench" -h 127.0.0.1 -p $pport -U postgres -n -c 2 -j 1 -R $TPS -T $((SECONDS_RUN + 2)) -f "$work/tx.sql" postgres 2>&1 \
  | grep -E "tps|latency average|lag" || true
wait $consumer
