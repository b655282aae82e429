"""GET /metrics: Prometheus text with Kafka Connect's metric groups, scraped and parsed."""
import os
import re
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FerryTestCase, http, wait_until, wait_running  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$')


def scrape(url):
    with urllib.request.urlopen(url + "/metrics", timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/plain")
        text = r.read().decode()
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, t = line.split(" ", 3)
            types[name] = t
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not Prometheus text format: {line!r}"
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        samples[(m.group(1), tuple(sorted(labels.items())))] = float(m.group(3))
    return samples, types


def value(samples, name, **labels):
    return samples[(name, tuple(sorted((k, str(v)) for k, v in labels.items())))]


class MetricsTest(FerryTestCase):
    def test_task_metrics_count_what_flowed(self):
        broker = self.start_broker()
        worker = self.start_worker(self.worker_props(broker.bootstrap))
        src, dst = self.path("in.txt"), self.path("out.txt")
        with open(src, "w") as f:
            f.write("".join(f"{i}\n" for i in range(500)))
        for name, cfg in [("src", {"connector.class": "FileStreamSource", "file": src, "topic": "m"}),
                          ("dst", {"connector.class": "FileStreamSink", "file": dst, "topics": "m"})]:
            self.assertEqual(http("POST", worker.url + "/connectors", {"name": name, "config": cfg})[0], 201)
        wait_running(worker.url, "src")
        wait_running(worker.url, "dst")
        wait_until(lambda: os.path.exists(dst) and open(dst).read().count("\n") == 500, what="sink output")

        def settled():
            s, _ = scrape(worker.url)
            return s if value(s, "kafka_connect_sink_task_metrics_sink_record_send_total", connector="dst", task=0) == 500 \
                and value(s, "kafka_connect_source_task_metrics_source_record_write_total", connector="src", task=0) == 500 \
                else None
        samples = wait_until(settled, what="metrics")
        _, types = scrape(worker.url)
        self.assertEqual(value(samples, "kafka_connect_source_task_metrics_source_record_poll_total", connector="src", task=0), 500)
        self.assertEqual(value(samples, "kafka_connect_sink_task_metrics_sink_record_read_total", connector="dst", task=0), 500)
        self.assertEqual(value(samples, "kafka_connect_connector_metrics_status", connector="src", status="running"), 1)
        self.assertEqual(value(samples, "kafka_connect_task_metrics_status", connector="dst", task=0, status="running"), 1)
        self.assertEqual(value(samples, "kafka_connect_task_error_metrics_total_record_errors", connector="src", task=0), 0)
        self.assertEqual(value(samples, "kafka_connect_connect_worker_metrics_task_count",
                               worker_id=worker.url.split("//")[1]), 2)
        self.assertEqual(types["kafka_connect_source_task_metrics_source_record_poll_total"], "counter")
        self.assertEqual(types["kafka_connect_sink_task_metrics_put_batch_max_time_ms"], "gauge")


if __name__ == "__main__":
    unittest.main()
