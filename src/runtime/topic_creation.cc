#include "runtime/topic_creation.hpp"

#include <fmt/format.h>

#include <set>

namespace ferry::runtime {

using namespace config;

namespace {

constexpr std::string_view k_prefix = "topic.creation.";
const std::string k_default = "default";
const std::string k_include = "include", k_exclude = "exclude", k_rf = "replication.factor",
                  k_partitions = "partitions";

// TopicCreationConfig's validators, with its messages.
validator partitions_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        auto n = std::get<int32_t>(v);
        if (n != -1 && n < 1)
            return invalid_value(name, v, "Number of partitions must be positive, or -1 to use the broker's default");
        return std::nullopt;
    };
}

validator replication_factor_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        auto n = std::get<int32_t>(v);
        if (n != -1 && n < 1)
            return invalid_value(name, v,
                                 "Replication factor must be positive and not larger than the number of brokers in "
                                 "the Kafka cluster, or -1 to use the broker's default");
        return std::nullopt;
    };
}

validator regex_list_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        for (auto& p : std::get<std::vector<std::string>>(v))
            if (auto re = regex::compile(p); !re)
                return invalid_value(name, v, "Syntax error in regular expression: " + re.error().message);
        return std::nullopt;
    };
}

// The default group's value of `key` as the default of the other groups' key, when it is valid;
// otherwise null (the default group's own key reports the problem, and parsing stops there).
config_default inherited(const config_map& props, const std::string& key, config_type type) {
    auto it = props.find(std::string(k_prefix) + k_default + "." + key);
    if (it == props.end()) return null_default;
    try {
        auto v = config_def::parse_value(it->first, it->second, type);
        auto n = std::get<int32_t>(v);
        if (n != -1 && n < 1) return null_default;
        return config_default(std::to_string(n));
    } catch (const config_error&) {
        return null_default;
    }
}

std::vector<regex> compile_joined(const std::vector<std::string>& patterns, const std::string& key) {
    if (patterns.empty()) return {};
    std::string joined;
    for (auto& p : patterns) joined += (joined.empty() ? "" : "|") + p;
    auto re = regex::compile(joined);
    if (!re) throw config_error(fmt::format("Invalid value {} for configuration {}: Syntax error in regular expression: {}",
                                            display(patterns), key, re.error().message));
    std::vector<regex> out;
    out.push_back(std::move(*re));
    return out;
}

} // namespace

bool uses_topic_creation(const config_map& props) {
    auto it = props.lower_bound(std::string(k_prefix));
    return it != props.end() && it->first.starts_with(k_prefix);
}

std::vector<std::string> topic_creation_group_names(const config_map& props) {
    std::vector<std::string> out;
    auto it = props.find("topic.creation.groups");
    if (it == props.end()) return out;
    std::vector<std::string> listed;
    try {
        listed = std::get<std::vector<std::string>>(config_def::parse_value(it->first, it->second, config_type::list));
    } catch (const config_error&) {
        return out;
    }
    std::set<std::string> seen;
    for (auto& g : listed)
        if (g != k_default && seen.insert(g).second) out.push_back(g);
    return out;
}

