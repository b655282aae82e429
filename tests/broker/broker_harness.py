"""Starts and stops Ferry's broker (ferry-broker-test-server) for the compatibility tests.

The server binary comes from FERRY_BROKER_TEST_SERVER (set by CTest) or the build directory next
to the sources. Each broker gets its own temporary log dir and a free port (listeners on port 0;
the port is read from the server's "started" line); it is stopped by PID, and can be killed with
SIGKILL and restarted on the same log dir (and the same port) to test durability.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def server_binary():
    b = os.environ.get("FERRY_BROKER_TEST_SERVER")
    if b:
        return b
    root = os.path.dirname(os.path.dirname(HERE))
    for build in ("build-broker", "build"):
        cand = os.path.join(root, build, "tests", "broker", "ferry-broker-test-server")
        if os.path.exists(cand):
            return cand
    raise RuntimeError("ferry-broker-test-server not found; set FERRY_BROKER_TEST_SERVER")


class Broker:
    def __init__(self, overrides=None, log_dir=None):
        self.own_dir = log_dir is None
        self.dir = log_dir or tempfile.mkdtemp(prefix="ferry-broker-test-")
        self.data = os.path.join(self.dir, "data")
        self.overrides = {
            "listeners": "PLAINTEXT://127.0.0.1:0",
            "log.dirs": self.data,
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "1",
        }
        self.overrides.update(overrides or {})
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.dir, "broker.log")

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=20):
        args = [server_binary()]
        ov = dict(self.overrides)
        if self.port:  # a restart keeps the port so clients reconnect to the same address
            ov["listeners"] = "PLAINTEXT://127.0.0.1:%d" % self.port
        for k, v in ov.items():
            args += ["--override", "%s=%s" % (k, v)]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(rb"bootstrap.servers=\S+ port=(\d+)", line)
            if m:
                self.port = int(m.group(1))
                return self
        self.kill()
        raise RuntimeError("broker did not start: %s\n%s" % (line, self.read_log()))

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close()

    def kill(self):
        """SIGKILL: no shutdown at all."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def _close(self):
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def wait_for(cond, timeout=30, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


class DroppingProxy:
    """A TCP proxy in front of a broker that can cut every open connection at once, to make
    clients retry in-flight requests (idempotence must turn the retries into no duplicates).
    Start the broker with advertised.listeners pointing at the proxy so clients always use it."""

    def __init__(self):
        import threading
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.target = None
        self.conns = []
        self.lock = threading.Lock()
        self.running = True
        self.drops = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while self.running:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns.append((c, u))
            threading.Thread(target=self._pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pipe, args=(u, c), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def drop_all(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for c, u in conns:
            for s in (c, u):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
        self.drops += 1

    def close(self):
        self.running = False
        self.sock.close()
        self.drop_all()
