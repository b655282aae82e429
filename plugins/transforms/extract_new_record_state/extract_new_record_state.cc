#include "plugins/transforms/extract_new_record_state/extract_new_record_state.hpp"

#include "plugins/transforms/replace_field/replace_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ferry::transforms {

using namespace config;

namespace {

constexpr std::string_view purpose = "source field insertion";
const std::vector<std::string> mode_names = {"drop", "tombstone", "rewrite", "rewrite-with-tombstone",
                                             "delete-to-tombstone"};
const std::vector<std::string> legacy_names = {"drop", "rewrite", "none"};

std::string lower_trim(std::string_view s) {
    std::string out(java_trim(s));
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Debezium's EnumRecommender: trimmed, case-insensitive.
validator enum_validator(const std::vector<std::string>& names) {
    return [names](const std::string& key, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return std::nullopt;
        if (std::find(names.begin(), names.end(), lower_trim(*s)) != names.end()) return std::nullopt;
        std::string joined;
        for (const auto& n : names)
            joined += (joined.empty() ? "" : ", ") + n;
        return invalid_value(key, v, "Value must be one of " + joined);
    };
}

std::optional<std::string> determine_struct(const std::string& field) {
    if (field == "id" || field == "data_collection_order" || field == "total_order") return "transaction";
    if (field == "op" || field == "ts_ms" || field == "ts_us" || field == "ts_ns") return std::nullopt;
    if (field == "updateDescription") return "updateDescription";
    return "source";
}

std::vector<extract_new_record_state::field_reference> parse_references(const std::string& prefix,
                                                                        const std::vector<std::string>& items) {
    std::vector<extract_new_record_state::field_reference> refs;
    for (const auto& raw : items) {
        std::string item(java_trim(raw));
        auto parts = java_split(item, ':');
        if (parts.empty()) parts.emplace_back();
        if (parts.size() > 2) throw config_error("Unexpected field name: " + item);
        auto splits = java_split(parts[0], '.');
        if (splits.empty()) splits.emplace_back();
        extract_new_record_state::field_reference r;
        r.field = splits.size() == 1 ? splits[0] : splits[1];
        r.parent = splits.size() == 1 ? determine_struct(r.field) : std::optional<std::string>(splits[0]);
        if (parts.size() == 2)
            r.new_field = prefix + parts[1];
        else
            r.new_field = prefix + (splits.size() == 1 ? r.field : *r.parent + "_" + r.field);
        refs.push_back(std::move(r));
    }
    return refs;
}

} // namespace

schema_ptr extract_new_record_state::field_reference::schema_in(const schema& envelope) const {
    const ferry::field* f = nullptr;
    if (parent) {
        const ferry::field* pf = envelope.find_field(*parent);
        if (pf && pf->schema->type() == schema_type::struct_) f = pf->schema->find_field(field);
    } else {
        f = envelope.find_field(field);
    }
    if (!f) f = envelope.find_field(field); // a field another SMT added to the envelope itself
    if (!f) return nullptr;
    schema_builder b = copy_schema_basics(*f->schema);
    b.optional();
    return b.build();
}

value extract_new_record_state::field_reference::value_in(const struct_value& envelope) const {
    const struct_value* parent_struct = &envelope;
    if (parent) {
        const ferry::field* pf = envelope.schema()->find_field(*parent);
        if (!pf) return envelope.schema()->find_field(field) ? envelope.get(field) : value();
        const value& pv = envelope.get(*pf);
        if (pv.is_null() || pv.type() != value::kind::struct_) return value(); // e.g. no transaction block
        parent_struct = pv.as_struct().get();
    }
    if (parent_struct->schema()->find_field(field)) return parent_struct->get(field);
    return envelope.get(field);
}

extract_new_record_state::extract_new_record_state() = default;

const config_def& extract_new_record_state::definition() {
    static const config_def d =
        config_def()
            .define({.name = "delete.tombstone.handling.mode",
                     .type = config_type::string,
                     .def = "tombstone",
                     .valid = enum_validator(mode_names),
                     .imp = importance::medium,
                     .doc = "How to handle delete records. Options are: drop - Remove the delete event and tombstone "
                            "from the stream.tombstone (default) - For each delete event, leave only a tombstone in "
                            "the stream.rewrite - Remove tombstone from the record, and add a `__deleted` field with "
                            "the value `true`.rewrite-with-tombstone - Retain tombstone in record and add a "
                            "`__deleted` field with the value `true`.delete-to-tombstone - Convert delete events to "
                            "tombstone events and drop tombstone events.",
                     .w = width::medium,
                     .display_name = "Handle delete and tombstone records"})
            .define({.name = "route.by.field",
                     .type = config_type::string,
                     .def = "",
                     .imp = importance::low,
                     .doc = "The column which determines how the events will be routed, the value will replace the "
                            "topic name.",
                     .w = width::long_,
                     .display_name = "Route by field name"})
            .define({.name = "add.fields.prefix",
                     .type = config_type::string,
                     .def = "__",
                     .imp = importance::low,
                     .doc = "Adds this prefix to each field listed.",
                     .w = width::short_,
                     .display_name = "Field prefix to be added to each field."})
            .define({.name = "add.fields",
                     .type = config_type::list,
                     .def = "",
                     .imp = importance::low,
                     .doc = "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). "
                            "Example: 'version,connector,source.ts_ms' would add __version, __connector and "
                            "__source_ts_ms fields. Optionally one can also map new field name like "
                            "version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.Please note that the "
                            "new field name is case-sensitive.",
                     .w = width::long_,
                     .display_name = "Adds the specified field(s) to the message if they exist."})
            .define({.name = "add.headers.prefix",
                     .type = config_type::string,
                     .def = "__",
                     .imp = importance::low,
                     .doc = "Adds this prefix listed to each header.",
                     .w = width::short_,
                     .display_name = "Header prefix to be added to each header."})
            .define({.name = "add.headers",
                     .type = config_type::list,
                     .def = "",
                     .imp = importance::low,
                     .doc = "Adds each field listed to the header,  __ (or __<struct>_ if the struct is specified). "
                            "Example: 'version,connector,source.ts_ms' would add __version, __connector and "
                            "__source_ts_ms fields. Optionally one can also map new field name like "
                            "version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.Please note that the "
                            "new field name is case-sensitive.",
                     .w = width::long_,
                     .display_name = "Adds the specified fields to the header if they exist."})
            .define({.name = "drop.fields.header.name",
                     .type = config_type::string,
                     .def = null_default,
                     .imp = importance::low,
                     .doc = "Specifies the name of a header that contains a list of fields to be removed from the "
                            "event value.",
                     .w = width::short_,
                     .display_name = "Specifies a header that contains a list of field names to be removed"})
            .define({.name = "drop.fields.from.key",
                     .type = config_type::boolean,
                     .def = "false",
                     .imp = importance::low,
                     .doc = "Specifies whether to apply the drop fields behavior to the event key as well as the "
                            "value. Default behavior is to only remove fields from the event value, not the key.",
                     .w = width::short_})
            .define({.name = "drop.fields.keep.schema.compatible",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::low,
                     .doc = "Controls the output event's schema compatibility when using the drop fields feature. "
                            "`true`: dropped fields are removed if the schema indicates its optional leaving the "
                            "schemas unchanged, `false`: dropped fields are removed from the key/value schemas, "
                            "regardless of optionality.",
                     .w = width::short_})
            .define({.name = "replace.null.with.default",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::low,
                     .doc = "When this option is enabled, null field values are replaced by source-defined defaults "
                            "when rewriting the record.",
                     .w = width::short_,
                     .display_name = "replace null field value with default"})
            // Removed from Debezium in 3.2; honoured when delete.tombstone.handling.mode is absent.
            .define({.name = "drop.tombstones",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::low,
                     .doc = "Deprecated: use delete.tombstone.handling.mode. Whether Debezium's tombstones are "
                            "dropped.",
                     .w = width::short_})
            .define({.name = "delete.handling.mode",
                     .type = config_type::string,
                     .def = "drop",
                     .valid = enum_validator(legacy_names),
                     .imp = importance::medium,
                     .doc = "Deprecated: use delete.tombstone.handling.mode. How to handle delete records: none - "
                            "passed as null values, drop - removed (the default), rewrite - __deleted field added.",
                     .w = width::medium});
    return d;
}

void extract_new_record_state::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _fields = parse_references(cfg.get_string("add.fields.prefix"), cfg.get_list("add.fields"));
    _headers = parse_references(cfg.get_string("add.headers.prefix"), cfg.get_list("add.headers"));
    _route_by_field = cfg.get_string("route.by.field");
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    _legacy = !props.contains("delete.tombstone.handling.mode") &&
              (props.contains("drop.tombstones") || props.contains("delete.handling.mode"));
    auto m = lower_trim(cfg.get_string("delete.tombstone.handling.mode"));
    _mode = m == "drop"                     ? mode::drop
            : m == "rewrite"                ? mode::rewrite
            : m == "rewrite-with-tombstone" ? mode::rewrite_with_tombstone
            : m == "delete-to-tombstone"    ? mode::delete_to_tombstone
                                            : mode::tombstone;
    _legacy_drop_tombstones = cfg.get_bool("drop.tombstones");
    auto l = lower_trim(cfg.get_string("delete.handling.mode"));
    _legacy_delete = l == "none" ? legacy_delete::none : l == "rewrite" ? legacy_delete::rewrite : legacy_delete::drop;
    _drop_fields_header = cfg.get_string_opt("drop.fields.header.name");
    _drop_fields_from_key = cfg.get_bool("drop.fields.from.key");
    _drop_fields_keep_schema_compatible = cfg.get_bool("drop.fields.keep.schema.compatible");

