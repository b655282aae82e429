#pragma once
// A running task: one thread, one task object, its converters, transforms and Kafka client.
//
// Lifecycle (all transitions are requested by the worker on the herder's thread):
//   start() spawns the thread, which creates the task, starts it and loops until stop();
//   transition_to(PAUSED/STARTED) pauses or resumes the loop (a paused sink keeps polling so its
//   consumer stays in the group); stop() asks the loop to end and calls the plugin's stop() so a
//   blocked poll() returns; await_stop() waits for the thread up to a deadline and, past it,
//   abandons the thread (it keeps running in the background, holding its own reference, and its
//   further status updates are ignored - Java's "cancel").
// A task that throws out of its loop is FAILED with the exception as its trace; it stays FAILED
// until the herder restarts it (a new worker_task for the same id).

#include "runtime/errors/error_handling.hpp"
#include "runtime/states.hpp"
#include "runtime/status.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace ferry::runtime {

// Counters behind Kafka Connect's task metrics (exposed on /metrics).
struct task_metrics {
    std::atomic<int64_t> records_polled{0};  // source-record-poll-total
    std::atomic<int64_t> records_written{0}; // source-record-write-total (acknowledged)
    std::atomic<int64_t> records_read{0};    // sink-record-read-total
    std::atomic<int64_t> records_sent{0};    // sink-record-send-total (put)
    std::atomic<int64_t> batches{0};
    std::atomic<int64_t> batch_time_us_total{0};
    std::atomic<int64_t> batch_time_us_max{0};
    std::atomic<int64_t> offset_commit_success{0};
    std::atomic<int64_t> offset_commit_failure{0};
    std::atomic<int64_t> offset_commit_time_us_max{0};
    std::atomic<int64_t> active_records{0};
    std::shared_ptr<error_metrics> errors = std::make_shared<error_metrics>();
};

class worker_task : public std::enable_shared_from_this<worker_task> {
public:
    worker_task(task_id id, status_listener& listener, target_state initial);
    virtual ~worker_task();

    const task_id& id() const { return _id; }
    void start();
    void transition_to(target_state s);
    void stop();
    // True when the thread finished before the deadline; false when it was abandoned.
    bool await_stop(std::chrono::steady_clock::time_point deadline);
    bool finished() const { return _finished.load(); }
    const task_metrics& metrics() const { return _metrics; }

protected:
    // The task loop; returns on stop. Exceptions fail the task.
    virtual void execute() = 0;
    // Calls the plugin's stop() (from the stopping thread) if the plugin is running.
    virtual void stop_plugin() = 0;

    bool stopping() const { return _stopping.load(); }
    target_state current_target() const;
    // Blocks while paused (reporting PAUSED once). Returns false if stopping.
    bool await_unpaused();
    void report(state s, const std::string& trace = {});
    // Reports the topic to the listener the first time this task uses it (task thread only).
    void record_active_topic(std::string_view topic) {
        if (topic != _last_active_topic) note_active_topic(topic);
    }
    void wait_for(std::chrono::milliseconds d); // interruptible sleep

    task_id _id;
    std::atomic<bool> _stopping{false};
    task_metrics _metrics;
    std::mutex _plugin_mu; // guards the plugin object against stop() racing with its destruction

private:
    void run();
    void note_active_topic(std::string_view topic);
    status_listener& _listener;
    std::set<std::string, std::less<>> _active_topics;
    std::string _last_active_topic;
    mutable std::mutex _mu;
    std::condition_variable _cv;
    target_state _target;
    std::thread _thread;
    std::atomic<bool> _finished{false};
    std::atomic<bool> _cancelled{false};
};

// Text for a task's FAILED trace: "<java exception class>: <message>".
std::string trace_of(const std::exception& e);

} // namespace ferry::runtime
