"""Topic creation by source connectors (KIP-158, topic.creation.*) through a real Ferry worker.

Most tests run Ferry's broker with auto.create.topics.enable=false, so a topic that exists with
records in it was created by the connector. Topic layout is read with kcat -L, topic configs with
confluent-kafka's AdminClient.describe_configs.
"""
import json
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FerryTestCase, http, kcat_consume, wait_running, wait_until, connector_state  # noqa: E402

NO_AUTO_CREATE = {"auto.create.topics.enable": "false"}


def partitions(bootstrap, topic):
    """Partition count of a topic as kcat -L reports it (None when it does not exist)."""
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J", "-t", topic], capture_output=True, timeout=30,
                         check=True).stdout
    for t in json.loads(out)["topics"]:
        if t["topic"] == topic and not t.get("error"):
            return len(t["partitions"])
    return None


def topic_config(bootstrap, topic, key):
    from confluent_kafka.admin import AdminClient, ConfigResource
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.describe_configs([ConfigResource("topic", topic)])
    (f,) = futures.values()
    return f.result(timeout=30)[key].value


def records(bootstrap, topic):
    """The lines in a topic, in any order (several partitions), from plain or keyed() records."""
    payloads = [json.loads(line)["payload"] for line in kcat_consume(bootstrap, topic).decode().splitlines()]
    return sorted(p["line"] if isinstance(p, dict) else p for p in payloads)


# A compacted topic takes only records with keys, and FileStreamSource writes none: make the line
# the key (a Java worker would need the same).
KEYED = {"transforms": "hoist,key",
         "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
         "transforms.hoist.field": "line",
         "transforms.key.type": "org.apache.kafka.connect.transforms.ValueToKey",
         "transforms.key.fields": "line"}


