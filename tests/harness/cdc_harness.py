"""Helpers for the PostgreSQL CDC integration tests (tests/integration/test_cdc_*.py): a test case
with a PostgreSQL server, Ferry's broker and a Ferry worker, plus readers for Debezium-style topics.

Everything is started on free ports in the test's temp dir and killed by PID at the end (through
FerryTestCase's process list and PgServer.kill()).
"""
import json
import os
import subprocess
import time

from ferry_harness import FerryTestCase, http, wait_until, connector_state, SOURCE_DIR
from pg_server import PgServer, PG_BIN, _as_postgres

PG_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector"


def read_topic(bootstrap, topic, timeout=30, offset="beginning"):
    """All records of partition 0..n of `topic` as dicts {partition, offset, key, value, headers};
    key/value are parsed JSON (None for null). Stops at the end of the topic."""
    r = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", offset, "-e", "-q", "-J"],
                       capture_output=True, timeout=timeout)
    if r.returncode != 0:
        err = r.stderr.decode()
        if "Unknown topic" in err or "UNKNOWN_TOPIC" in err:
            return []
        raise AssertionError(f"kcat failed: {err}")
    out = []
    for line in r.stdout.decode("utf-8").splitlines():
        if not line.strip():
            continue
        m = json.loads(line)
        h = m.get("headers") or []
        out.append({
            "partition": m["partition"],
            "offset": m["offset"],
            "key": json.loads(m["key"]) if m.get("key") is not None else None,
            "value": json.loads(m["payload"]) if m.get("payload") is not None else None,
            "headers": dict(zip(h[0::2], h[1::2])),
        })
    out.sort(key=lambda x: (x["partition"], x["offset"]))
    return out


def payload(v):
    """The payload of a JsonConverter envelope (schemas.enable=true), or the value itself."""
    if isinstance(v, dict) and set(v.keys()) == {"schema", "payload"}:
        return v["payload"]
    return v


class CdcTestCase(FerryTestCase):
    """A PostgreSQL server (wal_level=logical), Ferry's broker and a standalone worker."""

    pg_conf = None

    def setUp(self):
        super().setUp()
        self.pg = None

    def tearDown(self):
        if self.pg is not None:
            self.pg.kill()
        super().tearDown()

    def start_pg(self, extra_conf=None, name="pg"):
        conf = dict(self.pg_conf or {})
        conf.update(extra_conf or {})
        self.pg = PgServer(self.tmp, extra_conf=conf, name=name)
        return self.pg

    def start_stack(self, worker_overrides=None, broker=None, connectors=None):
        """Broker + standalone worker. `connectors` ({name: config}) are given to the worker as
        connector files, so they come back when the worker is restarted (standalone mode keeps
        REST-created connectors in memory only)."""
        self.broker = broker or self.start_broker()
        props = self.worker_props(self.broker.bootstrap)
        # Plain string headers, as Kafka Connect's default SimpleHeaderConverter writes them.
        props.pop("header.converter", None)
        props.update(worker_overrides or {})
        self.worker_properties = props
        self.connector_files = []
        for name, cfg in (connectors or {}).items():
            path = self.path(f"{name}.json")
            with open(path, "w") as f:
                json.dump({"name": name, "config": cfg}, f)
            self.connector_files.append(path)
        self.worker = self.start_worker(props, connector_files=self.connector_files)
        return self.worker

    def restart_worker(self, kill=True, connectors=None):
        """Stops the worker (SIGKILL, or SIGTERM with kill=False) and starts it again on the same
        offsets file; `connectors` replaces the connector files."""
        if kill:
            self.worker.kill()
        else:
            self.worker.stop()
        if connectors is not None:
            self.connector_files = []
            for name, cfg in connectors.items():
                path = self.path(f"{name}.json")
                with open(path, "w") as f:
                    json.dump({"name": name, "config": cfg}, f)
                self.connector_files.append(path)
        self.worker = self.start_worker(self.worker_properties, connector_files=self.connector_files,
                                        name=f"worker{len(self.processes)}")
        return self.worker

    def connector_config(self, **overrides):
        cfg = {
            "connector.class": PG_CONNECTOR,
            "database.hostname": "127.0.0.1",
            "database.port": str(self.pg.port),
            "database.user": "postgres",
            "database.password": self.pg.password,
            "database.dbname": "postgres",
            "topic.prefix": "myserver",
            "plugin.name": "pgoutput",
        }
        cfg.update({k.replace("__", "."): v for k, v in overrides.items()})
        return cfg

    def create_connector(self, name, config, expect=201):
        status, body = http("POST", self.worker.url + "/connectors", {"name": name, "config": config})
        self.assertEqual(status, expect, body)
        return body

    def wait_task_state(self, name, state, timeout=60):
        def ok():
            c, t = connector_state(self.worker.url, name)
            return t and t[0] == state
        wait_until(ok, timeout=timeout, what=f"task of {name} {state}")

    def task_trace(self, name):
        status, body = http("GET", f"{self.worker.url}/connectors/{name}/status")
        if status != 200 or not body["tasks"]:
            return None
        return body["tasks"][0].get("trace", "")

    def wait_records(self, topic, count, timeout=60):
        return wait_until(lambda: (lambda r: r if len(r) >= count else None)(read_topic(self.broker.bootstrap, topic)),
                          timeout=timeout, what=f"{count} records in {topic}")

    def slot_info(self, slot="debezium"):
        out = self.pg.psql(f"SELECT confirmed_flush_lsn, active FROM pg_replication_slots WHERE slot_name = '{slot}'")
        if not out.strip():
            return None
        lsn, active = out.strip().split("|")
        return {"confirmed_flush_lsn": lsn_to_int(lsn) if lsn else 0, "active": active == "t"}


def pg_stop_fast(pg):
    """Fast shutdown (pg_ctl -m fast: sessions are terminated, as on a server restart); the
    server is started again with pg.start()."""
    subprocess.run(_as_postgres([f"{PG_BIN}/pg_ctl", "-D", pg.data, "-m", "fast", "-w", "-t", "60", "stop"]),
                   check=True, capture_output=True, timeout=90)
    pg.process.proc.wait(timeout=60)
    pg.process.log.close()


def lsn_to_int(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def node_script(*parts):
    return os.path.join(SOURCE_DIR, "tests", "js", *parts)
