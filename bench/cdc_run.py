#!/usr/bin/python3
"""One timed run of the PostgreSQL connector for the CDC benchmarks: start a standalone worker with
a PostgresConnector on an existing PostgreSQL server and replication slot, wait until the table
topic holds N records, stop the worker. Prints nothing on success (pair-bench times the process).

usage: cdc_run.py FERRY BOOTSTRAP PG_PORT SLOT N MODE [converter-schemas]
  MODE stream:   snapshot.mode=no_data; the slot already holds the changes (streams from its position)
  MODE snapshot: snapshot.mode=initial_only; a new slot exports the snapshot (the slot is dropped after)
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, TopicPartition

ferry, bootstrap, pg_port, slot, n, mode = sys.argv[1:7]
n = int(n)
schemas = sys.argv[7] if len(sys.argv) > 7 else "false"
prefix = f"b{os.getpid()}x{time.time_ns()}"
topic = f"{prefix}.public.bench"
tmp = tempfile.mkdtemp(prefix="ferry-cdc-bench-")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
conv = "org.apache.kafka.connect.json.JsonConverter"
with open(f"{tmp}/worker.properties", "w") as f:
    f.write(f"bootstrap.servers={bootstrap}\nkey.converter={conv}\nvalue.converter={conv}\n"
            f"key.converter.schemas.enable={schemas}\nvalue.converter.schemas.enable={schemas}\n"
            f"offset.storage.file.filename={tmp}/offsets\nlisteners=http://127.0.0.1:{port}\n"
            f"offset.flush.interval.ms=1000\n")
with open(f"{tmp}/pg.properties", "w") as f:
    f.write(f"name=bench-cdc\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n"
            f"database.hostname=127.0.0.1\ndatabase.port={pg_port}\ndatabase.user=postgres\n"
            f"database.dbname=postgres\ntopic.prefix={prefix}\nplugin.name=pgoutput\nslot.name={slot}\n"
            f"publication.name=bench_pub\npublication.autocreate.mode=disabled\n"
            f"table.include.list=public.bench\n"
            f"snapshot.mode={'no_data' if mode == 'stream' else 'initial_only'}\n"
            f"slot.drop.on.stop={'true' if mode == 'snapshot' else 'false'}\n"
            + os.environ.get("CDC_EXTRA", "").replace(";", "\n") + "\n")
proc = subprocess.Popen(os.environ.get("FERRY_WRAP", "").split() + [ferry, "standalone", f"{tmp}/worker.properties", f"{tmp}/pg.properties"],
                        stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/worker.log", "w"))
t_start = time.time()
t_first = None
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
try:
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=2, cached=False)[1]
        except Exception:
            hi = 0
        if hi > 0 and t_first is None:
            t_first = time.time()
        if hi >= n:
            t_n = time.time()
            break
        if proc.poll() is not None:
            sys.exit(f"worker exited: see {tmp}/worker.log")
        time.sleep(0.02)
    else:
        sys.exit(f"timed out: see {tmp}/worker.log")
finally:
    c.close()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
if os.environ.get("CDC_TIMES"):
    # start-up (until the first record is in Kafka), first..N-th record, shutdown; the middle one
    # is the streaming rate without the fixed costs (watermarks are polled every ~20 ms).
    # The first record is dated by its own Kafka timestamp (the producer's clock when it was sent):
    # this consumer only learns of a new topic at its next metadata refresh (up to ~100 ms late),
    # which would make the first..N-th span look shorter than it was.
    t_end = time.time()
    first = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-first", "enable.auto.commit": False})
    first.assign([TopicPartition(topic, 0, 0)])
    m = first.poll(10)
    first.close()
    if m is None or m.error() or m.timestamp()[1] <= 0:
        sys.exit("could not read the first record's timestamp")
    t_first = min(t_first, m.timestamp()[1] / 1000.0)
    with open(os.environ["CDC_TIMES"], "a") as f:
        f.write(f"{mode} n={n} startup_s={t_first - t_start:.3f} stream_s={t_n - t_first:.3f} "
                f"rate={n / max(t_n - t_first, 1e-9):.0f}/s shutdown_s={t_end - t_n:.3f} total_s={t_end - t_start:.3f}\n")
shutil.rmtree(tmp, ignore_errors=True)
