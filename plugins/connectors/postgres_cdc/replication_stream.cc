#include "replication_stream.hpp"

#include "pgoutput.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

#include <poll.h>

namespace ferry::plugins::postgres_cdc {

using clock_type = std::chrono::steady_clock;

// --- frame_queue ---------------------------------------------------------------------------------

frame_queue::~frame_queue() {
    for (auto& f : _q) replication_stream::release(f);
}

bool frame_queue::push(frame f, std::chrono::milliseconds wait) {
    std::unique_lock l(_mu);
    auto room = [&] {
        return _closed || (_q.size() < _max_frames && (_max_bytes == 0 || _bytes < _max_bytes || _q.empty()));
    };
    if (!_not_full.wait_for(l, wait, room)) return false;
    if (_closed) return false;
    _q.push_back(f);
    _bytes += size_t(f.len);
    l.unlock();
    _not_empty.notify_one();
    return true;
}

size_t frame_queue::pop(std::vector<frame>& out, size_t max, std::chrono::milliseconds wait) {
    std::unique_lock l(_mu);
    if (_q.empty() && wait.count() > 0) _not_empty.wait_for(l, wait, [&] { return !_q.empty() || _closed; });
    size_t n = 0;
    while (n < max && !_q.empty()) {
        _bytes -= size_t(_q.front().len);
        out.push_back(_q.front());
        _q.pop_front();
        n++;
    }
    l.unlock();
    if (n) _not_full.notify_one();
    return n;
}

void frame_queue::close() {
    {
        std::lock_guard g(_mu);
        _closed = true;
    }
    _not_empty.notify_all();
    _not_full.notify_all();
}

size_t frame_queue::size() const {
    std::lock_guard g(_mu);
    return _q.size();
}

// --- replication_stream -----------------------------------------------------------------------

replication_stream::replication_stream(pg_conn conn, const settings& s)
    : _conn(std::move(conn)), _s(s), _queue(size_t(std::max(1, s.max_queue_size)), size_t(s.max_queue_size_bytes)) {}

replication_stream::~replication_stream() { stop(); }

void replication_stream::start(const std::string& slot, lsn_t start_lsn, lsn_t confirmed, const std::string& publication,
                               const std::vector<std::pair<std::string, std::string>>& extra_params,
                               int server_version) {
    _confirmed = confirmed;
    std::string opts = fmt::format("\"proto_version\" '1', \"publication_names\" {}", quote_literal(publication));
    if (server_version >= 140000) opts += ", \"messages\" 'true'";
    for (auto& [k, v] : extra_params) opts += fmt::format(", {} {}", quote_ident(k), quote_literal(v));
    std::string sql = fmt::format("START_REPLICATION SLOT {} LOGICAL {} ({})", quote_ident(slot), format_lsn(start_lsn), opts);
    pg_result r(PQexec(_conn.get(), sql.c_str()));
    if (r.status() != PGRES_COPY_BOTH) {
        std::string msg = r.get() ? r.error() : _conn.last_error();
        if (!_conn.alive()) throw pg_connection_lost(fmt::format("START_REPLICATION failed: {}", msg));
        throw connect_error(fmt::format("START_REPLICATION on slot '{}' failed: {}", slot, msg));
    }
    if (PQsetnonblocking(_conn.get(), 1) != 0) throw connect_error("cannot switch the replication connection to non-blocking mode");
    _running = true;
    _thread = std::thread([this] { run(); });
}

void replication_stream::stop() {
    _stop = true;
    _queue.close();
    if (_thread.joinable()) _thread.join();
    // Best effort: tell the server where we are, then end the copy; the connection closes anyway.
    if (_conn && _conn.alive()) {
        send_status(false);
        PQputCopyEnd(_conn.get(), nullptr);
        PQflush(_conn.get());
    }
    _conn.close();
    _running = false;
}

void replication_stream::confirm(lsn_t flushed) {
    lsn_t cur = _confirmed.load();
    while (flushed > cur) {
        if (_confirmed.compare_exchange_weak(cur, flushed)) {
            _confirm_pending = true;
            break;
        }
    }
}

std::optional<std::string> replication_stream::error() const {
    std::lock_guard g(_err_mu);
    return _error;
}

void replication_stream::fail(std::string msg) {
    {
        std::lock_guard g(_err_mu);
        if (!_error) _error = std::move(msg);
    }
    _running = false;
    _queue.close();
}

bool replication_stream::send_status(bool reply_requested) {
    char buf[pgoutput::status_update_size];
    lsn_t flushed = _confirmed.load();
    lsn_t written = std::max(_stats.received.load(), flushed);
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() -
                  pg_epoch_offset_us;
    pgoutput::encode_status_update(buf, written, flushed, flushed, now_us, reply_requested);
    if (PQputCopyData(_conn.get(), buf, int(sizeof buf)) != 1) return false;
    // Non-blocking: PQflush returns 1 while data is still queued; the next call continues.
    if (PQflush(_conn.get()) < 0) return false;
    _stats.status_updates++;
    return true;
}

void replication_stream::run() {
    PGconn* c = _conn.get();
    auto interval = std::chrono::milliseconds(std::clamp<int64_t>(_s.status_update_interval_ms, 100, 10000));
    auto next_status = clock_type::now();
    frame pending{};
    bool have_pending = false;
    while (!_stop) {
        auto now = clock_type::now();
        if (now >= next_status || _confirm_pending.exchange(false)) {
            if (!send_status(false)) {
                fail(fmt::format("connection to PostgreSQL lost while sending a status update: {}", _conn.last_error()));
                break;
            }
            next_status = now + interval;
        }
        if (have_pending) {
            // Queue full: wait for room, keeping status updates going.
            if (_queue.push(pending, std::chrono::milliseconds(100))) {
                have_pending = false;
            } else if (_stop) {
                break;
            }
            continue;
        }
        char* buf = nullptr;
        int n = PQgetCopyData(c, &buf, 1);
        if (n > 0) {
            char type = buf[0];
            if (type == 'w') {
                pgoutput::xlog_data x;
                if (!pgoutput::parse_xlog_data(std::string_view(buf, size_t(n)), x)) {
                    PQfreemem(buf);
                    fail("malformed XLogData frame from the server");
                    break;
                }
                _stats.received = x.wal_start;
                if (x.wal_end > _stats.server_wal_end) _stats.server_wal_end = x.wal_end;
                _stats.frames++;
                frame f{buf, n};
                if (!_queue.push(f, std::chrono::milliseconds(0))) {
                    pending = f;
                    have_pending = true;
                }
            } else if (type == 'k') {
                pgoutput::keepalive k;
                bool ok = pgoutput::parse_keepalive(std::string_view(buf, size_t(n)), k);
                PQfreemem(buf);
                if (!ok) {
                    fail("malformed keep-alive frame from the server");
                    break;
                }
                _stats.keepalive_lsn = k.wal_end;
                if (k.wal_end > _stats.server_wal_end) _stats.server_wal_end = k.wal_end;
                if (k.reply_requested) {
                    if (!send_status(false)) {
                        fail(fmt::format("connection to PostgreSQL lost while answering a keep-alive: {}",
                                         _conn.last_error()));
                        break;
                    }
                    next_status = clock_type::now() + interval;
                }
            } else {
                PQfreemem(buf);
            }
            continue;
        }
        if (n == 0) {
            pollfd p{PQsocket(c), POLLIN, 0};
            auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_status - clock_type::now()).count();
            int timeout = int(std::clamp<int64_t>(wait, 0, 100));
            int pr = ::poll(&p, 1, timeout);
            if (pr < 0 && errno != EINTR) {
                fail("poll() on the replication connection failed");
                break;
            }
            if (PQconsumeInput(c) == 0) {
                fail(fmt::format("connection to PostgreSQL lost: {}", _conn.last_error()));
                break;
            }
            // Keep flushing anything a previous non-blocking send left behind.
            if (PQflush(c) < 0) {
                fail(fmt::format("connection to PostgreSQL lost: {}", _conn.last_error()));
                break;
            }
            continue;
        }
        if (n == -1) {
            // COPY ended by the server: fetch the final result for its message.
            pg_result r(PQgetResult(c));
            std::string msg = r.get() && r.status() != PGRES_COMMAND_OK ? r.error() : "the server ended the replication stream";
            fail(fmt::format("replication stream ended: {}", msg));
            break;
        }
        fail(fmt::format("replication stream failed: {}", _conn.last_error()));
        break;
    }
    if (have_pending) release(pending);
    _running = false;
}

} // namespace ferry::plugins::postgres_cdc
