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
    _memo.clear();
}

bool regex_router::apply(connect_record& record) {
    constexpr size_t memo_size = 32;
    for (const auto& [from, to] : _memo)
        if (from == record.topic) {
            if (to) record.topic = *to;
            return true;
        }
    std::optional<std::string> routed;
    if (_regex->full_match(record.topic)) {
        auto topic = _regex->replace_first(record.topic, _replacement);
        // Java throws IllegalArgumentException/IndexOutOfBoundsException here, per record.
        if (!topic) throw data_error(topic.error().message);
        routed = std::move(*topic);
    }
    if (_memo.size() >= memo_size) _memo.erase(_memo.begin());
    _memo.emplace_back(record.topic, routed);
    if (routed) record.topic = std::move(*routed);
    return true;
}

} // namespace ferry::transforms
