#pragma once
// RAII wrappers over librdkafka: producer, consumer and admin client.
//
// Threading: each object is used by one thread at a time (a task thread owns its producer or
// consumer). Callbacks (delivery reports, rebalances) run inside poll()/poll_batch() on the calling
// thread, never on librdkafka's internal threads, so callers need no locks for them.

#include "base/error.hpp"
#include "kafka/client_config.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::kafka {

struct tp {
    std::string topic;
    int32_t partition = 0;
    friend auto operator<=>(const tp&, const tp&) = default;
};

struct header_bytes {
    std::string_view key;
    std::optional<std::string_view> value;
};

// librdkafka's client-side error, e.g. "Local: Queue full".
std::string err_str(rd_kafka_resp_err_t e);

struct rk_deleter {
    void operator()(rd_kafka_t* rk) const;
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

// Builds a librdkafka configuration from already-translated settings.
result<rd_kafka_conf_t*> make_conf(const properties& settings);

class producer {
public:
    // Called for each acknowledged or failed message with the opaque passed to send().
    using delivery_fn = std::function<void(void* opaque, rd_kafka_resp_err_t err, int32_t partition, int64_t offset,
                                           int64_t timestamp)>;

    static result<std::unique_ptr<producer>> create(const properties& java_props, delivery_fn on_delivery,
                                                    std::string log_name);
    ~producer();

    // Queues one message (key/value copied). When librdkafka's queue is full it serves callbacks
    // and waits until there is room or `deadline` passes.
    result<> send(std::string_view topic, std::optional<int32_t> partition, std::optional<std::string_view> key,
                  std::optional<std::string_view> value, const std::vector<header_bytes>& headers, int64_t timestamp_ms,
                  void* opaque, std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
    // The same with a topic handle from topic_handle() (no name lookup per message). With
    // copy=false key and value are not copied: they must stay valid and unchanged until the
    // message's delivery report, or until this producer is destroyed.
    result<> send(rd_kafka_topic_t* topic, std::optional<int32_t> partition, std::optional<std::string_view> key,
                  std::optional<std::string_view> value, const std::vector<header_bytes>& headers, int64_t timestamp_ms,
                  void* opaque, std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
                  bool copy = true);
    // The producer's handle of a topic (created on first use, valid as long as the producer).
    rd_kafka_topic_t* topic_handle(std::string_view topic);
    // Serves delivery reports; returns how many were served.
    int poll(int timeout_ms);
    // Waits until every queued message is acknowledged or failed.
    result<> flush(int timeout_ms);
    int outstanding() const;
    rd_kafka_t* handle() const { return _rk.get(); }

private:
    producer() = default;
    static void dr_cb(rd_kafka_t*, const rd_kafka_message_t*, void*);
    rk_ptr _rk;
    delivery_fn _on_delivery;
    std::string _last_topic;
    rd_kafka_topic_t* _last_rkt = nullptr;
    std::map<std::string, rd_kafka_topic_t*, std::less<>> _topics;
};

// Owning handle for a consumed message.
struct message_deleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;

class consumer {
public:
    struct rebalance_listener {
        virtual ~rebalance_listener() = default;
        virtual void on_assigned(const std::vector<tp>& partitions) = 0;
        virtual void on_revoked(const std::vector<tp>& partitions) = 0;
        virtual void on_lost(const std::vector<tp>& partitions) { on_revoked(partitions); }
    };

    // `listener` may be null (no group rebalance callbacks needed).
    static result<std::unique_ptr<consumer>> create(const properties& java_props, rebalance_listener* listener,
                                                    std::string log_name);
    ~consumer();

    result<> subscribe(const std::vector<std::string>& topics);
    // A Java regex; librdkafka treats subscriptions starting with '^' as regexes.
    result<> subscribe_pattern(const std::string& regex);
    result<> assign(const std::vector<std::pair<tp, int64_t>>& partitions_at);

    // Appends up to `max` messages (errors are returned as an error, partition EOF skipped).
    // Returns as soon as any message is there, like Java's KafkaConsumer.poll, waiting at most
    // `timeout_ms` for the first one (librdkafka's batch call would wait for all `max`).
    result<> poll_batch(int timeout_ms, size_t max, std::vector<message_ptr>& out);

    result<> commit(const std::vector<std::pair<tp, int64_t>>& offsets, bool async);
    result<std::map<tp, int64_t>> committed(const std::vector<tp>& partitions, int timeout_ms);
    result<> pause(const std::vector<tp>& partitions);
    result<> resume(const std::vector<tp>& partitions);
    result<> seek(const tp& partition, int64_t offset, int timeout_ms);
    std::vector<tp> assignment() const;
    // Makes the poll_batch() waiting now, or else the next one, return at once (Java's
    // KafkaConsumer.wakeup, without the exception). Any thread, while the consumer exists.
    void wakeup();
    // Leaves the group (revoking partitions through the listener) and closes.
    void close();
    rd_kafka_t* handle() const { return _rk.get(); }

private:
    consumer() = default;
    static void rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*);
    void watch_prefetch(size_t taken, size_t taken_bytes);
    void nudge_fetcher();
    rk_ptr _rk;
    rd_kafka_queue_t* _queue = nullptr;
    // The prefetch queue's limits (queued.min.messages, queued.max.messages.kbytes in bytes), and
    // its level when poll_batch() last found it (nearly) full; see watch_prefetch().
    size_t _queue_max_msgs = 0;
    size_t _queue_max_bytes = 0;
    size_t _full_level = 0;
    size_t _nudges = 0;
    rebalance_listener* _listener = nullptr;
    bool _closed = false;
    std::string _log_name;
};

struct new_topic {
    std::string name;
    int32_t partitions = -1;        // -1 = broker default
    int16_t replication_factor = -1; // -1 = broker default
    std::map<std::string, std::string> configs;
};

struct topic_info {
    std::string name;
    int32_t partitions = 0;
};

class admin {
public:
    static result<std::unique_ptr<admin>> create(const properties& java_props, std::string log_name);
    // Creates topics; existing ones are not an error (returns the names actually created).
    result<std::vector<std::string>> create_topics(const std::vector<new_topic>& topics, int timeout_ms);
    result<std::vector<topic_info>> list_topics(int timeout_ms);
    result<std::optional<topic_info>> describe_topic(const std::string& name, int timeout_ms);
    result<std::string> cluster_id(int timeout_ms);
    // Low/high watermarks of a partition.
    result<std::pair<int64_t, int64_t>> watermarks(const tp& partition, int timeout_ms);
    // Consumer group offsets (sink connectors' offsets API). Offsets < 0 are absent.
    result<std::map<tp, int64_t>> group_offsets(const std::string& group, int timeout_ms);
    result<> alter_group_offsets(const std::string& group, const std::map<tp, int64_t>& offsets, int timeout_ms);
    result<> delete_group_offsets(const std::string& group, const std::vector<tp>& partitions, int timeout_ms);
    // Deletes the group (and its offsets); fails while it has members.
    result<> delete_group(const std::string& group, int timeout_ms);
    rd_kafka_t* handle() const { return _rk.get(); }

private:
    admin() = default;
    rk_ptr _rk;
};

} // namespace ferry::kafka
