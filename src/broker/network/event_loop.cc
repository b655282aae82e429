#include "broker/network/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace ferry::broker::net {

int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

event_loop::event_loop(std::string name) : _name(std::move(name)) {
    _epfd = epoll_create1(EPOLL_CLOEXEC);
    _wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = _wakefd;
    epoll_ctl(_epfd, EPOLL_CTL_ADD, _wakefd, &ev);
}

event_loop::~event_loop() {
    stop();
    if (_wakefd >= 0) close(_wakefd);
    if (_epfd >= 0) close(_epfd);
}

void event_loop::start() {
    _thread = std::thread([this] { run(); });
}

void event_loop::stop() {
    if (!_thread.joinable()) return;
    _stopping = true;
    uint64_t one = 1;
    (void)!write(_wakefd, &one, sizeof one);
    _thread.join();
}

void event_loop::post(std::function<void()> fn) {
    bool was_empty;
    {
        std::lock_guard lk(_mu);
        was_empty = _posted.empty();
        _posted.push_back(std::move(fn));
    }
    if (was_empty) {
        uint64_t one = 1;
        (void)!write(_wakefd, &one, sizeof one);
    }
}

void event_loop::signal_data() {
    if (_data_flag.exchange(true, std::memory_order_acq_rel)) return;
    uint64_t one = 1;
    (void)!write(_wakefd, &one, sizeof one);
}

uint64_t event_loop::add_timer(int64_t deadline, std::function<void()> fn) {
    uint64_t id = _next_id++;
    _timers.emplace(id, std::make_pair(deadline, std::move(fn)));
    _timer_order.emplace(deadline, id);
    return id;
}

void event_loop::cancel_timer(uint64_t id) {
    auto it = _timers.find(id);
    if (it == _timers.end()) return;
    auto range = _timer_order.equal_range(it->second.first);
    for (auto o = range.first; o != range.second; ++o)
        if (o->second == id) {
            _timer_order.erase(o);
            break;
        }
    _timers.erase(it);
}

uint64_t event_loop::add_data_watcher(std::function<void()> fn) {
    uint64_t id = _next_id++;
    _watchers.emplace(id, std::move(fn));
    _watcher_count.store(_watchers.size(), std::memory_order_relaxed);
    return id;
}

void event_loop::remove_data_watcher(uint64_t id) {
    _watchers.erase(id);
    _watcher_count.store(_watchers.size(), std::memory_order_relaxed);
}

void event_loop::add_fd(int fd, uint32_t events, fd_callback cb) {
    _fds[fd] = std::move(cb);
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(_epfd, EPOLL_CTL_ADD, fd, &ev);
}

void event_loop::modify_fd(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(_epfd, EPOLL_CTL_MOD, fd, &ev);
}

void event_loop::remove_fd(int fd) {
    epoll_ctl(_epfd, EPOLL_CTL_DEL, fd, nullptr);
    _fds.erase(fd);
}

void event_loop::drain_wakeups() {
    uint64_t v;
    while (read(_wakefd, &v, sizeof v) > 0) {
    }
}

void event_loop::run() {
    _thread_id = std::this_thread::get_id();
    constexpr int max_events = 64;
    epoll_event events[max_events];
    std::vector<std::function<void()>> batch;
    while (!_stopping.load()) {
        int timeout = -1;
        if (!_timer_order.empty()) {
            int64_t wait = _timer_order.begin()->first - steady_now_ms();
            timeout = wait < 0 ? 0 : static_cast<int>(std::min<int64_t>(wait, 60000));
        }
        int n = epoll_wait(_epfd, events, max_events, timeout);
        if (n < 0 && errno != EINTR) break;
        if (_stopping.load()) break;
        bool woke = false;
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == _wakefd) {
                woke = true;
                continue;
            }
            auto it = _fds.find(fd);
            if (it == _fds.end()) continue;
            // The callback may remove (and close) its own fd: keep the callable alive meanwhile.
            auto cb = it->second;
            cb(events[i].events);
        }
        if (woke) drain_wakeups();
        {
            std::lock_guard lk(_mu);
            batch.swap(_posted);
        }
        for (auto& fn : batch)
            fn();
        batch.clear();
        if (_data_flag.exchange(false, std::memory_order_acq_rel) && !_watchers.empty()) {
            // Watchers may unregister themselves (or others) while running.
            std::vector<uint64_t> ids;
            ids.reserve(_watchers.size());
            for (auto& [id, _] : _watchers)
                ids.push_back(id);
            for (auto id : ids) {
                auto it = _watchers.find(id);
                if (it == _watchers.end()) continue;
                auto fn = it->second;
                fn();
            }
        }
        int64_t now = steady_now_ms();
        while (!_timer_order.empty() && _timer_order.begin()->first <= now) {
            uint64_t id = _timer_order.begin()->second;
            _timer_order.erase(_timer_order.begin());
            auto it = _timers.find(id);
            if (it == _timers.end()) continue;
            auto fn = std::move(it->second.second);
            _timers.erase(it);
            fn();
        }
    }
}

} // namespace ferry::broker::net
