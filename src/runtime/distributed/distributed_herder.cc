#include "runtime/distributed/distributed_herder.hpp"

#include "runtime/connector_config.hpp"
#include "runtime/distributed/rest_client.hpp"
#include "runtime/offsets_api.hpp"

#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "ferry/data/base64.hpp"
#include "runtime/validation.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>

namespace ferry::runtime {

namespace {
log::logger_ptr logger() {
    static auto l = log::get("runtime.herder");
    return l;
}
constexpr auto request_timeout = std::chrono::seconds(90);
constexpr auto store_timeout = std::chrono::seconds(30);
error not_found(const std::string& name) { return error(errc::not_found, fmt::format("Connector {} not found", name)); }
// The wording of Kafka's pause/resume/stop on an unknown connector.
error unknown_connector(const std::string& name) {
    return error(errc::not_found, fmt::format("Unknown connector {}", name));
}
} // namespace

distributed_herder::distributed_herder(distributed_stores stores, std::unique_ptr<group_membership> membership,
                                       std::string kafka_cluster_id, std::string worker_url)
    : _stores(std::move(stores)), _membership(std::move(membership)), _cluster_id(std::move(kafka_cluster_id)),
      _url(std::move(worker_url)) {}

distributed_herder::~distributed_herder() { stop(); }

result<> distributed_herder::start() {
    if (!_worker) return fail(errc::internal, "distributed herder has no worker");
    _stores.config->set_listener(this);
    _thread = std::thread([this] { tick_loop(); });
    _forwarder = std::thread([this] { forward_loop(); });
    logger()->info("Distributed herder started (worker {})", _url);
    return {};
}

void distributed_herder::stop() {
    {
        std::lock_guard g(_mu);
        if (_stop) return;
        _stop = true;
    }
    _cv.notify_all();
    _outbox_cv.notify_all();
    if (_thread.joinable()) _thread.join();
    if (_forwarder.joinable()) _forwarder.join();
    _ready = false;
    logger()->info("Distributed herder stopped");
}

void distributed_herder::wake() { _cv.notify_all(); }

config_snapshot distributed_herder::refresh_snapshot() {
    if (auto r = _stores.config->read_to_end(store_timeout); !r)
        logger()->warn("Could not read the config topic to its end: {}", r.error().message);
    return _stores.config->snapshot();
}

result<> distributed_herder::require_leader() const {
    if (_membership->rebalancing())
        return fail(errc::conflict, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
    if (!_assignment.leader) {
        if (_assignment.leader_url.empty())
            return fail(errc::conflict, "Cannot complete request because of a conflicting operation (e.g. worker "
                                        "rebalance)");
        return fail(errc::not_leader, "{}", _assignment.leader_url);
    }
    return {};
}

template <class T>
result<T> distributed_herder::run(std::function<result<T>()> fn) {
    auto task = std::make_shared<std::packaged_task<result<T>()>>(std::move(fn));
    auto fut = task->get_future();
    {
        std::lock_guard g(_mu);
        if (_stop) return fail(errc::unavailable, "the worker is shutting down");
        _queue.push_back([task] { (*task)(); });
    }
    _cv.notify_all();
    if (fut.wait_for(request_timeout) != std::future_status::ready)
        return fail(errc::timeout, "Request timed out");
    return fut.get();
}

// ---------------------------------------------------------------------------------------------
// Tick thread

void distributed_herder::tick_loop() {
    // Start from the config topic's current state, then serve.
    _snap = _stores.config->snapshot();
    publish();
    bool first = true;
    for (;;) {
        std::deque<std::function<void()>> work;
        bool dirty = false;
        {
            std::unique_lock l(_mu);
            _cv.wait_for(l, std::chrono::milliseconds(first ? 0 : 250),
                         [&] { return _stop || !_queue.empty() || _config_dirty || !_reconfig_requests.empty() ||
                                      !_restart_requests.empty(); });
            if (_stop) break;
            work.swap(_queue);
            dirty = std::exchange(_config_dirty, false);
            for (auto& c : _reconfig_requests) _reconfigure.insert(c);
            _reconfig_requests.clear();
            for (auto& r : _restart_requests) _restarts.push_back(r);
            _restart_requests.clear();
        }
        first = false;
        try {
            if (dirty) apply_config_update();
            if (auto a = _membership->poll(_snap)) {
                logger()->info("Assignment (generation {}): {} connector(s), {} task(s); leader: {}", a->generation,
                               a->connectors.size(), a->tasks.size(), a->leader ? "this worker" : a->leader_url);
                _assignment = *a;
            }
            if (_assignment.leader) rotate_session_key();
            reconcile();
            regenerate_task_configs();
            while (!_restarts.empty()) {
                process_restart(_restarts.front());
                _restarts.pop_front();
            }
            _ready = true;
            for (auto& fn : work) fn();
        } catch (const std::exception& e) {
            logger()->error("Unexpected error in the herder's tick: {}", e.what());
        }
    }
    // Shutdown: stop everything this worker runs, leave the group.
    _worker->stop_all();
    _membership->leave();
}

void distributed_herder::apply_config_update() {
    auto prev = std::move(_snap);
    _snap = _stores.config->snapshot();
    publish();
    for (auto& [c, cfg] : prev.connectors) {
        auto it = _snap.connectors.find(c);
        if (it == _snap.connectors.end()) continue; // removal: reconcile stops it
        if (it->second != cfg && _running_connectors.count(c)) {
            // A new config: restart the connector; it regenerates its tasks.
            logger()->info("[{}] Connector config updated: restarting the connector", c);
            _worker->stop_connector(c);
            _running_connectors.erase(c);
        }
    }
    for (auto& [c, cfg] : _snap.connectors) {
        auto ts = _snap.target_of(c);
        if (prev.connectors.count(c) && prev.target_of(c) != ts && _running_connectors.count(c)) {
            logger()->info("[{}] Target state changed to {}", c, target_state_name(ts));
            if (ts == target_state::stopped) {
                _worker->stop_tasks(_worker->tasks_of(c));
                for (auto& id : _worker->tasks_of(c)) _running_tasks.erase(id);
                (void)_worker->set_connector_target(c, target_state::stopped);
            } else {
                (void)_worker->set_connector_target(c, ts);
                if (prev.target_of(c) == target_state::stopped) _reconfigure.insert(c);
            }
        }
    }
    // New or deleted connectors and new task sets need a new assignment; target states do not.
    bool structural = prev.connectors.size() != _snap.connectors.size();
    for (auto& [c, _] : _snap.connectors)
        if (!prev.connectors.count(c)) structural = true;
    for (auto& [c, t] : _snap.tasks) {
        auto p = prev.tasks.find(c);
        if (p == prev.tasks.end() || p->second.size() != t.size()) structural = true;
    }
    for (auto& [c, _] : prev.tasks)
        if (!_snap.tasks.count(c)) structural = true;
    if (structural) _membership->request_rejoin();
}

void distributed_herder::reconcile() {
    // Stop connectors this worker should no longer run.
    for (auto it = _running_connectors.begin(); it != _running_connectors.end();) {
        if (!_snap.connectors.count(*it) || !_assignment.connectors.count(*it)) {
            bool deleted = !_snap.connectors.count(*it);
            auto name = *it;
            auto tasks = _worker->tasks_of(name);
            _worker->stop_tasks(tasks);
            for (auto& t : tasks) _running_tasks.erase(t);
            _worker->stop_connector(name);
            if (deleted) {
                _stores.status->remove_connector(name);
                logger()->info("[{}] Connector deleted", name);
            } else {
                on_connector_state(name, state::unassigned, "");
            }
            it = _running_connectors.erase(it);
        } else {
            ++it;
        }
    }
    // Stop tasks no longer assigned, or whose config changed.
    for (auto it = _running_tasks.begin(); it != _running_tasks.end();) {
        auto& [id, cfg] = *it;
        auto tasks = _snap.tasks.find(id.connector);
        bool keep = _assignment.tasks.count(id) && _snap.connectors.count(id.connector) && tasks != _snap.tasks.end() &&
                    id.task < (int32_t)tasks->second.size() && tasks->second[id.task] == cfg &&
                    _snap.target_of(id.connector) != target_state::stopped;
        if (!keep) {
            _worker->stop_tasks({id});
            if (!_snap.connectors.count(id.connector) || tasks == _snap.tasks.end() ||
                id.task >= (int32_t)tasks->second.size())
                _stores.status->remove_task(id);
            it = _running_tasks.erase(it);
        } else {
            ++it;
        }
    }
    // Start assigned connectors.
    for (auto& c : _assignment.connectors) {
        if (_running_connectors.count(c) || !_snap.connectors.count(c)) continue;
        auto ts = _snap.target_of(c);
        if (_worker->start_connector(c, _snap.connectors.at(c), ts == target_state::stopped ? target_state::stopped : ts)) {
            _running_connectors.insert(c);
            if (ts != target_state::stopped) _reconfigure.insert(c);
        } else {
            _running_connectors.insert(c); // FAILED is reported; a restart request starts it again
        }
    }
    // Start assigned tasks.
    for (auto& id : _assignment.tasks) {
        if (_running_tasks.count(id)) continue;
        auto tasks = _snap.tasks.find(id.connector);
        if (tasks == _snap.tasks.end() || id.task >= (int32_t)tasks->second.size()) continue;
        auto ts = _snap.target_of(id.connector);
        if (ts == target_state::stopped || !_snap.connectors.count(id.connector)) continue;
        auto& cfg = tasks->second[id.task];
        (void)_worker->start_task(id, _snap.connectors.at(id.connector), cfg, ts);
        _running_tasks[id] = cfg;
    }
}

void distributed_herder::regenerate_task_configs() {
    for (auto it = _reconfigure.begin(); it != _reconfigure.end();) {
        auto c = *it;
        it = _reconfigure.erase(it);
        if (!_worker->connector_running(c) || !_snap.connectors.count(c) ||
            _snap.target_of(c) == target_state::stopped)
            continue;
        auto configs = _worker->connector_task_configs(c);
        if (!configs) continue; // FAILED reported
        *configs = reverse_transform_task_configs(_snap.connectors.at(c), std::move(*configs));
        auto current = _snap.tasks.find(c);
        bool changed = current == _snap.tasks.end() || current->second != *configs || _snap.inconsistent.count(c);
        if (!changed) continue;
        if (!_assignment.leader) {
            // Only the leader writes task configs: hand them over (signed with the session key).
            queue_task_configs_for_leader(c, *configs);
            continue;
        }
        logger()->info("[{}] Writing {} task config(s)", c, configs->size());
        if (auto r = _stores.config->put_task_configs(c, *configs); !r) {
            logger()->error("[{}] Failed to write task configs (will retry): {}", c, r.error().message);
            std::lock_guard g(_mu);
            _reconfig_requests.insert(c);
        }
    }
}

void distributed_herder::process_restart(const restart_request& r) {
    if (!_snap.connectors.count(r.connector)) return;
    auto conn_status = _stores.status->connector(r.connector);
    bool restart_conn = _running_connectors.count(r.connector) &&
                        (!r.only_failed || (conn_status && conn_status->st == state::failed));
    if (restart_conn) {
        on_connector_state(r.connector, state::restarting, "");
        _worker->stop_connector(r.connector);
        _running_connectors.erase(r.connector);
    }
    if (r.include_tasks) {
        for (auto& [id, e] : _stores.status->tasks(r.connector)) {
            task_id tid{r.connector, id};
            if (!_running_tasks.count(tid) || (r.only_failed && e.st != state::failed)) continue;
            on_task_state(tid, state::restarting, "");
            _worker->stop_tasks({tid});
            _running_tasks.erase(tid);
        }
    }
    reconcile();
}

// ---------------------------------------------------------------------------------------------
// Listeners

void distributed_herder::on_connector_state(const std::string& connector, state s, const std::string& trace) {
    _stores.status->put_connector(connector, status_entry{s, trace, _worker->worker_id(), _assignment.generation});
}

void distributed_herder::on_task_state(const task_id& id, state s, const std::string& trace) {
    _stores.status->put_task(id, status_entry{s, trace, _worker->worker_id(), _assignment.generation});
}

void distributed_herder::on_topic_active(const task_id& id, const std::string& topic) {
    if (!_topic_tracking) return;
    logger()->debug("[{}] Topic {} is now active for the connector", id.connector, topic);
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    _stores.status->put_topic(id.connector, topic, id.task, now);
}

// Like Java, an unknown connector simply has no active topics.
result<std::vector<std::string>> distributed_herder::connector_active_topics(const std::string& name) {
    return _stores.status->topics(name);
}

result<> distributed_herder::reset_connector_active_topics(const std::string& name) {
    _stores.status->remove_topics(name);
    return {};
}

void distributed_herder::on_connector_config(const std::string& connector, bool removed) {
    logger()->debug("[{}] Config topic record read ({})", connector, removed ? "connector removed" : "update");
    {
        std::lock_guard g(_mu);
        _config_dirty = true;
    }
    _cv.notify_all();
}
void distributed_herder::on_task_configs(const std::string& c) { on_connector_config(c, false); }
void distributed_herder::on_target_state(const std::string& c) { on_connector_config(c, false); }

void distributed_herder::on_restart_request(const restart_request& r) {
    {
        std::lock_guard g(_mu);
        _restart_requests.push_back(r);
    }
    _cv.notify_all();
}

void distributed_herder::request_reconfiguration(const std::string& connector) {
    {
        std::lock_guard g(_mu);
        _reconfig_requests.insert(connector);
    }
    _cv.notify_all();
}

void distributed_herder::connector_error(const std::string& connector, const std::string& message) {
    on_connector_state(connector, state::failed, "org.apache.kafka.connect.errors.ConnectException: " + message);
}

// ---------------------------------------------------------------------------------------------
// Herder API

std::string distributed_herder::type_of(const config_map& cfg) const {
    auto it = cfg.find("connector.class");
    if (it == cfg.end()) return "unknown";
    auto info = _worker->plugins().find_connector(it->second);
    if (!info) return "unknown";
    return info->type == plugin_type::sink ? "sink" : "source";
}

void distributed_herder::publish() {
    auto copy = std::make_shared<const config_snapshot>(_snap);
    std::lock_guard g(_pub_mu);
    _published = std::move(copy);
}

std::shared_ptr<const config_snapshot> distributed_herder::published() const {
    std::lock_guard g(_pub_mu);
    if (_published) return _published;
    return std::make_shared<const config_snapshot>();
}

connector_info distributed_herder::info_of(const config_snapshot& snap, const std::string& name) const {
    connector_info info{name, snap.connectors.at(name), {}, type_of(snap.connectors.at(name))};
    if (auto t = snap.tasks.find(name); t != snap.tasks.end())
        for (int32_t i = 0; i < (int32_t)t->second.size(); i++) info.tasks.push_back({name, i});
    return info;
}

result<> distributed_herder::check_exists(const std::string& name) const {
    if (!_snap.connectors.count(name)) return fail(not_found(name));
    return {};
}

std::vector<std::string> distributed_herder::connectors() {
    auto snap = published();
    std::vector<std::string> out;
    for (auto& [c, _] : snap->connectors) out.push_back(c);
    return out;
}

result<connector_info> distributed_herder::connector(const std::string& name) {
    auto snap = published();
    if (!snap->connectors.count(name)) return fail(not_found(name));
    return info_of(*snap, name);
}

result<config_map> distributed_herder::connector_config(const std::string& name) {
    auto snap = published();
    if (!snap->connectors.count(name)) return fail(not_found(name));
    return snap->connectors.at(name);
}

result<herder::put_result> distributed_herder::put_connector_config(const std::string& name, const config_map& config,
                                                                    bool allow_replace,
                                                                    std::optional<target_state> initial) {
    auto infos = validate_connector(_worker->plugins(), _worker->config(), config);
    if (!infos) return fail(infos.error());
    if (auto msg = validation_error_message(*infos)) return fail(errc::invalid_argument, "{}", *msg);
    return run<put_result>([this, name, config, allow_replace, initial]() -> result<put_result> {
        bool exists = _snap.connectors.count(name) > 0;
        if (exists && !allow_replace) return fail(errc::already_exists, "Connector {} already exists", name);
        if (auto r = require_leader(); !r) return fail(r.error());
        if (!exists && initial && *initial != target_state::started)
            if (auto r = _stores.config->put_target_state(name, *initial); !r) return fail(r.error());
        if (auto r = _stores.config->put_connector_config(name, config); !r) return fail(r.error());
        if (auto r = _stores.config->read_to_end(store_timeout); !r) return fail(r.error());
        apply_config_update();
        reconcile();
        logger()->info("[{}] Connector config {}", name, exists ? "updated" : "created");
        put_result out;
        out.created = !exists;
        out.info = info_of(name);
        return out;
    });
}

result<connector_info> distributed_herder::patch_connector_config(
    const std::string& name, const std::map<std::string, std::optional<std::string>>& patch) {
    auto current = connector_config(name);
    if (!current) return fail(current.error());
    auto merged = *current;
    for (auto& [k, v] : patch) {
        if (v) merged[k] = *v;
        else merged.erase(k);
    }
    auto r = put_connector_config(name, merged, true, std::nullopt);
    if (!r) return fail(r.error());
    return r->info;
}

result<> distributed_herder::delete_connector(const std::string& name) {
    auto r = run<bool>([this, name]() -> result<bool> {
        if (auto r = check_exists(name); !r) return fail(r.error());
        if (auto r = require_leader(); !r) return fail(r.error());
        if (auto r = _stores.config->remove_connector(name); !r) return fail(r.error());
        if (auto r = _stores.config->read_to_end(store_timeout); !r) return fail(r.error());
        apply_config_update();
        reconcile();
        return true;
    });
    if (!r) return fail(r.error());
    return {};
}

result<connector_state_info> distributed_herder::connector_status(const std::string& name) {
    auto st = _stores.status->connector(name);
    if (!st) return fail(errc::not_found, "No status found for connector {}", name);
    connector_state_info out;
    out.name = name;
    out.connector = {std::string(state_name(st->st)), st->worker_id, st->trace};
    for (auto& [id, e] : _stores.status->tasks(name)) {
        task_state_info t;
        t.id = id;
        t.state = state_name(e.st);
        t.worker_id = e.worker_id;
        t.trace = e.trace;
        out.tasks.push_back(t);
    }
    auto cfg = connector_config(name);
    out.type = cfg ? type_of(*cfg) : "unknown";
    return out;
}

result<task_state_info> distributed_herder::task_status(const task_id& id) {
    auto e = _stores.status->task(id);
    if (!e) return fail(errc::not_found, "No status found for task {}", id.to_string());
    task_state_info t;
    t.id = id.task;
    t.state = state_name(e->st);
    t.worker_id = e->worker_id;
    t.trace = e->trace;
    return t;
}

result<std::vector<task_info>> distributed_herder::task_configs(const std::string& name) {
    auto snap = published();
    if (!snap->connectors.count(name)) return fail(not_found(name));
    std::vector<task_info> out;
    if (auto t = snap->tasks.find(name); t != snap->tasks.end())
        for (int32_t i = 0; i < (int32_t)t->second.size(); i++) out.push_back({{name, i}, t->second[i]});
    return out;
}

result<> distributed_herder::restart_connector(const std::string& name) {
    auto r = run<bool>([this, name]() -> result<bool> {
        if (auto r = check_exists(name); !r) return fail(r.error());
        if (!_assignment.connectors.count(name)) {
            // The owner restarts it: the leader knows who that is; others ask the leader.
            if (auto url = _membership->owner_url(name, std::nullopt)) return fail(errc::not_leader, "{}", *url);
            if (!_assignment.leader && !_assignment.leader_url.empty())
                return fail(errc::not_leader, "{}", _assignment.leader_url);
            return fail(errc::conflict, "Cannot restart connector {}: no worker runs it right now", name);
        }
        _worker->stop_connector(name);
        _running_connectors.erase(name);
        reconcile();
        return true;
    });
    if (!r) return fail(r.error());
    return {};
}

result<> distributed_herder::restart_task(const task_id& id) {
    auto r = run<bool>([this, id]() -> result<bool> {
        if (auto r = check_exists(id.connector); !r) return fail(r.error());
        auto t = _snap.tasks.find(id.connector);
        if (t == _snap.tasks.end() || id.task < 0 || id.task >= (int32_t)t->second.size())
            return fail(errc::not_found, "Task {} not found", id.to_string());
        if (!_assignment.tasks.count(id)) {
            if (auto url = _membership->owner_url(id.connector, id.task)) return fail(errc::not_leader, "{}", *url);
            if (!_assignment.leader && !_assignment.leader_url.empty())
                return fail(errc::not_leader, "{}", _assignment.leader_url);
            return fail(errc::conflict, "Cannot restart task {}: no worker runs it right now", id.to_string());
        }
        _worker->stop_tasks({id});
        _running_tasks.erase(id);
        reconcile();
        return true;
    });
    if (!r) return fail(r.error());
    return {};
}

result<connector_state_info> distributed_herder::restart_connector_and_tasks(const std::string& name, bool include_tasks,
                                                                              bool only_failed) {
    if (!published()->connectors.count(name)) return fail(errc::not_found, "Unknown connector: {}", name);
    auto status = connector_status(name);
    if (!status) return fail(status.error());
    auto plan = *status;
    if (!only_failed || plan.connector.state == "FAILED") plan.connector.state = "RESTARTING";
    if (include_tasks)
        for (auto& t : plan.tasks)
            if (!only_failed || t.state == "FAILED") t.state = "RESTARTING";
    auto r = run<bool>([this, name, include_tasks, only_failed]() -> result<bool> {
        if (auto l = require_leader(); !l) return fail(l.error());
        if (auto w = _stores.config->put_restart_request({name, include_tasks, only_failed}); !w) return fail(w.error());
        return true;
    });
    if (!r) return fail(r.error());
    return plan;
}

result<> distributed_herder::pause_connector(const std::string& name) {
    auto r = run<bool>([this, name]() -> result<bool> {
        if (!_snap.connectors.count(name)) return fail(unknown_connector(name));
        if (auto w = _stores.config->put_target_state(name, target_state::paused); !w) return fail(w.error());
        return true;
    });
    if (!r) return fail(r.error());
    return {};
}

result<> distributed_herder::resume_connector(const std::string& name) {
    auto r = run<bool>([this, name]() -> result<bool> {
        if (!_snap.connectors.count(name)) return fail(unknown_connector(name));
        if (auto w = _stores.config->put_target_state(name, target_state::started); !w) return fail(w.error());
        return true;
    });
    if (!r) return fail(r.error());
    return {};
}

result<> distributed_herder::stop_connector(const std::string& name) {
    auto r = run<bool>([this, name]() -> result<bool> {
        if (!_snap.connectors.count(name)) return fail(unknown_connector(name));
        if (auto r = require_leader(); !r) return fail(r.error());
        // An empty task set first, then the target state (spec 1.2).
        if (auto w = _stores.config->put_task_configs(name, {}); !w) return fail(w.error());
        if (auto w = _stores.config->put_target_state(name, target_state::stopped); !w) return fail(w.error());
        if (auto w = _stores.config->read_to_end(store_timeout); !w) return fail(w.error());
        apply_config_update();
        reconcile();
        return true;
    });
    if (!r) return fail(r.error());
    return {};
}

result<> distributed_herder::require_stopped(const std::string& name) const {
    auto t = _snap.tasks.find(name);
    if (_snap.target_of(name) != target_state::stopped || (t != _snap.tasks.end() && !t->second.empty()))
        return fail(errc::invalid_argument,
                    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
                    "for the specified connector by issuing a 'PUT' request to the '/connectors/{}/stop' endpoint",
                    name);
    return {};
}

result<std::vector<connector_offset>> distributed_herder::connector_offsets(const std::string& name) {
    auto cfg = connector_config(name);
    if (!cfg) return fail(cfg.error());
    (void)_stores.offsets->read_to_end(store_timeout);
    return read_connector_offsets(*_worker, *_stores.offsets, name, *cfg);
}

result<std::string> distributed_herder::alter_connector_offsets(const std::string& name,
                                                                  const std::vector<connector_offset>& offsets) {
    return modify_offsets(name, &offsets);
}

result<std::string> distributed_herder::reset_connector_offsets(const std::string& name) {
    return modify_offsets(name, nullptr);
}

result<std::string> distributed_herder::modify_offsets(const std::string& name, const std::vector<connector_offset>* offsets) {
    auto cfg = run<config_map>([this, name]() -> result<config_map> {
        if (auto r = check_exists(name); !r) return fail(r.error());
        if (auto r = require_stopped(name); !r) return fail(r.error());
        return _snap.connectors.at(name);
    });
    if (!cfg) return fail(cfg.error());
    (void)_stores.offsets->read_to_end(store_timeout);
    return modify_connector_offsets(*_worker, *_stores.offsets, name, *cfg, offsets);
}

// ---------------------------------------------------------------------------------------------
// Sessioned protocol (KIP-507): the leader's HMAC key signs follower -> leader task configs.

namespace {
std::string hmac_sha256_base64(std::string_view key, std::string_view body) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(body.data()), body.size(), out,
         &len);
    return base64_encode(std::string_view(reinterpret_cast<char*>(out), len));
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

std::optional<std::string> distributed_herder::session_key() const {
    if (!_snap.session_key_json) return std::nullopt;
    rapidjson::Document d;
    d.Parse(_snap.session_key_json->c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("key") || !d["key"].IsString()) return std::nullopt;
    return base64_decode(d["key"].GetString());
}

void distributed_herder::rotate_session_key() {
    int64_t created = -1;
    if (_snap.session_key_json) {
        rapidjson::Document d;
        d.Parse(_snap.session_key_json->c_str());
        if (!d.HasParseError() && d.IsObject() && d.HasMember("creation-timestamp") && d["creation-timestamp"].IsInt64())
            created = d["creation-timestamp"].GetInt64();
    }
    if (created >= 0 && now_ms() - created < _key_ttl_ms) return;
    unsigned char raw[32];
    RAND_bytes(raw, sizeof(raw));
    json_writer w;
    w.begin_object().key("key").str(base64_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof(raw))));
    w.key("algorithm").str("HmacSHA256").key("creation-timestamp").num(now_ms()).end_object();
    if (auto r = _stores.config->put_session_key(w.take()); !r) {
        logger()->warn("Could not write a new session key: {}", r.error().message);
        return;
    }
    (void)_stores.config->read_to_end(store_timeout);
    _snap = _stores.config->snapshot();
    publish();
    logger()->info("Wrote a new session key for inter-worker requests");
}

