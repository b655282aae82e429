#pragma once
// The worker: runs connectors and tasks on this process (Kafka Connect's Worker).
//
// The herder decides WHAT runs (which connectors, which task configs, target states); the worker
// knows HOW: it instantiates plugins, builds converters and transforms, creates the Kafka clients
// with the framework defaults and the user's overrides, and owns one thread per task. Every
// method is called from the herder's thread; statuses flow back through the status_listener.

#include "ferry/plugin.hpp"
#include "runtime/connector_config.hpp"
#include "runtime/states.hpp"
#include "runtime/status.hpp"
#include "runtime/worker_config.hpp"
#include "runtime/source_task_runner.hpp"
#include "runtime/worker_task.hpp"
#include "kafka/client_config.hpp"
#include "storage/offset_store.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::runtime {

// Resolves ${provider:path:key} references (config providers) in a config.
using config_resolver = std::function<config_map(const config_map&)>;

struct worker_settings {
    const plugin_registry* plugins = nullptr;
    worker_config config;
    std::string worker_id;         // advertised host:port
    std::string bootstrap_servers; // resolved (the embedded broker's address when embedded)
    std::shared_ptr<storage::offset_store> offsets;
    status_listener* listener = nullptr;
    config_resolver resolve;       // identity when null
    // Called (from any thread) when a connector asks for task reconfiguration.
    std::function<void(const std::string& connector)> on_reconfiguration_request;
    // Called (from any thread) when a connector raises an error from a thread of its own.
    std::function<void(const std::string& connector, const std::string& message)> on_connector_error;
};

class worker {
public:
    explicit worker(worker_settings s);
    ~worker();

    const plugin_registry& plugins() const { return *_s.plugins; }
    const worker_config& config() const { return _s.config; }
    const std::string& worker_id() const { return _s.worker_id; }
    const std::string& bootstrap_servers() const { return _s.bootstrap_servers; }

    // Connectors. start_connector instantiates and starts the connector unless the target state
    // says otherwise; failures are reported as FAILED and returned.
    result<> start_connector(const std::string& name, const config_map& raw_config, target_state target);
    result<> set_connector_target(const std::string& name, target_state target);
    void stop_connector(const std::string& name);
    bool connector_running(const std::string& name) const;
    // The connector's task configs with task.class (and topics/topics.regex for sinks) added.
    result<std::vector<config_map>> connector_task_configs(const std::string& name);

    // Tasks.
    result<> start_task(const task_id& id, const config_map& raw_connector_config, const config_map& raw_task_config,
                        target_state target);
    void set_task_target(const task_id& id, target_state target);
    // Stops the tasks and waits for them within task.shutdown.graceful.timeout.ms (in total).
    void stop_tasks(const std::vector<task_id>& ids);
    std::vector<task_id> tasks_of(const std::string& connector) const;
    std::vector<task_id> all_tasks() const;
    // Metrics snapshot access for /metrics.
    void for_each_task(const std::function<void(const task_id&, const task_metrics&)>& fn) const;

    void stop_all();

    // Which kind of connector a config names (throws connect_error if unknown).
    plugin_type connector_type(const config_map& cfg) const;

    // Client settings of a connector's source producers, sink consumers and admin clients
    // (framework defaults, worker prefixes, the connector's overrides under the policy), for the
    // offsets API too.
    kafka::properties producer_props(const std::string& connector, int32_t task, const config_map& cc) const;
    kafka::properties consumer_props(const std::string& connector, int32_t task, const config_map& cc) const;
    kafka::properties admin_props(const config_map& cc) const;
    // A raw config with its config-provider references resolved.
    config_map resolved(const config_map& raw) const { return resolve(raw); }

private:
    class connector_holder;
    task_plugins make_task_plugins(const config_map& connector_config);
    config_map resolve(const config_map& c) const { return _s.resolve ? _s.resolve(c) : c; }

    worker_settings _s;
    mutable std::mutex _mu;
    std::map<std::string, std::unique_ptr<connector_holder>> _connectors;
    std::map<task_id, std::shared_ptr<worker_task>> _tasks;
};

} // namespace ferry::runtime
