"""The seed scenario (seeds/000): PostgreSQL table personal_data -> JDBC source (incrementing, then
timestamp+incrementing on last_update) -> topic kafka-connect-personal_data -> JDBC sink (upsert,
pk.mode=record_value, pk.fields=id, auto.create) -> a second database, compared row by row.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import JdbcTestCase, SOURCE, SINK, pg_rows, wait_pg_rows  # noqa: E402

ROWS_SQL = ("SELECT id, bank_bic, coalesce(bank_name, '<null>'), "
            "to_char(date_trunc('milliseconds', last_update), 'YYYY-MM-DD HH24:MI:SS.MS') FROM {} ORDER BY id")


class SeedScenarioTest(JdbcTestCase):

    def test_personal_data_round_trip_between_two_databases(self):
        pg = self.start_pg()
        pg.psql("CREATE DATABASE b")
        pg.psql("CREATE TABLE personal_data(id bigserial primary key, bank_bic varchar, bank_name varchar null, "
                "last_update timestamp)")
        for bic in ("1234567", "1234568", "1234569", "1234510", "1234511"):
            pg.psql(f"INSERT INTO personal_data(bank_bic, last_update) VALUES ('{bic}', now())")
        self.start_pipeline()
        # The article's connector config, word for word (JSON instead of Avro converters).
        source = {
            "connector.class": SOURCE,
            "tasks.max": 1,
            "connection.url": f"jdbc:postgresql://127.0.0.1:{pg.port}/postgres?user=postgres&password=pgpass",
            "table.whitelist": "personal_data",
            "mode": "incrementing",
            "incrementing.column.name": "id",
            "topic.prefix": "kafka-connect-",
            "poll.interval.ms": 1000,
        }
        self.create("kafka-connector", source)
        self.wait_running("kafka-connector")
        values = self.values("kafka-connect-personal_data", 5)
        self.assertEqual(len(values), 5)
        first = values[0]
        # Schema as the article's registry shows it: struct "personal_data", id required int64, the
        # rest optional, last_update a Connect Timestamp.
        schema = first["schema"]
        self.assertEqual(schema["name"], "personal_data")
        self.assertEqual([(f["field"], f["type"], f["optional"]) for f in schema["fields"]],
                         [("id", "int64", False), ("bank_bic", "string", True), ("bank_name", "string", True),
                          ("last_update", "int64", True)])
        self.assertEqual(schema["fields"][3]["name"], "org.apache.kafka.connect.data.Timestamp")
        self.assertEqual([v["payload"]["id"] for v in values], [1, 2, 3, 4, 5])
        self.assertEqual(values[0]["payload"]["bank_bic"], "1234567")
        self.assertIsNone(values[0]["payload"]["bank_name"])
        self.assertIsInstance(values[0]["payload"]["last_update"], int)

        sink = {
            "connector.class": SINK,
            "tasks.max": 1,
            "topics": "kafka-connect-personal_data",
            "connection.url": f"jdbc:postgresql://127.0.0.1:{pg.port}/b",
            "connection.user": "postgres",
            "insert.mode": "upsert",
            "pk.mode": "record_value",
            "pk.fields": "id",
            "auto.create": "true",
        }
        self.create("sink", sink)
        self.wait_running("sink")
        src_rows = pg_rows(pg, ROWS_SQL.format("personal_data"))
        self.assertEqual(len(src_rows), 5)
        wait_pg_rows(pg, ROWS_SQL.format('"kafka-connect-personal_data"'), src_rows, db="b")
        # The table was created with Confluent's DDL: id BIGINT NOT NULL primary key, the others nullable.
        cols = pg_rows(pg, "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                           "WHERE table_name = 'kafka-connect-personal_data' ORDER BY ordinal_position", db="b")
        self.assertEqual(cols, [["id", "bigint", "NO"], ["bank_bic", "text", "YES"], ["bank_name", "text", "YES"],
                                ["last_update", "timestamp without time zone", "YES"]])

        # Second part of the article: timestamp+incrementing on last_update picks up updates too. The
        # article's last_update is nullable, which Confluent (and Ferry) refuse by default ...
        ts_inc = dict(source, **{"mode": "timestamp+incrementing", "timestamp.column.name": "last_update"})
        self.put_config("kafka-connector", ts_inc)
        trace = self.wait_task_failed("kafka-connector")
        self.assertIn("Cannot make incremental queries using timestamp columns last_update on "
                      "\"public\".\"personal_data\" because all of these columns are nullable.", trace)
        # ... until validate.non.null=false says the column is always set.
        self.put_config("kafka-connector", dict(ts_inc, **{"validate.non.null": "false"}))
        self.wait_running("kafka-connector")
        pg.psql("INSERT INTO personal_data(bank_bic, last_update) VALUES ('7777777', now()), ('8888888', now())")
        pg.psql("UPDATE personal_data SET bank_name = 'Sber', last_update = now() WHERE id IN (2, 4)")
        expected = pg_rows(pg, ROWS_SQL.format("personal_data"))
        self.assertEqual(len(expected), 7)
        self.assertEqual(expected[1][2], "Sber")
        wait_pg_rows(pg, ROWS_SQL.format('"kafka-connect-personal_data"'), expected, db="b")
        status = self.status("kafka-connector")
        self.assertEqual(status["type"], "source")
        self.assertNotIn("pgpass", self.log())


if __name__ == "__main__":
    unittest.main()
