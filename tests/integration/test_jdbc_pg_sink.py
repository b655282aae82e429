"""JDBC sink on PostgreSQL: insert.mode x pk.mode, tombstone deletes, auto.create/auto.evolve,
Connect -> PostgreSQL types, quoting, NOT NULL violations (task failure or DLQ), and a database
that is down for 20 seconds."""
import base64
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, connect_json, pg_rows, produce, struct_schema,  # noqa: E402
                               wait_pg_rows, wait_until, kcat_consume)

KEY = struct_schema(None, [("id", "int64", False)])
VALUE = struct_schema("person", [("id", "int64", False), ("name", "string", True), ("score", "int32", True)])


def rec(i, name, score=None, key=True):
    k = connect_json(KEY, {"id": i}) if key else None
    return (k, connect_json(VALUE, {"id": i, "name": name, "score": score}))


class PgSinkTest(JdbcTestCase):

    def setUp(self):
        super().setUp()
        self.pg = self.start_pg()
        self.start_pipeline()

    def sink(self, topics, **kw):
        cfg = {"connector.class": SINK, "tasks.max": "1", "topics": topics, "connection.url": self.pg.jdbc_url(),
               "connection.user": "postgres", "auto.create": "true"}
        cfg.update({k.replace("_", "."): str(v) for k, v in kw.items()})
        return cfg

    def pk_of(self, table):
        return pg_rows(self.pg, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
                                f"a.attnum = ANY(i.indkey) WHERE i.indrelid = '\"{table}\"'::regclass AND i.indisprimary "
                                "ORDER BY a.attnum")

    def test_insert_and_upsert_modes_with_every_pk_mode(self):
        records = [rec(1, "a", 1), rec(2, "b", 2), rec(1, "a2", 3)]
        combos = [("insert", "none", ""), ("insert", "kafka", ""), ("insert", "record_key", ""),
                  ("insert", "record_value", "id"), ("upsert", "kafka", ""), ("upsert", "record_key", ""),
                  ("upsert", "record_value", "id")]
        for mode, pk, fields in combos:
            topic = f"t_{mode}_{pk}"
            unique = mode == "insert" and pk in ("record_key", "record_value")
            produce(self.broker.bootstrap, topic, records[:2] if unique else records)
            self.create(topic, self.sink(topic, insert_mode=mode, pk_mode=pk, pk_fields=fields))
        # insert + none: every record is a row, no primary key
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_insert_none ORDER BY score",
                     [["1", "a", "1"], ["2", "b", "2"], ["1", "a2", "3"]])
        self.assertEqual(self.pk_of("t_insert_none"), [])
        # insert + kafka: the Kafka coordinates are the key columns, listed first
        wait_pg_rows(self.pg, "SELECT __connect_topic, __connect_partition, __connect_offset, id, name FROM "
                              "t_insert_kafka ORDER BY 3",
                     [["t_insert_kafka", "0", "0", "1", "a"], ["t_insert_kafka", "0", "1", "2", "b"],
                      ["t_insert_kafka", "0", "2", "1", "a2"]])
        self.assertEqual(self.pk_of("t_insert_kafka"), [["__connect_topic"], ["__connect_partition"], ["__connect_offset"]])
        cols = pg_rows(self.pg, "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE "
                                "table_name = 't_insert_kafka' ORDER BY ordinal_position")
        self.assertEqual(cols, [["__connect_topic", "text", "NO"], ["__connect_partition", "integer", "NO"],
                                ["__connect_offset", "bigint", "NO"], ["id", "bigint", "NO"], ["name", "text", "YES"],
                                ["score", "integer", "YES"]])
        wait_pg_rows(self.pg, "SELECT id, name FROM t_insert_record_key ORDER BY id", [["1", "a"], ["2", "b"]])
        self.assertEqual(self.pk_of("t_insert_record_key"), [["id"]])
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_insert_record_value ORDER BY id", [["1", "a", "1"], ["2", "b", "2"]])
        self.assertEqual(self.pk_of("t_insert_record_value"), [["id"]])
        # upserts: the last record per key wins, whatever the pk source
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_upsert_record_key ORDER BY id", [["1", "a2", "3"], ["2", "b", "2"]])
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_upsert_record_value ORDER BY id", [["1", "a2", "3"], ["2", "b", "2"]])
        wait_pg_rows(self.pg, "SELECT count(*) FROM t_upsert_kafka", [["3"]])
        # Replaying the topic (a new consumer group) changes nothing: upserts are idempotent.
        self.delete("t_upsert_record_value")
        self.create("t_upsert_record_value-again", self.sink("t_upsert_record_value", insert_mode="upsert",
                                                             pk_mode="record_value", pk_fields="id"))
        self.wait_running("t_upsert_record_value-again")
        time.sleep(2)
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_upsert_record_value ORDER BY id", [["1", "a2", "3"], ["2", "b", "2"]])
        # A plain insert of an existing key is a constraint violation: the task fails, naming the table.
        produce(self.broker.bootstrap, "t_insert_record_key", [rec(1, "dup")])
        trace = self.wait_task_failed("t_insert_record_key")
        self.assertIn('"public"."t_insert_record_key"', trace)
        self.assertIn("duplicate key value violates unique constraint", trace)

    def test_update_mode(self):
        self.pg.psql("CREATE TABLE t_update(id bigint primary key, name text, score int)")
        self.pg.psql("INSERT INTO t_update VALUES (1, 'one', 1), (2, 'two', 2)")
        produce(self.broker.bootstrap, "t_update", [rec(1, "uno", 10), rec(3, "tres", 30), rec(1, "ein", 11)])
        self.create("upd-key", self.sink("t_update", insert_mode="update", pk_mode="record_key", auto_create="false"))
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_update ORDER BY id", [["1", "ein", "11"], ["2", "two", "2"]])
        produce(self.broker.bootstrap, "t_update2", [rec(2, "zwei", 20)])
        self.create("upd-value", self.sink("t_update2", insert_mode="update", pk_mode="record_value", pk_fields="id",
                                           table_name_format="t_update", auto_create="false"))
        wait_pg_rows(self.pg, "SELECT id, name, score FROM t_update ORDER BY id", [["1", "ein", "11"], ["2", "zwei", "20"]])

    def test_tombstone_deletes_the_row(self):
        produce(self.broker.bootstrap, "people", [rec(1, "a"), rec(2, "b"), rec(3, "c")])
        self.create("del", self.sink("people", insert_mode="upsert", pk_mode="record_key", delete_enabled="true"))
        wait_pg_rows(self.pg, "SELECT id, name FROM people ORDER BY id", [["1", "a"], ["2", "b"], ["3", "c"]])
        # delete 2, then delete 3 and re-insert it in the same batch: order is kept
        produce(self.broker.bootstrap, "people", [(connect_json(KEY, {"id": 2}), None), (connect_json(KEY, {"id": 3}), None),
                                                 rec(3, "c-again")])
        wait_pg_rows(self.pg, "SELECT id, name FROM people ORDER BY id", [["1", "a"], ["3", "c-again"]])
        # Without delete.enabled a tombstone fails the task with Confluent's message.
        produce(self.broker.bootstrap, "people2", [rec(1, "a"), (connect_json(KEY, {"id": 1}), None)])
        self.create("nodel", self.sink("people2", insert_mode="upsert", pk_mode="record_key"))
        trace = self.wait_task_failed("nodel")
        self.assertIn("is configured with 'delete.enabled=false' and 'pk.mode=record_key' and therefore requires records "
                      "with a non-null Struct or String value", trace)

    def test_auto_evolve_adds_columns(self):
        v2 = struct_schema("person", [("id", "int64", False), ("name", "string", True), ("email", "string", True),
                                      ("level", "int32", False, {"default": 7})])
        produce(self.broker.bootstrap, "evolving", [rec(1, "a")])
        self.create("evolve", self.sink("evolving", insert_mode="upsert", pk_mode="record_value", pk_fields="id",
                                        auto_evolve="true"))
        wait_pg_rows(self.pg, "SELECT id, name FROM evolving", [["1", "a"]])
        produce(self.broker.bootstrap, "evolving", [(None, connect_json(v2, {"id": 2, "name": "b", "email": "b@x.org",
                                                                             "level": 3}))])
        wait_pg_rows(self.pg, "SELECT id, name, coalesce(email, '-'), level FROM evolving ORDER BY id",
                     [["1", "a", "-", "7"], ["2", "b", "b@x.org", "3"]])
        cols = pg_rows(self.pg, "SELECT column_name, data_type, is_nullable, coalesce(column_default, '') FROM "
                                "information_schema.columns WHERE table_name = 'evolving' ORDER BY ordinal_position")
        self.assertEqual(cols[-2:], [["email", "text", "YES", ""], ["level", "integer", "YES", "7"]])
        self.assertIn('ALTER TABLE "public"."evolving" \nADD "email" TEXT NULL,\nADD "level" INT DEFAULT 7', self.log())
        # auto.evolve=false: a new field fails the task, naming the missing field.
        produce(self.broker.bootstrap, "frozen", [rec(1, "a"), (None, connect_json(v2, {"id": 2, "name": "b",
                                                                                         "email": None, "level": 1}))])
        self.create("frozen", self.sink("frozen", insert_mode="upsert", pk_mode="record_value", pk_fields="id"))
        trace = self.wait_task_failed("frozen")
        self.assertIn('Table "public"."frozen" is missing fields', trace)
        self.assertIn("name='email'", trace)
        self.assertIn("auto-evolution is disabled", trace)

    def test_connect_types_map_to_postgres_columns(self):
        schema = struct_schema("all", [
            ("id", "int32", False), ("i8", "int8", True), ("i16", "int16", True), ("i64", "int64", True),
            ("f32", "float", True), ("f64", "double", True), ("flag", "boolean", True), ("s", "string", True),
            ("by", "bytes", True),
            ("dec", "bytes", True, {"name": "org.apache.kafka.connect.data.Decimal", "version": 1,
                                    "parameters": {"scale": "2"}}),
            ("d", "int32", True, {"name": "org.apache.kafka.connect.data.Date", "version": 1}),
            ("t", "int32", True, {"name": "org.apache.kafka.connect.data.Time", "version": 1}),
            ("ts", "int64", True, {"name": "org.apache.kafka.connect.data.Timestamp", "version": 1}),
            ("us", "int64", True)])
        dec = base64.b64encode((-1234567).to_bytes(4, "big", signed=True)).decode()
        payload = {"id": 1, "i8": -8, "i16": 1600, "i64": 6400000000, "f32": 1.5, "f64": 2.25, "flag": True,
                   "s": "it's \"quoted\"; DROP TABLE x; --", "by": base64.b64encode(b"\x00\xff").decode(), "dec": dec,
                   "d": 19782, "t": 49530250, "ts": 1705314600123, "us": 1705314600123456}
        nulls = {k: None for k in payload}
        nulls["id"] = 2
        produce(self.broker.bootstrap, "alltypes", [(None, connect_json(schema, payload)), (None, connect_json(schema, nulls))])
        self.create("types", self.sink("alltypes", insert_mode="upsert", pk_mode="record_value", pk_fields="id",
                                       timestamp_fields_list="us"))
        wait_pg_rows(self.pg, "SELECT count(*) FROM alltypes", [["2"]])
        cols = pg_rows(self.pg, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
                                "'alltypes' ORDER BY ordinal_position")
        self.assertEqual(cols, [["id", "integer"], ["i8", "smallint"], ["i16", "smallint"], ["i64", "bigint"],
                                ["f32", "real"], ["f64", "double precision"], ["flag", "boolean"], ["s", "text"],
                                ["by", "bytea"], ["dec", "numeric"], ["d", "date"], ["t", "time without time zone"],
                                ["ts", "timestamp without time zone"], ["us", "timestamp without time zone"]])
        row = pg_rows(self.pg, "SELECT i8, i16, i64, f32, f64, flag, s, encode(by, 'hex'), dec, d, t, ts, us FROM alltypes "
                               "WHERE id = 1")[0]
        self.assertEqual(row, ["-8", "1600", "6400000000", "1.5", "2.25", "t", "it's \"quoted\"; DROP TABLE x; --",
                               "00ff", "-12345.67", "2024-02-29", "13:45:30.25", "2024-01-15 10:30:00.123",
                               "2024-01-15 10:30:00.123456"])
        self.assertEqual(pg_rows(self.pg, "SELECT count(*) FROM alltypes WHERE id = 2 AND s IS NULL AND ts IS NULL AND "
                                          "dec IS NULL"), [["1"]])
        # Existing json/jsonb/uuid/timestamptz columns receive strings and instants (Confluent's ?::jsonb casts).
        self.pg.psql("CREATE TABLE special(id int primary key, j json, jb jsonb, u uuid, at timestamptz)")
        s2 = struct_schema("special", [("id", "int32", False), ("j", "string", True), ("jb", "string", True),
                                       ("u", "string", True),
                                       ("at", "int64", True, {"name": "org.apache.kafka.connect.data.Timestamp"})])
        produce(self.broker.bootstrap, "special", [(None, connect_json(s2, {
            "id": 1, "j": '{"a":1}', "jb": '{"b": 2}', "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "at": 1705314600000}))])
        self.create("special", self.sink("special", insert_mode="upsert", pk_mode="record_value", pk_fields="id",
                                         db_timezone="Europe/Moscow"))
        wait_pg_rows(self.pg, "SELECT j::text, jb ->> 'b', u::text, extract(epoch from at)::bigint FROM special",
                     [['{"a":1}', "2", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "1705314600"]])

    def test_quoted_identifiers_cannot_change_the_sql(self):
        self.pg.psql("CREATE TABLE victim(x int)")
        evil = 'a"b; DROP TABLE victim; --'
        schema = struct_schema("e", [("id", "int32", False), (evil, "string", True)])
        produce(self.broker.bootstrap, "evil", [(None, connect_json(schema, {"id": 1, evil: "'); DROP TABLE victim; --"}))])
        self.create("evil", self.sink("evil", insert_mode="upsert", pk_mode="record_value", pk_fields="id",
                                      table_name_format='${topic}"; DROP TABLE victim; --'))
        # The name is parsed as an identifier (the quote opens a quoted part) and quoted back: one table,
        # named by the text, and nothing else happens.
        wait_pg_rows(self.pg, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'evil%'",
                     [["evil; DROP TABLE victim; --"]])
        wait_pg_rows(self.pg, 'SELECT id, "a""b; DROP TABLE victim; --" FROM "evil; DROP TABLE victim; --"',
                     [["1", "'); DROP TABLE victim; --"]])
        self.assertEqual(pg_rows(self.pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'victim'"), [["1"]])

    def test_not_null_violation_is_a_data_error_routed_to_the_dlq(self):
        self.pg.psql("CREATE TABLE strict(id bigint primary key, name text NOT NULL, score int)")
        records = [rec(1, "ok-1"), rec(2, None), rec(3, "ok-3")]
        produce(self.broker.bootstrap, "strict", records)
        self.create("dlq", self.sink("strict", insert_mode="upsert", pk_mode="record_value", pk_fields="id",
                                     errors_tolerance="all", errors_log_enable="true",
                                     errors_deadletterqueue_topic_name="strict-dlq",
                                     errors_deadletterqueue_topic_replication_factor="1",
                                     errors_deadletterqueue_context_headers_enable="true"))
        wait_pg_rows(self.pg, "SELECT id, name FROM strict ORDER BY id", [["1", "ok-1"], ["3", "ok-3"]])
        out = wait_until(lambda: kcat_consume(self.broker.bootstrap, "strict-dlq", fmt="%s\\t%h\\n") or None,
                         what="DLQ record")
        value, headers = out.decode().rstrip("\n").split("\t", 1)
        self.assertEqual(json.loads(value)["payload"]["id"], 2)
        self.assertIn("__connect.errors.offset=1", headers)
        self.assertIn('"public"."strict"', headers)
        self.assertIn('null value in column "name"', headers)
        self.assertEqual(self.status("dlq")["tasks"][0]["state"], "RUNNING")
        # errors.tolerance=none: the same record fails the task with the table and the column.
        produce(self.broker.bootstrap, "strict2", records)
        self.create("nodlq", self.sink("strict2", insert_mode="upsert", pk_mode="record_value", pk_fields="id",
                                       table_name_format="strict"))
        trace = self.wait_task_failed("nodlq")
        self.assertIn('"public"."strict"', trace)
        self.assertIn('null value in column "name"', trace)
        self.assertIn("org.apache.kafka.connect.errors.DataException", trace)

    def test_database_down_for_20_seconds_then_everything_is_delivered(self):
        produce(self.broker.bootstrap, "outage", [rec(i, f"n{i}") for i in range(1, 51)])
        self.create("outage", self.sink("outage", insert_mode="upsert", pk_mode="record_key", retry_backoff_ms="2000"))
        wait_pg_rows(self.pg, "SELECT count(*) FROM outage", [["50"]])
        self.pg.stop()
        produce(self.broker.bootstrap, "outage", [rec(i, f"n{i}") for i in range(51, 201)])
        time.sleep(20)
        self.assertEqual(self.status("outage")["tasks"][0]["state"], "RUNNING")
        self.pg.start()
        wait_pg_rows(self.pg, "SELECT count(*), min(id), max(id) FROM outage", [["200", "1", "200"]], timeout=90)
        # The sink reconnected after waiting connection.backoff.ms between attempts (as Confluent's
        # connection provider does), and, if the outage outlasted those attempts, through the
        # runtime's retries of the same batch.
        log = self.log()
        self.assertIn("Unable to connect to database on attempt 1/3. Will retry in 10000 ms", log)
        self.assertIn("JdbcDbWriter Connected", log.split("Unable to connect to database")[-1])


if __name__ == "__main__":
    unittest.main()
