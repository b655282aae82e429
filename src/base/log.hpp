#pragma once
// One logger per subsystem ("runtime", "broker", "rest", a plugin's name ...), all writing to the
// same sink. Levels follow the project rule: ERROR = data at risk or operator action needed,
// WARN = recovered, INFO = lifecycle, DEBUG = never per record. Lines of a connector or task carry
// its tag, e.g. "[file-source|task-0]", so one grep follows one task.

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::log {

using logger_ptr = std::shared_ptr<spdlog::logger>;

// Returns the logger of a subsystem, creating it at the current root level on first use.
logger_ptr get(std::string_view name);

// Sets up the process-wide sink (stderr) and the root level ("INFO" unless FERRY_LOG_LEVEL is set).
void init(std::string_view default_level = "info");

// Level control used by /admin/loggers. Names are logger names or prefixes of them ("root" = all).
struct level_info {
    std::string level;                     // Kafka's names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF
    std::optional<int64_t> last_modified;  // epoch ms of the last explicit change, none for defaults
};
std::map<std::string, level_info> levels();
std::optional<level_info> level_of(std::string_view name);
// Java namespaces (org.apache.kafka.connect..., io.debezium.connector.postgresql...,
// io.confluent.connect.jdbc...) also set the Ferry loggers that do that code's work.
// Returns the names of the loggers whose level changed; nullopt when the level name is unknown.
std::optional<std::vector<std::string>> set_level(std::string_view name, std::string_view level);

} // namespace ferry::log
