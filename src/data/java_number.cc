// Java's Double.toString and Float.toString. std::to_chars gives the shortest decimal that reads
// back to the same number (as Java does since JDK 19, and Jackson's fast writer); this file only
// lays the digits out the way Java does.

#include "ferry/data/value.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace ferry {

namespace {

// Splits to_chars' scientific output ("-1.234e-05") into digits and a decimal exponent such that
// value = d1.d2d3... x 10^exp.
struct sci_digits {
    char digits[24];
    int count = 0;
    int exp = 0;
};

sci_digits split(const char* first, const char* last) {
    sci_digits s;
    const char* p = first;
    for (; p < last && *p != 'e'; ++p)
        if (*p >= '0' && *p <= '9') s.digits[s.count++] = *p;
    if (p < last) std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), last, s.exp);
    while (s.count > 1 && s.digits[s.count - 1] == '0') --s.count; // "1.0e+10" style inputs
    return s;
}

template <class T>
sci_digits shortest(T v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
    sci_digits s = split(buf, r.ptr);
    if (s.count == 1) {
        // Java considers two-digit candidates when one digit suffices and picks the closest,
        // e.g. Double.MIN_VALUE prints as 4.9E-324 rather than 5.0E-324.
        char b2[64];
        auto r2 = std::to_chars(b2, b2 + sizeof(b2), v, std::chars_format::scientific, 1);
        T back{};
        auto pr = std::from_chars(b2, r2.ptr, back);
        if (pr.ec == std::errc() && back == v) {
            sci_digits t = split(b2, r2.ptr);
            if (t.count == 2) return t;
        }
    }
    return s;
}

template <class T>
size_t format(T v, char* out) {
    char* o = out;
    if (std::isnan(v)) {
        std::memcpy(o, "NaN", 3);
        return 3;
    }
    if (std::signbit(v)) *o++ = '-';
    if (std::isinf(v)) {
        std::memcpy(o, "Infinity", 8);
        return static_cast<size_t>(o + 8 - out);
    }
    if (v == 0) {
        std::memcpy(o, "0.0", 3);
        return static_cast<size_t>(o + 3 - out);
    }
    sci_digits s = shortest(std::fabs(v));
    if (s.exp >= -3 && s.exp < 7) {
        if (s.exp >= 0) {
            int int_len = s.exp + 1;
            for (int i = 0; i < int_len; ++i) *o++ = i < s.count ? s.digits[i] : '0';
            *o++ = '.';
            if (s.count > int_len) {
                for (int i = int_len; i < s.count; ++i) *o++ = s.digits[i];
            } else {
                *o++ = '0';
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -s.exp - 1; ++i) *o++ = '0';
            for (int i = 0; i < s.count; ++i) *o++ = s.digits[i];
        }
    } else {
        *o++ = s.digits[0];
        *o++ = '.';
        if (s.count > 1) {
            for (int i = 1; i < s.count; ++i) *o++ = s.digits[i];
        } else {
            *o++ = '0';
        }
        *o++ = 'E';
        auto r = std::to_chars(o, o + 8, s.exp);
        o = r.ptr;
    }
    return static_cast<size_t>(o - out);
}

} // namespace

size_t java_double_to_chars(double d, char* buf) { return format(d, buf); }
size_t java_float_to_chars(float f, char* buf) { return format(f, buf); }

std::string java_double_to_string(double d) {
    char buf[java_number_chars];
    return std::string(buf, format(d, buf));
}

std::string java_float_to_string(float f) {
    char buf[java_number_chars];
    return std::string(buf, format(f, buf));
}

} // namespace ferry
