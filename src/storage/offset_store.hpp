#pragma once
// Where source offsets live (spec kafka-connect.md sections 4.3 and 4.5).
//
// An offset store maps raw key bytes to raw value bytes. Keys are the JSON array
// ["<connector>",{<source partition>}] and values the JSON offset map, both produced by the runtime's
// offset codec (runtime/offset_codec.hpp) exactly as Kafka Connect's JsonConverter writes them, so
// that Java and Ferry workers find each other's offsets. A null value is a tombstone (offset reset).
//
// Lifecycle: start() loads what is stored (a file, or the offsets topic read to its end); get() and
// entries() then answer from memory; set() makes a batch durable before it returns - the caller
// (a source task's offset commit) only calls SourceTask::commit() after that. Implementations are
// thread-safe: tasks commit from their own threads while REST reads offsets.

#include "base/error.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::storage {

using offset_entries = std::vector<std::pair<std::string, std::optional<std::string>>>;

class offset_store {
public:
    virtual ~offset_store() = default;
    virtual result<> start() = 0;
    virtual void stop() = 0;
    virtual std::optional<std::string> get(std::string_view key) const = 0;
    // Brings what get() answers up to date with what is stored: the Kafka store reads its topic to
    // the end (the offsets another worker committed); the others hold everything already. A task
    // reading its offsets calls this first, as Java's KafkaOffsetBackingStore.get() reads to the
    // end before it answers: a task taken over from a dead worker must resume from that worker's
    // last commit, not from whatever this worker's consumer had read so far.
    virtual result<> sync(std::chrono::milliseconds timeout) {
        (void)timeout;
        return {};
    }
    // Durable when it returns successfully.
    virtual result<> set(const offset_entries& entries, std::chrono::milliseconds timeout) = 0;
    // Every live (non-tombstoned) entry.
    virtual std::vector<std::pair<std::string, std::string>> entries() const = 0;
};

// In memory only (tests; connectors that keep no offsets).
class memory_offset_store : public offset_store {
public:
    result<> start() override { return {}; }
    void stop() override {}
    std::optional<std::string> get(std::string_view key) const override;
    result<> set(const offset_entries& entries, std::chrono::milliseconds timeout) override;
    std::vector<std::pair<std::string, std::string>> entries() const override;

protected:
    mutable std::mutex _mu;
    std::map<std::string, std::string, std::less<>> _data;
};

// The standalone worker's offset.storage.file.filename. The file holds what connect-standalone
// writes: a Java-serialized java.util.HashMap<byte[],byte[]> of the key/value bytes (spec 4.5), so a
// user can move between Kafka Connect and Ferry and keep the offsets. Unlike Java, each flush is
// atomic: the map is written to "<file>.tmp", fsynced, and renamed over the file (then the
// directory is fsynced), so a crash leaves either the old or the new offsets, never a torn file.
class file_offset_store : public memory_offset_store {
public:
    explicit file_offset_store(std::string path) : _path(std::move(path)) {}
    result<> start() override;
    result<> set(const offset_entries& entries, std::chrono::milliseconds timeout) override;
    const std::string& path() const { return _path; }

private:
    result<> save_locked();
    std::string _path;
};

// Java serialization of HashMap<byte[],byte[]> (ObjectOutputStream format), both directions.
std::string java_serialize_byte_map(const std::map<std::string, std::optional<std::string>, std::less<>>& m);
result<std::vector<std::pair<std::string, std::optional<std::string>>>> java_deserialize_byte_map(std::string_view data);

} // namespace ferry::storage
