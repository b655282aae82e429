"""Bad input to the JDBC connectors: wrong passwords, missing tables, unsupported URLs, a database
that is not there. Each gets a clear error, and secrets never reach the log."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, SOURCE, connect_json, http, produce, struct_schema,  # noqa: E402
                               wait_pg_rows, free_port)

SECRET = "s3cr3t-Pa55word"


class JdbcBadInputTest(JdbcTestCase):

    def test_wrong_password_fails_with_a_clear_message_and_the_password_is_never_logged(self):
        pg = self.start_pg()
        pg.add_password_user("app", "right-password")
        self.start_pipeline()
        self.create("src", {"connector.class": SOURCE, "connection.url": pg.jdbc_url(), "connection.user": "app",
                            "connection.password": SECRET, "mode": "bulk", "topic.prefix": "x-"})
        trace = self.wait_task_failed("src")
        self.assertIn('password authentication failed for user "app"', trace)
        self.assertIn(f"127.0.0.1:{pg.port}/postgres as user 'app'", trace)
        self.assertEqual(self.status("src")["connector"]["state"], "FAILED")
        # In the URL, as the seed article writes it: same outcome.
        url = f"jdbc:postgresql://127.0.0.1:{pg.port}/postgres?user=app&password={SECRET}"
        self.create("src-url", {"connector.class": SOURCE, "connection.url": url, "mode": "bulk", "topic.prefix": "y-"})
        trace = self.wait_task_failed("src-url")
        self.assertIn('password authentication failed for user "app"', trace)
        self.assertNotIn(SECRET, trace)
        # A sink fails its task on the first write instead of retrying a wrong password.
        schema = struct_schema("v", [("id", "int32", False)])
        produce(self.broker.bootstrap, "pw", [(None, connect_json(schema, {"id": 1}))])
        self.create("sink", {"connector.class": SINK, "topics": "pw", "connection.url": pg.jdbc_url(),
                             "connection.user": "app", "connection.password": SECRET, "auto.create": "true"})
        trace = self.wait_task_failed("sink")
        self.assertIn('password authentication failed for user "app"', trace)
        self.assertNotIn(SECRET, self.log())
        # The right password works.
        self.put_config("sink", {"connector.class": SINK, "topics": "pw", "connection.url": pg.jdbc_url(),
                                 "connection.user": "app", "connection.password": "right-password", "auto.create": "true"})
        self.wait_running("sink")
        wait_pg_rows(pg, "SELECT id FROM pw", [["1"]])
        self.assertNotIn(SECRET, self.log())
        self.assertNotIn("right-password", self.log())

    def test_missing_table(self):
        pg = self.start_pg()
        self.start_pipeline()
        self.create("src", {"connector.class": SOURCE, "connection.url": pg.jdbc_url(), "connection.user": "postgres",
                            "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": "nope",
                            "topic.prefix": "m-", "table.poll.interval.ms": "1000", "poll.interval.ms": "300"})
        trace = self.wait_task_failed("src")
        self.assertIn("Task is being killed because it was not assigned a table nor a query to execute", trace)
        self.assertIn("table.whitelist: nope", trace)
        # Once the table exists the connector reconfigures its task and runs.
        pg.psql("CREATE TABLE nope(id serial primary key, v text)")
        pg.psql("INSERT INTO nope(v) VALUES ('here')")
        self.wait_running("src")
        self.assertEqual([p["v"] for p in self.payloads("m-nope", 1)], ["here"])
        # Sink without auto.create: Confluent's message.
        schema = struct_schema("v", [("id", "int32", False)])
        produce(self.broker.bootstrap, "absent", [(None, connect_json(schema, {"id": 1}))])
        self.create("sink", {"connector.class": SINK, "topics": "absent", "connection.url": pg.jdbc_url(),
                             "connection.user": "postgres"})
        trace = self.wait_task_failed("sink")
        self.assertIn('Table "public"."absent" is missing and auto-creation is disabled', trace)

    def test_incrementing_mode_without_an_auto_increment_column_names_the_table(self):
        # Confluent would re-read such a table in full on every poll (docs/connectors/jdbc.md,
        # differences): Ferry fails the task and says which table and what to set.
        pg = self.start_pg()
        pg.psql('CREATE TABLE "MixedCase"(id int primary key, val text); INSERT INTO "MixedCase" VALUES (1, \'x\')')
        self.start_pipeline()
        self.create("src", {"connector.class": SOURCE, "connection.url": pg.jdbc_url(), "connection.user": "postgres",
                            "mode": "incrementing", "table.whitelist": "MixedCase", "topic.prefix": "inc-"})
        trace = self.wait_task_failed("src")
        self.assertIn('Cannot find an auto-incrementing column in "public"."MixedCase" and incrementing.column.name is '
                      'not set', trace)

    def test_unsupported_url_scheme_is_rejected_by_validation(self):
        self.start_pipeline()
        url = f"jdbc:oracle:thin:@db.example.com:1521:orcl?password={SECRET}"
        for cls, extra in ((SOURCE, {"mode": "bulk"}), (SINK, {"topics": "t"})):
            status, body = http("POST", self.worker.url + "/connectors",
                                {"name": "o", "config": dict({"connector.class": cls, "connection.url": url}, **extra)})
            self.assertEqual(status, 400, body)
            self.assertIn("No suitable driver found for jdbc:oracle", body["message"])
            self.assertIn("jdbc:postgresql://", body["message"])
            self.assertNotIn(SECRET, body["message"])
        status, body = http("PUT", self.worker.url + f"/connector-plugins/{SOURCE}/config/validate",
                            {"connector.class": SOURCE, "connection.url": "postgresql://host/db", "mode": "bulk"})
        self.assertEqual(status, 200, body)
        errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"]["errors"]}
        self.assertIn("connection.url", errors)
        self.assertIn("it must start with 'jdbc:'", errors["connection.url"][0])
        self.assertNotIn(SECRET, self.log())

    def test_database_not_reachable_fails_after_the_configured_attempts(self):
        self.start_pipeline()
        port = free_port()
        self.create("src", {"connector.class": SOURCE, "connection.url": f"jdbc:postgresql://127.0.0.1:{port}/db",
                            "mode": "bulk", "connection.attempts": "2", "connection.backoff.ms": "200",
                            "topic.prefix": "z-"})
        trace = self.wait_task_failed("src")
        self.assertIn(f"Couldn't connect to PostgreSQL at 127.0.0.1:{port}/db", trace)
        self.assertIn("Unable to connect to database on attempt 1/2. Will retry in 200 ms.", self.log())

    def test_mariadb_wrong_password_and_missing_tables(self):
        db = self.start_mariadb()
        db.sql("CREATE DATABASE shop")
        self.start_pipeline()
        url = f"jdbc:mariadb://127.0.0.1:{db.port}/shop"
        self.create("src", {"connector.class": SOURCE, "connection.url": url, "connection.user": db.user,
                            "connection.password": SECRET, "mode": "bulk", "topic.prefix": "x-"})
        trace = self.wait_task_failed("src")
        self.assertIn(f"Couldn't connect to MariaDB/MySQL at 127.0.0.1:{db.port}/shop as user 'ferry'", trace)
        self.assertIn("Access denied for user 'ferry'", trace)
        self.assertNotIn(SECRET, trace)
        self.create("src-url", {"connector.class": SOURCE, "connection.url": f"{url}?user=ferry&password={SECRET}",
                                "mode": "bulk", "topic.prefix": "y-"})
        trace = self.wait_task_failed("src-url")
        self.assertIn("Access denied for user 'ferry'", trace)
        self.assertNotIn(SECRET, trace)
        schema = struct_schema("v", [("id", "int32", False)])
        produce(self.broker.bootstrap, "absent", [(None, connect_json(schema, {"id": 1}))])
        self.create("sink", {"connector.class": SINK, "topics": "absent", "connection.url": url,
                             "connection.user": db.user, "connection.password": SECRET})
        trace = self.wait_task_failed("sink")
        self.assertIn("Access denied for user 'ferry'", trace)
        # With the right password the missing table is the problem: Confluent's message.
        self.put_config("sink", {"connector.class": SINK, "topics": "absent", "connection.url": url,
                                 "connection.user": db.user, "connection.password": db.password})
        trace = self.wait_task_failed("sink")
        self.assertIn("Table `shop`.`absent` is missing and auto-creation is disabled", trace)
        self.create("src-missing", {"connector.class": SOURCE, "connection.url": url, "connection.user": db.user,
                                    "connection.password": db.password, "mode": "incrementing",
                                    "table.whitelist": "nope", "topic.prefix": "m-"})
        trace = self.wait_task_failed("src-missing")
        self.assertIn("Task is being killed because it was not assigned a table nor a query to execute", trace)
        log = self.log()
        self.assertNotIn(SECRET, log)
        self.assertNotIn(db.password, log)

    def test_sqlite_file_that_cannot_be_opened_and_missing_table(self):
        self.start_pipeline()
        bad = self.path("no-such-dir", "x.db")
        self.create("src", {"connector.class": SOURCE, "connection.url": f"jdbc:sqlite:{bad}", "mode": "bulk",
                            "topic.prefix": "x-", "connection.attempts": "1"})
        trace = self.wait_task_failed("src")
        self.assertIn(f"Couldn't open SQLite database {bad}", trace)
        self.assertIn("unable to open database file", trace)
        path = self.path("empty.db")
        schema = struct_schema("v", [("id", "int32", False)])
        produce(self.broker.bootstrap, "missing", [(None, connect_json(schema, {"id": 1}))])
        self.create("sink", {"connector.class": SINK, "topics": "missing", "connection.url": f"jdbc:sqlite:{path}"})
        trace = self.wait_task_failed("sink")
        self.assertIn("Table `missing` is missing and auto-creation is disabled", trace)


if __name__ == "__main__":
    unittest.main()
