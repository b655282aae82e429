#pragma once
// StringConverter (org.apache.kafka.connect.storage.StringConverter), also a header converter.
// Writes the value's Java toString() in converter.encoding; reads bytes as an optional string.
// Encodings: UTF-8 (default), US-ASCII and ISO-8859-1, with Java's replacement of what they
// cannot represent; any other name is a config_error.

#include "ferry/convert/converter.hpp"
#include "plugins/converters/common/java_charset.hpp"

namespace ferry::converters {

class string_converter final : public converter, public header_converter {
public:
    static const ferry::config::config_def& definition();

    void configure(const ferry::config::config_map& props, bool is_key) override;
    void configure(const ferry::config::config_map& props) override;
    const ferry::config::config_def& config() const override { return definition(); }

    bool from_connect(std::string_view topic, ferry::headers& headers, const schema_ptr& schema, const value& v,
                      std::string& out) override;
    schema_and_value to_connect(std::string_view topic, const ferry::headers& headers, nullable_bytes data) override;
    bool from_connect_header(std::string_view topic, std::string_view header_key, const schema_ptr& schema,
                             const value& v, std::string& out) override;
    schema_and_value to_connect_header(std::string_view topic, std::string_view header_key,
                                       nullable_bytes data) override;

private:
    void apply(const ferry::config::config_map& props);
    charset _charset = charset::utf8;
};

} // namespace ferry::converters
