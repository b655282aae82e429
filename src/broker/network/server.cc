#include "broker/network/server.hpp"

#include "base/log.hpp"
#include "broker/protocol/record_batch.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <future>
#include <unordered_map>

namespace ferry::broker::net {
namespace {

auto logger() {
    static auto l = ferry::log::get("broker");
    return l;
}

constexpr size_t initial_read_buffer = 64 * 1024;
constexpr size_t out_high_water = 32 * 1024 * 1024;
constexpr int how_send = 0, how_none = 1, how_close = 2;

} // namespace

struct server::connection {
    int fd = -1;
    uint64_t id = 0;
    std::string host;
    std::vector<char> in;
    size_t rbeg = 0, rend = 0;
    std::deque<std::string> out;
    size_t out_off = 0;   // bytes of out.front() already written
    size_t out_bytes = 0; // total unwritten bytes
    bool waiting = false; // a deferred request is in flight
    uint64_t seq = 0;
    bool peer_closed = false;
    uint32_t interest = 0;
};

struct server::loop_state {
    size_t index = 0;
    event_loop* loop = nullptr;
    std::unordered_map<uint64_t, std::unique_ptr<connection>> conns;
};

void reply_token::send(proto::out_buffer out) const {
    if (!_srv) return;
    auto* s = _srv;
    size_t idx = 0;
    for (; idx < s->_loops.size(); ++idx)
        if (s->_loops[idx].get() == _loop) break;
    auto holder = std::make_shared<proto::out_buffer>(std::move(out));
    _loop->post([s, idx, c = _conn, q = _seq, holder] { s->complete(idx, c, q, how_send, std::move(*holder)); });
}

void reply_token::send_none() const {
    if (!_srv) return;
    auto* s = _srv;
    size_t idx = 0;
    for (; idx < s->_loops.size(); ++idx)
        if (s->_loops[idx].get() == _loop) break;
    _loop->post([s, idx, c = _conn, q = _seq] { s->complete(idx, c, q, how_none, {}); });
}

void reply_token::close() const {
    if (!_srv) return;
    auto* s = _srv;
    size_t idx = 0;
    for (; idx < s->_loops.size(); ++idx)
        if (s->_loops[idx].get() == _loop) break;
    _loop->post([s, idx, c = _conn, q = _seq] { s->complete(idx, c, q, how_close, {}); });
}

reply_token request_context::defer() const {
    return reply_token(srv, loop, connection_id, seq);
}

server::server(server_config cfg, request_handler& handler) : _cfg(std::move(cfg)), _handler(handler) {}

server::~server() {
    stop();
}

result<> server::bind() {
    if (_listen_fd >= 0) return {};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(_cfg.port);
    const char* host = (_cfg.host.empty() || _cfg.host == "0.0.0.0") ? nullptr : _cfg.host.c_str();
    if (host == nullptr) hints.ai_family = AF_INET;
    if (int rc = getaddrinfo(host, port.c_str(), &hints, &res); rc != 0)
        return fail(errc::invalid_argument, "broker listener {}:{}: {}", _cfg.host, _cfg.port, gai_strerror(rc));
    int fd = -1;
    std::string last_error;
    for (auto* ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) break;
        last_error = std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return fail(errc::io, "broker listener {}:{}: {}", _cfg.host, _cfg.port, last_error);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    _port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    _listen_fd = fd;
    return {};
}

result<> server::start() {
    if (auto r = bind(); !r) return r;
    int n = std::max(1, _cfg.network_threads);
    for (int i = 0; i < n; ++i) {
        _loops.push_back(std::make_unique<event_loop>("broker-net-" + std::to_string(i)));
        auto st = std::make_unique<loop_state>();
        st->index = static_cast<size_t>(i);
        st->loop = _loops.back().get();
        _states.push_back(std::move(st));
    }
    for (auto& l : _loops)
        l->start();
    _loops[0]->post([this] { _loops[0]->add_fd(_listen_fd, EPOLLIN, [this](uint32_t) { on_accept(); }); });
    _started = true;
    return {};
}

void server::stop() {
    if (!_started) return;
    _started = false;
    // Close connections on their own threads, then stop the threads.
    for (size_t i = 0; i < _loops.size(); ++i) {
        auto* ls = _states[i].get();
        std::promise<void> done;
        auto fut = done.get_future();
        _loops[i]->post([this, ls, i, &done] {
            if (i == 0 && _listen_fd >= 0) _loops[0]->remove_fd(_listen_fd);
            std::vector<uint64_t> ids;
            for (auto& [id, _] : ls->conns)
                ids.push_back(id);
            for (auto id : ids)
                close_connection(*ls, id);
            done.set_value();
        });
        fut.wait();
    }
    for (auto& l : _loops)
        l->stop();
    if (_listen_fd >= 0) ::close(_listen_fd);
    _listen_fd = -1;
    _loops.clear();
    _states.clear();
}

void server::on_accept() {
    for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int fd = accept4(_listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) logger()->warn("accept failed: {}", std::strerror(errno));
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char buf[INET6_ADDRSTRLEN] = "";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
        std::string host = std::string("/") + buf;
        size_t idx = _rr++ % _loops.size();
        if (idx == 0)
            add_connection(0, fd, std::move(host));
        else
            _loops[idx]->post(
                [this, idx, fd, host = std::move(host)]() mutable { add_connection(idx, fd, std::move(host)); });
    }
}

