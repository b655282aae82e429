"""File -> Kafka -> file pipelines through a real Ferry worker and Ferry's broker.

Covers the core acceptance criteria: byte-for-byte round trips, restart without loss, SIGKILL
without loss, a retriable-error storm in a sink, and the wire format that kcat sees.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import (FerryTestCase, http, kcat_consume, wait_running, wait_until, connector_state,  # noqa: E402
                            end_offset)


def write_lines(path, lines, mode="w"):
    with open(path, mode, encoding="utf-8", newline="") as f:
        for line in lines:
            f.write(line + "\n")


def read(path):
    if not os.path.exists(path):
        return b""
    with open(path, "rb") as f:
        return f.read()


def sample_lines(n, seed=1):
    rnd = random.Random(seed)
    words = ["alpha", "βeta", "γάμμα", "ünïcödé", "日本語", "emoji 🚀", "tab\there", "quote\"s", "back\\slash", ""]
    return [f"{i:07d} " + " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 6))) for i in range(n)]


class FilePipelineTest(FerryTestCase):

    def create(self, worker, name, config):
        status, body = http("POST", worker.url + "/connectors", {"name": name, "config": config})
        self.assertEqual(status, 201, body)
        return body

    def source_config(self, src, topic):
        return {"connector.class": "FileStreamSource", "file": src, "topic": topic, "tasks.max": "1"}

    def sink_config(self, dst, topic):
        return {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "file": dst,
                "topics": topic, "tasks.max": "1"}

    def test_round_trip_is_byte_identical(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        src, dst = self.path("in.txt"), self.path("out.txt")
        lines = sample_lines(20000)
        write_lines(src, lines)
        self.create(worker, "src", self.source_config(src, "lines"))
        self.create(worker, "dst", self.sink_config(dst, "lines"))
        wait_running(worker.url, "src")
        wait_running(worker.url, "dst")
        expected = read(src)
        wait_until(lambda: len(read(dst)) >= len(expected), timeout=60, what="sink output")
        time.sleep(1.5)  # nothing more may arrive
        self.assertEqual(read(dst), expected)

    def test_kcat_sees_kafka_connect_json_bytes(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        src = self.path("in.txt")
        write_lines(src, ["hello", "wörld", 'with "quotes" and \\'])
        self.create(worker, "src", self.source_config(src, "json-lines"))
        out = wait_until(lambda: (lambda o: o if o.count(b"\n") >= 3 else None)(
            kcat_consume(broker.bootstrap, "json-lines", fmt="%k|%s\\n")), what="3 records")
        # Exactly what Kafka Connect's JsonConverter (schemas.enable=true) writes: a null key (a
        # null value with no schema is a tombstone: kcat prints it as empty) and an envelope.
        self.assertEqual(out.decode("utf-8").splitlines(), [
            '|{"schema":{"type":"string","optional":false},"payload":"hello"}',
            '|{"schema":{"type":"string","optional":false},"payload":"wörld"}',
            '|{"schema":{"type":"string","optional":false},"payload":"with \\"quotes\\" and \\\\"}',
        ])

    def test_graceful_restart_resumes_without_loss_or_duplicates(self):
        broker = self.start_broker()
        props = self.worker_props(broker.bootstrap)
        worker = self.start_worker(props)
        src = self.path("in.txt")
        lines = sample_lines(5000)
        write_lines(src, lines[:2500])
        self.create(worker, "src", self.source_config(src, "resume"))
        wait_until(lambda: kcat_consume(broker.bootstrap, "resume").count(b"\n") >= 2500, what="first half")
        self.assertEqual(worker.stop(), 0)
        write_lines(src, lines[2500:], mode="a")
        worker = self.start_worker(props, name="worker2")
        # The connector config lives in memory only (standalone): create it again.
        self.create(worker, "src", self.source_config(src, "resume"))
        wait_until(lambda: kcat_consume(broker.bootstrap, "resume").count(b"\n") >= 5000, what="second half")
        time.sleep(1.5)
        got = [json.loads(l)["payload"] for l in kcat_consume(broker.bootstrap, "resume").decode().splitlines()]
        self.assertEqual(got, lines)

    def test_line_terminators_and_positions(self):
        # \n, \r\n and a lone \r each end a line (as Java's FileStreamSourceTask reads them); a \r
        # at the end of the data waits for the next byte, since it may be the start of \r\n. The
        # byte positions must count every terminator byte, or a restart re-reads or skips.
        broker = self.start_broker()
        props = self.worker_props(broker.bootstrap)
        worker = self.start_worker(props)
        src = self.path("in.txt")
        with open(src, "wb") as f:
            f.write(b"a\r\nb\rc\nlast\r")
        self.create(worker, "src", self.source_config(src, "crlf"))

        def payloads():
            return [json.loads(l)["payload"] for l in kcat_consume(broker.bootstrap, "crlf").decode().splitlines()]
        wait_until(lambda: len(payloads()) >= 3, what="three lines")
        time.sleep(1.5)
        self.assertEqual(payloads(), ["a", "b", "c"])
        with open(src, "ab") as f:
            f.write(b"\nz\n")
        wait_until(lambda: len(payloads()) >= 5, what="five lines")
        self.assertEqual(worker.stop(), 0)
        with open(src, "ab") as f:
            f.write(b"after\n")
        worker = self.start_worker(props, name="worker2")
        self.create(worker, "src", self.source_config(src, "crlf"))
        wait_until(lambda: len(payloads()) >= 6, what="the line written while stopped")
        time.sleep(1.5)
        self.assertEqual(payloads(), ["a", "b", "c", "last", "z", "after"])

    def test_sigkill_mid_stream_loses_nothing(self):
        broker = self.start_broker()
        props = self.worker_props(broker.bootstrap, **{"offset.flush.interval.ms": "300"})
        worker = self.start_worker(props)
        total = 60000
        config = {"connector.class": "org.apache.kafka.connect.tools.VerifiableSourceConnector", "topic": "killed",
                  "throughput": "5000", "max.records": str(total)}
        status, body = http("POST", worker.url + "/connectors", {"name": "seq", "config": config})
        self.assertEqual(status, 201, body)

        def seqnos():
            out = kcat_consume(broker.bootstrap, "killed").decode().splitlines()
            return [json.loads(json.loads(l)["payload"])["seqno"] for l in out]
        wait_until(lambda: end_offset(broker.bootstrap, "killed") >= 5000, what="some records")
        worker.kill(signal.SIGKILL)
        at_kill = end_offset(broker.bootstrap, "killed")
        self.assertLess(at_kill, total, "the kill must happen mid-stream")
        worker = self.start_worker(props, name="worker2")
        status, body = http("POST", worker.url + "/connectors", {"name": "seq", "config": config})
        self.assertEqual(status, 201, body)
        wait_until(lambda: end_offset(broker.bootstrap, "killed") >= total, timeout=120, what="all records")
        got = wait_until(lambda: (lambda s: s if s and s[-1] == total - 1 else None)(seqnos()), timeout=120,
                         what="all records after restart")
        # At least once: every number in order, with at most one replayed range - the records
        # sent after the last offset commit before the kill - and nothing lost.
        restart = next((i for i in range(1, len(got)) if got[i] != got[i - 1] + 1), len(got))
        self.assertEqual(got[:restart], list(range(restart)))
        if restart < len(got):
            self.assertLessEqual(got[restart], restart)
            self.assertEqual(got[restart:], list(range(got[restart], total)))
            # Only records after the last commit are replayed: at most ~1 flush interval of data.
            self.assertLess(restart - got[restart], 20000)
        self.assertEqual(sorted(set(got)), list(range(total)))

    def test_retriable_error_storm_in_sink_delivers_everything_once(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        src, dst = self.path("in.txt"), self.path("out.txt")
        lines = sample_lines(30000, seed=3)
        write_lines(src, lines)
        self.create(worker, "src", self.source_config(src, "storm"))
        self.create(worker, "sink", {"connector.class": "org.apache.kafka.connect.tools.VerifiableSinkConnector",
                                     "topics": "storm", "file": dst, "retriable.error.rate": "0.4",
                                     "retry.timeout.ms": "50"})
        wait_until(lambda: read(dst).count(b"\n") >= len(lines), timeout=120, what="sink output")
        time.sleep(1.5)
        self.assertEqual(read(dst).decode("utf-8").splitlines(), lines)
        # The consumer stayed in its group throughout: still one task, RUNNING, never FAILED.
        self.assertEqual(connector_state(worker.url, "sink"), ("RUNNING", ["RUNNING"]))

    def test_sink_drains_a_backlog_larger_than_its_prefetch_without_stalling(self):
        # librdkafka 2.0.2 looks at a full prefetch queue again only once a second; the consumer
        # nudges its fetcher when the queue is half drained. Here the queue holds about 1,000
        # records of 1 kB (fetched 256 kB at a time): without the nudge the sink took ~10 s for
        # the backlog (it idled between refills), with it ~1 s.
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        lines = [f"{i:06d} " + "x" * 1000 for i in range(30000)]
        subprocess.run(["kcat", "-b", broker.bootstrap, "-P", "-t", "backlog"], input=("\n".join(lines) + "\n").encode(),
                       check=True, timeout=60)
        dst = self.path("out.txt")
        started = time.monotonic()
        self.create(worker, "dst", dict(self.sink_config(dst, "backlog"), **{
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "consumer.override.queued.min.messages": "1000",
            "consumer.override.queued.max.messages.kbytes": "1024",
            "consumer.override.max.partition.fetch.bytes": "262144"}))
        wait_until(lambda: read(dst).count(b"\n") >= len(lines), timeout=60, what="sink output")
        elapsed = time.monotonic() - started
        self.assertEqual(read(dst).decode().splitlines(), lines)
        self.assertLess(elapsed, 8, "the sink idled between refills of its prefetch queue")

    def test_sink_writes_records_produced_by_kafka_python(self):
        from kafka import KafkaProducer
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        dst = self.path("out.txt")
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
        values = ["plain", "ünïcödé ✓", "x" * 1000]
        for v in values:
            envelope = {"schema": {"type": "string", "optional": False}, "payload": v}
            producer.send("from-python", value=json.dumps(envelope).encode("utf-8"))
        producer.send("from-python", value=json.dumps(
            {"schema": {"type": "struct", "optional": False, "fields": [
                {"field": "id", "type": "int64", "optional": False},
                {"field": "name", "type": "string", "optional": True}]},
             "payload": {"id": 42, "name": "Ada"}}).encode("utf-8"))
        producer.flush()
        producer.close()
        self.create(worker, "dst", self.sink_config(dst, "from-python"))
        wait_until(lambda: read(dst).count(b"\n") >= 4, what="sink output")
        self.assertEqual(read(dst).decode("utf-8").splitlines(), values + ["Struct{id=42,name=Ada}"])


if __name__ == "__main__":
    unittest.main()
