#pragma once
// How the topic browser shows a record's key or value: as JSON, Avro (Confluent wire format,
// schema from the registry), a string or hex, chosen by the caller or detected ("auto").

#include "base/error.hpp"
#include "base/json_writer.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::rest::ui {

enum class payload_format { auto_detect, json, avro, string, hex };

std::optional<payload_format> parse_payload_format(std::string_view s);

// A schema from the registry: its type (AVRO, JSON, PROTOBUF) and text.
struct registered_schema {
    std::string type = "AVRO";
    std::string schema;
};
// Fetches a schema by its global id; empty function = no registry configured.
using schema_lookup = std::function<result<registered_schema>(int32_t id)>;

// Larger payloads are cut to this many bytes (and say so).
inline constexpr size_t max_payload_shown = 256 * 1024;

// Writes one object: {"format":"null"|"json"|"avro"|"string"|"hex","size":N, then
// "json":<value> (json, avro) | "text":"..." (string) | "hex":"..." (hex), "schema_id":N (avro),
// "truncated":true when cut, "error":"..." when the asked-for format did not fit (then hex)}.
void write_payload(json_writer& w, std::optional<std::string_view> bytes, payload_format f, const schema_lookup& lookup);

bool valid_utf8(std::string_view s);
std::string to_hex(std::string_view b);

} // namespace ferry::rest::ui