class TopicCreationTest(FerryTestCase):

    def source(self, topic, lines=("one", "two", "three"), **creation):
        src = self.path(f"{topic}.txt")
        with open(src, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        config = {"connector.class": "FileStreamSource", "file": src, "topic": topic, "tasks.max": "1"}
        config.update({"topic.creation." + k.replace("__", "."): v for k, v in creation.items()})
        return config

    def create(self, worker, name, config):
        status, body = http("POST", worker.url + "/connectors", {"name": name, "config": config})
        self.assertEqual(status, 201, body)

    def wait_written(self, worker, name, topic):
        """Until the connector has had a record acknowledged in `topic` (topic tracking), so that
        nothing the test itself does (a consumer, kcat -L) can be what created the topic."""
        wait_until(lambda: http("GET", f"{worker.url}/connectors/{name}/topics")[1][name]["topics"] == [topic],
                   what=f"{name} writing to {topic}")

    def test_default_group_creates_the_topic_with_partitions_and_configs(self):
        broker = self.start_broker(props=NO_AUTO_CREATE)
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        self.create(worker, "src", dict(KEYED, **self.source("created", default__partitions="3",
                                                             default__replication__factor="1",
                                                             default__cleanup__policy="compact")))
        wait_running(worker.url, "src")
        self.wait_written(worker, "src", "created")
        # The broker creates nothing by itself: the records arrive because the task created the topic.
        wait_until(lambda: records(broker.bootstrap, "created") == ["one", "three", "two"], what="3 records")
        self.assertEqual(partitions(broker.bootstrap, "created"), 3)
        self.assertEqual(topic_config(broker.bootstrap, "created", "cleanup.policy"), "compact")

    def test_first_matching_group_wins_and_default_is_the_fallback(self):
        broker = self.start_broker(props=NO_AUTO_CREATE)
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        creation = dict(groups="metrics,wide", default__partitions="3", default__replication__factor="1",
                        metrics__include="metrics-.*", metrics__exclude="metrics-raw.*", metrics__partitions="5",
                        metrics__cleanup__policy="compact",
                        wide__include="wide-.*, metrics-.*", wide__partitions="4")
        for name, topic in [("m", "metrics-cpu"), ("r", "metrics-raw"), ("o", "orders")]:
            self.create(worker, name, dict(KEYED, **self.source(topic, **creation)))
        for name, topic in [("m", "metrics-cpu"), ("r", "metrics-raw"), ("o", "orders")]:
            wait_running(worker.url, name)
            self.wait_written(worker, name, topic)
            wait_until(lambda: len(records(broker.bootstrap, topic)) == 3, what=f"records in {topic}")
        # metrics-cpu: both groups include it, the first listed wins; its replication factor
        # comes from the default group.
        self.assertEqual(partitions(broker.bootstrap, "metrics-cpu"), 5)
        self.assertEqual(topic_config(broker.bootstrap, "metrics-cpu", "cleanup.policy"), "compact")
        # metrics-raw: excluded from `metrics` (exclude beats include), taken by `wide`.
        self.assertEqual(partitions(broker.bootstrap, "metrics-raw"), 4)
        self.assertEqual(topic_config(broker.bootstrap, "metrics-raw", "cleanup.policy"), "delete")
        # orders: no group includes it.
        self.assertEqual(partitions(broker.bootstrap, "orders"), 3)

    def test_an_existing_topic_is_left_as_it_is(self):
        from confluent_kafka.admin import AdminClient, NewTopic
        broker = self.start_broker(props=NO_AUTO_CREATE)
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for f in admin.create_topics([NewTopic("existing", num_partitions=2, replication_factor=1)]).values():
            f.result(timeout=30)
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        creation = dict(default__partitions="6", default__replication__factor="1", default__cleanup__policy="compact")
        self.create(worker, "src", dict(KEYED, **self.source("existing", **creation)))
        # The same settings for a topic that does not exist yet do create it.
        self.create(worker, "fresh", dict(KEYED, **self.source("fresh", **creation)))
        wait_running(worker.url, "src")
        self.wait_written(worker, "src", "existing")
        self.wait_written(worker, "fresh", "fresh")
        self.assertEqual(partitions(broker.bootstrap, "fresh"), 6)
        wait_until(lambda: records(broker.bootstrap, "existing") == ["one", "three", "two"],
                   what="3 records")
        self.assertEqual(partitions(broker.bootstrap, "existing"), 2)
        self.assertEqual(topic_config(broker.bootstrap, "existing", "cleanup.policy"), "delete")

    def test_missing_or_bad_default_settings_are_rejected_with_javas_messages(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        config = self.source("t", default__partitions="3")
        status, body = http("POST", worker.url + "/connectors", {"name": "src", "config": config})
        self.assertEqual(status, 400, body)
        self.assertIn('Missing required configuration "topic.creation.default.replication.factor" which has no '
                      'default value.', body["message"])
        self.assertEqual(http("GET", worker.url + "/connectors/src")[0], 404)

        status, body = http("PUT", worker.url + "/connector-plugins/FileStreamSource/config/validate",
                            dict(config, name="src", **{"topic.creation.default.replication.factor": "0",
                                                        "topic.creation.groups": "g",
                                                        "topic.creation.g.partitions": "-2",
                                                        "topic.creation.g.include": "a("}))
        self.assertEqual(status, 200, body)
        errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"]["errors"]}
        self.assertEqual(sorted(errors), ["topic.creation.default.replication.factor", "topic.creation.g.include",
                                          "topic.creation.g.partitions"])
        self.assertEqual(errors["topic.creation.default.replication.factor"], [
            "Invalid value 0 for configuration topic.creation.default.replication.factor: Replication factor "
            "must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use "
            "the broker's default"])
        self.assertEqual(errors["topic.creation.g.partitions"], [
            "Invalid value -2 for configuration topic.creation.g.partitions: Number of partitions must be "
            "positive, or -1 to use the broker's default"])
        self.assertEqual(len(errors["topic.creation.g.include"]), 1)
        self.assertTrue(errors["topic.creation.g.include"][0].startswith(
            "Invalid value [a(] for configuration topic.creation.g.include: Syntax error in regular expression: "))
        self.assertEqual(body["error_count"], 3)
        self.assertIn("Topic Creation: g", body["groups"])
        values = {c["value"]["name"]: c["value"]["value"] for c in body["configs"]}
        self.assertIsNone(values["topic.creation.g.replication.factor"])  # the default group's is invalid
        # With valid defaults a group inherits them.
        status, body = http("PUT", worker.url + "/connector-plugins/FileStreamSource/config/validate",
                            dict(config, name="src", **{"topic.creation.default.replication.factor": "1",
                                                        "topic.creation.groups": "g"}))
        values = {c["value"]["name"]: c["value"]["value"] for c in body["configs"]}
        self.assertEqual(body["error_count"], 0, body)
        self.assertEqual((values["topic.creation.g.replication.factor"], values["topic.creation.g.partitions"]),
                         ("1", "3"))

    def test_worker_with_topic_creation_disabled_ignores_the_keys(self):
        broker = self.start_broker()  # auto-creates topics with 1 partition
        worker = self.start_worker(self.worker_props(broker.bootstrap, topic__creation__enable="false"))
        # Not even the missing replication factor matters.
        self.create(worker, "src", self.source("plain", default__partitions="3", default__cleanup__policy="compact"))
        wait_running(worker.url, "src")
        self.wait_written(worker, "src", "plain")
        wait_until(lambda: records(broker.bootstrap, "plain") == ["one", "three", "two"], what="3 records")
        self.assertEqual(partitions(broker.bootstrap, "plain"), 1)
        self.assertEqual(topic_config(broker.bootstrap, "plain", "cleanup.policy"), "delete")

    def test_a_topic_that_cannot_be_created_fails_the_task(self):
        broker = self.start_broker(props=dict(NO_AUTO_CREATE, **{"ferry.replication.factor.clamp": "false"}))
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        self.create(worker, "src", self.source("unreplicable", default__partitions="1",
                                               default__replication__factor="3"))

        def task_failed():
            _, tasks = connector_state(worker.url, "src")
            return tasks == ["FAILED"]
        wait_until(task_failed, what="task FAILED")
        trace = http("GET", worker.url + "/connectors/src/status")[1]["tasks"][0]["trace"]
        self.assertIn("Task src-0 failed to create new topic 'unreplicable'", trace)
        self.assertIn("replication.factor=3", trace)
        self.assertIsNone(partitions(broker.bootstrap, "unreplicable"))

    def test_a_topic_check_that_times_out_is_retried(self):
        """A broker that does not answer while the task first checks its topic: Kafka Connect retries
        the send after a timeout (a RetriableException from TopicAdmin) instead of failing the task.
        The broker is frozen (SIGSTOP) before the connector starts, the admin client's
        default.api.timeout.ms is 1 s, and the task must still be RUNNING, and its records written to
        a topic it created, once the broker is thawed."""
        broker = self.start_broker(props=NO_AUTO_CREATE)
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            config = self.source("late", default__partitions="2", default__replication__factor="1")
            config["admin.override.default.api.timeout.ms"] = "1000"
            self.create(worker, "src", config)
            try:
                wait_until(lambda: worker.output().count("Backing off before retrying") >= 2, timeout=30,
                           what="two timed-out topic checks")
            except AssertionError:
                print(worker.output()[-4000:])
                raise
            self.assertEqual(connector_state(worker.url, "src")[1], ["RUNNING"])
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        self.wait_written(worker, "src", "late")
        self.assertEqual(partitions(broker.bootstrap, "late"), 2)
        self.assertEqual(records(broker.bootstrap, "late"), ["one", "three", "two"])
        self.assertIn("Timed out while checking for or creating topic 'late'", worker.output())
        self.assertEqual(connector_state(worker.url, "src")[1], ["RUNNING"])


if __name__ == "__main__":
    unittest.main()
