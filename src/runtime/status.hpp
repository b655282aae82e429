#pragma once
// Statuses of connectors and tasks (spec kafka-connect.md 1.3 and 4.4).
//
// Workers report state changes through status_listener; the herder turns them into status-store
// writes. A status store keeps the latest entry per connector and task; standalone keeps it in
// memory, distributed mode in the status topic. Thread-safe.

#include "runtime/states.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ferry::runtime {

class status_listener {
public:
    virtual ~status_listener() = default;
    virtual void on_connector_state(const std::string& connector, state s, const std::string& trace) = 0;
    virtual void on_task_state(const task_id& id, state s, const std::string& trace) = 0;
    // A task used a topic for the first time since it started (KIP-558 topic tracking: a source
    // task's record was acknowledged there, a sink task consumed from it).
    virtual void on_topic_active(const task_id&, const std::string& /*topic*/) {}
};

class status_store {
public:
    virtual ~status_store() = default;
    virtual void put_connector(const std::string& connector, const status_entry& e) = 0;
    virtual void put_task(const task_id& id, const status_entry& e) = 0;
    // Removes the connector's status and all its tasks' (connector deleted).
    virtual void remove_connector(const std::string& connector) = 0;
    virtual void remove_task(const task_id& id) = 0;
    virtual std::optional<status_entry> connector(const std::string& connector) const = 0;
    virtual std::optional<status_entry> task(const task_id& id) const = 0;
    virtual std::map<int32_t, status_entry> tasks(const std::string& connector) const = 0;
    virtual std::vector<std::string> connectors() const = 0;
};

class memory_status_store : public status_store {
public:
    void put_connector(const std::string& c, const status_entry& e) override;
    void put_task(const task_id& id, const status_entry& e) override;
    void remove_connector(const std::string& c) override;
    void remove_task(const task_id& id) override;
    std::optional<status_entry> connector(const std::string& c) const override;
    std::optional<status_entry> task(const task_id& id) const override;
    std::map<int32_t, status_entry> tasks(const std::string& c) const override;
    std::vector<std::string> connectors() const override;

private:
    mutable std::mutex _mu;
    std::map<std::string, status_entry> _connectors;
    std::map<task_id, status_entry> _tasks;
};

} // namespace ferry::runtime
