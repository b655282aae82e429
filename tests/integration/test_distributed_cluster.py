"""A cluster of `ferry distributed` workers sharing one group.id through the Kafka group coordinator
(spec kafka-connect.md section 10):
  - connectors and tasks are spread over the workers; REST writes sent to any worker work (a
    follower forwards them to the leader, task restarts reach the worker that runs the task);
  - a worker killed with SIGKILL: after session.timeout.ms + scheduled.rebalance.max.delay.ms its
    connectors and tasks run on the survivor, and data keeps flowing; when it comes back, it gets
    work again (incremental cooperative rebalancing);
  - the internal task-config endpoint refuses unsigned and wrongly signed requests.
"""
import base64
import hashlib
import hmac
import json
import os
import signal
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import (FERRY, FerryTestCase, free_port, http, wait_until, write_properties,  # noqa: E402
                            end_offset, kcat_consume)

GROUP_PROPS = {
    "group.id": "ferry-cluster",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    "config.storage.topic": "connect-configs",
    "offset.storage.topic": "connect-offsets",
    "status.storage.topic": "connect-status",
    "offset.flush.interval.ms": "500",
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "1000",
    "scheduled.rebalance.max.delay.ms": "4000",
    "rest.advertised.host.name": "127.0.0.1",
}


class ClusterTest(FerryTestCase):

    def start_member(self, bootstrap, port, name):
        props = dict(GROUP_PROPS, **{"bootstrap.servers": bootstrap, "listeners": f"http://127.0.0.1:{port}"})
        path = self.path(f"{name}.properties")
        write_properties(path, props)
        p = self.spawn([FERRY, "distributed", path], name)
        p.url = f"http://127.0.0.1:{port}"
        p.worker_id = f"127.0.0.1:{port}"
        wait_until(lambda: http("GET", p.url + "/")[0] == 200 or (not p.alive() and self.fail(p.output()[-3000:])),
                   timeout=60, what=f"{name} REST")
        return p

    def placement(self, url, names):
        """worker_id of every connector and task, or None while any is not RUNNING."""
        out = {}
        for n in names:
            status, body = http("GET", f"{url}/connectors/{n}/status")
            if status != 200 or body["connector"]["state"] != "RUNNING" or len(body["tasks"]) != 1:
                return None
            if body["tasks"][0]["state"] != "RUNNING":
                return None
            out[n] = body["connector"]["worker_id"]
            out[f"{n}-0"] = body["tasks"][0]["worker_id"]
        return out

    def test_spread_forwarding_failover_and_return(self):
        broker = self.start_broker()
        p1, p2 = free_port(), free_port()
        w1 = self.start_member(broker.bootstrap, p1, "w1")
        w2 = self.start_member(broker.bootstrap, p2, "w2")
        names = [f"src{i}" for i in range(4)]
        files = {}
        for i, n in enumerate(names):
            files[n] = self.path(f"{n}.txt")
            with open(files[n], "w") as f:
                f.write(f"{n} first\n")
            # Half of the creations go to each worker: one of them is a follower and forwards.
            target = (w1, w2)[i % 2]
            status, body = None, None

            def create():
                nonlocal status, body
                status, body = http("POST", target.url + "/connectors", {"name": n, "config": {
                    "connector.class": "FileStreamSource", "file": files[n], "topic": f"t-{n}"}})
                return status != 409  # 409 while the first rebalance is still under way
            wait_until(create, timeout=60, what=f"create {n}")
            self.assertEqual(status, 201, body)
            self.assertEqual(body["name"], n)

        # And a sink collecting every topic into one file (the seed article's source + sink pipeline).
        out = self.path("out.txt")
        wait_until(lambda: http("POST", w2.url + "/connectors", {"name": "sink", "config": {
            "connector.class": "FileStreamSink", "file": out, "topics.regex": "t-src.*"}})[0] == 201,
            timeout=60, what="create sink")
        names.append("sink")

        # Every worker sees every connector; the work is spread over both.
        placed = wait_until(lambda: self.placement(w1.url, names), timeout=90, what="all RUNNING")
        wait_until(lambda: set(self.placement(w1.url, names).values()) == {w1.worker_id, w2.worker_id},
                   timeout=60, what="work on both workers")
        self.assertEqual(sorted(http("GET", w2.url + "/connectors")[1]), sorted(names))
        sources = names[:4]
        for n in sources:
            wait_until(lambda: end_offset(broker.bootstrap, f"t-{n}") >= 1, what=f"{n} produced")

        # A task restart sent to a worker that does not run the task reaches the one that does.
        placed = self.placement(w1.url, names)
        remote = next(n for n in names if placed[f"{n}-0"] == w2.worker_id)
        status, _ = http("POST", f"{w1.url}/connectors/{remote}/tasks/0/restart")
        self.assertEqual(status, 204)
        # Config updates through either worker (the follower forwards to the leader).
        for w in (w1, w2):
            status, body = http("PUT", f"{w.url}/connectors/{names[0]}/config", {
                "connector.class": "FileStreamSource", "file": files[names[0]], "topic": f"t-{names[0]}",
                "batch.size": "100" if w is w1 else "200"})
            self.assertEqual(status, 200, body)
        wait_until(lambda: http("GET", f"{w1.url}/connectors/{names[0]}/config")[1].get("batch.size") == "200",
                   what="config update visible")

        # SIGKILL w1: its work moves to w2 once the coordinator expires it and the delay is over.
        w1.kill(signal.SIGKILL)
        killed_at = time.monotonic()
        wait_until(lambda: (self.placement(w2.url, names) or {}) and
                   set(self.placement(w2.url, names).values()) == {w2.worker_id},
                   timeout=120, what="everything on w2")
        # Not before scheduled.rebalance.max.delay.ms: the departed worker's work waits for it.
        self.assertGreaterEqual(time.monotonic() - killed_at, 4.0)
        # Data keeps flowing from every connector.
        for n in sources:
            with open(files[n], "a") as f:
                f.write(f"{n} after failover\n")
        for n in sources:
            wait_until(lambda: f"{n} after failover" in kcat_consume(broker.bootstrap, f"t-{n}").decode(),
                       timeout=60, what=f"{n} flows after failover")

        # w1 returns: incremental cooperative rebalancing gives it a share of the work again.
        w1 = self.start_member(broker.bootstrap, p1, "w1-again")
        wait_until(lambda: set((self.placement(w2.url, names) or {}).values()) == {w1.worker_id, w2.worker_id},
                   timeout=120, what="work back on w1")
        for n in sources:
            with open(files[n], "a") as f:
                f.write(f"{n} after return\n")
        for n in sources:
            wait_until(lambda: f"{n} after return" in kcat_consume(broker.bootstrap, f"t-{n}").decode(),
                       timeout=60, what=f"{n} flows after w1 returned")
        # Nothing lost: each file's lines are in its topic and in the sink's file (duplicates allowed:
        # at least once through a SIGKILL).
        expected = set()
        for n in sources:
            got = set(kcat_consume(broker.bootstrap, f"t-{n}").decode().splitlines())
            lines = {f"{n} first", f"{n} after failover", f"{n} after return"}
            self.assertEqual(got, lines)
            expected |= lines
        wait_until(lambda: set(open(out).read().splitlines()) == expected, timeout=60, what="sink has every line")

    def test_three_workers_thirty_tasks_balanced_and_sticky(self):
        broker = self.start_broker()
        ports = [free_port() for _ in range(3)]
        workers = [self.start_member(broker.bootstrap, ports[0], "w0")]
        conns = ["v0", "v1", "v2"]
        for c in conns:
            wait_until(lambda: http("POST", workers[0].url + "/connectors", {"name": c, "config": {
                "connector.class": "VerifiableSource", "tasks.max": "10", "topic": f"topic-{c}",
                "throughput": "5"}})[0] == 201, timeout=60, what=f"create {c}")

        def placement():
            out = {}
            for c in conns:
                status, body = http("GET", f"{workers[0].url if workers[0].alive() else workers[-1].url}"
                                           f"/connectors/{c}/status")
                if status != 200 or body["connector"]["state"] != "RUNNING" or len(body["tasks"]) != 10:
                    return None
                if any(t["state"] != "RUNNING" for t in body["tasks"]):
                    return None
                out[c] = body["connector"]["worker_id"]
                for t in body["tasks"]:
                    out[f"{c}-{t['id']}"] = t["worker_id"]
            return out

        def balanced(members):
            p = placement()
            if not p:
                return None
            ids = {w.worker_id for w in members}
            tasks = [w for k, w in p.items() if "-" in k]
            connectors = [w for k, w in p.items() if "-" not in k]
            if set(p.values()) - ids:
                return None
            per = [tasks.count(i) for i in ids]
            cper = [connectors.count(i) for i in ids]
            return p if max(per) - min(per) <= 1 and max(cper) - min(cper) <= 1 else None

        def task_status_counts():
            recs = kcat_consume(broker.bootstrap, "connect-status", fmt="%k\\t%s\\n").decode().splitlines()
            counts = {}
            for r in recs:
                k = r.split("\t", 1)[0]
                if k.startswith("status-task-"):
                    counts[k] = counts.get(k, 0) + 1
            return counts

        def check_sticky(before, counts_before, after):
            # A task that stayed on its worker was not stopped: no new status record for it.
            counts = task_status_counts()
            stayed = [k for k in after if "-" in k and before.get(k) == after[k]]
            self.assertGreater(len(stayed), 0)
            for k in stayed:
                key = "status-task-" + k
                self.assertIn(key, counts_before)
                self.assertEqual(counts.get(key), counts_before.get(key), f"{k} stayed on {after[k]} but restarted")

        prev = wait_until(lambda: balanced(workers), timeout=90, what="30 tasks RUNNING on w0")
        for i in (1, 2):  # joins
            counts = task_status_counts()
            workers.append(self.start_member(broker.bootstrap, ports[i], f"w{i}"))
            now = wait_until(lambda: balanced(workers), timeout=120, what=f"balanced over {i + 1} workers")
            time.sleep(2)  # let any stray restart show up in the status topic
            now = wait_until(lambda: balanced(workers), timeout=60, what="still balanced")
            check_sticky(prev, counts, now)
            prev = now
        # A graceful leave (SIGTERM): after the scheduled delay the two others share the work.
        counts = task_status_counts()
        workers[1].stop()
        gone = workers.pop(1)
        now = wait_until(lambda: balanced(workers), timeout=120, what="balanced after a leave")
        self.assertNotIn(gone.worker_id, set(now.values()))
        check_sticky(prev, counts, now)

    def test_cdc_connector_fails_over_without_losing_changes(self):
        """seeds/003's set-up: a Debezium PostgreSQL connector in a worker cluster. The worker running
        its task is killed with SIGKILL while changes are being streamed; the task moves to the
        survivor, takes the replication slot over once PostgreSQL has let go of the dead walsender,
        resumes streaming from the offsets the dead worker committed to Kafka (no second snapshot),
        and every change reaches the topic (duplicates allowed after the last commit, nothing lost)."""
        from pg_server import PgServer
        pg = PgServer(self.tmp, name="pg")
        self.addCleanup(pg.kill)
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL); "
                "INSERT INTO items SELECT g, 'snap ' || g FROM generate_series(1, 100) g")
        broker = self.start_broker()
        w1 = self.start_member(broker.bootstrap, free_port(), "w1")
        w2 = self.start_member(broker.bootstrap, free_port(), "w2")
        config = {"connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                  "database.hostname": "127.0.0.1", "database.port": str(pg.port), "database.user": "postgres",
                  "database.password": pg.password, "database.dbname": "postgres", "topic.prefix": "dist",
                  "plugin.name": "pgoutput", "slot.name": "dist_slot", "table.include.list": "public.items",
                  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                  "key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"}
        wait_until(lambda: http("POST", w1.url + "/connectors", {"name": "cdc", "config": config})[0] == 201,
                   timeout=60, what="create cdc")
        placed = wait_until(lambda: self.placement(w1.url, ["cdc"]), timeout=90, what="cdc RUNNING")
        topic = "dist.public.items"
        wait_until(lambda: end_offset(broker.bootstrap, topic) >= 100, timeout=60, what="the snapshot")

        def insert(first, last):
            for start in range(first, last + 1, 10):
                pg.psql(f"INSERT INTO items SELECT g, 'row ' || g FROM generate_series({start}, "
                        f"{min(start + 9, last)}) g")
        insert(101, 150)
        # A streaming position committed to the offsets topic, then more changes and the kill.
        wait_until(lambda: b'"lsn_proc"' in kcat_consume(broker.bootstrap, "connect-offsets"), timeout=30,
                   what="a streaming offset committed")
        running, survivor = (w1, w2) if placed["cdc-0"] == w1.worker_id else (w2, w1)
        insert(151, 200)
        running.kill(signal.SIGKILL)
        insert(201, 300)  # while the task is down
        wait_until(lambda: (self.placement(survivor.url, ["cdc"]) or {}).get("cdc-0") == survivor.worker_id,
                   timeout=120, what="the cdc task on the survivor")
        insert(301, 400)

        def ops_by_id():
            out = {}
            for line in kcat_consume(broker.bootstrap, topic).decode().splitlines():
                v = json.loads(line)
                out.setdefault(v["after"]["id"], set()).add(v["op"])
            return out
        wait_until(lambda: len(ops_by_id()) == 400, timeout=90, what=f"all 400 rows in {topic}")
        got = ops_by_id()
        self.assertEqual(sorted(got), list(range(1, 401)))
        self.assertEqual({i for i, ops in got.items() if ops != {"r"}}, set(range(101, 401)),
                         "rows 1-100 from the snapshot only: the survivor did not snapshot again")
        self.assertEqual({i for i, ops in got.items() if ops != {"c"}}, set(range(1, 101)))
        # The survivor holds the slot and confirms what it streamed: a change's offset carries the
        # commit LSN of the transaction before it (Debezium's lsn_commit), so everything up to the
        # second-to-last transaction (ids 381-390) is confirmed.
        last_lsn = max(v["source"]["lsn"] for v in map(json.loads, kcat_consume(broker.bootstrap, topic).decode().splitlines())
                       if v["after"]["id"] <= 390)

        def slot():
            row = pg.psql("SELECT active, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'dist_slot'")
            active, lsn = row.strip().split("|")
            hi, lo = lsn.split("/")
            return active == "t" and (int(hi, 16) << 32 | int(lo, 16)) >= last_lsn
        wait_until(slot, timeout=30, what="the slot active and confirmed up to the last change")

    def test_a_worker_that_loses_the_group_stops_its_tasks(self):
        # The coordinator becomes unreachable (the broker is frozen with SIGSTOP): within half of
        # session.timeout.ms the worker stops every task - before the coordinator could expire it
        # and give the tasks to someone else. When the broker is back, the worker rejoins.
        broker = self.start_broker()
        w = self.start_member(broker.bootstrap, free_port(), "w")
        wait_until(lambda: http("POST", w.url + "/connectors", {"name": "v", "config": {
            "connector.class": "VerifiableSource", "tasks.max": "2", "topic": "tv", "throughput": "20"}})[0] == 201,
            timeout=60, what="create")

        def task_count():
            status, text = http("GET", w.url + "/metrics")
            for line in (text if isinstance(text, str) else "").splitlines():
                if line.startswith("kafka_connect_connect_worker_metrics_task_count"):
                    return float(line.rsplit(" ", 1)[1])
            return None
        wait_until(lambda: task_count() == 2, timeout=60, what="2 tasks running")
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            frozen_at = time.monotonic()
            try:
                wait_until(lambda: task_count() == 0, timeout=30, what="tasks stopped while the coordinator is gone")
            except AssertionError as e:
                # The worker's own account of the freeze (it once timed out here under CI load).
                raise AssertionError(f"{e}\n--- worker log ---\n{w.output()[-8000:]}") from None
            # Before the coordinator could have expired the member (session.timeout.ms = 6 s).
            self.assertLess(time.monotonic() - frozen_at, 6.0, w.output()[-6000:])
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        wait_until(lambda: task_count() == 2, timeout=90, what="tasks back after the worker rejoined")
        before = end_offset(broker.bootstrap, "tv")
        wait_until(lambda: end_offset(broker.bootstrap, "tv") > before, timeout=30, what="producing again")

    def test_internal_task_config_requests_must_be_signed(self):
        broker = self.start_broker()
        w1 = self.start_member(broker.bootstrap, free_port(), "w1")
        w2 = self.start_member(broker.bootstrap, free_port(), "w2")
        src = self.path("in.txt")
        open(src, "w").close()
        wait_until(lambda: http("POST", w1.url + "/connectors", {"name": "src", "config": {
            "connector.class": "FileStreamSource", "file": src, "topic": "t"}})[0] == 201, timeout=60, what="create")
        files = lambda: [t["config"].get("file") for t in http("GET", f"{w1.url}/connectors/src/tasks")[1]]
        wait_until(lambda: files() == [src], timeout=60, what="task config written")
        body = [{"task.class": "org.apache.kafka.connect.file.FileStreamSourceTask", "file": "/etc/passwd",
                 "topic": "stolen"}]
        for w in (w1, w2):  # the follower forwards to the leader, which checks the signature
            status, resp = http("POST", f"{w.url}/connectors/src/tasks", body)
            self.assertEqual(status, 400, resp)
            self.assertEqual(resp["message"], "Internal request missing required signature")
        raw = json.dumps(body).encode()
        forged = base64.b64encode(hmac.new(b"not the session key", raw, hashlib.sha256).digest()).decode()
        # The leader checks the signature (403); a follower forwards like Kafka Connect does, with only
        # the Authorization header, so the leader sees an unsigned request (400). Either way: refused.
        answers = {}
        for w in (w1, w2):
            req = urllib.request.Request(f"{w.url}/connectors/src/tasks", data=raw, method="POST", headers={
                "Content-Type": "application/json", "X-Connect-Authorization": forged,
                "X-Connect-Request-Signature-Algorithm": "HmacSHA256"})
            try:
                urllib.request.urlopen(req, timeout=30)
                self.fail("a forged signature was accepted")
            except urllib.error.HTTPError as e:
                answers[e.code] = json.loads(e.read())["message"]
        self.assertEqual(answers, {403: "Internal request contained invalid signature.",
                                   400: "Internal request missing required signature"})
        # The task config did not change.
        time.sleep(1)
        self.assertEqual(files(), [src])

    def test_topic_tracking_is_shared_through_the_status_topic(self):
        # KIP-558 in a cluster: the worker running a task writes status-topic-<t>:connector-<c> to
        # the status topic; every worker answers GET /connectors/{c}/topics from it; a reset and a
        # delete tombstone the records.
        broker = self.start_broker()
        w1 = self.start_member(broker.bootstrap, free_port(), "w1")
        w2 = self.start_member(broker.bootstrap, free_port(), "w2")
        for n in ("a", "b"):
            with open(self.path(f"{n}.txt"), "w") as f:
                f.write(f"{n} line\n")
            wait_until(lambda: http("POST", w1.url + "/connectors", {"name": n, "config": {
                "connector.class": "FileStreamSource", "file": self.path(f"{n}.txt"), "topic": f"topic-{n}"}})[0] == 201,
                timeout=60, what=f"create {n}")
        for w in (w1, w2):
            for n in ("a", "b"):
                wait_until(lambda: http("GET", f"{w.url}/connectors/{n}/topics") == (200, {n: {"topics": [f"topic-{n}"]}}),
                           timeout=60, what=f"{n}'s topic on {w.url}")

        def status_records():
            out = kcat_consume(broker.bootstrap, "connect-status", fmt="%k\t%s\n", extra=("-Z",)).decode()
            return [tuple(l.split("\t", 1)) for l in out.splitlines() if l.startswith("status-topic-")]
        recs = status_records()
        self.assertIn("status-topic-topic-a:connector-a", [k for k, _ in recs])
        value = json.loads(next(v for k, v in recs if k == "status-topic-topic-a:connector-a"))
        self.assertEqual(sorted(value), ["topic"])
        self.assertEqual({k: v for k, v in value["topic"].items() if k != "discoverTimestamp"},
                         {"name": "topic-a", "connector": "a", "task": 0})
        self.assertLess(abs(value["topic"]["discoverTimestamp"] / 1000 - time.time()), 300)

        status, _ = http("PUT", f"{w2.url}/connectors/a/topics/reset")
        self.assertEqual(status, 202)
        for w in (w1, w2):
            wait_until(lambda: http("GET", f"{w.url}/connectors/a/topics") == (200, {"a": {"topics": []}}),
                       timeout=30, what=f"reset seen by {w.url}")
        self.assertEqual(http("GET", f"{w1.url}/connectors/b/topics"), (200, {"b": {"topics": ["topic-b"]}}))
        self.assertEqual(http("DELETE", f"{w1.url}/connectors/b")[0], 204)
        for w in (w1, w2):
            wait_until(lambda: http("GET", f"{w.url}/connectors/b/topics") == (200, {"b": {"topics": []}}),
                       timeout=30, what=f"delete seen by {w.url}")
        # Both went as tombstones (kcat -Z prints a null value as NULL).
        tombstoned = {k for k, v in status_records() if v == "NULL"}
        self.assertTrue({"status-topic-topic-a:connector-a", "status-topic-topic-b:connector-b"} <= tombstoned, tombstoned)


if __name__ == "__main__":
    unittest.main()