void distributed_herder::queue_task_configs_for_leader(const std::string& connector,
                                                       const std::vector<config_map>& configs) {
    auto key = session_key();
    if (!key) {
        logger()->warn("[{}] No session key yet to sign task configs for the leader (will retry)", connector);
        std::lock_guard g(_mu);
        _reconfig_requests.insert(connector);
        return;
    }
    json_writer w;
    w.begin_array();
    for (auto& c : configs) w.string_map(c);
    w.end_array();
    outgoing_task_configs out;
    out.body = w.take();
    out.signature = hmac_sha256_base64(*key, out.body);
    out.leader_url = _assignment.leader_url;
    while (!out.leader_url.empty() && out.leader_url.back() == '/') out.leader_url.pop_back();
    {
        std::lock_guard g(_mu);
        _outbox[connector] = std::move(out); // a newer set replaces one not sent yet
    }
    _outbox_cv.notify_all();
}

void distributed_herder::forward_loop() {
    for (;;) {
        std::string connector;
        outgoing_task_configs out;
        {
            std::unique_lock l(_mu);
            _outbox_cv.wait(l, [&] { return _stop || !_outbox.empty(); });
            if (_stop) return;
            auto it = _outbox.begin();
            connector = it->first;
            out = std::move(it->second);
            _outbox.erase(it);
        }
        auto client = make_rest_client(out.leader_url, _rest_tls);
        auto& cli = *client;
        httplib::Headers h{{"X-Connect-Authorization", out.signature},
                           {"X-Connect-Request-Signature-Algorithm", "HmacSHA256"}};
        auto res = cli.Post("/connectors/" + connector + "/tasks?forward=true", h, out.body, "application/json");
        std::string problem;
        if (!res) problem = fmt::format("POST to {} failed: {}", out.leader_url, httplib::to_string(res.error()));
        else if (res->status >= 300) problem = fmt::format("the leader {} answered {}: {}", out.leader_url, res->status, res->body);
        if (problem.empty()) continue;
        logger()->warn("[{}] Could not send task configs to the leader (will retry): {}", connector, problem);
        std::unique_lock l(_mu);
        _outbox_cv.wait_for(l, std::chrono::seconds(1), [&] { return _stop; });
        if (_stop) return;
        _reconfig_requests.insert(connector); // regenerated with the current leader and key
        _cv.notify_all();
    }
}

