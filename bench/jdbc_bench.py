#!/usr/bin/python3
"""Side-by-side benchmarks of Ferry's JDBC connectors against the databases' own bulk tools, on the
same data in one run (pair-bench alternates the two commands and reports the A/B wall-time ratio,
A = the reference tool, B = Ferry, so the ratio is Ferry's throughput as a fraction of the tool's).

  source        a table of N rows -> Kafka: `psql -c "\\copy (select ...) to stdout" | kcat -P`
                vs JdbcSourceConnector (incrementing, JsonConverter without schemas)
  sink          N records (JsonConverter with schemas) upserted into PostgreSQL by JdbcSinkConnector
                vs `psql -c "\\copy ... from"` of the same rows as text
  mariadb-sink  the same into MariaDB vs `LOAD DATA LOCAL INFILE`

Every database and the Kafka broker (Ferry's embedded broker) is started here in a temp dir with
the test harness (tests/harness) and stopped by PID at the end. Both sides target an empty table
with the same primary key (recreated before every run).

usage: bench/jdbc_bench.py source|sink|mariadb-sink [N=1000000] [RUNS=3]
  env FERRY (default build/ferry), PAIR_BENCH (default ../shared/tools/pair-bench),
      EXTRA: more key=value pairs for B's connector (worker.* ones go to the worker), e.g.
      "worker.consumer.max.partition.fetch.bytes=33554432 worker.consumer.fetch.max.bytes=67108864"
"""
import base64
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from ferry_harness import Process, free_port, wait_until, _can_connect  # noqa: E402

kind = sys.argv[1] if len(sys.argv) > 1 else "source"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
FERRY = os.path.abspath(os.environ.get("FERRY", os.path.join(ROOT, "build", "ferry")))
PAIR_BENCH = os.environ.get("PAIR_BENCH", os.path.join(ROOT, "..", "shared", "tools", "pair-bench"))
RUN = os.path.join(ROOT, "bench", "jdbc_run.py")
EXTRA = " ".join(shlex.quote(kv) for kv in os.environ.get("EXTRA", "").split())

work = tempfile.mkdtemp(prefix="ferry-bench-jdbc-")
os.chmod(work, 0o755)
cleanup = []


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def start_broker():
    port = free_port()
    p = Process([FERRY, "embedded-kafka", "--listener", f"127.0.0.1:{port}", "--data-dir", f"{work}/kafka"],
                f"{work}/broker.log")
    cleanup.append(p.kill)
    wait_until(lambda: _can_connect(port), timeout=30, what="broker")
    return f"127.0.0.1:{port}"


def pair(setup, a, b):
    print(f"$ pair-bench -n {RUNS} --setup {shlex.quote(setup)} -- A B", flush=True)
    args = [sys.executable, PAIR_BENCH, "-n", str(RUNS)]
    if setup:
        args += ["--setup", setup]
    subprocess.run(args + [a, b], check=True)


DEC_SCHEMA = {"name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": {"scale": "2"}}


