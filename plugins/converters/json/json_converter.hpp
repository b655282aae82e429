#pragma once
// JsonConverter: org.apache.kafka.connect.json.JsonConverter, byte for byte.
//
// Writing (from_connect) renders compact JSON exactly as Jackson renders Java's JsonNode tree:
// the envelope {"schema":...,"payload":...} when schemas.enable=true, the bare payload otherwise;
// schema JSON with the field order type, (items | keys, values | fields), optional, name, version,
// doc, parameters, default; numbers as Java prints them (1.0, 1.0E10; NaN and infinities as the
// strings "NaN", "Infinity"); bytes and BASE64 decimals as base64; strings escaped like Jackson
// (\" \\ \b \f \n \r \t, other control characters \u00XX, everything else verbatim). Nothing is
// built in between: bytes go straight into the caller's buffer, and the JSON of each schema is
// rendered once and cached (LRU of schemas.cache.size entries, keyed by schema structure, with a
// pointer-keyed front so the usual "same schema object again" costs one comparison).
//
// Reading (to_connect) uses simdjson's on-demand parser over a reused padded copy of the input.
// The schema object's text is looked up in a second LRU before anything is parsed, so a stream
// of records with the same schema parses the schema once; when a record starts with the previous
// record's schema text, byte for byte, only its payload is parsed at all. Numbers are read from
// their text, so NUMERIC decimals keep every digit and leading zeros ("0012") are accepted as
// Jackson is configured to accept them. Integers are narrowed as Java narrows them (low bits
// kept). Nesting deeper than Jackson's limit (1000) is rejected, which also bounds stack use.
//
// Deliberate differences from Java, all of them for data Java would silently mangle: a JSON
// value of the wrong kind (a string where the schema says INT32, a number for a STRING) is a
// data_error naming the field instead of Jackson's 0/false/null; a Decimal read at a scale lower
// than its text's is rescaled, or rejected when digits would be lost. Values are in their
// physical form (value.hpp): a Decimal is bytes, a Date an int32, and so on.
//
// Threading: one instance per task, as every converter (see converter.hpp); no locks.

#include "ferry/convert/converter.hpp"

#include <memory>

namespace ferry::json {

class json_converter final : public converter, public header_converter {
public:
    json_converter();
    ~json_converter() override;
    json_converter(const json_converter&) = delete;
    json_converter& operator=(const json_converter&) = delete;

    static const ferry::config::config_def& definition();

    void configure(const ferry::config::config_map& props, bool is_key) override;
    void configure(const ferry::config::config_map& props) override; // as a header converter
    const ferry::config::config_def& config() const override { return definition(); }

    bool from_connect(std::string_view topic, ferry::headers& headers, const schema_ptr& schema, const value& v,
                      std::string& out) override;
    schema_and_value to_connect(std::string_view topic, const ferry::headers& headers, nullable_bytes data) override;

    bool from_connect_header(std::string_view topic, std::string_view header_key, const schema_ptr& schema,
                             const value& v, std::string& out) override;
    schema_and_value to_connect_header(std::string_view topic, std::string_view header_key,
                                       nullable_bytes data) override;

    // Java's asJsonSchema / asConnectSchema (through the caches).
    std::string schema_to_json(const schema_ptr& s);
    schema_ptr schema_from_json(std::string_view json);

    // For tests: entries in each schema cache.
    size_t from_connect_schema_cache_size() const;
    size_t to_connect_schema_cache_size() const;

private:
    void apply(const ferry::config::config_map& props);
    struct impl;
    std::unique_ptr<impl> _impl;
};

} // namespace ferry::json
