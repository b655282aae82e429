#include "kafka/group/assignor.hpp"

#include <algorithm>

namespace ferry::kafka::group {

std::map<std::string, connect_assignment> connect_assignor::assign(const assignor_input& in) {
    // A leader behind the config topic cannot assign: everyone rejoins after catching up.
    int64_t max_offset = in.leader_config_offset;
    for (auto& m : in.members) max_offset = std::max(max_offset, m.metadata.config_offset);
    if (max_offset > in.leader_config_offset) {
        std::map<std::string, connect_assignment> out;
        for (auto& m : in.members) {
            connect_assignment a;
            a.version = in.version;
            a.error = assignment_config_mismatch;
            a.leader = in.leader_id;
            a.leader_url = in.leader_url;
            a.config_offset = in.leader_config_offset;
            out[m.id] = a;
        }
        return out;
    }
    return in.version == 0 ? eager(in) : cooperative(in);
}

std::map<std::string, connect_assignment> connect_assignor::eager(const assignor_input& in) {
    std::vector<std::string> ids;
    for (auto& m : in.members) ids.push_back(m.id);
    std::sort(ids.begin(), ids.end());
    std::map<std::string, connect_assignment> out;
    for (auto& id : ids) {
        auto& a = out[id];
        a.version = 0;
        a.leader = in.leader_id;
        a.leader_url = in.leader_url;
        a.config_offset = in.leader_config_offset;
    }
    size_t i = 0;
    for (auto& c : in.connectors) out[ids[i++ % ids.size()]].assigned.connectors.insert(c);
    for (auto& t : in.tasks) out[ids[i++ % ids.size()]].assigned.tasks.insert(t);
    _previous.clear();
    for (auto& [id, a] : out) _previous[id] = a.assigned;
    return out;
}

namespace {

template <class Item>
const std::set<Item>& items(const work_set& w);
template <>
const std::set<std::string>& items<std::string>(const work_set& w) {
    return w.connectors;
}
template <>
const std::set<connect_task>& items<connect_task>(const work_set& w) {
    return w.tasks;
}
template <class Item>
std::set<Item>& items_mut(work_set& w);
template <>
std::set<std::string>& items_mut<std::string>(work_set& w) {
    return w.connectors;
}
template <>
std::set<connect_task>& items_mut<connect_task>(work_set& w) {
    return w.tasks;
}

// Hands `unassigned` to the members with the fewest items of this kind (ties by member id).
template <class Item>
void assign_least_loaded(std::map<std::string, work_set>& current, std::map<std::string, connect_assignment>& out,
                         const std::set<Item>& unassigned, const std::vector<std::string>& candidates) {
    if (candidates.empty()) return;
    for (auto& item : unassigned) {
        auto best = std::min_element(candidates.begin(), candidates.end(), [&](auto& a, auto& b) {
            auto la = items<Item>(current[a]).size(), lb = items<Item>(current[b]).size();
            return la != lb ? la < lb : a < b;
        });
        items_mut<Item>(current[*best]).insert(item);
        items_mut<Item>(out[*best].assigned).insert(item);
    }
}

// Revokes the excess of overloaded members when the spread is uneven (max - min > 1): the most
// loaded members keep ceil(total/n), the others floor(total/n). What is revoked now is assigned in
// the follow-up round, once its owner has released it.
template <class Item>
void revoke_imbalance(std::map<std::string, work_set>& current, std::map<std::string, connect_assignment>& out) {
    if (current.empty()) return;
    size_t total = 0, lo = SIZE_MAX, hi = 0;
    for (auto& [_, w] : current) {
        auto n = items<Item>(w).size();
        total += n;
        lo = std::min(lo, n);
        hi = std::max(hi, n);
    }
    if (hi - lo <= 1) return;
    std::vector<std::string> order;
    for (auto& [id, _] : current) order.push_back(id);
    std::stable_sort(order.begin(), order.end(), [&](auto& a, auto& b) {
        return items<Item>(current[a]).size() > items<Item>(current[b]).size();
    });
    size_t floor = total / current.size(), extra = total % current.size();
    for (size_t i = 0; i < order.size(); i++) {
        size_t target = floor + (i < extra ? 1 : 0);
        auto& mine = items_mut<Item>(current[order[i]]);
        while (mine.size() > target) {
            auto last = std::prev(mine.end());
            items_mut<Item>(out[order[i]].revoked).insert(*last);
            mine.erase(last);
        }
    }
}

} // namespace

std::map<std::string, connect_assignment> connect_assignor::cooperative(const assignor_input& in) {
    std::map<std::string, connect_assignment> out;
    std::map<std::string, work_set> current; // what each member runs now (from its metadata)
    std::vector<std::string> ids;
    for (auto& m : in.members) {
        ids.push_back(m.id);
        auto& a = out[m.id];
        a.version = in.version;
        a.leader = in.leader_id;
        a.leader_url = in.leader_url;
        a.config_offset = in.leader_config_offset;
        current[m.id] = m.metadata.allocation.value_or(work_set{});
    }
    std::sort(ids.begin(), ids.end());

    // 1. Deleted work: revoke from its owner.
    work_set owned;
    for (auto& [id, w] : current) {
        for (auto it = w.connectors.begin(); it != w.connectors.end();) {
            if (!in.connectors.count(*it) || owned.connectors.count(*it)) {
                out[id].revoked.connectors.insert(*it);
                it = w.connectors.erase(it);
            } else {
                owned.connectors.insert(*it++);
            }
        }
        for (auto it = w.tasks.begin(); it != w.tasks.end();) {
            if (!in.tasks.count(*it) || owned.tasks.count(*it)) {
                out[id].revoked.tasks.insert(*it);
                it = w.tasks.erase(it);
            } else {
                owned.tasks.insert(*it++);
            }
        }
    }

    // 2. Lost work: owned last round by members that are gone, owned by nobody now.
    work_set lost;
    for (auto& [id, w] : _previous) {
        if (current.count(id)) continue;
        for (auto& c : w.connectors)
            if (in.connectors.count(c) && !owned.connectors.count(c)) lost.connectors.insert(c);
        for (auto& t : w.tasks)
            if (in.tasks.count(t) && !owned.tasks.count(t)) lost.tasks.insert(t);
    }
    for (auto& c : _lost_pending.connectors)
        if (in.connectors.count(c) && !owned.connectors.count(c)) lost.connectors.insert(c);
    for (auto& t : _lost_pending.tasks)
        if (in.tasks.count(t) && !owned.tasks.count(t)) lost.tasks.insert(t);

    // 3. Unowned work that is not lost: new connectors/tasks, or released by a revocation.
    work_set unassigned;
    for (auto& c : in.connectors)
        if (!owned.connectors.count(c) && !lost.connectors.count(c)) unassigned.connectors.insert(c);
    for (auto& t : in.tasks)
        if (!owned.tasks.count(t) && !lost.tasks.count(t)) unassigned.tasks.insert(t);

    int32_t delay = 0;
    if (!lost.empty()) {
        std::vector<std::string> newcomers; // members without any work: a returning worker, or a new one
        for (auto& id : ids)
            if (current[id].empty() && !_previous.count(id)) newcomers.push_back(id);
        if (_max_delay_ms <= 0 || (_scheduled && in.now >= *_scheduled)) {
            // No delay configured, or the departed worker did not come back in time.
            unassigned.connectors.insert(lost.connectors.begin(), lost.connectors.end());
            unassigned.tasks.insert(lost.tasks.begin(), lost.tasks.end());
            _scheduled.reset();
            _lost_pending = {};
        } else if (!newcomers.empty()) {
            // A worker (re)joined during the delay: it takes the lost work.
            assign_least_loaded(current, out, lost.connectors, newcomers);
            assign_least_loaded(current, out, lost.tasks, newcomers);
            _scheduled.reset();
            _lost_pending = {};
        } else {
            if (!_scheduled) _scheduled = in.now + std::chrono::milliseconds(_max_delay_ms);
            delay = int32_t(std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(*_scheduled - in.now).count()));
            _lost_pending = lost;
        }
    } else {
        _scheduled.reset();
        _lost_pending = {};
    }

    // 4. New and unowned work to the least loaded.
    assign_least_loaded(current, out, unassigned.connectors, ids);
    assign_least_loaded(current, out, unassigned.tasks, ids);

    // 5. Balance, unless this round already moves work or the previous one revoked (no ping-pong),
    // or lost work is still held (the returning worker should find room).
    bool revoking = false;
    for (auto& [_, a] : out)
        if (!a.revoked.empty()) revoking = true;
    if (!revoking && !_previous_revoked && _lost_pending.empty() && unassigned.empty()) {
        revoke_imbalance<std::string>(current, out);
        revoke_imbalance<connect_task>(current, out);
    }
    _previous_revoked = false;
    for (auto& [_, a] : out) {
        a.delay = delay;
        if (!a.revoked.empty()) _previous_revoked = true;
    }
    _previous = current;
    return out;
}

} // namespace ferry::kafka::group
