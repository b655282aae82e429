#include "runtime/states.hpp"

namespace ferry::runtime {

std::string_view state_name(state s) {
    switch (s) {
    case state::unassigned: return "UNASSIGNED";
    case state::running: return "RUNNING";
    case state::paused: return "PAUSED";
    case state::stopped: return "STOPPED";
    case state::failed: return "FAILED";
    case state::restarting: return "RESTARTING";
    case state::destroyed: return "DESTROYED";
    }
    return "UNASSIGNED";
}

std::optional<state> state_from_name(std::string_view s) {
    for (auto st : {state::unassigned, state::running, state::paused, state::stopped, state::failed, state::restarting,
                    state::destroyed})
        if (state_name(st) == s) return st;
    return std::nullopt;
}

std::string_view target_state_name(target_state s) {
    switch (s) {
    case target_state::started: return "STARTED";
    case target_state::paused: return "PAUSED";
    case target_state::stopped: return "STOPPED";
    }
    return "STARTED";
}

std::optional<target_state> target_state_from_name(std::string_view s) {
    if (s == "STARTED" || s == "RUNNING") return target_state::started;
    if (s == "PAUSED") return target_state::paused;
    if (s == "STOPPED") return target_state::stopped;
    return std::nullopt;
}

} // namespace ferry::runtime
