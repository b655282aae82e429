#pragma once
// Base64 with the standard alphabet and padding: what java.util.Base64.getEncoder() and Jackson's
// default variant write, so bytes in JSON and in header strings match Kafka Connect's exactly.

#include <optional>
#include <string>
#include <string_view>

namespace ferry {

// Appends the encoding of `in` to `out`.
void base64_encode(std::string_view in, std::string& out);
std::string base64_encode(std::string_view in);

// Decodes as Jackson reads a JSON string as binary: whitespace between 4-character groups is
// skipped, padding is required. nullopt when the text is not valid base64.
std::optional<std::string> base64_decode(std::string_view in);

} // namespace ferry
