#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "ferry/data/value.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace ferry {
namespace {

using ::testing::HasSubstr;

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const data_error& e) {
        return e.what();
    }
    return "<no data_error>";
}

TEST(value, equality_follows_java_equals) {
    EXPECT_EQ(value(int32_t(1)), value(int32_t(1)));
    EXPECT_NE(value(int32_t(1)), value(int64_t(1))); // Integer(1) is not Long(1)
    EXPECT_EQ(value(std::nan("")), value(std::nan("")));
    EXPECT_NE(value(0.0), value(-0.0));
    EXPECT_EQ(value(std::nanf("")), value(std::nanf("")));
    EXPECT_EQ(value(), value(nullptr));
    EXPECT_NE(value("a"), value::bytes("a"));
    value::map_type m1{{value("a"), value(int32_t(1))}, {value("b"), value(int32_t(2))}};
    value::map_type m2{{value("b"), value(int32_t(2))}, {value("a"), value(int32_t(1))}};
    EXPECT_EQ(value(m1), value(m2)); // maps compare in any order
    value::map_type m3{{value("b"), value(int32_t(3))}, {value("a"), value(int32_t(1))}};
    EXPECT_NE(value(m1), value(m3));
    EXPECT_NE(value(value::array_type{value(int8_t(1)), value(int8_t(2))}),
              value(value::array_type{value(int8_t(2)), value(int8_t(1))}));
}

TEST(value, widening_and_lookup) {
    EXPECT_EQ(value(int8_t(-5)).to_int64(), -5);
    EXPECT_EQ(value(int16_t(300)).to_int64(), 300);
    EXPECT_THROW(value(1.5).to_int64(), std::bad_variant_access);
    EXPECT_DOUBLE_EQ(value(1.5f).to_float64(), 1.5);
    EXPECT_DOUBLE_EQ(value(int64_t(1) << 40).to_float64(), 1099511627776.0);
    EXPECT_THROW(value("x").to_float64(), std::bad_variant_access);
    value m(value::map_type{{value(int32_t(1)), value("int key")}, {value("k"), value(true)}});
    ASSERT_NE(m.map_get("k"), nullptr);
    EXPECT_EQ(*m.map_get("k"), value(true));
    EXPECT_EQ(m.map_get("1"), nullptr);
    EXPECT_EQ(value(int32_t(1)).map_get("k"), nullptr);
    EXPECT_TRUE(value(int16_t(1)).is_integer());
    EXPECT_FALSE(value(1.0f).is_integer());
    EXPECT_EQ(kind_name(value::kind::struct_), "STRUCT");
}

schema_ptr order_schema() {
    return schema_builder::struct_()
        .name("shop.Order")
        .field("id", schemas::int64())
        .field("note", schemas::optional_string())
        .field("qty", schema_builder::int32().default_value(value(int32_t(1))).build())
        .build();
}

TEST(struct_value, put_validates_and_names_the_field) {
    auto s = make_struct(order_schema());
    s->put("id", value(int64_t(42)));
    EXPECT_EQ(s->get("id"), value(int64_t(42)));
    EXPECT_EQ(error_of([&] { s->put("id", value("x")); }),
              "Invalid Java object for schema with type INT64: class java.lang.String for field: \"id\"");
    EXPECT_EQ(error_of([&] { s->put("id", value()); }),
              "Invalid value: null used for required field: \"id\", schema type: INT64");
    EXPECT_EQ(error_of([&] { s->put("nope", value(int64_t(1))); }), "nope is not a valid field name");
    EXPECT_EQ(error_of([&] { s->get("nope"); }), "nope is not a valid field name");
    EXPECT_EQ(error_of([] { struct_value x(schemas::int32()); }), "Not a struct schema: Schema{INT32}");
}

TEST(struct_value, validate_checks_required_fields) {
    auto s = make_struct(order_schema());
    EXPECT_EQ(error_of([&] { s->validate(); }),
              "Invalid value: null used for required field: \"id\", schema type: INT64");
    s->put("id", value(int64_t(1)));
    EXPECT_NO_THROW(s->validate()); // note is optional, qty has a default
    EXPECT_TRUE(s->get("qty").is_null());
    EXPECT_EQ(s->get_or_default("qty"), value(int32_t(1)));
    s->put_unchecked(0, value("wrong"));
    EXPECT_THAT(error_of([&] { s->validate(); }), HasSubstr("for field: \"id\""));
}

TEST(struct_value, equality_is_structural) {
    auto a = make_struct(order_schema());
    auto b = make_struct(order_schema()); // a different but equal schema object
    a->put("id", value(int64_t(1)));
    b->put("id", value(int64_t(1)));
    EXPECT_EQ(*a, *b);
    EXPECT_EQ(value(a), value(b));
    b->put("note", value("n"));
    EXPECT_NE(value(a), value(b));
}

