#pragma once
// Sink tasks: receive batches of records consumed from Kafka and write them to an external system.
//
// Lifecycle. One task object per task config, run on a task thread of its own:
//   initialize(ctx) -> start(config) -> open(partitions) -> put(batch)* -> pre_commit/flush ...
//   -> close(partitions) -> stop()
// open()/close() follow the consumer group's assignment: open() when partitions are assigned (the
// task may rewind them with ctx.offset()), close() when they are revoked or the task stops.
// put() receives each batch exactly once unless it throws retriable_error.
//
// Commits. Every offset.flush.interval.ms (or sooner after ctx.request_commit()) the runtime calls
// pre_commit(current offsets), whose default calls flush() and returns them unchanged; the runtime
// then commits the returned offsets to the consumer group. Committed offset = next record to read,
// so everything below it must be durable in the external system when pre_commit returns. A task
// that writes asynchronously returns smaller offsets (or an empty map to skip the commit).
//
// Retries. Throw retriable_error from put() when the external system is overloaded or down: the
// runtime pauses all assigned partitions, keeps polling (so the consumer stays in its group),
// waits ctx.timeout() ms (if set) and calls put() again with the SAME batch, as often as needed.
// Throw data_error for a bad record (errors.tolerance decides) and connect_error to fail the task.
//
// Threading. All methods are called on the task thread, except stop(), which comes from another
// thread and must only signal the task to finish.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/record.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ferry {

using config::config_map;
using offset_map = std::map<topic_partition, offset_and_metadata>;

// KIP-610: hands a bad record to the runtime's error handling (log/DLQ) and lets put() go on.
class errant_record_reporter {
public:
    virtual ~errant_record_reporter() = default;
    virtual void report(const sink_record& record, const std::string& error_message) = 0;
};

class sink_task_context {
public:
    virtual ~sink_task_context() = default;
    virtual const config_map& configs() const = 0;
    // Rewind/advance consumption of a partition (applied before the next poll).
    virtual void offset(const topic_partition& tp, int64_t offset) = 0;
    // Retry delay after a retriable_error from put(): the next put() comes no sooner.
    virtual void timeout(int64_t ms) = 0;
    virtual std::set<topic_partition> assignment() const = 0;
    virtual void pause(const std::vector<topic_partition>& tps) = 0;
    virtual void resume(const std::vector<topic_partition>& tps) = 0;
    virtual void request_commit() = 0;
    // Null when the connector has no error reporting configured.
    virtual errant_record_reporter* errant_reporter() { return nullptr; }
};

class sink_task {
public:
    virtual ~sink_task() = default;
    virtual std::string version() const = 0;
    virtual void initialize(sink_task_context& ctx) { _context = &ctx; }
    virtual void start(const config_map& config) = 0;
    virtual void open(const std::vector<topic_partition>& partitions) { (void)partitions; }
    // The batch may be empty (the runtime calls put() after every poll). After a retriable_error
    // the same batch comes again, which is why it is const: copy what must outlive the call.
    virtual void put(const std::vector<sink_record>& records) = 0;
    virtual void flush(const offset_map& current) { (void)current; }
    virtual offset_map pre_commit(const offset_map& current) {
        flush(current);
        return current;
    }
    virtual void close(const std::vector<topic_partition>& partitions) { (void)partitions; }
    virtual void stop() = 0;

protected:
    sink_task_context& context() const { return *_context; }

private:
    sink_task_context* _context = nullptr;
};

} // namespace ferry
