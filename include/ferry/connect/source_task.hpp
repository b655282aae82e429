#pragma once
// Source tasks: pull data from an external system and hand it to the runtime as source_records.
//
// Lifecycle. The runtime creates one task object per task config and runs it on a thread of its
// own (the task thread):
//   initialize(ctx) -> start(config) -> poll()* -> stop()
// poll() is called in a loop on the task thread. It should block for a short while when there is
// no data (a second or so, or until stop() is called) and return with whatever it has; an empty
// batch is fine. The runtime then transforms, converts and sends the records to Kafka in one batch.
//
// Threading. Every method runs on the task thread except stop(), which is called from ANOTHER
// thread while poll() may be blocked: it must only make poll() return soon (set a flag, wake a
// condition variable) and must not free what poll() uses. Cleanup belongs to the destructor, which
// runs on the task thread after poll() has returned for good. commit_record() and commit() are
// called between polls, so a task needs no locks for state only the task thread touches.
// A task whose poll() shares no state with commit_record() and commit() may say so with
// poll_concurrently(): the runtime then calls poll() on a thread of its own, reading the next
// batch while it converts and sends the previous one (at most two batches ahead), and calls
// commit_record()/commit() on the task thread meanwhile. stop() and the destructor keep their rules.
//
// Offsets. Each record carries source_partition/source_offset maps. The runtime commits, every
// offset.flush.interval.ms, the latest offset per partition whose record AND all earlier records of
// that partition Kafka acknowledged - never an offset whose data could still be lost. After a
// restart the task reads them back with ctx.offset_reader().offset(partition) in start() and
// resumes after them, so a record may be delivered twice (after the last commit) but never lost.
//
// Errors. Throw retriable_error from poll() for a passing problem (the runtime logs it and polls
// again); any other exception fails the task (FAILED, with the message as trace) until restarted.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/record.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry {

using config::config_map;

class offset_storage_reader {
public:
    virtual ~offset_storage_reader() = default;
    // The last committed offset (a map) of a source partition, or a null value if none.
    virtual value offset(const value& partition) = 0;
};

// How the runtime writes a task's records to Kafka: its key and value converters, as configured
// for this task (class names resolved to the canonical Java names, configs without their prefix).
//
// Why a task may want to know: a task that can write records in their final bytes itself skips the
// Connect data model on its hottest path. Building structs per row, converting them to JSON and
// freeing them is most of the CPU a table snapshot costs; a snapshot row written straight from
// PostgreSQL's COPY text into JsonConverter's bytes costs a fraction of it. Such a record is marked
// source_record::encoded and carries the bytes in key/val (value::bytes, or null for an absent
// key/value); the runtime sends them as they are, as if the converters had written them.
//
// The contract is byte-identity: an encoded record must be exactly what the converters would have
// written for the Connect record the task would otherwise have built (tests compare both paths).
// The runtime offers a format only when nothing else would touch the records between poll() and
// the converters - no transforms are configured - and a task that does not know the format must
// not encode. Headers are still converted by the runtime as usual.
struct record_format {
    std::string key_converter, value_converter;
    config_map key_converter_config, value_converter_config;
};

class source_task_context {
public:
    virtual ~source_task_context() = default;
    virtual const config_map& configs() const = 0;
    virtual offset_storage_reader& offset_reader() = 0;
    // The converters records are written with, when a task may encode its records itself (see
    // record_format); null when it may not.
    virtual const record_format* output_format() const { return nullptr; }
};

class source_task {
public:
    virtual ~source_task() = default;
    virtual std::string version() const = 0;
    virtual void initialize(source_task_context& ctx) { _context = &ctx; }
    virtual void start(const config_map& config) = 0;
    // Appends new records to `out` (which the runtime passes in empty).
    virtual void poll(std::vector<source_record>& out) = 0;
    // Offsets up to the last committed ones are safe in Kafka (e.g. a CDC task can now advance its
    // replication slot). Called after every offset commit, even when nothing new was committed.
    virtual void commit() {}
    // True when poll() may run concurrently with commit_record() and commit() (see the top).
    virtual bool poll_concurrently() const { return false; }
    // `record` was acknowledged by Kafka (metadata set) or dropped by a transform / skipped by
    // error tolerance (metadata null).
    virtual void commit_record(const source_record& record, const record_metadata* metadata) {
        (void)record;
        (void)metadata;
    }
    virtual void stop() = 0;

protected:
    source_task_context& context() const { return *_context; }

private:
    source_task_context* _context = nullptr;
};

} // namespace ferry
