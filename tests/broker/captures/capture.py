#!/usr/bin/python3
"""Regenerates the request captures in this folder (see README.md).

Runs each real client through a recording TCP proxy in front of Ferry's broker (which advertises
the proxy, so every connection passes through it) and stores, per client and per (API, version),
the first request frame it sent, as `<client>/<Api>-v<version>.bin` (size prefix included). Frames
above 64 KiB are skipped in favour of a later, smaller one. Usage:

    /usr/bin/python3 tests/broker/captures/capture.py [build dir with ferry-broker-test-server]
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from broker_harness import Broker  # noqa: E402

API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch",
             10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup",
             15: "DescribeGroups", 16: "ListGroups", 17: "SaslHandshake", 18: "ApiVersions", 19: "CreateTopics",
             20: "DeleteTopics", 21: "DeleteRecords", 22: "InitProducerId", 23: "OffsetForLeaderEpoch",
             24: "AddPartitionsToTxn", 25: "AddOffsetsToTxn", 26: "EndTxn", 28: "TxnOffsetCommit",
             32: "DescribeConfigs", 33: "AlterConfigs", 37: "CreatePartitions", 42: "DeleteGroups",
             44: "IncrementalAlterConfigs", 60: "DescribeCluster"}

current_client = ["none"]
stored = set()
lock = threading.Lock()


def record(frame):
    key, ver = struct.unpack(">hh", frame[4:8])
    name = API_NAMES.get(key, "Api%d" % key)
    ident = (current_client[0], name, ver)
    with lock:
        if ident in stored or len(frame) > 65536:
            return
        stored.add(ident)
    d = os.path.join(HERE, current_client[0])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "%s-v%d.bin" % (name, ver)), "wb") as f:
        f.write(frame)


class RecordingProxy:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.target = None
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.upstream, args=(c, u), daemon=True).start()
            threading.Thread(target=self.pipe, args=(u, c), daemon=True).start()

    def upstream(self, c, u):
        buf = b""
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                u.sendall(d)
                buf += d
                while len(buf) >= 4:
                    n = struct.unpack(">i", buf[:4])[0]
                    if len(buf) < 4 + n:
                        break
                    record(buf[:4 + n])
                    buf = buf[4 + n:]
        except OSError:
            pass
        for s in (c, u):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @staticmethod
    def pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass


def run_kcat(bs):
    current_client[0] = "librdkafka-kcat"
    kc = ["kcat", "-b", bs]
    subprocess.run(kc + ["-L"], capture_output=True, timeout=30)
    for z in ("none", "gzip", "snappy", "lz4", "zstd"):
        subprocess.run(kc + ["-P", "-t", "cap", "-z", z, "-K:", "-H", "h=v"], input=b"k:v1\nk:v2\n", capture_output=True, timeout=30)
    subprocess.run(kc + ["-P", "-t", "cap", "-X", "enable.idempotence=true"], input=b"i1\n", capture_output=True, timeout=30)
    subprocess.run(kc + ["-C", "-t", "cap", "-o", "beginning", "-e"], capture_output=True, timeout=30)
    subprocess.run(kc + ["-C", "-t", "cap", "-o", "s@0", "-e"], capture_output=True, timeout=30)
    subprocess.run(kc + ["-G", "kcatg", "-e", "-X", "auto.offset.reset=earliest", "cap"], capture_output=True, timeout=60)


def run_confluent(bs):
    current_client[0] = "confluent-kafka-python"
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
    a = AdminClient({"bootstrap.servers": bs})
    for f in a.create_topics([NewTopic("ck", 2, 1, config={"cleanup.policy": "compact"})]).values():
        f.result()
    for f in a.describe_configs([ConfigResource("topic", "ck"), ConfigResource("broker", "0")]).values():
        f.result()
    for f in a.alter_configs([ConfigResource("topic", "ck", set_config={"cleanup.policy": "compact"})]).values():
        f.result()
    for f in a.create_partitions([NewPartitions("ck", 3)]).values():
        f.result()
    p = Producer({"bootstrap.servers": bs, "transactional.id": "cap-tx"})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce("ck", key=b"k", value=b"v", partition=0)
    c = Consumer({"bootstrap.servers": bs, "group.id": "capg", "auto.offset.reset": "earliest"})
    p.send_offsets_to_transaction([TopicPartition("ck", 0, 1)], c.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    c.subscribe(["ck"])
    deadline = time.time() + 20
    while time.time() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            c.commit(m, asynchronous=False)
            break
    c.offsets_for_times([TopicPartition("ck", 0, 0)], 10)
    c.close()
    a.list_groups(timeout=10)
    for f in a.delete_topics(["ck"]).values():
        f.result()


def run_kafka_python(bs):
    current_client[0] = "kafka-python"
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
    a = KafkaAdminClient(bootstrap_servers=bs)
    a.create_topics([NewTopic("kp", 2, 1, topic_configs={"cleanup.policy": "compact"})])
    a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp")])
    p = KafkaProducer(bootstrap_servers=bs, acks="all", compression_type="gzip")
    p.send("kp", key=b"k", value=b"v").get(10)
    p.close()
    c = KafkaConsumer("kp", bootstrap_servers=bs, group_id="kpg", auto_offset_reset="earliest", consumer_timeout_ms=3000)
    list(c)
    c.commit()
    tp = TopicPartition("kp", 0)
    c.end_offsets([tp])
    c.beginning_offsets([tp])
    c.offsets_for_times({tp: 0})
    c.close()
    a.list_consumer_groups()
    a.describe_consumer_groups(["kpg"])
    a.list_consumer_group_offsets("kpg")
    a.delete_topics(["kp"])
    a.close()


KAFKAJS_SCRIPT = r"""
const { Kafka, logLevel } = require('kafkajs')
const kafka = new Kafka({ clientId: 'cap', brokers: [process.argv[1]], logLevel: logLevel.NOTHING })
;(async () => {
  const admin = kafka.admin(); await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'kj', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })
  await admin.fetchTopicMetadata({ topics: ['kj'] })
  await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'kj' }] })
  const p = kafka.producer(); await p.connect()
  await p.send({ topic: 'kj', messages: [{ key: 'k', value: 'v', headers: { h: 'x' } }] })
  await p.disconnect()
  await admin.fetchTopicOffsets('kj')
  const c = kafka.consumer({ groupId: 'kjg' }); await c.connect()
  await c.subscribe({ topic: 'kj', fromBeginning: true })
  await new Promise(async (resolve) => { await c.run({ eachMessage: async () => resolve() }) })
  await new Promise(r => setTimeout(r, 1000)); await c.disconnect()
  await admin.listGroups(); await admin.describeGroups(['kjg']); await admin.fetchOffsets({ groupId: 'kjg', topics: ['kj'] })
  const tp = kafka.producer({ transactionalId: 'kjtx', idempotent: true, maxInFlightRequests: 1 }); await tp.connect()
  const tx = await tp.transaction()
  await tx.send({ topic: 'kj', messages: [{ key: 'k', value: 't' }] })
  await tx.sendOffsets({ consumerGroupId: 'kjg', topics: [{ topic: 'kj', partitions: [{ partition: 0, offset: '1' }] }] })
  await tx.commit(); await tp.disconnect()
  await admin.deleteTopicRecords({ topic: 'kj', partitions: [{ partition: 0, offset: '1' }] })
  await admin.createPartitions({ topicPartitions: [{ topic: 'kj', count: 2 }] })
  await admin.deleteGroups(['kjg'])
  await admin.deleteTopics({ topics: ['kj'] })
  await admin.disconnect()
})().catch(e => { console.error(e); process.exit(1) })
"""


def run_kafkajs(bs):
    current_client[0] = "kafkajs"
    js = os.path.join(os.path.dirname(os.path.dirname(HERE)), "js")
    subprocess.run(["node", "-e", KAFKAJS_SCRIPT, bs], cwd=js, check=True, timeout=120)


def main():
    if len(sys.argv) > 1:
        os.environ["FERRY_BROKER_TEST_SERVER"] = os.path.join(sys.argv[1], "tests", "broker", "ferry-broker-test-server")
    proxy = RecordingProxy()
    b = Broker({"advertised.listeners": "PLAINTEXT://127.0.0.1:%d" % proxy.port, "num.partitions": "1"})
    b.start()
    proxy.target = b.port
    bs = "127.0.0.1:%d" % proxy.port
    try:
        for run in (run_kcat, run_confluent, run_kafka_python, run_kafkajs):
            run(bs)
            time.sleep(0.5)
    finally:
        b.cleanup()
    for ident in sorted(stored):
        print("%s/%s-v%d" % ident)


if __name__ == "__main__":
    main()
