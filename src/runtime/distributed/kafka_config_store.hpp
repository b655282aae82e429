#pragma once
// Connector configs, target states, task configs and restart requests in the config topic
// (config.storage.topic, one partition; spec 4.2), with Java's keys and JSON values so that Java
// and Ferry workers share a cluster's configuration.
//
// Reading. Every record of the topic is applied in order to an in-memory state:
//   connector-<c>          {"properties":{...}}            (tombstone: connector deleted)
//   target-state-<c>       {"state":"PAUSED","state.v2":"STOPPED"}
//   task-<c>-<n>           {"properties":{...}}            buffered until the commit
//   commit-<c>             {"tasks":N}                     applies tasks 0..N-1 atomically
//   restart-connector-<c>  {"include-tasks":b,"only-failed":b}
//   session-key, logger-cluster-<ns>, tasks-fencing-<c>    (kept for the distributed herder)
// A commit whose tasks are incomplete marks the connector inconsistent (it must regenerate).
// The listener is told about every change, on the log's thread, after the state is updated.
//
// Writing. Only the group leader writes connector and task configs, commits and restart
// requests (any worker may write target states). Writes return once Kafka acknowledged them;
// callers read_to_end() when they need to see the result applied.

#include "ferry/config/config_def.hpp"
#include "runtime/states.hpp"
#include "storage/kafka_log.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ferry::runtime {

using config::config_map;

struct restart_request {
    std::string connector;
    bool include_tasks = false;
    bool only_failed = false;
};

struct config_snapshot {
    int64_t offset = 0; // config topic position: records before it are applied
    std::map<std::string, config_map> connectors;
    std::map<std::string, target_state> target_states;      // absent = STARTED
    std::map<std::string, std::vector<config_map>> tasks;   // committed task configs
    std::set<std::string> inconsistent;
    std::optional<std::string> session_key_json;

    target_state target_of(const std::string& c) const {
        auto it = target_states.find(c);
        return it == target_states.end() ? target_state::started : it->second;
    }
};

class config_store_listener {
public:
    virtual ~config_store_listener() = default;
    virtual void on_connector_config(const std::string& connector, bool removed) = 0;
    virtual void on_task_configs(const std::string& connector) = 0;
    virtual void on_target_state(const std::string& connector) = 0;
    virtual void on_restart_request(const restart_request& r) = 0;
    virtual void on_session_key() {}
    virtual void on_logger_level(const std::string& ns, const std::string& level) { (void)ns; (void)level; }
};

class kafka_config_store {
public:
    explicit kafka_config_store(storage::kafka_log_options opts) : _opts(std::move(opts)) {}
    ~kafka_config_store();

    void set_listener(config_store_listener* l) { _listener = l; }
    result<> start();
    void stop();
    result<> read_to_end(std::chrono::milliseconds timeout);
    config_snapshot snapshot() const;

    result<> put_connector_config(const std::string& c, const config_map& cfg);
    result<> remove_connector(const std::string& c); // tombstones connector-<c> and target-state-<c>
    result<> put_target_state(const std::string& c, target_state s);
    // task-<c>-0..N-1 then commit-<c> {"tasks":N}; an empty list commits 0 tasks.
    result<> put_task_configs(const std::string& c, const std::vector<config_map>& tasks);
    result<> put_restart_request(const restart_request& r);
    result<> put_logger_level(const std::string& ns, const std::string& level);
    result<> put_session_key(const std::string& json);

    // Value encodings (exact bytes of Java's workers).
    static std::string encode_properties(const config_map& m);
    static std::string encode_target_state(target_state s);

private:
    void apply(const storage::log_record& r);
    result<> write(const std::string& key, std::optional<std::string> value);

    storage::kafka_log_options _opts;
    std::unique_ptr<storage::kafka_log> _log;
    config_store_listener* _listener = nullptr;
    mutable std::mutex _mu;
    config_snapshot _state;
    std::map<std::string, std::map<int32_t, config_map>> _deferred; // uncommitted task configs
};

} // namespace ferry::runtime
