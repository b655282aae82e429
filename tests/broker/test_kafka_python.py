"""kafka-python 2.0.2 (an independent pure-Python client) against Ferry's broker: its version probe,
the admin client, a gzip producer with acks=all, two group consumers that split the partitions,
commit and resume after a broker restart, offset lookups, and manual assignment with commits in an
Empty group."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broker_harness import Broker, wait_for  # noqa: E402

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic  # noqa: E402
from kafka.errors import TopicAlreadyExistsError  # noqa: E402
from kafka.structs import OffsetAndMetadata  # noqa: E402


class KafkaPythonTest(unittest.TestCase):
    def setUp(self):
        self.b = Broker({"num.partitions": "2"}).start()
        self.bs = self.b.bootstrap

    def tearDown(self):
        self.b.cleanup()

    def test_version_probe_infers_a_modern_broker(self):
        c = KafkaConsumer(bootstrap_servers=self.bs)
        # Produce v8 is advertised, so kafka-python infers 2.4 and uses its newest requests.
        self.assertGreaterEqual(c.config["api_version"], (2, 4))
        c.close()

    def test_admin_create_describe_list_delete(self):
        a = KafkaAdminClient(bootstrap_servers=self.bs)
        r = a.create_topics([NewTopic("kp", 2, 1, topic_configs={"cleanup.policy": "compact"})])
        self.assertEqual(r.topic_errors[0][1], 0)
        with self.assertRaises(TopicAlreadyExistsError):
            a.create_topics([NewTopic("kp", 2, 1)])
        res = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp")])
        entries = {e[0]: e for e in res[0].resources[0][4]}
        self.assertEqual(entries["cleanup.policy"][1], "compact")
        self.assertEqual(entries["cleanup.policy"][3], 1)  # config_source TOPIC
        self.assertEqual(entries["retention.ms"][3], 5)    # default
        self.assertIn("kp", a.list_topics())
        p = KafkaProducer(bootstrap_servers=self.bs)
        p.send("kp", key=b"k", value=b"v").get(10)
        p.close()
        c = KafkaConsumer("kp", bootstrap_servers=self.bs, group_id="g", auto_offset_reset="earliest", consumer_timeout_ms=3000)
        self.assertEqual([m.value for m in c], [b"v"])
        c.commit()
        c.close()
        self.assertIn(("g", "consumer"), a.list_consumer_groups())
        g = a.describe_consumer_groups(["g"])[0]
        self.assertEqual(g.group, "g")
        self.assertEqual(g.state, "Empty")
        offsets = a.list_consumer_group_offsets("g")
        self.assertEqual(sum(o.offset for o in offsets.values()), 1)
        self.assertEqual(a.delete_topics(["kp"]).topic_error_codes[0][1], 0)
        wait_for(lambda: "kp" not in a.list_topics(), 10, what="deletion")
        a.close()

    def test_gzip_producer_acks_all(self):
        p = KafkaProducer(bootstrap_servers=self.bs, acks="all", compression_type="gzip", linger_ms=5)
        futures = [p.send("gz", key=b"%d" % i, value=b"value-%d" % i, partition=i % 2) for i in range(1000)]
        metas = [f.get(30) for f in futures]
        p.close()
        self.assertEqual(sorted(m.offset for m in metas if m.partition == 0), list(range(500)))
        c = KafkaConsumer("gz", bootstrap_servers=self.bs, group_id="gz", auto_offset_reset="earliest", consumer_timeout_ms=3000)
        got = sorted(m.value for m in c)
        c.close()
        self.assertEqual(got, sorted(b"value-%d" % i for i in range(1000)))

    def test_two_group_consumers_split_commit_and_resume_after_restart(self):
        seen = {0: [], 1: []}
        assigned = {0: set(), 1: set()}
        stop = threading.Event()

        def run(i):
            c = KafkaConsumer("split", bootstrap_servers=self.bs, group_id="kpg", auto_offset_reset="earliest",
                              enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=1000)
            try:
                while not stop.is_set():
                    batch = c.poll(200)
                    assigned[i] = {tp.partition for tp in c.assignment()}
                    for tp, msgs in batch.items():
                        seen[i].extend(m.value for m in msgs)
                    if batch:
                        c.commit()
            finally:
                c.close()

        KafkaProducer(bootstrap_servers=self.bs).send("split", value=b"create", partition=0).get(30)
        ts = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for t in ts:
            t.start()
        wait_for(lambda: assigned[0] and assigned[1] and not (assigned[0] & assigned[1]), 60, what="a split group")
        p = KafkaProducer(bootstrap_servers=self.bs)
        for i in range(200):
            p.send("split", value=b"a%d" % i, partition=i % 2)
        p.flush()
        wait_for(lambda: sum(v.startswith(b"a") for v in seen[0] + seen[1]) >= 200, 60, what="200 records")
        stop.set()
        for t in ts:
            t.join(30)
        got = [v for v in seen[0] + seen[1] if v.startswith(b"a")]
        self.assertEqual(sorted(got), sorted(b"a%d" % i for i in range(200)))
        self.assertTrue(seen[0] and seen[1])
        self.b.restart()
        p = KafkaProducer(bootstrap_servers=self.bs)
        p.send("split", value=b"after", partition=1).get(30)
        p.close()
        c = KafkaConsumer("split", bootstrap_servers=self.bs, group_id="kpg", auto_offset_reset="earliest", consumer_timeout_ms=5000)
        self.assertEqual([m.value for m in c], [b"after"])
        c.close()

    def test_offset_lookups(self):
        p = KafkaProducer(bootstrap_servers=self.bs)
        t0 = int(time.time() * 1000)
        for i in range(10):
            p.send("lookup", value=b"%d" % i, partition=0, timestamp_ms=t0 + i * 1000)
        p.flush()
        p.close()
        c = KafkaConsumer(bootstrap_servers=self.bs)
        tp = TopicPartition("lookup", 0)
        self.assertEqual(c.end_offsets([tp]), {tp: 10})
        self.assertEqual(c.beginning_offsets([tp]), {tp: 0})
        found = c.offsets_for_times({tp: t0 + 4500})[tp]
        self.assertEqual((found.offset, found.timestamp), (5, t0 + 5000))
        self.assertIsNone(c.offsets_for_times({tp: t0 + 100000})[tp])
        c.close()

    def test_manual_assignment_commits_in_an_empty_group(self):
        p = KafkaProducer(bootstrap_servers=self.bs)
        for i in range(5):
            p.send("man", value=b"%d" % i, partition=0)
        p.flush()
        p.close()
        tp = TopicPartition("man", 0)
        c = KafkaConsumer(bootstrap_servers=self.bs, group_id="manual", enable_auto_commit=False)
        c.assign([tp])
        c.seek_to_beginning(tp)
        msgs = c.poll(5000)[tp]
        self.assertEqual(len(msgs), 5)
        c.commit({tp: OffsetAndMetadata(3, "meta")})
        self.assertEqual(c.committed(tp), 3)
        c.close()
        a = KafkaAdminClient(bootstrap_servers=self.bs)
        self.assertEqual(a.list_consumer_group_offsets("manual")[tp], OffsetAndMetadata(3, "meta"))
        a.close()


if __name__ == "__main__":
    unittest.main()
