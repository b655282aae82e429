#pragma once
// Schemaless Connect values <-> JSON for REST bodies (offsets API): integers become int64 and
// other numbers float64 when read, as Kafka Connect's JsonConverter does without schemas.

#include "ferry/data/value.hpp"
#include "rest/json_writer.hpp"

#include <rapidjson/document.h>

namespace ferry::rest {

void write_value(json_writer& w, const value& v);
value read_value(const rapidjson::Value& j);

} // namespace ferry::rest
