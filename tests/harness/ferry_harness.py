"""Test harness for Ferry's integration tests: starts real processes (Ferry's broker, Ferry workers)
on free ports in temporary directories, talks to them with real clients, and kills every process it
started, by PID, when the test ends.

Runs under /usr/bin/python3 (Debian's python3-kafka and python3-confluent-kafka load only there).
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

FERRY = os.environ.get("FERRY_BINARY") or os.path.join(os.path.dirname(__file__), "../../build/ferry")
SOURCE_DIR = os.environ.get("FERRY_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


_EPHEMERAL = _ephemeral_range()
_rng = random.SystemRandom()


def free_port():
    """A port nothing listens on now, for a server the test starts next. Chosen outside the kernel's
    ephemeral range: a port bind(0) hands out there is free only until some outgoing connection (of
    any test running in parallel) takes it as its local port, and then the server that was meant to
    listen on it fails with "Address already in use". Random, so parallel tests rarely pick the same
    one, and checked by binding it."""
    lo, hi = _EPHEMERAL
    candidates = [r for r in ((10000, lo - 1), (hi + 1, 65535)) if r[1] - r[0] >= 1000]
    for _ in range(200):
        if not candidates:
            break
        a, b = _rng.choice(candidates)
        port = _rng.randint(a, b)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class GiveUp(AssertionError):
    """Raised by a wait_until predicate when waiting longer cannot help (the server exited)."""


def wait_until(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except GiveUp:
            raise
        except Exception as e:  # the thing we wait for may not be up yet
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Process:
    """A child process with its output in a log file; killed (by PID) at cleanup."""

    def __init__(self, args, log_path, env=None, cwd=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.log.close()

    def stop(self, timeout=30):
        """Graceful stop (SIGTERM), returns the exit code."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.args[:2]} did not stop within {timeout}s")
        self.log.close()
        return code

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class FerryTestCase(unittest.TestCase):
    """Base class: a temp dir, process bookkeeping, and helpers to start a broker and workers."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ferry-test-")
        self.processes = []

    def tearDown(self):
        for p in reversed(self.processes):
            if p.alive():
                p.kill()
        failed = not getattr(getattr(self, "_outcome", None), "success", True)
        if os.environ.get("FERRY_KEEP_TMP") or failed:
            print(f"\n[kept test directory {self.tmp}]")
            for p in self.processes:
                print(f"--- log of {' '.join(p.args[:3])} ---\n{p.output()[-6000:]}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def spawn(self, args, name, env=None):
        p = Process(args, self.path(f"{name}-{len(self.processes)}.log"), env=env)
        self.processes.append(p)
        return p

    # --- broker -------------------------------------------------------------------------------
    def start_broker(self, port=None, data_dir=None, props=None):
        """Ferry's broker on a free port. With `props` (server.properties keys, e.g.
        {"auto.create.topics.enable": "false"}) it runs as `ferry broker --override ...`."""
        port = port or free_port()
        data_dir = data_dir or self.path("kafka-data")
        if props is None:
            args = [FERRY, "embedded-kafka", "--listener", f"127.0.0.1:{port}", "--data-dir", data_dir]
        else:
            os.makedirs(data_dir, exist_ok=True)
            settings = {"listeners": f"PLAINTEXT://127.0.0.1:{port}", "log.dirs": data_dir,
                        "group.initial.rebalance.delay.ms": "0", **props}
            args = [FERRY, "broker"]
            for k, v in settings.items():
                args += ["--override", f"{k}={v}"]
        p = self.spawn(args, "broker")
        wait_until(lambda: _can_connect(port) or (not p.alive() and _raise(p)), timeout=30, what="broker port")
        p.bootstrap = f"127.0.0.1:{port}"
        p.port = port
        p.data_dir = data_dir
        return p

    # --- worker -------------------------------------------------------------------------------
    def worker_props(self, bootstrap, **overrides):
        rest_port = free_port()
        props = {
            "bootstrap.servers": bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": self.path("connect.offsets"),
            "offset.flush.interval.ms": "1000",
            "listeners": f"http://127.0.0.1:{rest_port}",
            "rest.advertised.host.name": "127.0.0.1",
        }
        props.update({k.replace("__", "."): v for k, v in overrides.items()})
        return props

    def start_worker(self, props, connector_files=(), wait_ready=True, name="worker", mode="standalone"):
        """`ferry standalone` (or `ferry distributed` with mode="distributed": give the props a
        group.id and the three storage topics) on props["listeners"]."""
        path = self.path(f"{name}.properties")
        write_properties(path, props)
        p = self.spawn([FERRY, mode, path, *connector_files], name)
        port = int(props["listeners"].rsplit(":", 1)[1])
        p.url = f"http://127.0.0.1:{port}"
        if wait_ready:
            wait_until(lambda: http("GET", p.url + "/")[0] == 200 or (not p.alive() and _raise(p)), timeout=60,
                       what="worker REST")
        return p


def _raise(p):
    raise AssertionError(f"process exited with {p.proc.returncode}:\n{p.output()[-4000:]}")


def _can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def write_properties(path, props):
    with open(path, "w") as f:
        for k, v in props.items():
            f.write(f"{k}={v}\n")


def http(method, url, body=None, timeout=60):
    """Returns (status, parsed JSON or text or None)."""
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else (body.encode() if isinstance(body, str) else body)
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        raw = e.read()
        status = e.code
    if not raw:
        return status, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def connector_state(url, name):
    status, body = http("GET", f"{url}/connectors/{name}/status")
    if status != 200:
        return None, []
    return body["connector"]["state"], [t["state"] for t in body["tasks"]]


def wait_running(url, name, tasks=1, timeout=60):
    def ok():
        c, t = connector_state(url, name)
        return c == "RUNNING" and len(t) == tasks and all(s == "RUNNING" for s in t)
    wait_until(ok, timeout=timeout, what=f"{name} RUNNING")


def kcat_consume(bootstrap, topic, count=None, timeout=30, fmt="%s\\n", extra=()):
    """Reads a topic from the beginning with kcat (-e: stop at the end). Returns raw bytes."""
    args = ["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", fmt, *extra]
    if count is not None:
        args += ["-c", str(count)]
    return subprocess.run(args, capture_output=True, timeout=timeout, check=True).stdout


def end_offset(bootstrap, topic, partition=0):
    """The partition's high watermark (0 when the topic does not exist yet)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ferry-harness-watermarks", "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10)
        if md.topics.get(topic) is None or md.topics[topic].error is not None:
            return 0
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
    finally:
        c.close()


def consume(bootstrap, topic, count, timeout=30):
    """Reads `count` records from the beginning of a topic with confluent-kafka (no group commits).
    Returns a list of (key bytes|None, value bytes|None, {header: value bytes|None})."""
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ferry-harness-{time.time_ns()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    out = []
    try:
        c.subscribe([topic])
        deadline = time.time() + timeout
        while len(out) < count and time.time() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            out.append((m.key(), m.value(), dict(m.headers() or [])))
    finally:
        c.close()
    if len(out) < count:
        raise AssertionError(f"read {len(out)} of {count} records from {topic} within {timeout}s")
    return out
