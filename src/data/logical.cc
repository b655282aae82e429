#include "ferry/data/logical.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

namespace ferry::logical {

namespace {

constexpr int64_t k_millis_per_day = 86400000;

// Arbitrary-precision magnitudes, just enough for Decimal's unscaled values: conversion between
// decimal digits and two's-complement bytes (little-endian base 2^32 limbs).
using limbs = std::vector<uint32_t>;

void mul_add(limbs& m, uint32_t mul, uint32_t add) {
    uint64_t carry = add;
    for (auto& l : m) {
        uint64_t v = uint64_t(l) * mul + carry;
        l = static_cast<uint32_t>(v);
        carry = v >> 32;
    }
    if (carry) m.push_back(static_cast<uint32_t>(carry));
}

uint32_t div_mod(limbs& m, uint32_t div) {
    uint64_t rem = 0;
    for (size_t i = m.size(); i-- > 0;) {
        uint64_t cur = (rem << 32) | m[i];
        m[i] = static_cast<uint32_t>(cur / div);
        rem = cur % div;
    }
    while (!m.empty() && m.back() == 0) m.pop_back();
    return static_cast<uint32_t>(rem);
}

limbs from_decimal_digits(std::string_view digits) {
    limbs m;
    size_t i = 0;
    while (i < digits.size()) {
        size_t chunk = std::min<size_t>(9, digits.size() - i);
        uint32_t v = 0, mul = 1;
        for (size_t k = 0; k < chunk; ++k) {
            v = v * 10 + static_cast<uint32_t>(digits[i + k] - '0');
            mul *= 10;
        }
        mul_add(m, mul, v);
        i += chunk;
    }
    while (!m.empty() && m.back() == 0) m.pop_back();
    return m;
}

std::string to_decimal_digits(limbs m) {
    if (m.empty()) return "0";
    std::string out;
    while (!m.empty()) {
        uint32_t r = div_mod(m, 1000000000);
        for (int k = 0; k < 9; ++k) {
            out.push_back(static_cast<char>('0' + r % 10));
            r /= 10;
            if (m.empty() && r == 0) break;
        }
    }
    while (out.size() > 1 && out.back() == '0') out.pop_back();
    std::reverse(out.begin(), out.end());
    return out;
}

// Two's complement, big-endian, minimal length (BigInteger.toByteArray()).
std::string to_twos_complement(bool negative, const limbs& m) {
    std::string be;
    be.push_back('\0'); // room for the sign
    for (size_t i = m.size(); i-- > 0;) {
        be.push_back(static_cast<char>(m[i] >> 24));
        be.push_back(static_cast<char>(m[i] >> 16));
        be.push_back(static_cast<char>(m[i] >> 8));
        be.push_back(static_cast<char>(m[i]));
    }
    if (negative) {
        unsigned carry = 1;
        for (size_t i = be.size(); i-- > 0;) {
            unsigned v = static_cast<uint8_t>(~static_cast<uint8_t>(be[i])) + carry;
            be[i] = static_cast<char>(v & 0xff);
            carry = v >> 8;
        }
        size_t start = 0;
        while (start + 1 < be.size() && static_cast<uint8_t>(be[start]) == 0xff &&
               (static_cast<uint8_t>(be[start + 1]) & 0x80))
            ++start;
        return be.substr(start);
    }
    size_t start = 0;
    while (start + 1 < be.size() && be[start] == 0 && !(static_cast<uint8_t>(be[start + 1]) & 0x80)) ++start;
    return be.substr(start);
}

limbs from_twos_complement(std::string_view bytes, bool& negative) {
    negative = !bytes.empty() && (static_cast<uint8_t>(bytes[0]) & 0x80);
    std::string mag(bytes);
    if (negative) {
        unsigned carry = 1;
        for (size_t i = mag.size(); i-- > 0;) {
            unsigned v = static_cast<uint8_t>(~static_cast<uint8_t>(mag[i])) + carry;
            mag[i] = static_cast<char>(v & 0xff);
            carry = v >> 8;
        }
    }
    limbs m((mag.size() + 3) / 4, 0);
    for (size_t i = 0; i < mag.size(); ++i) {
        size_t bit = (mag.size() - 1 - i) * 8;
        m[bit / 32] |= uint32_t(static_cast<uint8_t>(mag[i])) << (bit % 32);
    }
    while (!m.empty() && m.back() == 0) m.pop_back();
    return m;
}

// A decimal in text form: sign, digits of the unscaled value (no leading zeros except "0") and
// scale. The common currency of the conversions below.
struct text_decimal {
    bool negative = false;
    std::string digits;
    int64_t scale = 0;
};

// Java's BigDecimal(String) grammar: [+-] digits [. digits] [(e|E) [+-] digits], at least one digit.
std::optional<text_decimal> parse_text(std::string_view s) {
    text_decimal d;
    size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.negative = s[i++] == '-';
    size_t int_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::string_view int_part = s.substr(int_start, i - int_start);
    std::string_view frac_part;
    if (i < s.size() && s[i] == '.') {
        size_t fs = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        frac_part = s.substr(fs, i - fs);
    }
    if (int_part.empty() && frac_part.empty()) return std::nullopt;
    int64_t exp = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool eneg = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        size_t es = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            exp = exp * 10 + (s[i] - '0');
            if (exp > std::numeric_limits<int32_t>::max()) return std::nullopt;
            ++i;
        }
        if (i == es) return std::nullopt;
        if (eneg) exp = -exp;
    }
    if (i != s.size()) return std::nullopt;
    d.scale = static_cast<int64_t>(frac_part.size()) - exp;
    if (d.scale > std::numeric_limits<int32_t>::max() || d.scale < std::numeric_limits<int32_t>::min())
        return std::nullopt;
    d.digits.reserve(int_part.size() + frac_part.size());
    d.digits.append(int_part).append(frac_part);
    size_t nz = d.digits.find_first_not_of('0');
    d.digits = nz == std::string::npos ? "0" : d.digits.substr(nz);
    if (d.digits == "0") d.negative = false;
    return d;
}

