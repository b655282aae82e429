// PostgreSQL text values -> Connect values, per Debezium's PostgresValueConverter (spec section 5).

#include "pg_types.hpp"

#include "ferry/data/logical.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace ferry;
using namespace ferry::plugins::postgres_cdc;

namespace {

struct fixture {
    settings s;
    type_registry types;
    value_mapper mapper{s, types};
    fixture() {
        types.add({oid::int4, "int4", "pg_catalog", 'b', 'N'});
        types.add({oid::text, "text", "pg_catalog", 'b', 'S'});
        types.add({1007, "_int4", "pg_catalog", 'b', 'A', oid::int4});
        types.add({1009, "_text", "pg_catalog", 'b', 'A', oid::text});
        type_info mood{50000, "mood", "public", 'e', 'E'};
        mood.enum_labels = {"sad", "ok", "happy"};
        types.add(mood);
        types.add({50001, "_mood", "public", 'b', 'A', 50000});
        types.add({50002, "posint", "public", 'd', 'N', 0, oid::int4});
        types.add({50003, "hstore", "public", 'b', 'U'});
    }
    column_converter conv(uint32_t type, int32_t typmod = -1, bool optional = true, std::string type_name = "",
                          std::optional<std::string> def = std::nullopt) {
        column_info c;
        c.name = "c";
        c.type_oid = type;
        c.typmod = typmod;
        c.optional = optional;
        c.type_name = std::move(type_name);
        c.default_expr = std::move(def);
        return mapper.make(c);
    }
};

std::string unscaled_of(int64_t v) { return logical::decimal_from_int64(v); }

} // namespace

TEST(pg_types, integers_floats_booleans) {
    fixture f;
    auto b = f.conv(oid::bool_);
    EXPECT_EQ(b.schema->type(), schema_type::boolean);
    EXPECT_EQ(f.mapper.convert(b, "t"), value(true));
    EXPECT_EQ(f.mapper.convert(b, "f"), value(false));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::int2), "-32768"), value(int16_t(-32768)));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::int4), "2147483647"), value(int32_t(2147483647)));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::int8), "-9223372036854775808"), value(INT64_MIN));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::oid), "4294967295"), value(int64_t(4294967295LL)));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::float4), "1.5"), value(1.5f));
    EXPECT_TRUE(std::isnan(f.mapper.convert(f.conv(oid::float8), "NaN").as_float64()));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::float8), "-Infinity"), value(-HUGE_VAL));
    EXPECT_THROW(f.mapper.convert(f.conv(oid::int4), "abc"), data_error);
}

TEST(pg_types, numeric_modes) {
    fixture f;
    int32_t typmod = ((10 << 16) | 2) + 4; // numeric(10,2)
    auto d = f.conv(oid::numeric, typmod);
    EXPECT_TRUE(d.schema->has_name("org.apache.kafka.connect.data.Decimal"));
    ASSERT_EQ(d.schema->parameters().size(), 2u);
    EXPECT_EQ(d.schema->parameters()[0], (std::pair<std::string, std::string>{"scale", "2"}));
    EXPECT_EQ(d.schema->parameters()[1], (std::pair<std::string, std::string>{"connect.decimal.precision", "10"}));
    EXPECT_EQ(f.mapper.convert(d, "12.50"), value::bytes(unscaled_of(1250)));
    EXPECT_EQ(f.mapper.convert(d, "-0.01"), value::bytes(unscaled_of(-1)));
    EXPECT_THROW(f.mapper.convert(d, "NaN"), data_error);

    auto v = f.conv(oid::numeric);
    EXPECT_TRUE(v.schema->has_name("io.debezium.data.VariableScaleDecimal"));
    auto x = f.mapper.convert(v, "10.500");
    EXPECT_EQ(x.as_struct()->get("scale"), value(int32_t(1)));
    EXPECT_EQ(x.as_struct()->get("value"), value::bytes(unscaled_of(105)));
    auto y = f.mapper.convert(v, "100");
    EXPECT_EQ(y.as_struct()->get("scale"), value(int32_t(0)));
    EXPECT_EQ(y.as_struct()->get("value"), value::bytes(unscaled_of(100)));

    f.s.decimals = decimal_mode::string;
    auto s = f.conv(oid::numeric, typmod);
    EXPECT_EQ(s.schema->type(), schema_type::string);
    EXPECT_EQ(f.mapper.convert(s, "12.50"), value("12.50"));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::numeric), "NaN"), value("NAN"));
    f.s.decimals = decimal_mode::double_;
    EXPECT_EQ(f.mapper.convert(f.conv(oid::numeric, typmod), "12.5"), value(12.5));
}