def write_records(n, json_path, tsv_path, mariadb_tsv_path=None):
    """The same n rows as Connect JSON records (with schema) and as COPY / LOAD DATA text."""
    import json
    schema = {"type": "struct", "name": "bench", "optional": False, "fields": [
        {"field": "id", "type": "int64", "optional": False},
        {"field": "name", "type": "string", "optional": False},
        dict({"field": "amount", "type": "bytes", "optional": False}, **DEC_SCHEMA),
        {"field": "flag", "type": "boolean", "optional": False},
        {"field": "created", "type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp",
         "version": 1}]}
    head = '{"schema":' + json.dumps(schema, separators=(",", ":")) + ',"payload":'
    base = 1704067200000  # 2024-01-01T00:00:00Z
    with open(json_path, "w") as j, open(tsv_path, "w") as t, \
            open(mariadb_tsv_path or os.devnull, "w") as m:
        for i in range(1, n + 1):
            cents = i * 7
            amount = base64.b64encode(cents.to_bytes((cents.bit_length() + 8) // 8, "big", signed=True)).decode()
            ms = base + i * 1000
            flag = i % 2 == 0
            j.write(f'{head}{{"id":{i},"name":"name-{i}","amount":"{amount}","flag":{"true" if flag else "false"},'
                    f'"created":{ms}}}}}\n')
            ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}"
            dec = f"{cents // 100}.{cents % 100:02d}"
            t.write(f"{i}\tname-{i}\t{dec}\t{'t' if flag else 'f'}\t{ts}\n")
            if mariadb_tsv_path:
                m.write(f"{i}\tname-{i}\t{dec}\t{1 if flag else 0}\t{ts}\n")


def bench_source(bootstrap):
    from pg_server import PgServer
    pg = PgServer(work, extra_conf={"shared_buffers": "256MB"})
    cleanup.append(pg.kill)
    pg.psql("CREATE TABLE bench_src(id bigserial PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, "
            "flag boolean NOT NULL, created timestamp NOT NULL)")
    pg.psql(f"INSERT INTO bench_src(name, amount, flag, created) SELECT 'name-' || g, g * 0.07, g % 2 = 0, "
            f"timestamp '2024-01-01' + g * interval '1 second' FROM generate_series(1, {N}) g")
    pg.psql("VACUUM ANALYZE bench_src")
    print(f"table bench_src: {N} rows, {pg.psql('SELECT pg_size_pretty(pg_table_size(' + chr(39) + 'bench_src' + chr(39) + '))').strip()}")
    a = (f"psql -h 127.0.0.1 -p {pg.port} -U postgres -d postgres -c "
         f"'\\copy (select id, name, amount, flag, created from bench_src) to stdout' | "
         f"kcat -P -b {bootstrap} -t copy-$$-$(date +%s%N)")
    b = f"/usr/bin/python3 {RUN} source {FERRY} {bootstrap} {pg.jdbc_url()}?user=postgres bench_src {N} {EXTRA}"
    pair("", a, b)


def bench_pg_sink(bootstrap):
    from pg_server import PgServer
    pg = PgServer(work, extra_conf={"shared_buffers": "256MB", "max_wal_size": "4GB"})
    cleanup.append(pg.kill)
    write_records(N, f"{work}/records.json", f"{work}/rows.tsv")
    sh(f"kcat -P -b {bootstrap} -t bench-sink -l {work}/records.json")
    ddl = "(id bigint PRIMARY KEY, name text NOT NULL, amount decimal NOT NULL, flag boolean NOT NULL, " \
          "created timestamp NOT NULL)"
    psql = f"psql -h 127.0.0.1 -p {pg.port} -U postgres -d postgres -q"
    setup = (f"{psql} -c 'DROP TABLE IF EXISTS bench_copy; DROP TABLE IF EXISTS bench_sink; "
             f"CREATE TABLE bench_copy {ddl}; CREATE TABLE bench_sink {ddl}; CHECKPOINT'")
    a = f"{psql} -c '\\copy bench_copy from {work}/rows.tsv'"
    count = f"{psql} -tAc 'SELECT coalesce(max(id), 0) FROM bench_sink'"
    b = (f"/usr/bin/python3 {RUN} sink {FERRY} {bootstrap} {pg.jdbc_url()}?user=postgres bench-sink {N} "
         f"{shlex.quote(count)} table.name.format=bench_sink {EXTRA}")
    pair(setup, a, b)
    sh(a)  # the setup before B's last run emptied bench_copy: fill it again for the comparison
    got = pg.psql("SELECT count(*), sum(amount), min(created), max(created) FROM bench_sink").strip()
    want = pg.psql("SELECT count(*), sum(amount), min(created), max(created) FROM bench_copy").strip()
    print(f"after the last run: sink {got} | copy {want} -> {'same' if got == want else 'DIFFERENT'}")


def bench_mariadb_sink(bootstrap):
    from mariadb_server import MariaDbServer
    db = MariaDbServer(work)
    cleanup.append(db.kill)
    db.sql("CREATE DATABASE bench; SET GLOBAL local_infile = 1")
    write_records(N, f"{work}/records.json", f"{work}/rows.tsv", f"{work}/rows-mariadb.tsv")
    sh(f"kcat -P -b {bootstrap} -t bench-sink -l {work}/records.json")
    ddl = "(id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount DECIMAL(65,2) NOT NULL, flag TINYINT NOT NULL, " \
          "created DATETIME(3) NOT NULL)"
    client = f"mariadb --no-defaults -h 127.0.0.1 -P {db.port} -u root -D bench"
    setup = (f"{client} -e 'DROP TABLE IF EXISTS bench_copy; DROP TABLE IF EXISTS bench_sink; "
             f"CREATE TABLE bench_copy {ddl}; CREATE TABLE bench_sink {ddl}'")
    a = f"{client} --local-infile=1 -e \"LOAD DATA LOCAL INFILE '{work}/rows-mariadb.tsv' INTO TABLE bench_copy\""
    count = f"{client} -N -B -e 'SELECT COALESCE(MAX(id), 0) FROM bench_sink'"
    url = f"jdbc:mariadb://127.0.0.1:{db.port}/bench?user={db.user}&password={db.password}"
    b = f"/usr/bin/python3 {RUN} sink {FERRY} {bootstrap} '{url}' bench-sink {N} {shlex.quote(count)} table.name.format=bench_sink {EXTRA}"
    pair(setup, a, b)
    sh(a)
    got = db.sql("SELECT COUNT(*), SUM(amount), MIN(created), MAX(created) FROM bench_sink", db="bench").strip()
    want = db.sql("SELECT COUNT(*), SUM(amount), MIN(created), MAX(created) FROM bench_copy", db="bench").strip()
    print(f"after the last run: sink {got} | load data {want} -> {'same' if got == want else 'DIFFERENT'}")


try:
    print(f"jdbc_bench {kind}: N={N}, runs={RUNS}, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    bootstrap = start_broker()
    {"source": bench_source, "sink": bench_pg_sink, "mariadb-sink": bench_mariadb_sink}[kind](bootstrap)
finally:
    for c in reversed(cleanup):
        c()
    shutil.rmtree(work, ignore_errors=True)
