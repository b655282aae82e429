#include "plugins/transforms/hoist_field/hoist_field.hpp"

namespace ferry::transforms {

using namespace config;

const config_def& hoist_field::definition() {
    static const config_def d = config_def().define(
        {.name = "field",
         .type = config_type::string,
         .def = no_default,
         .imp = importance::medium,
         .doc = "Field name for the single field that will be created in the resulting Struct or Map."});
    return d;
}

void hoist_field::configure(const config_map& props) {
    _field = definition().parse(props).get_string("field");
    _cache.clear();
}

bool hoist_field::apply(connect_record& record) {
    schema_ptr& s = operating_schema(record, _side);
    value& v = operating_value(record, _side);
    if (!s) {
        value::map_type m;
        m.emplace_back(value(_field), std::move(v));
        v = value(std::move(m));
        return true;
    }
    const schema_ptr& updated =
        _cache.get_or_build(s, [&] { return schema_builder::struct_().field(_field, s).build(); });
    auto st = make_struct(updated);
    st->put(updated->fields()[0], std::move(v));
    v = value(std::move(st));
    s = updated;
    return true;
}

} // namespace ferry::transforms
