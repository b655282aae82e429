// The snapshot encoder's decimal printer against JsonConverter itself: for numerics as PostgreSQL
// prints them, append_decimal_base64 must give exactly the JSON JsonConverter writes for the Connect
// Decimal the general path builds (logical::decimal_from_string), or decline.

#include "snapshot_encoder.hpp"

#include "plugins/converters/json/json_converter.hpp"

#include "ferry/data/logical.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace ferry;
using namespace ferry::plugins::postgres_cdc;

namespace {

// PostgreSQL's text of unscaled/10^scale with exactly `scale` fraction digits.
std::string pg_text(int64_t unscaled, int scale) {
    bool neg = unscaled < 0;
    std::string digits = std::to_string(neg ? -(unscaled + 1) + uint64_t(1) : uint64_t(unscaled));
    if (scale > 0) {
        if (digits.size() <= size_t(scale)) digits.insert(0, size_t(scale) + 1 - digits.size(), '0');
        digits.insert(digits.size() - size_t(scale), ".");
    }
    return (neg ? "-" : "") + digits;
}

std::string via_json_converter(std::string_view text, int scale) {
    json::json_converter conv;
    conv.configure({{"schemas.enable", "false"}}, false);
    std::string out;
    headers h;
    conv.from_connect("t", h, logical::decimal_schema(scale), value::bytes(logical::decimal_from_string(text, scale)), out);
    return out;
}

TEST(snapshot_encoder, decimal_base64_is_json_converters_bytes) {
    std::vector<int64_t> values = {0, 1, -1, 127, 128, -128, -129, 255, 256, -256, 32767, 32768, -32768, -32769,
                                   8388607, 8388608, 2147483647, 2147483648LL, -2147483648LL, -2147483649LL,
                                   999999999999999999LL, -999999999999999999LL, 100000000000000000LL};
    std::mt19937_64 rng(42);
    for (int i = 0; i < 20000; i++) {
        int64_t limit = 1;
        for (int d = int(rng() % 18) + 1; d > 0; d--) limit *= 10;
        int64_t v = int64_t(rng() % uint64_t(limit));
        values.push_back(rng() & 1 ? -v : v);
    }
    for (int scale : {0, 1, 2, 5, 9}) {
        for (int64_t v : values) {
            std::string text = pg_text(v, scale);
            std::string got;
            ASSERT_TRUE(append_decimal_base64(got, text, scale)) << text;
            ASSERT_EQ(got, via_json_converter(text, scale)) << text << " scale " << scale;
        }
    }
}

TEST(snapshot_encoder, decimal_base64_declines_what_it_cannot_print_exactly) {
    std::string out = "x";
    for (auto [text, scale] : std::vector<std::pair<std::string, int>>{
             {"1234567890123456789", 0},  // 19 digits
             {"12.3", 2},                 // fewer fraction digits than the scale
             {"12.345", 2},               // more
             {"12", 2},                   // none
             {"12.", 0},                  //
             {"NaN", 2}, {"Infinity", 0}, {"-", 0}, {"", 0}, {"1e5", 0}, {"1.2.3", 1}, {"-1200", -2}}) {
        EXPECT_FALSE(append_decimal_base64(out, text, scale)) << text;
        EXPECT_EQ(out, "x") << text;
    }
}

} // namespace
