#!/usr/bin/python3
"""One timed run of a Ferry JDBC connector, used by bench/jdbc_bench.py through pair-bench.

  jdbc_run.py source FERRY BOOTSTRAP JDBC_URL TABLE N [key=value ...]
      starts a standalone worker with a JdbcSourceConnector (incrementing on `id`) copying TABLE
      into a fresh topic, waits until the topic holds N records, stops the worker.
  jdbc_run.py sink FERRY BOOTSTRAP JDBC_URL TOPIC N COUNT_CMD [key=value ...]
      starts a standalone worker with a JdbcSinkConnector (upsert, pk.mode=record_value, pk.fields=id)
      reading TOPIC from the beginning (a fresh consumer group), waits until COUNT_CMD (a shell
      command printing a row count) prints N, stops the worker.

Extra key=value pairs go into the connector config (`worker.` prefixed ones into the worker's).
Prints nothing on success; exits non-zero on timeout or when the worker dies.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

kind, ferry, bootstrap, url = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix="ferry-bench-jdbc-")
run_id = f"{os.getpid()}-{time.time_ns()}"
s = socket.socket()
s.bind(("127.0.0.1", 0))
rest_port = s.getsockname()[1]
s.close()

worker = {
    "bootstrap.servers": bootstrap,
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "offset.storage.file.filename": f"{tmp}/offsets",
    "listeners": f"http://127.0.0.1:{rest_port}",
}
if kind == "source":
    table, n = sys.argv[5], int(sys.argv[6])
    extra = sys.argv[7:]
    topic = f"bench-{run_id}-{table}"
    worker["value.converter.schemas.enable"] = "false"
    conn = {"name": f"bench-source-{run_id}", "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "connection.url": url, "mode": "incrementing", "incrementing.column.name": "id",
            "table.whitelist": table, "topic.prefix": f"bench-{run_id}-", "batch.max.rows": "10000",
            "poll.interval.ms": "1000"}
else:
    topic, n, count_cmd = sys.argv[5], int(sys.argv[6]), sys.argv[7]
    extra = sys.argv[8:]
    worker["consumer.max.poll.records"] = "10000"
    conn = {"name": f"bench-sink-{run_id}", "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
            "connection.url": url, "topics": topic, "insert.mode": "upsert", "pk.mode": "record_value",
            "pk.fields": "id", "auto.create": "true", "batch.size": "10000"}
for kv in extra:
    k, v = kv.split("=", 1)
    if k.startswith("worker."):
        worker[k[len("worker."):]] = v
    else:
        conn[k] = v

with open(f"{tmp}/worker.properties", "w") as f:
    f.writelines(f"{k}={v}\n" for k, v in worker.items())
with open(f"{tmp}/connector.properties", "w") as f:
    f.writelines(f"{k}={v}\n" for k, v in conn.items())
log = open(f"{tmp}/worker.log", "w")
proc = subprocess.Popen(os.environ.get("FERRY_WRAP", "").split() + [ferry, "standalone", f"{tmp}/worker.properties", f"{tmp}/connector.properties"],
                        stdout=subprocess.DEVNULL, stderr=log)


def done_source():
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
    try:
        while True:
            try:
                hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=2, cached=False)[1]
            except Exception:
                hi = 0
            yield hi >= n
    finally:
        c.close()


def done_sink():
    while True:
        r = subprocess.run(count_cmd, shell=True, capture_output=True, text=True)
        out = r.stdout.strip()
        yield r.returncode == 0 and out.isdigit() and int(out) >= n


ok = False
try:
    deadline = time.time() + 900
    for finished in (done_source() if kind == "source" else done_sink()):
        if finished:
            ok = True
            break
        if proc.poll() is not None:
            sys.exit(f"worker exited: see {tmp}/worker.log")
        if time.time() > deadline:
            sys.exit(f"timed out: see {tmp}/worker.log")
        time.sleep(0.05 if kind == "source" else 0.2)
finally:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    log.close()
if ok:
    subprocess.run(["rm", "-rf", tmp])