TEST(pg_types, money) {
    fixture f;
    auto m = f.conv(oid::money);
    EXPECT_TRUE(m.schema->has_name("org.apache.kafka.connect.data.Decimal"));
    EXPECT_EQ(f.mapper.convert(m, "$1,234.56"), value::bytes(unscaled_of(123456)));
    EXPECT_EQ(f.mapper.convert(m, "-$0.50"), value::bytes(unscaled_of(-50)));
}

TEST(pg_types, strings_and_named_strings) {
    fixture f;
    EXPECT_EQ(f.mapper.convert(f.conv(oid::varchar, 259), "héllo"), value("héllo"));
    auto j = f.conv(oid::jsonb);
    EXPECT_TRUE(j.schema->has_name("io.debezium.data.Json"));
    EXPECT_EQ(*j.schema->version(), 1);
    EXPECT_TRUE(f.conv(oid::uuid).schema->has_name("io.debezium.data.Uuid"));
    EXPECT_TRUE(f.conv(oid::xml).schema->has_name("io.debezium.data.Xml"));
    EXPECT_TRUE(f.conv(oid::tsvector).schema->has_name("io.debezium.data.Tsvector"));
    auto e = f.conv(50000);
    EXPECT_TRUE(e.schema->has_name("io.debezium.data.Enum"));
    EXPECT_EQ(*e.schema->parameter("allowed"), "sad,ok,happy");
    EXPECT_EQ(f.mapper.convert(e, "ok"), value("ok"));
    // a domain maps as its base type
    EXPECT_EQ(f.conv(50002).schema->type(), schema_type::int32);
}

TEST(pg_types, bytes_and_bits) {
    fixture f;
    EXPECT_EQ(f.mapper.convert(f.conv(oid::bytea), "\\x0a0bff"), value::bytes(std::string("\x0a\x0b\xff", 3)));
    f.s.binary = binary_mode::base64;
    EXPECT_EQ(f.mapper.convert(f.conv(oid::bytea), "\\x0a0bff"), value("Cgv/"));
    f.s.binary = binary_mode::hex;
    EXPECT_EQ(f.mapper.convert(f.conv(oid::bytea), "\\x0a0bff"), value("0a0bff"));
    f.s.binary = binary_mode::bytes;

    EXPECT_EQ(f.conv(oid::bit, 1).schema->type(), schema_type::boolean);
    EXPECT_EQ(f.mapper.convert(f.conv(oid::bit, 1), "1"), value(true));
    auto b = f.conv(oid::bit, 4);
    EXPECT_TRUE(b.schema->has_name("io.debezium.data.Bits"));
    EXPECT_EQ(*b.schema->parameter("length"), "4");
    EXPECT_EQ(f.mapper.convert(b, "1010"), value::bytes(std::string("\x0a", 1)));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::varbit, 16), "0000000110000000"), value::bytes(std::string("\x80\x01", 2)));
    EXPECT_EQ(f.mapper.convert(b, "0000"), value::bytes(std::string()));
}