    _after.configure({{"field", "after"}});
    _before.configure({{"field", "before"}});
    std::string rnwd = _replace_null_with_default ? "true" : "false";
    _deleted_true.configure(
        {{"static.field", "__deleted"}, {"static.value", "true"}, {"replace.null.with.default", rnwd}});
    _deleted_false.configure(
        {{"static.field", "__deleted"}, {"static.value", "false"}, {"replace.null.with.default", rnwd}});
    _cache.clear();
    _field_schemas.clear();
    _header_schemas.clear();
}

bool extract_new_record_state::rewrite_mode() const {
    return _legacy ? _legacy_delete == legacy_delete::rewrite
                   : (_mode == mode::rewrite || _mode == mode::rewrite_with_tombstone);
}

bool extract_new_record_state::handle_tombstone(connect_record&) {
    if (_legacy) return !_legacy_drop_tombstones;
    return _mode == mode::rewrite_with_tombstone;
}

bool extract_new_record_state::handle_delete(connect_record& r) {
    bool drop = _legacy ? _legacy_delete == legacy_delete::drop : _mode == mode::drop;
    if (drop) return false;
    if (!_legacy && _mode == mode::delete_to_tombstone) {
        r.value_schema = nullptr;
        r.val = value();
        return true;
    }
    if (rewrite_mode()) {
        _before.apply(r);
        if (r.val.type() == value::kind::struct_) _deleted_true.apply(r);
        return true;
    }
    // tombstone (and legacy none): the row schema with a null value, which the JDBC sink reads as a delete.
    _after.apply(r);
    return true;
}

