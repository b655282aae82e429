#include "plugins/transforms/common/java_number.hpp"

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/data/logical.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace ferry::transforms {

int32_t java_d2i(double d) {
    if (std::isnan(d)) return 0;
    if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
    if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(d);
}

int64_t java_d2l(double d) {
    if (std::isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
    if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
}

std::optional<int64_t> java_parse_integer(std::string_view s, int64_t min, int64_t max) {
    if (s.empty()) return std::nullopt;
    bool negative = false;
    size_t i = 0;
    if (s[0] == '-' || s[0] == '+') {
        negative = s[0] == '-';
        if (s.size() == 1) return std::nullopt;
        i = 1;
    }
    // Accumulate negatively so that the minimum value parses, as Java does.
    int64_t result = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c < '0' || c > '9') return std::nullopt;
        int d = c - '0';
        if (result < (std::numeric_limits<int64_t>::min() + d) / 10) return std::nullopt;
        result = result * 10 - d;
    }
    if (!negative) {
        if (result == std::numeric_limits<int64_t>::min()) return std::nullopt;
        result = -result;
    }
    if (result < min || result > max) return std::nullopt;
    return result;
}

namespace {

// FloatingDecimal.readJavaFormatString's grammar; returns the text from_chars should read
// (suffix dropped) and whether it is hexadecimal.
std::optional<std::string> java_float_text(std::string_view in, bool& hex, bool& special, double& special_value) {
    std::string_view s = java_trim(in);
    hex = false;
    special = false;
    if (s.empty()) return std::nullopt;
    size_t i = 0;
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        ++i;
    }
    std::string_view rest = s.substr(i);
    if (rest == "NaN") {
        special = true;
        special_value = std::numeric_limits<double>::quiet_NaN();
        return std::string();
    }
    if (rest == "Infinity") {
        special = true;
        special_value = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        return std::string();
    }
    if (!rest.empty() && (rest.back() == 'f' || rest.back() == 'F' || rest.back() == 'd' || rest.back() == 'D'))
        rest.remove_suffix(1);
    if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
        hex = true;
        std::string_view h = rest.substr(2);
        size_t p = h.find_first_of("pP");
        if (p == std::string_view::npos) return std::nullopt; // Java requires the binary exponent
        auto ishex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
        size_t digits = 0, dots = 0;
        for (size_t k = 0; k < p; ++k) {
            if (h[k] == '.')
                ++dots;
            else if (ishex(h[k]))
                ++digits;
            else
                return std::nullopt;
        }
        if (digits == 0 || dots > 1) return std::nullopt;
        std::string_view e = h.substr(p + 1);
        if (!e.empty() && (e[0] == '+' || e[0] == '-')) e.remove_prefix(1);
        if (e.empty()) return std::nullopt;
        for (char c : e)
            if (c < '0' || c > '9') return std::nullopt;
        return std::string(negative ? "-" : "") + std::string(h);
    }
    size_t k = 0, digits = 0;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9')
        ++k, ++digits;
    if (k < rest.size() && rest[k] == '.') {
        ++k;
        while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9')
            ++k, ++digits;
    }
    if (digits == 0) return std::nullopt;
    if (k < rest.size() && (rest[k] == 'e' || rest[k] == 'E')) {
        ++k;
        if (k < rest.size() && (rest[k] == '+' || rest[k] == '-')) ++k;
        size_t exp_digits = 0;
        while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9')
            ++k, ++exp_digits;
        if (exp_digits == 0) return std::nullopt;
    }
    if (k != rest.size()) return std::nullopt;
    std::string text(negative ? "-" : "");
    text += rest;
    return text;
}

template <class T> std::optional<T> parse_floating(std::string_view s) {
    bool hex = false, special = false;
    double special_value = 0;
    auto text = java_float_text(s, hex, special, special_value);
    if (!text) return std::nullopt;
    if (special) return static_cast<T>(special_value);
    T v{};
    const char* b = text->data();
    const char* e = b + text->size();
    bool neg = false;
    if (hex && *b == '-') { // from_chars' hex format takes no sign
        neg = true;
        ++b;
    }
    auto r = std::from_chars(b, e, v, hex ? std::chars_format::hex : std::chars_format::general);
    if (r.ptr != e) return std::nullopt;
    // Out of range: Java gives infinity or (signed) zero rather than failing.
    if (r.ec == std::errc::result_out_of_range) {
        bool tiny = false;
        {
            // A huge exponent overflows, a huge negative one underflows.
            std::string_view t(b, static_cast<size_t>(e - b));
            size_t p = t.find_first_of(hex ? "pP" : "eE");
            tiny = p != std::string_view::npos && p + 1 < t.size() && t[p + 1] == '-';
        }
        v = tiny ? T(0) : std::numeric_limits<T>::infinity();
        if (!hex && (*text)[0] == '-') v = -v;
    }
    return neg ? -v : v;
}

std::string integer_part_digits(std::string_view unscaled, int32_t scale, bool& negative) {
    std::string text = logical::decimal_to_string(unscaled, scale);
    negative = !text.empty() && text[0] == '-';
    size_t start = negative ? 1 : 0;
    size_t dot = text.find('.');
    return text.substr(start, (dot == std::string::npos ? text.size() : dot) - start);
}

int64_t low_bits(const std::string& digits, bool negative) {
    uint64_t v = 0;
    for (char c : digits)
        v = v * 10 + static_cast<uint64_t>(c - '0'); // arithmetic mod 2^64
    if (negative) v = ~v + 1;
    return static_cast<int64_t>(v);
}

} // namespace

std::optional<double> java_parse_double(std::string_view s) {
    return parse_floating<double>(s);
}
std::optional<float> java_parse_float(std::string_view s) {
    return parse_floating<float>(s);
}

int64_t decimal_long_value(std::string_view unscaled, int32_t scale) {
    bool negative = false;
    std::string digits = integer_part_digits(unscaled, scale, negative);
    return low_bits(digits, negative);
}

double decimal_double_value(std::string_view unscaled, int32_t scale) {
    std::string text = logical::decimal_to_string(unscaled, scale);
    double v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
}

float decimal_float_value(std::string_view unscaled, int32_t scale) {
    std::string text = logical::decimal_to_string(unscaled, scale);
    float v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
}

std::optional<int64_t> big_decimal_long_value(std::string_view text) {
    auto d = logical::parse_decimal(text);
    if (!d) return std::nullopt;
    return decimal_long_value(d->unscaled, d->scale);
}

std::optional<double> big_decimal_double_value(std::string_view text) {
    auto d = logical::parse_decimal(text);
    if (!d) return std::nullopt;
    return decimal_double_value(d->unscaled, d->scale);
}

} // namespace ferry::transforms
