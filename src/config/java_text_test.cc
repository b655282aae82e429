#include "config/java_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ferry::config::java {
namespace {

TEST(java_text, trim_drops_control_chars_and_spaces) {
    EXPECT_EQ(trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(trim(std::string_view("\x01x\x1f", 3)), "x");
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(trim("\xc3\xa9"), "\xc3\xa9"); // UTF-8 bytes are >= 0x80 and stay
}

TEST(java_text, parse_integer_as_java) {
    constexpr int64_t imin = std::numeric_limits<int32_t>::min(), imax = std::numeric_limits<int32_t>::max();
    EXPECT_EQ(parse_integer("42", imin, imax), 42);
    EXPECT_EQ(parse_integer("+42", imin, imax), 42);
    EXPECT_EQ(parse_integer("-0042", imin, imax), -42);
    EXPECT_EQ(parse_integer("2147483647", imin, imax), imax);
    EXPECT_EQ(parse_integer("-2147483648", imin, imax), imin);
    EXPECT_FALSE(parse_integer("2147483648", imin, imax));
    EXPECT_FALSE(parse_integer("", imin, imax));
    EXPECT_FALSE(parse_integer("-", imin, imax));
    EXPECT_FALSE(parse_integer("+-1", imin, imax));
    EXPECT_FALSE(parse_integer("1.0", imin, imax));
    EXPECT_FALSE(parse_integer("0x10", imin, imax));
    EXPECT_FALSE(parse_integer("1 000", imin, imax));
    constexpr int64_t lmin = std::numeric_limits<int64_t>::min(), lmax = std::numeric_limits<int64_t>::max();
    EXPECT_EQ(parse_integer("-9223372036854775808", lmin, lmax), lmin);
    EXPECT_EQ(parse_integer("9223372036854775807", lmin, lmax), lmax);
    EXPECT_FALSE(parse_integer("9223372036854775808", lmin, lmax));
    EXPECT_FALSE(parse_integer("99999999999999999999", lmin, lmax));
}

TEST(java_text, parse_double_accepts_java_grammar) {
    EXPECT_EQ(parse_double("1"), 1.0);
    EXPECT_EQ(parse_double("-1.5"), -1.5);
    EXPECT_EQ(parse_double("+.5"), 0.5);
    EXPECT_EQ(parse_double("1."), 1.0);
    EXPECT_EQ(parse_double("1e3"), 1000.0);
    EXPECT_EQ(parse_double("1E-2"), 0.01);
    EXPECT_EQ(parse_double("2.5f"), 2.5);
    EXPECT_EQ(parse_double("2d"), 2.0);
    EXPECT_EQ(parse_double("0x1.8p1"), 3.0);
    EXPECT_EQ(parse_double("0X10P0"), 16.0);
    EXPECT_TRUE(std::isnan(*parse_double("NaN")));
    EXPECT_EQ(parse_double("-Infinity"), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(parse_double("1e400"), std::numeric_limits<double>::infinity());
    EXPECT_EQ(parse_double("-1e400"), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(parse_double("1e-400"), 0.0);
    for (const char* bad : {"", ".", "e5", "1e", "1e+", "0x1", "0x1.8", "abc", "nan", "inf", "1,5", "1..2", "--1",
                            "NaNd", "1ff", "0xp1"})
        EXPECT_FALSE(parse_double(bad)) << bad;
}

TEST(java_text, double_to_string_as_java) {
    EXPECT_EQ(double_to_string(1.0), "1.0");
    EXPECT_EQ(double_to_string(-2.5), "-2.5");
    EXPECT_EQ(double_to_string(100.0), "100.0");
    EXPECT_EQ(double_to_string(0.001), "0.001");
    EXPECT_EQ(double_to_string(0.0001), "1.0E-4");
    EXPECT_EQ(double_to_string(1234567.0), "1234567.0");
    EXPECT_EQ(double_to_string(1e7), "1.0E7");
    EXPECT_EQ(double_to_string(1.5e10), "1.5E10");
    EXPECT_EQ(double_to_string(0.1), "0.1");
    EXPECT_EQ(double_to_string(0.0), "0.0");
    EXPECT_EQ(double_to_string(-0.0), "-0.0");
    EXPECT_EQ(double_to_string(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(double_to_string(-std::numeric_limits<double>::infinity()), "-Infinity");
    EXPECT_EQ(double_to_string(std::numeric_limits<double>::max()), "1.7976931348623157E308");
}

} // namespace
} // namespace ferry::config::java
