"""Golden events for every supported column type: the JsonConverter (schemas.enable=true) key and
value of a snapshot read, an insert, an update and a delete (+ tombstone) of a table with one column
per PostgreSQL type, compared with tests/golden/postgres_cdc/*.json.

Volatile fields (wall-clock and commit times, LSNs, transaction ids, Ferry's version) are replaced
by "<...>" placeholders in both; everything else - schema names, field order, optionality, defaults,
parameters and every value - must match exactly. FERRY_REGEN_GOLDEN=1 rewrites the files (review
the diff against spec/debezium-postgres.md section 5 before committing)."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import wait_running, SOURCE_DIR  # noqa: E402
from cdc_harness import CdcTestCase, payload  # noqa: E402

GOLDEN = os.path.join(SOURCE_DIR, "tests", "golden", "postgres_cdc")

SETUP = r"""
CREATE EXTENSION hstore;
CREATE EXTENSION citext;
CREATE EXTENSION ltree;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE all_types (
  id serial PRIMARY KEY,
  c_bool boolean,
  c_bit1 bit(1),
  c_bit4 bit(4),
  c_varbit varbit(16),
  c_int2 smallint,
  c_int4 integer NOT NULL DEFAULT 42,
  c_int8 bigint,
  c_oid oid,
  c_float4 real,
  c_float8 double precision,
  c_numeric numeric(10,2),
  c_numeric_var numeric,
  c_money money,
  c_char char(5),
  c_varchar varchar(20) DEFAULT 'hello',
  c_text text NOT NULL,
  c_name name,
  c_json json,
  c_jsonb jsonb,
  c_xml xml,
  c_uuid uuid,
  c_bytea bytea,
  c_enum mood,
  c_date date,
  c_time time,
  c_time3 time(3),
  c_timetz timetz,
  c_ts timestamp,
  c_ts3 timestamp(3),
  c_tstz timestamptz,
  c_tstz0 timestamptz(0),
  c_interval interval,
  c_point point,
  c_box box,
  c_circle circle,
  c_inet inet,
  c_cidr cidr,
  c_macaddr macaddr,
  c_int4range int4range,
  c_tsrange tsrange,
  c_tsvector tsvector,
  c_int_arr integer[],
  c_text_arr text[],
  c_enum_arr mood[],
  c_domain posint,
  c_hstore hstore,
  c_citext citext,
  c_ltree ltree
);
"""

ROW1 = r"""
INSERT INTO all_types VALUES (1, true, B'1', B'1010', B'0000000110000000', -32768, 2147483647, 9223372036854775807,
  4000000000, 1.5, -2.25, 12345678.90, 10.500, '$1,234.56', 'ab', 'varchar', 'text with "quotes" and \backslash',
  'a_name', '{"a": [1, 2]}', '{"b": {"c": true}, "a": 1}', '<x>1</x>', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '\x0a0bff', 'happy', '2024-05-01', '10:15:30.123456', '10:15:30.5', '10:15:30.5+02', '2024-05-01 10:00:00.123456',
  '2024-05-01 10:00:00.123', '2024-05-01 12:00:00.12345+02', '2024-05-01 10:00:00+00', '1 year 2 mons 3 days 04:05:06.789',
  '(1.5,-2)', '((3,4),(1,2))', '<(1,2),3>', '192.168.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', '[1,10)',
  '[2024-01-01 00:00,2024-02-01 00:00)', 'a fat cat', '{1,2,NULL}', '{"a b",c}', '{sad,happy}', 7,
  '"k1"=>"v1", "k2"=>NULL', 'CaseText', 'top.science.astronomy');
