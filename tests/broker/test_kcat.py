"""kcat (librdkafka 2.0.2) against Ferry's broker: metadata, produce/consume with keys, headers and
every compression codec, offsets (beginning, end, relative, by timestamp), the idempotent
producer, feature detection, and balanced consumer groups that split, take over and resume across
a broker restart."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broker_harness import Broker, wait_for  # noqa: E402

KCAT = "kcat"


def kcat(broker, *args, input=None, timeout=30, check=True):
    r = subprocess.run([KCAT, "-b", broker.bootstrap, *args], input=input, capture_output=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("kcat %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r


def consume(broker, topic, *extra):
    r = kcat(broker, "-C", "-t", topic, "-e", "-q", *extra)
    return r.stdout.decode()


class KcatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.b = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.b.cleanup()

    def test_metadata_lists_one_broker_as_controller(self):
        kcat(self.b, "-P", "-t", "meta", input=b"x\n")
        out = kcat(self.b, "-L").stdout.decode()
        self.assertIn("1 brokers:", out)
        self.assertIn("broker 0 at %s (controller)" % self.b.bootstrap, out)
        md = json.loads(kcat(self.b, "-J", "-L", "-t", "meta").stdout)
        self.assertEqual(md["controllerid"], 0)
        self.assertEqual(md["brokers"][0]["name"], self.b.bootstrap)
        t = md["topics"][0]
        self.assertEqual(t["topic"], "meta")
        self.assertEqual(t["partitions"][0]["leader"], 0)
        self.assertEqual([r["id"] for r in t["partitions"][0]["replicas"]], [0])

    def test_produce_consume_keys_offsets_timestamps(self):
        lines = b"".join(b"k%d:v%d\n" % (i, i) for i in range(100))
        kcat(self.b, "-P", "-t", "plain", "-K:", input=lines)
        out = consume(self.b, "plain", "-o", "beginning", "-f", "%k=%s %o %T\n").splitlines()
        self.assertEqual(len(out), 100)
        for i, line in enumerate(out):
            kv, off, ts = line.split(" ")
            self.assertEqual(kv, "k%d=v%d" % (i, i))
            self.assertEqual(int(off), i)
            self.assertGreater(int(ts), 0)
        # -o -2: the last two; -o end: nothing
        self.assertEqual(consume(self.b, "plain", "-o", "-2", "-f", "%s\n").split(), ["v98", "v99"])
        self.assertEqual(consume(self.b, "plain", "-o", "end", "-f", "%s\n"), "")
        # -o s@<ms>: from the first record at or after a timestamp
        first_ts = int(out[0].split(" ")[2])
        time.sleep(0.05)
        mark = int(time.time() * 1000)
        time.sleep(0.05)
        kcat(self.b, "-P", "-t", "plain", "-K:", input=b"late:after\n")
        got = consume(self.b, "plain", "-o", "s@%d" % mark, "-f", "%k=%s %o\n").splitlines()
        self.assertEqual(got, ["late=after 100"])
        got = consume(self.b, "plain", "-o", "s@%d" % first_ts, "-f", "%o\n").split()
        self.assertEqual(got[0], "0")

    def test_headers(self):
        kcat(self.b, "-P", "-t", "hdrs", "-H", "h1=one", "-H", "h2=two", input=b"payload\n")
        out = consume(self.b, "hdrs", "-o", "beginning", "-f", "%h|%s\n")
        self.assertEqual(out.strip(), "h1=one,h2=two|payload")

    def test_every_compression_codec(self):
        for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
            topic = "codec-" + codec
            data = b"".join(b"%s-%05d-%s\n" % (codec.encode(), i, b"x" * (i % 50)) for i in range(2000))
            kcat(self.b, "-P", "-t", topic, "-z", codec, input=data)
            out = consume(self.b, topic, "-o", "beginning", "-f", "%s\n")
            self.assertEqual(out.encode(), data, codec)

    def test_idempotent_producer(self):
        data = b"".join(b"m%d\n" % i for i in range(5000))
        kcat(self.b, "-P", "-t", "idem", "-X", "enable.idempotence=true", input=data)
        out = consume(self.b, "idem", "-o", "beginning", "-f", "%s\n")
        self.assertEqual(out.encode(), data)

    def test_feature_detection_enables_modern_features(self):
        r = kcat(self.b, "-L", "-d", "feature")
        log = r.stderr.decode()
        for f in ("MsgVer2", "BrokerBalancedConsumer", "IdempotentProducer", "LZ4", "ZSTD", "OffsetTime"):
            self.assertIn("Enabling feature %s\n" % f, log)
            self.assertNotIn("Disabling feature %s\n" % f, log)

    def test_balanced_consumer_groups_split_take_over_and_resume_after_restart(self):
        b = Broker({"num.partitions": "4"}).start()
        members = []
        try:
            kcat(b, "-P", "-t", "grp", "-K:", input=b"w:warm\n")
            for i in range(2):
                members.append(KcatMember(b, "g1", "grp"))
                time.sleep(0.3)
            # Both members hold disjoint halves of the 4 partitions before anything more is written.
            wait_for(lambda: all(len(m.assigned()) == 2 for m in members)
                     and set(members[0].assigned()).isdisjoint(members[1].assigned()), 60, what="a 2+2 split")
            kcat(b, "-P", "-t", "grp", "-K:", input=b"".join(b"%d:v%d\n" % (i, i) for i in range(400)))
            expect = ["warm"] + ["v%d" % i for i in range(400)]
            wait_for(lambda: len(members[0].values() + members[1].values()) >= 401, 60, what="401 records")
            self.assertEqual(sorted(members[0].values() + members[1].values()), sorted(expect))
            self.assertTrue(members[0].values() and members[1].values())
            # One member leaves: the other takes over all partitions and gets everything new.
            members[1].stop()
            wait_for(lambda: len(members[0].assigned()) == 4, 60, what="takeover")
            kcat(b, "-P", "-t", "grp", "-K:", input=b"".join(b"%d:t%d\n" % (i, i) for i in range(100)))
            wait_for(lambda: sum(v.startswith("t") for v in members[0].values()) >= 100, 60, what="takeover records")
            self.assertEqual(sorted(v for v in members[0].values() if v.startswith("t")), sorted("t%d" % i for i in range(100)))
            members[0].stop()  # commits on close
            # The broker restarts; the group resumes after its committed offsets.
            b.restart()
            kcat(b, "-P", "-t", "grp", "-K:", input=b"x:new1\ny:new2\n")
            r = subprocess.run([KCAT, "-b", b.bootstrap, "-G", "g1", "-e", "-f", "%s\n", "grp"], capture_output=True, timeout=60)
            self.assertEqual(sorted(r.stdout.decode().split()), ["new1", "new2"], r.stderr.decode()[-2000:])
        finally:
            for m in members:
                m.stop()
            b.cleanup()


class KcatMember:
    """A `kcat -G` process whose output and assignments are collected in the background. (No `-o`:
    kcat would apply it to every assignment and ignore the committed offsets.)"""

    def __init__(self, broker, group, topic):
        import threading
        self.p = subprocess.Popen([KCAT, "-b", broker.bootstrap, "-G", group, "-u", "-X", "auto.offset.reset=earliest", "-f", "%p %o %s\n",
                                   "-X", "session.timeout.ms=6000", "-X", "auto.commit.interval.ms=200", topic],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._pump, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._pump, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(f, sink):
        for line in f:
            sink.append(line.decode(errors="replace").rstrip("\n"))

    def values(self):
        return [l.split(" ", 2)[2] for l in list(self.out) if l.count(" ") >= 2]

    def assigned(self):
        """Partitions of the latest assignment."""
        for l in reversed(list(self.err)):
            if "rebalanced" in l and "assigned:" in l:
                return [p.strip() for p in l.split("assigned:")[1].split(",") if p.strip()]
            if "rebalanced" in l and "revoked:" in l:
                return []
        return []

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(30)
        for t in self.threads:
            t.join(5)
        self.p.stdout.close()
        self.p.stderr.close()


if __name__ == "__main__":
    unittest.main()