text_decimal from_unscaled(std::string_view unscaled, int32_t scale) {
    text_decimal d;
    d.digits = to_decimal_digits(from_twos_complement(unscaled, d.negative));
    if (d.digits == "0") d.negative = false;
    d.scale = scale;
    return d;
}

std::string to_unscaled(const text_decimal& d) { return to_twos_complement(d.negative, from_decimal_digits(d.digits)); }

void append_padded(std::string& out, int64_t v, int width) {
    if (v < 0) {
        out.push_back('-');
        v = -v;
    }
    auto s = std::to_string(v);
    for (int i = static_cast<int>(s.size()); i < width; ++i) out.push_back('0');
    out += s;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

} // namespace

schema_builder decimal_builder(int32_t scale) {
    auto b = schema_builder::bytes();
    b.name(std::string(decimal_name)).parameter(std::string(decimal_scale_param), std::to_string(scale)).version(1);
    return b;
}

schema_ptr decimal_schema(int32_t scale, bool optional) {
    auto b = decimal_builder(scale);
    if (optional) b.optional();
    return b.build();
}

schema_builder date_builder() {
    auto b = schema_builder::int32();
    b.name(std::string(date_name)).version(1);
    return b;
}

schema_builder time_builder() {
    auto b = schema_builder::int32();
    b.name(std::string(time_name)).version(1);
    return b;
}

schema_builder timestamp_builder() {
    auto b = schema_builder::int64();
    b.name(std::string(timestamp_name)).version(1);
    return b;
}

schema_ptr date_schema(bool optional) {
    auto b = date_builder();
    if (optional) b.optional();
    return b.build();
}

schema_ptr time_schema(bool optional) {
    auto b = time_builder();
    if (optional) b.optional();
    return b.build();
}

schema_ptr timestamp_schema(bool optional) {
    auto b = timestamp_builder();
    if (optional) b.optional();
    return b.build();
}

