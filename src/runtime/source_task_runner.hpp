#pragma once
// WorkerSourceTask: poll -> transform -> convert -> produce, in batches, with at-least-once offsets.
//
// Per record the runner keeps a slot (in send order) until Kafka acknowledges it. Acknowledgements
// are served on the task thread (producer poll), call SourceTask::commit_record(), and advance the
// committable offset of the record's source partition only across a prefix of acknowledged slots,
// so an offset is never committed while an earlier record could still be lost. A slot points into
// its polled batch, which stays whole until the last of its records is acknowledged; then the
// batch goes back to the poller thread (with poll-ahead), which destroys its records there while
// the task thread keeps sending (without poll-ahead the task thread frees it). A record is never
// copied or moved after poll(). Every
// offset.flush.interval.ms the committable offsets are written to the offset store (durably) and
// SourceTask::commit() is called; a final commit runs when the task stops.

#include "kafka/client.hpp"
#include "runtime/offset_codec.hpp"
#include "runtime/seq_ring.hpp"
#include "runtime/topic_creation.hpp"
#include "runtime/transform_chain.hpp"
#include "runtime/worker_task.hpp"
#include "storage/offset_store.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ferry::runtime {

struct task_plugins {
    std::unique_ptr<converter> key_converter;
    std::unique_ptr<converter> value_converter;
    std::unique_ptr<header_converter> header_conv;
    std::string key_converter_class, value_converter_class, header_converter_class;
    config_map key_converter_config, value_converter_config; // as configured, without the prefix
    transform_chain transforms;
};

struct source_task_settings {
    std::string task_class;
    config_map connector_config; // resolved
    config_map task_config;      // resolved
    kafka::properties producer_props;
    int64_t offset_flush_interval_ms = 60000;
    int64_t offset_flush_timeout_ms = 5000;
    error_handling_config errors;
    // Ferry extension: dead letter queue for source records that fail conversion or
    // transformation (empty topic = none). Records are written with the JsonConverter (schemas on).
    std::string dlq_topic;
    int16_t dlq_replication_factor = 3;
    bool dlq_context_headers = false;
    kafka::properties dlq_producer_props;
    kafka::properties admin_props;
    // topic.creation.* of a connector that uses it on a worker that allows it; null = the task
    // creates no topics (a missing one is left to the broker's auto-creation).
    std::shared_ptr<const topic_creation> topic_groups;
};

class source_task_runner : public worker_task {
public:
    source_task_runner(task_id id, status_listener& listener, target_state initial, const plugin_registry& plugins,
                       source_task_settings settings, task_plugins tp, std::shared_ptr<storage::offset_store> offsets);
    ~source_task_runner() override;

protected:
    void execute() override;
    void stop_plugin() override;

private:
    struct slot {
        source_record* record = nullptr;       // in a batch of _sent
        uint32_t partition_index = UINT32_MAX; // UINT32_MAX = record without a source partition
        uint32_t topic_index = 0;              // in _topics (the record itself may be cold by the ack)
        bool acked = false;
        bool ends_batch = false; // the batch's last record: popping it retires the batch
    };
    struct partition_state {
        shared_value partition;
        std::string key; // encoded offset key
        shared_value committable;
        // The last acknowledged record of the partition, whose offset is committable but not yet
        // copied into `committable` (done once per retired batch, not per record).
        const source_record* latest = nullptr;
        bool dirty = false;
    };
    class context;
    class reader;
    class dlq_reporter;

    void send_batch();
    void poll_task(std::vector<source_record>& batch);
    // Poll-ahead for tasks with poll_concurrently(): a poller thread fills `ready`, the task
    // thread takes from it; retired batches come back through `spare`, and the poller destroys
    // their records and reuses their capacity.
    struct poll_ahead {
        std::mutex mu;
        std::condition_variable cv;
        std::deque<std::vector<source_record>> ready; // at most k_ahead_batches
        std::vector<std::vector<source_record>> spare;
        std::exception_ptr error;
        bool quit = false;
        bool done = false;
        std::thread thread;
    };
    static constexpr size_t k_ahead_batches = 2;
    // Retired batches waiting for the poller to destroy their records and reuse them; beyond
    // this many (the poller is behind) the task thread destroys them itself.
    static constexpr size_t k_spare_batches = 8;
    // Emptied batches the poller keeps for reuse (a batch's array is large: reusing it saves
    // allocating and faulting in fresh memory for every batch).
    static constexpr size_t k_pooled_batches = 4;
    void poll_ahead_loop();
    void take_ahead();
    void stop_poll_ahead();
    void retire_batch();
    void take_latest_offsets();
    uint32_t topic_index_of(const std::string& topic);
    bool prepare_topic(uint32_t topic_index);
    bool maybe_create_topic(const std::string& topic);
    void publish_delivery_counts();
    uint32_t partition_index_of(const shared_value& partition);
    void on_delivery(uint64_t seq, rd_kafka_resp_err_t err, int32_t partition, int64_t offset, int64_t ts);
    void advance_acked();
    void commit_offsets(bool final);
    void commit_when_due();
    void close_plugin();

    const plugin_registry& _plugins;
    source_task_settings _settings;
    task_plugins _tp;
    std::shared_ptr<storage::offset_store> _offsets;
    std::unique_ptr<offset_codec> _codec;
    std::unique_ptr<retry_operator> _op;
    std::unique_ptr<kafka::producer> _producer;
    std::unique_ptr<source_task> _task;
    std::unique_ptr<context> _ctx;
    std::unique_ptr<reader> _reader;
    std::unique_ptr<poll_ahead> _ahead;
    size_t _last_poll_size = 0; // records of the last non-empty poll (poll_task's thread only)
    bool _plugin_stopped = false;

    std::vector<source_record> _batch; // filled by poll_task / take_ahead, then moved to _sent
    // Batches being sent or with records in flight, oldest first; _cur is the one being sent
    // (the back), _batch_pos its next record. A deque keeps the records' addresses stable.
    std::deque<std::vector<source_record>> _sent;
    std::vector<source_record>* _cur = nullptr;
    size_t _batch_pos = 0;
    // Metric deltas of delivery reports, added to the shared atomics once per producer poll
    // rather than per record.
    int64_t _delivered = 0, _written = 0;
    // The wall clock for records without a timestamp, read every 64 records (send_batch).
    int64_t _clock_ms = 0;
    int _clock_uses = 0;
    seq_ring<slot> _inflight; // the producer's opaque is the slot's sequence number
    std::vector<partition_state> _partitions;
    std::vector<uint32_t> _with_latest; // partitions whose `latest` is set
    struct topic_entry {
        std::string name;
        // The producer's; null until the first record is sent to the topic, which first makes
        // sure it exists (prepare_topic). Skipped records never need it.
        rd_kafka_topic_t* handle = nullptr;
    };
    std::vector<topic_entry> _topics; // every topic sent to, for the slots' topic_index
    std::unordered_map<std::string, uint32_t> _topic_index;
    uint32_t _last_topic = UINT32_MAX;
    uint32_t _last_active_topic_index = UINT32_MAX; // the topic last passed to record_active_topic()
    std::unordered_map<std::string, uint32_t> _partition_index;
    uint32_t _last_partition = UINT32_MAX;
    std::string _key_buf, _value_buf;
    std::vector<std::string> _header_bufs;
    std::vector<kafka::header_bytes> _headers;
    std::optional<std::string> _async_failure;
    std::chrono::steady_clock::time_point _next_commit;
    dlq_reporter* _dlq = nullptr; // owned by _op
    std::unique_ptr<kafka::admin> _admin; // topic creation's, made when first needed
};

} // namespace ferry::runtime
