#include "runtime/standalone/standalone_herder.hpp"

#include "runtime/connector_config.hpp"

#include "base/log.hpp"
#include "runtime/offsets_api.hpp"
#include "runtime/validation.hpp"

#include <fmt/format.h>

namespace ferry::runtime {

namespace {
log::logger_ptr logger() {
    static auto l = log::get("runtime.herder");
    return l;
}
error not_found(const std::string& name) { return error(errc::not_found, fmt::format("Connector {} not found", name)); }
// The wording of AbstractHerder's pause/resume and of the distributed herder's stop.
error unknown_connector(const std::string& name) {
    return error(errc::not_found, fmt::format("Unknown connector {}", name));
}
} // namespace

standalone_herder::standalone_herder(std::shared_ptr<status_store> statuses,
                                     std::shared_ptr<storage::offset_store> offsets, std::string kafka_cluster_id)
    : _statuses(std::move(statuses)), _offsets(std::move(offsets)), _cluster_id(std::move(kafka_cluster_id)) {}

standalone_herder::~standalone_herder() { stop(); }

result<> standalone_herder::start() {
    if (!_worker) return fail(errc::internal, "standalone herder has no worker");
    _bg = std::thread([this] { background_loop(); });
    _ready = true;
    logger()->info("Herder started");
    return {};
}

void standalone_herder::stop() {
    {
        std::lock_guard g(_qmu);
        if (_quit) return;
        _quit = true;
    }
    _qcv.notify_all();
    if (_bg.joinable()) _bg.join();
    std::lock_guard g(_mu);
    if (_worker) _worker->stop_all();
    _ready = false;
    logger()->info("Herder stopped");
}

void standalone_herder::background_loop() {
    for (;;) {
        std::function<void()> fn;
        {
            std::unique_lock l(_qmu);
            _qcv.wait(l, [&] { return _quit || !_queue.empty(); });
            if (_quit) return;
            fn = std::move(_queue.front());
            _queue.pop_front();
        }
        fn();
    }
}

void standalone_herder::request_reconfiguration(const std::string& connector) {
    {
        std::lock_guard g(_qmu);
        _queue.push_back([this, connector] {
            std::lock_guard l(_mu);
            reconfigure_locked(connector);
        });
    }
    _qcv.notify_all();
}

void standalone_herder::connector_error(const std::string& connector, const std::string& message) {
    on_connector_state(connector, state::failed, "org.apache.kafka.connect.errors.ConnectException: " + message);
}

void standalone_herder::on_connector_state(const std::string& connector, state s, const std::string& trace) {
    _statuses->put_connector(connector, status_entry{s, trace, _worker->worker_id(), 0});
}

void standalone_herder::on_task_state(const task_id& id, state s, const std::string& trace) {
    _statuses->put_task(id, status_entry{s, trace, _worker->worker_id(), 0});
}

void standalone_herder::on_topic_active(const task_id& id, const std::string& topic) {
    std::lock_guard g(_topics_mu);
    if (_topics[id.connector].insert(topic).second)
        logger()->debug("[{}] Topic {} is now active for the connector", id.connector, topic);
}

// Like Java, an unknown connector simply has no active topics.
result<std::vector<std::string>> standalone_herder::connector_active_topics(const std::string& name) {
    std::lock_guard g(_topics_mu);
    auto it = _topics.find(name);
    if (it == _topics.end()) return std::vector<std::string>{};
    return std::vector<std::string>(it->second.begin(), it->second.end());
}

result<> standalone_herder::reset_connector_active_topics(const std::string& name) {
    std::lock_guard g(_topics_mu);
    _topics.erase(name);
    return {};
}

std::string standalone_herder::type_of(const config_map& cfg) const {
    auto it = cfg.find("connector.class");
    if (it == cfg.end()) return "unknown";
    auto info = _worker->plugins().find_connector(it->second);
    if (!info) return "unknown";
    return info->type == plugin_type::sink ? "sink" : "source";
}

connector_info standalone_herder::info_locked(const std::string& name, const conn& c) const {
    connector_info info{name, c.config, {}, type_of(c.config)};
    for (int32_t i = 0; i < (int32_t)c.tasks.size(); i++) info.tasks.push_back({name, i});
    return info;
}

void standalone_herder::start_connector_and_tasks_locked(const std::string& name) {
    auto& c = _conns.at(name);
    if (c.target == target_state::stopped) {
        c.tasks.clear();
        on_connector_state(name, state::stopped, "");
        return;
    }
    if (!_worker->start_connector(name, c.config, target_state::started)) return; // FAILED reported
    auto configs = _worker->connector_task_configs(name);
    if (!configs) return;
    c.tasks = reverse_transform_task_configs(c.config, std::move(*configs));
    for (int32_t i = 0; i < (int32_t)c.tasks.size(); i++)
        (void)_worker->start_task({name, i}, c.config, c.tasks[i], c.target);
    if (c.target == target_state::paused) (void)_worker->set_connector_target(name, target_state::paused);
}

void standalone_herder::stop_connector_and_tasks_locked(const std::string& name) {
    _worker->stop_tasks(_worker->tasks_of(name));
    _worker->stop_connector(name);
}

void standalone_herder::reconfigure_locked(const std::string& name) {
    auto it = _conns.find(name);
    if (it == _conns.end() || it->second.target == target_state::stopped || !_worker->connector_running(name)) return;
    auto configs = _worker->connector_task_configs(name);
    if (!configs) return;
    auto fresh = reverse_transform_task_configs(it->second.config, std::move(*configs));
    if (fresh == it->second.tasks) return;
    logger()->info("[{}] Task configs changed: restarting {} task(s)", name, fresh.size());
    auto old = _worker->tasks_of(name);
    _worker->stop_tasks(old);
    for (auto& id : old)
        if (id.task >= (int32_t)fresh.size()) _statuses->remove_task(id);
    it->second.tasks = std::move(fresh);
    for (int32_t i = 0; i < (int32_t)it->second.tasks.size(); i++)
        (void)_worker->start_task({name, i}, it->second.config, it->second.tasks[i], it->second.target);
}

std::vector<std::string> standalone_herder::connectors() {
    std::lock_guard g(_mu);
    std::vector<std::string> out;
    for (auto& [n, _] : _conns) out.push_back(n);
    return out;
}

result<connector_info> standalone_herder::connector(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(not_found(name));
    return info_locked(name, it->second);
}

result<config_map> standalone_herder::connector_config(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(not_found(name));
    return it->second.config;
}

result<herder::put_result> standalone_herder::put_connector_config(const std::string& name, const config_map& config,
                                                                   bool allow_replace,
                                                                   std::optional<target_state> initial) {
    auto infos = validate_connector(_worker->plugins(), _worker->config(), config);
    if (!infos) return fail(infos.error());
    if (auto msg = validation_error_message(*infos)) return fail(errc::invalid_argument, "{}", *msg);
    std::lock_guard g(_mu);
    put_result out;
    auto it = _conns.find(name);
    if (it != _conns.end()) {
        if (!allow_replace) return fail(errc::already_exists, "Connector {} already exists", name);
        stop_connector_and_tasks_locked(name);
        for (auto& [id, _] : _statuses->tasks(name)) _statuses->remove_task({name, id});
        it->second.config = config;
        it->second.tasks.clear();
    } else {
        out.created = true;
        _conns[name] = conn{config, initial.value_or(target_state::started), {}};
    }
    logger()->info("[{}] Connector config {}", name, out.created ? "created" : "updated");
    start_connector_and_tasks_locked(name);
    out.info = info_locked(name, _conns.at(name));
    return out;
}

result<connector_info> standalone_herder::patch_connector_config(
    const std::string& name, const std::map<std::string, std::optional<std::string>>& patch) {
    config_map merged;
    {
        std::lock_guard g(_mu);
        auto it = _conns.find(name);
        if (it == _conns.end()) return fail(not_found(name));
        merged = it->second.config;
    }
    for (auto& [k, v] : patch) {
        if (v) merged[k] = *v;
        else merged.erase(k);
    }
    auto r = put_connector_config(name, merged, true, std::nullopt);
    if (!r) return fail(r.error());
    return r->info;
}

result<> standalone_herder::delete_connector(const std::string& name) {
    std::lock_guard g(_mu);
    if (!_conns.count(name)) return fail(not_found(name));
    stop_connector_and_tasks_locked(name);
    _conns.erase(name);
    _statuses->remove_connector(name);
    (void)reset_connector_active_topics(name);
    logger()->info("[{}] Connector deleted", name);
    return {};
}

result<connector_state_info> standalone_herder::connector_status(const std::string& name) {
    std::string type;
    {
        std::lock_guard g(_mu);
        auto it = _conns.find(name);
        type = it == _conns.end() ? "unknown" : type_of(it->second.config);
    }
    auto st = _statuses->connector(name);
    if (!st) return fail(errc::not_found, "No status found for connector {}", name);
    connector_state_info out;
    out.name = name;
    out.connector = {std::string(state_name(st->st)), st->worker_id, st->trace};
    for (auto& [id, e] : _statuses->tasks(name)) {
        task_state_info t;
        t.id = id;
        t.state = state_name(e.st);
        t.worker_id = e.worker_id;
        t.trace = e.trace;
        out.tasks.push_back(t);
    }
    out.type = type;
    return out;
}

result<task_state_info> standalone_herder::task_status(const task_id& id) {
    auto e = _statuses->task(id);
    if (!e) return fail(errc::not_found, "No status found for task {}", id.to_string());
    task_state_info t;
    t.id = id.task;
    t.state = state_name(e->st);
    t.worker_id = e->worker_id;
    t.trace = e->trace;
    return t;
}

result<std::vector<task_info>> standalone_herder::task_configs(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(not_found(name));
    std::vector<task_info> out;
    for (int32_t i = 0; i < (int32_t)it->second.tasks.size(); i++) out.push_back({{name, i}, it->second.tasks[i]});
    return out;
}

result<> standalone_herder::restart_connector(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(not_found(name));
    _worker->stop_connector(name);
    if (it->second.target == target_state::stopped) {
        on_connector_state(name, state::stopped, "");
        return {};
    }
    if (!_worker->start_connector(name, it->second.config, it->second.target))
        return fail(errc::internal, "Failed to restart connector {}", name);
    return {};
}

result<> standalone_herder::restart_task(const task_id& id) {
    std::lock_guard g(_mu);
    auto it = _conns.find(id.connector);
    if (it == _conns.end()) return fail(not_found(id.connector));
    if (id.task < 0 || id.task >= (int32_t)it->second.tasks.size())
        return fail(errc::not_found, "Task {} not found", id.to_string());
    _worker->stop_tasks({id});
    auto r = _worker->start_task(id, it->second.config, it->second.tasks[id.task], it->second.target);
    if (!r) return fail(errc::internal, "Failed to restart task {}", id.to_string());
    return {};
}

result<connector_state_info> standalone_herder::restart_connector_and_tasks(const std::string& name, bool include_tasks,
                                                                             bool only_failed) {
    auto status = connector_status(name);
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(errc::not_found, "Unknown connector: {}", name);
    if (!status) return fail(errc::not_found, "Status for connector {} not found", name);
    auto plan = *status;
    bool restart_conn = !only_failed || plan.connector.state == "FAILED";
    std::vector<int32_t> restart_tasks;
    if (restart_conn) plan.connector.state = "RESTARTING";
    if (include_tasks)
        for (auto& t : plan.tasks)
            if (!only_failed || t.state == "FAILED") {
                t.state = "RESTARTING";
                restart_tasks.push_back(t.id);
            }
    if (restart_conn) {
        on_connector_state(name, state::restarting, "");
        _worker->stop_connector(name);
        if (it->second.target != target_state::stopped)
            (void)_worker->start_connector(name, it->second.config, it->second.target);
        else
            on_connector_state(name, state::stopped, "");
    }
    for (auto id : restart_tasks) {
        task_id tid{name, id};
        on_task_state(tid, state::restarting, "");
        _worker->stop_tasks({tid});
        if (id < (int32_t)it->second.tasks.size())
            (void)_worker->start_task(tid, it->second.config, it->second.tasks[id], it->second.target);
    }
    return plan;
}

result<> standalone_herder::pause_connector(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(unknown_connector(name));
    auto prev = it->second.target;
    it->second.target = target_state::paused;
    if (prev == target_state::stopped) {
        start_connector_and_tasks_locked(name);
        return {};
    }
    if (_worker->connector_running(name)) (void)_worker->set_connector_target(name, target_state::paused);
    return {};
}

result<> standalone_herder::resume_connector(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(unknown_connector(name));
    auto prev = it->second.target;
    it->second.target = target_state::started;
    if (prev == target_state::stopped || !_worker->connector_running(name)) {
        stop_connector_and_tasks_locked(name);
        start_connector_and_tasks_locked(name);
        return {};
    }
    (void)_worker->set_connector_target(name, target_state::started);
    return {};
}

result<> standalone_herder::stop_connector(const std::string& name) {
    std::lock_guard g(_mu);
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(unknown_connector(name));
    it->second.target = target_state::stopped;
    stop_connector_and_tasks_locked(name);
    it->second.tasks.clear();
    for (auto& [id, _] : _statuses->tasks(name)) _statuses->remove_task({name, id});
    on_connector_state(name, state::stopped, "");
    return {};
}

result<std::vector<connector_offset>> standalone_herder::connector_offsets(const std::string& name) {
    config_map cfg;
    {
        std::lock_guard g(_mu);
        auto it = _conns.find(name);
        if (it == _conns.end()) return fail(not_found(name));
        cfg = it->second.config;
    }
    return read_connector_offsets(*_worker, *_offsets, name, cfg);
}

result<std::string> standalone_herder::alter_connector_offsets(const std::string& name,
                                                               const std::vector<connector_offset>& offsets) {
    return modify_offsets(name, &offsets);
}

result<std::string> standalone_herder::reset_connector_offsets(const std::string& name) {
    return modify_offsets(name, nullptr);
}

result<std::string> standalone_herder::modify_offsets(const std::string& name, const std::vector<connector_offset>* offsets) {
    std::lock_guard g(_mu); // the connector stays STOPPED while its offsets change
    auto it = _conns.find(name);
    if (it == _conns.end()) return fail(not_found(name));
    if (it->second.target != target_state::stopped || !it->second.tasks.empty())
        return fail(errc::invalid_argument,
                    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for "
                    "the specified connector by issuing a 'PUT' request to the '/connectors/{}/stop' endpoint",
                    name);
    return modify_connector_offsets(*_worker, *_offsets, name, it->second.config, offsets);
}

result<config_infos> standalone_herder::validate_connector_config(const config_map& config) {
    return validate_connector(_worker->plugins(), _worker->config(), config);
}

} // namespace ferry::runtime
