#include "plugins/transforms/drop_headers/drop_headers.hpp"

#include <algorithm>

namespace ferry::transforms {

using namespace config;

const config_def& drop_headers::definition() {
    static const config_def d = config_def().define({.name = "headers",
                                                     .type = config_type::list,
                                                     .def = no_default,
                                                     .valid = validators::non_empty_list(),
                                                     .imp = importance::high,
                                                     .doc = "The name of the headers to be removed."});
    return d;
}

void drop_headers::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _headers = cfg.get_list("headers");
}

bool drop_headers::apply(connect_record& record) {
    for (const auto& h : _headers)
        record.headers.remove(h);
    return true;
}

} // namespace ferry::transforms
