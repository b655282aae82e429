#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/connectors/jdbc/common.hpp"
#include "plugins/connectors/jdbc/config.hpp"
#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/jdbc.hpp"
#include "plugins/connectors/jdbc/pg_codec.hpp"
#include "plugins/connectors/jdbc/tz.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace ferry::plugins::jdbc {
namespace {

TEST(JdbcUrl, PostgresWithCredentialsInQuery) {
    auto u = parse_jdbc_url("jdbc:postgresql://postgresql-dev:5432/postgres?user=postgres&password=pgpass");
    EXPECT_EQ(u.kind, db_kind::postgres);
    ASSERT_EQ(u.hosts.size(), 1u);
    EXPECT_EQ(u.hosts[0].first, "postgresql-dev");
    EXPECT_EQ(u.hosts[0].second, 5432);
    EXPECT_EQ(u.database, "postgres");
    EXPECT_EQ(*u.param("user"), "postgres");
    EXPECT_EQ(*u.param("password"), "pgpass");
}

TEST(JdbcUrl, MysqlMariadbSqliteAndMultiHost) {
    auto m = parse_jdbc_url("jdbc:mysql://db1:3307,db2/shop");
    EXPECT_EQ(m.kind, db_kind::mysql);
    ASSERT_EQ(m.hosts.size(), 2u);
    EXPECT_EQ(m.hosts[0].second, 3307);
    EXPECT_EQ(m.hosts[1].first, "db2");
    EXPECT_EQ(m.hosts[1].second, 0);
    EXPECT_EQ(parse_jdbc_url("jdbc:mariadb://localhost/x").kind, db_kind::mysql);
    auto s = parse_jdbc_url("jdbc:sqlite:/tmp/test.db");
    EXPECT_EQ(s.kind, db_kind::sqlite);
    EXPECT_EQ(s.database, "/tmp/test.db");
    auto p = parse_jdbc_url("jdbc:postgresql://u:p%40ss@h/db");
    EXPECT_EQ(*p.param("password"), "p@ss");
}

TEST(JdbcUrl, UnsupportedSchemeNamesTheSupportedOnesAndHidesThePassword) {
    try {
        parse_jdbc_url("jdbc:oracle:thin:@localhost:1521:orcl?password=secret");
        FAIL();
    } catch (const config_error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("No suitable driver found for jdbc:oracle"), std::string::npos) << m;
        EXPECT_NE(m.find("jdbc:postgresql://"), std::string::npos);
        EXPECT_EQ(m.find("secret"), std::string::npos) << m;
    }
    EXPECT_THROW(parse_jdbc_url("postgresql://x/y"), config_error);
}

TEST(JdbcUrl, SanitizeMasksPasswords) {
    EXPECT_EQ(sanitize_url("jdbc:postgresql://h/db?user=a&password=secret&ssl=true"),
              "jdbc:postgresql://h/db?user=a&password=****&ssl=true");
    EXPECT_EQ(sanitize_url("jdbc:mysql://root:secret@h/db"), "jdbc:mysql://root:****@h/db");
}

TEST(Identifiers, ParseAndQuote) {
    auto p = parse_qualified("\"my.schema\".\"t\"\"x\"", '"');
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0], "my.schema");
    EXPECT_EQ(p[1], "t\"x");
    EXPECT_EQ(quote_identifier("a\"b", '"'), "\"a\"\"b\"");
    EXPECT_EQ(table_sql({std::nullopt, "public", "personal_data"}, '"', quote_method::always),
              "\"public\".\"personal_data\"");
    EXPECT_EQ(table_sql({std::nullopt, "public", "t"}, '"', quote_method::never), "public.t");
    auto d = make_postgres_dialect();
    auto t = d->parse_table("\"public\".\"personal_data\"");
    EXPECT_EQ(*t.schema, "public");
    EXPECT_EQ(t.table, "personal_data");
    EXPECT_EQ(t.unquoted(), "public.personal_data");
    d->set_quoting(quote_method::never);
    EXPECT_EQ(d->parse_table("public.MyTable").table, "mytable");
}

