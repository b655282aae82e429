#include "runtime/status.hpp"

namespace ferry::runtime {

void memory_status_store::put_connector(const std::string& c, const status_entry& e) {
    std::lock_guard g(_mu);
    _connectors[c] = e;
}
void memory_status_store::put_task(const task_id& id, const status_entry& e) {
    std::lock_guard g(_mu);
    _tasks[id] = e;
}
void memory_status_store::remove_connector(const std::string& c) {
    std::lock_guard g(_mu);
    _connectors.erase(c);
    for (auto it = _tasks.begin(); it != _tasks.end();) {
        if (it->first.connector == c) it = _tasks.erase(it);
        else ++it;
    }
}
void memory_status_store::remove_task(const task_id& id) {
    std::lock_guard g(_mu);
    _tasks.erase(id);
}
std::optional<status_entry> memory_status_store::connector(const std::string& c) const {
    std::lock_guard g(_mu);
    auto it = _connectors.find(c);
    if (it == _connectors.end()) return std::nullopt;
    return it->second;
}
std::optional<status_entry> memory_status_store::task(const task_id& id) const {
    std::lock_guard g(_mu);
    auto it = _tasks.find(id);
    if (it == _tasks.end()) return std::nullopt;
    return it->second;
}
std::map<int32_t, status_entry> memory_status_store::tasks(const std::string& c) const {
    std::lock_guard g(_mu);
    std::map<int32_t, status_entry> out;
    for (auto it = _tasks.lower_bound(task_id{c, INT32_MIN}); it != _tasks.end() && it->first.connector == c; ++it)
        out[it->first.task] = it->second;
    return out;
}
std::vector<std::string> memory_status_store::connectors() const {
    std::lock_guard g(_mu);
    std::vector<std::string> out;
    for (auto& [k, _] : _connectors) out.push_back(k);
    return out;
}

} // namespace ferry::runtime