void server::add_connection(size_t loop_index, int fd, std::string host) {
    auto& ls = *_states[loop_index];
    auto c = std::make_unique<connection>();
    c->fd = fd;
    c->id = _next_conn++;
    c->host = std::move(host);
    c->in.resize(initial_read_buffer);
    c->interest = EPOLLIN | EPOLLRDHUP;
    uint64_t id = c->id;
    ls.conns.emplace(id, std::move(c));
    _stats.connections++;
    _stats.connections_total++;
    ls.loop->add_fd(fd, EPOLLIN | EPOLLRDHUP, [this, &ls, id](uint32_t ev) {
        auto it = ls.conns.find(id);
        if (it != ls.conns.end()) on_io(ls, *it->second, ev);
    });
}

void server::close_connection(loop_state& ls, uint64_t id) {
    auto it = ls.conns.find(id);
    if (it == ls.conns.end()) return;
    ls.loop->remove_fd(it->second->fd);
    ::close(it->second->fd);
    ls.conns.erase(it);
    _stats.connections--;
    _handler.on_connection_closed(id);
}

void server::on_io(loop_state& ls, connection& c, uint32_t events) {
    uint64_t id = c.id;
    if (events & (EPOLLERR | EPOLLHUP)) {
        close_connection(ls, id);
        return;
    }
    if (events & EPOLLOUT) {
        flush(ls, c);
        if (!ls.conns.count(id)) return;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP)) && !c.peer_closed) {
        for (int rounds = 0; rounds < 4; ++rounds) {
            if (c.rbeg == c.rend) c.rbeg = c.rend = 0;
            if (c.in.size() - c.rend < 16 * 1024 && c.rbeg > 0) {
                std::memmove(c.in.data(), c.in.data() + c.rbeg, c.rend - c.rbeg);
                c.rend -= c.rbeg;
                c.rbeg = 0;
            }
            if (c.rend == c.in.size()) c.in.resize(c.in.size() * 2);
            ssize_t n = ::read(c.fd, c.in.data() + c.rend, c.in.size() - c.rend);
            if (n > 0) {
                c.rend += static_cast<size_t>(n);
                _stats.bytes_in += n;
                // Acknowledge at once: clients leave Nagle on, and a request whose last segment
                // waits for our delayed ACK (up to 40 ms) would stall the whole pipeline.
                int one = 1;
                setsockopt(c.fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
                if (c.rend < c.in.size()) break; // drained the socket for now
                continue;
            }
            if (n == 0) {
                c.peer_closed = true;
                break;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            close_connection(ls, id);
            return;
        }
        process(ls, c);
        if (!ls.conns.count(id)) return;
    }
    update_interest(ls, c);
}

void server::process(loop_state& ls, connection& c) {
    uint64_t id = c.id;
    while (!c.waiting && c.out_bytes < out_high_water) {
        size_t avail = c.rend - c.rbeg;
        if (avail < 4) break;
        int32_t size = proto::read_i32_be(c.in.data() + c.rbeg);
        if (size < 0 || size > _cfg.max_request_bytes) {
            logger()->warn("closing connection from {}: request of {} bytes exceeds socket.request.max.bytes {}",
                           c.host, size, _cfg.max_request_bytes);
            close_connection(ls, id);
            return;
        }
        size_t need = 4 + static_cast<size_t>(size);
        if (avail < need) {
            if (c.rbeg > 0 && c.in.size() - c.rbeg < need) {
                // Move the partial frame to the front. The buffer itself grows only as bytes
                // arrive (doubling when full), so a size prefix alone cannot make us allocate
                // socket.request.max.bytes.
                std::memmove(c.in.data(), c.in.data() + c.rbeg, avail);
                c.rend = avail;
                c.rbeg = 0;
            }
            break;
        }
        char* frame = c.in.data() + c.rbeg + 4;
        c.rbeg += need;
        size_t body_off = 0;
        auto h = proto::parse_request_header(frame, static_cast<size_t>(size), body_off);
        if (!h) {
            close_connection(ls, id);
            return;
        }
        auto* api = proto::find_api(h->api_key);
        bool is_api_versions = h->api_key == static_cast<int16_t>(proto::api_key::api_versions);
        if (!api || (!is_api_versions && (h->api_version < api->min_version || h->api_version > api->max_version))) {
            logger()->debug("closing connection from {}: unsupported api {} v{}", c.host, h->api_key, h->api_version);
            close_connection(ls, id);
            return;
        }
        request_context ctx;
        ctx.header = std::move(*h);
        ctx.client_host = c.host;
        ctx.loop = ls.loop;
        ctx.connection_id = id;
        ctx.srv = this;
        ctx.seq = ++c.seq;
        outcome o = _handler.handle(ctx, frame + body_off, static_cast<size_t>(size) - body_off);
        switch (o.k) {
        case outcome::kind::respond:
            enqueue(c, std::move(o.out));
            break;
        case outcome::kind::none:
            break;
        case outcome::kind::deferred:
            c.waiting = true;
            break;
        case outcome::kind::close:
            close_connection(ls, id);
            return;
        }
    }
    if (c.rbeg == c.rend) {
        c.rbeg = c.rend = 0;
        // One huge request must not pin its buffer for the life of the connection.
        if (c.in.size() > (8u << 20) && !c.waiting) {
            c.in.resize(initial_read_buffer);
            c.in.shrink_to_fit();
        }
    }
    flush(ls, c);
}

void server::enqueue(connection& c, proto::out_buffer&& out) {
    c.out_bytes += out.size();
    for (auto& chunk : out.chunks())
        if (!chunk.empty()) c.out.push_back(std::move(chunk));
}

void server::flush(loop_state& ls, connection& c) {
    uint64_t id = c.id;
    while (!c.out.empty()) {
        iovec iov[64];
        int n = 0;
        size_t off = c.out_off;
        for (auto it = c.out.begin(); it != c.out.end() && n < 64; ++it) {
            iov[n].iov_base = it->data() + off;
            iov[n].iov_len = it->size() - off;
            off = 0;
            ++n;
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<size_t>(n);
        ssize_t w = sendmsg(c.fd, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            close_connection(ls, id);
            return;
        }
        _stats.bytes_out += w;
        size_t left = static_cast<size_t>(w);
        c.out_bytes -= left;
        while (left > 0) {
            size_t rem = c.out.front().size() - c.out_off;
            if (left >= rem) {
                left -= rem;
                c.out.pop_front();
                c.out_off = 0;
            } else {
                c.out_off += left;
                left = 0;
            }
        }
    }
    if (c.peer_closed && c.out.empty() && !c.waiting && c.rend - c.rbeg < 4) {
        close_connection(ls, id);
        return;
    }
    update_interest(ls, c);
}

void server::update_interest(loop_state& ls, connection& c) {
    uint32_t want = 0;
    if (!c.peer_closed && !c.waiting && c.out_bytes < out_high_water) want |= EPOLLIN | EPOLLRDHUP;
    if (!c.out.empty()) want |= EPOLLOUT;
    if (want != c.interest) {
        c.interest = want;
        ls.loop->modify_fd(c.fd, want);
    }
}

void server::complete(size_t loop_index, uint64_t conn, uint64_t seq, int how, proto::out_buffer&& out) {
    if (loop_index >= _states.size()) return;
    auto& ls = *_states[loop_index];
    auto it = ls.conns.find(conn);
    if (it == ls.conns.end()) return;
    auto& c = *it->second;
    if (!c.waiting || c.seq != seq) return;
    c.waiting = false;
    if (how == how_close) {
        close_connection(ls, conn);
        return;
    }
    if (how == how_send) enqueue(c, std::move(out));
    process(ls, c);
}

} // namespace ferry::broker::net
