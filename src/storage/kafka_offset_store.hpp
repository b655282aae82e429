#pragma once
// Source offsets in a Kafka topic (offset.storage.topic; spec 4.3): keys and values are the offset
// codec's bytes, partitioned with murmur2 like Java's workers so that each key always lands in
// the same partition. set() returns when every record is acknowledged by Kafka.

#include "storage/kafka_log.hpp"
#include "storage/offset_store.hpp"

namespace ferry::storage {

class kafka_offset_store : public offset_store {
public:
    explicit kafka_offset_store(kafka_log_options opts) : _opts(std::move(opts)) {}
    ~kafka_offset_store() override { stop(); }

    result<> start() override;
    void stop() override;
    std::optional<std::string> get(std::string_view key) const override;
    result<> set(const offset_entries& entries, std::chrono::milliseconds timeout) override;
    std::vector<std::pair<std::string, std::string>> entries() const override;
    // Brings the in-memory view up to date with writes of other workers.
    result<> read_to_end(std::chrono::milliseconds timeout) { return _log ? _log->read_to_end(timeout) : result<>{}; }
    result<> sync(std::chrono::milliseconds timeout) override { return read_to_end(timeout); }

private:
    kafka_log_options _opts;
    std::unique_ptr<kafka_log> _log;
    mutable std::mutex _mu;
    std::map<std::string, std::string, std::less<>> _data;
};

} // namespace ferry::storage
