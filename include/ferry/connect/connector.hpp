#pragma once
// Connectors: the per-job object that splits work into task configurations.
//
// Lifecycle (driven by the worker that owns the connector; one thread at a time calls in):
//   construct -> initialize(ctx) -> validate(config)? -> start(config) -> task_configs(max)*
//   -> [reconfigure: stop(); start(new config)] -> stop() -> destroy
// task_configs() is called after start() and again whenever the connector asks for it through
// ctx.request_task_reconfiguration() (e.g. a JDBC source that found a new table). The runtime
// adds "task.class" (and, for sinks, topics/topics.regex) to each returned map, stores them, and
// starts one task per map - possibly on other workers, which is why a task must be creatable
// from its config alone (see plugin registry: tasks are looked up by task_class()).
// stop() must return promptly; an exception from start() marks the connector FAILED.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/record.hpp"

#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

using config::config_map;

class connector_context {
public:
    virtual ~connector_context() = default;
    // Asks the runtime to call task_configs() again and restart tasks if they changed.
    virtual void request_task_reconfiguration() = 0;
    // Fails the connector from a background thread of its own.
    virtual void raise_error(const std::string& message) = 0;
};

enum class exactly_once_support { unsupported, supported };

class connector {
public:
    virtual ~connector() = default;
    virtual std::string version() const = 0;
    virtual void initialize(connector_context& ctx) { _context = &ctx; }
    virtual void start(const config_map& config) = 0;
    // The Java-compatible class name of this connector's task (used as "task.class").
    virtual std::string task_class() const = 0;
    virtual std::vector<config_map> task_configs(int max_tasks) = 0;
    virtual void stop() = 0;
    // The connector's own keys (the runtime adds the framework keys of spec section 2).
    virtual const config::config_def& config() const = 0;
    // Extra validation beyond the table (e.g. keys that depend on each other). The default
    // validates the table. Results merge with the framework's.
    virtual std::vector<config::config_validation> validate(const config_map& props) const {
        return config().validate(props);
    }

protected:
    connector_context& context() const { return *_context; }

private:
    connector_context* _context = nullptr;
};

// Offsets as the REST offsets API carries them: (partition map, offset map or null).
using partition_offsets = std::vector<std::pair<value, value>>;

class source_connector : public connector {
public:
    virtual exactly_once_support exactly_once(const config_map&) const { return exactly_once_support::unsupported; }
    // KIP-875: called before offsets are altered or reset (offset null). Return true when the
    // connector manages nothing externally; throw connect_error to refuse. nullopt = unsupported.
    virtual std::optional<bool> alter_offsets(const config_map&, const partition_offsets&) { return std::nullopt; }
};

class sink_connector : public connector {
public:
    virtual std::optional<bool> alter_offsets(const config_map&, const std::map<topic_partition, std::optional<int64_t>>&) {
        return std::nullopt;
    }
};

} // namespace ferry
