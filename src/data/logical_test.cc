#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ferry::logical {
namespace {

std::string hex(std::string_view b) {
    static const char* d = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : b) {
        out.push_back(d[c >> 4]);
        out.push_back(d[c & 15]);
    }
    return out;
}

TEST(decimal, int64_to_bytes_like_big_integer_to_byte_array) {
    EXPECT_EQ(hex(decimal_from_int64(0)), "00");
    EXPECT_EQ(hex(decimal_from_int64(127)), "7F");
    EXPECT_EQ(hex(decimal_from_int64(128)), "0080");
    EXPECT_EQ(hex(decimal_from_int64(156)), "009C");
    EXPECT_EQ(hex(decimal_from_int64(236)), "00EC");
    EXPECT_EQ(hex(decimal_from_int64(-1)), "FF");
    EXPECT_EQ(hex(decimal_from_int64(-128)), "80");
    EXPECT_EQ(hex(decimal_from_int64(-129)), "FF7F");
    EXPECT_EQ(hex(decimal_from_int64(INT64_MAX)), "7FFFFFFFFFFFFFFF");
    EXPECT_EQ(hex(decimal_from_int64(INT64_MIN)), "8000000000000000");
}

TEST(decimal, bytes_to_int64) {
    EXPECT_EQ(decimal_to_int64(decimal_from_int64(-129)), -129);
    EXPECT_EQ(decimal_to_int64(decimal_from_int64(INT64_MIN)), INT64_MIN);
    EXPECT_EQ(decimal_to_int64(std::string("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 10)), 1); // sign padding is fine
    EXPECT_EQ(decimal_to_int64(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe", 10)), -2);
    EXPECT_FALSE(decimal_to_int64(std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9)));
    EXPECT_FALSE(decimal_to_int64(""));
}

TEST(decimal, text_forms) {
    EXPECT_EQ(decimal_to_string(decimal_from_int64(156), 2), "1.56");
    EXPECT_EQ(decimal_to_string(decimal_from_int64(-1250), 2), "-12.50");
    EXPECT_EQ(decimal_to_string(decimal_from_int64(-5), 3), "-0.005");
    EXPECT_EQ(decimal_to_string(decimal_from_int64(0), 2), "0.00");
    EXPECT_EQ(decimal_to_string(decimal_from_int64(12), -3), "12000");
    EXPECT_EQ(decimal_to_string(decimal_from_int64(0), -3), "0");
    EXPECT_EQ(decimal_to_string(decimal_from_int64(42), 0), "42");
    // BigDecimal.toString switches to an exponent for small adjusted exponents and negative scales.
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(156), 2), "1.56");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(15600), 4), "1.5600");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(1), 6), "0.000001");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(1), 7), "1E-7");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(-123), 10), "-1.23E-8");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(12), -3), "1.2E+4");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(0), -2), "0E+2");
    EXPECT_EQ(decimal_to_java_string(decimal_from_int64(0), 2), "0.00");
}

TEST(decimal, from_text_rescales) {
    EXPECT_EQ(decimal_from_string("1.56", 2), decimal_from_int64(156));
    EXPECT_EQ(decimal_from_string("1.5", 4), decimal_from_int64(15000));
    EXPECT_EQ(decimal_from_string("1.5600", 2), decimal_from_int64(156));
    EXPECT_EQ(decimal_from_string("-0.5", 1), decimal_from_int64(-5));
    EXPECT_EQ(decimal_from_string("1e3", 0), decimal_from_int64(1000));
    EXPECT_EQ(decimal_from_string("+007.10", 2), decimal_from_int64(710));
    EXPECT_EQ(decimal_from_string("0", 5), decimal_from_int64(0));
    EXPECT_THROW(decimal_from_string("1.234", 2), data_error);
    EXPECT_THROW(decimal_from_string("abc", 2), data_error);
    EXPECT_THROW(decimal_from_string("1.2.3", 2), data_error);
    // Beyond 64 bits: 1.23456789123456789 at scale 17 and a 30-digit integer.
    std::string big = decimal_from_string("1.23456789123456789", 17);
    EXPECT_EQ(decimal_to_string(big, 17), "1.23456789123456789");
    std::string huge = decimal_from_string("-123456789012345678901234567890", 0);
    EXPECT_EQ(decimal_to_string(huge, 0), "-123456789012345678901234567890");
    EXPECT_FALSE(decimal_to_int64(huge));
    EXPECT_EQ(decimal_to_string(decimal_from_string("9223372036854775808", 0), 0), "9223372036854775808");
    EXPECT_EQ(hex(decimal_from_string("9223372036854775808", 0)), "008000000000000000");
}

TEST(decimal, parse_like_big_decimal_constructor) {
    auto d = parse_decimal("1.50");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->scale, 2);
    EXPECT_EQ(d->unscaled, decimal_from_int64(150));
    d = parse_decimal("1e3");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->scale, -3);
    EXPECT_EQ(d->unscaled, decimal_from_int64(1));
    d = parse_decimal("-.5");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->scale, 1);
    EXPECT_EQ(d->unscaled, decimal_from_int64(-5));
    EXPECT_TRUE(parse_decimal("5."));
    EXPECT_FALSE(parse_decimal(""));
    EXPECT_FALSE(parse_decimal("-"));
    EXPECT_FALSE(parse_decimal("1e"));
    EXPECT_FALSE(parse_decimal("1 "));
    EXPECT_FALSE(parse_decimal("0x10"));
}

TEST(decimal, to_double) {
    EXPECT_DOUBLE_EQ(decimal_to_double(decimal_from_int64(156), 2), 1.56);
    EXPECT_DOUBLE_EQ(decimal_to_double(decimal_from_int64(-5), -2), -500.0);
    EXPECT_TRUE(std::isinf(decimal_to_double(decimal_from_int64(1), -400)));
    EXPECT_EQ(decimal_to_double(decimal_from_int64(1), 400), 0.0);
}

TEST(civil, round_trips) {
    EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
    EXPECT_EQ(days_from_civil({2019, 8, 23}), 18131);
    EXPECT_EQ(days_from_civil({1969, 12, 31}), -1);
    EXPECT_EQ(days_from_civil({2000, 3, 1}), 11017);
    for (int32_t d : {-800000, -1, 0, 1, 10000, 18131, 2932896}) {
        civil_date c = civil_from_days(d);
        EXPECT_EQ(days_from_civil(c), d);
    }
    civil_date c = civil_from_days(10000);
    EXPECT_EQ(c.year, 1997);
    EXPECT_EQ(c.month, 5u);
    EXPECT_EQ(c.day, 19u);
}

TEST(formats, values_patterns) {
    EXPECT_EQ(format_date(18131), "2019-08-23");
    EXPECT_EQ(format_date(0), "1970-01-01");
    EXPECT_EQ(format_date(-719162), "0001-01-01");
    EXPECT_EQ(format_time(52494346), "14:34:54.346Z");
    EXPECT_EQ(format_time(0), "00:00:00.000Z");
    EXPECT_EQ(format_timestamp(1566570894346), "2019-08-23T14:34:54.346Z");
    EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(format_java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
    EXPECT_EQ(format_java_date(int64_t(10000) * 86400000), "Mon May 19 00:00:00 UTC 1997");
    EXPECT_EQ(format_java_date(-1000), "Wed Dec 31 23:59:59 UTC 1969");
}

} // namespace
} // namespace ferry::logical
