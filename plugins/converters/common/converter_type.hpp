#pragma once
// ConverterConfig's "converter.type" key (key | value | header), which every Kafka converter
// declares and which configure() fills in from the converter's role, as Java does.

#include "ferry/config/config_def.hpp"

#include <string>

namespace ferry::converters {

inline config::config_key converter_type_key() {
    return {.name = "converter.type",
            .type = config::config_type::string,
            .def = config::no_default,
            .valid = config::validators::one_of({"key", "value", "header"}),
            .imp = config::importance::low,
            .doc = "How this converter will be used."};
}

// The configuration a converter parses: its own keys plus converter.type for its role.
inline config::config_map with_converter_type(const config::config_map& props, const char* type, bool override_type) {
    config::config_map p = props;
    if (override_type || !p.count("converter.type")) p["converter.type"] = type;
    return p;
}

} // namespace ferry::converters
