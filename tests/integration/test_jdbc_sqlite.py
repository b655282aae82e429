"""JDBC source and sink on SQLite files: incrementing and timestamp sources, upserts with
INSERT ... ON CONFLICT in a transaction, tombstone deletes, auto.create/auto.evolve."""
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, SOURCE, connect_json, http, produce, struct_schema,  # noqa: E402
                               wait_until)


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


if __name__ == "__main__":
    unittest.main()
