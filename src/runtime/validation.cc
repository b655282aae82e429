#include "runtime/validation.hpp"

#include "runtime/connector_config.hpp"
#include "runtime/topic_creation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace ferry::runtime {

using namespace config;

result<config_infos> validate_connector(const plugin_registry& plugins, const worker_config& wc, const config_map& props) {
    auto cls_it = props.find("connector.class");
    if (cls_it == props.end() || cls_it->second.empty())
        return fail(errc::invalid_argument, "Connector config {} contains no connector type", "{...}");
    auto info = plugins.find_connector(cls_it->second);
    if (!info) {
        try {
            (void)plugins.make_connector(cls_it->second);
        } catch (const std::exception& e) {
            return fail(errc::invalid_argument, "{}", e.what());
        }
        return fail(errc::invalid_argument, "Connector {} not found", cls_it->second);
    }
    auto conn = plugins.make_connector(cls_it->second);
    config_infos out;
    out.name = cls_it->second;

    config_def enriched;
    std::vector<config_validation> framework_results;
    bool topic_creation = wc.values.get_bool("topic.creation.enable");
    try {
        enriched = enriched_connector_def(plugins, info->type, config_def(), props, topic_creation);
    } catch (const std::exception& e) {
        // A transform or predicate class that cannot be found: report it on the key.
        enriched = info->type == plugin_type::sink ? sink_connector_def() : source_connector_def();
        if (info->type == plugin_type::source && topic_creation && uses_topic_creation(props))
            add_topic_creation_keys(enriched, props);
        std::string msg = e.what();
        std::string key = "transforms";
        auto pos = msg.find("configuration ");
        if (pos != std::string::npos) {
            auto end = msg.find(':', pos);
            key = msg.substr(pos + 14, end == std::string::npos ? std::string::npos : end - pos - 14);
        }
        config_validation v;
        v.name = key;
        if (auto it = props.find(key); it != props.end()) v.value = it->second;
        v.errors.push_back(msg);
        framework_results.push_back(v);
    }
    auto results = enriched.validate(props);
    // The connector's own validation (its table plus extra checks).
    std::vector<config_validation> connector_results;
    try {
        connector_results = conn->validate(props);
    } catch (const std::exception& e) {
        config_validation v;
        v.name = "connector.class";
        v.value = cls_it->second;
        v.errors.push_back(e.what());
        connector_results.push_back(v);
    }
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < results.size(); i++) index[results[i].name] = i;
    auto merge = [&](const config_validation& v) {
        auto it = index.find(v.name);
        if (it == index.end()) {
            index[v.name] = results.size();
            results.push_back(v);
        } else {
            auto& r = results[it->second];
            for (auto& e : v.errors)
                if (std::find(r.errors.begin(), r.errors.end(), e) == r.errors.end()) r.errors.push_back(e);
            if (!v.recommended_values.empty()) r.recommended_values = v.recommended_values;
            r.visible = r.visible && v.visible;
        }
    };
    for (auto& v : connector_results) merge(v);
    for (auto& v : framework_results) merge(v);
    for (auto& [key, msg] : extra_connector_checks(info->type, props)) {
        config_validation v;
        v.name = key;
        if (auto it = props.find(key); it != props.end()) v.value = it->second;
        v.errors.push_back(msg);
        merge(v);
    }
    // Client overrides under the worker's policy - for the clients the connector uses, as Java's
    // AbstractHerder.connectorUses{Producer,Consumer,Admin}: a sink produces only to its dead letter
    // queue, a source consumes only its own offsets topic and creates topics only with
    // topic.creation.* (on a worker that allows it); overrides of a client it does not use are not
    // checked.
    auto policy = wc.override_policy();
    bool sink = info->type == plugin_type::sink;
    auto has = [&](const char* key) {
        auto it = props.find(key);
        return it != props.end() && !it->second.empty();
    };
    bool dlq = sink && has("errors.deadletterqueue.topic.name");
    bool creates_topics = !sink && topic_creation && uses_topic_creation(props);
    for (auto& [k, v] : props) {
        for (auto prefix : {"producer.override.", "consumer.override.", "admin.override."}) {
            if (!k.starts_with(prefix)) continue;
            bool uses = prefix[0] == 'p'   ? !sink || dlq
                        : prefix[0] == 'c' ? sink || has("offsets.storage.topic")
                                           : dlq || creates_topics;
            if (!uses) continue;
            auto sub = k.substr(strlen(prefix));
            if (!wc.override_allowed(sub)) {
                config_validation cv;
                cv.name = k;
                cv.value = v;
                cv.errors.push_back(fmt::format("The '{}' policy does not allow '{}' to be overridden in the connector "
                                                "configuration.",
                                                policy, sub));
                merge(cv);
            }
        }
    }

    // Converters the connector sets (AbstractHerder.validateConverterConfig): the class must exist,
    // and its prefixed keys are validated against the converter's own definition (with
    // converter.type filled in), reported under their prefixed names.
    std::vector<config_info_entry> converter_entries;
    for (auto [key, type, kind] : {std::tuple{"key.converter", plugin_type::converter, "key"},
                                   std::tuple{"value.converter", plugin_type::converter, "value"},
                                   std::tuple{"header.converter", plugin_type::header_converter, "header"}}) {
        auto it = props.find(key);
        if (it == props.end() || it->second.empty()) continue;
        const plugin_info* conv = plugins.find(it->second, type);
        if (!conv) {
            config_validation cv;
            cv.name = key;
            cv.value = it->second;
            cv.errors.push_back(fmt::format("Invalid value {} for configuration {}: Class {} could not be found.", it->second,
                                            key, it->second));
            merge(cv);
            continue;
        }
        if (!conv->config_def) continue;
        std::string prefix = std::string(key) + ".";
        config_map sub;
        for (auto& [k, v] : props)
            if (k.starts_with(prefix)) sub[k.substr(prefix.size())] = v;
        sub.emplace("converter.type", kind);
        const config_def& def = conv->config_def();
        for (auto& v : def.validate(sub)) {
            config_info_entry e;
            if (auto k = def.find(v.name)) {
                if (k->internal) continue;
                e.definition = *k;
                e.definition->name = prefix + k->name;
            }
            e.value = std::move(v);
            e.value.name = prefix + e.value.name;
            converter_entries.push_back(std::move(e));
        }
    }

    // Groups: framework groups first, then the connector's.
    std::vector<std::string> groups = enriched.groups();
    for (auto& g : conn->config().groups())
        if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    out.groups = groups;
    for (auto& v : results) {
        config_info_entry e;
        if (auto k = enriched.find(v.name)) e.definition = *k;
        else if (auto k2 = conn->config().find(v.name)) e.definition = *k2;
        if (e.definition && e.definition->internal) continue;
        e.value = v;
        out.error_count += int(v.errors.size());
        out.configs.push_back(std::move(e));
    }
    for (auto& e : converter_entries) {
        out.error_count += int(e.value.errors.size());
        out.configs.push_back(std::move(e));
    }
    return out;
}

std::optional<std::string> validation_error_message(const config_infos& infos) {
    if (infos.error_count == 0) return std::nullopt;
    std::string msg = fmt::format("Connector configuration is invalid and contains the following {} error(s):\n",
                                  infos.error_count);
    for (auto& c : infos.configs)
        for (auto& e : c.value.errors) msg += e + "\n";
    msg += "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";
    return msg;
}

} // namespace ferry::runtime
