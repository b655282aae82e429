#pragma once
// A minimal Java .properties reader for broker.properties (key=value or key:value or key value,
// '#'/'!' comments, backslash line continuations and escapes). The broker depends on base only,
// so it carries its own instead of using src/config's.

#include "base/error.hpp"

#include <map>
#include <string>
#include <string_view>

namespace ferry::broker {

std::map<std::string, std::string> parse_properties(std::string_view text);
result<std::map<std::string, std::string>> read_properties_file(const std::string& path);

} // namespace ferry::broker
