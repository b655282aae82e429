#include "plugins/transforms/header_from/header_from.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ferry::transforms {

using namespace config;

const config_def& header_from::definition() {
    static const config_def d =
        config_def()
            .define({.name = "fields",
                     .type = config_type::list,
                     .def = no_default,
                     .valid = validators::non_empty_list(),
                     .imp = importance::high,
                     .doc = "Field names in the record whose values are to be copied or moved to headers."})
            .define({.name = "headers",
                     .type = config_type::list,
                     .def = no_default,
                     .valid = validators::non_empty_list(),
                     .imp = importance::high,
                     .doc = "Header names, in the same order as the field names listed in the fields configuration "
                            "property."})
            .define({.name = "operation",
                     .type = config_type::string,
                     .def = no_default,
                     .valid = validators::one_of({"move", "copy"}),
                     .imp = importance::high,
                     .doc = "Either <code>move</code> if the fields are to be moved to the headers (removed from the "
                            "key/value), or <code>copy</code> if the fields are to be copied to the headers (retained "
                            "in the key/value)."})
            .define(key_replace_null_with_default());
    return d;
}

void header_from::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _fields = cfg.get_list("fields");
    _headers = cfg.get_list("headers");
    if (_headers.size() != _fields.size())
        throw config_error("'fields' config must have the same number of elements as 'headers' config.");
    _move = cfg.get_string("operation") == "move";
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    _move_cache.clear();
}

bool header_from::apply(connect_record& record) {
    std::string purpose = _move ? "header move" : "header copy";
    schema_ptr& s = operating_schema(record, _side);
    value& v = operating_value(record, _side);
    if (!s) {
        auto& m = require_map(v, purpose);
        auto find = [&](const value::map_type& mm, const std::string& name) {
            return std::find_if(mm.begin(), mm.end(), [&](const auto& e) {
                return e.first.type() == value::kind::string && e.first.as_string() == name;
            });
        };
        // Java reads every field from the original map and removes from a copy.
        const value::map_type original = _move ? m : value::map_type{};
        const value::map_type& source = _move ? original : m;
        for (size_t i = 0; i < _fields.size(); ++i) {
            auto it = find(source, _fields[i]);
            record.headers.add(_headers[i], nullptr, it != source.end() ? it->second : value());
            if (_move) {
                auto mit = find(m, _fields[i]);
                if (mit != m.end()) m.erase(mit);
            }
        }
        return true;
    }
    struct_ptr in = require_struct(v, purpose);
    const schema& in_schema = *in->schema();
    for (size_t i = 0; i < _fields.size(); ++i) {
        const field* vf = in_schema.find_field(_fields[i]);
        value fv = vf ? field_value(*in, *vf, _replace_null_with_default) : value();
        const field* sf = s->find_field(_fields[i]);
        if (!sf)
            // Java dereferences a null Field here (NullPointerException); name the field instead.
            throw data_error(
                fmt::format("Field '{}' is not in the {} schema", _fields[i], _side == side::key ? "key" : "value"));
        record.headers.add(_headers[i], sf->schema, std::move(fv));
    }
    if (_move) {
        const schema_ptr& updated = _move_cache.get_or_build(s, [&] {
            schema_builder b = schema_builder::struct_();
            copy_schema_basics(*s, b);
            for (const auto& f : s->fields())
                if (std::find(_fields.begin(), _fields.end(), f.name) == _fields.end()) b.field(f.name, f.schema);
            return b.build();
        });
        auto out = make_struct(updated);
        for (const auto& f : updated->fields()) {
            const field* of = in_schema.find_field(f.name);
            out->put(f, of ? field_value(*in, *of, _replace_null_with_default) : value());
        }
        v = value(std::move(out));
        s = updated;
    }
    return true;
}

} // namespace ferry::transforms
