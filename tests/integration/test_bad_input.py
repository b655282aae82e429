"""Bad input gets a clear error, never a crash or a silent drop."""
import os
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FERRY, FerryTestCase, http, wait_until, connector_state, kcat_consume  # noqa: E402


class BadInputTest(FerryTestCase):

    def test_malformed_worker_properties_names_file_and_line(self):
        path = self.path("worker.properties")
        with open(path, "w") as f:
            f.write("# a comment\nbootstrap.servers=localhost:9092\nkey.converter=\\u12G4\n")
        r = subprocess.run([FERRY, "standalone", path], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        err = r.stderr.decode()
        self.assertIn("worker.properties:3", err)
        self.assertIn("malformed \\uxxxx encoding", err)

    def test_missing_required_worker_key_is_named(self):
        broker = self.start_broker()
        props = self.worker_props(broker.bootstrap)
        del props["value.converter"]
        path = self.path("worker.properties")
        with open(path, "w") as f:
            f.write("".join(f"{k}={v}\n" for k, v in props.items()))
        r = subprocess.run([FERRY, "standalone", path], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn('Missing required configuration "value.converter"', r.stderr.decode())

    def test_unknown_connector_class_lists_available_ones(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        status, body = http("POST", worker.url + "/connectors",
                            {"name": "x", "config": {"connector.class": "com.example.NoSuchConnector", "topics": "t"}})
        self.assertEqual(status, 400)
        self.assertEqual(body["error_code"], 400)
        self.assertIn("com.example.NoSuchConnector", body["message"])
        self.assertIn("org.apache.kafka.connect.file.FileStreamSinkConnector", body["message"])

    def test_missing_required_connector_key_is_named(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        status, body = http("POST", worker.url + "/connectors",
                            {"name": "x", "config": {"connector.class": "FileStreamSource", "file": "/tmp/x"}})
        self.assertEqual(status, 400)
        self.assertIn('Missing required configuration "topic"', body["message"])
        status, _ = http("GET", worker.url + "/connectors/x")
        self.assertEqual(status, 404)

    def test_client_override_policy_by_alias_or_class_name(self):
        # Java's worker takes the policy as an alias or a class name (guides mostly write the class
        # name); the refusal names the policy by its alias either way.
        broker = self.start_broker()
        cases = [("org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy", "None",
                  {"linger.ms": False, "sasl.mechanism": False}),
                 ("PrincipalConnectorClientConfigOverridePolicy", "Principal",
                  {"linger.ms": False, "sasl.mechanism": True}),
                 ("org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy", "All",
                  {"linger.ms": True, "sasl.mechanism": True}),
                 ("none", "None", {"linger.ms": False})]
        for i, (policy, alias, allowed) in enumerate(cases):
            worker = self.start_worker(dict(self.worker_props(broker.bootstrap),
                                            **{"connector.client.config.override.policy": policy}), name=f"w{i}")
            config = {"connector.class": "FileStreamSource", "file": self.path("in.txt"), "topic": "t", "name": "src",
                      **{"producer.override." + k: "PLAIN" if k == "sasl.mechanism" else "5" for k in allowed}}
            status, body = http("PUT", worker.url + "/connector-plugins/FileStreamSourceConnector/config/validate", config)
            self.assertEqual(status, 200, body)
            errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"]["errors"]}
            for key, ok in allowed.items():
                if ok:
                    self.assertNotIn("producer.override." + key, errors, policy)
                else:
                    self.assertEqual(errors.get("producer.override." + key),
                                     [f"The '{alias}' policy does not allow '{key}' to be overridden in the connector "
                                      "configuration."], policy)
            self.assertEqual(body["error_count"], sum(1 for ok in allowed.values() if not ok), policy)
            status, body = http("POST", worker.url + "/connectors", {"name": "src", "config": config})
            self.assertEqual(status, 201 if all(allowed.values()) else 400, body)
            if alias == "None":
                # Only the clients a connector uses are checked (AbstractHerder.connectorUsesProducer):
                # a sink produces only to a dead letter queue.
                sink = {"connector.class": "FileStreamSink", "file": self.path("out.txt"), "topics": "t", "name": "snk",
                        "producer.override.linger.ms": "5"}
                status, body = http("PUT", worker.url + "/connector-plugins/FileStreamSinkConnector/config/validate", sink)
                self.assertEqual(body["error_count"], 0, body)
                sink["errors.deadletterqueue.topic.name"] = "dlq"
                sink["errors.tolerance"] = "all"
                status, body = http("PUT", worker.url + "/connector-plugins/FileStreamSinkConnector/config/validate", sink)
                self.assertEqual(body["error_count"], 1, body)
            worker.stop()

    def test_connector_file_with_bad_json_fails_startup_with_exit_code_3(self):
        broker = self.start_broker()
        props = self.worker_props(broker.bootstrap)
        conn = self.path("bad.json")
        with open(conn, "w") as f:
            f.write('{"name": "x", "config": {"connector.class": "FileStreamSource",}')
        worker = self.start_worker(props, connector_files=[conn], wait_ready=False)
        code = worker.proc.wait(timeout=60)
        self.assertEqual(code, 3)
        self.assertIn("bad.json", worker.output())

    def test_unreadable_file_fails_the_task_with_a_reason_and_restart_recovers(self):
        if os.geteuid() == 0:
            # root reads any file; make the path a directory instead, which no one can read lines from.
            src = self.path("in-dir")
            os.mkdir(src)
        else:
            src = self.path("in.txt")
            with open(src, "w") as f:
                f.write("a\n")
            os.chmod(src, 0)
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        status, body = http("POST", worker.url + "/connectors",
                            {"name": "src", "config": {"connector.class": "FileStreamSource", "file": src,
                                                       "topic": "unreadable"}})
        self.assertEqual(status, 201, body)
        wait_until(lambda: connector_state(worker.url, "src")[1] == ["FAILED"], what="task FAILED")
        _, st = http("GET", worker.url + "/connectors/src/status")
        self.assertEqual(st["connector"]["state"], "RUNNING")
        trace = st["tasks"][0]["trace"]
        self.assertIn(src, trace)
        self.assertIn("org.apache.kafka.connect.errors.ConnectException", trace)
        # Fix the cause, restart the task: it runs and delivers.
        if os.path.isdir(src):
            os.rmdir(src)
        else:
            os.chmod(src, stat.S_IRUSR | stat.S_IWUSR)
        with open(src, "w") as f:
            f.write("fixed\n")
        status, _ = http("POST", worker.url + "/connectors/src/tasks/0/restart")
        self.assertEqual(status, 204)
        wait_until(lambda: connector_state(worker.url, "src")[1] == ["RUNNING"], what="task RUNNING")
        out = wait_until(lambda: kcat_consume(broker.bootstrap, "unreadable") or None, what="record")
        self.assertIn(b'"payload":"fixed"', out)


if __name__ == "__main__":
    unittest.main()
