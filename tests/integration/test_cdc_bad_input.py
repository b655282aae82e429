"""Bad input for the PostgreSQL connector: each problem ends in a FAILED task whose trace says what
is wrong and what the operator should do - never a crash, a hang or a silent drop."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import http, wait_running, wait_until  # noqa: E402
from cdc_harness import CdcTestCase  # noqa: E402


class BadInputTest(CdcTestCase):

    def failed_with(self, name, *needles, timeout=60):
        self.wait_task_state(name, "FAILED", timeout=timeout)
        trace = self.task_trace(name)
        for n in needles:
            self.assertIn(n, trace)
        return trace

    def test_unconvertible_values(self):
        """A value that has no form in its field's type (numeric NaN under the default
        decimal.handling.mode=precise, a two-dimensional array). As Debezium 2.5+, the default
        event.converting.failure.handling.mode=warn emits the event with the field null and logs
        the column; 'fail' fails the task naming table, column and type."""
        pg = self.start_pg()
        pg.psql("CREATE TABLE odd (id int PRIMARY KEY, amount numeric(10,2), grid int[]); "
                "INSERT INTO odd VALUES (1, 'NaN', '{1,2}'), (2, 1.5, '{{1,2},{3,4}}'), (3, 2.25, '{3}')")
        self.start_stack()
        plain = {"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}
        self.create_connector("pg", dict(self.connector_config(), **plain))
        wait_running(self.worker.url, "pg")
        rows = self.wait_records("myserver.public.odd", 3)
        self.assertEqual([r["value"]["after"] for r in rows],
                         [{"id": 1, "amount": None, "grid": [1, 2]}, {"id": 2, "amount": "AJY=", "grid": None},
                          {"id": 3, "amount": "AOE=", "grid": [3]}])
        pg.psql("INSERT INTO odd VALUES (4, 'NaN', NULL)")
        rows = self.wait_records("myserver.public.odd", 4)
        self.assertEqual(rows[3]["value"]["op"], "c")
        self.assertEqual(rows[3]["value"]["after"], {"id": 4, "amount": None, "grid": None})
        log = self.worker.output()
        self.assertIn("Failed to properly convert data value for 'public.odd.amount' of type numeric", log)
        self.assertIn("Failed to properly convert data value for 'public.odd.grid' of type _int4", log)

        self.create_connector("strict", dict(self.connector_config(
            topic__prefix="strict", slot__name="strict", event__converting__failure__handling__mode="fail"), **plain))
        self.failed_with("strict", "Failed to properly convert data value for 'public.odd.amount' of type numeric")

    def test_replica_identity_autoset_and_entry_formats(self):
        """replica.identity.autoset.values as Debezium's ReplicaIdentityMapper: regexes on
        schema.table applied to the captured tables only; a table matched twice fails the task.
        Malformed entries of it, of message.key.columns and bad regexes are refused at validation
        with Debezium's messages."""
        pg = self.start_pg()
        pg.psql("CREATE TABLE full1 (id int PRIMARY KEY); CREATE TABLE full2 (id int PRIMARY KEY); "
                "CREATE TABLE idx (id int PRIMARY KEY, u int NOT NULL); CREATE UNIQUE INDEX idx_u ON idx (u); "
                "CREATE TABLE untouched (id int PRIMARY KEY)")
        self.start_stack()
        url = self.worker.url + "/connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config/validate"
        bad = dict(self.connector_config(), name="v", **{
            "replica.identity.autoset.values": "public.full1:FULL,public.idx:BOGUS",
            "message.key.columns": "public.full1:id;public.full2",
            "table.include.list": "public.full.*,(bad"})
        status, body = http("PUT", url, bad)
        self.assertEqual(status, 200, body)
        errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"]["errors"]}
        self.assertEqual(errors["replica.identity.autoset.values"], [
            "public.idx:BOGUS has an invalid format (expecting '(?i)^\\s*(?P<tablepredicate>[^\\s:]+):"
            "(?P<replicaidentity>DEFAULT|(INDEX) (?P<indexname>.\\w*)|FULL|NOTHING)\\s*$')"])
        self.assertEqual(errors["message.key.columns"],
                         ["public.full2 has an invalid format (expecting '^\\s*([^\\s:]+):([^:\\s]+)\\s*$')"])
        self.assertEqual(len(errors["table.include.list"]), 1)
        self.assertTrue(errors["table.include.list"][0].startswith(
            "A comma-separated list of valid regular expressions is expected, but "), errors)
        self.assertEqual(body["error_count"], 3)

        self.create_connector("pg", self.connector_config(**{
            "table.include.list": "public.full.*,public.idx",
            "replica.identity.autoset.values": "public\\.full.*:full,public.idx:INDEX idx_u,public.untouched:FULL"}))
        wait_running(self.worker.url, "pg")
        identities = pg.psql("SELECT relname || '=' || relreplident::text FROM pg_class WHERE relname IN "
                             "('full1', 'full2', 'idx', 'untouched') ORDER BY relname").split()
        self.assertEqual(identities, ["full1=f", "full2=f", "idx=i", "untouched=d"])

        self.create_connector("twice", self.connector_config(**{
            "topic.prefix": "twice", "slot.name": "twice", "table.include.list": "public.full1",
            "replica.identity.autoset.values": "public.full1:FULL,public.full.*:DEFAULT"}))
        self.failed_with("twice", "More than one Regular expressions matched table public.full1")

    def test_wal_level_not_logical(self):
        self.start_pg(extra_conf={"wal_level": "replica"})
        self.start_stack()
        self.create_connector("pg", self.connector_config())
        self.failed_with("pg", "wal_level=replica", "wal_level = logical", "restart the server")

    def test_user_without_replication_privilege(self):
        pg = self.start_pg()
        pg.psql("CREATE ROLE app LOGIN PASSWORD 'app'; CREATE TABLE t (id int PRIMARY KEY); GRANT SELECT ON t TO app")
        pg.psql("CREATE PUBLICATION dbz_publication FOR ALL TABLES")
        self.start_stack()
        self.create_connector("pg", self.connector_config(database__user="app", database__password="app"))
        self.failed_with("pg", "User 'app'", "REPLICATION", 'ALTER ROLE "app" WITH REPLICATION')

    def test_missing_publication_with_autocreate_disabled(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE t (id int PRIMARY KEY)")
        self.start_stack()
        self.create_connector("pg", self.connector_config(publication__autocreate__mode="disabled",
                                                          publication__name="cdc_pub"))
        self.failed_with("pg", "Publication 'cdc_pub' does not exist", "publication.autocreate.mode is 'disabled'",
                         'CREATE PUBLICATION "cdc_pub"')
        # Nothing was created behind the operator's back.
        self.assertEqual(pg.psql("SELECT count(*) FROM pg_publication").strip(), "0")
        self.assertEqual(pg.psql("SELECT count(*) FROM pg_replication_slots").strip(), "0")

    def test_dropped_slot(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE t (id int PRIMARY KEY, v text)")
        pg.psql("INSERT INTO t VALUES (1, 'a')")
        self.start_stack(connectors={"pg": self.connector_config()})
        wait_running(self.worker.url, "pg")
        pg.psql("INSERT INTO t VALUES (2, 'b')")
        recs = self.wait_records("myserver.public.t", 2)
        lsn = recs[1]["value"]["payload"]["source"]["lsn"]
        wait_until(lambda: self.slot_info()["confirmed_flush_lsn"] >= lsn, timeout=30, what="the insert confirmed")
        # The worker dies; meanwhile an administrator drops the slot.
        self.worker.kill()
        wait_until(lambda: not self.slot_info()["active"], timeout=30, what="slot released")
        pg.psql("SELECT pg_drop_replication_slot('debezium')")
        pg.psql("INSERT INTO t VALUES (3, 'lost')")
        self.restart_worker(kill=False)
        self.failed_with("pg", "Replication slot 'debezium' does not exist", "stored offset",
                         "snapshot.mode=when_needed")

        # The way out the message names: a new slot and a new snapshot, nothing missing.
        self.restart_worker(kill=False, connectors={"pg": self.connector_config(snapshot__mode="when_needed")})
        wait_running(self.worker.url, "pg", timeout=60)
        recs = wait_until(lambda: (lambda r: r if any(x["key"] and x["key"]["payload"]["id"] == 3 for x in r) else None)(
            self.wait_records("myserver.public.t", 3)), timeout=60, what="row 3 after the new snapshot")
        ids = {r["key"]["payload"]["id"] for r in recs if r["value"]}
        self.assertEqual(ids, {1, 2, 3})

    def test_unreachable_server(self):
        self.start_pg()
        self.start_stack()
        cfg = self.connector_config(database__port="1")
        self.create_connector("pg", cfg)
        self.failed_with("pg", "Cannot connect to PostgreSQL at 127.0.0.1:1", "database.hostname")

    def test_slot_used_by_another_plugin(self):
        pg = self.start_pg()
        pg.psql("SELECT pg_create_logical_replication_slot('debezium', 'test_decoding')")
        self.start_stack()
        self.create_connector("pg", self.connector_config())
        self.failed_with("pg", "output plugin 'test_decoding'", "pg_drop_replication_slot")


if __name__ == "__main__":
    unittest.main()
