#pragma once
// Topic creation by source connectors (KIP-158, spec kafka-connect.md section 2, `topic.creation.*`).
//
// A source connector that sets any topic.creation.* key, on a worker with topic.creation.enable=true
// (the default), has its tasks create each topic they are about to write to for the first time,
// unless it exists already. The settings come in groups: `default` (always there, never listed in
// topic.creation.groups; replication.factor and partitions are required) and the groups named by
// topic.creation.groups, in that order. A group has include/exclude regex lists (Java syntax, whole
// topic name), optional replication.factor/partitions (the default group's when absent; -1 = the
// broker's default), and every other topic.creation.<group>.<key> is a topic config of the new
// topic. A topic takes the first listed group that includes and does not exclude it, else `default`,
// whose include/exclude are ignored. As in Kafka Connect (SourceConnectorConfig.enrich), the keys
// of each group are added to the connector's config definition, so parsing and validation report
// a missing or bad value with Java's messages.

#include "config/regex.hpp"
#include "ferry/config/config_def.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::runtime {

// Whether a connector config has any topic.creation.* key (Java's usesTopicCreation).
bool uses_topic_creation(const config::config_map& props);

// The groups named by topic.creation.groups, in order, once each, without `default` (which always
// exists and needs no listing). An unparsable list gives no groups (its own key reports it).
std::vector<std::string> topic_creation_group_names(const config::config_map& props);

// Adds topic.creation.default.{include,exclude,replication.factor,partitions} and the same four
// keys of each listed group to `d`. Called for source connectors that use topic creation on a
// worker that allows it.
void add_topic_creation_keys(config::config_def& d, const config::config_map& props);

struct topic_creation_group {
    std::string name;
    // The include and exclude lists joined with '|' (as Java compiles them); empty = matches nothing.
    std::vector<config::regex> include, exclude;
    int32_t partitions = -1;         // -1 = broker default
    int16_t replication_factor = -1; // -1 = broker default
    std::map<std::string, std::string> configs; // topic configs of the new topic

    bool matches(std::string_view topic) const;
    // "group 'x' (partitions=3, replication.factor=1, configs={cleanup.policy=compact})" for logs and errors.
    std::string describe() const;
};

class topic_creation {
public:
    // From the connector config parsed with add_topic_creation_keys' keys (`vals`) and its raw
    // (resolved) properties, which supply each group's topic configs. Throws config_error for a
    // regex that does not compile.
    static topic_creation from(const config::config_values& vals, const config::config_map& props);

    // The first listed group that matches, else the default group.
    const topic_creation_group& group_for(std::string_view topic) const;
    const std::vector<topic_creation_group>& groups() const { return _groups; }
    const topic_creation_group& default_group() const { return _default; }

private:
    std::vector<topic_creation_group> _groups; // listed order, without default
    topic_creation_group _default;
};

} // namespace ferry::runtime
