#!/usr/bin/python3
"""Holds a librdkafka mock cluster (librdkafka 2.0.2, via python3-confluent-kafka) open so other
processes (kcat) can use it as a broker: prints "bootstrap.servers=host:port" and serves until
SIGTERM/SIGINT. Usage: mock_cluster.py"""
import signal
import sys

from confluent_kafka import Producer

p = Producer({"test.mock.num.brokers": 1, "bootstrap.servers": "unused:9092"})
md = p.list_topics(timeout=10)
b = list(md.brokers.values())[0]
print("bootstrap.servers=%s:%d" % (b.host, b.port), flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.signal(signal.SIGINT, lambda *a: sys.exit(0))
while True:
    signal.pause()
