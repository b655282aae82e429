#pragma once
// ByteArrayConverter (org.apache.kafka.connect.converters.ByteArrayConverter), also a header
// converter: bytes pass through untouched; the schema must be BYTES or absent.

#include "ferry/convert/converter.hpp"

namespace ferry::converters {

class byte_array_converter final : public converter, public header_converter {
public:
    static const ferry::config::config_def& definition();

    void configure(const ferry::config::config_map&, bool) override {}
    void configure(const ferry::config::config_map&) override {}
    const ferry::config::config_def& config() const override { return definition(); }

    bool from_connect(std::string_view topic, ferry::headers& headers, const schema_ptr& schema, const value& v,
                      std::string& out) override;
    schema_and_value to_connect(std::string_view topic, const ferry::headers& headers, nullable_bytes data) override;
    bool from_connect_header(std::string_view topic, std::string_view header_key, const schema_ptr& schema,
                             const value& v, std::string& out) override;
    schema_and_value to_connect_header(std::string_view topic, std::string_view header_key,
                                       nullable_bytes data) override;
};

} // namespace ferry::converters
