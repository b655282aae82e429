"""REST listener options of the worker configuration (spec kafka-connect.md 3.1, issue 3 item 6):
an https:// listener with a PEM or PKCS12 keystore (the listeners.https.* keys or the top-level
ssl.* ones, as RestServerConfig reads them), HTTP basic authentication configured the way Java
workers are (rest.extension.classes=...BasicAuthSecurityRestExtension and a JAAS file named in
KAFKA_OPTS) or with Ferry's rest.basic.auth.credentials.file, topic.tracking.enable /
topic.tracking.allow.reset (403), and the startup errors of bad settings. Clients: curl, Python's
ssl module and `ferry ctl`."""
import base64
import json
import os
import ssl
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import FERRY, FerryTestCase, free_port, wait_until, write_properties  # noqa: E402


def call(method, url, body=None, auth=None, cafile=None, timeout=30):
    """(status, parsed JSON body or None, headers)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    ctx = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
            status, payload, rh = r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        status, payload, rh = e.code, e.read(), e.headers
    return status, (json.loads(payload) if payload else None), rh


class RestSecurityTest(FerryTestCase):

    @classmethod
    def setUpClass(cls):
        cls.env = FerryTestCase()
        cls.env.setUp()
        try:
            cls.broker = cls.env.start_broker()
            # A self-signed certificate for 127.0.0.1: cert.pem, key.pem, both in one PEM file (the
            # PEM keystore layout Kafka uses) and a PKCS12 keystore with a password.
            d = cls.env.tmp
            cls.cert, cls.key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", cls.key, "-out", cls.cert], check=True, capture_output=True)
            cls.pem_store = os.path.join(d, "keystore.pem")
            with open(cls.pem_store, "w") as out:
                out.write(open(cls.key).read() + open(cls.cert).read())
            cls.p12_store = os.path.join(d, "keystore.p12")
            subprocess.run(["openssl", "pkcs12", "-export", "-inkey", cls.key, "-in", cls.cert,
                            "-out", cls.p12_store, "-passout", "pass:storepw"], check=True, capture_output=True)
        except BaseException:
            cls.env.tearDown()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.env.tearDown()

    def worker(self, scheme="http", env=None, expect_exit=False, **overrides):
        port = free_port()
        props = {
            "bootstrap.servers": self.broker.bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": self.path("connect.offsets"),
            "listeners": f"{scheme}://127.0.0.1:{port}",
            "rest.advertised.host.name": "127.0.0.1",
        }
        props.update(overrides)
        path = self.path(f"worker-{port}.properties")
        write_properties(path, props)
        e = dict(os.environ)
        e.pop("KAFKA_OPTS", None)
        e.update(env or {})
        p = self.spawn([FERRY, "standalone", path], f"worker-{port}", env=e)
        p.url = f"{scheme}://127.0.0.1:{port}"
        if expect_exit:
            wait_until(lambda: not p.alive(), timeout=60, what="the worker to refuse to start")
            return p
        probe = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", self.cert, p.url + "/"]

        def up():
            if not p.alive():
                self.fail(f"worker exited:\n{p.output()[-3000:]}")
            code = subprocess.run(probe, capture_output=True, timeout=10).stdout.decode()
            return code not in ("", "000")
        wait_until(up, timeout=60, what="worker REST")
        return p

    def exit_code(self, p):
        return p.proc.wait(timeout=30)

    # --- https --------------------------------------------------------------------------------
    def test_https_with_a_pem_keystore_under_listeners_https(self):
        w = self.worker("https", **{"listeners.https.ssl.keystore.location": self.pem_store,
                                    "listeners.https.ssl.keystore.type": "PEM"})
        status, body, _ = call("GET", w.url + "/", cafile=self.cert)
        self.assertEqual(status, 200)
        self.assertEqual(list(body), ["version", "commit", "kafka_cluster_id"])
        # A connector round trip over TLS, and the error body too.
        status, info, headers = call("PUT", w.url + "/connectors/tls-a/config",
                                     {"connector.class": "FileStreamSink", "topics": "t", "file": self.path("o")},
                                     cafile=self.cert)
        self.assertEqual(status, 201, info)
        self.assertEqual(headers["Location"], w.url + "/connectors/tls-a")
        self.assertEqual(call("GET", w.url + "/connectors/nope", cafile=self.cert)[:2],
                         (404, {"error_code": 404, "message": "Connector nope not found"}))
        # Plain HTTP on the TLS port gets no answer.
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            w.url.replace("https://", "http://") + "/"], capture_output=True, timeout=30)
        self.assertNotEqual(r.stdout.decode(), "200")
        # ferry ctl verifies the certificate; FERRY_CTL_INSECURE accepts the self-signed one.
        r = subprocess.run([FERRY, "ctl", "--url", w.url, "-o", "json", "connectors", "list"], capture_output=True,
                           timeout=60, env=dict(os.environ, FERRY_CTL_INSECURE="1"))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(list(json.loads(r.stdout)), ["tls-a"])

    def test_https_with_a_pkcs12_keystore_from_the_top_level_ssl_keys(self):
        w = self.worker("https", **{"ssl.keystore.location": self.p12_store, "ssl.keystore.type": "PKCS12",
                                    "ssl.keystore.password": "storepw"})
        self.assertEqual(call("GET", w.url + "/connectors", cafile=self.cert)[:2], (200, []))

    def test_https_keystore_errors_stop_the_worker_at_startup(self):
        jks = self.path("keystore.jks")
        with open(jks, "wb") as f:
            f.write(b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + b"\x00" * 64)
        cases = [
            ({}, "ssl.keystore.location is required for an https listener"),
            ({"listeners.https.ssl.keystore.location": jks}, "is a JKS keystore, which Ferry cannot read"),
            ({"ssl.keystore.location": self.p12_store, "ssl.keystore.password": "wrong"},
             "cannot read the PKCS12 keystore"),
            ({"listeners.https.ssl.keystore.location": self.pem_store, "listeners.https.ssl.keystore.type": "BCFKS"},
             "Unsupported listeners.https.ssl.keystore.type: BCFKS"),
            # The truststore that verifies other workers (forwarded requests) is checked up front too.
            ({"listeners.https.ssl.keystore.location": self.pem_store,
              "listeners.https.ssl.truststore.location": self.path("missing.pem")},
             "(listeners.https.ssl.truststore.location)"),
            ({"listeners.https.ssl.keystore.location": self.pem_store,
              "listeners.https.ssl.truststore.location": jks}, "is a JKS truststore, which Ferry cannot read"),
            ({"listeners.https.ssl.keystore.location": self.pem_store,
              "listeners.https.ssl.truststore.location": self.p12_store,
              "listeners.https.ssl.truststore.type": "PKCS12", "listeners.https.ssl.truststore.password": "wrong"},
             "cannot read the PKCS12 truststore"),
        ]
        for overrides, message in cases:
            with self.subTest(overrides=overrides):
                p = self.worker("https", expect_exit=True, **overrides)
                self.assertEqual(self.exit_code(p), 2)
                self.assertIn(message, p.output())

    # --- basic authentication -----------------------------------------------------------------
    def credentials(self):
        path = self.path("credentials.properties")
        with open(path, "w") as f:
            f.write("# user=password, as PropertyFileLoginModule reads them\nadmin=s3cret\nreader: r34d\n")
        return path

    def assert_basic_auth(self, url):
        status, body, headers = call("GET", url + "/connectors")
        self.assertEqual((status, body), (401, {"error_code": 401, "message": "Unauthorized"}))
        self.assertIn("Basic", headers["WWW-Authenticate"])
        self.assertEqual(call("GET", url + "/connectors", auth="admin:wrong")[0], 401)
        self.assertEqual(call("GET", url + "/connectors", auth="nobody:s3cret")[0], 401)
        self.assertEqual(call("GET", url + "/connectors", auth="admin:s3cret")[:2], (200, []))
        self.assertEqual(call("GET", url + "/", auth="reader:r34d")[0], 200)
        # Bodyless writes are refused before anything runs, and pass with credentials.
        self.assertEqual(call("PUT", url + "/connectors/none/pause")[0], 401)
        self.assertEqual(call("PUT", url + "/connectors/none/pause", auth="admin:s3cret")[0], 404)
        # Worker-to-worker requests (signed with the session key, spec 10) pass without user
        # credentials, as with Kafka's JaasBasicAuthFilter; their handlers decide (standalone: 404).
        status, body, _ = call("POST", url + "/connectors/none/tasks", [])
        self.assertNotEqual(status, 401, body)
        self.assertEqual(list(body), ["error_code", "message"])
        self.assertNotEqual(call("PUT", url + "/connectors/none/fence")[0], 401)
        self.assertEqual(call("POST", url + "/connectors/none/tasks/0/restart")[0], 401)
        self.assertEqual(call("GET", url + "/connectors/none/tasks")[0], 401)
        # curl -u, and ferry ctl with the user in the URL.
        r = subprocess.run(["curl", "-s", "-u", "admin:s3cret", url + "/connectors"], capture_output=True, timeout=30)
        self.assertEqual(json.loads(r.stdout), [])
        authed = url.replace("http://", "http://admin:s3cret@")
        r = subprocess.run([FERRY, "ctl", "--url", authed, "-o", "json", "connectors", "list"], capture_output=True,
                           timeout=60)
        self.assertEqual((r.returncode, json.loads(r.stdout)), (0, {}), r.stderr.decode())
        r = subprocess.run([FERRY, "ctl", "--url", url, "connectors", "list"], capture_output=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Unauthorized", r.stderr.decode())

    def test_basic_auth_configured_as_for_a_java_worker(self):
        jaas = self.path("connect_jaas.conf")
        with open(jaas, "w") as f:
            f.write('KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule '
                    f'required\n  file="{self.credentials()}";\n}};\n')
        w = self.worker(env={"KAFKA_OPTS": f"-Xmx256m -Djava.security.auth.login.config={jaas}"},
                        **{"rest.extension.classes":
                           "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"})
        self.assert_basic_auth(w.url)

    def test_basic_auth_from_a_credentials_file(self):
        w = self.worker(**{"rest.basic.auth.credentials.file": self.credentials()})
        self.assert_basic_auth(w.url)

    def test_basic_auth_without_credentials_stops_the_worker(self):
        p = self.worker(expect_exit=True, **{
            "rest.extension.classes": "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"})
        self.assertEqual(self.exit_code(p), 2)
        self.assertIn("no credentials are given", p.output())
        jaas = self.path("empty_jaas.conf")
        with open(jaas, "w") as f:
            f.write("Other { x required; };\n")
        p = self.worker(expect_exit=True, env={"KAFKA_OPTS": f"-Djava.security.auth.login.config={jaas}"}, **{
            "rest.extension.classes": "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"})
        self.assertEqual(self.exit_code(p), 2)
        self.assertIn("has no KafkaConnect entry", p.output())

    # --- topic tracking -----------------------------------------------------------------------
    def test_topic_tracking_disabled_is_403(self):
        w = self.worker(**{"topic.tracking.enable": "false"})
        self.assertEqual(call("GET", w.url + "/connectors/c/topics")[:2],
                         (403, {"error_code": 403, "message": "Topic tracking is disabled."}))
        self.assertEqual(call("PUT", w.url + "/connectors/c/topics/reset")[:2],
                         (403, {"error_code": 403, "message": "Topic tracking is disabled."}))

    def test_topic_tracking_reset_disabled_is_403(self):
        w = self.worker(**{"topic.tracking.allow.reset": "false"})
        self.assertEqual(call("GET", w.url + "/connectors/c/topics")[:2], (200, {"c": {"topics": []}}))
        self.assertEqual(call("PUT", w.url + "/connectors/c/topics/reset")[:2],
                         (403, {"error_code": 403, "message": "Topic tracking reset is disabled."}))


if __name__ == "__main__":
    unittest.main()
