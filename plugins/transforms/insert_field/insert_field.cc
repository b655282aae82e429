#include "plugins/transforms/insert_field/insert_field.hpp"

#include "ferry/data/logical.hpp"

#include <fmt/format.h>

namespace ferry::transforms {

using namespace config;

namespace {

constexpr std::string_view purpose = "field insertion";
const std::string optionality_doc =
    "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";

config_key string_key(const char* name, std::string doc) {
    return {.name = name,
            .type = config_type::string,
            .def = null_default,
            .imp = importance::medium,
            .doc = std::move(doc)};
}

void put_map(value::map_type& m, const std::string& key, value v) {
    for (auto& [k, e] : m)
        if (k.type() == value::kind::string && k.as_string() == key) {
            e = std::move(v);
            return;
        }
    m.emplace_back(value(key), std::move(v));
}

} // namespace

const config_def& insert_field::definition() {
    static const config_def d =
        config_def()
            .define(string_key("topic.field", "Field name for Kafka topic. " + optionality_doc))
            .define(string_key("partition.field", "Field name for Kafka partition. " + optionality_doc))
            .define(
                string_key("offset.field",
                           "Field name for Kafka offset - only applicable to sink connectors.<br/>" + optionality_doc))
            .define(string_key("timestamp.field", "Field name for record timestamp. " + optionality_doc))
            .define(string_key("static.field", "Field name for static data field. " + optionality_doc))
            .define(string_key("static.value", "Static field value, if field name configured."))
            .define(key_replace_null_with_default());
    return d;
}

std::optional<insert_field::spec> insert_field::parse_spec(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    if (s->ends_with('?')) return spec{s->substr(0, s->size() - 1), true};
    if (s->ends_with('!')) return spec{s->substr(0, s->size() - 1), false};
    return spec{*s, true};
}

void insert_field::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _topic = parse_spec(cfg.get_string_opt("topic.field"));
    _partition = parse_spec(cfg.get_string_opt("partition.field"));
    _offset = parse_spec(cfg.get_string_opt("offset.field"));
    _timestamp = parse_spec(cfg.get_string_opt("timestamp.field"));
    _static = parse_spec(cfg.get_string_opt("static.field"));
    _static_value = cfg.get_string_opt("static.value");
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    if (!_topic && !_partition && !_offset && !_timestamp && !_static)
        throw config_error("No field insertion configured");
    if (_static && !_static_value)
        throw config_error(
            invalid_value("static.value", std::monostate{}, "No value specified for static field: " + _static->name));
    _cache.clear();
}

schema_ptr insert_field::make_updated_schema(const schema& s) const {
    schema_builder b = schema_builder::struct_();
    copy_schema_basics(s, b);
    for (const auto& f : s.fields())
        b.field(f.name, f.schema);
    if (_topic) b.field(_topic->name, _topic->optional ? schemas::optional_string() : schemas::string());
    if (_partition) b.field(_partition->name, _partition->optional ? schemas::optional_int32() : schemas::int32());
    if (_offset) b.field(_offset->name, _offset->optional ? schemas::optional_int64() : schemas::int64());
    if (_timestamp) {
        static const schema_ptr optional_ts = logical::timestamp_schema(true);
        static const schema_ptr required_ts = logical::timestamp_schema(false);
        b.field(_timestamp->name, _timestamp->optional ? optional_ts : required_ts);
    }
    if (_static) b.field(_static->name, _static->optional ? schemas::optional_string() : schemas::string());
    return b.build();
}

bool insert_field::apply(connect_record& record) {
    value& v = operating_value(record, _side);
    if (v.is_null()) return true;
    schema_ptr& s = operating_schema(record, _side);
    if (!s) {
        auto& m = require_map(v, purpose);
        if (_topic) put_map(m, _topic->name, value(record.topic));
        if (_partition && record.kafka_partition) put_map(m, _partition->name, value(*record.kafka_partition));
        if (_offset) {
            require_sink_record(record, purpose);
            put_map(m, _offset->name, value(*record.kafka_offset()));
        }
        if (_timestamp && record.timestamp) put_map(m, _timestamp->name, value(*record.timestamp));
        if (_static && _static_value) put_map(m, _static->name, value(*_static_value));
        return true;
    }
    const struct_ptr& in = require_struct(v, purpose);
    const schema_ptr& in_schema = in->schema();
    const schema_ptr& updated = _cache.get_or_build(in_schema, [&] { return make_updated_schema(*in_schema); });
    const auto& in_fields = in_schema->fields();
    const auto& out_fields = updated->fields();
    if (uniquely_owned(in)) {
        // The record owns the struct: append the new fields to it instead of building another.
        // Everything that can throw is checked before the struct changes.
        for (const auto& f : in_fields)
            check_copied(f, field_value(*in, f, _replace_null_with_default));
        if (_offset) require_sink_record(record, purpose);
        auto& vals = in->mutable_values();
        if (_replace_null_with_default)
            for (const auto& f : in_fields)
                apply_default(vals[static_cast<size_t>(f.index)], f, true);
        size_t next = in_fields.size();
        in->reshape_unchecked(updated); // invalidates in_schema/in_fields
        // The inserted fields follow the original ones, in this order; their values fit by
        // construction (the schemas above), so no put needs validating.
        if (_topic) vals[next++] = value(record.topic);
        if (_partition) {
            if (record.kafka_partition) vals[next] = value(*record.kafka_partition);
            ++next;
        }
        if (_offset) vals[next++] = value(*record.kafka_offset());
        if (_timestamp) {
            if (record.timestamp) vals[next] = value(*record.timestamp);
            ++next;
        }
        if (_static && _static_value) vals[next] = value(*_static_value);
        s = updated;
        return true;
    }
    auto out = make_struct(updated);
    for (size_t i = 0; i < in_fields.size(); ++i)
        put_copied(*out, out_fields[i], take_field(in, false, in_fields[i], _replace_null_with_default));
    // The inserted fields follow the original ones, in this order.
    size_t next = in_fields.size();
    if (_topic) put_value(*out, out_fields[next++], value(record.topic));
    if (_partition) {
        if (record.kafka_partition) put_value(*out, out_fields[next], value(*record.kafka_partition));
        ++next;
    }
    if (_offset) {
        require_sink_record(record, purpose);
        put_value(*out, out_fields[next++], value(*record.kafka_offset()));
    }
    if (_timestamp) {
        if (record.timestamp) put_value(*out, out_fields[next], value(*record.timestamp));
        ++next;
    }
    if (_static && _static_value) put_value(*out, out_fields[next], value(*_static_value));
    v = value(std::move(out));
    s = updated;
    return true;
}

} // namespace ferry::transforms
