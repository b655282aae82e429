"""`ferry distributed` with one worker: state in the config/offsets/status topics, byte-compatible
with Kafka Connect (spec section 4), surviving kill -9."""
import base64
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import (FERRY, FerryTestCase, free_port, http, kcat_consume, wait_until, wait_running,  # noqa: E402
                            connector_state, write_properties, end_offset)


class DistributedTest(FerryTestCase):

    def distributed_props(self, bootstrap, group="connect-cluster", port=None):
        port = port or free_port()
        return {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "config.storage.topic": "connect-configs",
            "offset.storage.topic": "connect-offsets",
            "status.storage.topic": "connect-status",
            "offset.flush.interval.ms": "500",
            "listeners": f"http://127.0.0.1:{port}",
            "rest.advertised.host.name": "127.0.0.1",
        }

    def start_distributed(self, props, name="worker"):
        path = self.path(f"{name}.properties")
        write_properties(path, props)
        p = self.spawn([FERRY, "distributed", path], name)
        p.url = "http://127.0.0.1:" + props["listeners"].rsplit(":", 1)[1]
        wait_until(lambda: http("GET", p.url + "/")[0] == 200 or (not p.alive() and self.fail(p.output()[-3000:])),
                   timeout=60, what="distributed worker REST")
        return p

    def records(self, bootstrap, topic):
        out = kcat_consume(bootstrap, topic, fmt="%k\\t%s\\n", extra=["-Z"]).decode().splitlines()
        return [tuple(l.split("\t", 1)) for l in out if l]

    def test_internal_topics_hold_kafka_connect_bytes(self):
        broker = self.start_broker()
        props = self.distributed_props(broker.bootstrap)
        worker = self.start_distributed(props)
        src = self.path("in.txt")
        with open(src, "w") as f:
            f.write("one\ntwo\n")
        status, body = http("POST", worker.url + "/connectors", {"name": "src", "config": {
            "connector.class": "FileStreamSource", "file": src, "topic": "lines"}})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["tasks"], [])  # no task configs are committed yet, as in Kafka Connect
        wait_running(worker.url, "src")
        wait_until(lambda: end_offset(broker.bootstrap, "lines") >= 2, what="records")
        status, _ = http("PUT", worker.url + "/connectors/src/pause")
        self.assertEqual(status, 202)
        wait_until(lambda: connector_state(worker.url, "src") == ("PAUSED", ["PAUSED"]), what="PAUSED")

        configs = self.records(broker.bootstrap, "connect-configs")
        # The leader writes a session key for signed inter-worker requests first (sessioned protocol).
        self.assertEqual(configs[0][0], "session-key")
        session_key = json.loads(configs[0][1])
        self.assertEqual(list(session_key), ["key", "algorithm", "creation-timestamp"])
        self.assertEqual(session_key["algorithm"], "HmacSHA256")
        self.assertEqual(len(base64.b64decode(session_key["key"])), 32)
        keys = [k for k, _ in configs if k != "session-key"]
        self.assertEqual(keys[:3], ["connector-src", "task-src-0", "commit-src"])
        conn = json.loads(dict(configs)["connector-src"])
        self.assertEqual(conn, {"properties": {"connector.class": "FileStreamSource", "file": src, "topic": "lines",
                                               "name": "src"}})
        task = json.loads(dict(configs)["task-src-0"])
        self.assertEqual(task["properties"]["task.class"], "org.apache.kafka.connect.file.FileStreamSourceTask")
        self.assertEqual(dict(configs)["commit-src"], '{"tasks":1}')
        self.assertEqual(dict(configs)["target-state-src"], '{"state":"PAUSED","state.v2":"PAUSED"}')

        offsets = wait_until(lambda: self.records(broker.bootstrap, "connect-offsets") or None, what="offsets")
        self.assertIn((json.dumps(["src", {"filename": src}], separators=(",", ":")), '{"position":8}'), offsets)

        statuses = dict(self.records(broker.bootstrap, "connect-status"))
        worker_id = "127.0.0.1:" + props["listeners"].rsplit(":", 1)[1]
        generation = json.loads(statuses["status-connector-src"])["generation"]
        self.assertGreaterEqual(generation, 1)  # the group generation: each rebalance adds one
        self.assertEqual(statuses["status-connector-src"],
                         '{"state":"PAUSED","trace":null,"worker_id":"%s","generation":%d}' % (worker_id, generation))
        self.assertIn("status-task-src-0", statuses)

        # stop: an empty task set, then STOPPED (state PAUSED for old workers).
        status, _ = http("PUT", worker.url + "/connectors/src/stop")
        self.assertEqual(status, 204)
        configs = self.records(broker.bootstrap, "connect-configs")
        self.assertEqual(configs[-2:], [("commit-src", '{"tasks":0}'),
                                        ("target-state-src", '{"state":"PAUSED","state.v2":"STOPPED"}')])
        # Internal topics are compacted.
        desc = subprocess.run(["kcat", "-b", broker.bootstrap, "-L", "-t", "connect-configs"], capture_output=True)
        self.assertIn(b"1 partitions", desc.stdout)

    def test_provider_references_stay_references_in_task_configs(self):
        # A value from a config provider is resolved for the connector and its tasks, but the config
        # topic and REST keep the ${...} reference (Kafka Connect's reverse transform): no secret
        # lands in the config topic.
        broker = self.start_broker()
        props = self.distributed_props(broker.bootstrap)
        props.update({"config.providers": "file",
                      "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider"})
        secrets = self.path("secrets.properties")
        with open(secrets, "w") as f:
            f.write("topic=secret-topic\n")
        worker = self.start_distributed(props)
        src = self.path("in.txt")
        with open(src, "w") as f:
            f.write("one\n")
        ref = "${file:%s:topic}" % secrets
        wait_until(lambda: http("POST", worker.url + "/connectors", {"name": "src", "config": {
            "connector.class": "FileStreamSource", "file": src, "topic": ref}})[0] == 201, timeout=60, what="create")
        wait_until(lambda: end_offset(broker.bootstrap, "secret-topic") >= 1, what="records in the resolved topic")
        _, tasks = http("GET", worker.url + "/connectors/src/tasks")
        self.assertEqual(tasks[0]["config"]["topic"], ref)
        configs = self.records(broker.bootstrap, "connect-configs")
        task = json.loads(dict(configs)["task-src-0"])
        self.assertEqual(task["properties"]["topic"], ref)
        self.assertNotIn("secret-topic", "".join(v for _, v in configs))
        # Kafka's wording for unknown connectors.
        status, body = http("PUT", worker.url + "/connectors/nope/pause")
        self.assertEqual((status, body["message"]), (404, "Unknown connector nope"))
        status, body = http("POST", worker.url + "/connectors/nope/restart?includeTasks=true")
        self.assertEqual((status, body["message"]), (404, "Unknown connector: nope"))

    def test_kill_and_restart_brings_back_connectors_states_and_offsets(self):
        broker = self.start_broker()
        props = self.distributed_props(broker.bootstrap)
        worker = self.start_distributed(props)
        src, dst = self.path("in.txt"), self.path("out.txt")
        lines = [f"line {i}" for i in range(3000)]
        with open(src, "w") as f:
            f.write("".join(l + "\n" for l in lines[:1500]))
        for name, cfg in [("src", {"connector.class": "FileStreamSource", "file": src, "topic": "t"}),
                          ("sink", {"connector.class": "FileStreamSink", "file": dst, "topics": "t"}),
                          ("paused", {"connector.class": "FileStreamSink", "file": self.path("p.txt"), "topics": "t"})]:
            status, body = http("POST", worker.url + "/connectors", {"name": name, "config": cfg})
            self.assertEqual(status, 201, body)
        self.assertEqual(http("PUT", worker.url + "/connectors/paused/pause")[0], 202)
        wait_until(lambda: os.path.exists(dst) and open(dst).read().count("\n") >= 1500, what="first half")
        time.sleep(1)  # let an offset flush happen
        worker.kill(signal.SIGKILL)
        with open(src, "a") as f:
            f.write("".join(l + "\n" for l in lines[1500:]))
        worker = self.start_distributed(props, name="worker2")
        wait_until(lambda: connector_state(worker.url, "src") == ("RUNNING", ["RUNNING"]), what="src RUNNING")
        wait_until(lambda: connector_state(worker.url, "paused") == ("PAUSED", ["PAUSED"]), what="still PAUSED")
        self.assertEqual(sorted(http("GET", worker.url + "/connectors")[1]), ["paused", "sink", "src"])
        wait_until(lambda: open(dst).read().count("\n") >= 3000, timeout=60, what="all lines")
        time.sleep(1)
        got = open(dst).read().splitlines()
        # At least once through a kill: nothing lost, duplicates only of what followed the last commit.
        self.assertEqual(sorted(set(got)), sorted(set(lines)))
        self.assertEqual(got[-1], lines[-1])
        _, off = http("GET", worker.url + "/connectors/src/offsets")
        self.assertEqual(off, {"offsets": [{"partition": {"filename": src},
                                            "offset": {"position": sum(len(l) + 1 for l in lines)}}]})


if __name__ == "__main__":
    unittest.main()
