"""A throwaway PostgreSQL server for tests: initdb in a temp dir, wal_level=logical, a free port,
trust authentication on 127.0.0.1 plus a password user. Killed by PID at the end.

PostgreSQL refuses to run as root; when the tests run as root (CI), the server runs as the
`postgres` system user through runuser and its directory is handed to that user.
"""
import os
import shutil
import signal
import subprocess
import time

from ferry_harness import free_port, wait_until, GiveUp, Process

PG_BIN = None
for v in ("17", "16", "15", "14", "13"):
    if os.path.isdir(f"/usr/lib/postgresql/{v}/bin"):
        PG_BIN = f"/usr/lib/postgresql/{v}/bin"
        break


def _as_postgres(args):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


class PgServer:
    def __init__(self, base_dir, extra_conf=None, name="pg"):
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.dir = os.path.join(base_dir, name)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(base_dir, "postgres")
            os.chmod(base_dir, 0o755)
            for root, dirs, files in os.walk(self.dir):
                shutil.chown(root, "postgres")
        self.port = free_port()
        self.user = "postgres"
        self.password = "postgres-secret"
        subprocess.run(_as_postgres([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True, timeout=120)
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.sock}'",
            "wal_level": "logical",
            "max_wal_senders": "10",
            "max_replication_slots": "10",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "64MB",
            "max_connections": "50",
        }
        conf.update(extra_conf or {})
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            for k, v in conf.items():
                f.write(f"{k} = {v}\n")
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\nhost all all 127.0.0.1/32 trust\n"
                    "local replication all trust\nhost replication all 127.0.0.1/32 trust\n")
        self.log_path = os.path.join(self.dir, "server.log")
        self.process = None
        self._postmaster = None
        for attempt in range(3):
            try:
                self.start()
                break
            except GiveUp as e:
                # Another process took the port between free_port() and the bind: try another one
                # (only here, at first start: a restart must keep the port clients know).
                if "Address already in use" not in str(e) or attempt == 2:
                    raise
                self.port = free_port()
                with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
                    f.write(f"port = {self.port}\n")

    def start(self):
        args = _as_postgres([f"{PG_BIN}/postgres", "-D", self.data])
        self.process = Process(args, self.log_path)
        wait_until(self._ready, timeout=60, what="PostgreSQL ready")
        # Kept now: cleanups may run after the test's directory (and postmaster.pid) is removed.
        self._postmaster = self.postmaster_pid()

    def _ready(self):
        if not self.process.alive():
            raise GiveUp(f"PostgreSQL exited:\n{self.process.output()[-3000:]}")
        r = subprocess.run([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True)
        return r.returncode == 0

    def psql(self, sql, db="postgres", check=True):
        """Runs SQL through psql (-A -t: unaligned, tuples only) and returns stdout."""
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", db, "-v",
                            "ON_ERROR_STOP=1", "-A", "-t", "-q", "-c", sql], capture_output=True, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError(f"psql failed: {r.stderr.decode()}")
        return r.stdout.decode()

    def add_password_user(self, user, password, superuser=True):
        """Creates a login role that must authenticate with its password over TCP (scram-sha-256);
        every other user keeps trust authentication."""
        self.psql(f"CREATE ROLE {user} LOGIN {'SUPERUSER' if superuser else ''} PASSWORD '{password}'")
        hba = os.path.join(self.data, "pg_hba.conf")
        with open(hba) as f:
            rest = f.read()
        with open(hba, "w") as f:
            f.write(f"host all {user} 127.0.0.1/32 scram-sha-256\n" + rest)
        self.psql("SELECT pg_reload_conf()")

    def url(self, db="postgres"):
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def jdbc_url(self, db="postgres"):
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{db}"

    def stop(self):
        if self.process and self.process.alive():
            self.process.stop(timeout=60)

    def kill(self):
        """Immediate shutdown, by PID: SIGQUIT to the postmaster (which ends its backends), then the
        Process itself. Under root the Process is the runuser wrapper, which forks: killing only the
        wrapper would leave the server running until it noticed its data directory was gone."""
        if not self.process:
            return
        pid = self._postmaster or self.postmaster_pid()
        if pid and self.process.alive():
            try:
                os.kill(pid, signal.SIGQUIT)
                self.process.proc.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
        self.process.kill()

    def postmaster_pid(self):
        """The running postmaster's PID (first line of postmaster.pid), or None."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None
