#pragma once
// Durable partition logs for Ferry's broker (the storage half; the protocol half is src/broker).
//
// Model (spec kafka-protocol.md section 4): each partition is a directory `<topic>-<partition>` under a
// log dir, holding segment files named by base offset (20 digits): `.log` (RecordBatch v2 back to
// back, exactly as received except base_offset and partition_leader_epoch), a sparse `.index`
// (relative offset -> file position) and `.timeindex`, plus a `.txnindex` of aborted transactions.
//
// Ownership and threading. log_manager owns every partition_log. A partition_log is safe to call
// from several threads: appends are serialised by the partition's mutex, reads may run alongside an
// append and never see a partially written batch (readers are bounded by the end offset published
// after the append). Background work (flush by policy, retention, compaction) runs on the
// log_manager's own thread.
//
// Durability. append() returns once the batch is written to the page cache; the flush policy
// (log.flush.interval.messages / log.flush.interval.ms) decides when it is fsynced. At open, every
// segment past the recovery checkpoint is re-validated batch by batch (length, CRC-32C) and a torn
// tail is truncated, so a crash loses at most the unflushed suffix and never leaves garbage.
//
// The default policy, and why: Kafka's own defaults (flush.messages = flush.ms = 2^63-1) never
// fsync on the append path and lean on replication; a single node has no replicas, but a *process*
// crash (kill -9, abort) loses nothing that reached the page cache, so fsync per append would buy
// protection only against power loss or a kernel crash, at a large throughput cost. Ferry therefore
// keeps Kafka's topic defaults and adds a broker-level periodic flush (log_manager_config::
// periodic_flush_ms, 10 s by default) on the background thread, plus a flush of every rolled
// segment and on close(). Trade-off: after power loss up to ~periodic_flush_ms of acknowledged
// data may be lost (recovery then truncates cleanly); after a process crash nothing is. Topics
// that need more set flush.messages=1 (fsync before the append is acknowledged and before the
// high watermark moves) or a small flush.ms.
//
// Errors. Failures carry the Kafka error name as the first word of error::message
// ("CORRUPT_MESSAGE: CRC-32C mismatch ..."); kafka_error_of() maps an error back to the code the
// protocol layer puts on the wire (see kafka_error below).
//
// Memory. Nothing is cached per record and reads pread() straight into the reply buffer (the page
// cache does the caching). Indexes are sparse: the active segment's entries (about 8 bytes per
// 4 KiB appended) live in memory, older segments answer lookups by binary search over their index
// files, so memory stays bounded whatever the data size. Compaction's key map is bounded by
// log_manager_config::cleaner_dedupe_buffer_bytes.
//
// Compaction (cleanup.policy=compact) follows Kafka's LogCleaner and KIP-534: the details, and
// how a crash in the middle of it is repaired, are in cleaner.cc.

#include "base/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::storage {

// Kafka error codes this layer reports (spec section 7).
enum class kafka_error : int16_t {
    unknown_server_error = -1,
    none = 0,
    offset_out_of_range = 1,
    corrupt_message = 2,
    unknown_topic_or_partition = 3,
    message_too_large = 10,
    invalid_topic_exception = 17,
    invalid_timestamp = 32,
    topic_already_exists = 36,
    invalid_partitions = 37,
    invalid_config = 40,
    invalid_request = 42,
    unsupported_compression_type = 76,
    invalid_record = 87,
};
// The code named by the first word of e.message; UNKNOWN_SERVER_ERROR when there is none.
kafka_error kafka_error_of(const error& e);
const char* kafka_error_name(kafka_error e);

// Topic-level configuration with Kafka's names and defaults (spec 4.4). Unknown keys are rejected
// by topic_config::set with errc::invalid_argument.
struct topic_config {
    bool cleanup_delete = true;   // cleanup.policy contains "delete"
    bool cleanup_compact = false; // cleanup.policy contains "compact"
    int64_t retention_ms = 604800000;
    int64_t retention_bytes = -1;
    int64_t segment_bytes = 1073741824;
    int64_t segment_ms = 604800000;
    int64_t delete_retention_ms = 86400000;
    int64_t min_compaction_lag_ms = 0;
    int64_t max_compaction_lag_ms = INT64_MAX;
    double min_cleanable_dirty_ratio = 0.5;
    int32_t max_message_bytes = 1048588;
    int64_t flush_messages = INT64_MAX; // flush.messages (broker default from log.flush.interval.messages)
    int64_t flush_ms = INT64_MAX;       // flush.ms
    bool log_append_time = false;       // message.timestamp.type=LogAppendTime
    std::string compression_type = "producer";
    int32_t index_interval_bytes = 4096;
    int32_t segment_index_bytes = 10485760;              // an index this full rolls the segment
    int64_t message_timestamp_before_max_ms = INT64_MAX; // CreateTime topics: reject older batches
    int64_t message_timestamp_after_max_ms = INT64_MAX;  // ... and batches too far in the future