void extract_new_record_state::route(connect_record& r, const struct_value& row) {
    const field* f = row.schema()->find_field(_route_by_field);
    if (!f) throw data_error(fmt::format("{} is not a valid field name", _route_by_field));
    if (f->schema->type() != schema_type::string)
        throw data_error(fmt::format("Field '{}' is not of type STRING", _route_by_field));
    const value& v = field_value(row, *f, true);
    if (v.is_null() || java_trim(v.as_string()).empty()) return;
    r.topic = v.as_string();
}

void extract_new_record_state::add_fields(const struct_value& envelope, connect_record& r) {
    const struct_ptr& row = require_struct(r.val, purpose);
    const value* op = envelope.schema()->find_field("op") ? &envelope.get("op") : nullptr;
    std::string op_key = op && op->type() == value::kind::string ? op->as_string() : std::string();
    auto it = _cache.find(op_key);
    if (it == _cache.end()) it = _cache.emplace(op_key, schema_cache(64)).first;
    const auto& ref_schemas = _field_schemas.get_or_build(envelope.schema(), [&] {
        std::vector<schema_ptr> v;
        for (const auto& ref : _fields)
            v.push_back(ref.schema_in(*envelope.schema()));
        return v;
    });
    const schema_ptr& updated = it->second.get_or_build(row->schema(), [&] {
        schema_builder b = schema_builder::struct_();
        copy_schema_basics(*row->schema(), b);
        for (const auto& f : row->schema()->fields())
            b.field(f.name, f.schema);
        for (size_t i = 0; i < _fields.size(); ++i)
            if (ref_schemas[i]) b.field(_fields[i].new_field, ref_schemas[i]);
        return b.build();
    });
    bool sole = row.use_count() == 1;
    auto out = make_struct(updated);
    const auto& row_fields = row->schema()->fields();
    const auto& out_fields = updated->fields();
    for (size_t i = 0; i < row_fields.size(); ++i)
        put_copied(*out, out_fields[i], take_field(row, sole, row_fields[i], false));
    for (size_t i = 0; i < _fields.size(); ++i)
        if (ref_schemas[i])
            if (const field* f = updated->find_field(_fields[i].new_field))
                put_value(*out, *f, _fields[i].value_in(envelope));
    r.value_schema = updated;
    r.val = value(std::move(out));
}