TEST(TimeZones, FixedAndRegion) {
    auto utc = tz::zone::load("UTC");
    EXPECT_TRUE(utc->is_utc());
    EXPECT_EQ(tz::zone::load("+03:00")->offset_at(0), 3 * 3600);
    EXPECT_EQ(tz::zone::load("UTC-05:30")->offset_at(0), -(5 * 3600 + 1800));
    EXPECT_THROW(tz::zone::load("Not/AZone"), std::invalid_argument);
    EXPECT_THROW(tz::zone::load("../etc/passwd"), std::invalid_argument);
    auto ny = tz::zone::load("America/New_York");
    // 2024-01-15T12:00Z is EST (-5), 2024-07-15T12:00Z is EDT (-4).
    EXPECT_EQ(ny->offset_at(tz::seconds_from_civil(2024, 1, 15, 12)), -5 * 3600);
    EXPECT_EQ(ny->offset_at(tz::seconds_from_civil(2024, 7, 15, 12)), -4 * 3600);
    // Far future: from the POSIX rule in the file's footer.
    EXPECT_EQ(ny->offset_at(tz::seconds_from_civil(2090, 7, 15, 12)), -4 * 3600);
    EXPECT_EQ(ny->offset_at(tz::seconds_from_civil(2090, 1, 15, 12)), -5 * 3600);
    // Local -> UTC, including the gap of 2024-03-10 02:30 (does not exist) and the overlap of 01:30 on 11-03.
    EXPECT_EQ(ny->local_to_utc(tz::seconds_from_civil(2024, 1, 15, 7)), tz::seconds_from_civil(2024, 1, 15, 12));
    EXPECT_EQ(ny->local_to_utc(tz::seconds_from_civil(2024, 3, 10, 2, 30)), tz::seconds_from_civil(2024, 3, 10, 7, 30));
    EXPECT_EQ(ny->local_to_utc(tz::seconds_from_civil(2024, 11, 3, 1, 30)), tz::seconds_from_civil(2024, 11, 3, 5, 30));
    auto msk = tz::zone::load("Europe/Moscow");
    EXPECT_EQ(msk->offset_at(tz::seconds_from_civil(2023, 7, 27)), 3 * 3600);
}

TEST(TimeZones, PosixRules) {
    tz::zone::posix_rule r;
    ASSERT_TRUE(tz::zone::parse_posix("CET-1CEST,M3.5.0,M10.5.0/3", r));
    EXPECT_EQ(r.std_offset, 3600);
    EXPECT_EQ(r.dst_offset, 7200);
    EXPECT_EQ(r.start.month, 3);
    EXPECT_EQ(r.end.time, 3 * 3600);
    ASSERT_TRUE(tz::zone::parse_posix("<+03>-3", r));
    EXPECT_EQ(r.std_offset, 3 * 3600);
    EXPECT_FALSE(r.has_dst);
}

TEST(Instants, FormatAndParseLocal) {
    auto t = instant::from_millis(1705314600123);
    EXPECT_EQ(format_local(t, *tz::zone::utc(), 6), "2024-01-15 10:30:00.123000");
    EXPECT_EQ(format_local(t, *tz::zone::load("+03:00"), 3), "2024-01-15 13:30:00.123");
    auto p = parse_local("2023-07-27 17:06:44.052581");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->seconds, tz::seconds_from_civil(2023, 7, 27, 17, 6, 44));
    EXPECT_EQ(p->nanos, 52581000);
    EXPECT_FALSE(parse_local("not a date"));
    EXPECT_EQ(instant::from_millis(-1).seconds, -1);
    EXPECT_EQ(instant::from_millis(-1).nanos, 999000000);
}

std::string pg_numeric_roundtrip(const std::string& text) {
    std::string bin, out;
    pg::numeric_from_text(text, bin);
    EXPECT_TRUE(pg::numeric_to_text(bin.data(), int(bin.size()), out));
    return out;
}