    // Every key explicitly set (for DescribeConfigs: is_default / config_source).
    std::map<std::string, std::string> overrides;

    // Applies one Kafka topic config; errc::invalid_argument names the key on a bad key or value.
    result<> set(std::string_view key, std::string_view value);
    // All known keys with their current values as Kafka renders them (for DescribeConfigs).
    std::vector<std::pair<std::string, std::string>> describe() const;

    // `defaults` (broker-level values; its own overrides are ignored) with `overrides` applied.
    // Errors are errc::invalid_argument "INVALID_CONFIG: ...".
    static result<topic_config> with_overrides(const topic_config& defaults,
                                               const std::map<std::string, std::string>& overrides);
    // Every topic config key Kafka 3.8 knows, in DescribeConfigs order.
    static const std::vector<std::string>& known_keys();
};

struct append_result {
    int64_t base_offset = -1;
    int64_t log_append_time = -1; // -1 unless LogAppendTime
    int64_t log_start_offset = 0;
};

// An aborted transaction range on one partition (the .txnindex entry).
struct aborted_txn {
    int64_t producer_id = -1;
    int64_t first_offset = -1;
    int64_t last_offset = -1; // offset of the ABORT marker
};

struct read_result {
    std::string data; // whole batches, back to back (may be empty)
    int64_t high_watermark = 0;
    int64_t log_start_offset = 0;
    bool out_of_range = false; // fetch offset below log start or above the end
};

class partition_log {
public:
    virtual ~partition_log() = default;

    // Appends one RecordBatch v2 as received from a producer. Validates framing and CRC-32C
    // (errc::invalid_argument with the Kafka error name in the message: CORRUPT_MESSAGE,
    // INVALID_RECORD, MESSAGE_TOO_LARGE), assigns base_offset = log end offset, sets the partition
    // leader epoch to 0, applies LogAppendTime if configured (recomputing the CRC), and writes it.
    // Also INVALID_TIMESTAMP (producer-set LogAppendTime, message.timestamp.{before,after}.max.ms),
    // UNSUPPORTED_COMPRESSION_TYPE, and UNKNOWN_TOPIC_OR_PARTITION (errc::not_found) once the
    // topic was deleted. Records are looked at only on compacted topics (every record needs a key;
    // compressed batches are decompressed for that); elsewhere validation reads the header alone,
    // which is what keeps append at memory speed. Producer-id/sequence/epoch checks are the
    // caller's (spec 6). On success the
    // batch in `batch` carries its assigned base offset (the buffer is modified in place), except
    // when compression.type forces recompression into an internal copy.
    virtual result<append_result> append(std::span<char> batch) = 0;

    // Appends a control batch (transaction marker) for producer `pid`/`epoch`; `commit` selects
    // COMMIT or ABORT. An ABORT also records the aborted range in the .txnindex.
    virtual result<int64_t> append_marker(int64_t pid, int16_t epoch, bool commit, int32_t coordinator_epoch,
                                          int64_t first_offset_of_txn) = 0;

    // Whole batches starting with the one containing `offset`, at most `max_bytes` bytes, never
    // including a batch at or beyond `limit_offset` (HW, or LSO for read_committed). When
    // `min_one_batch` is set, the first batch is returned even if larger than max_bytes (KIP-74).
    // After compaction `offset` may fall in a gap: the first batch ending at or after it is returned.
    // Data comes from one segment per call (callers fetch again from the next offset).
    virtual read_result read(int64_t offset, int32_t max_bytes, int64_t limit_offset, bool min_one_batch) const = 0;

    // Aborted transactions whose ranges overlap [from, to).
    virtual std::vector<aborted_txn> aborted_between(int64_t from, int64_t to) const = 0;

