#include "plugins/transforms/predicates/predicates.hpp"

namespace ferry::transforms {

using namespace config;

const config_def& topic_name_matches::definition() {
    static const config_def d =
        config_def().define({.name = "pattern",
                             .type = config_type::string,
                             .def = no_default,
                             .valid = validators::all({validators::non_empty_string(), validators::valid_regex()}),
                             .imp = importance::medium,
                             .doc = "A Java regular expression for matching against the name of a record's topic."});
    return d;
}

void topic_name_matches::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    const auto& p = cfg.get_string("pattern");
    auto re = regex::compile(p);
    if (!re)
        throw config_error(
            invalid_value("pattern", p, "entry must be a Java-compatible regular expression: " + re.error().message));
    _pattern = std::move(*re);
    _memo.clear();
}

bool topic_name_matches::test(const connect_record& record) {
    for (const auto& [topic, matched] : _memo)
        if (topic == record.topic) return matched;
    bool matched = _pattern->full_match(record.topic);
    if (_memo.size() >= 32) _memo.erase(_memo.begin());
    _memo.emplace_back(record.topic, matched);
    return matched;
}

const config_def& has_header_key::definition() {
    static const config_def d = config_def().define({.name = "name",
                                                     .type = config_type::string,
                                                     .def = no_default,
                                                     .valid = validators::non_empty_string(),
                                                     .imp = importance::medium,
                                                     .doc = "The header name."});
    return d;
}

void has_header_key::configure(const config_map& props) {
    _name = definition().parse(props).get_string("name");
}

bool has_header_key::test(const connect_record& record) {
    return record.headers.last_with_name(_name) != nullptr;
}

} // namespace ferry::transforms
