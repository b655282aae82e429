"""JDBC source and sink on SQLite files: every source mode, NULLs, decimals, epoch-millisecond and
text timestamps read in db.timezone, a late-committing writer, new tables, restarts; upserts with
INSERT ... ON CONFLICT in a transaction, every insert.mode x pk.mode, tombstone deletes,
auto.create/auto.evolve, NOT NULL violations (DLQ) and a database locked for 20 seconds."""
import base64
import json
import os
import sqlite3
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, SOURCE, connect_json, http, kcat_consume, produce,  # noqa: E402
                               struct_schema, wait_until)

KEY = struct_schema(None, [("id", "int64", False)])
VALUE = struct_schema("person", [("id", "int64", False), ("name", "string", True), ("score", "int32", True)])
NOW_MS = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"


def person(i, name, score=None):
    return (connect_json(KEY, {"id": i}), connect_json(VALUE, {"id": i, "name": name, "score": score}))


def decimal_of(b64, scale):
    return int.from_bytes(base64.b64decode(b64), "big", signed=True) / (10 ** scale)


class SqliteTest(JdbcTestCase):

    def setUp(self):
        super().setUp()
        self.start_pipeline()

    def db(self, name):
        path = self.path(name)
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        self.addCleanup(conn.close)
        return path, conn

    def wait_rows(self, conn, sql, expected, timeout=60):
        last = [None]

        def ok():
            last[0] = [list(r) for r in conn.execute(sql).fetchall()]
            return last[0] == expected
        try:
            wait_until(ok, timeout=timeout, what=sql)
        except AssertionError:
            raise AssertionError(f"{sql}: got {last[0]}, expected {expected}")

    def test_sqlite_to_sqlite_incrementing_and_timestamp(self):
        src_path, src = self.db("source.db")
        src.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY, item TEXT NOT NULL, qty INTEGER, price REAL, "
                    "updated_at TIMESTAMP NOT NULL)")
        src.executemany("INSERT INTO orders(item, qty, price, updated_at) VALUES (?, ?, ?, ?)",
                        [(f"item-{i}", i, i * 1.25, 1700000000000 + i) for i in range(1, 101)])
        self.create("src", {"connector.class": SOURCE, "connection.url": f"jdbc:sqlite:{src_path}",
                            "mode": "timestamp+incrementing", "timestamp.column.name": "updated_at",
                            "incrementing.column.name": "id", "topic.prefix": "lite-", "poll.interval.ms": "300"})
        self.wait_running("src")
        vals = self.values("lite-orders", 100)
        schema = {f["field"]: (f["type"], f.get("name"), f["optional"]) for f in vals[0]["schema"]["fields"]}
        self.assertEqual(schema, {"id": ("int32", None, False), "item": ("string", None, False),
                                  "qty": ("int32", None, True), "price": ("double", None, True),
                                  "updated_at": ("int64", "org.apache.kafka.connect.data.Timestamp", False)})
        self.assertEqual(vals[4]["payload"], {"id": 5, "item": "item-5", "qty": 5, "price": 6.25,
                                              "updated_at": 1700000000005})
        offsets = wait_until(lambda: (lambda o: o if o and o[0]["offset"].get("incrementing") == 100 else None)(
            http("GET", f"{self.worker.url}/connectors/src/offsets")[1]["offsets"]), what="offsets")
        self.assertEqual(offsets[0]["partition"], {"protocol": "1", "table": "orders"})
        self.assertEqual(offsets[0]["offset"], {"incrementing": 100, "timestamp": 1700000000100, "timestamp_nanos": 100000000})

        dst_path, dst = self.db("sink.db")
        self.create("dst", {"connector.class": SINK, "connection.url": f"jdbc:sqlite:{dst_path}", "topics": "lite-orders",
                            "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id",
                            "auto.create": "true", "table.name.format": "orders_copy"})
        self.wait_rows(dst, "SELECT count(*), sum(qty), min(updated_at), max(updated_at) FROM orders_copy",
                       [[100, 5050, 1700000000001, 1700000000100]])
        src.execute("UPDATE orders SET qty = 999, updated_at = 1750000000000 WHERE id = 7")
        src.execute("INSERT INTO orders(item, qty, price, updated_at) VALUES ('new', 1, 1.0, 1750000000001)")
        self.wait_rows(dst, "SELECT id, item, qty FROM orders_copy WHERE id IN (7, 101) ORDER BY id",
                       [[7, "item-7", 999], [101, "new", 1]])
        ddl = dst.execute("SELECT sql FROM sqlite_master WHERE name = 'orders_copy'").fetchone()[0]
        self.assertEqual(ddl, "CREATE TABLE `orders_copy` (\n`id` INTEGER NOT NULL,\n`item` TEXT NOT NULL,\n"
                              "`qty` INTEGER NULL,\n`price` REAL NULL,\n`updated_at` NUMERIC NOT NULL,\nPRIMARY KEY(`id`))")

    def test_sqlite_sink_deletes_and_evolves(self):
        path, conn = self.db("people.db")
        key = struct_schema(None, [("id", "int64", False)])
        v1 = struct_schema("p", [("id", "int64", False), ("name", "string", True)])
        v2 = struct_schema("p", [("id", "int64", False), ("name", "string", True), ("age", "int32", True)])
        produce(self.broker.bootstrap, "people", [
            (connect_json(key, {"id": 1}), connect_json(v1, {"id": 1, "name": "a"})),
            (connect_json(key, {"id": 2}), connect_json(v1, {"id": 2, "name": "b"})),
            (connect_json(key, {"id": 1}), None),
            (connect_json(key, {"id": 3}), connect_json(v2, {"id": 3, "name": "c", "age": 30}))])
        self.create("sink", {"connector.class": SINK, "connection.url": f"jdbc:sqlite:{path}", "topics": "people",
                             "insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true",
                             "auto.create": "true", "auto.evolve": "true"})
        self.wait_rows(conn, "SELECT id, name, age FROM people ORDER BY id", [[2, "b", None], [3, "c", 30]])

    def offsets(self, name):
        return http("GET", f"{self.worker.url}/connectors/{name}/offsets")[1]["offsets"]

    def source(self, path, **kw):
        cfg = {"connector.class": SOURCE, "connection.url": f"jdbc:sqlite:{path}", "poll.interval.ms": "300"}
        cfg.update({k.replace("_", "."): str(v) for k, v in kw.items()})
        return cfg

    def test_source_modes_nulls_decimals_and_time_zones(self):
        path, conn = self.db("types.db")
        conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR(10), amount NUMERIC(10,2), ratio REAL, "
                     "big BIGINT, flag BOOLEAN, d DATE, at DATETIME, ms TIMESTAMP NOT NULL, raw BLOB)")
        conn.execute("INSERT INTO t VALUES (1, 'one', 1234.56, 0.5, 9000000000, 1, '2024-02-29', "
                     "'2024-01-15 10:30:00.123', 1705314600123, x'00ff')")
        conn.execute("INSERT INTO t(id, ms) VALUES (2, 1705314660000)")
        conn.execute("INSERT INTO t VALUES (3, 'three', -0.05, 2.0, -1, 0, '1969-12-31', '2024-06-01 00:00:00', "
                     "1705314660000, NULL)")
        # incrementing with the auto-detected INTEGER PRIMARY KEY (the rowid)
        self.create("inc", self.source(path, mode="incrementing", topic_prefix="inc-"))
        # timestamp mode on epoch-ms values; rows with equal timestamps come in one go
        self.create("ts", self.source(path, mode="timestamp", timestamp_column_name="ms", topic_prefix="ts-",
                                      db_timezone="Europe/Moscow"))
        self.create("bulk", self.source(path, mode="bulk", topic_prefix="bulk-", poll_interval_ms="500"))
        self.create("q", self.source(path, mode="incrementing", incrementing_column_name="id",
                                     query="SELECT id, name FROM t", query_suffix="LIMIT 1", topic_prefix="tq",
                                     numeric_mapping="best_fit"))
        for n in ("inc", "ts", "bulk", "q"):
            self.wait_running(n)
        vals = self.values("inc-t", 3)
        schema = {f["field"]: (f["type"], f.get("name"), f["optional"]) for f in vals[0]["schema"]["fields"]}
        self.assertEqual(vals[0]["schema"]["name"], "t")
        self.assertEqual(schema, {
            "id": ("int32", None, False), "name": ("string", None, True),
            "amount": ("bytes", "org.apache.kafka.connect.data.Decimal", True), "ratio": ("double", None, True),
            "big": ("int64", None, True), "flag": ("boolean", None, True),
            "d": ("int32", "org.apache.kafka.connect.data.Date", True),
            "at": ("int64", "org.apache.kafka.connect.data.Timestamp", True),
            "ms": ("int64", "org.apache.kafka.connect.data.Timestamp", False), "raw": ("bytes", None, True)})
        p = [v["payload"] for v in vals]
        self.assertEqual((p[0]["name"], p[0]["ratio"], p[0]["big"], p[0]["flag"], p[0]["d"], p[0]["at"], p[0]["ms"]),
                         ("one", 0.5, 9000000000, True, 19782, 1705314600123, 1705314600123))
        self.assertEqual(decimal_of(p[0]["amount"], 2), 1234.56)
        self.assertEqual(decimal_of(p[2]["amount"], 2), -0.05)
        self.assertEqual(p[2]["d"], -1)
        self.assertEqual(base64.b64decode(p[0]["raw"]), b"\x00\xff")
        self.assertEqual({k for k, v in p[1].items() if v is not None}, {"id", "ms"})
        wait_until(lambda: self.offsets("inc") == [{"partition": {"protocol": "1", "table": "t"},
                                                    "offset": {"incrementing": 3}}], what="incrementing offsets")
        # db.timezone: text timestamps are that zone's wall clock; epoch-ms values are instants
        vals = self.payloads("ts-t", 3)
        self.assertEqual([v["id"] for v in vals], [1, 2, 3])
        self.assertEqual(vals[0]["at"], 1705314600123 - 3 * 3600 * 1000)
        self.assertEqual(vals[0]["ms"], 1705314600123)
        wait_until(lambda: self.offsets("ts") == [{"partition": {"protocol": "1", "table": "t"},
                                                   "offset": {"timestamp": 1705314660000, "timestamp_nanos": 0}}],
                   what="timestamp offsets")
        conn.execute("UPDATE t SET name = 'one-b', ms = 1705314700000 WHERE id = 1")
        self.assertEqual([(v["id"], v["name"]) for v in self.payloads("ts-t", 4)[3:]], [(1, "one-b")])
        # bulk re-reads everything and stores no offsets
        self.assertEqual([v["id"] for v in self.payloads("bulk-t", 6)[:6]], [1, 2, 3, 1, 2, 3])
        self.assertEqual(self.offsets("bulk"), [])
        # query + suffix: one row per query until every row was read
        vals = self.values("tq", 3)
        self.assertEqual([v["payload"]["id"] for v in vals], [1, 2, 3])
        self.assertNotIn("name", vals[0]["schema"])
        wait_until(lambda: self.offsets("q") == [{"partition": {"query": "query"}, "offset": {"incrementing": 3}}],
                   what="query offsets")
        self.assertIn("SELECT id, name FROM t WHERE `id` > ? ORDER BY `id` ASC LIMIT 1", self.log())

    def test_a_late_committing_writer_is_not_missed(self):
        # SQLite has one writer at a time: a row stamped inside an open write transaction commits
        # before any other writer can stamp and commit a later row, so no later timestamp can
        # overtake it.
        path, conn = self.db("late.db")
        conn.execute(f"CREATE TABLE events(id INTEGER PRIMARY KEY, name TEXT, ts TIMESTAMP NOT NULL DEFAULT ({NOW_MS}))")
        self.create("src", self.source(path, mode="timestamp", timestamp_column_name="ts", topic_prefix="late-"))
        self.wait_running("src")
        conn.execute("INSERT INTO events(name) VALUES ('before')")
        self.assertEqual([v["name"] for v in self.payloads("late-events", 1)], ["before"])
        late = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.addCleanup(late.close)
        late.execute("BEGIN IMMEDIATE")
        late.execute("INSERT INTO events(name) VALUES ('late')")
        other = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.addCleanup(other.close)
        writer = threading.Thread(target=lambda: other.execute("INSERT INTO events(name) VALUES ('after')"))
        writer.start()
        time.sleep(2)  # several polls with an upper bound past the late row's timestamp
        self.assertEqual(len(self.payloads("late-events")), 1)
        late.execute("COMMIT")
        writer.join(timeout=30)
        self.assertEqual([v["name"] for v in self.payloads("late-events", 3)], ["before", "late", "after"])
        rows = conn.execute("SELECT name, ts FROM events ORDER BY id").fetchall()
        self.assertLessEqual(rows[1][1], rows[2][1])

    def test_new_tables_are_discovered_and_a_restart_resumes_from_the_offset(self):
        path, conn = self.db("many.db")
        conn.execute("CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        with conn:  # one transaction, not 3000 synced ones
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO a(v) VALUES (?)", [(f"a{i}",) for i in range(1, 3001)])
        cfg = self.source(path, mode="incrementing", topic_prefix="disc-", tasks_max="2", table_poll_interval_ms="1000",
                          batch_max_rows="500")
        self.create("disc", cfg)
        self.wait_running("disc", tasks=1)
        self.assertEqual(len(self.payloads("disc-a", 3000)), 3000)
        conn.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT)")
        conn.execute("INSERT INTO b(v) VALUES ('b1'), ('b2')")
        self.wait_running("disc", tasks=2)
        self.assertEqual([v["v"] for v in self.payloads("disc-b", 2)], ["b1", "b2"])
        status, tasks = http("GET", f"{self.worker.url}/connectors/disc/tasks")
        self.assertEqual(sorted(t["config"]["tables"] for t in tasks), ["`a`", "`b`"])
        expected = [{"partition": {"protocol": "1", "table": "a"}, "offset": {"incrementing": 3000}},
                    {"partition": {"protocol": "1", "table": "b"}, "offset": {"incrementing": 2}}]
        key = lambda o: o["partition"]["table"]  # noqa: E731
        got = wait_until(lambda: (lambda o: o if sorted(o, key=key) == expected else None)(self.offsets("disc")),
                         what="offsets of both tables")
        self.assertEqual(sorted(got, key=key), expected)
        self.restart_worker()
        with conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO a(v) VALUES (?)", [(f"a{i}",) for i in range(3001, 4501)])
        conn.execute("INSERT INTO b(v) VALUES ('b3')")
        self.create("disc", cfg)
        self.wait_running("disc", tasks=2)
        self.payloads("disc-a", 4500)
        self.payloads("disc-b", 3)
        time.sleep(1.5)
        self.assertEqual([v["id"] for v in self.payloads("disc-a")], list(range(1, 4501)))
        self.assertEqual([v["v"] for v in self.payloads("disc-b")], ["b1", "b2", "b3"])
        self.assertIn("Partition offset for 'a' is not null. Using existing offset.", self.log())

    def test_sink_every_insert_mode_and_pk_mode(self):
        path, conn = self.db("sink.db")
        url = f"jdbc:sqlite:{path}"
        records = [person(1, "a", 1), person(2, "b", 2), person(1, "a2", 3)]
        combos = [("insert", "none", ""), ("insert", "kafka", ""), ("insert", "record_key", ""),
                  ("insert", "record_value", "id"), ("upsert", "kafka", ""), ("upsert", "record_key", ""),
                  ("upsert", "record_value", "id")]
        for mode, pk, fields in combos:
            topic = f"t_{mode}_{pk}"
            unique = mode == "insert" and pk in ("record_key", "record_value")
            produce(self.broker.bootstrap, topic, records[:2] if unique else records)
            self.create(topic, {"connector.class": SINK, "connection.url": url, "topics": topic, "insert.mode": mode,
                                "pk.mode": pk, "pk.fields": fields, "auto.create": "true"})
        conn.execute("CREATE TABLE t_update(id INTEGER PRIMARY KEY, name TEXT, score INTEGER)")
        conn.execute("INSERT INTO t_update VALUES (1, 'one', 1), (2, 'two', 2)")
        produce(self.broker.bootstrap, "upd", [person(1, "uno", 10), person(3, "tres", 30), person(1, "ein", 11)])
        self.create("upd", {"connector.class": SINK, "connection.url": url, "topics": "upd", "insert.mode": "update",
                            "pk.mode": "record_value", "pk.fields": "id", "table.name.format": "t_update"})
        self.wait_rows(conn, "SELECT id, name, score FROM t_insert_none ORDER BY score",
                       [[1, "a", 1], [2, "b", 2], [1, "a2", 3]])
        self.wait_rows(conn, "SELECT __connect_topic, __connect_partition, __connect_offset, id, name FROM t_insert_kafka "
                             "ORDER BY 3", [["t_insert_kafka", 0, 0, 1, "a"], ["t_insert_kafka", 0, 1, 2, "b"],
                                            ["t_insert_kafka", 0, 2, 1, "a2"]])
        self.wait_rows(conn, "SELECT id, name FROM t_insert_record_key ORDER BY id", [[1, "a"], [2, "b"]])
        self.wait_rows(conn, "SELECT id, name FROM t_insert_record_value ORDER BY id", [[1, "a"], [2, "b"]])
        self.wait_rows(conn, "SELECT COUNT(*) FROM t_upsert_kafka", [[3]])
        self.wait_rows(conn, "SELECT id, name, score FROM t_upsert_record_key ORDER BY id", [[1, "a2", 3], [2, "b", 2]])
        self.wait_rows(conn, "SELECT id, name, score FROM t_upsert_record_value ORDER BY id", [[1, "a2", 3], [2, "b", 2]])
        self.wait_rows(conn, "SELECT id, name, score FROM t_update ORDER BY id", [[1, "ein", 11], [2, "two", 2]])
        pks = {t: [r[1] for r in conn.execute(f"SELECT pk, name FROM pragma_table_info('{t}') WHERE pk > 0 ORDER BY pk")]
               for t in ("t_insert_none", "t_insert_kafka", "t_insert_record_value", "t_upsert_record_key")}
        self.assertEqual(pks, {"t_insert_none": [], "t_insert_record_value": ["id"], "t_upsert_record_key": ["id"],
                               "t_insert_kafka": ["__connect_topic", "__connect_partition", "__connect_offset"]})
        produce(self.broker.bootstrap, "t_insert_record_key", [person(1, "dup")])
        trace = self.wait_task_failed("t_insert_record_key")
        self.assertIn("`t_insert_record_key`", trace)
        self.assertIn("UNIQUE constraint failed: t_insert_record_key.id", trace)

    def test_not_null_violation_goes_to_the_dead_letter_queue(self):
        path, conn = self.db("strict.db")
        conn.execute("CREATE TABLE strict(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER)")
        produce(self.broker.bootstrap, "strict", [person(1, "ok-1"), person(2, None), person(3, "ok-3")])
        self.create("dlq", {"connector.class": SINK, "connection.url": f"jdbc:sqlite:{path}", "topics": "strict",
                            "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id",
                            "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "strict-dlq",
                            "errors.deadletterqueue.topic.replication.factor": "1",
                            "errors.deadletterqueue.context.headers.enable": "true"})
        self.wait_rows(conn, "SELECT id, name FROM strict ORDER BY id", [[1, "ok-1"], [3, "ok-3"]])
        out = wait_until(lambda: kcat_consume(self.broker.bootstrap, "strict-dlq", fmt="%s\\t%h\\n") or None,
                         what="DLQ record")
        value, headers = out.decode().rstrip("\n").split("\t", 1)
        self.assertEqual(json.loads(value)["payload"]["id"], 2)
        self.assertIn("__connect.errors.offset=1", headers)
        self.assertIn("`strict`", headers)
        self.assertIn("NOT NULL constraint failed: strict.name", headers)
        self.assertEqual(self.status("dlq")["tasks"][0]["state"], "RUNNING")
        # errors.tolerance=none: the task fails with a DataException naming the table and column.
        produce(self.broker.bootstrap, "strict2", [person(5, None)])
        self.create("nodlq", {"connector.class": SINK, "connection.url": f"jdbc:sqlite:{path}", "topics": "strict2",
                              "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id",
                              "table.name.format": "strict"})
        trace = self.wait_task_failed("nodlq")
        self.assertIn("NOT NULL constraint failed: strict.name", trace)
        self.assertIn("org.apache.kafka.connect.errors.DataException", trace)

    def test_database_locked_for_20_seconds_then_everything_is_delivered(self):
        path, conn = self.db("locked.db")
        produce(self.broker.bootstrap, "locked", [person(i, f"n{i}") for i in range(1, 51)])
        self.create("locked", {"connector.class": SINK, "connection.url": f"jdbc:sqlite:{path}", "topics": "locked",
                               "insert.mode": "upsert", "pk.mode": "record_key", "auto.create": "true"})
        self.wait_rows(conn, "SELECT COUNT(*) FROM locked", [[50]])
        conn.execute("BEGIN EXCLUSIVE")  # nobody else can read or write the file
        produce(self.broker.bootstrap, "locked", [person(i, f"n{i}") for i in range(51, 201)])
        time.sleep(20)
        self.assertEqual(self.status("locked")["tasks"][0]["state"], "RUNNING")
        conn.execute("COMMIT")
        self.wait_rows(conn, "SELECT COUNT(*), MIN(id), MAX(id) FROM locked", [[200, 1, 200]], timeout=90)
        log = self.log()
        self.assertIn("database is locked", log)
        self.assertIn("RetriableException from SinkTask", log)


if __name__ == "__main__":
    unittest.main()