    virtual int64_t log_start_offset() const = 0;
    virtual int64_t log_end_offset() const = 0;
    // First offset with timestamp >= ts, and that record's timestamp; nullopt if none.
    virtual std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts) const = 0;
    // DeleteRecords: raises the log start offset (errc::invalid_argument "OFFSET_OUT_OF_RANGE" if
    // above the end) and returns the new low watermark. The new start is checkpointed at once;
    // segments wholly below it are deleted by the next retention pass.
    virtual result<int64_t> delete_records_before(int64_t offset) = 0;
    // Total bytes on disk.
    virtual int64_t size_bytes() const = 0;

    // Visits every batch header from `from` on (for rebuilding producer and transaction state at
    // start-up). The callback gets the raw batch bytes; return false to stop.
    virtual void scan(int64_t from, const std::function<bool(std::string_view batch)>& fn) const = 0;

    // Like scan(), but the callback sees only each batch's 61-byte header (base offset, last
    // offset delta, producer id/epoch, sequences, transactional/control bits: all that producer
    // state needs). The disk log then skips the payload of large batches, so rebuilding state
    // costs a fraction of reading the log. Control batches have no type here: use scan() or read()
    // for that.
    virtual void scan_headers(int64_t from, const std::function<bool(std::string_view header)>& fn) const {
        scan(from, [&](std::string_view b) { return fn(b.substr(0, 61)); });
    }

    // Waiters (long-polling fetches) are notified through this after each append.
    using append_listener = std::function<void()>;
    virtual void set_append_listener(append_listener l) = 0;

    virtual result<> flush() = 0;

    // Offsets below this are fsynced (durable across power loss), not just in the page cache.
    virtual int64_t recovery_point() const { return log_end_offset(); }
};

struct log_manager_config {
    std::string log_dir;
    topic_config defaults; // broker-level defaults (log.retention.ms, ...)
    int64_t retention_check_interval_ms = 300000;
    int64_t flush_scheduler_interval_ms = 1000; // how often the flush policy is checked
    int64_t cleaner_backoff_ms = 15000;
    // Ferry's durability floor (see the essay above): dirty partitions are fsynced this often by
    // the background thread whatever flush.ms says; 0 turns it off (pure Kafka behaviour).
    int64_t periodic_flush_ms = 10000;
    int64_t recovery_point_checkpoint_interval_ms = 60000; // log.flush.offset.checkpoint.interval.ms
    // Memory for compaction's key -> offset map (log.cleaner.dedupe.buffer.size); one pass maps at
    // most ~0.75 * bytes / 24 keys, larger dirty sections are cleaned over several passes.
    size_t cleaner_dedupe_buffer_bytes = 16u << 20;
    int32_t default_partitions = 1; // num.partitions, used when create_topic gets -1
    // Wall clock in ms for timestamps (LogAppendTime, retention, compaction lag, delete horizons).
    // Tests substitute a fake clock; scheduling always uses the steady clock.
    std::function<int64_t()> clock;
};

class log_manager {
public:
    // Opens (creating if needed) the log dir, recovers every partition found in it and starts the
    // background thread. Topic metadata (partition counts, configs) persists in the log dir.
    static result<std::unique_ptr<log_manager>> open(log_manager_config cfg);
    virtual ~log_manager() = default;

    // Errors name the Kafka error first: INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS
    // (errc::already_exists), INVALID_PARTITIONS, INVALID_CONFIG; delete/add/alter on an unknown
    // topic give UNKNOWN_TOPIC_OR_PARTITION (errc::not_found). partitions = -1 means
    // log_manager_config::default_partitions.
    virtual result<> create_topic(const std::string& name, int32_t partitions,
                                  const std::map<std::string, std::string>& configs) = 0;
    virtual result<> delete_topic(const std::string& name) = 0;
    virtual result<> add_partitions(const std::string& name, int32_t new_total) = 0;
    // incremental=false (AlterConfigs): the given values replace every topic override (nullopt
    // entries are ignored). incremental=true (IncrementalAlterConfigs): SET with a value, DELETE
    // with nullopt (back to the broker default); APPEND/SUBTRACT on lists are resolved by the
    // caller into a SET. All or nothing: an invalid value changes nothing (INVALID_CONFIG).
    virtual result<> alter_topic_config(const std::string& name,
                                        const std::map<std::string, std::optional<std::string>>& set_or_delete,
                                        bool incremental) = 0;

    virtual bool topic_exists(const std::string& name) const = 0;
    // Partition count, or nullopt if the topic does not exist.
    virtual std::optional<int32_t> partition_count(const std::string& name) const = 0;
    virtual std::vector<std::string> topics() const = 0;
    virtual std::optional<topic_config> config_of(const std::string& name) const = 0;
    // nullptr if the topic or partition does not exist. The pointer stays valid until the topic
    // is deleted (callers hold a shared_ptr).
    virtual std::shared_ptr<partition_log> partition(const std::string& topic, int32_t p) const = 0;

    // Runs retention and compaction now (tests use this instead of waiting for the schedule).
    virtual void run_maintenance_now() = 0;
    // Flushes everything and stops the background thread.
    virtual void close() = 0;
};

} // namespace ferry::broker::storage
