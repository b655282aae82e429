#pragma once
// Standard base64 (RFC 4648, padded), as Java's Base64.getEncoder()/getDecoder().

#include <optional>
#include <string>
#include <string_view>

namespace ferry::base64 {

std::string encode(std::string_view in);
void encode_append(std::string_view in, std::string& out);
// nullopt on invalid input.
std::optional<std::string> decode(std::string_view in);

} // namespace ferry::base64
