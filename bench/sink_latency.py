#!/usr/bin/python3
"""Sink latency for a trickle of records: one record every ~0.4 s is produced with kcat into a topic
that a JdbcSinkConnector (SQLite, auto.create) writes; the time from kcat's start until the row is
visible in the table is measured for each record (the table is polled every 5 ms). A worker and
Ferry's broker are started here (tests/harness) and stopped by PID at the end.

It shows how long a sink task holds records that have already arrived (the consumer's poll should
return as soon as any record is there, as Java's KafkaConsumer.poll does), not throughput.

usage: bench/sink_latency.py FERRY [N=20]      prints the median and max latency
"""
import json
import os
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
import ferry_harness  # noqa: E402

ferry_harness.FERRY = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
from ferry_harness import FerryTestCase, http, wait_until  # noqa: E402


def record(i):
    return json.dumps({"schema": {"type": "struct", "optional": False,
                                  "fields": [{"field": "id", "type": "int32"}]},
                       "payload": {"id": i}}).encode() + b"\n"


env = FerryTestCase()
env.setUp()
try:
    broker = env.start_broker()
    # A long flush interval: nothing but the consumer's poll decides when put() sees a record.
    worker = env.start_worker(env.worker_props(broker.bootstrap, **{"offset.flush.interval.ms": "10000"}))
    db = env.path("sink.db")
    produce = ["kcat", "-P", "-b", broker.bootstrap, "-t", "trickle"]
    subprocess.run(produce, input=record(0), check=True)
    status, body = http("POST", worker.url + "/connectors", {"name": "sink", "config": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "connection.url": "jdbc:sqlite:" + db,
        "topics": "trickle", "auto.create": "true"}})
    assert status == 201, body

    def rows():
        try:
            c = sqlite3.connect(db)
            try:
                return c.execute("select count(*) from trickle").fetchone()[0]
            finally:
                c.close()
        except sqlite3.Error:
            return 0
    wait_until(lambda: rows() >= 1, timeout=60, what="the first row")
    lat = []
    for i in range(1, N + 1):
        time.sleep(0.4)
        t0 = time.time()
        subprocess.run(produce, input=record(i), check=True)
        wait_until(lambda: rows() >= i + 1, timeout=60, interval=0.005, what=f"row {i}")
        lat.append(time.time() - t0)
    lat.sort()
    print(f"sink latency over {N} records: median {lat[len(lat) // 2] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
finally:
    env.tearDown()
