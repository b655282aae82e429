// Unit tests of what the golden files cannot show well: the shared helpers (SimpleDateFormat,
// Java's number parsing, KIP-821 field paths, the Java-replacement regex API), schema caching and
// the sole-owner fast path, and registration under the Java class names.

#include "config/regex.hpp"
#include "plugins/transforms/cast/cast.hpp"
#include "plugins/transforms/common/field_path.hpp"
#include "plugins/transforms/common/java_number.hpp"
#include "plugins/transforms/common/simple_date_format.hpp"
#include "plugins/transforms/common/transform_util.hpp"
#include "plugins/transforms/insert_field/insert_field.hpp"
#include "plugins/transforms/replace_field/replace_field.hpp"

#include "ferry/data/logical.hpp"
#include "ferry/plugin.hpp"
#include "runtime/transform_chain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace ferry {
void register_transforms(plugin_registry& r);
}

namespace ferry::transforms {
namespace {

// ---- SimpleDateFormat ----

constexpr int64_t t_2017 = 1500000000123; // 2017-07-14T02:40:00.123Z, a Friday

TEST(simple_date_format, formats_every_letter) {
    EXPECT_EQ(simple_date_format("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").format(t_2017), "2017-07-14T02:40:00.123Z");
    EXPECT_EQ(simple_date_format("G y yy yyy yyyyy").format(t_2017), "AD 2017 17 2017 02017");
    EXPECT_EQ(simple_date_format("M MM MMM MMMM L").format(t_2017), "7 07 Jul July 7");
    EXPECT_EQ(simple_date_format("d dd D DDD F").format(t_2017), "14 14 195 195 2");
    EXPECT_EQ(simple_date_format("E EEE EEEE u").format(t_2017), "Fri Fri Friday 5");
    EXPECT_EQ(simple_date_format("H k K h a").format(t_2017), "2 2 2 2 AM");
    EXPECT_EQ(simple_date_format("h a k").format(t_2017 + 12 * 3600000), "2 PM 14");
    EXPECT_EQ(simple_date_format("h k K").format(0), "12 24 0");
    EXPECT_EQ(simple_date_format("m s S SSSS").format(t_2017), "40 0 123 0123");
    EXPECT_EQ(simple_date_format("z zzzz Z X XX XXX").format(t_2017), "UTC Coordinated Universal Time +0000 Z Z Z");
    EXPECT_EQ(simple_date_format("'quoted ''text''' HH''mm").format(t_2017), "quoted 'text' 02'40");
}

TEST(simple_date_format, week_fields_use_us_rules) {
    // 2017-07-14 is in week 28 of 2017 (weeks start on Sunday, week 1 holds January 1st).
    EXPECT_EQ(simple_date_format("w W Y").format(t_2017), "28 3 2017"); // July 1st is a Saturday
    // 2016-12-31 (a Saturday) is in week 53; 2017-12-31 (a Sunday) is week 1 of week-year 2018.
    int64_t day = 86400000;
    EXPECT_EQ(simple_date_format("w Y").format(int64_t(logical::days_from_civil({2016, 12, 31})) * day), "53 2016");
    EXPECT_EQ(simple_date_format("w Y").format(int64_t(logical::days_from_civil({2017, 12, 31})) * day), "1 2018");
}

TEST(simple_date_format, before_1970_and_bc) {
    EXPECT_EQ(simple_date_format("yyyy-MM-dd HH:mm:ss.SSS").format(-1), "1969-12-31 23:59:59.999");
    int64_t day = 86400000;
    EXPECT_EQ(simple_date_format("G yyyy").format(int64_t(logical::days_from_civil({0, 6, 1})) * day), "BC 0001");
}

TEST(simple_date_format, rejects_bad_patterns_as_java) {
    try {
        simple_date_format f("bad-format");
        FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "Illegal pattern character 'b'");
    }
    EXPECT_THROW(simple_date_format("yyyy 'unterminated"), std::invalid_argument);
    EXPECT_NO_THROW(simple_date_format("'only a literal'"));
}

TEST(simple_date_format, parses_lenient_input) {
    simple_date_format iso("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
    EXPECT_EQ(iso.parse("2017-07-14T02:40:00.123Z"), t_2017);
    // Out-of-range values roll over.
    EXPECT_EQ(simple_date_format("yyyy-MM-dd").parse("2017-02-30"),
              int64_t(logical::days_from_civil({2017, 3, 2})) * 86400000);
    // Spaces before a field are skipped; the text may end early only after the last field.
    EXPECT_EQ(simple_date_format("yyyy MM dd").parse("2017  7 14"),
              int64_t(logical::days_from_civil({2017, 7, 14})) * 86400000);
    EXPECT_FALSE(simple_date_format("yyyy-MM-dd HH").parse("2017-07-14"));
    EXPECT_FALSE(simple_date_format("yyyy-MM-dd").parse("2017/07/14"));
    EXPECT_FALSE(simple_date_format("yyyy").parse("x"));
    // Abutting numeric fields read their letter count.
    EXPECT_EQ(simple_date_format("yyyyMMddHHmmssSSS").parse("20170714024000123"), t_2017);
    // Names, case-insensitive, long or short.
    EXPECT_EQ(simple_date_format("dd MMM yyyy").parse("14 JULY 2017"),
              simple_date_format("dd MMM yyyy").parse("14 jul 2017"));
    // 12-hour clock: 12 AM is midnight, 12 PM is noon.
    simple_date_format h12("yyyy-MM-dd hh:mm a");
    EXPECT_EQ(h12.parse("1970-01-01 12:30 AM"), 30 * 60000);
    EXPECT_EQ(h12.parse("1970-01-01 12:30 PM"), 12 * 3600000 + 30 * 60000);
    // Zones.
    simple_date_format z("HH:mm Z");
    EXPECT_EQ(z.parse("10:00 +0130"), 8 * 3600000 + 30 * 60000);
    EXPECT_EQ(z.parse("10:00 GMT-01:00"), 11 * 3600000);
    EXPECT_EQ(z.parse("10:00 UTC"), 10 * 3600000);
    EXPECT_FALSE(z.parse("10:00 +1"));
    simple_date_format x("HH:mmX");
    EXPECT_EQ(x.parse("10:00Z"), 10 * 3600000);
    EXPECT_EQ(x.parse("10:00+02"), 8 * 3600000);
    EXPECT_EQ(simple_date_format("HH:mmXXX").parse("10:00-02:30"), 12 * 3600000 + 30 * 60000);
    // Eras.
    EXPECT_EQ(simple_date_format("G yyyy").parse("BC 0001"), int64_t(logical::days_from_civil({0, 1, 1})) * 86400000);
}

TEST(simple_date_format, two_digit_years_land_within_80_years_back_20_forward) {
    simple_date_format yy("yy-MM-dd");
    auto parsed = yy.parse("00-01-01");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(simple_date_format("yyyy").format(*parsed), "2000");
    // "yyyy" takes two digits literally.
    EXPECT_EQ(simple_date_format("yyyy").format(*simple_date_format("yyyy-MM").parse("17-01")), "0017");
}

// ---- Java number parsing ----

TEST(java_number, integers_as_integer_parse_int) {
    EXPECT_EQ(java_parse_integer("42", INT32_MIN, INT32_MAX), 42);
    EXPECT_EQ(java_parse_integer("+42", INT32_MIN, INT32_MAX), 42);
    EXPECT_EQ(java_parse_integer("-2147483648", INT32_MIN, INT32_MAX), INT32_MIN);
    EXPECT_FALSE(java_parse_integer("2147483648", INT32_MIN, INT32_MAX));
    EXPECT_EQ(java_parse_integer("-9223372036854775808", INT64_MIN, INT64_MAX), INT64_MIN);
    EXPECT_FALSE(java_parse_integer("9223372036854775808", INT64_MIN, INT64_MAX));
    EXPECT_FALSE(java_parse_integer(" 1", INT32_MIN, INT32_MAX));
    EXPECT_FALSE(java_parse_integer("1.0", INT32_MIN, INT32_MAX));
    EXPECT_FALSE(java_parse_integer("-", INT32_MIN, INT32_MAX));
    EXPECT_FALSE(java_parse_integer("", INT32_MIN, INT32_MAX));
}

TEST(java_number, floating_point_as_double_parse_double) {
    EXPECT_EQ(java_parse_double("1.5"), 1.5);
    EXPECT_EQ(java_parse_double("  -1.5e2d "), -150.0);
    EXPECT_EQ(java_parse_double(".5"), 0.5);
    EXPECT_EQ(java_parse_double("5."), 5.0);
    EXPECT_EQ(java_parse_double("0x1p3"), 8.0);
    EXPECT_EQ(java_parse_double("-0x1.8p1"), -3.0);
    EXPECT_EQ(java_parse_double("1e400"), HUGE_VAL);
    EXPECT_EQ(java_parse_double("1e-400"), 0.0);
    EXPECT_TRUE(std::isnan(*java_parse_double("NaN")));
    EXPECT_EQ(java_parse_double("-Infinity"), -HUGE_VAL);
    EXPECT_FALSE(java_parse_double("1e"));
    EXPECT_FALSE(java_parse_double("."));
    EXPECT_FALSE(java_parse_double("0x1"));
    EXPECT_FALSE(java_parse_double("nan"));
    EXPECT_FALSE(java_parse_double("1,5"));
    EXPECT_EQ(java_parse_float("3.4028236e38"), HUGE_VALF); // rounds past FLT_MAX
    EXPECT_EQ(java_parse_float("0.1f"), 0.1f);
}

TEST(java_number, narrowing_casts) {
    EXPECT_EQ(java_d2i(3.99), 3);
    EXPECT_EQ(java_d2i(-3.99), -3);
    EXPECT_EQ(java_d2i(NAN), 0);
    EXPECT_EQ(java_d2i(1e300), INT32_MAX);
    EXPECT_EQ(java_d2l(-1e300), INT64_MIN);
    // BigDecimal.longValue(): the low 64 bits of the integer part.
    EXPECT_EQ(decimal_long_value(logical::decimal_from_int64(-1999), 3), -1);
    auto huge = logical::parse_decimal("18446744073709551617.5"); // 2^64 + 1.5
    ASSERT_TRUE(huge);
    EXPECT_EQ(decimal_long_value(huge->unscaled, huge->scale), 1);
    EXPECT_EQ(big_decimal_long_value("1e3"), 1000);
    EXPECT_FALSE(big_decimal_long_value("abc"));
}

// ---- field paths (KIP-821) ----

std::vector<std::string> v2(const std::string& p) {
    return single_field_path(p, field_syntax_version::v2).steps();
}

TEST(single_field_path, v1_is_one_step) {
    EXPECT_EQ(single_field_path("foo.bar.baz", field_syntax_version::v1).steps(),
              std::vector<std::string>{"foo.bar.baz"});
    EXPECT_EQ(single_field_path("foo.`bar.baz`", field_syntax_version::v1).steps(),
              std::vector<std::string>{"foo.`bar.baz`"});
}

TEST(single_field_path, v2_splits_dots_and_honours_backticks) {
    using v = std::vector<std::string>;
    EXPECT_EQ(v2(".."), (v{"", "", ""}));
    EXPECT_EQ(v2("foo.."), (v{"foo", "", ""}));
    EXPECT_EQ(v2(".bar."), (v{"", "bar", ""}));
    EXPECT_EQ(v2("..baz"), (v{"", "", "baz"}));
    EXPECT_EQ(v2(""), v{});
    EXPECT_EQ(v2("foo.bar.baz"), (v{"foo", "bar", "baz"}));
    EXPECT_EQ(v2("foo`bar`baz"), (v{"foo`bar`baz"}));
    EXPECT_EQ(v2("`foo.bar.baz`"), (v{"foo.bar.baz"}));
    EXPECT_EQ(v2("foo.`bar.baz`"), (v{"foo", "bar.baz"}));
    EXPECT_EQ(v2("`foo.bar`.baz"), (v{"foo.bar", "baz"}));
    EXPECT_EQ(v2("foo.`bar`.baz"), (v{"foo", "bar", "baz"}));
    EXPECT_EQ(v2("foo.``bar.baz`"), (v{"foo", "`bar.baz"}));
    EXPECT_EQ(v2("foo.`bar.baz``"), (v{"foo", "bar.baz`"}));
    EXPECT_EQ(v2("foo.`ba`r.baz`"), (v{"foo", "ba`r.baz"}));
    EXPECT_EQ(v2("foo.ba`r.baz"), (v{"foo", "ba`r", "baz"}));
    EXPECT_EQ(v2("foo.``bar``.baz"), (v{"foo", "`bar`", "baz"}));
    EXPECT_EQ(v2("``foo.bar.baz``"), (v{"`foo.bar.baz`"}));
    EXPECT_EQ(v2("foo.`bar\\`.baz`"), (v{"foo", "bar`.baz"}));
    EXPECT_EQ(v2("foo.`bar.`baz`"), (v{"foo", "bar.`baz"}));
    EXPECT_EQ(v2("foo.`bar\\`.`baz`"), (v{"foo", "bar`.`baz"}));
    EXPECT_EQ(v2("foo.`bar\\\\`.\\`baz`"), (v{"foo", "bar\\`.\\`baz"}));
}

TEST(single_field_path, v2_incomplete_backticks) {
    auto message = [](const std::string& p) {
        try {
            v2(p);
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message("`foo.bar.baz"), "Incomplete backtick pair in path: [`foo.bar.baz], consider adding a backslash "
                                       "before backtick at position 0 to escape it");
    EXPECT_EQ(message("foo.bar.`baz"), "Incomplete backtick pair in path: [foo.bar.`baz], consider adding a backslash "
                                       "before backtick at position 8 to escape it");
    EXPECT_EQ(message("foo.bar.`baz\\`"), "Incomplete backtick pair in path: [foo.bar.`baz\\`], consider adding a "
                                          "backslash before backtick at position 8 to escape it");
}

// ---- config::regex additions (Matcher.find / replaceFirst) ----

TEST(java_regex, find_reports_groups) {
    auto re = config::regex::compile("(a)(x)?(b+)");
    ASSERT_TRUE(re);
    EXPECT_EQ(re->group_count(), 3);
    std::vector<config::regex::span> g;
    ASSERT_TRUE(re->find("zzabbb", 0, g));
    ASSERT_EQ(g.size(), 4u);
    EXPECT_EQ(g[0], (config::regex::span{2, 6}));
    EXPECT_EQ(g[2], (config::regex::span{config::regex::npos, config::regex::npos}));
    EXPECT_EQ(g[3], (config::regex::span{3, 6}));
    EXPECT_FALSE(re->find("zzabbb", 3, g));
}

TEST(java_regex, replace_first_with_java_replacement_syntax) {
    auto replace = [](const char* pattern, const char* s, const char* repl) {
        auto re = config::regex::compile(pattern);
        EXPECT_TRUE(re) << pattern;
        auto r = re->replace_first(s, repl);
        return r ? *r : "error: " + r.error().message;
    };
    EXPECT_EQ(replace("o", "foo", "0"), "f0o"); // first match only
    EXPECT_EQ(replace("x", "foo", "0"), "foo");
    EXPECT_EQ(replace("(\\w+)@(\\w+)", "me@host", "$2 at $1"), "host at me");
    EXPECT_EQ(replace("(?<user>\\w+)@(?<host>\\w+)", "me@host", "${host}/${user}"), "host/me");
    EXPECT_EQ(replace("(a)", "a", "\\$1\\\\"), "$1\\");
    EXPECT_EQ(replace("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", "abcdefghijk", "$11-$10-$1"), "k-j-a");
    EXPECT_EQ(replace("(a)", "a", "$10"), "a0"); // group 10 does not exist: $1 then 0
    EXPECT_EQ(replace("(a)", "a", "$2"), "error: No group 2");
    EXPECT_EQ(replace("(a)", "a", "$x"), "error: Illegal group reference");
    EXPECT_EQ(replace("(a)", "a", "$"), "error: Illegal group reference: group index is missing");
    EXPECT_EQ(replace("(a)", "a", "x\\"), "error: character to be escaped is missing");
    EXPECT_EQ(replace("(a)", "a", "${nope}"), "error: No group with name {nope}");
    EXPECT_EQ(replace("(a)", "a", "${}"), "error: named capturing group has 0 length name");
    EXPECT_EQ(replace("(a)", "a", "${ab"), "error: named capturing group is missing trailing '}'");
    EXPECT_EQ(replace("(a)", "a", "${1a}"), "error: capturing group name {1a} starts with digit character");
}

// ---- schema caches and the sole-owner path ----

schema_ptr ten_field_schema() {
    schema_builder b = schema_builder::struct_();
    b.name("bench.Row");
    for (int i = 0; i < 10; ++i)
        b.field("f" + std::to_string(i), i % 2 ? schemas::string() : schemas::int64());
    return b.build();
}

sink_record row(const schema_ptr& s, int64_t n) {
    sink_record r;
    r.topic = "t";
    r.kafka_partition = 0;
    r.offset = n;
    r.timestamp = 1000 + n;
    r.value_schema = s;
    auto st = make_struct(s);
    for (const auto& f : s->fields())
        st->put(f, f.schema->type() == schema_type::int64 ? value(n) : value("v" + std::to_string(n)));
    r.val = value(std::move(st));
    return r;
}

TEST(schema_cache, same_schema_gives_the_same_updated_schema_object) {
    insert_field t(side::value);
    t.configure({{"topic.field", "topic"}, {"offset.field", "offset"}});
    auto s = ten_field_schema();
    auto a = row(s, 1), b = row(s, 2);
    ASSERT_TRUE(t.apply(a));
    ASSERT_TRUE(t.apply(b));
    EXPECT_EQ(a.value_schema.get(), b.value_schema.get()); // Kafka's assertSame
    // A structurally equal schema under another pointer is found too.
    auto c = row(ten_field_schema(), 3);
    ASSERT_TRUE(t.apply(c));
    EXPECT_EQ(c.value_schema.get(), a.value_schema.get());
    EXPECT_EQ(c.val.as_struct()->get("offset"), value(int64_t(3)));
}

TEST(schema_cache, lru_keeps_sixteen_entries) {
    schema_cache cache;
    std::vector<schema_ptr> keys;
    for (int i = 0; i < 20; ++i) {
        keys.push_back(schema_builder::struct_().name("s" + std::to_string(i)).build());
        cache.put(keys.back(), keys.back());
    }
    EXPECT_EQ(cache.size(), 16u);
    EXPECT_EQ(cache.find(keys[0]), nullptr);
    ASSERT_NE(cache.find(keys[19]), nullptr);
    EXPECT_EQ(*cache.find(keys[19]), keys[19]);
}

TEST(sole_owner, a_shared_input_struct_is_left_untouched) {
    replace_field t(side::value);
    t.configure({{"renames", "f0:id"}});
    auto s = ten_field_schema();
    auto r = row(s, 7);
    value shared = r.val; // a second owner: the transform must copy, not move
    ASSERT_TRUE(t.apply(r));
    EXPECT_EQ(shared.as_struct()->get("f1"), value("v7"));
    EXPECT_EQ(r.val.as_struct()->get("f1"), value("v7"));
    EXPECT_EQ(r.val.as_struct()->get("id"), value(int64_t(7)));
    // Sole owner: moved, same result.
    auto r2 = row(s, 8);
    ASSERT_TRUE(t.apply(r2));
    EXPECT_EQ(r2.val.as_struct()->get("f1"), value("v8"));
}

TEST(cast, chain_of_three_over_many_records) {
    // The benchmark's chain, checked for what it produces.
    insert_field ins(side::value);
    ins.configure({{"topic.field", "topic"}, {"timestamp.field", "ts"}});
    replace_field rep(side::value);
    rep.configure({{"exclude", "f9"}, {"renames", "f0:id"}});
    cast c(side::value);
    c.configure({{"spec", "id:string,f2:int32"}});
    auto s = ten_field_schema();
    for (int64_t n = 0; n < 100; ++n) {
        auto r = row(s, n);
        ASSERT_TRUE(ins.apply(r) && rep.apply(r) && c.apply(r));
        const auto& st = *r.val.as_struct();
        EXPECT_EQ(st.get("id"), value(std::to_string(n)));
        EXPECT_EQ(st.get("f2"), value(static_cast<int32_t>(n)));
        EXPECT_EQ(st.get("topic"), value("t"));
        EXPECT_EQ(st.get("ts"), value(1000 + n));
        EXPECT_EQ(st.schema()->fields().size(), 11u);
        EXPECT_EQ(st.schema()->find_field("f9"), nullptr);
    }
}

// The benchmark's chain over a record that owns its struct: every stage edits that struct in
// place (the record keeps the same struct object), with the result the copying path gives.
struct chain_of_three {
    insert_field ins{side::value};
    replace_field rep{side::value};
    cast c{side::value};
    chain_of_three() {
        ins.configure({{"topic.field", "topic"}, {"offset.field", "offset!"}, {"timestamp.field", "ts"}});
        rep.configure({{"exclude", "f3,f9"}, {"renames", "f0:id,f1:name"}});
        c.configure({{"spec", "id:string,f2:int32,f4:float64"}});
    }
    bool apply(connect_record& r) { return ins.apply(r) && rep.apply(r) && c.apply(r); }
};

void expect_chain_result(const connect_record& r, int64_t n) {
    const auto& st = *r.val.as_struct();
    EXPECT_EQ(st.schema(), r.value_schema); // the struct carries the record's schema object
    std::vector<std::string> names;
    for (const auto& f : st.schema()->fields())
        names.push_back(f.name);
    EXPECT_EQ(names,
              (std::vector<std::string>{"id", "name", "f2", "f4", "f5", "f6", "f7", "f8", "topic", "offset", "ts"}));
    EXPECT_EQ(st.get("id"), value(std::to_string(n)));
    EXPECT_EQ(st.get("name"), value("v" + std::to_string(n)));
    EXPECT_EQ(st.get("f2"), value(static_cast<int32_t>(n)));
    EXPECT_EQ(st.get("f4"), value(static_cast<double>(n)));
    EXPECT_EQ(st.get("f5"), value("v" + std::to_string(n)));
    EXPECT_EQ(st.get("f8"), value(n));
    EXPECT_EQ(st.get("topic"), value("t"));
    EXPECT_EQ(st.get("offset"), value(n));
    EXPECT_EQ(st.get("ts"), value(1000 + n));
    EXPECT_FALSE(st.schema()->find_field("offset")->schema->optional());
    st.validate();
}

TEST(in_place, a_record_that_owns_its_struct_keeps_the_struct_object) {
    chain_of_three chain;
    auto s = ten_field_schema();
    for (int64_t n = 0; n < 20; ++n) {
        auto r = row(s, n);
        const struct_value* before = r.val.as_struct().get();
        ASSERT_TRUE(chain.apply(r));
        EXPECT_EQ(r.val.as_struct().get(), before);
        EXPECT_EQ(r.val.as_struct().use_count(), 1);
        expect_chain_result(r, n);
    }
}

TEST(in_place, two_records_sharing_one_struct) {
    chain_of_three chain;
    auto s = ten_field_schema();
    auto a = row(s, 5);
    sink_record b = a; // shares a's struct, as a copied record does
    ASSERT_EQ(a.val.as_struct(), b.val.as_struct());
    const sink_record pristine = row(s, 5);
    ASSERT_TRUE(chain.apply(a));
    expect_chain_result(a, 5);
    // b is untouched: its struct, its schema and every value.
    EXPECT_EQ(b.value_schema, s);
    EXPECT_EQ(b.val.as_struct()->schema(), s);
    EXPECT_TRUE(b.val == pristine.val) << to_java_string(b.value_schema, b.val);
    // Only InsertField had to copy; the struct it built belongs to `a` alone, so ReplaceField and
    // Cast edited that one in place. Now b owns its struct alone and is rewritten in place.
    EXPECT_EQ(a.val.as_struct().use_count(), 1);
    EXPECT_EQ(b.val.as_struct().use_count(), 1);
    const struct_value* b_struct = b.val.as_struct().get();
    ASSERT_TRUE(chain.apply(b));
    EXPECT_EQ(b.val.as_struct().get(), b_struct);
    expect_chain_result(b, 5);
    EXPECT_TRUE(a.val == b.val);
}

TEST(in_place, each_transform_copies_a_shared_struct) {
    // Each stage alone, with the shared struct it receives: none may write to it.
    auto s = ten_field_schema();
    chain_of_three chain;
    auto r = row(s, 3);
    const value pristine = row(s, 3).val;
    value other = r.val;
    ASSERT_TRUE(chain.ins.apply(r));
    EXPECT_NE(r.val.as_struct(), other.as_struct());
    EXPECT_TRUE(other == pristine);
    value after_insert = r.val;
    const value after_insert_copy = value(std::make_shared<struct_value>(*r.val.as_struct()));
    ASSERT_TRUE(chain.rep.apply(r));
    EXPECT_NE(r.val.as_struct(), after_insert.as_struct());
    EXPECT_TRUE(after_insert == after_insert_copy);
    value after_replace = r.val;
    const value after_replace_copy = value(std::make_shared<struct_value>(*r.val.as_struct()));
    ASSERT_TRUE(chain.c.apply(r));
    EXPECT_NE(r.val.as_struct(), after_replace.as_struct());
    EXPECT_TRUE(after_replace == after_replace_copy);
    expect_chain_result(r, 3);
}

TEST(in_place, a_failing_transform_leaves_the_owned_struct_as_it_was) {
    auto s = schema_builder::struct_()
                 .field("a", schemas::string())
                 .field("b", schemas::string())
                 .field("c", schemas::optional_string())
                 .build();
    auto make = [&](const char* b) {
        sink_record r;
        r.topic = "t";
        r.offset = 1;
        r.value_schema = s;
        auto st = make_struct(s);
        st->put("a", value("12"));
        st->put("b", value(b));
        r.val = value(std::move(st));
        return r;
    };
    auto expect_untouched = [&](const sink_record& r, const char* b) {
        EXPECT_EQ(r.value_schema, s);
        EXPECT_EQ(r.val.as_struct()->schema(), s);
        EXPECT_TRUE(r.val == make(b).val) << to_java_string(r.value_schema, r.val);
    };
    {
        // Cast: field a casts fine, field b does not - a must not have been replaced.
        cast c(side::value);
        c.configure({{"spec", "a:int32,b:int32"}});
        auto r = make("not a number");
        EXPECT_THROW(c.apply(r), data_error);
        expect_untouched(r, "not a number");
        auto ok = make("7");
        ASSERT_TRUE(c.apply(ok));
        EXPECT_EQ(ok.val.as_struct()->get("a"), value(int32_t(12)));
        EXPECT_EQ(ok.val.as_struct()->get("b"), value(int32_t(7)));
    }
    {
        // InsertField: offset.field on a source record.
        insert_field ins(side::value);
        ins.configure({{"topic.field", "topic"}, {"offset.field", "offset"}});
        source_record r;
        static_cast<connect_record&>(r) = make("x");
        EXPECT_THROW(ins.apply(r), data_error);
        EXPECT_EQ(r.value_schema, s);
        EXPECT_TRUE(r.val == make("x").val);
    }
    {
        // A required field holding null (a converter's put_unchecked let it in): Java's put
        // rejects it; nothing changes before that.
        replace_field rep(side::value);
        rep.configure({{"renames", "a:x,c:z"}, {"exclude", "none"}});
        auto r = make("x");
        r.val.as_struct()->put_unchecked(1, value());
        const value before = value(std::make_shared<struct_value>(*r.val.as_struct()));
        EXPECT_THROW(rep.apply(r), data_error);
        EXPECT_EQ(r.value_schema, s);
        EXPECT_TRUE(r.val == before);
        insert_field ins(side::value);
        ins.configure({{"topic.field", "topic"}});
        EXPECT_THROW(ins.apply(r), data_error);
        EXPECT_TRUE(r.val == before);
    }
}

TEST(in_place, null_fields_take_their_defaults_as_the_copying_path_does) {
    auto s = schema_builder::struct_()
                 .field("a", schema_builder::string().optional().default_value(value("dflt")).build())
                 .field("n", schema_builder::int64().optional().default_value(value(int64_t(9))).build())
                 .field("drop", schemas::optional_string())
                 .build();
    for (bool replace : {true, false}) {
        SCOPED_TRACE(replace ? "replace.null.with.default=true" : "replace.null.with.default=false");
        std::string flag = replace ? "true" : "false";
        for (bool shared : {false, true}) {
            SCOPED_TRACE(shared ? "shared" : "owned");
            insert_field ins(side::value);
            ins.configure({{"topic.field", "topic"}, {"replace.null.with.default", flag}});
            replace_field rep(side::value);
            rep.configure({{"exclude", "drop"}, {"replace.null.with.default", flag}});
            cast c(side::value);
            c.configure({{"spec", "n:string"}, {"replace.null.with.default", flag}});
            for (transformation* t : std::initializer_list<transformation*>{&ins, &rep, &c}) {
                sink_record r;
                r.topic = "t";
                r.value_schema = s;
                r.val = value(make_struct(s)); // every field null
                value other = shared ? r.val : value();
                ASSERT_TRUE(t->apply(r));
                const auto& st = *r.val.as_struct();
                EXPECT_EQ(st.get(*st.schema()->find_field("a")), replace ? value("dflt") : value());
                if (t == &c)
                    EXPECT_EQ(st.get(*st.schema()->find_field("n")), replace ? value("9") : value());
                else
                    EXPECT_EQ(st.get(*st.schema()->find_field("n")), replace ? value(int64_t(9)) : value());
                if (shared) {
                    EXPECT_TRUE(other == value(make_struct(s)));
                }
            }
        }
    }
}

// ---- registration ----

TEST(registration, every_class_name_and_alias) {
    plugin_registry r;
    register_transforms(r);
    for (std::string n : {"Cast", "ExtractField", "Flatten", "HeaderFrom", "HoistField", "InsertField", "MaskField",
                          "ReplaceField", "SetSchemaMetadata", "TimestampConverter"})
        for (std::string v : {"$Key", "$Value"}) {
            EXPECT_TRUE(r.find("org.apache.kafka.connect.transforms." + n + v, plugin_type::transformation)) << n + v;
            EXPECT_TRUE(r.find(n + v, plugin_type::transformation)) << n + v;
        }
    for (std::string n : {"DropHeaders", "Filter", "InsertHeader", "RegexRouter", "TimestampRouter", "ValueToKey"})
        EXPECT_TRUE(r.find("org.apache.kafka.connect.transforms." + n, plugin_type::transformation)) << n;
    for (std::string n : {"TopicNameMatches", "HasHeaderKey", "RecordIsTombstone"}) {
        EXPECT_TRUE(r.find("org.apache.kafka.connect.transforms.predicates." + n, plugin_type::predicate)) << n;
        EXPECT_TRUE(r.find(n, plugin_type::predicate)) << n;
    }
    EXPECT_TRUE(r.find("io.debezium.transforms.ExtractNewRecordState", plugin_type::transformation));
    EXPECT_EQ(r.list(plugin_type::transformation).size(), 27u);
    EXPECT_EQ(r.list(plugin_type::predicate).size(), 3u);

    // The factories build the right variant.
    auto t = r.make_transformation("org.apache.kafka.connect.transforms.InsertField$Key");
    t->configure({{"topic.field", "topic"}});
    sink_record rec;
    rec.topic = "orders";
    rec.key = value(value::map_type{});
    rec.val = value("v");
    ASSERT_TRUE(t->apply(rec));
    EXPECT_EQ(*rec.key.map_get("topic"), value("orders"));
    EXPECT_EQ(rec.val, value("v"));

    // Every registered config table parses its own defaults (required keys aside).
    for (auto* info : r.list(plugin_type::transformation))
        EXPECT_NO_THROW(info->config_def().keys()) << info->class_name;
    EXPECT_EQ(r.find("Cast$Value", plugin_type::transformation)->version, "4.0.0");
}

// ---- through the runtime's chain, configured as spec section 6 shows ----

TEST(transform_chain, spec_example_with_predicates_and_negate) {
    plugin_registry plugins;
    register_transforms(plugins);
    config::config_map cfg = {
        {"transforms", "dropTmp,unwrap"},
        {"transforms.dropTmp.type", "org.apache.kafka.connect.transforms.Filter"},
        {"transforms.dropTmp.predicate", "isTmp"},
        {"transforms.unwrap.type", "org.apache.kafka.connect.transforms.ExtractField$Value"},
        {"transforms.unwrap.field", "after"},
        {"transforms.unwrap.predicate", "isTomb"},
        {"transforms.unwrap.negate", "true"},
        {"predicates", "isTmp,isTomb"},
        {"predicates.isTmp.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"},
        {"predicates.isTmp.pattern", "tmp\\..*"},
        {"predicates.isTomb.type", "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"},
    };
    auto chain = runtime::transform_chain::build(plugins, cfg);
    std::atomic<bool> stopping{false};
    runtime::error_handling_config ec;
    ec.tolerate_all = true;
    runtime::retry_operator op(ec, "c", 0, &stopping, std::make_shared<runtime::error_metrics>());

    sink_record tmp;
    tmp.topic = "tmp.scratch";
    tmp.val = value("x");
    EXPECT_FALSE(chain.apply(tmp, op, nullptr, nullptr)); // filtered

    auto row_schema = schema_builder::struct_().field("id", schemas::int32()).optional().build();
    auto env_schema = schema_builder::struct_().field("after", row_schema).build();
    auto row = make_struct(row_schema);
    row->put("id", value(int32_t(7)));
    auto env = make_struct(env_schema);
    env->put("after", value(row));
    sink_record change;
    change.topic = "orders";
    change.value_schema = env_schema;
    change.val = value(env);
    ASSERT_TRUE(chain.apply(change, op, nullptr, nullptr));
    EXPECT_EQ(change.value_schema.get(), row_schema.get());
    EXPECT_EQ(change.val.as_struct()->get("id"), value(int32_t(7)));

    sink_record tombstone;
    tombstone.topic = "orders";
    ASSERT_TRUE(chain.apply(tombstone, op, nullptr, nullptr)); // unwrap skipped, kept as is
    EXPECT_TRUE(tombstone.val.is_null());

    // A record ExtractField cannot handle is a data error: tolerated (skipped) with tolerance=all.
    sink_record bad;
    bad.topic = "orders";
    bad.value_schema = schemas::string();
    bad.val = value("not a struct");
    EXPECT_FALSE(chain.apply(bad, op, nullptr, nullptr));
}

} // namespace
} // namespace ferry::transforms
