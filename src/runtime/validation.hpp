#pragma once
// Connector config validation as Kafka Connect's AbstractHerder does it: framework keys, the
// connector's own keys and checks, every transform/predicate alias, client override policy.

#include "runtime/herder.hpp"
#include "runtime/worker_config.hpp"

namespace ferry::runtime {

// Throws nothing; a missing/unknown connector.class is reported as errc::invalid_argument.
result<config_infos> validate_connector(const plugin_registry& plugins, const worker_config& wc, const config_map& config);

// "Connector configuration is invalid and contains the following N error(s): ..." or nullopt.
std::optional<std::string> validation_error_message(const config_infos& infos);

} // namespace ferry::runtime
