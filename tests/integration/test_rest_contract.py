"""Contract tests of Ferry's REST API against Kafka Connect's (spec kafka-connect.md section 1).

One worker (`ferry standalone`, or `ferry distributed` with FERRY_CONTRACT_MODE=distributed: CTest
runs both) and one broker serve the whole class; each test uses connector names of its own. Every test asserts the status code and the JSON body exactly - including key
order where Jackson defines it (ConnectorInfo name/config/tasks/type, ConnectorStateInfo
name/connector/tasks/type, ConfigKeyInfo with "order" last) - and the error body
{"error_code": N, "message": ...} of every error path. Messages are Kafka Connect's wording where
Ferry returns the same error; where Kafka's message comes from Jackson or Jersey internals the test
checks the status code and that the message names the problem.
"""
import json
import os
import socket
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FerryTestCase, wait_running, wait_until, connector_state  # noqa: E402

HIDDEN = "[hidden]"
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
STALE_STATES = ("UNASSIGNED", "RESTARTING")
# The same contract holds for `ferry distributed` (one worker): FERRY_CONTRACT_MODE=distributed.
MODE = os.environ.get("FERRY_CONTRACT_MODE", "standalone")


def new_tasks(name):
    """The tasks in the answer to a connector's creation: a distributed herder (Java's and Ferry's)
    answers before the connector has generated its task configs."""
    return [] if MODE == "distributed" else [{"connector": name, "task": 0}]


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


def request(method, url, body=None, raw=None, headers=None, timeout=60):
    """Returns (status, headers, body) with the body parsed as JSON (key order kept) when it is JSON."""
    data = raw.encode() if isinstance(raw, str) else raw
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, rh, payload = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, rh, payload = e.code, e.headers, e.read()
    if not payload:
        return status, rh, None
    text = payload.decode("utf-8")
    try:
        return status, rh, json.loads(text)
    except ValueError:
        return status, rh, text


