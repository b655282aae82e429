#pragma once
// Connector and task states as Kafka Connect reports them, and the ids that name tasks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::runtime {

// REST/status states. DESTROYED is internal (a deleted connector) and never shown.
enum class state { unassigned, running, paused, stopped, failed, restarting, destroyed };
std::string_view state_name(state s); // "UNASSIGNED", "RUNNING", ...
std::optional<state> state_from_name(std::string_view s);

// What the user asked for (config topic target-state-<c>); REST RUNNING == STARTED.
enum class target_state { started, paused, stopped };
std::string_view target_state_name(target_state s); // "STARTED", "PAUSED", "STOPPED"
std::optional<target_state> target_state_from_name(std::string_view s);

struct task_id {
    std::string connector;
    int32_t task = 0;
    friend auto operator<=>(const task_id&, const task_id&) = default;
    std::string to_string() const { return connector + "-" + std::to_string(task); }
};

struct status_entry {
    state st = state::unassigned;
    std::string trace;      // empty = none
    std::string worker_id;  // "<advertised host>:<port>"
    int32_t generation = 0; // the writer's group generation (0 standalone)
};

} // namespace ferry::runtime
