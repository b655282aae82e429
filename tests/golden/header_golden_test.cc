// Runs the golden cases in tests/golden/header/*.json for SimpleHeaderConverter and the other
// simple converters (String, ByteArray, Short/Integer/Long/Float/Double/Boolean): Connect data
// <-> exact bytes. A case names its converter ("converter") and, for converters that are also
// key/value converters, may use them as such ("role": "key" | "value"; default "header").

#include "ferry/connect/errors.hpp"
#include "plugins/converters/byte_array/byte_array_converter.hpp"
#include "plugins/converters/json/json_converter.hpp"
#include "plugins/converters/number/number_converters.hpp"
#include "plugins/converters/simple_header/simple_header_converter.hpp"
#include "plugins/converters/string/string_converter.hpp"
#include "tests/golden/golden_support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace ferry::golden {
namespace {

struct instance {
    std::shared_ptr<void> owner;
    converter* conv = nullptr;
    header_converter* header = nullptr;
};

template <class T, class... Args>
instance make(Args... args) {
    auto p = std::make_shared<T>(args...);
    instance i;
    i.owner = p;
    if constexpr (std::is_base_of_v<converter, T>) i.conv = p.get();
    i.header = p.get();
    return i;
}

instance create(const std::string& name) {
    using namespace ferry::converters;
    if (name == "SimpleHeaderConverter") return make<simple_header_converter>();
    if (name == "StringConverter") return make<string_converter>();
    if (name == "ByteArrayConverter") return make<byte_array_converter>();
    if (name == "JsonConverter") return make<json::json_converter>();
    if (name == "ShortConverter") return make<number_converter>(number_kind::int16);
    if (name == "IntegerConverter") return make<number_converter>(number_kind::int32);
    if (name == "LongConverter") return make<number_converter>(number_kind::int64);
    if (name == "FloatConverter") return make<number_converter>(number_kind::float32);
    if (name == "DoubleConverter") return make<number_converter>(number_kind::float64);
    if (name == "BooleanConverter") return make<number_converter>(number_kind::boolean);
    throw std::runtime_error("unknown converter " + name);
}

class header_golden : public ::testing::TestWithParam<golden_case> {};

TEST_P(header_golden, converts) {
    const golden_case& c = GetParam();
    auto conf = c.config;
    std::string name = conf["converter"];
    std::string role = conf.count("role") ? conf["role"] : "header";
    conf.erase("converter");
    conf.erase("role");
    instance inst = create(name);
    if (role == "header") {
        inst.header->configure(conf);
    } else {
        ASSERT_NE(inst.conv, nullptr) << name << " is only a header converter";
        inst.conv->configure(conf, role == "key");
    }
    std::string key = c.key.empty() ? "header" : c.key;
    ferry::headers headers;
    auto write = [&](std::string& out) {
        return role == "header" ? inst.header->from_connect_header("topic", key, c.schema, c.val, out)
                                : inst.conv->from_connect("topic", headers, c.schema, c.val, out);
    };
    auto read = [&](nullable_bytes in) {
        return role == "header" ? inst.header->to_connect_header("topic", key, in)
                                : inst.conv->to_connect("topic", headers, in);
    };
    bool to_bytes = c.direction == "both" || c.direction == "to_bytes";
    bool to_connect = c.direction == "both" || c.direction == "to_connect";
    ASSERT_TRUE(to_bytes || to_connect) << "unknown direction " << c.direction;
    ASSERT_FALSE(c.error && c.direction == "both") << "an error case needs one direction";
    if (to_bytes) {
        std::string out = "stale";
        if (c.error) {
            try {
                write(out);
                ADD_FAILURE() << "expected a data_error containing: " << *c.error << "\ngot: " << out;
            } catch (const data_error& e) {
                EXPECT_NE(std::string(e.what()).find(*c.error), std::string::npos) << e.what();
            }
        } else {
            bool produced = write(out);
            if (!c.bytes) {
                EXPECT_FALSE(produced) << "expected null, got: " << out;
            } else {
                EXPECT_TRUE(produced);
                EXPECT_EQ(out, *c.bytes);
            }
        }
    }
    if (to_connect) {
        nullable_bytes in = c.bytes ? nullable_bytes(*c.bytes) : std::nullopt;
        if (c.error) {
            try {
                auto r = read(in);
                ADD_FAILURE() << "expected a data_error containing: " << *c.error << "\ngot: " << describe(r.schema, r.val);
            } catch (const data_error& e) {
                EXPECT_NE(std::string(e.what()).find(*c.error), std::string::npos) << e.what();
            }
        } else {
            schema_and_value r = read(in);
            schema_ptr want_schema = c.has_read ? c.read_schema : c.schema;
            const value& want = c.has_read ? c.read_val : c.val;
            json::json_converter printer;
            printer.configure({}, false);
            EXPECT_TRUE(schema_equals(r.schema, want_schema))
                << "schema: got " << printer.schema_to_json(r.schema) << "\n want " << printer.schema_to_json(want_schema);
            EXPECT_EQ(r.val, want) << "got " << describe(r.schema, r.val) << "\n want " << describe(want_schema, want);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(golden, header_golden, ::testing::ValuesIn(load_cases(golden_dir("header"), "text")),
                         [](const ::testing::TestParamInfo<golden_case>& info) { return info.param.name; });

} // namespace
} // namespace ferry::golden
