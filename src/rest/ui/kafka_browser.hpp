#pragma once
// The topic browser's view of Kafka: topics with their partitions' offsets, and the latest records
// of a topic. Uses the worker's own connection settings (bootstrap servers, security).
//
// Threading: called from the REST pool. One admin client, created on first use, serves every
// request (librdkafka handles are thread-safe); each peek has its own consumer, which assigns
// partitions directly (no group membership, no commits) and is closed before the call returns.

#include "base/error.hpp"
#include "kafka/client.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ferry::rest::ui {

struct partition_offsets {
    int32_t partition = 0;
    int64_t start = 0; // log start offset (low watermark)
    int64_t end = 0;   // end offset (high watermark)
};

struct topic_offsets {
    std::string name;
    std::vector<partition_offsets> partitions;
};

struct peeked_message {
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp = -1;
    std::optional<std::string> key, value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

class kafka_browser {
public:
    explicit kafka_browser(std::map<std::string, std::string> client_props);

    // Every topic, sorted by name; offsets = false leaves the partitions' offsets at 0 (one
    // metadata request instead of one more request per partition).
    result<std::vector<topic_offsets>> topics(bool offsets);
    // One topic; not_found when it does not exist.
    result<topic_offsets> topic(const std::string& name);
    // The latest `n` records of the topic (of one partition when given), newest first.
    result<std::vector<peeked_message>> peek(const std::string& topic, int n, std::optional<int32_t> partition);

private:
    result<kafka::admin*> admin();
    std::map<std::string, std::string> _props;
    std::mutex _mu;
    std::unique_ptr<kafka::admin> _admin;
};

} // namespace ferry::rest::ui
