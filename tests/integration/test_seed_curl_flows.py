"""The curl command sequences of the seed articles (../shared/seeds 000, 002, 004), run with real
`curl` processes against a `ferry standalone` worker and again against `ferry dev` (embedded broker;
there the consumer sees JsonConverter values without the schema envelope). The commands are the articles' own - method,
headers, flags, trailing slashes, `-d @file` - with only the host:port and file paths changed; the
bodies are the articles' JSON except where noted below. Each test asserts what the article shows
the user (status codes, bodies, states).

- seeds/000 (JDBC source, Avro and Schema Registry): the connector JSON is the article's, run
  against a real PostgreSQL, except the four Avro converter lines (key/value.converter =
  io.confluent.connect.avro.AvroConverter and their schema.registry.url), so that this flow needs
  no registry and the worker's JsonConverter is used. The article's Avro and registry part
  (converters, /subjects curls, the registered schema) is test_schema_registry.py's
  test_seed_scenario_on_postgresql.
- seeds/002 (MySQL -> Kafka -> Redis with the author's own connectors): the article's
  com.github.taven example connectors are a private jar, so source.json and sink.json keep the
  article's names and keys but name FileStreamSource / FileStreamSink (the sink keeps the redis.*
  keys and the "test_user, test_order" topics list). The article's failed-then-restarted sink task
  (Redis unreachable) is reproduced with an unwritable output file, fixed, then restarted with the
  article's curl.
- seeds/004 (Debezium PostgreSQL): the article shows its curls as images; they are the Debezium
  tutorial's `curl -H "Accept:application/json" localhost:8083/connectors/` and `curl -i -X POST ...
  -d @pg-source-config.json`, run here against a real PostgreSQL with Ferry's PostgresConnector.
  The connector file uses database.server.name=myserver as the article says (Debezium 1.x's name
  of topic.prefix).

Besides the articles' own commands, each flow also lists, reads the config, restarts a task,
pauses/resumes and deletes with the same curl style, as the issue's acceptance asks.
"""
import json
import os
import shutil
import subprocess
import sys
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FERRY, FerryTestCase, free_port, http, kcat_consume, wait_until  # noqa: E402

try:
    from pg_server import PgServer, PG_BIN  # noqa: E402
except Exception:  # pragma: no cover - PostgreSQL missing on this machine
    PgServer, PG_BIN = None, None


def curl(*args, timeout=90):
    """Runs curl with the article's arguments; returns (HTTP status, body text). `-i` output is
    split into the status line and the body."""
    r = subprocess.run(["curl", "-s", "-S", "-w", "\n%{http_code}", *args], capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"curl {' '.join(args)} failed: {r.stderr.decode()}")
    out = r.stdout.decode("utf-8")
    body, _, code = out.rpartition("\n")
    if "-i" in args:  # headers, blank line, body
        body = body.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in body else ""
    return int(code), body


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


def as_json(text):
    return json.loads(text) if text.strip() else None


