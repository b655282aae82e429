#pragma once
// A sink connector's offsets for the offsets API (KIP-875): the committed offsets of its consumer
// group (connect-<name>, or consumer.override.group.id), read and changed with the admin API as
// Kafka Connect's Worker does. Herders call these only for a STOPPED connector, whose tasks have
// left the group; a group that still has members refuses the change (the broker says so).
//
// Threading: each call creates its own short-lived admin client and blocks until the broker
// answers or `timeout_ms` passes.

#include "base/error.hpp"
#include "ferry/connect/record.hpp"
#include "kafka/client_config.hpp"
#include "runtime/herder.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::runtime {

using sink_offsets = std::map<topic_partition, std::optional<int64_t>>; // nullopt = reset

// The group's committed offsets in the REST shape:
// {"partition":{"kafka_partition":p,"kafka_topic":"t"},"offset":{"kafka_offset":n}}
// (keys in the order Java's HashMap gives them), sorted by topic and partition.
result<std::vector<connector_offset>> read_sink_offsets(const kafka::properties& admin_props, const std::string& group,
                                                        const std::string& connector, int timeout_ms);

// Parses a PATCH body's entries as SinkUtils.parseSinkConnectorOffsets does: numbers or numeric
// strings; errors are invalid_argument with Kafka's messages.
result<sink_offsets> parse_sink_offsets(const std::vector<connector_offset>& offsets);

// Commits the non-null offsets and deletes the null ones. `connector` names the connector in errors.
result<> alter_sink_offsets(const kafka::properties& admin_props, const std::string& group, const sink_offsets& offsets,
                            const std::string& connector, int timeout_ms);

// Deletes the consumer group (a group that does not exist is already reset).
result<> reset_sink_offsets(const kafka::properties& admin_props, const std::string& group,
                            const std::string& connector, int timeout_ms);

} // namespace ferry::runtime
