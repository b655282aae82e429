"""Workers of a cluster talk to each other over https and verify each other's certificates, as Kafka
Connect's RestClient does (spec kafka-connect.md 3.1, 10): a follower forwards REST writes to the
leader, and a connector running on a follower sends its task configs to the leader. These requests
carry connector configurations (secrets included), so the leader's certificate is checked against
the worker's truststore (listeners.https.ssl.truststore.*, else ssl.truststore.*, else the system's
CAs) and its host name against the certificate.
  - with the self-signed certificate in the truststore: writes sent to either worker succeed and
    connectors placed on either worker get their tasks;
  - without it: the follower refuses the leader's certificate and says so (500 naming the failure),
    while the leader itself still serves writes.
"""
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

GROUP_PROPS = {
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    "offset.flush.interval.ms": "500",
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "1000",
    "scheduled.rebalance.max.delay.ms": "2000",
    "rest.advertised.host.name": "127.0.0.1",
}


class DistributedTlsTest(FerryTestCase):

    def setUp(self):
        super().setUp()
        self.cert, key = self.path("cert.pem"), self.path("key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True)
        self.keystore = self.path("keystore.pem")
        with open(self.keystore, "w") as out:
            out.write(open(key).read() + open(self.cert).read())
        # The same certificate as a PKCS12 truststore (certificates only, as keytool writes them).
        self.trust_p12 = self.path("trust.p12")
        subprocess.run(["openssl", "pkcs12", "-export", "-nokeys", "-in", self.cert, "-out", self.trust_p12,
                        "-passout", "pass:trustpw"], check=True, capture_output=True)
        self.ctx = ssl.create_default_context(cafile=self.cert)

    def call(self, method, url, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.ctx) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, (json.loads(raw) if raw else None)

    def start_member(self, bootstrap, group, name, trust):
        port = free_port()
        props = dict(GROUP_PROPS, **{
            "bootstrap.servers": bootstrap, "group.id": group, "listeners": f"https://127.0.0.1:{port}",
            "config.storage.topic": f"{group}-configs", "offset.storage.topic": f"{group}-offsets",
            "status.storage.topic": f"{group}-status",
            "listeners.https.ssl.keystore.location": self.keystore, "listeners.https.ssl.keystore.type": "PEM"})
        if trust == "pem":
            props["listeners.https.ssl.truststore.location"] = self.cert
            props["listeners.https.ssl.truststore.type"] = "PEM"
        elif trust == "pkcs12":
            props["listeners.https.ssl.truststore.location"] = self.trust_p12
            props["listeners.https.ssl.truststore.type"] = "PKCS12"
            props["listeners.https.ssl.truststore.password"] = "trustpw"
        path = self.path(f"{name}.properties")
        write_properties(path, props)
        p = self.spawn([FERRY, "distributed", path], name)
        p.url = f"https://127.0.0.1:{port}"

        def up():
            if not p.alive():
                self.fail(p.output()[-3000:])
            try:
                return self.call("GET", p.url + "/")[0] == 200
            except (urllib.error.URLError, ConnectionError, OSError):
                return False
        wait_until(up, timeout=60, what=f"{name} REST")
        return p

    def create(self, worker, name, topic):
        """POST /connectors until the first rebalance is over (409 until then); returns (status, body)."""
        result = {}

        def attempt():
            result["r"] = self.call("POST", worker.url + "/connectors", {"name": name, "config": {
                "connector.class": "FileStreamSource", "file": self.path(f"{name}.txt"), "topic": topic}})
            return result["r"][0] != 409
        wait_until(attempt, timeout=60, what=f"create {name}")
        return result["r"]

    def test_workers_verify_each_other_with_the_truststore(self):
        broker = self.start_broker()
        # One worker trusts the certificate through a PEM truststore, the other through PKCS12.
        w1 = self.start_member(broker.bootstrap, "tls-ok", "w1", trust="pem")
        w2 = self.start_member(broker.bootstrap, "tls-ok", "w2", trust="pkcs12")
        names = [f"src{i}" for i in range(4)]
        for i, n in enumerate(names):
            with open(self.path(f"{n}.txt"), "w") as f:
                f.write("x\n")
            status, body = self.create((w1, w2)[i % 2], n, f"t-{n}")  # one of the two is a follower
            self.assertEqual(status, 201, body)

        def all_running():
            workers = set()
            for n in names:
                status, body = self.call("GET", f"{w1.url}/connectors/{n}/status")
                if status != 200 or len(body["tasks"]) != 1 or body["tasks"][0]["state"] != "RUNNING":
                    return None
                workers.add(body["connector"]["worker_id"])
            return workers
        # Tasks exist only once the leader accepted their configs: for connectors on the follower
        # that is an https request to the leader.
        workers = wait_until(all_running, timeout=90, what="every connector and task RUNNING")
        self.assertEqual(len(workers), 2, "connectors run on both workers")

    def test_an_untrusted_leader_certificate_is_refused(self):
        broker = self.start_broker()
        w1 = self.start_member(broker.bootstrap, "tls-untrusted", "u1", trust=None)
        w2 = self.start_member(broker.bootstrap, "tls-untrusted", "u2", trust=None)
        for n in ("a", "b"):
            with open(self.path(f"{n}.txt"), "w") as f:
                f.write("x\n")
        results = [self.create(w1, "a", "t-a"), self.create(w2, "b", "t-b")]
        statuses = sorted(s for s, _ in results)
        # The leader creates its connector; the follower cannot forward to a leader it cannot verify.
        self.assertEqual(statuses, [201, 500], results)
        refused = next(b for s, b in results if s == 500)
        self.assertEqual(refused["error_code"], 500)
        self.assertIn("IO Error trying to forward REST request", refused["message"])
        self.assertIn("SSL", refused["message"])


if __name__ == "__main__":
    unittest.main()
