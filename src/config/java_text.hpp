#pragma once
// Java's text rules that configuration parsing depends on: String.trim, Integer/Long/Short.parseInt
// and Double.parseDouble acceptance, Double.toString formatting. Kept apart from config_def so the
// properties parser, providers and tests share one definition.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::config::java {

// String.trim(): drops leading and trailing chars <= U+0020 (control characters included).
std::string_view trim(std::string_view s);

// Integer.parseInt / Long.parseLong / Short.parseShort: optional sign, ASCII digits, in range.
std::optional<int64_t> parse_integer(std::string_view s, int64_t min, int64_t max);

// Double.parseDouble on an already trimmed string: [+-] NaN | Infinity | decimal [eE exp] | hex
// 0x...p exp, each with an optional f/F/d/D suffix. Overflow gives +-Infinity, underflow +-0.
std::optional<double> parse_double(std::string_view s);

// Double.toString: "1.0", "0.001", "1.0E7", "1.0E-4", "NaN", "Infinity", "-0.0".
std::string double_to_string(double d);

// True for the characters of regex \s: space \t \n \x0B \f \r.
inline bool is_regex_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

// Decodes the UTF-8 sequence at s[i] and advances i. Overlong forms, surrogates and bytes that
// start no valid sequence decode as the single byte's Latin-1 value (what Java would have seen
// reading the file as ISO-8859-1), so every byte is consumed exactly once.
uint32_t next_code_point(std::string_view s, size_t& i);

} // namespace ferry::config::java
