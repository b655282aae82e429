"""Log compaction and retention through the protocol (librdkafka clients): many updates over a
fixed key set shrink to about one record per key after cleaning, readers see the latest values at
their original offsets, tombstones stay for delete.retention.ms and then go, keyless records are
rejected on compacted topics, and time retention advances the log start offset.

FERRY_BROKER_COMPACTION_UPDATES=1000000 runs the acceptance size (1,000,000 updates, 1,000 keys)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broker_harness import Broker, wait_for  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

UPDATES = int(os.environ.get("FERRY_BROKER_COMPACTION_UPDATES", "100000"))
KEYS = 1000


def read_partition(bootstrap, topic, start=0, timeout=60):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "r%f" % time.time(), "enable.auto.commit": False,
                  "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, start)])
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                break
            continue
        out.append((m.offset(), m.key(), m.value()))
    c.close()
    return out


class CompactionTest(unittest.TestCase):
    def setUp(self):
        self.b = Broker({"log.cleaner.backoff.ms": "200", "log.retention.check.interval.ms": "200"}).start()
        self.admin = AdminClient({"bootstrap.servers": self.b.bootstrap})

    def tearDown(self):
        self.b.cleanup()

    def create(self, name, **cfg):
        for _, f in self.admin.create_topics([NewTopic(name, 1, 1, config=cfg)]).items():
            f.result()

    def test_updates_shrink_to_latest_value_per_key_and_tombstones_expire(self):
        self.create("cmp", **{"cleanup.policy": "compact", "segment.bytes": "262144", "segment.ms": "500",
                              "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "3000"})
        p = Producer({"bootstrap.servers": self.b.bootstrap, "linger.ms": 20, "compression.type": "lz4"})
        latest = {}
        for i in range(UPDATES):
            k = b"key-%04d" % (i % KEYS)
            v = b"value-%d" % i
            latest[k] = v
            while True:
                try:
                    p.produce("cmp", key=k, value=v, partition=0)
                    break
                except BufferError:
                    p.poll(0.05)
        p.flush(60)
        deleted = [b"key-%04d" % i for i in range(10)]
        for k in deleted:
            p.produce("cmp", key=k, value=None, partition=0)
            latest[k] = None
        p.flush(60)
        end = UPDATES + len(deleted)

        # Let the active segment age past segment.ms, then roll it with one more write so that
        # every update sits in a closed (cleanable) segment.
        time.sleep(1.0)
        p.produce("cmp", key=b"roller", value=b"r", partition=0)
        p.flush(10)

        def compacted():
            recs = read_partition(self.b.bootstrap, "cmp")
            return recs if len(recs) <= KEYS + 50 else None

        recs = wait_for(compacted, 120, interval=0.5, what="compaction")
        offsets = [o for o, _, _ in recs]
        self.assertEqual(offsets, sorted(offsets))
        self.assertEqual(offsets[-1], end)  # offsets are preserved, never renumbered
        seen = {}
        for _, k, v in recs:
            seen[k] = v
        for k, v in latest.items():
            self.assertEqual(seen.get(k, "absent"), v, k)
        self.assertGreaterEqual(len(recs), KEYS)

        # Tombstones go once delete.retention.ms passed after the cleaning that saw them.
        time.sleep(3.5)
        p.produce("cmp", key=b"roller", value=b"r2", partition=0)
        p.flush(10)
        time.sleep(0.6)
        p.produce("cmp", key=b"roller", value=b"r3", partition=0)
        p.flush(10)

        def tombstones_gone():
            recs = read_partition(self.b.bootstrap, "cmp")
            return recs if not any(k in deleted for _, k, _ in recs) else None

        recs = wait_for(tombstones_gone, 120, interval=0.5, what="tombstone expiry")
        keys = {k for _, k, _ in recs}
        self.assertEqual(len(keys & set(latest)), KEYS - len(deleted))

    def test_keyless_records_are_rejected_on_compacted_topics(self):
        self.create("cmp-keys", **{"cleanup.policy": "compact"})
        errors = []
        p = Producer({"bootstrap.servers": self.b.bootstrap, "retries": 0})
        p.produce("cmp-keys", value=b"no key", partition=0, on_delivery=lambda e, m: errors.append(e))
        p.flush(10)  # its own batch: a rejected batch fails all its records
        p.produce("cmp-keys", key=b"k", value=b"keyed", partition=0, on_delivery=lambda e, m: errors.append(e))
        p.flush(10)
        self.assertEqual(errors[0].code(), KafkaError.INVALID_RECORD)
        self.assertIsNone(errors[1])

    def test_time_retention_advances_the_log_start(self):
        self.create("ret", **{"retention.ms": "1000", "segment.ms": "300"})
        p = Producer({"bootstrap.servers": self.b.bootstrap})
        for i in range(100):
            p.produce("ret", value=b"old-%d" % i, partition=0)
        p.flush(10)
        time.sleep(1.5)
        p.produce("ret", value=b"new", partition=0)  # rolls the old segment
        p.flush(10)
        c = Consumer({"bootstrap.servers": self.b.bootstrap, "group.id": "ret"})
        lo = wait_for(lambda: c.get_watermark_offsets(TopicPartition("ret", 0), timeout=5)[0] or None, 60, what="retention")
        c.close()
        self.assertEqual(lo, 100)
        recs = read_partition(self.b.bootstrap, "ret")
        self.assertEqual([v for _, _, v in recs], [b"new"])


if __name__ == "__main__":
    unittest.main()