TEST(PgCodec, NumericRoundTrips) {
    EXPECT_EQ(pg_numeric_roundtrip("0"), "0");
    EXPECT_EQ(pg_numeric_roundtrip("12.50"), "12.50");
    EXPECT_EQ(pg_numeric_roundtrip("-12345678.9"), "-12345678.9");
    EXPECT_EQ(pg_numeric_roundtrip("0.0001"), "0.0001");
    EXPECT_EQ(pg_numeric_roundtrip("10000"), "10000");
    EXPECT_EQ(pg_numeric_roundtrip("123456789012345678901234567890.123456789"), "123456789012345678901234567890.123456789");
    std::string bin;
    pg::numeric_from_text("12.50", bin);
    // ndigits 2, weight 0, sign +, dscale 2, digits 12, 5000
    EXPECT_EQ(bin, std::string("\0\2\0\0\0\0\0\2\0\x0c\x13\x88", 12));
}

TEST(PgCodec, SmallDecimalsWithoutText) {
    // The fast paths agree with the text ones they replace.
    for (std::string text : {"0", "0.00", "12.50", "-12.5", "0.005", "-0.005", "0.0049", "9.9999", "-9.995",
                             "123456789012.34", "99999999999999.99", "1", "10000", "-10000.00001", "0.00000001",
                             "7.1", "5000.5", "99999999.995"}) {
        std::string bin;
        pg::numeric_from_text(text, bin);
        for (int32_t scale : {0, 1, 2, 3, 4, 5, 8}) {
            std::string t;
            ASSERT_TRUE(pg::numeric_to_text(bin.data(), int(bin.size()), t));
            pg::round_text(t, scale);
            auto slow = logical::decimal_from_string(t, scale);
            int64_t u = 0;
            if (pg::numeric_to_unscaled(bin.data(), int(bin.size()), scale, u))
                EXPECT_EQ(logical::decimal_from_int64(u), slow) << text << " scale " << scale;
            else
                EXPECT_GT(std::abs(std::stod(t)), 1e7) << text << " scale " << scale; // small ones take it
            std::string fast_bin, slow_bin;
            pg::numeric_from_text(logical::decimal_to_string(slow, scale), slow_bin);
            if (pg::numeric_from_unscaled(slow, scale, fast_bin))
                EXPECT_EQ(fast_bin, slow_bin) << text << " scale " << scale;
            else
                EXPECT_GT(slow.size(), 8u) << text << " scale " << scale;
        }
    }
    std::string big;
    EXPECT_FALSE(pg::numeric_from_unscaled(std::string(9, '\x7f'), 2, big));
    EXPECT_TRUE(big.empty());
}

TEST(PgCodec, RoundHalfUp) {
    std::string t = "1.235";
    pg::round_text(t, 2);
    EXPECT_EQ(t, "1.24");
    t = "-9.995";
    pg::round_text(t, 2);
    EXPECT_EQ(t, "-10.00");
    t = "7";
    pg::round_text(t, 3);
    EXPECT_EQ(t, "7.000");
    t = "0.5";
    pg::round_text(t, 0);
    EXPECT_EQ(t, "1");
}

source_settings source_from(config::config_map m) {
    m.emplace("connection.url", "jdbc:postgresql://h/db");
    return parse_source_settings(m, false);
}

TEST(SourceConfig, ConfluentDefaults) {
    auto s = source_from({{"mode", "incrementing"}});
    EXPECT_EQ(s.poll_interval_ms, 5000);
    EXPECT_EQ(s.batch_max_rows, 1000);
    EXPECT_EQ(s.table_poll_interval_ms, 60000);
    EXPECT_EQ(s.conn.attempts, 3);
    EXPECT_EQ(s.conn.backoff_ms, 10000);
    EXPECT_EQ(s.table_types, std::vector<std::string>{"TABLE"});
    EXPECT_EQ(s.numerics, numeric_mapping::none);
    EXPECT_TRUE(s.validate_non_null);
    EXPECT_EQ(s.conn.zone->id(), "UTC");
    EXPECT_EQ(source_from({{"numeric.precision.mapping", "true"}}).numerics, numeric_mapping::precision_only);
    EXPECT_EQ(source_from({{"numeric.mapping", "best_fit"}}).numerics, numeric_mapping::best_fit);
}

