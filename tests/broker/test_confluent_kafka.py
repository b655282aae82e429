"""python3-confluent-kafka (librdkafka 2.0.2) against Ferry's broker: the admin API, a two-consumer
group that rebalances without losing or repeating committed records, the idempotent producer
behind connections that keep dropping, and transactions (read_committed/read_uncommitted
visibility, offsets in transactions, zombie fencing, timeouts, a broker restart mid-transaction)."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broker_harness import Broker, DroppingProxy, wait_for  # noqa: E402

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic  # noqa: E402


def result_of(futures):
    return {k: f.result() for k, f in futures.items()}


def next_record(consumer, timeout=0.2):
    """One real record from poll(), or None. poll() also returns error events (e.g. "unknown topic"
    while a subscribed topic is still being created); those are not records."""
    m = consumer.poll(timeout)
    return m if m is not None and m.error() is None else None


def error_of(future):
    try:
        future.result()
    except KafkaException as e:
        return e.args[0]
    return None


def read_all(bootstrap, topic, partitions, isolation="read_committed", timeout=30):
    """Every record of `topic` from the beginning up to the end, as (partition, offset, value)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-%f" % time.time(), "auto.offset.reset": "earliest",
                  "isolation.level": isolation, "enable.partition.eof": True, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out, eof = [], set()
    deadline = time.time() + timeout
    while len(eof) < partitions and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add(m.partition())
                continue
            raise KafkaException(m.error())
        eof.discard(m.partition())
        out.append((m.partition(), m.offset(), m.value().decode() if m.value() is not None else None))
    c.close()
    if len(eof) < partitions:
        raise AssertionError("did not reach the end of %s" % topic)
    return out


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.b = Broker({"num.partitions": "2"}).start()
        cls.admin = AdminClient({"bootstrap.servers": cls.b.bootstrap})

    @classmethod
    def tearDownClass(cls):
        cls.b.cleanup()

    def test_create_topics_with_configs_and_errors(self):
        a = self.admin
        self.assertEqual(result_of(a.create_topics([NewTopic("c1", 3, 1, config={"cleanup.policy": "compact"})])), {"c1": None})
        e = error_of(a.create_topics([NewTopic("c1", 3, 1)])["c1"])
        self.assertEqual(e.code(), KafkaError.TOPIC_ALREADY_EXISTS)
        e = error_of(a.create_topics([NewTopic("bad", 1, 1, config={"no.such.config": "1"})])["bad"])
        self.assertEqual(e.code(), KafkaError.INVALID_CONFIG)
        e = error_of(a.create_topics([NewTopic("bad2", 1, 1, config={"retention.ms": "soon"})])["bad2"])
        self.assertEqual(e.code(), KafkaError.INVALID_CONFIG)
        e = error_of(a.create_topics([NewTopic("bad name!", 1, 1)])["bad name!"])
        self.assertEqual(e.code(), KafkaError.TOPIC_EXCEPTION)
        # Replication factor 3 (what Connect and the Schema Registry ask for) is clamped to 1.
        self.assertEqual(result_of(a.create_topics([NewTopic("rf3", 1, 3)])), {"rf3": None})
        # -1 partitions: the broker default (num.partitions=2 here).
        self.assertEqual(result_of(a.create_topics([NewTopic("dflt", -1, -1)])), {"dflt": None})
        md = a.list_topics(timeout=10)
        self.assertEqual(len(md.topics["c1"].partitions), 3)
        self.assertEqual(len(md.topics["dflt"].partitions), 2)
        self.assertEqual(len(md.topics["rf3"].partitions[0].replicas), 1)
        self.assertNotIn("bad", md.topics)

    def test_validate_only_creates_nothing(self):
        self.assertEqual(result_of(self.admin.create_topics([NewTopic("vo", 1, 1)], validate_only=True)), {"vo": None})
        self.assertNotIn("vo", self.admin.list_topics(timeout=10).topics)

    def test_describe_and_alter_configs(self):
        a = self.admin
        result_of(a.create_topics([NewTopic("cfg", 1, 1, config={"cleanup.policy": "compact", "min.compaction.lag.ms": "100"})]))
        cfg = result_of(a.describe_configs([ConfigResource("topic", "cfg")]))
        entries = list(cfg.values())[0]
        self.assertEqual(entries["cleanup.policy"].value, "compact")
        self.assertFalse(entries["cleanup.policy"].is_default)
        self.assertEqual(entries["cleanup.policy"].source, ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
        self.assertEqual(entries["retention.ms"].value, "604800000")
        self.assertTrue(entries["retention.ms"].is_default)
        self.assertEqual(entries["min.compaction.lag.ms"].value, "100")
        for key in ("retention.bytes", "segment.bytes", "delete.retention.ms", "max.message.bytes", "min.cleanable.dirty.ratio"):
            self.assertIn(key, entries)
        # AlterConfigs replaces all overrides.
        result_of(a.alter_configs([ConfigResource("topic", "cfg", set_config={"retention.ms": "1000"})]))
        entries = list(result_of(a.describe_configs([ConfigResource("topic", "cfg")])).values())[0]
        self.assertEqual(entries["retention.ms"].value, "1000")
        self.assertEqual(entries["cleanup.policy"].value, "delete")
        self.assertTrue(entries["min.compaction.lag.ms"].is_default)
        e = error_of(a.alter_configs([ConfigResource("topic", "cfg", set_config={"retention.ms": "x"})])[ConfigResource("topic", "cfg")])
        self.assertEqual(e.code(), KafkaError.INVALID_CONFIG)
        e = error_of(a.describe_configs([ConfigResource("topic", "missing")])[ConfigResource("topic", "missing")])
        self.assertEqual(e.code(), KafkaError.UNKNOWN_TOPIC_OR_PART)
        # The broker resource: read-only static settings.
        broker = list(result_of(a.describe_configs([ConfigResource("broker", "0")])).values())[0]
        self.assertEqual(broker["num.partitions"].value, "2")
        self.assertTrue(broker["num.partitions"].is_read_only)

    def test_create_partitions_delete_topics_list_groups(self):
        a = self.admin
        result_of(a.create_topics([NewTopic("grow", 1, 1)]))
        result_of(a.create_partitions([NewPartitions("grow", 4)]))
        self.assertEqual(len(a.list_topics(timeout=10).topics["grow"].partitions), 4)
        e = error_of(a.create_partitions([NewPartitions("grow", 2)])["grow"])
        self.assertEqual(e.code(), KafkaError.INVALID_PARTITIONS)
        result_of(a.delete_topics(["grow"]))
        wait_for(lambda: "grow" not in a.list_topics(timeout=10).topics, 10, what="deletion")
        e = error_of(a.delete_topics(["grow"])["grow"])
        self.assertEqual(e.code(), KafkaError.UNKNOWN_TOPIC_OR_PART)
        p = Producer({"bootstrap.servers": self.b.bootstrap})
        p.produce("lg", b"x")
        p.flush(10)
        c = Consumer({"bootstrap.servers": self.b.bootstrap, "group.id": "listed", "auto.offset.reset": "earliest"})
        c.subscribe(["lg"])
        wait_for(lambda: next_record(c), 20, what="a record")
        groups = {g.id: g for g in a.list_groups(timeout=10)}
        self.assertIn("listed", groups)
        self.assertEqual(groups["listed"].protocol_type, "consumer")
        self.assertEqual(groups["listed"].state, "Stable")
        self.assertEqual(len(groups["listed"].members), 1)
        c.close()


class GroupTest(unittest.TestCase):
    def test_two_consumers_rebalance_without_losing_or_repeating_committed_records(self):
        self._two_consumers("range,roundrobin")

    def test_cooperative_sticky_rebalance_without_losing_or_repeating_committed_records(self):
        self._two_consumers("cooperative-sticky")

    def _two_consumers(self, strategy):
        with Broker({"num.partitions": "6"}) as b:
            total = 3000
            p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 5})
            processed = {0: [], 1: []}
            stop = threading.Event()

            def run(idx, delay):
                time.sleep(delay)
                c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "split", "auto.offset.reset": "earliest",
                              "enable.auto.commit": False, "session.timeout.ms": 6000,
                              "partition.assignment.strategy": strategy})
                c.subscribe(["work"])
                try:
                    while not stop.is_set():
                        m = c.poll(0.1)
                        if m is None or m.error():
                            continue
                        # Commit each record before counting it as processed: a record is
                        # repeated only if the broker lost a commit or handed a partition out
                        # twice. A commit refused during a rebalance (REBALANCE_IN_PROGRESS,
                        # ILLEGAL_GENERATION) leaves the record uncounted: seek back so that it
                        # is delivered again (here, or to the partition's next owner).
                        try:
                            c.commit(message=m, asynchronous=False)
                        except KafkaException as e:
                            if e.args[0].code() not in (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION,
                                                        KafkaError.UNKNOWN_MEMBER_ID):
                                raise
                            try:
                                c.seek(TopicPartition(m.topic(), m.partition(), m.offset()))
                            except KafkaException:
                                pass  # no longer ours
                            continue
                        processed[idx].append(m.value().decode())
                finally:
                    c.close()

            threads = [threading.Thread(target=run, args=(0, 0)), threading.Thread(target=run, args=(1, 2.0))]
            for t in threads:
                t.start()
            for i in range(total):
                p.produce("work", key=str(i).encode(), value=b"r%d" % i)
                if i % 100 == 0:
                    # Spread the records over ~6 s so the second member joins half-way.
                    p.poll(0)
                    time.sleep(0.2)
            p.flush(30)
            wait_for(lambda: len(processed[0]) + len(processed[1]) >= total, 90, what="all records")
            time.sleep(1)
            stop.set()
            for t in threads:
                t.join(30)
            both = processed[0] + processed[1]
            self.assertEqual(len(both), len(set(both)), "a committed record was delivered twice")
            self.assertEqual(sorted(both), sorted("r%d" % i for i in range(total)))
            self.assertTrue(processed[0] and processed[1], "the second member got partitions")

    def test_static_member_restart_keeps_its_assignment_without_rebalance(self):
        with Broker({"num.partitions": "2"}) as b:
            conf = {"bootstrap.servers": b.bootstrap, "group.id": "static", "group.instance.id": "inst-1",
                    "auto.offset.reset": "earliest", "session.timeout.ms": 30000}
            assigned = []
            c = Consumer(conf)
            c.subscribe(["st"], on_assign=lambda c, ps: assigned.append(sorted(p.partition for p in ps)))
            p = Producer({"bootstrap.servers": b.bootstrap})
            p.produce("st", b"a", partition=0)
            p.flush(10)
            wait_for(lambda: next_record(c), 30, what="first record")
            c.close()  # a static member does not leave the group on close
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            g = admin.list_groups("static", timeout=10)[0]
            self.assertEqual(g.state, "Stable")
            c = Consumer(conf)
            c.subscribe(["st"], on_assign=lambda c, ps: assigned.append(sorted(p.partition for p in ps)))
            p.produce("st", b"b", partition=1)
            p.flush(10)
            m = wait_for(lambda: next_record(c), 30, what="second record")
            self.assertEqual(m.value(), b"b")
            self.assertEqual(assigned, [[0, 1], [0, 1]])
            c.close()


