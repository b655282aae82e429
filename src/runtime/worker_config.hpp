#pragma once
// Worker configuration (spec kafka-connect.md section 3): the keys of connect-standalone.properties
// and connect-distributed.properties, plus Ferry's own embedded.kafka.* keys.

#include "base/error.hpp"
#include "ferry/config/config_def.hpp"

#include <string>

namespace ferry::runtime {

enum class worker_mode { standalone, distributed };

const config::config_def& worker_config_def(worker_mode mode);

struct worker_config {
    worker_mode mode = worker_mode::standalone;
    config::config_values values; // parsed, with config providers already resolved
    config::config_map raw;       // as given

    std::string bootstrap_servers() const; // "embedded" when the embedded broker is to be used
    bool embedded_kafka() const;
    // connector.client.config.override.policy as Java names the policy in its messages: "All",
    // "None" or "Principal", whichever of its accepted spellings the worker was given.
    std::string override_policy() const;
    // Whether that policy lets a connector set `<client>.override.<key>` (Principal: the SASL keys).
    bool override_allowed(std::string_view key) const;
    // Java client properties for a kind of client: the worker's connection settings
    // (bootstrap.servers, security.*, ssl.*, sasl.*) overlaid with `producer.*` etc.
    config::config_map client_props(std::string_view prefix) const;
    // The worker's connection settings only (for internal clients).
    config::config_map connection_props() const;
};

// Parses and validates; the error names the key (config_error text).
result<worker_config> parse_worker_config(const config::config_map& raw, worker_mode mode);

} // namespace ferry::runtime
