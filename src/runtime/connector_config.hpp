#pragma once
// The framework's connector keys (spec kafka-connect.md section 2): common, sink-only and source-only
// definitions, and the validation that Kafka Connect applies on top of each connector's own table.

#include "ferry/config/config_def.hpp"
#include "ferry/plugin.hpp"

#include <string>
#include <vector>

namespace ferry::runtime {

const config::config_def& common_connector_def();
const config::config_def& sink_connector_def();   // common + sink keys
const config::config_def& source_connector_def(); // common + source keys

// The full definition for a connector: framework keys, the connector's own keys, and the keys of
// each configured transform/predicate alias (transforms.<a>.type, transforms.<a>.<key>, ...), as
// Kafka Connect's "enriched" ConnectorConfig does; for a source connector that uses topic creation
// on a worker with topic.creation.enable=true, also the keys of each topic creation group
// (runtime/topic_creation.hpp), as its SourceConnectorConfig does. Throws config_error if a
// transform or predicate type cannot be found.
config::config_def enriched_connector_def(const plugin_registry& plugins, plugin_type type,
                                          const config::config_def& connector_def, const config::config_map& props,
                                          bool topic_creation_enabled = false);

// Checks that Kafka Connect performs beyond the tables (topics vs topics.regex, DLQ topic not among the
// topics, transforms.<a>.negate without predicate, ...). Returns (key, message) pairs.
std::vector<std::pair<std::string, std::string>> extra_connector_checks(plugin_type type, const config::config_map& props);

// Task configs are generated from the resolved connector config. Values that came from a config
// provider (${file:...}, ${env:...}) are put back as their ${...} references, as Kafka Connect's
// reverse transform does, so secrets are neither stored in the config topic nor shown by REST.
std::vector<config::config_map> reverse_transform_task_configs(const config::config_map& raw,
                                                               std::vector<config::config_map> tasks);

} // namespace ferry::runtime