class SeedCurlFlows(FerryTestCase):

    # The worker the curls talk to: `ferry standalone` with a broker of its own and the article's
    # JsonConverter with schemas (connect-distributed.properties' defaults); the `ferry dev`
    # subclass below runs the same flows against the development mode the README starts with.
    mode = "standalone"

    def start(self):
        if self.mode == "dev":
            kafka_port, rest_port = free_port(), free_port()
            worker = self.spawn([FERRY, "dev", "--rest-port", str(rest_port), "--kafka-listener",
                                 f"127.0.0.1:{kafka_port}", "--data-dir", self.path("dev")], "ferry-dev")
            worker.url = f"http://127.0.0.1:{rest_port}"
            wait_until(lambda: http("GET", worker.url + "/")[0] == 200 or (not worker.alive() and self.fail(
                worker.output()[-3000:])), timeout=60, what="ferry dev REST")
            self.broker = types.SimpleNamespace(bootstrap=f"127.0.0.1:{kafka_port}")
            self.worker = worker
        else:
            self.broker = self.start_broker()
            self.worker = self.start_worker(self.worker_props(self.broker.bootstrap))
        # The articles talk to localhost:8083 (or a Kubernetes service name): only that changes.
        self.host = self.worker.url.replace("http://", "")
        return self.host

    def payload(self, line):
        """A record value as the article's consumer shows it: JsonConverter's envelope with schemas
        (standalone here), the bare value under `ferry dev` (value.converter.schemas.enable=false)."""
        value = json.loads(line)
        return value["payload"] if self.mode != "dev" else value

    def status(self, name):
        code, body = curl("-X", "GET", f"{self.host}/connectors/{name}/status")
        self.assertEqual(code, 200, body)
        return json.loads(body)

    def wait_state(self, name, connector, tasks):
        def ok():
            st = self.status(name)
            return st["connector"]["state"] == connector and [t["state"] for t in st["tasks"]] == tasks
        wait_until(ok, timeout=60, what=f"{name} {connector} {tasks}")

    def worker_id(self):
        return "127.0.0.1:" + self.host.rsplit(":", 1)[1]

    # --- seeds/002 ------------------------------------------------------------------------------
    def test_seed_002_source_and_sink_with_task_restart(self):
        host = self.start()
        src = self.path("test_user.txt")
        with open(src, "w") as f:
            f.write("1,yyyyyy\n2,qqqq\n3,eeee\n")
        out_dir = self.path("redis")  # the sink's "Redis": unwritable at first (a directory in the way)
        os.makedirs(os.path.join(out_dir, "test_user.out"))
        with open(self.path("source.json"), "w") as f:
            json.dump({"name": "example-source", "config": {
                "connector.class": "FileStreamSource",
                "tasks.max": "1",
                "file": src,
                "topic": "test_user",
                "database.url": "jdbc:mysql://192.168.3.21:3306/test?useUnicode=true&characterEncoding=UTF-8"
                                "&autoReconnect=true&useSSL=false&zeroDateTimeBehavior=convertToNull"
                                "&serverTimezone=UTC&rewriteBatchedStatements=true",
                "database.username": "root",
                "database.password": "root",
                "database.tables": "test_user"}}, f, indent=2)
        with open(self.path("sink.json"), "w") as f:
            json.dump({"name": "example-sink", "config": {
                "connector.class": "FileStreamSink",
                "topics": "test_user, test_order",
                "tasks.max": "1",
                "file": os.path.join(out_dir, "test_user.out"),
                "redis.host": "192.168.3.21",
                "redis.port": "6379",
                "redis.password": "",
                "redis.database": "0"}}, f, indent=2)

        # curl -i -X POST -H "Accept:application/json" -H "Content-Type:application/json" http://localhost:8083/connectors/ -d @source.json
        code, body = curl("-i", "-X", "POST", "-H", "Accept:application/json", "-H", "Content-Type:application/json",
                          f"http://{host}/connectors/", "-d", f"@{self.path('source.json')}")
        self.assertEqual(code, 201, body)
        created = json.loads(body)
        self.assertEqual(created["name"], "example-source")
        self.assertEqual(created["type"], "source")
        self.assertEqual(created["tasks"], [{"connector": "example-source", "task": 0}])

        # curl -X GET localhost:8083/connectors/example-source/status
        self.wait_state("example-source", "RUNNING", ["RUNNING"])
        wid = self.worker_id()
        self.assertEqual(self.status("example-source"), {
            "name": "example-source", "connector": {"state": "RUNNING", "worker_id": wid},
            "tasks": [{"id": 0, "state": "RUNNING", "worker_id": wid}], "type": "source"})
        # bin/kafka-console-consumer.sh --topic test_user --from-beginning: the JSON envelopes.
        lines = wait_until(lambda: (lambda o: o if o.count(b"\n") >= 3 else None)(
            kcat_consume(self.broker.bootstrap, "test_user")), what="3 records in test_user")
        first = lines.decode().splitlines()[0]
        if self.mode == "dev":
            self.assertEqual(first, '"1,yyyyyy"')
        else:
            self.assertEqual(first, '{"schema":{"type":"string","optional":false},"payload":"1,yyyyyy"}')

        # curl -i -X POST ... http://localhost:8083/connectors/ -d @sink.json
        code, body = curl("-i", "-X", "POST", "-H", "Accept:application/json", "-H", "Content-Type:application/json",
                          f"http://{host}/connectors/", "-d", f"@{self.path('sink.json')}")
        self.assertEqual(code, 201, body)
        self.assertEqual(json.loads(body)["type"], "sink")
        # "then I looked at the sink's status: the task FAILED" (its target was unreachable)
        self.wait_state("example-sink", "RUNNING", ["FAILED"])
        self.assertIn("trace", self.status("example-sink")["tasks"][0])
        # "after fixing the Redis configuration, restart the task":
        # curl -X POST localhost:8083/connectors/example-sink/tasks/0/restart
        os.rmdir(os.path.join(out_dir, "test_user.out"))
        code, body = curl("-X", "POST", f"{host}/connectors/example-sink/tasks/0/restart")
        self.assertEqual((code, body), (204, ""))
        # "after confirming the sink status is RUNNING, check the data arrived"
        self.wait_state("example-sink", "RUNNING", ["RUNNING"])
        out = os.path.join(out_dir, "test_user.out")
        wait_until(lambda: read(out) == "1,yyyyyy\n2,qqqq\n3,eeee\n", what="sink data")
        self.assertEqual(self.status("example-sink"), {
            "name": "example-sink", "connector": {"state": "RUNNING", "worker_id": wid},
            "tasks": [{"id": 0, "state": "RUNNING", "worker_id": wid}], "type": "sink"})
        # bin/kafka-consumer-groups.sh --describe --group connect-example-sink: the group's offsets.
        # (Debian's confluent-kafka 1.7 has no list_consumer_group_offsets: a consumer that never
        # subscribes reads the group's committed offsets with OffsetFetch, without joining it.)
        from confluent_kafka import Consumer, TopicPartition
        group_reader = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "connect-example-sink",
                                 "enable.auto.commit": False})
        self.addCleanup(group_reader.close)

        def committed():
            return group_reader.committed([TopicPartition("test_user", 0)], timeout=10)[0].offset == 3
        wait_until(committed, timeout=30, what="connect-example-sink committed 3")

        self._common_flow(host, "example-sink", "sink")
        self._common_flow(host, "example-source", "source")

    def _common_flow(self, host, name, kind):
        """list, config, restart a task, pause/resume, delete - with the articles' curl style."""
        code, body = curl("-X", "GET", f"{host}/connectors")
        self.assertEqual(code, 200)
        self.assertIn(name, json.loads(body))
        code, body = curl("-X", "GET", f"{host}/connectors/{name}/config")
        self.assertEqual(code, 200)
        self.assertEqual(json.loads(body)["name"], name)
        code, body = curl("-X", "POST", f"{host}/connectors/{name}/tasks/0/restart")
        self.assertEqual((code, body), (204, ""))
        self.wait_state(name, "RUNNING", ["RUNNING"])
        code, body = curl("-X", "PUT", f"{host}/connectors/{name}/pause")
        self.assertEqual((code, body), (202, ""))
        self.wait_state(name, "PAUSED", ["PAUSED"])
        code, body = curl("-X", "PUT", f"{host}/connectors/{name}/resume")
        self.assertEqual((code, body), (202, ""))
        self.wait_state(name, "RUNNING", ["RUNNING"])
        code, body = curl("-X", "DELETE", f"{host}/connectors/{name}")
        self.assertEqual((code, body), (204, ""))
        code, body = curl("-X", "GET", f"{host}/connectors/{name}/status")
        self.assertEqual(code, 404)
        self.assertEqual(json.loads(body), {"error_code": 404, "message": f"No status found for connector {name}"})
        code, body = curl("-X", "GET", f"{host}/connectors")
        self.assertNotIn(name, json.loads(body))

    # --- seeds/000 ------------------------------------------------------------------------------
    @unittest.skipIf(PG_BIN is None, "PostgreSQL server binaries not installed")
    def test_seed_000_jdbc_source_create_status_config(self):
        pg = PgServer(self.tmp, name="pg")
        self.addCleanup(pg.kill)
        pg.psql("CREATE TABLE personal_data(id bigserial primary key, bank_bic varchar, bank_name varchar null, "
                "last_update timestamp)")
        for bic in ("1234568", "1234569", "1234510", "1234511"):
            pg.psql(f"INSERT INTO personal_data(bank_bic, last_update) VALUES ('{bic}', now())")
        host = self.start()
        url = f"http://{host}"

        # curl -X GET http://kafka-connect-cp-kafka-connect:8083/connectors  -> []
        code, body = curl("-X", "GET", f"{url}/connectors")
        self.assertEqual((code, json.loads(body)), (200, []))

        # The article's curl -X POST, word for word but for the host and the Avro converter lines.
        data = """{
"name": "kafka-connector",
"config": {
"connector.class":"io.confluent.connect.jdbc.JdbcSourceConnector",
"tasks.max": 1,
"connection.url": "jdbc:postgresql://127.0.0.1:%d/postgres?user=postgres&password=pgpass",
"table.whitelist": "personal_data",
"mode": "incrementing",
"incrementing.column.name": "id",
"topic.prefix": "kafka-connect-",
"poll.interval.ms": 1000
}
}""" % pg.port
        code, body = curl("-X", "POST", "-H", "Content-Type: application/json", "--data", data, f"{url}/connectors")
        self.assertEqual(code, 201, body)
        info = json.loads(body)
        self.assertEqual(list(info), ["name", "config", "tasks", "type"])
        self.assertEqual(info["config"]["tasks.max"], "1")
        self.assertEqual(info["config"]["poll.interval.ms"], "1000")

        # curl -X GET .../connectors/kafka-connector/status  -> the article's RUNNING shape
        self.wait_state("kafka-connector", "RUNNING", ["RUNNING"])
        wid = self.worker_id()
        self.assertEqual(self.status("kafka-connector"), {
            "name": "kafka-connector", "connector": {"state": "RUNNING", "worker_id": wid},
            "tasks": [{"id": 0, "state": "RUNNING", "worker_id": wid}], "type": "source"})

        # curl -X GET .../connectors/kafka-connector/config
        code, body = curl("-X", "GET", f"{url}/connectors/kafka-connector/config")
        self.assertEqual(code, 200)
        self.assertEqual(json.loads(body), {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
            "connection.url": f"jdbc:postgresql://127.0.0.1:{pg.port}/postgres?user=postgres&password=pgpass",
            "table.whitelist": "personal_data", "mode": "incrementing", "incrementing.column.name": "id",
            "topic.prefix": "kafka-connect-", "poll.interval.ms": "1000", "name": "kafka-connector"})

        # kafka-console-consumer --topic kafka-connect-personal_data --from-beginning: 4 rows.
        out = wait_until(lambda: (lambda o: o if o.count(b"\n") >= 4 else None)(
            kcat_consume(self.broker.bootstrap, "kafka-connect-personal_data")), what="4 rows")
        ids = [self.payload(line)["id"] for line in out.decode().splitlines()]
        self.assertEqual(ids, [1, 2, 3, 4])

        self._common_flow(url, "kafka-connector", "source")

    # --- seeds/004 ------------------------------------------------------------------------------
    @unittest.skipIf(PG_BIN is None, "PostgreSQL server binaries not installed")
    def test_seed_004_debezium_postgres_connector(self):
        pg = PgServer(self.tmp, name="pg")
        self.addCleanup(pg.kill)
        pg.psql("CREATE TABLE customers (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL)")
        pg.psql("INSERT INTO customers (name) VALUES ('john'), ('jack'), ('jane')")
        host = self.start()

        # curl -H "Accept:application/json" localhost:8083/connectors/  -> "an empty array [ ]"
        code, body = curl("-H", "Accept:application/json", f"{host}/connectors/")
        self.assertEqual((code, json.loads(body)), (200, []))

        request = {"name": "postgres-connector", "config": {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "plugin.name": "pgoutput",
            "database.hostname": "127.0.0.1",
            "database.port": str(pg.port),
            "database.user": "postgres",
            "database.password": "postgres",
            "database.dbname": "postgres",
            "database.server.name": "myserver",
            "table.include.list": "public.customers"}}
        with open(self.path("pg-source-config.json"), "w") as f:
            json.dump(request, f, indent=2)
        # curl -i -X POST -H "Accept:application/json" -H "Content-Type:application/json" localhost:8083/connectors/ -d @pg-source-config.json
        code, body = curl("-i", "-X", "POST", "-H", "Accept:application/json", "-H", "Content-Type:application/json",
                          f"{host}/connectors/", "-d", f"@{self.path('pg-source-config.json')}")
        self.assertEqual(code, 201, body)
        # "This should return a response identical to the JSON object you sent" (plus tasks and type).
        info = json.loads(body)
        self.assertEqual(info["name"], request["name"])
        self.assertEqual(info["config"], dict(request["config"], name="postgres-connector"))
        self.assertEqual(info["type"], "source")

        self.wait_state("postgres-connector", "RUNNING", ["RUNNING"])
        # The topic myserver.public.customers gets the snapshot of the three rows.
        out = wait_until(lambda: (lambda o: o if o.count(b"\n") >= 3 else None)(
            kcat_consume(self.broker.bootstrap, "myserver.public.customers")), what="snapshot", timeout=60)
        names = [self.payload(line)["after"]["name"] for line in out.decode().splitlines()[:3]]
        self.assertEqual(sorted(names), ["jack", "jane", "john"])

        self._common_flow(host, "postgres-connector", "source")


class SeedCurlFlowsFerryDev(SeedCurlFlows):
    """The same curls, unchanged, against `ferry dev` (embedded broker, worker and REST in one
    process) - the issue's acceptance runs the seed flows there."""
    mode = "dev"


if __name__ == "__main__":
    if shutil.which("curl") is None:
        print("curl is required", file=sys.stderr)
        sys.exit(1)
    unittest.main()
