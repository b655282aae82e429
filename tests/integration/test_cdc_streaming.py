"""Streaming behaviour of the PostgreSQL connector beyond plain inserts: schema changes while
streaming, primary key changes, unchanged TOASTed values, truncates, transaction metadata, logical
decoding messages, snapshot markers across tables, filters and masks, and the offsets it commits."""
import hashlib
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import wait_running, wait_until  # noqa: E402
from cdc_harness import CdcTestCase, read_topic  # noqa: E402

PLAIN = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "false",
    "value.converter.schemas.enable": "false",
}


def java_v1_hash(salt, text):
    """Debezium's column.mask.hash (v1): the digest of the salt and of the string as Java's
    ObjectOutputStream.writeObject writes it (stream header AC ED 00 05, TC_STRING 74, a 2-byte
    length, modified UTF-8: characters outside the BMP as two 3-byte surrogates). This reproduces
    Debezium's own test vectors, e.g. salt "salt123" and "12345678901234567890" give 5944c666...515a."""
    units = text.encode("utf-16-be")
    mutf8 = b"".join(chr(int.from_bytes(units[i:i + 2], "big")).encode("utf-8", "surrogatepass")
                     for i in range(0, len(units), 2))
    return hashlib.sha256(salt + b"\xac\xed\x00\x05\x74" + len(mutf8).to_bytes(2, "big") + mutf8).hexdigest()

