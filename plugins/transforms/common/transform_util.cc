#include "plugins/transforms/common/transform_util.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ferry::transforms {

std::string_view java_class_name(const value& v) {
    switch (v.type()) {
    case value::kind::null:
        return "null";
    case value::kind::boolean:
        return "java.lang.Boolean";
    case value::kind::int8:
        return "java.lang.Byte";
    case value::kind::int16:
        return "java.lang.Short";
    case value::kind::int32:
        return "java.lang.Integer";
    case value::kind::int64:
        return "java.lang.Long";
    case value::kind::float32:
        return "java.lang.Float";
    case value::kind::float64:
        return "java.lang.Double";
    case value::kind::string:
        return "java.lang.String";
    case value::kind::bytes:
        return "[B";
    case value::kind::array:
        return "java.util.ArrayList";
    case value::kind::map:
        return "java.util.HashMap";
    case value::kind::struct_:
        return "org.apache.kafka.connect.data.Struct";
    }
    return "null";
}

std::string java_class(const value& v) {
    if (v.is_null()) return "null";
    return fmt::format("class {}", java_class_name(v));
}

value::map_type& require_map(value& v, std::string_view purpose) {
    if (v.type() != value::kind::map)
        throw data_error(fmt::format("Only Map objects supported in absence of schema for [{}], found: {}", purpose,
                                     java_class_name(v)));
    return v.as_map();
}

const value::map_type& require_map(const value& v, std::string_view purpose) {
    return require_map(const_cast<value&>(v), purpose);
}

const struct_ptr& require_struct(const value& v, std::string_view purpose) {
    if (v.type() != value::kind::struct_ || !v.as_struct())
        throw data_error(fmt::format("Only Struct objects supported for [{}], found: {}", purpose, java_class_name(v)));
    return v.as_struct();
}

std::string_view record_class_name(const connect_record& r) {
    return r.kafka_offset() ? "org.apache.kafka.connect.sink.SinkRecord"
                            : "org.apache.kafka.connect.source.SourceRecord";
}

void require_sink_record(const connect_record& r, std::string_view purpose) {
    if (!r.kafka_offset())
        throw data_error(fmt::format("Only SinkRecord supported for [{}], found: {}", purpose, record_class_name(r)));
}

void require_schema(const schema_ptr& s, std::string_view purpose) {
    if (!s) throw data_error(fmt::format("Schema required for [{}]", purpose));
}

namespace {

std::string schema_text(const schema_ptr& s) {
    return s ? s->to_string() : "null";
}

std::string_view timestamp_type_name(timestamp_type t) {
    switch (t) {
    case timestamp_type::create_time:
        return "CreateTime";
    case timestamp_type::log_append_time:
        return "LogAppendTime";
    default:
        return "NoTimestampType";
    }
}

} // namespace

std::string record_to_string(const connect_record& r) {
    std::string out;
    if (auto sink = dynamic_cast<const sink_record*>(&r)) {
        out = fmt::format("SinkRecord{{kafkaOffset={}, timestampType={}, originalTopic={}, originalKafkaPartition={}, "
                          "originalKafkaOffset={}}} ",
                          sink->offset, timestamp_type_name(sink->ts_type),
                          sink->original_topic.empty() ? r.topic : sink->original_topic,
                          sink->original_partition >= 0
                              ? std::to_string(sink->original_partition)
                              : (r.kafka_partition ? std::to_string(*r.kafka_partition) : "null"),
                          sink->offset);
    } else if (auto source = dynamic_cast<const source_record*>(&r)) {
        out = fmt::format("SourceRecord{{sourcePartition={}, sourceOffset={}}} ",
                          to_java_string(source->source_partition), to_java_string(source->source_offset));
    }
    std::string headers;
    if (!r.headers.empty()) {
        headers = "[";
        bool first = true;
        for (const auto& h : r.headers) {
            if (!first) headers += ", ";
            first = false;
            headers += fmt::format("ConnectHeader(key={}, value={}, schema={})", h.key, to_java_string(h.schema, h.val),
                                   schema_text(h.schema));
        }
        headers += "]";
    }
    out += fmt::format("ConnectRecord{{topic='{}', kafkaPartition={}, key={}, keySchema={}, value={}, valueSchema={}, "
                       "timestamp={}, headers=ConnectHeaders(headers={})}}",
                       r.topic, r.kafka_partition ? std::to_string(*r.kafka_partition) : "null",
                       to_java_string(r.key_schema, r.key), schema_text(r.key_schema),
                       to_java_string(r.value_schema, r.val), schema_text(r.value_schema),
                       r.timestamp ? std::to_string(*r.timestamp) : "null", headers);
    return out;
}

schema_builder& copy_schema_basics(const schema& source, schema_builder& builder) {
    if (source.name()) builder.name(*source.name());
    if (source.version()) builder.version(*source.version());
    if (source.doc()) builder.doc(*source.doc());
    for (const auto& [k, v] : source.parameters())
        builder.parameter(k, v);
    return builder;
}

schema_builder copy_schema_basics(const schema& source) {
    schema_builder b = source.type() == schema_type::array && source.value_schema()
                           ? schema_builder::array(source.value_schema())
                           : schema_builder(source.type());
    copy_schema_basics(source, b);
    return b;
}

std::vector<std::string> java_split(std::string_view s, char sep) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            parts.emplace_back(s.substr(start));
            break;
        }
        parts.emplace_back(s.substr(start, p - start));
        start = p + 1;
    }
    if (s.empty()) return parts; // [""]
    while (!parts.empty() && parts.back().empty())
        parts.pop_back();
    return parts;
}

std::string_view java_trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && static_cast<unsigned char>(s[b]) <= ' ')
        ++b;
    while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ')
        --e;
    return s.substr(b, e - b);
}

config::config_key key_replace_null_with_default() {
    return {.name = "replace.null.with.default",
            .type = config::config_type::boolean,
            .def = "true",
            .imp = config::importance::medium,
            .doc = "Whether to replace fields that have a default value and that are null to the default value. When "
                   "set to true, the default value is used, otherwise null is used."};
}

} // namespace ferry::transforms
