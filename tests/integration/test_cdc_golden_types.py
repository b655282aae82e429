"""Golden events for every supported column type: the JsonConverter (schemas.enable=true) key and
value of a snapshot read, an insert, an update and a delete (+ tombstone) of a table with one column
per PostgreSQL type, compared with tests/golden/postgres_cdc/*.json.

Volatile fields (wall-clock and commit times, LSNs, transaction ids, Ferry's version) are replaced
by "<...>" placeholders in both; everything else - schema names, field order, optionality, defaults,
parameters and every value - must match exactly. FERRY_REGEN_GOLDEN=1 rewrites the files (review
the diff against spec/debezium-postgres.md section 5 before committing)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from ferry_harness import wait_running, SOURCE_DIR  # noqa: E402
from cdc_harness import CdcTestCase  # noqa: E402

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


if __name__ == "__main__":
    unittest.main()
