#pragma once
// The leader's assignment of connectors and tasks to workers (spec kafka-connect.md section 10).
//
// Eager (protocol V0): every rebalance hands out everything again: members sorted by id,
// connectors (sorted) round-robin, then tasks (sorted) continuing the same rotation.
//
// Incremental cooperative (V1/V2): workers keep what they run. Each round the leader computes,
// from what members report running (their metadata's allocation) and what is configured:
//   - deleted work: revoked from its owner;
//   - lost work (owned last round by a member that left): held back for
//     scheduled.rebalance.max.delay.ms - members are told to rejoin after the remaining delay -
//     and handed to a returning/new worker if one joins, or to everyone once the delay expires;
//   - new and unowned work: assigned to the least loaded workers (connectors and tasks balanced
//     separately);
//   - imbalance: when nothing was revoked last round, overloaded workers give up their excess
//     (revoked now, assigned in the follow-up round after they released it - never both at once).
// Assignments are deltas: a member runs current - revoked + assigned.

#include "kafka/group/connect_protocol.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::kafka::group {

struct member_info {
    std::string id;
    connect_metadata metadata;
};

struct assignor_input {
    std::vector<member_info> members;
    std::set<std::string> connectors; // configured
    std::set<connect_task> tasks;     // configured (committed) tasks
    std::string leader_id;
    std::string leader_url;
    int64_t leader_config_offset = -1;
    int16_t version = 1;
    std::chrono::steady_clock::time_point now;
};

class connect_assignor {
public:
    explicit connect_assignor(int32_t max_delay_ms) : _max_delay_ms(max_delay_ms) {}
    // One assignment per member id.
    std::map<std::string, connect_assignment> assign(const assignor_input& in);

private:
    std::map<std::string, connect_assignment> eager(const assignor_input& in);
    std::map<std::string, connect_assignment> cooperative(const assignor_input& in);

    int32_t _max_delay_ms;
    // What each member ran after the previous round this leader computed (by member id).
    std::map<std::string, work_set> _previous;
    bool _previous_revoked = false;
    std::optional<std::chrono::steady_clock::time_point> _scheduled;
    work_set _lost_pending;
};

} // namespace ferry::kafka::group
