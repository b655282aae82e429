#include "plugins/transforms/flatten/flatten.hpp"

#include <fmt/format.h>

namespace ferry::transforms {

using namespace config;

namespace {
constexpr std::string_view purpose = "flattening";
}

const config_def& flatten::definition() {
    static const config_def d = config_def().define(
        {.name = "delimiter",
         .type = config_type::string,
         .def = ".",
         .imp = importance::medium,
         .doc = "Delimiter to insert between field names from the input record when generating field names for the "
                "output record"});
    return d;
}

void flatten::configure(const config_map& props) {
    _delimiter = definition().parse(props).get_string("delimiter");
    _cache.clear();
}

std::string flatten::field_name(const std::string& prefix, const std::string& name) const {
    return prefix.empty() ? name : prefix + _delimiter + name;
}

void flatten::flatten_map(const value::map_type& in, const std::string& prefix, value::map_type& out) const {
    auto put = [&](std::string name, value v) {
        for (auto& [k, e] : out)
            if (k.type() == value::kind::string && k.as_string() == name) {
                e = std::move(v);
                return;
            }
        out.emplace_back(value(std::move(name)), std::move(v));
    };
    for (const auto& [k, v] : in) {
        // Keys are Strings in Java (a cast that does not check); print other keys as Java would.
        std::string key = k.type() == value::kind::string ? k.as_string() : to_java_string(k);
        std::string name = field_name(prefix, key);
        switch (v.type()) {
        case value::kind::map:
            flatten_map(v.as_map(), name, out);
            break;
        case value::kind::struct_:
            throw data_error(fmt::format("Flatten transformation does not support class "
                                         "org.apache.kafka.connect.data.Struct for record without schemas (for field "
                                         "{}).",
                                         name));
        default:
            put(std::move(name), v);
            break;
        }
    }
}

void flatten::build_schema(const schema& s, const std::string& prefix, schema_builder& out, bool optional,
                           const struct_value* default_from_parent) const {
    for (const auto& f : s.fields()) {
        std::string name = field_name(prefix, f.name);
        bool field_optional = optional || f.schema->optional();
        const value* field_default = f.schema->default_value();
        if (!field_default && default_from_parent) {
            const value& pv = field_value(*default_from_parent, f, true);
            if (!pv.is_null()) field_default = &pv;
        }
        switch (f.schema->type()) {
        case schema_type::map:
            throw data_error(
                fmt::format("Flatten transformation does not support MAP for record with schemas (for field "
                            "{}).",
                            name));
        case schema_type::struct_:
            build_schema(*f.schema, name, out, field_optional,
                         field_default && field_default->type() == value::kind::struct_
                             ? field_default->as_struct().get()
                             : nullptr);
            break;
        default: {
            schema_builder b = copy_schema_basics(*f.schema);
            if (field_optional) b.optional();
            if (field_default) b.default_value(*field_default);
            out.field(name, b.build());
            break;
        }
        }
    }
}

void flatten::flatten_struct(const struct_value* in, const std::string& prefix, struct_value& out) const {
    if (!in) return;
    for (const auto& f : in->schema()->fields()) {
        std::string name = field_name(prefix, f.name);
        switch (f.schema->type()) {
        case schema_type::map:
            throw data_error(
                fmt::format("Flatten transformation does not support MAP for record with schemas (for field "
                            "{}).",
                            name));
        case schema_type::struct_: {
            const value& sub = field_value(*in, f, true);
            flatten_struct(sub.is_null() ? nullptr : require_struct(sub, purpose).get(), name, out);
            break;
        }
        default:
            out.put(name, field_value(*in, f, true));
            break;
        }
    }
}

bool flatten::apply(connect_record& record) {
    value& v = operating_value(record, _side);
    if (v.is_null()) return true;
    schema_ptr& s = operating_schema(record, _side);
    if (!s) {
        value::map_type out;
        flatten_map(require_map(v, purpose), "", out);
        v = value(std::move(out));
        return true;
    }
    const struct_ptr& in = require_struct(v, purpose);
    const schema_ptr& updated = _cache.get_or_build(s, [&] {
        schema_builder b = schema_builder::struct_();
        copy_schema_basics(*s, b);
        const value* dv = s->default_value();
        build_schema(*s, "", b, s->optional(),
                     dv && dv->type() == value::kind::struct_ ? dv->as_struct().get() : nullptr);
        return b.build();
    });
    auto out = make_struct(updated);
    flatten_struct(in.get(), "", *out);
    v = value(std::move(out));
    s = updated;
    return true;
}

} // namespace ferry::transforms
