"""The PostgreSQL sink's fast path, observed from the server's statement log: every batch is one
transaction of binary COPYs, never one statement per record. Inserts and upserts first COPY
straight into the table under a savepoint; when that fails (a key exists) they go through a temp
staging table plus one set-based statement from it (INSERT ... SELECT ... ON CONFLICT DO UPDATE),
as updates (UPDATE ... FROM) and deletes (DELETE ... USING) always do. The last record of a key
wins within a batch; big batches; a batch the table rejects leaves none of its rows behind."""
import hashlib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_jdbc_support import (JdbcTestCase, SINK, connect_json, pg_rows, produce, struct_schema,  # noqa: E402
                               wait_pg_rows, wait_until)

KEY = struct_schema(None, [("id", "int64", False)])
VALUE = struct_schema("item", [("id", "int64", False), ("name", "string", True), ("qty", "int32", True)])


def rec(i, name, qty=None):
    return (connect_json(KEY, {"id": i}), connect_json(VALUE, {"id": i, "name": name, "qty": qty}))


def tombstone(i):
    return (connect_json(KEY, {"id": i}), None)


# log_line_prefix '%p|%v|': backend PID and virtual transaction id on every statement line.
STATEMENT = re.compile(r"^(\d+)\|([^|]*)\|\S*\s*LOG:\s+statement: (.*)$")


