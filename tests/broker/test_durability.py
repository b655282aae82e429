"""Durability through the protocol: records produced with acks=all (idempotent librdkafka producer)
while the broker is killed with SIGKILL at random moments and restarted on the same log dir, once
with garbage appended to a partition's active segment (a torn tail). Every acknowledged record must
be present exactly once and in order; nothing may be duplicated.

The regular test writes 200,000 records. The acceptance-size run (10,000,000 records, > 1 GB) is
opt-in: FERRY_BROKER_DURABILITY_RECORDS=10000000 (see bench/RESULTS.md)."""
import glob
import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broker_harness import Broker  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402

RECORDS = int(os.environ.get("FERRY_BROKER_DURABILITY_RECORDS", "200000"))
PARTITIONS = 4
VALUE_PAD = b"." * 100


class DurabilityTest(unittest.TestCase):
    def test_acknowledged_records_survive_sigkill_exactly_once_in_order(self):
        b = Broker({"num.partitions": str(PARTITIONS)})
        b.start()
        try:
            self._run(b)
        finally:
            b.cleanup()

    def _run(self, b):
        rng = random.Random(int(os.environ.get("FERRY_TEST_SEED", time.time())))
        acked = [[] for _ in range(PARTITIONS)]
        failed = [0]
        lock = threading.Lock()

        def on_delivery(err, msg):
            if err is not None:
                failed[0] += 1
                return
            with lock:
                acked[msg.partition()].append(int(msg.value()[:10]))

        p = Producer({"bootstrap.servers": b.bootstrap, "enable.idempotence": True, "acks": "all",
                      "linger.ms": 5, "message.timeout.ms": 120000, "queue.buffering.max.messages": 200000,
                      "reconnect.backoff.max.ms": 200})
        kills = []
        triggers = [threading.Event() for _ in range(3)]
        done = threading.Event()
        # Kill points: random positions in the stream (the producer runs ahead of the broker, so
        # each kill lands with batches in flight and more queued).
        points = sorted(rng.sample(range(RECORDS // 10, RECORDS * 9 // 10), 3))

        def killer():
            for n, t in enumerate(triggers):
                while not t.wait(0.1):
                    if done.is_set():
                        return
                time.sleep(rng.uniform(0, 0.3))
                b.kill()
                kills.append(time.time())
                if n == 1:
                    # A torn tail: garbage after the last complete batch of the active segment.
                    logs = sorted(glob.glob(os.path.join(b.data, "durable-0", "*.log")))
                    if logs:
                        with open(logs[-1], "ab") as f:
                            f.write(os.urandom(137))
                time.sleep(rng.uniform(0.1, 0.6))
                b.start()

        k = threading.Thread(target=killer)
        k.start()
        seq = [0] * PARTITIONS
        # Pace small runs so that the kills land while records flow (~5 s in total).
        pace = 40 if RECORDS <= 1000000 else 0
        for i in range(RECORDS):
            for n, pt in enumerate(points):
                if i == pt:
                    triggers[n].set()
            part = i % PARTITIONS
            value = b"%010d" % seq[part] + VALUE_PAD
            seq[part] += 1
            while True:
                try:
                    p.produce("durable", value=value, partition=part, on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.05)
            if i % 1000 == 0:
                p.poll(0)
            if pace and i % pace == 0:
                time.sleep(0.001)
        remaining = p.flush(300)
        done.set()
        k.join()
        self.assertEqual(remaining, 0)
        self.assertEqual(len(kills), 3, "the broker was killed three times while producing")
        if b.proc is None:
            b.start()
        total_acked = sum(len(a) for a in acked)
        self.assertEqual(total_acked + failed[0], RECORDS)
        self.assertGreater(total_acked, 0)

        # Read everything back (after a final restart, so recovery ran once more).
        b.restart()
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "verify", "enable.auto.commit": False,
                      "enable.partition.eof": True, "fetch.max.bytes": 52428800})
        c.assign([TopicPartition("durable", p, 0) for p in range(PARTITIONS)])
        got = [[] for _ in range(PARTITIONS)]
        eof = set()
        deadline = time.time() + 600
        while len(eof) < PARTITIONS and time.time() < deadline:
            msgs = c.consume(10000, 0.5)
            for m in msgs:
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        eof.add(m.partition())
                    continue
                eof.discard(m.partition())
                got[m.partition()].append(int(m.value()[:10]))
        c.close()
        self.assertEqual(len(eof), PARTITIONS, "read to the end of every partition")
        for part in range(PARTITIONS):
            values = got[part]
            self.assertEqual(len(values), len(set(values)), "partition %d has duplicates" % part)
            self.assertEqual(values, sorted(values), "partition %d is out of order" % part)
            missing = set(acked[part]) - set(values)
            self.assertFalse(missing, "partition %d lost %d acknowledged records, e.g. %s" % (part, len(missing), sorted(missing)[:5]))
        print("durability: %d records, %d acknowledged, %d failed, 3 SIGKILLs" % (RECORDS, total_acked, failed[0]))


if __name__ == "__main__":
    unittest.main()
