// libFuzzer target: connector-file parsing (JSON map, JSON request, properties fallback).

#include "config/connector_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ferry::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto def = parse_connector_definition(text, "fuzz.json");
    if (!def) {
        if (def.error().message.find("fuzz.json") == std::string::npos) __builtin_trap();
        return 0;
    }
    // Every accepted definition carries its name in the config.
    auto it = def->config.find("name");
    if (it == def->config.end() || it->second != def->name) __builtin_trap();
    return 0;
}
