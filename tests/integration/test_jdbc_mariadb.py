"""JDBC source and sink on MariaDB (mariadbd in a temp datadir): every source mode, offsets and
partitions (`db.table`), the MySQL type mapping and time zones, the late-commit guard (InnoDB's
open transactions), new tables, restarts; multi-row INSERT ... ON DUPLICATE KEY UPDATE upserts,
every insert.mode x pk.mode, deletes, auto.create/auto.evolve, NOT NULL violations (task failure
or DLQ) and a server that is down for 20 seconds."""
import base64
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, SOURCE, connect_json, end_offset, http, kcat_consume,  # noqa: E402
                               produce, struct_schema, wait_until)

KEY = struct_schema(None, [("id", "int64", False)])
VALUE = struct_schema("person", [("id", "int64", False), ("name", "string", True), ("score", "int32", True)])


def person(i, name, score=None):
    return (connect_json(KEY, {"id": i}), connect_json(VALUE, {"id": i, "name": name, "score": score}))


class MariaDbTest(JdbcTestCase):

    def setUp(self):
        super().setUp()
        self.db = self.start_mariadb()
        self.db.sql("CREATE DATABASE shop")
        self.start_pipeline()

    def url(self, db="shop"):
        return f"jdbc:mariadb://127.0.0.1:{self.db.port}/{db}"

    def rows(self, sql):
        return [line.split("\t") for line in self.db.sql(sql, db="shop").splitlines()]

    def wait_rows(self, sql, expected, timeout=60):
        last = [None]

        def ok():
            last[0] = self.rows(sql)
            return last[0] == expected
        try:
            wait_until(ok, timeout=timeout, what=sql)
        except AssertionError:
            raise AssertionError(f"{sql}: got {last[0]}, expected {expected}")

    def common(self):
        return {"connection.url": self.url(), "connection.user": self.db.user, "connection.password": self.db.password,
                "tasks.max": "1"}

    def test_source_modes_types_and_offsets(self):
        self.db.sql("""CREATE TABLE items(
            id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, small TINYINT, flag TINYINT(1), big BIGINT,
            price DECIMAL(10,2), ratio DOUBLE, name VARCHAR(20), body TEXT, raw BLOB, d DATE, t TIME,
            created DATETIME(3) NOT NULL, stamp TIMESTAMP(6) NULL, doc JSON)""", db="shop")
        self.db.sql("""INSERT INTO items(small, flag, big, price, ratio, name, body, raw, d, t, created, stamp, doc) VALUES
            (-5, 1, 9000000000, 1234.56, 0.5, 'één', 'long text', x'00ff', '2024-02-29', '13:45:30',
             '2024-01-15 10:30:00.123', '2024-01-15 10:30:00.654321', '{"a": 1}'),
            (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2024-01-15 10:31:00', NULL, NULL)""", db="shop")
        self.create("inc", dict(self.common(), **{"connector.class": SOURCE, "mode": "incrementing",
                                                  "table.whitelist": "items", "topic.prefix": "my-",
                                                  "poll.interval.ms": "300"}))
        self.wait_running("inc")
        vals = self.values("my-items", 2)
        schema = {f["field"]: f for f in vals[0]["schema"]["fields"]}
        self.assertEqual(vals[0]["schema"]["name"], "items")
        self.assertEqual({k: (f["type"], f.get("name")) for k, f in schema.items()}, {
            "id": ("int64", None), "small": ("int8", None), "flag": ("int8", None), "big": ("int64", None),
            "price": ("bytes", "org.apache.kafka.connect.data.Decimal"), "ratio": ("double", None),
            "name": ("string", None), "body": ("string", None), "raw": ("bytes", None),
            "d": ("int32", "org.apache.kafka.connect.data.Date"), "t": ("int32", "org.apache.kafka.connect.data.Time"),
            "created": ("int64", "org.apache.kafka.connect.data.Timestamp"),
            "stamp": ("int64", "org.apache.kafka.connect.data.Timestamp"), "doc": ("string", None)})
        self.assertFalse(schema["id"]["optional"])
        self.assertEqual(schema["price"]["parameters"], {"scale": "2", "connect.decimal.precision": "10"})
        p = vals[0]["payload"]
        self.assertEqual((p["id"], p["small"], p["flag"], p["big"], p["ratio"], p["name"], p["body"]),
                         (1, -5, 1, 9000000000, 0.5, "één", "long text"))
        self.assertEqual(int.from_bytes(base64.b64decode(p["price"]), "big", signed=True), 123456)
        self.assertEqual(base64.b64decode(p["raw"]), b"\x00\xff")
        self.assertEqual((p["d"], p["t"], p["created"], p["stamp"]),
                         (19782, 49530000, 1705314600123, 1705314600654))
        self.assertEqual(p["doc"], '{"a": 1}')
        self.assertTrue(all(v is None for k, v in vals[1]["payload"].items() if k not in ("id", "created")))
        status, body = http("GET", f"{self.worker.url}/connectors/inc/offsets")
        wait_until(lambda: http("GET", f"{self.worker.url}/connectors/inc/offsets")[1]["offsets"] ==
                   [{"partition": {"protocol": "1", "table": "shop.items"}, "offset": {"incrementing": 2}}],
                   what="offsets")
        # timestamp+incrementing on a DATETIME column, read in db.timezone.
        self.create("tsinc", dict(self.common(), **{
            "connector.class": SOURCE, "mode": "timestamp+incrementing", "table.whitelist": "items",
            "timestamp.column.name": "created", "topic.prefix": "msk-", "db.timezone": "Europe/Moscow",
            "poll.interval.ms": "300"}))
        self.wait_running("tsinc")
        vals = self.payloads("msk-items", 2)
        self.assertEqual(vals[0]["created"], 1705314600123 - 3 * 3600 * 1000)  # DATETIME: Moscow wall clock
        self.assertEqual(vals[0]["stamp"], 1705314600654)  # TIMESTAMP: an instant, whatever db.timezone says
        self.db.sql("UPDATE items SET name = 'changed', created = '2024-01-15 11:00:00' WHERE id = 1", db="shop")
        vals = self.payloads("msk-items", 3)
        self.assertEqual(vals[2]["name"], "changed")

    def test_sink_modes_deletes_types_and_errors(self):
        key = struct_schema(None, [("id", "int64", False)])
        value = struct_schema("row", [
            ("id", "int64", False), ("name", "string", True), ("flag", "boolean", True), ("f", "float", True),
            ("dec", "bytes", True, {"name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "3"}}),
            ("d", "int32", True, {"name": "org.apache.kafka.connect.data.Date"}),
            ("t", "int32", True, {"name": "org.apache.kafka.connect.data.Time"}),
            ("ts", "int64", True, {"name": "org.apache.kafka.connect.data.Timestamp"})])

        def rec(i, name, tomb=False):
            k = connect_json(key, {"id": i})
            if tomb:
                return (k, None)
            return (k, connect_json(value, {"id": i, "name": name, "flag": i % 2 == 0, "f": 0.25,
                                            "dec": base64.b64encode((12345).to_bytes(2, "big", signed=True)).decode(),
                                            "d": 19782, "t": 49530250, "ts": 1705314600123}))
        produce(self.broker.bootstrap, "people", [rec(1, "a"), rec(2, "b"), rec(1, "a2"), rec(3, "c")])
        self.create("up", dict(self.common(), **{"connector.class": SINK, "topics": "people", "insert.mode": "upsert",
                                                 "pk.mode": "record_key", "auto.create": "true", "delete.enabled": "true"}))
        self.wait_rows("SELECT id, name, flag, f, `dec`, d, t, ts FROM people ORDER BY id", [
            ["1", "a2", "0", "0.25", "12.345", "2024-02-29", "13:45:30.250", "2024-01-15 10:30:00.123"],
            ["2", "b", "1", "0.25", "12.345", "2024-02-29", "13:45:30.250", "2024-01-15 10:30:00.123"],
            ["3", "c", "0", "0.25", "12.345", "2024-02-29", "13:45:30.250", "2024-01-15 10:30:00.123"]])
        cols = self.rows("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS "
                         "WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'people' ORDER BY ORDINAL_POSITION")
        self.assertEqual(cols, [["id", "bigint(20)", "NO", "PRI"], ["name", "text", "YES", ""],
                                ["flag", "tinyint(4)", "YES", ""], ["f", "float", "YES", ""],
                                ["dec", "decimal(65,3)", "YES", ""], ["d", "date", "YES", ""],
                                ["t", "time(3)", "YES", ""], ["ts", "datetime(3)", "YES", ""]])
        produce(self.broker.bootstrap, "people", [rec(2, None, tomb=True), rec(3, None, tomb=True), rec(3, "c-again")])
        self.wait_rows("SELECT id, name FROM people ORDER BY id", [["1", "a2"], ["3", "c-again"]])
        # insert + kafka coordinates, and update mode on an existing table.
        produce(self.broker.bootstrap, "log", [rec(1, "x"), rec(1, "y")])
        self.create("ins", dict(self.common(), **{"connector.class": SINK, "topics": "log", "pk.mode": "kafka",
                                                  "auto.create": "true", "fields.whitelist": "name"}))
        self.wait_rows("SELECT __connect_topic, __connect_partition, __connect_offset, name FROM log ORDER BY 3",
                       [["log", "0", "0", "x"], ["log", "0", "1", "y"]])
        self.db.sql("CREATE TABLE upd(id BIGINT PRIMARY KEY, name TEXT NOT NULL)", db="shop")
        self.db.sql("INSERT INTO upd VALUES (1, 'old'), (2, 'keep')", db="shop")
        produce(self.broker.bootstrap, "upd", [rec(1, "new"), rec(9, "ghost")])
        self.create("upd", dict(self.common(), **{"connector.class": SINK, "topics": "upd", "insert.mode": "update",
                                                  "pk.mode": "record_value", "pk.fields": "id",
                                                  "fields.whitelist": "name"}))
        self.wait_rows("SELECT id, name FROM upd ORDER BY id", [["1", "new"], ["2", "keep"]])
        # NOT NULL violation: the task fails naming the table and the column.
        produce(self.broker.bootstrap, "upd", [rec(2, None)])
        trace = self.wait_task_failed("upd")
        self.assertIn("`shop`.`upd`", trace)
        self.assertIn("Column 'name' cannot be null", trace)
        # auto.evolve adds a column with ALTER TABLE.
        v2 = struct_schema("row", [("id", "int64", False), ("name", "string", True), ("extra", "int32", True)])
        produce(self.broker.bootstrap, "evo", [(None, connect_json(struct_schema("row", [("id", "int64", False)]), {"id": 1})),
                                               (None, connect_json(v2, {"id": 2, "name": "n", "extra": 5}))])
        self.create("evo", dict(self.common(), **{"connector.class": SINK, "topics": "evo", "insert.mode": "upsert",
                                                  "pk.mode": "record_value", "pk.fields": "id", "auto.create": "true",
                                                  "auto.evolve": "true"}))
        self.wait_rows("SELECT id, COALESCE(name, '-'), COALESCE(extra, -1) FROM evo ORDER BY id",
                       [["1", "-", "-1"], ["2", "n", "5"]])

    def test_mariadb_to_mariadb_round_trip_of_many_rows(self):
        self.db.sql("CREATE DATABASE copy")
        self.db.sql("CREATE TABLE src(id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL, "
                    "at DATETIME(6) NOT NULL)", db="shop")
        self.db.sql("INSERT INTO src(v, at) SELECT CONCAT('v', seq), NOW(6) FROM seq_1_to_5000", db="shop")
        self.create("src", dict(self.common(), **{"connector.class": SOURCE, "mode": "incrementing",
                                                  "table.whitelist": "src", "topic.prefix": "rt-",
                                                  "poll.interval.ms": "300", "batch.max.rows": "700"}))
        self.create("dst", dict(self.common(), **{"connector.class": SINK, "topics": "rt-src", "insert.mode": "upsert",
                                                  "pk.mode": "record_value", "pk.fields": "id", "auto.create": "true",
                                                  "connection.url": self.url("copy"), "table.name.format": "dst"}))
        wait_until(lambda: self.db.sql("SELECT COUNT(*) FROM dst", db="copy").strip() == "5000"
                   if "dst" in self.db.sql("SHOW TABLES", db="copy") else False, timeout=90, what="5000 rows")
        a = self.db.sql("SELECT id, v, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') FROM src ORDER BY id", db="shop")
        b = self.db.sql("SELECT id, v, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') FROM dst ORDER BY id", db="copy")
        # DATETIME(6) -> Connect Timestamp keeps milliseconds
        trunc = lambda s: "\n".join(line[:-3] + "000" for line in s.splitlines())  # noqa: E731
        self.assertEqual(trunc(a), b.rstrip("\n"))

    def offsets(self, name):
        return http("GET", f"{self.worker.url}/connectors/{name}/offsets")[1]["offsets"]

    def client(self):
        """An interactive mariadb client on database shop, fed through stdin (for open transactions)."""
        p = subprocess.Popen(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(self.db.port), "-u", "root",
                              "-D", "shop", "-N", "-B"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def test_bulk_timestamp_and_query_modes(self):
        self.db.sql("CREATE TABLE ev(id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, "
                    "ts DATETIME(6) NOT NULL)", db="shop")
        self.db.sql("INSERT INTO ev(name, ts) VALUES ('a', '2024-01-15 10:30:00.123456'), "
                    "('b', '2024-01-15 10:30:00.123456'), ('c', '2024-01-15 10:31:00.5')", db="shop")
        self.create("bulk", dict(self.common(), **{"connector.class": SOURCE, "mode": "bulk", "table.whitelist": "ev",
                                                   "topic.prefix": "bulk-", "poll.interval.ms": "500"}))
        self.create("ts", dict(self.common(), **{"connector.class": SOURCE, "mode": "timestamp", "table.whitelist": "ev",
                                                 "timestamp.column.name": "ts", "topic.prefix": "ts-",
                                                 "poll.interval.ms": "300"}))
        self.create("q", dict(self.common(), **{"connector.class": SOURCE, "mode": "incrementing",
                                                "incrementing.column.name": "id", "query": "SELECT id, name FROM ev",
                                                "query.suffix": "LIMIT 2", "topic.prefix": "evq",
                                                "poll.interval.ms": "300"}))
        for n in ("bulk", "ts", "q"):
            self.wait_running(n)
        # bulk: the whole table at every poll, no offsets
        vals = self.payloads("bulk-ev", 6)
        self.assertEqual([v["name"] for v in vals[:6]], ["a", "b", "c", "a", "b", "c"])
        self.assertEqual(self.offsets("bulk"), [])
        # timestamp: rows in timestamp order, offsets with nanos, partition db.table
        vals = self.payloads("ts-ev", 3)
        self.assertEqual([(v["name"], v["ts"]) for v in vals], [("a", 1705314600123), ("b", 1705314600123),
                                                                ("c", 1705314660500)])
        wait_until(lambda: self.offsets("ts") == [{"partition": {"protocol": "1", "table": "shop.ev"},
                                                   "offset": {"timestamp": 1705314660500, "timestamp_nanos": 500000000}}],
                   what="timestamp offsets")
        self.db.sql("UPDATE ev SET name = 'a2', ts = '2024-01-15 10:32:00' WHERE id = 1", db="shop")
        self.assertEqual(self.payloads("ts-ev", 4)[3]["name"], "a2")
        # custom query + suffix: batches of 2 until every row was read; unnamed schema, query partition
        vals = self.values("evq", 3)
        self.assertEqual([v["payload"]["id"] for v in vals], [1, 2, 3])
        self.assertNotIn("name", vals[0]["schema"])
        wait_until(lambda: self.offsets("q") == [{"partition": {"query": "query"}, "offset": {"incrementing": 3}}],
                   what="query offsets")
        self.assertIn("SELECT id, name FROM ev WHERE `id` > ? ORDER BY `id` ASC LIMIT 2", self.log())

    def test_late_committing_transaction_is_not_missed(self):
        self.db.sql("CREATE TABLE events(id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20), "
                    "ts DATETIME(6) NOT NULL DEFAULT NOW(6))", db="shop")
        base = {"connector.class": SOURCE, "mode": "timestamp", "timestamp.column.name": "ts",
                "table.whitelist": "events", "poll.interval.ms": "300"}
        self.create("guarded", dict(self.common(), **base, **{"topic.prefix": "guarded-"}))
        self.create("plain", dict(self.common(), **base, **{"topic.prefix": "plain-",
                                                            "timestamp.late.commit.guard": "false"}))
        self.wait_running("guarded")
        self.wait_running("plain")
        # A long transaction takes its timestamp (NOW(6) of its INSERT) and commits later ...
        late = self.client()
        late.stdin.write("BEGIN;\nINSERT INTO events(name) VALUES ('late');\n")
        late.stdin.flush()
        wait_until(lambda: self.db.sql("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE "
                                       "trx_rows_modified > 0").strip() == "1", what="open transaction")
        time.sleep(1.2)
        # ... while others commit rows with later timestamps.
        self.db.sql("INSERT INTO events(name) VALUES ('after-1')", db="shop")
        self.db.sql("INSERT INTO events(name) VALUES ('after-2')", db="shop")
        self.assertEqual([v["name"] for v in self.payloads("plain-events", 2)], ["after-1", "after-2"])
        time.sleep(2)
        self.assertEqual(end_offset(self.broker.bootstrap, "guarded-events"), 0)
        late.stdin.write("COMMIT;\n")
        late.stdin.close()
        late.wait(timeout=30)
        self.assertEqual([v["name"] for v in self.payloads("guarded-events", 3)], ["late", "after-1", "after-2"])
        time.sleep(2)
        self.assertEqual([v["name"] for v in self.payloads("plain-events")], ["after-1", "after-2"])
        self.assertEqual(len(self.payloads("guarded-events")), 3)

    def test_new_tables_are_discovered_and_a_restart_resumes_from_the_offset(self):
        self.db.sql("CREATE TABLE a(id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40) NOT NULL)", db="shop")
        self.db.sql("INSERT INTO a(v) SELECT CONCAT('a', seq) FROM seq_1_to_3000", db="shop")
        cfg = dict(self.common(), **{"connector.class": SOURCE, "mode": "incrementing", "topic.prefix": "disc-",
                                     "tasks.max": "2", "table.poll.interval.ms": "1000", "poll.interval.ms": "300",
                                     "batch.max.rows": "500"})
        self.create("disc", cfg)
        self.wait_running("disc", tasks=1)
        self.assertEqual(len(self.payloads("disc-a", 3000)), 3000)
        self.db.sql("CREATE TABLE b(id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40))", db="shop")
        self.db.sql("INSERT INTO b(v) VALUES ('b1'), ('b2')", db="shop")
        self.wait_running("disc", tasks=2)
        self.assertEqual([v["v"] for v in self.payloads("disc-b", 2)], ["b1", "b2"])
        status, tasks = http("GET", f"{self.worker.url}/connectors/disc/tasks")
        self.assertEqual(sorted(t["config"]["tables"] for t in tasks), ["`shop`.`a`", "`shop`.`b`"])
        expected = [{"partition": {"protocol": "1", "table": "shop.a"}, "offset": {"incrementing": 3000}},
                    {"partition": {"protocol": "1", "table": "shop.b"}, "offset": {"incrementing": 2}}]
        key = lambda o: o["partition"]["table"]  # noqa: E731
        got = wait_until(lambda: (lambda o: o if sorted(o, key=key) == expected else None)(self.offsets("disc")),
                         what="offsets of both tables")
        self.assertEqual(sorted(got, key=key), expected)
        # Stop the worker, add rows, start again: the task resumes after the stored offsets.
        self.restart_worker()
        self.db.sql("INSERT INTO a(v) SELECT CONCAT('a', seq) FROM seq_3001_to_4500", db="shop")
        self.db.sql("INSERT INTO b(v) VALUES ('b3')", db="shop")
        self.create("disc", cfg)
        self.wait_running("disc", tasks=2)
        self.payloads("disc-a", 4500)
        self.payloads("disc-b", 3)
        time.sleep(1.5)
        # INSERT ... SELECT reserves AUTO_INCREMENT values in blocks, so the ids have gaps: compare
        # with the table, every row exactly once and in order.
        ids = [int(r[0]) for r in self.rows("SELECT id FROM a ORDER BY id")]
        self.assertEqual(len(ids), 4500)
        self.assertEqual([v["id"] for v in self.payloads("disc-a")], ids)
        self.assertEqual([v["v"] for v in self.payloads("disc-b")], ["b1", "b2", "b3"])
        self.assertIn("Partition offset for 'shop.a' is not null. Using existing offset.", self.log())

    def test_sink_every_insert_mode_and_pk_mode(self):
        records = [person(1, "a", 1), person(2, "b", 2), person(1, "a2", 3)]
        combos = [("insert", "none", ""), ("insert", "kafka", ""), ("insert", "record_key", ""),
                  ("insert", "record_value", "id"), ("upsert", "kafka", ""), ("upsert", "record_key", ""),
                  ("upsert", "record_value", "id")]
        for mode, pk, fields in combos:
            topic = f"t_{mode}_{pk}"
            unique = mode == "insert" and pk in ("record_key", "record_value")
            produce(self.broker.bootstrap, topic, records[:2] if unique else records)
            self.create(topic, dict(self.common(), **{"connector.class": SINK, "topics": topic, "insert.mode": mode,
                                                      "pk.mode": pk, "pk.fields": fields, "auto.create": "true"}))
        self.db.sql("CREATE TABLE t_update(id BIGINT PRIMARY KEY, name TEXT, score INT)", db="shop")
        self.db.sql("INSERT INTO t_update VALUES (1, 'one', 1), (2, 'two', 2)", db="shop")
        produce(self.broker.bootstrap, "upd_key", [person(1, "uno", 10), person(3, "tres", 30), person(1, "ein", 11)])
        self.create("upd_key", dict(self.common(), **{"connector.class": SINK, "topics": "upd_key", "insert.mode": "update",
                                                      "pk.mode": "record_key", "table.name.format": "t_update"}))
        self.wait_rows("SELECT id, name, score FROM t_insert_none ORDER BY score",
                       [["1", "a", "1"], ["2", "b", "2"], ["1", "a2", "3"]])
        self.wait_rows("SELECT __connect_topic, __connect_partition, __connect_offset, id, name FROM t_insert_kafka "
                       "ORDER BY 3", [["t_insert_kafka", "0", "0", "1", "a"], ["t_insert_kafka", "0", "1", "2", "b"],
                                      ["t_insert_kafka", "0", "2", "1", "a2"]])
        self.wait_rows("SELECT id, name FROM t_insert_record_key ORDER BY id", [["1", "a"], ["2", "b"]])
        self.wait_rows("SELECT id, name FROM t_insert_record_value ORDER BY id", [["1", "a"], ["2", "b"]])
        self.wait_rows("SELECT COUNT(*) FROM t_upsert_kafka", [["3"]])
        self.wait_rows("SELECT id, name, score FROM t_upsert_record_key ORDER BY id", [["1", "a2", "3"], ["2", "b", "2"]])
        self.wait_rows("SELECT id, name, score FROM t_upsert_record_value ORDER BY id", [["1", "a2", "3"], ["2", "b", "2"]])
        self.wait_rows("SELECT id, name, score FROM t_update ORDER BY id", [["1", "ein", "11"], ["2", "two", "2"]])
        keys = self.rows("SELECT TABLE_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
                         "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND COLUMN_KEY = 'PRI' "
                         "GROUP BY TABLE_NAME ORDER BY TABLE_NAME")
        self.assertEqual(keys, [["t_insert_kafka", "__connect_topic,__connect_partition,__connect_offset"],
                                ["t_insert_record_key", "id"], ["t_insert_record_value", "id"],
                                ["t_update", "id"], ["t_upsert_kafka", "__connect_topic,__connect_partition,__connect_offset"],
                                ["t_upsert_record_key", "id"], ["t_upsert_record_value", "id"]])
        # __connect_topic is a key column: VARCHAR(255), not TEXT (MySQL cannot index TEXT)
        self.assertEqual(self.rows("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND "
                                   "TABLE_NAME = 't_upsert_kafka' AND COLUMN_NAME = '__connect_topic'"), [["varchar(255)"]])
        # A plain insert of an existing key fails the task, naming the table and the key.
        produce(self.broker.bootstrap, "t_insert_record_key", [person(1, "dup")])
        trace = self.wait_task_failed("t_insert_record_key")
        self.assertIn("`shop`.`t_insert_record_key`", trace)
        self.assertIn("Duplicate entry '1' for key 'PRIMARY'", trace)

    def test_not_null_violation_goes_to_the_dead_letter_queue(self):
        self.db.sql("CREATE TABLE strict(id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL, score INT)", db="shop")
        produce(self.broker.bootstrap, "strict", [person(1, "ok-1"), person(2, None), person(3, "ok-3")])
        self.create("dlq", dict(self.common(), **{
            "connector.class": SINK, "topics": "strict", "insert.mode": "upsert", "pk.mode": "record_value",
            "pk.fields": "id", "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "strict-dlq",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true"}))
        self.wait_rows("SELECT id, name FROM strict ORDER BY id", [["1", "ok-1"], ["3", "ok-3"]])
        out = wait_until(lambda: kcat_consume(self.broker.bootstrap, "strict-dlq", fmt="%s\\t%h\\n") or None,
                         what="DLQ record")
        value, headers = out.decode().rstrip("\n").split("\t", 1)
        self.assertEqual(json.loads(value)["payload"]["id"], 2)
        self.assertIn("__connect.errors.offset=1", headers)
        self.assertIn("`shop`.`strict`", headers)
        self.assertIn("Column 'name' cannot be null", headers)
        self.assertEqual(self.status("dlq")["tasks"][0]["state"], "RUNNING")
        # Later records still flow.
        produce(self.broker.bootstrap, "strict", [person(4, "ok-4")])
        self.wait_rows("SELECT id FROM strict ORDER BY id", [["1"], ["3"], ["4"]])

    def test_server_down_for_20_seconds_then_everything_is_delivered(self):
        produce(self.broker.bootstrap, "outage", [person(i, f"n{i}") for i in range(1, 51)])
        self.create("outage", dict(self.common(), **{"connector.class": SINK, "topics": "outage", "insert.mode": "upsert",
                                                     "pk.mode": "record_key", "auto.create": "true"}))
        self.wait_rows("SELECT COUNT(*) FROM outage", [["50"]])
        self.db.stop()
        produce(self.broker.bootstrap, "outage", [person(i, f"n{i}") for i in range(51, 201)])
        time.sleep(20)
        self.assertEqual(self.status("outage")["tasks"][0]["state"], "RUNNING")
        self.db.start()
        self.wait_rows("SELECT COUNT(*), MIN(id), MAX(id) FROM outage", [["200", "1", "200"]], timeout=90)
        # The sink reconnected after waiting connection.backoff.ms between attempts (as Confluent's
        # connection provider does), and, if the outage outlasted those attempts, through the
        # runtime's retries of the same batch.
        log = self.log()
        self.assertIn("Unable to connect to database on attempt 1/3. Will retry in 10000 ms", log)
        self.assertIn("JdbcDbWriter Connected", log.split("Unable to connect to database")[-1])


if __name__ == "__main__":
    unittest.main()