TEST(validate_value, java_messages) {
    EXPECT_NO_THROW(validate_value(nullptr, value("anything")));
    EXPECT_EQ(error_of([] { validate_value(schemas::int8(), value()); }),
              "Invalid value: null used for required value, schema type: INT8");
    EXPECT_NO_THROW(validate_value(schemas::optional_int8(), value()));
    EXPECT_EQ(error_of([] { validate_value(logical::decimal_schema(2), value(1.5)); }),
              "Invalid Java object for schema \"org.apache.kafka.connect.data.Decimal\" with type BYTES: class "
              "java.lang.Double for value");
    EXPECT_NO_THROW(validate_value(logical::decimal_schema(2), value::bytes("\x01")));
    EXPECT_NO_THROW(validate_value(logical::date_schema(), value(int32_t(10000))));
    EXPECT_THROW(validate_value(logical::date_schema(), value(int64_t(10000))), data_error);
    EXPECT_NO_THROW(validate_value(logical::timestamp_schema(), value(int64_t(1))));
    auto arr = schema_builder::array(schemas::int32()).build();
    EXPECT_EQ(error_of([&] { validate_value(arr, value(value::array_type{value(int32_t(1)), value("x")}), "xs"); }),
              "Invalid Java object for schema with type INT32: class java.lang.String for element of array field: \"xs\"");
    auto map = schema_builder::map(schemas::string(), schemas::int32()).build();
    EXPECT_EQ(error_of([&] { validate_value(map, value(value::map_type{{value(int32_t(1)), value(int32_t(1))}})); }),
              "Invalid Java object for schema with type STRING: class java.lang.Integer for key of map value");
    EXPECT_EQ(error_of([&] { validate_value(map, value(value::map_type{{value("k"), value()}})); }),
              "Invalid value: null used for required value of map value, schema type: INT32");
    auto other = schema_builder::struct_().field("id", schemas::int64()).build();
    auto st = make_struct(other);
    st->put("id", value(int64_t(1)));
    EXPECT_EQ(error_of([&] { validate_value(order_schema(), value(st)); }), "Struct schemas do not match.");
}

TEST(to_java_string, like_java_to_string) {
    EXPECT_EQ(to_java_string(value()), "null");
    EXPECT_EQ(to_java_string(value(int8_t(-3))), "-3");
    EXPECT_EQ(to_java_string(value(1.0)), "1.0");
    EXPECT_EQ(to_java_string(value(1.0e10f)), "1.0E10");
    EXPECT_EQ(to_java_string(value(true)), "true");
    EXPECT_EQ(to_java_string(value("text")), "text");
    EXPECT_EQ(to_java_string(value(value::array_type{value(int32_t(1)), value(int32_t(2)), value()})), "[1, 2, null]");
    EXPECT_EQ(to_java_string(value(value::map_type{{value("k"), value(int32_t(1))}, {value("k2"), value("v")}})),
              "{k=1, k2=v}");
    auto s = make_struct(order_schema());
    s->put("id", value(int64_t(1))).put("note", value("x"));
    EXPECT_EQ(to_java_string(value(s)), "Struct{id=1,note=x}"); // nulls are skipped
    auto nested_schema = schema_builder::struct_().field("o", order_schema()).field("tags", schema_builder::array(schemas::string()).build()).build();
    auto n = make_struct(nested_schema);
    n->put("o", value(s)).put("tags", value(value::array_type{value("a"), value("b")}));
    EXPECT_EQ(to_java_string(value(n)), "Struct{o=Struct{id=1,note=x},tags=[a, b]}");
    EXPECT_EQ(to_java_string(value::bytes("foo")), "Zm9v");
}

TEST(to_java_string, logical_types_print_like_their_java_objects) {
    EXPECT_EQ(to_java_string(logical::decimal_schema(2), value::bytes(logical::decimal_from_int64(-1250))), "-12.50");
    EXPECT_EQ(to_java_string(logical::decimal_schema(10), value::bytes(logical::decimal_from_int64(1))), "1E-10");
    EXPECT_EQ(to_java_string(logical::date_schema(), value(int32_t(0))), "Thu Jan 01 00:00:00 UTC 1970");
    EXPECT_EQ(to_java_string(logical::timestamp_schema(), value(int64_t(1566570894346))), "Fri Aug 23 14:34:54 UTC 2019");
    EXPECT_EQ(to_java_string(logical::time_schema(), value(int32_t(52494346))), "Thu Jan 01 14:34:54 UTC 1970");
    auto st = schema_builder::struct_().field("amount", logical::decimal_schema(2)).build();
    auto s = make_struct(st);
    s->put("amount", value::bytes(logical::decimal_from_int64(236)));
    EXPECT_EQ(to_java_string(value(s)), "Struct{amount=2.36}");
}

} // namespace
} // namespace ferry
