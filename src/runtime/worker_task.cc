#include "runtime/worker_task.hpp"

#include "base/log.hpp"
#include "ferry/connect/errors.hpp"

namespace ferry::runtime {

std::string trace_of(const std::exception& e) {
    if (auto* ce = dynamic_cast<const connect_error*>(&e)) return std::string(ce->java_class()) + ": " + e.what();
    return std::string("org.apache.kafka.connect.errors.ConnectException: ") + e.what();
}

worker_task::worker_task(task_id id, status_listener& listener, target_state initial)
    : _id(std::move(id)), _listener(listener), _target(initial) {}

worker_task::~worker_task() {
    if (_thread.joinable()) _thread.detach();
}

void worker_task::start() {
    auto self = shared_from_this();
    _thread = std::thread([self] { self->run(); });
}

void worker_task::run() {
    auto log = log::get("runtime");
    try {
        execute();
        if (!_cancelled) report(state::unassigned);
    } catch (const std::exception& e) {
        log->error("[{}] Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover "
                   "until manually restarted: {}",
                   _id.to_string(), e.what());
        if (!_cancelled) report(state::failed, trace_of(e));
    }
    _finished = true;
    _cv.notify_all();
}

void worker_task::transition_to(target_state s) {
    {
        std::lock_guard g(_mu);
        _target = s;
    }
    _cv.notify_all();
}

target_state worker_task::current_target() const {
    std::lock_guard g(_mu);
    return _target;
}

void worker_task::stop() {
    _stopping = true;
    _cv.notify_all();
    std::lock_guard g(_plugin_mu);
    stop_plugin();
}

bool worker_task::await_stop(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock l(_mu);
    _cv.wait_until(l, deadline, [&] { return _finished.load(); });
    l.unlock();
    if (_finished) {
        if (_thread.joinable()) _thread.join();
        return true;
    }
    // Abandon: the thread holds its own reference and finishes in the background.
    _cancelled = true;
    log::get("runtime")->warn("[{}] Graceful stop of task failed: it did not stop in time; abandoning it",
                              _id.to_string());
    if (_thread.joinable()) _thread.detach();
    return false;
}

bool worker_task::await_unpaused() {
    std::unique_lock l(_mu);
    if (_target != target_state::paused) return !_stopping;
    l.unlock();
    report(state::paused);
    l.lock();
    _cv.wait(l, [&] { return _stopping.load() || _target != target_state::paused; });
    l.unlock();
    if (_stopping) return false;
    report(state::running);
    return true;
}

void worker_task::wait_for(std::chrono::milliseconds d) {
    std::unique_lock l(_mu);
    _cv.wait_for(l, d, [&] { return _stopping.load(); });
}

void worker_task::report(state s, const std::string& trace) {
    if (_cancelled) return;
    _listener.on_task_state(_id, s, trace);
}

void worker_task::note_active_topic(std::string_view topic) {
    _last_active_topic = topic;
    if (_active_topics.count(topic)) return;
    _active_topics.emplace(topic);
    if (!_cancelled) _listener.on_topic_active(_id, std::string(topic));
}

} // namespace ferry::runtime