TEST(pg_types, temporal_adaptive) {
    fixture f;
    auto d = f.conv(oid::date);
    EXPECT_TRUE(d.schema->has_name("io.debezium.time.Date"));
    EXPECT_EQ(f.mapper.convert(d, "2024-05-01"), value(int32_t(19844)));
    EXPECT_EQ(f.mapper.convert(d, "1969-12-31"), value(int32_t(-1)));
    EXPECT_EQ(f.mapper.convert(d, "0001-01-01 BC"), value(int32_t(logical::days_from_civil({0, 1, 1}))));

    auto t = f.conv(oid::time);
    EXPECT_TRUE(t.schema->has_name("io.debezium.time.MicroTime"));
    EXPECT_EQ(f.mapper.convert(t, "10:15:30.5"), value(int64_t(36930500000LL)));
    EXPECT_EQ(f.mapper.convert(t, "24:00:00"), value(int64_t(86400000000LL)));
    auto t3 = f.conv(oid::time, 3);
    EXPECT_TRUE(t3.schema->has_name("io.debezium.time.Time"));
    EXPECT_EQ(f.mapper.convert(t3, "10:15:30.123"), value(int32_t(36930123)));

    auto ts = f.conv(oid::timestamp);
    EXPECT_TRUE(ts.schema->has_name("io.debezium.time.MicroTimestamp"));
    EXPECT_EQ(f.mapper.convert(ts, "2024-05-01 10:00:00.123456"), value(int64_t(1714557600123456LL)));
    EXPECT_EQ(f.mapper.convert(ts, "1969-12-31 23:59:59.5"), value(int64_t(-500000)));
    EXPECT_EQ(f.mapper.convert(ts, "infinity"), value(int64_t(9223372036825200000LL)));
    EXPECT_EQ(f.mapper.convert(ts, "-infinity"), value(int64_t(-9223372036832400000LL)));
    auto ts3 = f.conv(oid::timestamp, 3);
    EXPECT_TRUE(ts3.schema->has_name("io.debezium.time.Timestamp"));
    EXPECT_EQ(f.mapper.convert(ts3, "2024-05-01 10:00:00.123"), value(int64_t(1714557600123LL)));

    auto tz = f.conv(oid::timestamptz);
    EXPECT_TRUE(tz.schema->has_name("io.debezium.time.ZonedTimestamp"));
    EXPECT_EQ(f.mapper.convert(tz, "2024-05-01 10:00:00.12345+00"), value("2024-05-01T10:00:00.123450Z"));
    EXPECT_EQ(f.mapper.convert(tz, "2024-05-01 12:00:00+02"), value("2024-05-01T10:00:00.000000Z"));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::timestamptz, 0), "2024-05-01 10:00:00+00"), value("2024-05-01T10:00:00Z"));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::timestamptz, 3), "2024-05-01 10:00:00.5+00"), value("2024-05-01T10:00:00.500Z"));
    EXPECT_EQ(f.mapper.convert(tz, "infinity"), value("infinity"));

    auto ttz = f.conv(oid::timetz);
    EXPECT_TRUE(ttz.schema->has_name("io.debezium.time.ZonedTime"));
    EXPECT_EQ(f.mapper.convert(ttz, "10:15:30.5+02"), value("08:15:30.5Z"));
    EXPECT_EQ(f.mapper.convert(ttz, "01:00:00-03:30"), value("04:30:00Z"));
}

// timestamptz in UTC ("...+00") is copied into ISO form rather than parsed and formatted again:
// the same instant written with another offset goes the general way, and both must agree, for
// every precision and fraction shape.
TEST(pg_types, timestamptz_utc_text_fast_path_equals_the_general_conversion) {
    fixture f;
    std::mt19937_64 rng(42);
    const int32_t typmods[] = {-1, 0, 1, 3, 5, 6};
    for (int n = 0; n < 20000; n++) {
        // Years 1-9999; both sides of the epoch.
        int64_t secs = int64_t(rng() % uint64_t(253402300800LL + 62135596800LL)) - 62135596800LL;
        int64_t micros = int64_t(rng() % 1000000);
        if (n % 4 == 0) micros = 0;
        if (n % 4 == 1) micros -= micros % 1000; // trailing zeros
        auto text = [&](int64_t offset_secs) {
            int64_t local = secs + offset_secs;
            int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
            int64_t sod = local - days * 86400;
            auto c = logical::civil_from_days(int32_t(days));
            std::string t = fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", c.year, c.month, c.day, sod / 3600,
                                        sod / 60 % 60, sod % 60);
            if (micros) {
                std::string fr = fmt::format("{:06d}", micros);
                while (fr.back() == '0') fr.pop_back(); // PostgreSQL's own trimming
                t += "." + fr;
            }
            if (offset_secs == 0) return t + "+00";
            return t + fmt::format("{}{:02d}:{:02d}", offset_secs < 0 ? '-' : '+', std::abs(offset_secs) / 3600,
                                   std::abs(offset_secs) / 60 % 60);
        };
        std::string utc = text(0), other = text(n % 2 ? 5 * 3600 + 1800 : -(3 * 3600 + 1800));
        // The other rendering is a valid PostgreSQL one only inside years 1-9999.
        if (other.substr(0, 4) == "0000" || other[4] != '-') continue;
        for (int32_t tm : typmods) {
            auto cc = f.conv(oid::timestamptz, tm);
            ASSERT_EQ(f.mapper.convert(cc, utc), f.mapper.convert(cc, other)) << utc << " / " << other << " typmod " << tm;
        }
    }
    // Not PostgreSQL's UTC rendering: the general conversion still answers.
    auto tz = f.conv(oid::timestamptz);
    EXPECT_EQ(iso_instant_of_utc_text("2024-05-01 10:00:00+05:30", 6), std::nullopt);
    EXPECT_EQ(iso_instant_of_utc_text("0044-03-15 12:00:00+00 BC", 6), std::nullopt);
    EXPECT_EQ(iso_instant_of_utc_text("10000-01-01 00:00:00+00", 6), std::nullopt);
    EXPECT_EQ(f.mapper.convert(tz, "10000-01-01 00:00:00+00"), value("+10000-01-01T00:00:00.000000Z"));
    EXPECT_EQ(iso_instant_of_utc_text("2024-05-01 10:00:00.5+00", -1), std::optional<std::string>("2024-05-01T10:00:00.5Z"));
    EXPECT_EQ(iso_instant_of_utc_text("2024-05-01 10:00:00.123456+00", 3),
              std::optional<std::string>("2024-05-01T10:00:00.123Z"));
}

