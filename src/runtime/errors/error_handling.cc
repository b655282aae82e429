#include "runtime/errors/error_handling.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

#include <random>
#include <thread>

namespace ferry::runtime {

const char* stage_name(stage s) {
    switch (s) {
    case stage::task_poll: return "TASK_POLL";
    case stage::task_put: return "TASK_PUT";
    case stage::transformation: return "TRANSFORMATION";
    case stage::key_converter: return "KEY_CONVERTER";
    case stage::value_converter: return "VALUE_CONVERTER";
    case stage::header_converter: return "HEADER_CONVERTER";
    case stage::kafka_produce: return "KAFKA_PRODUCE";
    case stage::kafka_consume: return "KAFKA_CONSUME";
    }
    return "TASK_POLL";
}

error_handling_config error_handling_config::from(const config::config_values& v) {
    error_handling_config c;
    c.retry_timeout_ms = v.get_long("errors.retry.timeout");
    c.retry_delay_max_ms = v.get_long("errors.retry.delay.max.ms");
    auto tol = v.get_string("errors.tolerance");
    c.tolerate_all = tol == "all"; // validated: "none" or "all", case-sensitive as in Java
    c.log_enable = v.get_bool("errors.log.enable");
    c.log_include_messages = v.get_bool("errors.log.include.messages");
    return c;
}

retry_operator::retry_operator(error_handling_config cfg, std::string connector, int32_t task,
                               const std::atomic<bool>* stopping, std::shared_ptr<error_metrics> metrics)
    : _cfg(cfg), _connector(std::move(connector)), _task(task), _stopping(stopping), _metrics(std::move(metrics)) {}

bool retry_operator::backoff(int attempt, std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
    // 300 ms * 2^(attempt-1); past errors.retry.delay.max.ms a random delay below the maximum.
    int64_t delay = 300;
    for (int i = 1; i < attempt && delay <= _cfg.retry_delay_max_ms; i++) delay *= 2;
    if (delay > _cfg.retry_delay_max_ms) {
        static thread_local std::mt19937_64 rng{std::random_device{}()};
        delay = _cfg.retry_delay_max_ms > 0 ? int64_t(rng() % uint64_t(_cfg.retry_delay_max_ms)) : 0;
    }
    auto now = steady_clock::now();
    if (now >= deadline) return false;
    auto until = std::min(deadline, now + milliseconds(delay));
    while (steady_clock::now() < until) {
        if (_stopping->load()) return false;
        std::this_thread::sleep_for(std::min<steady_clock::duration>(milliseconds(50), until - steady_clock::now()));
    }
    return !_stopping->load();
}

bool retry_operator::handle_failure(stage st, const std::string& class_name, const std::string& exception_class,
                                    const std::string& message, const consumed_record* consumed,
                                    const source_record* source) {
    _metrics->total_record_failures++;
    _metrics->total_record_errors++;
    _metrics->last_error_timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
    error_context ctx{st, class_name, exception_class, message, consumed, source};
    for (auto& r : _reporters) r->report(ctx);
    if (!_cfg.tolerate_all) {
        std::string where;
        if (consumed)
            where = fmt::format(" (connector {}, task {}, topic {}, partition {}, offset {})", _connector, _task,
                                consumed->topic, consumed->partition, consumed->offset);
        else
            where = fmt::format(" (connector {}, task {})", _connector, _task);
        throw tolerance_exceeded(fmt::format("Tolerance exceeded in error handler{}: {} in stage {} with class {}: {}",
                                             where, exception_class, stage_name(st), class_name, message));
    }
    _metrics->total_records_skipped++;
    return false;
}

std::string describe_source_record(const source_record& r) {
    return fmt::format("SourceRecord{{sourcePartition={}, sourceOffset={}}} ConnectRecord{{topic='{}', kafkaPartition={}, "
                       "key={}, keySchema={}, value={}, valueSchema={}, timestamp={}, headers=ConnectHeaders(headers=)}}",
                       to_java_string(r.source_partition), to_java_string(r.source_offset), r.topic,
                       r.kafka_partition ? std::to_string(*r.kafka_partition) : "null", to_java_string(r.key),
                       r.key_schema ? r.key_schema->to_string() : "null", to_java_string(r.val),
                       r.value_schema ? r.value_schema->to_string() : "null",
                       r.timestamp ? std::to_string(*r.timestamp) : "null");
}

namespace {

class log_reporter : public error_reporter {
public:
    log_reporter(std::string connector, int32_t task, bool include, std::shared_ptr<error_metrics> m)
        : _connector(std::move(connector)), _task(task), _include(include), _metrics(std::move(m)),
          _log(log::get("runtime.errors")) {}

    void report(const error_context& c) override {
        std::string msg = fmt::format("Error encountered in task {}-{}. Executing stage '{}' with class '{}'", _connector,
                                      _task, stage_name(c.st), c.class_name);
        if (_include && c.consumed) {
            msg += fmt::format(", where consumed record is {{topic='{}', partition={}, offset={}", c.consumed->topic,
                               c.consumed->partition, c.consumed->offset);
            if (c.consumed->timestamp >= 0)
                msg += fmt::format(", timestamp={}, timestampType={}", c.consumed->timestamp,
                                   c.consumed->timestamp_type == 1 ? "LogAppendTime" : "CreateTime");
            msg += "}";
        } else if (_include && c.source) {
            msg += ", where source record is = " + describe_source_record(*c.source);
        }
        _log->error("{}. {}: {}", msg, c.exception_class, c.message);
        _metrics->total_errors_logged++;
    }

private:
    std::string _connector;
    int32_t _task;
    bool _include;
    std::shared_ptr<error_metrics> _metrics;
    log::logger_ptr _log;
};

} // namespace

std::unique_ptr<error_reporter> make_log_reporter(std::string connector, int32_t task, bool include_messages,
                                                  std::shared_ptr<error_metrics> metrics) {
    return std::make_unique<log_reporter>(std::move(connector), task, include_messages, std::move(metrics));
}

} // namespace ferry::runtime
