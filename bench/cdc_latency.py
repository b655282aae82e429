#!/usr/bin/python3
"""End-to-end latency of the PostgreSQL connector: a Kafka consumer reads the table topic while a
workload commits changes at a steady rate, and takes, for every change, the time it was received
minus its commit time (source.ts_us; PostgreSQL runs on the same machine, so one clock).

usage: cdc_latency.py BOOTSTRAP TOPIC SECONDS WARMUP_SECONDS
Prints the count, the achieved rate and p50/p90/p99/max latency in milliseconds; also the part up to
the Kafka record's timestamp (CreateTime, set by Ferry's producer when it sends the record: commit ->
connector -> converter -> producer, millisecond resolution), which leaves out the broker and this
consumer (a Python consumer starved of CPU on a loaded machine falls behind and adds its own lag).
"""
import json
import sys
import time

from confluent_kafka import Consumer

bootstrap, topic, seconds, warmup = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"lat-{time.time_ns()}", "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "fetch.wait.max.ms": 10, "fetch.error.backoff.ms": 10})
c.subscribe([topic])
lat = []
produced = []
first = None
deadline = time.time() + seconds + 60
while time.time() < deadline:
    msgs = c.consume(10000, timeout=0.002)
    now = time.time() * 1e6
    for m in msgs:
        if m.error() or m.value() is None:
            continue
        v = json.loads(m.value())
        commit = v["source"]["ts_us"]
        if first is None:
            first = commit
        if commit - first < warmup * 1e6:
            continue
        if commit - first > seconds * 1e6:
            deadline = 0
            break
        lat.append((now - commit) / 1000.0)
        ts_type, ts_ms = m.timestamp()
        if ts_ms > 0:
            produced.append(ts_ms - commit / 1000.0)
c.close()
lat.sort()
produced.sort()
if not lat:
    sys.exit("no records")
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
span = seconds - warmup
print(f"records measured: {len(lat)} in {span:.0f} s ({len(lat) / span:.0f}/s)")
print(f"latency ms: p50 {q(0.5):.1f}  p90 {q(0.9):.1f}  p99 {q(0.99):.1f}  max {lat[-1]:.1f}")
if produced:
    qp = lambda p: produced[min(len(produced) - 1, int(p * len(produced)))]
    print(f"commit -> sent by Ferry's producer (record timestamp), ms: p50 {qp(0.5):.1f}  p90 {qp(0.9):.1f}  "
          f"p99 {qp(0.99):.1f}  max {produced[-1]:.1f}")
