#pragma once
// Error handling for records (spec kafka-connect.md section 7): retries with back-off,
// errors.tolerance, the log reporter and the dead letter queue.
//
// A task runs each per-record stage (key/value/header conversion, each transform) through
// retry_operator::execute(). The operator retries retriable_error within errors.retry.timeout
// (300 ms, 600 ms, ... capped by errors.retry.delay.max.ms and the deadline), then applies the
// tolerance: with `none` the first failed record fails the task ("Tolerance exceeded in error
// handler"); with `all` the record is skipped and reported (log line and/or DLQ) and processing
// goes on. Retries end early when the task is being stopped.
//
// Threading: one operator per task, used only by the task thread.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/connect/record.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::runtime {

enum class stage { task_poll, task_put, transformation, key_converter, value_converter, header_converter, kafka_produce,
                   kafka_consume };
const char* stage_name(stage s); // "TASK_POLL", ...

// The raw record a sink consumed, for reports and the DLQ.
struct consumed_record {
    std::string_view topic;
    int32_t partition = -1;
    int64_t offset = -1;
    int64_t timestamp = -1;
    int timestamp_type = 0; // 0 create, 1 log append
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
};

// Everything a reporter needs to describe one failure.
struct error_context {
    stage st = stage::task_poll;
    std::string class_name;    // converter/transform/task class running at the time
    std::string exception_class;
    std::string message;
    const consumed_record* consumed = nullptr; // sinks
    const source_record* source = nullptr;     // sources
};

class error_reporter {
public:
    virtual ~error_reporter() = default;
    virtual void report(const error_context& ctx) = 0;
};

struct error_metrics {
    std::atomic<int64_t> total_record_failures{0};
    std::atomic<int64_t> total_record_errors{0};
    std::atomic<int64_t> total_records_skipped{0};
    std::atomic<int64_t> total_retries{0};
    std::atomic<int64_t> total_errors_logged{0};
    std::atomic<int64_t> deadletterqueue_produce_requests{0};
    std::atomic<int64_t> deadletterqueue_produce_failures{0};
    std::atomic<int64_t> last_error_timestamp{0};
};

struct error_handling_config {
    int64_t retry_timeout_ms = 0;
    int64_t retry_delay_max_ms = 60000;
    bool tolerate_all = false;
    bool log_enable = false;
    bool log_include_messages = false;

    static error_handling_config from(const config::config_values& v);
};

// Thrown when a record error is not tolerated; the task fails with it.
class tolerance_exceeded : public connect_error {
public:
    using connect_error::connect_error;
};

class retry_operator {
public:
    retry_operator(error_handling_config cfg, std::string connector, int32_t task, const std::atomic<bool>* stopping,
                   std::shared_ptr<error_metrics> metrics);

    void add_reporter(std::unique_ptr<error_reporter> r) { _reporters.push_back(std::move(r)); }

    // Runs `op`. Returns true when it succeeded; false when it failed and the failure is tolerated
    // (the record is to be skipped - it has been reported). Throws tolerance_exceeded otherwise.
    template <class F>
    bool execute(stage st, const std::string& class_name, F&& op, const consumed_record* consumed,
                 const source_record* source) {
        // The retry deadline counts from the first failure: reading the clock before every
        // attempt cost two clock reads per record on the hot path for an operation that
        // almost never fails.
        std::optional<std::chrono::steady_clock::time_point> deadline;
        int attempt = 0;
        for (;;) {
            try {
                op();
                return true;
            } catch (const retriable_error& e) {
                if (!deadline)
                    deadline = _cfg.retry_timeout_ms < 0 ? std::chrono::steady_clock::time_point::max()
                                                         : std::chrono::steady_clock::now() +
                                                               std::chrono::milliseconds(_cfg.retry_timeout_ms);
                if (_cfg.retry_timeout_ms != 0 && !_stopping->load() && backoff(++attempt, *deadline)) {
                    _metrics->total_retries++;
                    continue;
                }
                return handle_failure(st, class_name, e.java_class(), e.what(), consumed, source);
            } catch (const connect_error& e) {
                return handle_failure(st, class_name, e.java_class(), e.what(), consumed, source);
            } catch (const std::exception& e) {
                return handle_failure(st, class_name, "java.lang.RuntimeException", e.what(), consumed, source);
            }
        }
    }

    // For failures detected outside execute() (e.g. an async producer error under `all`).
    bool handle_failure(stage st, const std::string& class_name, const std::string& exception_class,
                        const std::string& message, const consumed_record* consumed, const source_record* source);

    bool tolerate_all() const { return _cfg.tolerate_all; }
    const error_handling_config& config() const { return _cfg; }
    error_metrics& metrics() { return *_metrics; }

private:
    // Sleeps before the next attempt; false when the deadline would pass or the task stops.
    bool backoff(int attempt, std::chrono::steady_clock::time_point deadline);

    error_handling_config _cfg;
    std::string _connector;
    int32_t _task;
    const std::atomic<bool>* _stopping;
    std::shared_ptr<error_metrics> _metrics;
    std::vector<std::unique_ptr<error_reporter>> _reporters;
};

// errors.log.enable: one ERROR line per failure, in Kafka Connect's wording.
std::unique_ptr<error_reporter> make_log_reporter(std::string connector, int32_t task, bool include_messages,
                                                  std::shared_ptr<error_metrics> metrics);

// Describes a source record as Java's SourceRecord.toString does (for logs).
std::string describe_source_record(const source_record& r);

} // namespace ferry::runtime
