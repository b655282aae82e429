#!/usr/bin/python3
"""One timed run of the Avro-vs-JSON pipeline: a standalone worker with a datagen source
(quickstart=orders, max.interval=0, iterations=N, fixed random.seed) writing to a fresh TOPIC on
BOOTSTRAP with the given value converter; waits until the topic holds N records, stops the worker.
Used by bench/avro_vs_json.sh (through pair-bench); prints nothing on success.

usage: avro_vs_json_run.py FERRY BOOTSTRAP N avro|json|json-noschemas [REGISTRY_URL]
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

ferry, bootstrap, n, fmt = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
registry = sys.argv[5] if len(sys.argv) > 5 else ""
if fmt == "avro":
    conv = (f"value.converter=io.confluent.connect.avro.AvroConverter\n"
            f"value.converter.schema.registry.url={registry}\n")
else:
    conv = ("value.converter=org.apache.kafka.connect.json.JsonConverter\n"
            f"value.converter.schemas.enable={'false' if fmt == 'json-noschemas' else 'true'}\n")
topic = f"{fmt}-{os.getpid()}-{time.time_ns()}"
tmp = tempfile.mkdtemp(prefix="ferry-bench-")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
with open(f"{tmp}/worker.properties", "w") as f:
    f.write(f"bootstrap.servers={bootstrap}\nkey.converter=org.apache.kafka.connect.storage.StringConverter\n"
            f"{conv}offset.storage.file.filename={tmp}/offsets\nlisteners=http://127.0.0.1:{port}\n")
with open(f"{tmp}/source.properties", "w") as f:
    f.write(f"name=bench-datagen\nconnector.class=io.confluent.kafka.connect.datagen.DatagenConnector\n"
            f"kafka.topic={topic}\nquickstart=orders\nmax.interval=0\niterations={n}\nrandom.seed=7\ntasks.max=1\n")
proc = subprocess.Popen([ferry, "standalone", f"{tmp}/worker.properties", f"{tmp}/source.properties"],
                        stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/worker.log", "w"))
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
try:
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=2, cached=False)[1]
        except Exception:
            hi = 0
        if hi >= n:
            break
        if proc.poll() is not None:
            sys.exit(f"worker exited: see {tmp}/worker.log")
        time.sleep(0.02)
    else:
        sys.exit(f"timed out: see {tmp}/worker.log")
finally:
    c.close()
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
shutil.rmtree(tmp, ignore_errors=True)
