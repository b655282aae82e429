#include "runtime/connector_config.hpp"

#include "runtime/topic_creation.hpp"

#include <fmt/format.h>

#include <map>
#include <regex>
#include <set>

namespace ferry::runtime {

using namespace config;

namespace {

config_def build_common() {
    config_def d;
    const std::string common = "Common", transforms = "Transforms", predicates = "Predicates",
                      errors = "Error Handling";
    d.define({.name = "name", .type = config_type::string, .def = no_default,
              .valid = validators::non_empty_string_without_control_chars(),
              .imp = importance::high, .doc = "Globally unique name to use for this connector.", .group = common,
              .order = 1, .w = width::medium, .display_name = "Connector name"})
        .define({.name = "connector.class", .type = config_type::string, .def = no_default, .imp = importance::high,
                 .doc = "Name or alias of the class for this connector. Must be a subclass of "
                        "org.apache.kafka.connect.connector.Connector, e.g. FileStreamSink or "
                        "org.apache.kafka.connect.file.FileStreamSinkConnector.",
                 .group = common, .order = 2, .w = width::long_, .display_name = "Connector class"})
        .define({.name = "tasks.max", .type = config_type::int_, .def = "1", .valid = validators::at_least(1),
                 .imp = importance::high, .doc = "Maximum number of tasks to use for this connector.",
                 .group = common, .order = 3, .w = width::short_, .display_name = "Tasks max"})
        .define({.name = "tasks.max.enforce", .type = config_type::boolean, .def = "true", .imp = importance::low,
                 .doc = "(Deprecated) Whether to fail a connector that generates more tasks than tasks.max.",
                 .group = common, .order = 4, .w = width::short_, .display_name = "Enforce tasks max"})
        .define({.name = "key.converter", .type = config_type::class_, .def = null_default, .imp = importance::low,
                 .doc = "Converter class used to convert between Kafka Connect format and the serialized form "
                        "that is written to Kafka. Overrides the worker's key.converter.",
                 .group = common, .order = 5, .w = width::short_, .display_name = "Key converter class"})
        .define({.name = "value.converter", .type = config_type::class_, .def = null_default,
                 .imp = importance::low, .doc = "Converter class for values. Overrides the worker's value.converter.",
                 .group = common, .order = 6, .w = width::short_, .display_name = "Value converter class"})
        .define({.name = "header.converter", .type = config_type::class_, .def = null_default,
                 .imp = importance::low,
                 .doc = "HeaderConverter class for headers. Overrides the worker's header.converter.",
                 .group = common, .order = 7, .w = width::short_, .display_name = "Header converter class"})
        .define({.name = "config.action.reload", .type = config_type::string, .def = "restart",
                 .valid = validators::one_of({"none", "restart"}), .imp = importance::low,
                 .doc = "What to do when a config provider's value changes: none or restart.", .group = common,
                 .order = 10, .w = width::medium, .display_name = "Reload Action"})
        .define({.name = "transforms", .type = config_type::list, .def = "", .imp = importance::low,
                 .doc = "Aliases for the transformations to be applied to records.", .group = transforms,
                 .order = 8, .w = width::long_, .display_name = "Transforms"})
        .define({.name = "predicates", .type = config_type::list, .def = "", .imp = importance::low,
                 .doc = "Aliases for the predicates used by transformations.", .group = predicates, .order = 9,
                 .w = width::long_, .display_name = "Predicates"})
        .define({.name = "errors.retry.timeout", .type = config_type::long_, .def = "0", .imp = importance::medium,
                 .doc = "Maximum duration in milliseconds that a failed operation will be reattempted. 0 = no "
                        "retries, -1 = infinite.",
                 .group = errors, .order = 1, .w = width::medium, .display_name = "Retry Timeout for Errors"})
        .define({.name = "errors.retry.delay.max.ms", .type = config_type::long_, .def = "60000",
                 .imp = importance::medium, .doc = "Maximum delay between consecutive retries of a failed operation.",
                 .group = errors, .order = 2, .w = width::medium, .display_name = "Maximum Delay Between Retries for Errors"})
        .define({.name = "errors.tolerance", .type = config_type::string, .def = "none",
                 .valid = validators::one_of({"none", "all"}), .imp = importance::medium,
                 .doc = "Behavior for tolerating errors during connector operation: 'none' fails the task on the "
                        "first error, 'all' skips problematic records.",
                 .group = errors, .order = 3, .w = width::short_, .display_name = "Error Tolerance"})
        .define({.name = "errors.log.enable", .type = config_type::boolean, .def = "false", .imp = importance::medium,
                 .doc = "If true, write each error and the details of the failed operation to the log.",
                 .group = errors, .order = 4, .w = width::short_, .display_name = "Log Errors"})
        .define({.name = "errors.log.include.messages", .type = config_type::boolean, .def = "false",
                 .imp = importance::medium,
                 .doc = "Whether to include in the log the Connect record that resulted in a failure.",
                 .group = errors, .order = 5, .w = width::short_, .display_name = "Log Error Details"});
    return d;
}

} // namespace

const config_def& common_connector_def() {
    static const config_def d = build_common();
    return d;
}

const config_def& sink_connector_def() {
    static const config_def d = [] {
        auto d = build_common();
        const std::string common = "Common", errors = "Error Handling";
        d.define({.name = "topics", .type = config_type::list, .def = "", .imp = importance::high,
                  .doc = "List of topics to consume, separated by commas", .group = common, .order = 4,
                  .w = width::long_, .display_name = "Topics"})
            .define({.name = "topics.regex", .type = config_type::string, .def = "",
                     .valid = validators::valid_regex(), .imp = importance::high,
                     .doc = "Regular expression giving topics to consume. Only one of topics or topics.regex "
                            "should be specified.",
                     .group = common, .order = 4, .w = width::long_, .display_name = "Topics regex"})
            .define({.name = "errors.deadletterqueue.topic.name", .type = config_type::string, .def = "",
                     .imp = importance::medium,
                     .doc = "The name of the topic to be used as the dead letter queue (DLQ) for messages that result "
                            "in an error when processed by this sink connector, or its transformations or converters.",
                     .group = errors, .order = 6, .w = width::medium, .display_name = "Dead Letter Queue Topic Name"})
            .define({.name = "errors.deadletterqueue.topic.replication.factor", .type = config_type::short_,
                     .def = "3", .imp = importance::medium,
                     .doc = "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
                     .group = errors, .order = 7, .w = width::medium,
                     .display_name = "Dead Letter Queue Topic Replication Factor"})
            .define({.name = "errors.deadletterqueue.context.headers.enable", .type = config_type::boolean,
                     .def = "false", .imp = importance::medium,
                     .doc = "If true, add headers containing error context to the messages written to the dead letter "
                            "queue.",
                     .group = errors, .order = 8, .w = width::medium,
                     .display_name = "Enable Error Context Headers"});
        return d;
    }();
    return d;
}

const config_def& source_connector_def() {
    static const config_def d = [] {
        auto d = build_common();
        const std::string creation = "Topic Creation", eos = "Exactly Once Support", offsets = "offsets.topic",
                          errors = "Error Handling";
        d.define({.name = "errors.deadletterqueue.topic.name", .type = config_type::string, .def = "",
                  .imp = importance::medium,
                  .doc = "Ferry extension: dead letter queue for source records that fail conversion or "
                         "transformation (the raw record is written as JSON).",
                  .group = errors, .order = 6, .w = width::medium, .display_name = "Dead Letter Queue Topic Name"})
            .define({.name = "errors.deadletterqueue.topic.replication.factor", .type = config_type::short_,
                     .def = "3", .imp = importance::medium,
                     .doc = "Replication factor of the dead letter queue topic when Ferry creates it.", .group = errors,
                     .order = 7, .w = width::medium, .display_name = "Dead Letter Queue Topic Replication Factor"})
            .define({.name = "errors.deadletterqueue.context.headers.enable", .type = config_type::boolean,
                     .def = "false", .imp = importance::medium,
                     .doc = "If true, add error context headers to dead letter queue records.", .group = errors,
                     .order = 8, .w = width::medium, .display_name = "Enable Error Context Headers"})
            .define({.name = "topic.creation.groups", .type = config_type::list, .def = "",
                     .valid = validators::all({validators::non_null(),
                                               [](const std::string& name, const config_value& v) -> std::optional<std::string> {
                                                   auto& l = std::get<std::vector<std::string>>(v);
                                                   if (std::set<std::string>(l.begin(), l.end()).size() < l.size())
                                                       return invalid_value(name, v, "Duplicate alias provided.");
                                                   return std::nullopt;
                                               }}),
                     .imp = importance::low,
                     .doc = "Groups of configurations for topics created by source connectors", .group = creation,
                     .order = 1, .w = width::long_, .display_name = "Topic Creation Groups"})
            .define({.name = "exactly.once.support", .type = config_type::string, .def = "requested",
                     .valid = validators::one_of({"requested", "required"}, false), .imp = importance::medium,
                     .doc = "Permitted values are requested, required.", .group = eos, .order = 1,
                     .w = width::short_, .display_name = "Exactly once support"})
            .define({.name = "transaction.boundary", .type = config_type::string, .def = "poll",
                     .valid = validators::one_of({"poll", "interval", "connector"}, false), .imp = importance::medium,
                     .doc = "Permitted values are poll, interval, connector.", .group = eos, .order = 2,
                     .w = width::short_, .display_name = "Transaction Boundary"})
            .define({.name = "transaction.boundary.interval.ms", .type = config_type::long_, .def = null_default,
                     .imp = importance::low, .doc = "Transaction commit interval when transaction.boundary=interval.",
                     .group = eos, .order = 3, .w = width::short_, .display_name = "Transaction boundary interval"})
            .define({.name = "offsets.storage.topic", .type = config_type::string, .def = null_default,
                     .imp = importance::low, .doc = "The name of a separate offsets topic to use for this connector.",
                     .group = offsets, .order = 1, .w = width::long_, .display_name = "Offsets topic"});
        return d;
    }();
    return d;
}

config_def enriched_connector_def(const plugin_registry& plugins, plugin_type type, const config_def& connector_def,
                                  const config_map& props, bool topic_creation_enabled) {
    config_def d = type == plugin_type::sink ? sink_connector_def() : source_connector_def();
    if (type == plugin_type::source && topic_creation_enabled && uses_topic_creation(props))
        add_topic_creation_keys(d, props);
    for (auto& k : connector_def.keys())
        if (!d.find(k.name)) d.define(k);
    auto list_of = [&](const char* key) {
        std::vector<std::string> out;
        auto it = props.find(key);
        if (it == props.end()) return out;
        return std::get<std::vector<std::string>>(config_def::parse_value(key, it->second, config_type::list));
    };
    std::set<std::string> seen;
    for (auto& alias : list_of("transforms")) {
        if (!seen.insert(alias).second) throw config_error(fmt::format("Duplicate alias provided: {}", alias));
        auto prefix = "transforms." + alias + ".";
        auto group = "Transforms: " + alias;
        d.define({.name = prefix + "type", .type = config_type::class_, .def = no_default,
                  .valid = validators::non_null(), .imp = importance::high,
                  .doc = "Class for the '" + alias + "' transformation.", .group = group, .order = 0,
                  .w = width::long_, .display_name = "Transformation type for " + alias});
        d.define({.name = prefix + "predicate", .type = config_type::string, .def = null_default,
                  .imp = importance::medium, .doc = "The alias of a predicate used to determine whether to apply this "
                                                    "transformation.",
                  .group = group, .order = 1, .w = width::long_, .display_name = "Predicate"});
        d.define({.name = prefix + "negate", .type = config_type::boolean, .def = "false", .imp = importance::medium,
                  .doc = "Whether the configured predicate should be negated.", .group = group, .order = 2,
                  .w = width::short_, .display_name = "Negate"});
        auto t = props.find(prefix + "type");
        if (t == props.end()) continue;
        auto info = plugins.find(t->second, plugin_type::transformation);
        if (!info)
            throw config_error(fmt::format("Invalid value {} for configuration {}type: Class {} could not be found.",
                                           t->second, prefix, t->second));
        int order = 3;
        for (auto k : info->config_def().keys()) {
            k.name = prefix + k.name;
            k.group = group;
            k.order = order++;
            if (!d.find(k.name)) d.define(std::move(k));
        }
    }
    seen.clear();
    for (auto& alias : list_of("predicates")) {
        if (!seen.insert(alias).second) throw config_error(fmt::format("Duplicate alias provided: {}", alias));
        auto prefix = "predicates." + alias + ".";
        auto group = "Predicates: " + alias;
        d.define({.name = prefix + "type", .type = config_type::class_, .def = no_default,
                  .valid = validators::non_null(), .imp = importance::high,
                  .doc = "Class for the '" + alias + "' predicate.", .group = group, .order = 0, .w = width::long_,
                  .display_name = "Predicate type for " + alias});
        auto t = props.find(prefix + "type");
        if (t == props.end()) continue;
        auto info = plugins.find(t->second, plugin_type::predicate);
        if (!info)
            throw config_error(fmt::format("Invalid value {} for configuration {}type: Class {} could not be found.",
                                           t->second, prefix, t->second));
        int order = 1;
        for (auto k : info->config_def().keys()) {
            k.name = prefix + k.name;
            k.group = group;
            k.order = order++;
            if (!d.find(k.name)) d.define(std::move(k));
        }
    }
    return d;
}

std::vector<std::pair<std::string, std::string>> extra_connector_checks(plugin_type type, const config_map& props) {
    std::vector<std::pair<std::string, std::string>> out;
    auto get = [&](const std::string& k) -> std::string {
        auto it = props.find(k);
        return it == props.end() ? std::string() : it->second;
    };
    auto trim = [](std::string s) {
        while (!s.empty() && isspace((unsigned char)s.back())) s.pop_back();
        while (!s.empty() && isspace((unsigned char)s.front())) s.erase(s.begin());
        return s;
    };
    if (type == plugin_type::sink) {
        auto topics = trim(get("topics"));
        auto regex = trim(get("topics.regex"));
        if (!topics.empty() && !regex.empty()) {
            auto msg = "topics and topics.regex are mutually exclusive options, but both are set.";
            out.emplace_back("topics", msg);
            out.emplace_back("topics.regex", msg);
        } else if (topics.empty() && regex.empty()) {
            auto msg = "Must configure one of topics or topics.regex";
            out.emplace_back("topics", msg);
            out.emplace_back("topics.regex", msg);
        }
        auto dlq = trim(get("errors.deadletterqueue.topic.name"));
        if (!dlq.empty()) {
            auto list = std::get<std::vector<std::string>>(config_def::parse_value("topics", topics, config_type::list));
            for (auto& t : list)
                if (t == dlq)
                    out.emplace_back("errors.deadletterqueue.topic.name",
                                     fmt::format("The DLQ topic '{}' may not be included in the list of topics "
                                                 "('topics'='{}') to consume from",
                                                 dlq, topics));
            if (!regex.empty()) {
                try {
                    if (std::regex_match(dlq, std::regex(regex)))
                        out.emplace_back("errors.deadletterqueue.topic.name",
                                         fmt::format("The DLQ topic '{}' may not be matched by the regex for the topics "
                                                     "to consume from ('topics.regex'='{}')",
                                                     dlq, regex));
                } catch (const std::regex_error&) {
                    // reported by topics.regex's own validator
                }
            }
        }
    }
    // transforms.<a>.negate without transforms.<a>.predicate is a configuration error.
    auto aliases = std::get<std::vector<std::string>>(config_def::parse_value("transforms", get("transforms"), config_type::list));
    for (auto& a : aliases) {
        auto neg = "transforms." + a + ".negate";
        if (props.count(neg) && !props.count("transforms." + a + ".predicate"))
            out.emplace_back(neg, fmt::format("Transformation {} has negate set but no predicate", a));
        auto pred = props.find("transforms." + a + ".predicate");
        if (pred != props.end() && !pred->second.empty()) {
            auto preds = std::get<std::vector<std::string>>(config_def::parse_value("predicates", get("predicates"), config_type::list));
            if (std::find(preds.begin(), preds.end(), pred->second) == preds.end())
                out.emplace_back("transforms." + a + ".predicate",
                                 fmt::format("Predicate '{}' is not defined in 'predicates'", pred->second));
        }
    }
    return out;
}

std::vector<config::config_map> reverse_transform_task_configs(const config::config_map& raw,
                                                               std::vector<config::config_map> tasks) {
    std::map<std::string, std::string> references;
    for (auto& [k, v] : raw)
        if (v.find("${") != std::string::npos) references[k] = v;
    if (references.empty()) return tasks;
    for (auto& t : tasks)
        for (auto& [k, v] : t)
            if (auto it = references.find(k); it != references.end()) v = it->second;
    return tasks;
}

} // namespace ferry::runtime
