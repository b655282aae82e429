#pragma once
// Registration shorthands: Kafka's transforms register under their Java class names
// ("org.apache.kafka.connect.transforms.Cast$Value") with the simple names as aliases.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/plugin.hpp"

#include <memory>
#include <string>

namespace ferry::transforms {

inline const std::string kafka_transforms_package = "org.apache.kafka.connect.transforms.";
inline const std::string kafka_predicates_package = "org.apache.kafka.connect.transforms.predicates.";

template <class T>
void add_transformation(plugin_registry& r, const std::string& package, const std::string& simple_name,
                        const config::config_def& (*definition)()) {
    r.add_transformation(plugin_info{.class_name = package + simple_name,
                                     .aliases = {simple_name},
                                     .type = plugin_type::transformation,
                                     .version = kafka_version,
                                     .config_def = definition},
                         [] { return std::make_unique<T>(); });
}

// Both `$Key` and `$Value` of a Kafka transform whose class takes the side it works on.
template <class T>
void add_key_value(plugin_registry& r, const std::string& simple_name, const config::config_def& (*definition)()) {
    for (side s : {side::key, side::value}) {
        std::string name = simple_name + (s == side::key ? "$Key" : "$Value");
        r.add_transformation(plugin_info{.class_name = kafka_transforms_package + name,
                                         .aliases = {name},
                                         .type = plugin_type::transformation,
                                         .version = kafka_version,
                                         .config_def = definition},
                             [s] { return std::make_unique<T>(s); });
    }
}

template <class T>
void add_predicate(plugin_registry& r, const std::string& simple_name, const config::config_def& (*definition)()) {
    r.add_predicate(plugin_info{.class_name = kafka_predicates_package + simple_name,
                                .aliases = {simple_name},
                                .type = plugin_type::predicate,
                                .version = kafka_version,
                                .config_def = definition},
                    [] { return std::make_unique<T>(); });
}

} // namespace ferry::transforms
