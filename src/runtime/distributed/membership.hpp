#pragma once
// Group membership of a distributed worker: who leads, and which connectors and tasks this worker
// runs. The herder drives it from its tick thread and reacts to the assignments it returns.
//
// solo_membership is the one-worker case: this worker leads and owns every connector and every
// committed task. The Kafka group member (protocol type "connect", spec section 10) implements the
// same interface for clusters of workers.

#include "runtime/distributed/kafka_config_store.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>

namespace ferry::runtime {

struct member_assignment {
    int32_t generation = 0;
    bool leader = false;
    std::string leader_url;
    int64_t config_offset = 0;
    std::set<std::string> connectors;
    std::set<task_id> tasks;
    friend bool operator==(const member_assignment&, const member_assignment&) = default;
};

class group_membership {
public:
    virtual ~group_membership() = default;
    // Drives the membership (heartbeats, rebalances). Returns the assignment when it changed.
    virtual std::optional<member_assignment> poll(const config_snapshot& snapshot) = 0;
    // Asks for a new assignment round (e.g. after task configs were committed).
    virtual void request_rejoin() = 0;
    virtual void leave() = 0;
};

class solo_membership : public group_membership {
public:
    explicit solo_membership(std::string url) : _url(std::move(url)) {}
    std::optional<member_assignment> poll(const config_snapshot& s) override {
        member_assignment a;
        a.generation = _generation;
        a.leader = true;
        a.leader_url = _url;
        a.config_offset = s.offset;
        for (auto& [c, _] : s.connectors) a.connectors.insert(c);
        for (auto& [c, tasks] : s.tasks)
            if (s.connectors.count(c))
                for (int32_t i = 0; i < (int32_t)tasks.size(); i++) a.tasks.insert({c, i});
        if (_current && a.connectors == _current->connectors && a.tasks == _current->tasks) return std::nullopt;
        if (_current) a.generation = ++_generation;
        _current = a;
        return a;
    }
    void request_rejoin() override {}
    void leave() override {}

private:
    std::string _url;
    int32_t _generation = 1;
    std::optional<member_assignment> _current;
};

} // namespace ferry::runtime
