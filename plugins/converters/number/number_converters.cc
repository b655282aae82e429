#include "plugins/converters/number/number_converters.hpp"

#include "ferry/connect/errors.hpp"
#include "plugins/converters/common/converter_type.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>

namespace ferry::converters {

namespace {

struct kind_info {
    const char* type_name;    // NumberConverter's typeName
    const char* deserializer; // as named in Kafka's size error
    size_t width;
    value::kind kind;
};

kind_info info_of(number_kind k) {
    switch (k) {
    case number_kind::int16: return {"short", "ShortDeserializer", 2, value::kind::int16};
    case number_kind::int32: return {"integer", "IntegerDeserializer", 4, value::kind::int32};
    case number_kind::int64: return {"long", "LongDeserializer", 8, value::kind::int64};
    case number_kind::float32: return {"float", "Deserializer", 4, value::kind::float32};
    case number_kind::float64: return {"double", "Deserializer", 8, value::kind::float64};
    case number_kind::boolean: return {"boolean", "BooleanDeserializer", 1, value::kind::boolean};
    }
    return {};
}

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
    case value::kind::bytes: return "class [B";
    case value::kind::array: return "class java.util.ArrayList";
    case value::kind::map: return "class java.util.HashMap";
    case value::kind::struct_: return "class org.apache.kafka.connect.data.Struct";
    default: return "null";
    }
}

void put_be(std::string& out, uint64_t bits, size_t width) {
    for (size_t i = 0; i < width; ++i) out.push_back(static_cast<char>(bits >> (8 * (width - 1 - i))));
}

uint64_t get_be(std::string_view b) {
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
    return v;
}

} // namespace

const config::config_def& number_converter::definition() {
    static const config::config_def d = config::config_def().define(converter_type_key());
    return d;
}

void number_converter::configure(const config::config_map& props, bool is_key) {
    definition().parse(with_converter_type(props, is_key ? "key" : "value", true));
}

void number_converter::configure(const config::config_map& props) {
    definition().parse(with_converter_type(props, "header", false));
}

bool number_converter::from_connect(std::string_view, ferry::headers&, const schema_ptr& schema, const value& v,
                                    std::string& out) {
    out.clear();
    kind_info ki = info_of(_kind);
    if (_kind == number_kind::boolean && schema && schema->type() != schema_type::boolean)
        throw data_error(fmt::format("Invalid schema type for BooleanConverter: {}", type_name(schema->type())));
    if (v.is_null()) return false;
    if (v.type() != ki.kind) {
        if (_kind == number_kind::boolean)
            throw data_error(fmt::format("BooleanConverter is not compatible with objects of type {}", java_class_of(v.type())));
        throw data_error(fmt::format("Failed to serialize to {} (was {}): ", ki.type_name, java_class_of(v.type())));
    }
    switch (_kind) {
    case number_kind::int16: put_be(out, static_cast<uint16_t>(v.as_int16()), 2); break;
    case number_kind::int32: put_be(out, static_cast<uint32_t>(v.as_int32()), 4); break;
    case number_kind::int64: put_be(out, static_cast<uint64_t>(v.as_int64()), 8); break;
    case number_kind::float32: put_be(out, std::bit_cast<uint32_t>(v.as_float32()), 4); break; // floatToRawIntBits
    case number_kind::float64: {
        double d = v.as_float64();
        uint64_t bits = std::isnan(d) ? 0x7ff8000000000000ULL : std::bit_cast<uint64_t>(d); // doubleToLongBits
        put_be(out, bits, 8);
        break;
    }
    case number_kind::boolean: out.push_back(v.as_bool() ? '\x01' : '\x00'); break;
    }
    return true;
}

schema_and_value number_converter::to_connect(std::string_view, const ferry::headers&, nullable_bytes data) {
    kind_info ki = info_of(_kind);
    schema_type st = _kind == number_kind::int16   ? schema_type::int16
                     : _kind == number_kind::int32 ? schema_type::int32
                     : _kind == number_kind::int64 ? schema_type::int64
                     : _kind == number_kind::float32 ? schema_type::float32
                     : _kind == number_kind::float64 ? schema_type::float64
                                                     : schema_type::boolean;
    const schema_ptr& schema = schemas::of(st, true);
    if (!data) return {schema, value()};
    if (data->size() != ki.width) {
        throw data_error(fmt::format("Failed to deserialize {}: Size of data received by {} is not {}", ki.type_name,
                                     ki.deserializer, ki.width));
    }
    uint64_t bits = get_be(*data);
    switch (_kind) {
    case number_kind::int16: return {schema, value(static_cast<int16_t>(bits))};
    case number_kind::int32: return {schema, value(static_cast<int32_t>(bits))};
    case number_kind::int64: return {schema, value(static_cast<int64_t>(bits))};
    case number_kind::float32: return {schema, value(std::bit_cast<float>(static_cast<uint32_t>(bits)))};
    case number_kind::float64: return {schema, value(std::bit_cast<double>(bits))};
    case number_kind::boolean:
        if (bits > 1)
            throw data_error(fmt::format("Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: {}",
                                         static_cast<int>(static_cast<int8_t>(bits))));
        return {schema, value(bits == 1)};
    }
    return {schema, value()};
}

bool number_converter::from_connect_header(std::string_view topic, std::string_view, const schema_ptr& schema,
                                           const value& v, std::string& out) {
    ferry::headers none;
    return from_connect(topic, none, schema, v, out);
}

schema_and_value number_converter::to_connect_header(std::string_view topic, std::string_view, nullable_bytes data) {
    return to_connect(topic, ferry::headers(), data);
}

} // namespace ferry::converters
