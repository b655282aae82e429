#include "plugins/converters/simple_header/simple_header_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/values.hpp"
#include "plugins/converters/common/java_charset.hpp"

namespace ferry::converters {

const config::config_def& simple_header_converter::definition() {
    static const config::config_def d;
    return d;
}

bool simple_header_converter::from_connect_header(std::string_view, std::string_view, const schema_ptr& schema,
                                                  const value& v, std::string& out) {
    out.clear();
    auto text = values::convert_to_string(schema, v);
    if (!text) return false;
    encode(*text, charset::utf8, out);
    return true;
}

schema_and_value simple_header_converter::to_connect_header(std::string_view, std::string_view, nullable_bytes data) {
    if (!data) return {};
    try {
        values::typed_value parsed = values::parse_string(decode(*data, charset::utf8));
        return {std::move(parsed.schema), std::move(parsed.val)};
    } catch (const std::exception&) {
        // Java logs and keeps the raw bytes when parsing fails in an unexpected way.
        return {schemas::bytes(), value::bytes(std::string(*data))};
    }
}

} // namespace ferry::converters
