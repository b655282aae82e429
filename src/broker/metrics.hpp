#pragma once
// Broker counters (updated lock-free on the network threads) and a small writer for the
// Prometheus text exposition format. broker::metrics_text() combines them with gauges read at
// scrape time (partition sizes and offsets, group states, connections).

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker {

struct broker_metrics {
    static constexpr size_t max_api_key = 64;
    std::array<std::atomic<int64_t>, max_api_key> requests{};
    std::atomic<int64_t> produced_batches{0};
    std::atomic<int64_t> produced_records{0};
    std::atomic<int64_t> produced_bytes{0};
    std::atomic<int64_t> produce_errors{0};
    std::atomic<int64_t> fetched_bytes{0};
    std::atomic<int64_t> fetch_requests_parked{0};

    void count_request(int16_t key) {
        if (key >= 0 && static_cast<size_t>(key) < max_api_key)
            requests[static_cast<size_t>(key)].fetch_add(1, std::memory_order_relaxed);
    }
};

class prometheus_writer {
public:
    // Starts a metric family (HELP and TYPE lines).
    void family(std::string_view name, std::string_view type, std::string_view help);
    // One sample; labels as name/value pairs.
    void sample(std::string_view name, const std::vector<std::pair<std::string, std::string>>& labels, double value);
    void sample(std::string_view name, double value) { sample(name, {}, value); }
    std::string take() { return std::move(_out); }

private:
    std::string _out;
};

} // namespace ferry::broker
