"""At-least-once delivery of the PostgreSQL connector under failure:
  - the worker SIGKILLed in the middle of a 200,000-change workload and restarted: every change is in
    Kafka afterwards, and the only duplicates are changes after the last committed offset;
  - PostgreSQL restarted while the connector streams: it reconnects with back-off and resumes;
  - an idle database with heartbeats: confirmed_flush_lsn keeps advancing;
  - the snapshot (read on its own thread) interrupted by a graceful stop: the worker stops promptly
    and the restarted connector takes the snapshot again; by PostgreSQL stopping: the task fails.
"""
import json
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import wait_running, wait_until, end_offset, connector_state  # noqa: E402
from cdc_harness import CdcTestCase, read_topic, pg_stop_fast  # noqa: E402

TOPIC = "myserver.public.items"

# 200,000 changes in 440 transactions: 150,000 inserts, 30,000 updates, 20,000 deletes.
# 400 transactions, paced by 10 ms each (at least 4 s in all): unpaced, a fast machine streamed the
# whole workload before the worker's first offset commit, and the kill could not come mid-workload.
WORKLOAD = "\n".join(
    stmt + " SELECT pg_sleep(0.01);" for stmt in
    [f"INSERT INTO items SELECT g, 0 FROM generate_series({i * 500 + 1}, {(i + 1) * 500}) g;" for i in range(300)] +
    [f"UPDATE items SET v = 1 WHERE id BETWEEN {i * 500 + 1} AND {(i + 1) * 500};" for i in range(60)] +
    [f"DELETE FROM items WHERE id BETWEEN {100000 + i * 500 + 1} AND {100000 + (i + 1) * 500};" for i in range(40)])


