#pragma once
// The disk-backed partition_log (internal to the storage layer; the protocol side sees only
// log.hpp). Lock order: _maint_mu -> _append_mu -> _seg_mu; segment-level locks are leaves.
//   _append_mu  serialises writers (append, marker, roll, config swap of the active segment);
//   _seg_mu     guards the segment map (readers take it shared just to pick segments);
//   _maint_mu   serialises retention, compaction and close/delete for this partition.

#include "base/log.hpp"
#include "broker/storage/log.hpp"
#include "broker/storage/segment.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

namespace ferry::broker::storage {

// What every partition shares with its log_manager.
struct log_env {
    std::function<int64_t()> clock;               // wall clock, ms
    std::function<void()> log_start_changed;      // persist the log-start-offset checkpoint
    std::function<void()> cleaner_offset_changed; // persist the cleaner-offset checkpoint
    size_t dedupe_buffer_bytes = 16u << 20;
    std::atomic<bool> stopping{false};
    ferry::log::logger_ptr logger;
};

// Checkpointed values for one partition, as found at open.
struct log_open_state {
    std::optional<int64_t> recovery_point;
    std::optional<int64_t> log_start;
    std::optional<int64_t> cleaner_offset;
    bool clean_shutdown = false;
};

class disk_log final : public partition_log, public std::enable_shared_from_this<disk_log> {
public:
    static result<std::shared_ptr<disk_log>> open(std::shared_ptr<log_env> env, std::string topic, int32_t partition,
                                                  std::string dir, std::shared_ptr<const topic_config> cfg,
                                                  const log_open_state& st);
    ~disk_log() override;

    // partition_log
    result<append_result> append(std::span<char> batch) override;
    result<int64_t> append_marker(int64_t pid, int16_t epoch, bool commit, int32_t coordinator_epoch,
                                  int64_t first_offset_of_txn) override;
    read_result read(int64_t offset, int32_t max_bytes, int64_t limit_offset, bool min_one_batch) const override;
    std::vector<aborted_txn> aborted_between(int64_t from, int64_t to) const override;
    int64_t log_start_offset() const override { return _log_start.load(std::memory_order_acquire); }
    int64_t log_end_offset() const override { return _leo.load(std::memory_order_acquire); }
    std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts) const override;
    result<int64_t> delete_records_before(int64_t offset) override;
    int64_t size_bytes() const override { return _size_bytes.load(std::memory_order_relaxed); }
    void scan(int64_t from, const std::function<bool(std::string_view batch)>& fn) const override;
    void scan_headers(int64_t from, const std::function<bool(std::string_view header)>& fn) const override;
    void set_append_listener(append_listener l) override;
    result<> flush() override;
    int64_t recovery_point() const override { return _recovery_point.load(std::memory_order_acquire); }
    const std::string& topic() const { return _topic; }
    int32_t partition_index() const { return _partition; }

    // log_manager side
    std::shared_ptr<const topic_config> config() const { return _cfg.load(); }
    void set_config(std::shared_ptr<const topic_config> c) { _cfg.store(std::move(c)); }
    // Flushes if the policy (flush.ms, the periodic floor, a pending roll) says so.
    result<> maybe_flush(int64_t steady_now_ms, int64_t periodic_flush_ms);
    // Deletes segments per retention.ms / retention.bytes / log start. Runs under _maint_mu.
    result<> apply_retention(int64_t now_ms);
    // One compaction pass if the log is due (cleaner.cc). Runs under _maint_mu.
    result<> compact(int64_t now_ms);
    int64_t cleaner_offset() const { return _cleaner_offset.load(); }
    // Flushes and stops accepting appends.
    result<> close();
    // For delete_topic: stop everything, then the caller removes the directory.
    void close_for_delete();
    const std::string& dir() const { return _dir; }
    std::string name() const { return _topic + "-" + std::to_string(_partition); }
    size_t segment_count() const;

private:
    disk_log(std::shared_ptr<log_env> env, std::string topic, int32_t partition, std::string dir,
             std::shared_ptr<const topic_config> cfg);
    result<> load(const log_open_state& st);
    result<> validate(std::span<char> batch, const topic_config& cfg, int64_t now) const;
    result<> roll_locked();
    result<> maybe_roll_locked(int64_t batch_size, int64_t batch_max_ts, int64_t batch_last_offset,
                               const topic_config& cfg);
    result<> write_locked(std::span<char> batch, const topic_config& cfg);
    result<> flush_locked(int64_t upto); // _append_mu held; everything below `upto` is written
    result<> flush_segments(const std::vector<std::shared_ptr<segment>>& segs, int64_t upto, int64_t messages);
    std::vector<std::shared_ptr<segment>> segments() const;
    std::shared_ptr<segment> floor_segment(int64_t offset) const;
    std::shared_ptr<segment> segment_after(int64_t base) const;
    void notify();
    void delete_segments(const std::vector<std::shared_ptr<segment>>& doomed, const char* why);
    bool stop_requested() const { return _closed.load() || _deleted.load() || _env->stopping.load(); }

    // compaction internals (cleaner.cc)
    struct clean_pass;
    result<bool> clean_group(clean_pass& pass, const std::vector<std::shared_ptr<segment>>& group);

    std::shared_ptr<log_env> _env;
    std::string _topic;
    int32_t _partition;
    std::string _dir;
    std::atomic<std::shared_ptr<const topic_config>> _cfg;

    mutable std::mutex _append_mu;
    mutable std::shared_mutex _seg_mu;
    std::mutex _maint_mu;
    std::map<int64_t, std::shared_ptr<segment>> _segments;
    std::shared_ptr<segment> _active; // guarded by _append_mu (and in _segments)
    int64_t _active_created_ms = 0;   // segment.ms fallback when batches carry no timestamp

    std::atomic<int64_t> _leo{0};
    std::atomic<int64_t> _log_start{0};
    std::atomic<int64_t> _recovery_point{0};
    std::atomic<int64_t> _cleaner_offset{0};
    std::atomic<int64_t> _size_bytes{0};
    std::atomic<int64_t> _unflushed{0};
    std::atomic<int64_t> _last_flush_steady{0};
    std::atomic<bool> _flush_pending{false};  // a segment was rolled or created: flush it soon
    std::atomic<bool> _dir_dirty{false};      // directory entries changed since the last fsync
    std::atomic<bool> _closed{false};         // no more appends
    std::atomic<bool> _deleted{false};        // the directory is going away: I/O errors are expected
    std::atomic<int64_t> _next_horizon_ms{0}; // earliest delete horizon seen by the last cleaning
    std::atomic<std::shared_ptr<append_listener>> _listener;
};

} // namespace ferry::broker::storage
