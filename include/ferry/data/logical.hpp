#pragma once
// Connect's logical types (org.apache.kafka.connect.data.{Decimal,Date,Time,Timestamp}) and
// helpers to move between their physical form (value.hpp) and the forms people and databases use.

#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::logical {

inline constexpr std::string_view decimal_name = "org.apache.kafka.connect.data.Decimal";
inline constexpr std::string_view date_name = "org.apache.kafka.connect.data.Date";
inline constexpr std::string_view time_name = "org.apache.kafka.connect.data.Time";
inline constexpr std::string_view timestamp_name = "org.apache.kafka.connect.data.Timestamp";
inline constexpr std::string_view decimal_scale_param = "scale";
inline constexpr std::string_view decimal_precision_param = "connect.decimal.precision";

// Decimal.builder(scale): BYTES, name Decimal, version 1, parameter scale.
schema_builder decimal_builder(int32_t scale);
schema_ptr decimal_schema(int32_t scale, bool optional = false);
schema_builder date_builder();      // INT32, name Date, version 1
schema_builder time_builder();      // INT32, name Time, version 1
schema_builder timestamp_builder(); // INT64, name Timestamp, version 1
schema_ptr date_schema(bool optional = false);
schema_ptr time_schema(bool optional = false);
schema_ptr timestamp_schema(bool optional = false);

// The scale of a Decimal schema; throws data_error when the parameter is missing or invalid.
int32_t decimal_scale(const schema& s);

// Decimal <-> text. `unscaled` is big-endian two's complement (Java BigInteger.toByteArray()).
// to_string gives BigDecimal.toPlainString() (no exponent), e.g. "-12.50".
std::string decimal_to_string(std::string_view unscaled, int32_t scale);
// Parses "123.45", "-0.5", "1e3"; rescales to `scale` (throws data_error if digits would be lost).
std::string decimal_from_string(std::string_view text, int32_t scale);
// BigDecimal.toString(): plain unless the exponent is large, e.g. "1.56", "1E-10", "1.2E+3".
// This is what JsonConverter writes for decimal.format=NUMERIC.
std::string decimal_to_java_string(std::string_view unscaled, int32_t scale);
// Java's new BigDecimal(text): the unscaled value (two's complement bytes) and the scale implied
// by the text ("1.50" -> 150, 2; "1e3" -> 1, -3). nullopt when `text` is not a number.
struct decimal_value {
    std::string unscaled;
    int32_t scale = 0;
};
std::optional<decimal_value> parse_decimal(std::string_view text);
// Minimal two's-complement bytes of an integer, as BigInteger.toByteArray().
std::string decimal_from_int64(int64_t unscaled);
// The unscaled value when it fits in int64.
std::optional<int64_t> decimal_to_int64(std::string_view unscaled);
// BigDecimal.doubleValue()-like conversion (may round).
double decimal_to_double(std::string_view unscaled, int32_t scale);

// Civil date helpers (proleptic Gregorian, UTC).
struct civil_date { int32_t year; uint32_t month; uint32_t day; };
int32_t days_from_civil(civil_date d);
civil_date civil_from_days(int32_t days);

// Formats as SimpleHeaderConverter/Values does: yyyy-MM-dd, HH:mm:ss.SSS'Z', yyyy-MM-dd'T'HH:mm:ss.SSS'Z'.
std::string format_date(int32_t days);
std::string format_time(int32_t millis_of_day);
std::string format_timestamp(int64_t epoch_millis);
// java.util.Date.toString() in UTC: "Thu Jan 01 00:00:00 UTC 1970".
std::string format_java_date(int64_t epoch_millis);

} // namespace ferry::logical
