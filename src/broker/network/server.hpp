#pragma once
// The Kafka-protocol TCP server: accepts connections, splits the byte stream into size-prefixed
// frames, hands each request to a request_handler and writes responses back strictly in request
// order.
//
// Lifecycle. start() binds the listener (port 0 picks a free port; port() tells which) and starts
// the network threads; stop() closes the listener and every connection and joins the threads.
//
// Ordering and pipelining. Clients pipeline requests (librdkafka keeps up to 5 produce requests in
// flight; kafka-python checks correlation ids in order). Like Kafka, a connection serves one
// request at a time: the next frame is parsed only when the previous one has been answered.
// Most handlers answer synchronously on the network thread. A handler that must wait (a
// long-polling Fetch, a JoinGroup parked until the rebalance completes, anything answered on the
// coordinator thread) returns `deferred` and completes later through a reply_token from any
// thread; meanwhile the connection stops reading (its later requests wait, as in Kafka) while
// other connections continue.
//
// Limits. A frame larger than socket.request.max.bytes, a negative size or a request for an API
// or version we do not serve closes the connection (Kafka's behaviour; kafka-python's version
// probe relies on it). ApiVersions with a version above ours is answered by the handler.

#include "base/error.hpp"
#include "broker/network/event_loop.hpp"
#include "broker/protocol/api.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ferry::broker::net {

class server;

// Completes one deferred request. Copyable; completing twice or after the connection closed is
// harmless (ignored).
class reply_token {
public:
    reply_token() = default;
    void send(proto::out_buffer out) const;
    void send_none() const; // the request needs no response after all
    void close() const;     // close the connection instead of answering
    bool valid() const { return _srv != nullptr; }
    event_loop* loop() const { return _loop; }

private:
    friend class server;
    friend struct request_context;
    reply_token(server* s, event_loop* l, uint64_t c, uint64_t q) : _srv(s), _loop(l), _conn(c), _seq(q) {}
    server* _srv = nullptr;
    event_loop* _loop = nullptr;
    uint64_t _conn = 0;
    uint64_t _seq = 0;
};

struct request_context {
    proto::request_header header;
    std::string client_host; // "/127.0.0.1", as Kafka renders it in DescribeGroups
    event_loop* loop = nullptr;
    uint64_t connection_id = 0;
    // Returns the token for a deferred answer; the handler then returns outcome::deferred.
    reply_token defer() const;
    server* srv = nullptr;
    uint64_t seq = 0;
};

struct outcome {
    enum class kind { respond, none, deferred, close };
    kind k = kind::none;
    proto::out_buffer out;

    static outcome respond(proto::out_buffer o) { return outcome{kind::respond, std::move(o)}; }
    static outcome none() { return outcome{kind::none, {}}; }
    static outcome deferred() { return outcome{kind::deferred, {}}; }
    static outcome close() { return outcome{kind::close, {}}; }
};

class request_handler {
public:
    virtual ~request_handler() = default;
    // Called on a network thread with the request body (mutable: produce batches are patched in
    // place by storage). The body is valid only during the call.
    virtual outcome handle(request_context& ctx, char* body, size_t size) = 0;
    virtual void on_connection_closed(uint64_t connection_id) {}
};

struct server_config {
    std::string host = "127.0.0.1";
    uint16_t port = 9092;
    int network_threads = 1;
    int64_t max_request_bytes = 104857600; // socket.request.max.bytes
};

struct server_stats {
    std::atomic<int64_t> bytes_in{0};
    std::atomic<int64_t> bytes_out{0};
    std::atomic<int64_t> connections{0};
    std::atomic<int64_t> connections_total{0};
};

class server {
public:
    server(server_config cfg, request_handler& handler);
    ~server();

    // Binds and listens (port() is known afterwards); start() calls it if needed.
    result<> bind();
    result<> start();
    void stop();
    uint16_t port() const { return _port; }
    const server_stats& stats() const { return _stats; }
    // The network threads (fetch parking registers watchers on them).
    const std::vector<std::unique_ptr<event_loop>>& loops() const { return _loops; }

private:
    friend class reply_token;
    struct connection;
    struct loop_state;

    void on_accept();
    void add_connection(size_t loop_index, int fd, std::string host);
    void on_io(loop_state& ls, connection& c, uint32_t events);
    void process(loop_state& ls, connection& c);
    void enqueue(connection& c, proto::out_buffer&& out);
    void flush(loop_state& ls, connection& c);
    void update_interest(loop_state& ls, connection& c);
    void close_connection(loop_state& ls, uint64_t id);
    void complete(size_t loop_index, uint64_t conn, uint64_t seq, int how, proto::out_buffer&& out);

    server_config _cfg;
    request_handler& _handler;
    int _listen_fd = -1;
    uint16_t _port = 0;
    std::vector<std::unique_ptr<event_loop>> _loops;
    std::vector<std::unique_ptr<loop_state>> _states;
    std::atomic<uint64_t> _next_conn{1};
    size_t _rr = 0;
    server_stats _stats;
    bool _started = false;
};

} // namespace ferry::broker::net