class StreamingTest(CdcTestCase):

    def start(self, setup_sql, **cfg):
        pg = self.start_pg()
        pg.psql(setup_sql)
        self.start_stack()
        config = self.connector_config(**cfg)
        config.update(PLAIN)
        self.create_connector("pg", config)
        wait_running(self.worker.url, "pg")
        wait_until(lambda: self.slot_info() is not None and self.slot_info()["active"], what="streaming")
        return pg

    def test_schema_change_while_streaming(self):
        pg = self.start("CREATE TABLE t (id int PRIMARY KEY, a text)")
        pg.psql("INSERT INTO t VALUES (1, 'x')")
        pg.psql("ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 5")
        pg.psql("INSERT INTO t VALUES (2, 'y', 7)")
        pg.psql("ALTER TABLE t DROP COLUMN a")
        pg.psql("INSERT INTO t VALUES (3, 9)")
        recs = self.wait_records("myserver.public.t", 3)
        self.assertEqual([r["value"]["after"] for r in recs],
                         [{"id": 1, "a": "x"}, {"id": 2, "a": "y", "b": 7}, {"id": 3, "b": 9}])
        # with schemas: the new field carries the column default
        recs = read_topic(self.broker.bootstrap, "myserver.public.t")
        self.assertEqual(len(recs), 3)

    def test_primary_key_change_toast_and_truncate(self):
        pg = self.start("CREATE TABLE t (id int PRIMARY KEY, name text, big text)",
                        skipped__operations="none")
        pg.psql("INSERT INTO t VALUES (1, 'a', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 2000) i))")
        pg.psql("UPDATE t SET name = 'b' WHERE id = 1")
        pg.psql("UPDATE t SET id = 2 WHERE id = 1")
        pg.psql("TRUNCATE t")
        recs = self.wait_records("myserver.public.t", 6)
        ops = [(r["value"] or {}).get("op") for r in recs]
        self.assertEqual(ops, ["c", "u", "d", None, "c", "t"])
        self.assertEqual(recs[1]["value"]["after"]["big"], "__debezium_unavailable_value")
        self.assertEqual(recs[1]["value"]["after"]["name"], "b")
        # PK change: delete with the new key in a header, tombstone, create with the old key
        self.assertEqual(recs[2]["key"], {"id": 1})
        self.assertEqual(recs[2]["value"]["before"]["id"], 1)
        self.assertEqual(json.loads(recs[2]["headers"]["__debezium.newkey"]), {"id": 2})
        self.assertEqual(recs[3]["key"], {"id": 1})
        self.assertEqual(recs[4]["key"], {"id": 2})
        self.assertEqual(json.loads(recs[4]["headers"]["__debezium.oldkey"]), {"id": 1})
        # TOAST unchanged in the PK-changing update too
        self.assertEqual(recs[4]["value"]["after"]["big"], "__debezium_unavailable_value")
        self.assertIsNone(recs[5]["key"])
        self.assertIsNone(recs[5]["value"]["before"])
        self.assertIsNone(recs[5]["value"]["after"])

    def test_transaction_metadata_and_messages(self):
        pg = self.start("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)",
                        provide__transaction__metadata="true")
        pg.psql("BEGIN; INSERT INTO a VALUES (1); INSERT INTO b VALUES (1); INSERT INTO a VALUES (2); "
                "SELECT pg_logical_emit_message(true, 'audit', 'hi'); COMMIT;")
        tx = wait_until(lambda: (lambda r: r if len(r) >= 2 else None)(read_topic(self.broker.bootstrap, "myserver.transaction")),
                        timeout=60, what="BEGIN and END")
        begin, end = tx[0]["value"], tx[1]["value"]
        self.assertEqual(begin["status"], "BEGIN")
        self.assertEqual(end["status"], "END")
        self.assertEqual(end["event_count"], 4)
        self.assertEqual(sorted((c["data_collection"], c["event_count"]) for c in end["data_collections"]),
                         [("LOGICAL_DECODING_MESSAGE", 1), ("public.a", 2), ("public.b", 1)])
        xid = begin["id"].split(":")[0]
        a = self.wait_records("myserver.public.a", 2)
        blocks = [r["value"]["transaction"] for r in a]
        self.assertEqual([b["total_order"] for b in blocks], [1, 3])
        self.assertEqual([b["data_collection_order"] for b in blocks], [1, 2])
        self.assertTrue(all(b["id"].startswith(xid + ":") for b in blocks))
        m = self.wait_records("myserver.message", 1)
        self.assertEqual(m[0]["key"], {"prefix": "audit"})
        self.assertEqual(m[0]["value"]["op"], "m")
        self.assertEqual(m[0]["value"]["message"], {"prefix": "audit", "content": "aGk="})
        self.assertEqual(m[0]["value"]["source"]["table"], "")

    def test_snapshot_markers_filters_and_masks(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE t1 (id int PRIMARY KEY, secret varchar(40), email text); "
                "CREATE TABLE t2 (id int PRIMARY KEY); CREATE TABLE t3 (id int PRIMARY KEY, x int); "
                "CREATE TABLE skipped (id int PRIMARY KEY);"
                "INSERT INTO t1 VALUES (1, 'pw1', 'a@b.c'), (2, 'pw2', 'd@é.f😀'); INSERT INTO t3 VALUES (1, 1), (2, 2);"
                "INSERT INTO skipped VALUES (1)")
        self.start_stack(worker_overrides={"offset.flush.interval.ms": "200"})
        cfg = self.connector_config(table__exclude__list="public.skipped", column__exclude__list="public.t3.x",
                                    **{"column.mask.with.3.chars": "public.t1.secret",
                                       "column.mask.hash.SHA-256.with.salt.salty": "public.t1.email"})
        cfg.update(PLAIN)
        self.create_connector("pg", cfg)
        wait_running(self.worker.url, "pg")
        t1 = self.wait_records("myserver.public.t1", 2)
        t3 = self.wait_records("myserver.public.t3", 2)
        self.assertEqual([r["value"]["source"]["snapshot"] for r in t1], ["first", "last_in_data_collection"])
        self.assertEqual([r["value"]["source"]["snapshot"] for r in t3], ["first_in_data_collection", "last"])
        self.assertEqual(t1[0]["value"]["after"]["secret"], "***")
        # column.mask.hash v1: SHA-256 of the salt and the Java-serialized string, lower-case hex
        self.assertEqual([r["value"]["after"]["email"] for r in t1],
                         [java_v1_hash(b"salty", "a@b.c"), java_v1_hash(b"salty", "d@é.f😀")])
        self.assertEqual(t3[0]["value"]["after"], {"id": 1})
        self.assertEqual(read_topic(self.broker.bootstrap, "myserver.public.skipped"), [])
        self.assertEqual(read_topic(self.broker.bootstrap, "myserver.public.t2"), [])

        # Offsets in Debezium's layout: during the snapshot, then while streaming.
        pg.psql("INSERT INTO t3 VALUES (3, 3)")
        rec = self.wait_records("myserver.public.t3", 3)[2]
        lsn = rec["value"]["source"]["lsn"]

        def committed():
            with open(self.path("connect.offsets"), "rb") as f:
                data = f.read().decode("latin-1")
            found = re.findall(r'\{"[^{}]*"lsn"[^{}]*\}', data)
            off = json.loads(found[-1]) if found else {}
            return off if off.get("lsn") == lsn else None
        off = wait_until(committed, timeout=30, what="the insert's offset committed")
        self.assertEqual(off["messageType"], "INSERT")
        self.assertEqual(off["lsn_proc"], lsn)
        self.assertEqual(off["txId"], rec["value"]["source"]["txId"])
        self.assertEqual(off["ts_usec"], rec["value"]["source"]["ts_us"])
        self.assertEqual(off["lsn_events_processed"], 1)
        self.assertNotIn("snapshot", off)
        with open(self.path("connect.offsets"), "rb") as f:
            self.assertIn(b'["pg",{"server":"myserver"}]', f.read())

    def test_snapshot_in_small_batches_ending_with_an_empty_table(self):
        """max.batch.size=2: the reader hands over two records at a time and holds the latest back
        until the next row (or the end of its table) decides its marker - a1's last row ends a
        batch. The last table is empty, so the last row of the table before it is the snapshot's
        "last" and carries the completed offset: after a restart the connector streams instead of
        snapshotting again."""
        pg = self.start_pg()
        pg.psql("CREATE TABLE a1 (id int PRIMARY KEY); CREATE TABLE a2 (id int PRIMARY KEY); "
                "CREATE TABLE a3 (id int PRIMARY KEY); "
                "INSERT INTO a1 SELECT generate_series(1, 8); INSERT INTO a2 SELECT generate_series(1, 3)")
        cfg = self.connector_config(table__include__list="public.a1,public.a2,public.a3", max__batch__size="2",
                                    max__queue__size="4")
        cfg.update(PLAIN)
        self.start_stack(worker_overrides={"offset.flush.interval.ms": "200"}, connectors={"pg": cfg})
        wait_running(self.worker.url, "pg")
        a1 = self.wait_records("myserver.public.a1", 8)
        a2 = self.wait_records("myserver.public.a2", 3)
        self.assertEqual([r["value"]["after"]["id"] for r in a1], list(range(1, 9)))
        self.assertEqual([r["value"]["after"]["id"] for r in a2], [1, 2, 3])
        self.assertEqual([r["value"]["source"]["snapshot"] for r in a1],
                         ["first"] + ["true"] * 6 + ["last_in_data_collection"])
        self.assertEqual([r["value"]["source"]["snapshot"] for r in a2], ["first_in_data_collection", "true", "last"])
        self.assertEqual(read_topic(self.broker.bootstrap, "myserver.public.a3"), [])

        def completed():
            with open(self.path("connect.offsets"), "rb") as f:
                data = f.read().decode("latin-1")
            return '"snapshot_completed":true' in data
        wait_until(completed, timeout=30, what="the completed snapshot offset committed")
        self.restart_worker(kill=False)
        wait_running(self.worker.url, "pg")
        pg.psql("INSERT INTO a3 VALUES (1)")
        self.assertEqual(self.wait_records("myserver.public.a3", 1)[0]["value"]["op"], "c")
        self.assertEqual(len(read_topic(self.broker.bootstrap, "myserver.public.a1")), 8, "no second snapshot")

    def test_initial_only_takes_no_slot_and_does_not_snapshot_twice(self):
        """snapshot.mode=initial_only exports the tables and idles. Like Debezium it creates no
        replication slot (one nobody reads would hold back the server's WAL for ever) and no
        publication; after a restart the completed snapshot is not taken again."""
        pg = self.start_pg()
        pg.psql("CREATE TABLE once (id int PRIMARY KEY, v text); INSERT INTO once VALUES (1, 'a'), (2, 'b')")
        cfg = self.connector_config(snapshot__mode="initial_only", slot__name="only_slot", publication__name="only_pub",
                                    slot__drop__on__stop="true", signal__data__collection="public.debezium_signal")
        cfg.update(PLAIN)
        self.start_stack(worker_overrides={"offset.flush.interval.ms": "200"}, connectors={"pg": cfg})
        wait_running(self.worker.url, "pg")
        rows = self.wait_records("myserver.public.once", 2)
        self.assertEqual([(r["value"]["op"], r["value"]["after"]["id"]) for r in rows], [("r", 1), ("r", 2)])
        self.assertEqual([r["value"]["source"]["snapshot"] for r in rows], ["first", "last"])
        self.assertEqual(pg.psql("SELECT count(*) FROM pg_replication_slots").strip(), "0")
        self.assertEqual(pg.psql("SELECT count(*) FROM pg_publication").strip(), "0")
        # A Debezium setting Ferry does not implement is named in a warning, not silently dropped.
        self.assertIn("signal.data.collection=public.debezium_signal is not supported by Ferry and is ignored",
                      self.worker.output())

        def completed():
            with open(self.path("connect.offsets"), "rb") as f:
                return '"snapshot_completed":true' in f.read().decode("latin-1")
        wait_until(completed, timeout=30, what="the completed snapshot offset committed")
        pg.psql("INSERT INTO once VALUES (3, 'c')")
        self.restart_worker(kill=False)
        wait_running(self.worker.url, "pg")
        wait_until(lambda: "initial_only and the snapshot is complete" in self.worker.output(), timeout=30,
                   what="the restarted task idling")
        self.assertEqual(len(read_topic(self.broker.bootstrap, "myserver.public.once")), 2, "no second snapshot")
        self.assertEqual(pg.psql("SELECT count(*) FROM pg_replication_slots").strip(), "0")
        self.assertEqual(self.worker.stop(), 0)
        self.assertNotIn("could not drop replication slot", self.worker.output())

    def test_partitioned_table_captured_through_its_root(self):
        """Debezium's set-up for a partitioned table: the parent in table.include.list and
        publish.via.partition.root=true. The snapshot reads the parent (every partition's rows) and
        the changes are published under the parent's name: one topic for the table."""
        pg = self.start_pg()
        pg.psql("CREATE TABLE parted (id int, region text, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region); "
                "CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu'); "
                "CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us'); "
                "INSERT INTO parted VALUES (1, 'eu', 'a'), (2, 'us', 'b')")
        cfg = self.connector_config(table__include__list="public.parted", publish__via__partition__root="true",
                                    publication__autocreate__mode="filtered")
        cfg.update(PLAIN)
        self.start_stack(connectors={"pg": cfg})
        wait_running(self.worker.url, "pg")
        rows = self.wait_records("myserver.public.parted", 2)
        self.assertEqual(sorted((r["value"]["op"], r["key"]["id"], r["key"]["region"]) for r in rows),
                         [("r", 1, "eu"), ("r", 2, "us")])
        self.assertEqual({r["value"]["source"]["table"] for r in rows}, {"parted"})
        pg.psql("INSERT INTO parted VALUES (3, 'us', 'c'); UPDATE parted SET v = 'x' WHERE id = 1")
        rows = self.wait_records("myserver.public.parted", 4)
        self.assertEqual([(r["value"]["op"], r["value"]["after"]) for r in rows[2:]],
                         [("c", {"id": 3, "region": "us", "v": "c"}), ("u", {"id": 1, "region": "eu", "v": "x"})])
        self.assertEqual(read_topic(self.broker.bootstrap, "myserver.public.parted_eu"), [])
        self.assertEqual(read_topic(self.broker.bootstrap, "myserver.public.parted_us"), [])
        self.assertEqual(pg.psql("SELECT pubviaroot FROM pg_publication").strip(), "t")


if __name__ == "__main__":
    unittest.main()
