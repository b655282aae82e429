#include "plugins/transforms/insert_header/insert_header.hpp"

namespace ferry::transforms {

using namespace config;

const config_def& insert_header::definition() {
    static const config_def d =
        config_def()
            .define({.name = "header",
                     .type = config_type::string,
                     .def = no_default,
                     .valid = validators::non_null(),
                     .imp = importance::high,
                     .doc = "The name of the header."})
            .define({.name = "value.literal",
                     .type = config_type::string,
                     .def = no_default,
                     .valid = validators::non_null(),
                     .imp = importance::high,
                     .doc = "The literal value that is to be set as the header value on all records."});
    return d;
}

void insert_header::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _header = cfg.get_string("header");
    _literal = values::parse_string(cfg.get_string("value.literal"));
}

bool insert_header::apply(connect_record& record) {
    record.headers.add(_header, _literal.schema, _literal.val);
    return true;
}

} // namespace ferry::transforms
