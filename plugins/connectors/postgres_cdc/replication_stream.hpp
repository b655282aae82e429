#pragma once
// The reader side of the pipeline: one thread owns the replication connection after
// START_REPLICATION. It moves CopyData frames from libpq into a bounded queue, answers primary
// keep-alives, and sends standby status updates with the flushed position the task confirms.
//
//   reader thread:  socket -> PQgetCopyData -> frame_queue (bounded by max.queue.size frames and,
//                   optionally, max.queue.size.in.bytes)
//   task thread:    frame_queue -> pgoutput::decoder -> source_records -> runtime (convert, produce)
//
// Frames are libpq's own buffers: the reader hands the pointer over and the task frees it after
// decoding, so a change is never copied between the socket buffer and the decoder.
//
// Back-pressure: when the queue is full the reader stops reading (the server's send buffer fills
// and the walsender waits), but it keeps sending status updates every status.update.interval.ms
// (at most every 10 s), so wal_sender_timeout never fires while Kafka is slow.
//
// LSN safety: the flushed position in status updates is only what confirm() was given - the task
// calls it from commit(), after the runtime durably committed offsets whose records Kafka
// acknowledged. It never moves backwards. Until the first confirm() it is 0 (InvalidXLogRecPtr),
// which the server ignores.
//
// Failure: a broken connection or an error from the server stops the thread and is reported by
// error(); frames already queued stay valid and are consumed first.

#include "lsn.hpp"
#include "pg_conn.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ferry::plugins::postgres_cdc {

struct frame {
    char* data = nullptr; // libpq buffer (PQfreemem)
    int len = 0;
};

class frame_queue {
public:
    frame_queue(size_t max_frames, size_t max_bytes) : _max_frames(max_frames), _max_bytes(max_bytes) {}
    ~frame_queue();
    // Waits up to `wait` for room. False when full after the wait or when closed.
    bool push(frame f, std::chrono::milliseconds wait);
    // Moves up to `max` frames into `out` (appending), waiting up to `wait` for the first one.
    size_t pop(std::vector<frame>& out, size_t max, std::chrono::milliseconds wait);
    void close();
    size_t size() const;

private:
    mutable std::mutex _mu;
    std::condition_variable _not_empty, _not_full;
    std::deque<frame> _q;
    size_t _bytes = 0;
    size_t _max_frames, _max_bytes;
    bool _closed = false;
};

struct stream_stats {
    std::atomic<lsn_t> received{0};       // WAL start of the last XLogData
    std::atomic<lsn_t> server_wal_end{0}; // server's end of WAL (keep-alives and XLogData)
    std::atomic<lsn_t> keepalive_lsn{0};  // wal_end of the last keep-alive
    std::atomic<int64_t> frames{0};
    std::atomic<int64_t> status_updates{0};
};

class replication_stream {
public:
    // `conn` is a replication connection on which START_REPLICATION is sent by start().
    replication_stream(pg_conn conn, const settings& s);
    ~replication_stream();
    replication_stream(const replication_stream&) = delete;
    replication_stream& operator=(const replication_stream&) = delete;

    // Sends START_REPLICATION (on the calling thread, so errors such as a missing slot surface as
    // exceptions) and starts the reader. `confirmed` is the position already confirmed to the
    // server (reported as flushed from the start).
    void start(const std::string& slot, lsn_t start_lsn, lsn_t confirmed, const std::string& publication,
               const std::vector<std::pair<std::string, std::string>>& extra_params, int server_version);
    void stop();

    size_t next(std::vector<frame>& out, size_t max, std::chrono::milliseconds wait) {
        return _queue.pop(out, max, wait);
    }
    static void release(frame& f) {
        if (f.data) PQfreemem(f.data);
        f.data = nullptr;
    }

    // Never moves backwards.
    void confirm(lsn_t flushed);
    lsn_t confirmed() const { return _confirmed.load(); }
    // Set when the reader stopped because of an error (connection lost, server error).
    std::optional<std::string> error() const;
    bool running() const { return _running.load(); }
    bool queue_empty() const { return _queue.size() == 0; }
    const stream_stats& stats() const { return _stats; }

private:
    void run();
    bool send_status(bool reply_requested);
    void fail(std::string msg);

    pg_conn _conn;
    const settings& _s;
    frame_queue _queue;
    std::thread _thread;
    std::atomic<bool> _stop{false};
    std::atomic<bool> _running{false};
    std::atomic<lsn_t> _confirmed{0};
    std::atomic<bool> _confirm_pending{false}; // tell the server at once (as pgjdbc's flushLsn does)
    stream_stats _stats;
    mutable std::mutex _err_mu;
    std::optional<std::string> _error;
};

} // namespace ferry::plugins::postgres_cdc