TEST(pg_types, temporal_other_modes) {
    fixture f;
    f.s.temporal = time_precision::connect;
    auto d = f.conv(oid::date);
    EXPECT_TRUE(d.schema->has_name("org.apache.kafka.connect.data.Date"));
    auto ts = f.conv(oid::timestamp);
    EXPECT_TRUE(ts.schema->has_name("org.apache.kafka.connect.data.Timestamp"));
    EXPECT_EQ(f.mapper.convert(ts, "2024-05-01 10:00:00.123456"), value(int64_t(1714557600123LL)));
    f.s.temporal = time_precision::nanoseconds;
    EXPECT_TRUE(f.conv(oid::timestamp).schema->has_name("io.debezium.time.NanoTimestamp"));
    EXPECT_EQ(f.mapper.convert(f.conv(oid::time), "00:00:01"), value(int64_t(1000000000)));
}

TEST(pg_types, intervals) {
    fixture f;
    auto i = f.conv(oid::interval);
    EXPECT_TRUE(i.schema->has_name("io.debezium.time.MicroDuration"));
    EXPECT_EQ(f.mapper.convert(i, "01:00:00"), value(int64_t(3600000000LL)));
    EXPECT_EQ(f.mapper.convert(i, "1 day"), value(int64_t(86400000000LL)));
    EXPECT_EQ(f.mapper.convert(i, "1 mon"), value(int64_t(2629800000000LL))); // 365.25/12 days
    EXPECT_EQ(f.mapper.convert(i, "-1 days +02:03:00"), value(int64_t(-79020000000LL)));
    EXPECT_EQ(f.mapper.convert(i, "-00:00:01.5"), value(int64_t(-1500000)));
    f.s.intervals = interval_mode::string;
    auto s = f.conv(oid::interval);
    EXPECT_TRUE(s.schema->has_name("io.debezium.time.Interval"));
    EXPECT_EQ(f.mapper.convert(s, "1 year 2 mons 3 days 04:05:06.789"), value("P1Y2M3DT4H5M6.789S"));
    EXPECT_EQ(f.mapper.convert(s, "00:00:00"), value("P0Y0M0DT0H0M0S"));
}

