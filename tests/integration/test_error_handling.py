"""errors.tolerance, errors.log.*, and dead letter queues (spec kafka-connect.md section 7)."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FerryTestCase, http, kcat_consume, wait_until, connector_state, end_offset  # noqa: E402


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
        out = wait_until(lambda: kcat_consume(broker.bootstrap, "orders-dlq", fmt="%k\\t%s\\t%h\\n") or None,
                         what="DLQ record")
        key, value, headers = out.decode().rstrip("\n").split("\t")
        self.assertEqual((key, value), ("k2", "not json at all"))
        h = dict(kv.split("=", 1) for kv in headers.split(","))
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


if __name__ == "__main__":
    unittest.main()
