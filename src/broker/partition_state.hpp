#pragma once
// What the protocol layer keeps per partition on top of storage's log: idempotent-producer state
// (epoch and the last five batches of each producer, for sequence checks and duplicate replies),
// open transactions (for the last stable offset) and which producers the transaction coordinator
// has enrolled the partition for.
//
// Every append to a partition goes through partition_state::append or ::write_marker, under the
// partition's mutex, so the sequence check, the append and the state update are one step; the
// log's own mutex orders the bytes. The state is rebuilt from the log at start-up (scan of the
// batch headers from the log start), so it is exactly what the log says, crash or not.
//
// partition_registry maps (topic, partition) to its state, creating it (and installing the
// append listener that wakes long-polling fetches) on first use.

#include "broker/protocol/record_batch.hpp"
#include "broker/storage/log.hpp"

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>

namespace ferry::broker {

struct append_outcome {
    int16_t error = 0;
    std::string message;
    int64_t base_offset = -1;
    int64_t log_append_time = -1;
    int64_t log_start_offset = -1;
};

class partition_state {
public:
    partition_state(std::string topic, int32_t partition, std::shared_ptr<storage::partition_log> log);

    const std::string& topic() const { return _topic; }
    int32_t partition() const { return _partition; }
    const std::shared_ptr<storage::partition_log>& log() const { return _log; }

    // Validates the batch against the producer state (spec section 6) and appends it. The batch
    // header was already parsed and checked for framing by the caller.
    append_outcome append(std::span<char> batch, const proto::batch_header& h);

    // Writes a transaction marker for `pid` (COMMIT or ABORT) and closes its open transaction.
    result<int64_t> write_marker(int64_t pid, int16_t epoch, bool commit);
    // AddPartitionsToTxn: transactional batches of `pid` are accepted only with this epoch.
    void enroll(int64_t pid, int16_t epoch);

    int64_t high_watermark() const { return _log->log_end_offset(); }

    // Counts appends (records and markers); a parked fetch re-reads a partition only when this
    // moved, so an append elsewhere costs it an atomic load instead of a log read.
    void note_append() { _appends.fetch_add(1, std::memory_order_release); }
    uint64_t appends() const { return _appends.load(std::memory_order_acquire); }
    int64_t last_stable_offset() const;

    // Rebuilds producer and transaction state from the log (start-up).
    void rebuild();
    // Forgets producers idle longer than `expiration_ms` that have no open transaction.
    void expire_producers(int64_t now_ms, int64_t expiration_ms);
    size_t producer_count() const;

private:
    struct batch_meta {
        int32_t first_seq;
        int32_t last_seq;
        int64_t base_offset;
        int64_t timestamp;
    };
    struct producer_entry {
        int16_t epoch = -1;
        std::deque<batch_meta> batches; // newest last, at most 5
        int64_t txn_first_offset = -1;  // open transaction on this partition
        int64_t last_seen_ms = 0;
    };
    void bump_epoch(producer_entry& e, int16_t epoch);
    void apply_data_batch(int64_t pid, const proto::batch_header& h, int64_t now_ms);

    std::string _topic;
    int32_t _partition;
    std::shared_ptr<storage::partition_log> _log;
    mutable std::mutex _mu;
    std::unordered_map<int64_t, producer_entry> _producers;
    std::set<std::pair<int64_t, int64_t>> _open_txns; // (first offset, pid)
    std::unordered_map<int64_t, int16_t> _enrolled;   // pid -> epoch
    std::atomic<uint64_t> _appends{0};
};

class partition_registry {
public:
    partition_registry(storage::log_manager& logs, std::function<void()> on_append)
        : _logs(logs), _on_append(std::move(on_append)) {}

    // nullptr when the topic or partition does not exist.
    std::shared_ptr<partition_state> get(const std::string& topic, int32_t partition);
    // Creates (and rebuilds) the state of every existing partition.
    void load_all();
    void forget_topic(const std::string& topic);
    std::vector<std::shared_ptr<partition_state>> all() const;

private:
    storage::log_manager& _logs;
    std::function<void()> _on_append;
    mutable std::shared_mutex _mu;
    std::map<std::pair<std::string, int32_t>, std::shared_ptr<partition_state>> _states;
};

} // namespace ferry::broker