result<> distributed_herder::accept_task_configs(const std::string& connector, const std::vector<config_map>& configs,
                                                 const std::string& raw_body, const std::optional<std::string>& signature,
                                                 const std::optional<std::string>& algorithm) {
    auto r = run<bool>([this, connector, configs, raw_body, signature, algorithm]() -> result<bool> {
               if (auto r = require_leader(); !r) return fail(r.error());
               if (!signature) return fail(errc::invalid_argument, "Internal request missing required signature");
               if (algorithm.value_or("HmacSHA256") != "HmacSHA256")
                   return fail(errc::invalid_argument, "Signature algorithm {} is not supported", *algorithm);
               auto key = session_key();
               if (!key) return fail(errc::unavailable, "Internal request cannot be verified: no session key yet");
               if (hmac_sha256_base64(*key, raw_body) != *signature)
                   return fail(errc::forbidden, "Internal request contained invalid signature.");
               if (!_snap.connectors.count(connector)) return fail(not_found(connector));
               if (auto r = _stores.config->put_task_configs(connector, configs); !r) return fail(r.error());
               return true;
           });
    if (!r) return fail(r.error());
    return {};
}

result<config_infos> distributed_herder::validate_connector_config(const config_map& config) {
    return validate_connector(_worker->plugins(), _worker->config(), config);
}

} // namespace ferry::runtime
