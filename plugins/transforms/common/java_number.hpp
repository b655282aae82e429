#pragma once
// Java's number conversions as the transforms use them: the narrowing casts of Number.xxxValue(),
// BigDecimal's, and the String parsers (Byte.parseByte ... Double.parseDouble, new BigDecimal).

#include <cstdint>
#include <optional>
#include <string_view>

namespace ferry::transforms {

// (int) d and (long) d: NaN -> 0, saturating at the type's range, otherwise truncation.
int32_t java_d2i(double d);
int64_t java_d2l(double d);

// Integer.parseInt / Long.parseLong (radix 10): optional sign, digits only, within [min, max].
std::optional<int64_t> java_parse_integer(std::string_view s, int64_t min, int64_t max);
// Double.parseDouble / Float.parseFloat: trimmed, NaN, Infinity, decimal with optional exponent
// and f/F/d/D suffix, hexadecimal floating point.
std::optional<double> java_parse_double(std::string_view s);
std::optional<float> java_parse_float(std::string_view s);

// BigDecimal.longValue() of unscaled * 10^-scale: the low 64 bits of the integer part.
int64_t decimal_long_value(std::string_view unscaled, int32_t scale);
// BigDecimal.doubleValue()/floatValue(): correctly rounded from the exact decimal.
double decimal_double_value(std::string_view unscaled, int32_t scale);
float decimal_float_value(std::string_view unscaled, int32_t scale);
// new BigDecimal(text).longValue() / .doubleValue(); nullopt for NumberFormatException.
std::optional<int64_t> big_decimal_long_value(std::string_view text);
std::optional<double> big_decimal_double_value(std::string_view text);

} // namespace ferry::transforms