class RestContractTest(FerryTestCase):
    """The endpoints of spec section 1.2, one or more tests each."""

    @classmethod
    def setUpClass(cls):
        # One broker and worker for the whole class, through a harness case of its own (killed by
        # PID in tearDownClass).
        cls.env = FerryTestCase()
        cls.env.setUp()
        try:
            cls.broker = cls.env.start_broker()
            os.environ["FERRY_CONTRACT_TOPIC"] = "cfg-raw-resolved"  # for ${env:...} (the worker inherits it)
            cls.props = cls.env.worker_props(cls.broker.bootstrap, **{
                "config.providers": "env",
                "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider"})
            if MODE == "distributed":
                # As with Java, offset.storage.* keys would become configs of the offsets topic.
                del cls.props["offset.storage.file.filename"]
                cls.props.update({"group.id": "contract", "config.storage.topic": "contract-configs",
                                  "offset.storage.topic": "contract-offsets", "status.storage.topic": "contract-status"})
            cls.worker = cls.env.start_worker(cls.props, mode=MODE)
        except BaseException:
            cls.env.tearDown()
            raise
        cls.tmp = cls.env.tmp
        cls.url = cls.worker.url
        cls.worker_id = "127.0.0.1:" + cls.url.rsplit(":", 1)[1]

    @classmethod
    def tearDownClass(cls):
        cls.env.tearDown()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="case-", dir=self.tmp)
        self.created = []

    def tearDown(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is not None and any(t is self for t, _ in result.errors + result.failures):
            print(f"\n--- worker log ---\n{self.worker.output()[-6000:]}")
        if not self.worker.alive():
            raise AssertionError(f"the worker died:\n{self.worker.output()[-6000:]}")
        for name in self.created:
            request("DELETE", f"{self.url}/connectors/{name}")

    # --- helpers ------------------------------------------------------------------------------
    def call(self, method, path, body=None, **kw):
        return request(method, self.url + path, body=body, **kw)

    def assertError(self, response, status, message=None, contains=None):
        code, _, body = response
        self.assertEqual(code, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(list(body), ["error_code", "message"])
        self.assertEqual(body["error_code"], status)
        if message is not None:
            self.assertEqual(body["message"], message)
        if contains is not None:
            self.assertIn(contains, body["message"])
        return body

    def source_config(self, name, topic=None, path=None):
        path = path or os.path.join(self.dir, f"{name}.txt")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write("one\ntwo\nthree\n")
        return {"connector.class": "FileStreamSource", "file": path, "topic": topic or f"{name}-topic",
                "tasks.max": "1"}

    def sink_config(self, name, topics):
        return {"connector.class": FILE_SINK, "file": os.path.join(self.dir, f"{name}.out"), "topics": topics,
                "tasks.max": "1"}

    def create(self, name, config, initial_state=None):
        body = {"name": name, "config": config}
        if initial_state:
            body["initial_state"] = initial_state
        status, headers, info = self.call("POST", "/connectors", body)
        self.assertEqual(status, 201, info)
        self.created.append(info["name"])
        return headers, info

    def running(self, name, tasks=1):
        wait_running(self.url, name, tasks=tasks)

    def status_of(self, name):
        return self.call("GET", f"/connectors/{name}/status")[2]

    def state(self, st, trace=None):
        out = {"state": st, "worker_id": self.worker_id}
        if trace:
            out["trace"] = trace
        return out

    def failed_source(self, name):
        """A FileStreamSource whose task fails: its file is a directory, which cannot be read."""
        path = os.path.join(self.dir, f"{name}-dir")
        os.mkdir(path)
        self.create(name, self.source_config(name, path=path))
        wait_until(lambda: connector_state(self.url, name) == ("RUNNING", ["FAILED"]), what=f"{name} task FAILED")
        return path

    # --- GET / and /health --------------------------------------------------------------------
    def test_root(self):
        status, headers, body = self.call("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        self.assertEqual(list(body), ["version", "commit", "kafka_cluster_id"])
        self.assertEqual(body["version"], "4.0.0")
        self.assertIsInstance(body["commit"], str)
        self.assertTrue(body["commit"])
        from confluent_kafka.admin import AdminClient
        cluster_id = AdminClient({"bootstrap.servers": self.broker.bootstrap}).list_topics(timeout=10).cluster_id
        self.assertEqual(body["kafka_cluster_id"], cluster_id)

    def test_health(self):
        status, _, body = self.call("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"status": "healthy",
                                "message": "Worker has completed startup and is ready to handle requests."})
        self.assertEqual(list(body), ["status", "message"])

    # --- JAX-RS errors ------------------------------------------------------------------------
    def test_unknown_path_is_404_with_json_body(self):
        for path in ["/nope", "/connectors/x/nope", "/connectors/x/tasks/abc/status", "/admin/nope/x/y"]:
            with self.subTest(path=path):
                self.assertError(self.call("GET", path), 404, "HTTP 404 Not Found")

    def test_wrong_method_is_405_with_json_body(self):
        cases = [("DELETE", "/connectors"), ("PUT", "/connectors"), ("POST", "/connectors/x/status"),
                 ("GET", "/connectors/x/restart"), ("POST", "/connectors/x/pause"), ("DELETE", "/connector-plugins"),
                 ("POST", "/connectors/x/tasks/0/status"), ("GET", "/connector-plugins/FileStreamSink/config/validate"),
                 ("POST", "/"), ("DELETE", "/admin/loggers/root")]
        for method, path in cases:
            with self.subTest(method=method, path=path):
                self.assertError(self.call(method, path, raw="{}"), 405, "HTTP 405 Method Not Allowed")

    def test_bodyless_requests_without_content_length(self):
        # `curl -X POST .../tasks/0/restart` sends neither Content-Length nor a body (seeds/002).
        host, port = self.url.replace("http://", "").split(":")
        for method, path, status in [("POST", "/connectors/no-such/restart", 404), ("PUT", "/connectors/no-such/pause", 404),
                                     ("DELETE", "/connectors/no-such", 404)]:
            with self.subTest(method=method, path=path):
                with socket.create_connection((host, int(port)), timeout=5) as sock:
                    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n\r\n".encode())
                    started = time.time()
                    reply = sock.recv(4096).decode()
                self.assertLess(time.time() - started, 2)
                self.assertTrue(reply.startswith(f"HTTP/1.1 {status} "), reply)

    # --- POST /connectors ---------------------------------------------------------------------
    def test_create_returns_201_connector_info_and_location(self):
        cfg = self.source_config("create-a")
        headers, info = self.create("create-a", cfg)
        self.assertEqual(headers["Location"], f"{self.url}/connectors/create-a")
        self.assertEqual(list(info), ["name", "config", "tasks", "type"])
        self.assertEqual(info, {"name": "create-a", "config": dict(cfg, name="create-a"),
                                "tasks": new_tasks("create-a"), "type": "source"})
        wait_until(lambda: self.call("GET", "/connectors/create-a")[2]["tasks"], what="task configs")
        self.assertEqual(list(self.call("GET", "/connectors/create-a")[2]["tasks"][0]), ["connector", "task"])

    def test_create_trims_the_name_and_coerces_scalars_to_strings(self):
        cfg = self.source_config("create-b")
        cfg["tasks.max"] = 1
        cfg["errors.log.enable"] = True
        _, info = self.create("  create-b \t", cfg)
        self.assertEqual(info["name"], "create-b")
        self.assertEqual(info["config"]["tasks.max"], "1")
        self.assertEqual(info["config"]["errors.log.enable"], "true")
        self.assertEqual(info["config"]["name"], "create-b")
        # Jackson keeps a number's literal text when it reads it into a String.
        status, _, body = self.call("POST", "/connectors",
                                    raw='{"name":"create-b2","config":{"connector.class":"FileStreamSource",'
                                        '"topic":"t","file":"%s","tasks.max":1,"x.ratio":1.50,"x.big":1e3}}'
                                        % cfg["file"])
        self.assertEqual(status, 201, body)
        self.created.append("create-b2")
        self.assertEqual((body["config"]["x.ratio"], body["config"]["x.big"]), ("1.50", "1e3"))

    def test_create_with_initial_state(self):
        for st, expected in [("PAUSED", "PAUSED"), ("stopped", "STOPPED"), ("Running", "RUNNING")]:
            name = f"initial-{st.lower()}"
            self.create(name, self.source_config(name), initial_state=st)
            tasks = {"PAUSED": ["PAUSED"], "STOPPED": [], "RUNNING": ["RUNNING"]}[expected]
            wait_until(lambda: connector_state(self.url, name) == (expected, tasks), what=f"{name} {expected}")
            if expected == "STOPPED":
                self.assertEqual(self.call("GET", f"/connectors/{name}")[2]["tasks"], [])
        self.assertError(self.call("POST", "/connectors", {"name": "initial-bad", "config": self.source_config("x"),
                                                           "initial_state": "SLEEPING"}), 400,
                         contains="SLEEPING")

    def test_create_duplicate_is_409(self):
        self.create("dup", self.source_config("dup"))
        self.assertError(self.call("POST", "/connectors", {"name": "dup", "config": self.source_config("dup")}), 409,
                         "Connector dup already exists")

    def test_create_with_bad_config_is_400_naming_the_key(self):
        invalid = ("Connector configuration is invalid and contains the following {n} error(s):\n{errors}\n"
                   "You can also find the above list of errors at the endpoint "
                   "`/connector-plugins/{{connectorType}}/config/validate`")
        # A missing required key.
        cfg = self.source_config("bad-a")
        del cfg["topic"]
        self.assertError(self.call("POST", "/connectors", {"name": "bad-a", "config": cfg}), 400,
                         invalid.format(n=1, errors='Missing required configuration "topic" which has no default value.'))
        # A value of the wrong type.
        cfg = self.source_config("bad-b")
        cfg["tasks.max"] = "many"
        # (ConfigDef also runs the validator on the value that failed to parse, null: two errors.)
        self.assertError(self.call("POST", "/connectors", {"name": "bad-b", "config": cfg}), 400,
                         invalid.format(n=2, errors="Invalid value many for configuration tasks.max: "
                                                    "Not a number of type INT\n"
                                                    "Invalid value null for configuration tasks.max: "
                                                    "Value must be non-null"))
        # A sink with neither topics nor topics.regex: the error is on both keys.
        cfg = self.sink_config("bad-c", "t")
        del cfg["topics"]
        msg = "Must configure one of topics or topics.regex"
        self.assertError(self.call("POST", "/connectors", {"name": "bad-c", "config": cfg}), 400,
                         invalid.format(n=2, errors=f"{msg}\n{msg}"))
        # A null value.
        cfg = self.source_config("bad-d")
        cfg["batch.size"] = None
        self.assertError(self.call("POST", "/connectors", {"name": "bad-d", "config": cfg}), 400,
                         invalid.format(n=1, errors="Null value can not be supplied as the configuration value."))
        # An empty name.
        self.assertError(self.call("POST", "/connectors", {"name": "  ", "config": self.source_config("bad-e")}), 400,
                         invalid.format(n=1, errors="Invalid value  for configuration name: String may not be empty"))
        # No connector.class.
        self.assertError(self.call("POST", "/connectors", {"name": "bad-f", "config": {"topic": "t"}}), 400,
                         contains="contains no connector type")
        # An unknown connector class: the message names it and lists what is there.
        body = self.assertError(self.call("POST", "/connectors",
                                          {"name": "bad-g", "config": {"connector.class": "com.example.Nope"}}), 400)
        self.assertIn("com.example.Nope", body["message"])
        self.assertIn(FILE_SINK, body["message"])
        self.assertEqual(self.call("GET", "/connectors")[2].count("bad-a"), 0)

    def test_create_with_name_mismatch_is_400(self):
        cfg = dict(self.source_config("mismatch"), name="other")
        self.assertError(self.call("POST", "/connectors", {"name": "mismatch", "config": cfg}), 400,
                         "Connector name configuration (other) doesn't match connector name in the URL (mismatch)")
        # No top-level name: the name is "" (CreateConnectorRequest), so config.name cannot match it.
        self.assertError(self.call("POST", "/connectors", {"config": cfg}), 400,
                         "Connector name configuration (other) doesn't match connector name in the URL ()")

    def test_create_with_invalid_json_is_400(self):
        for raw in ['{"name": "x", "config": {', "not json", "", '{"name": "x", "config": "a string"}', "[]"]:
            with self.subTest(raw=raw):
                body = self.assertError(self.call("POST", "/connectors", raw=raw), 400)
                self.assertTrue(body["message"])

    def test_create_accepts_a_trailing_slash(self):
        status, _, body = self.call("POST", "/connectors/", {"name": "slash", "config": self.source_config("slash")})
        self.assertEqual(status, 201, body)
        self.created.append("slash")
        self.assertIn("slash", self.call("GET", "/connectors/")[2])
        self.assertEqual(self.call("GET", "/connectors/slash/")[0], 200)

    # --- GET /connectors ----------------------------------------------------------------------
    def test_list_and_expand(self):
        self.create("list-a", self.source_config("list-a"))
        self.create("list-b", self.source_config("list-b"))
        self.running("list-a")
        self.running("list-b")
        status, _, names = self.call("GET", "/connectors")
        self.assertEqual(status, 200)
        self.assertIsInstance(names, list)
        self.assertTrue({"list-a", "list-b"} <= set(names))

        _, _, expanded = self.call("GET", "/connectors?expand=status")
        self.assertEqual(set(expanded), set(names))
        self.assertEqual(expanded["list-a"], {"status": {
            "name": "list-a", "connector": self.state("RUNNING"), "tasks": [dict(id=0, **self.state("RUNNING"))],
            "type": "source"}})

        _, _, expanded = self.call("GET", "/connectors?expand=info")
        self.assertEqual(expanded["list-b"], {"info": self.call("GET", "/connectors/list-b")[2]})

        # Both, in the order asked (Java's HashMap keeps that order for these two keys).
        _, _, both = self.call("GET", "/connectors?expand=status&expand=info")
        self.assertEqual(list(both["list-a"]), ["status", "info"])
        _, _, both = self.call("GET", "/connectors?expand=info&expand=status")
        self.assertEqual(list(both["list-a"]), ["info", "status"])
        self.assertEqual(list(both["list-a"]["info"]), ["name", "config", "tasks", "type"])
        self.assertEqual(list(both["list-a"]["status"]), ["name", "connector", "tasks", "type"])

        # Unknown expansions are ignored: the map form with nothing in it.
        _, _, unknown = self.call("GET", "/connectors?expand=nothing")
        self.assertEqual(unknown["list-a"], {})

    # --- GET /connectors/{c} ------------------------------------------------------------------
    def test_get_connector(self):
        cfg = self.source_config("get-a")
        self.create("get-a", cfg)
        wait_until(lambda: self.call("GET", "/connectors/get-a")[2]["tasks"], what="task configs")
        status, _, info = self.call("GET", "/connectors/get-a")
        self.assertEqual(status, 200)
        self.assertEqual(list(info), ["name", "config", "tasks", "type"])
        self.assertEqual(info, {"name": "get-a", "config": dict(cfg, name="get-a"),
                                "tasks": [{"connector": "get-a", "task": 0}], "type": "source"})
        self.assertError(self.call("GET", "/connectors/no-such"), 404, "Connector no-such not found")

    def test_sink_type(self):
        _, info = self.create("get-sink", self.sink_config("get-sink", "get-sink-topic"))
        self.assertEqual(info["type"], "sink")
        self.running("get-sink")
        self.assertEqual(self.status_of("get-sink")["type"], "sink")

    # --- /config ------------------------------------------------------------------------------
    def test_get_config(self):
        cfg = self.source_config("cfg-a")
        self.create("cfg-a", cfg)
        status, _, body = self.call("GET", "/connectors/cfg-a/config")
        self.assertEqual(status, 200)
        self.assertEqual(body, dict(cfg, name="cfg-a"))
        self.assertError(self.call("GET", "/connectors/no-such/config"), 404, "Connector no-such not found")

    def test_get_config_keeps_provider_references_raw(self):
        cfg = self.source_config("cfg-raw")
        cfg["topic"] = "${env:FERRY_CONTRACT_TOPIC}"
        self.create("cfg-raw", cfg)
        self.running("cfg-raw")
        self.assertEqual(self.call("GET", "/connectors/cfg-raw/config")[2]["topic"], "${env:FERRY_CONTRACT_TOPIC}")
        self.assertEqual(self.call("GET", "/connectors/cfg-raw")[2]["config"]["topic"], "${env:FERRY_CONTRACT_TOPIC}")
        self.assertEqual(self.call("GET", "/connectors/cfg-raw/tasks")[2][0]["config"]["topic"],
                         "${env:FERRY_CONTRACT_TOPIC}")
        # ... while the task used the resolved value.
        wait_until(lambda: self.call("GET", "/connectors/cfg-raw/topics")[2] ==
                   {"cfg-raw": {"topics": ["cfg-raw-resolved"]}}, what="resolved topic")

    def test_put_config_creates_201_then_updates_200(self):
        cfg = self.source_config("put-a")
        status, headers, info = self.call("PUT", "/connectors/put-a/config", cfg)
        self.assertEqual(status, 201, info)
        self.created.append("put-a")
        self.assertEqual(headers["Location"], f"{self.url}/connectors/put-a")
        self.assertEqual(list(info), ["name", "config", "tasks", "type"])
        self.assertEqual(info, {"name": "put-a", "config": dict(cfg, name="put-a"),
                                "tasks": new_tasks("put-a"), "type": "source"})
        self.running("put-a")
        cfg2 = dict(cfg, topic="put-a-other", name="put-a")
        status, headers, info = self.call("PUT", "/connectors/put-a/config", cfg2)
        self.assertEqual(status, 200, info)
        self.assertNotIn("Location", headers)
        self.assertEqual(info, {"name": "put-a", "config": cfg2, "tasks": [{"connector": "put-a", "task": 0}],
                                "type": "source"})
        self.running("put-a")
        self.assertEqual(self.call("GET", "/connectors/put-a/config")[2]["topic"], "put-a-other")

    def test_put_config_errors(self):
        cfg = dict(self.source_config("put-b"), name="other")
        self.assertError(self.call("PUT", "/connectors/put-b/config", cfg), 400,
                         "Connector name configuration (other) doesn't match connector name in the URL (put-b)")
        cfg = self.source_config("put-b")
        cfg["batch.size"] = "0"
        self.assertError(self.call("PUT", "/connectors/put-b/config", cfg), 400,
                         contains="Invalid value 0 for configuration batch.size: Value must be at least 1")
        self.assertError(self.call("PUT", "/connectors/put-b/config", raw="{oops"), 400)
        self.assertError(self.call("PUT", "/connectors/put-b/config", raw='{"nested": {"a": "b"}}'), 400)
        self.assertEqual(self.call("GET", "/connectors/put-b")[0], 404)

    def test_patch_config(self):
        cfg = self.source_config("patch-a")
        cfg["batch.size"] = "10"
        self.create("patch-a", cfg)
        status, _, info = self.call("PATCH", "/connectors/patch-a/config",
                                    {"topic": "patched", "batch.size": None, "errors.log.enable": "true"})
        self.assertEqual(status, 200, info)
        expected = dict(cfg, name="patch-a", topic="patched")
        expected["errors.log.enable"] = "true"
        del expected["batch.size"]
        self.assertEqual(list(info), ["name", "config", "tasks", "type"])
        self.assertEqual(info, {"name": "patch-a", "config": expected,
                                "tasks": [{"connector": "patch-a", "task": 0}], "type": "source"})
        self.assertEqual(self.call("GET", "/connectors/patch-a/config")[2], expected)
        self.assertError(self.call("PATCH", "/connectors/no-such/config", {"topic": "x"}), 404,
                         "Connector no-such not found")
        self.assertError(self.call("PATCH", "/connectors/patch-a/config", {"tasks.max": "0"}), 400,
                         contains="Invalid value 0 for configuration tasks.max: Value must be at least 1")
        self.assertError(self.call("PATCH", "/connectors/patch-a/config", raw="]"), 400)

    # --- /status and /tasks -------------------------------------------------------------------
    def test_status(self):
        self.create("status-a", self.source_config("status-a"))
        self.running("status-a")
        status, _, body = self.call("GET", "/connectors/status-a/status")
        self.assertEqual(status, 200)
        self.assertEqual(list(body), ["name", "connector", "tasks", "type"])
        self.assertEqual(body, {"name": "status-a", "connector": self.state("RUNNING"),
                                "tasks": [dict(id=0, **self.state("RUNNING"))], "type": "source"})
        self.assertEqual(list(body["connector"]), ["state", "worker_id"])
        self.assertEqual(list(body["tasks"][0]), ["id", "state", "worker_id"])
        self.assertError(self.call("GET", "/connectors/no-such/status"), 404, "No status found for connector no-such")

    def test_failed_task_status_has_trace(self):
        path = self.failed_source("status-failed")
        body = self.status_of("status-failed")
        task = body["tasks"][0]
        self.assertEqual(list(task), ["id", "state", "worker_id", "trace"])
        self.assertEqual(task["state"], "FAILED")
        self.assertTrue(task["trace"].startswith("org.apache.kafka.connect.errors.ConnectException"), task["trace"])
        self.assertIn(path, task["trace"])
        self.assertNotIn("trace", body["connector"])

    def test_task_configs(self):
        cfg = self.source_config("tasks-a")
        self.create("tasks-a", cfg)
        self.running("tasks-a")
        task_config = dict(cfg, name="tasks-a")
        task_config["task.class"] = "org.apache.kafka.connect.file.FileStreamSourceTask"
        status, _, body = self.call("GET", "/connectors/tasks-a/tasks")
        self.assertEqual(status, 200)
        self.assertEqual(body, [{"id": {"connector": "tasks-a", "task": 0}, "config": task_config}])
        self.assertEqual(list(body[0]), ["id", "config"])
        self.assertEqual(list(body[0]["id"]), ["connector", "task"])
        self.assertError(self.call("GET", "/connectors/no-such/tasks"), 404, "Connector no-such not found")

    def test_sink_task_configs_carry_topics(self):
        cfg = self.sink_config("tasks-sink", "ts-1,ts-2")
        cfg["tasks.max"] = "2"
        self.create("tasks-sink", cfg)
        self.running("tasks-sink", tasks=2)
        _, _, body = self.call("GET", "/connectors/tasks-sink/tasks")
        self.assertEqual([t["id"] for t in body], [{"connector": "tasks-sink", "task": 0},
                                                   {"connector": "tasks-sink", "task": 1}])
        for t in body:
            self.assertEqual(t["config"]["topics"], "ts-1,ts-2")
            self.assertEqual(t["config"]["task.class"], "org.apache.kafka.connect.file.FileStreamSinkTask")

    def test_tasks_config_deprecated(self):
        cfg = self.source_config("tasks-config")
        self.create("tasks-config", cfg)
        self.running("tasks-config")
        status, _, body = self.call("GET", "/connectors/tasks-config/tasks-config")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"tasks-config-0": dict(cfg, name="tasks-config",
                                                       **{"task.class": "org.apache.kafka.connect.file.FileStreamSourceTask"})})
        self.assertError(self.call("GET", "/connectors/no-such/tasks-config"), 404, "Connector no-such not found")

    def test_task_status(self):
        self.create("task-status", self.source_config("task-status"))
        self.running("task-status")
        status, _, body = self.call("GET", "/connectors/task-status/tasks/0/status")
        self.assertEqual(status, 200)
        self.assertEqual(body, dict(id=0, **self.state("RUNNING")))
        self.assertEqual(list(body), ["id", "state", "worker_id"])
        self.assertError(self.call("GET", "/connectors/task-status/tasks/7/status"), 404,
                         "No status found for task task-status-7")
        self.assertError(self.call("GET", "/connectors/no-such/tasks/0/status"), 404,
                         "No status found for task no-such-0")

    # --- restarts (KIP-745) -------------------------------------------------------------------
    def test_restart_connector_only_is_204(self):
        self.create("restart-a", self.source_config("restart-a"))
        self.running("restart-a")
        status, _, body = self.call("POST", "/connectors/restart-a/restart")
        self.assertEqual((status, body), (204, None))
        status, _, body = self.call("POST", "/connectors/restart-a/restart?includeTasks=false&onlyFailed=false")
        self.assertEqual((status, body), (204, None))
        self.running("restart-a")
        self.assertError(self.call("POST", "/connectors/no-such/restart"), 404, "Connector no-such not found")

    def test_restart_include_tasks_is_202_with_the_plan(self):
        self.create("restart-b", self.source_config("restart-b"))
        self.running("restart-b")
        status, _, plan = self.call("POST", "/connectors/restart-b/restart?includeTasks=true")
        self.assertEqual(status, 202, plan)
        self.assertEqual(list(plan), ["name", "connector", "tasks", "type"])
        self.assertEqual(plan, {"name": "restart-b", "connector": self.state("RESTARTING"),
                                "tasks": [dict(id=0, **self.state("RESTARTING"))], "type": "source"})
        self.running("restart-b")
        self.assertError(self.call("POST", "/connectors/no-such/restart?includeTasks=true"), 404,
                         "Unknown connector: no-such")

    def test_restart_only_failed_when_nothing_failed_restarts_nothing(self):
        self.create("restart-c", self.source_config("restart-c"))
        self.running("restart-c")
        for query in ["onlyFailed=true", "includeTasks=true&onlyFailed=true", "includeTasks=TRUE&onlyFailed=True"]:
            with self.subTest(query=query):
                status, _, plan = self.call("POST", f"/connectors/restart-c/restart?{query}")
                self.assertEqual(status, 202, plan)
                self.assertEqual(plan, {"name": "restart-c", "connector": self.state("RUNNING"),
                                        "tasks": [dict(id=0, **self.state("RUNNING"))], "type": "source"})

    def test_restart_only_failed_restarts_the_failed_task(self):
        self.failed_source("restart-d")
        trace = self.status_of("restart-d")["tasks"][0]["trace"]
        # onlyFailed without includeTasks considers the connector only, which is RUNNING.
        status, _, plan = self.call("POST", "/connectors/restart-d/restart?onlyFailed=true")
        self.assertEqual(status, 202)
        self.assertEqual(plan, {"name": "restart-d", "connector": self.state("RUNNING"),
                                "tasks": [dict(id=0, **self.state("FAILED", trace))], "type": "source"})
        # With includeTasks the failed task restarts; the plan keeps its trace.
        status, _, plan = self.call("POST", "/connectors/restart-d/restart?includeTasks=true&onlyFailed=true")
        self.assertEqual(status, 202)
        self.assertEqual(plan, {"name": "restart-d", "connector": self.state("RUNNING"),
                                "tasks": [dict(id=0, **self.state("RESTARTING", trace))], "type": "source"})
        wait_until(lambda: connector_state(self.url, "restart-d") == ("RUNNING", ["FAILED"]), what="FAILED again")

    def test_restart_task(self):
        self.create("restart-task", self.source_config("restart-task"))
        self.running("restart-task")
        status, _, body = self.call("POST", "/connectors/restart-task/tasks/0/restart")
        self.assertEqual((status, body), (204, None))
        self.running("restart-task")
        self.assertError(self.call("POST", "/connectors/restart-task/tasks/3/restart"), 404,
                         "Task restart-task-3 not found")
        self.assertError(self.call("POST", "/connectors/no-such/tasks/0/restart"), 404, "Connector no-such not found")

    # --- pause / resume / stop / delete -------------------------------------------------------
    def test_pause_and_resume(self):
        self.create("pause-a", self.source_config("pause-a"))
        self.running("pause-a")
        for _ in range(2):  # idempotent
            status, _, body = self.call("PUT", "/connectors/pause-a/pause")
            self.assertEqual((status, body), (202, None))
        wait_until(lambda: connector_state(self.url, "pause-a") == ("PAUSED", ["PAUSED"]), what="PAUSED")
        self.assertEqual(self.status_of("pause-a"), {"name": "pause-a", "connector": self.state("PAUSED"),
                                                     "tasks": [dict(id=0, **self.state("PAUSED"))], "type": "source"})
        for _ in range(2):
            status, _, body = self.call("PUT", "/connectors/pause-a/resume")
            self.assertEqual((status, body), (202, None))
        self.running("pause-a")
        self.assertError(self.call("PUT", "/connectors/no-such/pause"), 404, "Unknown connector no-such")
        self.assertError(self.call("PUT", "/connectors/no-such/resume"), 404, "Unknown connector no-such")

    def test_stop_and_resume(self):
        self.create("stop-a", self.source_config("stop-a"))
        self.running("stop-a")
        for _ in range(2):  # idempotent
            status, _, body = self.call("PUT", "/connectors/stop-a/stop")
            self.assertEqual((status, body), (204, None))
        self.assertEqual(self.status_of("stop-a"), {"name": "stop-a", "connector": self.state("STOPPED"),
                                                    "tasks": [], "type": "source"})
        self.assertEqual(self.call("GET", "/connectors/stop-a")[2]["tasks"], [])
        self.assertEqual(self.call("GET", "/connectors/stop-a/tasks")[2], [])
        status, _, _ = self.call("PUT", "/connectors/stop-a/resume")
        self.assertEqual(status, 202)
        self.running("stop-a")
        self.assertError(self.call("PUT", "/connectors/no-such/stop"), 404, "Unknown connector no-such")

    def test_pause_a_stopped_connector(self):
        self.create("stop-b", self.source_config("stop-b"), initial_state="STOPPED")
        self.assertEqual(self.call("PUT", "/connectors/stop-b/pause")[0], 202)
        wait_until(lambda: connector_state(self.url, "stop-b") == ("PAUSED", ["PAUSED"]), what="PAUSED")

    def test_delete(self):
        self.create("delete-a", self.source_config("delete-a"))
        self.running("delete-a")
        status, _, body = self.call("DELETE", "/connectors/delete-a")
        self.assertEqual((status, body), (204, None))
        self.assertNotIn("delete-a", self.call("GET", "/connectors")[2])
        self.assertError(self.call("GET", "/connectors/delete-a"), 404, "Connector delete-a not found")
        self.assertError(self.call("GET", "/connectors/delete-a/status"), 404,
                         "No status found for connector delete-a")
        self.assertError(self.call("DELETE", "/connectors/delete-a"), 404, "Connector delete-a not found")
        self.created.remove("delete-a")

    # --- /topics (KIP-558) --------------------------------------------------------------------
    def test_active_topics_and_reset(self):
        self.create("topics-a", self.source_config("topics-a", topic="topics-a-out"))
        self.running("topics-a")
        wait_until(lambda: self.call("GET", "/connectors/topics-a/topics")[2] ==
                   {"topics-a": {"topics": ["topics-a-out"]}}, what="active topic")
        self.call("PUT", "/connectors/topics-a/stop")
        status, _, body = self.call("PUT", "/connectors/topics-a/topics/reset")
        self.assertEqual((status, body), (202, None))
        status, _, body = self.call("GET", "/connectors/topics-a/topics")
        self.assertEqual((status, body), (200, {"topics-a": {"topics": []}}))
        # Running again, the topic is active again.
        self.call("PUT", "/connectors/topics-a/resume")
        self.running("topics-a")
        with open(os.path.join(self.dir, "topics-a.txt"), "a") as f:
            f.write("four\n")
        wait_until(lambda: self.call("GET", "/connectors/topics-a/topics")[2] ==
                   {"topics-a": {"topics": ["topics-a-out"]}}, what="active topic again")
        # A sink's topics are those it consumed from.
        self.create("topics-sink", self.sink_config("topics-sink", "topics-a-out"))
        wait_until(lambda: self.call("GET", "/connectors/topics-sink/topics")[2] ==
                   {"topics-sink": {"topics": ["topics-a-out"]}}, what="sink active topic")
        # Deleting a connector forgets its topics. Like Kafka Connect, an unknown connector simply
        # has no active topics. In distributed mode the topic records are tombstoned when the
        # herder processes the deletion read back from the config topic (Java's onDeletion), after
        # DELETE has answered: wait for it (standalone forgets them at once).
        self.call("DELETE", "/connectors/topics-sink")
        self.created.remove("topics-sink")
        wait_until(lambda: self.call("GET", "/connectors/topics-sink/topics")[::2] == (200, {"topics-sink": {"topics": []}}),
                   timeout=30, what="the deleted sink's topics forgotten")
        self.assertEqual(self.call("GET", "/connectors/no-such/topics")[::2], (200, {"no-such": {"topics": []}}))
        self.assertEqual(self.call("PUT", "/connectors/no-such/topics/reset")[::2], (202, None))

    # --- offsets (KIP-875) --------------------------------------------------------------------
    def test_source_offsets(self):
        cfg = self.source_config("offsets-src")
        size = os.path.getsize(cfg["file"])
        self.create("offsets-src", cfg)
        self.running("offsets-src")
        expected = {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"position": size}}]}
        wait_until(lambda: self.call("GET", "/connectors/offsets-src/offsets")[2] == expected, what="offsets",
                   timeout=30)
        self.assertEqual(list(self.call("GET", "/connectors/offsets-src/offsets")[2]["offsets"][0]),
                         ["partition", "offset"])
        not_stopped = ("Connectors must be in the STOPPED state before their offsets can be modified. This can be "
                       "done for the specified connector by issuing a 'PUT' request to the "
                       "'/connectors/offsets-src/stop' endpoint")
        new = {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"position": 4}}]}
        self.assertError(self.call("PATCH", "/connectors/offsets-src/offsets", new), 400, not_stopped)
        self.assertError(self.call("DELETE", "/connectors/offsets-src/offsets"), 400, not_stopped)
        self.call("PUT", "/connectors/offsets-src/pause")
        self.assertError(self.call("PATCH", "/connectors/offsets-src/offsets", new), 400, not_stopped)

        self.assertEqual(self.call("PUT", "/connectors/offsets-src/stop")[0], 204)
        self.assertEqual(self.call("GET", "/connectors/offsets-src/offsets")[2], expected)  # GET in any state
        for body in [{}, {"offsets": []}, {"offsets": None}]:
            self.assertError(self.call("PATCH", "/connectors/offsets-src/offsets", body), 400,
                             "Partitions / offsets need to be provided for an alter offsets request")
        self.assertError(self.call("PATCH", "/connectors/offsets-src/offsets", raw="{"), 400)
        status, _, body = self.call("PATCH", "/connectors/offsets-src/offsets", new)
        self.assertEqual((status, body), (200, {"message": "The offsets for this connector have been altered "
                                                           "successfully"}))
        self.assertEqual(self.call("GET", "/connectors/offsets-src/offsets")[2], new)
        # The connector's alterOffsets hook refuses a malformed offset (Kafka: 500, ConnectException).
        bad = {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"pos": 1}}]}
        self.assertError(self.call("PATCH", "/connectors/offsets-src/offsets", bad), 500, contains="'position'")

        status, _, body = self.call("DELETE", "/connectors/offsets-src/offsets")
        self.assertEqual((status, body), (200, {"message": "The offsets for this connector have been reset "
                                                           "successfully"}))
        self.assertEqual(self.call("GET", "/connectors/offsets-src/offsets")[2], {"offsets": []})
        # Resuming after the reset reads the file from the start again.
        self.call("PUT", "/connectors/offsets-src/resume")
        self.running("offsets-src")
        wait_until(lambda: self.call("GET", "/connectors/offsets-src/offsets")[2] == expected, what="re-read")
        self.assertError(self.call("GET", "/connectors/no-such/offsets"), 404, "Connector no-such not found")
        self.assertError(self.call("PATCH", "/connectors/no-such/offsets", new), 404, "Connector no-such not found")
        self.assertError(self.call("DELETE", "/connectors/no-such/offsets"), 404, "Connector no-such not found")

    def test_sink_offsets(self):
        topic = "offsets-sink-topic"
        self.create("offsets-sink-src", self.source_config("offsets-sink-src", topic=topic))
        self.create("offsets-sink", self.sink_config("offsets-sink", topic))
        self.running("offsets-sink")
        out = os.path.join(self.dir, "offsets-sink.out")
        wait_until(lambda: read(out).count("\n") >= 3, what="sink output")

        def sink_offsets():
            return self.call("GET", "/connectors/offsets-sink/offsets")[2]

        expected = {"offsets": [{"partition": {"kafka_partition": 0, "kafka_topic": topic},
                                 "offset": {"kafka_offset": 3}}]}
        wait_until(lambda: sink_offsets() == expected, what="committed sink offsets", timeout=30)
        self.assertEqual(list(sink_offsets()["offsets"][0]["partition"]), ["kafka_partition", "kafka_topic"])

        new = {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": "0"},
                            "offset": {"kafka_offset": "1"}}]}
        self.assertError(self.call("PATCH", "/connectors/offsets-sink/offsets", new), 400,
                         contains="Connectors must be in the STOPPED state")
        self.assertEqual(self.call("PUT", "/connectors/offsets-sink/stop")[0], 204)
        bad_bodies = [
            ({"offsets": [{}]}, "The partition for a sink connector offset cannot be null or missing"),
            ({"offsets": [{"partition": None, "offset": None}]},
             "The partition for a sink connector offset cannot be null or missing"),
            ({"offsets": [{"partition": {}, "offset": None}]},
             "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"),
            ({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": "not a number"}, "offset": None}]},
             "Failed to parse the following Kafka partition value in the provided offsets: 'not a number'. "
             "Partition values for sink connectors need to be integers."),
            ({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {}}]},
             "The offset for a sink connector should either be null or contain the key 'kafka_offset'"),
            ({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0},
                           "offset": {"kafka_offset": "not a number"}}]},
             "Failed to parse the following Kafka offset value in the provided offsets: 'not a number'. "
             "Offset values for sink connectors need to be integers."),
        ]
        for body, message in bad_bodies:
            with self.subTest(body=body):
                self.assertError(self.call("PATCH", "/connectors/offsets-sink/offsets", body), 400, message)

        status, _, body = self.call("PATCH", "/connectors/offsets-sink/offsets", new)
        self.assertEqual((status, body), (200, {"message": "The offsets for this connector have been altered "
                                                           "successfully"}))
        expected_new = {"offsets": [{"partition": {"kafka_partition": 0, "kafka_topic": topic},
                                     "offset": {"kafka_offset": 1}}]}
        self.assertEqual(sink_offsets(), expected_new)
        # A null offset resets that one partition.
        status, _, _ = self.call("PATCH", "/connectors/offsets-sink/offsets",
                                 {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0},
                                               "offset": None}]})
        self.assertEqual(status, 200)
        self.assertEqual(sink_offsets(), {"offsets": []})
        self.call("PATCH", "/connectors/offsets-sink/offsets", new)
        status, _, body = self.call("DELETE", "/connectors/offsets-sink/offsets")
        self.assertEqual((status, body), (200, {"message": "The offsets for this connector have been reset "
                                                           "successfully"}))
        self.assertEqual(sink_offsets(), {"offsets": []})
        status, _, _ = self.call("DELETE", "/connectors/offsets-sink/offsets")  # idempotent
        self.assertEqual(status, 200)

        # Altered to 1, the resumed sink re-delivers records 1 and 2.
        self.call("PATCH", "/connectors/offsets-sink/offsets", new)
        before = read(out)
        self.call("PUT", "/connectors/offsets-sink/resume")
        self.running("offsets-sink")
        wait_until(lambda: read(out).count("\n") >= before.count("\n") + 2, what="re-delivery")
        self.assertEqual(read(out)[len(before):], "two\nthree\n")

    # --- /connector-plugins -------------------------------------------------------------------
    def test_connector_plugins(self):
        status, _, plugins = self.call("GET", "/connector-plugins")
        self.assertEqual(status, 200)
        self.assertEqual({p["type"] for p in plugins}, {"source", "sink"})
        for p in plugins:
            self.assertEqual(list(p), ["class", "type", "version"][:len(p)])
        self.assertIn(FILE_SINK, [p["class"] for p in plugins if p["type"] == "sink"])
        self.assertIn(FILE_SOURCE, [p["class"] for p in plugins if p["type"] == "source"])
        # Apache Kafka's own connectors report the Kafka version (spec 1.2's example).
        versions = {p["class"]: p.get("version") for p in plugins}
        self.assertEqual(versions[FILE_SINK], "4.0.0")
        self.assertEqual(versions["org.apache.kafka.connect.tools.VerifiableSourceConnector"], "4.0.0")
        # Sinks first, then sources (Java's order).
        types = [p["type"] for p in plugins]
        self.assertEqual(types, sorted(types, key=lambda t: ["sink", "source"].index(t)))
        self.assertEqual(self.call("GET", "/connector-plugins?connectorsOnly=true")[2], plugins)

        _, _, everything = self.call("GET", "/connector-plugins?connectorsOnly=false")
        order = ["sink", "source", "transformation", "predicate", "converter", "header_converter"]
        types = [p["type"] for p in everything]
        self.assertEqual(set(types), set(order))
        self.assertEqual(types, sorted(types, key=order.index))
        classes = {(p["class"], p["type"]) for p in everything}
        for expected in [("org.apache.kafka.connect.transforms.InsertField$Value", "transformation"),
                         ("org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "predicate"),
                         ("org.apache.kafka.connect.json.JsonConverter", "converter"),
                         ("org.apache.kafka.connect.json.JsonConverter", "header_converter"),
                         ("org.apache.kafka.connect.storage.SimpleHeaderConverter", "header_converter"),
                         ("org.apache.kafka.connect.storage.StringConverter", "converter")]:
            self.assertIn(expected, classes)

    def test_connector_plugin_config(self):
        status, _, keys = self.call("GET", "/connector-plugins/FileStreamSink/config")
        self.assertEqual(status, 200)
        names = [k["name"] for k in keys]
        # The plugin's own keys first, then the framework's (KIP-769).
        self.assertEqual(names[0], "file")
        for framework in ["name", "connector.class", "tasks.max", "topics", "topics.regex", "transforms",
                          "errors.tolerance", "errors.deadletterqueue.topic.name"]:
            self.assertIn(framework, names)
        self.assertEqual(len(names), len(set(names)))
        file_key = keys[0]
        self.assertEqual(list(file_key), ["name", "type", "required", "default_value", "importance", "documentation",
                                          "group", "width", "display_name", "dependents", "order"])
        self.assertEqual(file_key, {"name": "file", "type": "STRING", "required": False, "default_value": None,
                                    "importance": "HIGH",
                                    "documentation": "Destination filename. If not specified, the standard output "
                                                     "will be used",
                                    "group": None, "width": "NONE", "display_name": "file", "dependents": [],
                                    "order": -1})
        tasks_max = keys[names.index("tasks.max")]
        self.assertEqual({k: tasks_max[k] for k in ["type", "required", "default_value", "group", "order", "width"]},
                         {"type": "INT", "required": False, "default_value": "1", "group": "Common", "order": 3,
                          "width": "SHORT"})
        name_key = keys[names.index("name")]
        self.assertEqual((name_key["required"], name_key["default_value"]), (True, None))
        # Aliases and full class names; transforms and converters too.
        self.assertEqual(self.call("GET", f"/connector-plugins/{FILE_SINK}/config")[2], keys)
        status, _, insert = self.call("GET", "/connector-plugins/org.apache.kafka.connect.transforms.InsertField$Value/config")
        self.assertEqual(status, 200)
        self.assertIn("static.field", [k["name"] for k in insert])
        self.assertNotIn("tasks.max", [k["name"] for k in insert])
        self.assertError(self.call("GET", "/connector-plugins/NoSuchPlugin/config"), 404, "Unknown plugin NoSuchPlugin.")

    def test_validate(self):
        cfg = {"connector.class": "FileStreamSink", "name": "v", "topics": "t", "file": "/tmp/x"}
        status, _, body = self.call("PUT", "/connector-plugins/FileStreamSink/config/validate", cfg)
        self.assertEqual(status, 200, body)
        self.assertEqual(list(body), ["name", "error_count", "groups", "configs"])
        self.assertEqual(body["name"], "FileStreamSink")
        self.assertEqual(body["error_count"], 0)
        self.assertEqual(body["groups"][:4], ["Common", "Transforms", "Predicates", "Error Handling"])
        by_name = {c["value"]["name"]: c for c in body["configs"]}
        topics = by_name["topics"]
        self.assertEqual(list(topics), ["definition", "value"])
        self.assertEqual(list(topics["definition"]), ["name", "type", "required", "default_value", "importance",
                                                      "documentation", "group", "width", "display_name", "dependents",
                                                      "order"])
        self.assertNotIn("order_in_group", topics["definition"])
        self.assertEqual({k: v for k, v in topics["definition"].items() if k != "documentation"},
                         {"name": "topics", "type": "LIST", "required": False, "default_value": "",
                          "importance": "HIGH", "group": "Common", "width": "LONG", "display_name": "Topics",
                          "dependents": [], "order": 4})
        self.assertEqual(topics["value"], {"name": "topics", "value": "t", "recommended_values": [], "errors": [],
                                           "visible": True})
        self.assertEqual(list(topics["value"]), ["name", "value", "recommended_values", "errors", "visible"])
        self.assertEqual(by_name["connector.class"]["definition"]["required"], True)
        self.assertIsNone(by_name["connector.class"]["definition"]["default_value"])
        self.assertEqual(by_name["transforms"]["definition"]["order"], 8)

        # Errors: counted, and attached to the keys.
        bad = {"connector.class": FILE_SINK, "name": "v", "tasks.max": "0"}
        _, _, body = self.call("PUT", "/connector-plugins/FileStreamSinkConnector/config/validate", bad)
        self.assertEqual(body["name"], FILE_SINK)
        by_name = {c["value"]["name"]: c for c in body["configs"]}
        self.assertEqual(by_name["tasks.max"]["value"]["errors"],
                         ["Invalid value 0 for configuration tasks.max: Value must be at least 1"])
        self.assertEqual(by_name["topics"]["value"]["errors"], ["Must configure one of topics or topics.regex"])
        self.assertEqual(by_name["topics.regex"]["value"]["errors"], ["Must configure one of topics or topics.regex"])
        self.assertEqual(body["error_count"], sum(len(c["value"]["errors"]) for c in body["configs"]))
        self.assertEqual(body["error_count"], 3)

        # errors.tolerance and config.action.reload are case-sensitive (ConfigDef.ValidString.in).
        bad = dict(cfg, **{"errors.tolerance": "ALL", "config.action.reload": "Restart"})
        _, _, body = self.call("PUT", "/connector-plugins/FileStreamSink/config/validate", bad)
        by_name = {c["value"]["name"]: c for c in body["configs"]}
        self.assertEqual(by_name["errors.tolerance"]["value"]["errors"],
                         ["Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"])
        self.assertEqual(by_name["config.action.reload"]["value"]["errors"],
                         ["Invalid value Restart for configuration config.action.reload: String must be one of: none, "
                          "restart"])
        self.assertEqual(body["error_count"], 2)

        # A converter the connector sets: the class must exist, and its prefixed keys are validated
        # against the converter's own definition (AbstractHerder.validateConverterConfig).
        bad = dict(cfg, **{"value.converter": "io.confluent.connect.protobuf.ProtobufConverter",
                           "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                           "key.converter.schemas.enable": "maybe"})
        _, _, body = self.call("PUT", "/connector-plugins/FileStreamSink/config/validate", bad)
        by_name = {c["value"]["name"]: c for c in body["configs"]}
        self.assertEqual(by_name["value.converter"]["value"]["errors"],
                         ["Invalid value io.confluent.connect.protobuf.ProtobufConverter for configuration value.converter: "
                          "Class io.confluent.connect.protobuf.ProtobufConverter could not be found."])
        self.assertEqual(by_name["key.converter.schemas.enable"]["value"]["errors"],
                         ["Invalid value maybe for configuration schemas.enable: Expected value to be either true or false"])
        self.assertEqual(by_name["key.converter.schemas.enable"]["definition"]["name"], "key.converter.schemas.enable")
        self.assertEqual(by_name["key.converter.schemas.cache.size"]["value"]["value"], "1000")
        self.assertEqual(body["error_count"], 2)
        self.assertError(self.call("POST", "/connectors", {"name": "bad-converter", "config": dict(bad, name="bad-converter")}),
                         400, contains="Class io.confluent.connect.protobuf.ProtobufConverter could not be found.")
        good = dict(cfg, **{"value.converter": "org.apache.kafka.connect.storage.StringConverter",
                            "value.converter.converter.encoding": "UTF-16"})
        _, _, body = self.call("PUT", "/connector-plugins/FileStreamSink/config/validate", good)
        self.assertEqual(body["error_count"], 0)
        by_name = {c["value"]["name"]: c for c in body["configs"]}
        self.assertEqual(by_name["value.converter.converter.encoding"]["value"]["value"], "UTF-16")
        self.assertEqual(by_name["value.converter.converter.type"]["value"]["value"], "value")

        # Transforms bring their own groups and keys.
        tcfg = dict(cfg, transforms="ins", **{"transforms.ins.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                                              "transforms.ins.static.field": "f", "transforms.ins.static.value": "v"})
        _, _, body = self.call("PUT", "/connector-plugins/FileStreamSink/config/validate", tcfg)
        self.assertEqual(body["error_count"], 0)
        self.assertIn("Transforms: ins", body["groups"])
        self.assertIn("transforms.ins.static.field", [c["value"]["name"] for c in body["configs"]])

        # The class in the body must match the path (both minus a trailing "Connector").
        self.assertError(self.call("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg), 400,
                         "Included connector type FileStreamSink does not match request type FileStreamSource")
        self.assertError(self.call("PUT", "/connector-plugins/FileStreamSink/config/validate", raw="{"), 400)

    def test_validate_hides_passwords(self):
        cfg = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "name": "pw", "topics": "t",
               "connection.url": "jdbc:postgresql://127.0.0.1:1/none", "connection.user": "u",
               "connection.password": "s3cret"}
        status, _, body = self.call("PUT", "/connector-plugins/JdbcSinkConnector/config/validate", cfg)
        self.assertEqual(status, 200, body)
        by_name = {c["value"]["name"]: c for c in body["configs"]}
        pw = by_name["connection.password"]
        self.assertEqual(pw["definition"]["type"], "PASSWORD")
        self.assertEqual(pw["value"]["value"], HIDDEN)
        self.assertNotIn("s3cret", json.dumps(body))

    def test_passwords_never_reach_the_logs(self):
        # At DEBUG, with PASSWORD keys of a connector's definition, client overrides and keys that
        # only look secret: the worker's log never carries the values. GET config returns the
        # config as stored, as Kafka Connect does (docs/rest.md), so an edit round trip keeps them.
        # (Runs after test_loggers, which expects root's level never to have been set: unittest
        # orders tests by name.)
        secrets = ["pw-jdbc-1", "pw-jaas-2", "pw-ssl-3", "pw-validate-4"]
        self.assertEqual(self.call("PUT", "/admin/loggers/root", {"level": "DEBUG"})[0], 200)
        try:
            jdbc = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": "pw-t",
                    "connection.url": "jdbc:postgresql://127.0.0.1:1/none", "connection.user": "u",
                    "connection.password": secrets[0]}
            self.create("pw-jdbc", jdbc)
            src = dict(self.source_config("pw-src"), **{"producer.override.sasl.jaas.config": secrets[1],
                                                        "producer.override.ssl.key.password": secrets[2]})
            self.create("pw-src", src)
            self.running("pw-src")
            status, _, body = self.call("PUT", "/connector-plugins/JdbcSinkConnector/config/validate",
                                        dict(jdbc, name="pw-v", **{"connection.password": secrets[3]}))
            self.assertEqual(status, 200, body)
            wait_until(lambda: connector_state(self.url, "pw-jdbc")[1] in (["RUNNING"], ["FAILED"]),
                       what="pw-jdbc task started")
            self.assertEqual(self.call("GET", "/connectors/pw-jdbc/config")[2]["connection.password"], secrets[0])
            self.assertEqual(self.call("POST", "/connectors/pw-src/restart?includeTasks=true")[0], 202)
            self.running("pw-src")
        finally:
            self.call("PUT", "/admin/loggers/root", {"level": "INFO"})
        log = self.worker.output()
        self.assertIn("] debug ", log)
        for secret in secrets:
            self.assertNotIn(secret, log)

    # --- /admin/loggers -----------------------------------------------------------------------
    def test_loggers(self):
        status, _, body = self.call("GET", "/admin/loggers")
        self.assertEqual(status, 200)
        self.assertEqual(body["root"], {"level": "INFO", "last_modified": None})
        self.assertEqual(list(body["root"]), ["level", "last_modified"])
        self.assertEqual(self.call("GET", "/admin/loggers/root")[1:][1], {"level": "INFO", "last_modified": None})
        self.assertError(self.call("GET", "/admin/loggers/no.such.logger"), 404, "Logger no.such.logger not found.")

        before = int(time.time() * 1000)
        status, _, changed = self.call("PUT", "/admin/loggers/rest", {"level": "debug"})
        self.assertEqual(status, 200, changed)
        self.assertIsInstance(changed, list)
        self.assertIn("rest", changed)
        self.assertEqual(changed, sorted(changed))
        _, _, rest = self.call("GET", "/admin/loggers/rest")
        self.assertEqual(rest["level"], "DEBUG")
        self.assertGreaterEqual(rest["last_modified"], before)
        self.assertEqual(self.call("GET", "/admin/loggers")[2]["rest"], rest)

        status, _, body = self.call("PUT", "/admin/loggers/rest?scope=cluster", {"level": "WARN"})
        self.assertEqual((status, body), (204, None))
        self.assertEqual(self.call("GET", "/admin/loggers/rest")[2]["level"], "WARN")
        status, _, body = self.call("PUT", "/admin/loggers/rest?scope=CLUSTER", {"level": "INFO"})
        self.assertEqual((status, body), (204, None))
        status, _, body = self.call("PUT", "/admin/loggers/rest?scope=somewhere", {"level": "INFO"})
        self.assertEqual(status, 200)  # unknown scope = worker
        status, _, body = self.call("PUT", "/admin/loggers/rest?scope=worker", {"level": "INFO"})
        self.assertEqual(status, 200)

        self.assertError(self.call("PUT", "/admin/loggers/rest", {"level": "LOUD"}), 404, "invalid log level 'LOUD'.")
        self.assertError(self.call("PUT", "/admin/loggers/rest", {"lvl": "INFO"}), 400,
                         "Desired 'level' parameter was not specified in request.")
        self.assertError(self.call("PUT", "/admin/loggers/rest", {"level": None}), 400,
                         "Desired 'level' parameter was not specified in request.")
        self.assertError(self.call("PUT", "/admin/loggers/rest", raw="{"), 400)

        # The Java namespaces of Kafka Connect's playbooks reach the Ferry loggers doing that work.
        status, _, changed = self.call("PUT", "/admin/loggers/org.apache.kafka.connect", {"level": "DEBUG"})
        self.assertEqual(status, 200, changed)
        self.assertIn("org.apache.kafka.connect", changed)
        self.assertIn("runtime.herder", changed)  # a logger this idle worker has created
        self.assertEqual(self.call("GET", "/admin/loggers/runtime")[2]["level"], "DEBUG")
        self.assertEqual(self.call("GET", "/admin/loggers/rest")[2]["level"], "DEBUG")
        status, _, changed = self.call("PUT", "/admin/loggers/org.apache.kafka.connect.runtime.WorkerSinkTask",
                                       {"level": "INFO"})
        self.assertEqual(status, 200, changed)
        self.assertEqual(self.call("GET", "/admin/loggers/runtime")[2]["level"], "INFO")
        status, _, _ = self.call("PUT", "/admin/loggers/io.debezium.connector.postgresql", {"level": "TRACE"})
        self.assertEqual(status, 200)
        self.assertEqual(self.call("GET", "/admin/loggers")[2]["connector.postgres-cdc"]["level"], "TRACE")
        self.assertEqual(self.call("GET", "/admin/loggers/rest")[2]["level"], "DEBUG")  # not in that namespace
        for ns in ("org.apache.kafka.connect", "io.debezium.connector.postgresql"):
            self.assertEqual(self.call("PUT", f"/admin/loggers/{ns}", {"level": "INFO"})[0], 200)


if __name__ == "__main__":
    unittest.main()
