#pragma once
// Converters turn Connect data (schema + value) into the bytes stored in Kafka and back.
// A worker or connector configures one for keys, one for values and a header converter.
//
// Threading: a converter instance belongs to one task and is only called from its thread, so it
// may keep caches and scratch buffers without locks. Hot path: from_connect() appends into a
// caller-owned buffer so that a batch reuses memory instead of allocating per record.
//
// Errors: throw data_error for data that cannot be converted (the runtime applies
// errors.tolerance and names connector, task, topic/partition/offset in the report).

#include "ferry/config/config_def.hpp"
#include "ferry/connect/record.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ferry {

struct schema_and_value {
    schema_ptr schema;
    value val;
};

// Kafka's nullable byte arrays.
using nullable_bytes = std::optional<std::string_view>;

class converter {
public:
    virtual ~converter() = default;
    // `config` holds the converter's own keys (prefix such as "value.converter." already removed).
    virtual void configure(const config::config_map& config, bool is_key) = 0;
    virtual const config::config_def& config() const = 0;
    // Serializes into `out` (cleared first). Returns false for null (a tombstone), true otherwise.
    virtual bool from_connect(std::string_view topic, ferry::headers& headers, const schema_ptr& schema,
                              const value& v, std::string& out) = 0;
    virtual schema_and_value to_connect(std::string_view topic, const ferry::headers& headers, nullable_bytes data) = 0;
};

class header_converter {
public:
    virtual ~header_converter() = default;
    virtual void configure(const config::config_map& config) = 0;
    virtual const config::config_def& config() const = 0;
    // Returns false for a null header value.
    virtual bool from_connect_header(std::string_view topic, std::string_view header_key, const schema_ptr& schema,
                                     const value& v, std::string& out) = 0;
    virtual schema_and_value to_connect_header(std::string_view topic, std::string_view header_key, nullable_bytes data) = 0;
};

} // namespace ferry
