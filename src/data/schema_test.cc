#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(schema, type_names) {
    EXPECT_EQ(type_name(schema_type::float32), "FLOAT32");
    EXPECT_EQ(type_name(schema_type::struct_), "STRUCT");
    EXPECT_EQ(json_type_name(schema_type::float32), "float");
    EXPECT_EQ(json_type_name(schema_type::float64), "double");
    EXPECT_EQ(json_type_name(schema_type::int16), "int16");
    EXPECT_EQ(type_from_name("INT64"), schema_type::int64);
    EXPECT_EQ(type_from_name("int64"), schema_type::int64);
    EXPECT_EQ(type_from_name("double"), schema_type::float64);
    EXPECT_EQ(type_from_name("float"), schema_type::float32);
    EXPECT_EQ(type_from_name("FLOAT32"), schema_type::float32);
    EXPECT_FALSE(type_from_name("decimal"));
    EXPECT_TRUE(is_primitive(schema_type::bytes));
    EXPECT_FALSE(is_primitive(schema_type::map));
}

TEST(schema, builder_sets_metadata) {
    auto s = schema_builder::int32().optional().name("n").version(2).doc("d").parameter("a", "1").parameter("b", "2").build();
    EXPECT_EQ(s->type(), schema_type::int32);
    EXPECT_TRUE(s->optional());
    EXPECT_EQ(*s->name(), "n");
    EXPECT_EQ(*s->version(), 2);
    EXPECT_EQ(*s->doc(), "d");
    ASSERT_EQ(s->parameters().size(), 2u);
    EXPECT_EQ(s->parameters()[0].first, "a");
    EXPECT_EQ(*s->parameter("b"), "2");
    EXPECT_EQ(s->parameter("c"), nullptr);
    EXPECT_EQ(s->to_string(), "Schema{n:INT32}");
    EXPECT_EQ(schemas::int8()->to_string(), "Schema{INT8}");
}

TEST(schema, builder_rejects_second_different_setting) {
    EXPECT_EQ(error_of([] { schema_builder::int32().name("a").name("b"); }),
              "Invalid SchemaBuilder call: name has already been set.");
    EXPECT_EQ(error_of([] { schema_builder::int32().optional().required(); }),
              "Invalid SchemaBuilder call: optional has already been set.");
    EXPECT_EQ(error_of([] { schema_builder::int32().version(1).version(2); }),
              "Invalid SchemaBuilder call: version has already been set.");
    // The same value twice is fine, as in Java.
    EXPECT_NO_THROW(schema_builder::int32().optional().optional().name("a").name("a"));
}

TEST(schema, struct_fields_and_duplicates) {
    auto s = schema_builder::struct_().field("id", schemas::int64()).field("name", schemas::optional_string()).build();
    ASSERT_EQ(s->fields().size(), 2u);
    EXPECT_EQ(s->fields()[1].index, 1);
    EXPECT_EQ(s->find_field("name")->schema, schemas::optional_string());
    EXPECT_EQ(s->find_field("nope"), nullptr);
    EXPECT_EQ(error_of([] { schema_builder::struct_().field("a", schemas::int8()).field("a", schemas::int16()); }),
              "Cannot create field because of field name duplication a");
    EXPECT_EQ(error_of([] { schema_builder::int32().field("a", schemas::int8()); }), "Cannot create fields on type INT32");
    EXPECT_EQ(error_of([] { schema_builder::struct_().field("", schemas::int8()); }), "fieldName cannot be null.");
    EXPECT_EQ(error_of([] { schema_builder::struct_().field("x", nullptr); }), "fieldSchema for field x cannot be null.");
}