int32_t decimal_scale(const schema& s) {
    const std::string* p = s.parameter(decimal_scale_param);
    if (!p) throw data_error("Invalid Decimal schema: scale parameter not found.");
    // Integer.parseInt: optional sign, decimal digits, int range.
    std::string_view t = *p;
    size_t start = (!t.empty() && t[0] == '+') ? 1 : 0;
    int32_t v = 0;
    auto r = std::from_chars(t.data() + start, t.data() + t.size(), v);
    if (t.size() == start || r.ec != std::errc() || r.ptr != t.data() + t.size() || (start == 1 && t.size() > 1 && t[1] == '-'))
        throw data_error(fmt::format("Invalid scale parameter found in Decimal schema: For input string: \"{}\"", t));
    return v;
}

std::string decimal_to_string(std::string_view unscaled, int32_t scale) {
    text_decimal d = from_unscaled(unscaled, scale);
    std::string out;
    if (d.negative) out.push_back('-');
    if (scale == 0) return out + d.digits;
    if (scale < 0) {
        if (d.digits == "0") return "0";
        out += d.digits;
        out.append(static_cast<size_t>(-static_cast<int64_t>(scale)), '0');
        return out;
    }
    auto len = static_cast<int64_t>(d.digits.size());
    if (len > scale) {
        out.append(d.digits, 0, static_cast<size_t>(len - scale));
        out.push_back('.');
        out.append(d.digits, static_cast<size_t>(len - scale));
    } else {
        out += "0.";
        out.append(static_cast<size_t>(scale - len), '0');
        out += d.digits;
    }
    return out;
}

std::string decimal_to_java_string(std::string_view unscaled, int32_t scale) {
    text_decimal d = from_unscaled(unscaled, scale);
    std::string out;
    if (d.negative) out.push_back('-');
    if (scale == 0) return out + d.digits;
    auto len = static_cast<int64_t>(d.digits.size());
    int64_t adjusted = -static_cast<int64_t>(scale) + (len - 1);
    if (scale > 0 && adjusted >= -6) {
        int64_t pad = scale - len;
        if (pad >= 0) {
            out += "0.";
            out.append(static_cast<size_t>(pad), '0');
            out += d.digits;
        } else {
            out.append(d.digits, 0, static_cast<size_t>(-pad));
            out.push_back('.');
            out.append(d.digits, static_cast<size_t>(-pad));
        }
        return out;
    }
    out.push_back(d.digits[0]);
    if (len > 1) {
        out.push_back('.');
        out.append(d.digits, 1);
    }
    if (adjusted != 0) {
        out.push_back('E');
        if (adjusted > 0) out.push_back('+');
        out += std::to_string(adjusted);
    }
    return out;
}

std::optional<decimal_value> parse_decimal(std::string_view text) {
    auto d = parse_text(text);
    if (!d) return std::nullopt;
    return decimal_value{to_unscaled(*d), static_cast<int32_t>(d->scale)};
}

std::string decimal_from_string(std::string_view text, int32_t scale) {
    auto d = parse_text(text);
    if (!d) throw data_error(fmt::format("Invalid decimal value: \"{}\"", text));
    if (d->scale < scale) {
        if (d->digits != "0") d->digits.append(static_cast<size_t>(scale - d->scale), '0');
    } else if (d->scale > scale) {
        auto drop = d->scale - scale;
        if (d->digits != "0") {
            if (drop >= static_cast<int64_t>(d->digits.size()) ||
                d->digits.find_first_not_of('0', d->digits.size() - static_cast<size_t>(drop)) != std::string::npos)
                throw data_error(fmt::format("Decimal value {} has more fractional digits than the schema's scale {}",
                                             text, scale));
            d->digits.resize(d->digits.size() - static_cast<size_t>(drop));
        }
    }
    d->scale = scale;
    return to_unscaled(*d);
}

std::string decimal_from_int64(int64_t unscaled) {
    // Minimal big-endian two's complement: drop leading bytes that only repeat the sign.
    char be[8];
    for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(static_cast<uint64_t>(unscaled) >> (56 - 8 * i));
    int start = 0;
    while (start < 7) {
        auto b = static_cast<uint8_t>(be[start]);
        auto next = static_cast<uint8_t>(be[start + 1]);
        if ((b == 0x00 && !(next & 0x80)) || (b == 0xff && (next & 0x80))) {
            ++start;
        } else {
            break;
        }
    }
    return std::string(be + start, static_cast<size_t>(8 - start));
}