void add_topic_creation_keys(config_def& d, const config_map& props) {
    const std::string group = "Topic Creation";
    const std::string dprefix = std::string(k_prefix) + k_default + ".";
    // Orders continue after topic.creation.groups (order 1 of the same group).
    auto define = [&](config_key k) {
        if (!d.find(k.name)) d.define(std::move(k));
    };
    define({.name = dprefix + k_include, .type = config_type::list, .def = ".*", .valid = validators::non_null(),
            .imp = importance::low,
            .doc = "Ignored for the default group: every topic that no other group takes belongs to it.",
            .group = group, .order = 2, .w = width::long_, .display_name = "Inclusion Topic Pattern for default"});
    define({.name = dprefix + k_exclude, .type = config_type::list, .def = "", .valid = validators::non_null(),
            .imp = importance::low, .doc = "Ignored for the default group.", .group = group, .order = 3,
            .w = width::long_, .display_name = "Exclusion Topic Pattern for default"});
    define({.name = dprefix + k_rf, .type = config_type::short_, .def = no_default,
            .valid = replication_factor_validator(), .imp = importance::low,
            .doc = "The replication factor for new topics created for this connector, or -1 for the broker's "
                   "default. Required for the default group.",
            .group = group, .order = 4, .w = width::long_, .display_name = "Replication Factor for Topics in default"});
    define({.name = dprefix + k_partitions, .type = config_type::int_, .def = no_default,
            .valid = partitions_validator(), .imp = importance::low,
            .doc = "The number of partitions of new topics created for this connector, or -1 for the broker's "
                   "default. Required for the default group.",
            .group = group, .order = 5, .w = width::long_, .display_name = "Partition Count for Topics in default"});

    auto rf_default = inherited(props, k_rf, config_type::short_);
    auto partitions_default = inherited(props, k_partitions, config_type::int_);
    for (auto& g : topic_creation_group_names(props)) {
        auto prefix = std::string(k_prefix) + g + ".";
        auto cgroup = group + ": " + g;
        define({.name = prefix + k_include, .type = config_type::list, .def = "", .valid = regex_list_validator(),
                .imp = importance::low,
                .doc = "Regular expressions for the topics this group applies to (the whole name must match).",
                .group = cgroup, .order = 1, .w = width::long_, .display_name = "Inclusion Topic Pattern for " + cgroup});
        define({.name = prefix + k_exclude, .type = config_type::list, .def = "", .valid = regex_list_validator(),
                .imp = importance::low,
                .doc = "Regular expressions for topics this group does not apply to; exclusion beats inclusion.",
                .group = cgroup, .order = 2, .w = width::long_, .display_name = "Exclusion Topic Pattern for " + cgroup});
        define({.name = prefix + k_rf, .type = config_type::short_, .def = rf_default,
                .valid = replication_factor_validator(), .imp = importance::low,
                .doc = "The replication factor for new topics of this group, or -1 for the broker's default. "
                       "Defaults to the default group's.",
                .group = cgroup, .order = 3, .w = width::long_,
                .display_name = "Replication Factor for Topics in " + cgroup});
        define({.name = prefix + k_partitions, .type = config_type::int_, .def = partitions_default,
                .valid = partitions_validator(), .imp = importance::low,
                .doc = "The number of partitions of new topics of this group, or -1 for the broker's default. "
                       "Defaults to the default group's.",
                .group = cgroup, .order = 4, .w = width::long_, .display_name = "Partition Count for Topics in " + cgroup});
    }
}

bool topic_creation_group::matches(std::string_view topic) const {
    for (auto& re : exclude)
        if (re.full_match(topic)) return false;
    for (auto& re : include)
        if (re.full_match(topic)) return true;
    return false;
}

std::string topic_creation_group::describe() const {
    std::string c;
    for (auto& [k, v] : configs) c += (c.empty() ? "" : ", ") + k + "=" + v;
    return fmt::format("group '{}' (partitions={}, replication.factor={}, configs={{{}}})", name, partitions,
                       replication_factor, c);
}

topic_creation topic_creation::from(const config_values& vals, const config_map& props) {
    auto make = [&](const std::string& name) {
        topic_creation_group g;
        g.name = name;
        auto prefix = std::string(k_prefix) + name + ".";
        if (name != k_default) {
            g.include = compile_joined(vals.get_list(prefix + k_include), prefix + k_include);
            g.exclude = compile_joined(vals.get_list(prefix + k_exclude), prefix + k_exclude);
        }
        g.replication_factor = int16_t(vals.get_int(prefix + k_rf));
        g.partitions = vals.get_int(prefix + k_partitions);
        for (auto& [k, v] : with_prefix_stripped(props, prefix))
            if (k != k_include && k != k_exclude && k != k_rf && k != k_partitions) g.configs[k] = v;
        return g;
    };
    topic_creation tc;
    tc._default = make(k_default);
    for (auto& g : topic_creation_group_names(props)) tc._groups.push_back(make(g));
    return tc;
}

const topic_creation_group& topic_creation::group_for(std::string_view topic) const {
    for (auto& g : _groups)
        if (g.matches(topic)) return g;
    return _default;
}

} // namespace ferry::runtime
