#pragma once
// One network thread: an epoll set, a task mailbox, timers and "data arrived" watchers.
//
// Threading. Everything except post(), signal_data() and stop() must be called on the loop's own
// thread (from inside a callback). post() is how other threads (the coordinator thread, another
// loop, storage's append listener) hand work to the loop; it wakes epoll through an eventfd.
//
// Data watchers exist for long-polling fetches: storage calls the broker's append listener after
// every append, the broker calls signal_data() on each loop that has parked fetches, and the loop
// runs its watchers once per wake-up, however many appends happened meanwhile (coalesced with an
// atomic flag, so a busy producer costs one eventfd write per loop iteration, not per batch).

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ferry::broker::net {

int64_t steady_now_ms();

class event_loop {
public:
    explicit event_loop(std::string name);
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    void start();
    // Stops the thread after the current iteration and joins it. Pending posts are dropped.
    void stop();

    // Thread-safe.
    void post(std::function<void()> fn);
    void signal_data();
    bool in_loop_thread() const { return std::this_thread::get_id() == _thread_id; }

    // Loop thread only. `deadline` is steady_now_ms() based.
    uint64_t add_timer(int64_t deadline, std::function<void()> fn);
    void cancel_timer(uint64_t id);
    uint64_t add_data_watcher(std::function<void()> fn);
    void remove_data_watcher(uint64_t id);
    size_t data_watcher_count() const { return _watcher_count.load(std::memory_order_relaxed); }

    using fd_callback = std::function<void(uint32_t events)>;
    void add_fd(int fd, uint32_t events, fd_callback cb);
    void modify_fd(int fd, uint32_t events);
    void remove_fd(int fd);

    const std::string& name() const { return _name; }

private:
    void run();
    void drain_wakeups();

    std::string _name;
    int _epfd = -1;
    int _wakefd = -1;
    std::thread _thread;
    std::thread::id _thread_id;
    std::atomic<bool> _stopping{false};

    std::mutex _mu;
    std::vector<std::function<void()>> _posted;

    std::atomic<bool> _data_flag{false};
    std::atomic<size_t> _watcher_count{0};
    std::map<uint64_t, std::function<void()>> _watchers;

    std::multimap<int64_t, uint64_t> _timer_order; // deadline -> id
    std::unordered_map<uint64_t, std::pair<int64_t, std::function<void()>>> _timers;
    uint64_t _next_id = 1;

    std::unordered_map<int, fd_callback> _fds;
};

} // namespace ferry::broker::net
