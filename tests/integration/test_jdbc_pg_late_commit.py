"""The late-commit guard of the JDBC source on PostgreSQL (timestamp modes): rows stamped by a
long transaction that commits after rows with later timestamps are not skipped; next to it a
connector with the guard off loses them as Confluent's does. Also: timestamp+incrementing with
ordinary roles (pg_read_all_stats needed to see other users' transactions) and a column coarser
than the clock (timestamp(0))."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import JdbcTestCase, SOURCE, end_offset, http, wait_until  # noqa: E402


class PgLateCommitTest(JdbcTestCase):

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

    def test_late_committing_transaction_is_not_missed(self):
        self.pg.psql("CREATE TABLE events(id serial primary key, name text, ts timestamptz not null default now())")
        self.create("guarded", self.source(mode="timestamp", timestamp_column_name="ts", table_whitelist="events",
                                           topic_prefix="guarded-"))
        self.create("plain", self.source(mode="timestamp", timestamp_column_name="ts", table_whitelist="events",
                                         topic_prefix="plain-", timestamp_late_commit_guard="false"))
        self.wait_running("guarded")
        self.wait_running("plain")
        # A long transaction takes its timestamp (now() = its start) and commits later ...
        late = subprocess.Popen(["psql", "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", "-q", "-v",
                                 "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(lambda: late.poll() is None and late.kill())
        late.stdin.write("BEGIN;\nINSERT INTO events(name) VALUES ('late');\n")
        late.stdin.flush()
        wait_until(lambda: self.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")
                   .strip() == "1", what="open transaction")
        time.sleep(0.5)
        # ... while others commit rows with later timestamps.
        self.pg.psql("INSERT INTO events(name) VALUES ('after-1')")
        self.pg.psql("INSERT INTO events(name) VALUES ('after-2')")
        # Confluent's bound (DB time) moves past the open transaction's timestamp:
        plain = self.payloads("plain-events", 2)
        self.assertEqual([v["name"] for v in plain], ["after-1", "after-2"])
        # Ferry's guard holds the bound at the start of the open transaction:
        time.sleep(2)
        self.assertEqual(self.end_offset("guarded-events"), 0)
        late.stdin.write("COMMIT;\n\\q\n")
        late.stdin.close()
        late.wait(timeout=30)
        guarded = self.payloads("guarded-events", 3)
        self.assertEqual([v["name"] for v in guarded], ["late", "after-1", "after-2"])
        time.sleep(2)
        # Without the guard the late row is lost for good.
        self.assertEqual([v["name"] for v in self.payloads("plain-events")], ["after-1", "after-2"])

    def end_offset(self, topic):
        return end_offset(self.broker.bootstrap, topic)

    def open_transaction(self, user, app, sql):
        """A psql session (as `user`, application_name `app`) that runs BEGIN; sql and stays open."""
        env = dict(os.environ, PGAPPNAME=app)
        p = subprocess.Popen(["psql", "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", user, "-d", "postgres", "-q",
                              "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, text=True, env=env)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        p.stdin.write(f"BEGIN;\n{sql};\n")
        p.stdin.flush()
        wait_until(lambda: self.pg.psql(f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}' AND "
                                        "state = 'idle in transaction'").strip() == "1", what=f"open transaction {app}")
        return p

    def finish(self, p, command="COMMIT"):
        p.stdin.write(f"{command};\n\\q\n")
        p.stdin.close()
        p.wait(timeout=30)

    def test_late_commit_guard_in_timestamp_incrementing_mode_sees_other_users_with_pg_read_all_stats(self):
        # The writer and the connectors' users are ordinary roles. pg_stat_activity shows other
        # users' xact_start only to superusers and members of pg_read_all_stats: the guard of a
        # connector without it cannot see the writer's transaction (and says so at start).
        self.pg.psql("CREATE TABLE orders(id serial primary key, name text, ts timestamp not null default now())")
        self.pg.psql("CREATE ROLE writer LOGIN; CREATE ROLE monitor LOGIN; CREATE ROLE blind LOGIN; "
                     "GRANT pg_read_all_stats TO monitor; GRANT SELECT ON orders TO monitor, blind; "
                     "GRANT INSERT ON orders TO writer; GRANT USAGE ON SEQUENCE orders_id_seq TO writer")
        for name in ("monitor", "blind"):
            self.create(name, self.source(mode="timestamp+incrementing", timestamp_column_name="ts",
                                          incrementing_column_name="id", table_whitelist="orders",
                                          topic_prefix=f"{name}-", connection_user=name))
            self.wait_running(name)
        late = self.open_transaction("writer", "late-writer", "INSERT INTO orders(name) VALUES ('late')")
        time.sleep(0.2)
        self.pg.psql("INSERT INTO orders(name) VALUES ('after-1')")
        self.pg.psql("INSERT INTO orders(name) VALUES ('after-2')")
        self.assertEqual([v["name"] for v in self.payloads("blind-orders", 2)], ["after-1", "after-2"])
        time.sleep(2)
        self.assertEqual(self.end_offset("monitor-orders"), 0)
        self.finish(late)
        rows = self.payloads("monitor-orders", 3)
        self.assertEqual([(v["id"], v["name"]) for v in rows], [(1, "late"), (2, "after-1"), (3, "after-2")])
        offsets = self.wait_offsets("monitor", lambda o: o and o[0]["offset"].get("incrementing") == 3)
        self.assertEqual(offsets[0]["partition"], {"protocol": "1", "table": "public.orders"})
        self.assertEqual(offsets[0]["offset"]["timestamp"], rows[2]["ts"])
        time.sleep(1.5)
        self.assertEqual(len(self.payloads("monitor-orders")), 3)
        self.assertEqual([v["name"] for v in self.payloads("blind-orders")], ["after-1", "after-2"])
        log = self.log()
        self.assertIn("[blind] The late-commit guard cannot see other users' transactions: grant pg_read_all_stats", log)
        self.assertNotIn("[monitor] The late-commit guard cannot see", log)

    def test_late_commit_guard_holds_a_second_below_for_columns_coarser_than_the_clock(self):
        # timestamp(0) stores now() rounded to the second: a transaction that began at S.3 stamps
        # its row S, before its own start. A row committed meanwhile with timestamp S must not
        # move the offset to S, or the late row (also S) is skipped for good.
        self.pg.psql("CREATE TABLE ticks(id serial primary key, name text, ts timestamp(0) not null default now())")
        self.create("guarded", self.source(mode="timestamp", timestamp_column_name="ts", table_whitelist="ticks",
                                           topic_prefix="guarded-"))
        self.create("plain", self.source(mode="timestamp", timestamp_column_name="ts", table_whitelist="ticks",
                                         topic_prefix="plain-", timestamp_late_commit_guard="false"))
        self.wait_running("guarded")
        self.wait_running("plain")
        frac_sql = ("SELECT (extract(microseconds FROM xact_start)::int % 1000000) FROM pg_stat_activity "
                    "WHERE application_name = 'late-tick'")
        for _ in range(20):
            time.sleep(1.05 - time.time() % 1)  # start early in a second, so that now() rounds down
            late = self.open_transaction("postgres", "late-tick", "INSERT INTO ticks(name) VALUES ('late')")
            if int(self.pg.psql(frac_sql).strip()) < 450000:
                break
            self.finish(late, "ROLLBACK")
        else:
            self.fail("could not open a transaction in the first half of a second")
        second = self.pg.psql("SELECT to_char(date_trunc('second', xact_start)::timestamp, 'YYYY-MM-DD HH24:MI:SS') "
                              "FROM pg_stat_activity WHERE application_name = 'late-tick'").strip()
        self.pg.psql(f"INSERT INTO ticks(name, ts) VALUES ('same-second', '{second}')")
        self.assertEqual([v["name"] for v in self.payloads("plain-ticks", 1)], ["same-second"])
        time.sleep(2)
        self.assertEqual(self.end_offset("guarded-ticks"), 0)
        self.finish(late)
        self.assertEqual(sorted(v["name"] for v in self.payloads("guarded-ticks", 2)), ["late", "same-second"])
        time.sleep(2)
        self.assertEqual([v["name"] for v in self.payloads("plain-ticks")], ["same-second"])
        self.assertEqual(len(self.payloads("guarded-ticks")), 2)


if __name__ == "__main__":
    unittest.main()
