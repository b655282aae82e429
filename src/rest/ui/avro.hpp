#pragma once
// A small generic Avro binary decoder for the topic browser: bytes + writer schema (JSON text) ->
// JSON text. Unions are unwrapped (the branch's value, not {"type": value}), bytes and fixed are
// strings of code points 0-255 (Avro's JSON encoding), logical types keep their underlying value
// except decimals, which become decimal strings when they fit in 64 bits.
//
// It reads what a peek needs to show, not a codec for the data path (that is the AvroConverter's):
// no schema resolution against a reader schema, and every read is bounds-checked so that any
// bytes give either JSON or an error.

#include "base/error.hpp"

#include <string>
#include <string_view>

namespace ferry::rest::ui {

result<std::string> avro_to_json(std::string_view schema_json, std::string_view data);

} // namespace ferry::rest::ui
