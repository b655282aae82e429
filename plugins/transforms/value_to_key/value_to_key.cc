#include "plugins/transforms/value_to_key/value_to_key.hpp"

namespace ferry::transforms {

using namespace config;

namespace {
constexpr std::string_view purpose = "copying fields from value to key";
}

const config_def& value_to_key::definition() {
    static const config_def d = config_def()
                                    .define({.name = "fields",
                                             .type = config_type::list,
                                             .def = no_default,
                                             .valid = validators::non_empty_list(),
                                             .imp = importance::high,
                                             .doc = "Field names on the record value to extract as the record key."})
                                    .define(key_replace_null_with_default());
    return d;
}

void value_to_key::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _fields = cfg.get_list("fields");
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    _cache.clear();
}

bool value_to_key::apply(connect_record& record) {
    if (!record.value_schema) {
        const auto& m = require_map(record.val, purpose);
        value::map_type key;
        for (const auto& name : _fields) {
            const value* fv = record.val.map_get(name);
            bool replaced = false;
            for (auto& [k, e] : key)
                if (k.as_string() == name) {
                    e = fv ? *fv : value();
                    replaced = true;
                }
            if (!replaced) key.emplace_back(value(name), fv ? *fv : value());
        }
        (void)m;
        record.key_schema = nullptr;
        record.key = value(std::move(key));
        return true;
    }
    const struct_ptr& in = require_struct(record.val, purpose);
    const plan& p = _cache.get_or_build(in->schema(), [&] {
        plan np;
        schema_builder b = schema_builder::struct_();
        for (const auto& name : _fields) {
            const field* f = in->schema()->find_field(name);
            if (!f) throw data_error("Field does not exist: " + name);
            b.field(name, f->schema);
            np.source_index.push_back(f->index);
        }
        np.key_schema = b.build();
        return np;
    });
    auto key = make_struct(p.key_schema);
    const auto& in_fields = in->schema()->fields();
    const auto& key_fields = p.key_schema->fields();
    for (size_t i = 0; i < key_fields.size(); ++i)
        put_copied(*key, key_fields[i],
                   field_value(*in, in_fields[static_cast<size_t>(p.source_index[i])], _replace_null_with_default));
    record.key_schema = p.key_schema;
    record.key = value(std::move(key));
    // Java also sets the value schema to the value struct's own schema.
    record.value_schema = in->schema();
    return true;
}

} // namespace ferry::transforms