"""

ROW2 = r"""
INSERT INTO all_types (id, c_text, c_numeric_var, c_interval, c_date, c_ts, c_tstz, c_varbit)
VALUES (2, 'second', -0.000, '-1 days +02:03:00', '1969-12-31', '1969-12-31 23:59:59.5', 'infinity', B'0');
"""

UPDATE = "UPDATE all_types SET c_text = 'changed', c_int8 = -1, c_numeric = 0.01, c_bool = false WHERE id = 2"
DELETE = "DELETE FROM all_types WHERE id = 2"

VOLATILE_SOURCE = ("version", "ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence")

# Rows for the byte-identity test of the snapshot's direct encoding: NULLs in every nullable column
# (the defaults of c_int4 and c_varchar stay with their columns' schemas), text that needs escaping
# (quotes, backslashes, control characters, non-ASCII and a character outside the BMP), numbers at
# their types' limits, and values the direct path leaves to the Connect conversion (infinity, NaN,
# a negative zero, decimals too long for 64 bits).
ROWS_FOR_ENCODING = r"""
INSERT INTO all_types (id, c_text) VALUES (3, '');
INSERT INTO all_types (id, c_text, c_int2, c_int4, c_int8, c_bool, c_varchar, c_numeric, c_tstz, c_tstz0, c_char)
VALUES (4, E'tab\there\nnl\r "q" \\ \u0001\u001f \u00fc\u00e9 \U0001F600 /', 32767, -2147483648, -9223372036854775808,
        false, NULL, -99999999.99, '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', NULL),
       (5, 'x', 0, 0, 0, true, '', 0, '2024-05-01 10:00:00.5+00', '-infinity', 'abcde'),
       (6, 'y', -1, 1, -1, NULL, 'v', 'NaN', '1999-12-31 23:59:59.000001+00', '2000-01-01 00:00:00+00', 'z'),
       (7, 'z', NULL, 7, NULL, NULL, 'w', 0.01, NULL, NULL, NULL);
