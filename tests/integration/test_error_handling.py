"""errors.tolerance, errors.log.*, and dead letter queues (spec kafka-connect.md section 7)."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FerryTestCase, http, kcat_consume, wait_until, connector_state, end_offset, consume  # noqa: E402


def produce(bootstrap, topic, values):
    data = "".join(v + "\n" for v in values).encode()
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "|"], input=data, check=True, timeout=30)


def envelope(v):
    return json.dumps({"schema": {"type": "string", "optional": False}, "payload": v})


class ErrorHandlingTest(FerryTestCase):

    def test_sink_dlq_gets_the_original_record_with_context_headers(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        dst = self.path("out.txt")
        # key|value lines: the second record's value is not JSON.
        produce(broker.bootstrap, "orders", [f"k1|{envelope('good-1')}", "k2|not json at all", f"k3|{envelope('good-2')}"])
        status, body = http("POST", worker.url + "/connectors", {"name": "sink", "config": {
            "connector.class": "FileStreamSink", "topics": "orders", "file": dst,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "errors.tolerance": "all", "errors.log.enable": "true", "errors.log.include.messages": "true",
            "errors.deadletterqueue.topic.name": "orders-dlq",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true"}})
        self.assertEqual(status, 201, body)
        wait_until(lambda: os.path.exists(dst) and open(dst).read().count("\n") >= 2, what="good records")
        [(key, value, hb)] = consume(broker.bootstrap, "orders-dlq", 1)
        self.assertEqual((key, value), (b"k2", b"not json at all"))
        h = {k: v.decode() for k, v in hb.items()}
        self.assertEqual(h["__connect.errors.topic"], "orders")
        self.assertEqual(h["__connect.errors.partition"], "0")
        self.assertEqual(h["__connect.errors.offset"], "1")
        self.assertEqual(h["__connect.errors.connector.name"], "sink")
        self.assertEqual(h["__connect.errors.task.id"], "0")
        self.assertEqual(h["__connect.errors.stage"], "VALUE_CONVERTER")
        self.assertEqual(h["__connect.errors.class.name"], "org.apache.kafka.connect.json.JsonConverter")
        self.assertEqual(h["__connect.errors.exception.class.name"], "org.apache.kafka.connect.errors.DataException")
        self.assertIn("__connect.errors.exception.message", h)
        self.assertEqual(open(dst).read(), "good-1\ngood-2\n")
        self.assertEqual(connector_state(worker.url, "sink"), ("RUNNING", ["RUNNING"]))
        log = worker.output()
        self.assertIn("Error encountered in task sink-0. Executing stage 'VALUE_CONVERTER' with class "
                      "'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='orders', "
                      "partition=0, offset=1", log)

    def test_tolerance_none_fails_the_task_naming_the_record(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        subprocess.run(["kcat", "-b", broker.bootstrap, "-P", "-t", "bad"], input=b"{oops\n", check=True, timeout=30)
        status, body = http("POST", worker.url + "/connectors", {"name": "sink", "config": {
            "connector.class": "FileStreamSink", "topics": "bad", "file": self.path("out.txt")}})
        self.assertEqual(status, 201, body)
        wait_until(lambda: connector_state(worker.url, "sink")[1] == ["FAILED"], what="task FAILED")
        _, st = http("GET", worker.url + "/connectors/sink/status")
        trace = st["tasks"][0]["trace"]
        self.assertIn("Tolerance exceeded in error handler", trace)
        self.assertIn("topic bad, partition 0, offset 0", trace)
        self.assertIn("VALUE_CONVERTER", trace)

    def test_source_dlq_is_a_ferry_extension_for_records_that_fail_transformation(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        src = self.path("in.txt")
        with open(src, "w") as f:
            f.write('{"id": 1}\nplain text\n{"id": 3}\n')
        # Values are JSON text; HoistField + ExtractField only work on the structured ones... here
        # ExtractField$Value on a STRING value fails for every record, so all go to the DLQ while the
        # task keeps running and the offsets still move.
        status, body = http("POST", worker.url + "/connectors", {"name": "src", "config": {
            "connector.class": "FileStreamSource", "file": src, "topic": "lines",
            "transforms": "pick", "transforms.pick.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
            "transforms.pick.field": "id",
            "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "lines-dlq",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true"}})
        self.assertEqual(status, 201, body)
        rows = consume(broker.bootstrap, "lines-dlq", 3)
        self.assertEqual([json.loads(v)["payload"] for _, v, _ in rows], ['{"id": 1}', "plain text", '{"id": 3}'])
        h = {k: v.decode() for k, v in rows[0][2].items()}
        self.assertEqual(h["__connect.errors.stage"], "TRANSFORMATION")
        self.assertEqual(h["__connect.errors.class.name"], "org.apache.kafka.connect.transforms.ExtractField$Value")
        self.assertEqual(h["__connect.errors.topic"], "lines")
        self.assertEqual(h["__connect.errors.connector.name"], "src")
        self.assertEqual(end_offset(broker.bootstrap, "lines"), 0)
        self.assertEqual(connector_state(worker.url, "src"), ("RUNNING", ["RUNNING"]))
        # The skipped records' offsets are committed: a restarted task does not read them again.
        wait_until(lambda: http("GET", worker.url + "/connectors/src/offsets")[0] == 200 and
                   http("GET", worker.url + "/connectors/src/offsets")[1]["offsets"], what="offsets committed")

    def test_transform_chain_with_predicate_through_a_worker(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        src = self.path("in.txt")
        with open(src, "w") as f:
            f.write("a\nb\n")
        status, body = http("POST", worker.url + "/connectors", {"name": "src", "config": {
            "connector.class": "FileStreamSource", "file": src, "topic": "raw",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
            "transforms": "hoist,route,stamp",
            "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
            "transforms.hoist.field": "line",
            "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.route.regex": "raw", "transforms.route.replacement": "cooked-$0",
            "transforms.stamp.type": "org.apache.kafka.connect.transforms.InsertField$Value",
            "transforms.stamp.static.field": "origin", "transforms.stamp.static.value": "ferry",
            "transforms.stamp.predicate": "isCooked", "transforms.stamp.negate": "true",
            "predicates": "isCooked",
            "predicates.isCooked.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            "predicates.isCooked.pattern": "cooked-.*"}})
        self.assertEqual(status, 201, body)
        out = wait_until(lambda: (lambda o: o if o.count(b"\n") >= 2 else None)(
            kcat_consume(broker.bootstrap, "cooked-raw")), what="2 routed records")
        # The predicate matches the routed topic, so with negate the InsertField stage is skipped.
        self.assertEqual([json.loads(l) for l in out.decode().splitlines()], [{"line": "a"}, {"line": "b"}])


if __name__ == "__main__":
    unittest.main()
