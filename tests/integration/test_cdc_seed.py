"""Seed scenario of seeds/004 (Listen to Postgres changes with Apache Kafka): a customers(id, name)
table, a PostgresConnector with topic.prefix myserver, and a Node.js kafkajs consumer of
myserver.public.customers that reads the snapshot and the streamed insert, update and delete."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import http, wait_running, wait_until  # noqa: E402
from cdc_harness import CdcTestCase, read_topic, node_script, payload  # noqa: E402


class SeedScenarioTest(CdcTestCase):

    def test_customers_events_read_by_kafkajs(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE customers (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL)")
        pg.psql("INSERT INTO customers (name) VALUES ('john'), ('jack'), ('jane')")
        self.start_stack()
        self.create_connector("postgres-connector", self.connector_config(
            table__include__list="public.customers", extended__headers__enabled="true"))
        wait_running(self.worker.url, "postgres-connector")
        topic = "myserver.public.customers"
        self.wait_records(topic, 3)

        pg.psql("INSERT INTO customers (name) VALUES ('josip')")
        pg.psql("UPDATE customers SET name = 'josip b.' WHERE id = 4")
        pg.psql("DELETE FROM customers WHERE id = 4")
        recs = self.wait_records(topic, 7)
        self.assertEqual(len(recs), 7, "3 snapshot reads, create, update, delete and its tombstone")

        r = subprocess.run(["node", node_script("cdc", "seed_consumer.js"), self.broker.bootstrap, topic, "7",
                            "myserver", "postgres"], capture_output=True, timeout=120)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        msgs = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual(len(msgs), 7)

        ops = [m["value"]["op"] if m["value"] else None for m in msgs]
        self.assertEqual(ops, ["r", "r", "r", "c", "u", "d", None])
        snaps = [m["value"]["source"]["snapshot"] for m in msgs[:6]]
        self.assertEqual(snaps, ["first", "true", "last", "false", "false", "false"])
        self.assertEqual([m["value"]["after"] for m in msgs[:3]],
                         [{"id": 1, "name": "john"}, {"id": 2, "name": "jack"}, {"id": 3, "name": "jane"}])
        self.assertEqual(msgs[3]["value"]["after"], {"id": 4, "name": "josip"})
        self.assertIsNone(msgs[3]["value"]["before"])
        self.assertEqual(msgs[4]["value"]["after"], {"id": 4, "name": "josip b."})
        self.assertIsNone(msgs[4]["value"]["before"], "REPLICA IDENTITY DEFAULT: no old row on update")
        # delete: the key columns of the old row, Debezium's fallback ("") for the NOT NULL others
        self.assertEqual(msgs[5]["value"]["before"], {"id": 4, "name": ""})
        self.assertIsNone(msgs[5]["value"]["after"])
        for m in msgs[3:]:
            self.assertEqual(m["key"], {"id": 4})
        self.assertIsNone(msgs[6]["value"], "tombstone after the delete")
        # one transaction per statement: increasing txIds and LSNs while streaming
        tx = [m["value"]["source"]["txId"] for m in msgs[3:6]]
        self.assertEqual(tx, sorted(tx))
        self.assertEqual(len(set(tx)), 3)
        lsns = [m["value"]["source"]["lsn"] for m in msgs[3:6]]
        self.assertEqual(lsns, sorted(lsns))
        # Debezium's extended context headers (extended.headers.enabled=true)
        h = msgs[3]["headers"]
        self.assertEqual(h["__debezium.context.connectorLogicalName"], "myserver")
        self.assertEqual(h["__debezium.context.connectorName"], "postgresql")
        self.assertEqual(h["__debezium.context.taskId"], "0")

        # The schemas as JsonConverter writes them: names and the envelope's field order.
        v = recs[3]["value"]
        self.assertEqual(v["schema"]["name"], "myserver.public.customers.Envelope")
        self.assertEqual(v["schema"]["version"], 2)
        self.assertEqual([f["field"] for f in v["schema"]["fields"]],
                         ["before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"])
        self.assertEqual(v["schema"]["fields"][2]["name"], "io.debezium.connector.postgresql.Source")
        self.assertEqual(recs[3]["key"]["schema"]["name"], "myserver.public.customers.Key")

        # The slot's confirmed position follows the committed offsets.
        wait_until(lambda: self.slot_info()["confirmed_flush_lsn"] >= payload(recs[5]["value"])["source"]["lsn"],
                   timeout=30, what="confirmed_flush_lsn at the delete")

    def test_legacy_server_name_and_config_validation(self):
        pg = self.start_pg()
        pg.psql("CREATE TABLE customers (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL)")
        pg.psql("INSERT INTO customers (name) VALUES ('john')")
        self.start_stack()
        cfg = self.connector_config()
        del cfg["topic.prefix"]
        cfg["database.server.name"] = "legacy"
        status, body = http("PUT", self.worker.url + "/connector-plugins/PostgresConnector/config/validate",
                            dict(cfg, name="legacy"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["error_count"], 0, [c["value"] for c in body["configs"] if c["value"]["errors"]])
        self.create_connector("legacy", cfg)
        wait_running(self.worker.url, "legacy")
        recs = self.wait_records("legacy.public.customers", 1)
        self.assertEqual(recs[0]["value"]["payload"]["source"]["name"], "legacy")

        bad = dict(cfg, name="legacy", **{"plugin.name": "decoderbufs"})
        status, body = http("PUT", self.worker.url + "/connector-plugins/PostgresConnector/config/validate", bad)
        self.assertEqual(status, 200)
        self.assertGreater(body["error_count"], 0)
        errors = [e for c in body["configs"] for e in c["value"]["errors"]]
        self.assertTrue(any("pgoutput" in e and "decoderbufs" in e for e in errors), errors)


if __name__ == "__main__":
    unittest.main()
