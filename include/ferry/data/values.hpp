#pragma once
// org.apache.kafka.connect.data.Values: the text form of Connect values that
// SimpleHeaderConverter writes, and the type inference that reads such text back.
//
// Both follow Java to the character, quirks included: strings embedded in lists, maps and structs
// are quoted with only '"' and '\' escaped (and never unescaped when read back); temporal values
// print as a time when the instant is before 1970-01-02, as a date when it is midnight and as a
// timestamp otherwise; numbers parse to the smallest integer type that holds them, then FLOAT32,
// FLOAT64 or a Decimal; text that does not parse is a STRING. Values are in their physical form
// (value.hpp), so logical types are read from the schema. Time zone: UTC.

#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ferry::values {

struct typed_value {
    schema_ptr schema;
    value val;
};

// Values.convertToString. nullopt for a null value.
std::optional<std::string> convert_to_string(const schema_ptr& s, const value& v);

// Values.parseString. The literal "null" gives a null schema and value; "" gives an empty STRING.
// Throws data_error only for input Java also rejects outright (which is none in practice: text
// that is not a list, map, number, boolean or temporal value is a STRING).
typed_value parse_string(std::string_view text);

} // namespace ferry::values