class PgCopyTest(JdbcTestCase):

    def setUp(self):
        super().setUp()
        self.pg = self.start_pg(extra_conf={"log_statement": "'all'", "log_line_prefix": "'%p|%v|'"})
        # Big puts: up to 5000 records and 32 MiB per partition and fetch.
        self.start_pipeline(consumer__max__poll__records="5000", consumer__max__partition__fetch__bytes="33554432",
                            consumer__fetch__max__bytes="67108864")

    def sink(self, topic, **kw):
        cfg = {"connector.class": SINK, "tasks.max": "1", "topics": topic, "connection.url": self.pg.jdbc_url(),
               "connection.user": "postgres", "auto.create": "true", "insert.mode": "upsert",
               "pk.mode": "record_key", "batch.size": "5000"}
        cfg.update({k.replace("_", "."): str(v) for k, v in kw.items()})
        return cfg

    def statements(self):
        """(pid, vxid, statement) of every statement the server logged (multi-line ones cut to their first line)."""
        with open(self.pg.log_path, errors="replace") as f:
            return [m.groups() for m in (STATEMENT.match(line.rstrip("\n")) for line in f) if m]

    def writes_to(self, table, stmts):
        """The statements of the transactions that touched `table`, grouped per transaction."""
        txns = {}
        for pid, vxid, sql in stmts:
            txns.setdefault((pid, vxid), []).append(sql)
        return [s for s in txns.values() if any(f'"public"."{table}"' in x and not x.startswith("CREATE TABLE")
                                                for x in s)]

    def test_upserts_and_deletes_go_through_binary_copy_and_one_statement_per_batch(self):
        n = 4000
        produce(self.broker.bootstrap, "items", [rec(i, f"n{i}", i) for i in range(1, n + 1)] +
                [rec(i, f"v2-{i}", -i) for i in range(1, 1001)])
        self.create("items", self.sink("items", delete_enabled="true"))
        wait_pg_rows(self.pg, "SELECT count(*), sum(qty) FROM items", [[str(n), str(sum(range(1001, n + 1)) -
                                                                               sum(range(1, 1001)))]])
        self.assertEqual(pg_rows(self.pg, "SELECT id, name, qty FROM items WHERE id IN (1, 1000, 1001) ORDER BY id"),
                         [["1", "v2-1", "-1"], ["1000", "v2-1000", "-1000"], ["1001", "n1001", "1001"]])
        # Tombstones, a re-insert after a tombstone and an update after an upsert, in one batch.
        produce(self.broker.bootstrap, "items", [tombstone(i) for i in range(1, 501)] +
                [rec(7, "back"), rec(2000, "x"), rec(2000, "y", 5)])
        wait_pg_rows(self.pg, "SELECT count(*), min(id) FROM items", [[str(n - 499), "7"]])
        self.assertEqual(pg_rows(self.pg, "SELECT id, name, qty FROM items WHERE id IN (7, 2000) ORDER BY id"),
                         [["7", "back", ""], ["2000", "y", "5"]])

        txns = self.writes_to("items", self.statements())
        self.assertTrue(txns)
        copies = directs = fallbacks = upserts = deletes = 0
        direct_copy = 'COPY "public"."items" ("id","name","qty") FROM STDIN (FORMAT binary)'
        for t in txns:
            body = [s for s in t if s not in ("BEGIN", "COMMIT") and not s.startswith("CREATE TEMP TABLE")]
            # every write transaction is BEGIN, [CREATE TEMP TABLE the stage once per session], then
            # per write: SAVEPOINT + COPY into the table, or [SAVEPOINT + that COPY + ROLLBACK TO
            # SAVEPOINT] + COPY into the stage + one statement from it; COMMIT
            self.assertEqual((t[0], t[-1]), ("BEGIN", "COMMIT"), t)
            i = 0
            while i < len(body):
                if body[i] == "SAVEPOINT ferry_direct":
                    self.assertEqual(body[i + 1], direct_copy, t)
                    copies += 1
                    if i + 2 < len(body) and body[i + 2] == "ROLLBACK TO SAVEPOINT ferry_direct":
                        fallbacks += 1
                        i += 3
                    else:
                        directs += 1
                        i += 2
                        continue
                copy, apply = body[i], body[i + 1]
                i += 2
                m = re.match(r'COPY "(ferry_stage_\d+)" \(.*\) FROM STDIN \(FORMAT binary\)$', copy)
                self.assertTrue(m, t)
                stage = m.group(1)
                copies += 1
                if apply.startswith("INSERT"):
                    upserts += 1
                    self.assertRegex(apply, rf'^INSERT INTO "public"\."items" \("id","name","qty"\) SELECT '
                                            rf'"{stage}"\."id","{stage}"\."name","{stage}"\."qty" FROM "{stage}" '
                                            rf'ON CONFLICT \("id"\) DO UPDATE SET "name"=EXCLUDED\."name",'
                                            rf'"qty"=EXCLUDED\."qty"; TRUNCATE "{stage}"$')
                else:
                    deletes += 1
                    self.assertEqual(apply, f'DELETE FROM "public"."items" USING "{stage}" WHERE '
                                            f'"public"."items"."id" = "{stage}"."id"; TRUNCATE "{stage}"')
        # The first 4000 keys are new (a direct COPY); 2000 was there when "x"/"y" came (the stage).
        self.assertGreaterEqual(directs, 1)
        self.assertGreaterEqual(upserts, 1)
        self.assertGreaterEqual(deletes, 1)
        # 5503 records, at most 5000 per put: a handful of COPYs, nothing per record.
        self.assertLessEqual(copies, 40, f"{copies} COPY statements for 5503 records")
        stmts = [s for _, _, s in self.statements()]
        self.assertFalse([s for s in stmts if "VALUES" in s and '"items"' in s])
        self.assertEqual(len([s for s in stmts if s.startswith('CREATE TEMP TABLE IF NOT EXISTS "ferry_stage_')]), 1)

    def test_update_mode_and_batches_bigger_than_the_copy_buffer(self):
        # 600 records of 20 KB = 12 MB in one or two puts, each written with one COPY.
        big = lambda i, tag: (tag * 2000 + str(i))[:20000]  # noqa: E731
        produce(self.broker.bootstrap, "docs", [rec(i, big(i, "abcdefghij"), i) for i in range(1, 601)])
        self.create("docs", self.sink("docs"))
        wait_pg_rows(self.pg, "SELECT count(*) FROM docs", [["600"]])
        copies = [s for t in self.writes_to("docs", self.statements()) for s in t if s.startswith("COPY")]
        self.assertLessEqual(len(copies), 2, copies)
        want = hashlib.md5("".join(big(i, "abcdefghij") for i in range(1, 601)).encode()).hexdigest()
        self.assertEqual(pg_rows(self.pg, "SELECT md5(string_agg(name, '' ORDER BY id)), sum(length(name)) FROM docs"),
                         [[want, str(sum(len(big(i, "abcdefghij")) for i in range(1, 601)))]])
        # update mode through the stage: existing keys change, unknown keys change nothing
        produce(self.broker.bootstrap, "docs-upd", [rec(i, big(i, "ZYXWVUTSRQ"), -i) for i in range(301, 901)])
        self.create("docs-upd", self.sink("docs-upd", insert_mode="update", table_name_format="docs",
                                          auto_create="false"))
        wait_pg_rows(self.pg, "SELECT count(*), count(*) FILTER (WHERE qty < 0), min(qty) FROM docs",
                     [["600", "300", "-600"]])
        self.assertEqual(pg_rows(self.pg, "SELECT left(name, 3) FROM docs WHERE id IN (300, 301) ORDER BY id"),
                         [["abc"], ["ZYX"]])
        updates = [s for t in self.writes_to("docs", self.statements()) for s in t if s.startswith("UPDATE")]
        self.assertTrue(updates)
        self.assertTrue(all(re.match(r'UPDATE "public"\."docs" SET "name" = "ferry_stage_\d+"\."name", "qty" = '
                                     r'"ferry_stage_\d+"\."qty" FROM "ferry_stage_\d+" WHERE "public"\."docs"\."id" = '
                                     r'"ferry_stage_\d+"\."id"; TRUNCATE "ferry_stage_\d+"$', u) for u in updates),
                        updates)

    def test_a_batch_the_table_rejects_leaves_none_of_its_rows(self):
        self.pg.psql("CREATE TABLE strict(id bigint primary key, name text NOT NULL, qty int CHECK (qty >= 0))")
        produce(self.broker.bootstrap, "strict", [rec(i, f"n{i}", i) for i in range(1, 3001)])
        self.create("strict", self.sink("strict"))
        wait_pg_rows(self.pg, "SELECT count(*) FROM strict", [["3000"]])
        # One bad record in the middle of the next batch: the task fails, the whole batch is rolled
        # back (the stage's COPY included), the rows before it stay as they were.
        produce(self.broker.bootstrap, "strict", [rec(i, f"new{i}", i) for i in range(1, 1001)] + [rec(5000, "bad", -1)] +
                [rec(i, f"new{i}", i) for i in range(1001, 2001)])
        trace = self.wait_task_failed("strict")
        self.assertIn('"public"."strict"', trace)
        self.assertIn('violates check constraint "strict_qty_check"', trace)
        rows = pg_rows(self.pg, "SELECT count(*), count(*) FILTER (WHERE name LIKE 'new%'), count(*) FILTER "
                                "(WHERE id = 5000) FROM strict")
        self.assertEqual(rows[0][0], "3000")
        self.assertEqual(rows[0][2], "0")
        # Whatever was committed before the failing batch is a prefix of the topic, in order.
        changed = [int(r[0]) for r in pg_rows(self.pg, "SELECT id FROM strict WHERE name LIKE 'new%' ORDER BY id")]
        self.assertEqual(changed, list(range(1, len(changed) + 1)))
        self.assertLess(len(changed), 1001)
        wait_until(lambda: any("ROLLBACK" == s for _, _, s in self.statements()), what="ROLLBACK in the log")


if __name__ == "__main__":
    unittest.main()
