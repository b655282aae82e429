#pragma once
// The herder: the single authority over which connectors exist, their configs, target states and
// task configs, in one worker (standalone) or across a cluster (distributed). The REST API talks
// only to the herder; the herder drives the worker.
//
// Contract. Every method is synchronous from the caller's point of view: it returns when the change
// is made (and, for writes, stored) or fails with an error whose kind maps onto the REST status
// (not_found 404, already_exists 409, conflict 409, invalid_argument 400, others 500). Methods are
// thread-safe; implementations serialise changes internally (standalone: one mutex plus a thread
// for requests that connectors raise asynchronously; distributed: the tick thread).
//
// State. Connector configs are kept raw (config-provider references unresolved) and resolved only
// when handed to the worker. Statuses come from the status store and are read without blocking on
// configuration work, so /status answers even while a connector is being (re)started.

#include "base/error.hpp"
#include "ferry/plugin.hpp"
#include "runtime/states.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::runtime {

struct connector_info {
    std::string name;
    config_map config;
    std::vector<task_id> tasks;
    std::string type; // "source", "sink" or "unknown"
};

struct state_info {
    std::string state;
    std::string worker_id;
    std::string trace; // empty = omitted
};

struct task_state_info : state_info {
    int32_t id = 0;
};

struct connector_state_info {
    std::string name;
    state_info connector;
    std::vector<task_state_info> tasks; // sorted by id
    std::string type;
};

struct task_info {
    task_id id;
    config_map config;
};

// One entry of the offsets API (KIP-875): partition map -> offset map (null = reset).
struct connector_offset {
    value partition;
    value offset;
};

// ConfigInfos (spec 1.6).
struct config_info_entry {
    std::optional<config::config_key> definition; // null for undefined keys with errors
    config::config_validation value;
};
struct config_infos {
    std::string name;
    int error_count = 0;
    std::vector<std::string> groups;
    std::vector<config_info_entry> configs;
};

class herder {
public:
    virtual ~herder() = default;

    virtual result<> start() = 0;
    virtual void stop() = 0;
    virtual bool ready() const = 0;

    virtual const plugin_registry& plugins() const = 0;
    virtual std::string kafka_cluster_id() const = 0;
    virtual std::string worker_id() const = 0;

    virtual std::vector<std::string> connectors() = 0;
    virtual result<connector_info> connector(const std::string& name) = 0;
    virtual result<config_map> connector_config(const std::string& name) = 0;

    struct put_result {
        bool created = false;
        connector_info info;
    };
    virtual result<put_result> put_connector_config(const std::string& name, const config_map& config,
                                                    bool allow_replace, std::optional<target_state> initial) = 0;
    // Keys mapped to nullopt are removed.
    virtual result<connector_info> patch_connector_config(const std::string& name,
                                                          const std::map<std::string, std::optional<std::string>>& patch) = 0;
    virtual result<> delete_connector(const std::string& name) = 0;

    virtual result<connector_state_info> connector_status(const std::string& name) = 0;
    virtual result<task_state_info> task_status(const task_id& id) = 0;
    virtual result<std::vector<task_info>> task_configs(const std::string& name) = 0;

    virtual result<> restart_connector(const std::string& name) = 0;
    virtual result<> restart_task(const task_id& id) = 0;
    // KIP-745: returns the plan (entries to restart shown as RESTARTING).
    virtual result<connector_state_info> restart_connector_and_tasks(const std::string& name, bool include_tasks,
                                                                      bool only_failed) = 0;
    virtual result<> pause_connector(const std::string& name) = 0;
    virtual result<> resume_connector(const std::string& name) = 0;
    virtual result<> stop_connector(const std::string& name) = 0;

    virtual result<std::vector<connector_offset>> connector_offsets(const std::string& name) = 0;
    // Returns the success message of the offsets API.
    virtual result<std::string> alter_connector_offsets(const std::string& name,
                                                        const std::vector<connector_offset>& offsets) = 0;
    virtual result<std::string> reset_connector_offsets(const std::string& name) = 0;

    virtual result<config_infos> validate_connector_config(const config_map& config) = 0;

    // Topics the connector's tasks have used since the last reset (topic.tracking.enable, KIP-558).
    // The defaults say the herder does not track topics (REST 500).
    virtual result<std::vector<std::string>> connector_active_topics(const std::string& name) {
        return fail(errc::internal, "Topic tracking is not available for connector {}", name);
    }
    virtual result<> reset_connector_active_topics(const std::string& name) {
        return fail(errc::internal, "Topic tracking is not available for connector {}", name);
    }

    // Internal (distributed): a follower hands the leader the task configs its connector generated
    // (POST /connectors/{c}/tasks). The raw body and the X-Connect-Authorization /
    // X-Connect-Request-Signature-Algorithm headers are checked against the session key.
    virtual result<> accept_task_configs(const std::string& connector, const std::vector<config_map>& configs,
                                         const std::string& raw_body, const std::optional<std::string>& signature,
                                         const std::optional<std::string>& algorithm) {
        (void)connector, (void)configs, (void)raw_body, (void)signature, (void)algorithm;
        return fail(errc::not_found, "Not found");
    }
};

} // namespace ferry::runtime
