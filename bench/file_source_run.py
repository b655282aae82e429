#!/usr/bin/python3
"""One timed run of FileStreamSource: start a standalone worker with a FileStreamSource for FILE
into a fresh TOPIC on BOOTSTRAP, wait until the topic holds N records, stop the worker.
Used by bench/file_source_vs_kcat.sh (through pair-bench) and prints nothing on success.

With FERRY=kcat, the same run with `kcat -P -l FILE` in the worker's place: the same Python
start-up, watcher and polling, so that both sides pay the same measuring overhead.

usage: file_source_run.py FERRY|kcat BOOTSTRAP FILE N [converter]
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

ferry, bootstrap, path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
converter = sys.argv[5] if len(sys.argv) > 5 else "org.apache.kafka.connect.storage.StringConverter"
topic = f"fs-{os.getpid()}-{time.time_ns()}"
tmp = tempfile.mkdtemp(prefix="ferry-bench-")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
with open(f"{tmp}/worker.properties", "w") as f:
    f.write(f"bootstrap.servers={bootstrap}\nkey.converter={converter}\nvalue.converter={converter}\n"
            f"offset.storage.file.filename={tmp}/offsets\nlisteners=http://127.0.0.1:{port}\n")
with open(f"{tmp}/source.properties", "w") as f:
    f.write(f"name=bench-source\nconnector.class=FileStreamSource\nfile={path}\ntopic={topic}\nbatch.size=10000\n")
if ferry == "kcat":
    cmd = ["kcat", "-P", "-b", bootstrap, "-t", topic, "-l", path]
else:
    cmd = os.environ.get("FERRY_WRAP", "").split() + [ferry, "standalone", f"{tmp}/worker.properties", f"{tmp}/source.properties"]
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/worker.log", "w"))
t_start = time.time()
t_first = None
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
try:
    deadline = time.time() + 300
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
        if proc.poll() is not None and (ferry != "kcat" or proc.returncode != 0):
            sys.exit(f"{cmd[0]} exited: see {tmp}/worker.log")
        time.sleep(0.02)
    else:
        sys.exit("timed out")
finally:
    c.close()
    if ferry != "kcat":  # kcat exits by itself once every message is delivered
        proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
if os.environ.get("FS_TIMES"):
    # start-up (until the first record is in Kafka), first..N-th record, shutdown (watermarks are
    # polled every ~20 ms): the middle one is the rate without the worker's fixed costs.
    t_end = time.time()
    with open(os.environ["FS_TIMES"], "a") as f:
        f.write(f"{'kcat' if ferry == 'kcat' else 'ferry'} n={n} startup_s={t_first - t_start:.3f} stream_s={t_n - t_first:.3f} "
                f"rate={n / max(t_n - t_first, 1e-9):.0f}/s shutdown_s={t_end - t_n:.3f} total_s={t_end - t_start:.3f}\n")
shutil.rmtree(tmp, ignore_errors=True)