std::optional<int64_t> decimal_to_int64(std::string_view unscaled) {
    if (unscaled.empty()) return std::nullopt;
    bool negative = static_cast<uint8_t>(unscaled[0]) & 0x80;
    // Extra leading bytes are fine as long as they only repeat the sign.
    while (unscaled.size() > 8) {
        auto b = static_cast<uint8_t>(unscaled[0]);
        if (b != (negative ? 0xff : 0x00)) return std::nullopt;
        unscaled.remove_prefix(1);
    }
    if (unscaled.size() == 8 && ((static_cast<uint8_t>(unscaled[0]) & 0x80) != 0) != negative) return std::nullopt;
    uint64_t v = negative ? ~uint64_t(0) : 0;
    for (char c : unscaled) v = (v << 8) | static_cast<uint8_t>(c);
    return static_cast<int64_t>(v);
}

double decimal_to_double(std::string_view unscaled, int32_t scale) {
    text_decimal d = from_unscaled(unscaled, scale);
    std::string text = d.digits + "e" + std::to_string(-static_cast<int64_t>(scale));
    double v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
        // Too large or too small for a double: BigDecimal.doubleValue() gives infinity or zero.
        int64_t magnitude = static_cast<int64_t>(d.digits.size()) - scale;
        v = magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    }
    return d.negative ? -v : v;
}

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t days_from_civil(civil_date d) {
    int64_t y = static_cast<int64_t>(d.year) - (d.month <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    auto yoe = static_cast<uint32_t>(y - era * 400);
    uint32_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
    uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<int32_t>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

civil_date civil_from_days(int32_t days) {
    int64_t z = static_cast<int64_t>(days) + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    auto doe = static_cast<uint32_t>(z - era * 146097);
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = static_cast<int64_t>(yoe) + era * 400;
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint32_t mp = (5 * doy + 2) / 153;
    uint32_t d = doy - (153 * mp + 2) / 5 + 1;
    uint32_t m = mp < 10 ? mp + 3 : mp - 9;
    return civil_date{static_cast<int32_t>(y + (m <= 2 ? 1 : 0)), m, d};
}

std::string format_date(int32_t days) {
    civil_date c = civil_from_days(days);
    std::string out;
    append_padded(out, c.year, 4);
    out.push_back('-');
    append_padded(out, c.month, 2);
    out.push_back('-');
    append_padded(out, c.day, 2);
    return out;
}

std::string format_time(int32_t millis_of_day) {
    int64_t ms = millis_of_day % k_millis_per_day;
    if (ms < 0) ms += k_millis_per_day;
    std::string out;
    append_padded(out, ms / 3600000, 2);
    out.push_back(':');
    append_padded(out, ms / 60000 % 60, 2);
    out.push_back(':');
    append_padded(out, ms / 1000 % 60, 2);
    out.push_back('.');
    append_padded(out, ms % 1000, 3);
    out.push_back('Z');
    return out;
}

std::string format_timestamp(int64_t epoch_millis) {
    int64_t days = floor_div(epoch_millis, k_millis_per_day);
    int64_t ms = epoch_millis - days * k_millis_per_day;
    std::string out = format_date(static_cast<int32_t>(days));
    out.push_back('T');
    out += format_time(static_cast<int32_t>(ms));
    return out;
}

std::string format_java_date(int64_t epoch_millis) {
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = floor_div(epoch_millis, k_millis_per_day);
    int64_t ms = epoch_millis - days * k_millis_per_day;
    civil_date c = civil_from_days(static_cast<int32_t>(days));
    int64_t dow = (days % 7 + 7 + 4) % 7; // 1970-01-01 was a Thursday
    return fmt::format("{} {} {:02} {:02}:{:02}:{:02} UTC {}", k_days[dow], k_months[c.month - 1], c.day, ms / 3600000,
                       ms / 60000 % 60, ms / 1000 % 60, c.year);
}

} // namespace ferry::logical
