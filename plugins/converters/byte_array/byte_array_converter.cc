#include "plugins/converters/byte_array/byte_array_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "plugins/converters/common/converter_type.hpp"

#include <fmt/format.h>

namespace ferry::converters {

namespace {
std::string_view java_class_of(value::kind k) {
    switch (k) {
    case value::kind::boolean: return "class java.lang.Boolean";
    case value::kind::int8: return "class java.lang.Byte";
    case value::kind::int16: return "class java.lang.Short";
    case value::kind::int32: return "class java.lang.Integer";
    case value::kind::int64: return "class java.lang.Long";
    case value::kind::float32: return "class java.lang.Float";
    case value::kind::float64: return "class java.lang.Double";
    case value::kind::string: return "class java.lang.String";
    case value::kind::array: return "class java.util.ArrayList";
    case value::kind::map: return "class java.util.HashMap";
    case value::kind::struct_: return "class org.apache.kafka.connect.data.Struct";
    default: return "class [B";
    }
}
} // namespace

const config::config_def& byte_array_converter::definition() {
    static const config::config_def d = config::config_def().define(converter_type_key());
    return d;
}

bool byte_array_converter::from_connect(std::string_view, ferry::headers&, const schema_ptr& schema, const value& v,
                                        std::string& out) {
    out.clear();
    if (schema && schema->type() != schema_type::bytes)
        throw data_error(fmt::format("Invalid schema type for ByteArrayConverter: {}", type_name(schema->type())));
    if (v.is_null()) return false;
    if (v.type() != value::kind::bytes)
        throw data_error(fmt::format("ByteArrayConverter is not compatible with objects of type {}", java_class_of(v.type())));
    out.assign(v.as_bytes());
    return true;
}

schema_and_value byte_array_converter::to_connect(std::string_view, const ferry::headers&, nullable_bytes data) {
    if (!data) return {schemas::optional_bytes(), value()};
    return {schemas::optional_bytes(), value::bytes(std::string(*data))};
}

bool byte_array_converter::from_connect_header(std::string_view topic, std::string_view, const schema_ptr& schema,
                                               const value& v, std::string& out) {
    ferry::headers none;
    return from_connect(topic, none, schema, v, out);
}

schema_and_value byte_array_converter::to_connect_header(std::string_view topic, std::string_view, nullable_bytes data) {
    return to_connect(topic, ferry::headers(), data);
}

} // namespace ferry::converters