def committed_offset(path):
    """The last offset the worker committed for the connector, from connect-standalone's offsets file."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        data = f.read().decode("latin-1")
    found = re.findall(r'\{"[^{}]*"lsn"[^{}]*\}', data)
    return json.loads(found[-1]) if found else None


class ReliabilityTest(CdcTestCase):

    def config(self, **kw):
        return self.connector_config(table__include__list="public.items",
                                     key__converter="org.apache.kafka.connect.json.JsonConverter",
                                     value__converter="org.apache.kafka.connect.json.JsonConverter",
                                     key__converter__schemas__enable="false",
                                     value__converter__schemas__enable="false",
                                     extended__headers__enabled="false", **kw)

    def test_sigkill_mid_workload_loses_nothing(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)")
        self.start_stack(connectors={"pg": self.config()})
        wait_running(self.worker.url, "pg")
        wait_until(lambda: self.slot_info() is not None and self.slot_info()["active"], what="streaming")

        script = self.path("workload.sql")
        with open(script, "w") as f:
            f.write(WORKLOAD)
        load = self.spawn(["psql", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-d", "postgres",
                           "-v", "ON_ERROR_STOP=1", "-q", "-f", script], "workload")
        # Kill once at least 40,000 changes are in Kafka and the worker has committed an offset (it
        # flushes every second; on a fast machine 40,000 changes can arrive before the first flush).
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= 40000
                   and committed_offset(self.path("connect.offsets")) is not None,
                   timeout=180, what="40,000 changes in Kafka and an offset committed")
        self.worker.kill(signal.SIGKILL)
        before_kill = end_offset(self.broker.bootstrap, TOPIC)
        committed = committed_offset(self.path("connect.offsets"))
        self.assertIsNotNone(committed, "an offset was committed before the kill")
        self.assertLess(before_kill, 200000 + 20000, "the kill happened mid-workload")

        self.restart_worker(kill=False)
        wait_running(self.worker.url, "pg")
        wait_until(lambda: not load.alive(), timeout=300, what="workload done")
        self.assertEqual(load.proc.returncode, 0, load.output())
        # 200,000 changes + 20,000 tombstones, plus possible duplicates
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= 220000, timeout=300, what="all changes in Kafka")

        recs = read_topic(self.broker.bootstrap, TOPIC, timeout=300)
        seen = {}
        order = []
        for r in recs:
            v = r["value"]
            if v is None:
                continue  # tombstones
            ident = (v["source"]["lsn"], v["op"], r["key"]["id"])
            seen[ident] = seen.get(ident, 0) + 1
            order.append(ident)
        # Every change of the workload is there.
        ops = {}
        for (lsn, op, key), _ in seen.items():
            ops.setdefault(op, set()).add(key)
        self.assertEqual(ops.get("c"), set(range(1, 150001)))
        self.assertEqual(ops.get("u"), set(range(1, 30001)))
        self.assertEqual(ops.get("d"), set(range(100001, 120001)))
        self.assertEqual(len(seen), 200000)
        # Duplicates only after the last committed offset.
        commit_lsn = committed.get("lsn_commit", committed.get("lsn_proc", 0))
        dups = [i for i, n in seen.items() if n > 1]
        for lsn, op, key in dups:
            self.assertGreater(lsn, commit_lsn, f"duplicate of an event at or before the committed offset {committed}")
        # Changes to one key are in commit order (c before u before d).
        rank = {"c": 0, "u": 1, "d": 2}
        last = {}
        for lsn, op, key in order:
            if seen[(lsn, op, key)] > 1 and lsn > commit_lsn:
                continue
            self.assertGreaterEqual(rank[op], last.get(key, -1), f"order of changes to key {key}")
            last[key] = rank[op]

    def test_postgres_restart_mid_stream(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)")
        self.start_stack(connectors={"pg": self.config(retriable__restart__connector__wait__ms="2000")})
        wait_running(self.worker.url, "pg")
        pg.psql("INSERT INTO items SELECT g, 0 FROM generate_series(1, 1000) g")
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= 1000, timeout=60, what="first batch")

        pg_stop_fast(pg)
        time.sleep(3)
        c, t = connector_state(self.worker.url, "pg")
        self.assertEqual(t, ["RUNNING"], "the task waits for the server instead of failing")
        pg.start()
        pg.psql("INSERT INTO items SELECT g, 1 FROM generate_series(1001, 2000) g")
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= 2000, timeout=120, what="second batch")
        recs = read_topic(self.broker.bootstrap, TOPIC)
        keys = [r["key"]["id"] for r in recs if r["value"]]
        self.assertEqual(set(keys), set(range(1, 2001)))
        self.assertEqual(len(keys), 2000, "no change delivered twice after the reconnect")
        self.assertIn("reconnected to PostgreSQL", self.worker.output())
        c, t = connector_state(self.worker.url, "pg")
        self.assertEqual(t, ["RUNNING"])

    def test_idle_database_heartbeats_advance_the_slot(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)")
        pg.psql("INSERT INTO items VALUES (1, 1)")
        self.start_stack(connectors={"pg": self.config(
            heartbeat__interval__ms="500",
            heartbeat__action__query="SELECT pg_logical_emit_message(false, 'heartbeat', now()::varchar)",
            message__prefix__exclude__list="heartbeat")})
        wait_running(self.worker.url, "pg")
        self.wait_records(TOPIC, 1)
        seen = []
        deadline = time.time() + 20
        while time.time() < deadline and len(set(seen)) < 4:
            seen.append(self.slot_info()["confirmed_flush_lsn"])
            time.sleep(1)
        self.assertGreaterEqual(len(set(seen)), 4, f"confirmed_flush_lsn advances on an idle database: {seen}")
        self.assertEqual(seen, sorted(seen))
        hb = read_topic(self.broker.bootstrap, "__debezium-heartbeat.myserver")
        self.assertGreater(len(hb), 3)
        self.assertEqual(hb[0]["key"], {"serverName": "myserver"})
        self.assertEqual(set(hb[0]["value"].keys()), {"ts_ms"})
        self.assertEqual({r["partition"] for r in hb}, {0})
        # The heartbeat messages themselves are filtered by message.prefix.exclude.list.
        self.assertEqual(read_topic(self.broker.bootstrap, "myserver.message"), [])
        # The captured table saw nothing but its snapshot row.
        self.assertEqual(len(read_topic(self.broker.bootstrap, TOPIC)), 1)

    def test_heartbeats_follow_other_tables_changes(self):
        # No action query: WAL from tables the connector does not capture still moves the slot,
        # because heartbeats carry the position of the transactions it skipped.
        pg = self.start_pg()
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL); CREATE TABLE other (id int PRIMARY KEY)")
        self.start_stack(connectors={"pg": self.config(heartbeat__interval__ms="300")})
        wait_running(self.worker.url, "pg")
        wait_until(lambda: self.slot_info() is not None and self.slot_info()["active"], what="streaming")
        start = self.slot_info()["confirmed_flush_lsn"]
        for i in range(5):
            pg.psql(f"INSERT INTO other VALUES ({i})")
            time.sleep(0.5)
        end = int(pg.psql("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").strip())
        wait_until(lambda: self.slot_info()["confirmed_flush_lsn"] > start, timeout=30, what="slot moved")
        self.assertEqual(read_topic(self.broker.bootstrap, TOPIC), [])
        self.assertLessEqual(self.slot_info()["confirmed_flush_lsn"], end)


    def snapshot_table(self, pg, rows):
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)")
        pg.psql(f"INSERT INTO items SELECT g, 0 FROM generate_series(1, {rows}) g")

    def test_stop_mid_snapshot_then_snapshot_again(self):
        rows = 200000
        pg = self.start_pg()
        self.snapshot_table(pg, rows)
        self.start_stack(connectors={"pg": self.config()})
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= 1, timeout=60, what="first snapshot record")
        started = time.time()
        self.worker.stop(timeout=30)
        stopped_in = time.time() - started
        first_run = end_offset(self.broker.bootstrap, TOPIC)
        self.assertLess(first_run, rows, "the worker was stopped in the middle of the snapshot")
        self.assertLess(stopped_in, 15, "stopping does not wait for the rest of the snapshot")

        self.worker = self.start_worker(self.worker_properties, connector_files=self.connector_files, name="worker2")
        wait_running(self.worker.url, "pg")
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= first_run + rows, timeout=300,
                   what="the second snapshot in Kafka")
        recs = read_topic(self.broker.bootstrap, TOPIC, timeout=300)
        second = [r for r in recs[first_run:] if r["value"]]
        self.assertEqual(len(second), rows)
        self.assertEqual({r["key"]["id"] for r in second}, set(range(1, rows + 1)))
        self.assertEqual({r["value"]["op"] for r in second}, {"r"})
        self.assertEqual(second[-1]["value"]["source"]["snapshot"], "last")
        self.assertEqual(second[0]["value"]["source"]["snapshot"], "first")
        self.assertIn("Snapshot completed: 1 table(s), 200000 rows", self.worker.output())

    def test_postgres_stopped_mid_snapshot_fails_the_task(self):
        pg = self.start_pg()
        self.snapshot_table(pg, 500000)
        self.start_stack(connectors={"pg": self.config()})
        wait_until(lambda: end_offset(self.broker.bootstrap, TOPIC) >= 1, timeout=60, what="first snapshot record")
        pg_stop_fast(pg)
        self.wait_task_state("pg", "FAILED", timeout=60)
        self.assertLess(end_offset(self.broker.bootstrap, TOPIC), 500000, "PostgreSQL stopped mid-snapshot")
        self.assertIn("snapshot", self.task_trace("pg").lower())
        self.assertTrue(self.worker.alive())

if __name__ == "__main__":
    unittest.main()
