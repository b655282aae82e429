#pragma once
// Single message transforms and predicates (Kafka's Transformation<R> and Predicate<R>).
//
// A transformation edits a record in place and returns false to drop it. The runtime builds the
// chain from `transforms=` and applies each stage only when its predicate (XOR negate) matches.
// Source tasks see source_records, sink tasks sink_records; both arrive as connect_record&, and
// record.kafka_offset() tells a sink record apart. Throw data_error for records that cannot be
// transformed; errors.tolerance decides what happens to them.
//
// Threading: one instance per task, called only from the task thread.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/record.hpp"

namespace ferry {

class transformation {
public:
    virtual ~transformation() = default;
    virtual void configure(const config::config_map& config) = 0;
    virtual const config::config_def& config() const = 0;
    // Returns false when the record is to be dropped (Java: apply() returned null).
    virtual bool apply(connect_record& record) = 0;
};

class predicate {
public:
    virtual ~predicate() = default;
    virtual void configure(const config::config_map& config) = 0;
    virtual const config::config_def& config() const = 0;
    virtual bool test(const connect_record& record) = 0;
};

} // namespace ferry
