"""`ferry ctl` against a live worker: every subcommand in table and JSON form (the JSON parsed and
compared with what the REST API itself answers), the worker URL from --url and FERRY_URL, and the
exit codes and messages of errors (the server's message, non-zero exit)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FERRY, FerryTestCase, http, wait_running, wait_until, connector_state  # noqa: E402


class CtlTest(FerryTestCase):

    @classmethod
    def setUpClass(cls):
        # One broker and worker for the whole class, through a harness case of its own (killed by
        # PID in tearDownClass).
        cls.env = FerryTestCase()
        cls.env.setUp()
        try:
            cls.broker = cls.env.start_broker()
            cls.props = cls.env.worker_props(cls.broker.bootstrap)
            cls.worker = cls.env.start_worker(cls.props)
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

    def test_version_names_the_allocator_serving_malloc(self):
        # The release build links mimalloc and it must really replace glibc's malloc in the
        # process (the measured CPU saving depends on it), not merely be linked.
        r = subprocess.run([FERRY, "version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertRegex(lines[0], r"^ferry \S+ \(Kafka Connect REST API \S+, commit \S+\)$")
        self.assertRegex(lines[1], r"^allocator: mimalloc \d+\.\d+\.\d+$")

    def tearDown(self):
        if not getattr(getattr(self, "_outcome", None), "success", True):
            print(f"\n--- worker log ---\n{self.worker.output()[-4000:]}")

    def ctl(self, *args, url=True, env=None, expect=0):
        cmd = [FERRY, "ctl"] + (["--url", self.url] if url else []) + list(args)
        e = dict(os.environ)
        e.pop("FERRY_URL", None)
        e.update(env or {})
        r = subprocess.run(cmd, capture_output=True, timeout=120, env=e)
        out, err = r.stdout.decode(), r.stderr.decode()
        if expect is not None:
            self.assertEqual(r.returncode, expect, f"{cmd}\nstdout: {out}\nstderr: {err}")
        return out, err

    def ctl_json(self, *args):
        out, _ = self.ctl("-o", "json", *args)
        return json.loads(out)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def source_file(self, name, fmt="json", topic=None):
        data = os.path.join(self.dir, f"{name}.txt")
        with open(data, "w") as f:
            f.write("a\nb\nc\n")
        cfg = {"connector.class": "FileStreamSource", "file": data, "topic": topic or f"{name}-t", "tasks.max": "1"}
        if fmt == "json":
            return self.write(f"{name}.json", json.dumps({"name": name, "config": cfg})), cfg
        if fmt == "flat":
            return self.write(f"{name}.json", json.dumps(dict(cfg, name=name))), cfg
        return self.write(f"{name}.properties", "".join(f"{k}={v}\n" for k, v in dict(cfg, name=name).items())), cfg

    # --- connectors ---------------------------------------------------------------------------
    def test_create_list_describe_status_delete(self):
        path, cfg = self.source_file("ctl-a")
        out, _ = self.ctl("connectors", "create", "-f", path)
        self.assertEqual(out.strip(), "Created connector ctl-a")
        self.assertEqual(http("GET", f"{self.url}/connectors/ctl-a/config")[1], dict(cfg, name="ctl-a"))
        wait_running(self.url, "ctl-a")

        out, _ = self.ctl("connectors", "list")
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "TYPE", "STATE", "TASKS", "CLASS"])
        row = next(line.split() for line in lines[1:] if line.startswith("ctl-a "))
        self.assertEqual(row, ["ctl-a", "source", "RUNNING", "1/1", "FileStreamSource"])
        listed = self.ctl_json("connectors", "list")
        self.assertEqual(listed["ctl-a"], http("GET", f"{self.url}/connectors?expand=status&expand=info")[1]["ctl-a"])

        out, _ = self.ctl("connectors", "describe", "ctl-a")
        self.assertIn("Name:       ctl-a", out)
        self.assertIn("Type:       source", out)
        self.assertIn("State:      RUNNING", out)
        self.assertIn(cfg["file"], out)
        self.assertIn("ctl-a-t", out)  # its active topic
        described = self.ctl_json("connectors", "describe", "ctl-a")
        self.assertEqual(described["info"], http("GET", f"{self.url}/connectors/ctl-a")[1])
        self.assertEqual(described["status"]["connector"]["state"], "RUNNING")
        wait_until(lambda: self.ctl_json("connectors", "describe", "ctl-a").get("topics") == ["ctl-a-t"],
                   what="topics in describe")

        out, _ = self.ctl("connectors", "status", "ctl-a")
        self.assertEqual(out.splitlines()[0].split(), ["ID", "STATE", "WORKER", "TRACE"])
        self.assertEqual(out.splitlines()[1].split()[:2], ["connector", "RUNNING"])
        self.assertEqual(out.splitlines()[2].split()[:3], ["task", "0", "RUNNING"])
        self.assertEqual(self.ctl_json("connectors", "status", "ctl-a"), http("GET", f"{self.url}/connectors/ctl-a/status")[1])

        out, _ = self.ctl("connectors", "delete", "ctl-a")
        self.assertEqual(out.strip(), "Deleted connector ctl-a")
        self.assertEqual(http("GET", f"{self.url}/connectors/ctl-a")[0], 404)

    def test_create_from_properties_and_flat_json_and_update(self):
        path, cfg = self.source_file("ctl-props", fmt="properties")
        self.assertEqual(self.ctl_json("connectors", "create", "-f", path),
                         http("GET", f"{self.url}/connectors/ctl-props")[1])
        path, cfg = self.source_file("ctl-flat", fmt="flat")
        created = self.ctl_json("connectors", "create", "-f", path)
        self.assertEqual(created["name"], "ctl-flat")
        self.assertEqual(created["config"], dict(cfg, name="ctl-flat"))
        # update from a file (the name comes from the command line)
        new = self.write("update.properties", f"connector.class=FileStreamSource\nfile={cfg['file']}\ntopic=updated\n")
        out, _ = self.ctl("connectors", "update", "ctl-flat", "-f", new)
        self.assertEqual(out.strip(), "Updated connector ctl-flat")
        self.assertEqual(http("GET", f"{self.url}/connectors/ctl-flat/config")[1]["topic"], "updated")
        # update of a connector that does not exist creates it
        out, _ = self.ctl("connectors", "update", "ctl-new", "-f", new)
        self.assertEqual(out.strip(), "Created connector ctl-new")
        updated = self.ctl_json("connectors", "update", "ctl-new", "-f", new)
        self.assertEqual(updated["config"]["name"], "ctl-new")
        for n in ["ctl-props", "ctl-flat", "ctl-new"]:
            self.ctl("connectors", "delete", n)

    def test_create_with_initial_state(self):
        data = os.path.join(self.dir, "in.txt")
        open(data, "w").close()
        path = self.write("paused.json", json.dumps({"name": "ctl-paused", "initial_state": "PAUSED", "config": {
            "connector.class": "FileStreamSource", "file": data, "topic": "p"}}))
        self.ctl("connectors", "create", "-f", path)
        wait_until(lambda: connector_state(self.url, "ctl-paused")[0] == "PAUSED", what="PAUSED")
        self.ctl("connectors", "delete", "ctl-paused")

    def test_lifecycle_actions(self):
        path, _ = self.source_file("ctl-life")
        self.ctl("connectors", "create", "-f", path)
        wait_running(self.url, "ctl-life")
        out, _ = self.ctl("connectors", "pause", "ctl-life")
        self.assertEqual(out.strip(), "Paused connector ctl-life")
        wait_until(lambda: connector_state(self.url, "ctl-life") == ("PAUSED", ["PAUSED"]), what="PAUSED")
        self.assertEqual(self.ctl_json("connectors", "resume", "ctl-life"), {"message": "Resumed connector ctl-life"})
        wait_running(self.url, "ctl-life")

        out, _ = self.ctl("connectors", "restart", "ctl-life")
        self.assertEqual(out.strip(), "Restarted connector ctl-life")
        wait_running(self.url, "ctl-life")
        plan = self.ctl_json("connectors", "restart", "ctl-life", "--include-tasks")
        self.assertEqual(plan["connector"]["state"], "RESTARTING")
        self.assertEqual([t["state"] for t in plan["tasks"]], ["RESTARTING"])
        wait_running(self.url, "ctl-life")
        out, _ = self.ctl("connectors", "restart", "ctl-life", "--include-tasks", "--only-failed")
        self.assertIn("Restart of connector ctl-life accepted", out)
        self.assertIn("RUNNING", out)  # nothing failed: nothing restarts
        plan = self.ctl_json("connectors", "restart", "ctl-life", "--only-failed")
        self.assertEqual(plan["connector"]["state"], "RUNNING")

        out, _ = self.ctl("connectors", "restart-task", "ctl-life", "0")
        self.assertEqual(out.strip(), "Restarted task ctl-life-0")
        wait_running(self.url, "ctl-life")

        out, _ = self.ctl("connectors", "stop", "ctl-life")
        self.assertEqual(out.strip(), "Stopped connector ctl-life")
        self.assertEqual(connector_state(self.url, "ctl-life"), ("STOPPED", []))
        self.ctl("connectors", "resume", "ctl-life")
        wait_running(self.url, "ctl-life")
        self.ctl("connectors", "delete", "ctl-life")

    def test_offsets(self):
        path, cfg = self.source_file("ctl-off")
        self.ctl("connectors", "create", "-f", path)
        wait_running(self.url, "ctl-off")
        expected = {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"position": 6}}]}
        wait_until(lambda: self.ctl_json("connectors", "offsets", "get", "ctl-off") == expected, what="offsets")
        out, _ = self.ctl("connectors", "offsets", "get", "ctl-off")
        self.assertEqual(out.splitlines()[0].split(), ["PARTITION", "OFFSET"])
        self.assertEqual(out.splitlines()[1].split(), [json.dumps({"filename": cfg["file"]}, separators=(",", ":")),
                                                       '{"position":6}'])

        alter = self.write("offsets.json", json.dumps(
            {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"position": 2}}]}))
        # Not stopped: the server's message, exit code 1.
        _, err = self.ctl("connectors", "offsets", "alter", "ctl-off", "-f", alter, expect=1)
        self.assertIn("Connectors must be in the STOPPED state before their offsets can be modified", err)
        self.assertIn("(HTTP 400)", err)
        self.ctl("connectors", "stop", "ctl-off")
        out, _ = self.ctl("connectors", "offsets", "alter", "ctl-off", "-f", alter)
        self.assertEqual(out.strip(), "The offsets for this connector have been altered successfully")
        self.assertEqual(self.ctl_json("connectors", "offsets", "get", "ctl-off")["offsets"][0]["offset"], {"position": 2})
        self.assertEqual(self.ctl_json("connectors", "offsets", "reset", "ctl-off"),
                         {"message": "The offsets for this connector have been reset successfully"})
        self.assertEqual(self.ctl_json("connectors", "offsets", "get", "ctl-off"), {"offsets": []})
        out, _ = self.ctl("connectors", "offsets", "reset", "ctl-off")
        self.assertEqual(out.strip(), "The offsets for this connector have been reset successfully")
        bad = self.write("bad.json", "{not json")
        _, err = self.ctl("connectors", "offsets", "alter", "ctl-off", "-f", bad, expect=1)
        self.assertIn("is not valid JSON", err)
        self.ctl("connectors", "delete", "ctl-off")

    # --- plugins ------------------------------------------------------------------------------
    def test_plugins(self):
        out, _ = self.ctl("plugins", "list")
        self.assertEqual(out.splitlines()[0].split(), ["CLASS", "TYPE", "VERSION"])
        self.assertIn("org.apache.kafka.connect.file.FileStreamSinkConnector", out)
        self.assertNotIn("transformation", out)
        self.assertEqual(self.ctl_json("plugins", "list"), http("GET", f"{self.url}/connector-plugins")[1])
        everything = self.ctl_json("plugins", "list", "--all")
        self.assertEqual(everything, http("GET", f"{self.url}/connector-plugins?connectorsOnly=false")[1])
        self.assertIn("transformation", {p["type"] for p in everything})

        path, _ = self.source_file("ctl-valid", fmt="properties")
        out, _ = self.ctl("plugins", "validate", "-f", path)
        self.assertEqual(out.strip(), "The configuration of FileStreamSource is valid.")
        infos = self.ctl_json("plugins", "validate", "-f", path)
        self.assertEqual(infos["error_count"], 0)
        self.assertEqual(infos["name"], "FileStreamSource")

        bad = self.write("bad.properties", "name=bad\nconnector.class=FileStreamSource\ntasks.max=0\n")
        out, err = self.ctl("plugins", "validate", "-f", bad, expect=1)
        self.assertEqual(out.splitlines()[0].split(), ["KEY", "ERROR"])
        self.assertIn("tasks.max", out)
        self.assertIn('Missing required configuration "topic" which has no default value.', out)
        self.assertIn("2 error(s)", err)
        out, _ = self.ctl("-o", "json", "plugins", "validate", "-f", bad, expect=1)
        self.assertEqual(json.loads(out)["error_count"], 2)

    # --- loggers ------------------------------------------------------------------------------
    def test_loggers(self):
        out, _ = self.ctl("loggers", "get")
        self.assertEqual(out.splitlines()[0].split(), ["LOGGER", "LEVEL", "LAST_MODIFIED"])
        self.assertEqual(self.ctl_json("loggers", "get"), http("GET", f"{self.url}/admin/loggers")[1])
        self.assertEqual(self.ctl_json("loggers", "get", "root"), {"level": "INFO", "last_modified": None})

        changed = self.ctl_json("loggers", "set", "runtime", "DEBUG")
        self.assertIn("runtime", changed)
        self.assertEqual(self.ctl_json("loggers", "get", "runtime")["level"], "DEBUG")
        out, _ = self.ctl("loggers", "set", "runtime", "WARN", "--scope", "cluster")
        self.assertEqual(out.strip(), "Set the level of runtime to WARN across the cluster")
        out, _ = self.ctl("loggers", "get", "runtime")
        self.assertEqual(out.splitlines()[1].split()[:2], ["runtime", "WARN"])
        out, _ = self.ctl("loggers", "set", "runtime", "INFO", "--scope=worker")
        self.assertTrue(out.startswith("Set the level of runtime to INFO; loggers changed:"), out)

        _, err = self.ctl("loggers", "set", "runtime", "LOUD", expect=1)
        self.assertEqual(err.strip(), "ferry ctl: invalid log level 'LOUD'. (HTTP 404)")
        _, err = self.ctl("loggers", "get", "no.such", expect=1)
        self.assertEqual(err.strip(), "ferry ctl: Logger no.such not found. (HTTP 404)")

    # --- URL, errors, usage -------------------------------------------------------------------
    def test_url_from_environment_and_default(self):
        out, _ = self.ctl("-o", "json", "plugins", "list", url=False, env={"FERRY_URL": self.url})
        self.assertEqual(json.loads(out), http("GET", f"{self.url}/connector-plugins")[1])
        out, _ = self.ctl("plugins", "list", "--url", self.url + "/", url=False)
        self.assertIn("FileStreamSource", out)
        # Nothing listens on the default localhost:8083 in tests... unless something does: then it
        # must at least not be reported as a success of ours. Use a port that is surely closed.
        _, err = self.ctl("connectors", "list", url=False, env={"FERRY_URL": "http://127.0.0.1:1"}, expect=1)
        self.assertIn("cannot reach http://127.0.0.1:1", err)

    def test_server_errors_exit_1_with_the_message(self):
        _, err = self.ctl("connectors", "status", "no-such", expect=1)
        self.assertEqual(err.strip(), "ferry ctl: No status found for connector no-such (HTTP 404)")
        _, err = self.ctl("connectors", "describe", "no-such", expect=1)
        self.assertEqual(err.strip(), "ferry ctl: Connector no-such not found (HTTP 404)")
        for action in ["pause", "resume", "stop"]:
            _, err = self.ctl("connectors", action, "no-such", expect=1)
            self.assertEqual(err.strip(), "ferry ctl: Unknown connector no-such (HTTP 404)")
        _, err = self.ctl("connectors", "delete", "no-such", expect=1)
        self.assertIn("Connector no-such not found", err)
        _, err = self.ctl("connectors", "restart-task", "no-such", "0", expect=1)
        self.assertIn("(HTTP 404)", err)
        path, _ = self.source_file("ctl-dup")
        self.ctl("connectors", "create", "-f", path)
        _, err = self.ctl("connectors", "create", "-f", path, expect=1)
        self.assertEqual(err.strip(), "ferry ctl: Connector ctl-dup already exists (HTTP 409)")
        self.ctl("connectors", "delete", "ctl-dup")
        bad = self.write("bad-conn.properties", "name=bad-conn\nconnector.class=FileStreamSource\n")
        _, err = self.ctl("connectors", "create", "-f", bad, expect=1)
        self.assertIn('Missing required configuration \\"topic\\"'.replace("\\", ""), err)
        self.assertIn("(HTTP 400)", err)
        _, err = self.ctl("connectors", "create", "-f", os.path.join(self.dir, "missing.json"), expect=1)
        self.assertIn("missing.json", err)

    def test_usage_errors_exit_2(self):
        for args in [[], ["nope"], ["connectors"], ["connectors", "frobnicate"], ["connectors", "status"],
                     ["connectors", "create"], ["-o", "yaml", "connectors", "list"], ["connectors", "list", "--bogus"],
                     ["connectors", "offsets", "explode", "x"], ["loggers", "set", "root"]]:
            with self.subTest(args=args):
                _, err = self.ctl(*args, expect=2)
                self.assertIn("usage: ferry ctl", err)
        _, err = self.ctl("connectors", "list", url=False, env={"FERRY_URL": "ftp://x"}, expect=2)
        self.assertIn("unsupported URL scheme", err)
        out, _ = self.ctl("--help", url=False)
        self.assertIn("connectors offsets alter <name> -f <offsets.json>", out)


if __name__ == "__main__":
    unittest.main()
