#include "plugins/transforms/set_schema_metadata/set_schema_metadata.hpp"

namespace ferry::transforms {

using namespace config;

const config_def& set_schema_metadata::definition() {
    static const config_def d = config_def()
                                    .define({.name = "schema.name",
                                             .type = config_type::string,
                                             .def = null_default,
                                             .imp = importance::high,
                                             .doc = "Schema name to set."})
                                    .define({.name = "schema.version",
                                             .type = config_type::int_,
                                             .def = null_default,
                                             .imp = importance::high,
                                             .doc = "Schema version to set."})
                                    .define(key_replace_null_with_default());
    return d;
}

void set_schema_metadata::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _name = cfg.get_string_opt("schema.name");
    _version = cfg.get_int_opt("schema.version");
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    if (!_name && !_version) throw config_error("Neither schema name nor version configured");
    _cache.clear();
}

schema_ptr set_schema_metadata::updated_schema(const schema& s) const {
    // new ConnectSchema(type, optional, default, name', version', doc, parameters, fields, key, value)
    schema_builder b = s.type() == schema_type::map ? schema_builder::map_nullable(s.key_schema(), s.value_schema())
                       : s.type() == schema_type::array && s.value_schema() ? schema_builder::array(s.value_schema())
                                                                            : schema_builder(s.type());
    if (s.optional()) b.optional();
    if (_name || s.name()) b.name(_name ? *_name : *s.name());
    if (_version || s.version()) b.version(_version ? *_version : *s.version());
    if (s.doc()) b.doc(*s.doc());
    for (const auto& [k, v] : s.parameters())
        b.parameter(k, v);
    for (const auto& f : s.fields())
        b.field(f.name, f.schema);
    if (const value* dv = s.default_value()) {
        try {
            b.default_value(*dv);
        } catch (const data_error&) {
            // A struct default carries the old schema, which Java keeps without checking; our
            // builder checks, so such a default is dropped rather than failing every record.
        }
    }
    return b.build();
}

bool set_schema_metadata::apply(connect_record& record) {
    schema_ptr& s = operating_schema(record, _side);
    value& v = operating_value(record, _side);
    if (v.is_null() && !s) return true;
    require_schema(s, "updating schema metadata");
    const schema_ptr& updated = _cache.get_or_build(s, [&] { return updated_schema(*s); });
    if (v.type() == value::kind::struct_ && v.as_struct()) {
        const struct_ptr& in = v.as_struct();
        bool sole = in.use_count() == 1;
        auto out = make_struct(updated);
        const auto& in_fields = in->schema()->fields();
        const auto& out_fields = updated->fields();
        if (in->schema() == s) {
            for (size_t i = 0; i < out_fields.size(); ++i)
                put_copied(*out, out_fields[i], take_field(in, sole, in_fields[i], _replace_null_with_default));
        } else {
            // Java assumes the value's struct has the schema's fields; look them up by name.
            for (const auto& f : out_fields) {
                const field* inf = in->schema()->find_field(f.name);
                if (!inf) throw data_error(f.name + " is not a valid field name");
                out->put(f, field_value(*in, *inf, _replace_null_with_default));
            }
        }
        v = value(std::move(out));
    }
    s = updated;
    return true;
}

} // namespace ferry::transforms