TEST(SourceConfig, ValidationMessages) {
    auto errors = [](config::config_map m) {
        std::vector<std::string> out;
        for (auto& v : source_config_def().validate(m))
            for (auto& e : v.errors) out.push_back(e);
        return out;
    };
    auto e = errors({{"topic.prefix", "bad prefix!"}});
    ASSERT_FALSE(e.empty());
    EXPECT_NE(e[0].find("Topic prefix must not contain any character other than ASCII alphanumerics"), std::string::npos);
    e = errors({{"db.timezone", "Mars/Olympus"}});
    ASSERT_FALSE(e.empty());
    EXPECT_NE(e[0].find("Invalid time zone"), std::string::npos);
    e = errors({{"mode", "sometimes"}});
    ASSERT_FALSE(e.empty());
    EXPECT_NE(e[0].find("String must be one of: , bulk, timestamp, incrementing, timestamp+incrementing"),
              std::string::npos);
    EXPECT_THROW(source_from({{"table.whitelist", "a"}, {"table.blacklist", "b"}}), config_error);
}

TEST(SinkConfig, DefaultsAndDeleteRule) {
    auto s = parse_sink_settings({{"connection.url", "jdbc:postgresql://h/db"}});
    EXPECT_EQ(s.insert, insert_mode::insert);
    EXPECT_EQ(s.pk, pk_mode::none);
    EXPECT_EQ(s.batch_size, 3000);
    EXPECT_EQ(s.max_retries, 10);
    EXPECT_EQ(s.retry_backoff_ms, 3000);
    EXPECT_EQ(s.table_name_format, "${topic}");
    EXPECT_FALSE(s.auto_create);
    try {
        parse_sink_settings({{"connection.url", "jdbc:postgresql://h/db"}, {"delete.enabled", "true"}});
        FAIL();
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "Primary key mode must be 'record_key' when delete support is enabled");
    }
    EXPECT_EQ(parse_sink_settings({{"connection.url", "x"}, {"insert.mode", "UPSERT"}}).insert, insert_mode::upsert);
    EXPECT_THROW(parse_sink_settings({{"connection.url", "x"}, {"insert.mode", "Upsert"}}), config_error);
    EXPECT_THROW(parse_sink_settings({}), config_error);
}

sink_column col(std::string name, schema_ptr s, bool key = false) {
    sink_column c;
    c.name = std::move(name);
    c.schema = std::move(s);
    c.key = key;
    return c;
}

TEST(Dialects, PostgresStatementsMatchConfluent) {
    auto d = make_postgres_dialect();
    write_plan p;
    p.table = {std::nullopt, "public", "t"};
    p.table_ref = d->table(p.table);
    p.keys.push_back(col("id", schemas::int64(), true));
    p.values.push_back(col("a", schemas::optional_string()));
    p.values.push_back(col("b", schemas::optional_int32()));
    EXPECT_EQ(d->insert_sql(p), "INSERT INTO \"public\".\"t\" (\"id\",\"a\",\"b\") VALUES (?,?,?)");
    EXPECT_EQ(d->upsert_sql(p), "INSERT INTO \"public\".\"t\" (\"id\",\"a\",\"b\") VALUES (?,?,?) ON CONFLICT (\"id\") "
                                "DO UPDATE SET \"a\"=EXCLUDED.\"a\",\"b\"=EXCLUDED.\"b\"");
    EXPECT_EQ(d->update_sql(p), "UPDATE \"public\".\"t\" SET \"a\" = ?, \"b\" = ? WHERE \"id\" = ?");
    EXPECT_EQ(d->delete_sql(p), "DELETE FROM \"public\".\"t\" WHERE \"id\" = ?");
    write_plan only_keys = p;
    only_keys.values.clear();
    EXPECT_EQ(d->upsert_sql(only_keys), "INSERT INTO \"public\".\"t\" (\"id\") VALUES (?) ON CONFLICT (\"id\") DO NOTHING");
    auto defaulted = col("n", schema_builder::int32().default_value(value(int32_t(5))).build());
    std::vector<const sink_column*> cols = {&p.keys[0], &p.values[0], &defaulted};
    EXPECT_EQ(d->create_table(p.table, cols),
              "CREATE TABLE \"public\".\"t\" (\n\"id\" BIGINT NOT NULL,\n\"a\" TEXT NULL,\n\"n\" INT DEFAULT 5,\nPRIMARY KEY(\"id\"))");
    auto c1 = col("c", schemas::optional_string());
    auto c2 = col("d", logical::decimal_schema(2, true));
    EXPECT_EQ(d->alter_table(p.table, {&c1})[0], "ALTER TABLE \"public\".\"t\" ADD \"c\" TEXT NULL");
    EXPECT_EQ(d->alter_table(p.table, {&c1, &c2})[0],
              "ALTER TABLE \"public\".\"t\" \nADD \"c\" TEXT NULL,\nADD \"d\" DECIMAL NULL");
    EXPECT_EQ(d->sql_type(*logical::timestamp_schema(), false), "TIMESTAMP");
    EXPECT_EQ(d->sql_type(*schemas::int8(), false), "SMALLINT");
    EXPECT_EQ(d->sql_type(*schemas::float64(), false), "DOUBLE PRECISION");
    EXPECT_EQ(d->sql_type(*schemas::int64(), true), "TIMESTAMP");
    auto st = schema_builder::struct_().field("x", schemas::int32()).build();
    try {
        d->sql_type(*st, false);
        FAIL();
    } catch (const connect_error& e) {
        EXPECT_STREQ(e.what(), "null (STRUCT) type doesn't have a mapping to the SQL database column type");
    }
}