TEST(schema, default_is_validated) {
    auto s = schema_builder::int32().default_value(value(int32_t(7))).build();
    ASSERT_NE(s->default_value(), nullptr);
    EXPECT_EQ(*s->default_value(), value(int32_t(7)));
    EXPECT_THAT(error_of([] { schema_builder::int32().default_value(value("x")); }),
                HasSubstr("Invalid default value: Invalid Java object for schema with type INT32: class java.lang.String"));
    EXPECT_THAT(error_of([] { schema_builder::string().default_value(value()); }),
                HasSubstr("null used for required value"));
    EXPECT_NO_THROW(schema_builder::string().optional().default_value(value()));
    auto dec = logical::decimal_builder(2).default_value(value::bytes(logical::decimal_from_int64(156))).build();
    EXPECT_EQ(dec->default_value()->as_bytes(), std::string("\x00\x9c", 2));
}

TEST(schema, array_and_map_require_schemas) {
    EXPECT_EQ(error_of([] { schema_builder::array(nullptr); }), "valueSchema cannot be null.");
    EXPECT_EQ(error_of([] { schema_builder::map(nullptr, schemas::int8()); }), "keySchema cannot be null.");
    auto m = schema_builder::map_nullable(schemas::string(), nullptr).build();
    EXPECT_EQ(m->key_schema(), schemas::string());
    EXPECT_EQ(m->value_schema(), nullptr);
}

TEST(schema, structural_equality_and_hash) {
    auto a = schema_builder::struct_().name("r").field("x", schemas::int32()).parameter("p", "1").parameter("q", "2").build();
    auto b = schema_builder::struct_().name("r").field("x", schemas::int32()).parameter("q", "2").parameter("p", "1").build();
    auto c = schema_builder::struct_().name("r").field("x", schemas::optional_int32()).build();
    EXPECT_TRUE(schema_equals(a, b)); // parameters compare as maps
    EXPECT_EQ(schema_hash(*a), schema_hash(*b));
    EXPECT_FALSE(schema_equals(a, c));
    EXPECT_FALSE(schema_equals(a, nullptr));
    EXPECT_TRUE(schema_equals(nullptr, nullptr));
    auto d1 = schema_builder::int32().default_value(value(int32_t(1))).build();
    auto d2 = schema_builder::int32().default_value(value(int32_t(2))).build();
    EXPECT_FALSE(schema_equals(d1, d2));
    EXPECT_TRUE(schema_equals(schema_builder::array(schemas::int8()).build(), schema_builder::array(schemas::int8()).build()));
    EXPECT_FALSE(schema_equals(schema_builder::array(schemas::int8()).build(), schema_builder::array(schemas::int16()).build()));
}

TEST(schema, predefined) {
    EXPECT_FALSE(schemas::int8()->optional());
    EXPECT_TRUE(schemas::optional_bytes()->optional());
    EXPECT_EQ(schemas::optional_bytes()->type(), schema_type::bytes);
    EXPECT_EQ(schemas::of(schema_type::boolean, true), schemas::optional_boolean());
    EXPECT_EQ(schemas::of(schema_type::float64, false), schemas::float64());
    EXPECT_EQ(schemas::int64(), schemas::int64()); // shared, not rebuilt
}

TEST(schema, logical_builders) {
    auto d = logical::decimal_schema(2);
    EXPECT_EQ(*d->name(), logical::decimal_name);
    EXPECT_EQ(*d->version(), 1);
    EXPECT_EQ(*d->parameter("scale"), "2");
    EXPECT_EQ(logical::decimal_scale(*d), 2);
    EXPECT_EQ(logical::date_schema()->type(), schema_type::int32);
    EXPECT_EQ(logical::time_schema(true)->optional(), true);
    EXPECT_EQ(logical::timestamp_schema()->type(), schema_type::int64);
    EXPECT_EQ(error_of([] { logical::decimal_scale(*schemas::bytes()); }),
              "Invalid Decimal schema: scale parameter not found.");
    auto bad = schema_builder::bytes().parameter("scale", "x").build();
    EXPECT_THAT(error_of([&] { logical::decimal_scale(*bad); }), HasSubstr("Invalid scale parameter"));
}

} // namespace
} // namespace ferry
