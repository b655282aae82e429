#include "config/java_text.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace ferry::config::java {

std::string_view trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && static_cast<unsigned char>(s[b]) <= 0x20) ++b;
    while (e > b && static_cast<unsigned char>(s[e - 1]) <= 0x20) --e;
    return s.substr(b, e - b);
}

std::optional<int64_t> parse_integer(std::string_view s, int64_t min, int64_t max) {
    if (s.empty()) return std::nullopt;
    bool neg = false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == s.size()) return std::nullopt;
    // Accumulate negatively so that INT64_MIN is representable, as Java does.
    int64_t acc = 0;
    const int64_t limit = neg ? std::numeric_limits<int64_t>::min() : -std::numeric_limits<int64_t>::max();
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c < '0' || c > '9') return std::nullopt;
        int d = c - '0';
        if (acc < limit / 10) return std::nullopt;
        acc *= 10;
        if (acc < limit + d) return std::nullopt;
        acc -= d;
    }
    int64_t v = neg ? acc : -acc;
    if (v < min || v > max) return std::nullopt;
    return v;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Parses an unsigned exponent, saturating: only its sign and rough size matter for range errors.
int64_t saturating_exponent(std::string_view digits, bool neg) {
    int64_t v = 0;
    for (char c : digits) {
        v = v * 10 + (c - '0');
        if (v > 1'000'000'000) break;
    }
    return neg ? -v : v;
}

// Order of magnitude (in digits of the given base) of mantissa int_part.frac_part, or nullopt for zero.
std::optional<int64_t> magnitude(std::string_view int_part, std::string_view frac_part) {
    size_t k = int_part.find_first_not_of('0');
    if (k != std::string_view::npos) return static_cast<int64_t>(int_part.size() - k) - 1;
    k = frac_part.find_first_not_of('0');
    if (k != std::string_view::npos) return -static_cast<int64_t>(k) - 1;
    return std::nullopt;
}

} // namespace

std::optional<double> parse_double(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool neg = false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    std::string_view rest = s.substr(i);
    const double sign = neg ? -1.0 : 1.0;
    if (rest == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (rest == "Infinity") return sign * std::numeric_limits<double>::infinity();
    if (!rest.empty() && (rest.back() == 'f' || rest.back() == 'F' || rest.back() == 'd' || rest.back() == 'D'))
        rest.remove_suffix(1);
    if (rest.empty()) return std::nullopt;

    const bool hex = rest.size() >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X');
    std::string_view body = hex ? rest.substr(2) : rest;
    auto digit_ok = hex ? is_hex : is_digit;
    size_t p = 0;
    size_t int_begin = p;
    while (p < body.size() && digit_ok(body[p])) ++p;
    std::string_view int_part = body.substr(int_begin, p - int_begin);
    std::string_view frac_part;
    if (p < body.size() && body[p] == '.') {
        ++p;
        size_t fb = p;
        while (p < body.size() && digit_ok(body[p])) ++p;
        frac_part = body.substr(fb, p - fb);
    }
    if (int_part.empty() && frac_part.empty()) return std::nullopt;
    int64_t exponent = 0;
    const char exp_char_lo = hex ? 'p' : 'e', exp_char_hi = hex ? 'P' : 'E';
    bool has_exp = false;
    if (p < body.size() && (body[p] == exp_char_lo || body[p] == exp_char_hi)) {
        has_exp = true;
        ++p;
        bool eneg = false;
        if (p < body.size() && (body[p] == '+' || body[p] == '-')) {
            eneg = body[p] == '-';
            ++p;
        }
        size_t eb = p;
        while (p < body.size() && is_digit(body[p])) ++p;
        if (p == eb) return std::nullopt;
        exponent = saturating_exponent(body.substr(eb, p - eb), eneg);
    }
    if (p != body.size()) return std::nullopt;
    if (hex && !has_exp) return std::nullopt; // Java requires the binary exponent of a hex float

    double v = 0;
    auto fmt = hex ? std::chars_format::hex : std::chars_format::general;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v, fmt);
    if (ec == std::errc::result_out_of_range) {
        auto mag = magnitude(int_part, frac_part);
        if (!mag) return sign * 0.0;
        int64_t total = hex ? *mag * 4 + exponent : *mag + exponent;
        return total > 0 ? sign * std::numeric_limits<double>::infinity() : sign * 0.0;
    }
    if (ec != std::errc() || ptr != body.data() + body.size()) return std::nullopt;
    return sign * v;
}

std::string double_to_string(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(end - buf)); // shortest round trip: -1.2345e+06
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    size_t epos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, epos))
        if (c != '.') digits += c;
    int exp = std::stoi(std::string(sci.substr(epos + 1)));
    double a = std::fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp >= 0) {
            size_t int_len = static_cast<size_t>(exp) + 1;
            if (digits.size() <= int_len) {
                out += digits;
                out.append(int_len - digits.size(), '0');
                out += ".0";
            } else {
                out += digits.substr(0, int_len);
                out += '.';
                out += digits.substr(int_len);
            }
        } else {
            out += "0.";
            out.append(static_cast<size_t>(-exp - 1), '0');
            out += digits;
        }
    } else {
        out += digits[0];
        out += '.';
        out += digits.size() > 1 ? digits.substr(1) : "0";
        out += 'E';
        out += std::to_string(exp);
    }
    return out;
}

uint32_t next_code_point(std::string_view s, size_t& i) {
    auto b = static_cast<unsigned char>(s[i]);
    int n = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    if (n <= 0 || i + static_cast<size_t>(n) >= s.size()) {
        ++i;
        return b;
    }
    uint32_t cp = b & (0x3Fu >> n);
    for (int k = 1; k <= n; ++k) {
        auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
        if ((c & 0xC0) != 0x80) {
            ++i;
            return b;
        }
        cp = (cp << 6) | (c & 0x3Fu);
    }
    static constexpr uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        ++i;
        return b;
    }
    i += static_cast<size_t>(n) + 1;
    return cp;
}

} // namespace ferry::config::java
