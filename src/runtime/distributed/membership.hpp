#pragma once
// Group membership of a distributed worker: who leads, and which connectors and tasks this worker
// runs. The herder drives it from its tick thread and reacts to the assignments it returns.
//
// kafka_membership (kafka_membership.hpp) implements it with Kafka's group coordinator; tests may
// implement it in memory.

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
    // True while a rebalance is under way (REST writes answer 409 then).
    virtual bool rebalancing() const { return false; }
    // URL of the worker running a connector (or task), as far as this member knows (leader only).
    virtual std::optional<std::string> owner_url(const std::string& connector, std::optional<int32_t> task) const {
        (void)connector;
        (void)task;
        return std::nullopt;
    }
};

} // namespace ferry::runtime
