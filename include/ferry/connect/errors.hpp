#pragma once
// Errors at the plugin boundary. Connectors, tasks, converters and transforms throw these; the
// runtime catches them and decides what happens next:
//   retriable_error -> the operation is retried (poll again; redeliver the same batch to put() after
//                      context.timeout(); converter/transform stages within errors.retry.timeout)
//   data_error      -> this record is bad: errors.tolerance decides (fail the task, or skip,
//                      log and send it to the dead letter queue)
//   connect_error   -> the task fails (FAILED, with the message as its trace) and can be restarted
// Any other exception escaping a plugin is treated like connect_error.

#include <stdexcept>
#include <string>

namespace ferry {

class connect_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    // The Java class name reported in traces, DLQ headers and REST (e.g. for compatibility with
    // tooling that greps for "org.apache.kafka.connect.errors.ConnectException").
    virtual const char* java_class() const noexcept { return "org.apache.kafka.connect.errors.ConnectException"; }
};

class retriable_error : public connect_error {
public:
    using connect_error::connect_error;
    const char* java_class() const noexcept override { return "org.apache.kafka.connect.errors.RetriableException"; }
};

class data_error : public connect_error {
public:
    using connect_error::connect_error;
    const char* java_class() const noexcept override { return "org.apache.kafka.connect.errors.DataException"; }
};

// Configuration problems found when a plugin starts (validation catches most of them earlier).
class config_error : public connect_error {
public:
    using connect_error::connect_error;
    const char* java_class() const noexcept override { return "org.apache.kafka.common.config.ConfigException"; }
};

} // namespace ferry
