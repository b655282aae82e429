#include "ferry/data/logical.hpp"
#include "ferry/data/values.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace ferry::values {
namespace {

value i8(int8_t v) { return value(v); }
value i16(int16_t v) { return value(v); }
value i32(int32_t v) { return value(v); }
value str(const char* s) { return value(s); }
value list(value::array_type a) { return value(std::move(a)); }
value map(value::map_type m) { return value(std::move(m)); }

void expect_string(std::string_view text) {
    typed_value r = parse_string(text);
    ASSERT_TRUE(r.schema) << text;
    EXPECT_EQ(r.schema->type(), schema_type::string) << text;
    EXPECT_EQ(r.val, value(text)) << text;
}

TEST(values_parse, strings_and_literals) {
    typed_value empty = parse_string("");
    EXPECT_EQ(empty.schema, schemas::string());
    EXPECT_EQ(empty.val, str(""));
    expect_string("{foo: 3}");
    expect_string("{3: foo}");
    expect_string("[foo]");
    expect_string("null=");
    expect_string("true}");
    expect_string("false]");
    expect_string("{6:9 4:20}");
    expect_string("[0 1 2]");
    expect_string("{null: 3}");
    expect_string("[1, 2, 3,,,]");
    expect_string("[1, null]");
    expect_string("[null, 1]");
    expect_string("simple string");
    expect_string("three\"blind\\\"mice");
    expect_string("string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':");
    expect_string("\xef\xbf\xbf");
    expect_string("   ");
    EXPECT_EQ(parse_string(" \t true \n").val, value(true));
    EXPECT_EQ(parse_string(" false ").schema, schemas::boolean());
    typed_value null = parse_string("  null ");
    EXPECT_EQ(null.schema, nullptr);
    EXPECT_TRUE(null.val.is_null());
}

TEST(values_parse, numbers_take_the_smallest_type) {
    EXPECT_EQ(parse_string("127").schema, schemas::int8());
    EXPECT_EQ(parse_string("-128").val, i8(-128));
    EXPECT_EQ(parse_string("32767").val, i16(32767));
    EXPECT_EQ(parse_string("-2147483648").val, i32(INT32_MIN));
    EXPECT_EQ(parse_string("9223372036854775807").val, value(INT64_MAX));
    EXPECT_EQ(parse_string("-9223372036854775808").val, value(INT64_MIN));
    EXPECT_EQ(parse_string("1.0").val, i8(1));
    EXPECT_EQ(parse_string("1.1").val, value(1.1f));
    EXPECT_EQ(parse_string("300.0").val, i16(300));
    EXPECT_EQ(parse_string("300.01").val, value(300.01f));
    EXPECT_EQ(parse_string("66000.0").val, i32(66000));
    EXPECT_EQ(parse_string("66000.0008").val, value(66000.0008f));
    EXPECT_EQ(parse_string("3.4028235E38").val, value(std::numeric_limits<float>::max()));
    EXPECT_EQ(parse_string("-1.7976931348623157E308").val, value(-std::numeric_limits<double>::max()));
    EXPECT_EQ(parse_string("+5").val, i8(5));
    EXPECT_EQ(parse_string("1e3").val, i16(1000));
    typed_value big = parse_string("9223372036854775808");
    EXPECT_TRUE(schema_equals(big.schema, logical::decimal_schema(0)));
    EXPECT_EQ(logical::decimal_to_string(big.val.as_bytes(), 0), "9223372036854775808");
    typed_value small = parse_string("-9223372036854775809");
    EXPECT_EQ(logical::decimal_to_string(small.val.as_bytes(), 0), "-9223372036854775809");
    expect_string("12abc");
    expect_string("-");
    // The rest of the text is ignored once a leading number is found, as in Java.
    EXPECT_EQ(parse_string("12:30").val, i8(12));
}

TEST(values_parse, lists) {
    typed_value bools = parse_string("[true, false]");
    EXPECT_EQ(bools.schema->value_schema(), schemas::boolean());
    EXPECT_EQ(bools.val, list({value(true), value(false)}));
    typed_value ints = parse_string("[1, 2, 32768]");
    EXPECT_EQ(ints.schema->value_schema(), schemas::int32());
    EXPECT_EQ(ints.val, list({i32(1), i32(2), i32(32768)}));
    typed_value floats = parse_string("[1, 2, 3.4028235E38]");
    EXPECT_EQ(floats.schema->value_schema()->type(), schema_type::float32);
    EXPECT_EQ(floats.val, list({value(1.0f), value(2.0f), value(std::numeric_limits<float>::max())}));
    typed_value doubles = parse_string("[1, 2, 1.7976931348623157E308]");
    EXPECT_EQ(doubles.val, list({value(1.0), value(2.0), value(std::numeric_limits<double>::max())}));
    for (auto text : {"[1, 2, 300, \"four\"]", "[\"four\", 1, 2, 300]"}) {
        typed_value mixed = parse_string(text);
        EXPECT_EQ(mixed.schema->type(), schema_type::array);
        EXPECT_EQ(mixed.schema->value_schema(), nullptr);
    }
    EXPECT_EQ(parse_string("[300, \"four\", 1, 2]").val, list({i16(300), str("four"), i8(1), i8(2)}));
    typed_value empty = parse_string("[]");
    EXPECT_EQ(empty.schema->type(), schema_type::array);
    EXPECT_EQ(empty.val, list({}));
    EXPECT_EQ(parse_string("[null]").val, list({value()}));
    EXPECT_EQ(parse_string("[[]]").schema->value_schema()->type(), schema_type::array);
    EXPECT_EQ(parse_string("[{}]").schema->value_schema()->type(), schema_type::map);
    typed_value decimals = parse_string("[9223372036854775808, -9223372036854775809]");
    EXPECT_TRUE(schema_equals(decimals.schema->value_schema(), logical::decimal_schema(0)));
    typed_value not_decimals = parse_string("[\"1.0\", 9223372036854775808, -9223372036854775809, 1, 1]");
    EXPECT_EQ(not_decimals.schema->value_schema(), nullptr);
    EXPECT_EQ(not_decimals.val.as_array()[0], str("1.0"));
    EXPECT_EQ(not_decimals.val.as_array()[3], i8(1));
}

TEST(values_parse, maps) {
    typed_value m = parse_string("{\"foo\":\"123\",\"bar\":\"baz\"}");
    EXPECT_TRUE(schema_equals(m.schema, schema_builder::map(schemas::string(), schemas::string()).build()));
    EXPECT_EQ(m.val, map({{str("foo"), str("123")}, {str("bar"), str("baz")}}));
    typed_value spaced = parse_string(" { \"foo\" :  12345 , \"bar\" : 0,  \"baz\" : -4321 }  ");
    EXPECT_TRUE(schema_equals(spaced.schema, schema_builder::map(schemas::string(), schemas::int16()).build()));
    EXPECT_EQ(spaced.val, map({{str("foo"), i16(12345)}, {str("bar"), i16(0)}, {str("baz"), i16(-4321)}}));
    typed_value bools = parse_string("{true: false, false: true}");
    EXPECT_EQ(bools.schema->key_schema(), schemas::boolean());
    EXPECT_EQ(parse_string("{3: null}").val, map({{i8(3), value()}}));
    typed_value mixed_keys = parse_string("{1:1, 2:1, 300:300, \"four\":1}");
    EXPECT_EQ(mixed_keys.schema->key_schema(), nullptr);
    EXPECT_EQ(mixed_keys.val, map({{i8(1), i8(1)}, {i8(2), i8(1)}, {i16(300), i16(300)}, {str("four"), i8(1)}}));
    typed_value mixed_values = parse_string("{4:\"four\", 1:1, 2:1, 300:300}");
    EXPECT_EQ(mixed_values.schema->key_schema(), schemas::int16());
    EXPECT_EQ(mixed_values.schema->value_schema(), nullptr);
    EXPECT_EQ(mixed_values.val, map({{i16(4), str("four")}, {i16(1), i8(1)}, {i16(2), i8(1)}, {i16(300), i16(300)}}));
    typed_value empty = parse_string("{}");
    EXPECT_EQ(empty.schema->type(), schema_type::map);
    EXPECT_EQ(empty.schema->key_schema(), nullptr);
    EXPECT_EQ(parse_string("{\"a\":{}}").schema->value_schema()->type(), schema_type::map);
    EXPECT_EQ(parse_string("{\"a\":[]}").schema->value_schema()->type(), schema_type::array);
    // Malformed maps are not maps. Java then returns the first token, here the leading blank.
    for (auto text : {" { \"foo\" :  1234567890 ,, \"bar\" : 0,  \"baz\" : -987654321 }  ",
                      " { \"foo\" :  1234567890 , \"a\", \"bar\" : 0,  \"baz\" : -987654321 }  ", " { ,,  , , }  "}) {
        typed_value r = parse_string(text);
        EXPECT_EQ(r.schema, schemas::string());
        EXPECT_EQ(r.val, str(" "));
    }
    expect_string("{\"foo\":1,,\"bar\":2}");
}

TEST(values_parse, temporal) {
    typed_value ts = parse_string("2019-08-23T14:34:54.346Z");
    EXPECT_TRUE(schema_equals(ts.schema, logical::timestamp_schema()));
    EXPECT_EQ(ts.val, value(int64_t(1566570894346)));
    typed_value d = parse_string("2019-08-23");
    EXPECT_TRUE(schema_equals(d.schema, logical::date_schema()));
    EXPECT_EQ(d.val, i32(18131));
    typed_value t = parse_string("14:34:54.346Z");
    EXPECT_TRUE(schema_equals(t.schema, logical::time_schema()));
    EXPECT_EQ(t.val, i32(52494346));
    EXPECT_EQ(parse_string("2019-08-23T14\\:34\\:54.346Z").val, value(int64_t(1566570894346)));
    EXPECT_EQ(parse_string("14\\:34\\:54.346Z").val, i32(52494346));
    typed_value arr = parse_string("[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]");
    EXPECT_TRUE(schema_equals(arr.schema->value_schema(), logical::timestamp_schema()));
    EXPECT_EQ(arr.val.as_array().size(), 3u);
    EXPECT_EQ(arr.val.as_array()[1], value(int64_t(1548256354567)));
    typed_value dates = parse_string("[2019-08-23]");
    EXPECT_TRUE(schema_equals(dates.schema->value_schema(), logical::date_schema()));
    typed_value quoted = parse_string("{\"k1\":\"14:34:54.346Z\"}");
    EXPECT_TRUE(schema_equals(quoted.schema->value_schema(), logical::time_schema()));
    EXPECT_EQ(quoted.val, map({{str("k1"), i32(52494346)}}));
    typed_value unquoted = parse_string("{\"k1\":14:34:54.346Z}");
    EXPECT_EQ(unquoted.val, map({{str("k1"), i32(52494346)}}));
    // SimpleDateFormat is lenient: day 32 of January is the 1st of February.
    EXPECT_EQ(parse_string("2019-01-32").val, i32(17928));
}

TEST(values_parse, deep_nesting_is_an_error_not_a_crash) {
    std::string deep(100000, '[');
    EXPECT_THROW(parse_string(deep), std::runtime_error);
    std::string ok = std::string(50, '[') + std::string(50, ']');
    EXPECT_EQ(parse_string(ok).schema->type(), schema_type::array);
}

TEST(values_convert_to_string, java_text_forms) {
    EXPECT_FALSE(convert_to_string(schemas::optional_string(), value()));
    EXPECT_EQ(convert_to_string(schemas::string(), str("three\"blind")), "three\"blind");
    EXPECT_EQ(convert_to_string(nullptr, list({str("three\"blind\\\"mice")})), "[\"three\\\"blind\\\\\\\"mice\"]");
    EXPECT_EQ(convert_to_string(nullptr, map({{str("foo"), str("123")}, {str("bar"), str("baz")}})),
              "{\"foo\":\"123\",\"bar\":\"baz\"}");
    EXPECT_EQ(convert_to_string(nullptr, list({i32(1234567890), i32(-987654321), value()})), "[1234567890,-987654321,null]");
    EXPECT_EQ(convert_to_string(nullptr, value(1.0e10f)), "1.0E10");
    EXPECT_EQ(convert_to_string(nullptr, value(12.5)), "12.5");
    EXPECT_EQ(convert_to_string(nullptr, value::bytes("foo")), "Zm9v");
    EXPECT_EQ(convert_to_string(nullptr, list({value::bytes("foo")})), "[\"Zm9v\"]");
    EXPECT_EQ(convert_to_string(logical::decimal_schema(2), value::bytes(logical::decimal_from_int64(156))), "1.56");
    EXPECT_EQ(convert_to_string(logical::date_schema(), i32(18131)), "2019-08-23");
    EXPECT_EQ(convert_to_string(logical::date_schema(), i32(0)), "00:00:00.000Z"); // Java formats instant 0 as a time
    EXPECT_EQ(convert_to_string(logical::time_schema(), i32(52494346)), "14:34:54.346Z");
    EXPECT_EQ(convert_to_string(logical::timestamp_schema(), value(int64_t(1566570894346))), "2019-08-23T14:34:54.346Z");
    EXPECT_EQ(convert_to_string(logical::timestamp_schema(), value(int64_t(1566518400000))), "2019-08-23");
    auto s = schema_builder::struct_()
                 .field("a", schemas::int32())
                 .field("b", schemas::optional_string())
                 .field("c", schema_builder::string().optional().default_value(str("dflt")).build())
                 .field("d", logical::date_schema(true))
                 .build();
    auto st = make_struct(s);
    st->put("a", i32(1)).put("d", i32(18131));
    EXPECT_EQ(convert_to_string(s, value(st)), "{\"a\":1,\"b\":null,\"c\":\"dflt\",\"d\":2019-08-23}");
}

TEST(values_round_trip, header_style) {
    auto round_trip = [](const schema_ptr& s, const value& v) {
        auto text = convert_to_string(s, v);
        return parse_string(*text);
    };
    auto map_schema = schema_builder::map(schemas::string(), schemas::int32()).build();
    value m = map({{str("foo"), i32(1234567890)}, {str("bar"), i32(0)}, {str("baz"), i32(-987654321)}});
    typed_value r = round_trip(map_schema, m);
    EXPECT_TRUE(schema_equals(r.schema, map_schema));
    EXPECT_EQ(r.val, m);
    auto list_schema = schema_builder::array(schemas::string()).build();
    r = round_trip(list_schema, list({str("foo"), str("bar")}));
    EXPECT_TRUE(schema_equals(r.schema, list_schema));
    r = round_trip(schemas::string(), str("null"));
    EXPECT_EQ(r.schema, nullptr); // the string "null" reads back as null, as in Java
}

} // namespace
} // namespace ferry::values
