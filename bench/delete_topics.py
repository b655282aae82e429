#!/usr/bin/python3
"""Deletes every topic of a bench broker except internal ones (names starting with "_"), so that
a series of runs does not pile up data on the broker. usage: delete_topics.py BOOTSTRAP"""
import sys

from confluent_kafka.admin import AdminClient

admin = AdminClient({"bootstrap.servers": sys.argv[1]})
topics = [t for t in admin.list_topics(timeout=10).topics if not t.startswith("_")]
if topics:
    for _, f in admin.delete_topics(topics, operation_timeout=30).items():
        f.result()
