"""JDBC source on PostgreSQL: every mode, custom queries, offsets and partitions as Confluent writes
them, the type mapping, time zones, new tables and restarts. The late-commit guard is in
test_jdbc_pg_late_commit.py."""
import base64
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import JdbcTestCase, SOURCE, http, wait_until  # noqa: E402
from pg_server import PG_BIN  # noqa: E402,F401


def decimal_of(b64, scale):
    raw = base64.b64decode(b64)
    return int.from_bytes(raw, "big", signed=True) / (10 ** scale) if raw else 0


class PgSourceTest(JdbcTestCase):

    def setUp(self):
        super().setUp()
        self.pg = self.start_pg()
        self.start_pipeline()

    def source(self, **kw):
        cfg = {"connector.class": SOURCE, "tasks.max": "1", "connection.url": self.pg.jdbc_url(),
               "connection.user": "postgres", "poll.interval.ms": "300", "topic.prefix": "pg-"}
        cfg.update({k.replace("_", "."): str(v) for k, v in kw.items()})
        return cfg

    def offsets(self, name):
        status, body = http("GET", f"{self.worker.url}/connectors/{name}/offsets")
        self.assertEqual(status, 200, body)
        return body["offsets"]

    def wait_offsets(self, name, predicate):
        return wait_until(lambda: (lambda o: o if predicate(o) else None)(self.offsets(name)), timeout=30,
                          what=f"offsets of {name}")

    def test_incrementing_mode_topic_partition_offsets(self):
        self.pg.psql("CREATE TABLE items(id serial primary key, name text not null)")
        self.pg.psql("INSERT INTO items(name) SELECT 'item-' || g FROM generate_series(1, 25) g")
        self.create("inc", self.source(mode="incrementing", incrementing_column_name="id", table_whitelist="items",
                                       batch_max_rows=10))
        self.wait_running("inc")
        vals = self.payloads("pg-items", 25)
        self.assertEqual([v["id"] for v in vals], list(range(1, 26)))
        offs = self.wait_offsets("inc", lambda o: o and o[0]["offset"].get("incrementing") == 25)
        self.assertEqual(offs, [{"partition": {"protocol": "1", "table": "public.items"},
                                 "offset": {"incrementing": 25}}])
        self.pg.psql("INSERT INTO items(name) VALUES ('late-1'), ('late-2')")
        vals = self.payloads("pg-items", 27)
        self.assertEqual([v["name"] for v in vals[25:]], ["late-1", "late-2"])
        self.assertEqual(len(vals), 27)

    def test_bulk_mode_rereads_the_table_and_stores_no_offsets(self):
        self.pg.psql("CREATE TABLE cfg(k text primary key, v int)")
        self.pg.psql("INSERT INTO cfg VALUES ('a', 1), ('b', 2)")
        self.create("bulk", self.source(mode="bulk", table_whitelist="cfg", poll_interval_ms=500))
        self.wait_running("bulk")
        vals = self.payloads("pg-cfg", 6)
        self.assertEqual([(v["k"], v["v"]) for v in vals[:4]], [("a", 1), ("b", 2), ("a", 1), ("b", 2)])
        time.sleep(1.5)
        self.assertEqual(self.offsets("bulk"), [])

    def test_timestamp_mode_offsets_carry_nanos(self):
        self.pg.psql("CREATE TABLE ev(id int, name text, ts timestamp not null)")
        self.pg.psql("INSERT INTO ev VALUES (1, 'a', '2024-01-15 10:30:00.123456'), (2, 'b', '2024-01-15 10:30:00.123456'),"
                     " (3, 'c', '2024-01-15 10:31:00.5')")
        self.create("ts", self.source(mode="timestamp", timestamp_column_name="ts", table_whitelist="ev"))
        self.wait_running("ts")
        vals = self.payloads("pg-ev", 3)
        self.assertEqual([v["name"] for v in vals], ["a", "b", "c"])
        # Timestamp values are ms (sub-ms lost, as in Confluent); offsets keep the nanos.
        self.assertEqual(vals[0]["ts"], 1705314600123)
        offs = self.wait_offsets("ts", lambda o: o and o[0]["offset"].get("timestamp") == 1705314660500)
        self.assertEqual(offs[0]["partition"], {"protocol": "1", "table": "public.ev"})
        self.assertEqual(offs[0]["offset"], {"timestamp": 1705314660500, "timestamp_nanos": 500000000})
        self.pg.psql("UPDATE ev SET name = 'a2', ts = '2024-01-15 10:32:00' WHERE id = 1")
        vals = self.payloads("pg-ev", 4)
        self.assertEqual(vals[3]["name"], "a2")

    def test_timestamp_incrementing_mode_and_equal_timestamps(self):
        self.pg.psql("CREATE TABLE pd(id bigserial primary key, bic text, last_update timestamptz not null)")
        self.pg.psql("INSERT INTO pd(bic, last_update) SELECT 'b' || g, '2024-03-01 12:00:00+00' FROM generate_series(1, 5) g")
        self.create("tsinc", self.source(mode="timestamp+incrementing", timestamp_column_name="last_update",
                                         incrementing_column_name="id", table_whitelist="pd", batch_max_rows=2))
        self.wait_running("tsinc")
        vals = self.payloads("pg-pd", 5)
        self.assertEqual([v["id"] for v in vals], [1, 2, 3, 4, 5])
        offs = self.wait_offsets("tsinc", lambda o: o and o[0]["offset"].get("incrementing") == 5)
        self.assertEqual(offs[0]["offset"], {"incrementing": 5, "timestamp": 1709294400000, "timestamp_nanos": 0})
        # Same timestamp, higher id: picked up by (ts = last AND id > last); an update moves ts forward.
        self.pg.psql("INSERT INTO pd(bic, last_update) VALUES ('b6', '2024-03-01 12:00:00+00')")
        self.pg.psql("UPDATE pd SET bic = 'b2-new', last_update = '2024-03-01 12:00:01+00' WHERE id = 2")
        vals = self.payloads("pg-pd", 7)
        self.assertEqual([(v["id"], v["bic"]) for v in vals[5:]], [(6, "b6"), (2, "b2-new")])

    def test_custom_query_with_suffix(self):
        self.pg.psql("CREATE TABLE orders(id serial primary key, amount numeric(10,2), note text)")
        self.pg.psql("INSERT INTO orders(amount, note) SELECT g * 1.5, 'n' || g FROM generate_series(1, 7) g")
        self.create("q", self.source(mode="incrementing", incrementing_column_name="id",
                                     query="SELECT id, amount FROM orders", query_suffix="LIMIT 3",
                                     topic_prefix="orders-q", numeric_mapping="best_fit"))
        self.wait_running("q")
        vals = self.values("orders-q", 7)
        self.assertEqual([v["payload"]["id"] for v in vals], list(range(1, 8)))
        self.assertEqual(vals[1]["payload"]["amount"], 3.0)
        self.assertNotIn("name", vals[0]["schema"])  # query mode: an unnamed struct
        self.assertEqual([f["field"] for f in vals[0]["schema"]["fields"]], ["id", "amount"])
        offs = self.wait_offsets("q", lambda o: o and o[0]["offset"].get("incrementing") == 7)
        self.assertEqual(offs[0]["partition"], {"query": "query"})
        self.assertIn('SELECT id, amount FROM orders WHERE "id" > $1 ORDER BY "id" ASC LIMIT 3', self.log())

    def test_types_nulls_decimals_and_time_zones(self):
        self.pg.psql("""CREATE TABLE types(
            id int primary key, s smallint, i int, b bigint, r real, d double precision,
            n numeric(10,2), nu numeric, flag boolean, t text, vc varchar(5), c char(3), by bytea,
            dt date, tm time, ts timestamp, tstz timestamptz, j json, jb jsonb, u uuid, arr int[])""")
        self.pg.psql("""INSERT INTO types VALUES
            (1, -3, 42, 9000000000, 1.5, 2.25, -12345.67, 3.14159, true, 'héllo', 'abc', 'xy', '\\xdeadbeef',
             '2024-02-29', '13:45:30.25', '2024-01-15 10:30:00', '2024-01-15 10:30:00+03', '{"a": 1}', '{"b": [1, 2]}',
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2}'),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL)""")
        self.create("types", self.source(mode="incrementing", incrementing_column_name="id", table_whitelist="types"))
        self.wait_running("types")
        vals = self.values("pg-types", 2)
        schema = {f["field"]: f for f in vals[0]["schema"]["fields"]}
        self.assertNotIn("arr", schema)  # arrays are skipped, as in Confluent
        self.assertEqual({k: (schema[k]["type"], schema[k].get("name")) for k in schema}, {
            "id": ("int32", None), "s": ("int16", None), "i": ("int32", None), "b": ("int64", None),
            "r": ("float", None), "d": ("double", None),
            "n": ("bytes", "org.apache.kafka.connect.data.Decimal"),
            "nu": ("bytes", "org.apache.kafka.connect.data.Decimal"),
            "flag": ("boolean", None), "t": ("string", None), "vc": ("string", None), "c": ("string", None),
            "by": ("bytes", None), "dt": ("int32", "org.apache.kafka.connect.data.Date"),
            "tm": ("int32", "org.apache.kafka.connect.data.Time"),
            "ts": ("int64", "org.apache.kafka.connect.data.Timestamp"),
            "tstz": ("int64", "org.apache.kafka.connect.data.Timestamp"),
            "j": ("string", None), "jb": ("string", None), "u": ("string", None)})
        self.assertFalse(schema["id"]["optional"])
        self.assertTrue(schema["s"]["optional"])
        self.assertEqual(schema["n"]["parameters"], {"scale": "2", "connect.decimal.precision": "10"})
        self.assertEqual(schema["nu"]["parameters"]["scale"], "127")
        p = vals[0]["payload"]
        self.assertEqual((p["s"], p["i"], p["b"], p["r"], p["d"]), (-3, 42, 9000000000, 1.5, 2.25))
        self.assertAlmostEqual(decimal_of(p["n"], 2), -12345.67)
        self.assertAlmostEqual(decimal_of(p["nu"], 127), 3.14159)
        self.assertEqual((p["flag"], p["t"], p["vc"], p["c"]), (True, "héllo", "abc", "xy "))
        self.assertEqual(base64.b64decode(p["by"]), bytes.fromhex("deadbeef"))
        self.assertEqual(p["dt"], 19782)  # days since 1970-01-01
        self.assertEqual(p["tm"], (13 * 3600 + 45 * 60 + 30) * 1000 + 250)
        self.assertEqual(p["ts"], 1705314600000)  # wall clock read as UTC (db.timezone)
        self.assertEqual(p["tstz"], 1705303800000)  # an instant: 07:30Z
        self.assertEqual((p["j"], p["jb"], p["u"]), ('{"a": 1}', '{"b": [1, 2]}', "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
        self.assertTrue(all(v is None for k, v in vals[1]["payload"].items() if k != "id"))

        # db.timezone: a timestamp without time zone is read as that zone's wall clock; timestamptz is
        # unaffected. best_fit turns numeric(10,2) into a double.
        self.create("types-msk", self.source(mode="incrementing", incrementing_column_name="id", table_whitelist="types",
                                             db_timezone="Europe/Moscow", numeric_mapping="best_fit",
                                             topic_prefix="msk-"))
        self.wait_running("types-msk")
        p = self.payloads("msk-types", 2)[0]
        self.assertEqual(p["ts"], 1705314600000 - 3 * 3600 * 1000)
        self.assertEqual(p["tstz"], 1705303800000)
        self.assertEqual(p["n"], -12345.67)

    def test_new_tables_are_discovered_and_spread_over_tasks(self):
        self.pg.psql("CREATE TABLE a(id serial primary key, v text)")
        self.pg.psql("INSERT INTO a(v) VALUES ('a1')")
        self.create("disc", self.source(mode="incrementing", incrementing_column_name="id", tasks_max="2",
                                        table_poll_interval_ms="1000"))
        self.wait_running("disc", tasks=1)
        self.assertEqual([v["v"] for v in self.payloads("pg-a", 1)], ["a1"])
        self.pg.psql("CREATE TABLE b(id serial primary key, v text)")
        self.pg.psql("INSERT INTO b(v) VALUES ('b1'), ('b2')")
        self.wait_running("disc", tasks=2)
        self.assertEqual([v["v"] for v in self.payloads("pg-b", 2)], ["b1", "b2"])
        status, tasks = http("GET", f"{self.worker.url}/connectors/disc/tasks")
        self.assertEqual(sorted(t["config"]["tables"] for t in tasks), ['"public"."a"', '"public"."b"'])
        self.pg.psql("INSERT INTO a(v) VALUES ('a2')")
        self.assertEqual([v["v"] for v in self.payloads("pg-a", 2)], ["a1", "a2"])
        self.assertIn("Table list changed; requesting task reconfiguration", self.log())

    def test_restart_resumes_from_the_stored_offset_without_duplicates_or_gaps(self):
        self.pg.psql("CREATE TABLE seq(id bigserial primary key, payload text not null)")
        self.pg.psql("INSERT INTO seq(payload) SELECT md5(g::text) FROM generate_series(1, 3000) g")
        cfg = self.source(mode="incrementing", incrementing_column_name="id", table_whitelist="seq", batch_max_rows=500)
        self.create("seq", cfg)
        self.wait_running("seq")
        self.payloads("pg-seq", 3000)
        self.wait_offsets("seq", lambda o: o and o[0]["offset"].get("incrementing") == 3000)
        self.restart_worker()
        self.pg.psql("INSERT INTO seq(payload) SELECT md5(g::text) FROM generate_series(3001, 4500) g")
        self.create("seq", cfg)
        self.wait_running("seq")
        vals = self.payloads("pg-seq", 4500)
        time.sleep(1.5)
        vals = self.payloads("pg-seq")
        self.assertEqual([v["id"] for v in vals], list(range(1, 4501)))
        self.assertIn("Partition offset for 'public.seq' is not null. Using existing offset.", self.log())


if __name__ == "__main__":
    unittest.main()
