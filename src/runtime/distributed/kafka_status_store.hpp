#pragma once
// Connector and task statuses in the status topic (status.storage.topic; spec 4.4).
//
// Keys status-connector-<c> and status-task-<c>-<n>; values {"state":..,"trace":..,"worker_id":..,
// "generation":..} as Java's KafkaStatusBackingStore writes them, so Java and Ferry workers read
// each other's statuses. Writes are asynchronous and retried (the producer has retries=0 as in
// Java; failed writes are sent again unless a newer status for the same key was written since).
// "Safe" writes (UNASSIGNED on shutdown, FAILED) are skipped when the cached entry belongs to
// another worker at a newer generation.
//
// Topic tracking (KIP-558): status-topic-<topic>:connector-<c> records with
// {"topic":{"name":..,"connector":..,"task":..,"discoverTimestamp":..}}, written the first time a
// task uses a topic and tombstoned by a reset or when the connector is deleted; every worker reads
// them all, so GET /connectors/{c}/topics answers the same on any worker.

#include "runtime/status.hpp"
#include "storage/kafka_log.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace ferry::runtime {

class kafka_status_store : public status_store {
public:
    explicit kafka_status_store(storage::kafka_log_options opts) : _opts(std::move(opts)) {}
    ~kafka_status_store() override;

    result<> start();
    void stop();
    result<> read_to_end(std::chrono::milliseconds timeout) { return _log->read_to_end(timeout); }
    result<> flush(std::chrono::milliseconds timeout) { return _log->flush(timeout); }

    void put_connector(const std::string& connector, const status_entry& e) override;
    void put_task(const task_id& id, const status_entry& e) override;
    void remove_connector(const std::string& connector) override;
    void remove_task(const task_id& id) override;
    std::optional<status_entry> connector(const std::string& connector) const override;
    std::optional<status_entry> task(const task_id& id) const override;
    std::map<int32_t, status_entry> tasks(const std::string& connector) const override;
    std::vector<std::string> connectors() const override;

    // Topic tracking: record that `task` of `connector` used `topic` (no write if already known),
    // the connector's topics (sorted), and tombstones for all of them.
    void put_topic(const std::string& connector, const std::string& topic, int32_t task, int64_t discover_ms);
    std::vector<std::string> topics(const std::string& connector) const;
    void remove_topics(const std::string& connector);

    // Value bytes of a status, exactly as Java writes them.
    static std::string encode(const status_entry& e);
    static std::optional<status_entry> decode(std::string_view json);

private:
    void apply(const storage::log_record& r);
    void write(const std::string& key, std::optional<std::string> value, uint64_t seq);

    storage::kafka_log_options _opts;
    std::unique_ptr<storage::kafka_log> _log;
    mutable std::mutex _mu;
    std::map<std::string, status_entry> _connectors;
    std::map<task_id, status_entry> _tasks;
    std::map<std::string, std::set<std::string>> _topics; // connector -> active topics
    std::map<std::string, uint64_t> _sequence; // latest local write per key, to drop stale retries
    uint64_t _next_seq = 0;
};

} // namespace ferry::runtime
