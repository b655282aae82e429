#include "plugins/transforms/regex_router/regex_router.hpp"

#include "ferry/connect/errors.hpp"

namespace ferry::transforms {

using namespace config;

const config_def& regex_router::definition() {
    static const config_def d = config_def()
                                    .define({.name = "regex",
                                             .type = config_type::string,
                                             .def = no_default,
                                             .valid = validators::valid_regex(),
                                             .imp = importance::high,
                                             .doc = "Regular expression to use for matching."})
                                    .define({.name = "replacement",
                                             .type = config_type::string,
                                             .def = no_default,
                                             .imp = importance::high,
                                             .doc = "Replacement string."});
    return d;
}

void regex_router::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    auto re = regex::compile(cfg.get_string("regex"));
    if (!re) throw config_error(re.error().message);
    _regex = std::move(*re);
    _replacement = cfg.get_string("replacement");
}

bool regex_router::apply(connect_record& record) {
    if (!_regex->full_match(record.topic)) return true;
    auto topic = _regex->replace_first(record.topic, _replacement);
    // Java throws IllegalArgumentException/IndexOutOfBoundsException here, per record.
    if (!topic) throw data_error(topic.error().message);
    record.topic = std::move(*topic);
    return true;
}

} // namespace ferry::transforms
