#include "plugins/converters/json/json_converter.hpp"

#include <gtest/gtest.h>

namespace ferry::json {
namespace {
TEST(json_converter, smoke) {
    json_converter c;
    c.configure({}, false);
    std::string out;
    ferry::headers h;
    EXPECT_TRUE(c.from_connect("t", h, schemas::int32(), value(int32_t(12)), out));
    EXPECT_EQ(out, "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":12}");
}
} // namespace
} // namespace ferry::json
