#pragma once
// A compacted Kafka topic read from the beginning into memory and appended to: the mechanism under
// Kafka Connect's config, offsets and status stores (Java's KafkaBasedLog).
//
// start() creates the topic if it is missing (compacted, with the requested partitions and
// replication factor), assigns every partition from offset 0 - no consumer group - and reads to
// the end before returning, so the caller starts with the whole history. A background thread then
// keeps consuming and hands every record to the callback, in partition order, on that thread.
// read_to_end() waits until everything written before the call has been seen by the callback;
// that is how a writer knows its own write (and anyone else's before it) has been applied.
// send() is asynchronous; flush() waits for every send to be acknowledged.

#include "base/error.hpp"
#include "kafka/client.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ferry::storage {

struct log_record {
    std::optional<std::string_view> key;
    std::optional<std::string_view> value; // nullopt = tombstone
    int32_t partition = 0;
    int64_t offset = 0;
};

struct kafka_log_options {
    std::string topic;
    int32_t partitions = 1;
    int16_t replication_factor = 1;
    std::map<std::string, std::string> topic_configs; // cleanup.policy=compact is always added
    kafka::properties client_props;                   // bootstrap.servers + security settings
    kafka::properties producer_overrides;             // e.g. retries=0 for the status store
    std::string client_id;                            // "<group.id>-configs", ...
    // Fails start() when the existing topic has another partition count (config topic: must be 1).
    bool require_partitions = false;
};

class kafka_log {
public:
    using callback = std::function<void(const log_record&)>;

    static result<std::unique_ptr<kafka_log>> start(kafka_log_options opts, callback cb,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
    ~kafka_log();

    // Waits until the callback has seen every record that was in the topic when this was called.
    result<> read_to_end(std::chrono::milliseconds timeout);
    // Appends; `on_done` (optional) runs on the producer's delivery path with the outcome.
    result<> send(std::string_view key, std::optional<std::string_view> value,
                  std::function<void(const error*)> on_done = {});
    // Waits until every send so far is acknowledged (or failed); returns the first failure.
    result<> flush(std::chrono::milliseconds timeout);
    // send() + flush().
    result<> send_sync(std::string_view key, std::optional<std::string_view> value, std::chrono::milliseconds timeout);

    int32_t partitions() const { return _partitions; }
    const std::string& topic() const { return _opts.topic; }
    void stop();

private:
    kafka_log() = default;
    void consume_loop();
    result<std::vector<int64_t>> end_offsets(std::chrono::milliseconds timeout);

    kafka_log_options _opts;
    callback _cb;
    int32_t _partitions = 0;
    std::unique_ptr<kafka::consumer> _consumer;
    std::unique_ptr<kafka::producer> _producer;
    std::mutex _producer_mu;
    std::optional<error> _send_failure;

    std::mutex _mu;
    std::condition_variable _cv;
    std::vector<int64_t> _positions; // next offset per partition the callback has NOT seen
    std::atomic<bool> _stop{false};
    std::thread _thread;
};

} // namespace ferry::storage
