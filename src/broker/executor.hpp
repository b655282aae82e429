#pragma once
// A single thread that runs tasks and timers in order: the broker's coordinator thread.
//
// The group coordinator, the transaction coordinator and the coordinator state journal live on
// it, so their state needs no locks and their timeouts (sessions, rebalances, transactions) are
// ordinary timers on the same thread. Network threads post requests here and get their answers
// back through reply tokens.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ferry::broker {

class executor {
public:
    executor() = default;
    ~executor();
    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;

    void start();
    // Runs the tasks already posted, then joins. Timers not yet due are dropped.
    void stop();

    void post(std::function<void()> fn);
    // Runs `fn` on the thread and waits for it (start-up, shutdown, tests).
    void run_sync(const std::function<void()>& fn);
    // Both thread-safe; ids are never reused. Cancelling a fired or unknown id is a no-op.
    uint64_t schedule_after(int64_t ms, std::function<void()> fn);
    void cancel(uint64_t id);
    bool in_thread() const { return std::this_thread::get_id() == _thread.get_id(); }

private:
    void run();

    std::mutex _mu;
    std::condition_variable _cv;
    std::vector<std::function<void()>> _tasks;
    std::multimap<std::chrono::steady_clock::time_point, uint64_t> _order;
    std::unordered_map<uint64_t, std::function<void()>> _timers;
    uint64_t _next_id = 1;
    bool _stopping = false;
    std::thread _thread;
};

} // namespace ferry::broker
