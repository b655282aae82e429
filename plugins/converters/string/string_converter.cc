#include "plugins/converters/string/string_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "plugins/converters/common/converter_type.hpp"

namespace ferry::converters {

const config::config_def& string_converter::definition() {
    using namespace ferry::config;
    static const config_def d = config_def().define(converter_type_key()).define({
        .name = "converter.encoding",
        .type = config_type::string,
        .def = "UTF-8",
        .imp = importance::high,
        .doc = "The name of the Java character set to use for encoding strings as byte arrays.",
        .order = -1,
        .w = width::medium,
        .display_name = "Encoding",
    });
    return d;
}

void string_converter::apply(const config::config_map& props) {
    config::config_values v = definition().parse(props);
    const std::string& name = v.get_string("converter.encoding");
    auto cs = charset_for_name(name);
    if (!cs)
        throw config_error("Invalid value " + name +
                           " for configuration converter.encoding: Ferry's StringConverter supports UTF-8, US-ASCII "
                           "and ISO-8859-1");
    _charset = *cs;
}

void string_converter::configure(const config::config_map& props, bool is_key) {
    apply(with_converter_type(props, is_key ? "key" : "value", true));
}

void string_converter::configure(const config::config_map& props) {
    apply(with_converter_type(props, "header", false));
}

bool string_converter::from_connect(std::string_view, ferry::headers&, const schema_ptr& schema, const value& v,
                                    std::string& out) {
    out.clear();
    if (v.is_null()) return false;
    if (v.type() == value::kind::string && _charset == charset::utf8) {
        encode(v.as_string(), _charset, out);
        return true;
    }
    encode(to_java_string(schema, v), _charset, out);
    return true;
}

schema_and_value string_converter::to_connect(std::string_view, const ferry::headers&, nullable_bytes data) {
    if (!data) return {schemas::optional_string(), value()};
    return {schemas::optional_string(), value(decode(*data, _charset))};
}

bool string_converter::from_connect_header(std::string_view topic, std::string_view, const schema_ptr& schema,
                                           const value& v, std::string& out) {
    ferry::headers none;
    return from_connect(topic, none, schema, v, out);
}

schema_and_value string_converter::to_connect_header(std::string_view topic, std::string_view, nullable_bytes data) {
    return to_connect(topic, ferry::headers(), data);
}

} // namespace ferry::converters
