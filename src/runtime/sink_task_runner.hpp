#pragma once
// WorkerSinkTask: consume -> convert -> transform -> put, and commit consumer offsets only after
// the task has flushed (pre_commit) what they cover.
//
// The consumer belongs to group connect-<connector> (or consumer.override.group.id). Rebalance
// callbacks run on the task thread inside the consumer poll: assignment -> open(); revocation ->
// pre_commit + synchronous commit + close(). A retriable_error from put() pauses every assigned
// partition, keeps polling (so the consumer stays in its group) and redelivers the same batch
// after context.timeout(); a paused target state likewise pauses the partitions but keeps polling.

#include "kafka/client.hpp"
#include "runtime/source_task_runner.hpp" // task_plugins
#include "runtime/worker_task.hpp"

#include <map>
#include <memory>
#include <set>

namespace ferry::runtime {

struct sink_task_settings {
    std::string task_class;
    config_map connector_config; // resolved
    config_map task_config;      // resolved
    kafka::properties consumer_props;
    std::vector<std::string> topics;
    std::string topics_regex;
    int64_t offset_flush_interval_ms = 60000;
    int64_t offset_flush_timeout_ms = 5000;
    int32_t max_poll_records = 500;
    error_handling_config errors;
    // Dead letter queue (empty topic = none).
    std::string dlq_topic;
    int16_t dlq_replication_factor = 3;
    bool dlq_context_headers = false;
    kafka::properties dlq_producer_props;
    kafka::properties admin_props;
};

class sink_task_runner : public worker_task, private kafka::consumer::rebalance_listener {
public:
    sink_task_runner(task_id id, status_listener& listener, target_state initial, const plugin_registry& plugins,
                     sink_task_settings settings, task_plugins tp);
    ~sink_task_runner() override;

protected:
    void execute() override;
    void stop_plugin() override;

private:
    class context;
    class dlq_reporter;
    class errant_reporter;

    void on_assigned(const std::vector<kafka::tp>& partitions) override;
    void on_revoked(const std::vector<kafka::tp>& partitions) override;
    void on_lost(const std::vector<kafka::tp>& partitions) override;

    void convert_messages(std::vector<kafka::message_ptr>& msgs);
    void deliver();
    void commit(bool sync, const std::set<topic_partition>* only = nullptr);
    void apply_rewinds();
    void update_pauses();
    void close_plugin();
    void close_consumer_and_task();

    const plugin_registry& _plugins;
    sink_task_settings _settings;
    task_plugins _tp;
    std::unique_ptr<retry_operator> _op;
    std::unique_ptr<kafka::consumer> _consumer;
    // The consumer stop() wakes from its poll (else a stop waits out the poll timeout, up to a
    // second); set while _consumer exists.
    std::mutex _wake_mu;
    kafka::consumer* _wake = nullptr;
    std::unique_ptr<sink_task> _task;
    std::unique_ptr<context> _ctx;
    bool _plugin_stopped = false;

    std::vector<sink_record> _batch;            // converted, awaiting (re)delivery
    std::map<topic_partition, int64_t> _batch_offsets; // next offsets once _batch is delivered
    std::map<topic_partition, int64_t> _current;        // delivered (put) offsets
    std::map<topic_partition, int64_t> _committed;
    std::set<topic_partition> _assigned;
    std::set<topic_partition> _task_paused;     // paused by the task through its context
    bool _paused_for_retry = false;
    bool _paused_for_target = false;
    std::chrono::steady_clock::time_point _retry_at{};
    int64_t _timeout_ms = -1;                   // context.timeout()
    bool _commit_requested = false;
    std::map<topic_partition, int64_t> _rewinds;
    std::chrono::steady_clock::time_point _next_commit;
    std::vector<kafka::message_ptr> _msgs;
    dlq_reporter* _dlq = nullptr; // owned by _op
    std::unique_ptr<errant_reporter> _errant;
    std::vector<kafka::message_ptr> _batch_msgs; // raw messages of _batch
};

} // namespace ferry::runtime
