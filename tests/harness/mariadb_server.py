"""A throwaway MariaDB server for tests: mariadb-install-db in a temp dir, a free TCP port on
127.0.0.1, binary log in ROW format (for CDC), a root user without password and a `ferry` user
with one. Killed by PID at the end. Runs as the `mysql` system user when the tests run as root.
"""
import os
import shutil
import subprocess

from ferry_harness import free_port, wait_until, GiveUp, Process


class MariaDbServer:
    def __init__(self, base_dir, name="mariadb"):
        self.dir = os.path.join(base_dir, name)
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.port = free_port()
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.user = "ferry"
        self.password = "ferry-secret"
        run_as = []
        if os.geteuid() == 0:
            os.chmod(base_dir, 0o755)
            for root, dirs, files in os.walk(self.dir):
                shutil.chown(root, "mysql")
            run_as = ["--user=mysql"]
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.data}", "--auth-root-authentication-method=normal",
                        "--skip-test-db", *run_as], check=True, capture_output=True, timeout=180)
        args = ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.data}", f"--port={self.port}",
                "--bind-address=127.0.0.1", f"--socket={self.socket}", "--log-bin=binlog", "--binlog-format=ROW",
                "--server-id=1", "--innodb-flush-log-at-trx-commit=2", "--skip-name-resolve",
                f"--pid-file={os.path.join(self.dir, 'mysqld.pid')}", *run_as]
        self._args = args
        self.process = None
        self.start()
        self.sql(f"CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}'; "
                 f"GRANT ALL ON *.* TO '{self.user}'@'%' WITH GRANT OPTION; "
                 f"CREATE USER '{self.user}'@'localhost' IDENTIFIED BY '{self.password}'; "
                 f"GRANT ALL ON *.* TO '{self.user}'@'localhost' WITH GRANT OPTION; FLUSH PRIVILEGES;")

    def start(self):
        """Starts mariadbd on the same data directory and port (again, after stop() or kill())."""
        self.process = Process(self._args, os.path.join(self.dir, "server.log"))
        wait_until(self._ready, timeout=90, what="MariaDB ready")

    def _ready(self):
        if not self.process.alive():
            raise GiveUp(f"MariaDB exited:\n{self.process.output()[-3000:]}")
        r = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(self.port), "-u", "root",
                            "-e", "SELECT 1"], capture_output=True)
        return r.returncode == 0

    def sql(self, statements, db=None):
        """Runs SQL as root through the mariadb client (batch mode, no headers) and returns stdout."""
        args = ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(self.port), "-u", "root", "-N", "-B"]
        if db:
            args += ["-D", db]
        r = subprocess.run(args + ["-e", statements], capture_output=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"mariadb failed: {r.stderr.decode()}")
        return r.stdout.decode()

    def jdbc_url(self, db):
        return f"jdbc:mariadb://127.0.0.1:{self.port}/{db}"

    def stop(self):
        if self.process.alive():
            self.process.stop(timeout=60)

    def kill(self):
        self.process.kill()