class IdempotenceTest(unittest.TestCase):
    def test_no_duplicates_or_reordering_when_connections_drop(self):
        proxy = DroppingProxy()
        b = Broker({"advertised.listeners": "PLAINTEXT://127.0.0.1:%d" % proxy.port})
        try:
            b.start()
            proxy.target = b.port
            bootstrap = "127.0.0.1:%d" % proxy.port
            p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 2,
                          "batch.num.messages": 50, "retry.backoff.ms": 20})
            errors = []
            n = 20000
            for i in range(n):
                while True:
                    try:
                        p.produce("idem", value=b"%07d" % i, on_delivery=lambda err, msg: err and errors.append(err))
                        break
                    except BufferError:
                        p.poll(0.05)
                if i % 2000 == 1000:
                    proxy.drop_all()
                p.poll(0)
            self.assertEqual(p.flush(60), 0)
            self.assertEqual(errors, [])
            self.assertGreaterEqual(proxy.drops, 5)
            got = [v for _, _, v in read_all(bootstrap, "idem", 1)]
            self.assertEqual(len(got), n, "duplicates or losses")
            self.assertEqual(got, ["%07d" % i for i in range(n)])
        finally:
            proxy.close()
            b.cleanup()


class TransactionTest(unittest.TestCase):
    def setUp(self):
        self.b = Broker({"num.partitions": "2", "transaction.abort.timed.out.transaction.cleanup.interval.ms": "300"}).start()
        self.bs = self.b.bootstrap

    def tearDown(self):
        self.b.cleanup()

    def tx_producer(self, txid="tx1", **extra):
        conf = {"bootstrap.servers": self.bs, "transactional.id": txid}
        conf.update(extra)
        p = Producer(conf)
        p.init_transactions(30)
        return p

    def test_commit_visible_abort_invisible_markers_hidden(self):
        p = self.tx_producer()
        p.begin_transaction()
        for i in range(10):
            p.produce("tx", value=b"c%d" % i, partition=i % 2)
        p.commit_transaction(30)
        p.begin_transaction()
        for i in range(10):
            p.produce("tx", value=b"a%d" % i, partition=i % 2)
        p.flush(30)  # the aborted records really reach the log
        p.abort_transaction(30)
        p.begin_transaction()
        p.produce("tx", value=b"last", partition=0)
        p.commit_transaction(30)
        committed = sorted(v for _, _, v in read_all(self.bs, "tx", 2, "read_committed"))
        self.assertEqual(committed, sorted(["c%d" % i for i in range(10)] + ["last"]))
        uncommitted = sorted(v for _, _, v in read_all(self.bs, "tx", 2, "read_uncommitted"))
        self.assertEqual(uncommitted, sorted(["c%d" % i for i in range(10)] + ["a%d" % i for i in range(10)] + ["last"]))
        # Markers occupy offsets: 5 + 1 + 5 + 1 + 1 + 1 on partition 0 (records and markers).
        c = Consumer({"bootstrap.servers": self.bs, "group.id": "wm"})
        lo, hi = c.get_watermark_offsets(TopicPartition("tx", 0), timeout=10)
        c.close()
        self.assertEqual((lo, hi), (0, 14))

    def test_open_transaction_holds_back_read_committed_readers(self):
        p = self.tx_producer()
        p.begin_transaction()
        p.produce("lso", value=b"open", partition=0)
        p.flush(30)
        plain = Producer({"bootstrap.servers": self.bs})
        plain.produce("lso", value=b"after", partition=0)
        plain.flush(10)
        # The LSO stops at the open transaction: nothing is visible to read_committed yet.
        self.assertEqual(read_all(self.bs, "lso", 1, "read_committed"), [])
        self.assertEqual(sorted(v for _, _, v in read_all(self.bs, "lso", 1, "read_uncommitted")), ["after", "open"])
        p.commit_transaction(30)
        self.assertEqual([v for _, _, v in read_all(self.bs, "lso", 1, "read_committed")], ["open", "after"])

    def test_offsets_in_transaction_commit_with_it(self):
        src = Producer({"bootstrap.servers": self.bs})
        for i in range(5):
            src.produce("src", value=b"%d" % i, partition=0)
        src.flush(10)
        consumer = Consumer({"bootstrap.servers": self.bs, "group.id": "eos", "auto.offset.reset": "earliest",
                             "enable.auto.commit": False})
        consumer.subscribe(["src"])
        p = self.tx_producer()
        got = []
        deadline = time.time() + 30
        while len(got) < 5 and time.time() < deadline:
            m = consumer.poll(0.2)
            if m is not None and not m.error():
                got.append(m)
        self.assertEqual(len(got), 5)
        p.begin_transaction()
        for m in got:
            p.produce("out", value=m.value(), partition=0)
        p.send_offsets_to_transaction([TopicPartition("src", 0, 3)], consumer.consumer_group_metadata(), 30)
        p.abort_transaction(30)
        self.assertEqual(consumer.committed([TopicPartition("src", 0)], timeout=10)[0].offset, -1001)
        p.begin_transaction()
        for m in got:
            p.produce("out", value=m.value(), partition=0)
        p.send_offsets_to_transaction([TopicPartition("src", 0, 5)], consumer.consumer_group_metadata(), 30)
        p.commit_transaction(30)
        self.assertEqual(consumer.committed([TopicPartition("src", 0)], timeout=10)[0].offset, 5)
        consumer.close()
        self.assertEqual([v for _, _, v in read_all(self.bs, "out", 1)], ["0", "1", "2", "3", "4"])

    def test_zombie_producer_is_fenced(self):
        old = self.tx_producer("same")
        old.begin_transaction()
        old.produce("z", value=b"zombie-open", partition=0)
        old.flush(30)
        new = self.tx_producer("same")  # bumps the epoch and aborts the old open transaction
        new.begin_transaction()
        new.produce("z", value=b"fresh", partition=0)
        new.commit_transaction(30)
        with self.assertRaises(KafkaException) as ctx:
            old.produce("z", value=b"zombie-late", partition=0)
            old.commit_transaction(30)
        err = ctx.exception.args[0]
        self.assertIn(err.code(), (KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH), str(err))
        self.assertEqual([v for _, _, v in read_all(self.bs, "z", 1)], ["fresh"])

    def test_transaction_timeout_aborts(self):
        p = self.tx_producer("slow", **{"transaction.timeout.ms": 1500})
        p.begin_transaction()
        p.produce("to", value=b"never", partition=0)
        p.flush(30)
        time.sleep(3)
        # Aborted by the coordinator: read_committed readers move past it.
        plain = Producer({"bootstrap.servers": self.bs})
        plain.produce("to", value=b"visible", partition=0)
        plain.flush(10)
        self.assertEqual([v for _, _, v in read_all(self.bs, "to", 1)], ["visible"])
        with self.assertRaises(KafkaException):
            p.commit_transaction(10)

    def test_transaction_survives_broker_restart(self):
        p = self.tx_producer("durable", **{"transaction.timeout.ms": 60000})
        p.begin_transaction()
        for i in range(5):
            p.produce("rs", value=b"d%d" % i, partition=0)
        p.flush(30)
        self.b.restart()
        self.assertEqual(read_all(self.bs, "rs", 1), [])  # still open after the restart
        p.commit_transaction(60)
        self.assertEqual([v for _, _, v in read_all(self.bs, "rs", 1)], ["d%d" % i for i in range(5)])


if __name__ == "__main__":
    unittest.main()
