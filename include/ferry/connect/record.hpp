#pragma once
// Records as Connect defines them: ConnectRecord, SourceRecord, SinkRecord and headers.
// Records are plain structs moved through the pipeline in batches (std::vector); transforms edit
// them in place.

#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

struct header {
    std::string key;
    schema_ptr schema; // may be null (schemaless)
    value val;
};

class headers {
public:
    using container = std::vector<header>;
    void add(std::string key, schema_ptr s, value v) { _h.push_back({std::move(key), std::move(s), std::move(v)}); }
    void add(header h) { _h.push_back(std::move(h)); }
    // The last header with this key (Java's lastWithName), or nullptr.
    const header* last_with_name(std::string_view key) const {
        for (auto it = _h.rbegin(); it != _h.rend(); ++it)
            if (it->key == key) return &*it;
        return nullptr;
    }
    void remove(std::string_view key) { std::erase_if(_h, [&](const header& h) { return h.key == key; }); }
    void clear() { _h.clear(); }
    size_t size() const { return _h.size(); }
    bool empty() const { return _h.empty(); }
    container::iterator begin() { return _h.begin(); }
    container::iterator end() { return _h.end(); }
    container::const_iterator begin() const { return _h.begin(); }
    container::const_iterator end() const { return _h.end(); }
    friend bool operator==(const headers&, const headers&) = default;

private:
    container _h;
};

inline bool operator==(const header& a, const header& b) {
    return a.key == b.key && schema_equals(a.schema, b.schema) && a.val == b.val;
}

enum class timestamp_type : int8_t { no_timestamp = -1, create_time = 0, log_append_time = 1 };

struct connect_record {
    std::string topic;
    std::optional<int32_t> kafka_partition;
    schema_ptr key_schema;
    value key;
    schema_ptr value_schema;
    value val;
    std::optional<int64_t> timestamp; // epoch ms
    ferry::headers headers;

    virtual ~connect_record() = default;
    // Sink records know their Kafka offset (InsertField's offset.field needs it).
    virtual std::optional<int64_t> kafka_offset() const { return std::nullopt; }

    // User-provided (not `= default`) on purpose, here and in the derived records: value-
    // initialisation (`out.emplace_back()`) of a class whose default constructor is not
    // user-provided first zero-fills the whole object and only then runs the members'
    // constructors; that fill was a third of FileStreamSource's record building.
    connect_record() {}
    connect_record(const connect_record&) = default;
    connect_record(connect_record&&) noexcept = default;
    connect_record& operator=(const connect_record&) = default;
    connect_record& operator=(connect_record&&) noexcept = default;
};

// An immutable value shared by reference: copying one is a reference-count increment.
//
// Why it exists: a source partition is the same for every record of a file, table or replication
// slot, and a snapshot's offset is the same for all of its rows. As plain `value`s they were
// deep-copied into every record (a vector and its strings each time), which made the allocator
// the largest single cost of a fast source. A connector builds its partition once, keeps it in a
// shared_value member and assigns that to each record; the runtime recognises a record's
// partition by pointer before it compares contents.
//
// It converts implicitly from a `value` (so `r.source_offset = value(std::move(map))` keeps
// working, at the price of one allocation) and to `const value&` (so code that reads offsets is
// unchanged). The value inside is never modified; build a new one instead.
class shared_value {
public:
    shared_value() = default;
    shared_value(std::nullptr_t) {}
    shared_value(value v) : _p(v.is_null() ? nullptr : std::make_shared<const value>(std::move(v))) {}

    const value& get() const { return _p ? *_p : null_value(); }
    operator const value&() const { return get(); }
    const value* operator->() const { return &get(); }
    bool is_null() const { return !_p || _p->is_null(); }
    // Same object (not merely equal contents): what the runtime checks first.
    bool same_object(const shared_value& o) const { return _p == o._p; }

    friend bool operator==(const shared_value& a, const shared_value& b) { return a._p == b._p || a.get() == b.get(); }
    friend bool operator==(const shared_value& a, const value& b) { return a.get() == b; }

private:
    static const value& null_value() {
        static const value null;
        return null;
    }
    std::shared_ptr<const value> _p;
};

// Source partitions and offsets are maps with string keys and primitive values (value::map_type
// entries whose keys are strings), e.g. {"filename":"/data/in.txt"} -> {"position":1234}. Both are
// shared_values: keep the partition (and an offset that many records share) in the task and
// assign it, rather than building one per record.
struct source_record : connect_record {
    source_record() {} // see connect_record()
    shared_value source_partition; // map or null
    shared_value source_offset;    // map or null
    // key and val already hold the bytes the key and value converters would write (value::bytes,
    // or null for an absent key / value); the schemas are unused. Only a task the runtime gave a
    // record_format may set this (source_task.hpp).
    bool encoded = false;
};

struct sink_record : connect_record {
    sink_record() {} // see connect_record()
    int64_t offset = -1;
    timestamp_type ts_type = timestamp_type::no_timestamp;
    // Where the record came from before transforms changed topic/partition (KIP-793).
    std::string original_topic;
    int32_t original_partition = -1;
    std::optional<int64_t> kafka_offset() const override { return offset; }
};

struct topic_partition {
    std::string topic;
    int32_t partition = 0;
    friend bool operator==(const topic_partition&, const topic_partition&) = default;
    friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
};

struct offset_and_metadata {
    int64_t offset = 0;
    std::string metadata;
};

// What the producer reports for an acknowledged source record.
struct record_metadata {
    std::string_view topic; // valid for the duration of the call it is passed to
    int32_t partition = -1;
    int64_t offset = -1;
    int64_t timestamp = -1;
};

} // namespace ferry
