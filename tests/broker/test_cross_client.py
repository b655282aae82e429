"""Cross-client: what one client implementation writes through Ferry's broker, the others read
back unchanged (keys, values, headers). librdkafka (kcat) writes uncompressed and gzip batches
for kafka-python and kafkajs (the codecs those two can read without optional modules/plugins);
kafkajs writes for kcat and kafka-python."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broker_harness import Broker  # noqa: E402

from kafka import KafkaConsumer  # noqa: E402

JS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "js")

KAFKAJS_READ = r"""
const { Kafka, logLevel } = require('kafkajs')
const [bootstrap, topic, count] = process.argv.slice(1)
const kafka = new Kafka({ clientId: 'xr', brokers: [bootstrap], logLevel: logLevel.NOTHING })
;(async () => {
  const c = kafka.consumer({ groupId: 'xr-' + topic })
  await c.connect()
  await c.subscribe({ topic, fromBeginning: true })
  const got = []
  await new Promise(async (resolve) => {
    await c.run({ eachMessage: async ({ message }) => {
      got.push([message.key && message.key.toString(), message.value.toString(),
        Object.fromEntries(Object.entries(message.headers || {}).map(([k, v]) => [k, v.toString()]))])
      if (got.length >= Number(count)) resolve()
    } })
  })
  await c.disconnect()
  console.log(JSON.stringify(got))
})().catch(e => { console.error(e); process.exit(1) })
"""

KAFKAJS_WRITE = r"""
const { Kafka, logLevel, CompressionTypes } = require('kafkajs')
const [bootstrap, topic] = process.argv.slice(1)
const kafka = new Kafka({ clientId: 'xw', brokers: [bootstrap], logLevel: logLevel.NOTHING })
;(async () => {
  const p = kafka.producer()
  await p.connect()
  await p.send({ topic, compression: CompressionTypes.GZIP,
    messages: [0, 1, 2].map(i => ({ key: 'jk' + i, value: 'jv' + i, headers: { from: 'kafkajs' }, partition: 0 })) })
  await p.disconnect()
})().catch(e => { console.error(e); process.exit(1) })
"""


def node(script, *args):
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    r = subprocess.run(["node", "-e", script, *args], cwd=JS_DIR, capture_output=True, timeout=120, env=env)
    if r.returncode != 0:
        raise AssertionError(r.stderr.decode())
    return r.stdout.decode()


class CrossClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.b = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.b.cleanup()

    def kcat_write(self, topic, codec):
        data = b"".join(b"k%d:v%d-%s\n" % (i, i, codec.encode()) for i in range(3))
        subprocess.run(["kcat", "-b", self.b.bootstrap, "-P", "-t", topic, "-p", "0", "-K:", "-z", codec, "-H", "from=kcat"],
                       input=data, check=True, capture_output=True, timeout=30)
        return [["k%d" % i, "v%d-%s" % (i, codec), {"from": "kcat"}] for i in range(3)]

    def test_kcat_writes_kafka_python_and_kafkajs_read(self):
        for codec in ("none", "gzip"):
            topic = "x-kcat-" + codec
            expect = self.kcat_write(topic, codec)
            c = KafkaConsumer(topic, bootstrap_servers=self.b.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000)
            got = [[m.key.decode(), m.value.decode(), {k: v.decode() for k, v in m.headers}] for m in c]
            c.close()
            self.assertEqual(got, expect, "kafka-python, " + codec)
            self.assertEqual(json.loads(node(KAFKAJS_READ, self.b.bootstrap, topic, "3")), expect, "kafkajs, " + codec)

    def test_kafkajs_writes_kcat_and_kafka_python_read(self):
        node(KAFKAJS_WRITE, self.b.bootstrap, "x-kafkajs")
        r = subprocess.run(["kcat", "-b", self.b.bootstrap, "-C", "-t", "x-kafkajs", "-o", "beginning", "-e", "-q", "-f", "%k=%s %h\n"],
                           capture_output=True, check=True, timeout=30)
        self.assertEqual(r.stdout.decode().splitlines(), ["jk%d=jv%d from=kafkajs" % (i, i) for i in range(3)])
        c = KafkaConsumer("x-kafkajs", bootstrap_servers=self.b.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000)
        self.assertEqual([m.value for m in c], [b"jv0", b"jv1", b"jv2"])
        c.close()


if __name__ == "__main__":
    unittest.main()
