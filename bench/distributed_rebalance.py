#!/usr/bin/python3
"""Distributed mode: how long a cluster of 3 workers with 30 tasks (3 VerifiableSource connectors x
10 tasks) takes
  - join:     from starting a new worker to a balanced cluster (max - min <= 1 tasks per worker,
              every task RUNNING), for the 2nd and the 3rd worker;
  - failover: from SIGKILL of a worker to all of its tasks RUNNING on the others, with
              scheduled.rebalance.max.delay.ms=0 (the coordinator first has to notice the death:
              session.timeout.ms, here 6000 ms, dominates).
Usage: bench/distributed_rebalance.py [runs]   (FERRY_BINARY defaults to build/ferry)
Prints one line per run and the medians.
"""
import os
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))
os.environ.setdefault("FERRY_BINARY", os.path.join(HERE, "..", "build", "ferry"))
import ferry_harness as fh  # noqa: E402

SESSION_TIMEOUT_MS = 6000


class Bench(fh.FerryTestCase):
    def runTest(self):
        pass


def run_once():
    t = Bench()
    t.setUp()
    try:
        broker = t.start_broker()
        ports = [fh.free_port() for _ in range(3)]
        workers = []

        def start(i):
            props = {"bootstrap.servers": broker.bootstrap, "group.id": "bench", "listeners": f"http://127.0.0.1:{ports[i]}",
                     "rest.advertised.host.name": "127.0.0.1",
                     "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                     "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                     "config.storage.topic": "c", "offset.storage.topic": "o", "status.storage.topic": "s",
                     "session.timeout.ms": str(SESSION_TIMEOUT_MS), "heartbeat.interval.ms": "1000",
                     "scheduled.rebalance.max.delay.ms": "0"}
            path = t.path(f"w{i}.properties")
            fh.write_properties(path, props)
            p = t.spawn([fh.FERRY, "distributed", path], f"w{i}")
            p.url, p.worker_id = f"http://127.0.0.1:{ports[i]}", f"127.0.0.1:{ports[i]}"
            return p

        def placement(url):
            out = {}
            for c in ("v0", "v1", "v2"):
                status, body = fh.http("GET", f"{url}/connectors/{c}/status")
                if status != 200 or len(body["tasks"]) != 10 or any(x["state"] != "RUNNING" for x in body["tasks"]):
                    return None
                for x in body["tasks"]:
                    out[f"{c}-{x['id']}"] = x["worker_id"]
            return out

        def balanced(alive, url):
            p = placement(url)
            if not p or set(p.values()) - {w.worker_id for w in alive}:
                return None
            per = [list(p.values()).count(w.worker_id) for w in alive]
            return p if max(per) - min(per) <= 1 else None

        workers.append(start(0))
        fh.wait_until(lambda: fh.http("GET", workers[0].url + "/")[0] == 200, timeout=60, what="w0")
        for c in ("v0", "v1", "v2"):
            fh.wait_until(lambda: fh.http("POST", workers[0].url + "/connectors", {"name": c, "config": {
                "connector.class": "VerifiableSource", "tasks.max": "10", "topic": f"t-{c}", "throughput": "5"}})[0] == 201,
                timeout=60, what=c)
        fh.wait_until(lambda: balanced(workers, workers[0].url), timeout=120, what="30 tasks on w0")
        joins = []
        for i in (1, 2):
            t0 = time.monotonic()
            workers.append(start(i))
            fh.wait_until(lambda: balanced(workers, workers[0].url), timeout=120, interval=0.05, what="balanced")
            joins.append(time.monotonic() - t0)
        victim = workers.pop(2)
        t0 = time.monotonic()
        victim.kill(signal.SIGKILL)
        fh.wait_until(lambda: balanced(workers, workers[0].url), timeout=120, interval=0.05, what="failover")
        failover = time.monotonic() - t0
        return joins, failover
    finally:
        t.tearDown()


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    j2, j3, fo = [], [], []
    for r in range(runs):
        joins, failover = run_once()
        j2.append(joins[0])
        j3.append(joins[1])
        fo.append(failover)
        print(f"run {r + 1}: join 2nd worker {joins[0]:.2f}s, join 3rd worker {joins[1]:.2f}s, "
              f"failover after SIGKILL {failover:.2f}s", flush=True)
    print(f"median: join 2nd {statistics.median(j2):.2f}s, join 3rd {statistics.median(j3):.2f}s, "
          f"failover {statistics.median(fo):.2f}s (session.timeout.ms={SESSION_TIMEOUT_MS})")


if __name__ == "__main__":
    main()
