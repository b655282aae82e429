#include "ferry/data/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ferry {
namespace {

TEST(java_number, double_to_string_matches_java) {
    EXPECT_EQ(java_double_to_string(1.0), "1.0");
    EXPECT_EQ(java_double_to_string(100.0), "100.0");
    EXPECT_EQ(java_double_to_string(12.34), "12.34");
    EXPECT_EQ(java_double_to_string(-12.34), "-12.34");
    EXPECT_EQ(java_double_to_string(0.001), "0.001");
    EXPECT_EQ(java_double_to_string(1.0e-4), "1.0E-4");
    EXPECT_EQ(java_double_to_string(1.234e-5), "1.234E-5");
    EXPECT_EQ(java_double_to_string(9999999.0), "9999999.0");
    EXPECT_EQ(java_double_to_string(1.0e7), "1.0E7");
    EXPECT_EQ(java_double_to_string(1.0e10), "1.0E10");
    EXPECT_EQ(java_double_to_string(1.5e300), "1.5E300");
    EXPECT_EQ(java_double_to_string(123456.789), "123456.789");
    EXPECT_EQ(java_double_to_string(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(java_double_to_string(0.0), "0.0");
    EXPECT_EQ(java_double_to_string(-0.0), "-0.0");
    EXPECT_EQ(java_double_to_string(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(java_double_to_string(std::numeric_limits<double>::infinity()), "Infinity");
    EXPECT_EQ(java_double_to_string(-std::numeric_limits<double>::infinity()), "-Infinity");
    EXPECT_EQ(java_double_to_string(std::numeric_limits<double>::max()), "1.7976931348623157E308");
    // Java picks the closest of the two-digit candidates when one digit would do.
    EXPECT_EQ(java_double_to_string(std::numeric_limits<double>::denorm_min()), "4.9E-324");
    EXPECT_EQ(java_double_to_string(4398046511104.0), "4.398046511104E12");
}

TEST(java_number, float_to_string_matches_java) {
    EXPECT_EQ(java_float_to_string(12.34f), "12.34");
    EXPECT_EQ(java_float_to_string(1.0f), "1.0");
    EXPECT_EQ(java_float_to_string(0.1f), "0.1");
    EXPECT_EQ(java_float_to_string(1.1f), "1.1");
    EXPECT_EQ(java_float_to_string(1.0e10f), "1.0E10");
    EXPECT_EQ(java_float_to_string(3.4e38f), "3.4E38");
    EXPECT_EQ(java_float_to_string(std::numeric_limits<float>::max()), "3.4028235E38");
    EXPECT_EQ(java_float_to_string(std::numeric_limits<float>::denorm_min()), "1.4E-45");
    EXPECT_EQ(java_float_to_string(66000.0008f), "66000.0");
    EXPECT_EQ(java_float_to_string(-0.0f), "-0.0");
    EXPECT_EQ(java_float_to_string(std::nanf("")), "NaN");
}

TEST(java_number, to_chars_writes_without_allocation) {
    char buf[java_number_chars];
    size_t n = java_double_to_chars(-1.25e-300, buf);
    EXPECT_EQ(std::string(buf, n), "-1.25E-300");
    n = java_float_to_chars(1.0e-3f, buf);
    EXPECT_EQ(std::string(buf, n), "0.001");
}

} // namespace
} // namespace ferry
