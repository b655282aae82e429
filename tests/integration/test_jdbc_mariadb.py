"""JDBC source and sink on MariaDB (mariadbd in a temp datadir): modes, offsets and partitions
(`db.table`), the MySQL type mapping, multi-row INSERT ... ON DUPLICATE KEY UPDATE upserts,
updates, deletes, auto.create/auto.evolve and NOT NULL violations."""
import base64
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, SOURCE, connect_json, http, produce, struct_schema,  # noqa: E402
                               wait_until)


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
        self.assertEqual(vals[0]["created"], 1705314600123 - 3 * 3600 * 1000)
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


if __name__ == "__main__":
    unittest.main()