TEST(pg_types, geometry_hstore_arrays) {
    fixture f;
    auto p = f.conv(oid::point);
    auto v = f.mapper.convert(p, "(1.5,-2)");
    EXPECT_EQ(v.as_struct()->get("x"), value(1.5));
    EXPECT_EQ(v.as_struct()->get("y"), value(-2.0));
    EXPECT_EQ(v.as_struct()->get("wkb").as_bytes().size(), 21u);
    EXPECT_TRUE(v.as_struct()->get("srid").is_null());

    auto h = f.conv(50003);
    EXPECT_TRUE(h.schema->has_name("io.debezium.data.Json"));
    EXPECT_EQ(f.mapper.convert(h, R"("b"=>NULL, "a"=>"1")"), value(R"({"a":"1","b":null})"));

    auto ia = f.conv(1007);
    ASSERT_EQ(ia.schema->type(), schema_type::array);
    EXPECT_TRUE(ia.schema->value_schema()->optional());
    EXPECT_EQ(f.mapper.convert(ia, "{1,2,NULL}"),
              value(value::array_type{value(int32_t(1)), value(int32_t(2)), value()}));
    EXPECT_EQ(f.mapper.convert(f.conv(1009), R"({"a b",c,"NULL","q\"x"})"),
              value(value::array_type{value("a b"), value("c"), value("NULL"), value("q\"x")}));
    EXPECT_EQ(f.mapper.convert(ia, "{}"), value(value::array_type{}));
    EXPECT_THROW(f.mapper.convert(ia, "{{1,2},{3,4}}"), data_error);
    auto ea = f.conv(50001);
    EXPECT_FALSE(ea.schema->value_schema()->optional()); // Debezium: enum array elements are required
}

TEST(pg_types, nulls_defaults_and_toast) {
    fixture f;
    // required column without default: Debezium's fallback
    EXPECT_EQ(f.mapper.null_value(f.conv(oid::varchar, -1, false, "varchar")), value(""));
    EXPECT_EQ(f.mapper.null_value(f.conv(oid::int4, -1, false, "int4")), value(int32_t(0)));
    EXPECT_EQ(f.mapper.null_value(f.conv(oid::timestamptz, -1, false, "timestamptz")), value("1970-01-01T00:00:00Z"));
    EXPECT_TRUE(f.mapper.null_value(f.conv(oid::int4)).is_null());
    // serial: nextval() default becomes 0, as Debezium's placeholder for generated values
    auto serial = f.conv(oid::int4, -1, false, "serial", "nextval('t_id_seq'::regclass)");
    ASSERT_NE(serial.schema->default_value(), nullptr);
    EXPECT_EQ(*serial.schema->default_value(), value(int32_t(0)));
    auto txt = f.conv(oid::varchar, 259, true, "varchar", "'abc''d'::character varying");
    ASSERT_NE(txt.schema->default_value(), nullptr);
    EXPECT_EQ(*txt.schema->default_value(), value("abc'd"));
    auto ts = f.conv(oid::timestamp, -1, true, "timestamp", "now()");
    ASSERT_NE(ts.schema->default_value(), nullptr);
    EXPECT_EQ(*ts.schema->default_value(), value(int64_t(0)));
    auto nul = f.conv(oid::text, -1, true, "text", "NULL::text");
    EXPECT_EQ(nul.schema->default_value(), nullptr);
    auto money = f.conv(oid::money, -1, true, "money", "'1.00'::money");
    EXPECT_EQ(money.schema->default_value(), nullptr); // no mapper for money in Debezium
    // required column with default: the default
    auto req = f.conv(oid::int4, -1, false, "int4", "7");
    EXPECT_EQ(f.mapper.null_value(req), value(int32_t(7)));

    EXPECT_EQ(f.mapper.toast_placeholder(f.conv(oid::text)), value("__debezium_unavailable_value"));
    EXPECT_EQ(f.mapper.toast_placeholder(f.conv(oid::bytea)), value::bytes("__debezium_unavailable_value"));
    EXPECT_EQ(f.mapper.toast_placeholder(f.conv(1009)), value(value::array_type{value("__debezium_unavailable_value")}));
    auto ints = f.mapper.toast_placeholder(f.conv(1007));
    ASSERT_EQ(ints.as_array().size(), 28u);
    EXPECT_EQ(ints.as_array()[0], value(int32_t('_')));
}

TEST(pg_types, iso_instants_and_hashmap_order) {
    EXPECT_EQ(iso_instant(0, 0, -1), "1970-01-01T00:00:00Z");
    EXPECT_EQ(iso_instant(0, 500000000, -1), "1970-01-01T00:00:00.5Z");
    EXPECT_EQ(iso_instant(-1, 0, 6), "1969-12-31T23:59:59.000000Z");
    EXPECT_EQ(iso_instant(253402300800LL, 0, -1), "+10000-01-01T00:00:00Z");
    // java.util.HashMap iteration: bucket (hash ^ hash >>> 16) & 15, then insertion order
    auto o = java_hashmap_order({"public.b", "public.a"});
    ASSERT_EQ(o.size(), 2u);
}
