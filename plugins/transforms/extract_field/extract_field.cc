#include "plugins/transforms/extract_field/extract_field.hpp"

namespace ferry::transforms {

using namespace config;

const config_def& extract_field::definition() {
    static const config_def d = config_def()
                                    .define({.name = "field",
                                             .type = config_type::string,
                                             .def = no_default,
                                             .imp = importance::medium,
                                             .doc = "Field name to extract."})
                                    .define(key_replace_null_with_default())
                                    .define(field_syntax_version_key());
    return d;
}

void extract_field::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _original_path = cfg.get_string("field");
    _path.emplace(_original_path, field_syntax_version_from(cfg));
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
}

bool extract_field::apply(connect_record& record) {
    constexpr std::string_view purpose = "field extraction";
    schema_ptr& s = operating_schema(record, _side);
    value& v = operating_value(record, _side);
    if (!s) {
        if (v.is_null()) return true;
        const value* found = _path->value_from(require_map(v, purpose));
        v = found ? value(*found) : value();
        return true;
    }
    struct_ptr st = v.is_null() ? nullptr : require_struct(v, purpose);
    const field* f = _path->field_from(s);
    if (!f) throw data_error("Unknown field: " + _original_path);
    schema_ptr fs = f->schema;
    if (st) {
        const value* found = _path->value_from(*st, _replace_null_with_default);
        v = found ? value(*found) : value();
    }
    s = std::move(fs);
    return true;
}

} // namespace ferry::transforms
