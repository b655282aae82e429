#pragma once
// A blocking Kafka-protocol client for the broker's own tests: it speaks through the same
// message definitions the broker serves (messages.hpp can encode requests and decode responses),
// so tests can send exact versions, raw bytes, pipelined and malformed requests.

#include "broker/protocol/api.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/protocol/record_batch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace ferry::broker::testing {

class test_client {
public:
    explicit test_client(uint16_t port) {
        _fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
        int one = 1;
        setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~test_client() {
        if (_fd >= 0) ::close(_fd);
    }
    test_client(const test_client&) = delete;

    void send_raw(const std::string& bytes) {
        size_t off = 0;
        while (off < bytes.size()) {
            ssize_t n = ::send(_fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            off += static_cast<size_t>(n);
        }
    }

    template <class M> int32_t send(int16_t key, int16_t version, M msg) {
        int32_t corr = _next_corr++;
        send_raw(proto::encode_request(key, version, corr, std::string("ferry-test"), msg).flatten());
        return corr;
    }

    // The next response frame (without its size prefix); nullopt when the broker closed the
    // connection or nothing came within `timeout_ms`.
    std::optional<std::string> read_frame(int timeout_ms = 10000) {
        std::string size_bytes;
        if (!read_exact(4, size_bytes, timeout_ms)) return std::nullopt;
        int32_t n = proto::read_i32_be(size_bytes.data());
        std::string frame;
        if (!read_exact(static_cast<size_t>(n), frame, timeout_ms)) return std::nullopt;
        return frame;
    }

    // Records in the response are views into the frame, valid until the next receive().
    template <class R> R receive(int16_t key, int16_t version, int32_t* corr_out = nullptr, int timeout_ms = 10000) {
        auto f = read_frame(timeout_ms);
        if (!f) throw std::runtime_error("no response");
        _last = std::move(*f);
        auto r = proto::decode_response<R>(key, version, _last.data(), _last.size(), corr_out);
        if (!r) throw std::runtime_error("undecodable response");
        return *r;
    }

    template <class R, class M> R call(int16_t key, int16_t version, M msg) {
        int32_t corr = send(key, version, std::move(msg));
        int32_t got = -1;
        R r = receive<R>(key, version, &got);
        if (got != corr) throw std::runtime_error("correlation id mismatch");
        return r;
    }

    // True when the broker closed the connection (EOF) within `timeout_ms`.
    bool closed_by_peer(int timeout_ms = 5000) {
        pollfd p{_fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        char c;
        return ::recv(_fd, &c, 1, MSG_PEEK) == 0;
    }

private:
    bool read_exact(size_t n, std::string& out, int timeout_ms) {
        out.clear();
        while (out.size() < n) {
            pollfd p{_fd, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return false;
            char buf[65536];
            ssize_t r = ::recv(_fd, buf, std::min(sizeof buf, n - out.size()), 0);
            if (r <= 0) return false;
            out.append(buf, static_cast<size_t>(r));
        }
        return true;
    }

    int _fd = -1;
    int32_t _next_corr = 1;
    std::string _last;
};

} // namespace ferry::broker::testing
