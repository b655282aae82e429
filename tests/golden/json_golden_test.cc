// Runs the JsonConverter golden cases in tests/golden/json/*.json: Connect data <-> exact bytes.

#include "ferry/connect/errors.hpp"
#include "plugins/converters/json/json_converter.hpp"
#include "tests/golden/golden_support.hpp"

#include <gtest/gtest.h>

namespace ferry::golden {
namespace {

class json_golden : public ::testing::TestWithParam<golden_case> {};

bool schemas_enabled(const golden_case& c) {
    auto it = c.config.find("schemas.enable");
    return it == c.config.end() || it->second != "false";
}

TEST_P(json_golden, converts) {
    const golden_case& c = GetParam();
    json::json_converter conv;
    conv.configure(c.config, false);
    ferry::headers headers;
    bool to_bytes = c.direction == "both" || c.direction == "to_bytes";
    bool to_connect = c.direction == "both" || c.direction == "to_connect";
    ASSERT_TRUE(to_bytes || to_connect) << "unknown direction " << c.direction;
    ASSERT_FALSE(c.error && c.direction == "both") << "an error case needs one direction";

    if (to_bytes) {
        std::string out = "stale";
        if (c.error) {
            try {
                conv.from_connect("topic", headers, c.schema, c.val, out);
                ADD_FAILURE() << "expected a data_error containing: " << *c.error << "\ngot: " << out;
            } catch (const data_error& e) {
                EXPECT_NE(std::string(e.what()).find(*c.error), std::string::npos) << e.what();
            }
        } else {
            bool produced = conv.from_connect("topic", headers, c.schema, c.val, out);
            if (!c.bytes) {
                EXPECT_FALSE(produced) << "expected a tombstone, got: " << out;
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
                auto r = conv.to_connect("topic", headers, in);
                ADD_FAILURE() << "expected a data_error containing: " << *c.error << "\ngot: " << describe(r.schema, r.val);
            } catch (const data_error& e) {
                EXPECT_NE(std::string(e.what()).find(*c.error), std::string::npos) << e.what();
            }
        } else {
            schema_and_value r = conv.to_connect("topic", headers, in);
            schema_ptr want_schema = c.has_read ? c.read_schema : (schemas_enabled(c) ? c.schema : nullptr);
            const value& want = c.has_read ? c.read_val : (schemas_enabled(c) ? c.val : c.schemaless_val);
            EXPECT_TRUE(schema_equals(r.schema, want_schema))
                << "schema: got " << (r.schema ? conv.schema_to_json(r.schema) : "null") << "\n want "
                << (want_schema ? conv.schema_to_json(want_schema) : "null");
            EXPECT_EQ(r.val, want) << "got " << describe(r.schema, r.val) << "\n want " << describe(want_schema, want);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(golden, json_golden, ::testing::ValuesIn(load_cases(golden_dir("json"), "json")),
                         [](const ::testing::TestParamInfo<golden_case>& info) { return info.param.name; });

} // namespace
} // namespace ferry::golden