void extract_new_record_state::drop_fields(connect_record& r) {
    if (!_drop_fields_header || java_trim(*_drop_fields_header).empty()) return;
    const header* h = nullptr;
    for (const auto& hh : r.headers)
        if (hh.key == *_drop_fields_header) {
            h = &hh;
            break;
        }
    if (!h || h->val.type() != value::kind::array || h->val.as_array().empty()) return;
    std::vector<std::string> names;
    for (const auto& e : h->val.as_array())
        if (e.type() == value::kind::string) names.push_back(e.as_string());
    auto to_drop = [&](const schema_ptr& s) {
        if (!_drop_fields_keep_schema_compatible) return names;
        std::vector<std::string> out;
        if (!s) return out;
        for (const auto& f : s->fields())
            if (f.schema->optional() && std::find(names.begin(), names.end(), f.name) != names.end())
                out.push_back(f.name);
        return out;
    };
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& n : v)
            s += (s.empty() ? "" : ",") + n;
        return s;
    };
    if (_drop_fields_from_key && !r.key.is_null()) {
        auto key_fields = to_drop(r.key_schema);
        if (!key_fields.empty()) {
            replace_field rf(side::key);
            rf.configure({{"exclude", join(key_fields)}});
            rf.apply(r);
        }
    }
    auto value_fields = to_drop(r.value_schema);
    if (!value_fields.empty()) {
        replace_field rf(side::value);
        rf.configure({{"exclude", join(value_fields)}});
        rf.apply(r);
    }
}

bool extract_new_record_state::apply(connect_record& r) {
    bool tombstone = r.val.is_null();
    bool envelope = r.value_schema && r.value_schema->name() && r.value_schema->name()->ends_with(".Envelope");
    if ((envelope || tombstone) && !_headers.empty()) {
        if (tombstone) {
            for (const auto& ref : _headers)
                if (ref.field == "op") r.headers.add(ref.new_field, schemas::string(), value("d"));
        } else {
            const struct_ptr& env = require_struct(r.val, purpose);
            const auto& schemas_ = _header_schemas.get_or_build(env->schema(), [&] {
                std::vector<schema_ptr> v;
                for (const auto& ref : _headers)
                    v.push_back(ref.schema_in(*env->schema()));
                return v;
            });
            for (size_t i = 0; i < _headers.size(); ++i)
                if (schemas_[i]) r.headers.add(_headers[i].new_field, schemas_[i], _headers[i].value_in(*env));
        }
    }
    if (tombstone) return handle_tombstone(r);
    if (!envelope) return true;

    // Keep the envelope: add.fields and route.by.field read it after the value was unwrapped.
    const struct_ptr env = require_struct(r.val, "field extraction");
    schema_ptr env_schema = r.value_schema;
    _after.apply(r);
    if (r.val.is_null()) {
        connect_record probe;
        probe.value_schema = env_schema;
        probe.val = value(env);
        _before.apply(probe);
        if (probe.val.is_null()) return false; // a truncate event
        // A delete: start again from the envelope.
        r.value_schema = env_schema;
        r.val = value(env);
        if (!handle_delete(r)) return false;
        if (!_route_by_field.empty()) {
            const value& before = env->get("before");
            route(r, *require_struct(before, "Read record to set topic routing for DELETE"));
        }
        if (_drop_fields_header && !java_trim(*_drop_fields_header).empty()) drop_fields(r);
        if (!r.val.is_null()) add_fields(*env, r);
        return true;
    }
    // Insert, update, snapshot read: the `after` row (plus __deleted in rewrite modes).
    if (rewrite_mode() && r.val.type() == value::kind::struct_) _deleted_false.apply(r);
    if (!_route_by_field.empty())
        route(r, *require_struct(r.val, "Read record to set topic routing for CREATE / UPDATE"));
    add_fields(*env, r);
    if (_drop_fields_header && !_drop_fields_header->empty()) drop_fields(r);
    return true;
}

} // namespace ferry::transforms
