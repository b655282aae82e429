"""Shared helpers of the JDBC connector integration tests (test_jdbc_*.py). Not a test file itself.

Everything runs against real servers started by the harness (PostgreSQL via initdb, mariadbd in a
temp datadir, SQLite files), Ferry's broker and a Ferry standalone worker; records are read back
with kcat.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import (FerryTestCase, http, kcat_consume, wait_until, connector_state,  # noqa: E402,F401
                           end_offset, free_port)
from pg_server import PgServer  # noqa: E402
from mariadb_server import MariaDbServer  # noqa: E402

SOURCE = "io.confluent.connect.jdbc.JdbcSourceConnector"
SINK = "io.confluent.connect.jdbc.JdbcSinkConnector"


class JdbcTestCase(FerryTestCase):
    """A broker, a worker and database servers, all cleaned up by PID."""

    def start_pg(self, name="pg", extra_conf=None):
        pg = PgServer(self.tmp, extra_conf=extra_conf, name=name)
        self.addCleanup(pg.kill)
        return pg

    def start_mariadb(self, name="mariadb"):
        m = MariaDbServer(self.tmp, name=name)
        self.addCleanup(m.kill)
        return m

    def start_pipeline(self, **worker_overrides):
        self.broker = self.start_broker()
        props = self.worker_props(self.broker.bootstrap, **worker_overrides)
        self.worker = self.start_worker(props)
        return self.broker, self.worker

    def restart_worker(self):
        """Stops the worker gracefully and starts a new one with the same properties and offsets file."""
        props = self.worker_props(self.broker.bootstrap)
        props["offset.storage.file.filename"] = self.path("connect.offsets")
        self.worker.stop()
        self.worker = self.start_worker(props)
        return self.worker

    def create(self, name, config, expect=201):
        status, body = http("POST", self.worker.url + "/connectors", {"name": name, "config": config})
        self.assertEqual(status, expect, body)
        return body

    def put_config(self, name, config):
        status, body = http("PUT", f"{self.worker.url}/connectors/{name}/config", config)
        self.assertIn(status, (200, 201), body)
        return body

    def delete(self, name):
        status, body = http("DELETE", f"{self.worker.url}/connectors/{name}")
        self.assertIn(status, (204, 200), body)

    def status(self, name):
        status, body = http("GET", f"{self.worker.url}/connectors/{name}/status")
        return body if status == 200 else None

    def wait_running(self, name, tasks=1, timeout=60):
        def ok():
            st = self.status(name)
            if not st:
                return False
            if st["connector"]["state"] == "FAILED" or any(t["state"] == "FAILED" for t in st["tasks"]):
                raise AssertionError(f"{name} failed: {json.dumps(st, indent=1)}")
            return st["connector"]["state"] == "RUNNING" and len(st["tasks"]) == tasks and \
                all(t["state"] == "RUNNING" for t in st["tasks"])
        wait_until(ok, timeout=timeout, what=f"{name} RUNNING")

    def wait_task_failed(self, name, timeout=60):
        def failed():
            st = self.status(name)
            if not st:
                return None
            if st["connector"]["state"] == "FAILED":
                return st["connector"].get("trace", "")
            for t in st["tasks"]:
                if t["state"] == "FAILED":
                    return t.get("trace", "")
            return None
        return wait_until(failed, timeout=timeout, what=f"{name} FAILED")

    def values(self, topic, count=None, timeout=60):
        """The JSON payloads of a topic (JsonConverter with schemas), waiting until `count` arrived."""
        def read():
            raw = kcat_consume(self.broker.bootstrap, topic)
            lines = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
            if count is None or len(lines) >= count:
                return lines
            return None
        if count is None:
            return wait_until(lambda: read() or None, timeout=timeout, what=f"records in {topic}")
        return wait_until(read, timeout=timeout, what=f"{count} records in {topic}")

    def payloads(self, topic, count=None, timeout=60):
        return [v["payload"] if isinstance(v, dict) and "payload" in v else v for v in self.values(topic, count, timeout)]

    def log(self):
        return self.worker.output()


def pg_rows(pg, sql, db="postgres"):
    out = pg.psql(sql, db=db)
    return [line.split("|") for line in out.splitlines() if line.strip() != ""]


def wait_pg_rows(pg, sql, expected, db="postgres", timeout=60):
    last = [None]

    def ok():
        last[0] = pg_rows(pg, sql, db)
        return last[0] == expected
    try:
        wait_until(ok, timeout=timeout, what=f"rows of {sql!r}")
    except AssertionError:
        raise AssertionError(f"rows of {sql!r}:\n got      {last[0]}\n expected {expected}")


def produce(bootstrap, topic, records):
    """Produces (key, value) pairs of strings/bytes/None with confluent_kafka and waits for delivery."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap})
    for k, v in records:
        p.produce(topic, key=k, value=v)
    p.flush(30)


def connect_json(schema, payload):
    return json.dumps({"schema": schema, "payload": payload})


def struct_schema(name, fields):
    """fields: list of (name, type, optional[, extra dict])."""
    fs = []
    for f in fields:
        d = {"field": f[0], "type": f[1], "optional": f[2]}
        if len(f) > 3:
            d.update(f[3])
        fs.append(d)
    s = {"type": "struct", "fields": fs, "optional": False}
    if name:
        s["name"] = name
    return s
