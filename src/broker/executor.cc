#include "broker/executor.hpp"

#include <future>

namespace ferry::broker {

executor::~executor() {
    stop();
}

void executor::start() {
    _stopping = false;
    _thread = std::thread([this] { run(); });
}

void executor::stop() {
    if (!_thread.joinable()) return;
    {
        std::lock_guard lk(_mu);
        _stopping = true;
    }
    _cv.notify_all();
    _thread.join();
    std::lock_guard lk(_mu);
    _order.clear();
    _timers.clear();
}

void executor::post(std::function<void()> fn) {
    {
        std::lock_guard lk(_mu);
        _tasks.push_back(std::move(fn));
    }
    _cv.notify_one();
}

void executor::run_sync(const std::function<void()>& fn) {
    if (!_thread.joinable() || in_thread()) {
        fn();
        return;
    }
    std::promise<void> done;
    auto f = done.get_future();
    post([&] {
        fn();
        done.set_value();
    });
    f.wait();
}

uint64_t executor::schedule_after(int64_t ms, std::function<void()> fn) {
    uint64_t id;
    {
        std::lock_guard lk(_mu);
        id = _next_id++;
        _timers.emplace(id, std::move(fn));
        _order.emplace(std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, ms)), id);
    }
    _cv.notify_one();
    return id;
}

void executor::cancel(uint64_t id) {
    std::lock_guard lk(_mu);
    _timers.erase(id); // its _order entry is skipped when it comes due
}

void executor::run() {
    std::unique_lock lk(_mu);
    for (;;) {
        if (!_tasks.empty()) {
            auto batch = std::move(_tasks);
            _tasks.clear();
            lk.unlock();
            for (auto& t : batch)
                t();
            lk.lock();
            continue;
        }
        if (_stopping) return;
        auto now = std::chrono::steady_clock::now();
        if (!_order.empty() && _order.begin()->first <= now) {
            uint64_t id = _order.begin()->second;
            _order.erase(_order.begin());
            auto it = _timers.find(id);
            if (it == _timers.end()) continue;
            auto fn = std::move(it->second);
            _timers.erase(it);
            lk.unlock();
            fn();
            lk.lock();
            continue;
        }
        if (_order.empty())
            _cv.wait(lk);
        else
            _cv.wait_until(lk, _order.begin()->first);
    }
}

} // namespace ferry::broker