UPDATE all_types SET c_numeric_var = 123456789012345678901234567890.123456789 WHERE id = 5;
"""
ENCODING_VOLATILE = re.compile(rb'"(ts_ms|ts_us|ts_ns|txId|lsn)":-?[0-9]+|"sequence":"(?:[^"\\]|\\.)*"')


def raw_records(bootstrap, topic):
    """The keys and values of `topic` exactly as they are in Kafka (bytes)."""
    r = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-e", "-q", "-J"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    out = []
    for line in r.stdout.decode("utf-8").splitlines():
        m = json.loads(line)
        key = m["key"].encode() if m.get("key") is not None else None
        out.append((key, m["payload"].encode() if m.get("payload") is not None else None))
    return out


def normalize(record):
    v = record["value"]
    if v is not None:
        p = v["payload"]
        for k in ("ts_ms", "ts_us", "ts_ns"):
            if p.get(k) is not None:
                p[k] = f"<{k}>"
        for k in VOLATILE_SOURCE:
            if p["source"].get(k) is not None:
                p["source"][k] = f"<{k}>"
    return {"key": record["key"], "value": v}


class GoldenTypesTest(CdcTestCase):

    def check(self, name, records):
        path = os.path.join(GOLDEN, name + ".json")
        got = [normalize(r) for r in records]
        if os.environ.get("FERRY_REGEN_GOLDEN"):
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, "w") as f:
                json.dump(got, f, indent=1, ensure_ascii=False)
                f.write("\n")
        with open(path) as f:
            expected = json.load(f)
        self.assertEqual(len(got), len(expected), name)
        for i, (g, e) in enumerate(zip(got, expected)):
            self.assertEqual(g["key"], e["key"], f"{name}[{i}] key")
            if e["value"] is None or g["value"] is None:
                self.assertEqual(g["value"], e["value"], f"{name}[{i}] value")
                continue
            self.assertEqual(g["value"]["schema"], e["value"]["schema"], f"{name}[{i}] schema")
            gp, ep = g["value"]["payload"], e["value"]["payload"]
            self.assertEqual(list(gp.keys()), list(ep.keys()), f"{name}[{i}] envelope fields")
            for k in ep:
                self.assertEqual(gp[k], ep[k], f"{name}[{i}] payload.{k}")

    def test_every_type_snapshot_insert_update_delete(self):
        pg = self.start_pg()
        pg.psql(SETUP)
        pg.psql(ROW1)
        self.start_stack()
        self.create_connector("types", self.connector_config(table__include__list="public.all_types"))
        wait_running(self.worker.url, "types")
        topic = "myserver.public.all_types"
        recs = self.wait_records(topic, 1)
        self.check("snapshot", recs[:1])

        pg.psql(ROW2)
        recs = self.wait_records(topic, 2)
        self.check("insert", recs[1:2])
        pg.psql(UPDATE)
        recs = self.wait_records(topic, 3)
        self.check("update", recs[2:3])
        pg.psql(DELETE)
        recs = self.wait_records(topic, 5)
        self.check("delete", recs[3:5])

        # The same changes with REPLICA IDENTITY FULL: `before` carries the whole old row.
        pg.psql("ALTER TABLE all_types REPLICA IDENTITY FULL")
        pg.psql(ROW2)
        pg.psql(UPDATE)
        pg.psql(DELETE)
        recs = self.wait_records(topic, 9)
        self.check("replica_identity_full", recs[5:9])

    def test_snapshot_written_directly_is_byte_identical(self):
        """Without transforms the snapshot writes its rows straight into JsonConverter's bytes
        (snapshot_encoder.hpp); with any transform it builds Connect records for the converters. A
        transform that changes nothing (RegexRouter that matches no topic) must therefore give the
        same bytes: both connectors snapshot the same rows, and every key and value is compared
        byte for byte (only clocks, transaction ids and LSNs are masked), in three setups."""
        pg = self.start_pg()
        pg.psql(SETUP)
        pg.psql(ROW1)
        pg.psql(ROW2)
        pg.psql(ROWS_FOR_ENCODING)
        self.start_stack()
        noop = {"transforms": "r", "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.r.regex": "^nomatch$", "transforms.r.replacement": "x"}
        conv = "org.apache.kafka.connect.json.JsonConverter"
        setups = {
            "envelope": {"key.converter": conv, "value.converter": conv},  # schemas.enable=true, BASE64
            "bare": {"key.converter": conv, "value.converter": conv, "key.converter.schemas.enable": "false",
                     "value.converter.schemas.enable": "false", "value.converter.decimal.format": "NUMERIC",
                     "value.converter.replace.null.with.default": "false"},
            # Connect's own logical types for times, decimals as doubles, bytes as hex strings.
            "connect": {"key.converter": conv, "value.converter": conv, "time.precision.mode": "connect",
                        "decimal.handling.mode": "double", "binary.handling.mode": "hex"},
        }
        for name, setup in setups.items():
            with self.subTest(setup=name):
                topics = {}
                for path, extra in (("direct", {}), ("records", noop)):
                    prefix = f"{name}{path}"
                    cfg = self.connector_config(table__include__list="public.all_types", snapshot__mode="initial_only",
                                                column__mask__with__3__chars="public.all_types.c_varchar",
                                                topic__prefix=prefix)
                    cfg.update(setup)
                    cfg.update(extra)
                    self.create_connector(prefix, cfg)
                    topics[path] = f"{prefix}.public.all_types"
                    self.wait_records(topics[path], 7)
                log = self.worker.output()
                self.assertIn(f"[{name}direct|task-0] \t Rows of table 'public.all_types' are written directly", log)
                self.assertNotIn(f"[{name}records|task-0] \t Rows of table 'public.all_types' are written directly", log)
                direct = raw_records(self.broker.bootstrap, topics["direct"])
                records = raw_records(self.broker.bootstrap, topics["records"])
                self.assertEqual(len(direct), 7)
                self.assertEqual(len(records), 7)

                def masked(b, prefix):
                    return ENCODING_VOLATILE.sub(rb"<volatile>", b.replace(prefix.encode(), b"<prefix>"))
                for i, ((dk, dv), (rk, rv)) in enumerate(zip(direct, records)):
                    self.assertEqual(masked(dk, f"{name}direct"), masked(rk, f"{name}records"), f"{name} record {i}: key")
                    self.assertEqual(masked(dv, f"{name}direct"), masked(rv, f"{name}records"), f"{name} record {i}: value")
                # The comparison is not vacuous: the values hold the rows and the masks left the rest.
                rows = {}
                for _, v in direct:
                    after = payload(json.loads(v))["after"]
                    rows[after["id"]] = after
                self.assertEqual(sorted(rows), [1, 2, 3, 4, 5, 6, 7])
                self.assertEqual(rows[4]["c_text"], 'tab\there\nnl\r "q" \\ \u0001\u001f \u00fc\u00e9 \U0001F600 /')
                self.assertEqual(rows[4]["c_int8"], -9223372036854775808)
                self.assertEqual(rows[1]["c_varchar"], "***")
                self.assertEqual(rows[5]["c_tstz"], "2024-05-01T10:00:00.500000Z")
                self.assertEqual(rows[4]["c_numeric"], "/av0HAE=" if name == "envelope" else -99999999.99)
                self.assertEqual(rows[1]["c_date"], 19844)  # 2024-05-01 as days, in every mode


if __name__ == "__main__":
    unittest.main()
