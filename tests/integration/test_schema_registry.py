"""Ferry's Schema Registry and AvroConverter against independent clients.

- `ferry schema-registry` over Ferry's broker: the REST contract (Confluent's paths, bodies and error
  codes) through python3-confluent-kafka's SchemaRegistryClient and raw HTTP; restarts keep ids and
  versions (state in the `_schemas` topic).
- A Ferry worker with AvroConverter writes records (datagen orders); they are decoded with the
  Apache Avro Python library (python3-avro) from the Confluent wire format, with the writer schema
  fetched from the registry by the id in the record.
- Records encoded in Python (python3-avro + the wire format, schema registered with
  SchemaRegistryClient) are read by a Ferry sink whose value converter is the AvroConverter.
"""
import io
import json
import os
import struct
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import (FerryTestCase, FERRY, SOURCE_DIR, free_port, http, wait_running, wait_until, consume,  # noqa: E402
                            write_properties, _can_connect, _raise)

import avro.io  # noqa: E402  (python3-avro: an independent Avro implementation)
import avro.schema  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402

CT = "application/vnd.schemaregistry.v1+json"


def sr(method, url, body=None):
    """Raw registry call: (status, parsed body, content type)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": CT, "Accept": CT})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers.get("Content-Type")


def avro_decode(schema_text, payload):
    reader = avro.io.DatumReader(avro.schema.parse(schema_text))
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(payload)))


def avro_encode(schema_text, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(schema_text)).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


USER_V1 = {"type": "record", "name": "user", "namespace": "ferry.test",
           "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}
USER_V2 = {**USER_V1, "fields": USER_V1["fields"] + [{"name": "email", "type": ["null", "string"], "default": None}]}
USER_BREAKING = {**USER_V1, "fields": USER_V1["fields"] + [{"name": "age", "type": "int"}]}


class SchemaRegistryTest(FerryTestCase):
    def start_registry(self, broker, port=None, name="registry"):
        port = port or free_port()
        path = self.path(f"{name}.properties")
        write_properties(path, {"listeners": f"http://127.0.0.1:{port}",
                                "kafkastore.bootstrap.servers": f"PLAINTEXT://{broker.bootstrap}"})
        p = self.spawn([FERRY, "schema-registry", path], name)
        wait_until(lambda: _can_connect(port) or (not p.alive() and _raise(p)), timeout=60, what="registry port")
        p.url = f"http://127.0.0.1:{port}"
        return p

    def start_avro_cdc(self, setup_sql, name, **config):
        """PostgreSQL (wal_level=logical) prepared with `setup_sql`, Ferry's broker and registry, a
        standalone worker, and a PostgresConnector `name` (topic.prefix myserver) with AvroConverter
        for key and value set on the connector, plus `config`. Returns (pg, broker, registry,
        worker, the converter settings)."""
        sys.path.insert(0, os.path.dirname(__file__))
        from pg_server import PgServer
        pg = PgServer(self.tmp, name="pg")
        self.addCleanup(pg.kill)
        pg.psql(setup_sql)
        broker = self.start_broker()
        reg = self.start_registry(broker)
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        avro_conv = {"key.converter": "io.confluent.connect.avro.AvroConverter",
                     "key.converter.schema.registry.url": reg.url,
                     "value.converter": "io.confluent.connect.avro.AvroConverter",
                     "value.converter.schema.registry.url": reg.url}
        status, body = http("POST", f"{worker.url}/connectors", {"name": name, "config": {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.hostname": "127.0.0.1", "database.port": str(pg.port), "database.user": "postgres",
            "database.password": pg.password, "database.dbname": "postgres", "topic.prefix": "myserver",
            "plugin.name": "pgoutput", **config, **avro_conv}})
        self.assertEqual(status, 201, body)
        return pg, broker, reg, worker, avro_conv

    def test_rest_contract_and_restart(self):
        broker = self.start_broker()
        reg = self.start_registry(broker)
        url = reg.url
        client = SchemaRegistryClient({"url": url})

        id1 = client.register_schema("users-value", Schema(json.dumps(USER_V1), "AVRO"))
        self.assertEqual(id1, 1)
        # Idempotent; same schema in another subject keeps its id.
        self.assertEqual(client.register_schema("users-value", Schema(json.dumps(USER_V1), "AVRO")), 1)
        self.assertEqual(client.register_schema("other-value", Schema(json.dumps(USER_V1), "AVRO")), 1)
        id2 = client.register_schema("users-value", Schema(json.dumps(USER_V2), "AVRO"))
        self.assertEqual(id2, 2)
        self.assertEqual(sorted(client.get_subjects()), ["other-value", "users-value"])
        self.assertEqual(client.get_versions("users-value"), [1, 2])
        latest = client.get_latest_version("users-value")
        self.assertEqual((latest.version, latest.schema_id), (2, 2))
        self.assertEqual(json.loads(client.get_schema(1).schema_str), USER_V1 | {})

        status, body, ctype = sr("GET", f"{url}/subjects/users-value/versions/1")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith(CT), ctype)
        self.assertEqual((body["subject"], body["version"], body["id"]), ("users-value", 1, 1))
        self.assertEqual(sr("GET", f"{url}/subjects/users-value/versions/1/schema")[1], USER_V1)
        self.assertEqual(sr("GET", f"{url}/schemas/ids/1/versions")[1],
                         [{"subject": "other-value", "version": 1}, {"subject": "users-value", "version": 1}])
        self.assertEqual(sr("GET", f"{url}/schemas/ids/2/schema")[1], USER_V2)
        status, body, _ = sr("POST", f"{url}/subjects/users-value", {"schema": json.dumps(USER_V2)})
        self.assertEqual((status, body["version"], body["id"]), (200, 2, 2))

        # Errors: codes and statuses as Confluent's.
        with self.assertRaises(SchemaRegistryError) as e:
            client.register_schema("users-value", Schema(json.dumps(USER_BREAKING), "AVRO"))
        self.assertEqual(e.exception.http_status_code, 409)
        status, body, _ = sr("POST", f"{url}/subjects/users-value/versions", {"schema": "{\"type\": \"nope\"}"})
        self.assertEqual((status, body["error_code"]), (422, 42201))
        self.assertEqual(sr("GET", f"{url}/subjects/missing/versions")[1]["error_code"], 40401)
        self.assertEqual(sr("GET", f"{url}/subjects/users-value/versions/9")[1]["error_code"], 40402)
        self.assertEqual(sr("GET", f"{url}/subjects/users-value/versions/x")[1]["error_code"], 42202)
        self.assertEqual(sr("GET", f"{url}/schemas/ids/77")[:2], (404, {"error_code": 40403, "message": "Schema 77 not found"}))
        self.assertEqual(sr("POST", f"{url}/subjects/users-value", {"schema": json.dumps(USER_BREAKING)})[1]["error_code"], 40403)

        # Compatibility endpoint and config.
        status, body, _ = sr("POST", f"{url}/compatibility/subjects/users-value/versions/latest",
                             {"schema": json.dumps(USER_BREAKING)})
        self.assertEqual((status, body), (200, {"is_compatible": False}))
        self.assertEqual(sr("POST", f"{url}/compatibility/subjects/users-value/versions/latest?verbose=true",
                            {"schema": json.dumps(USER_V2)})[1], {"is_compatible": True, "messages": []})
        self.assertEqual(sr("GET", f"{url}/config")[1], {"compatibilityLevel": "BACKWARD"})
        self.assertEqual(sr("GET", f"{url}/config/users-value")[1]["error_code"], 40408)
        self.assertEqual(sr("PUT", f"{url}/config/users-value", {"compatibility": "none"})[1], {"compatibility": "NONE"})
        self.assertEqual(sr("PUT", f"{url}/config", {"compatibility": "SIDEWAYS"})[1]["error_code"], 42203)
        self.assertEqual(client.register_schema("users-value", Schema(json.dumps(USER_BREAKING), "AVRO")), 3)
        self.assertEqual(sr("GET", f"{url}/mode")[1], {"mode": "READWRITE"})
        self.assertEqual(sr("PUT", f"{url}/mode", {"mode": "nope"})[1]["error_code"], 42204)
        self.assertEqual(sr("GET", f"{url}/schemas/types")[1], ["AVRO"])

        # Deletes: soft first, then permanent.
        self.assertEqual(sr("DELETE", f"{url}/subjects/other-value?permanent=true")[1]["error_code"], 40405)
        self.assertEqual(sr("DELETE", f"{url}/subjects/other-value")[:2], (200, [1]))
        self.assertEqual(sr("GET", f"{url}/subjects")[1], ["users-value"])
        self.assertEqual(sr("GET", f"{url}/subjects?deleted=true")[1], ["other-value", "users-value"])
        self.assertEqual(sr("DELETE", f"{url}/subjects/other-value?permanent=true")[:2], (200, [1]))
        self.assertEqual(sr("DELETE", f"{url}/subjects/users-value/versions/3")[:2], (200, 3))
        self.assertEqual(sr("DELETE", f"{url}/subjects/users-value/versions/3")[1]["error_code"], 40406)
        self.assertEqual(sr("GET", f"{url}/subjects/users-value/versions")[1], [1, 2])

        # Restart: everything comes back from the _schemas topic.
        reg.stop()
        reg2 = self.start_registry(broker, name="registry2")
        client2 = SchemaRegistryClient({"url": reg2.url})
        self.assertEqual(client2.get_subjects(), ["users-value"])
        self.assertEqual(client2.get_versions("users-value"), [1, 2])
        self.assertEqual(sr("GET", f"{reg2.url}/subjects/users-value/versions/3?deleted=true")[1]["id"], 3)
        self.assertEqual(json.loads(client2.get_schema(2).schema_str), USER_V2)
        self.assertEqual(sr("GET", f"{reg2.url}/config/users-value")[1], {"compatibilityLevel": "NONE"})
        # A new schema gets the next id, never a reused one.
        self.assertEqual(client2.register_schema("fresh-value", Schema("\"string\"", "AVRO")), 4)

    def test_avro_converter_both_ways(self):
        broker = self.start_broker()
        reg = self.start_registry(broker)
        props = self.worker_props(broker.bootstrap)
        props.update({"key.converter": "io.confluent.connect.avro.AvroConverter",
                      "key.converter.schema.registry.url": reg.url,
                      "value.converter": "io.confluent.connect.avro.AvroConverter",
                      "value.converter.schema.registry.url": reg.url})
        worker = self.start_worker(props)

        # --- Ferry writes, Python reads ---
        status, body = http("POST", f"{worker.url}/connectors", {"name": "orders", "config": {
            "connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector",
            "kafka.topic": "orders", "quickstart": "orders", "iterations": "20", "max.interval": "1",
            "random.seed": "7", "tasks.max": "1"}})
        self.assertEqual(status, 201, body)
        records = consume(broker.bootstrap, "orders", 20, timeout=60)
        client = SchemaRegistryClient({"url": reg.url})
        self.assertEqual(sorted(client.get_subjects()), ["orders-key", "orders-value"])
        value_schema = client.get_latest_version("orders-value").schema.schema_str
        self.assertEqual(json.loads(value_schema)["name"], "orders")
        self.assertEqual(json.loads(value_schema)["connect.name"], "ksql.orders")
        seen_ids = set()
        for key, val, _ in records:
            self.assertEqual(val[0], 0)
            schema_id = struct.unpack(">i", val[1:5])[0]
            seen_ids.add(schema_id)
            d = avro_decode(client.get_schema(schema_id).schema_str, val[5:])
            self.assertEqual(set(d), {"ordertime", "orderid", "itemid", "orderunits", "address"})
            self.assertIsInstance(d["orderunits"], float)
            self.assertEqual(set(d["address"]), {"city", "state", "zipcode"})
            k = avro_decode(client.get_schema(struct.unpack(">i", key[1:5])[0]).schema_str, key[5:])
            self.assertEqual(k, d["orderid"])  # the key is the order id (INT32 -> Avro int)
        self.assertEqual(len(seen_ids), 1)

        # --- Python writes, Ferry reads ---
        schema_text = json.dumps(USER_V2)
        sid = client.register_schema("users-value", Schema(schema_text, "AVRO"))
        producer = Producer({"bootstrap.servers": broker.bootstrap})
        rows = [{"id": i, "name": f"name-{i}", "email": (None if i % 2 else f"u{i}@example.com")} for i in range(5)]
        for row in rows:
            producer.produce("users", value=b"\x00" + struct.pack(">i", sid) + avro_encode(schema_text, row))
        producer.produce("users", value=b"\x01garbage")  # not the wire format
        producer.produce("users", value=b"\x00\x00\x00\x03\xe7\x02")  # unknown schema id 999
        producer.flush(30)
        out = self.path("users.txt")
        status, body = http("POST", f"{worker.url}/connectors", {"name": "users-sink", "config": {
            "connector.class": "FileStreamSink", "topics": "users", "file": out, "tasks.max": "1",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "errors.tolerance": "all", "errors.log.enable": "true",
            "errors.deadletterqueue.topic.name": "users-dlq", "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true"}})
        self.assertEqual(status, 201, body)

        def lines():
            if not os.path.exists(out):
                return []
            with open(out, encoding="utf-8") as f:
                return f.read().splitlines()
        wait_until(lambda: len(lines()) >= 5, timeout=60, what="sink output")
        time.sleep(1)
        self.assertEqual(lines(), [f"Struct{{id={r['id']},name={r['name']}" + (f",email={r['email']}}}" if r["email"] else "}")
                                   for r in rows])
        wait_running(worker.url, "users-sink")
        wait_until(lambda: "Unknown magic byte" in worker.output(), timeout=30, what="the bad record's error in the log")
        # Both bad records are data errors: skipped by the task and routed to the dead letter queue
        # with the converter's message, the task keeps running.
        dlq = consume(broker.bootstrap, "users-dlq", 2, timeout=60)
        self.assertEqual([v for _, v, _ in dlq], [b"\x01garbage", b"\x00\x00\x00\x03\xe7\x02"])
        messages = [h.get("__connect.errors.exception.message", b"").decode() for _, _, h in dlq]
        self.assertIn("Unknown magic byte", messages[0])
        self.assertIn("users", messages[0])
        self.assertIn("999", messages[1])


    def test_seed_scenario_jdbc_source_to_jdbc_sink(self):
        """Scenario 1 (seeds/000) on SQLite: personal_data through the JDBC source with Avro values,
        the registry's subject and schema as the article shows them, then a JDBC sink writes the
        rows into a second database."""
        import sqlite3
        broker = self.start_broker()
        reg = self.start_registry(broker)
        src_path, dst_path = self.path("source.db"), self.path("target.db")
        src = sqlite3.connect(src_path, isolation_level=None)
        self.addCleanup(src.close)
        src.execute("CREATE TABLE personal_data (id bigint NOT NULL PRIMARY KEY, bank_bic varchar(11) NOT NULL, "
                    "bank_name varchar(100) NULL, last_update timestamp NOT NULL)")
        # 2024-01-15 10:30:00 UTC as epoch milliseconds (SQLite has no timestamp type; Ferry's
        # JDBC source compares timestamp columns as epoch-ms numbers there).
        src.execute("INSERT INTO personal_data VALUES (1, 'DEUTDEFF', 'Deutsche Bank', 1705314600000)")
        src.execute("INSERT INTO personal_data VALUES (2, 'DEUTDEFF', NULL, 1705314600000)")
        props = self.worker_props(broker.bootstrap)
        props.update({"value.converter": "io.confluent.connect.avro.AvroConverter",
                      "value.converter.schema.registry.url": reg.url})
        worker = self.start_worker(props)
        status, body = http("POST", f"{worker.url}/connectors", {"name": "jdbc-source", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "connection.url": f"jdbc:sqlite:{src_path}", "table.whitelist": "personal_data",
            "mode": "timestamp+incrementing", "incrementing.column.name": "id",
            "timestamp.column.name": "last_update", "topic.prefix": "kafka-connect-", "poll.interval.ms": "1000",
            "db.timezone": "UTC", "tasks.max": "1"}})
        self.assertEqual(status, 201, body)
        records = consume(broker.bootstrap, "kafka-connect-personal_data", 2, timeout=30)

        subject = "kafka-connect-personal_data-value"
        self.assertEqual(sr("GET", f"{reg.url}/subjects")[1], [subject])
        self.assertEqual(sr("GET", f"{reg.url}/subjects/{subject}/versions")[1], [1])
        v1 = sr("GET", f"{reg.url}/subjects/{subject}/versions/1")[1]
        self.assertEqual(v1["schema"], (
            '{"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},'
            '{"name":"bank_bic","type":"string"},{"name":"bank_name","type":["null","string"],"default":null},'
            '{"name":"last_update","type":{"type":"long","connect.version":1,'
            '"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}}],'
            '"connect.name":"personal_data"}'))
        # The exact bytes of the reference (36 and 22 bytes); the key is null.
        self.assertIsNone(records[0][0])
        self.assertEqual(records[0][1].hex(" "), "00 00 00 00 01 02 10 44 45 55 54 44 45 46 46 02 1a 44 65 75 74 73 63 "
                                                  "68 65 20 42 61 6e 6b 80 91 de ca a1 63")
        self.assertEqual(records[1][1].hex(" "), "00 00 00 00 01 04 10 44 45 55 54 44 45 46 46 00 80 91 de ca a1 63")

        status, body = http("POST", f"{worker.url}/connectors", {"name": "jdbc-sink", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
            "connection.url": f"jdbc:sqlite:{dst_path}", "topics": "kafka-connect-personal_data",
            "auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id",
            "tasks.max": "1"}})
        self.assertEqual(status, 201, body)
        dst = sqlite3.connect(dst_path, isolation_level=None, timeout=10)
        self.addCleanup(dst.close)

        def rows():
            try:
                return [list(r) for r in dst.execute(
                    'SELECT id, bank_bic, bank_name FROM "kafka-connect-personal_data" ORDER BY id').fetchall()]
            except sqlite3.OperationalError:
                return []
        wait_until(lambda: rows() == [[1, "DEUTDEFF", "Deutsche Bank"], [2, "DEUTDEFF", None]], timeout=60,
                   what=f"sink rows (now {rows()})")


    def test_seed_scenario_on_postgresql(self):
        """Scenario 1 (seeds/000) as the article runs it: PostgreSQL, `personal_data` as Hibernate
        creates it for the PersonalData entity (identity id, nullable varchar columns, timestamp
        last_update), the JDBC source in incrementing mode with AvroConverter for key and value set on
        the connector. The JDBC source writes null keys, so only the value subject is registered."""
        sys.path.insert(0, os.path.dirname(__file__))
        from pg_server import PgServer
        pg = PgServer(self.tmp, name="pg")
        self.addCleanup(pg.kill)
        pg.psql("CREATE TABLE personal_data (id bigint GENERATED BY DEFAULT AS IDENTITY, bank_bic varchar(255), "
                "bank_name varchar(255), last_update timestamp(6), PRIMARY KEY (id))")
        pg.psql("INSERT INTO personal_data (bank_bic, bank_name, last_update) VALUES "
                "('1234568', NULL, '2023-07-23 12:05:36.653'), ('1234569', NULL, '2023-07-23 12:05:36.752'), "
                "('1234510', NULL, '2023-07-23 12:05:36.843'), ('1234511', NULL, '2023-07-23 12:05:36.858')")
        broker = self.start_broker()
        reg = self.start_registry(broker)
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        status, body = http("POST", f"{worker.url}/connectors", {"name": "kafka-connector", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "key.converter": "io.confluent.connect.avro.AvroConverter",
            "value.converter": "io.confluent.connect.avro.AvroConverter",
            "key.converter.schema.registry.url": reg.url, "value.converter.schema.registry.url": reg.url,
            "tasks.max": "1", "connection.url": f"{pg.jdbc_url()}?user=postgres&password=pgpass",
            "table.whitelist": "personal_data", "mode": "incrementing", "incrementing.column.name": "id",
            "topic.prefix": "kafka-connect-", "poll.interval.ms": "1000"}})
        self.assertEqual(status, 201, body)
        records = consume(broker.bootstrap, "kafka-connect-personal_data", 4, timeout=60)

        subject = "kafka-connect-personal_data-value"
        self.assertEqual(sr("GET", f"{reg.url}/subjects")[1], [subject])
        self.assertEqual(sr("GET", f"{reg.url}/subjects/{subject}/versions")[1], [1])
        status, v1, _ = sr("GET", f"{reg.url}/subjects/{subject}/versions/1")
        self.assertEqual(status, 200, v1)
        self.assertEqual((v1["subject"], v1["version"]), (subject, 1))
        timestamp = {"type": "long", "connect.version": 1, "connect.name": "org.apache.kafka.connect.data.Timestamp",
                     "logicalType": "timestamp-millis"}
        self.assertEqual(json.loads(v1["schema"]), {
            "type": "record", "name": "personal_data",
            "fields": [{"name": "id", "type": "long"},
                       {"name": "bank_bic", "type": ["null", "string"], "default": None},
                       {"name": "bank_name", "type": ["null", "string"], "default": None},
                       {"name": "last_update", "type": ["null", timestamp], "default": None}],
            "connect.name": "personal_data"})
        # The registry stores the canonical text Confluent's converter sends (field order as above).
        self.assertEqual(v1["schema"], (
            '{"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},'
            '{"name":"bank_bic","type":["null","string"],"default":null},'
            '{"name":"bank_name","type":["null","string"],"default":null},'
            '{"name":"last_update","type":["null",{"type":"long","connect.version":1,'
            '"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}],'
            '"default":null}],"connect.name":"personal_data"}'))

        # The records: null keys; values in the wire format with the registered id, decoded by python3-avro
        # into the rows the article's console consumer shows.
        values = []
        for key, value, _ in records:
            self.assertIsNone(key)
            self.assertEqual(value[0], 0)
            self.assertEqual(struct.unpack(">I", value[1:5])[0], v1["id"])
            values.append(avro_decode(v1["schema"], value[5:]))
        ts = lambda v: v if isinstance(v, int) else round(v.timestamp() * 1000)  # noqa: E731
        self.assertEqual([(v["id"], v["bank_bic"], v["bank_name"], ts(v["last_update"])) for v in values],
                         [(1, "1234568", None, 1690113936653), (2, "1234569", None, 1690113936752),
                          (3, "1234510", None, 1690113936843), (4, "1234511", None, 1690113936858)])

    def test_debezium_postgres_events_under_avro_converter(self):
        """The PostgresConnector with AvroConverter for key and value set on the connector (Debezium's
        most common set-up): the registered envelope spells the row's Value record out once, in
        `before`, and `after` refers to it by name (spec: schema-registry-avro.md section 8); the
        snapshot and streamed events decode with python3-avro, and a sink with AvroConverter reads
        them back."""
        import decimal
        pg, broker, reg, worker, avro_conv = self.start_avro_cdc(
            "CREATE TABLE customers (id int PRIMARY KEY, name varchar(255) NOT NULL, price numeric(10,2), "
            "updated timestamptz); "
            "INSERT INTO customers VALUES (1, 'john', 12.50, '2024-05-01 10:00:00+00'), (2, 'jack', NULL, NULL); "
            # Two numeric columns without a scale: both are io.debezium.data.VariableScaleDecimal structs.
            "CREATE TABLE ledger (id int PRIMARY KEY, amount numeric, fee numeric); "
            "INSERT INTO ledger VALUES (1, 12.345, 0.5)",
            "customers-cdc", **{"table.include.list": "public.customers,public.ledger"})
        topic = "myserver.public.customers"
        consume(broker.bootstrap, topic, 2, timeout=60)
        pg.psql("INSERT INTO customers VALUES (3, 'josip', 7.25, '2024-05-02 11:30:00.123456+00')")
        pg.psql("UPDATE customers SET name = 'josip b.' WHERE id = 3")
        pg.psql("DELETE FROM customers WHERE id = 3")
        records = consume(broker.bootstrap, topic, 6, timeout=60)

        client = SchemaRegistryClient({"url": reg.url})
        self.assertEqual(sorted(client.get_subjects()), [f"{topic}-key", f"{topic}-value",
                                                         "myserver.public.ledger-key", "myserver.public.ledger-value"])
        # The second VariableScaleDecimal column refers to the record the first one spelled out.
        key, val, _ = consume(broker.bootstrap, "myserver.public.ledger", 1, timeout=60)[0]
        ledger_schema = client.get_schema(struct.unpack(">i", val[1:5])[0]).schema_str
        row_fields = {f["name"]: f["type"] for f in json.loads(ledger_schema)["fields"][0]["type"][1]["fields"]}
        self.assertEqual(row_fields["amount"][1]["name"], "VariableScaleDecimal")
        self.assertEqual(row_fields["fee"], ["null", "io.debezium.data.VariableScaleDecimal"])
        ledger = avro_decode(ledger_schema, val[5:])["after"]
        self.assertEqual((ledger["amount"]["scale"], int.from_bytes(ledger["amount"]["value"], "big", signed=True)),
                         (3, 12345))
        self.assertEqual((ledger["fee"]["scale"], int.from_bytes(ledger["fee"]["value"], "big", signed=True)), (1, 5))
        envelope = json.loads(client.get_latest_version(f"{topic}-value").schema.schema_str)
        self.assertEqual((envelope["name"], envelope["namespace"], envelope["connect.version"]),
                         ("Envelope", topic, 2))
        fields = {f["name"]: f for f in envelope["fields"]}
        self.assertEqual(list(fields)[:3], ["before", "after", "source"])
        before_type = fields["before"]["type"]
        self.assertEqual(before_type[0], "null")
        self.assertEqual((before_type[1]["type"], before_type[1]["name"], before_type[1]["connect.name"]),
                         ("record", "Value", f"{topic}.Value"))
        self.assertEqual([f["name"] for f in before_type[1]["fields"]], ["id", "name", "price", "updated"])
        self.assertEqual(fields["after"]["type"], ["null", "Value"])
        self.assertEqual((fields["source"]["type"]["name"], fields["source"]["type"]["namespace"]),
                         ("Source", "io.debezium.connector.postgresql"))

        decoded = []
        for key, val, _ in records:
            k = avro_decode(client.get_schema(struct.unpack(">i", key[1:5])[0]).schema_str, key[5:])
            if val is None:
                decoded.append((k, None))
                continue
            self.assertEqual(val[0], 0)
            decoded.append((k, avro_decode(client.get_schema(struct.unpack(">i", val[1:5])[0]).schema_str, val[5:])))
        self.assertEqual([k for k, _ in decoded], [{"id": 1}, {"id": 2}] + [{"id": 3}] * 4)
        values = [v for _, v in decoded]
        self.assertEqual([v["op"] if v else None for v in values], ["r", "r", "c", "u", "d", None])
        # customers is the first of the two tables snapshotted (ledger is the last)
        self.assertEqual([v["source"]["snapshot"] for v in values[:5]],
                         ["first", "last_in_data_collection", "false", "false", "false"])
        self.assertEqual(values[0]["after"], {"id": 1, "name": "john", "price": decimal.Decimal("12.50"),
                                              "updated": "2024-05-01T10:00:00.000000Z"})
        self.assertEqual(values[1]["after"], {"id": 2, "name": "jack", "price": None, "updated": None})
        self.assertIsNone(values[2]["before"])
        self.assertEqual(values[2]["after"], {"id": 3, "name": "josip", "price": decimal.Decimal("7.25"),
                                              "updated": "2024-05-02T11:30:00.123456Z"})
        self.assertEqual(values[3]["after"]["name"], "josip b.")
        self.assertEqual(values[4]["before"]["id"], 3)
        self.assertIsNone(values[4]["after"])
        self.assertEqual({v["source"]["table"] for v in values[:5]}, {"customers"})

        # Ferry's AvroConverter reads the envelopes back (the `after` reference resolved).
        out = self.path("customers.txt")
        status, body = http("POST", f"{worker.url}/connectors", {"name": "customers-file", "config": {
            "connector.class": "FileStreamSink", "topics": topic, "file": out, "tasks.max": "1", **avro_conv}})
        self.assertEqual(status, 201, body)

        def lines():
            if not os.path.exists(out):
                return []
            with open(out, encoding="utf-8") as f:
                return f.read().splitlines()
        wait_until(lambda: len(lines()) >= 6, timeout=60, what="sink output")
        got = lines()
        self.assertIn("after=Struct{id=1,name=john,price=12.50,updated=2024-05-01T10:00:00.000000Z}", got[0])
        self.assertIn("after=Struct{id=3,name=josip b.,price=7.25,updated=2024-05-02T11:30:00.123456Z}", got[3])
        self.assertIn("op=d", got[4])
        self.assertEqual(got[5], "null")

    def test_debezium_unwrapped_into_a_jdbc_sink_with_avro(self):
        """Debezium's replication pipeline: PostgresConnector -> ExtractNewRecordState -> AvroConverter
        -> JdbcSinkConnector (upsert by the record key, delete.enabled) into another database. The
        copy follows the snapshot, inserts, updates and deletes (a delete arrives as a tombstone)."""
        pg, broker, reg, worker, avro_conv = self.start_avro_cdc(
            "CREATE TABLE customers (id int PRIMARY KEY, name varchar(255) NOT NULL, price numeric(10,2), "
            "updated timestamptz); "
            "INSERT INTO customers VALUES (1, 'john', 12.50, '2024-05-01 10:00:00+00'), (2, 'jack', NULL, NULL), "
            "(3, 'jane', 0.10, '2024-05-03 08:00:00.5+00')",
            "source", **{"table.include.list": "public.customers", "transforms": "unwrap",
                         "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"})
        pg.psql("CREATE DATABASE replica")
        status, body = http("POST", f"{worker.url}/connectors", {"name": "sink", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": "myserver.public.customers",
            "connection.url": pg.jdbc_url("replica"), "connection.user": "postgres",
            "connection.password": pg.password, "insert.mode": "upsert", "pk.mode": "record_key",
            "pk.fields": "id", "delete.enabled": "true", "auto.create": "true",
            "table.name.format": "customers_copy", **avro_conv}})
        self.assertEqual(status, 201, body)

        def copy():
            out = pg.psql("SELECT id, name, price, updated FROM customers_copy ORDER BY id", db="replica", check=False)
            return [line.split("|") for line in out.splitlines()]
        wait_until(lambda: len(copy()) == 3, timeout=60, what=f"the snapshot in the copy (now {copy()})")
        self.assertEqual(copy(), [["1", "john", "12.50", "2024-05-01T10:00:00.000000Z"], ["2", "jack", "", ""],
                                  ["3", "jane", "0.10", "2024-05-03T08:00:00.500000Z"]])
        pg.psql("INSERT INTO customers VALUES (4, 'josip', 7.25, NULL)")
        pg.psql("UPDATE customers SET name = 'john b.', price = 13.00 WHERE id = 1")
        pg.psql("DELETE FROM customers WHERE id = 2")
        want = [["1", "john b.", "13.00", "2024-05-01T10:00:00.000000Z"],
                ["3", "jane", "0.10", "2024-05-03T08:00:00.500000Z"], ["4", "josip", "7.25", ""]]
        wait_until(lambda: copy() == want, timeout=60, what=f"the changes in the copy (now {copy()})")
        # The unwrapped rows are registered under the topic's subjects: the value is the row itself.
        client = SchemaRegistryClient({"url": reg.url})
        row = json.loads(client.get_latest_version("myserver.public.customers-value").schema.schema_str)
        self.assertEqual((row["name"], row["namespace"]), ("Value", "myserver.public.customers"))
        self.assertEqual([f["name"] for f in row["fields"]], ["id", "name", "price", "updated"])
        for name in ("source", "sink"):
            wait_running(worker.url, name)

    def test_kafkajs_confluent_schema_registry_client(self):
        """kafkajs + @kafkajs/confluent-schema-registry (avsc) decode what Ferry's AvroConverter wrote,
        and Ferry's AvroConverter reads what they encoded with a schema they registered."""
        js = os.path.join(SOURCE_DIR, "tests", "js")
        if not os.path.isdir(os.path.join(js, "node_modules", "@kafkajs", "confluent-schema-registry")):
            self.skipTest("tests/js node modules not installed (npm ci in tests/js)")
        script = os.path.join(js, "schema_registry", "avro_client.js")
        broker = self.start_broker()
        reg = self.start_registry(broker)
        props = self.worker_props(broker.bootstrap)
        props.update({"value.converter": "io.confluent.connect.avro.AvroConverter",
                      "value.converter.schema.registry.url": reg.url})
        worker = self.start_worker(props)
        status, body = http("POST", f"{worker.url}/connectors", {"name": "orders", "config": {
            "connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector",
            "kafka.topic": "orders", "quickstart": "orders", "iterations": "10", "max.interval": "1",
            "random.seed": "3", "tasks.max": "1"}})
        self.assertEqual(status, 201, body)
        records = consume(broker.bootstrap, "orders", 10, timeout=60)
        client = SchemaRegistryClient({"url": reg.url})
        expected = [avro_decode(client.get_schema(struct.unpack(">i", v[1:5])[0]).schema_str, v[5:]) for _, v, _ in records]
        out = subprocess.run(["node", script, "decode", broker.bootstrap, reg.url, "orders", "10"], cwd=js,
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        decoded = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertEqual(decoded, expected)

        schema = {"type": "record", "name": "person", "namespace": "js",
                  "fields": [{"name": "id", "type": "int"}, {"name": "tags", "type": {"type": "array", "items": "string"}},
                             {"name": "nick", "type": ["null", "string"], "default": None},
                             {"name": "score", "type": "double"}]}
        values = [{"id": 1, "tags": ["a", "b"], "nick": "one", "score": 1.5},
                  {"id": 2, "tags": [], "nick": None, "score": -2.25}]
        out = subprocess.run(["node", script, "encode", broker.bootstrap, reg.url, "people", "people-value",
                              json.dumps(schema), json.dumps(values)], cwd=js, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        sink_out = self.path("people.txt")
        status, body = http("POST", f"{worker.url}/connectors", {"name": "people-sink", "config": {
            "connector.class": "FileStreamSink", "topics": "people", "file": sink_out, "tasks.max": "1"}})
        self.assertEqual(status, 201, body)

        def lines():
            if not os.path.exists(sink_out):
                return []
            with open(sink_out, encoding="utf-8") as f:
                return f.read().splitlines()
        wait_until(lambda: len(lines()) >= 2, timeout=60, what="sink output")
        self.assertEqual(lines(), ["Struct{id=1,tags=[a, b],nick=one,score=1.5}", "Struct{id=2,tags=[],score=-2.25}"])


if __name__ == "__main__":
    unittest.main()
