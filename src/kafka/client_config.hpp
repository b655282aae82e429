#pragma once
// Kafka client settings. Users write Java client property names (producer.linger.ms,
// consumer.max.poll.records, sasl.jaas.config ...) because that is what Kafka Connect takes; Ferry's
// clients are librdkafka, so the names are translated here in one place. Keys that only make sense
// for Java (serializers, max.block.ms, ...) are dropped quietly; keys librdkafka does not know are
// dropped with a warning that names them - never with their value, which may be a secret.

#include "base/error.hpp"

#include <map>
#include <string>
#include <vector>

namespace ferry::kafka {

using properties = std::map<std::string, std::string>;

enum class client_kind { producer, consumer, admin };

struct translated_config {
    properties settings;              // librdkafka names and values
    std::vector<std::string> ignored; // keys dropped (names only)
};

translated_config translate(const properties& java_props, client_kind kind);

// A bootstrap.servers value that means "the worker's embedded broker".
bool is_embedded(const std::string& bootstrap_servers);

} // namespace ferry::kafka
