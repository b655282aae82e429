#pragma once
// SimpleHeaderConverter (org.apache.kafka.connect.storage.SimpleHeaderConverter), the default
// header converter. Writes Values.convertToString of the header value in UTF-8; reads UTF-8 text
// through Values.parseString, which infers booleans, the smallest integer type, floats, decimals,
// lists, maps and ISO dates/times/timestamps, and otherwise keeps the text as a STRING (see
// ferry/data/values.hpp). Text that cannot be decoded at all falls back to BYTES.

#include "ferry/convert/converter.hpp"

namespace ferry::converters {

class simple_header_converter final : public header_converter {
public:
    static const ferry::config::config_def& definition();

    void configure(const ferry::config::config_map&) override {}
    const ferry::config::config_def& config() const override { return definition(); }

    bool from_connect_header(std::string_view topic, std::string_view header_key, const schema_ptr& schema,
                             const value& v, std::string& out) override;
    schema_and_value to_connect_header(std::string_view topic, std::string_view header_key,
                                       nullable_bytes data) override;
};

} // namespace ferry::converters