TEST(Dialects, SourceTypeMappingFollowsNumericMapping) {
    auto d = make_postgres_dialect();
    auto numeric = [](int p, int s) {
        column_def c;
        c.name = "n";
        c.type = jdbc_type::numeric;
        c.precision = p;
        c.scale = s;
        c.optional = false;
        return c;
    };
    auto type_of = [&](numeric_mapping m, column_def c) {
        auto sm = d->map_columns(std::string("t"), {c}, m, ts_granularity::connect_logical, false);
        return sm.schema->fields()[0].schema;
    };
    EXPECT_EQ(type_of(numeric_mapping::none, numeric(10, 2))->name(), std::string(logical::decimal_name));
    EXPECT_EQ(*type_of(numeric_mapping::none, numeric(10, 2))->parameter("scale"), "2");
    EXPECT_EQ(*type_of(numeric_mapping::none, numeric(10, 2))->parameter("connect.decimal.precision"), "10");
    EXPECT_EQ(type_of(numeric_mapping::best_fit, numeric(10, 2))->type(), schema_type::float64);
    EXPECT_EQ(type_of(numeric_mapping::best_fit, numeric(9, 0))->type(), schema_type::int32);
    EXPECT_EQ(type_of(numeric_mapping::best_fit, numeric(4, 0))->type(), schema_type::int16);
    EXPECT_EQ(type_of(numeric_mapping::best_fit, numeric(2, 0))->type(), schema_type::int8);
    EXPECT_EQ(type_of(numeric_mapping::best_fit, numeric(19, 0))->name(), std::string(logical::decimal_name));
    EXPECT_EQ(type_of(numeric_mapping::precision_only, numeric(10, 0))->type(), schema_type::int64);
    EXPECT_EQ(type_of(numeric_mapping::precision_only, numeric(10, 2))->name(), std::string(logical::decimal_name));
    EXPECT_EQ(type_of(numeric_mapping::best_fit_eager_double, numeric(30, 2))->type(), schema_type::float64);
    // Unconstrained numeric: Decimal with scale 127 whatever the mapping.
    EXPECT_EQ(*type_of(numeric_mapping::best_fit, numeric(0, 0))->parameter("scale"), "127");
    column_def ts;
    ts.name = "last_update";
    ts.type = jdbc_type::timestamp;
    auto sm = d->map_columns(std::string("personal_data"), {ts}, numeric_mapping::none, ts_granularity::connect_logical, false);
    EXPECT_EQ(*sm.schema->name(), "personal_data");
    EXPECT_TRUE(sm.schema->fields()[0].schema->optional());
    EXPECT_EQ(*sm.schema->fields()[0].schema->name(), std::string(logical::timestamp_name));
    column_def arr;
    arr.name = "a";
    arr.type = jdbc_type::array;
    EXPECT_TRUE(d->map_columns(std::nullopt, {arr}, numeric_mapping::none, ts_granularity::connect_logical, false)
                    .readers.empty());
}

} // namespace
} // namespace ferry::plugins::jdbc
